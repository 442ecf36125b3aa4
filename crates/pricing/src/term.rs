//! At-the-money volatility term structure: a few `(tenor, vol)` points in, a vol at any
//! tenor out, interpolated linearly in total variance `w(t) = σ²(t)·t`.
//!
//! Between two points the forward variance `(w₂ − w₁)/(t₂ − t₁)` is constant, which is
//! the standard no-arbitrage-preserving interpolation (the one Cboe itself uses to turn
//! two expiries into the constant 30-day VIX: Cboe, "VIX White Paper", step 3, which
//! interpolates `σ²T` linearly in time). Outside the points:
//!
//! - before the first tenor the vol is flat at the first point's vol (`w = σ₁²t`);
//! - after the last tenor the forward variance of the last interval is held
//!   (`w = w_n + f_n (t − t_n)`); with a single point, the vol is flat everywhere. If that
//!   last forward variance is negative (a calendar arbitrage in the input, see
//!   [`AtmTermStructure::is_calendar_arbitrage_free`]), total variance is held constant
//!   instead so that it never turns negative.
//!
//! ```
//! use thetalab_pricing::term::AtmTermStructure;
//! // VIX9D = 14, VIX = 16, VIX3M = 18 (vol points).
//! let ts = AtmTermStructure::from_vix_indices(14.0, 16.0, 18.0).unwrap();
//! assert!((ts.vol(30.0 / 365.0).unwrap() - 0.16).abs() < 1e-15);
//! // 60 days: between VIX (30 d) and VIX3M (93 d), linear in σ²t.
//! let (w1, w2) = (0.16_f64.powi(2) * 30.0, 0.18_f64.powi(2) * 93.0);
//! let w = w1 + (w2 - w1) * (60.0 - 30.0) / (93.0 - 30.0);
//! assert!((ts.vol(60.0 / 365.0).unwrap() - (w / 60.0).sqrt()).abs() < 1e-15);
//! ```

use crate::inputs::finite;
use crate::{PricingError, Result, VolSurface};

/// Days to expiry that Cboe's VIX9D, VIX and VIX3M indices measure: 9, 30 and 93
/// calendar days (Cboe, "Cboe Volatility Index Mathematics Methodology"; VIX3M was
/// launched as VXV, "a constant 93-day measure").
pub const VIX_TENOR_DAYS: [f64; 3] = [9.0, 30.0, 93.0];

/// An ATM implied-vol term structure, linear in total variance between its points.
#[derive(Debug, Clone, PartialEq)]
pub struct AtmTermStructure {
    tenors: Vec<f64>,
    vols: Vec<f64>,
    total_variance: Vec<f64>,
}

impl AtmTermStructure {
    /// From `(tenor in years, ATM vol)` points, in any order.
    ///
    /// Errors ([`PricingError::InvalidInput`]): a tenor or vol that is not finite and
    /// positive, or two equal tenors; [`PricingError::Fit`] if `points` is empty. Points
    /// whose total variance decreases are accepted: check
    /// [`AtmTermStructure::is_calendar_arbitrage_free`].
    pub fn new(points: &[(f64, f64)]) -> Result<Self> {
        if points.is_empty() {
            return Err(PricingError::Fit(
                "a term structure needs at least one (tenor, vol) point".to_owned(),
            ));
        }
        for &(t, v) in points {
            if !(t.is_finite() && t > 0.0) {
                return Err(PricingError::InvalidInput {
                    field: "tenor",
                    value: t,
                    reason: "must be finite and > 0",
                });
            }
            if !(v.is_finite() && v > 0.0) {
                return Err(PricingError::InvalidInput {
                    field: "vol",
                    value: v,
                    reason: "must be finite and > 0",
                });
            }
        }
        let mut sorted = points.to_vec();
        sorted.sort_by(|p, q| p.0.total_cmp(&q.0));
        if let Some(dup) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(PricingError::InvalidInput {
                field: "tenor",
                value: dup[0].0,
                reason: "appears twice",
            });
        }
        Ok(Self {
            tenors: sorted.iter().map(|p| p.0).collect(),
            vols: sorted.iter().map(|p| p.1).collect(),
            total_variance: sorted.iter().map(|p| p.1 * p.1 * p.0).collect(),
        })
    }

    /// From Cboe's VIX9D, VIX and VIX3M index levels, quoted in vol points (`16.5` means
    /// 16.5%): they measure 9-, 30- and 93-calendar-day expected volatility
    /// ([`VIX_TENOR_DAYS`]), so the points are `(9/365, VIX9D/100)`, `(30/365, VIX/100)`,
    /// `(93/365, VIX3M/100)`. (These are variance-swap vols from the whole strip, not
    /// strictly ATM vols; the difference is the skew's contribution.)
    pub fn from_vix_indices(vix9d: f64, vix: f64, vix3m: f64) -> Result<Self> {
        let [d9, d30, d93] = VIX_TENOR_DAYS;
        Self::new(&[
            (d9 / 365.0, vix9d / 100.0),
            (d30 / 365.0, vix / 100.0),
            (d93 / 365.0, vix3m / 100.0),
        ])
    }

    /// The tenors, increasing (years).
    #[must_use]
    pub fn tenors(&self) -> &[f64] {
        &self.tenors
    }

    /// The vols at [`AtmTermStructure::tenors`].
    #[must_use]
    pub fn vols(&self) -> &[f64] {
        &self.vols
    }

    /// Total variance is non-decreasing in tenor across the points (Gatheral & Jacquier
    /// 2014, Lemma 2.1 at the money): otherwise a calendar spread is an arbitrage.
    #[must_use]
    pub fn is_calendar_arbitrage_free(&self) -> bool {
        self.total_variance.windows(2).all(|w| w[1] >= w[0])
    }

    /// The pairs of consecutive tenors `(t₁, t₂)` over which total variance decreases.
    #[must_use]
    pub fn calendar_violations(&self) -> Vec<(f64, f64)> {
        (1..self.tenors.len())
            .filter(|&i| self.total_variance[i] < self.total_variance[i - 1])
            .map(|i| (self.tenors[i - 1], self.tenors[i]))
            .collect()
    }

    /// Total variance `σ²(t)·t` at tenor `t ≥ 0` (years); see the module documentation
    /// for the interpolation and extrapolation.
    pub fn total_variance(&self, t: f64) -> Result<f64> {
        finite("t", t)?;
        if t < 0.0 {
            return Err(PricingError::InvalidInput {
                field: "t",
                value: t,
                reason: "must be ≥ 0",
            });
        }
        let n = self.tenors.len();
        let (t1, v1, w1) = (self.tenors[0], self.vols[0], self.total_variance[0]);
        if t <= t1 {
            // Flat vol before the first point.
            return Ok(v1 * v1 * t);
        }
        if n == 1 {
            return Ok(w1 * t / t1);
        }
        let (tn, wn) = (self.tenors[n - 1], self.total_variance[n - 1]);
        if t >= tn {
            // Hold the last interval's forward variance (never below zero).
            let fwd = ((wn - self.total_variance[n - 2]) / (tn - self.tenors[n - 2])).max(0.0);
            return Ok(wn + fwd * (t - tn));
        }
        // First index with tenor ≥ t; 1 ≤ i ≤ n − 1 here since t1 < t < tn.
        let i = self.tenors.partition_point(|&x| x < t);
        let (ta, tb) = (self.tenors[i - 1], self.tenors[i]);
        let (wa, wb) = (self.total_variance[i - 1], self.total_variance[i]);
        Ok(wa + (wb - wa) * (t - ta) / (tb - ta))
    }

    /// ATM vol at tenor `t` (years): `√(w(t)/t)`, and the first point's vol at `t = 0`.
    pub fn vol(&self, t: f64) -> Result<f64> {
        let w = self.total_variance(t)?;
        if t == 0.0 {
            return Ok(self.vols[0]);
        }
        Ok((w / t).max(0.0).sqrt())
    }

    /// Forward vol between `t1` and `t2` (`0 ≤ t1 < t2`):
    /// `√((w(t2) − w(t1))/(t2 − t1))`, i.e. `σ²(t2)t2 − σ²(t1)t1 = σ_fwd²(t2 − t1)`.
    ///
    /// Errors: bad tenors, or a negative forward variance (a calendar arbitrage in the
    /// points) as [`PricingError::InvalidInput`] on `t2`.
    pub fn forward_vol(&self, t1: f64, t2: f64) -> Result<f64> {
        let w1 = self.total_variance(t1)?;
        let w2 = self.total_variance(t2)?;
        if t2 <= t1 {
            return Err(PricingError::InvalidInput {
                field: "t2",
                value: t2,
                reason: "must be > t1",
            });
        }
        let fwd = (w2 - w1) / (t2 - t1);
        if fwd < 0.0 {
            return Err(PricingError::InvalidInput {
                field: "t2",
                value: t2,
                reason: "total variance decreases from t1 to t2 (calendar arbitrage): no forward vol",
            });
        }
        Ok(fwd.sqrt())
    }
}

/// Flat across strikes: `vol(forward, strike, t)` is the ATM vol at tenor `t`; an invalid
/// `t` (negative or not finite) gives NaN since the trait cannot carry an error (use
/// [`AtmTermStructure::vol`] for a typed one).
impl VolSurface for AtmTermStructure {
    fn vol(&self, _forward: f64, _strike: f64, t: f64) -> f64 {
        AtmTermStructure::vol(self, t).unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reprices_points_and_interpolates_by_hand() {
        let ts = AtmTermStructure::new(&[(1.0, 0.25), (0.25, 0.20)]).unwrap();
        assert_eq!(ts.tenors(), &[0.25, 1.0]);
        assert!((ts.vol(0.25).unwrap() - 0.20).abs() < 1e-15);
        assert!((ts.vol(1.0).unwrap() - 0.25).abs() < 1e-15);
        // Midpoint t = 0.625: w = (0.01 + 0.0625)/2 = 0.03625, σ = √(0.03625/0.625) = √0.058.
        assert!((ts.total_variance(0.625).unwrap() - 0.03625).abs() < 1e-16);
        assert!((ts.vol(0.625).unwrap() - 0.058_f64.sqrt()).abs() < 1e-15);
        // Before: flat vol. After: forward variance (0.0625 − 0.01)/0.75 = 0.07 held.
        assert!((ts.vol(0.1).unwrap() - 0.20).abs() < 1e-15);
        assert!((ts.vol(0.0).unwrap() - 0.20).abs() < 1e-15);
        assert!((ts.total_variance(2.0).unwrap() - (0.0625 + 0.07)).abs() < 1e-15);
    }

    #[test]
    fn bad_points_are_rejected() {
        assert!(matches!(
            AtmTermStructure::new(&[]),
            Err(PricingError::Fit(_))
        ));
        assert!(matches!(
            AtmTermStructure::new(&[(0.0, 0.2)]),
            Err(PricingError::InvalidInput { field: "tenor", .. })
        ));
        assert!(matches!(
            AtmTermStructure::new(&[(0.5, -0.2)]),
            Err(PricingError::InvalidInput { field: "vol", .. })
        ));
        assert!(matches!(
            AtmTermStructure::new(&[(0.5, f64::NAN)]),
            Err(PricingError::InvalidInput { field: "vol", .. })
        ));
        assert!(matches!(
            AtmTermStructure::new(&[(0.5, 0.2), (0.5, 0.3)]),
            Err(PricingError::InvalidInput { field: "tenor", .. })
        ));
        let ts = AtmTermStructure::new(&[(0.5, 0.2)]).unwrap();
        assert!(ts.vol(-1.0).is_err() && ts.vol(f64::INFINITY).is_err());
        assert!(VolSurface::vol(&ts, 100.0, 100.0, -1.0).is_nan());
        assert!((VolSurface::vol(&ts, 100.0, 120.0, 3.0) - 0.2).abs() < 1e-15);
    }

    #[test]
    fn calendar_arbitrage_is_flagged() {
        // 9-day vol 40, 30-day vol 15: w = 0.16·9/365 > 0.0225·30/365, decreasing.
        let ts = AtmTermStructure::from_vix_indices(40.0, 15.0, 18.0).unwrap();
        assert!(!ts.is_calendar_arbitrage_free());
        assert_eq!(ts.calendar_violations(), vec![(9.0 / 365.0, 30.0 / 365.0)]);
        assert!(ts.forward_vol(9.0 / 365.0, 30.0 / 365.0).is_err());
        assert!(
            AtmTermStructure::from_vix_indices(14.0, 16.0, 18.0)
                .unwrap()
                .is_calendar_arbitrage_free()
        );
    }
}
