//! The crate's error type.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong when checking a [`ReportInput`](crate::ReportInput) or
/// writing a report file.
///
/// Each variant names the input at fault: the field (and index) of the report input, or
/// the file being written. The enum is `#[non_exhaustive]`: match with a trailing `_` arm.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A field of the report input is inconsistent or holds a value that cannot be
    /// written (lengths that differ, a non-finite equity value, a month outside 1..=12).
    #[error("invalid report input: {field}: {reason}")]
    InvalidInput {
        /// The field at fault, with the index where there is one, e.g. `"equity[17]"`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file or directory could not be created or written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The trades CSV writer failed.
    #[error("cannot write trades CSV {}: {source}", path.display())]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// The CSV error.
        #[source]
        source: csv::Error,
    },
    /// The JSON summary could not be serialised or written.
    #[error("cannot write JSON summary {}: {source}", path.display())]
    Json {
        /// The JSON file.
        path: PathBuf,
        /// The serde_json error.
        #[source]
        source: serde_json::Error,
    },
    /// The Arrow record batch for the equity Parquet file could not be built.
    #[error("cannot build the Arrow batch for {}: {source}", path.display())]
    Arrow {
        /// The Parquet file being written.
        path: PathBuf,
        /// The Arrow error.
        #[source]
        source: arrow_schema::ArrowError,
    },
    /// A payoff curve could not be computed from a trade's legs (the pricing crate
    /// refused them).
    #[error("cannot compute the {what}: {source}")]
    Pricing {
        /// What was being computed, e.g. `"payoff profile"`.
        what: String,
        /// The pricing error.
        #[source]
        source: thetalab_pricing::PricingError,
    },
    /// The Parquet writer failed.
    #[error("cannot write Parquet file {}: {source}", path.display())]
    Parquet {
        /// The Parquet file.
        path: PathBuf,
        /// The Parquet error.
        #[source]
        source: parquet::errors::ParquetError,
    },
}

impl ReportError {
    /// An [`ReportError::InvalidInput`] for `field`.
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ReportError {
        ReportError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// An [`ReportError::Io`] for `path`.
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> ReportError {
        ReportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
