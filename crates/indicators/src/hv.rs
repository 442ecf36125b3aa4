//! Historical (realised) volatility estimators (not in TA-Lib).
//!
//! All are annualised as `σ = sqrt(var_per_bar · periods_per_year)`
//! ([`TRADING_DAYS_PER_YEAR`] = 252 for daily bars) over a rolling window of `n` bars:
//!
//! - **Close-to-close**: sample variance (ddof = 1) of `n` log returns `ln(C_t/C_{t−1})`;
//!   lookback `n`, `n >= 2`.
//! - **Parkinson** (1980), *J. Business* 53(1), eq. (2)-(3):
//!   `var = Σ ln(H/L)² / (4·n·ln 2)`; lookback `n − 1`.
//! - **Garman & Klass** (1980), *J. Business* 53(1), the "practical" estimator σ̂²₅:
//!   `var = (1/n) Σ [½·ln(H/L)² − (2 ln 2 − 1)·ln(C/O)²]`; lookback `n − 1`.
//! - **Yang & Zhang** (2000), *J. Business* 73(3), eq. (6)-(8):
//!   `var = V_O + k·V_C + (1 − k)·V_RS` with `V_O` the sample variance of the overnight
//!   returns `ln(O_t/C_{t−1})`, `V_C` that of the open-to-close returns `ln(C_t/O_t)`,
//!   `V_RS` the mean Rogers-Satchell term `ln(H/C)·ln(H/O) + ln(L/C)·ln(L/O)`, and
//!   `k = 0.34 / (1.34 + (n + 1)/(n − 1))`; lookback `n`, `n >= 2`.
//!
//! Sums are recomputed over the window (two-pass, O(n) per bar) so that batch and
//! streaming agree bitwise and nothing drifts. Non-positive prices give NaN for every
//! window that contains them.

use crate::error::{IndicatorError, Result, check_lengths, check_period};
use crate::window::Window;

/// Trading days per year used to annualise daily estimates.
pub const TRADING_DAYS_PER_YEAR: f64 = 252.0;

/// Which historical-volatility estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HvEstimator {
    /// Standard deviation of close-to-close log returns.
    CloseToClose,
    /// Parkinson (1980) high-low range estimator.
    Parkinson,
    /// Garman & Klass (1980) OHLC estimator.
    GarmanKlass,
    /// Yang & Zhang (2000) drift-independent estimator with opening jumps.
    YangZhang,
}

/// Streaming historical volatility, annualised.
#[derive(Debug, Clone)]
pub struct HistVol {
    est: HvEstimator,
    period: usize,
    ppy: f64,
    prev_close: Option<f64>,
    a: Window,
    b: Window,
    c: Window,
}

fn sample_var(w: &Window) -> f64 {
    let n = w.len() as f64;
    let mean = w.iter().sum::<f64>() / n;
    w.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)
}

fn mean(w: &Window) -> f64 {
    w.iter().sum::<f64>() / w.len() as f64
}

impl HistVol {
    /// An estimator over `period` bars annualised with `periods_per_year` (finite, > 0).
    ///
    /// # Errors
    /// `InvalidPeriod` if `period` is below 2 (close-to-close, Yang-Zhang) or 1;
    /// `InvalidParameter` for a bad `periods_per_year`.
    pub fn new(estimator: HvEstimator, period: usize, periods_per_year: f64) -> Result<Self> {
        let min = match estimator {
            HvEstimator::CloseToClose | HvEstimator::YangZhang => 2,
            HvEstimator::Parkinson | HvEstimator::GarmanKlass => 1,
        };
        check_period("HV", "period", period, min)?;
        if !(periods_per_year.is_finite() && periods_per_year > 0.0) {
            return Err(IndicatorError::InvalidParameter {
                indicator: "HV",
                name: "periods_per_year",
                value: periods_per_year,
                requirement: "must be finite and > 0",
            });
        }
        Ok(HistVol {
            est: estimator,
            period,
            ppy: periods_per_year,
            prev_close: None,
            a: Window::new(period),
            b: Window::new(period),
            c: Window::new(period),
        })
    }

    /// Number of leading `None`s (`period` for close-to-close and Yang-Zhang,
    /// `period − 1` for Parkinson and Garman-Klass).
    pub fn lookback(&self) -> usize {
        match self.est {
            HvEstimator::CloseToClose | HvEstimator::YangZhang => self.period,
            HvEstimator::Parkinson | HvEstimator::GarmanKlass => self.period - 1,
        }
    }

    /// Feeds one bar (close-to-close reads only `close`, Parkinson only `high`/`low`);
    /// `None` during the warm-up.
    pub fn update(&mut self, open: f64, high: f64, low: f64, close: f64) -> Option<f64> {
        let prev = self.prev_close.replace(close);
        let var = match self.est {
            HvEstimator::CloseToClose => {
                self.a.push((close / prev?).ln());
                if !self.a.is_full() {
                    return None;
                }
                sample_var(&self.a)
            }
            HvEstimator::Parkinson => {
                let u = (high / low).ln();
                self.a.push(u * u);
                if !self.a.is_full() {
                    return None;
                }
                // Parkinson (1980): E[ln(H/L)²] = 4 ln 2 · σ².
                mean(&self.a) / (4.0 * std::f64::consts::LN_2)
            }
            HvEstimator::GarmanKlass => {
                let u = (high / low).ln();
                let c = (close / open).ln();
                self.a
                    .push(0.5 * u * u - (2.0 * std::f64::consts::LN_2 - 1.0) * c * c);
                if !self.a.is_full() {
                    return None;
                }
                mean(&self.a)
            }
            HvEstimator::YangZhang => {
                let pc = prev?;
                let (h, l) = (
                    (high / close).ln() * (high / open).ln(),
                    (low / close).ln() * (low / open).ln(),
                );
                self.a.push((open / pc).ln());
                self.b.push((close / open).ln());
                self.c.push(h + l);
                if !self.a.is_full() {
                    return None;
                }
                let n = self.period as f64;
                let k = 0.34 / (1.34 + (n + 1.0) / (n - 1.0));
                sample_var(&self.a) + k * sample_var(&self.b) + (1.0 - k) * mean(&self.c)
            }
        };
        Some((var * self.ppy).sqrt())
    }
}

fn run(
    est: HvEstimator,
    o: &[f64],
    h: &[f64],
    l: &[f64],
    c: &[f64],
    period: usize,
    ppy: f64,
) -> Result<Vec<f64>> {
    let mut s = HistVol::new(est, period, ppy)?;
    Ok((0..c.len())
        .map(|i| s.update(o[i], h[i], l[i], c[i]).unwrap_or(f64::NAN))
        .collect())
}

/// Close-to-close historical volatility, annualised; NaN at `i < period`.
///
/// # Errors
/// As [`HistVol::new`].
pub fn hv_close_to_close(close: &[f64], period: usize, periods_per_year: f64) -> Result<Vec<f64>> {
    run(
        HvEstimator::CloseToClose,
        close,
        close,
        close,
        close,
        period,
        periods_per_year,
    )
}

/// Parkinson (1980) volatility, annualised; NaN at `i < period − 1`.
///
/// # Errors
/// As [`HistVol::new`], plus `LengthMismatch`.
pub fn hv_parkinson(
    high: &[f64],
    low: &[f64],
    period: usize,
    periods_per_year: f64,
) -> Result<Vec<f64>> {
    check_lengths("HV_PARKINSON", "high", high.len(), &[("low", low.len())])?;
    run(
        HvEstimator::Parkinson,
        high,
        high,
        low,
        low,
        period,
        periods_per_year,
    )
}

/// Garman-Klass (1980) volatility, annualised; NaN at `i < period − 1`.
///
/// # Errors
/// As [`HistVol::new`], plus `LengthMismatch`.
pub fn hv_garman_klass(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
    periods_per_year: f64,
) -> Result<Vec<f64>> {
    check_lengths(
        "HV_GARMAN_KLASS",
        "open",
        open.len(),
        &[
            ("high", high.len()),
            ("low", low.len()),
            ("close", close.len()),
        ],
    )?;
    run(
        HvEstimator::GarmanKlass,
        open,
        high,
        low,
        close,
        period,
        periods_per_year,
    )
}

/// Yang-Zhang (2000) volatility, annualised; NaN at `i < period`.
///
/// # Errors
/// As [`HistVol::new`], plus `LengthMismatch`.
pub fn hv_yang_zhang(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
    periods_per_year: f64,
) -> Result<Vec<f64>> {
    check_lengths(
        "HV_YANG_ZHANG",
        "open",
        open.len(),
        &[
            ("high", high.len()),
            ("low", low.len()),
            ("close", close.len()),
        ],
    )?;
    run(
        HvEstimator::YangZhang,
        open,
        high,
        low,
        close,
        period,
        periods_per_year,
    )
}
