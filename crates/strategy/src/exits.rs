//! Exit rules and the per-position exit state machine used by the backtest engine and
//! the paper trader: stop loss, take profit, ATR trailing stop, time stop and flat at
//! session end.
//!
//! # Conventions (read these before comparing with another engine)
//!
//! * **Levels.** For a long entered at `P`: stop `P·(1 − stop_loss)`, target
//!   `P·(1 + take_profit)`; for a short: stop `P·(1 + stop_loss)`, target
//!   `P·(1 − take_profit)` (fractions of the entry price, as vectorbt's `sl_stop` /
//!   `tp_stop`).
//! * **Intrabar checks.** Stops and targets are checked against the bar's high and low.
//!   The only intrabar order we know is that the open comes first, so:
//!   1. if the open is already through the protective stop (a gap), exit at the open
//!      (worse than the stop);
//!   2. else if the open is already through the target, exit at the open (better than
//!      the target: a resting limit order fills at the opening price);
//!   3. else if the low (long) / high (short) reaches the stop, exit at the stop — **even
//!      if the target was also within the bar's range: when both could trigger in one
//!      bar the stop wins** (we cannot know which came first, and the conservative
//!      assumption never flatters a backtest);
//!   4. else if the high (long) / low (short) reaches the target, exit at the target;
//!   5. else the close-based exits: the time stop, then session end, at the close.
//! * **ATR trailing stop** (Chandelier-style exit, LeBeau; see also Wilder 1978 for
//!   ATR): long: `highest close since entry − k × ATR`, short: `lowest close since entry
//!   + k × ATR`, where "since entry" starts with the entry price. The level only ever
//!   tightens (`max` of the previous level for longs, `min` for shorts). The level used
//!   on bar `i` is the one known at bar `i − 1`'s close: [`ExitTracker::check`] tests
//!   bar `i`'s range first and only then folds in bar `i`'s close and ATR. Seed it at
//!   entry with [`ExitTracker::with_entry_atr`]. When both the fixed stop and the
//!   trailing stop are set, the tighter one is the protective stop; the reason reported
//!   is [`ExitReason::TrailingStop`] only when the trailing level is strictly tighter.
//! * **Time stop:** exit at the close of bar `entry_index + max_bars`.
//! * **Session end:** exit at the close of a bar the caller flags as the session's last.
//! * **Which bars to pass.** For a fill at bar `e`'s close, pass bars `e + 1, …` (bar
//!   `e`'s high and low happened before the fill). For a fill at bar `e`'s open, pass
//!   bar `e` too. Bars before `entry_index` are ignored.
//! * **Bad data.** A non-finite open, high, low or close never triggers an exit at that
//!   price (no NaN reaches a P&L); a non-finite ATR leaves the trailing level unchanged.

use crate::{BarInput, StrategyError};

/// Position direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Long.
    Long,
    /// Short.
    Short,
}

impl Direction {
    /// +1 for long, −1 for short.
    #[must_use]
    pub const fn sign(self) -> f64 {
        match self {
            Direction::Long => 1.0,
            Direction::Short => -1.0,
        }
    }
}

/// ATR trailing-stop parameters: `k × ATR(period)` behind the best close.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtrTrailing {
    /// ATR period (Wilder smoothing, TA-Lib's `ATR`), ≥ 1.
    pub period: usize,
    /// Multiple of ATR, > 0.
    pub k: f64,
}

/// Which exits apply to a position. `ExitRules::default()` has none (exit only on
/// strategy signals).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ExitRules {
    /// Stop loss as a fraction of the entry price (0.05 = 5 %), > 0.
    pub stop_loss: Option<f64>,
    /// Take profit as a fraction of the entry price, > 0.
    pub take_profit: Option<f64>,
    /// ATR trailing stop.
    pub atr_trailing: Option<AtrTrailing>,
    /// Time stop: exit at the close of bar `entry_index + max_bars`, ≥ 1.
    pub max_bars: Option<usize>,
    /// Exit at the close of the last bar of each session.
    pub flat_at_session_end: bool,
}

fn bad(param: &str, value: f64, reason: &str) -> StrategyError {
    StrategyError::InvalidParam {
        strategy: "exits".to_string(),
        param: param.to_string(),
        value,
        reason: reason.to_string(),
    }
}

impl ExitRules {
    /// Checks every set rule's domain.
    pub fn validate(&self) -> Result<(), StrategyError> {
        if let Some(v) = self.stop_loss
            && !(v.is_finite() && v > 0.0)
        {
            return Err(bad("stop_loss", v, "must be a finite fraction > 0"));
        }
        if let Some(v) = self.take_profit
            && !(v.is_finite() && v > 0.0)
        {
            return Err(bad("take_profit", v, "must be a finite fraction > 0"));
        }
        if let Some(t) = self.atr_trailing {
            if t.period == 0 {
                return Err(bad("atr_trailing.period", 0.0, "must be >= 1"));
            }
            if !(t.k.is_finite() && t.k > 0.0) {
                return Err(bad("atr_trailing.k", t.k, "must be finite and > 0"));
            }
        }
        if self.max_bars == Some(0) {
            return Err(bad("max_bars", 0.0, "must be >= 1"));
        }
        Ok(())
    }

    /// True when no rule is set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.stop_loss.is_none()
            && self.take_profit.is_none()
            && self.atr_trailing.is_none()
            && self.max_bars.is_none()
            && !self.flat_at_session_end
    }

    /// The ATR column the trailing stop needs (TA-Lib `ATR(period)`, NaN during its
    /// warm-up), or `None` when no trailing stop is set.
    pub fn atr(
        &self,
        high: &[f64],
        low: &[f64],
        close: &[f64],
    ) -> Result<Option<Vec<f64>>, StrategyError> {
        let Some(t) = self.atr_trailing else {
            return Ok(None);
        };
        thetalab_indicators::atr(high, low, close, t.period)
            .map(Some)
            .map_err(|e| StrategyError::Indicator {
                strategy: "exits".to_string(),
                indicator: "atr",
                message: e.to_string(),
            })
    }
}

/// Why a position was closed by an exit rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitReason {
    /// The fixed stop loss.
    StopLoss,
    /// The take-profit target.
    TakeProfit,
    /// The ATR trailing stop.
    TrailingStop,
    /// The time stop (`max_bars`).
    TimeStop,
    /// The session's last bar.
    SessionEnd,
}

/// An exit fill: where and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exit {
    /// Fill price before slippage and fees (always finite).
    pub price: f64,
    /// The rule that fired.
    pub reason: ExitReason,
}

/// The exit state of one open position; create it at entry, feed it every later bar
/// with [`ExitTracker::check`] until it returns an [`Exit`] (or the strategy exits).
#[derive(Debug, Clone, PartialEq)]
pub struct ExitTracker {
    rules: ExitRules,
    direction: Direction,
    entry_price: f64,
    entry_index: usize,
    /// Highest close (long) / lowest close (short) since entry, entry price included.
    best_close: f64,
    /// Current trailing level, once an ATR has been seen.
    trail: Option<f64>,
}

impl ExitTracker {
    /// A tracker for a position entered at `entry_price` on bar `entry_index`.
    /// Fails when the rules are invalid or the entry price is not finite and > 0.
    pub fn new(
        rules: &ExitRules,
        direction: Direction,
        entry_price: f64,
        entry_index: usize,
    ) -> Result<Self, StrategyError> {
        rules.validate()?;
        if !(entry_price.is_finite() && entry_price > 0.0) {
            return Err(bad("entry_price", entry_price, "must be finite and > 0"));
        }
        Ok(ExitTracker {
            rules: *rules,
            direction,
            entry_price,
            entry_index,
            best_close: entry_price,
            trail: None,
        })
    }

    /// Seeds the trailing stop with the ATR known at entry (for a close fill, the
    /// entry bar's ATR), so that it protects from the next bar on. No effect without a
    /// trailing rule or with a non-finite ATR.
    #[must_use]
    pub fn with_entry_atr(mut self, atr: f64) -> Self {
        self.fold_trail(atr);
        self
    }

    /// The position's direction.
    #[must_use]
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The entry price.
    #[must_use]
    pub fn entry_price(&self) -> f64 {
        self.entry_price
    }

    /// The entry bar.
    #[must_use]
    pub fn entry_index(&self) -> usize {
        self.entry_index
    }

    /// The fixed stop-loss price, if set.
    #[must_use]
    pub fn stop_loss_price(&self) -> Option<f64> {
        // Level = P·(1 ∓ stop_loss): vectorbt `sl_stop` convention (fraction of entry).
        self.rules
            .stop_loss
            .map(|f| self.entry_price * (1.0 - self.direction.sign() * f))
    }

    /// The take-profit price, if set.
    #[must_use]
    pub fn take_profit_price(&self) -> Option<f64> {
        // Level = P·(1 ± take_profit): vectorbt `tp_stop` convention.
        self.rules
            .take_profit
            .map(|f| self.entry_price * (1.0 + self.direction.sign() * f))
    }

    /// The current trailing-stop level (for the next bar), if one is active.
    #[must_use]
    pub fn trailing_stop_price(&self) -> Option<f64> {
        self.trail
    }

    /// The protective stop in force for the next bar (the tighter of the fixed and the
    /// trailing stop) and the reason it would report.
    #[must_use]
    pub fn stop_price(&self) -> Option<(f64, ExitReason)> {
        let fixed = self.stop_loss_price();
        match (fixed, self.trail) {
            (None, None) => None,
            (Some(s), None) => Some((s, ExitReason::StopLoss)),
            (None, Some(t)) => Some((t, ExitReason::TrailingStop)),
            (Some(s), Some(t)) => {
                let tighter = match self.direction {
                    Direction::Long => t > s,
                    Direction::Short => t < s,
                };
                if tighter {
                    Some((t, ExitReason::TrailingStop))
                } else {
                    Some((s, ExitReason::StopLoss))
                }
            }
        }
    }

    /// Folds a close and an ATR into the trailing state (never loosening).
    fn fold_trail(&mut self, atr: f64) {
        let Some(t) = self.rules.atr_trailing else {
            return;
        };
        if !atr.is_finite() {
            return;
        }
        // Chandelier exit (C. LeBeau): best close ∓ k·ATR; ratchets in one direction.
        let level = self.best_close - self.direction.sign() * t.k * atr;
        self.trail = Some(match (self.trail, self.direction) {
            (None, _) => level,
            (Some(prev), Direction::Long) => prev.max(level),
            (Some(prev), Direction::Short) => prev.min(level),
        });
    }

    /// Checks bar `i` (with that bar's ATR, used only to update the trailing level for
    /// the next bar, and whether it is the session's last bar) and returns the exit it
    /// triggers, if any. See the module page for the order of the checks.
    pub fn check(
        &mut self,
        i: usize,
        bar: &BarInput,
        atr: Option<f64>,
        session_end: bool,
    ) -> Option<Exit> {
        if i < self.entry_index {
            return None;
        }
        let long = self.direction == Direction::Long;
        // "through" = at or beyond the level, in the position's adverse (stop) or
        // favourable (target) direction.
        let through_stop = |p: f64, s: f64| p.is_finite() && if long { p <= s } else { p >= s };
        let through_target = |p: f64, t: f64| p.is_finite() && if long { p >= t } else { p <= t };
        let stop = self.stop_price();
        let target = self.take_profit_price();
        let exit = |price: f64, reason: ExitReason| Some(Exit { price, reason });

        // 1–2. Gaps: the open is the one price known to come first.
        if let Some((s, reason)) = stop
            && through_stop(bar.open, s)
        {
            return exit(bar.open, reason);
        }
        if let Some(t) = target
            && through_target(bar.open, t)
        {
            return exit(bar.open, ExitReason::TakeProfit);
        }
        // 3. The stop inside the range wins over the target inside the range.
        if let Some((s, reason)) = stop {
            let adverse = if long { bar.low } else { bar.high };
            if through_stop(adverse, s) {
                return exit(s, reason);
            }
        }
        // 4. The target inside the range.
        if let Some(t) = target {
            let favourable = if long { bar.high } else { bar.low };
            if through_target(favourable, t) {
                return exit(t, ExitReason::TakeProfit);
            }
        }
        // Fold this bar's close into the trailing state (for the next bar).
        if bar.close.is_finite() {
            self.best_close = if long {
                self.best_close.max(bar.close)
            } else {
                self.best_close.min(bar.close)
            };
            if let Some(a) = atr {
                self.fold_trail(a);
            }
        } else {
            return None;
        }
        // 5. Close-based exits.
        if let Some(m) = self.rules.max_bars
            && i >= self.entry_index.saturating_add(m)
        {
            return exit(bar.close, ExitReason::TimeStop);
        }
        if session_end && self.rules.flat_at_session_end {
            return exit(bar.close, ExitReason::SessionEnd);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use thetalab_core::Timestamp;

    fn bar(open: f64, high: f64, low: f64, close: f64) -> BarInput {
        BarInput {
            ts: Timestamp::UNIX_EPOCH,
            open,
            high,
            low,
            close,
            volume: 1.0,
        }
    }

    fn rules() -> ExitRules {
        ExitRules::default()
    }

    fn long(r: ExitRules) -> ExitTracker {
        ExitTracker::new(&r, Direction::Long, 100.0, 0).unwrap()
    }

    fn short(r: ExitRules) -> ExitTracker {
        ExitTracker::new(&r, Direction::Short, 100.0, 0).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn stop_loss_long_in_range_fills_at_level() {
        let mut t = long(ExitRules {
            stop_loss: Some(0.05),
            ..rules()
        });
        // stop = 100·0.95 = 95
        assert_eq!(t.check(1, &bar(99.0, 101.0, 96.0, 98.0), None, false), None);
        let e = t
            .check(2, &bar(97.0, 98.0, 94.0, 96.0), None, false)
            .unwrap();
        assert_eq!(e.reason, ExitReason::StopLoss);
        assert!(close(e.price, 95.0));
    }

    #[test]
    fn stop_loss_long_gap_fills_at_open() {
        let mut t = long(ExitRules {
            stop_loss: Some(0.05),
            ..rules()
        });
        let e = t
            .check(1, &bar(90.0, 92.0, 89.0, 91.0), None, false)
            .unwrap();
        assert_eq!(
            e,
            Exit {
                price: 90.0,
                reason: ExitReason::StopLoss
            }
        );
    }

    #[test]
    fn stop_loss_short() {
        let mut t = short(ExitRules {
            stop_loss: Some(0.05),
            ..rules()
        });
        // stop = 105
        assert_eq!(
            t.check(1, &bar(101.0, 104.9, 99.0, 103.0), None, false),
            None
        );
        let e = t
            .check(2, &bar(104.0, 106.0, 103.0, 105.5), None, false)
            .unwrap();
        assert_eq!(e.reason, ExitReason::StopLoss);
        assert!(close(e.price, 105.0));
        let mut t = short(ExitRules {
            stop_loss: Some(0.05),
            ..rules()
        });
        let e = t
            .check(1, &bar(108.0, 109.0, 107.0, 108.0), None, false)
            .unwrap();
        assert_eq!(e.price, 108.0);
    }

    #[test]
    fn take_profit_long_and_short() {
        let mut t = long(ExitRules {
            take_profit: Some(0.10),
            ..rules()
        });
        // target 110
        assert_eq!(
            t.check(1, &bar(105.0, 109.9, 104.0, 109.0), None, false),
            None
        );
        let e = t
            .check(2, &bar(109.0, 111.0, 108.0, 110.5), None, false)
            .unwrap();
        assert_eq!(e.reason, ExitReason::TakeProfit);
        assert!(close(e.price, 110.0));
        // Gap above the target fills at the (better) open.
        let mut t = long(ExitRules {
            take_profit: Some(0.10),
            ..rules()
        });
        let e = t
            .check(1, &bar(112.0, 113.0, 111.0, 112.0), None, false)
            .unwrap();
        assert_eq!(
            e,
            Exit {
                price: 112.0,
                reason: ExitReason::TakeProfit
            }
        );
        // Short: target 90.
        let mut t = short(ExitRules {
            take_profit: Some(0.10),
            ..rules()
        });
        let e = t
            .check(1, &bar(95.0, 96.0, 89.0, 92.0), None, false)
            .unwrap();
        assert_eq!(e.reason, ExitReason::TakeProfit);
        assert!(close(e.price, 90.0));
    }

    #[test]
    fn stop_wins_when_both_in_range() {
        // Range 94..111 contains both the stop (95) and the target (110).
        let r = ExitRules {
            stop_loss: Some(0.05),
            take_profit: Some(0.10),
            ..rules()
        };
        let mut t = long(r);
        let e = t
            .check(1, &bar(100.0, 111.0, 94.0, 105.0), None, false)
            .unwrap();
        assert_eq!(e.reason, ExitReason::StopLoss);
        assert!(close(e.price, 95.0));
        let mut t = short(r);
        // Short: stop 105, target 90.
        let e = t
            .check(1, &bar(100.0, 106.0, 89.0, 95.0), None, false)
            .unwrap();
        assert_eq!(e.reason, ExitReason::StopLoss);
        assert!(close(e.price, 105.0));
    }

    #[test]
    fn gap_through_target_beats_stop_in_range() {
        // The open (111) is beyond the target and comes first: take profit at the open.
        let r = ExitRules {
            stop_loss: Some(0.05),
            take_profit: Some(0.10),
            ..rules()
        };
        let mut t = long(r);
        let e = t
            .check(1, &bar(111.0, 112.0, 94.0, 96.0), None, false)
            .unwrap();
        assert_eq!(
            e,
            Exit {
                price: 111.0,
                reason: ExitReason::TakeProfit
            }
        );
    }

    #[test]
    fn atr_trailing_long_ratchets_and_never_loosens() {
        let r = ExitRules {
            atr_trailing: Some(AtrTrailing { period: 14, k: 2.0 }),
            ..rules()
        };
        // Seed: 100 − 2·2 = 96.
        let mut t = long(r).with_entry_atr(2.0);
        assert_eq!(t.trailing_stop_price(), Some(96.0));
        // Bar 1: low 97 > 96, close 104, ATR 2 → 104 − 4 = 100.
        assert_eq!(
            t.check(1, &bar(101.0, 105.0, 97.0, 104.0), Some(2.0), false),
            None
        );
        assert_eq!(t.trailing_stop_price(), Some(100.0));
        // Bar 2: close 103 (best stays 104), ATR 1 → 104 − 2 = 102.
        assert_eq!(
            t.check(2, &bar(104.0, 104.5, 101.0, 103.0), Some(1.0), false),
            None
        );
        assert_eq!(t.trailing_stop_price(), Some(102.0));
        // Bar 3: ATR widens to 5 → 104 − 10 = 94, but the stop never loosens: 102.
        assert_eq!(
            t.check(3, &bar(103.0, 104.0, 102.5, 103.5), Some(5.0), false),
            None
        );
        assert_eq!(t.trailing_stop_price(), Some(102.0));
        // Bar 4: low 101 ≤ 102 → exit at 102.
        let e = t
            .check(4, &bar(103.0, 103.5, 101.0, 101.5), Some(5.0), false)
            .unwrap();
        assert_eq!(
            e,
            Exit {
                price: 102.0,
                reason: ExitReason::TrailingStop
            }
        );
    }

    #[test]
    fn atr_trailing_short_and_nan_atr() {
        let r = ExitRules {
            atr_trailing: Some(AtrTrailing { period: 14, k: 1.5 }),
            ..rules()
        };
        let mut t = short(r).with_entry_atr(f64::NAN);
        assert_eq!(t.trailing_stop_price(), None);
        // Close 96, ATR 2 → 96 + 3 = 99.
        assert_eq!(
            t.check(1, &bar(99.0, 99.5, 95.0, 96.0), Some(2.0), false),
            None
        );
        assert_eq!(t.trailing_stop_price(), Some(99.0));
        // NaN ATR leaves the level alone.
        assert_eq!(
            t.check(2, &bar(96.0, 98.0, 95.5, 97.0), Some(f64::NAN), false),
            None
        );
        assert_eq!(t.trailing_stop_price(), Some(99.0));
        let e = t
            .check(3, &bar(97.0, 99.5, 96.0, 99.0), Some(2.0), false)
            .unwrap();
        assert_eq!(
            e,
            Exit {
                price: 99.0,
                reason: ExitReason::TrailingStop
            }
        );
    }

    #[test]
    fn tighter_of_fixed_and_trailing_stop_and_its_reason() {
        let r = ExitRules {
            stop_loss: Some(0.05),
            atr_trailing: Some(AtrTrailing { period: 14, k: 3.0 }),
            ..rules()
        };
        // Trail 100 − 3·3 = 91 is looser than the fixed 95: the fixed stop binds.
        let t = long(r).with_entry_atr(3.0);
        assert_eq!(t.stop_price(), Some((95.0, ExitReason::StopLoss)));
        // Trail 100 − 3·1 = 97 is tighter.
        let mut t = long(r).with_entry_atr(1.0);
        assert_eq!(t.stop_price(), Some((97.0, ExitReason::TrailingStop)));
        let e = t
            .check(1, &bar(96.0, 98.0, 95.0, 97.0), Some(1.0), false)
            .unwrap();
        assert_eq!(
            e,
            Exit {
                price: 96.0,
                reason: ExitReason::TrailingStop
            }
        );
    }

    #[test]
    fn time_stop_at_entry_plus_max_bars_close() {
        let r = ExitRules {
            max_bars: Some(3),
            ..rules()
        };
        let mut t = ExitTracker::new(&r, Direction::Long, 100.0, 10).unwrap();
        assert_eq!(t.check(9, &bar(1.0, 1.0, 1.0, 1.0), None, false), None);
        assert_eq!(
            t.check(11, &bar(100.0, 101.0, 99.0, 100.0), None, false),
            None
        );
        assert_eq!(
            t.check(12, &bar(100.0, 101.0, 99.0, 100.0), None, false),
            None
        );
        let e = t
            .check(13, &bar(100.0, 101.0, 99.0, 100.5), None, false)
            .unwrap();
        assert_eq!(
            e,
            Exit {
                price: 100.5,
                reason: ExitReason::TimeStop
            }
        );
    }

    #[test]
    fn session_end_exits_at_close_only_when_enabled() {
        let mut t = long(rules());
        assert_eq!(
            t.check(1, &bar(100.0, 101.0, 99.0, 100.2), None, true),
            None
        );
        let mut t = long(ExitRules {
            flat_at_session_end: true,
            ..rules()
        });
        assert_eq!(
            t.check(1, &bar(100.0, 101.0, 99.0, 100.2), None, false),
            None
        );
        let e = t
            .check(2, &bar(100.0, 101.0, 99.0, 100.7), None, true)
            .unwrap();
        assert_eq!(
            e,
            Exit {
                price: 100.7,
                reason: ExitReason::SessionEnd
            }
        );
    }

    #[test]
    fn intrabar_stop_beats_time_stop_and_session_end() {
        let r = ExitRules {
            stop_loss: Some(0.05),
            max_bars: Some(1),
            flat_at_session_end: true,
            ..rules()
        };
        let mut t = long(r);
        let e = t
            .check(1, &bar(99.0, 100.0, 94.0, 99.0), None, true)
            .unwrap();
        assert_eq!(e.reason, ExitReason::StopLoss);
        // Time stop before session end when both fall on one close.
        let mut t = long(r);
        let e = t
            .check(1, &bar(99.0, 100.0, 96.0, 99.0), None, true)
            .unwrap();
        assert_eq!(
            e,
            Exit {
                price: 99.0,
                reason: ExitReason::TimeStop
            }
        );
    }

    #[test]
    fn nan_prices_never_fill() {
        let r = ExitRules {
            stop_loss: Some(0.05),
            take_profit: Some(0.05),
            max_bars: Some(1),
            ..rules()
        };
        let mut t = long(r);
        let nan = f64::NAN;
        assert_eq!(t.check(1, &bar(nan, nan, nan, nan), None, true), None);
        let e = t.check(2, &bar(nan, nan, 90.0, 96.0), None, false).unwrap();
        assert_eq!(
            e,
            Exit {
                price: 95.0,
                reason: ExitReason::StopLoss
            }
        );
    }

    #[test]
    fn invalid_rules_and_entry_are_typed_errors() {
        let cases = [
            ExitRules {
                stop_loss: Some(0.0),
                ..rules()
            },
            ExitRules {
                take_profit: Some(f64::NAN),
                ..rules()
            },
            ExitRules {
                atr_trailing: Some(AtrTrailing { period: 0, k: 1.0 }),
                ..rules()
            },
            ExitRules {
                atr_trailing: Some(AtrTrailing { period: 5, k: -1.0 }),
                ..rules()
            },
            ExitRules {
                max_bars: Some(0),
                ..rules()
            },
        ];
        for r in cases {
            assert!(matches!(
                ExitTracker::new(&r, Direction::Long, 100.0, 0),
                Err(StrategyError::InvalidParam { .. })
            ));
        }
        let err = ExitTracker::new(&rules(), Direction::Long, f64::NAN, 0).unwrap_err();
        assert!(err.to_string().contains("entry_price"));
        assert!(rules().is_empty());
        assert_eq!(rules().atr(&[1.0], &[1.0], &[1.0]).unwrap(), None);
    }
}
