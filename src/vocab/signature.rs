//! The names of failure signatures and of the tiers they blame: the vocabulary that the
//! classifiers ([`crate::signatures`], which decide and document each one), the aggregates, the
//! reports and the simulator's ground truth share. A leaf: it decides nothing.

use serde::Serialize;

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
    /// The client's side: its trust store, its network, its resolver (or a proxy on its path).
    Client,
    /// Not known from the event alone: the log does not record which tier generated the error
    /// (the join with edge logs may still decide it).
    Unknown,
}

impl Blame {
    /// The lower-case name (`edge`, `origin`, `policy`, `client`, `unknown`), as serialised.
    pub fn id(self) -> &'static str {
        match self {
            Blame::Edge => "edge",
            Blame::Origin => "origin",
            Blame::Policy => "policy",
            Blame::Client => "client",
            Blame::Unknown => "unknown",
        }
    }
}

/// A failure signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signature {
    /// See [`crate::signatures::edge_500`].
    Edge500,
    /// See [`crate::signatures::edge_502`].
    Edge502,
    /// See [`crate::signatures::origin_5xx`].
    Origin5xx,
    /// See [`crate::signatures::cf_52x`].
    Cf52x,
    /// See [`crate::signatures::rate_limited`].
    RateLimited,
    /// See [`crate::signatures::origin_unreachable`].
    OriginUnreachable,
    /// See [`crate::signatures::unattributed_5xx`].
    Unattributed5xx,
    /// See [`crate::signatures::tls_chain`].
    TlsChain,
    /// See [`crate::signatures::tls_cert`].
    TlsCert,
    /// See [`crate::signatures::tls_handshake`].
    TlsHandshake,
    /// See [`crate::signatures::oauth_loop`].
    OauthLoop,
    /// See [`crate::signatures::stream_severed`].
    StreamSevered,
    /// See [`crate::signatures::conn_reset`].
    ConnReset,
    /// See [`crate::signatures::conn_timeout`].
    ConnTimeout,
    /// See [`crate::signatures::dns_failure`].
    DnsFailure,
    /// See [`crate::signatures::http_5xx`].
    Http5xx,
    /// See [`crate::signatures::challenge`].
    Challenge,
    /// See [`crate::signatures::worker_error`].
    WorkerError,
    /// See [`crate::signatures::overloaded`].
    Overloaded,
    /// See [`crate::signatures::conn_failed`].
    ConnFailed,
    /// See [`crate::signatures::bot_score_missing`].
    BotScoreMissing,
}

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
            Signature::TlsChain => "tls_chain",
            Signature::TlsCert => "tls_cert",
            Signature::TlsHandshake => "tls_handshake",
            Signature::OauthLoop => "oauth_loop",
            Signature::StreamSevered => "stream_severed",
            Signature::ConnReset => "conn_reset",
            Signature::ConnTimeout => "conn_timeout",
            Signature::DnsFailure => "dns_failure",
            Signature::Http5xx => "http_5xx",
            Signature::Challenge => "challenge",
            Signature::WorkerError => "worker_error",
            Signature::Overloaded => "overloaded",
            Signature::ConnFailed => "conn_failed",
            Signature::BotScoreMissing => "bot_score_missing",
        }
    }

    /// Position in [`ALL`] and in count arrays (user-side signatures are past their end and
    /// are never counted there).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Number of status signatures (the length of per-signature count arrays in aggregates).
pub const COUNT: usize = 7;

/// The signatures of what users saw (HAR entries and client log records), decided by
/// [`crate::signatures::user::classify`] and [`crate::signatures::oauth_loop::detect`]; aggregates of edge traffic never carry them.
pub const USER: [Signature; 13] = [
    Signature::TlsChain,
    Signature::TlsCert,
    Signature::TlsHandshake,
    Signature::OauthLoop,
    Signature::StreamSevered,
    Signature::ConnReset,
    Signature::ConnTimeout,
    Signature::DnsFailure,
    Signature::Http5xx,
    Signature::Challenge,
    Signature::WorkerError,
    Signature::Overloaded,
    Signature::ConnFailed,
];

/// The status signatures, in index order (what aggregates count).
pub const ALL: [Signature; COUNT] = [
    Signature::Edge500,
    Signature::Edge502,
    Signature::Origin5xx,
    Signature::Cf52x,
    Signature::RateLimited,
    Signature::OriginUnreachable,
    Signature::Unattributed5xx,
];
