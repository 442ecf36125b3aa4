//! Integration tests of thetalab-data.

// Integration tests state what must succeed with unwrap/expect, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(feature = "alpaca")]
mod alpaca;
mod calendar;
mod ingest;
mod polars_interop;
mod store;
mod synth;
mod validate;
