//! Onset and recovery below the bucket, and how sure they are.

use super::series::{Axis, Dense};

/// Least-squares line through points; returns (slope, intercept).
fn line(pts: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = pts.len() as f64;
    if pts.len() < 2 {
        return None;
    }
    let (sx, sy) = pts.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let sxx: f64 = pts.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some((slope, my - slope * mx))
}

/// When failing began, given the first failing bucket `b`. Errors either rise over several
/// buckets (machines pick a bad configuration up one by one) or jump within one bucket. A rise
/// is a line through the rates of the buckets below the failing rate, extended back to zero;
/// a jump is placed where the bucket's rate says it started (a bucket half as bad as the
/// failing rate failed for its second half). Either way the estimate is no later than the first
/// error and no earlier than the bucket before `b`.
pub fn onset_estimate(s: &Dense, b: usize, p1: f64, ctx: &Axis, first: Option<i64>) -> i64 {
    let w = ctx.w as f64;
    let start = ctx.time(b);
    let first = first.unwrap_or(start);
    let mut rising: Vec<(f64, f64)> = Vec::new();
    for j in b..b + 4 {
        let Some(x) = s.rate(j) else { continue };
        if x >= 0.8 * p1 || rising.last().is_some_and(|l| x < l.1) {
            break;
        }
        rising.push(((ctx.time(j) - start) as f64 + w / 2.0, x));
    }
    let est = match line(&rising) {
        Some((slope, icept)) if rising.len() >= 2 && slope > 0.0 => start as f64 + (-icept / slope),
        _ => {
            let frac = s.rate(b).map_or(1.0, |x| (x / p1).clamp(0.0, 1.0));
            start as f64 + w * (1.0 - frac)
        }
    };
    (est as i64).clamp(start - ctx.w, first.max(start - ctx.w))
}

/// When failing ended, given the last failing bucket `e` (the mirror of [`onset_estimate`]).
pub fn recovery_estimate(s: &Dense, e: usize, p1: f64, ctx: &Axis, last: Option<i64>) -> i64 {
    let w = ctx.w as f64;
    let end = ctx.end(e);
    let last = last.unwrap_or(end);
    let mut falling: Vec<(f64, f64)> = Vec::new();
    for j in (e.saturating_sub(3)..=e).rev() {
        let Some(x) = s.rate(j) else { continue };
        if x >= 0.8 * p1 || falling.last().is_some_and(|l| x < l.1) {
            break;
        }
        falling.push(((ctx.time(j) - end) as f64 + w / 2.0, x));
    }
    let est = match line(&falling) {
        Some((slope, icept)) if falling.len() >= 2 && slope < 0.0 => end as f64 + (-icept / slope),
        _ => {
            let frac = s.rate(e).map_or(1.0, |x| (x / p1).clamp(0.0, 1.0));
            end as f64 - w * (1.0 - frac)
        }
    };
    (est as i64).clamp(last.min(end + ctx.w), end + ctx.w)
}

/// How many mean gaps between errors make the interval's far side: the chance that the wait
/// for the first error after the onset (an exponential wait) is longer is e^-3 ≈ 5 %.
const TAIL_GAPS: f64 = 3.0;
/// Log timestamps may be whole seconds: the first error's recorded time can precede the true
/// onset by up to this much.
const RESOLUTION_NS: i64 = 1_000_000_000;

/// The mean time between excess errors at the span's peak (ns): at `n` requests and `k` errors
/// a bucket over a baseline `p0`, the excess errors arrive `(k − n·p0) / w` per unit time. At
/// a POP of a few requests a minute this is minutes; at a busy one, milliseconds.
pub fn error_gap_ns(s: &Dense, a: usize, b: usize, p0: f64, ax: &Axis) -> f64 {
    let best = (a..=b)
        .filter_map(|j| {
            let n = *s.n.get(j)? as f64;
            let k = *s.k.get(j)? as f64;
            Some((k - n * p0).max(0.0))
        })
        .fold(0.0, f64::max);
    let w = ax.w as f64;
    if best >= 1.0 {
        w / best
    } else {
        w
    }
}

/// The onset's interval: no later than the first error (it cannot precede the onset it
/// signals, but for the timestamps' resolution), and no earlier than the estimate or three
/// mean gaps before the first error, whichever is earlier.
pub fn onset_interval(est: i64, first: Option<i64>, gap_ns: f64) -> (i64, i64) {
    let first = first.unwrap_or(est);
    let lo = est.min(first.saturating_sub((TAIL_GAPS * gap_ns) as i64));
    (lo, est.max(first).saturating_add(RESOLUTION_NS))
}

/// The recovery's interval: no earlier than the last error, no later than the estimate or
/// three mean gaps after the last error, whichever is later.
pub fn recovery_interval(est: i64, last: Option<i64>, gap_ns: f64) -> (i64, i64) {
    let last = last.unwrap_or(est);
    let hi = est.max(last.saturating_add((TAIL_GAPS * gap_ns) as i64));
    (est.min(last).saturating_sub(RESOLUTION_NS), hi)
}
