//! Onset and recovery below the bucket, and how sure they are.

use super::series::{Axis, Dense};

/// Ramp (and fade) durations tried, seconds: from a step to the few minutes a configuration
/// takes to reach every machine of a POP.
const RAMPS_S: [f64; 9] = [0.0, 10.0, 30.0, 60.0, 90.0, 120.0, 180.0, 240.0, 300.0];
/// Half the 95 % quantile of χ² with one degree of freedom: onsets whose profile likelihood is
/// within this of the best one form the interval.
const HALF_CHI2_95: f64 = 1.92;
/// Buckets before (after) the first (last) failing bucket the change may lie in.
const REACH: usize = 5;

/// Log timestamps may be whole seconds: an error's recorded time can precede the change it
/// signals by up to this much.
const RESOLUTION_NS: i64 = 1_000_000_000;

/// A change placed below the bucket: the estimate and its interval, ns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    /// Maximum-likelihood time.
    pub est: i64,
    /// Profile-likelihood interval (about 95 %).
    pub iv: (i64, i64),
}

/// ∫ from −∞ to x of the share failing `u` seconds after the change when it rises linearly over
/// `r` seconds: 0 before, u/r during, 1 after.
fn ramp_area(x: f64, r: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else if x >= r {
        x - r / 2.0
    } else {
        x * x / (2.0 * r)
    }
}

/// The rates a change fits to, and how much a bucket's evidence counts.
#[derive(Debug, Clone, Copy)]
pub struct Levels {
    /// Healthy rate.
    pub p0: f64,
    /// Failing rate.
    pub p1: f64,
    /// Dispersion (see [`super::hmm::Rates::rho`]).
    pub rho: f64,
}

/// Log-likelihood of bucket `j` when the share failing over it is `f`.
fn bucket_ll(s: &Dense, j: usize, f: f64, lv: Levels) -> f64 {
    let (k, n) = (s.k.get(j).copied().unwrap_or(0) as f64, s.n.get(j).copied().unwrap_or(0) as f64);
    if n <= 0.0 {
        return 0.0;
    }
    let r = (lv.p0 + (lv.p1 - lv.p0) * f).clamp(1e-9, 1.0 - 1e-9);
    (k * r.ln() + (n - k) * (1.0 - r).ln()) / (1.0 + (n - 1.0) * lv.rho)
}

/// The plateau rate near a change: buckets within [a, b] at 80 % of the failing rate or more,
/// when they hold at least ten errors.
fn plateau(s: &Dense, a: usize, b: usize, p1: f64) -> f64 {
    let (k, n) = (a..=b)
        .filter(|j| s.rate(*j).is_some_and(|x| x >= 0.8 * p1))
        .fold((0, 0), |(k, n), j| (k + s.k.get(j).copied().unwrap_or(0), n + s.n.get(j).copied().unwrap_or(0)));
    // A handful of errors says little about the level: a quiet POP's one error in eight
    // requests is not a 12 % plateau.
    if k >= 10 && n > 0 {
        (k as f64 / n as f64).max(p1)
    } else {
        p1
    }
}

/// When failing began, given the first failing bucket `b` and its first error: the maximum
/// likelihood of a change that rises linearly (a step up to a five-minute ramp) from the
/// baseline to the plateau, over the buckets around `b` and the quiet wait before the first
/// error; the interval is where the profile likelihood stays within χ²₁(95 %)/2 of the best.
/// Never after the first error.
pub fn onset(s: &Dense, b: usize, lv: Levels, ax: &Axis, first: Option<i64>) -> Placed {
    let w_s = ax.w as f64 / 1e9;
    let hi_j = (b..(b + REACH).min(s.n.len().saturating_sub(1)))
        .find(|j| s.rate(*j).is_some_and(|x| x >= 0.8 * lv.p1))
        .unwrap_or((b + REACH).min(s.n.len().saturating_sub(1)))
        .max(b);
    // The span's failing rate sizes the search and the interval; the plateau near the change
    // shapes the ramp.
    let span = lv;
    let lv = Levels { p1: plateau(s, b, hi_j, lv.p1), ..lv };
    let origin = ax.time(b);
    let rel = |t: i64| (t - origin) as f64 / 1e9;
    // The first error of the change: earlier errors, too few to be significant alone, belong
    // to it when the cumulative evidence says so (as far back as a change can stay unseen at
    // this volume). The likelihood is then weighed back to where the change could have begun
    // unseen, so a quiet POP's estimate is not pinned to its first error.
    let back = search_buckets(s, ax, b, span.p1);
    let j0 = cusum(s, (b.saturating_sub(back)..b).rev(), span).unwrap_or(b);
    let first = if j0 < b { (j0..b).find_map(|j| s.first_err(j)).or(first) } else { first };
    let unseen = quiet_reach(s, ax, first.unwrap_or_else(|| ax.time(j0)), span.p1, -1);
    let reach_j = ax.times.partition_point(|t| *t <= unseen).saturating_sub(1);
    let lo_j = j0.saturating_sub(REACH).min(reach_j).max(j0.saturating_sub(MAX_SEARCH));
    let first_s = first.map_or(rel(ax.end(b)), rel);
    let rate_b = s.n.get(j0).copied().unwrap_or(0) as f64 / w_s;
    let t_lo = rel(ax.time(lo_j));
    let step = (w_s / 60.0).max(0.25);
    let score = |t0: f64| change_ll(s, ax, lv, (lo_j, hi_j), &rel, (t0, 1.0), (first_s, rate_b));
    let p = profile(t_lo, first_s, step, score, origin);
    let first_ns = first.unwrap_or(p.iv.1);
    let quiet = quiet_reach(s, ax, first_ns, span.p1, -1);
    Placed { est: p.est, iv: (p.iv.0.min(quiet), p.iv.1.max(first_ns.saturating_add(RESOLUTION_NS))) }
}

/// When failing ended, given the last failing bucket `e` and its last error: the mirror of
/// [`onset`] (a fade from the plateau to the baseline, never before the last error).
pub fn recovery(s: &Dense, e: usize, lv: Levels, ax: &Axis, last: Option<i64>) -> Placed {
    let w_s = ax.w as f64 / 1e9;
    let top = s.n.len().saturating_sub(1);
    let lo_j = (e.saturating_sub(REACH)..=e)
        .rev()
        .find(|j| s.rate(*j).is_some_and(|x| x >= 0.8 * lv.p1))
        .unwrap_or(e.saturating_sub(REACH))
        .min(e);
    let span = lv;
    let lv = Levels { p1: plateau(s, lo_j, e, lv.p1), ..lv };
    let origin = ax.end(e);
    let rel = |t: i64| (t - origin) as f64 / 1e9;
    // The last error of the change: a later bucket's errors the baseline would rarely give.
    let ahead = search_buckets(s, ax, e, span.p1);
    let j1 = cusum(s, e + 1..=(e + ahead).min(top), span).unwrap_or(e);
    let last = if j1 > e { (e + 1..=j1).rev().find_map(|j| s.last_err(j)).or(last) } else { last };
    let unseen = quiet_reach(s, ax, last.unwrap_or_else(|| ax.end(j1)), span.p1, 1);
    let reach_j = ax.times.partition_point(|t| *t <= unseen).saturating_sub(1);
    let hi_j = (j1 + REACH).max(reach_j).min(j1 + MAX_SEARCH).min(top);
    let last_s = last.map_or(rel(ax.time(e)), rel);
    let rate_e = s.n.get(j1).copied().unwrap_or(0) as f64 / w_s;
    let t_hi = rel(ax.end(hi_j));
    let step = (w_s / 60.0).max(0.25);
    let score = |t1: f64| change_ll(s, ax, lv, (lo_j, hi_j), &rel, (t1, -1.0), (last_s, rate_e));
    let p = profile(last_s, t_hi, step, score, origin);
    let last_ns = last.unwrap_or(p.iv.0);
    let quiet = quiet_reach(s, ax, last_ns, span.p1, 1);
    Placed { est: p.est, iv: (p.iv.0.min(last_ns.saturating_sub(RESOLUTION_NS)), p.iv.1.max(quiet)) }
}

/// Log-likelihood of a change at `t` seconds from the origin (`dir` +1: a rise after `t`, −1: a
/// fade before it), the best over the ramp lengths: the buckets `lo..=hi`, and the quiet wait
/// between the change and the `nearest` error at `rate` requests a second.
fn change_ll(
    s: &Dense,
    ax: &Axis,
    lv: Levels,
    (lo, hi): (usize, usize),
    rel: &dyn Fn(i64) -> f64,
    (t, dir): (f64, f64),
    (nearest, rate): (f64, f64),
) -> f64 {
    RAMPS_S
        .iter()
        .map(|&r| {
            let ll: f64 = (lo..=hi)
                .map(|j| {
                    let (a, e) = (dir * (rel(ax.time(j)) - t), dir * (rel(ax.end(j)) - t));
                    let (a, e) = (a.min(e), a.max(e));
                    bucket_ll(s, j, (ramp_area(e, r) - ramp_area(a, r)) / (e - a).max(1e-9), lv)
                })
                .sum();
            ll - rate * (lv.p1 - lv.p0) * ramp_area(dir * (nearest - t), r)
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

/// Where a change most likely lies along `buckets` (walked away from the failing span): the
/// bucket at which the cumulative log-likelihood ratio of failing over healthy peaks (a CUSUM).
/// At a POP of ten requests a minute failing at 4 %, an error weighs about +4 and a quiet
/// minute −0.4, so the change reaches back to the earliest error that the quiet minutes
/// before the span do not outweigh. `None` when no bucket favours failing.
fn cusum(s: &Dense, buckets: impl Iterator<Item = usize>, lv: Levels) -> Option<usize> {
    let mut cum = 0.0;
    let mut best: Option<(f64, usize)> = None;
    for j in buckets {
        cum += bucket_ll(s, j, 1.0, lv) - bucket_ll(s, j, 0.0, lv);
        if cum > best.map_or(0.0, |b| b.0) {
            best = Some((cum, j));
        }
    }
    best.map(|b| b.1)
}

/// Most buckets searched for a change's first (last) error.
const MAX_SEARCH: usize = 60;

/// How many buckets from `j` a change can stay unseen at the volume of bucket `j`.
fn search_buckets(s: &Dense, ax: &Axis, j: usize, p1: f64) -> usize {
    let w_s = (ax.end(j) - ax.time(j)).max(1) as f64 / 1e9;
    ((reach_secs(s, ax, j, p1) / w_s).ceil() as usize).clamp(REACH, MAX_SEARCH)
}

/// Seconds a change can stay unseen near bucket `j` (see [`quiet_reach`]).
fn reach_secs(s: &Dense, ax: &Axis, j: usize, p1: f64) -> f64 {
    let w_s = (ax.end(j) - ax.time(j)).max(1) as f64 / 1e9;
    let lam = s.n.get(j).copied().unwrap_or(0) as f64 / w_s * p1.max(1e-6);
    let r_max = RAMPS_S.iter().copied().fold(0.0, f64::max);
    if lam > 0.0 {
        (3.0 / lam).max((6.0 * r_max / lam).sqrt()).min(7200.0)
    } else {
        w_s
    }
}

/// How far from an error (`dir` −1: back, +1: forward) the change can lie unseen, with 95 %
/// confidence: under a step the wait for the first error is exponential (`3 / λp₁` seconds at
/// `λ` requests a second failing at `p₁`); under a linear ramp (or fade) of up to five minutes
/// the share failing near the change is small, and the wait is `√(6R / λp₁)`. The longer of
/// the two: a POP of a few requests a minute reaches minutes; a busy one, seconds.
fn quiet_reach(s: &Dense, ax: &Axis, from: i64, p1: f64, dir: i64) -> i64 {
    let j = ax.times.partition_point(|t| *t <= from).saturating_sub(1);
    let ramp_ns = (reach_secs(s, ax, j, p1) * 1e9) as i64;
    // The step: walk the buckets away from the error until a POP failing at `p1` would have
    // given three errors, at the volumes those buckets really had.
    let cap = 7_200_000_000_000_i64;
    let (mut expected, mut t, mut i) = (0.0, from, j);
    let step_ns = loop {
        let (a, e) = (ax.time(i), ax.end(i));
        let per_ns = s.n.get(i).copied().unwrap_or(0) as f64 * p1 / (e - a).max(1) as f64;
        let edge = if dir < 0 { a } else { e };
        let span = (t - edge).abs() as f64;
        if per_ns > 0.0 && expected + per_ns * span >= 3.0 {
            break (t - from).abs() + ((3.0 - expected) / per_ns) as i64;
        }
        expected += per_ns * span;
        t = edge;
        let next = if dir < 0 { i.checked_sub(1) } else { Some(i + 1).filter(|x| *x < s.n.len()) };
        match next {
            Some(x) if (t - from).abs() < cap => i = x,
            _ => break (t - from).abs(),
        }
    };
    from.saturating_add(dir.saturating_mul(ramp_ns.max(step_ns).min(cap)))
}
/// The posterior mean of `score` (a log-likelihood) on a grid over [from, to] (seconds from
/// `origin`) and the range of points within [`HALF_CHI2_95`] of its best.
fn profile(from: f64, to: f64, step: f64, score: impl Fn(f64) -> f64, origin: i64) -> Placed {
    let to = to.max(from);
    let n = (((to - from) / step).ceil() as usize).min(100_000);
    let pts: Vec<(f64, f64)> = (0..=n).map(|i| (from + i as f64 * step).min(to)).map(|t| (t, score(t))).collect();
    let best = pts.iter().copied().fold((to, f64::NEG_INFINITY), |b, x| if x.1 > b.1 { x } else { b });
    let near: Vec<f64> = pts.iter().filter(|x| x.1 >= best.1 - HALF_CHI2_95).map(|x| x.0).collect();
    let lo = near.iter().copied().fold(best.0, f64::min);
    let hi = near.iter().copied().fold(best.0, f64::max);
    // The estimate is the posterior mean under a flat prior: the likelihood of a ramp is flat
    // near the change and its maximum sits at the edge next to the first error.
    let (sw, swt) = pts.iter().fold((0.0, 0.0), |(a, b), x| {
        let wt = (x.1 - best.1).exp();
        (a + wt, b + wt * x.0)
    });
    let mean = if sw > 0.0 { swt / sw } else { best.0 };
    let ns = |x: f64| origin.saturating_add((x * 1e9) as i64);
    Placed { est: ns(mean), iv: (ns(lo.min(mean)), ns(hi.max(mean))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense(kn: &[(u64, u64)], first: &[(usize, i64)], w: i64) -> Dense {
        let t = kn.len();
        let mut d = Dense {
            k: kn.iter().map(|x| x.0).collect(),
            n: kn.iter().map(|x| x.1).collect(),
            first: vec![i64::MAX; t],
            last: vec![i64::MIN; t],
            fivexx: kn.iter().map(|x| x.0).collect(),
        };
        for (j, f) in first {
            d.first[*j] = *f;
            d.last[*j] = j_end(*j, w) - 1;
        }
        d
    }

    fn j_end(j: usize, w: i64) -> i64 {
        (j as i64 + 1) * w
    }

    #[test]
    fn a_step_half_way_through_a_busy_bucket() {
        let w = 60_000_000_000;
        let ax = Axis::new((0..10).map(|i| i * w), w);
        // 600 requests a minute; from 3:30 on, 60 % fail.
        let kn: Vec<(u64, u64)> = (0..10)
            .map(|j| match j {
                0..=2 => (0, 600),
                3 => (180, 600),
                _ => (360, 600),
            })
            .collect();
        let d = dense(&kn, &[(3, 3 * w + 30_100_000_000)], w);
        let lv = Levels { p0: 0.0005, p1: 0.6, rho: 0.0 };
        let p = onset(&d, 3, lv, &ax, Some(3 * w + 30_100_000_000));
        let truth = 3 * w + 30_000_000_000;
        assert!((p.est - truth).abs() < 3_000_000_000, "{p:?}");
        assert!(p.iv.0 <= truth && truth <= p.iv.1, "{p:?}");
        assert!(p.est <= 3 * w + 30_100_000_000);
    }

    #[test]
    fn a_quiet_pop_gets_a_wide_interval_that_holds_the_truth() {
        let w = 60_000_000_000;
        let ax = Axis::new((0..10).map(|i| i * w), w);
        // 4 requests a minute; from 3:00 on, half fail: the first error came at 3:40.
        let kn: Vec<(u64, u64)> = vec![(0, 4), (0, 4), (0, 4), (1, 4), (2, 4), (2, 4), (3, 4), (2, 4), (2, 4), (2, 4)];
        let first = 3 * w + 40_000_000_000;
        let d = dense(&kn, &[(3, first)], w);
        let lv = Levels { p0: 0.0005, p1: 0.5, rho: 0.0 };
        let p = onset(&d, 3, lv, &ax, Some(first));
        assert!(p.iv.0 <= 3 * w && p.iv.1 >= 3 * w, "{p:?}");
        assert!(p.iv.1 - p.iv.0 > 20_000_000_000, "{p:?}");
    }
}
