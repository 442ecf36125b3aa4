//! The NYSE holiday and early-close **rules**: what NYSE Rule 7.2 and NYSE's published
//! practice give for any year, before the table of one-off exceptions in
//! [`exceptions`](super::exceptions) is applied.
//!
//! Holidays (NYSE Rule 7.2, "Holidays"): New Year's Day, Martin Luther King, Jr. Day,
//! Washington's Birthday, Good Friday, Memorial Day, Juneteenth National Independence
//! Day, Independence Day, Labor Day, Thanksgiving Day and Christmas Day. When a holiday
//! falls on a Saturday the Exchange closes the Friday before, "unless unusual business
//! conditions exist, such as the ending of a monthly or yearly accounting period" — which
//! is why a Saturday New Year's Day is **not** observed on Friday December 31 (1994,
//! 2000, 2005, 2011, 2022); when a holiday falls on a Sunday the Exchange closes the
//! Monday after. History within 1990–2100: MLK Day is observed from 1998, Juneteenth from
//! 2022; the other holidays are observed in every year of the range.
//!
//! Early closes at 13:00 ET (NYSE's annual holiday and early-close announcements; the
//! historical years as in NYSE's record of market closings, compiled in
//! `pandas_market_calendars/holidays/nyse.py`):
//! * the day after Thanksgiving, from 1993 (1992 closed at 14:00: an exception);
//! * December 24 when it is a Monday–Thursday, from 1996 (a Friday December 24 is the
//!   observed Christmas holiday; 1990–1992 closed at 14:00: exceptions);
//! * July 3 when it is a Monday, Tuesday or Thursday, from 1995, and when it is a
//!   Wednesday, from 2013; from 1996 to 2012, when July 4 was a Thursday, the early close
//!   was on Friday July 5 instead (1996, 2002). A Friday July 3 is the observed holiday
//!   of a Saturday July 4 and the Thursday before it is a full day (2015, 2020, 2026).

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// A recurring NYSE holiday (NYSE Rule 7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Holiday {
    /// January 1; Sunday → Monday January 2; a Saturday is not observed.
    NewYearsDay,
    /// Third Monday of January, observed by NYSE from 1998.
    MartinLutherKingJrDay,
    /// Third Monday of February ("Presidents' Day").
    WashingtonsBirthday,
    /// Two days before Easter Sunday (Gregorian computus).
    GoodFriday,
    /// Last Monday of May.
    MemorialDay,
    /// June 19, observed from 2022; Saturday → Friday, Sunday → Monday.
    Juneteenth,
    /// July 4; Saturday → Friday, Sunday → Monday.
    IndependenceDay,
    /// First Monday of September.
    LaborDay,
    /// Fourth Thursday of November.
    ThanksgivingDay,
    /// December 25; Saturday → Friday, Sunday → Monday.
    ChristmasDay,
}

impl Holiday {
    /// Every recurring holiday, in calendar order.
    pub const ALL: [Holiday; 10] = [
        Holiday::NewYearsDay,
        Holiday::MartinLutherKingJrDay,
        Holiday::WashingtonsBirthday,
        Holiday::GoodFriday,
        Holiday::MemorialDay,
        Holiday::Juneteenth,
        Holiday::IndependenceDay,
        Holiday::LaborDay,
        Holiday::ThanksgivingDay,
        Holiday::ChristmasDay,
    ];

    /// The holiday's name as NYSE publishes it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Holiday::NewYearsDay => "New Year's Day",
            Holiday::MartinLutherKingJrDay => "Martin Luther King, Jr. Day",
            Holiday::WashingtonsBirthday => "Washington's Birthday",
            Holiday::GoodFriday => "Good Friday",
            Holiday::MemorialDay => "Memorial Day",
            Holiday::Juneteenth => "Juneteenth National Independence Day",
            Holiday::IndependenceDay => "Independence Day",
            Holiday::LaborDay => "Labor Day",
            Holiday::ThanksgivingDay => "Thanksgiving Day",
            Holiday::ChristmasDay => "Christmas Day",
        }
    }

    /// The weekday on which NYSE is closed for this holiday in `year` by rule (the
    /// observed day), or `None` when the rule closes no weekday that year (a Saturday New
    /// Year's Day, MLK Day before 1998, Juneteenth before 2022, a year chrono cannot
    /// represent). One-off exceptions are not considered here.
    #[must_use]
    pub fn observed_in(self, year: i32) -> Option<NaiveDate> {
        match self {
            Holiday::NewYearsDay => {
                let day = NaiveDate::from_ymd_opt(year, 1, 1)?;
                match day.weekday() {
                    Weekday::Sat => None,
                    Weekday::Sun => day.checked_add_days(Days::new(1)),
                    _ => Some(day),
                }
            }
            Holiday::MartinLutherKingJrDay if year >= 1998 => {
                NaiveDate::from_weekday_of_month_opt(year, 1, Weekday::Mon, 3)
            }
            Holiday::MartinLutherKingJrDay => None,
            Holiday::WashingtonsBirthday => {
                NaiveDate::from_weekday_of_month_opt(year, 2, Weekday::Mon, 3)
            }
            Holiday::GoodFriday => easter_sunday(year)?.checked_sub_days(Days::new(2)),
            Holiday::MemorialDay => last_weekday_of_month(year, 5, Weekday::Mon),
            Holiday::Juneteenth if year >= 2022 => {
                observed_saturday_friday_sunday_monday(NaiveDate::from_ymd_opt(year, 6, 19)?)
            }
            Holiday::Juneteenth => None,
            Holiday::IndependenceDay => {
                observed_saturday_friday_sunday_monday(NaiveDate::from_ymd_opt(year, 7, 4)?)
            }
            Holiday::LaborDay => NaiveDate::from_weekday_of_month_opt(year, 9, Weekday::Mon, 1),
            Holiday::ThanksgivingDay => {
                NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Thu, 4)
            }
            Holiday::ChristmasDay => {
                observed_saturday_friday_sunday_monday(NaiveDate::from_ymd_opt(year, 12, 25)?)
            }
        }
    }
}

/// The recurring holiday whose rule closes NYSE on `date`, if any (no exceptions
/// applied). O(1): ten closed-form dates of `date`'s year are compared.
#[must_use]
pub(crate) fn rule_holiday(date: NaiveDate) -> Option<Holiday> {
    let year = date.year();
    Holiday::ALL
        .into_iter()
        .find(|h| h.observed_in(year) == Some(date))
}

/// Why NYSE closes at 13:00 on `date` by rule, if it does (no exceptions applied; a date
/// that is also a holiday or weekend is not an early close).
#[must_use]
pub(crate) fn rule_early_close(date: NaiveDate) -> Option<&'static str> {
    let year = date.year();
    let weekday = date.weekday();
    if matches!(weekday, Weekday::Sat | Weekday::Sun) || rule_holiday(date).is_some() {
        return None;
    }
    match (date.month(), date.day()) {
        (7, 3) => {
            let early = match weekday {
                Weekday::Mon | Weekday::Tue | Weekday::Thu => year >= 1995,
                Weekday::Wed => year >= 2013,
                _ => false,
            };
            early.then_some("Independence Day eve")
        }
        (7, 5) if weekday == Weekday::Fri && (1996..=2012).contains(&year) => {
            Some("day after Independence Day")
        }
        (12, 24) if year >= 1996 => Some("Christmas Eve"),
        (11, _) if year >= 1993 => {
            let thanksgiving = Holiday::ThanksgivingDay.observed_in(year)?;
            (thanksgiving.checked_add_days(Days::new(1)) == Some(date))
                .then_some("day after Thanksgiving")
        }
        _ => None,
    }
}

/// Easter Sunday of a Gregorian year: the anonymous Gregorian algorithm (Meeus/Jones/
/// Butcher), J. Meeus, *Astronomical Algorithms*, 2nd ed., ch. 8. Valid for every
/// Gregorian year.
#[must_use]
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// The last `weekday` of a month.
fn last_weekday_of_month(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = first_of_next.pred_opt()?;
    let back = (7 + last.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
    last.checked_sub_days(Days::new(u64::from(back)))
}

/// NYSE Rule 7.2 observance: Saturday → the Friday before, Sunday → the Monday after.
fn observed_saturday_friday_sunday_monday(day: NaiveDate) -> Option<NaiveDate> {
    match day.weekday() {
        Weekday::Sat => day.checked_sub_days(Days::new(1)),
        Weekday::Sun => day.checked_add_days(Days::new(1)),
        _ => Some(day),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn easter_known_dates() {
        // Known Easter Sundays (Gregorian): 1990-04-15, 2000-04-23, 2008-03-23 (early),
        // 2011-04-24 (late), 2024-03-31, 2025-04-20, 2038-04-25 (latest possible).
        for (y, m, d) in [
            (1990, 4, 15),
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2024, 3, 31),
            (2025, 4, 20),
            (2038, 4, 25),
            (2285, 3, 22), // earliest possible
        ] {
            assert_eq!(easter_sunday(y), Some(date(y, m, d)), "{y}");
        }
    }

    #[test]
    fn last_monday_of_may() {
        assert_eq!(
            last_weekday_of_month(2024, 5, Weekday::Mon),
            Some(date(2024, 5, 27))
        );
        assert_eq!(
            last_weekday_of_month(2021, 5, Weekday::Mon),
            Some(date(2021, 5, 31))
        );
        assert_eq!(
            last_weekday_of_month(2024, 12, Weekday::Tue),
            Some(date(2024, 12, 31))
        );
    }

    #[test]
    fn saturday_new_year_is_not_observed() {
        assert_eq!(Holiday::NewYearsDay.observed_in(2022), None);
        assert_eq!(rule_holiday(date(2021, 12, 31)), None);
        assert_eq!(
            Holiday::NewYearsDay.observed_in(2017),
            Some(date(2017, 1, 2))
        );
    }

    #[test]
    fn early_close_rules() {
        assert_eq!(
            rule_early_close(date(2013, 7, 3)),
            Some("Independence Day eve")
        );
        assert_eq!(
            rule_early_close(date(2012, 7, 3)),
            Some("Independence Day eve")
        );
        assert_eq!(rule_early_close(date(2002, 7, 3)), None); // Wednesday before 2013
        assert_eq!(
            rule_early_close(date(2002, 7, 5)),
            Some("day after Independence Day")
        );
        assert_eq!(rule_early_close(date(2019, 7, 5)), None);
        assert_eq!(rule_early_close(date(2020, 7, 2)), None);
        assert_eq!(rule_early_close(date(2021, 12, 24)), None); // observed Christmas
        assert_eq!(
            rule_early_close(date(1994, 11, 25)),
            Some("day after Thanksgiving")
        );
        assert_eq!(rule_early_close(date(1991, 11, 29)), None);
    }
}
