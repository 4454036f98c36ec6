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
