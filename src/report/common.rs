//! Helpers every report writer shares (Markdown, HTML, SVG, the batch index): escaping, labels
//! and link segments. A leaf: it imports no writer, so writers never import each other for
//! them. Number, duration and time forms are in [`crate::text`].

use std::fmt::Write;

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

/// Text for a Markdown code span: backticks (which would close it) become quotes, pipes are
/// escaped for tables, control characters are dropped.
pub fn md_code(s: &str) -> String {
    let mut out = String::from("`");
    for c in s.chars() {
        match c {
            '`' => out.push('\''),
            '|' => out.push_str("\\|"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('`');
    out
}

/// The label of an attribution id.
pub fn blame(a: &str) -> &'static str {
    match a {
        "edge" => "Edge (CDN)",
        "origin" => "Origin",
        "mixed" => "Mixed edge and origin",
        _ => "Unknown",
    }
}

/// Percent-encodes a directory name for use in a relative link.
pub fn path_segment(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escaping() {
        assert_eq!(md_escape("a|b"), "a\\|b");
        assert_eq!(md_escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(md_escape("[x](javascript:y)"), "\\[x\\](javascript:y)");
        assert_eq!(md_escape("a\u{1b}[31mb"), "a\\[31mb");
    }
}
