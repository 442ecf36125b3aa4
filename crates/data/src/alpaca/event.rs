//! What the client reports while it works, and how a source failed.

use std::fmt;
use std::time::Duration;

use thetalab_core::Timestamp;

/// Why one attempt on one source did not produce a usable response.
///
/// Text fields come from outside (server bodies, transport errors) and have had the
/// credentials scrubbed out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// No complete response within the configured timeout.
    Timeout,
    /// The connection could not be made or broke (refused, reset, DNS, TLS, …).
    Connection {
        /// The transport's description.
        reason: String,
    },
    /// HTTP 429; the server's `Retry-After`, when it sent one.
    RateLimited {
        /// The wait the server asked for.
        retry_after: Option<Duration>,
    },
    /// An HTTP 5xx (or any status the client does not know how to use).
    Server {
        /// The HTTP status.
        status: u16,
        /// The server's message, shortened.
        message: String,
    },
    /// The source's circuit was open: nothing was sent.
    CircuitOpen {
        /// When it will half-open.
        until: Timestamp,
    },
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureKind::Timeout => f.write_str("timed out"),
            FailureKind::Connection { reason } => write!(f, "connection failed ({reason})"),
            FailureKind::RateLimited {
                retry_after: Some(d),
            } => {
                write!(f, "HTTP 429 rate limited (Retry-After {} s)", d.as_secs())
            }
            FailureKind::RateLimited { retry_after: None } => f.write_str("HTTP 429 rate limited"),
            FailureKind::Server { status, message } => write!(f, "HTTP {status} ({message})"),
            FailureKind::CircuitOpen { until } => {
                write!(f, "circuit open until {until}, not tried")
            }
        }
    }
}

/// What happened on one source during one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFailure {
    /// The source's base URL.
    pub base_url: String,
    /// Requests actually sent to it (0 when its circuit was open).
    pub attempts: u32,
    /// The last failure.
    pub last: FailureKind,
}

impl fmt::Display for SourceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} after {} attempt(s)",
            self.base_url, self.last, self.attempts
        )
    }
}

/// `a: …; b: …` — the sources tried and how each failed (used by the error message).
#[must_use]
pub fn describe_failures(tried: &[SourceFailure]) -> String {
    if tried.is_empty() {
        return "no source tried".to_string();
    }
    tried
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// One step of the client's work, handed to the hook set with
/// [`AlpacaClient::on_event`](super::AlpacaClient::on_event). Events carry URLs, paths
/// and scrubbed messages, never credentials (they travel in headers only).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The rate limiter held a request back.
    Throttled {
        /// How long.
        wait: Duration,
    },
    /// A request is about to be sent.
    Request {
        /// Clock time when sent (after any throttling).
        at: Timestamp,
        /// The source.
        base_url: String,
        /// Method, path and query.
        request: String,
        /// 1-based attempt number on this source.
        attempt: u32,
    },
    /// A response arrived.
    Response {
        /// The source.
        base_url: String,
        /// The HTTP status.
        status: u16,
    },
    /// An attempt failed and will be retried on the same source after `delay`.
    Retry {
        /// The source.
        base_url: String,
        /// The attempt that failed (1-based).
        attempt: u32,
        /// Why.
        failure: FailureKind,
        /// The wait before the next attempt (`Retry-After` or the jittered backoff).
        delay: Duration,
    },
    /// A source's circuit opened.
    CircuitOpened {
        /// The source.
        base_url: String,
        /// When it will half-open.
        until: Timestamp,
    },
    /// A request is sent as the half-open trial of a source.
    CircuitTrial {
        /// The source.
        base_url: String,
    },
    /// A source's circuit closed again after a successful trial.
    CircuitClosed {
        /// The source.
        base_url: String,
    },
    /// A source was given up for this request; the next one in the list is tried.
    Fallback {
        /// The source given up.
        from: String,
        /// The next source.
        to: String,
        /// Why the first was given up.
        failure: FailureKind,
    },
    /// A page of a paginated request was parsed.
    Page {
        /// Method, path and query of the first page.
        request: String,
        /// 1-based page number.
        page: usize,
        /// Records on it.
        records: usize,
        /// Whether another page follows.
        more: bool,
    },
}
