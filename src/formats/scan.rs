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

// The string, value, scalar and number steps are forced inline into the object loop: a call each had cost
// about a sixth of `rates` (registers saved and restored for every string).
#![allow(clippy::inline_always)]

use super::json::MAX_DEPTH;
use wide::u8x16;

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
    let mut s = Scan { text, b: line, i: 0, block: usize::MAX, marks: 0 };
    s.top(&mut field) && s.rest_is_blank()
}

struct Scan<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    /// The start of the 64-byte block whose quotes and backslashes `marks` holds, one bit a byte;
    /// the cursor only moves forward, so each block of the line is classified once at most.
    block: usize,
    marks: u64,
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
    #[inline(always)]
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
    #[inline(always)]
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
    #[inline(always)]
    fn number(&mut self) -> Option<Value<'a>> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let start = self.i;
        let mut n = 0u64;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            // Wraps past 19 digits; such a value is read again below.
            n = n.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            self.i += 1;
        }
        let digits = self.i - start;
        let n = if digits < 20 { Some(n) } else { self.text.get(start..self.i)?.parse::<u64>().ok() };
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
    #[inline(always)]
    fn string(&mut self) -> Option<(&'a str, bool)> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.i + 1;
        let at = self.quote_or_backslash(start)?;
        if self.b.get(at) == Some(&b'"') {
            self.i = at + 1;
            return Some((self.text.get(start..at)?, false));
        }
        self.escaped_string(start, at)
    }

    /// The rest of a string from `start` whose first escape's backslash is at `at`.
    #[cold]
    #[inline(never)]
    fn escaped_string(&mut self, start: usize, mut at: usize) -> Option<(&'a str, bool)> {
        loop {
            self.i = at + 1;
            if self.b.get(at) == Some(&b'"') {
                return Some((self.text.get(start..at)?, true));
            }
            self.escape()?;
            at = self.quote_or_backslash(self.i)?;
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

/// One bit for each `"` or `\\` among the 64 bytes of `b` from `base` (bytes past the end count
/// as neither). Sixteen bytes are compared at a time, in vector registers on every target.
#[inline(never)]
fn marks_at(b: &[u8], base: usize) -> u64 {
    let mut padded = [0u8; 64];
    let block = if let Some(full) = b.get(base..base + 64) {
        full
    } else {
        let tail = b.get(base..).unwrap_or_default();
        if let Some(head) = padded.get_mut(..tail.len()) {
            head.copy_from_slice(tail);
        }
        padded.as_slice()
    };
    let (quote, backslash) = (u8x16::splat(b'"'), u8x16::splat(b'\\'));
    let mut marks = 0u64;
    for (k, lane) in block.chunks_exact(16).enumerate() {
        let Ok(bytes) = <[u8; 16]>::try_from(lane) else { break };
        let v = u8x16::new(bytes);
        let hit = v.simd_eq(quote) | v.simd_eq(backslash);
        marks |= u64::from(hit.to_bitmask()) << (16 * k);
    }
    marks
}

impl Scan<'_> {
    /// The first `"` or `\\` of the line at or after `from`.
    #[inline(always)]
    fn quote_or_backslash(&mut self, from: usize) -> Option<usize> {
        let mut base = from & !63;
        let mut skip = from - base;
        while base < self.b.len() {
            if self.block != base {
                self.block = base;
                self.marks = marks_at(self.b, base);
            }
            let m = self.marks & (u64::MAX << skip);
            if m != 0 {
                return Some(base + m.trailing_zeros() as usize);
            }
            base += 64;
            skip = 0;
        }
        None
    }
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
        // Integers are exact up to u64::MAX and left to the caller past it.
        for (text, want) in [
            ("9999999999999999999", Value::Uint(9_999_999_999_999_999_999)),
            ("18446744073709551615", Value::Uint(u64::MAX)),
            ("18446744073709551616", Value::Other),
            ("99999999999999999999", Value::Other),
            ("0", Value::Uint(0)),
            ("-0", Value::Other),
        ] {
            let line = format!(r#"{{"n":{text}}}"#);
            assert_eq!(all(&line).unwrap().first().map(|(_, v)| *v), Some(want), "{text}");
        }
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
        for len in (0..80).chain([127, 128, 129, 191, 200]) {
            for at in 0..=len {
                let mut b = vec![b'a'; len];
                b.extend_from_slice(b"\"\\");
                if let Some(x) = b.get_mut(at) {
                    *x = if at % 2 == 0 { b'"' } else { b'\\' };
                }
                let text = String::from_utf8(b.clone()).unwrap();
                for from in 0..=at.min(len) {
                    let mut s = Scan { text: &text, b: &b, i: 0, block: usize::MAX, marks: 0 };
                    assert_eq!(s.quote_or_backslash(from), Some(at), "{len} {at} {from}");
                }
            }
        }
        let mut s = Scan { text: "", b: b"\xff\xfe\x80abc", i: 0, block: usize::MAX, marks: 0 };
        assert_eq!(s.quote_or_backslash(0), None);
    }
}
