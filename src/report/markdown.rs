//! `report.md`: the post-mortem in Markdown.

use std::fmt::Write;

use super::common::{md_code, md_escape as e};
use super::model::{Entry, EntryKind, IncidentSummary};
use super::Report;
use crate::text::thousands;
use crate::timeline::model::{Attribution, PopTimeline};

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{:.1} %", v * 100.0))
}

fn attribution(a: Attribution) -> &'static str {
    match a {
        Attribution::Edge => "EDGE (CDN)",
        Attribution::Origin => "ORIGIN",
        Attribution::Mixed => "MIXED edge and origin",
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        return "—".to_string();
    }
    v.iter().map(|p| e(p)).collect::<Vec<_>>().join(", ")
}

fn verdict(i: &IncidentSummary) -> String {
    format!(
        "**{}**: {} failure, {} scope, {} → {} UTC ({}), {} POP(s) in {} region(s); {}; {} of {} requests 5xx ({}){}; hosts {}{}.",
        e(&i.id),
        attribution(i.attribution),
        format!("{:?}", i.scope).to_lowercase(),
        crate::text::when(i.onset),
        crate::text::when(i.recovery),
        i.duration_seconds.map_or_else(|| "—".to_string(), crate::text::duration),
        i.pops,
        i.regions.len(),
        e(&i.onset_shape),
        thousands(i.errors),
        thousands(i.requests),
        pct(i.error_rate),
        i.dominant_signature.as_deref().map_or_else(String::new, |d| format!(", mostly {}", md_code(d))),
        list(i.hosts.get(..8).unwrap_or(&i.hosts)),
        if i.hosts.len() > 8 { format!(" and {} more", i.hosts.len() - 8) } else { String::new() }
    )
}

fn entry(x: &Entry) -> String {
    match x.kind {
        EntryKind::IncidentBegins => format!(
            "**{} begins** ({} failure): first errors at {}",
            e(x.incident.as_deref().unwrap_or("")),
            x.attribution.map_or_else(|| "—".to_string(), |a| format!("{a:?}").to_lowercase()),
            list(&x.pops)
        ),
        EntryKind::IncidentEnds => format!("**{} ends**: the last errors stop", e(x.incident.as_deref().unwrap_or(""))),
        EntryKind::PopsAffected => format!(
            "{} {} failing (+{} after the first)",
            list(&x.pops),
            if x.pops.len() > 1 { "start" } else { "starts" },
            crate::text::duration(x.lag_seconds.unwrap_or(0.0).round() as i64)
        ),
        EntryKind::PopsRecovered => {
            format!("{} {}", list(&x.pops), if x.pops.len() > 1 { "recover" } else { "recovers" })
        }
    }
}

fn pop_row(p: &PopTimeline) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} |",
        e(&p.pop),
        e(p.city.as_deref().unwrap_or("—")),
        e(&p.region),
        if p.affected { "yes" } else { "no" },
        crate::text::when(p.onset),
        crate::text::when(p.peak),
        pct(p.peak_error_rate),
        crate::text::when(p.recovery),
        p.flapping
            .period_seconds
            .map_or_else(|| "—".to_string(), |s| format!("{} transitions, ~{s:.0} s", p.flapping.transitions)),
        p.dominant_signature.as_deref().map_or("—".to_string(), md_code),
        thousands(p.requests),
        p.confidence
    )
}

/// Renders the report as Markdown, one section after another in reading order; the charts are
/// linked as the SVG files written beside it.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    for section in
        [header, verdicts, entries, signals, charts, forensics, regions, pops, users, evidence, accounting, provenance]
    {
        section(&mut s, r);
    }
    s
}

/// The title and what the report is made of.
fn header(s: &mut String, r: &Report) {
    let t = &r.timeline;
    let _ = writeln!(s, "# Incident report: {}\n", e(&r.name));
    let _ = writeln!(
        s,
        "blastradius {}; times are UTC; rates in buckets of {} s; {} events from {} files.\n",
        e(&r.version),
        r.bucket_seconds,
        thousands(t.input.events),
        thousands(t.input.files)
    );
}

/// One line per incident.
fn verdicts(s: &mut String, r: &Report) {
    let _ = writeln!(s, "## Verdict\n");
    if r.incidents.is_empty() {
        let what = if r.timeline.signals.is_empty() { "No incident" } else { "No error incident" };
        let _ = writeln!(s, "{what}: no POP's edge-error rate and no host's origin-error rate rose above its own baseline for long enough.\n");
    }
    for i in &r.incidents {
        let _ = writeln!(s, "- {}", verdict(i));
    }
    s.push_str(&super::signals::verdicts(&r.timeline));
}

/// The timeline of onsets and recoveries.
fn entries(s: &mut String, r: &Report) {
    let _ = writeln!(s, "\n## Timeline (UTC)\n");
    match &r.entries_date {
        Some(d) => {
            let _ = writeln!(s, "| {} (UTC) | event |\n|---|---|", e(d));
        }
        None => {
            let _ = writeln!(s, "| time (UTC) | event |\n|---|---|");
        }
    }
    for x in &r.entries {
        let time = if r.entries_date.is_some() {
            crate::text::hms(&x.time.to_string())
        } else {
            crate::text::when(Some(x.time))
        };
        let _ = writeln!(s, "| {time} | {} |", entry(x));
    }
    let _ = writeln!(s, "\nFrom the timeline: incident onset and recovery, each affected POP's onset (with its lag after the first) and recovery; POPs changing within the same minute share a row.\n");
}

/// Signals other than errors: missing bot scores, edge-added latency.
fn signals(s: &mut String, r: &Report) {
    s.push_str(&super::signals::markdown(&r.timeline));
}

/// The charts, linked as the SVG files beside the report, and the signature totals.
fn charts(s: &mut String, r: &Report) {
    let _ = writeln!(s, "## Error rate by region\n");
    let _ = writeln!(s, "![5xx error rate by region and time](heatmap.svg)\n");
    let _ = writeln!(
        s,
        "From rates: sum(status_5xx) / sum(requests) per region × {} bucket.\n",
        crate::text::duration(r.charts.axis.bucket_seconds)
    );
    let _ = writeln!(s, "## Propagation\n");
    let _ = writeln!(s, "![Affected POPs by onset, from onset to recovery](propagation.svg)\n");
    let _ = writeln!(
        s,
        "Affected POPs in onset order (from the timeline), a bar from onset to recovery; the shading inside is from rates: sum(edge_500 + edge_502) / sum(requests) per POP × {} bucket, so flapping shows as alternating shades.\n",
        crate::text::duration(r.charts.propagation_axis.bucket_seconds)
    );
    let _ = writeln!(s, "## Signatures over time\n");
    let _ = writeln!(s, "![Events per signature over time, stacked](signatures.svg)\n");
    let _ = writeln!(
        s,
        "From rates: sum(events) per signature × {} bucket, stacked.\n",
        crate::text::duration(r.charts.axis.bucket_seconds)
    );
    if !r.charts.signatures.is_empty() {
        let _ = writeln!(s, "| signature | events |\n|---|---:|");
        for x in &r.charts.signatures {
            let _ = writeln!(s, "| {} | {} |", md_code(&x.id), thousands(x.total));
        }
        let _ = writeln!(s);
    }
}

/// Who was hit, and the recorded changes placed against each onset.
fn forensics(s: &mut String, r: &Report) {
    s.push_str(&super::forensics::cohorts_markdown(r));
    s.push_str(&super::forensics::changes_markdown(r));
}

/// The per-region table.
fn regions(s: &mut String, r: &Report) {
    let t = &r.timeline;
    let _ = writeln!(s, "## Impact by region\n");
    let _ = writeln!(s, "| region | affected | POPs affected | onset | peak | peak 5xx rate | recovery | flapping | dominant signature | requests | P(affected) |\n|---|---|---:|---|---|---:|---|---|---|---:|---:|");
    for g in &t.regions {
        let _ = writeln!(
            s,
            "| {} | {} | {} of {} | {} | {} | {} | {} | {} | {} | {} | {:.2} |",
            e(&g.region),
            if g.affected { "yes" } else { "no" },
            g.pops_affected,
            g.pops,
            crate::text::when(g.onset),
            crate::text::when(g.peak),
            pct(g.peak_error_rate),
            crate::text::when(g.recovery),
            g.flapping
                .period_seconds
                .map_or_else(|| "—".to_string(), |p| format!("{} transitions, ~{p:.0} s", g.flapping.transitions)),
            g.dominant_signature.as_deref().map_or("—".to_string(), md_code),
            thousands(g.requests),
            g.confidence
        );
    }
    let _ = writeln!(
        s,
        "\nFrom the timeline: per-region series of edge-blamed errors (rates summed over the region's POPs).\n"
    );
}

/// The per-POP table.
fn pops(s: &mut String, r: &Report) {
    let t = &r.timeline;
    let _ = writeln!(s, "## Impact by POP\n");
    let _ = writeln!(s, "| POP | city | region | affected | onset | peak | peak 5xx rate | recovery | flapping | signature | requests | P(affected) |\n|---|---|---|---|---|---|---:|---|---|---|---:|---:|");
    for p in &t.pops {
        let _ = writeln!(s, "{}", pop_row(p));
    }
    let _ = writeln!(s, "\nFrom the timeline: each POP's hidden Markov model over edge-blamed errors per bucket.\n");
}

/// What users saw, when the input held their captures.
fn users(s: &mut String, r: &Report) {
    let Some(u) = &r.users else { return };
    let _ = writeln!(s, "## What users saw\n");
    let _ = writeln!(
        s,
        "{} user-side events (browser captures and client logs); {} failures, {} of them matched to the edge's logs, {} explained by the edge, {} inside an incident's window.\n",
        thousands(u.events),
        thousands(u.failures),
        thousands(u.matched),
        thousands(u.explained_by_edge),
        thousands(u.during_incidents)
    );
    if let Some(g) = u.detection_gap_s {
        let _ = writeln!(s, "Detection gap: the first user-visible failure the edge explains came {g:.0} s after the incident's onset.\n");
    }
    let _ = writeln!(s, "| signature | failures | blames by itself | explained by the edge |\n|---|---:|---|---:|");
    for x in &u.signatures {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            md_code(&x.id),
            thousands(x.events),
            e(&x.blame),
            thousands(x.explained_by_edge)
        );
    }
    if !u.pops.is_empty() {
        let _ = writeln!(s, "\n| POP | user-visible failures | explained by the edge |\n|---|---:|---:|");
        for p in &u.pops {
            let _ =
                writeln!(s, "| {} | {} | {} |", e(&p.pop), thousands(p.user_failures), thousands(p.explained_by_edge));
        }
    }
    if !u.clock_skews.is_empty() {
        let _ = writeln!(s, "\n| source | clock skew | request-id matches |\n|---|---:|---:|");
        for k in &u.clock_skews {
            let _ = writeln!(s, "| {} | {:+.1} s | {} |", e(&k.file), k.skew_s, thousands(k.pairs));
        }
    }
    let _ = writeln!(s, "\nFirst failures (those inside an incident first):\n");
    let _ = writeln!(
        s,
        "| time (user's clock) | where | signature | evidence | edge verdict | incident |\n|---|---|---|---|---|---|"
    );
    for f in &u.examples {
        let verdict = match (&f.edge_verdict, &f.joined_by) {
            (Some(v), Some(by)) => format!("{} (by {})", e(v), e(by)),
            _ => "—".to_string(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {verdict} | {} |",
            f.time.as_deref().map_or_else(|| "—".to_string(), e),
            e(&f.place),
            md_code(&f.signature),
            e(&f.evidence),
            f.incident.as_deref().map_or_else(|| "—".to_string(), e),
        );
    }
    if u.more > 0 {
        let _ = writeln!(
            s,
            "\n{} more failures: `blastradius classify --failures-only` lists them all.",
            thousands(u.more)
        );
    }
    let _ = writeln!(s, "\nFrom the events whose source_kind is har or client, classified by their evidence (`blastradius explain ID`), and joined to the edge's events by request id, else by host within ±60 s; incident windows from the timeline, after correcting each source's clock.\n");
}

/// Each incident's evidence, and events by source kind.
fn evidence(s: &mut String, r: &Report) {
    let t = &r.timeline;
    let _ = writeln!(s, "## Evidence\n");
    for i in &t.incidents {
        let _ = writeln!(s, "### {}: {}\n", e(&i.id), attribution(i.attribution));
        let _ = writeln!(s, "{}.\n", e(&i.evidence.reason));
        let _ = writeln!(
            s,
            "- requests in the window: {}; 5xx: {}",
            thousands(i.evidence.requests),
            thousands(i.evidence.errors)
        );
        for (sig, n) in &i.evidence.signatures {
            let _ = writeln!(
                s,
                "- {}: {} (see {})",
                md_code(sig),
                thousands(*n),
                md_code(&format!("blastradius explain {sig}"))
            );
        }
        let _ = writeln!(s, "- regions: {}\n", list(&i.evidence.regions));
    }
    let _ = writeln!(s, "Events by source kind:\n\n| source kind | events | 5xx | 4xx |\n|---|---:|---:|---:|");
    for x in &r.sources {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            e(&x.kind),
            thousands(x.requests),
            thousands(x.status_5xx),
            thousands(x.status_4xx)
        );
    }
}

/// Where every input line went.
fn accounting(s: &mut String, r: &Report) {
    let a = &r.accounting;
    let _ = writeln!(s, "\n## Input accounting\n");
    let _ = writeln!(
        s,
        "{} files, {} lines = {} events + {} rejected + {} duplicates{}.\n",
        thousands(a.files.len() as u64),
        thousands(a.lines),
        thousands(a.events),
        thousands(a.rejected),
        thousands(a.duplicates),
        window_note(a)
    );
    let _ = writeln!(
        s,
        "| format | compression | files | lines | events | rejected | duplicates |\n|---|---|---:|---:|---:|---:|---:|"
    );
    for f in &r.input.formats {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            e(&f.format),
            e(&f.compression),
            thousands(f.files),
            thousands(f.lines),
            thousands(f.events),
            thousands(f.rejected),
            thousands(f.duplicates)
        );
    }
    if !r.input.problem_files.is_empty() {
        let _ = writeln!(
            s,
            "\nFiles with problems:\n\n| file | lines | events | rejected | problem |\n|---|---:|---:|---:|---|"
        );
        for f in &r.input.problem_files {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                e(&f.file),
                thousands(f.lines),
                thousands(f.events),
                thousands(f.rejected),
                e(f.error.as_deref().or(f.note.as_deref()).unwrap_or("rejected lines"))
            );
        }
        if r.input.problem_files_total > r.input.problem_files.len() {
            let _ = writeln!(
                s,
                "\n{} more are listed in accounting.json.",
                r.input.problem_files_total - r.input.problem_files.len()
            );
        }
    }
    if !a.reject_kinds.is_empty() {
        let _ = writeln!(s, "\n| rejected because | lines |\n|---|---:|");
        for (k, n) in &a.reject_kinds {
            let _ = writeln!(s, "| {} | {} |", e(k), thousands(*n));
        }
        let _ = writeln!(
            s,
            "\nFirst rejected lines (file and line; the lines themselves are not reproduced, as log lines can carry secrets; `blastradius ingest --quarantine FILE` keeps them):\n"
        );
        for x in &r.input.rejected_lines {
            let _ = writeln!(s, "- {}:{}: {}", e(&x.file), x.line, e(&x.kind));
        }
    }
    let _ = writeln!(s, "\nFrom the accounting: every non-blank line read is an event, a rejected line or a duplicate; per file in accounting.json.");
}

/// The command that produced the report.
fn provenance(s: &mut String, r: &Report) {
    let _ = writeln!(s, "\n## Provenance\n");
    let _ = writeln!(s, "Produced by blastradius {} with:\n", e(&r.version));
    let _ = writeln!(s, "{}", code_block(&r.command));
}

/// A fenced code block that the text cannot close: the fence is longer than any run of
/// backticks inside, and control characters are dropped.
fn code_block(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    let mut longest = 0;
    let mut run = 0;
    for c in clean.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}text\n{clean}\n{fence}")
}

/// The part of the accounting sentence about the `--since`/`--until` window (empty without one).
fn window_note(a: &crate::ingest::Accounting) -> String {
    if a.filtered == 0 && a.pruned == 0 {
        return String::new();
    }
    format!(
        " + {} events outside the --since/--until window ({} objects, files or day folders outside it not read)",
        thousands(a.filtered),
        thousands(a.pruned)
    )
}
