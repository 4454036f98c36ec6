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
