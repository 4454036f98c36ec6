//! Text for people: untrusted log text made safe to show, and the number, duration and time
//! forms every writer (terminal, Markdown, HTML, SVG) shares.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

static ANSI: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), and two-byte ESC sequences.
    regex(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")
});

/// Compiles a regular expression: every pattern of the program goes through here. A pattern
/// that does not compile yields `None` (its matcher then finds nothing; never a panic), and the
/// test `every_pattern_in_the_source_compiles` compiles each pattern written in the source, so a
/// typo fails the tests instead of silently disabling a detector.
pub fn regex(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// Removes terminal escape sequences and control characters (keeping none: tabs and newlines
/// become spaces) so that log content printed to a terminal cannot move the cursor, change
/// colours, set the window title or hide text.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let stripped = match ANSI.as_ref() {
        Some(re) => re.replace_all(s, ""),
        None => Cow::Borrowed(s),
    };
    Cow::Owned(
        stripped
            .chars()
            .map(|c| {
                if c.is_control() {
                    if c == '\t' || c == '\n' {
                        ' '
                    } else {
                        '\u{fffd}'
                    }
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// [`for_terminal`] applied line by line, keeping the line breaks (for tables and CSV printed to
/// a terminal).
pub fn for_terminal_lines(s: &str) -> String {
    s.split('\n').map(for_terminal).collect::<Vec<_>>().join("\n")
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as `5 h 43 min`, `12 min 5 s` or `40 s`.
pub fn duration(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h} h {m:02} min")
    } else if m > 0 && s > 0 {
        format!("{m} min {s} s")
    } else if m > 0 {
        format!("{m} min")
    } else {
        format!("{s} s")
    }
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM:SS`.
pub fn datetime(t: &str) -> String {
    t.get(..19).unwrap_or(t).replace('T', " ")
}

/// A time as `YYYY-MM-DD HH:MM:SS` (UTC), `—` when there is none.
pub fn when(t: Option<crate::vocab::time::Timestamp>) -> String {
    t.map_or_else(|| "—".to_string(), |t| datetime(&t.to_string()))
}

/// A time as `HH:MM` (UTC).
pub fn hhmm(t: crate::vocab::time::Timestamp) -> String {
    let s = t.to_string();
    s.get(11..16).unwrap_or(&s).to_string()
}

/// An RFC 3339 time as `HH:MM:SS`.
pub fn hms(t: &str) -> String {
    t.get(11..19).unwrap_or(t).to_string()
}

/// A time (ns since the epoch) as RFC 3339 UTC with milliseconds: `2025-11-18T11:20:00.000Z`.
pub fn rfc3339(ns: i64) -> String {
    crate::vocab::time::Timestamp(ns).to_string()
}

#[cfg(test)]
mod tests {
    use super::{for_terminal, for_terminal_lines};

    #[test]
    fn lines_survive() {
        assert_eq!(for_terminal_lines("a\x1b[2Jb\nc"), "ab\nc");
    }

    #[test]
    fn escapes_are_removed() {
        assert_eq!(for_terminal("plain"), "plain");
        assert_eq!(for_terminal("\x1b[31mred\x1b[0m"), "red");
        assert_eq!(for_terminal("\x1b]0;title\x07x"), "x");
        assert_eq!(for_terminal("a\x07b\rc"), "a\u{fffd}b\u{fffd}c");
        assert_eq!(for_terminal("tab\there"), "tab here");
        assert!(!for_terminal("\u{9b}31mX").contains('\u{9b}'));
    }
}
