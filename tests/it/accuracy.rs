//! Accuracy of the timeline on simulated incidents, across seeds and scales, scored against
//! the simulator's truth. The figures over 20 seeds are in BENCHMARKS.md (`cargo bench --bench
//! accuracy`).

use blastradius::ingest::IngestOptions;
use blastradius::simulate::{Scenario, SimOptions};
use std::fmt::Write as _;
use std::sync::OnceLock;

use blastradius::eval::{analyze, clip_truth, evaluate, quantile, score, slice_logs, Evaluation, Score};
use blastradius::timeline::model::{Attribution, Pattern, Timeline};
use blastradius::timeline::Params;

fn pooled(scenario: Scenario, runs: &[(u64, f64)]) -> (Score, Vec<Option<f64>>) {
    let mut total = Score::default();
    let mut incident_periods = Vec::new();
    for &(seed, scale) in runs {
        let dir = tempfile::tempdir().unwrap();
        let ev = evaluate(&SimOptions { scenario, seed, scale }, dir.path(), &Params::default()).unwrap();
        let s = score(&ev.truth, &ev.found);
        eprintln!("{} seed {seed} scale {scale}: F1 {:.3}, {s:?}", scenario.name(), s.f1());
        report(&format!("{} seed {seed} scale {scale}", scenario.name()), &s);
        for (ti, fi) in ev.truth.incidents.iter().zip(&ev.found.incidents) {
            eprintln!(
                "  epicenter truth {:?} found {:?}, pattern truth {:?} found {:?}",
                ti.epicenter, fi.epicenter, ti.onset_pattern, fi.onset_pattern
            );
        }
        total.pool(&s);
        for (ti, fi) in ev.truth.incidents.iter().zip(&ev.found.incidents) {
            if ti.attribution != Attribution::Origin {
                let truth_period = ev.truth.pops.iter().find_map(|p| p.flapping.period_seconds);
                incident_periods
                    .push(truth_period.map(|t| fi.flapping.period_seconds.map_or(f64::INFINITY, |f| (f - t).abs())));
            }
        }
    }
    (total, incident_periods)
}

/// Timing targets are asserted where POPs carry realistic volumes (tens to hundreds of requests
/// a minute); the low-volume runs below check detection and attribution only (their timing
/// figures are in BENCHMARKS.md). Seeds 41–43, outside the benchmark's 1..=20, so that the
/// figures in BENCHMARKS.md are not those of the seeds the tests hold the method to.
const RUNS: [(u64, f64); 3] = [(41, 1.5), (42, 2.0), (43, 3.0)];
const LOW_VOLUME: [(u64, f64); 2] = [(21, 0.3), (22, 0.6)];

fn assert_times(s: &Score) {
    let q = |v: &[f64], p: f64| quantile(v, p).unwrap_or(f64::INFINITY);
    assert!(s.f1() >= 0.97, "affected-POP F1 {:.3}: {s:?}", s.f1());
    assert!(q(&s.onset_errors, 0.5) <= 30.0, "onset median {}", q(&s.onset_errors, 0.5));
    assert!(q(&s.onset_errors, 0.9) <= 90.0, "onset p90 {}", q(&s.onset_errors, 0.9));
    assert!(q(&s.recovery_errors, 0.5) <= 60.0, "recovery median {}", q(&s.recovery_errors, 0.5));
    assert!(q(&s.recovery_errors, 0.9) <= 180.0, "recovery p90 {}", q(&s.recovery_errors, 0.9));
    assert_eq!(s.epicenters_within, s.edge_incidents, "epicenter not named: {s:?}");
    assert_eq!(s.spurious_incidents, 0, "{s:?}");
}

/// [`pooled`] over [`RUNS`], computed once per scenario for the tests that share it.
fn pooled_once(scenario: Scenario) -> &'static (Score, Vec<Option<f64>>) {
    static CACHE: [OnceLock<(Score, Vec<Option<f64>>)>; Scenario::ALL.len()] =
        [const { OnceLock::new() }; Scenario::ALL.len()];
    let i = Scenario::ALL.iter().position(|s| *s == scenario).unwrap();
    CACHE[i].get_or_init(|| pooled(scenario, &RUNS))
}

#[test]
fn nov18_global_flapping_incident() {
    let (s, periods) = pooled_once(Scenario::Nov18).clone();
    assert_times(&s);
    assert!(s.edge_incidents >= RUNS.len());
    for p in periods.into_iter().flatten() {
        assert!(p <= 30.0, "incident flapping period off by {p} s");
    }
}

#[test]
fn low_volume_incidents_are_still_found_and_attributed() {
    for scenario in [Scenario::Nov18, Scenario::Regional] {
        let (s, _) = pooled(scenario, &LOW_VOLUME);
        assert!(s.f1() >= 0.95, "{} F1 {:.3}: {s:?}", scenario.name(), s.f1());
        // At a few requests a minute the onsets' intervals may all overlap: the incident is then
        // reported simultaneous, with no epicenter (it cannot be told); otherwise the epicenter
        // is named.
        let undecided = s.pattern_incidents - s.patterns_right;
        assert!(s.epicenters_within + undecided >= s.edge_incidents, "{s:?}");
        assert_eq!(s.spurious_incidents, 0, "{s:?}");
    }
    let (s, _) = pooled(Scenario::Origin, &LOW_VOLUME);
    assert_eq!(s.origin_attributed, s.origin_incidents, "{s:?}");
}

#[test]
fn single_region_incident() {
    let (s, _) = pooled_once(Scenario::Regional);
    assert_times(s);
    assert_eq!(s.epicenters_named, s.edge_incidents, "epicenter not named exactly: {s:?}");
    assert_eq!(s.patterns_right, s.pattern_incidents, "{s:?}");
}

/// The epicenter named alone, not within a set of POPs whose onsets were close.
#[test]
fn nov18_epicenter_named_exactly() {
    let (s, _) = pooled_once(Scenario::Nov18);
    assert_eq!(s.epicenters_named, s.edge_incidents, "epicenter not named exactly: {s:?}");
    assert_eq!(s.patterns_right, s.pattern_incidents, "{s:?}");
}

#[test]
fn nov18_and_regional_intervals_hold_the_truth() {
    for scenario in [Scenario::Nov18, Scenario::Regional] {
        let (s, _) = pooled_once(scenario);
        report(scenario.name(), s);
        assert_coverage(scenario.name(), s);
    }
}

#[test]
fn origin_outages_are_attributed_to_the_origin() {
    let (s, _) = pooled(Scenario::Origin, &RUNS);
    assert_eq!(s.origin_attributed, s.origin_incidents, "{s:?}");
    assert!(s.origin_incidents >= RUNS.len());
    assert_eq!(s.false_positives, 0, "an origin outage made POPs look edge-affected: {s:?}");
    assert_eq!(s.spurious_incidents, 0, "{s:?}");
}

#[test]
fn nothing_is_detected_on_a_quiet_day() {
    for &(seed, scale) in &RUNS {
        let dir = tempfile::tempdir().unwrap();
        let ev =
            evaluate(&SimOptions { scenario: Scenario::Quiet, seed, scale }, dir.path(), &Params::default()).unwrap();
        assert!(ev.found.incidents.is_empty(), "seed {seed}: {:#?}", ev.found.incidents);
        assert!(ev.found.pops.iter().all(|p| !p.affected));
    }
}

/// What users captured, classified, against the simulator's per-event truth; and each capture's
/// clock skew recovered by the join with the edge logs.
#[test]
fn user_side_signatures_and_attribution_on_simulated_captures() {
    use blastradius::eval::captures::score as score_captures;
    for seed in [11, 12] {
        let dir = tempfile::tempdir().unwrap();
        let opts = SimOptions { scenario: Scenario::Nov18, seed, scale: 0.05 };
        let (_, truth) = blastradius::simulate::simulate_with_captures(&opts, dir.path()).unwrap();
        assert!(truth.events.len() > 500, "{}", truth.events.len());
        let (mut df, _) =
            crate::read(&[dir.path().join("captures"), dir.path().join("logs")], &IngestOptions::default());
        blastradius::signatures::classify(&mut df).unwrap();
        let join = blastradius::join::join(&df, blastradius::join::JoinParams::default()).unwrap();
        let rows = blastradius::classify::rows(&df, Some(&join)).unwrap();
        let user_rows: Vec<_> =
            rows.into_iter().filter(|r| matches!(r.source_kind.as_deref(), Some("har" | "client"))).collect();
        let s = score_captures(&truth, &user_rows);
        assert_eq!((s.missing, s.extra), (0, 0), "every captured event is reported once");
        for f in &s.families {
            assert!(f.precision() >= 0.97 && f.recall() >= 0.97, "seed {seed}: {f:?}");
        }
        assert!(s.attribution_total > 20);
        assert!(s.attribution_correct as f64 / s.attribution_total as f64 >= 0.97, "{s:?}");
        // Each HAR's clock offset, recovered from the Ray IDs it shares with the edge (to within
        // the edge logs' own resolution: some batches carry whole seconds).
        for (file, skew) in &truth.clock_skew_s {
            let est = join.clock_skews.iter().find(|k| k.file.ends_with(file.as_str())).unwrap();
            assert!((est.skew_s - skew).abs() < 1.0, "{file}: {} vs {skew}", est.skew_s);
        }
    }
}

// The new shapes below use seeds 31 and 32, disjoint from the seeds above (41–43, 21–22) and
// from those of `benches/accuracy.rs` (1..=20), so that the benchmark's figures are not the
// ones the tests were tuned on.
const NEW_SHAPES: [(u64, f64); 2] = [(31, 1.0), (32, 1.0)];

fn report(name: &str, s: &Score) {
    let q = |v: &[f64], p: f64| quantile(v, p).unwrap_or(f64::NAN);
    eprintln!(
        "{name}: F1 {:.3} (tp {} fp {} fn {}), onset median {:.1} s p90 {:.1} s, recovery median {:.1} s p90 {:.1} s, \
         onset coverage {}/{}, recovery coverage {}/{}, patterns {}/{} (pushes {}/{}), epicenters {}/{}, spurious {}",
        s.f1(),
        s.true_positives,
        s.false_positives,
        s.false_negatives,
        q(&s.onset_errors, 0.5),
        q(&s.onset_errors, 0.9),
        q(&s.recovery_errors, 0.5),
        q(&s.recovery_errors, 0.9),
        s.onset_covered,
        s.onset_total,
        s.recovery_covered,
        s.recovery_total,
        s.patterns_right,
        s.pattern_incidents,
        s.pushes_right,
        s.push_incidents,
        s.epicenters_named,
        s.edge_incidents,
        s.spurious_incidents,
    );
}

fn assert_coverage(name: &str, s: &Score) {
    assert!(s.onset_coverage() >= 0.9, "{name}: onset intervals hold the truth {}/{}", s.onset_covered, s.onset_total);
    assert!(
        s.recovery_coverage() >= 0.9,
        "{name}: recovery intervals hold the truth {}/{}",
        s.recovery_covered,
        s.recovery_total
    );
}

/// Per POP, found vs true onset and its interval: what a failure message shows.
fn onsets(truth: &Timeline, found: &Timeline) -> String {
    let mut out = String::new();
    for tp in truth.pops.iter().filter(|p| p.affected) {
        let fp = found.pops.iter().find(|p| p.pop == tp.pop);
        let _ = write!(
            out,
            "\n  {} truth {:?}..{:?} found {:?} {:?} (censored {:?}) .. {:?} {:?}",
            tp.pop,
            tp.onset,
            tp.recovery,
            fp.filter(|p| p.affected).map(|p| &p.onset),
            fp.map(|p| &p.onset_interval),
            fp.map(|p| p.onset_censored),
            fp.filter(|p| p.affected).map(|p| &p.recovery),
            fp.map(|p| &p.recovery_interval),
        );
    }
    out
}

/// The runs of a new shape over [`NEW_SHAPES`], simulated once for the tests that share them.
fn runs(scenario: Scenario) -> &'static [Evaluation] {
    static PARTIAL: OnceLock<Vec<Evaluation>> = OnceLock::new();
    static PUSH: OnceLock<Vec<Evaluation>> = OnceLock::new();
    let cell = if scenario == Scenario::Push { &PUSH } else { &PARTIAL };
    cell.get_or_init(|| {
        NEW_SHAPES
            .iter()
            .map(|&(seed, scale)| {
                let dir = tempfile::tempdir().unwrap();
                let ev = evaluate(&SimOptions { scenario, seed, scale }, dir.path(), &Params::default()).unwrap();
                let s = score(&ev.truth, &ev.found);
                report(&format!("{} seed {seed}", scenario.name()), &s);
                eprintln!("{}", onsets(&ev.truth, &ev.found));
                for i in &ev.found.incidents {
                    eprintln!(
                        "  found {:?} {:?}..{:?} pattern {:?} spread {:?} epicenter {:?} pops {}",
                        i.attribution,
                        i.onset,
                        i.recovery,
                        i.onset_pattern,
                        i.onset_spread_seconds,
                        i.epicenter,
                        i.pops.len()
                    );
                }
                ev
            })
            .collect()
    })
}

fn pooled_runs(scenario: Scenario) -> Score {
    let mut total = Score::default();
    for ev in runs(scenario) {
        total.pool(&score(&ev.truth, &ev.found));
    }
    report(scenario.name(), &total);
    total
}

/// A bad configuration on a fraction of machines: 2–6 % of edge errors at a dozen POPs, busy
/// and quiet, beside the noisy POP's steady 3 %.
#[test]
fn partial_rollout_of_small_effects() {
    let total = pooled_runs(Scenario::Partial);
    assert!(total.f1() >= 0.97, "affected-POP F1 {:.3}: {total:?}", total.f1());
    assert_eq!(total.spurious_incidents, 0, "{total:?}");
}

#[test]
fn partial_rollout_intervals_hold_the_truth() {
    assert_coverage("partial", &pooled_runs(Scenario::Partial));
}

/// One global configuration push and one global revert: found everywhere, onsets to seconds.
#[test]
fn global_push_is_found_with_sharp_onsets() {
    let total = pooled_runs(Scenario::Push);
    assert!(total.f1() >= 0.97, "affected-POP F1 {:.3}: {total:?}", total.f1());
    let median = quantile(&total.onset_errors, 0.5).unwrap_or(f64::INFINITY);
    assert!(median <= 15.0, "onset median {median}");
    assert_eq!(total.spurious_incidents, 0, "{total:?}");
}

/// The push is one incident, simultaneous, with no epicenter.
#[test]
fn global_push_is_simultaneous() {
    for (ev, (seed, _)) in runs(Scenario::Push).iter().zip(NEW_SHAPES) {
        assert_eq!(ev.truth.incidents.len(), 1);
        let edge: Vec<_> = ev.found.incidents.iter().filter(|i| i.attribution != Attribution::Origin).collect();
        assert_eq!(edge.len(), 1, "seed {seed}: {:#?}", ev.found.incidents);
        assert_eq!(edge[0].onset_pattern, Pattern::Simultaneous, "seed {seed}: {}", onsets(&ev.truth, &ev.found));
        assert!(edge[0].epicenter.is_empty(), "seed {seed}: epicenter {:?}", edge[0].epicenter);
    }
    let total = pooled_runs(Scenario::Push);
    assert_eq!(total.pushes_right, total.push_incidents, "{total:?}");
    assert_eq!(total.epicenters_named, total.edge_incidents, "{total:?}");
}

#[test]
fn global_push_intervals_hold_the_truth() {
    assert_coverage("push", &pooled_runs(Scenario::Push));
}

/// Only the outage's hours of the bundled Nov 18 sample (13:10–14:20, every failing POP in its
/// steady bad state): each is found, failing from before the input starts.
#[test]
fn nov18_outage_only_slice_of_the_sample() {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/nov18");
    let truth: Timeline = serde_json::from_str(&std::fs::read_to_string(sample.join("truth.json")).unwrap()).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2025, 11, 18).unwrap();
    let at = |h, m| day.and_hms_opt(h, m, 0).unwrap().and_utc().timestamp();
    let (from, to) = (at(13, 10), at(14, 20));
    let dir = tempfile::tempdir().unwrap();
    let lines = slice_logs(&sample.join("logs"), dir.path(), from, to).unwrap();
    assert!(lines > 1000, "{lines}");
    let truth = clip_truth(&truth, from, to);
    let (found, _, _) = analyze(dir.path(), &Params::default()).unwrap();
    let s = score(&truth, &found);
    report("nov18 slice 13:10-14:20", &s);
    let failing = truth.pops.iter().filter(|p| p.affected).count();
    assert!(failing >= 15, "{failing}");
    assert_eq!(s.false_negatives, 0, "{}", onsets(&truth, &found));
    assert_eq!(s.true_positives, failing);
    assert_coverage("nov18 slice", &s);
}
