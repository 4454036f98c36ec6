#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs, reason = "a measuring tool over generated input")]
//! The validating ceiling: the least work a reader can do for the `rates` table and still
//! validate every line. Lines are split with memchr and each is fully parsed by sonic-rs into the
//! four fields the table needs (start time as a string, POP, edge and origin status), on N
//! threads; counts go to a per-thread map keyed by (minute, POP). No accounting, no
//! de-duplication, no other field: a bound, not a product.
//!
//! usage: cargo bench --bench ceiling -- FILE [THREADS]   (prints lines, seconds and MB/s)

use std::collections::HashMap;
use std::time::Instant;

#[derive(serde::Deserialize)]
#[allow(non_snake_case)]
struct Row<'a> {
    EdgeStartTimestamp: &'a str,
    EdgeColoCode: &'a str,
    EdgeResponseStatus: u16,
    OriginResponseStatus: u16,
}

type Counts = HashMap<(String, String), [u64; 3]>;

fn count(chunk: &[u8]) -> (u64, u64, Counts) {
    let (mut lines, mut bad, mut map) = (0, 0, Counts::new());
    for line in chunk.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        lines += 1;
        let Ok(r) = sonic_rs::from_slice::<Row<'_>>(line) else {
            bad += 1;
            continue;
        };
        let minute = r.EdgeStartTimestamp.get(..16).unwrap_or_default();
        let key = (minute.to_string(), r.EdgeColoCode.to_string());
        let c = map.entry(key).or_insert([0; 3]);
        c[0] += 1;
        c[1] += u64::from(r.EdgeResponseStatus >= 500);
        c[2] += u64::from(r.EdgeResponseStatus >= 500 && r.OriginResponseStatus == 0);
    }
    (lines, bad, map)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let Some(path) = args.first() else {
        eprintln!("usage: ceiling FILE [THREADS]");
        std::process::exit(2);
    };
    let threads: usize = args.get(1).and_then(|t| t.parse().ok()).unwrap_or(2);
    let start = Instant::now();
    let data = std::fs::read(path).unwrap();
    // Split at line ends into one slice per thread.
    let mut cuts = vec![0];
    for t in 1..threads {
        let at = data.len() * t / threads;
        let end = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i + 1);
        cuts.push(end);
    }
    cuts.push(data.len());
    let parts: Vec<(u64, u64, Counts)> = std::thread::scope(|s| {
        let handles: Vec<_> = cuts.windows(2).map(|w| s.spawn(|| count(&data[w[0]..w[1]]))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (mut lines, mut bad, mut all) = (0, 0, Counts::new());
    for (l, b, m) in parts {
        lines += l;
        bad += b;
        for (k, v) in m {
            let c = all.entry(k).or_insert([0; 3]);
            for i in 0..3 {
                c[i] += v[i];
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{lines} lines ({bad} invalid), {} rows, {secs:.3} s, {:.0} MB/s",
        all.len(),
        data.len() as f64 / secs / 1e6
    );
}
