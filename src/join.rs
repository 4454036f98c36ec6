//! Joining what users saw to what the edge logged.
//!
//! A user-side failure (a classified HAR entry or client record) is matched to edge events:
//! first by request id (a `cf-ray` is the edge line's `RayID`; its suffix names the data
//! center), else by host and time (edge events on the same host within a window, after
//! correcting the user's clock). The match gives the edge's verdict on that request or moment.
//! Clock skew, per user-side file, is the median offset of its id-matched pairs (client clocks
//! are wrong, each its own way); the
//! detection gap is how long after the edge's first error the first user saw one.
//!
//! A pure function of a classified frame ([`crate::signatures::classify`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use polars::prelude::*;
use serde::Serialize;

use crate::frame::str_values as strs;
use crate::schema as s;
use crate::signatures::{Blame, Signature, SIGNATURE};

/// How a user-side failure was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinedBy {
    /// The same request id (Ray ID) at the edge.
    RequestId,
    /// Edge events on the same host around the same time.
    HostAndTime,
}

impl JoinedBy {
    /// The id written for it in JSON.
    pub fn id(self) -> &'static str {
        match self {
            JoinedBy::RequestId => "request_id",
            JoinedBy::HostAndTime => "host_and_time",
        }
    }
}

/// The edge's verdict on one user-side failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Row of the user-side event in the frame.
    pub row: usize,
    /// How it was matched.
    pub joined_by: JoinedBy,
    /// The edge signature of the matched request, or the dominant edge signature on the host in
    /// the window; `None` when the edge saw the request (or the host) healthy.
    pub edge_signature: Option<String>,
    /// Whether the edge's verdict explains the failure (an edge-blamed signature).
    pub explained_by_edge: bool,
    /// Data center (from the Ray ID or the matched edge event).
    pub pop: Option<String>,
    /// Edge events the verdict rests on (1 for an id match).
    pub edge_events: u64,
}

/// Per data center: user-visible failures and how many the edge explains.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopShare {
    /// Data center.
    pub pop: String,
    /// User-side failures seen through it.
    pub user_failures: u64,
    /// Those the edge's verdict explains.
    pub explained_by_edge: u64,
}

/// The result of a join.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Join {
    /// User-side failures (events with a signature).
    pub user_failures: u64,
    /// Verdicts, one per matched failure.
    pub verdicts: Vec<Verdict>,
    /// Each user-side file's clock skew (its clocks are its own).
    pub clock_skews: Vec<FileSkew>,
    /// First user-visible failure the edge explains (skew-corrected) minus the edge's first
    /// edge-blamed error, seconds.
    pub detection_gap_s: Option<f64>,
    /// Per data center.
    pub pops: Vec<PopShare>,
}

/// The clock skew of one user-side source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileSkew {
    /// The file.
    pub file: String,
    /// Median of its time minus the edge's over its request-id matches, seconds.
    pub skew_s: f64,
    /// Request-id matches the estimate rests on.
    pub pairs: u64,
}

/// Join parameters.
#[derive(Debug, Clone, Copy)]
pub struct JoinParams {
    /// Half-width of the host-and-time window, ns.
    pub window_ns: i64,
    /// Share of edge-blamed errors among the host's edge events in the window from which the
    /// edge explains a failure (and at least two such errors).
    pub min_edge_share: f64,
}

impl Default for JoinParams {
    fn default() -> Self {
        JoinParams { window_ns: 60_000_000_000, min_edge_share: 0.05 }
    }
}

fn get(v: &[Option<String>], i: usize) -> Option<&str> {
    v.get(i).and_then(Option::as_deref)
}

fn edge_blamed(sig: Option<&str>) -> bool {
    sig.and_then(Signature::from_id).is_some_and(|s| s.info().blame == Blame::Edge)
}

fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

/// The columns the join reads, taken once from the frame.
struct Cols {
    time: Vec<Option<i64>>,
    kind: Vec<Option<String>>,
    rid: Vec<Option<String>>,
    host: Vec<Option<String>>,
    pop: Vec<Option<String>>,
    sig: Vec<Option<String>>,
    file: Vec<Option<String>>,
}

impl Cols {
    fn user(&self, i: usize) -> bool {
        crate::vocab::source::SourceKind::user_side_id(get(&self.kind, i))
    }
    fn time(&self, i: usize) -> Option<i64> {
        self.time.get(i).copied().flatten()
    }
}

/// The edge's events the failures may join to: by request id, and by host as (time, the
/// edge-blamed signature) sorted by time; and the edge's first error.
struct EdgeIndex<'a> {
    by_id: HashMap<&'a str, usize>,
    by_host: HashMap<&'a str, Vec<(i64, Option<&'a str>)>>,
    first_error: Option<i64>,
}

fn edge_index<'a>(c: &'a Cols, failures: &[usize]) -> EdgeIndex<'a> {
    let n = c.time.len();
    // Every user-side request id: healthy matches tell a clock's offset too.
    let want_ids: HashSet<&str> = (0..n).filter(|i| c.user(*i)).filter_map(|i| get(&c.rid, i)).collect();
    let want_hosts: HashSet<&str> = failures.iter().filter_map(|i| get(&c.host, *i)).collect();
    let mut x = EdgeIndex { by_id: HashMap::new(), by_host: HashMap::new(), first_error: None };
    for i in (0..n).filter(|i| !c.user(*i)) {
        let t = c.time(i);
        let blamed = edge_blamed(get(&c.sig, i));
        if let Some(t) = t.filter(|_| blamed) {
            x.first_error = Some(x.first_error.map_or(t, |f| f.min(t)));
        }
        if let Some(r) = get(&c.rid, i).filter(|r| want_ids.contains(r)) {
            x.by_id.entry(r).or_insert(i);
        }
        if let (Some(h), Some(t)) = (get(&c.host, i).filter(|h| want_hosts.contains(h)), t) {
            x.by_host.entry(h).or_default().push((t, get(&c.sig, i).filter(|_| blamed)));
        }
    }
    for v in x.by_host.values_mut() {
        v.sort_unstable_by_key(|e| e.0);
    }
    x
}

/// Each user-side file's clock skew: the median offset of its request-id matches.
fn clock_skews<'a>(c: &'a Cols, x: &EdgeIndex<'_>) -> (HashMap<&'a str, i64>, Vec<FileSkew>) {
    let mut offsets: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for i in (0..c.time.len()).filter(|i| c.user(*i)) {
        let Some(e) = get(&c.rid, i).and_then(|r| x.by_id.get(r)) else { continue };
        if let (Some(u), Some(t), Some(f)) = (c.time(i), c.time(*e), get(&c.file, i)) {
            offsets.entry(f).or_default().push(u.saturating_sub(t));
        }
    }
    let mut skews = HashMap::new();
    let mut out = Vec::new();
    for (f, mut v) in offsets {
        if let Some(m) = median(&mut v) {
            skews.insert(f, m);
            out.push(FileSkew { file: f.to_string(), skew_s: m as f64 / 1e9, pairs: v.len() as u64 });
        }
    }
    (skews, out)
}

/// A failure without a request-id match, joined to the edge's events for its host within the
/// window around its (clock-corrected) time: explained when enough of them are edge-blamed.
fn by_host_and_time(
    c: &Cols,
    x: &EdgeIndex<'_>,
    i: usize,
    t: i64,
    client_side: bool,
    p: JoinParams,
) -> Option<Verdict> {
    let events = x.by_host.get(get(&c.host, i)?)?;
    let lo = events.partition_point(|e| e.0 < t.saturating_sub(p.window_ns));
    let hi = events.partition_point(|e| e.0 <= t.saturating_add(p.window_ns));
    let window = events.get(lo..hi).filter(|w| !w.is_empty())?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in window.iter().filter_map(|e| e.1) {
        *counts.entry(s).or_default() += 1;
    }
    let blamed: usize = counts.values().sum();
    let share = blamed as f64 / window.len() as f64;
    let explained = !client_side && blamed >= 2 && share >= p.min_edge_share;
    let dominant = counts.into_iter().max_by_key(|(s, n)| (*n, std::cmp::Reverse(*s))).map(|(s, _)| s);
    Some(Verdict {
        row: i,
        joined_by: JoinedBy::HostAndTime,
        edge_signature: if explained { dominant.map(str::to_string) } else { None },
        explained_by_edge: explained,
        pop: get(&c.pop, i).map(str::to_string),
        edge_events: window.len() as u64,
    })
}

/// Joins the user-side failures of a classified frame to its edge events: by request id, else
/// by host and time after correcting each file's clock.
pub fn join(df: &DataFrame, p: JoinParams) -> crate::Result<Join> {
    let c = Cols {
        time: df.column(s::TIME)?.datetime()?.physical().iter().collect(),
        kind: strs(df, s::SOURCE_KIND),
        rid: strs(df, s::REQUEST_ID),
        host: strs(df, s::HOST),
        pop: strs(df, s::POP),
        sig: strs(df, SIGNATURE),
        file: strs(df, s::SOURCE_FILE),
    };
    let failures: Vec<usize> = (0..c.time.len()).filter(|i| c.user(*i) && get(&c.sig, *i).is_some()).collect();
    let x = edge_index(&c, &failures);
    let (skews, clock_skews) = clock_skews(&c, &x);
    let skew_of = |i: usize| get(&c.file, i).and_then(|f| skews.get(f)).copied();
    let mut verdicts = Vec::new();
    let mut pops: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut first_user: Option<i64> = None;
    for &i in &failures {
        let ut = c.time(i).map(|t| t.saturating_sub(skew_of(i).unwrap_or(0)));
        // The client's own failures (its trust store, its resolver) are never the edge's.
        let client_side = get(&c.sig, i).and_then(Signature::from_id).is_some_and(|s| s.info().blame == Blame::Client);
        let verdict = if let Some(&e) = get(&c.rid, i).and_then(|r| x.by_id.get(r)) {
            let es = get(&c.sig, e).map(str::to_string);
            Some(Verdict {
                row: i,
                joined_by: JoinedBy::RequestId,
                explained_by_edge: !client_side && edge_blamed(es.as_deref()),
                edge_signature: es,
                pop: get(&c.pop, e).or(get(&c.pop, i)).map(str::to_string),
                edge_events: 1,
            })
        } else {
            ut.and_then(|t| by_host_and_time(&c, &x, i, t, client_side, p))
        };
        let explained = verdict.as_ref().is_some_and(|v| v.explained_by_edge);
        if let Some(t) = ut.filter(|_| explained) {
            first_user = Some(first_user.map_or(t, |f| f.min(t)));
        }
        let pop_of = verdict.as_ref().and_then(|v| v.pop.clone()).or_else(|| get(&c.pop, i).map(str::to_string));
        if let Some(pp) = pop_of {
            let e = pops.entry(pp).or_default();
            e.0 += 1;
            e.1 += u64::from(explained);
        }
        verdicts.extend(verdict);
    }
    let to_s = |ns: i64| ns as f64 / 1e9;
    Ok(Join {
        user_failures: failures.len() as u64,
        verdicts,
        clock_skews,
        detection_gap_s: match (first_user, x.first_error) {
            (Some(u), Some(e)) => Some(to_s(u.saturating_sub(e))),
            _ => None,
        },
        pops: pops
            .into_iter()
            .map(|(pop, (user_failures, explained_by_edge))| PopShare { pop, user_failures, explained_by_edge })
            .collect(),
    })
}
