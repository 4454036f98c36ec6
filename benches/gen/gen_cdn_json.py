#!/usr/bin/env python3
"""Seeded generator of Akamai DataStream 2 or Fastly JSON log lines for the throughput figures.

Two hours over 40 POPs (Akamai: 40 edge server addresses; Fastly: cache nodes such as
`cache-sjc10043-SJC`); from minute 40 an origin outage makes misses fail with 503s at 9 POPs with a
5-minute on/off flap (Akamai `ERR_CONNECT_FAIL`, Fastly `first byte timeout`).

usage: python3 gen_cdn_json.py --vendor akamai|fastly --lines 1500000 --out FILE [--seed 20261120]
"""
import argparse
import json
import random

POPS = ["SCL", "GRU", "EZE", "BOG", "LIM", "MEX", "IAD", "ORD", "DFW", "SEA", "LAX", "SFO", "JFK", "ATL",
        "MIA", "YYZ", "LHR", "CDG", "FRA", "AMS", "MAD", "MXP", "ARN", "WAW", "VIE", "ZRH", "DUB", "NRT",
        "KIX", "ICN", "HKG", "SIN", "BOM", "DEL", "SYD", "MEL", "JNB", "DXB", "TLV", "IST"]
PATHS = ["/", "/index.html", "/api/v2/items", "/api/v2/search", "/static/app.js", "/img/hero.jpg", "/checkout"]
UAS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15", "curl/8.10.1"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vendor", choices=["akamai", "fastly"], required=True)
    ap.add_argument("--lines", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20261120)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0, span = 1763643600, 7200  # 2025-11-20T13:00:00Z, two hours
    with open(args.out, "w", buffering=1 << 22) as f:
        buf = []
        for i in range(args.lines):
            t = t0 + i * span / args.lines
            p = rng.randrange(len(POPS))
            minute = (t - t0) / 60
            failing = p < 9 and minute >= 40 + p and int(minute) // 5 % 2 == 0
            r = rng.random()
            hit = r < 0.55
            fail = failing and not hit and r < 0.75
            status = 503 if fail else (503 if 0.55 <= r < 0.552 else 200)
            ip = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            if args.vendor == "akamai":
                rec = {
                    "version": "4", "cp": "1059344", "reqId": "%016x" % rng.getrandbits(64),
                    "reqTimeSec": "%.3f" % t, "bytes": str(rng.randrange(200, 90000)), "cliIP": ip,
                    "statusCode": str(status), "proto": "HTTP/2", "reqHost": "www.example.com", "reqMethod": "GET",
                    "reqPath": PATHS[rng.randrange(len(PATHS))].lstrip("/"), "reqPort": "443",
                    "rspContentType": "text/html", "UA": UAS[rng.randrange(len(UAS))].replace(" ", "%20"),
                    "tlsVersion": "TLSv1.3", "cacheStatus": "1" if hit else "0",
                    "errorCode": "ERR_CONNECT_FAIL|origin" if fail else "-",
                    "turnAroundTimeMSec": str(rng.randrange(1, 200)), "transferTimeMSec": str(rng.randrange(1, 50)),
                    "reqEndTimeMSec": "1", "country": "US", "edgeIP": f"23.50.{p}.38", "queryStr": "-",
                }
            else:
                secs = int(t)
                rec = {
                    "timestamp": "%04d-%02d-%02dT%02d:%02d:%02d+0000" % (2025, 11, 20, (secs % 86400) // 3600,
                                                                       (secs % 3600) // 60, secs % 60),
                    "client_ip": ip, "geo_country_code": "US", "host": "www.example.com",
                    "url": PATHS[rng.randrange(len(PATHS))], "request_method": "GET", "request_protocol": "HTTP/2",
                    "request_user_agent": UAS[rng.randrange(len(UAS))],
                    "response_state": "ERROR" if fail else ("HIT" if hit else "MISS"), "response_status": status,
                    "response_reason": "first byte timeout" if fail else None,
                    "response_body_size": rng.randrange(200, 90000),
                    "fastly_server": f"cache-{POPS[p].lower()}{rng.randrange(10000, 20000)}-{POPS[p]}",
                    "fastly_is_edge": True, "request_id": "%016x" % rng.getrandbits(64),
                }
            buf.append(json.dumps(rec, separators=(",", ":")))
            if len(buf) >= 20000:
                f.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            f.write("\n".join(buf) + "\n")


if __name__ == "__main__":
    main()
