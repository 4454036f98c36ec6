//! Flapping: how often a failing POP went back and forth, and the period of it.

use super::detect::Span;
use super::model::Flapping;

/// The fundamental period of a series of run starts: intervals are whole multiples of the
/// period when an off phase is missed, so a first guess (the lower quartile of the intervals)
/// sets how many periods each interval spans, and the period is the total time over the total
/// count.
/// With `prior` (the period seen by the busiest POPs of the same incident), the intervals are
/// counted in units of the prior instead: a flap is a property of the incident (a configuration
/// regenerated every few minutes), and a quiet POP's intervals are read against it.
pub fn period(starts: &[i64], prior: Option<f64>) -> Option<f64> {
    let mut d: Vec<f64> =
        starts.windows(2).filter_map(|w| Some((w.get(1)? - w.first()?) as f64 / 1e9)).filter(|x| *x > 0.0).collect();
    d.sort_by(f64::total_cmp);
    let guess = match prior {
        Some(p) if p > 0.0 => p,
        _ => *d.get(d.len() / 4)?,
    };
    if guess <= 0.0 {
        return None;
    }
    let cycles: f64 = d.iter().map(|x| (x / guess).round().max(1.0)).sum();
    Some(d.iter().sum::<f64>() / cycles)
}

/// The flapping period of a group of POPs: the median over the POPs whose confidence is at least
/// half the best one's. A POP with a few requests a minute misses off phases and reports a
/// multiple of the period; the busy POPs of the same incident see it clearly.
pub fn confident_period(periods: &[(f64, f64)]) -> Option<f64> {
    let best = periods.iter().map(|p| p.1).fold(0.0, f64::max);
    let mut v: Vec<f64> = periods.iter().filter(|p| p.1 >= 0.5 * best).map(|p| p.0).collect();
    median(&mut v)
}

/// The median (mean of the middle two for an even count).
pub fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return None;
    }
    let hi = v.get(n / 2).copied()?;
    if n % 2 == 1 {
        Some(hi)
    } else {
        v.get(n / 2 - 1).map(|lo| (lo + hi) / 2.0)
    }
}

/// A span's transitions and, from three runs on, its period.
pub fn flapping(span: &Span) -> Flapping {
    let transitions = 2 * (span.runs.len().saturating_sub(1)) as u32;
    let period_seconds = if span.runs.len() >= 3 { period(&span.run_starts_ns, None).map(round3) } else { None };
    Flapping { transitions, period_seconds }
}

/// Rounds to three decimals (milliseconds, thousandths).
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
