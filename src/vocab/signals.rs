//! Output types of the signals a 5xx timeline does not see: security decisions made on bot
//! scores that were never computed, and latency the edge added. Part of the timeline's JSON
//! contract (`schema/timeline.schema.json`); times are [`Timestamp`]s, RFC 3339 UTC strings in JSON.

use serde::{Deserialize, Serialize};

use super::shape::{Pattern, Scope};
use super::time::Timestamp;

/// The `BotScoreSrc` of a request whose bot score was not computed.
pub const BOT_NOT_COMPUTED: &str = "Not Computed";

/// What a signal incident is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// No errors, but security decisions made on missing bot scores: the share of requests
    /// whose bot score was not computed jumped ([`crate::signatures::bot_score_missing`]).
    #[default]
    BotScoreMissing,
    /// The edge itself slowed down: the share of requests whose edge-added latency (time to
    /// first byte less the origin's time) is well above the POP's usual rose.
    EdgeLatency,
    /// The mix of bot-score sources shifted: the share of engine-scored requests not scored by
    /// the usual engine (`BotScoreSrc`, mostly `Machine Learning`) rose, whatever the scores.
    BotSourceShift,
}

impl SignalKind {
    /// The id, as serialised (`bot_score_missing`, `edge_latency`, `bot_source_shift`).
    pub fn id(self) -> &'static str {
        match self {
            SignalKind::BotScoreMissing => "bot_score_missing",
            SignalKind::EdgeLatency => "edge_latency",
            SignalKind::BotSourceShift => "bot_source_shift",
        }
    }

    /// The one-line description shown in reports.
    pub fn describe(self) -> &'static str {
        match self {
            SignalKind::BotScoreMissing => "no errors, but security decisions made on missing bot scores",
            SignalKind::EdgeLatency => "edge-added latency: requests slowed at the edge, not at the origin",
            SignalKind::BotSourceShift => {
                "bot scores from another engine than usual: the mix of bot-score sources shifted"
            }
        }
    }
}

/// Latency quantiles of a set of requests, ms (edge-added), within the sketch's relative error
/// ([`crate::rates::sketch::RELATIVE_ERROR`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    /// Requests with a recorded latency.
    pub requests: u64,
    /// Median, ms.
    pub p50: Option<f64>,
    /// 95th percentile, ms.
    pub p95: Option<f64>,
    /// 99th percentile, ms.
    pub p99: Option<f64>,
}

/// One POP of a signal incident.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignalPop {
    /// POP code.
    pub pop: String,
    /// Onset, RFC 3339.
    pub onset: Timestamp,
    /// The onset's uncertainty interval (earliest, latest).
    pub onset_interval: [Timestamp; 2],
    /// The onset lies before the input starts.
    pub onset_censored: bool,
    /// Recovery, RFC 3339.
    pub recovery: Timestamp,
    /// The recovery's uncertainty interval.
    pub recovery_interval: [Timestamp; 2],
    /// The recovery lies after the input ends.
    pub recovery_censored: bool,
    /// The signal's share of requests when healthy (0..1): score-0 requests, or slow ones.
    pub baseline_share: f64,
    /// The share above the baseline over the failing span (0..1).
    pub excess_share: f64,
    /// Requests above the baseline over the span (score-0 or slow ones).
    pub affected_requests: u64,
    /// Posterior probability that the POP was affected (0..1), from the change model.
    pub confidence: f64,
    /// For latency: the edge-added latency above which a request counts as slow, ms.
    pub threshold_ms: Option<f64>,
}

/// Latency evidence of an [`SignalKind::EdgeLatency`] incident.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyEvidence {
    /// Edge-added latency at the incident's POPs outside its window.
    pub before: Quantiles,
    /// The same inside its window.
    pub during: Quantiles,
    /// Mean client–edge TCP round-trip time outside the window, ms (`ClientTCPRTTMs`).
    pub rtt_before_ms: Option<f64>,
    /// The same inside the window.
    pub rtt_during_ms: Option<f64>,
    /// The client round-trip time rose as much as the added latency: the network, not the
    /// edge, may be slow.
    pub network_suspected: bool,
}

/// An incident of a signal other than errors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignalIncident {
    /// Stable id within a run: `B1`, `B2`... for bot-score incidents, `L1`... for latency,
    /// `S1`... for bot-score source shifts.
    pub id: String,
    /// What it is.
    pub kind: SignalKind,
    /// One sentence: what was seen.
    pub summary: String,
    /// Start, RFC 3339.
    pub onset: Option<Timestamp>,
    /// End, RFC 3339.
    pub recovery: Option<Timestamp>,
    /// The onset lies before the input's first event.
    pub onset_censored: bool,
    /// The recovery lies after the input's last event.
    pub recovery_censored: bool,
    /// Local, regional, global or unknown.
    pub scope: Scope,
    /// How the POPs' onsets are laid out.
    pub onset_pattern: Pattern,
    /// Seconds between the earliest and the latest POP onset.
    pub onset_spread_seconds: Option<f64>,
    /// How the POPs' recoveries are laid out.
    pub recovery_pattern: Pattern,
    /// The first affected POP of a propagating incident.
    pub epicenter: Vec<String>,
    /// Every affected POP, with its own onset and recovery.
    pub pops: Vec<SignalPop>,
    /// Requests at its POPs within its window.
    pub requests: u64,
    /// Of which 5xx: near zero for the failure this signal exists to see.
    pub errors: u64,
    /// Requests above the baseline (score-0 or slow ones) over the POPs' spans.
    pub affected_requests: u64,
    /// The signal's share at its POPs outside the window (0..1).
    pub baseline_share: f64,
    /// The signal's share at its POPs within the window (0..1).
    pub share: f64,
    /// Blocks and challenges at its POPs within the window.
    pub security_decisions: u64,
    /// Of which taken on a bot score that was not computed.
    pub decisions_on_missing: u64,
    /// Requests without a computed bot score at its POPs within the window (bot-score incidents).
    #[serde(default)]
    pub missing_requests: u64,
    /// Of which answered with a 5xx: near none when only the score failed, even where other
    /// requests at the same POPs fail (the old proxy's customers beside the new one's).
    #[serde(default)]
    pub missing_5xx: u64,
    /// Blocks and challenges per request at its POPs outside the window.
    pub decision_rate_before: Option<f64>,
    /// The same within the window.
    pub decision_rate: Option<f64>,
    /// Latency evidence (latency incidents only).
    pub latency: Option<LatencyEvidence>,
    /// The mix of bot-score sources before and during (bot-score source incidents only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_sources: Option<BotSourceEvidence>,
}

/// The bot-score sources of a [`SignalKind::BotSourceShift`] incident's POPs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BotSourceEvidence {
    /// The engine that usually scores the requests (`Machine Learning` in most logs).
    pub reference: String,
    /// Share of each `BotScoreSrc` among the scored requests outside the window (0..1).
    pub before: std::collections::BTreeMap<String, f64>,
    /// The same within the window.
    pub during: std::collections::BTreeMap<String, f64>,
}

/// Edge-added latency at one POP over the whole input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PopLatency {
    /// POP code.
    pub pop: String,
    /// Quantiles over the whole input.
    pub overall: Quantiles,
    /// The POP's usual 95th percentile: the median over its buckets, ms.
    pub usual_p95_ms: Option<f64>,
    /// Above this a request counts as slow, ms.
    pub threshold_ms: Option<f64>,
    /// Hit by a latency incident.
    pub affected: bool,
}
