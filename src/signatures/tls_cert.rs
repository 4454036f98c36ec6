#![doc = include_str!("docs/tls_cert.md")]

/// The documentation printed by `blastradius explain tls_cert`.
pub const DOC: &str = include_str!("docs/tls_cert.md");

use std::sync::LazyLock;

use regex::Regex;

static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(
        r"CERT_HAS_EXPIRED|ERR_CERT_DATE_INVALID|ERR_CERT_COMMON_NAME_INVALID|ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|SEC_ERROR_EXPIRED_CERTIFICATE|SSL_ERROR_BAD_CERT_DOMAIN|(?i:certificate has expired|hostname mismatch|doesn.t match (?:any of )?the (?:target host|certificate)|no alternative certificate subject name matches|subject name does not match)",
    )
});

/// The text in `text` that is this signature's evidence, if any.
pub fn find(text: &str) -> Option<&str> {
    PATTERN.as_ref()?.find(text).map(|m| m.as_str())
}
