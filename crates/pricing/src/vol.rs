//! Where a volatility comes from: a flat number or a smile/surface.

/// A source of Black (lognormal) implied volatilities by strike and expiry.
///
/// Implemented by `f64` (a flat vol) and by the smile and term-structure types, so that
/// position valuation and risk take either.
pub trait VolSurface: Sync {
    /// The implied vol for `strike` at `t` years to expiry when the forward is `forward`.
    fn vol(&self, forward: f64, strike: f64, t: f64) -> f64;
}

impl VolSurface for f64 {
    #[inline]
    fn vol(&self, _forward: f64, _strike: f64, _t: f64) -> f64 {
        *self
    }
}
