//! # thetalab-backtest
//!
//! The vectorized backtester of thetalab:
//!
//! * [`run`] — one asset on its [`Signals`](thetalab_strategy::Signals)
//!   (vectorbt `Portfolio.from_signals` semantics), with fills at the close or the next
//!   open ([`Fill`]), fees in bps, per share and per order, slippage, whole or
//!   fractional shares, long/short, and exit rules (stop loss, take profit, ATR
//!   trailing, time stop, flat at session end) checked on the bar's high and low;
//! * [`run_portfolio`] — several assets sharing one cash account, driven by signals or
//!   by target weights ([`Allocation`]);
//! * [`run_gated`], [`run_portfolio_gated`] — the same runs with every order through the
//!   risk crate's pre-trade check ([`gate::RiskGate`]): entries resized or rejected by
//!   the limits, decisions in [`BacktestResult::decisions`];
//! * [`sweep`] — grids and seeded random searches over strategy parameters with rayon,
//!   and a fused moving-average-crossover grid that streams its metrics;
//! * [`metrics`] — performance metrics with empyrical's conventions.
//! * [`options`] — the options replay engine: option strategies over time-ordered chain
//!   snapshots (store, synthetic market, memory) with multi-leg fills at bid/ask or
//!   mid ± a fraction of the spread, commissions and fees, buying power (max loss or
//!   Reg-T), the risk policy, cash settlement (SPXW PM, SPX AM) and physical
//!   assignment, and a per-trade Greeks attribution of the P&L.
//!
//! Every convention (signal resolution, order of events within a bar, cost and size
//! arithmetic, trade bookkeeping) is documented in [`engine`], [`config`] and
//! [`trade`]. With close fills, fractional shares, proportional fees and all-cash
//! sizing the trades and final value equal vectorbt's `Portfolio.from_signals` to
//! 1e-9 relative (`tests/it/engine.rs`, golden files generated with vectorbt).
//!
//! ```
//! use thetalab_backtest::{BacktestConfig, run};
//! use thetalab_core::Timestamp;
//! use thetalab_strategy::{BarColumns, BarInput, BarStrategy, SmaCross};
//!
//! let closes = [10.0, 9.0, 8.0, 9.0, 11.0, 12.0, 11.0, 9.0, 8.0];
//! let bars = BarColumns::from_bars(closes.iter().enumerate().map(|(i, &c)| BarInput {
//!     ts: Timestamp::from_nanos(i as i64 * 86_400_000_000_000),
//!     open: c, high: c, low: c, close: c, volume: 1.0,
//! }));
//! let view = bars.view()?;
//! let signals = SmaCross::new(2, 3)?.signals(&view)?;
//! let cfg = BacktestConfig { init_cash: 1_000.0, fees_bps: 10.0, ..Default::default() };
//! let res = run(&view, &signals, &cfg)?;
//! // Bought at 11 on bar 4, sold at 9 on bar 7.
//! assert_eq!(res.closed_trades(), 1);
//! let pnl: f64 = res.trades.iter().map(|t| t.pnl).sum();
//! assert!((pnl - (res.final_value - 1_000.0)).abs() < 1e-9);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod config;
pub mod engine;
mod error;
pub mod gate;
pub mod metrics;
pub mod options;
mod orders;
pub mod runner;
pub mod sweep;
pub mod trade;

pub use config::{BacktestConfig, DirectionMode, Fill, SizeRule};
pub use engine::{Allocation, BacktestResult, run, run_gated, run_portfolio, run_portfolio_gated};
pub use error::{BacktestError, Result};
pub use trade::{ExitKind, Trade};
