//! Rolling z-score (not in TA-Lib).
//!
//! `z = (x − mean) / σ` over the last `p` values, mean and σ of the same window
//! including the current value, σ the **population** standard deviation (ddof = 0, as
//! in Bollinger Bands, so `z = ±k` exactly on the `k`-σ bands). Mean and variance are
//! computed two-pass over the window (no running-sum drift). When σ = 0 the z-score is
//! 0 (the value equals the mean). Lookback `p − 1`; `p >= 2`.

use crate::error::{Result, check_period};
use crate::window::Window;

/// Rolling z-score over `period` values; NaN at `i < period − 1`.
///
/// # Errors
/// `InvalidPeriod` if `period < 2`.
pub fn zscore(x: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut s = ZScore::new(period)?;
    Ok(x.iter().map(|&v| s.update(v).unwrap_or(f64::NAN)).collect())
}

/// Streaming [`zscore`].
#[derive(Debug, Clone)]
pub struct ZScore {
    period: usize,
    win: Window,
}

impl ZScore {
    /// Z-score over `period >= 2` values.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period < 2`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("ZSCORE", "period", period, 2)?;
        Ok(ZScore {
            period,
            win: Window::new(period),
        })
    }

    /// Number of leading `None`s (`period − 1`).
    pub fn lookback(&self) -> usize {
        self.period - 1
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<f64> {
        self.win.push(x);
        if !self.win.is_full() {
            return None;
        }
        let p = self.period as f64;
        let mean = self.win.iter().sum::<f64>() / p;
        let var = self
            .win
            .iter()
            .map(|v| (v - mean) * (v - mean))
            .sum::<f64>()
            / p;
        let sd = var.sqrt();
        Some(if sd > 0.0 { (x - mean) / sd } else { 0.0 })
    }
}
