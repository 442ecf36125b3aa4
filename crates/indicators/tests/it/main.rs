//! Integration tests of thetalab-indicators.

// Integration tests state what must succeed with unwrap/expect, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Tests walk several parallel columns by index.
#![allow(clippy::needless_range_loop)]

mod closed_forms;
mod common;
mod example_cli;
mod golden;
mod streaming;
