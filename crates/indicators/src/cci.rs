//! Commodity channel index (TA-Lib `CCI`).
//!
//! Lambert, *Commodities* (1980): typical price `TP = (H + L + C)/3`,
//! `CCI = (TP − SMA(TP)) / (0.015 · mean |TP − SMA(TP)|)` over `p` bars; 0 when either
//! the numerator or the mean deviation is 0 (ta_CCI.c). TA-Lib sums its circular buffer
//! in slot order (slot = bar index mod p); both forms here do the same. Lookback
//! `p − 1`, TA-Lib default `p = 14` (charts often use 20).

use crate::error::{Result, check_lengths, check_period};

/// Commodity channel index (TA-Lib `CCI`, default period 14); NaN at `i < period − 1`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `LengthMismatch` if the inputs differ in length.
pub fn cci(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Result<Vec<f64>> {
    check_lengths(
        "CCI",
        "high",
        high.len(),
        &[("low", low.len()), ("close", close.len())],
    )?;
    let mut s = Cci::new(period)?;
    Ok((0..high.len())
        .map(|i| s.update(high[i], low[i], close[i]).unwrap_or(f64::NAN))
        .collect())
}

/// Streaming [`cci`].
#[derive(Debug, Clone)]
pub struct Cci {
    period: usize,
    buf: Vec<f64>,
    count: usize,
}

impl Cci {
    /// CCI over `period >= 1` bars.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("CCI", "period", period, 1)?;
        Ok(Cci {
            period,
            buf: vec![0.0; period],
            count: 0,
        })
    }

    /// Number of leading `None`s (`period − 1`).
    pub fn lookback(&self) -> usize {
        self.period - 1
    }

    /// Feeds one bar; `None` during the warm-up.
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let tp = (high + low + close) / 3.0;
        let slot = self.count % self.period;
        self.buf[slot] = tp;
        self.count = if self.count + 1 >= 2 * self.period {
            self.period
        } else {
            self.count + 1
        };
        if self.count < self.period {
            return None;
        }
        let p = self.period as f64;
        let avg = self.buf.iter().sum::<f64>() / p;
        let mut dev = 0.0;
        for &v in &self.buf {
            dev += (v - avg).abs();
        }
        let num = tp - avg;
        Some(if num != 0.0 && dev != 0.0 {
            num / (0.015 * (dev / p))
        } else {
            0.0
        })
    }
}
