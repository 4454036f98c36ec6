//! Timeline reconstruction (a pure function of frames: no I/O, no clock).

pub mod model;

pub use model::Timeline;
