"""Peer for `blastradius rates`: the same per-minute x POP table with polars (Python).

usage: python3 polars_rates.py IN.ndjson OUT.csv
"""
import sys

import polars as pl

src, out = sys.argv[1], sys.argv[2]
schema = {"EdgeStartTimestamp": pl.String, "EdgeColoCode": pl.String,
          "EdgeResponseStatus": pl.Int64, "OriginResponseStatus": pl.Int64}
s5 = pl.col("EdgeResponseStatus") >= 500
(pl.scan_ndjson(src, schema=schema)
   .with_columns(pl.col("EdgeStartTimestamp").str.to_datetime(time_zone="UTC").dt.truncate("1m").dt.strftime("%Y-%m-%d %H:%M:00").alias("bucket"))
   .group_by("bucket", pl.col("EdgeColoCode").alias("pop"))
   .agg(pl.len().alias("requests"), s5.sum().alias("status_5xx"),
        (s5 & (pl.col("OriginResponseStatus") == 0).fill_null(False)).sum().alias("edge_5xx"),
        (pl.col("EdgeResponseStatus") == 502).sum().alias("status_502"))
   .sort("bucket", "pop")
   .collect()
   .write_csv(out))
