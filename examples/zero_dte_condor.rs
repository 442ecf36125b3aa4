//! A 0DTE SPX iron condor, sized up before the open of the trade.
//!
//! `cargo run --release --example zero_dte_condor [-- SPOT VOL_ATM MINUTES_TO_CLOSE]`
//!
//! Builds a skewed raw-SVI smile for the day's expiry around an ATM vol, picks the short
//! strikes at ±10 delta and 25-point wings on the 5-point SPX strike grid, prices every
//! leg off the smile, and prints what a trader checks before sending the order: credit,
//! breakevens, max profit and loss, probability of profit, net Greeks (per day and per
//! vol point) and the P&L across spot now and at the close.

use thetalab::pricing::position::{Bound, strategies};
use thetalab::pricing::smile::{SviParams, SviSlice};
use thetalab::pricing::{OptionInputs, OptionRight, TimeUnit, VolSurface, VolUnit, bsm};

const MINUTES_PER_YEAR: f64 = 365.0 * 24.0 * 60.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<f64> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let spot = args.first().copied().unwrap_or(5000.0);
    let atm_vol = args.get(1).copied().unwrap_or(0.14);
    let minutes = args.get(2).copied().unwrap_or(360.0); // 10:00 ET entry
    let (r, q) = (0.045, 0.013);
    let t = minutes / MINUTES_PER_YEAR;
    let fwd = spot * ((r - q) * t).exp();

    // An illustrative 0DTE smile in raw SVI: total variance σ²T at the money (w(0) = a + bσ
    // with m = 0), a steep put skew (ρ = −0.7) and a smile width σ of 0.4% in
    // log-moneyness. Fit your own with `thetalab::pricing::smile::fit_svi`.
    let w_atm = atm_vol * atm_vol * t;
    let sig = 0.004;
    let b = w_atm / (sig * 2.0);
    let params = SviParams::new(w_atm - b * sig, b, -0.7, 0.0, sig)?;
    let smile = SviSlice::new(params, t, fwd)?;

    // Short strikes at ±10 delta on the 5-point grid, wings 25 points out.
    let grid = |k: f64| (k / 5.0).round() * 5.0;
    let delta_of = |right: OptionRight, k: f64| {
        let v = smile.vol(fwd, k, t);
        bsm::price_delta(&OptionInputs::new(right, spot, k, t, r, q, v)).1
    };
    let find = |right: OptionRight, target: f64| {
        let mut k = spot;
        let step = if right == OptionRight::Call {
            5.0
        } else {
            -5.0
        };
        while delta_of(right, k).abs() > target && (k - spot).abs() < 0.2 * spot {
            k += step;
        }
        grid(k)
    };
    let (ps, cs) = (find(OptionRight::Put, 0.10), find(OptionRight::Call, 0.10));
    let (pl, cl) = (ps - 25.0, cs + 25.0);

    let ic =
        strategies::iron_condor(pl, ps, cs, cl, t, 1.0)?.with_model_premiums(spot, r, q, &smile)?;
    let profile = ic.payoff_profile()?;
    let pop = profile.probability_of_profit(spot, atm_vol, r - q)?;
    let g = ic
        .net_greeks(spot, 0.0, r, q, &smile)?
        .scaled(TimeUnit::CalendarDay, VolUnit::Point);

    println!(
        "0DTE SPX iron condor  spot {spot:.2}  ATM vol {:.1}%  {minutes:.0} min to the close",
        100.0 * atm_vol
    );
    println!("legs (sold 1 condor):");
    for leg in &ic.legs {
        println!(
            "  {:>5} {:>4} {:>7.0}  premium {:>6.2}  iv {:>5.1}%",
            if leg.qty > 0.0 { "long" } else { "short" },
            leg.right,
            leg.strike,
            leg.premium,
            100.0 * smile.vol(fwd, leg.strike, t)
        );
    }
    let bound = |b: Bound| match b {
        Bound::Finite(x) => format!("{x:.2}"),
        Bound::Unbounded => "unbounded".to_string(),
    };
    println!("credit            {:>10.2}", -ic.entry_cost());
    println!(
        "breakevens        {:>10.2} / {:.2}",
        profile.breakevens[0],
        profile.breakevens[profile.breakevens.len() - 1]
    );
    println!("max profit        {:>10}", bound(profile.max_profit));
    println!("max loss          {:>10}", bound(profile.max_loss));
    println!(
        "P(profit)         {:>9.1}%  (lognormal at the ATM vol, risk-neutral drift)",
        100.0 * pop
    );
    println!(
        "net Greeks        delta {:.3}  gamma {:.4}  theta/day {:.2}  vega/pt {:.2}",
        g.delta, g.gamma, g.theta, g.vega
    );
    println!("\n{:>9} {:>12} {:>12}", "spot", "P&L now", "P&L close");
    for i in -6..=6 {
        let s = spot * (1.0 + 0.0025 * f64::from(i));
        println!(
            "{s:>9.1} {:>12.2} {:>12.2}",
            ic.pnl_at(s, 0.0, r, q, &smile)?,
            ic.pnl_at_expiry(s)?
        );
    }
    Ok(())
}
