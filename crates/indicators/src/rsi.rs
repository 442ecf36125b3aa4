//! Relative strength index (TA-Lib `RSI`, Wilder 1978).
//!
//! Wilder, *New Concepts in Technical Trading Systems* (1978): average gain and loss
//! seeded with the simple mean of the first `p` changes, then Wilder-smoothed
//! `avg = (avg·(p−1) + new) / p`; `RSI = 100 · gain / (gain + loss)`. TA-Lib
//! (ta_RSI.c, default compatibility) returns 0 when `gain + loss` is zero within its
//! epsilon (1e-14). Lookback `p`, TA-Lib default `p = 14`. Bounded in [0, 100].

use crate::error::{Result, check_out, check_period};

/// TA-Lib's `TA_EPSILON` (ta_utility.h, TA-Lib 0.6+).
pub(crate) const TA_EPSILON: f64 = 1e-14;

/// TA-Lib `TA_IS_ZERO`.
#[inline]
pub(crate) fn ta_is_zero(v: f64) -> bool {
    -TA_EPSILON < v && v < TA_EPSILON
}

/// Lookback of [`rsi`]: `period`.
pub fn rsi_lookback(period: usize) -> usize {
    period
}

#[inline]
fn rsi_value(gain: f64, loss: f64) -> f64 {
    let t = gain + loss;
    if ta_is_zero(t) {
        0.0
    } else {
        100.0 * (gain / t)
    }
}

/// Relative strength index with Wilder smoothing (TA-Lib `RSI`, default period 14).
///
/// NaN at `i < period`; values in [0, 100].
///
/// # Errors
/// `InvalidPeriod` if `period == 0`.
pub fn rsi(x: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; x.len()];
    rsi_into(x, period, &mut out)?;
    Ok(out)
}

/// [`rsi`] written into `out` (same length as `x`), without allocating.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `OutputLength` if `out.len() != x.len()`.
pub fn rsi_into(x: &[f64], period: usize, out: &mut [f64]) -> Result<()> {
    check_period("RSI", "period", period, 1)?;
    check_out("RSI", "out", x.len(), out.len())?;
    let n = x.len();
    out.fill(f64::NAN);
    if n <= period {
        return Ok(());
    }
    let p = period as f64;
    let (mut gain, mut loss) = (0.0, 0.0);
    for i in 1..=period {
        let d = x[i] - x[i - 1];
        if d < 0.0 {
            loss -= d;
        } else {
            gain += d;
        }
    }
    gain /= p;
    loss /= p;
    out[period] = rsi_value(gain, loss);
    for i in period + 1..n {
        let d = x[i] - x[i - 1];
        // Wilder smoothing, in TA-Lib's order: multiply, add, divide.
        loss *= p - 1.0;
        gain *= p - 1.0;
        if d < 0.0 {
            loss -= d;
        } else {
            gain += d;
        }
        loss /= p;
        gain /= p;
        out[i] = rsi_value(gain, loss);
    }
    Ok(())
}

/// Streaming [`rsi`].
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    count: usize,
    prev: f64,
    gain: f64,
    loss: f64,
}

impl Rsi {
    /// An RSI over `period >= 1` changes.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("RSI", "period", period, 1)?;
        Ok(Rsi {
            period,
            count: 0,
            prev: f64::NAN,
            gain: 0.0,
            loss: 0.0,
        })
    }

    /// Number of leading `None`s (`period`).
    pub fn lookback(&self) -> usize {
        self.period
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<f64> {
        let p = self.period as f64;
        self.count += 1;
        if self.count == 1 {
            self.prev = x;
            return None;
        }
        let d = x - self.prev;
        self.prev = x;
        if self.count <= self.period {
            if d < 0.0 {
                self.loss -= d;
            } else {
                self.gain += d;
            }
            return None;
        }
        if self.count == self.period + 1 {
            if d < 0.0 {
                self.loss -= d;
            } else {
                self.gain += d;
            }
            self.gain /= p;
            self.loss /= p;
            return Some(rsi_value(self.gain, self.loss));
        }
        self.count = self.period + 2; // saturate: the warm-up is over
        self.loss *= p - 1.0;
        self.gain *= p - 1.0;
        if d < 0.0 {
            self.loss -= d;
        } else {
            self.gain += d;
        }
        self.loss /= p;
        self.gain /= p;
        Some(rsi_value(self.gain, self.loss))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_and_flat() {
        let up: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(rsi(&up, 3).unwrap_or_default()[9], 100.0);
        let down: Vec<f64> = up.iter().rev().copied().collect();
        assert_eq!(rsi(&down, 3).unwrap_or_default()[9], 0.0);
        // A flat series: no gain, no loss; TA-Lib returns 0.
        assert_eq!(rsi(&[5.0; 6], 3).unwrap_or_default()[5], 0.0);
        // Hand-computed: changes +1, −1 → gain = loss = 0.5 → 50.
        assert_eq!(rsi(&[1.0, 2.0, 1.0], 2).unwrap_or_default()[2], 50.0);
    }
}
