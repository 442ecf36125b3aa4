//! # thetalab-strategy
//!
//! Bar strategies in two forms that make the same decisions — vectorized
//! ([`BarStrategy`]: OHLCV columns in, [`Signals`] out, for the backtest engine and its
//! parameter sweeps) and streaming ([`StreamingStrategy`]: one [`BarInput`] in, one
//! [`Action`] out, for the paper trader) — plus exits ([`exits`]), cross-sectional
//! momentum ([`momentum`]) and the [`SignalFilter`] hook that ML models implement.
//!
//! | strategy | registry name | module |
//! |---|---|---|
//! | SMA / EMA crossover | `sma-cross`, `ema-cross` | [`cross`] |
//! | RSI + Bollinger mean reversion | `mean-reversion` | [`mean_reversion`] |
//! | N-bar high breakout with volume | `breakout` | [`breakout`] |
//! | buy and hold (the benchmark) | `buy-hold` | [`buy_hold`] |
//! | relative-strength ranking (multi-asset weights) | — | [`momentum`] |
//! | options: 0DTE iron condor, verticals, butterflies, straddles/strangles, calendars/diagonals, Flyagonal, covered call/protective put/collar, the wheel, a regime selector ([`options::OptionStrategy`]) | [`options::OPTION_STRATEGY_NAMES`] via [`options::by_name`] | [`options`] |
//!
//! Indicators come from `thetalab-indicators` (TA-Lib conventions, NaN during warm-up);
//! signals follow vectorbt's `from_signals` semantics (see [`Signals`]): decided with
//! data up to bar `i`'s close, never later.
//!
//! ```
//! use thetalab_core::Timestamp;
//! use thetalab_strategy::{Action, BarColumns, BarInput, BarStrategy, SmaCross};
//!
//! // A dip then a rally: the 2-bar SMA crosses above the 3-bar SMA at bar 4.
//! let closes = [10.0, 9.0, 8.0, 9.0, 11.0, 12.0];
//! let bars = BarColumns::from_bars(closes.iter().enumerate().map(|(i, &c)| BarInput {
//!     ts: Timestamp::from_nanos(i as i64),
//!     open: c, high: c, low: c, close: c, volume: 1.0,
//! }));
//! let strategy = SmaCross::new(2, 3)?;
//! let signals = strategy.signals(&bars.view()?)?;
//! assert_eq!(signals.entries, [false, false, false, false, true, false]);
//!
//! // The streaming form agrees bar by bar.
//! let mut live = strategy.streaming()?;
//! let actions: Vec<Action> = bars.view()?.iter().map(|b| live.on_bar(&b)).collect();
//! assert_eq!(actions[4], Action::EnterLong);
//! assert_eq!(thetalab_strategy::Signals::from_actions(&actions), signals);
//! # Ok::<(), thetalab_strategy::StrategyError>(())
//! ```

mod bars;
pub mod breakout;
pub mod buy_hold;
pub mod cross;
mod error;
pub mod exits;
mod filter;
pub mod mean_reversion;
pub mod momentum;
pub mod options;
mod params;
mod registry;
mod signals;
mod traits;

pub use bars::{BarColumns, BarInput, BarsView};
pub use breakout::Breakout;
pub use buy_hold::BuyAndHold;
pub use cross::{EmaCross, SmaCross};
pub use error::StrategyError;
pub use exits::{AtrTrailing, Direction, Exit, ExitReason, ExitRules, ExitTracker};
pub use filter::{FilterDecision, PassThrough, SignalFilter};
pub use mean_reversion::MeanReversion;
pub use momentum::{Momentum, MomentumStream, TargetWeights, rank};
pub use registry::{STRATEGY_NAMES, by_name, default_params};
pub use signals::{Action, Signals};
pub use traits::{BarStrategy, StreamingStrategy};
