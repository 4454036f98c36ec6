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

/// Checks that a line is one JSON object that does not nest too deep, before it is decoded.
pub fn check_object(line: &[u8]) -> Result<(), Reject> {
    if line.first() != Some(&b'{') {
        return Err(Reject::new("not a JSON object", ""));
    }
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
macro_rules! projected_record {
    (
        $full:ident, $counts:ident, $rest:ident;
        counts { $( $(#[$cm:meta])* $cf:ident : $ct:ty, )* }
        rest { $( $(#[$rm:meta])* $rf:ident : $rt:ty, )* }
    ) => {
        /// Every field of a record.
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        #[allow(non_snake_case)]
        struct $full<'a> {
            $( $(#[$cm])* $cf: $ct, )*
            $( $(#[$rm])* $rf: $rt, )*
            #[serde(skip)]
            _life: std::marker::PhantomData<&'a ()>,
        }

        /// The fields the aggregates need.
        #[derive(serde::Deserialize, Default)]
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

        impl<'a> $counts<'a> {
            /// Decodes one line as `need` asks: the counts part alone, or with the rest.
            fn decode(line: &'a [u8], need: super::Need) -> Result<(Self, Option<$rest<'a>>), super::Reject> {
                super::json::check_object(line)?;
                if need == super::Need::Counts {
                    return Ok((super::json::decode(line)?, None));
                }
                let l: $full<'a> = super::json::decode(line)?;
                Ok((
                    $counts { $( $cf: l.$cf, )* _life: std::marker::PhantomData },
                    Some($rest { $( $rf: l.$rf, )* _life: std::marker::PhantomData }),
                ))
            }
        }
    };
}
pub(crate) use projected_record;

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
