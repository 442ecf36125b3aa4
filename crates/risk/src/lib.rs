//! # thetalab-risk
//!
//! How much to trade and when to stop, for one strategy and for a book of them.
//!
//! - [`sizing`]: fixed fractional, Kelly (single bet, Gaussian, multi-asset) and fractional
//!   Kelly, volatility targeting (realised vol or VIX), streak scaling, and the composable
//!   [`sizing::Sizer`].
//! - [`limits`]: the pre-trade check (loss and drawdown stops, position count, symbol,
//!   sector and strategy exposure, correlation, Greeks caps) with resizing, the circuit
//!   breaker, the decision log and the [`limits::RiskPolicy`] trait that the backtest
//!   engines and the paper trader share.
//! - [`optimize`]: mean-variance (min variance, target return, max Sharpe, frontier) with
//!   bounds and group constraints, solved by the crate's dense active-set QP method with
//!   `clarabel` as reference and fallback; risk parity / risk budgets; Black-Litterman
//!   posterior returns (He-Litterman or Idzorek Ω); hierarchical risk parity.
//! - [`allocate`]: risk-budgeted allocation across strategies' return streams with periodic
//!   rebalancing on a trailing window.
//! - [`cov`]: sample (ddof 1, × 252), RiskMetrics EWMA and Ledoit-Wolf (scikit-learn's)
//!   covariance; [`measure`]: historical, normal, Cornish-Fisher and Monte Carlo VaR/CVaR,
//!   option books by full revaluation; [`stress`]: spot × vol grids, flash crash,
//!   historical windows, TOML scenarios.
//!
//! Every fallible function returns [`RiskError`], whose variants name the input at fault.
//! The conventions (annualisation, VaR as a positive loss, HRP's distance and linkage, what
//! each limit's numbers mean) are in `docs/risk.md` and in each module's docs.
//!
//! ```
//! use nalgebra::{DMatrix, DVector};
//! use thetalab_risk::optimize::{Constraints, MeanVariance, risk_contributions};
//! use thetalab_risk::{RiskError, measure};
//!
//! // Three assets, annualised: expected returns and covariance.
//! let mu = DVector::from_vec(vec![0.08, 0.12, 0.05]);
//! let cov = DMatrix::from_row_slice(3, 3, &[
//!     0.040, 0.006, 0.002,
//!     0.006, 0.090, 0.009,
//!     0.002, 0.009, 0.0225,
//! ]);
//! // Long-only minimum variance with at most 50 % in any asset.
//! let mv = MeanVariance::new(mu, cov.clone())?
//!     .with_constraints(Constraints::uniform(3, 0.0, 0.5))?;
//! let p = mv.min_variance()?;
//! assert!((p.weights.sum() - 1.0).abs() < 1e-12);
//! assert!(p.weights.iter().all(|w| (0.0..=0.5 + 1e-12).contains(w)));
//! // Euler decomposition: the risk contributions sum to 1.
//! let rc = risk_contributions(&cov, &p.weights)?;
//! assert!((rc.sum() - 1.0).abs() < 1e-12);
//!
//! // Historical 80 % VaR of ten daily returns: the ⌈0.2 · 10⌉ = 2nd smallest, negated.
//! let r = [-0.05, -0.02, 0.01, 0.03, -0.04, 0.02, 0.00, 0.01, -0.01, 0.02];
//! let h = measure::historical(&r, 0.2)?;
//! assert_eq!(h.var, 0.04);
//! assert!(h.var <= h.cvar);
//! # Ok::<(), RiskError>(())
//! ```

mod error;

pub mod allocate;
pub mod cov;
pub mod limits;
pub mod measure;
pub mod optimize;
pub mod sizing;
pub mod stress;

pub use error::RiskError;
