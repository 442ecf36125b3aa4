//! Double and triple exponential moving averages (TA-Lib `DEMA`, `TEMA`).
//!
//! Mulloy, "Smoothing Data with Faster Moving Averages", *TASC* (1994):
//! `DEMA = 2·EMA − EMA(EMA)` (lookback `2(p−1)`),
//! `TEMA = 3·EMA − 3·EMA(EMA) + EMA(EMA(EMA))` (lookback `3(p−1)`); each inner EMA is
//! SMA-seeded on its own input as in TA-Lib. TA-Lib default `p = 30`.

use crate::ema::Ema;
use crate::error::Result;

/// Double EMA (TA-Lib `DEMA`, default period 30); NaN at `i < 2(period − 1)`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`.
pub fn dema(x: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut s = Dema::new(period)?;
    Ok(x.iter().map(|&v| s.update(v).unwrap_or(f64::NAN)).collect())
}

/// Triple EMA (TA-Lib `TEMA`, default period 30); NaN at `i < 3(period − 1)`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`.
pub fn tema(x: &[f64], period: usize) -> Result<Vec<f64>> {
    let mut s = Tema::new(period)?;
    Ok(x.iter().map(|&v| s.update(v).unwrap_or(f64::NAN)).collect())
}

/// Streaming [`dema`].
#[derive(Debug, Clone)]
pub struct Dema {
    period: usize,
    e1: Ema,
    e2: Ema,
}

impl Dema {
    /// A DEMA over `period >= 1`.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        Ok(Dema {
            period,
            e1: Ema::new(period)?,
            e2: Ema::new(period)?,
        })
    }

    /// Number of leading `None`s (`2(period − 1)`).
    pub fn lookback(&self) -> usize {
        2 * (self.period - 1)
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<f64> {
        let a = self.e1.update(x)?;
        let b = self.e2.update(a)?;
        // ta_DEMA.c: (2·EMA1) − EMA2
        Some(2.0 * a - b)
    }
}

/// Streaming [`tema`].
#[derive(Debug, Clone)]
pub struct Tema {
    period: usize,
    e1: Ema,
    e2: Ema,
    e3: Ema,
}

impl Tema {
    /// A TEMA over `period >= 1`.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        Ok(Tema {
            period,
            e1: Ema::new(period)?,
            e2: Ema::new(period)?,
            e3: Ema::new(period)?,
        })
    }

    /// Number of leading `None`s (`3(period − 1)`).
    pub fn lookback(&self) -> usize {
        3 * (self.period - 1)
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<f64> {
        let a = self.e1.update(x)?;
        let b = self.e2.update(a)?;
        let c = self.e3.update(b)?;
        // ta_TEMA.c: (3·EMA1) − (3·EMA2) + EMA3
        Some(3.0 * a - 3.0 * b + c)
    }
}
