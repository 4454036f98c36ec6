//! Comparing incidents: two timelines (from report directories' `timeline.json`, or analysed
//! from inputs) reduced to their main incident, side by side.
//!
//! The main incident is the one that failed the most requests (then the earliest). Its shape is
//! `flapping` (two or more transitions at one POP), `step` (every POP at once: a simultaneous
//! onset, or onsets within two minutes) or `ramp` (onsets spread wider: a failure that spread).

use std::fmt::Write as _;

use serde::Serialize;

use crate::timeline::model::{Attribution, Incident, Pattern, Scope};
use crate::timeline::Timeline;
use crate::vocab::time::Timestamp;

/// Onsets within this spread make a step.
const STEP_SECONDS: f64 = 120.0;

/// One incident's side of a comparison.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Side {
    /// Its name (the report directory's or input's).
    pub name: String,
    /// Incidents found.
    pub incidents: usize,
    /// The main incident's id.
    pub incident: Option<String>,
    /// `step`, `flapping` or `ramp`.
    pub shape: Option<String>,
    /// Onset pattern.
    pub onset_pattern: Option<Pattern>,
    /// Attribution.
    pub attribution: Option<Attribution>,
    /// Scope.
    pub scope: Option<Scope>,
    /// Onset, RFC 3339.
    pub onset: Option<crate::vocab::time::Timestamp>,
    /// Duration, seconds.
    pub duration_seconds: Option<i64>,
    /// Share of the requests in the incident's window that failed (every POP).
    pub share_of_traffic: Option<f64>,
    /// Affected POPs over POPs seen.
    pub share_of_pops: Option<f64>,
    /// Affected POPs.
    pub pops_affected: usize,
    /// POPs seen.
    pub pops_total: usize,
    /// Epicenter.
    pub epicenter: Vec<String>,
    /// Regions of the affected POPs.
    pub regions: Vec<String>,
    /// The three most frequent signatures in the incident's window, with their counts.
    pub signatures: Vec<(String, u64)>,
    /// The headline cohort, in one sentence.
    pub cohort: Option<String>,
    /// Flapping period, seconds.
    pub flapping_period_seconds: Option<f64>,
    /// Requests failed because of the incident.
    pub failed_requests: u64,
    /// The changes' verdict, when changes were given.
    pub changes: Option<String>,
}

/// Two incidents side by side.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Comparison {
    /// The first.
    pub a: Side,
    /// The second.
    pub b: Side,
    /// The rows as text: (label, A, B).
    pub rows: Vec<(String, String, String)>,
}

/// `step`, `flapping` or `ramp`.
pub fn shape(i: &Incident) -> &'static str {
    if i.flapping.transitions >= 2 {
        "flapping"
    } else if matches!(i.onset_pattern, Pattern::Simultaneous | Pattern::Single)
        || i.onset_spread_seconds.is_none_or(|s| s <= STEP_SECONDS)
    {
        "step"
    } else {
        "ramp"
    }
}

/// The incident a timeline is mostly about.
pub fn main_incident(t: &Timeline) -> Option<&Incident> {
    t.incidents.iter().min_by(|a, b| b.failed_requests.cmp(&a.failed_requests).then(a.onset.cmp(&b.onset)))
}

/// One side from a timeline.
pub fn side(name: &str, t: &Timeline) -> Side {
    let mut s =
        Side { name: name.to_string(), incidents: t.incidents.len(), pops_total: t.pops.len(), ..Side::default() };
    let Some(i) = main_incident(t) else { return s };
    let mut sigs: Vec<(String, u64)> = i.evidence.signatures.iter().map(|(k, v)| (k.clone(), *v)).collect();
    sigs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    sigs.truncate(3);
    let share = i
        .cohorts
        .as_ref()
        .filter(|c| c.requests > 0)
        .map(|c| c.error_rate)
        .or_else(|| (i.evidence.requests > 0).then(|| i.evidence.errors as f64 / i.evidence.requests as f64));
    s.incident = Some(i.id.clone());
    s.shape = Some(shape(i).to_string());
    s.onset_pattern = Some(i.onset_pattern);
    s.attribution = Some(i.attribution);
    s.scope = Some(i.scope);
    s.onset.clone_from(&i.onset);
    s.duration_seconds = match (i.onset.map(Timestamp::ns), i.recovery.map(Timestamp::ns)) {
        (Some(a), Some(b)) => Some((b - a) / 1_000_000_000),
        _ => None,
    };
    s.share_of_traffic = share;
    s.pops_affected = i.pops.len();
    s.share_of_pops = (!t.pops.is_empty()).then(|| i.pops.len() as f64 / t.pops.len() as f64);
    s.epicenter.clone_from(&i.epicenter);
    s.regions.clone_from(&i.evidence.regions);
    s.signatures = sigs;
    s.cohort = i.cohorts.as_ref().and_then(|c| c.headline.as_ref()).map(|h| h.summary.clone());
    s.flapping_period_seconds = i.flapping.period_seconds;
    s.failed_requests = i.failed_requests;
    s.changes = i.changes.as_ref().map(|c| c.verdict.clone());
    s
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |x| format!("{:.1} %", x * 100.0))
}

fn json_name<T: Serialize>(v: Option<&T>) -> String {
    v.and_then(|v| serde_json::to_value(v).ok())
        .and_then(|v| v.as_str().map(ToString::to_string))
        .unwrap_or_else(|| "—".to_string())
}

fn dur(s: Option<i64>) -> String {
    s.map_or_else(|| "—".to_string(), |s| format!("{} min {:02} s", s / 60, s % 60))
}

fn or_dash(v: &[String]) -> String {
    if v.is_empty() {
        "—".to_string()
    } else {
        v.join(", ")
    }
}

fn rows(a: &Side, b: &Side) -> Vec<(String, String, String)> {
    let both = |label: &str, f: &dyn Fn(&Side) -> String| (label.to_string(), f(a), f(b));
    vec![
        both("incidents", &|s| s.incidents.to_string()),
        both("main incident", &|s| s.incident.clone().unwrap_or_else(|| "—".into())),
        both("shape", &|s| s.shape.clone().unwrap_or_else(|| "—".into())),
        both("onset pattern", &|s| json_name(s.onset_pattern.as_ref())),
        both("attribution", &|s| json_name(s.attribution.as_ref())),
        both("scope", &|s| json_name(s.scope.as_ref())),
        both("onset", &|s| s.onset.map_or_else(|| "—".into(), |t| t.to_string())),
        both("duration", &|s| dur(s.duration_seconds)),
        both("share of traffic failing", &|s| pct(s.share_of_traffic)),
        both("POPs affected", &|s| format!("{} of {} ({})", s.pops_affected, s.pops_total, pct(s.share_of_pops))),
        both("epicenter", &|s| or_dash(&s.epicenter)),
        both("regions", &|s| or_dash(&s.regions)),
        both("signatures", &|s| or_dash(&s.signatures.iter().map(|(k, v)| format!("{k} ({v})")).collect::<Vec<_>>())),
        both("who was hit", &|s| s.cohort.clone().unwrap_or_else(|| "—".into())),
        both("flapping period", &|s| s.flapping_period_seconds.map_or_else(|| "—".into(), |p| format!("{p:.0} s"))),
        both("failed requests", &|s| s.failed_requests.to_string()),
        both("changes", &|s| s.changes.clone().unwrap_or_else(|| "—".into())),
    ]
}

/// Compares two timelines.
pub fn compare(a: (&str, &Timeline), b: (&str, &Timeline)) -> Comparison {
    let (a, b) = (side(a.0, a.1), side(b.0, b.1));
    let rows = rows(&a, &b);
    Comparison { a, b, rows }
}

fn md(s: &str) -> String {
    crate::text::for_terminal(s).replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The comparison as Markdown.
pub fn markdown(c: &Comparison) -> String {
    let mut s = format!("# Incidents compared: {} and {}\n\n", md(&c.a.name), md(&c.b.name));
    let _ = writeln!(s, "| | {} | {} |\n|---|---|---|", md(&c.a.name), md(&c.b.name));
    for (l, a, b) in &c.rows {
        let _ = writeln!(s, "| {} | {} | {} |", md(l), md(a), md(b));
    }
    s
}

const PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Incidents compared: {{ c.a.name }} and {{ c.b.name }}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.35rem .6rem;vertical-align:top;text-align:left}th{background:#f4f4f4}
td:first-child{font-weight:600;white-space:nowrap}</style></head>
<body><h1>Incidents compared</h1>
<table><thead><tr><th></th><th>{{ c.a.name }}</th><th>{{ c.b.name }}</th></tr></thead><tbody>
{% for r in c.rows %}<tr><td>{{ r[0] }}</td><td>{{ r[1] }}</td><td>{{ r[2] }}</td></tr>
{% endfor %}</tbody></table></body></html>
"#;

/// The comparison as a self-contained HTML page (every value escaped).
pub fn html(c: &Comparison) -> crate::Result<String> {
    let env = crate::report::common::environment();
    Ok(env.render_str(PAGE, minijinja::context! { c => minijinja::Value::from_serialize(c) })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::model::{Flapping, PopTimeline};

    #[test]
    fn shapes_and_rows() {
        let mut i = Incident {
            id: "I1".into(),
            onset_spread_seconds: Some(20.0),
            onset_pattern: Pattern::Propagating,
            ..Incident::default()
        };
        assert_eq!(shape(&i), "step");
        i.onset_spread_seconds = Some(900.0);
        assert_eq!(shape(&i), "ramp");
        i.flapping = Flapping { transitions: 6, period_seconds: Some(300.0) };
        assert_eq!(shape(&i), "flapping");
        let t = Timeline { incidents: vec![i], pops: vec![PopTimeline::default(); 4], ..Timeline::default() };
        let c = compare(("a<b>", &t), ("b", &Timeline::default()));
        assert_eq!(c.a.shape.as_deref(), Some("flapping"));
        assert!(c.rows.iter().any(|r| r.0 == "shape" && r.1 == "flapping" && r.2 == "—"));
        let h = html(&c).unwrap();
        assert!(h.contains("a&lt;b&gt;") && !h.contains("a<b>"));
        assert!(markdown(&c).contains("| shape | flapping | — |"));
    }
}
