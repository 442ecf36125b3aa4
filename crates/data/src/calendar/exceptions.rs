//! One-off departures from the NYSE rules: special closures and special hours.
//!
//! The built-in table ([`BUILT_IN`]) covers 1990 onwards, from NYSE's record of market
//! closings and irregular sessions (NYSE Group, "Stocks: NYSE Closings", as compiled in
//! `pandas_market_calendars/holidays/nyse.py`), and NYSE/ICE press releases for the
//! recent closures. Each entry says why.
//!
//! # Adding an exception
//!
//! When NYSE announces a new closure (a national day of mourning, a storm) or special
//! hours, add it without waiting for a release, in code:
//!
//! ```
//! use chrono::{NaiveDate, NaiveTime};
//! use thetalab_data::calendar::NyseCalendar;
//!
//! let day = NaiveDate::from_ymd_opt(2031, 3, 4).unwrap();
//! let cal = NyseCalendar::new()
//!     .with_closure(day, "hypothetical day of mourning")?
//!     .with_early_close(
//!         NaiveDate::from_ymd_opt(2031, 3, 5).unwrap(),
//!         NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
//!         "hypothetical early close",
//!     )?;
//! assert!(!cal.is_session(day));
//! # Ok::<(), thetalab_data::DataError>(())
//! ```
//!
//! or from a plain list (a config file), one exception per line, `#` comments:
//!
//! ```text
//! 2031-03-04 closed hypothetical day of mourning
//! 2031-03-05 close 14:00 hypothetical early close
//! 2031-03-06 hours 10:30-16:00 hypothetical late open
//! ```
//!
//! with [`NyseCalendar::with_exceptions_from_str`](super::NyseCalendar::with_exceptions_from_str).
//! A user exception replaces whatever the rules or the built-in table said about that
//! date — so it can also reopen a day, or correct a built-in entry. Please also add
//! new real-world entries to [`BUILT_IN`] with their source.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveTime};

/// What happens on an exception date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExceptionKind {
    /// No session.
    Closed,
    /// A session with these New York wall-clock hours (early close, late open, or both).
    Hours {
        /// The opening time.
        open: NaiveTime,
        /// The closing time.
        close: NaiveTime,
    },
}

/// A one-off departure from the rules on one date.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CalendarException {
    /// The date (New York).
    pub date: NaiveDate,
    /// Closed, or the special hours.
    pub kind: ExceptionKind,
    /// Why, e.g. "Hurricane Sandy" or "National Day of Mourning for President Carter".
    pub reason: Cow<'static, str>,
}

/// A built-in entry: `(year, month, day, hours, reason)`, where `hours` is `None` for a
/// closure and `Some(((open h, m), (close h, m)))` for special hours.
pub type BuiltInEntry = (
    i32,
    u32,
    u32,
    Option<((u32, u32), (u32, u32))>,
    &'static str,
);

/// Regular hours, for entries that change only one end of the session.
const OPEN: (u32, u32) = (9, 30);
const CLOSE: (u32, u32) = (16, 0);

/// The built-in exceptions from 1990 on, sorted by date. Source: NYSE's record of
/// closings and irregular sessions (see the module docs); the 2018 and 2025 closures from
/// the NYSE/ICE announcements of 2018-12-01 and 2024-12-30.
pub const BUILT_IN: &[BuiltInEntry] = &[
    (
        1990,
        12,
        24,
        Some((OPEN, (14, 0))),
        "Christmas Eve (14:00 close)",
    ),
    (
        1990,
        12,
        27,
        Some(((9, 31), CLOSE)),
        "Con Edison transformer explosion (late open)",
    ),
    (
        1991,
        1,
        17,
        Some(((9, 31), CLOSE)),
        "moment of silence for troops in the Gulf",
    ),
    (
        1991,
        2,
        25,
        Some(((9, 31), CLOSE)),
        "moment of silence for troops in the Gulf",
    ),
    (
        1991,
        12,
        24,
        Some((OPEN, (14, 0))),
        "Christmas Eve (14:00 close)",
    ),
    (
        1992,
        11,
        27,
        Some((OPEN, (14, 0))),
        "day after Thanksgiving (14:00 close)",
    ),
    (
        1992,
        12,
        24,
        Some((OPEN, (14, 0))),
        "Christmas Eve (14:00 close)",
    ),
    (1994, 2, 11, Some((OPEN, (14, 30))), "snowstorm"),
    (1994, 4, 27, None, "funeral of President Richard Nixon"),
    (
        1995,
        12,
        18,
        Some(((10, 30), CLOSE)),
        "computer systems problems (late open)",
    ),
    (1996, 1, 8, Some(((11, 0), (14, 0))), "snowstorm"),
    (1997, 10, 27, Some((OPEN, (15, 30))), "circuit breaker halt"),
    (1997, 12, 26, Some((OPEN, (13, 0))), "day after Christmas"),
    (2001, 9, 11, None, "September 11 attacks"),
    (2001, 9, 12, None, "September 11 attacks"),
    (2001, 9, 13, None, "September 11 attacks"),
    (2001, 9, 14, None, "September 11 attacks"),
    (
        2001,
        9,
        17,
        Some(((9, 33), CLOSE)),
        "moment of silence for the victims of September 11",
    ),
    (
        2001,
        10,
        8,
        Some(((9, 31), CLOSE)),
        "moment of silence for Operation Enduring Freedom",
    ),
    (
        2002,
        9,
        11,
        Some(((12, 0), CLOSE)),
        "first anniversary of September 11",
    ),
    (
        2003,
        3,
        20,
        Some(((9, 32), CLOSE)),
        "moment of silence for Operation Iraqi Freedom",
    ),
    (2003, 12, 26, Some((OPEN, (13, 0))), "day after Christmas"),
    (
        2004,
        6,
        7,
        Some(((9, 32), CLOSE)),
        "moment of silence for President Ronald Reagan",
    ),
    (
        2004,
        6,
        11,
        None,
        "National Day of Mourning for President Ronald Reagan",
    ),
    (
        2005,
        6,
        1,
        Some((OPEN, (15, 56))),
        "systems communication problem",
    ),
    (
        2006,
        12,
        27,
        Some(((9, 32), CLOSE)),
        "moment of silence for President Gerald Ford",
    ),
    (
        2007,
        1,
        2,
        None,
        "National Day of Mourning for President Gerald Ford",
    ),
    (2012, 10, 29, None, "Hurricane Sandy"),
    (2012, 10, 30, None, "Hurricane Sandy"),
    (
        2018,
        12,
        5,
        None,
        "National Day of Mourning for President George H. W. Bush",
    ),
    (
        2025,
        1,
        9,
        None,
        "National Day of Mourning for President Jimmy Carter",
    ),
];

/// The built-in table as exceptions. Entries that do not form a valid date or time are
/// skipped; a unit test checks that there are none.
pub(crate) fn built_in() -> Vec<CalendarException> {
    BUILT_IN
        .iter()
        .filter_map(|&(y, m, d, hours, reason)| {
            let date = NaiveDate::from_ymd_opt(y, m, d)?;
            let kind = match hours {
                None => ExceptionKind::Closed,
                Some(((oh, om), (ch, cm))) => ExceptionKind::Hours {
                    open: NaiveTime::from_hms_opt(oh, om, 0)?,
                    close: NaiveTime::from_hms_opt(ch, cm, 0)?,
                },
            };
            Some(CalendarException {
                date,
                kind,
                reason: Cow::Borrowed(reason),
            })
        })
        .collect()
}

/// Parses one line of an exception list (see the module docs); `Ok(None)` for a blank
/// or comment line. The error string says what is wrong.
pub(crate) fn parse_line(line: &str) -> Result<Option<CalendarException>, String> {
    let line = line.split('#').next().unwrap_or("").trim();
    if line.is_empty() {
        return Ok(None);
    }
    let mut words = line.splitn(3, char::is_whitespace);
    let date_text = words.next().unwrap_or("");
    let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
        .map_err(|e| format!("date {date_text:?} is not YYYY-MM-DD ({e})"))?;
    let verb = words.next().unwrap_or("");
    let rest = words.next().unwrap_or("").trim_start();
    let time = |text: &str| {
        NaiveTime::parse_from_str(text, "%H:%M")
            .map_err(|e| format!("time {text:?} is not HH:MM ({e})"))
    };
    let (kind, reason) = match verb {
        "closed" => (ExceptionKind::Closed, rest),
        "close" | "hours" => {
            let (spec, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let kind = if verb == "close" {
                ExceptionKind::Hours {
                    open: time("09:30")?,
                    close: time(spec)?,
                }
            } else {
                let (open, close) = spec
                    .split_once('-')
                    .ok_or_else(|| format!("hours {spec:?} are not HH:MM-HH:MM"))?;
                ExceptionKind::Hours {
                    open: time(open)?,
                    close: time(close)?,
                }
            };
            (kind, reason.trim())
        }
        other => {
            return Err(format!(
                "expected `closed`, `close HH:MM` or `hours HH:MM-HH:MM` after the date, found {other:?}"
            ));
        }
    };
    if reason.is_empty() {
        return Err("a reason is required after the date and kind".to_string());
    }
    Ok(Some(CalendarException {
        date,
        kind,
        reason: Cow::Owned(reason.to_string()),
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn built_in_table_is_valid_and_sorted() {
        let all = built_in();
        assert_eq!(all.len(), BUILT_IN.len());
        assert!(all.windows(2).all(|w| w[0].date < w[1].date));
        for e in &all {
            if let ExceptionKind::Hours { open, close } = e.kind {
                assert!(open < close, "{e:?}");
            }
        }
    }

    #[test]
    fn parses_lines() {
        assert_eq!(parse_line("  # nothing").unwrap(), None);
        assert_eq!(parse_line("").unwrap(), None);
        let c = parse_line("2031-03-04 closed a storm # comment")
            .unwrap()
            .unwrap();
        assert_eq!(c.kind, ExceptionKind::Closed);
        assert_eq!(c.reason, "a storm");
        let e = parse_line("2031-03-05 close 14:00 early").unwrap().unwrap();
        assert_eq!(
            e.kind,
            ExceptionKind::Hours {
                open: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
                close: NaiveTime::from_hms_opt(14, 0, 0).unwrap()
            }
        );
        let h = parse_line("2031-03-06 hours 10:30-16:00 late")
            .unwrap()
            .unwrap();
        assert_eq!(
            h.kind,
            ExceptionKind::Hours {
                open: NaiveTime::from_hms_opt(10, 30, 0).unwrap(),
                close: NaiveTime::from_hms_opt(16, 0, 0).unwrap()
            }
        );
        for bad in [
            "2031-13-01 closed x",
            "2031-03-04 shut x",
            "2031-03-04 closed",
            "2031-03-04 close 25:00 x",
            "2031-03-04 hours 10:30 x",
        ] {
            assert!(parse_line(bad).is_err(), "{bad}");
        }
    }
}
