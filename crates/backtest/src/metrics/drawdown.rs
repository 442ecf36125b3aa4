//! Drawdowns of the compounded equity curve: depth, duration and the Ulcer index, as a
//! streaming tracker ([`DrawdownTracker`], O(1) per bar) and batch functions over returns
//! that run the same tracker (one formula, two entry points).
//!
//! Definitions (thetalab's, stated here once):
//!
//! * **Equity curve.** `E₀ = 1` before the first return, `Eᵢ = Eᵢ₋₁ · (1 + rᵢ)`; the
//!   running peak `Pᵢ = max(E₀, …, Eᵢ)` includes the starting equity, as empyrical's
//!   `drawdown_series` anchors it at its starting value.
//! * **Drawdown** of bar `i` (`i = 1..n`): `Dᵢ = (Eᵢ − Pᵢ) / Pᵢ ≤ 0`, a fraction
//!   (−0.25 = 25 % below the peak). Source: empyrical `drawdown_series`.
//! * **Max drawdown** `min(Dᵢ)`, ≤ 0 (empyrical's sign: `max_drawdown` returns −0.25, not
//!   0.25); 0 when the equity never falls below its peak or there are no bars.
//! * **Max drawdown duration**, in bars: the longest underwater spell, counted from the
//!   bar of the peak (the last bar with `D = 0`, possibly the start `i = 0`) to the first
//!   bar back at or above that peak (`D = 0` again); a spell still open at the end counts
//!   to the last bar. A one-bar dip that recovers on the next bar lasts 2 bars. This is the
//!   longest drawdown, which need not be the deepest.
//! * **Ulcer index**: `√(mean(Dᵢ²))` over the `n` bars, as a **fraction** (multiply by 100
//!   for Peter Martin's percent units). Source: P. G. Martin & B. B. McCann, *The
//!   Investor's Guide to Fidelity Funds* (1989), with the drawdown taken from the
//!   all-time peak of the period rather than Martin's 14-period look-back window.

/// Streaming drawdown statistics of an equity curve: feed one bar at a time with
/// [`push_return`](Self::push_return) or [`push_equity`](Self::push_equity). O(1) per
/// update, no allocation; equal to [`max_drawdown`], [`max_drawdown_duration`] and
/// [`ulcer_index`] on the same returns.
///
/// ```
/// use thetalab_backtest::metrics::DrawdownTracker;
///
/// let mut dd = DrawdownTracker::new();
/// for r in [0.10, -0.20, 0.05, 0.25] {
///     dd.push_return(r);
/// }
/// // Peak 1.10, trough 0.88: −20 %; back above 1.10 at bar 4, three bars after the peak.
/// assert!((dd.max_drawdown() + 0.20).abs() < 1e-12);
/// assert_eq!(dd.max_drawdown_duration(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawdownTracker {
    equity: f64,
    peak: f64,
    peak_index: u64,
    index: u64,
    max_drawdown: f64,
    max_closed_duration: u64,
    ulcer_sum: f64,
}

impl Default for DrawdownTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl DrawdownTracker {
    /// A tracker whose equity starts at 1 (for compounding returns).
    pub const fn new() -> Self {
        Self::with_equity(1.0)
    }

    /// A tracker whose equity starts at `initial` (cash, for [`push_equity`](Self::push_equity)).
    /// `initial` should be positive; drawdowns are relative to it.
    pub const fn with_equity(initial: f64) -> Self {
        Self {
            equity: initial,
            peak: initial,
            peak_index: 0,
            index: 0,
            max_drawdown: 0.0,
            max_closed_duration: 0,
            ulcer_sum: 0.0,
        }
    }

    /// Compounds one simple return into the equity and records the new bar.
    #[inline]
    pub fn push_return(&mut self, r: f64) {
        self.push_equity(self.equity * (1.0 + r));
    }

    /// Records one bar whose equity (after the bar) is `equity`.
    #[inline]
    pub fn push_equity(&mut self, equity: f64) {
        self.index += 1;
        self.equity = equity;
        if equity >= self.peak {
            // At or above the peak: any open spell ends here, and this bar is the new peak.
            let spell = self.index - self.peak_index;
            if spell > 1 && spell > self.max_closed_duration {
                self.max_closed_duration = spell;
            }
            self.peak = equity;
            self.peak_index = self.index;
        } else {
            // (E − P) / P, empyrical's drawdown_series.
            let d = (equity - self.peak) / self.peak;
            if d < self.max_drawdown {
                self.max_drawdown = d;
            }
            self.ulcer_sum += d * d;
        }
    }

    /// Number of bars recorded.
    pub const fn bars(&self) -> u64 {
        self.index
    }

    /// Equity after the last bar.
    pub const fn equity(&self) -> f64 {
        self.equity
    }

    /// The running peak of the equity (including the starting equity).
    pub const fn peak(&self) -> f64 {
        self.peak
    }

    /// Drawdown of the last bar, `(E − P) / P ≤ 0`.
    pub fn current_drawdown(&self) -> f64 {
        if self.equity >= self.peak {
            0.0
        } else {
            (self.equity - self.peak) / self.peak
        }
    }

    /// Maximum drawdown so far, a fraction ≤ 0 (0 if never underwater).
    pub const fn max_drawdown(&self) -> f64 {
        self.max_drawdown
    }

    /// Bars in the current underwater spell, counted from its peak (0 when at a peak).
    pub const fn current_duration(&self) -> u64 {
        if self.peak_index == self.index {
            0
        } else {
            self.index - self.peak_index
        }
    }

    /// Longest underwater spell in bars, peak to recovery or to the last bar (see the
    /// module docs).
    pub fn max_drawdown_duration(&self) -> u64 {
        self.max_closed_duration.max(self.current_duration())
    }

    /// Ulcer index so far, `√(mean(D²))` as a fraction; 0 with no bars.
    pub fn ulcer_index(&self) -> f64 {
        if self.index == 0 {
            0.0
        } else {
            (self.ulcer_sum / self.index as f64).sqrt()
        }
    }
}

/// Runs a [`DrawdownTracker`] over the returns.
fn track(returns: &[f64]) -> DrawdownTracker {
    let mut t = DrawdownTracker::new();
    for &r in returns {
        t.push_return(r);
    }
    t
}

/// Drawdown of every bar, `(Eᵢ − Pᵢ) / Pᵢ` (one value per return), as empyrical's
/// `drawdown_series` minus its starting anchor.
pub fn drawdown_series(returns: &[f64]) -> Vec<f64> {
    let mut t = DrawdownTracker::new();
    returns
        .iter()
        .map(|&r| {
            t.push_return(r);
            t.current_drawdown()
        })
        .collect()
}

/// Maximum drawdown of the compounded equity curve, a fraction ≤ 0 (empyrical's sign);
/// 0 for no bars or a curve that never falls below its peak. Source: empyrical `max_drawdown`.
/// Not finite (and so refused by [`super::Metrics::compute`]) only for non-finite returns.
pub fn max_drawdown(returns: &[f64]) -> f64 {
    track(returns).max_drawdown()
}

/// Longest underwater spell in bars (see the module docs for the exact counting).
pub fn max_drawdown_duration(returns: &[f64]) -> u64 {
    track(returns).max_drawdown_duration()
}

/// Ulcer index `√(mean(Dᵢ²))`, as a fraction (see the module docs); 0 for no bars.
pub fn ulcer_index(returns: &[f64]) -> f64 {
    track(returns).ulcer_index()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_duration_and_ulcer() {
        // Equity 1 → 1.1 → 0.99 → 1.1 → 1.21 → 1.089 → 1.0 (end, still under 1.21).
        let r = [0.1, -0.1, 1.1 / 0.99 - 1.0, 0.1, -0.1, 1.0 / 1.089 - 1.0];
        // First spell: peak at bar 1, recovered at bar 3: 2 bars. Second: peak at bar 4,
        // open to bar 6: 2 bars.
        assert_eq!(max_drawdown_duration(&r), 2);
        let d = drawdown_series(&r);
        assert_eq!(d[0], 0.0);
        assert!((d[1] + 0.1).abs() < 1e-15);
        assert!(d[2].abs() < 1e-15 && d[3] == 0.0);
        let last = 1.0 / 1.21 - 1.0;
        assert!((d[5] - last).abs() < 1e-15);
        assert!((max_drawdown(&r) - last).abs() < 1e-15);
        let ulcer = ((0.01 + 0.01 + last * last) / 6.0_f64).sqrt();
        assert!((ulcer_index(&r) - ulcer).abs() < 1e-15);
    }

    #[test]
    fn open_spell_counts_to_the_end_from_the_start() {
        // Down from the very first bar and never back: the peak is the start (bar 0).
        let r = [-0.01, 0.005, -0.02];
        assert_eq!(max_drawdown_duration(&r), 3);
        assert_eq!(max_drawdown_duration(&[0.01, 0.02]), 0);
        assert_eq!(max_drawdown_duration(&[]), 0);
        assert_eq!(max_drawdown(&[]), 0.0);
        assert_eq!(ulcer_index(&[]), 0.0);
    }
}
