//! P&L attribution of one option leg over one step (snapshot to snapshot).
//!
//! A second-order Taylor expansion of the BSM value in the underlying, first order in
//! time and volatility (Hull, *Options, Futures and Other Derivatives*, 10th ed.,
//! §19.8 and §19.10 "Taylor series expansions"): with the Greeks of the *previous*
//! snapshot (its spot, time to settlement and the leg's implied vol then),
//!
//! `ΔV ≈ Δ·ΔS + ½Γ·ΔS² + Θ·Δt + ν·Δσ`
//!
//! per share, where `Δt` is the calendar time elapsed (years, ACT/365 in nanoseconds, the
//! convention of [`thetalab_strategy::options::ChainView`]), `Δσ` the change of the leg's
//! implied vol (0 when it has no quote now or at settlement), and `Θ` the pricing crate's
//! theta per year of time passing. The engine sums these × ratio × units × multiplier
//! per trade; the residual is the trade's actual P&L before fees minus the sum (higher
//! orders, the spread paid at the fills, jumps to settlement).

use thetalab_core::OptionRight;
use thetalab_pricing::{OptionInputs, bsm};

/// The explained change per share of one long option over one step, split as
/// `[delta, gamma, theta, vega]`; zeros when the previous state cannot be priced
/// (no vol, expired, non-finite input).
#[must_use]
#[allow(clippy::too_many_arguments)]
pub fn leg_step(
    right: OptionRight,
    strike: f64,
    spot_prev: f64,
    years_prev: f64,
    iv_prev: Option<f64>,
    rate: f64,
    dividend_yield: f64,
    d_spot: f64,
    d_years: f64,
    d_vol: f64,
) -> [f64; 4] {
    let Some(sigma) = iv_prev.filter(|v| v.is_finite() && *v > 0.0) else {
        return [0.0; 4];
    };
    if !(years_prev > 0.0 && spot_prev > 0.0 && strike > 0.0) {
        return [0.0; 4];
    }
    let g = bsm::greeks(&OptionInputs::new(
        right,
        spot_prev,
        strike,
        years_prev,
        rate,
        dividend_yield,
        sigma,
    ));
    let parts = [
        g.delta * d_spot,
        0.5 * g.gamma * d_spot * d_spot,
        g.theta * d_years,
        g.vega * d_vol,
    ];
    if parts.iter().all(|x| x.is_finite()) {
        parts
    } else {
        [0.0; 4]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn small_moves_are_explained() {
        // A 30-day ATM call: a 1-point move, one hour, +0.5 vol point. The Taylor sum
        // must match the exact BSM repricing to second order.
        let (s, k, t, r, q, v) = (100.0, 100.0, 30.0 / 365.0, 0.03, 0.01, 0.2);
        let (ds, dt, dv) = (1.0, 1.0 / (365.0 * 24.0), 0.005);
        let p0 = bsm::price(&OptionInputs::new(OptionRight::Call, s, k, t, r, q, v));
        let p1 = bsm::price(&OptionInputs::new(
            OptionRight::Call,
            s + ds,
            k,
            t - dt,
            r,
            q,
            v + dv,
        ));
        let parts = leg_step(OptionRight::Call, k, s, t, Some(v), r, q, ds, dt, dv);
        let explained: f64 = parts.iter().sum();
        assert!(
            ((p1 - p0) - explained).abs() < 0.01,
            "{} vs {}",
            p1 - p0,
            explained
        );
        assert!(parts[0] > 0.0 && parts[1] > 0.0 && parts[2] < 0.0 && parts[3] > 0.0);
        assert_eq!(
            leg_step(OptionRight::Put, k, s, 0.0, Some(v), r, q, ds, dt, dv),
            [0.0; 4]
        );
    }
}
