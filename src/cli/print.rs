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
        "epicenter",
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
            Cell::new(for_terminal(&i.epicenter.join(" "))),
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
        t.set_header(vec![
            title,
            "region",
            "affected",
            "onset",
            "peak",
            "peak 5xx %",
            "recovery",
            "flapping",
            "signature",
            "requests",
            "conf.",
        ]);
        for p in rows {
            t.add_row(vec![
                Cell::new(for_terminal(&p.pop)),
                Cell::new(for_terminal(&p.region)),
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
