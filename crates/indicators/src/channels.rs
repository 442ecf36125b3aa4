//! Keltner and Donchian channels (not in TA-Lib).
//!
//! Keltner, in the modern form popularised by Linda Raschke and documented by
//! StockCharts ("Keltner Channels"): middle = EMA(close, `ema_period`), bands =
//! middle ± `multiplier` · ATR(`atr_period`); the EMA and ATR are this crate's
//! TA-Lib-convention ones; lookback `max(ema_period − 1, atr_period)`; common setting
//! 20, 10, 2. Donchian (Donchian, 1960s; StockCharts "Price Channels"): upper = highest
//! high and lower = lowest low of the last `p` bars **including the current one** (as
//! TA-Lib MAX/MIN; shift by one bar for a breakout rule), middle = their mean; lookback
//! `p − 1`; common setting 20.

use crate::atr::Atr;
use crate::bbands::{Bands, BandsValue};
use crate::ema::Ema;
use crate::error::{Result, check_finite, check_lengths, check_period};
use crate::window::Extreme;

/// Keltner channel; NaN at `i < max(ema_period − 1, atr_period)`.
///
/// # Errors
/// `InvalidPeriod` if a period is 0; `InvalidParameter` for a non-finite multiplier;
/// `LengthMismatch` if the inputs differ in length.
pub fn keltner(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    ema_period: usize,
    atr_period: usize,
    multiplier: f64,
) -> Result<Bands> {
    check_lengths(
        "KELTNER",
        "high",
        high.len(),
        &[("low", low.len()), ("close", close.len())],
    )?;
    let mut s = Keltner::new(ema_period, atr_period, multiplier)?;
    let mut out = Bands::nan(high.len());
    for i in 0..high.len() {
        if let Some(v) = s.update(high[i], low[i], close[i]) {
            out.set(i, v);
        }
    }
    Ok(out)
}

/// Donchian channel; NaN at `i < period − 1`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `LengthMismatch` if the inputs differ in length.
pub fn donchian(high: &[f64], low: &[f64], period: usize) -> Result<Bands> {
    check_lengths("DONCHIAN", "high", high.len(), &[("low", low.len())])?;
    let mut s = Donchian::new(period)?;
    let mut out = Bands::nan(high.len());
    for i in 0..high.len() {
        if let Some(v) = s.update(high[i], low[i]) {
            out.set(i, v);
        }
    }
    Ok(out)
}

/// Streaming [`keltner`].
#[derive(Debug, Clone)]
pub struct Keltner {
    ema: Ema,
    atr: Atr,
    mult: f64,
}

impl Keltner {
    /// Keltner channel with EMA period, ATR period (both `>= 1`) and a finite multiplier.
    ///
    /// # Errors
    /// As [`keltner`].
    pub fn new(ema_period: usize, atr_period: usize, multiplier: f64) -> Result<Self> {
        check_period("KELTNER", "ema_period", ema_period, 1)?;
        check_period("KELTNER", "atr_period", atr_period, 1)?;
        check_finite("KELTNER", "multiplier", multiplier)?;
        Ok(Keltner {
            ema: Ema::new(ema_period)?,
            atr: Atr::new(atr_period)?,
            mult: multiplier,
        })
    }

    /// Number of leading `None`s.
    pub fn lookback(&self) -> usize {
        self.ema.lookback().max(self.atr.lookback())
    }

    /// Feeds one bar; `None` during the warm-up.
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Option<BandsValue> {
        let m = self.ema.update(close);
        let a = self.atr.update(high, low, close);
        let (m, a) = (m?, a?);
        Some(BandsValue {
            upper: m + self.mult * a,
            middle: m,
            lower: m - self.mult * a,
        })
    }
}

/// Streaming [`donchian`].
#[derive(Debug, Clone)]
pub struct Donchian {
    period: usize,
    hh: Extreme,
    ll: Extreme,
}

impl Donchian {
    /// Donchian channel over `period >= 1` bars.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("DONCHIAN", "period", period, 1)?;
        Ok(Donchian {
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
    pub fn update(&mut self, high: f64, low: f64) -> Option<BandsValue> {
        let (hh, _) = self.hh.push(high);
        let (ll, _) = self.ll.push(low);
        self.hh.is_full().then(|| BandsValue {
            upper: hh,
            middle: (hh + ll) / 2.0,
            lower: ll,
        })
    }
}
