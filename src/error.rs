//! The library's error type. Messages name the file (and line, where there is one).

use std::path::PathBuf;

/// Errors that stop an operation. Problems with one line or one file are not errors: they are
/// counted in [`crate::ingest::Accounting`] and the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// No input produced a single event.
    #[error("nothing could be read: {0}")]
    NothingRead(String),
    /// An option or argument is not acceptable.
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// Building or writing a frame failed.
    #[error("frame: {0}")]
    Frame(#[from] polars::error::PolarsError),
    /// Serializing an output failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// Rendering a report template failed.
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
