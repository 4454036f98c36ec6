//! Framing a HAR document into one line per entry: the document is scanned once, each entry's
//! bytes are collected (up to a size limit) and handed to [`super::entry_record`], so at most one
//! entry is held at a time.

use std::io::{self, BufRead, Read};

use serde_json::Value;

use super::super::norm::Record;
use super::super::{FrameOptions, FramingError};
use super::entry_record;

/// Whether a document's first key is `log` (every HAR writer puts it first; an NDJSON edge log
/// line never has it).
pub(super) fn first_key_is_log(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut it = head.iter().copied().skip_while(u8::is_ascii_whitespace);
    if it.next() != Some(b'{') {
        return false;
    }
    // `"log"`, then `:`, then an object (a Docker json-file line is `{"log":"…"}`).
    let rest: Vec<u8> = it.skip_while(u8::is_ascii_whitespace).take(64).collect();
    let Some(after) = rest.strip_prefix(b"\"log\"") else {
        return false;
    };
    let mut t = after.iter().copied().skip_while(u8::is_ascii_whitespace);
    t.next() == Some(b':') && t.find(|b| !b.is_ascii_whitespace()) == Some(b'{')
}

/// The reader's buffered bytes, refilled when empty (empty at the end of input), retrying
/// interrupted reads.
fn filled<'b>(input: &'b mut (dyn BufRead + Send + '_)) -> io::Result<&'b [u8]> {
    loop {
        match input.fill_buf() {
            // Asked again below: a buffer returned from inside the loop would keep `input`
            // borrowed across iterations. A filled buffer is handed out without reading.
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    input.fill_buf()
}

/// Appends `b` to `v` up to `limit + 1` bytes in all (one past the limit says it overflowed).
fn append_capped(v: &mut Vec<u8>, b: &[u8], limit: usize) {
    if v.len() <= limit {
        let room = limit + 1 - v.len();
        v.extend_from_slice(b.get(..b.len().min(room)).unwrap_or_default());
    }
}

/// Where the framer is in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Looking for `log.entries`.
    Seek,
    /// Inside the entries list, before an entry or the end.
    Entries,
    /// The list ended (or the document failed).
    Done,
}

/// Streams a HAR document as one [`Record`] line per entry.
pub struct HarFramer<'r> {
    input: Box<dyn BufRead + Send + 'r>,
    opts: FrameOptions,
    state: State,
    out: Vec<u8>,
    pos: usize,
    entries: u64,
    /// Bytes of the document consumed, for error messages.
    offset: u64,
    /// The entry being collected.
    entry: Vec<u8>,
}

impl<'r> HarFramer<'r> {
    /// A framer over a decompressed HAR document.
    pub fn new(input: Box<dyn BufRead + Send + 'r>, opts: FrameOptions) -> Self {
        HarFramer { input, opts, state: State::Seek, out: Vec::new(), pos: 0, entries: 0, offset: 0, entry: Vec::new() }
    }

    fn fail(&mut self, msg: String) -> io::Error {
        self.state = State::Done;
        io::Error::other(FramingError(msg))
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(filled(&mut *self.input)?.first().copied())
    }

    fn bump(&mut self) {
        self.input.consume(1);
        self.offset += 1;
    }

    /// The next byte that is not JSON whitespace, consumed.
    fn next_token(&mut self) -> io::Result<Option<u8>> {
        while let Some(b) = self.peek()? {
            self.bump();
            if !b.is_ascii_whitespace() {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    /// Reads a string whose opening quote was consumed; keeps at most `keep` bytes of it.
    fn string(&mut self, keep: usize) -> io::Result<Option<Vec<u8>>> {
        let mut s = Vec::new();
        let mut escaped = false;
        loop {
            let buf = filled(&mut *self.input)?;
            if buf.is_empty() {
                return Ok(None);
            }
            let mut used = 0;
            let mut end = false;
            for &b in buf {
                used += 1;
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    end = true;
                    break;
                }
                if s.len() < keep {
                    s.push(b);
                }
            }
            self.input.consume(used);
            self.offset += used as u64;
            if end {
                return Ok(Some(s));
            }
        }
    }

    /// Skips (or, with `into`, collects up to `limit` bytes of) a value whose first byte
    /// `first` was consumed. Returns false at a premature end of input; the collected length
    /// saturates at `limit + 1` to say it overflowed.
    fn value(&mut self, first: u8, mut into: Option<&mut Vec<u8>>, limit: usize) -> io::Result<bool> {
        let push = |into: &mut Option<&mut Vec<u8>>, b: &[u8]| {
            if let Some(v) = into.as_deref_mut() {
                append_capped(v, b, limit);
            }
        };
        push(&mut into, &[first]);
        let mut depth: u64 = match first {
            b'{' | b'[' => 1,
            b'"' => {
                // A string: copy through the closing quote.
                return self.copy_string(into, limit);
            }
            _ => {
                // A number or literal: up to the next delimiter (left unconsumed).
                while let Some(b) = self.peek()? {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        return Ok(true);
                    }
                    push(&mut into, &[b]);
                    self.bump();
                }
                return Ok(true);
            }
        };
        let mut in_str = false;
        let mut escaped = false;
        loop {
            let buf = filled(&mut *self.input)?;
            if buf.is_empty() {
                return Ok(false);
            }
            let mut used = 0;
            for &b in buf {
                used += 1;
                if in_str {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_str = false;
                    }
                } else {
                    match b {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth -= 1,
                        _ => {}
                    }
                }
                if depth == 0 {
                    break;
                }
            }
            push(&mut into, buf.get(..used).unwrap_or_default());
            self.input.consume(used);
            self.offset += used as u64;
            if depth == 0 {
                return Ok(true);
            }
        }
    }

    fn copy_string(&mut self, into: Option<&mut Vec<u8>>, limit: usize) -> io::Result<bool> {
        let s = self.string(if into.is_some() { limit } else { 0 })?;
        match s {
            Some(s) => {
                if let Some(v) = into {
                    v.extend_from_slice(&s);
                    v.push(b'"');
                }
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Walks from the start of the document to the first entry of `log.entries`.
    fn seek(&mut self) -> io::Result<()> {
        if self.peek()? == Some(0xEF) {
            for _ in 0..3 {
                self.bump();
            }
        }
        if self.next_token()? != Some(b'{') {
            return Err(self.fail("not a HAR archive: the document is not a JSON object".into()));
        }
        // depth 1: the top-level object; depth 2: inside `log`.
        let mut in_log = false;
        loop {
            let Some(t) = self.next_token()? else {
                return Err(self.fail("not a HAR archive: no `log.entries` list before the end of the document".into()));
            };
            match t {
                b',' => continue,
                b'"' => {}
                b'}' if in_log => {
                    return Err(self.fail("not a HAR archive: `log` has no `entries` list".into()));
                }
                b'}' => {
                    return Err(self.fail("not a HAR archive: the document has no `log` object".into()));
                }
                other => {
                    let at = self.offset;
                    return Err(self.fail(format!(
                        "invalid JSON at byte {at}: expected a key, found `{}`",
                        char::from(other).escape_default()
                    )));
                }
            }
            let Some(key) = self.string(16)? else {
                return Err(self.fail("truncated HAR archive: the document ends inside a key".into()));
            };
            if self.next_token()? != Some(b':') {
                let at = self.offset;
                return Err(self.fail(format!("invalid JSON at byte {at}: expected `:` after a key")));
            }
            let Some(v) = self.next_token()? else {
                return Err(self.fail("truncated HAR archive: the document ends after a key".into()));
            };
            match (in_log, key.as_slice(), v) {
                (false, b"log", b'{') => in_log = true,
                (false, b"log", _) => return Err(self.fail("not a HAR archive: `log` is not an object".into())),
                (true, b"entries", b'[') => {
                    self.state = State::Entries;
                    return Ok(());
                }
                (true, b"entries", _) => {
                    return Err(self.fail("not a HAR archive: `log.entries` is not a list".into()));
                }
                _ => {
                    if !self.value(v, None, 0)? {
                        return Err(self.fail("truncated HAR archive: the document ends inside a value".into()));
                    }
                }
            }
        }
    }

    /// Frames the next entry into `out`; false when the list is over.
    fn next_entry(&mut self) -> io::Result<bool> {
        loop {
            let Some(t) = self.next_token()? else {
                let n = self.entries;
                return Err(self.fail(format!("truncated HAR archive: the document ends after {n} entries")));
            };
            match t {
                b',' => {}
                b']' => {
                    self.state = State::Done;
                    return Ok(false);
                }
                first => {
                    let limit = self.opts.max_record_bytes;
                    let mut entry = std::mem::take(&mut self.entry);
                    entry.clear();
                    let complete = self.value(first, Some(&mut entry), limit)?;
                    if !complete {
                        let n = self.entries;
                        return Err(self.fail(format!("truncated HAR archive: the document ends inside entry {n}")));
                    }
                    let index = self.entries;
                    self.entries += 1;
                    let record = if entry.len() > limit {
                        Record::rejected(format!(
                            "HAR entry too large: entry {index} exceeds the limit of {limit} bytes (--max-record-bytes)"
                        ))
                    } else {
                        match serde_json::from_slice::<Value>(&entry) {
                            Ok(v) => entry_record(&v, index, &self.opts),
                            Err(e) => Record::rejected(format!("invalid HAR entry: entry {index}: {e}")),
                        }
                    };
                    record.write_line(&mut self.out);
                    self.entry = entry;
                    return Ok(true);
                }
            }
        }
    }
}

impl Read for HarFramer<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.out.len() {
            self.out.clear();
            self.pos = 0;
            match self.state {
                State::Done => return Ok(0),
                State::Seek => self.seek()?,
                State::Entries => {
                    self.next_entry()?;
                }
            }
        }
        let avail = self.out.get(self.pos..).unwrap_or_default();
        let n = avail.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}
