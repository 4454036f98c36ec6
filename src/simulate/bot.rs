//! The bot-score scenario (after 2025-11-18, as the old proxy FL saw it): no 5xx at all, but
//! every request at some POPs gets a bot score of 0, and the sites' rules that block or challenge
//! low scores block real users; meanwhile a few other POPs slow down because debugging systems
//! eat their CPU.
//!
//! The security fields (bot score and its source, the action, rule and sources, the client's
//! round-trip time) are drawn by [`Security`] from their own random stream after the traffic is
//! drawn, and only for a plan that asks for them: every other scenario writes the same bytes as
//! before.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::clock::{self, Date, NS};
use super::record::{Request, SecurityFields};
use super::scenario::{self, Plan, Spell};
use super::world::{self, Pop, HOSTS};
use crate::vocab::signals::{SignalIncident, SignalKind, SignalPop};
use crate::vocab::timeline::{Pattern, Scope};

/// Share of healthy traffic that is never scored (score 0, `Not Computed`).
const UNSCORED: f64 = 0.02;
/// Share of healthy traffic scored as likely automated (1–29).
const BOTS: f64 = 0.06;
/// Share of healthy traffic that is a verified bot (allowed by the rules).
const VERIFIED: f64 = 0.02;
/// Scores below this are blocked (the API) or challenged (the websites).
const BLOCK_BELOW: u8 = 30;

/// The plan: FL-style POPs with a bot-score fault, others with an edge slowdown.
pub(super) fn plan(pops: &[Pop], rng: &mut ChaCha8Rng) -> Plan {
    const DAY: Date = Date { year: 2025, month: 11, day: 18 };
    let mut plan = scenario::empty(DAY, 10, 16, pops);
    plan.security = true;
    let mut candidates: Vec<usize> = pops
        .iter()
        .enumerate()
        .filter(|(_, p)| p.peak_per_minute >= 20.0 && p.code != world::NOISY_POP)
        .map(|(i, _)| i)
        .collect();
    let t0 = DAY.at(11, 20, 0);
    let fix = DAY.at(14, 30, 0);
    let n_bot = rng.random_range(5..=9);
    for _ in 0..n_bot {
        if candidates.is_empty() {
            break;
        }
        let i = candidates.swap_remove(rng.random_range(0..candidates.len()));
        let start = t0 + rng.random_range(30..=600);
        let spell = Spell {
            start,
            end: fix + rng.random_range(0..=1200),
            ramp: rng.random_range(60..=180),
            fade: rng.random_range(60..=180),
        };
        if let Some(pp) = plan.pops.get_mut(i) {
            pp.bot = Some(spell);
        }
    }
    let slow_from = DAY.at(11, 40, 0);
    for _ in 0..rng.random_range(2..=4) {
        if candidates.is_empty() {
            break;
        }
        let i = candidates.swap_remove(rng.random_range(0..candidates.len()));
        let start = slow_from + rng.random_range(0..=900);
        let spell = Spell {
            start,
            end: start + rng.random_range(3600..=7200),
            ramp: rng.random_range(60..=240),
            fade: rng.random_range(60..=240),
        };
        if let Some(pp) = plan.pops.get_mut(i) {
            pp.slow = Some((spell, rng.random_range(150..=400)));
        }
    }
    plan
}

/// Draws the security fields of requests.
pub(super) struct Security {
    rng: ChaCha8Rng,
}

impl Security {
    pub fn new(rng: ChaCha8Rng) -> Self {
        Security { rng }
    }

    /// Gives each request its bot score, the rules' decision and its round-trip time, and adds
    /// the slow POPs' delay to its time to first byte.
    pub fn apply(&mut self, plan: &Plan, requests: &mut [Request]) {
        if !plan.security {
            return;
        }
        for r in requests {
            let t = r.start_ns as f64 / NS as f64;
            let pp = plan.pops.get(r.pop);
            let missing = pp.and_then(|p| p.bot).map_or(0.0, |s| scenario::level(std::slice::from_ref(&s), t));
            let rng = &mut self.rng;
            let (score, src) = if rng.random::<f64>() < missing {
                (0, "Not Computed")
            } else {
                match rng.random::<f64>() {
                    u if u < UNSCORED => (0, "Not Computed"),
                    u if u < UNSCORED + BOTS => (rng.random_range(1..BLOCK_BELOW), "Heuristics"),
                    u if u < UNSCORED + BOTS + VERIFIED => (rng.random_range(1..BLOCK_BELOW), "Verified Bot"),
                    _ => (rng.random_range(BLOCK_BELOW..=99), "Machine Learning"),
                }
            };
            let website = HOSTS.get(r.host).is_some_and(|h| h.name.starts_with("www."));
            let mut f = SecurityFields {
                bot_score: score,
                bot_src: src,
                rtt_ms: rng.random_range(4..=90),
                ..Default::default()
            };
            // A 5xx or a rate limit is decided before the rules run.
            let decided = r.edge_status >= 500 || r.edge_status == 429;
            if score < BLOCK_BELOW && src != "Verified Bot" && !decided {
                f.action = if website { "managedChallenge" } else { "block" };
                f.rule = "a1b2c3d4";
                f.sources = "firewallCustom";
                block(r, rng);
            }
            if let Some((spell, extra)) = pp.and_then(|p| p.slow) {
                let level = scenario::level(std::slice::from_ref(&spell), t);
                if level > 0.0 {
                    let add = (f64::from(extra) * level * rng.random_range(0.5..1.5)) as u32;
                    r.ttfb_ms = r.ttfb_ms.saturating_add(add);
                    r.end_ns += i64::from(add) * 1_000_000;
                }
            }
            r.security = Some(f);
        }
    }
}

/// The request answered by the rule instead of the site: a 403 (block) or a challenge page.
fn block(r: &mut Request, rng: &mut ChaCha8Rng) {
    r.edge_status = 403;
    r.origin_status = 0;
    r.origin_ms = 0;
    r.origin_ip = "";
    r.cache = "unknown";
    r.ttfb_ms = rng.random_range(0..=3);
    r.bytes = rng.random_range(1_500..=6_000);
    r.content_type = "text/html";
    r.end_ns = r.start_ns + i64::from(r.ttfb_ms) * 1_000_000 + rng.random_range(0..2_000_000);
}

/// The truth of the signals: one bot-score incident over the POPs with a bot-score fault and
/// one latency incident over the slow POPs (each absent when the plan has none).
pub(super) fn truth(pops: &[Pop], plan: &Plan) -> Vec<SignalIncident> {
    let bot: Vec<(String, Spell)> =
        plan.pops.iter().zip(pops).filter_map(|(pp, p)| pp.bot.map(|s| (p.code.to_owned(), s))).collect();
    let slow: Vec<(String, Spell)> =
        plan.pops.iter().zip(pops).filter_map(|(pp, p)| pp.slow.map(|(s, _)| (p.code.to_owned(), s))).collect();
    let mut out = Vec::new();
    for (kind, id, spells) in [(SignalKind::BotScoreMissing, "B1", bot), (SignalKind::EdgeLatency, "L1", slow)] {
        if spells.is_empty() {
            continue;
        }
        out.push(incident(kind, id, spells));
    }
    out
}

/// How the planned onsets lie: simultaneous within a minute, else propagating; and their spread,
/// seconds (the simulator's own statement of what it did, not the analysis's reading).
fn planned_pattern(spells: &[(String, Spell)]) -> (Pattern, Option<f64>) {
    if spells.len() < 2 {
        return (Pattern::Single, None);
    }
    let first = spells.iter().map(|(_, s)| s.start).min().unwrap_or(0);
    let last = spells.iter().map(|(_, s)| s.start).max().unwrap_or(0);
    let spread = (last - first) as f64;
    (if spread <= 60.0 { Pattern::Simultaneous } else { Pattern::Propagating }, Some(spread))
}

/// Global across two regions or more, regional for several POPs of one, local for one.
fn planned_scope(codes: &[String]) -> Scope {
    let regions: std::collections::BTreeSet<&str> = codes.iter().map(|c| crate::geo::region(c)).collect();
    if regions.len() >= 2 {
        Scope::Global
    } else if codes.len() >= 2 {
        Scope::Regional
    } else {
        Scope::Local
    }
}

fn incident(kind: SignalKind, id: &str, mut spells: Vec<(String, Spell)>) -> SignalIncident {
    spells.sort_by(|a, b| a.0.cmp(&b.0));
    let onset = spells.iter().map(|(_, s)| s.start).min().unwrap_or(0);
    let recovery = spells.iter().map(|(_, s)| s.end).max().unwrap_or(0);
    let codes: Vec<String> = spells.iter().map(|(c, _)| c.clone()).collect();
    let (pattern, spread) = planned_pattern(&spells);
    let scope = planned_scope(&codes);
    let rows = spells
        .iter()
        .map(|(c, s)| {
            let (a, b) = (clock::rfc3339(s.start), clock::rfc3339(s.end));
            SignalPop {
                pop: c.clone(),
                onset: a.clone(),
                onset_interval: [a.clone(), a],
                recovery: b.clone(),
                recovery_interval: [b.clone(), b],
                confidence: 1.0,
                ..SignalPop::default()
            }
        })
        .collect();
    SignalIncident {
        id: id.to_owned(),
        kind,
        summary: format!("simulated: {}", kind.describe()),
        onset: Some(clock::rfc3339(onset)),
        recovery: Some(clock::rfc3339(recovery)),
        scope,
        onset_pattern: pattern,
        onset_spread_seconds: spread,
        epicenter: spells.iter().filter(|(_, s)| s.start == onset).map(|(c, _)| c.clone()).collect(),
        pops: rows,
        ..SignalIncident::default()
    }
}
