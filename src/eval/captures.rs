//! Scoring what the classifier said of users' captures against the simulator's truth of them
//! (`captures_truth.json`): per signature family, and the edge/origin blame of HTTP errors.

use serde::Serialize;

use crate::simulate::captures::CaptureTruth;

/// Signature families scored together.
pub const FAMILIES: [(&str, &[&str]); 6] = [
    ("tls", &["tls_chain", "tls_cert", "tls_handshake"]),
    ("oauth_loop", &["oauth_loop"]),
    ("stream_severed", &["stream_severed"]),
    ("connection", &["conn_reset", "conn_timeout", "dns_failure"]),
    ("http_5xx", &["edge_500", "edge_502", "cf_52x", "origin_5xx", "http_5xx"]),
    ("rate_limited", &["rate_limited"]),
];

/// Precision and recall of one family (exact signatures, counted per family).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FamilyScore {
    /// Family name.
    pub family: &'static str,
    /// Events whose predicted signature is the expected one, in the family.
    pub tp: u64,
    /// Events predicted in the family with another expected signature.
    pub fp: u64,
    /// Events expected in the family and predicted otherwise.
    pub fn_: u64,
}

impl FamilyScore {
    /// TP / (TP + FP); 1 when nothing was predicted.
    pub fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    /// TP / (TP + FN); 1 when nothing was expected.
    pub fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

/// How well classified captures match their truth.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaptureScore {
    /// Per family.
    pub families: Vec<FamilyScore>,
    /// HAR 5xx entries whose predicted blame (edge, origin, or unknown) is the expected one.
    pub attribution_correct: u64,
    /// HAR 5xx entries in the truth.
    pub attribution_total: u64,
    /// Expected events the classifier did not report (alignment errors).
    pub missing: u64,
    /// Reported events the truth does not list.
    pub extra: u64,
}

fn blame(sig: Option<&str>) -> &'static str {
    match sig {
        Some("edge_500" | "edge_502") => "edge",
        Some("origin_5xx" | "cf_52x") => "origin",
        _ => "unknown",
    }
}

/// An event's place: file name, HAR entry, client log line.
type Key = (String, Option<u64>, Option<u64>);

/// Scores classified rows (file names are compared without their directories) against the truth.
pub fn score(truth: &CaptureTruth, rows: &[crate::classify::Row]) -> CaptureScore {
    use std::collections::HashMap;
    let name = |f: &str| f.rsplit(['/', '\\']).next().unwrap_or(f).to_string();
    let predicted: HashMap<Key, Option<&str>> =
        rows.iter().map(|r| ((name(&r.file), r.entry, r.line), r.signature.as_deref())).collect();
    let mut families: Vec<FamilyScore> =
        FAMILIES.iter().map(|(f, _)| FamilyScore { family: f, tp: 0, fp: 0, fn_: 0 }).collect();
    let family_of = |s: Option<&str>| s.and_then(|s| FAMILIES.iter().position(|(_, m)| m.contains(&s)));
    let (mut correct, mut total, mut missing) = (0, 0, 0);
    let mut seen = 0u64;
    for e in &truth.events {
        let Some(p) = predicted.get(&(e.file.clone(), e.entry, e.line)).copied() else {
            missing += 1;
            continue;
        };
        seen += 1;
        let (fe, fp) = (family_of(e.signature), family_of(p));
        if p == e.signature {
            if let Some(f) = fe.and_then(|i| families.get_mut(i)) {
                f.tp += 1;
            }
        } else {
            if let Some(f) = fe.and_then(|i| families.get_mut(i)) {
                f.fn_ += 1;
            }
            if let Some(f) = fp.and_then(|i| families.get_mut(i)) {
                f.fp += 1;
            }
        }
        if e.entry.is_some() && fe == Some(4) {
            total += 1;
            correct += u64::from(blame(p) == blame(e.signature));
        }
    }
    CaptureScore {
        families,
        attribution_correct: correct,
        attribution_total: total,
        missing,
        extra: (rows.len() as u64).saturating_sub(seen),
    }
}
