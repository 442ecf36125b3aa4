//! # thetalab-pricing
//!
//! The options math of thetalab. No I/O: numbers in, numbers out.
//!
//! - [`bsm`], [`black76`], [`bachelier`]: European prices and analytic Greeks to third
//!   order (units in [`greeks`]: vega per 1.00 of vol, every time Greek per year of
//!   calendar time passing, rho per 1.00).
//! - [`iv`]: implied volatility to machine precision (Jäckel's "Let's Be Rational";
//!   Jäckel 2017 for the normal model), with typed errors for prices outside the bounds.
//! - [`batch`]: the same kernels over columns (`&[f64]` in, `&mut [f64]` out), parallel
//!   with rayon, no allocation per option, identical numbers to the scalar calls.
//! - [`normal`]: the standard normal distribution.
//! - [`american`]: American exercise: Barone-Adesi-Whaley, Bjerksund-Stensland 2002, the
//!   Andersen-Lake-Offengenden fixed-point method (accurate default), Leisen-Reimer trees;
//!   Greeks, implied vol and a parallel batch pricer.
//! - [`smile`]: raw-SVI smiles (Gatheral 2004): weighted least-squares fit of one expiry
//!   (Zeliade's quasi-explicit method), butterfly and calendar arbitrage checks (Gatheral &
//!   Jacquier 2014), implied vol at any strike.
//! - [`term`]: ATM vol term structure, linear in total variance (VIX9D/VIX/VIX3M in, vol at
//!   any tenor out).
//! - [`position`]: multi-leg positions and strategy constructors (verticals, condors,
//!   butterflies, calendars, Flyagonal, covered calls, collars): payoff, value and P&L
//!   under a vol or a smile, exact breakevens, max profit/loss, probability of profit,
//!   net Greeks.
//! - [`gex`]: dealer gamma exposure of a chain by strike and the zero-gamma (flip) level.
//!
//! ```
//! use thetalab_core::OptionRight;
//! use thetalab_pricing::{bsm, iv, OptionInputs, TimeUnit, VolUnit};
//!
//! // An SPX 30-day 5% OTM put.
//! let put = OptionInputs::new(OptionRight::Put, 5000.0, 4750.0, 30.0 / 365.0, 0.045, 0.013, 0.18);
//! let g = bsm::greeks(&put);
//! assert!(g.delta < 0.0 && g.gamma > 0.0 && g.theta < 0.0);
//! // Per-day theta and per-point vega, as a broker shows them.
//! let shown = g.scaled(TimeUnit::CalendarDay, VolUnit::Point);
//! assert!((shown.theta - g.theta / 365.0).abs() < 1e-12);
//! // The implied vol of the model price gives back the vol.
//! assert!((iv::bsm(g.price, &put).unwrap() - 0.18).abs() < 1e-12);
//! ```

pub mod american;
pub mod bachelier;
pub mod batch;
pub mod black76;
mod black_scholes;
pub mod bsm;
mod error;
mod fastmath;
pub mod gex;
pub mod greeks;
mod inputs;
pub mod iv;
pub mod normal;
pub mod position;
pub mod smile;
mod solve;
pub mod term;
mod vol;

pub use american::AmericanMethod;
pub use error::{PriceBound, PricingError, Result};
pub use greeks::{Greeks, TimeUnit, VolUnit};
pub use inputs::OptionInputs;
pub use position::{Bound, Leg, Position};
pub use smile::{SviParams, SviSlice};
pub use term::AtmTermStructure;
pub use thetalab_core::OptionRight;
pub use vol::VolSurface;
