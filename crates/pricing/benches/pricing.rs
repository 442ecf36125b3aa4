//! Criterion benchmarks of the pricing kernels on realistic batch sizes (1 M options).
//!
//! `cargo bench -p thetalab-pricing --bench pricing` (criterion prints elements/s).
//! Targets on the 2-core build machine (issue #2): ≥ 80 M price+delta/s, ≥ 20 M full
//! first-order Greeks/s, ≥ 8 M implied vols/s, ≥ 100 k accurate American prices/s.
//! The chain is a realistic mix: strikes from 60% to 140% of spot, 1 day to 2 years,
//! vols from 8% to 80%, calls and puts.

// A benchmark is a test harness: a failed setup should stop it loudly.
#![allow(clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use thetalab_pricing::american::{self, AmericanMethod};
use thetalab_pricing::batch::{self, Columns, EuropeanModel, FirstOrderColumns};
use thetalab_pricing::{Greeks, OptionRight, bsm};

struct Chain {
    right: Vec<OptionRight>,
    s: Vec<f64>,
    k: Vec<f64>,
    t: Vec<f64>,
    r: Vec<f64>,
    q: Vec<f64>,
    sigma: Vec<f64>,
}

impl Chain {
    /// A deterministic pseudo-random chain (xorshift64*), no RNG dependency.
    fn new(n: usize) -> Chain {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut u = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut c = Chain {
            right: Vec::with_capacity(n),
            s: Vec::with_capacity(n),
            k: Vec::with_capacity(n),
            t: Vec::with_capacity(n),
            r: Vec::with_capacity(n),
            q: Vec::with_capacity(n),
            sigma: Vec::with_capacity(n),
        };
        for _ in 0..n {
            c.right.push(if u() < 0.5 {
                OptionRight::Call
            } else {
                OptionRight::Put
            });
            c.s.push(100.0);
            c.k.push(60.0 + 80.0 * u());
            c.t.push(1.0 / 365.0 + 2.0 * u());
            c.r.push(0.045);
            c.q.push(0.013);
            c.sigma.push(0.08 + 0.72 * u());
        }
        c
    }

    fn cols(&self) -> Columns<'_> {
        Columns {
            right: &self.right,
            s: &self.s,
            k: &self.k,
            t: &self.t,
            r: &self.r,
            q: &self.q,
            sigma: &self.sigma,
        }
    }
}

const N: usize = 1_000_000;

fn european(c: &mut Criterion) {
    let chain = Chain::new(N);
    let cols = chain.cols();
    let mut g = c.benchmark_group("bsm_1M");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(20);

    let (mut price, mut delta) = (vec![0.0; N], vec![0.0; N]);
    // The batch runs the widest vector copy of its kernel this CPU has, optimised as
    // shipped; the scalar calls here are the baseline build. Same bits, or no bench.
    batch::price_delta(EuropeanModel::Bsm, &cols, &mut price, &mut delta).expect("valid chain");
    for i in 0..N {
        let (p, d) = bsm::price_delta(&cols.get(i));
        assert_eq!(
            (price[i].to_bits(), delta[i].to_bits()),
            (p.to_bits(), d.to_bits()),
            "option {i}"
        );
    }
    g.bench_function("price_delta", |b| {
        b.iter(|| batch::price_delta(EuropeanModel::Bsm, black_box(&cols), &mut price, &mut delta))
    });

    let mut out: Vec<Vec<f64>> = vec![vec![0.0; N]; 7];
    g.bench_function("first_order_greeks", |b| {
        b.iter(|| {
            let [p, d, ga, v, th, rh, rq] = out
                .get_disjoint_mut([0, 1, 2, 3, 4, 5, 6])
                .expect("distinct");
            batch::first_order(
                EuropeanModel::Bsm,
                black_box(&cols),
                FirstOrderColumns {
                    price: p,
                    delta: d,
                    gamma: ga,
                    vega: v,
                    theta: th,
                    rho: rh,
                    rho_q: rq,
                },
            )
        })
    });

    let mut greeks = vec![Greeks::default(); N];
    g.bench_function("all_greeks_third_order", |b| {
        b.iter(|| batch::greeks(EuropeanModel::Bsm, black_box(&cols), &mut greeks))
    });

    // Implied vols of the model prices (every one inside the bounds; a handful of deep
    // OTM short-dated prices underflow and are reported, which the bench ignores).
    batch::price_delta(EuropeanModel::Bsm, &cols, &mut price, &mut delta).expect("valid chain");
    let mut vol = vec![0.0; N];
    g.bench_function("implied_vol", |b| {
        b.iter(|| {
            let _ = batch::implied_vol(EuropeanModel::Bsm, black_box(&cols), &price, &mut vol);
        })
    });
    g.finish();
}

fn american_batch(c: &mut Criterion) {
    let n = 100_000;
    let chain = Chain::new(n);
    let mut out = vec![0.0; n];
    let mut g = c.benchmark_group("american_100k");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    for (name, method) in [
        ("accurate", AmericanMethod::default()),
        ("baw", AmericanMethod::Baw),
        ("bjerksund_stensland", AmericanMethod::BjerksundStensland),
    ] {
        g.bench_with_input(BenchmarkId::from_parameter(name), &method, |b, &m| {
            b.iter(|| {
                american::price_batch(
                    m,
                    black_box(&chain.right),
                    &chain.s,
                    &chain.k,
                    &chain.t,
                    &chain.r,
                    &chain.q,
                    &chain.sigma,
                    &mut out,
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, european, american_batch);
criterion_main!(benches);
