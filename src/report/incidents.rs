//! The incidents of a report: their summaries (the verdict) and the rows of the timeline table.

use std::collections::BTreeMap;

use serde::Serialize;

use super::common::ratio;
use crate::timeline::model::{Attribution, Incident, Scope};
use crate::timeline::Timeline;
use crate::vocab::time::Timestamp;

const NS: i64 = 1_000_000_000;

/// The headline of one incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentSummary {
    /// Incident id.
    pub id: String,
    /// Edge, origin or mixed.
    pub attribution: Attribution,
    /// Local, regional or global.
    pub scope: Scope,
    /// Onset.
    pub onset: Option<Timestamp>,
    /// Recovery.
    pub recovery: Option<Timestamp>,
    /// Recovery − onset, seconds.
    pub duration_seconds: Option<i64>,
    /// Affected POPs.
    pub pops: usize,
    /// Regions of the affected POPs.
    pub regions: Vec<String>,
    /// Epicenter POP(s).
    pub epicenter: Vec<String>,
    /// How the onsets lie, in words: the epicenter, a simultaneous push, or failing before the
    /// input starts.
    pub onset_shape: String,
    /// Hosts involved.
    pub hosts: Vec<String>,
    /// The signature with the most events in the incident.
    pub dominant_signature: Option<String>,
    /// Requests in the incident's window.
    pub requests: u64,
    /// Of which 5xx.
    pub errors: u64,
    /// `errors / requests`.
    pub error_rate: Option<f64>,
    /// Most flapping transitions at one POP.
    pub transitions: u32,
    /// Median flapping period, seconds.
    pub period_seconds: Option<f64>,
    /// Why this attribution.
    pub reason: String,
}

/// What happened at one moment of the timeline table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// An incident begins.
    IncidentBegins,
    /// POPs start failing.
    PopsAffected,
    /// POPs recover.
    PopsRecovered,
    /// An incident ends.
    IncidentEnds,
}

/// One row of the timeline table: POP onsets and recoveries within the same minute share a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Time of the first event of the row.
    pub time: Timestamp,
    /// What happened.
    pub kind: EntryKind,
    /// The incident (for incident rows).
    pub incident: Option<String>,
    /// Its attribution (for incident rows).
    pub attribution: Option<Attribution>,
    /// The POPs (epicenter for an incident's start).
    pub pops: Vec<String>,
    /// For affected POPs: seconds after the epicenter's onset of the first POP of the row.
    pub lag_seconds: Option<f64>,
}

/// The headline numbers of each incident.
pub fn summaries(timeline: &Timeline) -> Vec<IncidentSummary> {
    timeline.incidents.iter().map(summary).collect()
}

fn summary(i: &Incident) -> IncidentSummary {
    let duration_seconds = match (i.onset, i.recovery) {
        (Some(a), Some(b)) => Some((b.ns() - a.ns()).max(0) / NS),
        _ => None,
    };
    let dominant_signature = i
        .evidence
        .signatures
        .iter()
        .filter(|(_, n)| **n > 0)
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(s, _)| s.clone());
    IncidentSummary {
        id: i.id.clone(),
        attribution: i.attribution,
        scope: i.scope,
        onset: i.onset,
        recovery: i.recovery,
        duration_seconds,
        pops: i.pops.len(),
        regions: i.evidence.regions.clone(),
        epicenter: i.epicenter.clone(),
        onset_shape: onset_shape(i),
        hosts: i.hosts.clone(),
        dominant_signature,
        requests: i.evidence.requests,
        errors: i.evidence.errors,
        error_rate: ratio(i.evidence.errors, i.evidence.requests),
        transitions: i.flapping.transitions,
        period_seconds: i.flapping.period_seconds,
        reason: i.evidence.reason.clone(),
    }
}

/// The onset pattern of an incident in words.
fn onset_shape(i: &Incident) -> String {
    use crate::timeline::model::Pattern;
    let spread = i
        .onset_spread_seconds
        .map_or_else(String::new, |s| format!(" (estimates within {s:.0} s, intervals overlapping)"));
    match i.onset_pattern {
        Pattern::Simultaneous => {
            format!("onsets consistent with one instant at every POP{spread}: a change applied everywhere at once, no epicenter")
        }
        Pattern::Censored => "failing before the input starts: no epicenter can be named".to_string(),
        _ if i.epicenter.is_empty() => "—".to_string(),
        _ if i.epicenter_alternatives.is_empty() => format!("epicenter {}", i.epicenter.join(", ")),
        _ => format!(
            "epicenter {} (or, within the onsets' uncertainty, {})",
            i.epicenter.join(", "),
            i.epicenter_alternatives.join(", ")
        ),
    }
}

/// POP changes of one kind within one minute, while the timeline table is built.
struct Group {
    ns: i64,
    time: Timestamp,
    pops: Vec<String>,
    lag: Option<f64>,
}

/// The rows of the timeline table, in time order: incident starts and ends, and POP onsets and
/// recoveries grouped by minute.
pub fn entries(timeline: &Timeline) -> Vec<Entry> {
    let mut out: Vec<(i64, Entry)> = Vec::new();
    let by_onset = onset_order(timeline);
    for i in &timeline.incidents {
        if let Some(t) = i.onset {
            out.push((
                t.ns(),
                Entry {
                    time: t,
                    kind: EntryKind::IncidentBegins,
                    incident: Some(i.id.clone()),
                    attribution: Some(i.attribution),
                    pops: if i.epicenter.is_empty() { first_minute(&by_onset, i) } else { i.epicenter.clone() },
                    lag_seconds: None,
                },
            ));
        }
        if let Some(t) = i.recovery {
            out.push((
                t.ns(),
                Entry {
                    time: t,
                    kind: EntryKind::IncidentEnds,
                    incident: Some(i.id.clone()),
                    attribution: Some(i.attribution),
                    pops: Vec::new(),
                    lag_seconds: None,
                },
            ));
        }
    }
    // POP onsets after the epicenter and recoveries, one row per minute and kind.
    let mut grouped: BTreeMap<(i64, EntryKind), Group> = BTreeMap::new();
    let mut add = |time: Timestamp, kind: EntryKind, pop: &str, lag: Option<f64>| {
        let ns = time.ns();
        let g = grouped.entry((ns.div_euclid(60 * NS), kind)).or_insert(Group { ns, time, pops: Vec::new(), lag });
        if ns < g.ns {
            g.ns = ns;
            g.time = time;
            g.lag = lag;
        }
        g.pops.push(pop.to_string());
    };
    for p in by_onset.iter().filter(|p| p.lag_seconds > 0.0) {
        add(p.onset, EntryKind::PopsAffected, &p.pop, Some(p.lag_seconds));
    }
    for p in timeline.pops.iter().filter(|p| p.affected) {
        if let Some(r) = p.recovery {
            add(r, EntryKind::PopsRecovered, &p.pop, None);
        }
    }
    for ((_, kind), g) in grouped {
        out.push((
            g.ns,
            Entry { time: g.time, kind, incident: None, attribution: None, pops: g.pops, lag_seconds: g.lag },
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.kind.cmp(&b.1.kind)).then(a.1.pops.cmp(&b.1.pops)));
    out.into_iter().map(|(_, e)| e).collect()
}

/// The incident's POPs that began failing within a minute of its onset.
fn first_minute(by_onset: &[crate::timeline::model::Propagation], i: &Incident) -> Vec<String> {
    by_onset.iter().filter(|p| p.lag_seconds <= 60.0 && i.pops.contains(&p.pop)).map(|p| p.pop.clone()).collect()
}

/// Affected POPs by onset with their lag after the first (whatever the incident's pattern).
pub(super) fn onset_order(timeline: &Timeline) -> Vec<crate::timeline::model::Propagation> {
    let mut rows: Vec<(Timestamp, &str)> =
        timeline.pops.iter().filter(|p| p.affected).filter_map(|p| Some((p.onset?, p.pop.as_str()))).collect();
    rows.sort_unstable();
    let first = rows.first().map_or(0, |r| r.0.ns());
    rows.into_iter()
        .map(|(onset, pop)| crate::timeline::model::Propagation {
            pop: pop.to_string(),
            onset,
            lag_seconds: ((onset.ns() - first) as f64 / 1e6).round() / 1e3,
        })
        .collect()
}
