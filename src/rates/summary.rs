//! Per-POP totals over a rates table: a first look before the timeline.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{output::rfc3339, Counts, RatesTable};
use crate::{geo, signatures};

/// One POP's totals.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PopSummary {
    /// POP code (empty when the log had none).
    pub pop: String,
    /// City, from the embedded data-center table.
    pub city: String,
    /// Region, or `unknown`.
    pub region: String,
    /// Requests.
    pub requests: u64,
    /// Edge status ≥ 500.
    pub status_5xx: u64,
    /// Edge-generated 5xx.
    pub edge_5xx: u64,
    /// `status_5xx / requests`.
    pub error_rate: f64,
    /// The bucket with the highest 5xx rate, and that rate.
    pub peak: Option<(i64, f64)>,
    /// First 5xx, RFC 3339.
    pub first_5xx: Option<String>,
    /// Last 5xx, RFC 3339.
    pub last_5xx: Option<String>,
    /// The most frequent error signature.
    pub top_signature: Option<&'static str>,
}

/// Totals per POP, most 5xx first.
pub fn per_pop(r: &RatesTable) -> Vec<PopSummary> {
    let mut by_pop: BTreeMap<String, (Counts, BTreeMap<i64, Counts>)> = BTreeMap::new();
    for ((b, p, _), c) in &r.rows {
        let e = by_pop
            .entry(p.clone().unwrap_or_default())
            .or_insert((Counts::EMPTY, BTreeMap::new()));
        e.0.merge(c);
        e.1.entry(*b).or_insert(Counts::EMPTY).merge(c);
    }
    let mut out: Vec<PopSummary> = by_pop
        .into_iter()
        .map(|(pop, (t, buckets))| {
            let peak = buckets
                .iter()
                .filter(|(_, c)| c.requests > 0 && c.status_5xx > 0)
                .map(|(b, c)| (*b, c.status_5xx as f64 / c.requests as f64))
                .fold(None, |best: Option<(i64, f64)>, x| {
                    if best.is_none_or(|b| x.1 > b.1) {
                        Some(x)
                    } else {
                        best
                    }
                });
            let top = signatures::ALL
                .iter()
                .filter(|s| s.info().is_error)
                .map(|s| (t.signature(*s), *s))
                .filter(|(n, _)| *n > 0)
                .max_by_key(|(n, _)| *n)
                .map(|(_, s)| s.id());
            let colo = geo::colo(&pop);
            PopSummary {
                city: colo.map(|c| c.city.clone()).unwrap_or_default(),
                region: colo.map_or(geo::UNKNOWN_REGION.to_string(), |c| c.region.clone()),
                pop,
                requests: t.requests,
                status_5xx: t.status_5xx,
                edge_5xx: t.edge_5xx,
                error_rate: if t.requests > 0 {
                    t.status_5xx as f64 / t.requests as f64
                } else {
                    0.0
                },
                peak,
                first_5xx: rfc3339(t.first_5xx_ns),
                last_5xx: rfc3339(t.last_5xx_ns),
                top_signature: top,
            }
        })
        .collect();
    out.sort_by(|a, b| b.status_5xx.cmp(&a.status_5xx).then(a.pop.cmp(&b.pop)));
    out
}
