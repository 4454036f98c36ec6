//! The traffic model: how many requests each POP serves in each 10-second slice, and what
//! becomes of each one.
//!
//! A slice's count is Poisson with mean `peak rate × daily curve × scale × retry multiplier`.
//! Each request picks a host and a route, a client, a cache outcome, and then its fate, in
//! order of precedence: an edge fault at its POP, a blip, the noisy POP's steady 502s, an origin
//! fault of its host (only for requests that reach the origin), and finally the baseline mix of
//! 200/304/301/404/429 and background origin 5xx.

use std::fmt::Write as _;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::clock::NS;
use super::plan::{self, Codes, OriginFailure, Plan};
use super::record::Request;
use super::scenario;
use super::world::{self, Caching, Clients, Host, Pop, Route, HOSTS};

/// Seconds per slice (requests per slice are drawn at once, with the conditions at its middle).
const SLICE: i64 = 10;

/// Background origin 5xx share of the requests that reach the origin.
const BACKGROUND_ORIGIN_5XX: f64 = 0.005;
/// Rate-limited share.
const RATE_LIMITED: f64 = 0.001;
/// Not-found share.
const NOT_FOUND: f64 = 0.015;
/// Not-modified share of GETs.
const NOT_MODIFIED: f64 = 0.025;
/// Redirect share on the website.
const REDIRECT: f64 = 0.005;

/// A request's fate.
#[derive(Debug, Clone, Copy)]
enum Fate {
    /// A normal response with this status.
    Served(u16),
    /// The edge generated an error.
    Edge(u16),
    /// The origin answered with a 5xx.
    Origin(u16),
    /// Cloudflare could not reach the origin (52x).
    Unreachable(u16),
    /// Rate limited at the edge.
    RateLimited,
}

/// A weighted pick; the last item when rounding leaves the draw past the end.
fn pick<I: Iterator + Clone>(rng: &mut ChaCha8Rng, items: I, weight: impl Fn(&I::Item) -> f64) -> Option<I::Item> {
    let total: f64 = items.clone().map(|it| weight(&it)).sum();
    let mut r = rng.random::<f64>() * total;
    let mut last = None;
    for it in items {
        r -= weight(&it);
        if r < 0.0 {
            return Some(it);
        }
        last = Some(it);
    }
    last
}

fn pick_code(rng: &mut ChaCha8Rng, codes: Codes) -> u16 {
    pick(rng, codes.iter(), |c| c.1).map_or(500, |c| c.0)
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A Poisson draw: Knuth's method for small means, the normal approximation above 30.
fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u64 {
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    if mean < 30.0 {
        let limit = (-mean).exp();
        let mut p = 1.0;
        for k in 0..1000 {
            p *= rng.random::<f64>();
            if p <= limit {
                return k;
            }
        }
        return mean.round() as u64;
    }
    (mean + mean.sqrt() * normal(rng)).round().max(0.0) as u64
}

/// A bijective 64-bit mix (splitmix64's finalizer): distinct counters give distinct Ray IDs.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Generates requests minute by minute.
pub(super) struct Traffic<'a> {
    pops: &'a [Pop],
    plan: &'a Plan,
    scale: f64,
    rng: ChaCha8Rng,
    ray_base: u64,
    requests: u64,
}

impl<'a> Traffic<'a> {
    pub fn new(pops: &'a [Pop], plan: &'a Plan, scale: f64, mut rng: ChaCha8Rng) -> Self {
        let ray_base = rng.random();
        Traffic { pops, plan, scale, rng, ray_base, requests: 0 }
    }

    /// Appends the requests that start in the minute from `start` (unix seconds), POP by POP.
    pub fn minute(&mut self, start: i64, out: &mut Vec<Request>) {
        for (i, (pop, pp)) in self.pops.iter().zip(&self.plan.pops).enumerate() {
            for s in (start..start + 60).step_by(SLICE as usize) {
                let mid = (s + SLICE / 2) as f64;
                let retry = pp.fault.as_ref().map_or(1.0, |f| 1.0 + (f.retry - 1.0) * plan::level(&f.spells, mid));
                let mean =
                    pop.peak_per_minute * (SLICE as f64 / 60.0) * world::daily_curve(pop.lon, mid) * self.scale * retry;
                for _ in 0..poisson(&mut self.rng, mean) {
                    let t_ns = s * NS + self.rng.random_range(0..SLICE * NS);
                    out.extend(self.request(i, t_ns));
                }
            }
        }
    }

    /// The fate of a request at POP `pop` at `t` (seconds), given its host and cache outcome.
    fn fate(&mut self, pop: usize, t: f64, host: usize, hit: bool, route: &Route) -> Fate {
        let rng = &mut self.rng;
        let Some(pp) = self.plan.pops.get(pop) else {
            return Fate::Served(200);
        };
        if let Some(f) = pp.fault.as_ref().filter(|f| f.hosts.is_empty() || f.hosts.contains(&host)) {
            let p = f.severity * plan::level(&f.spells, t);
            if p > 0.0 && rng.random::<f64>() < p {
                return Fate::Edge(pick_code(rng, f.codes));
            }
        }
        for b in &pp.blips {
            if (b.start as f64..b.end as f64).contains(&t) && rng.random::<f64>() < b.share {
                return Fate::Edge(pick_code(rng, scenario::blip_codes()));
            }
        }
        if pp.noise > 0.0 && rng.random::<f64>() < pp.noise {
            return Fate::Edge(502);
        }
        if !hit {
            for hf in self.plan.host_faults.iter().filter(|hf| hf.host == host) {
                let p = hf.share * plan::level(std::slice::from_ref(&hf.spell), t);
                if p > 0.0 && rng.random::<f64>() < p {
                    let code = pick_code(rng, hf.codes);
                    return match hf.failure {
                        OriginFailure::Http => Fate::Origin(code),
                        OriginFailure::Unreachable => Fate::Unreachable(code),
                    };
                }
            }
        }
        let r = rng.random::<f64>();
        let mut edge = BACKGROUND_ORIGIN_5XX;
        if r < edge {
            return if hit {
                Fate::Served(200)
            } else {
                Fate::Origin(pick_code(rng, &[(500, 0.3), (502, 0.35), (503, 0.35)]))
            };
        }
        edge += RATE_LIMITED;
        if r < edge {
            return Fate::RateLimited;
        }
        edge += NOT_FOUND;
        if r < edge {
            return Fate::Served(404);
        }
        edge += NOT_MODIFIED;
        if r < edge && route.method == "GET" {
            return Fate::Served(304);
        }
        edge += REDIRECT;
        if r < edge && HOSTS.get(host).is_some_and(|h| h.name.starts_with("www.")) {
            return Fate::Served(301);
        }
        if route.caching == Caching::Static && route.bytes.1 > 100_000 && rng.random::<f64>() < 0.02 {
            return Fate::Served(206);
        }
        Fate::Served(200)
    }

    fn request(&mut self, pop_index: usize, start_ns: i64) -> Option<Request> {
        self.requests += 1;
        let ray = mix(self.ray_base.wrapping_add(self.requests));
        let t = start_ns as f64 / NS as f64;
        let rng = &mut self.rng;
        let (host_index, host): (usize, &'static Host) = pick(rng, HOSTS.iter().enumerate(), |(_, h)| h.weight)?;
        let route: &'static Route = pick(rng, host.routes.iter(), |r| r.weight)?;
        let uri = expand(route.path, rng);
        let cache = cache_status(rng, route.caching);
        let (country, client_ip) = client(rng, self.pops.get(pop_index));
        let user_agent = user_agent(rng, host.clients);
        let (protocol, tls) = protocol(rng);

        // `/cdn-cgi/trace` is answered by the edge itself: no fault reaches it.
        let trace = self.plan.trace_share > 0.0 && rng.random::<f64>() < self.plan.trace_share;
        let (uri, cache) = if trace { ("/cdn-cgi/trace".to_owned(), "dynamic") } else { (uri, cache) };
        let hit = trace || cache == "hit";
        let fate = if trace { Fate::Served(200) } else { self.fate(pop_index, t, host_index, hit, route) };
        let rng = &mut self.rng;
        let origin_ms = origin_ms(rng, host);
        let mut r = Request {
            pop: pop_index,
            host: host_index,
            start_ns,
            end_ns: start_ns,
            edge_status: 200,
            origin_status: 0,
            method: route.method,
            uri,
            country,
            client_ip,
            user_agent,
            tls,
            protocol,
            bytes: 0,
            ttfb_ms: 0,
            origin_ms: 0,
            cache,
            ray,
            content_type: route.content_type,
            origin_ip: "",
            security: None,
        };
        outcome(&mut r, fate, (host, route, hit, origin_ms), rng);
        if trace {
            r.method = "GET";
            r.content_type = "text/plain";
            r.bytes = rng.random_range(250..=400);
        }
        let transfer_ns = r.bytes as f64 * rng.random_range(2.0..80.0);
        r.end_ns = start_ns + i64::from(r.ttfb_ms) * 1_000_000 + transfer_ns as i64 + rng.random_range(0..1_000_000);
        Some(r)
    }
}

/// A route's cache outcome.
fn cache_status(rng: &mut ChaCha8Rng, caching: Caching) -> &'static str {
    match caching {
        Caching::Static => match rng.random::<f64>() {
            r if r < 0.86 => "hit",
            r if r < 0.96 => "miss",
            _ => "expired",
        },
        Caching::Dynamic => "dynamic",
    }
}

/// A client of the POP's region: its country (lowercase, as Logpush writes it) and address.
fn client(rng: &mut ChaCha8Rng, pop: Option<&Pop>) -> (&'static str, String) {
    match pop {
        Some(p) => {
            let country = if rng.random::<f64>() < 0.72 {
                p.country
            } else {
                pick(rng, p.clients.countries.iter(), |_| 1.0).copied().unwrap_or(p.country)
            };
            (country, client_ip(rng, p))
        }
        None => ("us", "192.0.2.1".to_owned()),
    }
}

/// The HTTP version and TLS version.
fn protocol(rng: &mut ChaCha8Rng) -> (&'static str, &'static str) {
    match rng.random::<f64>() {
        r if r < 0.27 => ("HTTP/3", "TLSv1.3"),
        r if r < 0.80 => ("HTTP/2", "TLSv1.3"),
        r if r < 0.86 => ("HTTP/2", "TLSv1.2"),
        r if r < 0.95 => ("HTTP/1.1", "TLSv1.3"),
        _ => ("HTTP/1.1", "TLSv1.2"),
    }
}

/// The origin's time for the host, now and then several times its usual.
fn origin_ms(rng: &mut ChaCha8Rng, host: &Host) -> u32 {
    let (lo, hi) = host.origin_ms;
    let base = rng.random_range(lo..=hi);
    if rng.random::<f64>() < 0.02 {
        base * rng.random_range(3..=8)
    } else {
        base
    }
}

/// Fills in the status, timings, size and origin of a request from its fate; `served` is its
/// host, route, whether it was a cache hit and the origin's time had it been asked.
fn outcome(r: &mut Request, fate: Fate, served: (&Host, &Route, bool, u32), rng: &mut ChaCha8Rng) {
    let (host, route, hit, origin_ms) = served;
    let error_type = if route.content_type == "application/json" { "application/json" } else { "text/html" };
    match fate {
        Fate::Edge(code) => {
            r.edge_status = code;
            r.cache = "unknown";
            r.ttfb_ms = match code {
                500 => rng.random_range(0..=4),
                504 => rng.random_range(3_000..=15_000),
                _ => rng.random_range(2..=300),
            };
            r.bytes = rng.random_range(2_500..=6_500);
            r.content_type = "text/html";
        }
        Fate::Origin(code) => {
            r.edge_status = code;
            r.origin_status = code;
            r.origin_ip = host.origin_ip;
            r.origin_ms = if code == 503 { rng.random_range(3..=60) } else { origin_ms.saturating_mul(4).min(30_000) };
            r.ttfb_ms = r.origin_ms + rng.random_range(1..=8);
            r.bytes = rng.random_range(150..=1_500);
            r.content_type = error_type;
        }
        Fate::Unreachable(code) => {
            r.edge_status = code;
            r.origin_ip = host.origin_ip;
            r.ttfb_ms = if code == 522 { rng.random_range(15_000..=19_500) } else { rng.random_range(5..=400) };
            r.bytes = rng.random_range(3_500..=7_500);
            r.content_type = "text/html";
        }
        Fate::RateLimited => {
            r.edge_status = 429;
            r.cache = "unknown";
            r.ttfb_ms = rng.random_range(0..=3);
            r.bytes = rng.random_range(400..=1_600);
            r.content_type = error_type;
        }
        Fate::Served(status) => {
            r.edge_status = status;
            r.bytes = match status {
                200 => rng.random_range(route.bytes.0..=route.bytes.1),
                206 => rng.random_range(1_000..=route.bytes.1.max(1_001)),
                304 => rng.random_range(250..=450),
                301 => rng.random_range(300..=700),
                _ => rng.random_range(900..=4_000),
            };
            if matches!(status, 301 | 404) {
                r.content_type = error_type;
            }
            if hit {
                r.ttfb_ms = rng.random_range(1..=30);
            } else {
                r.origin_status = status;
                r.origin_ip = host.origin_ip;
                r.origin_ms = origin_ms;
                r.ttfb_ms = origin_ms + rng.random_range(1..=12);
            }
        }
    }
}

/// Fills a route's path template: `{n}` a number, `{h}` eight hex digits, `{w}` a word.
fn expand(template: &str, rng: &mut ChaCha8Rng) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(rest.get(..open).unwrap_or(""));
        let token = rest.get(open..open + 3);
        match token {
            Some("{n}") => out.push_str(&rng.random_range(1_000..2_000_000_u32).to_string()),
            Some("{h}") => {
                let _ = write!(out, "{:08x}", rng.random::<u32>());
            }
            Some("{w}") => out.push_str(pick(rng, world::WORDS.iter(), |_| 1.0).copied().unwrap_or("x")),
            _ => {
                out.push('{');
                rest = rest.get(open + 1..).unwrap_or("");
                continue;
            }
        }
        rest = rest.get(open + 3..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

fn user_agent(rng: &mut ChaCha8Rng, clients: Clients) -> &'static str {
    let browser = |rng: &mut ChaCha8Rng| pick(rng, world::BROWSER_AGENTS.iter(), |a| a.1).map_or("", |a| a.0);
    match clients {
        Clients::Browsers => browser(rng),
        Clients::Apps => {
            let apps: f64 = world::APP_AGENTS.iter().map(|a| a.1).sum();
            if rng.random::<f64>() < apps {
                pick(rng, world::APP_AGENTS.iter(), |a| a.1).map_or("", |a| a.0)
            } else {
                browser(rng)
            }
        }
    }
}

fn client_ip(rng: &mut ChaCha8Rng, pop: &Pop) -> String {
    if rng.random::<f64>() < 0.1 {
        return format!(
            "{}:{:x}:{:x}:{:x}::{:x}",
            pop.clients.v6,
            rng.random::<u16>(),
            rng.random::<u16>(),
            rng.random::<u16>(),
            rng.random::<u16>()
        );
    }
    let first = pick(rng, pop.clients.octets.iter(), |_| 1.0).copied().unwrap_or(81);
    format!("{first}.{}.{}.{}", rng.random::<u8>(), rng.random::<u8>(), rng.random_range(1..=254_u8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn poisson_has_the_right_mean() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for mean in [0.3, 4.0, 29.0, 31.0, 250.0] {
            let n = 4000;
            let sum: u64 = (0..n).map(|_| poisson(&mut rng, mean)).sum();
            let got = sum as f64 / f64::from(n);
            assert!((got - mean).abs() < 0.05 * mean + 0.05, "mean {mean}: {got}");
        }
        assert_eq!(poisson(&mut rng, 0.0), 0);
        assert_eq!(poisson(&mut rng, f64::NAN), 0);
    }

    #[test]
    fn templates_expand() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let p = expand("/a/{n}/b.{h}.js?q={w}&x={", &mut rng);
        assert!(!p.contains("{n}") && !p.contains("{h}") && !p.contains("{w}"), "{p}");
        assert!(p.ends_with("&x={"), "{p}");
        assert_eq!(expand("/plain", &mut rng), "/plain");
    }

    #[test]
    fn ray_ids_are_distinct() {
        let mut seen: Vec<u64> = (0..10_000_u64).map(|i| mix((u64::MAX - 5_000).wrapping_add(i))).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 10_000);
    }
}
