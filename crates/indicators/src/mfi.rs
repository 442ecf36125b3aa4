//! Money flow index (TA-Lib `MFI`).
//!
//! Quong & Soudack, *TASC* (1989): raw money flow `TP · V` with `TP = (H+L+C)/3`, counted
//! positive when TP rose and negative when it fell (neither when unchanged);
//! `MFI = 100 · ΣMF⁺ / (ΣMF⁺ + ΣMF⁻)` over `p` bars, and 0 when that sum is below 1
//! (ta_MFI.c). Running sums as in TA-Lib. Lookback `p`, TA-Lib default `p = 14`.
//! Bounded in [0, 100].

use crate::error::{Result, check_lengths, check_period};

/// Money flow index (TA-Lib `MFI`, default period 14); NaN at `i < period`.
///
/// # Errors
/// `InvalidPeriod` if `period == 0`; `LengthMismatch` if the inputs differ in length.
pub fn mfi(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    period: usize,
) -> Result<Vec<f64>> {
    check_lengths(
        "MFI",
        "high",
        high.len(),
        &[
            ("low", low.len()),
            ("close", close.len()),
            ("volume", volume.len()),
        ],
    )?;
    let mut s = Mfi::new(period)?;
    Ok((0..high.len())
        .map(|i| {
            s.update(high[i], low[i], close[i], volume[i])
                .unwrap_or(f64::NAN)
        })
        .collect())
}

/// Streaming [`mfi`].
#[derive(Debug, Clone)]
pub struct Mfi {
    period: usize,
    /// (positive, negative) flow per slot.
    buf: Vec<(f64, f64)>,
    slot: usize,
    count: usize,
    prev_tp: f64,
    pos: f64,
    neg: f64,
}

impl Mfi {
    /// MFI over `period >= 1` bars.
    ///
    /// # Errors
    /// `InvalidPeriod` if `period == 0`.
    pub fn new(period: usize) -> Result<Self> {
        check_period("MFI", "period", period, 1)?;
        Ok(Mfi {
            period,
            buf: vec![(0.0, 0.0); period],
            slot: 0,
            count: 0,
            prev_tp: f64::NAN,
            pos: 0.0,
            neg: 0.0,
        })
    }

    /// Number of leading `None`s (`period`).
    pub fn lookback(&self) -> usize {
        self.period
    }

    /// Feeds one bar; `None` during the warm-up.
    pub fn update(&mut self, high: f64, low: f64, close: f64, volume: f64) -> Option<f64> {
        let tp = (high + low + close) / 3.0;
        self.count = self.count.saturating_add(1);
        if self.count == 1 {
            self.prev_tp = tp;
            return None;
        }
        let warm = self.count > self.period + 1;
        if warm {
            let (p, n) = self.buf[self.slot];
            self.pos -= p;
            self.neg -= n;
        }
        let d = tp - self.prev_tp;
        self.prev_tp = tp;
        let mf = tp * volume;
        let entry = if d < 0.0 {
            self.neg += mf;
            (0.0, mf)
        } else if d > 0.0 {
            self.pos += mf;
            (mf, 0.0)
        } else {
            (0.0, 0.0)
        };
        self.buf[self.slot] = entry;
        self.slot += 1;
        if self.slot == self.period {
            self.slot = 0;
        }
        if self.count <= self.period {
            return None;
        }
        let total = self.pos + self.neg;
        Some(if total < 1.0 {
            0.0
        } else {
            100.0 * (self.pos / total)
        })
    }
}
