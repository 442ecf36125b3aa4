//! Gatheral's raw SVI parameterisation of one expiry's total implied variance.
//!
//! `w(k) = a + b(ρ(k − m) + √((k − m)² + σ²))`, with `k = ln(K/F)` the log-forward
//! moneyness and `w = σ_BS²(k)·t` the total implied variance (J. Gatheral, "A parsimonious
//! arbitrage-free implied volatility parameterization with application to the valuation of
//! volatility derivatives", Global Derivatives & Risk Management, Madrid 2004; Gatheral &
//! Jacquier, "Arbitrage-free SVI volatility surfaces", Quantitative Finance 14(1), 2014,
//! eq. (3.1)).
//!
//! ```
//! use thetalab_pricing::smile::{SviParams, SviSlice};
//! // Gatheral & Jacquier (2014), Example 3.1 (Axel Vogt's parameters), T = 1.
//! let p = SviParams::new(-0.0410, 0.1331, 0.3060, 0.3586, 0.4153).unwrap();
//! let slice = SviSlice::new(p, 1.0, 100.0).unwrap();
//! // At k = m the square root is σ: w = a + bσ.
//! let k = 0.3586;
//! assert!((slice.total_variance(k) - (-0.0410 + 0.1331 * 0.4153)).abs() < 1e-15);
//! let vol = slice.implied_vol(100.0 * k.exp()).unwrap();
//! assert!((vol * vol - slice.total_variance(k)).abs() < 1e-15);
//! ```

use crate::inputs::{finite, positive};
use crate::{PricingError, Result, VolSurface};

/// The five raw-SVI parameters of one slice (Gatheral 2004), in total-variance units.
///
/// | parameter | meaning | domain |
/// |---|---|---|
/// | `a` | vertical level of the total variance | `a + bσ√(1−ρ²) ≥ 0` (so `w ≥ 0` everywhere) |
/// | `b` | angle between the wings | `b ≥ 0` |
/// | `rho` | rotation (skew) | `|ρ| < 1` |
/// | `m` | horizontal translation (log-moneyness of the vertex) | any finite |
/// | `sigma` | smoothness of the vertex (ATM curvature) | `σ > 0` |
///
/// The domain is that of Gatheral & Jacquier (2014), §3.1. It guarantees a non-negative
/// total variance, not the absence of arbitrage: see [`crate::smile::check_butterfly`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SviParams {
    /// Level `a`.
    pub a: f64,
    /// Wing angle `b`.
    pub b: f64,
    /// Skew `ρ`.
    pub rho: f64,
    /// Shift `m`.
    pub m: f64,
    /// Vertex smoothness `σ`.
    pub sigma: f64,
}

impl SviParams {
    /// Validated parameters (see the table on [`SviParams`]).
    pub fn new(a: f64, b: f64, rho: f64, m: f64, sigma: f64) -> Result<Self> {
        let p = Self {
            a,
            b,
            rho,
            m,
            sigma,
        };
        p.validate()?;
        Ok(p)
    }

    /// Checks the parameter domain of Gatheral & Jacquier (2014), §3.1: all finite,
    /// `b ≥ 0`, `|ρ| < 1`, `σ > 0`, `a + bσ√(1−ρ²) ≥ 0`.
    pub fn validate(&self) -> Result<()> {
        finite("a", self.a)?;
        finite("b", self.b)?;
        finite("rho", self.rho)?;
        finite("m", self.m)?;
        positive("sigma", self.sigma)?;
        if self.b < 0.0 {
            return Err(PricingError::InvalidInput {
                field: "b",
                value: self.b,
                reason: "must be ≥ 0",
            });
        }
        if self.rho.abs() >= 1.0 {
            return Err(PricingError::InvalidInput {
                field: "rho",
                value: self.rho,
                reason: "must satisfy |rho| < 1",
            });
        }
        if self.min_total_variance() < 0.0 {
            return Err(PricingError::InvalidInput {
                field: "a",
                value: self.a,
                reason: "a + b·sigma·√(1−rho²) must be ≥ 0 (the total variance would go negative)",
            });
        }
        Ok(())
    }

    /// Total implied variance `w(k) = a + b(ρ(k − m) + √((k − m)² + σ²))` (Gatheral 2004).
    #[inline]
    #[must_use]
    pub fn total_variance(&self, k: f64) -> f64 {
        let x = k - self.m;
        self.a + self.b * (self.rho * x + x.hypot(self.sigma))
    }

    /// First derivative `w'(k) = b(ρ + (k − m)/√((k − m)² + σ²))` (differentiating
    /// Gatheral 2004's formula).
    #[inline]
    #[must_use]
    pub fn dw_dk(&self, k: f64) -> f64 {
        let x = k - self.m;
        self.b * (self.rho + x / x.hypot(self.sigma))
    }

    /// Second derivative `w''(k) = bσ²/((k − m)² + σ²)^{3/2}` (differentiating again).
    #[inline]
    #[must_use]
    pub fn d2w_dk2(&self, k: f64) -> f64 {
        let r = (k - self.m).hypot(self.sigma);
        self.b * self.sigma * self.sigma / (r * r * r)
    }

    /// The minimum of `w` over `k`: `a + bσ√(1−ρ²)`, reached at
    /// `k* = m − ρσ/√(1−ρ²)` (Gatheral & Jacquier 2014, §3.1).
    #[inline]
    #[must_use]
    pub fn min_total_variance(&self) -> f64 {
        self.a + self.b * self.sigma * (1.0 - self.rho * self.rho).max(0.0).sqrt()
    }

    /// The asymptotic slopes of `w` as `k → −∞` and `k → +∞`: `(b(1 − ρ), b(1 + ρ))`.
    /// Roger Lee's moment formula (Lee, "The moment formula for implied volatility at
    /// extreme strikes", Math. Finance 14(3), 2004) bounds both by 2.
    #[inline]
    #[must_use]
    pub fn wing_slopes(&self) -> (f64, f64) {
        (self.b * (1.0 - self.rho), self.b * (1.0 + self.rho))
    }
}

/// One expiry's smile: raw-SVI parameters, the time to expiry and the forward they were
/// fitted against.
///
/// Strikes are turned into log-forward moneyness `k = ln(K/F)` with the slice's own
/// `forward`; `implied_vol(K) = √(w(k)/t)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SviSlice {
    /// The SVI parameters (total variance in `k`).
    pub params: SviParams,
    /// Time to expiry in years.
    pub t: f64,
    /// The forward the moneyness is measured against.
    pub forward: f64,
}

impl SviSlice {
    /// A validated slice: parameters in their domain, `t > 0`, `forward > 0`.
    pub fn new(params: SviParams, t: f64, forward: f64) -> Result<Self> {
        params.validate()?;
        positive("t", t)?;
        positive("forward", forward)?;
        Ok(Self { params, t, forward })
    }

    /// Log-forward moneyness `k = ln(K/F)` of `strike` against the slice's forward.
    #[inline]
    #[must_use]
    pub fn log_moneyness(&self, strike: f64) -> f64 {
        (strike / self.forward).ln()
    }

    /// Total implied variance `w(k)` at log-moneyness `k`.
    #[inline]
    #[must_use]
    pub fn total_variance(&self, k: f64) -> f64 {
        self.params.total_variance(k)
    }

    /// `∂w/∂k` (analytic).
    #[inline]
    #[must_use]
    pub fn dw_dk(&self, k: f64) -> f64 {
        self.params.dw_dk(k)
    }

    /// `∂²w/∂k²` (analytic).
    #[inline]
    #[must_use]
    pub fn d2w_dk2(&self, k: f64) -> f64 {
        self.params.d2w_dk2(k)
    }

    /// Black implied vol at log-moneyness `k`: `√(w(k)/t)`.
    #[inline]
    #[must_use]
    pub fn implied_vol_at_k(&self, k: f64) -> f64 {
        (self.params.total_variance(k).max(0.0) / self.t).sqrt()
    }

    /// Black (lognormal) implied vol at `strike` (> 0, finite).
    pub fn implied_vol(&self, strike: f64) -> Result<f64> {
        positive("K", strike)?;
        Ok(self.implied_vol_at_k(self.log_moneyness(strike)))
    }
}

/// Sticky moneyness: the smile is read at `k = ln(strike/forward)` with the `forward`
/// *given to this call* (so when the forward moves, the smile moves with it), and the
/// slice's own `t` is used whatever `t` is passed (one slice is one expiry; use a term
/// structure for other tenors). A non-positive or non-finite strike or forward gives NaN
/// (the trait cannot carry an error; use [`SviSlice::implied_vol`] for a typed one).
impl VolSurface for SviSlice {
    fn vol(&self, forward: f64, strike: f64, _t: f64) -> f64 {
        if !(forward > 0.0 && strike > 0.0 && forward.is_finite() && strike.is_finite()) {
            return f64::NAN;
        }
        self.implied_vol_at_k((strike / forward).ln())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vogt() -> SviParams {
        // Gatheral & Jacquier (2014), Example 3.1.
        SviParams {
            a: -0.0410,
            b: 0.1331,
            rho: 0.3060,
            m: 0.3586,
            sigma: 0.4153,
        }
    }

    #[test]
    fn hand_computed_total_variance() {
        // a=0.04, b=0.1, ρ=−0.5, m=0.1, σ=0.2. At k = m: w = a + bσ = 0.06.
        // At k = 0.25: x = 0.15, √(x²+σ²) = 0.25, w = 0.04 + 0.1(−0.075 + 0.25) = 0.0575.
        // At k = −0.05: x = −0.15, w = 0.04 + 0.1(0.075 + 0.25) = 0.0725.
        let p = SviParams::new(0.04, 0.1, -0.5, 0.1, 0.2).unwrap();
        assert!((p.total_variance(0.1) - 0.06).abs() < 1e-15);
        assert!((p.total_variance(0.25) - 0.0575).abs() < 1e-15);
        assert!((p.total_variance(-0.05) - 0.0725).abs() < 1e-15);
        // w' at k = 0.25: b(ρ + x/R) = 0.1(−0.5 + 0.6) = 0.01; w'' = bσ²/R³ = 0.1·0.04/0.015625 = 0.256.
        assert!((p.dw_dk(0.25) - 0.01).abs() < 1e-15);
        assert!((p.d2w_dk2(0.25) - 0.256).abs() < 1e-13);
        // Minimum a + bσ√(1−ρ²) = 0.04 + 0.02·√0.75.
        assert!((p.min_total_variance() - (0.04 + 0.02 * 0.75_f64.sqrt())).abs() < 1e-15);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        // Central differences, h = 1e-5: error O(h²) ≈ 1e-10 relative to the scale of w.
        let p = vogt();
        let h = 1e-5;
        for i in 0..=60 {
            let k = -1.5 + 0.05 * f64::from(i);
            let fd1 = (p.total_variance(k + h) - p.total_variance(k - h)) / (2.0 * h);
            let fd2 = (p.total_variance(k + h) - 2.0 * p.total_variance(k)
                + p.total_variance(k - h))
                / (h * h);
            assert!((p.dw_dk(k) - fd1).abs() < 1e-9, "w' at {k}");
            assert!((p.d2w_dk2(k) - fd2).abs() < 1e-5, "w'' at {k}");
        }
    }

    #[test]
    fn minimum_is_the_vertex_formula() {
        // Brute-force minimum over a fine grid equals a + bσ√(1−ρ²).
        let p = vogt();
        let brute = (0..200_001)
            .map(|i| p.total_variance(-3.0 + 6.0 * f64::from(i) / 200_000.0))
            .fold(f64::INFINITY, f64::min);
        assert!((brute - p.min_total_variance()).abs() < 1e-9);
    }

    #[test]
    fn domain_is_enforced() {
        assert!(matches!(
            SviParams::new(0.04, -0.1, 0.0, 0.0, 0.1),
            Err(PricingError::InvalidInput { field: "b", .. })
        ));
        assert!(matches!(
            SviParams::new(0.04, 0.1, 1.0, 0.0, 0.1),
            Err(PricingError::InvalidInput { field: "rho", .. })
        ));
        assert!(matches!(
            SviParams::new(0.04, 0.1, 0.0, 0.0, 0.0),
            Err(PricingError::InvalidInput { field: "sigma", .. })
        ));
        assert!(matches!(
            SviParams::new(-0.1, 0.1, 0.0, 0.0, 0.1),
            Err(PricingError::InvalidInput { field: "a", .. })
        ));
        assert!(matches!(
            SviParams::new(f64::NAN, 0.1, 0.0, 0.0, 0.1),
            Err(PricingError::InvalidInput { field: "a", .. })
        ));
        assert!(SviParams::new(vogt().a, vogt().b, vogt().rho, vogt().m, vogt().sigma).is_ok());
        assert!(matches!(
            SviSlice::new(vogt(), 0.0, 100.0),
            Err(PricingError::InvalidInput { field: "t", .. })
        ));
        assert!(matches!(
            SviSlice::new(vogt(), 1.0, -1.0),
            Err(PricingError::InvalidInput {
                field: "forward",
                ..
            })
        ));
    }

    #[test]
    fn implied_vol_and_vol_surface() {
        let s = SviSlice::new(vogt(), 0.5, 4000.0).unwrap();
        let strike = 4400.0;
        let k = (strike / 4000.0_f64).ln();
        let expected = (s.total_variance(k) / 0.5).sqrt();
        assert!((s.implied_vol(strike).unwrap() - expected).abs() < 1e-15);
        // Sticky moneyness: the same moneyness against another forward gives the same vol.
        assert!((s.vol(5000.0, 5500.0, 123.0) - expected).abs() < 1e-15);
        assert!(s.implied_vol(0.0).is_err());
        assert!(s.vol(4000.0, -1.0, 0.5).is_nan());
    }
}
