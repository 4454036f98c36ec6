//! A two-state hidden Markov model over binomial counts: per time bucket, `k` errors out of `n`
//! requests, emitted at rate `p0` when healthy and `p1` when failing.
//!
//! The rates are fitted to the series itself by expectation-maximisation of a two-component
//! binomial mixture (so the baseline is whatever this series normally does), the state path is
//! the Viterbi path under a fixed switching probability, and the posterior of each state comes
//! from the forward-backward recursions. Everything is in log space; buckets without requests
//! carry no evidence.

/// The fitted rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Error rate when healthy (the baseline).
    pub p0: f64,
    /// Error rate when failing.
    pub p1: f64,
    /// Whether the fit found buckets at the failing rate at all.
    pub has_failing: bool,
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

/// Fits the healthy and failing rates. `floor` bounds the baseline from below (a series with
/// no errors still has some chance of one); `min_excess` is how far above the baseline a
/// failing rate must be to count as failing at all.
pub fn fit(k: &[u64], n: &[u64], floor: f64, min_excess: f64) -> Rates {
    let mut rates: Vec<f64> = k.iter().zip(n).filter(|(_, n)| **n > 0).map(|(k, n)| *k as f64 / *n as f64).collect();
    rates.sort_by(f64::total_cmp);
    let median = rates.get(rates.len() / 2).copied().unwrap_or(0.0);
    let mut p0 =
        pooled(k.iter().zip(n).filter(|(k, n)| **n > 0 && **k as f64 / **n as f64 <= median).map(|(k, n)| (*k, *n)))
            .unwrap_or(0.0)
            .max(floor);
    let high = |p0: f64| k.iter().zip(n).filter(move |(k, n)| **n > 0 && **k as f64 / **n as f64 >= p0 + min_excess);
    let Some(mut p1) = pooled(high(p0).map(|(k, n)| (*k, *n))) else {
        return Rates { p0, p1: (p0 + min_excess).min(0.999), has_failing: false };
    };
    let mut w1 = high(p0).count() as f64 / rates.len().max(1) as f64;
    for _ in 0..30 {
        let (mut k0, mut n0, mut k1, mut n1, mut g) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let lw0 = (1.0 - w1).max(1e-9).ln();
        let lw1 = w1.max(1e-9).ln();
        for (&kk, &nn) in k.iter().zip(n) {
            if nn == 0 {
                continue;
            }
            let a = lw0 + ll(kk, nn, p0);
            let b = lw1 + ll(kk, nn, p1);
            let m = a.max(b);
            let gamma = (b - m).exp() / ((a - m).exp() + (b - m).exp());
            k0 += (1.0 - gamma) * kk as f64;
            n0 += (1.0 - gamma) * nn as f64;
            k1 += gamma * kk as f64;
            n1 += gamma * nn as f64;
            g += gamma;
        }
        if n0 > 0.0 {
            p0 = (k0 / n0).max(floor);
        }
        if n1 > 0.0 {
            p1 = k1 / n1;
        }
        w1 = g / rates.len().max(1) as f64;
        p1 = p1.max(p0 + min_excess).min(0.999);
    }
    Rates { p0, p1, has_failing: true }
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
        let e = [ll(kk, nn, r.p0), ll(kk, nn, r.p1)];
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
    let mut state = score[1] > score[0];
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
    let e: Vec<[f64; 2]> = k.iter().zip(n).map(|(&kk, &nn)| [ll(kk, nn, r.p0), ll(kk, nn, r.p1)]).collect();
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
    let mut bwd = [0.0f64; 2];
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

    #[test]
    fn finds_a_failing_stretch_and_its_rates() {
        let n = vec![500u64; 60];
        let mut k = vec![1u64; 60];
        for v in &mut k[20..35] {
            *v = 300;
        }
        let r = fit(&k, &n, 0.0005, 0.05);
        assert!((r.p0 - 0.002).abs() < 0.001, "{r:?}");
        assert!((r.p1 - 0.6).abs() < 0.01, "{r:?}");
        let path = viterbi(&k, &n, r, 0.01);
        assert_eq!(path.iter().filter(|s| **s).count(), 15);
        assert!(path[20] && path[34] && !path[19] && !path[35]);
        let post = posterior(&k, &n, r, 0.01);
        assert!(post[25] > 0.99 && post[5] < 0.01);
    }

    #[test]
    fn a_steady_noisy_series_has_no_failing_state() {
        let n = vec![400u64; 120];
        let k: Vec<u64> = (0..120).map(|i| 10 + (i * 7 % 5) as u64).collect(); // ~3 %
        let r = fit(&k, &n, 0.0005, 0.05);
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
