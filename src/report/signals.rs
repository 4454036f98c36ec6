//! The report's section on signals other than errors: security decisions made on missing bot
//! scores and edge-added latency, beside the error timeline.

use std::fmt::Write;

use super::common::md_escape as e;
use crate::timeline::signal_model::{Quantiles, SignalKind};
use crate::timeline::Timeline;

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |x| format!("{x:.0} ms"))
}

fn quantiles(q: &Quantiles) -> String {
    format!("{} / {} / {}", ms(q.p50), ms(q.p95), ms(q.p99))
}

/// One verdict line per signal incident (empty when there is none).
pub fn verdicts(t: &Timeline) -> String {
    let mut s = String::new();
    for i in &t.signals {
        let what = match i.kind {
            SignalKind::BotScoreMissing => "BOT SCORES MISSING",
            SignalKind::EdgeLatency => "EDGE LATENCY",
            SignalKind::BotSourceShift => "BOT SCORE SOURCES SHIFTED",
        };
        let _ = writeln!(
            s,
            "- **{}**: {what}, {} scope, {} → {} UTC, {} POP(s). {}.",
            e(&i.id),
            format!("{:?}", i.scope).to_lowercase(),
            crate::text::when(i.onset),
            crate::text::when(i.recovery),
            i.pops.len(),
            e(&i.summary)
        );
    }
    s
}

/// The section, or nothing when the input records neither bot scores nor latency.
pub fn markdown(t: &Timeline) -> String {
    let mut s = String::new();
    if t.signals.is_empty() && t.latency.is_empty() {
        return s;
    }
    let _ = writeln!(s, "## Beyond errors\n");
    if t.signals.is_empty() {
        let _ = writeln!(s, "No change in the share of requests without a bot score, nor in the edge's own latency.\n");
    } else {
        let _ = writeln!(s, "| incident | POP | onset | recovery | share usually | share above it | requests | P(affected) |\n|---|---|---|---|---:|---:|---:|---:|");
        for i in &t.signals {
            for p in &i.pops {
                let _ = writeln!(
                    s,
                    "| {} `{}` | {} | {} | {} | {:.1} % | {:.1} % | {} | {:.2} |",
                    e(&i.id),
                    i.kind.id(),
                    e(&p.pop),
                    crate::text::when(Some(p.onset)),
                    crate::text::when(Some(p.recovery)),
                    100.0 * p.baseline_share,
                    100.0 * p.excess_share,
                    p.affected_requests,
                    p.confidence
                );
            }
        }
        let _ = writeln!(s, "\nFrom the timeline: per POP, the share of scored requests whose bot score was not computed (`bot_score_missing`), of engine-scored requests not scored by the usual engine (`bot_source_shift`), or of served requests slower at the edge than the POP's threshold (`edge_latency`), read by the same change model as errors; `requests` are those above the usual share.\n");
    }
    if !t.latency.is_empty() {
        let _ = writeln!(s, "| POP | edge-added p50 / p95 / p99 | usual p95 | slow above | requests | affected |\n|---|---|---:|---:|---:|---|");
        for p in &t.latency {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                e(&p.pop),
                quantiles(&p.overall),
                ms(p.usual_p95_ms),
                ms(p.threshold_ms),
                p.overall.requests,
                if p.affected { "yes" } else { "no" }
            );
        }
        let _ = writeln!(s, "\nFrom rates: a latency sketch per POP × bucket of the edge-added time (time to first byte less the origin's time) of requests the edge served, merged exactly; quantiles within 2 %.\n");
    }
    s
}
