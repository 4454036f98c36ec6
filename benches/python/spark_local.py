"""Times blastradius.spark.analyze on Spark in local mode over a directory of log files.

    python3 benches/python/spark_local.py DIR [--master local[2]] [--partitions N] [--no-dedup]

Prints the input size, the wall time of the analysis (the session is started and warmed up
first, on the same files, and not counted), seconds per GB, and the incidents found.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from pyspark.sql import SparkSession

from blastradius import spark as brs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--no-dedup", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master(a.master).appName("blastradius-bench")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", "4g")
             .config("spark.sql.shuffle.partitions", "8").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    files = brs.list_files(a.dir)
    size = sum(os.path.getsize(f) for f in files)
    brs.analyze(spark, files[:2], partitions=2, dedup=not a.no_dedup)  # warm-up: JVM, Python workers
    times = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        tl = brs.analyze(spark, files, partitions=a.partitions, dedup=not a.no_dedup)
        times.append(time.perf_counter() - t0)
    best, median = min(times), sorted(times)[len(times) // 2]
    print(f"files {len(files)}, {size / 1e9:.3f} GB, events {tl.accounting.events}, duplicates {tl.accounting.duplicates}")
    print(f"wall median {median:.2f} s (best {best:.2f} s, runs {', '.join(f'{t:.2f}' for t in times)})")
    print(f"{median / (size / 1e9):.2f} s per GB, {size / 1e6 / median:.1f} MB/s")
    print(tl)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
