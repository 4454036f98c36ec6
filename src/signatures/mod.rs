//! Failure signatures: one module per signature, each with its documentation (*What it
//! detects / Evidence / Example / False positives*), listed in [`REGISTRY`].
//!
//! The status signatures are decided by [`Signature::of_status`] for aggregates (one call per
//! event on the parsing threads) and by [`classify`] as a column on an event frame; a test
//! checks that the two agree.

pub mod bot_score_missing;
pub mod cf_1xxx;
pub mod cf_52x;
pub mod challenge;
pub mod conn_failed;
pub mod conn_reset;
pub mod conn_timeout;
pub mod dns_failure;
pub mod edge_500;
pub mod edge_502;
pub mod http_5xx;
pub mod oauth_loop;
pub mod origin_5xx;
pub mod origin_unreachable;
pub mod overloaded;
pub mod rate_limited;
pub mod seen;
pub mod stream_severed;
pub mod tls_cert;
pub mod tls_chain;
pub mod tls_handshake;
pub mod unattributed_5xx;
pub mod user;
pub mod worker_error;

use polars::prelude::*;

use crate::schema;
pub use crate::vocab::signature::{Blame, Signature, ALL, COUNT, USER};

/// How a signature is decided.
#[derive(Debug, Clone, Copy)]
pub enum Detector {
    /// From an edge or server event's statuses (and the vendor's typed origin-failure evidence),
    /// by the signature's own `detect`; rules are tried in [`Info::precedence`] order and the
    /// first that fires decides.
    Status(fn(&Statuses) -> bool),
    /// From one user-side event's evidence (its error, message, page, body), by
    /// [`user::verdict`], which reads each piece of evidence once and asks the signatures' own
    /// matchers.
    Evidence,
    /// Over a session's events together ([`oauth_loop::detect`]).
    Sessions,
    /// From an edge event's bot score and security decision, when no status rule fired
    /// ([`bot_score_missing::verdict`]).
    Security,
}

/// What status signatures read of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statuses {
    /// The status the edge (or server) sent.
    pub edge: u16,
    /// The origin's status: null when the log does not record one, 0 when the origin did not
    /// answer.
    pub origin: Option<u16>,
    /// The vendor's error detail says the origin could not be reached.
    pub origin_failure: bool,
}

/// A registered signature: who it blames, how it is decided, its documentation.
#[derive(Debug, Clone, Copy)]
pub struct Info {
    /// The signature.
    pub signature: Signature,
    /// Who it blames.
    pub blame: Blame,
    /// Whether it counts as an error (5xx) in error rates.
    pub is_error: bool,
    /// Among status rules, lower runs first (0 for the others).
    pub precedence: u8,
    /// How it is decided.
    pub detector: Detector,
    /// Its documentation.
    pub doc: &'static str,
}

/// Every signature with its documentation: the status signatures in index order, then
/// [`USER`], then `bot_score_missing`.
pub const REGISTRY: [Info; COUNT + 14] = [
    Info {
        signature: Signature::Edge500,
        blame: Blame::Edge,
        is_error: true,
        precedence: 70,
        detector: Detector::Status(edge_500::detect),
        doc: edge_500::DOC,
    },
    Info {
        signature: Signature::Edge502,
        blame: Blame::Edge,
        is_error: true,
        precedence: 60,
        detector: Detector::Status(edge_502::detect),
        doc: edge_502::DOC,
    },
    Info {
        signature: Signature::Origin5xx,
        blame: Blame::Origin,
        is_error: true,
        precedence: 20,
        detector: Detector::Status(origin_5xx::detect),
        doc: origin_5xx::DOC,
    },
    Info {
        signature: Signature::Cf52x,
        blame: Blame::Origin,
        is_error: true,
        precedence: 30,
        detector: Detector::Status(cf_52x::detect),
        doc: cf_52x::DOC,
    },
    Info {
        signature: Signature::RateLimited,
        blame: Blame::Policy,
        is_error: false,
        precedence: 10,
        detector: Detector::Status(rate_limited::detect),
        doc: rate_limited::DOC,
    },
    Info {
        signature: Signature::OriginUnreachable,
        blame: Blame::Origin,
        is_error: true,
        precedence: 50,
        detector: Detector::Status(origin_unreachable::detect),
        doc: origin_unreachable::DOC,
    },
    Info {
        signature: Signature::Unattributed5xx,
        blame: Blame::Unknown,
        is_error: true,
        precedence: 40,
        detector: Detector::Status(unattributed_5xx::detect),
        doc: unattributed_5xx::DOC,
    },
    Info {
        signature: Signature::TlsChain,
        blame: Blame::Client,
        is_error: true,
        precedence: 0,
        detector: Detector::Evidence,
        doc: tls_chain::DOC,
    },
    Info {
        signature: Signature::TlsCert,
        blame: Blame::Client,
        is_error: true,
        precedence: 0,
        detector: Detector::Evidence,
        doc: tls_cert::DOC,
    },
    Info {
        signature: Signature::TlsHandshake,
        blame: Blame::Client,
        is_error: true,
        precedence: 0,
        detector: Detector::Evidence,
        doc: tls_handshake::DOC,
    },
    Info {
        signature: Signature::OauthLoop,
        blame: Blame::Origin,
        is_error: true,
        precedence: 0,
        detector: Detector::Sessions,
        doc: oauth_loop::DOC,
    },
    Info {
        signature: Signature::StreamSevered,
        blame: Blame::Unknown,
        is_error: true,
        precedence: 0,
        detector: Detector::Evidence,
        doc: stream_severed::DOC,
    },
    Info {
        signature: Signature::ConnReset,
        blame: Blame::Unknown,
        is_error: true,
        precedence: 0,
        detector: Detector::Evidence,
        doc: conn_reset::DOC,
    },
    Info {
        signature: Signature::ConnTimeout,
        blame: Blame::Unknown,
        is_error: true,
        precedence: 0,
        detector: Detector::Evidence,
        doc: conn_timeout::DOC,
    },
    Info {
        signature: Signature::DnsFailure,
        blame: Blame::Client,
        is_error: true,
        precedence: 0,
        detector: Detector::Evidence,
        doc: dns_failure::DOC,
    },
    Info {
        signature: Signature::Http5xx,
        blame: Blame::Unknown,
        is_error: true,
        precedence: 0,
        detector: Detector::Evidence,
        doc: http_5xx::DOC,
    },
    Info {
        signature: Signature::Challenge,
        blame: Blame::Policy,
        is_error: false,
        precedence: 0,
        detector: Detector::Evidence,
        doc: challenge::DOC,
    },
    Info {
        signature: Signature::WorkerError,
        blame: Blame::Origin,
        is_error: true,
        precedence: 0,
        detector: Detector::Evidence,
        doc: worker_error::DOC,
    },
    Info {
        signature: Signature::Overloaded,
        blame: Blame::Origin,
        is_error: true,
        precedence: 0,
        detector: Detector::Evidence,
        doc: overloaded::DOC,
    },
    Info {
        signature: Signature::ConnFailed,
        blame: Blame::Unknown,
        is_error: true,
        precedence: 0,
        detector: Detector::Evidence,
        doc: conn_failed::DOC,
    },
    Info {
        signature: Signature::BotScoreMissing,
        blame: Blame::Edge,
        is_error: false,
        precedence: 0,
        detector: Detector::Security,
        doc: bot_score_missing::DOC,
    },
];

/// The status rules, in precedence order.
type Rule = (Signature, fn(&Statuses) -> bool);
static STATUS_RULES: std::sync::LazyLock<Vec<Rule>> = std::sync::LazyLock::new(|| {
    let mut rules: Vec<(u8, Rule)> = REGISTRY
        .iter()
        .filter_map(|i| match i.detector {
            Detector::Status(f) => Some((i.precedence, (i.signature, f))),
            _ => None,
        })
        .collect();
    rules.sort_by_key(|r| r.0);
    rules.into_iter().map(|(_, r)| r).collect()
});

impl Signature {
    /// Looks a signature up by id.
    pub fn from_id(id: &str) -> Option<Signature> {
        REGISTRY.iter().map(|i| i.signature).find(|s| s.id() == id)
    }

    /// Its registry entry.
    pub fn info(self) -> Info {
        // REGISTRY lists every signature in declaration order (a test checks it).
        REGISTRY.get(self as usize).copied().unwrap_or(Info {
            signature: self,
            blame: Blame::Edge,
            is_error: true,
            precedence: 0,
            detector: Detector::Evidence,
            doc: "",
        })
    }

    /// The signature of a response from its edge and origin statuses; `None` when healthy.
    pub fn of_status(edge: Option<u16>, origin: Option<u16>) -> Option<Signature> {
        Signature::of_event(edge, origin, false)
    }

    /// The signature of a response from its edge and origin statuses and whether the vendor's
    /// format recorded that the origin could not be reached ([`crate::event::Event::origin_failure`]);
    /// `None` when healthy. A null origin status means the log does not record one: a 5xx is then
    /// `unattributed_5xx`, never guessed to be the edge's.
    pub fn of_event(edge: Option<u16>, origin: Option<u16>, unreachable: bool) -> Option<Signature> {
        let seen = Statuses { edge: edge?, origin, origin_failure: unreachable };
        STATUS_RULES.iter().find(|(_, fires)| fires(&seen)).map(|(s, _)| *s)
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

/// The column of evidence added by [`classify`]: the field or text that decided the signature.
pub const EVIDENCE: &str = "evidence";

/// The column of the tier a failure blames, added by [`classify`]: the signature's blame in
/// [`REGISTRY`], unless the event's own evidence names the failing hop (a Cloudflare page's
/// failing status box, a challenge that could not load).
pub const BLAME: &str = "blame";

/// The column of how sure the evidence makes the reading, added by [`classify`]: `strong`
/// (a logged status, an error code, a page's structure), `moderate` (a phrase, one element of a
/// page, an application body), `weak` (a status alone, branding).
pub const CONFIDENCE: &str = "confidence";

/// Adds a `signature` column (the id, null when healthy) and an `evidence` column to an event
/// frame, with the default sign-in loop parameters.
pub fn classify(df: &mut DataFrame) -> crate::Result<()> {
    classify_with(df, oauth_loop::LoopParams::default())
}

fn at(c: Option<&StringChunked>, i: usize) -> Option<&str> {
    c.and_then(|c| c.get(i))
}

fn str_col(df: &DataFrame, name: &str) -> Option<StringChunked> {
    df.column(name).ok().and_then(|c| c.str().ok()).map(|c| c.rechunk().into_owned())
}

/// Adds the `signature` and `evidence` columns. Edge and server events are decided by their
/// statuses ([`Signature::of_status`]); HAR entries and client records by their evidence
/// ([`user::classify`]); then sessions are read for sign-in loops ([`oauth_loop::detect`]), whose
/// events take `oauth_loop`.
pub fn classify_with(df: &mut DataFrame, params: oauth_loop::LoopParams) -> crate::Result<()> {
    let n = df.height();
    let cols = Columns::read(df)?;
    let mut out = Decisions::with_capacity(n);
    let mut hops = Vec::new();
    for i in 0..n {
        let kind = crate::vocab::source::SourceKind::from_id(at(cols.kind.as_ref(), i).unwrap_or_default());
        out.push(cols.verdict(i, kind));
        // A HAR file is one browser's session (a loop's redirects are navigations, so they
        // change pages). Edge logs have only the client's IP and user agent, which many users
        // share behind one NAT: a sign-in loop is never taken from them.
        let session = if kind == Some(crate::vocab::source::SourceKind::Har) {
            at(cols.file.as_ref(), i).map(str::to_string)
        } else {
            None
        };
        if let (Some(session), Some(p), Some(t)) = (session, at(cols.path.as_ref(), i), cols.time.get(i)) {
            hops.push(oauth_loop::Hop { row: i, session, time: t, path: p, redirect: at(cols.redirect.as_ref(), i) });
        }
    }
    for (row, why) in oauth_loop::detect(&hops, params) {
        out.sign_in_loop(row, why);
    }
    out.add_to(df)
}

/// The columns an event's verdict reads.
struct Columns {
    edge: UInt16Chunked,
    origin: UInt16Chunked,
    time: Int64Chunked,
    kind: Option<StringChunked>,
    error: Option<StringChunked>,
    message: Option<StringChunked>,
    body: Option<StringChunked>,
    ctype: Option<StringChunked>,
    server: Option<StringChunked>,
    path: Option<StringChunked>,
    redirect: Option<StringChunked>,
    file: Option<StringChunked>,
    bot_src: Option<StringChunked>,
    action: Option<StringChunked>,
    bot: Option<UInt16Chunked>,
    failure: Vec<bool>,
}

impl Columns {
    fn read(df: &DataFrame) -> crate::Result<Columns> {
        let get = |name: &str| str_col(df, name);
        Ok(Columns {
            edge: df.column(schema::EDGE_STATUS)?.u16()?.rechunk().into_owned(),
            origin: df.column(schema::ORIGIN_STATUS)?.u16()?.rechunk().into_owned(),
            time: df.column(schema::TIME)?.datetime()?.physical().rechunk().into_owned(),
            kind: get(schema::SOURCE_KIND),
            error: get(schema::ERROR),
            message: get(schema::MESSAGE),
            body: get(schema::BODY),
            ctype: get(schema::CONTENT_TYPE),
            server: get(schema::SERVER),
            path: get(schema::PATH),
            redirect: get(schema::REDIRECT_URL),
            file: get(schema::SOURCE_FILE),
            bot_src: get(schema::BOT_SCORE_SRC),
            action: get(schema::SECURITY_ACTION),
            bot: df.column(schema::BOT_SCORE).ok().and_then(|c| c.u16().ok()).map(|c| c.rechunk().into_owned()),
            failure: crate::frame::origin_failures(df),
        })
    }

    /// Row `i`'s verdict: a user-side record's by its evidence, an edge or server event's by its
    /// statuses, else by its bot score.
    fn verdict(&self, i: usize, kind: Option<crate::vocab::source::SourceKind>) -> Option<user::Verdict> {
        let error = at(self.error.as_ref(), i);
        if kind.is_some_and(crate::vocab::source::SourceKind::is_user_side) {
            return user::verdict(user::Seen {
                status: self.edge.get(i),
                error,
                message: at(self.message.as_ref(), i),
                body: at(self.body.as_ref(), i),
                content_type: at(self.ctype.as_ref(), i),
                server: at(self.server.as_ref(), i),
            });
        }
        let (e, o) = (self.edge.get(i), self.origin.get(i));
        let unreachable = self.failure.get(i).copied().unwrap_or(false);
        Signature::of_event(e, o, unreachable)
            .map(|s| {
                let o = o.map_or_else(|| "none".to_string(), |o| o.to_string());
                let detail = error.map(|d| format!(", {d}")).unwrap_or_default();
                let why = format!("edge_status {}, origin_status {o}{detail}", e.unwrap_or(0));
                user::Verdict { signature: s, evidence: why, blame: None, confidence: "strong" }
            })
            .or_else(|| {
                let score = self.bot.as_ref().and_then(|b| b.get(i)).and_then(|v| u8::try_from(v).ok());
                bot_score_missing::verdict(score, at(self.bot_src.as_ref(), i), at(self.action.as_ref(), i), e)
            })
    }
}

/// The four columns `classify_with` adds, row by row.
struct Decisions {
    sigs: Vec<Option<&'static str>>,
    evidence: Vec<Option<String>>,
    blames: Vec<Option<&'static str>>,
    sure: Vec<Option<&'static str>>,
}

impl Decisions {
    fn with_capacity(n: usize) -> Decisions {
        Decisions {
            sigs: Vec::with_capacity(n),
            evidence: Vec::with_capacity(n),
            blames: Vec::with_capacity(n),
            sure: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, decided: Option<user::Verdict>) {
        self.sigs.push(decided.as_ref().map(|v| v.signature.id()));
        self.blames.push(decided.as_ref().map(|v| v.blame.unwrap_or(v.signature.info().blame).id()));
        self.sure.push(decided.as_ref().map(|v| v.confidence));
        self.evidence.push(decided.map(|v| v.evidence));
    }

    /// Marks a row of a sign-in loop, unless the edge generated its response (a 5xx on the
    /// callback keeps its status signature).
    fn sign_in_loop(&mut self, row: usize, why: String) {
        if self.sigs.get(row).copied().flatten().and_then(Signature::from_id).is_some_and(|s| ALL.contains(&s)) {
            return;
        }
        if let (Some(s), Some(e), Some(b), Some(c)) =
            (self.sigs.get_mut(row), self.evidence.get_mut(row), self.blames.get_mut(row), self.sure.get_mut(row))
        {
            *s = Some(Signature::OauthLoop.id());
            *e = Some(why);
            *b = Some(Signature::OauthLoop.info().blame.id());
            *c = Some("moderate");
        }
    }

    fn add_to(self, df: &mut DataFrame) -> crate::Result<()> {
        let ids: StringChunked = self.sigs.into_iter().collect();
        let ev: StringChunked = self.evidence.iter().map(Option::as_deref).collect();
        df.with_column(ids.with_name(SIGNATURE.into()).into_column())?;
        df.with_column(ev.with_name(EVIDENCE.into()).into_column())?;
        let blames: StringChunked = self.blames.into_iter().collect();
        df.with_column(blames.with_name(BLAME.into()).into_column())?;
        let sure: StringChunked = self.sure.into_iter().collect();
        df.with_column(sure.with_name(CONFIDENCE.into()).into_column())?;
        Ok(())
    }
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
    }

    #[test]
    fn registry_is_complete_and_documented() {
        for (i, info) in REGISTRY.iter().enumerate() {
            assert_eq!(info.signature as usize, i);
            assert_eq!(Signature::from_id(info.signature.id()), Some(info.signature));
            assert!(info.doc.starts_with(&format!("`{}`", info.signature.id())));
        }
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
        // Each status signature decides by its own rule, at a precedence of its own; the others
        // are decided from evidence or over sessions.
        let mut precedences = std::collections::BTreeSet::new();
        for info in &REGISTRY {
            let status = ALL.contains(&info.signature);
            assert_eq!(matches!(info.detector, Detector::Status(_)), status, "{}", info.signature.id());
            if status {
                assert!(precedences.insert(info.precedence), "{} shares a precedence", info.signature.id());
            }
        }
        for code in 520..=527 {
            assert!(cf_52x::DOC.contains(&code.to_string()));
            assert!(cf_52x_meaning(code).is_some());
        }
    }
}
