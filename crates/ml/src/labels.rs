//! Labels: triple-barrier outcomes, forward returns and backtest trade outcomes, each
//! with the span `[t0, t1]` over which it is decided (what purged splits need).
//!
//! ## Triple barrier (López de Prado, *Advances in Financial Machine Learning*, 2018, ch. 3)
//!
//! For an event at bar `i` entered at the close `P = C_i` on side `s` (+1 long, −1 short),
//! with width `w_i` (a fixed fraction, or the trailing standard deviation of log returns
//! known at `i`):
//!
//! - the **profit-taking** barrier sits at `P·(1 + s·u·w_i)` and the **stop-loss**
//!   barrier at `P·(1 − s·d·w_i)` (`u`, `d` the multipliers; 0 disables a barrier);
//! - the **vertical** barrier is bar `i + h`.
//!
//! Bars `i+1 ..= i+h` are scanned in order; the first barrier touched decides. With
//! [`Touch::HighLow`] a barrier is touched when the bar's high/low reaches it and the
//! exit price is the barrier, or the open when the bar opened beyond it (a gap); when
//! one bar reaches both, the stop is assumed first (the conservative reading of a bar
//! whose path is unknown). With [`Touch::Close`] only closes are compared (AFML's code)
//! and the exit price is the close. At the vertical barrier the exit is its close.
//!
//! The label is `+1` (profit barrier), `−1` (stop) or, at the vertical barrier,
//! the sign of the return (`0` when flat), as AFML's `getBins`; [`BarrierLabel::win`]
//! maps it to 1/0 for classification (meta-labelling: was acting on the event right?).
//! An event whose vertical barrier lies beyond the data and which touched nothing yet is
//! dropped: its outcome is unknown.
//!
//! A price the labeller reads that is not a finite number (the entry close must also be
//! positive) is an error naming the bar and the column, never a label: NaN compares
//! false with every barrier, so it would otherwise pass as "untouched" and end as a
//! flat 0 label with a NaN return.

use thetalab_backtest::Trade;
use thetalab_core::Timestamp;
use thetalab_strategy::Direction;

use crate::error::{MlError, Result};

/// How barrier widths are set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BarrierWidth {
    /// The same fraction of the entry price for every event (0.02 = 2%).
    Fixed(f64),
    /// The sample standard deviation of the last `window` log returns up to the event
    /// bar (AFML sizes barriers by a daily-vol estimate).
    RollingVol {
        /// Returns in the window (≥ 2).
        window: usize,
    },
}

/// Which prices can touch a barrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Touch {
    /// Highs and lows (intrabar touches; stop first when both in one bar).
    #[default]
    HighLow,
    /// Closes only.
    Close,
}

/// Triple-barrier parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TripleBarrier {
    /// Profit-taking multiple of the width (0 = no upper barrier).
    pub profit_mult: f64,
    /// Stop-loss multiple of the width (0 = no lower barrier).
    pub stop_mult: f64,
    /// Vertical barrier, bars after the event (≥ 1).
    pub horizon: usize,
    /// Barrier width.
    pub width: BarrierWidth,
    /// Touch rule.
    pub touch: Touch,
}

impl Default for TripleBarrier {
    /// 2× / 2× a 20-bar vol, 10 bars, highs and lows.
    fn default() -> Self {
        TripleBarrier {
            profit_mult: 2.0,
            stop_mult: 2.0,
            horizon: 10,
            width: BarrierWidth::RollingVol { window: 20 },
            touch: Touch::HighLow,
        }
    }
}

/// Which barrier decided an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Barrier {
    /// Profit-taking.
    Profit,
    /// Stop-loss.
    Stop,
    /// The vertical (time) barrier.
    Vertical,
}

/// The outcome of one event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarrierLabel {
    /// Position of the event in the `events` slice it was given in (events can be left
    /// out, and two events can share a bar with opposite sides).
    pub event: usize,
    /// Event bar.
    pub index: usize,
    /// Event time (`t0`).
    pub t0: Timestamp,
    /// Bar at which the outcome was decided.
    pub exit_index: usize,
    /// Its time (`t1`).
    pub t1: Timestamp,
    /// The barrier touched first.
    pub barrier: Barrier,
    /// Side-adjusted simple return from the entry to the exit price.
    pub ret: f64,
    /// +1, −1 or 0 (see the module docs).
    pub label: i8,
    /// The width used (fraction of the entry price).
    pub width: f64,
}

impl BarrierLabel {
    /// 1.0 when the label is +1, else 0.0 (for binary classifiers).
    #[must_use]
    pub fn win(&self) -> f64 {
        if self.label > 0 { 1.0 } else { 0.0 }
    }
}

/// OHLC columns and their timestamps, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Prices<'a> {
    /// Bar timestamps.
    pub ts: &'a [Timestamp],
    /// Opens.
    pub open: &'a [f64],
    /// Highs.
    pub high: &'a [f64],
    /// Lows.
    pub low: &'a [f64],
    /// Closes.
    pub close: &'a [f64],
}

/// `values[bar]` of the price column `column`, or an error naming both unless it is
/// finite (and positive when `positive`). `bar` is in range (checked by the callers).
fn price(values: &[f64], column: &'static str, bar: usize, positive: bool) -> Result<f64> {
    let v = values[bar];
    if v.is_finite() && (!positive || v > 0.0) {
        Ok(v)
    } else {
        Err(MlError::Invalid {
            field: "prices",
            reason: format!(
                "{column} at bar {bar} is {v}: a label needs a finite{} price there",
                if positive { ", positive" } else { "" }
            ),
        })
    }
}

impl Prices<'_> {
    fn check(&self) -> Result<usize> {
        let n = self.close.len();
        for (name, len) in [
            ("ts", self.ts.len()),
            ("open", self.open.len()),
            ("high", self.high.len()),
            ("low", self.low.len()),
        ] {
            if len != n {
                return Err(MlError::Invalid {
                    field: "prices",
                    reason: format!("{name} has {len} values, close has {n}"),
                });
            }
        }
        Ok(n)
    }
}

/// Triple-barrier labels of the events at bars `events` with sides `sides` (+1/−1;
/// `None` = all long). Events out of range or with an invalid width are errors; events
/// whose outcome is not yet decided at the end of the data are left out.
pub fn triple_barrier(
    prices: &Prices<'_>,
    events: &[usize],
    sides: Option<&[i8]>,
    cfg: &TripleBarrier,
) -> Result<Vec<BarrierLabel>> {
    let n = prices.check()?;
    if cfg.horizon == 0 {
        return Err(MlError::Invalid {
            field: "horizon",
            reason: "must be ≥ 1 bar".into(),
        });
    }
    if !(cfg.profit_mult >= 0.0 && cfg.stop_mult >= 0.0) {
        return Err(MlError::Invalid {
            field: "barrier multiples",
            reason: "must be ≥ 0".into(),
        });
    }
    if let Some(s) = sides
        && s.len() != events.len()
    {
        return Err(MlError::Invalid {
            field: "sides",
            reason: format!("{} sides for {} events", s.len(), events.len()),
        });
    }
    let vol = match cfg.width {
        BarrierWidth::Fixed(f) => {
            if !(f.is_finite() && f > 0.0) {
                return Err(MlError::Invalid {
                    field: "width",
                    reason: format!("fixed width {f} must be > 0"),
                });
            }
            None
        }
        BarrierWidth::RollingVol { window } => {
            if window < 2 {
                return Err(MlError::Invalid {
                    field: "width",
                    reason: "rolling-vol window must be ≥ 2".into(),
                });
            }
            Some(rolling_sample_std_of_log_returns(prices.close, window))
        }
    };
    let mut out = Vec::with_capacity(events.len());
    for (k, &i) in events.iter().enumerate() {
        if i >= n {
            return Err(MlError::Invalid {
                field: "events",
                reason: format!("event bar {i} out of range ({n} bars)"),
            });
        }
        let side = f64::from(sides.map_or(1, |s| s[k]).signum());
        if side == 0.0 {
            return Err(MlError::Invalid {
                field: "sides",
                reason: format!("side of event {k} is 0"),
            });
        }
        price(prices.close, "close", i, true)?;
        let width = match (&vol, cfg.width) {
            (Some(v), _) => v[i],
            (None, BarrierWidth::Fixed(f)) => f,
            (None, BarrierWidth::RollingVol { .. }) => f64::NAN,
        };
        if let (BarrierWidth::RollingVol { window }, false) = (cfg.width, width.is_finite())
            && i >= window
        {
            // Past the warm-up, only a bad close in the window makes the vol undefined.
            for j in i - window..=i {
                price(prices.close, "close", j, true)?;
            }
        }
        if !(width.is_finite() && width > 0.0) {
            continue; // not enough history to size the barriers
        }
        if let Some(mut l) = first_touch(prices, i, side, width, cfg)? {
            l.event = k;
            out.push(l);
        }
    }
    Ok(out)
}

fn first_touch(
    p: &Prices<'_>,
    i: usize,
    side: f64,
    width: f64,
    cfg: &TripleBarrier,
) -> Result<Option<BarrierLabel>> {
    let n = p.close.len();
    let entry = p.close[i];
    let up = (cfg.profit_mult > 0.0).then_some(entry * (1.0 + side * cfg.profit_mult * width));
    let dn = (cfg.stop_mult > 0.0).then_some(entry * (1.0 - side * cfg.stop_mult * width));
    let ret = |exit: f64| side * (exit / entry - 1.0);
    let label = |index: usize, j: usize, barrier: Barrier, exit: f64| {
        let r = ret(exit);
        let lab = match barrier {
            Barrier::Profit => 1,
            Barrier::Stop => -1,
            Barrier::Vertical => {
                if r > 0.0 {
                    1
                } else if r < 0.0 {
                    -1
                } else {
                    0
                }
            }
        };
        BarrierLabel {
            event: 0,
            index,
            t0: p.ts[index],
            exit_index: j,
            t1: p.ts[j],
            barrier,
            ret: r,
            label: lab,
            width,
        }
    };
    let last = i + cfg.horizon;
    for j in (i + 1)..=last.min(n - 1) {
        // Every price of the bar that can decide the label must be a number.
        price(p.close, "close", j, false)?;
        if cfg.touch == Touch::HighLow {
            price(p.open, "open", j, false)?;
            price(p.high, "high", j, false)?;
            price(p.low, "low", j, false)?;
        }
        // Favourable / adverse extremes of the bar for this side.
        let (fav, adv) = match cfg.touch {
            Touch::Close => (p.close[j], p.close[j]),
            Touch::HighLow => {
                if side > 0.0 {
                    (p.high[j], p.low[j])
                } else {
                    (p.low[j], p.high[j])
                }
            }
        };
        let beyond = |level: f64, x: f64, favourable: bool| {
            // Is x at or past `level` in the favourable (profit) or adverse (stop) direction?
            if (side > 0.0) == favourable {
                x >= level
            } else {
                x <= level
            }
        };
        let fill = |level: f64, favourable: bool| match cfg.touch {
            Touch::Close => p.close[j],
            Touch::HighLow => {
                if beyond(level, p.open[j], favourable) {
                    p.open[j]
                } else {
                    level
                }
            }
        };
        if let Some(d) = dn
            && beyond(d, adv, false)
        {
            return Ok(Some(label(i, j, Barrier::Stop, fill(d, false))));
        }
        if let Some(u) = up
            && beyond(u, fav, true)
        {
            return Ok(Some(label(i, j, Barrier::Profit, fill(u, true))));
        }
    }
    if last < n {
        return Ok(Some(label(i, last, Barrier::Vertical, p.close[last])));
    }
    Ok(None)
}

/// Sample standard deviation (n − 1) of the last `window` log returns ending at each bar;
/// NaN until `window` returns exist. This is the close-to-close historical volatility of
/// `thetalab_indicators` with one period per year (no annualisation), so the barrier
/// widths and the `rv_cc_*` features share one formula.
pub fn rolling_sample_std_of_log_returns(close: &[f64], window: usize) -> Vec<f64> {
    if window < 2 {
        return vec![f64::NAN; close.len()];
    }
    // hv_close_to_close fails only for a period below 2 or a non-positive periods per
    // year, both excluded here; the fallback is unreachable.
    thetalab_indicators::hv_close_to_close(close, window, 1.0)
        .unwrap_or_else(|_| vec![f64::NAN; close.len()])
}

/// Forward log returns `ln(C_{t+h} / C_t)` with their spans `[ts_t, ts_{t+h}]`; NaN (and
/// `t1 = ts_t`) for the last `h` bars, whose outcome is unknown. A close that is not a
/// finite positive number is an error naming its bar, so a NaN here always means "not
/// known yet".
pub fn forward_returns(
    ts: &[Timestamp],
    close: &[f64],
    h: usize,
) -> Result<(Vec<f64>, Vec<Timestamp>)> {
    if ts.len() != close.len() {
        return Err(MlError::Invalid {
            field: "close",
            reason: format!("{} closes for {} timestamps", close.len(), ts.len()),
        });
    }
    if h == 0 {
        return Err(MlError::Invalid {
            field: "horizon",
            reason: "must be ≥ 1 bar".into(),
        });
    }
    let n = close.len();
    if let Some(i) = close.iter().position(|c| !(c.is_finite() && *c > 0.0)) {
        return Err(MlError::Invalid {
            field: "close",
            reason: format!(
                "close at bar {i} is {}: forward returns need finite positive closes",
                close[i]
            ),
        });
    }
    let mut ret = vec![f64::NAN; n];
    let mut t1 = ts.to_vec();
    for i in 0..n.saturating_sub(h) {
        ret[i] = (close[i + h] / close[i]).ln();
        t1[i] = ts[i + h];
    }
    Ok((ret, t1))
}

/// The outcome of one closed backtest trade.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TradeOutcome {
    /// Entry bar.
    pub entry_index: usize,
    /// Entry time (`t0`).
    pub t0: Timestamp,
    /// Exit bar.
    pub exit_index: usize,
    /// Exit time (`t1`).
    pub t1: Timestamp,
    /// 1.0 when the trade's net P&L was positive, else 0.0.
    pub win: f64,
    /// The trade's net return (`Trade::return_pct`, after fees).
    pub ret: f64,
    /// Maximum favourable excursion: the best side-adjusted return from the entry price
    /// to a high (long) or low (short) of the bars after the entry up to the exit.
    pub mfe: f64,
    /// Maximum adverse excursion (≤ 0), likewise to the worst low (long) or high (short).
    pub mae: f64,
    /// Bar where the MFE was reached: the best exit in hindsight.
    pub best_exit_index: usize,
}

/// Outcomes of the closed trades of a backtest trade log (open trades are skipped: their
/// outcome is unknown). Excursions use the bars strictly after the entry bar up to and
/// including the exit bar, since the entry fill's own bar may have traded on both sides
/// of the fill before it.
pub fn trade_outcomes(trades: &[Trade], prices: &Prices<'_>) -> Result<Vec<TradeOutcome>> {
    let n = prices.check()?;
    let mut out = Vec::with_capacity(trades.len());
    for (k, t) in trades.iter().enumerate() {
        let (Some(exit), Some(t1)) = (t.exit_index, t.exit_ts) else {
            continue;
        };
        if t.entry_index >= n || exit >= n || exit < t.entry_index {
            return Err(MlError::Invalid {
                field: "trades",
                reason: format!(
                    "trade {k}: bars {}..{exit} outside the {n} price bars",
                    t.entry_index
                ),
            });
        }
        if !(t.entry_price.is_finite() && t.entry_price > 0.0) {
            return Err(MlError::Invalid {
                field: "trades",
                reason: format!("trade {k}: entry price {} is not positive", t.entry_price),
            });
        }
        let long = matches!(t.direction, Direction::Long);
        let (mut mfe, mut mae, mut best) = (0.0_f64, 0.0_f64, t.entry_index);
        for j in (t.entry_index + 1)..=exit {
            // A NaN high or low would compare false and silently shrink the excursions.
            price(prices.high, "high", j, false)?;
            price(prices.low, "low", j, false)?;
            let (fav, adv) = if long {
                (
                    prices.high[j] / t.entry_price - 1.0,
                    prices.low[j] / t.entry_price - 1.0,
                )
            } else {
                (
                    1.0 - prices.low[j] / t.entry_price,
                    1.0 - prices.high[j] / t.entry_price,
                )
            };
            if fav > mfe {
                mfe = fav;
                best = j;
            }
            mae = mae.min(adv);
        }
        out.push(TradeOutcome {
            entry_index: t.entry_index,
            t0: t.entry_ts,
            exit_index: exit,
            t1,
            win: if t.pnl > 0.0 { 1.0 } else { 0.0 },
            ret: t.return_pct,
            mfe,
            mae,
            best_exit_index: best,
        });
    }
    Ok(out)
}
