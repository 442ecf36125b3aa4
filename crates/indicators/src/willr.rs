//! Williams %R (TA-Lib `WILLR`).
//!
//! Williams (1973): `%R = −100 · (HH − C) / (HH − LL)` over `p` bars, computed as
//! TA-Lib does, `(HH − C) / ((HH − LL) / −100)`, and 0 when `HH = LL` (ta_WILLR.c).
//! Lookback `p − 1`, TA-Lib default `p = 14`. Bounded in [−100, 0].

use crate::error::{Result, check_lengths, check_period};
use crate::window::Extreme;

/// Williams %R (TA-Lib `WILLR`, default period 14); NaN at `i < period − 1`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `LengthMismatch` if the inputs differ in length.
pub fn willr(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Result<Vec<f64>> {
    check_lengths(
        "WILLR",
        "high",
        high.len(),
        &[("low", low.len()), ("close", close.len())],
    )?;
    let mut s = WillR::new(period)?;
    Ok((0..high.len())
        .map(|i| s.update(high[i], low[i], close[i]).unwrap_or(f64::NAN))
        .collect())
}

/// Streaming [`willr`].
#[derive(Debug, Clone)]
pub struct WillR {
    period: usize,
    hh: Extreme,
    ll: Extreme,
}

impl WillR {
    /// Williams %R over `period >= 1` bars.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("WILLR", "period", period, 1)?;
        Ok(WillR {
            period,
            hh: Extreme::new(period, true),
            ll: Extreme::new(period, false),
        })
    }

    /// Number of leading `None`s (`period − 1`).
    pub fn lookback(&self) -> usize {
        self.period - 1
    }

    /// Feeds one bar; `None` during the warm-up.
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let (hh, _) = self.hh.push(high);
        let (ll, _) = self.ll.push(low);
        if !self.hh.is_full() {
            return None;
        }
        let diff = (hh - ll) / -100.0;
        Some(if diff != 0.0 {
            (hh - close) / diff
        } else {
            0.0
        })
    }
}
