//! The generalised Black-Scholes kernel with cost of carry `b`, shared by
//! Black-Scholes-Merton (`b = r − q`) and Black-76 (`b = 0`, `S` = forward).
//!
//! Formulas: Haug, "The Complete Guide to Option Pricing Formulas", 2nd ed. (2007),
//! §1.1.6 (generalised BSM) and §2.1–2.5 (Greeks), rewritten so that every time Greek is
//! ∂/∂t = −∂/∂T (Haug prints several as ∂/∂T). Each Greek is checked against central
//! finite differences of the price in the tests.
//!
//! Every function here is branch-free (the `σ√T = 0` case is computed alongside and
//! selected) and uses the `exp`, `ln` and `Φ` of [`crate::fastmath`], so that the column
//! loops of [`crate::batch`] vectorise them and the scalar calls give the same bits.
//! One `exp(−d₁²/2)` serves both `Φ(d₁)` and `φ(d₁)`.

use thetalab_core::OptionRight;

use crate::Greeks;
use crate::fastmath::{cdf_pdf, exp, ln};

/// Which rate sensitivity to report: BSM moves the carry with `r` (`b = r − q`);
/// Black-76 keeps the forward fixed (`b = 0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carry {
    /// `b = r − q`.
    Bsm,
    /// `b = 0`, `S` is the forward.
    Black76,
}

/// One option and what every formula needs before `Φ`: the scalar calls and the column
/// kernels of [`crate::batch`] (which run [`setup`], `Φ` and a `finish_` function as
/// three separate loops over a chunk of options) share these steps, hence their bits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setup {
    /// +1 call, −1 put.
    pub phi: f64,
    pub s: f64,
    pub k: f64,
    pub t: f64,
    pub r: f64,
    pub b: f64,
    pub sigma: f64,
    /// `√T`.
    pub sqrt_t: f64,
    /// `σ√T`.
    pub vst: f64,
    /// `e^{−rT}`.
    pub df: f64,
    /// `e^{(b−r)T}`.
    pub cf: f64,
    pub d1: f64,
    pub d2: f64,
}

impl Setup {
    /// The arguments of the two `Φ`: `φd₁`, `φd₂`.
    #[inline(always)]
    pub(crate) fn args(&self) -> (f64, f64) {
        (self.phi * self.d1, self.phi * self.d2)
    }
}

/// `d₁ = (ln(S/K) + (b + σ²/2)T)/(σ√T)`, `d₂ = d₁ − σ√T` and the discount factors.
#[inline(always)]
pub(crate) fn setup(
    right: OptionRight,
    s: f64,
    k: f64,
    t: f64,
    r: f64,
    b: f64,
    sigma: f64,
) -> Setup {
    let phi = right.sign();
    let sqrt_t = t.sqrt();
    let vst = sigma * sqrt_t;
    let df = exp(-r * t);
    let cf = exp((b - r) * t);
    let d1 = (ln(s / k) + (b + 0.5 * sigma * sigma) * t) / vst;
    let d2 = d1 - vst;
    Setup {
        phi,
        s,
        k,
        t,
        r,
        b,
        sigma,
        sqrt_t,
        vst,
        df,
        cf,
        d1,
        d2,
    }
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
    let st = setup(right, s, k, t, r, b, sigma);
    let (a1, a2) = st.args();
    finish_price_delta(&st, cdf_pdf(a1).0, cdf_pdf(a2).0)
}

/// Price and delta from `nd1 = Φ(φd₁)`, `nd2 = Φ(φd₂)`.
#[inline(always)]
pub(crate) fn finish_price_delta(st: &Setup, nd1: f64, nd2: f64) -> (f64, f64) {
    let Setup {
        phi, s, k, df, cf, ..
    } = *st;
    let price = non_negative(phi * (s * cf * nd1 - k * df * nd2));
    let delta = phi * cf * nd1;
    let (dp, dd) = degenerate_price_delta(phi, s, k, df, cf);
    if st.vst <= 0.0 {
        (dp, dd)
    } else {
        (price, delta)
    }
}

/// Price only.
#[inline(always)]
pub(crate) fn price(right: OptionRight, s: f64, k: f64, t: f64, r: f64, b: f64, sigma: f64) -> f64 {
    price_delta(right, s, k, t, r, b, sigma).0
}

/// A value is never below 0: where the two terms of the formula cancel to their last
/// bits (far out of the money) rounding could leave `−ε`. NaN passes.
#[inline(always)]
fn non_negative(v: f64) -> f64 {
    if v < 0.0 { 0.0 } else { v }
}

#[inline(always)]
fn degenerate_price_delta(phi: f64, s: f64, k: f64, df: f64, cf: f64) -> (f64, f64) {
    // σ√T = 0: the forward S·e^{bT} is known; the option is worth its discounted
    // intrinsic value against the forward, e^{−rT} max(φ(F − K), 0) =
    // max(φ(S e^{(b−r)T} − K e^{−rT}), 0). At the money delta is taken as half a step.
    let itm = phi * (s * cf - k * df);
    let price = if itm > 0.0 { itm } else { 0.0 };
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
    let st = setup(right, s, k, t, r, b, sigma);
    let (a1, a2) = st.args();
    let (nd1, pd1) = cdf_pdf(a1);
    finish_first_order(&st, carry, nd1, pd1, cdf_pdf(a2).0)
}

/// The first-order Greeks from `nd1 = Φ(φd₁)`, `pd1 = φ(d₁)`, `nd2 = Φ(φd₂)`.
#[inline(always)]
pub(crate) fn finish_first_order(st: &Setup, carry: Carry, nd1: f64, pd1: f64, nd2: f64) -> Greeks {
    let Setup {
        phi,
        s,
        k,
        t,
        r,
        b,
        sigma,
        sqrt_t,
        vst,
        df,
        cf,
        ..
    } = *st;
    let price = non_negative(phi * (s * cf * nd1 - k * df * nd2));
    let delta = phi * cf * nd1;
    let gamma = cf * pd1 / (s * vst);
    let vega = s * cf * pd1 * sqrt_t;
    // ∂V/∂T = S e^{(b−r)T} φ(d1) σ/(2√T) + φ(b−r) S e^{(b−r)T} N(φd1) + φ r K e^{−rT} N(φd2)
    let dv_dt = s * cf * pd1 * sigma / (2.0 * sqrt_t)
        + phi * (b - r) * s * cf * nd1
        + phi * r * k * df * nd2;
    let carry_rho = phi * t * s * cf * nd1; // ∂V/∂b
    let (rho, rho_q) = rates(carry, t, price, carry_rho);
    let g = Greeks {
        price,
        delta,
        gamma,
        vega,
        theta: -dv_dt,
        rho,
        rho_q,
        ..Greeks::default()
    };
    let deg = degenerate(phi, s, k, t, r, b, df, cf, carry);
    if vst <= 0.0 { deg } else { g }
}

/// All Greeks to third order.
#[inline(always)]
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
    let st = setup(right, s, k, t, r, b, sigma);
    let (a1, a2) = st.args();
    let (nd1, pd1) = cdf_pdf(a1);
    finish_greeks(&st, carry, nd1, pd1, cdf_pdf(a2).0)
}

/// Every Greek from `nd1 = Φ(φd₁)`, `pd1 = φ(d₁)`, `nd2 = Φ(φd₂)`.
#[inline(always)]
pub(crate) fn finish_greeks(st: &Setup, carry: Carry, nd1: f64, pd1: f64, nd2: f64) -> Greeks {
    let Setup {
        s,
        t,
        b,
        r,
        sigma,
        vst,
        d1,
        d2,
        cf,
        ..
    } = *st;
    let first = finish_first_order(st, carry, nd1, pd1, nd2);
    let Greeks {
        delta, gamma, vega, ..
    } = first;

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

    let g = Greeks {
        vanna,
        volga,
        charm,
        veta,
        speed,
        color,
        zomma,
        ultima,
        ..first
    };
    // σ√T = 0: `first` is already the degenerate value; the higher Greeks are 0.
    if vst <= 0.0 { first } else { g }
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
#[inline(always)]
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
    let (price, delta) = degenerate_price_delta(phi, s, k, df, cf);
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
