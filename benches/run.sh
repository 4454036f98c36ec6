#!/usr/bin/env bash
# Paired benchmarks of the build users run (`release`) against DuckDB and polars, on inputs
# generated here. Prints the tool versions, every timing (hyperfine), peak memory
# (/usr/bin/time -v) and the ratios; checks the rates tables agree row by row.
#
# usage: benches/run.sh [WORKDIR]          (default: target/bench-data; about 5 GB of inputs)
#        RUNS=5 BIG=1 benches/run.sh       (BIG=1 adds the 1 GB and 4 GB memory runs)
#        REAL=corpus/logpush.log benches/run.sh   (adds lines of a real record's shape)
# needs: cargo, python3 with duckdb and polars, hyperfine, GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-target/bench-data}
RUNS=${RUNS:-5}
mkdir -p "$W"
T=${CARGO_TARGET_DIR:-target}
cargo build --release --locked -q
B=$T/release/blastradius
CEIL=$(cargo bench --bench ceiling --no-run --message-format=json -q 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "ceiling" and m.get("executable"):
        print(m["executable"])')
GEN=benches/gen/gen_logpush.py
[ -f "$W/logpush_1m.ndjson" ] || python3 $GEN --lines 1000000 --out "$W/logpush_1m.ndjson"
[ -f "$W/logpush_2m.ndjson" ] || python3 $GEN --lines 2000000 --out "$W/logpush_2m.ndjson"
[ -d "$W/bucket" ] || python3 $GEN --lines 1000000 --batches 100 --out "$W/bucket"

echo "## versions"
rustc -V
python3 -c 'import duckdb, polars, platform; print("duckdb", duckdb.__version__, "| polars", polars.__version__, "| python", platform.python_version())'
hyperfine --version
echo "cores: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

P=benches/peers
J=$W/results
mkdir -p "$J"
hf() { local name=$1; shift; hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$J/$name.json" "$@"; }

for n in 1m 2m; do
  f=$W/logpush_$n.ndjson
  hf "rates_$n" -n blastradius "$B rates $f --format csv -o $W/br.csv -q" \
    -n duckdb "python3 $P/duckdb_rates.py $f $W/duck.csv" \
    -n duckdb_dedup "python3 $P/duckdb_rates.py $f $W/duck_dedup.csv dedup" \
    -n polars "python3 $P/polars_rates.py $f $W/pl.csv" \
    -n ceiling "$CEIL $f 2" \
    -n ceiling_scan "$CEIL $f 2 scan"
  python3 $P/compare_rates.py "$W/br.csv" "$W/duck.csv" 2,3,4,5 2,3,4,5
  python3 $P/compare_rates.py "$W/br.csv" "$W/duck_dedup.csv" 2,3,4,5 2,3,4,5
  # The same work on both sides without de-duplication (DuckDB's plain query does none).
  hf "rates_no_dedup_$n" -n blastradius "$B rates --no-dedup $f --format csv -o $W/br.csv -q" \
    -n duckdb "python3 $P/duckdb_rates.py $f $W/duck.csv"
done
# Lines of a real record's shape (REAL=a Logpush file of real records, e.g. the corpus's): the
# generated lines above only carry the fields the product reads.
if [ -n "${REAL:-}" ]; then
  [ -f "$W/real_shape.ndjson" ] || python3 benches/gen/gen_logpush_real_shape.py "$REAL" --lines 300000 --out "$W/real_shape.ndjson"
  hf rates_real_shape -n blastradius "$B rates $W/real_shape.ndjson --format csv -o $W/br.csv -q" \
    -n duckdb "python3 $P/duckdb_rates.py $W/real_shape.ndjson $W/duck.csv" \
    -n ceiling "$CEIL $W/real_shape.ndjson 2" \
    -n ceiling_scan "$CEIL $W/real_shape.ndjson 2 scan"
  python3 $P/compare_rates.py "$W/br.csv" "$W/duck.csv" 2,3,4,5 2,3,4,5
  # No DuckDB peer here: real records mix timestamp encodings (RFC 3339 and epoch seconds in one
  # file), which its COPY with typed columns refuses.
  hf ingest_real_shape -n blastradius "$B ingest $W/real_shape.ndjson -o $W/br.parquet -q"
fi
hf rates_bucket -n blastradius "$B rates $W/bucket --format csv -o $W/br.csv -q" \
  -n duckdb "python3 $P/duckdb_rates.py $W/bucket/*/*.log.gz $W/duck.csv"
python3 $P/compare_rates.py "$W/br.csv" "$W/duck.csv" 2,3,4,5 2,3,4,5
hf ingest_1m -n blastradius "$B ingest $W/logpush_1m.ndjson -o $W/br.parquet -q" \
  -n duckdb "python3 $P/duckdb_ingest.py $W/logpush_1m.ndjson $W/duck.parquet"
rm -rf "$W/report"
hf analyze_1m -n blastradius "$B analyze $W/logpush_1m.ndjson --out $W/report -q"
hf analyze_frame_1m -n blastradius "$B analyze $W/report/events.parquet --out $W/report2 -q"

# What the signals cost: `cohorts` parses every field and counts ten values per event; `rates` reads
# the counts-only fields (the ratio printed is cohorts' time over rates').
hf cost_cohorts_1m -n blastradius "$B rates $W/logpush_1m.ndjson --format csv -o $W/br.csv -q" \
  -n cohorts "$B cohorts $W/logpush_1m.ndjson -q"

echo "## peak memory (maximum resident set size, KiB)"
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
for f in "$W/logpush_1m.ndjson"; do
  echo "rates   $(rss "$B" rates "$f" --format csv -o "$W/br.csv" -q)"
  echo "ingest  $(rss "$B" ingest "$f" -o "$W/br.parquet" -q)"
  echo "analyze $(rss "$B" analyze "$f" --out "$W/report3" -q)"
done
if [ "${BIG:-0}" = 1 ]; then
  for lines in 1120000 4480000; do
    f=$W/logpush_$lines.ndjson
    [ -f "$f" ] || python3 $GEN --lines $lines --out "$f"
    echo "$(du -h "$f" | cut -f1): rates $(rss "$B" rates "$f" --format csv -o "$W/br.csv" -q)" \
      "ingest $(rss "$B" ingest "$f" -o "$W/br.parquet" -q) analyze $(rss "$B" analyze "$f" --out "$W/report4" -q)"
  done
fi

echo "## ratios (peer time / ours: above 1, we are faster)"
python3 $P/summarise.py "$J" "$W"
