//! The timeline JSON contract, end to end through the binary.

use std::process::Command;

fn schema() -> serde_json::Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/timeline.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn timeline_json_matches_its_schema_and_finds_the_bundled_incident() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/nov18/logs");
    let out = Command::new(env!("CARGO_BIN_EXE_blastradius")).args(["timeline", "-q", sample]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let input = &doc["input"];
    assert_eq!(
        input["lines"].as_u64().unwrap(),
        input["events"].as_u64().unwrap() + input["rejected"].as_u64().unwrap() + input["duplicates"].as_u64().unwrap()
    );
    let incidents = doc["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0]["attribution"], "edge");
    assert_eq!(incidents[0]["scope"], "global");
    assert_eq!(incidents[0]["epicenter"][0], "FRA");
}

#[test]
fn the_schema_rejects_a_broken_document() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let bad = serde_json::json!({"input": {"files": 1}, "incidents": [{"id": "x"}], "pops": [], "regions": [], "propagation": []});
    assert!(!validator.is_valid(&bad));
}

#[test]
fn analyze_writes_the_report_directory() {
    let dir = tempfile::tempdir().unwrap();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");
    let out = Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .args(["analyze", "-q", sample, "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in ["report.html", "report.md", "timeline.json", "events.parquet", "accounting.json"] {
        assert!(dir.path().join(f).exists(), "{f} missing");
    }
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    for heading in ["## Verdict", "## Timeline (UTC)", "## Impact by region", "## Evidence", "## Input accounting"] {
        assert!(md.contains(heading), "report.md lacks {heading}");
    }
    assert!(md.contains("EDGE (CDN) failure, global scope"));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("FRA") && stdout.contains("edge"));
}

/// The sample's batches whose start lies in [from, to) (HHMM), linked into a new directory.
fn slice(dir: &std::path::Path, from: u32, to: u32) {
    let logs = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/nov18/logs/20251118");
    for e in std::fs::read_dir(logs).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        let hhmm: u32 = name.get(9..13).unwrap().parse().unwrap();
        if (from..to).contains(&hhmm) {
            std::fs::copy(e.path(), dir.join(&name)).unwrap();
        }
    }
}

/// The POPs a timeline document marks affected.
fn affected(doc: &serde_json::Value) -> std::collections::BTreeSet<&str> {
    doc["pops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["affected"] == true)
        .map(|p| p["pop"].as_str().unwrap())
        .collect()
}

fn timeline_of(dir: &std::path::Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_blastradius")).args(["timeline", "-q"]).arg(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn an_outage_only_window_finds_every_failing_pop_with_censored_ends() {
    // 13:10–14:20 lies wholly inside the sample's incident: all 21 POPs that fail in it
    // (FRA, the epicenter, at ~87 % for the whole hour among them) are affected, and the
    // onsets and recoveries are censored at the window's ends, not invented.
    let dir = tempfile::tempdir().unwrap();
    slice(dir.path(), 1310, 1420);
    let doc = timeline_of(dir.path());
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/nov18/truth.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(affected(&doc), affected(&truth));
    let fra = doc["pops"].as_array().unwrap().iter().find(|p| p["pop"] == "FRA").unwrap();
    assert_eq!(fra["onset_censored"], true);
    assert_eq!(fra["recovery_censored"], true);
    assert!(fra["confidence"].as_f64().unwrap() > 0.99, "{fra}");
    let inc = &doc["incidents"][0];
    assert_eq!((inc["onset_censored"].as_bool(), inc["recovery_censored"].as_bool()), (Some(true), Some(true)));
    assert_eq!(inc["onset_pattern"], "censored");
    assert!(inc["epicenter"].as_array().unwrap().is_empty(), "no epicenter can be named from inside the outage");
}
