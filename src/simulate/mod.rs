//! Scenario simulator: writes a Cloudflare Logpush bucket (`http_requests` NDJSON, gzip, one
//! file per minute) for a scripted incident, plus the ground truth the analyzer should find.
//!
//! ```no_run
//! use blastradius::simulate::{simulate, Scenario, SimOptions};
//! let opts = SimOptions { scenario: Scenario::Nov18, seed: 1, scale: 0.1 };
//! let truth = simulate(&opts, std::path::Path::new("/tmp/nov18"))?;
//! println!("{} incidents, {} lines", truth.incidents.len(), truth.input.lines);
//! # Ok::<(), blastradius::Error>(())
//! ```
//!
//! # The model
//!
//! **Output.** `out/logs/YYYYMMDD/<start>_<end>_<hash>.log.gz`, one file per one-minute
//! delivery batch with every POP mixed in, and `out/truth.json`, the [`Timeline`] a perfect
//! analyzer would produce. Same scenario, seed and scale ⇒ byte-identical files: all randomness
//! comes from `ChaCha8` streams seeded by `seed` (one stream for the plan, one for traffic, one
//! for delivery), gzip runs at a fixed level, nothing is iterated out of a hash map and no clock
//! is read.
//!
//! **POPs and volume.** 24 real POPs (IATA codes from [`crate::geo`]) across Europe, North
//! America, Asia, Latin America, Oceania, the Middle East and Africa, peaking between 2 and 155
//! requests per minute at scale 1 (up to three times that in a retry storm). Each POP follows
//! a daily curve, a sinusoid by local hour (from its longitude) peaking at 15:00 and bottoming
//! at a tenth of that at 03:00. Requests are drawn per 10-second slice as a Poisson count, so
//! volumes are noisy. `scale` multiplies every rate: at 1.0 the Nov18 scenario writes about
//! 450k lines; at 0.1 a tenth of that.
//!
//! **Requests.** Six hosts in three zones (`www`, `api`, `chat`, `auth`.example.com,
//! `cdn.example.net`, `status.example.org`), each with its own routes, content types, sizes,
//! cacheability, origin address and latency; clients from the POP's region (lowercase
//! `ClientCountry` as Logpush writes it), browser or app user agents, HTTP/1.1, 2 and 3. A
//! cache hit has `OriginResponseStatus` 0 and no `OriginIP`, as in real logs. 21 fields per line.
//!
//! **Baseline.** Everywhere and always: background origin 5xx on 0.5% of uncached requests,
//! about 0.3% of all (origin status = edge status = 500/502/503), 1.5% 404, 0.1% 429, some 304
//! and 301. One **noisy but healthy POP** (`BOM`) serves a steady 3% of edge 502s all day; it
//! is never an incident.
//!
//! **Faults.** An edge fault at a POP is a list of bad spells. A spell's failing share ramps up
//! linearly (machines picking up a bad configuration over 2–4 minutes), holds, and fades out at
//! the end (1–3 minutes); the share at full badness (the severity) varies per POP. While a POP
//! is bad, clients retry: its request rate is multiplied by up to 1.2–3×. Failures are generated
//! by the edge: `OriginResponseStatus` 0, `CacheCacheStatus` `unknown`. **Flapping** is a train
//! of spells: a cycle of 300 s anchored at the end of the POP's onset ramp, bad for about half
//! of it, each edge jittered by ±20 s. Origin faults hit one host at every POP, and only
//! requests that reach the origin (not cache hits).
//!
//! **Delivery quirks** (module `delivery`): one timestamp encoding per file (RFC 3339, RFC 3339
//! with milliseconds, unix seconds, unix nanoseconds), lines shuffled within a file, 1% of
//! requests one batch late, 0.2% of lines written twice (byte-identical), 0.05% of lines cut in
//! the middle.
//!
//! # Scenarios
//!
//! - [`Scenario::Nov18`] (2025-11-18, 10:00–19:00 UTC), after Cloudflare's outage of that day:
//!   a global edge incident starting 11:20:00 at `FRA` and reaching region after region over
//!   about half an hour (Europe, North America, Asia, Latin America, Middle East, Oceania,
//!   Africa). Edge 500s (85%) and 502s, 40–90% of requests in a bad phase. Every POP flaps with
//!   a 300 s period until 13:05, when the bad state holds. Europe and North America recover
//!   about 14:30; the rest between 16:30 and 17:06:00 (`JNB`, last). `SIN` and `GRU` seem to
//!   recover at 14:30 and fail again 12–20 minutes later. `BOM` (the noisy POP), `AKL` and
//!   `LOS` are never affected. Only the zone `example.com` fails (about three quarters of the
//!   traffic): `example.net` and `example.org` stand for the customers still on the old proxy,
//!   which got no error but no bot score either. In the same bad spells at the same POPs, every
//!   request of theirs gets `BotScore` 0 / `Not Computed`, and the rules that block (API) or
//!   challenge (websites) low scores act on them: the truth has a `bot_score_missing` signal
//!   beside the 5xx incident, and the incident names its cohort (`zone`: `example.com`). Every
//!   request carries `BotScore`, `BotScoreSrc` and the security fields ([`Scenario::Bot`]'s mix).
//!   The debugging and observability systems that enrich every uncaught error take CPU from the
//!   machines serving traffic: at three to six of the busy failing POPs (20 requests a minute
//!   or more at their peak) the edge adds 150–400 ms to the time to first byte of every host's
//!   requests in the POP's bad spells (the truth's `edge_latency` signal `L1`). Exercises onset,
//!   propagation order, flapping, staged recovery, retry storms, the noisy-POP false positive
//!   and two signals a 5xx timeline cannot see.
//! - [`Scenario::Regional`] (2025-09-09, 12:00–16:00): Europe's six POPs fail with edge 502/504
//!   from 13:10 (epicenter `AMS`, the others within 3 minutes) for 38–44 minutes, no flapping;
//!   other regions healthy. Exercises regional scope and the edge-502 signature.
//! - [`Scenario::Origin`] (2025-10-21, 06:00–11:00): the edge is healthy. `api.example.com`
//!   answers 503 at every POP 07:40–08:10 (origin status = edge status), then
//!   `chat.example.com` is unreachable (522/521, origin status 0) 09:25–09:45. Both are origin
//!   incidents: no POP is affected. Exercises attribution.
//! - [`Scenario::Quiet`] (2025-07-01, 08:00–14:00): a normal day with the baseline, the noisy
//!   POP and three one-minute blips (one POP each, 10–20% errors) that are not incidents.
//!   Exercises false positives.
//! - [`Scenario::Partial`] (2025-06-12, 08:00–17:00): a bad configuration reaching a fraction
//!   of the machines. Twelve POPs (six of 30–155 requests a minute, six of 4–26) return edge
//!   500/502 (origin status 0) on 2–6 % of requests from 10:00 (the others within 4 minutes,
//!   ramps under a minute) until 13:00–13:10, beside the noisy POP's steady 3 %. Exercises
//!   small effects at low volume and onset intervals.
//! - [`Scenario::Push`] (2025-12-05, 06:00–11:00): one global configuration push at 08:47:00.
//!   Every POP outside Oceania starts failing within 45 s of it (ramps of at most 5 s): every
//!   request for `www.example.com` and `api.example.com` gets an edge 500 (origin status 0).
//!   One global revert at 09:12:00: each POP recovers within 45 s. The truth's incident is
//!   `simultaneous`, with no epicenter. Exercises the onset pattern.
//! - [`Scenario::Dec5`] (2025-12-05, 07:00–11:00): the 5 Dec 2025 outage's shape. A global push
//!   between 08:47 and 08:57 (drawn) reaches every POP but those of one region (drawn) within
//!   20 s; from then on every request of the zones `example.net` and `example.org` (about a
//!   quarter of the traffic, 28 % with retries) gets an edge 500 (origin status 0) for 25
//!   minutes, while `GET /cdn-cgi/trace` (about 1 % of every zone's requests, answered by the
//!   edge) keeps answering 200. The truth's incident names the cohort (`cohorts.headline`:
//!   dimension `zone`, values `example.net`, `example.org`). Exercises cohorts and the onset
//!   pattern of a global change.
//!
//! # The truth
//!
//! `input` counts what was written (lines include duplicates and cut lines; a cut line is
//! rejected and its request lost). An incident's onset and recovery are the instants the bad
//! state began at the first POP (start of its ramp) and ended at the last (end of its fade). For
//! an origin incident every POP saw it at once, so all are listed as its epicenter. An edge
//! incident's `onset_pattern` is `simultaneous` for a push (its epicenter then empty),
//! `propagating` otherwise (`single` for one POP). A POP is
//! `affected` only by an edge incident; its `flapping.transitions` counts the changes between
//! failing and healthy strictly inside its incident (the onset and the final recovery are not
//! counted), with `period_seconds` 300 when it flapped. `peak` is the minute with the highest
//! edge 5xx rate during the incident, `dominant_signature` the most frequent error signature
//! during it (over the whole window for unaffected POPs). An incident's `flapping` is the most
//! transitions at one of its POPs and the median period; its `evidence` counts the events
//! written in its window at its POPs (edge) or for its host (origin). `regions` is left empty.

mod bot;
pub mod captures;
mod clock;
mod delivery;
mod plan;
mod record;
mod scenario;
mod traffic;
mod truth;
mod world;

use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::vocab::timeline::Timeline;
use crate::{Error, Result};

/// A scripted day of logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// A global edge incident modelled on 2025-11-18: staggered onsets, flapping, retries,
    /// staged recovery.
    Nov18,
    /// One region's edge failing with 502/504 for about 40 minutes.
    Regional,
    /// Healthy edge, failing origins: one host's 503s, later another's 52x.
    Origin,
    /// A normal day: only noise and blips.
    Quiet,
    /// A bad configuration on a fraction of the machines: 2–6 % of edge errors at a dozen POPs
    /// of widely different volume for about three hours.
    Partial,
    /// One global configuration push (2025-12-05 style): every POP but one region's fails
    /// within 45 s for 25 minutes, ended by one global revert.
    Push,
    /// The 2025-12-05 outage's shape: a global push makes every request of two zones fail at
    /// every POP but one region's for 25 minutes, while `/cdn-cgi/trace` keeps answering.
    Dec5,
    /// No 5xx at all (the old proxy on 2025-11-18): every request at five to nine POPs gets a
    /// bot score of 0 for about three hours and the sites' rules block or challenge them; two to
    /// four other POPs add 150–400 ms at the edge for one to two hours; one or two others lose
    /// the bot-score model for one to two hours (scored by heuristics instead).
    Bot,
}

impl Scenario {
    /// Every scenario.
    pub const ALL: [Scenario; 8] = [
        Scenario::Nov18,
        Scenario::Regional,
        Scenario::Origin,
        Scenario::Quiet,
        Scenario::Partial,
        Scenario::Push,
        Scenario::Dec5,
        Scenario::Bot,
    ];

    /// The scenario's name (`nov18`, `regional`, `origin`, `quiet`, `partial`, `push`, `dec5`).
    pub fn name(&self) -> &'static str {
        match self {
            Scenario::Nov18 => "nov18",
            Scenario::Regional => "regional",
            Scenario::Origin => "origin",
            Scenario::Quiet => "quiet",
            Scenario::Partial => "partial",
            Scenario::Push => "push",
            Scenario::Dec5 => "dec5",
            Scenario::Bot => "bot",
        }
    }

    /// Looks a scenario up by name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// The scenario.
    pub scenario: Scenario,
    /// The seed: the same seed gives the same bytes.
    pub seed: u64,
    /// Volume multiplier (1.0: about 450k lines for Nov18; 0.1 for quick runs).
    pub scale: f64,
}

/// Largest accepted scale (about 45M lines for Nov18).
const MAX_SCALE: f64 = 100.0;

/// RNG streams: independent, so that changing one part of the model leaves the others' draws.
const PLAN_STREAM: u64 = 1;
const TRAFFIC_STREAM: u64 = 2;
const DELIVERY_STREAM: u64 = 3;
const CAPTURE_STREAM: u64 = 4;
const SECURITY_STREAM: u64 = 5;

fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Writes Logpush bucket directories under `out` plus `out/truth.json`; returns the truth.
pub fn simulate(opts: &SimOptions, out: &Path) -> Result<Timeline> {
    Ok(run(opts, out, false)?.0)
}

/// [`simulate`], plus what users captured: HAR files and client logs under `out/captures/`
/// and their expected signatures in `out/captures_truth.json`. The edge logs are the same bytes
/// as without captures (the captures draw from their own random stream).
pub fn simulate_with_captures(opts: &SimOptions, out: &Path) -> Result<(Timeline, captures::CaptureTruth)> {
    let (t, c) = run(opts, out, true)?;
    Ok((t, c.unwrap_or(captures::CaptureTruth { clock_skew_s: Vec::new(), events: Vec::new() })))
}

fn run(opts: &SimOptions, out: &Path, with_captures: bool) -> Result<(Timeline, Option<captures::CaptureTruth>)> {
    if !(opts.scale.is_finite() && opts.scale > 0.0 && opts.scale <= MAX_SCALE) {
        return Err(Error::Invalid(format!("scale {} must be above 0 and at most {MAX_SCALE}", opts.scale)));
    }
    let pops = world::pops();
    let plan = scenario::plan(opts.scenario, &pops, &mut stream(opts.seed, PLAN_STREAM));
    let minutes = usize::try_from((plan.end - plan.start) / 60).unwrap_or(0);
    let mut traffic = traffic::Traffic::new(&pops, &plan, opts.scale, stream(opts.seed, TRAFFIC_STREAM));
    let mut delivery = delivery::Delivery::new(out.join("logs"), stream(opts.seed, DELIVERY_STREAM), minutes);
    let mut tally = truth::Tally::new(&plan);
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut fresh = Vec::new();
    let mut capture = with_captures.then(|| captures::Captures::new(stream(opts.seed, CAPTURE_STREAM)));
    let mut security = bot::Security::new(stream(opts.seed, SECURITY_STREAM));
    for (index, start) in (plan.start..plan.end).step_by(60).enumerate() {
        traffic.minute(start, &mut fresh);
        security.apply(&plan, &mut fresh);
        if let Some(c) = capture.as_mut() {
            c.minute(&fresh, &pops);
        }
        delivery.batch(index, start, fresh.drain(..), &pops, &mut tally)?;
    }
    let timeline = truth::build(&pops, &plan, &tally, delivery.written);
    let path = out.join("truth.json");
    let mut json = serde_json::to_string_pretty(&timeline)?;
    json.push('\n');
    std::fs::write(&path, json).map_err(|e| Error::io(&path, e))?;
    let captured = match capture {
        Some(c) => {
            let truth = c.write(&out.join("captures"))?;
            let path = out.join("captures_truth.json");
            let mut json = serde_json::to_string_pretty(&truth)?;
            json.push('\n');
            std::fs::write(&path, json).map_err(|e| Error::io(&path, e))?;
            Some(truth)
        }
        None => None,
    };
    Ok((timeline, captured))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::io::Read;
    use std::path::PathBuf;

    use super::*;
    use crate::vocab::timeline::{Attribution, Scope};

    fn run(scenario: Scenario, seed: u64, scale: f64) -> (tempfile::TempDir, Timeline) {
        let dir = tempfile::tempdir().unwrap();
        let truth = simulate(&SimOptions { scenario, seed, scale }, dir.path()).unwrap();
        (dir, truth)
    }

    /// Every file under `root`, relative path → bytes, in path order.
    fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        walkdir::WalkDir::new(root)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| (e.path().strip_prefix(root).unwrap().to_path_buf(), std::fs::read(e.path()).unwrap()))
            .collect()
    }

    fn gunzip(bytes: &[u8]) -> String {
        let mut s = String::new();
        flate2::read::GzDecoder::new(bytes).read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn names_round_trip() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::from_name(s.name()), Some(s));
        }
        assert_eq!(Scenario::from_name("NOV18"), Some(Scenario::Nov18));
        assert_eq!(Scenario::from_name("nope"), None);
    }

    #[test]
    fn bad_scales_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for scale in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e6] {
            let r = simulate(&SimOptions { scenario: Scenario::Quiet, seed: 1, scale }, dir.path());
            assert!(matches!(r, Err(Error::Invalid(_))), "{scale}");
        }
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let (a, ta) = run(Scenario::Nov18, 42, 0.03);
        let (b, tb) = run(Scenario::Nov18, 42, 0.03);
        let (c, _) = run(Scenario::Nov18, 43, 0.03);
        assert_eq!(ta, tb);
        let (fa, fb, fc) = (files(a.path()), files(b.path()), files(c.path()));
        assert!(fa.len() > 100);
        assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
        for (k, v) in &fa {
            assert!(fb.get(k) == Some(v), "{} differs", k.display());
        }
        assert_ne!(fa, fc);
    }

    #[test]
    fn truth_counts_what_was_written() {
        let (dir, truth) = run(Scenario::Nov18, 7, 0.05);
        let logs = files(&dir.path().join("logs"));
        let name = regex::Regex::new(r"^\d{8}/(\d{8}T\d{6}Z)_(\d{8}T\d{6}Z)_[0-9a-f]{8}\.log\.gz$").unwrap();
        let (mut lines, mut truncated, mut duplicates) = (0_u64, 0_u64, 0_u64);
        let mut seen = BTreeSet::new();
        for (path, bytes) in &logs {
            let p = path.to_string_lossy().replace('\\', "/");
            assert!(name.is_match(&p), "{p}");
            let text = gunzip(bytes);
            assert!(text.ends_with('\n'));
            for line in text.lines() {
                assert!(!line.trim().is_empty());
                lines += 1;
                if !line.ends_with('}') {
                    truncated += 1;
                    assert!(serde_json::from_str::<serde_json::Value>(line).is_err());
                    continue;
                }
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let ray = v["RayID"].as_str().unwrap().to_owned();
                assert_eq!(ray.len(), 16);
                if !seen.insert(ray) {
                    duplicates += 1;
                }
            }
        }
        assert_eq!(truth.input.files, logs.len() as u64);
        assert_eq!(truth.input.lines, lines);
        assert_eq!(truth.input.rejected, truncated);
        assert_eq!(truth.input.duplicates, duplicates);
        assert_eq!(truth.input.events, lines - truncated - duplicates);
        assert!(truncated > 0 && duplicates > 0, "{truncated} {duplicates}");
        assert_eq!(truth.pops.iter().map(|p| p.requests).sum::<u64>(), truth.input.events);
        let saved = std::fs::read_to_string(dir.path().join("truth.json")).unwrap();
        assert_eq!(saved, serde_json::to_string_pretty(&truth).unwrap() + "\n");
    }

    #[test]
    fn one_timestamp_encoding_per_file() {
        let (dir, _) = run(Scenario::Regional, 5, 0.05);
        let mut kinds_seen = BTreeSet::new();
        for bytes in files(&dir.path().join("logs")).values() {
            let mut kinds = BTreeSet::new();
            for line in gunzip(bytes).lines().filter(|l| l.ends_with('}')) {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                for key in ["EdgeStartTimestamp", "EdgeEndTimestamp"] {
                    let kind = match &v[key] {
                        serde_json::Value::String(s) if s.len() == 20 => "rfc3339",
                        serde_json::Value::String(s) if s.len() == 24 => "rfc3339ms",
                        serde_json::Value::Number(n) if n.as_u64().unwrap() < 10_000_000_000 => "unix",
                        serde_json::Value::Number(_) => "unixnano",
                        other => panic!("{other}"),
                    };
                    kinds.insert(kind);
                }
            }
            assert!(kinds.len() <= 1, "{kinds:?}");
            kinds_seen.extend(kinds);
        }
        assert_eq!(kinds_seen.len(), 4);
    }

    #[test]
    fn every_scenario_writes_files() {
        for s in Scenario::ALL {
            let (dir, truth) = run(s, 11, 0.02);
            assert!(truth.input.files > 0, "{}", s.name());
            assert!(dir.path().join("truth.json").is_file());
            assert_eq!(truth.pops.len(), world::POPS.len());
        }
    }

    #[test]
    fn quiet_has_no_incidents() {
        let (_, truth) = run(Scenario::Quiet, 1, 0.05);
        assert!(truth.incidents.is_empty());
        assert!(truth.propagation.is_empty());
        assert!(truth.pops.iter().all(|p| !p.affected && p.onset.is_none()));
        let noisy = truth.pops.iter().find(|p| p.pop == world::NOISY_POP).unwrap();
        assert_eq!(noisy.dominant_signature.as_deref(), Some("edge_502"));
    }

    #[test]
    fn nov18_truth_tells_the_story() {
        let (_, truth) = run(Scenario::Nov18, 1, 0.05);
        let [inc] = truth.incidents.as_slice() else { panic!("{:?}", truth.incidents) };
        assert_eq!(inc.id, "I1");
        assert_eq!(inc.attribution, Attribution::Edge);
        assert_eq!(inc.scope, Scope::Global);
        assert_eq!(inc.onset.map(|t| t.to_string()).as_deref(), Some("2025-11-18T11:20:00.000Z"));
        assert_eq!(inc.recovery.map(|t| t.to_string()).as_deref(), Some("2025-11-18T17:06:00.000Z"));
        assert_eq!(inc.epicenter, ["FRA"]);
        // The old proxy's zones lose their bot scores instead of failing.
        assert_eq!(inc.hosts.len(), 4);
        assert!(inc.hosts.iter().all(|h| h.ends_with(".example.com")), "{:?}", inc.hosts);
        assert_eq!(inc.pops.len(), 21);
        assert_eq!(inc.flapping.period_seconds, Some(300.0));
        assert!(inc.flapping.transitions >= 40);
        assert_eq!(inc.evidence.hosts_with_errors, 4);
        let [bot, slow] = truth.signals.as_slice() else { panic!("{:?}", truth.signals) };
        assert_eq!(bot.kind, crate::vocab::signals::SignalKind::BotScoreMissing);
        assert_eq!((bot.onset, bot.pops.len()), (inc.onset, 21));
        // The debugging systems' CPU: the edge slows at a few busy failing POPs, while they fail.
        assert_eq!((slow.id.as_str(), slow.kind), ("L1", crate::vocab::signals::SignalKind::EdgeLatency));
        assert!((3..=6).contains(&slow.pops.len()), "{slow:?}");
        for p in &slow.pops {
            let failing = inc.pops.contains(&p.pop);
            let b = bot.pops.iter().find(|b| b.pop == p.pop).unwrap();
            assert!(failing && (p.onset, p.recovery) == (b.onset, b.recovery), "{p:?}");
        }
        assert_eq!(inc.evidence.regions.len(), 7);
        let edge = inc.evidence.signatures["edge_500"] + inc.evidence.signatures["edge_502"];
        assert!(edge as f64 > 0.95 * inc.evidence.errors as f64, "{:?}", inc.evidence);
        for spared in ["BOM", "AKL", "LOS"] {
            let p = truth.pops.iter().find(|p| p.pop == spared).unwrap();
            assert!(!p.affected && p.recovery.is_none() && p.flapping.period_seconds.is_none());
        }
        let affected: Vec<_> = truth.pops.iter().filter(|p| p.affected).collect();
        assert_eq!(affected.len(), 21);
        for p in &affected {
            assert_eq!(p.flapping.period_seconds, Some(300.0), "{}", p.pop);
            assert!(p.flapping.transitions >= 20, "{}", p.pop);
            assert_eq!(p.dominant_signature.as_deref(), Some("edge_500"), "{}", p.pop);
        }
        assert_eq!(truth.propagation.len(), 21);
        assert_eq!(truth.propagation[0].pop, "FRA");
        assert!(truth.propagation[0].lag_seconds.abs() < f64::EPSILON);
        assert!(truth.propagation.windows(2).all(|w| w[0].lag_seconds <= w[1].lag_seconds));
        let spread = truth.propagation.last().unwrap().lag_seconds;
        assert!((1200.0..=2400.0).contains(&spread), "{spread}");
    }

    #[test]
    fn regional_and_origin_truths() {
        let (_, regional) = run(Scenario::Regional, 2, 0.05);
        let [inc] = regional.incidents.as_slice() else { panic!() };
        assert_eq!((inc.attribution, inc.scope), (Attribution::Edge, Scope::Regional));
        assert_eq!(inc.epicenter, ["AMS"]);
        assert!(regional.pops.iter().all(|p| p.affected == (p.region == "Europe")));
        assert!(regional
            .pops
            .iter()
            .filter(|p| p.affected)
            .all(|p| p.dominant_signature.as_deref() == Some("edge_502")));

        let (_, origin) = run(Scenario::Origin, 2, 0.05);
        assert_eq!(origin.incidents.len(), 2);
        assert!(origin
            .incidents
            .iter()
            .all(|i| i.attribution == Attribution::Origin && i.pops.len() == world::POPS.len()));
        assert_eq!(origin.incidents[0].hosts, ["api.example.com"]);
        assert_eq!(origin.incidents[1].hosts, ["chat.example.com"]);
        for (inc, sig) in origin.incidents.iter().zip(["origin_5xx", "cf_52x"]) {
            let ev = &inc.evidence;
            assert!(ev.signatures[sig] as f64 > 0.9 * ev.errors as f64, "{ev:?}");
            assert_eq!(ev.hosts_with_errors, 1);
            assert_eq!(inc.flapping, crate::vocab::timeline::Flapping::default());
        }
        assert!(origin.pops.iter().all(|p| !p.affected));
        assert!(origin.propagation.is_empty());
    }

    #[test]
    fn partial_and_push_truths() {
        use crate::vocab::timeline::Pattern;
        let (_, partial) = run(Scenario::Partial, 3, 0.05);
        let [inc] = partial.incidents.as_slice() else { panic!("{:?}", partial.incidents) };
        assert_eq!((inc.attribution, inc.onset_pattern), (Attribution::Edge, Pattern::Propagating));
        assert_eq!(inc.pops.len(), 12);
        assert_eq!(inc.epicenter.len(), 1);
        assert!(!partial.pops.iter().any(|p| p.affected && p.pop == world::NOISY_POP));
        let volumes: Vec<f64> =
            world::POPS.iter().filter(|p| inc.pops.iter().any(|c| c == p.code)).map(|p| p.peak_per_minute).collect();
        assert_eq!(volumes.iter().filter(|v| **v >= 30.0).count(), 6, "{volumes:?}");

        let (_, push) = run(Scenario::Push, 3, 0.05);
        let [inc] = push.incidents.as_slice() else { panic!("{:?}", push.incidents) };
        assert_eq!(
            (inc.attribution, inc.scope, inc.onset_pattern),
            (Attribution::Edge, Scope::Global, Pattern::Simultaneous)
        );
        assert!(inc.epicenter.is_empty());
        assert!(push.pops.iter().all(|p| p.affected == (p.region != "Oceania")));
        let onsets: Vec<i64> = push.pops.iter().filter_map(|p| p.onset).map(|t| t.ns() / 1_000_000_000).collect();
        let (lo, hi) = (onsets.iter().min().unwrap(), onsets.iter().max().unwrap());
        assert!(hi - lo <= 45, "{lo} {hi}");
        let ev = &inc.evidence;
        assert!(ev.signatures["edge_500"] as f64 > 0.95 * ev.errors as f64, "{ev:?}");
    }

    /// Sizes and timings at scale 1.0 and 0.1:
    /// `cargo test --release --lib simulate::tests::sizes_and_timings -- --ignored --nocapture`.
    #[test]
    #[ignore = "writes about a gigabyte in total; run by hand in release"]
    fn sizes_and_timings() {
        for scale in [1.0, 0.1] {
            for s in Scenario::ALL {
                let dir = tempfile::tempdir().unwrap();
                let t = std::time::Instant::now();
                let truth = simulate(&SimOptions { scenario: s, seed: 1, scale }, dir.path()).unwrap();
                let elapsed = t.elapsed();
                let logs = files(&dir.path().join("logs"));
                let gz: usize = logs.values().map(Vec::len).sum();
                let raw: usize = logs.values().map(|b| gunzip(b).len()).sum();
                println!(
                    "{:<8} scale {scale:<4} {:>4} files {:>8} lines {:>6.1} MB gz {:>7.1} MB raw {:>6.2} s",
                    s.name(),
                    truth.input.files,
                    truth.input.lines,
                    gz as f64 / 1e6,
                    raw as f64 / 1e6,
                    elapsed.as_secs_f64()
                );
            }
        }
    }
}
