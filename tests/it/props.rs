//! Property tests: arbitrary bytes never crash a parser or unbalance the accounting.

use blastradius::formats::{logpush::Logpush, LineFormat, Need};
use blastradius::ingest::{discover, IngestOptions};
use proptest::prelude::*;

fn json_ish() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "EdgeStartTimestamp",
        "EdgeEndTimestamp",
        "EdgeColoCode",
        "EdgeResponseStatus",
        "OriginResponseStatus",
        "RayID",
        "ClientRequestHost",
        "EdgeResponseBytes",
        "x",
    ]);
    let val = prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:e}")),
        "[a-zA-Z0-9:.+\\-TZ ]{0,30}".prop_map(|s| format!("\"{s}\"")),
        Just("null".to_string()),
        Just("[[[{}]]]".to_string()),
        Just("\"\\ud800\"".to_string()),
    ];
    prop::collection::vec((key, val), 0..8).prop_map(|kv| {
        let body: Vec<String> = kv.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", body.join(","))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn logpush_parser_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Logpush.parse(&bytes);
        let _ = Logpush.parse_fields(&bytes, Need::Counts);
    }

    #[test]
    fn logpush_parser_never_panics_on_json_like_lines(line in json_ish()) {
        let full = Logpush.parse(line.as_bytes());
        let lean = Logpush.parse_fields(line.as_bytes(), Need::Counts);
        // The projection accepts exactly the lines the full parse accepts, with the same time.
        prop_assert_eq!(full.as_ref().map(|e| e.time_ns).ok(), lean.as_ref().map(|e| e.time_ns).ok());
    }

    #[test]
    fn any_file_is_accounted(bytes in prop::collection::vec(any::<u8>(), 0..4096), prefix_valid in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let mut data = Vec::new();
        if prefix_valid {
            data.extend_from_slice(b"{\"EdgeStartTimestamp\":1763464800,\"EdgeColoCode\":\"SCL\"}\n");
        }
        data.extend_from_slice(&bytes);
        std::fs::write(&p, &data).unwrap();
        let (inputs, _) = discover(&[p]);
        let opts = IngestOptions { chunk_bytes: 4096, max_line_bytes: 1024, ..IngestOptions::default() };
        let (_, acc) = blastradius::frame::read_events(&inputs, &opts).unwrap();
        prop_assert!(acc.balanced());
        if prefix_valid {
            prop_assert!(acc.events >= 1);
        }
    }
}

/// Lines that look like each text format, with random bytes spliced in.
fn text_ish() -> impl Strategy<Value = Vec<u8>> {
    let base = prop::sample::select(vec![
        r#"1.2.3.4 - - [20/Nov/2026:13:40:01 +0000] "GET / HTTP/1.1" 200 5 "-" "a" SCL -"#,
        "2025-11-18\t11:20:01\tSCL51-C1\t900\t1.2.3.4\tGET\td1\t/\t502\t-\t-\t-\t-\tError\tid\th\thttps\t1\t0.5",
        r#"<134>2025-11-18T11:20:01Z cache-sjc1 x[1]: 1.2.3.4 - - [18/Nov/2025:11:20:01 +0000] "GET / HTTP/1.1" 200 1"#,
        r#"{"reqTimeSec":"1645568187.280","statusCode":"200","cacheStatus":"1"}"#,
        r#"{"timestamp":"2025-11-18T11:20:01+0000","response_state":"HIT","response_status":200,"fastly_server":"cache-sjc1-SJC"}"#,
    ]);
    (base, any::<usize>(), any::<usize>(), prop::collection::vec(any::<u8>(), 0..12)).prop_map(|(b, at, cut, junk)| {
        let b = b.as_bytes();
        let at = at % (b.len() + 1);
        let end = (at + cut % 8).min(b.len());
        let mut v = b[..at].to_vec();
        v.extend_from_slice(&junk);
        v.extend_from_slice(&b[end..]);
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_format_refuses_or_reads_any_line_without_panicking(line in text_ish()) {
        let conf = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $hostname $upstream_status"#;
        let nginx = blastradius::formats::nginx::LogFormat::compile(conf).unwrap();
        let cloudfront = blastradius::formats::cloudfront::CloudFront.for_file(b"").unwrap();
        let parsers: Vec<&dyn LineFormat> = blastradius::formats::REGISTRY
            .iter()
            .copied()
            .chain([&nginx as &dyn LineFormat, &*cloudfront])
            .collect();
        for f in parsers {
            let full = f.parse(&line);
            let lean = f.parse_fields(&line, Need::Counts);
            // The counts projection accepts exactly the lines the full parse accepts.
            prop_assert_eq!(full.as_ref().map(|e| e.time_ns).ok(), lean.as_ref().map(|e| e.time_ns).ok(), "{}", f.id());
            let _ = f.sniff_line(&line);
        }
    }
}
