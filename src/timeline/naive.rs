//! The naive baseline the method is compared with in `BENCHMARKS.md`: a POP is affected when
//! any bucket's 5xx rate reaches a fixed threshold (10 %); onset is the start of the first such
//! bucket and recovery the end of the last. No baselines, no attribution, no refinement.

use std::collections::BTreeMap;

use super::model::{Flapping, PopTimeline, Timeline};
use crate::rates::RatesTable;

/// The naive per-POP timeline at `threshold` (e.g. 0.10).
pub fn build(table: &RatesTable, threshold: f64) -> Timeline {
    let mut per: BTreeMap<String, BTreeMap<i64, (u64, u64)>> = BTreeMap::new();
    for ((b, pop, _), c) in &table.rows {
        let e = per.entry(pop.clone().unwrap_or_default()).or_default().entry(*b).or_insert((0, 0));
        e.0 += c.status_5xx;
        e.1 += c.requests;
    }
    let fmt = |ns: i64| chrono::DateTime::from_timestamp_nanos(ns).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let pops = per
        .into_iter()
        .map(|(pop, buckets)| {
            let hot: Vec<i64> = buckets
                .iter()
                .filter(|(_, (k, n))| *n > 0 && *k as f64 / *n as f64 >= threshold)
                .map(|(b, _)| *b)
                .collect();
            let requests = buckets.values().map(|(_, n)| n).sum();
            PopTimeline {
                region: crate::geo::region(&pop).to_string(),
                pop,
                city: None,
                country: None,
                affected: !hot.is_empty(),
                onset: hot.first().map(|b| fmt(*b)),
                peak: None,
                peak_error_rate: None,
                recovery: hot.last().map(|b| fmt(*b + table.bucket_ns)),
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
