//! Instrument identifiers: a ticker for stocks, ETFs and indices, or an OCC symbol for a
//! listed option.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::occ;
use crate::{CoreError, OccSymbol};

/// A validated ticker: a stock, ETF, index or other non-option instrument as the venue or
/// vendor names it (`SPY`, `BRK.B`, `^SPX`, `I:SPX`, `BTC/USD`).
///
/// Rules, which every US listing and the usual vendor forms meet: 1 to
/// [`MAX_LEN`](Self::MAX_LEN) characters, upper-case letters `A-Z`, digits, and the
/// punctuation `. - / ^ : _ = $ +`, with at least one letter or digit. Lower case is
/// refused rather than folded, so that `spy` and `SPY` can never become two keys of one
/// map; text shaped like an OCC option symbol (6 digits, `C` or `P`, a digit) or
/// starting with Polygon's option prefix `O:` is refused too, so that a mistyped option
/// symbol is reported instead of becoming a ticker.
///
/// Held inline (`Copy`, 24 bytes); ordering is that of the text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticker {
    // NUL-padded ASCII; NUL sorts first, so the derived order is the string order.
    bytes: [u8; Ticker::MAX_LEN],
    len: u8,
}

impl Ticker {
    /// The longest ticker held: room for every listing and vendor-prefixed forms, while
    /// keeping [`InstrumentId`] `Copy` and 32 bytes.
    pub const MAX_LEN: usize = 23;

    /// Validates `text` as a ticker (no trimming; see the type's rules).
    pub fn new(text: &str) -> Result<Ticker, CoreError> {
        if let Some(reason) = ticker_problem(text) {
            return Err(CoreError::InvalidTicker {
                ticker: text.to_string(),
                reason,
            });
        }
        let mut bytes = [0u8; Self::MAX_LEN];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Ok(Ticker {
            bytes,
            // ticker_problem guarantees 1..=MAX_LEN bytes.
            len: text.len() as u8,
        })
    }

    /// The ticker text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only validated ASCII is ever stored, so the fallback is unreachable.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

/// Why `text` cannot be a ticker, if it cannot.
fn ticker_problem(text: &str) -> Option<String> {
    const PUNCTUATION: &[u8] = b".-/^:_=$+";
    if text.is_empty() {
        return Some("ticker is empty".to_string());
    }
    if let Some(c) = text.chars().find(|&c| {
        !(c.is_ascii_uppercase()
            || c.is_ascii_digit()
            || (c.is_ascii() && PUNCTUATION.contains(&(c as u8))))
    }) {
        return Some(if c.is_ascii_lowercase() {
            format!("tickers are upper case, found {c:?}")
        } else {
            format!("character {c:?} is not allowed (A-Z, 0-9 and . - / ^ : _ = $ + are)")
        });
    }
    if text.len() > Ticker::MAX_LEN {
        return Some(format!(
            "ticker has {} characters; at most {} are held",
            text.len(),
            Ticker::MAX_LEN
        ));
    }
    if !text.bytes().any(|b| b.is_ascii_alphanumeric()) {
        return Some("ticker has no letter or digit".to_string());
    }
    if text.starts_with("O:") {
        return Some("the O: prefix marks an option symbol".to_string());
    }
    if looks_like_occ(text.as_bytes()) {
        return Some("shaped like an OCC option symbol (YYMMDD, C or P, strike digits)".into());
    }
    None
}

/// Whether `b` holds 6 digits, then `C` or `P`, then a digit: the core of an OCC symbol,
/// found in no ticker.
fn looks_like_occ(b: &[u8]) -> bool {
    b.windows(8).any(|w| {
        w[..6].iter().all(u8::is_ascii_digit)
            && matches!(w[6], b'C' | b'P')
            && w[7].is_ascii_digit()
    })
}

impl fmt::Display for Ticker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Ticker {
    /// `Ticker("SPY")`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ticker({:?})", self.as_str())
    }
}

impl FromStr for Ticker {
    type Err = CoreError;

    /// [`Ticker::new`] after trimming surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ticker::new(s.trim())
    }
}

impl AsRef<str> for Ticker {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for Ticker {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Ticker {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What a position, an order, a quote or a bar is about: a ticker (stock, ETF, index) or
/// a listed option.
///
/// * `Display` writes the ticker, or the option's compact OCC form
///   (`SPXW240119P04700000`), so an id is always one token without spaces (safe as a
///   CSV field, a log word or a file name).
/// * [`FromStr`] reads an option when the text parses as an OCC symbol (either form, or
///   Polygon's `O:…`), and a [`Ticker`] otherwise; text that is neither is an error
///   giving both reasons.
/// * serde uses the same text as `Display` and `FromStr`.
/// * Ordering puts all tickers before all options, then orders within each kind.
///
/// ```
/// use thetalab_core::InstrumentId;
///
/// let spy: InstrumentId = "SPY".parse()?;
/// let put: InstrumentId = "SPXW  240119P04700000".parse()?;
/// assert!(!spy.is_option());
/// assert_eq!(put.as_option().map(|o| o.strike()), Some(4700.0));
/// assert_eq!(put.to_string(), "SPXW240119P04700000");
/// assert!("spy".parse::<InstrumentId>().is_err());
/// # Ok::<(), thetalab_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstrumentId {
    /// A stock, ETF, index or other instrument named by its ticker.
    Ticker(Ticker),
    /// A listed option named by its OCC symbol.
    Option(OccSymbol),
}

impl InstrumentId {
    /// A ticker id; errors as [`Ticker::new`].
    pub fn ticker(text: &str) -> Result<InstrumentId, CoreError> {
        Ticker::new(text).map(InstrumentId::Ticker)
    }

    /// Whether this is an option.
    #[must_use]
    pub const fn is_option(&self) -> bool {
        matches!(self, InstrumentId::Option(_))
    }

    /// The OCC symbol, if this is an option.
    #[must_use]
    pub const fn as_option(&self) -> Option<&OccSymbol> {
        match self {
            InstrumentId::Option(o) => Some(o),
            InstrumentId::Ticker(_) => None,
        }
    }

    /// The ticker, if this is not an option.
    #[must_use]
    pub const fn as_ticker(&self) -> Option<&Ticker> {
        match self {
            InstrumentId::Ticker(t) => Some(t),
            InstrumentId::Option(_) => None,
        }
    }
}

impl From<Ticker> for InstrumentId {
    fn from(t: Ticker) -> Self {
        InstrumentId::Ticker(t)
    }
}

impl From<OccSymbol> for InstrumentId {
    fn from(o: OccSymbol) -> Self {
        InstrumentId::Option(o)
    }
}

impl fmt::Display for InstrumentId {
    /// The ticker, or the compact OCC form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstrumentId::Ticker(t) => f.write_str(t.as_str()),
            InstrumentId::Option(o) => write!(f, "{o:#}"),
        }
    }
}

impl FromStr for InstrumentId {
    type Err = CoreError;

    /// An OCC symbol if it parses as one, otherwise a ticker (surrounding whitespace
    /// ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let occ_reason = match occ::parse(s) {
            Ok(o) => return Ok(InstrumentId::Option(o)),
            Err(reason) => reason,
        };
        match ticker_problem(s.trim()) {
            None => Ticker::new(s.trim()).map(InstrumentId::Ticker),
            Some(ticker_reason) => Err(CoreError::InvalidInstrumentId {
                input: s.to_string(),
                reason: format!(
                    "not an OCC option symbol ({occ_reason}) nor a ticker ({ticker_reason})"
                ),
            }),
        }
    }
}

impl Serialize for Ticker {
    /// The ticker text.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Ticker {
    /// Ticker text, validated.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FromStrVisitor::<Ticker>::new("a ticker such as SPY"))
    }
}

impl Serialize for InstrumentId {
    /// The `Display` text.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for InstrumentId {
    /// Any text [`FromStr`] reads.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FromStrVisitor::<InstrumentId>::new(
            "a ticker or an OCC option symbol",
        ))
    }
}

/// serde visitor that reads a string through `T`'s [`FromStr`].
struct FromStrVisitor<T> {
    expecting: &'static str,
    target: std::marker::PhantomData<T>,
}

impl<T> FromStrVisitor<T> {
    fn new(expecting: &'static str) -> Self {
        FromStrVisitor {
            expecting,
            target: std::marker::PhantomData,
        }
    }
}

impl<T: FromStr<Err = CoreError>> Visitor<'_> for FromStrVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::OptionRight;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn id(s: &str) -> InstrumentId {
        s.parse().unwrap()
    }

    #[test]
    fn tickers_and_options_parse() {
        for t in [
            "SPY",
            "BRK.B",
            "BRK-B",
            "^SPX",
            "I:SPX",
            "X:BTCUSD",
            "BTC/USD",
            "ES=F",
            "$VIX",
            "600519.SS",
            "A",
        ] {
            let got = id(t);
            assert_eq!(got.as_ticker().map(Ticker::as_str), Some(t));
            assert_eq!(got.to_string(), t);
            assert!(!got.is_option());
        }
        let put = id("SPXW  240119P04700000");
        assert!(put.is_option());
        assert_eq!(
            put.as_option().map(OccSymbol::right),
            Some(OptionRight::Put)
        );
        assert_eq!(put.to_string(), "SPXW240119P04700000");
        assert_eq!(id("O:SPXW240119P04700000"), put);
        assert_eq!(id("SPXW240119P04700000"), put);
        assert_eq!(id(" SPY\t").to_string(), "SPY");
    }

    #[test]
    fn bad_ids_explain_both_readings() {
        for bad in [
            "",
            "spy",
            "SP Y",
            "SPY,QQQ",
            "Ä",
            "^",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "O:SPY",
        ] {
            assert!(
                matches!(
                    bad.parse::<InstrumentId>(),
                    Err(CoreError::InvalidInstrumentId { .. })
                ),
                "{bad:?}"
            );
        }
        // A mistyped option symbol (7 strike digits) is not taken for a ticker.
        let err = "SPXW240119P0470000"
            .parse::<InstrumentId>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("found 7") && err.contains("OCC"), "{err}");
        let err = "SPXW  240119P0470000".parse::<InstrumentId>().unwrap_err();
        assert!(matches!(err, CoreError::InvalidInstrumentId { .. }));
    }

    #[test]
    fn ticker_rules() {
        assert!(Ticker::new("SPY").is_ok());
        assert!(Ticker::new(&"A".repeat(Ticker::MAX_LEN)).is_ok());
        assert!(Ticker::new(&"A".repeat(Ticker::MAX_LEN + 1)).is_err());
        assert!(Ticker::new(" SPY").is_err());
        assert!(" SPY".parse::<Ticker>().is_ok());
        let err = Ticker::new("spy").unwrap_err().to_string();
        assert!(err.contains("upper case"), "{err}");
        assert_eq!(Ticker::new("SPY").unwrap(), "SPY");
        assert_eq!(
            format!("{:?}", Ticker::new("SPY").unwrap()),
            "Ticker(\"SPY\")"
        );
        assert_eq!(InstrumentId::ticker("QQQ").unwrap(), id("QQQ"));
    }

    #[test]
    fn ordering_and_hashing() {
        let mut v = [
            id("SPY"),
            id("SPY240119C00400000"),
            id("AAPL"),
            id("BRK.B"),
            id("AAPL240119C00100000"),
        ];
        v.sort();
        let got: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "AAPL",
                "BRK.B",
                "SPY",
                "AAPL240119C00100000",
                "SPY240119C00400000"
            ]
        );
        // Both OCC forms are one key.
        let set: HashSet<InstrumentId> =
            [id("SPY240119C00400000"), id("SPY   240119C00400000")].into();
        assert_eq!(set.len(), 1);
        assert!(id("AA") < id("AAA"));
    }

    #[test]
    fn serde_reads_display_text() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};
        let d: StrDeserializer<Error> = "SPXW  240119P04700000".into_deserializer();
        assert_eq!(
            InstrumentId::deserialize(d).unwrap(),
            id("SPXW240119P04700000")
        );
        let d: StrDeserializer<Error> = "SPY".into_deserializer();
        assert_eq!(InstrumentId::deserialize(d).unwrap(), id("SPY"));
        let d: StrDeserializer<Error> = "spy".into_deserializer();
        assert!(InstrumentId::deserialize(d).is_err());
        let d: StrDeserializer<Error> = "BRK.B".into_deserializer();
        assert_eq!(Ticker::deserialize(d).unwrap(), "BRK.B");
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(s in "[A-Z0-9.^:/=$+_-]{1,23}") {
            if let Ok(i) = s.parse::<InstrumentId>() {
                prop_assert_eq!(i.to_string().parse::<InstrumentId>().unwrap(), i);
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<InstrumentId>();
        }
    }
}
