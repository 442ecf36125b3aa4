//! Criterion benchmarks of the data paths (issue #3 targets on the 2-core build machine):
//!
//! - `csv_to_parquet`: 1 M rows of the long chain CSV parsed, validated and written to
//!   the store (target ≥ 1 M rows/s);
//! - `snapshot_stream`: chain snapshots streamed out of the store (target ≥ 10 M
//!   quotes/s, memory flat: one row group at a time).
//!
//! `cargo bench -p thetalab-data --bench store`

// A benchmark is a test harness: a failed setup should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use thetalab_core::{OptionRight, Timestamp};
use thetalab_data::ingest::{self, Format, Ingested};
use thetalab_data::schema::{ChainRows, ChainSnapshot, OptionQuote};
use thetalab_data::validate::{self, Policy, ValidationConfig};
use thetalab_data::{Store, TimeRange};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("thetalab-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A day of 1-minute SPX-like 0DTE chains: `minutes` snapshots × `strikes` × 2 rights.
fn day_rows(d: NaiveDate, minutes: u32, strikes: u32) -> Vec<OptionQuote> {
    let open = Timestamp::from_ny(d, NaiveTime::from_hms_opt(9, 31, 0).unwrap()).unwrap();
    let mut rows = Vec::with_capacity((minutes * strikes * 2) as usize);
    for m in 0..minutes {
        let ts = open.checked_add_nanos(i64::from(m) * 60_000_000_000).unwrap();
        for k in 0..strikes {
            for right in [OptionRight::Call, OptionRight::Put] {
                let mid = 0.05 + f64::from((k * 7 + m) % 300) * 0.1;
                rows.push(OptionQuote {
                    ts,
                    underlying_price: Some(5000.0 + f64::from(m % 17)),
                    expiry: d,
                    strike: 4700.0 + 5.0 * f64::from(k),
                    right,
                    bid: Some(mid - 0.05),
                    ask: Some(mid + 0.05),
                    bid_size: Some(10 + k % 50),
                    ask_size: Some(12 + m % 40),
                    last: None,
                    volume: u64::from(m * 3 + k),
                    open_interest: Some(u64::from(1000 + k)),
                    iv: Some(0.12 + f64::from(k) * 1e-4),
                    delta: None,
                    gamma: None,
                    vega: None,
                    theta: None,
                });
            }
        }
    }
    rows
}

fn csv_to_parquet(c: &mut Criterion) {
    let d = dir("csv");
    let file = d.join("chains.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        writeln!(w, "ts,underlying,underlying_price,expiry,strike,right,bid,ask,bid_size,ask_size,volume,open_interest,iv").unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 3, 4).unwrap();
        // 390 minutes × 1282 strikes × 2 ≈ 1.0 M rows.
        for q in day_rows(day, 390, 1282) {
            writeln!(
                w,
                "{},SPX,{},{},{},{},{},{},{},{},{},{},{}",
                q.ts.as_nanos(),
                q.underlying_price.unwrap(),
                q.expiry,
                q.strike,
                if q.right == OptionRight::Call { "C" } else { "P" },
                q.bid.unwrap(),
                q.ask.unwrap(),
                q.bid_size.unwrap(),
                q.ask_size.unwrap(),
                q.volume,
                q.open_interest.unwrap(),
                q.iv.unwrap()
            )
            .unwrap();
        }
    }
    let rows = 390 * 1282 * 2;
    let mut g = c.benchmark_group("csv_to_parquet");
    g.throughput(Throughput::Elements(rows));
    g.sample_size(10);
    let cfg = ValidationConfig::default();
    g.bench_function("chain_csv_1M_rows_parse_validate_write", |b| {
        b.iter(|| {
            let store = Store::open(d.join("store"));
            let Ingested::Chains(parsed) = ingest::ingest(&file, &Format::Chains).unwrap() else { panic!("chains") };
            for chain in parsed.data {
                let v = validate::validate_chain(chain, None, Vec::new(), "bench", &cfg, Policy::Quarantine).unwrap();
                store.write_chain(&v.data).unwrap();
            }
            std::fs::remove_dir_all(d.join("store")).unwrap();
        })
    });
    // The stages on their own, to see where the time goes.
    let Ingested::Chains(parsed) = ingest::ingest(&file, &Format::Chains).unwrap() else { panic!("chains") };
    let chain = parsed.data.into_iter().next().unwrap();
    g.bench_function("stage_parse", |b| b.iter(|| ingest::ingest(&file, &Format::Chains).unwrap()));
    g.bench_function("stage_validate", |b| {
        b.iter(|| validate::validate_chain(chain.clone(), None, Vec::new(), "bench", &cfg, Policy::Quarantine).unwrap())
    });
    g.bench_function("stage_write", |b| {
        b.iter(|| {
            let store = Store::open(d.join("store2"));
            store.write_chain(&chain).unwrap();
            std::fs::remove_dir_all(d.join("store2")).unwrap();
        })
    });
    g.finish();
}

fn snapshot_stream(c: &mut Criterion) {
    let d = dir("snap");
    let store = Store::open(&d);
    let mut n = 0u64;
    let mut day = NaiveDate::from_ymd_opt(2024, 3, 4).unwrap();
    // 10 sessions × 390 snapshots × 260 quotes ≈ 1.0 M quotes.
    for _ in 0..10 {
        let rows = day_rows(day, 390, 130);
        n += rows.len() as u64;
        store.write_chain(&ChainRows { underlying: "SPX".into(), root: Some("SPXW".into()), rows }).unwrap();
        day = day.succ_opt().unwrap();
    }
    let mut g = c.benchmark_group("snapshot_stream");
    g.throughput(Throughput::Elements(n));
    g.sample_size(20);
    g.bench_function("next_into_1M_quotes", |b| {
        b.iter(|| {
            let mut s = store.chain_snapshots("SPX", TimeRange::ALL).unwrap();
            let mut snap = ChainSnapshot::default();
            let mut quotes = 0usize;
            while s.next_into(&mut snap).unwrap() {
                quotes += snap.len();
            }
            assert_eq!(quotes as u64, n);
        })
    });
    g.finish();
}

criterion_group!(benches, csv_to_parquet, snapshot_stream);
criterion_main!(benches);
