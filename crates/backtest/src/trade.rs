//! Trades: the round trips the engine reports, built from its orders the way vectorbt
//! builds `Portfolio.trades` (its "exit trades", `get_exit_trades_nb`).
//!
//! * Every order that reduces a position closes a trade record for the reduced size;
//!   the entry price is the size-weighted average of the entry fills, and the entry
//!   fees are pro-rated by size.
//! * An order that reverses the position closes the old trade and opens a new one;
//!   its fees are split by size (vectorbt).
//! * A trade still open after the last bar is reported with `exit_index = None`,
//!   marked to market at the last close with no exit fee.
//! * `pnl = ±size·(exit_price − entry_price) − entry_fees − exit_fees` and
//!   `return_pct = pnl / (size·entry_price)` (a fraction), as vectorbt's
//!   `get_trade_stats_nb`. The trades' P&L sums exactly (to rounding) to
//!   `final_value − init_cash`, since every fee belongs to some trade.

use serde::Serialize;
use thetalab_core::Timestamp;
use thetalab_strategy::exits::{Direction, ExitReason};

use crate::orders::is_close;

/// Why a trade was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ExitKind {
    /// An exit signal.
    Signal,
    /// An opposite entry signal (the position was reversed).
    Reversal,
    /// The fixed stop loss.
    StopLoss,
    /// The take-profit target.
    TakeProfit,
    /// The ATR trailing stop.
    TrailingStop,
    /// The time stop.
    TimeStop,
    /// Flat at session end.
    SessionEnd,
    /// A target-weight rebalance reduced or closed the position.
    Rebalance,
}

impl From<ExitReason> for ExitKind {
    fn from(r: ExitReason) -> Self {
        match r {
            ExitReason::StopLoss => ExitKind::StopLoss,
            ExitReason::TakeProfit => ExitKind::TakeProfit,
            ExitReason::TrailingStop => ExitKind::TrailingStop,
            ExitReason::TimeStop => ExitKind::TimeStop,
            ExitReason::SessionEnd => ExitKind::SessionEnd,
        }
    }
}

impl ExitKind {
    /// A short lowercase label (`signal`, `stop_loss`, …) for tables.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ExitKind::Signal => "signal",
            ExitKind::Reversal => "reversal",
            ExitKind::StopLoss => "stop_loss",
            ExitKind::TakeProfit => "take_profit",
            ExitKind::TrailingStop => "trailing_stop",
            ExitKind::TimeStop => "time_stop",
            ExitKind::SessionEnd => "session_end",
            ExitKind::Rebalance => "rebalance",
        }
    }
}

/// One round trip (or the part of one that an order closed).
#[derive(Debug, Clone, PartialEq)]
pub struct Trade {
    /// The asset's symbol (empty for a single-asset [`crate::run`] unless set with
    /// [`crate::BacktestResult::with_symbol`]).
    pub symbol: String,
    /// Long or short.
    pub direction: Direction,
    /// Bar of the (first) entry fill.
    pub entry_index: usize,
    /// Its time.
    pub entry_ts: Timestamp,
    /// Size-weighted average entry fill price (slippage included).
    pub entry_price: f64,
    /// Bar of the exit fill; `None` while the trade is open.
    pub exit_index: Option<usize>,
    /// Its time; `None` while open.
    pub exit_ts: Option<Timestamp>,
    /// Exit fill price (slippage included); for an open trade, the last close it is
    /// marked at.
    pub exit_price: f64,
    /// Shares (> 0).
    pub size: f64,
    /// Entry fees attributed to this trade.
    pub entry_fees: f64,
    /// Exit fees (0 while open).
    pub exit_fees: f64,
    /// `entry_fees + exit_fees`.
    pub fees: f64,
    /// Net P&L after all fees (marked to market while open).
    pub pnl: f64,
    /// `pnl / (size·entry_price)`, a fraction (vectorbt's trade `return`).
    pub return_pct: f64,
    /// Why it closed; `None` while open.
    pub exit_reason: Option<ExitKind>,
}

impl Trade {
    /// True while the trade is open at the end of the run.
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.exit_index.is_none()
    }
}

/// vectorbt `get_trade_stats_nb`: P&L and return of a (partial) round trip.
pub(crate) fn trade_stats(
    long: bool,
    size: f64,
    entry: f64,
    entry_fees: f64,
    exit: f64,
    exit_fees: f64,
) -> (f64, f64) {
    let entry_val = size * entry;
    let exit_val = size * exit;
    let mut diff = if is_close(exit_val, entry_val) {
        0.0
    } else {
        exit_val - entry_val
    };
    if !long {
        diff = -diff;
    }
    let pnl = diff - entry_fees - exit_fees;
    (pnl, pnl / entry_val)
}

#[derive(Debug, Clone)]
struct OpenLot {
    dir: Direction,
    entry_index: usize,
    entry_ts: Timestamp,
    size_sum: f64,
    gross_sum: f64,
    fees_sum: f64,
}

/// The running trade book of one asset.
#[derive(Debug, Clone, Default)]
pub(crate) struct Book {
    open: Option<OpenLot>,
}

/// One fill as the book sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BookFill {
    pub buy: bool,
    pub size: f64,
    pub price: f64,
    pub fees: f64,
    pub index: usize,
    pub ts: Timestamp,
    pub reason: ExitKind,
}

impl Book {
    #[allow(clippy::too_many_arguments)]
    fn close_part(
        lot: &OpenLot,
        symbol: &str,
        size: f64,
        f: &BookFill,
        exit_fees: f64,
        out: &mut Vec<Trade>,
    ) {
        let entry_price = lot.gross_sum / lot.size_sum;
        let entry_fees = size / lot.size_sum * lot.fees_sum;
        let (pnl, ret) = trade_stats(
            lot.dir == Direction::Long,
            size,
            entry_price,
            entry_fees,
            f.price,
            exit_fees,
        );
        out.push(Trade {
            symbol: symbol.to_string(),
            direction: lot.dir,
            entry_index: lot.entry_index,
            entry_ts: lot.entry_ts,
            entry_price,
            exit_index: Some(f.index),
            exit_ts: Some(f.ts),
            exit_price: f.price,
            size,
            entry_fees,
            exit_fees,
            fees: entry_fees + exit_fees,
            pnl,
            return_pct: ret,
            exit_reason: Some(f.reason),
        });
    }

    /// Books one fill (vectorbt `get_exit_trades_nb` logic), appending closed trades.
    pub(crate) fn fill(&mut self, symbol: &str, f: BookFill, out: &mut Vec<Trade>) {
        let side = if f.buy {
            Direction::Long
        } else {
            Direction::Short
        };
        let Some(lot) = self.open.as_mut() else {
            self.open = Some(OpenLot {
                dir: side,
                entry_index: f.index,
                entry_ts: f.ts,
                size_sum: f.size,
                gross_sum: f.size * f.price,
                fees_sum: f.fees,
            });
            return;
        };
        if lot.dir == side {
            lot.size_sum += f.size;
            lot.gross_sum += f.size * f.price;
            lot.fees_sum += f.fees;
            return;
        }
        if f.size < lot.size_sum || is_close(f.size, lot.size_sum) {
            let all = is_close(f.size, lot.size_sum);
            let size = if all { lot.size_sum } else { f.size };
            Self::close_part(lot, symbol, size, &f, f.fees, out);
            if all {
                self.open = None;
            } else {
                let keep = (lot.size_sum - f.size) / lot.size_sum;
                lot.size_sum *= keep;
                lot.gross_sum *= keep;
                lot.fees_sum *= keep;
            }
        } else {
            // Reversal: close the whole lot with a size-proportional share of the fees.
            let cl = lot.size_sum;
            let cl_fees = cl / f.size * f.fees;
            Self::close_part(lot, symbol, cl, &f, cl_fees, out);
            let rest = f.size - cl;
            self.open = Some(OpenLot {
                dir: side,
                entry_index: f.index,
                entry_ts: f.ts,
                size_sum: rest,
                gross_sum: rest * f.price,
                fees_sum: f.fees - cl_fees,
            });
        }
    }

    /// Reports the open lot, if any, marked at `last_close` (vectorbt's open trade).
    pub(crate) fn finish(&self, symbol: &str, last_close: f64, out: &mut Vec<Trade>) {
        let Some(lot) = &self.open else { return };
        let entry_price = lot.gross_sum / lot.size_sum;
        let (pnl, ret) = trade_stats(
            lot.dir == Direction::Long,
            lot.size_sum,
            entry_price,
            lot.fees_sum,
            last_close,
            0.0,
        );
        out.push(Trade {
            symbol: symbol.to_string(),
            direction: lot.dir,
            entry_index: lot.entry_index,
            entry_ts: lot.entry_ts,
            entry_price,
            exit_index: None,
            exit_ts: None,
            exit_price: last_close,
            size: lot.size_sum,
            entry_fees: lot.fees_sum,
            exit_fees: 0.0,
            fees: lot.fees_sum,
            pnl,
            return_pct: ret,
            exit_reason: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(buy: bool, size: f64, price: f64, fees: f64, index: usize) -> BookFill {
        BookFill {
            buy,
            size,
            price,
            fees,
            index,
            ts: Timestamp::from_nanos(index as i64),
            reason: ExitKind::Signal,
        }
    }

    /// The example of vectorbt's `get_exit_trades_nb` docstring (column 0): orders
    /// at close 1..6 with 1 % fees and 1 % slippage.
    #[test]
    fn matches_vectorbt_docstring_example() {
        let mut b = Book::default();
        let mut out = Vec::new();
        let fill = |buy, size: f64, close: f64, i| {
            let p = if buy { close * 1.01 } else { close * 0.99 };
            f(buy, size, p, size * p * 0.01, i)
        };
        b.fill("", fill(true, 1.0, 1.0, 0), &mut out);
        b.fill("", fill(true, 0.1, 2.0, 1), &mut out);
        b.fill("", fill(false, 1.0, 3.0, 2), &mut out);
        b.fill("", fill(false, 0.1, 4.0, 3), &mut out);
        b.fill("", fill(true, 1.0, 5.0, 4), &mut out);
        b.fill("", fill(false, 2.0, 6.0, 5), &mut out);
        b.finish("", 6.0, &mut out);
        let want = [
            (1.0, 1.101818, 0.011018, 2.97, 0.02970, 1.827464, 1.658589),
            (0.1, 1.101818, 0.001102, 3.96, 0.00396, 0.280756, 2.548119),
            (1.0, 5.05, 0.0505, 5.94, 0.0594, 0.7801, 0.154475),
            (1.0, 5.94, 0.0594, 6.0, 0.0, -0.1194, -0.020101),
        ];
        assert_eq!(out.len(), 4);
        for (t, w) in out.iter().zip(want) {
            assert!((t.size - w.0).abs() < 1e-9);
            assert!((t.entry_price - w.1).abs() < 1e-6);
            assert!((t.entry_fees - w.2).abs() < 1e-6);
            assert!((t.exit_price - w.3).abs() < 1e-9);
            assert!((t.exit_fees - w.4).abs() < 1e-9);
            assert!((t.pnl - w.5).abs() < 1e-6, "{} vs {}", t.pnl, w.5);
            assert!((t.return_pct - w.6).abs() < 1e-6);
        }
        assert_eq!(out[3].direction, Direction::Short);
        assert!(out[3].is_open());
    }
}
