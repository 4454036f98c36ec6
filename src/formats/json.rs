//! Guards shared by JSON formats.

use super::Reject;

/// Deepest accepted nesting of arrays and objects in one record. Real log records nest a few
/// levels; the parser recurses per level, so a hostile line of a million `[` would otherwise
/// exhaust the stack.
pub const MAX_DEPTH: usize = 128;

/// Whether a JSON text nests deeper than `max`. Counting brackets bounds the depth from above,
/// so the exact, string-aware scan runs only for lines with many brackets.
pub fn too_deep(line: &[u8], max: usize) -> bool {
    // Most lines have a handful of brackets: memchr's SIMD search skips between them.
    memchr::memchr2_iter(b'[', b'{', line).nth(max).is_some() && exact_depth_exceeds(line, max)
}

/// Checks that a line starts as a JSON object does.
pub fn check_starts_object(line: &[u8]) -> Result<(), Reject> {
    if line.first() == Some(&b'{') {
        Ok(())
    } else {
        Err(Reject::new("not a JSON object", ""))
    }
}

/// Checks that a line is one JSON object that does not nest too deep, before it is decoded.
pub fn check_object(line: &[u8]) -> Result<(), Reject> {
    check_starts_object(line)?;
    if too_deep(line, MAX_DEPTH) {
        return Err(Reject::new("nesting too deep", format!("more than {MAX_DEPTH} levels of arrays and objects")));
    }
    Ok(())
}

/// Declares a JSON vendor's one record decoder and its projection for the aggregates, each field
/// once: `$full` decodes every field (events, frames), `$counts` only the fields marked for the
/// aggregates ([`super::Need::Counts`], about twice as fast), and `$counts::decode` decodes a
/// line as needed, handing a full record over as its counts part and the rest. A format maps the counts part to an event in one
/// function and adds the rest on top, so the two paths cannot disagree on a field they share.
/// The counts part must hold every field that can reject a line, so both accept the same lines.
///
/// With `fast = true` a line first goes through the strict scanner ([`super::scan`]) and each
/// field through [`super::lenient::Fast`]; a line either leaves is decoded in full as before. Only
/// for records without `alias`es: the fast path knows a field by its name alone.
macro_rules! projected_record {
    (
        $full:ident, $counts:ident, $rest:ident, fast = $fast:literal;
        counts { $( $(#[$cm:meta])* $cf:ident : $ct:ty, )* }
        rest { $( $(#[$rm:meta])* $rf:ident : $rt:ty, )* }
    ) => {
        /// Every field of a record.
        #[derive(serde::Deserialize, Default, Debug)]
        #[serde(default)]
        #[allow(non_snake_case)]
        struct $full<'a> {
            $( $(#[$cm])* $cf: $ct, )*
            $( $(#[$rm])* $rf: $rt, )*
            #[serde(skip)]
            _life: std::marker::PhantomData<&'a ()>,
        }

        /// The fields the aggregates need.
        #[derive(serde::Deserialize, Default, Debug)]
        #[serde(default)]
        #[allow(non_snake_case)]
        struct $counts<'a> {
            $( $(#[$cm])* $cf: $ct, )*
            #[serde(skip)]
            _life: std::marker::PhantomData<&'a ()>,
        }

        /// The fields only events need.
        #[allow(non_snake_case)]
        struct $rest<'a> {
            $( $rf: $rt, )*
            _life: std::marker::PhantomData<&'a ()>,
        }

        super::json::fast_record!($full; $( $cf: $ct, )* $( $rf: $rt, )*);
        super::json::fast_record!($counts; $( $cf: $ct, )*);

        impl<'a> $counts<'a> {
            /// Decodes one line as `need` asks: the counts part alone, or with the rest.
            fn decode(line: &'a [u8], need: super::Need) -> Result<(Self, Option<$rest<'a>>), super::Reject> {
                // The scanner refuses nesting past the guard's limit, counted as the guard counts
                // it: on its path the guard's bracket count would be a second pass for nothing.
                super::json::check_starts_object(line)?;
                if need == super::Need::Counts {
                    if $fast {
                        if let Some(c) = Self::fast(line) {
                            return Ok((c, None));
                        }
                    }
                    super::json::check_object(line)?;
                    return Ok((super::json::decode(line)?, None));
                }
                let l: $full<'a> = match $fast.then(|| $full::fast(line)).flatten() {
                    Some(l) => l,
                    None => {
                        super::json::check_object(line)?;
                        super::json::decode(line)?
                    }
                };
                Ok((
                    $counts { $( $cf: l.$cf, )* _life: std::marker::PhantomData },
                    Some($rest { $( $rf: l.$rf, )* _life: std::marker::PhantomData }),
                ))
            }
        }
    };
}
pub(crate) use projected_record;

/// The fast decoder of one record type: each field known by its name, decoded by
/// [`super::lenient::Fast`]; a field named twice leaves the line to the full decoder (which
/// rejects it, as serde does).
macro_rules! fast_record {
    ($name:ident; $( $f:ident : $t:ty, )*) => {
        impl<'a> $name<'a> {
            fn fast(line: &'a [u8]) -> Option<Self> {
                const NAMES: &[&str] = &[$( stringify!($f), )*];
                static INDEX: std::sync::OnceLock<super::json::FieldIndex> = std::sync::OnceLock::new();
                type Set<'a> = fn(&mut $name<'a>, super::scan::Value<'a>) -> bool;
                let set: &[Set<'a>] = &[$(
                    |r, v| match <$t as super::lenient::Fast<'a>>::fast(v) {
                        Some(x) => {
                            r.$f = x;
                            true
                        }
                        None => false,
                    },
                )*];
                let index = INDEX.get_or_init(|| super::json::FieldIndex::new(NAMES));
                let mut r = Self::default();
                let mut seen = 0u128;
                let whole = super::scan::fields(line, |key, v| {
                    let Some(i) = index.get(key) else { return true };
                    let Some(bit) = 1u128.checked_shl(i as u32) else { return false };
                    if seen & bit != 0 {
                        return false;
                    }
                    seen |= bit;
                    set.get(i).is_some_and(|f| f(&mut r, v))
                });
                whole.then_some(r)
            }
        }
    };
}
pub(crate) use fast_record;

/// Field names by a small hash of their length and two of their bytes: a key is compared with
/// the one or two names of its bucket, not with every name.
pub struct FieldIndex {
    names: &'static [&'static str],
    buckets: Vec<Vec<u8>>,
}

impl FieldIndex {
    /// The index of `names` (at most 255 of them; the rest are never found).
    pub fn new(names: &'static [&'static str]) -> Self {
        let mut buckets = vec![Vec::new(); 256];
        for (i, n) in names.iter().enumerate().take(255) {
            if let Some(b) = buckets.get_mut(Self::bucket(n.as_bytes())) {
                b.push(i as u8);
            }
        }
        FieldIndex { names, buckets }
    }

    fn bucket(key: &[u8]) -> usize {
        let n = key.len();
        let last = key.last().copied().unwrap_or(0);
        let mid = key.get(n / 2).copied().unwrap_or(0);
        (n.wrapping_mul(31) ^ usize::from(last).wrapping_mul(7) ^ usize::from(mid)) & 255
    }

    /// The position of `key` among the names.
    pub fn get(&self, key: &str) -> Option<usize> {
        let b = self.buckets.get(Self::bucket(key.as_bytes()))?;
        let key = key.as_bytes();
        b.iter().map(|&i| usize::from(i)).find(|&i| self.names.get(i).is_some_and(|n| same(n.as_bytes(), key)))
    }
}

/// Byte equality of two short strings, a word at a time (a call to `memcmp` costs more than
/// comparing a field name).
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    let word = |w: &[u8]| <[u8; 8]>::try_from(w).map_or(0, u64::from_ne_bytes);
    x.by_ref().zip(y.by_ref()).all(|(p, q)| word(p) == word(q)) && x.remainder().iter().eq(y.remainder())
}

/// Decodes a JSON line into `T`, a decoding error becoming a rejection by kind.
pub fn decode<'a, T: serde::Deserialize<'a>>(line: &'a [u8]) -> Result<T, Reject> {
    sonic_rs::from_slice(line).map_err(|e| error(&e))
}

/// A rejection for a JSON decoding error, by kind (invalid UTF-8, truncated, invalid).
pub fn error(e: &sonic_rs::Error) -> Reject {
    let msg = e.to_string();
    let kind = if msg.contains("utf-8") || msg.contains("UTF-8") || msg.contains("utf8") {
        "invalid UTF-8"
    } else if msg.contains("EOF") || msg.contains("eof") {
        "truncated JSON"
    } else {
        "invalid JSON"
    };
    Reject::new(kind, msg)
}

fn exact_depth_exceeds(line: &[u8], max: usize) -> bool {
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for &b in line {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth() {
        assert!(!too_deep(br#"{"a":[1,{"b":[2]}]}"#, 4));
        assert!(too_deep(br#"{"a":[1,{"b":[2]}]}"#, 3));
        assert!(too_deep(br#"{"a":[[[[1]]]]}"#, 3));
        // Brackets inside strings do not count.
        assert!(!too_deep(br#"{"a":"[[[[[[[[[[\"[[[["}"#, 3));
        assert!(too_deep(&vec![b'['; 1_000_000], MAX_DEPTH));
    }
}
