//! The program's shared vocabulary: plain types with no behaviour beyond naming themselves,
//! imported by the analysis, the writers and the simulator alike, so that none of those has to
//! import another for its words.

pub mod changes;
pub mod cohorts;
pub mod shape;
pub mod signals;
pub mod signature;
pub mod source;
pub mod time;
pub mod timeline;
