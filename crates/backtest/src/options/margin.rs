//! Max loss and buying power of a structure at entry.
//!
//! **Max loss** comes from the structure's payoff via [`thetalab_pricing::position`]:
//! exact from the breakpoints (the strikes) when every leg expires together, and for
//! multi-expiry structures (calendars, diagonals, the Flyagonal) from the P&L at the
//! front expiry with the later legs valued by BSM at the average entry implied vol of
//! the legs (numerical; see [`thetalab_pricing::position::ExpiryProfile`]). The premiums
//! are the fill prices, so the credit received or debit paid is included.
//!
//! **Buying power**:
//! - defined-risk structures (finite max loss) hold their max loss — a credit spread
//!   `width − credit`, a debit spread the debit, a cash-secured put `strike − credit`,
//!   a covered call `stock cost − credit`;
//! - naked shorts (kinds [`StructureKind::ShortStraddle`], [`StructureKind::ShortStrangle`],
//!   [`StructureKind::ShortOption`], and any structure whose max loss is unbounded)
//!   hold the Reg-T/Cboe requirement: per naked short option
//!   `max(premium + base × S − OTM amount, premium + min × (S for calls, K for puts))`
//!   × multiplier, with base/min 15 %/10 % for broad-based indexes and 20 %/10 % for
//!   equities (Cboe Rule 10.3(a), FINRA Rule 4210(f)(2)(D)); with short calls and short
//!   puts together (straddles, strangles) the greater side's requirement plus the other
//!   side's premium; long options are paid in full and long stock in cash. Short calls
//!   covered by shares the strategy already holds need no margin.

use thetalab_core::OptionRight;
use thetalab_pricing::position::{Bound, Leg, Position};
use thetalab_strategy::options::{LegSpec, StructureKind};

use super::config::MarginParams;

/// What one unit of a structure risks and holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StructureRisk {
    /// Max loss per unit in dollars, fees excluded (`f64::INFINITY` when unbounded).
    pub max_loss: f64,
    /// Buying power held per unit, dollars.
    pub buying_power: f64,
}

/// The inputs of [`structure_risk`] for one leg.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PricedLeg {
    /// The leg.
    pub spec: LegSpec,
    /// Per-contract price paid or received (points, ≥ 0).
    pub price: f64,
    /// Years to the leg's settlement from now (≥ 0).
    pub years: f64,
    /// The leg's implied vol at entry, when known.
    pub iv: Option<f64>,
}

/// Everything [`structure_risk`] needs besides the legs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskInputs {
    /// Underlying price now.
    pub spot: f64,
    /// Shares per unit (signed) and the price they trade at.
    pub shares: i64,
    /// Contract multiplier.
    pub multiplier: f64,
    /// Rate and dividend yield (for multi-expiry payoffs).
    pub rate: f64,
    /// Dividend yield.
    pub dividend_yield: f64,
    /// Broad-based index (index margin rates) or equity.
    pub index: bool,
    /// Shares of the underlying the strategy already holds (cover short calls).
    pub held_shares: i64,
}

/// Reg-T requirement of one naked short option contract, dollars (see the module docs).
#[must_use]
pub fn reg_t_naked(
    right: OptionRight,
    strike: f64,
    premium: f64,
    spot: f64,
    multiplier: f64,
    index: bool,
    m: &MarginParams,
) -> f64 {
    let (base, min) = if index {
        (m.index_base, m.index_min)
    } else {
        (m.equity_base, m.equity_min)
    };
    let (otm, min_basis) = match right {
        OptionRight::Call => ((strike - spot).max(0.0), spot),
        OptionRight::Put => ((spot - strike).max(0.0), strike),
    };
    (premium + base * spot - otm).max(premium + min * min_basis) * multiplier
}

/// Max loss per unit from the payoff (see the module docs); `Err` with the pricing
/// crate's message when the legs are invalid.
pub fn max_loss(legs: &[PricedLeg], inp: &RiskInputs) -> Result<f64, String> {
    let pleg: Vec<Leg> = legs
        .iter()
        .map(|l| {
            Leg::new(
                l.spec.right,
                l.spec.strike,
                l.years.max(0.0),
                f64::from(l.spec.ratio),
                l.price,
            )
        })
        .collect();
    if pleg.is_empty() {
        // Stock only: long stock can lose its cost, short stock without bound.
        return Ok(if inp.shares >= 0 {
            inp.shares as f64 * inp.spot
        } else {
            f64::INFINITY
        });
    }
    let mut pos = Position::new(pleg)
        .and_then(|p| p.with_multiplier(inp.multiplier))
        .map_err(|e| e.to_string())?;
    if inp.shares != 0 {
        pos = pos
            .with_shares(inp.shares as f64, inp.spot)
            .map_err(|e| e.to_string())?;
    }
    let profile = if pos.is_single_expiry() {
        pos.payoff_profile()
    } else {
        let ivs: Vec<f64> = legs.iter().filter_map(|l| l.iv).collect();
        let vol = if ivs.is_empty() {
            0.2
        } else {
            ivs.iter().sum::<f64>() / ivs.len() as f64
        };
        pos.expiry_profile(inp.rate, inp.dividend_yield, &vol)
    }
    .map_err(|e| e.to_string())?;
    Ok(match profile.max_loss {
        Bound::Finite(x) => x.max(0.0),
        Bound::Unbounded => f64::INFINITY,
    })
}

/// Max loss and buying power per unit of a structure at its entry fill prices.
pub fn structure_risk(
    kind: StructureKind,
    legs: &[PricedLeg],
    inp: &RiskInputs,
    m: &MarginParams,
) -> Result<StructureRisk, String> {
    let ml = max_loss(legs, inp)?;
    let naked_kind = matches!(
        kind,
        StructureKind::ShortStraddle | StructureKind::ShortStrangle | StructureKind::ShortOption
    );
    if ml.is_finite() && !naked_kind {
        return Ok(StructureRisk {
            max_loss: ml,
            buying_power: ml,
        });
    }
    let mult = inp.multiplier;
    let short_calls: i64 = legs
        .iter()
        .filter(|l| l.spec.right == OptionRight::Call && l.spec.ratio < 0)
        .map(|l| i64::from(l.spec.ratio.unsigned_abs()))
        .sum();
    let calls_covered = short_calls > 0
        && (inp.held_shares + inp.shares.max(0)) as f64 >= short_calls as f64 * mult;
    let (mut call_req, mut put_req, mut call_prem, mut put_prem, mut long_cost) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    for l in legs {
        let n = f64::from(l.spec.ratio.unsigned_abs());
        if l.spec.ratio > 0 {
            long_cost += n * l.price * mult;
            continue;
        }
        let req = n * reg_t_naked(
            l.spec.right,
            l.spec.strike,
            l.price,
            inp.spot,
            mult,
            inp.index,
            m,
        );
        let prem = n * l.price * mult;
        match l.spec.right {
            OptionRight::Call if !calls_covered => {
                call_req += req;
                call_prem += prem;
            }
            OptionRight::Call => {}
            OptionRight::Put => {
                put_req += req;
                put_prem += prem;
            }
        }
    }
    let naked = if call_req > 0.0 && put_req > 0.0 {
        (call_req + put_prem).max(put_req + call_prem)
    } else {
        call_req + put_req
    };
    let stock = if inp.shares > 0 {
        inp.shares as f64 * inp.spot
    } else {
        0.0
    };
    Ok(StructureRisk {
        max_loss: ml,
        buying_power: naked + long_cost + stock,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use thetalab_core::OptionRoot;

    fn leg(right: OptionRight, strike: f64, ratio: i32, price: f64) -> PricedLeg {
        PricedLeg {
            spec: LegSpec {
                root: OptionRoot::new("SPXW").unwrap(),
                expiry: "2024-01-02".parse().unwrap(),
                strike,
                right,
                ratio,
            },
            price,
            years: 0.001,
            iv: Some(0.15),
        }
    }

    fn inputs(spot: f64) -> RiskInputs {
        RiskInputs {
            spot,
            shares: 0,
            multiplier: 100.0,
            rate: 0.0,
            dividend_yield: 0.0,
            index: true,
            held_shares: 0,
        }
    }

    #[test]
    fn condor_holds_width_minus_credit() {
        // 4700/4710/4790/4800 condor: credit = 2.00 − 0.50 + 1.80 − 0.40 = 2.90;
        // max loss = (10 − 2.90) × 100 = 710.
        let legs = [
            leg(OptionRight::Put, 4700.0, 1, 0.50),
            leg(OptionRight::Put, 4710.0, -1, 2.00),
            leg(OptionRight::Call, 4790.0, -1, 1.80),
            leg(OptionRight::Call, 4800.0, 1, 0.40),
        ];
        let r = structure_risk(
            StructureKind::IronCondor,
            &legs,
            &inputs(4750.0),
            &MarginParams::default(),
        )
        .unwrap();
        assert!((r.max_loss - 710.0).abs() < 1e-9);
        assert_eq!(r.buying_power, r.max_loss);
    }

    #[test]
    fn naked_short_call_reg_t() {
        // SPX 4750, short 4800 call at 3.00: max(3 + 0.15·4750 − 50, 3 + 0.10·4750)
        // = max(665.5, 478) = 665.5 per share → 66 550 per contract.
        let legs = [leg(OptionRight::Call, 4800.0, -1, 3.00)];
        let r = structure_risk(
            StructureKind::ShortOption,
            &legs,
            &inputs(4750.0),
            &MarginParams::default(),
        )
        .unwrap();
        assert!(r.max_loss.is_infinite());
        assert!((r.buying_power - 66_550.0).abs() < 1e-6);
        // Short strangle adds the put premium to the greater side: put 4700 at 2.50:
        // put side max(2.5 + 712.5 − 50, 2.5 + 470) = 665 → 66 500; call side 66 550 +
        // 250 put premium = 66 800 vs 66 500 + 300 = 66 800.
        let legs = [
            leg(OptionRight::Call, 4800.0, -1, 3.00),
            leg(OptionRight::Put, 4700.0, -1, 2.50),
        ];
        let r = structure_risk(
            StructureKind::ShortStrangle,
            &legs,
            &inputs(4750.0),
            &MarginParams::default(),
        )
        .unwrap();
        assert!((r.buying_power - 66_800.0).abs() < 1e-6);
    }
}
