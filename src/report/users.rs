//! The "what users saw" section: the user-side events (HAR entries, client log records) of a
//! classified frame, their signatures, the edge's verdict on each from the join, and where each
//! failure falls on the timeline. Computed here so the writers only lay it out.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Serialize;

use crate::frame::{str_values as strs, u64_values as u64s};
use crate::join::{FileSkew, Join, JoinedBy, PopShare};
use crate::schema as s;
use crate::signatures::{Signature, SIGNATURE};
use crate::timeline::Timeline;
use crate::vocab::time::Timestamp;

/// How many failures the section lists.
const EXAMPLES: usize = 25;

/// One signature's count among user-side events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureCount {
    /// Signature id.
    pub id: String,
    /// Events.
    pub events: u64,
    /// Who it blames by itself (`edge`, `origin`, `client`, `unknown`, `policy`).
    pub blame: String,
    /// Of which the edge's verdict explains.
    pub explained_by_edge: u64,
}

/// One user-visible failure, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// Time as the user's clock said, RFC 3339 (none for a record without a time).
    pub time: Option<String>,
    /// `file:line` or `file entry N`.
    pub place: String,
    /// Signature id.
    pub signature: String,
    /// What decided it.
    pub evidence: String,
    /// The edge's verdict: its signature for the request or host, `healthy`, or none when no
    /// edge event matched.
    pub edge_verdict: Option<String>,
    /// How it was matched.
    pub joined_by: Option<String>,
    /// The incident whose window holds it (after correcting the user's clock).
    pub incident: Option<String>,
}

/// The section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsersSection {
    /// User-side events.
    pub events: u64,
    /// Of which with a signature.
    pub failures: u64,
    /// Failures matched to edge events.
    pub matched: u64,
    /// Failures the edge's verdict explains.
    pub explained_by_edge: u64,
    /// Failures inside an incident's window.
    pub during_incidents: u64,
    /// Per signature, most frequent first.
    pub signatures: Vec<SignatureCount>,
    /// Per data center.
    pub pops: Vec<PopShare>,
    /// Each source's clock skew.
    pub clock_skews: Vec<FileSkew>,
    /// First user-visible failure of an incident that the edge explains minus the first
    /// incident's onset, seconds (clocks corrected; without an incident, the join's gap to the
    /// edge's first error).
    pub detection_gap_s: Option<f64>,
    /// The first failures in time (clocks corrected), those inside an incident first.
    pub examples: Vec<Failure>,
    /// Failures not listed.
    pub more: u64,
}

/// One failure's row: where it is (file and entry or line), when (the user's clock), what, the
/// edge's verdict and the incident it falls in.
fn failure(
    file: String,
    (entry, line): (Option<u64>, Option<u64>),
    time: Option<i64>,
    signature: String,
    evidence: String,
    verdict: Option<&crate::join::Verdict>,
    incident: Option<String>,
) -> Failure {
    let place = match (entry, line) {
        (Some(e), _) => format!("{file} entry {e}"),
        (None, Some(l)) => format!("{file}:{l}"),
        _ => file,
    };
    Failure {
        time: time.and_then(crate::rates::output::rfc3339),
        place,
        signature,
        evidence,
        edge_verdict: verdict.map(|v| v.edge_signature.clone().unwrap_or_else(|| "healthy".to_string())),
        joined_by: verdict.map(|v| {
            match v.joined_by {
                JoinedBy::RequestId => "request id",
                JoinedBy::HostAndTime => "host and time",
            }
            .to_string()
        }),
        incident,
    }
}

/// Failures and those the edge explains, per signature, most failures first.
fn signature_counts(counts: BTreeMap<String, (u64, u64)>) -> Vec<SignatureCount> {
    let mut signatures: Vec<SignatureCount> = counts
        .into_iter()
        .map(|(id, (events, explained_by_edge))| {
            let blame = Signature::from_id(&id).map_or("unknown", |s| s.info().blame.id());
            SignatureCount { id, events, blame: blame.to_string(), explained_by_edge }
        })
        .collect();
    signatures.sort_by(|a, b| b.events.cmp(&a.events).then(a.id.cmp(&b.id)));
    signatures
}

/// Builds the section from a classified frame, its join and the timeline; `None` when the frame
/// holds no user-side event.
pub fn build(df: &DataFrame, join: &Join, timeline: &Timeline) -> crate::Result<Option<UsersSection>> {
    let kind = strs(df, s::SOURCE_KIND);
    let user: Vec<usize> = (0..df.height())
        .filter(|i| crate::vocab::source::SourceKind::user_side_id(kind.get(*i).and_then(Option::as_deref)))
        .collect();
    if user.is_empty() {
        return Ok(None);
    }
    let time: Vec<Option<i64>> = df.column(s::TIME)?.datetime()?.physical().iter().collect();
    let (file, sig, ev) = (strs(df, s::SOURCE_FILE), strs(df, SIGNATURE), strs(df, crate::signatures::EVIDENCE));
    let (line, entry) = (u64s(df, s::SOURCE_LINE), u64s(df, s::ENTRY));
    let verdicts: BTreeMap<usize, &crate::join::Verdict> = join.verdicts.iter().map(|v| (v.row, v)).collect();
    let skew: BTreeMap<&str, i64> =
        join.clock_skews.iter().map(|k| (k.file.as_str(), (k.skew_s * 1e9).round() as i64)).collect();
    let windows: Vec<(String, i64, i64)> = timeline
        .incidents
        .iter()
        .filter_map(|i| Some((i.id.clone(), i.onset.map(Timestamp::ns)?, i.recovery.map_or(i64::MAX, Timestamp::ns))))
        .collect();
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut failures: Vec<(Option<i64>, Failure)> = Vec::new();
    let (mut matched, mut explained, mut during) = (0u64, 0u64, 0u64);
    let mut first_explained: Option<(i64, i64)> = None;
    for &i in &user {
        let Some(id) = sig.get(i).cloned().flatten() else { continue };
        let v = verdicts.get(&i);
        matched += u64::from(v.is_some());
        let ex = v.is_some_and(|v| v.explained_by_edge);
        explained += u64::from(ex);
        let c = counts.entry(id.clone()).or_default();
        c.0 += 1;
        c.1 += u64::from(ex);
        let f = file.get(i).cloned().flatten().unwrap_or_default();
        let t = time.get(i).copied().flatten();
        let true_t = t.map(|t| t.saturating_sub(skew.get(f.as_str()).copied().unwrap_or(0)));
        let window = true_t.and_then(|t| windows.iter().find(|w| w.1 <= t && t <= w.2));
        let incident = window.map(|w| w.0.clone());
        // The gap is measured from the onset of the incident the failure falls in.
        if let (true, Some(t), Some(w)) = (ex, true_t, window) {
            if first_explained.is_none_or(|(f, _)| t < f) {
                first_explained = Some((t, w.1));
            }
        }
        during += u64::from(incident.is_some());
        let at = (entry.get(i).copied().flatten(), line.get(i).copied().flatten());
        let evidence = ev.get(i).cloned().flatten().unwrap_or_default();
        failures.push((true_t, failure(f, at, t, id, evidence, v.copied(), incident)));
    }
    // Those inside an incident first, each group in time order.
    failures.sort_by(|a, b| {
        (a.1.incident.is_none(), a.0.unwrap_or(i64::MAX), &a.1.place).cmp(&(
            b.1.incident.is_none(),
            b.0.unwrap_or(i64::MAX),
            &b.1.place,
        ))
    });
    let total = failures.len() as u64;
    let signatures = signature_counts(counts);
    Ok(Some(UsersSection {
        events: user.len() as u64,
        failures: total,
        matched,
        explained_by_edge: explained,
        during_incidents: during,
        signatures,
        pops: join.pops.clone(),
        clock_skews: join.clock_skews.clone(),
        detection_gap_s: match first_explained {
            Some((u, onset)) => Some(u.saturating_sub(onset) as f64 / 1e9),
            None => join.detection_gap_s,
        },
        more: total.saturating_sub(EXAMPLES as u64),
        examples: failures.into_iter().take(EXAMPLES).map(|(_, f)| f).collect(),
    }))
}
