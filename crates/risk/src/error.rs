//! The crate's one error type, [`RiskError`].
//!
//! Every fallible function of `thetalab-risk` (sizing, limits, covariance, risk measures,
//! stress tests, optimisation, allocation) returns `Result<_, RiskError>`. Each variant
//! names the input at fault (a parameter, a series and index, a matrix cell, a group, a
//! scenario key) so that a caller can report it without reading our code.

use chrono::NaiveDate;
use thiserror::Error;

/// Everything that can go wrong in `thetalab-risk`; each variant names the input at fault.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum RiskError {
    /// A scalar input outside its allowed range (or not finite).
    #[error("invalid {name} = {value}: expected {expected}")]
    InvalidInput {
        /// The parameter or field, e.g. `"equity"`, `"alpha"`, `"config.sector_exposure"`.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What was expected, e.g. `"finite and > 0"`.
        expected: &'static str,
    },
    /// An input with no element (no asset, no observation, no view).
    #[error("`{what}` is empty")]
    Empty {
        /// The input at fault.
        what: &'static str,
    },
    /// Too few observations to estimate a statistic.
    #[error("{name} has {len} observations; at least {min} are needed")]
    TooFewObservations {
        /// The series (or the estimator asking), e.g. `"returns"`, `"historical VaR"`.
        name: &'static str,
        /// Its length.
        len: usize,
        /// The minimum length.
        min: usize,
    },
    /// Two inputs whose sizes disagree.
    #[error("`{what}` has size {found}, expected {expected}")]
    DimensionMismatch {
        /// The input at fault.
        what: &'static str,
        /// Size implied by the other inputs.
        expected: usize,
        /// Size found.
        found: usize,
    },
    /// Row-major data whose length is not `rows × cols`.
    #[error("`{what}` has {len} values, expected rows × cols = {rows} × {cols}")]
    Shape {
        /// The input at fault.
        what: &'static str,
        /// Values given.
        len: usize,
        /// Rows declared.
        rows: usize,
        /// Columns declared.
        cols: usize,
    },
    /// A NaN or an infinity in a vector (flat, column-major for matrices).
    #[error("`{what}` has a non-finite value at index {index} ({value})")]
    NonFinite {
        /// The input at fault.
        what: &'static str,
        /// Index of the first bad value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A NaN or an infinity in a matrix of returns (rows are periods, columns series).
    #[error("`{what}` has a non-finite value at row {row}, column {col} ({value})")]
    NonFiniteCell {
        /// The input at fault.
        what: &'static str,
        /// Row (period).
        row: usize,
        /// Column (asset or stream).
        col: usize,
        /// The value.
        value: f64,
    },
    /// A matrix that should be a covariance is not symmetric or has a bad variance.
    #[error("covariance matrix is invalid: {reason}")]
    InvalidCovariance {
        /// What is wrong.
        reason: String,
    },
    /// A matrix that must be symmetric positive definite is not (Cholesky failed).
    #[error("`{what}` is not positive definite")]
    NotPositiveDefinite {
        /// The matrix at fault.
        what: &'static str,
    },
    /// A sizing pipeline step needs an input that the sizing input does not carry.
    #[error("the {step} step needs {input}, which the sizing input does not carry")]
    MissingInput {
        /// The step, e.g. `"vol target (returns)"`.
        step: &'static str,
        /// The missing input, e.g. `"returns"`.
        input: &'static str,
    },
    /// A return series of the wrong length or without variance (limits' correlation).
    #[error("returns for {symbol}: {reason}")]
    BadReturns {
        /// The symbol whose series was given.
        symbol: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A TOML document (limits config, stress scenarios) that does not parse or match its
    /// format.
    #[error("{document}: {reason}")]
    Toml {
        /// Which document, e.g. `"limits config"`, `"stress TOML"`.
        document: &'static str,
        /// The parser's message.
        reason: String,
    },
    /// An option-book position with an invalid field.
    #[error("book position {index}: {field} is invalid ({value})")]
    Position {
        /// Index of the position in its list.
        index: usize,
        /// The field at fault.
        field: &'static str,
        /// Its value.
        value: f64,
    },
    /// A position refers to an underlying that the simulation does not have.
    #[error("position refers to underlying {0:?}, absent from the simulated assets")]
    UnknownUnderlying(String),
    /// A stress scenario key with an invalid value.
    #[error("stress scenario {scenario:?}: key {key} is invalid ({value})")]
    ScenarioKey {
        /// Scenario name.
        scenario: String,
        /// The key (dotted path under the scenario).
        key: String,
        /// Its value.
        value: f64,
    },
    /// A stress scenario that gives both `vol_rel` and `vol_points`.
    #[error("stress scenario {scenario:?}: {key} sets both vol_rel and vol_points")]
    BothVol {
        /// Scenario name.
        scenario: String,
        /// Where (the scenario or `underlyings.NAME`).
        key: String,
    },
    /// A historical window name that is not built in.
    #[error("unknown historical window {0:?} (built in: 2008, 2020-03, 2022)")]
    UnknownWindow(String),
    /// A return series with no observation inside a historical window.
    #[error("return series has no observation in window {0:?}")]
    EmptyWindow(String),
    /// A dated return that is not finite or is ≤ −100 %.
    #[error("return series: value on {date} is invalid ({value})")]
    DatedReturn {
        /// Its date.
        date: NaiveDate,
        /// Its value.
        value: f64,
    },
    /// A per-asset bound with lower > upper (or not finite).
    #[error("bounds of asset {asset} are invalid: lower {lower}, upper {upper}")]
    InvalidBounds {
        /// Asset index.
        asset: usize,
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// A malformed group (sector) constraint.
    #[error("group {group} is invalid: {reason}")]
    InvalidGroup {
        /// Group index in the constraints' list.
        group: usize,
        /// What is wrong.
        reason: String,
    },
    /// The constraints of an optimisation cannot all hold; `constraints` names them.
    #[error("{problem} is infeasible: {constraints}")]
    Infeasible {
        /// Which problem (e.g. "min variance").
        problem: &'static str,
        /// The constraints that conflict, e.g. `"budget Σw = 1 vs upper bounds (Σ = 0.8)"`.
        constraints: String,
    },
    /// A solver stopped without a solution.
    #[error("{problem}: solver failed ({status})")]
    SolverFailed {
        /// Which problem.
        problem: &'static str,
        /// The solver's status or the reason it stopped.
        status: String,
    },
    /// An iterative method did not reach its tolerance.
    #[error("{method} did not converge in {iterations} iterations")]
    NoConvergence {
        /// Method name.
        method: &'static str,
        /// Iterations run.
        iterations: usize,
    },
    /// The optimisation at an allocation rebalance failed.
    #[error("rebalance at period {period}: {source}")]
    Rebalance {
        /// Period of the rebalance.
        period: usize,
        /// The underlying error.
        source: Box<RiskError>,
    },
}
