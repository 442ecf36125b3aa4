//! [`NyseCalendar`]: NYSE sessions by rule plus a table of exceptions.

use std::borrow::Cow;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use thetalab_core::Timestamp;

use super::exceptions::{self, CalendarException, ExceptionKind};
use super::holidays::{rule_early_close, rule_holiday};
use crate::DataError;

/// The first date the calendar covers.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1990, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN, // unreachable: 1990-01-01 is a valid date
};
/// The last date the calendar covers.
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX, // unreachable: 2100-12-31 is a valid date
};
/// The supported range, as it appears in [`DataError::DateOutOfRange`].
pub const RANGE: &str = "1990-01-01..=2100-12-31";

/// Regular NYSE opening time, 09:30 ET (core trading session, NYSE Rule 7.34).
pub const REGULAR_OPEN: NaiveTime = match NaiveTime::from_hms_opt(9, 30, 0) {
    Some(t) => t,
    None => NaiveTime::MIN, // unreachable
};
/// Regular NYSE closing time, 16:00 ET.
pub const REGULAR_CLOSE: NaiveTime = match NaiveTime::from_hms_opt(16, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN, // unreachable
};
/// Closing time on the scheduled early-close days, 13:00 ET.
pub const EARLY_CLOSE: NaiveTime = match NaiveTime::from_hms_opt(13, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN, // unreachable
};

/// Number of days in the supported range.
const DAYS: usize = 40_542; // 1990-01-01..=2100-12-31

/// One NYSE trading session (the core session; pre- and post-market are not included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Session {
    /// The trading date (New York).
    pub date: NaiveDate,
    /// The opening instant (09:30 ET unless a late open).
    pub open: Timestamp,
    /// The closing instant (16:00 ET; 13:00 on the scheduled early closes).
    pub close: Timestamp,
    /// The session closes before 16:00 ET.
    pub early_close: bool,
    /// The session opens after 09:30 ET.
    pub late_open: bool,
}

/// The NYSE trading calendar for 1990-01-01..=2100-12-31: weekends, the Rule 7.2
/// holidays and the 13:00 early closes computed by rule (see
/// [`holidays`](super::holidays)), plus a sorted table of one-off exceptions (see
/// [`exceptions`](super::exceptions)) to which users can add their own.
///
/// Construction is cheap (it copies the ~30-entry built-in table). Single-date queries
/// compute the rules directly: O(1) plus a binary search of the exceptions, no
/// allocation. Counting queries ([`session_count`](Self::session_count),
/// [`sessions_before`](Self::sessions_before)) build, on first use, a 5 KB bitmap of all
/// sessions with running counts, after which they are O(1).
///
/// **Which queries can fail.** Predicates answer for any date and are infallible: a date
/// outside the range is simply not a session ([`is_session`](Self::is_session),
/// [`is_early_close`](Self::is_early_close), [`holiday_name`](Self::holiday_name),
/// [`is_open_at`](Self::is_open_at), [`minutes_to_close`](Self::minutes_to_close)).
/// Queries that must produce a session, a date or a count return
/// [`DataError::DateOutOfRange`] for dates outside the range rather than inventing an
/// answer ([`session`](Self::session), [`next_session`](Self::next_session),
/// [`prev_session`](Self::prev_session), [`sessions_between`](Self::sessions_between),
/// …).
///
/// ```
/// use chrono::NaiveDate;
/// use thetalab_data::calendar::NyseCalendar;
///
/// let cal = NyseCalendar::new();
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
/// assert!(!cal.is_session(d(2024, 3, 29)));
/// assert_eq!(cal.holiday_name(d(2024, 3, 29)), Some("Good Friday"));
/// assert_eq!(cal.next_session(d(2024, 3, 28))?, d(2024, 4, 1));
/// let s = cal.require_session(d(2024, 7, 3))?;
/// assert!(s.early_close);
/// assert_eq!(s.close.to_string(), "2024-07-03T17:00:00Z"); // 13:00 EDT
/// assert_eq!(cal.session_count(d(2024, 1, 1), d(2024, 12, 31))?, 252);
/// # Ok::<(), thetalab_data::DataError>(())
/// ```
#[derive(Debug, Clone)]
pub struct NyseCalendar {
    /// Sorted by date, at most one per date.
    exceptions: Vec<CalendarException>,
    /// Lazily built session bitmap for the counting queries.
    index: OnceLock<SessionIndex>,
}

impl Default for NyseCalendar {
    fn default() -> Self {
        Self::new()
    }
}

/// What the calendar says about one date.
enum Day<'a> {
    Closed(Option<&'a str>),
    Open {
        open: NaiveTime,
        close: NaiveTime,
        reason: Option<&'a str>,
    },
}

impl NyseCalendar {
    /// The calendar with the built-in exceptions.
    #[must_use]
    pub fn new() -> NyseCalendar {
        NyseCalendar {
            exceptions: exceptions::built_in(),
            index: OnceLock::new(),
        }
    }

    /// The calendar by rule only, without the built-in special closures and hours (for
    /// studying the rules, or to supply a complete exception list of your own).
    #[must_use]
    pub fn rules_only() -> NyseCalendar {
        NyseCalendar {
            exceptions: Vec::new(),
            index: OnceLock::new(),
        }
    }

    /// Adds (or replaces) the exception for `exception.date`.
    ///
    /// Errors: [`DataError::DateOutOfRange`] outside 1990–2100;
    /// [`DataError::InvalidCalendarException`] for special hours whose open is not before
    /// the close, or that fall on a weekend.
    pub fn with_exception(mut self, exception: CalendarException) -> Result<Self, DataError> {
        check_range(exception.date)?;
        if let ExceptionKind::Hours { open, close } = exception.kind {
            let bad = |reason: &str| DataError::InvalidCalendarException {
                input: format!("{exception:?}"),
                reason: reason.to_string(),
            };
            if open >= close {
                return Err(bad("the open must be before the close"));
            }
            if is_weekend(exception.date) {
                return Err(bad("NYSE holds no weekend sessions"));
            }
        }
        match self
            .exceptions
            .binary_search_by_key(&exception.date, |e| e.date)
        {
            Ok(i) => self.exceptions[i] = exception,
            Err(i) => self.exceptions.insert(i, exception),
        }
        self.index = OnceLock::new();
        Ok(self)
    }

    /// Adds a full-day closure (replacing anything known about that date).
    pub fn with_closure(
        self,
        date: NaiveDate,
        reason: impl Into<Cow<'static, str>>,
    ) -> Result<Self, DataError> {
        self.with_exception(CalendarException {
            date,
            kind: ExceptionKind::Closed,
            reason: reason.into(),
        })
    }

    /// Adds an early close at `close` (New York time) after a regular 09:30 open.
    pub fn with_early_close(
        self,
        date: NaiveDate,
        close: NaiveTime,
        reason: impl Into<Cow<'static, str>>,
    ) -> Result<Self, DataError> {
        self.with_hours(date, REGULAR_OPEN, close, reason)
    }

    /// Adds special hours (late open, early close or both; `09:30`–`16:00` makes a
    /// rule holiday or early close a regular day).
    pub fn with_hours(
        self,
        date: NaiveDate,
        open: NaiveTime,
        close: NaiveTime,
        reason: impl Into<Cow<'static, str>>,
    ) -> Result<Self, DataError> {
        self.with_exception(CalendarException {
            date,
            kind: ExceptionKind::Hours { open, close },
            reason: reason.into(),
        })
    }

    /// Adds every exception of a plain-text list, one per line (`#` starts a comment):
    /// `YYYY-MM-DD closed REASON`, `YYYY-MM-DD close HH:MM REASON` or
    /// `YYYY-MM-DD hours HH:MM-HH:MM REASON`. See [`exceptions`](super::exceptions).
    ///
    /// Errors: [`DataError::InvalidCalendarException`] naming the line, or the errors of
    /// [`with_exception`](Self::with_exception).
    pub fn with_exceptions_from_str(mut self, text: &str) -> Result<Self, DataError> {
        for (n, line) in text.lines().enumerate() {
            let parsed = exceptions::parse_line(line).map_err(|reason| {
                DataError::InvalidCalendarException {
                    input: format!("line {}: {line}", n + 1),
                    reason,
                }
            })?;
            if let Some(e) = parsed {
                self = self.with_exception(e)?;
            }
        }
        Ok(self)
    }

    /// The exception table, sorted by date.
    #[must_use]
    pub fn exceptions(&self) -> &[CalendarException] {
        &self.exceptions
    }

    fn exception(&self, date: NaiveDate) -> Option<&CalendarException> {
        self.exceptions
            .binary_search_by_key(&date, |e| e.date)
            .ok()
            .and_then(|i| self.exceptions.get(i))
    }

    fn day(&self, date: NaiveDate) -> Day<'_> {
        if !(FIRST_DATE..=LAST_DATE).contains(&date) {
            return Day::Closed(None);
        }
        if let Some(e) = self.exception(date) {
            return match e.kind {
                ExceptionKind::Closed => Day::Closed(Some(&e.reason)),
                ExceptionKind::Hours { open, close } => Day::Open {
                    open,
                    close,
                    reason: Some(&e.reason),
                },
            };
        }
        if is_weekend(date) {
            return Day::Closed(None);
        }
        if let Some(h) = rule_holiday(date) {
            return Day::Closed(Some(h.name()));
        }
        match rule_early_close(date) {
            Some(reason) => Day::Open {
                open: REGULAR_OPEN,
                close: EARLY_CLOSE,
                reason: Some(reason),
            },
            None => Day::Open {
                open: REGULAR_OPEN,
                close: REGULAR_CLOSE,
                reason: None,
            },
        }
    }

    /// Whether NYSE holds a session on `date`; `false` outside 1990–2100.
    #[must_use]
    pub fn is_session(&self, date: NaiveDate) -> bool {
        matches!(self.day(date), Day::Open { .. })
    }

    /// Whether `date` is a session that closes before 16:00 ET.
    #[must_use]
    pub fn is_early_close(&self, date: NaiveDate) -> bool {
        matches!(self.day(date), Day::Open { close, .. } if close < REGULAR_CLOSE)
    }

    /// Why NYSE is closed on a weekday: the holiday's name ("Good Friday") or the
    /// closure's reason ("Hurricane Sandy"). `None` for sessions, weekends and dates
    /// outside the range.
    #[must_use]
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        match self.day(date) {
            Day::Closed(reason) if !is_weekend(date) => reason,
            _ => None,
        }
    }

    /// Why a session has special hours ("Christmas Eve", "snowstorm"); `None` for a
    /// regular session or a day without one.
    #[must_use]
    pub fn special_hours_reason(&self, date: NaiveDate) -> Option<&str> {
        match self.day(date) {
            Day::Open { reason, .. } => reason,
            Day::Closed(_) => None,
        }
    }

    /// The session on `date`, or `Ok(None)` when NYSE is closed.
    ///
    /// Errors: [`DataError::DateOutOfRange`] outside 1990–2100.
    pub fn session(&self, date: NaiveDate) -> Result<Option<Session>, DataError> {
        check_range(date)?;
        match self.day(date) {
            Day::Closed(_) => Ok(None),
            Day::Open { open, close, .. } => Ok(Some(Session {
                date,
                open: ny(date, open)?,
                close: ny(date, close)?,
                early_close: close < REGULAR_CLOSE,
                late_open: open > REGULAR_OPEN,
            })),
        }
    }

    /// The session on `date`, which must be one.
    ///
    /// Errors: [`DataError::DateOutOfRange`], or [`DataError::NotASession`].
    pub fn require_session(&self, date: NaiveDate) -> Result<Session, DataError> {
        self.session(date)?.ok_or(DataError::NotASession { date })
    }

    /// The first session strictly after `date` (`date` need not be a session).
    ///
    /// Errors: [`DataError::DateOutOfRange`] if `date` is outside the range or no session
    /// follows it within the range.
    pub fn next_session(&self, date: NaiveDate) -> Result<NaiveDate, DataError> {
        check_range(date)?;
        let mut d = date;
        loop {
            d = d
                .succ_opt()
                .filter(|d| *d <= LAST_DATE)
                .ok_or(DataError::DateOutOfRange {
                    date,
                    range: "1990-01-01..=2100-12-31 (no later session in range)",
                })?;
            if self.is_session(d) {
                return Ok(d);
            }
        }
    }

    /// The last session strictly before `date` (`date` need not be a session).
    ///
    /// Errors: [`DataError::DateOutOfRange`] if `date` is outside the range or no session
    /// precedes it within the range.
    pub fn prev_session(&self, date: NaiveDate) -> Result<NaiveDate, DataError> {
        check_range(date)?;
        let mut d = date;
        loop {
            d = d
                .pred_opt()
                .filter(|d| *d >= FIRST_DATE)
                .ok_or(DataError::DateOutOfRange {
                    date,
                    range: "1990-01-01..=2100-12-31 (no earlier session in range)",
                })?;
            if self.is_session(d) {
                return Ok(d);
            }
        }
    }

    /// `date` if it is a session, else the next session.
    pub fn session_on_or_after(&self, date: NaiveDate) -> Result<NaiveDate, DataError> {
        check_range(date)?;
        if self.is_session(date) {
            Ok(date)
        } else {
            self.next_session(date)
        }
    }

    /// `date` if it is a session, else the previous session.
    pub fn session_on_or_before(&self, date: NaiveDate) -> Result<NaiveDate, DataError> {
        check_range(date)?;
        if self.is_session(date) {
            Ok(date)
        } else {
            self.prev_session(date)
        }
    }

    /// The session `n` sessions after (`n > 0`) or before (`n < 0`) `date`, counting from
    /// `date` itself when it is a session and otherwise from the position between
    /// sessions where `date` falls (so `n = 1` from a Saturday is the Monday).
    /// `n = 0` gives `date` if it is a session, else the next session.
    pub fn add_sessions(&self, date: NaiveDate, n: i64) -> Result<NaiveDate, DataError> {
        check_range(date)?;
        let mut d = date;
        if n >= 0 {
            if n == 0 {
                return self.session_on_or_after(date);
            }
            for _ in 0..n {
                d = self.next_session(d)?;
            }
        } else {
            for _ in 0..n.unsigned_abs() {
                d = self.prev_session(d)?;
            }
        }
        Ok(d)
    }

    /// The sessions from `from` to `to`, both inclusive, in order (empty when
    /// `from > to`).
    ///
    /// Errors: [`DataError::DateOutOfRange`] if either end is outside the range.
    pub fn sessions_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Sessions<'_>, DataError> {
        check_range(from)?;
        check_range(to)?;
        Ok(Sessions {
            cal: self,
            next: Some(from),
            last: to,
        })
    }

    /// The sessions of a calendar year.
    pub fn sessions_in_year(&self, year: i32) -> Result<Sessions<'_>, DataError> {
        let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MIN);
        self.sessions_between(first, last)
    }

    /// The number of sessions from `from` to `to`, both inclusive (0 when `from > to`).
    /// O(1) after the first counting query.
    pub fn session_count(&self, from: NaiveDate, to: NaiveDate) -> Result<usize, DataError> {
        check_range(from)?;
        check_range(to)?;
        if from > to {
            return Ok(0);
        }
        let index = self.index();
        Ok(index.rank(offset(to) + 1) - index.rank(offset(from)))
    }

    /// The number of sessions strictly before `date` since 1990-01-01: a session's
    /// zero-based ordinal, and for any date the ordinal of the next session. Two dates'
    /// difference is the number of sessions between them. O(1) after the first counting
    /// query.
    pub fn sessions_before(&self, date: NaiveDate) -> Result<usize, DataError> {
        check_range(date)?;
        Ok(self.index().rank(offset(date)))
    }

    /// Whether NYSE is in its core session at `t`: `open <= t < close`.
    #[must_use]
    pub fn is_open_at(&self, t: Timestamp) -> bool {
        self.minutes_to_close(t).is_some()
    }

    /// Minutes (fractional) from `t` to the close of the session in progress, or `None`
    /// when NYSE is not in its core session at `t`.
    #[must_use]
    pub fn minutes_to_close(&self, t: Timestamp) -> Option<f64> {
        let session = self.session(t.ny_date()).ok()??;
        if t < session.open || t >= session.close {
            return None;
        }
        let nanos = session.close.nanos_since(t).ok()?;
        Some(nanos as f64 / 60e9)
    }

    /// The session index, built on first use.
    fn index(&self) -> &SessionIndex {
        self.index.get_or_init(|| SessionIndex::build(self))
    }
}

/// Iterator over sessions between two dates, from
/// [`NyseCalendar::sessions_between`].
#[derive(Debug, Clone)]
pub struct Sessions<'a> {
    cal: &'a NyseCalendar,
    next: Option<NaiveDate>,
    last: NaiveDate,
}

impl Iterator for Sessions<'_> {
    type Item = NaiveDate;

    fn next(&mut self) -> Option<NaiveDate> {
        while let Some(d) = self.next {
            if d > self.last {
                self.next = None;
                return None;
            }
            self.next = d.succ_opt();
            if self.cal.is_session(d) {
                return Some(d);
            }
        }
        None
    }
}

/// One bit per day of the range, plus the number of sessions before each 64-day word.
#[derive(Debug, Clone)]
struct SessionIndex {
    words: Vec<u64>,
    before: Vec<usize>,
}

impl SessionIndex {
    fn build(cal: &NyseCalendar) -> SessionIndex {
        let mut words = vec![0u64; DAYS.div_ceil(64)];
        for (i, d) in FIRST_DATE.iter_days().take(DAYS).enumerate() {
            if cal.is_session(d) {
                words[i / 64] |= 1 << (i % 64);
            }
        }
        let mut before = Vec::with_capacity(words.len() + 1);
        let mut total = 0usize;
        for w in &words {
            before.push(total);
            total += w.count_ones() as usize;
        }
        before.push(total);
        SessionIndex { words, before }
    }

    /// Sessions among the first `days` days of the range (`days` in `0..=DAYS`).
    fn rank(&self, days: usize) -> usize {
        let (w, b) = (days / 64, days % 64);
        let base = self.before.get(w).copied().unwrap_or(0);
        match self.words.get(w) {
            Some(word) if b > 0 => base + (word & ((1u64 << b) - 1)).count_ones() as usize,
            _ => base,
        }
    }
}

/// Days from [`FIRST_DATE`] to a date in range.
fn offset(date: NaiveDate) -> usize {
    usize::try_from((date - FIRST_DATE).num_days()).unwrap_or(0)
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `Err(DateOutOfRange)` outside 1990-01-01..=2100-12-31.
pub(crate) fn check_range(date: NaiveDate) -> Result<(), DataError> {
    if (FIRST_DATE..=LAST_DATE).contains(&date) {
        Ok(())
    } else {
        Err(DataError::DateOutOfRange { date, range: RANGE })
    }
}

/// A New York wall-clock time on `date` as a timestamp.
pub(crate) fn ny(date: NaiveDate, time: NaiveTime) -> Result<Timestamp, DataError> {
    Timestamp::from_ny(date, time).map_err(|source| DataError::SessionTime { date, time, source })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn day_count_matches_range() {
        assert_eq!((LAST_DATE - FIRST_DATE).num_days() + 1, DAYS as i64);
    }

    #[test]
    fn rank_agrees_with_iteration() {
        let cal = NyseCalendar::new();
        let from = NaiveDate::from_ymd_opt(2001, 9, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2001, 9, 30).unwrap();
        let listed = cal.sessions_between(from, to).unwrap().count();
        assert_eq!(cal.session_count(from, to).unwrap(), listed);
        assert_eq!(listed, 15); // 20 weekdays − Labor Day − 9/11..14
        assert_eq!(
            cal.session_count(FIRST_DATE, LAST_DATE).unwrap(),
            cal.sessions_between(FIRST_DATE, LAST_DATE).unwrap().count()
        );
    }
}
