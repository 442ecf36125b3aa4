//! Rolling highest and lowest value (TA-Lib `MAX`, `MIN`).
//!
//! `MAX[i] = max(x[i−p+1..=i])`, lookback `p − 1`, TA-Lib default `p = 30`. The
//! batch kernels track the extreme's position and rescan the window only when it
//! leaves (TA-Lib's scheme, ta_MAX.c); no allocation.

use crate::error::{Result, check_out, check_period};
use crate::window::Extreme;

/// Lookback of [`max`] and [`min`]: `period − 1`.
pub fn minmax_lookback(period: usize) -> usize {
    period.saturating_sub(1)
}

/// Highest value over `period` values (TA-Lib `MAX`, default period 30); NaN at `i < period − 1`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`.
pub fn max(x: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; x.len()];
    max_into(x, period, &mut out)?;
    Ok(out)
}

/// Lowest value over `period` values (TA-Lib `MIN`, default period 30); NaN at `i < period − 1`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`.
pub fn min(x: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; x.len()];
    min_into(x, period, &mut out)?;
    Ok(out)
}

/// [`max`] written into `out`, without allocating.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `OutputLength` if `out.len() != x.len()`.
pub fn max_into(x: &[f64], period: usize, out: &mut [f64]) -> Result<()> {
    check_period("MAX", "period", period, 1)?;
    check_out("MAX", "out", x.len(), out.len())?;
    extreme_kernel(x, period, true, out);
    Ok(())
}

/// [`min`] written into `out`, without allocating.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `OutputLength` if `out.len() != x.len()`.
pub fn min_into(x: &[f64], period: usize, out: &mut [f64]) -> Result<()> {
    check_period("MIN", "period", period, 1)?;
    check_out("MIN", "out", x.len(), out.len())?;
    extreme_kernel(x, period, false, out);
    Ok(())
}

#[inline]
fn better(is_max: bool, a: f64, b: f64) -> bool {
    if is_max { a >= b } else { a <= b }
}

pub(crate) fn extreme_kernel(x: &[f64], period: usize, is_max: bool, out: &mut [f64]) {
    let n = x.len();
    let warm = (period - 1).min(n);
    out[..warm].fill(f64::NAN);
    let mut idx = 0usize;
    let mut val = f64::NAN;
    let mut have = false;
    for i in warm..n {
        let first = i + 1 - period;
        if !have || idx < first {
            idx = first;
            val = x[first];
            for (j, &v) in x.iter().enumerate().take(i + 1).skip(first + 1) {
                if better(is_max, v, val) {
                    val = v;
                    idx = j;
                }
            }
            have = true;
        } else if better(is_max, x[i], val) {
            val = x[i];
            idx = i;
        }
        out[i] = val;
    }
}

/// Streaming [`max`].
#[derive(Debug, Clone)]
pub struct Max {
    period: usize,
    ext: Extreme,
}

impl Max {
    /// Highest of the last `period >= 1` values.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("MAX", "period", period, 1)?;
        Ok(Max {
            period,
            ext: Extreme::new(period, true),
        })
    }

    /// Number of leading `None`s (`period − 1`).
    pub fn lookback(&self) -> usize {
        self.period - 1
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<f64> {
        let (v, _) = self.ext.push(x);
        self.ext.is_full().then_some(v)
    }
}

/// Streaming [`min`].
#[derive(Debug, Clone)]
pub struct Min {
    period: usize,
    ext: Extreme,
}

impl Min {
    /// Lowest of the last `period >= 1` values.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("MIN", "period", period, 1)?;
        Ok(Min {
            period,
            ext: Extreme::new(period, false),
        })
    }

    /// Number of leading `None`s (`period − 1`).
    pub fn lookback(&self) -> usize {
        self.period - 1
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<f64> {
        let (v, _) = self.ext.push(x);
        self.ext.is_full().then_some(v)
    }
}
