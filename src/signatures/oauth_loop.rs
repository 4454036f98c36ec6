#![doc = include_str!("docs/oauth_loop.md")]

/// The documentation printed by `blastradius explain oauth_loop`.
pub const DOC: &str = include_str!("docs/oauth_loop.md");

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

/// A browser that gave up on a redirect loop: Chrome's `ERR_TOO_MANY_REDIRECTS` (its page's
/// sentence "redirected you too many times" is not read, so a copied page counts once), Firefox's
/// "The page isn't redirecting properly", Safari's "too many redirects occurred", a user's "too many redirects".
static BROWSER_GAVE_UP: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(
        r"ERR_TOO_MANY_REDIRECTS|curl: \(47\)|(?i:page isn(?:'|’)?t redirecting properly|\btoo many redirects\b|maximum \(\d+\) redirects followed)",
    )
});

/// One pasted record in which the browser stopped a redirect loop. The loop itself is not in the
/// text (only its end), so the evidence is moderate; during an outage the sign-in flow is the
/// usual loop.
pub fn from_browser(s: super::seen::Seen<'_>) -> Option<super::seen::Verdict> {
    [s.error, s.message, s.body].into_iter().flatten().find_map(|t| {
        let m = BROWSER_GAVE_UP.as_ref()?.find(t)?;
        // Chrome's page sentence above its error code ("The webpage at … has resulted in too many
        // redirects"): the code's line is the record.
        if t.contains("resulted in too many redirects") && !t.contains("ERR_TOO_MANY_REDIRECTS") {
            return None;
        }
        let why = super::seen::evidence("the browser stopped a redirect loop", m.as_str());
        Some(super::seen::Verdict::new(super::Signature::OauthLoop, why, "moderate"))
    })
}

/// How many round trips within how long make a loop.
#[derive(Debug, Clone, Copy)]
pub struct LoopParams {
    /// Authorize-then-callback round trips (N).
    pub round_trips: usize,
    /// Window, ns (T).
    pub window_ns: i64,
}

impl Default for LoopParams {
    fn default() -> Self {
        LoopParams { round_trips: 3, window_ns: 60_000_000_000 }
    }
}

static CALLBACK: LazyLock<Option<Regex>> = LazyLock::new(|| crate::text::regex(r"(?i)callback|/signin-oidc"));
static AUTHORIZE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(r"(?i)/authorize\b|/oauth2?/auth\b|/o/oauth2/|/login\b|/signin\b|/sign-in\b|/sso\b")
});

/// The step of a sign-in flow a request path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The authorize (or login) endpoint.
    Authorize,
    /// The application's callback.
    Callback,
}

/// The flow step of a path, if it is one. The path's route decides (an authorize URL names
/// its callback in `redirect_uri=`); a `code=` parameter marks a callback.
pub fn step(path: &str) -> Option<Step> {
    let route = path.split(['?', '#']).next().unwrap_or(path);
    let code = path.split_once('?').is_some_and(|(_, q)| q.split('&').any(|p| p.starts_with("code=")));
    if code || CALLBACK.as_ref().is_some_and(|r| r.is_match(route)) {
        Some(Step::Callback)
    } else if AUTHORIZE.as_ref().is_some_and(|r| r.is_match(route)) {
        Some(Step::Authorize)
    } else {
        None
    }
}

/// One request of a session.
#[derive(Debug, Clone)]
pub struct Hop<'a> {
    /// Row in the frame.
    pub row: usize,
    /// Session key (a HAR file, or a client IP and user agent).
    pub session: String,
    /// Time, ns.
    pub time: i64,
    /// Request path.
    pub path: &'a str,
    /// Where the response redirected, if anywhere.
    pub redirect: Option<&'a str>,
}

/// The rows that belong to a loop, with the evidence for each.
pub fn detect(hops: &[Hop<'_>], p: LoopParams) -> Vec<(usize, String)> {
    let mut sessions: HashMap<&str, Vec<(&Hop<'_>, Step)>> = HashMap::new();
    for h in hops {
        let s = step(h.path).or_else(|| (h.redirect == Some("about:blank")).then_some(Step::Callback));
        if let Some(s) = s {
            sessions.entry(h.session.as_str()).or_default().push((h, s));
        }
    }
    let mut out = Vec::new();
    let mut keys: Vec<&str> = sessions.keys().copied().collect();
    keys.sort_unstable();
    for key in keys {
        let Some(flow) = sessions.get_mut(key) else { continue };
        flow.sort_by_key(|(h, _)| (h.time, h.row));
        let trips = round_trips(flow);
        let mut marked = vec![false; flow.len()];
        let mut evidence: Vec<String> = vec![String::new(); flow.len()];
        mark_windows(flow, &trips, p, key, &mut marked, &mut evidence);
        // A flow that ends at about:blank is a loop by itself.
        for (i, (h, _)) in flow.iter().enumerate() {
            if h.redirect == Some("about:blank") {
                if let (Some(m), Some(e)) = (marked.get_mut(i), evidence.get_mut(i)) {
                    *m = true;
                    *e = format!("sign-in flow redirected to about:blank (session {key})");
                }
            }
        }
        for (i, (h, _)) in flow.iter().enumerate() {
            if marked.get(i).copied().unwrap_or(false) {
                out.push((h.row, evidence.get(i).cloned().unwrap_or_default()));
            }
        }
    }
    out.sort_by_key(|(r, _)| *r);
    out
}

/// Round trips of a session's flow (indexes into it): the latest authorize (or login) before a
/// callback, then that callback.
fn round_trips(flow: &[(&Hop<'_>, Step)]) -> Vec<(usize, usize)> {
    let mut trips: Vec<(usize, usize)> = Vec::new();
    let mut open: Option<usize> = None;
    for (i, (_, s)) in flow.iter().enumerate() {
        match s {
            Step::Authorize => open = Some(i),
            Step::Callback => {
                // A callback that sends the user on into the application landed: that
                // sign-in worked, and it is not part of a loop.
                let landed = flow.get(i).and_then(|(h, _)| h.redirect).is_some_and(|r| {
                    !r.is_empty() && r != "about:blank" && step(r.split_once("://").map_or(r, |(_, x)| x)).is_none()
                });
                if let Some(a) = open.take() {
                    if !landed {
                        trips.push((a, i));
                    }
                }
            }
        }
    }
    trips
}

/// Marks the hops of every window of `p.round_trips` or more round trips, with the evidence.
fn mark_windows(
    flow: &[(&Hop<'_>, Step)],
    trips: &[(usize, usize)],
    p: LoopParams,
    key: &str,
    marked: &mut [bool],
    evidence: &mut [String],
) {
    let time = |i: usize| flow.get(i).map_or(0, |(h, _)| h.time);
    let mut a = 0;
    for b in 0..trips.len() {
        let end = trips.get(b).map_or(0, |t| t.1);
        while trips.get(a).is_some_and(|t| time(end) - time(t.0) > p.window_ns) {
            a += 1;
        }
        if b + 1 - a >= p.round_trips {
            let first = trips.get(a).map_or(0, |t| t.0);
            // The app's own login route just before the first authorize is part of the loop.
            let mut start = first;
            while start > 0
                && flow.get(start - 1).is_some_and(|(_, s)| *s == Step::Authorize)
                && time(first) - time(start - 1) <= p.window_ns
            {
                start -= 1;
            }
            let secs = (time(end) - time(start)) as f64 / 1e9;
            let why = format!("{} authorize→callback round trips in {secs:.1} s (session {key})", b + 1 - a);
            for i in start..=end {
                if let (Some(m), Some(e)) = (marked.get_mut(i), evidence.get_mut(i)) {
                    *m = true;
                    e.clone_from(&why);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hops(paths: &[(&'static str, i64)]) -> Vec<Hop<'static>> {
        paths
            .iter()
            .enumerate()
            .map(|(row, (p, t))| Hop { row, session: "s".into(), time: t * 1_000_000_000, path: p, redirect: None })
            .collect()
    }

    #[test]
    fn loops_and_normal_sign_ins() {
        let normal = hops(&[("/authorize?client_id=a", 0), ("/api/auth/callback?code=[REDACTED]", 1), ("/app", 2)]);
        assert_eq!(step("/authorize?redirect_uri=https%3A%2F%2Fa%2Fapi%2Fauth%2Fcallback"), Some(Step::Authorize));
        assert_eq!(step("/cb?state=1&code=x"), Some(Step::Callback));
        assert_eq!(step("/authorize?code_challenge=x"), Some(Step::Authorize));
        assert!(detect(&normal, LoopParams::default()).is_empty());
        let chain = hops(&[("/", 0), ("/", 1), ("/home", 2)]);
        assert!(detect(&chain, LoopParams::default()).is_empty());
        let mut l = Vec::new();
        for i in 0..4 {
            l.push(("/authorize?x=1", i * 2));
            l.push(("/api/auth/callback?code=x", i * 2 + 1));
        }
        let found = detect(&hops(&l), LoopParams::default());
        assert_eq!(found.len(), 8);
        assert!(found[0].1.contains("4 authorize→callback round trips"), "{}", found[0].1);
        // Spread over ten minutes, the same hops are sign-ins, not a loop.
        let slow: Vec<(&str, i64)> = l.iter().map(|(p, t)| (*p, t * 100)).collect();
        assert!(detect(&hops(&slow), LoopParams::default()).is_empty());
    }
}
