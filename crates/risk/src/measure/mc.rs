//! Monte Carlo VaR/CVaR with correlated normal returns.
//!
//! One-period asset returns are `r = μ + L z` with `Σ = L Lᵀ` (Cholesky) and `z` i.i.d.
//! N(0, 1) (Glasserman, "Monte Carlo Methods in Financial Engineering", 2003, §2.3.3).
//! Paths are cut into chunks of [`CHUNK`]; chunk `c` draws its normals from
//! [`Xoshiro256pp::for_stream`]`(seed, c)`, path by path, asset by asset. The result
//! depends only on the seed and the inputs, never on the number of threads.
//!
//! - [`linear_var`]: a portfolio of weights `w`, P&L `wᵀr = wᵀμ + (Lᵀw)ᵀz`. Computing
//!   `v = Lᵀw` once makes each path a dot product of length N (exactly the P&L of the
//!   simulated returns, without forming them).
//! - [`simulate_returns`]: the `paths × N` matrix of correlated returns (blocks of `L Z`
//!   by gemm), the same draws as [`linear_var`].
//! - [`book_var`]: full revaluation of an option [`Book`] on those simulated returns.
//!
//! VaR and CVaR of the simulated P&L use the order-statistic convention of
//! [`historical`](super::historical).
//!
//! ```
//! use nalgebra::{DMatrix, DVector};
//! use thetalab_risk::measure::mc::{McSpec, linear_var};
//! let mu = DVector::from_vec(vec![0.0, 0.0]);
//! let cov = DMatrix::from_row_slice(2, 2, &[0.04, 0.01, 0.01, 0.09]);
//! let spec = McSpec { paths: 20_000, seed: 7, alpha: 0.05 };
//! let r = linear_var(&mu, &cov, &DVector::from_vec(vec![0.5, 0.5]), &spec).unwrap();
//! // σ_p = √(0.25·0.04 + 0.25·0.09 + 2·0.25·0.01) = 0.1936…, VaR ≈ 1.645 σ_p = 0.318.
//! assert!((r.var - 0.318).abs() < 0.01);
//! ```

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

use super::book::{Book, Shock, VolShock};
use super::rng::Xoshiro256pp;
use super::{check_alpha, historical_in_place};
use crate::RiskError;

/// Paths per chunk (one PRNG stream each).
pub const CHUNK: usize = 1024;

/// What to simulate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McSpec {
    /// Number of paths (≥ 1).
    pub paths: usize,
    /// PRNG seed.
    pub seed: u64,
    /// Tail probability in (0, 1).
    pub alpha: f64,
}

/// Monte Carlo VaR/CVaR with the P&L's sample moments (for standard errors).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McVar {
    /// Value at Risk (positive loss).
    pub var: f64,
    /// Conditional Value at Risk (positive loss).
    pub cvar: f64,
    /// Mean simulated P&L.
    pub mean: f64,
    /// Standard deviation of the simulated P&L (`ddof = 1`).
    pub sd: f64,
}

/// The Cholesky factor of a validated covariance.
fn cholesky(mu: &DVector<f64>, cov: &DMatrix<f64>) -> Result<DMatrix<f64>, RiskError> {
    let n = mu.len();
    if n == 0 {
        return Err(RiskError::DimensionMismatch {
            what: "mean vector",
            expected: 1,
            found: 0,
        });
    }
    if cov.nrows() != n || cov.ncols() != n {
        return Err(RiskError::DimensionMismatch {
            what: "covariance rows and columns",
            expected: n,
            found: cov.nrows().max(cov.ncols()),
        });
    }
    if let Some(&value) = mu.iter().find(|v| !v.is_finite()) {
        return Err(RiskError::InvalidInput {
            name: "mean vector",
            expected: "finite values",
            value,
        });
    }
    if let Some(&value) = cov.iter().find(|v| !v.is_finite()) {
        return Err(RiskError::InvalidInput {
            name: "covariance",
            expected: "finite values",
            value,
        });
    }
    cov.clone()
        .cholesky()
        .map(|c| c.unpack())
        .ok_or(RiskError::NotPositiveDefinite { what: "covariance" })
}

fn check_spec(spec: &McSpec) -> Result<(), RiskError> {
    check_alpha(spec.alpha)?;
    if spec.paths == 0 {
        return Err(RiskError::InvalidInput {
            name: "paths",
            expected: ">= 1",
            value: 0.0,
        });
    }
    Ok(())
}

fn summarise(mut pnl: Vec<f64>, alpha: f64) -> McVar {
    let n = pnl.len() as f64;
    let mean = pnl.iter().sum::<f64>() / n;
    let sd = if pnl.len() > 1 {
        (pnl.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let h = historical_in_place(&mut pnl, alpha);
    McVar {
        var: h.var,
        cvar: h.cvar,
        mean,
        sd,
    }
}

/// Monte Carlo VaR/CVaR of a linear portfolio: P&L per path `wᵀμ + (Lᵀw)ᵀz` (see the
/// module page). With weights as fractions of capital the result is a return; with
/// currency amounts it is currency.
///
/// # Errors
/// [`RiskError`] for mismatched sizes, non-finite inputs, a covariance that is not
/// positive definite, zero paths or a bad `alpha`.
pub fn linear_var(
    mu: &DVector<f64>,
    cov: &DMatrix<f64>,
    weights: &DVector<f64>,
    spec: &McSpec,
) -> Result<McVar, RiskError> {
    check_spec(spec)?;
    let l = cholesky(mu, cov)?;
    let n = mu.len();
    if weights.len() != n {
        return Err(RiskError::DimensionMismatch {
            what: "weights",
            expected: n,
            found: weights.len(),
        });
    }
    if let Some(&value) = weights.iter().find(|v| !v.is_finite()) {
        return Err(RiskError::InvalidInput {
            name: "weights",
            expected: "finite values",
            value,
        });
    }
    let drift = weights.dot(mu);
    let v: Vec<f64> = l.tr_mul(weights).iter().copied().collect();
    let mut pnl = vec![0.0; spec.paths];
    pnl.par_chunks_mut(CHUNK).enumerate().for_each(|(c, out)| {
        let mut rng = Xoshiro256pp::for_stream(spec.seed, c as u64);
        let mut z = vec![0.0; out.len() * n];
        rng.fill_normal(&mut z);
        for (o, zp) in out.iter_mut().zip(z.chunks_exact(n)) {
            *o = drift + zp.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>();
        }
    });
    Ok(summarise(pnl, spec.alpha))
}

/// The `paths × N` matrix of simulated one-period returns `μ + L z`, drawn exactly as in
/// [`linear_var`] (same seed → same paths). Each chunk is one gemm `L · Z` with `Z`
/// the `N × chunk` block of normals.
///
/// # Errors
/// [`RiskError`] for mismatched sizes, non-finite inputs, a covariance that is not
/// positive definite or zero paths.
pub fn simulate_returns(
    mu: &DVector<f64>,
    cov: &DMatrix<f64>,
    paths: usize,
    seed: u64,
) -> Result<DMatrix<f64>, RiskError> {
    if paths == 0 {
        return Err(RiskError::InvalidInput {
            name: "paths",
            expected: ">= 1",
            value: 0.0,
        });
    }
    let l = cholesky(mu, cov)?;
    let n = mu.len();
    // Column-major N × paths: path p occupies data[p·N .. (p+1)·N].
    let mut data = vec![0.0; paths * n];
    data.par_chunks_mut(CHUNK * n)
        .enumerate()
        .for_each(|(c, out)| {
            let mut rng = Xoshiro256pp::for_stream(seed, c as u64);
            let m = out.len() / n;
            let mut z = vec![0.0; out.len()];
            rng.fill_normal(&mut z);
            let z = DMatrix::from_vec(n, m, z);
            let mut r = &l * z;
            for mut col in r.column_iter_mut() {
                col += mu;
            }
            out.copy_from_slice(r.as_slice());
        });
    Ok(DMatrix::from_vec(n, paths, data).transpose())
}

/// Monte Carlo VaR/CVaR of an option book by full revaluation: each path moves the spot
/// of underlying `names[j]` by the simulated simple return `r_j` (`S' = S(1 + r_j)`,
/// floored at a −99.99 % move), advances time by `horizon` years and keeps volatilities
/// unchanged; the P&L is `value(path) − value(now)` in currency.
///
/// # Errors
/// [`RiskError`] for an invalid book, a position whose underlying is not in `names`,
/// the errors of [`simulate_returns`], a negative horizon or a bad `alpha`.
pub fn book_var(
    book: &Book,
    names: &[&str],
    mu: &DVector<f64>,
    cov: &DMatrix<f64>,
    horizon: f64,
    spec: &McSpec,
) -> Result<McVar, RiskError> {
    check_spec(spec)?;
    book.validate()?;
    if names.len() != mu.len() {
        return Err(RiskError::DimensionMismatch {
            what: "underlying names",
            expected: mu.len(),
            found: names.len(),
        });
    }
    if !(horizon.is_finite() && horizon >= 0.0) {
        return Err(RiskError::InvalidInput {
            name: "horizon",
            expected: "finite and >= 0",
            value: horizon,
        });
    }
    for u in book.underlyings() {
        if !names.contains(&u.as_str()) {
            return Err(RiskError::UnknownUnderlying(u));
        }
    }
    let sims = simulate_returns(mu, cov, spec.paths, spec.seed)?;
    let base = book.value();
    let pnl: Vec<f64> = (0..spec.paths)
        .into_par_iter()
        .with_min_len(64)
        .map(|p| {
            let shock = |name: &str| {
                // Every underlying was checked against `names` above; 0 is unreachable.
                let j = names.iter().position(|n| *n == name).unwrap_or(0);
                Shock {
                    spot: sims[(p, j)].max(-0.9999),
                    vol: VolShock::None,
                    dt: horizon,
                }
            };
            book.value_under(&shock) - base
        })
        .collect();
    Ok(summarise(pnl, spec.alpha))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn simulation_matches_linear_shortcut_and_is_deterministic() {
        let mu = DVector::from_vec(vec![0.001, -0.002, 0.0005]);
        let cov =
            DMatrix::from_row_slice(3, 3, &[0.04, 0.01, 0.0, 0.01, 0.09, 0.02, 0.0, 0.02, 0.16]);
        let w = DVector::from_vec(vec![0.3, 0.5, 0.2]);
        let spec = McSpec {
            paths: 3000,
            seed: 11,
            alpha: 0.05,
        };
        let sims = simulate_returns(&mu, &cov, spec.paths, spec.seed).unwrap();
        let pnl: Vec<f64> = (0..spec.paths)
            .map(|p| sims.row(p).transpose().dot(&w))
            .collect();
        let direct = summarise(pnl, spec.alpha);
        let fast = linear_var(&mu, &cov, &w, &spec).unwrap();
        assert!((direct.var - fast.var).abs() < 1e-12);
        assert!((direct.cvar - fast.cvar).abs() < 1e-12);
        assert_eq!(fast, linear_var(&mu, &cov, &w, &spec).unwrap());
    }

    #[test]
    fn not_positive_definite_is_an_error() {
        let mu = DVector::from_vec(vec![0.0, 0.0]);
        let cov = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0]);
        let w = DVector::from_vec(vec![1.0, 0.0]);
        let spec = McSpec {
            paths: 10,
            seed: 1,
            alpha: 0.05,
        };
        assert_eq!(
            linear_var(&mu, &cov, &w, &spec),
            Err(RiskError::NotPositiveDefinite { what: "covariance" })
        );
        let w3 = DVector::from_vec(vec![1.0, 0.0, 0.0]);
        let cov = DMatrix::identity(2, 2);
        assert!(matches!(
            linear_var(&mu, &cov, &w3, &spec),
            Err(RiskError::DimensionMismatch {
                what: "weights",
                ..
            })
        ));
    }
}
