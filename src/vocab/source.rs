//! What kind of source an event came from: it decides which readers apply (status signatures for
//! edge and server logs, evidence for what users captured) and how sessions are read.

use serde::Serialize;

/// The kind of source of an event (the `source_kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A CDN's edge logs (Logpush, CloudFront, Fastly, Akamai).
    Cdn,
    /// A web server's or load balancer's access log (nginx, Apache).
    Server,
    /// A browser's HAR capture: one user's session.
    Har,
    /// A client or SDK log, or text a user pasted.
    Client,
}

impl SourceKind {
    /// Every kind, in order.
    pub const ALL: [SourceKind; 4] = [SourceKind::Cdn, SourceKind::Server, SourceKind::Har, SourceKind::Client];

    /// The id, as in the `source_kind` column.
    pub fn id(self) -> &'static str {
        match self {
            SourceKind::Cdn => "cdn",
            SourceKind::Server => "server",
            SourceKind::Har => "har",
            SourceKind::Client => "client",
        }
    }

    /// The kind of an id.
    pub fn from_id(id: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.id() == id)
    }

    /// What users saw (HAR entries and client records), read by their evidence rather than by
    /// statuses.
    pub fn is_user_side(self) -> bool {
        matches!(self, SourceKind::Har | SourceKind::Client)
    }

    /// Whether a `source_kind` value names a user-side kind.
    pub fn user_side_id(id: Option<&str>) -> bool {
        id.and_then(SourceKind::from_id).is_some_and(SourceKind::is_user_side)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for k in SourceKind::ALL {
            assert_eq!(SourceKind::from_id(k.id()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.id());
        }
        assert!(SourceKind::user_side_id(Some("har")) && !SourceKind::user_side_id(Some("cdn")));
        assert!(!SourceKind::user_side_id(None));
    }
}
