//! The event frame's columns as the fields of an [`Event`]: the one list of string columns the
//! frame writer and the frame reader share, and the readers of a frame's columns by value. A leaf:
//! it knows the schema and the event, not how frames are read or written.

use std::borrow::Cow;

use polars::prelude::*;

use crate::event::Event;
use crate::schema as s;

/// The string columns of the frame and the [`Event`] field each is filled from, listed once:
/// they give the column names in order, the fields read when a frame is written, and the fields
/// set when a frame is read back ([`crate::ingest::cached`]).
macro_rules! string_columns {
    ($($col:ident => $field:ident),* $(,)?) => {
        /// How many string columns there are.
        pub(crate) const STR_COUNT: usize = [$(stringify!($col)),*].len();

        /// The string columns, in the frame's order.
        pub(crate) const STR_COLS: [&str; STR_COUNT] = [$(s::$col),*];

        /// The event's string fields, in the order of [`STR_COLS`], to be written.
        pub(crate) fn str_fields<'e>(ev: &'e Event<'_>) -> [Option<&'e str>; STR_COUNT] {
            [$(ev.$field.as_deref()),*]
        }

        /// The event's string fields, in the order of [`STR_COLS`], to be set.
        pub(crate) fn str_slots<'e, 'a>(ev: &'e mut Event<'a>) -> [&'e mut Option<Cow<'a, str>>; STR_COUNT] {
            [$(&mut ev.$field),*]
        }
    };
}

string_columns! {
    POP => pop,
    CLIENT_COUNTRY => client_country,
    HOST => host,
    METHOD => method,
    PATH => path,
    CACHE_STATUS => cache_status,
    TLS_PROTOCOL => tls_protocol,
    HTTP_PROTOCOL => http_protocol,
    REQUEST_ID => request_id,
    CLIENT_IP => client_ip,
    USER_AGENT => user_agent,
    ZONE => zone,
    ORIGIN_IP => origin_ip,
    CONTENT_TYPE => content_type,
    SECURITY_ACTION => security_action,
    ERROR => error,
    BOT_SCORE_SRC => bot_score_src,
    SECURITY_SOURCES => security_sources,
    SECURITY_RULE_ID => security_rule_id,
    WORKER_SCRIPT => worker_script,
    URL => url,
    PAGE => page,
    REDIRECT_URL => redirect_url,
    SERVER => server,
    BODY => body,
    MESSAGE => message,
}

/// The values of a string column, one per row (all `None` when the frame lacks the column).
pub fn str_values(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    // A categorical or view column from a notebook reads as its strings.
    let col = df.column(name).ok().and_then(|c| c.cast(&DataType::String).ok());
    match col.as_ref().and_then(|c| c.str().ok()) {
        Some(ca) => ca.iter().map(|v| v.map(str::to_string)).collect(),
        None => vec![None; df.height()],
    }
}

/// Whether each row's format recorded an origin failure ([`s::ORIGIN_FAILURE`]); a frame written
/// before that column existed has it derived from the vendor's `error` detail, as its format would
/// have recorded it ([`crate::formats::origin_failure`]).
pub fn origin_failures(df: &DataFrame) -> Vec<bool> {
    if let Some(ca) = df.column(s::ORIGIN_FAILURE).ok().and_then(|c| c.bool().ok()) {
        return ca.iter().map(|v| v.unwrap_or(false)).collect();
    }
    str_values(df, s::ERROR).iter().map(|e| e.as_deref().is_some_and(crate::formats::origin_failure)).collect()
}

/// The values of a `u64` column, one per row (all `None` when the frame lacks the column).
pub fn u64_values(df: &DataFrame, name: &str) -> Vec<Option<u64>> {
    match df.column(name).ok().and_then(|c| c.u64().ok()) {
        Some(ca) => ca.iter().collect(),
        None => vec![None; df.height()],
    }
}

/// The columns of an event frame typed once, to read its rows back as [`Event`]s. Columns the
/// frame lacks read as absent fields; numeric and time columns of another type (a notebook's
/// `Int64` status, a microsecond time) are cast.
pub struct EventRows<'a> {
    time: Int64Chunked,
    end: Option<Int64Chunked>,
    source_file: Option<&'a StringChunked>,
    source_format: Option<&'a StringChunked>,
    source_line: Option<UInt64Chunked>,
    strs: Vec<Option<StringChunked>>,
    u16s: [Option<UInt16Chunked>; 3],
    bytes: Option<UInt64Chunked>,
    u32s: [Option<UInt32Chunked>; 5],
    /// [`s::ORIGIN_FAILURE`], read or (in an older frame) derived from the vendor's detail.
    failure: Vec<bool>,
}

/// A time column as nanoseconds since the epoch, if the frame has it.
fn times(df: &DataFrame, name: &str) -> PolarsResult<Option<Int64Chunked>> {
    match df.column(name) {
        Ok(c) => Ok(Some(c.cast(&DataType::Datetime(TimeUnit::Nanoseconds, None))?.datetime()?.physical().clone())),
        Err(_) => Ok(None),
    }
}

impl<'a> EventRows<'a> {
    /// Reads the columns of `df` (which must have a `time` column).
    pub fn new(df: &'a DataFrame) -> crate::Result<Self> {
        let time = times(df, s::TIME)?.ok_or_else(|| crate::Error::Invalid("no `time` column".to_string()))?;
        let cast = |name: &str, to: &DataType| df.column(name).ok().and_then(|c| c.cast(to).ok());
        let u16 = |name: &str| cast(name, &DataType::UInt16).and_then(|c| c.u16().ok().cloned());
        let u32 = |name: &str| cast(name, &DataType::UInt32).and_then(|c| c.u32().ok().cloned());
        let u64 = |name: &str| cast(name, &DataType::UInt64).and_then(|c| c.u64().ok().cloned());
        let text = |name: &str| df.column(name).ok().and_then(|c| c.str().ok());
        // A categorical or view column from a notebook reads as its strings.
        let strings = |name: &str| match df.column(name) {
            Ok(c) if c.dtype() == &DataType::String => c.str().ok().cloned(),
            Ok(c) => c.cast(&DataType::String).ok().and_then(|c| c.str().ok().cloned()),
            Err(_) => None,
        };
        Ok(EventRows {
            time,
            end: times(df, s::END_TIME)?,
            source_file: text(s::SOURCE_FILE),
            source_format: text(s::SOURCE_FORMAT),
            source_line: u64(s::SOURCE_LINE),
            strs: STR_COLS.iter().map(|c| strings(c)).collect(),
            u16s: [u16(s::EDGE_STATUS), u16(s::ORIGIN_STATUS), u16(s::BOT_SCORE)],
            bytes: u64(s::BYTES),
            u32s: [
                u32(s::TTFB_MS),
                u32(s::DURATION_MS),
                u32(s::ORIGIN_DURATION_MS),
                u32(s::CLIENT_RTT_MS),
                u32(s::CLIENT_ASN),
            ],
            failure: origin_failures(df),
        })
    }

    /// Row `i`'s original file.
    pub fn file(&self, i: usize) -> Option<&'a str> {
        self.source_file.and_then(|c| c.get(i))
    }

    /// Row `i`'s format id.
    pub fn format(&self, i: usize) -> Option<&'a str> {
        self.source_format.and_then(|c| c.get(i))
    }

    /// Row `i` as the event it was parsed as.
    pub fn event(&self, i: usize) -> Event<'_> {
        let u16 = |k: usize| self.u16s.get(k).and_then(Option::as_ref).and_then(|c| c.get(i));
        let u32 = |k: usize| self.u32s.get(k).and_then(Option::as_ref).and_then(|c| c.get(i));
        let time = self.time.get(i);
        let mut ev = Event {
            time_ns: time.unwrap_or(0),
            time_unknown: time.is_none(),
            line: self.source_line.as_ref().and_then(|c| c.get(i)),
            end_ns: self.end.as_ref().and_then(|c| c.get(i)),
            edge_status: u16(0),
            origin_status: u16(1),
            bot_score: u16(2).and_then(|v| u8::try_from(v).ok()),
            bytes: self.bytes.as_ref().and_then(|c| c.get(i)),
            ttfb_ms: u32(0),
            duration_ms: u32(1),
            origin_duration_ms: u32(2),
            client_rtt_ms: u32(3),
            client_asn: u32(4),
            origin_failure: self.failure.get(i).copied().unwrap_or(false),
            ..Event::default()
        };
        for (k, slot) in str_slots(&mut ev).into_iter().enumerate() {
            *slot = self.strs.get(k).and_then(Option::as_ref).and_then(|c| c.get(i)).map(Cow::Borrowed);
        }
        ev
    }
}
