"""Peer for `blastradius rates` on a CloudFront standard log: requests, 5xx and 502 per minute x
POP (the first three letters of x-edge-location) with DuckDB's read_csv, the columns named from
the file's #Fields header as our reader does.

usage: python3 duckdb_cloudfront_rates.py IN.log OUT.csv
"""
import sys

import duckdb

src, out = sys.argv[1], sys.argv[2]
with open(src) as f:
    fields = next(l for l in f if l.startswith("#Fields:")).split()[1:]
types = {"date": "DATE", "time": "TIME", "sc-status": "USMALLINT"}
columns = ", ".join(f"'{n}': '{types.get(n, 'VARCHAR')}'" for n in fields)
duckdb.sql(f"""
COPY (
  SELECT strftime(date_trunc('minute', "date" + "time"), '%Y-%m-%d %H:%M:00') AS bucket,
         upper(substr("x-edge-location", 1, 3)) AS pop,
         count(*) AS requests,
         count(*) FILTER (WHERE "sc-status" >= 500) AS status_5xx,
         count(*) FILTER (WHERE "sc-status" = 502) AS status_502
  FROM read_csv('{src}', delim = '\\t', header = false, skip = 2, quote = '', escape = '',
                null_padding = true, auto_detect = false, columns = {{{columns}}})
  GROUP BY ALL ORDER BY 1, 2
) TO '{out}' (HEADER, DELIMITER ',')
""")
