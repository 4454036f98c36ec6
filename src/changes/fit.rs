//! Whether an incident's onset fits a change: lags, the onset pattern against the change's
//! scope, and for a local change whether its POPs failed first and the others followed.

use super::{Change, ChangeFit, Fit, IncidentChanges, AFTER_TOLERANCE_S};
use crate::timeline::model::{Incident, Pattern, Timeline};
use crate::vocab::time::Timestamp;

/// A regeneration cycle matches a flapping period within this relative difference.
const PERIOD_TOLERANCE: f64 = 0.25;

fn secs(x: f64) -> String {
    let a = x.abs();
    if a < 120.0 {
        format!("{a:.0} s")
    } else if a < 7200.0 {
        format!("{:.1} min", a / 60.0)
    } else {
        format!("{:.1} h", a / 3600.0)
    }
}

fn pattern(p: Pattern) -> &'static str {
    match p {
        Pattern::Single => "single",
        Pattern::Simultaneous => "simultaneous",
        Pattern::Propagating => "propagating",
        Pattern::Censored => "censored",
    }
}

/// The onset of `pop` in the timeline, ns (when it was affected).
fn pop_onset(tl: &Timeline, pop: &str) -> Option<i64> {
    tl.pops.iter().find(|p| p.pop.eq_ignore_ascii_case(pop) && p.affected).and_then(|p| p.onset.map(Timestamp::ns))
}

/// Spearman's rank correlation of `(x, y)` pairs (null under three pairs or without spread).
fn spearman(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 3 {
        return None;
    }
    let ranks = |f: &dyn Fn(&(f64, f64)) -> f64| -> Vec<f64> {
        let mut idx: Vec<usize> = (0..pairs.len()).collect();
        let at = |i: usize| pairs.get(i).map_or(0.0, f);
        idx.sort_by(|a, b| at(*a).total_cmp(&at(*b)));
        let mut r = vec![0.0; pairs.len()];
        for (rank, i) in idx.into_iter().enumerate() {
            if let Some(x) = r.get_mut(i) {
                *x = rank as f64;
            }
        }
        r
    };
    let (rx, ry) = (ranks(&|p| p.0), ranks(&|p| p.1));
    let n = rx.len() as f64;
    let mean = (n - 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mean) * (b - mean);
        sxx += (a - mean).powi(2);
        syy += (b - mean).powi(2);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

fn distance_km(a: &str, b: &str) -> Option<f64> {
    let (x, y) = (crate::geo::colo(a)?, crate::geo::colo(b)?);
    let (la1, lo1, la2, lo2) = (x.lat.to_radians(), x.lon.to_radians(), y.lat.to_radians(), y.lon.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    Some(6371.0 * 2.0 * h.sqrt().asin())
}

fn fit_cycle(inc: &Incident, period: f64, ev: &mut Vec<String>) -> Fit {
    match inc.flapping.period_seconds {
        Some(p) if ((p - period) / period).abs() <= PERIOD_TOLERANCE => {
            ev.push(format!("the POPs flapped with a period of {p:.0} s, matching the {period:.0} s cycle"));
            Fit::Fits
        }
        Some(p) => {
            ev.push(format!("the POPs flapped with a period of {p:.0} s, not the {period:.0} s cycle"));
            Fit::Contradicts
        }
        None => {
            ev.push(format!("no flapping: a {period:.0} s regeneration cycle would make the failure come and go"));
            Fit::Contradicts
        }
    }
}

fn fit_global(inc: &Incident, ev: &mut Vec<String>) -> Fit {
    let spread = inc.onset_spread_seconds.map_or_else(String::new, |s| format!(" within {}", secs(s)));
    match inc.onset_pattern {
        Pattern::Simultaneous => {
            ev.push(format!(
                "all {} affected POPs failed at once{spread}, as a change everywhere does",
                inc.pops.len()
            ));
            Fit::Fits
        }
        Pattern::Propagating => {
            ev.push(format!(
                "the onsets spread{spread} from {}: a change applied everywhere at once would hit every POP together",
                if inc.epicenter.is_empty() { "one POP".to_string() } else { inc.epicenter.join(", ") }
            ));
            Fit::Contradicts
        }
        Pattern::Single => {
            ev.push("only one POP failed: a change everywhere would have hit more".to_string());
            Fit::Contradicts
        }
        Pattern::Censored => {
            ev.push("the input starts inside the incident: its onset pattern cannot be told".to_string());
            Fit::Unclear
        }
    }
}

/// A local change at `c.pops`: did they fail first, did the others follow, and does the lag
/// grow with the distance from them?
fn fit_local(tl: &Timeline, inc: &Incident, c: &Change, f: &mut ChangeFit) -> Fit {
    let hit: Vec<&String> = c.pops.iter().filter(|p| inc.pops.iter().any(|q| q.eq_ignore_ascii_case(p))).collect();
    let names = c.pops.join(", ");
    if hit.is_empty() {
        f.failed_first = Some(false);
        f.evidence.push(format!("{names} did not fail in this incident"));
        return Fit::Contradicts;
    }
    let is = |v: &[String]| hit.iter().any(|p| v.iter().any(|q| q.eq_ignore_ascii_case(p)));
    let first = is(&inc.epicenter) || is(&inc.epicenter_alternatives);
    let their = hit.iter().filter_map(|p| pop_onset(tl, p)).min();
    let others: Vec<(&String, i64)> = inc
        .pops
        .iter()
        .filter(|q| !hit.iter().any(|p| p.eq_ignore_ascii_case(q)))
        .filter_map(|q| Some((q, pop_onset(tl, q)?)))
        .collect();
    let after = their.map_or(0, |t| others.iter().filter(|(_, o)| *o >= t).count());
    f.failed_first = Some(first);
    f.others_followed = Some(!others.is_empty() && after == others.len());
    if inc.onset_pattern == Pattern::Simultaneous {
        f.failed_first = Some(false);
        f.evidence.push(format!(
            "no POP failed first: all {} failed at once, the mark of a change everywhere, not at {names}",
            inc.pops.len()
        ));
        return Fit::Contradicts;
    }
    if inc.onset_pattern == Pattern::Censored {
        f.evidence.push("the input starts inside the incident: who failed first cannot be told".to_string());
        return Fit::Unclear;
    }
    if first {
        f.evidence.push(format!("{names} failed first (epicenter {})", inc.epicenter.join(", ")));
    } else {
        let lag = match (their, inc.epicenter.first().and_then(|e| pop_onset(tl, e))) {
            (Some(t), Some(e)) => format!(", {} after it", secs((t - e) as f64 / 1e9)),
            _ => String::new(),
        };
        f.evidence.push(format!("{names} did not fail first: {} did{lag}", inc.epicenter.join(", ")));
    }
    if !others.is_empty() {
        f.evidence.push(format!("{after} of the {} other affected POPs failed after {names}", others.len()));
    }
    if let (Some(origin), Some(t)) = (hit.first(), their) {
        let pairs: Vec<(f64, f64)> =
            others.iter().filter_map(|(q, o)| Some((distance_km(origin, q)?, (*o - t) as f64 / 1e9))).collect();
        if let Some(rho) = spearman(&pairs) {
            f.evidence.push(format!("lag against distance from {origin}: Spearman ρ = {rho:.2}"));
        }
    }
    if first && f.others_followed != Some(false) {
        Fit::Fits
    } else {
        Fit::Contradicts
    }
}

/// One change against one incident.
fn fit_one(tl: &Timeline, inc: &Incident, onset: Option<i64>, c: &Change) -> ChangeFit {
    let lag = onset.map_or(f64::NAN, |o| (o - super::time_ns(c)) as f64 / 1e9);
    let before = lag >= -AFTER_TOLERANCE_S;
    let mut f = ChangeFit {
        change: c.clone(),
        lag_seconds: if lag.is_finite() { lag } else { 0.0 },
        before_onset: before && lag.is_finite(),
        expected: String::new(),
        fit: Fit::Unclear,
        failed_first: None,
        others_followed: None,
        evidence: Vec::new(),
    };
    if lag.is_finite() {
        let when = if lag >= 0.0 { "before" } else { "after" };
        f.evidence.push(format!("{} {when} the onset ({})", secs(lag), pattern(inc.onset_pattern)));
    }
    f.fit = if let Some(p) = c.period_seconds {
        f.expected = "flapping".into();
        fit_cycle(inc, p, &mut f.evidence)
    } else if c.is_global() {
        f.expected = "simultaneous".into();
        fit_global(inc, &mut f.evidence)
    } else {
        f.expected = "propagating".into();
        fit_local(tl, inc, c, &mut f)
    };
    if let Some(h) = inc.cohorts.as_ref().and_then(|x| x.headline.as_ref()) {
        let hit = c.zones.iter().filter(|z| h.values.iter().any(|v| v == *z || v.ends_with(&format!(".{z}")))).count();
        if !c.zones.is_empty() {
            f.evidence.push(if hit > 0 {
                format!("it touched {}, the {} that failed", c.zones.join(", "), h.dimension)
            } else {
                format!(
                    "it touched {}, not the {} that failed ({})",
                    c.zones.join(", "),
                    h.dimension,
                    h.values.join(", ")
                )
            });
        }
    }
    if !f.before_onset {
        f.fit = if f.fit == Fit::Fits { Fit::Unclear } else { f.fit };
        f.evidence.push("it came after the onset: it cannot have started the incident".to_string());
    }
    f
}

/// Every change ranked against `inc`, with the verdict.
pub fn for_incident(tl: &Timeline, inc: &Incident, changes: &[Change]) -> IncidentChanges {
    let onset = inc.onset.map(Timestamp::ns);
    let mut ranked: Vec<ChangeFit> = changes.iter().map(|c| fit_one(tl, inc, onset, c)).collect();
    let key = |f: &ChangeFit| {
        let class = match (f.before_onset, f.fit) {
            (true, Fit::Fits) => 0,
            (true, Fit::Unclear) => 1,
            (true, Fit::Contradicts) => 2,
            (false, _) => 3,
        };
        (class, f.lag_seconds.abs())
    };
    ranked.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    let verdict = match ranked.first() {
        None => "no recorded change".to_string(),
        Some(f) if f.before_onset && f.fit == Fit::Fits => format!(
            "most likely cause: \"{}\" at {}, {} {}; {}",
            f.change.what,
            f.change.time,
            secs(f.lag_seconds),
            if f.lag_seconds >= 0.0 { "before the onset" } else { "after the onset, within its uncertainty" },
            f.evidence.get(1).map_or("", String::as_str)
        ),
        Some(f) if f.before_onset => format!(
            "no recorded change fits; the closest before the onset, \"{}\" ({} before), does not: {}",
            f.change.what,
            secs(f.lag_seconds),
            f.evidence.get(1).map_or("", String::as_str)
        ),
        Some(_) => "no recorded change before the onset".to_string(),
    };
    IncidentChanges { ranked, verdict }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::model::PopTimeline;
    use crate::vocab::time::Timestamp;

    fn pop(code: &str, onset: &str) -> PopTimeline {
        PopTimeline { pop: code.into(), affected: true, onset: Timestamp::parse(onset), ..PopTimeline::default() }
    }

    fn timeline(pattern: Pattern, epicenter: &[&str]) -> Timeline {
        let pops = vec![
            pop("SCL", "2025-11-18T11:20:00Z"),
            pop("GRU", "2025-11-18T11:22:00Z"),
            pop("MIA", "2025-11-18T11:25:00Z"),
            pop("FRA", "2025-11-18T11:31:00Z"),
        ];
        let inc = Incident {
            id: "I1".into(),
            onset: Timestamp::parse("2025-11-18T11:20:00Z"),
            onset_pattern: pattern,
            epicenter: epicenter.iter().map(ToString::to_string).collect(),
            pops: pops.iter().map(|p| p.pop.clone()).collect(),
            ..Incident::default()
        };
        Timeline { incidents: vec![inc], pops, ..Timeline::default() }
    }

    fn change(time: &str, pops: &[&str]) -> Change {
        Change {
            time: Timestamp::parse(time).unwrap(),
            what: "x".into(),
            pops: pops.iter().map(ToString::to_string).collect(),
            ..Change::default()
        }
    }

    #[test]
    fn a_local_change_where_the_failure_started_fits() {
        let tl = timeline(Pattern::Propagating, &["SCL"]);
        let r = for_incident(&tl, &tl.incidents[0], &[change("2025-11-18T11:05:00Z", &["SCL"])]);
        let f = &r.ranked[0];
        assert_eq!((f.fit, f.failed_first, f.others_followed), (Fit::Fits, Some(true), Some(true)));
        assert!((f.lag_seconds - 900.0).abs() < 1e-6);
        assert!(r.verdict.starts_with("most likely cause"), "{}", r.verdict);
    }

    #[test]
    fn a_global_push_does_not_fit_a_spreading_failure_and_scl_must_fail_first() {
        let tl = timeline(Pattern::Propagating, &["GRU"]);
        let changes = [
            change("2025-11-18T11:19:00Z", &[]),
            change("2025-11-18T11:05:00Z", &["SCL"]),
            change("2025-11-18T12:00:00Z", &["GRU"]),
        ];
        let r = for_incident(&tl, &tl.incidents[0], &changes);
        assert!(r.ranked.iter().all(|f| f.fit != Fit::Fits), "{r:?}");
        let scl = r.ranked.iter().find(|f| f.change.pops == ["SCL"]).unwrap();
        assert_eq!(scl.failed_first, Some(false));
        assert!(!r.ranked.last().unwrap().before_onset);
        let tl = timeline(Pattern::Simultaneous, &[]);
        let r = for_incident(&tl, &tl.incidents[0], &changes);
        assert_eq!(r.ranked[0].fit, Fit::Fits);
        assert!(r.ranked[0].change.is_global());
    }

    #[test]
    fn a_cycle_fits_flapping_of_its_period() {
        let mut tl = timeline(Pattern::Propagating, &["SCL"]);
        tl.incidents[0].flapping.period_seconds = Some(310.0);
        let mut c = change("2025-11-18T11:00:00Z", &[]);
        c.period_seconds = Some(300.0);
        let r = for_incident(&tl, &tl.incidents[0], &[c.clone()]);
        assert_eq!(r.ranked[0].fit, Fit::Fits);
        c.period_seconds = Some(60.0);
        assert_eq!(for_incident(&tl, &tl.incidents[0], &[c]).ranked[0].fit, Fit::Contradicts);
    }
}
