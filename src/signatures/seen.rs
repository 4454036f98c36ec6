//! What the user-side signatures read of one event, and what they conclude: the types every
//! user-side rule shares, in a leaf so that the rules (each in its signature's module) and the
//! reader that orders them ([`super::user`]) do not import each other.

use super::{Blame, Signature};

/// The fields of one user-side event that decide its signature.
#[derive(Debug, Default, Clone, Copy)]
pub struct Seen<'a> {
    /// HTTP status (0: no response).
    pub status: Option<u16>,
    /// Error code or text.
    pub error: Option<&'a str>,
    /// The record's message.
    pub message: Option<&'a str>,
    /// Body prefix.
    pub body: Option<&'a str>,
    /// Response content type.
    pub content_type: Option<&'a str>,
    /// `server` header.
    pub server: Option<&'a str>,
}

/// The signature of one user-side event, the evidence that decided it, the tier it blames when
/// the evidence names one (else the signature's), and how sure the evidence makes the reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The signature.
    pub signature: Signature,
    /// What decided it.
    pub evidence: String,
    /// The tier the event's own evidence blames, when it names one.
    pub blame: Option<Blame>,
    /// `strong`, `moderate` or `weak`.
    pub confidence: &'static str,
}

impl Verdict {
    /// A verdict that blames what the signature blames.
    pub fn new(signature: Signature, evidence: String, confidence: &'static str) -> Verdict {
        Verdict { signature, evidence, blame: None, confidence }
    }
}

/// `field: text`, the text cut to 120 characters.
pub fn evidence(field: &str, text: &str) -> String {
    let t = crate::formats::norm::prefix(text, 120);
    format!("{field}: {t}")
}
