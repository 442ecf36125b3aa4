//! # thetalab-ml
//!
//! Machine learning judged only out of sample: look-ahead-free features, labels, purged
//! and embargoed splits, models, evaluation, a versioned registry and drift checks.
//!
//! - [`matrix::FeatureMatrix`]: the row-major `f64` table every part passes around.
//! - [`features`]: 150+ named, documented features (technical, returns, volatility,
//!   range, gaps, volume/VWAP, temporal, events, VIX regime, option chains), each with
//!   its look-back, in a [`features::FeatureSet`] with a definition hash.
//! - [`labels`]: triple-barrier labels, forward returns, backtest trade outcomes.
//! - [`split`]: purged and embargoed k-fold and walk-forward splits.
//! - [`models`]: the [`models::Classifier`] / [`models::Regressor`] traits over slices;
//!   random forest, logistic regression (own L-BFGS), LightGBM-style gradient boosting, and the
//!   Gaussian-mixture regime model (trending / ranging / volatile / calm).
//! - [`eval`]: out-of-sample metrics with scikit-learn's conventions, calibration, naive
//!   baselines, permutation importance.
//! - [`registry`]: versioned models on disk with metadata, schema checks,
//!   champion/challenger and rollback.
//! - [`drift`]: PSI, two-sample KS and calibration drift with warning thresholds.
//! - [`filter`]: the `SignalFilter` implementation and the incremental [`filter::Retrainer`].
//! - [`regime_source`]: the regime model as the options strategy selector's regime
//!   source (trending up / down → bullish / bearish, volatile → high volatility).
//! - [`dataset`]: the default training set built from the synthetic market.
//! - `frame` (crate feature `frames`, polars): feature frames from the Parquet store.

pub mod dataset;
pub mod drift;
mod error;
pub mod eval;
pub mod features;
pub mod filter;
#[cfg(feature = "frames")]
pub mod frame;
pub mod labels;
pub mod matrix;
pub mod models;
pub mod pipeline;
pub mod regime_source;
pub mod registry;
pub mod split;

pub use error::{MlError, Result, SchemaDiff};
pub use matrix::FeatureMatrix;
