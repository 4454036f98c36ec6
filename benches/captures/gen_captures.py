#!/usr/bin/env python3
"""Write user-side captures of a CDN outage, with the ground truth for every event.

The captures imitate what users attach to support tickets during an edge outage like
Cloudflare's of 18 Nov 2025 (the proxy failing with its own 500 page, recovering and failing
again every few minutes): browser HAR exports (Chrome- and Firefox-style, pretty and compact)
and client logs (a Node SDK, a Python service using httpx/openai or requests, `curl -v`
sessions, npm installs). Healthy traffic dominates; every failure family is present, with
decoys that look like failures but are not, or that look like the CDN's fault but are not.

    gen_captures.py --seed 1 --out /tmp/caps [--users 200]

DIR/truth.json lists every event: {"file", "entry" (HAR, 0-based) or "line" (client logs,
1-based line where the record starts), "signature" (null when healthy), "end_line" (client
logs: the record's last line), "case" (what the generator meant, for reading mismatches)}.
A client-log record is one line, or a line and what continues it: a Node stack and the error
object's properties, a Python traceback (with the exception's message, HTML included), a
`curl -v` run from its `$ curl` prompt to its last line, an npm error block. Blank lines are
not events. The same seed gives the same bytes.
"""

import argparse
import datetime as dt
import json
import os
import random
import sys

DAY = dt.datetime(2025, 11, 18, tzinfo=dt.timezone.utc)
T0 = DAY.replace(hour=11, minute=5)
OUTAGE_START = DAY.replace(hour=11, minute=20)
OUTAGE_END = DAY.replace(hour=14, minute=30)

APP = "chat.northwind.example"
API = "api.northwind.example"
STATIC = "static.northwind.example"
IDP = "login.idp.example"
APEX = "northwind.example"
SHOP = "shop.fabrikam.example"          # a second customer whose origin is down: 52x
THIRD = ["fonts.gstatic.com", "www.googletagmanager.com", "js.stripe.com"]
COLOS = ["AMS", "FRA", "LHR", "CDG", "MAD", "IAD", "SJC", "ORD", "SIN", "NRT", "GRU", "SCL", "WAW"]
CF_IPS = ["104.18.32.47", "104.18.33.47", "172.64.155.209", "104.16.123.96", "162.159.140.229"]

CHROME_UA = "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36"
FIREFOX_UA = "Mozilla/5.0 ({os}; rv:{v}.0) Gecko/20100101 Firefox/{v}.0"
OSES = ["Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7", "X11; Linux x86_64"]


def in_bad_phase(t):
    """The proxy fails while a bad feature file is live; it flaps while good and bad files alternate."""
    if t < OUTAGE_START or t >= OUTAGE_END:
        return False
    minutes = (t - OUTAGE_START).total_seconds() / 60.0
    if minutes < 30:
        return int(minutes // 5) % 2 == 0 or minutes > 20
    if t < DAY.replace(hour=14, minute=0):
        return int(minutes // 5) % 3 != 2
    return int(minutes // 5) % 2 == 0


def iso_z(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def iso_local(t, offset_h):
    tz = dt.timezone(dt.timedelta(hours=offset_h))
    lt = t.astimezone(tz)
    s = lt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (lt.microsecond // 1000)
    return s + ("+%02d:00" % offset_h if offset_h >= 0 else "-%02d:00" % -offset_h)


def http_date(t):
    return t.strftime("%a, %d %b %Y %H:%M:%S GMT")


class Ids:
    def __init__(self, rng):
        self.rng = rng
        self.seen = set()

    def hexs(self, n):
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def ray(self, colo):
        while True:
            r = self.hexs(16)
            if r not in self.seen:
                self.seen.add(r)
                return r + "-" + colo

    def token(self, n=40):
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "".join(self.rng.choice(alphabet) for _ in range(n))


# --------------------------------------------------------------------------------------------
# Error bodies, written from how the real pages look.

def cf_plain_page(code, reason, crlf=True):
    nl = "\r\n" if crlf else "\n"
    return nl.join([
        "<html>",
        "<head><title>%d %s</title></head>" % (code, reason),
        "<body>",
        "<center><h1>%d %s</h1></center>" % (code, reason),
        "<hr><center>cloudflare</center>",
        "</body>",
        "</html>",
        "",
    ])


def cf_branded_page(host, code, short, ray, t, client_ip, what, where_broken):
    """Cloudflare's branded error template (cf-error-details), cut down to its telling parts."""
    stamp = t.strftime("%Y-%m-%d %H:%M:%S UTC")
    browser = "Working"
    cloud = "Error" if where_broken == "cloudflare" else "Working"
    hst = "Error" if where_broken == "host" else "Working"
    return "\n".join([
        "<!DOCTYPE html>",
        "<!--[if lt IE 7]> <html class=\"no-js ie6 oldie\" lang=\"en-US\"> <![endif]-->",
        "<!--[if gt IE 8]><!--> <html class=\"no-js\" lang=\"en-US\"> <!--<![endif]-->",
        "<head>",
        "<title>%s | %d: %s</title>" % (host, code, short),
        "<meta charset=\"UTF-8\" />",
        "<meta name=\"robots\" content=\"noindex, nofollow\" />",
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\" />",
        "<link rel=\"stylesheet\" id=\"cf_styles-css\" href=\"/cdn-cgi/styles/main.css\" />",
        "</head>",
        "<body>",
        "<div id=\"cf-wrapper\">",
        "  <div id=\"cf-error-details\" class=\"p-0\">",
        "    <header class=\"mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8\">",
        "      <h1 class=\"inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl text-black-dark leading-tight mr-2\">",
        "        <span class=\"inline-block\">%s</span>" % short,
        "        <span class=\"code-label\">Error code %d</span>" % code,
        "      </h1>",
        "      <div>Visit <a href=\"https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_%d&utm_campaign=%s\" target=\"_blank\" rel=\"noopener noreferrer\">cloudflare.com</a> for more information.</div>" % (code, host),
        "      <div class=\"mt-3\">%s</div>" % stamp,
        "    </header>",
        "    <div class=\"my-8 bg-gradient-gray\"><div class=\"w-240 lg:w-full mx-auto\"><div class=\"clearfix md:px-8\">",
        "      <div id=\"cf-browser-status\" class=\"cf-column\"><span class=\"md:block w-full truncate\">You</span> <h3>Browser</h3> <span class=\"leading-1.3 text-2xl\">%s</span></div>" % browser,
        "      <div id=\"cf-cloudflare-status\" class=\"cf-column\"><span class=\"md:block w-full truncate\">%s</span> <h3>Cloudflare</h3> <span class=\"leading-1.3 text-2xl\">%s</span></div>" % (ray.split("-")[1], cloud),
        "      <div id=\"cf-host-status\" class=\"cf-column\"><span class=\"md:block w-full truncate\">%s</span> <h3>Host</h3> <span class=\"leading-1.3 text-2xl\">%s</span></div>" % (host, hst),
        "    </div></div></div>",
        "    <div class=\"w-240 lg:w-full mx-auto mb-8 lg:px-8\"><div class=\"clearfix\">",
        "      <div class=\"w-1/2 md:w-full float-left pr-6 md:pb-10 md:pr-0 leading-relaxed\">",
        "        <h2 class=\"text-3xl font-normal leading-1.3 mb-4\">What happened?</h2>",
        "        <p>%s</p>" % what,
        "      </div>",
        "    </div></div>",
        "    <div class=\"cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto text-center sm:text-left border-solid border-0 border-t border-gray-300\">",
        "      <p class=\"text-13\"><span class=\"cf-footer-item sm:block sm:mb-1\">Cloudflare Ray ID: <strong class=\"font-semibold\">%s</strong></span> <span class=\"cf-footer-separator sm:hidden\">&bull;</span>" % ray.split("-")[0],
        "      <span id=\"cf-footer-item-ip\" class=\"cf-footer-item hidden sm:block sm:mb-1\">Your IP: <span class=\"hidden\" id=\"cf-footer-ip\">%s</span></span>" % client_ip,
        "      <span class=\"cf-footer-item sm:block sm:mb-1\"><span>Performance &amp; security by</span> <a rel=\"noopener noreferrer\" href=\"https://www.cloudflare.com/5xx-error-landing\" id=\"brand_link\" target=\"_blank\">Cloudflare</a></span></p>",
        "    </div>",
        "  </div>",
        "</div>",
        "</body>",
        "</html>",
    ])


CF_52X = {
    520: ("Web server is returning an unknown error", "There is an unknown connection issue between Cloudflare and the origin web server. As a result, the web page can not be displayed."),
    521: ("Web server is down", "The web server is not returning a connection. As a result, the web page is not displaying."),
    522: ("Connection timed out", "The initial connection between Cloudflare's network and the origin web server timed out. As a result, the web page can not be displayed."),
    523: ("Origin is unreachable", "Cloudflare is currently unable to resolve your requested domain."),
    524: ("A timeout occurred", "The origin web server timed out responding to this request."),
    525: ("SSL handshake failed", "Cloudflare is unable to establish an SSL connection to the origin server."),
    526: ("Invalid SSL certificate", "The origin web server does not have a valid SSL certificate."),
}

EDGE_500_WHAT = "There is an internal server error on Cloudflare's network."


def edge_500_body(rng, host, ray, t, ip):
    if rng.random() < 0.5:
        return cf_plain_page(500, "Internal Server Error"), "text/html"
    return cf_branded_page(host, 500, "Internal server error", ray, t, ip, EDGE_500_WHAT, "cloudflare"), "text/html"


def app_error_json(rng, code):
    rid = "req_" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789") for _ in range(24))
    choices = [
        {"error": {"message": "The server had an error while processing your request. Sorry about that!", "type": "server_error", "param": None, "code": None}},
        {"type": "error", "error": {"type": "api_error", "message": "Internal server error"}, "request_id": rid},
        {"detail": "Service temporarily unavailable", "status": code, "trace_id": rid[4:]},
    ]
    return json.dumps(rng.choice(choices), separators=(", ", ": ") if rng.random() < 0.5 else (",", ":"))


def origin_nginx_page(code):
    reasons = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}
    return cf_plain_page(code, reasons[code]).replace("<center>cloudflare</center>", "<center>nginx/1.24.0</center>")


def rate_limit_body(rng, host, ray, t, ip):
    if rng.random() < 0.5:
        return json.dumps({"error": {"message": "Rate limit reached for requests. Please try again in 20s.", "type": "requests", "param": None, "code": "rate_limit_exceeded"}}), "application/json"
    # Cloudflare rate limiting rule (error 1015), sent with status 429
    body = "\n".join([
        "<!DOCTYPE html>",
        "<html class=\"no-js\" lang=\"en-US\">",
        "<head><title>Access denied | %s used Cloudflare to restrict access</title></head>" % host,
        "<body><div id=\"cf-wrapper\"><div id=\"cf-error-details\">",
        "<h1><span class=\"cf-error-type\">Error</span> <span class=\"cf-error-code\">1015</span></h1>",
        "<h2 class=\"cf-subheadline\">You are being rate limited</h2>",
        "<p>The owner of this website (%s) has banned you temporarily from accessing this website.</p>" % host,
        "<span>Cloudflare Ray ID: <strong>%s</strong></span>" % ray.split("-")[0],
        "</div></div></body></html>",
    ])
    return body, "text/html"


SSE_CHUNKS = ["Sure", ",", " here", "'s", " a", " short", " summary", " of", " the", " incident", ":", " the", " proxy", " returned", " errors", " for", " about", " three", " hours", "."]


def sse_body(rng, complete):
    n = len(SSE_CHUNKS) if complete else rng.randint(3, len(SSE_CHUNKS) - 4)
    out = []
    mid = "msg_" + "".join(rng.choice("0123456789abcdef") for _ in range(12))
    for i in range(n):
        out.append("data: " + json.dumps({"id": mid, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": SSE_CHUNKS[i]}}]}) + "\n\n")
    if complete:
        out.append("data: [DONE]\n\n")
    return "".join(out)


# --------------------------------------------------------------------------------------------
# HAR

class HarSession:
    def __init__(self, rng, ids, style, name, start):
        self.rng = rng
        self.ids = ids
        self.style = style            # "chrome" or "firefox"
        self.name = name
        self.t = start
        self.entries = []             # (entry dict, truth signature, case)
        self.pages = []
        os_ = rng.choice(OSES)
        if style == "chrome":
            self.ua = CHROME_UA.format(os=os_, v=rng.choice([131, 140, 141, 142]))
        else:
            self.ua = FIREFOX_UA.format(os=os_, v=rng.choice([128, 144, 145]))
        self.tz = rng.choice([0, 1, 1, 2, -5])
        self.client_ip = "%d.%d.%d.%d" % (rng.randint(31, 220), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
        self.colo = rng.choice(COLOS)
        self.session = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.." + ids.token(60)
        self.bearer = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + ids.token(80)
        self.cf_bm = ids.token(43)
        self.page = None

    def stamp(self, t):
        return iso_z(t) if self.style == "chrome" else iso_local(t, self.tz)

    def advance(self, lo, hi):
        self.t += dt.timedelta(milliseconds=self.rng.randint(lo, hi))

    def new_page(self, url, title=None):
        pid = "page_%d" % (len(self.pages) + (1 if self.style == "firefox" else 2))
        self.pages.append({
            "startedDateTime": self.stamp(self.t),
            "id": pid,
            "title": title or url,
            "pageTimings": {"onContentLoad": round(self.rng.uniform(300, 1800), 3), "onLoad": round(self.rng.uniform(900, 3500), 3)},
        })
        self.page = pid

    # -- request/response building

    def req_headers(self, method, url, kind, auth):
        scheme, rest = url.split("://", 1)
        host = rest.split("/", 1)[0]
        path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        cookie = "__Secure-next-auth.session-token=%s; __cf_bm=%s; _ga=GA1.1.%d.%d" % (self.session, self.cf_bm, self.rng.randint(10**8, 10**9), 1763400000 + self.rng.randint(0, 60000))
        accept = {"document": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
                  "stream": "text/event-stream", "fetch": "application/json", "xhr": "*/*",
                  "script": "*/*", "stylesheet": "text/css,*/*;q=0.1", "image": "image/avif,image/webp,*/*", "font": "*/*"}.get(kind, "*/*")
        if self.style == "chrome":
            h = [{"name": ":authority", "value": host}, {"name": ":method", "value": method},
                 {"name": ":path", "value": path}, {"name": ":scheme", "value": scheme},
                 {"name": "accept", "value": accept}, {"name": "accept-encoding", "value": "gzip, deflate, br, zstd"},
                 {"name": "accept-language", "value": "en-GB,en;q=0.9"}]
            if host.endswith(APEX):
                h.append({"name": "cookie", "value": cookie})
            if auth:
                h.append({"name": "authorization", "value": "Bearer " + self.bearer})
            h.append({"name": "user-agent", "value": self.ua})
        else:
            h = [{"name": "Host", "value": host}, {"name": "User-Agent", "value": self.ua},
                 {"name": "Accept", "value": accept}, {"name": "Accept-Language", "value": "en-US,en;q=0.5"},
                 {"name": "Accept-Encoding", "value": "gzip, deflate, br, zstd"}]
            if auth:
                h.append({"name": "Authorization", "value": "Bearer " + self.bearer})
            if host.endswith(APEX):
                h.append({"name": "Cookie", "value": cookie})
            h.append({"name": "Connection", "value": "keep-alive"})
        cookies = []
        if host.endswith(APEX):
            cookies = [{"name": "__Secure-next-auth.session-token", "value": self.session},
                       {"name": "__cf_bm", "value": self.cf_bm}]
        return h, cookies

    def add(self, method, url, kind, status, truth, case, body=None, mime="", resp_headers=None,
            error=None, redirect="", cf=True, auth=False, duration=None, post=None, colo=None):
        t = self.t
        host = url.split("://", 1)[1].split("/", 1)[0]
        qs = []
        if "?" in url:
            for part in url.split("?", 1)[1].split("&"):
                k, _, v = part.partition("=")
                qs.append({"name": k, "value": v})
        req_h, req_c = self.req_headers(method, url, kind, auth)
        wait = duration if duration is not None else round(self.rng.uniform(15, 420), 3)
        ray = None
        rh = []
        if status > 0:
            rh.append({"name": "date", "value": http_date(t)})
            if mime:
                rh.append({"name": "content-type", "value": mime})
            if cf:
                ray = self.ids.ray(colo or self.colo)
                rh.append({"name": "cf-ray", "value": ray})
                rh.append({"name": "server", "value": "cloudflare"})
                rh.append({"name": "cf-cache-status", "value": "DYNAMIC" if kind in ("document", "fetch", "stream", "xhr") else self.rng.choice(["HIT", "HIT", "MISS", "REVALIDATED"])})
                rh.append({"name": "alt-svc", "value": "h3=\":443\"; ma=86400"})
            if redirect:
                rh.append({"name": "location", "value": redirect})
            for hdr in resp_headers or []:
                rh.append({"name": hdr[0], "value": hdr[1]})
        if self.style == "firefox":
            rh = [{"name": x["name"] if self.rng.random() < 0.8 else x["name"].title(), "value": x["value"]} for x in rh]
        size = len(body.encode("utf-8")) if body is not None else 0
        content = {"size": size, "mimeType": mime or ("x-unknown" if self.style == "chrome" else "")}
        if body is not None:
            content["text"] = body
        if self.style == "chrome" and body and mime.startswith("text/html") and self.rng.random() < 0.3:
            content["compression"] = int(size * 0.62)
        resp = {
            "status": status,
            "statusText": "" if (self.style == "chrome" or status == 0) else STATUS_TEXT.get(status, ""),
            "httpVersion": ("http/2.0" if self.style == "chrome" else "HTTP/2") if status > 0 else "",
            "headers": rh,
            "cookies": [],
            "content": content,
            "redirectURL": redirect,
            "headersSize": -1,
            "bodySize": -1 if status == 0 else size,
        }
        if status > 0 and cf and self.rng.random() < 0.3:
            resp["headers"].append({"name": "set-cookie", "value": "__cf_bm=%s; path=/; expires=%s; domain=.%s; HttpOnly; Secure; SameSite=None" % (self.ids.token(43), http_date(t + dt.timedelta(minutes=30)), host.split(".", 1)[1] if host.count(".") > 1 else host)})
            resp["cookies"].append({"name": "__cf_bm", "value": "[set]", "path": "/", "httpOnly": True, "secure": True})
        if self.style == "chrome":
            resp["_transferSize"] = 0 if status == 0 else size + 400
            resp["_error"] = error
        request = {
            "method": method, "url": url, "httpVersion": "http/2.0" if self.style == "chrome" else "HTTP/2",
            "headers": req_h, "queryString": qs, "cookies": req_c, "headersSize": -1,
            "bodySize": len(post) if post else 0,
        }
        if post is not None:
            request["postData"] = {"mimeType": "application/json", "text": post}
        total = wait + (round(self.rng.uniform(0.5, 40), 3) if status > 0 else 0)
        timings = {"blocked": round(self.rng.uniform(0.3, 4), 3), "dns": -1, "ssl": -1, "connect": -1,
                   "send": 0.2, "wait": wait, "receive": round(total - wait, 3)}
        entry = {}
        if self.style == "chrome":
            entry["_initiator"] = {"type": "other"} if kind == "document" else {"type": "script", "url": "https://%s/_next/static/chunks/main-%s.js" % (STATIC, "9f2c4e"), "lineNumber": self.rng.randint(1, 900)}
            entry["_priority"] = "VeryHigh" if kind == "document" else "High"
            entry["_resourceType"] = "fetch" if kind == "stream" else kind
            entry["cache"] = {}
            entry["connection"] = str(self.rng.randint(100000, 999999))
        entry["pageref"] = self.page
        entry["request"] = request
        entry["response"] = resp
        if status > 0:
            entry["serverIPAddress"] = self.rng.choice(CF_IPS) if cf else "142.250.%d.%d" % (self.rng.randint(0, 255), self.rng.randint(1, 254))
        entry["startedDateTime"] = self.stamp(t)
        entry["time"] = round(total, 3)
        entry["timings"] = timings
        if self.style == "firefox":
            entry["cache"] = {}
            entry["_securityState"] = "secure" if url.startswith("https") and status > 0 else ("insecure" if status > 0 else "")
        self.entries.append((entry, truth, case))
        return entry

    def dump(self, path, compact):
        log = {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"} if self.style == "chrome" else {"name": "Firefox", "version": self.ua.rsplit("/", 1)[1]},
            "pages": self.pages,
            "entries": [e for e, _, _ in self.entries],
        }
        if self.style == "firefox":
            log["browser"] = {"name": "Firefox", "version": self.ua.rsplit("/", 1)[1]}
            log = {k: log[k] for k in ("version", "creator", "browser", "pages", "entries")}
        with open(path, "w", encoding="utf-8") as f:
            if compact:
                json.dump({"log": log}, f, separators=(",", ":"), ensure_ascii=False)
            else:
                json.dump({"log": log}, f, indent=2, ensure_ascii=False)
                f.write("\n")


STATUS_TEXT = {200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found", 304: "Not Modified",
               307: "Temporary Redirect", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
               502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout", 520: "", 521: "",
               522: "", 523: "", 524: "", 525: "", 526: ""}


def har_cf_response(s, method, url, kind, auth=False, post=None, ok_body=None, ok_mime="application/json", ok_status=200):
    """A request to a Cloudflare-fronted host of ours, at time s.t: healthy or failing like the outage did."""
    rng = s.rng
    bad = in_bad_phase(s.t)
    r = rng.random()
    host = url.split("://", 1)[1].split("/", 1)[0]
    chrome = s.style == "chrome"
    if bad and r < 0.30:
        colo = s.colo
        ray_preview = None
        body, mime = edge_500_body(rng, host, "0000000000000000-" + colo, s.t, s.client_ip)
        e = s.add(method, url, kind, 500, "edge_500", "cf edge 500 page", body=body, mime=mime + "; charset=UTF-8", auth=auth, post=post)
        # the branded page carries the entry's own Ray ID
        ray = [h["value"] for h in e["response"]["headers"] if h["name"].lower() == "cf-ray"][0]
        if "cf-error-details" in body:
            body = cf_branded_page(host, 500, "Internal server error", ray, s.t, s.client_ip, EDGE_500_WHAT, "cloudflare")
            e["response"]["content"]["text"] = body
            e["response"]["content"]["size"] = len(body)
        return "edge_500"
    if bad and r < 0.34:
        code = rng.choice([502, 502, 504])
        s.add(method, url, kind, code, "edge_502", "cf edge %d page" % code,
              body=cf_plain_page(code, "Bad Gateway" if code == 502 else "Gateway Time-out"), mime="text/html", auth=auth, post=post)
        return "edge_502"
    if bad and r < 0.37:
        code = rng.choice([500, 502, 503])
        s.add(method, url, kind, code, "http_5xx", "bare %d, no body" % code, body=None if rng.random() < 0.5 else "", mime="" if rng.random() < 0.5 else "text/html", auth=auth, post=post)
        return "http_5xx"
    r2 = rng.random()
    if kind in ("fetch", "xhr") and r2 < 0.02:
        code = rng.choice([500, 500, 503])
        s.add(method, url, kind, code, "origin_5xx", "app json %d behind cloudflare" % code, body=app_error_json(rng, code), mime="application/json", auth=auth, post=post)
        return "origin_5xx"
    if kind in ("fetch", "xhr") and r2 < 0.035:
        body, mime = rate_limit_body(rng, host, "x-" + s.colo, s.t, s.client_ip)
        s.add(method, url, kind, 429, "rate_limited", "429", body=body, mime=mime, auth=auth, post=post,
              resp_headers=[("retry-after", str(rng.randint(5, 60)))])
        return "rate_limited"
    if chrome and r2 < 0.045:
        err, sig = rng.choice([("net::ERR_CONNECTION_RESET", "conn_reset"), ("net::ERR_CONNECTION_CLOSED", "conn_reset"),
                               ("net::ERR_EMPTY_RESPONSE", "conn_reset"), ("net::ERR_TIMED_OUT", "conn_timeout"),
                               ("net::ERR_CONNECTION_TIMED_OUT", "conn_timeout"), ("net::ERR_NAME_NOT_RESOLVED", "dns_failure")])
        s.add(method, url, kind, 0, sig, "chrome " + err, error=err, cf=False, auth=auth, post=post)
        return sig
    if chrome and r2 < 0.05:
        s.add(method, url, kind, 0, None, "cancelled before response", error="net::ERR_ABORTED", cf=False, auth=auth, post=post)
        return None
    if r2 < 0.06 and kind in ("script", "image", "stylesheet", "font"):
        s.add(method, url, kind, 304, None, "304", body="", mime="")
        return None
    s.add(method, url, kind, ok_status, None, "ok", body=ok_body if ok_body is not None else ("" if kind in ("image", "font") else "{}"), mime=ok_mime, auth=auth, post=post)
    return None


def scene_page_load(s):
    url = "https://%s/%s" % (APP, s.rng.choice(["", "", "c/" + s.ids.hexs(8) + "-" + s.ids.hexs(4), "settings"]))
    s.new_page(url, "Northwind Chat")
    sig = har_cf_response(s, "GET", url, "document", ok_body="<!DOCTYPE html><html lang=\"en\"><head><title>Northwind Chat</title></head><body><div id=\"__next\"></div><script src=\"https://%s/_next/static/chunks/main-9f2c4e.js\"></script></body></html>" % STATIC, ok_mime="text/html; charset=utf-8")
    if sig is not None:
        s.advance(1500, 9000)     # the user looks at the error page, then moves on
        return
    s.advance(80, 300)
    for i in range(s.rng.randint(3, 8)):
        kind, path, mime = s.rng.choice([
            ("script", "/_next/static/chunks/%s.js" % s.ids.hexs(16), "application/javascript"),
            ("stylesheet", "/_next/static/css/%s.css" % s.ids.hexs(16), "text/css"),
            ("image", "/assets/%s.webp" % s.ids.hexs(10), "image/webp"),
            ("font", "/fonts/inter-var.woff2", "font/woff2"),
        ])
        har_cf_response(s, "GET", "https://%s%s" % (STATIC, path), kind, ok_mime=mime, ok_body="" if kind in ("image", "font") else "/* minified */")
        s.advance(5, 60)
    if s.rng.random() < 0.6:
        third = s.rng.choice(THIRD)
        s.add("GET", "https://%s/%s" % (third, s.rng.choice(["gtag/js?id=G-8XK2J1", "v3", "s/roboto/v32/KFOmCnqEu92Fr1Mu4mxK.woff2"])), "script", 200, None, "third-party ok", body="", mime="application/javascript", cf=False)
        s.advance(5, 50)
    for path in ["/backend-api/me", "/backend-api/models", "/backend-api/conversations?offset=0&limit=28"]:
        har_cf_response(s, "GET", "https://%s%s" % (APP, path), "fetch", auth=True, ok_body=json.dumps({"items": [], "total": 0}))
        s.advance(20, 200)


def scene_stream(s):
    url = "https://%s/backend-api/conversation" % APP
    post = json.dumps({"action": "next", "messages": [{"id": s.ids.hexs(8), "author": {"role": "user"}, "content": {"parts": ["summarise the incident"]}}], "model": "auto"})
    bad = in_bad_phase(s.t)
    r = s.rng.random()
    chrome = s.style == "chrome"
    if chrome and r < (0.12 if bad else 0.03):
        err = s.rng.choice(["net::ERR_HTTP2_PROTOCOL_ERROR", "net::ERR_INCOMPLETE_CHUNKED_ENCODING", "net::ERR_CONNECTION_RESET", "net::ERR_CONNECTION_CLOSED"])
        s.add("POST", url, "stream", 200, "stream_severed", "stream cut: " + err, body=sse_body(s.rng, False), mime="text/event-stream; charset=utf-8",
              error=err, auth=True, post=post, duration=round(s.rng.uniform(2000, 40000), 3))
    elif chrome and r < 0.18:
        s.add("POST", url, "stream", 200, None, "user stopped the stream", body=sse_body(s.rng, False), mime="text/event-stream; charset=utf-8",
              error="net::ERR_ABORTED", auth=True, post=post, duration=round(s.rng.uniform(1500, 9000), 3))
    elif bad and r < 0.5:
        har_cf_response(s, "POST", url, "stream", auth=True, post=post, ok_body=sse_body(s.rng, True), ok_mime="text/event-stream; charset=utf-8")
    else:
        s.add("POST", url, "stream", 200, None, "stream completed", body=sse_body(s.rng, True), mime="text/event-stream; charset=utf-8",
              auth=True, post=post, duration=round(s.rng.uniform(1500, 30000), 3))
    s.advance(500, 4000)


def authorize_url(s, prompt=None):
    q = "response_type=code&client_id=nw-web-%s&redirect_uri=https%%3A%%2F%%2F%s%%2Fapi%%2Fauth%%2Fcallback%%2Fidp&scope=openid%%20profile%%20email%%20offline_access&state=%s&code_challenge=%s&code_challenge_method=S256" % (
        "7f3a", APP, s.ids.token(43), s.ids.token(43))
    if prompt:
        q += "&prompt=" + prompt
    return "https://%s/authorize?%s" % (IDP, q)


def callback_url(s):
    return "https://%s/api/auth/callback/idp?code=%s&state=%s" % (APP, s.ids.token(30), s.ids.token(43))


def scene_signin_ok(s):
    """A normal sign-in: login → authorize (→ IdP form) → callback → app, once."""
    s.new_page("https://%s/auth/login" % APP, "Sign in")
    az = authorize_url(s)
    s.add("GET", "https://%s/auth/login" % APP, "document", 302, None, "signin: app login", redirect=az, mime="text/html")
    s.advance(60, 250)
    form = s.rng.random() < 0.5
    if form:
        st = s.ids.token(30)
        s.add("GET", az, "document", 302, None, "signin: authorize", redirect="https://%s/u/login?state=%s" % (IDP, st), mime="text/html", cf=False)
        s.advance(60, 250)
        s.add("GET", "https://%s/u/login?state=%s" % (IDP, st), "document", 200, None, "signin: idp form", body="<!DOCTYPE html><html><head><title>Log in | Northwind</title></head><body><form method=\"POST\"></form></body></html>", mime="text/html; charset=utf-8", cf=False)
        s.advance(4000, 15000)
        s.add("POST", "https://%s/u/login?state=%s" % (IDP, st), "document", 302, None, "signin: idp form post", redirect="https://%s/authorize/resume?state=%s" % (IDP, st), mime="text/html", cf=False, post="state=%s&username=user%%40example.org&password=%%5Bredacted%%5D" % st)
        s.advance(60, 250)
        cb = callback_url(s)
        s.add("GET", "https://%s/authorize/resume?state=%s" % (IDP, st), "document", 302, None, "signin: resume", redirect=cb, mime="text/html", cf=False)
    else:
        cb = callback_url(s)
        s.add("GET", az, "document", 302, None, "signin: authorize (sso session)", redirect=cb, mime="text/html", cf=False)
    s.advance(60, 250)
    s.add("GET", cb, "document", 302, None, "signin: callback", redirect="https://%s/" % APP, mime="text/html",
          resp_headers=[("set-cookie", "__Secure-next-auth.session-token=%s; Path=/; HttpOnly; Secure; SameSite=Lax" % s.session)])
    s.advance(60, 250)
    s.add("GET", "https://%s/" % APP, "document", 200, None, "signin: app", body="<!DOCTYPE html><html><head><title>Northwind Chat</title></head><body></body></html>", mime="text/html; charset=utf-8")
    s.advance(500, 3000)


def scene_signin_loop(s):
    """Callback rejects the session (cookie lost to the edge errors) and starts over, again and again."""
    s.new_page("https://%s/auth/login" % APP, "Sign in")
    rounds = s.rng.randint(4, 7)
    via_login = s.rng.random() < 0.5
    az = authorize_url(s)
    s.add("GET", "https://%s/auth/login" % APP, "document", 302, "oauth_loop", "loop: app login", redirect=az, mime="text/html")
    s.advance(80, 400)
    for i in range(rounds):
        cb = callback_url(s)
        s.add("GET", az, "document", 302, "oauth_loop", "loop: authorize #%d" % (i + 1), redirect=cb, mime="text/html", cf=False)
        s.advance(100, 900)
        if via_login:
            nxt = "https://%s/auth/login?error=OAuthCallback" % APP
        else:
            az = authorize_url(s)
            nxt = az
        s.add("GET", cb, "document", 302, "oauth_loop", "loop: callback #%d" % (i + 1), redirect=nxt, mime="text/html")
        s.advance(100, 900)
        if via_login and i < rounds - 1:
            az = authorize_url(s)
            s.add("GET", nxt, "document", 302, "oauth_loop", "loop: app login again", redirect=az, mime="text/html")
            s.advance(80, 500)
    s.advance(20000, 90000)   # the user gives up for a while


def scene_redirects(s):
    """Typing the bare name: http → https → www, then the site: ordinary redirects."""
    s.new_page("http://%s/" % APEX, "Northwind")
    s.add("GET", "http://%s/" % APEX, "document", 301, None, "redirect http->https", redirect="https://%s/" % APEX, mime="text/html", body="")
    s.advance(30, 150)
    s.add("GET", "https://%s/" % APEX, "document", 301, None, "redirect apex->www", redirect="https://www.%s/" % APEX, mime="text/html", body="")
    s.advance(30, 150)
    har_cf_response(s, "GET", "https://www.%s/" % APEX, "document", ok_body="<!DOCTYPE html><html><head><title>Northwind</title></head><body></body></html>", ok_mime="text/html; charset=utf-8")
    s.advance(1000, 6000)


def scene_other_site_52x(s):
    """Another Cloudflare customer whose origin is down: Cloudflare's 52x pages."""
    url = "https://%s/%s" % (SHOP, s.rng.choice(["", "cart", "products/lamp-%d" % s.rng.randint(10, 99)]))
    s.new_page(url, SHOP)
    code = s.rng.choice(list(CF_52X))
    short, what = CF_52X[code]
    e = s.add("GET", url, "document", code, "cf_52x", "cf %d page" % code, body="", mime="text/html; charset=UTF-8")
    ray = [h["value"] for h in e["response"]["headers"] if h["name"].lower() == "cf-ray"][0]
    body = cf_branded_page(SHOP, code, short, ray, s.t, s.client_ip, what, "host")
    e["response"]["content"]["text"] = body
    e["response"]["content"]["size"] = len(body)
    s.advance(2000, 9000)
    if s.rng.random() < 0.4:
        # the origin's own error, through Cloudflare: nginx behind the proxy
        code = s.rng.choice([502, 503])
        s.add("GET", url, "document", code, "origin_5xx", "origin nginx %d page behind cloudflare" % code, body=origin_nginx_page(code), mime="text/html")
        s.advance(2000, 9000)


def scene_tls_net(s):
    """Chrome-only: a request that never got an answer because of TLS or the network."""
    host = s.rng.choice([APP, API, STATIC, "status.%s" % APEX, "files.%s" % APEX])
    url = "https://%s/%s" % (host, s.rng.choice(["", "v1/health", "assets/app.css"]))
    err, sig = s.rng.choice([
        ("net::ERR_CERT_AUTHORITY_INVALID", "tls_chain"),
        ("net::ERR_CERT_DATE_INVALID", "tls_cert"),
        ("net::ERR_CERT_COMMON_NAME_INVALID", "tls_cert"),
        ("net::ERR_SSL_PROTOCOL_ERROR", "tls_handshake"),
        ("net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH", "tls_handshake"),
        ("net::ERR_CONNECTION_REFUSED", "conn_reset"),
        ("net::ERR_NAME_NOT_RESOLVED", "dns_failure"),
        ("net::ERR_CONNECTION_TIMED_OUT", "conn_timeout"),
    ])
    if host == APP or s.page is None:
        s.new_page(url)
    s.add("GET", url, "document" if host == APP else "fetch", 0, sig, "chrome " + err, error=err, cf=False)
    s.advance(1000, 8000)


def gen_har(rng, ids, style, name, start, n_scenes):
    s = HarSession(rng, ids, style, name, start)
    scene_page_load(s)
    for _ in range(n_scenes):
        r = rng.random()
        if r < 0.30:
            scene_stream(s)
        elif r < 0.55:
            scene_page_load(s)
        elif r < 0.62:
            scene_signin_ok(s)
        elif r < 0.67:
            scene_signin_loop(s)
        elif r < 0.74:
            scene_redirects(s)
        elif r < 0.82:
            scene_other_site_52x(s)
        elif r < 0.92 and style == "chrome":
            scene_tls_net(s)
        else:
            for _ in range(rng.randint(1, 4)):
                har_cf_response(s, "GET", "https://%s/backend-api/%s" % (APP, rng.choice(["me", "models", "settings/user", "accounts/check"])), "fetch", auth=True)
                s.advance(200, 3000)
        s.advance(2000, 40000)
    return s


# --------------------------------------------------------------------------------------------
# Client logs: each record is a list of lines; the record starts at its first line.

class LogFile:
    def __init__(self, name):
        self.name = name
        self.records = []             # (lines, truth signature, case)

    def add(self, lines, sig, case):
        if isinstance(lines, str):
            lines = [lines]
        self.records.append((lines, sig, case))

    def blank(self):
        self.records.append(([""], "BLANK", ""))

    def dump(self, path, crlf=False):
        truth = []
        n = 1
        out = []
        for lines, sig, case in self.records:
            if sig != "BLANK":
                truth.append({"file": self.name, "entry": None, "line": n, "signature": sig,
                              "end_line": n + len(lines) - 1, "case": case})
            out.extend(lines)
            n += len(lines)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(("\r\n" if crlf else "\n").join(out) + ("\r\n" if crlf else "\n"))
        return truth


def node_ts(t):
    return "[" + iso_z(t) + "]"


NODE_PATHS = ["/v1/chat/completions", "/v1/messages", "/v1/embeddings", "/v1/files"]


def node_stack(rng, ver, kind):
    """Stack lines for an error raised in Node's network layer, in the given Node version's file naming."""
    internal = ver >= 16
    if kind == "read":
        frames = ["at TLSWrap.onStreamRead (node:internal/stream_base_commons:%d:20)" % rng.choice([216, 217, 218])] if internal else ["at TLSWrap.onStreamRead (internal/stream_base_commons.js:209:20)"]
    elif kind == "hangup":
        frames = (["at TLSSocket.socketOnEnd (node:_http_client:%d:23)" % rng.choice([519, 524, 598]),
                   "at TLSSocket.emit (node:events:%d:35)" % rng.choice([517, 531, 530]),
                   "at endReadableNT (node:internal/streams/readable:%d:12)" % rng.choice([1696, 1698]),
                   "at process.processTicksAndRejections (node:internal/process/task_queues:%d:21)" % rng.choice([82, 90])]
                  if internal else
                  ["at connResetException (internal/errors.js:607:14)",
                   "at TLSSocket.socketOnEnd (_http_client.js:493:23)",
                   "at TLSSocket.emit (events.js:327:22)",
                   "at endReadableNT (_stream_readable.js:1327:12)",
                   "at processTicksAndRejections (internal/process/task_queues.js:80:21)"])
    elif kind == "connect":
        frames = ["at TCPConnectWrap.afterConnect [as oncomplete] (node:net:%d:16)" % rng.choice([1555, 1595, 1637])] if internal else ["at TCPConnectWrap.afterConnect [as oncomplete] (net.js:1146:16)"]
    elif kind == "dns":
        frames = ["at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:%d:26)" % rng.choice([107, 109, 120])] if internal else ["at GetAddrInfoReqWrap.onlookup [as oncomplete] (dns.js:66:26)"]
    else:  # tls
        frames = (["at TLSSocket.onConnectSecure (node:_tls_wrap:%d:34)" % rng.choice([1674, 1677, 1679]),
                   "at TLSSocket.emit (node:events:%d:35)" % rng.choice([517, 531]),
                   "at TLSSocket._finishInit (node:_tls_wrap:%d:8)" % rng.choice([1085, 1088]),
                   "at ssl.onhandshakedone (node:_tls_wrap:%d:12)" % rng.choice([871, 874])]
                  if internal else
                  ["at TLSSocket.onConnectSecure (_tls_wrap.js:1502:34)",
                   "at TLSSocket.emit (events.js:314:20)",
                   "at TLSSocket._finishInit (_tls_wrap.js:937:8)",
                   "at TLSWrap.ssl.onhandshakedone (_tls_wrap.js:711:12)"])
    return ["    " + f for f in frames]


def node_error_block(rng, ver, head, kind, props):
    """`head` ends with `Error: msg`; then Node's inspect() of the Error: stack, then its own properties."""
    stack = node_stack(rng, ver, kind)
    if ver >= 12:
        lines = [head] + stack
        lines[-1] += " {"
        for i, (k, v) in enumerate(props):
            lines.append("  %s: %s%s" % (k, v, "," if i < len(props) - 1 else ""))
        lines.append("}")
        return lines
    # Node 10: `{ Error: msg` ... properties after the last frame, then ` }`
    pre, sep, err = head.rpartition(" Error")
    lines = [pre + " { Error" + err] + stack
    lines[-1] += " " + ", ".join("%s: %s" % kv for kv in props) + " }"
    return lines


def gen_node_log(rng, ids, name, start, n):
    lf = LogFile(name)
    ver = rng.choice([10, 18, 20, 22])
    t = start
    host = API
    lf.add("%s INFO  northwind-sdk/%s node/v%d.%d.%d starting, base_url=https://%s/v1" % (node_ts(t), rng.choice(["4.2.1", "4.3.0"]), ver, rng.randint(0, 19), rng.randint(0, 12), host), None, "startup")
    pino = rng.random() < 0.3
    for _ in range(n):
        t += dt.timedelta(milliseconds=rng.randint(300, 45000))
        path = rng.choice(NODE_PATHS)
        url = "https://%s%s" % (host, path)
        bad = in_bad_phase(t)
        r = rng.random()
        ts = node_ts(t)
        ip = rng.choice(CF_IPS)
        ray = ids.ray(rng.choice(COLOS))
        if pino and r < 0.15:
            # structured logger: one JSON object per line, the error serialised inside
            ms = int(t.timestamp() * 1000)
            choice = rng.choice([("ECONNRESET", "read ECONNRESET", "conn_reset"), ("ETIMEDOUT", "connect ETIMEDOUT %s:443" % ip, "conn_timeout"),
                                 ("ENOTFOUND", "getaddrinfo ENOTFOUND %s" % host, "dns_failure"), (None, None, None)])
            if choice[0] is None:
                rec = {"level": 30, "time": ms, "pid": 4121, "hostname": "worker-%d" % rng.randint(1, 9), "req": {"method": "POST", "url": url}, "res": {"statusCode": 200}, "responseTime": rng.randint(200, 9000), "msg": "request completed"}
                lf.add(json.dumps(rec, separators=(",", ":")), None, "pino ok")
            else:
                code, msg, sig = choice
                rec = {"level": 50, "time": ms, "pid": 4121, "hostname": "worker-%d" % rng.randint(1, 9),
                       "err": {"type": "Error", "message": msg, "stack": "Error: %s\n    at TLSWrap.onStreamRead (node:internal/stream_base_commons:218:20)" % msg, "errno": {"ECONNRESET": -104, "ETIMEDOUT": -110, "ENOTFOUND": -3008}[code], "code": code, "syscall": msg.split()[0]},
                       "msg": "request to %s failed" % url}
                lf.add(json.dumps(rec, separators=(",", ":")), sig, "pino " + code)
            continue
        if bad and r < 0.22:
            # the SDK surfaces the edge's 500 page in the error message, flattened on one line by the app
            page = rng.choice(["<html><head><title>500 Internal Server Error</title></head><body><center><h1>500 Internal Server Error</h1></center><hr><center>cloudflare</center></body></html>",
                               "<html> <head><title>500 Internal Server Error</title></head> <body> <center><h1>500 Internal Server Error</h1></center> <hr><center>cloudflare</center> </body> </html>"])
            lf.add("%s ERROR POST %s -> 500 (cf-ray %s) InternalServerError: 500 %s" % (ts, url, ray, page), "edge_500", "node: edge 500 page in message")
            continue
        if bad and r < 0.25:
            lf.add("%s WARN  POST %s -> 502, retrying in %dms (attempt %d/4)" % (ts, url, rng.choice([500, 1000, 2000]), rng.randint(1, 3)), "http_5xx", "node: bare 502 status line")
            continue
        if r < 0.33 and (bad or r < 0.29):
            kind = rng.choice(["reset_read", "hangup", "undici_socket", "refused", "etimedout", "undici_timeout", "headers_timeout", "enotfound", "eai_again", "premature", "terminated"])
            head_ts = "%s ERROR request to %s failed:" % (ts, url)
            if kind == "reset_read":
                lines = node_error_block(rng, ver, head_ts + " Error: read ECONNRESET", "read", [("errno", "-104"), ("code", "'ECONNRESET'"), ("syscall", "'read'")])
                sig = "conn_reset"
            elif kind == "hangup":
                lines = node_error_block(rng, ver, head_ts + " Error: socket hang up", "hangup", [("code", "'ECONNRESET'")])
                sig = "conn_reset"
            elif kind == "refused":
                lines = node_error_block(rng, ver, head_ts + " Error: connect ECONNREFUSED %s:443" % ip, "connect", [("errno", "-111"), ("code", "'ECONNREFUSED'"), ("syscall", "'connect'"), ("address", "'%s'" % ip), ("port", "443")])
                sig = "conn_reset"
            elif kind == "etimedout":
                lines = node_error_block(rng, ver, head_ts + " Error: connect ETIMEDOUT %s:443" % ip, "connect", [("errno", "-110"), ("code", "'ETIMEDOUT'"), ("syscall", "'connect'"), ("address", "'%s'" % ip), ("port", "443")])
                sig = "conn_timeout"
            elif kind == "enotfound":
                lines = node_error_block(rng, ver, head_ts + " Error: getaddrinfo ENOTFOUND %s" % host, "dns", [("errno", "-3008"), ("code", "'ENOTFOUND'"), ("syscall", "'getaddrinfo'"), ("hostname", "'%s'" % host)])
                sig = "dns_failure"
            elif kind == "eai_again":
                lines = node_error_block(rng, ver, head_ts + " Error: getaddrinfo EAI_AGAIN %s" % host, "dns", [("errno", "-3001"), ("code", "'EAI_AGAIN'"), ("syscall", "'getaddrinfo'"), ("hostname", "'%s'" % host)])
                sig = "dns_failure"
            elif kind in ("undici_socket", "undici_timeout", "headers_timeout") and ver >= 18:
                cause = {"undici_socket": ("SocketError: other side closed", "UND_ERR_SOCKET", "conn_reset"),
                         "undici_timeout": ("ConnectTimeoutError: Connect Timeout Error (attempted address: %s:443, timeout: 10000ms)" % host, "UND_ERR_CONNECT_TIMEOUT", "conn_timeout"),
                         "headers_timeout": ("HeadersTimeoutError: Headers Timeout Error", "UND_ERR_HEADERS_TIMEOUT", "conn_timeout")}[kind]
                lines = [head_ts + " TypeError: fetch failed",
                         "    at node:internal/deps/undici/undici:%d:13" % rng.choice([12502, 13178, 13510]),
                         "    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)",
                         "    at async Client.request (/srv/app/node_modules/northwind-sdk/dist/client.js:214:19) {",
                         "  [cause]: %s" % cause[0],
                         "      at TLSSocket.onSocketEnd (node:internal/deps/undici/undici:%d:26)" % rng.choice([6030, 6276]) if kind == "undici_socket" else "      at onConnectTimeout (node:internal/deps/undici/undici:%d:28)" % rng.choice([2331, 2602]),
                         "      at TLSSocket.emit (node:events:531:35) {" if kind == "undici_socket" else "      at node:internal/deps/undici/undici:2567:28 {",
                         "    code: '%s'" % cause[1],
                         "  }",
                         "}"]
                sig = cause[2]
            elif kind == "premature":
                lines = ["%s ERROR stream from %s interrupted: Error: Premature close" % (ts, url),
                         "    at IncomingMessage.<anonymous> (/srv/app/node_modules/node-fetch/lib/index.js:1749:18)",
                         "    at Object.onceWrapper (node:events:634:28)",
                         "    at IncomingMessage.emit (node:events:520:28)",
                         "    at emitCloseNT (node:internal/streams/destroy:147:10) {",
                         "  code: 'ERR_STREAM_PREMATURE_CLOSE'",
                         "}"]
                sig = "stream_severed"
            elif kind == "terminated" and ver >= 18:
                lines = ["%s ERROR stream from %s interrupted: TypeError: terminated" % (ts, url),
                         "    at Fetch.onAborted (node:internal/deps/undici/undici:%d:53)" % rng.choice([11124, 11736]),
                         "    at Fetch.emit (node:events:519:28)",
                         "    at Fetch.terminate (node:internal/deps/undici/undici:%d:14) {" % rng.choice([10295, 10880]),
                         "  [cause]: SocketError: other side closed",
                         "      at TLSSocket.onSocketEnd (node:internal/deps/undici/undici:6276:26)",
                         "      at TLSSocket.emit (node:events:531:35) {",
                         "    code: 'UND_ERR_SOCKET'",
                         "  }",
                         "}"]
                sig = "stream_severed"
            else:
                lines = node_error_block(rng, ver, head_ts + " Error: read ECONNRESET", "read", [("errno", "-104"), ("code", "'ECONNRESET'"), ("syscall", "'read'")])
                sig = "conn_reset"
            lf.add(lines, sig, "node " + kind)
            continue
        if r < 0.36:
            kind = rng.choice(["chain", "selfsigned", "expired", "altname", "eproto"])
            head_ts = "%s ERROR request to %s failed:" % (ts, url)
            if kind == "chain":
                lines = node_error_block(rng, ver, head_ts + " Error: unable to get local issuer certificate", "tls", [("code", "'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'")])
                sig = "tls_chain"
            elif kind == "selfsigned":
                lines = node_error_block(rng, ver, head_ts + " Error: %s certificate in certificate chain" % ("self-signed" if ver >= 17 else "self signed"), "tls", [("code", "'SELF_SIGNED_CERT_IN_CHAIN'")])
                sig = "tls_chain"
            elif kind == "expired":
                lines = node_error_block(rng, ver, head_ts + " Error: certificate has expired", "tls", [("code", "'CERT_HAS_EXPIRED'")])
                sig = "tls_cert"
            elif kind == "altname":
                lines = node_error_block(rng, ver, head_ts + " Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: %s. is not in the cert's altnames: DNS:*.cdn.example.net, DNS:cdn.example.net" % host, "tls",
                                         [("reason", "\"Host: %s. is not in the cert's altnames: DNS:*.cdn.example.net, DNS:cdn.example.net\"" % host), ("host", "'%s'" % host), ("code", "'ERR_TLS_CERT_ALTNAME_INVALID'")])
                sig = "tls_cert"
            else:
                ossl = "40D8E1A0A07F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 40" if ver >= 17 else "140019853911872:error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1544:SSL alert number 40"
                lines = node_error_block(rng, ver, head_ts + " Error: write EPROTO " + ossl, "read", [("errno", "-71"), ("code", "'EPROTO'"), ("syscall", "'write'")])
                sig = "tls_handshake"
            lf.add(lines, sig, "node " + kind)
            continue
        if r < 0.38:
            body = json.dumps({"error": {"message": "Rate limit reached for requests", "type": "requests", "param": None, "code": "rate_limit_exceeded"}})
            lf.add("%s ERROR POST %s -> 429 RateLimitError: 429 %s" % (ts, url, body), "rate_limited", "node 429")
            continue
        if r < 0.40:
            code = rng.choice([500, 503])
            lf.add("%s ERROR POST %s -> %d InternalServerError: %d %s" % (ts, url, code, code, app_error_json(rng, code)), "origin_5xx", "node: app json %d" % code)
            continue
        if r < 0.46:
            lf.add("%s WARN  retrying POST %s (attempt %d/4) in %dms" % (ts, url, rng.randint(2, 4), rng.choice([400, 800, 1600])), None, "retry notice")
            continue
        if r < 0.55 and path != "/v1/files":
            lf.add("%s INFO  stream finished: %d chunks, finish_reason=stop, %dms" % (ts, rng.randint(20, 900), rng.randint(800, 30000)), None, "stream done")
            continue
        lf.add("%s INFO  POST %s 200 %dms cf-ray=%s" % (ts, url, rng.randint(90, 9000), ray), None, "ok")
    return lf


PY_FRAMES_HTTPX = [
    '  File "/srv/app/.venv/lib/python3.12/site-packages/httpx/_transports/default.py", line 101, in map_httpcore_exceptions',
    "    yield",
    '  File "/srv/app/.venv/lib/python3.12/site-packages/httpx/_transports/default.py", line 250, in handle_request',
    "    resp = self._pool.handle_request(req)",
    "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
]


def py_ts(t):
    return t.strftime("%Y-%m-%d %H:%M:%S,") + "%03d" % (t.microsecond // 1000)


def py_traceback_openai(rng, final_exc, cause_lines=None):
    tb = []
    if cause_lines:
        tb += ["Traceback (most recent call last):"] + PY_FRAMES_HTTPX + cause_lines + ["",
               "The above exception was the direct cause of the following exception:", ""]
    tb += ["Traceback (most recent call last):",
           '  File "/srv/app/worker.py", line %d, in handle' % rng.randint(30, 200),
           "    completion = client.chat.completions.create(model=MODEL, messages=messages, stream=%s)" % rng.choice(["True", "False"]),
           "                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
           '  File "/srv/app/.venv/lib/python3.12/site-packages/openai/_base_client.py", line %d, in request' % rng.choice([1002, 1013, 1047]),
           "    raise self._make_status_error_from_response(err.response) from None" if not cause_lines else "    raise APIConnectionError(request=request) from err"]
    return tb + final_exc


def py_traceback_requests(rng, exc_line):
    return ["Traceback (most recent call last):",
            '  File "/srv/app/sync.py", line %d, in push' % rng.randint(20, 120),
            "    r = session.post(url, json=payload, timeout=(10, 30))",
            '  File "/srv/app/.venv/lib/python3.11/site-packages/requests/sessions.py", line 637, in post',
            '    return self.request("POST", url, data=data, json=json, **kwargs)',
            '  File "/srv/app/.venv/lib/python3.11/site-packages/requests/adapters.py", line %d, in send' % rng.choice([501, 517, 519, 682, 700, 713]),
            "    raise %s" % exc_line.split(":", 1)[0].rsplit(".", 1)[-1] + "(e, request=request)",
            exc_line]


def gen_python_log(rng, ids, name, start, n):
    lf = LogFile(name)
    t = start
    host = API
    use_requests = rng.random() < 0.4
    lf.add("%s INFO app: worker started (python 3.%d, %s)" % (py_ts(t), rng.choice([11, 12]), "requests 2.32.3" if use_requests else "openai 1.54.4, httpx 0.27.2"), None, "startup")
    for _ in range(n):
        t += dt.timedelta(milliseconds=rng.randint(300, 40000))
        ts = py_ts(t)
        bad = in_bad_phase(t)
        r = rng.random()
        url = "https://%s/v1/chat/completions" % host
        if not use_requests and bad and r < 0.18:
            # httpx logs the status line; the SDK retries; the final failure carries the body
            lf.add('%s INFO httpx: HTTP Request: POST %s "HTTP/1.1 500 Internal Server Error"' % (ts, url), "http_5xx", "httpx status line 500")
            t += dt.timedelta(milliseconds=rng.randint(400, 900))
            lf.add("%s INFO openai._base_client: Retrying request to /chat/completions in %.6f seconds" % (py_ts(t), rng.uniform(0.4, 0.9)), None, "openai retry notice")
            t += dt.timedelta(milliseconds=rng.randint(400, 900))
            lf.add('%s INFO httpx: HTTP Request: POST %s "HTTP/1.1 500 Internal Server Error"' % (py_ts(t), url), "http_5xx", "httpx status line 500")
            t += dt.timedelta(milliseconds=rng.randint(5, 40))
            page = cf_plain_page(500, "Internal Server Error", crlf=False).rstrip("\n").split("\n")
            lf.add(["%s ERROR app.worker: completion failed" % py_ts(t)] + py_traceback_openai(rng, ["openai.InternalServerError: " + page[0]] + page[1:]), "edge_500", "openai traceback with edge 500 page")
            continue
        if not use_requests and bad and r < 0.21:
            code = rng.choice([520, 522, 524])
            short, what = CF_52X[code]
            lf.add('%s INFO httpx: HTTP Request: POST %s "HTTP/1.1 %d "' % (ts, url, code), "cf_52x", "httpx status line %d (status is Cloudflare's own)" % code)
            page = " ".join(cf_branded_page(host, code, short, ids.ray("FRA"), t, "198.51.100.7", what, "host").split())
            lf.add("%s ERROR app.worker: completion failed (HTTP %d): %s..." % (py_ts(t), code, page[:420]), "cf_52x", "52x page, truncated, in message")
            continue
        if not use_requests and r < 0.24:
            code = rng.choice([500, 503])
            lf.add('%s INFO httpx: HTTP Request: POST %s "HTTP/1.1 %d %s"' % (ts, url, code, STATUS_TEXT[code]), "http_5xx", "httpx status line %d" % code)
            body = json.loads(app_error_json(rng, code))
            lf.add(["%s ERROR app.worker: completion failed" % py_ts(t)] + py_traceback_openai(rng, ["openai.InternalServerError: Error code: %d - %r" % (code, body)]), "origin_5xx", "openai traceback with app json (python repr)")
            continue
        if not use_requests and r < 0.27:
            lf.add('%s INFO httpx: HTTP Request: POST %s "HTTP/1.1 429 Too Many Requests"' % (ts, url), "rate_limited", "httpx status line 429")
            continue
        if not use_requests and r < 0.34 and (bad or r < 0.30):
            kind = rng.choice(["reset", "refused", "disconnected", "readtimeout", "connecttimeout", "dns", "dns_again", "remote_protocol", "apitimeout"])
            if kind == "reset":
                cause = ["httpcore.ReadError: [Errno 104] Connection reset by peer"]
                final = ["openai.APIConnectionError: Connection error."]
                sig = "conn_reset"
            elif kind == "refused":
                cause = ["httpx.ConnectError: [Errno 111] Connection refused"]
                final = ["openai.APIConnectionError: Connection error."]
                sig = "conn_reset"
            elif kind == "disconnected":
                cause = ["httpx.RemoteProtocolError: Server disconnected without sending a response."]
                final = ["openai.APIConnectionError: Connection error."]
                sig = "conn_reset"
            elif kind == "readtimeout":
                cause = ["httpx.ReadTimeout: The read operation timed out"]
                final = ["openai.APITimeoutError: Request timed out."]
                sig = "conn_timeout"
            elif kind == "connecttimeout":
                cause = ["httpx.ConnectTimeout: timed out"]
                final = ["openai.APITimeoutError: Request timed out."]
                sig = "conn_timeout"
            elif kind == "dns":
                cause = ["httpx.ConnectError: [Errno -2] Name or service not known"]
                final = ["openai.APIConnectionError: Connection error."]
                sig = "dns_failure"
            elif kind == "dns_again":
                cause = ["httpx.ConnectError: [Errno -3] Temporary failure in name resolution"]
                final = ["openai.APIConnectionError: Connection error."]
                sig = "dns_failure"
            elif kind == "apitimeout":
                cause = None
                final = ["openai.APITimeoutError: Request timed out."]
                sig = "conn_timeout"
            else:
                cause = ["httpx.RemoteProtocolError: peer closed connection without sending complete message body (incomplete chunked read)"]
                final = ["openai.APIConnectionError: Connection error."]
                sig = "stream_severed"
            if rng.random() < 0.5:
                lf.add(["%s ERROR app.worker: completion failed" % ts] + py_traceback_openai(rng, final, cause), sig, "openai traceback: " + kind)
            else:
                # logger.error("...: %r", exc) of the cause alone, on one line
                msg = cause[0] if cause else final[0]
                lf.add("%s ERROR app.worker: completion failed: %s" % (ts, msg), sig, "one-line: " + kind)
            continue
        if use_requests and r < 0.12 and (bad or r < 0.05):
            kind = rng.choice(["reset", "remote_disc", "readtimeout", "connecttimeout", "dns", "dns_nre", "chunked", "incomplete"])
            pool = "HTTPSConnectionPool(host='%s', port=443)" % host
            obj = "<urllib3.connection.HTTPSConnection object at 0x7f%s>" % ids.hexs(10)
            exc, sig = {
                "reset": ("requests.exceptions.ConnectionError: ('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))", "conn_reset"),
                "remote_disc": ("requests.exceptions.ConnectionError: ('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))", "conn_reset"),
                "readtimeout": ("requests.exceptions.ReadTimeout: %s: Read timed out. (read timeout=30)" % pool, "conn_timeout"),
                "connecttimeout": ("requests.exceptions.ConnectTimeout: %s: Max retries exceeded with url: /v1/sync (Caused by ConnectTimeoutError(%s, 'Connection to %s timed out. (connect timeout=10)'))" % (pool, obj, host), "conn_timeout"),
                "dns": ("requests.exceptions.ConnectionError: %s: Max retries exceeded with url: /v1/sync (Caused by NewConnectionError('%s: Failed to establish a new connection: [Errno -2] Name or service not known'))" % (pool, obj), "dns_failure"),
                "dns_nre": ("requests.exceptions.ConnectionError: %s: Max retries exceeded with url: /v1/sync (Caused by NameResolutionError(\"%s: Failed to resolve '%s' ([Errno -3] Temporary failure in name resolution)\"))" % (pool, obj, host), "dns_failure"),
                "chunked": ("requests.exceptions.ChunkedEncodingError: (\"Connection broken: InvalidChunkLength(got length b'', 0 bytes read)\", InvalidChunkLength(got length b'', 0 bytes read))", "stream_severed"),
                "incomplete": ("requests.exceptions.ChunkedEncodingError: ('Connection broken: IncompleteRead(%d bytes read, %d more expected)', IncompleteRead(%d bytes read, %d more expected))" % ((rng.randint(100, 4000),) * 2 + (rng.randint(100, 4000),) * 2), "stream_severed"),
            }[kind]
            if rng.random() < 0.5:
                lf.add(["%s ERROR app.sync: push failed" % ts] + py_traceback_requests(rng, exc), sig, "requests traceback: " + kind)
            else:
                lf.add("%s WARNING app.sync: push failed, will retry: %s" % (ts, exc.split(": ", 1)[1]), sig, "requests one-line: " + kind)
            continue
        if use_requests and r < 0.16:
            code = rng.choice([500, 502, 503])
            lf.add("%s WARNING app.sync: push failed, HTTP %d from https://%s/v1/sync, will retry" % (ts, code, host), "http_5xx", "requests bare status %d" % code)
            continue
        if use_requests and r < 0.18:
            lf.add("%s WARNING app.sync: push failed, HTTP 429 from https://%s/v1/sync, backing off %ds" % (ts, host, rng.randint(5, 60)), "rate_limited", "requests 429")
            continue
        if r < 0.40 and r >= 0.37:
            verify = rng.choice([
                ("unable to get local issuer certificate", "tls_chain"),
                ("self-signed certificate in certificate chain", "tls_chain"),
                ("certificate has expired", "tls_cert"),
                ("Hostname mismatch, certificate is not valid for '%s'." % host, "tls_cert"),
            ])
            ssl_msg = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: %s (_ssl.c:%d)" % (verify[0], rng.choice([1000, 1006, 1007]))
            if use_requests:
                line = "%s ERROR app.sync: push failed: HTTPSConnectionPool(host='%s', port=443): Max retries exceeded with url: /v1/sync (Caused by SSLError(SSLCertVerificationError(1, '%s')))" % (ts, host, ssl_msg)
            else:
                line = "%s ERROR app.worker: completion failed: httpx.ConnectError: %s" % (ts, ssl_msg)
            lf.add(line, verify[1], "python verify: " + verify[0][:20])
            continue
        if r < 0.42 and r >= 0.40:
            msg = rng.choice(["[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)",
                              "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure (_ssl.c:1000)",
                              "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:1006)"])
            lf.add("%s ERROR app.worker: connection failed: %s" % (ts, msg), "tls_handshake", "python handshake")
            continue
        if use_requests:
            lf.add("%s INFO app.sync: pushed %d records to https://%s/v1/sync in %.2fs (HTTP 200)" % (ts, rng.randint(1, 500), host, rng.uniform(0.1, 4)), None, "ok")
        else:
            if rng.random() < 0.2:
                lf.add("%s DEBUG app.worker: stream finished, %d tokens, finish_reason=stop" % (ts, rng.randint(20, 2000)), None, "stream done")
            else:
                lf.add('%s INFO httpx: HTTP Request: POST %s "HTTP/1.1 200 OK"' % (ts, url), None, "ok")
    return lf


def curl_trace(rng, ids, t, host, path, outcome):
    """One `curl -sv` run as pasted from a terminal: prompt, trace on stderr, body on stdout."""
    ip = rng.choice(CF_IPS)
    show_body = outcome.get("show_body", False)
    cmd = "$ curl -sv %shttps://%s%s" % ("" if show_body else "-o /dev/null ", host, path)
    lines = [cmd]
    if outcome.get("dns"):
        return [cmd, "* Could not resolve host: %s" % host, "* Closing connection", "curl: (6) Could not resolve host: %s" % host]
    if rng.random() < 0.5:
        lines += ["* Host %s:443 was resolved." % host, "* IPv6: (none)", "* IPv4: %s, 104.18.33.47" % ip]
    lines.append("*   Trying %s:443..." % ip)
    if outcome.get("connect_fail"):
        return lines + outcome["connect_fail"]
    lines.append("* Connected to %s (%s) port 443" % (host, ip))
    lines.append("* ALPN: curl offers h2,http/1.1")
    lines.append("* TLSv1.3 (OUT), TLS handshake, Client hello (1):")
    if outcome.get("tls_fail"):
        return lines + outcome["tls_fail"]
    lines += ["* TLSv1.3 (IN), TLS handshake, Server hello (2):",
              "* TLSv1.3 (IN), TLS handshake, Certificate (11):",
              "* TLSv1.3 (IN), TLS handshake, Finished (20):",
              "* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384 / x25519 / id-ecPublicKey",
              "* ALPN: server accepted h2",
              "* Server certificate:",
              "*  subject: CN=%s" % APEX,
              "*  start date: Oct 20 17:41:12 2025 GMT",
              "*  expire date: Jan 18 17:41:11 2026 GMT",
              "*  subjectAltName: host \"%s\" matched cert's \"*.%s\"" % (host, APEX),
              "*  issuer: C=US; O=Google Trust Services; CN=WE1",
              "*  SSL certificate verify ok.",
              "* using HTTP/2",
              "* [HTTP/2] [1] OPENED stream for https://%s%s" % (host, path),
              "> GET %s HTTP/2" % path,
              "> Host: %s" % host,
              "> User-Agent: curl/8.%d.%d" % (rng.randint(5, 11), rng.randint(0, 1)),
              "> Accept: */*",
              "> Authorization: Bearer nw_live_%s" % ids.token(32),
              ">",
              "* Request completely sent off"]
    if outcome.get("reset_after_send"):
        return lines + outcome["reset_after_send"]
    status = outcome["status"]
    colo = rng.choice(COLOS)
    ray = ids.ray(colo)
    lines += ["< HTTP/2 %d" % status,
              "< date: %s" % http_date(t),
              "< content-type: %s" % outcome.get("mime", "application/json"),
              "< server: cloudflare",
              "< cf-ray: %s" % ray]
    if outcome.get("content_length") is not None:
        lines.append("< content-length: %d" % outcome["content_length"])
    lines.append("<")
    body = outcome.get("body")
    if body is not None and show_body:
        if "{ray}" in body:
            body = body.replace("{ray}", ray.split("-")[0])
        body_lines = body.rstrip("\n").split("\n")
        lines += body_lines
    if outcome.get("tail"):
        lines += outcome["tail"]
    else:
        lines.append("* Connection #0 to host %s left intact" % host)
    return lines


def gen_curl_log(rng, ids, name, start, n):
    lf = LogFile(name)
    t = start
    for _ in range(n):
        t += dt.timedelta(seconds=rng.randint(5, 240))
        host = rng.choice([API, API, APP, SHOP])
        path = rng.choice(["/v1/health", "/v1/models", "/", "/status"])
        bad = in_bad_phase(t)
        r = rng.random()
        if host == SHOP and r < 0.5:
            code = rng.choice(list(CF_52X))
            short, what = CF_52X[code]
            page = cf_branded_page(SHOP, code, short, "{ray}-AMS", t, "203.0.113.9", what, "host").replace("{ray}-AMS", "{ray}")
            show = rng.random() < 0.6
            out = {"status": code, "mime": "text/html; charset=UTF-8", "body": page, "show_body": show}
            lf.add(curl_trace(rng, ids, t, host, path, out), "cf_52x", "curl %d %s (52x status is Cloudflare's own)" % (code, "page shown" if show else "body discarded"))
        elif bad and r < 0.45:
            show = rng.random() < 0.6
            out = {"status": 500, "mime": "text/html", "body": cf_plain_page(500, "Internal Server Error", crlf=False), "show_body": show}
            lf.add(curl_trace(rng, ids, t, host, path, out), "edge_500" if show else "http_5xx", "curl edge 500 %s" % ("page shown" if show else "body discarded"))
        elif r < 0.06:
            code = rng.choice([500, 503])
            body = app_error_json(rng, code)
            show = rng.random() < 0.7
            out = {"status": code, "mime": "application/json", "body": body, "show_body": show, "content_length": len(body)}
            lf.add(curl_trace(rng, ids, t, host, path, out), "origin_5xx" if show else "http_5xx", "curl app json %d %s" % (code, "shown" if show else "discarded"))
        elif r < 0.09:
            code = rng.choice([502, 503])
            out = {"status": code, "mime": "text/plain", "body": "", "show_body": True, "content_length": 0}
            lf.add(curl_trace(rng, ids, t, host, path, out), "http_5xx", "curl bare %d" % code)
        elif r < 0.11:
            out = {"status": 429, "mime": "application/json", "body": json.dumps({"error": {"type": "rate_limit_error", "message": "Too many requests"}}), "show_body": True}
            lf.add(curl_trace(rng, ids, t, host, path, out), "rate_limited", "curl 429")
        elif r < 0.13:
            lf.add(curl_trace(rng, ids, t, host, path, {"dns": True}), "dns_failure", "curl 6")
        elif r < 0.15:
            fail = rng.choice([
                (["* connect to %s port 443 from 192.168.1.23 port 51544 failed: Connection refused" % CF_IPS[0], "* Failed to connect to %s port 443 after %d ms: Couldn't connect to server" % (host, rng.randint(10, 90)), "* Closing connection", "curl: (7) Failed to connect to %s port 443 after %d ms: Couldn't connect to server" % (host, rng.randint(10, 90))], "conn_reset", "curl 7 refused"),
                (["* Connection timed out after 10002 milliseconds", "* Closing connection", "curl: (28) Connection timed out after 10002 milliseconds"], "conn_timeout", "curl 28 connect"),
            ])
            lf.add(curl_trace(rng, ids, t, host, path, {"connect_fail": fail[0]}), fail[1], fail[2])
        elif r < 0.18:
            fail = rng.choice([
                (["* TLSv1.3 (IN), TLS handshake, Server hello (2):", "* TLSv1.3 (IN), TLS handshake, Certificate (11):", "* TLSv1.3 (OUT), TLS alert, unknown CA (560):", "* SSL certificate problem: unable to get local issuer certificate", "* Closing connection", "curl: (60) SSL certificate problem: unable to get local issuer certificate", "More details here: https://curl.se/docs/sslcerts.html", "", "curl failed to verify the legitimacy of the server and therefore could not", "establish a secure connection to it. To learn more about this situation and", "how to fix it, please visit the webpage mentioned above."], "tls_chain", "curl 60 issuer"),
                (["* TLSv1.3 (IN), TLS handshake, Server hello (2):", "* TLSv1.3 (IN), TLS handshake, Certificate (11):", "* TLSv1.3 (OUT), TLS alert, certificate expired (557):", "* SSL certificate problem: certificate has expired", "* Closing connection", "curl: (60) SSL certificate problem: certificate has expired", "More details here: https://curl.se/docs/sslcerts.html"], "tls_cert", "curl 60 expired"),
                (["* TLSv1.3 (IN), TLS handshake, Server hello (2):", "* TLSv1.3 (IN), TLS handshake, Finished (20):", "* SSL: no alternative certificate subject name matches target host name '%s'" % host, "* Closing connection", "curl: (60) SSL: no alternative certificate subject name matches target host name '%s'" % host, "More details here: https://curl.se/docs/sslcerts.html"], "tls_cert", "curl 60 name"),
                (["* TLSv1.3 (IN), TLS alert, handshake failure (552):", "* OpenSSL/3.0.13: error:0A000410:SSL routines::sslv3 alert handshake failure", "* Closing connection", "curl: (35) OpenSSL/3.0.13: error:0A000410:SSL routines::sslv3 alert handshake failure"], "tls_handshake", "curl 35 alert"),
                (["* OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to %s:443" % host, "* Closing connection", "curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to %s:443" % host], "tls_handshake", "curl 35 syscall"),
            ])
            lf.add(curl_trace(rng, ids, t, host, path, {"tls_fail": fail[0]}), fail[1], fail[2])
        elif r < 0.20:
            fail = rng.choice([
                (["* Recv failure: Connection reset by peer", "* OpenSSL SSL_read: Connection reset by peer, errno 104", "* Closing connection", "curl: (56) Recv failure: Connection reset by peer"], "conn_reset", "curl 56"),
                (["* Empty reply from server", "* Closing connection", "curl: (52) Empty reply from server"], "conn_reset", "curl 52"),
                (["* Operation timed out after 30001 milliseconds with 0 bytes received", "* Closing connection", "curl: (28) Operation timed out after 30001 milliseconds with 0 bytes received"], "conn_timeout", "curl 28 read"),
            ])
            lf.add(curl_trace(rng, ids, t, host, path, {"reset_after_send": fail[0]}), fail[1], fail[2])
        elif r < 0.22:
            # streaming endpoint with -N: the body had started when the stream died
            chunks = sse_body(rng, False).rstrip("\n").split("\n")
            tail = rng.choice([
                (["* HTTP/2 stream 1 was not closed cleanly: INTERNAL_ERROR (err 2)", "* Connection #0 to host %s left intact" % host, "curl: (92) HTTP/2 stream 1 was not closed cleanly: INTERNAL_ERROR (err 2)"], "curl 92"),
                (["* transfer closed with outstanding read data remaining", "* Closing connection", "curl: (18) transfer closed with outstanding read data remaining"], "curl 18"),
            ])
            out = {"status": 200, "mime": "text/event-stream; charset=utf-8", "body": "\n".join(chunks), "show_body": True, "tail": tail[0]}
            lf.add(curl_trace(rng, ids, t, host, "/v1/chat/completions/stream", out), "stream_severed", tail[1])
        else:
            show = rng.random() < 0.5
            out = {"status": 200, "mime": "application/json", "body": json.dumps({"status": "ok", "region": rng.choice(COLOS).lower()}), "show_body": show}
            lf.add(curl_trace(rng, ids, t, host, path, out), None, "curl ok")
        lf.blank()
    return lf


def npm_block(rng, ver, lines):
    pfx = "npm error" if ver >= 10 else "npm ERR!"
    return [pfx + (" " + l if l else "") for l in lines]


def gen_npm_log(rng, ids, name, start, n):
    lf = LogFile(name)
    t = start
    ver = rng.choice([8, 9, 10])
    reg = "https://registry.npmjs.org"
    pkgs = ["react", "lodash", "@types/node", "typescript", "esbuild", "next", "zod", "undici", "vite", "express"]
    for _ in range(n):
        t += dt.timedelta(seconds=rng.randint(20, 600))
        bad = in_bad_phase(t)
        lf.add("$ npm %s" % rng.choice(["install", "ci", "install --no-audit", "i %s" % rng.choice(pkgs)]), None, "npm command")
        for _ in range(rng.randint(1, 4)):
            p = rng.choice(pkgs)
            lf.add("npm http fetch GET 200 %s/%s %dms (cache %s)" % (reg, p.replace("/", "%2f"), rng.randint(20, 900), rng.choice(["revalidated", "miss", "hit"])), None, "npm fetch ok")
        r = rng.random()
        p = rng.choice(pkgs)
        log_path = "/home/dev/.npm/_logs/%s%03dZ-debug-0.log" % (t.strftime("%Y-%m-%dT%H_%M_%S_"), rng.randint(0, 999))
        block = None
        if bad and r < 0.4:
            code = rng.choice([500, 500, 502])
            lf.add("npm http fetch GET %d %s/%s %dms (cache skip)" % (code, reg, p, rng.randint(50, 300)), "http_5xx", "npm fetch %d" % code)
            block = (["code E%d" % code, "%d %s - GET %s/%s" % (code, STATUS_TEXT[code], reg, p)], "http_5xx", "npm E%d" % code)
        elif r < 0.48:
            block = (["code E429", "429 Too Many Requests - GET %s/%s" % (reg, p)], "rate_limited", "npm E429")
        elif r < 0.62:
            code, reason, sig = rng.choice([
                ("ECONNRESET", "read ECONNRESET", "conn_reset"), ("ETIMEDOUT", "connect ETIMEDOUT 104.16.%d.%d:443" % (rng.randint(0, 40), rng.randint(1, 250)), "conn_timeout"),
                ("ENOTFOUND", "getaddrinfo ENOTFOUND registry.npmjs.org", "dns_failure"), ("EAI_AGAIN", "getaddrinfo EAI_AGAIN registry.npmjs.org", "dns_failure"),
                ("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:3128", "conn_reset")])
            block = (["code %s" % code, "errno %s" % code,
                      "network request to %s/%s failed, reason: %s" % (reg, p, reason),
                      "network This is a problem related to network connectivity.",
                      "network In most cases you are behind a proxy or have bad network settings.",
                      "network",
                      "network If you are behind a proxy, please make sure that the",
                      "network 'proxy' config is set properly.  See: 'npm help config'"], sig, "npm " + code)
        elif r < 0.72:
            code, msg, sig = rng.choice([
                ("UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unable to get local issuer certificate", "tls_chain"),
                ("SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain", "tls_chain"),
                ("CERT_HAS_EXPIRED", "certificate has expired", "tls_cert"),
                ("EPROTO", "write EPROTO 00D8E1A0A07F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:355:", "tls_handshake")])
            block = (["code %s" % code, "errno %s" % code if code == "EPROTO" else None,
                      "request to %s/%s failed, reason: %s" % (reg, p, msg)], sig, "npm " + code)
            block = ([x for x in block[0] if x is not None], block[1], block[2])
        if block is None:
            lf.add("", "BLANK", "")
            lf.add("added %d packages, and audited %d packages in %ds" % (rng.randint(10, 900), rng.randint(900, 1400), rng.randint(2, 60)), None, "npm done")
            lf.add("", "BLANK", "")
            lf.add("found 0 vulnerabilities", None, "npm done")
        else:
            lines, sig, case = block
            if ver >= 10:
                lf.add(npm_block(rng, ver, lines + ["A complete log of this run can be found in: %s" % log_path]), sig, case)
            else:
                lf.add(npm_block(rng, ver, lines), sig, case)
                lf.blank()
                lf.add(npm_block(rng, ver, ["A complete log of this run can be found in:", "    " + log_path]), None, "npm log pointer (after blank line)")
        lf.blank()
    return lf


# --------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--users", type=int, default=200)
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    ids = Ids(rng)
    os.makedirs(a.out, exist_ok=True)
    truth = []
    files = []

    def start_time():
        # most captures are taken during the outage, some just before it started
        if rng.random() < 0.15:
            return T0 + dt.timedelta(seconds=rng.randint(0, 600))
        return OUTAGE_START + dt.timedelta(seconds=rng.randint(0, 3 * 3600 - 1800))

    n_har = max(4, a.users // 25)
    for i in range(n_har):
        style = "chrome" if i % 3 != 2 else "firefox"
        compact = rng.random() < 0.4
        name = "%s-%02d%s.har" % (style, i + 1, "-min" if compact else "")
        s = gen_har(rng, ids, style, name, start_time(), rng.randint(6, 6 + a.users // 10))
        s.dump(os.path.join(a.out, name), compact)
        for idx, (_, sig, case) in enumerate(s.entries):
            truth.append({"file": name, "entry": idx, "line": None, "signature": sig, "case": case})
        files.append(name)

    per_kind = max(1, a.users // 50)
    gens = [("node", gen_node_log), ("python", gen_python_log), ("curl", gen_curl_log), ("npm", gen_npm_log)]
    for kind, fn in gens:
        for i in range(per_kind):
            name = "%s-%02d.log" % (kind, i + 1)
            n = {"node": 60, "python": 60, "curl": 18, "npm": 12}[kind] * max(1, a.users // 100)
            lf = fn(rng, ids, name, start_time(), n)
            truth += lf.dump(os.path.join(a.out, name), crlf=(kind == "node" and i == 1))
            files.append(name)

    with open(os.path.join(a.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    counts = {}
    for t in truth:
        counts[t["signature"]] = counts.get(t["signature"], 0) + 1
    sys.stderr.write("%d files, %d events: %s\n" % (len(files), len(truth), ", ".join("%s=%d" % (k or "healthy", v) for k, v in sorted(counts.items(), key=lambda kv: (kv[0] is not None, kv[0] or "")))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
