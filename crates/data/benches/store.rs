//! Criterion benchmarks of the data paths (issue #3 targets on the 2-core build machine):
//!
//! - `csv_to_parquet`: 1 M rows of the long chain CSV parsed, validated and written to
//!   the store (target ≥ 1 M rows/s);
//! - `bars_csv_to_parquet`: 1 M 1-minute bars of 10 symbols over 257 sessions (naive New
//!   York stamps read through a column map, 2 570 date partitions) parsed, validated and
//!   written (target ≥ 1 M rows/s);
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
use thetalab_data::ingest::{self, ColumnMap, Format, Ingested};
use thetalab_data::schema::{BarSeries, ChainRows, ChainSnapshot, OptionQuote};
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
        let ts = open
            .checked_add_nanos(i64::from(m) * 60_000_000_000)
            .unwrap();
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
                if q.right == OptionRight::Call {
                    "C"
                } else {
                    "P"
                },
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
            let Ingested::Chains(parsed) = ingest::ingest(&file, &Format::Chains).unwrap() else {
                panic!("chains")
            };
            for chain in parsed.data {
                let v = validate::validate_chain(
                    chain,
                    None,
                    Vec::new(),
                    "bench",
                    &cfg,
                    Policy::Quarantine,
                )
                .unwrap();
                store.write_chain(&v.data).unwrap();
            }
            std::fs::remove_dir_all(d.join("store")).unwrap();
        })
    });
    // The stages on their own, to see where the time goes.
    let Ingested::Chains(parsed) = ingest::ingest(&file, &Format::Chains).unwrap() else {
        panic!("chains")
    };
    let chain = parsed.data.into_iter().next().unwrap();
    g.bench_function("stage_parse", |b| {
        b.iter(|| ingest::ingest(&file, &Format::Chains).unwrap())
    });
    g.bench_function("stage_validate", |b| {
        b.iter(|| {
            validate::validate_chain(
                chain.clone(),
                None,
                Vec::new(),
                "bench",
                &cfg,
                Policy::Quarantine,
            )
            .unwrap()
        })
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

/// The column map of the bars bench: the layout of `data/column_maps/spy_1min_naive_et.toml`
/// with a symbol column.
const BARS_MAP: &str = r#"
ts_format = "%Y-%m-%d %H:%M:%S"
timezone = "America/New_York"
stamp = "start"
interval = "1m"

[columns]
ts = "date"
symbol = "symbol"
open = "Open"
high = "High"
low = "Low"
close = "Close"
volume = "Volume"
"#;

fn bars_csv_to_parquet(c: &mut Criterion) {
    let d = dir("bars");
    let file = d.join("bars_1min.csv");
    let symbols = [
        "AAPL", "AMZN", "GOOG", "IWM", "META", "MSFT", "NVDA", "QQQ", "SPY", "TSLA",
    ];
    let mut rows = 0u64;
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        writeln!(w, "symbol,date,Open,High,Low,Close,Volume").unwrap();
        // Stacked: each symbol's history in time order, 257 weekdays × 390 minutes.
        for (si, sym) in symbols.iter().enumerate() {
            let mut day = NaiveDate::from_ymd_opt(2023, 1, 2).unwrap();
            let mut sessions = 0;
            let mut px = 100.0 + 37.0 * si as f64;
            while sessions < 257 {
                use chrono::Datelike;
                if day.weekday().number_from_monday() <= 5 {
                    for m in 0..390u32 {
                        let t =
                            NaiveTime::from_hms_opt(9 + (30 + m) / 60, (30 + m) % 60, 0).unwrap();
                        // A deterministic wiggle, rounded to cents as vendors write.
                        let step = f64::from((m * 7 + sessions * 13 + si as u32) % 11) - 5.0;
                        let open = (px * 100.0f64).round() / 100.0;
                        px = (px + step * 0.01).max(1.0);
                        let close = (px * 100.0f64).round() / 100.0;
                        let high = open.max(close) + 0.02;
                        let low = open.min(close) - 0.02;
                        let vol = 1000 + (m * 31 + sessions) % 5000;
                        writeln!(w, "{sym},{day} {t},{open},{high:.2},{low:.2},{close},{vol}")
                            .unwrap();
                        rows += 1;
                    }
                    sessions += 1;
                }
                day = day.succ_opt().unwrap();
            }
        }
    }
    let format = Format::GenericCsv(Box::new(
        ColumnMap::from_toml_str(BARS_MAP, "bench").unwrap(),
    ));
    let mut g = c.benchmark_group("bars_csv_to_parquet");
    g.throughput(Throughput::Elements(rows));
    g.sample_size(10);
    let cfg = ValidationConfig::default();
    // Each write goes to a fresh store, as an ingest into a new store does; the stores
    // are removed after the group. Removing 2 570 partitions between iterations would
    // time ext4 skipping the inodes freed in the last minute on every file it creates
    // (`recently_deleted`), a cost a real ingest does not see.
    let fresh = std::cell::Cell::new(0u32);
    let next_store = || {
        fresh.set(fresh.get() + 1);
        d.join(format!("store-{}", fresh.get()))
    };
    g.bench_function("bars_csv_1M_rows_parse_validate_write", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                let store = Store::open(next_store());
                let t = std::time::Instant::now();
                let Ingested::Bars(parsed) = ingest::ingest(&file, &format).unwrap() else {
                    panic!("bars")
                };
                for series in parsed.data {
                    let v = validate::validate_bars(
                        series,
                        None,
                        Vec::new(),
                        "bench",
                        &cfg,
                        Policy::Quarantine,
                    )
                    .unwrap();
                    store.write_bars(&v.data, "1m").unwrap();
                }
                total += t.elapsed();
            }
            total
        })
    });
    let Ingested::Bars(parsed) = ingest::ingest(&file, &format).unwrap() else {
        panic!("bars")
    };
    assert_eq!(parsed.rows_ok, rows);
    let series: Vec<BarSeries> = parsed.data;
    g.bench_function("stage_parse", |b| {
        b.iter(|| ingest::ingest(&file, &format).unwrap())
    });
    g.bench_function("stage_validate", |b| {
        b.iter(|| {
            for s in &series {
                validate::validate_bars(
                    s.clone(),
                    None,
                    Vec::new(),
                    "bench",
                    &cfg,
                    Policy::Quarantine,
                )
                .unwrap();
            }
        })
    });
    g.bench_function("stage_write", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                let store = Store::open(next_store());
                let t = std::time::Instant::now();
                for s in &series {
                    store.write_bars(s, "1m").unwrap();
                }
                total += t.elapsed();
            }
            total
        })
    });
    g.finish();
    for k in 1..=fresh.get() {
        std::fs::remove_dir_all(d.join(format!("store-{k}"))).unwrap();
    }
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
        store
            .write_chain(&ChainRows {
                underlying: "SPX".into(),
                root: Some("SPXW".into()),
                rows,
            })
            .unwrap();
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

/// The synthetic market generated and written (issue target: a year of 1-minute 0DTE
/// chains, ~24 M quotes, in ≤ 60 s). Five sessions per iteration (~0.5 M quotes, 2% of a
/// year); multiply the time by 252 / 5 for a year. `ingest synth` does the same work.
fn synth_write(c: &mut Criterion) {
    use thetalab_data::synth::{SynthConfig, SyntheticMarket, write_to_store};
    let market = SyntheticMarket::new(SynthConfig {
        sessions: 5,
        ..SynthConfig::default()
    })
    .unwrap();
    let quotes: u64 = (0..market.len())
        .map(|d| market.quotes_in_session(d).unwrap() as u64)
        .sum();
    let d = dir("synth");
    let mut g = c.benchmark_group("synth_write");
    g.throughput(Throughput::Elements(quotes));
    g.sample_size(10);
    g.bench_function("five_sessions_of_1min_chains", |b| {
        b.iter(|| {
            let store = Store::open(d.join("store"));
            write_to_store(&store, &market, None, &|_| {}).unwrap();
            std::fs::remove_dir_all(d.join("store")).unwrap();
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    csv_to_parquet,
    bars_csv_to_parquet,
    snapshot_stream,
    synth_write
);
criterion_main!(benches);
