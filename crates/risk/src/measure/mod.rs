//! Value at Risk and Conditional Value at Risk (expected shortfall).
//!
//! Conventions:
//! - `alpha` is the **tail probability** (0.05 for 95 % VaR), in (0, 1).
//! - VaR and CVaR are reported as **positive losses** in the units of the input (a return
//!   of −3 % in the tail gives VaR = 0.03); a negative number means even the tail gains.
//! - The horizon is one period of the input; nothing is scaled by √t.
//! - **Historical** VaR is the negated `k`-th smallest return with `k = ⌈αn⌉` (at least
//!   1), and CVaR the negated mean of those `k` smallest returns. This is an order
//!   statistic, not an interpolated percentile: empyrical's `value_at_risk` (numpy
//!   `percentile` with linear interpolation) gives a different number on the same sample.
//! - **Parametric** uses the sample mean and the `ddof = 1` standard deviation.
//! - **Cornish-Fisher** uses the moment estimators of skewness `g₁ = m₃/m₂^{3/2}` and
//!   excess kurtosis `g₂ = m₄/m₂² − 3` (scipy's `skew`/`kurtosis` defaults).
//!
//! Monte Carlo VaR and option books live in [`mc`] and [`book`]; the PRNG in [`rng`].
//!
//! ```
//! use thetalab_risk::measure;
//! let r = [-0.05, -0.02, 0.01, 0.03, -0.04, 0.02, 0.00, 0.01, -0.01, 0.02];
//! // ⌈0.2 · 10⌉ = 2: the second-smallest return is −0.04.
//! let h = measure::historical(&r, 0.2).unwrap();
//! assert_eq!(h.var, 0.04);
//! assert!((h.cvar - 0.045).abs() < 1e-15);
//! ```

pub mod book;
pub mod mc;
pub mod rng;

use crate::RiskError;
use thetalab_pricing::normal;

/// VaR and CVaR at one tail probability, as positive losses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VarCvar {
    /// Value at Risk.
    pub var: f64,
    /// Conditional Value at Risk (expected shortfall), ≥ VaR.
    pub cvar: f64,
}

pub(crate) fn check_alpha(alpha: f64) -> Result<(), RiskError> {
    if alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(RiskError::InvalidInput {
            name: "alpha",
            value: alpha,
            expected: "a tail probability in (0, 1)",
        })
    }
}

fn check_returns(r: &[f64], what: &'static str, needed: usize) -> Result<(), RiskError> {
    if r.len() < needed {
        return Err(RiskError::TooFewObservations {
            name: what,
            len: r.len(),
            min: needed,
        });
    }
    if let Some((index, &value)) = r.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(RiskError::NonFinite {
            what: "returns",
            index,
            value,
        });
    }
    Ok(())
}

/// `k = ⌈αn⌉`, at least 1. A relative 1e-12 slack keeps `0.07 · 100 = 7.000000000000001`
/// at 7 rather than 8.
pub(crate) fn tail_count(alpha: f64, n: usize) -> usize {
    let x = alpha * n as f64;
    let k = (x - x * 1e-12).ceil() as usize;
    k.clamp(1, n)
}

/// Historical VaR/CVaR from the `k = ⌈αn⌉` smallest of the returns (see the module
/// conventions). O(n) selection, no full sort.
///
/// # Errors
/// [`RiskError`] for a bad `alpha`, an empty or non-finite series.
pub fn historical(returns: &[f64], alpha: f64) -> Result<VarCvar, RiskError> {
    check_alpha(alpha)?;
    check_returns(returns, "historical VaR", 1)?;
    let mut v = returns.to_vec();
    Ok(historical_in_place(&mut v, alpha))
}

/// The order-statistic VaR/CVaR of finite `v` (reordered in place), `v` non-empty.
pub(crate) fn historical_in_place(v: &mut [f64], alpha: f64) -> VarCvar {
    let k = tail_count(alpha, v.len());
    // After this, v[..k-1] ≤ v[k-1] ≤ v[k..] (total order: inputs are finite).
    let (lower, kth, _) = v.select_nth_unstable_by(k - 1, f64::total_cmp);
    let kth = *kth;
    let tail_sum: f64 = lower.iter().sum::<f64>() + kth;
    VarCvar {
        var: -kth,
        cvar: -tail_sum / k as f64,
    }
}

/// Normal VaR/CVaR for a given mean and standard deviation:
/// `VaR = −(μ + z_α σ)`, `CVaR = −(μ − σ φ(z_α)/α)` with `z_α = Φ⁻¹(α)` (Jorion, "Value at
/// Risk", 3rd ed., §5.2; McNeil, Frey & Embrechts, "Quantitative Risk Management",
/// 2005, Example 2.14).
///
/// # Errors
/// [`RiskError`] for a bad `alpha`, a non-finite mean or a negative/non-finite σ.
pub fn normal_var(mean: f64, sd: f64, alpha: f64) -> Result<VarCvar, RiskError> {
    check_alpha(alpha)?;
    if !mean.is_finite() {
        return Err(RiskError::InvalidInput {
            name: "mean",
            expected: "finite",
            value: mean,
        });
    }
    if !(sd.is_finite() && sd >= 0.0) {
        return Err(RiskError::InvalidInput {
            name: "sd",
            expected: "finite and >= 0",
            value: sd,
        });
    }
    let z = normal::inv_cdf(alpha);
    Ok(VarCvar {
        var: -(mean + z * sd),
        cvar: -(mean - sd * normal::pdf(z) / alpha),
    })
}

/// Sample mean and `ddof = 1` standard deviation (two-pass).
fn mean_sd(r: &[f64]) -> (f64, f64) {
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n;
    let ss: f64 = r.iter().map(|x| (x - mean) * (x - mean)).sum();
    (mean, (ss / (n - 1.0)).sqrt())
}

/// Parametric normal VaR/CVaR with the sample mean and `ddof = 1` standard deviation
/// (see [`normal_var`]).
///
/// # Errors
/// [`RiskError`] for a bad `alpha`, fewer than 2 or non-finite returns.
pub fn parametric(returns: &[f64], alpha: f64) -> Result<VarCvar, RiskError> {
    check_alpha(alpha)?;
    check_returns(returns, "parametric VaR", 2)?;
    let (m, s) = mean_sd(returns);
    normal_var(m, s, alpha)
}

/// Moments used by Cornish-Fisher.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Sample mean.
    pub mean: f64,
    /// Standard deviation, `ddof = 1`.
    pub sd: f64,
    /// Skewness `g₁ = m₃ / m₂^{3/2}` (biased moment estimator).
    pub skew: f64,
    /// Excess kurtosis `g₂ = m₄ / m₂² − 3` (biased moment estimator).
    pub excess_kurtosis: f64,
}

/// Sample moments of a series (see [`Moments`]); zero skew and kurtosis for a constant
/// series rather than NaN.
///
/// # Errors
/// [`RiskError`] for fewer than 2 or non-finite returns.
pub fn moments(returns: &[f64]) -> Result<Moments, RiskError> {
    check_returns(returns, "sample moments", 2)?;
    let n = returns.len() as f64;
    let (mean, sd) = mean_sd(returns);
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for x in returns {
        let d = x - mean;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    let (m2, m3, m4) = (m2 / n, m3 / n, m4 / n);
    let (skew, excess_kurtosis) = if m2 > 0.0 {
        (m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0)
    } else {
        (0.0, 0.0)
    };
    Ok(Moments {
        mean,
        sd,
        skew,
        excess_kurtosis,
    })
}

/// The Cornish-Fisher quantile of a standardised variable with skewness `s` and excess
/// kurtosis `k`: `z_cf = z + (z² − 1)s/6 + (z³ − 3z)k/24 − (2z³ − 5z)s²/36`, `z = Φ⁻¹(α)`
/// (Cornish & Fisher 1937; Favre & Galeano, "Mean-modified Value-at-Risk optimization
/// with hedge funds", J. Alternative Investments 5 (2002), eq. 3).
///
/// # Errors
/// [`RiskError`] for a bad `alpha` or non-finite moments.
pub fn cornish_fisher_z(alpha: f64, skew: f64, excess_kurtosis: f64) -> Result<f64, RiskError> {
    check_alpha(alpha)?;
    if !skew.is_finite() {
        return Err(RiskError::InvalidInput {
            name: "skew",
            expected: "finite",
            value: skew,
        });
    }
    if !excess_kurtosis.is_finite() {
        return Err(RiskError::InvalidInput {
            name: "excess_kurtosis",
            expected: "finite",
            value: excess_kurtosis,
        });
    }
    let z = normal::inv_cdf(alpha);
    let (s, k) = (skew, excess_kurtosis);
    let z2 = z * z;
    let z3 = z2 * z;
    Ok(z + (z2 - 1.0) * s / 6.0 + (z3 - 3.0 * z) * k / 24.0 - (2.0 * z3 - 5.0 * z) * s * s / 36.0)
}

/// Cornish-Fisher (modified) VaR `−(μ + z_cf σ)` from the sample moments (see
/// [`cornish_fisher_z`] and the module conventions). Only VaR: the expansion has no
/// CVaR of the same simplicity.
///
/// # Errors
/// [`RiskError`] for a bad `alpha`, fewer than 2 or non-finite returns.
pub fn cornish_fisher(returns: &[f64], alpha: f64) -> Result<f64, RiskError> {
    check_alpha(alpha)?;
    let m = moments(returns)?;
    let z = cornish_fisher_z(alpha, m.skew, m.excess_kurtosis)?;
    Ok(-(m.mean + z * m.sd))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tail_count_is_ceiling_with_slack() {
        assert_eq!(tail_count(0.05, 100), 5);
        assert_eq!(tail_count(0.07, 100), 7);
        assert_eq!(tail_count(0.051, 100), 6);
        assert_eq!(tail_count(0.01, 10), 1);
        assert_eq!(tail_count(0.999, 10), 10);
    }

    #[test]
    fn historical_by_hand() {
        let r = [
            0.03, -0.01, -0.05, 0.02, -0.03, 0.01, 0.0, -0.02, 0.04, 0.05,
        ];
        // α = 0.25 → k = ⌈2.5⌉ = 3: smallest −0.05, −0.03, −0.02.
        let h = historical(&r, 0.25).unwrap();
        assert_eq!(h.var, 0.02);
        assert!((h.cvar - 0.1 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(
            historical(&[], 0.05),
            Err(RiskError::TooFewObservations {
                name: "historical VaR",
                len: 0,
                min: 1
            })
        );
        assert_eq!(
            historical(&[0.1], 1.0),
            Err(RiskError::InvalidInput {
                name: "alpha",
                value: 1.0,
                expected: "a tail probability in (0, 1)"
            })
        );
        assert!(matches!(
            parametric(&[0.1, f64::INFINITY], 0.05),
            Err(RiskError::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            normal_var(0.0, -1.0, 0.05),
            Err(RiskError::InvalidInput { name: "sd", .. })
        ));
        assert!(matches!(
            cornish_fisher_z(0.05, f64::NAN, 0.0),
            Err(RiskError::InvalidInput { name: "skew", .. })
        ));
    }

    #[test]
    fn constant_series_is_finite() {
        let m = moments(&[0.01; 5]).unwrap();
        assert_eq!((m.skew, m.excess_kurtosis, m.sd), (0.0, 0.0, 0.0));
        assert!((cornish_fisher(&[0.01; 5], 0.05).unwrap() + 0.01).abs() < 1e-15);
    }
}
