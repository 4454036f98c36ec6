#![doc = include_str!("docs/conn_reset.md")]

/// The documentation printed by `blastradius explain conn_reset`.
pub const DOC: &str = include_str!("docs/conn_reset.md");

use std::sync::LazyLock;

use regex::Regex;

static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(
        r"ECONNRESET|(?i:socket hang up)|\bEPIPE\b|ECONNABORTED|ECONNREFUSED|UND_ERR_SOCKET|ERR_CONNECTION_RESET|ERR_CONNECTION_CLOSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_REFUSED|ERR_CONNECTION_ABORTED|ERR_HTTP2_PROTOCOL_ERROR|ERR_QUIC_PROTOCOL_ERROR|ConnectionResetError|RemoteDisconnected|ServerDisconnectedError|curl: \((?:7|52|56)\)|NoHttpResponseException|\bConnectionRefused\b|\bFailedToOpenSocket\b|os error (?:10061|10054|111|104)\b|(?i:actively refused it|forcibly closed by the remote host|the target server failed to respond|the network connection was lost|could not connect to the server|connection reset by peer|connection refused|couldn't connect to server|server disconnected without sending a response|empty reply from server)",
    )
});

/// The text in `text` that is this signature's evidence, if any.
pub fn find(text: &str) -> Option<&str> {
    PATTERN.as_ref()?.find(text).map(|m| m.as_str())
}
