//! Helpers every report writer shares (Markdown, HTML, SVG, the batch index): escaping, labels
//! and link segments. A leaf: it imports no writer, so writers never import each other for
//! them. Number, duration and time forms are in [`crate::text`].

use std::fmt::Write;

use minijinja::{AutoEscape, Environment, Value};

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

/// A template environment that escapes every value for HTML (and SVG) and drops control
/// characters from it; only values marked safe (the rendered charts) pass as they are.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_formatter(|out, state, value| {
        if let Some(s) = value.as_str().filter(|s| !value.is_safe() && s.chars().any(char::is_control)) {
            let clean: String = s
                .chars()
                .filter_map(|c| if c == '\n' || c == '\t' { Some(' ') } else { (!c.is_control()).then_some(c) })
                .collect();
            return minijinja::escape_formatter(out, state, &Value::from(clean));
        }
        minijinja::escape_formatter(out, state, value)
    });
    env
}

/// `a / b`, or `None` when `b` is 0.
pub(super) fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
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
