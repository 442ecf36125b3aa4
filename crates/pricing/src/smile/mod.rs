//! Volatility smiles: Gatheral's raw SVI for one expiry, its weighted least-squares fit,
//! and the Gatheral–Jacquier static-arbitrage checks.
//!
//! - [`SviParams`], [`SviSlice`]: `w(k) = a + b(ρ(k − m) + √((k − m)² + σ²))` in total
//!   variance and log-forward moneyness, with analytic `w'`, `w''`, implied vol at any
//!   strike, and [`crate::VolSurface`].
//! - [`fit_svi`]: quasi-explicit (Zeliade 2009) fit with Nelder–Mead over `(m, σ)` from a
//!   grid of starts and a Levenberg–Marquardt polish.
//! - [`check_butterfly`], [`check_calendar`]: Durrleman's `g(k) ≥ 0` with Lee's wing
//!   bound, and non-decreasing total variance across expiries (Gatheral & Jacquier 2014).
//!
//! ```
//! use thetalab_pricing::smile::{check_butterfly, fit_svi};
//! // A 30-day equity-like skew, vols by strike.
//! let (f, t) = (100.0, 30.0 / 365.0);
//! let strikes = [80.0, 85.0, 90.0, 95.0, 100.0, 105.0, 110.0, 115.0];
//! let ivs = [0.34, 0.30, 0.26, 0.225, 0.20, 0.185, 0.18, 0.182];
//! let smile = fit_svi(&strikes, &ivs, None, f, t).unwrap();
//! assert!((smile.implied_vol(100.0).unwrap() - 0.20).abs() < 0.005);
//! assert!(check_butterfly(&smile.params).ok);
//! ```

pub mod arbitrage;
pub mod fit;
mod optim;
pub mod svi;

pub use arbitrage::{
    ButterflyReport, CHECK_K_RANGE, CalendarReport, CalendarViolation, check_butterfly,
    check_calendar, durrleman_g,
};
pub use fit::{MIN_POINTS, fit_svi};
pub use svi::{SviParams, SviSlice};
