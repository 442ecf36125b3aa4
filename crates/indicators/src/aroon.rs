//! Aroon up/down (TA-Lib `AROON`).
//!
//! Chande, *TASC* (1995): over the last `p + 1` bars,
//! `up = 100 · (p − bars since the highest high) / p`, `down` likewise with the lowest
//! low; ties go to the most recent bar, and TA-Lib computes `(100/p) · (p − age)`
//! (ta_AROON.c). Lookback `p`, TA-Lib default `p = 14`. Bounded in [0, 100].

use crate::error::{Result, check_lengths, check_period};
use crate::window::Extreme;

/// Aroon down and up lines (TA-Lib returns them in this order).
#[derive(Debug, Clone, PartialEq)]
pub struct AroonOutput {
    /// Aroon down.
    pub down: Vec<f64>,
    /// Aroon up.
    pub up: Vec<f64>,
}

/// One bar of [`Aroon`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AroonValue {
    /// Aroon down.
    pub down: f64,
    /// Aroon up.
    pub up: f64,
}

/// Aroon (TA-Lib `AROON`, default period 14); NaN at `i < period`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `LengthMismatch` if the inputs differ in length.
pub fn aroon(high: &[f64], low: &[f64], period: usize) -> Result<AroonOutput> {
    check_lengths("AROON", "high", high.len(), &[("low", low.len())])?;
    let mut s = Aroon::new(period)?;
    let n = high.len();
    let mut out = AroonOutput {
        down: vec![f64::NAN; n],
        up: vec![f64::NAN; n],
    };
    for i in 0..n {
        if let Some(v) = s.update(high[i], low[i]) {
            out.down[i] = v.down;
            out.up[i] = v.up;
        }
    }
    Ok(out)
}

/// Streaming [`aroon`].
#[derive(Debug, Clone)]
pub struct Aroon {
    period: usize,
    hh: Extreme,
    ll: Extreme,
}

impl Aroon {
    /// Aroon over `period >= 1` bars (windows of `period + 1` bars).
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("AROON", "period", period, 1)?;
        Ok(Aroon {
            period,
            hh: Extreme::new(period + 1, true),
            ll: Extreme::new(period + 1, false),
        })
    }

    /// Number of leading `None`s (`period`).
    pub fn lookback(&self) -> usize {
        self.period
    }

    /// Feeds one bar; `None` during the warm-up.
    pub fn update(&mut self, high: f64, low: f64) -> Option<AroonValue> {
        let (_, age_h) = self.hh.push(high);
        let (_, age_l) = self.ll.push(low);
        if !self.hh.is_full() {
            return None;
        }
        let factor = 100.0 / self.period as f64;
        let p = self.period as f64;
        Some(AroonValue {
            down: factor * (p - age_l as f64),
            up: factor * (p - age_h as f64),
        })
    }
}
