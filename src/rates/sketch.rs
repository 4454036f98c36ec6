//! A latency sketch that merges exactly: a fixed logarithmic histogram of milliseconds.
//!
//! Bin `i ≥ 1` holds the values in `(γ^(i-1), γ^i]` with `γ = (1 + α) / (1 − α)` and `α` =
//! [`RELATIVE_ERROR`] (2 %); bin 0 holds 0 ms. A quantile is read as the bin's midpoint
//! `2γ^i / (γ + 1)`, within `α` of the true value of that rank (the `DDSketch` guarantee). The
//! bins are fixed, so two sketches merge by adding counts: merging is exact, associative and
//! commutative, and a sketch of many files is the sketch of their concatenation.
//!
//! Memory is bounded: values above [`MAX_MS`] (ten minutes) land in the last bin, so a sketch
//! holds at most [`BINS`] counters (about 1.3 kB); it stores only the window of bins between its
//! smallest and largest value.

use serde::{Deserialize, Serialize};

/// Relative error of a quantile read from a sketch.
pub const RELATIVE_ERROR: f64 = 0.02;
/// Largest value kept apart, ms; larger values count in the last bin.
pub const MAX_MS: u32 = 600_000;

const GAMMA: f64 = (1.0 + RELATIVE_ERROR) / (1.0 - RELATIVE_ERROR);

/// Number of bins (bin 0 is 0 ms).
pub const BINS: usize = 334;

/// The bin of a value, ms.
pub fn bin(ms: u32) -> u16 {
    // Most latencies are under a few seconds: their bins are looked up (a logarithm per event
    // had cost about 1.5 % of `rates`).
    static SMALL: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();
    let table = SMALL.get_or_init(|| (0..SMALL_MS).map(bin_of).collect());
    table.get(ms as usize).copied().unwrap_or_else(|| bin_of(ms))
}

/// Values below this many ms have their bin looked up.
const SMALL_MS: u32 = 4096;

/// The bin of a value, ms, computed.
fn bin_of(ms: u32) -> u16 {
    if ms == 0 {
        return 0;
    }
    let v = f64::from(ms.min(MAX_MS));
    let i = (v.ln() / GAMMA.ln()).ceil().max(1.0) as usize;
    i.min(BINS - 1) as u16
}

/// The value a bin stands for, ms: its midpoint, within [`RELATIVE_ERROR`] of any value in it.
pub fn value(bin: u16) -> f64 {
    if bin == 0 {
        return 0.0;
    }
    2.0 * GAMMA.powi(i32::from(bin)) / (GAMMA + 1.0)
}

/// A histogram of latencies, ms.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sketch {
    /// First bin held by `counts`.
    offset: u16,
    /// Counts of bins `offset..offset + counts.len()`.
    counts: Vec<u32>,
}

/// Two sketches are equal when they hold the same values, whatever window of bins each keeps.
impl PartialEq for Sketch {
    fn eq(&self, o: &Sketch) -> bool {
        self.bins().eq(o.bins())
    }
}

impl Eq for Sketch {}

impl Sketch {
    /// Adds one value to bin `b`.
    pub fn add_bin(&mut self, b: u16, n: u32) {
        if n == 0 {
            return;
        }
        if self.counts.is_empty() {
            self.offset = b;
        } else if b < self.offset {
            let grow = usize::from(self.offset - b);
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = b;
        }
        let i = usize::from(b - self.offset);
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        if let Some(c) = self.counts.get_mut(i) {
            *c = c.saturating_add(n);
        }
    }

    /// Adds one value, ms.
    pub fn add(&mut self, ms: u32) {
        self.add_bin(bin(ms), 1);
    }

    /// Takes one value of bin `b` back out (a duplicate counted before it was found).
    pub fn remove_bin(&mut self, b: u16) {
        if let Some(c) = b.checked_sub(self.offset).and_then(|i| self.counts.get_mut(usize::from(i))) {
            *c = c.saturating_sub(1);
        }
    }

    /// Adds another sketch (exact).
    pub fn merge(&mut self, o: &Sketch) {
        for (b, n) in o.bins() {
            self.add_bin(b, n);
        }
    }

    /// Takes another sketch's values back out (copies counted twice).
    pub fn subtract(&mut self, o: &Sketch) {
        for (b, n) in o.bins() {
            if let Some(c) = b.checked_sub(self.offset).and_then(|i| self.counts.get_mut(usize::from(i))) {
                *c = c.saturating_sub(n);
            }
        }
    }

    /// The non-empty bins, (bin, count), in increasing order.
    pub fn bins(&self) -> impl Iterator<Item = (u16, u32)> + '_ {
        self.counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(i, n)| (self.offset + i as u16, *n))
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| u64::from(*c)).sum()
    }

    /// Values in bins above bin `b` (values certainly above `value(b)`'s bin).
    pub fn above(&self, b: u16) -> u64 {
        self.bins().filter(|(x, _)| *x > b).map(|(_, n)| u64::from(n)).sum()
    }

    /// The `q` quantile (0..=1), ms, within [`RELATIVE_ERROR`]; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 || !q.is_finite() {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * (n - 1) as f64).floor() as u64;
        let mut seen = 0u64;
        for (b, c) in self.bins() {
            seen += u64::from(c);
            if seen > rank {
                return Some(value(b));
            }
        }
        None
    }

    /// The bin of the `q` quantile.
    pub fn quantile_bin(&self, q: f64) -> Option<u16> {
        self.quantile(q).map(|v| bin(v.round() as u32))
    }

    /// The exchange text: `offset:c,c,c` (empty for an empty sketch).
    pub fn encode(&self) -> String {
        if self.counts.is_empty() {
            return String::new();
        }
        let mut s = format!("{}:", self.offset);
        for (i, c) in self.counts.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&c.to_string());
        }
        s
    }

    /// Reads [`Sketch::encode`]'s text back; `None` when malformed.
    pub fn decode(s: &str) -> Option<Sketch> {
        let mut out = Sketch::default();
        if s.trim().is_empty() {
            return Some(out);
        }
        let (off, rest) = s.split_once(':')?;
        let off: u16 = off.trim().parse().ok()?;
        for (i, c) in rest.split(',').enumerate() {
            let c: u32 = c.trim().parse().ok()?;
            let b = usize::from(off) + i;
            if b >= BINS {
                return None;
            }
            out.add_bin(b as u16, c);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looked_up_bins_are_the_computed_ones() {
        for ms in (0..SMALL_MS + 10).chain([MAX_MS - 1, MAX_MS, MAX_MS + 1, u32::MAX]) {
            assert_eq!(bin(ms), bin_of(ms), "{ms} ms");
        }
        assert_eq!(bin(u32::MAX) as usize, BINS - 1);
    }

    #[test]
    fn quantiles_are_within_the_stated_error() {
        let mut s = Sketch::default();
        let values: Vec<u32> = (1..=10_000).map(|i| (i * 37) % 5000 + 1).collect();
        for v in &values {
            s.add(*v);
        }
        let mut sorted = values.clone();
        sorted.sort_unstable();
        for q in [0.5, 0.95, 0.99] {
            let want = f64::from(sorted[((q * (sorted.len() - 1) as f64).floor()) as usize]);
            let got = s.quantile(q).unwrap();
            assert!((got - want).abs() <= RELATIVE_ERROR * want + 1e-9, "q{q}: {got} vs {want}");
        }
        assert_eq!(s.count(), 10_000);
        assert!(bin(MAX_MS * 4) as usize == BINS - 1);
    }

    #[test]
    fn merging_is_exact_in_any_order() {
        let (mut a, mut b, mut all) = (Sketch::default(), Sketch::default(), Sketch::default());
        for v in [0, 3, 50, 700] {
            a.add(v);
            all.add(v);
        }
        for v in [1, 2, 9000, 50] {
            b.add(v);
            all.add(v);
        }
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, all);
        assert_eq!(ba, all);
        assert_eq!(Sketch::decode(&ab.encode()), Some(ab.clone()));
        assert_eq!(Sketch::decode("3:x"), None);
        assert_eq!(Sketch::decode("400:1"), None);
        ab.remove_bin(bin(9000));
        assert_eq!(ab.count(), 7);
    }
}
