//! Integration tests of thetalab-risk.

// Integration tests state what must succeed with unwrap/expect, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod cov;
mod limits;
mod measure;
mod optimize;
mod props;
mod qp;
mod sizing;
mod stress;
