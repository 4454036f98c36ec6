//! The bot-score source signal: per POP and bucket, the share of engine-scored requests that
//! were not scored by the engine that usually scores them (`BotScoreSrc`).
//!
//! Cloudflare scores most requests with its machine-learning model and some with heuristics,
//! JavaScript detections or behavioural analysis. When the model cannot run, requests are
//! still scored (the score need not be 0) but by another engine: the mix of sources shifts,
//! say from 90 % `Machine Learning` to mostly `Heuristics`, and rules tuned on the model's
//! scores decide differently. The signal is a binomial count like the others
//! ([`super::signals`]): of the requests scored by an engine, those scored by another engine
//! than the reference one. The reference is the engine with the most requests over the whole
//! input (over the baseline window when one is given), pooled across POPs, so one POP's shift
//! cannot make itself the norm; each POP's own usual share is the change model's baseline.
//!
//! Left out of the count: `Verified Bot` and `Cloudflare Service` (classes of client, whose
//! share follows the traffic, not the engines' health) and `Not Computed` (no score at all:
//! the [`super::bot`] signal). The counts per source come from the rates state
//! ([`crate::rates::Counts::bot_sources`]): a fixed vocabulary of the documented values and
//! "other", so the state stays bounded whatever the input.

use std::collections::BTreeMap;

use super::series::{AllSeries, Axis};
use super::signal_model::{BotSourceEvidence, SignalIncident, SignalKind};
use super::signals::{self, Series};
use super::Params;
use crate::event::{bot_source_id, bot_source_name, BOT_SOURCE_IDS};
use crate::rates::Counts;

/// Smallest rise of the share scored by another engine that counts (absolute share): ten
/// points. The mix wanders with the clients (a crawler, a scraper, an app release), by a few
/// points at a POP; an engine failing moves most of the traffic.
pub const MIN_EXCESS: f64 = 0.10;

/// Whether a source id is a scoring engine (not a class of client, not "no score").
fn engine(id: usize) -> bool {
    !["Verified Bot", "Cloudflare Service", crate::event::BOT_NOT_COMPUTED].iter().any(|s| bot_source_id(s) == id)
}

/// The engine with the most requests over `[lo, hi]` (bucket indices) at every POP.
fn reference(all: &AllSeries, lo: usize, hi: usize) -> Option<usize> {
    let mut total = [0u64; BOT_SOURCE_IDS];
    for s in all.pops.values() {
        for (i, c) in &s.cells {
            if (lo..=hi).contains(i) {
                for (t, n) in total.iter_mut().zip(c.bot_sources) {
                    *t += n;
                }
            }
        }
    }
    (0..BOT_SOURCE_IDS)
        .filter(|i| engine(*i))
        .max_by_key(|i| (total.get(*i).copied().unwrap_or(0), std::cmp::Reverse(*i)))
        .filter(|i| total.get(*i).is_some_and(|n| *n > 0))
}

/// The reference engine of a table: over the baseline window when one is given.
fn reference_engine(all: &AllSeries, axis: &Axis, p: &Params) -> Option<usize> {
    let window = p.baseline.and_then(|(a, b)| {
        let lo = axis.times.partition_point(|x| *x + axis.w <= a);
        let hi = axis.times.partition_point(|x| *x < b);
        (hi > lo).then(|| (lo, hi - 1))
    });
    window.and_then(|(lo, hi)| reference(all, lo, hi)).or_else(|| reference(all, 0, usize::MAX - 1))
}

/// Each POP's series: engine-scored requests not scored by `reference`, of the engine-scored.
pub fn series(all: &AllSeries, axis: &Axis, reference: usize) -> Vec<Series> {
    let mut out = Vec::new();
    for (pop, s) in &all.pops {
        let mut d = signals::dense(axis.len());
        let mut any = false;
        for (i, c) in &s.cells {
            let n: u64 = c.bot_sources.iter().enumerate().filter(|(id, _)| engine(*id)).map(|(_, n)| *n).sum();
            let usual = c.bot_sources.get(reference).copied().unwrap_or(0);
            if let (Some(k), Some(nn), Some(x)) = (d.k.get_mut(*i), d.n.get_mut(*i), d.fivexx.get_mut(*i)) {
                *k += n.saturating_sub(usual);
                *nn += n;
                *x += c.status_5xx;
                any |= n > 0;
            }
        }
        if any {
            out.push(Series { pop: pop.clone(), dense: d, threshold_ms: None });
        }
    }
    out
}

/// Shares of each source among the scored requests of some counts, largest first.
fn shares(c: &Counts) -> BTreeMap<String, f64> {
    let n: u64 = c.bot_sources.iter().sum();
    c.bot_sources
        .iter()
        .enumerate()
        .filter(|(_, k)| **k > 0)
        .map(|(id, k)| (bot_source_name(id).to_owned(), signals::round6(*k as f64 / n.max(1) as f64)))
        .collect()
}

/// The bot-score source incidents of a table's series.
pub fn incidents(all: &AllSeries, axis: &Axis, p: &Params) -> Vec<SignalIncident> {
    let Some(reference) = reference_engine(all, axis, p) else {
        return Vec::new();
    };
    let series = series(all, axis, reference);
    if series.iter().all(|s| s.dense.k.iter().all(|k| *k == 0)) {
        return Vec::new();
    }
    let p = Params { min_excess: p.min_excess.max(MIN_EXCESS), ..p.clone() };
    let evidence = |pops: &[String], a: usize, b: usize, s: &mut SignalIncident| {
        let (mut inside, mut whole) = (Counts::EMPTY, Counts::EMPTY);
        for pop in pops {
            if let Some(x) = all.pops.get(pop) {
                inside.merge(&x.total(a, b));
                whole.merge(&x.total(0, usize::MAX - 1));
            }
        }
        whole.subtract(&inside);
        s.bot_sources = Some(BotSourceEvidence {
            reference: bot_source_name(reference).to_owned(),
            before: shares(&whole),
            during: shares(&inside),
        });
    };
    signals::incidents(SignalKind::BotSourceShift, &series, all, axis, &p, &evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_leave_out_clients_and_missing_scores() {
        assert!(engine(bot_source_id("Machine Learning")));
        assert!(engine(bot_source_id("Heuristics")));
        assert!(engine(bot_source_id("something new")));
        assert!(!engine(bot_source_id("Verified Bot")));
        assert!(!engine(bot_source_id("Cloudflare Service")));
        assert!(!engine(bot_source_id("Not Computed")));
    }

    #[test]
    fn shares_of_the_mix() {
        let mut c = Counts::EMPTY;
        c.bot_sources[0] = 3;
        c.bot_sources[1] = 1;
        let s = shares(&c);
        assert_eq!(s.get("Machine Learning"), Some(&0.75));
        assert_eq!(s.get("Heuristics"), Some(&0.25));
        assert_eq!(s.len(), 2);
    }
}
