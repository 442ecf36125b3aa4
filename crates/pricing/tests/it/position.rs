//! Tests: multi-leg positions, strategy constructors and dealer gamma exposure.
//!
//! Payoff tables are worked out by hand in the comments (multiplier 100); the
//! references for the rest are named next to each check.

use proptest::prelude::*;
use thetalab_pricing::OptionRight::{self, Call, Put};
use thetalab_pricing::gex::{self, Chain};
use thetalab_pricing::position::strategies::{self, FlyagonalStrikes};
use thetalab_pricing::position::{Bound, ExpiryProfile, Leg, Position};
use thetalab_pricing::{OptionInputs, bsm, normal};

const T: f64 = 30.0 / 365.0;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// Checks `pnl_at_expiry(S)` against a hand-computed table.
fn table(p: &Position, rows: &[(f64, f64)]) {
    for &(s, want) in rows {
        let got = p
            .pnl_at_expiry(s)
            .unwrap_or_else(|e| panic!("S = {s}: {e}"));
        assert!(close(got, want, 1e-9), "S = {s}: P&L {got}, want {want}");
    }
}

fn finite(b: Bound) -> f64 {
    b.finite().unwrap_or(f64::NAN)
}

fn breakevens(p: &ExpiryProfile, want: &[f64]) {
    assert_eq!(
        p.breakevens.len(),
        want.len(),
        "{:?} vs {want:?}",
        p.breakevens
    );
    for (g, w) in p.breakevens.iter().zip(want) {
        assert!(close(*g, *w, 1e-12 * w), "breakeven {g}, want {w}");
    }
}

#[test]
fn verticals_debit_and_credit() {
    // Bull call 100/110: long 100C at 5.00, short 110C at 2.00, debit 3.00 (300).
    // S=90: −300; 100: −300; 105: 5·100 − 300 = 200; 110: 700; 120: 700. BE 103.
    let bull = strategies::vertical(Call, 100.0, 110.0, T, 1.0)
        .unwrap()
        .with_premiums(&[5.0, 2.0])
        .unwrap();
    assert!(close(bull.entry_cost(), 300.0, 1e-9));
    table(
        &bull,
        &[
            (90.0, -300.0),
            (100.0, -300.0),
            (105.0, 200.0),
            (110.0, 700.0),
            (120.0, 700.0),
        ],
    );
    let p = bull.payoff_profile().unwrap();
    breakevens(&p, &[103.0]);
    assert!(close(finite(p.max_profit), 700.0, 1e-9) && close(finite(p.max_loss), 300.0, 1e-9));

    // Bull put (credit) 90/100: long 90P at 1.00, short 100P at 3.50, credit 2.50.
    // S=80: 10·100 − 20·100 + 250 = −750; 90: −750; 95: −500 + 250 = −250; 100: 250; 120: 250.
    let bull_put = strategies::vertical(Put, 90.0, 100.0, T, 1.0)
        .unwrap()
        .with_premiums(&[1.0, 3.5])
        .unwrap();
    table(
        &bull_put,
        &[
            (80.0, -750.0),
            (90.0, -750.0),
            (95.0, -250.0),
            (100.0, 250.0),
            (120.0, 250.0),
        ],
    );
    let p = bull_put.payoff_profile().unwrap();
    breakevens(&p, &[97.5]);
    assert!(close(finite(p.max_profit), 250.0, 1e-9) && close(finite(p.max_loss), 750.0, 1e-9));
    assert!(strategies::vertical(Call, 100.0, 100.0, T, 1.0).is_err());
}

#[test]
fn iron_condor_breakevens_are_short_strikes_plus_minus_credit() {
    // 90/95/105/110 at 1.00, 2.20, 2.00, 0.90: net credit 2.30 (230).
    // S=85: +5·100 − 10·100 + 230 = −270; 90: −270; 95..105: 230; 107: −200 + 230 = 30;
    // 110: −270; 120: −270.
    let ic = strategies::iron_condor(90.0, 95.0, 105.0, 110.0, T, 1.0)
        .unwrap()
        .with_premiums(&[1.0, 2.2, 2.0, 0.9])
        .unwrap();
    table(
        &ic,
        &[
            (85.0, -270.0),
            (90.0, -270.0),
            (95.0, 230.0),
            (100.0, 230.0),
            (105.0, 230.0),
            (107.0, 30.0),
            (110.0, -270.0),
            (120.0, -270.0),
        ],
    );
    let p = ic.payoff_profile().unwrap();
    let credit = 2.2 + 2.0 - 1.0 - 0.9;
    breakevens(&p, &[95.0 - credit, 105.0 + credit]);
    assert!(close(finite(p.max_profit), 230.0, 1e-9) && close(finite(p.max_loss), 270.0, 1e-9));
    // Three contracts scale everything but the breakevens.
    let ic3 = strategies::iron_condor(90.0, 95.0, 105.0, 110.0, T, 3.0)
        .unwrap()
        .with_premiums(&[1.0, 2.2, 2.0, 0.9])
        .unwrap();
    let p3 = ic3.payoff_profile().unwrap();
    breakevens(&p3, &[95.0 - credit, 105.0 + credit]);
    assert!(close(finite(p3.max_loss), 810.0, 1e-9));
    assert!(strategies::iron_condor(95.0, 90.0, 105.0, 110.0, T, 1.0).is_err());
    assert!(strategies::iron_condor(90.0, 95.0, 105.0, 110.0, T, 0.0).is_err());
}

#[test]
fn iron_butterfly_table() {
    // 90/100/110 at 1.00, 4.00, 4.50, 1.20: credit 6.30 (630).
    // S=80: 10·100 − 20·100 + 630 = −370; 90: −370; 100: 630; 105: −500 + 630 = 130;
    // 110: −370; 120: −370. BE 100 ∓ 6.30.
    let ib = strategies::iron_butterfly(90.0, 100.0, 110.0, T, 1.0)
        .unwrap()
        .with_premiums(&[1.0, 4.0, 4.5, 1.2])
        .unwrap();
    table(
        &ib,
        &[
            (80.0, -370.0),
            (90.0, -370.0),
            (100.0, 630.0),
            (105.0, 130.0),
            (110.0, -370.0),
            (120.0, -370.0),
        ],
    );
    breakevens(&ib.payoff_profile().unwrap(), &[93.7, 106.3]);
}

#[test]
fn butterflies_balanced_and_broken_wing() {
    // Long call fly 90/100/110 at 12.00, 5.00, 1.50: debit 12 − 10 + 1.5 = 3.50 (350).
    // S=80: −350; 90: −350; 95: 500 − 350 = 150; 100: 650; 105: 1500 − 1000 − 350 = 150;
    // 110: −350; 120: 3000 − 4000 + 1000 − 350 = −350. BE 93.5, 106.5.
    let fly = strategies::butterfly(Call, 90.0, 100.0, 110.0, T, 1.0)
        .unwrap()
        .with_premiums(&[12.0, 5.0, 1.5])
        .unwrap();
    table(
        &fly,
        &[
            (80.0, -350.0),
            (90.0, -350.0),
            (95.0, 150.0),
            (100.0, 650.0),
            (105.0, 150.0),
            (110.0, -350.0),
            (120.0, -350.0),
        ],
    );
    let p = fly.payoff_profile().unwrap();
    breakevens(&p, &[93.5, 106.5]);
    assert!(close(finite(p.max_profit), 650.0, 1e-9) && close(finite(p.max_loss), 350.0, 1e-9));

    // Call broken-wing 100/110/115 at 6.00, 2.00, 1.00: debit 3.00 (300).
    // S=95: −300; 100: −300; 110: 1000 − 300 = 700; 115: 1500 − 1000 − 300 = 200;
    // 125: 2500 − 3000 + 1000 − 300 = 200 (flat above 115: (10 − 5)·100 − 300). One BE: 103.
    let bwb = strategies::butterfly(Call, 100.0, 110.0, 115.0, T, 1.0)
        .unwrap()
        .with_premiums(&[6.0, 2.0, 1.0])
        .unwrap();
    table(
        &bwb,
        &[
            (95.0, -300.0),
            (100.0, -300.0),
            (110.0, 700.0),
            (115.0, 200.0),
            (125.0, 200.0),
        ],
    );
    let p = bwb.payoff_profile().unwrap();
    breakevens(&p, &[103.0]);
    assert!(close(finite(p.max_profit), 700.0, 1e-9) && close(finite(p.max_loss), 300.0, 1e-9));

    // The same BWB opened for a 0.50 credit (5.00, 3.00, 0.50) cannot lose: no breakeven,
    // max loss −50 (a gain of 50 at worst), probability of profit 1.
    let free = strategies::butterfly(Call, 100.0, 110.0, 115.0, T, 1.0)
        .unwrap()
        .with_premiums(&[5.0, 3.0, 0.5])
        .unwrap();
    let p = free.payoff_profile().unwrap();
    assert!(p.breakevens.is_empty());
    assert!(close(finite(p.max_loss), -50.0, 1e-9) && close(finite(p.max_profit), 1050.0, 1e-9));
    assert!(close(
        p.probability_of_profit(100.0, 0.3, 0.0).unwrap(),
        1.0,
        1e-15
    ));
    assert!(strategies::butterfly(Put, 100.0, 100.0, 110.0, T, 1.0).is_err());
}

#[test]
fn straddles_and_strangles() {
    // Long 100 straddle, call 4.00 + put 3.50 = 7.50 (750).
    // S=80: 2000 − 750 = 1250; 92.5: 0; 100: −750; 107.5: 0; 120: 1250.
    let st = strategies::straddle(100.0, T, 1.0)
        .unwrap()
        .with_premiums(&[4.0, 3.5])
        .unwrap();
    table(
        &st,
        &[
            (80.0, 1250.0),
            (92.5, 0.0),
            (100.0, -750.0),
            (107.5, 0.0),
            (120.0, 1250.0),
        ],
    );
    let p = st.payoff_profile().unwrap();
    breakevens(&p, &[92.5, 107.5]);
    assert_eq!(p.max_profit, Bound::Unbounded);
    assert!(close(finite(p.max_loss), 750.0, 1e-9));
    // Short: the mirror image.
    let short = strategies::straddle(100.0, T, -1.0)
        .unwrap()
        .with_premiums(&[4.0, 3.5])
        .unwrap();
    let p = short.payoff_profile().unwrap();
    assert_eq!(p.max_loss, Bound::Unbounded);
    assert!(close(finite(p.max_profit), 750.0, 1e-9));
    breakevens(&p, &[92.5, 107.5]);

    // Long 95/105 strangle, put 1.50 + call 2.00 = 3.50 (350).
    // S=80: 1500 − 350 = 1150; 91.5: 0; 95..105: −350; 108.5: 0; 120: 1150.
    let sg = strategies::strangle(95.0, 105.0, T, 1.0)
        .unwrap()
        .with_premiums(&[1.5, 2.0])
        .unwrap();
    table(
        &sg,
        &[
            (80.0, 1150.0),
            (91.5, 0.0),
            (95.0, -350.0),
            (100.0, -350.0),
            (105.0, -350.0),
            (108.5, 0.0),
            (120.0, 1150.0),
        ],
    );
    breakevens(&sg.payoff_profile().unwrap(), &[91.5, 108.5]);
    assert!(strategies::strangle(105.0, 95.0, T, 1.0).is_err());
}

#[test]
fn stock_and_option_combinations() {
    // Covered call: 100 shares at 100, short 105C at 2.00.
    // S=0: −10000 + 200 = −9800; 90: −800; 98: 0; 105: 500 + 200 = 700; 120: 700.
    let cc = strategies::covered_call(100.0, 105.0, T, 1.0)
        .unwrap()
        .with_premiums(&[2.0])
        .unwrap();
    table(
        &cc,
        &[
            (0.0, -9800.0),
            (90.0, -800.0),
            (98.0, 0.0),
            (105.0, 700.0),
            (120.0, 700.0),
        ],
    );
    let p = cc.payoff_profile().unwrap();
    breakevens(&p, &[98.0]);
    assert!(close(finite(p.max_profit), 700.0, 1e-9) && close(finite(p.max_loss), 9800.0, 1e-9));

    // Protective put: 100 shares at 100, long 95P at 2.00 (cost 10200).
    // S=0: 9500 − 10200 = −700; 90: −700; 95: −700; 102: 0; 120: 1800.
    let pp = strategies::protective_put(100.0, 95.0, T, 1.0)
        .unwrap()
        .with_premiums(&[2.0])
        .unwrap();
    table(
        &pp,
        &[
            (0.0, -700.0),
            (90.0, -700.0),
            (95.0, -700.0),
            (102.0, 0.0),
            (120.0, 1800.0),
        ],
    );
    let p = pp.payoff_profile().unwrap();
    assert_eq!(p.max_profit, Bound::Unbounded);
    assert!(close(finite(p.max_loss), 700.0, 1e-9));
    breakevens(&p, &[102.0]);

    // Collar: 100 shares at 100, long 95P at 2.00, short 110C at 2.50 (cost 9950).
    // S=0: −450; 95: −450; 99.5: 0; 110: 1050; 130: 1050.
    let col = strategies::collar(100.0, 95.0, 110.0, T, 1.0)
        .unwrap()
        .with_premiums(&[2.0, 2.5])
        .unwrap();
    table(
        &col,
        &[
            (0.0, -450.0),
            (95.0, -450.0),
            (99.5, 0.0),
            (110.0, 1050.0),
            (130.0, 1050.0),
        ],
    );
    let p = col.payoff_profile().unwrap();
    breakevens(&p, &[99.5]);
    assert!(close(finite(p.max_profit), 1050.0, 1e-9) && close(finite(p.max_loss), 450.0, 1e-9));
}

#[test]
fn covered_call_is_a_short_put_by_put_call_parity() {
    // At expiry S − max(S − K, 0) = K − max(K − S, 0) (Hull, 10th ed., §11.4), so with
    // premiums from BSM (which satisfy parity c − p = S − K e^{−rT} e^{...}; here r = q = 0:
    // c − p = S − K) and shares bought at spot, the two P&Ls coincide everywhere.
    let (s0, k, sigma) = (100.0, 105.0, 0.25);
    let cc = strategies::covered_call(s0, k, T, 1.0)
        .unwrap()
        .with_model_premiums(s0, 0.0, 0.0, &sigma)
        .unwrap();
    let sp = Position::new(vec![Leg::new(Put, k, T, -1.0, 0.0)])
        .unwrap()
        .with_model_premiums(s0, 0.0, 0.0, &sigma)
        .unwrap();
    for s in [0.0, 50.0, 90.0, 100.0, 105.0, 110.0, 200.0] {
        let (a, b) = (cc.pnl_at_expiry(s).unwrap(), sp.pnl_at_expiry(s).unwrap());
        assert!(close(a, b, 1e-9), "S={s}: {a} vs {b}");
    }
    let (a, b) = (cc.payoff_profile().unwrap(), sp.payoff_profile().unwrap());
    assert!(close(a.breakevens[0], b.breakevens[0], 1e-10));
    assert!(close(finite(a.max_loss), finite(b.max_loss), 1e-9));
    // And before expiry too, for any spot and time (parity holds for BSM values).
    for s in [90.0, 100.0, 115.0] {
        let (a, b) = (
            cc.pnl_at(s, 0.03, 0.0, 0.0, &sigma).unwrap(),
            sp.pnl_at(s, 0.03, 0.0, 0.0, &sigma).unwrap(),
        );
        assert!(close(a, b, 1e-9), "S={s}: {a} vs {b}");
    }
}

#[test]
fn value_at_expiry_equals_payoff_for_every_constructor() {
    let all = [
        strategies::vertical(Put, 100.0, 95.0, T, 2.0).unwrap(),
        strategies::iron_condor(90.0, 95.0, 105.0, 110.0, T, -1.0).unwrap(),
        strategies::butterfly(Put, 90.0, 97.0, 100.0, T, 1.0).unwrap(),
        strategies::strangle(95.0, 105.0, T, -3.0).unwrap(),
        strategies::collar(98.0, 95.0, 110.0, T, 2.0).unwrap(),
    ];
    for p in &all {
        let p = p
            .clone()
            .with_model_premiums(100.0, 0.04, 0.01, &0.3)
            .unwrap();
        for s in [60.0, 93.0, 100.0, 101.5, 140.0] {
            let v = p.value_at(s, T, 0.04, 0.01, &0.3).unwrap();
            assert!(close(v, p.payoff_at_expiry(s).unwrap(), 1e-9));
            // Just before expiry the value converges to the payoff (time value at the
            // money ≈ 0.4·S·σ·√τ per share: 1.2e-5 at τ = 1e-12).
            let v = p.value_at(s, T - 1e-12, 0.04, 0.01, &0.3).unwrap();
            assert!(close(v, p.payoff_at_expiry(s).unwrap(), 1e-2), "S={s}: {v}");
        }
    }
}

#[test]
fn net_greeks_are_the_sum_of_the_legs() {
    let (s, t, r, q, v) = (101.0, 0.01, 0.04, 0.015, 0.22);
    let p = strategies::collar(100.0, 95.0, 110.0, T, 3.0).unwrap();
    let g = p.net_greeks(s, t, r, q, &v).unwrap();
    // Independent sum: bsm::greeks for each leg × qty × 100, plus 300 shares.
    let put = bsm::greeks(&OptionInputs::new(Put, s, 95.0, T - t, r, q, v));
    let call = bsm::greeks(&OptionInputs::new(Call, s, 110.0, T - t, r, q, v));
    let want = put.times(300.0) + call.times(-300.0);
    assert!(close(g.delta, want.delta + 300.0, 1e-9));
    assert!(close(g.price, want.price + 300.0 * s, 1e-8));
    for (a, b) in [
        (g.gamma, want.gamma),
        (g.vega, want.vega),
        (g.theta, want.theta),
        (g.vanna, want.vanna),
        (g.charm, want.charm),
        (g.rho_q, want.rho_q),
    ] {
        assert!(close(a, b, 1e-9 * b.abs().max(1.0)), "{a} vs {b}");
    }
    let legs = p.leg_greeks(s, t, r, q, &v).unwrap();
    assert!(close(legs[0].gamma + legs[1].gamma, g.gamma, 1e-12));
}

#[test]
fn long_call_extremes_and_probability_of_profit() {
    // Long 100C bought at 4.00: max loss 400 (the premium), max profit unbounded.
    let lc = Position::new(vec![Leg::new(Call, 100.0, 0.5, 1.0, 4.0)]).unwrap();
    let p = lc.payoff_profile().unwrap();
    assert_eq!(p.max_profit, Bound::Unbounded);
    assert!(close(finite(p.max_loss), 400.0, 1e-12));
    // PoP = P(S_T > 104) = N(d₂) at strike 104 with μ = r (Hull, 10th ed., §15.8).
    let (s, sigma, r) = (100.0, 0.2, 0.05);
    let d2 = ((s / 104.0_f64).ln() + (r - 0.5 * sigma * sigma) * 0.5) / (sigma * 0.5_f64.sqrt());
    assert!(close(
        lc.probability_of_profit(s, sigma, r, r, 0.0, &sigma)
            .unwrap(),
        normal::cdf(d2),
        1e-15
    ));
}

/// xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators,
/// scrambled", 2016) and Box–Muller, written out here so the test has no RNG dependency.
struct Rng(u64);
impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

#[test]
fn probability_of_profit_matches_monte_carlo() {
    // Iron condor and broken-wing butterfly; S_T = S e^{(μ − σ²/2)T + σ√T Z}.
    let ic = strategies::iron_condor(90.0, 95.0, 105.0, 110.0, T, 1.0)
        .unwrap()
        .with_premiums(&[1.0, 2.2, 2.0, 0.9])
        .unwrap();
    let bwb = strategies::butterfly(Call, 100.0, 110.0, 115.0, T, 1.0)
        .unwrap()
        .with_premiums(&[6.0, 2.0, 1.0])
        .unwrap();
    let (s, sigma, mu) = (100.0, 0.3, 0.08);
    let n = 200_000;
    for p in [ic, bwb] {
        let exact = p
            .payoff_profile()
            .unwrap()
            .probability_of_profit(s, sigma, mu)
            .unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let hits = (0..n)
            .filter(|_| {
                let st =
                    s * ((mu - 0.5 * sigma * sigma) * T + sigma * T.sqrt() * rng.normal()).exp();
                p.pnl_at_expiry(st).unwrap() > 0.0
            })
            .count();
        let mc = hits as f64 / n as f64;
        let se = (mc * (1.0 - mc) / n as f64).sqrt();
        assert!(
            (exact - mc).abs() < 4.0 * se,
            "exact {exact}, Monte Carlo {mc} ± {se}"
        );
    }
}

#[test]
fn calendar_and_diagonal_at_the_front_expiry() {
    let (near, far, r, q, sigma) = (30.0 / 365.0, 60.0 / 365.0, 0.04, 0.01, 0.2);
    let cal = strategies::calendar(Call, 100.0, near, far, 1.0)
        .unwrap()
        .with_model_premiums(100.0, r, q, &sigma)
        .unwrap();
    assert!(!cal.is_single_expiry());
    // At the near expiry: far call by BSM with 30 days left minus the near call's intrinsic.
    for s in [0.0, 80.0, 100.0, 120.0] {
        let far_call = if s == 0.0 {
            0.0
        } else {
            bsm::price(&OptionInputs::new(Call, s, 100.0, far - near, r, q, sigma))
        };
        let want = 100.0 * (far_call - (s - 100.0_f64).max(0.0));
        assert!(
            close(cal.front_expiry_value(s, r, q, &sigma).unwrap(), want, 1e-9),
            "S={s}"
        );
        if s > 0.0 {
            assert!(close(
                cal.value_at(s, near, r, q, &sigma).unwrap(),
                want,
                1e-9
            ));
        }
    }
    let p = cal.expiry_profile(r, q, &sigma).unwrap();
    assert!(!p.exact);
    assert_eq!(p.breakevens.len(), 2);
    for &b in &p.breakevens {
        assert!(
            cal.front_expiry_pnl(b, r, q, &sigma).unwrap().abs() < 1e-6,
            "P&L at breakeven {b}"
        );
    }
    // Max profit at the strike (the far call's time value peaks at the money, the near
    // call is worth nothing there); brute force on a 0.001 grid agrees.
    let brute = (80_000..120_000)
        .map(|i| cal.front_expiry_pnl(i as f64 * 1e-3, r, q, &sigma).unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(
        close(finite(p.max_profit), brute, 1e-6),
        "{:?} vs {brute}",
        p.max_profit
    );
    assert!(finite(p.max_profit) >= brute - 1e-9);
    // With q > 0 the far call's delta e^{−qτ} < 1 leaves a tiny net short delta far up:
    // unbounded loss in the model. Without dividends the loss is bounded by the debit.
    assert_eq!(p.max_loss, Bound::Unbounded);
    let cal0 = strategies::calendar(Call, 100.0, near, far, 1.0)
        .unwrap()
        .with_model_premiums(100.0, r, 0.0, &sigma)
        .unwrap();
    let p0 = cal0.expiry_profile(r, 0.0, &sigma).unwrap();
    assert!(
        finite(p0.max_loss) <= cal0.entry_cost() + 1e-9,
        "{:?}",
        p0.max_loss
    );
    // PoP is between the probabilities at the two breakevens (risk-neutral, flat vol).
    let pop = cal
        .probability_of_profit(100.0, sigma, r - q, r, q, &sigma)
        .unwrap();
    let z =
        |x: f64| ((x / 100.0).ln() - (r - q - 0.5 * sigma * sigma) * near) / (sigma * near.sqrt());
    let want = normal::cdf(z(p.breakevens[1])) - normal::cdf(z(p.breakevens[0]));
    assert!(close(pop, want, 1e-12), "{pop} vs {want}");

    // Put diagonal: short 95P near, long 90P far; the exact-profile call refuses it.
    let diag = strategies::diagonal(Put, 95.0, near, 90.0, far, 1.0).unwrap();
    assert!(diag.payoff_profile().is_err());
    let v = diag.front_expiry_value(92.0, r, q, &sigma).unwrap();
    let want =
        100.0 * (bsm::price(&OptionInputs::new(Put, 92.0, 90.0, far - near, r, q, sigma)) - 3.0);
    assert!(close(v, want, 1e-9));
    assert!(strategies::calendar(Call, 100.0, far, near, 1.0).is_err());
}

#[test]
fn flyagonal_legs_and_profile() {
    // SPX-like at 5000: call BWB 5010/5050/5060 (front, 9 days), put diagonal short 4950
    // front / long 4930 back (18 days).
    let (front, back, r, q, sigma) = (9.0 / 365.0, 18.0 / 365.0, 0.045, 0.013, 0.15);
    let k = FlyagonalStrikes {
        call_lower: 5010.0,
        call_middle: 5050.0,
        call_upper: 5060.0,
        put_short: 4950.0,
        put_long: 4930.0,
    };
    let fg = strategies::flyagonal(k, front, back, 1.0)
        .unwrap()
        .with_model_premiums(5000.0, r, q, &sigma)
        .unwrap();
    let shape: Vec<(OptionRight, f64, f64, f64)> = fg
        .legs
        .iter()
        .map(|l| (l.right, l.strike, l.expiry, l.qty))
        .collect();
    assert_eq!(
        shape,
        vec![
            (Call, 5010.0, front, 1.0),
            (Call, 5050.0, front, -2.0),
            (Call, 5060.0, front, 1.0),
            (Put, 4950.0, front, -1.0),
            (Put, 4930.0, back, 1.0),
        ]
    );
    // Front-expiry value at 5050 (tent peak): 40·100 from the BWB, the short put expires
    // worthless, the long put by BSM with 9 days left.
    let want = 100.0
        * (40.0
            + bsm::price(&OptionInputs::new(
                Put,
                5050.0,
                4930.0,
                back - front,
                r,
                q,
                sigma,
            )));
    assert!(close(
        fg.front_expiry_value(5050.0, r, q, &sigma).unwrap(),
        want,
        1e-8
    ));
    let p = fg.expiry_profile(r, q, &sigma).unwrap();
    for &b in &p.breakevens {
        assert!(fg.front_expiry_pnl(b, r, q, &sigma).unwrap().abs() < 1e-5);
    }
    // Above 5060 the calls pay (5050 − 5010) − (5060 − 5050) = 30 points and the puts
    // nothing: P&L → 3000 − entry cost, bounded both ways.
    assert!(p.max_loss.finite().is_some() && p.max_profit.finite().is_some());
    let far_up = fg.front_expiry_pnl(8000.0, r, q, &sigma).unwrap();
    assert!(close(far_up, 3000.0 - fg.entry_cost(), 1e-6), "{far_up}");
    assert_eq!(p.profit_intervals.last().map(|i| i.1), Some(f64::INFINITY));
    assert!(
        strategies::flyagonal(
            FlyagonalStrikes {
                put_short: 5020.0,
                ..k
            },
            front,
            back,
            1.0
        )
        .is_err()
    );
    assert!(strategies::flyagonal(k, back, front, 1.0).is_err());
}

#[test]
fn gex_sign_convention_on_a_two_contract_chain() {
    // Call and put at K = 100, S = 100, T = 0.25, σ = 0.2, r = q = 0:
    // d₁ = (0 + 0.02·0.25)/(0.2·0.5) = 0.05, φ(0.05) = 0.398942280401·e^{−0.00125}
    //    = 0.398443914094764, Γ = φ(d₁)/(S σ √T) = 0.0398443914094764.
    // Call OI 1000: +Γ·1000·100·100²·0.01 = +Γ·10⁷ = +398 443.914094764;
    // put OI 500: −199 221.957047382; total +199 221.957047382 (dealers long gamma).
    let chain = Chain {
        strike: &[100.0, 100.0],
        right: &[Call, Put],
        open_interest: &[1000.0, 500.0],
        iv: &[0.2, 0.2],
        t: &[0.25, 0.25],
    };
    let g = gex::gex(&chain, 100.0, 0.0, 0.0, 100.0).unwrap();
    assert_eq!(g.strikes, vec![100.0]);
    assert!(close(g.call[0], 398_443.914_094_764, 1e-7), "{}", g.call[0]);
    assert!(close(g.put[0], -199_221.957_047_382, 1e-7), "{}", g.put[0]);
    assert!(close(g.total, 199_221.957_047_382, 1e-7));
    // The same from supplied gammas.
    let gamma = 0.039_844_391_409_476_4;
    let h = gex::gex_from_gamma(
        &[100.0, 100.0],
        &[Call, Put],
        &[1000.0, 500.0],
        &[gamma, gamma],
        100.0,
        100.0,
    )
    .unwrap();
    assert!(close(h.total, g.total, 1e-8));
}

#[test]
fn zero_gamma_level_is_a_sign_change_of_total_gex() {
    // Heavy put OI at 95 and 90 (short gamma below), calls at 105 and 110.
    let t = [20.0 / 365.0, 20.0 / 365.0, 50.0 / 365.0, 20.0 / 365.0];
    let chain = Chain {
        strike: &[90.0, 95.0, 105.0, 110.0],
        right: &[Put, Put, Call, Call],
        open_interest: &[4000.0, 6000.0, 5000.0, 3000.0],
        iv: &[0.30, 0.26, 0.20, 0.19],
        t: &t,
    };
    let (spot, r, q) = (100.0, 0.04, 0.01);
    let flip = gex::zero_gamma_level(&chain, spot, r, q, 100.0, 0.2)
        .unwrap()
        .unwrap();
    assert!(flip > 90.0 && flip < 110.0, "{flip}");
    let at = |x: f64| gex::total_gex(&chain, x, r, q, 100.0).unwrap();
    let scale = gex::gex(&chain, spot, r, q, 100.0)
        .unwrap()
        .call
        .iter()
        .sum::<f64>();
    assert!(at(flip).abs() < 1e-9 * scale, "GEX at flip {}", at(flip));
    assert!(at(flip - 0.01) < 0.0 && at(flip + 0.01) > 0.0);
    // All calls: never negative, no flip.
    let calls = Chain {
        right: &[Call; 4],
        ..chain
    };
    assert_eq!(
        gex::zero_gamma_level(&calls, spot, r, q, 100.0, 0.2).unwrap(),
        None
    );
}

/// A random single-expiry position: 1–5 legs on strikes 80..120 (step 0.5), integer
/// quantities −3..3 (non-zero), premiums 0..10, and −200..200 shares at 100.
fn arb_position() -> impl Strategy<Value = Position> {
    let leg = (any::<bool>(), 160u32..240, -3i32..=3, 0.0..10.0f64).prop_filter_map(
        "qty 0",
        |(call, k, n, prem)| {
            (n != 0).then(|| {
                Leg::new(
                    if call { Call } else { Put },
                    f64::from(k) * 0.5,
                    T,
                    f64::from(n),
                    prem,
                )
            })
        },
    );
    (prop::collection::vec(leg, 1..6), -2i32..=2).prop_map(|(legs, sh)| {
        Position::new(legs)
            .and_then(|p| p.with_shares(f64::from(sh) * 100.0, 100.0))
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn breakevens_are_roots_and_split_the_line_into_constant_signs(p in arb_position()) {
        let prof = p.payoff_profile().unwrap();
        let scale = 100.0 * p.legs.iter().map(|l| l.qty.abs() * (l.strike + l.premium)).sum::<f64>() + 200.0 * 100.0;
        for &b in &prof.breakevens {
            let f = p.pnl_at_expiry(b).unwrap();
            prop_assert!(f.abs() <= 1e-12 * scale, "P&L({b}) = {f}");
        }
        // Sample inside each gap (and beyond the last breakeven): one sign per gap, and
        // it agrees with the profit intervals.
        let mut edges = vec![0.0];
        edges.extend(&prof.breakevens);
        edges.push(prof.breakevens.last().copied().unwrap_or(0.0).max(130.0) * 2.0);
        for w in edges.windows(2) {
            let pts: Vec<f64> = (1..20).map(|i| w[0] + (w[1] - w[0]) * f64::from(i) / 20.0).collect();
            let signs: Vec<bool> = pts.iter().map(|&x| p.pnl_at_expiry(x).unwrap() > 0.0).collect();
            prop_assert!(signs.iter().all(|&s| s == signs[0]), "gap {w:?}: {signs:?}");
            let mid = pts[9];
            let inside = prof.profit_intervals.iter().any(|&(lo, hi)| lo < mid && mid < hi);
            prop_assert_eq!(inside, signs[0]);
        }
        // Extremes bound every sampled P&L and are attained at 0 or a strike.
        for i in 0..=400 {
            let f = p.pnl_at_expiry(f64::from(i) * 0.5).unwrap();
            if let Bound::Finite(mx) = prof.max_profit { prop_assert!(f <= mx + 1e-9 * scale); }
            if let Bound::Finite(ml) = prof.max_loss { prop_assert!(f >= -ml - 1e-9 * scale); }
        }
    }
}
