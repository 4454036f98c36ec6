//! A two-state hidden Markov model over binomial counts: per time bucket, `k` errors out of `n`
//! requests, emitted at rate `p0` when healthy and `p1` when failing.
//!
//! The rates are fitted to the series itself by expectation-maximisation of a two-component
//! binomial mixture (so the baseline is whatever this series normally does), the state path is
//! the Viterbi path under a fixed switching probability, and the posterior of each state comes
//! from the forward-backward recursions. Everything is in log space; buckets without requests
//! carry no evidence.
//!
//! **The ends of the input.** The series is taken to be healthy just before its first bucket and
//! just after its last: failing at either end costs one switch. Without the second step a
//! failing state could run on to the end of the input for free, and a quiet POP's sparse tail
//! (a request every few minutes, each weak evidence when the failing rate is low) would keep an
//! incident open for hours after it ended; with it, the failing state reaches the end only when
//! the tail's own evidence pays for it, as the start's does.

/// The fitted rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Error rate when healthy (the baseline).
    pub p0: f64,
    /// Error rate when failing.
    pub p1: f64,
    /// Extra-binomial dispersion: the intra-bucket correlation ρ, so a bucket of `n` requests
    /// carries the evidence of `n / (1 + (n − 1)ρ)` independent ones. Real error rates wander
    /// more than a binomial allows (a noisy POP at 2–4 %); this keeps that wander from reading
    /// as a change while a sustained shift still does.
    pub rho: f64,
    /// Whether the fit found buckets at the failing rate at all.
    pub has_failing: bool,
}

/// What the fit knows before it looks at the series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    /// Lowest baseline assumed (a series with no errors still has some chance of one).
    pub floor: f64,
    /// Smallest failing rate above the baseline that counts (absolute).
    pub min_effect: f64,
    /// A baseline measured elsewhere (a quiet period the user named): kept fixed.
    pub fixed_p0: Option<f64>,
}

/// Log-likelihood of `k` errors in `n` requests at rate `p`, with dispersion `rho`.
fn ll_rho(k: u64, n: u64, p: f64, rho: f64) -> f64 {
    let phi = 1.0 + (n.saturating_sub(1)) as f64 * rho;
    ll(k, n, p) / phi
}

fn ll(k: u64, n: u64, p: f64) -> f64 {
    let k = k as f64;
    let n = n as f64;
    k * p.ln() + (n - k) * (1.0 - p).ln()
}

fn pooled(items: impl Iterator<Item = (u64, u64)>) -> Option<f64> {
    let (k, n) = items.fold((0u64, 0u64), |(a, b), (k, n)| (a + k, b + n));
    (n > 0).then(|| k as f64 / n as f64)
}

/// Fits the healthy and failing rates by Baum–Welch (the posterior of each bucket from the
/// forward–backward recursions weighs it into either rate), started from the quietest and the
/// worst tenth of the buckets, so that whichever share of the series fails the healthy state
/// starts at the healthy end. The dispersion is then measured on the healthy buckets and the
/// fit repeated with it.
pub fn fit(k: &[u64], n: &[u64], prior: Prior, switch: f64) -> Rates {
    let mut rates: Vec<(f64, u64, u64)> =
        k.iter().zip(n).filter(|(_, n)| **n > 0).map(|(k, n)| (*k as f64 / *n as f64, *k, *n)).collect();
    if rates.is_empty() {
        let p0 = prior.fixed_p0.unwrap_or(prior.floor);
        return Rates { p0, p1: (p0 + prior.min_effect).min(0.999), rho: 0.0, has_failing: false };
    }
    rates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let tenth = rates.len().div_ceil(10);
    let low = pooled(rates.iter().take(tenth).map(|r| (r.1, r.2))).unwrap_or(0.0);
    let high = pooled(rates.iter().rev().take(tenth).map(|r| (r.1, r.2))).unwrap_or(0.0);
    let mut r = Rates { p0: prior.fixed_p0.unwrap_or(low).max(prior.floor), p1: 0.0, rho: 0.0, has_failing: false };
    r.p1 = high.max(r.p0 + prior.min_effect).min(0.999);
    for round in 0..2 {
        for _ in 0..12 {
            let gamma = posterior(k, n, r, switch);
            let (mut k0, mut n0, mut k1, mut n1) = (0.0, 0.0, 0.0, 0.0);
            for ((&kk, &nn), g) in k.iter().zip(n).zip(&gamma) {
                k0 += (1.0 - g) * kk as f64;
                n0 += (1.0 - g) * nn as f64;
                k1 += g * kk as f64;
                n1 += g * nn as f64;
            }
            if prior.fixed_p0.is_none() && n0 > 0.0 {
                r.p0 = (k0 / n0).max(prior.floor);
            }
            if n1 > 0.0 {
                r.p1 = k1 / n1;
            }
            r.p1 = r.p1.max(r.p0 + prior.min_effect).min(0.999);
        }
        if round == 0 {
            let gamma = posterior(k, n, r, switch);
            r.rho = dispersion(k, n, &gamma, r.p0);
            if r.rho < 1e-4 {
                break;
            }
        }
    }
    r.has_failing = posterior(k, n, r, switch).iter().any(|g| *g > 0.5);
    r
}

/// The most dispersion assumed: enough for error rates that wander by half their level from
/// bucket to bucket at thousands of requests a bucket.
const MAX_RHO: f64 = 0.05;

/// The intra-bucket correlation of the healthy buckets (method of moments): the excess of the
/// squared deviations over the binomial variance, per pair of requests in a bucket.
fn dispersion(k: &[u64], n: &[u64], gamma: &[f64], p0: f64) -> f64 {
    let v = p0 * (1.0 - p0);
    let (mut num, mut den) = (0.0, 0.0);
    for ((&kk, &nn), g) in k.iter().zip(n).zip(gamma) {
        // Only buckets surely healthy: a bucket caught half-way through a change would read
        // as dispersion.
        if nn < 2 || *g >= 0.1 {
            continue;
        }
        let nf = nn as f64;
        num += (kk as f64 - nf * p0).powi(2) - nf * v;
        den += nf * (nf - 1.0) * v;
    }
    if den > 0.0 {
        (num / den).clamp(0.0, MAX_RHO)
    } else {
        0.0
    }
}

/// The most likely state path (true = failing).
pub fn viterbi(k: &[u64], n: &[u64], r: Rates, switch: f64) -> Vec<bool> {
    let t = k.len().min(n.len());
    if t == 0 {
        return Vec::new();
    }
    let stay = (1.0 - switch).ln();
    let jump = switch.ln();
    let mut score = [stay, jump];
    let mut back: Vec<[bool; 2]> = Vec::with_capacity(t);
    for (i, (&kk, &nn)) in k.iter().zip(n).enumerate() {
        let e = [ll_rho(kk, nn, r.p0, r.rho), ll_rho(kk, nn, r.p1, r.rho)];
        if i == 0 {
            score = [score[0] + e[0], score[1] + e[1]];
            back.push([false, true]);
            continue;
        }
        let mut next = [0.0; 2];
        let mut from = [false; 2];
        for (s, (nx, fr)) in next.iter_mut().zip(from.iter_mut()).enumerate() {
            let via_healthy = score[0] + if s == 0 { stay } else { jump };
            let via_failing = score[1] + if s == 1 { stay } else { jump };
            *fr = via_failing > via_healthy;
            *nx = via_healthy.max(via_failing) + e.get(s).copied().unwrap_or(f64::NEG_INFINITY);
        }
        score = next;
        back.push(from);
    }
    // The series ends as it began, with a step to a healthy state beyond it: staying failing to
    // the last bucket costs the switch that starting failing at the first one costs.
    let mut state = score[1] + jump > score[0] + stay;
    let mut path = vec![false; t];
    for i in (0..t).rev() {
        if let Some(p) = path.get_mut(i) {
            *p = state;
        }
        if let Some(b) = back.get(i) {
            state = if state { b[1] } else { b[0] };
        }
    }
    path
}

fn logsumexp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// Posterior probability of the failing state in each bucket.
pub fn posterior(k: &[u64], n: &[u64], r: Rates, switch: f64) -> Vec<f64> {
    let t = k.len().min(n.len());
    let stay = (1.0 - switch).ln();
    let jump = switch.ln();
    let e: Vec<[f64; 2]> =
        k.iter().zip(n).map(|(&kk, &nn)| [ll_rho(kk, nn, r.p0, r.rho), ll_rho(kk, nn, r.p1, r.rho)]).collect();
    let mut fwd = vec![[0.0f64; 2]; t];
    let mut prev = [stay, jump];
    for (i, ei) in e.iter().enumerate() {
        let cur = if i == 0 {
            [prev[0] + ei[0], prev[1] + ei[1]]
        } else {
            [logsumexp(prev[0] + stay, prev[1] + jump) + ei[0], logsumexp(prev[0] + jump, prev[1] + stay) + ei[1]]
        };
        if let Some(f) = fwd.get_mut(i) {
            *f = cur;
        }
        prev = cur;
    }
    let mut out = vec![0.0; t];
    // The step to the healthy state beyond the last bucket (see [`viterbi`]).
    let mut bwd = [stay, jump];
    for i in (0..t).rev() {
        if let (Some(f), Some(o)) = (fwd.get(i), out.get_mut(i)) {
            let a = f[0] + bwd[0];
            let b = f[1] + bwd[1];
            let z = logsumexp(a, b);
            *o = (b - z).exp();
        }
        if let Some(ei) = e.get(i) {
            let h = bwd[0] + ei[0];
            let f = bwd[1] + ei[1];
            bwd = [logsumexp(h + stay, f + jump), logsumexp(h + jump, f + stay)];
        }
    }
    out
}

/// How much better two rates (inside and outside a span) explain the counts (errors,
/// requests; fractional counts carry a prior) than one rate does: the log-likelihood ratio.
pub fn split_gain((k_in, n_in): (f64, f64), (k_out, n_out): (f64, f64)) -> f64 {
    let llf = |k: f64, n: f64| {
        if n <= 0.0 {
            return 0.0;
        }
        let p = (k / n).clamp(1e-12, 1.0 - 1e-12);
        k * p.ln() + (n - k) * (1.0 - p).ln()
    };
    (llf(k_in, n_in) + llf(k_out, n_out) - llf(k_in + k_out, n_in + n_out)).max(0.0)
}

/// Upper tail of the binomial: P(X ≥ k) for X ~ Bin(n, p), by a normal approximation with
/// continuity correction when n is large and exact summation otherwise.
pub fn tail(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let nf = n as f64;
    if n > 200 {
        let mean = nf * p;
        let sd = (nf * p * (1.0 - p)).sqrt().max(1e-12);
        let z = (k as f64 - 0.5 - mean) / sd;
        return 0.5 * erfc(z / std::f64::consts::SQRT_2);
    }
    // P(X >= k) = 1 - sum_{i<k} pmf(i)
    let mut sum = 0.0;
    let mut pmf = (1.0 - p).powf(nf);
    for i in 0..k {
        sum += pmf;
        let i = i as f64;
        pmf *= (nf - i) / (i + 1.0) * p / (1.0 - p);
    }
    (1.0 - sum).max(0.0)
}

fn erfc(x: f64) -> f64 {
    // Numerical Recipes' erfc approximation (fractional error below 1.2e-7).
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIOR: Prior = Prior { floor: 0.0005, min_effect: 0.01, fixed_p0: None };

    #[test]
    fn finds_a_failing_stretch_and_its_rates() {
        let n = vec![500u64; 60];
        let mut k = vec![1u64; 60];
        for v in &mut k[20..35] {
            *v = 300;
        }
        let r = fit(&k, &n, PRIOR, 0.01);
        assert!((r.p0 - 0.002).abs() < 0.001, "{r:?}");
        assert!((r.p1 - 0.6).abs() < 0.01, "{r:?}");
        let path = viterbi(&k, &n, r, 0.01);
        assert_eq!(path.iter().filter(|s| **s).count(), 15);
        assert!(path[20] && path[34] && !path[19] && !path[35]);
        let post = posterior(&k, &n, r, 0.01);
        assert!(post[25] > 0.99 && post[5] < 0.01);
    }

    #[test]
    fn a_sparse_tail_does_not_keep_the_failing_state_to_the_end() {
        // Failing at 22 % for an hour at four requests a minute, then two hours at one request
        // every four minutes: 30 served, one of them (the healthy rate's share) showing the
        // signal an hour and a half later.
        let (mut k, mut n) = (vec![0u64; 60], vec![40u64; 60]);
        k.extend((0..60).map(|i| u64::from(i % 9 < 8)));
        n.extend([4u64; 60]);
        for i in 0..120 {
            k.push(u64::from(i == 88));
            n.push(u64::from(i % 4 == 0));
        }
        let r = Rates { p0: 0.007, p1: 0.22, rho: 0.0, has_failing: true };
        let path = viterbi(&k, &n, r, 0.01);
        let last = path.iter().rposition(|s| *s);
        assert_eq!(path.iter().position(|s| *s), Some(60));
        assert!(last.is_some_and(|j| (115..125).contains(&j)), "{last:?}");
        assert!(posterior(&k, &n, r, 0.01)[200] < 0.5);
        // Still failing at the end when the end says so: censored, as a cut input is.
        let mut cut = k[..120].to_vec();
        cut.extend([1u64, 0, 1, 0, 0, 1]);
        let path = viterbi(&cut, &n[..126], r, 0.01);
        assert!(path[125], "{path:?}");
    }

    #[test]
    fn a_steady_noisy_series_has_no_failing_state() {
        let n = vec![400u64; 120];
        let k: Vec<u64> = (0..120).map(|i| 10 + (i * 7 % 5) as u64).collect(); // ~3 %
        let r = fit(&k, &n, PRIOR, 0.01);
        let path = viterbi(&k, &n, r, 0.01);
        assert!(path.iter().all(|s| !s), "{r:?}");
    }

    #[test]
    fn tails() {
        assert!((tail(1, 10, 0.5) - (1.0 - 0.5f64.powi(10))).abs() < 1e-9);
        assert!(tail(30, 1000, 0.001) < 1e-10);
        assert!(tail(1, 1000, 0.001) > 0.6);
        assert!((erfc(0.0) - 1.0).abs() < 1e-6);
    }
}
