//! Portfolio optimisation: mean-variance (a dense active-set QP method, `clarabel` as the
//! reference), equal-risk / risk-budget parity, Black-Litterman posterior returns (He-
//! Litterman or Idzorek Ω) and hierarchical risk parity.
//!
//! # Conventions (issue 6)
//! - Expected returns: arithmetic mean of simple returns × 252 ([`moments::annualised_mean`]).
//! - Covariance: ddof = 1, × 252 ([`moments::annualised_covariance`]).
//! - The risk-free rate is annual, in the same units as expected returns.
//! - Weights sum to 1; the default bounds are long-only `[0, 1]`.
//! - HRP: distance √((1−ρ)/2), single linkage, inverse-variance bisection (López de Prado 2016).
//!
//! Checked against PyPortfolioOpt 1.6.0 (golden fixtures in `tests/fixtures`).

pub mod black_litterman;
pub mod hrp;
pub mod mean_variance;
pub mod moments;
pub(crate) mod qp;
pub mod risk_parity;

pub use black_litterman::{Omega, black_litterman_posterior, idzorek_omega, market_implied_prior};
pub use hrp::hrp_weights;
pub use mean_variance::{Constraints, Group, MeanVariance, Portfolio, QpSolver};
pub use risk_parity::{equal_risk_contribution, risk_budget_weights, risk_contributions};

use crate::RiskError;
use nalgebra::{DMatrix, DVector};

/// Checks that every value is finite.
pub(crate) fn check_finite(what: &'static str, v: &[f64]) -> Result<(), RiskError> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(RiskError::NonFinite {
            what,
            index,
            value: v[index],
        }),
        None => Ok(()),
    }
}

/// Validates a covariance matrix: square of size `n` (when given), finite, symmetric to
/// 1e-10 relative, positive diagonal.
pub(crate) fn check_cov(cov: &DMatrix<f64>, n: Option<usize>) -> Result<(), RiskError> {
    if cov.nrows() == 0 {
        return Err(RiskError::Empty { what: "cov" });
    }
    if cov.nrows() != cov.ncols() {
        return Err(RiskError::DimensionMismatch {
            what: "cov columns",
            expected: cov.nrows(),
            found: cov.ncols(),
        });
    }
    if let Some(n) = n
        && cov.nrows() != n
    {
        return Err(RiskError::DimensionMismatch {
            what: "cov",
            expected: n,
            found: cov.nrows(),
        });
    }
    check_finite("cov", cov.as_slice())?;
    let scale = cov.amax();
    for i in 0..cov.nrows() {
        if cov[(i, i)] <= 0.0 {
            return Err(RiskError::InvalidCovariance {
                reason: format!("variance of asset {i} is {} (must be > 0)", cov[(i, i)]),
            });
        }
        for j in 0..i {
            if (cov[(i, j)] - cov[(j, i)]).abs() > 1e-10 * scale {
                return Err(RiskError::InvalidCovariance {
                    reason: format!("not symmetric at ({i}, {j})"),
                });
            }
        }
    }
    Ok(())
}

/// Validates a vector of length `n`, finite.
pub(crate) fn check_vec(what: &'static str, v: &DVector<f64>, n: usize) -> Result<(), RiskError> {
    if v.len() != n {
        return Err(RiskError::DimensionMismatch {
            what,
            expected: n,
            found: v.len(),
        });
    }
    check_finite(what, v.as_slice())
}
