//! How an open options position is managed: profit target, stop, time exit, or hold to
//! settlement — checked on the engine's marks, the same way in backtest and paper trade.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use thetalab_core::Timestamp;

use super::PositionView;
use super::common::check;
use crate::StrategyError;

/// Why a position was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OptionExitReason {
    /// The profit target was reached on the mark.
    ProfitTarget,
    /// The stop was reached on the mark.
    Stop,
    /// The time exit (a wall-clock time on the expiry day, or a holding period).
    Time,
    /// Cash-settled or expired at its settlement time.
    Settlement,
    /// Assigned (physical delivery) at expiry or early.
    Assignment,
    /// The strategy decided (e.g. a regime change).
    Strategy,
    /// The engine closed it at the end of the data.
    EndOfData,
}

impl std::fmt::Display for OptionExitReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OptionExitReason::ProfitTarget => "profit target",
            OptionExitReason::Stop => "stop",
            OptionExitReason::Time => "time exit",
            OptionExitReason::Settlement => "settlement",
            OptionExitReason::Assignment => "assignment",
            OptionExitReason::Strategy => "strategy",
            OptionExitReason::EndOfData => "end of data",
        })
    }
}

/// How the stop is measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum StopRule {
    /// Exit when the unrealised loss reaches `k` × the credit received (or `k` × the
    /// debit paid): the "stop at 2× credit" is `LossMultiple(2.0)`, i.e. a
    /// condor sold for 1.00 is stopped when it marks at 3.00.
    LossMultiple(f64),
    /// Exit when the cost to close a credit structure reaches `k` × the credit received
    /// (the other common reading of "2× credit": stopped when it marks at 2.00, a loss
    /// of 1× the credit). For debit structures, when the mark falls to `debit / k`.
    MarkMultiple(f64),
}

/// The exit plan attached to an order; every field optional.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExitPlan {
    /// Take profit at this fraction of the credit received (0.25 = buy back a 1.00
    /// credit at 0.75) or of the debit paid (0.5 = a 2.00 debit marked at 3.00).
    pub profit_target: Option<f64>,
    /// The stop.
    pub stop: Option<StopRule>,
    /// Close at this New York wall-clock time on the position's first expiry day
    /// (e.g. 15:45 for a 0DTE structure).
    pub time_exit: Option<NaiveTime>,
    /// Hold until settlement whatever the marks say (overrides the three above).
    pub hold_to_settlement: bool,
}

impl Default for ExitPlan {
    /// The 0DTE defaults of the issue: target 25 % of credit, stop at a loss of 2×
    /// credit, no time exit.
    fn default() -> Self {
        ExitPlan {
            profit_target: Some(0.25),
            stop: Some(StopRule::LossMultiple(2.0)),
            time_exit: None,
            hold_to_settlement: false,
        }
    }
}

impl ExitPlan {
    /// Checks the numbers: a profit target and a stop multiple must be finite and
    /// positive (TOML accepts `nan`, and a target of `−0.5` or a stop of `0` would
    /// close every position at its first mark).
    pub fn validate(&self, strategy: &str) -> Result<(), StrategyError> {
        if let Some(f) = self.profit_target {
            check(strategy, "exits.profit_target", f, f > 0.0, "must be > 0")?;
        }
        match self.stop {
            Some(StopRule::LossMultiple(k)) => check(
                strategy,
                "exits.stop.LossMultiple",
                k,
                k > 0.0,
                "must be > 0",
            ),
            Some(StopRule::MarkMultiple(k)) => check(
                strategy,
                "exits.stop.MarkMultiple",
                k,
                k > 0.0,
                "must be > 0",
            ),
            None => Ok(()),
        }
    }

    /// Hold to settlement, no target, no stop.
    #[must_use]
    pub fn hold() -> Self {
        ExitPlan {
            profit_target: None,
            stop: None,
            time_exit: None,
            hold_to_settlement: true,
        }
    }

    /// The exit this plan calls for on `pos` at `now`, judged on its current mark;
    /// `None` to keep holding (also when there is no mark).
    #[must_use]
    pub fn check(&self, pos: &PositionView, now: Timestamp) -> Option<OptionExitReason> {
        if self.hold_to_settlement {
            return None;
        }
        if let Some(t) = self.time_exit {
            let first_expiry = pos.legs.iter().map(|l| l.expiry).min();
            let (date, time) = (now.ny_date(), now.ny_time());
            if first_expiry.is_some_and(|e| date >= e) && time >= t {
                return Some(OptionExitReason::Time);
            }
        }
        let mark = pos.mark?;
        let entry = pos.entry_price;
        let basis = entry.abs();
        if basis == 0.0 || !mark.is_finite() {
            return None;
        }
        let pnl = mark - entry;
        if let Some(f) = self.profit_target
            && pnl >= f * basis
        {
            return Some(OptionExitReason::ProfitTarget);
        }
        match self.stop {
            Some(StopRule::LossMultiple(k)) if -pnl >= k * basis => Some(OptionExitReason::Stop),
            Some(StopRule::MarkMultiple(k)) => {
                let hit = if entry < 0.0 {
                    -mark >= k * basis
                } else {
                    k > 0.0 && mark <= basis / k
                };
                hit.then_some(OptionExitReason::Stop)
            }
            _ => None,
        }
    }
}
