//! What a scenario plans: bad spells, faults per POP and per host, the incidents the truth will
//! describe. A leaf: the scenarios ([`super::scenario`], [`super::bot`]) fill a [`Plan`], the
//! traffic and security models read it.

use super::clock::Date;
use super::world::{self, Pop};
use crate::vocab::timeline::{Attribution, Pattern, Scope};

/// One bad spell: the failing share rises linearly over `ramp` seconds from `start`, holds, and
/// falls linearly over the last `fade` seconds before `end`. Times are unix seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Spell {
    pub start: i64,
    pub end: i64,
    pub ramp: i64,
    pub fade: i64,
}

impl Spell {
    /// How bad the spell is at `t`, 0..=1.
    fn level(&self, t: f64) -> f64 {
        let (start, end) = (self.start as f64, self.end as f64);
        if t < start || t >= end {
            return 0.0;
        }
        let up = if self.ramp > 0 { (t - start) / self.ramp as f64 } else { 1.0 };
        let down = if self.fade > 0 { (end - t) / self.fade as f64 } else { 1.0 };
        up.min(down).clamp(0.0, 1.0)
    }
}

/// How bad a sorted, non-overlapping list of spells is at `t`.
pub(super) fn level(spells: &[Spell], t: f64) -> f64 {
    let i = spells.partition_point(|s| s.start as f64 <= t);
    i.checked_sub(1).and_then(|i| spells.get(i)).map_or(0.0, |s| s.level(t))
}

/// Status codes with weights.
pub(super) type Codes = &'static [(u16, f64)];

/// An edge fault at one POP.
#[derive(Debug, Clone)]
pub(super) struct EdgeFault {
    /// Index into [`Plan::incidents`].
    pub incident: usize,
    /// The bad spells, in time order.
    pub spells: Vec<Spell>,
    /// Share of requests failing at full badness.
    pub severity: f64,
    /// Request multiplier at full badness (clients retrying).
    pub retry: f64,
    /// Edge statuses of the failures.
    pub codes: Codes,
    /// Flapping period, seconds.
    pub period: Option<f64>,
    /// Only requests for these hosts fail (indices into [`HOSTS`]); every host when empty.
    pub hosts: Vec<usize>,
}

impl EdgeFault {
    /// Onset: the start of the first spell.
    pub fn onset(&self) -> Option<i64> {
        self.spells.first().map(|s| s.start)
    }
    /// Recovery: the end of the last spell.
    pub fn recovery(&self) -> Option<i64> {
        self.spells.last().map(|s| s.end)
    }
}

/// A short burst of edge errors at one POP that is not an incident.
#[derive(Debug, Clone, Copy)]
pub(super) struct Blip {
    pub start: i64,
    pub end: i64,
    pub share: f64,
}

/// What happens at one POP.
#[derive(Debug, Clone, Default)]
pub(super) struct PopPlan {
    pub fault: Option<EdgeFault>,
    pub blips: Vec<Blip>,
    /// Steady share of edge 502s (the noisy but healthy POP).
    pub noise: f64,
    /// Spells during which requests get no bot score ([`super::bot`]), in time order.
    pub bot: Vec<Spell>,
    /// A spell during which the bot-score model cannot run: requests it would have scored are
    /// scored by heuristics instead ([`super::bot`]).
    pub model_down: Option<Spell>,
    /// Spells (in time order) during which the edge adds up to this many ms to the time to first
    /// byte.
    pub slow: Option<(Vec<Spell>, u32)>,
}

/// How an origin fault shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OriginFailure {
    /// The origin answers 5xx (origin status = edge status).
    Http,
    /// Cloudflare cannot reach the origin: 52x with origin status 0.
    Unreachable,
}

/// An origin fault: one host, every POP.
#[derive(Debug, Clone)]
pub(super) struct HostFault {
    pub host: usize,
    pub spell: Spell,
    /// Share of the host's uncached requests failing at full badness.
    pub share: f64,
    pub failure: OriginFailure,
    pub codes: Codes,
}

/// An incident as the truth will describe it.
#[derive(Debug, Clone)]
pub(super) struct IncidentPlan {
    pub attribution: Attribution,
    pub scope: Scope,
    /// The failing host; `None` when every host failed (an edge incident).
    pub host: Option<usize>,
    /// For an origin incident: its time span (edge incidents take theirs from the POPs).
    pub span: Option<(i64, i64)>,
    /// How the POPs' onsets are laid out (a push: simultaneous, no epicenter).
    pub pattern: Pattern,
    /// The cohort that failed, as (dimension, values), when only part of the traffic did.
    pub cohort: Option<(&'static str, Vec<&'static str>)>,
}

/// A whole scenario.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    /// First second of the window (a whole minute).
    pub start: i64,
    /// End of the window, exclusive (a whole minute).
    pub end: i64,
    /// One entry per POP, in [`world::POPS`] order.
    pub pops: Vec<PopPlan>,
    pub host_faults: Vec<HostFault>,
    pub incidents: Vec<IncidentPlan>,
    /// Share of requests that are `GET /cdn-cgi/trace`, answered by the edge itself and never
    /// failing (0: no such requests, and no random draw for them).
    pub trace_share: f64,
    /// Requests carry the security fields ([`super::bot`]).
    pub security: bool,
    /// Only requests for these hosts lose their bot score in a bot spell (indices into
    /// [`world::HOSTS`]); every host when empty.
    pub bot_hosts: Vec<usize>,
}

impl Plan {
    pub(super) fn new(day: Date, from_hour: i64, to_hour: i64, pops: &[Pop]) -> Plan {
        let mut plan = Plan {
            start: day.at(from_hour, 0, 0),
            end: day.at(to_hour, 0, 0),
            pops: vec![PopPlan::default(); pops.len()],
            host_faults: Vec::new(),
            incidents: Vec::new(),
            trace_share: 0.0,
            security: false,
            bot_hosts: Vec::new(),
        };
        for (p, pp) in pops.iter().zip(plan.pops.iter_mut()) {
            if p.code == world::NOISY_POP {
                pp.noise = world::NOISY_SHARE;
            }
        }
        plan
    }
}

/// A plan of the day's hours `from_hour..to_hour` with only the noisy POP.
pub(super) fn empty(day: Date, from_hour: i64, to_hour: i64, pops: &[Pop]) -> Plan {
    Plan::new(day, from_hour, to_hour, pops)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[expect(clippy::float_cmp, reason = "levels of 0 and 1 are exact by construction")]
    fn spells_ramp_hold_and_fade() {
        let s = [Spell { start: 100, end: 400, ramp: 100, fade: 50 }, Spell { start: 500, end: 600, ramp: 0, fade: 0 }];
        assert_eq!(level(&s, 99.0), 0.0);
        assert!((level(&s, 150.0) - 0.5).abs() < 1e-9);
        assert_eq!(level(&s, 300.0), 1.0);
        assert!((level(&s, 375.0) - 0.5).abs() < 1e-9);
        assert_eq!(level(&s, 450.0), 0.0);
        assert_eq!(level(&s, 500.0), 1.0);
        assert_eq!(level(&s, 600.0), 0.0);
    }
}
