"""Peer for `blastradius ingest`: the same columns from Logpush NDJSON to Parquet with DuckDB.

usage: python3 duckdb_ingest.py IN.ndjson OUT.parquet
"""
import sys

import duckdb

src, out = sys.argv[1], sys.argv[2]
cols = {
    "EdgeStartTimestamp": "TIMESTAMP", "EdgeEndTimestamp": "TIMESTAMP", "EdgeColoCode": "VARCHAR",
    "EdgeResponseStatus": "USMALLINT", "OriginResponseStatus": "USMALLINT", "ClientRequestHost": "VARCHAR",
    "ClientRequestMethod": "VARCHAR", "ClientRequestURI": "VARCHAR", "ClientCountry": "VARCHAR",
    "ClientIP": "VARCHAR", "ClientRequestUserAgent": "VARCHAR", "ClientSSLProtocol": "VARCHAR",
    "ClientRequestProtocol": "VARCHAR", "EdgeResponseBytes": "UBIGINT", "EdgeTimeToFirstByteMs": "UINTEGER",
    "OriginResponseDurationMs": "UINTEGER", "CacheCacheStatus": "VARCHAR", "RayID": "VARCHAR",
    "ZoneName": "VARCHAR", "OriginIP": "VARCHAR", "EdgeResponseContentType": "VARCHAR", "WAFAction": "VARCHAR",
}
spec = ", ".join(f"'{k}': '{v}'" for k, v in cols.items())
duckdb.sql(f"COPY (SELECT * FROM read_ndjson('{src}', columns = {{{spec}}})) TO '{out}' (FORMAT parquet)")
