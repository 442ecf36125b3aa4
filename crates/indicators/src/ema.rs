//! Exponential moving average (TA-Lib `EMA`).
//!
//! `k = 2 / (p + 1)`; TA-Lib's default compatibility seeds the average with the SMA of
//! the first `p` values (output at index `p − 1`), then
//! `EMA[i] = (x[i] − EMA[i−1]) · k + EMA[i−1]` (ta_EMA.c, `TA_INT_EMA`). Lookback
//! `p − 1`, TA-Lib default `p = 30`.

use crate::error::{Result, check_out, check_period};

/// Lookback of [`ema`]: `period − 1`.
pub fn ema_lookback(period: usize) -> usize {
    period.saturating_sub(1)
}

/// The smoothing constant `2 / (period + 1)` (TA-Lib `PER_TO_K`).
pub(crate) fn per_to_k(period: usize) -> f64 {
    2.0 / ((period + 1) as f64)
}

/// Exponential moving average, SMA-seeded (TA-Lib `EMA`, default period 30).
///
/// NaN at `i < period − 1`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`.
pub fn ema(x: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; x.len()];
    ema_into(x, period, &mut out)?;
    Ok(out)
}

/// [`ema`] written into `out` (same length as `x`), without allocating.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `OutputLength` if `out.len() != x.len()`.
pub fn ema_into(x: &[f64], period: usize, out: &mut [f64]) -> Result<()> {
    check_period("EMA", "period", period, 1)?;
    check_out("EMA", "out", x.len(), out.len())?;
    ema_kernel(x, period, 0, out);
    Ok(())
}

/// EMA whose seed window starts at index `delay` (TA-Lib's MACD seeds its fast EMA at
/// the slow EMA's first output). Outputs before `delay + period − 1` are NaN.
pub(crate) fn ema_kernel(x: &[f64], period: usize, delay: usize, out: &mut [f64]) {
    let n = x.len();
    let first = delay + period - 1;
    if first >= n {
        out.fill(f64::NAN);
        return;
    }
    out[..first].fill(f64::NAN);
    let k = per_to_k(period);
    let mut sum = 0.0;
    for &v in &x[delay..=first] {
        sum += v;
    }
    let mut prev = sum / period as f64;
    out[first] = prev;
    for (o, &v) in out[first + 1..].iter_mut().zip(&x[first + 1..]) {
        prev = (v - prev) * k + prev;
        *o = prev;
    }
}

/// Streaming [`ema`].
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    k: f64,
    /// Inputs still to ignore before the seed window (see `ema_kernel`).
    delay: usize,
    lookback: usize,
    count: usize,
    sum: f64,
    prev: f64,
}

impl Ema {
    /// An SMA-seeded exponential moving average over `period >= 1` values.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        Self::with_delay(period, 0)
    }

    pub(crate) fn with_delay(period: usize, delay: usize) -> Result<Self> {
        check_period("EMA", "period", period, 1)?;
        Ok(Ema {
            period,
            k: per_to_k(period),
            delay,
            lookback: delay + period - 1,
            count: 0,
            sum: 0.0,
            prev: f64::NAN,
        })
    }

    /// Number of leading `None`s (`period − 1`).
    pub fn lookback(&self) -> usize {
        self.lookback
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<f64> {
        if self.delay > 0 {
            self.delay -= 1;
            return None;
        }
        if self.count < self.period {
            self.count += 1;
            self.sum += x;
            if self.count < self.period {
                return None;
            }
            self.prev = self.sum / self.period as f64;
            return Some(self.prev);
        }
        self.prev = (x - self.prev) * self.k + self.prev;
        Some(self.prev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_with_the_sma_then_recursive() {
        // p = 3, k = 0.5: seed mean(1,2,3) = 2, then (6 − 2)·0.5 + 2 = 4.
        let out = ema(&[1.0, 2.0, 3.0, 6.0], 3).unwrap_or_default();
        assert!(out[1].is_nan());
        assert_eq!(&out[2..], &[2.0, 4.0]);
    }
}
