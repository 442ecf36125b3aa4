//! # thetalab-core
//!
//! The shared vocabulary of thetalab and nothing else: option rights and order sides,
//! UTC nanosecond timestamps with America/New_York session helpers, instrument ids, OCC
//! option symbols (the padded OSI form and Alpaca's compact form), and the [`Clock`]
//! trait through which every other crate gets the time (so backtests replay and tests
//! are deterministic).
//!
//! ```
//! use thetalab_core::{OccSymbol, OptionRight};
//!
//! let sym: OccSymbol = "SPXW  240119P04700000".parse().unwrap();
//! assert_eq!(sym.root(), "SPXW");
//! assert_eq!(sym.right(), OptionRight::Put);
//! assert_eq!(sym.strike(), 4700.0);
//! assert_eq!(sym.to_compact(), "SPXW240119P04700000");
//! ```

mod clock;
mod error;
mod instrument;
mod occ;
mod right;
mod root;
mod time;

pub use clock::{Clock, SimulatedClock, SystemClock};
pub use error::CoreError;
pub use instrument::{InstrumentId, Ticker};
pub use occ::OccSymbol;
pub use right::{OptionRight, Side};
pub use root::OptionRoot;
pub use time::{NEW_YORK, Timestamp};
