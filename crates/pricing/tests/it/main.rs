//! Integration tests of thetalab-pricing: one binary, one module per area.

mod american;
mod european;
mod iv;
mod position;
mod smile;
