//! Making untrusted log text safe to show.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

static ANSI: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), and two-byte ESC sequences.
    Regex::new(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]").ok()
});

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
