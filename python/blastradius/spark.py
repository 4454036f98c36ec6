"""The same analysis past one machine, on Apache Spark (PySpark 4).

Each file of a bucket is read by the Rust core inside a Spark task (``mapInArrow``), which
returns the file's *partial state* as Arrow batches:

- ``rates`` rows: every count per 1-minute bucket × POP × host, with the first and last times;
- ``key`` rows: one per edge event with a request id (its 64-bit key and its own counts), for
  de-duplication across files;
- ``latency`` rows: one bin of a bucket × POP's edge-added latency sketch (the bin in ``key``,
  its count in ``requests``); the sketch's bins are fixed, so they merge by sum;
- one ``file`` row: the file's accounting (lines = events + rejected + duplicates).

Spark then merges the partials, which are sums, minima and maxima (associative and
commutative, so neither the order of files nor the number of partitions changes the answer):
``rates`` rows are summed per bucket × POP × host; ``key`` rows are grouped by key, and every
copy of a request but the one of the lowest file index becomes a removal. The driver hands the
merged rows to the same timeline function the CLI uses, so the answer equals
``blastradius timeline`` over the same files, exactly.

>>> from pyspark.sql import SparkSession                                   # doctest: +SKIP
>>> from blastradius import spark as brs                                   # doctest: +SKIP
>>> session = SparkSession.builder.master("local[2]").getOrCreate()        # doctest: +SKIP
>>> tl = brs.analyze(session, ["samples/nov18/logs"])                      # doctest: +SKIP
>>> tl.incidents.select("id", "attribution", "onset", "recovery")          # doctest: +SKIP

Paths are listed on the driver (directories and URL prefixes are walked); each task reads its
files from a path every executor can open (a shared file system or a mount of the bucket). URLs
with a scheme (``s3://``, ``gs://``, ``abfs://``...) are listed and fetched through ``fsspec``
(with the scheme's driver installed): the task copies each object into a temporary local file,
reads it and deletes it; the accounting names the file by its URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import tempfile
from typing import Any, Iterator, List, Optional, Sequence, Union

from . import Accounting, InputError, Timeline, _check, _core, _bucket, _opts, _seconds

#: The counts of the exchange frame (after kind, file_index, key, bucket, pop, host).
COUNT_COLUMNS: List[str] = [
    "requests", "status_5xx", "edge_5xx", "status_502", "status_4xx",
    "edge_500", "edge_502", "origin_5xx", "cf_52x", "rate_limited", "origin_unreachable",
    "unattributed_5xx", "bytes",
    "bot_scored", "bot_missing", "security_decisions", "decisions_on_missing", "rtt_ms_sum", "rtt_n",
]
#: Minima (first_*) and maxima (last_*), ns since the epoch.
TIME_COLUMNS: List[str] = [
    "first_ns", "last_ns", "first_5xx_ns", "last_5xx_ns", "first_edge_ns", "last_edge_ns",
    "first_origin_ns", "last_origin_ns", "first_bot_missing_ns", "last_bot_missing_ns",
]
KEY_COLUMNS: List[str] = ["bucket", "pop", "host"]

#: The Spark schema of the exchange frame.
SCHEMA: str = ", ".join(
    ["kind string", "file_index long", "key long", "bucket long", "pop string", "host string"]
    + [f"{c} long" for c in COUNT_COLUMNS + TIME_COLUMNS]
    + ["account string", "latency_bin long"]
)


def list_files(paths: Union[str, Sequence[str]]) -> List[str]:
    """The files under ``paths``, sorted: local directories are walked, and so are URL prefixes
    (``s3://bucket/20251118/``) through ``fsspec`` when it is installed.

    >>> brs.list_files(["samples/nov18/logs", "s3://logs/20251118/"])        # doctest: +SKIP
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [os.fspath(paths)]
    out: List[str] = []
    for p in paths:
        p = os.fspath(p)
        if "://" in p and not p.startswith("file://"):
            out.extend(_list_remote(p))
            continue
        p = p[len("file://"):] if p.startswith("file://") else p
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                out.extend(os.path.join(root, f) for f in sorted(files))
        else:
            out.append(p)
    return out


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError as e:
        raise ImportError("reading URLs (s3://, gs://, abfs://...) needs fsspec and the scheme's "
                          "driver: pip install fsspec s3fs (or gcsfs, adlfs)") from e
    return fsspec


def _list_remote(url: str) -> List[str]:
    """The objects under a URL prefix, or the URL itself when it names one object."""
    fs, root = _fsspec().core.url_to_fs(url)
    if not fs.isdir(root):
        return [url]
    return [fs.unstrip_protocol(f) for f in sorted(fs.find(root))]


@contextlib.contextmanager
def _local_copy(path: str) -> Iterator[str]:
    """A local path for ``path``: the path itself, or for a URL a temporary copy of the object,
    removed afterwards."""
    if "://" not in path:
        yield path
        return
    fs, remote = _fsspec().core.url_to_fs(path)
    fd, local = tempfile.mkstemp(suffix="-" + os.path.basename(remote))
    os.close(fd)
    try:
        fs.get(remote, local)
        yield local
    finally:
        os.unlink(local)


def _partials(seed: int, opts: dict, bucket_secs: int):
    import pyarrow as pa

    def run(batches: Iterator["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
        target = None
        for b in batches:
            for idx, path in zip(b.column("file_index").to_pylist(), b.column("path").to_pylist()):
                with _local_copy(path) as local:
                    table = pa.table(_core.file_partial(local, idx, seed, opts, bucket_secs, path))
                if target is None:
                    target = pa.schema([pa.field(f.name, pa.string() if pa.types.is_large_string(f.type)
                                                 or pa.types.is_string_view(f.type) else f.type)
                                        for f in table.schema])
                yield from table.cast(target).to_batches()

    return run


def partials(spark: Any, paths: Union[str, Sequence[str]], *, bucket: Union[int, str] = "1m",
             partitions: Optional[int] = None, seed: Optional[int] = None, format: Optional[str] = None,
             dedup: bool = True) -> Any:
    """The exchange frame of every file, as a Spark DataFrame (one task per partition of files).

    >>> parts = brs.partials(session, "samples/nov18/logs", partitions=4)          # doctest: +SKIP
    >>> parts.groupBy("kind").count().show()                                       # doctest: +SKIP
    """
    files = list_files(paths)
    if not files:
        raise InputError(f"nothing could be read: no files under {paths!r}")
    seed = random.getrandbits(63) if seed is None else seed
    n = partitions or min(len(files), max(1, spark.sparkContext.defaultParallelism) * 4)
    listing = spark.createDataFrame(list(enumerate(files)), "file_index long, path string").repartition(n)
    opts = _opts(format, dedup=dedup, threads=1)
    return listing.mapInArrow(_partials(seed, opts, _bucket(bucket)), SCHEMA)


def _arrow(df: Any) -> Optional[Any]:
    table = df.toArrow()
    return table if table.num_rows > 0 else None


def analyze(spark: Any, paths: Union[str, Sequence[str]], *, bucket: Union[int, str] = "1m",
            min_excess: float = 0.01, min_failing: Union[int, str] = "3m", partitions: Optional[int] = None,
            format: Optional[str] = None, dedup: bool = True, strict: bool = False,
            seed: Optional[int] = None) -> Timeline:
    """Reads every file under ``paths`` on the cluster and reconstructs the timeline.

    The answer is the CLI's (``blastradius timeline``) on the same files: same incidents, POPs,
    regions, propagation and input accounting. ``partitions`` sets how many tasks share the
    files (default: four per core of the cluster). ``dedup=False`` sends no key rows through
    the shuffle and gives the CLI's ``--no-dedup`` answer.

    >>> tl = brs.analyze(session, "s3://logs/20251118/", partitions=256)            # doctest: +SKIP
    >>> tl.pops.filter(pl.col("affected")).sort("onset")                            # doctest: +SKIP
    >>> tl.input                                                                    # doctest: +SKIP
    """
    from pyspark.sql import functions as F

    secs = _bucket(bucket)
    parts = partials(spark, paths, bucket=secs, partitions=partitions, seed=seed, format=format,
                     dedup=dedup).persist()
    try:
        sums = [F.sum(c).alias(c) for c in COUNT_COLUMNS]
        times = [(F.min if c.startswith("first") else F.max)(c).alias(c) for c in TIME_COLUMNS]
        merged = (parts.filter(F.col("kind") == "rates").groupBy(*KEY_COLUMNS).agg(*sums, *times)
                  .withColumn("kind", F.lit("rates")))
        latency = (parts.filter(F.col("kind") == "latency").groupBy("bucket", "pop", "key")
                   .agg(F.sum("requests").alias("requests")).withColumn("kind", F.lit("latency")))
        merged = merged.unionByName(latency, allowMissingColumns=True)
        keys = parts.filter(F.col("kind") == "key")
        copies = (keys.groupBy("key").agg(F.count(F.lit(1)).alias("copies"), F.min("file_index").alias("owner"))
                  .filter(F.col("copies") > 1))
        lost = keys.join(copies, "key").filter(F.col("file_index") != F.col("owner"))
        # A copy's latency leaves its bucket × POP's sketch as a latency row of count one per copy.
        lost_latency = (lost.filter(F.col("latency_bin").isNotNull())
                        .groupBy("bucket", "pop", F.col("latency_bin").alias("key"))
                        .agg(F.count(F.lit(1)).alias("requests")).withColumn("kind", F.lit("latency")))
        removals = (lost.groupBy(*KEY_COLUMNS).agg(*sums).withColumn("kind", F.lit("rates"))
                    .unionByName(lost_latency, allowMissingColumns=True))
        accounts = [r["account"] for r in
                    parts.filter(F.col("kind") == "file").select("file_index", "account").orderBy("file_index").collect()]
        rates_tbl = _arrow(merged)
        removals_tbl = _arrow(removals)
    finally:
        parts.unpersist()
    doc, acc_json = _core.combine_partials(rates_tbl, removals_tbl, accounts, secs, min_excess,
                                           _seconds(min_failing, "min_failing"))
    acc = _check(Accounting.from_json(acc_json), strict)  # nothing read: InputError
    return Timeline(json.loads(doc), acc)
