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

/// Joins the user-side failures of a classified frame to its edge events.
pub fn join(df: &DataFrame, p: JoinParams) -> crate::Result<Join> {
    let n = df.height();
    let time: Vec<Option<i64>> = df.column(s::TIME)?.datetime()?.physical().iter().collect();
    let (kind, rid, host, pop, sig) =
        (strs(df, s::SOURCE_KIND), strs(df, s::REQUEST_ID), strs(df, s::HOST), strs(df, s::POP), strs(df, SIGNATURE));
    let user = |i: usize| crate::vocab::source::SourceKind::user_side_id(get(&kind, i));
    let failures: Vec<usize> = (0..n).filter(|i| user(*i) && get(&sig, *i).is_some()).collect();
    // Edge rows for the ids and hosts the failures name.
    // Every user-side request id: healthy matches tell a clock's offset too.
    let want_ids: HashSet<&str> = (0..n).filter(|i| user(*i)).filter_map(|i| get(&rid, i)).collect();
    let want_hosts: HashSet<&str> = failures.iter().filter_map(|i| get(&host, *i)).collect();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut by_host: HashMap<&str, Vec<(i64, Option<&str>)>> = HashMap::new();
    let mut first_edge_error: Option<i64> = None;
    for i in (0..n).filter(|i| !user(*i)) {
        let t = time.get(i).copied().flatten();
        let blamed = edge_blamed(get(&sig, i));
        if blamed {
            if let Some(t) = t {
                first_edge_error = Some(first_edge_error.map_or(t, |f| f.min(t)));
            }
        }
        if let Some(r) = get(&rid, i).filter(|r| want_ids.contains(r)) {
            by_id.entry(r).or_insert(i);
        }
        if let (Some(h), Some(t)) = (get(&host, i).filter(|h| want_hosts.contains(h)), t) {
            by_host.entry(h).or_default().push((t, get(&sig, i).filter(|_| blamed)));
        }
    }
    for v in by_host.values_mut() {
        v.sort_unstable_by_key(|x| x.0);
    }
    // Clock skew per file from id matches.
    let file = strs(df, s::SOURCE_FILE);
    let mut offsets: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for i in (0..n).filter(|i| user(*i)) {
        let Some(e) = get(&rid, i).and_then(|r| by_id.get(r)) else { continue };
        if let (Some(u), Some(t), Some(f)) =
            (time.get(i).copied().flatten(), time.get(*e).copied().flatten(), get(&file, i))
        {
            offsets.entry(f).or_default().push(u.saturating_sub(t));
        }
    }
    let mut skews: HashMap<&str, i64> = HashMap::new();
    let mut clock_skews = Vec::new();
    for (f, mut v) in offsets {
        if let Some(m) = median(&mut v) {
            skews.insert(f, m);
            clock_skews.push(FileSkew { file: f.to_string(), skew_s: m as f64 / 1e9, pairs: v.len() as u64 });
        }
    }
    let skew_of = |i: usize| get(&file, i).and_then(|f| skews.get(f)).copied();
    let mut verdicts = Vec::new();
    let mut pops: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut first_user: Option<i64> = None;
    for &i in &failures {
        let ut = time.get(i).copied().flatten().map(|t| t.saturating_sub(skew_of(i).unwrap_or(0)));
        // The client's own failures (its trust store, its resolver) are never the edge's.
        let client_side = get(&sig, i).and_then(Signature::from_id).is_some_and(|s| s.info().blame == Blame::Client);
        let verdict = if let Some(&e) = get(&rid, i).and_then(|r| by_id.get(r)) {
            let es = get(&sig, e).map(str::to_string);
            Some(Verdict {
                row: i,
                joined_by: JoinedBy::RequestId,
                explained_by_edge: !client_side && edge_blamed(es.as_deref()),
                edge_signature: es,
                pop: get(&pop, e).or(get(&pop, i)).map(str::to_string),
                edge_events: 1,
            })
        } else if let (Some(h), Some(t)) = (get(&host, i), ut) {
            by_host.get(h).and_then(|events| {
                let lo = events.partition_point(|x| x.0 < t.saturating_sub(p.window_ns));
                let hi = events.partition_point(|x| x.0 <= t.saturating_add(p.window_ns));
                let window = events.get(lo..hi)?;
                if window.is_empty() {
                    return None;
                }
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for s in window.iter().filter_map(|x| x.1) {
                    *counts.entry(s).or_default() += 1;
                }
                let blamed: usize = counts.values().sum();
                let share = blamed as f64 / window.len() as f64;
                let explained = !client_side && blamed >= 2 && share >= p.min_edge_share;
                let dominant = counts.into_iter().max_by_key(|(s, c)| (*c, std::cmp::Reverse(*s))).map(|(s, _)| s);
                Some(Verdict {
                    row: i,
                    joined_by: JoinedBy::HostAndTime,
                    edge_signature: if explained { dominant.map(str::to_string) } else { None },
                    explained_by_edge: explained,
                    pop: get(&pop, i).map(str::to_string),
                    edge_events: window.len() as u64,
                })
            })
        } else {
            None
        };
        if let (Some(t), true) = (ut, verdict.as_ref().is_some_and(|v| v.explained_by_edge)) {
            first_user = Some(first_user.map_or(t, |f| f.min(t)));
        }
        let pop_of = verdict.as_ref().and_then(|v| v.pop.clone()).or_else(|| get(&pop, i).map(str::to_string));
        if let Some(pp) = pop_of {
            let e = pops.entry(pp).or_default();
            e.0 += 1;
            e.1 += u64::from(verdict.as_ref().is_some_and(|v| v.explained_by_edge));
        }
        if let Some(v) = verdict {
            verdicts.push(v);
        }
    }
    let to_s = |ns: i64| ns as f64 / 1e9;
    Ok(Join {
        user_failures: failures.len() as u64,
        verdicts,
        clock_skews,
        detection_gap_s: match (first_user, first_edge_error) {
            (Some(u), Some(e)) => Some(to_s(u.saturating_sub(e))),
            _ => None,
        },
        pops: pops
            .into_iter()
            .map(|(pop, (user_failures, explained_by_edge))| PopShare { pop, user_failures, explained_by_edge })
            .collect(),
    })
}
