//! UTC nanosecond timestamps, with helpers for the America/New_York wall clock on which
//! US equity and option sessions are defined.
//!
//! A [`Timestamp`] is one `i64` of nanoseconds since 1970-01-01T00:00:00Z: the unit of
//! exchange feeds (SIP, OPRA, Polygon, Databento), totally ordered, hashable and free to
//! copy. It covers 1677-09-21 to 2262-04-11; every constructor and every arithmetic
//! operation that could leave that range returns [`CoreError::TimestampOutOfRange`]
//! instead of panicking or wrapping.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{
    DateTime, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone,
    Timelike, Utc,
};
use chrono_tz::Tz;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::CoreError;

/// The America/New_York time zone (IANA tz database), in which NYSE, Nasdaq, Cboe and OCC
/// define sessions, expiries and settlement times.
pub const NEW_YORK: Tz = chrono_tz::America::New_York;

/// An instant in time: UTC nanoseconds since the Unix epoch (1970-01-01T00:00:00Z).
///
/// Leap seconds are not counted (POSIX time), as in every market-data feed. Ordering,
/// equality and hashing are those of the underlying integer.
///
/// * `Display` and `to_string()` give RFC 3339 in UTC with as many fractional digits (0,
///   3, 6 or 9) as needed to be exact, e.g. `2024-01-19T14:30:00Z` or
///   `2024-01-19T14:30:00.000000001Z`; [`FromStr`] reads any RFC 3339 offset back.
/// * serde writes the integer nanoseconds (lossless, compact, what tick files hold); it
///   reads either that integer or, in human-readable formats such as JSON, TOML or CSV,
///   an RFC 3339 string, so configuration files can say `"2024-01-19T09:30:00-05:00"`.
///
/// ```
/// use chrono::NaiveDate;
/// use thetalab_core::Timestamp;
///
/// let day = NaiveDate::from_ymd_opt(2024, 1, 19).unwrap();
/// let open = Timestamp::from_ny_hms(day, "09:30")?;
/// assert_eq!(open.to_string(), "2024-01-19T14:30:00Z");
/// assert_eq!(open.ny_minutes_since_midnight(), 9 * 60 + 30);
/// let close = Timestamp::from_ny_hms(day, "16:00")?;
/// assert_eq!(close.nanos_since(open)?, 390 * 60 * 1_000_000_000);
/// # Ok::<(), thetalab_core::CoreError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// Nanoseconds in one ACT/365 year: 365 × 86 400 × 10⁹ (exactly representable as f64).
const NANOS_PER_YEAR: f64 = Timestamp::SECONDS_PER_YEAR * 1e9;

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp(0);
    /// The earliest representable instant, 1677-09-21T00:12:43.145224192Z.
    pub const MIN: Timestamp = Timestamp(i64::MIN);
    /// The latest representable instant, 2262-04-11T23:47:16.854775807Z.
    pub const MAX: Timestamp = Timestamp(i64::MAX);
    /// Nanoseconds per second.
    pub const NANOS_PER_SECOND: i64 = 1_000_000_000;
    /// Seconds in a year under the ACT/365 (fixed) convention, 365 × 86 400: the
    /// denominator that turns calendar time into the `T` of option pricing formulas.
    pub const SECONDS_PER_YEAR: f64 = 365.0 * 86_400.0;

    /// From nanoseconds since the epoch (every `i64` is a valid timestamp).
    #[must_use]
    pub const fn from_nanos(nanos: i64) -> Timestamp {
        Timestamp(nanos)
    }

    /// From microseconds since the epoch; errors if the result leaves the `i64`
    /// nanosecond range.
    pub fn from_micros(micros: i64) -> Result<Timestamp, CoreError> {
        scaled(micros, 1_000, "µs")
    }

    /// From milliseconds since the epoch (Alpaca, many REST APIs); errors if the result
    /// leaves the `i64` nanosecond range.
    pub fn from_millis(millis: i64) -> Result<Timestamp, CoreError> {
        scaled(millis, 1_000_000, "ms")
    }

    /// From whole seconds since the epoch (Unix time); errors if the result leaves the
    /// `i64` nanosecond range.
    pub fn from_secs(secs: i64) -> Result<Timestamp, CoreError> {
        scaled(secs, Self::NANOS_PER_SECOND, "s")
    }

    /// From a chrono UTC date-time; errors outside 1677-09-21..2262-04-11.
    pub fn from_utc(dt: DateTime<Utc>) -> Result<Timestamp, CoreError> {
        Self::from_datetime(&dt)
    }

    /// From a chrono date-time in any time zone (the instant it denotes); errors outside
    /// 1677-09-21..2262-04-11.
    pub fn from_datetime<Z: TimeZone>(dt: &DateTime<Z>) -> Result<Timestamp, CoreError> {
        dt.timestamp_nanos_opt()
            .map(Timestamp)
            .ok_or_else(|| CoreError::TimestampOutOfRange {
                input: dt.to_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true),
            })
    }

    /// From a New York wall-clock date and time.
    ///
    /// Daylight-saving changes are handled explicitly:
    /// * **gap** (spring forward, second Sunday of March): 02:00–02:59:59 does not exist
    ///   and gives [`CoreError::NonexistentLocalTime`] rather than a guess;
    /// * **overlap** (fall back, first Sunday of November): 01:00–01:59:59 happens twice;
    ///   the **earliest** instant (still EDT, UTC−4) is returned. Use
    ///   [`from_datetime`](Self::from_datetime) with an explicit offset to get the other.
    ///
    /// Neither case falls inside US trading hours, but overnight data (futures, crypto,
    /// extended sessions from 04:00) must not be silently shifted by an hour.
    pub fn from_ny_local(local: NaiveDateTime) -> Result<Timestamp, CoreError> {
        match NEW_YORK.from_local_datetime(&local) {
            MappedLocalTime::Single(dt) => Self::from_datetime(&dt),
            MappedLocalTime::Ambiguous(earliest, _latest) => Self::from_datetime(&earliest),
            MappedLocalTime::None => Err(CoreError::NonexistentLocalTime { local }),
        }
    }

    /// From a New York date and wall-clock time; same rules as
    /// [`from_ny_local`](Self::from_ny_local).
    pub fn from_ny(date: NaiveDate, time: NaiveTime) -> Result<Timestamp, CoreError> {
        Self::from_ny_local(date.and_time(time))
    }

    /// From a New York date and a wall-clock time written `HH:MM` or `HH:MM:SS` (24-hour
    /// clock; the hour may have one digit, `9:30`; surrounding whitespace is ignored).
    /// Same daylight-saving rules as [`from_ny_local`](Self::from_ny_local).
    pub fn from_ny_hms(date: NaiveDate, hms: &str) -> Result<Timestamp, CoreError> {
        Self::from_ny(date, parse_hms(hms)?)
    }

    /// Nanoseconds since the epoch.
    #[must_use]
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// Whole microseconds since the epoch, rounded towards the past (floor), so that
    /// instants before 1970 bucket the same way as those after.
    #[must_use]
    pub const fn as_micros(self) -> i64 {
        self.0.div_euclid(1_000)
    }

    /// Whole milliseconds since the epoch, rounded towards the past (floor).
    #[must_use]
    pub const fn as_millis(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// Whole seconds since the epoch (Unix time), rounded towards the past (floor).
    #[must_use]
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(Self::NANOS_PER_SECOND)
    }

    /// Nanoseconds past [`as_secs`](Self::as_secs), in `0..1_000_000_000`.
    #[must_use]
    pub const fn subsec_nanos(self) -> u32 {
        // rem_euclid by 10⁹ lies in 0..10⁹, which fits in u32.
        self.0.rem_euclid(Self::NANOS_PER_SECOND) as u32
    }

    /// As a chrono UTC date-time (always possible: chrono's range is wider).
    #[must_use]
    pub fn to_utc(self) -> DateTime<Utc> {
        DateTime::from_timestamp_nanos(self.0)
    }

    /// As a New York local date-time (EST or EDT as in force at that instant).
    #[must_use]
    pub fn to_ny(self) -> DateTime<Tz> {
        self.to_utc().with_timezone(&NEW_YORK)
    }

    /// The New York calendar date, which is the trading date of US equity and option
    /// sessions (an instant at 23:30 ET belongs to that day, though it is the next day
    /// in UTC).
    #[must_use]
    pub fn ny_date(self) -> NaiveDate {
        self.to_ny().date_naive()
    }

    /// The New York wall-clock time of day.
    #[must_use]
    pub fn ny_time(self) -> NaiveTime {
        self.to_ny().time()
    }

    /// Whole minutes since midnight on the New York wall clock (0..1440): 570 at the
    /// 09:30 open, 960 at the 16:00 close. This is wall-clock, not elapsed, time, so the
    /// open is 570 on daylight-saving change days too; seconds are truncated.
    #[must_use]
    pub fn ny_minutes_since_midnight(self) -> u32 {
        let t = self.ny_time();
        t.hour() * 60 + t.minute()
    }

    /// `self + d`; errors if the result passes [`Timestamp::MAX`].
    pub fn checked_add(self, d: Duration) -> Result<Timestamp, CoreError> {
        i64::try_from(d.as_nanos())
            .ok()
            .and_then(|n| self.0.checked_add(n))
            .map(Timestamp)
            .ok_or_else(|| out_of_range(format!("{self} + {d:?}")))
    }

    /// `self − d`; errors if the result passes [`Timestamp::MIN`].
    pub fn checked_sub(self, d: Duration) -> Result<Timestamp, CoreError> {
        i64::try_from(d.as_nanos())
            .ok()
            .and_then(|n| self.0.checked_sub(n))
            .map(Timestamp)
            .ok_or_else(|| out_of_range(format!("{self} - {d:?}")))
    }

    /// `self + nanos` (negative moves back); errors if the result leaves the range.
    pub fn checked_add_nanos(self, nanos: i64) -> Result<Timestamp, CoreError> {
        self.0
            .checked_add(nanos)
            .map(Timestamp)
            .ok_or_else(|| out_of_range(format!("{self} + {nanos} ns")))
    }

    /// `self − earlier` in nanoseconds (negative when `earlier` is later); errors only
    /// when the two are more than ~292 years apart and the difference overflows `i64`.
    pub fn nanos_since(self, earlier: Timestamp) -> Result<i64, CoreError> {
        self.0
            .checked_sub(earlier.0)
            .ok_or_else(|| out_of_range(format!("{self} - {earlier}")))
    }

    /// Calendar time from `a` to `b` in years under ACT/365 (fixed):
    /// `T = (b − a) in seconds / (365 × 86 400)`, negative when `b` is before `a`.
    ///
    /// This is the time to expiry `T` of Black–Scholes–Merton (Hull, *Options, Futures
    /// and Other Derivatives*, ch. 15) as most desks quote it: every calendar second
    /// counts, leap years have no extra weight. Trading-day conventions (T = days/252)
    /// belong with the pricing code that uses them. Never fails: the difference is taken
    /// in `i128`.
    #[must_use]
    pub fn years_between(a: Timestamp, b: Timestamp) -> f64 {
        // i128 holds any difference of two i64 exactly; one rounding to f64, one in the
        // division by the exactly representable NANOS_PER_YEAR.
        (i128::from(b.0) - i128::from(a.0)) as f64 / NANOS_PER_YEAR
    }

    /// RFC 3339 in UTC, exact to the nanosecond; the same text as `Display`.
    #[must_use]
    pub fn to_rfc3339(self) -> String {
        self.to_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    /// Parses RFC 3339 with any UTC offset (`2024-01-19T09:30:00-05:00`,
    /// `2024-01-19T14:30:00.123456789Z`); the same as [`FromStr`].
    pub fn parse_rfc3339(s: &str) -> Result<Timestamp, CoreError> {
        let dt =
            DateTime::parse_from_rfc3339(s.trim()).map_err(|e| CoreError::InvalidTimestamp {
                input: s.to_string(),
                reason: format!("not RFC 3339 ({e}); expected e.g. 2024-01-19T14:30:00Z"),
            })?;
        Self::from_datetime(&dt)
    }
}

/// `value × factor` as a timestamp, or the out-of-range error naming `value unit`.
fn scaled(value: i64, factor: i64, unit: &str) -> Result<Timestamp, CoreError> {
    value
        .checked_mul(factor)
        .map(Timestamp)
        .ok_or_else(|| out_of_range(format!("{value} {unit}")))
}

fn out_of_range(input: String) -> CoreError {
    CoreError::TimestampOutOfRange { input }
}

/// Parses `H:MM`, `HH:MM`, `H:MM:SS` or `HH:MM:SS` (24-hour clock).
fn parse_hms(text: &str) -> Result<NaiveTime, CoreError> {
    let bad = |reason: &str| CoreError::InvalidTimeOfDay {
        input: text.to_string(),
        reason: reason.to_string(),
    };
    let fields: Vec<&str> = text.trim().split(':').collect();
    let (h, m, s) = match fields.as_slice() {
        [h, m] => (*h, *m, "00"),
        [h, m, s] => (*h, *m, *s),
        _ => return Err(bad("expected HH:MM or HH:MM:SS")),
    };
    let number = |field: &str, lengths: &[usize], name: &str| -> Result<u32, CoreError> {
        if !lengths.contains(&field.len()) || !field.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(&format!(
                "{name} {field:?} must be {} digits",
                if lengths.len() > 1 { "1 or 2" } else { "2" }
            )));
        }
        field
            .parse()
            .map_err(|_| bad(&format!("{name} {field:?} is not a number")))
    };
    let (h, m, s) = (
        number(h, &[1, 2], "hour")?,
        number(m, &[2], "minute")?,
        number(s, &[2], "second")?,
    );
    NaiveTime::from_hms_opt(h, m, s)
        .ok_or_else(|| bad("out of range: hour must be 0-23, minute and second 0-59"))
}

impl fmt::Display for Timestamp {
    /// RFC 3339 UTC, with 3, 6 or 9 fractional digits only when needed to be exact.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Debug for Timestamp {
    /// `Timestamp(2024-01-19T14:30:00Z)`: readable in test failures, and still exact.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl FromStr for Timestamp {
    type Err = CoreError;

    /// RFC 3339 with any offset; see [`Timestamp::parse_rfc3339`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse_rfc3339(s)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(t: Timestamp) -> Self {
        t.to_utc()
    }
}

impl TryFrom<DateTime<Utc>> for Timestamp {
    type Error = CoreError;

    fn try_from(dt: DateTime<Utc>) -> Result<Self, Self::Error> {
        Timestamp::from_utc(dt)
    }
}

impl Serialize for Timestamp {
    /// Integer nanoseconds since the epoch.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    /// Integer nanoseconds; in human-readable formats also an RFC 3339 string.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            deserializer.deserialize_any(TimestampVisitor)
        } else {
            deserializer.deserialize_i64(TimestampVisitor)
        }
    }
}

/// serde visitor accepting integer nanoseconds or RFC 3339 text.
struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("integer nanoseconds since the Unix epoch or an RFC 3339 date-time")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
        Ok(Timestamp(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
        i64::try_from(v)
            .map(Timestamp)
            .map_err(|_| E::custom(out_of_range(format!("{v} ns"))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        v.parse().map_err(E::custom)
    }
}

impl Default for Timestamp {
    /// The Unix epoch, so that empty containers of timestamped data can be built.
    fn default() -> Self {
        Timestamp::UNIX_EPOCH
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

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn unit_constructors_agree() {
        let t = Timestamp::from_secs(1_705_674_600).unwrap();
        assert_eq!(t, Timestamp::from_millis(1_705_674_600_000).unwrap());
        assert_eq!(t, Timestamp::from_micros(1_705_674_600_000_000).unwrap());
        assert_eq!(t, Timestamp::from_nanos(1_705_674_600_000_000_000));
        assert_eq!(t.to_string(), "2024-01-19T14:30:00Z");
        assert_eq!(t.as_secs(), 1_705_674_600);
        assert_eq!(t.as_millis(), 1_705_674_600_000);
        assert_eq!(t.as_micros(), 1_705_674_600_000_000);
    }

    #[test]
    fn out_of_range_constructors_are_errors_not_panics() {
        assert!(matches!(
            Timestamp::from_secs(i64::MAX),
            Err(CoreError::TimestampOutOfRange { .. })
        ));
        assert!(Timestamp::from_secs(9_300_000_000).is_err()); // year 2264
        assert!(Timestamp::from_millis(i64::MIN).is_err());
        assert!(Timestamp::from_micros(i64::MAX).is_err());
        let far = Utc.with_ymd_and_hms(2300, 1, 1, 0, 0, 0).unwrap();
        assert!(Timestamp::from_utc(far).is_err());
        let early = Utc.with_ymd_and_hms(1600, 1, 1, 0, 0, 0).unwrap();
        assert!(Timestamp::try_from(early).is_err());
        assert!(Timestamp::from_ny_hms(date(2263, 1, 2), "09:30").is_err());
        assert!("2300-01-01T00:00:00Z".parse::<Timestamp>().is_err());
    }

    #[test]
    fn floor_accessors_before_epoch() {
        let t = Timestamp::from_nanos(-1);
        assert_eq!(t.as_secs(), -1);
        assert_eq!(t.as_millis(), -1);
        assert_eq!(t.as_micros(), -1);
        assert_eq!(t.subsec_nanos(), 999_999_999);
        assert_eq!(t.to_string(), "1969-12-31T23:59:59.999999999Z");
    }

    #[test]
    fn extremes_format_and_parse() {
        assert_eq!(Timestamp::MIN.to_string(), "1677-09-21T00:12:43.145224192Z");
        assert_eq!(Timestamp::MAX.to_string(), "2262-04-11T23:47:16.854775807Z");
        assert_eq!(ts("1677-09-21T00:12:43.145224192Z"), Timestamp::MIN);
        assert_eq!(ts("2262-04-11T23:47:16.854775807Z"), Timestamp::MAX);
        assert!(
            "2262-04-11T23:47:16.854775808Z"
                .parse::<Timestamp>()
                .is_err()
        );
    }

    #[test]
    fn chrono_round_trip() {
        let dt = Utc.with_ymd_and_hms(2024, 3, 15, 20, 0, 0).unwrap();
        let t = Timestamp::from_utc(dt).unwrap();
        assert_eq!(t.to_utc(), dt);
        assert_eq!(DateTime::<Utc>::from(t), dt);
        let ny = t.to_ny();
        assert_eq!(
            ny.naive_local(),
            date(2024, 3, 15).and_hms_opt(16, 0, 0).unwrap()
        );
        assert_eq!(Timestamp::from_datetime(&ny).unwrap(), t);
    }

    #[test]
    fn new_york_winter_and_summer_offsets() {
        // EST (UTC−5) in January, EDT (UTC−4) in July.
        let jan = Timestamp::from_ny_hms(date(2024, 1, 19), "09:30").unwrap();
        assert_eq!(jan, ts("2024-01-19T14:30:00Z"));
        let jul = Timestamp::from_ny_hms(date(2024, 7, 19), "09:30:00").unwrap();
        assert_eq!(jul, ts("2024-07-19T13:30:00Z"));
        assert_eq!(jul.ny_date(), date(2024, 7, 19));
        assert_eq!(jul.ny_time(), NaiveTime::from_hms_opt(9, 30, 0).unwrap());
        assert_eq!(jul.ny_minutes_since_midnight(), 570);
        let close = Timestamp::from_ny(
            date(2024, 7, 19),
            NaiveTime::from_hms_opt(16, 0, 0).unwrap(),
        );
        assert_eq!(close.unwrap().ny_minutes_since_midnight(), 960);
    }

    #[test]
    fn ny_trading_date_differs_from_utc_date_in_the_evening() {
        let t = ts("2024-01-20T03:30:00Z"); // 22:30 EST on the 19th
        assert_eq!(t.ny_date(), date(2024, 1, 19));
        assert_eq!(t.to_utc().date_naive(), date(2024, 1, 20));
        assert_eq!(t.ny_minutes_since_midnight(), 22 * 60 + 30);
    }

    #[test]
    fn spring_forward_gap_is_an_error() {
        // 2024-03-10: clocks jump from 02:00 EST to 03:00 EDT.
        let day = date(2024, 3, 10);
        let err = Timestamp::from_ny_hms(day, "02:30").unwrap_err();
        assert_eq!(
            err,
            CoreError::NonexistentLocalTime {
                local: day.and_hms_opt(2, 30, 0).unwrap()
            }
        );
        assert!(err.to_string().contains("does not exist"));
        assert_eq!(
            Timestamp::from_ny_hms(day, "01:59:59").unwrap(),
            ts("2024-03-10T06:59:59Z")
        );
        assert_eq!(
            Timestamp::from_ny_hms(day, "03:00").unwrap(),
            ts("2024-03-10T07:00:00Z")
        );
        // The open that day is in EDT and still at minute 570.
        let open = Timestamp::from_ny_hms(date(2024, 3, 11), "09:30").unwrap();
        assert_eq!(open, ts("2024-03-11T13:30:00Z"));
        assert_eq!(open.ny_minutes_since_midnight(), 570);
    }

    #[test]
    fn fall_back_overlap_takes_earliest() {
        // 2024-11-03: 01:00–01:59 happens in EDT, then again in EST.
        let t = Timestamp::from_ny_hms(date(2024, 11, 3), "01:30").unwrap();
        assert_eq!(t, ts("2024-11-03T05:30:00Z")); // EDT, UTC−4
        let later = ts("2024-11-03T06:30:00Z"); // the EST 01:30
        assert_eq!(later.ny_time(), t.ny_time());
        assert_eq!(
            later.nanos_since(t).unwrap(),
            3_600 * Timestamp::NANOS_PER_SECOND
        );
    }

    #[test]
    fn bad_times_of_day() {
        let d = date(2024, 1, 19);
        for bad in [
            "",
            "9",
            "930",
            "9:3",
            "09:30:0",
            "24:00",
            "09:60",
            "09:30:60",
            "a9:30",
            "09:30:00:00",
            "+9:30",
            "009:30",
        ] {
            assert!(
                matches!(
                    Timestamp::from_ny_hms(d, bad),
                    Err(CoreError::InvalidTimeOfDay { .. })
                ),
                "{bad:?} should be rejected"
            );
        }
        assert_eq!(
            Timestamp::from_ny_hms(d, " 9:30 ").unwrap(),
            ts("2024-01-19T14:30:00Z")
        );
    }

    #[test]
    fn display_uses_minimal_exact_fraction() {
        let t = ts("2024-01-19T14:30:00Z");
        assert_eq!(
            t.checked_add_nanos(1_000_000).unwrap().to_string(),
            "2024-01-19T14:30:00.001Z"
        );
        assert_eq!(
            t.checked_add_nanos(1_000).unwrap().to_string(),
            "2024-01-19T14:30:00.000001Z"
        );
        assert_eq!(
            t.checked_add_nanos(1).unwrap().to_string(),
            "2024-01-19T14:30:00.000000001Z"
        );
        assert_eq!(format!("{t:?}"), "Timestamp(2024-01-19T14:30:00Z)");
    }

    #[test]
    fn parses_offsets_and_rejects_garbage() {
        assert_eq!(ts("2024-01-19T09:30:00-05:00"), ts("2024-01-19T14:30:00Z"));
        assert_eq!(
            ts("2024-01-19T14:30:00.5+00:00").subsec_nanos(),
            500_000_000
        );
        for bad in [
            "",
            "2024-01-19",
            "2024-01-19T14:30:00",
            "yesterday",
            "2024-13-01T00:00:00Z",
        ] {
            assert!(
                matches!(
                    bad.parse::<Timestamp>(),
                    Err(CoreError::InvalidTimestamp { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn arithmetic_is_checked() {
        let t = ts("2024-01-19T14:30:00Z");
        let later = t.checked_add(Duration::from_secs(90)).unwrap();
        assert_eq!(later, ts("2024-01-19T14:31:30Z"));
        assert_eq!(later.checked_sub(Duration::from_secs(90)).unwrap(), t);
        assert_eq!(later.nanos_since(t).unwrap(), 90_000_000_000);
        assert_eq!(t.nanos_since(later).unwrap(), -90_000_000_000);
        assert_eq!(
            t.checked_add_nanos(-1).unwrap().as_nanos(),
            t.as_nanos() - 1
        );
        assert!(Timestamp::MAX.checked_add(Duration::from_nanos(1)).is_err());
        assert!(Timestamp::MIN.checked_sub(Duration::from_nanos(1)).is_err());
        assert!(t.checked_add(Duration::MAX).is_err());
        assert!(Timestamp::MIN.checked_add_nanos(-1).is_err());
        assert!(Timestamp::MAX.nanos_since(Timestamp::MIN).is_err());
    }

    #[test]
    fn years_between_is_act_365() {
        let a = ts("2024-01-01T00:00:00Z");
        // 2024 is a leap year: 366 days is 366/365 years under ACT/365.
        let b = ts("2025-01-01T00:00:00Z");
        assert!((Timestamp::years_between(a, b) - 366.0 / 365.0).abs() < 1e-15);
        assert!((Timestamp::years_between(b, a) + 366.0 / 365.0).abs() < 1e-15);
        let day = a.checked_add(Duration::from_secs(86_400)).unwrap();
        assert!((Timestamp::years_between(a, day) - 1.0 / 365.0).abs() < 1e-18);
        assert_eq!(Timestamp::years_between(a, a), 0.0);
        let whole = Timestamp::years_between(Timestamp::MIN, Timestamp::MAX);
        assert!((whole - 584.942_417_355).abs() < 1e-6, "{whole}");
    }

    #[test]
    fn leap_second_text_maps_to_next_second() {
        assert_eq!(ts("2016-12-31T23:59:60Z"), ts("2017-01-01T00:00:00Z"));
    }

    #[test]
    fn serde_reads_integers_and_rfc3339() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, I64Deserializer, StrDeserializer, U64Deserializer};
        let want = ts("2024-01-19T14:30:00Z");
        let n: I64Deserializer<Error> = want.as_nanos().into_deserializer();
        assert_eq!(Timestamp::deserialize(n).unwrap(), want);
        let s: StrDeserializer<Error> = "2024-01-19T09:30:00-05:00".into_deserializer();
        assert_eq!(Timestamp::deserialize(s).unwrap(), want);
        let too_big: U64Deserializer<Error> = u64::MAX.into_deserializer();
        assert!(Timestamp::deserialize(too_big).is_err());
        let bad: StrDeserializer<Error> = "soon".into_deserializer();
        assert!(Timestamp::deserialize(bad).is_err());
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(n in any::<i64>()) {
            let t = Timestamp::from_nanos(n);
            prop_assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t);
            prop_assert_eq!(Timestamp::from_utc(t.to_utc()).unwrap(), t);
            prop_assert_eq!(Timestamp::from_datetime(&t.to_ny()).unwrap(), t);
            let back = t.as_secs() as i128 * 1_000_000_000 + i128::from(t.subsec_nanos());
            prop_assert_eq!(back, i128::from(n));
        }

        #[test]
        fn ny_wall_clock_round_trip(n in -2_200_000_000_000_000_000i64..i64::MAX) {
            // From 1900 on (after New York left local mean time in 1883), every
            // instant's NY wall clock maps back to it, except the second pass through a
            // fall-back hour, which maps to the first (earliest) pass.
            let t = Timestamp::from_nanos(n);
            let back = Timestamp::from_ny_local(t.to_ny().naive_local()).unwrap();
            prop_assert!(back == t || t.nanos_since(back).unwrap() == 3_600_000_000_000);
        }
    }
}
