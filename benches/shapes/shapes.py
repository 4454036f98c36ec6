#!/usr/bin/env python3
"""Incident shapes written independently of the product's simulator, and a check of `blastradius
timeline` on them against their known truth.

The shapes come from the outages the product is for, not from the simulator's code: the 5 Dec 2025
push (two customers' requests all fail with 500 at every POP within 20 s, for 25 minutes), a
partial fault moving across Europe (4 % of requests, one POP every 2 minutes), flapping every 10
minutes in a file that starts inside the outage, and one origin failing everywhere. Traffic is
uneven across POPs (log-normal weights) and diurnal.

usage: python3 benches/shapes/shapes.py BLASTRADIUS_BINARY [WORKDIR] [REQUESTS_PER_MINUTE]
(default 3000 requests a minute over the 40 POPs: the quietest POPs see a few a minute). Prints
each check and exits 1 if any fails. Same seed and volume, same bytes.
"""
import datetime as dt
import json
import math
import os
import random
import subprocess
import sys
import zlib

POPS = ["SCL", "GRU", "EZE", "BOG", "LIM", "MEX", "IAD", "ORD", "DFW", "SEA", "LAX", "SFO", "JFK", "ATL", "MIA",
        "YYZ", "LHR", "CDG", "FRA", "AMS", "MAD", "MXP", "ARN", "WAW", "VIE", "ZRH", "DUB", "NRT", "KIX", "ICN",
        "HKG", "SIN", "BOM", "DEL", "SYD", "MEL", "JNB", "DXB", "TLV", "IST"]
EU = ["FRA", "AMS", "CDG", "LHR", "MAD", "MXP", "ARN", "WAW", "VIE", "ZRH", "DUB"]
FLAP = ["FRA", "AMS", "LHR", "IAD", "ORD", "SIN", "NRT", "GRU", "SYD"]
HOSTS = ["www.shop.test", "api.shop.test", "cdn.shop.test", "auth.pay.test", "www.news.test", "api.news.test",
         "app.saas.test", "www.blog.test"]
T0 = 1764924000  # 2025-12-05T08:40:00Z
JITTER = {p: random.Random(zlib.crc32(p.encode())).uniform(0, 20) for p in POPS}


def stamp(ns):
    s, f = divmod(ns, 10**9)
    return dt.datetime.fromtimestamp(s, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{f // 10**6:03d}Z"


def seconds(s):
    t = dt.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc).timestamp()
    return t + float("0" + s[19:-1])


def write(path, start, minutes, per_minute, fail, seed=7):
    rng = random.Random(seed)
    w = {p: math.exp(rng.gauss(0, 1.0)) for p in POPS}
    total = sum(w.values())
    with open(path, "w") as out:
        for m in range(minutes):
            diurnal = 0.6 + 0.4 * math.sin(2 * math.pi * m / 1440)
            for pop in POPS:
                for _ in range(max(1, int(per_minute * w[pop] / total * diurnal))):
                    ns = (start + m * 60) * 10**9 + rng.randrange(60 * 10**9)
                    host = rng.choice(HOSTS)
                    edge, origin = fail(rng, ns // 10**9 - T0, pop, host)
                    if (edge, origin) == (200, 200) and rng.random() < 0.003:
                        edge = origin = 503  # the origins' own background errors
                    ttfb = rng.randint(5, 300)
                    out.write(
                        f'{{"ClientRequestHost":"{host}","ClientRequestMethod":"GET","ClientRequestURI":"/p",'
                        f'"EdgeColoCode":"{pop}","EdgeStartTimestamp":"{stamp(ns)}",'
                        f'"EdgeEndTimestamp":"{stamp(ns + ttfb * 10**6)}","EdgeResponseStatus":{edge},'
                        f'"OriginResponseStatus":{origin},"EdgeTimeToFirstByteMs":{ttfb},'
                        f'"RayID":"{rng.getrandbits(64):016x}","CacheCacheStatus":"{"hit" if origin == 0 else "dynamic"}"}}\n')


def push(rng, sec, pop, host):
    on = 420 + JITTER[pop]  # 08:47:00 plus up to 20 s
    return (500, 0) if host in ("app.saas.test", "api.news.test") and on <= sec < on + 1500 else (200, 200)


def moving(rng, sec, pop, host):
    if pop in EU and 0 <= sec - (3600 + EU.index(pop) * 120) < 2400 and rng.random() < 0.04:
        return (502, 0)
    return (200, 200)


def flapping(rng, sec, pop, host):
    return (500, 0) if pop in FLAP and (sec // 300) % 2 == 0 and rng.random() < 0.3 else (200, 200)


def origin(rng, sec, pop, host):
    return (503, 503) if host == "api.shop.test" and 3000 <= sec < 4200 else (200, 200)


def timeline(binary, path):
    out = subprocess.run([binary, "timeline", path], capture_output=True, check=True).stdout
    return json.loads(out)


def covered(rows, truth, key):
    """POPs whose interval holds the true time, and the median distance of the estimate, seconds."""
    hit, err = 0, []
    for r in rows:
        lo, hi = (seconds(x) for x in r[key + "_interval"])
        hit += lo <= truth[r["pop"]] <= hi
        err.append(abs(seconds(r[key]) - truth[r["pop"]]))
    err.sort()
    return hit, err[len(err) // 2] if err else None


def main():
    binary, work = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "target/shapes")
    volume = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    os.makedirs(work, exist_ok=True)
    checks = []

    def check(name, ok, detail):
        checks.append(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")

    f = os.path.join(work, "push.ndjson")
    write(f, T0 - 2400, 120, volume, push)
    d = timeline(binary, f)
    inc = d["incidents"]
    rows = [r for r in d["pops"] if r["affected"]]
    check("push: one incident, edge, simultaneous", len(inc) == 1 and inc[0]["attribution"] == "edge"
          and inc[0]["onset_pattern"] == "simultaneous", [(i["attribution"], i["onset_pattern"]) for i in inc])
    check("push: the two customers, every POP", inc[0]["hosts"] == ["api.news.test", "app.saas.test"]
          and len(rows) == 40, f"{inc[0]['hosts']}, {len(rows)} POPs")
    on, rec = ({p: T0 + 420 + JITTER[p] for p in POPS}, {p: T0 + 1920 + JITTER[p] for p in POPS})
    (a, ea), (b, eb) = covered(rows, on, "onset"), covered(rows, rec, "recovery")
    check("push: onsets and recoveries in their intervals (at least 90 % of POPs)", min(a, b) >= 0.9 * len(rows),
          f"onsets {a}/{len(rows)} (median error {ea:.1f} s), recoveries {b}/{len(rows)} (median {eb:.1f} s)")

    f = os.path.join(work, "moving.ndjson")
    write(f, T0, 150, volume, moving)
    d = timeline(binary, f)
    rows = [r for r in d["pops"] if r["affected"]]
    inc = d["incidents"]
    check("moving 4 %: Europe's POPs, and only them", sorted(r["pop"] for r in rows) == sorted(EU),
          sorted(r["pop"] for r in rows))
    check("moving 4 %: one edge incident, propagating, from FRA", len(inc) == 1 and inc[0]["onset_pattern"]
          == "propagating" and inc[0]["epicenter"] == ["FRA"], [(i["onset_pattern"], i["epicenter"]) for i in inc])
    a, ea = covered(rows, {p: T0 + 3600 + EU.index(p) * 120 for p in EU}, "onset")
    check("moving 4 %: onsets in their intervals (at least 90 % of POPs)", a >= 0.9 * len(rows),
          f"{a}/{len(rows)} (median error {ea:.1f} s)")

    f = os.path.join(work, "flapping.ndjson")
    write(f, T0, 90, volume, flapping)
    d = timeline(binary, f)
    rows = [r for r in d["pops"] if r["affected"]]
    periods = [r["flapping"]["period_seconds"] for r in rows]
    check("flapping, outage hours only: the nine POPs", sorted(r["pop"] for r in rows) == sorted(FLAP),
          sorted(r["pop"] for r in rows))
    check("flapping: each POP's period within 5 % of 600 s, onset before the input",
          all(p and abs(p - 600) <= 30 for p in periods) and all(r["onset_censored"] for r in rows),
          f"periods {sorted(round(p) for p in periods if p)}")

    f = os.path.join(work, "origin.ndjson")
    write(f, T0, 120, volume, origin)
    d = timeline(binary, f)
    inc = d["incidents"]
    ok = len(inc) == 1 and inc[0]["attribution"] == "origin" and inc[0]["hosts"] == ["api.shop.test"]
    check("origin: one origin incident of its host", ok, [(i["attribution"], i["hosts"]) for i in inc])
    if ok:
        o, r = seconds(inc[0]["onset"]) - (T0 + 3000), seconds(inc[0]["recovery"]) - (T0 + 4200)
        check("origin: onset and recovery within a minute", abs(o) <= 60 and abs(r) <= 60, f"{o:+.1f} s, {r:+.1f} s")
    print(f"{sum(checks)}/{len(checks)} checks hold")
    sys.exit(0 if all(checks) else 1)


if __name__ == "__main__":
    main()
