//! Multi-leg option positions: payoff at expiry, value and P&L before expiry under a
//! flat vol or a smile, exact breakevens, max profit and loss, probability of profit and
//! net Greeks; constructors for the common strategies in [`strategies`].
//!
//! # Conventions
//!
//! - Time: the valuation date is `t = 0`; every [`Leg::expiry`] is in years from it, and
//!   `t_elapsed` is how much calendar time has passed since (in years).
//! - Quantities: [`Leg::qty`] is a signed number of contracts (`+` long), each on
//!   [`Position::multiplier`] units of the underlying (100 by default, as for US equity
//!   options). [`Position::shares`] is a signed number of shares, not multiplied.
//! - Money: [`Leg::premium`] is the per-share price the leg was opened at (`≥ 0`);
//!   [`Position::entry_cost`] `= Σ qty·premium·multiplier + shares·share_cost` is the net
//!   debit (negative for a net credit). P&L `=` value `−` entry cost; cash is not accrued
//!   at the risk-free rate.
//! - Valuation: each live leg is priced with Black-Scholes-Merton ([`crate::bsm`]), with
//!   the vol the [`VolSurface`] gives for its strike, time left and forward
//!   `S·e^{(r−q)τ}`. A leg whose expiry has passed (`τ ≤ 0`) is worth its intrinsic value
//!   at the spot given (as if settled at that spot, cash not accrued).
//! - "At expiry" means at the **front** (earliest) expiry. When every leg expires then,
//!   the P&L is piecewise linear in `S` with kinks at the strikes and everything
//!   ([`Position::payoff_profile`]) is computed exactly from the pieces. When some legs
//!   live longer (calendar, diagonal, Flyagonal), they are valued by BSM at the front
//!   expiry under the rates and vols given and [`Position::expiry_profile`] finds
//!   breakevens and extremes numerically (see [`ExpiryProfile`]).
//!
//! ```
//! use thetalab_pricing::position::{strategies, Bound};
//!
//! // Sell the 90/95/105/110 iron condor: premiums in leg order (long 90 put 1.00, short
//! // 95 put 2.20, short 105 call 2.00, long 110 call 0.90), net credit 2.30.
//! let ic = strategies::iron_condor(90.0, 95.0, 105.0, 110.0, 30.0 / 365.0, 1.0)
//!     .unwrap()
//!     .with_premiums(&[1.00, 2.20, 2.00, 0.90])
//!     .unwrap();
//! assert!((ic.entry_cost() + 230.0).abs() < 1e-9); // 2.30 net credit × 100
//! let p = ic.payoff_profile().unwrap();
//! // Breakevens: short strikes ∓ net credit.
//! assert!((p.breakevens[0] - 92.70).abs() < 1e-12 && (p.breakevens[1] - 107.30).abs() < 1e-12);
//! assert!(matches!(p.max_profit, Bound::Finite(x) if (x - 230.0).abs() < 1e-9));
//! assert!(matches!(p.max_loss, Bound::Finite(x) if (x - 270.0).abs() < 1e-9)); // (5 − 2.30)·100
//! ```

mod analysis;
mod leg;
pub mod strategies;

pub use analysis::{Bound, ExpiryProfile};
pub use leg::Leg;

use crate::inputs::{finite, positive};
use crate::{Greeks, OptionInputs, PricingError, Result, VolSurface, bsm};

/// The contract multiplier of US equity and index options.
pub const DEFAULT_MULTIPLIER: f64 = 100.0;

/// Two expiries closer than this (in years, about 3 ms) are the same expiry.
pub const SAME_EXPIRY_TOL: f64 = 1e-10;

/// A multi-leg option position, optionally with shares of the underlying.
///
/// The fields are public for reading and building; every method validates them first
/// ([`Position::validate`]) and reports the field at fault.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    /// The option legs.
    pub legs: Vec<Leg>,
    /// Signed number of shares of the underlying (not multiplied).
    pub shares: f64,
    /// Per-share price the shares were bought (or sold short) at.
    pub share_cost: f64,
    /// Units of underlying per option contract (100 by default).
    pub multiplier: f64,
}

impl Position {
    /// A position of option legs, multiplier 100, no shares.
    pub fn new(legs: Vec<Leg>) -> Result<Self> {
        let p = Self {
            legs,
            shares: 0.0,
            share_cost: 0.0,
            multiplier: DEFAULT_MULTIPLIER,
        };
        p.validate()?;
        Ok(p)
    }

    /// The same position plus `shares` (signed) bought at `share_cost` per share.
    pub fn with_shares(mut self, shares: f64, share_cost: f64) -> Result<Self> {
        self.shares = shares;
        self.share_cost = share_cost;
        self.validate()?;
        Ok(self)
    }

    /// The same position with another contract multiplier (shares are not rescaled).
    pub fn with_multiplier(mut self, multiplier: f64) -> Result<Self> {
        self.multiplier = multiplier;
        self.validate()?;
        Ok(self)
    }

    /// The same position with one more leg.
    pub fn with_leg(mut self, leg: Leg) -> Result<Self> {
        self.legs.push(leg);
        self.validate()?;
        Ok(self)
    }

    /// The same position with the per-share premiums `premiums[i]` on `legs[i]` (in the
    /// leg order each constructor documents).
    pub fn with_premiums(mut self, premiums: &[f64]) -> Result<Self> {
        if premiums.len() != self.legs.len() {
            return Err(PricingError::LengthMismatch {
                what: "premiums",
                got: premiums.len(),
                expected: self.legs.len(),
            });
        }
        for (leg, &p) in self.legs.iter_mut().zip(premiums) {
            leg.premium = p;
        }
        self.validate()?;
        Ok(self)
    }

    /// The same position with every leg's premium set to its BSM value today (`t = 0`)
    /// at `spot`, rates `r`, `q` and the vols of `vols`: a position "opened at model
    /// prices". The share cost is left as it is.
    pub fn with_model_premiums(
        mut self,
        spot: f64,
        r: f64,
        q: f64,
        vols: &impl VolSurface,
    ) -> Result<Self> {
        self.validate()?;
        check_market(spot, 0.0, r, q)?;
        for leg in &mut self.legs {
            leg.premium = leg_price(leg, spot, leg.expiry, r, q, vols)?;
        }
        Ok(self)
    }

    /// Checks every leg ([`Leg::validate`]), `multiplier > 0`, `shares` and
    /// `share_cost ≥ 0` finite.
    pub fn validate(&self) -> Result<()> {
        for leg in &self.legs {
            leg.validate()?;
        }
        positive("multiplier", self.multiplier)?;
        finite("shares", self.shares)?;
        finite("share_cost", self.share_cost)?;
        if self.share_cost < 0.0 {
            return Err(PricingError::InvalidInput {
                field: "share_cost",
                value: self.share_cost,
                reason: "must be ≥ 0",
            });
        }
        Ok(())
    }

    /// Net cash paid to open the position: `Σ qty·premium·multiplier + shares·share_cost`
    /// (negative for a net credit).
    #[must_use]
    pub fn entry_cost(&self) -> f64 {
        self.legs
            .iter()
            .map(|l| l.entry_cost(self.multiplier))
            .sum::<f64>()
            + self.shares * self.share_cost
    }

    /// The earliest expiry among the legs (`None` without legs).
    #[must_use]
    pub fn front_expiry(&self) -> Option<f64> {
        self.legs.iter().map(|l| l.expiry).reduce(f64::min)
    }

    /// Whether every leg expires at the front expiry (within [`SAME_EXPIRY_TOL`]), so that
    /// the payoff at expiry is piecewise linear and known exactly. True without legs.
    #[must_use]
    pub fn is_single_expiry(&self) -> bool {
        match self.front_expiry() {
            None => true,
            Some(t0) => self.legs.iter().all(|l| l.expiry - t0 <= SAME_EXPIRY_TOL),
        }
    }

    /// Value of the position when `t_elapsed` years have passed and the underlying is at
    /// `spot`: `Σ qty·multiplier·V_BSM(spot, K, T − t_elapsed, r, q, σ) + shares·spot`,
    /// `σ = vols.vol(spot·e^{(r−q)τ}, K, τ)`; legs already expired count at intrinsic
    /// value. At `t_elapsed` = the common expiry this is [`Position::payoff_at_expiry`].
    pub fn value_at(
        &self,
        spot: f64,
        t_elapsed: f64,
        r: f64,
        q: f64,
        vols: &impl VolSurface,
    ) -> Result<f64> {
        self.validate()?;
        check_market(spot, t_elapsed, r, q)?;
        self.value_unchecked(spot, t_elapsed, r, q, vols)
    }

    /// P&L when `t_elapsed` years have passed: [`Position::value_at`] − [`Position::entry_cost`].
    pub fn pnl_at(
        &self,
        spot: f64,
        t_elapsed: f64,
        r: f64,
        q: f64,
        vols: &impl VolSurface,
    ) -> Result<f64> {
        Ok(self.value_at(spot, t_elapsed, r, q, vols)? - self.entry_cost())
    }

    /// Each leg's BSM Greeks times `qty · multiplier`, in leg order (expired legs: the
    /// intrinsic value and its step delta, other Greeks zero).
    pub fn leg_greeks(
        &self,
        spot: f64,
        t_elapsed: f64,
        r: f64,
        q: f64,
        vols: &impl VolSurface,
    ) -> Result<Vec<Greeks>> {
        self.validate()?;
        check_market(spot, t_elapsed, r, q)?;
        self.legs
            .iter()
            .map(|leg| {
                let o = leg_inputs(leg, spot, leg.expiry - t_elapsed, r, q, vols)?;
                Ok(bsm::greeks(&o).times(leg.qty * self.multiplier))
            })
            .collect()
    }

    /// Net Greeks of the position: the sum of [`Position::leg_greeks`] plus the shares
    /// (`price += shares·spot`, `delta += shares`). `price` is the position's value.
    /// Units as in [`crate::greeks`] (vega per 1.00 of vol, time Greeks per year).
    pub fn net_greeks(
        &self,
        spot: f64,
        t_elapsed: f64,
        r: f64,
        q: f64,
        vols: &impl VolSurface,
    ) -> Result<Greeks> {
        let mut g: Greeks = self
            .leg_greeks(spot, t_elapsed, r, q, vols)?
            .into_iter()
            .sum();
        g.price += self.shares * spot;
        g.delta += self.shares;
        Ok(g)
    }

    /// Value at the common expiry when the underlying ends at `spot ≥ 0`:
    /// `Σ qty·multiplier·max(φ(S − K), 0) + shares·S` (Hull, 10th ed., ch. 12).
    /// Only for single-expiry positions ([`Position::is_single_expiry`]); for the others
    /// use [`Position::front_expiry_value`].
    pub fn payoff_at_expiry(&self, spot: f64) -> Result<f64> {
        self.validate()?;
        self.require_single_expiry()?;
        check_spot_at_expiry(spot)?;
        Ok(self.intrinsic_value(spot))
    }

    /// P&L at the common expiry: [`Position::payoff_at_expiry`] − [`Position::entry_cost`].
    pub fn pnl_at_expiry(&self, spot: f64) -> Result<f64> {
        Ok(self.payoff_at_expiry(spot)? - self.entry_cost())
    }

    /// Value at the front expiry with the underlying at `spot ≥ 0`: legs expiring then at
    /// intrinsic value, later legs by BSM with their remaining time under `r`, `q`, `vols`
    /// (for a single-expiry position: [`Position::payoff_at_expiry`], market ignored).
    pub fn front_expiry_value(
        &self,
        spot: f64,
        r: f64,
        q: f64,
        vols: &impl VolSurface,
    ) -> Result<f64> {
        self.validate()?;
        check_spot_at_expiry(spot)?;
        finite("r", r)?;
        finite("q", q)?;
        let Some(t0) = self.front_expiry() else {
            return Ok(self.shares * spot);
        };
        if self.is_single_expiry() {
            return Ok(self.intrinsic_value(spot));
        }
        self.front_value_unchecked(spot, t0, r, q, vols)
    }

    /// P&L at the front expiry: [`Position::front_expiry_value`] − [`Position::entry_cost`].
    pub fn front_expiry_pnl(
        &self,
        spot: f64,
        r: f64,
        q: f64,
        vols: &impl VolSurface,
    ) -> Result<f64> {
        Ok(self.front_expiry_value(spot, r, q, vols)? - self.entry_cost())
    }

    /// Breakevens, max profit and max loss at the common expiry, exactly, from the
    /// piecewise-linear payoff. Single-expiry positions with at least one leg only.
    pub fn payoff_profile(&self) -> Result<ExpiryProfile> {
        self.validate()?;
        self.require_single_expiry()?;
        let t0 = self.require_legs()?;
        Ok(analysis::exact_profile(self, t0))
    }

    /// Breakevens, max profit and max loss at the front expiry: exact for single-expiry
    /// positions ([`Position::payoff_profile`]; market ignored), numerical otherwise
    /// (later legs valued by BSM under `r`, `q`, `vols`; method in [`ExpiryProfile`]).
    pub fn expiry_profile(&self, r: f64, q: f64, vols: &impl VolSurface) -> Result<ExpiryProfile> {
        self.validate()?;
        let t0 = self.require_legs()?;
        if self.is_single_expiry() {
            return Ok(analysis::exact_profile(self, t0));
        }
        finite("r", r)?;
        finite("q", q)?;
        analysis::numerical_profile(self, t0, r, q, vols)
    }

    /// Probability that the P&L at the front expiry is positive when
    /// `ln S_T ~ N(ln S + (μ − σ²/2)T, σ²T)` (`T` = front expiry, `μ = drift`; use
    /// `drift = r − q` for the risk-neutral measure): see
    /// [`ExpiryProfile::probability_of_profit`]. `r`, `q`, `vols` value the later legs of
    /// a multi-expiry position and are ignored otherwise.
    #[allow(clippy::too_many_arguments)]
    pub fn probability_of_profit(
        &self,
        spot: f64,
        sigma: f64,
        drift: f64,
        r: f64,
        q: f64,
        vols: &impl VolSurface,
    ) -> Result<f64> {
        self.expiry_profile(r, q, vols)?
            .probability_of_profit(spot, sigma, drift)
    }

    fn require_single_expiry(&self) -> Result<()> {
        if self.is_single_expiry() {
            return Ok(());
        }
        let t0 = self.front_expiry().unwrap_or(0.0);
        let later = self
            .legs
            .iter()
            .map(|l| l.expiry)
            .find(|&t| t - t0 > SAME_EXPIRY_TOL)
            .unwrap_or(t0);
        Err(PricingError::InvalidInput {
            field: "expiry",
            value: later,
            reason: "legs expire at different times: use front_expiry_value / expiry_profile with rates and vols",
        })
    }

    fn require_legs(&self) -> Result<f64> {
        self.front_expiry().ok_or(PricingError::InvalidInput {
            field: "legs",
            value: 0.0,
            reason: "the position has no option legs, hence no expiry",
        })
    }

    /// Value with every leg at intrinsic value: the exact expiry value of a
    /// single-expiry position.
    pub(crate) fn intrinsic_value(&self, spot: f64) -> f64 {
        self.legs
            .iter()
            .map(|l| l.qty * self.multiplier * l.intrinsic(spot))
            .sum::<f64>()
            + self.shares * spot
    }

    /// Value at the front expiry `t0` (inputs already checked; `spot ≥ 0`).
    pub(crate) fn front_value_unchecked(
        &self,
        spot: f64,
        t0: f64,
        r: f64,
        q: f64,
        vols: &impl VolSurface,
    ) -> Result<f64> {
        let mut v = self.shares * spot;
        for leg in &self.legs {
            let tau = leg.expiry - t0;
            let per_share = if tau <= SAME_EXPIRY_TOL {
                leg.intrinsic(spot)
            } else if spot == 0.0 {
                // S = 0 is absorbing under the lognormal model: the call is worthless and
                // the put worth its discounted strike (limit of BSM as S → 0).
                match leg.right {
                    crate::OptionRight::Call => 0.0,
                    crate::OptionRight::Put => leg.strike * (-r * tau).exp(),
                }
            } else {
                leg_price(leg, spot, tau, r, q, vols)?
            };
            v += leg.qty * self.multiplier * per_share;
        }
        Ok(v)
    }

    fn value_unchecked(
        &self,
        spot: f64,
        t_elapsed: f64,
        r: f64,
        q: f64,
        vols: &impl VolSurface,
    ) -> Result<f64> {
        let mut v = self.shares * spot;
        for leg in &self.legs {
            v += leg.qty
                * self.multiplier
                * leg_price(leg, spot, leg.expiry - t_elapsed, r, q, vols)?;
        }
        Ok(v)
    }
}

/// BSM inputs of one leg with `tau` years left (`≤ 0`: expired, priced at intrinsic by
/// the σ√T = 0 branch of the kernel), vol from the surface at the leg's forward.
fn leg_inputs(
    leg: &Leg,
    spot: f64,
    tau: f64,
    r: f64,
    q: f64,
    vols: &impl VolSurface,
) -> Result<OptionInputs> {
    if tau <= 0.0 {
        return Ok(OptionInputs::new(
            leg.right, spot, leg.strike, 0.0, r, q, 0.0,
        ));
    }
    let forward = spot * ((r - q) * tau).exp();
    let sigma = vols.vol(forward, leg.strike, tau);
    if !(sigma.is_finite() && sigma >= 0.0) {
        return Err(PricingError::InvalidInput {
            field: "vol",
            value: sigma,
            reason: "the vol surface gave a negative or non-finite vol for a leg",
        });
    }
    Ok(OptionInputs::new(
        leg.right, spot, leg.strike, tau, r, q, sigma,
    ))
}

fn leg_price(
    leg: &Leg,
    spot: f64,
    tau: f64,
    r: f64,
    q: f64,
    vols: &impl VolSurface,
) -> Result<f64> {
    Ok(bsm::price(&leg_inputs(leg, spot, tau, r, q, vols)?))
}

fn check_market(spot: f64, t_elapsed: f64, r: f64, q: f64) -> Result<()> {
    positive("spot", spot)?;
    finite("t_elapsed", t_elapsed)?;
    if t_elapsed < 0.0 {
        return Err(PricingError::InvalidInput {
            field: "t_elapsed",
            value: t_elapsed,
            reason: "must be ≥ 0",
        });
    }
    finite("r", r)?;
    finite("q", q)
}

fn check_spot_at_expiry(spot: f64) -> Result<()> {
    finite("spot", spot)?;
    if spot < 0.0 {
        return Err(PricingError::InvalidInput {
            field: "spot",
            value: spot,
            reason: "must be ≥ 0",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OptionRight::{Call, Put};

    fn spread() -> Position {
        // Bull call spread 100/110 with 3 months left, plus 50 short shares at 101.
        Position::new(vec![
            Leg::new(Call, 100.0, 0.25, 2.0, 5.0),
            Leg::new(Call, 110.0, 0.25, -2.0, 1.5),
        ])
        .unwrap()
        .with_shares(-50.0, 101.0)
        .unwrap()
    }

    #[test]
    fn entry_cost_is_the_signed_sum_of_cash_paid() {
        // 2·5.00·100 − 2·1.50·100 − 50·101 = 1000 − 300 − 5050.
        assert!((spread().entry_cost() - (1000.0 - 300.0 - 5050.0)).abs() < 1e-9);
    }

    #[test]
    fn value_is_the_sum_of_bsm_leg_values() {
        let p = spread();
        let (s, t, r, q, v) = (104.0, 0.1, 0.03, 0.01, 0.22);
        let want = 200.0 * bsm::price(&OptionInputs::new(Call, s, 100.0, 0.15, r, q, v))
            - 200.0 * bsm::price(&OptionInputs::new(Call, s, 110.0, 0.15, r, q, v))
            - 50.0 * s;
        let got = p.value_at(s, t, r, q, &v).unwrap();
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        let pnl = p.pnl_at(s, t, r, q, &v).unwrap();
        assert!((pnl - (want - p.entry_cost())).abs() < 1e-9);
    }

    #[test]
    fn value_at_expiry_is_the_payoff_and_expired_legs_are_intrinsic() {
        let p = spread();
        for s in [80.0, 100.0, 104.0, 110.0, 130.0] {
            let at_expiry = p.value_at(s, 0.25, 0.03, 0.01, &0.2).unwrap();
            let after = p.value_at(s, 0.4, 0.03, 0.01, &0.2).unwrap();
            let payoff = p.payoff_at_expiry(s).unwrap();
            assert!(
                (at_expiry - payoff).abs() < 1e-9 && (after - payoff).abs() < 1e-9,
                "S={s}"
            );
        }
    }

    #[test]
    fn net_greeks_match_finite_differences_of_value() {
        let p = spread();
        let (s, t, r, q, v) = (103.0, 0.05, 0.03, 0.01, 0.25);
        let g = p.net_greeks(s, t, r, q, &v).unwrap();
        let val = |s: f64, t: f64, v: f64| p.value_at(s, t, r, q, &v).unwrap();
        let h = 1e-3;
        let delta = (val(s + h, t, v) - val(s - h, t, v)) / (2.0 * h);
        let gamma = (val(s + h, t, v) - 2.0 * val(s, t, v) + val(s - h, t, v)) / (h * h);
        let theta = (val(s, t + 1e-5, v) - val(s, t - 1e-5, v)) / 2e-5;
        let vega = (val(s, t, v + 1e-5) - val(s, t, v - 1e-5)) / 2e-5;
        assert!((g.price - val(s, t, v)).abs() < 1e-9);
        assert!((g.delta - delta).abs() < 1e-6, "{} {delta}", g.delta);
        assert!((g.gamma - gamma).abs() < 1e-3, "{} {gamma}", g.gamma);
        assert!(
            (g.theta - theta).abs() < 1e-4 * theta.abs().max(1.0),
            "{} {theta}",
            g.theta
        );
        assert!(
            (g.vega - vega).abs() < 1e-5 * vega.abs().max(1.0),
            "{} {vega}",
            g.vega
        );
    }

    #[test]
    fn smiles_are_read_per_strike() {
        struct Skew;
        impl VolSurface for Skew {
            fn vol(&self, forward: f64, strike: f64, _t: f64) -> f64 {
                0.2 - 0.5 * (strike / forward).ln()
            }
        }
        let p = spread();
        let (s, r, q) = (100.0, 0.02, 0.0);
        let f = s * (r * 0.25_f64).exp();
        let want = 200.0
            * bsm::price(&OptionInputs::new(
                Call,
                s,
                100.0,
                0.25,
                r,
                q,
                Skew.vol(f, 100.0, 0.25),
            ))
            - 200.0
                * bsm::price(&OptionInputs::new(
                    Call,
                    s,
                    110.0,
                    0.25,
                    r,
                    q,
                    Skew.vol(f, 110.0, 0.25),
                ))
            - 50.0 * s;
        assert!((p.value_at(s, 0.0, r, q, &Skew).unwrap() - want).abs() < 1e-9);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let p = spread();
        let field = |r: Result<f64>| match r {
            Err(PricingError::InvalidInput { field, .. }) => field,
            other => panic!("expected an error, got {other:?}"),
        };
        assert_eq!(field(p.value_at(0.0, 0.0, 0.0, 0.0, &0.2)), "spot");
        assert_eq!(field(p.value_at(100.0, -1.0, 0.0, 0.0, &0.2)), "t_elapsed");
        assert_eq!(field(p.value_at(100.0, 0.0, f64::NAN, 0.0, &0.2)), "r");
        assert_eq!(field(p.value_at(100.0, 0.0, 0.0, 0.0, &f64::NAN)), "vol");
        assert_eq!(field(p.payoff_at_expiry(-1.0)), "spot");
        let bad = Position {
            multiplier: 0.0,
            ..spread()
        };
        assert_eq!(
            field(bad.value_at(100.0, 0.0, 0.0, 0.0, &0.2)),
            "multiplier"
        );
        assert!(matches!(
            spread().with_premiums(&[1.0]),
            Err(PricingError::LengthMismatch {
                what: "premiums",
                got: 1,
                expected: 2
            })
        ));
        let cal = Position::new(vec![
            Leg::new(Put, 100.0, 0.1, -1.0, 1.0),
            Leg::new(Put, 100.0, 0.2, 1.0, 2.0),
        ])
        .unwrap();
        assert!(!cal.is_single_expiry());
        assert_eq!(field(cal.payoff_at_expiry(100.0)), "expiry");
        assert!(Position::new(vec![]).unwrap().payoff_profile().is_err());
    }

    #[test]
    fn model_premiums_make_the_pnl_today_zero() {
        let p = spread()
            .with_model_premiums(100.0, 0.03, 0.01, &0.2)
            .unwrap();
        // Shares were bought at 101, so today's P&L is the shares' 50·(101 − 100).
        let pnl = p.pnl_at(100.0, 0.0, 0.03, 0.01, &0.2).unwrap();
        assert!((pnl - 50.0).abs() < 1e-9, "{pnl}");
    }
}
