//! The peers the method is compared with in `BENCHMARKS.md`, scored the same way:
//!
//! - **naive**: a POP is affected when any bucket's 5xx rate reaches a fixed threshold (10 %);
//! - **alert rule**: what an SRE would write in SQL or an alerting system: edge-generated 5xx
//!   (origin status 0) at or above 2 % of requests for at least three consecutive buckets.
//!
//! Onset is the start of the first qualifying bucket, recovery the end of the last. No
//! baselines, no attribution, no refinement.

use std::collections::BTreeMap;

use super::model::{Flapping, PopTimeline, Timeline};
use crate::rates::RatesTable;

/// The naive per-POP timeline at `threshold` (e.g. 0.10) of all 5xx.
pub fn build(table: &RatesTable, threshold: f64) -> Timeline {
    rule(table, |c| c.status_5xx, threshold, 1)
}

/// The alert rule: edge-generated 5xx at or above 2 % for three consecutive buckets.
pub fn alert_rule(table: &RatesTable) -> Timeline {
    rule(table, |c| c.edge_5xx, 0.02, 3)
}

fn rule(table: &RatesTable, count: impl Fn(&crate::rates::Counts) -> u64, threshold: f64, min_run: usize) -> Timeline {
    let mut per: BTreeMap<String, BTreeMap<i64, (u64, u64)>> = BTreeMap::new();
    for ((b, pop, _), c) in &table.rows {
        let e = per.entry(pop.clone().unwrap_or_default()).or_default().entry(*b).or_insert((0, 0));
        e.0 += count(c);
        e.1 += c.requests;
    }
    let pops = per
        .into_iter()
        .map(|(pop, buckets)| {
            let hot = runs(&buckets, table.bucket_ns, threshold, min_run);
            let requests = buckets.values().map(|(_, n)| n).sum();
            PopTimeline {
                region: crate::geo::region(&pop).to_string(),
                pop,
                city: None,
                country: None,
                affected: !hot.is_empty(),
                onset: hot.first().map(|b| crate::vocab::time::Timestamp(*b)),
                peak: None,
                peak_error_rate: None,
                recovery: hot.last().map(|b| crate::vocab::time::Timestamp(*b + table.bucket_ns)),
                flapping: Flapping::default(),
                dominant_signature: None,
                requests,
                confidence: 1.0,
                ..PopTimeline::default()
            }
        })
        .collect();
    Timeline { pops, ..Timeline::default() }
}

/// Start times of the buckets in runs of at least `min_run` consecutive buckets at or above
/// `threshold`.
fn runs(buckets: &BTreeMap<i64, (u64, u64)>, w: i64, threshold: f64, min_run: usize) -> Vec<i64> {
    let mut out = Vec::new();
    let mut run: Vec<i64> = Vec::new();
    for (b, (k, n)) in buckets {
        let hot = *n > 0 && *k as f64 / *n as f64 >= threshold;
        if hot && run.last().is_none_or(|l| *b == l + w) {
            run.push(*b);
            continue;
        }
        if run.len() >= min_run {
            out.append(&mut run);
        }
        run.clear();
        if hot {
            run.push(*b);
        }
    }
    if run.len() >= min_run {
        out.append(&mut run);
    }
    out
}
