//! Per-file partials, merged in any order with cross-file de-duplication, give the table,
//! accounting and timeline of one run over every file.

use blastradius::ingest::{discover, IngestOptions, NoProgress};
use blastradius::rates::state::{self, FilePartial};
use blastradius::rates::{self, RatesTable};
use blastradius::timeline::{self, model::InputSummary, Params};

fn summary(acc: &blastradius::ingest::Accounting) -> InputSummary {
    InputSummary {
        files: acc.files.len() as u64,
        lines: acc.lines,
        events: acc.events,
        rejected: acc.rejected,
        duplicates: acc.duplicates,
        filtered: acc.filtered,
    }
}

#[test]
fn merged_file_partials_equal_one_run() {
    let logs = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/nov18/logs");
    let (inputs, errors) = discover(&[logs.into()]);
    assert!(errors.is_empty());
    assert!(inputs.len() > 10);
    let opts = IngestOptions::default();
    let (whole, acc) = rates::compute(&inputs, &opts, &NoProgress, 60, true).unwrap();
    assert!(acc.duplicates > 0, "the sample has duplicates to find");

    let parts: Vec<FilePartial> =
        inputs.iter().map(|i| state::file_partial(i, &opts, &NoProgress, 60_000_000_000, 7).unwrap()).collect();
    let in_file: u64 = parts.iter().map(|p| p.account.duplicates).sum();
    assert!(in_file < acc.duplicates, "some copies are in another file: only the merge finds them");

    // Merge in reverse order, through the exchange frame, as an engine would.
    let mut merged = RatesTable::new(60_000_000_000, true);
    let mut keyed = Vec::new();
    let mut accounts = Vec::new();
    for (i, p) in parts.iter().enumerate().rev() {
        let frame = state::to_frame(p, i as i64).unwrap();
        merged.merge(state::table_from_frame(&frame, 60_000_000_000).unwrap());
        accounts.extend(state::accounts_from_frame(&frame).unwrap());
        keyed.push((i as i64, p.keys.as_slice()));
    }
    accounts.sort_by_key(|(i, _)| *i);
    let removals = state::removals_of(&keyed);
    // table_from_frame merged keyed rows into `merged` too: rebuild from rates rows only.
    let mut rates_only = RatesTable::new(60_000_000_000, true);
    for p in parts.iter().rev() {
        rates_only.merge(p.table.clone());
    }
    let (table, total) = state::combine(rates_only, &removals, accounts.into_iter().map(|(_, a)| a).collect());
    assert_eq!(total.lines, acc.lines);
    assert_eq!(total.events, acc.events);
    assert_eq!(total.duplicates, acc.duplicates);
    assert_eq!(total.rejected, acc.rejected);
    assert_eq!(table, whole);

    let p = Params::default();
    let a = serde_json::to_value(timeline::build(&whole, summary(&acc), &p)).unwrap();
    let b = serde_json::to_value(timeline::build(&table, summary(&total), &p)).unwrap();
    assert_eq!(a, b);
    assert!(!a["incidents"].as_array().unwrap().is_empty());
    // The exchange frame carries rates and keys both: the keyed rows double the counts.
    assert!(merged.total().requests > table.total().requests);
}

#[test]
fn a_rates_frame_reads_back_with_its_latency_sketches() {
    let logs = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/nov18/logs/20251118");
    let (inputs, _) = discover(&[logs.into()]);
    let (whole, _) = rates::compute(&inputs[..40], &IngestOptions::default(), &NoProgress, 60, true).unwrap();
    assert!(!whole.latency.is_empty(), "the sample records time to first byte and origin time");
    let frame = state::rates_frame(&whole).unwrap();
    let back = state::table_from_frame(&frame, 60_000_000_000).unwrap();
    assert_eq!(back.latency, whole.latency);
    assert_eq!(back.rows, whole.rows);
}
