//! The inputs of a single vanilla option valuation.

use thetalab_core::OptionRight;

use crate::{PricingError, Result};

/// One vanilla option and its market, as the models read them.
///
/// | field | BSM / American | Black-76 | Bachelier |
/// |---|---|---|---|
/// | `s` | spot | forward (or futures) price | forward |
/// | `k` | strike | strike | strike |
/// | `t` | years to expiry (calendar, as given: no day count applied) | same | same |
/// | `r` | continuously compounded risk-free rate | discount rate | discount rate |
/// | `q` | continuous dividend yield | ignored | ignored |
/// | `sigma` | lognormal vol (1.00 = 100%) | lognormal vol | absolute normal vol (price units per √year) |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptionInputs {
    /// Call or put.
    pub right: OptionRight,
    /// Spot (BSM, American) or forward (Black-76, Bachelier).
    pub s: f64,
    /// Strike.
    pub k: f64,
    /// Time to expiry in years.
    pub t: f64,
    /// Risk-free rate, continuously compounded, per year.
    pub r: f64,
    /// Continuous dividend yield per year (BSM and American only).
    pub q: f64,
    /// Volatility per √year.
    pub sigma: f64,
}

impl OptionInputs {
    /// All fields in the textbook order `(right, S, K, T, r, q, σ)`.
    #[must_use]
    pub const fn new(
        right: OptionRight,
        s: f64,
        k: f64,
        t: f64,
        r: f64,
        q: f64,
        sigma: f64,
    ) -> Self {
        Self {
            right,
            s,
            k,
            t,
            r,
            q,
            sigma,
        }
    }

    /// The same option with another volatility.
    #[must_use]
    pub const fn with_sigma(mut self, sigma: f64) -> Self {
        self.sigma = sigma;
        self
    }

    /// The same option with another underlying price.
    #[must_use]
    pub const fn with_s(mut self, s: f64) -> Self {
        self.s = s;
        self
    }

    /// The same option with another time to expiry.
    #[must_use]
    pub const fn with_t(mut self, t: f64) -> Self {
        self.t = t;
        self
    }

    /// Checks the domain: `S > 0`, `K > 0`, `T ≥ 0`, `σ ≥ 0`, all finite. (`r` and `q`
    /// may be negative.) Bachelier accepts any finite forward: use
    /// [`OptionInputs::validate_normal`].
    pub fn validate(&self) -> Result<()> {
        positive("S", self.s)?;
        self.validate_common()
    }

    /// The Bachelier domain: the forward may be zero or negative (rates, spreads).
    pub fn validate_normal(&self) -> Result<()> {
        finite("S", self.s)?;
        self.validate_common()
    }

    fn validate_common(&self) -> Result<()> {
        positive("K", self.k)?;
        finite("T", self.t)?;
        if self.t < 0.0 {
            return Err(PricingError::InvalidInput {
                field: "T",
                value: self.t,
                reason: "must be ≥ 0",
            });
        }
        finite("r", self.r)?;
        finite("q", self.q)?;
        finite("sigma", self.sigma)?;
        if self.sigma < 0.0 {
            return Err(PricingError::InvalidInput {
                field: "sigma",
                value: self.sigma,
                reason: "must be ≥ 0",
            });
        }
        Ok(())
    }
}

pub(crate) fn finite(field: &'static str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(PricingError::InvalidInput {
            field,
            value,
            reason: "must be finite",
        })
    }
}

pub(crate) fn positive(field: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(PricingError::InvalidInput {
            field,
            value,
            reason: "must be finite and > 0",
        })
    }
}
