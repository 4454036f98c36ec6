//! Changes and causes: recorded changes (deploys, configuration pushes, maintenance windows)
//! placed against each incident, ranked by their lag to its onset, with a test of whether the
//! incident's onset pattern fits each change's scope.
//!
//! A change is a time, what it was, and where it applied: a list of POPs (a local change), or
//! nothing, `*` or `global` (the whole fleet). A change with `period_seconds` is a regeneration
//! cycle (a file rebuilt every N seconds). What fits:
//!
//! - a global change: every POP failing at once (`simultaneous`);
//! - a local change at POP X: X failing first (the epicenter, or one of the POPs that could have
//!   been first) and the others after it (`propagating`);
//! - a regeneration cycle: flapping whose period matches the cycle's within 25 %.
//!
//! Input ([`read`]): CSV with a header (`time`, `what`, `scope` or `pops`, optional `zones`,
//! `period_seconds`, `actor`; lists separated by `;`, `|` or spaces), JSON (an array of objects
//! with the same keys, or `{"changes": [...]}`), or a Cloudflare audit-log export: the API's
//! response (`{"result": [...]}` with `when`, `action.type`, `resource`, `actor`; or version 2's
//! `action.time`, `action.description`, `zone.name`), a bare array of its entries, or Logpush's
//! `audit_logs` NDJSON (`When`, `ActionType`, `ResourceType`, `ActorEmail`, `ZoneName`). Audit
//! entries apply to the whole account or zone: global.

use std::path::Path;

use serde_json::Value;

use crate::timeline::model::Timeline;
use crate::{Error, Result};

/// Most changes read from one file.
pub const MAX_CHANGES: usize = 10_000;
/// A change this long after an incident's onset can still be its cause (clock skew, a log's
/// time resolution, the onset's uncertainty).
const AFTER_TOLERANCE_S: f64 = 60.0;

pub use crate::vocab::changes::{Change, ChangeFit, Fit, IncidentChanges};
use crate::vocab::time::Timestamp;

/// When a change was made, ns.
pub(super) fn time_ns(c: &Change) -> i64 {
    c.time.ns()
}

/// Parses an RFC 3339 time, or unix seconds / milliseconds / nanoseconds.
fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return d.timestamp_nanos_opt();
    }
    if let Ok(d) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        return d.and_utc().timestamp_nanos_opt();
    }
    let n: f64 = s.parse().ok()?;
    let ns = match n.abs() {
        x if x < 1e11 => n * 1e9,
        x if x < 1e14 => n * 1e6,
        x if x < 1e17 => n * 1e3,
        _ => n,
    };
    ns.is_finite().then_some(ns as i64)
}

fn list(s: &str) -> Vec<String> {
    let v: Vec<String> = s
        .split([';', '|', ' ', ','])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| crate::text::for_terminal(x).to_string())
        .collect();
    if v.iter().any(|x| x == "*" || x.eq_ignore_ascii_case("global") || x.eq_ignore_ascii_case("all")) {
        Vec::new()
    } else {
        v.into_iter().map(|x| x.to_ascii_uppercase()).collect()
    }
}

fn text_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => list(s),
        Some(Value::Array(a)) => list(&a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(";")),
        _ => Vec::new(),
    }
}

fn time_value(v: Option<&Value>) -> Option<Timestamp> {
    let ns = match v? {
        Value::String(s) => parse_time(s)?,
        Value::Number(n) => parse_time(&n.to_string())?,
        _ => return None,
    };
    Some(Timestamp(ns))
}

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

fn str_at(v: &Value, paths: &[&[&str]]) -> Option<String> {
    paths.iter().find_map(|p| get(v, p).and_then(Value::as_str)).map(|s| crate::text::for_terminal(s).to_string())
}

/// One JSON object as a change: the plain form, or an audit-log entry.
fn from_object(v: &Value) -> Option<Change> {
    let audit = v.get("action").is_some_and(Value::is_object) || v.get("ActionType").is_some();
    let time = [&["time"][..], &["when"], &["When"], &["action", "time"], &["ActionTimestamp"], &["timestamp"]]
        .iter()
        .find_map(|p| time_value(get(v, p)))?;
    if audit {
        let kind = str_at(v, &[&["action", "type"], &["ActionType"]]).unwrap_or_default();
        let resource = str_at(v, &[&["resource", "type"], &["ResourceType"], &["resource", "product"]]);
        let detail = str_at(v, &[&["action", "description"], &["ActionDescription"]]);
        let what = [Some(kind), resource, detail].into_iter().flatten().filter(|s| !s.is_empty()).collect::<Vec<_>>();
        let zones =
            str_at(v, &[&["zone", "name"], &["ZoneName"], &["metadata", "zone_name"], &["Metadata", "zone_name"]])
                .into_iter()
                .collect();
        return Some(Change {
            time,
            what: what.join(" "),
            zones,
            actor: str_at(v, &[&["actor", "email"], &["ActorEmail"], &["actor", "type"], &["ActorType"]]),
            source: "audit_log".into(),
            ..Change::default()
        });
    }
    let period = ["period_seconds", "period"].iter().find_map(|k| match v.get(*k)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    Some(Change {
        time,
        what: str_at(v, &[&["what"], &["description"], &["change"]]).unwrap_or_default(),
        pops: text_list(v.get("pops").or_else(|| v.get("scope"))),
        zones: text_list(v.get("zones")).into_iter().map(|z| z.to_ascii_lowercase()).collect(),
        period_seconds: period.filter(|p| p.is_finite() && *p > 0.0),
        actor: str_at(v, &[&["actor"], &["who"]]),
        source: "json".into(),
    })
}

fn from_json(text: &str) -> Result<Vec<Change>> {
    let items: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(a)) => a,
        Ok(v) => match v.get("result").or_else(|| v.get("changes")) {
            Some(Value::Array(a)) => a.clone(),
            _ => vec![v],
        },
        // NDJSON (a Logpush audit_logs file).
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Invalid(format!("changes: {e}")))?,
    };
    Ok(items.iter().filter_map(from_object).take(MAX_CHANGES).collect())
}

fn from_csv(text: &str) -> Result<Vec<Change>> {
    let mut r = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> =
        r.headers().map_err(|e| Error::Invalid(format!("changes: {e}")))?.iter().map(str::to_ascii_lowercase).collect();
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| Error::Invalid(format!("changes: {e}")))?;
        let mut obj = serde_json::Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            obj.insert(h.clone(), Value::String(v.to_string()));
        }
        let mut c = from_object(&Value::Object(obj))
            .ok_or_else(|| Error::Invalid(format!("changes: row {} has no readable time", i + 2)))?;
        c.source = "csv".into();
        out.push(c);
        if out.len() >= MAX_CHANGES {
            break;
        }
    }
    Ok(out)
}

/// Reads a changes file (CSV, JSON, or a Cloudflare audit-log export), in time order.
pub fn read(path: &Path) -> Result<Vec<Change>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.to_path_buf(), e))?;
    let mut v = parse(&text)?;
    if v.is_empty() {
        return Err(Error::Invalid(format!("{}: no change with a readable time", path.display())));
    }
    v.sort_by_key(time_ns);
    Ok(v)
}

/// Parses the text of a changes file: JSON when it starts with `[` or `{`, else CSV.
pub fn parse(text: &str) -> Result<Vec<Change>> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('[') || t.starts_with('{') {
        from_json(t)
    } else {
        from_csv(t)
    }
}

/// Places `changes` in the timeline: `tl.changes`, and for each incident its ranked changes.
pub fn attach(tl: &mut Timeline, changes: &[Change]) {
    tl.changes = changes.to_vec();
    let snapshot = tl.clone();
    for inc in &mut tl.incidents {
        inc.changes = Some(for_incident(&snapshot, inc, changes));
    }
}

mod fit;
pub use fit::for_incident;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_json_and_audit_logs_read() {
        let csv = "time,what,scope\n2025-12-05T08:47:00Z,managed ruleset config push,*\n2025-12-05T07:00:00Z,\"maintenance, SCL\",SCL\n";
        let v = parse(csv).unwrap();
        assert_eq!(v.len(), 2);
        assert!(v[0].is_global());
        assert_eq!(v[1].pops, ["SCL"]);
        assert_eq!(v[1].what, "maintenance, SCL");
        let json =
            r#"[{"time": 1764924420, "what": "bot feature file", "pops": ["FRA", "AMS"], "period_seconds": 300}]"#;
        let v = parse(json).unwrap();
        assert_eq!(v[0].time.to_string(), "2025-12-05T08:47:00.000Z");
        assert_eq!(v[0].pops, ["FRA", "AMS"]);
        assert_eq!(v[0].period_seconds, Some(300.0));
    }
}
