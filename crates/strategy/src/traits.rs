//! The two strategy forms: vectorized ([`BarStrategy`]) and streaming
//! ([`StreamingStrategy`]).

use crate::{Action, BarInput, BarsView, Signals, StrategyError};

/// A bar strategy in vectorized form: OHLCV columns in, [`Signals`] out.
///
/// Implementations are plain values (their parameters), so one object can be shared by
/// the threads of a parameter sweep. [`BarStrategy::streaming`] gives the same strategy
/// one bar at a time; both forms give the same decisions bar by bar (a proptest in
/// `tests/it/parity.rs` checks it for every strategy of this crate).
pub trait BarStrategy: Send + Sync {
    /// The registry name (`sma-cross`, …).
    fn name(&self) -> &str;
    /// The parameters as `(name, value)` pairs, in the registry's order; feeding them
    /// back to [`crate::by_name`] rebuilds the same strategy.
    fn params(&self) -> Vec<(String, f64)>;
    /// The signals over all bars (same length as `bars`).
    fn signals(&self, bars: &BarsView) -> Result<Signals, StrategyError>;
    /// Index of the first bar at which a signal can occur (bars before it only warm the
    /// indicators up).
    fn warmup(&self) -> usize;
    /// A fresh streaming instance of this strategy (state at bar 0).
    fn streaming(&self) -> Result<Box<dyn StreamingStrategy>, StrategyError>;
}

/// A bar strategy in streaming form: it is shown one bar at a time (after the bar's
/// close) and returns the [`Action`] the vectorized form signals at that bar.
///
/// The paper trader drives it; it keeps only O(window) state.
pub trait StreamingStrategy: Send {
    /// Consumes the next bar and returns this bar's action.
    fn on_bar(&mut self, bar: &BarInput) -> Action;
}
