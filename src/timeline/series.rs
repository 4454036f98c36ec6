//! The time axis and the series the method examines, kept sparse: a series holds only its
//! buckets with traffic, and becomes dense ([`Dense`]) one at a time while it is examined, so
//! memory follows the input's rows, not the number of series times the length of the axis.

use std::collections::BTreeMap;

use crate::rates::{Counts, RatesTable};
use crate::signatures::Blame;

/// Empty stretches longer than this many buckets collapse into one empty bucket: they carry no
/// evidence, and a sparse input at a fine bucket (one request an hour at `--bucket 1s`) would
/// otherwise make an axis of millions of buckets.
pub const MAX_EMPTY_BUCKETS: i64 = 60;

/// The time axis: bucket start times, dense within active stretches.
#[derive(Debug, Clone)]
pub struct Axis {
    /// Bucket start times, ns, increasing.
    pub times: Vec<i64>,
    /// Bucket width, ns.
    pub w: i64,
    position: BTreeMap<i64, usize>,
}

impl Axis {
    /// The axis over the given bucket start times (sorted or not).
    pub fn new(buckets: impl Iterator<Item = i64>, w: i64) -> Axis {
        let mut b: Vec<i64> = buckets.collect();
        b.sort_unstable();
        b.dedup();
        let mut times: Vec<i64> = Vec::with_capacity(b.len());
        for x in b {
            if let Some(&last) = times.last() {
                let gap = (x - last) / w;
                if gap <= MAX_EMPTY_BUCKETS {
                    times.extend((1..gap).map(|i| last + i * w));
                } else {
                    times.push(last + w);
                }
            }
            times.push(x);
        }
        let position = times.iter().enumerate().map(|(i, t)| (*t, i)).collect();
        Axis { times, w, position }
    }

    /// Number of buckets.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether the axis has no bucket.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Index of a bucket start time on the axis.
    pub fn index(&self, bucket: i64) -> Option<usize> {
        self.position.get(&bucket).copied()
    }

    /// Start time of bucket `i` (extrapolated past the end).
    pub fn time(&self, i: usize) -> i64 {
        if let Some(t) = self.times.get(i) {
            return *t;
        }
        let last = self.times.last().copied().unwrap_or(0);
        let beyond = (i + 1).saturating_sub(self.times.len()) as i64;
        last.saturating_add(beyond.saturating_mul(self.w))
    }

    /// End time of bucket `i`: the next bucket's start, or one width after a collapsed gap.
    pub fn end(&self, i: usize) -> i64 {
        (self.time(i) + self.w).min(self.time(i + 1))
    }
}

/// A series with only its buckets that have traffic: (axis index, counts), by index.
#[derive(Debug, Clone, Default)]
pub struct Sparse {
    /// The cells, sorted by index after [`Sparse::finish`].
    pub cells: Vec<(usize, Counts)>,
}

impl Sparse {
    /// Adds counts to bucket `i` (cells may arrive in any order; call [`Sparse::finish`]).
    pub fn add(&mut self, i: usize, c: &Counts) {
        match self.cells.last_mut() {
            Some((j, x)) if *j == i => x.merge(c),
            _ => self.cells.push((i, *c)),
        }
    }

    /// Sorts and merges cells of the same bucket.
    pub fn finish(&mut self) {
        self.cells.sort_by_key(|(i, _)| *i);
        let mut out: Vec<(usize, Counts)> = Vec::with_capacity(self.cells.len());
        for (i, c) in self.cells.drain(..) {
            match out.last_mut() {
                Some((j, x)) if *j == i => x.merge(&c),
                _ => out.push((i, c)),
            }
        }
        self.cells = out;
    }

    /// The cells within buckets `a..=b`.
    pub fn range(&self, a: usize, b: usize) -> impl Iterator<Item = &(usize, Counts)> {
        let lo = self.cells.partition_point(|(i, _)| *i < a);
        self.cells.iter().skip(lo).take_while(move |(i, _)| *i <= b)
    }

    /// Sum of the counts within buckets `a..=b`.
    pub fn total(&self, a: usize, b: usize) -> Counts {
        let mut t = Counts::EMPTY;
        for (_, c) in self.range(a, b) {
            t.merge(c);
        }
        t
    }

    /// Requests over the whole series.
    pub fn requests(&self) -> u64 {
        self.cells.iter().map(|(_, c)| c.requests).sum()
    }

    /// The dense view of the blamed errors (edge- or origin-blamed, as the registry says).
    pub fn dense(&self, t: usize, blame: Blame) -> Dense {
        let mut d = Dense {
            k: vec![0; t],
            n: vec![0; t],
            first: vec![i64::MAX; t],
            last: vec![i64::MIN; t],
            fivexx: vec![0; t],
        };
        for (i, c) in &self.cells {
            let (k, first, last) = blamed(c, blame);
            if let (Some(kk), Some(nn), Some(f), Some(l), Some(x)) =
                (d.k.get_mut(*i), d.n.get_mut(*i), d.first.get_mut(*i), d.last.get_mut(*i), d.fivexx.get_mut(*i))
            {
                *kk += k;
                *nn += c.requests;
                *f = (*f).min(first);
                *l = (*l).max(last);
                *x += c.status_5xx;
            }
        }
        d
    }
}

/// The errors of a cell that blame `blame` (the registry's definition), with their first and
/// last times.
pub fn blamed(c: &Counts, blame: Blame) -> (u64, i64, i64) {
    match blame {
        Blame::Origin => (c.origin_errors(), c.first_origin_ns, c.last_origin_ns),
        _ => (c.edge_errors(), c.first_edge_ns, c.last_edge_ns),
    }
}

/// One series, dense over the axis, while it is examined.
#[derive(Debug, Clone)]
pub struct Dense {
    /// Blamed errors per bucket.
    pub k: Vec<u64>,
    /// Requests per bucket.
    pub n: Vec<u64>,
    /// First blamed error time per bucket (`i64::MAX` when none).
    pub first: Vec<i64>,
    /// Last blamed error time per bucket (`i64::MIN` when none).
    pub last: Vec<i64>,
    /// All 5xx per bucket.
    pub fivexx: Vec<u64>,
}

impl Dense {
    /// Error rate of bucket `j`, when it has requests.
    pub fn rate(&self, j: usize) -> Option<f64> {
        let n = *self.n.get(j)?;
        (n > 0).then(|| self.k.get(j).copied().unwrap_or(0) as f64 / n as f64)
    }

    /// First blamed error time of bucket `j`.
    pub fn first_err(&self, j: usize) -> Option<i64> {
        self.first.get(j).copied().filter(|v| *v != i64::MAX)
    }

    /// Last blamed error time of bucket `j`.
    pub fn last_err(&self, j: usize) -> Option<i64> {
        self.last.get(j).copied().filter(|v| *v != i64::MIN)
    }

    /// (errors, requests) within buckets `a..=b`.
    pub fn sum(&self, a: usize, b: usize) -> (u64, u64) {
        (a..=b).fold((0, 0), |(k, n), j| (k + self.k.get(j).unwrap_or(&0), n + self.n.get(j).unwrap_or(&0)))
    }
}

/// Every series of a rates table: per POP (all hosts), per host (all POPs), and per (POP, host)
/// and (host, POP) pair, all sparse.
#[derive(Debug, Default)]
pub struct AllSeries {
    /// Per POP.
    pub pops: BTreeMap<String, Sparse>,
    /// Per host, only hosts with origin-blamed errors.
    pub hosts: BTreeMap<String, Sparse>,
    /// Per (POP, host), only pairs with edge-blamed errors.
    pub pop_host: BTreeMap<(String, String), Sparse>,
    /// Per (host, POP), only hosts with origin-blamed errors.
    pub host_pop: BTreeMap<(String, String), Sparse>,
}

/// Splits a rates table into its series on the axis.
pub fn collect(table: &RatesTable, axis: &Axis) -> AllSeries {
    let mut origin_hosts: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    let mut edge_pairs: std::collections::BTreeSet<(&str, &str)> = std::collections::BTreeSet::new();
    for ((_, pop, host), c) in &table.rows {
        let (pop, host) = (pop.as_deref().unwrap_or(""), host.as_deref().unwrap_or(""));
        if c.origin_errors() > 0 {
            origin_hosts.insert(host);
        }
        if c.edge_errors() > 0 {
            edge_pairs.insert((pop, host));
        }
    }
    let mut all = AllSeries::default();
    for ((b, pop, host), c) in &table.rows {
        let Some(i) = axis.index(*b) else { continue };
        let (pop, host) = (pop.as_deref().unwrap_or(""), host.as_deref().unwrap_or(""));
        all.pops.entry(pop.to_string()).or_default().add(i, c);
        if origin_hosts.contains(host) {
            all.hosts.entry(host.to_string()).or_default().add(i, c);
            all.host_pop.entry((host.to_string(), pop.to_string())).or_default().add(i, c);
        }
        if edge_pairs.contains(&(pop, host)) {
            all.pop_host.entry((pop.to_string(), host.to_string())).or_default().add(i, c);
        }
    }
    for s in all.pops.values_mut().chain(all.hosts.values_mut()) {
        s.finish();
    }
    for s in all.pop_host.values_mut().chain(all.host_pop.values_mut()) {
        s.finish();
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_gaps_collapse_on_the_time_axis() {
        let w = 60_000_000_000;
        let a = Axis::new([0, w, 3 * w, 10_000_000 * w].into_iter(), w);
        assert_eq!(a.times, vec![0, w, 2 * w, 3 * w, 4 * w, 10_000_000 * w]);
        assert_eq!(a.end(4), 5 * w);
    }

    #[test]
    fn a_sparse_month_at_one_second_stays_small() {
        let w = 1_000_000_000;
        let hour = 3600 * w;
        let a = Axis::new((0..82 * 24).map(|h| h * hour), w);
        assert!(a.len() < 2 * 82 * 24 + 10, "{}", a.len());
    }
}
