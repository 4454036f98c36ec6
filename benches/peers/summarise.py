"""Prints the ratios of a benches/run.sh run: each peer's mean time over ours, and throughput.

usage: python3 summarise.py RESULTS_DIR DATA_DIR
"""
import json
import os
import sys

res, data = sys.argv[1], sys.argv[2]
sizes = {"1m": "logpush_1m.ndjson", "2m": "logpush_2m.ndjson", "frame_1m": "logpush_1m.ndjson",
         "real_shape": "real_shape.ndjson"}


def size(name):
    for k, f in sizes.items():
        if name.endswith(k):
            return os.path.getsize(os.path.join(data, f))
    return None


print("| work | blastradius | peer | peer ÷ ours | MB/s (ours) |")
print("|---|---:|---|---:|---:|")
for fn in sorted(os.listdir(res)):
    name = fn.removesuffix(".json")
    runs = {r["command"]: r for r in json.load(open(os.path.join(res, fn)))["results"]}
    ours = runs.get("blastradius")
    if not ours:
        continue
    b = size(name)
    mbs = f"{b / ours['mean'] / 1e6:,.0f}" if b else "—"
    peers = [(k, v) for k, v in runs.items() if k != "blastradius"] or [("—", None)]
    for k, v in peers:
        ratio = f"{v['mean'] / ours['mean']:.2f}×" if v else "—"
        peer = f"{k} {v['mean']:.3f} s ± {v['stddev']:.3f}" if v else "—"
        print(f"| {name} | {ours['mean']:.3f} s ± {ours['stddev']:.3f} | {peer} | {ratio} | {mbs} |")
