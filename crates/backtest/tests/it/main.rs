//! Integration tests of thetalab-backtest.

// Integration tests state what must succeed with unwrap/expect, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine;
mod metrics;
mod options;
mod risk_gate;
mod sweep;
