"""blastradius for notebooks: incident log forensics with polars DataFrames.

The Rust core reads CDN edge logs (Cloudflare Logpush, CloudFront, Fastly, Akamai, nginx and
Apache), HAR files and client/SDK logs; frames reach Python through the Arrow C stream
interface without copies, and the GIL is released while the core works.

>>> import blastradius as br
>>> events = br.read_events("samples/nov18/logs")            # doctest: +SKIP
>>> tl = br.timeline("samples/nov18/logs")                    # doctest: +SKIP
>>> tl.incidents.select("id", "attribution", "onset", "recovery")  # doctest: +SKIP

Every function that reads also accounts for every input line: lines read = events + rejected
+ duplicates + filtered (see :class:`Accounting`).

Paths may be object storage URLs (``s3://bucket/prefix/``, ``r2://``, ``gs://``, ``az://``,
``https://``), read as streams by the core. ``since`` and ``until`` (RFC 3339 strings or
datetimes, naive ones taken as UTC) read only a time window: day folders and Logpush objects
named for other times are never listed or downloaded, and events outside it are counted as
``filtered``. ``storage`` sets ``endpoint``, ``region``, ``retries`` and any ``object_store``
option (``aws_access_key_id``, ``google_service_account``, ``azure_storage_account_key``...);
credentials otherwise come from each provider's environment and files.

>>> tl = br.timeline("s3://logs/zone/", since="2025-11-18T11:00Z", until="2025-11-18T17:00Z")  # doctest: +SKIP

Nothing readable raises :class:`InputError`; with ``strict=True`` so does the first rejected
line, naming its file and line.
"""

from __future__ import annotations

import datetime
import json
import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import polars as pl

from . import _core
from ._core import BlastradiusError
from ._timeline import Timeline

__all__ = [
    "Accounting",
    "BlastradiusError",
    "EventBatches",
    "FileAccount",
    "InputError",
    "Reject",
    "Timeline",
    "classify",
    "cohorts",
    "compare",
    "explain",
    "iter_events",
    "rates",
    "read_changes",
    "read_events",
    "report",
    "timeline",
    "__version__",
]

__version__: str = _core.version()

PathArg = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]


class InputError(BlastradiusError):
    """Input that could not be read: nothing at all, or (with ``strict=True``) a rejected line.

    ``file`` and ``line`` name where, when one place is to blame; ``reason`` says why.
    """

    def __init__(self, message: str, file: Optional[str] = None, line: Optional[int] = None,
                 reason: Optional[str] = None) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.reason = reason


def _record(cls, d: Dict[str, Any]):
    """A record from the core's JSON, tolerant of fields a newer core adds (kept in ``extra``
    when the record has one, else dropped) and of fields it leaves out (their defaults)."""
    names = {f.name for f in fields(cls)}
    known = {k: v for k, v in d.items() if k in names and k != "extra"}
    if "extra" in names:
        known["extra"] = {k: v for k, v in d.items() if k not in names}
    return cls(**known)


@dataclass(frozen=True)
class Reject:
    """A rejected (or duplicate) line: 1-based line in its decompressed file, and why."""

    file: str
    line: int
    reason: str


@dataclass(frozen=True)
class FileAccount:
    """One input file's share of a run."""

    file: str
    format: Optional[str] = None
    compression: Optional[str] = None
    bytes: int = 0
    lines: int = 0
    headers: int = 0
    events: int = 0
    rejected: int = 0
    duplicates: int = 0
    filtered: int = 0
    error: Optional[str] = None
    note: Optional[str] = None
    not_a_log: bool = False
    #: Fields a newer core reports that this package does not know yet.
    extra: Dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Accounting:
    """Where every input line went: ``lines == events + rejected + duplicates + filtered``
    (``filtered``: events outside ``since``/``until``; ``pruned``: objects, files and day
    folders outside the window that were not read).

    >>> acc = br.read_events("samples/nov18/logs", with_accounting=True)[1]  # doctest: +SKIP
    >>> acc.balanced, acc.lines, acc.events, acc.rejected, acc.duplicates  # doctest: +SKIP
    (True, 67031, 66870, 38, 123)
    """

    lines: int = 0
    headers: int = 0
    events: int = 0
    rejected: int = 0
    duplicates: int = 0
    filtered: int = 0
    pruned: int = 0
    files: List[FileAccount] = field(default_factory=list)
    reject_kinds: Dict[str, int] = field(default_factory=dict)
    rejects: List[Reject] = field(default_factory=list)
    duplicate_examples: List[Reject] = field(default_factory=list)
    dedup_ids: int = 0

    @property
    def balanced(self) -> bool:
        """Whether lines read = events + rejected + duplicates + filtered, in total and per file."""
        return self.lines == self.events + self.rejected + self.duplicates + self.filtered and all(
            f.lines == f.events + f.rejected + f.duplicates + f.filtered for f in self.files)

    @classmethod
    def from_json(cls, text: str) -> "Accounting":
        d = json.loads(text)
        return cls(
            lines=d.get("lines", 0),
            headers=d.get("headers", 0),
            events=d.get("events", 0),
            rejected=d.get("rejected", 0),
            duplicates=d.get("duplicates", 0),
            filtered=d.get("filtered", 0),
            pruned=d.get("pruned", 0),
            files=[_record(FileAccount, f) for f in d.get("files", [])],
            reject_kinds=dict(d.get("reject_kinds", {})),
            rejects=[_record(Reject, r) for r in d.get("rejects", [])],
            duplicate_examples=[_record(Reject, r) for r in d.get("duplicate_examples", [])],
            dedup_ids=d.get("dedup_ids", 0),
        )

    def why_nothing(self) -> str:
        """Why a run produced no events, file by file."""
        reasons = [f"{f.file}: {f.error or f.note}" for f in self.files if f.error or f.note]
        if not self.files:
            if self.pruned:
                return f"no input files in the since/until window ({self.pruned} outside it were not read)"
            return "no input files"
        if self.lines > 0:
            reasons.append(f"{self.lines} lines read, {self.rejected} rejected, {self.duplicates} duplicates")
        if self.filtered > 0:
            reasons.append(f"{self.filtered} events outside the since/until window")
        return "; ".join(reasons) if reasons else "the inputs are empty"


def _paths(paths: PathArg) -> List[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    out = [os.fspath(p) for p in paths]
    if not out:
        raise ValueError("no paths given")
    return out


TimeArg = Union[str, "datetime.datetime", None]


def _time(v: TimeArg, what: str) -> Optional[str]:
    """A ``since``/``until`` value as the core parses it (naive datetimes are UTC)."""
    import datetime as dt
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return (v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc)).isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str):
        return v
    raise TypeError(f"{what} must be a string or a datetime, not {type(v).__name__}")


def _opts(format: Optional[str] = None, log_format: Optional[str] = None, dedup: bool = True,
          keep_secrets: bool = False, threads: int = 0, max_line_bytes: Optional[int] = None,
          max_record_bytes: Optional[int] = None, max_file_bytes: Optional[int] = None,
          chunk_bytes: Optional[int] = None, since: TimeArg = None, until: TimeArg = None,
          storage: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    store = dict(storage or {})
    endpoint, region, retries = store.pop("endpoint", None), store.pop("region", None), store.pop("retries", None)
    return {
        "format": format, "log_format": log_format, "dedup": dedup, "keep_secrets": keep_secrets,
        "threads": threads, "max_line_bytes": max_line_bytes, "max_record_bytes": max_record_bytes,
        "max_file_bytes": max_file_bytes, "chunk_bytes": chunk_bytes,
        "since": _time(since, "since"), "until": _time(until, "until"),
        "endpoint": endpoint, "region": region, "retries": retries,
        "storage_options": {str(k): str(v) for k, v in store.items()} or None,
    }


def _check(acc: Accounting, strict: bool) -> Accounting:
    if acc.events == 0:
        raise InputError(f"nothing could be read: {acc.why_nothing()}")
    if strict:
        if acc.rejects:
            r = acc.rejects[0]
            raise InputError(f"{r.file}:{r.line}: {r.reason}", r.file, r.line, r.reason)
        failed = [f for f in acc.files if f.error]
        if failed:
            raise InputError(f"{failed[0].file}: {failed[0].error}", failed[0].file, None, failed[0].error)
    return acc


def _frame(stream: Any) -> pl.DataFrame:
    return pl.DataFrame(stream)


def read_events(paths: PathArg, format: Optional[str] = None, *, log_format: Optional[str] = None,
                dedup: bool = True, keep_secrets: bool = False, classify: bool = False,
                strict: bool = False, threads: int = 0, max_line_bytes: Optional[int] = None,
                max_record_bytes: Optional[int] = None, with_accounting: bool = False,
                since: TimeArg = None, until: TimeArg = None, storage: Optional[Dict[str, Any]] = None) -> Union[pl.DataFrame, Tuple[pl.DataFrame, Accounting]]:
    """Reads files or directories into one event frame (one row per event).

    ``format`` forces an input format (``logpush``, ``cloudfront``, ``har``...; detected per
    file when ``None``). ``classify=True`` adds the ``signature``, ``evidence``, ``blame`` and ``confidence`` columns.
    Secrets (cookies, authorization headers, tokens) are redacted unless ``keep_secrets``.

    >>> df = br.read_events("samples/nov18/logs")                      # doctest: +SKIP
    >>> df.group_by("pop").agg(pl.len()).sort("len", descending=True)  # doctest: +SKIP
    """
    opts = _opts(format, log_format, dedup, keep_secrets, threads, max_line_bytes, max_record_bytes,
                 since=since, until=until, storage=storage)
    stream, acc_json = _core.read_events(_paths(paths), opts, classify)
    acc = _check(Accounting.from_json(acc_json), strict)
    df = _frame(stream)
    return (df, acc) if with_accounting else df


class EventBatches:
    """Event frames one input chunk at a time (about ``chunk_bytes`` of input each), for inputs
    larger than memory; the reading runs ahead by at most two chunks.

    >>> batches = br.iter_events("big-bucket/")                       # doctest: +SKIP
    >>> errors = sum(b.filter(pl.col("edge_status") >= 500).height for b in batches)  # doctest: +SKIP
    >>> batches.accounting.balanced                                    # doctest: +SKIP
    True
    """

    def __init__(self, inner: Any, strict: bool) -> None:
        self._inner = inner
        self._strict = strict
        self._accounting: Optional[Accounting] = None

    def __iter__(self) -> Iterator[pl.DataFrame]:
        return self

    def __next__(self) -> pl.DataFrame:
        stream = next(self._inner, None)
        if stream is None:
            text = self._inner.accounting()
            if text is not None and self._accounting is None:
                self._accounting = _check(Accounting.from_json(text), self._strict)
            raise StopIteration
        return _frame(stream)

    @property
    def accounting(self) -> Optional[Accounting]:
        """The run's accounting, once every batch was taken (``None`` before)."""
        return self._accounting


def iter_events(paths: PathArg, format: Optional[str] = None, *, log_format: Optional[str] = None,
                dedup: bool = True, keep_secrets: bool = False, strict: bool = False,
                threads: int = 0, chunk_bytes: Optional[int] = None,
                since: TimeArg = None, until: TimeArg = None, storage: Optional[Dict[str, Any]] = None) -> EventBatches:
    """Like :func:`read_events`, but yields one frame per chunk of input, in bounded memory.

    >>> batches = br.iter_events("big-bucket/", chunk_bytes=64 << 20)            # doctest: +SKIP
    >>> per_pop = pl.concat(b.group_by("pop").agg(pl.len()) for b in batches)     # doctest: +SKIP
    >>> per_pop.group_by("pop").agg(pl.col("len").sum())                          # doctest: +SKIP
    """
    opts = _opts(format, log_format, dedup, keep_secrets, threads, chunk_bytes=chunk_bytes,
                 since=since, until=until, storage=storage)
    return EventBatches(_core.iter_events(_paths(paths), opts), strict)


def _seconds(v: Union[int, str], what: str = "bucket") -> int:
    """Seconds from an int or a duration as the CLI reads one (`90`, `30s`, `5m`, `1h`)."""
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise ValueError(f"{what} must be seconds (an int) or a duration like '30s', '5m', '1h', not {v!r}")
    if isinstance(v, int):
        return v
    try:
        return _core.duration_seconds(v.lower())
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None


def _bucket(v: Union[int, str]) -> int:
    """A bucket width in seconds: 1 s to 24 h, as the CLI's ``--bucket``."""
    return _core.check_bucket(_seconds(v))


def rates(paths: PathArg, bucket: Union[int, str] = "1m", *, by_host: bool = False,
          format: Optional[str] = None, log_format: Optional[str] = None, dedup: bool = True,
          strict: bool = False, threads: int = 0,
          with_accounting: bool = False,
          since: TimeArg = None, until: TimeArg = None, storage: Optional[Dict[str, Any]] = None) -> Union[pl.DataFrame, Tuple[pl.DataFrame, Accounting]]:
    """Requests and errors per bucket × POP (× host): the table an SRE looks at first.

    Columns: ``bucket`` (UTC), ``pop``, [``host``], ``requests``, ``status_5xx``, ``edge_5xx``,
    ``status_502``, ``status_4xx``, one count per edge signature, ``bytes``, and the first and
    last times (any event, 5xx, edge-blamed, origin-blamed) of each row.

    >>> r = br.rates("samples/nov18/logs", "1m")                                # doctest: +SKIP
    >>> r.with_columns(rate=pl.col("status_5xx") / pl.col("requests"))         # doctest: +SKIP
    """
    stream, acc_json = _core.rates(_paths(paths), _opts(format, log_format, dedup, threads=threads, since=since,
                                                        until=until, storage=storage),
                                   _bucket(bucket), by_host)
    acc = _check(Accounting.from_json(acc_json), strict)
    df = _frame(stream)
    return (df, acc) if with_accounting else df


def _as_frame(source: Any) -> Optional[pl.DataFrame]:
    """A polars frame from a polars, pandas or Arrow table (anything with ``__arrow_c_stream__``),
    or ``None`` for paths."""
    if isinstance(source, pl.DataFrame):
        return source
    if isinstance(source, pl.LazyFrame):
        return source.collect()
    if isinstance(source, (str, os.PathLike, list, tuple)):
        return None
    if type(source).__module__.startswith("pandas"):
        return pl.from_pandas(source)
    if hasattr(source, "__arrow_c_stream__"):
        return pl.DataFrame(source)
    raise TypeError(f"timeline() takes paths or a frame (polars, pandas, Arrow), not {type(source).__name__}")


#: The columns an event frame needs for a timeline (the rest, such as ``host``, may be absent).
EVENT_COLUMNS = ("time", "pop", "edge_status", "origin_status")


def _bucket_of(frame: pl.DataFrame) -> Optional[int]:
    """The width of a rates frame's buckets: the greatest common divisor of the gaps between its
    buckets (``None`` with fewer than two)."""
    b = frame.get_column("bucket")
    if isinstance(b.dtype, pl.Datetime):
        b = b.dt.epoch("ns")
    gaps = b.cast(pl.Int64).drop_nulls().unique().sort().diff().drop_nulls().unique()
    if gaps.len() == 0:
        return None
    return max(1, math.gcd(*gaps.to_list()) // 1_000_000_000)


def _period(baseline: Optional[Union[str, Tuple[Any, Any]]]) -> Optional[str]:
    """A quiet period as the core's ``FROM..TO``."""
    if baseline is None or isinstance(baseline, str):
        return baseline
    start, end = baseline
    iso = lambda t: t.isoformat() if hasattr(t, "isoformat") else str(t)  # noqa: E731
    return f"{iso(start)}..{iso(end)}"


def timeline(source: Union[PathArg, pl.DataFrame, Any], *, bucket: Optional[Union[int, str]] = None,
             min_excess: float = 0.01, min_failing: Union[int, str] = "3m",
             format: Optional[str] = None, log_format: Optional[str] = None, dedup: bool = True,
             strict: bool = False, threads: int = 0, accounting: Optional[Accounting] = None,
             baseline: Optional[Union[str, Tuple[Any, Any]]] = None,
             since: TimeArg = None, until: TimeArg = None, storage: Optional[Dict[str, Any]] = None) -> Timeline:
    """Reconstructs the timeline per POP and region: onset, peak, recovery, flapping and its
    period, propagation from the epicenter, and edge-versus-origin attribution.

    ``source`` is paths (read by the core), a frame from :func:`rates` (with or without hosts),
    or an event frame from :func:`read_events` (user-side rows are left out); a pandas or Arrow
    table is taken as well. For frames, pass the ``accounting`` of the read to have it in
    ``input``. ``bucket`` defaults to one minute, and for a rates frame to the width of its
    buckets (a different width given is an error). ``baseline`` names a quiet period to measure
    each POP's baseline in: ``"FROM..TO"`` (RFC 3339) or a pair of timezone-aware datetimes.

    >>> tl = br.timeline("samples/nov18/logs")        # doctest: +SKIP
    >>> tl.incidents["attribution"].to_list()         # doctest: +SKIP
    ['edge']
    """
    given = None if bucket is None else _bucket(bucket)
    fail = _seconds(min_failing, "min_failing")
    frame = _as_frame(source)
    if frame is None:
        secs = given or 60
        opts = _opts(format, log_format, dedup, threads=threads, since=since, until=until, storage=storage)
        doc, acc_json = _core.timeline_of_paths(_paths(source), opts,
                                                secs, min_excess, fail, _period(baseline))
        acc = _check(Accounting.from_json(acc_json), strict)
        return Timeline(json.loads(doc), acc)
    if frame.height == 0:
        raise InputError("the frame is empty: nothing to build a timeline from")
    kind = "events" if "edge_status" in frame.columns else "rates"
    if kind == "events":
        missing = [c for c in EVENT_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"the event frame lacks {', '.join(missing)} (read_events gives them)")
        secs = given or 60
    else:
        if "bucket" not in frame.columns:
            raise ValueError("the frame is neither a rates frame (no `bucket`) nor an event frame (no `edge_status`)")
        found = _bucket_of(frame)
        secs = given or found or 60
        if found is not None and found % secs != 0:
            raise ValueError(f"the rates frame's buckets are {found} s apart, which is not a multiple of the "
                             f"bucket given ({secs} s): pass bucket={found} or leave it out")
    summary = None
    if accounting is not None:
        summary = (len(accounting.files), accounting.lines, accounting.events, accounting.rejected,
                   accounting.duplicates)
    doc = _core.timeline_of_frame(frame, kind, summary, secs, min_excess, fail, _period(baseline))
    return Timeline(json.loads(doc), accounting)


#: The columns every row of :func:`classify` has (user-side rows add their own).
_CLASSIFIED: Dict[str, Any] = {
    "file": pl.String, "line": pl.Int64, "time": pl.Datetime("ns", "UTC"), "pop": pl.String, "host": pl.String,
    "status": pl.Int64, "request_id": pl.String, "signature": pl.String, "evidence": pl.String,
}


def classify(paths: PathArg, *, failures_only: bool = False, oauth_round_trips: int = 3,
             oauth_window: Union[int, str] = "60s", format: Optional[str] = None,
             log_format: Optional[str] = None, keep_secrets: bool = False, strict: bool = False,
             with_accounting: bool = False,
             since: TimeArg = None, until: TimeArg = None, storage: Optional[Dict[str, Any]] = None) -> Union[pl.DataFrame, Tuple[pl.DataFrame, Accounting]]:
    """One row per event with its failure signature and the evidence for it (the rows of
    ``blastradius classify``): ``file``, ``line`` or ``entry``, ``time``, ``pop``, ``host``,
    ``status``, ``request_id``, ``signature``, ``evidence``, and for user-side failures the
    edge's verdict and how it was matched. Columns come in that order, typed even when every
    value is null: ``time`` is a UTC datetime (to the millisecond, as the CLI writes it),
    ``line``, ``entry`` and ``status`` are integers, the others strings.

    >>> br.classify("captures/", failures_only=True).group_by("signature").len()  # doctest: +SKIP
    """
    stream, acc_json = _core.classify(_paths(paths), _opts(format, log_format, keep_secrets=keep_secrets,
                                                           since=since, until=until, storage=storage),
                                      failures_only, oauth_round_trips, _seconds(oauth_window, "oauth_window"))
    acc = _check(Accounting.from_json(acc_json), strict)
    # The rows cross from the core as Arrow record batches, already typed.
    df = pl.DataFrame(stream) if len(stream) else pl.DataFrame(schema=_CLASSIFIED)
    return (df, acc) if with_accounting else df


def explain(id: Optional[str] = None) -> Union[str, pl.DataFrame]:
    """A signature's documentation (what it detects, its evidence, its false positives), or a
    table of every signature with whom it blames.

    >>> print(br.explain("edge_500"))      # doctest: +SKIP
    """
    rows = _core.explain(id)
    if id is not None:
        return rows[0][2]
    return pl.DataFrame({"signature": [r[0] for r in rows], "blame": [r[1] for r in rows],
                         "summary": [r[2].splitlines()[0].replace("`", "") if r[2] else "" for r in rows]})


def report(paths: PathArg, out_dir: Union[str, "os.PathLike[str]"], *, bucket: Union[int, str] = "1m",
           min_excess: float = 0.01, min_failing: Union[int, str] = "3m", format: Optional[str] = None,
           log_format: Optional[str] = None, keep_secrets: bool = False, strict: bool = False,
           baseline: Optional[Union[str, Tuple[Any, Any]]] = None,
           changes: Optional[Union[str, "os.PathLike[str]"]] = None,
           since: TimeArg = None, until: TimeArg = None, storage: Optional[Dict[str, Any]] = None) -> Accounting:
    """Writes the incident report directory (report.html, report.md, timeline.json,
    events.parquet, accounting.json, SVG charts), as ``blastradius analyze --out``; with
    ``changes`` (a CSV, JSON or audit-log file) the changes are placed against each incident.

    >>> br.report("samples/nov18", "reports/nov18")    # doctest: +SKIP
    """
    written, acc_json = _core.report(_paths(paths), os.fspath(out_dir),
                                     _opts(format, log_format, keep_secrets=keep_secrets, since=since,
                                           until=until, storage=storage),
                                     _bucket(bucket), min_excess, _seconds(min_failing, "min_failing"),
                                     f"blastradius.report({_paths(paths)!r}, {os.fspath(out_dir)!r})",
                                     _period(baseline), None if changes is None else os.fspath(changes))
    acc = _check(Accounting.from_json(acc_json), strict)
    if not written:
        raise InputError(f"nothing could be read: {acc.why_nothing()}")
    return acc


def cohorts(paths: PathArg, *, bucket: Union[int, str] = "1m", min_excess: float = 0.01,
            min_failing: Union[int, str] = "3m", format: Optional[str] = None, log_format: Optional[str] = None,
            dedup: bool = True, strict: bool = False, threads: int = 0,
            baseline: Optional[Union[str, Tuple[Any, Any]]] = None,
            changes: Optional[Union[str, "os.PathLike[str]"]] = None) -> Timeline:
    """The timeline with who was hit in each incident, as ``blastradius cohorts``: the values of
    zone, host, path prefix, security action, cache status, protocol, TLS version, country and
    method that separate the failing requests from the healthy ones (``Timeline.headlines``,
    ``Timeline.cohorts``). With ``changes`` (CSV, JSON or a Cloudflare audit-log export) each
    incident also ranks the changes by lag to its onset and tests the fit of its onset pattern
    (``Timeline.changes``).

    >>> tl = br.cohorts("dec5/logs")                    # doctest: +SKIP
    >>> tl.headlines["I1"]["summary"]                   # doctest: +SKIP
    'zone example.net and example.org: every request but /cdn-cgi/trace failed at ...'
    """
    doc, acc_json = _core.cohorts_of_paths(_paths(paths), _opts(format, log_format, dedup, threads=threads),
                                           _bucket(bucket), min_excess, _seconds(min_failing, "min_failing"),
                                           _period(baseline), None if changes is None else os.fspath(changes))
    acc = _check(Accounting.from_json(acc_json), strict)
    if doc is None:
        raise InputError(f"nothing could be read: {acc.why_nothing()}")
    return Timeline(json.loads(doc), acc)


def read_changes(path: Union[str, "os.PathLike[str]"]) -> List[Dict[str, Any]]:
    """A changes file (CSV, JSON, or a Cloudflare audit-log export) as a list of changes: time,
    what, pops (empty for the whole fleet), zones, period_seconds, actor, source."""
    return json.loads(_core.read_changes(os.fspath(path)))


def _timeline_doc(x: Any) -> Tuple[str, str]:
    if isinstance(x, Timeline):
        return "timeline", x.to_json(None)
    p = Path(os.fspath(x))
    if (p / "timeline.json").is_file():
        return p.resolve().name, (p / "timeline.json").read_text(encoding="utf-8")
    return p.resolve().name, cohorts(p).to_json(None)


def compare(a: Union[Timeline, str, "os.PathLike[str]"], b: Union[Timeline, str, "os.PathLike[str]"], *,
            format: str = "dict") -> Union[Dict[str, Any], str]:
    """Two incidents side by side, as ``blastradius compare``: shape (step, flapping, ramp),
    duration, share of traffic and of POPs, epicenter, regions, signatures, who was hit and the
    changes' verdict. ``a`` and ``b`` are :class:`Timeline` objects, report directories (their
    ``timeline.json``) or inputs (analysed with :func:`cohorts`). ``format`` is ``dict``,
    ``json``, ``markdown`` or ``html``."""
    (na, ja), (nb, jb) = _timeline_doc(a), _timeline_doc(b)
    if format == "dict":
        return json.loads(_core.compare(na, ja, nb, jb, "json"))
    return _core.compare(na, ja, nb, jb, format)
