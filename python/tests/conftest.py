"""Shared fixtures: the repository's sample, the CLI to compare with, simulated scenarios."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "nov18"


def _cli() -> str:
    """The blastradius binary the answers are compared with."""
    candidates = [os.environ.get("BLASTRADIUS_BIN")]
    if os.environ.get("CARGO_TARGET_DIR"):
        candidates.append(os.path.join(os.environ["CARGO_TARGET_DIR"], "release", "blastradius"))
    candidates.append(str(REPO / "target" / "release" / "blastradius"))
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    found = shutil.which("blastradius")
    if found:
        return found
    raise RuntimeError("no blastradius binary: build it (cargo build --release) or set BLASTRADIUS_BIN")


@pytest.fixture(scope="session")
def cli() -> str:
    return _cli()


def run_cli(cli: str, *args: str) -> str:
    out = subprocess.run([cli, *args], check=True, capture_output=True, text=True)
    return out.stdout


def cli_timeline(cli: str, *paths: str) -> dict:
    return json.loads(run_cli(cli, "timeline", "-q", *paths))


@pytest.fixture(scope="session")
def scenarios(tmp_path_factory: pytest.TempPathFactory, cli: str) -> dict:
    """Simulated incidents nobody tuned for: a regional outage, an origin outage, a quiet day,
    and Nov-18 with another seed (small scale, to keep the tests quick)."""
    root = tmp_path_factory.mktemp("scenarios")
    out = {}
    for name, seed in (("regional", 5), ("origin", 6), ("quiet", 7), ("nov18", 8)):
        d = root / f"{name}-{seed}"
        subprocess.run([cli, "simulate", "--scenario", name, "--seed", str(seed), "--scale", "0.3",
                        "--out", str(d)], check=True, capture_output=True)
        out[name] = d
    return out


@dataclass
class S3:
    """A local S3 server (moto) holding the sample under ``s3://logs/zone/``."""

    endpoint: str
    recording: Path

    @property
    def storage(self) -> Dict[str, str]:
        return {"endpoint": self.endpoint, "region": "us-east-1", "aws_access_key_id": "testing",
                "aws_secret_access_key": "testing"}

    def mark(self) -> int:
        """A position in the request log."""
        return len(self._lines())

    def object_gets(self, since: int) -> List[str]:
        """The keys of the objects downloaded after ``since`` (listings are not counted)."""
        from urllib.parse import urlparse

        keys = []
        for line in self._lines()[since:]:
            r = json.loads(line)
            u = urlparse(r["url"])
            if r["method"] == "GET" and "list-type" not in u.query and u.path.count("/") > 1:
                keys.append(u.path.lstrip("/"))
        return keys

    def _lines(self) -> List[str]:
        return self.recording.read_text().splitlines() if self.recording.exists() else []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3]:
    """Starts ``moto`` in server mode on 127.0.0.1 (recording every request, to count the
    downloads) and uploads the sample bucket. Without moto the tests are skipped, except under
    CI, where they fail."""
    try:
        import boto3
        import moto.server  # noqa: F401
    except ImportError as e:
        if os.environ.get("CI"):
            pytest.fail(f"the object storage tests need moto[server] and boto3: {e}")
        pytest.skip("pip install 'moto[server]' for the object storage tests")
    root = tmp_path_factory.mktemp("s3")
    recording = root / "requests.jsonl"
    port = _free_port()
    env = dict(os.environ, MOTO_ENABLE_RECORDING="True", MOTO_RECORDER_FILEPATH=str(recording))
    log = open(root / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"the S3 server did not start: {(root / 'server.log').read_text()[-2000:]}")
                time.sleep(0.2)
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        client.create_bucket(Bucket="logs")
        logs = SAMPLE / "logs"
        for f in sorted(logs.rglob("*")):
            if f.is_file():
                client.put_object(Bucket="logs", Key=f"zone/{f.relative_to(logs).as_posix()}", Body=f.read_bytes())
        yield S3(endpoint, recording)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
