//! The index of a batch: one row per incident directory, comparing them. Built from finished
//! reports (or the error that stopped one); rendered as `index.html` and `index.md`.

use std::fmt::Write;

use serde::Serialize;

use super::common::{md_code, md_escape as e, path_segment};
use super::Report;
use crate::timeline::model::{Attribution, Scope};

/// How an incident directory's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every input was read.
    Ok,
    /// A report was written, but some input could not be read entirely.
    Partial,
    /// No report: the error says why.
    Failed,
}

/// One incident directory in the index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexRow {
    /// The directory's name.
    pub name: String,
    /// How the run ended.
    pub status: Status,
    /// Why it failed, or which inputs could not be read.
    pub error: Option<String>,
    /// Incidents found.
    pub incidents: usize,
    /// The main incident (most POPs, then earliest): its id.
    pub incident: Option<String>,
    /// Its attribution.
    pub attribution: Option<Attribution>,
    /// Its scope.
    pub scope: Option<Scope>,
    /// Its onset.
    pub onset: Option<crate::vocab::time::Timestamp>,
    /// Its duration, seconds.
    pub duration_seconds: Option<i64>,
    /// POPs it affected.
    pub pops_affected: usize,
    /// POPs seen in the logs.
    pub pops_total: usize,
    /// Regions of the affected POPs.
    pub regions: Vec<String>,
    /// Its dominant signature.
    pub dominant_signature: Option<String>,
    /// Events read.
    pub events: u64,
    /// The directory's other incidents, largest first (the main one is the row itself).
    pub others: Vec<IndexIncident>,
    /// Its shape: `step`, `flapping` or `ramp` ([`crate::compare::shape`]).
    #[serde(default)]
    pub shape: Option<String>,
    /// Who was hit: its headline cohort in one sentence.
    #[serde(default)]
    pub cohort: Option<String>,
}

/// One more incident of a directory, for the index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexIncident {
    /// Its id in the directory's report.
    pub id: String,
    /// Its attribution.
    pub attribution: Attribution,
    /// Its scope.
    pub scope: Scope,
    /// Its onset.
    pub onset: Option<crate::vocab::time::Timestamp>,
    /// Its duration, seconds.
    pub duration_seconds: Option<i64>,
    /// POPs it affected.
    pub pops: usize,
    /// Regions of the affected POPs.
    pub regions: Vec<String>,
    /// Its dominant signature.
    pub dominant_signature: Option<String>,
    /// Its errors.
    pub errors: u64,
}

impl IndexRow {
    /// The row of a finished report; `error` lists inputs that could not be read.
    pub fn from_report(r: &Report, error: Option<String>) -> IndexRow {
        // Largest first: most POPs, then most errors, then earliest.
        let mut ranked: Vec<&super::incidents::IncidentSummary> = r.incidents.iter().collect();
        ranked.sort_by(|a, b| b.pops.cmp(&a.pops).then(b.errors.cmp(&a.errors)).then(a.onset.cmp(&b.onset)));
        let main = ranked.first().copied();
        let others = ranked
            .iter()
            .skip(1)
            .map(|i| IndexIncident {
                id: i.id.clone(),
                attribution: i.attribution,
                scope: i.scope,
                onset: i.onset,
                duration_seconds: i.duration_seconds,
                pops: i.pops,
                regions: i.regions.clone(),
                dominant_signature: i.dominant_signature.clone(),
                errors: i.errors,
            })
            .collect();
        IndexRow {
            name: r.name.clone(),
            status: if error.is_some() { Status::Partial } else { Status::Ok },
            error,
            incidents: r.incidents.len(),
            incident: main.map(|i| i.id.clone()),
            attribution: main.map(|i| i.attribution),
            scope: main.map(|i| i.scope),
            onset: main.and_then(|i| i.onset),
            duration_seconds: main.and_then(|i| i.duration_seconds),
            pops_affected: main.map_or(0, |i| i.pops),
            pops_total: r.timeline.pops.len(),
            regions: main.map(|i| i.regions.clone()).unwrap_or_default(),
            dominant_signature: main.and_then(|i| i.dominant_signature.clone()),
            events: r.accounting.events,
            others,
            shape: main
                .and_then(|m| r.timeline.incidents.iter().find(|i| i.id == m.id))
                .map(|i| crate::compare::shape(i).to_string()),
            cohort: main
                .and_then(|m| r.timeline.incidents.iter().find(|i| i.id == m.id))
                .and_then(|i| i.cohorts.as_ref()?.headline.as_ref().map(|h| h.summary.clone())),
        }
    }

    /// The row of a directory whose run failed.
    pub fn failed(name: String, error: String) -> IndexRow {
        IndexRow {
            name,
            status: Status::Failed,
            error: Some(error),
            incidents: 0,
            incident: None,
            attribution: None,
            scope: None,
            onset: None,
            duration_seconds: None,
            pops_affected: 0,
            pops_total: 0,
            regions: Vec::new(),
            dominant_signature: None,
            events: 0,
            others: Vec::new(),
            shape: None,
            cohort: None,
        }
    }
}

/// The index of a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    /// The command line that produced it.
    pub command: String,
    /// blastradius version.
    pub version: String,
    /// One row per incident directory, in name order.
    pub rows: Vec<IndexRow>,
    /// Rows whose run failed.
    pub failed: usize,
}

impl Index {
    /// An index over rows (sorted by name).
    pub fn new(command: String, version: String, mut rows: Vec<IndexRow>) -> Index {
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        let failed = rows.iter().filter(|r| r.status == Status::Failed).count();
        Index { command, version, rows, failed }
    }
}

/// Renders the index as Markdown.
pub fn markdown(x: &Index) -> String {
    use super::common::blame;
    use crate::text::duration;
    let mut s = String::new();
    let _ = writeln!(s, "# Incident index\n");
    let _ = writeln!(
        s,
        "{} incident directories, {} failed. Generated by blastradius {}.\n",
        x.rows.len(),
        x.failed,
        e(&x.version)
    );
    let _ = writeln!(s, "| incident | status | attribution | scope | onset (UTC) | duration | POPs affected | regions | dominant signature | events | shape | who was hit |");
    let _ = writeln!(s, "|---|---|---|---|---|---|---:|---|---|---:|---|---|");
    for r in &x.rows {
        let attribution = r.attribution.map(|a| format!("{a:?}").to_lowercase());
        let name = match r.status {
            Status::Failed => e(&r.name),
            _ => format!("[{}]({}/report.md)", e(&r.name), path_segment(&r.name)),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            name,
            match r.status {
                Status::Ok => "ok".to_string(),
                Status::Partial => format!("partial: {}", e(r.error.as_deref().unwrap_or(""))),
                Status::Failed => format!("**failed**: {}", e(r.error.as_deref().unwrap_or(""))),
            },
            attribution.as_deref().map_or("—", blame),
            r.scope.map_or_else(|| "—".to_string(), |v| format!("{v:?}").to_lowercase()),
            crate::text::when(r.onset),
            r.duration_seconds.map_or_else(|| "—".to_string(), duration),
            if r.status == Status::Failed {
                "—".to_string()
            } else {
                format!("{} of {}", r.pops_affected, r.pops_total)
            },
            if r.regions.is_empty() {
                "—".to_string()
            } else {
                r.regions.iter().map(|g| e(g)).collect::<Vec<_>>().join(", ")
            },
            r.dominant_signature.as_deref().map_or_else(|| "—".to_string(), md_code),
            r.events,
            r.shape.as_deref().unwrap_or("—"),
            r.cohort.as_deref().map_or_else(|| "—".to_string(), e)
        );
        for o in &r.others {
            let _ = writeln!(
                s,
                "| ↳ {} | | {} | {} | {} | {} | {} of {} | {} | {} | | | |",
                e(&o.id),
                blame(&format!("{:?}", o.attribution).to_lowercase()),
                format!("{:?}", o.scope).to_lowercase(),
                crate::text::when(o.onset),
                o.duration_seconds.map_or_else(|| "—".to_string(), duration),
                o.pops,
                r.pops_total,
                if o.regions.is_empty() {
                    "—".to_string()
                } else {
                    o.regions.iter().map(|g| e(g)).collect::<Vec<_>>().join(", ")
                },
                o.dominant_signature.as_deref().map_or_else(|| "—".to_string(), md_code),
            );
        }
    }
    let _ = writeln!(
        s,
        "\nEach directory's incidents are listed largest first (most POPs, then most errors); the first row is its main incident.\n"
    );
    let _ = writeln!(s, "Produced with: {}", md_code(&x.command));
    s
}
