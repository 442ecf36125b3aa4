//! Which days the synthetic market trades and when, from the NYSE calendar
//! ([`crate::calendar::NyseCalendar`]): holidays are skipped, early closes are short
//! sessions (13:00 ET), and the listed expiries are the SPXW PM-settled schedule
//! ([`ExpiryKind::SpxwPm`]: Mon/Wed/Fri before 2022, every session since), settling at
//! the session's close.

use chrono::NaiveDate;
use thetalab_core::Timestamp;

use crate::DataError;
use crate::calendar::{ExpiryKind, NyseCalendar};

/// Nanoseconds in a minute.
const MINUTE_NS: i64 = 60 * 1_000_000_000;

/// One trading session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionDay {
    /// Session date (America/New_York).
    pub date: NaiveDate,
    /// Opening instant (09:30 ET unless a late open).
    pub open: Timestamp,
    /// Closing instant (16:00 ET; 13:00 on early closes).
    pub close: Timestamp,
    /// Whole minutes from the open to the close (390; 210 on an early close).
    pub minutes: u32,
}

/// The calendar as the generator uses it.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    cal: NyseCalendar,
}

fn bad_start(date: NaiveDate) -> DataError {
    DataError::InvalidSynthConfig {
        field: "start",
        value: date.to_string(),
        reason: "the sessions must lie within the NYSE calendar's range 1990-01-01..=2100-12-31",
    }
}

impl Calendar {
    /// The NYSE calendar with its built-in exceptions.
    #[must_use]
    pub fn new() -> Self {
        Self {
            cal: NyseCalendar::new(),
        }
    }

    /// `n` sessions from `start` (inclusive, when it is a session).
    pub fn sessions_from(&self, start: NaiveDate, n: usize) -> Result<Vec<SessionDay>, DataError> {
        let mut out = Vec::with_capacity(n);
        let mut d = self
            .cal
            .session_on_or_after(start)
            .map_err(|_| bad_start(start))?;
        while out.len() < n {
            let s = self.cal.require_session(d).map_err(|_| bad_start(d))?;
            let span = s.close.as_nanos() - s.open.as_nanos();
            let minutes = u32::try_from((span / MINUTE_NS).max(1)).unwrap_or(390);
            out.push(SessionDay {
                date: d,
                open: s.open,
                close: s.close,
                minutes,
            });
            if out.len() < n {
                d = self.cal.next_session(d).map_err(|_| bad_start(d))?;
            }
        }
        Ok(out)
    }

    /// Whether `d` is an SPXW (PM-settled) expiry.
    #[must_use]
    pub fn is_spxw_expiry(&self, d: NaiveDate) -> bool {
        self.cal.is_expiry(ExpiryKind::SpxwPm, d)
    }

    /// The SPXW expiries strictly after `d`, in order (ending at the calendar's range).
    pub fn spxw_expiries_after(&self, d: NaiveDate) -> impl Iterator<Item = NaiveDate> + '_ {
        std::iter::successors(self.cal.next_session(d).ok(), move |x| {
            self.cal.next_session(*x).ok()
        })
        .filter(move |x| self.is_spxw_expiry(*x))
    }

    /// Sessions strictly after `from` up to and including `to` (0 when `to <= from`).
    pub fn sessions_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, DataError> {
        let n = self.cal.trading_days_to_expiry(from, to)?;
        Ok(u32::try_from(n.max(0)).unwrap_or(u32::MAX))
    }

    /// The settlement instant of an SPXW expiry: the close of its session.
    pub fn settlement(&self, expiry: NaiveDate) -> Result<Timestamp, DataError> {
        self.cal.settlement_time(ExpiryKind::SpxwPm, expiry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn sessions_skip_holidays_and_shorten_early_closes() {
        let cal = Calendar::new();
        let s = cal.sessions_from(d(2023, 12, 30), 3).unwrap(); // a Saturday; Jan 1 is a holiday
        assert_eq!(
            s.iter().map(|x| x.date).collect::<Vec<_>>(),
            vec![d(2024, 1, 2), d(2024, 1, 3), d(2024, 1, 4)]
        );
        assert!(s.iter().all(|x| x.minutes == 390));
        let s = cal.sessions_from(d(2024, 7, 3), 1).unwrap();
        assert_eq!(s[0].minutes, 210);
        assert_eq!(
            cal.sessions_between(d(2024, 1, 5), d(2024, 1, 8)).unwrap(),
            1
        );
        assert_eq!(
            cal.sessions_between(d(2024, 1, 12), d(2024, 1, 16))
                .unwrap(),
            1
        ); // MLK day
        assert_eq!(
            cal.sessions_between(d(2024, 1, 8), d(2024, 1, 8)).unwrap(),
            0
        );
        assert_eq!(
            cal.spxw_expiries_after(d(2024, 1, 5)).next(),
            Some(d(2024, 1, 8))
        );
        // Before 2022, SPXW expired Mon/Wed/Fri only.
        assert_eq!(
            cal.spxw_expiries_after(d(2021, 1, 4)).next(),
            Some(d(2021, 1, 6))
        );
        assert!(cal.sessions_from(d(2100, 12, 30), 5).is_err());
    }
}
