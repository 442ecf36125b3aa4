//! Parameter checks shared by the strategies and the registry.

use thetalab_indicators::IndicatorError;

use crate::StrategyError;

/// An [`StrategyError::InvalidParam`].
pub(crate) fn invalid(strategy: &str, param: &str, value: f64, reason: &str) -> StrategyError {
    StrategyError::InvalidParam {
        strategy: strategy.to_string(),
        param: param.to_string(),
        value,
        reason: reason.to_string(),
    }
}

/// A window length must be at least 1.
pub(crate) fn period(strategy: &str, param: &str, value: usize) -> Result<(), StrategyError> {
    if value == 0 {
        return Err(invalid(strategy, param, 0.0, "must be >= 1"));
    }
    Ok(())
}

/// A real parameter must be finite and within `[lo, hi]`.
pub(crate) fn real_in(
    strategy: &str,
    param: &str,
    value: f64,
    lo: f64,
    hi: f64,
) -> Result<(), StrategyError> {
    if !(value.is_finite() && value >= lo && value <= hi) {
        return Err(invalid(
            strategy,
            param,
            value,
            &format!("must be finite and within [{lo}, {hi}]"),
        ));
    }
    Ok(())
}

/// Maps an indicator error into this crate's error, naming the strategy.
pub(crate) fn ind(
    strategy: &str,
    indicator: &'static str,
) -> impl Fn(IndicatorError) -> StrategyError {
    let strategy = strategy.to_string();
    move |e| StrategyError::Indicator {
        strategy: strategy.clone(),
        indicator,
        message: e.to_string(),
    }
}

/// `x` as a NaN when absent (streaming indicators return `None` during warm-up, batch
/// ones NaN; the decision functions take NaN).
#[inline]
pub(crate) fn or_nan(x: Option<f64>) -> f64 {
    x.unwrap_or(f64::NAN)
}

/// A boolean parameter as 0/1.
#[inline]
pub(crate) fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}
