//! European models against textbook values, put-call parity and finite differences.

use proptest::prelude::*;
use thetalab_pricing::{Greeks, OptionInputs, OptionRight, bachelier, black76, bsm};

use OptionRight::{Call, Put};

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (tol {tol})"
    );
}

// ---------------------------------------------------------------------------------
// Published values. Haug, "The Complete Guide to Option Pricing Formulas", 2nd ed.
// (2007), chapter 1 and 2 worked examples (4 decimals as printed), and Hull,
// "Options, Futures, and Other Derivatives".
// ---------------------------------------------------------------------------------

#[test]
fn haug_chapter_one_prices() {
    // §1.1.1 Black-Scholes: S=60, K=65, T=0.25, r=8%, σ=30% → call 2.1334.
    close(
        bsm::price(&OptionInputs::new(Call, 60.0, 65.0, 0.25, 0.08, 0.0, 0.30)),
        2.1334,
        5e-5,
        "BS call",
    );
    // §1.1.2 Merton: S=100, K=95, T=0.5, r=10%, q=5%, σ=20% → put 2.4648.
    close(
        bsm::price(&OptionInputs::new(Put, 100.0, 95.0, 0.5, 0.10, 0.05, 0.20)),
        2.4648,
        5e-5,
        "Merton put",
    );
    // §1.1.3 Black-76: F=19, K=19, T=0.75, r=10%, σ=28% → call = put = 1.7011.
    let b = OptionInputs::new(Call, 19.0, 19.0, 0.75, 0.10, 0.0, 0.28);
    close(black76::price(&b), 1.7011, 5e-5, "Black-76 call");
    close(
        black76::price(&OptionInputs { right: Put, ..b }),
        1.7011,
        5e-5,
        "Black-76 put",
    );
    // §1.1.6 generalised BSM: S=75, K=70, T=0.5, r=10%, b=5% (q=5%), σ=35% → put 4.0870.
    close(
        bsm::price(&OptionInputs::new(Put, 75.0, 70.0, 0.5, 0.10, 0.05, 0.35)),
        4.0870,
        5e-5,
        "GBS put",
    );
}

#[test]
fn hull_examples() {
    // Hull (10th ed.) Example 15.6: S=42, K=40, r=10%, σ=20%, T=0.5 → c=4.76, p=0.81
    // (4-decimal values 4.7594 and 0.8086 are quoted in the text's solutions manual).
    let c = OptionInputs::new(Call, 42.0, 40.0, 0.5, 0.10, 0.0, 0.20);
    close(bsm::price(&c), 4.7594, 5e-5, "Hull call");
    close(
        bsm::price(&OptionInputs { right: Put, ..c }),
        0.8086,
        5e-5,
        "Hull put",
    );
    // Hull Table 19.x delta example: S=49, K=50, r=5%, σ=20%, T=0.3846 → Δ=0.522, Γ=0.066,
    // vega=12.1 (per 1.00), theta=−4.31 per year, rho=8.91.
    let g = bsm::greeks(&OptionInputs::new(
        Call, 49.0, 50.0, 0.3846, 0.05, 0.0, 0.20,
    ));
    close(g.delta, 0.522, 5e-4, "Hull delta");
    close(g.gamma, 0.066, 5e-4, "Hull gamma");
    close(g.vega, 12.1, 0.05, "Hull vega");
    close(g.theta, -4.31, 5e-3, "Hull theta");
    close(g.rho, 8.91, 5e-3, "Hull rho");
}

#[test]
fn haug_chapter_two_greeks() {
    // §2.1.1 delta: futures option S=105, K=100, T=0.5, r=10%, b=0, σ=36% →
    // call Δ 0.5946, put Δ −0.3566.
    let f = OptionInputs::new(Call, 105.0, 100.0, 0.5, 0.10, 0.0, 0.36);
    close(black76::greeks(&f).delta, 0.5946, 5e-5, "Haug call delta");
    close(
        black76::greeks(&OptionInputs { right: Put, ..f }).delta,
        -0.3566,
        5e-5,
        "Haug put delta",
    );
    // §2.2.1 gamma: S=55, K=60, T=0.75, r=10%, b=10% (q=0), σ=30% → Γ 0.0278.
    close(
        bsm::greeks(&OptionInputs::new(Call, 55.0, 60.0, 0.75, 0.10, 0.0, 0.30)).gamma,
        0.0278,
        5e-5,
        "Haug gamma",
    );
    // §2.4.1 theta: S=430, K=405, T=0.0833, r=7%, b=2% (q=5%), σ=20% → put Θ −31.1924
    // (Haug's theta is per year of time passing, our convention).
    close(
        bsm::greeks(&OptionInputs::new(
            Put, 430.0, 405.0, 0.0833, 0.07, 0.05, 0.20,
        ))
        .theta,
        -31.1924,
        5e-4,
        "Haug theta",
    );
    // §2.5.1 rho: S=72, K=75, T=1, r=9%, b=9%, σ=19% → call ρ 38.7325.
    close(
        bsm::greeks(&OptionInputs::new(Call, 72.0, 75.0, 1.0, 0.09, 0.0, 0.19)).rho,
        38.7325,
        5e-4,
        "Haug rho",
    );
}

// ---------------------------------------------------------------------------------
// Identities.
// ---------------------------------------------------------------------------------

#[test]
fn put_call_parity_all_models() {
    for &(s, k, t, r, q, v) in &[
        (100.0, 80.0, 0.25, 0.05, 0.02, 0.3),
        (4500.0, 4700.0, 2.0 / 365.0, 0.05, 0.0, 0.12),
        (50.0, 55.0, 5.0, -0.01, 0.03, 0.6),
    ] {
        let c = OptionInputs::new(Call, s, k, t, r, q, v);
        let p = OptionInputs { right: Put, ..c };
        let lhs = bsm::price(&c) - bsm::price(&p);
        let rhs = s * (-q * t).exp() - k * (-r * t).exp();
        close(lhs, rhs, 1e-12 * s, "BSM parity");
        let lhs = black76::price(&c) - black76::price(&p);
        close(lhs, (-r * t).exp() * (s - k), 1e-12 * s, "Black-76 parity");
        let n = c.with_sigma(v * s);
        let lhs = bachelier::price(&n) - bachelier::price(&OptionInputs { right: Put, ..n });
        close(lhs, (-r * t).exp() * (s - k), 1e-11 * s, "Bachelier parity");
        // Parity in the Greeks: call and put share gamma, vega and every σ/S-curvature Greek.
        let (gc, gp) = (bsm::greeks(&c), bsm::greeks(&p));
        for (a, b, w) in [
            (gc.gamma, gp.gamma, "gamma"),
            (gc.vega, gp.vega, "vega"),
            (gc.volga, gp.volga, "volga"),
            (gc.vanna, gp.vanna, "vanna"),
            (gc.speed, gp.speed, "speed"),
            (gc.zomma, gp.zomma, "zomma"),
            (gc.color, gp.color, "color"),
            (gc.veta, gp.veta, "veta"),
            (gc.ultima, gp.ultima, "ultima"),
        ] {
            close(a, b, 1e-9 * a.abs().max(1e-6), w);
        }
        close(gc.delta - gp.delta, (-q * t).exp(), 1e-12, "delta parity");
    }
}

#[test]
fn bachelier_matches_black_in_the_small_vol_limit() {
    // For σ_N = σ·F and small σ√T the normal and lognormal prices agree to O(σ²T)
    // (Hagan et al. 2002 relation at the money).
    let o = OptionInputs::new(Call, 100.0, 100.0, 0.01, 0.0, 0.0, 0.05);
    let b = black76::price(&o);
    let n = bachelier::price(&o.with_sigma(5.0));
    assert!((b - n).abs() / b < 1e-4, "{b} vs {n}");
}

#[test]
fn degenerate_inputs_give_intrinsic_not_nan() {
    let o = OptionInputs::new(Put, 90.0, 100.0, 0.0, 0.05, 0.0, 0.2);
    let g = bsm::greeks(&o);
    assert_eq!(g.price, 10.0);
    assert_eq!(g.delta, -1.0);
    assert_eq!(g.gamma, 0.0);
    let z = bsm::greeks(&OptionInputs::new(Call, 100.0, 90.0, 1.0, 0.05, 0.0, 0.0));
    close(
        z.price,
        100.0 - 90.0 * (-0.05f64).exp(),
        1e-12,
        "zero vol call",
    );
    assert!(z.theta.is_finite() && z.rho.is_finite());
    assert!(bsm::try_price(&OptionInputs::new(Call, -1.0, 90.0, 1.0, 0.0, 0.0, 0.2)).is_err());
    assert!(bsm::try_price(&OptionInputs::new(Call, 1.0, 90.0, f64::NAN, 0.0, 0.0, 0.2)).is_err());
}

// ---------------------------------------------------------------------------------
// Every Greek against finite differences. First-order Greeks are differences of the
// price; second- and third-order ones are differences of the (already checked)
// lower-order analytic Greeks, so the chain goes back to the price. Five-point
// stencils, O(h⁴).
// ---------------------------------------------------------------------------------

fn d1<F: Fn(f64) -> f64>(f: F, x: f64, h: f64) -> f64 {
    (-f(x + 2.0 * h) + 8.0 * f(x + h) - 8.0 * f(x - h) + f(x - 2.0 * h)) / (12.0 * h)
}

fn d2<F: Fn(f64) -> f64>(f: F, x: f64, h: f64) -> f64 {
    (-f(x + 2.0 * h) + 16.0 * f(x + h) - 30.0 * f(x) + 16.0 * f(x - h) - f(x - 2.0 * h))
        / (12.0 * h * h)
}

type Model = fn(&OptionInputs) -> Greeks;

fn check_fd(model: Model, o: OptionInputs, has_q: bool, name: &str) {
    let g = model(&o);
    let tol = |x: f64, scale: f64| 2e-6 * x.abs() + 1e-8 * scale;
    let scale = o.s.abs().max(o.k);
    let hs = 1e-3 * o.k;
    let hv = 1e-3 * o.sigma;
    let ht = 1e-3 * o.t;
    let hr = 1e-4;
    let with = |s: f64, v: f64, t: f64| {
        model(&OptionInputs {
            s,
            sigma: v,
            t,
            ..o
        })
    };
    let at = |f: &dyn Fn(f64) -> f64, x: f64, h: f64| d1(f, x, h);
    let checks: Vec<(&str, f64, f64)> = vec![
        (
            "delta",
            g.delta,
            at(&|s| with(s, o.sigma, o.t).price, o.s, hs),
        ),
        (
            "gamma",
            g.gamma,
            d2(|s| with(s, o.sigma, o.t).price, o.s, hs),
        ),
        (
            "vega",
            g.vega,
            at(&|v| with(o.s, v, o.t).price, o.sigma, hv),
        ),
        (
            "theta",
            g.theta,
            -at(&|t| with(o.s, o.sigma, t).price, o.t, ht),
        ),
        (
            "rho",
            g.rho,
            at(&|r| model(&OptionInputs { r, ..o }).price, o.r, hr),
        ),
        (
            "rho_q",
            g.rho_q,
            if has_q {
                at(&|q| model(&OptionInputs { q, ..o }).price, o.q, hr)
            } else {
                0.0
            },
        ),
        (
            "vanna",
            g.vanna,
            at(&|v| with(o.s, v, o.t).delta, o.sigma, hv),
        ),
        (
            "volga",
            g.volga,
            at(&|v| with(o.s, v, o.t).vega, o.sigma, hv),
        ),
        (
            "charm",
            g.charm,
            -at(&|t| with(o.s, o.sigma, t).delta, o.t, ht),
        ),
        (
            "veta",
            g.veta,
            -at(&|t| with(o.s, o.sigma, t).vega, o.t, ht),
        ),
        (
            "speed",
            g.speed,
            at(&|s| with(s, o.sigma, o.t).gamma, o.s, hs),
        ),
        (
            "color",
            g.color,
            -at(&|t| with(o.s, o.sigma, t).gamma, o.t, ht),
        ),
        (
            "zomma",
            g.zomma,
            at(&|v| with(o.s, v, o.t).gamma, o.sigma, hv),
        ),
        (
            "ultima",
            g.ultima,
            at(&|v| with(o.s, v, o.t).volga, o.sigma, hv),
        ),
    ];
    for (what, analytic, fd) in checks {
        assert!(
            (analytic - fd).abs() <= tol(fd, scale * 1e-3 + analytic.abs()),
            "{name} {what}: analytic {analytic}, finite difference {fd}, inputs {o:?}"
        );
    }
}

#[test]
fn greeks_match_finite_differences() {
    let cases = [
        (100.0, 100.0, 1.0, 0.05, 0.02, 0.20),
        (100.0, 80.0, 0.25, 0.03, 0.00, 0.35),
        (100.0, 125.0, 2.0, 0.01, 0.04, 0.15),
        (5000.0, 4900.0, 3.0 / 365.0, 0.045, 0.013, 0.14),
        (50.0, 52.0, 0.5, -0.005, 0.01, 0.9),
    ];
    for (s, k, t, r, q, v) in cases {
        for right in [Call, Put] {
            let o = OptionInputs::new(right, s, k, t, r, q, v);
            check_fd(bsm::greeks, o, true, "bsm");
            check_fd(black76::greeks, o, false, "black76");
            check_fd(bachelier::greeks, o.with_sigma(v * s), false, "bachelier");
        }
    }
}

#[test]
fn first_order_equals_full_greeks() {
    let o = OptionInputs::new(Put, 101.0, 97.0, 0.3, 0.04, 0.01, 0.27);
    let (a, b) = (bsm::first_order(&o), bsm::greeks(&o));
    assert_eq!(
        (a.price, a.delta, a.gamma, a.vega, a.theta, a.rho, a.rho_q),
        (b.price, b.delta, b.gamma, b.vega, b.theta, b.rho, b.rho_q)
    );
    assert_eq!(bsm::price_delta(&o), (b.price, b.delta));
}

// ---------------------------------------------------------------------------------
// Invariants.
// ---------------------------------------------------------------------------------

fn inputs() -> impl Strategy<Value = OptionInputs> {
    (
        any::<bool>(),
        10.0..500.0f64,
        0.5..2.0f64,
        1e-4..5.0f64,
        -0.02..0.15f64,
        0.0..0.08f64,
        0.01..3.0f64,
    )
        .prop_map(|(c, s, m, t, r, q, v)| {
            OptionInputs::new(if c { Call } else { Put }, s, s * m, t, r, q, v)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn bsm_price_within_bounds(o in inputs()) {
        let p = bsm::price(&o);
        let (fs, fk) = (o.s * (-o.q * o.t).exp(), o.k * (-o.r * o.t).exp());
        let (lo, hi) = match o.right { Call => ((fs - fk).max(0.0), fs), Put => ((fk - fs).max(0.0), fk) };
        prop_assert!(p >= lo - 1e-12 * o.s && p <= hi + 1e-12 * o.s, "{p} not in [{lo}, {hi}]");
    }

    #[test]
    fn bsm_monotonic_in_vol(o in inputs(), bump in 1e-3..0.5f64) {
        let hi = bsm::price(&o.with_sigma(o.sigma + bump));
        prop_assert!(hi >= bsm::price(&o) - 1e-12 * o.s);
        prop_assert!(bsm::greeks(&o).vega >= 0.0);
    }

    #[test]
    fn calls_without_dividends_gain_with_time(o in inputs(), extra in 1e-3..1.0f64) {
        // C(T) is increasing in T when q = 0 and r ≥ 0 (Merton 1973, Theorem 1).
        let c = OptionInputs { right: Call, q: 0.0, r: o.r.abs(), ..o };
        prop_assert!(bsm::price(&c.with_t(c.t + extra)) >= bsm::price(&c) - 1e-12 * c.s);
        prop_assert!(bsm::greeks(&c).theta <= 1e-12 * c.s);
        // With zero rates every European option gains with time.
        let z = OptionInputs { r: 0.0, ..o };
        prop_assert!(black76::price(&z.with_t(z.t + extra)) >= black76::price(&z) - 1e-12 * z.s);
    }

    #[test]
    fn gamma_and_vega_never_negative(o in inputs()) {
        let g = bsm::greeks(&o);
        prop_assert!(g.gamma >= 0.0 && g.vega >= 0.0);
        prop_assert!(g.delta.abs() <= 1.0);
        let b = bachelier::greeks(&o.with_sigma(o.sigma * o.s));
        prop_assert!(b.gamma >= 0.0 && b.vega >= 0.0 && b.price >= 0.0);
    }
}
