//! Allocation across strategies' return streams.
//!
//! [`risk_budgeted`]: given `K` periodic return series (a `T × K` matrix) and risk budgets
//! b_k, every `rebalance_every` periods the weights are reset to the risk-budget portfolio
//! (risk contributions ∝ b_k, Spinu 2013 via [`crate::optimize::risk_budget_weights`]) of
//! the sample covariance (ddof = 1) of the trailing `window` periods. Between rebalances the
//! weights drift with the streams' returns (buy-and-hold), so the combined return is
//! r_p,t = Σ_k w_{t,k} r_{t,k} and w_{t+1,k} = w_{t,k}(1 + r_{t,k}) / (1 + r_p,t).
//! The first allocation uses periods `0..window` and applies from period `window`.

use crate::RiskError;
use crate::optimize::{moments::sample_covariance, risk_budget_weights};
use nalgebra::{DMatrix, DVector};

/// The path of a risk-budgeted allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// First period with weights (= `window`).
    pub start: usize,
    /// Weights at the start of each period `start..T` (`(T − start) × K`).
    pub weights: DMatrix<f64>,
    /// Combined return of each period `start..T`.
    pub returns: DVector<f64>,
    /// Periods at which the weights were reset.
    pub rebalances: Vec<usize>,
}

/// Risk-budgeted allocation with periodic rebalancing on a trailing window (see module docs).
pub fn risk_budgeted(
    returns: &DMatrix<f64>,
    budgets: &DVector<f64>,
    window: usize,
    rebalance_every: usize,
) -> Result<Allocation, RiskError> {
    let (t, k) = returns.shape();
    if k == 0 || budgets.len() != k {
        return Err(RiskError::InvalidInput {
            name: "budgets",
            value: budgets.len() as f64,
            expected: "one budget per return stream (columns of returns)",
        });
    }
    if window < 2 || window >= t {
        return Err(RiskError::InvalidInput {
            name: "window",
            value: window as f64,
            expected: "2 <= window < number of periods",
        });
    }
    if rebalance_every == 0 {
        return Err(RiskError::InvalidInput {
            name: "rebalance_every",
            value: 0.0,
            expected: ">= 1",
        });
    }
    if let Some(idx) = returns.iter().position(|x| !x.is_finite()) {
        return Err(RiskError::NonFiniteCell {
            what: "returns",
            row: idx % t,
            col: idx / t,
            value: returns[idx],
        });
    }
    let m = t - window;
    let mut weights = DMatrix::zeros(m, k);
    let mut combined = DVector::zeros(m);
    let mut rebalances = Vec::new();
    let mut w = DVector::zeros(k);
    for (row, period) in (window..t).enumerate() {
        if row % rebalance_every == 0 {
            let wrap = |source| RiskError::Rebalance {
                period,
                source: Box::new(source),
            };
            let cov = sample_covariance(&returns.rows(period - window, window).into_owned())
                .map_err(wrap)?;
            w = risk_budget_weights(&cov, budgets).map_err(wrap)?;
            rebalances.push(period);
        }
        weights.set_row(row, &w.transpose());
        let r = returns.row(period).transpose();
        let rp = w.dot(&r);
        combined[row] = rp;
        // buy-and-hold drift between rebalances
        if 1.0 + rp > 0.0 {
            w = w.component_mul(&r.add_scalar(1.0)) / (1.0 + rp);
        }
    }
    Ok(Allocation {
        start: window,
        weights,
        returns: combined,
        rebalances,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rebalances_on_schedule_and_accounts_returns() {
        let r = DMatrix::from_fn(30, 2, |i, j| {
            ((i * 7 + j * 3) % 5) as f64 * 0.01 - 0.02 + j as f64 * 0.001
        });
        let a = risk_budgeted(&r, &DVector::from_vec(vec![0.5, 0.5]), 10, 5).unwrap();
        assert_eq!(a.rebalances, vec![10, 15, 20, 25]);
        assert_eq!(a.weights.nrows(), 20);
        for row in 0..20 {
            assert!((a.weights.row(row).sum() - 1.0).abs() < 1e-12);
            let rp = a.weights.row(row).dot(&r.row(10 + row));
            assert!((a.returns[row] - rp).abs() < 1e-15);
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        let r = DMatrix::from_element(10, 2, 0.01);
        let b = DVector::from_vec(vec![0.5, 0.5]);
        assert!(risk_budgeted(&r, &b, 10, 1).is_err());
        assert!(risk_budgeted(&r, &b, 5, 0).is_err());
        assert!(risk_budgeted(&r, &DVector::from_vec(vec![1.0]), 5, 1).is_err());
        // constant streams: zero variance, typed error naming the rebalance period
        assert!(matches!(
            risk_budgeted(&r, &b, 5, 1),
            Err(RiskError::Rebalance { period: 5, .. })
        ));
    }
}
