#!/usr/bin/env python3
"""Logpush lines of a real record's shape, for the benchmark: every field a real `http_requests`
record carries (about 3 KB and 80 to 95 fields a line, nested objects, lists, numbers with exponents),
taken from the records of a given Logpush file and repeated with a fresh RayID and time per line,
so that nothing is a duplicate. The generated inputs only know the fields the product reads; this
one checks that a speed-up holds on lines the generator did not design.

usage: python3 gen_logpush_real_shape.py REAL.ndjson --lines 300000 --out real_shape.ndjson
Same input and arguments, same bytes.
"""
import argparse
import json

ap = argparse.ArgumentParser()
ap.add_argument("real")
ap.add_argument("--lines", type=int, default=300_000)
ap.add_argument("--out", required=True)
a = ap.parse_args()

with open(a.real, encoding="utf-8") as f:
    records = [json.loads(line) for line in f if line.strip()]
if not records:
    raise SystemExit(f"{a.real}: no records")
with open(a.out, "w", encoding="utf-8") as out:
    for i in range(a.lines):
        r = dict(records[i % len(records)])
        r["RayID"] = "%016x" % (0x7000000000000000 + i)
        r["EdgeStartTimestamp"] = "2022-05-25T%02d:%02d:%02dZ" % (12 + i // 36000 % 6, i // 600 % 60, i // 10 % 60)
        out.write(json.dumps(r, separators=(",", ":")) + "\n")
