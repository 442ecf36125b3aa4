//! The crate's error type.

use thiserror::Error;

/// Everything that can go wrong in `thetalab-strategy`; each variant names the input at
/// fault (the column, the strategy and parameter, the asset).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StrategyError {
    /// Two input columns (or a universe's series) differ in length.
    #[error("column `{column}` has {len} values, expected {expected}")]
    LengthMismatch {
        /// The offending column (`open`, `high`, …) or asset name.
        column: String,
        /// Its length.
        len: usize,
        /// The length it should have (that of the first column / asset).
        expected: usize,
    },
    /// A parameter value is out of its domain.
    #[error("{strategy}: parameter `{param}` = {value} is invalid: {reason}")]
    InvalidParam {
        /// The strategy (registry name) or component (`exits`, `momentum`).
        strategy: String,
        /// The parameter's name.
        param: String,
        /// The value given.
        value: f64,
        /// Why it is rejected.
        reason: String,
    },
    /// [`crate::by_name`] was given a name it does not know.
    #[error("unknown strategy `{name}`; valid names: {valid}")]
    UnknownStrategy {
        /// The name given.
        name: String,
        /// The valid names, comma separated.
        valid: String,
    },
    /// [`crate::by_name`] was given a parameter the strategy does not take.
    #[error("{strategy}: unknown parameter `{param}`; valid parameters: {valid}")]
    UnknownParam {
        /// The strategy's registry name.
        strategy: String,
        /// The parameter given.
        param: String,
        /// The valid parameters, comma separated.
        valid: String,
    },
    /// An indicator rejected its input.
    #[error("{strategy}: indicator `{indicator}` failed: {message}")]
    Indicator {
        /// The strategy computing it.
        strategy: String,
        /// The indicator (`sma`, `rsi`, …).
        indicator: &'static str,
        /// The indicator crate's error message.
        message: String,
    },
    /// An options strategy's configuration could not be read (bad TOML shape, unknown
    /// key, bad root).
    #[error("{strategy}: invalid configuration: {message}")]
    InvalidConfig {
        /// The strategy's registry name.
        strategy: String,
        /// What is wrong.
        message: String,
    },
    /// A universe (momentum ranking) without assets.
    #[error("momentum: the universe is empty")]
    EmptyUniverse,
}
