//! Cloudflare's 1xxx error codes: what each means and which signature (if any) it is.
//!
//! Cloudflare renders these pages itself, but the code says who is to blame: 1015 is a
//! rate-limiting rule of the site (`rate_limited`), 1101 the site's own Worker (`worker_error`,
//! blamed on the origin), 1016 and 1033 an origin Cloudflare could not reach, 1200 Cloudflare's own
//! connection queue. Access-denied and configuration codes are not outage signatures.

use super::Signature;

/// The meaning of a 1xxx code and its signature (`None`: not an outage signature).
pub fn meaning(code: u16) -> Option<(&'static str, Option<Signature>)> {
    use Signature::{Cf52x, Edge500, RateLimited, WorkerError};
    Some(match code {
        1000 | 1002 => ("DNS points to a prohibited IP (the site's configuration)", None),
        1001 => ("DNS resolution error (the site's configuration)", None),
        1003 => ("direct IP access not allowed", None),
        1004 => ("host not configured to serve web traffic", None),
        1006..=1008 => ("access denied: the visitor's IP is banned by the site", None),
        1009 => ("access denied: the visitor's country is banned by the site", None),
        1010 => ("access denied: the browser's signature is banned by the site", None),
        1011 => ("access denied: hotlinking", None),
        1012 => ("access denied", None),
        1013 => ("HTTP host name and TLS SNI mismatch", None),
        1014 => ("CNAME across accounts prohibited (the site's configuration)", None),
        1015 => ("rate limited by the site's rule", Some(RateLimited)),
        // Served as HTTP 530: Cloudflare's own answer for an origin it cannot reach.
        1016 => ("origin DNS error: Cloudflare could not resolve the origin", Some(Cf52x)),
        1018 | 1023 => ("could not find host (the site's configuration)", None),
        1019 => ("compute server error (the site's Worker)", Some(WorkerError)),
        1020 => ("access denied by a firewall rule of the site", None),
        1025 => ("the site's Worker reached its plan's request limit", Some(WorkerError)),
        1033 => ("tunnel error: the origin's cloudflared is not connected", Some(Cf52x)),
        1034..=1041 => ("the site's request or rewrite configuration is invalid", None),
        1042 => ("the site's Worker fetched another Worker of its zone", Some(WorkerError)),
        1101 => ("the site's Worker threw an exception", Some(WorkerError)),
        1102 => ("the site's Worker exceeded its resource limits", Some(WorkerError)),
        1104 => ("the site's Worker script was not found", Some(WorkerError)),
        1200 => ("Cloudflare's cache connection limit: too many requests queued at the edge", Some(Edge500)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_their_blame() {
        assert_eq!(meaning(1015).and_then(|m| m.1), Some(Signature::RateLimited));
        assert_eq!(meaning(1101).and_then(|m| m.1), Some(Signature::WorkerError));
        assert_eq!(meaning(1020).map(|m| m.1), Some(None));
        // Served as HTTP 530: Cloudflare's answer for an origin it cannot reach.
        assert_eq!(meaning(1016).and_then(|m| m.1), Some(Signature::Cf52x));
        assert!(meaning(1999).is_none());
        for code in [1101, 1102, 1019, 1025, 1042, 1104] {
            assert!(super::super::worker_error::DOC.contains(&code.to_string()), "{code}");
        }
    }
}
