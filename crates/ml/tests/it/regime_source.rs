//! The regime model as the strategy selector's regime source: the inputs against a
//! direct computation, the label → route table, the daily closes read from intraday
//! history, and a fitted model changing which child strategy opens.

use chrono::NaiveDate;
use thetalab_core::Timestamp;
use thetalab_data::ChainSnapshot;
use thetalab_data::calendar::NyseCalendar;
use thetalab_ml::models::{Regime, RegimeModel};
use thetalab_ml::regime_source::{MixtureRegimeSource, RegimeInputs, route};
use thetalab_strategy::options::intel::IntelConfig;
use thetalab_strategy::options::{
    ChainView, ExitPlan, IntelCache, OptionAction, OptionContext, OptionStrategy, OrderIntent,
    PortfolioView, Regime as Route, RegimeSource, SelectorConfig, StrategySelector, StructureKind,
    UnderlyingHistory,
};

/// A deterministic standard normal stream (SplitMix64, Steele, Lea & Flood 2014, and
/// Box-Muller), so the fixtures do not depend on a random crate.
struct Normal(u64);

impl Normal {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn next(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Appends `days` closes with daily log-return drift `mu` and volatility `sigma`.
fn extend(closes: &mut Vec<f64>, rng: &mut Normal, days: usize, mu: f64, sigma: f64) {
    for _ in 0..days {
        let last = *closes.last().unwrap();
        closes.push(last * (mu + sigma * rng.next()).exp());
    }
}

/// 1 440 daily closes (under six years) through calm (σ 0.4 %/day), ranging (σ 1 %), rising and
/// falling (±1 %/day drift, σ 1 %: a drift of about 4.5 standard errors over the
/// 20-session trend window) and volatile (σ 3 %) stretches of 120 sessions.
fn training_closes() -> Vec<f64> {
    let mut rng = Normal(11);
    let mut c = vec![100.0];
    for _ in 0..2 {
        extend(&mut c, &mut rng, 120, 0.0, 0.004);
        extend(&mut c, &mut rng, 120, 0.01, 0.01);
        extend(&mut c, &mut rng, 120, 0.0, 0.01);
        extend(&mut c, &mut rng, 120, 0.0, 0.03);
        extend(&mut c, &mut rng, 120, -0.01, 0.01);
        extend(&mut c, &mut rng, 120, 0.0, 0.01);
    }
    c
}

fn fitted() -> RegimeModel {
    let rows = RegimeInputs::default().rows(&training_closes()).unwrap();
    RegimeModel::fit(&rows, RegimeInputs::WIDTH, 0, 1, 3).unwrap()
}

#[test]
fn inputs_match_a_direct_computation() {
    // Reference: σ = the sample standard deviation (ddof = 1) of the last n log returns
    // × √252 (the row holds ln σ), computed two-pass here (numpy's
    // `np.std(np.diff(np.log(c))[-n:], ddof=1) * np.sqrt(252)`), and the trend strength
    // |ln(C_t/C_{t−h})| / (σ/√252 · √h).
    let mut rng = Normal(5);
    let mut closes = vec![50.0];
    extend(&mut closes, &mut rng, 80, 0.001, 0.02);
    let inputs = RegimeInputs {
        trend_days: 10,
        vol_days: 15,
    };
    let rows = inputs.rows(&closes).unwrap();
    assert_eq!(rows.len(), 2 * closes.len());
    for t in 0..closes.len() {
        let (trend, vol) = (rows[2 * t], rows[2 * t + 1]);
        if t < inputs.lookback() {
            assert!(
                vol.is_nan() || trend.is_nan(),
                "row {t} before the look-back"
            );
            continue;
        }
        let r: Vec<f64> = (t - 14..=t)
            .map(|i| (closes[i] / closes[i - 1]).ln())
            .collect();
        let mean = r.iter().sum::<f64>() / 15.0;
        let var = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 14.0;
        let want_vol = (var * 252.0).sqrt();
        let want_trend = (closes[t] / closes[t - 10]).ln().abs() / (var.sqrt() * 10f64.sqrt());
        assert!(
            (trend - want_trend).abs() < 1e-12 * want_trend,
            "trend at {t}"
        );
        assert!((vol - want_vol.ln()).abs() < 1e-12, "log vol at {t}");
    }
    // `last` reads the tail only and gives the same row, with the trend's sign.
    let (row, signed) = inputs.last(&closes).unwrap();
    let n = closes.len();
    assert!((row[0] - rows[2 * n - 2]).abs() < 1e-12 * row[0]);
    assert!((row[1] - rows[2 * n - 1]).abs() < 1e-12);
    assert_eq!(signed, (closes[n - 1] / closes[n - 11]).ln());
    assert!(inputs.last(&closes[..15]).is_none(), "too short");
    // A bad close poisons only the rows whose windows hold it.
    let mut bad = closes.clone();
    bad[40] = -1.0;
    let rows = inputs.rows(&bad).unwrap();
    assert!(rows[2 * 40].is_nan() && rows[2 * 41 + 1].is_nan());
    assert!(rows[2 * 79].is_finite() && rows[2 * 79 + 1].is_finite());
    assert!(
        RegimeInputs {
            trend_days: 0,
            vol_days: 5
        }
        .rows(&closes)
        .is_err()
    );
    assert!(
        RegimeInputs {
            trend_days: 5,
            vol_days: 1
        }
        .rows(&closes)
        .is_err()
    );
}

#[test]
fn labels_map_to_routes() {
    assert_eq!(route(Regime::Trending, 0.05), Route::Bullish);
    assert_eq!(route(Regime::Trending, -0.05), Route::Bearish);
    assert_eq!(route(Regime::Trending, 0.0), Route::Neutral);
    for t in [-0.1, 0.0, 0.1] {
        assert_eq!(route(Regime::Volatile, t), Route::HighVolatility);
        assert_eq!(route(Regime::Ranging, t), Route::Neutral);
        assert_eq!(route(Regime::Calm, t), Route::Neutral);
    }
}

#[test]
fn the_fitted_model_names_the_stretches_it_was_fitted_on() {
    let m = fitted();
    let mut labels = m.component_labels().to_vec();
    labels.sort_by_key(|r| r.as_str());
    assert_eq!(
        labels,
        [
            Regime::Calm,
            Regime::Ranging,
            Regime::Trending,
            Regime::Volatile
        ]
    );
    let src = MixtureRegimeSource::new(m, RegimeInputs::default()).unwrap();
    // The last close of each training stretch (well inside it: 120 sessions, look-back
    // 20) is classified as the stretch was generated.
    let c = training_closes();
    let want = [
        (Regime::Calm, Route::Neutral),
        (Regime::Trending, Route::Bullish),
        (Regime::Ranging, Route::Neutral),
        (Regime::Volatile, Route::HighVolatility),
        (Regime::Trending, Route::Bearish),
        (Regime::Ranging, Route::Neutral),
    ];
    for (k, w) in want.iter().enumerate() {
        let end = 1 + 120 * (k + 1);
        assert_eq!(src.classify(&c[..end]), Some(*w), "stretch {k}");
        // And most of the stretch once its look-back is inside it (a 20-session window of
        // a driftless walk can look like a trend: the weakest stretch here, ranging, has
        // 63 of 99 sessions named as generated).
        let hits = (1 + 120 * k + 21..end)
            .filter(|e| src.classify(&c[..*e]) == Some(*w))
            .count();
        assert!(
            hits >= 60,
            "stretch {k}: {hits} of 99 sessions as generated"
        );
    }
}

#[test]
fn a_model_fitted_on_other_columns_is_refused() {
    let rows = RegimeInputs::default().rows(&training_closes()).unwrap();
    let swapped = RegimeModel::fit(&rows, 2, 1, 0, 3).unwrap();
    let e = MixtureRegimeSource::new(swapped, RegimeInputs::default()).unwrap_err();
    assert!(e.to_string().contains("trend strength"), "{e}");
    let m = fitted();
    let e = MixtureRegimeSource::new(m.clone(), RegimeInputs::default())
        .unwrap()
        .with_closes(&[100.0, f64::NAN])
        .unwrap_err();
    assert!(e.to_string().contains("close 1"), "{e}");
    assert!(
        MixtureRegimeSource::new(
            m,
            RegimeInputs {
                trend_days: 20,
                vol_days: 0
            }
        )
        .is_err()
    );
}

/// A child that asks to buy 1 share at every snapshot, so the selector's routing shows
/// in which alias reaches the output.
struct Probe(&'static str);

impl OptionStrategy for Probe {
    fn name(&self) -> &str {
        self.0
    }
    fn on_snapshot(&mut self, _ctx: &OptionContext<'_>, out: &mut Vec<OptionAction>) {
        out.push(OptionAction::Open(OrderIntent {
            strategy: self.0.into(),
            kind: StructureKind::Stock,
            legs: Vec::new(),
            shares: 1,
            units: Some(1),
            limit: None,
            exits: ExitPlan::hold(),
            reason: "probe".into(),
        }));
    }
}

fn selector() -> StrategySelector {
    let cfg = SelectorConfig {
        bullish: vec!["up".into()],
        bearish: vec!["down".into()],
        neutral: vec!["flat".into()],
        high_volatility: vec!["storm".into()],
        strategies: Default::default(),
    };
    let children: Vec<(String, Box<dyn OptionStrategy>)> = ["up", "down", "flat", "storm"]
        .into_iter()
        .map(|a| (a.to_string(), Box::new(Probe(a)) as Box<dyn OptionStrategy>))
        .collect();
    StrategySelector::from_children(children, &cfg)
}

/// Replays `closes` as sessions from 2024-01-02 on, one snapshot at 15:30 per session
/// (no chain rows, no VIX), and returns who opened at the last one and the reason.
fn run(sel: &mut StrategySelector, closes: &[f64]) -> (String, String) {
    let cal = NyseCalendar::new();
    let mut und = UnderlyingHistory::default();
    let portfolio = PortfolioView::default();
    let mut day = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    let mut last = Vec::new();
    for &c in closes {
        while !cal.is_session(day) {
            day = day.succ_opt().unwrap();
        }
        let ts = Timestamp::from_ny_hms(day, "15:30:00").unwrap();
        und.push(ts, c, 0.0, true);
        let snap = ChainSnapshot {
            ts,
            underlying: "SPY".into(),
            underlying_price: Some(c),
            ..ChainSnapshot::default()
        };
        let intel = IntelCache::new(IntelConfig::default());
        let ctx = OptionContext {
            now: ts,
            chain: ChainView::new(&snap, 0.05, 0.0, &cal),
            underlying: &und,
            intel: &intel,
            portfolio: &portfolio,
            calendar: &cal,
        };
        last.clear();
        sel.on_snapshot(&ctx, &mut last);
        day = day.succ_opt().unwrap();
    }
    match last.as_slice() {
        [OptionAction::Open(o)] => (o.strategy.clone(), o.reason.clone()),
        other => panic!("one open expected, got {other:?}"),
    }
}

#[test]
fn a_fitted_model_changes_which_child_opens() {
    // 40 calm sessions, then 25 rising ones (+1 %/day, σ 1 %).
    let mut rng = Normal(99);
    let mut rising = vec![200.0];
    extend(&mut rising, &mut rng, 40, 0.0, 0.004);
    extend(&mut rising, &mut rng, 25, 0.01, 0.01);
    // The intel rule sees no VIX, no dealer gamma and a price at its own session VWAP
    // (one point per session): neutral, so the plain selector runs `flat`.
    let (who, reason) = run(&mut selector(), &rising);
    assert_eq!(who, "flat");
    assert!(reason.starts_with("neutral: "), "{reason}");
    // With the fitted mixture, the same history is a rising trend: `up` runs instead.
    let source = MixtureRegimeSource::new(fitted(), RegimeInputs::default()).unwrap();
    let mut sel = selector().with_regime_source(Box::new(source.clone()));
    assert_eq!(sel.regime_source(), "gaussian-mixture");
    let (who, reason) = run(&mut sel, &rising);
    assert_eq!(who, "up");
    assert!(
        reason.starts_with("bullish (gaussian-mixture): "),
        "{reason}"
    );
    // Falling: `down`; volatile: `storm`.
    let mut falling = vec![200.0];
    extend(&mut falling, &mut rng, 40, 0.0, 0.004);
    extend(&mut falling, &mut rng, 25, -0.01, 0.01);
    let mut sel = selector().with_regime_source(Box::new(source.clone()));
    assert_eq!(run(&mut sel, &falling).0, "down");
    let mut stormy = vec![200.0];
    extend(&mut stormy, &mut rng, 40, 0.0, 0.004);
    extend(&mut stormy, &mut rng, 25, 0.0, 0.035);
    let mut sel = selector().with_regime_source(Box::new(source.clone()));
    assert_eq!(run(&mut sel, &stormy).0, "storm");
    // Too little history (20 closes, the look-back needs 21): the source cannot tell,
    // and the selector falls back to the intel regime.
    let mut sel = selector().with_regime_source(Box::new(source.clone()));
    let (who, reason) = run(&mut sel, &rising[46..]);
    assert_eq!(who, "flat");
    assert!(reason.starts_with("neutral: "), "{reason}");
    // Closes given up front fill the look-back: the same short replay is bullish.
    let warm = source.with_closes(&rising[..46]).unwrap();
    let mut sel = selector().with_regime_source(Box::new(warm));
    assert_eq!(run(&mut sel, &rising[46..]).0, "up");
}

#[test]
fn daily_closes_are_the_last_price_of_each_date_and_nothing_later() {
    let cal = NyseCalendar::new();
    let mut src = MixtureRegimeSource::new(fitted(), RegimeInputs::default()).unwrap();
    let mut und = UnderlyingHistory::default();
    let portfolio = PortfolioView::default();
    let intel = IntelCache::new(IntelConfig::default());
    let days = ["2024-03-04", "2024-03-05", "2024-03-06"];
    let step = |und: &mut UnderlyingHistory, src: &mut MixtureRegimeSource, d, hms, p| {
        let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let ts = Timestamp::from_ny_hms(day, hms).unwrap();
        let new = und.ts.last().is_none_or(|t| t.ny_date() != day);
        und.push(ts, p, 0.0, new);
        let snap = ChainSnapshot {
            ts,
            underlying: "SPY".into(),
            underlying_price: Some(p),
            ..ChainSnapshot::default()
        };
        let ctx = OptionContext {
            now: ts,
            chain: ChainView::new(&snap, 0.05, 0.0, &cal),
            underlying: und,
            intel: &intel,
            portfolio: &portfolio,
            calendar: &cal,
        };
        src.regime(&ctx)
    };
    // Day 1: 10:00 at 100, 12:00 at 140 (a spike), 16:00 at 101. Day 2: 10:00 at 99.
    step(&mut und, &mut src, days[0], "10:00:00", 100.0);
    step(&mut und, &mut src, days[0], "12:00:00", 140.0);
    // Within day 1 nothing is a completed close yet.
    assert!(src.closes().is_empty());
    step(&mut und, &mut src, days[0], "16:00:00", 101.0);
    step(&mut und, &mut src, days[1], "10:00:00", 99.0);
    assert_eq!(src.closes(), [101.0]);
    step(&mut und, &mut src, days[1], "16:00:00", 98.0);
    step(&mut und, &mut src, days[2], "09:45:00", 97.0);
    assert_eq!(src.closes(), [101.0, 98.0]);
    // Too little history so far: no answer.
    assert_eq!(
        step(&mut und, &mut src, days[2], "10:00:00", 97.5),
        None::<Route>
    );
    // Another replay (a new history) starts from the given closes (none here), not
    // from the sessions of the last one.
    let mut und2 = UnderlyingHistory::default();
    step(&mut und2, &mut src, "2024-05-01", "10:00:00", 50.0);
    assert!(src.closes().is_empty(), "{:?}", src.closes());
    step(&mut und2, &mut src, "2024-05-02", "10:00:00", 51.0);
    assert_eq!(src.closes(), [50.0]);
}
