//! Scoring a timeline against a known truth (the simulator's `truth.json`): how the method is
//! measured, in tests and in `BENCHMARKS.md`.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Attribution, Timeline};

/// How one timeline compares with the truth.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    /// Affected POPs found that are affected in truth.
    pub true_positives: usize,
    /// Affected POPs found that are not affected in truth.
    pub false_positives: usize,
    /// POPs affected in truth that were not found.
    pub false_negatives: usize,
    /// |found − true| onset, seconds, per truly affected POP that was found.
    pub onset_errors: Vec<f64>,
    /// |found − true| recovery, seconds.
    pub recovery_errors: Vec<f64>,
    /// |found − true| flapping period, seconds (infinite when the flapping was missed).
    pub period_errors: Vec<f64>,
    /// Truth edge incidents whose epicenter was named by a found incident.
    pub epicenters_named: usize,
    /// Truth edge incidents.
    pub edge_incidents: usize,
    /// Truth origin incidents found as origin incidents of the same host.
    pub origin_attributed: usize,
    /// Truth origin incidents.
    pub origin_incidents: usize,
    /// Found incidents that match no truth incident in time.
    pub spurious_incidents: usize,
}

fn ts(s: Option<&String>) -> Option<f64> {
    let s = s?;
    chrono::DateTime::parse_from_rfc3339(s).ok().map(|d| d.timestamp_nanos_opt().unwrap_or(0) as f64 / 1e9)
}

impl Score {
    /// F1 of the affected-POP sets (1.0 when both are empty).
    pub fn f1(&self) -> f64 {
        let tp = self.true_positives as f64;
        let d = 2.0 * tp + self.false_positives as f64 + self.false_negatives as f64;
        if d == 0.0 {
            1.0
        } else {
            2.0 * tp / d
        }
    }

    /// Adds another score's counts and errors (to pool several runs).
    pub fn pool(&mut self, o: &Score) {
        self.true_positives += o.true_positives;
        self.false_positives += o.false_positives;
        self.false_negatives += o.false_negatives;
        self.onset_errors.extend(&o.onset_errors);
        self.recovery_errors.extend(&o.recovery_errors);
        self.period_errors.extend(&o.period_errors);
        self.epicenters_named += o.epicenters_named;
        self.edge_incidents += o.edge_incidents;
        self.origin_attributed += o.origin_attributed;
        self.origin_incidents += o.origin_incidents;
        self.spurious_incidents += o.spurious_incidents;
    }
}

/// The `q` quantile (0..1) of some values, by the nearest-rank method; `None` when empty.
pub fn quantile(v: &[f64], q: f64) -> Option<f64> {
    let mut s: Vec<f64> = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return None;
    }
    let rank = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s.get(rank - 1).copied()
}

/// Scores `found` against `truth`.
pub fn score(truth: &Timeline, found: &Timeline) -> Score {
    let mut sc = Score::default();
    let t_aff: BTreeMap<&str, _> = truth.pops.iter().filter(|p| p.affected).map(|p| (p.pop.as_str(), p)).collect();
    let f_aff: BTreeMap<&str, _> = found.pops.iter().filter(|p| p.affected).map(|p| (p.pop.as_str(), p)).collect();
    for (pop, tp) in &t_aff {
        match f_aff.get(pop) {
            Some(fp) => {
                sc.true_positives += 1;
                if let (Some(a), Some(b)) = (ts(tp.onset.as_ref()), ts(fp.onset.as_ref())) {
                    sc.onset_errors.push((a - b).abs());
                }
                if let (Some(a), Some(b)) = (ts(tp.recovery.as_ref()), ts(fp.recovery.as_ref())) {
                    sc.recovery_errors.push((a - b).abs());
                }
                if let Some(tper) = tp.flapping.period_seconds {
                    sc.period_errors.push(fp.flapping.period_seconds.map_or(f64::INFINITY, |f| (f - tper).abs()));
                }
            }
            None => sc.false_negatives += 1,
        }
    }
    sc.false_positives = f_aff.keys().filter(|p| !t_aff.contains_key(*p)).count();

    let overlaps = |a0: Option<f64>, a1: Option<f64>, b0: Option<f64>, b1: Option<f64>| -> bool {
        match (a0, b0) {
            (Some(a0), Some(b0)) => {
                let a1 = a1.unwrap_or(f64::INFINITY);
                let b1 = b1.unwrap_or(f64::INFINITY);
                a0 <= b1 + 600.0 && b0 <= a1 + 600.0
            }
            _ => false,
        }
    };
    for ti in &truth.incidents {
        let (t0, t1) = (ts(ti.onset.as_ref()), ts(ti.recovery.as_ref()));
        let matching: Vec<_> = found
            .incidents
            .iter()
            .filter(|f| overlaps(t0, t1, ts(f.onset.as_ref()), ts(f.recovery.as_ref())))
            .collect();
        if ti.attribution == Attribution::Origin {
            sc.origin_incidents += 1;
            let hosts: BTreeSet<&String> = ti.hosts.iter().collect();
            if matching
                .iter()
                .any(|f| f.attribution == Attribution::Origin && f.hosts.iter().any(|h| hosts.contains(h)))
            {
                sc.origin_attributed += 1;
            }
        } else {
            sc.edge_incidents += 1;
            if matching
                .iter()
                .any(|f| f.attribution != Attribution::Origin && ti.epicenter.iter().all(|e| f.epicenter.contains(e)))
            {
                sc.epicenters_named += 1;
            }
        }
    }
    sc.spurious_incidents = found
        .incidents
        .iter()
        .filter(|f| {
            !truth.incidents.iter().any(|ti| {
                ti.attribution == f.attribution
                    && overlaps(
                        ts(ti.onset.as_ref()),
                        ts(ti.recovery.as_ref()),
                        ts(f.onset.as_ref()),
                        ts(f.recovery.as_ref()),
                    )
            })
        })
        .count();
    sc
}

/// One scenario run: the truth, the method's timeline and the naive baseline's.
pub struct Evaluation {
    /// The simulator's truth.
    pub truth: Timeline,
    /// The method's answer.
    pub found: Timeline,
    /// The naive 10 % threshold's answer.
    pub naive: Timeline,
}

/// Simulates a scenario into `dir`, reads it back through the ordinary ingest path and builds
/// both timelines.
pub fn evaluate(
    opts: &crate::simulate::SimOptions,
    dir: &std::path::Path,
    params: &super::Params,
) -> crate::Result<Evaluation> {
    let truth = crate::simulate::simulate(opts, dir)?;
    let (inputs, _) = crate::ingest::discover(&[dir.join("logs")]);
    let (table, acc) =
        crate::rates::compute(&inputs, &crate::ingest::IngestOptions::default(), &crate::ingest::NoProgress, 60, true)?;
    let input = super::model::InputSummary {
        files: acc.files.len() as u64,
        lines: acc.lines,
        events: acc.events,
        rejected: acc.rejected,
        duplicates: acc.duplicates,
    };
    let found = super::build(&table, input, params);
    let naive = super::naive::build(&table, 0.10);
    Ok(Evaluation { truth, found, naive })
}
