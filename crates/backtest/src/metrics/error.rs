//! The error type of [`crate::metrics`].

use thiserror::Error;

/// Why a metrics computation refused its input. Every variant names the input at fault
/// (which argument, which index, which value), so a caller can point at the bad bar.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MetricsError {
    /// A per-period return is NaN or infinite (returns below −100 %, possible with
    /// leverage or shorts, are accepted: only finiteness is required).
    #[error("returns[{index}] = {value} is not a finite number")]
    NonFiniteReturn {
        /// Position in the returns slice.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A trade record has a non-finite (or, for `traded_value`, negative) field.
    #[error(
        "trades[{index}].{field} = {value} is not a finite number (traded_value must also be >= 0)"
    )]
    BadTrade {
        /// Position in the trade slice.
        index: usize,
        /// The field name: `pnl`, `return_pct` or `traded_value`.
        field: &'static str,
        /// The offending value.
        value: f64,
    },
    /// Two slices that must run bar for bar have different lengths.
    #[error("{what} has {got} entries but the returns have {expected}")]
    LengthMismatch {
        /// The argument whose length is wrong (`exposure_mask`, `labels`, `timestamps`).
        what: &'static str,
        /// The number of returns.
        expected: usize,
        /// The argument's length.
        got: usize,
    },
    /// A configuration value is out of its domain.
    #[error("MetricsConfig.{field} = {value} is invalid: {reason}")]
    BadConfig {
        /// The field name.
        field: &'static str,
        /// The offending value.
        value: f64,
        /// What the field must satisfy.
        reason: &'static str,
    },
    /// Timestamps go backwards, so calendar months cannot be formed.
    #[error("timestamps[{index}] is earlier than timestamps[{}]", .index - 1)]
    UnsortedTimestamps {
        /// The first position whose timestamp precedes its predecessor's.
        index: usize,
    },
    /// A compounded quantity left the range of `f64` (returns of absurd size).
    #[error("the {what} overflows f64")]
    Overflow {
        /// What overflowed.
        what: &'static str,
    },
}
