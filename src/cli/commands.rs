//! One function per subcommand: validate arguments into options, call the library, print.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

use super::{
    print, AnalyzeArgs, BatchArgs, ClassifyArgs, ClassifyFormat, Cli, Command, IngestArgs, RatesArgs, SimulateArgs,
    TimelineArgs, TimelineFormat,
};
use blastradius::analyze::{self, incident_name, inputs, Analysis};
use blastradius::ingest::{self, discover};
use blastradius::rates::{self, OutputFormat, RatesTable};
use blastradius::report::batch::{Index, IndexRow, Status};
use blastradius::report::Meta;
use blastradius::signatures;
use blastradius::timeline;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Ingest(a) => ingest_cmd(&a),
        Command::Rates(a) => rates_cmd(&a),
        Command::Analyze(a) => analyze_cmd(&a, true),
        Command::Report(a) => analyze_cmd(&a, false),
        Command::Batch(a) => batch_cmd(&a),
        Command::Completions { shell } => Ok(completions(shell)),
        Command::Explain { id } => explain(id.as_deref()),
        Command::Timeline(a) => timeline_cmd(&a),
        Command::Simulate(a) => simulate_cmd(&a),
        Command::Classify(a) => classify_cmd(&a),
        Command::Cohorts(a) => super::extra::cohorts_cmd(&a),
        Command::Compare(a) => super::extra::compare_cmd(&a),
    }
}

fn ingest_cmd(a: &IngestArgs) -> anyhow::Result<ExitCode> {
    let mut opts = a.read.options();
    opts.keep_rejected_lines = a.quarantine.is_some();
    let (inputs, unreadable) = inputs(&a.paths, &opts);
    let bar = print::Bar::new(ingest::source_size(&inputs), a.read.quiet);
    let mut quarantine = match &a.quarantine {
        Some(p) => Some(BufWriter::new(File::create(p).with_context(|| format!("creating {}", p.display()))?)),
        None => None,
    };
    let result = blastradius::frame::ingest_to_parquet(
        &inputs,
        &opts,
        &bar,
        &a.output,
        quarantine.as_mut().map(|q| q as &mut dyn Write),
    );
    bar.finish();
    let acc = result?;
    if let Some(q) = quarantine.as_mut() {
        q.flush().context("writing the quarantine file")?;
    }
    if acc.events == 0 {
        let _ = std::fs::remove_file(&a.output);
    }
    print::conclude(acc, unreadable, a.read.quiet)
}

fn write_table(t: &RatesTable, format: OutputFormat, out: Option<&Path>) -> anyhow::Result<()> {
    let to_terminal = out.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout());
    if to_terminal && matches!(format, OutputFormat::Csv | OutputFormat::Json) {
        // Log content printed to a terminal loses its control and escape sequences.
        let mut buf = Vec::new();
        match format {
            OutputFormat::Csv => rates::write_csv(t, &mut buf)?,
            _ => rates::write_json(t, &mut buf)?,
        }
        print!("{}", blastradius::text::for_terminal_lines(&String::from_utf8_lossy(&buf)));
        return Ok(());
    }
    let mut w: Box<dyn Write> = match out {
        Some(p) => Box::new(BufWriter::new(File::create(p).with_context(|| format!("creating {}", p.display()))?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    match format {
        OutputFormat::Table => writeln!(w, "{}", print::rates_table(t))?,
        OutputFormat::Csv => rates::write_csv(t, &mut w)?,
        OutputFormat::Json => rates::write_json(t, &mut w)?,
        OutputFormat::Parquet => {
            if out.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                bail!("refusing to write Parquet to a terminal: use -o FILE");
            }
            rates::write_parquet(t, &mut w)?;
        }
    }
    w.flush()?;
    Ok(())
}

fn rates_cmd(a: &RatesArgs) -> anyhow::Result<ExitCode> {
    let opts = a.read.options();
    let (inputs, unreadable) = inputs(&a.paths, &opts);
    let bar = print::Bar::new(ingest::source_size(&inputs), a.read.quiet);
    let result = rates::compute(&inputs, &opts, &bar, a.bucket, a.by_host);
    bar.finish();
    let (table, acc) = result?;
    if acc.events > 0 {
        write_table(&table, a.output_format, a.output.as_deref())?;
    }
    print::conclude(acc, unreadable, a.read.quiet)
}

/// The bundled sample: `samples/` in the working directory, else beside the crate.
fn default_sample() -> PathBuf {
    let here = PathBuf::from("samples");
    if here.is_dir() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn timeline_cmd(a: &TimelineArgs) -> anyhow::Result<ExitCode> {
    let opts = a.read.options();
    let (inputs, unreadable) = inputs(&a.paths, &opts);
    let bar = print::Bar::new(ingest::source_size(&inputs), a.read.quiet);
    let result = rates::compute(&inputs, &opts, &bar, a.method.bucket, true);
    bar.finish();
    let (table, acc) = result?;
    if acc.events > 0 {
        let mut tl = timeline::build(&table, analyze::summary(&acc, unreadable.len()), a.method.method()?.params());
        if let Some(path) = &a.method.changes {
            blastradius::changes::attach(&mut tl, &blastradius::changes::read(path)?);
        }
        match a.output_format {
            TimelineFormat::Json => println!("{}", serde_json::to_string_pretty(&tl)?),
            TimelineFormat::Table => println!("{}", print::timeline(&tl)),
        }
    }
    print::conclude(acc, unreadable, a.read.quiet)
}

fn simulate_cmd(a: &SimulateArgs) -> anyhow::Result<ExitCode> {
    if !(a.scale > 0.0 && a.scale <= 100.0) {
        bail!("--scale must be above 0 and at most 100");
    }
    let opts = blastradius::simulate::SimOptions { scenario: a.scenario, seed: a.seed, scale: a.scale };
    let truth = if a.captures {
        blastradius::simulate::simulate_with_captures(&opts, &a.out)?.0
    } else {
        blastradius::simulate::simulate(&opts, &a.out)?
    };
    eprintln!(
        "wrote {} ({} files, {} lines, {} incidents in truth.json)",
        blastradius::text::for_terminal(&a.out.display().to_string()),
        truth.input.files,
        truth.input.lines,
        truth.incidents.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn classify_cmd(a: &ClassifyArgs) -> anyhow::Result<ExitCode> {
    if a.output_format == ClassifyFormat::Parquet && a.output.is_none() {
        bail!("--format parquet needs an output file (-o FILE)");
    }
    let opts = a.read.options();
    let (inputs, unreadable) = inputs(&a.paths, &opts);
    let (mut df, acc) = blastradius::frame::read_events(&inputs, &opts)?;
    let params = signatures::oauth_loop::LoopParams {
        round_trips: usize::try_from(a.oauth_round_trips).unwrap_or(3),
        window_ns: a.oauth_window.saturating_mul(1_000_000_000),
    };
    signatures::classify_with(&mut df, params)?;
    let join = blastradius::join::join(&df, blastradius::join::JoinParams::default())?;
    if !a.read.quiet && join.user_failures > 0 {
        print::join_summary(&join);
    }
    let mut out: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(BufWriter::new(File::create(p).with_context(|| format!("creating {}", p.display()))?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    if a.output_format == ClassifyFormat::Parquet {
        if a.failures_only {
            let mask = df.column(signatures::SIGNATURE)?.is_not_null();
            df = df.filter(&mask)?;
        }
        polars::prelude::ParquetWriter::new(&mut out)
            .with_compression(blastradius::frame::PARQUET_COMPRESSION)
            .finish(&mut df)?;
    } else {
        let mut rows = blastradius::classify::rows(&df, Some(&join))?;
        if a.failures_only {
            rows.retain(|r| r.signature.is_some());
        }
        if a.output_format == ClassifyFormat::Table {
            writeln!(out, "{}", print::classify_table(&rows))?;
        } else {
            for row in &rows {
                serde_json::to_writer(&mut out, row)?;
                out.write_all(b"\n")?;
            }
        }
    }
    out.flush()?;
    drop(out);
    print::conclude(acc, unreadable, a.read.quiet)
}

/// What a report records of how it was made.
fn meta(name: String) -> Meta {
    Meta { name, command: command_line(), version: env!("CARGO_PKG_VERSION").to_string() }
}

/// The command line, with the program named `blastradius` whatever its path.
fn command_line() -> String {
    let mut args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    if let Some(first) = args.first_mut() {
        "blastradius".clone_into(first);
    }
    args.join(" ")
}

fn analyze_cmd(a: &AnalyzeArgs, print_timeline: bool) -> anyhow::Result<ExitCode> {
    let paths = if a.paths.is_empty() { vec![default_sample()] } else { a.paths.clone() };
    let name = incident_name(&paths);
    let out = a.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(&name));
    let opts = a.read.options();
    // URLs are listed once, when read: the bar then has no total.
    let local = !paths.iter().any(|p| p.to_str().is_some_and(blastradius::store::is_url));
    let size = if local { ingest::source_size(&ingest::discover_in(&paths, &opts).inputs) } else { 0 };
    let bar = print::Bar::new(size, a.read.quiet);
    let result = analyze::analyze(&paths, &out, &a.method.method()?, &opts, &bar, meta(name));
    bar.finish();
    let Analysis { report, accounting: acc, unreadable } = result?;
    if let Some(r) = &report {
        if print_timeline {
            println!("{}", print::timeline(&r.timeline));
        }
        if !a.read.quiet {
            eprintln!(
                "wrote {}: report.html, report.md, timeline.json, events.parquet, accounting.json, charts as SVG",
                blastradius::text::for_terminal(&out.display().to_string())
            );
        }
    }
    print::conclude(acc, unreadable, a.read.quiet)
}

/// The incident directories of a batch: the subdirectories of each DIR, in name order.
fn incident_dirs(dirs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for d in dirs {
        let entries = std::fs::read_dir(d).with_context(|| format!("reading {}", d.display()))?;
        let mut subs: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
        subs.sort();
        out.extend(subs);
    }
    if out.is_empty() {
        bail!("no incident directories: each DIR should hold one subdirectory per incident");
    }
    Ok(out)
}

/// Names for the incident directories' reports: the directory's name, with `-2`, `-3`... when
/// two inputs share a name.
fn unique_names(dirs: &[PathBuf]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    dirs.iter()
        .enumerate()
        .map(|(i, d)| {
            let base = d.file_name().map_or_else(|| format!("incident-{i}"), |n| n.to_string_lossy().into_owned());
            let mut name = base.clone();
            let mut k = 1;
            while !seen.insert(name.clone()) {
                k += 1;
                name = format!("{base}-{k}");
            }
            name
        })
        .collect()
}

fn batch_cmd(a: &BatchArgs) -> anyhow::Result<ExitCode> {
    let root = a.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(incident_name(&a.dirs)));
    // The output directory is never an incident, even when it sits among them.
    let root_abs = root.canonicalize().ok();
    let dirs: Vec<PathBuf> = incident_dirs(&a.dirs)?
        .into_iter()
        .filter(|d| root_abs.is_none() || d.canonicalize().ok() != root_abs)
        .collect();
    let names = unique_names(&dirs);
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let jobs = if a.jobs == 0 { cores.min(4) } else { a.jobs }.clamp(1, dirs.len().max(1));
    let mut opts = a.read.options();
    if opts.threads == 0 {
        opts.threads = cores.div_ceil(jobs).max(1);
    }
    let size: u64 = dirs.iter().map(|d| ingest::source_size(&discover(std::slice::from_ref(d)).0)).sum();
    let bar = print::Bar::new(size, a.read.quiet);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let rows = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (Some(dir), Some(name)) = (dirs.get(i), names.get(i)) else { break };
                let row = batch_one(dir, name.clone(), &root, a, &opts, &bar);
                if let Ok(mut v) = rows.lock() {
                    v.push(row);
                }
            });
        }
    });
    bar.finish();
    let rows = rows.into_inner().unwrap_or_default();
    let index = Index::new(command_line(), env!("CARGO_PKG_VERSION").to_string(), rows);
    write_file(&root.join("index.html"), blastradius::report::html::render_index(&index)?.as_bytes())?;
    write_file(&root.join("index.md"), blastradius::report::batch::markdown(&index).as_bytes())?;
    match a.output_format {
        TimelineFormat::Json => {
            println!("{}", blastradius::text::for_terminal_lines(&serde_json::to_string_pretty(&index)?));
        }
        TimelineFormat::Table => println!("{}", print::batch(&index)),
    }
    if !a.read.quiet {
        eprintln!(
            "wrote {}: index.html, index.md and one directory per incident",
            blastradius::text::for_terminal(&root.display().to_string())
        );
    }
    Ok(if index.rows.iter().any(|r| r.status != Status::Ok) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// One incident of a batch; its failure becomes its row.
fn batch_one(
    dir: &Path,
    name: String,
    root: &Path,
    a: &BatchArgs,
    opts: &blastradius::ingest::IngestOptions,
    bar: &print::Bar,
) -> IndexRow {
    let paths = [dir.to_path_buf()];
    let method = match a.method.method() {
        Ok(m) => m,
        Err(e) => return IndexRow::failed(name, e.to_string()),
    };
    match analyze::analyze(&paths, &root.join(&name), &method, opts, bar, meta(name.clone())) {
        Ok(Analysis { report: Some(r), accounting: acc, unreadable }) => {
            let failed: Vec<String> = acc
                .failed_files()
                .chain(unreadable.iter())
                .map(|f| format!("{}: {}", f.file, f.error.as_deref().unwrap_or("")))
                .collect();
            IndexRow::from_report(&r, (!failed.is_empty()).then(|| failed.join("; ")))
        }
        Ok(Analysis { report: None, accounting: mut acc, unreadable }) => {
            acc.files.extend(unreadable);
            IndexRow::failed(name, format!("nothing could be read: {}", acc.why_nothing()))
        }
        Err(e) => IndexRow::failed(name, format!("{e:#}")),
    }
}

fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut cmd, "blastradius", &mut std::io::stdout());
    ExitCode::SUCCESS
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn explain(id: Option<&str>) -> anyhow::Result<ExitCode> {
    if let Some(id) = id {
        let Some(sig) = signatures::Signature::from_id(id) else {
            let ids: Vec<&str> = signatures::ALL.iter().map(|s| s.id()).collect();
            bail!("unknown signature `{id}` (known: {})", ids.join(", "));
        };
        println!("{}", sig.info().doc.trim_end());
        return Ok(ExitCode::SUCCESS);
    }
    let width = signatures::REGISTRY.iter().map(|s| s.signature.id().len()).max().unwrap_or(0);
    for s in signatures::REGISTRY {
        let first = s.doc.lines().next().unwrap_or("");
        // A signature that blames no tier shows `-` (its rows say `unknown`).
        let blame = if s.blame == signatures::Blame::Unknown { "-" } else { s.blame.id() };
        println!("{:<width$}  {:<7} {}", s.signature.id(), blame, first.replace('`', ""));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_names_are_unique() {
        let dirs: Vec<PathBuf> = ["x/a", "y/a", "z/b", "w/a"].iter().map(PathBuf::from).collect();
        assert_eq!(unique_names(&dirs), ["a", "a-2", "b", "a-3"]);
    }
}
