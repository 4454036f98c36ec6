//! The timeline's output types: the stable JSON contract (`schema/timeline.schema.json`).
//! Times are RFC 3339 UTC strings; fields that do not apply are null.

use serde::{Deserialize, Serialize};

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
}

/// Who is to blame for an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Attribution {
    /// The CDN edge.
    Edge,
    /// The origin.
    Origin,
    /// Both, or evidence pointing both ways.
    Mixed,
}

/// How wide an incident was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// One POP, or a few in one region's part.
    Local,
    /// One region.
    Regional,
    /// Several regions.
    Global,
}

/// One incident across POPs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Stable id within a run (`I1`, `I2`, ... in onset order).
    pub id: String,
    /// Edge, origin or mixed.
    pub attribution: Attribution,
    /// Start, RFC 3339.
    pub onset: Option<String>,
    /// End, RFC 3339; null when still failing at the end of the data.
    pub recovery: Option<String>,
    /// Local, regional or global.
    pub scope: Scope,
    /// Hosts involved.
    pub hosts: Vec<String>,
    /// The first affected POP(s).
    pub epicenter: Vec<String>,
    /// Every affected POP.
    pub pops: Vec<String>,
    /// Flapping across the incident's POPs: the most transitions at one POP and the median of
    /// their periods.
    #[serde(default)]
    pub flapping: Flapping,
    /// What the attribution rests on.
    #[serde(default)]
    pub evidence: Evidence,
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

/// One POP (or one region, with `pop` holding the region name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopTimeline {
    /// POP code (for a region row: the region).
    pub pop: String,
    /// City (null for a region row or an unknown code).
    pub city: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Region (`unknown` for codes not in the table).
    pub region: String,
    /// Hit by an edge-attributed incident.
    pub affected: bool,
    /// Onset, RFC 3339.
    pub onset: Option<String>,
    /// Time of the peak error rate, RFC 3339.
    pub peak: Option<String>,
    /// Peak error rate (0..1) over one bucket.
    pub peak_error_rate: Option<f64>,
    /// Recovery, RFC 3339.
    pub recovery: Option<String>,
    /// Flapping during the incident.
    pub flapping: Flapping,
    /// The most frequent error signature during the incident (or overall when unaffected).
    pub dominant_signature: Option<String>,
    /// Requests over the whole data.
    pub requests: u64,
    /// How sure the detection is, 0..1 (low for low-volume POPs).
    pub confidence: f64,
}

/// One POP in propagation order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Propagation {
    /// POP code.
    pub pop: String,
    /// Onset, RFC 3339.
    pub onset: String,
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
    pub regions: Vec<PopTimeline>,
    /// Affected POPs in onset order.
    pub propagation: Vec<Propagation>,
}
