//! [`RunningStats`]: streaming moments of a return series for the sweep fast path.

use super::quantile::finite;
use super::returns::cagr;

/// Streaming statistics of per-period returns, O(1) per update and no allocation, for
/// sweeps that must not store an equity curve per parameter set.
///
/// Holds the count, Welford's running mean and sum of squared deviations (B. P. Welford,
/// "Note on a method for calculating corrected sums of squares and products",
/// Technometrics 4(3), 1962), the compounded growth, and — relative to a fixed per-period
/// `threshold` (the risk-free rate, 0 by default) — the downside sum of squares and the
/// gains and losses for Omega. Its ratios equal the batch functions in
/// [`super::returns`] (to rounding: Welford is not the two-pass formula, the
/// difference is ~1e-15 relative) with the same `threshold`:
/// [`sharpe`](Self::sharpe) = `sharpe_ratio(r, threshold)`,
/// [`sortino`](Self::sortino) = `sortino_ratio(r, threshold)`,
/// [`omega`](Self::omega) = `omega_ratio(r, threshold)`.
///
/// ```
/// use thetalab_backtest::metrics::{RunningStats, returns};
///
/// let r = [0.01, -0.02, 0.015, 0.003, -0.004];
/// let mut s = RunningStats::new(0.0);
/// r.iter().for_each(|&x| s.push(x));
/// let batch = returns::sharpe_ratio(&r, 0.0, 252.0).unwrap();
/// assert!((s.sharpe(252.0).unwrap() - batch).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunningStats {
    threshold: f64,
    count: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    growth: f64,
    downside_sq: f64,
    gains: f64,
    losses: f64,
}

impl Default for RunningStats {
    fn default() -> Self {
        Self::new(0.0)
    }
}

impl RunningStats {
    /// Empty statistics measuring excess returns over the per-period `threshold`.
    pub const fn new(threshold: f64) -> Self {
        Self {
            threshold,
            count: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            growth: 1.0,
            downside_sq: 0.0,
            gains: 0.0,
            losses: 0.0,
        }
    }

    /// Adds one period's simple return.
    #[inline]
    pub fn push(&mut self, r: f64) {
        self.count += 1;
        // Welford (1962): mean_k = mean_{k−1} + δ/k; M2_k = M2_{k−1} + δ·(r − mean_k).
        let delta = r - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (r - self.mean);
        self.min = self.min.min(r);
        self.max = self.max.max(r);
        self.growth *= 1.0 + r;
        let x = r - self.threshold;
        if x > 0.0 {
            self.gains += x;
        } else if x < 0.0 {
            self.losses -= x;
            self.downside_sq += x * x;
        }
    }

    /// The per-period threshold given to [`new`](Self::new).
    pub const fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Number of returns pushed.
    pub const fn count(&self) -> u64 {
        self.count
    }

    /// Mean return; `None` before the first push.
    pub fn mean(&self) -> Option<f64> {
        if self.count == 0 {
            None
        } else {
            finite(self.mean)
        }
    }

    /// Sample variance (ddof = 1); `None` with fewer than two returns. Exactly 0 when all
    /// returns are equal.
    pub fn variance(&self) -> Option<f64> {
        if self.count < 2 {
            None
        } else if self.min == self.max {
            Some(0.0)
        } else {
            finite(self.m2 / (self.count - 1) as f64)
        }
    }

    /// Total compounded return `∏(1 + r) − 1`; `None` before the first push.
    pub fn total_return(&self) -> Option<f64> {
        if self.count == 0 {
            None
        } else {
            finite(self.growth - 1.0)
        }
    }

    /// CAGR, as [`super::returns::annual_return`].
    pub fn annual_return(&self, periods_per_year: f64) -> Option<f64> {
        let growth = 1.0 + self.total_return()?;
        cagr(growth, self.count, periods_per_year)
    }

    /// Annualised volatility, as [`super::returns::annual_volatility`].
    pub fn annual_volatility(&self, periods_per_year: f64) -> Option<f64> {
        finite(self.variance()?.sqrt() * periods_per_year.sqrt())
    }

    /// Sharpe ratio of the returns in excess of the threshold, as
    /// [`super::returns::sharpe_ratio`]; `None` when undefined (fewer than two returns, zero
    /// dispersion).
    pub fn sharpe(&self, periods_per_year: f64) -> Option<f64> {
        let var = self.variance()?;
        if var == 0.0 {
            return None;
        }
        finite((self.mean - self.threshold) / var.sqrt() * periods_per_year.sqrt())
    }

    /// Annualised downside deviation below the threshold, as
    /// [`super::returns::downside_risk`].
    pub fn downside_risk(&self, periods_per_year: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        finite((self.downside_sq / self.count as f64).sqrt() * periods_per_year.sqrt())
    }

    /// Sortino ratio over the threshold, as [`super::returns::sortino_ratio`].
    pub fn sortino(&self, periods_per_year: f64) -> Option<f64> {
        if self.count < 2 {
            return None;
        }
        let dr = self.downside_risk(periods_per_year)?;
        if dr == 0.0 {
            return None;
        }
        finite((self.mean - self.threshold) * periods_per_year / dr)
    }

    /// Omega ratio at the threshold, as [`super::returns::omega_ratio`].
    pub fn omega(&self) -> Option<f64> {
        if self.count < 2 || self.losses <= 0.0 {
            return None;
        }
        finite(self.gains / self.losses)
    }
}
