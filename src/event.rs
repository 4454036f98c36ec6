//! One parsed record, borrowed from its input line, before it becomes a row of the event frame.

use std::borrow::Cow;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::LazyLock;

static ID_HASHER: LazyLock<RandomState> = LazyLock::new(RandomState::new);

/// A parsed event. Strings borrow from the input line where no unescaping was needed.
///
/// Every format fills what it knows and leaves the rest `None`; the column each field lands in
/// is documented in [`crate::schema`].
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Event<'a> {
    /// [`crate::schema::TIME`], ns since the epoch, UTC.
    pub time_ns: i64,
    /// The record carried no timestamp (a client log line without one): `time` is null.
    pub time_unknown: bool,
    /// 1-based line where the record starts in its file, when the framing knows it better than
    /// the count of records (a multi-line client log record); `None` for one record per line.
    pub line: Option<u64>,
    /// [`crate::schema::END_TIME`].
    pub end_ns: Option<i64>,
    /// [`crate::schema::POP`].
    pub pop: Option<Cow<'a, str>>,
    /// [`crate::schema::CLIENT_COUNTRY`].
    pub client_country: Option<Cow<'a, str>>,
    /// [`crate::schema::HOST`].
    pub host: Option<Cow<'a, str>>,
    /// [`crate::schema::METHOD`].
    pub method: Option<Cow<'a, str>>,
    /// [`crate::schema::PATH`].
    pub path: Option<Cow<'a, str>>,
    /// [`crate::schema::EDGE_STATUS`].
    pub edge_status: Option<u16>,
    /// [`crate::schema::ORIGIN_STATUS`].
    pub origin_status: Option<u16>,
    /// [`crate::schema::BYTES`].
    pub bytes: Option<u64>,
    /// [`crate::schema::TTFB_MS`].
    pub ttfb_ms: Option<u32>,
    /// [`crate::schema::DURATION_MS`].
    pub duration_ms: Option<u32>,
    /// [`crate::schema::ORIGIN_DURATION_MS`].
    pub origin_duration_ms: Option<u32>,
    /// [`crate::schema::CLIENT_RTT_MS`].
    pub client_rtt_ms: Option<u32>,
    /// [`crate::schema::BOT_SCORE`].
    pub bot_score: Option<u8>,
    /// [`crate::schema::BOT_SCORE_SRC`].
    pub bot_score_src: Option<Cow<'a, str>>,
    /// [`crate::schema::CACHE_STATUS`].
    pub cache_status: Option<Cow<'a, str>>,
    /// [`crate::schema::TLS_PROTOCOL`].
    pub tls_protocol: Option<Cow<'a, str>>,
    /// [`crate::schema::HTTP_PROTOCOL`].
    pub http_protocol: Option<Cow<'a, str>>,
    /// [`crate::schema::REQUEST_ID`].
    pub request_id: Option<Cow<'a, str>>,
    /// [`crate::schema::CLIENT_IP`].
    pub client_ip: Option<Cow<'a, str>>,
    /// [`crate::schema::USER_AGENT`].
    pub user_agent: Option<Cow<'a, str>>,
    /// [`crate::schema::ZONE`].
    pub zone: Option<Cow<'a, str>>,
    /// [`crate::schema::ORIGIN_IP`].
    pub origin_ip: Option<Cow<'a, str>>,
    /// [`crate::schema::CONTENT_TYPE`].
    pub content_type: Option<Cow<'a, str>>,
    /// [`crate::schema::SECURITY_ACTION`].
    pub security_action: Option<Cow<'a, str>>,
    /// [`crate::schema::SECURITY_SOURCES`].
    pub security_sources: Option<Cow<'a, str>>,
    /// [`crate::schema::SECURITY_RULE_ID`].
    pub security_rule_id: Option<Cow<'a, str>>,
    /// [`crate::schema::WORKER_SCRIPT`].
    pub worker_script: Option<Cow<'a, str>>,
    /// [`crate::schema::CLIENT_ASN`].
    pub client_asn: Option<u32>,
    /// [`crate::schema::ERROR`].
    pub error: Option<Cow<'a, str>>,
    /// [`crate::schema::ORIGIN_FAILURE`]: set by the format when its record says the origin could
    /// not be reached.
    pub origin_failure: bool,
    /// [`crate::schema::URL`].
    pub url: Option<Cow<'a, str>>,
    /// [`crate::schema::PAGE`].
    pub page: Option<Cow<'a, str>>,
    /// [`crate::schema::REDIRECT_URL`].
    pub redirect_url: Option<Cow<'a, str>>,
    /// [`crate::schema::SERVER`].
    pub server: Option<Cow<'a, str>>,
    /// [`crate::schema::BODY`].
    pub body: Option<Cow<'a, str>>,
    /// [`crate::schema::MESSAGE`].
    pub message: Option<Cow<'a, str>>,
}

impl Event<'_> {
    /// True when the edge answered 5xx and the origin status is recorded as 0 (the origin gave no
    /// response): the edge generated the error page itself. A null origin status (the log does
    /// not record one) is not evidence either way.
    pub fn is_edge_5xx(&self) -> bool {
        self.edge_status.is_some_and(|s| s >= 500) && self.origin_status == Some(0)
    }

    /// The bot score was not computed: a score of 0, or a `BotScoreSrc` of `Not Computed`.
    /// `false` when the log records no bot score at all.
    pub fn bot_score_missing(&self) -> bool {
        bot_score_not_computed(self.bot_score, self.bot_score_src.as_deref())
    }

    /// Latency the edge itself added, ms: time to first byte less the origin's response time
    /// (a cache hit, origin time 0, is all edge), or, for logs without a time to first byte,
    /// the whole duration less the origin's. `None` when the log lacks either.
    pub fn edge_added_ms(&self) -> Option<u32> {
        let total = self.ttfb_ms.or(self.duration_ms)?;
        Some(total.saturating_sub(self.origin_duration_ms?))
    }

    /// The de-duplication key: a 16-hex-digit Ray ID is its own 64-bit value; any other id is
    /// hashed. `None` when the event has no id (it is never a duplicate).
    pub fn dedup_key(&self) -> Option<u64> {
        let id = self.request_id.as_deref()?;
        if id.is_empty() {
            return None;
        }
        if id.len() == 16 {
            if let Ok(v) = u64::from_str_radix(id, 16) {
                return Some(v);
            }
        }
        // Other ids are hashed with a per-process random key, so crafted ids cannot collide on
        // purpose (a collision would count a distinct request as a duplicate).
        let mut h = ID_HASHER.build_hasher();
        h.write(id.as_bytes());
        Some(h.finish())
    }
}

pub use crate::vocab::signals::BOT_NOT_COMPUTED;

/// Whether a bot score was not computed: a score of 0, or a source of `Not Computed`.
pub fn bot_score_not_computed(score: Option<u8>, source: Option<&str>) -> bool {
    score == Some(0) || source.is_some_and(|s| s.eq_ignore_ascii_case(BOT_NOT_COMPUTED))
}

/// The documented `BotScoreSrc` values, indexed by [`bot_source_id`]; any other value takes the
/// last id, [`BOT_SOURCE_OTHER`].
pub const BOT_SOURCES: [&str; 7] = [
    "Machine Learning",
    "Heuristics",
    "Behavioral Analysis",
    "JS Fingerprinting",
    "Verified Bot",
    "Cloudflare Service",
    BOT_NOT_COMPUTED,
];

/// The id of a `BotScoreSrc` value outside [`BOT_SOURCES`].
pub const BOT_SOURCE_OTHER: usize = BOT_SOURCES.len();

/// How many source ids there are: the documented values and "other".
pub const BOT_SOURCE_IDS: usize = BOT_SOURCES.len() + 1;

/// The id of a `BotScoreSrc` value (case-insensitive): its index in [`BOT_SOURCES`], else
/// [`BOT_SOURCE_OTHER`].
pub fn bot_source_id(source: &str) -> usize {
    let s = source.trim();
    BOT_SOURCES.iter().position(|v| v.eq_ignore_ascii_case(s)).unwrap_or(BOT_SOURCE_OTHER)
}

/// The name of a source id (`other` past the documented values).
pub fn bot_source_name(id: usize) -> &'static str {
    BOT_SOURCES.get(id).copied().unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bot_sources_have_ids() {
        assert_eq!(bot_source_id("Machine Learning"), 0);
        assert_eq!(bot_source_id(" heuristics "), 1);
        assert_eq!(bot_source_id("Not Computed"), 6);
        assert_eq!(bot_source_id("Something New"), BOT_SOURCE_OTHER);
        assert_eq!(bot_source_name(BOT_SOURCE_OTHER), "other");
        assert_eq!(bot_source_name(bot_source_id("verified bot")), "Verified Bot");
    }

    #[test]
    fn edge_added_latency_from_each_vendor_shape() {
        // Logpush: time to first byte less the origin's time; a cache hit is all edge.
        let lp = Event { ttfb_ms: Some(240), origin_duration_ms: Some(40), ..Event::default() };
        assert_eq!(lp.edge_added_ms(), Some(200));
        let hit = Event { ttfb_ms: Some(3), origin_duration_ms: Some(0), ..Event::default() };
        assert_eq!(hit.edge_added_ms(), Some(3));
        // nginx: `$request_time` less `$upstream_response_time`.
        let nginx = Event { duration_ms: Some(251), origin_duration_ms: Some(250), ..Event::default() };
        assert_eq!(nginx.edge_added_ms(), Some(1));
        // An origin time above the total (clocks of two hops) is no negative latency.
        let odd = Event { ttfb_ms: Some(10), origin_duration_ms: Some(30), ..Event::default() };
        assert_eq!(odd.edge_added_ms(), Some(0));
        // Without the origin's time (Fastly's elapsed time alone) there is nothing to subtract.
        assert_eq!(Event { duration_ms: Some(80), ..Event::default() }.edge_added_ms(), None);
    }
}
