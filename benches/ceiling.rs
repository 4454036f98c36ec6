#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs, reason = "a measuring tool over generated input")]
//! The validating ceiling: the least work a reader can do for the `rates` table and still
//! validate every line. Lines are split with memchr and each is fully parsed by sonic-rs into the
//! four fields the table needs (start time as a string, POP, edge and origin status), on N
//! threads fed by one streaming reader; counts go to a per-thread map keyed by (minute, POP). No accounting, no
//! de-duplication, no other field: a bound, not a product.
//!
//! With `scan` as third argument each line is validated by the product's own strict scanner
//! (`formats::scan`, the fast path of the JSON formats) instead of sonic-rs, which decodes the
//! same four fields: the floor of the product's reader.
//!
//! usage: cargo bench --bench ceiling -- FILE [THREADS] [scan]   (prints lines, seconds and MB/s)

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

/// Counts by (minute, POP), the key copied into fixed arrays: no allocation per line. A POP code
/// longer than eight bytes is keyed by its first eight and its length (a bound, not a product).
type Counts = HashMap<([u8; 16], [u8; 8], usize), [u64; 3]>;

fn key(minute: &str, pop: &str) -> ([u8; 16], [u8; 8], usize) {
    let (mut m, mut p) = ([0u8; 16], [0u8; 8]);
    let (mb, pb) = (minute.as_bytes(), pop.as_bytes());
    m[..mb.len().min(16)].copy_from_slice(&mb[..mb.len().min(16)]);
    p[..pb.len().min(8)].copy_from_slice(&pb[..pb.len().min(8)]);
    (m, p, pb.len())
}

/// The four fields by the product's scanner; `None` for a line it does not take.
fn scan(line: &[u8]) -> Option<Row<'_>> {
    use blastradius::formats::scan::{fields, Value};
    let mut r = Row { EdgeStartTimestamp: "", EdgeColoCode: "", EdgeResponseStatus: 0, OriginResponseStatus: 0 };
    let whole = fields(line, |k, v| {
        match (k, v) {
            ("EdgeStartTimestamp", Value::Str(s)) => r.EdgeStartTimestamp = s,
            ("EdgeColoCode", Value::Str(s)) => r.EdgeColoCode = s,
            ("EdgeResponseStatus", Value::Uint(n)) => r.EdgeResponseStatus = n as u16,
            ("OriginResponseStatus", Value::Uint(n)) => r.OriginResponseStatus = n as u16,
            _ => {}
        }
        true
    });
    whole.then_some(r)
}

fn count(chunk: &[u8], with_scan: bool) -> (u64, u64, Counts) {
    let (mut lines, mut bad, mut map) = (0, 0, Counts::new());
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', chunk).chain(std::iter::once(chunk.len())) {
        let line = &chunk[start..end];
        start = end + 1;
        if line.is_empty() {
            continue;
        }
        lines += 1;
        let row = if with_scan { scan(line) } else { sonic_rs::from_slice::<Row<'_>>(line).ok() };
        let Some(r) = row else {
            bad += 1;
            continue;
        };
        let minute = r.EdgeStartTimestamp.get(..16).unwrap_or_default();
        let c = map.entry(key(minute, r.EdgeColoCode)).or_insert([0; 3]);
        c[0] += 1;
        c[1] += u64::from(r.EdgeResponseStatus >= 500);
        c[2] += u64::from(r.EdgeResponseStatus >= 500 && r.OriginResponseStatus == 0);
    }
    (lines, bad, map)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let Some(path) = args.first() else {
        eprintln!("usage: ceiling FILE [THREADS] [scan]");
        std::process::exit(2);
    };
    let threads: usize = args.get(1).and_then(|t| t.parse().ok()).unwrap_or(2);
    let with_scan = args.get(2).is_some_and(|a| a == "scan");
    let start = Instant::now();
    // One reader streams line-aligned 4 MiB chunks to the parser threads, as the product does.
    let (tx, rx) = crossbeam_channel::bounded::<Vec<u8>>(threads * 2);
    let mut bytes = 0u64;
    let parts: Vec<(u64, u64, Counts)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let rx = rx.clone();
                s.spawn(move || {
                    let (mut lines, mut bad, mut all) = (0, 0, Counts::new());
                    for chunk in rx {
                        let (l, b, m) = count(&chunk, with_scan);
                        (lines, bad) = (lines + l, bad + b);
                        merge(&mut all, m);
                    }
                    (lines, bad, all)
                })
            })
            .collect();
        let mut f = std::fs::File::open(path).unwrap();
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let mut buf = std::mem::take(&mut carry);
            let have = buf.len();
            buf.resize(have + (4 << 20), 0);
            let n = std::io::Read::read(&mut f, &mut buf[have..]).unwrap();
            buf.truncate(have + n);
            bytes += n as u64;
            if n == 0 {
                if !buf.is_empty() {
                    tx.send(buf).unwrap();
                }
                break;
            }
            if let Some(end) = memchr::memrchr(b'\n', &buf) {
                carry = buf.split_off(end + 1);
                tx.send(buf).unwrap();
            } else {
                carry = buf;
            }
        }
        drop(tx);
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (mut lines, mut bad, mut all) = (0, 0, Counts::new());
    for (l, b, m) in parts {
        lines += l;
        bad += b;
        merge(&mut all, m);
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{lines} lines ({bad} invalid), {} rows, {secs:.3} s, {:.0} MB/s", all.len(), bytes as f64 / secs / 1e6);
}

fn merge(all: &mut Counts, m: Counts) {
    for (k, v) in m {
        let c = all.entry(k).or_insert([0; 3]);
        for (x, y) in c.iter_mut().zip(v) {
            *x += y;
        }
    }
}
