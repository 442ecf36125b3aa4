//! Black-Scholes-Merton with a continuous dividend yield.
//!
//! `V = φ(S e^{−qT} N(φd₁) − K e^{−rT} N(φd₂))`, `d₁ = (ln(S/K) + (r − q + σ²/2)T)/(σ√T)`,
//! `d₂ = d₁ − σ√T` (Merton 1973; Hull, "Options, Futures, and Other Derivatives",
//! 10th ed., §17.4). Greeks in the units of [`crate::greeks`].
//!
//! The plain functions assume valid inputs (see [`OptionInputs::validate`]); the `try_`
//! forms validate first. At `σ√T = 0` the option is priced against its known forward.
//!
//! ```
//! use thetalab_core::OptionRight;
//! use thetalab_pricing::{bsm, OptionInputs};
//! // Hull, Example 15.6 (8th ed.): S=42, K=40, r=10%, σ=20%, T=0.5 → call 4.76, put 0.81.
//! let call = OptionInputs::new(OptionRight::Call, 42.0, 40.0, 0.5, 0.10, 0.0, 0.20);
//! assert!((bsm::price(&call) - 4.7594).abs() < 1e-4);
//! let put = OptionInputs { right: OptionRight::Put, ..call };
//! assert!((bsm::price(&put) - 0.8086).abs() < 1e-4);
//! ```

use crate::black_scholes::{self as kernel, Carry};
use crate::{Greeks, OptionInputs, Result};

/// Price.
#[inline]
#[must_use]
pub fn price(o: &OptionInputs) -> f64 {
    kernel::price(o.right, o.s, o.k, o.t, o.r, o.r - o.q, o.sigma)
}

/// Price and delta, the cheapest pair (one `ln`, two `exp`, two `Φ`).
#[inline]
#[must_use]
pub fn price_delta(o: &OptionInputs) -> (f64, f64) {
    kernel::price_delta(o.right, o.s, o.k, o.t, o.r, o.r - o.q, o.sigma)
}

/// Price and the first-order Greeks (delta, gamma, vega, theta, rho, rho_q); the
/// higher-order fields are zero.
#[inline]
#[must_use]
pub fn first_order(o: &OptionInputs) -> Greeks {
    kernel::first_order(o.right, o.s, o.k, o.t, o.r, o.r - o.q, o.sigma, Carry::Bsm)
}

/// Price and every Greek to third order.
#[inline]
#[must_use]
pub fn greeks(o: &OptionInputs) -> Greeks {
    kernel::greeks(o.right, o.s, o.k, o.t, o.r, o.r - o.q, o.sigma, Carry::Bsm)
}

/// [`price`] after [`OptionInputs::validate`].
pub fn try_price(o: &OptionInputs) -> Result<f64> {
    o.validate()?;
    Ok(price(o))
}

/// [`greeks`] after [`OptionInputs::validate`].
pub fn try_greeks(o: &OptionInputs) -> Result<Greeks> {
    o.validate()?;
    Ok(greeks(o))
}
