//! The crate's error type.

use chrono::{NaiveDate, NaiveDateTime};
use thiserror::Error;

use crate::Timestamp;

/// Everything that can go wrong when building core vocabulary from user input.
///
/// Each variant names the input at fault, so that a message read in a log says which
/// value to fix. The enum is `#[non_exhaustive]`: match with a trailing `_` arm.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CoreError {
    /// An option right that is neither call nor put.
    #[error("invalid option right {0:?}: expected c, call, p or put")]
    InvalidRight(String),
    /// An order side that is neither buy nor sell.
    #[error("invalid side {0:?}: expected buy or sell")]
    InvalidSide(String),

    /// A time that cannot be held as `i64` nanoseconds since the Unix epoch, i.e. one
    /// outside 1677-09-21T00:12:43.145224192Z ..= 2262-04-11T23:47:16.854775807Z, or an
    /// arithmetic result that would leave that range.
    #[error("time out of range ({input}): a Timestamp holds 1677-09-21 to 2262-04-11 UTC")]
    TimestampOutOfRange {
        /// The value or operation that overflowed, e.g. `"9300000000 s"`.
        input: String,
    },
    /// Text that is not an RFC 3339 date-time.
    #[error("invalid timestamp {input:?}: {reason}")]
    InvalidTimestamp {
        /// The text given.
        input: String,
        /// What the parser objected to.
        reason: String,
    },
    /// A New York wall-clock time that does not exist because the clocks jump forward at
    /// the start of daylight saving time (02:00–02:59 on the second Sunday of March).
    #[error("{local} does not exist in America/New_York (skipped by the daylight-saving change)")]
    NonexistentLocalTime {
        /// The local date and time asked for.
        local: NaiveDateTime,
    },
    /// A time of day that is not `HH:MM` or `HH:MM:SS` on a 24-hour clock.
    #[error("invalid time of day {input:?}: {reason}")]
    InvalidTimeOfDay {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Text that is not an OCC option symbol in the padded OSI form
    /// (`SPXW  240119P04700000`) or the compact form (`SPXW240119P04700000`).
    #[error("invalid OCC option symbol {symbol:?}: {reason}")]
    InvalidOccSymbol {
        /// The text given.
        symbol: String,
        /// Which part is wrong: length, root, date, right letter or strike digits.
        reason: String,
    },
    /// An option root (the OCC symbol's first field) that is empty, longer than six
    /// characters, or not made of upper-case ASCII letters and digits.
    #[error("invalid option root {root:?}: {reason}")]
    InvalidOptionRoot {
        /// The root given.
        root: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A strike that an OCC symbol cannot carry: not finite, not positive, not a
    /// multiple of 0.001, or 100 000 and above (the field has 5 integer digits).
    #[error("invalid strike {strike}: {reason}")]
    InvalidStrike {
        /// The strike given, as written by `{:?}` (so `NaN` and `inf` show as such).
        strike: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An expiry that an OCC symbol cannot carry (its year field has two digits, read
    /// as 20YY, so the year must be 2000–2099).
    #[error("invalid option expiry {expiry}: {reason}")]
    InvalidExpiry {
        /// The expiry given.
        expiry: NaiveDate,
        /// What is wrong with it.
        reason: String,
    },
    /// A ticker that is empty, too long, or holds characters tickers never have.
    #[error("invalid ticker {ticker:?}: {reason}")]
    InvalidTicker {
        /// The text given.
        ticker: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Text that is neither an OCC option symbol nor a ticker.
    #[error("invalid instrument id {input:?}: {reason}")]
    InvalidInstrumentId {
        /// The text given.
        input: String,
        /// Why neither reading applies.
        reason: String,
    },

    /// A [`SimulatedClock`](crate::SimulatedClock) asked to move to an earlier time.
    /// Simulated time only moves forward, as real time does, so that code under test
    /// never sees `now()` decrease.
    #[error("clock would go backwards: it reads {current}, asked to set {requested}")]
    ClockWentBackwards {
        /// The clock's time when asked.
        current: Timestamp,
        /// The earlier time asked for.
        requested: Timestamp,
    },
}
