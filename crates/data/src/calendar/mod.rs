//! The NYSE trading calendar (1990–2100) and option expiry schedules.
//!
//! * [`NyseCalendar`]: sessions computed by rule — weekends, the NYSE Rule 7.2 holidays
//!   (Good Friday from the Gregorian Easter computus, Juneteenth from 2022, MLK Day from
//!   1998, Saturday → Friday and Sunday → Monday observance, no Friday closure for a
//!   Saturday New Year's Day) and the 13:00 ET early closes — plus a sorted table of
//!   special closures and hours (1994 Nixon funeral, 2001-09-11..14, 2004 Reagan,
//!   2007 Ford, 2012 Hurricane Sandy, 2018 G. H. W. Bush, 2025 Carter, …) to which users
//!   add their own ([`exceptions`]).
//! * [`expiry`]: SPX monthly (AM-settled), SPXW (PM-settled weekly/daily/end-of-month),
//!   end-of-quarter, equity monthly and weekly schedules; 0DTE tests for dates and OCC
//!   contracts; settlement instants and time to expiry.
//!
//! The rules are checked against every SPX trading day from 1995-01-03 to 2026-02-20,
//! the ^GSPC days of 1999–2018 and the VIX days since 1990 in the integration tests.
//!
//! ```
//! use chrono::NaiveDate;
//! use thetalab_core::OccSymbol;
//! use thetalab_data::calendar::{ExpiryKind, NyseCalendar};
//!
//! let cal = NyseCalendar::new();
//! let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
//!
//! // Good Friday 2025 moves the April SPX monthly to Thursday.
//! assert_eq!(cal.holiday_name(d(2025, 4, 18)), Some("Good Friday"));
//! assert!(cal.is_expiry(ExpiryKind::SpxMonthlyAm, d(2025, 4, 17)));
//! // Every session is an SPXW expiry since May 2022; Mon/Wed/Fri before.
//! assert!(cal.is_expiry(ExpiryKind::SpxwPm, d(2024, 1, 9)));
//! assert!(!cal.is_expiry(ExpiryKind::SpxwPm, d(2021, 1, 5)));
//!
//! let spxw: OccSymbol = "SPXW  240103P04700000".parse().unwrap();
//! assert!(cal.is_0dte_contract(&spxw, d(2024, 1, 3)));
//! let spx: OccSymbol = "SPX   240119P04700000".parse().unwrap();
//! assert_eq!(cal.contract_last_trading_day(&spx)?, d(2024, 1, 18)); // AM-settled
//! # Ok::<(), thetalab_data::DataError>(())
//! ```

pub mod exceptions;
pub mod expiry;
pub mod holidays;
mod nyse;

pub use exceptions::{CalendarException, ExceptionKind};
pub use expiry::{ExpiryKind, Settlement, is_0dte};
pub use holidays::Holiday;
pub use nyse::{
    EARLY_CLOSE, FIRST_DATE, LAST_DATE, NyseCalendar, RANGE, REGULAR_CLOSE, REGULAR_OPEN, Session,
    Sessions,
};
