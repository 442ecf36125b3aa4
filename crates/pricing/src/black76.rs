//! Black-76: options on futures and forwards.
//!
//! `V = e^{−rT} φ(F N(φd₁) − K N(φd₂))`, `d₁ = (ln(F/K) + σ²T/2)/(σ√T)` (Black 1976;
//! Haug 2007 §1.1.3). In [`OptionInputs`], `s` is the forward `F` and `q` is ignored.
//! Delta and gamma are with respect to `F`; time Greeks hold `F` fixed; rho is
//! `∂V/∂r = −T·V` (the forward does not move with the rate); `rho_q` is 0.
//!
//! ```
//! use thetalab_core::OptionRight;
//! use thetalab_pricing::{black76, OptionInputs};
//! // Haug (2007) §1.1.3 example: F=19, K=19, T=0.75, r=10%, σ=28% → call = put = 1.7011.
//! let c = OptionInputs::new(OptionRight::Call, 19.0, 19.0, 0.75, 0.10, 0.0, 0.28);
//! assert!((black76::price(&c) - 1.7011).abs() < 1e-4);
//! ```

use crate::black_scholes::{self as kernel, Carry};
use crate::{Greeks, OptionInputs, Result};

/// Price.
#[inline]
#[must_use]
pub fn price(o: &OptionInputs) -> f64 {
    kernel::price(o.right, o.s, o.k, o.t, o.r, 0.0, o.sigma)
}

/// Price and delta (∂V/∂F).
#[inline]
#[must_use]
pub fn price_delta(o: &OptionInputs) -> (f64, f64) {
    kernel::price_delta(o.right, o.s, o.k, o.t, o.r, 0.0, o.sigma)
}

/// Price and the first-order Greeks.
#[inline]
#[must_use]
pub fn first_order(o: &OptionInputs) -> Greeks {
    kernel::first_order(o.right, o.s, o.k, o.t, o.r, 0.0, o.sigma, Carry::Black76)
}

/// Price and every Greek to third order.
#[inline]
#[must_use]
pub fn greeks(o: &OptionInputs) -> Greeks {
    kernel::greeks(o.right, o.s, o.k, o.t, o.r, 0.0, o.sigma, Carry::Black76)
}

/// [`price`] after validation.
pub fn try_price(o: &OptionInputs) -> Result<f64> {
    o.validate()?;
    Ok(price(o))
}

/// [`greeks`] after validation.
pub fn try_greeks(o: &OptionInputs) -> Result<Greeks> {
    o.validate()?;
    Ok(greeks(o))
}
