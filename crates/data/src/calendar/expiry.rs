//! Option expiry schedules on the NYSE calendar: SPX monthlies (AM-settled), SPXW
//! (PM-settled weeklies, dailies, end-of-month), SPX end-of-quarter, equity monthlies and
//! weeklies; 0DTE tests; settlement instants; time to expiry.
//!
//! # Rules implemented (all dates are the **last trading day / settlement day**)
//!
//! * **Standard monthly** ([`ExpiryKind::SpxMonthlyAm`], [`ExpiryKind::EquityMonthly`]):
//!   the third Friday of the month, or the session before it when that Friday is not a
//!   session (Good Friday 2022-04-15 → Thursday 2022-04-14; Juneteenth 2026-06-19 →
//!   2026-06-18). Before 2015-02-15 OCC dated standard monthlies on the **Saturday**
//!   after the third Friday (`AAPL  140621C…`); the schedule gives the Friday, and the
//!   contract helpers map a Saturday expiry to the session before.
//! * **SPX monthly, AM-settled** (symbol `SPX`): the exercise-settlement value is the
//!   Special Opening Quotation (SOQ), from the opening prints of the index components on
//!   the expiry date; trading ends at the close of the **previous** session (Cboe SPX
//!   contract specifications, "Last Trading Day").
//!   [`settlement_time`](super::NyseCalendar::settlement_time) gives the open.
//! * **SPXW, PM-settled** ([`ExpiryKind::SpxwPm`]): settled on the closing index value
//!   of the expiry date, which is also the last trading day. A date is an SPXW expiry
//!   if any of these series expires on it:
//!   * **Friday ("End-of-Week") Weeklys**, from [`SPXW_FRIDAY_FROM`] (Cboe launched SPX
//!     Weeklys in October 2005); they "expire on the last trading day of a week", so
//!     Thursday when Friday is a holiday; third Fridays only from [`SPXW_THIRD_FRIDAY_FROM`]
//!     (the PM-settled third-Friday series were `SPXPM` until Cboe moved them to `SPXW`
//!     on 2017-05-01, Cboe RG17-002);
//!   * **End-of-Month**, the last session of each month, from [`SPXW_EOM_FROM`]
//!     (launched 2014-07-07 under `SPXW`); End-of-Quarter series traded as `SPXQ` until
//!     2014-07-03 and are `SPXW` since (see [`ExpiryKind::Quarterly`]);
//!   * **Wednesday Weeklys** from [`SPXW_WEDNESDAY_FROM`] (listed from 2016-02-23, first
//!     expiry 2016-03-02); on a Wednesday holiday the session before (assumed; see
//!     below);
//!   * **Monday Weeklys** from [`SPXW_MONDAY_FROM`] (launched 2016-08-15, first expiry
//!     2016-08-22); on a Monday holiday the next session, e.g. Tuesday 2016-09-06 and
//!     2022-02-22 (Cboe: "If the Monday … coincides with an Exchange holiday, the
//!     expiration date will be on the next business day");
//!   * **Tuesday Weeklys** from [`SPXW_TUESDAY_FROM`] (listed from 2022-04-18) and
//!     **Thursday Weeklys** from [`SPXW_THURSDAY_FROM`] (listed from 2022-05-11): from
//!     then on **every session** is an SPXW expiry.
//! * **End-of-Quarter** ([`ExpiryKind::Quarterly`]): the last session of March, June,
//!   September and December, PM-settled, from [`QUARTERLY_FROM`] (Cboe: quarterly SPX
//!   options launched in 2007).
//! * **Equity weeklies** ([`ExpiryKind::EquityWeekly`]): each week's Friday, or the last
//!   session before it in the same week (Cboe Weeklys: "if the … expiration dates fall
//!   on a holiday the … expiration date would typically be the day prior"), including
//!   the third Friday (which is listed as the standard monthly). Which classes list
//!   weeklies, and since when, is a property of the class, not of the calendar; ETF
//!   Monday–Thursday expiries (SPY, QQQ since 2022) are not modelled.
//!
//! # Unverified assumptions
//!
//! The first Tuesday and Thursday expiries (2022-04-26, 2022-05-19) are inferred from
//! the listing dates with the same one-week lead as the Monday and Wednesday launches;
//! the Wednesday-holiday move (to the session before) and the 2005 Friday start are
//! not checked against data. Expiries hit by an **unscheduled** closure keep the date
//! they were listed with (SPXW 2025-01-09 existed; NYSE and Cboe closed that day): the
//! schedule, computed from the calendar, does not list such dates, and the contract
//! helpers treat them as ending on the session before.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use thetalab_core::{OccSymbol, Timestamp};

use super::nyse::{NyseCalendar, check_range};
use crate::DataError;

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => NaiveDate::MIN, // unreachable: only called with valid literal dates
    }
}

/// First Friday ("End-of-Week") SPXW expiry modelled (Weeklys launched October 2005).
pub const SPXW_FRIDAY_FROM: NaiveDate = date(2005, 11, 4);
/// First third-Friday PM expiry under the `SPXW` symbol (SPXPM → SPXW on 2017-05-01).
pub const SPXW_THIRD_FRIDAY_FROM: NaiveDate = date(2017, 5, 1);
/// End-of-Month SPXW series start (launched 2014-07-07; first expiry 2014-07-31).
pub const SPXW_EOM_FROM: NaiveDate = date(2014, 7, 7);
/// First Wednesday SPXW expiry.
pub const SPXW_WEDNESDAY_FROM: NaiveDate = date(2016, 3, 2);
/// First Monday SPXW expiry.
pub const SPXW_MONDAY_FROM: NaiveDate = date(2016, 8, 22);
/// First Tuesday SPXW expiry (listing began 2022-04-18).
pub const SPXW_TUESDAY_FROM: NaiveDate = date(2022, 4, 26);
/// First Thursday SPXW expiry (listing began 2022-05-11); every session since.
pub const SPXW_THURSDAY_FROM: NaiveDate = date(2022, 5, 19);
/// End-of-Quarter SPX options start (launched 2007).
pub const QUARTERLY_FROM: NaiveDate = date(2007, 1, 1);

/// How an option's exercise-settlement value is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Settlement {
    /// From the opening prints of the expiry date (SOQ); last trading day the session
    /// before.
    Am,
    /// From the close of the expiry date, which is also the last trading day.
    Pm,
}

impl Settlement {
    /// The settlement style of an option root: AM for the standard monthly index roots
    /// `SPX`, `NDX`, `RUT` and `VIX` (VIX expires on Wednesdays, not modelled here); PM
    /// for everything else (`SPXW`, `SPXPM`, `SPXQ`, `NDXP`, `XSP`, equities, ETFs).
    #[must_use]
    pub fn of_root(root: &str) -> Settlement {
        match root {
            "SPX" | "NDX" | "RUT" | "VIX" => Settlement::Am,
            _ => Settlement::Pm,
        }
    }
}

/// An expiry schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpiryKind {
    /// Standard monthly SPX (AM-settled): third Friday, the session before if that Friday
    /// is not a session. Also the schedule of the other AM-settled monthly index
    /// options (NDX, RUT).
    SpxMonthlyAm,
    /// Every date on which a PM-settled SPXW series expires (weekly, daily, end-of-month,
    /// end-of-quarter, third-Friday PM); see the module docs for the history.
    SpxwPm,
    /// SPX End-of-Quarter (PM-settled): the last session of Mar, Jun, Sep and Dec, from
    /// 2007.
    Quarterly,
    /// Standard monthly equity/ETF options: third Friday, the session before if that
    /// Friday is not a session.
    EquityMonthly,
    /// Weekly equity/ETF options: each week's Friday, the last session before it in the
    /// same week if Friday is not a session.
    EquityWeekly,
}

impl ExpiryKind {
    /// How this schedule's series settle.
    #[must_use]
    pub const fn settlement(self) -> Settlement {
        match self {
            ExpiryKind::SpxMonthlyAm => Settlement::Am,
            _ => Settlement::Pm,
        }
    }
}

/// Whether an option expiring on `expiry` is a zero-days-to-expiry option on `on`: the
/// two dates are equal. For the contract-level question (is it still tradable that day?)
/// use [`NyseCalendar::is_0dte_contract`].
#[must_use]
pub fn is_0dte(expiry: NaiveDate, on: NaiveDate) -> bool {
    expiry == on
}

impl NyseCalendar {
    /// Whether `date` is an expiry of `kind` (always `false` outside 1990–2100 or on a
    /// non-session).
    #[must_use]
    pub fn is_expiry(&self, kind: ExpiryKind, date: NaiveDate) -> bool {
        if !self.is_session(date) {
            return false;
        }
        match kind {
            ExpiryKind::SpxMonthlyAm | ExpiryKind::EquityMonthly => self.is_monthly(date),
            ExpiryKind::EquityWeekly => self.is_week_end(date),
            ExpiryKind::Quarterly => {
                date >= QUARTERLY_FROM
                    && date.month().is_multiple_of(3)
                    && self.is_last_session_of_month(date)
            }
            ExpiryKind::SpxwPm => self.is_spxw(date),
        }
    }

    /// The expiries of `kind` from `from` to `to`, both inclusive, in order.
    ///
    /// Errors: [`DataError::DateOutOfRange`] if either end is outside 1990–2100.
    pub fn expiries_between(
        &self,
        kind: ExpiryKind,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, DataError> {
        Ok(self
            .sessions_between(from, to)?
            .filter(|d| self.is_expiry(kind, *d))
            .collect())
    }

    /// The first expiry of `kind` on or after `date`.
    ///
    /// Errors: [`DataError::DateOutOfRange`] if `date` is outside the range or no expiry
    /// follows within it.
    pub fn next_expiry(&self, kind: ExpiryKind, date: NaiveDate) -> Result<NaiveDate, DataError> {
        let mut d = self.session_on_or_after(date)?;
        while !self.is_expiry(kind, d) {
            d = self.next_session(d)?;
        }
        Ok(d)
    }

    /// The instant at which a series of `kind` expiring on `expiry` settles: the session
    /// open (09:30 ET) for AM settlement, the session close (16:00 ET, 13:00 on early
    /// closes) for PM settlement and for equity options (whose exercise decisions use
    /// the closing price).
    ///
    /// Errors: [`DataError::DateOutOfRange`]; [`DataError::NotASession`] when `expiry`
    /// is not a session. `expiry` is not required to be in `kind`'s schedule.
    pub fn settlement_time(
        &self,
        kind: ExpiryKind,
        expiry: NaiveDate,
    ) -> Result<Timestamp, DataError> {
        let session = self.require_session(expiry)?;
        Ok(match kind.settlement() {
            Settlement::Am => session.open,
            Settlement::Pm => session.close,
        })
    }

    /// Calendar time in ACT/365 years from `now` to the settlement of a series of `kind`
    /// expiring on `expiry` ([`Timestamp::years_between`]; negative after settlement).
    pub fn calendar_years_to_expiry(
        &self,
        now: Timestamp,
        kind: ExpiryKind,
        expiry: NaiveDate,
    ) -> Result<f64, DataError> {
        Ok(Timestamp::years_between(
            now,
            self.settlement_time(kind, expiry)?,
        ))
    }

    /// Sessions from `on` (exclusive) to `expiry` (inclusive): 0 on the expiry day, 1 the
    /// session before; negative (minus the sessions in `(expiry, on]`) once expired.
    pub fn trading_days_to_expiry(
        &self,
        on: NaiveDate,
        expiry: NaiveDate,
    ) -> Result<i64, DataError> {
        check_range(on)?;
        check_range(expiry)?;
        // Sessions in [1990-01-01, d]: the sessions before d, plus d itself.
        let through = |d: NaiveDate| -> Result<usize, DataError> {
            Ok(self.sessions_before(d)? + usize::from(self.is_session(d)))
        };
        let (on_rank, exp_rank) = (through(on)?, through(expiry)?);
        Ok(i64::try_from(exp_rank).unwrap_or(i64::MAX) - i64::try_from(on_rank).unwrap_or(0))
    }

    /// The session on which an option contract's settlement value is fixed: its OCC
    /// expiry date if that is a session, else the session before (a pre-2015 Saturday
    /// expiry, or an unscheduled closure such as 2025-01-09).
    pub fn contract_settlement_day(&self, contract: &OccSymbol) -> Result<NaiveDate, DataError> {
        self.session_on_or_before(contract.expiry())
    }

    /// A contract's last trading day: the settlement day for PM-settled options, the
    /// session before it for AM-settled ones ([`Settlement::of_root`]).
    pub fn contract_last_trading_day(&self, contract: &OccSymbol) -> Result<NaiveDate, DataError> {
        let day = self.contract_settlement_day(contract)?;
        match Settlement::of_root(contract.root()) {
            Settlement::Am => self.prev_session(day),
            Settlement::Pm => Ok(day),
        }
    }

    /// The instant a contract settles: the open of its settlement day if AM-settled,
    /// the close if PM-settled.
    pub fn contract_settlement_time(&self, contract: &OccSymbol) -> Result<Timestamp, DataError> {
        let session = self.require_session(self.contract_settlement_day(contract)?)?;
        Ok(match Settlement::of_root(contract.root()) {
            Settlement::Am => session.open,
            Settlement::Pm => session.close,
        })
    }

    /// Whether `contract` trades as a 0DTE option on `on`: `on` is a session, it is the
    /// contract's last trading day, and the contract settles at that session's close.
    /// AM-settled contracts (standard `SPX` monthlies) are never 0DTE: on their expiry
    /// date they settle at the open without trading, and on the day before they still
    /// have a night to run. Equity and ETF options on their expiry day are 0DTE.
    #[must_use]
    pub fn is_0dte_contract(&self, contract: &OccSymbol, on: NaiveDate) -> bool {
        Settlement::of_root(contract.root()) == Settlement::Pm
            && self.is_session(on)
            && self.contract_last_trading_day(contract).ok() == Some(on)
    }

    /// Standard monthly expiry of `date`'s month, tested for `date`.
    fn is_monthly(&self, date: NaiveDate) -> bool {
        self.standard_monthly(date.year(), date.month()) == Some(date)
    }

    /// Third Friday of the month, or the session before it if it is not a session.
    fn standard_monthly(&self, year: i32, month: u32) -> Option<NaiveDate> {
        let friday = NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Fri, 3)?;
        self.session_on_or_before(friday).ok()
    }

    /// Whether `date` (a session) is the last session of its Monday–Friday week up to
    /// Friday.
    fn is_week_end(&self, date: NaiveDate) -> bool {
        let from_monday = date.weekday().num_days_from_monday();
        (from_monday + 1..=4).all(|k| {
            date.checked_add_days(Days::new(u64::from(k - from_monday)))
                .is_none_or(|d| !self.is_session(d))
        })
    }

    /// Whether `date` (a session) is the last session of its month.
    fn is_last_session_of_month(&self, date: NaiveDate) -> bool {
        let mut d = date;
        loop {
            match d.succ_opt() {
                Some(next) if next.month() == date.month() => {
                    if self.is_session(next) {
                        return false;
                    }
                    d = next;
                }
                _ => return true,
            }
        }
    }

    /// The SPXW rule for a session `date` (see the module docs).
    fn is_spxw(&self, date: NaiveDate) -> bool {
        if date >= SPXW_THURSDAY_FROM {
            return true;
        }
        let weekday = date.weekday();
        let friday = date >= SPXW_FRIDAY_FROM
            && self.is_week_end(date)
            && (date >= SPXW_THIRD_FRIDAY_FROM || !self.is_monthly(date));
        let eom = date >= SPXW_EOM_FROM && self.is_last_session_of_month(date);
        let tuesday = date >= SPXW_TUESDAY_FROM && weekday == Weekday::Tue;
        friday || eom || tuesday || self.is_monday_weekly(date) || self.is_wednesday_weekly(date)
    }

    /// Monday of `date`'s week, or the next session in that week if Monday is closed.
    fn is_monday_weekly(&self, date: NaiveDate) -> bool {
        if date < SPXW_MONDAY_FROM {
            return false;
        }
        let from_monday = date.weekday().num_days_from_monday();
        // Every earlier weekday of the week, from Monday, is closed.
        (0..from_monday).all(|k| {
            date.checked_sub_days(Days::new(u64::from(from_monday - k)))
                .is_none_or(|d| !self.is_session(d))
        }) && from_monday <= 4
    }

    /// Wednesday of `date`'s week, or the session before it in that week if Wednesday
    /// is closed.
    fn is_wednesday_weekly(&self, date: NaiveDate) -> bool {
        if date < SPXW_WEDNESDAY_FROM {
            return false;
        }
        let from_monday = date.weekday().num_days_from_monday();
        if from_monday > 2 {
            return false;
        }
        // Every later weekday up to Wednesday is closed.
        (from_monday + 1..=2).all(|k| {
            date.checked_add_days(Days::new(u64::from(k - from_monday)))
                .is_none_or(|d| !self.is_session(d))
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn constants_are_valid() {
        for c in [
            SPXW_FRIDAY_FROM,
            SPXW_THIRD_FRIDAY_FROM,
            SPXW_EOM_FROM,
            SPXW_WEDNESDAY_FROM,
            SPXW_MONDAY_FROM,
            SPXW_TUESDAY_FROM,
            SPXW_THURSDAY_FROM,
            QUARTERLY_FROM,
        ] {
            assert!(c > d(2000, 1, 1));
        }
        assert_eq!(SPXW_WEDNESDAY_FROM.weekday(), Weekday::Wed);
        assert_eq!(SPXW_MONDAY_FROM.weekday(), Weekday::Mon);
        assert_eq!(SPXW_TUESDAY_FROM.weekday(), Weekday::Tue);
        assert_eq!(SPXW_THURSDAY_FROM.weekday(), Weekday::Thu);
    }

    #[test]
    fn monday_holiday_moves_to_tuesday() {
        let cal = NyseCalendar::new();
        assert!(cal.is_expiry(ExpiryKind::SpxwPm, d(2016, 9, 6)));
        assert!(cal.is_expiry(ExpiryKind::SpxwPm, d(2022, 2, 22)));
        assert!(!cal.is_expiry(ExpiryKind::SpxwPm, d(2022, 3, 1)));
    }
}
