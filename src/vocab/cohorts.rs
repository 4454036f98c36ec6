//! The cohort findings as they appear in the timeline JSON (`incidents[].cohorts`), the report
//! and the Python package.

use serde::{Deserialize, Serialize};

/// One value of one dimension, inside an incident's window against the rest of the traffic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CohortValue {
    /// The dimension (`zone`, `host`, `path`, `security`, `cache`, `protocol`, `tls`,
    /// `country`, `method`, `worker`, `asn`, `bot_source`).
    pub dimension: String,
    /// The value (`(other)` for values folded past the cap, `(none)` when absent).
    pub value: String,
    /// Requests with this value in the incident's window.
    pub requests: u64,
    /// Of which failed (edge status 5xx).
    pub failures: u64,
    /// `failures / requests`.
    pub error_rate: f64,
    /// The value's error rate outside every incident's window (null without requests there).
    pub baseline_error_rate: Option<f64>,
    /// Share of the window's failures that carry this value.
    pub share_of_failures: f64,
    /// The value's error rate over the error rate of the window's other requests (null when the
    /// others never failed).
    pub lift: Option<f64>,
    /// Failures above the value's baseline rate: the requests this value explains.
    pub explained: u64,
    /// POPs where the value had traffic in the window.
    pub pops_with_traffic: usize,
    /// Of which the value failed on more than half its requests.
    pub pops_failing: usize,
    /// The value's share of the window's requests over its share of the baseline's (null
    /// without a baseline). Far above 1, the value came with the failure (a symptom such as a
    /// cache status of `unknown` on error pages), and it is never a headline.
    #[serde(default)]
    pub traffic_shift: Option<f64>,
}

/// A set of values of one dimension that together separate the failing requests from the
/// healthy ones: the answer to "who was hit".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cohort {
    /// The dimension.
    pub dimension: String,
    /// Its values, by failures.
    pub values: Vec<String>,
    /// Requests of the cohort in the window.
    #[serde(default)]
    pub requests: u64,
    /// Of which failed.
    #[serde(default)]
    pub failures: u64,
    /// The cohort's error rate in the window.
    #[serde(default)]
    pub error_rate: f64,
    /// Share of the window's failures inside the cohort.
    #[serde(default)]
    pub share_of_failures: f64,
    /// Share of the window's requests inside the cohort.
    #[serde(default)]
    pub share_of_requests: f64,
    /// The cohort's error rate over the rest's (null when the rest never failed).
    #[serde(default)]
    pub lift: Option<f64>,
    /// POPs where the cohort had traffic in the window.
    #[serde(default)]
    pub pops_with_traffic: usize,
    /// Of which the cohort failed on more than half its requests.
    #[serde(default)]
    pub pops_failing: usize,
    /// The cohort's error rate at those POPs.
    #[serde(default)]
    pub error_rate_where_failing: f64,
    /// POPs where the cohort had traffic but did not fail (at most 20).
    #[serde(default)]
    pub pops_spared: Vec<String>,
    /// One sentence.
    #[serde(default)]
    pub summary: String,
}

/// Who was hit by one incident.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentCohorts {
    /// Requests in the incident's window (every POP).
    #[serde(default)]
    pub requests: u64,
    /// Of which failed.
    #[serde(default)]
    pub failures: u64,
    /// The window's error rate: what "N % of traffic everywhere" would say.
    #[serde(default)]
    pub error_rate: f64,
    /// The set of values that best separates failing from healthy requests (null when no value
    /// stands out: the failures were spread over all traffic).
    pub headline: Option<Cohort>,
    /// The values that stand out most (lift above 2 and some failures), best first, at most 12.
    #[serde(default)]
    pub top: Vec<CohortValue>,
    /// Busy values that kept answering while the window failed (error rate under a tenth of the
    /// window's), at most 8: what still worked.
    #[serde(default)]
    pub spared: Vec<CohortValue>,
}
