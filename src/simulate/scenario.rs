//! Scenario plans: when and where things break. A plan is drawn once from the schedule stream
//! of the RNG before any request is generated; the traffic model then asks it, for each
//! request, how broken its POP and host are at that instant. The truth is derived from the plan
//! too, so the two cannot disagree.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::clock::Date;
use super::plan::{Blip, Codes, EdgeFault, HostFault, IncidentPlan, OriginFailure, Plan, Spell};
use super::world::{self, Pop, HOSTS};
use super::Scenario;
use crate::vocab::timeline::{Attribution, Pattern, Scope};

/// The Nov 18 mix: the proxy fails with 500s, a few 502s.
const NOV18_CODES: Codes = &[(500, 0.85), (502, 0.15)];
/// A regional edge fault: bad gateways and gateway timeouts.
const REGIONAL_CODES: Codes = &[(502, 0.6), (504, 0.4)];
/// Isolated blips.
const BLIP_CODES: Codes = &[(500, 0.5), (502, 0.5)];
/// A bad configuration on some machines: internal errors and bad gateways.
const PARTIAL_CODES: Codes = &[(502, 0.5), (500, 0.5)];
/// A configuration push breaking the proxy: internal errors.
const PUSH_CODES: Codes = &[(500, 1.0)];
/// The origin answering 503.
const ORIGIN_503: Codes = &[(503, 1.0)];
/// Cloudflare unable to reach the origin.
const CF_52X: Codes = &[(522, 0.7), (521, 0.3)];

/// Draws the plan of a scenario.
pub(super) fn plan(scenario: Scenario, pops: &[Pop], rng: &mut ChaCha8Rng) -> Plan {
    match scenario {
        Scenario::Nov18 => nov18(pops, rng),
        Scenario::Regional => regional(pops, rng),
        Scenario::Origin => origin(pops, rng),
        Scenario::Quiet => quiet(pops, rng),
        Scenario::Partial => partial(pops, rng),
        Scenario::Push => push(pops, rng),
        Scenario::Dec5 => dec5(pops, rng),
        Scenario::Bot => super::bot::plan(pops, rng),
    }
}

/// Flapping: cycles of `period` seconds anchored at the end of the onset ramp, bad for about
/// half of each (±20 s jitter on both edges), the first bad phase starting at `onset` with the
/// ramp. From `steady` on, the phase that is bad stays bad until `recovery` (with a `fade`).
fn flapping(onset: i64, ramp: i64, steady: i64, recovery: i64, fade: i64, rng: &mut ChaCha8Rng) -> Vec<Spell> {
    const PERIOD: i64 = 300;
    let anchor = onset + ramp;
    let mut spells = Vec::new();
    for k in 0_i64.. {
        let bad = PERIOD / 2 + rng.random_range(-20..=20);
        let (start, end) = if k == 0 {
            (onset, anchor + bad)
        } else {
            let s = anchor + k * PERIOD + rng.random_range(-20..=20);
            (s, s + bad)
        };
        let ramp = if k == 0 { ramp } else { 0 };
        if end >= steady || start >= recovery {
            spells.push(Spell { start, end: recovery.max(start + 60), ramp, fade });
            break;
        }
        spells.push(Spell { start, end, ramp, fade: 0 });
    }
    spells
}

/// The 2025-11-18 global edge outage, after Cloudflare's post-mortem: a bad configuration file
/// regenerated every five minutes, good or bad, until all generators made the bad one.
fn nov18(pops: &[Pop], rng: &mut ChaCha8Rng) -> Plan {
    const DAY: Date = Date { year: 2025, month: 11, day: 18 };
    const EPICENTER: &str = "FRA";
    const SPARED: [&str; 3] = ["BOM", "AKL", "LOS"];
    const LAST: &str = "JNB";
    const RELAPSE: [&str; 2] = ["SIN", "GRU"];
    // Minutes after the epicenter's onset at which each region starts to fail.
    const REGION_DELAY: [(&str, i64); 7] = [
        ("Europe", 0),
        ("North America", 6),
        ("Asia", 12),
        ("Latin America & the Caribbean", 17),
        ("Middle East", 21),
        ("Oceania", 25),
        ("Africa", 29),
    ];
    // Regions fixed in the first stage (about 14:30); the others about 17:00.
    const FIRST_STAGE: [&str; 2] = ["Europe", "North America"];

    // Customers still on the old proxy: their requests lose the bot score instead of failing.
    const OLD_PROXY: [&str; 2] = ["example.net", "example.org"];

    let mut plan = Plan::new(DAY, 10, 19, pops);
    let (old_proxy, new_proxy) = split_zones(&OLD_PROXY);
    plan.security = true;
    plan.bot_hosts = old_proxy;
    plan.incidents.push(IncidentPlan {
        attribution: Attribution::Edge,
        scope: Scope::Global,
        host: None,
        span: None,
        pattern: Pattern::Propagating,
        cohort: Some(("zone", vec!["example.com"])),
    });
    let t0 = DAY.at(11, 20, 0);
    let steady = DAY.at(13, 5, 0);
    let first_fix = DAY.at(14, 28, 0);
    let second_fix = DAY.at(16, 30, 0);
    let last_fix = DAY.at(17, 6, 0);
    for (p, pp) in pops.iter().zip(plan.pops.iter_mut()) {
        if SPARED.contains(&p.code) {
            continue;
        }
        let region_delay = REGION_DELAY.iter().find(|(r, _)| *r == p.region).map_or(15, |(_, d)| *d) * 60;
        let onset = if p.code == EPICENTER { t0 } else { t0 + region_delay + rng.random_range(30..=300) };
        let ramp = rng.random_range(120..=240);
        let fade = rng.random_range(60..=180);
        let recovery = if p.code == LAST {
            last_fix
        } else if FIRST_STAGE.contains(&p.region) {
            first_fix + rng.random_range(0..=480)
        } else {
            second_fix + rng.random_range(0..=2100)
        };
        let mut spells = flapping(onset, ramp, steady, recovery, fade, rng);
        if RELAPSE.contains(&p.code) {
            // Seems to recover with the first stage, then fails again until the second.
            if let Some(last) = spells.pop() {
                let seems_fixed = first_fix + rng.random_range(60..=300);
                let again = seems_fixed + rng.random_range(720..=1200);
                spells.push(Spell { end: seems_fixed, fade: rng.random_range(60..=120), ..last });
                spells.push(Spell { start: again, end: last.end, ramp: rng.random_range(60..=120), fade: last.fade });
            }
        }
        pp.fault = Some(EdgeFault {
            incident: 0,
            spells,
            severity: rng.random_range(0.4..0.9),
            retry: rng.random_range(1.5..3.0),
            codes: NOV18_CODES,
            period: Some(300.0),
            hosts: new_proxy.clone(),
        });
        // The same bad file reaches the old proxy: no error, but no bot score either.
        pp.bot = pp.fault.as_ref().map(|f| f.spells.clone()).unwrap_or_default();
    }
    debugging_load(pops, &mut plan, rng);
    plan
}

/// Busy POPs (requests a minute at their peak, at scale 1): those whose errors are many enough
/// for their enrichment to eat into the CPU that serves requests.
const BUSY_PER_MINUTE: f64 = 20.0;

/// The CPU the debugging and observability systems took on 18 Nov 2025 (they enrich every
/// uncaught error with debugging information): at three to six of the busy failing POPs the
/// edge adds 150–400 ms to the requests it still serves, of every host (both proxies run on the
/// same machines), while and as much as the POP's errors last: the load follows the bad spells,
/// ramps, flapping and fade included. Drawn after the faults, so those are the same as without
/// it.
fn debugging_load(pops: &[Pop], plan: &mut Plan, rng: &mut ChaCha8Rng) {
    let mut candidates: Vec<usize> = plan
        .pops
        .iter()
        .zip(pops)
        .enumerate()
        .filter(|(_, (pp, p))| pp.fault.is_some() && p.peak_per_minute >= BUSY_PER_MINUTE)
        .map(|(i, _)| i)
        .collect();
    for _ in 0..rng.random_range(3..=6) {
        if candidates.is_empty() {
            break;
        }
        let i = candidates.swap_remove(rng.random_range(0..candidates.len()));
        if let Some(pp) = plan.pops.get_mut(i) {
            let spells = pp.fault.as_ref().map(|f| f.spells.clone()).unwrap_or_default();
            pp.slow = Some((spells, rng.random_range(150..=400)));
        }
    }
}

/// The hosts of these zones, and those of the others (indices into [`HOSTS`]).
fn split_zones(zones: &[&str]) -> (Vec<usize>, Vec<usize>) {
    (0..HOSTS.len()).partition(|&i| HOSTS.get(i).is_some_and(|h| zones.contains(&h.zone)))
}

/// One region's edge fails with 502/504 for about 40 minutes; no flapping.
fn regional(pops: &[Pop], rng: &mut ChaCha8Rng) -> Plan {
    const DAY: Date = Date { year: 2025, month: 9, day: 9 };
    const REGION: &str = "Europe";
    const EPICENTER: &str = "AMS";
    let mut plan = Plan::new(DAY, 12, 16, pops);
    plan.incidents.push(IncidentPlan {
        attribution: Attribution::Edge,
        scope: Scope::Regional,
        host: None,
        span: None,
        pattern: Pattern::Propagating,
        cohort: None,
    });
    let t0 = DAY.at(13, 10, 0);
    for (p, pp) in pops.iter().zip(plan.pops.iter_mut()) {
        if p.region != REGION {
            continue;
        }
        let onset = if p.code == EPICENTER { t0 } else { t0 + rng.random_range(20..=180) };
        let end = onset + rng.random_range(2280..=2640);
        let spell = Spell { start: onset, end, ramp: rng.random_range(60..=120), fade: rng.random_range(60..=120) };
        pp.fault = Some(EdgeFault {
            incident: 0,
            spells: vec![spell],
            severity: rng.random_range(0.35..0.75),
            retry: rng.random_range(1.2..1.6),
            codes: REGIONAL_CODES,
            period: None,
            hosts: Vec::new(),
        });
    }
    plan
}

/// The edge is healthy; the origins are not: api answers 503 for 30 minutes, later chat is
/// unreachable (521/522) for 20.
fn origin(pops: &[Pop], rng: &mut ChaCha8Rng) -> Plan {
    const DAY: Date = Date { year: 2025, month: 10, day: 21 };
    let mut plan = Plan::new(DAY, 6, 11, pops);
    let faults = [
        ("api.example.com", DAY.at(7, 40, 0), DAY.at(8, 10, 0), OriginFailure::Http, ORIGIN_503, 20, 30),
        ("chat.example.com", DAY.at(9, 25, 0), DAY.at(9, 45, 0), OriginFailure::Unreachable, CF_52X, 10, 20),
    ];
    for (name, start, end, failure, codes, ramp, fade) in faults {
        let Some(host) = world::host_index(name) else {
            continue;
        };
        plan.incidents.push(IncidentPlan {
            attribution: Attribution::Origin,
            scope: Scope::Global,
            host: Some(host),
            span: Some((start, end)),
            pattern: Pattern::Simultaneous,
            cohort: None,
        });
        plan.host_faults.push(HostFault {
            host,
            spell: Spell { start, end, ramp, fade },
            share: rng.random_range(0.6..0.85),
            failure,
            codes,
        });
    }
    plan
}

/// A bad configuration reaching a fraction of the machines: at 12 POPs of widely different
/// volume (six busy, six of a few requests a minute), 2–6 % of requests fail with edge 500/502
/// for about three hours, onsets within four minutes of each other, recoveries staggered over
/// ten; the noisy POP keeps its steady 3 % beside them.
fn partial(pops: &[Pop], rng: &mut ChaCha8Rng) -> Plan {
    const DAY: Date = Date { year: 2025, month: 6, day: 12 };
    const BUSY: usize = 6;
    const QUIET: usize = 6;
    let mut plan = Plan::new(DAY, 8, 17, pops);
    plan.incidents.push(IncidentPlan {
        attribution: Attribution::Edge,
        scope: Scope::Global,
        host: None,
        span: None,
        pattern: Pattern::Propagating,
        cohort: None,
    });
    let eligible = |p: &Pop, busy: bool| p.code != world::NOISY_POP && (p.peak_per_minute >= 30.0) == busy;
    let mut chosen = Vec::new();
    for (busy, n) in [(true, BUSY), (false, QUIET)] {
        let mut candidates: Vec<usize> = pops
            .iter()
            .enumerate()
            .filter(|(_, p)| eligible(p, busy) && p.peak_per_minute >= 4.0)
            .map(|(i, _)| i)
            .collect();
        for _ in 0..n {
            if candidates.is_empty() {
                break;
            }
            chosen.push(candidates.swap_remove(rng.random_range(0..candidates.len())));
        }
    }
    chosen.sort_unstable();
    let t0 = DAY.at(10, 0, 0);
    let fix = DAY.at(13, 0, 0);
    // One POP takes the bad configuration first; the others within four minutes.
    let first = chosen.get(rng.random_range(0..chosen.len().max(1))).copied();
    let mut regions = std::collections::BTreeSet::new();
    for &i in &chosen {
        let onset = if Some(i) == first { t0 } else { t0 + rng.random_range(20..=240) };
        let recovery = fix + rng.random_range(0..=600);
        let spell =
            Spell { start: onset, end: recovery, ramp: rng.random_range(0..=60), fade: rng.random_range(30..=120) };
        if let Some(p) = pops.get(i) {
            regions.insert(p.region);
        }
        if let Some(pp) = plan.pops.get_mut(i) {
            pp.fault = Some(EdgeFault {
                incident: 0,
                spells: vec![spell],
                severity: rng.random_range(0.02..0.06),
                retry: 1.0,
                codes: PARTIAL_CODES,
                period: None,
                hosts: Vec::new(),
            });
        }
    }
    if let Some(inc) = plan.incidents.first_mut() {
        inc.scope = match regions.len() {
            0 | 1 => Scope::Regional,
            _ => Scope::Global,
        };
    }
    plan
}

/// One global configuration push (after the 2025-12-05 outage): at 08:47 every POP but those of
/// one untouched region picks up the bad configuration within 45 s (a ramp of a few seconds),
/// and from then on every request for two hosts (`www`, `api`) gets an edge 500. One global
/// revert 25 minutes later: every POP recovers within 45 s of it.
fn push(pops: &[Pop], rng: &mut ChaCha8Rng) -> Plan {
    const DAY: Date = Date { year: 2025, month: 12, day: 5 };
    const UNTOUCHED: &str = "Oceania";
    const COHORT: [&str; 2] = ["www.example.com", "api.example.com"];
    let mut plan = Plan::new(DAY, 6, 11, pops);
    plan.incidents.push(IncidentPlan {
        attribution: Attribution::Edge,
        scope: Scope::Global,
        host: None,
        span: None,
        pattern: Pattern::Simultaneous,
        cohort: None,
    });
    let t = DAY.at(8, 47, 0);
    let revert = t + 25 * 60;
    let hosts: Vec<usize> = COHORT.iter().filter_map(|h| world::host_index(h)).collect();
    for (p, pp) in pops.iter().zip(plan.pops.iter_mut()) {
        if p.region == UNTOUCHED {
            continue;
        }
        let onset = t + rng.random_range(0..=45);
        let recovery = revert + rng.random_range(0..=45);
        let spell = Spell { start: onset, end: recovery, ramp: rng.random_range(0..=5), fade: rng.random_range(0..=5) };
        pp.fault = Some(EdgeFault {
            incident: 0,
            spells: vec![spell],
            severity: 1.0,
            retry: rng.random_range(1.1..1.4),
            codes: PUSH_CODES,
            period: None,
            hosts: hosts.clone(),
        });
    }
    plan
}

/// The 2025-12-05 shape: a configuration pushed to the whole fleet within seconds at 08:47 makes
/// every request for two zones (`example.net`, `example.org`: a quarter of the traffic) fail
/// with an edge 500 for 25 minutes, at every POP but those of one region drawn at random, while
/// `GET /cdn-cgi/trace` (answered by the edge itself, about 1 % of requests) keeps answering.
fn dec5(pops: &[Pop], rng: &mut ChaCha8Rng) -> Plan {
    const DAY: Date = Date { year: 2025, month: 12, day: 5 };
    const ZONES: [&str; 2] = ["example.net", "example.org"];
    let mut plan = Plan::new(DAY, 7, 11, pops);
    plan.trace_share = 0.01;
    let mut regions: Vec<&str> = pops.iter().map(|p| p.region).collect();
    regions.sort_unstable();
    regions.dedup();
    let untouched = regions.get(rng.random_range(0..regions.len().max(1))).copied().unwrap_or("");
    plan.incidents.push(IncidentPlan {
        attribution: Attribution::Edge,
        scope: Scope::Global,
        host: None,
        span: None,
        pattern: Pattern::Simultaneous,
        cohort: Some(("zone", ZONES.to_vec())),
    });
    let t = DAY.at(8, 47, 0) + rng.random_range(0..=600);
    let revert = t + 25 * 60;
    let hosts: Vec<usize> =
        (0..HOSTS.len()).filter(|&i| HOSTS.get(i).is_some_and(|h| ZONES.contains(&h.zone))).collect();
    for (p, pp) in pops.iter().zip(plan.pops.iter_mut()) {
        if p.region == untouched {
            continue;
        }
        let onset = t + rng.random_range(0..=20);
        let recovery = revert + rng.random_range(0..=20);
        let spell = Spell { start: onset, end: recovery, ramp: rng.random_range(0..=3), fade: rng.random_range(0..=3) };
        pp.fault = Some(EdgeFault {
            incident: 0,
            spells: vec![spell],
            severity: 1.0,
            retry: rng.random_range(1.1..1.3),
            codes: PUSH_CODES,
            period: None,
            hosts: hosts.clone(),
        });
    }
    plan
}

/// A normal day: baseline noise, the noisy POP, and three one-minute blips.
fn quiet(pops: &[Pop], rng: &mut ChaCha8Rng) -> Plan {
    const DAY: Date = Date { year: 2025, month: 7, day: 1 };
    let mut plan = Plan::new(DAY, 8, 14, pops);
    let minutes = (plan.end - plan.start) / 60;
    // Busy POPs, so that a blip is visible rather than lost in the noise.
    let mut candidates: Vec<usize> = pops
        .iter()
        .enumerate()
        .filter(|(_, p)| p.peak_per_minute >= 40.0 && p.code != world::NOISY_POP)
        .map(|(i, _)| i)
        .collect();
    for _ in 0..3 {
        if candidates.is_empty() {
            break;
        }
        let i = candidates.swap_remove(rng.random_range(0..candidates.len()));
        let start = plan.start + 60 * rng.random_range(10..minutes - 10);
        let blip = Blip { start, end: start + 60, share: rng.random_range(0.1..0.2) };
        if let Some(pp) = plan.pops.get_mut(i) {
            pp.blips.push(blip);
        }
    }
    plan
}

/// Edge statuses of blips.
pub(super) const fn blip_codes() -> Codes {
    BLIP_CODES
}

/// Every host's name, sorted.
pub(super) fn all_hosts() -> Vec<String> {
    let mut h: Vec<String> = HOSTS.iter().map(|h| h.name.to_owned()).collect();
    h.sort();
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn nov18_flaps_then_holds_then_recovers_in_stages() {
        let pops = world::pops();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let plan = nov18(&pops, &mut rng);
        let faults: Vec<&EdgeFault> = plan.pops.iter().filter_map(|p| p.fault.as_ref()).collect();
        assert_eq!(faults.len(), pops.len() - 3);
        let day = Date { year: 2025, month: 11, day: 18 };
        assert_eq!(faults.iter().filter_map(|f| f.onset()).min(), Some(day.at(11, 20, 0)));
        assert_eq!(faults.iter().filter_map(|f| f.recovery()).max(), Some(day.at(17, 6, 0)));
        let spread = faults.iter().filter_map(|f| f.onset()).max().unwrap() - day.at(11, 20, 0);
        assert!((20 * 60..=40 * 60).contains(&spread), "{spread}");
        for f in &faults {
            assert!(f.spells.len() > 10);
            assert!(f.spells.windows(2).all(|w| w[0].end < w[1].start), "{:?}", f.spells);
        }
    }
}
