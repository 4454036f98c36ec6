//! One object read as a stream: a task on the shared runtime pulls its body chunk by chunk
//! into a bounded channel, and the reading thread takes the chunks as a [`std::io::Read`].

use std::io::{self, Read};

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::GetOptions;
use tokio::sync::mpsc;

use super::config;
use super::StoreOptions;

/// Chunks of an object's body held between the network and the reader (each at most what one
/// read of the connection returns, tens of KiB): what bounds an object's memory.
const CHANNEL_CHUNKS: usize = 16;

/// An object being downloaded. Dropping it stops the download.
pub struct ObjectReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    cur: Bytes,
    task: tokio::task::AbortHandle,
}

impl Drop for ObjectReader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.cur = b,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len());
        let chunk = self.cur.split_to(n);
        if let Some(dst) = buf.get_mut(..n) {
            dst.copy_from_slice(&chunk);
        }
        Ok(n)
    }
}

/// Starts downloading the object at `url`. Errors (no such object, access denied, a download
/// cut off and not resumed within the retries) come out of `read`.
pub fn open(url: &str, opts: &StoreOptions) -> io::Result<ObjectReader> {
    let target = config::target(url, opts).map_err(io::Error::other)?;
    let shared = super::shared()?;
    let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
    let handle = shared.rt.spawn(pump(target, tx));
    Ok(ObjectReader { rx, cur: Bytes::new(), task: handle.abort_handle() })
}

async fn pump(target: config::Target, tx: mpsc::Sender<io::Result<Bytes>>) {
    let fail = |msg: String| io::Error::new(io::ErrorKind::UnexpectedEof, msg);
    // The client retries transient failures of the request with backoff, and resumes a body
    // cut off half-way from where it stopped (checking the object did not change).
    let res = match target.store.get_opts(&target.path, GetOptions::default()).await {
        Ok(r) => r,
        Err(e) => {
            let kind = if matches!(e, object_store::Error::NotFound { .. }) {
                io::ErrorKind::NotFound
            } else {
                io::ErrorKind::Other
            };
            let _ = tx.send(Err(io::Error::new(kind, super::describe(&e)))).await;
            return;
        }
    };
    let expected = res.range.end.saturating_sub(res.range.start);
    let mut got = 0u64;
    let mut body = res.into_stream();
    while let Some(item) = body.next().await {
        match item {
            Ok(b) => {
                got += b.len() as u64;
                if tx.send(Ok(b)).await.is_err() {
                    return; // the reader is gone
                }
            }
            Err(e) => {
                let msg = format!("download cut off after {got} of {expected} bytes: {}", super::describe(&e));
                let _ = tx.send(Err(fail(msg))).await;
                return;
            }
        }
    }
    if got < expected {
        let _ = tx.send(Err(fail(format!("download cut off after {got} of {expected} bytes")))).await;
    }
}
