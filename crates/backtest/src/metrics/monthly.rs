//! Calendar-month returns.

use chrono::Datelike;
use serde::{Deserialize, Serialize};
use thetalab_core::Timestamp;

use super::error::MetricsError;

/// The compounded return of one calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MonthlyReturn {
    /// Calendar year.
    pub year: i32,
    /// Calendar month, 1–12.
    pub month: u32,
    /// `∏(1 + rᵢ) − 1` over the month's periods, a fraction.
    pub ret: f64,
}

/// Compounds per-period returns within calendar months: `∏(1 + rᵢ) − 1` over the periods
/// whose timestamp falls in the month, one entry per month that has at least one period,
/// in time order.
///
/// The month of a period is that of its timestamp's **New York** calendar date
/// ([`Timestamp::ny_date`]): a daily bar is stamped at 00:00 America/New_York of its
/// session (the `thetalab-data` convention), and an intraday bar belongs to its session's
/// date. Source: empyrical `aggregate_returns(returns, 'monthly')` (group by year and
/// month, compound with `cum_returns_final`).
///
/// Errors if the lengths differ, a timestamp precedes its predecessor, or a return is not
/// finite.
///
/// ```
/// use thetalab_backtest::metrics::monthly_returns;
/// use thetalab_core::Timestamp;
///
/// let ts: Vec<Timestamp> = ["2024-01-30T05:00:00Z", "2024-01-31T05:00:00Z", "2024-02-01T05:00:00Z"]
///     .iter().map(|s| s.parse().unwrap()).collect();
/// let m = monthly_returns(&ts, &[0.1, 0.1, -0.05])?;
/// assert_eq!((m[0].year, m[0].month), (2024, 1));
/// assert!((m[0].ret - 0.21).abs() < 1e-12);
/// assert_eq!((m[1].month, m[1].ret), (2, -0.05));
/// # Ok::<(), thetalab_backtest::metrics::MetricsError>(())
/// ```
pub fn monthly_returns(
    timestamps: &[Timestamp],
    returns: &[f64],
) -> Result<Vec<MonthlyReturn>, MetricsError> {
    if timestamps.len() != returns.len() {
        return Err(MetricsError::LengthMismatch {
            what: "timestamps",
            expected: returns.len(),
            got: timestamps.len(),
        });
    }
    super::check_returns(returns)?;
    let mut out: Vec<MonthlyReturn> = Vec::new();
    let mut growth = 1.0;
    let mut prev: Option<Timestamp> = None;
    for (i, (&ts, &r)) in timestamps.iter().zip(returns).enumerate() {
        if prev.is_some_and(|p| ts < p) {
            return Err(MetricsError::UnsortedTimestamps { index: i });
        }
        prev = Some(ts);
        let date = ts.ny_date();
        let (year, month) = (date.year(), date.month());
        match out.last_mut() {
            Some(last) if last.year == year && last.month == month => {
                growth *= 1.0 + r;
                last.ret = growth - 1.0;
            }
            _ => {
                growth = 1.0 + r;
                out.push(MonthlyReturn {
                    year,
                    month,
                    ret: r,
                });
            }
        }
    }
    Ok(out)
}
