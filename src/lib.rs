//! blastradius: incident log forensics.
//!
//! Reads CDN edge and server logs (Cloudflare Logpush, AWS CloudFront, Akamai DataStream 2,
//! Fastly, nginx and Apache; one module per format in [`formats`], detected per file) into a
//! canonical columnar event frame ([`schema`]), with every input line accounted for
//! ([`ingest::Accounting`]), labels failure signatures ([`signatures`]) and aggregates per time
//! bucket × POP ([`rates`]).
//!
//! ```no_run
//! use blastradius::ingest::{discover, IngestOptions, NoProgress};
//! let (inputs, _unreadable) = discover(&["samples".into()]);
//! let (table, accounting) = blastradius::rates::compute(&inputs, &IngestOptions::default(), &NoProgress, 60, false)?;
//! assert!(accounting.balanced());
//! println!("{} rows", table.rows.len());
//! # Ok::<(), blastradius::Error>(())
//! ```

pub mod analyze;
pub mod changes;
pub mod classify;
pub mod cohorts;
pub mod columns;
pub mod compare;
pub mod duration;
pub mod error;
pub mod eval;
pub mod event;
pub mod evidence;
pub mod formats;
pub mod frame;
pub mod geo;
pub mod ingest;
pub mod join;
pub mod rates;
pub mod redact;
pub mod report;
pub mod schema;
pub mod signatures;
pub mod simulate;
pub mod store;
pub mod text;
pub mod timeline;
pub mod vocab;

pub use error::{Error, Result};

/// The version of the library, as reports record it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
