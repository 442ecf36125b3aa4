//! # thetalab
//!
//! Options and equity trading research in Rust. This facade re-exports the workspace's
//! library crates so that one dependency gives you all of them:
//!
//! | module | crate | feature |
//! |---|---|---|
//! | [`core`] | `thetalab-core`: timestamps, symbols, OCC symbology, `OptionRight`, `Clock` | always |
//! | [`pricing`] | `thetalab-pricing`: BSM, Black-76, Bachelier, American, Greeks, IV, smiles, positions | `pricing` (default) |
//! | [`data`] | `thetalab-data`: schemas, Parquet store, ingest, validation, calendar, synthetic market | `data` (default) |
//! | [`indicators`] | `thetalab-indicators`: TA-Lib-compatible indicators, batch and streaming | `research` (default) |
//! | [`strategy`] | `thetalab-strategy`: strategy traits, equity strategies, exits | `research` (default) |
//! | [`backtest`] | `thetalab-backtest`: the vectorized engine, sweeps, metrics | `research` (default) |
//! | [`report`] | `thetalab-report`: tables, files and the HTML report | `research` (default) |
//!
//! ```
//! use thetalab::core::OptionRight;
//! use thetalab::pricing::{bsm, OptionInputs};
//!
//! let call = OptionInputs::new(OptionRight::Call, 100.0, 100.0, 1.0, 0.05, 0.0, 0.2);
//! // Hull, "Options, Futures, and Other Derivatives": S=K=100, T=1, r=5%, σ=20% → 10.4506.
//! assert!((bsm::price(&call) - 10.450_583_572_185_565).abs() < 1e-9);
//! ```

pub use thetalab_core as core;

#[cfg(feature = "pricing")]
pub use thetalab_pricing as pricing;

#[cfg(feature = "data")]
pub use thetalab_data as data;

#[cfg(feature = "research")]
pub use thetalab_backtest as backtest;
#[cfg(feature = "research")]
pub use thetalab_indicators as indicators;
#[cfg(feature = "research")]
pub use thetalab_report as report;
#[cfg(feature = "research")]
pub use thetalab_strategy as strategy;
