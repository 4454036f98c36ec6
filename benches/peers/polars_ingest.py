"""Peer for `blastradius ingest`: the same columns from Logpush NDJSON to Parquet with polars.

The NDJSON reader refuses 16-bit integers in a schema, so the statuses are read as UInt32 and
cast.

usage: python3 polars_ingest.py IN.ndjson OUT.parquet
"""
import sys

import polars as pl

src, out = sys.argv[1], sys.argv[2]
s, u = pl.String, pl.UInt32
schema = {
    "EdgeStartTimestamp": s, "EdgeEndTimestamp": s, "EdgeColoCode": s, "EdgeResponseStatus": pl.UInt32,
    "OriginResponseStatus": pl.UInt32, "ClientRequestHost": s, "ClientRequestMethod": s, "ClientRequestURI": s,
    "ClientCountry": s, "ClientIP": s, "ClientRequestUserAgent": s, "ClientSSLProtocol": s,
    "ClientRequestProtocol": s, "EdgeResponseBytes": pl.UInt64, "EdgeTimeToFirstByteMs": u,
    "OriginResponseDurationMs": u, "CacheCacheStatus": s, "RayID": s, "ZoneName": s, "OriginIP": s,
    "EdgeResponseContentType": s, "WAFAction": s,
}
(pl.scan_ndjson(src, schema=schema)
   .with_columns(pl.col("EdgeStartTimestamp", "EdgeEndTimestamp").str.to_datetime(time_zone="UTC"), pl.col("EdgeResponseStatus", "OriginResponseStatus").cast(pl.UInt16))
   .sink_parquet(out))
