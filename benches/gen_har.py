#!/usr/bin/env python3
"""Writes a large, realistic HAR 1.2 archive for memory and throughput measurements.

Usage: gen_har.py --mb 300 --out big.har [--seed 1]

Entries look like a browser's during a CDN outage: page loads, API calls and event streams,
with cf-ray headers, cookies, authorization headers, HTML error pages and some failed requests.
The document is pretty-printed (as browsers export it) and written in one pass.
"""
import argparse
import json
import random

p = argparse.ArgumentParser()
p.add_argument("--mb", type=float, default=300)
p.add_argument("--out", required=True)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
rng = random.Random(a.seed)
pops = ["FRA", "LHR", "CDG", "AMS", "IAD", "SJC", "NRT", "SIN", "GRU", "SYD"]
page_500 = "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>" + "x" * 4000 + "</body></html>"


def entry(i):
    t = 1763464800 + i * 0.05
    status = rng.choice([200] * 8 + [500, 502, 0])
    stream = rng.random() < 0.2
    e = {
        "_resourceType": "fetch" if stream else "document",
        "pageref": f"page_{i // 200}",
        "startedDateTime": f"2025-11-18T{int(t // 3600 % 24):02d}:{int(t // 60 % 60):02d}:{t % 60:06.3f}Z",
        "time": rng.uniform(5, 900),
        "request": {
            "method": "POST" if stream else "GET",
            "url": f"https://chat.example/backend-api/c/{i}?code=SECRET{i}&v=1",
            "httpVersion": "http/2.0",
            "headers": [
                {"name": "cookie", "value": f"session=COOKIE{i}; theme=dark"},
                {"name": "authorization", "value": f"Bearer TOKEN{i}abcdefgh"},
                {"name": "user-agent", "value": "Mozilla/5.0 (X11; Linux x86_64) Chrome/142.0.0.0"},
            ],
            "cookies": [{"name": "session", "value": f"COOKIE{i}"}],
            "queryString": [{"name": "code", "value": f"SECRET{i}"}],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "http/2.0",
            "headers": [
                {"name": "cf-ray", "value": f"{rng.getrandbits(64):016x}-{rng.choice(pops)}"},
                {"name": "server", "value": "cloudflare"},
                {"name": "content-type", "value": "text/event-stream" if stream else "text/html"},
            ],
            "cookies": [],
            "content": {
                "size": 4100,
                "mimeType": "text/event-stream" if stream else "text/html",
                "text": page_500 if status >= 500 else "<html>" + "y" * rng.randint(500, 6000) + "</html>",
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_error": "net::ERR_CONNECTION_RESET" if status == 0 else None,
        },
        "timings": {"blocked": 1, "dns": -1, "connect": -1, "send": 0.1, "wait": rng.uniform(5, 500), "receive": 1},
    }
    return e


target = int(a.mb * 1e6)
written = 0
with open(a.out, "w") as f:
    head = '{\n  "log": {\n    "version": "1.2",\n    "creator": {"name": "gen_har", "version": "1"},\n    "pages": [],\n    "entries": [\n'
    f.write(head)
    written += len(head)
    i = 0
    while written < target:
        s = ("" if i == 0 else ",\n") + json.dumps(entry(i), indent=2)
        f.write(s)
        written += len(s)
        i += 1
    f.write("\n    ]\n  }\n}\n")
print(f"{i} entries, {written / 1e6:.1f} MB")
