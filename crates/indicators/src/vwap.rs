//! Session-anchored volume-weighted average price (not in TA-Lib).
//!
//! `VWAP_t = Σ TP_i·V_i / Σ V_i` over the bars of the current session so far, with
//! `TP = (H + L + C)/3` (the usual chart definition, e.g. StockCharts' "VWAP"). The
//! caller marks each bar that opens a session with `new_session = true`; the first bar
//! always opens one. [`session_starts`] derives the flags from timestamps by New York
//! calendar date. While the session's cumulative volume is 0 the VWAP is undefined:
//! NaN in batch, `None` when streaming. Lookback 0.

use thetalab_core::Timestamp;

use crate::error::{Result, check_lengths};

/// Session flags from bar timestamps: `true` where the New York calendar date differs
/// from the previous bar's (and at index 0).
pub fn session_starts(timestamps: &[Timestamp]) -> Vec<bool> {
    let mut prev = None;
    timestamps
        .iter()
        .map(|t| {
            let d = t.ny_date();
            let start = prev != Some(d);
            prev = Some(d);
            start
        })
        .collect()
}

/// Session-anchored VWAP; NaN while the session has no volume.
///
/// # Errors
/// `LengthMismatch` if the inputs differ in length.
pub fn vwap(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    new_session: &[bool],
) -> Result<Vec<f64>> {
    check_lengths(
        "VWAP",
        "high",
        high.len(),
        &[
            ("low", low.len()),
            ("close", close.len()),
            ("volume", volume.len()),
            ("new_session", new_session.len()),
        ],
    )?;
    let mut s = Vwap::new();
    Ok((0..high.len())
        .map(|i| {
            s.update(high[i], low[i], close[i], volume[i], new_session[i])
                .unwrap_or(f64::NAN)
        })
        .collect())
}

/// Streaming [`vwap`].
#[derive(Debug, Clone, Default)]
pub struct Vwap {
    started: bool,
    pv: f64,
    v: f64,
}

impl Vwap {
    /// A new VWAP stream.
    pub fn new() -> Self {
        Vwap {
            started: false,
            pv: 0.0,
            v: 0.0,
        }
    }

    /// Feeds one bar; `new_session` resets the sums before the bar is added.
    /// `None` while the session's cumulative volume is 0.
    pub fn update(
        &mut self,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
        new_session: bool,
    ) -> Option<f64> {
        if new_session || !self.started {
            self.started = true;
            self.pv = 0.0;
            self.v = 0.0;
        }
        let tp = (high + low + close) / 3.0;
        self.pv += tp * volume;
        self.v += volume;
        (self.v != 0.0).then(|| self.pv / self.v)
    }
}
