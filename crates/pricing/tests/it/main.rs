//! Integration tests of thetalab-pricing: one binary, one module per area.

// Integration tests state what must succeed with unwrap/expect, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod american;
mod european;
mod iv;
mod position;
mod price_csv;
mod smile;
