"""Peer for `blastradius rates` on Akamai DataStream 2 or Fastly JSON logs: requests, 5xx and 502
per minute x POP with DuckDB's read_ndjson (Akamai: the POP is `edgeIP`; Fastly: the code at the end
of `fastly_server`).

usage: python3 duckdb_json_cdn_rates.py akamai|fastly IN.json OUT.csv
"""
import sys

import duckdb

vendor, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
duckdb.sql("SET TimeZone = 'UTC'")
if vendor == "akamai":
    cols = "{'reqTimeSec': 'VARCHAR', 'edgeIP': 'VARCHAR', 'statusCode': 'VARCHAR'}"
    time = "to_timestamp(CAST(reqTimeSec AS DOUBLE))"
    pop = "edgeIP"
    status = "CAST(statusCode AS USMALLINT)"
else:
    cols = "{'timestamp': 'VARCHAR', 'fastly_server': 'VARCHAR', 'response_status': 'USMALLINT'}"
    time = "strptime(\"timestamp\", '%Y-%m-%dT%H:%M:%S%z')"
    pop = "regexp_extract(fastly_server, '-([A-Z]{3})$', 1)"
    status = "response_status"
duckdb.sql(f"""
COPY (
  SELECT strftime(date_trunc('minute', {time}), '%Y-%m-%d %H:%M:00') AS bucket, {pop} AS pop,
         count(*) AS requests,
         count(*) FILTER (WHERE {status} >= 500) AS status_5xx,
         count(*) FILTER (WHERE {status} = 502) AS status_502
  FROM read_ndjson('{src}', columns = {cols})
  GROUP BY ALL ORDER BY 1, 2
) TO '{out}' (HEADER, DELIMITER ',')
""")
