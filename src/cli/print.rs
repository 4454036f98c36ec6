//! Terminal output: accounting, tables, progress. Log content is stripped of control and
//! escape sequences before it reaches the terminal.

use std::io::IsTerminal;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressStyle};

use crate::ingest::{Accounting, Progress};
use crate::rates::{output, RatesTable};
use crate::text::for_terminal;

/// Prints an error and its causes on stderr.
pub fn error(e: &anyhow::Error) {
    let mut msg = format!("error: {e}");
    for cause in e.chain().skip(1) {
        msg.push_str("\n  caused by: ");
        msg.push_str(&cause.to_string());
    }
    eprintln!("{}", for_terminal(&msg));
}

/// A progress bar on stderr, or nothing when stderr is not a terminal or `quiet` is set.
pub struct Bar(Option<ProgressBar>);

impl Bar {
    /// A bar over `total` on-disk bytes.
    pub fn new(total: u64, quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let pb = ProgressBar::new(total);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} {wide_bar} {bytes_per_sec} eta {eta}")
        {
            pb.set_style(style);
        }
        Bar(Some(pb))
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn advance(&self, n: u64) {
        if let Some(pb) = &self.0 {
            pb.inc(n);
        }
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Prints the accounting summary on stderr: the balance, reasons, first rejected lines and
/// files that failed.
pub fn accounting(acc: &Accounting) {
    let files = acc.files.len();
    let bytes: u64 = acc.files.iter().map(|f| f.bytes).sum();
    eprintln!(
        "read {files} file{} ({} bytes): {} lines = {} events + {} rejected + {} duplicates",
        if files == 1 { "" } else { "s" },
        thousands(bytes),
        thousands(acc.lines),
        thousands(acc.events),
        thousands(acc.rejected),
        thousands(acc.duplicates)
    );
    if acc.filtered > 0 || acc.pruned > 0 {
        eprintln!(
            "(+ {} events outside --since/--until; {} objects, files or day folders outside it not read)",
            thousands(acc.filtered),
            thousands(acc.pruned)
        );
    }
    if acc.headers > 0 {
        eprintln!("(and {} header or comment lines, which are not records)", thousands(acc.headers));
    }
    if !acc.reject_kinds.is_empty() {
        let kinds: Vec<String> = acc.reject_kinds.iter().map(|(k, n)| format!("{} {k}", thousands(*n))).collect();
        eprintln!("rejected: {}", kinds.join(", "));
        for r in acc.rejects.iter().take(5) {
            eprintln!("  {}:{}: {}", for_terminal(&r.file), r.line, for_terminal(&r.reason));
        }
        if acc.rejected > 5 {
            eprintln!("  ... {} more (use --quarantine FILE to keep them all)", thousands(acc.rejected - 5));
        }
    }
    for f in &acc.files {
        if let Some(e) = &f.error {
            eprintln!("error: {}: {}", for_terminal(&f.file), for_terminal(e));
        } else if let Some(n) = &f.note {
            eprintln!("note: {}: {}", for_terminal(&f.file), for_terminal(n));
        }
    }
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    t
}

/// Renders a rates table for the terminal.
pub fn rates_table(r: &RatesTable) -> String {
    let mut t = table();
    t.set_header(output::header(r.by_host));
    for (k, c) in &r.rows {
        let cells: Vec<Cell> = output::row_strings(r, k, c)
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let cell = Cell::new(for_terminal(&s));
                if i >= if r.by_host { 3 } else { 2 } {
                    cell.set_alignment(CellAlignment::Right)
                } else {
                    cell
                }
            })
            .collect();
        t.add_row(cells);
    }
    t.to_string()
}

fn opt_time(t: Option<&String>) -> String {
    t.map(|s| s.get(11..19).unwrap_or(s).to_string()).unwrap_or_default()
}

/// Renders a timeline for the terminal: incidents, then regions, then POPs.
pub fn timeline(tl: &crate::timeline::Timeline) -> String {
    let mut out = String::new();
    let mut t = table();
    t.set_header(vec![
        "incident",
        "attribution",
        "scope",
        "onset (UTC)",
        "recovery (UTC)",
        "epicenter / onsets",
        "POPs",
        "hosts",
        "why",
    ]);
    for i in &tl.incidents {
        t.add_row(vec![
            Cell::new(&i.id),
            Cell::new(format!("{:?}", i.attribution).to_lowercase()),
            Cell::new(format!("{:?}", i.scope).to_lowercase()),
            Cell::new(i.onset.as_deref().unwrap_or("")),
            Cell::new(i.recovery.as_deref().unwrap_or("")),
            Cell::new(for_terminal(&match i.onset_pattern {
                crate::timeline::model::Pattern::Simultaneous => "simultaneous".to_string(),
                crate::timeline::model::Pattern::Censored => "before the input".to_string(),
                _ => i.epicenter.join(" "),
            })),
            Cell::new(i.pops.len()),
            Cell::new(for_terminal(&i.hosts.iter().take(4).cloned().collect::<Vec<_>>().join(" "))),
            Cell::new(for_terminal(&i.evidence.reason)),
        ]);
    }
    if tl.incidents.is_empty() {
        out.push_str("no incident found\n");
    } else {
        out.push_str(&t.to_string());
        out.push('\n');
    }
    let rows = |title: &str, rows: &[crate::timeline::model::PopTimeline]| {
        let mut t = table();
        let with_region = title != "region";
        let mut header = vec![title, "region"];
        if !with_region {
            header.pop();
        }
        header.extend([
            "affected",
            "onset",
            "peak",
            "peak 5xx %",
            "recovery",
            "flapping",
            "signature",
            "requests",
            "P(aff.)",
        ]);
        t.set_header(header);
        for p in rows {
            let mut cells = vec![Cell::new(for_terminal(&p.pop))];
            if with_region {
                cells.push(Cell::new(for_terminal(&p.region)));
            }
            cells.extend([
                Cell::new(if p.affected { "yes" } else { "" }),
                Cell::new(opt_time(p.onset.as_ref())),
                Cell::new(opt_time(p.peak.as_ref())),
                Cell::new(p.peak_error_rate.map_or(String::new(), |r| format!("{:.1}", r * 100.0)))
                    .set_alignment(CellAlignment::Right),
                Cell::new(opt_time(p.recovery.as_ref())),
                Cell::new(
                    p.flapping
                        .period_seconds
                        .map_or(String::new(), |s| format!("{}× ~{s:.0}s", p.flapping.transitions)),
                ),
                Cell::new(p.dominant_signature.as_deref().unwrap_or("")),
                Cell::new(thousands(p.requests)).set_alignment(CellAlignment::Right),
                Cell::new(format!("{:.2}", p.confidence)).set_alignment(CellAlignment::Right),
            ]);
            t.add_row(cells);
        }
        t.to_string()
    };
    out.push_str(&rows("region", &tl.regions));
    out.push('\n');
    let mut pops = tl.pops.clone();
    pops.sort_by(|a, b| b.affected.cmp(&a.affected).then(a.onset.cmp(&b.onset)).then(a.pop.cmp(&b.pop)));
    out.push_str(&rows("POP", &pops));
    out
}

/// Renders classified events for the terminal (log content stripped of control sequences).
pub fn classify_table(rows: &[crate::classify::Row]) -> String {
    let mut t = table();
    t.set_header(["file", "line/entry", "time", "status", "pop", "host", "signature", "evidence", "edge verdict"]);
    for r in rows {
        let at = match (r.entry, r.line) {
            (Some(e), _) => format!("entry {e}"),
            (None, Some(l)) => l.to_string(),
            (None, None) => String::new(),
        };
        let cells = [
            r.file.clone(),
            at,
            r.time.clone().unwrap_or_default(),
            r.status.map(|s| s.to_string()).unwrap_or_default(),
            r.pop.clone().unwrap_or_default(),
            r.host.clone().unwrap_or_default(),
            r.signature.clone().unwrap_or_default(),
            r.evidence.clone().unwrap_or_default(),
            match (&r.edge_verdict, r.joined_by) {
                (Some(v), Some(by)) => {
                    let by = if by == crate::join::JoinedBy::RequestId { "by request id" } else { "by host and time" };
                    format!("{} ({by})", v.as_deref().unwrap_or("healthy"))
                }
                _ => String::new(),
            },
        ];
        t.add_row(cells.iter().map(|c| Cell::new(for_terminal(c))));
    }
    t.to_string()
}

/// Prints what the join of user-side failures to the edge found, on stderr.
pub fn join_summary(j: &crate::join::Join) {
    let explained = j.verdicts.iter().filter(|v| v.explained_by_edge).count();
    eprintln!(
        "user-side failures: {}; matched to edge events: {}; explained by the edge: {explained}",
        j.user_failures,
        j.verdicts.len()
    );
    if j.clock_skews.is_empty() {
        eprintln!("clock skew: unknown (no request id seen on both sides)");
    }
    for k in &j.clock_skews {
        eprintln!(
            "clock skew of {}: {:+.3} s (median of {} request-id matches)",
            for_terminal(&k.file),
            k.skew_s,
            k.pairs
        );
    }
    if let Some(g) = j.detection_gap_s {
        eprintln!("detection gap: the first user-visible failure the edge explains came {g:.1} s after the edge's first error");
    }
    for p in &j.pops {
        eprintln!(
            "  {}: {} user-visible failures, {} explained by the edge",
            for_terminal(&p.pop),
            p.user_failures,
            p.explained_by_edge
        );
    }
}

/// Renders a batch index for the terminal.
pub fn batch(x: &crate::report::batch::Index) -> String {
    use crate::report::batch::Status;
    let mut t = table();
    t.set_header(vec!["incident", "status", "attribution", "scope", "onset (UTC)", "duration", "POPs", "signature"]);
    for r in &x.rows {
        t.add_row(vec![
            Cell::new(for_terminal(&r.name)),
            Cell::new(match r.status {
                Status::Ok => "ok".to_string(),
                Status::Partial => format!("partial: {}", for_terminal(r.error.as_deref().unwrap_or(""))),
                Status::Failed => format!("failed: {}", for_terminal(r.error.as_deref().unwrap_or(""))),
            }),
            Cell::new(r.attribution.map_or(String::new(), |a| format!("{a:?}").to_lowercase())),
            Cell::new(r.scope.map_or(String::new(), |s| format!("{s:?}").to_lowercase())),
            Cell::new(r.onset.as_deref().map_or(String::new(), crate::report::html::datetime)),
            Cell::new(r.duration_seconds.map_or(String::new(), crate::report::html::duration)),
            Cell::new(if r.status == Status::Failed {
                String::new()
            } else {
                format!("{}/{}", r.pops_affected, r.pops_total)
            }),
            Cell::new(r.dominant_signature.as_deref().unwrap_or("")),
        ]);
    }
    t.to_string()
}
