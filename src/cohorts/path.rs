//! The path prefix a cohort is counted under: the first two segments of the path, without query
//! string or fragment (a full URL loses its scheme and host), with id-like segments collapsed to
//! `:id`, so that `/v1/users/42?x=1` and `/v1/users/43` fall under `/v1/users`, and
//! `/orders/8c1f0e2a/items` under `/orders/:id`.

/// Segments kept.
const SEGMENTS: usize = 2;
/// Segments longer than this are collapsed whatever they hold.
const LONG: usize = 40;

/// Whether a segment looks like an identifier rather than a route: a number, a hex or base64ish
/// token, a UUID, anything with a digit past four characters, or anything long.
fn id_like(seg: &str) -> bool {
    if seg.len() > LONG {
        return true;
    }
    let digits = seg.bytes().filter(u8::is_ascii_digit).count();
    if digits == seg.len() {
        return true;
    }
    digits > 0 && seg.len() > 4
}

/// Writes the prefix of `raw` into `out` (cleared first); false when `raw` holds no path.
pub fn prefix_into(raw: &str, out: &mut String) -> bool {
    out.clear();
    let mut p = raw.split(['?', '#']).next().unwrap_or("");
    if let Some(i) = p.find("://") {
        let rest = p.get(i + 3..).unwrap_or("");
        p = rest.find('/').and_then(|j| rest.get(j..)).unwrap_or("/");
    }
    if p.is_empty() {
        return false;
    }
    for seg in p.split('/').filter(|s| !s.is_empty()).take(SEGMENTS) {
        out.push('/');
        if id_like(seg) {
            out.push_str(":id");
        } else {
            out.extend(seg.chars().filter(|c| !c.is_control()));
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    true
}

/// The prefix of a path (`None` when it holds none).
pub fn prefix(raw: &str) -> Option<String> {
    let mut s = String::new();
    prefix_into(raw, &mut s).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::prefix;

    #[test]
    fn prefixes() {
        let p = |s: &str| prefix(s).unwrap();
        assert_eq!(p("/v1/users/42?token=x"), "/v1/users");
        assert_eq!(p("/v1/users/43"), "/v1/users");
        assert_eq!(p("/orders/8c1f0e2a/items"), "/orders/:id");
        assert_eq!(p("/123/abc"), "/:id/abc");
        assert_eq!(p("/cdn-cgi/trace"), "/cdn-cgi/trace");
        assert_eq!(p("/"), "/");
        assert_eq!(p("https://example.com/a/b/c"), "/a/b");
        assert_eq!(p("https://example.com"), "/");
        assert_eq!(p("/static/app.3f9a8b.js"), "/static/:id");
        assert_eq!(p("/api2/x"), "/api2/x");
        assert_eq!(prefix(""), None);
    }
}
