//! Integration tests of thetalab-strategy.

// Integration tests state what must succeed with unwrap/expect, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod golden;
mod hand;
mod momentum;
mod options;
mod parity;
mod real_data;
mod registry;
