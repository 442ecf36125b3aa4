//! The Kelly criterion: the fraction of capital that maximises expected log growth.
//!
//! Sources: J. L. Kelly, "A new interpretation of information rate", *Bell System
//! Technical Journal* 35 (1956); E. O. Thorp, "The Kelly criterion in blackjack, sports
//! betting and the stock market", *Handbook of Asset and Liability Management* vol. 1
//! (2006), §2 (single bet) and §7 (continuous approximation, one and many securities).

use nalgebra::{DMatrix, DVector};

use super::{finite, positive, unit_fraction};
use crate::RiskError;

/// Kelly fraction of a single bet won with probability `p` and paying `b` per unit
/// staked (net odds): f* = p − (1 − p)/b (Thorp 2006, §2). Negative when the bet has a
/// negative edge (do not bet).
///
/// ```
/// let f = thetalab_risk::sizing::kelly_bet(0.6, 1.0)?;
/// assert!((f - 0.2).abs() < 1e-15);
/// # Ok::<(), thetalab_risk::RiskError>(())
/// ```
pub fn kelly_bet(p: f64, b: f64) -> Result<f64, RiskError> {
    if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
        return Err(RiskError::InvalidInput {
            name: "p",
            value: p,
            expected: "in [0, 1]",
        });
    }
    let b = positive("b", b)?;
    // Thorp (2006) §2: f* = p − q/b with q = 1 − p.
    Ok(p - (1.0 - p) / b)
}

/// Kelly leverage for a return with mean excess return `mu` and volatility `sigma` (same
/// horizon, e.g. both annualised): f* = μ/σ² (Thorp 2006, §7, continuous approximation).
pub fn kelly_gaussian(mu: f64, sigma: f64) -> Result<f64, RiskError> {
    let mu = finite("mu", mu)?;
    let sigma = positive("sigma", sigma)?;
    // Thorp (2006) §7: f* = (m − r)/s², with mu already in excess of r.
    Ok(mu / (sigma * sigma))
}

/// Kelly weights for several assets with mean excess returns `mu` and covariance `cov`:
/// f* = Σ⁻¹μ (Thorp 2006, §7; Merton 1969's growth-optimal portfolio). Solved by
/// Cholesky, so `cov` must be symmetric positive definite.
pub fn kelly_multi(mu: &[f64], cov: &DMatrix<f64>) -> Result<Vec<f64>, RiskError> {
    let n = mu.len();
    if n == 0 {
        return Err(RiskError::TooFewObservations {
            name: "mu",
            len: 0,
            min: 1,
        });
    }
    if cov.nrows() != n || cov.ncols() != n {
        return Err(RiskError::DimensionMismatch {
            what: "cov (rows and columns, one per asset of mu)",
            expected: n,
            found: if cov.nrows() == n {
                cov.ncols()
            } else {
                cov.nrows()
            },
        });
    }
    for &m in mu {
        finite("mu", m)?;
    }
    for &c in cov.iter() {
        finite("cov", c)?;
    }
    for i in 0..n {
        for j in 0..i {
            let (a, b) = (cov[(i, j)], cov[(j, i)]);
            if (a - b).abs() > 1e-12 * a.abs().max(b.abs()).max(1.0) {
                return Err(RiskError::InvalidCovariance {
                    reason: format!("cov is not symmetric at ({i}, {j})"),
                });
            }
        }
    }
    let chol = cov
        .clone()
        .cholesky()
        .ok_or(RiskError::NotPositiveDefinite { what: "cov" })?;
    // Thorp (2006) §7: F* = C⁻¹ M.
    let f = chol.solve(&DVector::from_column_slice(mu));
    if f.iter().all(|x| x.is_finite()) {
        Ok(f.iter().copied().collect())
    } else {
        Err(RiskError::NotPositiveDefinite { what: "cov" })
    }
}

/// A fraction `c` ∈ (0, 1] of the Kelly bet (half Kelly: c = 0.5), which trades growth
/// for much lower variance (Thorp 2006, §7: growth at c·f* is (2c − c²) of the maximum
/// under the Gaussian approximation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FractionalKelly {
    c: f64,
}

impl FractionalKelly {
    /// Kelly scaled by `c` ∈ (0, 1].
    pub fn new(c: f64) -> Result<FractionalKelly, RiskError> {
        Ok(FractionalKelly {
            c: unit_fraction("kelly fraction", c)?,
        })
    }

    /// The scale `c`.
    #[must_use]
    pub const fn c(&self) -> f64 {
        self.c
    }

    /// c × [`kelly_bet`], floored at 0 (no bet without an edge).
    pub fn bet(&self, p: f64, b: f64) -> Result<f64, RiskError> {
        Ok((self.c * kelly_bet(p, b)?).max(0.0))
    }

    /// c × [`kelly_gaussian`] (signed: a negative mean means short).
    pub fn gaussian(&self, mu: f64, sigma: f64) -> Result<f64, RiskError> {
        Ok(self.c * kelly_gaussian(mu, sigma)?)
    }

    /// c × [`kelly_multi`].
    pub fn multi(&self, mu: &[f64], cov: &DMatrix<f64>) -> Result<Vec<f64>, RiskError> {
        let mut f = kelly_multi(mu, cov)?;
        f.iter_mut().for_each(|x| *x *= self.c);
        Ok(f)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn single_bet_closed_forms() {
        assert!((kelly_bet(0.6, 1.0).unwrap() - 0.2).abs() < 1e-15);
        // p = 0.5, b = 2: f* = 0.5 − 0.5/2 = 0.25.
        assert!((kelly_bet(0.5, 2.0).unwrap() - 0.25).abs() < 1e-15);
        assert!(kelly_bet(0.4, 1.0).unwrap() < 0.0);
        assert_eq!(
            FractionalKelly::new(0.5).unwrap().bet(0.4, 1.0).unwrap(),
            0.0
        );
        assert!((FractionalKelly::new(0.5).unwrap().bet(0.6, 1.0).unwrap() - 0.1).abs() < 1e-15);
        assert!(kelly_bet(1.1, 1.0).is_err());
        assert!(kelly_bet(0.5, 0.0).is_err());
    }

    #[test]
    fn gaussian_closed_form() {
        // μ = 8 %, σ = 20 % → f* = 0.08 / 0.04 = 2.
        assert!((kelly_gaussian(0.08, 0.2).unwrap() - 2.0).abs() < 1e-12);
        assert!(kelly_gaussian(0.08, 0.0).is_err());
        assert!(kelly_gaussian(f64::NAN, 0.2).is_err());
    }

    #[test]
    fn multi_asset_diagonal_and_correlated() {
        // Diagonal Σ: each weight is μᵢ/σᵢ².
        let cov = DMatrix::from_row_slice(2, 2, &[0.04, 0.0, 0.0, 0.09]);
        let f = kelly_multi(&[0.08, 0.09], &cov).unwrap();
        assert!((f[0] - 2.0).abs() < 1e-12 && (f[1] - 1.0).abs() < 1e-12);
        // Correlated: Σ = [[0.04, 0.01], [0.01, 0.09]], Σ⁻¹ = [[0.09, −0.01], [−0.01, 0.04]]/0.0035.
        let cov = DMatrix::from_row_slice(2, 2, &[0.04, 0.01, 0.01, 0.09]);
        let f = kelly_multi(&[0.05, 0.06], &cov).unwrap();
        let det = 0.04 * 0.09 - 0.01 * 0.01;
        assert!((f[0] - (0.09 * 0.05 - 0.01 * 0.06) / det).abs() < 1e-10);
        assert!((f[1] - (-0.01 * 0.05 + 0.04 * 0.06) / det).abs() < 1e-10);
        let half = FractionalKelly::new(0.5)
            .unwrap()
            .multi(&[0.05, 0.06], &cov)
            .unwrap();
        assert!((half[0] - f[0] / 2.0).abs() < 1e-12);
    }

    #[test]
    fn multi_asset_bad_inputs() {
        let singular = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.0]);
        assert_eq!(
            kelly_multi(&[0.1, 0.1], &singular),
            Err(RiskError::NotPositiveDefinite { what: "cov" })
        );
        let cov = DMatrix::from_row_slice(2, 2, &[0.04, 0.0, 0.0, 0.09]);
        assert!(matches!(
            kelly_multi(&[0.1], &cov),
            Err(RiskError::DimensionMismatch { .. })
        ));
        assert!(kelly_multi(&[], &cov).is_err());
        let asym = DMatrix::from_row_slice(2, 2, &[0.04, 0.01, 0.0, 0.09]);
        assert!(kelly_multi(&[0.1, 0.1], &asym).is_err());
    }
}
