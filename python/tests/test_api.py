"""The Python answers equal the CLI's, on the bundled sample and on simulated scenarios."""

from __future__ import annotations

import gzip
import json
import subprocess
import threading
from pathlib import Path

import polars as pl
import pytest

import blastradius as br
from conftest import REPO, SAMPLE, cli_timeline, run_cli

LOGS = str(SAMPLE / "logs")
CAPTURES = str(SAMPLE / "captures")


def test_read_events_accounts_for_every_line(cli: str) -> None:
    df, acc = br.read_events(LOGS, with_accounting=True)
    assert isinstance(df, pl.DataFrame)
    assert acc.balanced
    assert df.height == acc.events
    expected = cli_timeline(cli, LOGS)["input"]
    assert (acc.lines, acc.events, acc.rejected, acc.duplicates) == (
        expected["lines"], expected["events"], expected["rejected"], expected["duplicates"])
    assert {"time", "pop", "host", "edge_status", "origin_status", "request_id"} <= set(df.columns)
    assert df.schema["time"] == pl.Datetime("ns", "UTC")
    assert df["pop"].n_unique() > 10


def test_timeline_equals_the_cli_on_the_sample(cli: str) -> None:
    tl = br.timeline(LOGS)
    assert tl.to_dict() == cli_timeline(cli, LOGS)
    inc = tl.incidents
    assert inc["attribution"].to_list() == ["edge"]
    assert inc.schema["onset"] == pl.Datetime("ns", "UTC")
    # The epicenter is the POP surely failing first; DFW's few requests a minute give it an
    # earlier but vaguer onset, first in the propagation's point estimates.
    assert inc["epicenter"][0].to_list() == ["FRA"]
    assert "FRA" in tl.propagation["pop"].head(2).to_list()
    assert tl.pops.height == len(tl.to_dict()["pops"])
    assert json.loads(tl.to_json()) == tl.to_dict()


@pytest.mark.parametrize("name", ["regional", "origin", "quiet", "nov18"])
def test_timeline_equals_the_cli_on_scenarios(cli: str, scenarios: dict, name: str) -> None:
    logs = str(scenarios[name] / "logs")
    assert br.timeline(logs).to_dict() == cli_timeline(cli, logs)


def test_timeline_of_frames_equals_the_timeline_of_paths(cli: str) -> None:
    expected = cli_timeline(cli, LOGS)
    rates, acc = br.rates(LOGS, by_host=True, with_accounting=True)
    assert br.timeline(rates, accounting=acc).to_dict() == expected
    events, acc = br.read_events(LOGS, with_accounting=True)
    assert br.timeline(events, accounting=acc).to_dict() == expected
    # Without hosts, the incidents' host lists are empty; the rest is the same.
    no_hosts = br.timeline(br.rates(LOGS), accounting=acc).to_dict()
    assert no_hosts["pops"] == expected["pops"]
    assert no_hosts["propagation"] == expected["propagation"]


def test_rates_equal_the_cli_json(cli: str) -> None:
    rows = json.loads(run_cli(cli, "rates", "-q", "--format", "json", LOGS))
    df = br.rates(LOGS)
    assert df.schema["bucket"] == pl.Datetime("ns", "UTC")
    assert df.height == len(rows)
    got = {(r["bucket"].strftime("%Y-%m-%d %H:%M:%S"), r["pop"]): (r["requests"], r["status_5xx"], r["edge_500"])
           for r in df.iter_rows(named=True)}
    want = {(r["bucket"], r["pop"]): (r["requests"], r["status_5xx"], r["signatures"]["edge_500"]) for r in rows}
    assert got == want
    assert df["requests"].sum() == br.read_events(LOGS).height


def test_classify_equals_the_cli(cli: str) -> None:
    want = [json.loads(line) for line in run_cli(cli, "classify", "-q", CAPTURES).splitlines()]
    got = br.classify(CAPTURES)
    assert got.height == len(want)
    key = lambda r: (r["file"], r.get("line"), r.get("entry"))  # noqa: E731
    got_sigs = {key(r): (r["signature"], r["evidence"]) for r in got.iter_rows(named=True)}
    want_sigs = {key(r): (r.get("signature"), r.get("evidence")) for r in want}
    assert got_sigs == want_sigs
    failures = br.classify(CAPTURES, failures_only=True)
    assert failures.height == sum(1 for r in want if r.get("signature"))
    assert "tls_chain" in failures["signature"].to_list()


def test_read_events_can_classify() -> None:
    df = br.read_events(CAPTURES, classify=True)
    assert {"signature", "evidence"} <= set(df.columns)
    assert df.filter(pl.col("signature") == "tls_chain").height > 0


def test_batches_add_up_to_the_whole_read() -> None:
    whole, acc = br.read_events(LOGS, with_accounting=True)
    batches = br.iter_events(LOGS, chunk_bytes=64 * 1024)
    assert batches.accounting is None
    heights = [b.height for b in batches]
    assert len(heights) > 10
    assert sum(heights) == whole.height
    assert batches.accounting is not None and batches.accounting.balanced
    assert batches.accounting.events == acc.events


def test_a_rejected_line_names_its_file_and_line(tmp_path: Path) -> None:
    line = (SAMPLE / "logs").rglob("*.log.gz").__next__()
    good = gzip.decompress(line.read_bytes()).decode().splitlines()[:3]
    f = tmp_path / "bad.ndjson"
    f.write_text("\n".join([good[0], '{"EdgeStartTimestamp": "not a time", "ClientRequestHost"', good[1]]) + "\n")
    df, acc = br.read_events(f, with_accounting=True)
    assert (acc.lines, acc.events, acc.rejected) == (3, 2, 1)
    with pytest.raises(br.InputError) as e:
        br.read_events(f, strict=True)
    assert e.value.file == str(f) and e.value.line == 2
    assert f"{f}:2:" in str(e.value)
    assert isinstance(e.value, br.BlastradiusError)


def test_nothing_readable_raises_with_the_reason(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("this is not a log\n")
    with pytest.raises(br.InputError, match="nothing could be read"):
        br.read_events(f)
    with pytest.raises(br.InputError, match="nothing could be read"):
        br.timeline(str(tmp_path / "missing"))
    with pytest.raises(br.InputError, match="empty"):
        br.timeline(br.read_events(LOGS).head(0))


def test_bad_options_raise_value_error() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        br.read_events(LOGS, format="nonsense")


def test_the_gil_is_released_while_the_core_reads() -> None:
    done = threading.Event()
    ticks = 0

    def work() -> None:
        br.read_events(LOGS)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    while not done.is_set():
        ticks += 1
    t.join()
    # Holding the GIL for the whole read would leave this thread a few switch intervals.
    assert ticks > 100_000


def test_report_writes_the_directory(tmp_path: Path) -> None:
    acc = br.report(str(SAMPLE), tmp_path / "out")
    assert acc.balanced
    for f in ("report.html", "report.md", "timeline.json", "events.parquet", "accounting.json"):
        assert (tmp_path / "out" / f).exists(), f
    assert "EDGE (CDN) failure" in (tmp_path / "out" / "report.md").read_text()
    events = pl.read_parquet(tmp_path / "out" / "events.parquet")
    assert events.height == acc.events


def test_explain() -> None:
    assert "500" in br.explain("edge_500")
    table = br.explain()
    assert {"edge_500", "tls_chain", "oauth_loop"} <= set(table["signature"].to_list())
    with pytest.raises(ValueError, match="unknown signature"):
        br.explain("nope")


def _cookie_values() -> set:
    values = set()
    for har in Path(CAPTURES).glob("*.har.gz"):
        doc = json.loads(gzip.decompress(har.read_bytes()))
        for e in doc["log"]["entries"]:
            for h in e["request"]["headers"]:
                if h["name"].lower() == "cookie":
                    values.update(part.split("=", 1)[-1].strip() for part in h["value"].split(";"))
    return {v for v in values if len(v) >= 8}


def test_secrets_never_reach_a_frame(tmp_path: Path) -> None:
    secrets = _cookie_values()
    assert secrets, "the sample's HAR files carry cookies"
    token = "tok_9f8e7d6c5b4a39281706"
    entry = {
        "startedDateTime": "2025-11-18T11:30:00.000Z", "time": 120,
        "request": {"method": "GET", "url": f"https://api.example.com/v1/me?access_token={token}",
                    "headers": [{"name": "Cookie", "value": f"session={token}"}]},
        "response": {"status": 500, "headers": [{"name": "server", "value": "cloudflare"}],
                     "content": {"mimeType": "text/html", "text": "<title>500 Internal Server Error</title>"}},
    }
    failed = {  # a browser's error message names the URL it was loading
        "startedDateTime": "2025-11-18T11:30:01.000Z",
        "request": {"method": "GET", "url": "https://api.example.com/v1/login", "headers": []},
        "response": {"status": 0, "_error": f"net::ERR_CERT_AUTHORITY_INVALID loading "
                                            f"https://api.example.com/v1/login?access_token={token}"},
    }
    (tmp_path / "user.har").write_text(json.dumps({"log": {"version": "1.2", "entries": [entry, failed]}}))

    def dump(path: str, **kw) -> str:
        df = br.read_events(path, **kw)
        return df.select(pl.all().cast(pl.String)).write_csv()

    assert not [s for s in secrets if s in dump(CAPTURES)]
    assert token not in dump(str(tmp_path))
    assert "[REDACTED]" in dump(str(tmp_path))
    assert token in dump(str(tmp_path), keep_secrets=True), "keep_secrets keeps them"


@pytest.mark.parametrize("bucket", [0, "0s", "-1m", "1.5m", "500ms", 2**62, True, 1.5, "2d"])
def test_a_bucket_out_of_range_or_form_is_a_value_error(bucket: object) -> None:
    for call in (lambda: br.rates(LOGS, bucket), lambda: br.timeline(LOGS, bucket=bucket)):
        with pytest.raises(ValueError):
            call()


def test_frames_of_any_habit_give_the_same_timeline() -> None:
    """Categorical text, pandas and Arrow tables, and a rates frame of 5-minute buckets."""
    want = br.timeline(LOGS).to_dict()
    events = br.read_events(LOGS)
    for frame in (events.with_columns(pl.col("pop", "host").cast(pl.Categorical)),
                  events.to_arrow(), events.lazy()):
        assert br.timeline(frame).to_dict()["incidents"] == want["incidents"]
    five = br.rates(LOGS, "5m", by_host=True)
    assert br.timeline(five).to_dict()["incidents"] == br.timeline(LOGS, bucket="5m").to_dict()["incidents"]
    with pytest.raises(ValueError, match="300 s apart"):
        br.timeline(five, bucket="7m")


def test_an_event_frame_without_the_needed_columns_is_refused() -> None:
    events = br.read_events(LOGS)
    with pytest.raises(ValueError, match="origin_status"):
        br.timeline(events.select("time", "pop", "host", "edge_status"))


def test_parts_keep_their_columns_when_empty(scenarios: dict, tmp_path: Path) -> None:
    quiet = br.timeline(scenarios["quiet"])
    assert quiet.incidents.height == 0 and "onset" in quiet.incidents.columns
    assert quiet.propagation.schema["lag_seconds"] == pl.Float64
    both = pl.concat([quiet.pops, br.timeline(LOGS).pops])  # the same schema either way
    assert both.schema["onset"] == pl.Datetime("ns", "UTC")
    regions = br.timeline(LOGS).regions  # a region row type of its own: no POP columns
    assert regions.schema["pops_affected"] == pl.Int64 and regions.schema["onset"] == pl.Datetime("ns", "UTC")
    assert "city" not in regions.columns and quiet.regions.schema["region"] == pl.String
    first = sorted(Path(LOGS).rglob("*.gz"))[0]
    ok = [ln for ln in gzip.decompress(first.read_bytes()).splitlines() if b'"EdgeResponseStatus":200' in ln]
    (tmp_path / "healthy.log").write_bytes(b"\n".join(ok[:5]) + b"\n")
    healthy = br.classify(str(tmp_path / "healthy.log"), failures_only=True)
    assert healthy.height == 0 and healthy.schema["signature"] == pl.String


def test_log_format_reaches_every_reader(cli: str) -> None:
    conf = (REPO / "tests" / "fixtures" / "nginx" / "log_format.conf").read_text()
    log = str(REPO / "tests" / "fixtures" / "nginx" / "upstream.log")
    want = json.loads(run_cli(cli, "rates", "-q", "--format", "json", "--log-format", conf, log))
    got, acc = br.rates(log, log_format=conf, with_accounting=True)
    assert got.height == len(want) > 0
    assert got["requests"].sum() == sum(r["requests"] for r in want) == acc.events
    tl = br.timeline(log, log_format=conf)
    assert (tl.input["events"], tl.input["rejected"]) == (acc.events, acc.rejected)
    assert br.classify(log, log_format=conf).height == br.read_events(log, log_format=conf).height


def test_a_named_quiet_period_and_checked_parameters(cli: str) -> None:
    quiet = br.timeline(LOGS, baseline="2025-11-18T10:00:00Z..2025-11-18T11:00:00Z")
    assert quiet.incidents.height == 1
    assert quiet.incidents["attribution"].to_list() == ["edge"]
    assert quiet.to_dict() == cli_timeline(cli, LOGS, "--baseline", "2025-11-18T10:00:00Z..2025-11-18T11:00:00Z")
    with pytest.raises(ValueError):
        br.timeline(LOGS, baseline="2025-11-18T11:00:00Z..2025-11-18T10:00:00Z")
    with pytest.raises(ValueError):
        br.timeline(LOGS, min_excess=float("nan"))


@pytest.fixture(scope="module")
def dec5(tmp_path_factory: pytest.TempPathFactory, cli: str) -> Path:
    d = tmp_path_factory.mktemp("dec5") / "dec5-44"
    subprocess.run([cli, "simulate", "--scenario", "dec5", "--seed", "44", "--out", str(d)],
                   check=True, capture_output=True)
    return d


def test_cohorts_name_who_was_hit_as_the_cli_does(cli: str, dec5: Path) -> None:
    changes = REPO / "tests" / "fixtures" / "changes" / "changes.json"
    tl = br.cohorts(dec5 / "logs", changes=changes)
    want = json.loads(run_cli(cli, "cohorts", "-q", "-f", "json", "--changes", str(changes), str(dec5 / "logs")))
    main = max(tl.to_dict()["incidents"], key=lambda i: i["failed_requests"])
    assert [w["cohorts"] for w in want if w["incident"] == main["id"]] == [main["cohorts"]]
    head = tl.headlines[main["id"]]
    assert head["dimension"] == "zone" and sorted(head["values"]) == ["example.net", "example.org"]
    rows = tl.cohorts.filter(pl.col("incident") == main["id"])
    assert set(rows.filter(pl.col("headline"))["value"].to_list()) == {"example.net", "example.org"}
    assert "/cdn-cgi/trace" in rows.filter(pl.col("spared"))["value"].to_list()
    ch = tl.changes.filter(pl.col("incident") == main["id"])
    assert ch["rank"].to_list()[0] == 1 and ch["fit"].to_list()[0] == "fits"
    assert "cohorts" not in tl.incidents.columns
    assert br.read_changes(changes)[0]["what"] == "maintenance window in Santiago"


def test_compare_takes_timelines_report_directories_and_inputs(tmp_path: Path, dec5: Path) -> None:
    out = tmp_path / "report"
    br.report(dec5 / "logs", out)
    c = br.compare(out, br.timeline(LOGS))
    rows = {r[0]: (r[1], r[2]) for r in c["rows"]}
    assert rows["shape"][0] == "step" and rows["who was hit"][0].startswith("zone ")
    assert "| shape |" in br.compare(out, dec5 / "logs", format="markdown")
    assert "<table>" in br.compare(out, out, format="html")
def test_signal_parts_on_the_bot_scenario(cli: str, tmp_path: Path) -> None:
    out = tmp_path / "bot"
    run_cli(cli, "simulate", "--scenario", "bot", "--seed", "43", "--scale", "0.3", "--out", str(out))
    truth = json.loads((out / "truth.json").read_text())
    tl = br.timeline(str(out / "logs"))
    assert tl.to_dict() == cli_timeline(cli, str(out / "logs"))
    assert tl.incidents.height == 0, "no 5xx incident"
    bot = tl.signals.filter(pl.col("kind") == "bot_score_missing")
    assert bot.height == 1 and bot["decision_rate"][0] > 0.8
    want = {p["pop"] for s in truth["signals"] if s["kind"] == "bot_score_missing" for p in s["pops"]}
    assert set(bot["pops"][0]) == want
    assert tl.signal_pops.schema["onset"] == pl.Datetime("ns", "UTC")
    slow = tl.latency.filter(pl.col("affected"))
    assert slow.height >= 1 and (slow["p95_ms"] > slow["usual_p95_ms"]).all()
    # The POPs that lost the model: scored by heuristics instead.
    shift = tl.signals.filter(pl.col("kind") == "bot_source_shift")
    assert shift.height == 1 and shift["bot_source_reference"][0] == "Machine Learning"
    assert shift["top_source_during"][0] == "Heuristics" and shift["reference_share_during"][0] < 0.5
    # The bundled sample: the old proxy's customers lost their bot scores beside the 5xx, and
    # the edge slowed where the debugging systems took the CPU.
    sample = br.timeline(LOGS)
    assert sample.incidents.height == 1
    assert sample.signals["kind"].to_list() == ["bot_score_missing", "edge_latency"]
    sample_truth = json.loads((SAMPLE / "truth.json").read_text())
    slow_truth = {p["pop"] for s in sample_truth["signals"] if s["kind"] == "edge_latency" for p in s["pops"]}
    assert set(sample.latency.filter(pl.col("affected"))["pop"]) == slow_truth
    # The parts keep their columns when empty.
    regional = tmp_path / "regional"
    run_cli(cli, "simulate", "--scenario", "regional", "--seed", "1", "--scale", "0.02", "--out", str(regional))
    quiet = br.timeline(str(regional / "logs"))
    assert quiet.signals.height == 0 and quiet.signals.schema["onset"] == pl.Datetime("ns", "UTC")
    assert pl.concat([quiet.signal_pops, tl.signal_pops]).height == tl.signal_pops.height


def test_an_event_frame_file_is_read_as_the_logs_were(cli: str, tmp_path: Path) -> None:
    out = tmp_path / "r"
    run_cli(cli, "analyze", LOGS, "--out", str(out), "-q")
    frame = str(out / "events.parquet")
    expected = br.timeline(LOGS).to_dict()
    got = br.timeline(frame).to_dict()
    assert got["input"]["events"] == expected["input"]["events"]
    expected.pop("input")
    got.pop("input")
    assert got == expected
    events, acc = br.read_events(frame, with_accounting=True)
    assert acc.balanced and acc.lines == events.height == pl.read_parquet(frame).height
