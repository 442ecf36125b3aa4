//! Directional movement: +DI, −DI and ADX (TA-Lib `PLUS_DI`, `MINUS_DI`, `ADX`).
//!
//! Wilder (1978). `+DM = H − H[−1]` when it exceeds `L[−1] − L` and is positive, `−DM`
//! symmetrically; TR as in ATR. TA-Lib (ta_ADX.c, ta_PLUS_DI.c) sums the first
//! `p − 1` values, then applies Wilder's running sum `S = S − S/p + new` from bar `p`
//! on; `+DI = 100 · S(+DM) / S(TR)` (0 when `S(TR)` is zero), lookback `p`;
//! `DX = 100 · |+DI − −DI| / (+DI + −DI)`; ADX is the mean of the first `p` DX values,
//! then `ADX = (ADX·(p−1) + DX) / p`, lookback `2p − 1`. A zero TR or DI sum leaves the
//! ADX unchanged, as in TA-Lib. TA-Lib default `p = 14`.

use crate::atr::true_range;
use crate::error::{Result, check_lengths, check_period};
use crate::rsi::ta_is_zero;

/// One bar of [`Directional`]: +DI, −DI and (once warm) ADX.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DirectionalValue {
    /// +DI (Some from index `p`).
    pub plus_di: f64,
    /// −DI.
    pub minus_di: f64,
    /// ADX, `None` until index `2p − 1`.
    pub adx: Option<f64>,
}

/// Streaming +DI / −DI / ADX (one struct; the batch functions [`plus_di`], [`minus_di`]
/// and [`adx`] read its fields).
#[derive(Debug, Clone)]
pub struct Directional {
    period: usize,
    count: usize,
    prev_high: f64,
    prev_low: f64,
    prev_close: f64,
    plus_dm: f64,
    minus_dm: f64,
    tr: f64,
    /// DX values summed so far (the ADX seed).
    sum_dx: f64,
    adx: f64,
}

impl Directional {
    /// Directional movement over `period >= 1` bars.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("ADX", "period", period, 1)?;
        Ok(Directional {
            period,
            count: 0,
            prev_high: f64::NAN,
            prev_low: f64::NAN,
            prev_close: f64::NAN,
            plus_dm: 0.0,
            minus_dm: 0.0,
            tr: 0.0,
            sum_dx: 0.0,
            adx: f64::NAN,
        })
    }

    /// Lookback of +DI/−DI (`period`); the ADX's is `2·period − 1`.
    pub fn lookback(&self) -> usize {
        self.period
    }

    /// Lookback of the ADX (`2·period − 1`).
    pub fn adx_lookback(&self) -> usize {
        2 * self.period - 1
    }

    /// Feeds one bar; `None` before index `period`.
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Option<DirectionalValue> {
        let p = self.period;
        let pf = p as f64;
        self.count = self.count.saturating_add(1);
        if self.count == 1 {
            self.prev_high = high;
            self.prev_low = low;
            self.prev_close = close;
            return None;
        }
        let diff_p = high - self.prev_high;
        let diff_m = self.prev_low - low;
        self.prev_high = high;
        self.prev_low = low;
        let tr = true_range(high, low, self.prev_close);
        self.prev_close = close;
        let (mut dp, mut dm) = (0.0, 0.0);
        if diff_m > 0.0 && diff_p < diff_m {
            dm = diff_m;
        } else if diff_p > 0.0 && diff_p > diff_m {
            dp = diff_p;
        }
        // Bars 1..p−1: plain sums (ta_ADX.c initial loop).
        if self.count < p + 1 {
            self.minus_dm += dm;
            self.plus_dm += dp;
            self.tr += tr;
            return None;
        }
        // Wilder's running sum S − S/p + new.
        self.minus_dm -= self.minus_dm / pf;
        self.plus_dm -= self.plus_dm / pf;
        self.minus_dm += dm;
        self.plus_dm += dp;
        self.tr = self.tr - self.tr / pf + tr;
        let (plus_di, minus_di) = if ta_is_zero(self.tr) {
            (0.0, 0.0)
        } else {
            (
                100.0 * (self.plus_dm / self.tr),
                100.0 * (self.minus_dm / self.tr),
            )
        };
        let di_sum = minus_di + plus_di;
        let dx = if ta_is_zero(self.tr) || ta_is_zero(di_sum) {
            None
        } else {
            Some(100.0 * ((minus_di - plus_di).abs() / di_sum))
        };
        // count − 1 is this bar's index; DX exists from index p; ADX from 2p − 1.
        let idx = self.count - 1;
        let adx = if idx < 2 * p - 1 {
            if let Some(d) = dx {
                self.sum_dx += d;
            }
            None
        } else if idx == 2 * p - 1 {
            if let Some(d) = dx {
                self.sum_dx += d;
            }
            self.adx = self.sum_dx / pf;
            Some(self.adx)
        } else {
            if let Some(d) = dx {
                self.adx = (self.adx * (pf - 1.0) + d) / pf;
            }
            Some(self.adx)
        };
        Some(DirectionalValue {
            plus_di,
            minus_di,
            adx,
        })
    }
}

fn run(
    ind: &'static str,
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
    pick: impl Fn(&DirectionalValue) -> Option<f64>,
) -> Result<Vec<f64>> {
    check_lengths(
        ind,
        "high",
        high.len(),
        &[("low", low.len()), ("close", close.len())],
    )?;
    check_period(ind, "period", period, 1)?;
    let mut s = Directional::new(period)?;
    Ok((0..high.len())
        .map(|i| {
            s.update(high[i], low[i], close[i])
                .as_ref()
                .and_then(&pick)
                .unwrap_or(f64::NAN)
        })
        .collect())
}

/// Average directional index (TA-Lib `ADX`, default period 14); NaN at `i < 2·period − 1`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `LengthMismatch` if the inputs differ in length.
pub fn adx(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Result<Vec<f64>> {
    run("ADX", high, low, close, period, |v| v.adx)
}

/// Plus directional indicator (TA-Lib `PLUS_DI`, default period 14); NaN at `i < period`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `LengthMismatch` if the inputs differ in length.
pub fn plus_di(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Result<Vec<f64>> {
    run("PLUS_DI", high, low, close, period, |v| Some(v.plus_di))
}

/// Minus directional indicator (TA-Lib `MINUS_DI`, default period 14); NaN at `i < period`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `LengthMismatch` if the inputs differ in length.
pub fn minus_di(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Result<Vec<f64>> {
    run("MINUS_DI", high, low, close, period, |v| Some(v.minus_di))
}
