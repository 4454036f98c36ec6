//! Logs where they live: objects in S3, R2, Google Cloud Storage, Azure Blob Storage or behind a
//! plain `https://` URL, listed and read as streams through the `object_store` crate.
//!
//! - [`is_url`] tells a URL from a local path.
//! - [`list`] expands a URL prefix into its objects, walking folder by folder so that day
//!   folders (`YYYYMMDD`) and Logpush names outside the `--since`/`--until` window are never
//!   listed or read ([`crate::ingest::Window`]).
//! - [`open`] reads one object as a stream of chunks in bounded memory.
//!
//! The library is synchronous: the network runs on a small tokio runtime shared by the
//! process (two worker threads, made again in a forked child), and each open object hands its
//! chunks to the reading thread through a bounded channel. Credentials come from each
//! provider's standard environment and files (see [`config`]); transient errors are retried
//! with exponential backoff, a download cut off half-way is resumed where it stopped, and
//! what still fails is that object's error.

mod config;
mod list;
mod reader;

use std::sync::{Arc, Mutex};

pub use list::{list, Listed, Listing};
pub use reader::{open, ObjectReader};

/// Where and how to reach object storage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreOptions {
    /// The S3 API endpoint (R2, a self-hosted server: `http://127.0.0.1:9000`), or Azure's
    /// blob endpoint; by default the provider's own. An `http://` endpoint allows plain HTTP.
    pub endpoint: Option<String>,
    /// The S3 region (default: `AWS_REGION`, the profile's, else `us-east-1`; `auto` for R2).
    pub region: Option<String>,
    /// Further `object_store` configuration as key and value (`aws_access_key_id`,
    /// `google_service_account`, `azure_storage_account_key`...), applied after the
    /// environment and before `endpoint` and `region`.
    pub options: Vec<(String, String)>,
    /// Retries of a request that failed for a transient reason (0: the default, 5).
    pub retries: usize,
}

impl StoreOptions {
    fn max_retries(&self) -> usize {
        if self.retries == 0 {
            5
        } else {
            self.retries
        }
    }
}

/// The URL schemes read through object storage.
pub const SCHEMES: [&str; 11] = ["s3", "s3a", "r2", "gs", "az", "azure", "abfs", "abfss", "adl", "http", "https"];

/// Whether `s` names an object or prefix in object storage (`s3://`, `r2://`, `gs://`,
/// `az://`, `abfs://`, `http(s)://`...) rather than a local path.
pub fn is_url(s: &str) -> bool {
    s.split_once("://").is_some_and(|(scheme, _)| SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()))
}

/// The process's runtime and clients. A forked child (a Spark Python worker) cannot use its
/// parent's threads, so the state is made again when the process id changes.
struct Shared {
    pid: u32,
    rt: tokio::runtime::Runtime,
    clients: Mutex<Vec<(String, Arc<dyn object_store::ObjectStore>)>>,
}

static SHARED: Mutex<Option<Arc<Shared>>> = Mutex::new(None);

/// Most clients kept for reuse (one per bucket and settings).
const MAX_CLIENTS: usize = 64;

fn shared() -> std::io::Result<Arc<Shared>> {
    let mut guard = SHARED.lock().map_err(|_| std::io::Error::other("object storage state poisoned"))?;
    let pid = std::process::id();
    if let Some(s) = guard.as_ref() {
        if s.pid == pid {
            return Ok(Arc::clone(s));
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("blastradius-store")
        .enable_all()
        .build()?;
    let fresh = Arc::new(Shared { pid, rt, clients: Mutex::new(Vec::new()) });
    if let Some(old) = guard.replace(Arc::clone(&fresh)) {
        // The parent's runtime threads do not exist in this process: dropping it would wait
        // for them forever.
        std::mem::forget(old);
    }
    Ok(fresh)
}

impl Shared {
    /// A client for `key` (scheme, bucket and settings), made by `make` the first time.
    fn client(
        &self,
        key: &str,
        make: impl FnOnce() -> Result<Arc<dyn object_store::ObjectStore>, String>,
    ) -> Result<Arc<dyn object_store::ObjectStore>, String> {
        if let Ok(clients) = self.clients.lock() {
            if let Some((_, c)) = clients.iter().find(|(k, _)| k == key) {
                return Ok(Arc::clone(c));
            }
        }
        // Clients are made inside the runtime: some start timers or tasks of their own.
        let made = {
            let _enter = self.rt.enter();
            make()?
        };
        if let Ok(mut clients) = self.clients.lock() {
            if clients.len() >= MAX_CLIENTS {
                clients.remove(0);
            }
            clients.push((key.to_string(), Arc::clone(&made)));
        }
        Ok(made)
    }
}

/// An object store error as one line for the accounting, secrets redacted.
fn describe(e: &object_store::Error) -> String {
    let text = match e {
        object_store::Error::NotFound { .. } => "no such object".to_string(),
        object_store::Error::PermissionDenied { source, .. } | object_store::Error::Unauthenticated { source, .. } => {
            format!("access denied (check the credentials): {source}")
        }
        other => {
            let mut s = other.to_string();
            let mut src = std::error::Error::source(other);
            while let Some(inner) = src {
                let t = inner.to_string();
                if !s.contains(&t) {
                    s.push_str(": ");
                    s.push_str(&t);
                }
                src = inner.source();
            }
            s
        }
    };
    crate::redact::line(&text.replace('\n', " ")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_paths() {
        for u in
            ["s3://b/p/", "R2://b/", "gs://b/x", "az://c/p", "abfs://c@a.dfs.core.windows.net/p", "https://h/x.log"]
        {
            assert!(is_url(u), "{u}");
        }
        for p in ["logs/2025", "/tmp/x", "-", "file.log", "ftp://h/x", "C:/x"] {
            assert!(!is_url(p), "{p}");
        }
    }
}
