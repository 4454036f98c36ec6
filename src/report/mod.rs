//! Reports: a finished [`Report`] rendered by one writer per format. Writers render; every
//! number they show is already in the report, derived in [`model`] from the rates table, the
//! timeline and the accounting.

pub mod batch;
pub mod common;
pub mod forensics;
pub mod html;
pub mod incidents;
pub mod markdown;
pub mod model;
pub mod signals;
pub mod svg;
pub mod users;

use std::path::Path;

use serde::Serialize;

use crate::ingest::Accounting;
use crate::rates::RatesTable;
use crate::timeline::Timeline;
use model::{Charts, Entry, IncidentSummary, InputReport, SourceCounts, SourceSummary};

/// Everything a report shows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Incident name (the input directory's name).
    pub name: String,
    /// The command line that produced it.
    pub command: String,
    /// blastradius version.
    pub version: String,
    /// Bucket width, seconds.
    pub bucket_seconds: i64,
    /// The timeline.
    pub timeline: Timeline,
    /// Where every input line went.
    pub accounting: Accounting,
    /// The input as the report shows it: per format, files with problems, rejected lines.
    pub input: InputReport,
    /// One headline per incident.
    pub incidents: Vec<IncidentSummary>,
    /// The rows of the timeline table.
    pub entries: Vec<Entry>,
    /// The date (`YYYY-MM-DD`) of every row of the timeline table, when they share one: the
    /// table then shows times of day only.
    pub entries_date: Option<String>,
    /// Chart data.
    pub charts: Charts,
    /// Counts per source kind.
    pub sources: Vec<SourceSummary>,
    /// The "what users saw" section: user-side events ([`crate::vocab::source::SourceKind::is_user_side`]), their
    /// signatures and the edge's verdicts (none when there is no such evidence).
    pub users: Option<users::UsersSection>,
}

/// What identifies a report: its name, the command line and the version that produced it.
#[derive(Debug, Clone)]
pub struct Meta {
    /// Incident name.
    pub name: String,
    /// The command line.
    pub command: String,
    /// blastradius version.
    pub version: String,
}

impl Report {
    /// Builds a report from a rates table split by host, its timeline, the accounting and the
    /// counts per source kind.
    pub fn build(
        meta: Meta,
        table: &RatesTable,
        timeline: Timeline,
        accounting: Accounting,
        sources: &SourceCounts,
    ) -> Report {
        let sources = model::sources(sources);
        let entries = model::entries(&timeline);
        let entries_date = model::common_date(entries.iter().map(|e| e.time));
        Report {
            name: meta.name,
            command: meta.command,
            version: meta.version,
            bucket_seconds: table.bucket_ns / 1_000_000_000,
            incidents: model::summaries(&timeline),
            entries,
            entries_date,
            charts: model::charts(table, &timeline),
            input: model::input(&accounting),
            timeline,
            accounting,
            sources,
            users: None,
        }
    }

    /// Writes `report.html`, `report.md` with its charts as SVG files, `timeline.json` and
    /// `accounting.json` into `dir`.
    pub fn write_to(&self, dir: &Path) -> crate::Result<Vec<&'static str>> {
        let charts = svg::render_all(self)?;
        let write = |name: &str, bytes: &[u8]| {
            std::fs::write(dir.join(name), bytes).map_err(|e| crate::Error::io(dir.join(name), e))
        };
        write("report.html", html::render(self, &charts)?.as_bytes())?;
        write("report.md", markdown::render(self).as_bytes())?;
        for (file, svg) in charts.files() {
            write(file, svg.as_bytes())?;
        }
        write("timeline.json", serde_json::to_string_pretty(&self.timeline).map_err(crate::Error::from)?.as_bytes())?;
        write(
            "accounting.json",
            serde_json::to_string_pretty(&self.accounting).map_err(crate::Error::from)?.as_bytes(),
        )?;
        let mut files = vec!["report.html", "report.md"];
        files.extend(charts.files().map(|(f, _)| f));
        files.extend(["timeline.json", "accounting.json"]);
        Ok(files)
    }
}
