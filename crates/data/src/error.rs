//! The data crate's error type: every variant names the input at fault.

use thiserror::Error;

/// Everything that can go wrong in `thetalab-data`.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DataError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The Parquet library failed on a file.
    #[error("{}: parquet: {detail}", path.display())]
    Parquet {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// A stored file's schema is not what this build expects.
    #[error("{file}: schema: {detail}")]
    Schema {
        /// The file (or series).
        file: String,
        /// What does not match.
        detail: String,
    },
    /// Building an Arrow batch failed (a bug if it happens: the schemas are fixed).
    #[error("arrow: {0}")]
    Arrow(String),
    /// An argument is invalid (symbol, interval, range).
    #[error("{0}")]
    Invalid(String),
    /// A date outside the range a computation supports.
    #[error("date {date} is outside the supported range {range}")]
    DateOutOfRange {
        /// The date given.
        date: chrono::NaiveDate,
        /// The supported range.
        range: &'static str,
    },
    /// A date on which NYSE holds no session, given where a session date is required.
    #[error("{date} is not an NYSE session (weekend, holiday or special closure)")]
    NotASession {
        /// The date given.
        date: chrono::NaiveDate,
    },
    /// A calendar exception (closure or special hours) that cannot be applied.
    #[error("invalid calendar exception {input:?}: {reason}")]
    InvalidCalendarException {
        /// The exception as given (a line of an exception list, or a description).
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A session time that cannot be placed on the New York clock.
    #[error("cannot build the New York session time {time} on {date}: {source}")]
    SessionTime {
        /// The session date.
        date: chrono::NaiveDate,
        /// The wall-clock time.
        time: chrono::NaiveTime,
        /// The underlying error.
        #[source]
        source: thetalab_core::CoreError,
    },

    /// Validation under `Policy::Reject` found at least one error-severity row: nothing of
    /// the file is kept. Names the first faulty line; `report` has the counts per reason.
    #[error("{file}:{line}{}: {reason}: {detail}; file rejected ({})", if field.is_empty() { String::new() } else { format!(" field {field:?}") }, crate::validate::fmt_counts(&report.counts))]
    Rejected {
        /// The input file (source name given to validation).
        file: String,
        /// 1-based line (or record number) of the first error.
        line: u64,
        /// The field at fault (empty when the whole row is).
        field: String,
        /// Why the row is bad.
        reason: crate::validate::Reason,
        /// The offending values.
        detail: String,
        /// The full summary of the run (outcome `rejected`).
        report: Box<crate::validate::ValidationReport>,
    },
    /// An adapter handed validation a line-number list whose length differs from the
    /// number of records (a bug in the adapter, reported rather than guessed around).
    #[error("{file}: {lines} line numbers given for {rows} records")]
    LineCountMismatch {
        /// The input file.
        file: String,
        /// Records given.
        rows: usize,
        /// Line numbers given.
        lines: usize,
    },

    /// An input file that cannot be opened, read or decompressed.
    #[error("{}: {source}", file.display())]
    IngestIo {
        /// The file.
        file: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An input file whose structure (not one row) is wrong: an unreadable or
    /// unexpected header, a preamble line that cannot be parsed, JSON that is not the
    /// documented shape. `line` is 1-based; `field` names the column or key when one is
    /// at fault.
    #[error("{}:{line}{}: {reason}", file.display(), field.as_deref().map(|f| format!(" field {f:?}")).unwrap_or_default())]
    MalformedFile {
        /// The file.
        file: std::path::PathBuf,
        /// 1-based line of the problem.
        line: u64,
        /// The column or key at fault, when one is.
        field: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// A required column that the file's header does not have.
    #[error("{}:{line}: missing required column {column:?} (header: {header})", file.display())]
    MissingColumn {
        /// The file.
        file: std::path::PathBuf,
        /// 1-based line of the header.
        line: u64,
        /// The column looked for (and its accepted aliases).
        column: String,
        /// The header as read.
        header: String,
    },
    /// A file that has a header (or preamble) but no data rows.
    #[error("{}: no data rows", file.display())]
    NoRows {
        /// The file.
        file: std::path::PathBuf,
    },
    /// An ingest configuration (column map, adapter options) that cannot be used.
    #[error("ingest configuration {source_name}: {reason}")]
    IngestConfig {
        /// The configuration file, or a description of where the setting came from.
        source_name: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A synthetic-market (or synthetic-universe) setting out of its domain.
    #[error("synthetic market config {field} = {value}: {reason}")]
    InvalidSynthConfig {
        /// The setting (`model.kappa`, `expiries.strike_step`, …).
        field: &'static str,
        /// The value given.
        value: String,
        /// The domain it must lie in.
        reason: &'static str,
    },
    /// A synthetic-market session index past the last generated session.
    #[error("synthetic market has {sessions} sessions; session index {day} is out of range")]
    SynthDayOutOfRange {
        /// The index asked for (0-based).
        day: usize,
        /// Number of sessions generated.
        sessions: usize,
    },
    /// An expiry that the synthetic market does not quote on that session (not listed,
    /// or already expired at the time asked).
    #[error("synthetic market: expiry {expiry} is not quoted on session index {day}")]
    SynthNotListed {
        /// The session index (0-based).
        day: usize,
        /// The expiry asked for.
        expiry: chrono::NaiveDate,
    },
    /// A synthetic smile that the pricing library refuses (a bug if it happens: the
    /// smile parameters are validated).
    #[error("synthetic market: smile of expiry {expiry}: {reason}")]
    SynthSmile {
        /// The expiry.
        expiry: chrono::NaiveDate,
        /// The pricing library's message.
        reason: String,
    },

    /// Alpaca API credentials that are missing or unusable. The value itself is never
    /// shown, only which field or environment variable is at fault.
    #[cfg(feature = "alpaca")]
    #[error("Alpaca credentials: {field}: {reason}")]
    AlpacaCredentials {
        /// The field or environment variable at fault (`APCA_API_KEY_ID`, …).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An Alpaca client setting or request parameter that the client refuses to send.
    #[cfg(feature = "alpaca")]
    #[error("Alpaca parameter {field} = {value}: {reason}")]
    AlpacaParameter {
        /// The setting or query parameter (`limit`, `sources[1]`, …).
        field: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Alpaca answered with a status that retrying cannot fix (a 4xx other than 429).
    /// The server's message has the credentials scrubbed from it.
    #[cfg(feature = "alpaca")]
    #[error("Alpaca {base_url} answered HTTP {status} to {request}: {message}")]
    AlpacaRejected {
        /// The source that answered.
        base_url: String,
        /// Method, path and query of the request (credentials travel in headers only).
        request: String,
        /// The HTTP status.
        status: u16,
        /// The server's message (credentials redacted).
        message: String,
    },
    /// Every configured Alpaca source failed (retries exhausted, circuit open or
    /// rate-limited past the allowed wait); `tried` says what happened on each.
    #[cfg(feature = "alpaca")]
    #[error("Alpaca request {request} failed on every source: {}", crate::alpaca::describe_failures(.tried))]
    AlpacaUnavailable {
        /// Method, path and query of the request.
        request: String,
        /// One entry per source, in the order tried.
        tried: Vec<crate::alpaca::SourceFailure>,
    },
    /// A successful Alpaca response whose body is not the documented JSON.
    #[cfg(feature = "alpaca")]
    #[error("Alpaca response to {request} (page {page}): field {field}: {reason}")]
    AlpacaResponse {
        /// Method, path and query of the request.
        request: String,
        /// 1-based page number within the paginated request.
        page: usize,
        /// JSON path of the field at fault (`bars[17].t`, `snapshots.SPXW…latestQuote.bp`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Pagination that cannot finish: a repeated `next_page_token` (the server would
    /// loop forever) or more pages than the configured maximum.
    #[cfg(feature = "alpaca")]
    #[error("Alpaca pagination of {request} stopped at page {page}: {reason}")]
    AlpacaPagination {
        /// Method, path and query of the first page's request.
        request: String,
        /// 1-based page number at which it stopped.
        page: usize,
        /// What went wrong.
        reason: String,
    },
}
