//! The backtest configuration: cash, costs, fill timing, direction, sizing, exits.
//!
//! Defaults (`BacktestConfig::default()`): 100 000 of cash, no costs, fills at the
//! signal bar's close, fractional shares, long only, all available cash per entry
//! (vectorbt's `size=np.inf`), no exit rules, 252 periods a year, risk-free rate 0.

use thetalab_strategy::exits::ExitRules;

use crate::error::{BacktestError, Result};
use crate::metrics::MetricsConfig;

/// When a signal decided on bar `i`'s close is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Fill {
    /// At bar `i`'s close (vectorbt's default `price=close`). Optimistic — the signal
    /// uses the very price it trades at — but it is what vectorbt and most research
    /// code report.
    #[default]
    Close,
    /// At bar `i + 1`'s open: no look-ahead; a signal on the last bar never fills.
    NextOpen,
}

/// Which signals the engine acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DirectionMode {
    /// `entries`/`exits` only; short flags are ignored.
    #[default]
    LongOnly,
    /// `short_entries`/`short_exits` only; long flags are ignored.
    ShortOnly,
    /// All four flags (long and short, reversals on opposite entries).
    Both,
}

/// How many shares an entry buys (or sells short).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum SizeRule {
    /// All available cash (vectorbt `size=np.inf`): a long entry buys
    /// `(cash − fixed) / (price·(1 + fees) + fee_per_share)` shares; a short entry sells
    /// the same amount computed on free cash (cash minus twice the short debt, as
    /// vectorbt's `free_cash`).
    #[default]
    AllCash,
    /// A fraction of current equity (marked at the fill price): `f·equity / price`
    /// shares, capped by the cash available for a buy.
    FractionOfEquity(f64),
}

/// Everything the engine needs besides bars and signals.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestConfig {
    /// Starting cash (> 0). Default 100 000.
    pub init_cash: f64,
    /// Proportional fee in basis points of traded notional (10 = 0.1 %, vectorbt
    /// `fees=0.001`). Default 0.
    pub fees_bps: f64,
    /// Fee per share traded. Default 0.
    pub fee_per_share: f64,
    /// Fixed fee per order (vectorbt `fixed_fees`). Default 0.
    pub fixed_fee_per_order: f64,
    /// Slippage in basis points of the price, always against the trader: buys fill at
    /// `price·(1 + s)`, sells at `price·(1 − s)` (vectorbt `slippage`). Default 0.
    pub slippage_bps: f64,
    /// Fill timing. Default [`Fill::Close`].
    pub fill: Fill,
    /// Fractional shares (true) or whole shares, sizes floored (false). Default true.
    pub fractional: bool,
    /// Which signals to act on. Default long only.
    pub direction: DirectionMode,
    /// Entry size. Default all cash.
    pub size: SizeRule,
    /// Stops, targets, trailing, time and session exits. Default none.
    pub exits: ExitRules,
    /// Periods per year for annualized metrics. Default 252 (daily bars, empyrical).
    pub annualization: f64,
    /// Annual risk-free rate (a fraction); the metrics turn it into a per-period rate by
    /// compounding (see [`crate::metrics`]). Default 0.
    pub risk_free: f64,
}

impl Default for BacktestConfig {
    fn default() -> Self {
        BacktestConfig {
            init_cash: 100_000.0,
            fees_bps: 0.0,
            fee_per_share: 0.0,
            fixed_fee_per_order: 0.0,
            slippage_bps: 0.0,
            fill: Fill::Close,
            fractional: true,
            direction: DirectionMode::LongOnly,
            size: SizeRule::AllCash,
            exits: ExitRules::default(),
            annualization: 252.0,
            risk_free: 0.0,
        }
    }
}

fn bad(field: &'static str, value: f64, reason: &'static str) -> BacktestError {
    BacktestError::InvalidConfig {
        field,
        value,
        reason,
    }
}

impl BacktestConfig {
    /// Checks every field; the error names the first one at fault.
    pub fn validate(&self) -> Result<()> {
        if !(self.init_cash.is_finite() && self.init_cash > 0.0) {
            return Err(bad("init_cash", self.init_cash, "must be finite and > 0"));
        }
        for (field, v) in [
            ("fees_bps", self.fees_bps),
            ("fee_per_share", self.fee_per_share),
            ("fixed_fee_per_order", self.fixed_fee_per_order),
            ("slippage_bps", self.slippage_bps),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(field, v, "must be finite and >= 0"));
            }
        }
        if self.fees_bps >= 10_000.0 {
            return Err(bad("fees_bps", self.fees_bps, "must be < 10000 (100 %)"));
        }
        if self.slippage_bps >= 10_000.0 {
            return Err(bad(
                "slippage_bps",
                self.slippage_bps,
                "must be < 10000 (100 %)",
            ));
        }
        if let SizeRule::FractionOfEquity(f) = self.size
            && !(f.is_finite() && f > 0.0)
        {
            return Err(bad("size.fraction_of_equity", f, "must be finite and > 0"));
        }
        if !(self.annualization.is_finite() && self.annualization > 0.0) {
            return Err(bad(
                "annualization",
                self.annualization,
                "must be finite and > 0",
            ));
        }
        if !(self.risk_free.is_finite() && self.risk_free > -1.0) {
            return Err(bad("risk_free", self.risk_free, "must be finite and > -1"));
        }
        self.exits.validate()?;
        Ok(())
    }

    /// The metrics settings this run implies: `annualization` periods a year, the
    /// annual `risk_free` rate, VaR at 95 %, `init_cash` as the starting equity.
    #[must_use]
    pub fn metrics_config(&self) -> MetricsConfig {
        MetricsConfig {
            periods_per_year: self.annualization,
            risk_free_annual: self.risk_free,
            var_level: 0.95,
            initial_equity: Some(self.init_cash),
        }
    }

    /// The cost parameters as fractions (what the order arithmetic uses).
    #[must_use]
    pub fn costs(&self) -> Costs {
        Costs {
            fees: self.fees_bps / 10_000.0,
            per_share: self.fee_per_share,
            fixed: self.fixed_fee_per_order,
            slippage: self.slippage_bps / 10_000.0,
            fractional: self.fractional,
        }
    }
}

/// Trading costs as fractions, plus the share granularity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Costs {
    /// Proportional fee (0.001 = 10 bps).
    pub fees: f64,
    /// Fee per share.
    pub per_share: f64,
    /// Fee per order.
    pub fixed: f64,
    /// Slippage fraction.
    pub slippage: f64,
    /// Fractional shares allowed.
    pub fractional: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_bad_fields_are_named() {
        assert!(BacktestConfig::default().validate().is_ok());
        let c = BacktestConfig {
            init_cash: 0.0,
            ..Default::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("init_cash"));
        let c = BacktestConfig {
            fees_bps: f64::NAN,
            ..Default::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("fees_bps"));
        let c = BacktestConfig {
            slippage_bps: -1.0,
            ..Default::default()
        };
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("slippage_bps")
        );
        let c = BacktestConfig {
            size: SizeRule::FractionOfEquity(0.0),
            ..Default::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("fraction"));
        let c = BacktestConfig {
            annualization: 0.0,
            ..Default::default()
        };
        assert!(c.validate().is_err());
        let mut c = BacktestConfig::default();
        c.exits.stop_loss = Some(-0.1);
        assert!(matches!(c.validate(), Err(BacktestError::Strategy(_))));
        let f = BacktestConfig {
            fees_bps: 10.0,
            ..Default::default()
        }
        .costs()
        .fees;
        assert_eq!(f, 0.001);
    }
}
