//! Bollinger Bands (TA-Lib `BBANDS` with its default SMA middle band).
//!
//! Bollinger, *Bollinger on Bollinger Bands* (2001): middle = SMA(p), bands =
//! middle ± k·σ with σ the **population** standard deviation of the same window.
//! TA-Lib (ta_BBANDS.c, `TA_INT_stddev_using_precalc_ma`) computes
//! `σ² = mean(x²) − SMA²` from a running sum of squares and returns σ = 0 when that
//! is below its epsilon; both forms here do the same. Lookback `p − 1`; TA-Lib defaults
//! `p = 5, nbdev_up = nbdev_dn = 2` (the common chart setting is 20, 2, 2).

use crate::error::{Result, check_finite, check_out, check_period};
use crate::rsi::TA_EPSILON;
use crate::window::Window;

/// Three bands, each the length of the input, NaN during the warm-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Bands {
    /// Upper band.
    pub upper: Vec<f64>,
    /// Middle band.
    pub middle: Vec<f64>,
    /// Lower band.
    pub lower: Vec<f64>,
}

/// One bar's values of a three-band indicator (streaming output).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandsValue {
    /// Upper band.
    pub upper: f64,
    /// Middle band.
    pub middle: f64,
    /// Lower band.
    pub lower: f64,
}

impl Bands {
    pub(crate) fn nan(n: usize) -> Self {
        Bands {
            upper: vec![f64::NAN; n],
            middle: vec![f64::NAN; n],
            lower: vec![f64::NAN; n],
        }
    }

    pub(crate) fn set(&mut self, i: usize, v: BandsValue) {
        self.upper[i] = v.upper;
        self.middle[i] = v.middle;
        self.lower[i] = v.lower;
    }
}

fn check_params(period: usize, up: f64, dn: f64) -> Result<()> {
    check_period("BBANDS", "period", period, 1)?;
    check_finite("BBANDS", "nbdev_up", up)?;
    check_finite("BBANDS", "nbdev_dn", dn)
}

#[inline]
fn bands_value(mean: f64, mean_sq: f64, up: f64, dn: f64) -> BandsValue {
    let var = mean_sq - mean * mean;
    // TA_IS_ZERO_OR_NEG(var) -> 0 (ta_utility.h)
    let sd = if var < TA_EPSILON { 0.0 } else { var.sqrt() };
    BandsValue {
        upper: mean + up * sd,
        middle: mean,
        lower: mean - dn * sd,
    }
}

/// Bollinger Bands: SMA(`period`) ± `nbdev`·population σ (TA-Lib `BBANDS`, MA type SMA).
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `InvalidParameter` for a non-finite deviation.
pub fn bbands(x: &[f64], period: usize, nbdev_up: f64, nbdev_dn: f64) -> Result<Bands> {
    let mut b = Bands::nan(x.len());
    let Bands {
        upper,
        middle,
        lower,
    } = &mut b;
    bbands_into(x, period, nbdev_up, nbdev_dn, upper, middle, lower)?;
    Ok(b)
}

/// [`bbands`] written into three buffers the length of `x`, without allocating.
///
/// # Errors
/// As [`bbands`], plus `OutputLength` for a buffer of the wrong length.
pub fn bbands_into(
    x: &[f64],
    period: usize,
    nbdev_up: f64,
    nbdev_dn: f64,
    upper: &mut [f64],
    middle: &mut [f64],
    lower: &mut [f64],
) -> Result<()> {
    check_params(period, nbdev_up, nbdev_dn)?;
    let n = x.len();
    check_out("BBANDS", "upper", n, upper.len())?;
    check_out("BBANDS", "middle", n, middle.len())?;
    check_out("BBANDS", "lower", n, lower.len())?;
    upper.fill(f64::NAN);
    middle.fill(f64::NAN);
    lower.fill(f64::NAN);
    let p = period as f64;
    let (mut s1, mut s2) = (0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        s1 += v;
        s2 += v * v;
        if i + 1 < period {
            continue;
        }
        let old = x[i + 1 - period];
        let (t1, t2) = (s1, s2);
        s1 -= old;
        s2 -= old * old;
        let b = bands_value(t1 / p, t2 / p, nbdev_up, nbdev_dn);
        upper[i] = b.upper;
        middle[i] = b.middle;
        lower[i] = b.lower;
    }
    Ok(())
}

/// Streaming [`bbands`].
#[derive(Debug, Clone)]
pub struct BBands {
    period: usize,
    up: f64,
    dn: f64,
    win: Window,
    s1: f64,
    s2: f64,
}

impl BBands {
    /// Bollinger Bands over `period >= 1` values with the given deviations.
    ///
    /// # Errors
    /// As [`bbands`].
    pub fn new(period: usize, nbdev_up: f64, nbdev_dn: f64) -> Result<Self> {
        check_params(period, nbdev_up, nbdev_dn)?;
        Ok(BBands {
            period,
            up: nbdev_up,
            dn: nbdev_dn,
            win: Window::new(period),
            s1: 0.0,
            s2: 0.0,
        })
    }

    /// Number of leading `None`s (`period − 1`).
    pub fn lookback(&self) -> usize {
        self.period - 1
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<BandsValue> {
        self.win.push(x);
        self.s1 += x;
        self.s2 += x * x;
        if !self.win.is_full() {
            return None;
        }
        let old = self.win.oldest();
        let (t1, t2) = (self.s1, self.s2);
        self.s1 -= old;
        self.s2 -= old * old;
        let p = self.period as f64;
        Some(bands_value(t1 / p, t2 / p, self.up, self.dn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_sigma_and_flat_series() {
        // Window [1, 2, 3]: mean 2, population σ = sqrt(2/3).
        let b = bbands(&[1.0, 2.0, 3.0], 3, 2.0, 1.0).unwrap_or_else(|_| Bands::nan(0));
        let sd = (2.0f64 / 3.0).sqrt();
        assert!((b.upper[2] - (2.0 + 2.0 * sd)).abs() < 1e-12);
        assert!((b.lower[2] - (2.0 - sd)).abs() < 1e-12);
        let f = bbands(&[7.0; 4], 3, 2.0, 2.0).unwrap_or_else(|_| Bands::nan(0));
        assert_eq!((f.upper[3], f.middle[3], f.lower[3]), (7.0, 7.0, 7.0));
    }
}
