//! Metrics against empyrical-reloaded / scipy golden values, hand-computed cases, and
//! streaming == batch properties.
//!
//! Fixtures: `tests/fixtures/metrics/` (see `gen_metrics.py` there for provenance). The SPY
//! series is read by path from the shared data folder (no licence to commit it); the test
//! is skipped with a message when that folder is absent.

use std::{collections::HashMap, path::PathBuf};

use proptest::prelude::*;
use thetalab_backtest::metrics::{
    DrawdownTracker, Metrics, MetricsConfig, RunningStats, TradeRecord, breakdown, drawdown,
    monthly_returns, returns as rt,
};
use thetalab_core::Timestamp;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/metrics")
}

fn shared_data() -> PathBuf {
    std::env::var_os("THETALAB_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

/// Non-comment lines of a CSV fixture, header dropped.
fn rows(path: &PathBuf) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// Daily timestamps at 00:00 New York of each ISO date (the data crate's daily-bar stamp).
fn ny_midnight(date: &str) -> Timestamp {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    Timestamp::from_ny_hms(d, "00:00").unwrap()
}

/// (dates, returns) of every series the golden file covers, or None for SPY if absent.
fn series(name: &str) -> Option<Series> {
    match name {
        "spy" => {
            let path = shared_data().join("index-daily/spy_daily_2008_2017_yahoo_mplfinance.csv");
            let Ok(file) = std::fs::File::open(&path) else {
                println!("skipping SPY golden test: {} not found", path.display());
                return None;
            };
            let mut rdr = csv::Reader::from_reader(file);
            let (mut dates, mut adj) = (Vec::new(), Vec::new());
            for rec in rdr.records() {
                let rec = rec.unwrap();
                dates.push(rec[0].to_owned());
                adj.push(rec[5].parse::<f64>().unwrap());
            }
            let r = adj.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
            Some((dates[1..].to_vec(), r))
        }
        "sp500" | "sp500_flat" => {
            let rs = rows(&fixtures().join("sp500_returns.csv"));
            let dates: Vec<String> = rs.iter().map(|r| r[0].clone()).collect();
            let mut r: Vec<f64> = rs.iter().map(|r| r[1].parse().unwrap()).collect();
            if name == "sp500_flat" {
                // The toy strategy of gen_metrics.py: flat the day after a down day.
                let orig = r.clone();
                for i in 1..r.len() {
                    if orig[i - 1] < 0.0 {
                        r[i] = 0.0;
                    }
                }
            }
            Some((dates, r))
        }
        _ => panic!("unknown series {name}"),
    }
}

/// Dates and returns of one series.
type Series = (Vec<String>, Vec<f64>);

fn rel_close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs().max(1e-300) || got == want
}

#[test]
fn golden_empyrical_metrics() {
    let golden = rows(&fixtures().join("golden_metrics.csv"));
    let mut cache: HashMap<String, Option<Series>> = HashMap::new();
    let mut checked = 0;
    let mut worst = (0.0f64, String::new());
    for row in &golden {
        let (name, rf_annual, metric, want) = (
            &row[0],
            row[1].parse::<f64>().unwrap(),
            row[2].as_str(),
            row[3].parse::<f64>().unwrap(),
        );
        let Some((_, r)) = cache
            .entry(name.clone())
            .or_insert_with(|| series(name))
            .as_ref()
        else {
            continue;
        };
        let cfg = MetricsConfig {
            risk_free_annual: rf_annual,
            ..MetricsConfig::default()
        };
        let m = Metrics::compute(r, &[], None, &cfg).unwrap();
        let got = match metric {
            "total_return" => Some(m.total_return),
            "annual_return" => m.annual_return,
            "annual_volatility" => m.annual_volatility,
            "sharpe" => m.sharpe,
            "sortino" => m.sortino,
            "downside_risk" => m.downside_risk,
            "calmar" => m.calmar,
            "omega" => m.omega,
            "tail_ratio" => m.tail_ratio,
            "max_drawdown" => Some(m.max_drawdown),
            "var" => m.var,
            "cvar" => m.cvar,
            "skew" => m.skew,
            "kurtosis" => m.kurtosis,
            "ulcer_index" => Some(m.ulcer_index),
            "max_drawdown_duration" => Some(m.max_drawdown_duration as f64),
            other => panic!("unknown metric {other}"),
        }
        .unwrap_or_else(|| panic!("{name} rf={rf_annual} {metric}: None, want {want}"));
        let err = (got - want).abs() / want.abs();
        if err > worst.0 {
            worst = (err, format!("{name} rf={rf_annual} {metric}"));
        }
        assert!(
            rel_close(got, want, 1e-12),
            "{name} rf={rf_annual} {metric}: got {got:e}, empyrical {want:e}, rel err {err:e}"
        );
        checked += 1;
    }
    println!(
        "checked {checked} golden values; worst relative error {:e} ({})",
        worst.0, worst.1
    );
    assert!(checked >= 64, "only {checked} golden values checked");
}

#[test]
fn golden_monthly_returns() {
    let golden = rows(&fixtures().join("golden_monthly.csv"));
    for name in ["spy", "sp500", "sp500_flat"] {
        let Some((dates, r)) = series(name) else {
            continue;
        };
        let ts: Vec<Timestamp> = dates.iter().map(|d| ny_midnight(d)).collect();
        let got = monthly_returns(&ts, &r).unwrap();
        let want: Vec<&Vec<String>> = golden.iter().filter(|g| g[0] == name).collect();
        assert_eq!(got.len(), want.len(), "{name}: month count");
        for (g, w) in got.iter().zip(want) {
            assert_eq!(
                (g.year, g.month),
                (w[1].parse().unwrap(), w[2].parse().unwrap())
            );
            let wv: f64 = w[3].parse().unwrap();
            assert!(
                rel_close(g.ret, wv, 1e-12),
                "{name} {}-{}: {} vs {wv}",
                g.year,
                g.month,
                g.ret
            );
        }
    }
}

#[test]
fn monthly_breakdown_by_label_compounds_like_monthly_returns() {
    let (dates, r) = series("sp500").unwrap();
    let ts: Vec<Timestamp> = dates.iter().map(|d| ny_midnight(d)).collect();
    let labels: Vec<(i32, u32)> = dates
        .iter()
        .map(|d| (d[..4].parse().unwrap(), d[5..7].parse().unwrap()))
        .collect();
    let by = breakdown(&labels, &r, None, &MetricsConfig::default()).unwrap();
    let monthly = monthly_returns(&ts, &r).unwrap();
    assert_eq!(by.len(), monthly.len());
    for m in monthly {
        let b = &by[&(m.year, m.month)];
        assert!(rel_close(b.total_return, m.ret, 1e-15));
    }
}

#[test]
fn hand_computed_trade_metrics_and_drawdown() {
    // Returns (exact in binary): equity 1 → 1.25 → 0.625 → 0.625 → 1.25 → 1.3125; peak
    // 1.25 at bar 1, back at the peak at bar 4: a 3-bar spell, depth −50 %.
    let r = [0.25, -0.5, 0.0, 1.0, 0.05];
    let trades = [
        TradeRecord {
            pnl: 200.0,
            return_pct: 0.2,
            traded_value: 2200.0,
        },
        TradeRecord {
            pnl: -300.0,
            return_pct: -0.25,
            traded_value: 2100.0,
        },
        TradeRecord {
            pnl: 360.0,
            return_pct: 0.4,
            traded_value: 2160.0,
        },
    ];
    let mask = [true, true, false, true, true];
    let m = Metrics::compute(&r, &trades, Some(&mask), &MetricsConfig::default()).unwrap();
    assert_eq!(m.max_drawdown, -0.5);
    assert_eq!(m.max_drawdown_duration, 3);
    // Drawdowns 0, −0.5, −0.5, 0, 0 → ulcer √(0.5 / 5).
    assert!((m.ulcer_index - (0.5f64 / 5.0).sqrt()).abs() < 1e-15);
    assert_eq!(m.trade_count, 3);
    assert!((m.win_rate.unwrap() - 2.0 / 3.0).abs() < 1e-15);
    assert!((m.profit_factor.unwrap() - 560.0 / 300.0).abs() < 1e-15);
    assert!((m.expectancy.unwrap() - 260.0 / 3.0).abs() < 1e-12);
    assert_eq!(m.avg_win, Some(280.0));
    assert_eq!(m.avg_loss, Some(-300.0));
    assert_eq!(m.exposure, Some(0.8));
    assert!((m.calmar.unwrap() - m.annual_return.unwrap() / 0.5).abs() < 1e-12);
    assert!((m.total_return - 0.3125).abs() < 1e-15);
}

#[test]
fn metrics_serialise_undefined_as_null() {
    // Constant returns: no dispersion, no loss, no drawdown.
    let m = Metrics::compute(&[0.001; 10], &[], None, &MetricsConfig::default()).unwrap();
    assert_eq!(
        (m.sharpe, m.sortino, m.calmar, m.omega, m.skew),
        (None, None, None, None, None)
    );
    assert_eq!(m.max_drawdown, 0.0);
    assert_eq!(m.annual_volatility, Some(0.0));
}

fn returns_strategy() -> impl Strategy<Value = Vec<f64>> {
    // Mix of ordinary returns and exact zeros (flat days), 0..300 bars.
    prop::collection::vec(prop_oneof![3 => -0.08f64..0.08, 1 => Just(0.0)], 0..300)
}

fn close_opt(a: Option<f64>, b: Option<f64>, tol: f64) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= tol * (1.0 + x.abs().max(y.abs())),
        (None, None) => true,
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn running_stats_equal_batch(r in returns_strategy(), rf in prop_oneof![Just(0.0), 0.0f64..0.001]) {
        let mut s = RunningStats::new(rf);
        r.iter().for_each(|&x| s.push(x));
        let ppy = 252.0;
        prop_assert_eq!(s.count() as usize, r.len());
        prop_assert!(close_opt(s.total_return(), rt::total_return(&r), 1e-12));
        prop_assert!(close_opt(s.annual_return(ppy), rt::annual_return(&r, ppy), 1e-9));
        prop_assert!(close_opt(s.annual_volatility(ppy), rt::annual_volatility(&r, ppy), 1e-10));
        prop_assert!(close_opt(s.sharpe(ppy), rt::sharpe_ratio(&r, rf, ppy), 1e-9));
        prop_assert!(close_opt(s.downside_risk(ppy), rt::downside_risk(&r, rf, ppy), 1e-12));
        prop_assert!(close_opt(s.sortino(ppy), rt::sortino_ratio(&r, rf, ppy), 1e-9));
        prop_assert!(close_opt(s.omega(), rt::omega_ratio(&r, rf), 1e-12));
    }

    #[test]
    fn drawdown_tracker_equals_batch_and_definition(r in returns_strategy()) {
        let mut t = DrawdownTracker::new();
        r.iter().for_each(|&x| t.push_return(x));
        prop_assert_eq!(t.max_drawdown(), drawdown::max_drawdown(&r));
        prop_assert_eq!(t.max_drawdown_duration(), drawdown::max_drawdown_duration(&r));
        prop_assert_eq!(t.ulcer_index(), drawdown::ulcer_index(&r));
        // Against a direct O(n²) reading of the definitions on the materialised curve.
        let mut eq = vec![1.0];
        for &x in &r { let last = eq[eq.len() - 1]; eq.push(last * (1.0 + x)); }
        let mut peak = 1.0f64;
        let mut worst = 0.0f64;
        let mut sq = 0.0;
        for &e in &eq[1..] { peak = peak.max(e); let d = (e - peak) / peak; worst = worst.min(d); sq += d * d; }
        prop_assert_eq!(t.max_drawdown(), worst);
        if !r.is_empty() { prop_assert!((t.ulcer_index() - (sq / r.len() as f64).sqrt()).abs() < 1e-15); }
        let mut longest = 0u64;
        for p in 0..eq.len() {
            // p is a peak bar if it is at the running max; the spell runs to the first later
            // bar at or above eq[p], or to the end, if any bar in between is below it.
            if eq[..=p].iter().any(|&e| e > eq[p]) { continue; }
            let end = (p + 1..eq.len()).find(|&j| eq[j] >= eq[p]).unwrap_or(eq.len() - 1);
            if end > p && eq[p + 1] < eq[p] { longest = longest.max((end - p) as u64); }
        }
        prop_assert_eq!(t.max_drawdown_duration(), longest);
    }

    #[test]
    fn var_cvar_order_and_sign(r in prop::collection::vec(-0.1f64..0.1, 1..300)) {
        let var = rt::value_at_risk(&r, 0.05).unwrap();
        let cvar = rt::conditional_value_at_risk(&r, 0.05).unwrap();
        let min = r.iter().copied().fold(f64::INFINITY, f64::min);
        prop_assert!(cvar >= min - 1e-15);
        // CVaR averages the order statistics up to ⌊(n−1)·0.05⌋, all ≤ the VaR.
        prop_assert!(cvar <= var + 1e-15);
    }
}
