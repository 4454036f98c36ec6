//! The fast path of the JSON formats: a strict scanner of one JSON object per line.
//!
//! It validates the whole line (the grammar of RFC 8259, UTF-8, nesting) and hands each
//! top-level field's key and value to the caller, without building anything. It never decides a
//! rejection: a line it does not take whole returns `false` and goes to the full decoder, which
//! accepts or rejects it with its reason. So it may be stricter than the full decoder, never
//! looser, and it is: lines with a control byte anywhere (tabs between tokens included), an
//! escaped key, an escaped surrogate or nesting past
//! [`super::json::MAX_DEPTH`] all take the full decoder. Logpush and most JSON log shippers
//! write none of those, so nearly every line stays on this path.

use super::json::MAX_DEPTH;

/// A top-level value as the fast path sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// A string without escapes, borrowed from the line.
    Str(&'a str),
    /// A non-negative integer without fraction or exponent that fits in 64 bits.
    Uint(u64),
    /// An array, as its text (validated, from `[` to `]`).
    List(&'a str),
    /// Anything else that is valid JSON (booleans, negative or fractional numbers, strings with
    /// escapes, objects): the caller decides whether it can use it.
    Other,
}

/// Scans `line` as one JSON object, calling `field(key, value)` for each top-level field in
/// order. Returns `false`, having maybe called `field` for some fields, when the line is not
/// taken whole (see the module's notes) or when `field` returns `false`.
pub fn fields<'a>(line: &'a [u8], mut field: impl FnMut(&'a str, Value<'a>) -> bool) -> bool {
    // The smallest byte of the line: a control byte can only be whitespace between tokens or an
    // error, and without any the string scan can look for quotes and backslashes alone. This
    // reduction vectorises; an early-exit search would not.
    if line.iter().fold(u8::MAX, |m, &b| m.min(b)) < 0x20 {
        return false;
    }
    let Ok(text) = simdutf8::basic::from_utf8(line) else {
        return false;
    };
    let mut s = Scan { text, b: line, i: 0 };
    s.top(&mut field) && s.rest_is_blank()
}

struct Scan<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn blank(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.blank();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn rest_is_blank(&mut self) -> bool {
        self.blank();
        self.i == self.b.len()
    }

    /// The top-level object, its fields handed to `field`.
    fn top(&mut self, field: &mut impl FnMut(&'a str, Value<'a>) -> bool) -> bool {
        if !self.eat(b'{') {
            return false;
        }
        if self.eat(b'}') {
            return true;
        }
        loop {
            self.blank();
            let Some((key, false)) = self.string() else { return false };
            if !self.eat(b':') {
                return false;
            }
            self.blank();
            let Some(value) = self.value() else { return false };
            if !field(key, value) {
                return false;
            }
            if self.eat(b',') {
                continue;
            }
            return self.eat(b'}');
        }
    }

    /// A top-level value.
    fn value(&mut self) -> Option<Value<'a>> {
        match self.peek()? {
            b'"' => match self.string()? {
                (s, false) => Some(Value::Str(s)),
                (_, true) => Some(Value::Other),
            },
            b'[' => {
                let start = self.i;
                self.nested(2).then(|| self.text.get(start..self.i)).flatten().map(Value::List)
            }
            b'{' => self.nested(2).then_some(Value::Other),
            _ => self.scalar(),
        }
    }

    /// A number or a literal.
    fn scalar(&mut self) -> Option<Value<'a>> {
        let (word, value): (&[u8], _) = match self.peek()? {
            b'n' => (b"null", Value::Null),
            b't' => (b"true", Value::Other),
            b'f' => (b"false", Value::Other),
            _ => return self.number(),
        };
        let end = self.i + word.len();
        if !self.b.get(self.i..end)?.iter().eq(word) {
            return None;
        }
        self.i = end;
        Some(value)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Option<Value<'a>> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let start = self.i;
        let mut n: Option<u64> = Some(0);
        while let Some(d @ b'0'..=b'9') = self.peek() {
            n = n.and_then(|n| n.checked_mul(10)).and_then(|n| n.checked_add(u64::from(d - b'0')));
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || (digits > 1 && self.b.get(start) == Some(&b'0')) {
            return None;
        }
        let mut whole = !negative;
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.some_digits()?;
            whole = false;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.some_digits()?;
            whole = false;
        }
        Some(match n {
            Some(n) if whole => Value::Uint(n),
            _ => Value::Other,
        })
    }

    /// One digit or more (a fraction, an exponent).
    fn some_digits(&mut self) -> Option<()> {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        (self.i > start).then_some(())
    }

    /// A string at the cursor: its text between the quotes and whether it holds escapes.
    fn string(&mut self) -> Option<(&'a str, bool)> {
        if self.peek() != Some(b'"') {
            return None;
        }
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            let at = quote_or_backslash(self.b, self.i)?;
            self.i = at + 1;
            if self.b.get(at) == Some(&b'"') {
                return Some((self.text.get(start..at)?, escaped));
            }
            escaped = true;
            self.escape()?;
        }
    }

    /// The rest of an escape after its backslash.
    fn escape(&mut self) -> Option<()> {
        let c = self.peek()?;
        self.i += 1;
        match c {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(()),
            b'u' => {
                let hex = std::str::from_utf8(self.b.get(self.i..self.i + 4)?).ok()?;
                let code = u16::from_str_radix(hex, 16).ok()?;
                self.i += 4;
                // Surrogates must pair; the full decoder judges them.
                (!(0xD800..=0xDFFF).contains(&code) && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(())
            }
            _ => None,
        }
    }

    /// An array or object at the cursor, skipped; `depth` counts it with the levels around it, the
    /// line's own object being level 1 (as [`super::json::too_deep`] counts them).
    fn nested(&mut self, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let (close, object) = match self.peek() {
            Some(b'{') => (b'}', true),
            Some(b'[') => (b']', false),
            _ => return false,
        };
        self.i += 1;
        if self.eat(close) {
            return true;
        }
        loop {
            self.blank();
            if object {
                if !matches!(self.string(), Some((_, _))) || !self.eat(b':') {
                    return false;
                }
                self.blank();
            }
            let ok = match self.peek() {
                Some(b'{' | b'[') => self.nested(depth + 1),
                Some(b'"') => self.string().is_some(),
                Some(_) => self.scalar().is_some(),
                None => false,
            };
            if !ok {
                return false;
            }
            if self.eat(b',') {
                continue;
            }
            return self.eat(close);
        }
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The first `"` or `\\` in `b` from `from`. Most strings of a log record are short (keys, codes,
/// addresses): eight bytes at a time in a word come first, then a vector search for the long
/// ones (user agents, URLs).
fn quote_or_backslash(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    for _ in 0..4 {
        let Some(word) = b.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) else {
            let tail = b.get(i..)?;
            return tail.iter().position(|&c| c == b'"' || c == b'\\').map(|p| i + p);
        };
        let x = u64::from_le_bytes(word);
        let (q, s) = (x ^ (ONES * u64::from(b'"')), x ^ (ONES * u64::from(b'\\')));
        // The lowest byte flagged is exactly the first zero byte of `q` or `s`.
        let m = ((q.wrapping_sub(ONES) & !q) | (s.wrapping_sub(ONES) & !s)) & HIGHS;
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    memchr::memchr2(b'"', b'\\', b.get(i..)?).map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(line: &str) -> Option<Vec<(String, Value<'_>)>> {
        let mut out = Vec::new();
        fields(line.as_bytes(), |k, v| {
            out.push((k.to_owned(), v));
            true
        })
        .then_some(out)
    }

    #[test]
    fn takes_flat_records() {
        let got = all(r#"{"a":"x","b":12,"c":null,"d":-1,"e":1.5,"f":true,"g":[1,{"h":[]}],"i":"q\"\u00e9"}"#).unwrap();
        let values: Vec<Value<'_>> = got.iter().map(|(_, v)| *v).collect();
        assert_eq!(
            values,
            [
                Value::Str("x"),
                Value::Uint(12),
                Value::Null,
                Value::Other,
                Value::Other,
                Value::Other,
                Value::List(r#"[1,{"h":[]}]"#),
                Value::Other
            ]
        );
        assert_eq!(got.first().map(|(k, _)| k.as_str()), Some("a"));
        assert_eq!(all(r#" { "a" : "é" , "b" : 18446744073709551616 } "#).unwrap().len(), 2);
        assert_eq!(all("{}").unwrap().len(), 0);
    }

    #[test]
    fn leaves_every_doubtful_line_to_the_full_decoder() {
        for bad in [
            "",
            "[]",
            "{",
            r#"{"a":1"#,
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            r#"{"a":1e+}"#,
            r#"{"a":1.e5}"#,
            r#"{"a":"x}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\u12g4"}"#,
            r#"{"a\"b":1}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":{"b"}}"#,
            r#"{"a":tru}"#,
            r#"{"a":nul}"#,
            r#"{"a":1} x"#,
            r#"{"a":1}{}"#,
            "{\"a\":\t1}",
            "{\"a\":\"x\ty\"}",
        ] {
            assert!(all(bad).is_none(), "{bad}");
        }
        assert!(!fields(b"{\"a\":\"\xff\"}", |_, _| true));
        // Levels are counted as the nesting guard counts them, the line's object being the first.
        let deep = format!(r#"{{"a":{}{}}}"#, "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(all(&deep).is_none());
        let fine = format!(r#"{{"a":{}{}}}"#, "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert_eq!(
            (
                super::super::json::too_deep(deep.as_bytes(), MAX_DEPTH),
                super::super::json::too_deep(fine.as_bytes(), MAX_DEPTH)
            ),
            (true, false)
        );
        assert!(all(&fine).is_some());
        // The caller can refuse a value.
        assert!(!fields(br#"{"a":1,"b":2}"#, |k, _| k != "b"));
    }

    #[test]
    fn finds_the_first_quote_or_backslash_at_every_offset() {
        for len in 0..80 {
            for at in 0..=len {
                let mut b = vec![b'a'; len];
                b.extend_from_slice(b"\"\\");
                if let Some(x) = b.get_mut(at) {
                    *x = if at % 2 == 0 { b'"' } else { b'\\' };
                }
                for from in 0..=at.min(len) {
                    assert_eq!(quote_or_backslash(&b, from), Some(at), "{len} {at} {from}");
                }
            }
        }
        assert_eq!(quote_or_backslash(b"\xff\xfe\x80abc", 0), None);
    }
}
