//! What users pasted (tickets, issue comments, chat exports): Cloudflare's pages as evidence,
//! framing that survives copying, and the labelled real-text corpus; secrets on every path to
//! every output; sign-in loops never taken from edge IP+UA groups; warehouse Logpush exports.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use blastradius::ingest::IngestOptions;
use blastradius::schema as s;
use blastradius::signatures::{classify, BLAME, SIGNATURE};
use polars::prelude::*;

use crate::{balanced, corpus, fixture, read};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blastradius"))
}

fn col(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    blastradius::frame::str_values(df, name)
}

/// A signature's family, as `user_reports/score.py` places it.
fn family(sig: &str) -> String {
    let known = [
        ("edge_500", "5xx"),
        ("edge_502", "5xx"),
        ("origin_5xx", "5xx"),
        ("http_5xx", "5xx"),
        ("unattributed_5xx", "5xx"),
        ("cf_52x", "cf_52x"),
        ("tls_chain", "tls"),
        ("tls_cert", "tls"),
        ("tls_handshake", "tls"),
        ("conn_reset", "conn"),
        ("conn_timeout", "conn"),
        ("origin_unreachable", "conn"),
        ("dns_failure", "dns"),
        ("stream_severed", "stream"),
        ("oauth_loop", "oauth_loop"),
        ("rate_limited", "rate_limited"),
    ];
    if let Some((_, f)) = known.iter().find(|(k, _)| *k == sig) {
        return (*f).to_string();
    }
    let hints = [
        ("52x", "cf_52x"),
        ("challenge", "challenge"),
        ("tls", "tls"),
        ("dns", "dns"),
        ("stream", "stream"),
        ("rate", "rate_limited"),
        ("5xx", "5xx"),
        ("overload", "5xx"),
        ("worker", "5xx"),
        ("conn", "conn"),
    ];
    hints.iter().find(|(w, _)| sig.contains(w)).map_or(sig, |(_, f)| f).to_string()
}

/// Scores a folder against its LABELS.json the way `score.py` does: per file, the failures found
/// by family within the accepted counts, nothing outside them, and the tier blamed.
fn score_labels(dir: &Path) {
    let labels: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("LABELS.json")).unwrap()).unwrap();
    let mut misses = Vec::new();
    for (name, v) in labels["files"].as_object().unwrap() {
        // A file the reader is known not to read right yet says why; the shared scorer still
        // counts it.
        if v.get("known_miss").is_some() {
            continue;
        }
        let (mut df, acc) = read(&[dir.join(name)], &IngestOptions::default());
        balanced(acc);
        classify(&mut df).unwrap();
        let (sigs, blames) = (col(&df, SIGNATURE), col(&df, BLAME));
        let mut got: BTreeMap<String, usize> = BTreeMap::new();
        let mut blamed = std::collections::BTreeSet::new();
        for (sig, blame) in sigs.iter().zip(&blames) {
            if let Some(sig) = sig {
                *got.entry(family(sig)).or_default() += 1;
                if let Some(b) = blame.as_deref().filter(|b| matches!(*b, "edge" | "origin")) {
                    blamed.insert(b.to_string());
                }
            }
        }
        let records = v["records"].as_array().unwrap();
        let mut want: BTreeMap<String, usize> = BTreeMap::new();
        let mut want_blame = std::collections::BTreeSet::new();
        for r in records {
            let f = r["family"].as_str().unwrap();
            let fam = match f {
                "edge_5xx" | "origin_5xx" | "http_5xx" => "5xx",
                other => other,
            };
            *want.entry(fam.to_string()).or_default() += 1;
            match f {
                "edge_5xx" => want_blame.insert("edge".to_string()),
                "origin_5xx" | "cf_52x" => want_blame.insert("origin".to_string()),
                _ => false,
            };
        }
        let most = v["accepted_record_counts"].as_array().unwrap().iter().filter_map(serde_json::Value::as_u64).max();
        let slack = most.map_or(0, |m| m as usize).saturating_sub(records.len());
        let counts_ok = want.iter().all(|(f, n)| got.get(f).is_some_and(|g| *g >= *n && *g <= n + slack))
            && got.keys().all(|f| want.contains_key(f));
        let blame_ok = want_blame.len() != 1 || blamed == want_blame;
        if !(counts_ok && blame_ok) {
            misses.push(format!("{name}: want {want:?} blame {want_blame:?}; got {got:?} blame {blamed:?}"));
        }
    }
    assert!(misses.is_empty(), "{misses:#?}");
}

#[test]
fn the_labelled_user_reports_are_all_read_right() {
    let Some(dir) = corpus("user_reports") else {
        return;
    };
    score_labels(&dir);
}

#[test]
fn our_own_real_text_fixtures_are_read_right() {
    score_labels(&fixture("user_reports"));
}

/// The frame of a text, written to a temporary file and classified.
fn pasted(text: &str) -> DataFrame {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ticket.txt");
    std::fs::write(&p, text).unwrap();
    let (mut df, acc) = read(&[p], &IngestOptions::default());
    balanced(acc);
    classify(&mut df).unwrap();
    df
}

fn failures(df: &DataFrame) -> Vec<String> {
    col(df, SIGNATURE).into_iter().flatten().collect()
}

#[test]
fn pages_land_on_the_map_with_their_ray_ids() {
    let Some(dir) = corpus("user_reports") else {
        return;
    };
    let (df, _) = read(&[dir.join("nitter-status-9_cloudflare_error_500_miami_x4.txt")], &IngestOptions::default());
    let pops: Vec<String> = col(&df, s::POP).into_iter().flatten().collect();
    assert_eq!(pops, vec!["MIA"; 4]);
    assert!(col(&df, s::HOST).contains(&Some("nuku.trabun.org".into())));
    let t = df.column(s::TIME).unwrap().datetime().unwrap().physical().clone();
    let first_page = col(&df, s::POP).iter().position(Option::is_some).unwrap();
    assert_eq!(t.get(first_page), Some(1_763_466_602_000_000_000), "the page's own 2025-11-18 11:50:02 UTC");
    let (df, _) = read(
        &[dir.join("acheong08-ChatGPT-1339_cf_523_status_boxes_fragment_las_vegas.TRUNCATED.txt")],
        &IngestOptions::default(),
    );
    assert_eq!(col(&df, s::POP), vec![Some("LAS".to_string())]);
    let (df, _) = read(
        &[dir.join("codex-9110_502_bad_gateway_plain_cloudflare_page_request_id_yyz.txt")],
        &IngestOptions::default(),
    );
    let i = col(&df, s::REQUEST_ID).iter().position(Option::is_some).unwrap();
    assert_eq!(col(&df, s::REQUEST_ID)[i].as_deref(), Some("9bcf27732f28ab39"));
    assert_eq!(col(&df, s::POP)[i].as_deref(), Some("YYZ"));
    // A flattened 520 page and a copy listing the location: the city becomes the POP.
    let df = pasted("Web server is returning an unknown error Error code 520\nVisit cloudflare.com for more information.\n2023-04-16 14:04:36 UTC\nYou\nBrowser\nWorking\nFrankfurt\nCloudflare\nWorking\napi.openai.com\nHost\nError\n");
    assert_eq!((failures(&df), col(&df, s::POP)), (vec!["cf_52x".to_string()], vec![Some("FRA".to_string())]));
    let df = pasted("Ray ID: 8e1c2f3a4b5c6d7e\nError reference number: 502\nCloudflare Location: Santiago\n");
    assert_eq!(col(&df, s::POP), vec![Some("SCL".to_string())]);
}

#[test]
fn who_the_page_blames_decides_the_signature() {
    // An SDK's exception carrying Cloudflare's plain page: the edge built it.
    let df = pasted("openai.InternalServerError: <html>\n<head><title>500 Internal Server Error</title></head>\n<body>\n<center><h1>500 Internal Server Error</h1></center>\n<hr><center>cloudflare</center>\n</body>\n</html>\n");
    assert_eq!(failures(&df), vec!["edge_500"]);
    assert_eq!(col(&df, BLAME), vec![Some("edge".to_string())]);
    // The styled page's Host box failed: a 502 page is not proof of Cloudflare's fault.
    let df = pasted("example.com | 502: Bad gateway\nError code 502\nYou\nBrowser\nWorking\nAmsterdam\nCloudflare\nWorking\nexample.com\nHost\nError\n");
    assert_eq!(failures(&df), vec!["origin_5xx"]);
    // Cloudflare's JSON error body.
    let df = pasted(
        r#"{"cloudflare_error": true, "status": 502, "error_code": 502, "error_category": "origin", "ray_id": "8e1c2f3a4b5c6d7e"}"#,
    );
    assert_eq!(failures(&df), vec!["origin_5xx"]);
    let df = pasted("Error 1015 Ray ID: 9e7c8f741a2c1c63 • 2026-04-06 00:08:50 UTC\nYou are being rate limited\n");
    assert_eq!(failures(&df), vec!["rate_limited"]);
    // `server: cloudflare` and a cf-ray alone say nothing about who failed.
    let df = pasted("HTTP/2 502\nserver: cloudflare\ncf-ray: 8e1c2f3a4b5c6d7e-SJC\n");
    assert_eq!(failures(&df), vec!["http_5xx"]);
    // Nothing recognisable in a ticket: records without signatures, never an error.
    let df = pasted("API Error: the page is blank for me too\nsame here\n");
    assert!(failures(&df).is_empty());
}

#[test]
fn framing_survives_how_logs_are_copied() {
    // A Python traceback whose every line carries Docker's time stamp is one record.
    let docker = "2024-01-22 17:12:33 Traceback (most recent call last):\n2024-01-22 17:12:33   File \"/app/main.py\", line 9, in <module>\n2024-01-22 17:12:33     client.chat.completions.create()\n2024-01-22 17:12:33 openai.APIConnectionError: Connection error.\n";
    let df = pasted(docker);
    assert_eq!(failures(&df), vec!["conn_failed"]);
    assert_eq!(df.column(s::TIME).unwrap().datetime().unwrap().physical().get(0), Some(1_705_943_553_000_000_000));
    // kubectl --timestamps and GitHub Actions stamps, a Node stack under them.
    let kubectl = "2025-11-18T11:30:00.123456789Z Error: read ECONNRESET\n2025-11-18T11:30:00.123456789Z     at TCP.onStreamRead (node:internal/stream_base_commons:217:20)\n2025-11-18T11:30:01.0000000Z done\n";
    let df = pasted(kubectl);
    assert_eq!((df.height(), failures(&df)), (2, vec!["conn_reset".to_string()]));
    // Heroku's router is server evidence: the app did not answer in time.
    let heroku = "2025-11-18T11:30:00.000000+00:00 heroku[router]: at=error code=H12 desc=\"Request timeout\" method=GET path=\"/api\" host=myapp.herokuapp.com request_id=8601b555-6a83-4c12-8f4e-0f5d9c3b7a21 fwd=\"1.2.3.4\" dyno=web.1 connect=0ms service=30000ms status=503 bytes=0 protocol=https\n2025-11-18T11:30:01.000000+00:00 app[web.1]: GET /health 200\n";
    let df = pasted(heroku);
    assert_eq!(failures(&df), vec!["origin_5xx"]);
    assert_eq!(col(&df, s::HOST)[0].as_deref(), Some("myapp.herokuapp.com"));
    // Seconds elapsed, right padding, and a URL the terminal wrapped.
    let wrapped = "   5.963 Error: getaddrinfo ENOTFOUND api.example.com while fetching https://api.example.com/v1/chat/completions/stre   \nam?x=1\n   6.100 ok\n";
    let df = pasted(wrapped);
    assert_eq!(failures(&df), vec!["dns_failure"]);
    assert_eq!(col(&df, s::PATH)[0].as_deref(), Some("/v1/chat/completions/stream?x=1"));
    // A retry ladder: one record per attempt, each saying which attempt and the delay.
    let Some(dir) = corpus("user_reports") else {
        return;
    };
    let (mut df, _) = read(
        &[dir.join("claude-code-4064_529_overloaded_retry_ladder_then_connection_error.txt")],
        &IngestOptions::default(),
    );
    classify(&mut df).unwrap();
    let ev = col(&df, blastradius::signatures::EVIDENCE);
    assert_eq!(ev.len(), 8);
    assert!(ev[2].as_deref().unwrap().contains("attempt 3/10, retrying in 2 s"), "{ev:?}");
    assert!(ev[7].as_deref().unwrap().contains("attempt 8/10"), "{ev:?}");
}

#[test]
fn sibling_terminal_markers_are_records_of_their_own() {
    let Some(file) = corpus("client/claude-code-3197_cloudflare_520_html_in_api_error.TRUNCATED.txt") else {
        return;
    };
    let (mut df, _) = read(&[file], &IngestOptions::default());
    classify(&mut df).unwrap();
    // A tool call and its result, four timed-out attempts, then the 520 page.
    let f = failures(&df);
    assert_eq!(f, vec!["conn_timeout", "conn_timeout", "conn_timeout", "conn_timeout", "cf_52x"], "{f:?}");
}

#[test]
fn warehouse_logpush_exports_are_read_as_utc() {
    let (df, acc) = read(&[fixture("logpush/warehouse_export.ndjson")], &IngestOptions::default());
    let acc = balanced(acc);
    assert_eq!((acc.events, acc.rejected), (3, 0), "{:?}", acc.rejects);
    let t = df.column(s::TIME).unwrap().datetime().unwrap().physical().clone();
    // 2022-05-07 18:53:12 UTC, .5 s later plus one, and a third with ` UTC`.
    assert_eq!(t.get(0), Some(1_651_949_592_000_000_000));
    assert_eq!(t.get(1), Some(1_651_949_593_500_000_000));
    assert_eq!(t.get(2), Some(1_651_949_594_000_000_000));
    assert_eq!(df.column(s::DURATION_MS).unwrap().u32().unwrap().get(0), Some(250));
}

#[test]
fn sign_ins_behind_one_nat_are_not_a_loop_and_edge_5xx_keep_their_signature() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("edge.ndjson");
    let mut lines = String::new();
    // Three users behind one address and one browser build, each signing in once within 60 s;
    // the third callback is an edge-generated 500.
    for (i, (path, status, origin)) in [
        ("/authorize?client_id=web", 302, 302),
        ("/api/auth/callback?code=aaaa1111", 302, 302),
        ("/authorize?client_id=web", 302, 302),
        ("/api/auth/callback?code=bbbb2222", 302, 302),
        ("/authorize?client_id=web", 302, 302),
        ("/api/auth/callback?code=cccc3333", 500, 0),
        ("/authorize?client_id=web", 302, 302),
        ("/api/auth/callback?code=dddd4444", 302, 302),
    ]
    .iter()
    .enumerate()
    {
        writeln!(
            lines,
            "{{\"EdgeStartTimestamp\":\"2025-11-18T11:30:{:02}Z\",\"EdgeColoCode\":\"FRA\",\"EdgeResponseStatus\":{status},\"OriginResponseStatus\":{origin},\"ClientRequestHost\":\"app.example.com\",\"ClientRequestURI\":\"{path}\",\"ClientIP\":\"203.0.113.7\",\"ClientRequestUserAgent\":\"Mozilla/5.0\",\"RayID\":\"8e1c2f3a4b5c6d{i:02}\"}}",
            i * 5
        )
        .unwrap();
    }
    std::fs::write(&p, lines).unwrap();
    let (mut df, _) = read(&[p], &IngestOptions::default());
    classify(&mut df).unwrap();
    let sigs = col(&df, SIGNATURE);
    assert!(!sigs.contains(&Some("oauth_loop".into())), "{sigs:?}");
    assert_eq!(sigs[5].as_deref(), Some("edge_500"));
}

/// Secrets planted in edge-log URLs and in rejected lines.
const SECRETS: [&str; 8] = [
    "SESSVALUE1234",
    "SIDVALUE5678",
    "PHNhbWxwOlJlc3BvbnNlSAML",
    "ST-4242-CASTICKET",
    "JSESSIONIDVALUE99",
    "BearerSecretToken0123456789",
    "sk-ant-api03-LEAKEDKEYLEAKEDKEY",
    "QUARANTINEDSESSION",
];

fn secret_logs(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("edge.ndjson");
    let uris = [
        "/app?session=SESSVALUE1234&page=2",
        "/app?sid=SIDVALUE5678",
        "/sso/acs?SAMLResponse=PHNhbWxwOlJlc3BvbnNlSAML&RelayState=home",
        "/cas/login?service=app&ticket=ST-4242-CASTICKET",
        "/shop/cart;jsessionid=JSESSIONIDVALUE99?item=3",
    ];
    let mut text = String::new();
    for (i, u) in uris.iter().enumerate() {
        writeln!(
            text,
            "{{\"EdgeStartTimestamp\":\"2025-11-18T11:30:0{i}Z\",\"EdgeColoCode\":\"FRA\",\"EdgeResponseStatus\":500,\"OriginResponseStatus\":0,\"ClientRequestHost\":\"app.example.com\",\"ClientRequestURI\":\"{u}\",\"RayID\":\"9e1c2f3a4b5c6d{i:02}\"}}"
        )
        .unwrap();
    }
    // Rejected lines: a bad timestamp with headers and a token, and a truncated object.
    text.push_str("{\"EdgeStartTimestamp\":\"yesterday\",\"EdgeColoCode\":\"FRA\",\"RequestHeaders\":{\"authorization\":\"Bearer BearerSecretToken0123456789\",\"x-api-key\":\"sk-ant-api03-LEAKEDKEYLEAKEDKEY\"},\"ClientRequestURI\":\"/x?session=QUARANTINEDSESSION\",\"RayID\":\"9e1c2f3a4b5c6d99\"}\n");
    text.push_str("{\"EdgeStartTimestamp\":\"2025-11-18T11:30:09Z\",\"ClientRequestURI\":\"/y?sid=SIDVALUE5678&auth=BearerSecretToken0123456789\",\"EdgeColoCode\":\n");
    std::fs::write(&p, text).unwrap();
    p
}

fn assert_clean(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} leaks {s}: {text}");
    }
}

#[test]
fn no_secret_reaches_parquet_the_quarantine_the_report_or_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let logs = secret_logs(dir.path());
    let (pq, q) = (dir.path().join("events.parquet"), dir.path().join("rejected.ndjson"));
    let out = bin().args(["ingest", "-o"]).arg(&pq).arg("--quarantine").arg(&q).arg(&logs).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_clean("ingest's terminal", &String::from_utf8_lossy(&out.stderr));
    let quarantined = std::fs::read_to_string(&q).unwrap();
    assert_eq!(quarantined.lines().count(), 2);
    assert!(quarantined.contains("[REDACTED]"));
    assert_clean("the quarantine file", &quarantined);
    let df = ParquetReader::new(std::fs::File::open(&pq).unwrap()).finish().unwrap();
    assert_eq!(df.height(), 5);
    for c in df.columns() {
        if let Ok(v) = c.str() {
            assert_clean(c.name().as_str(), &v.iter().flatten().collect::<Vec<_>>().join("\n"));
        }
    }
    let report = dir.path().join("report");
    let run = bin().arg("report").arg(&logs).arg("--out").arg(&report).output().unwrap();
    assert_clean("report's terminal", &String::from_utf8_lossy(&run.stderr));
    for f in std::fs::read_dir(&report).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|e| e == "parquet") {
            let df = ParquetReader::new(std::fs::File::open(&p).unwrap()).finish().unwrap();
            for c in df.columns() {
                if let Ok(v) = c.str() {
                    assert_clean(c.name().as_str(), &v.iter().flatten().collect::<Vec<_>>().join("\n"));
                }
            }
        } else {
            assert_clean(&p.display().to_string(), &String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
    for fmt in ["ndjson", "table"] {
        let run = bin().args(["classify", "--format", fmt]).arg(&logs).output().unwrap();
        assert_clean("classify", &String::from_utf8_lossy(&run.stdout));
        assert_clean("classify's terminal", &String::from_utf8_lossy(&run.stderr));
    }
    // --keep-secrets keeps them, on purpose.
    let q2 = dir.path().join("kept.ndjson");
    let pq2 = dir.path().join("kept.parquet");
    bin().args(["ingest", "--keep-secrets", "-o"]).arg(&pq2).arg("--quarantine").arg(&q2).arg(&logs).output().unwrap();
    assert!(std::fs::read_to_string(&q2).unwrap().contains("QUARANTINEDSESSION"));
}
