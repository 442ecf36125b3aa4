//! Criterion benchmarks: SMA, EMA, RSI and ATR over 1 M bars, batch (`_into`, no
//! allocation) and streaming. Input: a deterministic random walk (xorshift), OHLC
//! around it.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use thetalab_indicators as ind;

const N: usize = 1_000_000;

struct Bars {
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
}

fn bars() -> Bars {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut u = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut b = Bars {
        high: Vec::with_capacity(N),
        low: Vec::with_capacity(N),
        close: Vec::with_capacity(N),
    };
    let mut p = 100.0f64;
    for _ in 0..N {
        p *= 1.0 + 0.02 * (u() - 0.5);
        b.close.push(p);
        b.high.push(p * (1.0 + 0.01 * u()));
        b.low.push(p * (1.0 - 0.01 * u()));
    }
    b
}

fn bench(c: &mut Criterion) {
    let b = bars();
    let mut out = vec![0.0; N];
    let mut g = c.benchmark_group("indicators_1m_bars");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(20);
    g.bench_function("sma_50_into", |bn| {
        bn.iter(|| ind::sma_into(black_box(&b.close), 50, &mut out).map(|_| out[N - 1]))
    });
    g.bench_function("ema_50_into", |bn| {
        bn.iter(|| ind::ema_into(black_box(&b.close), 50, &mut out).map(|_| out[N - 1]))
    });
    g.bench_function("rsi_14_into", |bn| {
        bn.iter(|| ind::rsi_into(black_box(&b.close), 14, &mut out).map(|_| out[N - 1]))
    });
    g.bench_function("atr_14_into", |bn| {
        bn.iter(|| {
            ind::atr_into(black_box(&b.high), &b.low, &b.close, 14, &mut out).map(|_| out[N - 1])
        })
    });
    g.bench_function("sma_50_streaming", |bn| {
        bn.iter(|| {
            let mut s = ind::Sma::new(50)?;
            let mut last = 0.0;
            for &x in black_box(&b.close) {
                if let Some(v) = s.update(x) {
                    last = v;
                }
            }
            Ok::<f64, ind::IndicatorError>(last)
        })
    });
    g.bench_function("max_50_into", |bn| {
        bn.iter(|| ind::max_into(black_box(&b.close), 50, &mut out).map(|_| out[N - 1]))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
