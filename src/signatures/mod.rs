//! Failure signatures: one module per signature, each with its documentation (*What it
//! detects / Evidence / Example / False positives*), listed in [`REGISTRY`].
//!
//! The status signatures are decided by [`Signature::of_status`] for aggregates (one call per
//! event on the parsing threads) and by [`classify`] as a column on an event frame; a test
//! checks that the two agree.

pub mod cf_52x;
pub mod edge_500;
pub mod edge_502;
pub mod origin_5xx;
pub mod origin_unreachable;
pub mod rate_limited;
pub mod unattributed_5xx;

use polars::prelude::*;
use serde::Serialize;

use crate::schema;

/// Who is to blame when a signature fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Blame {
    /// The CDN edge.
    Edge,
    /// The origin (the application or its servers).
    Origin,
    /// Neither: a policy decision such as rate limiting.
    Policy,
    /// Not known: the log does not record which tier generated the error.
    Unknown,
}

/// A failure signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signature {
    /// See [`edge_500`].
    Edge500,
    /// See [`edge_502`].
    Edge502,
    /// See [`origin_5xx`].
    Origin5xx,
    /// See [`cf_52x`].
    Cf52x,
    /// See [`rate_limited`].
    RateLimited,
    /// See [`origin_unreachable`].
    OriginUnreachable,
    /// See [`unattributed_5xx`].
    Unattributed5xx,
}

/// Number of signatures (the length of per-signature count arrays).
pub const COUNT: usize = 7;

/// Every signature, in index order.
pub const ALL: [Signature; COUNT] = [
    Signature::Edge500,
    Signature::Edge502,
    Signature::Origin5xx,
    Signature::Cf52x,
    Signature::RateLimited,
    Signature::OriginUnreachable,
    Signature::Unattributed5xx,
];

/// A registered signature and its documentation.
#[derive(Debug, Clone, Copy)]
pub struct Info {
    /// The signature.
    pub signature: Signature,
    /// Who it blames.
    pub blame: Blame,
    /// Whether it counts as an error (5xx) in error rates.
    pub is_error: bool,
    /// Its documentation.
    pub doc: &'static str,
}

/// Every signature with its documentation.
pub const REGISTRY: [Info; COUNT] = [
    Info { signature: Signature::Edge500, blame: Blame::Edge, is_error: true, doc: edge_500::DOC },
    Info { signature: Signature::Edge502, blame: Blame::Edge, is_error: true, doc: edge_502::DOC },
    Info { signature: Signature::Origin5xx, blame: Blame::Origin, is_error: true, doc: origin_5xx::DOC },
    Info { signature: Signature::Cf52x, blame: Blame::Origin, is_error: true, doc: cf_52x::DOC },
    Info { signature: Signature::RateLimited, blame: Blame::Policy, is_error: false, doc: rate_limited::DOC },
    Info {
        signature: Signature::OriginUnreachable,
        blame: Blame::Origin,
        is_error: true,
        doc: origin_unreachable::DOC,
    },
    Info { signature: Signature::Unattributed5xx, blame: Blame::Unknown, is_error: true, doc: unattributed_5xx::DOC },
];

impl Signature {
    /// The stable id (`edge_500`, ...).
    pub fn id(self) -> &'static str {
        match self {
            Signature::Edge500 => "edge_500",
            Signature::Edge502 => "edge_502",
            Signature::Origin5xx => "origin_5xx",
            Signature::Cf52x => "cf_52x",
            Signature::RateLimited => "rate_limited",
            Signature::OriginUnreachable => "origin_unreachable",
            Signature::Unattributed5xx => "unattributed_5xx",
        }
    }

    /// Position in [`ALL`] and in count arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Looks a signature up by id.
    pub fn from_id(id: &str) -> Option<Signature> {
        ALL.into_iter().find(|s| s.id() == id)
    }

    /// Its registry entry.
    pub fn info(self) -> Info {
        REGISTRY.get(self.index()).copied().unwrap_or(Info {
            signature: self,
            blame: Blame::Edge,
            is_error: true,
            doc: "",
        })
    }

    /// The signature of a response from its edge and origin statuses; `None` when healthy.
    pub fn of_status(edge: Option<u16>, origin: Option<u16>) -> Option<Signature> {
        Signature::of_event(edge, origin, false)
    }

    /// The signature of a response from its edge and origin statuses and whether the vendor's
    /// error detail says the origin could not be reached ([`origin_unreachable::evidence`]);
    /// `None` when healthy. A null origin status means the log does not record one: a 5xx is then
    /// `unattributed_5xx`, never guessed to be the edge's.
    pub fn of_event(edge: Option<u16>, origin: Option<u16>, unreachable: bool) -> Option<Signature> {
        let e = edge?;
        if e == 429 {
            return Some(Signature::RateLimited);
        }
        if e < 500 {
            return None;
        }
        Some(match origin {
            Some(o) if o >= 500 => Signature::Origin5xx,
            _ if (520..=527).contains(&e) && origin.is_none_or(|o| o == 0) => Signature::Cf52x,
            None => Signature::Unattributed5xx,
            Some(0) if unreachable => Signature::OriginUnreachable,
            Some(_) if matches!(e, 502 | 504) => Signature::Edge502,
            Some(_) => Signature::Edge500,
        })
    }
}

/// The meaning of a Cloudflare 52x status.
pub fn cf_52x_meaning(status: u16) -> Option<&'static str> {
    Some(match status {
        520 => "origin returned an unknown error",
        521 => "origin web server is down",
        522 => "connection to origin timed out",
        523 => "origin is unreachable",
        524 => "origin timed out answering",
        525 => "SSL handshake with origin failed",
        526 => "invalid SSL certificate at origin",
        527 => "Railgun error",
        _ => return None,
    })
}

/// The column name of the signature column added by [`classify`].
pub const SIGNATURE: &str = "signature";

/// Adds a `signature` column (the id, null when healthy) to an event frame, computed from the
/// `edge_status`, `origin_status` and `error` columns in one pass.
pub fn classify(df: &mut DataFrame) -> crate::Result<()> {
    let edge = df.column(schema::EDGE_STATUS)?.u16()?.clone();
    let origin = df.column(schema::ORIGIN_STATUS)?.u16()?.clone();
    let error = df.column(schema::ERROR)?.str()?.clone();
    let ids: StringChunked = edge
        .iter()
        .zip(origin.iter())
        .zip(error.iter())
        .map(|((e, o), x)| Signature::of_event(e, o, origin_unreachable::evidence(x)).map(Signature::id))
        .collect();
    df.with_column(ids.with_name(SIGNATURE.into()).into_column())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_signatures() {
        use Signature::*;
        let cases: [(Option<u16>, Option<u16>, Option<Signature>); 15] = [
            (Some(200), Some(200), None),
            (Some(500), Some(0), Some(Edge500)),
            (Some(500), None, Some(Unattributed5xx)),
            (Some(503), Some(0), Some(Edge500)),
            (Some(502), Some(0), Some(Edge502)),
            (Some(504), None, Some(Unattributed5xx)),
            (Some(502), Some(200), Some(Edge502)),
            (Some(502), Some(502), Some(Origin5xx)),
            (Some(500), Some(500), Some(Origin5xx)),
            (Some(200), Some(503), None), // stale copy served
            (Some(522), Some(0), Some(Cf52x)),
            (Some(526), None, Some(Cf52x)),
            (Some(429), Some(0), Some(RateLimited)),
            (Some(404), Some(404), None),
            (None, None, None),
        ];
        for (e, o, want) in cases {
            assert_eq!(Signature::of_status(e, o), want, "edge {e:?} origin {o:?}");
        }
        assert_eq!(Signature::of_event(Some(502), Some(0), true), Some(OriginUnreachable));
        assert_eq!(Signature::of_event(Some(502), Some(502), true), Some(Origin5xx));
        assert_eq!(Signature::of_event(Some(502), None, true), Some(Unattributed5xx));
        assert!(origin_unreachable::evidence(Some("OriginConnectError")));
        assert!(origin_unreachable::evidence(Some("ERR_CONNECT_FAIL")));
        assert!(!origin_unreachable::evidence(Some("Error")));
        assert!(!origin_unreachable::evidence(None));
    }

    #[test]
    fn registry_is_complete_and_documented() {
        for (i, s) in ALL.iter().enumerate() {
            assert_eq!(s.index(), i);
            let info = s.info();
            assert_eq!(info.signature, *s);
            for heading in ["## What it detects", "## Evidence", "## Example", "## False positives"] {
                assert!(info.doc.contains(heading), "{} lacks {heading}", s.id());
            }
            assert!(info.doc.contains(s.id()));
            assert_eq!(Signature::from_id(s.id()), Some(*s));
        }
        for code in 520..=527 {
            assert!(cf_52x::DOC.contains(&code.to_string()));
            assert!(cf_52x_meaning(code).is_some());
        }
    }
}
