//! Labels worked by hand: triple barrier (AFML ch. 3), forward returns, trade outcomes.

use thetalab_core::Timestamp;
use thetalab_ml::labels::{
    Barrier, BarrierWidth, Prices, Touch, TripleBarrier, forward_returns,
    rolling_sample_std_of_log_returns, trade_outcomes, triple_barrier,
};

struct Bars {
    ts: Vec<Timestamp>,
    o: Vec<f64>,
    h: Vec<f64>,
    l: Vec<f64>,
    c: Vec<f64>,
}

impl Bars {
    fn new(rows: &[(f64, f64, f64, f64)]) -> Bars {
        Bars {
            ts: (0..rows.len() as i64)
                .map(|i| Timestamp::from_nanos(i * 86_400_000_000_000))
                .collect(),
            o: rows.iter().map(|r| r.0).collect(),
            h: rows.iter().map(|r| r.1).collect(),
            l: rows.iter().map(|r| r.2).collect(),
            c: rows.iter().map(|r| r.3).collect(),
        }
    }
    fn prices(&self) -> Prices<'_> {
        Prices {
            ts: &self.ts,
            open: &self.o,
            high: &self.h,
            low: &self.l,
            close: &self.c,
        }
    }
}

fn fixed(h: usize) -> TripleBarrier {
    TripleBarrier {
        profit_mult: 1.0,
        stop_mult: 1.0,
        horizon: h,
        width: BarrierWidth::Fixed(0.02),
        touch: Touch::HighLow,
    }
}

#[test]
fn profit_barrier_first() {
    // Entry 100: barriers 102 and 98. Bar 1 stays inside; bar 2's high 102.5 reaches 102.
    let b = Bars::new(&[
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 101.0, 99.5, 100.5),
        (100.6, 102.5, 100.2, 102.2),
        (102.0, 103.0, 90.0, 91.0),
    ]);
    let l = triple_barrier(&b.prices(), &[0], None, &fixed(3)).unwrap();
    assert_eq!(l.len(), 1);
    assert_eq!(
        (l[0].barrier, l[0].exit_index, l[0].label),
        (Barrier::Profit, 2, 1)
    );
    assert!((l[0].ret - 0.02).abs() < 1e-12);
    assert_eq!(l[0].t1, b.ts[2]);
    assert_eq!(l[0].win(), 1.0);
}

#[test]
fn stop_first_gap_and_both_in_one_bar() {
    // Bar 1 opens at 97, through the 98 stop: filled at the open, −3%.
    let b = Bars::new(&[
        (100.0, 100.0, 100.0, 100.0),
        (97.0, 99.0, 96.0, 98.5),
        (98.0, 99.0, 97.0, 98.0),
    ]);
    let l = triple_barrier(&b.prices(), &[0], None, &fixed(2)).unwrap();
    assert_eq!(
        (l[0].barrier, l[0].label, l[0].exit_index),
        (Barrier::Stop, -1, 1)
    );
    assert!((l[0].ret + 0.03).abs() < 1e-12);
    // One bar spans both barriers: the stop is assumed first, at the barrier.
    let b = Bars::new(&[
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 103.0, 97.0, 101.0),
        (101.0, 101.0, 101.0, 101.0),
    ]);
    let l = triple_barrier(&b.prices(), &[0], None, &fixed(2)).unwrap();
    assert_eq!(l[0].barrier, Barrier::Stop);
    assert!((l[0].ret + 0.02).abs() < 1e-12);
    assert_eq!(l[0].win(), 0.0);
}

#[test]
fn vertical_barrier_short_side_and_end_of_data() {
    let rows = [
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 101.0, 99.0, 100.5),
        (100.5, 101.5, 99.5, 101.0),
        (101.0, 101.2, 100.0, 100.5),
    ];
    let b = Bars::new(&rows);
    // Long, horizon 3: untouched, ends at 100.5 → +0.5%, label +1.
    let l = triple_barrier(&b.prices(), &[0], None, &fixed(3)).unwrap();
    assert_eq!(
        (l[0].barrier, l[0].exit_index, l[0].label),
        (Barrier::Vertical, 3, 1)
    );
    assert!((l[0].ret - 0.005).abs() < 1e-12);
    // Short: the same path is a −0.5% loss.
    let s = triple_barrier(&b.prices(), &[0], Some(&[-1]), &fixed(3)).unwrap();
    assert_eq!(s[0].label, -1);
    assert!((s[0].ret + 0.005).abs() < 1e-12);
    // A short's profit barrier is below: 1% width puts it at 99, touched by bar 1's low.
    let cfg = TripleBarrier {
        width: BarrierWidth::Fixed(0.01),
        ..fixed(3)
    };
    let s = triple_barrier(&b.prices(), &[0], Some(&[-1]), &cfg).unwrap();
    // Bar 1 reaches both 99 (profit) and 101 (stop): the stop is assumed first.
    assert_eq!(s[0].barrier, Barrier::Stop);
    // Event at bar 2 with horizon 3 has not resolved by the last bar: dropped.
    assert!(
        triple_barrier(&b.prices(), &[2], None, &fixed(3))
            .unwrap()
            .is_empty()
    );
    // Close-only touches: the 1% long barriers (101, 99) are hit by the close of bar 2 (101).
    let c = TripleBarrier {
        touch: Touch::Close,
        ..cfg
    };
    let l = triple_barrier(&b.prices(), &[0], None, &c).unwrap();
    assert_eq!((l[0].barrier, l[0].exit_index), (Barrier::Profit, 2));
    assert!((l[0].ret - 0.01).abs() < 1e-12);
    assert!(triple_barrier(&b.prices(), &[9], None, &c).is_err());
}

#[test]
fn rolling_vol_width_by_hand() {
    let closes = [100.0, 101.0, 99.0, 102.0, 103.0];
    let sd = rolling_sample_std_of_log_returns(&closes, 3);
    let r: Vec<f64> = closes.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    // Bar 3: returns r[0..3]; sample std with n − 1.
    let m = (r[0] + r[1] + r[2]) / 3.0;
    let want = (((r[0] - m).powi(2) + (r[1] - m).powi(2) + (r[2] - m).powi(2)) / 2.0).sqrt();
    assert!(sd[2].is_nan());
    assert!((sd[3] - want).abs() < 1e-15);
    // The labeller uses it as the width at the event bar.
    let rows: Vec<(f64, f64, f64, f64)> = closes.iter().map(|&c| (c, c, c, c)).collect();
    let b = Bars::new(&rows);
    let cfg = TripleBarrier {
        profit_mult: 1.0,
        stop_mult: 1.0,
        horizon: 1,
        width: BarrierWidth::RollingVol { window: 3 },
        touch: Touch::Close,
    };
    let l = triple_barrier(&b.prices(), &[1, 3], None, &cfg).unwrap();
    assert_eq!(l.len(), 1, "bar 1 lacks 3 returns of history");
    assert_eq!(l[0].width, want);
}

#[test]
fn forward_returns_by_hand() {
    let ts: Vec<Timestamp> = (0..4).map(Timestamp::from_nanos).collect();
    let (r, t1) = forward_returns(&ts, &[100.0, 110.0, 121.0, 133.1], 2).unwrap();
    assert!((r[0] - (1.21f64).ln()).abs() < 1e-15);
    assert!((r[1] - (133.1f64 / 110.0).ln()).abs() < 1e-15);
    assert!(r[2].is_nan() && r[3].is_nan());
    assert_eq!(t1[0], ts[2]);
}

#[test]
fn trade_outcomes_from_the_backtester() {
    use thetalab_backtest::{BacktestConfig, run};
    use thetalab_strategy::{BarColumns, BarInput, BarStrategy, SmaCross};
    // The backtest crate's doc example: bought at 11 on bar 4, sold at 9 on bar 7.
    let closes = [10.0, 9.0, 8.0, 9.0, 11.0, 12.0, 11.0, 9.0, 8.0];
    let highs: Vec<f64> = closes.iter().map(|c| c + 0.5).collect();
    let lows: Vec<f64> = closes.iter().map(|c| c - 0.5).collect();
    let bars = BarColumns::from_bars(closes.iter().enumerate().map(|(i, &c)| BarInput {
        ts: Timestamp::from_nanos(i as i64 * 86_400_000_000_000),
        open: c,
        high: highs[i],
        low: lows[i],
        close: c,
        volume: 1.0,
    }));
    let view = bars.view().unwrap();
    let signals = SmaCross::new(2, 3).unwrap().signals(&view).unwrap();
    let res = run(
        &view,
        &signals,
        &BacktestConfig {
            init_cash: 1000.0,
            ..Default::default()
        },
    )
    .unwrap();
    let ts: Vec<Timestamp> = (0..9)
        .map(|i| Timestamp::from_nanos(i * 86_400_000_000_000))
        .collect();
    let p = Prices {
        ts: &ts,
        open: &closes,
        high: &highs,
        low: &lows,
        close: &closes,
    };
    let out = trade_outcomes(&res.trades, &p).unwrap();
    assert_eq!(out.len(), 1);
    let o = out[0];
    assert_eq!((o.entry_index, o.exit_index), (4, 7));
    assert_eq!(o.win, 0.0);
    assert!((o.ret - (9.0 / 11.0 - 1.0)).abs() < 1e-12);
    // Best high after entry: bar 5's 12.5 → MFE 12.5/11 − 1; worst low: bar 7's 8.5.
    assert_eq!(o.best_exit_index, 5);
    assert!((o.mfe - (12.5 / 11.0 - 1.0)).abs() < 1e-12);
    assert!((o.mae - (8.5 / 11.0 - 1.0)).abs() < 1e-12);
    assert_eq!((o.t0, o.t1), (ts[4], ts[7]));
}

#[test]
fn dataset_of_the_synthetic_market_is_labelled_and_time_ordered() {
    use thetalab_data::synth::SynthConfig;
    use thetalab_ml::dataset::{DatasetConfig, LabelMethod, dataset};
    let base = DatasetConfig::default();
    // A shorter market than the default job (5 040 sessions) keeps the test fast.
    let cfg = DatasetConfig {
        synth: SynthConfig {
            sessions: 400,
            ..base.synth.clone()
        },
        ..base.clone()
    };
    let d = dataset(&cfg).unwrap();
    let n = d.labels.len();
    assert!(
        n > 5,
        "{n} rows, dropped {} incomplete",
        d.dropped_incomplete
    );
    assert_eq!(
        (
            d.features.n_rows,
            d.t0.len(),
            d.t1.len(),
            d.sides.len(),
            d.returns.len()
        ),
        (n, n, n, n, n)
    );
    assert!(d.features.n_cols >= 150 + 17 + 14);
    assert!(d.labels.iter().all(|y| *y == 0.0 || *y == 1.0));
    assert!((0..n).all(|i| d.t1[i] > d.t0[i] && d.features.row_is_complete(i)));
    assert!(d.t0.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(d.features.ts, d.t0);
    // Triple-barrier label 1 ⇔ profit barrier or a positive vertical return.
    assert!((0..n).all(|i| (d.labels[i] == 1.0) == (d.returns[i] > 0.0)));
    // The same events labelled by backtest trade outcomes (long-only).
    let t = dataset(&DatasetConfig {
        labels: LabelMethod::TradeOutcome,
        options: false,
        ..cfg
    })
    .unwrap();
    assert!(!t.labels.is_empty() && t.sides.iter().all(|s| *s == 1));
    assert!((0..t.labels.len()).all(|i| (t.labels[i] == 1.0) == (t.returns[i] > 0.0)));
    println!(
        "dataset: {n} rows, {} features, {} dropped incomplete, {} undecided",
        d.features.n_cols, d.dropped_incomplete, d.dropped_undecided
    );
}

#[test]
fn bad_prices_are_errors_naming_bar_and_column_not_labels() {
    // Before the check a NaN close compared false with both barriers, so the event ran
    // to its vertical barrier and came out as a flat 0 label with a NaN return.
    let rows = [
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 100.5, 99.5, 100.0),
        (100.0, 100.5, 99.5, f64::NAN),
        (100.0, 100.5, 99.5, 100.0),
    ];
    let b = Bars::new(&rows);
    let c = TripleBarrier {
        touch: Touch::Close,
        ..fixed(3)
    };
    let e = triple_barrier(&b.prices(), &[0], None, &c)
        .unwrap_err()
        .to_string();
    assert!(e.contains("close at bar 2") && e.contains("NaN"), "{e}");
    // Intrabar touches read the high and the low too.
    let mut b = Bars::new(&rows);
    b.c[2] = 100.0;
    b.h[3] = f64::NAN;
    let e = triple_barrier(&b.prices(), &[0], None, &fixed(3))
        .unwrap_err()
        .to_string();
    assert!(e.contains("high at bar 3"), "{e}");
    // A zero entry close cannot size a return.
    let mut b = Bars::new(&rows);
    b.c[2] = 100.0;
    b.c[0] = 0.0;
    let e = triple_barrier(&b.prices(), &[0], None, &fixed(3))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("close at bar 0") && e.contains("positive"),
        "{e}"
    );
    // Bars after the decision are never read: a bad bar past the exit is no error.
    let b = Bars::new(&[
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 103.0, 99.5, 102.5),
        (f64::NAN, f64::NAN, f64::NAN, f64::NAN),
    ]);
    let l = triple_barrier(&b.prices(), &[0], None, &fixed(2)).unwrap();
    assert_eq!((l[0].barrier, l[0].exit_index), (Barrier::Profit, 1));
    // Past the warm-up, an undefined rolling vol comes from a bad close in its window.
    let closes = [100.0, 101.0, -1.0, 102.0, 103.0, 104.0];
    let rows: Vec<(f64, f64, f64, f64)> = closes.iter().map(|&c| (c, c, c, c)).collect();
    let b = Bars::new(&rows);
    let cfg = TripleBarrier {
        width: BarrierWidth::RollingVol { window: 3 },
        horizon: 1,
        ..fixed(1)
    };
    let e = triple_barrier(&b.prices(), &[3], None, &cfg)
        .unwrap_err()
        .to_string();
    assert!(e.contains("close at bar 2") && e.contains("-1"), "{e}");
}

#[test]
fn each_label_names_its_event_when_two_share_a_bar() {
    // A long and a short entry on bar 0, profit 1% and stop 5%: bar 1's low of 98.9
    // reaches the short's 99 profit barrier but neither of the long's (101, 95), and the
    // long's 3-bar vertical lies beyond the data, so only the short (event 1) is decided.
    let b = Bars::new(&[
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 100.5, 98.9, 99.5),
        (99.5, 100.0, 99.0, 99.8),
    ]);
    let cfg = TripleBarrier {
        profit_mult: 1.0,
        stop_mult: 5.0,
        horizon: 3,
        width: BarrierWidth::Fixed(0.01),
        touch: Touch::HighLow,
    };
    let l = triple_barrier(&b.prices(), &[0, 0], Some(&[1, -1]), &cfg).unwrap();
    assert_eq!(l.len(), 1);
    assert_eq!(
        (l[0].event, l[0].index, l[0].barrier),
        (1, 0, Barrier::Profit)
    );
    assert!((l[0].ret - 0.01).abs() < 1e-12);
}

#[test]
fn rolling_vol_width_matches_the_two_pass_formula_on_a_long_series() {
    // The width is thetalab_indicators' close-to-close HV unannualised (running sums);
    // against the direct two-pass sample std of each window it agrees to rounding.
    let mut c = vec![100.0f64];
    let mut s = 7u64;
    for _ in 1..5000 {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let u = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        let last = c[c.len() - 1];
        c.push(last * (0.02 * u).exp());
    }
    let w = 20;
    let sd = rolling_sample_std_of_log_returns(&c, w);
    let r: Vec<f64> = c.windows(2).map(|p| (p[1] / p[0]).ln()).collect();
    for i in w..c.len() {
        let win = &r[i - w..i];
        let m = win.iter().sum::<f64>() / w as f64;
        let want = (win.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (w as f64 - 1.0)).sqrt();
        assert!(
            (sd[i] - want).abs() <= 1e-12 * want,
            "bar {i}: {} vs {want}",
            sd[i]
        );
    }
    assert!(sd[..w].iter().all(|x| x.is_nan()));
}

#[test]
fn forward_returns_refuse_bad_closes() {
    let ts: Vec<Timestamp> = (0..4).map(Timestamp::from_nanos).collect();
    let e = forward_returns(&ts, &[100.0, f64::NAN, 121.0, 133.1], 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("close at bar 1"), "{e}");
    assert!(forward_returns(&ts, &[100.0, 0.0, 121.0, 133.1], 1).is_err());
}

#[test]
fn trade_outcomes_refuse_a_nan_high_inside_the_trade() {
    use thetalab_backtest::{BacktestConfig, run};
    use thetalab_strategy::{BarColumns, BarInput, BarStrategy, SmaCross};
    // The trade of `trade_outcomes_from_the_backtester` (bars 4..=7) with bar 6's high
    // missing: a NaN compared false and silently left out of the excursions.
    let closes = [10.0, 9.0, 8.0, 9.0, 11.0, 12.0, 11.0, 9.0, 8.0];
    let mut highs: Vec<f64> = closes.iter().map(|c| c + 0.5).collect();
    let lows: Vec<f64> = closes.iter().map(|c| c - 0.5).collect();
    let ts: Vec<Timestamp> = (0..9)
        .map(|i| Timestamp::from_nanos(i * 86_400_000_000_000))
        .collect();
    let bars = BarColumns::from_bars(closes.iter().enumerate().map(|(i, &c)| BarInput {
        ts: ts[i],
        open: c,
        high: highs[i],
        low: lows[i],
        close: c,
        volume: 1.0,
    }));
    let view = bars.view().unwrap();
    let signals = SmaCross::new(2, 3).unwrap().signals(&view).unwrap();
    let res = run(&view, &signals, &BacktestConfig::default()).unwrap();
    highs[6] = f64::NAN;
    let p = Prices {
        ts: &ts,
        open: &closes,
        high: &highs,
        low: &lows,
        close: &closes,
    };
    let e = trade_outcomes(&res.trades, &p).unwrap_err().to_string();
    assert!(e.contains("high at bar 6"), "{e}");
}
