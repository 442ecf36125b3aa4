//! Stress identities: zero shock, monotonicity, flash crash, historical replay, TOML.

use chrono::NaiveDate;
use thetalab_core::OptionRight;
use thetalab_pricing::{OptionInputs, bsm};
use thetalab_risk::RiskError;
use thetalab_risk::measure::book::{Book, OptionPosition, StockPosition, VolShock};
use thetalab_risk::stress::{self, FlashCrash, HistoricalWindow};

fn long_call() -> Book {
    let call = OptionInputs::new(OptionRight::Call, 100.0, 105.0, 0.25, 0.03, 0.01, 0.2);
    Book {
        options: vec![OptionPosition {
            underlying: "SPY".into(),
            inputs: call,
            qty: 2.0,
            multiplier: 100.0,
        }],
        stocks: vec![],
    }
}

#[test]
fn grid_identities() {
    let (spot, vol) = stress::default_axes();
    let g = stress::grid(&long_call(), &spot, &vol).unwrap();
    assert_eq!(g.pnl.len(), 9);
    // Zero shock (row spot = 0, column vol +0 %) is zero P&L.
    assert_eq!(g.pnl[4][2], 0.0);
    for j in 0..vol.len() {
        // A long call gains with spot up …
        for i in 1..spot.len() {
            assert!(g.pnl[i][j] > g.pnl[i - 1][j]);
        }
    }
    // … and with vol up (positive vega).
    for row in &g.pnl {
        for j in 1..row.len() {
            assert!(row[j] > row[j - 1]);
        }
    }
    // One cell by hand: spot +10 %, vol +25 %.
    let o = long_call().options[0].inputs;
    let want = 200.0
        * (bsm::price(&OptionInputs {
            s: 110.0,
            sigma: 0.25,
            ..o
        }) - bsm::price(&o));
    assert!((g.pnl[6][3] - want).abs() < 1e-9);
}

#[test]
fn flash_crash_hurts_a_short_put_and_helps_a_long_put() {
    let put = OptionInputs::new(OptionRight::Put, 100.0, 95.0, 0.1, 0.03, 0.0, 0.18);
    let short = Book {
        options: vec![OptionPosition {
            underlying: "X".into(),
            inputs: put,
            qty: -1.0,
            multiplier: 100.0,
        }],
        stocks: vec![],
    };
    let p = stress::flash_crash(&short, &FlashCrash::default()).unwrap();
    let want = -100.0
        * (bsm::price(&OptionInputs {
            s: 90.0,
            sigma: 0.48,
            ..put
        }) - bsm::price(&put));
    assert!((p - want).abs() < 1e-9 && p < 0.0);
    let long = Book {
        options: vec![OptionPosition {
            qty: 1.0,
            ..short.options[0].clone()
        }],
        stocks: vec![],
    };
    assert!((stress::flash_crash(&long, &FlashCrash::default()).unwrap() + p).abs() < 1e-9);
}

#[test]
fn replay_compounds_the_window_only() {
    let d = |m, day| NaiveDate::from_ymd_opt(2020, m, day).unwrap();
    let series = vec![
        (d(2, 19), 0.5), // before the window: ignored
        (d(3, 2), -0.10),
        (d(2, 21), -0.05), // unsorted on purpose
        (d(3, 23), 0.02),
        (d(3, 24), 0.9), // after: ignored
    ];
    let book = Book {
        options: vec![],
        stocks: vec![StockPosition {
            underlying: "SPY".into(),
            spot: 100.0,
            shares: 10.0,
        }],
    };
    let w = HistoricalWindow::builtin("2020-03").unwrap();
    let r = stress::replay(&book, &w, &series, VolShock::None).unwrap();
    let g = 0.95 * 0.90 * 1.02;
    assert_eq!(r.days, 3);
    assert!((r.cumulative_return - (g - 1.0)).abs() < 1e-15);
    assert!((r.end_pnl - 1000.0 * (g - 1.0)).abs() < 1e-9);
    assert!((r.worst_pnl - 1000.0 * (0.95 * 0.90 - 1.0)).abs() < 1e-9);
    assert_eq!(r.worst_date, d(3, 2));
    let w08 = HistoricalWindow::builtin("2008").unwrap();
    assert_eq!(
        stress::replay(&book, &w08, &series, VolShock::None),
        Err(RiskError::EmptyWindow("2008".into()))
    );
}

#[test]
fn toml_scenarios() {
    let text = r#"
[[scenario]]
name = "tech sell-off"
spot = -0.05
vol_rel = 0.25
[scenario.underlyings.AAPL]
spot = -0.15
vol_points = 0.10

[[scenario]]
name = "calm"
days = 5
"#;
    let sc = stress::scenarios_from_toml(text).unwrap();
    assert_eq!(sc.len(), 2);
    let a = sc[0].shock_for("AAPL");
    assert_eq!((a.spot, a.vol), (-0.15, VolShock::Points(0.10)));
    let spy = sc[0].shock_for("SPY");
    assert_eq!((spy.spot, spy.vol), (-0.05, VolShock::Relative(0.25)));
    assert!((sc[1].global.dt - 5.0 / 252.0).abs() < 1e-15);
    // Zero shock → zero P&L; time decay alone costs a long call.
    let zero = stress::scenarios_from_toml("[[scenario]]\nname = \"z\"\n").unwrap();
    assert_eq!(zero[0].pnl(&long_call()).unwrap(), 0.0);
    assert!(sc[1].pnl(&long_call()).unwrap() < 0.0);
    let e = stress::scenarios_from_toml(
        "[[scenario]]\nname = \"bad\"\n[scenario.underlyings.QQQ]\nspot = -2.0\n",
    )
    .unwrap_err();
    assert_eq!(
        e,
        RiskError::ScenarioKey {
            scenario: "bad".into(),
            key: "underlyings.QQQ.spot".into(),
            value: -2.0
        }
    );
}
