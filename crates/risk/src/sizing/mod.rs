//! Position sizing: how many units to trade.
//!
//! Each rule lives in its own file and is usable on its own:
//!
//! - [`fixed_fractional`]: risk a fraction of equity per trade, given the trade's maximum
//!   loss per unit (a defined-risk spread's max loss, a stock's stop distance);
//! - [`kelly`]: the Kelly fraction for a single bet, for a Gaussian return and for several
//!   assets, and fractional Kelly;
//! - [`vol_target`]: scale exposure by target / realised volatility or target / VIX;
//! - [`streak`]: scale after runs of wins or losses;
//! - [`pipeline`]: the composable [`Sizer`], base size × multipliers, clamped and rounded.
//!
//! Conventions: fractions are decimals (0.02 = 2 %), volatilities are annualised decimals
//! (0.15 = 15 %), VIX is quoted in its own points (20 = 20 % annualised), returns are
//! simple per-period returns. Quantities are `f64` units (shares, contracts, spreads);
//! the [`Sizer`] rounds them down to a lot.

pub mod fixed_fractional;
pub mod kelly;
pub mod pipeline;
pub mod streak;
pub mod vol_target;

pub use fixed_fractional::{
    FixedFractional, credit_spread_max_loss, debit_spread_max_loss, stop_max_loss,
};
pub use kelly::{FractionalKelly, kelly_bet, kelly_gaussian, kelly_multi};
pub use pipeline::{BaseRule, Multiplier, SizeBreakdown, Sizer, SizingInput};
pub use streak::{StreakConfig, StreakScaler};
pub use vol_target::{VolTarget, realised_vol};

use crate::RiskError;

/// Checks that `value` is finite and strictly positive.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64, RiskError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(RiskError::InvalidInput {
            name,
            value,
            expected: "finite and > 0",
        })
    }
}

/// Checks that `value` is finite.
pub(crate) fn finite(name: &'static str, value: f64) -> Result<f64, RiskError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(RiskError::InvalidInput {
            name,
            value,
            expected: "finite",
        })
    }
}

/// Checks that `value` lies in (0, 1].
pub(crate) fn unit_fraction(name: &'static str, value: f64) -> Result<f64, RiskError> {
    if value.is_finite() && value > 0.0 && value <= 1.0 {
        Ok(value)
    } else {
        Err(RiskError::InvalidInput {
            name,
            value,
            expected: "in (0, 1]",
        })
    }
}
