"""Compares two rates CSVs on (bucket, pop) and the given count columns of each, by position.

usage: python3 compare_rates.py OURS.csv PEER.csv OURS_COLS PEER_COLS
  e.g. python3 compare_rates.py br.csv awk.csv 2,3,4,5 2,3,4,5
Prints IDENTICAL (and the column sums) or the first differences; exits 1 on a difference.
"""
import csv
import sys


def load(path, cols):
    rows = list(csv.reader(open(path)))[1:]
    return {(r[0], r[1]): tuple(int(r[i]) for i in cols) for r in rows}


a_path, b_path = sys.argv[1], sys.argv[2]
a = load(a_path, [int(c) for c in sys.argv[3].split(",")])
b = load(b_path, [int(c) for c in sys.argv[4].split(",")])
sums = [sum(v[i] for v in a.values()) for i in range(len(next(iter(a.values()))))]
if a == b:
    print(f"IDENTICAL: {len(a)} rows, column sums {sums}")
    sys.exit(0)
diff = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
print(f"DIFFERENT: {len(diff)} of {len(set(a) | set(b))} rows, e.g.")
for k in diff[:5]:
    print(" ", k, a.get(k), b.get(k))
sys.exit(1)
