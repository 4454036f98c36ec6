//! What users captured: HAR archives and client/SDK logs, on our fixtures and the shared corpus,
//! and secrets kept out of every output.

use std::path::{Path, PathBuf};
use std::process::Command;

use blastradius::ingest::IngestOptions;
use blastradius::schema as s;
use polars::prelude::*;

use crate::{balanced, corpus, fixture, read};

fn strs(df: &DataFrame, col: &str) -> Vec<Option<String>> {
    let ca = df.column(col).unwrap().str().unwrap();
    (0..ca.len()).map(|i| ca.get(i).map(str::to_string)).collect()
}

fn u16s(df: &DataFrame, col: &str) -> Vec<Option<u16>> {
    let ca = df.column(col).unwrap().u16().unwrap();
    (0..ca.len()).map(|i| ca.get(i)).collect()
}

fn lines(df: &DataFrame) -> Vec<u64> {
    let ca = df.column(s::SOURCE_LINE).unwrap().u64().unwrap();
    (0..ca.len()).map(|i| ca.get(i).unwrap()).collect()
}

/// Every string cell of a frame, joined, to search for leaked values.
fn all_text(df: &DataFrame) -> String {
    let mut out = String::new();
    for c in df.columns() {
        if let Ok(ca) = c.str() {
            for v in (0..ca.len()).filter_map(|i| ca.get(i)) {
                out.push_str(v);
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn har_fixture_fields_and_redaction() {
    let (df, acc) = read(&[fixture("har/outage-chrome.har")], &IngestOptions::default());
    let acc = balanced(acc);
    assert_eq!((acc.lines, acc.events, acc.rejected), (4, 4, 0));
    assert_eq!(lines(&df), vec![1, 2, 3, 4], "source_line is the entry index + 1");
    let entry = df.column(s::ENTRY).unwrap().u64().unwrap().clone();
    assert_eq!((entry.get(0), entry.get(3)), (Some(0), Some(3)));
    assert_eq!(u16s(&df, s::EDGE_STATUS), vec![Some(500), Some(200), Some(302), Some(0)]);
    assert_eq!(strs(&df, s::SOURCE_KIND)[0].as_deref(), Some("har"));
    assert_eq!(strs(&df, s::POP)[..2], [Some("FRA".into()), Some("FRA".into())]);
    assert_eq!(strs(&df, s::REQUEST_ID)[0].as_deref(), Some("9a0f3c5d7e1b2a44"));
    assert_eq!(strs(&df, s::SERVER)[0].as_deref(), Some("cloudflare"));
    assert_eq!(strs(&df, s::PAGE)[0].as_deref(), Some("page_3"));
    assert!(strs(&df, s::BODY)[0].as_deref().unwrap().contains("<center>cloudflare</center>"));
    assert_eq!(strs(&df, s::ERROR)[1].as_deref(), Some("net::ERR_HTTP2_PROTOCOL_ERROR"));
    assert_eq!(strs(&df, s::CONTENT_TYPE)[1].as_deref(), Some("text/event-stream; charset=utf-8"));
    assert_eq!(strs(&df, s::ERROR)[3].as_deref(), Some("net::ERR_CERT_AUTHORITY_INVALID"));
    assert_eq!(
        strs(&df, s::REDIRECT_URL)[2].as_deref(),
        Some("https://chatgpt.example/api/auth/callback?code=[REDACTED]&state=s1")
    );
    assert_eq!(strs(&df, s::HOST)[2].as_deref(), Some("auth.chatgpt.example"));
    assert!(strs(&df, s::PATH)[2].as_deref().unwrap().ends_with("access_token=[REDACTED]"));
    let t = df.column(s::TIME).unwrap().datetime().unwrap().physical().get(0);
    assert_eq!(t, Some(1_763_465_278_101_000_000));
    assert_eq!(df.column(s::TTFB_MS).unwrap().u32().unwrap().get(0), Some(175));
    let text = all_text(&df);
    for secret in ["HARSESSIONCOOKIE1", "SETCOOKIESECRET2", "HARBEARERTOKEN3", "HARQUERYTOKEN4", "HAROAUTHCODE5"] {
        assert!(!text.contains(secret), "{secret} reached the frame");
    }
    // Asked for, the secrets are kept.
    let opts = IngestOptions { keep_secrets: true, ..IngestOptions::default() };
    let (df, _) = read(&[fixture("har/outage-chrome.har")], &opts);
    assert!(all_text(&df).contains("HAROAUTHCODE5"));
}

#[test]
fn broken_hars_name_the_file_and_the_others_go_on() {
    let paths = [fixture("har/entries-not-a-list.har"), fixture("har/truncated.har"), fixture("har/outage-chrome.har")];
    let (df, acc) = read(&paths, &IngestOptions::default());
    let acc = balanced(acc);
    assert_eq!(df.height(), 5, "4 entries of the good file and the one complete entry of the truncated one");
    let err = |name: &str| {
        acc.files.iter().find(|f| f.file.ends_with(name)).and_then(|f| f.error.clone()).unwrap_or_default()
    };
    assert!(err("entries-not-a-list.har").contains("`log.entries` is not a list"), "{acc:#?}");
    assert!(err("truncated.har").contains("ends inside entry 1"), "{acc:#?}");
    assert_eq!(err("outage-chrome.har"), "");
}

#[test]
fn every_corpus_har_entry_is_one_event() {
    let Some(dir) = corpus("har") else { return };
    let (df, acc) = read(std::slice::from_ref(&dir), &IngestOptions::default());
    let acc = balanced(acc);
    assert_eq!(acc.rejected, 0, "{:?}", acc.rejects);
    assert_eq!(df.height(), 116);
    // The oracle: the documents themselves, read whole.
    let files = strs(&df, s::SOURCE_FILE);
    let status = u16s(&df, s::EDGE_STATUS);
    let methods = strs(&df, s::METHOD);
    let line = lines(&df);
    let mut row = 0;
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for path in names {
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for (i, e) in doc["log"]["entries"].as_array().unwrap().iter().enumerate() {
            assert_eq!(files[row].as_deref(), Some(path.to_str().unwrap()));
            assert_eq!(line[row], i as u64 + 1);
            assert_eq!(status[row].map(u64::from), e["response"]["status"].as_u64(), "{} entry {i}", path.display());
            assert_eq!(methods[row].as_deref(), e["request"]["method"].as_str());
            row += 1;
        }
    }
    assert_eq!(row, 116);
}

/// The cookie, set-cookie and authorization values of each corpus HAR (at least 6 characters,
/// so that a value like `1` does not match everything), with the file they come from.
fn corpus_secrets(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        let file = path.display().to_string();
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for entry in doc["log"]["entries"].as_array().unwrap() {
            for side in ["request", "response"] {
                for h in entry[side]["headers"].as_array().into_iter().flatten() {
                    let name = h["name"].as_str().unwrap_or_default().to_ascii_lowercase();
                    let value = h["value"].as_str().unwrap_or_default();
                    let values: Vec<&str> = match name.as_str() {
                        // Every pair of a Cookie header; the first pair of each Set-Cookie line
                        // (the rest are attributes: path, domain, expiry).
                        "cookie" => value.split(';').collect(),
                        "set-cookie" => value.lines().filter_map(|l| l.split(';').next()).collect(),
                        "authorization" | "proxy-authorization" => vec![value],
                        _ => vec![],
                    };
                    for part in values {
                        out.push((file.clone(), part.split_once('=').map_or(part, |(_, v)| v).trim().to_string()));
                    }
                }
                for c in entry[side]["cookies"].as_array().into_iter().flatten() {
                    out.push((file.clone(), c["value"].as_str().unwrap_or_default().to_string()));
                }
            }
        }
    }
    out.retain(|(_, v)| v.len() >= 6);
    out.sort();
    out.dedup();
    out
}

#[test]
fn corpus_cookies_and_authorization_reach_no_output() {
    let Some(dir) = corpus("har") else { return };
    let secrets = corpus_secrets(&dir);
    assert!(secrets.len() > 20, "{secrets:?}");
    assert!(secrets.iter().any(|(_, s)| s == "abc-123"));
    let tmp = tempfile::tempdir().unwrap();
    let bin = || Command::new(env!("CARGO_BIN_EXE_blastradius"));
    // The frame as Parquet, and a quarantine file.
    let parquet = tmp.path().join("events.parquet");
    let q = tmp.path().join("q.ndjson");
    let st = bin().args(["ingest", "-q", "-o"]).arg(&parquet).arg("--quarantine").arg(&q).arg(&dir).output().unwrap();
    assert_eq!(st.status.code(), Some(0), "{}", String::from_utf8_lossy(&st.stderr));
    let df = ParquetReader::new(std::fs::File::open(&parquet).unwrap()).finish().unwrap();
    assert_eq!(df.height(), 116);
    // Row by row: no value of a file's secrets in the rows from that file. (A value may be
    // ordinary data elsewhere: `abc-123` is a cookie in one file and a user id in another.)
    let files = strs(&df, s::SOURCE_FILE);
    let columns: Vec<Vec<Option<String>>> =
        df.columns().iter().filter(|c| c.dtype() == &DataType::String).map(|c| strs(&df, c.name().as_str())).collect();
    let mut elsewhere = std::collections::HashSet::new();
    for (row, file) in files.iter().enumerate() {
        let file = file.as_deref().unwrap();
        for col in &columns {
            let Some(cell) = &col[row] else { continue };
            for (f, secret) in &secrets {
                if cell.contains(secret.as_str()) {
                    assert_ne!(f, file, "{secret} of {f} leaked into the frame: {cell}");
                    elsewhere.insert(secret.clone());
                }
            }
        }
    }
    let mut outputs = vec![("quarantine".to_string(), std::fs::read_to_string(&q).unwrap())];
    // The whole analysis beside an edge log, every file it writes, and what it prints.
    let out = tmp.path().join("report");
    let st = bin()
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .arg(&dir)
        .arg(fixture("logpush/mixed_encodings.ndjson"))
        .output()
        .unwrap();
    assert!(st.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&st.stderr));
    outputs.push(("stdout".into(), String::from_utf8_lossy(&st.stdout).into_owned()));
    outputs.push(("stderr".into(), String::from_utf8_lossy(&st.stderr).into_owned()));
    for e in std::fs::read_dir(&out).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "parquet") {
            continue; // the same frame as above
        }
        outputs.push((p.display().to_string(), String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned()));
    }
    for (name, text) in &outputs {
        for (_, secret) in &secrets {
            assert!(elsewhere.contains(secret) || !text.contains(secret.as_str()), "{secret} leaked into {name}");
        }
    }
}

#[test]
fn client_fixtures_one_event_per_logical_record() {
    let (df, acc) = read(&[fixture("client")], &IngestOptions::default());
    balanced(acc);
    let files = strs(&df, s::SOURCE_FILE);
    let pick = |name: &str| -> DataFrame {
        let mask: BooleanChunked = files.iter().map(|f| f.as_deref().is_some_and(|f| f.ends_with(name))).collect();
        df.filter(&mask).unwrap()
    };
    // curl -v: the whole trace is one record, timed by its date header, with the ray's POP.
    let curl = pick("curl-verbose.log");
    assert_eq!(curl.height(), 1);
    assert_eq!(u16s(&curl, s::EDGE_STATUS), vec![Some(500)]);
    assert_eq!(strs(&curl, s::POP), vec![Some("LHR".into())]);
    assert_eq!(strs(&curl, s::ERROR), vec![None]);
    assert_eq!(curl.column(s::TIME).unwrap().datetime().unwrap().physical().get(0), Some(1_763_465_354_000_000_000));
    // Python logging with a traceback: logger.exception's line and its traceback are one record.
    let py = pick("python-sdk.log");
    assert_eq!(lines(&py), vec![1, 2, 3, 4, 11]);
    let err = strs(&py, s::ERROR);
    assert_eq!(err[3].as_deref(), Some("APIConnectionError"));
    assert_eq!(
        err[4].as_deref(),
        Some("unable to get local issuer certificate"),
        "the specific fault, not the wrapper"
    );
    assert_eq!(u16s(&py, s::EDGE_STATUS)[2], Some(502));
    assert_eq!(strs(&py, s::HOST)[0].as_deref(), Some("api.chat.example"));
    assert!(!all_text(&py).contains("PYSECRETKEY6"));
    assert!(!all_text(&curl).contains("CURLBEARERSECRET7"));
    // Node: an error object over several lines, placed at its first line.
    let node = pick("node-cli.log");
    assert_eq!(lines(&node), vec![1, 2, 8, 9]);
    let err = strs(&node, s::ERROR);
    assert_eq!(err[1].as_deref(), Some("ECONNRESET"));
    assert_eq!(err[3].as_deref(), Some("ENOTFOUND"));
    // The error object has no time of its own: it takes the one before it.
    let t = node.column(s::TIME).unwrap().datetime().unwrap().physical().clone();
    assert_eq!(t.get(1), t.get(0));
}

#[test]
fn corpus_client_logs_find_their_errors() {
    let Some(dir) = corpus("client") else { return };
    let (df, acc) = read(&[dir], &IngestOptions::default());
    let acc = balanced(acc);
    assert_eq!(acc.rejected, 0);
    assert!(acc.files.iter().all(|f| f.error.is_none() && f.format.as_deref() == Some("client_log")), "{acc:#?}");
    let files = strs(&df, s::SOURCE_FILE);
    let errors = strs(&df, s::ERROR);
    let status = u16s(&df, s::EDGE_STATUS);
    let found = |name: &str| -> (Vec<String>, Vec<u16>) {
        let rows = files.iter().enumerate().filter(|(_, f)| f.as_deref().is_some_and(|f| f.contains(name)));
        let rows: Vec<usize> = rows.map(|(i, _)| i).collect();
        (rows.iter().filter_map(|i| errors[*i].clone()).collect(), rows.iter().filter_map(|i| status[*i]).collect())
    };
    let expect = [
        ("changes-stream-25", "ECONNRESET"),
        ("claude-code-22756", "unable to get local issuer certificate"),
        ("claude-code-8223", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"),
        ("node-cluster-service-69", "ECONNRESET"),
        ("nodehack-12", "ECONNRESET"),
        ("npm-18694", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"),
        ("claude-code-70348", "api_error"),
    ];
    for (file, code) in expect {
        let (errs, _) = found(file);
        assert!(errs.iter().any(|e| e == code), "{file}: {errs:?}");
    }
    // The Cloudflare 520 page embedded in an API error: the status, the host, and the page.
    let (_, st) = found("claude-code-3197");
    assert_eq!(st, vec![520]);
    let i = status.iter().position(|s| *s == Some(520)).unwrap();
    assert_eq!(strs(&df, s::HOST)[i].as_deref(), Some("api.anthropic.com"));
    assert!(strs(&df, s::BODY)[i].as_deref().unwrap().contains("520: Web server is returning an unknown error"));
    // The JSON array of API errors: one event per element, each with its request id and time.
    let (_, st) = found("claude-code-70348");
    assert!(st.len() >= 3 && st.iter().all(|s| *s == 500), "{st:?}");
    // One event per logical record: the node stack is one record.
    let (errs, _) = found("nodehack-12");
    assert_eq!(errs.len(), 1);
}

#[test]
fn client_logs_with_crlf_invalid_utf8_and_a_huge_record() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sdk.log");
    let mut data = b"2025-11-18T11:30:00Z Error: read ECONNRESET\r\n    at TCP.onread (net.js:1:1)\r\n".to_vec();
    data.extend_from_slice(b"2025-11-18T11:30:01Z caf\xe9 \xff\xfe ETIMEDOUT\r\n");
    // An embedded page that never closes: one record up to the limit, then rejected.
    data.extend_from_slice(b"2025-11-18T11:30:02Z API Error (502 <html>\n");
    for _ in 0..300 {
        data.extend_from_slice(
            b"<p>filler filler filler filler filler filler filler filler filler filler filler</p>\n",
        );
    }
    std::fs::write(&p, &data).unwrap();
    let opts = IngestOptions { max_record_bytes: 16 << 10, ..IngestOptions::default() };
    let (df, acc) = read(&[p], &opts);
    let acc = balanced(acc);
    assert_eq!((acc.lines, acc.events, acc.rejected), (3, 2, 1), "{acc:#?}");
    assert!(acc.rejects[0].reason.contains("--max-record-bytes"), "{:?}", acc.rejects);
    assert_eq!(acc.rejects[0].line, 4, "the rejected record is reported at its first line");
    assert_eq!(strs(&df, s::ERROR), vec![Some("ECONNRESET".into()), Some("ETIMEDOUT".into())]);
    assert_eq!(lines(&df), vec![1, 3]);
    assert!(strs(&df, s::MESSAGE)[1].as_deref().unwrap().contains('\u{fffd}'));
}

#[test]
fn user_failures_join_the_edge_by_ray_id_with_clock_skew_and_detection_gap() {
    let paths = [fixture("har/outage-chrome.har"), fixture("join/edge.ndjson")];
    let (mut df, acc) = read(&paths, &IngestOptions::default());
    assert_eq!(balanced(acc).duplicates, 0, "a HAR's cf-ray is not a duplicate of the edge's RayID");
    blastradius::signatures::classify(&mut df).unwrap();
    let j = blastradius::join::join(&df, blastradius::join::JoinParams::default()).unwrap();
    // entry 0 (edge 500 page), entry 1 (severed stream), entry 3 (certificate chain).
    assert_eq!(j.user_failures, 3);
    assert_eq!(j.clock_skews.len(), 1);
    assert_eq!(j.clock_skews[0].pairs, 2);
    assert!((j.clock_skews[0].skew_s - 3.0).abs() < 1e-9, "{:?}", j.clock_skews);
    // First user failure 11:27:58.101 less 3 s of skew, after the edge's first error at 11:20:00.
    assert!((j.detection_gap_s.unwrap() - 475.101).abs() < 1e-6, "{:?}", j.detection_gap_s);
    let v0 = &j.verdicts[0];
    assert_eq!(v0.joined_by, blastradius::join::JoinedBy::RequestId);
    assert_eq!(v0.edge_signature.as_deref(), Some("edge_500"));
    assert!(v0.explained_by_edge);
    let v1 = &j.verdicts[1];
    assert_eq!(v1.edge_signature, None, "the edge saw the stream's request healthy");
    assert!(!v1.explained_by_edge);
    let v3 = &j.verdicts[2];
    assert_eq!(v3.joined_by, blastradius::join::JoinedBy::HostAndTime);
    assert_eq!(v3.edge_events, 5);
    assert!(!v3.explained_by_edge, "the certificate host was healthy at the edge");
    assert_eq!(j.pops.len(), 1);
    assert_eq!((j.pops[0].pop.as_str(), j.pops[0].user_failures, j.pops[0].explained_by_edge), ("FRA", 2, 1));
}
