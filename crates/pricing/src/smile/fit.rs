//! Weighted least-squares fit of a raw-SVI slice to one expiry's implied vols.
//!
//! The objective is on total variance: `min Σᵢ ωᵢ (w_SVI(kᵢ) − σᵢ² t)²`, with
//! `kᵢ = ln(Kᵢ/F)`. Three stages:
//!
//! 1. **Quasi-explicit inner problem** (S. De Marco and C. Martini, "Quasi-explicit
//!    calibration of Gatheral's SVI model", Zeliade white paper, 2009): for fixed `(m, σ)`
//!    put `y = (k − m)/σ`; then `w = a + d·y + c·√(y² + 1)` with `c = bσ`, `d = ρbσ` is
//!    linear in `(a, c, d)`. We write it in the wing coordinates `u = c + d`,
//!    `v = c − d` (the right and left asymptotic slopes times `σ`), where the domain
//!    `b ≥ 0, |ρ| ≤ 1` plus Lee's wing bound `b(1 ± ρ) ≤ 2` is the box `0 ≤ u, v ≤ 2σ`;
//!    the box-constrained linear least squares is solved exactly (the unconstrained
//!    solution if it is inside the box, else the best of the four edges, each a convex
//!    one-dimensional problem after eliminating `a`). If the result has `a` below
//!    `−√(uv) = −bσ√(1−ρ²)` (negative total variance), `a` is raised to that bound.
//! 2. **Outer problem** over `(m, ln σ)` by Nelder–Mead, started from the best points of
//!    a grid over the data's moneyness range (`m` from the lowest to the highest `k`,
//!    `σ` from 2% to 100% of the range), so that no single starting guess decides the fit.
//! 3. **Polish**: Levenberg–Marquardt (Marquardt 1963, with the column scaling of Moré
//!    1978) on all five parameters, projected back onto the domain after each step, with
//!    analytic derivatives of `w`.
//!
//! **Weights.** Uniform by default (each point's *total variance* error counts the
//! same). To minimise errors in implied vol, use `ωᵢ = 1/σᵢ²` (since
//! `δw ≈ 2σt·δσ`, this makes `ωᵢ δwᵢ² ∝ δσᵢ²`); to approximate price errors, use
//! `ωᵢ = (vegaᵢ/σᵢ)²` (since `δprice ≈ vega·δσ`), or divide either by the squared bid–ask
//! spread in vol to trust tight quotes more. Vega weighting is the usual recommendation
//! for listed chains: it puts little weight on far-wing quotes whose vols are noisy.
//!
//! ```
//! use thetalab_pricing::smile::{fit_svi, SviParams, SviSlice};
//! let truth = SviSlice::new(SviParams::new(0.0012, 0.05, -0.6, 0.01, 0.05).unwrap(), 30.0 / 365.0, 4500.0).unwrap();
//! let strikes: Vec<f64> = (0..25).map(|i| 3600.0 + 50.0 * f64::from(i)).collect();
//! let ivs: Vec<f64> = strikes.iter().map(|&k| truth.implied_vol(k).unwrap()).collect();
//! let fit = fit_svi(&strikes, &ivs, None, 4500.0, 30.0 / 365.0).unwrap();
//! for (&k, &iv) in strikes.iter().zip(&ivs) {
//!     assert!((fit.implied_vol(k).unwrap() - iv).abs() < 1e-8);
//! }
//! ```

use crate::inputs::positive;
use crate::smile::optim::{lstsq, nelder_mead};
use crate::smile::svi::{SviParams, SviSlice};
use crate::{PricingError, Result};

/// The fit keeps `|ρ|` at most this (the domain is `|ρ| < 1`).
const RHO_MAX: f64 = 1.0 - 1e-9;
/// Lee's bound on the total-variance wing slopes `b(1 ± ρ)` (Lee 2004).
const LEE_SLOPE: f64 = 2.0;
/// Fewest points (with positive weight, at distinct strikes) the fit accepts.
pub const MIN_POINTS: usize = 5;

/// Fits a raw-SVI slice to implied vols `ivs` at `strikes` for one expiry `t` (years)
/// with forward `forward`, by weighted least squares on total variance (see the module
/// documentation for the method and the choice of `weights`; `None` means uniform).
///
/// Errors: columns of different lengths ([`PricingError::LengthMismatch`]); a strike,
/// vol or weight that is not finite or out of its domain, a non-positive forward or `t`
/// ([`PricingError::InvalidInput`] naming it); fewer than [`MIN_POINTS`] distinct strikes
/// with positive weight, or no finite fit ([`PricingError::Fit`]).
pub fn fit_svi(
    strikes: &[f64],
    ivs: &[f64],
    weights: Option<&[f64]>,
    forward: f64,
    t: f64,
) -> Result<SviSlice> {
    positive("forward", forward)?;
    positive("t", t)?;
    let n = strikes.len();
    if ivs.len() != n {
        return Err(PricingError::LengthMismatch {
            what: "ivs",
            got: ivs.len(),
            expected: n,
        });
    }
    if let Some(w) = weights
        && w.len() != n
    {
        return Err(PricingError::LengthMismatch {
            what: "weights",
            got: w.len(),
            expected: n,
        });
    }
    let mut data = Vec::with_capacity(n);
    for i in 0..n {
        positive("strike", strikes[i])?;
        positive("iv", ivs[i])?;
        let wt = weights.map_or(1.0, |w| w[i]);
        if !wt.is_finite() || wt < 0.0 {
            return Err(PricingError::InvalidInput {
                field: "weight",
                value: wt,
                reason: "must be finite and ≥ 0",
            });
        }
        let k = (strikes[i] / forward).ln();
        let v = ivs[i] * ivs[i] * t;
        if !k.is_finite() || !v.is_finite() {
            return Err(PricingError::Fit(format!(
                "point {i}: log-moneyness {k} or total variance {v} is not finite"
            )));
        }
        if wt > 0.0 {
            data.push(Point { k, v, wt });
        }
    }
    let mut ks: Vec<f64> = data.iter().map(|p| p.k).collect();
    ks.sort_by(f64::total_cmp);
    ks.dedup();
    if ks.len() < MIN_POINTS {
        return Err(PricingError::Fit(format!(
            "need at least {MIN_POINTS} distinct strikes with positive weight, got {}",
            ks.len()
        )));
    }
    let total: f64 = data.iter().map(|p| p.wt).sum();
    // Scale the variances to order one so that tolerances are relative.
    let v_scale = data.iter().map(|p| p.v).fold(0.0_f64, f64::max);
    if !(total.is_finite() && total > 0.0 && v_scale.is_finite() && v_scale > 0.0) {
        return Err(PricingError::Fit(
            "weights or variances overflow".to_owned(),
        ));
    }
    for p in &mut data {
        p.wt /= total;
        p.v /= v_scale;
    }
    // Lee's wing-slope bound in the scaled units (w/v_scale has slopes b(1 ± ρ)/v_scale).
    let slope_cap = LEE_SLOPE / v_scale;
    let (k_lo, k_hi) = (ks[0], ks[ks.len() - 1]);
    let span = k_hi - k_lo;

    // Stage 2: outer search over (m, ln σ) from a grid of starts.
    let m_bounds = (k_lo - span, k_hi + span);
    let s_bounds = (span * 1e-4, span * 10.0);
    let outer = |x: &[f64; 2]| -> f64 {
        let s = x[1].exp();
        if x[0] < m_bounds.0 || x[0] > m_bounds.1 || s < s_bounds.0 || s > s_bounds.1 {
            return f64::INFINITY;
        }
        inner(&data, x[0], s, slope_cap).map_or(f64::INFINITY, |r| r.obj)
    };
    let mut starts: Vec<([f64; 2], f64)> = Vec::new();
    for j in 0..=4 {
        let m = k_lo + span * f64::from(j) / 4.0;
        for frac in [0.02, 0.05, 0.15, 0.4, 1.0] {
            let x = [m, (span * frac).ln()];
            starts.push((x, outer(&x)));
        }
    }
    starts.sort_by(|p, q| p.1.total_cmp(&q.1));
    let mut best: Option<([f64; 2], f64)> = None;
    for (x0, f0) in starts.iter().take(4) {
        if !f0.is_finite() {
            continue;
        }
        let (x, f) = nelder_mead(outer, *x0, [0.1 * span, 0.5], 1e-22, 1e-10, 600);
        if best.is_none_or(|b| f < b.1) {
            best = Some((x, f));
        }
    }
    let Some((x, _)) = best else {
        return Err(PricingError::Fit(
            "no finite starting point (degenerate data)".to_owned(),
        ));
    };
    let (m, s) = (x[0], x[1].exp());
    let Some(start) = inner(&data, m, s, slope_cap) else {
        return Err(PricingError::Fit(
            "inner least squares failed at the optimum".to_owned(),
        ));
    };

    // Stage 3: Levenberg–Marquardt polish of all five parameters.
    let theta = polish(&data, [start.a, start.b, start.rho, m, s], slope_cap);
    let params = SviParams {
        a: theta[0] * v_scale,
        b: theta[1] * v_scale,
        rho: theta[2],
        m: theta[3],
        sigma: theta[4],
    };
    SviSlice::new(params, t, forward).map_err(|e| {
        PricingError::Fit(format!(
            "the fitted parameters are out of the SVI domain: {e}"
        ))
    })
}

/// One data point: log-moneyness, total variance (scaled) and normalised weight.
#[derive(Debug, Clone, Copy)]
struct Point {
    k: f64,
    v: f64,
    wt: f64,
}

/// The inner solution for fixed `(m, σ)`.
#[derive(Debug, Clone, Copy)]
struct Inner {
    a: f64,
    b: f64,
    rho: f64,
    obj: f64,
}

/// Quasi-explicit inner problem (De Marco & Martini 2009) in the wing coordinates
/// `u = bσ(1+ρ)`, `v = bσ(1−ρ)`: `w = a + u·p(y) + v·q(y)` with `p = (√(y²+1) + y)/2`,
/// `q = (√(y²+1) − y)/2`, `(u, v) ∈ [0, slope_cap·σ]²` (`slope_cap` is Lee's 2 in the
/// units of the scaled variances).
fn inner(data: &[Point], m: f64, s: f64, slope_cap: f64) -> Option<Inner> {
    let n = data.len();
    let mut cols_p = Vec::with_capacity(n);
    let mut cols_q = Vec::with_capacity(n);
    for pt in data {
        let y = (pt.k - m) / s;
        let z = y.hypot(1.0);
        // (z + y)(z − y) = 1: compute the small one as a reciprocal to avoid cancellation.
        let (p, q) = if y >= 0.0 {
            (0.5 * (z + y), 0.5 / (z + y))
        } else {
            (0.5 / (z - y), 0.5 * (z - y))
        };
        cols_p.push(p);
        cols_q.push(q);
    }
    let cap = slope_cap * s;
    let objective = |a: f64, u: f64, v: f64| -> f64 {
        data.iter()
            .zip(cols_p.iter().zip(&cols_q))
            .map(|(pt, (p, q))| pt.wt * (a + u * p + v * q - pt.v).powi(2))
            .sum()
    };
    // Weighted LS with some of (u, v) fixed; returns (a, u, v).
    let solve = |fix_u: Option<f64>, fix_v: Option<f64>| -> Option<(f64, f64, f64)> {
        let cols = 1 + usize::from(fix_u.is_none()) + usize::from(fix_v.is_none());
        let mut a = Vec::with_capacity(n * cols);
        let mut rhs = Vec::with_capacity(n);
        for (i, pt) in data.iter().enumerate() {
            let sw = pt.wt.sqrt();
            a.push(sw);
            if fix_u.is_none() {
                a.push(sw * cols_p[i]);
            }
            if fix_v.is_none() {
                a.push(sw * cols_q[i]);
            }
            rhs.push(
                sw * (pt.v - fix_u.unwrap_or(0.0) * cols_p[i] - fix_v.unwrap_or(0.0) * cols_q[i]),
            );
        }
        let x = lstsq(&mut a, n, cols, &mut rhs)?;
        let mut it = x.into_iter();
        let a0 = it.next()?;
        let u = match fix_u {
            Some(u) => u,
            None => it.next()?,
        };
        let v = match fix_v {
            Some(v) => v,
            None => it.next()?,
        };
        Some((a0, u, v))
    };
    let inside = |x: f64| (0.0..=cap).contains(&x);
    let mut best: Option<(f64, f64, f64, f64)> = None;
    let mut consider = |cand: (f64, f64, f64)| {
        let obj = objective(cand.0, cand.1, cand.2);
        if obj.is_finite() && best.is_none_or(|b| obj < b.3) {
            best = Some((cand.0, cand.1, cand.2, obj));
        }
    };
    match solve(None, None) {
        Some(c) if inside(c.1) && inside(c.2) => consider(c),
        _ => {
            // The optimum over the box is on an edge: one wing coordinate at a bound; on
            // each edge the objective (a eliminated) is convex in the other, so clip it.
            for bound in [0.0, cap] {
                if let Some((_, u, v)) = solve(Some(bound), None) {
                    let v = v.clamp(0.0, cap);
                    if let Some(c) = solve(Some(u), Some(v)) {
                        consider(c);
                    }
                }
                if let Some((_, u, v)) = solve(None, Some(bound)) {
                    let u = u.clamp(0.0, cap);
                    if let Some(c) = solve(Some(u), Some(v)) {
                        consider(c);
                    }
                }
            }
        }
    }
    let (mut a, u, v, mut obj) = best?;
    // Non-negative total variance: a + bσ√(1−ρ²) = a + √(uv) ≥ 0.
    let floor = -(u * v).sqrt() * (1.0 - 1e-12);
    if a < floor {
        a = floor;
        obj = objective(a, u, v);
    }
    let (b, rho) = if u + v > 0.0 {
        (
            (u + v) / (2.0 * s),
            ((u - v) / (u + v)).clamp(-RHO_MAX, RHO_MAX),
        )
    } else {
        (0.0, 0.0)
    };
    Some(Inner { a, b, rho, obj })
}

/// Weighted sum of squares of the total-variance residuals for `θ = (a, b, ρ, m, σ)`.
fn full_objective(data: &[Point], th: &[f64; 5]) -> f64 {
    let p = SviParams {
        a: th[0],
        b: th[1],
        rho: th[2],
        m: th[3],
        sigma: th[4],
    };
    data.iter()
        .map(|pt| pt.wt * (p.total_variance(pt.k) - pt.v).powi(2))
        .sum()
}

/// Projects `θ` onto the fit's domain: `σ > 0`, `b ≥ 0`, `|ρ| ≤ RHO_MAX`, Lee's wing
/// bound `b(1 + |ρ|) ≤ slope_cap`, and `a + bσ√(1−ρ²) ≥ 0`.
fn project(th: &mut [f64; 5], sigma_floor: f64, slope_cap: f64) {
    th[4] = th[4].max(sigma_floor);
    th[1] = th[1].max(0.0);
    th[2] = th[2].clamp(-RHO_MAX, RHO_MAX);
    th[1] = th[1].min(slope_cap / (1.0 + th[2].abs()));
    // A relative margin of 1e-12 keeps the bound satisfied after rounding and rescaling.
    th[0] = th[0].max(-th[1] * th[4] * (1.0 - th[2] * th[2]).sqrt() * (1.0 - 1e-12));
}

/// Levenberg–Marquardt on the five parameters (Marquardt, "An algorithm for least-squares
/// estimation of nonlinear parameters", SIAM J. Appl. Math. 11, 1963; damping scaled by
/// the Jacobian's column norms as in Moré, "The Levenberg–Marquardt algorithm:
/// implementation and theory", 1978). Each step solves the damped problem as a stacked
/// least-squares system by QR, is projected onto the domain, and is kept only if it lowers
/// the objective. The Jacobian of `w` is analytic: `∂w/∂a = 1`, `∂w/∂b = ρx + R`,
/// `∂w/∂ρ = bx`, `∂w/∂m = −b(ρ + x/R)`, `∂w/∂σ = bσ/R`, with `x = k − m`,
/// `R = √(x² + σ²)`.
fn polish(data: &[Point], start: [f64; 5], slope_cap: f64) -> [f64; 5] {
    let n = data.len();
    // Keeps σ strictly positive (its domain) without constraining any real smile.
    let sigma_floor = 1e-8;
    let mut th = start;
    project(&mut th, sigma_floor, slope_cap);
    let mut f = full_objective(data, &th);
    let mut lambda = 1e-3;
    for _ in 0..200 {
        let rows = n + 5;
        let mut jac = vec![0.0; rows * 5];
        let mut rhs = vec![0.0; rows];
        let mut col_norm = [0.0_f64; 5];
        for (i, pt) in data.iter().enumerate() {
            let sw = pt.wt.sqrt();
            let x = pt.k - th[3];
            let r = x.hypot(th[4]);
            let w = th[0] + th[1] * (th[2] * x + r);
            let d = [
                1.0,
                th[2] * x + r,
                th[1] * x,
                -th[1] * (th[2] + x / r),
                th[1] * th[4] / r,
            ];
            for c in 0..5 {
                jac[i * 5 + c] = sw * d[c];
                col_norm[c] += (sw * d[c]).powi(2);
            }
            rhs[i] = -sw * (w - pt.v);
        }
        let mut improved = false;
        for _ in 0..12 {
            let mut a = jac.clone();
            let mut b = rhs.clone();
            for c in 0..5 {
                a[(n + c) * 5 + c] = (lambda * col_norm[c].max(1e-30)).sqrt();
                b[n + c] = 0.0;
            }
            let Some(delta) = lstsq(&mut a, rows, 5, &mut b) else {
                lambda *= 10.0;
                continue;
            };
            let mut trial = th;
            for c in 0..5 {
                trial[c] += delta[c];
            }
            project(&mut trial, sigma_floor, slope_cap);
            let ft = full_objective(data, &trial);
            if ft.is_finite() && ft < f {
                let gain = f - ft;
                th = trial;
                f = ft;
                lambda = (lambda * 0.3).max(1e-12);
                improved = gain > 1e-15 * f + 1e-32;
                break;
            }
            lambda *= 10.0;
        }
        if !improved {
            break;
        }
    }
    th
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_recovers_exact_linear_parameters() {
        // Noise-free data from (a, b, ρ) at the true (m, σ): the inner problem is linear
        // and must return them to rounding.
        let truth = SviParams {
            a: 0.02,
            b: 0.3,
            rho: -0.4,
            m: 0.05,
            sigma: 0.15,
        };
        let data: Vec<Point> = (0..21)
            .map(|i| {
                let k = -0.5 + 0.05 * f64::from(i);
                Point {
                    k,
                    v: truth.total_variance(k),
                    wt: 1.0 / 21.0,
                }
            })
            .collect();
        let r = inner(&data, truth.m, truth.sigma, LEE_SLOPE).unwrap();
        assert!(
            (r.a - truth.a).abs() < 1e-13
                && (r.b - truth.b).abs() < 1e-12
                && (r.rho - truth.rho).abs() < 1e-12,
            "{r:?}"
        );
        assert!(r.obj < 1e-28);
    }

    #[test]
    fn inner_respects_the_box() {
        // Data steeper than Lee's bound on the right: u is held at 2σ.
        let data: Vec<Point> = (0..21)
            .map(|i| {
                let k = -0.5 + 0.1 * f64::from(i);
                Point {
                    k,
                    v: 0.04 + 3.0 * k.max(0.0),
                    wt: 1.0 / 21.0,
                }
            })
            .collect();
        let r = inner(&data, 0.0, 0.1, LEE_SLOPE).unwrap();
        let (_, right) = SviParams {
            a: r.a,
            b: r.b,
            rho: r.rho,
            m: 0.0,
            sigma: 0.1,
        }
        .wing_slopes();
        assert!(right <= 2.0 + 1e-9, "{r:?}");
    }
}
