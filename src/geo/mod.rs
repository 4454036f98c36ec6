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
        for (code, to) in ALIASES {
            assert!(colo(to).is_some(), "{code} -> {to}");
            assert_eq!(region(code), region(to));
        }
    }
}
