//! Benchmarks of thetalab-risk's measurement kernels: Monte Carlo VaR (10,000 paths ×
//! 100 assets) and Ledoit-Wolf (1,000 × 500), the speed targets (≤ 10 ms, ≤ 50 ms).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use nalgebra::{DMatrix, DVector};
use thetalab_risk::cov;
use thetalab_risk::measure::mc::{McSpec, linear_var};
use thetalab_risk::measure::rng::Xoshiro256pp;

/// A deterministic `rows × cols` matrix of daily-like returns with a common factor.
fn returns(rows: usize, cols: usize, seed: u64) -> DMatrix<f64> {
    let mut g = Xoshiro256pp::new(seed);
    let mut m = DMatrix::zeros(rows, cols);
    for t in 0..rows {
        let f = g.next_normal() * 0.01;
        for j in 0..cols {
            m[(t, j)] = f + g.next_normal() * 0.015;
        }
    }
    m
}

fn bench(c: &mut Criterion) {
    let n = 100;
    let r = returns(500, n, 3);
    let sigma = cov::sample(
        &r,
        &cov::SampleOptions {
            ddof: 1,
            annualisation: 1.0,
        },
    )
    .unwrap();
    let mu = DVector::from_fn(n, |i, _| 0.0002 * i as f64 / n as f64);
    let w = DVector::from_element(n, 1.0 / n as f64);
    let spec = McSpec {
        paths: 10_000,
        seed: 42,
        alpha: 0.01,
    };
    c.bench_function("mc_var_10000x100", |b| {
        b.iter(|| {
            linear_var(
                black_box(&mu),
                black_box(&sigma),
                black_box(&w),
                black_box(&spec),
            )
            .unwrap()
        })
    });

    let big = returns(1000, 500, 5);
    c.bench_function("ledoit_wolf_1000x500", |b| {
        b.iter(|| cov::ledoit_wolf(black_box(&big)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
