//! Integration tests of thetalab-report.

// Integration tests state what must succeed with unwrap/expect, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod files;
mod golden;
mod html;
mod options;
