//! Who was hit (cohorts), changes and causes, and comparing incidents: on the `dec5` scenario
//! (seeds 41–42, outside the accuracy bench's 1–20), on hand-written changes files, and through
//! the binary.

use std::path::Path;
use std::process::Command;

use blastradius::changes::{self, Fit};
use blastradius::eval::cohorts::{evaluate_cohorts, score_cohorts, CohortScore};
use blastradius::simulate::{Scenario, SimOptions};
use blastradius::timeline::model::Pattern;
use blastradius::timeline::Params;

use crate::fixture;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blastradius"))
}

#[test]
fn dec5_names_the_two_zones_failing_on_every_request_not_a_share_of_all_traffic() {
    let mut total = CohortScore::default();
    for seed in [41, 42] {
        let dir = tempfile::tempdir().unwrap();
        let run = evaluate_cohorts(
            &SimOptions { scenario: Scenario::Dec5, seed, scale: 1.0 },
            dir.path(),
            &Params::default(),
        )
        .unwrap();
        let s = score_cohorts(&run.truth, &run.found);
        let main = run.found.incidents.iter().max_by_key(|i| i.failed_requests).unwrap();
        let c = main.cohorts.as_ref().unwrap();
        let h = c.headline.as_ref().unwrap();
        eprintln!("seed {seed}: {}", h.summary);
        // The window as a whole fails on a fraction of its requests; the cohort on all of them.
        assert!(c.error_rate < 0.4, "{}", c.error_rate);
        assert!(h.lift.unwrap() > 20.0, "{h:?}");
        assert!(h.share_of_failures > 0.9, "{h:?}");
        total.pool(&s);
    }
    assert_eq!(total.incidents, 2);
    assert_eq!(total.named, 2, "{total:?}");
    assert_eq!(total.every_request, 2, "{total:?}");
    assert_eq!(total.untouched_right, 2, "{total:?}");
    assert_eq!(total.spared_named, 2, "{total:?}");
    assert_eq!(total.other_headlines, 0, "{total:?}");
}

#[test]
fn changes_files_of_every_documented_shape_read() {
    let csv = changes::read(&fixture("changes/changes.csv")).unwrap();
    assert_eq!(csv.len(), 3);
    assert_eq!(csv[0].pops, ["SCL"]);
    assert_eq!(csv[1].period_seconds, Some(300.0));
    assert!(csv[2].is_global());
    let json = changes::read(&fixture("changes/changes.json")).unwrap();
    assert_eq!(json.len(), 2);
    assert_eq!(json[0].time.to_string(), "2025-12-05T08:40:00.000Z");
    assert_eq!(json[1].zones, ["example.net", "example.org"]);
    for (file, n) in [("audit_log_v1.json", 2), ("audit_log_v2.json", 1), ("audit_logs.ndjson", 2)] {
        let v = changes::read(&fixture(&format!("changes/{file}"))).unwrap();
        assert_eq!(v.len(), n, "{file}: {v:?}");
        assert!(v.iter().all(|c| c.source == "audit_log" && c.is_global()), "{file}: {v:?}");
        assert!(!v[0].what.is_empty() && v[0].actor.is_some(), "{file}: {v:?}");
    }
    let v1 = changes::read(&fixture("changes/audit_log_v1.json")).unwrap();
    assert_eq!(
        (v1[0].time.to_string().as_str(), v1[0].zones.as_slice()),
        ("2025-12-05T08:46:30.000Z", ["example.net".to_string()].as_slice())
    );
    assert!(v1[0].what.contains("rule_update") && v1[0].what.contains("firewall.rule"));
    let v2 = changes::read(&fixture("changes/audit_log_v2.json")).unwrap();
    assert!(v2[0].what.contains("Update managed ruleset"), "{v2:?}");
    assert_eq!(v2[0].zones, ["example.org"]);
    let nd = changes::read(&fixture("changes/audit_logs.ndjson")).unwrap();
    assert_eq!(nd[1].time.to_string(), "2025-12-05T09:00:00.000Z");
    assert!(changes::parse("time,what\nnot a time,x\n").is_err());
}

/// The seeds' own hypothesis on the bundled sample: a maintenance window in Santiago. Did SCL
/// fail first, and did the others follow? And the global feature-file cycle: does the flapping
/// match it?
#[test]
fn the_santiago_hypothesis_is_checked_on_the_nov18_sample() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/nov18/logs");
    let (mut tl, _, _) = blastradius::eval::analyze(&sample, &Params::default()).unwrap();
    changes::attach(&mut tl, &changes::read(&fixture("changes/changes.csv")).unwrap());
    let edge = tl.incidents.iter().max_by_key(|i| i.pops.len()).unwrap();
    assert_eq!(edge.onset_pattern, Pattern::Propagating);
    let c = edge.changes.as_ref().unwrap();
    let scl = c.ranked.iter().find(|f| f.change.pops == ["SCL"]).unwrap();
    let scl_first = edge.epicenter.iter().any(|e| e == "SCL");
    assert_eq!(scl.failed_first, Some(scl_first), "{scl:?}");
    assert_eq!(scl.fit == Fit::Fits, scl_first && scl.others_followed == Some(true), "{scl:?}");
    assert!(scl.before_onset);
    assert!(scl.evidence.iter().any(|e| e.contains("SCL")), "{scl:?}");
    let cycle = c.ranked.iter().find(|f| f.change.period_seconds.is_some()).unwrap();
    assert_eq!(cycle.expected, "flapping");
    assert_eq!(
        cycle.fit == Fit::Fits,
        edge.flapping.period_seconds.is_some_and(|p| (p - 300.0).abs() <= 75.0),
        "{cycle:?}"
    );
    let rollback = c.ranked.iter().find(|f| f.change.what.starts_with("rollback")).unwrap();
    assert!(!rollback.before_onset);
    assert_eq!(c.ranked.last().unwrap().change.what, rollback.change.what);
}

#[test]
fn cohorts_changes_and_compare_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("dec5");
    blastradius::simulate::simulate(&SimOptions { scenario: Scenario::Dec5, seed: 43, scale: 1.0 }, &sim).unwrap();
    let logs = sim.join("logs");
    let out = bin().args(["cohorts", "-q", "-f", "json"]).arg(&logs).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let h = &v[0]["cohorts"]["headline"];
    assert_eq!(h["dimension"], "zone", "{v:#}");
    let mut values: Vec<&str> = h["values"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    values.sort_unstable();
    assert_eq!(values, ["example.net", "example.org"]);

    let report = dir.path().join("report");
    let changes = fixture("changes/changes.json");
    let out =
        bin().args(["report", "-q", "--out"]).arg(&report).arg("--changes").arg(&changes).arg(&logs).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(report.join("timeline.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/timeline.schema.json")).unwrap(),
    )
    .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(doc["incidents"][0]["cohorts"]["headline"]["summary"].is_string());
    let tl: blastradius::timeline::Timeline = serde_json::from_str(&text).unwrap();
    assert_eq!(tl.changes.len(), 2);
    let main = tl.incidents.iter().max_by_key(|i| i.failed_requests).unwrap();
    assert_eq!(main.onset_pattern, Pattern::Simultaneous);
    let ranked = &main.changes.as_ref().unwrap().ranked;
    assert!(ranked[0].change.is_global() && ranked[0].fit == Fit::Fits, "{ranked:?}");
    assert!(ranked[0].evidence.iter().any(|e| e.contains("the zone that failed")), "{ranked:?}");
    let scl = ranked.iter().find(|f| f.change.pops == ["SCL"]).unwrap();
    assert_eq!((scl.fit, scl.failed_first), (Fit::Contradicts, Some(false)));
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(md.contains("## Who was hit") && md.contains("## Changes"), "{md}");
    assert!(md.contains("every request but /cdn-cgi/trace failed") || md.contains("every request failed"), "{md}");
    assert!(md.contains("Still answering inside the cohort: /cdn-cgi/trace"), "{md}");
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(html.contains("<h2>Who was hit</h2>") && html.contains("<h2>Changes</h2>"));

    // A report directory against raw inputs of another shape.
    let regional = dir.path().join("regional");
    blastradius::simulate::simulate(&SimOptions { scenario: Scenario::Regional, seed: 43, scale: 0.5 }, &regional)
        .unwrap();
    for (format, needle) in
        [("table", "shape"), ("markdown", "| shape | step |"), ("html", "<th>regional</th>"), ("json", "\"rows\"")]
    {
        let out = bin().args(["compare", "-q", "-f", format]).arg(&report).arg(&regional).output().unwrap();
        assert!(out.status.success(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(needle), "{format}: {text}");
        assert!(text.contains("who was hit"), "{format}: {text}");
    }
}

/// Cohort counts merge like the rates: per-file tables merged in any order equal one run over
/// every file (de-duplication off, as it is the one step that does not merge per file).
#[test]
fn cohort_tables_merge_per_file_into_the_whole() {
    use blastradius::ingest::{discover, IngestOptions, NoProgress};
    let dir = tempfile::tempdir().unwrap();
    blastradius::simulate::simulate(&SimOptions { scenario: Scenario::Dec5, seed: 45, scale: 0.2 }, dir.path())
        .unwrap();
    let (inputs, _) = discover(&[dir.path().join("logs")]);
    let opts = IngestOptions { dedup: false, ..IngestOptions::default() };
    let (_, whole, _) = blastradius::cohorts::compute(&inputs, &opts, &NoProgress, 60).unwrap();
    let parts: Vec<_> = inputs
        .iter()
        .map(|i| blastradius::cohorts::compute(std::slice::from_ref(i), &opts, &NoProgress, 60).unwrap().1)
        .collect();
    assert!(parts.len() > 10);
    let mut forward = blastradius::cohorts::CohortTable::new(60_000_000_000);
    for p in &parts {
        forward.merge(p);
    }
    let mut backward = blastradius::cohorts::CohortTable::new(60_000_000_000);
    for p in parts.iter().rev() {
        backward.merge(p);
    }
    assert_eq!(forward.rows(), whole.rows());
    assert_eq!(backward.rows(), whole.rows());
    // Through the frame a distributed engine exchanges: the per-file frames stacked and read
    // back (rows of one key are summed as they are read).
    use polars::prelude::DataFrame;
    let frames: Vec<DataFrame> = inputs
        .iter()
        .map(|i| {
            let t = blastradius::cohorts::compute(std::slice::from_ref(i), &opts, &NoProgress, 60).unwrap().1;
            blastradius::cohorts::to_frame(&t).unwrap()
        })
        .collect();
    let mut summed = frames[0].clone();
    for f in &frames[1..] {
        summed.vstack_mut(f).unwrap();
    }
    let back = blastradius::cohorts::from_frame(&summed, 60_000_000_000).unwrap();
    assert_eq!(back.rows(), whole.rows());
    assert!(whole.rows().keys().any(|k| k.3 == "/cdn-cgi/trace"));
}

/// Four POPs for two hours, a request every two seconds each, with a Worker script (or none), a
/// client ASN and a bot-score source; from 01:00 to 01:30 every request with `worker` (or from
/// `asn`) gets an edge 500 at every POP.
/// Which requests fail: by Worker script and client ASN.
type Failing<'a> = &'a dyn Fn(&str, u32) -> bool;

fn workers_and_networks(fail: Failing<'_>) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let t0 = 1_763_424_000_i64; // 2025-11-18T00:00:00Z
    let mut n = 0u64;
    for step in 0..3600 {
        let t = t0 + 2 * step;
        for pop in ["FRA", "LHR", "IAD", "SIN"] {
            n += 1;
            let worker = ["", "edge-router", "image-resizer"][(n % 3) as usize];
            let asn = [13_335, 7922, 3320, 16_509][((n / 3) % 4) as usize];
            let src = if n.is_multiple_of(10) { "Heuristics" } else { "Machine Learning" };
            let failing = (1800..2700).contains(&step) && fail(worker, asn);
            let (status, origin) = if failing { (500, 0) } else { (200, 200) };
            let _ = writeln!(
                s,
                r#"{{"RayID":"{:016x}","EdgeStartTimestamp":{t},"EdgeColoCode":"{pop}","ClientRequestHost":"www.example.com","ZoneName":"example.com","ClientRequestURI":"/a/{}","EdgeResponseStatus":{status},"OriginResponseStatus":{origin},"WorkerScriptName":"{worker}","ClientASN":{asn},"BotScore":50,"BotScoreSrc":"{src}"}}"#,
                0x6000_0000_0000_0000_u64 + n,
                n % 7
            );
        }
    }
    s
}

#[test]
fn a_worker_script_and_a_client_network_are_named_as_the_cohort() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Failing<'_>, &str); 2] =
        [("worker", &|w, _| w == "edge-router", "edge-router"), ("asn", &|_, a| a == 7922, "AS7922")];
    for (dimension, fail, value) in cases {
        let path = dir.path().join(format!("{dimension}.ndjson"));
        std::fs::write(&path, workers_and_networks(fail)).unwrap();
        let out = bin().args(["cohorts", "-q", "-f", "json"]).arg(&path).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let h = &v[0]["cohorts"]["headline"];
        assert_eq!(h["dimension"], dimension, "{v:#}");
        assert_eq!(h["values"], serde_json::json!([value]), "{v:#}");
        assert!(h["error_rate_where_failing"].as_f64().unwrap() > 0.99, "{h:#}");
    }
    // The columns of the event frame.
    let path = dir.path().join("worker.ndjson");
    let (inputs, _) = blastradius::ingest::discover(&[path]);
    let opts = blastradius::ingest::IngestOptions::default();
    let (df, _) = blastradius::frame::read_events(&inputs, &opts).unwrap();
    let workers = df.column("worker_script").unwrap().str().unwrap().clone();
    assert_eq!(workers.get(0), Some("edge-router"));
    assert_eq!(workers.get(2), None, "no Worker ran");
    let asn = df.column("client_asn").unwrap().u32().unwrap().clone();
    assert_eq!(asn.get(0), Some(13_335));
}

/// `timeline --changes` in the terminal: each change on the timeline with its lag to the onset
/// and its verdict, as the report's Changes section has them.
#[test]
fn the_terminal_timeline_lists_the_changes_and_their_lag() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("dec5");
    blastradius::simulate::simulate(&SimOptions { scenario: Scenario::Dec5, seed: 46, scale: 0.3 }, &sim).unwrap();
    let changes = fixture("changes/changes.json");
    let out = bin()
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200")
        .args(["timeline", "-q", "-f", "table", "--changes"])
        .arg(&changes)
        .arg(sim.join("logs"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("lag to onset"), "{text}");
    let row = |what: &str| text.lines().find(|l| l.contains(what) && l.contains('┆')).expect(&text);
    let (push, scl) = (row("managed ruleset configuration push"), row("maintenance window in Santiago"));
    let verdict = |l: &str| ["fits", "does not fit", "unclear"].iter().any(|v| l.contains(v));
    assert!(push.contains("global") && verdict(push), "{push}");
    assert!(scl.contains("SCL") && verdict(scl), "{scl}");
    assert!(text.contains("I1 (onset 2025-12-05 08:"), "{text}");
    // The lag printed is the incident's onset (its line above the table) less the push's time.
    let head = text.lines().find(|l| l.starts_with("I1 (onset ")).expect(&text);
    let onset = chrono::NaiveDateTime::parse_from_str(&head[10..29], "%Y-%m-%d %H:%M:%S").unwrap();
    let push_at = chrono::NaiveDateTime::parse_from_str("2025-12-05 08:47:00", "%Y-%m-%d %H:%M:%S").unwrap();
    let lag: f64 =
        push.split('┆').find(|c| c.trim().ends_with(" s")).unwrap().trim().trim_end_matches(" s").parse().unwrap();
    assert!((lag - (onset - push_at).num_seconds() as f64).abs() <= 1.0, "{lag} {push}");
    assert!(text.contains("2 change(s) from --changes"), "{text}");
    // Without --changes, no such section.
    let out = bin().args(["timeline", "-q", "-f", "table"]).arg(sim.join("logs")).output().unwrap();
    assert!(!String::from_utf8(out.stdout).unwrap().contains("lag to onset"));
}
