//! Where every input line went.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One input file's share of the run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileAccount {
    /// The file as named by the user (or found in a directory); `-` for stdin.
    pub file: String,
    /// The format detected (or forced); null when none fitted.
    pub format: Option<String>,
    /// `none`, `gzip` or `zstd`.
    pub compression: Option<String>,
    /// Decompressed bytes read.
    pub bytes: u64,
    /// Non-blank lines read, not counting header and comment lines.
    pub lines: u64,
    /// Header and comment lines (a CloudFront `#Fields` line): not records, so neither events nor
    /// rejected, and not counted in `lines`.
    pub headers: u64,
    /// Lines that became events.
    pub events: u64,
    /// Lines refused, with reasons in [`Accounting::rejects`].
    pub rejected: u64,
    /// Lines whose request id had been seen before.
    pub duplicates: u64,
    /// Events outside the `--since`/`--until` window, dropped (records without a time are kept).
    #[serde(default)]
    pub filtered: u64,
    /// Why the file could not be read (entirely), if so.
    pub error: Option<String>,
    /// A note that is not an error (an empty file; a file in a directory that fits no format).
    pub note: Option<String>,
    /// A file met in a directory that is plainly not a log (a JSON document such as a
    /// `truth.json`, a README, a bucket's ownership-challenge file): skipped without a word on
    /// the terminal, listed here.
    #[serde(default)]
    pub not_a_log: bool,
}

/// One rejected line.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RejectRecord {
    /// The file.
    pub file: String,
    /// 1-based line number in the decompressed file.
    pub line: u64,
    /// Why it was refused.
    pub reason: String,
}

/// The accounting of a run: non-blank lines read = events + rejected + duplicates + filtered.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Accounting {
    /// Input files, in reading order.
    pub files: Vec<FileAccount>,
    /// Non-blank lines read, not counting header and comment lines.
    pub lines: u64,
    /// Header and comment lines, counted apart from `lines`.
    pub headers: u64,
    /// Events produced.
    pub events: u64,
    /// Lines rejected.
    pub rejected: u64,
    /// Duplicate lines dropped.
    pub duplicates: u64,
    /// Events outside the `--since`/`--until` window, dropped.
    pub filtered: u64,
    /// Objects, files and day folders not read because their names lie outside the window.
    pub pruned: u64,
    /// Rejections counted by kind.
    pub reject_kinds: BTreeMap<String, u64>,
    /// The first rejected lines, with file, line and reason (capped; all are counted).
    pub rejects: Vec<RejectRecord>,
    /// The first duplicates, with file and line (capped; all are counted).
    pub duplicate_examples: Vec<RejectRecord>,
    /// Distinct request ids held for de-duplication.
    pub dedup_ids: u64,
}

impl Accounting {
    /// Whether lines read = events + rejected + duplicates + filtered, in total and for every
    /// file.
    pub fn balanced(&self) -> bool {
        self.lines == self.events + self.rejected + self.duplicates + self.filtered
            && self.files.iter().all(|f| f.lines == f.events + f.rejected + f.duplicates + f.filtered)
    }

    /// Adds up the files' counts into the totals.
    pub fn total_files(&mut self) {
        let (mut lines, mut headers, mut events, mut rejected, mut duplicates, mut filtered) = (0, 0, 0, 0, 0, 0);
        for f in &self.files {
            lines += f.lines;
            headers += f.headers;
            events += f.events;
            rejected += f.rejected;
            duplicates += f.duplicates;
            filtered += f.filtered;
        }
        (self.lines, self.headers, self.events, self.rejected, self.duplicates, self.filtered) =
            (lines, headers, events, rejected, duplicates, filtered);
    }

    /// Files that could not be read (entirely).
    pub fn failed_files(&self) -> impl Iterator<Item = &FileAccount> {
        self.files.iter().filter(|f| f.error.is_some())
    }

    /// A sentence saying why a run produced no events.
    pub fn why_nothing(&self) -> String {
        if self.files.is_empty() {
            if self.pruned > 0 {
                return format!(
                    "no input files in the --since/--until window ({} objects, files or day folders outside it were not read)",
                    self.pruned
                );
            }
            return "no input files were found".to_string();
        }
        let mut parts = Vec::new();
        for f in &self.files {
            if let Some(e) = &f.error {
                parts.push(format!("{}: {e}", f.file));
            } else if let Some(n) = &f.note {
                parts.push(format!("{}: {n}", f.file));
            }
        }
        if self.rejected > 0 {
            let kinds: Vec<String> = self.reject_kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
            parts.push(format!("{} of {} lines rejected ({})", self.rejected, self.lines, kinds.join(", ")));
        }
        if self.duplicates > 0 {
            parts.push(format!("{} duplicate lines", self.duplicates));
        }
        if self.filtered > 0 {
            parts.push(format!("{} events outside the --since/--until window", self.filtered));
        }
        if parts.is_empty() {
            parts.push(format!("{} file(s) held no lines", self.files.len()));
        }
        parts.join("; ")
    }
}
