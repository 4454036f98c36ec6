"""Peer for `blastradius rates`: the same per-minute x POP table with DuckDB.

usage: python3 duckdb_rates.py IN.ndjson OUT.csv
"""
import sys

import duckdb

src, out = sys.argv[1], sys.argv[2]
duckdb.sql(f"""
COPY (
  SELECT strftime(date_trunc('minute', EdgeStartTimestamp), '%Y-%m-%d %H:%M:00') AS bucket,
         EdgeColoCode AS pop,
         count(*) AS requests,
         count(*) FILTER (WHERE EdgeResponseStatus >= 500) AS status_5xx,
         count(*) FILTER (WHERE EdgeResponseStatus >= 500 AND OriginResponseStatus = 0) AS edge_5xx,
         count(*) FILTER (WHERE EdgeResponseStatus = 502) AS status_502
  FROM read_ndjson('{src}', columns = {{
      'EdgeStartTimestamp': 'TIMESTAMP', 'EdgeColoCode': 'VARCHAR',
      'EdgeResponseStatus': 'USMALLINT', 'OriginResponseStatus': 'USMALLINT'}})
  GROUP BY ALL ORDER BY 1, 2
) TO '{out}' (HEADER, DELIMITER ',')
""")
