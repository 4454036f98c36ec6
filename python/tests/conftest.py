"""Shared fixtures: the repository's sample, the CLI to compare with, simulated scenarios."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

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
