//! The bot-score signal: per POP and bucket, the share of requests whose bot score was not
//! computed (score 0, or source `Not Computed`) among those whose log records a score.
//!
//! On 18 November 2025 requests served by Cloudflare's old proxy got no errors but a bot score
//! of 0, and sites that block low scores blocked their users. A jump in that share at a POP is
//! a change like a jump in errors: the same model finds it ([`super::signals`]), and each
//! incident carries the blocks and challenges before and during it
//! ([`crate::signatures::bot_score_missing`]).

use super::series::{AllSeries, Axis};
use super::signal_model::{SignalIncident, SignalKind};
use super::signals::{self, Series};
use super::Params;

/// Smallest rise of the score-0 share that counts (absolute share): five points. Some traffic
/// is never scored by design, and its share wanders with the mix of clients; the failure this
/// signal exists for takes the share from a few percent to nearly all requests.
pub const MIN_EXCESS: f64 = 0.05;

/// Each POP's series: score-0 requests of the scored ones. POPs that record no score are left
/// out.
pub fn series(all: &AllSeries, axis: &Axis) -> Vec<Series> {
    let t = axis.len();
    let mut out = Vec::new();
    for (pop, s) in &all.pops {
        if !s.cells.iter().any(|(_, c)| c.bot_scored > 0) {
            continue;
        }
        let mut d = signals::dense(t);
        for (i, c) in &s.cells {
            if let (Some(k), Some(n), Some(f), Some(l), Some(x)) =
                (d.k.get_mut(*i), d.n.get_mut(*i), d.first.get_mut(*i), d.last.get_mut(*i), d.fivexx.get_mut(*i))
            {
                *k += c.bot_missing;
                *n += c.bot_scored;
                *f = (*f).min(c.first_bot_missing_ns);
                *l = (*l).max(c.last_bot_missing_ns);
                *x += c.status_5xx;
            }
        }
        out.push(Series { pop: pop.clone(), dense: d, threshold_ms: None });
    }
    out
}

/// The bot-score incidents of a table's series.
pub fn incidents(all: &AllSeries, axis: &Axis, p: &Params) -> Vec<SignalIncident> {
    let series = series(all, axis);
    if series.iter().all(|s| s.dense.k.iter().all(|k| *k == 0)) {
        return Vec::new();
    }
    let p = Params { min_excess: p.min_excess.max(MIN_EXCESS), ..p.clone() };
    signals::incidents(SignalKind::BotScoreMissing, &series, all, axis, &p, &|_, _, _, _| {})
}
