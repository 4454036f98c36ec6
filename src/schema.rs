//! The canonical event frame: one row per request or client-side record, shared by every
//! input format (Cloudflare Logpush, AWS CloudFront, Akamai DataStream 2, Fastly, nginx and
//! Apache; HAR and client logs can map into the same columns). Column names are constants so that no other module spells them.

use polars::prelude::{DataType, Field, Schema, TimeUnit, TimeZone};

/// Event time, UTC, nanoseconds since the epoch (Logpush `EdgeStartTimestamp`); null only for a
/// client log record that carries no timestamp and follows none.
pub const TIME: &str = "time";
/// End of the request at the edge, UTC ns (Logpush `EdgeEndTimestamp`); null when absent.
pub const END_TIME: &str = "end_time";
/// What kind of source produced the event: `cdn`, `server`, `har` or `client`.
pub const SOURCE_KIND: &str = "source_kind";
/// Vendor or tool that wrote the log, e.g. `cloudflare`.
pub const PROVIDER: &str = "provider";
/// Input format the event was parsed from, e.g. `cloudflare_logpush`.
pub const SOURCE_FORMAT: &str = "source_format";
/// Data-center (POP) code, upper-case IATA where the vendor uses one (`EdgeColoCode`).
pub const POP: &str = "pop";
/// Client country, ISO 3166-1 alpha-2, upper-case (`ClientCountry`).
pub const CLIENT_COUNTRY: &str = "client_country";
/// Requested host (`ClientRequestHost`).
pub const HOST: &str = "host";
/// HTTP method (`ClientRequestMethod`).
pub const METHOD: &str = "method";
/// Request path with query (`ClientRequestURI`).
pub const PATH: &str = "path";
/// Status sent to the client by the edge (`EdgeResponseStatus`); 0 means no response.
pub const EDGE_STATUS: &str = "edge_status";
/// Status the origin returned to the edge (`OriginResponseStatus`, nginx `$upstream_status`, or
/// derived from a CDN's result type). 0: recorded, and the origin gave no response (not asked, or
/// unreachable): the edge generated the response. Null: the log does not record it (a plain
/// access log), so the tier that generated an error is unknown.
pub const ORIGIN_STATUS: &str = "origin_status";
/// Bytes sent to the client (`EdgeResponseBytes`).
pub const BYTES: &str = "bytes";
/// Edge time to first byte, ms (`EdgeTimeToFirstByteMs`).
pub const TTFB_MS: &str = "ttfb_ms";
/// Total duration of the request at the edge, ms (end - start when both are known).
pub const DURATION_MS: &str = "duration_ms";
/// Time the origin took to respond, ms (`OriginResponseDurationMs`).
pub const ORIGIN_DURATION_MS: &str = "origin_duration_ms";
/// Client–edge TCP round-trip time, ms (`ClientTCPRTTMs`): rules the network out of a rise in
/// edge-added latency.
pub const CLIENT_RTT_MS: &str = "client_rtt_ms";
/// Bot score, 1–99, 0 when not computed (`BotScore`).
pub const BOT_SCORE: &str = "bot_score";
/// What computed the bot score (`BotScoreSrc`: `Machine Learning`, `Heuristics`, `Not Computed`, ...).
pub const BOT_SCORE_SRC: &str = "bot_score_src";
/// Cache status (`CacheCacheStatus`: hit, miss, dynamic, ...).
pub const CACHE_STATUS: &str = "cache_status";
/// TLS protocol between client and edge (`ClientSSLProtocol`), `none` for plain HTTP.
pub const TLS_PROTOCOL: &str = "tls_protocol";
/// HTTP protocol between client and edge (`ClientRequestProtocol`).
pub const HTTP_PROTOCOL: &str = "http_protocol";
/// Vendor request id (`RayID`); also the de-duplication key.
pub const REQUEST_ID: &str = "request_id";
/// Client IP address (`ClientIP`).
pub const CLIENT_IP: &str = "client_ip";
/// Client user agent (`ClientRequestUserAgent`).
pub const USER_AGENT: &str = "user_agent";
/// Zone (site) the request belongs to (`ZoneName`).
pub const ZONE: &str = "zone";
/// Origin IP the edge connected to (`OriginIP`).
pub const ORIGIN_IP: &str = "origin_ip";
/// Response content type sent to the client (`EdgeResponseContentType`).
pub const CONTENT_TYPE: &str = "content_type";
/// Security action taken by the edge (`SecurityAction`, else `WAFAction`), e.g. `block`.
pub const SECURITY_ACTION: &str = "security_action";
/// Security products that acted on the request (`SecuritySources`, comma-separated).
pub const SECURITY_SOURCES: &str = "security_sources";
/// Id of the security rule that decided the request (`SecurityRuleID`).
pub const SECURITY_RULE_ID: &str = "security_rule_id";
/// The Worker script that ran on the request (`WorkerScriptName`); null when none ran.
pub const WORKER_SCRIPT: &str = "worker_script";
/// The client's autonomous system number (`ClientASN`).
pub const CLIENT_ASN: &str = "client_asn";
/// Vendor error or result detail, kept as the vendor's evidence: CloudFront's detailed result
/// type of an `Error` (`OriginConnectError`), Akamai's `errorCode`, Fastly's error reason, nginx
/// `upstream_no_response`; null for Logpush, which has no such field.
pub const ERROR: &str = "error";
/// Whether the format recorded that the edge could not get a response from the origin (typed
/// evidence set while parsing: CloudFront's origin result types, Akamai's connection and DNS
/// error codes, Fastly's backend timeouts and refusals, nginx's `upstream_no_response`); the
/// `origin_unreachable` signature reads it.
pub const ORIGIN_FAILURE: &str = "origin_failure";
/// Full request URL, secrets redacted (HAR and client logs; null for edge logs, whose `host` and
/// `path` carry it).
pub const URL: &str = "url";
/// HAR page (`pageref`) the entry belongs to.
pub const PAGE: &str = "page";
/// Where a redirect pointed (`location` header or HAR `redirectURL`), secrets redacted.
pub const REDIRECT_URL: &str = "redirect_url";
/// The `server` response header (`cloudflare`, `nginx`, ...), as the client saw it.
pub const SERVER: &str = "server";
/// A bounded prefix of the response body (a CDN's error page is evidence), secrets redacted.
pub const BODY: &str = "body";
/// A client log record's message (its first line, or the error text), bounded and redacted.
pub const MESSAGE: &str = "message";
/// 0-based index of a HAR entry in its archive's `log.entries` (null for other sources).
pub const ENTRY: &str = "entry";
/// Input file the event came from (`-` for stdin).
pub const SOURCE_FILE: &str = "source_file";
/// 1-based line of the event in its (decompressed) input file.
pub const SOURCE_LINE: &str = "source_line";

/// The canonical dtype of a nanosecond UTC timestamp column.
pub fn time_dtype() -> DataType {
    DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
}

/// The canonical event schema, in column order.
pub fn event_schema() -> Schema {
    let s = || DataType::String;
    let cols: [(&str, DataType); 44] = [
        (TIME, time_dtype()),
        (END_TIME, time_dtype()),
        (SOURCE_KIND, s()),
        (PROVIDER, s()),
        (SOURCE_FORMAT, s()),
        (POP, s()),
        (CLIENT_COUNTRY, s()),
        (HOST, s()),
        (METHOD, s()),
        (PATH, s()),
        (EDGE_STATUS, DataType::UInt16),
        (ORIGIN_STATUS, DataType::UInt16),
        (BYTES, DataType::UInt64),
        (TTFB_MS, DataType::UInt32),
        (DURATION_MS, DataType::UInt32),
        (ORIGIN_DURATION_MS, DataType::UInt32),
        (CLIENT_RTT_MS, DataType::UInt32),
        (BOT_SCORE, DataType::UInt16),
        (BOT_SCORE_SRC, s()),
        (CACHE_STATUS, s()),
        (TLS_PROTOCOL, s()),
        (HTTP_PROTOCOL, s()),
        (REQUEST_ID, s()),
        (CLIENT_IP, s()),
        (USER_AGENT, s()),
        (ZONE, s()),
        (ORIGIN_IP, s()),
        (CONTENT_TYPE, s()),
        (SECURITY_ACTION, s()),
        (SECURITY_SOURCES, s()),
        (SECURITY_RULE_ID, s()),
        (WORKER_SCRIPT, s()),
        (CLIENT_ASN, DataType::UInt32),
        (ERROR, s()),
        (ORIGIN_FAILURE, DataType::Boolean),
        (URL, s()),
        (PAGE, s()),
        (REDIRECT_URL, s()),
        (SERVER, s()),
        (BODY, s()),
        (MESSAGE, s()),
        (SOURCE_FILE, s()),
        (SOURCE_LINE, DataType::UInt64),
        (ENTRY, DataType::UInt64),
    ];
    cols.into_iter().map(|(n, d)| Field::new(n.into(), d)).collect()
}
