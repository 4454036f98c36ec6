//! Cloudflare data centers by IATA code: city, country and region, embedded in the binary.
//!
//! The table is `cloudflare-colos.json` beside this file (MIT licensed, see
//! `cloudflare-colos.LICENSE`). Other CDNs name POPs with the same IATA codes, so the table
//! serves them too. An unknown code keeps its code and gets region `unknown`.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// Where a POP is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Colo {
    /// IATA code, upper case.
    pub iata: String,
    /// City.
    pub city: String,
    /// Country name.
    pub country: String,
    /// ISO 3166-1 alpha-2 country code.
    pub cca2: String,
    /// Continent-level region (`Europe`, `North America`, ...).
    pub region: String,
    /// Cloudflare's load-balancing region (WNAM, ENAM, WEU, ...).
    pub cf_lb_region: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// The region of a POP whose code is not in the table.
pub const UNKNOWN_REGION: &str = "unknown";

static COLOS: LazyLock<HashMap<String, Colo>> =
    LazyLock::new(|| serde_json::from_str(include_str!("cloudflare-colos.json")).unwrap_or_default());

/// Airport codes other CDNs name POPs with (CloudFront edge locations, Fastly cache nodes) whose
/// metro the table lists under another airport: the code and the table's code for the same place.
const ALIASES: [(&str, &str); 26] = [
    ("JFK", "EWR"), // New York
    ("HIO", "PDX"), // Hillsboro, Oregon (Portland)
    ("YTO", "YYZ"), // Toronto (metro code)
    ("BER", "TXL"), // Berlin
    ("FJR", "DXB"), // Fujairah, United Arab Emirates
    ("LCY", "LHR"), // London City
    ("MDW", "ORD"), // Chicago Midway
    ("PAO", "SJC"), // Palo Alto
    ("BWI", "IAD"), // Baltimore-Washington
    ("DAL", "DFW"), // Dallas Love Field
    ("HND", "NRT"), // Tokyo Haneda
    ("ITM", "KIX"), // Osaka Itami
    ("QPG", "SIN"), // Singapore Paya Lebar
    // City (metro) codes that CDNs use as POP names (Fastly's CHI, WDC, NYC, LON, ...): the
    // IATA metropolitan-area codes, placed at the table's main airport of that city.
    ("CHI", "ORD"), // Chicago
    ("WDC", "IAD"), // Washington
    ("NYC", "EWR"), // New York
    ("LON", "LHR"), // London
    ("PAR", "CDG"), // Paris
    ("TYO", "NRT"), // Tokyo
    ("OSA", "KIX"), // Osaka
    ("STO", "ARN"), // Stockholm
    ("BMA", "ARN"), // Stockholm Bromma
    ("MIL", "MXP"), // Milan
    ("SAO", "GRU"), // São Paulo
    ("SEL", "ICN"), // Seoul
    ("ROM", "FCO"), // Rome
];

/// Looks up a POP by IATA code (case-insensitive); another airport code of a metro the table
/// lists (CloudFront's `JFK`, `HIO`, ...) gets the place of the table's code for that metro.
pub fn colo(code: &str) -> Option<&'static Colo> {
    let upper = code.to_ascii_uppercase();
    let code = ALIASES.iter().find(|(a, _)| *a == upper).map_or(upper.as_str(), |(_, to)| to);
    COLOS.get(code)
}

/// The region of a POP, or `unknown`.
pub fn region(code: &str) -> &'static str {
    colo(code).map_or(UNKNOWN_REGION, |c| c.region.as_str())
}

/// Cities the table lists under more than one code: the code an error page's city means.
const CITY_PREFERRED: [(&str, &str); 1] = [("san jose", "SJC")];

static BY_CITY: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut m: HashMap<String, &'static str> = HashMap::new();
    for c in COLOS.values() {
        let key = city_key(&c.city);
        match m.get(&key) {
            // Two codes for one city name: the alphabetically first, unless a preference says.
            Some(had) if *had <= c.iata.as_str() => {}
            _ => {
                m.insert(key, c.iata.as_str());
            }
        }
    }
    for (city, code) in CITY_PREFERRED {
        if let Some(c) = COLOS.get(code) {
            m.insert(city.to_string(), c.iata.as_str());
        }
    }
    m
});

/// The lookup key of a city: lower case, without a state or country after a comma
/// (`Miami, FL` → `miami`), spaces collapsed.
fn city_key(city: &str) -> String {
    let head = city.split(',').next().unwrap_or(city);
    head.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The POP of a data-center city as Cloudflare's error pages write it (`Miami`, `Santiago`,
/// `Las Vegas`, `Frankfurt`; case-insensitive, a `, FL` or `, Chile` after it is ignored).
pub fn colo_by_city(city: &str) -> Option<&'static Colo> {
    let key = city_key(city);
    if key.len() < 3 {
        return None;
    }
    BY_CITY.get(&key).and_then(|code| COLOS.get(*code))
}

/// Every known POP.
pub fn all() -> impl Iterator<Item = &'static Colo> {
    COLOS.values()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_embedded_and_complete() {
        assert!(all().count() >= 300);
        let scl = colo("SCL").unwrap();
        assert_eq!(scl.country, "Chile");
        assert_eq!(region("scl"), "Latin America & the Caribbean");
        assert_eq!(region("ZZZ"), UNKNOWN_REGION);
        // CloudFront names some POPs by airports the table lists under another code.
        assert_eq!(colo("JFK").unwrap().country, "United States");
        assert_eq!(region("hio"), "North America");
        assert_eq!(colo_by_city("Miami").unwrap().iata, "MIA");
        assert_eq!(colo_by_city("las vegas").unwrap().iata, "LAS");
        assert_eq!(colo_by_city("Santiago, Chile").unwrap().iata, "SCL");
        assert_eq!(colo_by_city("San Jose").unwrap().iata, "SJC");
        assert!(colo_by_city("Cloudflare").is_none());
        for (code, to) in ALIASES {
            assert!(colo(to).is_some(), "{code} -> {to}");
            assert_eq!(region(code), region(to));
        }
    }
}
