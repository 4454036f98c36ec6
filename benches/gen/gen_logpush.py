#!/usr/bin/env python3
"""Seeded generator of Cloudflare Logpush `http_requests` lines for the benchmark inputs.

Two hours over 40 POPs with 30 fields per line (about 900 bytes): realistic statuses, cache
states, bot scores and security actions. From minute 40, 9 POPs fail with edge-generated 500s
(origin status 0) that switch on and off every five minutes, plus some 502s.

usage:
  python3 gen_logpush.py --lines 1000000 --out logpush_1m.ndjson
  python3 gen_logpush.py --lines 1000000 --batches 100 --out bucket/   # a Logpush bucket directory:
      bucket/YYYYMMDD/<start>_<end>_<hash>.log.gz, one gzip batch per time slice
Same seed and arguments, same bytes.
"""
import argparse
import datetime as dt
import gzip
import hashlib
import os
import random

POPS = ["SCL", "GRU", "EZE", "BOG", "LIM", "MEX", "IAD", "ORD", "DFW", "SEA", "LAX", "SFO", "JFK", "ATL",
        "MIA", "YYZ", "LHR", "CDG", "FRA", "AMS", "MAD", "MXP", "ARN", "WAW", "VIE", "ZRH", "DUB", "NRT",
        "KIX", "ICN", "HKG", "SIN", "BOM", "DEL", "SYD", "MEL", "JNB", "DXB", "TLV", "IST"]
FAILING = {"FRA", "AMS", "LHR", "CDG", "IAD", "ORD", "SIN", "NRT", "GRU"}
HOSTS = ["www.example.com", "api.example.com", "static.example.com", "auth.example.com", "shop.example.org"]
PATHS = ["/", "/index.html", "/api/v2/items?page=2", "/api/v2/search?q=shoes", "/static/app.9f3c.js",
         "/img/hero.jpg", "/checkout", "/login?next=%2Faccount"]
UAS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
       "okhttp/4.12.0", "curl/8.10.1"]
COUNTRIES = ["us", "de", "gb", "fr", "br", "cl", "mx", "jp", "in", "au", "za", "ae"]
SOURCES = ["Machine Learning", "Heuristics", "Behavioral Analysis", "Verified Bot", "JS Fingerprinting"]
T0, SPAN = 1763643600, 7200  # 2025-11-20T13:00:00Z, two hours


def rfc3339(ns):
    s, frac = divmod(ns, 1_000_000_000)
    t = dt.datetime.fromtimestamp(s, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{t}.{frac // 1_000_000:03d}Z"


def record(rng, ns):
    pop = rng.choice(POPS)
    minute = (ns // 1_000_000_000 - T0) // 60
    failing = pop in FAILING and minute >= 40 and (minute // 5) % 2 == 0 and rng.random() < 0.6
    cache = rng.choice(["hit", "hit", "miss", "dynamic", "expired"])
    edge, origin = 200, (0 if cache == "hit" else 200)
    if failing:
        edge, origin = (502, 0) if rng.random() < 0.1 else (500, 0)
    elif rng.random() < 0.004:
        edge = origin = 503
    ttfb = rng.randint(3, 400)
    origin_ms = 0 if origin == 0 else rng.randint(1, ttfb)
    score = rng.randint(1, 99)
    action = "block" if score < 5 and rng.random() < 0.5 else "unknown"
    return ("{"
            f'"BotScore":{score},"BotScoreSrc":"{rng.choice(SOURCES)}","CacheCacheStatus":"{cache}",'
            f'"ClientASN":{rng.randint(1000, 65000)},"ClientCountry":"{rng.choice(COUNTRIES)}",'
            f'"ClientIP":"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",'
            f'"ClientRequestHost":"{rng.choice(HOSTS)}","ClientRequestMethod":"{rng.choice(["GET", "GET", "GET", "POST"])}",'
            f'"ClientRequestProtocol":"{rng.choice(["HTTP/1.1", "HTTP/2", "HTTP/3"])}","ClientRequestReferer":"",'
            f'"ClientRequestURI":"{rng.choice(PATHS)}","ClientRequestUserAgent":"{rng.choice(UAS)}",'
            f'"ClientSSLProtocol":"{rng.choice(["TLSv1.3", "TLSv1.3", "TLSv1.2"])}","ClientTCPRTTMs":{rng.randint(1, 250)},'
            f'"EdgeColoCode":"{pop}","EdgeEndTimestamp":"{rfc3339(ns + ttfb * 1_000_000)}",'
            f'"EdgeResponseBytes":{rng.randint(200, 90000)},"EdgeResponseContentType":"text/html",'
            f'"EdgeResponseStatus":{edge},"EdgeStartTimestamp":"{rfc3339(ns)}","EdgeTimeToFirstByteMs":{ttfb},'
            f'"OriginIP":"{"" if origin == 0 else "203.0.113.10"}","OriginResponseDurationMs":{origin_ms},'
            f'"OriginResponseStatus":{origin},"RayID":"{rng.getrandbits(64):016x}","SecurityAction":"{action}",'
            f'"SecurityLevel":"med","WAFAction":"unknown","WorkerScriptName":"","ZoneName":"example.com"'
            "}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--batches", type=int, default=0, help="write a bucket directory of this many gzip batches")
    ap.add_argument("--seed", type=int, default=20261120)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    step = SPAN * 1_000_000_000 // max(args.lines, 1)
    times = (T0 * 1_000_000_000 + i * step for i in range(args.lines))
    if not args.batches:
        with open(args.out, "w") as f:
            for ns in times:
                f.write(record(rng, ns))
        return
    per = -(-args.lines // args.batches)
    slice_ns = per * step
    for b in range(args.batches):
        start = T0 * 1_000_000_000 + b * slice_ns
        lines = [record(rng, start + i * step) for i in range(min(per, args.lines - b * per))]
        if not lines:
            break
        name = lambda ns: dt.datetime.fromtimestamp(ns // 1_000_000_000, dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        day = name(start)[:8]
        os.makedirs(os.path.join(args.out, day), exist_ok=True)
        tag = hashlib.sha1(f"{args.seed}-{b}".encode()).hexdigest()[:8]
        path = os.path.join(args.out, day, f"{name(start)}_{name(start + slice_ns)}_{tag}.log.gz")
        with gzip.open(path, "wt", compresslevel=6) as f:
            f.writelines(lines)


if __name__ == "__main__":
    main()
