//! Bachelier (normal) model on a forward.
//!
//! `V = e^{−rT}[φ(F − K) N(φd) + σ√T φ(d)]`, `d = (F − K)/(σ√T)`, with `σ` the absolute
//! normal vol in price units per √year (Bachelier 1900; Jäckel, "Implied Normal
//! Volatility", 2017, eq. 2). In [`OptionInputs`], `s` is the forward (any finite
//! value, negative included), `sigma` the normal vol, `q` ignored; Greeks hold `F` fixed
//! in time and rho is `−T·V`. Formulas differentiated by hand and checked against finite
//! differences in the tests.
//!
//! ```
//! use thetalab_core::OptionRight;
//! use thetalab_pricing::{bachelier, OptionInputs};
//! // At the money the normal model gives σ√T/√(2π) undiscounted.
//! let o = OptionInputs::new(OptionRight::Call, 100.0, 100.0, 1.0, 0.0, 0.0, 20.0);
//! assert!((bachelier::price(&o) - 20.0 / (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-12);
//! ```

use crate::normal::{cdf, pdf};
use crate::{Greeks, OptionInputs, Result};

/// Price and delta.
#[inline]
#[must_use]
pub fn price_delta(o: &OptionInputs) -> (f64, f64) {
    let phi = o.right.sign();
    let df = (-o.r * o.t).exp();
    let vst = o.sigma * o.t.sqrt();
    let m = o.s - o.k;
    if vst <= 0.0 {
        let itm = phi * m;
        let step = if itm > 0.0 {
            1.0
        } else if itm == 0.0 {
            0.5
        } else {
            0.0
        };
        return (df * itm.max(0.0), phi * df * step);
    }
    let d = m / vst;
    let n = cdf(phi * d);
    (df * (phi * m * n + vst * pdf(d)), phi * df * n)
}

/// Price.
#[inline]
#[must_use]
pub fn price(o: &OptionInputs) -> f64 {
    price_delta(o).0
}

/// Price and every Greek to third order (`rho_q` = 0).
#[must_use]
pub fn greeks(o: &OptionInputs) -> Greeks {
    let (price, delta) = price_delta(o);
    let (t, r, sigma) = (o.t, o.r, o.sigma);
    let sqrt_t = t.sqrt();
    let vst = sigma * sqrt_t;
    let df = (-r * t).exp();
    if vst <= 0.0 {
        return Greeks {
            price,
            delta,
            theta: if t > 0.0 { r * price } else { 0.0 },
            rho: -t * price,
            ..Greeks::default()
        };
    }
    let d = (o.s - o.k) / vst;
    let p = pdf(d);
    let gamma = df * p / vst;
    let vega = df * sqrt_t * p;
    let volga = vega * d * d / sigma;
    Greeks {
        price,
        delta,
        gamma,
        vega,
        // ∂V/∂T = −rV + e^{−rT} σ φ(d)/(2√T)
        theta: r * price - df * sigma * p / (2.0 * sqrt_t),
        rho: -t * price,
        rho_q: 0.0,
        vanna: -df * p * d / sigma,
        volga,
        // ∂Δ/∂T = −rΔ − e^{−rT} φ(d) d/(2T)
        charm: r * delta + df * p * d / (2.0 * t),
        veta: -vega * (-r + (1.0 + d * d) / (2.0 * t)),
        speed: -gamma * d / vst,
        color: -gamma * (-r + (d * d - 1.0) / (2.0 * t)),
        zomma: gamma * (d * d - 1.0) / sigma,
        ultima: volga * (d * d - 3.0) / sigma,
    }
}

/// [`price`] after [`OptionInputs::validate_normal`].
pub fn try_price(o: &OptionInputs) -> Result<f64> {
    o.validate_normal()?;
    Ok(price(o))
}

/// [`greeks`] after [`OptionInputs::validate_normal`].
pub fn try_greeks(o: &OptionInputs) -> Result<Greeks> {
    o.validate_normal()?;
    Ok(greeks(o))
}
