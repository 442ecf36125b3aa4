//! What to check, how strictly, and what to do with bad rows.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;

use super::reason::{Reason, Severity};

/// What a run does with rows that fail an [`Severity::Error`] check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Any error rejects the whole file (`DataError::Rejected`); nothing is kept.
    Reject,
    /// Bad rows are removed from the data and returned as
    /// [`QuarantineRow`](super::QuarantineRow)s with their reason.
    Quarantine,
    /// Out-of-order rows are sorted (stable, by timestamp) and exact duplicates dropped,
    /// both counted under [`ValidationReport::repaired`](super::ValidationReport::repaired);
    /// every other error is quarantined as under [`Policy::Quarantine`].
    Repair,
}

/// The one question gap checks ask of a calendar. [`NyseCalendar`](crate::calendar::NyseCalendar)
/// implements it; tests can use any rule.
pub trait SessionCalendar {
    /// True when `d` (a New York date) is a trading session.
    fn is_session(&self, d: NaiveDate) -> bool;
}

impl SessionCalendar for crate::calendar::NyseCalendar {
    fn is_session(&self, d: NaiveDate) -> bool {
        crate::calendar::NyseCalendar::is_session(self, d)
    }
}

/// Trading hours for [`Reason::OutsideSession`] checks of intraday bars (New York wall
/// clock, bar **start** time in `[open, close)`). Early closes are not known here: a bar
/// at 13:30 on a half day passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionWindow {
    /// 09:30–16:00 ET.
    Regular,
    /// 04:00–20:00 ET (pre-market and after-hours included).
    Extended,
    /// Any window, in minutes after New York midnight: `[open, close)`.
    Custom {
        /// First minute of the window (570 = 09:30).
        open: u32,
        /// First minute after the window (960 = 16:00).
        close: u32,
    },
}

impl SessionWindow {
    /// The window as `[open, close)` minutes after New York midnight.
    #[must_use]
    pub const fn minutes(self) -> (u32, u32) {
        match self {
            SessionWindow::Regular => (9 * 60 + 30, 16 * 60),
            SessionWindow::Extended => (4 * 60, 20 * 60),
            SessionWindow::Custom { open, close } => (open, close),
        }
    }
}

/// Thresholds, optional checks and severities of a validation run.
///
/// `Default` gives the documented defaults; adjust fields directly:
///
/// ```
/// use thetalab_data::validate::{Reason, Severity, ValidationConfig};
///
/// let mut cfg = ValidationConfig::default();
/// cfg.max_jump = 0.10; // |ln(close_t / close_t-1)| above 0.10 is an outlier (intraday)
/// cfg.set_severity(Reason::OutlierJump, Severity::Error); // quarantine outliers
/// assert_eq!(cfg.severity(Reason::OutlierJump), Severity::Error);
/// // Structural reasons keep their severity whatever is asked.
/// cfg.set_severity(Reason::ExactDuplicate, Severity::Warning);
/// assert_eq!(cfg.severity(Reason::ExactDuplicate), Severity::Error);
/// ```
#[derive(Clone)]
pub struct ValidationConfig {
    /// Outlier threshold on the absolute log change between consecutive kept rows
    /// (bar close, quote mid, trade price): flagged when `|ln(p_t / p_prev)| > max_jump`.
    /// Default 0.25 (a move of about +28 % or −22 %), meant for daily bars; use a smaller
    /// value for intraday data; `f64::INFINITY` disables the check.
    pub max_jump: f64,
    /// Expiries more than this many years (365.25 days) after the quote date are
    /// [`Reason::BadExpiry`]. Default 10 (LEAPS run about 3 years).
    pub max_expiry_years: f64,
    /// When set, a strike outside `[S / r, S × r]` (S = the row's underlying price) is a
    /// [`Reason::BadStrike`]. Default `Some(100.0)`: real chains list strikes 20× away
    /// from spot, a scaling error (cents, deci-cents) is 100× or more.
    pub max_strike_ratio: Option<f64>,
    /// Relative tolerance of the OHLC consistency check: `high ≥ max(open, close, low)·(1 − tol)`
    /// and `low ≤ min(open, close)·(1 + tol)`. Default 0 (exact).
    pub ohlc_tolerance: f64,
    /// When set, intraday bars starting outside this window are [`Reason::OutsideSession`].
    /// Default `None` (daily bars are stamped at midnight and must not be checked).
    pub session_window: Option<SessionWindow>,
    /// When set, bars are checked against it: rows on non-session days
    /// ([`Reason::NonSessionDay`]) and sessions between the first and last bar with no bar
    /// at all ([`Reason::MissingSession`], listed in
    /// [`ValidationReport::gaps`](super::ValidationReport::gaps)). Default `None`.
    pub calendar: Option<Arc<dyn SessionCalendar + Send + Sync>>,
    /// Severity overrides (see [`ValidationConfig::set_severity`]). Default empty: every
    /// reason has its [`Reason::default_severity`].
    pub severities: BTreeMap<Reason, Severity>,
}

impl Default for ValidationConfig {
    fn default() -> Self {
        ValidationConfig {
            max_jump: 0.25,
            max_expiry_years: 10.0,
            max_strike_ratio: Some(100.0),
            ohlc_tolerance: 0.0,
            session_window: None,
            calendar: None,
            severities: BTreeMap::new(),
        }
    }
}

impl fmt::Debug for ValidationConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidationConfig")
            .field("max_jump", &self.max_jump)
            .field("max_expiry_years", &self.max_expiry_years)
            .field("max_strike_ratio", &self.max_strike_ratio)
            .field("ohlc_tolerance", &self.ohlc_tolerance)
            .field("session_window", &self.session_window)
            .field(
                "calendar",
                &self.calendar.as_ref().map(|_| "<SessionCalendar>"),
            )
            .field("severities", &self.severities)
            .finish()
    }
}

impl ValidationConfig {
    /// The severity in force for `reason`: the override if any, else the default. Overrides
    /// of [fixed](Reason::is_fixed) reasons are ignored.
    #[must_use]
    pub fn severity(&self, reason: Reason) -> Severity {
        if reason.is_fixed() {
            return reason.default_severity();
        }
        self.severities
            .get(&reason)
            .copied()
            .unwrap_or(reason.default_severity())
    }

    /// Overrides the severity of `reason` (no effect on [fixed](Reason::is_fixed) reasons).
    pub fn set_severity(&mut self, reason: Reason, severity: Severity) -> &mut Self {
        self.severities.insert(reason, severity);
        self
    }

    /// Uses `calendar` for gap and session-day checks.
    #[must_use]
    pub fn with_calendar(mut self, calendar: Arc<dyn SessionCalendar + Send + Sync>) -> Self {
        self.calendar = Some(calendar);
        self
    }

    /// The severities of every reason, indexed by [`Reason::index`].
    pub(crate) fn severity_table(&self) -> [Severity; Reason::COUNT] {
        Reason::ALL.map(|r| self.severity(r))
    }
}
