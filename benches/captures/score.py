#!/usr/bin/env python3
"""Score `classify` against the truth written by gen_captures.py.

    score.py DIR [--bin PATH] [--min 0.97] [--show N]

Runs `classify DIR --format ndjson -q`, matches each event to the truth by (file name, HAR entry
or log line), and prints precision and recall per signature family and per signature, the
edge-vs-origin attribution of HAR 5xx, the alignment errors (events the tool reported that the
truth does not have, and the other way round), and the mismatches themselves. Exits 1 when a
family with any truth or prediction has precision or recall below --min, 2 when classify fails.
"""

import argparse
import json
import os
import subprocess
import sys

FAMILIES = {
    "tls": ["tls_chain", "tls_cert", "tls_handshake"],
    "oauth_loop": ["oauth_loop"],
    "stream_severed": ["stream_severed"],
    "conn": ["conn_reset", "conn_timeout", "dns_failure"],
    "edge5xx": ["edge_500", "edge_502", "cf_52x", "origin_5xx", "http_5xx"],
    "rate_limited": ["rate_limited"],
}
FAMILY_OF = {sig: fam for fam, sigs in FAMILIES.items() for sig in sigs}
BLAME = {"edge_500": "edge", "edge_502": "edge", "origin_5xx": "origin", "cf_52x": "origin", "http_5xx": "unknown"}


def key_of(ev):
    name = os.path.basename(ev["file"])
    if ev.get("entry") is not None:
        return (name, "entry", int(ev["entry"]))
    return (name, "line", int(ev["line"]))


def ratio(a, b):
    return a / b if b else None


def fmt(x):
    return "   n/a" if x is None else "%6.3f" % x


def score_table(rows, label_of, names, out):
    """rows: (truth sig, predicted sig). Returns {name: (tp, fp, fn, p, r)}."""
    res = {}
    for name in names:
        tp = sum(1 for t, p in rows if label_of(t) == name and label_of(p) == name)
        fp = sum(1 for t, p in rows if label_of(t) != name and label_of(p) == name)
        fn = sum(1 for t, p in rows if label_of(t) == name and label_of(p) != name)
        res[name] = (tp, fp, fn, ratio(tp, tp + fp), ratio(tp, tp + fn))
        out.append("  %-16s %6d %6d %6d  %s  %s" % (name, tp, fp, fn, fmt(res[name][3]), fmt(res[name][4])))
    return res


def sigs_all():
    return [s for f in FAMILIES.values() for s in f]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument(
        "--bin",
        default=os.environ.get("BLASTRADIUS_BIN", "target/release/blastradius"),
        help="the blastradius binary (default: $BLASTRADIUS_BIN, else target/release/blastradius)",
    )
    ap.add_argument("--min", type=float, default=0.97)
    ap.add_argument("--show", type=int, default=40, help="mismatches to list (0: none, -1: all)")
    a = ap.parse_args(argv)

    with open(os.path.join(a.dir, "truth.json")) as f:
        truth_list = json.load(f)
    truth = {}
    for t in truth_list:
        k = (t["file"], "entry", t["entry"]) if t.get("entry") is not None else (t["file"], "line", t["line"])
        truth[k] = t

    targets = sorted(os.path.join(a.dir, n) for n in os.listdir(a.dir) if n != "truth.json")
    proc = subprocess.run([a.bin, "classify", *targets, "--format", "ndjson", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        sys.stderr.write("classify failed (exit %d):\n%s" % (proc.returncode, proc.stderr))
        return 2
    pred = {}
    dup = []
    for line in proc.stdout.splitlines():
        if not line.strip():
            continue
        ev = json.loads(line)
        k = key_of(ev)
        if k in pred:
            dup.append(k)
            continue
        pred[k] = ev

    extra = sorted(k for k in pred if k not in truth)
    missing = sorted(k for k in truth if k not in pred)
    keys = sorted(set(truth) | set(pred))
    rows = []
    for k in keys:
        t = truth[k]["signature"] if k in truth else None
        p = pred[k].get("signature") if k in pred else None
        rows.append((t, p))

    out = []
    out.append("classify exit %d; %d truth events, %d tool events, %d matched" % (proc.returncode, len(truth), len(pred), len(set(truth) & set(pred))))
    out.append("")
    out.append("  %-16s %6s %6s %6s  %6s  %6s" % ("family", "TP", "FP", "FN", "prec", "recall"))
    fam = score_table(rows, lambda s: FAMILY_OF.get(s) if s else None, list(FAMILIES), out)
    out.append("")
    out.append("  %-16s %6s %6s %6s  %6s  %6s" % ("signature", "TP", "FP", "FN", "prec", "recall"))
    sigs = [s for f in FAMILIES.values() for s in f]
    score_table(rows, lambda s: s, sigs, out)

    # edge-vs-origin attribution among HAR entries with status >= 500
    har5 = []
    for k in keys:
        if k[1] != "entry" or k not in pred:
            continue
        st = pred[k].get("status")
        if st is not None and st >= 500:
            tb = BLAME.get(truth[k]["signature"], "none") if k in truth else "none"
            pb = BLAME.get(pred[k].get("signature"), "none")
            har5.append((tb, pb))
    agree = sum(1 for tb, pb in har5 if tb == pb)
    out.append("")
    out.append("edge-vs-origin attribution of HAR 5xx: %d/%d = %s" % (agree, len(har5), fmt(ratio(agree, len(har5))).strip()))
    for tb in ("edge", "origin", "unknown"):
        sub = [pb for t, pb in har5 if t == tb]
        if sub:
            out.append("  truth %-7s n=%-4d predicted: %s" % (tb, len(sub), ", ".join("%s=%d" % (b, sub.count(b)) for b in sorted(set(sub)))))

    out.append("")
    out.append("alignment: %d tool events not in truth, %d truth events not reported, %d duplicate tool keys" % (len(extra), len(missing), len(dup)))
    for label, ks, src in (("not in truth", extra, pred), ("not reported", missing, truth)):
        for k in ks[: max(a.show, 0) if a.show >= 0 else None]:
            e = src[k]
            out.append("  %s: %s %s=%d signature=%s %s" % (label, k[0], k[1], k[2], e.get("signature"), (e.get("evidence") or e.get("case") or "")[:100]))
    for k in dup[:10]:
        out.append("  duplicate: %s %s=%d" % k)

    wrong = [k for k in keys if k in truth and k in pred and truth[k]["signature"] != pred[k].get("signature")]
    out.append("")
    out.append("mismatched signatures: %d" % len(wrong))
    by = {}
    for k in wrong:
        by.setdefault((truth[k]["signature"], pred[k].get("signature")), []).append(k)
    for (ts, ps), ks in sorted(by.items(), key=lambda kv: -len(kv[1])):
        out.append("  truth %-14s predicted %-14s x%d" % (ts, ps, len(ks)))
        for k in ks[: max(a.show, 0) if a.show >= 0 else None]:
            out.append("    %s %s=%d [%s] evidence: %s" % (k[0], k[1], k[2], truth[k].get("case", ""), (pred[k].get("evidence") or "")[:140]))

    # Segmentation-tolerant view: a client-log record counts as what the tool said about any
    # event starting inside it (the first signature other than http_5xx, else http_5xx, else
    # healthy), so a record boundary drawn elsewhere does not hide the classification.
    spans = {}
    for k, t in truth.items():
        if k[1] == "line":
            spans.setdefault(k[0], []).append((t["line"], t.get("end_line", t["line"]), k))
    grouped = {}
    loose = []
    for k, ev in pred.items():
        if k[1] != "line":
            continue
        hit = None
        for lo, hi, tk in spans.get(k[0], []):
            if lo <= k[2] <= hi:
                hit = tk
                break
        if hit is None:
            loose.append((k, ev.get("signature")))
        else:
            grouped.setdefault(hit, []).append((k[2], ev.get("signature")))
    lrows = []
    conflicts = 0
    lwrong = []
    for k, t in truth.items():
        if k[1] == "entry":
            lrows.append((t["signature"], pred[k].get("signature") if k in pred else None))
            continue
        sigs = [s for _, s in sorted(grouped.get(k, [])) if s]
        specific = [s for s in sigs if s != "http_5xx"]
        p = specific[0] if specific else (sigs[0] if sigs else None)
        if len(set(sigs)) > 1:
            conflicts += 1
        lrows.append((t["signature"], p))
        if p != t["signature"]:
            absorbed = k not in grouped
            lwrong.append((k, t, p, ["absorbed into an earlier tool record"] if absorbed else [s for s in sigs]))
    for k, s in loose:
        lrows.append((None, s))
    out.append("")
    out.append("segmentation-tolerant (client-log records matched by line span): %d tool events outside any record, %d records with conflicting tool signatures" % (len(loose), conflicts))
    out.append("  %-16s %6s %6s %6s  %6s  %6s" % ("family", "TP", "FP", "FN", "prec", "recall"))
    score_table(rows=lrows, label_of=lambda s: FAMILY_OF.get(s) if s else None, names=list(FAMILIES), out=out)
    out.append("  %-16s %6s %6s %6s  %6s  %6s" % ("signature", "TP", "FP", "FN", "prec", "recall"))
    score_table(rows=lrows, label_of=lambda s: s, names=sigs_all(), out=out)
    lby = {}
    for k, t, p, allsigs in lwrong:
        lby.setdefault((t["signature"], p), []).append((k, t, allsigs))
    absorbed_all = sum(1 for k, t in truth.items() if k[1] == "line" and k not in grouped)
    out.append("  client-log records with no tool event starting inside them (absorbed by an earlier record): %d, of which %d with a failure in truth" % (
        absorbed_all, sum(1 for k, t in truth.items() if k[1] == "line" and k not in grouped and t["signature"])))
    out.append("  client-log records still wrong: %d" % len(lwrong))
    for (ts, ps), items in sorted(lby.items(), key=lambda kv: -len(kv[1])):
        out.append("    truth %-14s predicted %-14s x%d" % (ts, ps, len(items)))
        for k, t, allsigs in items[: max(a.show, 0) if a.show >= 0 else None]:
            out.append("      %s line=%d-%d [%s] tool: %s" % (k[0], k[2], t.get("end_line", k[2]), t.get("case", ""), allsigs))
    for k, s in loose[: max(a.show, 0) if a.show >= 0 else None]:
        if s:
            out.append("    outside any record: %s line=%d signature=%s" % (k[0], k[2], s))

    failing = []
    for name, (tp, fp, fn, p, r) in fam.items():
        if tp + fp + fn == 0:
            continue
        if (p or 0.0) < a.min or (r or 0.0) < a.min:
            failing.append(name)
    out.append("")
    out.append("families below %.2f: %s" % (a.min, ", ".join(failing) if failing else "none"))
    print("\n".join(out))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
