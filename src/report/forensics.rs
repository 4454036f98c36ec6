//! The report's "Who was hit" and "Changes" sections in Markdown (the HTML page renders the same
//! fields of the timeline in its template).

use std::fmt::Write;

use super::common::md_escape as e;
use super::Report;
use crate::changes::Fit;

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn lift(x: Option<f64>) -> String {
    x.map_or_else(|| "∞".to_string(), |l| format!("{l:.1}×"))
}

/// "Who was hit": per incident, the headline cohort, the values that stand out, and what kept
/// answering inside the cohort. Empty when no incident has cohorts.
pub fn cohorts_markdown(r: &Report) -> String {
    let mut s = String::new();
    let with: Vec<_> = r.timeline.incidents.iter().filter_map(|i| Some((i, i.cohorts.as_ref()?))).collect();
    if with.is_empty() {
        return s;
    }
    let _ = writeln!(s, "## Who was hit\n");
    for (i, c) in with {
        let _ = writeln!(
            s,
            "**{}**: {} requests in its window, {} failed ({}).\n",
            e(&i.id),
            crate::text::thousands(c.requests),
            crate::text::thousands(c.failures),
            pct(c.error_rate)
        );
        match &c.headline {
            Some(h) => {
                let _ = writeln!(s, "{}.\n", e(&h.summary));
            }
            None => {
                let _ = writeln!(s, "No value stands out: the failures were spread over the traffic.\n");
            }
        }
        if !c.top.is_empty() {
            let _ = writeln!(s, "| dimension | value | requests | failed | error rate | share of failures | lift | POPs failing | traffic × |\n|---|---|---:|---:|---:|---:|---:|---:|---:|");
            for v in &c.top {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} | {} of {} | {} |",
                    e(&v.dimension),
                    e(&v.value),
                    crate::text::thousands(v.requests),
                    crate::text::thousands(v.failures),
                    pct(v.error_rate),
                    pct(v.share_of_failures),
                    lift(v.lift),
                    v.pops_failing,
                    v.pops_with_traffic,
                    v.traffic_shift
                        .map_or_else(|| "—".into(), |x| if x >= 1e6 { "new".into() } else { format!("{x:.1}") })
                );
            }
            let _ = writeln!(s);
        }
        if !c.spared.is_empty() {
            let kept: Vec<String> =
                c.spared.iter().map(|v| format!("{} ({} of {} failed)", e(&v.value), v.failures, v.requests)).collect();
            let _ = writeln!(s, "Still answering inside the cohort: {}.\n", kept.join(", "));
        }
    }
    let _ = writeln!(s, "From the cohort counts (requests and 5xx per bucket × POP × dimension × value) over the core of each incident (its POPs' median onset to median recovery), against the rest of the window (lift) and the buckets outside every incident (baseline, traffic ×). A value whose share of requests jumped with the failure is a symptom, never the headline.\n");
    s
}

fn fit(f: Fit) -> &'static str {
    match f {
        Fit::Fits => "fits",
        Fit::Contradicts => "does not fit",
        Fit::Unclear => "unclear",
    }
}

/// "Changes": every recorded change, and per incident the changes ranked with their verdicts.
/// Empty without changes.
pub fn changes_markdown(r: &Report) -> String {
    let mut s = String::new();
    if r.timeline.changes.is_empty() {
        return s;
    }
    let _ = writeln!(s, "## Changes\n");
    for i in &r.timeline.incidents {
        let Some(c) = &i.changes else { continue };
        let _ = writeln!(
            s,
            "**{}** (onset {}): {}.\n",
            e(&i.id),
            i.onset.map_or_else(|| "—".to_string(), |t| t.to_string()),
            e(&c.verdict)
        );
        let _ = writeln!(
            s,
            "| change | time | scope | lag to onset | expected | verdict | evidence |\n|---|---|---|---:|---|---|---|"
        );
        for f in &c.ranked {
            let scope = if f.change.pops.is_empty() { "global".to_string() } else { f.change.pops.join(", ") };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {:.0} s | {} | {} | {} |",
                e(&f.change.what),
                f.change.time,
                e(&scope),
                f.lag_seconds,
                e(&f.expected),
                fit(f.fit),
                e(&f.evidence.join("; "))
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "From `--changes` and the timeline: each change's lag to the incident's onset, and whether the onset pattern is what its scope predicts (a global change: every POP at once; a change at some POPs: those first, the others after; a regeneration cycle: flapping of its period).\n");
    s
}
