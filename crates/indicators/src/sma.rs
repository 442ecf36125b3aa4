//! Simple moving average (TA-Lib `SMA`).
//!
//! `SMA[i] = (x[i-p+1] + … + x[i]) / p`, lookback `p − 1`, TA-Lib default `p = 30`.
//! TA-Lib keeps a running sum (add the new value, divide, subtract the value that
//! leaves); both forms here do the same additions in the same order, so batch and
//! streaming agree bitwise and agree with TA-Lib to rounding.

use crate::error::{Result, check_out, check_period};
use crate::window::Window;

/// Lookback of [`sma`]: the first `period − 1` outputs are NaN.
pub fn sma_lookback(period: usize) -> usize {
    period.saturating_sub(1)
}

/// Simple moving average over `period` values (TA-Lib `SMA`, default period 30).
///
/// Returns a vector the length of `x`, NaN at `i < period − 1`.
///
/// # Errors
/// [`IndicatorError::InvalidPeriod`](crate::IndicatorError::InvalidPeriod) if `period == 0`.
pub fn sma(x: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; x.len()];
    sma_into(x, period, &mut out)?;
    Ok(out)
}

/// [`sma`] written into `out` (same length as `x`), without allocating.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `OutputLength` if `out.len() != x.len()`.
pub fn sma_into(x: &[f64], period: usize, out: &mut [f64]) -> Result<()> {
    check_period("SMA", "period", period, 1)?;
    check_out("SMA", "out", x.len(), out.len())?;
    sma_kernel(x, period, out);
    Ok(())
}

/// The running-sum kernel; `period >= 1`, `out.len() == x.len()`.
pub(crate) fn sma_kernel(x: &[f64], period: usize, out: &mut [f64]) {
    let n = x.len();
    let p = period as f64;
    let warm = (period - 1).min(n);
    let mut sum = 0.0;
    // TA-Lib ta_SMA.c: running total, `total += x[i]; out = total / p; total -= x[i-p+1]`.
    for (o, &v) in out[..warm].iter_mut().zip(&x[..warm]) {
        sum += v;
        *o = f64::NAN;
    }
    for i in warm..n {
        sum += x[i];
        let t = sum;
        sum -= x[i + 1 - period];
        out[i] = t / p;
    }
}

/// Streaming [`sma`]: one value at a time, same numbers as the batch form.
#[derive(Debug, Clone)]
pub struct Sma {
    period: usize,
    win: Window,
    sum: f64,
}

impl Sma {
    /// A simple moving average over `period >= 1` values.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("SMA", "period", period, 1)?;
        Ok(Sma {
            period,
            win: Window::new(period),
            sum: 0.0,
        })
    }

    /// Number of leading `None`s (`period − 1`).
    pub fn lookback(&self) -> usize {
        self.period - 1
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<f64> {
        self.win.push(x);
        self.sum += x;
        if !self.win.is_full() {
            return None;
        }
        let t = self.sum;
        self.sum -= self.win.oldest();
        Some(t / self.period as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        let out = sma(&[1.0, 2.0, 3.0, 4.0, 10.0], 3).unwrap_or_default();
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(&out[2..], &[2.0, 3.0, 17.0 / 3.0]);
        assert_eq!(sma(&[4.0, 5.0], 1).unwrap_or_default(), vec![4.0, 5.0]);
    }
}
