//! The command line: argument definitions, and the only code that prints.

mod commands;
mod extra;

mod print;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use blastradius::ingest::IngestOptions;
use blastradius::rates::OutputFormat;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (rejected and duplicate lines are counted in the accounting, not errors)
  1  finished, but some input could not be read entirely (missing or unreadable file, a file
     that fits no format, truncated compression, a size limit), or (batch) some incident
     directories failed; the output covers the rest
  2  error: bad arguments, nothing could be read, or an output could not be written

NO_COLOR is respected; nothing is coloured. Log content printed to the terminal is stripped of
control and escape sequences.";

/// blastradius: incident log forensics for CDN edge logs.
///
/// Reads CDN and server logs (Cloudflare Logpush, AWS CloudFront, Akamai DataStream 2, Fastly,
/// nginx and Apache; plain, gzip or zstd; files, directories or stdin; the format detected per
/// file) into a columnar event frame with every line accounted for: lines read = events +
/// rejected + duplicates.
#[derive(Debug, Parser)]
#[command(name = "blastradius", version, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read logs into the canonical event frame and write it as Parquet.
    #[command(after_help = EXIT_CODES)]
    Ingest(IngestArgs),
    /// Requests and errors per time bucket × POP, the first table to look at.
    #[command(after_help = EXIT_CODES)]
    Rates(RatesArgs),
    /// The whole job: `report`, plus the timeline printed as tables.
    #[command(after_help = EXIT_CODES)]
    Analyze(AnalyzeArgs),
    /// Per-POP and per-region incident timeline: onset, peak, recovery, flapping, propagation
    /// and edge-vs-origin attribution.
    #[command(after_help = EXIT_CODES)]
    Timeline(TimelineArgs),
    /// Write a simulated incident as Logpush bucket directories plus its `truth.json`.
    Simulate(SimulateArgs),
    /// Print the documentation of a signature (all signatures when no id is given).
    Explain {
        /// A signature id such as `edge_500`.
        id: Option<String>,
    },
    /// Per-event signatures with their evidence: one line per event (HAR entries by index,
    /// other sources by line).
    #[command(after_help = EXIT_CODES)]
    Classify(ClassifyArgs),
    /// Analyze logs and write the report directory: `report.html` (self-contained), `report.md`
    /// with its charts as SVG files, `timeline.json`, `accounting.json` and `events.parquet`.
    #[command(after_help = EXIT_CODES)]
    Report(AnalyzeArgs),
    /// Treat each subdirectory of DIR as one incident: a report for each, in parallel, and an
    /// index comparing them (`index.html`, `index.md`).
    #[command(after_help = EXIT_CODES)]
    Batch(BatchArgs),
    /// Who was hit: per incident, the values (zone, host, path prefix, security action, cache
    /// status, protocol, TLS version, country, method) that separate failing requests from
    /// healthy ones, with their share of the failures, error rate, lift and POPs.
    #[command(after_help = EXIT_CODES)]
    Cohorts(CohortsArgs),
    /// Compare two incidents side by side: shape, duration, share of traffic and of POPs,
    /// signatures, cohorts, regions. A and B are report directories (their `timeline.json`)
    /// or inputs (analysed first).
    #[command(after_help = EXIT_CODES)]
    Compare(CompareArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Options shared by every command that reads logs.
#[derive(Debug, Args, Clone)]
pub struct ReadArgs {
    /// Input format, overriding detection from each file's content: `cloudflare_logpush`,
    /// `cloudfront_standard`, `cloudfront_realtime`, `akamai_datastream2`, `fastly_json`,
    /// `fastly_syslog`, `combined` (nginx/Apache combined or common), `nginx_log_format` (with
    /// --log-format), `har`, `client_log`.
    #[arg(long, value_name = "ID")]
    pub input_format: Option<String>,
    /// An nginx `log_format` (the directive or its quoted string) describing access-log lines;
    /// files that match it are read with it, so `$upstream_status`, `$upstream_response_time` and
    /// `$request_time` become origin status, origin duration and duration.
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Longest accepted line; longer lines are rejected and skipped. Accepts K, M, G suffixes.
    #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = parse_size)]
    pub max_line_bytes: u64,
    /// Largest accepted file, decompressed; reading stops there with an error. K, M, G suffixes.
    #[arg(long, value_name = "BYTES", default_value = "64G", value_parser = parse_size)]
    pub max_file_bytes: u64,
    /// Largest HAR entry or multi-line client log record read whole; a larger one is rejected and
    /// skipped. Accepts K, M, G suffixes.
    #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_size)]
    pub max_record_bytes: u64,
    /// Copy cookies, authorization headers and token-like values into the outputs instead of
    /// replacing them with `[REDACTED]`.
    #[arg(long)]
    pub keep_secrets: bool,
    /// Keep events whose request id (`RayID`) was already seen instead of dropping them.
    #[arg(long)]
    pub no_dedup: bool,
    /// Parser threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// No progress bar and no accounting summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Read only events from this time on (RFC 3339, or `2025-11-18 11:20` in UTC): day
    /// folders and Logpush objects or files named for earlier times are not read at all, and
    /// earlier events are counted as filtered.
    #[arg(long, value_name = "TIME", value_parser = blastradius::ingest::parse_time)]
    pub since: Option<i64>,
    /// Read only events before this time (same forms as --since).
    #[arg(long, value_name = "TIME", value_parser = blastradius::ingest::parse_time)]
    pub until: Option<i64>,
    /// Object storage endpoint for s3:// and r2:// URLs (an S3-compatible server such as
    /// `http://127.0.0.1:9000`), az:// (the blob endpoint) or gs:// (the API base URL).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// S3 region (default: `AWS_REGION` or the profile's; `auto` for r2://).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
}

impl ReadArgs {
    fn options(&self) -> IngestOptions {
        IngestOptions {
            max_line_bytes: usize::try_from(self.max_line_bytes).unwrap_or(usize::MAX),
            max_file_bytes: self.max_file_bytes,
            dedup: !self.no_dedup,
            threads: self.threads,
            format: self.input_format.clone(),
            max_record_bytes: usize::try_from(self.max_record_bytes).unwrap_or(usize::MAX),
            keep_secrets: self.keep_secrets,
            log_format: self.log_format.clone(),
            window: blastradius::ingest::Window { since: self.since, until: self.until },
            store: blastradius::store::StoreOptions {
                endpoint: self.endpoint.clone(),
                region: self.region.clone(),
                ..blastradius::store::StoreOptions::default()
            },
            ..IngestOptions::default()
        }
    }
}

/// `blastradius ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files, directories (walked recursively) or object storage URLs (`s3://bucket/prefix/`,
    /// `r2://`, `gs://`, `az://`, `https://`); `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The Parquet file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Write every rejected line, verbatim, to this file (lines over the length limit are
    /// written truncated to the limit).
    #[arg(long, value_name = "FILE")]
    pub quarantine: Option<PathBuf>,
    /// Shared reading options.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `blastradius rates`.
#[derive(Debug, Args)]
pub struct RatesArgs {
    /// Files, directories (walked recursively) or object storage URLs (`s3://bucket/prefix/`,
    /// `r2://`, `gs://`, `az://`, `https://`); `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Bucket width: 60s, 1m, 5m, 1h, or seconds.
    #[arg(long, default_value = "1m", value_parser = blastradius::duration::parse_seconds)]
    pub bucket: i64,
    /// Split rows by host as well.
    #[arg(long)]
    pub by_host: bool,
    /// Output format.
    #[arg(long = "format", short = 'f', value_enum, default_value_t = OutputFormat::Table, id = "output_format")]
    pub output_format: OutputFormat,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Shared reading options.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Options of the timeline method.
#[derive(Debug, Args, Clone)]
pub struct MethodArgs {
    /// Bucket width: 60s, 1m, 5m, or seconds.
    #[arg(long, default_value = "1m", value_parser = blastradius::duration::parse_seconds)]
    pub bucket: i64,
    /// Smallest rise of a POP's edge-error rate above its baseline that counts as failing
    /// (0.01 = one point); smaller rises are never incidents, larger ones must also be far
    /// beyond chance at the POP's volume.
    #[arg(long, default_value_t = 0.01, value_name = "RATE")]
    pub min_excess: f64,
    /// Minimum failing time for an incident at one POP (shorter blips are ignored).
    #[arg(long, default_value = "3m", value_parser = blastradius::duration::parse_seconds)]
    pub min_failing: i64,
    /// A quiet period to measure each POP's baseline in, `FROM..TO` in RFC 3339
    /// (`2025-11-18T09:00:00Z..2025-11-18T11:00:00Z`); by default baselines come from the
    /// input's healthy stretches and what healthy POPs show.
    #[arg(long, value_name = "FROM..TO", value_parser = blastradius::duration::parse_period)]
    pub baseline: Option<blastradius::duration::Period>,
    /// Recorded changes to place against each incident: CSV or JSON (time, what, scope/POPs,
    /// optional zones and `period_seconds`) or a Cloudflare audit-log export. Each incident ranks
    /// them by lag to its onset and says whether its onset pattern fits each one's scope.
    #[arg(long, value_name = "FILE")]
    pub changes: Option<PathBuf>,
}

impl Default for MethodArgs {
    fn default() -> Self {
        MethodArgs { bucket: 60, min_excess: 0.01, min_failing: 180, baseline: None, changes: None }
    }
}

impl MethodArgs {
    /// The checked method (NaN, infinities and out-of-range values refused).
    pub fn method(&self) -> Result<blastradius::analyze::Method, blastradius::Error> {
        let m = blastradius::analyze::Method::new(
            self.bucket,
            self.min_excess,
            self.min_failing,
            self.baseline.map(|b| (b.from, b.to)),
        )?;
        Ok(match &self.changes {
            Some(path) => m.with_changes(blastradius::changes::read(path)?),
            None => m,
        })
    }
}

/// `blastradius classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Files, directories (walked recursively) or object storage URLs (`s3://bucket/prefix/`,
    /// `r2://`, `gs://`, `az://`, `https://`); `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format: one JSON object per event, a terminal table, or Parquet (needs `-o`).
    #[arg(long = "format", short = 'f', value_enum, default_value_t = ClassifyFormat::Ndjson, id = "output_format")]
    pub output_format: ClassifyFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only events with a signature.
    #[arg(long)]
    pub failures_only: bool,
    /// Sign-in loop: authorize→callback round trips that make a loop (N).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub oauth_round_trips: u64,
    /// Sign-in loop: the window the round trips must fall in (T), e.g. `60s`, `2m`.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = blastradius::duration::parse_seconds)]
    pub oauth_window: i64,
    /// Shared reading options.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Output formats of `classify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClassifyFormat {
    /// One JSON object per line.
    Ndjson,
    /// A table for the terminal.
    Table,
    /// Apache Parquet (the event frame plus `signature` and `evidence`).
    Parquet,
}

/// `blastradius timeline`.
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Files, directories (walked recursively) or object storage URLs (`s3://bucket/prefix/`,
    /// `r2://`, `gs://`, `az://`, `https://`); `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long = "format", short = 'f', value_enum, default_value_t = TimelineFormat::Json, id = "output_format")]
    pub output_format: TimelineFormat,
    /// Method options.
    #[command(flatten)]
    pub method: MethodArgs,
    /// Shared reading options.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Output formats of `timeline` and `batch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TimelineFormat {
    /// JSON: the timeline document for `timeline` (schema: `schema/timeline.schema.json`), the
    /// index for `batch`.
    Json,
    /// Tables for the terminal.
    Table,
}

/// `blastradius simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Scenario: nov18, regional, origin, quiet, partial, push or dec5.
    #[arg(long, value_parser = parse_scenario)]
    pub scenario: blastradius::simulate::Scenario,
    /// Directory to write (created).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Random seed (the same seed gives byte-identical files).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Traffic volume multiplier.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Also write what users captured: HAR files and client logs in `captures/`, with the
    /// signature each event should get in `captures_truth.json`.
    #[arg(long)]
    pub captures: bool,
}

fn parse_scenario(s: &str) -> Result<blastradius::simulate::Scenario, String> {
    blastradius::simulate::Scenario::from_name(s).ok_or_else(|| {
        let names: Vec<&str> =
            blastradius::simulate::Scenario::ALL.iter().map(blastradius::simulate::Scenario::name).collect();
        format!("unknown scenario `{s}` (known: {})", names.join(", "))
    })
}

/// `blastradius batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Directories whose subdirectories are incidents.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Where to write the index and one report directory per incident (default:
    /// `reports/<name of the first DIR>`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Incidents analysed at once (default: one per core, at most 4).
    #[arg(long, short, value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// What to print when done: a table, or the index as JSON.
    #[arg(long = "format", short = 'f', value_enum, default_value_t = TimelineFormat::Table, id = "output_format")]
    pub output_format: TimelineFormat,
    /// Method options.
    #[command(flatten)]
    pub method: MethodArgs,
    /// Shared reading options.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `blastradius analyze` and `blastradius report`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Files, directories or object storage URLs (`s3://bucket/prefix/`, `r2://`, `gs://`,
    /// `az://`, `https://`; default: the bundled `samples/`).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Report directory (default: `reports/<name of the first input>`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Method options.
    #[command(flatten)]
    pub method: MethodArgs,
    /// Shared reading options.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `blastradius cohorts`.
#[derive(Debug, Args)]
pub struct CohortsArgs {
    /// Files or directories (walked recursively); `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format: tables, or the incidents' cohorts as JSON.
    #[arg(long = "format", short = 'f', value_enum, default_value_t = TimelineFormat::Table, id = "output_format")]
    pub output_format: TimelineFormat,
    /// Method options.
    #[command(flatten)]
    pub method: MethodArgs,
    /// Shared reading options.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `blastradius compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The first incident: a report directory or inputs (a file or directory of logs).
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// The second incident.
    #[arg(value_name = "B")]
    pub b: PathBuf,
    /// Output format.
    #[arg(long = "format", short = 'f', value_enum, default_value_t = CompareFormat::Table, id = "output_format")]
    pub output_format: CompareFormat,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Method options (for inputs that are analysed).
    #[command(flatten)]
    pub method: MethodArgs,
    /// Shared reading options.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Output formats of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    /// A table for the terminal.
    Table,
    /// Markdown.
    Markdown,
    /// A self-contained HTML page.
    Html,
    /// JSON.
    Json,
}

/// Parses a byte size with an optional K/M/G suffix (powers of 1024).
#[allow(clippy::many_single_char_names)]
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'B' => 1,
                _ => return Err(format!("`{s}`: unknown size suffix (use K, M or G)")),
            };
            (t.get(..i).unwrap_or(""), m)
        }
        _ => (t, 1),
    };
    let n: u64 = num.trim().parse().map_err(|_| format!("`{s}` is not a size like 1048576, 512K, 1M or 2G"))?;
    n.checked_mul(mult).ok_or_else(|| format!("`{s}` is too large"))
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            print::error(&e);
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1M"), Ok(1 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("1T").is_err());
        assert!(parse_size("99999999999G").is_err());
    }
}
