//! Sweeps: the fused crossover grid against the general engine + metrics, the general
//! sweep, ranking and CSV.

use thetalab_backtest::sweep::{
    METRIC_COLUMNS, MaKind, ParamRange, grid, ma_cross_grid, random_search, result_row, run_sweep,
};
use thetalab_backtest::{BacktestConfig, DirectionMode, Fill, run};
use thetalab_core::Timestamp;
use thetalab_indicators::{ema, sma};
use thetalab_strategy::cross::cross_signals;
use thetalab_strategy::{BarColumns, BarInput};

fn gbm_closes(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = thetalab_backtest::sweep::SplitMix64::new(seed);
    let mut p = 50.0;
    (0..n)
        .map(|_| {
            p *= 1.0 + (rng.next_f64() - 0.5) * 0.05;
            p
        })
        .collect()
}

fn bars(close: &[f64]) -> BarColumns {
    BarColumns::from_bars(close.iter().enumerate().map(|(i, &c)| BarInput {
        ts: Timestamp::from_nanos(i as i64 * 86_400_000_000_000),
        open: c,
        high: c,
        low: c,
        close: c,
        volume: 1.0,
    }))
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-3),
        _ => false,
    }
}

/// Every streamed metric of the fused grid equals the engine + metrics on the same
/// pair, for several cost / direction / granularity settings, SMA and EMA, over more
/// bars than one time block (so block boundaries are crossed).
#[test]
fn fused_grid_equals_engine_plus_metrics() {
    let n = 5000;
    let close = gbm_closes(n, 11);
    let b = bars(&close);
    let view = b.view().unwrap();
    let fast: Vec<usize> = vec![2, 3, 5, 8, 13];
    let slow: Vec<usize> = vec![5, 10, 21, 40];
    let quantile = ["tail_ratio", "var_95", "cvar_95", "skew", "kurtosis"];
    for (kind, allow_short, cfg) in [
        (
            MaKind::Sma,
            false,
            BacktestConfig {
                fees_bps: 10.0,
                ..Default::default()
            },
        ),
        (
            MaKind::Sma,
            true,
            BacktestConfig {
                fees_bps: 5.0,
                slippage_bps: 3.0,
                direction: DirectionMode::Both,
                ..Default::default()
            },
        ),
        (
            MaKind::Ema,
            true,
            BacktestConfig {
                fees_bps: 2.0,
                fractional: false,
                init_cash: 10_000.0,
                direction: DirectionMode::Both,
                risk_free: 0.02,
                ..Default::default()
            },
        ),
        (
            MaKind::Sma,
            true,
            BacktestConfig {
                fee_per_share: 0.01,
                fixed_fee_per_order: 1.0,
                direction: DirectionMode::ShortOnly,
                ..Default::default()
            },
        ),
    ] {
        let table = ma_cross_grid(&close, kind, &fast, &slow, allow_short, &cfg, None).unwrap();
        let pairs = fast
            .iter()
            .flat_map(|f| slow.iter().map(move |s| (*f, *s)))
            .filter(|(f, s)| f < s)
            .count();
        assert_eq!(table.rows.len(), pairs);
        assert_eq!(table.skipped, fast.len() * slow.len() - pairs);
        for row in &table.rows {
            let (f, s) = (row.params[0] as usize, row.params[1] as usize);
            let (fm, sm) = match kind {
                MaKind::Sma => (sma(&close, f).unwrap(), sma(&close, s).unwrap()),
                MaKind::Ema => (ema(&close, f).unwrap(), ema(&close, s).unwrap()),
            };
            let sig = cross_signals(&fm, &sm, allow_short).unwrap();
            let res = run(&view, &sig, &cfg).unwrap();
            let want = result_row(&res, &cfg).unwrap();
            for (k, name) in METRIC_COLUMNS.iter().enumerate() {
                if quantile.contains(name) {
                    assert_eq!(row.metrics[k], None);
                    continue;
                }
                assert!(
                    same(row.metrics[k], want[k]),
                    "{kind:?} {f}/{s} {name}: fused {:?} engine {:?}",
                    row.metrics[k],
                    want[k]
                );
            }
        }
    }
}

#[test]
fn fused_grid_rejects_what_it_does_not_cover() {
    let close = gbm_closes(100, 1);
    let cfg = BacktestConfig {
        fill: Fill::NextOpen,
        ..Default::default()
    };
    assert!(ma_cross_grid(&close, MaKind::Sma, &[2], &[5], false, &cfg, None).is_err());
    let mut cfg = BacktestConfig::default();
    cfg.exits.stop_loss = Some(0.05);
    assert!(ma_cross_grid(&close, MaKind::Sma, &[2], &[5], false, &cfg, None).is_err());
    let cfg = BacktestConfig::default();
    assert!(ma_cross_grid(&close, MaKind::Sma, &[5], &[5], false, &cfg, None).is_err());
    assert!(ma_cross_grid(&close, MaKind::Sma, &[0], &[5], false, &cfg, None).is_err());
    let mut bad = close.clone();
    bad[3] = 0.0;
    assert!(ma_cross_grid(&bad, MaKind::Sma, &[2], &[5], false, &cfg, None).is_err());
}

#[test]
fn general_sweep_grid_random_rank_csv_progress() {
    let close = gbm_closes(400, 5);
    let b = bars(&close);
    let view = b.view().unwrap();
    let cfg = BacktestConfig {
        fees_bps: 10.0,
        ..Default::default()
    };
    let sets = grid(&[
        ("fast".into(), vec![3.0, 5.0, 10.0]),
        ("slow".into(), vec![5.0, 20.0]),
    ]);
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let cb = |_d: usize, t: usize| {
        assert_eq!(t, 6);
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    let mut t = run_sweep(&view, "sma-cross", &sets, &cfg, Some(&cb)).unwrap();
    assert_eq!(calls.into_inner(), 6);
    assert_eq!(t.rows.len(), 4); // (5,5), (10,5) rejected
    assert_eq!(t.skipped, 2);
    // The general sweep agrees with the fused grid on the shared metrics.
    let fused = ma_cross_grid(
        &close,
        MaKind::Sma,
        &[3, 5, 10],
        &[5, 20],
        false,
        &cfg,
        None,
    )
    .unwrap();
    for r in &t.rows {
        let f = fused
            .rows
            .iter()
            .find(|x| x.params[..2] == r.params[..2])
            .unwrap();
        assert!(same(f.metric("sharpe"), r.metric("sharpe")));
        assert!(same(f.metric("final_value"), r.metric("final_value")));
    }
    t.rank_by("sharpe", true).unwrap();
    let s: Vec<f64> = t.rows.iter().filter_map(|r| r.metric("sharpe")).collect();
    assert!(s.windows(2).all(|w| w[0] >= w[1]));
    let mut csv = Vec::new();
    t.write_csv(&mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .starts_with("fast,slow,final_value")
    );
    // Random search, seeded, through the general path.
    let sets = random_search(
        &[
            ParamRange {
                name: "fast".into(),
                lo: 2.0,
                hi: 10.0,
                integer: true,
            },
            ParamRange {
                name: "slow".into(),
                lo: 11.0,
                hi: 40.0,
                integer: true,
            },
        ],
        8,
        99,
    )
    .unwrap();
    let t = run_sweep(&view, "sma-cross", &sets, &cfg, None).unwrap();
    assert_eq!(t.rows.len(), 8);
    assert!(run_sweep(&view, "no-such", &sets, &cfg, None).is_err());
}

/// The 1 M-bar grid of the issue (fast 2..=100 × slow 10..=250). Run with
/// `cargo test --release -p thetalab-backtest --test it -- --ignored million --nocapture`
/// (or the `sweep_grid` example under `/usr/bin/time -v` for the peak RSS).
#[test]
#[ignore = "minutes of CPU; run on demand in release"]
fn million_bar_grid() {
    let close = gbm_closes(1_000_000, 7);
    let cfg = BacktestConfig {
        fees_bps: 10.0,
        ..Default::default()
    };
    let fast: Vec<usize> = (2..=100).collect();
    let slow: Vec<usize> = (10..=250).collect();
    let t0 = std::time::Instant::now();
    let t = ma_cross_grid(&close, MaKind::Sma, &fast, &slow, false, &cfg, None).unwrap();
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{} pairs × 1e6 bars in {secs:.1} s = {:.0} M bar·backtests/s",
        t.rows.len(),
        t.rows.len() as f64 * 1e6 / secs / 1e6
    );
    assert_eq!(t.rows.len(), 19_673);
    assert!(secs < 180.0);
}
