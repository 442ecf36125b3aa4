//! Annualised sample moments under the crate's conventions (issue 6): arithmetic mean × 252
//! and covariance with ddof = 1 × 252, from a `T × N` matrix of simple periodic returns
//! (rows = periods, columns = assets). The covariance is the `cov` module's estimator. These match PyPortfolioOpt's
//! `mean_historical_return(compounding=False)` and `sample_cov`.

use super::check_finite;
use crate::RiskError;
use crate::cov;
use nalgebra::{DMatrix, DVector};

/// Trading periods per year used to annualise daily moments.
pub const PERIODS_PER_YEAR: f64 = cov::TRADING_DAYS;

fn check_returns(returns: &DMatrix<f64>, min_rows: usize) -> Result<(), RiskError> {
    if returns.ncols() == 0 || returns.nrows() == 0 {
        return Err(RiskError::Empty { what: "returns" });
    }
    if returns.nrows() < min_rows {
        return Err(RiskError::DimensionMismatch {
            what: "returns rows",
            expected: min_rows,
            found: returns.nrows(),
        });
    }
    check_finite("returns", returns.as_slice())
}

/// Annualised expected returns: μ_i = 252 · (1/T) Σ_t r_{t,i} (arithmetic mean).
pub fn annualised_mean(returns: &DMatrix<f64>) -> Result<DVector<f64>, RiskError> {
    check_returns(returns, 1)?;
    // arithmetic mean × periods per year (issue 6 convention; PyPortfolioOpt compounding=False)
    Ok(returns.row_mean().transpose() * PERIODS_PER_YEAR)
}

/// Sample covariance with ddof = 1, unannualised: [`crate::cov::sample`] with factor 1.
pub fn sample_covariance(returns: &DMatrix<f64>) -> Result<DMatrix<f64>, RiskError> {
    let opts = cov::SampleOptions {
        ddof: 1,
        annualisation: 1.0,
    };
    cov::sample(returns, &opts)
}

/// Annualised covariance: [`sample_covariance`] × 252 (issue 6 convention).
pub fn annualised_covariance(returns: &DMatrix<f64>) -> Result<DMatrix<f64>, RiskError> {
    let opts = cov::SampleOptions {
        ddof: 1,
        annualisation: PERIODS_PER_YEAR,
    };
    cov::sample(returns, &opts)
}

/// Simple returns r_t = p_t / p_{t−1} − 1 from a `T × N` price matrix (gives `T−1` rows).
pub fn simple_returns(prices: &DMatrix<f64>) -> Result<DMatrix<f64>, RiskError> {
    if prices.nrows() < 2 || prices.ncols() == 0 {
        return Err(RiskError::Empty { what: "prices" });
    }
    check_finite("prices", prices.as_slice())?;
    if let Some(index) = prices.iter().position(|p| *p <= 0.0) {
        return Err(RiskError::InvalidInput {
            name: "prices",
            value: prices.as_slice()[index],
            expected: "> 0",
        });
    }
    let t = prices.nrows();
    Ok(DMatrix::from_fn(t - 1, prices.ncols(), |i, j| {
        prices[(i + 1, j)] / prices[(i, j)] - 1.0
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn moments_of_a_small_sample() {
        let r = DMatrix::from_row_slice(3, 2, &[0.01, 0.02, -0.01, 0.0, 0.03, 0.01]);
        let mu = annualised_mean(&r).unwrap();
        assert!((mu[0] - 0.01 * 252.0).abs() < 1e-12);
        let c = sample_covariance(&r).unwrap();
        // var of (0.01, -0.01, 0.03): mean 0.01, ss = 0 + 4e-4 + 4e-4, /2 = 4e-4
        assert!((c[(0, 0)] - 4e-4).abs() < 1e-15);
        // cov: (0)(0.01) + (-0.02)(-0.01) + (0.02)(0) = 2e-4, /2 = 1e-4
        assert!((c[(0, 1)] - 1e-4).abs() < 1e-15);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(sample_covariance(&DMatrix::zeros(1, 2)).is_err());
        let mut r = DMatrix::zeros(3, 2);
        r[(1, 1)] = f64::NAN;
        assert!(matches!(
            annualised_mean(&r),
            Err(RiskError::NonFinite {
                what: "returns",
                index: 4,
                ..
            })
        ));
        assert!(simple_returns(&DMatrix::from_row_slice(2, 1, &[1.0, -1.0])).is_err());
    }
}
