//! Weighted moving average (TA-Lib `WMA`).
//!
//! Linear weights `1..=p`, newest heaviest: `WMA = Σ w_j x_j / (p(p+1)/2)`. TA-Lib
//! (ta_WMA.c) keeps a running weighted sum and a running plain sum
//! (`S_w += p·x_new; out = S_w / d; S_w −= S`); both forms here do the same.
//! Lookback `p − 1`, TA-Lib default `p = 30`.

use crate::error::{Result, check_period};
use crate::window::Window;

/// Weighted moving average (TA-Lib `WMA`, default period 30); NaN at `i < period − 1`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`.
pub fn wma(x: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut s = Wma::new(period)?;
    Ok(x.iter().map(|&v| s.update(v).unwrap_or(f64::NAN)).collect())
}

/// Streaming [`wma`].
#[derive(Debug, Clone)]
pub struct Wma {
    period: usize,
    win: Window,
    count: usize,
    /// Running Σ of the window, TA-Lib's `periodSub`.
    sub: f64,
    /// Running weighted sum, TA-Lib's `periodSum`.
    sum: f64,
    /// The value that leaves at the next step, TA-Lib's `trailingValue`.
    trailing: f64,
}

impl Wma {
    /// A weighted moving average over `period >= 1` values.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("WMA", "period", period, 1)?;
        Ok(Wma {
            period,
            win: Window::new(period),
            count: 0,
            sub: 0.0,
            sum: 0.0,
            trailing: 0.0,
        })
    }

    /// Number of leading `None`s (`period − 1`).
    pub fn lookback(&self) -> usize {
        self.period - 1
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<f64> {
        self.win.push(x);
        self.count += 1;
        if self.count < self.period {
            // Warm-up: weights 1..p−1 (ta_WMA.c).
            self.sub += x;
            self.sum += x * self.count as f64;
            return None;
        }
        self.count = self.period;
        let p = self.period as f64;
        self.sub += x;
        self.sub -= self.trailing;
        self.sum += x * p;
        self.trailing = self.win.oldest();
        let divider = (self.period * (self.period + 1) / 2) as f64;
        let out = self.sum / divider;
        self.sum -= self.sub;
        Some(out)
    }
}
