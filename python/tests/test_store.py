"""Logs where they live: the sample uploaded to a local S3 server (moto, started by the `s3`
fixture on 127.0.0.1) reads to the same answers as the directory on disk, and a time window
downloads only the objects its names select."""

from __future__ import annotations

import datetime as dt
import os
import subprocess

import blastradius as br
from blastradius import _core
from conftest import SAMPLE, cli_timeline

LOGS = str(SAMPLE / "logs")
URL = "s3://logs/zone/"
SINCE, UNTIL = "2025-11-18T11:20:00Z", "2025-11-18T12:00:00Z"


def selected(since: str, until: str) -> list:
    """The sample's files a window selects by name, as bucket keys."""
    names, errors, pruned = _core.list_inputs([LOGS], br._opts(since=since, until=until))
    assert not errors and pruned > 0
    return sorted("logs/zone/" + os.path.relpath(n, LOGS) for n in names)


def test_a_prefix_over_s3_gives_the_local_answer_and_reads_every_object_once(s3, cli: str) -> None:
    mark = s3.mark()
    tl = br.timeline(URL, storage=s3.storage)
    assert tl.to_dict() == cli_timeline(cli, LOGS)
    assert tl.accounting.balanced and not [f for f in tl.accounting.files if f.error]
    assert all(f.file.startswith(URL) for f in tl.accounting.files)
    gets = s3.object_gets(mark)
    assert len(gets) == len(set(gets)) == len(tl.accounting.files) == 540


def test_a_window_downloads_only_its_objects_and_answers_as_the_cli(s3, cli: str) -> None:
    mark = s3.mark()
    tl = br.timeline(URL, since=SINCE, until=UNTIL, storage=s3.storage)
    assert sorted(s3.object_gets(mark)) == selected(SINCE, UNTIL)
    assert tl.to_dict() == cli_timeline(cli, "--since", SINCE, "--until", UNTIL, LOGS)
    acc = tl.accounting
    assert acc.balanced and acc.filtered > 0
    assert acc.lines == acc.events + acc.rejected + acc.duplicates + acc.filtered
    assert tl.input["filtered"] == acc.filtered


def test_events_and_datetimes_keep_to_the_window(s3) -> None:
    since = dt.datetime(2025, 11, 18, 11, 20)  # naive: UTC
    until = dt.datetime(2025, 11, 18, 12, 0, tzinfo=dt.timezone.utc)
    df = br.read_events(URL, since=since, until=until, storage=s3.storage)
    local = br.read_events(LOGS, since=SINCE, until=UNTIL)
    assert df.height == local.height > 0
    assert df["time"].min() >= since.replace(tzinfo=dt.timezone.utc)
    assert df["time"].max() < until
    assert df["source_file"].str.starts_with(URL).all()


def test_the_cli_reads_s3_with_credentials_from_the_environment(s3, cli: str) -> None:
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1")
    env.pop("AWS_PROFILE", None)
    args = ["timeline", "-q", "--since", SINCE, "--until", UNTIL, "--endpoint", s3.endpoint]
    out = subprocess.run([cli, *args, URL], check=True, capture_output=True, text=True, env=env).stdout
    import json
    assert json.loads(out) == cli_timeline(cli, "--since", SINCE, "--until", UNTIL, LOGS)


def test_a_missing_object_is_its_own_error_and_the_rest_is_read(s3) -> None:
    tl = br.timeline([URL + "20251118/", URL + "no-such-object.log.gz"], since=SINCE, until=UNTIL,
                     storage=s3.storage)
    failed = [f for f in tl.accounting.files if f.error]
    assert [f.file for f in failed] == [URL + "no-such-object.log.gz"]
    assert "no such object" in failed[0].error
    assert tl.accounting.events > 0
