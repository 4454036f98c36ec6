//! Recorded changes and how each incident's onset fits them: the output types of
//! [`crate::changes`], in the vocabulary leaf so that the timeline's output types can hold them.

use serde::{Deserialize, Serialize};

/// One recorded change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// When (RFC 3339 UTC in JSON).
    pub time: super::time::Timestamp,
    /// What changed.
    pub what: String,
    /// POPs it applied to; empty for the whole fleet.
    #[serde(default)]
    pub pops: Vec<String>,
    /// Zones it applied to (empty: not recorded).
    #[serde(default)]
    pub zones: Vec<String>,
    /// Period of a regeneration cycle, seconds.
    #[serde(default)]
    pub period_seconds: Option<f64>,
    /// Who made it.
    #[serde(default)]
    pub actor: Option<String>,
    /// Where it was read from (`csv`, `json`, `audit_log`).
    #[serde(default)]
    pub source: String,
}

impl Change {
    /// Whether the change applied everywhere.
    pub fn is_global(&self) -> bool {
        self.pops.is_empty()
    }
}

/// How well an incident's onset fits a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// The onset pattern is what the change's scope predicts.
    Fits,
    /// It is not.
    Contradicts,
    /// The data cannot tell (a censored onset, a single POP).
    Unclear,
}

/// One change against one incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeFit {
    /// The change.
    pub change: Change,
    /// Seconds from the change to the incident's onset (negative: the change came after).
    pub lag_seconds: f64,
    /// The change came before the onset (within a minute's tolerance).
    pub before_onset: bool,
    /// What the change's scope predicts: `simultaneous`, `propagating` or `flapping`.
    pub expected: String,
    /// The verdict.
    pub fit: Fit,
    /// For a local change: did one of its POPs fail first (the epicenter, or among those that
    /// could have been first)?
    pub failed_first: Option<bool>,
    /// For a local change: did other POPs fail after it?
    pub others_followed: Option<bool>,
    /// The facts behind the verdict, one sentence each.
    pub evidence: Vec<String>,
}

/// The changes ranked against one incident: fitting changes before the onset first (shortest
/// lag first), then the other changes before it, then those after it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentChanges {
    /// Every change, ranked.
    pub ranked: Vec<ChangeFit>,
    /// One sentence: the best candidate, or why none fits.
    pub verdict: String,
}
