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
