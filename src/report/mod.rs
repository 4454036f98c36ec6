//! Reports: a finished [`Report`] rendered by one writer per format. Writers render; every
//! number they show is already in the report (the timeline, the accounting).

pub mod markdown;

use serde::Serialize;

use crate::ingest::Accounting;
use crate::timeline::Timeline;

/// Everything a report shows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Incident name (the input directory's name).
    pub name: String,
    /// The command line that produced it.
    pub command: String,
    /// blastradius version.
    pub version: String,
    /// Bucket width, seconds.
    pub bucket_seconds: i64,
    /// The timeline.
    pub timeline: Timeline,
    /// Where every input line went.
    pub accounting: Accounting,
}

/// Escapes text from logs for Markdown table cells and prose: characters with Markdown or HTML
/// meaning become entities or escapes, and control characters are dropped.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' | '*' | '_' | '[' | ']' | '\\' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::md_escape;

    #[test]
    fn markdown_escaping() {
        assert_eq!(md_escape("a|b"), "a\\|b");
        assert_eq!(md_escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(md_escape("[x](javascript:y)"), "\\[x\\](javascript:y)");
        assert_eq!(md_escape("a\u{1b}[31mb"), "a\\[31mb");
    }
}
