//! The crate's error type.

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, IndicatorError>;

/// What can go wrong when an indicator is set up or fed: every variant names the
/// indicator and the input or parameter at fault. Indicators never fail on the
/// *values* of a series (a NaN input simply propagates); they fail on shapes and
/// parameters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndicatorError {
    /// A window length (period) outside its allowed range.
    #[error("{indicator}: parameter `{name}` = {value} is invalid (must be >= {min})")]
    InvalidPeriod {
        /// Indicator name, e.g. `"SMA"`.
        indicator: &'static str,
        /// Parameter name, e.g. `"period"`.
        name: &'static str,
        /// The value given.
        value: usize,
        /// The smallest value allowed.
        min: usize,
    },
    /// A real-valued parameter that is not finite or out of its range.
    #[error("{indicator}: parameter `{name}` = {value} is invalid ({requirement})")]
    InvalidParameter {
        /// Indicator name.
        indicator: &'static str,
        /// Parameter name, e.g. `"nbdev_up"`.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What the parameter must satisfy.
        requirement: &'static str,
    },
    /// Two input columns of different lengths.
    #[error(
        "{indicator}: input `{name}` has {actual} values but `{reference}` has {expected}; all inputs must have the same length"
    )]
    LengthMismatch {
        /// Indicator name.
        indicator: &'static str,
        /// The first input, whose length is the reference.
        reference: &'static str,
        /// The input whose length differs.
        name: &'static str,
        /// Length of the reference input.
        expected: usize,
        /// Length of the offending input.
        actual: usize,
    },
    /// An output buffer of an `_into` function whose length differs from the input's.
    #[error(
        "{indicator}: output buffer `{name}` has {actual} slots but the input has {expected} values"
    )]
    OutputLength {
        /// Indicator name.
        indicator: &'static str,
        /// Output buffer name, e.g. `"out"`.
        name: &'static str,
        /// Input length.
        expected: usize,
        /// Output buffer length.
        actual: usize,
    },
}

/// Checks that `value >= min`.
pub(crate) fn check_period(
    indicator: &'static str,
    name: &'static str,
    value: usize,
    min: usize,
) -> Result<()> {
    if value < min {
        return Err(IndicatorError::InvalidPeriod {
            indicator,
            name,
            value,
            min,
        });
    }
    Ok(())
}

/// Checks that `value` is finite.
pub(crate) fn check_finite(indicator: &'static str, name: &'static str, value: f64) -> Result<()> {
    if !value.is_finite() {
        return Err(IndicatorError::InvalidParameter {
            indicator,
            name,
            value,
            requirement: "must be finite",
        });
    }
    Ok(())
}

/// Checks that every `(name, len)` in `others` has the reference length `n`.
pub(crate) fn check_lengths(
    indicator: &'static str,
    reference: &'static str,
    n: usize,
    others: &[(&'static str, usize)],
) -> Result<()> {
    for &(name, actual) in others {
        if actual != n {
            return Err(IndicatorError::LengthMismatch {
                indicator,
                reference,
                name,
                expected: n,
                actual,
            });
        }
    }
    Ok(())
}

/// Checks an output buffer's length against the input length `n`.
pub(crate) fn check_out(
    indicator: &'static str,
    name: &'static str,
    n: usize,
    len: usize,
) -> Result<()> {
    if len != n {
        return Err(IndicatorError::OutputLength {
            indicator,
            name,
            expected: n,
            actual: len,
        });
    }
    Ok(())
}
