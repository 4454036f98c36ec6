#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs, reason = "a measurement harness")]
//! Accuracy of the user-side signatures, of the edge-vs-origin attribution of HAR 5xx and of
//! the clock-skew estimate, on the simulator's captures over many seeds and every scenario.
//! Prints the Markdown table kept in `BENCHMARKS.md`:
//!
//! `cargo bench --bench captures -- [SEEDS] [SCALE]` (default: 10 seeds, scale 0.2).

use blastradius::eval::captures::{score, FamilyScore};
use blastradius::ingest::{discover, IngestOptions};
use blastradius::simulate::{Scenario, SimOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let seeds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(10);
    let scale: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(0.2);
    let mut fam: Vec<FamilyScore> = Vec::new();
    let (mut correct, mut total, mut events, mut misaligned) = (0u64, 0u64, 0u64, 0u64);
    let mut skew_err: Vec<f64> = Vec::new();
    for scenario in Scenario::ALL {
        for seed in 1..=seeds {
            let dir = tempfile::tempdir().unwrap();
            let opts = SimOptions { scenario, seed, scale };
            let (_, truth) = blastradius::simulate::simulate_with_captures(&opts, dir.path()).unwrap();
            let (inputs, _) = discover(&[dir.path().join("captures"), dir.path().join("logs")]);
            let (mut df, _) = blastradius::frame::read_events(&inputs, &IngestOptions::default()).unwrap();
            blastradius::signatures::classify(&mut df).unwrap();
            let join = blastradius::join::join(&df, blastradius::join::JoinParams::default()).unwrap();
            let rows: Vec<_> = blastradius::classify::rows(&df, Some(&join))
                .unwrap()
                .into_iter()
                .filter(|r| matches!(r.source_kind.as_deref(), Some("har" | "client")))
                .collect();
            let s = score(&truth, &rows);
            events += truth.events.len() as u64;
            misaligned += s.missing + s.extra;
            correct += s.attribution_correct;
            total += s.attribution_total;
            if fam.is_empty() {
                fam.clone_from(&s.families);
            } else {
                for (a, b) in fam.iter_mut().zip(&s.families) {
                    a.tp += b.tp;
                    a.fp += b.fp;
                    a.fn_ += b.fn_;
                }
            }
            for (file, skew) in &truth.clock_skew_s {
                if let Some(k) = join.clock_skews.iter().find(|k| k.file.ends_with(file.as_str())) {
                    skew_err.push((k.skew_s - skew).abs());
                }
            }
        }
    }
    println!(
        "{} scenarios × {seeds} seeds at scale {scale}: {events} captured events, {misaligned} misaligned",
        Scenario::ALL.len()
    );
    println!();
    println!("| family | TP | FP | FN | precision | recall |");
    println!("|---|---:|---:|---:|---:|---:|");
    for f in &fam {
        println!("| {} | {} | {} | {} | {:.3} | {:.3} |", f.family, f.tp, f.fp, f.fn_, f.precision(), f.recall());
    }
    println!();
    println!("edge-vs-origin attribution of HAR 5xx: {correct}/{total} = {:.3}", correct as f64 / total.max(1) as f64);
    skew_err.sort_by(f64::total_cmp);
    let q = |p: f64| skew_err.get(((skew_err.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(f64::NAN);
    println!("clock-skew error over {} captures: median {:.3} s, max {:.3} s", skew_err.len(), q(0.5), q(1.0));
}
