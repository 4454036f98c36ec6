//! The forensic commands: `cohorts` (who was hit) and `compare` (two incidents side by side,
//! and what changed between them.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use super::{print, CohortsArgs, CompareArgs, CompareFormat, MethodArgs, TimelineFormat};
use blastradius::analyze::{inputs, summary};
use blastradius::text::for_terminal;
use blastradius::timeline::Timeline;

/// Reads inputs into a timeline with cohorts (and changes).
fn analyse(
    paths: &[PathBuf],
    method: &MethodArgs,
    read: &super::ReadArgs,
) -> anyhow::Result<(Option<Timeline>, blastradius::ingest::Accounting, Vec<blastradius::ingest::FileAccount>)> {
    let opts = read.options();
    let (inputs, unreadable) = inputs(paths, &opts);
    let bar = print::Bar::new(blastradius::ingest::source_size(&inputs), read.quiet);
    let m = method.method()?;
    let result = blastradius::cohorts::compute(&inputs, &opts, &bar, m.bucket_secs());
    bar.finish();
    let (rates, cohorts, acc) = result?;
    if acc.events == 0 {
        return Ok((None, acc, unreadable));
    }
    let tl = m.timeline(&rates, Some(&cohorts), summary(&acc, unreadable.len()));
    Ok((Some(tl), acc, unreadable))
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    t
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// The cohorts of every incident as terminal tables.
pub fn cohorts_text(tl: &Timeline) -> String {
    let mut out = String::new();
    if tl.incidents.is_empty() {
        out.push_str("No incident: no cohort to rank.\n");
    }
    for i in &tl.incidents {
        let Some(c) = &i.cohorts else { continue };
        let _ = writeln!(
            out,
            "{} ({} to {}): {} requests, {} failed ({})",
            i.id,
            i.onset.map_or_else(|| "?".to_string(), |t| t.to_string()),
            i.recovery.map_or_else(|| "the end of the data".to_string(), |t| t.to_string()),
            c.requests,
            c.failures,
            pct(c.error_rate)
        );
        match &c.headline {
            Some(h) => {
                let _ = writeln!(out, "who was hit: {}", for_terminal(&h.summary));
            }
            None => out.push_str("who was hit: no value stands out; the failures were spread over the traffic\n"),
        }
        out.push_str("values that stand out (traffic ×: the value's share of requests against the baseline; far above 1, it came with the failure):\n");
        let _ = writeln!(out, "{}", top_values(c));
        if !c.spared.is_empty() {
            let kept: Vec<String> = c
                .spared
                .iter()
                .map(|v| format!("{} ({} of {} failed)", for_terminal(&v.value), v.failures, v.requests))
                .collect();
            let _ = writeln!(out, "still answering inside the cohort: {}", kept.join(", "));
        }
        if let Some(ch) = &i.changes {
            let _ = writeln!(out, "changes: {}", for_terminal(&ch.verdict));
            let _ = writeln!(out, "{}", ranked_changes(ch));
        }
        out.push('\n');
    }
    out
}

/// An incident's values that stand out, as a table.
fn top_values(c: &blastradius::vocab::cohorts::IncidentCohorts) -> Table {
    let mut t = table();
    t.set_header(vec![
        "dimension",
        "value",
        "requests",
        "failed",
        "error rate",
        "share of failures",
        "lift",
        "POPs failing",
        "traffic ×",
    ]);
    for v in &c.top {
        t.add_row(vec![
            v.dimension.clone(),
            for_terminal(&v.value).into_owned(),
            v.requests.to_string(),
            v.failures.to_string(),
            pct(v.error_rate),
            pct(v.share_of_failures),
            v.lift.map_or_else(|| "∞".to_string(), |l| format!("{l:.1}×")),
            format!("{} of {}", v.pops_failing, v.pops_with_traffic),
            match v.traffic_shift {
                Some(x) if x >= 1e6 => "new".to_string(),
                Some(x) => format!("{x:.1}"),
                None => "—".to_string(),
            },
        ]);
    }
    t
}

/// The changes ranked against an incident's onset, as a table.
fn ranked_changes(ch: &blastradius::vocab::changes::IncidentChanges) -> Table {
    let mut t = table();
    t.set_header(vec!["change", "time", "scope", "lag to onset", "expected", "verdict", "evidence"]);
    for f in &ch.ranked {
        let scope = if f.change.pops.is_empty() { "global".to_string() } else { f.change.pops.join(", ") };
        t.add_row(vec![
            for_terminal(&f.change.what).into_owned(),
            f.change.time.to_string(),
            for_terminal(&scope).into_owned(),
            format!("{:.0} s", f.lag_seconds),
            f.expected.clone(),
            format!("{:?}", f.fit).to_lowercase(),
            for_terminal(&f.evidence.join("; ")).into_owned(),
        ]);
    }
    t
}

pub(super) fn cohorts_cmd(a: &CohortsArgs) -> anyhow::Result<ExitCode> {
    let (tl, acc, unreadable) = analyse(&a.paths, &a.method, &a.read)?;
    if let Some(tl) = tl {
        match a.output_format {
            TimelineFormat::Json => {
                let v: Vec<serde_json::Value> = tl
                    .incidents
                    .iter()
                    .map(|i| serde_json::json!({"incident": i.id, "onset": i.onset, "recovery": i.recovery, "cohorts": i.cohorts}))
                    .collect();
                println!("{}", blastradius::text::for_terminal_lines(&serde_json::to_string_pretty(&v)?));
            }
            TimelineFormat::Table => print!("{}", cohorts_text(&tl)),
        }
    }
    print::conclude(acc, unreadable, a.read.quiet)
}

/// A side of `compare`: a report directory's timeline, or inputs analysed.
fn load(p: &Path, a: &CompareArgs) -> anyhow::Result<(String, Timeline)> {
    let name = p
        .canonicalize()
        .ok()
        .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| p.display().to_string());
    let json = p.join("timeline.json");
    if json.is_file() {
        let text = std::fs::read_to_string(&json).with_context(|| format!("reading {}", json.display()))?;
        let tl: Timeline = serde_json::from_str(&text).with_context(|| format!("parsing {}", json.display()))?;
        return Ok((name, tl));
    }
    let (tl, acc, unreadable) = analyse(&[p.to_path_buf()], &a.method, &a.read)?;
    let Some(tl) = tl else {
        let mut acc = acc;
        acc.files.extend(unreadable);
        return Err(blastradius::Error::NothingRead(acc.why_nothing()).into());
    };
    Ok((name, tl))
}

pub(super) fn compare_cmd(a: &CompareArgs) -> anyhow::Result<ExitCode> {
    let (na, ta) = load(&a.a, a)?;
    let (nb, tb) = load(&a.b, a)?;
    let c = blastradius::compare::compare((&na, &ta), (&nb, &tb));
    let text = match a.output_format {
        CompareFormat::Table => {
            let mut t = table();
            t.set_header(vec![String::new(), for_terminal(&na).into_owned(), for_terminal(&nb).into_owned()]);
            for (l, x, y) in &c.rows {
                t.add_row(vec![l.clone(), for_terminal(x).into_owned(), for_terminal(y).into_owned()]);
            }
            format!("{t}\n")
        }
        CompareFormat::Markdown => blastradius::compare::markdown(&c),
        CompareFormat::Html => blastradius::compare::html(&c)?,
        CompareFormat::Json => serde_json::to_string_pretty(&c)? + "\n",
    };
    if let Some(p) = &a.output {
        std::fs::write(p, text.as_bytes()).with_context(|| format!("writing {}", p.display()))?;
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(blastradius::text::for_terminal_lines(&text).as_bytes())?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}
