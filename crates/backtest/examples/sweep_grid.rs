//! The SMA-crossover grid of the issue (fast 2..=100 × slow 10..=250, 19,673 pairs)
//! through the fused sweep, on `N` bars (argument; default 2,148): the GOOG closes of
//! /work/shared/data when N = 2,148 and the file is present, else a seeded GBM
//! series. Prints the time, the throughput and the best pairs by Sharpe; run it under
//! `/usr/bin/time -v` for the peak memory:
//!
//! ```text
//! cargo run --release -p thetalab-backtest --example sweep_grid -- 1000000
//! ```

use std::time::Instant;

use thetalab_backtest::BacktestConfig;
use thetalab_backtest::sweep::{MaKind, SplitMix64, ma_cross_grid};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).map_or(Ok(2148), |s| s.parse())?;
    let reps: usize = std::env::args().nth(2).map_or(Ok(1), |s| s.parse())?;
    let goog = std::fs::read_to_string("/work/shared/data/pypi-bundled/backtesting/GOOG.csv").ok();
    let mut close: Vec<f64> = match goog {
        Some(text) if n == 2148 => text
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(4)?.parse().ok())
            .collect(),
        _ => Vec::new(),
    };
    let src = if close.len() == n {
        "GOOG"
    } else {
        "GBM seed 42"
    };
    if close.len() != n {
        let mut rng = SplitMix64::new(42);
        let mut p = 100.0;
        close = (0..n)
            .map(|_| {
                p *= 1.0 + (rng.next_f64() - 0.5) * 0.04;
                p
            })
            .collect();
    }
    let fast: Vec<usize> = (2..=100).collect();
    let slow: Vec<usize> = (10..=250).collect();
    let cfg = BacktestConfig {
        fees_bps: 10.0,
        ..Default::default()
    };
    let mut best = None;
    let t0 = Instant::now();
    for _ in 0..reps {
        best = Some(ma_cross_grid(
            &close,
            MaKind::Sma,
            &fast,
            &slow,
            false,
            &cfg,
            None,
        )?);
    }
    let secs = t0.elapsed().as_secs_f64() / reps as f64;
    let Some(mut table) = best else { return Ok(()) };
    let pairs = table.rows.len();
    println!(
        "{pairs} pairs × {n} bars ({src}): {secs:.3} s per grid, {:.1} M bar·backtests/s",
        (pairs * n) as f64 / secs / 1e6
    );
    table.rank_by("sharpe", true)?;
    for r in table.rows.iter().take(3) {
        println!(
            "fast {} slow {}: sharpe {:?} total return {:?}",
            r.params[0],
            r.params[1],
            r.metric("sharpe"),
            r.metric("total_return")
        );
    }
    Ok(())
}
