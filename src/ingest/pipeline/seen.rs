//! The de-duplication keys seen so far, in about 10 bytes a key.
//!
//! A hash table of 8-byte keys costs 9 bytes a slot at a load between 44 and 88 %, and twice
//! that while it doubles: about 25 bytes a key at its peak. The keys here are already mixed with a
//! random seed (uniform over 64 bits), so a sorted array finds them without a table: a directory
//! indexed by a key's top bits gives the few array entries that can hold it. New keys go to a
//! small hash set first; when it reaches a sixteenth of the array it is sorted and merged into the
//! array in place (growing a large allocation remaps its pages rather than copying them), and the
//! directory is rebuilt. Measured: about 9 bytes a key at the peak.

use rustc_hash::FxHashSet;

/// Fewest keys held in the recent set before a merge.
const MIN_RECENT: usize = 1 << 18;
/// Keys per directory entry, on average.
const PER_ENTRY: usize = 8;

/// A set of uniformly distributed 64-bit keys.
#[derive(Default)]
pub(super) struct KeySet {
    recent: FxHashSet<u64>,
    sorted: Vec<u64>,
    /// `dir[p]`: the first index of `sorted` whose key's top bits are `p` or more; one more entry
    /// at the end (the array's length). Empty past 2^32 keys (32 GiB of them): the whole array
    /// is searched then.
    dir: Vec<u32>,
    /// How far a key is shifted right to give its directory entry.
    shift: u32,
}

impl KeySet {
    /// Adds `k`; false when it was there already.
    pub(super) fn insert(&mut self, k: u64) -> bool {
        if self.in_sorted(k) || !self.recent.insert(k) {
            return false;
        }
        if self.recent.len() >= MIN_RECENT.max(self.sorted.len() / 16) {
            self.merge();
        }
        true
    }

    /// The number of keys.
    pub(super) fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }

    fn in_sorted(&self, k: u64) -> bool {
        if self.dir.is_empty() {
            return self.sorted.binary_search(&k).is_ok();
        }
        let p = k.checked_shr(self.shift).unwrap_or(0) as usize;
        let (Some(&lo), Some(&hi)) = (self.dir.get(p), self.dir.get(p.saturating_add(1))) else { return false };
        // A run is a few keys (eight on average): a scan beats a binary search's mispredicted branches.
        self.sorted.get(lo as usize..hi as usize).is_some_and(|run| run.contains(&k))
    }

    /// Moves the recent keys into the sorted array and rebuilds the directory.
    fn merge(&mut self) {
        let mut add: Vec<u64> = self.recent.drain().collect();
        add.sort_unstable();
        let old = self.sorted.len();
        self.sorted.reserve_exact(add.len());
        self.sorted.resize(old + add.len(), 0);
        // Merge from the back, so that nothing is overwritten before it is read.
        let (mut i, mut w) = (old, old + add.len());
        while let Some(&b) = add.last() {
            let a = i.checked_sub(1).and_then(|x| self.sorted.get(x).copied());
            let take_old = a.is_some_and(|a| a > b);
            let v = if take_old { a.unwrap_or(b) } else { b };
            w -= 1;
            if let Some(slot) = self.sorted.get_mut(w) {
                *slot = v;
            }
            if take_old {
                i -= 1;
            } else {
                add.pop();
            }
        }
        self.index();
    }

    /// Rebuilds the directory for the sorted array.
    fn index(&mut self) {
        let n = self.sorted.len();
        self.dir.clear();
        let Ok(last) = u32::try_from(n) else { return };
        let bits = (n / PER_ENTRY).max(1).ilog2();
        self.shift = 64 - bits;
        let entries = 1usize << bits;
        self.dir.reserve_exact(entries + 1);
        let mut at = 0;
        for p in 0..entries {
            while self.sorted.get(at).is_some_and(|k| (k.checked_shr(self.shift).unwrap_or(0) as usize) < p) {
                at += 1;
            }
            self.dir.push(u32::try_from(at).unwrap_or(last));
        }
        self.dir.push(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mixed(i: u64) -> u64 {
        let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[test]
    fn every_key_is_new_once_across_merges() {
        let mut s = KeySet::default();
        let n = 600_000u64;
        for i in 0..n {
            assert!(s.insert(mixed(i)), "key {i} new");
        }
        assert!(!s.sorted.is_empty(), "merged at least once");
        assert!(s.sorted.windows(2).all(|w| w[0] < w[1]));
        for i in (0..n).step_by(7) {
            assert!(!s.insert(mixed(i)), "key {i} seen");
        }
        for i in n..n + 1000 {
            assert!(s.insert(mixed(i)));
        }
        assert_eq!(s.len() as u64, n + 1000);
    }

    #[test]
    fn extreme_keys_are_found() {
        let mut s = KeySet::default();
        for k in [0, 1, u64::MAX, u64::MAX - 1, 1 << 63] {
            assert!(s.insert(k));
        }
        for i in 0..(MIN_RECENT as u64) {
            s.insert(mixed(i));
        }
        assert!(s.recent.len() < MIN_RECENT, "merged");
        for k in [0, 1, u64::MAX, u64::MAX - 1, 1 << 63] {
            assert!(!s.insert(k), "{k} kept through the merge");
        }
    }
}
