//! Integration tests of thetalab-ml.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod drift;
mod eval;
mod features;
mod filter;
#[cfg(feature = "frames")]
mod frame;
mod gbm;
mod labels;
mod models;
mod pipeline;
mod regime_source;
mod registry;
mod split;
