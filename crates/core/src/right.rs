//! Option rights and order sides.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::CoreError;

/// The right an option conveys: to buy (call) or to sell (put) the underlying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OptionRight {
    /// The right to buy the underlying at the strike.
    Call,
    /// The right to sell the underlying at the strike.
    Put,
}

impl OptionRight {
    /// +1 for a call, −1 for a put: the `φ` of the textbook formulas
    /// (e.g. Haug 2007, eq. 1.1–1.2 written as one formula).
    #[inline]
    #[must_use]
    pub const fn sign(self) -> f64 {
        match self {
            OptionRight::Call => 1.0,
            OptionRight::Put => -1.0,
        }
    }

    /// The OCC letter: `C` or `P`.
    #[must_use]
    pub const fn letter(self) -> char {
        match self {
            OptionRight::Call => 'C',
            OptionRight::Put => 'P',
        }
    }

    /// Intrinsic value `max(φ(S − K), 0)`.
    #[inline]
    #[must_use]
    pub fn intrinsic(self, underlying: f64, strike: f64) -> f64 {
        (self.sign() * (underlying - strike)).max(0.0)
    }
}

impl fmt::Display for OptionRight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OptionRight::Call => "call",
            OptionRight::Put => "put",
        })
    }
}

impl FromStr for OptionRight {
    type Err = CoreError;

    /// Accepts `c`, `call`, `p`, `put` in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "c" | "call" => Ok(OptionRight::Call),
            "p" | "put" => Ok(OptionRight::Put),
            _ => Err(CoreError::InvalidRight(s.to_string())),
        }
    }
}

/// The side of an order or a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Side {
    /// Buy / long.
    Buy,
    /// Sell / short.
    Sell,
}

impl Side {
    /// +1 for buy, −1 for sell.
    #[inline]
    #[must_use]
    pub const fn sign(self) -> f64 {
        match self {
            Side::Buy => 1.0,
            Side::Sell => -1.0,
        }
    }

    /// The other side.
    #[must_use]
    pub const fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        })
    }
}

impl FromStr for Side {
    type Err = CoreError;

    /// Accepts `buy`, `b`, `long`, `sell`, `s`, `short` in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "buy" | "b" | "long" => Ok(Side::Buy),
            "sell" | "s" | "short" => Ok(Side::Sell),
            _ => Err(CoreError::InvalidSide(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rights_and_sides() {
        assert_eq!("C".parse::<OptionRight>().ok(), Some(OptionRight::Call));
        assert_eq!("put".parse::<OptionRight>().ok(), Some(OptionRight::Put));
        assert!("x".parse::<OptionRight>().is_err());
        assert_eq!("SHORT".parse::<Side>().ok(), Some(Side::Sell));
        assert_eq!(Side::Buy.opposite(), Side::Sell);
        assert_eq!(OptionRight::Put.intrinsic(90.0, 100.0), 10.0);
        assert_eq!(OptionRight::Call.intrinsic(90.0, 100.0), 0.0);
    }
}
