//! The fused SMA-crossover grid: fast 2..=100 × slow 10..=250 (fast < slow: 19,673
//! pairs) on 2,148 daily closes — the GOOG file of `backtesting.py` when
//! /work/shared/data is present, else a seeded GBM series of the same length — with
//! 10 bps fees and every streamed metric. Reports bar·backtests per second as
//! criterion throughput ("elements" = bars × pairs).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use thetalab_backtest::BacktestConfig;
use thetalab_backtest::sweep::{MaKind, SplitMix64, ma_cross_grid};

fn closes() -> (Vec<f64>, &'static str) {
    let path = Path::new("/work/shared/data/pypi-bundled/backtesting/GOOG.csv");
    if let Ok(text) = std::fs::read_to_string(path) {
        let c: Vec<f64> = text
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(4)?.parse().ok())
            .collect();
        if c.len() == 2148 {
            return (c, "GOOG");
        }
    }
    // Seeded GBM, 2,148 bars, daily vol ~1.2 %.
    let mut rng = SplitMix64::new(42);
    let mut p = 100.0;
    let c = (0..2148)
        .map(|_| {
            p *= 1.0 + (rng.next_f64() - 0.5) * 0.04;
            p
        })
        .collect();
    (c, "GBM")
}

fn bench(c: &mut Criterion) {
    let (close, src) = closes();
    let fast: Vec<usize> = (2..=100).collect();
    let slow: Vec<usize> = (10..=250).collect();
    let cfg = BacktestConfig {
        fees_bps: 10.0,
        ..Default::default()
    };
    let pairs = ma_cross_grid(&close, MaKind::Sma, &fast, &slow, false, &cfg, None)
        .map(|t| t.rows.len())
        .unwrap_or(0);
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    g.throughput(Throughput::Elements((pairs * close.len()) as u64));
    g.bench_function(
        format!("sma_cross_grid_{pairs}_pairs_{}_bars_{src}", close.len()),
        |b| {
            b.iter(|| {
                black_box(ma_cross_grid(
                    black_box(&close),
                    MaKind::Sma,
                    &fast,
                    &slow,
                    false,
                    &cfg,
                    None,
                ))
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
