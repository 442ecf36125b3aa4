//! Barone-Adesi & Whaley (1987) quadratic approximation.
//!
//! G. Barone-Adesi and R. E. Whaley, "Efficient Analytic Approximation of American Option
//! Values", Journal of Finance 42 (1987) 301–320, in the cost-of-carry form of Haug, "The
//! Complete Guide to Option Pricing Formulas", 2nd ed. (2007), §3.1.1 (`b = r − q`):
//!
//! - call, `b < r`: `C = c(S) + A₂ (S/S*)^{q₂}` for `S < S*`, else `S − K`, with
//!   `A₂ = (S*/q₂)(1 − e^{(b−r)T} N(d₁(S*)))`;
//! - put: `P = p(S) + A₁ (S/S**)^{q₁}` for `S > S**`, else `K − S`, with
//!   `A₁ = −(S**/q₁)(1 − e^{(b−r)T} N(−d₁(S**)))`;
//! - `q₁,₂ = (−(N−1) ∓ √((N−1)² + 4M/K))/2`, `N = 2b/σ²`, `M = 2r/σ²`, `K = 1 − e^{−rT}`.
//!
//! The critical prices `S*`, `S**` solve the value-matching equations by Newton's method
//! from Haug's seed values (§3.1.1), here to a relative tolerance of 1e-12 (Haug stops
//! at 1e-6) so that the price is a smooth function of the inputs.
//!
//! Accuracy: a few 1e-3 to 1e-2 on S ≈ K ≈ 100 for short and medium maturities, worse
//! for long-dated options; use [`super::fixed_point`] for accurate values.
//!
//! The functions here assume the standard domain (see [`super::price`], which handles
//! expiry, zero volatility, the cases without early exercise and negative rates).

use thetalab_core::OptionRight;

use crate::OptionInputs;
use crate::black_scholes;
use crate::normal::{cdf, pdf};

/// BAW price. Calls with `q ≤ 0` and puts with `r ≤ 0` (no early exercise in the
/// standard domain) are priced as European; other regimes go through [`super::price`].
#[must_use]
pub fn price(o: &OptionInputs) -> f64 {
    if let Some(v) = super::trivial(o) {
        return v;
    }
    raw(o)
}

pub(crate) fn raw(o: &OptionInputs) -> f64 {
    let b = o.r - o.q;
    match o.right {
        OptionRight::Call => call(o.s, o.k, o.t, o.r, b, o.sigma),
        OptionRight::Put => put(o.s, o.k, o.t, o.r, b, o.sigma),
    }
}

/// The critical price of the BAW approximation: `S*` for a call (exercise at or above),
/// `S**` for a put (exercise at or below). NaN where early exercise is never optimal
/// (calls with `b ≥ r`, puts with `r ≤ 0`) or for degenerate inputs (`T = 0`, `σ = 0`).
#[must_use]
pub fn critical_price(o: &OptionInputs) -> f64 {
    let b = o.r - o.q;
    if !(o.t > 0.0 && o.sigma > 0.0) {
        return f64::NAN;
    }
    match o.right {
        OptionRight::Call if b < o.r => critical_call(o.k, o.t, o.r, b, o.sigma),
        OptionRight::Put if o.r > 0.0 => critical_put(o.k, o.t, o.r, b, o.sigma),
        _ => f64::NAN,
    }
}

/// `M/K = 2r/(σ²(1 − e^{−rT}))`, with its limit `2/(σ²T)` as `r → 0`.
#[inline]
fn m_over_k(t: f64, r: f64, v2: f64) -> f64 {
    let x = r * t;
    if x.abs() < 1e-7 {
        2.0 / (v2 * t) * (1.0 + 0.5 * x)
    } else {
        2.0 * r / (v2 * -(-x).exp_m1())
    }
}

fn d1(s: f64, k: f64, t: f64, b: f64, sigma: f64) -> f64 {
    ((s / k).ln() + (b + 0.5 * sigma * sigma) * t) / (sigma * t.sqrt())
}

fn call(s: f64, k: f64, t: f64, r: f64, b: f64, sigma: f64) -> f64 {
    let euro = black_scholes::price(OptionRight::Call, s, k, t, r, b, sigma);
    if b >= r {
        return euro;
    }
    let sk = critical_call(k, t, r, b, sigma);
    if !sk.is_finite() {
        return euro;
    }
    if s >= sk {
        return s - k;
    }
    let v2 = sigma * sigma;
    let n = 2.0 * b / v2;
    let q2 = 0.5 * (-(n - 1.0) + ((n - 1.0) * (n - 1.0) + 4.0 * m_over_k(t, r, v2)).sqrt());
    let a2 = sk / q2 * (1.0 - ((b - r) * t).exp() * cdf(d1(sk, k, t, b, sigma)));
    euro + a2 * (s / sk).powf(q2)
}

fn put(s: f64, k: f64, t: f64, r: f64, b: f64, sigma: f64) -> f64 {
    let euro = black_scholes::price(OptionRight::Put, s, k, t, r, b, sigma);
    if r <= 0.0 {
        return euro;
    }
    let sk = critical_put(k, t, r, b, sigma);
    if !sk.is_finite() {
        return euro;
    }
    if s <= sk {
        return k - s;
    }
    let v2 = sigma * sigma;
    let n = 2.0 * b / v2;
    let q1 = 0.5 * (-(n - 1.0) - ((n - 1.0) * (n - 1.0) + 4.0 * m_over_k(t, r, v2)).sqrt());
    let a1 = -sk / q1 * (1.0 - ((b - r) * t).exp() * cdf(-d1(sk, k, t, b, sigma)));
    euro + a1 * (s / sk).powf(q1)
}

/// `S*` by Newton's method (Haug 2007, §3.1.1, "Kc" seed and iteration).
pub(crate) fn critical_call(k: f64, t: f64, r: f64, b: f64, sigma: f64) -> f64 {
    let v2 = sigma * sigma;
    let sqrt_t = t.sqrt();
    let n = 2.0 * b / v2;
    let m = 2.0 * r / v2;
    let q2 = 0.5 * (-(n - 1.0) + ((n - 1.0) * (n - 1.0) + 4.0 * m_over_k(t, r, v2)).sqrt());
    // Seed: the perpetual critical price S*(∞) = K/(1 − 1/q₂(∞)) blended toward K.
    let q2u = 0.5 * (-(n - 1.0) + ((n - 1.0) * (n - 1.0) + 4.0 * m).sqrt());
    let su = if q2u > 1.0 {
        k / (1.0 - 1.0 / q2u)
    } else {
        f64::INFINITY
    };
    let mut si = if su.is_finite() {
        let h2 = -(b * t + 2.0 * sigma * sqrt_t) * k / (su - k);
        k + (su - k) * (1.0 - h2.exp())
    } else {
        k * 2.0
    };
    let cf = ((b - r) * t).exp();
    for _ in 0..100 {
        let d = d1(si, k, t, b, sigma);
        let nd = cdf(d);
        let lhs = si - k;
        let rhs = black_scholes::price(OptionRight::Call, si, k, t, r, b, sigma)
            + (1.0 - cf * nd) * si / q2;
        // Slope of RHS − LHS + 1 in Haug's notation.
        let bi = cf * nd * (1.0 - 1.0 / q2) + (1.0 - cf * pdf(d) / (sigma * sqrt_t)) / q2;
        let next = (k + rhs - bi * si) / (1.0 - bi);
        if !next.is_finite() || next <= 0.0 {
            break;
        }
        let done = ((lhs - rhs) / k).abs() < 1e-12 || (next - si).abs() <= 1e-13 * si;
        si = next;
        if done {
            break;
        }
    }
    si.max(k)
}

/// `S**` by Newton's method (Haug 2007, §3.1.1, "Kp" seed and iteration).
pub(crate) fn critical_put(k: f64, t: f64, r: f64, b: f64, sigma: f64) -> f64 {
    let v2 = sigma * sigma;
    let sqrt_t = t.sqrt();
    let n = 2.0 * b / v2;
    let m = 2.0 * r / v2;
    let q1 = 0.5 * (-(n - 1.0) - ((n - 1.0) * (n - 1.0) + 4.0 * m_over_k(t, r, v2)).sqrt());
    let q1u = 0.5 * (-(n - 1.0) - ((n - 1.0) * (n - 1.0) + 4.0 * m).sqrt());
    let su = k / (1.0 - 1.0 / q1u);
    let h1 = (b * t - 2.0 * sigma * sqrt_t) * k / (k - su);
    let mut si = su + (k - su) * h1.exp();
    let cf = ((b - r) * t).exp();
    for _ in 0..100 {
        let d = d1(si, k, t, b, sigma);
        let nd = cdf(-d);
        let lhs = k - si;
        let rhs = black_scholes::price(OptionRight::Put, si, k, t, r, b, sigma)
            - (1.0 - cf * nd) * si / q1;
        let bi = -cf * nd * (1.0 - 1.0 / q1) - (1.0 + cf * pdf(-d) / (sigma * sqrt_t)) / q1;
        let next = (k - rhs + bi * si) / (1.0 + bi);
        if !next.is_finite() || next <= 0.0 {
            break;
        }
        let done = ((lhs - rhs) / k).abs() < 1e-12 || (next - si).abs() <= 1e-13 * si;
        si = next;
        if done {
            break;
        }
    }
    si.min(k)
}
