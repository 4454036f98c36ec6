//! Scoring the forensic signals against the simulator's truth: whether each incident whose truth
//! names a cohort (the `dec5` scenario) is answered with that cohort, failing on every request
//! where it failed, with what kept answering named.

use std::path::Path;

use crate::ingest::{discover, IngestOptions, NoProgress};
use crate::simulate::SimOptions;
use crate::timeline::model::Incident;
use crate::timeline::{Params, Timeline};
use crate::vocab::time::Timestamp;

/// One scenario run: the truth and the analysis with cohorts.
pub struct CohortRun {
    /// The simulator's truth.
    pub truth: Timeline,
    /// The timeline with cohorts attached.
    pub found: Timeline,
}

/// Simulates a scenario into `dir`, reads it back and builds the timeline with its cohorts.
pub fn evaluate_cohorts(opts: &SimOptions, dir: &Path, params: &Params) -> crate::Result<CohortRun> {
    let truth = crate::simulate::simulate(opts, dir)?;
    let (inputs, _) = discover(&[dir.join("logs")]);
    let (rates, cohorts, acc) = crate::cohorts::compute(&inputs, &IngestOptions::default(), &NoProgress, 60)?;
    let input = crate::analyze::summary(&acc, 0);
    let mut found = crate::timeline::build(&rates, input, params);
    crate::cohorts::analysis::attach(&mut found, &cohorts);
    Ok(CohortRun { truth, found })
}

/// Cohort detection, pooled over runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CohortScore {
    /// Truth incidents that name a cohort.
    pub incidents: u64,
    /// Of which an overlapping found incident's headline is exactly that cohort (a zone's hosts
    /// count as the zone).
    pub named: u64,
    /// Of which the headline says every request failed where it failed (≥ 97 %).
    pub every_request: u64,
    /// Of which the POPs named healthy are all POPs the truth left untouched.
    pub untouched_right: u64,
    /// Of which `/cdn-cgi/trace` is named as still answering.
    pub spared_named: u64,
    /// Found incidents overlapping no cohort incident of the truth that still have a headline.
    pub other_headlines: u64,
    /// The headlines' error rates where failing.
    pub rates: Vec<f64>,
}

impl CohortScore {
    /// Adds another run's score.
    pub fn pool(&mut self, o: &CohortScore) {
        self.incidents += o.incidents;
        self.named += o.named;
        self.every_request += o.every_request;
        self.untouched_right += o.untouched_right;
        self.spared_named += o.spared_named;
        self.other_headlines += o.other_headlines;
        self.rates.extend(&o.rates);
    }
}

fn overlaps(a: &Incident, b: &Incident) -> bool {
    match (
        a.onset.map(Timestamp::ns),
        a.recovery.map(Timestamp::ns),
        b.onset.map(Timestamp::ns),
        b.recovery.map(Timestamp::ns),
    ) {
        (Some(a0), Some(a1), Some(b0), Some(b1)) => a0 < b1 && b0 < a1,
        _ => false,
    }
}

/// The zone a value stands for: itself for a zone, the truth zone it is under for a host.
fn as_zone<'a>(dimension: &str, value: &'a str, zones: &'a [String]) -> &'a str {
    if dimension == "host" {
        if let Some(z) = zones.iter().find(|z| value.strip_suffix(z.as_str()).is_some_and(|h| h.ends_with('.'))) {
            return z;
        }
    }
    value
}

/// Scores one run.
pub fn score_cohorts(truth: &Timeline, found: &Timeline) -> CohortScore {
    let mut s = CohortScore::default();
    let untouched: Vec<&str> = truth.pops.iter().filter(|p| !p.affected).map(|p| p.pop.as_str()).collect();
    let cohort_incidents: Vec<&Incident> =
        truth.incidents.iter().filter(|i| i.cohorts.as_ref().is_some_and(|c| c.headline.is_some())).collect();
    for t in &cohort_incidents {
        let Some(want) = t.cohorts.as_ref().and_then(|c| c.headline.as_ref()) else { continue };
        s.incidents += 1;
        let mut want_set: Vec<&str> = want.values.iter().map(String::as_str).collect();
        want_set.sort_unstable();
        let hit = found.incidents.iter().filter(|f| overlaps(t, f)).find_map(|f| {
            let c = f.cohorts.as_ref()?;
            let h = c.headline.as_ref()?;
            let mut got: Vec<&str> = h.values.iter().map(|v| as_zone(&h.dimension, v, &want.values)).collect();
            got.sort_unstable();
            got.dedup();
            let same_kind = h.dimension == want.dimension || (want.dimension == "zone" && h.dimension == "host");
            (same_kind && got == want_set).then_some((h, c))
        });
        let Some((h, c)) = hit else { continue };
        s.named += 1;
        s.rates.push(h.error_rate_where_failing);
        if h.summary.contains("every request") || h.error_rate_where_failing >= 0.97 {
            s.every_request += 1;
        }
        if h.pops_spared.iter().all(|p| untouched.contains(&p.as_str())) {
            s.untouched_right += 1;
        }
        if c.spared.iter().any(|v| v.value == "/cdn-cgi/trace") {
            s.spared_named += 1;
        }
    }
    s.other_headlines = found
        .incidents
        .iter()
        .filter(|f| f.cohorts.as_ref().is_some_and(|c| c.headline.is_some()))
        .filter(|f| !cohort_incidents.iter().any(|t| overlaps(t, f)))
        .count() as u64;
    s
}
