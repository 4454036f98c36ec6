//! The simulated world every scenario shares: POPs and their volumes, the zones and their routes,
//! the clients, and the daily traffic curve.

use crate::geo;

/// One POP: an IATA code from [`crate::geo`] and its request rate at the top of its daily curve.
#[derive(Debug, Clone, Copy)]
pub(super) struct PopSpec {
    /// IATA code.
    pub code: &'static str,
    /// Requests per minute at scale 1 at the peak of the local daily curve.
    pub peak_per_minute: f64,
}

/// The POPs, largest first: six regions, rates spanning two orders of magnitude.
pub(super) const POPS: [PopSpec; 24] = [
    PopSpec { code: "IAD", peak_per_minute: 155.0 },
    PopSpec { code: "LHR", peak_per_minute: 140.0 },
    PopSpec { code: "FRA", peak_per_minute: 96.0 },
    PopSpec { code: "AMS", peak_per_minute: 70.0 },
    PopSpec { code: "SJC", peak_per_minute: 63.0 },
    PopSpec { code: "ORD", peak_per_minute: 55.0 },
    PopSpec { code: "CDG", peak_per_minute: 52.0 },
    PopSpec { code: "NRT", peak_per_minute: 48.0 },
    PopSpec { code: "SIN", peak_per_minute: 41.0 },
    PopSpec { code: "DFW", peak_per_minute: 35.0 },
    PopSpec { code: "GRU", peak_per_minute: 31.0 },
    PopSpec { code: "HKG", peak_per_minute: 26.0 },
    PopSpec { code: "MAD", peak_per_minute: 22.0 },
    PopSpec { code: "YYZ", peak_per_minute: 20.0 },
    PopSpec { code: "BOM", peak_per_minute: 18.0 },
    PopSpec { code: "SYD", peak_per_minute: 17.0 },
    PopSpec { code: "ICN", peak_per_minute: 15.0 },
    PopSpec { code: "WAW", peak_per_minute: 11.0 },
    PopSpec { code: "DXB", peak_per_minute: 9.0 },
    PopSpec { code: "SCL", peak_per_minute: 7.0 },
    PopSpec { code: "BOG", peak_per_minute: 5.0 },
    PopSpec { code: "JNB", peak_per_minute: 4.0 },
    PopSpec { code: "AKL", peak_per_minute: 3.0 },
    PopSpec { code: "LOS", peak_per_minute: 2.0 },
];

/// The noisy but healthy POP: a steady share of edge 502s all day, never an incident.
pub(super) const NOISY_POP: &str = "BOM";
/// Its steady share of edge 502s.
pub(super) const NOISY_SHARE: f64 = 0.03;

/// Where a POP is, resolved once from [`crate::geo`].
#[derive(Debug, Clone)]
pub(super) struct Pop {
    /// IATA code.
    pub code: &'static str,
    /// Peak requests per minute at scale 1.
    pub peak_per_minute: f64,
    /// The POP's geo entry (`None` only if the table lost the code).
    pub colo: Option<&'static geo::Colo>,
    /// Region name as in [`crate::geo`].
    pub region: &'static str,
    /// Longitude, for local time.
    pub lon: f64,
    /// Lowercase ISO country code of the POP's own country, as `ClientCountry` carries it.
    pub country: &'static str,
    /// Client countries and address blocks of its region.
    pub clients: &'static RegionClients,
}

/// Client countries and first octets of the address blocks of one region.
#[derive(Debug)]
pub(super) struct RegionClients {
    /// Lowercase ISO country codes, as `ClientCountry` carries them.
    pub countries: &'static [&'static str],
    /// First octets of IPv4 blocks.
    pub octets: &'static [u8],
    /// First hextet of IPv6 blocks.
    pub v6: &'static str,
}

const EUROPE: RegionClients = RegionClients {
    countries: &["gb", "de", "fr", "nl", "es", "it", "pl", "se", "ie", "be"],
    octets: &[2, 31, 46, 77, 79, 81, 82, 86, 88, 90, 91, 92, 93, 176, 178, 185, 188, 212, 213, 217],
    v6: "2a02",
};
const NORTH_AMERICA: RegionClients = RegionClients {
    countries: &["us", "ca", "mx"],
    octets: &[23, 24, 47, 50, 64, 66, 67, 68, 69, 71, 72, 73, 75, 76, 96, 98, 99, 104, 107, 173, 174],
    v6: "2600",
};
const ASIA: RegionClients = RegionClients {
    countries: &["jp", "sg", "hk", "in", "kr", "tw", "id", "my", "th", "vn", "ph"],
    octets: &[
        1, 14, 27, 36, 39, 42, 49, 58, 60, 61, 101, 103, 110, 111, 113, 114, 116, 118, 121, 122, 124, 175, 180, 182,
        202, 210, 211, 218, 220,
    ],
    v6: "2400",
};
const LATIN_AMERICA: RegionClients = RegionClients {
    countries: &["br", "cl", "co", "ar", "pe", "uy"],
    octets: &[152, 168, 177, 179, 181, 186, 187, 189, 190, 191, 200, 201],
    v6: "2800",
};
const OCEANIA: RegionClients =
    RegionClients { countries: &["au", "nz"], octets: &[1, 27, 49, 58, 101, 110, 120, 121, 124, 150, 203], v6: "2401" };
const MIDDLE_EAST: RegionClients = RegionClients {
    countries: &["ae", "sa", "qa", "kw", "om", "il", "jo"],
    octets: &[5, 31, 37, 46, 62, 78, 80, 83, 86, 87, 94, 176, 185, 212],
    v6: "2a00",
};
const AFRICA: RegionClients = RegionClients {
    countries: &["za", "ng", "ke", "eg", "gh"],
    octets: &[41, 102, 105, 154, 156, 196, 197],
    v6: "2c0f",
};

fn region_clients(region: &str) -> &'static RegionClients {
    match region {
        "Europe" => &EUROPE,
        "Asia" => &ASIA,
        "Latin America & the Caribbean" => &LATIN_AMERICA,
        "Oceania" => &OCEANIA,
        "Middle East" => &MIDDLE_EAST,
        "Africa" => &AFRICA,
        _ => &NORTH_AMERICA,
    }
}

/// Resolves [`POPS`] against the geo table.
pub(super) fn pops() -> Vec<Pop> {
    POPS.iter()
        .map(|p| {
            let colo = geo::colo(p.code);
            let region = geo::region(p.code);
            let clients = region_clients(region);
            let own = colo.and_then(|c| clients.countries.iter().find(|k| k.eq_ignore_ascii_case(&c.cca2)));
            Pop {
                code: p.code,
                peak_per_minute: p.peak_per_minute,
                colo,
                region,
                lon: colo.map_or(0.0, |c| c.lon),
                country: own.or(clients.countries.first()).copied().unwrap_or("us"),
                clients,
            }
        })
        .collect()
}

/// The daily curve: 1.0 at 15:00 local time, 0.1 at 03:00, a sinusoid by local hour.
pub(super) fn daily_curve(lon: f64, unix_secs: f64) -> f64 {
    let utc_hours = unix_secs.rem_euclid(86_400.0) / 3600.0;
    let local = (utc_hours + lon / 15.0).rem_euclid(24.0);
    0.55 + 0.45 * (std::f64::consts::TAU * (local - 15.0) / 24.0).cos()
}

/// How a response may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Caching {
    /// Static content: mostly cache hits.
    Static,
    /// Dynamic content: always goes to the origin.
    Dynamic,
}

/// One kind of request a host serves.
#[derive(Debug)]
pub(super) struct Route {
    /// HTTP method.
    pub method: &'static str,
    /// Path and query; `{n}` becomes a number, `{h}` eight hex digits, `{w}` a word.
    pub path: &'static str,
    /// `EdgeResponseContentType` of a success.
    pub content_type: &'static str,
    /// Cacheable or not.
    pub caching: Caching,
    /// Response size range of a success, bytes.
    pub bytes: (u64, u64),
    /// Relative frequency among the host's routes.
    pub weight: f64,
}

/// User agents a host's clients send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Clients {
    /// Browsers.
    Browsers,
    /// A mix of apps, SDKs and browsers.
    Apps,
}

/// One zone's host.
#[derive(Debug)]
pub(super) struct Host {
    /// `ClientRequestHost`.
    pub name: &'static str,
    /// `ZoneName`.
    pub zone: &'static str,
    /// Share of all requests.
    pub weight: f64,
    /// `OriginIP` of requests that reach the origin.
    pub origin_ip: &'static str,
    /// Origin response time range, ms.
    pub origin_ms: (u32, u32),
    /// Who calls it.
    pub clients: Clients,
    /// What is asked of it.
    pub routes: &'static [Route],
}

const fn route(
    method: &'static str,
    path: &'static str,
    content_type: &'static str,
    caching: Caching,
    bytes: (u64, u64),
    weight: f64,
) -> Route {
    Route { method, path, content_type, caching, bytes, weight }
}

use Caching::{Dynamic, Static};

/// The zones' hosts. Index 0..6; scenarios refer to them by name.
pub(super) static HOSTS: [Host; 6] = [
    Host {
        name: "www.example.com",
        zone: "example.com",
        weight: 0.28,
        origin_ip: "203.0.113.10",
        origin_ms: (25, 240),
        clients: Clients::Browsers,
        routes: &[
            route("GET", "/", "text/html", Static, (18_000, 60_000), 4.0),
            route("GET", "/pricing", "text/html", Static, (20_000, 45_000), 1.5),
            route("GET", "/blog/{w}-{n}", "text/html", Static, (30_000, 120_000), 2.0),
            route("GET", "/docs/{w}/getting-started", "text/html", Static, (25_000, 90_000), 1.5),
            route("GET", "/favicon.ico", "image/x-icon", Static, (1_100, 15_000), 1.0),
            route("POST", "/contact", "text/html", Dynamic, (2_000, 8_000), 0.2),
            route("GET", "/search?q={w}", "text/html", Dynamic, (8_000, 40_000), 0.6),
        ],
    },
    Host {
        name: "api.example.com",
        zone: "example.com",
        weight: 0.25,
        origin_ip: "198.51.100.24",
        origin_ms: (30, 420),
        clients: Clients::Apps,
        routes: &[
            route("GET", "/v1/messages?channel={n}&limit=50", "application/json", Dynamic, (900, 24_000), 4.0),
            route("POST", "/v1/messages", "application/json", Dynamic, (300, 1_200), 2.0),
            route("GET", "/v1/users/{n}", "application/json", Dynamic, (400, 3_000), 2.0),
            route("GET", "/v2/search?q={w}&page={n}", "application/json", Dynamic, (2_000, 40_000), 1.0),
            route("POST", "/v1/events", "application/json", Dynamic, (60, 200), 1.5),
            route("GET", "/healthz", "application/json", Dynamic, (20, 40), 0.3),
        ],
    },
    Host {
        name: "cdn.example.net",
        zone: "example.net",
        weight: 0.2,
        origin_ip: "2001:db8:40::7",
        origin_ms: (8, 160),
        clients: Clients::Browsers,
        routes: &[
            route("GET", "/assets/app.{h}.js", "application/javascript", Static, (80_000, 420_000), 3.0),
            route("GET", "/assets/styles.{h}.css", "text/css", Static, (12_000, 90_000), 2.0),
            route("GET", "/img/{n}.webp", "image/webp", Static, (6_000, 350_000), 5.0),
            route("GET", "/fonts/inter-var.woff2", "font/woff2", Static, (90_000, 110_000), 1.0),
        ],
    },
    Host {
        name: "chat.example.com",
        zone: "example.com",
        weight: 0.12,
        origin_ip: "198.51.100.61",
        origin_ms: (15, 200),
        clients: Clients::Apps,
        routes: &[
            route("GET", "/app", "text/html", Dynamic, (4_000, 9_000), 1.0),
            route("GET", "/api/rooms/{n}/history?before={n}", "application/json", Dynamic, (2_000, 60_000), 3.0),
            route("POST", "/api/presence", "application/json", Dynamic, (40, 120), 2.0),
            route("GET", "/socket/websocket?vsn=2.0.0", "text/plain", Dynamic, (0, 200), 1.0),
        ],
    },
    Host {
        name: "auth.example.com",
        zone: "example.com",
        weight: 0.1,
        origin_ip: "198.51.100.5",
        origin_ms: (40, 500),
        clients: Clients::Apps,
        routes: &[
            route("POST", "/oauth/token", "application/json", Dynamic, (700, 1_800), 3.0),
            route("GET", "/login?return_to=%2F{w}", "text/html", Dynamic, (6_000, 14_000), 1.0),
            route("POST", "/session/refresh", "application/json", Dynamic, (300, 900), 2.0),
            route("GET", "/.well-known/openid-configuration", "application/json", Static, (1_400, 1_600), 0.5),
        ],
    },
    Host {
        name: "status.example.org",
        zone: "example.org",
        weight: 0.05,
        origin_ip: "203.0.113.80",
        origin_ms: (10, 90),
        clients: Clients::Browsers,
        routes: &[
            route("GET", "/", "text/html", Static, (9_000, 16_000), 2.0),
            route("GET", "/api/v2/summary.json", "application/json", Static, (2_000, 5_000), 3.0),
            route("GET", "/incidents/{h}", "text/html", Static, (7_000, 12_000), 0.5),
        ],
    },
];

/// Index of a host in [`HOSTS`] by name.
pub(super) fn host_index(name: &str) -> Option<usize> {
    HOSTS.iter().position(|h| h.name == name)
}

/// Words for paths and queries.
pub(super) const WORDS: [&str; 12] = [
    "pricing", "release", "edge", "cache", "latency", "workers", "tokens", "billing", "status", "webhooks", "teams",
    "export",
];

/// Browser user agents, with weights.
pub(super) const BROWSER_AGENTS: [(&str, f64); 7] = [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36", 0.34),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36", 0.14),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1", 0.2),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36", 0.16),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0", 0.07),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0", 0.07),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 0.02),
];

/// App and SDK user agents, with weights (browsers make up the rest).
pub(super) const APP_AGENTS: [(&str, f64); 5] = [
    ("ExampleChat/5.12.1 (iPhone; iOS 18.6; Scale/3.00)", 0.22),
    ("okhttp/4.12.0", 0.18),
    ("Go-http-client/2.0", 0.06),
    ("python-requests/2.32.3", 0.04),
    ("curl/8.7.1", 0.02),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pop_is_in_the_geo_table_and_regions_are_several() {
        let pops = pops();
        assert!(pops.iter().all(|p| p.colo.is_some()), "unknown POP code");
        for p in &pops {
            assert_eq!(p.country, p.colo.unwrap().cca2.to_ascii_lowercase(), "{}", p.code);
        }
        let mut regions: Vec<&str> = pops.iter().map(|p| p.region).collect();
        regions.sort_unstable();
        regions.dedup();
        assert!(regions.len() >= 6, "{regions:?}");
        assert!(pops.iter().any(|p| p.code == NOISY_POP));
        let max = POPS.iter().map(|p| p.peak_per_minute).fold(0.0, f64::max);
        let min = POPS.iter().map(|p| p.peak_per_minute).fold(f64::MAX, f64::min);
        assert!(max / min >= 50.0);
    }

    #[test]
    fn weights_add_up() {
        let hosts: f64 = HOSTS.iter().map(|h| h.weight).sum();
        assert!((hosts - 1.0).abs() < 1e-9);
        assert!(HOSTS.iter().all(Host::path_templates_are_clean));
    }

    impl Host {
        fn path_templates_are_clean(&self) -> bool {
            self.routes.iter().all(|r| r.path.starts_with('/') && !r.path.contains('"'))
        }
    }

    #[test]
    fn the_curve_peaks_in_the_afternoon() {
        let noon_utc = 1_763_467_200.0; // 2025-11-18T12:00:00Z
        assert!(daily_curve(0.0, noon_utc + 3.0 * 3600.0) > 0.99);
        assert!(daily_curve(0.0, noon_utc - 9.0 * 3600.0) < 0.11);
        assert!(daily_curve(135.0, noon_utc) < daily_curve(0.0, noon_utc));
    }
}
