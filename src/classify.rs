//! Per-event classification output: one row per event with where it came from, what it was and
//! which signature (if any) it carries, with the evidence. Rows are read from a classified event
//! frame ([`crate::signatures::classify`]); writers only render them.

use polars::prelude::*;
use serde::Serialize;

use crate::frame::{str_values as strs, u64_values as u64s};
use crate::schema as s;
use crate::signatures::{BLAME, CONFIDENCE, EVIDENCE, SIGNATURE};

/// One classified event.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Row {
    /// Input file.
    pub file: String,
    /// 1-based line where the record starts (line-oriented sources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 0-based HAR entry index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<u64>,
    /// Event time, RFC 3339 UTC (null when the record had none).
    pub time: Option<String>,
    /// `cdn`, `server`, `har` or `client`.
    pub source_kind: Option<String>,
    /// Data center.
    pub pop: Option<String>,
    /// Host.
    pub host: Option<String>,
    /// HTTP status seen by the client (the edge's status for edge logs).
    pub status: Option<u16>,
    /// Request id.
    pub request_id: Option<String>,
    /// Signature id, null when healthy.
    pub signature: Option<String>,
    /// The field or text that decided it.
    pub evidence: Option<String>,
    /// The tier a failure blames (`edge`, `origin`, `client`, `policy`, `unknown`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blame: Option<String>,
    /// How sure the evidence makes the reading (`strong`, `moderate`, `weak`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    /// For a user-side failure matched to edge events: the edge's signature for it (null when
    /// the edge saw it healthy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge_verdict: Option<Option<String>>,
    /// How the failure was matched to the edge (`request_id`, `host_and_time`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined_by: Option<crate::join::JoinedBy>,
}

/// The rows of a classified event frame, with the edge's verdicts from a join when given.
pub fn rows(df: &DataFrame, join: Option<&crate::join::Join>) -> crate::Result<Vec<Row>> {
    let verdicts: std::collections::HashMap<usize, &crate::join::Verdict> =
        join.map(|j| j.verdicts.iter().map(|v| (v.row, v)).collect()).unwrap_or_default();
    let time: Vec<Option<i64>> = df.column(s::TIME)?.datetime()?.physical().iter().collect();
    let status: Vec<Option<u16>> = df.column(s::EDGE_STATUS)?.u16()?.iter().collect();
    let (file, kind, pop, host, rid, sig, ev) = (
        strs(df, s::SOURCE_FILE),
        strs(df, s::SOURCE_KIND),
        strs(df, s::POP),
        strs(df, s::HOST),
        strs(df, s::REQUEST_ID),
        strs(df, SIGNATURE),
        strs(df, EVIDENCE),
    );
    let (line, entry) = (u64s(df, s::SOURCE_LINE), u64s(df, s::ENTRY));
    let (blame, sure) = (strs(df, BLAME), strs(df, CONFIDENCE));
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let get = |v: &Vec<Option<String>>| v.get(i).cloned().flatten();
        let entry = entry.get(i).copied().flatten();
        out.push(Row {
            file: get(&file).unwrap_or_default(),
            line: if entry.is_some() { None } else { line.get(i).copied().flatten() },
            entry,
            time: time.get(i).copied().flatten().and_then(crate::rates::output::rfc3339),
            source_kind: get(&kind),
            pop: get(&pop),
            host: get(&host),
            status: status.get(i).copied().flatten(),
            request_id: get(&rid),
            signature: get(&sig),
            evidence: get(&ev),
            blame: get(&blame),
            confidence: get(&sure),
            edge_verdict: verdicts.get(&i).map(|v| v.edge_signature.clone()),
            joined_by: verdicts.get(&i).map(|v| v.joined_by),
        });
    }
    Ok(out)
}

/// Classified rows as a frame, with the columns of their JSON lines (`blastradius classify`) in
/// the order of [`Row`]'s fields: `line`, `entry`, `blame`, `confidence`, `edge_verdict` and
/// `joined_by` only when some row has them. `time` is a UTC datetime (ns) of the row's time as
/// written (to the millisecond), `line`, `entry` and `status` are 64-bit integers, the others
/// strings.
pub fn frame(rows: &[Row]) -> crate::Result<DataFrame> {
    let text = |f: fn(&Row) -> Option<&str>| -> StringChunked { rows.iter().map(f).collect() };
    let int = |f: fn(&Row) -> Option<i64>| -> Int64Chunked { rows.iter().map(f).collect() };
    let time: Int64Chunked =
        rows.iter().map(|r| r.time.as_deref().and_then(|t| crate::formats::time::parse_str(t).ok())).collect();
    let time = time.with_name("time".into()).into_datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC));
    let mut cols: Vec<Column> = vec![text(|r| Some(r.file.as_str())).with_name("file".into()).into_column()];
    let has = |f: fn(&Row) -> bool| rows.iter().any(f);
    if has(|r| r.line.is_some()) {
        cols.push(int(|r| r.line.map(|v| v as i64)).with_name("line".into()).into_column());
    }
    if has(|r| r.entry.is_some()) {
        cols.push(int(|r| r.entry.map(|v| v as i64)).with_name("entry".into()).into_column());
    }
    cols.push(time.into_column());
    cols.push(text(|r| r.source_kind.as_deref()).with_name("source_kind".into()).into_column());
    cols.push(text(|r| r.pop.as_deref()).with_name("pop".into()).into_column());
    cols.push(text(|r| r.host.as_deref()).with_name("host".into()).into_column());
    cols.push(int(|r| r.status.map(i64::from)).with_name("status".into()).into_column());
    cols.push(text(|r| r.request_id.as_deref()).with_name("request_id".into()).into_column());
    cols.push(text(|r| r.signature.as_deref()).with_name(SIGNATURE.into()).into_column());
    cols.push(text(|r| r.evidence.as_deref()).with_name(EVIDENCE.into()).into_column());
    if has(|r| r.blame.is_some()) {
        cols.push(text(|r| r.blame.as_deref()).with_name(BLAME.into()).into_column());
    }
    if has(|r| r.confidence.is_some()) {
        cols.push(text(|r| r.confidence.as_deref()).with_name(CONFIDENCE.into()).into_column());
    }
    if has(|r| r.edge_verdict.is_some()) {
        cols.push(
            text(|r| r.edge_verdict.as_ref().and_then(Option::as_deref)).with_name("edge_verdict".into()).into_column(),
        );
    }
    if has(|r| r.joined_by.is_some()) {
        cols.push(text(|r| r.joined_by.map(crate::join::JoinedBy::id)).with_name("joined_by".into()).into_column());
    }
    Ok(DataFrame::new(rows.len(), cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Row {
        Row {
            file: "a.log".into(),
            line: Some(3),
            entry: None,
            time: Some("2025-11-18T11:20:00.123Z".into()),
            source_kind: Some("cdn".into()),
            pop: Some("FRA".into()),
            host: None,
            status: Some(502),
            request_id: None,
            signature: Some("edge_502".into()),
            evidence: Some("edge_status 502".into()),
            blame: None,
            confidence: None,
            edge_verdict: Some(None),
            joined_by: Some(crate::join::JoinedBy::HostAndTime),
        }
    }

    #[test]
    fn the_frame_has_the_columns_of_the_json_lines() {
        let r = row();
        let df = frame(std::slice::from_ref(&r)).unwrap();
        let json = serde_json::to_value(&r).unwrap();
        let mut want: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut got: Vec<&str> = df.get_column_names().iter().map(|c| c.as_str()).collect();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want);
        let time = df.column("time").unwrap().datetime().unwrap().physical().get(0);
        assert_eq!(time, Some(1_763_464_800_123_000_000));
        assert_eq!(df.column("status").unwrap().i64().unwrap().get(0), Some(502));
        assert_eq!(df.column("joined_by").unwrap().str().unwrap().get(0), json["joined_by"].as_str());
        assert_eq!(df.column("edge_verdict").unwrap().str().unwrap().get(0), None);
    }

    #[test]
    fn no_rows_make_an_empty_frame() {
        let df = frame(&[]).unwrap();
        assert_eq!(df.height(), 0);
        assert!(df.get_column_names().iter().all(|c| !["line", "entry", "blame", "joined_by"].contains(&c.as_str())));
    }
}
