//! The ground truth: the [`Timeline`] a perfect analyzer would report, built from the plan (when
//! and where things broke) and a tally of the lines actually written (counts, peaks, dominant
//! signatures, incident evidence).

use std::collections::{BTreeMap, BTreeSet};

use super::clock::{self, NS};
use super::plan::{self, Plan};
use super::record::Request;
use super::scenario;
use super::world::{Pop, HOSTS};
use crate::vocab::cohorts::{Cohort, IncidentCohorts};
use crate::vocab::signature::{self as signatures, Signature};
use crate::vocab::timeline::{
    Attribution, Evidence, Flapping, Incident, InputSummary, Pattern, PopTimeline, Propagation, Timeline,
};

/// Signature counts, indexed like [`signatures::ALL`].
type SignatureCounts = [u64; signatures::COUNT];

/// What was written, for the truth's input accounting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Written {
    pub files: u64,
    pub lines: u64,
    pub duplicates: u64,
    pub truncated: u64,
}

/// An incident's extent (time, POPs, host) and the events counted in it.
struct Extent {
    /// Unix seconds, `[from, to)`.
    from: i64,
    to: i64,
    /// Per POP: inside the incident.
    pops: Vec<bool>,
    /// The failing host (origin incidents).
    host: Option<usize>,
    requests: u64,
    errors: u64,
    signatures: SignatureCounts,
    /// Per host: saw edge- or origin-blamed errors.
    hosts_with_errors: [bool; HOSTS.len()],
}

/// The signature of a request as the simulator wrote it: its own definition from the statuses it
/// chose (an edge fault writes origin status 0, an origin fault the origin's status), kept apart
/// from the classifier so that the truth does not grade the classifier by itself.
fn written_signature(edge: u16, origin: u16) -> Option<Signature> {
    Some(match (edge, origin) {
        (429, _) => Signature::RateLimited,
        (e, _) if e < 500 => return None,
        (_, o) if o >= 500 => Signature::Origin5xx,
        (520..=527, 0) => Signature::Cf52x,
        (502 | 504, _) => Signature::Edge502,
        _ => Signature::Edge500,
    })
}

/// Counts over the events written (lines that parse and are not duplicates).
pub(super) struct Tally {
    start: i64,
    /// Per POP: the edge incident's span, unix seconds.
    windows: Vec<Option<(i64, i64)>>,
    /// Per POP: events.
    events: Vec<u64>,
    /// Per POP, per minute of the window: (requests, edge 5xx).
    per_minute: Vec<Vec<(u32, u32)>>,
    /// Per POP: signatures over the whole window.
    all: Vec<SignatureCounts>,
    /// Per POP: signatures during its edge incident.
    during: Vec<SignatureCounts>,
    /// Per incident of the plan.
    extents: Vec<Extent>,
}

/// Onset and recovery of a POP's edge fault.
fn window(pp: &plan::PopPlan) -> Option<(i64, i64)> {
    let f = pp.fault.as_ref()?;
    Some((f.onset()?, f.recovery()?))
}

impl Tally {
    pub fn new(plan: &Plan) -> Self {
        let minutes = usize::try_from((plan.end - plan.start) / 60).unwrap_or(0);
        let n = plan.pops.len();
        let windows: Vec<Option<(i64, i64)>> = plan.pops.iter().map(window).collect();
        let extents = (0..plan.incidents.len())
            .map(|k| {
                let inc = plan.incidents.get(k);
                let mine = |i: usize| plan.pops.get(i).and_then(|p| p.fault.as_ref()).is_some_and(|f| f.incident == k);
                let pops: Vec<bool> = (0..n).map(|i| inc.is_some_and(|inc| inc.span.is_some()) || mine(i)).collect();
                let (from, to) = inc.and_then(|inc| inc.span).unwrap_or_else(|| {
                    let spans = windows.iter().enumerate().filter(|(i, _)| mine(*i)).filter_map(|(_, w)| *w);
                    let from = spans.clone().map(|w| w.0).min().unwrap_or(0);
                    (from, spans.map(|w| w.1).max().unwrap_or(0))
                });
                Extent {
                    from,
                    to,
                    pops,
                    host: inc.and_then(|inc| inc.host),
                    requests: 0,
                    errors: 0,
                    signatures: [0; signatures::COUNT],
                    hosts_with_errors: [false; HOSTS.len()],
                }
            })
            .collect();
        Tally {
            start: plan.start,
            windows,
            events: vec![0; n],
            per_minute: vec![vec![(0, 0); minutes]; n],
            all: vec![[0; signatures::COUNT]; n],
            during: vec![[0; signatures::COUNT]; n],
            extents,
        }
    }

    /// Counts one event.
    pub fn count(&mut self, r: &Request) {
        let secs = r.start_ns.div_euclid(NS);
        let error = r.edge_status >= 500;
        if let Some(e) = self.events.get_mut(r.pop) {
            *e += 1;
        }
        let minute = usize::try_from((secs - self.start).div_euclid(60)).ok();
        if let Some(slot) = minute.and_then(|m| self.per_minute.get_mut(r.pop)?.get_mut(m)) {
            slot.0 += 1;
            slot.1 += u32::from(error);
        }
        let sig = written_signature(r.edge_status, r.origin_status);
        for x in &mut self.extents {
            let inside = (x.from..x.to).contains(&secs)
                && x.pops.get(r.pop).copied().unwrap_or(false)
                && x.host.is_none_or(|h| h == r.host);
            if !inside {
                continue;
            }
            x.requests += 1;
            x.errors += u64::from(error);
            if let Some(s) = sig {
                if let Some(c) = x.signatures.get_mut(s.index()) {
                    *c += 1;
                }
                if s != Signature::RateLimited {
                    if let Some(h) = x.hosts_with_errors.get_mut(r.host) {
                        *h = true;
                    }
                }
            }
        }
        let Some(sig) = sig else { return };
        if let Some(c) = self.all.get_mut(r.pop).and_then(|c| c.get_mut(sig.index())) {
            *c += 1;
        }
        let inside = self.windows.get(r.pop).copied().flatten().is_some_and(|(a, b)| (a..b).contains(&secs));
        if inside {
            if let Some(c) = self.during.get_mut(r.pop).and_then(|c| c.get_mut(sig.index())) {
                *c += 1;
            }
        }
    }

    /// The most frequent error signature in `counts` (ties go to the first in registry order).
    fn dominant(counts: &SignatureCounts) -> Option<String> {
        let mut best: Option<(Signature, u64)> = None;
        for (s, n) in signatures::ALL.iter().zip(counts) {
            if *s != Signature::RateLimited && *n > 0 && best.is_none_or(|(_, m)| *n > m) {
                best = Some((*s, *n));
            }
        }
        best.map(|(s, _)| s.id().to_owned())
    }

    /// The minute with the highest edge 5xx rate within `[from, to)`: (its start, the rate).
    fn peak(&self, pop: usize, from: i64, to: i64) -> Option<(i64, f64)> {
        let mut best: Option<(i64, f64)> = None;
        for (m, (n, e)) in self.per_minute.get(pop)?.iter().enumerate() {
            let t = self.start + 60 * m as i64;
            if t + 60 <= from || t >= to || *n == 0 {
                continue;
            }
            let rate = f64::from(*e) / f64::from(*n);
            if best.is_none_or(|(_, r)| rate > r) {
                best = Some((t, rate));
            }
        }
        best
    }
}

/// The evidence of incident `k`, whose POPs are `pops`.
fn evidence(tally: &Tally, k: usize, attribution: Attribution, pops: &[String]) -> Evidence {
    let Some(x) = tally.extents.get(k) else {
        return Evidence::default();
    };
    let signatures: BTreeMap<String, u64> = signatures::ALL
        .iter()
        .zip(&x.signatures)
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| (s.id().to_owned(), *n))
        .collect();
    let regions: Vec<String> =
        pops.iter().map(|p| crate::geo::region(p).to_owned()).collect::<BTreeSet<_>>().into_iter().collect();
    let hosts_with_errors = x.hosts_with_errors.iter().filter(|h| **h).count();
    let share = |ids: &[&str]| {
        let n: u64 = ids.iter().filter_map(|id| signatures.get(*id)).sum();
        if x.errors > 0 {
            100.0 * n as f64 / x.errors as f64
        } else {
            0.0
        }
    };
    let reason = match attribution {
        Attribution::Edge => format!(
            "simulated edge fault: {:.0}% of the errors were generated by the edge (edge_500/edge_502, no origin status) at {} POP(s) in {} region(s), for {hosts_with_errors} host(s)",
            share(&["edge_500", "edge_502"]),
            pops.len(),
            regions.len()
        ),
        Attribution::Origin | Attribution::Mixed => format!(
            "simulated origin fault of {}: {:.0}% of its errors were origin_5xx or cf_52x, at every POP at once",
            x.host.and_then(|h| HOSTS.get(h)).map_or("one host", |h| h.name),
            share(&["origin_5xx", "cf_52x"])
        ),
    };
    Evidence { requests: x.requests, errors: x.errors, signatures, hosts_with_errors, regions, reason }
}

/// The median of `v` (sorted in place).
fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v.get(mid).copied()
    } else {
        Some((v.get(mid.checked_sub(1)?)? + v.get(mid)?) / 2.0)
    }
}

/// A POP's flapping: the changes of state strictly inside its incident.
fn pop_flapping(f: &plan::EdgeFault) -> Flapping {
    let transitions = u32::try_from(2 * f.spells.len().saturating_sub(1)).unwrap_or(u32::MAX);
    Flapping { transitions, period_seconds: if f.spells.len() > 1 { f.period } else { None } }
}

/// Builds the truth.
pub(super) fn build(pops: &[Pop], plan: &Plan, tally: &Tally, written: Written) -> Timeline {
    let input = InputSummary {
        files: written.files,
        lines: written.lines,
        events: written.lines - written.duplicates - written.truncated,
        rejected: written.truncated,
        duplicates: written.duplicates,
        filtered: 0,
    };
    let faults = edge_faults(plan);
    Timeline {
        input,
        incidents: incidents(pops, plan, tally, &faults),
        pops: pop_rows(pops, plan, tally),
        regions: Vec::new(),
        propagation: propagation(pops, &faults),
        changes: Vec::new(),
        signals: super::bot::truth(pops, plan),
        latency: Vec::new(),
    }
}

/// Edge faults by POP: (POP index, the fault, onset, recovery).
type Fault<'a> = (usize, &'a plan::EdgeFault, i64, i64);

fn edge_faults(plan: &Plan) -> Vec<Fault<'_>> {
    plan.pops
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let f = p.fault.as_ref()?;
            Some((i, f, f.onset()?, f.recovery()?))
        })
        .collect()
}

fn code(pops: &[Pop], i: usize) -> String {
    pops.get(i).map_or_else(String::new, |p| p.code.to_owned())
}

/// The hosts an edge incident's faults fail (every host when one fault fails them all).
fn fault_hosts(mine: &[&Fault<'_>]) -> Vec<String> {
    if mine.iter().any(|f| f.1.hosts.is_empty()) {
        return scenario::all_hosts();
    }
    let mut h: Vec<String> =
        mine.iter().flat_map(|f| f.1.hosts.iter().filter_map(|i| HOSTS.get(*i)).map(|h| h.name.to_owned())).collect();
    h.sort();
    h.dedup();
    h
}

/// The planned incidents, in onset order, numbered.
fn incidents(pops: &[Pop], plan: &Plan, tally: &Tally, faults: &[Fault<'_>]) -> Vec<Incident> {
    let mut incidents: Vec<(i64, Incident)> = Vec::new();
    for (k, inc) in plan.incidents.iter().enumerate() {
        let mine: Vec<&Fault<'_>> = faults.iter().filter(|f| f.1.incident == k).collect();
        let (onset, recovery, mut hit, hosts) = if let Some((start, end)) = inc.span {
            let all: Vec<(i64, String)> = pops.iter().map(|p| (start, p.code.to_owned())).collect();
            let hosts =
                inc.host.and_then(|h| HOSTS.get(h)).map_or_else(scenario::all_hosts, |h| vec![h.name.to_owned()]);
            (start, end, all, hosts)
        } else {
            let (Some(onset), Some(recovery)) = (mine.iter().map(|f| f.2).min(), mine.iter().map(|f| f.3).max()) else {
                continue;
            };
            (onset, recovery, mine.iter().map(|f| (f.2, code(pops, f.0))).collect(), fault_hosts(&mine))
        };
        hit.sort();
        let pattern = if inc.span.is_none() && hit.len() < 2 { Pattern::Single } else { inc.pattern };
        let epicenter = if inc.span.is_none() && pattern == Pattern::Simultaneous {
            Vec::new()
        } else {
            hit.iter().filter(|(t, _)| *t == onset).map(|(_, c)| c.clone()).collect()
        };
        let pop_codes: Vec<String> = hit.into_iter().map(|(_, c)| c).collect();
        let mut periods: Vec<f64> = mine.iter().filter_map(|f| pop_flapping(f.1).period_seconds).collect();
        let flapping = Flapping {
            transitions: mine.iter().map(|f| pop_flapping(f.1).transitions).max().unwrap_or(0),
            period_seconds: median(&mut periods),
        };
        incidents.push((
            onset,
            Incident {
                id: String::new(),
                attribution: inc.attribution,
                onset: Some(clock::at(onset)),
                recovery: Some(clock::at(recovery)),
                scope: inc.scope,
                hosts,
                epicenter,
                evidence: evidence(tally, k, inc.attribution, &pop_codes),
                pops: pop_codes,
                flapping,
                onset_pattern: pattern,
                cohorts: inc.cohort.as_ref().map(cohorts),
                ..Incident::default()
            },
        ));
    }
    incidents.sort_by_key(|(t, _)| *t);
    incidents
        .into_iter()
        .enumerate()
        .map(|(n, (_, mut inc))| {
            inc.id = format!("I{}", n + 1);
            inc
        })
        .collect()
}

/// The cohort an incident's plan names, as its headline.
fn cohorts((dimension, values): &(&'static str, Vec<&'static str>)) -> IncidentCohorts {
    IncidentCohorts {
        headline: Some(Cohort {
            dimension: (*dimension).to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            ..Cohort::default()
        }),
        ..IncidentCohorts::default()
    }
}

/// One row per POP, sorted by code.
fn pop_rows(pops: &[Pop], plan: &Plan, tally: &Tally) -> Vec<PopTimeline> {
    let mut rows: Vec<PopTimeline> = pops
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let fault = plan.pops.get(i).and_then(|pp| pp.fault.as_ref());
            let window = tally.windows.get(i).copied().flatten();
            let peak = window.and_then(|(a, b)| tally.peak(i, a, b));
            let counts = if window.is_some() { tally.during.get(i) } else { tally.all.get(i) };
            PopTimeline {
                pop: p.code.to_owned(),
                city: p.colo.map(|c| c.city.clone()),
                country: p.colo.map(|c| c.country.clone()),
                region: p.region.to_owned(),
                affected: window.is_some(),
                onset: window.map(|(a, _)| clock::at(a)),
                peak: peak.map(|(t, _)| clock::at(t)),
                peak_error_rate: peak.map(|(_, r)| r),
                recovery: window.map(|(_, b)| clock::at(b)),
                flapping: fault.map_or_else(Flapping::default, pop_flapping),
                dominant_signature: counts.and_then(Tally::dominant),
                requests: tally.events.get(i).copied().unwrap_or(0),
                confidence: 1.0,
                ..PopTimeline::default()
            }
        })
        .collect();
    rows.sort_by(|a, b| a.pop.cmp(&b.pop));
    rows
}

/// The POPs' onsets in order, with their lag to their incident's first.
fn propagation(pops: &[Pop], faults: &[Fault<'_>]) -> Vec<Propagation> {
    let mut order: Vec<_> = faults.iter().collect();
    order.sort_by_key(|f| (f.2, code(pops, f.0)));
    let first_onset = |k: usize| faults.iter().filter(|f| f.1.incident == k).map(|f| f.2).min().unwrap_or(0);
    order
        .into_iter()
        .map(|f| Propagation {
            pop: code(pops, f.0),
            onset: clock::at(f.2),
            lag_seconds: (f.2 - first_onset(f.1.incident)) as f64,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
