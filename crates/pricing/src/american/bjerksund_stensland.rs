//! Bjerksund & Stensland (2002) approximation.
//!
//! P. Bjerksund and G. Stensland, "Closed Form Valuation of American Options", NHH
//! discussion paper 2002:9 (revised 21.10.2002), as written out in Haug, "The Complete
//! Guide to Option Pricing Formulas", 2nd ed. (2007), §3.1.3 (cost of carry `b = r − q`).
//!
//! Time to maturity is split at `t₁ = ½(√5 − 1)T` into two periods, each with a flat
//! exercise trigger (`I₂` on `[0, t₁]`, `I₁` on `[t₁, T]`); the value of that (feasible,
//! sub-optimal) strategy is a lower bound of the American price:
//!
//! ```text
//! C = α₂S^β − α₂φ(S,t₁,β,I₂,I₂) + φ(S,t₁,1,I₂,I₂) − φ(S,t₁,1,I₁,I₂) − Kφ(S,t₁,0,I₂,I₂)
//!     + Kφ(S,t₁,0,I₁,I₂) + α₁φ(S,t₁,β,I₁,I₂) − α₁ψ(S,T,β,I₁,I₂,I₁,t₁) + ψ(S,T,1,I₁,I₂,I₁,t₁)
//!     − ψ(S,T,1,K,I₂,I₁,t₁) − Kψ(S,T,0,I₁,I₂,I₁,t₁) + Kψ(S,T,0,K,I₂,I₁,t₁)
//! ```
//!
//! with `φ` the 1993 barrier term and `ψ` its two-period analogue through the bivariate
//! normal [`super::bivariate_normal_cdf`]. Puts by the Bjerksund-Stensland put-call
//! transformation `P(S, K, T, r, b, σ) = C(K, S, T, r − b, −b, σ)` (Haug eq. 3.x, from
//! Bjerksund & Stensland 1993).
//!
//! Accuracy: typically 1e-3 to 1e-2 on S ≈ K ≈ 100 (it is a lower bound; it is more
//! accurate than the 1993 version and than BAW for long maturities). The result is
//! floored at the European value (also a lower bound), which the two-step strategy can
//! fall below for long maturities.

use thetalab_core::OptionRight;

use super::bivariate::bivariate_normal_cdf;
use crate::OptionInputs;
use crate::black_scholes;
use crate::normal::cdf;

/// Bjerksund-Stensland 2002 price. Calls with `q ≤ 0` and puts with `r ≤ 0` are
/// European; expiry, zero volatility and negative-rate regimes are handled as in
/// [`super::price`].
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
        // Put-call transformation (Bjerksund & Stensland 1993; Haug 2007 §3.1.3).
        OptionRight::Put => call(o.k, o.s, o.t, o.r - b, -b, o.sigma),
    }
}

/// The 2002 call (Haug 2007, §3.1.3).
fn call(s: f64, k: f64, t: f64, r: f64, b: f64, sigma: f64) -> f64 {
    if b >= r {
        // Never exercised early: the European value (Merton 1973).
        return black_scholes::price(OptionRight::Call, s, k, t, r, b, sigma);
    }
    let v2 = sigma * sigma;
    let t1 = 0.5 * (5f64.sqrt() - 1.0) * t;
    let beta = (0.5 - b / v2) + ((b / v2 - 0.5).powi(2) + 2.0 * r / v2).sqrt();
    let b_inf = beta / (beta - 1.0) * k;
    let b0 = if r - b > 0.0 {
        k.max(r / (r - b) * k)
    } else {
        k
    };
    let spread = b_inf - b0;
    let h1 = -(b * t1 + 2.0 * sigma * t1.sqrt()) * k * k / (spread * b0);
    let h2 = -(b * t + 2.0 * sigma * t.sqrt()) * k * k / (spread * b0);
    let i1 = b0 + spread * (1.0 - h1.exp());
    let i2 = b0 + spread * (1.0 - h2.exp());
    if !(i1.is_finite() && i2.is_finite() && i1 > 0.0 && i2 > 0.0) {
        return black_scholes::price(OptionRight::Call, s, k, t, r, b, sigma);
    }
    if s >= i2 {
        return s - k;
    }
    let alpha1 = (i1 - k) * i1.powf(-beta);
    let alpha2 = (i2 - k) * i2.powf(-beta);
    let m = Model { r, b, sigma };
    let v = alpha2 * s.powf(beta) - alpha2 * m.phi(s, t1, beta, i2, i2) + m.phi(s, t1, 1.0, i2, i2)
        - m.phi(s, t1, 1.0, i1, i2)
        - k * m.phi(s, t1, 0.0, i2, i2)
        + k * m.phi(s, t1, 0.0, i1, i2)
        + alpha1 * m.phi(s, t1, beta, i1, i2)
        - alpha1 * m.psi(s, t, beta, i1, i2, i1, t1)
        + m.psi(s, t, 1.0, i1, i2, i1, t1)
        - m.psi(s, t, 1.0, k, i2, i1, t1)
        - k * m.psi(s, t, 0.0, i1, i2, i1, t1)
        + k * m.psi(s, t, 0.0, k, i2, i1, t1);
    // Both this strategy's value and the European value are lower bounds of the
    // American value, so is their maximum: the flat-trigger strategy can be worth less
    // than never exercising (long maturities with low carry). Never below exercise.
    v.max(black_scholes::price(
        OptionRight::Call,
        s,
        k,
        t,
        r,
        b,
        sigma,
    ))
    .max(s - k)
}

struct Model {
    r: f64,
    b: f64,
    sigma: f64,
}

impl Model {
    /// `φ(S, T, γ, H, I)` (Bjerksund & Stensland 1993; Haug 2007 §3.1.2).
    fn phi(&self, s: f64, t: f64, gamma: f64, h: f64, i: f64) -> f64 {
        let Model { r, b, sigma } = *self;
        let v2 = sigma * sigma;
        let vst = sigma * t.sqrt();
        let lambda = (-r + gamma * b + 0.5 * gamma * (gamma - 1.0) * v2) * t;
        let d = -((s / h).ln() + (b + (gamma - 0.5) * v2) * t) / vst;
        let kappa = 2.0 * b / v2 + (2.0 * gamma - 1.0);
        lambda.exp()
            * s.powf(gamma)
            * (cdf(d) - (i / s).powf(kappa) * cdf(d - 2.0 * (i / s).ln() / vst))
    }

    /// `ψ(S, T, γ, H, I₂, I₁, t₁)` (Bjerksund & Stensland 2002; Haug 2007 §3.1.3).
    #[allow(clippy::too_many_arguments)]
    fn psi(&self, s: f64, t: f64, gamma: f64, h: f64, i2: f64, i1: f64, t1: f64) -> f64 {
        let Model { r, b, sigma } = *self;
        let v2 = sigma * sigma;
        let vst1 = sigma * t1.sqrt();
        let vst = sigma * t.sqrt();
        let drift = b + (gamma - 0.5) * v2;
        let e1 = ((s / i1).ln() + drift * t1) / vst1;
        let e2 = ((i2 * i2 / (s * i1)).ln() + drift * t1) / vst1;
        let e3 = ((s / i1).ln() - drift * t1) / vst1;
        let e4 = ((i2 * i2 / (s * i1)).ln() - drift * t1) / vst1;
        let f1 = ((s / h).ln() + drift * t) / vst;
        let f2 = ((i2 * i2 / (s * h)).ln() + drift * t) / vst;
        let f3 = ((i1 * i1 / (s * h)).ln() + drift * t) / vst;
        let f4 = ((s * i1 * i1 / (h * i2 * i2)).ln() + drift * t) / vst;
        let rho = (t1 / t).sqrt();
        let lambda = -r + gamma * b + 0.5 * gamma * (gamma - 1.0) * v2;
        let kappa = 2.0 * b / v2 + (2.0 * gamma - 1.0);
        (lambda * t).exp()
            * s.powf(gamma)
            * (bivariate_normal_cdf(-e1, -f1, rho)
                - (i2 / s).powf(kappa) * bivariate_normal_cdf(-e2, -f2, rho)
                - (i1 / s).powf(kappa) * bivariate_normal_cdf(-e3, -f3, -rho)
                + (i1 / i2).powf(kappa) * bivariate_normal_cdf(-e4, -f4, -rho))
    }
}
