//! How an incident lies in space and time: its scope and the pattern of its onsets, shared by
//! the error timeline's and the signals' output types.

use serde::{Deserialize, Serialize};

/// How wide an incident was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// One POP, or a few in one region's part.
    #[default]
    Local,
    /// One region.
    Regional,
    /// Several regions.
    Global,
    /// Only POPs whose place is unknown (edge IPs, codes not in the table) were affected.
    Unknown,
}

/// How the affected POPs' onsets (or recoveries) are laid out in time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pattern {
    /// One POP: no pattern to speak of.
    #[default]
    Single,
    /// Every POP within the push window of one instant, as the stated intervals allow: a change
    /// applied everywhere at once (a global configuration push, one global fix).
    Simultaneous,
    /// Onsets spread beyond their uncertainty: the failure spread from an epicenter (or was
    /// fixed in stages).
    Propagating,
    /// Some POP was already failing when the input starts (still failing when it ends): the
    /// incident began before the input (ended after it), so its pattern cannot be told.
    Censored,
}
