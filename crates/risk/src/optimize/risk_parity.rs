//! Risk parity: weights whose risk contributions RC_i = w_i (Σw)_i / wᵀΣw equal given
//! budgets b_i (equal risk contribution when b_i = 1/n).
//!
//! Spinu (2013), "An algorithm for computing risk parity weights": the long-only solution
//! is w = y*/Σy*, where y* minimises the strictly convex
//! f(y) = ½ yᵀΣy − Σ_i b_i ln y_i, whose optimum satisfies y_i (Σy)_i = b_i.
//! Solved by Newton's method, damped by 1/(1+λ) while the Newton decrement λ > 0.25
//! (self-concordance, Nesterov 2004 §4.1.5, as Spinu does), to |y_i(Σy)_i − b_i| ≤ 1e-14.

use super::{check_cov, check_vec};
use crate::RiskError;
use nalgebra::{DMatrix, DVector};

const MAX_ITER: usize = 200;

/// Relative risk contributions RC_i = w_i (Σw)_i / wᵀΣw (Euler decomposition; they sum to 1).
pub fn risk_contributions(
    cov: &DMatrix<f64>,
    weights: &DVector<f64>,
) -> Result<DVector<f64>, RiskError> {
    check_cov(cov, None)?;
    check_vec("weights", weights, cov.nrows())?;
    let sw = cov * weights;
    let var = weights.dot(&sw);
    if var <= 0.0 {
        return Err(RiskError::InvalidInput {
            name: "weights",
            value: var,
            expected: "portfolio variance > 0",
        });
    }
    Ok(weights.component_mul(&sw) / var)
}

/// Equal-risk-contribution weights (budgets 1/n).
pub fn equal_risk_contribution(cov: &DMatrix<f64>) -> Result<DVector<f64>, RiskError> {
    let n = cov.nrows();
    risk_budget_weights(cov, &DVector::from_element(n, 1.0 / n.max(1) as f64))
}

/// Long-only weights with risk contributions proportional to `budgets` (all > 0; they are
/// normalised to sum to 1).
pub fn risk_budget_weights(
    cov: &DMatrix<f64>,
    budgets: &DVector<f64>,
) -> Result<DVector<f64>, RiskError> {
    check_cov(cov, None)?;
    let n = cov.nrows();
    check_vec("budgets", budgets, n)?;
    if let Some(i) = budgets.iter().position(|b| *b <= 0.0) {
        return Err(RiskError::InvalidInput {
            name: "budgets",
            value: budgets[i],
            expected: "every budget > 0",
        });
    }
    let b = budgets / budgets.sum();
    // Spinu (2013) starting point y0 = b / √(bᵀΣb)
    let mut y = &b / b.dot(&(cov * &b)).sqrt();
    for _ in 0..MAX_ITER {
        let sy = cov * &y;
        // optimality: y_i (Σy)_i = b_i (Spinu 2013, first-order condition)
        let resid = y.component_mul(&sy) - &b;
        if resid.amax() <= 1e-14 {
            return Ok(&y / y.sum());
        }
        let grad = &sy - b.component_div(&y);
        let mut hess = cov.clone();
        for i in 0..n {
            hess[(i, i)] += b[i] / (y[i] * y[i]);
        }
        let chol = hess
            .cholesky()
            .ok_or_else(|| RiskError::InvalidCovariance {
                reason: "not positive semi-definite (Newton Hessian not positive definite)".into(),
            })?;
        let step = chol.solve(&grad);
        // Newton decrement λ = √(gᵀH⁻¹g)
        let lambda = grad.dot(&step).max(0.0).sqrt();
        let t = if lambda > 0.25 {
            1.0 / (1.0 + lambda)
        } else {
            1.0
        };
        let next = &y - step * t;
        if next.iter().any(|v| !(*v > 0.0 && v.is_finite())) {
            break;
        }
        y = next;
    }
    Err(RiskError::NoConvergence {
        method: "risk parity (Spinu Newton)",
        iterations: MAX_ITER,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn uncorrelated_erc_is_inverse_volatility() {
        // with Σ diagonal, ERC weights ∝ 1/σ_i (Maillard, Roncalli & Teiletche 2010)
        let cov = DMatrix::from_diagonal(&DVector::from_vec(vec![0.04, 0.09, 0.01]));
        let w = equal_risk_contribution(&cov).unwrap();
        let inv = DVector::from_vec(vec![5.0, 1.0 / 0.3, 10.0]);
        let expect = &inv / inv.sum();
        assert!((w - expect).amax() < 1e-12);
    }

    #[test]
    fn budgets_are_met() {
        let cov = DMatrix::from_row_slice(
            3,
            3,
            &[0.04, 0.01, -0.002, 0.01, 0.09, 0.02, -0.002, 0.02, 0.0225],
        );
        let b = DVector::from_vec(vec![0.5, 0.3, 0.2]);
        let w = risk_budget_weights(&cov, &b).unwrap();
        let rc = risk_contributions(&cov, &w).unwrap();
        assert!((rc - b).amax() < 1e-12);
    }

    #[test]
    fn bad_budgets_are_errors() {
        let cov = DMatrix::identity(2, 2);
        assert!(risk_budget_weights(&cov, &DVector::from_vec(vec![1.0, 0.0])).is_err());
        assert!(risk_budget_weights(&cov, &DVector::from_vec(vec![1.0])).is_err());
        assert!(equal_risk_contribution(&DMatrix::zeros(0, 0)).is_err());
    }
}
