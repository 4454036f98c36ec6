#![doc = include_str!("docs/tls_chain.md")]

/// The documentation printed by `blastradius explain tls_chain`.
pub const DOC: &str = include_str!("docs/tls_chain.md");

use std::sync::LazyLock;

use regex::Regex;

static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(
        r"UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_GET_ISSUER_CERT\b|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|(?i:unable to get local issuer certificate|certificate signed by unknown authority)|CERTIFICATE_VERIFY_FAILED|(?i:certificate verify failed)|curl: \(60\)|ERR_CERT_AUTHORITY_INVALID|SEC_ERROR_UNKNOWN_ISSUER|MOZILLA_PKIX_ERROR_MITM_DETECTED|PKIX path building failed|NSURLErrorDomain Code=-120[23]\b|(?i:unable to find valid certification path|could not establish trust relationship|the remote certificate is invalid|the certificate for this server is invalid)",
    )
});

/// The text in `text` that is this signature's evidence, if any.
pub fn find(text: &str) -> Option<&str> {
    PATTERN.as_ref()?.find(text).map(|m| m.as_str())
}
