#!/usr/bin/env python3
"""Seeded generator of AWS CloudFront standard (W3C) log lines for the throughput figures.

Writes the `#Version` / `#Fields` header and then tab-separated lines with CloudFront's 33
standard fields, over 40 POPs (edge locations such as `SCL51-C1`) and two hours. From minute 40 an
origin outage makes a share of misses fail as `Error` / `OriginConnectError` 502s at 9 POPs, with a
5-minute on/off flap, beside a background of origin 503s and cache hits.

usage: python3 gen_cloudfront.py --lines 4000000 --out cloudfront.log [--seed 20261120]
"""
import argparse
import random

POPS = ["SCL", "GRU", "EZE", "BOG", "LIM", "MEX", "IAD", "ORD", "DFW", "SEA", "LAX", "SFO", "JFK", "ATL",
        "MIA", "YYZ", "LHR", "CDG", "FRA", "AMS", "MAD", "MXP", "ARN", "WAW", "VIE", "ZRH", "DUB", "NRT",
        "KIX", "ICN", "HKG", "SIN", "BOM", "DEL", "SYD", "MEL", "JNB", "DXB", "TLV", "IST"]
OUTAGE = set(POPS[:9])
FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
          "cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol "
          "cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type "
          "cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte "
          "x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end")
PATHS = ["/", "/index.html", "/api/v2/items", "/api/v2/search", "/static/app.js", "/static/app.css",
         "/img/hero.jpg", "/checkout", "/login", "/favicon.ico"]
UAS = ["Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)"
       "%20Chrome/130.0.0.0%20Safari/537.36",
       "Mozilla/5.0%20(iPhone;%20CPU%20iPhone%20OS%2018_1%20like%20Mac%20OS%20X)%20AppleWebKit/605.1.15",
       "curl/8.10.1", "okhttp/4.12.0"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20261120)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = 1763643600  # 2025-11-20T13:00:00Z
    span = 7200
    with open(args.out, "w", buffering=1 << 22) as f:
        f.write("#Version: 1.0\n#Fields: " + FIELDS + "\n")
        buf = []
        for i in range(args.lines):
            t = t0 + int(i * span / args.lines)
            hh, mm, ss = (t % 86400) // 3600, (t % 3600) // 60, t % 60
            pop = POPS[rng.randrange(len(POPS))]
            loc = f"{pop}{rng.randrange(1, 80)}-C{rng.randrange(1, 5)}"
            minute = (t - t0) / 60
            failing = pop in OUTAGE and minute >= 40 + POPS.index(pop) and int(minute) // 5 % 2 == 0
            r = rng.random()
            if failing and r < 0.4:
                status, result, detail = "502", "Error", "OriginConnectError"
            elif r < 0.55:
                status, result, detail = "200", "Hit", "Hit"
            elif r < 0.551:
                status, result, detail = "503", "Error", "Error"
            elif r < 0.56:
                status, result, detail = "404", "Error", "Error"
            else:
                status, result, detail = "200", "Miss", "Miss"
            tt = f"{rng.random() * 0.5:.3f}"
            rid = "%016x%016x==" % (rng.getrandbits(64), rng.getrandbits(64))
            buf.append("\t".join((
                f"2025-11-20\t{hh:02d}:{mm:02d}:{ss:02d}", loc, str(rng.randrange(200, 90000)),
                f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                "GET", "d111111abcdef8.cloudfront.net", PATHS[rng.randrange(len(PATHS))], status, "-",
                UAS[rng.randrange(len(UAS))], "-", "-", result, rid, "www.example.com", "https",
                str(rng.randrange(80, 900)), tt, "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", result, "HTTP/2.0",
                "-", "-", str(rng.randrange(1024, 65535)), tt, detail, "text/html", "-", "-", "-")))
            if len(buf) >= 20000:
                f.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            f.write("\n".join(buf) + "\n")


if __name__ == "__main__":
    main()
