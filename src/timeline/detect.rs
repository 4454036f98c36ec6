//! Failing spans of one series: the change model, the tests a span must pass, and its refined,
//! interval-bounded onset and recovery.

use super::hmm::{self, Prior, Rates};
use super::refine;
use super::series::{Axis, Dense};
use super::Params;

/// A failing span of one series.
#[derive(Debug, Clone)]
pub struct Span {
    /// Bucket index of the first and last failing bucket (after refinement).
    pub start: usize,
    /// See `start`.
    pub end: usize,
    /// Onset, ns.
    pub onset_ns: i64,
    /// Recovery, ns.
    pub recovery_ns: i64,
    /// The onset's interval, ns.
    pub onset_iv: (i64, i64),
    /// The recovery's interval, ns.
    pub recovery_iv: (i64, i64),
    /// The series was already failing at its first bucket with traffic.
    pub onset_censored: bool,
    /// The series was still failing at its last bucket with traffic.
    pub recovery_censored: bool,
    /// Failing runs (bucket ranges) of the span.
    pub runs: Vec<(usize, usize)>,
    /// Refined start time of each run, ns.
    pub run_starts_ns: Vec<i64>,
    /// Posterior probability that the series failed in this span.
    pub p_affected: f64,
    /// The healthy rate the span was measured against.
    pub baseline: f64,
    /// The span's blamed-error rate above the baseline.
    pub excess_rate: f64,
    /// Blamed errors above the baseline over the span.
    pub failed: u64,
}

/// How many requests' worth of evidence the healthy reference carries in the span test.
const PRIOR_REQUESTS: f64 = 100.0;

/// What one series shows.
#[derive(Debug, Clone, Default)]
pub struct Detection {
    /// Accepted failing spans.
    pub spans: Vec<Span>,
    /// The healthy rate.
    pub baseline: f64,
    /// Posterior probability that a span weighed and refused was a change after all (how sure
    /// "not affected" is: 1 minus this).
    pub p_outside: f64,
}

/// What the whole input tells each series.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The time axis.
    pub axis: &'a Axis,
    /// The method's parameters.
    pub params: &'a Params,
    /// The healthy rate of blamed errors pooled over the healthy series of the input (or the
    /// prior when none is healthy).
    pub reference: f64,
    /// The quiet period as bucket indices, when one was named.
    pub quiet: Option<(usize, usize)>,
    /// Windows (bucket ranges) in which other series were found failing. A span inside one is
    /// one of the spans of that window, not of the whole series, and is priced as such.
    pub windows: &'a [(usize, usize)],
}

/// The failing spans of one series.
pub fn detect(s: &Dense, cx: &Context<'_>) -> Detection {
    let p = cx.params;
    let total_k: u64 = s.k.iter().sum();
    if total_k == 0 {
        return Detection { baseline: p.baseline_floor, ..Detection::default() };
    }
    let fixed_p0 = cx.quiet.and_then(|(a, b)| {
        let (k, n) = s.sum(a, b);
        (n > 0).then(|| (k as f64 / n as f64).max(p.baseline_floor))
    });
    let prior = Prior { floor: p.baseline_floor, min_effect: p.min_excess, fixed_p0 };
    let r = hmm::fit(&s.k, &s.n, prior, p.switch);
    let active: Vec<usize> = (0..s.n.len()).filter(|j| s.n.get(*j).is_some_and(|n| *n > 0)).collect();
    let (Some(&first_active), Some(&last_active)) = (active.first(), active.last()) else {
        return Detection::default();
    };
    // Failing throughout: even the series' healthy state is far above what healthy series
    // show. Without a quiet period in the input, a steady rate can only be judged by its size.
    if fixed_p0.is_none() && r.p0 >= cx.reference + p.steady_margin {
        let (k, n) = s.sum(first_active, last_active);
        if hmm::tail(k, n, cx.reference + p.steady_margin) < p.alpha {
            let runs = vec![(first_active, last_active)];
            let span = whole_span(s, cx, runs, r, cx.reference);
            return Detection { spans: vec![span], baseline: cx.reference, p_outside: 0.0 };
        }
    }
    if !r.has_failing {
        return Detection { baseline: r.p0, ..Detection::default() };
    }
    let path = hmm::viterbi(&s.k, &s.n, r, p.switch);
    let post = hmm::posterior(&s.k, &s.n, r, p.switch);
    let mut spans = Vec::new();
    // The most probable change among the spans that were weighed and refused (too short or too
    // small ones are not changes at all).
    let mut rejected: f64 = 0.0;
    for g in groups(&path, cx) {
        match span_of(s, cx, &g, &path, &post, r) {
            Ok(span) => spans.push(span),
            Err(p) => rejected = rejected.max(p),
        }
    }
    Detection { spans, baseline: r.p0, p_outside: rejected.clamp(0.0, 1.0) }
}

/// Failing runs of the path, grouped into spans of runs closer than the split gap.
fn groups(path: &[bool], cx: &Context<'_>) -> Vec<Vec<(usize, usize)>> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < path.len() {
        if path.get(i).copied().unwrap_or(false) {
            let mut j = i;
            while path.get(j + 1).copied().unwrap_or(false) {
                j += 1;
            }
            runs.push((i, j));
            i = j + 1;
        } else {
            i += 1;
        }
    }
    let gap_ns = cx.params.split_gap_secs.saturating_mul(1_000_000_000);
    let mut groups: Vec<Vec<(usize, usize)>> = Vec::new();
    for run in runs {
        match groups.last_mut() {
            Some(g) if g.last().is_some_and(|l| cx.axis.time(run.0) - cx.axis.end(l.1) <= gap_ns) => g.push(run),
            _ => groups.push(vec![run]),
        }
    }
    groups
}

/// One group of runs as a span, when it passes the tests: long enough, and standing out from
/// the rest of the series by at least the minimum effect and far beyond chance (with the
/// series' dispersion).
fn span_of(
    s: &Dense,
    cx: &Context<'_>,
    g: &[(usize, usize)],
    path: &[bool],
    post: &[f64],
    r: Rates,
) -> Result<Span, f64> {
    let (p, ax) = (cx.params, cx.axis);
    let failing_ns: i64 = g.iter().map(|(a, b)| ax.end(*b) - ax.time(*a)).sum();
    if failing_ns < p.min_failing_secs.saturating_mul(1_000_000_000).max(ax.w) {
        return Err(0.0);
    }
    let (Some(&(first_a, _)), Some(&(_, last_b))) = (g.first(), g.last()) else {
        return Err(0.0);
    };
    let mut mask = vec![false; s.k.len()];
    for (a, b) in g {
        for m in mask.iter_mut().take(*b + 1).skip(*a) {
            *m = true;
        }
    }
    // Inside: this group's runs. Outside: the buckets the path calls healthy (other failing
    // groups of the same series are neither).
    let (mut k_in, mut n_in, mut k_out, mut n_out) = (0u64, 0u64, 0u64, 0u64);
    for (j, (k, n)) in s.k.iter().zip(&s.n).enumerate() {
        if mask.get(j).copied().unwrap_or(false) {
            k_in += k;
            n_in += n;
        } else if !path.get(j).copied().unwrap_or(false) {
            k_out += k;
            n_out += n;
        }
    }
    let background = if n_out > 0 { k_out as f64 / n_out as f64 } else { r.p0 }.max(p.baseline_floor);
    if n_in == 0 || (k_in as f64 / n_in as f64) < background + p.min_excess {
        return Err(0.0);
    }
    // The span must explain the series far better than one steady rate does: a two-sample
    // likelihood ratio (the evidence shrunk by the series' dispersion, so wander does not
    // count) above the price of having chosen this span among all the spans the series
    // offers (about T² of them) at a 1-in-1000 level. The outside carries the reference as a
    // weak prior (worth a hundred requests), so a span that swallows almost the whole series
    // is still weighed against what healthy series show.
    let buckets = g.iter().map(|(a, b)| b - a + 1).sum::<usize>().max(1) as f64;
    let phi = 1.0 + (n_in as f64 / buckets - 1.0).max(0.0) * r.rho;
    let penalty = price(s, cx, (first_a, last_b));
    let (k_prior, n_prior) = (PRIOR_REQUESTS * cx.reference, PRIOR_REQUESTS);
    let out = (k_out as f64 + k_prior, n_out as f64 + n_prior);
    // The posterior that this span is a change, with the price as prior odds.
    let p_change = 1.0 / (1.0 + (penalty - hmm::split_gain((k_in as f64, n_in as f64), out) / phi).exp());
    if p_change < 0.5 {
        return Err(p_change);
    }
    let elevated = |j: usize| -> bool {
        let (k, n) = (s.k.get(j).copied().unwrap_or(0), s.n.get(j).copied().unwrap_or(0));
        k > 0 && hmm::tail(k, n, r.p0) < p.alpha
    };
    let mut start = first_a;
    while start > 0 && elevated(start - 1) {
        start -= 1;
    }
    let mut end = last_b;
    while end + 1 < s.k.len() && elevated(end + 1) {
        end += 1;
    }
    let run_starts_ns = g
        .iter()
        .map(|(a, _)| {
            let mut b = *a;
            while b > 0 && !path.get(b - 1).copied().unwrap_or(true) && elevated(b - 1) {
                b -= 1;
            }
            s.first_err(b).unwrap_or_else(|| ax.time(b))
        })
        .collect();
    let p_affected = (start..=end).filter_map(|j| post.get(j).copied()).fold(0.0, f64::max).min(p_change);
    Ok(finish(s, cx, (start, end), g.to_vec(), run_starts_ns, r, p_affected, r.p0))
}

/// The price of a span among the spans it was chosen from, in nats: about T² spans of a series of
/// T active buckets, at a 1-in-1000 level. A span inside a window in which other series were
/// found failing (the same incident seen elsewhere) was chosen among the spans of that window
/// only (and among the windows), so it pays for those: a quiet POP of a moving or partial
/// incident is weighed on its own evidence without paying for the hours around it.
fn price(s: &Dense, cx: &Context<'_>, (a, b): (usize, usize)) -> f64 {
    let active =
        |lo: usize, hi: usize| s.n.get(lo..=hi).map_or(0, |v| v.iter().filter(|n| **n > 0).count()).max(2) as f64;
    let whole = active(0, s.n.len().saturating_sub(1));
    let mut searched = whole * whole;
    if let Some(&(lo, hi)) = cx.windows.iter().find(|(lo, hi)| *lo <= a && b <= *hi) {
        let w = active(lo, hi);
        searched = searched.min(w * w * cx.windows.len() as f64);
    }
    searched.ln() + 1000f64.ln()
}

/// A span covering the whole series (failing throughout): both ends censored.
fn whole_span(s: &Dense, cx: &Context<'_>, runs: Vec<(usize, usize)>, r: Rates, baseline: f64) -> Span {
    let (a, b) = runs.first().map_or((0, 0), |x| *x);
    let starts = vec![s.first_err(a).unwrap_or_else(|| cx.axis.time(a))];
    finish(s, cx, (a, b), runs, starts, r, 1.0, baseline)
}

#[expect(clippy::too_many_arguments, reason = "the parts of a span, computed by its two callers")]
fn finish(
    s: &Dense,
    cx: &Context<'_>,
    (start, end): (usize, usize),
    runs: Vec<(usize, usize)>,
    run_starts_ns: Vec<i64>,
    r: Rates,
    p_affected: f64,
    baseline: f64,
) -> Span {
    let ax = cx.axis;
    // Censored only at the input's own ends: a POP whose first request comes hours into the
    // input, already failing, began failing some time before it, inside the input.
    let last_bucket = ax.len().saturating_sub(1);
    let before = start > 0 && (0..start).any(|j| s.n.get(j).is_some_and(|n| *n > 0)) || start > 1;
    let after =
        end < last_bucket && (end + 1..s.n.len()).any(|j| s.n.get(j).is_some_and(|n| *n > 0)) || end + 1 < last_bucket;
    let lv = refine::Levels { p0: baseline, p1: r.p1, rho: r.rho };
    let (onset_ns, onset_iv) = if before {
        let p = refine::onset(s, start, lv, ax, s.first_err(start));
        (p.est, p.iv)
    } else {
        let t = s.first_err(start).unwrap_or_else(|| ax.time(start));
        (t, (t, t))
    };
    let (recovery_ns, recovery_iv) = if after {
        let p = refine::recovery(s, end, lv, ax, s.last_err(end));
        (p.est, p.iv)
    } else {
        let t = s.last_err(end).unwrap_or_else(|| ax.end(end));
        (t, (t, t))
    };
    let (k, n) = s.sum(start, end);
    let expected = n as f64 * baseline;
    Span {
        start,
        end,
        onset_ns,
        recovery_ns,
        onset_iv,
        recovery_iv,
        onset_censored: !before,
        recovery_censored: !after,
        runs,
        run_starts_ns,
        p_affected: p_affected.clamp(0.0, 1.0),
        baseline,
        excess_rate: if n > 0 { k as f64 / n as f64 - baseline } else { 0.0 },
        failed: (k as f64 - expected).max(0.0).round() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flapping_busy_pop_inside_an_outage_only_slice_is_found() {
        let kn: Vec<(u64, u64)> = vec![
            (8, 11),
            (7, 11),
            (10, 19),
            (0, 12),
            (0, 9),
            (8, 15),
            (6, 11),
            (18, 23),
            (0, 12),
            (5, 18),
            (10, 16),
            (19, 24),
            (5, 14),
            (0, 11),
            (5, 9),
            (19, 23),
            (11, 17),
            (8, 14),
            (0, 15),
            (0, 6),
            (14, 22),
            (17, 22),
            (16, 22),
            (0, 11),
            (0, 12),
            (12, 19),
            (14, 25),
            (9, 15),
            (0, 14),
            (0, 11),
            (7, 14),
            (22, 27),
            (15, 19),
            (0, 10),
            (2, 12),
            (13, 19),
            (13, 19),
            (0, 10),
            (0, 12),
            (0, 17),
            (7, 15),
            (12, 20),
            (14, 27),
            (0, 14),
            (7, 17),
            (11, 20),
            (14, 21),
            (7, 10),
            (0, 11),
            (0, 6),
            (14, 18),
            (12, 20),
            (3, 9),
            (0, 13),
            (0, 14),
            (11, 16),
            (15, 21),
            (6, 12),
            (0, 6),
            (3, 16),
        ];
        let w = 60_000_000_000;
        let axis = Axis::new((0..kn.len() as i64).map(|i| i * w), w);
        let mut d = Dense {
            k: kn.iter().map(|x| x.0).collect(),
            n: kn.iter().map(|x| x.1).collect(),
            first: vec![i64::MAX; kn.len()],
            last: vec![i64::MIN; kn.len()],
            fivexx: kn.iter().map(|x| x.0).collect(),
        };
        for j in 0..kn.len() {
            if d.k[j] > 0 {
                d.first[j] = j as i64 * w + 1_000_000_000;
                d.last[j] = j as i64 * w + 59_000_000_000;
            }
        }
        let p = Params::default();
        let cx = Context { axis: &axis, params: &p, reference: 0.001, quiet: None, windows: &[] };
        let r =
            hmm::fit(&d.k, &d.n, Prior { floor: p.baseline_floor, min_effect: p.min_excess, fixed_p0: None }, p.switch);
        let det = detect(&d, &cx);
        assert_eq!(det.spans.len(), 1, "{r:?} {det:?}");
    }

    /// A quiet series with a few errors a minute for forty minutes: weighed among all the spans
    /// of its two and a half hours it is not a change; inside a window in which other series were
    /// found failing, it is.
    #[test]
    fn a_quiet_series_inside_another_series_window() {
        let (t, w) = (150usize, 60_000_000_000i64);
        let axis = Axis::new((0..t as i64).map(|i| i * w), w);
        let k: Vec<u64> = (0..t).map(|j| u64::from((60..100).contains(&j) && j % 4 == 0)).collect();
        let n = vec![5u64; t];
        let d = Dense {
            first: (0..t).map(|j| if k[j] > 0 { j as i64 * w + 1_000_000_000 } else { i64::MAX }).collect(),
            last: (0..t).map(|j| if k[j] > 0 { j as i64 * w + 59_000_000_000 } else { i64::MIN }).collect(),
            fivexx: k.clone(),
            k,
            n,
        };
        let p = Params::default();
        let alone = Context { axis: &axis, params: &p, reference: 0.001, quiet: None, windows: &[] };
        assert!(detect(&d, &alone).spans.is_empty(), "{:?}", detect(&d, &alone));
        let windows = [(55, 105)];
        let seen = Context { windows: &windows, ..alone };
        let det = detect(&d, &seen);
        assert_eq!(det.spans.len(), 1, "{det:?}");
        // A window elsewhere changes nothing.
        let elsewhere = [(0, 40)];
        assert!(detect(&d, &Context { windows: &elsewhere, ..alone }).spans.is_empty());
    }
}
