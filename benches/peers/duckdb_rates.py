"""Peer for `blastradius rates`: the same per-minute x POP table with DuckDB.

usage: python3 duckdb_rates.py IN.ndjson OUT.csv [dedup]

With `dedup`, requests are first de-duplicated by RayID (one row kept per id), the work
`blastradius rates` does by default. Every line the generators write has a RayID; rows without
one would be kept as one row here, and each kept by blastradius.
"""
import sys

import duckdb

src, out = sys.argv[1], sys.argv[2]
dedup = len(sys.argv) > 3 and sys.argv[3] == "dedup"
columns = ("'EdgeStartTimestamp': 'TIMESTAMP', 'EdgeColoCode': 'VARCHAR', "
           "'EdgeResponseStatus': 'USMALLINT', 'OriginResponseStatus': 'USMALLINT'")
if dedup:
    columns += ", 'RayID': 'VARCHAR'"
rows = f"read_ndjson('{src}', columns = {{{columns}}})"
if dedup:
    rows = f"(SELECT DISTINCT ON (RayID) * FROM {rows})"
duckdb.sql(f"""
COPY (
  SELECT strftime(date_trunc('minute', EdgeStartTimestamp), '%Y-%m-%d %H:%M:00') AS bucket,
         EdgeColoCode AS pop,
         count(*) AS requests,
         count(*) FILTER (WHERE EdgeResponseStatus >= 500) AS status_5xx,
         count(*) FILTER (WHERE EdgeResponseStatus >= 500 AND OriginResponseStatus = 0) AS edge_5xx,
         count(*) FILTER (WHERE EdgeResponseStatus = 502) AS status_502
  FROM {rows}
  GROUP BY ALL ORDER BY 1, 2
) TO '{out}' (HEADER, DELIMITER ',')
""")
