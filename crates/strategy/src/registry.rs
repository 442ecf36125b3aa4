//! Strategies by name, for configs and the CLI (`--strategy sma-cross --set fast=10`).
//!
//! | name | parameters (defaults) |
//! |---|---|
//! | `sma-cross` | `fast` 10, `slow` 50, `allow_short` 0 |
//! | `ema-cross` | `fast` 10, `slow` 50, `allow_short` 0 |
//! | `mean-reversion` | `rsi_period` 14, `rsi_low` 30, `rsi_high` 70, `rsi_exit` 50, `bb_period` 20, `bb_dev` 2, `allow_short` 0 |
//! | `breakout` | `lookback` 20, `volume_mult` 1.5, `volume_window` 20 |
//! | `buy-hold` | — |
//!
//! Parameters are `f64`: windows must be whole numbers, flags 0 or 1. A parameter given
//! twice takes its last value.

use crate::params::invalid;
use crate::{BarStrategy, Breakout, BuyAndHold, EmaCross, MeanReversion, SmaCross, StrategyError};

/// The registry's strategy names.
pub const STRATEGY_NAMES: [&str; 5] = [
    "sma-cross",
    "ema-cross",
    "mean-reversion",
    "breakout",
    "buy-hold",
];

/// The parameters of strategy `name` with their defaults, in registry order.
pub fn default_params(name: &str) -> Result<Vec<(String, f64)>, StrategyError> {
    let p: &[(&str, f64)] = match name {
        "sma-cross" | "ema-cross" => &[
            ("fast", SmaCross::DEFAULT_FAST as f64),
            ("slow", SmaCross::DEFAULT_SLOW as f64),
            ("allow_short", 0.0),
        ],
        "mean-reversion" => return Ok(MeanReversion::default().params()),
        "breakout" => return Ok(Breakout::default().params()),
        "buy-hold" => &[],
        _ => {
            return Err(StrategyError::UnknownStrategy {
                name: name.to_string(),
                valid: STRATEGY_NAMES.join(", "),
            });
        }
    };
    Ok(p.iter().map(|&(k, v)| (k.to_string(), v)).collect())
}

/// Builds strategy `name` with `params` overriding its defaults. Unknown names and
/// parameters are [`StrategyError::UnknownStrategy`] / [`StrategyError::UnknownParam`]
/// listing the valid ones; out-of-domain values are [`StrategyError::InvalidParam`].
///
/// ```
/// use thetalab_strategy::{by_name, BarStrategy};
///
/// let s = by_name("sma-cross", &[("fast".into(), 5.0), ("slow".into(), 20.0)])?;
/// assert_eq!(s.name(), "sma-cross");
/// assert_eq!(s.params()[..2], [("fast".into(), 5.0), ("slow".into(), 20.0)]);
/// assert!(by_name("sma-cross", &[("fastt".into(), 5.0)]).is_err());
/// # Ok::<(), thetalab_strategy::StrategyError>(())
/// ```
pub fn by_name(
    name: &str,
    params: &[(String, f64)],
) -> Result<Box<dyn BarStrategy>, StrategyError> {
    let mut merged = default_params(name)?;
    for (k, v) in params {
        match merged.iter_mut().find(|(d, _)| d == k) {
            Some(slot) => slot.1 = *v,
            None => {
                return Err(StrategyError::UnknownParam {
                    strategy: name.to_string(),
                    param: k.clone(),
                    valid: if merged.is_empty() {
                        "(none)".to_string()
                    } else {
                        merged
                            .iter()
                            .map(|(d, _)| d.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                });
            }
        }
    }
    let get = |k: &str| {
        merged
            .iter()
            .find(|(d, _)| d == k)
            .map_or(f64::NAN, |p| p.1)
    };
    let whole = |k: &str| to_usize(name, k, get(k));
    let yes = |k: &str| to_bool(name, k, get(k));
    Ok(match name {
        "sma-cross" => {
            Box::new(SmaCross::new(whole("fast")?, whole("slow")?)?.with_short(yes("allow_short")?))
        }
        "ema-cross" => {
            Box::new(EmaCross::new(whole("fast")?, whole("slow")?)?.with_short(yes("allow_short")?))
        }
        "mean-reversion" => {
            let m = MeanReversion {
                rsi_period: whole("rsi_period")?,
                rsi_low: get("rsi_low"),
                rsi_high: get("rsi_high"),
                rsi_exit: get("rsi_exit"),
                bb_period: whole("bb_period")?,
                bb_dev: get("bb_dev"),
                allow_short: yes("allow_short")?,
            };
            m.validate()?;
            Box::new(m)
        }
        "breakout" => Box::new(Breakout::new(
            whole("lookback")?,
            get("volume_mult"),
            whole("volume_window")?,
        )?),
        _ => Box::new(BuyAndHold),
    })
}

/// A whole, non-negative, finite number as `usize`.
fn to_usize(strategy: &str, param: &str, v: f64) -> Result<usize, StrategyError> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64 {
        Ok(v as usize)
    } else {
        Err(invalid(strategy, param, v, "must be a whole number >= 0"))
    }
}

/// 0 or 1 as a flag.
fn to_bool(strategy: &str, param: &str, v: f64) -> Result<bool, StrategyError> {
    if v == 0.0 {
        Ok(false)
    } else if v == 1.0 {
        Ok(true)
    } else {
        Err(invalid(strategy, param, v, "must be 0 or 1"))
    }
}
