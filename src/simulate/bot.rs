//! The bot-score scenario (after 2025-11-18, as the old proxy FL saw it): no 5xx at all, but
//! every request at some POPs gets a bot score of 0, and the sites' rules that block or challenge
//! low scores block real users; meanwhile a few other POPs slow down because debugging systems
//! eat their CPU, and one or two others lose the bot-score model for an hour or two (their
//! requests are scored by heuristics instead: the scores are not 0, the mix of sources shifts).
//!
//! The security fields (bot score and its source, the action, rule and sources, the client's
//! round-trip time) are drawn by [`Security`] from their own random stream after the traffic is
//! drawn, and only for a plan that asks for them: every other scenario writes the same bytes as
//! before.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::clock::{self, Date, NS};
use super::plan::{self, Plan, Spell};
use super::record::{Request, SecurityFields};
use super::world::{self, Pop, HOSTS};
use crate::vocab::signals::{SignalIncident, SignalKind, SignalPop};
use crate::vocab::timeline::{Pattern, Scope};

/// Share of healthy traffic that is never scored (score 0, `Not Computed`).
const UNSCORED: f64 = 0.02;
/// The source of a score that was not computed.
const NOT_COMPUTED: &str = crate::vocab::signals::BOT_NOT_COMPUTED;
/// Healthy traffic scored by other engines than the model: (share, `BotScoreSrc`, lowest and
/// highest score). Heuristics give 1; a verified bot is allowed by the rules.
const SOURCES: [(f64, &str, u8, u8); 4] = [
    (0.05, "Heuristics", 1, 1),
    (0.02, "Verified Bot", 1, 29),
    (0.02, "JS Fingerprinting", 1, 29),
    (0.01, "Behavioral Analysis", 1, 29),
];
/// Scores below this are blocked (the API) or challenged (the websites).
const BLOCK_BELOW: u8 = 30;

/// The plan: FL-style POPs with a bot-score fault, others with an edge slowdown.
pub(super) fn plan(pops: &[Pop], rng: &mut ChaCha8Rng) -> Plan {
    const DAY: Date = Date { year: 2025, month: 11, day: 18 };
    let mut plan = plan::empty(DAY, 10, 16, pops);
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
            pp.bot = vec![spell];
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
            pp.slow = Some((vec![spell], rng.random_range(150..=400)));
        }
    }
    // One or two other POPs lose the model for an hour or two: scores from heuristics instead.
    for _ in 0..rng.random_range(1..=2) {
        if candidates.is_empty() {
            break;
        }
        let i = candidates.swap_remove(rng.random_range(0..candidates.len()));
        let start = DAY.at(12, 0, 0) + rng.random_range(0..=3600);
        let spell = Spell {
            start,
            end: start + rng.random_range(3600..=7200),
            ramp: rng.random_range(30..=120),
            fade: rng.random_range(30..=120),
        };
        if let Some(pp) = plan.pops.get_mut(i) {
            pp.model_down = Some(spell);
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
            let old_proxy = plan.bot_hosts.is_empty() || plan.bot_hosts.contains(&r.host);
            let missing = match pp {
                Some(p) if old_proxy => plan::level(&p.bot, t),
                _ => 0.0,
            };
            let rng = &mut self.rng;
            let (score, mut src) = if rng.random::<f64>() < missing { (0, NOT_COMPUTED) } else { healthy(rng) };
            let down = pp.and_then(|p| p.model_down).map_or(0.0, |s| plan::level(std::slice::from_ref(&s), t));
            if src == "Machine Learning" && down > 0.0 && rng.random::<f64>() < down {
                src = "Heuristics";
            }
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
            if let Some((spells, extra)) = pp.and_then(|p| p.slow.as_ref()) {
                let level = plan::level(spells, t);
                if level > 0.0 {
                    let add = (f64::from(*extra) * level * rng.random_range(0.5..1.5)) as u32;
                    r.ttfb_ms = r.ttfb_ms.saturating_add(add);
                    r.end_ns += i64::from(add) * 1_000_000;
                }
            }
            r.security = Some(f);
        }
    }
}

/// A healthy request's score and source: most are scored by the machine-learning model (a few
/// of them as likely automated), some by heuristics (a score of 1), JavaScript detections or
/// behavioural analysis; verified bots are allowed; a few are never scored.
fn healthy(rng: &mut ChaCha8Rng) -> (u8, &'static str) {
    let u = rng.random::<f64>();
    let mut edge = UNSCORED;
    if u < edge {
        return (0, NOT_COMPUTED);
    }
    for (share, src, lo, hi) in SOURCES {
        edge += share;
        if u < edge {
            return (rng.random_range(lo..=hi), src);
        }
    }
    // The model scores most requests as human, a few as likely automated.
    if rng.random::<f64>() < 0.03 {
        (rng.random_range(2..BLOCK_BELOW), "Machine Learning")
    } else {
        (rng.random_range(BLOCK_BELOW..=99), "Machine Learning")
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

/// The truth of the signals: one bot-score incident over the POPs with a bot-score fault, one
/// latency incident over the slow POPs and one source-shift incident over the POPs that lost
/// the model (each absent when the plan has none).
pub(super) fn truth(pops: &[Pop], plan: &Plan) -> Vec<SignalIncident> {
    // A POP's spells of one kind, from the first onset to the last recovery.
    let whole =
        |spells: &[Spell]| Some(Spell { end: spells.last()?.end, fade: spells.last()?.fade, ..*spells.first()? });
    let bot: Vec<(String, Spell)> =
        plan.pops.iter().zip(pops).filter_map(|(pp, p)| Some((p.code.to_owned(), whole(&pp.bot)?))).collect();
    let slow: Vec<(String, Spell)> = plan
        .pops
        .iter()
        .zip(pops)
        .filter_map(|(pp, p)| Some((p.code.to_owned(), whole(&pp.slow.as_ref()?.0)?)))
        .collect();
    let down: Vec<(String, Spell)> =
        plan.pops.iter().zip(pops).filter_map(|(pp, p)| pp.model_down.map(|s| (p.code.to_owned(), s))).collect();
    let mut out = Vec::new();
    for (kind, id, spells) in [
        (SignalKind::BotScoreMissing, "B1", bot),
        (SignalKind::EdgeLatency, "L1", slow),
        (SignalKind::BotSourceShift, "S1", down),
    ] {
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
            let (a, b) = (clock::at(s.start), clock::at(s.end));
            SignalPop {
                pop: c.clone(),
                onset: a,
                onset_interval: [a, a],
                recovery: b,
                recovery_interval: [b, b],
                confidence: 1.0,
                ..SignalPop::default()
            }
        })
        .collect();
    SignalIncident {
        id: id.to_owned(),
        kind,
        summary: format!("simulated: {}", kind.describe()),
        onset: Some(clock::at(onset)),
        recovery: Some(clock::at(recovery)),
        scope,
        onset_pattern: pattern,
        onset_spread_seconds: spread,
        epicenter: spells.iter().filter(|(_, s)| s.start == onset).map(|(c, _)| c.clone()).collect(),
        pops: rows,
        ..SignalIncident::default()
    }
}
