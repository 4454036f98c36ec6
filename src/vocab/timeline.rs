//! The timeline's output types: the stable JSON contract (`schema/timeline.schema.json`).
//! Times are [`Timestamp`]s (RFC 3339 UTC strings in JSON); fields that do not apply are null.

use serde::{Deserialize, Serialize};

use super::time::Timestamp;

/// Input accounting, as in [`crate::ingest::Accounting`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputSummary {
    /// Input files.
    pub files: u64,
    /// Non-blank lines read.
    pub lines: u64,
    /// Events.
    pub events: u64,
    /// Rejected lines.
    pub rejected: u64,
    /// Duplicate lines.
    pub duplicates: u64,
    /// Events outside the `--since`/`--until` window (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub filtered: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde passes fields by reference")]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Who is to blame for an incident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Attribution {
    /// The CDN edge.
    #[default]
    Edge,
    /// The origin.
    Origin,
    /// Both, or evidence pointing both ways.
    Mixed,
}

pub use super::shape::{Pattern, Scope};

/// One incident across POPs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Stable id within a run (`I1`, `I2`, ... in onset order).
    pub id: String,
    /// Edge, origin or mixed.
    pub attribution: Attribution,
    /// Start.
    pub onset: Option<Timestamp>,
    /// End; null when still failing at the end of the data.
    pub recovery: Option<Timestamp>,
    /// The onset lies before the input's first event: the input starts inside the incident.
    #[serde(default)]
    pub onset_censored: bool,
    /// The recovery lies after the input's last event: still failing when the input ends.
    #[serde(default)]
    pub recovery_censored: bool,
    /// Local, regional, global, or unknown (only unmapped POPs affected). Unmapped POPs never
    /// widen the scope.
    pub scope: Scope,
    /// Affected POPs whose place is not in the data-center tables.
    #[serde(default)]
    pub unmapped_pops: usize,
    /// How the POPs' onsets are laid out: `simultaneous` (a push: no epicenter is named),
    /// `propagating` (an epicenter and lags), or `single`.
    #[serde(default)]
    pub onset_pattern: Pattern,
    /// Seconds between the earliest and the latest POP onset.
    #[serde(default)]
    pub onset_spread_seconds: Option<f64>,
    /// The same for recoveries: one global fix or a staged one.
    #[serde(default)]
    pub recovery_pattern: Pattern,
    /// Seconds between the earliest and the latest POP recovery.
    #[serde(default)]
    pub recovery_spread_seconds: Option<f64>,
    /// Requests that failed because of the incident: errors above each POP's (or host's)
    /// baseline over its failing span.
    #[serde(default)]
    pub failed_requests: u64,
    /// Hosts involved.
    pub hosts: Vec<String>,
    /// The first affected POP: the earliest onset of a propagating incident (empty for a push,
    /// whose onsets cannot be ordered).
    pub epicenter: Vec<String>,
    /// POPs whose onset interval reaches back before the epicenter's ends: they could have been
    /// first too.
    #[serde(default)]
    pub epicenter_alternatives: Vec<String>,
    /// Every affected POP.
    pub pops: Vec<String>,
    /// Flapping across the incident's POPs: the most transitions at one POP and the median of
    /// their periods.
    #[serde(default)]
    pub flapping: Flapping,
    /// What the attribution rests on.
    #[serde(default)]
    pub evidence: Evidence,
    /// Who was hit: the values that separate the window's failing requests from its healthy
    /// ones (absent when the analysis had no event fields to split by).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohorts: Option<super::cohorts::IncidentCohorts>,
    /// The recorded changes ranked against this incident's onset, with the verdict on whether
    /// the onset pattern fits each (absent without `--changes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<super::changes::IncidentChanges>,
}

/// The counts behind an incident's attribution, over its POPs (edge) or host (origin) and time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Requests in the incident's window at its POPs (or for its host).
    pub requests: u64,
    /// Of which 5xx.
    pub errors: u64,
    /// Events per signature id.
    pub signatures: std::collections::BTreeMap<String, u64>,
    /// Hosts that saw edge- or origin-blamed errors.
    pub hosts_with_errors: usize,
    /// Regions of the affected POPs.
    pub regions: Vec<String>,
    /// One sentence: why this attribution.
    pub reason: String,
}

/// Flapping: on/off alternation of the error state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flapping {
    /// Transitions between failing and healthy during the incident.
    pub transitions: u32,
    /// Estimated period of the alternation, seconds; null when not flapping.
    pub period_seconds: Option<f64>,
}

/// One region: its POPs' rows taken together.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionTimeline {
    /// Region (`unknown` for the POPs whose place is not in the tables).
    pub region: String,
    /// POPs of the region seen in the data.
    pub pops: usize,
    /// Of which hit by an edge-attributed incident.
    pub pops_affected: usize,
    /// Any of its POPs was hit by an edge-attributed incident.
    pub affected: bool,
    /// The earliest onset of its POPs.
    pub onset: Option<Timestamp>,
    /// That onset lies before the input starts.
    #[serde(default)]
    pub onset_censored: bool,
    /// Time of the region's peak error rate.
    pub peak: Option<Timestamp>,
    /// Peak error rate (0..1) of the region's traffic over one bucket.
    pub peak_error_rate: Option<f64>,
    /// The latest recovery of its POPs.
    pub recovery: Option<Timestamp>,
    /// That recovery lies after the input ends.
    #[serde(default)]
    pub recovery_censored: bool,
    /// The most flapping transitions at one of its POPs, and the period the POPs agree on.
    pub flapping: Flapping,
    /// The most frequent error signature over its affected span (or overall when unaffected).
    pub dominant_signature: Option<String>,
    /// Requests over the whole data.
    pub requests: u64,
    /// Mean requests per bucket with traffic.
    #[serde(default)]
    pub volume: f64,
    /// Requests its POPs lost to incidents.
    #[serde(default)]
    pub failed_requests: u64,
    /// The probability of its most probably affected POP.
    pub confidence: f64,
}

/// One POP.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PopTimeline {
    /// POP code.
    pub pop: String,
    /// City (null for an unknown code).
    pub city: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Region (`unknown` for codes not in the table).
    pub region: String,
    /// Hit by an edge-attributed incident.
    pub affected: bool,
    /// Onset, RFC 3339.
    pub onset: Option<Timestamp>,
    /// The onset's uncertainty interval (earliest, latest), RFC 3339: from the bucket width, the
    /// time between errors at the POP's volume, and the shape of the rise.
    #[serde(default)]
    pub onset_interval: Option<[Timestamp; 2]>,
    /// The onset lies before the input starts (`onset` is then the first event's time).
    #[serde(default)]
    pub onset_censored: bool,
    /// Time of the peak error rate, RFC 3339.
    pub peak: Option<Timestamp>,
    /// Peak error rate (0..1) over one bucket.
    pub peak_error_rate: Option<f64>,
    /// Recovery, RFC 3339.
    pub recovery: Option<Timestamp>,
    /// The recovery's uncertainty interval (earliest, latest), RFC 3339.
    #[serde(default)]
    pub recovery_interval: Option<[Timestamp; 2]>,
    /// The recovery lies after the input ends (`recovery` is then the last event's time).
    #[serde(default)]
    pub recovery_censored: bool,
    /// Flapping during the incident.
    pub flapping: Flapping,
    /// The most frequent error signature during the incident (or overall when unaffected).
    pub dominant_signature: Option<String>,
    /// Requests over the whole data.
    pub requests: u64,
    /// Mean requests per bucket with traffic: how much evidence the row rests on.
    #[serde(default)]
    pub volume: f64,
    /// Edge-blamed error rate when healthy (0..1).
    #[serde(default)]
    pub baseline_error_rate: Option<f64>,
    /// Edge-blamed error rate above the baseline over the failing span (0..1).
    #[serde(default)]
    pub excess_error_rate: Option<f64>,
    /// Requests that failed because of the incident: edge-blamed errors above the baseline over
    /// the failing span.
    #[serde(default)]
    pub failed_requests: u64,
    /// Posterior probability that the POP was affected (0..1), from the change model: near 1
    /// for a POP found affected on strong evidence, near 0 for one clearly healthy.
    pub confidence: f64,
}

/// One POP in propagation order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Propagation {
    /// POP code.
    pub pop: String,
    /// Onset.
    pub onset: Timestamp,
    /// Seconds after the epicenter's onset.
    pub lag_seconds: f64,
}

/// The whole timeline document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Input accounting.
    pub input: InputSummary,
    /// Incidents, in onset order.
    pub incidents: Vec<Incident>,
    /// Every POP seen.
    pub pops: Vec<PopTimeline>,
    /// Every region seen.
    pub regions: Vec<RegionTimeline>,
    /// Affected POPs in onset order.
    pub propagation: Vec<Propagation>,
    /// Recorded changes (`--changes`), in time order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<super::changes::Change>,
    /// Incidents of signals other than errors (missing bot scores, edge-added latency), in
    /// onset order within each kind.
    #[serde(default)]
    pub signals: Vec<super::signals::SignalIncident>,
    /// Edge-added latency per POP, for inputs that record it.
    #[serde(default)]
    pub latency: Vec<super::signals::PopLatency>,
}
