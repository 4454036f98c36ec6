//! Counting and folding of cohort values, in chunks and merged tables.

use super::*;

fn one(t: &mut CohortTable, v: &str) {
    t.add((0, "FRA".into(), 1, v.into()), &CohortCounts { requests: 2, failures: 1 });
}

#[test]
fn a_full_dimension_folds_new_values_and_counts_them() {
    let mut t = CohortTable::new(60);
    for i in 0..MAX_VALUES + 10 {
        one(&mut t, &format!("h{i}"));
    }
    one(&mut t, OTHER); // `(other)` as a value does not take a place nor count as folded
    one(&mut t, "h0"); // a kept value stays kept
    let rows = t.rows();
    assert_eq!(rows.len(), MAX_VALUES + 1);
    assert_eq!(t.folded[1], 20);
    assert_eq!(rows.get(&(0, "FRA".into(), 1, OTHER.into())).map(|c| c.requests), Some(22));
    assert_eq!(rows.get(&(0, "FRA".into(), 1, "h0".into())).map(|c| c.requests), Some(4));
}

#[test]
fn a_part_counts_every_folded_event_and_repeated_values_once_each() {
    let format = crate::formats::by_id("cloudflare_logpush").unwrap();
    let ctx = ChunkCtx { file_index: 0, file: "f", format };
    let c = CohortCollector { bucket_ns: 60_000_000_000 };
    let mut part = c.new_part(&ctx);
    let host = |h: String, pop: &'static str, status: u16| Event {
        time_ns: 1_000_000_000,
        pop: Some(pop.into()),
        host: Some(h.into()),
        edge_status: Some(status),
        ..Event::default()
    };
    let mut pushes = 0u64;
    for i in 0..MAX_VALUES + 5 {
        // Each value twice in a row, the second time at another POP and failing.
        c.push(&mut part, &host(format!("h{i}"), "FRA", 200), 1);
        c.push(&mut part, &host(format!("h{i}"), "AMS", 502), 1);
        pushes += 2;
    }
    let mut t = CohortTable::new(60_000_000_000);
    part.merge_into(&mut t);
    let rows = t.rows();
    let hosts: Vec<_> = rows.iter().filter(|(k, _)| k.2 == 1).collect();
    assert_eq!(t.folded[1], 10, "both events of each of the 5 values past the cap are folded");
    assert_eq!(hosts.iter().map(|(_, c)| c.requests).sum::<u64>(), pushes);
    assert_eq!(hosts.iter().map(|(_, c)| c.failures).sum::<u64>(), pushes / 2);
    let other = |pop: &str| rows.get(&(0, pop.into(), 1, OTHER.into())).map(|c| (c.requests, c.failures));
    assert_eq!(other("FRA"), Some((5, 0)));
    assert_eq!(other("AMS"), Some((5, 5)));
    assert_eq!(rows.get(&(0, "AMS".into(), 1, "h7".into())).map(|c| (c.requests, c.failures)), Some((1, 1)));
}

#[test]
fn merging_tables_folds_past_the_cap_in_key_order() {
    let (mut a, mut b) = (CohortTable::new(60), CohortTable::new(60));
    for i in 0..3000 {
        one(&mut a, &format!("a{i:04}"));
        one(&mut b, &format!("b{i:04}"));
    }
    a.merge(&b);
    assert_eq!(a.len(), MAX_VALUES + 1);
    assert_eq!(a.folded[1], 2 * (6000 - MAX_VALUES as u64));
    let rows = a.rows();
    assert!(rows.contains_key(&(0, "FRA".into(), 1, "b1095".into())));
    assert!(!rows.contains_key(&(0, "FRA".into(), 1, "b1096".into())));
    let total: u64 = rows.values().map(|c| c.requests).sum();
    assert_eq!(total, 12_000);
}
