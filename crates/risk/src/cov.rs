//! Covariance estimators over a `T × N` matrix of returns (rows are periods, columns
//! assets): the sample covariance, RiskMetrics EWMA and Ledoit-Wolf shrinkage.
//!
//! Conventions (the issue's, options where they vary):
//! - **sample**: `ddof = 1` by default, annualised by × 252 ([`TRADING_DAYS`]) by
//!   default, as PyPortfolioOpt's `sample_cov` does.
//! - **EWMA**: RiskMetrics, λ = 0.94, zero mean, bias-corrected weights that sum to one
//!   (see [`ewma`]); not annualised unless asked.
//! - **Ledoit-Wolf**: exactly scikit-learn's `LedoitWolf(assume_centered=False)`: columns
//!   demeaned, empirical covariance with `ddof = 0`, shrunk towards `trace/p · I`; not
//!   annualised (multiply by 252 yourself if you want it).
//!
//! Inputs come as an `nalgebra::DMatrix` (column-major) or, through [`returns_matrix`], as
//! row-major `&[f64]` with dimensions.
//!
//! ```
//! use thetalab_risk::cov;
//! let r = cov::returns_matrix(&[0.01, 0.02, -0.01, 0.00, 0.02, 0.01], 3, 2).unwrap();
//! let s = cov::sample(&r, &cov::SampleOptions { ddof: 1, annualisation: 1.0 }).unwrap();
//! assert!((s[(0, 0)] - 0.000_233_333_333_333_333_3).abs() < 1e-15);
//! let lw = cov::ledoit_wolf(&r).unwrap();
//! assert!(lw.shrinkage >= 0.0 && lw.shrinkage <= 1.0);
//! ```

use crate::RiskError;
use nalgebra::{DMatrix, DVector};

/// Trading days per year, the default annualisation factor.
pub const TRADING_DAYS: f64 = 252.0;

/// Builds a `T × N` returns matrix from row-major data (`data[t * cols + j]`).
///
/// # Errors
/// [`RiskError::Shape`] when `data.len() != rows * cols`.
pub fn returns_matrix(data: &[f64], rows: usize, cols: usize) -> Result<DMatrix<f64>, RiskError> {
    if rows.checked_mul(cols) != Some(data.len()) {
        return Err(RiskError::Shape {
            what: "returns data",
            len: data.len(),
            rows,
            cols,
        });
    }
    Ok(DMatrix::from_row_slice(rows, cols, data))
}

fn check(returns: &DMatrix<f64>, needed: usize) -> Result<(), RiskError> {
    let (rows, cols) = returns.shape();
    if cols == 0 {
        return Err(RiskError::Empty {
            what: "returns (asset columns)",
        });
    }
    if rows < needed {
        return Err(RiskError::TooFewObservations {
            name: "returns (rows)",
            len: rows,
            min: needed,
        });
    }
    // Column-major storage: walk columns for locality.
    for col in 0..cols {
        for (row, &value) in returns.column(col).iter().enumerate() {
            if !value.is_finite() {
                return Err(RiskError::NonFiniteCell {
                    what: "returns",
                    row,
                    col,
                    value,
                });
            }
        }
    }
    Ok(())
}

fn check_annualisation(a: f64) -> Result<(), RiskError> {
    if a.is_finite() && a > 0.0 {
        Ok(())
    } else {
        Err(RiskError::InvalidInput {
            name: "annualisation",
            value: a,
            expected: "finite and > 0",
        })
    }
}

/// Column-demeaned copy of the returns.
fn centered(returns: &DMatrix<f64>) -> DMatrix<f64> {
    let mut x = returns.clone();
    let t = x.nrows() as f64;
    for mut c in x.column_iter_mut() {
        let mean = c.sum() / t;
        c.add_scalar_mut(-mean);
    }
    x
}

/// `XᵀX` for a `T × N` matrix: `Xᵀ` materialised once, then gemm (nalgebra's `*` calls
/// matrixmultiply's packed kernel for dynamic sizes) on two column halves in parallel
/// (rayon), and the lower triangle copied from the upper so the result is exactly
/// symmetric.
fn gram(x: &DMatrix<f64>) -> DMatrix<f64> {
    let n = x.ncols();
    let xt = x.transpose();
    let mut g = if n * x.nrows() < 20_000 {
        &xt * x
    } else {
        let half = n / 2;
        let (left, right) = rayon::join(
            || &xt * x.columns(0, half),
            || &xt * x.columns(half, n - half),
        );
        let mut g = DMatrix::zeros(n, n);
        g.columns_mut(0, half).copy_from(&left);
        g.columns_mut(half, n - half).copy_from(&right);
        g
    };
    for j in 0..n {
        for i in (j + 1)..n {
            g[(i, j)] = g[(j, i)];
        }
    }
    g
}

/// Options of the sample covariance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleOptions {
    /// Delta degrees of freedom: the divisor is `T − ddof` (1 = unbiased).
    pub ddof: usize,
    /// Multiplier applied to the result (252 for daily returns; 1 for none).
    pub annualisation: f64,
}

impl Default for SampleOptions {
    /// `ddof = 1`, × 252.
    fn default() -> Self {
        Self {
            ddof: 1,
            annualisation: TRADING_DAYS,
        }
    }
}

/// Sample covariance `Σ = a · (X − x̄)ᵀ(X − x̄) / (T − ddof)` (the textbook estimator;
/// numpy's `cov(ddof=…)`, PyPortfolioOpt's `sample_cov` with `a = 252`).
///
/// # Errors
/// [`RiskError`] for an empty or non-finite matrix, `T ≤ ddof` or a bad factor.
pub fn sample(returns: &DMatrix<f64>, opts: &SampleOptions) -> Result<DMatrix<f64>, RiskError> {
    check(returns, opts.ddof + 1)?;
    check_annualisation(opts.annualisation)?;
    let x = centered(returns);
    let mut s = gram(&x);
    s *= opts.annualisation / (returns.nrows() - opts.ddof) as f64;
    Ok(s)
}

/// Options of the EWMA covariance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EwmaOptions {
    /// Decay λ in (0, 1); RiskMetrics uses 0.94 for daily data.
    pub lambda: f64,
    /// Multiplier applied to the result (1 = per period).
    pub annualisation: f64,
}

impl Default for EwmaOptions {
    /// λ = 0.94 (J.P. Morgan/Reuters, RiskMetrics Technical Document, 4th ed., 1996,
    /// §5.3.2), per period.
    fn default() -> Self {
        Self {
            lambda: 0.94,
            annualisation: 1.0,
        }
    }
}

/// RiskMetrics EWMA covariance with bias-corrected weights.
///
/// `Σ = a · Σₜ wₜ rₜ rₜᵀ`, `wₜ = (1 − λ) λ^{T−1−t} / (1 − λ^T)` for `t = 0..T−1`
/// (oldest first), so the most recent return weighs most and the weights sum to one.
/// Returns are taken as zero-mean, as RiskMetrics does (Technical Document, 1996, §5.2.1,
/// eq. 5.3 and the finite-sample weights of eq. 5.1). Dividing by `1 − λ^T` removes the
/// bias of the truncated recursion `Σₜ = λ Σₜ₋₁ + (1 − λ) rₜ rₜᵀ` started at zero; with
/// many rows it changes nothing.
///
/// # Errors
/// [`RiskError`] for an empty or non-finite matrix, λ outside (0, 1) or a bad factor.
pub fn ewma(returns: &DMatrix<f64>, opts: &EwmaOptions) -> Result<DMatrix<f64>, RiskError> {
    check(returns, 1)?;
    check_annualisation(opts.annualisation)?;
    let lambda = opts.lambda;
    if !(lambda > 0.0 && lambda < 1.0) {
        return Err(RiskError::InvalidInput {
            name: "lambda",
            value: lambda,
            expected: "in (0, 1)",
        });
    }
    let t = returns.nrows();
    // (1 − λ^T) computed without cancellation for λ near 1: −expm1(T ln λ).
    let norm = -((t as f64) * lambda.ln()).exp_m1();
    let scale = (1.0 - lambda) / norm;
    // Row t is scaled by √wₜ, then Σ = YᵀY.
    let mut y = returns.clone();
    let mut w = scale;
    for row in (0..t).rev() {
        let s = w.sqrt();
        y.row_mut(row).scale_mut(s);
        w *= lambda;
    }
    let mut s = gram(&y);
    s *= opts.annualisation;
    Ok(s)
}

/// A Ledoit-Wolf estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Shrunk {
    /// The shrunk covariance (per period, `ddof = 0`).
    pub covariance: DMatrix<f64>,
    /// The shrinkage intensity δ in [0, 1].
    pub shrinkage: f64,
}

/// Ledoit-Wolf shrinkage exactly as scikit-learn's `LedoitWolf(assume_centered=False)`.
///
/// With `X` column-demeaned (`T × p`), `S = XᵀX / T` and `μ = tr(S)/p`, the estimate is
/// `(1 − δ) S + δ μ I` (Ledoit & Wolf, "A well-conditioned estimator for large-dimensional
/// covariance matrices", J. Multivariate Anal. 88 (2004), Lemma 3.1 / Theorem 3.1, in
/// scikit-learn's finite-sample form `ledoit_wolf_shrinkage`):
/// - `δ̂² = (‖XᵀX‖²_F / T² − 2 μ tr(S) + p μ²) / p` (the distance of `S` to `μI`);
/// - `β̂² = (Σₜ (Σᵢ xₜᵢ²)² / T − ‖XᵀX‖²_F / T²) / (p T)`, since
///   `sum((X²)ᵀX²) = Σₜ ‖xₜ‖⁴` (the identity that spares a second gemm);
/// - `δ = min(β̂², δ̂²) / δ̂²`, and 0 when `β̂² = 0`.
///
/// With one column scikit-learn returns the variance and δ = 0; so does this.
///
/// # Errors
/// [`RiskError`] for an empty or non-finite matrix or fewer than 2 rows.
pub fn ledoit_wolf(returns: &DMatrix<f64>) -> Result<Shrunk, RiskError> {
    check(returns, 2)?;
    let (t, p) = returns.shape();
    let (tf, pf) = (t as f64, p as f64);
    let x = centered(returns);
    let g = gram(&x);
    let mut s = g / tf;
    if p == 1 {
        return Ok(Shrunk {
            covariance: s,
            shrinkage: 0.0,
        });
    }
    let trace = s.trace();
    let mu = trace / pf;
    // ‖XᵀX‖²_F / T² = ‖S‖²_F.
    let delta_sum = s.norm_squared();
    // Σₜ ‖xₜ‖⁴ / T, with ‖xₜ‖² accumulated column by column (column-major storage).
    let mut row_sq = DVector::<f64>::zeros(t);
    for c in x.column_iter() {
        for (acc, v) in row_sq.iter_mut().zip(c.iter()) {
            *acc += v * v;
        }
    }
    let beta_sum = row_sq.iter().map(|r| r * r).sum::<f64>() / tf;
    let beta = (beta_sum - delta_sum) / (pf * tf);
    let delta = (delta_sum - 2.0 * mu * trace + pf * mu * mu) / pf;
    let beta = beta.min(delta);
    let shrinkage = if beta == 0.0 || delta <= 0.0 {
        0.0
    } else {
        (beta / delta).clamp(0.0, 1.0)
    };
    s *= 1.0 - shrinkage;
    for i in 0..p {
        s[(i, i)] += shrinkage * mu;
    }
    Ok(Shrunk {
        covariance: s,
        shrinkage,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn small() -> DMatrix<f64> {
        returns_matrix(
            &[
                0.01, 0.02, 0.00, -0.01, 0.03, 0.01, -0.02, -0.01, 0.02, 0.00, 0.01, 0.02,
            ],
            4,
            3,
        )
        .unwrap()
    }

    #[test]
    fn sample_matches_hand_formula() {
        let r = small();
        let s = sample(
            &r,
            &SampleOptions {
                ddof: 1,
                annualisation: 1.0,
            },
        )
        .unwrap();
        for a in 0..3 {
            for b in 0..3 {
                let (ma, mb) = (r.column(a).mean(), r.column(b).mean());
                let c: f64 = (0..4)
                    .map(|t| (r[(t, a)] - ma) * (r[(t, b)] - mb))
                    .sum::<f64>()
                    / 3.0;
                assert!((s[(a, b)] - c).abs() < 1e-16);
            }
        }
        let a = sample(&r, &SampleOptions::default()).unwrap();
        assert!((a[(1, 2)] - 252.0 * s[(1, 2)]).abs() < 1e-14);
    }

    #[test]
    fn errors_name_the_input() {
        let mut r = small();
        r[(2, 1)] = f64::NAN;
        assert!(matches!(
            ledoit_wolf(&r),
            Err(RiskError::NonFiniteCell { row: 2, col: 1, .. })
        ));
        assert_eq!(
            sample(
                &small(),
                &SampleOptions {
                    ddof: 4,
                    annualisation: 1.0
                }
            ),
            Err(RiskError::TooFewObservations {
                name: "returns (rows)",
                len: 4,
                min: 5
            })
        );
        assert_eq!(
            ewma(
                &small(),
                &EwmaOptions {
                    lambda: 1.0,
                    annualisation: 1.0
                }
            ),
            Err(RiskError::InvalidInput {
                name: "lambda",
                value: 1.0,
                expected: "in (0, 1)"
            })
        );
        assert_eq!(
            returns_matrix(&[1.0; 5], 2, 3),
            Err(RiskError::Shape {
                what: "returns data",
                len: 5,
                rows: 2,
                cols: 3
            })
        );
        assert_eq!(
            ledoit_wolf(&DMatrix::zeros(3, 0)),
            Err(RiskError::Empty {
                what: "returns (asset columns)"
            })
        );
    }

    #[test]
    fn ledoit_wolf_of_identical_columns_is_finite_and_one_column_is_variance() {
        let one = returns_matrix(&[0.01, 0.03, -0.02], 3, 1).unwrap();
        let lw = ledoit_wolf(&one).unwrap();
        assert_eq!(lw.shrinkage, 0.0);
        assert!(
            (lw.covariance[(0, 0)]
                - sample(
                    &one,
                    &SampleOptions {
                        ddof: 0,
                        annualisation: 1.0
                    }
                )
                .unwrap()[(0, 0)])
                .abs()
                < 1e-18
        );
        let zeros = DMatrix::<f64>::zeros(5, 3);
        let lw = ledoit_wolf(&zeros).unwrap();
        assert_eq!(lw.shrinkage, 0.0);
        assert!(lw.covariance.iter().all(|v| *v == 0.0));
    }
}
