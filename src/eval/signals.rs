//! Scoring the signal incidents (missing bot scores, edge-added latency) against the
//! simulator's truth: which POPs were affected, and how far each found onset and recovery lie
//! from the true ones.

use std::collections::BTreeMap;

use crate::eval::ts;
use crate::timeline::signal_model::SignalKind;
use crate::timeline::Timeline;

/// How well one kind of signal was found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignalScore {
    /// Runs scored.
    pub runs: usize,
    /// Runs whose truth has an incident of the kind.
    pub runs_with_truth: usize,
    /// Runs with an incident of the kind found, truth or not.
    pub runs_found: usize,
    /// POPs affected in truth and found affected.
    pub true_positives: usize,
    /// POPs found affected that were not.
    pub false_positives: usize,
    /// POPs affected in truth and missed.
    pub false_negatives: usize,
    /// |found − true| onset per true positive, seconds.
    pub onset_errors: Vec<f64>,
    /// |found − true| recovery per true positive, seconds.
    pub recovery_errors: Vec<f64>,
    /// Found incidents that share no POP with a true one.
    pub spurious: usize,
}

impl SignalScore {
    /// Precision of the affected POPs (1 when nothing was found).
    pub fn precision(&self) -> f64 {
        let found = self.true_positives + self.false_positives;
        if found == 0 {
            1.0
        } else {
            self.true_positives as f64 / found as f64
        }
    }

    /// Recall of the affected POPs (1 when nothing was affected).
    pub fn recall(&self) -> f64 {
        let truth = self.true_positives + self.false_negatives;
        if truth == 0 {
            1.0
        } else {
            self.true_positives as f64 / truth as f64
        }
    }

    /// F1 of the affected POPs.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// Adds another run's score.
    pub fn pool(&mut self, o: &SignalScore) {
        self.runs += o.runs;
        self.runs_with_truth += o.runs_with_truth;
        self.runs_found += o.runs_found;
        self.true_positives += o.true_positives;
        self.false_positives += o.false_positives;
        self.false_negatives += o.false_negatives;
        self.onset_errors.extend(&o.onset_errors);
        self.recovery_errors.extend(&o.recovery_errors);
        self.spurious += o.spurious;
    }
}

/// Each POP's (onset, recovery) in the incidents of `kind`: the earliest onset and the latest
/// recovery when a POP appears in several.
fn pops(t: &Timeline, kind: SignalKind) -> BTreeMap<String, (Option<f64>, Option<f64>)> {
    let mut out: BTreeMap<String, (Option<f64>, Option<f64>)> = BTreeMap::new();
    for inc in t.signals.iter().filter(|i| i.kind == kind) {
        for p in &inc.pops {
            let (a, b) = (ts(Some(&p.onset)), ts(Some(&p.recovery)));
            let e = out.entry(p.pop.clone()).or_insert((a, b));
            e.0 = e.0.zip(a).map(|(x, y)| x.min(y)).or(a);
            e.1 = e.1.zip(b).map(|(x, y)| x.max(y)).or(b);
        }
    }
    out
}

/// Scores the found incidents of `kind` against the truth's.
pub fn score(truth: &Timeline, found: &Timeline, kind: SignalKind) -> SignalScore {
    let (t, f) = (pops(truth, kind), pops(found, kind));
    let mut s = SignalScore {
        runs: 1,
        runs_with_truth: usize::from(!t.is_empty()),
        runs_found: usize::from(!f.is_empty()),
        ..SignalScore::default()
    };
    for (pop, (ta, tb)) in &t {
        match f.get(pop) {
            Some((fa, fb)) => {
                s.true_positives += 1;
                if let (Some(x), Some(y)) = (ta, fa) {
                    s.onset_errors.push((x - y).abs());
                }
                if let (Some(x), Some(y)) = (tb, fb) {
                    s.recovery_errors.push((x - y).abs());
                }
            }
            None => s.false_negatives += 1,
        }
    }
    s.false_positives = f.keys().filter(|p| !t.contains_key(*p)).count();
    s.spurious =
        found.signals.iter().filter(|i| i.kind == kind && !i.pops.iter().any(|p| t.contains_key(&p.pop))).count();
    s
}
