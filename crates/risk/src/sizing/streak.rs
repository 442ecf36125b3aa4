//! Streak scaling: size down after a run of losses, up after a run of wins.
//!
//! A practitioner's anti-martingale rule (R. Vince, *The Mathematics of Money
//! Management*, 1992, ch. 1 discusses dependency between trades; the steps here are
//! configuration, not a formula from a paper). After every complete run of
//! `loss_streak` consecutive losses the multiplier is multiplied by `loss_factor`, after
//! every complete run of `win_streak` consecutive wins by `win_factor`; the result is
//! clamped to [`min`, `max`]. With the defaults: 0.5× after 3 losses, 1.5× after 5 wins,
//! 2.25× → capped 2× after 10 wins, 0.25× → floored 0.5× after 6 losses.

use serde::{Deserialize, Serialize};

use super::{finite, positive};
use crate::RiskError;

/// The streak rule's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreakConfig {
    /// Consecutive losses that make one step down (default 3).
    pub loss_streak: u32,
    /// Factor per step down (default 0.5).
    pub loss_factor: f64,
    /// Consecutive wins that make one step up (default 5).
    pub win_streak: u32,
    /// Factor per step up (default 1.5).
    pub win_factor: f64,
    /// Smallest multiplier (default 0.5).
    pub min: f64,
    /// Largest multiplier (default 2).
    pub max: f64,
}

impl Default for StreakConfig {
    fn default() -> Self {
        StreakConfig {
            loss_streak: 3,
            loss_factor: 0.5,
            win_streak: 5,
            win_factor: 1.5,
            min: 0.5,
            max: 2.0,
        }
    }
}

impl StreakConfig {
    /// Checks the fields.
    pub fn validate(&self) -> Result<(), RiskError> {
        if self.loss_streak == 0 || self.win_streak == 0 {
            return Err(RiskError::InvalidInput {
                name: if self.loss_streak == 0 {
                    "loss_streak"
                } else {
                    "win_streak"
                },
                value: 0.0,
                expected: ">= 1",
            });
        }
        positive("loss_factor", self.loss_factor)?;
        positive("win_factor", self.win_factor)?;
        positive("min", self.min)?;
        positive("max", self.max)?;
        if self.max < self.min {
            return Err(RiskError::InvalidInput {
                name: "max",
                value: self.max,
                expected: ">= min",
            });
        }
        Ok(())
    }
}

/// The rule plus the current run of wins or losses.
///
/// ```
/// use thetalab_risk::sizing::{StreakConfig, StreakScaler};
///
/// let mut s = StreakScaler::new(StreakConfig::default())?;
/// for pnl in [-1.0, -2.0, -0.5] {
///     s.record(pnl)?;
/// }
/// assert_eq!(s.multiplier(), 0.5);
/// s.record(3.0)?; // a win ends the losing run
/// assert_eq!(s.multiplier(), 1.0);
/// # Ok::<(), thetalab_risk::RiskError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StreakScaler {
    config: StreakConfig,
    wins: u32,
    losses: u32,
}

impl StreakScaler {
    /// A scaler with no history.
    pub fn new(config: StreakConfig) -> Result<StreakScaler, RiskError> {
        config.validate()?;
        Ok(StreakScaler {
            config,
            wins: 0,
            losses: 0,
        })
    }

    /// Records a closed trade's P&L: > 0 a win, < 0 a loss, 0 a scratch that ends both
    /// runs.
    pub fn record(&mut self, pnl: f64) -> Result<(), RiskError> {
        let pnl = finite("pnl", pnl)?;
        if pnl > 0.0 {
            self.wins = self.wins.saturating_add(1);
            self.losses = 0;
        } else if pnl < 0.0 {
            self.losses = self.losses.saturating_add(1);
            self.wins = 0;
        } else {
            self.wins = 0;
            self.losses = 0;
        }
        Ok(())
    }

    /// Current consecutive wins.
    #[must_use]
    pub const fn wins(&self) -> u32 {
        self.wins
    }

    /// Current consecutive losses.
    #[must_use]
    pub const fn losses(&self) -> u32 {
        self.losses
    }

    /// Forgets the history.
    pub fn reset(&mut self) {
        self.wins = 0;
        self.losses = 0;
    }

    /// The size multiplier for the next trade.
    #[must_use]
    pub fn multiplier(&self) -> f64 {
        let c = &self.config;
        let (factor, steps) = if self.losses > 0 {
            (c.loss_factor, self.losses / c.loss_streak)
        } else {
            (c.win_factor, self.wins / c.win_streak)
        };
        // factor^steps, computed with a bounded exponent: beyond 64 steps any factor ≠ 1
        // is already far past the clamp.
        let m = factor.powi(steps.min(64) as i32);
        m.clamp(c.min, c.max)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn default_sequence() {
        let mut s = StreakScaler::new(StreakConfig::default()).unwrap();
        let mut seen = Vec::new();
        for pnl in [
            -1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0,
        ] {
            s.record(pnl).unwrap();
            seen.push(s.multiplier());
        }
        assert_eq!(
            seen,
            [
                1.0, 1.0, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.5, 1.5, 1.5, 1.5, 1.5, 2.0, 1.0
            ]
        );
    }

    #[test]
    fn bad_config_and_pnl() {
        let bad = StreakConfig {
            loss_streak: 0,
            ..StreakConfig::default()
        };
        assert!(StreakScaler::new(bad).is_err());
        let bad = StreakConfig {
            min: 3.0,
            ..StreakConfig::default()
        };
        assert!(StreakScaler::new(bad).is_err());
        let mut s = StreakScaler::new(StreakConfig::default()).unwrap();
        assert!(s.record(f64::NAN).is_err());
        assert_eq!(s.wins() + s.losses(), 0);
    }
}
