//! Black-Litterman posterior expected returns (Black & Litterman 1992; He & Litterman 1999).
//!
//! Prior (reverse optimisation, He & Litterman 1999 eq. 1): π = δ Σ w_mkt (+ r_f, as in
//! PyPortfolioOpt's `market_implied_prior_returns`).
//! Posterior mean (He & Litterman 1999 eq. 12, in the form of Walters 2014 eq. 32):
//! μ_BL = π + τΣPᵀ (PτΣPᵀ + Ω)⁻¹ (Q − Pπ).
//! Ω defaults to diag(P τΣ Pᵀ) (He & Litterman 1999, §3: view variance proportional to the
//! prior's); τ defaults to 0.05.

use super::{OptimizeError, check_cov, check_finite, check_vec};
use nalgebra::{DMatrix, DVector};

/// Default τ (He & Litterman 1999 use 0.05).
pub const DEFAULT_TAU: f64 = 0.05;

/// Uncertainty of the views.
#[derive(Debug, Clone, PartialEq)]
pub enum Omega {
    /// Ω = diag(P τΣ Pᵀ) (He & Litterman 1999).
    Proportional,
    /// A given `k × k` covariance of the views.
    Explicit(DMatrix<f64>),
}

/// Market-implied prior returns π = δ Σ w_mkt + r_f (He & Litterman 1999 eq. 1).
pub fn market_implied_prior(
    cov: &DMatrix<f64>,
    market_weights: &DVector<f64>,
    risk_aversion: f64,
    risk_free: f64,
) -> Result<DVector<f64>, OptimizeError> {
    check_cov(cov, None)?;
    check_vec("market_weights", market_weights, cov.nrows())?;
    if !(risk_aversion.is_finite() && risk_aversion > 0.0) {
        return Err(OptimizeError::InvalidParameter {
            name: "risk_aversion",
            value: risk_aversion,
            expected: "finite and > 0",
        });
    }
    if !risk_free.is_finite() {
        return Err(OptimizeError::InvalidParameter {
            name: "risk_free",
            value: risk_free,
            expected: "finite",
        });
    }
    Ok((cov * market_weights) * risk_aversion + DVector::from_element(cov.nrows(), risk_free))
}

/// Posterior expected returns given the prior `prior` (π), views `p` (k × n) and `q` (k),
/// view uncertainty `omega` and `tau`.
pub fn black_litterman_posterior(
    prior: &DVector<f64>,
    cov: &DMatrix<f64>,
    p: &DMatrix<f64>,
    q: &DVector<f64>,
    omega: &Omega,
    tau: f64,
) -> Result<DVector<f64>, OptimizeError> {
    check_cov(cov, None)?;
    let n = cov.nrows();
    check_vec("prior", prior, n)?;
    if p.nrows() == 0 {
        return Err(OptimizeError::Empty { what: "P (views)" });
    }
    if p.ncols() != n {
        return Err(OptimizeError::DimensionMismatch {
            what: "P columns",
            expected: n,
            found: p.ncols(),
        });
    }
    check_finite("P", p.as_slice())?;
    let k = p.nrows();
    check_vec("Q", q, k)?;
    if !(tau.is_finite() && tau > 0.0) {
        return Err(OptimizeError::InvalidParameter {
            name: "tau",
            value: tau,
            expected: "finite and > 0",
        });
    }
    let ts_pt = (cov * p.transpose()) * tau; // τΣPᵀ, n × k
    let p_ts_pt = p * &ts_pt; // PτΣPᵀ, k × k
    let om = match omega {
        Omega::Proportional => DMatrix::from_diagonal(&p_ts_pt.diagonal()),
        Omega::Explicit(m) => {
            if m.nrows() != k || m.ncols() != k {
                return Err(OptimizeError::DimensionMismatch {
                    what: "Omega",
                    expected: k,
                    found: m.nrows().max(m.ncols()),
                });
            }
            check_finite("Omega", m.as_slice())?;
            m.clone()
        }
    };
    let a = p_ts_pt + om;
    let rhs = q - p * prior;
    let sol = a
        .lu()
        .solve(&rhs)
        .filter(|s| s.iter().all(|v| v.is_finite()))
        .ok_or(OptimizeError::InvalidParameter {
            name: "P, Omega (det of PτΣPᵀ + Ω)",
            value: 0.0,
            expected: "PτΣPᵀ + Ω invertible (views linearly independent or Ω > 0)",
        })?;
    // He & Litterman (1999) eq. 12 / Walters (2014) eq. 32
    Ok(prior + ts_pt * sol)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn one_asset_view_is_precision_weighted() {
        // one asset, view on it: μ = π + τσ²/(τσ² + ω)(q − π)
        let cov = DMatrix::from_element(1, 1, 0.04);
        let pi = DVector::from_element(1, 0.05);
        let p = DMatrix::from_element(1, 1, 1.0);
        let q = DVector::from_element(1, 0.15);
        let om = Omega::Explicit(DMatrix::from_element(1, 1, 0.002));
        let mu = black_litterman_posterior(&pi, &cov, &p, &q, &om, 0.05).unwrap();
        let w = 0.002 / (0.002 + 0.002);
        assert!((mu[0] - (0.05 + w * 0.10)).abs() < 1e-15);
        // Ω ∝ τΣ: halfway
        let mu = black_litterman_posterior(&pi, &cov, &p, &q, &Omega::Proportional, 0.05).unwrap();
        assert!((mu[0] - 0.10).abs() < 1e-15);
    }

    #[test]
    fn bad_views_are_errors() {
        let cov = DMatrix::identity(2, 2);
        let pi = DVector::zeros(2);
        let p = DMatrix::zeros(1, 2); // a zero view row: PτΣPᵀ + Ω = 0, singular
        let q = DVector::from_element(1, 0.1);
        assert!(black_litterman_posterior(&pi, &cov, &p, &q, &Omega::Proportional, 0.05).is_err());
        let p = DMatrix::from_row_slice(1, 2, &[1.0, 0.0]);
        assert!(black_litterman_posterior(&pi, &cov, &p, &q, &Omega::Proportional, -1.0).is_err());
        assert!(market_implied_prior(&cov, &DVector::zeros(3), 2.5, 0.0).is_err());
    }
}
