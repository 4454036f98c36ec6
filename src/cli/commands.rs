//! One function per subcommand: validate arguments into options, call the library, print.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

use super::{
    print, AnalyzeArgs, ClassifyArgs, ClassifyFormat, Cli, Command, IngestArgs, RatesArgs, SimulateArgs, TimelineArgs,
    TimelineFormat,
};
use crate::frame::{EventCollector, ParquetSink};
use crate::ingest::{self, discover, Accounting, FileAccount, Input};
use crate::rates::{self, OutputFormat, RatesCollector, RatesTable};
use crate::report::Report;
use crate::signatures;
use crate::timeline::{self, model::InputSummary};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Ingest(a) => ingest_cmd(&a),
        Command::Rates(a) => rates_cmd(&a),
        Command::Analyze(a) => analyze_cmd(&a),
        Command::Explain { id } => explain(id.as_deref()),
        Command::Timeline(a) => timeline_cmd(&a),
        Command::Simulate(a) => simulate_cmd(&a),
        Command::Classify(a) => classify_cmd(&a),
        Command::Report(_) | Command::Batch(_) => {
            bail!("this command is not available in this version of blastradius")
        }
    }
}

/// Expands paths, recording the ones that cannot be read as failed files.
fn inputs(paths: &[PathBuf]) -> (Vec<Input>, Vec<FileAccount>) {
    let (inputs, errors) = discover(paths);
    let failed = errors
        .into_iter()
        .map(|(file, e)| FileAccount { file, error: Some(format!("cannot read: {e}")), ..Default::default() })
        .collect();
    (inputs, failed)
}

/// Adds unreadable paths to the accounting, prints it, and decides the exit code.
fn conclude(mut acc: Accounting, unreadable: Vec<FileAccount>, quiet: bool) -> anyhow::Result<ExitCode> {
    acc.files.extend(unreadable);
    if !quiet || acc.events == 0 || acc.failed_files().next().is_some() {
        print::accounting(&acc);
    }
    if acc.events == 0 {
        return Err(crate::Error::NothingRead(acc.why_nothing()).into());
    }
    Ok(if acc.failed_files().next().is_some() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn ingest_cmd(a: &IngestArgs) -> anyhow::Result<ExitCode> {
    let mut opts = a.read.options();
    opts.keep_rejected_lines = a.quarantine.is_some();
    let (inputs, unreadable) = inputs(&a.paths);
    let bar = print::Bar::new(ingest::source_size(&inputs), a.read.quiet);
    let mut quarantine = match &a.quarantine {
        Some(p) => Some(BufWriter::new(File::create(p).with_context(|| format!("creating {}", p.display()))?)),
        None => None,
    };
    let result = crate::frame::ingest_to_parquet(
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
    conclude(acc, unreadable, a.read.quiet)
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
        print!("{}", crate::text::for_terminal_lines(&String::from_utf8_lossy(&buf)));
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
    let (inputs, unreadable) = inputs(&a.paths);
    let bar = print::Bar::new(ingest::source_size(&inputs), a.read.quiet);
    let result = rates::compute(&inputs, &opts, &bar, a.bucket, a.by_host);
    bar.finish();
    let (table, acc) = result?;
    if acc.events > 0 {
        write_table(&table, a.output_format, a.output.as_deref())?;
    }
    conclude(acc, unreadable, a.read.quiet)
}

/// The bundled sample: `samples/` in the working directory, else beside the crate.
fn default_sample() -> PathBuf {
    let here = PathBuf::from("samples");
    if here.is_dir() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn summary(acc: &Accounting, unreadable: usize) -> InputSummary {
    InputSummary {
        files: (acc.files.len() + unreadable) as u64,
        lines: acc.lines,
        events: acc.events,
        rejected: acc.rejected,
        duplicates: acc.duplicates,
    }
}

fn timeline_cmd(a: &TimelineArgs) -> anyhow::Result<ExitCode> {
    let opts = a.read.options();
    let (inputs, unreadable) = inputs(&a.paths);
    let bar = print::Bar::new(ingest::source_size(&inputs), a.read.quiet);
    let result = rates::compute(&inputs, &opts, &bar, a.method.bucket, true);
    bar.finish();
    let (table, acc) = result?;
    if acc.events > 0 {
        let tl = timeline::build(&table, summary(&acc, unreadable.len()), &a.method.params());
        match a.output_format {
            TimelineFormat::Json => println!("{}", serde_json::to_string_pretty(&tl)?),
            TimelineFormat::Table => println!("{}", print::timeline(&tl)),
        }
    }
    conclude(acc, unreadable, a.read.quiet)
}

fn simulate_cmd(a: &SimulateArgs) -> anyhow::Result<ExitCode> {
    if !(a.scale > 0.0 && a.scale <= 100.0) {
        bail!("--scale must be above 0 and at most 100");
    }
    let opts = crate::simulate::SimOptions { scenario: a.scenario, seed: a.seed, scale: a.scale };
    let truth = if a.captures {
        crate::simulate::simulate_with_captures(&opts, &a.out)?.0
    } else {
        crate::simulate::simulate(&opts, &a.out)?
    };
    eprintln!(
        "wrote {} ({} files, {} lines, {} incidents in truth.json)",
        crate::text::for_terminal(&a.out.display().to_string()),
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
    let (inputs, unreadable) = inputs(&a.paths);
    let (mut df, acc) = crate::frame::read_events(&inputs, &opts)?;
    let params = signatures::oauth_loop::LoopParams {
        round_trips: usize::try_from(a.oauth_round_trips).unwrap_or(3),
        window_ns: a.oauth_window.saturating_mul(1_000_000_000),
    };
    signatures::classify_with(&mut df, params)?;
    let join = crate::join::join(&df, crate::join::JoinParams::default())?;
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
            .with_compression(crate::frame::PARQUET_COMPRESSION)
            .finish(&mut df)?;
    } else {
        let mut rows = crate::classify::rows(&df, Some(&join))?;
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
    conclude(acc, unreadable, a.read.quiet)
}

fn analyze_cmd(a: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let paths = if a.paths.is_empty() { vec![default_sample()] } else { a.paths.clone() };
    let name = paths
        .first()
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "incident".to_string());
    let out = a.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(&name));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let opts = a.read.options();
    let (inputs, unreadable) = inputs(&paths);
    let bar = print::Bar::new(ingest::source_size(&inputs), a.read.quiet);
    let mut sink = ParquetSink::create(&out.join("events.parquet"))?;
    let bucket_ns = a.method.bucket * 1_000_000_000;
    let mut table = RatesTable::new(bucket_ns, true);
    let collector = (EventCollector, RatesCollector { bucket_ns, by_host: true });
    let result = ingest::run(
        &inputs,
        &opts,
        &bar,
        &collector,
        |(events, part), _ctx, off| {
            part.merge_into(&mut table);
            sink.push(events, off)
        },
        None,
    );
    bar.finish();
    let acc = result?;
    sink.finish()?;
    if acc.events > 0 {
        let tl = timeline::build(&table, summary(&acc, unreadable.len()), &a.method.params());
        println!("{}", print::timeline(&tl));
        let mut accounting = acc.clone();
        accounting.files.extend(unreadable.iter().cloned());
        let report = Report {
            name,
            command: std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" "),
            version: env!("CARGO_PKG_VERSION").to_string(),
            bucket_seconds: a.method.bucket,
            timeline: tl,
            accounting,
        };
        write_file(&out.join("timeline.json"), serde_json::to_string_pretty(&report.timeline)?.as_bytes())?;
        write_file(&out.join("accounting.json"), serde_json::to_string_pretty(&report.accounting)?.as_bytes())?;
        write_file(&out.join("report.md"), crate::report::markdown::render(&report).as_bytes())?;
        eprintln!(
            "wrote {}: report.md, timeline.json, events.parquet, accounting.json",
            crate::text::for_terminal(&out.display().to_string())
        );
    }
    conclude(acc, unreadable, a.read.quiet)
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn explain(id: Option<&str>) -> anyhow::Result<ExitCode> {
    match id {
        Some(id) => {
            let Some(sig) = signatures::Signature::from_id(id) else {
                let ids: Vec<&str> = signatures::ALL.iter().map(|s| s.id()).collect();
                bail!("unknown signature `{id}` (known: {})", ids.join(", "));
            };
            println!("{}", sig.info().doc.trim_end());
        }
        None => {
            for s in signatures::REGISTRY {
                let first = s.doc.lines().next().unwrap_or("");
                println!(
                    "{:<14} {:<7} {}",
                    s.signature.id(),
                    format!("{:?}", s.blame).to_lowercase(),
                    first.replace('`', "")
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
