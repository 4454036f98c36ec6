"""On Spark (local[2]), the merged per-file partials give the CLI's timeline exactly, whatever
the split into files and partitions."""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# CI installs pyspark: there a missing one is a broken CI, not a skip.
if os.environ.get("CI"):
    import pyspark  # noqa: F401
else:
    pyspark = pytest.importorskip("pyspark", reason="pip install 'pyspark>=4' pyarrow")

import blastradius as br  # noqa: E402
from blastradius import spark as brs  # noqa: E402
from conftest import SAMPLE, cli_timeline  # noqa: E402

LOGS = str(SAMPLE / "logs")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("blastradius-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.driver.memory", "2g")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def split(src: Path, dst: Path, pieces: int, seed: int) -> list:
    """Every line of the bucket under `src`, dealt into `pieces` gzip files of random sizes (in
    the original order, so copies of a request land in different files)."""
    lines = []
    for f in sorted(src.rglob("*")):
        if f.is_file():
            lines.extend(gzip.decompress(f.read_bytes()).splitlines(keepends=True))
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(lines)), pieces - 1))
    dst.mkdir(parents=True)
    files = []
    for i, (a, b) in enumerate(zip([0] + cuts, cuts + [len(lines)])):
        p = dst / f"part-{i:04d}.log.gz"
        p.write_bytes(gzip.compress(b"".join(lines[a:b]), mtime=0))
        files.append(str(p))
    return files


def test_spark_equals_the_cli_on_the_sample(spark, cli: str) -> None:
    expected = cli_timeline(cli, LOGS)
    tl = brs.analyze(spark, LOGS, partitions=7)
    assert tl.to_dict() == expected
    assert tl.accounting.balanced
    assert tl.accounting.duplicates == expected["input"]["duplicates"] > 0


def test_partitions_and_file_order_do_not_change_the_answer(spark, cli: str) -> None:
    expected = cli_timeline(cli, LOGS)
    files = brs.list_files(LOGS)
    random.Random(3).shuffle(files)
    for partitions in (1, 13):
        assert brs.analyze(spark, files, partitions=partitions).to_dict() == expected


def test_the_nov18_scenario_split_across_many_files(spark, cli: str, scenarios: dict, tmp_path: Path) -> None:
    files = split(scenarios["nov18"] / "logs", tmp_path / "split", pieces=97, seed=11)
    expected = cli_timeline(cli, str(tmp_path / "split"))
    assert expected["incidents"], "the scenario has its incident"
    assert expected["input"]["duplicates"] > 0
    # The README's claim: 97 files over 1, 3, 5, 7 and 13 partitions, each equal to the CLI.
    for partitions in (1, 3, 5, 7, 13):
        tl = brs.analyze(spark, files, partitions=partitions)
        assert tl.to_dict() == expected, f"{partitions} partitions"
    # And the Python API on one machine agrees.
    assert br.timeline(files).to_dict() == expected


def test_only_keys_that_can_have_a_copy_cross_the_shuffle(spark, cli: str, scenarios: dict, tmp_path: Path) -> None:
    from pyspark.sql import functions as F

    files = split(scenarios["nov18"] / "logs", tmp_path / "split", pieces=97, seed=11)
    # A redelivered batch: one file again, under a later name.
    copy = tmp_path / "split" / "part-9999.log.gz"
    copy.write_bytes(Path(files[40]).read_bytes())
    files.append(str(copy))
    expected = cli_timeline(cli, str(tmp_path / "split"))
    parts = brs.partials(spark, files, partitions=5).persist()
    redelivered, exchanged = brs.exchange(parts)
    assert [r["file_index"] for r in redelivered.collect()] == [97]
    every = parts.filter(F.col("kind") == "key").count()
    crossing = exchanged.count()
    print(f"key rows: {every}, crossing the shuffle: {crossing} ({crossing / every:.1%})")
    assert 0 < crossing < every / 4
    parts.unpersist()
    assert brs.analyze(spark, files, partitions=5).to_dict() == expected


def test_the_regional_scenario(spark, cli: str, scenarios: dict) -> None:
    logs = str(scenarios["regional"] / "logs")
    assert brs.analyze(spark, logs, partitions=3).to_dict() == cli_timeline(cli, logs)


def test_nothing_readable_raises(spark, tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("not a log\n")
    with pytest.raises(br.InputError, match="nothing could be read"):
        brs.analyze(spark, [str(f)])


def test_without_deduplication_no_keys_cross_the_shuffle(spark, cli: str) -> None:
    from pyspark.sql import functions as F

    parts = brs.partials(spark, LOGS, dedup=False, partitions=3)
    assert parts.filter(F.col("kind") == "key").count() == 0
    assert parts.filter(F.col("kind") == "file").count() == len(brs.list_files(LOGS))
    expected = cli_timeline(cli, "--no-dedup", LOGS)
    assert expected["input"]["duplicates"] == 0
    assert brs.analyze(spark, LOGS, dedup=False, partitions=3).to_dict() == expected


def test_spark_tasks_read_objects_straight_from_s3_with_a_window(spark, s3, cli: str) -> None:
    """The driver lists the bucket with the window; each task streams its objects from the S3
    server (no temporary copy, no fsspec): only the selected objects are downloaded, and the
    answer is the CLI's on the local directory with the same window."""
    from test_store import SINCE, UNTIL, URL, selected

    listed = brs.list_files(URL, since=SINCE, until=UNTIL, storage=s3.storage)
    assert sorted(u.replace("s3://", "", 1) for u in listed) == selected(SINCE, UNTIL)
    before = set(os.listdir(tempfile.gettempdir()))
    mark = s3.mark()
    tl = brs.analyze(spark, URL, since=SINCE, until=UNTIL, storage=s3.storage, partitions=5)
    assert sorted(s3.object_gets(mark)) == selected(SINCE, UNTIL)
    assert tl.to_dict() == cli_timeline(cli, "--since", SINCE, "--until", UNTIL, LOGS)
    assert tl.accounting.balanced and tl.accounting.filtered > 0
    assert all(f.file.startswith(URL) for f in tl.accounting.files)
    assert set(os.listdir(tempfile.gettempdir())) - before == set()  # nothing copied


def test_who_was_hit_on_the_cluster_equals_the_core(spark, cli: str, tmp_path: Path) -> None:
    d = tmp_path / "dec5"
    subprocess.run([cli, "simulate", "--scenario", "dec5", "--seed", "46", "--scale", "0.5", "--out", str(d)],
                   check=True, capture_output=True)
    local = br.cohorts(d / "logs", dedup=False)
    cluster = brs.analyze(spark, str(d / "logs"), partitions=3, dedup=False, cohorts=True)
    assert cluster.to_dict()["incidents"] == local.to_dict()["incidents"]
    heads = [h for h in cluster.headlines.values() if h]
    assert heads and sorted(heads[0]["values"]) == ["example.net", "example.org"]


def test_the_spark_schema_is_the_cores_exchange_frame() -> None:
    import pyarrow as pa
    from blastradius import _core
    first = sorted(Path(LOGS).rglob("*.log.gz"))[0]
    table = pa.table(_core.file_partial(str(first), 0, 1, None, 60))
    want = ["kind", "file_index", "key", "bucket", "pop", "host"] + brs.COUNT_COLUMNS + brs.TIME_COLUMNS \
        + ["account", "latency_bin"]
    assert table.column_names == want
    assert [f.split(" ")[0] for f in brs.SCHEMA.split(", ")] == want
