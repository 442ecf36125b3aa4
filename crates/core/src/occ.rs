//! OCC option symbols (the Options Clearing Corporation's OSI format).
//!
//! An OSI symbol is 21 characters: the option root left-aligned and padded with spaces to
//! 6, the expiry as `YYMMDD`, `C` or `P`, and the strike in thousandths of a dollar as 8
//! digits — `SPXW  240119P04700000` is the SPXW 2024-01-19 4700 put. Brokers and data
//! vendors also write it without the padding: Alpaca and Cboe as `SPXW240119P04700000`,
//! Polygon as `O:SPXW240119P04700000`. [`OccSymbol`] reads all three and writes the
//! first two. Reference: OCC, *Symbology Initiative*, 2008 (OSI), as used by OPRA.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{CoreError, OptionRight};

/// One listed option contract, identified as OCC does: root, expiry, right and strike.
///
/// The strike is held exactly, as an integer number of thousandths of a dollar (the OSI
/// strike field), so equality, hashing and ordering are exact and `432.5` never becomes
/// `432.49999`. The value is `Copy` (24 bytes, no heap).
///
/// * `Display` writes the padded 21-character OSI form; `{:#}` writes the compact form.
/// * [`FromStr`] reads the padded form, the compact form, and the compact form behind
///   Polygon's `O:` prefix, ignoring surrounding whitespace. Everything else must be
///   exact: upper-case root and right letter, a real calendar date, 8 strike digits.
/// * serde writes the compact form (one token with no spaces, safe in CSV and logs) and
///   reads any form [`FromStr`] reads.
/// * Ordering is by root, expiry, right (calls first), strike — the same order as the
///   OSI strings sort in.
///
/// ```
/// use chrono::NaiveDate;
/// use thetalab_core::{OccSymbol, OptionRight};
///
/// let expiry = NaiveDate::from_ymd_opt(2023, 12, 15).unwrap();
/// let sym = OccSymbol::new("SPY", expiry, OptionRight::Call, 432.5)?;
/// assert_eq!(sym.to_osi(), "SPY   231215C00432500");
/// assert_eq!(sym.to_compact(), "SPY231215C00432500");
/// assert_eq!(sym.strike_milli(), 432_500);
/// assert_eq!("O:SPY231215C00432500".parse::<OccSymbol>()?, sym);
/// # Ok::<(), thetalab_core::CoreError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OccSymbol {
    // Field order gives the derived ordering: root, expiry, right, strike. The root is
    // upper-case ASCII, NUL-padded; NUL sorts below every root character, as the OSI
    // space padding does.
    root: [u8; OccSymbol::MAX_ROOT_LEN],
    root_len: u8,
    expiry: NaiveDate,
    right: OptionRight,
    strike_milli: u64,
}

/// Characters after the root: `YYMMDD`, the right letter, 8 strike digits.
const TAIL_LEN: usize = 15;

impl OccSymbol {
    /// The longest option root OSI allows.
    pub const MAX_ROOT_LEN: usize = 6;
    /// Length of the padded OSI form.
    pub const OSI_LEN: usize = 21;
    /// The largest strike in thousandths, 99 999.999: the field has 8 digits.
    pub const MAX_STRIKE_MILLI: u64 = 99_999_999;

    /// Builds a symbol from its parts, with the strike in dollars.
    ///
    /// Errors: [`CoreError::InvalidOptionRoot`] for a root that is empty, longer than 6 or
    /// not upper-case ASCII letters and digits; [`CoreError::InvalidExpiry`] for a year
    /// outside 2000–2099; [`CoreError::InvalidStrike`] for a strike that is not finite,
    /// not positive, 100 000 or more, or not a multiple of 0.001 to within a relative
    /// 10⁻⁹ (so `0.1 + 0.2` is accepted as 0.3, and 432.5004 is refused).
    pub fn new(
        root: &str,
        expiry: NaiveDate,
        right: OptionRight,
        strike: f64,
    ) -> Result<OccSymbol, CoreError> {
        let strike_milli = strike_to_milli(strike)?;
        Self::from_strike_milli(root, expiry, right, strike_milli)
    }

    /// Builds a symbol from its parts, with the strike as an exact integer number of
    /// thousandths of a dollar (`4_700_000` for 4700), as in the OSI strike field.
    ///
    /// Errors as [`new`](Self::new), with [`CoreError::InvalidStrike`] for 0 or more
    /// than [`MAX_STRIKE_MILLI`](Self::MAX_STRIKE_MILLI).
    pub fn from_strike_milli(
        root: &str,
        expiry: NaiveDate,
        right: OptionRight,
        strike_milli: u64,
    ) -> Result<OccSymbol, CoreError> {
        if let Some(reason) = root_problem(root) {
            return Err(CoreError::InvalidOptionRoot {
                root: root.to_string(),
                reason,
            });
        }
        if let Some(reason) = expiry_problem(expiry) {
            return Err(CoreError::InvalidExpiry { expiry, reason });
        }
        if let Some(reason) = strike_milli_problem(strike_milli) {
            return Err(CoreError::InvalidStrike {
                strike: format!("{strike_milli} thousandths"),
                reason,
            });
        }
        Ok(Self::from_valid_parts(root, expiry, right, strike_milli))
    }

    /// Assembles a symbol from parts already checked by `root_problem`,
    /// `expiry_problem` and `strike_milli_problem`.
    fn from_valid_parts(
        root: &str,
        expiry: NaiveDate,
        right: OptionRight,
        strike_milli: u64,
    ) -> OccSymbol {
        let mut bytes = [0u8; Self::MAX_ROOT_LEN];
        bytes[..root.len()].copy_from_slice(root.as_bytes());
        OccSymbol {
            root: bytes,
            // root_problem guarantees 1..=6 bytes.
            root_len: root.len() as u8,
            expiry,
            right,
            strike_milli,
        }
    }

    /// The option root, e.g. `SPXW`. This is OCC's class symbol, not necessarily the
    /// underlying's ticker: SPXW options are on SPX, and adjusted contracts after a
    /// corporate action get roots such as `AAPL1`.
    #[must_use]
    pub fn root(&self) -> &str {
        // Only validated ASCII is ever stored, so the fallback is unreachable.
        std::str::from_utf8(&self.root[..usize::from(self.root_len)]).unwrap_or("")
    }

    /// The expiration date (the date in the symbol; the last trading day for most
    /// contracts, though AM-settled SPX options stop trading the day before).
    #[must_use]
    pub const fn expiry(&self) -> NaiveDate {
        self.expiry
    }

    /// Call or put.
    #[must_use]
    pub const fn right(&self) -> OptionRight {
        self.right
    }

    /// The strike in dollars: the `f64` nearest to the exact strike, i.e. the same value
    /// as the decimal literal (`4700.0`, `432.5`, `12.345`). Use
    /// [`strike_milli`](Self::strike_milli) for exact comparisons and keys.
    #[must_use]
    pub fn strike(&self) -> f64 {
        // Both operands are exact in f64 (strike_milli < 2^53), so the one division
        // rounds correctly: the result equals the literal strike, e.g. 12.345.
        self.strike_milli as f64 / 1000.0
    }

    /// The strike in thousandths of a dollar, exactly as in the symbol (`4_700_000`).
    #[must_use]
    pub const fn strike_milli(&self) -> u64 {
        self.strike_milli
    }

    /// The padded OSI form, always 21 characters: `SPXW  240119P04700000`.
    #[must_use]
    pub fn to_osi(&self) -> String {
        self.to_string()
    }

    /// The compact form without padding, as Alpaca and Cboe write it:
    /// `SPXW240119P04700000`.
    #[must_use]
    pub fn to_compact(&self) -> String {
        format!("{self:#}")
    }

    /// Writes `YYMMDD`, the right letter and the 8 strike digits.
    fn write_tail(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}{:02}{:02}{}{:08}",
            // expiry_problem keeps the year in 2000..=2099.
            self.expiry.year().rem_euclid(100),
            self.expiry.month(),
            self.expiry.day(),
            self.right.letter(),
            self.strike_milli
        )
    }
}

/// Why `root` cannot be an option root, if it cannot.
fn root_problem(root: &str) -> Option<String> {
    if root.is_empty() {
        return Some("root is empty".to_string());
    }
    if let Some(c) = root
        .chars()
        .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
    {
        return Some(format!(
            "root may hold only upper-case letters A-Z and digits, found {c:?}"
        ));
    }
    // All ASCII from here, so bytes are characters.
    (root.len() > OccSymbol::MAX_ROOT_LEN).then(|| {
        format!(
            "root has {} characters; OCC allows at most {}",
            root.len(),
            OccSymbol::MAX_ROOT_LEN
        )
    })
}

/// Why `expiry` cannot be written in a symbol's two-digit year, if it cannot.
fn expiry_problem(expiry: NaiveDate) -> Option<String> {
    (!(2000..=2099).contains(&expiry.year())).then(|| {
        "the OCC year field has two digits, read as 20YY: year must be 2000-2099".to_string()
    })
}

/// Why `strike_milli` cannot fill the 8-digit strike field, if it cannot.
fn strike_milli_problem(strike_milli: u64) -> Option<String> {
    if strike_milli == 0 {
        Some("strike must be positive".to_string())
    } else if strike_milli > OccSymbol::MAX_STRIKE_MILLI {
        Some("strike must be below 100000 (the OCC strike field has 5 integer digits)".to_string())
    } else {
        None
    }
}

/// Converts a strike in dollars to exact thousandths, or says why it cannot be.
fn strike_to_milli(strike: f64) -> Result<u64, CoreError> {
    let bad = |reason: &str| CoreError::InvalidStrike {
        strike: format!("{strike:?}"),
        reason: reason.to_string(),
    };
    if !strike.is_finite() {
        return Err(bad("strike must be finite"));
    }
    if strike <= 0.0 {
        return Err(bad("strike must be positive"));
    }
    if strike >= 100_000.0 {
        return Err(bad(
            "strike must be below 100000 (the OCC strike field has 5 integer digits)",
        ));
    }
    let scaled = strike * 1000.0;
    let milli = scaled.round();
    // Relative tolerance 1e-9: absorbs binary rounding (0.1 + 0.2), refuses real
    // sub-thousandth strikes.
    if (scaled - milli).abs() > 1e-9 * scaled {
        return Err(bad("strike must be a multiple of 0.001"));
    }
    if milli < 1.0 || milli > OccSymbol::MAX_STRIKE_MILLI as f64 {
        return Err(bad(
            "strike rounds to 0 or 100000: it must lie in 0.001..=99999.999",
        ));
    }
    // milli is an integer in 1..=99_999_999, exactly representable as u64.
    Ok(milli as u64)
}

impl fmt::Display for OccSymbol {
    /// `{}`: the padded OSI form (`SPXW  240119P04700000`); `{:#}`: the compact form
    /// (`SPXW240119P04700000`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.write_str(self.root())?;
        } else {
            write!(f, "{:<width$}", self.root(), width = Self::MAX_ROOT_LEN)?;
        }
        self.write_tail(f)
    }
}

impl fmt::Debug for OccSymbol {
    /// `OccSymbol("SPXW  240119P04700000")`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OccSymbol(\"{self}\")")
    }
}

impl FromStr for OccSymbol {
    type Err = CoreError;

    /// Reads the padded OSI form, the compact form, or the compact form after Polygon's
    /// `O:` prefix; see [`OccSymbol`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s).map_err(|reason| CoreError::InvalidOccSymbol {
            symbol: s.to_string(),
            reason,
        })
    }
}

/// The parser behind `FromStr`; the error is the reason only.
pub(crate) fn parse(s: &str) -> Result<OccSymbol, String> {
    let text = s.trim();
    let body = text.strip_prefix("O:").unwrap_or(text);
    if let Some(c) = body.chars().find(|c| !c.is_ascii()) {
        return Err(format!("non-ASCII character {c:?}"));
    }
    // A strike with a digit missing or extra is the commonest typo; name it directly
    // rather than reporting the shifted fields that follow from it.
    if let Some(at) = body.rfind(|c: char| !c.is_ascii_digit()) {
        let digits = body.len() - at - 1;
        if matches!(&body[at..=at], "C" | "P") && digits != 8 && body.len() >= 12 {
            return Err(format!(
                "strike digits: found {digits} after the right letter {}, expected 8",
                &body[at..=at]
            ));
        }
        let date_digits = body[..at]
            .bytes()
            .rev()
            .take_while(u8::is_ascii_digit)
            .count();
        if matches!(&body[at..=at], "C" | "P") && date_digits < 6 && body.len() >= 12 {
            return Err(format!(
                "expiry: expected 6 digits (YYMMDD) before the right letter {}, found \
                 {date_digits}",
                &body[at..=at]
            ));
        }
    }
    let len = body.len();
    if !(TAIL_LEN + 1..=OccSymbol::OSI_LEN).contains(&len) {
        return Err(format!(
            "length {len}: expected 16 to 21 characters (root of 1-6, YYMMDD, C or P, \
             8 strike digits)"
        ));
    }
    // All ASCII, so byte offsets are character offsets.
    let (head, tail) = body.split_at(len - TAIL_LEN);
    let root = head.trim_end_matches(' ');
    if root.len() != head.len() && head.len() != OccSymbol::MAX_ROOT_LEN {
        return Err(format!(
            "root {root:?} is padded to {} characters; the OSI form pads it to exactly 6",
            head.len()
        ));
    }
    if let Some(reason) = root_problem(root) {
        return Err(reason);
    }

    let (date, rest) = tail.split_at(6);
    let (letter, strike) = rest.split_at(1);
    if !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("expiry {date:?} must be 6 digits YYMMDD"));
    }
    let field = |range: std::ops::Range<usize>| date[range].parse::<u32>().unwrap_or(0);
    let (yy, mm, dd) = (field(0..2), field(2..4), field(4..6));
    // yy < 100, so the cast and the sum cannot overflow.
    let expiry = NaiveDate::from_ymd_opt(2000 + yy as i32, mm, dd)
        .ok_or_else(|| format!("expiry {date:?} is not a calendar date (YYMMDD)"))?;

    let right = match letter {
        "C" => OptionRight::Call,
        "P" => OptionRight::Put,
        other => {
            return Err(format!(
                "right letter at position {} must be C or P, found {other:?}",
                len - TAIL_LEN + 7
            ));
        }
    };

    if !strike.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strike digits {strike:?} must be 8 digits 0-9"));
    }
    let strike_milli: u64 = strike
        .parse()
        .map_err(|_| format!("strike digits {strike:?} must be 8 digits 0-9"))?;
    if let Some(reason) = strike_milli_problem(strike_milli) {
        return Err(reason);
    }
    Ok(OccSymbol::from_valid_parts(
        root,
        expiry,
        right,
        strike_milli,
    ))
}

impl Serialize for OccSymbol {
    /// The compact form, `SPXW240119P04700000`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{self:#}"))
    }
}

impl<'de> Deserialize<'de> for OccSymbol {
    /// Any form [`FromStr`] reads.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(OccVisitor)
    }
}

/// serde visitor reading an OCC symbol from a string.
struct OccVisitor;

impl Visitor<'_> for OccVisitor {
    type Value = OccSymbol;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OCC option symbol such as SPXW240119P04700000")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<OccSymbol, E> {
        v.parse().map_err(E::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn occ(s: &str) -> OccSymbol {
        s.parse().unwrap()
    }

    fn reason(s: &str) -> String {
        match s.parse::<OccSymbol>() {
            Err(CoreError::InvalidOccSymbol { symbol, reason }) => {
                assert_eq!(symbol, s);
                reason
            }
            other => panic!("{s:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn real_padded_symbols() {
        let s = occ("SPXW  240119P04700000");
        assert_eq!(s.root(), "SPXW");
        assert_eq!(s.expiry(), date(2024, 1, 19));
        assert_eq!(s.right(), OptionRight::Put);
        assert_eq!(s.strike(), 4700.0);
        assert_eq!(s.strike_milli(), 4_700_000);
        assert_eq!(s.to_osi(), "SPXW  240119P04700000");
        assert_eq!(s.to_compact(), "SPXW240119P04700000");

        let a = occ("AAPL  150117C00450000");
        assert_eq!(
            (a.root(), a.expiry(), a.right(), a.strike()),
            ("AAPL", date(2015, 1, 17), OptionRight::Call, 450.0)
        );
        assert_eq!(a.to_string(), "AAPL  150117C00450000");

        let frac = occ("SPY   231215C00432500");
        assert_eq!(frac.strike(), 432.5);
        assert_eq!(frac.strike_milli(), 432_500);
        assert_eq!(frac.to_compact(), "SPY231215C00432500");
    }

    #[test]
    fn real_compact_symbols() {
        let c = occ("SPXW220712C03850000"); // Cboe quotedata
        assert_eq!(
            (c.root(), c.expiry(), c.right(), c.strike()),
            ("SPXW", date(2022, 7, 12), OptionRight::Call, 3850.0)
        );
        assert_eq!(c.to_osi(), "SPXW  220712C03850000");

        let spy = occ("SPY230901C00430000"); // Alpaca
        assert_eq!(
            (spy.root(), spy.expiry(), spy.right(), spy.strike()),
            ("SPY", date(2023, 9, 1), OptionRight::Call, 430.0)
        );
        assert_eq!(spy.to_osi(), "SPY   230901C00430000");
        assert_eq!(spy.to_osi().len(), OccSymbol::OSI_LEN);
        assert_eq!(occ("SPY   230901C00430000"), spy);
    }

    #[test]
    fn polygon_prefix_and_whitespace() {
        assert_eq!(occ("O:SPY230901C00430000"), occ("SPY230901C00430000"));
        assert_eq!(occ(" SPXW  240119P04700000\n"), occ("SPXW240119P04700000"));
        // One-letter and six-letter roots.
        assert_eq!(occ("F     240119C00012500").root(), "F");
        assert_eq!(occ("F240119C00012500").strike(), 12.5);
        assert_eq!(occ("GOOGL1240119C00100000").root(), "GOOGL1");
    }

    #[test]
    fn new_validates_and_matches_parse() {
        let s = OccSymbol::new("SPXW", date(2024, 1, 19), OptionRight::Put, 4700.0).unwrap();
        assert_eq!(s, occ("SPXW  240119P04700000"));
        let exact =
            OccSymbol::from_strike_milli("SPXW", date(2024, 1, 19), OptionRight::Put, 4_700_000);
        assert_eq!(exact.unwrap(), s);
        let tiny = OccSymbol::new("X", date(2099, 12, 31), OptionRight::Call, 0.001).unwrap();
        assert_eq!(tiny.to_osi(), "X     991231C00000001");
        let top = OccSymbol::new("X", date(2000, 1, 1), OptionRight::Call, 99_999.999).unwrap();
        assert_eq!(top.to_compact(), "X000101C99999999");
        let sum = OccSymbol::new("X", date(2024, 1, 19), OptionRight::Call, 0.1 + 0.2).unwrap();
        assert_eq!(sum.strike_milli(), 300);
        assert_eq!(
            OccSymbol::new("X", date(2024, 1, 19), OptionRight::Call, 12.345)
                .unwrap()
                .strike(),
            12.345
        );
    }

    #[test]
    fn new_rejects_bad_roots() {
        let d = date(2024, 1, 19);
        for root in ["", "TOOLONG", "spy", "BRK.B", "BRK B", "ÄPL", "SP Y"] {
            assert!(
                matches!(
                    OccSymbol::new(root, d, OptionRight::Call, 100.0),
                    Err(CoreError::InvalidOptionRoot { .. })
                ),
                "{root:?}"
            );
        }
    }

    #[test]
    fn new_rejects_bad_strikes() {
        let d = date(2024, 1, 19);
        for strike in [
            0.0,
            -5.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            100_000.0,
            1e12,
            432.5004,
            0.0001,
            1e-300,
            99_999.999_9,
        ] {
            let got = OccSymbol::new("SPY", d, OptionRight::Call, strike);
            assert!(
                matches!(got, Err(CoreError::InvalidStrike { .. })),
                "{strike:?} gave {got:?}"
            );
        }
        assert!(OccSymbol::from_strike_milli("SPY", d, OptionRight::Call, 0).is_err());
        assert!(OccSymbol::from_strike_milli("SPY", d, OptionRight::Call, 100_000_000).is_err());
        let msg = OccSymbol::new("SPY", d, OptionRight::Call, f64::NAN)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("NaN") && msg.contains("finite"), "{msg}");
    }

    #[test]
    fn new_rejects_unwritable_years() {
        for d in [date(1999, 12, 31), date(2100, 1, 1)] {
            assert!(matches!(
                OccSymbol::new("SPY", d, OptionRight::Call, 100.0),
                Err(CoreError::InvalidExpiry { .. })
            ));
        }
    }

    #[test]
    fn parse_errors_name_the_part_at_fault() {
        assert!(reason("").contains("length 0"));
        assert!(reason("SPY230901C0043000").contains("found 7"));
        assert!(reason("SPY230901C004300000").contains("found 9"));
        assert!(reason("SPY2309C00430000").contains("expiry"));
        assert!(reason("SPXWXYZ240119P04700000").contains("length 22"));
        assert!(reason("240119P04700000").contains("length 15"));
        assert!(reason("SPXW 240119P04700000").contains("padded to 5"));
        assert!(reason("SPXW  240119p04700000").contains("right letter"));
        assert!(reason("SPXW  240119X04700000").contains("C or P"));
        assert!(reason("spxw  240119P04700000").contains("upper-case"));
        assert!(reason("BRK.B 240119C00300000").contains("upper-case"));
        assert!(reason("SPXW  241319P04700000").contains("not a calendar date"));
        assert!(reason("SPXW  230229P04700000").contains("not a calendar date"));
        assert!(reason("SPXW  2401A9P04700000").contains("6 digits"));
        assert!(reason("SPXW  240119P0470000A").contains("strike digits"));
        assert!(reason("SPXW  240119P+4700000").contains("strike digits"));
        assert!(reason("SPXW  240119P00000000").contains("positive"));
        assert!(reason("SPXW  240119P04700000€").contains("non-ASCII"));
        assert!(reason("      240119P04700000").contains("length 15"));
        assert!(reason("O:O:SPY230901C00430000").contains("root"));
    }

    #[test]
    fn leap_day_expiry() {
        assert_eq!(occ("SPY240229C00500000").expiry(), date(2024, 2, 29));
    }

    #[test]
    fn formatting_forms() {
        let s = occ("SPXW240119P04700000");
        assert_eq!(format!("{s}"), "SPXW  240119P04700000");
        assert_eq!(format!("{s:#}"), "SPXW240119P04700000");
        assert_eq!(format!("{s:?}"), "OccSymbol(\"SPXW  240119P04700000\")");
    }

    #[test]
    fn serde_reads_both_forms() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};
        for text in [
            "SPXW240119P04700000",
            "SPXW  240119P04700000",
            "O:SPXW240119P04700000",
        ] {
            let d: StrDeserializer<Error> = text.into_deserializer();
            assert_eq!(
                OccSymbol::deserialize(d).unwrap(),
                occ("SPXW240119P04700000")
            );
        }
        let d: StrDeserializer<Error> = "SPXW".into_deserializer();
        assert!(OccSymbol::deserialize(d).is_err());
    }

    #[test]
    fn ordering_is_root_expiry_right_strike() {
        let mut v = [
            occ("SPY240119P00400000"),
            occ("SPX240119C04700000"),
            occ("SPY240119C00410000"),
            occ("SPY240119C00400000"),
            occ("SPXW240119C04700000"),
            occ("SPY240112C00500000"),
        ];
        v.sort();
        let got: Vec<String> = v.iter().map(OccSymbol::to_compact).collect();
        assert_eq!(
            got,
            [
                "SPX240119C04700000",
                "SPXW240119C04700000",
                "SPY240112C00500000",
                "SPY240119C00400000",
                "SPY240119C00410000",
                "SPY240119P00400000",
            ]
        );
    }

    fn any_symbol() -> impl Strategy<Value = OccSymbol> {
        let first = date(2000, 1, 1);
        (
            "[A-Z0-9]{1,6}",
            0i64..36_525,
            prop_oneof![Just(OptionRight::Call), Just(OptionRight::Put)],
            1u64..=OccSymbol::MAX_STRIKE_MILLI,
        )
            .prop_map(move |(root, days, right, milli)| {
                let expiry = first + chrono::Days::new(days as u64);
                OccSymbol::from_strike_milli(&root, expiry, right, milli).unwrap()
            })
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(s in any_symbol()) {
            let osi = s.to_osi();
            prop_assert_eq!(osi.len(), OccSymbol::OSI_LEN);
            prop_assert_eq!(osi.parse::<OccSymbol>().unwrap(), s);
            prop_assert_eq!(s.to_compact().parse::<OccSymbol>().unwrap(), s);
            prop_assert_eq!(format!("O:{}", s.to_compact()).parse::<OccSymbol>().unwrap(), s);
            // The f64 constructor agrees with the exact one.
            let again = OccSymbol::new(s.root(), s.expiry(), s.right(), s.strike()).unwrap();
            prop_assert_eq!(again, s);
        }

        #[test]
        fn parse_then_format_is_identity(
            root in "[A-Z0-9]{1,6}",
            y in 0u32..100, m in 1u32..=12, d in 1u32..=28,
            letter in "[CP]",
            strike in 1u64..=OccSymbol::MAX_STRIKE_MILLI,
        ) {
            let compact = format!("{root}{y:02}{m:02}{d:02}{letter}{strike:08}");
            let osi = format!("{root:<6}{y:02}{m:02}{d:02}{letter}{strike:08}");
            let s: OccSymbol = compact.parse().unwrap();
            prop_assert_eq!(s.to_compact(), compact);
            prop_assert_eq!(s.to_osi(), osi);
        }

        #[test]
        fn order_matches_osi_string_order(a in any_symbol(), b in any_symbol()) {
            prop_assert_eq!(a.cmp(&b), a.to_osi().cmp(&b.to_osi()));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = s.parse::<OccSymbol>();
        }

        #[test]
        fn near_misses_never_panic(s in "(O:)?[A-Za-z0-9 .]{0,7}[0-9A-Z]{6}[CPcpX ][0-9 +-]{6,9}") {
            if let Ok(sym) = s.parse::<OccSymbol>() {
                prop_assert_eq!(sym.to_compact().parse::<OccSymbol>().unwrap(), sym);
            }
        }
    }
}
