//! The evaluation harness: scoring a timeline against a known truth (the simulator's
//! `truth.json`), and running the simulator through ingest and the timeline to get one. It
//! depends on the analysis and on the simulator; neither depends on it. Used by the accuracy
//! tests and `benches/accuracy.rs` (the figures in `BENCHMARKS.md`).

pub mod captures;
pub mod cohorts;
pub mod signals;

use std::collections::{BTreeMap, BTreeSet};

use crate::timeline::model::{Attribution, Pattern, PopTimeline, Timeline};
use crate::vocab::time::Timestamp;

/// How one timeline compares with the truth.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    /// Affected POPs found that are affected in truth.
    pub true_positives: usize,
    /// Affected POPs found that are not affected in truth.
    pub false_positives: usize,
    /// POPs affected in truth that were not found.
    pub false_negatives: usize,
    /// |found − true| onset, seconds, per truly affected POP that was found.
    pub onset_errors: Vec<f64>,
    /// |found − true| recovery, seconds.
    pub recovery_errors: Vec<f64>,
    /// |found − true| flapping period, seconds (infinite when the flapping was missed).
    pub period_errors: Vec<f64>,
    /// Truth edge incidents whose epicenter was named exactly by a found incident (the same
    /// list of POPs: one POP for a propagating incident, none for a push), not merely contained
    /// in a larger set.
    pub epicenters_named: usize,
    /// Truth edge incidents whose true epicenter is among a found incident's epicenter POPs
    /// (a looser measure than [`Score::epicenters_named`]: a set naming several POPs counts).
    pub epicenters_within: usize,
    /// Truth edge incidents whose onset lies in the input (a censored onset hides the
    /// epicenter and the onset pattern).
    pub edge_incidents: usize,
    /// Truth origin incidents found as origin incidents of the same host.
    pub origin_attributed: usize,
    /// Truth origin incidents.
    pub origin_incidents: usize,
    /// Found incidents that match no truth incident in time.
    pub spurious_incidents: usize,
    /// Truly affected POPs found whose found onset interval holds the true onset (a found
    /// censored onset: the truth at or before the interval's end; a censored true onset, "at or
    /// before the input's start": a found interval reaching back to it, or a censored one).
    pub onset_covered: usize,
    /// Truly affected POPs found, with a true onset.
    pub onset_total: usize,
    /// The same for recoveries.
    pub recovery_covered: usize,
    /// Truly affected POPs found, with a true recovery.
    pub recovery_total: usize,
    /// Truth edge incidents of two POPs or more whose onset pattern (simultaneous for a push,
    /// propagating otherwise) a matching found edge incident reports.
    pub patterns_right: usize,
    /// Truth edge incidents of two POPs or more, onset in the input.
    pub pattern_incidents: usize,
    /// Of those, the pushes (simultaneous in truth).
    pub push_incidents: usize,
    /// Pushes reported simultaneous.
    pub pushes_right: usize,
}

pub(crate) fn ts(s: Option<&Timestamp>) -> Option<f64> {
    s.map(|t| t.secs_f64())
}

impl Score {
    /// F1 of the affected-POP sets (1.0 when both are empty).
    pub fn f1(&self) -> f64 {
        let tp = self.true_positives as f64;
        let d = 2.0 * tp + self.false_positives as f64 + self.false_negatives as f64;
        if d == 0.0 {
            1.0
        } else {
            2.0 * tp / d
        }
    }

    /// Adds another score's counts and errors (to pool several runs).
    pub fn pool(&mut self, o: &Score) {
        self.true_positives += o.true_positives;
        self.false_positives += o.false_positives;
        self.false_negatives += o.false_negatives;
        self.onset_errors.extend(&o.onset_errors);
        self.recovery_errors.extend(&o.recovery_errors);
        self.period_errors.extend(&o.period_errors);
        self.epicenters_named += o.epicenters_named;
        self.epicenters_within += o.epicenters_within;
        self.edge_incidents += o.edge_incidents;
        self.origin_attributed += o.origin_attributed;
        self.origin_incidents += o.origin_incidents;
        self.spurious_incidents += o.spurious_incidents;
        self.onset_covered += o.onset_covered;
        self.onset_total += o.onset_total;
        self.recovery_covered += o.recovery_covered;
        self.recovery_total += o.recovery_total;
        self.patterns_right += o.patterns_right;
        self.pattern_incidents += o.pattern_incidents;
        self.push_incidents += o.push_incidents;
        self.pushes_right += o.pushes_right;
    }

    /// Share of found onsets whose interval holds the truth (1.0 when there are none).
    pub fn onset_coverage(&self) -> f64 {
        ratio(self.onset_covered, self.onset_total)
    }

    /// Share of found recoveries whose interval holds the truth (1.0 when there are none).
    pub fn recovery_coverage(&self) -> f64 {
        ratio(self.recovery_covered, self.recovery_total)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Whether a found interval `[lo, hi]` holds a true instant `t`. A found censored instant
/// (before the input starts for an onset, after it ends for a recovery) holds every truth on
/// that side of its interval's far end. A censored truth (`t` is then the input's edge, the real
/// instant lying beyond it) is held by an interval reaching the edge, or a found censored one.
fn covers(interval: Option<&[Timestamp; 2]>, found_censored: bool, t: f64, truth_censored: bool, onset: bool) -> bool {
    const SLACK: f64 = 1e-6;
    let Some([lo, hi]) = interval else {
        return false;
    };
    let (lo, hi) = (lo.secs_f64() - SLACK, hi.secs_f64() + SLACK);
    match (onset, truth_censored, found_censored) {
        (true, true, _) => found_censored || lo <= t,
        (true, false, true) => t <= hi,
        (false, true, _) => found_censored || hi >= t,
        (false, false, true) => t >= lo,
        (_, false, false) => lo <= t && t <= hi,
    }
}

/// Onset and recovery errors and interval coverage of one truly affected POP that was found.
fn time_pop(sc: &mut Score, tp: &PopTimeline, fp: &PopTimeline) {
    if let Some(a) = ts(tp.onset.as_ref()) {
        sc.onset_total += 1;
        sc.onset_covered +=
            usize::from(covers(fp.onset_interval.as_ref(), fp.onset_censored, a, tp.onset_censored, true));
        if let (false, Some(b)) = (tp.onset_censored, ts(fp.onset.as_ref())) {
            sc.onset_errors.push((a - b).abs());
        }
    }
    if let Some(a) = ts(tp.recovery.as_ref()) {
        sc.recovery_total += 1;
        sc.recovery_covered +=
            usize::from(covers(fp.recovery_interval.as_ref(), fp.recovery_censored, a, tp.recovery_censored, false));
        if let (false, Some(b)) = (tp.recovery_censored, ts(fp.recovery.as_ref())) {
            sc.recovery_errors.push((a - b).abs());
        }
    }
}

/// The `q` quantile (0..1) of some values, by the nearest-rank method; `None` when empty.
pub fn quantile(v: &[f64], q: f64) -> Option<f64> {
    let mut s: Vec<f64> = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return None;
    }
    let rank = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s.get(rank - 1).copied()
}

/// Within 10 minutes of each other: an incident found and one in truth are the same.
fn overlaps(a0: Option<f64>, a1: Option<f64>, b0: Option<f64>, b1: Option<f64>) -> bool {
    match (a0, b0) {
        (Some(a0), Some(b0)) => {
            let a1 = a1.unwrap_or(f64::INFINITY);
            let b1 = b1.unwrap_or(f64::INFINITY);
            a0 <= b1 + 600.0 && b0 <= a1 + 600.0
        }
        _ => false,
    }
}

/// A true edge incident against the found incidents overlapping it: its epicenter named exactly,
/// contained, and its onset pattern.
fn score_edge_incident(
    sc: &mut Score,
    ti: &crate::timeline::model::Incident,
    matching: &[&crate::timeline::model::Incident],
) {
    if ti.onset_censored {
        // Which POP failed first, and how the onsets were laid out, lie before the input.
        return;
    }
    sc.edge_incidents += 1;
    let named = |f: &&crate::timeline::model::Incident| {
        let mut a: Vec<&String> = f.epicenter.iter().collect();
        let mut b: Vec<&String> = ti.epicenter.iter().collect();
        a.sort();
        b.sort();
        a == b
    };
    if matching.iter().any(|f| f.attribution != Attribution::Origin && named(f)) {
        sc.epicenters_named += 1;
    }
    if matching
        .iter()
        .any(|f| f.attribution != Attribution::Origin && ti.epicenter.iter().all(|e| f.epicenter.contains(e)))
    {
        sc.epicenters_within += 1;
    }
    if ti.pops.len() >= 2 {
        sc.pattern_incidents += 1;
        let want = if ti.onset_pattern == Pattern::Simultaneous {
            sc.push_incidents += 1;
            Pattern::Simultaneous
        } else {
            Pattern::Propagating
        };
        let right = matching.iter().any(|f| f.attribution != Attribution::Origin && f.onset_pattern == want);
        sc.patterns_right += usize::from(right);
        if want == Pattern::Simultaneous {
            sc.pushes_right += usize::from(right);
        }
    }
}

/// Scores `found` against `truth`.
pub fn score(truth: &Timeline, found: &Timeline) -> Score {
    let mut sc = Score::default();
    let t_aff: BTreeMap<&str, _> = truth.pops.iter().filter(|p| p.affected).map(|p| (p.pop.as_str(), p)).collect();
    let f_aff: BTreeMap<&str, _> = found.pops.iter().filter(|p| p.affected).map(|p| (p.pop.as_str(), p)).collect();
    for (pop, tp) in &t_aff {
        match f_aff.get(pop) {
            Some(fp) => {
                sc.true_positives += 1;
                time_pop(&mut sc, tp, fp);
                if let Some(tper) = tp.flapping.period_seconds {
                    sc.period_errors.push(fp.flapping.period_seconds.map_or(f64::INFINITY, |f| (f - tper).abs()));
                }
            }
            None => sc.false_negatives += 1,
        }
    }
    sc.false_positives = f_aff.keys().filter(|p| !t_aff.contains_key(*p)).count();

    for ti in &truth.incidents {
        let (t0, t1) = (ts(ti.onset.as_ref()), ts(ti.recovery.as_ref()));
        let matching: Vec<_> = found
            .incidents
            .iter()
            .filter(|f| overlaps(t0, t1, ts(f.onset.as_ref()), ts(f.recovery.as_ref())))
            .collect();
        if ti.attribution == Attribution::Origin {
            sc.origin_incidents += 1;
            let hosts: BTreeSet<&String> = ti.hosts.iter().collect();
            if matching
                .iter()
                .any(|f| f.attribution == Attribution::Origin && f.hosts.iter().any(|h| hosts.contains(h)))
            {
                sc.origin_attributed += 1;
            }
        } else {
            score_edge_incident(&mut sc, ti, &matching);
        }
    }
    sc.spurious_incidents = found
        .incidents
        .iter()
        .filter(|f| {
            !truth.incidents.iter().any(|ti| {
                ti.attribution == f.attribution
                    && overlaps(
                        ts(ti.onset.as_ref()),
                        ts(ti.recovery.as_ref()),
                        ts(f.onset.as_ref()),
                        ts(f.recovery.as_ref()),
                    )
            })
        })
        .count();
    sc
}

/// An instant of a Logpush `EdgeStartTimestamp` in any of its encodings (RFC 3339, with or
/// without fraction; unix seconds; unix nanoseconds), ns.
fn edge_start_ns(v: &serde_json::Value) -> Option<i64> {
    match v.get("EdgeStartTimestamp")? {
        serde_json::Value::String(s) => chrono::DateTime::parse_from_rfc3339(s).ok()?.timestamp_nanos_opt(),
        serde_json::Value::Number(n) => {
            let n = n.as_i64()?;
            Some(if n < 10_000_000_000 { n.saturating_mul(1_000_000_000) } else { n })
        }
        _ => None,
    }
}

/// Writes under `out` the lines of the Logpush NDJSON files under `logs` (gzip or plain) whose
/// `EdgeStartTimestamp` falls in `[from, to)` (unix seconds), file by file with the same
/// relative paths (gzip), leaving out files with no such line; lines that do not parse are
/// dropped. Returns the lines written. An outage-only slice of a simulated day: the input a user
/// who fetched only the outage's hours would have.
pub fn slice_logs(logs: &std::path::Path, out: &std::path::Path, from: i64, to: i64) -> crate::Result<u64> {
    use std::io::{BufRead, Write};
    let (from_ns, to_ns) = (from.saturating_mul(1_000_000_000), to.saturating_mul(1_000_000_000));
    let mut written = 0;
    let mut paths: Vec<std::path::PathBuf> = walkdir::WalkDir::new(logs)
        .into_iter()
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect();
    paths.sort();
    for path in paths {
        let file = std::fs::File::open(&path).map_err(|e| crate::Error::io(&path, e))?;
        let gz = path.extension().is_some_and(|e| e == "gz");
        let reader: Box<dyn std::io::Read> =
            if gz { Box::new(flate2::read::MultiGzDecoder::new(file)) } else { Box::new(file) };
        let mut keep = Vec::new();
        for line in std::io::BufReader::new(reader).lines() {
            let line = line.map_err(|e| crate::Error::io(&path, e))?;
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            if edge_start_ns(&v).is_some_and(|t| (from_ns..to_ns).contains(&t)) {
                keep.push(line);
            }
        }
        if keep.is_empty() {
            continue;
        }
        let rel = path.strip_prefix(logs).unwrap_or(&path);
        let mut dest = out.join(rel);
        if !gz {
            dest.as_mut_os_string().push(".gz");
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| crate::Error::io(parent, e))?;
        }
        let f = std::fs::File::create(&dest).map_err(|e| crate::Error::io(&dest, e))?;
        let mut enc = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        for line in &keep {
            enc.write_all(line.as_bytes())
                .and_then(|()| enc.write_all(b"\n"))
                .map_err(|e| crate::Error::io(&dest, e))?;
        }
        enc.finish().map_err(|e| crate::Error::io(&dest, e))?;
        written += keep.len() as u64;
    }
    Ok(written)
}

/// The truth of an outage-only slice `[from, to)` (unix seconds) of a day whose truth is
/// `truth`: a POP (or incident) failing at `from` has a censored onset ("at or before `from`",
/// stated as `from`), one still failing at `to` a censored recovery (stated as `to`); a POP whose
/// failing window misses the slice is not affected. Flapping periods are dropped (a slice may
/// hold too few cycles); a flapping POP counts as affected when its whole failing window
/// (first onset to last recovery) meets the slice. The input accounting is left as it was.
pub fn clip_truth(truth: &Timeline, from: i64, to: i64) -> Timeline {
    let fmt = |t: i64| Timestamp(t.saturating_mul(1_000_000_000));
    let (f, t) = (from as f64, to as f64);
    let clip =
        |onset: &mut Option<Timestamp>, recovery: &mut Option<Timestamp>, oc: &mut bool, rc: &mut bool| -> bool {
            let (Some(a), b) = (ts(onset.as_ref()), ts(recovery.as_ref())) else {
                return false;
            };
            let b = b.unwrap_or(f64::INFINITY);
            if b <= f || a >= t {
                return false;
            }
            if a < f {
                *onset = Some(fmt(from));
                *oc = true;
            }
            if b > t {
                *recovery = Some(fmt(to));
                *rc = true;
            }
            true
        };
    let mut out = truth.clone();
    for p in &mut out.pops {
        p.flapping = crate::timeline::model::Flapping::default();
        if p.affected {
            p.affected = clip(&mut p.onset, &mut p.recovery, &mut p.onset_censored, &mut p.recovery_censored);
        }
        if !p.affected {
            p.onset = None;
            p.recovery = None;
            p.peak = None;
            p.peak_error_rate = None;
        }
    }
    let affected: BTreeSet<String> = out.pops.iter().filter(|p| p.affected).map(|p| p.pop.clone()).collect();
    out.incidents.retain_mut(|i| {
        i.flapping = crate::timeline::model::Flapping::default();
        if !clip(&mut i.onset, &mut i.recovery, &mut i.onset_censored, &mut i.recovery_censored) {
            return false;
        }
        if i.attribution != Attribution::Origin {
            i.pops.retain(|p| affected.contains(p));
            if i.onset_censored {
                // Who failed first lies before the slice.
                i.epicenter.clear();
            }
            if i.pops.is_empty() {
                return false;
            }
        }
        true
    });
    out.propagation.retain(|p| affected.contains(&p.pop));
    out
}

/// Reads the Logpush files under `logs` through the ordinary ingest path and builds the
/// method's timeline and the peers' (the naive threshold and the alert rule).
pub fn analyze(
    logs: &std::path::Path,
    params: &crate::timeline::Params,
) -> crate::Result<(Timeline, Timeline, Timeline)> {
    let (inputs, _) = crate::ingest::discover(&[logs.to_path_buf()]);
    let (table, acc) =
        crate::rates::compute(&inputs, &crate::ingest::IngestOptions::default(), &crate::ingest::NoProgress, 60, true)?;
    let input = crate::timeline::model::InputSummary {
        files: acc.files.len() as u64,
        lines: acc.lines,
        events: acc.events,
        rejected: acc.rejected,
        duplicates: acc.duplicates,
        filtered: acc.filtered,
    };
    Ok((
        crate::timeline::build(&table, input, params),
        crate::timeline::naive::build(&table, 0.10),
        crate::timeline::naive::alert_rule(&table),
    ))
}

/// Simulates a scenario into `dir`, keeps only its lines in `[from, to)` (unix seconds) in
/// `dir/slice`, and builds both timelines of the slice beside the clipped truth.
pub fn evaluate_slice(
    opts: &crate::simulate::SimOptions,
    dir: &std::path::Path,
    from: i64,
    to: i64,
    params: &crate::timeline::Params,
) -> crate::Result<Evaluation> {
    let truth = crate::simulate::simulate(opts, dir)?;
    let sliced = dir.join("slice");
    slice_logs(&dir.join("logs"), &sliced, from, to)?;
    let (found, naive, alert) = analyze(&sliced, params)?;
    Ok(Evaluation { truth: clip_truth(&truth, from, to), found, naive, alert })
}

/// One scenario run: the truth, the method's timeline and the naive baseline's.
pub struct Evaluation {
    /// The simulator's truth.
    pub truth: Timeline,
    /// The method's answer.
    pub found: Timeline,
    /// The naive 10 % threshold's answer.
    pub naive: Timeline,
    /// The alert rule's answer (edge-generated 5xx ≥ 2 % for three buckets).
    pub alert: Timeline,
}

/// Simulates a scenario into `dir`, reads it back through the ordinary ingest path and builds
/// both timelines.
pub fn evaluate(
    opts: &crate::simulate::SimOptions,
    dir: &std::path::Path,
    params: &crate::timeline::Params,
) -> crate::Result<Evaluation> {
    let truth = crate::simulate::simulate(opts, dir)?;
    let (found, naive, alert) = analyze(&dir.join("logs"), params)?;
    Ok(Evaluation { truth, found, naive, alert })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_crates_own_reader_agrees_with_the_simulators_truth() {
        use crate::ingest::{discover, IngestOptions, NoProgress};
        use crate::simulate::{simulate, Scenario, SimOptions};
        let dir = tempfile::tempdir().unwrap();
        let truth = simulate(&SimOptions { scenario: Scenario::Origin, seed: 3, scale: 0.05 }, dir.path()).unwrap();
        let (inputs, unreadable) = discover(&[dir.path().join("logs")]);
        assert!(unreadable.is_empty());
        let (_, acc) = crate::rates::compute(&inputs, &IngestOptions::default(), &NoProgress, 60, false).unwrap();
        assert_eq!(
            (acc.files.len() as u64, acc.lines, acc.events, acc.rejected, acc.duplicates),
            (truth.input.files, truth.input.lines, truth.input.events, truth.input.rejected, truth.input.duplicates)
        );
    }

    use super::*;
    use crate::timeline::model::{Incident, PopTimeline};

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(&format!("2025-11-18T{s}Z")).unwrap()
    }

    #[test]
    fn coverage_of_plain_and_censored_instants() {
        let iv = [t("10:00:00"), t("10:01:00")];
        let at = |s: &str| ts(Some(&t(s))).unwrap();
        assert!(covers(Some(&iv), false, at("10:00:30"), false, true));
        assert!(!covers(Some(&iv), false, at("10:01:30"), false, true));
        assert!(!covers(None, false, at("10:00:30"), false, true));
        // A censored truth (failing before the input starts) needs an interval reaching back.
        assert!(covers(Some(&iv), false, at("10:00:00"), true, true));
        assert!(!covers(Some(&iv), false, at("09:59:00"), true, true));
        assert!(covers(Some(&iv), true, at("09:00:00"), true, true));
        // A found censored onset holds any earlier truth.
        assert!(covers(Some(&iv), true, at("09:00:00"), false, true));
        assert!(!covers(Some(&iv), true, at("10:02:00"), false, true));
        // Recoveries, mirrored.
        assert!(covers(Some(&iv), false, at("10:01:00"), true, false));
        assert!(covers(Some(&iv), true, at("11:00:00"), false, false));
        assert!(!covers(Some(&iv), true, at("09:00:00"), false, false));
    }

    #[test]
    fn clipping_the_truth_to_a_slice() {
        let pop = |code: &str, a: &str, b: &str| PopTimeline {
            pop: code.to_owned(),
            affected: true,
            onset: Some(t(a)),
            recovery: Some(t(b)),
            ..PopTimeline::default()
        };
        let truth = Timeline {
            pops: vec![
                pop("FRA", "11:20:00", "14:30:00"),
                pop("JNB", "13:30:00", "17:06:00"),
                pop("AMS", "11:25:00", "12:00:00"),
            ],
            incidents: vec![Incident {
                onset: Some(t("11:20:00")),
                recovery: Some(t("17:06:00")),
                epicenter: vec!["FRA".to_owned()],
                pops: vec!["FRA".to_owned(), "JNB".to_owned(), "AMS".to_owned()],
                ..Incident::default()
            }],
            ..Timeline::default()
        };
        let from = ts(Some(&t("13:10:00"))).unwrap() as i64;
        let to = ts(Some(&t("14:20:00"))).unwrap() as i64;
        let c = clip_truth(&truth, from, to);
        let fra = &c.pops[0];
        assert!(fra.affected && fra.onset_censored && fra.recovery_censored);
        assert_eq!(fra.onset, Some(t("13:10:00")));
        assert_eq!(fra.recovery, Some(t("14:20:00")));
        let jnb = &c.pops[1];
        assert!(jnb.affected && !jnb.onset_censored && jnb.recovery_censored);
        assert!(!c.pops[2].affected);
        let [inc] = c.incidents.as_slice() else { panic!() };
        assert!(inc.onset_censored && inc.epicenter.is_empty());
        assert_eq!(inc.pops, ["FRA", "JNB"]);
        // A found timeline saying the same, censored: covered, no onset error for FRA.
        let mut found = c.clone();
        found.pops[0].onset_interval = Some([t("13:10:00"), t("13:10:30")]);
        found.pops[0].onset_censored = true;
        found.pops[0].recovery_interval = Some([t("14:19:30"), t("14:20:00")]);
        found.pops[0].recovery_censored = true;
        found.pops[1].onset_interval = Some([t("13:29:50"), t("13:30:10")]);
        found.pops[1].recovery_interval = Some([t("14:19:30"), t("14:20:00")]);
        found.pops[1].recovery_censored = true;
        let s = score(&c, &found);
        assert_eq!((s.true_positives, s.onset_covered, s.onset_total), (2, 2, 2));
        assert_eq!((s.recovery_covered, s.recovery_total), (2, 2));
        assert_eq!(s.onset_errors.len(), 1);
        assert_eq!(s.edge_incidents, 0, "a censored onset hides the epicenter");
    }
}
