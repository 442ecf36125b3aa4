//! Volatility targeting: scale exposure so that the position runs at a target volatility.
//!
//! Source: A. Moreira and T. Muir, "Volatility-managed portfolios", *Journal of Finance*
//! 72 (2017), eq. (1): weight ∝ target / realised variance; the common practitioner form
//! (and ours) scales by target / realised *volatility*, as in A. Harvey et al., "The
//! impact of volatility targeting", *Journal of Portfolio Management* 45 (2018), eq. (1).

use serde::{Deserialize, Serialize};

use super::positive;
use crate::RiskError;

/// Annualised realised volatility of simple `returns`: the sample standard deviation
/// (ddof = 1) × √`periods_per_year` (252 for daily bars).
pub fn realised_vol(returns: &[f64], periods_per_year: f64) -> Result<f64, RiskError> {
    let ppy = positive("periods_per_year", periods_per_year)?;
    let n = returns.len();
    if n < 2 {
        return Err(RiskError::TooFewObservations {
            name: "returns",
            len: n,
            min: 2,
        });
    }
    if let Some(&bad) = returns.iter().find(|r| !r.is_finite()) {
        return Err(RiskError::InvalidInput {
            name: "returns",
            value: bad,
            expected: "finite",
        });
    }
    let mean = returns.iter().sum::<f64>() / n as f64;
    // Sample variance with Bessel's correction (ddof = 1).
    let var = returns.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / (n - 1) as f64;
    // Square-root-of-time annualisation.
    Ok((var * ppy).sqrt())
}

/// A volatility target with bounds on the resulting scale.
///
/// ```
/// use thetalab_risk::sizing::VolTarget;
///
/// let vt = VolTarget::new(0.15, 0.0, 2.0)?;
/// assert!((vt.scale_from_vix(20.0)? - 0.75).abs() < 1e-12); // 15 % / 20 %
/// assert_eq!(vt.scale_from_vix(5.0)?, 2.0); // 3× capped at 2×
/// # Ok::<(), thetalab_risk::RiskError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VolTarget {
    /// Target annualised volatility (decimal, e.g. 0.15).
    pub target: f64,
    /// Smallest scale returned (e.g. 0).
    pub min_scale: f64,
    /// Largest scale returned, the leverage cap (e.g. 2).
    pub max_scale: f64,
}

impl VolTarget {
    /// A target `target` > 0 with scale bounds 0 ≤ `min_scale` ≤ `max_scale`.
    pub fn new(target: f64, min_scale: f64, max_scale: f64) -> Result<VolTarget, RiskError> {
        let vt = VolTarget {
            target,
            min_scale,
            max_scale,
        };
        vt.validate()?;
        Ok(vt)
    }

    /// Checks the fields (for values built by struct literal or deserialised).
    pub fn validate(&self) -> Result<(), RiskError> {
        positive("target", self.target)?;
        if !(self.min_scale.is_finite() && self.min_scale >= 0.0) {
            return Err(RiskError::InvalidInput {
                name: "min_scale",
                value: self.min_scale,
                expected: "finite and >= 0",
            });
        }
        if !(self.max_scale.is_finite() && self.max_scale >= self.min_scale) {
            return Err(RiskError::InvalidInput {
                name: "max_scale",
                value: self.max_scale,
                expected: "finite and >= min_scale",
            });
        }
        Ok(())
    }

    /// target / `vol` (annualised decimal), clamped to [min_scale, max_scale].
    pub fn scale_from_vol(&self, vol: f64) -> Result<f64, RiskError> {
        self.validate()?;
        let vol = positive("realised vol", vol)?;
        // Harvey et al. (2018) eq. (1): scale = σ_target / σ̂.
        Ok((self.target / vol).clamp(self.min_scale, self.max_scale))
    }

    /// The scale from the realised volatility of `returns` (see [`realised_vol`]).
    pub fn scale_from_returns(
        &self,
        returns: &[f64],
        periods_per_year: f64,
    ) -> Result<f64, RiskError> {
        self.scale_from_vol(realised_vol(returns, periods_per_year)?)
    }

    /// The scale from a VIX level in index points (20 = 20 % annualised implied vol):
    /// target / (VIX / 100), clamped.
    pub fn scale_from_vix(&self, vix: f64) -> Result<f64, RiskError> {
        let vix = positive("vix", vix)?;
        // VIX is 100 × the 30-day implied volatility (Cboe VIX white paper, 2019).
        self.scale_from_vol(vix / 100.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn realised_vol_arithmetic() {
        // Returns ±1 % alternating: mean 0, sample variance n/(n−1) · 1e-4.
        let r: Vec<f64> = (0..10)
            .map(|i| if i % 2 == 0 { 0.01 } else { -0.01 })
            .collect();
        let expect = (1e-4 * 10.0 / 9.0 * 252.0_f64).sqrt();
        assert!((realised_vol(&r, 252.0).unwrap() - expect).abs() < 1e-14);
        assert!(realised_vol(&[0.01], 252.0).is_err());
        assert!(realised_vol(&[0.01, f64::NAN], 252.0).is_err());
    }

    #[test]
    fn scales_and_caps() {
        let vt = VolTarget::new(0.10, 0.25, 1.5).unwrap();
        assert!((vt.scale_from_vol(0.20).unwrap() - 0.5).abs() < 1e-15);
        assert_eq!(vt.scale_from_vol(0.01).unwrap(), 1.5);
        assert_eq!(vt.scale_from_vol(1.00).unwrap(), 0.25);
        assert!(vt.scale_from_vol(0.0).is_err());
        // Constant returns have zero vol: an error, not an infinite scale.
        assert!(vt.scale_from_returns(&[0.01, 0.01, 0.01], 252.0).is_err());
        assert!(VolTarget::new(0.1, 2.0, 1.0).is_err());
        assert!(VolTarget::new(0.0, 0.0, 1.0).is_err());
    }
}
