//! Every regular expression written in the source compiles. Patterns go through
//! `blastradius::text::regex` (imported in some modules as `re`), which yields `None` for a
//! pattern that does not compile rather than panicking; this test reads the source tree and
//! compiles each literal pattern given to it, so a typo fails here instead of silently disabling
//! a detector.

use std::path::Path;

/// Reads one Rust string literal at the start of `s` (`"…"` with escapes, `r"…"`, `r#"…"#`):
/// its value and the rest of the text.
fn string_literal(s: &str) -> Option<(String, &str)> {
    if let Some(raw) = s.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let body = raw.get(hashes..)?.strip_prefix('"')?;
        let close = format!("\"{}", "#".repeat(hashes));
        let end = body.find(&close)?;
        return Some((body.get(..end)?.to_string(), body.get(end + close.len()..)?));
    }
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, body.get(i + 1..)?)),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                '\\' => out.push('\\'),
                '"' => out.push('"'),
                '\'' => out.push('\''),
                '0' => out.push('\0'),
                '\n' => {
                    // A line continuation: the next line's leading spaces are dropped.
                    let rest = body.get(i + 2..)?;
                    let skip = rest.len() - rest.trim_start().len();
                    for _ in 0..skip {
                        chars.next();
                    }
                }
                other => panic!("escape \\{other} in a pattern literal: extend this reader"),
            },
            c => out.push(c),
        }
    }
    None
}

/// The pattern a call's argument spells: a string literal, or `concat!` of string literals.
fn argument(s: &str) -> Option<String> {
    let s = s.trim_start();
    if let Some(rest) = s.strip_prefix("concat!(") {
        let mut out = String::new();
        let mut rest = rest.trim_start();
        while !rest.starts_with(')') {
            let (value, after) = string_literal(rest)?;
            out.push_str(&value);
            rest = after.trim_start().trim_start_matches(',').trim_start();
        }
        return Some(out);
    }
    string_literal(s).map(|(v, _)| v)
}

/// Every literal pattern given to `regex(` or `re(` in the file's text.
fn patterns_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for needle in ["regex(", " re(", "(re(", "|re("] {
        let mut from = 0;
        while let Some(at) = text.get(from..).and_then(|t| t.find(needle)) {
            let start = from + at + needle.len();
            // `fn regex(pattern: &str)` and calls with a variable are not literal patterns.
            if let Some(p) = text.get(start..).and_then(argument) {
                found.push(p);
            }
            from = start;
        }
    }
    found
}

fn walk(dir: &Path, found: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            found.extend(patterns_in(&text).into_iter().map(|p| (path.display().to_string(), p)));
        }
    }
}

#[test]
fn every_pattern_in_the_source_compiles() {
    let mut found = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
    // The reader found the patterns (a scanner that finds none would pass vacuously).
    assert!(found.len() >= 30, "only {} patterns found", found.len());
    let broken: Vec<String> =
        found.iter().filter_map(|(file, p)| regex::Regex::new(p).err().map(|e| format!("{file}: {e}"))).collect();
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_reader_reads_the_literal_forms_the_source_uses() {
    assert_eq!(argument(r#"r"a\d+""#), Some(r"a\d+".to_string()));
    assert_eq!(argument(r##"r#"x"y"#"##), Some("x\"y".to_string()));
    assert_eq!(argument(r#"concat!(r"a|", "b\\.", r"c")"#), Some(r"a|b\.c".to_string()));
    assert_eq!(argument("pattern)"), None);
    assert_eq!(patterns_in(r#"let x = re(r"(unclosed");"#), vec!["(unclosed".to_string()]);
    assert!(regex::Regex::new(&patterns_in(r#"let y = re(r"(unclosed");"#)[0]).is_err(), "a typo would be caught");
}
