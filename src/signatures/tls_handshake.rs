#![doc = include_str!("docs/tls_handshake.md")]

/// The documentation printed by `blastradius explain tls_handshake`.
pub const DOC: &str = include_str!("docs/tls_handshake.md");

use std::sync::LazyLock;

use regex::Regex;

static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(
        r"HandshakeException|SSLProtocolException|SSL_HANDSHAKE_FAILURE|(?i:failure in SSL library)|SSLV3_ALERT_[A-Z_]+|TLSV1_ALERT_[A-Z_]+|NSURLErrorDomain Code=-12(?:00|05|06)\b|(?i:an SSL error has occurred|secure connection to the server cannot be made|handshake error in client)|ERR_SSL_PROTOCOL_ERROR|ERR_SSL_VERSION_OR_CIPHER_MISMATCH|SSL_ERROR_[A-Z_]+|\bEPROTO\b|(?i:handshake failure|wrong version number|sslv3 alert|tlsv1 alert|ssl handshake failed)|curl: \(35\)",
    )
});

/// The text in `text` that is this signature's evidence, if any.
pub fn find(text: &str) -> Option<&str> {
    PATTERN.as_ref()?.find(text).map(|m| m.as_str())
}
