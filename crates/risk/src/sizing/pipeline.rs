//! The composable [`Sizer`]: base size × multipliers, clamped and rounded down to a lot.
//!
//! quantity = ⌊ min(base × clamp(∏ mᵢ, min_multiplier, max_multiplier), max_quantity) / lot ⌋ × lot
//!
//! Deterministic: the same [`SizingInput`] always gives the same [`SizeBreakdown`].

use super::{
    FixedFractional, FractionalKelly, RiskError, StreakScaler, VolTarget, finite, positive,
};

/// How the base quantity (before multipliers) is found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BaseRule {
    /// Risk a fraction of equity: f · equity / unit_risk (needs `unit_risk`).
    FixedFractional(FixedFractional),
    /// (Fractional) Kelly stake of a bet won with probability `p` paying `b`:
    /// c·f* · equity / unit_risk, the stake being what is lost (needs `unit_risk`).
    KellyBet {
        /// Win probability.
        p: f64,
        /// Net odds (payout per unit staked).
        b: f64,
        /// The Kelly fraction c.
        kelly: FractionalKelly,
    },
    /// (Fractional) Kelly leverage of a Gaussian return: c·μ/σ² · equity / unit_notional
    /// (needs `unit_notional`). Sizes a long; a negative edge gives 0.
    KellyGaussian {
        /// Mean excess return (annualised).
        mu: f64,
        /// Volatility (annualised).
        sigma: f64,
        /// The Kelly fraction c.
        kelly: FractionalKelly,
    },
    /// A fixed number of units.
    FixedQuantity(f64),
}

/// A scale applied to the base quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Multiplier {
    /// Volatility targeting on the input's `returns`.
    VolTargetReturns {
        /// The target and its bounds.
        target: VolTarget,
        /// Periods per year of the returns (252 for daily).
        periods_per_year: f64,
    },
    /// Volatility targeting on the input's `vix`.
    VolTargetVix(VolTarget),
    /// Streak scaling from the input's `streak` state.
    Streak,
    /// A constant factor ≥ 0 (e.g. a strategy's allocation).
    Constant(f64),
}

impl Multiplier {
    const fn name(&self) -> &'static str {
        match self {
            Multiplier::VolTargetReturns { .. } => "vol target (returns)",
            Multiplier::VolTargetVix(_) => "vol target (vix)",
            Multiplier::Streak => "streak",
            Multiplier::Constant(_) => "constant",
        }
    }
}

/// What a sizing decision is computed from.
#[derive(Debug, Clone, Copy, Default)]
pub struct SizingInput<'a> {
    /// Account equity (> 0).
    pub equity: f64,
    /// Max loss per unit (spread max loss × multiplier, stop distance), for the
    /// fixed-fractional and Kelly-bet rules.
    pub unit_risk: Option<f64>,
    /// Capital exposed per unit (price × multiplier), for the Gaussian Kelly rule.
    pub unit_notional: Option<f64>,
    /// Recent simple returns of the traded instrument or strategy.
    pub returns: Option<&'a [f64]>,
    /// The VIX level in index points.
    pub vix: Option<f64>,
    /// The streak state.
    pub streak: Option<&'a StreakScaler>,
}

/// Every step of one sizing decision, for the log.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeBreakdown {
    /// Units from the base rule.
    pub base_quantity: f64,
    /// Each multiplier's value, in pipeline order.
    pub multipliers: Vec<f64>,
    /// Their product after clamping.
    pub combined_multiplier: f64,
    /// The final quantity (capped, rounded down to the lot; ≥ 0).
    pub quantity: f64,
}

/// A sizing pipeline.
///
/// ```
/// use thetalab_risk::sizing::{BaseRule, FixedFractional, Multiplier, Sizer, SizingInput, VolTarget};
///
/// let sizer = Sizer::new(BaseRule::FixedFractional(FixedFractional::new(0.02)?))
///     .with(Multiplier::VolTargetVix(VolTarget::new(0.15, 0.0, 2.0)?));
/// let out = sizer.size(&SizingInput {
///     equity: 100_000.0,
///     unit_risk: Some(380.0), // one 5-wide spread sold for 1.20
///     vix: Some(30.0),
///     ..SizingInput::default()
/// })?;
/// // 2,000 / 380 = 5.26 spreads × 0.5 = 2.63 → 2.
/// assert_eq!(out.quantity, 2.0);
/// # Ok::<(), thetalab_risk::RiskError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sizer {
    base: BaseRule,
    multipliers: Vec<Multiplier>,
    min_multiplier: f64,
    max_multiplier: f64,
    max_quantity: f64,
    lot: f64,
}

impl Sizer {
    /// A pipeline with no multipliers, combined multiplier clamped to [0, 2], no quantity
    /// cap and a lot of 1 unit.
    #[must_use]
    pub fn new(base: BaseRule) -> Sizer {
        Sizer {
            base,
            multipliers: Vec::new(),
            min_multiplier: 0.0,
            max_multiplier: 2.0,
            max_quantity: f64::INFINITY,
            lot: 1.0,
        }
    }

    /// Appends a multiplier.
    #[must_use]
    pub fn with(mut self, m: Multiplier) -> Sizer {
        self.multipliers.push(m);
        self
    }

    /// Bounds on the product of the multipliers (checked when sizing).
    #[must_use]
    pub fn multiplier_bounds(mut self, min: f64, max: f64) -> Sizer {
        self.min_multiplier = min;
        self.max_multiplier = max;
        self
    }

    /// A cap on the final quantity (checked when sizing).
    #[must_use]
    pub fn max_quantity(mut self, max: f64) -> Sizer {
        self.max_quantity = max;
        self
    }

    /// The lot the quantity is rounded down to (> 0; checked when sizing).
    #[must_use]
    pub fn lot(mut self, lot: f64) -> Sizer {
        self.lot = lot;
        self
    }

    fn validate(&self) -> Result<(), RiskError> {
        if !(self.min_multiplier.is_finite() && self.min_multiplier >= 0.0) {
            return Err(RiskError::InvalidInput {
                name: "min_multiplier",
                value: self.min_multiplier,
                expected: "finite and >= 0",
            });
        }
        if !(self.max_multiplier.is_finite() && self.max_multiplier >= self.min_multiplier) {
            return Err(RiskError::InvalidInput {
                name: "max_multiplier",
                value: self.max_multiplier,
                expected: "finite and >= min_multiplier",
            });
        }
        if self.max_quantity.is_nan() || self.max_quantity < 0.0 {
            return Err(RiskError::InvalidInput {
                name: "max_quantity",
                value: self.max_quantity,
                expected: ">= 0",
            });
        }
        positive("lot", self.lot)?;
        Ok(())
    }

    fn base_quantity(&self, input: &SizingInput<'_>) -> Result<f64, RiskError> {
        let need = |v: Option<f64>, name: &'static str, step: &'static str| {
            v.ok_or(RiskError::MissingInput { step, input: name })
        };
        let equity = positive("equity", input.equity)?;
        match self.base {
            BaseRule::FixedFractional(ff) => ff.quantity(
                equity,
                need(input.unit_risk, "unit_risk", "fixed fractional")?,
            ),
            BaseRule::KellyBet { p, b, kelly } => {
                let risk = positive(
                    "unit_risk",
                    need(input.unit_risk, "unit_risk", "kelly bet")?,
                )?;
                Ok(kelly.bet(p, b)? * equity / risk)
            }
            BaseRule::KellyGaussian { mu, sigma, kelly } => {
                let notional = positive(
                    "unit_notional",
                    need(input.unit_notional, "unit_notional", "kelly gaussian")?,
                )?;
                Ok(kelly.gaussian(mu, sigma)?.max(0.0) * equity / notional)
            }
            BaseRule::FixedQuantity(q) => {
                let q = finite("fixed quantity", q)?;
                if q < 0.0 {
                    return Err(RiskError::InvalidInput {
                        name: "fixed quantity",
                        value: q,
                        expected: ">= 0",
                    });
                }
                Ok(q)
            }
        }
    }

    fn multiplier(m: &Multiplier, input: &SizingInput<'_>) -> Result<f64, RiskError> {
        let missing = |what| RiskError::MissingInput {
            step: m.name(),
            input: what,
        };
        match *m {
            Multiplier::VolTargetReturns {
                target,
                periods_per_year,
            } => target
                .scale_from_returns(input.returns.ok_or(missing("returns"))?, periods_per_year),
            Multiplier::VolTargetVix(target) => {
                target.scale_from_vix(input.vix.ok_or(missing("vix"))?)
            }
            Multiplier::Streak => Ok(input.streak.ok_or(missing("streak"))?.multiplier()),
            Multiplier::Constant(c) => {
                if c.is_finite() && c >= 0.0 {
                    Ok(c)
                } else {
                    Err(RiskError::InvalidInput {
                        name: "constant multiplier",
                        value: c,
                        expected: "finite and >= 0",
                    })
                }
            }
        }
    }

    /// Sizes one trade.
    pub fn size(&self, input: &SizingInput<'_>) -> Result<SizeBreakdown, RiskError> {
        self.validate()?;
        let base_quantity = self.base_quantity(input)?;
        let multipliers = self
            .multipliers
            .iter()
            .map(|m| Sizer::multiplier(m, input))
            .collect::<Result<Vec<f64>, RiskError>>()?;
        let combined_multiplier = multipliers
            .iter()
            .product::<f64>()
            .clamp(self.min_multiplier, self.max_multiplier);
        let raw = (base_quantity * combined_multiplier).min(self.max_quantity);
        let quantity = (raw / self.lot).floor() * self.lot;
        // Inputs are validated finite, but equity / unit_risk can still overflow.
        let quantity = finite("quantity", quantity)?.max(0.0);
        Ok(SizeBreakdown {
            base_quantity,
            multipliers,
            combined_multiplier,
            quantity,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sizing::StreakConfig;

    #[test]
    fn composes_and_clamps() {
        let mut streak = StreakScaler::new(StreakConfig::default()).unwrap();
        for _ in 0..3 {
            streak.record(-1.0).unwrap();
        }
        let r: Vec<f64> = (0..20)
            .map(|i| if i % 2 == 0 { 0.01 } else { -0.01 })
            .collect();
        let vol = crate::sizing::realised_vol(&r, 252.0).unwrap();
        let sizer = Sizer::new(BaseRule::KellyBet {
            p: 0.6,
            b: 1.0,
            kelly: FractionalKelly::new(0.5).unwrap(),
        })
        .with(Multiplier::VolTargetReturns {
            target: VolTarget::new(0.10, 0.0, 3.0).unwrap(),
            periods_per_year: 252.0,
        })
        .with(Multiplier::Streak)
        .with(Multiplier::Constant(4.0))
        .lot(0.5);
        let input = SizingInput {
            equity: 10_000.0,
            unit_risk: Some(100.0),
            returns: Some(&r),
            streak: Some(&streak),
            ..SizingInput::default()
        };
        let out = sizer.size(&input).unwrap();
        // Half Kelly 0.1 × 10,000 / 100 = 10 units.
        assert!((out.base_quantity - 10.0).abs() < 1e-12);
        assert!((out.multipliers[0] - 0.10 / vol).abs() < 1e-12);
        assert_eq!(out.multipliers[1], 0.5);
        // Product 4 × 0.5 × 0.1/vol ≈ 0.63 (under the cap of 2).
        let m = 0.10 / vol * 0.5 * 4.0;
        assert!((out.combined_multiplier - m).abs() < 1e-12);
        assert_eq!(out.quantity, (10.0 * m / 0.5).floor() * 0.5);
        // Same input, same answer.
        assert_eq!(sizer.size(&input).unwrap(), out);
        // Cap on the product and on the quantity.
        let capped = Sizer::new(BaseRule::FixedQuantity(10.0))
            .with(Multiplier::Constant(5.0))
            .max_quantity(15.0);
        assert_eq!(capped.size(&input).unwrap().combined_multiplier, 2.0);
        assert_eq!(capped.size(&input).unwrap().quantity, 15.0);
    }

    #[test]
    fn missing_and_bad_inputs() {
        let sizer = Sizer::new(BaseRule::FixedQuantity(1.0)).with(Multiplier::VolTargetVix(
            VolTarget::new(0.15, 0.0, 2.0).unwrap(),
        ));
        let input = SizingInput {
            equity: 1.0,
            ..SizingInput::default()
        };
        assert_eq!(
            sizer.size(&input),
            Err(RiskError::MissingInput {
                step: "vol target (vix)",
                input: "vix"
            })
        );
        let ff = Sizer::new(BaseRule::FixedFractional(
            FixedFractional::new(0.01).unwrap(),
        ));
        assert!(matches!(
            ff.size(&input),
            Err(RiskError::MissingInput { .. })
        ));
        assert!(ff.clone().lot(0.0).size(&input).is_err());
        assert!(ff.clone().multiplier_bounds(1.0, 0.5).size(&input).is_err());
        let neg = SizingInput {
            equity: f64::NAN,
            unit_risk: Some(1.0),
            ..SizingInput::default()
        };
        assert!(ff.size(&neg).is_err());
        let gauss = Sizer::new(BaseRule::KellyGaussian {
            mu: -0.05,
            sigma: 0.2,
            kelly: FractionalKelly::new(1.0).unwrap(),
        });
        let inp = SizingInput {
            equity: 1e5,
            unit_notional: Some(100.0),
            ..SizingInput::default()
        };
        assert_eq!(gauss.size(&inp).unwrap().quantity, 0.0);
    }
}
