//! Moving average convergence/divergence (TA-Lib `MACD`).
//!
//! Appel (1979): `MACD = EMA_fast − EMA_slow`, `signal = EMA_signal(MACD)`,
//! `hist = MACD − signal`. TA-Lib's seeding (ta_MACD.c, `TA_INT_MACD`): both EMAs
//! start at the slow EMA's first output, so the **fast EMA is seeded with the SMA of
//! the `fast` values ending at index `slow − 1`** (not at `fast − 1`); the signal EMA
//! is seeded with the SMA of the first `signal` MACD values; nothing is output before
//! `lookback = (slow − 1) + (signal − 1)`. If `slow < fast` the two are swapped, as
//! TA-Lib does. TA-Lib defaults `12, 26, 9`.

use crate::ema::Ema;
use crate::error::{Result, check_period};

/// MACD line, signal line and histogram, each the input's length (NaN in the warm-up).
#[derive(Debug, Clone, PartialEq)]
pub struct MacdOutput {
    /// `EMA_fast − EMA_slow`.
    pub macd: Vec<f64>,
    /// EMA of the MACD line.
    pub signal: Vec<f64>,
    /// `macd − signal`.
    pub hist: Vec<f64>,
}

/// One bar of [`Macd`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MacdValue {
    /// `EMA_fast − EMA_slow`.
    pub macd: f64,
    /// EMA of the MACD line.
    pub signal: f64,
    /// `macd − signal`.
    pub hist: f64,
}

/// MACD with TA-Lib's seeding (default `fast = 12, slow = 26, signal = 9`).
///
/// NaN at `i < (max(fast, slow) − 1) + (signal − 1)`.
///
/// # Errors
/// `InvalidPeriod` if a period is 0.
pub fn macd(x: &[f64], fast: usize, slow: usize, signal: usize) -> Result<MacdOutput> {
    let mut s = Macd::new(fast, slow, signal)?;
    let n = x.len();
    let mut out = MacdOutput {
        macd: vec![f64::NAN; n],
        signal: vec![f64::NAN; n],
        hist: vec![f64::NAN; n],
    };
    for (i, &v) in x.iter().enumerate() {
        if let Some(m) = s.update(v) {
            out.macd[i] = m.macd;
            out.signal[i] = m.signal;
            out.hist[i] = m.hist;
        }
    }
    Ok(out)
}

/// Streaming [`macd`].
#[derive(Debug, Clone)]
pub struct Macd {
    lookback: usize,
    fast: Ema,
    slow: Ema,
    signal: Ema,
}

impl Macd {
    /// MACD with the given periods (each `>= 1`).
    ///
    /// # Errors
    /// `InvalidPeriod` if a period is 0.
    pub fn new(fast: usize, slow: usize, signal: usize) -> Result<Self> {
        check_period("MACD", "fast", fast, 1)?;
        check_period("MACD", "slow", slow, 1)?;
        check_period("MACD", "signal", signal, 1)?;
        let (fast, slow) = if slow < fast {
            (slow, fast)
        } else {
            (fast, slow)
        };
        Ok(Macd {
            lookback: (slow - 1) + (signal - 1),
            fast: Ema::with_delay(fast, slow - fast)?,
            slow: Ema::new(slow)?,
            signal: Ema::new(signal)?,
        })
    }

    /// Number of leading `None`s.
    pub fn lookback(&self) -> usize {
        self.lookback
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<MacdValue> {
        let f = self.fast.update(x);
        let s = self.slow.update(x);
        let (f, s) = (f?, s?);
        let m = f - s;
        let sig = self.signal.update(m)?;
        Some(MacdValue {
            macd: m,
            signal: sig,
            hist: m - sig,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ema::ema;

    #[test]
    fn fast_ema_is_seeded_at_the_slow_ema_start() {
        let x: Vec<f64> = (0..40)
            .map(|i| 100.0 + (f64::from(i) * 0.7).sin() * 5.0)
            .collect();
        let m = macd(&x, 3, 6, 2).unwrap_or_else(|_| MacdOutput {
            macd: vec![],
            signal: vec![],
            hist: vec![],
        });
        // TA-Lib's fast EMA: SMA of x[3..=5] at index 5, then the usual recursion.
        let fast = ema(&x[3..], 3).unwrap_or_default();
        let slow = ema(&x, 6).unwrap_or_default();
        assert!(m.macd[5].is_nan(), "lookback is (6−1)+(2−1) = 6");
        for i in 6..x.len() {
            assert_eq!(m.macd[i], fast[i - 3] - slow[i]);
        }
        // Swapped periods give the same result, as in TA-Lib (compared bitwise: NaN != NaN).
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let w = macd(&x, 6, 3, 2).unwrap_or_else(|_| MacdOutput {
            macd: vec![],
            signal: vec![],
            hist: vec![],
        });
        assert_eq!(bits(&w.macd), bits(&m.macd));
        assert_eq!(bits(&w.hist), bits(&m.hist));
    }
}
