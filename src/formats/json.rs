//! Guards shared by JSON formats.

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
