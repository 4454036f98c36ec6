//! Finding input files and opening them: directories are walked recursively (Logpush bucket
//! layout `YYYYMMDD/<start>_<end>_<hash>.log.gz` sorts naturally), URLs are listed in object
//! storage ([`crate::store`]), `-` is stdin, and the compression is detected from the magic
//! bytes, not the file name. With a time window, day folders and Logpush names outside it are
//! skipped before anything is read.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::{IngestOptions, Progress};

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A regular file. `from_walk` is true when it was found by walking a directory (a file
    /// that fits no format is then skipped with a note instead of being an error).
    File {
        /// The path.
        path: PathBuf,
        /// Found inside a directory the user named.
        from_walk: bool,
    },
    /// An object in object storage, by URL (`s3://bucket/key`).
    Object {
        /// The URL.
        url: String,
        /// Its size in bytes, when the listing said.
        size: Option<u64>,
        /// Found under a prefix the user named.
        from_walk: bool,
    },
    /// Standard input.
    Stdin,
}

impl Input {
    /// The name shown in accounting, errors and the `source_file` column.
    pub fn display(&self) -> String {
        match self {
            Input::File { path, .. } => path.display().to_string(),
            Input::Object { url, .. } => url.clone(),
            Input::Stdin => "-".to_string(),
        }
    }
}

/// What the user's paths expanded into.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// The inputs to read, in order.
    pub inputs: Vec<Input>,
    /// Paths and URLs that could not be read or listed, with why.
    pub errors: Vec<(String, String)>,
    /// Objects, files and day folders left unread because their names lie outside the window.
    pub pruned: u64,
}

/// Expands the user's paths into inputs: files as given, directories walked recursively in
/// sorted order (hidden entries skipped), `-` as stdin. A path that cannot be read is returned
/// with its error so the caller can account for it and go on.
pub fn discover(paths: &[PathBuf]) -> (Vec<Input>, Vec<(String, String)>) {
    let d = discover_in(paths, &IngestOptions::default());
    (d.inputs, d.errors)
}

/// [`discover`] with URLs listed in object storage, and pruning by the options' time window:
/// day folders (`YYYYMMDD`) and Logpush names (`<start>_<end>_<hash>`) outside it are skipped
/// under directories and prefixes (a file or object named explicitly is always read).
pub fn discover_in(paths: &[PathBuf], opts: &IngestOptions) -> Discovery {
    let mut d = Discovery::default();
    let window = opts.window;
    for p in paths {
        if p.as_os_str() == "-" {
            if d.inputs.contains(&Input::Stdin) {
                d.errors.push(("-".to_string(), "standard input can be read only once".to_string()));
            } else {
                d.inputs.push(Input::Stdin);
            }
            continue;
        }
        if let Some(url) = p.to_str().filter(|s| crate::store::is_url(s)) {
            match crate::store::list(url, &window, &opts.store) {
                Ok(listing) => {
                    d.pruned += listing.pruned_objects + listing.pruned_folders;
                    let walked = listing.objects.len() > 1 || url.ends_with('/');
                    d.inputs.extend(listing.objects.into_iter().map(|o| Input::Object {
                        url: o.url,
                        size: o.size,
                        from_walk: walked,
                    }));
                }
                Err(e) => d.errors.push((url.to_string(), e)),
            }
            continue;
        }
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                let mut pruned = 0u64;
                let walk =
                    walkdir::WalkDir::new(p).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| {
                        if e.depth() == 0 {
                            return true;
                        }
                        let name = e.file_name().to_string_lossy();
                        if name.starts_with('.') {
                            return false;
                        }
                        let keep =
                            if e.file_type().is_dir() { window.keeps_folder(&name) } else { window.keeps_name(&name) };
                        pruned += u64::from(!keep);
                        keep
                    });
                for entry in walk {
                    match entry {
                        Ok(e) if e.file_type().is_file() => {
                            d.inputs.push(Input::File { path: e.into_path(), from_walk: true });
                        }
                        Ok(_) => {}
                        Err(e) => {
                            let at = e.path().map_or_else(|| p.display().to_string(), |x| x.display().to_string());
                            d.errors.push((at, e.to_string()));
                        }
                    }
                }
                d.pruned += pruned;
            }
            Ok(_) => d.inputs.push(Input::File { path: p.clone(), from_walk: false }),
            Err(e) => d.errors.push((p.display().to_string(), e.to_string())),
        }
    }
    d
}

/// The compression detected from a file's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip, possibly several concatenated members.
    Gzip,
    /// Zstandard, possibly several frames.
    Zstd,
}

impl Compression {
    fn sniff(head: &[u8]) -> Self {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Counts on-disk bytes as they are read and reports them as progress.
struct Counting<'p, R> {
    inner: R,
    progress: &'p dyn Progress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// Opens an input and returns a reader of its decompressed bytes (objects are streamed from
/// object storage with `store`).
pub fn open<'p>(
    input: &Input,
    store: &crate::store::StoreOptions,
    progress: &'p dyn Progress,
) -> io::Result<(Box<dyn Read + Send + 'p>, Compression)> {
    let raw: Box<dyn Read + Send> = match input {
        Input::File { path, .. } => Box::new(File::open(path)?),
        Input::Object { url, .. } => Box::new(crate::store::open(url, store)?),
        Input::Stdin => Box::new(io::stdin()),
    };
    let mut buf = BufReader::with_capacity(256 << 10, Counting { inner: raw, progress });
    let head = buf.fill_buf()?;
    let compression = Compression::sniff(head);
    let reader: Box<dyn Read + Send + 'p> = match compression {
        Compression::None => Box::new(buf),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buf)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buf)?),
    };
    Ok((reader, compression))
}

/// Reads up to `max` bytes from the start of `reader` (fewer at its end). A read error ends
/// the head early and is replayed by the returned reader, so it is reported where reading
/// stops, like any other.
pub fn read_head<'r>(mut reader: Box<dyn Read + Send + 'r>, max: usize) -> (Vec<u8>, Box<dyn Read + Send + 'r>) {
    let mut head = vec![0u8; max];
    let mut filled = 0;
    while filled < max {
        let Some(space) = head.get_mut(filled..) else { break };
        match reader.read(space) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                head.truncate(filled);
                return (head, Box::new(FailOnce(Some(e))));
            }
        }
    }
    head.truncate(filled);
    (head, reader)
}

/// Counts the bytes read through it into a shared counter, and stops at a size limit (the
/// input of a re-framed file, whose framed output can be much smaller).
pub struct Counted<R> {
    /// The reader.
    pub inner: R,
    /// Bytes read so far.
    pub count: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Most bytes to read.
    pub limit: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let total = self.count.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed) + n as u64;
        if total > self.limit {
            return Err(io::Error::other(crate::formats::FramingError(format!(
                "file exceeds the size limit of {} bytes (--max-file-bytes); the rest was not read",
                self.limit
            ))));
        }
        Ok(n)
    }
}

/// A reader that fails once with a stored error, then ends.
struct FailOnce(Option<io::Error>);

impl Read for FailOnce {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// The on-disk size of the inputs that are files (for a progress bar).
pub fn total_size(inputs: &[Input]) -> u64 {
    inputs
        .iter()
        .filter_map(|i| match i {
            Input::File { path, .. } => std::fs::metadata(Path::new(path)).ok().map(|m| m.len()),
            Input::Object { size, .. } => *size,
            Input::Stdin => None,
        })
        .sum()
}
/// What a file met in a directory is when it is plainly not a log, judged by its name and
/// head: a pretty-printed JSON document (a log is one record per line; a HAR, which is a
/// document, is recognised before this is asked), a README, licence or change log, or the
/// ownership-challenge file a log push leaves in its bucket.
pub fn not_a_log(input: &Input, head: &[u8]) -> Option<&'static str> {
    let name = match input {
        Input::File { path, .. } => path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()),
        Input::Object { url, .. } => url.rsplit('/').next().map(str::to_ascii_lowercase),
        Input::Stdin => None,
    }
    .unwrap_or_default();
    let first = head.split(|b| *b == b'\n').map(crate::formats::trim_line).find(|l| !l.is_empty());
    if matches!(first, Some(b"{" | b"[")) {
        return Some("a JSON document");
    }
    let stem = name.split('.').next().unwrap_or_default();
    if matches!(stem, "readme" | "license" | "licence" | "changelog" | "notice" | "copying")
        || std::path::Path::new(&name).extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))
    {
        return Some("documentation");
    }
    if name.starts_with("ownership-challenge") {
        return Some("a log push ownership challenge");
    }
    None
}
