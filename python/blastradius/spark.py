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
copy of a request but the one of the lowest file index becomes a removal. Only the keys that can
have a copy elsewhere cross the shuffle: those in a bucket another file has keys in, after
redelivered files (another file's keys exactly) are dropped whole (:func:`exchange`). The driver hands the
merged rows to the same timeline function the CLI uses, so the answer equals
``blastradius timeline`` over the same files, exactly.

>>> from pyspark.sql import SparkSession                                   # doctest: +SKIP
>>> from blastradius import spark as brs                                   # doctest: +SKIP
>>> session = SparkSession.builder.master("local[2]").getOrCreate()        # doctest: +SKIP
>>> tl = brs.analyze(session, ["samples/nov18/logs"])                      # doctest: +SKIP
>>> tl.incidents.select("id", "attribution", "onset", "recovery")          # doctest: +SKIP

Paths are listed on the driver by the core, as the CLI lists them (directories walked, URL
prefixes listed folder by folder); each task then reads its files from a path every executor can
open (a shared file system), or its objects straight from object storage (``s3://``, ``r2://``,
``gs://``, ``az://``, ``abfs://``, ``https://``) as streams, with no temporary copy: a cluster
needs only the wheel and the provider's credentials (its environment or files on every
executor, or ``storage={...}``). ``since``/``until`` prune day folders and Logpush objects by
name on the driver, before any task starts, and filter events in the tasks; the accounting names
each object by its URL.

>>> tl = brs.analyze(session, "s3://logs/zone/", since="2025-11-18T11:00Z",    # doctest: +SKIP
...                  until="2025-11-18T17:00Z", partitions=64)
"""

from __future__ import annotations

import json
import os
import random
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from . import Accounting, InputError, TimeArg, Timeline, _check, _core, _bucket, _opts, _seconds

#: The counts of the exchange frame (after kind, file_index, key, bucket, pop, host), and its
#: minima (first_*) and maxima (last_*), ns since the epoch: as the core writes them, so that a
#: count it adds crosses the shuffle without a change here.
_counts, _times = _core.partial_columns()
COUNT_COLUMNS: List[str] = list(_counts)
TIME_COLUMNS: List[str] = list(_times)
KEY_COLUMNS: List[str] = ["bucket", "pop", "host"]

#: The Spark schema of the exchange frame.
SCHEMA: str = ", ".join(
    ["kind string", "file_index long", "key long", "bucket long", "pop string", "host string"]
    + [f"{c} long" for c in COUNT_COLUMNS + TIME_COLUMNS]
    + ["account string", "latency_bin long"]
)


def list_files(paths: Union[str, Sequence[str]], *, since: TimeArg = None, until: TimeArg = None,
               storage: Optional[Dict[str, Any]] = None) -> List[str]:
    """The files and objects under ``paths``, as the core lists them: local directories walked
    in name order, URL prefixes (``s3://bucket/zone/``) listed, day folders and Logpush names
    outside ``since``/``until`` left out. A path that cannot be read or listed is kept, so that
    its task accounts for it as a failed file.

    >>> brs.list_files(["samples/nov18/logs", "s3://logs/zone/"], since="2025-11-18")  # doctest: +SKIP
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [os.fspath(paths)]
    local = [p[len("file://"):] if p.startswith("file://") else p for p in map(os.fspath, paths)]
    if not local:
        return []
    names, errors, _pruned = _core.list_inputs(local, _opts(since=since, until=until, storage=storage))
    return list(names) + [path for path, _ in errors]


def _partials(seed: int, opts: dict, bucket_secs: int):
    import pyarrow as pa

    def run(batches: Iterator["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
        target = None
        for b in batches:
            for idx, path in zip(b.column("file_index").to_pylist(), b.column("path").to_pylist()):
                # Objects are streamed from their store by the core: no temporary copy.
                table = pa.table(_core.file_partial(path, idx, seed, opts, bucket_secs))
                if target is None:
                    target = pa.schema([pa.field(f.name, pa.string() if pa.types.is_large_string(f.type)
                                                 or pa.types.is_string_view(f.type) else f.type)
                                        for f in table.schema])
                yield from table.cast(target).to_batches()

    return run


def partials(spark: Any, paths: Union[str, Sequence[str]], *, bucket: Union[int, str] = "1m",
             partitions: Optional[int] = None, seed: Optional[int] = None, format: Optional[str] = None,
             dedup: bool = True, since: TimeArg = None, until: TimeArg = None,
             storage: Optional[Dict[str, Any]] = None) -> Any:
    """The exchange frame of every file, as a Spark DataFrame (one task per partition of files).

    >>> parts = brs.partials(session, "samples/nov18/logs", partitions=4)          # doctest: +SKIP
    >>> parts.groupBy("kind").count().show()                                       # doctest: +SKIP
    """
    files = list_files(paths, since=since, until=until, storage=storage)
    if not files:
        raise InputError(f"nothing could be read: no files under {paths!r}")
    seed = random.getrandbits(63) if seed is None else seed
    n = partitions or min(len(files), max(1, spark.sparkContext.defaultParallelism) * 4)
    listing = spark.createDataFrame(list(enumerate(files)), "file_index long, path string").repartition(n)
    opts = _opts(format, dedup=dedup, threads=1, since=since, until=until, storage=storage)
    return listing.mapInArrow(_partials(seed, opts, _bucket(bucket)), SCHEMA)


#: The Spark schema of the cohort frame (one file's cohort counts; merged by summing per key).
COHORT_SCHEMA: str = ("file_index long, bucket long, pop string, dimension string, value string, "
                      "requests long, failures long")


def _cohort_partials(opts: dict, bucket_secs: int):
    import pyarrow as pa

    def run(batches: Iterator["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
        target = None
        for b in batches:
            for idx, path in zip(b.column("file_index").to_pylist(), b.column("path").to_pylist()):
                # Objects are streamed from their store by the core: no temporary copy.
                table = pa.table(_core.file_cohorts(path, idx, opts, bucket_secs))
                if target is None:
                    target = pa.schema([pa.field(f.name, pa.string() if pa.types.is_large_string(f.type)
                                                 or pa.types.is_string_view(f.type) else f.type)
                                        for f in table.schema])
                yield from table.cast(target).to_batches()

    return run


def cohort_partials(spark: Any, paths: Union[str, Sequence[str]], *, bucket: Union[int, str] = "1m",
                    partitions: Optional[int] = None, format: Optional[str] = None, dedup: bool = True) -> Any:
    """Every file's cohort counts (requests and 5xx per bucket × POP × dimension × value), as a
    Spark DataFrame: sum ``requests`` and ``failures`` per (bucket, pop, dimension, value) to
    merge. Each file is de-duplicated on its own; copies of a request in two files are counted
    twice here (the rates are exact)."""
    files = list_files(paths)
    if not files:
        raise InputError(f"nothing could be read: no files under {paths!r}")
    n = partitions or min(len(files), max(1, spark.sparkContext.defaultParallelism) * 4)
    listing = spark.createDataFrame(list(enumerate(files)), "file_index long, path string").repartition(n)
    return listing.mapInArrow(_cohort_partials(_opts(format, dedup=dedup, threads=1), _bucket(bucket)),
                              COHORT_SCHEMA)


def exchange(parts: Any, bucket_secs: int = 60) -> Tuple[Any, Any]:
    """What of the key rows must cross the shuffle for de-duplication, and which files are
    redelivered copies.

    Copies of a request carry the same time, hence the same bucket, so two files can only share
    a request in a bucket both have keys in. Each file's keys are summarised where they lie (a
    count per file × bucket, combined before any exchange), and only the keys of buckets that
    two or more files touch cross the shuffle to be grouped by key. A file whose keys are exactly
    another's (the same count, bitwise XOR, smallest and largest key: a redelivered batch) is
    dropped whole instead, its lowest-indexed twin kept, as the CLI keeps the first copy.

    ``bucket_secs`` is the partials' bucket width. Returns (redelivered files as a
    ``file_index`` frame, the key rows to exchange).
    """
    from pyspark.sql import functions as F

    keys = parts.filter(F.col("kind") == "key")
    # Every request of a copy has an id (a request without one is never a duplicate).
    requests = (parts.filter(F.col("kind") == "rates").groupBy("file_index")
                .agg(F.sum("requests").alias("requests")))
    digests = (keys.groupBy("file_index")
               .agg(F.count(F.lit(1)).alias("n"), F.bit_xor("key").alias("x"),
                    F.min("key").alias("lo"), F.max("key").alias("hi"))
               .join(requests, "file_index")
               .collect())
    first: Dict[tuple, int] = {}
    copies: List[int] = []
    for r in sorted(digests, key=lambda r: r["file_index"]):
        if r["n"] != r["requests"]:
            continue
        d = (r["n"], r["x"], r["lo"], r["hi"])
        if d in first:
            copies.append(r["file_index"])
        else:
            first[d] = r["file_index"]
    session = parts.sparkSession
    redelivered = session.createDataFrame([(i,) for i in copies], "file_index long")
    kept = keys.join(F.broadcast(redelivered), "file_index", "left_anti")
    # Buckets first (a few rows per file), then, within the shared buckets, the second of each
    # request (copies share it too): the footprints cross the shuffle as narrow rows of at most
    # one per file and spot, where the keys that survive them cross with all their columns.
    candidates = _shared(kept, "bucket")
    if bucket_secs > 1:
        candidates = candidates.withColumn("second", F.floor(F.col("first_ns") / 1_000_000_000))
        candidates = _shared(candidates, "second").drop("second")
    return redelivered, candidates


def _shared(keys: Any, spot: str) -> Any:
    """The key rows in a ``spot`` (bucket or second) that keys of two or more files fall in."""
    from pyspark.sql import functions as F

    spots = keys.groupBy("file_index", spot).agg(F.count(F.lit(1)).alias("n"))
    shared = spots.groupBy(spot).agg(F.count(F.lit(1)).alias("files")).filter(F.col("files") > 1)
    return keys.join(shared.select(spot), spot, "left_semi")


def _arrow(df: Any) -> Optional[Any]:
    table = df.toArrow()
    return table if table.num_rows > 0 else None


def analyze(spark: Any, paths: Union[str, Sequence[str]], *, bucket: Union[int, str] = "1m",
            min_excess: float = 0.01, min_failing: Union[int, str] = "3m", partitions: Optional[int] = None,
            format: Optional[str] = None, dedup: bool = True, strict: bool = False,
            seed: Optional[int] = None, cohorts: bool = False, since: TimeArg = None, until: TimeArg = None,
            storage: Optional[Dict[str, Any]] = None) -> Timeline:
    """Reads every file under ``paths`` on the cluster and reconstructs the timeline.

    The answer is the CLI's (``blastradius timeline``) on the same files: same incidents, POPs,
    regions, propagation and input accounting. ``partitions`` sets how many tasks share the
    files (default: four per core of the cluster). ``dedup=False`` sends no key rows through
    the shuffle and gives the CLI's ``--no-dedup`` answer. ``cohorts=True`` reads every file a
    second time for its cohort counts (every field parsed), sums them on the cluster and adds who
    was hit to each incident (``Timeline.headlines``, ``Timeline.cohorts``), as ``blastradius
    cohorts`` does (copies of a request in two files are counted twice there).

    >>> tl = brs.analyze(session, "s3://logs/20251118/", partitions=256)            # doctest: +SKIP
    >>> tl.pops.filter(pl.col("affected")).sort("onset")                            # doctest: +SKIP
    >>> tl.input                                                                    # doctest: +SKIP
    """
    from pyspark.sql import functions as F

    secs = _bucket(bucket)
    parts = partials(spark, paths, bucket=secs, partitions=partitions, seed=seed, format=format,
                     dedup=dedup, since=since, until=until, storage=storage).persist()
    try:
        sums = [F.sum(c).alias(c) for c in COUNT_COLUMNS]
        times = [(F.min if c.startswith("first") else F.max)(c).alias(c) for c in TIME_COLUMNS]
        merged = (parts.filter(F.col("kind") == "rates").groupBy(*KEY_COLUMNS).agg(*sums, *times)
                  .withColumn("kind", F.lit("rates")))
        latency = (parts.filter(F.col("kind") == "latency").groupBy("bucket", "pop", "key")
                   .agg(F.sum("requests").alias("requests")).withColumn("kind", F.lit("latency")))
        merged = merged.unionByName(latency, allowMissingColumns=True)
        redelivered, exchanged = exchange(parts, secs)
        copies = (exchanged.groupBy("key").agg(F.count(F.lit(1)).alias("copies"),
                                               F.min("file_index").alias("owner"))
                  .filter(F.col("copies") > 1))
        lost = exchanged.join(copies, "key").filter(F.col("file_index") != F.col("owner"))
        # A copy's latency leaves its bucket × POP's sketch as a latency row of count one per copy.
        lost_latency = (lost.filter(F.col("latency_bin").isNotNull())
                        .groupBy("bucket", "pop", F.col("latency_bin").alias("key"))
                        .agg(F.count(F.lit(1)).alias("requests")).withColumn("kind", F.lit("latency")))
        # A redelivered file is a copy whole: all its rows leave the merge, as its requests'
        # removals (so the accounting counts them as duplicates).
        whole = parts.join(F.broadcast(redelivered), "file_index", "left_semi")
        whole_rates = (whole.filter(F.col("kind") == "rates").groupBy(*KEY_COLUMNS).agg(*sums)
                       .withColumn("kind", F.lit("rates")))
        whole_latency = (whole.filter(F.col("kind") == "latency").groupBy("bucket", "pop", "key")
                         .agg(F.sum("requests").alias("requests")).withColumn("kind", F.lit("latency")))
        removals = (lost.groupBy(*KEY_COLUMNS).agg(*sums).withColumn("kind", F.lit("rates"))
                    .unionByName(lost_latency, allowMissingColumns=True)
                    .unionByName(whole_rates, allowMissingColumns=True)
                    .unionByName(whole_latency, allowMissingColumns=True))
        accounts = [r["account"] for r in
                    parts.filter(F.col("kind") == "file").select("file_index", "account").orderBy("file_index").collect()]
        rates_tbl = _arrow(merged)
        removals_tbl = _arrow(removals)
    finally:
        parts.unpersist()
    doc, acc_json = _core.combine_partials(rates_tbl, removals_tbl, accounts, secs, min_excess,
                                           _seconds(min_failing, "min_failing"))
    acc = _check(Accounting.from_json(acc_json), strict)  # nothing read: InputError
    if cohorts and doc is not None:
        merged = (cohort_partials(spark, paths, bucket=secs, partitions=partitions, format=format, dedup=dedup)
                  .groupBy("bucket", "pop", "dimension", "value")
                  .agg(F.sum("requests").alias("requests"), F.sum("failures").alias("failures")))
        table = _arrow(merged)
        if table is not None:
            doc = _core.attach_cohorts(doc, table, secs)
    return Timeline(json.loads(doc), acc)
