//! True range, average true range and normalized ATR (TA-Lib `TRANGE`, `ATR`, `NATR`).
//!
//! Wilder (1978): `TR[i] = max(H−L, |H−C[i−1]|, |L−C[i−1]|)` (lookback 1);
//! `ATR` is the SMA of the first `p` true ranges (at index `p`), then
//! `ATR[i] = (ATR[i−1]·(p−1) + TR[i]) / p` (ta_ATR.c). Lookback `p`, TA-Lib default
//! `p = 14`. `NATR = ATR / close · 100` (ta_NATR.c; 0 when the close is zero).

use crate::error::{Result, check_lengths, check_out, check_period};
use crate::rsi::ta_is_zero;

#[inline]
pub(crate) fn true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    // Wilder (1978), the greatest of the three ranges.
    let mut g = high - low;
    let a = (prev_close - high).abs();
    if a > g {
        g = a;
    }
    let b = (prev_close - low).abs();
    if b > g {
        g = b;
    }
    g
}

fn check_hlc(ind: &'static str, high: &[f64], low: &[f64], close: &[f64]) -> Result<()> {
    check_lengths(
        ind,
        "high",
        high.len(),
        &[("low", low.len()), ("close", close.len())],
    )
}

/// True range (TA-Lib `TRANGE`): NaN at index 0.
///
/// # Errors
/// `LengthMismatch` if the inputs differ in length.
pub fn trange(high: &[f64], low: &[f64], close: &[f64]) -> Result<Vec<f64>> {
    check_hlc("TRANGE", high, low, close)?;
    let mut out = vec![f64::NAN; high.len()];
    for i in 1..high.len() {
        out[i] = true_range(high[i], low[i], close[i - 1]);
    }
    Ok(out)
}

/// Lookback of [`atr`] and [`natr`]: `period`.
pub fn atr_lookback(period: usize) -> usize {
    period
}

/// Average true range with Wilder smoothing (TA-Lib `ATR`, default period 14).
///
/// NaN at `i < period`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `LengthMismatch` if the inputs differ in length.
pub fn atr(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; high.len()];
    atr_into(high, low, close, period, &mut out)?;
    Ok(out)
}

/// [`atr`] written into `out`, without allocating.
///
/// # Errors
/// As [`atr`], plus `OutputLength` if `out.len() != high.len()`.
pub fn atr_into(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
    out: &mut [f64],
) -> Result<()> {
    check_period("ATR", "period", period, 1)?;
    check_hlc("ATR", high, low, close)?;
    check_out("ATR", "out", high.len(), out.len())?;
    let n = high.len();
    out.fill(f64::NAN);
    if n <= period {
        return Ok(());
    }
    let p = period as f64;
    let mut sum = 0.0;
    for i in 1..=period {
        sum += true_range(high[i], low[i], close[i - 1]);
    }
    let mut prev = sum / p;
    out[period] = prev;
    for i in period + 1..n {
        let tr = true_range(high[i], low[i], close[i - 1]);
        prev = (prev * (p - 1.0) + tr) / p;
        out[i] = prev;
    }
    Ok(())
}

/// Normalized ATR, `ATR / close · 100` (TA-Lib `NATR`, default period 14).
///
/// # Errors
/// As [`atr`].
pub fn natr(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut out = atr(high, low, close, period)?;
    for (o, &c) in out.iter_mut().zip(close) {
        if !o.is_nan() {
            *o = natr_value(*o, c);
        }
    }
    Ok(out)
}

#[inline]
fn natr_value(atr: f64, close: f64) -> f64 {
    // ta_NATR.c: (ATR / close) * 100, 0 when the close is zero.
    if ta_is_zero(close) {
        0.0
    } else {
        (atr / close) * 100.0
    }
}

/// Streaming true range (lookback 1).
#[derive(Debug, Clone, Default)]
pub struct TrueRange {
    prev_close: Option<f64>,
}

impl TrueRange {
    /// A new true-range stream.
    pub fn new() -> Self {
        TrueRange { prev_close: None }
    }

    /// Feeds one bar; `None` on the first bar.
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let out = self.prev_close.map(|pc| true_range(high, low, pc));
        self.prev_close = Some(close);
        out
    }
}

/// Streaming [`atr`].
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    tr: TrueRange,
    count: usize,
    sum: f64,
    prev: f64,
}

impl Atr {
    /// An ATR over `period >= 1` true ranges.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("ATR", "period", period, 1)?;
        Ok(Atr {
            period,
            tr: TrueRange::new(),
            count: 0,
            sum: 0.0,
            prev: f64::NAN,
        })
    }

    /// Number of leading `None`s (`period`).
    pub fn lookback(&self) -> usize {
        self.period
    }

    /// Feeds one bar; `None` during the warm-up.
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let tr = self.tr.update(high, low, close)?;
        let p = self.period as f64;
        if self.count < self.period {
            self.count += 1;
            self.sum += tr;
            if self.count < self.period {
                return None;
            }
            self.prev = self.sum / p;
            return Some(self.prev);
        }
        self.prev = (self.prev * (p - 1.0) + tr) / p;
        Some(self.prev)
    }
}

/// Streaming [`natr`].
#[derive(Debug, Clone)]
pub struct Natr {
    atr: Atr,
}

impl Natr {
    /// A normalized ATR over `period >= 1` true ranges.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        Ok(Natr {
            atr: Atr::new(period)?,
        })
    }

    /// Number of leading `None`s (`period`).
    pub fn lookback(&self) -> usize {
        self.atr.lookback()
    }

    /// Feeds one bar; `None` during the warm-up.
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        self.atr
            .update(high, low, close)
            .map(|a| natr_value(a, close))
    }
}
