//! The generalised Black-Scholes kernel with cost of carry `b`, shared by
//! Black-Scholes-Merton (`b = r − q`) and Black-76 (`b = 0`, `S` = forward).
//!
//! Formulas: Haug, "The Complete Guide to Option Pricing Formulas", 2nd ed. (2007),
//! §1.1.6 (generalised BSM) and §2.1–2.5 (Greeks), rewritten so that every time Greek is
//! ∂/∂t = −∂/∂T (Haug prints several as ∂/∂T). Each Greek is checked against central
//! finite differences of the price in the tests.

use thetalab_core::OptionRight;

use crate::Greeks;
use crate::normal::{cdf, pdf};

/// Which rate sensitivity to report: BSM moves the carry with `r` (`b = r − q`);
/// Black-76 keeps the forward fixed (`b = 0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carry {
    /// `b = r − q`.
    Bsm,
    /// `b = 0`, `S` is the forward.
    Black76,
}

/// Price and delta only: the hot path.
#[inline(always)]
pub(crate) fn price_delta(
    right: OptionRight,
    s: f64,
    k: f64,
    t: f64,
    r: f64,
    b: f64,
    sigma: f64,
) -> (f64, f64) {
    let phi = right.sign();
    let vst = sigma * t.sqrt();
    let df = (-r * t).exp();
    let cf = ((b - r) * t).exp();
    if vst <= 0.0 {
        return degenerate_price_delta(phi, s, k, t, b, df, cf);
    }
    let d1 = ((s / k).ln() + (b + 0.5 * sigma * sigma) * t) / vst;
    let d2 = d1 - vst;
    let nd1 = cdf(phi * d1);
    let nd2 = cdf(phi * d2);
    (phi * (s * cf * nd1 - k * df * nd2), phi * cf * nd1)
}

/// Price only.
#[inline(always)]
pub(crate) fn price(right: OptionRight, s: f64, k: f64, t: f64, r: f64, b: f64, sigma: f64) -> f64 {
    price_delta(right, s, k, t, r, b, sigma).0
}

#[inline]
fn degenerate_price_delta(
    phi: f64,
    s: f64,
    k: f64,
    t: f64,
    b: f64,
    df: f64,
    cf: f64,
) -> (f64, f64) {
    // σ√T = 0: the forward S·e^{bT} is known; the option is worth its discounted
    // intrinsic value against the forward. At the money delta is taken as half a step.
    let fwd = s * (b * t).exp();
    let itm = phi * (fwd - k);
    let price = df * itm.max(0.0);
    let step = if itm > 0.0 {
        1.0
    } else if itm == 0.0 {
        0.5
    } else {
        0.0
    };
    (price, phi * cf * step)
}

/// The first-order Greeks only (price, delta, gamma, vega, theta, rho, rho_q): what a
/// risk system refreshes every tick.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn first_order(
    right: OptionRight,
    s: f64,
    k: f64,
    t: f64,
    r: f64,
    b: f64,
    sigma: f64,
    carry: Carry,
) -> Greeks {
    let phi = right.sign();
    let sqrt_t = t.sqrt();
    let vst = sigma * sqrt_t;
    let df = (-r * t).exp();
    let cf = ((b - r) * t).exp();
    if vst <= 0.0 {
        return degenerate(phi, s, k, t, r, b, df, cf, carry);
    }
    let d1 = ((s / k).ln() + (b + 0.5 * sigma * sigma) * t) / vst;
    let d2 = d1 - vst;
    let nd1 = cdf(phi * d1);
    let nd2 = cdf(phi * d2);
    let pd1 = pdf(d1);
    let price = phi * (s * cf * nd1 - k * df * nd2);
    let delta = phi * cf * nd1;
    let gamma = cf * pd1 / (s * vst);
    let vega = s * cf * pd1 * sqrt_t;
    // ∂V/∂T = S e^{(b−r)T} φ(d1) σ/(2√T) + φ(b−r) S e^{(b−r)T} N(φd1) + φ r K e^{−rT} N(φd2)
    let dv_dt = s * cf * pd1 * sigma / (2.0 * sqrt_t)
        + phi * (b - r) * s * cf * nd1
        + phi * r * k * df * nd2;
    let carry_rho = phi * t * s * cf * nd1; // ∂V/∂b
    let (rho, rho_q) = rates(carry, t, price, carry_rho);
    Greeks {
        price,
        delta,
        gamma,
        vega,
        theta: -dv_dt,
        rho,
        rho_q,
        ..Greeks::default()
    }
}

/// All Greeks to third order.
#[inline]
#[allow(clippy::too_many_arguments)]
pub(crate) fn greeks(
    right: OptionRight,
    s: f64,
    k: f64,
    t: f64,
    r: f64,
    b: f64,
    sigma: f64,
    carry: Carry,
) -> Greeks {
    let phi = right.sign();
    let sqrt_t = t.sqrt();
    let vst = sigma * sqrt_t;
    let df = (-r * t).exp();
    let cf = ((b - r) * t).exp();
    if vst <= 0.0 {
        return degenerate(phi, s, k, t, r, b, df, cf, carry);
    }
    let d1 = ((s / k).ln() + (b + 0.5 * sigma * sigma) * t) / vst;
    let d2 = d1 - vst;
    let nd1 = cdf(phi * d1);
    let nd2 = cdf(phi * d2);
    let pd1 = pdf(d1);

    let price = phi * (s * cf * nd1 - k * df * nd2);
    let delta = phi * cf * nd1;
    let gamma = cf * pd1 / (s * vst);
    let vega = s * cf * pd1 * sqrt_t;
    let dv_dt = s * cf * pd1 * sigma / (2.0 * sqrt_t)
        + phi * (b - r) * s * cf * nd1
        + phi * r * k * df * nd2;
    let carry_rho = phi * t * s * cf * nd1;
    let (rho, rho_q) = rates(carry, t, price, carry_rho);

    // ∂d1/∂T = b/(σ√T) − d2/(2T)
    let dd1_dt = b / vst - d2 / (2.0 * t);
    let d1d2 = d1 * d2;
    let vanna = -cf * pd1 * d2 / sigma;
    let volga = vega * d1d2 / sigma;
    // charm = −∂Δ/∂T, ∂Δ/∂T = (b−r)Δ + e^{(b−r)T} φ(d1) ∂d1/∂T
    let charm = -((b - r) * delta + cf * pd1 * dd1_dt);
    // ∂ln(vega)/∂T = (b−r) + 1/(2T) − d1 ∂d1/∂T
    let veta = -vega * ((b - r) + 1.0 / (2.0 * t) - d1 * dd1_dt);
    let speed = -gamma * (1.0 + d1 / vst) / s;
    // ∂ln(Γ)/∂T = (b−r) − 1/(2T) − d1 ∂d1/∂T
    let color = -gamma * ((b - r) - 1.0 / (2.0 * t) - d1 * dd1_dt);
    let zomma = gamma * (d1d2 - 1.0) / sigma;
    let ultima = -vega / (sigma * sigma) * (d1d2 * (1.0 - d1d2) + d1 * d1 + d2 * d2);

    Greeks {
        price,
        delta,
        gamma,
        vega,
        theta: -dv_dt,
        rho,
        rho_q,
        vanna,
        volga,
        charm,
        veta,
        speed,
        color,
        zomma,
        ultima,
    }
}

#[inline(always)]
fn rates(carry: Carry, t: f64, price: f64, carry_rho: f64) -> (f64, f64) {
    match carry {
        // BSM: b = r − q, so ∂/∂r = ∂/∂r|_b + ∂/∂b and ∂/∂q = −∂/∂b.
        Carry::Bsm => (-t * price + carry_rho, -carry_rho),
        // Black-76: the forward is fixed, only discounting moves.
        Carry::Black76 => (-t * price, 0.0),
    }
}

/// σ√T = 0 (expiry or zero vol): value against the known forward; curvature Greeks are
/// zero (their limits are Dirac masses at the strike).
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn degenerate(
    phi: f64,
    s: f64,
    k: f64,
    t: f64,
    r: f64,
    b: f64,
    df: f64,
    cf: f64,
    carry: Carry,
) -> Greeks {
    let (price, delta) = degenerate_price_delta(phi, s, k, t, b, df, cf);
    // V = e^{−rT} max(φ(S e^{bT} − K), 0): ∂V/∂T = −rV + b·S·Δ (Δ = φ e^{(b−r)T}·step).
    let dv_dt = -r * price + b * s * delta;
    let carry_rho = t * s * delta;
    let (rho, rho_q) = rates(carry, t, price, carry_rho);
    Greeks {
        price,
        delta,
        theta: if t > 0.0 { -dv_dt } else { 0.0 },
        rho,
        rho_q,
        ..Greeks::default()
    }
}
