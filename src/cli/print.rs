//! Terminal output: accounting, tables, progress. Log content is stripped of control and
//! escape sequences before it reaches the terminal.

use std::io::IsTerminal;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressStyle};

use std::process::ExitCode;

use blastradius::ingest::{Accounting, FileAccount, Progress};
use blastradius::rates::{output, RatesTable};
use blastradius::text::{for_terminal, thousands};
use blastradius::timeline::model::PopTimeline;
use blastradius::vocab::time::Timestamp;

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

/// Adds unreadable paths to the accounting, prints it, and decides the exit code.
pub fn conclude(mut acc: Accounting, unreadable: Vec<FileAccount>, quiet: bool) -> anyhow::Result<ExitCode> {
    acc.files.extend(unreadable);
    if !quiet || acc.events == 0 || acc.failed_files().next().is_some() {
        accounting(&acc);
    }
    if acc.events == 0 {
        return Err(blastradius::Error::NothingRead(acc.why_nothing()).into());
    }
    Ok(if acc.failed_files().next().is_some() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Prints the accounting summary on stderr: the balance, reasons, first rejected lines and
/// files that failed.
pub fn accounting(acc: &Accounting) {
    // Files skipped as plainly not logs (a truth.json, a README) are in accounting.json only.
    let files = acc.files.iter().filter(|f| !f.not_a_log).count();
    let bytes: u64 = acc.files.iter().filter(|f| !f.not_a_log).map(|f| f.bytes).sum();
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
    for f in acc.files.iter().filter(|f| !f.not_a_log) {
        if let Some(e) = &f.error {
            eprintln!("error: {}: {}", for_terminal(&f.file), for_terminal(e));
        } else if let Some(n) = &f.note {
            eprintln!("note: {}: {}", for_terminal(&f.file), for_terminal(n));
        }
    }
}

/// The width tables and wrapped text fit: the terminal's, else `COLUMNS`, else 120.
fn width() -> u16 {
    let from_env = || std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<u16>().ok());
    let probe = Table::new();
    let tty = if std::io::stdout().is_terminal() { probe.width() } else { None };
    tty.or_else(from_env).unwrap_or(120).clamp(60, 400)
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_width(width());
    t
}

/// Renders a table so that no word is broken: each column is at least as wide as its longest
/// word; the table narrows by wrapping at spaces.
fn render(t: &mut Table) -> String {
    let cols = t.column_count();
    for c in 0..cols {
        let longest = t
            .column_cells_with_header_iter(c)
            .flatten()
            .flat_map(|cell| cell.content().split_whitespace().map(|w| w.chars().count()).collect::<Vec<_>>())
            .max()
            .unwrap_or(1);
        // The boundary counts the cell padding, one space each side.
        let w = u16::try_from(longest + 2).unwrap_or(u16::MAX);
        if let Some(col) = t.column_mut(c) {
            col.set_constraint(comfy_table::ColumnConstraint::LowerBoundary(comfy_table::Width::Fixed(w)));
        }
    }
    t.to_string()
}

/// Wraps `text` at word boundaries to the table width, every line after the first indented.
fn wrap(text: &str, indent: usize) -> String {
    let limit = usize::from(width()).saturating_sub(1).max(indent + 20);
    let mut out = String::new();
    let mut line_len = 0;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if line_len > indent && line_len + 1 + w > limit {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            line_len = indent;
        } else if !out.is_empty() {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += w;
    }
    out
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
    render(&mut t)
}

fn opt_time(t: Option<&Timestamp>) -> String {
    t.map(|t| blastradius::text::hms(&t.to_string())).unwrap_or_default()
}

/// A time as `2025-11-18 11:19:54` (UTC), which a narrow column wraps at the space only.
fn day_time(t: Option<&Timestamp>) -> String {
    t.map(|t| blastradius::text::datetime(&t.to_string())).unwrap_or_default()
}

/// Renders a timeline for the terminal: incidents (their reasons and hosts under the table),
/// then regions, then POPs, each with what its numbers mean.
pub fn timeline(tl: &blastradius::timeline::Timeline) -> String {
    let mut out = String::new();
    if tl.incidents.is_empty() {
        out.push_str("no incident found\n");
    } else {
        out.push_str(&incidents(tl));
    }
    let regions = tl.regions.iter().map(|r| Place {
        name: &r.region,
        second: format!("{}/{}", r.pops_affected, r.pops),
        affected: r.affected,
        times: [r.onset, r.peak, r.recovery],
        peak_error_rate: r.peak_error_rate,
        flapping: &r.flapping,
        signature: r.dominant_signature.as_deref(),
        requests: r.requests,
        confidence: r.confidence,
    });
    out.push_str(&places(["region", "POPs"], regions));
    let mut pops: Vec<&PopTimeline> = tl.pops.iter().collect();
    pops.sort_by(|a, b| b.affected.cmp(&a.affected).then(a.onset.cmp(&b.onset)).then(a.pop.cmp(&b.pop)));
    let pops = pops.into_iter().map(|p| Place {
        name: &p.pop,
        second: for_terminal(&p.region).to_string(),
        affected: p.affected,
        times: [p.onset, p.peak, p.recovery],
        peak_error_rate: p.peak_error_rate,
        flapping: &p.flapping,
        signature: p.dominant_signature.as_deref(),
        requests: p.requests,
        confidence: p.confidence,
    });
    out.push_str(&places(["POP", "region"], pops));
    out.push_str(&wrap(
        "POPs: a region's POPs affected / seen; aff.: affected; onset, peak, recovery: UTC; 5xx %: the highest share of edge 5xx in one bucket (at \
         peak); flapping: failing↔healthy transitions × their typical period; requests: in the whole input; \
         P(aff.): the probability that the POP (region: any of its POPs) was affected.",
        0,
    ));
    out.push('\n');
    out.push_str(&signals(tl));
    out.push_str(&changes(tl));
    out
}

/// The incidents of signals other than errors, one wrapped line each (empty when none).
fn signals(tl: &blastradius::timeline::Timeline) -> String {
    let mut out = String::new();
    if !tl.signals.is_empty() {
        out.push('\n');
    }
    for i in &tl.signals {
        let id = for_terminal(&i.id);
        let line = format!(
            "{id}: {} → {} UTC, {}",
            day_time(i.onset.as_ref()),
            day_time(i.recovery.as_ref()),
            for_terminal(&i.summary)
        );
        out.push_str(&wrap(&line, id.chars().count() + 2));
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// How a change fits an incident's onset, in words.
fn fit(f: blastradius::changes::Fit) -> &'static str {
    use blastradius::changes::Fit;
    match f {
        Fit::Fits => "fits",
        Fit::Contradicts => "does not fit",
        Fit::Unclear => "unclear",
    }
}

/// The changes placed on the timeline (`--changes`): per incident, each change with its lag to
/// the incident's onset and whether the onset pattern fits its scope (empty without changes).
fn changes(tl: &blastradius::timeline::Timeline) -> String {
    let mut out = String::new();
    if tl.changes.is_empty() {
        return out;
    }
    out.push('\n');
    for i in &tl.incidents {
        let Some(c) = &i.changes else { continue };
        let id = for_terminal(&i.id);
        let head = format!("{id} (onset {}): {}", day_time(i.onset.as_ref()), for_terminal(&c.verdict));
        out.push_str(&wrap(&head, id.chars().count() + 2));
        out.push('\n');
        let mut t = table();
        t.set_header(vec!["change", "time (UTC)", "scope", "lag to onset", "expected", "verdict"]);
        for f in &c.ranked {
            let scope = if f.change.pops.is_empty() { "global".to_string() } else { f.change.pops.join(" ") };
            t.add_row(vec![
                Cell::new(for_terminal(&f.change.what)),
                Cell::new(day_time(Some(&f.change.time))),
                Cell::new(for_terminal(&scope)),
                Cell::new(format!("{:.0} s", f.lag_seconds)).set_alignment(CellAlignment::Right),
                Cell::new(for_terminal(&f.expected)),
                Cell::new(fit(f.fit)),
            ]);
        }
        out.push_str(&render(&mut t));
        out.push('\n');
    }
    out.push_str(&wrap(
        &format!(
            "{} change(s) from --changes; lag to onset: the incident's onset less the change's time (positive: \
             the change came first); verdict: whether the onset pattern is what the change's scope predicts.",
            tl.changes.len()
        ),
        0,
    ));
    out.push('\n');
    out
}

/// The incidents table, then each incident's reason and hosts as wrapped text.
fn incidents(tl: &blastradius::timeline::Timeline) -> String {
    use blastradius::timeline::model::Pattern;
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
    ]);
    for i in &tl.incidents {
        t.add_row(vec![
            Cell::new(for_terminal(&i.id)),
            Cell::new(format!("{:?}", i.attribution).to_lowercase()),
            Cell::new(format!("{:?}", i.scope).to_lowercase()),
            Cell::new(day_time(i.onset.as_ref())),
            Cell::new(day_time(i.recovery.as_ref())),
            Cell::new(for_terminal(&match i.onset_pattern {
                Pattern::Simultaneous => "none: simultaneous".to_string(),
                Pattern::Censored => "before the input".to_string(),
                _ => i.epicenter.join(" "),
            })),
            Cell::new(i.pops.len()).set_alignment(CellAlignment::Right),
            Cell::new(i.hosts.len()).set_alignment(CellAlignment::Right),
        ]);
    }
    let mut out = render(&mut t);
    out.push('\n');
    for i in &tl.incidents {
        let id = for_terminal(&i.id);
        let indent = id.chars().count() + 2;
        out.push_str(&wrap(&format!("{id}: {}", for_terminal(&i.evidence.reason)), indent));
        out.push('\n');
        let mut hosts: Vec<String> = i.hosts.iter().take(6).map(|h| for_terminal(h).into_owned()).collect();
        if i.hosts.len() > 6 {
            hosts.push(format!("and {} more (report.md lists them)", i.hosts.len() - 6));
        }
        out.push_str(&" ".repeat(indent));
        out.push_str(wrap(&format!("hosts: {}", hosts.join(" ")), indent).trim_start());
        out.push('\n');
    }
    out
}

/// The region or POP table.
/// One row of the region or POP table.
struct Place<'a> {
    name: &'a str,
    /// The region's affected POPs, or the POP's region.
    second: String,
    affected: bool,
    /// Onset, peak, recovery.
    times: [Option<Timestamp>; 3],
    peak_error_rate: Option<f64>,
    flapping: &'a blastradius::timeline::model::Flapping,
    signature: Option<&'a str>,
    requests: u64,
    confidence: f64,
}

fn places<'a>(titles: [&str; 2], rows: impl Iterator<Item = Place<'a>>) -> String {
    let mut t = table();
    let mut header = titles.to_vec();
    header.extend(["aff.", "onset", "peak", "5xx %", "recovery", "flapping", "signature", "requests", "P(aff.)"]);
    t.set_header(header);
    for p in rows {
        let [onset, peak, recovery] = p.times;
        let f = p.flapping;
        t.add_row([
            Cell::new(for_terminal(p.name)),
            Cell::new(p.second),
            Cell::new(if p.affected { "yes" } else { "" }),
            Cell::new(opt_time(onset.as_ref())),
            Cell::new(opt_time(peak.as_ref())),
            Cell::new(p.peak_error_rate.map_or(String::new(), |r| format!("{:.1}", r * 100.0)))
                .set_alignment(CellAlignment::Right),
            Cell::new(opt_time(recovery.as_ref())),
            Cell::new(f.period_seconds.map_or(String::new(), |s| format!("{}×~{s:.0}s", f.transitions))),
            Cell::new(p.signature.unwrap_or("")),
            Cell::new(thousands(p.requests)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.2}", p.confidence)).set_alignment(CellAlignment::Right),
        ]);
    }
    let mut out = render(&mut t);
    out.push('\n');
    out
}

/// Renders classified events for the terminal (log content stripped of control sequences).
pub fn classify_table(rows: &[blastradius::classify::Row]) -> String {
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
                    let by =
                        if by == blastradius::join::JoinedBy::RequestId { "by request id" } else { "by host and time" };
                    format!("{} ({by})", v.as_deref().unwrap_or("healthy"))
                }
                _ => String::new(),
            },
        ];
        t.add_row(cells.iter().map(|c| Cell::new(for_terminal(c))));
    }
    render(&mut t)
}

/// Prints what the join of user-side failures to the edge found, on stderr.
pub fn join_summary(j: &blastradius::join::Join) {
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
pub fn batch(x: &blastradius::report::batch::Index) -> String {
    use blastradius::report::batch::Status;
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
            Cell::new(day_time(r.onset.as_ref())),
            Cell::new(r.duration_seconds.map_or(String::new(), blastradius::text::duration)),
            Cell::new(if r.status == Status::Failed {
                String::new()
            } else {
                format!("{}/{}", r.pops_affected, r.pops_total)
            }),
            Cell::new(r.dominant_signature.as_deref().unwrap_or("")),
        ]);
        for o in &r.others {
            t.add_row(vec![
                Cell::new(format!("↳ {}", for_terminal(&o.id))),
                Cell::new(""),
                Cell::new(format!("{:?}", o.attribution).to_lowercase()),
                Cell::new(format!("{:?}", o.scope).to_lowercase()),
                Cell::new(day_time(o.onset.as_ref())),
                Cell::new(o.duration_seconds.map_or(String::new(), blastradius::text::duration)),
                Cell::new(format!("{}/{}", o.pops, r.pops_total)),
                Cell::new(o.dominant_signature.as_deref().unwrap_or("")),
            ]);
        }
    }
    render(&mut t)
}
