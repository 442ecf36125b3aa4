//! Linear-regression slope (TA-Lib `LINEARREG_SLOPE`).
//!
//! Least-squares slope of the last `p` values against time (one unit per bar):
//! `b = (p·Σxy − Σx·Σy) / (p·Σx² − (Σx)²)`. TA-Lib (ta_LINEARREG_SLOPE.c) counts x
//! backwards from the newest bar (x = 0 newest) and flips the denominator's sign,
//! which gives the same slope; both forms here do exactly TA-Lib's sums.
//! Lookback `p − 1`, TA-Lib default `p = 14`; `p >= 2`.

use crate::error::{Result, check_period};
use crate::window::Window;

/// Linear-regression slope (TA-Lib `LINEARREG_SLOPE`, default 14); NaN at `i < period − 1`.
///
/// # Errors
/// `InvalidPeriod` if `period < 2`.
pub fn linreg_slope(x: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut s = LinRegSlope::new(period)?;
    Ok(x.iter().map(|&v| s.update(v).unwrap_or(f64::NAN)).collect())
}

/// Streaming [`linreg_slope`].
#[derive(Debug, Clone)]
pub struct LinRegSlope {
    period: usize,
    win: Window,
    sum_x: f64,
    divisor: f64,
}

impl LinRegSlope {
    /// Slope over `period >= 2` values.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period < 2`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("LINEARREG_SLOPE", "period", period, 2)?;
        let p = period as f64;
        // Σx and Σx² over x = 0..p−1 (closed forms).
        let sum_x = p * (p - 1.0) * 0.5;
        let sum_x_sqr = ((period * (period - 1) * (2 * period - 1)) / 6) as f64;
        let divisor = sum_x * sum_x - p * sum_x_sqr;
        Ok(LinRegSlope {
            period,
            win: Window::new(period),
            sum_x,
            divisor,
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
        let (mut sxy, mut sy) = (0.0, 0.0);
        for (k, v) in self.win.iter().enumerate() {
            // x counts back from the newest bar: the oldest has x = p − 1.
            let xi = (self.period - 1 - k) as f64;
            sy += v;
            sxy += xi * v;
        }
        let p = self.period as f64;
        Some((p * sxy - self.sum_x * sy) / self.divisor)
    }
}
