//! How far the current thread's fetch got, so a timeout message can say where it fired.
//!
//! `ureq` reports a connect-phase timeout without saying whether the TCP connection or the TLS
//! handshake was slow. Pass-through connectors placed between the stages of the connector
//! chain record each stage reached in a thread-local (a fetch runs on one thread from start
//! to end).

use std::cell::Cell;

use ureq::unversioned::transport::{ConnectionDetails, Connector, Transport};

/// The stages of one request, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Resolving and opening the connection (through a proxy if there is one).
    Connecting,
    /// The TCP connection is open; for https the TLS handshake runs next.
    Connected,
    /// The connection is ready; the request is sent and the response awaited.
    Response,
    /// The response headers arrived; the body is being read.
    Body,
}

thread_local! {
    static STAGE: Cell<(Stage, bool)> = const { Cell::new((Stage::Connecting, false)) };
}

/// Starts tracking a request (`https`: whether a TLS handshake follows the connection).
pub(crate) fn start(https: bool) {
    STAGE.with(|s| s.set((Stage::Connecting, https)));
}

/// Records that the current request reached `stage`.
pub(crate) fn set(stage: Stage) {
    STAGE.with(|s| s.set((stage, s.get().1)));
}

/// Where the current request is.
pub(crate) fn current() -> Progress {
    let (stage, https) = STAGE.with(Cell::get);
    Progress { stage, https }
}

/// A request's stage, for messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Progress {
    stage: Stage,
    https: bool,
}

impl Progress {
    /// "while connecting", "during the TLS handshake", ...
    pub(crate) fn describe(self) -> &'static str {
        match self.stage {
            Stage::Connecting => "while connecting",
            Stage::Connected if self.https => "during the TLS handshake",
            Stage::Connected | Stage::Response => "waiting for the response",
            Stage::Body => "reading the body",
        }
    }
}

/// A connector that passes the connection on unchanged and records that it got this far.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reached(pub(crate) Stage);

impl<In: Transport> Connector<In> for Reached {
    type Out = In;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<In>, ureq::Error> {
        if chained.is_some() {
            set(self.0);
        }
        Ok(chained)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_read_as_words() {
        start(true);
        assert_eq!(current().describe(), "while connecting");
        set(Stage::Connected);
        assert_eq!(current().describe(), "during the TLS handshake");
        start(false);
        set(Stage::Connected);
        assert_eq!(current().describe(), "waiting for the response");
        set(Stage::Body);
        assert_eq!(current().describe(), "reading the body");
    }
}
