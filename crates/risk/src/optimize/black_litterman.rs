//! Black-Litterman posterior expected returns (Black & Litterman 1992; He & Litterman 1999).
//!
//! Prior (reverse optimisation, He & Litterman 1999 eq. 1): π = δ Σ w_mkt (+ r_f, as in
//! PyPortfolioOpt's `market_implied_prior_returns`).
//! Posterior mean (He & Litterman 1999 eq. 12, in the form of Walters 2014 eq. 32):
//! μ_BL = π + τΣPᵀ (PτΣPᵀ + Ω)⁻¹ (Q − Pπ).
//! Ω defaults to diag(P τΣ Pᵀ) (He & Litterman 1999, §3: view variance proportional to the
//! prior's); τ defaults to 0.05. [`Omega::Idzorek`] sets Ω from a confidence c_k ∈ [0, 1]
//! per view (Idzorek 2005, "A step-by-step guide to the Black-Litterman model"), in the
//! closed form of Walters (2014), "The Black-Litterman Model in Detail", eq. 44–45:
//! ω_k = τ α_k p_k Σ p_kᵀ with α_k = (1 − c_k)/c_k, as PyPortfolioOpt 1.6.0's
//! `omega="idzorek"` does. A confidence of 1 gives ω_k = 0 (the view holds exactly); a
//! confidence of 0 (ω_k = ∞) drops the view, where PyPortfolioOpt puts ω_k = 10⁶.

use super::{check_cov, check_finite, check_vec};
use crate::RiskError;
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
    /// Idzorek's confidence per view, each in [0, 1] (module docs): diagonal Ω with
    /// ω_k = τ (1 − c_k)/c_k p_k Σ p_kᵀ.
    Idzorek(DVector<f64>),
}

/// Idzorek's Ω diagonal (Walters 2014 eq. 44–45) for views `p` and confidences `conf`;
/// `f64::INFINITY` for a confidence of 0.
pub fn idzorek_omega(
    cov: &DMatrix<f64>,
    p: &DMatrix<f64>,
    conf: &DVector<f64>,
    tau: f64,
) -> Result<DVector<f64>, RiskError> {
    check_cov(cov, None)?;
    if p.ncols() != cov.nrows() {
        return Err(RiskError::DimensionMismatch {
            what: "P columns",
            expected: cov.nrows(),
            found: p.ncols(),
        });
    }
    check_vec("view confidences", conf, p.nrows())?;
    if let Some(&c) = conf.iter().find(|c| !(0.0..=1.0).contains(*c)) {
        return Err(RiskError::InvalidInput {
            name: "view confidences",
            value: c,
            expected: "each in [0, 1]",
        });
    }
    Ok(DVector::from_fn(p.nrows(), |k, _| {
        let c = conf[k];
        if c == 0.0 {
            return f64::INFINITY;
        }
        let pk = p.row(k);
        let var = (pk * cov * pk.transpose())[(0, 0)];
        tau * (1.0 - c) / c * var
    }))
}

/// Market-implied prior returns π = δ Σ w_mkt + r_f (He & Litterman 1999 eq. 1).
pub fn market_implied_prior(
    cov: &DMatrix<f64>,
    market_weights: &DVector<f64>,
    risk_aversion: f64,
    risk_free: f64,
) -> Result<DVector<f64>, RiskError> {
    check_cov(cov, None)?;
    check_vec("market_weights", market_weights, cov.nrows())?;
    if !(risk_aversion.is_finite() && risk_aversion > 0.0) {
        return Err(RiskError::InvalidInput {
            name: "risk_aversion",
            value: risk_aversion,
            expected: "finite and > 0",
        });
    }
    if !risk_free.is_finite() {
        return Err(RiskError::InvalidInput {
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
) -> Result<DVector<f64>, RiskError> {
    check_cov(cov, None)?;
    let n = cov.nrows();
    check_vec("prior", prior, n)?;
    if p.nrows() == 0 {
        return Err(RiskError::Empty { what: "P (views)" });
    }
    if p.ncols() != n {
        return Err(RiskError::DimensionMismatch {
            what: "P columns",
            expected: n,
            found: p.ncols(),
        });
    }
    check_finite("P", p.as_slice())?;
    let k = p.nrows();
    check_vec("Q", q, k)?;
    if !(tau.is_finite() && tau > 0.0) {
        return Err(RiskError::InvalidInput {
            name: "tau",
            value: tau,
            expected: "finite and > 0",
        });
    }
    if let Omega::Idzorek(conf) = omega {
        let w = idzorek_omega(cov, p, conf, tau)?;
        // ω = ∞ (confidence 0): the view carries no information; drop it.
        let keep: Vec<usize> = (0..k).filter(|&i| w[i].is_finite()).collect();
        if keep.is_empty() {
            return Ok(prior.clone());
        }
        let p2 = p.select_rows(keep.iter());
        let q2 = q.select_rows(keep.iter());
        let om = DMatrix::from_diagonal(&w.select_rows(keep.iter()));
        return black_litterman_posterior(prior, cov, &p2, &q2, &Omega::Explicit(om), tau);
    }
    let ts_pt = (cov * p.transpose()) * tau; // τΣPᵀ, n × k
    let p_ts_pt = p * &ts_pt; // PτΣPᵀ, k × k
    let om = match omega {
        Omega::Proportional => DMatrix::from_diagonal(&p_ts_pt.diagonal()),
        Omega::Explicit(m) => {
            if m.nrows() != k || m.ncols() != k {
                return Err(RiskError::DimensionMismatch {
                    what: "Omega",
                    expected: k,
                    found: m.nrows().max(m.ncols()),
                });
            }
            check_finite("Omega", m.as_slice())?;
            m.clone()
        }
        // handled above
        Omega::Idzorek(_) => return Err(RiskError::Empty { what: "Omega" }),
    };
    let a = p_ts_pt + om;
    let rhs = q - p * prior;
    let sol = a
        .lu()
        .solve(&rhs)
        .filter(|s| s.iter().all(|v| v.is_finite()))
        .ok_or(RiskError::InvalidInput {
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
    fn idzorek_full_confidence_pins_the_view_and_zero_drops_it() {
        let cov = DMatrix::from_row_slice(2, 2, &[0.04, 0.01, 0.01, 0.09]);
        let pi = DVector::from_vec(vec![0.05, 0.07]);
        let p = DMatrix::from_row_slice(1, 2, &[1.0, -1.0]);
        let q = DVector::from_element(1, 0.02);
        let full = Omega::Idzorek(DVector::from_element(1, 1.0));
        let mu = black_litterman_posterior(&pi, &cov, &p, &q, &full, 0.05).unwrap();
        assert!((mu[0] - mu[1] - 0.02).abs() < 1e-15);
        let none = Omega::Idzorek(DVector::from_element(1, 0.0));
        let mu = black_litterman_posterior(&pi, &cov, &p, &q, &none, 0.05).unwrap();
        assert_eq!(mu, pi);
        // confidence 1/2: α = 1, Ω = τ pΣpᵀ, the He-Litterman default
        let half = Omega::Idzorek(DVector::from_element(1, 0.5));
        let a = black_litterman_posterior(&pi, &cov, &p, &q, &half, 0.05).unwrap();
        let b = black_litterman_posterior(&pi, &cov, &p, &q, &Omega::Proportional, 0.05).unwrap();
        assert!((a - b).amax() < 1e-15);
        let bad = Omega::Idzorek(DVector::from_element(1, 1.5));
        assert!(black_litterman_posterior(&pi, &cov, &p, &q, &bad, 0.05).is_err());
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
