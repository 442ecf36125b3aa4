//! Fixed-fractional sizing: risk a fixed fraction of equity on each trade.
//!
//! Source: R. Vince, *The Mathematics of Money Management* (1992), ch. 2 (fixed
//! fractional trading); van K. Tharp, *Trade Your Way to Financial Freedom* (1999),
//! ch. 14 ("percent risk" model): units = f · equity / (max loss per unit).

use super::{finite, positive, unit_fraction};
use crate::RiskError;

/// Risk `fraction` of equity per trade (e.g. 0.01–0.02).
///
/// ```
/// use thetalab_risk::sizing::{FixedFractional, credit_spread_max_loss};
///
/// // A 5-wide put credit spread sold for 1.20 on a 100 multiplier loses at most 380.
/// let max_loss = credit_spread_max_loss(5.0, 1.20, 100.0)?;
/// let qty = FixedFractional::new(0.02)?.quantity(100_000.0, max_loss)?;
/// assert!((qty - 2_000.0 / 380.0).abs() < 1e-12);
/// # Ok::<(), thetalab_risk::RiskError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedFractional {
    fraction: f64,
}

impl FixedFractional {
    /// A rule risking `fraction` ∈ (0, 1] of equity per trade.
    pub fn new(fraction: f64) -> Result<FixedFractional, RiskError> {
        Ok(FixedFractional {
            fraction: unit_fraction("fraction", fraction)?,
        })
    }

    /// The fraction of equity risked.
    #[must_use]
    pub const fn fraction(&self) -> f64 {
        self.fraction
    }

    /// Units (not rounded) such that units × `max_loss_per_unit` = fraction × `equity`.
    pub fn quantity(&self, equity: f64, max_loss_per_unit: f64) -> Result<f64, RiskError> {
        let equity = positive("equity", equity)?;
        let loss = positive("max_loss_per_unit", max_loss_per_unit)?;
        // Tharp (1999) ch. 14: units = f · E / (risk per unit).
        Ok(self.fraction * equity / loss)
    }
}

/// Max loss per spread of a credit vertical: (width − credit) × multiplier.
///
/// Source: Hull, *Options, Futures and Other Derivatives* (10th ed.), §12.1 (bull and
/// bear spreads): the payoff is bounded by the strike width, less the premium received.
pub fn credit_spread_max_loss(width: f64, credit: f64, multiplier: f64) -> Result<f64, RiskError> {
    let width = positive("width", width)?;
    let credit = finite("credit", credit)?;
    let multiplier = positive("multiplier", multiplier)?;
    if credit < 0.0 || credit >= width {
        return Err(RiskError::InvalidInput {
            name: "credit",
            value: credit,
            expected: "in [0, width)",
        });
    }
    Ok((width - credit) * multiplier)
}

/// Max loss per spread of a debit vertical (or any long premium): debit × multiplier.
///
/// Source: Hull (10th ed.), §12.1: a bought spread loses at most what was paid.
pub fn debit_spread_max_loss(debit: f64, multiplier: f64) -> Result<f64, RiskError> {
    Ok(positive("debit", debit)? * positive("multiplier", multiplier)?)
}

/// Loss per share when a stock position is stopped out: |entry − stop|.
pub fn stop_max_loss(entry: f64, stop: f64) -> Result<f64, RiskError> {
    let entry = positive("entry", entry)?;
    let stop = positive("stop", stop)?;
    positive("stop distance", (entry - stop).abs())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn risks_the_fraction() {
        let ff = FixedFractional::new(0.01).unwrap();
        // 1 % of 50,000 = 500 at risk; stop 2.50 below entry → 200 shares.
        let loss = stop_max_loss(100.0, 97.5).unwrap();
        assert!((ff.quantity(50_000.0, loss).unwrap() - 200.0).abs() < 1e-9);
        assert_eq!(debit_spread_max_loss(2.0, 100.0).unwrap(), 200.0);
        assert!((credit_spread_max_loss(10.0, 3.0, 100.0).unwrap() - 700.0).abs() < 1e-9);
    }

    #[test]
    fn bad_inputs_are_named() {
        assert!(FixedFractional::new(0.0).is_err());
        assert!(FixedFractional::new(1.5).is_err());
        assert!(FixedFractional::new(f64::NAN).is_err());
        let ff = FixedFractional::new(0.02).unwrap();
        assert!(matches!(
            ff.quantity(-1.0, 1.0),
            Err(RiskError::InvalidInput { name: "equity", .. })
        ));
        assert!(matches!(
            ff.quantity(1.0, 0.0),
            Err(RiskError::InvalidInput {
                name: "max_loss_per_unit",
                ..
            })
        ));
        assert!(credit_spread_max_loss(5.0, 5.0, 100.0).is_err());
        assert!(stop_max_loss(10.0, 10.0).is_err());
    }
}
