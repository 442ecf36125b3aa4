//! The crate's error type.

use thiserror::Error;

/// Everything that can go wrong in `thetalab-backtest`; each variant names the input at
/// fault (the config field, the column and row, the asset, the parameter).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BacktestError {
    /// A configuration field is out of its domain.
    #[error("backtest config: `{field}` = {value} is invalid: {reason}")]
    InvalidConfig {
        /// The field (`init_cash`, `fees_bps`, …).
        field: &'static str,
        /// The value given.
        value: f64,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// Two inputs that must have one length do not.
    #[error("{what}: length {len}, expected {expected}")]
    LengthMismatch {
        /// The input (e.g. `signals.exits of asset SPY`).
        what: String,
        /// Its length.
        len: usize,
        /// The expected length.
        expected: usize,
    },
    /// A price the engine needs is not finite and > 0.
    #[error("asset `{asset}`: {column}[{row}] = {value} is not a finite positive price")]
    InvalidPrice {
        /// The asset's symbol (empty for a single-asset run).
        asset: String,
        /// The column (`open`, `high`, `low`, `close`).
        column: &'static str,
        /// The row (bar index).
        row: usize,
        /// The value found.
        value: f64,
    },
    /// A target weight is infinite, or negative when shorts are not allowed.
    #[error("asset `{asset}`: target weight [{row}] = {value} is invalid: {reason}")]
    InvalidTarget {
        /// The asset's symbol.
        asset: String,
        /// The row.
        row: usize,
        /// The value found.
        value: f64,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// Nothing to run on (no bars, no assets, no parameter sets).
    #[error("empty input: {0}")]
    Empty(&'static str),
    /// The strategy crate rejected a strategy, a parameter or the exit rules.
    #[error(transparent)]
    Strategy(#[from] thetalab_strategy::StrategyError),
    /// An indicator rejected its input (e.g. a window of 0 in a sweep).
    #[error("indicator: {0}")]
    Indicator(String),
    /// A sweep parameter space is malformed.
    #[error("sweep: parameter `{param}`: {reason}")]
    InvalidParam {
        /// The parameter's name.
        param: String,
        /// Why it is rejected.
        reason: String,
    },
    /// The metrics rejected their input.
    #[error(transparent)]
    Metrics(#[from] crate::metrics::MetricsError),
    /// The risk crate rejected an input: a limits configuration, a book update of the
    /// pre-trade gate ([`crate::gate::RiskGate`]).
    #[error("risk: {0}")]
    Risk(#[from] thetalab_risk::RiskError),
    /// An asset's symbol is not a valid ticker for the pre-trade gate's orders.
    #[error("risk gate: symbol `{symbol}` is not a valid ticker: {reason}")]
    InvalidSymbol {
        /// The symbol given.
        symbol: String,
        /// Why it is rejected.
        reason: String,
    },
    /// The options replay's data source failed (store, synthetic market, ingest).
    #[error("options data: {0}")]
    Data(String),
    /// The options replay got a snapshot older than the one before it.
    #[error("snapshots out of time order: {current} comes after {previous}")]
    TimeWentBackwards {
        /// The previous snapshot's time.
        previous: thetalab_core::Timestamp,
        /// The offending snapshot's time.
        current: thetalab_core::Timestamp,
    },
    /// Writing a results table failed.
    #[error("writing {path}: {message}")]
    Io {
        /// The destination.
        path: String,
        /// The OS error message.
        message: String,
    },
}

/// `Result` with [`BacktestError`].
pub type Result<T> = std::result::Result<T, BacktestError>;
