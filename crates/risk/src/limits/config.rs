//! The limits' configuration.

use serde::{Deserialize, Serialize};

use super::RiskError;

/// Every limit of the pre-trade check; `None` turns a limit off. Fractions are of equity
/// (current equity for exposures, day-start equity for the daily loss, peak equity for
/// the drawdown). Deserialises from TOML with missing fields taking the defaults.
///
/// ```
/// use thetalab_risk::limits::LimitsConfig;
///
/// let cfg = LimitsConfig::from_toml("sector_exposure = 0.3\ndelta_cap = 500.0")?;
/// assert_eq!(cfg.sector_exposure, Some(0.3));
/// assert_eq!(cfg.max_correlation, Some(0.7)); // default kept
/// # Ok::<(), thetalab_risk::RiskError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Halt new orders once the day's loss reaches this fraction of day-start equity
    /// (default 0.02).
    pub daily_loss: Option<f64>,
    /// Halt new orders once the drawdown from peak equity reaches this fraction
    /// (default 0.20).
    pub max_drawdown: Option<f64>,
    /// Most open positions (instruments) (default 20).
    pub max_open_positions: Option<u32>,
    /// Most gross exposure to one symbol, all its instruments (default 0.20).
    pub symbol_exposure: Option<f64>,
    /// Most gross exposure to one sector (default 0.40).
    pub sector_exposure: Option<f64>,
    /// Most gross exposure of one strategy (default 0.50).
    pub strategy_exposure: Option<f64>,
    /// Reject when the direction-adjusted correlation with an open symbol is above this
    /// (default 0.7).
    pub max_correlation: Option<f64>,
    /// Length of the return windows used for correlation (default 60).
    pub correlation_window: usize,
    /// Cap on |net delta| (default off).
    pub delta_cap: Option<f64>,
    /// Cap on |net gamma| (default off).
    pub gamma_cap: Option<f64>,
    /// Cap on |net vega| (default off).
    pub vega_cap: Option<f64>,
    /// Cap on |net theta| (default off).
    pub theta_cap: Option<f64>,
    /// Trip the breaker after this many consecutive errors (default 3).
    pub max_consecutive_errors: Option<u32>,
    /// Trip the breaker after this many consecutive losing trades (default 5).
    pub max_consecutive_losses: Option<u32>,
    /// Resized quantities are whole multiples of this (default 1).
    pub lot: f64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            daily_loss: Some(0.02),
            max_drawdown: Some(0.20),
            max_open_positions: Some(20),
            symbol_exposure: Some(0.20),
            sector_exposure: Some(0.40),
            strategy_exposure: Some(0.50),
            max_correlation: Some(0.7),
            correlation_window: 60,
            delta_cap: None,
            gamma_cap: None,
            vega_cap: None,
            theta_cap: None,
            max_consecutive_errors: Some(3),
            max_consecutive_losses: Some(5),
            lot: 1.0,
        }
    }
}

impl LimitsConfig {
    /// Every limit off (only the lot of 1 and the 60-return window remain).
    #[must_use]
    pub fn none() -> LimitsConfig {
        LimitsConfig {
            daily_loss: None,
            max_drawdown: None,
            max_open_positions: None,
            symbol_exposure: None,
            sector_exposure: None,
            strategy_exposure: None,
            max_correlation: None,
            delta_cap: None,
            gamma_cap: None,
            vega_cap: None,
            theta_cap: None,
            max_consecutive_errors: None,
            max_consecutive_losses: None,
            ..LimitsConfig::default()
        }
    }

    /// Parses and validates TOML.
    pub fn from_toml(text: &str) -> Result<LimitsConfig, RiskError> {
        let cfg: LimitsConfig = toml::from_str(text).map_err(|e| RiskError::Toml {
            document: "limits config",
            reason: e.to_string(),
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), RiskError> {
        let nonneg = |name: &'static str, v: Option<f64>| match v {
            Some(x) if !(x.is_finite() && x >= 0.0) => Err(RiskError::InvalidInput {
                name,
                value: x,
                expected: "finite and >= 0",
            }),
            _ => Ok(()),
        };
        nonneg("daily_loss", self.daily_loss)?;
        nonneg("max_drawdown", self.max_drawdown)?;
        nonneg("symbol_exposure", self.symbol_exposure)?;
        nonneg("sector_exposure", self.sector_exposure)?;
        nonneg("strategy_exposure", self.strategy_exposure)?;
        nonneg("delta_cap", self.delta_cap)?;
        nonneg("gamma_cap", self.gamma_cap)?;
        nonneg("vega_cap", self.vega_cap)?;
        nonneg("theta_cap", self.theta_cap)?;
        if let Some(c) = self.max_correlation
            && !(c.is_finite() && (-1.0..=1.0).contains(&c))
        {
            return Err(RiskError::InvalidInput {
                name: "max_correlation",
                value: c,
                expected: "in [-1, 1]",
            });
        }
        if self.correlation_window < 3 {
            return Err(RiskError::InvalidInput {
                name: "correlation_window",
                value: self.correlation_window as f64,
                expected: ">= 3",
            });
        }
        if !(self.lot.is_finite() && self.lot > 0.0) {
            return Err(RiskError::InvalidInput {
                name: "lot",
                value: self.lot,
                expected: "finite and > 0",
            });
        }
        Ok(())
    }
}
