//! American exercise: published values, the accurate method against a high-precision
//! truth and an independent tree, no-arbitrage identities, Greeks, implied vol, batch.

use proptest::prelude::*;
use thetalab_pricing::american::{
    self, AmericanMethod, FixedPointScheme, baw, binomial, bjerksund_stensland, fixed_point,
};
use thetalab_pricing::{OptionInputs, OptionRight, PriceBound, PricingError, bsm};

use OptionRight::{Call, Put};

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (tol {tol})"
    );
}

const FP: AmericanMethod = AmericanMethod::FixedPoint;
const HP: AmericanMethod = AmericanMethod::FixedPointHighPrecision;

// ---------------------------------------------------------------------------------
// Published values.
// ---------------------------------------------------------------------------------

/// Barone-Adesi & Whaley: Haug, "Option Pricing Formulas" (1998) p. 24 / Haug (2007)
/// Table 3-1, as used by QuantLib's test suite (americanoption.cpp,
/// testBaroneAdesiWhaleyValues): K = 100, r = 10%, b = 0 (q = 10%).
#[test]
fn baw_haug_table() {
    #[rustfmt::skip]
    let rows: [(OptionRight, f64, f64, f64, f64); 36] = [
        (Call, 90.0, 0.10, 0.15, 0.0206), (Call, 100.0, 0.10, 0.15, 1.8771), (Call, 110.0, 0.10, 0.15, 10.0089),
        (Call, 90.0, 0.10, 0.25, 0.3159), (Call, 100.0, 0.10, 0.25, 3.1280), (Call, 110.0, 0.10, 0.25, 10.3919),
        (Call, 90.0, 0.10, 0.35, 0.9495), (Call, 100.0, 0.10, 0.35, 4.3777), (Call, 110.0, 0.10, 0.35, 11.1679),
        (Call, 90.0, 0.50, 0.15, 0.8208), (Call, 100.0, 0.50, 0.15, 4.0842), (Call, 110.0, 0.50, 0.15, 10.8087),
        (Call, 90.0, 0.50, 0.25, 2.7437), (Call, 100.0, 0.50, 0.25, 6.8015), (Call, 110.0, 0.50, 0.25, 13.0170),
        (Call, 90.0, 0.50, 0.35, 5.0063), (Call, 100.0, 0.50, 0.35, 9.5106), (Call, 110.0, 0.50, 0.35, 15.5689),
        (Put, 90.0, 0.10, 0.15, 10.0000), (Put, 100.0, 0.10, 0.15, 1.8770), (Put, 110.0, 0.10, 0.15, 0.0410),
        (Put, 90.0, 0.10, 0.25, 10.2533), (Put, 100.0, 0.10, 0.25, 3.1277), (Put, 110.0, 0.10, 0.25, 0.4562),
        (Put, 90.0, 0.10, 0.35, 10.8787), (Put, 100.0, 0.10, 0.35, 4.3777), (Put, 110.0, 0.10, 0.35, 1.2402),
        (Put, 90.0, 0.50, 0.15, 10.5595), (Put, 100.0, 0.50, 0.15, 4.0842), (Put, 110.0, 0.50, 0.15, 1.0822),
        (Put, 90.0, 0.50, 0.25, 12.4419), (Put, 100.0, 0.50, 0.25, 6.8014), (Put, 110.0, 0.50, 0.25, 3.3226),
        (Put, 90.0, 0.50, 0.35, 14.6945), (Put, 100.0, 0.50, 0.35, 9.5104), (Put, 110.0, 0.50, 0.35, 5.8823),
    ];
    for (right, s, t, sigma, want) in rows {
        let o = OptionInputs::new(right, s, 100.0, t, 0.10, 0.10, sigma);
        let got = baw::price(&o);
        // The table is printed to 4 decimals from Haug's VBA code (Newton tolerance 1e-6);
        // QuantLib notes its call values "were replicated only up to the second digit"
        // and tests the table at 3e-3. Our puts reproduce it to 5e-4.
        let tol = if right == Call { 3e-3 } else { 5e-4 };
        close(
            got,
            want,
            tol,
            &format!("BAW {right:?} S={s} T={t} σ={sigma}"),
        );
        assert_eq!(american::price(&o, AmericanMethod::Baw), got);
    }
    // QuantLib's extra row: r = q = 0 put, S = K = 100, T = 0.5, σ = 15% → 4.2294
    // (no early exercise: the European value).
    let o = OptionInputs::new(Put, 100.0, 100.0, 0.5, 0.0, 0.0, 0.15);
    close(baw::price(&o), 4.2294, 1e-4, "BAW r=0");
}

/// Bjerksund-Stensland 2002 against the values of an independent implementation of
/// Haug (2007) §3.1.3 (jetblack-options test suite, tests/american/
/// test_bjerksund_stensland_2002.py): T = 0.5, r = 10%, q = 8%, σ = 12.5%.
#[test]
fn bjerksund_stensland_2002_reference_values() {
    let rows = [
        (Call, 110.0, 100.0, 11.071608152504766),
        (Put, 110.0, 100.0, 0.5121325794818574),
        (Call, 100.0, 100.0, 3.8695471290130214),
        (Put, 100.0, 100.0, 3.013317901457917),
        (Call, 100.0, 110.0, 0.7881689776961025),
        (Put, 100.0, 110.0, 10.087984869664105),
    ];
    for (right, s, k, want) in rows {
        let o = OptionInputs::new(right, s, k, 0.5, 0.10, 0.08, 0.125);
        close(
            bjerksund_stensland::price(&o),
            want,
            1e-10,
            &format!("BjS {right:?} {s}/{k}"),
        );
        // A lower bound of the American price (Bjerksund & Stensland 2002, §2).
        assert!(bjerksund_stensland::price(&o) <= american::price(&o, HP) + 1e-9);
    }
}

/// Andersen, Lake & Offengenden (2016) high-precision example, as reproduced in
/// QuantLib's test suite (testAndersenLakeHighPrecisionExample, their converged FP-A
/// value): put, S = K = 100, q = 5%, σ = 25%, T = 1; early-exercise premium over the
/// European price 0.1069527028 (r = 5%) and 0.3671112 (r = 7.5%).
#[test]
fn alo_published_premia() {
    for (r, want, tol_hp) in [(0.05, 0.106_952_702_8, 1e-9), (0.075, 0.367_111_2, 3e-7)] {
        let o = OptionInputs::new(Put, 100.0, 100.0, 1.0, r, 0.05, 0.25);
        let e = bsm::price(&o);
        close(american::price(&o, HP) - e, want, tol_hp, "high precision");
        close(american::price(&o, FP) - e, want, 1e-5, "fast");
    }
}

// ---------------------------------------------------------------------------------
// The accurate method on a wide grid.
// ---------------------------------------------------------------------------------

fn grid() -> Vec<OptionInputs> {
    let mut v = Vec::new();
    for right in [Call, Put] {
        for m in [0.7, 1.0, 1.3] {
            for t in [1.0 / 52.0, 0.5, 3.0] {
                for sigma in [0.1, 0.35, 0.8] {
                    for (r, q) in [
                        (0.0, 0.1),
                        (0.05, 0.02),
                        (0.1, 0.0),
                        (0.1, 0.1),
                        (0.03, 0.08),
                    ] {
                        v.push(OptionInputs::new(right, 100.0 * m, 100.0, t, r, q, sigma));
                    }
                }
            }
        }
    }
    v
}

/// Truth: the high-precision fixed-point scheme (checked against ALO's published value
/// above and against Leisen-Reimer below). Requirement: 1e-4 absolute at S, K ≈ 100.
#[test]
fn fixed_point_default_within_1e4_of_high_precision() {
    let mut worst = (0.0, None);
    for o in grid() {
        let err = (american::price(&o, FP) - american::price(&o, HP)).abs();
        if err > worst.0 {
            worst = (err, Some(o));
        }
    }
    assert!(worst.0 <= 1e-4, "worst error {} at {:?}", worst.0, worst.1);
}

/// Independent method: Richardson-extrapolated Leisen-Reimer trees (4001/8003 steps)
/// on a subset. The trees' own error is about 1e-5 here (they converge like 1/n).
#[test]
fn high_precision_agrees_with_leisen_reimer() {
    let cases = [
        OptionInputs::new(Put, 100.0, 100.0, 1.0, 0.05, 0.05, 0.25),
        OptionInputs::new(Put, 90.0, 100.0, 0.5, 0.08, 0.0, 0.3),
        OptionInputs::new(Put, 110.0, 100.0, 2.0, 0.03, 0.01, 0.2),
        OptionInputs::new(Call, 105.0, 100.0, 1.0, 0.02, 0.06, 0.3),
        OptionInputs::new(Call, 95.0, 100.0, 0.25, 0.05, 0.1, 0.5),
    ];
    for o in cases {
        let hp = american::price(&o, HP);
        let lr = binomial::leisen_reimer_extrapolated(&o, 4001);
        close(lr, hp, 5e-5, &format!("LR vs ALO {o:?}"));
    }
}

/// Heavier cross-check of the hard corners (low vol / high rate, long-dated high vol)
/// against fine Leisen-Reimer trees. At σ = 10%, T = 3 the tree's error oscillates in
/// `n` by about 1e-4 (1.77532 at 10001 steps, 1.77524 at 20001), so only a loose check
/// is possible there.
#[test]
#[ignore = "slow (a few seconds): run with --ignored"]
fn high_precision_agrees_with_fine_leisen_reimer() {
    let low = OptionInputs::new(Put, 100.0, 100.0, 3.0, 0.1, 0.0, 0.1);
    close(
        binomial::leisen_reimer(&low, 20001),
        american::price(&low, HP),
        1.5e-4,
        "LR 20001",
    );
    // Formerly a known gap (high precision vs trees 5e-3 apart): r = 10%, σ = 3–5%,
    // T = 3; the Newton iteration now agrees with the tree to its own error.
    for sigma in [0.03, 0.05] {
        let o = OptionInputs::new(Put, 100.0, 100.0, 3.0, 0.1, 0.0, sigma);
        let lr = binomial::leisen_reimer(&o, 20001);
        close(
            american::price(&o, HP),
            lr,
            1e-4,
            &format!("HP σ = {sigma}"),
        );
        close(
            american::price(&o, FP),
            lr,
            1e-4,
            &format!("FP σ = {sigma}"),
        );
    }
    for o in [
        OptionInputs::new(Put, 100.0, 100.0, 1.0, 0.1, 0.0, 0.1),
        OptionInputs::new(Put, 115.0, 100.0, 3.0, 0.1, 0.0, 0.8),
    ] {
        close(
            binomial::leisen_reimer_extrapolated(&o, 10001),
            american::price(&o, HP),
            1e-5,
            "extrapolated LR",
        );
    }
}

#[test]
fn binomial_trees_converge_to_the_same_value() {
    // CRR and LR are different trees; both converge to the American price.
    let o = OptionInputs::new(Put, 100.0, 100.0, 1.0, 0.06, 0.01, 0.3);
    let hp = american::price(&o, HP);
    close(binomial::crr(&o, 4000), hp, 2e-3, "CRR 4000");
    close(binomial::leisen_reimer(&o, 2001), hp, 5e-4, "LR 2001");
    close(
        american::price(&o, AmericanMethod::Binomial { steps: 2001 }),
        hp,
        5e-4,
        "method",
    );
}

// ---------------------------------------------------------------------------------
// No-arbitrage identities.
// ---------------------------------------------------------------------------------

const METHODS: [AmericanMethod; 4] = [
    AmericanMethod::Baw,
    AmericanMethod::BjerksundStensland,
    AmericanMethod::FixedPoint,
    AmericanMethod::Binomial { steps: 301 },
];

#[test]
fn call_without_dividends_is_european() {
    // Merton (1973): an American call on a non-dividend stock is never exercised early.
    for s in [70.0, 100.0, 130.0] {
        for t in [0.02, 1.0, 3.0] {
            let o = OptionInputs::new(Call, s, 100.0, t, 0.05, 0.0, 0.3);
            for m in METHODS {
                close(
                    american::price(&o, m),
                    bsm::price(&o),
                    1e-10,
                    &format!("{m:?}"),
                );
            }
            assert_eq!(american::greeks(&o, FP), bsm::greeks(&o));
        }
    }
}

#[test]
fn put_call_symmetry() {
    // McDonald & Schroder (1998): C(S, K, r, q) = P(K, S, q, r).
    for (s, k, t, r, q, sigma) in [
        (100.0, 90.0, 1.0, 0.03, 0.07, 0.3),
        (80.0, 100.0, 0.3, 0.06, 0.02, 0.5),
    ] {
        let c = OptionInputs::new(Call, s, k, t, r, q, sigma);
        let p = OptionInputs::new(Put, k, s, t, q, r, sigma);
        close(
            american::price(&c, HP),
            american::price(&p, HP),
            1e-10,
            "fixed point",
        );
        close(
            bjerksund_stensland::price(&c),
            bjerksund_stensland::price(&p),
            1e-10,
            "BjS",
        );
        close(
            binomial::leisen_reimer_extrapolated(&c, 501),
            binomial::leisen_reimer_extrapolated(&p, 501),
            5e-4,
            "LR (different trees)",
        );
    }
}

#[test]
fn special_cases() {
    // Expiry: intrinsic. Zero vol: deterministic path, here a put with r > 0 is exercised now.
    let o = OptionInputs::new(Put, 90.0, 100.0, 0.0, 0.05, 0.0, 0.2);
    for m in METHODS {
        assert_eq!(american::price(&o, m), 10.0);
        assert_eq!(american::price(&o.with_t(1.0).with_sigma(0.0), m), 10.0);
    }
    // Zero-vol OTM call with q < r: worth e^{−qT}S − e^{−rT}K at expiry if positive.
    let c = OptionInputs::new(Call, 99.0, 100.0, 1.0, 0.05, 0.0, 0.0);
    close(
        american::price(&c, FP),
        99.0 - 100.0 * (-0.05f64).exp(),
        1e-12,
        "zero-vol call",
    );
    // Negative rates, double-boundary regime (q < r < 0): tree fallback, still ≥ European.
    let n = OptionInputs::new(Put, 100.0, 100.0, 1.0, -0.01, -0.03, 0.2);
    for m in METHODS {
        let v = american::price(&n, m);
        assert!(
            v.is_finite() && v >= bsm::price(&n) - 1e-9 && v >= 0.0,
            "{m:?}: {v}"
        );
    }
    // Tiny but non-zero vol goes to the tree and stays finite.
    let tiny = OptionInputs::new(Put, 100.0, 100.0, 0.5, 0.05, 0.02, 1e-5);
    assert!(american::price(&tiny, FP).is_finite());
    // Invalid input: typed error naming the field.
    let bad = OptionInputs::new(Put, -1.0, 100.0, 1.0, 0.05, 0.0, 0.2);
    assert!(matches!(
        american::try_price(&bad, FP),
        Err(PricingError::InvalidInput { field: "S", .. })
    ));
}

fn any_option() -> impl Strategy<Value = OptionInputs> {
    (
        any::<bool>(),
        60.0..140.0f64,
        0.02..2.0f64,
        0.0..0.1f64,
        0.0..0.1f64,
        0.1..0.6f64,
    )
        .prop_map(|(call, s, t, r, q, sigma)| {
            OptionInputs::new(if call { Call } else { Put }, s, 100.0, t, r, q, sigma)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn bounds_hold(o in any_option()) {
        // European ≤ American, intrinsic ≤ American ≤ S (call) or K (put).
        let e = bsm::price(&o);
        let cap = if o.right == Call { o.s } else { o.k };
        for m in [AmericanMethod::Baw, AmericanMethod::BjerksundStensland, FP] {
            let v = american::price(&o, m);
            prop_assert!(v >= e - 1e-10, "{m:?} {v} < european {e}");
            prop_assert!(v >= o.right.intrinsic(o.s, o.k));
            prop_assert!(v <= cap);
        }
    }

    #[test]
    fn monotone_in_vol_and_time(o in any_option()) {
        let v = american::price(&o, FP);
        prop_assert!(american::price(&o.with_sigma(o.sigma + 0.02), FP) >= v - 1e-6);
        // American options (unlike European ones) never lose value with more time.
        prop_assert!(american::price(&o.with_t(o.t + 0.05), FP) >= v - 1e-6);
    }

    #[test]
    fn implied_vol_round_trip(o in any_option()) {
        let p = american::price(&o, FP);
        prop_assume!(p - o.right.intrinsic(o.s, o.k) > 1e-6);
        let vol = american::implied_vol(p, &o, FP).unwrap();
        prop_assert!((vol - o.sigma).abs() < 1e-8, "vol {vol} vs {}", o.sigma);
    }
}

// ---------------------------------------------------------------------------------
// Greeks and implied vol.
// ---------------------------------------------------------------------------------

#[test]
fn greeks_match_finite_differences_of_price() {
    // Reference: central differences of the high-precision price with a different bump
    // (1e-3 relative), so both the method and the bumps differ from the code's.
    for o in [
        OptionInputs::new(Put, 100.0, 100.0, 1.0, 0.05, 0.02, 0.25),
        OptionInputs::new(Call, 110.0, 100.0, 0.5, 0.02, 0.06, 0.35),
    ] {
        let g = american::greeks(&o, FP);
        let p = |x: OptionInputs| american::price(&x, HP);
        let h = 1e-3 * o.s;
        let (up, mid, dn) = (p(o.with_s(o.s + h)), p(o), p(o.with_s(o.s - h)));
        close(g.price, mid, 1e-4, "price");
        close(g.delta, (up - dn) / (2.0 * h), 2e-5, "delta");
        close(g.gamma, (up - 2.0 * mid + dn) / (h * h), 2e-4, "gamma");
        let hv = 1e-3;
        close(
            g.vega,
            (p(o.with_sigma(o.sigma + hv)) - p(o.with_sigma(o.sigma - hv))) / (2.0 * hv),
            5e-3,
            "vega",
        );
        let ht = 1e-3;
        close(
            g.theta,
            -(p(o.with_t(o.t + ht)) - p(o.with_t(o.t - ht))) / (2.0 * ht),
            5e-3,
            "theta",
        );
        let rr = |d: f64| p(OptionInputs { r: o.r + d, ..o });
        close(g.rho, (rr(1e-3) - rr(-1e-3)) / 2e-3, 5e-3, "rho");
        let qq = |d: f64| p(OptionInputs { q: o.q + d, ..o });
        close(g.rho_q, (qq(1e-3) - qq(-1e-3)) / 2e-3, 5e-3, "rho_q");
        // The tree's delta and gamma agree with the fixed point's.
        let t = american::greeks(&o, AmericanMethod::Binomial { steps: 2001 });
        close(t.delta, g.delta, 2e-3, "tree delta");
        close(t.gamma, g.gamma, 2e-3, "tree gamma");
        // Closed forms: delta and gamma near the accurate ones.
        for m in [AmericanMethod::Baw, AmericanMethod::BjerksundStensland] {
            let a = american::greeks(&o, m);
            close(a.delta, g.delta, 2e-2, "approximation delta");
            close(a.gamma, g.gamma, 5e-3, "approximation gamma");
        }
    }
    // Deep in the exercise region: delta −1, gamma 0.
    let deep = OptionInputs::new(Put, 60.0, 100.0, 0.5, 0.08, 0.0, 0.2);
    let g = american::greeks(&deep, FP);
    close(g.price, 40.0, 1e-12, "exercise value");
    close(g.delta, -1.0, 1e-9, "delta in exercise region");
    close(g.gamma, 0.0, 1e-6, "gamma in exercise region");
}

#[test]
fn implied_vol_errors_and_methods() {
    let o = OptionInputs::new(Put, 95.0, 100.0, 0.5, 0.05, 0.01, 0.3);
    for m in [
        FP,
        AmericanMethod::Baw,
        AmericanMethod::BjerksundStensland,
        AmericanMethod::Binomial { steps: 201 },
    ] {
        let p = american::price(&o, m);
        close(
            american::implied_vol(p, &o, m).unwrap(),
            0.3,
            1e-9,
            &format!("{m:?}"),
        );
    }
    let bound = |r: american::AmericanMethod, price: f64| match american::implied_vol(price, &o, r)
    {
        Err(PricingError::PriceOutOfBounds { which, .. }) => Some(which),
        _ => None,
    };
    // The American lower bound is the undiscounted intrinsic value 5.
    assert_eq!(bound(FP, 4.9), Some(PriceBound::BelowIntrinsic));
    assert_eq!(bound(FP, 5.0), Some(PriceBound::AtIntrinsic));
    assert_eq!(bound(FP, 100.0), Some(PriceBound::AtUpperBound));
    assert_eq!(bound(FP, 101.0), Some(PriceBound::AboveUpperBound));
    assert!(matches!(
        american::implied_vol(f64::NAN, &o, FP),
        Err(PricingError::InvalidInput { field: "price", .. })
    ));
    // Without early exercise the BSM implied vol is returned.
    let c = OptionInputs::new(Call, 100.0, 100.0, 1.0, 0.05, 0.0, 0.2);
    close(
        american::implied_vol(bsm::price(&c), &c, FP).unwrap(),
        0.2,
        1e-12,
        "european call",
    );
}

// ---------------------------------------------------------------------------------
// Batch and boundary.
// ---------------------------------------------------------------------------------

#[test]
fn batch_matches_scalar_and_reports_bad_rows() {
    let n = 300;
    let rights: Vec<_> = (0..n)
        .map(|i| if i % 2 == 0 { Call } else { Put })
        .collect();
    let s: Vec<f64> = (0..n).map(|i| 70.0 + 0.2 * i as f64).collect();
    let k = vec![100.0; n];
    let t: Vec<f64> = (0..n).map(|i| 0.05 + 0.01 * (i % 50) as f64).collect();
    let r = vec![0.04; n];
    let q = vec![0.02; n];
    let mut sigma = vec![0.3; n];
    let mut out = vec![0.0; n];
    for m in [FP, AmericanMethod::Binomial { steps: 101 }] {
        american::price_batch(m, &rights, &s, &k, &t, &r, &q, &sigma, &mut out).unwrap();
        for i in (0..n).step_by(7) {
            let o = OptionInputs::new(rights[i], s[i], k[i], t[i], r[i], q[i], sigma[i]);
            assert_eq!(out[i], american::price(&o, m));
        }
    }
    sigma[17] = -0.1;
    sigma[200] = f64::NAN;
    let err = american::price_batch(FP, &rights, &s, &k, &t, &r, &q, &sigma, &mut out).unwrap_err();
    match err {
        PricingError::Batch {
            index,
            count,
            source,
        } => {
            assert_eq!((index, count), (17, 2));
            assert!(matches!(
                *source,
                PricingError::InvalidInput { field: "sigma", .. }
            ));
        }
        e => panic!("unexpected {e:?}"),
    }
    assert!(out[17].is_nan() && out[200].is_nan() && out[18].is_finite());
    let short = vec![0.0; n - 1];
    assert!(matches!(
        american::price_batch(FP, &rights, &s, &k, &t, &r, &q, &short, &mut out),
        Err(PricingError::LengthMismatch { what: "sigma", .. })
    ));
}

#[test]
fn exercise_boundary_is_consistent_with_prices() {
    let o = OptionInputs::new(Put, 100.0, 100.0, 1.0, 0.06, 0.0, 0.25);
    let mut b = [0.0; 3];
    fixed_point::exercise_boundary(&o, &[0.0, 0.5, 1.0], &mut b).unwrap();
    // B(0⁺) = K for q ≤ r (ALO eq. (5)); decreasing in time to expiry.
    close(b[0], 100.0, 1e-6, "B(0)");
    assert!(b[0] > b[1] && b[1] > b[2] && b[2] > 60.0);
    // At the boundary the put is worth its exercise value, just above it more.
    close(
        fixed_point::price(&o.with_s(b[2])),
        100.0 - b[2],
        1e-9,
        "value matching",
    );
    assert!(fixed_point::price(&o.with_s(b[2] + 1.0)) > 100.0 - b[2] - 1.0);
    // A custom scheme converges to the built-in ones.
    let s = FixedPointScheme::new(16, 8, 12, 24).unwrap();
    close(
        fixed_point::price_with(&o, &s),
        american::price(&o, HP),
        1e-5,
        "custom scheme",
    );
}

/// Low volatility against an independent method: 8001-step Leisen-Reimer trees (at low
/// vol the tree's error is not smooth in `n`, so it is not extrapolated; its own error
/// is about 1e-5 here). Covers the fast scheme down to σ = 5% and one day to expiry
/// (σ√T = 0.0026), and the high-precision scheme used below σ = 5%.
#[test]
fn low_volatility_against_trees() {
    let mut cases = vec![
        OptionInputs::new(Put, 100.0, 100.0, 1.0, 0.1, 0.0, 0.05),
        OptionInputs::new(Put, 100.0, 100.0, 2.0, 0.1, 0.0, 0.07),
        OptionInputs::new(Put, 100.0, 100.0, 0.25, 0.1, 0.0, 0.05),
        OptionInputs::new(Put, 100.0, 100.0, 1.0, 0.1, 0.0, 0.04),
    ];
    for right in [Call, Put] {
        for (t, sigma) in [(1.0 / 365.0, 0.05), (0.25, 0.05), (1.0, 0.08)] {
            for (r, q) in [(0.1, 0.0), (0.045, 0.013), (0.0, 0.1)] {
                cases.push(OptionInputs::new(right, 100.0, 100.0, t, r, q, sigma));
            }
        }
    }
    for o in cases {
        let lr = binomial::leisen_reimer(&o, 8001);
        close(american::price(&o, FP), lr, 1e-4, &format!("{o:?}"));
    }
}

/// The default method on a low-volatility grid (σ 5–8%, one day to three years, tiny
/// σ√T down to 5e-6), against the high-precision scheme (itself checked against trees
/// above and in `high_precision_agrees_with_fine_leisen_reimer`).
#[test]
fn low_volatility_grid_within_1e4_of_high_precision() {
    let fast = FixedPointScheme::fast();
    let mut worst = (0.0, None);
    let mut cases = Vec::new();
    for right in [Call, Put] {
        for m in [0.9, 1.0, 1.1] {
            for sigma in [0.05, 0.08] {
                for t in [1.0 / 365.0, 0.25, 1.0, 3.0] {
                    for (r, q) in [(0.1, 0.0), (0.045, 0.013), (0.03, 0.08), (0.0, 0.1)] {
                        cases.push(OptionInputs::new(right, 100.0 * m, 100.0, t, r, q, sigma));
                    }
                }
            }
            for (t, sigma) in [(1e-8, 0.05), (1e-6, 0.8), (4e-6, 0.05)] {
                cases.push(OptionInputs::new(
                    right,
                    100.0 * m,
                    100.0,
                    t,
                    0.05,
                    0.02,
                    sigma,
                ));
            }
        }
    }
    for o in cases {
        let hp = american::price(&o, HP);
        let err = (american::price(&o, FP) - hp).abs();
        if err > worst.0 {
            worst = (err, Some(o));
        }
        // No hidden fallback: up to T = 2 the default is the fast scheme itself.
        if o.t <= 2.0 {
            let direct = fixed_point::price_with(&o, fast);
            close(american::price(&o, FP), direct, 1e-12, "fast scheme");
        }
    }
    assert!(worst.0 <= 1e-4, "worst error {} at {:?}", worst.0, worst.1);
}

/// The default schemes converge in two Newton sweeps from QD+ (a speed-independent check
/// of the iteration count): more sweeps change prices by less than 2e-6, fifty times
/// below the 1e-4 target (observed worst 1.4e-6 at T = 3, σ = 80%, price 75; typically
/// 1e-9: what is left is the coarse first sweep's quadrature error, squared by Newton).
#[test]
fn default_scheme_converges_in_two_sweeps() {
    for (scheme, t) in [
        (FixedPointScheme::fast(), 1.0),
        (FixedPointScheme::fast_long_dated(), 3.0),
    ] {
        assert!(scheme.sweeps() <= 3);
        let two = FixedPointScheme::new(
            scheme.degree(),
            2,
            scheme.boundary_points(),
            scheme.price_points(),
        )
        .unwrap();
        let more = FixedPointScheme::new(
            scheme.degree(),
            8,
            scheme.boundary_points(),
            scheme.price_points(),
        )
        .unwrap();
        for right in [Call, Put] {
            for s in [70.0, 100.0, 130.0] {
                for sigma in [0.05, 0.1, 0.35, 0.8] {
                    for (r, q) in [(0.1, 0.0), (0.045, 0.013), (0.03, 0.08), (0.05, 0.05)] {
                        for tt in [t / 20.0, t] {
                            let o = OptionInputs::new(right, s, 100.0, tt, r, q, sigma);
                            let converged = fixed_point::price_with(&o, &more);
                            // The default scheme (with its early stop) is converged.
                            close(
                                fixed_point::price_with(&o, scheme),
                                converged,
                                2e-6,
                                &format!("{o:?}"),
                            );
                            // Exactly two sweeps suffice on typical cases (σ ≥ 10%).
                            if sigma >= 0.1 {
                                close(
                                    fixed_point::price_with(&o, &two),
                                    converged,
                                    2e-6,
                                    &format!("two sweeps {o:?}"),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Timing (not an assertion): release, `--ignored --nocapture`.
// ---------------------------------------------------------------------------------

/// The benchmark's realistic chain (benches/pricing.rs): S = 100, K 60–140, T 1 day – 2
/// years, σ 8–80%, r = 4.5%, q = 1.3%, calls and puts (xorshift64*, fixed seed).
fn realistic_chain(n: usize) -> Vec<OptionInputs> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut u = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let right = if u() < 0.5 { Call } else { Put };
            let k = 60.0 + 80.0 * u();
            let t = 1.0 / 365.0 + 2.0 * u();
            let sigma = 0.08 + 0.72 * u();
            OptionInputs::new(right, 100.0, k, t, 0.045, 0.013, sigma)
        })
        .collect()
}

#[test]
#[ignore = "timing report: cargo test --release -p thetalab-pricing --test it american::timing -- --ignored --nocapture"]
fn timing_report() {
    use std::time::Instant;
    let chain = realistic_chain(20_000);
    // Single-threaded, per option.
    let mut times: Vec<f64> = Vec::with_capacity(chain.len());
    let mut sink = 0.0;
    for o in &chain {
        let t0 = Instant::now();
        sink += american::price(o, FP);
        times.push(t0.elapsed().as_secs_f64() * 1e6);
    }
    let total: f64 = times.iter().sum();
    times.sort_by(f64::total_cmp);
    // Without scheduler preemptions (a 4 ms tick on a shared machine), for the batch
    // estimate: options/s on c cores ≈ c·10⁶/mean.
    let quiet: Vec<f64> = times.iter().copied().filter(|&t| t < 200.0).collect();
    println!(
        "mean without preemption outliers (> 200 µs, {} of {}): {:.2} µs",
        times.len() - quiet.len(),
        times.len(),
        quiet.iter().sum::<f64>() / quiet.len() as f64
    );
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "single-threaded µs/option: median {:.2}, mean {:.2}, p90 {:.2}, p99 {:.2}, max {:.1} (sink {sink:.3})",
        pct(0.5),
        total / times.len() as f64,
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    // Batch (rayon, all cores).
    let n = 100_000;
    let chain = realistic_chain(n);
    let rights: Vec<_> = chain.iter().map(|o| o.right).collect();
    let col = |f: fn(&OptionInputs) -> f64| chain.iter().map(f).collect::<Vec<f64>>();
    let (s, k, t, r, q, sigma) = (
        col(|o| o.s),
        col(|o| o.k),
        col(|o| o.t),
        col(|o| o.r),
        col(|o| o.q),
        col(|o| o.sigma),
    );
    let mut out = vec![0.0; n];
    for _ in 0..3 {
        let t0 = Instant::now();
        american::price_batch(FP, &rights, &s, &k, &t, &r, &q, &sigma, &mut out).unwrap();
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "batch of {n}: {:.1} ms, {:.0} options/s",
            dt * 1e3,
            n as f64 / dt
        );
    }
}
