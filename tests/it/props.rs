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
