//! # thetalab-risk
//!
//! How much to trade and when to stop (being written).
//!
//! - [`sizing`]: fixed fractional, Kelly (single bet, Gaussian, multi-asset) and fractional
//!   Kelly, volatility targeting (realised vol or VIX), streak scaling, and the composable
//!   [`sizing::Sizer`].
//! - [`limits`]: the pre-trade check (loss and drawdown stops, position count, symbol,
//!   sector and strategy exposure, correlation, Greeks caps) with resizing, the circuit
//!   breaker, the decision log and the [`limits::RiskPolicy`] trait.
//! - [`optimize`]: mean-variance (min variance, target return, max Sharpe, frontier) with
//!   bounds and group constraints via the `clarabel` QP solver, risk parity / risk budgets,
//!   Black-Litterman posterior returns, hierarchical risk parity.
//! - [`allocate`]: risk-budgeted allocation across strategies' return streams with periodic
//!   rebalancing on a trailing window.
//! - [`cov`]: sample (ddof 1, × 252), RiskMetrics EWMA and Ledoit-Wolf (scikit-learn's)
//!   covariance; [`measure`]: historical, normal, Cornish-Fisher and Monte Carlo VaR/CVaR,
//!   option books by full revaluation; [`stress`]: spot × vol grids, flash crash,
//!   historical windows, TOML scenarios.

pub mod allocate;
pub mod cov;
pub mod limits;
pub mod measure;
pub mod optimize;
pub mod sizing;
pub mod stress;
