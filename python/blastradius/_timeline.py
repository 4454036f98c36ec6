"""The timeline document as polars frames: the schemas of its parts and the ``Timeline`` type
(re-exported by ``blastradius``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, List, Optional

import polars as pl

if TYPE_CHECKING:
    from . import Accounting

_TIME = pl.Datetime("ns", "UTC")
_FLAPPING = pl.Struct({"transitions": pl.Int64, "period_seconds": pl.Float64})
_INCIDENTS: Dict[str, Any] = {
    "id": pl.String, "attribution": pl.String, "onset": _TIME, "recovery": _TIME,
    "onset_censored": pl.Boolean, "recovery_censored": pl.Boolean, "scope": pl.String, "unmapped_pops": pl.Int64,
    "onset_pattern": pl.String, "onset_spread_seconds": pl.Float64, "recovery_pattern": pl.String,
    "recovery_spread_seconds": pl.Float64, "failed_requests": pl.Int64,
    "hosts": pl.List(pl.String), "epicenter": pl.List(pl.String), "epicenter_alternatives": pl.List(pl.String),
    "pops": pl.List(pl.String), "flapping": _FLAPPING,
    "evidence": pl.Struct({"requests": pl.Int64, "errors": pl.Int64, "hosts_with_errors": pl.Int64,
                           "regions": pl.List(pl.String), "reason": pl.String}),
}
_PLACES: Dict[str, Any] = {
    "pop": pl.String, "city": pl.String, "country": pl.String, "region": pl.String, "affected": pl.Boolean,
    "onset": _TIME, "onset_interval": pl.List(_TIME), "onset_censored": pl.Boolean, "peak": _TIME,
    "peak_error_rate": pl.Float64, "recovery": _TIME, "recovery_interval": pl.List(_TIME),
    "recovery_censored": pl.Boolean, "flapping": _FLAPPING, "dominant_signature": pl.String,
    "requests": pl.Int64, "volume": pl.Float64, "baseline_error_rate": pl.Float64,
    "excess_error_rate": pl.Float64, "failed_requests": pl.Int64, "confidence": pl.Float64,
}
_REGIONS: Dict[str, Any] = {
    "region": pl.String, "pops": pl.Int64, "pops_affected": pl.Int64, "affected": pl.Boolean,
    "onset": _TIME, "onset_censored": pl.Boolean, "peak": _TIME, "peak_error_rate": pl.Float64,
    "recovery": _TIME, "recovery_censored": pl.Boolean, "flapping": _FLAPPING, "dominant_signature": pl.String,
    "requests": pl.Int64, "volume": pl.Float64, "failed_requests": pl.Int64, "confidence": pl.Float64,
}
_PROPAGATION: Dict[str, Any] = {"pop": pl.String, "onset": _TIME, "lag_seconds": pl.Float64}
_COHORTS: Dict[str, Any] = {
    "incident": pl.String, "dimension": pl.String, "value": pl.String, "requests": pl.Int64,
    "failures": pl.Int64, "error_rate": pl.Float64, "baseline_error_rate": pl.Float64,
    "share_of_failures": pl.Float64, "lift": pl.Float64, "explained": pl.Int64,
    "pops_with_traffic": pl.Int64, "pops_failing": pl.Int64, "traffic_shift": pl.Float64,
    "spared": pl.Boolean, "headline": pl.Boolean,
}
_CHANGES: Dict[str, Any] = {
    "incident": pl.String, "rank": pl.Int64, "time": pl.String, "what": pl.String, "pops": pl.List(pl.String),
    "lag_seconds": pl.Float64, "before_onset": pl.Boolean, "expected": pl.String, "fit": pl.String,
    "failed_first": pl.Boolean, "others_followed": pl.Boolean, "evidence": pl.List(pl.String),
}
_SIGNALS: Dict[str, Any] = {
    "id": pl.String, "kind": pl.String, "summary": pl.String, "onset": _TIME, "recovery": _TIME,
    "onset_censored": pl.Boolean, "recovery_censored": pl.Boolean, "scope": pl.String,
    "onset_pattern": pl.String, "onset_spread_seconds": pl.Float64, "recovery_pattern": pl.String,
    "epicenter": pl.List(pl.String), "pops": pl.List(pl.String), "requests": pl.Int64, "errors": pl.Int64,
    "affected_requests": pl.Int64, "baseline_share": pl.Float64, "share": pl.Float64,
    "security_decisions": pl.Int64, "decisions_on_missing": pl.Int64, "missing_requests": pl.Int64,
    "missing_5xx": pl.Int64, "decision_rate_before": pl.Float64,
    "decision_rate": pl.Float64, "p50_before_ms": pl.Float64, "p95_before_ms": pl.Float64,
    "p50_during_ms": pl.Float64, "p95_during_ms": pl.Float64, "rtt_before_ms": pl.Float64,
    "rtt_during_ms": pl.Float64, "network_suspected": pl.Boolean, "bot_source_reference": pl.String,
    "reference_share_before": pl.Float64, "reference_share_during": pl.Float64, "top_source_during": pl.String,
}
_SIGNAL_POPS: Dict[str, Any] = {
    "id": pl.String, "kind": pl.String, "pop": pl.String, "onset": _TIME, "onset_interval": pl.List(_TIME),
    "onset_censored": pl.Boolean, "recovery": _TIME, "recovery_interval": pl.List(_TIME),
    "recovery_censored": pl.Boolean, "baseline_share": pl.Float64, "excess_share": pl.Float64,
    "affected_requests": pl.Int64, "confidence": pl.Float64, "threshold_ms": pl.Float64,
}
_LATENCY: Dict[str, Any] = {
    "pop": pl.String, "requests": pl.Int64, "p50_ms": pl.Float64, "p95_ms": pl.Float64, "p99_ms": pl.Float64,
    "usual_p95_ms": pl.Float64, "threshold_ms": pl.Float64, "affected": pl.Boolean,
}


def _signal_row(i: Dict[str, Any]) -> Dict[str, Any]:
    """A signal incident flattened: its POPs as codes, its latency and bot-score source evidence
    as columns (the reference engine's share of scored requests before and during, and the
    source with the largest share during)."""
    lat = i.get("latency") or {}
    src = i.get("bot_sources") or {}
    ref = src.get("reference")
    during = src.get("during") or {}
    top = max(sorted(during), key=lambda k: during[k]) if during else None
    before, during = lat.get("before") or {}, lat.get("during") or {}
    extra = {"pops": [p["pop"] for p in i["pops"]], "p50_before_ms": before.get("p50"),
             "p95_before_ms": before.get("p95"), "p50_during_ms": during.get("p50"),
             "p95_during_ms": during.get("p95"), "rtt_before_ms": lat.get("rtt_before_ms"),
             "rtt_during_ms": lat.get("rtt_during_ms"), "network_suspected": lat.get("network_suspected"),
             "bot_source_reference": ref,
             "reference_share_before": (src.get("before") or {}).get(ref, 0.0) if ref else None,
             "reference_share_during": during.get(ref, 0.0) if ref else None, "top_source_during": top}
    # The columns in the part's order, whatever the document's.
    return {k: extra[k] if k in extra else i.get(k) for k in _SIGNALS}


class Timeline:
    """A reconstructed incident timeline. Its parts are DataFrames: ``incidents``, ``pops``
    (one row per data center), ``regions`` and ``propagation`` (affected POPs in onset order,
    with their lag behind the epicenter); ``signals`` (incidents a 5xx timeline does not see:
    ``bot_score_missing``, ``edge_latency``, ``bot_source_shift``), ``signal_pops`` (their POPs, one row each) and
    ``latency`` (edge-added latency quantiles per POP); ``input`` is the accounting summary.
    ``to_json()`` gives the document ``blastradius timeline --format json`` prints.

    >>> tl = br.timeline("samples/nov18/logs")                          # doctest: +SKIP
    >>> tl.pops.filter(pl.col("affected")).select("pop", "onset", "recovery")  # doctest: +SKIP
    """

    def __init__(self, doc: Dict[str, Any], accounting: Optional[Accounting] = None) -> None:
        self._doc = doc
        self.accounting = accounting

    @staticmethod
    def _part(rows: List[Dict[str, Any]], schema: Dict[str, Any]) -> pl.DataFrame:
        """The rows as a frame whose columns and types do not depend on the data: an empty part
        has every column, and an all-null column keeps its type (frames of two runs concat)."""
        if not rows:
            return pl.DataFrame(schema=schema)
        df = pl.DataFrame(rows, infer_schema_length=None)
        fmt = "%Y-%m-%dT%H:%M:%S%.fZ"
        times = [c for c in ("onset", "peak", "recovery") if c in df.columns and df[c].dtype == pl.String]
        df = df.with_columns(pl.col(c).str.to_datetime(fmt, time_unit="ns", time_zone="UTC") for c in times)
        spans = [c for c in ("onset_interval", "recovery_interval")
                 if c in df.columns and df[c].dtype == pl.List(pl.String)]
        df = df.with_columns(
            pl.col(c).list.eval(pl.element().str.to_datetime(fmt, time_unit="ns", time_zone="UTC")) for c in spans)
        # `evidence` keeps the signature counts it has; the rest take the part's fixed types.
        fixed = [c for c, t in schema.items()
                 if c in df.columns and df[c].dtype != t and (c != "evidence" or df[c].dtype == pl.Null)]
        return df.with_columns(pl.col(c).cast(schema[c]) for c in fixed)

    @property
    def input(self) -> Dict[str, int]:
        return dict(self._doc["input"])

    @property
    def incidents(self) -> pl.DataFrame:
        rows = [{k: v for k, v in i.items() if k not in ("cohorts", "changes")} for i in self._doc["incidents"]]
        return self._part(rows, _INCIDENTS)

    @property
    def headlines(self) -> Dict[str, Optional[Dict[str, Any]]]:
        """Who was hit, in one sentence and its numbers, per incident id: the set of values of one
        dimension that separates the failing requests from the healthy ones (``None`` when no value
        stands out, or when the timeline was built without cohorts)."""
        return {i["id"]: (i.get("cohorts") or {}).get("headline") for i in self._doc["incidents"]}

    @property
    def cohorts(self) -> pl.DataFrame:
        """The values that stand out in each incident: one row per (incident, dimension, value)
        with requests, failures, error rate, share of failures, lift against the rest of the window,
        baseline error rate, POPs failing and ``traffic_shift``; ``headline`` marks the values of the
        headline cohort, ``spared`` paths that kept answering inside it."""
        rows = []
        for i in self._doc["incidents"]:
            c = i.get("cohorts") or {}
            head = c.get("headline") or {}
            for kind in ("top", "spared"):
                for v in c.get(kind) or []:
                    rows.append({"incident": i["id"], **v, "spared": kind == "spared",
                                 "headline": kind == "top" and v["dimension"] == head.get("dimension")
                                 and v["value"] in head.get("values", [])})
        return self._part(rows, _COHORTS)

    @property
    def changes(self) -> pl.DataFrame:
        """The changes ranked against each incident's onset (with ``changes=``): one row per
        (incident, change) in rank order, with the lag to the onset, what the change's scope
        predicts (``expected``), the verdict (``fit``: fits, contradicts, unclear) and its evidence."""
        rows = []
        for i in self._doc["incidents"]:
            for rank, f in enumerate((i.get("changes") or {}).get("ranked") or [], 1):
                ch = f["change"]
                rows.append({"incident": i["id"], "rank": rank, "time": ch["time"], "what": ch["what"],
                             "pops": ch.get("pops") or [], "lag_seconds": f["lag_seconds"],
                             "before_onset": f["before_onset"], "expected": f["expected"], "fit": f["fit"],
                             "failed_first": f.get("failed_first"), "others_followed": f.get("others_followed"),
                             "evidence": f["evidence"]})
        df = self._part(rows, _CHANGES)
        if rows:
            df = df.with_columns(pl.col("time").str.to_datetime("%Y-%m-%dT%H:%M:%S%.fZ", time_unit="ns",
                                                                   time_zone="UTC", strict=False))
        return df

    @property
    def pops(self) -> pl.DataFrame:
        return self._part(self._doc["pops"], _PLACES)

    @property
    def regions(self) -> pl.DataFrame:
        """One row per region: its POPs taken together, with how many were affected."""
        return self._part(self._doc["regions"], _REGIONS)

    @property
    def propagation(self) -> pl.DataFrame:
        return self._part(self._doc["propagation"], _PROPAGATION)

    @property
    def signals(self) -> pl.DataFrame:
        """Incidents of missing bot scores and edge-added latency, one row each.

        >>> tl.signals.filter(pl.col("kind") == "bot_score_missing")               # doctest: +SKIP
        """
        return self._part([_signal_row(i) for i in self._doc.get("signals", [])], _SIGNALS)

    @property
    def signal_pops(self) -> pl.DataFrame:
        """Each signal incident's POPs with their own onset and recovery, one row per POP."""
        rows = [{"id": i["id"], "kind": i["kind"], **p} for i in self._doc.get("signals", []) for p in i["pops"]]
        return self._part(rows, _SIGNAL_POPS)

    @property
    def latency(self) -> pl.DataFrame:
        """Edge-added latency per POP over the whole input (ms, within the sketch's 2 %)."""
        rows = [{"pop": r["pop"], "requests": r["overall"]["requests"], "p50_ms": r["overall"]["p50"],
                 "p95_ms": r["overall"]["p95"], "p99_ms": r["overall"]["p99"], "usual_p95_ms": r["usual_p95_ms"],
                 "threshold_ms": r["threshold_ms"], "affected": r["affected"]}
                for r in self._doc.get("latency", [])]
        return self._part(rows, _LATENCY)

    def to_dict(self) -> Dict[str, Any]:
        return json.loads(json.dumps(self._doc))

    def to_json(self, indent: Optional[int] = 2) -> str:
        return json.dumps(self._doc, indent=indent)

    def __repr__(self) -> str:
        inc = ", ".join(f"{i['id']} {i['attribution']} {i['scope']} {i['onset']}→{i['recovery']}"
                        for i in self._doc["incidents"]) or "no incident"
        return f"<Timeline {inc}>"
