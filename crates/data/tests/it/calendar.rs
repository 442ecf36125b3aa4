//! The NYSE calendar and expiry schedules, against NYSE's published holiday lists and
//! against real trading days, intraday bars and listed option expiries in
//! `../shared/data` (see its README for origins and licences). Tests that need the data
//! print a message and pass when it is absent.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use proptest::prelude::*;
use thetalab_core::{OccSymbol, Timestamp};
use thetalab_data::DataError;
use thetalab_data::calendar::{ExpiryKind, Holiday, NyseCalendar, is_0dte};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn iso(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").unwrap()
}

fn mdy(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s.trim(), "%m/%d/%Y").unwrap()
}

// ---------------------------------------------------------------------------------------
// Published calendars and known dates
// ---------------------------------------------------------------------------------------

/// Weekday closures and early closes of `year`.
fn closures_and_early(cal: &NyseCalendar, year: i32) -> (Vec<NaiveDate>, Vec<NaiveDate>) {
    let days = d(year, 1, 1).iter_days().take_while(|x| x.year() == year);
    let weekdays: Vec<_> = days
        .filter(|x| !matches!(x.weekday(), Weekday::Sat | Weekday::Sun))
        .collect();
    let closed = weekdays
        .iter()
        .copied()
        .filter(|x| !cal.is_session(*x))
        .collect();
    let early = weekdays
        .iter()
        .copied()
        .filter(|x| cal.is_early_close(*x))
        .collect();
    (closed, early)
}

#[test]
fn nyse_published_holidays_and_early_closes_2021_to_2026() {
    // NYSE "Holidays and Trading Hours" pages for each year (nyse.com/markets/hours-calendars).
    let cal = NyseCalendar::new();
    let table: [(i32, Vec<NaiveDate>, Vec<NaiveDate>, usize); 6] = [
        (
            2021,
            vec![
                d(2021, 1, 1),
                d(2021, 1, 18),
                d(2021, 2, 15),
                d(2021, 4, 2),
                d(2021, 5, 31),
                d(2021, 7, 5),
                d(2021, 9, 6),
                d(2021, 11, 25),
                d(2021, 12, 24),
            ],
            vec![d(2021, 11, 26)],
            252,
        ),
        (
            2022,
            vec![
                d(2022, 1, 17),
                d(2022, 2, 21),
                d(2022, 4, 15),
                d(2022, 5, 30),
                d(2022, 6, 20),
                d(2022, 7, 4),
                d(2022, 9, 5),
                d(2022, 11, 24),
                d(2022, 12, 26),
            ],
            vec![d(2022, 11, 25)],
            251,
        ),
        (
            2023,
            vec![
                d(2023, 1, 2),
                d(2023, 1, 16),
                d(2023, 2, 20),
                d(2023, 4, 7),
                d(2023, 5, 29),
                d(2023, 6, 19),
                d(2023, 7, 4),
                d(2023, 9, 4),
                d(2023, 11, 23),
                d(2023, 12, 25),
            ],
            vec![d(2023, 7, 3), d(2023, 11, 24)],
            250,
        ),
        (
            2024,
            vec![
                d(2024, 1, 1),
                d(2024, 1, 15),
                d(2024, 2, 19),
                d(2024, 3, 29),
                d(2024, 5, 27),
                d(2024, 6, 19),
                d(2024, 7, 4),
                d(2024, 9, 2),
                d(2024, 11, 28),
                d(2024, 12, 25),
            ],
            vec![d(2024, 7, 3), d(2024, 11, 29), d(2024, 12, 24)],
            252,
        ),
        (
            2025,
            vec![
                d(2025, 1, 1),
                d(2025, 1, 9), // National Day of Mourning, President Carter
                d(2025, 1, 20),
                d(2025, 2, 17),
                d(2025, 4, 18),
                d(2025, 5, 26),
                d(2025, 6, 19),
                d(2025, 7, 4),
                d(2025, 9, 1),
                d(2025, 11, 27),
                d(2025, 12, 25),
            ],
            vec![d(2025, 7, 3), d(2025, 11, 28), d(2025, 12, 24)],
            250,
        ),
        (
            2026,
            vec![
                d(2026, 1, 1),
                d(2026, 1, 19),
                d(2026, 2, 16),
                d(2026, 4, 3),
                d(2026, 5, 25),
                d(2026, 6, 19),
                d(2026, 7, 3), // July 4 is a Saturday
                d(2026, 9, 7),
                d(2026, 11, 26),
                d(2026, 12, 25),
            ],
            vec![d(2026, 11, 27), d(2026, 12, 24)],
            251,
        ),
    ];
    for (year, holidays, early, count) in table {
        let (closed, got_early) = closures_and_early(&cal, year);
        assert_eq!(closed, holidays, "{year} closures");
        assert_eq!(got_early, early, "{year} early closes");
        assert_eq!(cal.sessions_in_year(year).unwrap().count(), count, "{year}");
        assert_eq!(
            cal.session_count(d(year, 1, 1), d(year, 12, 31)).unwrap(),
            count
        );
    }
}

#[test]
fn special_closures_are_closed_with_reasons() {
    let cal = NyseCalendar::new();
    for (date, word) in [
        (d(1994, 4, 27), "Nixon"),
        (d(2001, 9, 11), "September 11"),
        (d(2001, 9, 12), "September 11"),
        (d(2001, 9, 13), "September 11"),
        (d(2001, 9, 14), "September 11"),
        (d(2004, 6, 11), "Reagan"),
        (d(2007, 1, 2), "Ford"),
        (d(2012, 10, 29), "Sandy"),
        (d(2012, 10, 30), "Sandy"),
        (d(2018, 12, 5), "Bush"),
        (d(2025, 1, 9), "Carter"),
    ] {
        assert!(!cal.is_session(date), "{date}");
        let name = cal.holiday_name(date).unwrap();
        assert!(name.contains(word), "{date}: {name}");
        // By rule alone these are ordinary sessions.
        assert!(NyseCalendar::rules_only().is_session(date), "{date}");
    }
    assert_eq!(cal.next_session(d(2001, 9, 10)).unwrap(), d(2001, 9, 17));
    assert_eq!(cal.prev_session(d(2012, 10, 31)).unwrap(), d(2012, 10, 26));
}

#[test]
fn holiday_rules_known_dates() {
    let cal = NyseCalendar::new();
    // Good Friday (Easter − 2).
    for g in [
        d(1990, 4, 13),
        d(2000, 4, 21),
        d(2008, 3, 21),
        d(2019, 4, 19),
        d(2024, 3, 29),
        d(2025, 4, 18),
        d(2100, 3, 26),
    ] {
        assert_eq!(cal.holiday_name(g), Some("Good Friday"), "{g}");
        assert_eq!(Holiday::GoodFriday.observed_in(g.year()), Some(g));
    }
    // Juneteenth: absent in 2021, observed Monday 2022-06-20, Friday 2027-06-18.
    assert!(cal.is_session(d(2021, 6, 18)));
    assert!(cal.is_session(d(2021, 6, 21)));
    assert_eq!(
        cal.holiday_name(d(2022, 6, 20)),
        Some("Juneteenth National Independence Day")
    );
    assert!(!cal.is_session(d(2027, 6, 18)));
    // New Year's Day on a Saturday is not observed on Friday Dec 31 (1999, 2010, 2021).
    for y in [1993, 1999, 2004, 2010, 2021] {
        assert!(cal.is_session(d(y, 12, 31)), "{y}-12-31");
    }
    // On a Sunday it is observed on Monday Jan 2.
    assert_eq!(cal.holiday_name(d(2017, 1, 2)), Some("New Year's Day"));
    assert_eq!(cal.holiday_name(d(2023, 1, 2)), Some("New Year's Day"));
    // MLK Day from 1998 only.
    assert!(cal.is_session(d(1997, 1, 20)));
    assert_eq!(
        cal.holiday_name(d(1998, 1, 19)),
        Some("Martin Luther King, Jr. Day")
    );
    // Christmas and July 4 observance.
    assert_eq!(cal.holiday_name(d(2021, 12, 24)), Some("Christmas Day"));
    assert_eq!(cal.holiday_name(d(2022, 12, 26)), Some("Christmas Day"));
    assert_eq!(cal.holiday_name(d(2020, 7, 3)), Some("Independence Day"));
    assert_eq!(cal.holiday_name(d(2021, 7, 5)), Some("Independence Day"));
    // Weekends and sessions have no holiday name.
    assert_eq!(cal.holiday_name(d(2024, 12, 28)), None);
    assert_eq!(cal.holiday_name(d(2024, 12, 27)), None);
    // Historical early closes.
    for (date, hhmm) in [
        (d(1990, 12, 24), "14:00"),
        (d(1992, 11, 27), "14:00"),
        (d(1996, 7, 5), "13:00"),
        (d(1997, 12, 26), "13:00"),
        (d(2002, 7, 5), "13:00"),
        (d(2003, 12, 26), "13:00"),
        (d(2013, 7, 3), "13:00"),
        (d(2015, 12, 24), "13:00"),
    ] {
        let s = cal.session(date).unwrap().unwrap();
        assert!(s.early_close, "{date}");
        assert_eq!(
            s.close,
            Timestamp::from_ny_hms(date, hhmm).unwrap(),
            "{date}"
        );
    }
    for full in [d(2002, 7, 3), d(2019, 7, 5), d(2020, 7, 2), d(1991, 11, 29)] {
        assert!(!cal.is_early_close(full), "{full}");
        assert!(cal.is_session(full), "{full}");
    }
}

#[test]
fn session_times_across_daylight_saving() {
    let cal = NyseCalendar::new();
    let winter = cal.session(d(2024, 1, 19)).unwrap().unwrap();
    assert_eq!(winter.open, ts("2024-01-19T14:30:00Z"));
    assert_eq!(winter.close, ts("2024-01-19T21:00:00Z"));
    assert!(!winter.early_close && !winter.late_open);
    let summer_half = cal.session(d(2024, 7, 3)).unwrap().unwrap();
    assert_eq!(summer_half.close, ts("2024-07-03T17:00:00Z"));
    let winter_half = cal.session(d(2024, 12, 24)).unwrap().unwrap();
    assert_eq!(winter_half.close, ts("2024-12-24T18:00:00Z"));
    let late = cal.session(d(2002, 9, 11)).unwrap().unwrap();
    assert!(late.late_open);
    assert_eq!(
        late.open,
        Timestamp::from_ny_hms(d(2002, 9, 11), "12:00").unwrap()
    );
    assert_eq!(cal.session(d(2024, 1, 20)).unwrap(), None);
    assert!(matches!(
        cal.require_session(d(2024, 1, 20)),
        Err(DataError::NotASession { .. })
    ));
}

#[test]
fn open_at_and_minutes_to_close() {
    let cal = NyseCalendar::new();
    assert!(!cal.is_open_at(ts("2024-01-19T14:29:59Z")));
    assert!(cal.is_open_at(ts("2024-01-19T14:30:00Z")));
    assert_eq!(
        cal.minutes_to_close(ts("2024-01-19T14:30:00Z")),
        Some(390.0)
    );
    assert_eq!(cal.minutes_to_close(ts("2024-01-19T20:59:30Z")), Some(0.5));
    assert!(!cal.is_open_at(ts("2024-01-19T21:00:00Z")));
    // Half day: closed at 13:30 ET.
    assert!(!cal.is_open_at(ts("2024-12-24T18:30:00Z")));
    assert_eq!(cal.minutes_to_close(ts("2024-12-24T17:00:00Z")), Some(60.0));
    // Holiday, weekend, out of range.
    assert!(!cal.is_open_at(ts("2024-03-29T15:00:00Z")));
    assert!(!cal.is_open_at(ts("2024-03-30T15:00:00Z")));
    assert!(!cal.is_open_at(ts("1989-06-01T15:00:00Z")));
    assert_eq!(cal.minutes_to_close(ts("2150-06-01T15:00:00Z")), None);
}

#[test]
fn range_errors_and_navigation() {
    let cal = NyseCalendar::new();
    let before = d(1989, 12, 29);
    let after = d(2101, 1, 3);
    assert!(!cal.is_session(before));
    assert!(matches!(
        cal.session(before),
        Err(DataError::DateOutOfRange { .. })
    ));
    assert!(cal.next_session(after).is_err());
    assert!(cal.prev_session(d(1990, 1, 2)).is_err()); // 1990-01-01 is a holiday
    assert!(cal.next_session(d(2100, 12, 31)).is_err());
    assert!(cal.sessions_between(before, d(1990, 2, 1)).is_err());
    assert!(cal.session_count(d(1990, 1, 1), after).is_err());
    assert_eq!(cal.next_session(d(1990, 1, 1)).unwrap(), d(1990, 1, 2));
    assert_eq!(cal.sessions_before(d(1990, 1, 2)).unwrap(), 0);
    assert_eq!(cal.sessions_before(d(1990, 1, 3)).unwrap(), 1);
    assert_eq!(cal.session_count(d(2024, 1, 5), d(2024, 1, 1)).unwrap(), 0);
    assert_eq!(cal.add_sessions(d(2024, 3, 28), 1).unwrap(), d(2024, 4, 1));
    assert_eq!(
        cal.add_sessions(d(2024, 3, 30), -1).unwrap(),
        d(2024, 3, 28)
    );
    assert_eq!(cal.add_sessions(d(2024, 3, 30), 0).unwrap(), d(2024, 4, 1));
    assert_eq!(
        cal.add_sessions(d(2024, 1, 2), 251).unwrap(),
        d(2024, 12, 31)
    );
}

#[test]
fn user_exceptions() {
    let text = "# hypothetical future exceptions\n\
                2031-03-04 closed day of mourning\n\
                2031-03-05 close 14:00 storm\n\
                2031-03-06 hours 10:30-16:00 systems\n\
                2031-04-11 hours 09:30-16:00 reopened on Good Friday\n";
    let cal = NyseCalendar::new().with_exceptions_from_str(text).unwrap();
    assert!(!cal.is_session(d(2031, 3, 4)));
    assert_eq!(cal.holiday_name(d(2031, 3, 4)), Some("day of mourning"));
    let s = cal.session(d(2031, 3, 5)).unwrap().unwrap();
    assert!(s.early_close);
    assert_eq!(
        s.close,
        Timestamp::from_ny_hms(d(2031, 3, 5), "14:00").unwrap()
    );
    assert!(cal.session(d(2031, 3, 6)).unwrap().unwrap().late_open);
    assert!(cal.is_session(d(2031, 4, 11)));
    assert!(!NyseCalendar::new().is_session(d(2031, 4, 11)));
    assert_eq!(
        cal.session_count(d(2031, 3, 1), d(2031, 4, 30)).unwrap(),
        NyseCalendar::new()
            .session_count(d(2031, 3, 1), d(2031, 4, 30))
            .unwrap()
    );
    // Builders, replacement and errors.
    let one = NyseCalendar::new()
        .with_closure(d(2030, 5, 1), "test")
        .unwrap()
        .with_early_close(
            d(2030, 5, 1),
            NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
            "x",
        )
        .unwrap();
    assert!(one.is_early_close(d(2030, 5, 1)));
    assert_eq!(
        one.exceptions().len(),
        NyseCalendar::new().exceptions().len() + 1
    );
    assert!(matches!(
        NyseCalendar::new().with_closure(d(2101, 1, 3), "x"),
        Err(DataError::DateOutOfRange { .. })
    ));
    assert!(matches!(
        NyseCalendar::new().with_early_close(
            d(2030, 5, 4), // a Saturday
            NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
            "x"
        ),
        Err(DataError::InvalidCalendarException { .. })
    ));
    let err = NyseCalendar::new()
        .with_exceptions_from_str("2030-05-01 closed ok\n2030-05-02 shut nope\n")
        .unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Expiry schedules
// ---------------------------------------------------------------------------------------

#[test]
fn monthly_and_weekly_expiries() {
    let cal = NyseCalendar::new();
    let m = |y, mo, day| cal.is_expiry(ExpiryKind::SpxMonthlyAm, d(y, mo, day));
    assert!(m(2024, 1, 19));
    assert!(m(2022, 4, 14)); // Good Friday 2022-04-15
    assert!(m(2026, 6, 18)); // Juneteenth 2026-06-19
    assert!(!m(2022, 4, 15));
    assert!(!m(2024, 1, 12));
    assert_eq!(
        cal.expiries_between(ExpiryKind::EquityMonthly, d(2024, 1, 1), d(2024, 12, 31))
            .unwrap(),
        [
            d(2024, 1, 19),
            d(2024, 2, 16),
            d(2024, 3, 15),
            d(2024, 4, 19),
            d(2024, 5, 17),
            d(2024, 6, 21),
            d(2024, 7, 19),
            d(2024, 8, 16),
            d(2024, 9, 20),
            d(2024, 10, 18),
            d(2024, 11, 15),
            d(2024, 12, 20)
        ]
    );
    // Weekly: Thursday when Friday is a holiday.
    let w = cal
        .expiries_between(ExpiryKind::EquityWeekly, d(2024, 3, 18), d(2024, 4, 7))
        .unwrap();
    assert_eq!(w, [d(2024, 3, 22), d(2024, 3, 28), d(2024, 4, 5)]);
    // Quarterly: last session of the quarter.
    let q = cal
        .expiries_between(ExpiryKind::Quarterly, d(2024, 1, 1), d(2024, 12, 31))
        .unwrap();
    assert_eq!(
        q,
        [
            d(2024, 3, 28),
            d(2024, 6, 28),
            d(2024, 9, 30),
            d(2024, 12, 31)
        ]
    );
    assert_eq!(
        cal.next_expiry(ExpiryKind::SpxMonthlyAm, d(2024, 1, 20))
            .unwrap(),
        d(2024, 2, 16)
    );
}

#[test]
fn spxw_schedule_history() {
    let cal = NyseCalendar::new();
    let spxw = |from, to| cal.expiries_between(ExpiryKind::SpxwPm, from, to).unwrap();
    // 2015: Fridays only (and end of month), no third-Friday SPXW before May 2017.
    assert_eq!(
        spxw(d(2015, 6, 1), d(2015, 6, 30)),
        [
            d(2015, 6, 5),
            d(2015, 6, 12),
            d(2015, 6, 26),
            d(2015, 6, 30)
        ]
    );
    // Wednesdays from 2016-03-02, Mondays from 2016-08-22.
    assert!(!cal.is_expiry(ExpiryKind::SpxwPm, d(2016, 2, 24)));
    assert!(cal.is_expiry(ExpiryKind::SpxwPm, d(2016, 3, 2)));
    assert!(!cal.is_expiry(ExpiryKind::SpxwPm, d(2016, 8, 15)));
    assert!(cal.is_expiry(ExpiryKind::SpxwPm, d(2016, 8, 22)));
    // 2021: Mon/Wed/Fri (+ EOM).
    assert_eq!(
        spxw(d(2021, 1, 4), d(2021, 1, 15)),
        [
            d(2021, 1, 4),
            d(2021, 1, 6),
            d(2021, 1, 8),
            d(2021, 1, 11),
            d(2021, 1, 13),
            d(2021, 1, 15)
        ]
    );
    // Daily since 2022-05-19.
    let june = spxw(d(2023, 6, 1), d(2023, 6, 30));
    assert_eq!(
        june,
        cal.sessions_between(d(2023, 6, 1), d(2023, 6, 30))
            .unwrap()
            .collect::<Vec<_>>()
    );
    // Settlement: AM at the open, PM at the close (13:00 on a half day).
    assert_eq!(
        cal.settlement_time(ExpiryKind::SpxMonthlyAm, d(2024, 1, 19))
            .unwrap(),
        ts("2024-01-19T14:30:00Z")
    );
    assert_eq!(
        cal.settlement_time(ExpiryKind::SpxwPm, d(2024, 1, 19))
            .unwrap(),
        ts("2024-01-19T21:00:00Z")
    );
    assert_eq!(
        cal.settlement_time(ExpiryKind::SpxwPm, d(2024, 11, 29))
            .unwrap(),
        ts("2024-11-29T18:00:00Z")
    );
    assert!(
        cal.settlement_time(ExpiryKind::SpxwPm, d(2024, 11, 28))
            .is_err()
    );
}

#[test]
fn zero_dte_and_time_to_expiry() {
    let cal = NyseCalendar::new();
    assert!(is_0dte(d(2024, 1, 3), d(2024, 1, 3)));
    assert!(!is_0dte(d(2024, 1, 3), d(2024, 1, 2)));
    let spxw: OccSymbol = "SPXW  240119C04800000".parse().unwrap();
    let spx: OccSymbol = "SPX   240119C04800000".parse().unwrap();
    let spy: OccSymbol = "SPY240119C00480000".parse().unwrap();
    assert!(cal.is_0dte_contract(&spxw, d(2024, 1, 19)));
    assert!(!cal.is_0dte_contract(&spxw, d(2024, 1, 18)));
    assert!(!cal.is_0dte_contract(&spx, d(2024, 1, 19)));
    assert!(!cal.is_0dte_contract(&spx, d(2024, 1, 18)));
    assert!(cal.is_0dte_contract(&spy, d(2024, 1, 19)));
    assert_eq!(cal.contract_last_trading_day(&spx).unwrap(), d(2024, 1, 18));
    assert_eq!(
        cal.contract_settlement_time(&spx).unwrap(),
        ts("2024-01-19T14:30:00Z")
    );
    // Pre-2015 Saturday-dated monthly: settles on the Friday.
    let aapl: OccSymbol = "AAPL  140621C00600000".parse().unwrap();
    assert_eq!(
        cal.contract_last_trading_day(&aapl).unwrap(),
        d(2014, 6, 20)
    );
    assert!(cal.is_0dte_contract(&aapl, d(2014, 6, 20)));
    // The SPXW series listed for 2025-01-09 (closure announced on 2024-12-30).
    let carter: OccSymbol = "SPXW  250109C06000000".parse().unwrap();
    assert_eq!(
        cal.contract_last_trading_day(&carter).unwrap(),
        d(2025, 1, 8)
    );
    // Trading days and ACT/365 years.
    assert_eq!(
        cal.trading_days_to_expiry(d(2024, 1, 19), d(2024, 1, 19))
            .unwrap(),
        0
    );
    assert_eq!(
        cal.trading_days_to_expiry(d(2024, 1, 12), d(2024, 1, 19))
            .unwrap(),
        4
    ); // MLK
    assert_eq!(
        cal.trading_days_to_expiry(d(2024, 1, 13), d(2024, 1, 19))
            .unwrap(),
        4
    );
    assert_eq!(
        cal.trading_days_to_expiry(d(2024, 1, 19), d(2024, 1, 12))
            .unwrap(),
        -4
    );
    let now = ts("2024-01-18T21:00:00Z");
    let t = cal
        .calendar_years_to_expiry(now, ExpiryKind::SpxwPm, d(2024, 1, 19))
        .unwrap();
    assert!((t - 1.0 / 365.0).abs() < 1e-15);
    let t_am = cal
        .calendar_years_to_expiry(now, ExpiryKind::SpxMonthlyAm, d(2024, 1, 19))
        .unwrap();
    assert!((t_am - 17.5 / 24.0 / 365.0).abs() < 1e-15);
}

// ---------------------------------------------------------------------------------------
// Real data
// ---------------------------------------------------------------------------------------

fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if dir.is_dir() {
        Some(dir.to_path_buf())
    } else {
        println!("skipped: real market data not found at {}", dir.display());
        None
    }
}

/// A file's text, un-gzipped if it ends in `.gz`; `None` (with a message) if absent.
fn read(rel: &str) -> Option<String> {
    let path = data_dir()?.join(rel);
    let Ok(bytes) = std::fs::read(&path) else {
        println!("skipped: {} not found", path.display());
        return None;
    };
    let mut text = String::new();
    if rel.ends_with(".gz") {
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
    } else {
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    Some(text.trim_start_matches('\u{feff}').to_string())
}

/// Compares data dates with the calendar over the data's span: (dates in the data that
/// are not sessions, sessions missing from the data).
fn compare(cal: &NyseCalendar, dates: &BTreeSet<NaiveDate>) -> (Vec<NaiveDate>, Vec<NaiveDate>) {
    let (first, last) = (*dates.first().unwrap(), *dates.last().unwrap());
    let extra = dates
        .iter()
        .copied()
        .filter(|x| !cal.is_session(*x))
        .collect();
    let missing = cal
        .sessions_between(first, last)
        .unwrap()
        .filter(|x| !dates.contains(x))
        .collect();
    (extra, missing)
}

#[test]
fn spx_daily_1995_2026_matches_sessions_exactly() {
    let Some(text) = read("index-daily/spx_spy_qqq_vix_eod_vilkov.csv.gz") else {
        return;
    };
    let cal = NyseCalendar::new();
    let mut by_root: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        by_root
            .entry(cols[cols.len() - 1].to_string())
            .or_default()
            .insert(iso(cols[0]));
    }
    let spx = &by_root["SPX"];
    assert_eq!(spx.len(), 7836);
    assert_eq!(
        compare(&cal, spx),
        (vec![], vec![]),
        "SPX 1995-01-03..2026-02-20"
    );

    // SPY and QQQ: every date is a session; the vendor dropped only half days.
    for root in ["SPY", "QQQ"] {
        let (extra, missing) = compare(&cal, &by_root[root]);
        assert_eq!(extra, vec![], "{root}");
        assert!(!missing.is_empty());
        for m in missing {
            assert!(cal.is_early_close(m), "{root} lacks full session {m}");
        }
    }
    // VIX in this file: computed on NYSE holidays since 2022 (Cboe Global Trading Hours).
    let (extra, missing) = compare(&cal, &by_root["VIX"]);
    assert_eq!(missing, vec![]);
    for x in extra {
        assert!(
            x >= d(2022, 1, 1) && cal.holiday_name(x).is_some(),
            "VIX {x}"
        );
    }
}

#[test]
fn gspc_1999_2018_matches_sessions_exactly() {
    let Some(text) = read("pypi-bundled/arch/sp500.csv.gz") else {
        return;
    };
    let dates: BTreeSet<_> = text
        .lines()
        .skip(1)
        .map(|l| mdy(l.split(',').next().unwrap()))
        .collect();
    assert_eq!(dates.len(), 5031);
    assert_eq!(compare(&NyseCalendar::new(), &dates), (vec![], vec![]));
}

#[test]
fn vix_history_1990_2026_matches_sessions_with_documented_quirks() {
    let (Some(vix), Some(skew)) = (
        read("cboe-vol-indices/VIX_History.csv"),
        read("cboe-vol-indices/SKEW_History.csv"),
    ) else {
        return;
    };
    let cal = NyseCalendar::new();
    let mut rows: BTreeMap<NaiveDate, String> = BTreeMap::new();
    for line in vix.lines().skip(1) {
        let (date, rest) = line.split_once(',').unwrap();
        rows.insert(mdy(date), rest.to_string());
    }
    let skew: BTreeSet<_> = skew
        .lines()
        .skip(1)
        .map(|l| mdy(l.split(',').next().unwrap()))
        .collect();
    let dates: BTreeSet<_> = rows.keys().copied().collect();
    let (extra, missing) = compare(&cal, &dates);
    // Sessions absent from Cboe's VIX file: vendor gaps. Each is a session in another
    // series (SKEW; and SPX in the Vilkov file for 1997, ^GSPC for 1999-12-31).
    assert_eq!(
        missing,
        [
            d(1991, 3, 1),
            d(1997, 1, 31),
            d(1997, 11, 26),
            d(1999, 12, 31)
        ]
    );
    for m in &missing {
        assert!(skew.contains(m), "{m} not in SKEW either");
    }
    for x in extra {
        if x == d(2004, 6, 11) {
            // Reagan day of mourning: a placeholder row, OHLC all equal to the previous close.
            let row = &rows[&x];
            let values: BTreeSet<&str> = row.split(',').collect();
            assert_eq!(values.len(), 1, "{row}");
            let prev = &rows[&d(2004, 6, 10)];
            assert_eq!(prev.rsplit(',').next(), row.rsplit(',').next());
        } else {
            // Cboe computes VIX in Global Trading Hours on NYSE holidays since 2022.
            assert!(
                x >= d(2022, 1, 1) && cal.holiday_name(x).is_some(),
                "VIX {x}"
            );
        }
    }
    // SKEW has gaps but no non-session dates.
    let (extra, _) = compare(&cal, &skew);
    assert_eq!(extra, vec![]);
}

/// `date -> [bar start times]` of a CSV with `date,time_et,...` columns.
fn bars_by_day(text: &str) -> BTreeMap<NaiveDate, Vec<NaiveTime>> {
    let mut out: BTreeMap<NaiveDate, Vec<NaiveTime>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let mut cols = line.split(',');
        let (date, time) = (cols.next().unwrap(), cols.next().unwrap());
        let time = NaiveTime::parse_from_str(time, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M"))
            .unwrap();
        out.entry(iso(date)).or_default().push(time);
    }
    out
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

#[test]
fn spx_hourly_bars_show_the_13_00_early_closes() {
    let Some(text) = read("spx-spy-intraday/spx_index_1h_yahoo.csv.gz") else {
        return;
    };
    let cal = NyseCalendar::new();
    let days = bars_by_day(&text);
    let dates: BTreeSet<_> = days.keys().copied().collect();
    assert_eq!(compare(&cal, &dates), (vec![], vec![]));
    // Yahoo's hourly series has gaps on these two days (data README).
    let yahoo_gaps = [d(2026, 1, 30), d(2026, 2, 2)];
    let mut half_days = 0;
    for (date, times) in &days {
        let last = *times.iter().max().unwrap();
        if cal.is_early_close(*date) {
            half_days += 1;
            // Bars at 09:30, 10:30, 11:30 and a 13:00 closing print; nothing later.
            assert_eq!(last, hm(13, 0), "{date}");
        } else if !yahoo_gaps.contains(date) {
            assert!(last >= hm(15, 30), "{date}: last bar {last}");
        }
    }
    assert_eq!(half_days, 7); // 2023-11-24 .. 2025-12-24
}

#[test]
fn minute_bars_show_half_days() {
    let cal = NyseCalendar::new();
    if let Some(text) = read("lean-quantconnect/index_minute.csv.gz") {
        for (date, times) in bars_by_day(&text) {
            let last = *times.iter().max().unwrap();
            let close = cal.session(date).unwrap().unwrap().close.ny_time();
            // Bars are stamped with their start: the last regular bar starts a minute
            // before the close (Lean adds a few post-close index prints on some days).
            assert!(last >= close - chrono::Duration::minutes(1), "{date}");
            if cal.is_early_close(date) {
                assert_eq!(date, d(2023, 7, 3));
                assert_eq!(last, hm(12, 59));
            }
        }
    }
    if let Some(text) = read("lean-quantconnect/equity_options_minute_quotes.csv.gz") {
        let mut last: BTreeMap<NaiveDate, NaiveTime> = BTreeMap::new();
        for line in text.lines().skip(1) {
            let mut cols = line.split(',');
            let (date, time) = (iso(cols.next().unwrap()), cols.next().unwrap());
            let time = NaiveTime::parse_from_str(time, "%H:%M:%S").unwrap();
            let e = last.entry(date).or_insert(time);
            *e = (*e).max(time);
        }
        // GOOG 2015-12-24, a 13:00 half day; 2015-12-23 a full day.
        assert!(cal.is_early_close(d(2015, 12, 24)));
        assert_eq!(last[&d(2015, 12, 24)], hm(13, 0));
        assert_eq!(last[&d(2015, 12, 23)], hm(16, 0));
    }
}

#[test]
fn lean_option_expiries_follow_the_schedules() {
    let cal = NyseCalendar::new();
    if let Some(text) = read("lean-quantconnect/spx_index_options_minute_quotes.csv.gz") {
        let mut seen = BTreeSet::new();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            seen.insert((cols[3].to_string(), iso(cols[7]), iso(cols[0])));
        }
        for (root, expiry, date) in &seen {
            assert!(cal.is_session(*date));
            let kind = if root == "SPXW" {
                ExpiryKind::SpxwPm
            } else {
                ExpiryKind::SpxMonthlyAm
            };
            assert!(cal.is_expiry(kind, *expiry), "{root} {expiry}");
        }
        // The 0DTE SPXW days of January 2021 (Mon/Wed/Fri); Tue/Thu had none then.
        let zero: BTreeSet<_> = seen
            .iter()
            .filter(|(r, e, q)| r == "SPXW" && is_0dte(*e, *q))
            .map(|(_, e, _)| *e)
            .collect();
        assert_eq!(
            zero,
            BTreeSet::from([d(2021, 1, 4), d(2021, 1, 6), d(2021, 1, 8)])
        );
        assert!(!cal.is_expiry(ExpiryKind::SpxwPm, d(2021, 1, 5)));
        assert!(!cal.is_expiry(ExpiryKind::SpxwPm, d(2021, 1, 7)));
    }
    if let Some(text) = read("lean-quantconnect/option_chain_eod_greeks.csv.gz") {
        let mut checked = 0;
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            let (underlying, root) = (cols[1], cols[2]);
            if root == "UNDERLYING" {
                continue;
            }
            let expiry = iso(cols[3]);
            let ok = match root {
                "SPXW" => cal.is_expiry(ExpiryKind::SpxwPm, expiry),
                "SPX" => cal.is_expiry(ExpiryKind::SpxMonthlyAm, expiry),
                // SPY lists dailies and quarterlies too: check only the Friday cycle.
                "SPY" if !cal.is_expiry(ExpiryKind::EquityWeekly, expiry) => true,
                _ if expiry.weekday() == Weekday::Sat => {
                    // Pre-2015 OCC date of a standard monthly: the Saturday after.
                    assert!(expiry < d(2015, 2, 15), "{underlying} {expiry}");
                    let friday = cal.session_on_or_before(expiry).unwrap();
                    cal.is_expiry(ExpiryKind::EquityMonthly, friday)
                }
                _ => cal.is_expiry(ExpiryKind::EquityWeekly, expiry),
            };
            assert!(ok, "{underlying} {root} {expiry}");
            checked += 1;
        }
        assert!(checked > 50_000);
        // GOOG weeklies moved to Thursday by Christmas and New Year's Day.
        assert!(cal.is_expiry(ExpiryKind::EquityWeekly, d(2015, 12, 24)));
        assert!(cal.is_expiry(ExpiryKind::EquityWeekly, d(2015, 12, 31)));
        assert!(cal.is_expiry(ExpiryKind::EquityWeekly, d(2014, 7, 3)));
    }
}

#[test]
fn optopsy_spxw_2018_end_of_month_expiries() {
    let Some(text) = read("optopsy-samples/spxw_eod_2018-01_02.csv.gz") else {
        return;
    };
    let cal = NyseCalendar::new();
    let mut header = text.lines().next().unwrap().split(',').map(str::trim);
    let exp_col = header.clone().position(|h| h == "expiration").unwrap();
    let quote_col = header.position(|h| h == "quotedate").unwrap();
    let (mut expiries, mut quotes, mut zero) = (BTreeSet::new(), BTreeSet::new(), 0);
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let (e, q) = (mdy(cols[exp_col]), mdy(cols[quote_col]));
        expiries.insert(e);
        quotes.insert(q);
        zero += usize::from(is_0dte(e, q));
    }
    assert_eq!(expiries, BTreeSet::from([d(2018, 1, 31), d(2018, 2, 28)]));
    for e in expiries {
        assert!(cal.is_expiry(ExpiryKind::SpxwPm, e), "{e}");
    }
    assert_eq!(quotes.len(), 40);
    assert_eq!(compare(&cal, &quotes), (vec![], vec![]));
    assert_eq!(zero, 750);
}

/// `(root, expiry)` pairs of a Cboe quotedata export.
fn chain_expiries(text: &str) -> BTreeMap<String, BTreeSet<NaiveDate>> {
    let mut out: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
    for line in text.lines().skip(3) {
        let mut cols = line.split(',');
        let (Some(date), Some(sym)) = (cols.next(), cols.next()) else {
            continue;
        };
        let Ok(date) = NaiveDate::parse_from_str(date.trim(), "%a %b %d %Y") else {
            continue;
        };
        let root: String = sym.chars().take_while(char::is_ascii_alphabetic).collect();
        out.entry(root).or_default().insert(date);
    }
    out
}

#[test]
fn cboe_chain_snapshot_expiries_follow_the_schedules() {
    let Some(index) = read("cboe-chain-snapshots/index.csv") else {
        return;
    };
    let cal = NyseCalendar::new();
    let mut reader = csv::Reader::from_reader(index.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (file_col, und_col, date_col, note_col) = (
        col("file"),
        col("underlying"),
        col("session_date"),
        col("note"),
    );
    let mut spx_files = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let underlying = &record[und_col];
        if !matches!(underlying, "SPX" | "SPY" | "QQQ" | "NDX") {
            continue;
        }
        let session = iso(&record[date_col]);
        let partial = record[note_col].contains("partial");
        let Some(text) = read(&format!("cboe-chain-snapshots/{}", &record[file_col])) else {
            return;
        };
        assert!(cal.is_session(session), "{}", &record[file_col]);
        for (root, expiries) in chain_expiries(&text) {
            for &e in &expiries {
                let ok = match root.as_str() {
                    "SPX" | "NDX" => cal.is_expiry(ExpiryKind::SpxMonthlyAm, e),
                    // Listed before the 2025-01-09 closure was announced (2024-12-30).
                    "SPXW" if e == d(2025, 1, 9) => true,
                    "SPXW" => cal.is_expiry(ExpiryKind::SpxwPm, e),
                    // ETF dailies (Mon–Thu) and end-of-quarter series are not modelled;
                    // every Friday-cycle date must be a session.
                    _ => cal.is_session(e),
                };
                assert!(ok, "{} {root} {e}", &record[file_col]);
            }
            if root == "SPXW" {
                spx_files += 1;
                if partial && !record[note_col].contains("near-term") {
                    continue;
                }
                // Cboe lists every SPXW expiry of the next two weeks.
                let window: Vec<_> = cal
                    .expiries_between(
                        ExpiryKind::SpxwPm,
                        cal.next_session(session).unwrap(),
                        cal.add_sessions(session, 10).unwrap(),
                    )
                    .unwrap();
                for e in window {
                    assert!(
                        expiries.contains(&e),
                        "{}: SPXW {e} by schedule but not listed",
                        &record[file_col]
                    );
                }
            }
            if matches!(root.as_str(), "SPY" | "QQQ") {
                // Weekly (Friday-cycle) expiries of the next four weeks are all listed.
                let window = cal
                    .expiries_between(
                        ExpiryKind::EquityWeekly,
                        cal.next_session(session).unwrap(),
                        cal.add_sessions(session, 20).unwrap(),
                    )
                    .unwrap();
                for e in window {
                    assert!(expiries.contains(&e), "{} {root} {e}", &record[file_col]);
                }
            }
        }
    }
    assert!(spx_files >= 20);
}

// ---------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------

fn any_date() -> impl Strategy<Value = NaiveDate> {
    // 1990-01-08 ..= 2100-12-24, away from the range ends.
    (7i64..40_534).prop_map(|n| d(1990, 1, 1) + chrono::Duration::days(n))
}

proptest! {
    #[test]
    fn next_and_prev_sessions_are_inverse(date in any_date()) {
        let cal = NyseCalendar::new();
        let next = cal.next_session(date).unwrap();
        prop_assert!(next > date);
        prop_assert!(cal.is_session(next));
        prop_assert!(!matches!(next.weekday(), Weekday::Sat | Weekday::Sun));
        prop_assert!((next - date).num_days() <= 7);
        let prev = cal.prev_session(next).unwrap();
        prop_assert!(prev <= date || !cal.is_session(date));
        prop_assert_eq!(cal.next_session(prev).unwrap(), next);
        if cal.is_session(date) {
            prop_assert_eq!(prev, date);
            prop_assert_eq!(cal.prev_session(cal.next_session(date).unwrap()).unwrap(), date);
            prop_assert_eq!(
                cal.sessions_before(next).unwrap(),
                cal.sessions_before(date).unwrap() + 1
            );
        }
        // Nothing between consecutive sessions is a session.
        prop_assert_eq!(cal.session_count(prev, next).unwrap(), 2);
    }

    #[test]
    fn sessions_are_weekdays_and_sessions_have_valid_hours(date in any_date()) {
        let cal = NyseCalendar::new();
        match cal.session(date).unwrap() {
            Some(s) => {
                prop_assert!(!matches!(date.weekday(), Weekday::Sat | Weekday::Sun));
                prop_assert!(s.open < s.close);
                prop_assert_eq!(s.open.ny_date(), date);
                prop_assert!(cal.holiday_name(date).is_none());
                prop_assert!(cal.is_open_at(s.open));
                prop_assert!(!cal.is_open_at(s.close));
            }
            None => prop_assert!(
                matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
                    || cal.holiday_name(date).is_some()
            ),
        }
    }

    #[test]
    fn expiries_are_sessions(date in any_date()) {
        let cal = NyseCalendar::new();
        for kind in [
            ExpiryKind::SpxMonthlyAm,
            ExpiryKind::SpxwPm,
            ExpiryKind::Quarterly,
            ExpiryKind::EquityMonthly,
            ExpiryKind::EquityWeekly,
        ] {
            if cal.is_expiry(kind, date) {
                prop_assert!(cal.is_session(date));
            }
        }
        // Every week with a session has exactly one equity weekly expiry.
        let monday = date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()));
        let friday = monday + chrono::Duration::days(4);
        let n = cal.expiries_between(ExpiryKind::EquityWeekly, monday, friday).unwrap().len();
        let sessions = cal.session_count(monday, friday).unwrap();
        prop_assert_eq!(n, usize::from(sessions > 0));
    }
}
