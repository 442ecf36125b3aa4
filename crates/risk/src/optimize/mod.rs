//! Portfolio optimisation: mean-variance (QP via `clarabel`), equal-risk / risk-budget
//! parity, Black-Litterman posterior returns and hierarchical risk parity.
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
pub mod risk_parity;

pub use black_litterman::{Omega, black_litterman_posterior, market_implied_prior};
pub use hrp::hrp_weights;
pub use mean_variance::{Constraints, Group, MeanVariance};
pub use risk_parity::{equal_risk_contribution, risk_budget_weights, risk_contributions};

use nalgebra::{DMatrix, DVector};

/// Errors of the optimisation module; each names the input at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimizeError {
    /// An input has no rows or no assets.
    #[error("`{what}` is empty")]
    Empty {
        /// The input at fault.
        what: &'static str,
    },
    /// Two inputs disagree in size.
    #[error("`{what}` has size {found}, expected {expected}")]
    DimensionMismatch {
        /// The input at fault.
        what: &'static str,
        /// Size implied by the other inputs.
        expected: usize,
        /// Size found.
        found: usize,
    },
    /// An input holds a NaN or an infinity.
    #[error("`{what}` has a non-finite value at index {index}")]
    NonFinite {
        /// The input at fault.
        what: &'static str,
        /// Flat (column-major for matrices) index of the first bad value.
        index: usize,
    },
    /// The covariance matrix is not symmetric, or has a non-positive variance.
    #[error("covariance matrix is invalid: {reason}")]
    InvalidCovariance {
        /// What is wrong.
        reason: String,
    },
    /// A scalar parameter is out of range.
    #[error("parameter `{name}` = {value} is out of range ({expected})")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Value given.
        value: f64,
        /// The valid range.
        expected: &'static str,
    },
    /// A per-asset bound has lower > upper.
    #[error("bounds of asset {asset} are invalid: lower {lower} > upper {upper}")]
    InvalidBounds {
        /// Asset index.
        asset: usize,
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// A group constraint is malformed.
    #[error("group {group} is invalid: {reason}")]
    InvalidGroup {
        /// Group index in [`Constraints::groups`].
        group: usize,
        /// What is wrong.
        reason: String,
    },
    /// The solver proved (or nearly proved) the problem infeasible.
    #[error("{problem} is infeasible (solver status {status})")]
    Infeasible {
        /// Which problem (e.g. "min variance").
        problem: &'static str,
        /// Clarabel's status.
        status: String,
    },
    /// The solver stopped without a solution.
    #[error("{problem}: solver failed (status {status})")]
    SolverFailed {
        /// Which problem.
        problem: &'static str,
        /// Clarabel's status, or the reason setup failed.
        status: String,
    },
    /// The covariance estimator refused the returns.
    #[error("covariance estimate: {0}")]
    Covariance(#[from] crate::cov::CovError),
    /// An iterative method did not reach its tolerance.
    #[error("{method} did not converge in {iterations} iterations")]
    NoConvergence {
        /// Method name.
        method: &'static str,
        /// Iterations run.
        iterations: usize,
    },
}

/// Checks that every value is finite.
pub(crate) fn check_finite(what: &'static str, v: &[f64]) -> Result<(), OptimizeError> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(OptimizeError::NonFinite { what, index }),
        None => Ok(()),
    }
}

/// Validates a covariance matrix: square of size `n` (when given), finite, symmetric to
/// 1e-10 relative, positive diagonal.
pub(crate) fn check_cov(cov: &DMatrix<f64>, n: Option<usize>) -> Result<(), OptimizeError> {
    if cov.nrows() == 0 {
        return Err(OptimizeError::Empty { what: "cov" });
    }
    if cov.nrows() != cov.ncols() {
        return Err(OptimizeError::DimensionMismatch {
            what: "cov columns",
            expected: cov.nrows(),
            found: cov.ncols(),
        });
    }
    if let Some(n) = n
        && cov.nrows() != n
    {
        return Err(OptimizeError::DimensionMismatch {
            what: "cov",
            expected: n,
            found: cov.nrows(),
        });
    }
    check_finite("cov", cov.as_slice())?;
    let scale = cov.amax();
    for i in 0..cov.nrows() {
        if cov[(i, i)] <= 0.0 {
            return Err(OptimizeError::InvalidCovariance {
                reason: format!("variance of asset {i} is {} (must be > 0)", cov[(i, i)]),
            });
        }
        for j in 0..i {
            if (cov[(i, j)] - cov[(j, i)]).abs() > 1e-10 * scale {
                return Err(OptimizeError::InvalidCovariance {
                    reason: format!("not symmetric at ({i}, {j})"),
                });
            }
        }
    }
    Ok(())
}

/// Validates a vector of length `n`, finite.
pub(crate) fn check_vec(
    what: &'static str,
    v: &DVector<f64>,
    n: usize,
) -> Result<(), OptimizeError> {
    if v.len() != n {
        return Err(OptimizeError::DimensionMismatch {
            what,
            expected: n,
            found: v.len(),
        });
    }
    check_finite(what, v.as_slice())
}
