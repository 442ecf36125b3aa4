//! Momentum and rate of change (TA-Lib `MOM`, `ROC`).
//!
//! `MOM = x[i] − x[i−p]`; `ROC = (x[i] / x[i−p] − 1) · 100`, 0 when `x[i−p] = 0`
//! (ta_ROC.c). Lookback `p`, TA-Lib default `p = 10`.

use crate::error::{Result, check_period};
use crate::window::Window;

/// Momentum (TA-Lib `MOM`, default period 10); NaN at `i < period`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`.
pub fn mom(x: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut s = Mom::new(period)?;
    Ok(x.iter().map(|&v| s.update(v).unwrap_or(f64::NAN)).collect())
}

/// Rate of change in percent (TA-Lib `ROC`, default period 10); NaN at `i < period`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`.
pub fn roc(x: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut s = Roc::new(period)?;
    Ok(x.iter().map(|&v| s.update(v).unwrap_or(f64::NAN)).collect())
}

/// Streaming [`mom`].
#[derive(Debug, Clone)]
pub struct Mom {
    period: usize,
    win: Window,
}

impl Mom {
    /// Momentum over `period >= 1` bars.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("MOM", "period", period, 1)?;
        Ok(Mom {
            period,
            win: Window::new(period + 1),
        })
    }

    /// Number of leading `None`s (`period`).
    pub fn lookback(&self) -> usize {
        self.period
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<f64> {
        self.win.push(x);
        self.win.is_full().then(|| x - self.win.oldest())
    }
}

/// Streaming [`roc`].
#[derive(Debug, Clone)]
pub struct Roc {
    period: usize,
    win: Window,
}

impl Roc {
    /// Rate of change over `period >= 1` bars.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("ROC", "period", period, 1)?;
        Ok(Roc {
            period,
            win: Window::new(period + 1),
        })
    }

    /// Number of leading `None`s (`period`).
    pub fn lookback(&self) -> usize {
        self.period
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<f64> {
        self.win.push(x);
        if !self.win.is_full() {
            return None;
        }
        let old = self.win.oldest();
        Some(if old != 0.0 {
            ((x / old) - 1.0) * 100.0
        } else {
            0.0
        })
    }
}
