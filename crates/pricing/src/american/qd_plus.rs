//! Li's QD+ approximation of the exercise boundary: the starting guess of the
//! fixed-point method ([`super::fixed_point`]).
//!
//! M. Li, "Analytical approximations for the critical stock prices of American options:
//! a performance comparison", Review of Derivatives Research 13 (2010) 75–99 (QD+ itself
//! is from Li's 2005 working paper), building on Ju & Zhong's QD approximation ("An
//! approximate formula for pricing American options", J. Derivatives 7, 1999), as ALO use
//! it (L. Andersen, M. Lake and D. Offengenden, "High-performance American option
//! pricing", J. Comput. Finance 20(1), 2016, §5.1). For a put with strike `K`, time to expiry `τ`,
//! `h = 1 − e^{−rτ}`, `ω = 2(r − q)/σ²`:
//!
//! - `λ = (−(ω − 1) − √((ω − 1)² + 8r/(σ²h)))/2`, `λ' = dλ/dh = 2r/(σ²h²√(·))`;
//! - the critical price `S*` solves smooth pasting of `p(S) + (K − S* − p(S*))(S/S*)^λ
//!   (1 + c₀ …)`, i.e. `(1 − e^{−qτ}Φ(−d₊(S*)))S* + (λ + c₀)(K − S* − p(S*)) = 0` with
//!   `c₀ = −((1 − h)2r/σ²)/(2λ + ω − 1) · [1/h − e^{rτ}Θ(S*)/(r(K − S* − p(S*))) +
//!   λ'/(2λ + ω − 1)]`, `p` and `Θ = ∂p/∂t` the European put and its (calendar) theta.
//!
//! Writing `α = 2r e^{−rτ}/(σ²(2λ + ω − 1))` and `β = α(1/h + λ'/(2λ + ω − 1)) − λ`, the
//! factor `K − S* − p(S*)` (which vanishes as `τ → 0`) cancels:
//! `F(S) = (1 − e^{−qτ}Φ(−d₊))S − β(K − S − p) + αΘ/(r e^{−rτ}) = 0`. `F` is smooth, so
//! Halley's method (with `F'` and `F''` in closed form: delta, gamma, charm and colour of
//! the European put) converges in a handful of steps from `S = K·min(1, r/q)`
//! (the boundary's limit at `τ = 0⁺`, ALO eq. (5)), as in QuantLib's
//! `QdPlusAmericanEngine`.

use super::fixed_point::cdf_with_density;
use crate::normal::FRAC_1_SQRT_2PI;

/// Halley iterations at most (each costs two `Φ`, one `exp` and one `ln`).
const MAX_ITER: usize = 12;

/// QD+ critical price of a unit-strike put (`K = 1`, so the result is `S*/K`), with
/// rate `r > 0`, yield `q`, volatility `σ > 0`, time to expiry `τ > 0`. Starts from
/// `start` (clamped to `(0, x_max]`), returns a value in `(0, x_max]`, never NaN.
pub(crate) fn critical_put(tau: f64, r: f64, q: f64, sigma: f64, x_max: f64, start: f64) -> f64 {
    let st = tau.sqrt();
    let v = sigma * st;
    let sigma2 = sigma * sigma;
    let dr = (-r * tau).exp();
    let dq = (-q * tau).exp();
    // h = 1 − e^{−rτ} without cancellation.
    let h = -(-r * tau).exp_m1();
    let omega = 2.0 * (r - q) / sigma2;
    let root = ((omega - 1.0) * (omega - 1.0) + 8.0 * r / (sigma2 * h)).sqrt();
    let lambda = 0.5 * (-(omega - 1.0) - root);
    let lambda_d = 2.0 * r / (sigma2 * h * h * root);
    // 2λ + ω − 1 = −√(·).
    let alpha = -2.0 * dr * r / (sigma2 * root);
    let beta = alpha * (1.0 / h - lambda_d / root) - lambda;
    let theta_scale = alpha / (r * dr);
    let x_min = 1e-12 * x_max;
    // F, F', F'' at S (unit strike).
    let eval = |s: f64| {
        let dp = (s.ln() + (r - q) * tau) / v + 0.5 * v;
        let dm = dp - v;
        // e^{−d₊²/2}, and e^{−d₋²/2} = e^{−d₊²/2}·S e^{−qτ}/(K e^{−rτ}).
        let e_p = (-0.5 * dp * dp).exp();
        let e_m = e_p * s * dq / dr;
        let n_dp = cdf_with_density(-dp, e_p);
        let n_dm = cdf_with_density(-dm, e_m);
        let phi_dp = FRAC_1_SQRT_2PI * e_p;
        let put = dr * n_dm - s * dq * n_dp;
        // Θ = ∂p/∂t = rK e^{−rτ}Φ(−d₋) − qS e^{−qτ}Φ(−d₊) − σS e^{−qτ}φ(d₊)/(2√τ).
        let theta = r * dr * n_dm - q * s * dq * n_dp - 0.5 * sigma * s * dq * phi_dp / st;
        // ∂Θ/∂S (charm) and ∂²Θ/∂S² (colour), with e^{−rτ}φ(d₋) = S e^{−qτ}φ(d₊).
        let charm = -dq * (phi_dp * ((r - q) / v - dm / (2.0 * tau)) + q * n_dp);
        let gamma = dq * phi_dp / (s * v);
        let colour = gamma * (q + (r - q) * dp / v + (1.0 - dp * dm) / (2.0 * tau));
        let one_minus_delta = 1.0 - dq * n_dp;
        let f = one_minus_delta * s - beta * (1.0 - s - put) + theta_scale * theta;
        let fd = one_minus_delta + dq * phi_dp / v + beta * one_minus_delta + theta_scale * charm;
        let fdd = gamma * (1.0 - dp / v) + beta * gamma + theta_scale * colour;
        (f, fd, fdd)
    };
    let halley = |x0: f64| {
        let mut x = x0;
        for _ in 0..MAX_ITER {
            let (f, fd, fdd) = eval(x);
            let newton = f / fd;
            // Halley's step (Press et al., "Numerical Recipes", 3rd ed., §9.4).
            let step = newton / (1.0 - 0.5 * newton * fdd / fd);
            let next = if step.is_finite() {
                (x - step).clamp(x_min, x_max)
            } else if newton.is_finite() {
                (x - newton).clamp(x_min, x_max)
            } else {
                return Err(x);
            };
            if (next - x).abs() <= 1e-8 * x_max {
                return Ok(next);
            }
            x = next;
        }
        Err(x)
    };
    let x0 = if start.is_finite() && start > 0.0 {
        start.min(x_max)
    } else {
        x_max
    };
    // A warm start above the root converges in about three steps; from x_max (the
    // boundary's upper limit, always above the root) it converges too, more slowly at
    // short τ. The last iterate is returned if neither converges (the fixed point
    // corrects it).
    let x = match halley(x0) {
        Ok(x) => x,
        Err(_) if x0 < x_max => halley(x_max).unwrap_or_else(|x| x),
        Err(x) => x,
    };
    if x.is_finite() && x > 0.0 { x } else { x_max }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qd_plus_is_close_to_the_true_boundary() {
        use crate::american::fixed_point::{FixedPointScheme, UnitBoundary};
        // Put, r = q = 5%, σ = 25% (ALO's example), and a high-rate case: QD+ is within
        // 1% of the high-precision fixed-point boundary (Li 2010 reports errors of this
        // order), whatever the starting point.
        for (r, q, sigma) in [(0.05, 0.05, 0.25), (0.1, 0.0, 0.35), (0.03, 0.08, 0.2)] {
            let x_max = if q > r { r / q } else { 1.0 };
            let exact = UnitBoundary::solve(2.0, r, q, sigma, FixedPointScheme::high_precision());
            for tau in [1e-4, 0.1, 1.0, 2.0] {
                let b = critical_put(tau, r, q, sigma, x_max, x_max);
                let want = exact.at(tau);
                assert!((b / want - 1.0).abs() < 1e-2, "τ = {tau}: {b} vs {want}");
                // Warm starts above the root, or far below it (then restarted).
                for start in [(1.01 * b).min(x_max), 0.5 * b, 1e-6] {
                    let b2 = critical_put(tau, r, q, sigma, x_max, start);
                    assert!((b - b2).abs() < 1e-8, "start {start}: {b2} vs {b}");
                }
            }
        }
    }
}
