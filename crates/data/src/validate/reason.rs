//! Why a row was flagged, and how much that matters.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Every reason validation can flag a row (or, for [`Reason::MissingSession`], a missing
/// row) for. Closed: the CLI, the quarantine files and the run summaries all key on it.
///
/// `Display`/`FromStr` use the stable snake_case name given on each variant (the same
/// name serde writes); those names are part of the on-disk quarantine format and of the
/// printed summary, and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// `parse_error`: the adapter could not turn the line into a record.
    ParseError,
    /// `out_of_order`: the timestamp is earlier than a previous row's.
    OutOfOrder,
    /// `exact_duplicate`: every field equals an earlier row's.
    ExactDuplicate,
    /// `duplicate_timestamp`: same timestamp (and, for chains, same contract) as another
    /// row but different values: ambiguous, every such row is flagged.
    DuplicateTimestamp,
    /// `non_finite_value`: NaN or ±infinity in a numeric field.
    NonFiniteValue,
    /// `non_positive_price`: a trade price, bar price, VWAP or underlying price ≤ 0.
    NonPositivePrice,
    /// `negative_price`: a bid, ask or last price < 0 (0 is a legitimate empty side).
    NegativePrice,
    /// `negative_size`: a negative volume or size.
    NegativeSize,
    /// `ohlc_inconsistent`: high below open, close or low, or low above open or close.
    OhlcInconsistent,
    /// `outlier_jump`: the absolute log change from the previous kept row exceeds
    /// [`ValidationConfig::max_jump`](super::ValidationConfig::max_jump).
    OutlierJump,
    /// `crossed_quote`: bid > ask (both present).
    CrossedQuote,
    /// `locked_quote`: bid == ask > 0.
    LockedQuote,
    /// `no_market`: neither side has a positive price (both empty or 0, as in Cboe's
    /// after-the-close downloads).
    NoMarket,
    /// `bad_strike`: strike ≤ 0, not finite, or absurd against the underlying price.
    BadStrike,
    /// `bad_expiry`: expiry before the quote's New York date, too far out, or on a weekend.
    BadExpiry,
    /// `missing_underlying_price`: an option quote without its underlying's price.
    MissingUnderlyingPrice,
    /// `bad_iv`: a vendor implied volatility ≤ 0 or not finite (Cboe writes 0 for "not
    /// computed"; adapters should map that to `None`).
    BadIv,
    /// `outside_session`: an intraday bar starting outside the configured trading hours.
    OutsideSession,
    /// `non_session_day`: a row dated on a day the calendar says is not a session.
    NonSessionDay,
    /// `missing_session`: a session of the calendar with no row at all (a gap: counted
    /// per missing date, never a row of the input).
    MissingSession,
}

impl Reason {
    /// Every reason, in `Ord` order (the order of the printed summary).
    pub const ALL: [Reason; 20] = [
        Reason::ParseError,
        Reason::OutOfOrder,
        Reason::ExactDuplicate,
        Reason::DuplicateTimestamp,
        Reason::NonFiniteValue,
        Reason::NonPositivePrice,
        Reason::NegativePrice,
        Reason::NegativeSize,
        Reason::OhlcInconsistent,
        Reason::OutlierJump,
        Reason::CrossedQuote,
        Reason::LockedQuote,
        Reason::NoMarket,
        Reason::BadStrike,
        Reason::BadExpiry,
        Reason::MissingUnderlyingPrice,
        Reason::BadIv,
        Reason::OutsideSession,
        Reason::NonSessionDay,
        Reason::MissingSession,
    ];

    /// Number of reasons.
    pub const COUNT: usize = Self::ALL.len();

    /// The stable snake_case name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::ParseError => "parse_error",
            Reason::OutOfOrder => "out_of_order",
            Reason::ExactDuplicate => "exact_duplicate",
            Reason::DuplicateTimestamp => "duplicate_timestamp",
            Reason::NonFiniteValue => "non_finite_value",
            Reason::NonPositivePrice => "non_positive_price",
            Reason::NegativePrice => "negative_price",
            Reason::NegativeSize => "negative_size",
            Reason::OhlcInconsistent => "ohlc_inconsistent",
            Reason::OutlierJump => "outlier_jump",
            Reason::CrossedQuote => "crossed_quote",
            Reason::LockedQuote => "locked_quote",
            Reason::NoMarket => "no_market",
            Reason::BadStrike => "bad_strike",
            Reason::BadExpiry => "bad_expiry",
            Reason::MissingUnderlyingPrice => "missing_underlying_price",
            Reason::BadIv => "bad_iv",
            Reason::OutsideSession => "outside_session",
            Reason::NonSessionDay => "non_session_day",
            Reason::MissingSession => "missing_session",
        }
    }

    /// Position in [`Reason::ALL`] (for per-reason counters in arrays).
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The severity used when the configuration does not override it.
    ///
    /// Errors: everything that makes a row wrong or ambiguous. Warnings:
    /// [`OutlierJump`](Reason::OutlierJump) (big moves happen), [`LockedQuote`](Reason::LockedQuote),
    /// [`NoMarket`](Reason::NoMarket), [`MissingUnderlyingPrice`](Reason::MissingUnderlyingPrice),
    /// [`BadIv`](Reason::BadIv), [`NonSessionDay`](Reason::NonSessionDay) (vendors and
    /// calendars disagree on special closures) and [`MissingSession`](Reason::MissingSession)
    /// (a gap is a missing row, not a bad one).
    #[must_use]
    pub const fn default_severity(self) -> Severity {
        match self {
            Reason::OutlierJump
            | Reason::LockedQuote
            | Reason::NoMarket
            | Reason::MissingUnderlyingPrice
            | Reason::BadIv
            | Reason::NonSessionDay
            | Reason::MissingSession => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// True for the reasons whose severity cannot be configured: parse errors, order,
    /// duplicates and non-finite values are always errors (the store's invariants —
    /// time order, one value per key, no NaN — depend on it), and a missing session is
    /// always a warning (there is no row to quarantine).
    #[must_use]
    pub const fn is_fixed(self) -> bool {
        matches!(
            self,
            Reason::ParseError
                | Reason::OutOfOrder
                | Reason::ExactDuplicate
                | Reason::DuplicateTimestamp
                | Reason::NonFiniteValue
                | Reason::MissingSession
        )
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reason {
    type Err = String;

    /// Reads the snake_case name back.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown validation reason {s:?}"))
    }
}

/// What a flagged row means for the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Counted and reported; the row is kept.
    Warning,
    /// The row is bad: quarantined (policies `Quarantine`, `Repair`) or the whole file is
    /// rejected (policy `Reject`).
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order_matches_all() {
        for (i, r) in Reason::ALL.into_iter().enumerate() {
            assert_eq!(r.index(), i);
            assert_eq!(r.to_string().parse::<Reason>().unwrap(), r);
            let json = snake_case_of_debug(r);
            assert_eq!(json, r.as_str());
        }
        assert!(Reason::ALL.windows(2).all(|w| w[0] < w[1]));
        assert!("bid_above_ask".parse::<Reason>().is_err());
    }

    /// The snake_case of the variant name: what serde's `rename_all = "snake_case"`
    /// writes, so `as_str` and the serialized name agree.
    fn snake_case_of_debug(r: Reason) -> String {
        let dbg = format!("{r:?}");
        let mut out = String::new();
        for (i, c) in dbg.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn defaults() {
        assert_eq!(Reason::OhlcInconsistent.default_severity(), Severity::Error);
        assert_eq!(Reason::LockedQuote.default_severity(), Severity::Warning);
        assert_eq!(Reason::MissingSession.default_severity(), Severity::Warning);
        assert!(Reason::ExactDuplicate.is_fixed());
        assert!(!Reason::OutlierJump.is_fixed());
    }
}
