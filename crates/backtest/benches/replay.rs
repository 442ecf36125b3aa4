//! One year of the synthetic market's 1-minute SPXW chains (252 sessions, ~25 M quotes)
//! replayed from the Parquet store with the four-window 0DTE iron condor
//! (`IronCondor0Dte`, default config with its limit at the natural price so it trades
//! under natural fills). The store is written once to `target/bench-data/replay-store`
//! and reused. Target (issue 5): ≤ 10 s per replay on a 2-core machine, ≤ 1 GB peak
//! memory (measure with `/usr/bin/time -v` on the `options_replay` example).

// A bench that cannot set up its data has nothing to measure: fail loudly.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use thetalab_backtest::options::{DailyVolIndices, ReplayConfig, replay};
use thetalab_data::synth::{SynthConfig, SyntheticMarket};
use thetalab_data::{Store, TimeRange};
use thetalab_strategy::options::{IronCondor0Dte, IronCondorConfig, OptionStrategy};

/// The store with a year of synthetic chains, written on first use.
fn store(market: &SyntheticMarket) -> Store {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data/replay-store");
    let done = dir.join("COMPLETE");
    let store = Store::open(&dir);
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        for day in market.chain_days_parallel(2) {
            let (_, rows) = day.expect("synthetic chain day");
            store.write_chain(&rows).expect("write chain");
        }
        std::fs::write(&done, b"ok").expect("marker");
    }
    store
}

fn strategies() -> Vec<Box<dyn OptionStrategy>> {
    let mut cfg = IronCondorConfig::default();
    cfg.order.limit_fraction = Some(1.0);
    vec![Box::new(IronCondor0Dte::new(cfg).expect("condor config"))]
}

fn bench(c: &mut Criterion) {
    let market = SyntheticMarket::new(SynthConfig::default()).expect("synthetic market");
    let store = store(&market);
    let quotes = market.quotes_total().expect("quotes") as u64;
    let cfg = ReplayConfig::default();
    let mut g = c.benchmark_group("options_replay");
    g.sample_size(10);
    g.throughput(Throughput::Elements(quotes));
    g.bench_function("year_1min_spxw_condor", |b| {
        b.iter(|| {
            let mut source = store
                .chain_snapshots("SPX", TimeRange::ALL)
                .expect("stream");
            let mut vol = DailyVolIndices::synthetic(&market);
            let mut strats = strategies();
            let res = replay(&mut source, &mut strats, &mut vol, &cfg, None, &mut |_| {})
                .expect("replay");
            black_box(res.totals.pnl)
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
