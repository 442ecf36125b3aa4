//! Implied volatility: round trips over a wide grid, typed bound errors, and an
//! independent bisection.

use thetalab_pricing::{
    OptionInputs, OptionRight, PriceBound, PricingError, bachelier, black76, bsm, iv,
};

use OptionRight::{Call, Put};

const MINUTE: f64 = 1.0 / (365.0 * 24.0 * 60.0);

/// Round trips over T from one minute to five years and σ from 0.01 to 5 (the issue's
/// grid), strikes from deep ITM to deep OTM. Where the price carries information about
/// σ (vega·σ above the price's own rounding), the solved vol must be within a few ulps
/// of the conditioning limit `ε·price/vega`; where it carries none (price underflows
/// or equals intrinsic to the last bit) the solver must say so with a typed error.
#[test]
fn bsm_round_trip_grid_to_machine_precision() {
    let ts = [
        MINUTE,
        5.0 * MINUTE,
        1.0 / 365.0,
        7.0 / 365.0,
        30.0 / 365.0,
        0.25,
        1.0,
        2.0,
        5.0,
    ];
    let vols = [0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 3.0, 5.0];
    let ms = [0.5, 0.8, 0.9, 0.97, 0.995, 1.0, 1.005, 1.03, 1.1, 1.25, 2.0];
    let (mut solved, mut flagged) = (0, 0);
    for &t in &ts {
        for &v in &vols {
            for &m in &ms {
                for right in [Call, Put] {
                    let o = OptionInputs::new(right, 100.0, 100.0 * m, t, 0.03, 0.01, v);
                    let g = bsm::greeks(&o);
                    match iv::bsm(g.price, &o) {
                        Ok(got) => {
                            solved += 1;
                            // Conditioning: the price formula's two terms are of size ~S, so
                            // the price is known to ~ε·(P + S) absolute, which moves σ by
                            // ε·(P + S)/vega. (Near the money at one minute this dominates.)
                            let cond =
                                f64::EPSILON * (g.price + 100.0) / g.vega.max(f64::MIN_POSITIVE);
                            let err = (got - v).abs();
                            assert!(
                                err <= 1e-13 * v + 64.0 * cond,
                                "T={t} σ={v} m={m} {right}: got {got}, err {err}, cond {cond}"
                            );
                            // Repricing is exact to a few ulps of the larger term of the
                            // formula (S e^{−qT}N(d1) and K e^{−rT}N(d2) cancel in the money,
                            // which bounds the precision of the price itself).
                            let back = bsm::price(&o.with_sigma(got));
                            assert!(
                                (back - g.price).abs()
                                    <= 16.0 * f64::EPSILON * (g.price + 100.0 * m),
                                "reprice {back} vs {}",
                                g.price
                            );
                        }
                        Err(PricingError::PriceOutOfBounds {
                            which: PriceBound::AtIntrinsic,
                            ..
                        }) => {
                            // No information left: the time value is below the price's ulp.
                            flagged += 1;
                            let intrinsic = (right.sign()
                                * (100.0 * (-0.01 * t).exp() - 100.0 * m * (-0.03 * t).exp()))
                            .max(0.0);
                            assert!(
                                g.price - intrinsic <= 8.0 * f64::EPSILON * (g.price + 100.0 * m),
                                "flagged a price with time value: {o:?}"
                            );
                        }
                        // Prices at the edge of the f64 range (~1e-300) cannot be inverted;
                        // the solver says so instead of returning garbage.
                        Err(PricingError::NoConvergence { price }) if price < 1e-280 => {
                            flagged += 1
                        }
                        Err(e) => panic!("T={t} σ={v} m={m} {right}: {e}"),
                    }
                }
            }
        }
    }
    assert!(solved > 1300, "solved {solved}, flagged {flagged}");
}

#[test]
fn zero_dte_one_minute_works() {
    // SPX 0DTE, one minute before the close, 10 points OTM, 20% vol.
    let o = OptionInputs::new(Put, 5000.0, 4990.0, MINUTE, 0.05, 0.0, 0.20);
    let p = bsm::price(&o);
    assert!(p > 0.0);
    let v = iv::bsm(p, &o).unwrap();
    assert!((v - 0.20).abs() < 1e-12, "{v}");
}

#[test]
fn black76_and_bachelier_round_trip() {
    for &t in &[MINUTE, 0.1, 1.0, 5.0] {
        for &k in &[80.0, 99.0, 100.0, 101.0, 130.0] {
            for right in [Call, Put] {
                let o = OptionInputs::new(right, 100.0, k, t, 0.02, 0.0, 0.3);
                let p = black76::price(&o);
                if let Ok(v) = iv::black76(p, &o) {
                    assert!(
                        (black76::price(&o.with_sigma(v)) - p).abs()
                            <= 16.0 * f64::EPSILON * (p + 100.0)
                    );
                }
                let n = o.with_sigma(25.0);
                let p = bachelier::price(&n);
                match iv::bachelier(p, &n) {
                    Ok(v) => assert!((v - 25.0).abs() < 1e-9 * 25.0, "bachelier {v}"),
                    // One minute to expiry 20 points in the money: no time value left.
                    Err(PricingError::PriceOutOfBounds {
                        which: PriceBound::AtIntrinsic,
                        ..
                    }) => assert!(t < 1e-3),
                    Err(e) => panic!("{n:?}: {e}"),
                }
            }
        }
    }
    // Bachelier works for negative forwards (spreads, rates).
    let o = OptionInputs::new(Call, -5.0, 1.0, 0.5, 0.0, 0.0, 4.0);
    let v = iv::bachelier(bachelier::price(&o), &o).unwrap();
    assert!((v - 4.0).abs() < 1e-10);
}

#[test]
fn prices_outside_the_bounds_are_typed_errors() {
    let c = OptionInputs::new(Call, 100.0, 90.0, 0.5, 0.05, 0.0, 0.2);
    let lower = 100.0 - 90.0 * (-0.025f64).exp();
    match iv::bsm(lower - 0.01, &c) {
        Err(PricingError::PriceOutOfBounds {
            which: PriceBound::BelowIntrinsic,
            bound,
            ..
        }) => assert!((bound - lower).abs() < 1e-12),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        iv::bsm(lower, &c),
        Err(PricingError::PriceOutOfBounds {
            which: PriceBound::AtIntrinsic,
            ..
        })
    ));
    assert!(matches!(
        iv::bsm(100.0, &c),
        Err(PricingError::PriceOutOfBounds {
            which: PriceBound::AtUpperBound,
            ..
        })
    ));
    assert!(matches!(
        iv::bsm(100.5, &c),
        Err(PricingError::PriceOutOfBounds {
            which: PriceBound::AboveUpperBound,
            ..
        })
    ));
    let p = OptionInputs { right: Put, ..c };
    match iv::bsm(95.0, &p) {
        Err(PricingError::PriceOutOfBounds {
            which: PriceBound::AboveUpperBound,
            bound,
            ..
        }) => assert!((bound - 90.0 * (-0.025f64).exp()).abs() < 1e-12),
        other => panic!("{other:?}"),
    }
    // The message names the bound.
    let msg = iv::bsm(lower - 0.01, &c).unwrap_err().to_string();
    assert!(msg.contains("below the lower bound"), "{msg}");
    assert!(matches!(
        iv::bsm(f64::NAN, &c),
        Err(PricingError::InvalidInput { field: "price", .. })
    ));
    assert!(matches!(
        iv::bsm(-1.0, &c),
        Err(PricingError::InvalidInput { field: "price", .. })
    ));
    assert!(matches!(
        iv::bsm(5.0, &c.with_t(0.0)),
        Err(PricingError::InvalidInput { field: "T", .. })
    ));
    assert!(matches!(
        iv::bachelier(-0.1, &c),
        Err(PricingError::InvalidInput { .. })
    ));
    assert!(matches!(
        iv::bachelier(
            1.0,
            &OptionInputs::new(Call, 110.0, 100.0, 1.0, 0.0, 0.0, 1.0)
        ),
        Err(PricingError::PriceOutOfBounds {
            which: PriceBound::BelowIntrinsic,
            ..
        })
    ));
}

/// An independent solver: bisection on the price to the last bit. Agrees with Let's
/// Be Rational to the conditioning limit.
#[test]
fn agrees_with_bisection() {
    for &(right, k, t, v) in &[
        (Call, 105.0, 0.1, 0.35),
        (Put, 60.0, 2.0, 0.8),
        (Call, 100.0, 1.0 / 365.0, 0.12),
        (Put, 101.0, 30.0 / 365.0, 0.22),
    ] {
        let o = OptionInputs::new(right, 100.0, k, t, 0.04, 0.02, v);
        let p = bsm::price(&o);
        let (mut lo, mut hi) = (1e-6, 10.0);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if bsm::price(&o.with_sigma(mid)) < p {
                lo = mid
            } else {
                hi = mid
            }
        }
        let got = iv::bsm(p, &o).unwrap();
        assert!(
            (got - 0.5 * (lo + hi)).abs() < 1e-12,
            "{got} vs bisection {}",
            0.5 * (lo + hi)
        );
    }
}
