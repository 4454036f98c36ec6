//! Every registered signature has documentation and positive and negative fixtures, and the
//! signature column and the aggregate counts agree on them.

use blastradius::ingest::{discover, IngestOptions, NoProgress};
use blastradius::signatures::{classify, Signature, ALL, EVIDENCE, SIGNATURE, USER};

use crate::{fixture, read};

#[test]
fn every_signature_has_fixtures_that_hold() {
    for sig in ALL {
        let doc = sig.info().doc;
        for heading in ["## What it detects", "## Evidence", "## Example", "## False positives"] {
            assert!(doc.contains(heading), "{} lacks {heading}", sig.id());
        }
        for (kind, want) in [("positive", true), ("negative", false)] {
            // One fixture per kind, in any format (detected from content): `positive.ndjson`,
            // `positive.log`, ...
            let dir = fixture(&format!("signatures/{}", sig.id()));
            let path = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .map(|e| e.unwrap().path())
                .find(|p| p.file_stem().is_some_and(|s| s == kind))
                .unwrap_or_else(|| panic!("{} has no {kind} fixture", sig.id()));
            let (mut df, acc) = read(std::slice::from_ref(&path), &IngestOptions::default());
            assert_eq!(acc.rejected, 0);
            assert!(df.height() >= 3, "{}: {kind} fixture too small", sig.id());
            classify(&mut df).unwrap();
            let got: Vec<Option<&str>> = df.column(SIGNATURE).unwrap().str().unwrap().iter().collect();
            for (i, g) in got.iter().enumerate() {
                assert_eq!(*g == Some(sig.id()), want, "{} {kind} line {}: classified {g:?}", sig.id(), i + 1);
            }
            // The rates aggregate counts the same events.
            let (inputs, _) = discover(&[path]);
            let (t, _) =
                blastradius::rates::compute(&inputs, &IngestOptions::default(), &NoProgress, 60, false).unwrap();
            let expected = got.iter().filter(|g| **g == Some(sig.id())).count() as u64;
            assert_eq!(t.total().signature(sig), expected, "{}", sig.id());
        }
    }
    assert_eq!(Signature::from_id("nope"), None);
}

/// The fixture of a user-side signature, whatever its format (`.har` or `.log`).
fn user_fixture(id: &str, kind: &str) -> std::path::PathBuf {
    let dir = fixture(&format!("signatures/{id}"));
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_stem().is_some_and(|s| s == kind))
        .unwrap_or_else(|| panic!("{id} has no {kind} fixture"))
}

#[test]
fn every_user_side_signature_has_fixtures_that_hold() {
    for sig in USER {
        assert!(sig.info().doc.contains("## False positives"), "{}", sig.id());
        for (kind, want) in [("positive", true), ("negative", false)] {
            let path = user_fixture(sig.id(), kind);
            let (mut df, acc) = read(std::slice::from_ref(&path), &IngestOptions::default());
            assert_eq!(acc.rejected, 0, "{}", path.display());
            assert!(df.height() >= 3, "{}: {kind} fixture too small", sig.id());
            classify(&mut df).unwrap();
            let got: Vec<Option<&str>> = df.column(SIGNATURE).unwrap().str().unwrap().iter().collect();
            let ev: Vec<Option<&str>> = df.column(EVIDENCE).unwrap().str().unwrap().iter().collect();
            for (i, g) in got.iter().enumerate() {
                assert_eq!(
                    *g == Some(sig.id()),
                    want,
                    "{} {kind} record {}: classified {g:?} ({:?})",
                    sig.id(),
                    i + 1,
                    ev[i]
                );
                assert_eq!(g.is_some(), ev[i].is_some(), "a signature always comes with its evidence");
            }
        }
    }
}

#[test]
fn bot_score_missing_has_fixtures_that_hold_and_the_aggregate_agrees() {
    let sig = Signature::BotScoreMissing;
    for heading in ["## What it detects", "## Evidence", "## Example", "## False positives"] {
        assert!(sig.info().doc.contains(heading), "lacks {heading}");
    }
    for (kind, want) in [("positive", true), ("negative", false)] {
        let path = fixture(&format!("signatures/bot_score_missing/{kind}.ndjson"));
        let (mut df, acc) = read(std::slice::from_ref(&path), &IngestOptions::default());
        assert_eq!(acc.rejected, 0);
        assert!(df.height() >= 3);
        classify(&mut df).unwrap();
        let got: Vec<Option<&str>> = df.column(SIGNATURE).unwrap().str().unwrap().iter().collect();
        let ev: Vec<Option<&str>> = df.column(EVIDENCE).unwrap().str().unwrap().iter().collect();
        for (i, g) in got.iter().enumerate() {
            assert_eq!(*g == Some(sig.id()), want, "{kind} line {}: {g:?} ({:?})", i + 1, ev[i]);
        }
        if want {
            assert!(ev[0].unwrap().contains("bot_score 0 (Not Computed), security_action block"), "{:?}", ev[0]);
        }
        // The rates aggregate counts the same decisions, and every event's score.
        let (inputs, _) = discover(&[path]);
        let (t, _) = blastradius::rates::compute(&inputs, &IngestOptions::default(), &NoProgress, 60, false).unwrap();
        let expected = got.iter().filter(|g| **g == Some(sig.id())).count() as u64;
        assert_eq!(t.total().decisions_on_missing, expected, "{kind}");
        assert_eq!(t.total().bot_scored, df.height() as u64);
    }
}
