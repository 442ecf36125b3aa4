//! Ingest adapters against the real sample data in `../shared/data` (skipped with a
//! message when it is absent), the fixtures in `tests/fixtures/`, and malformed input.

// The helpers below are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use proptest::prelude::*;
use thetalab_core::{OptionRight, Timestamp};
use thetalab_data::ingest::adjust::{self, Adjustment, FactorTable};
use thetalab_data::ingest::cboe::{self, CboeOptions, TsSource};
use thetalab_data::ingest::optionsdx::{self, DataShopQuote, Layout, OptionsDxOptions};
use thetalab_data::ingest::yahoo::{self, YahooOptions};
use thetalab_data::ingest::{
    self, ColumnMap, Format, Ingested, Parsed, alpaca_json, chain_csv, csv_map,
};
use thetalab_data::{BarSeries, ChainRows, DataError};

fn data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: sample data not found at {}", dir.display());
        None
    }
}

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(rel)
}

fn column_map(name: &str) -> ColumnMap {
    ColumnMap::load(
        &PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/column_maps"
        ))
        .join(name),
    )
    .unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn accounted<T>(p: &Parsed<T>) {
    assert_eq!(
        p.rows_read,
        p.rows_ok + p.rejects.len() as u64,
        "every row is either a record or a reject"
    );
}

fn series<'a>(all: &'a [BarSeries], sym: &str) -> &'a BarSeries {
    all.iter().find(|s| s.symbol == sym).unwrap()
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!("thetalab-ingest-{}-{name}", std::process::id()));
    std::fs::write(&p, bytes).unwrap();
    p
}

// ---------------------------------------------------------------- generic CSV

#[test]
fn column_map_lean_daily_all_symbols() {
    let Some(dir) = data_dir() else { return };
    let p = csv_map::read(
        &dir.join("lean-quantconnect/equity_daily_raw.csv.gz"),
        &column_map("lean_equity_daily.toml"),
    )
    .unwrap();
    accounted(&p);
    assert_eq!((p.rows_read, p.rows_ok), (70_011, 70_011));
    assert_eq!(p.data.len(), 17);
    let aapl = series(&p.data, "AAPL");
    assert_eq!(aapl.bars.len(), 5849);
    let b = aapl
        .bars
        .iter()
        .find(|b| b.ts.ny_date() == day(2014, 6, 9))
        .unwrap();
    // 2014-06-09,AAPL,92.69,93.88,91.75,93.7,72875948
    assert_eq!(
        (b.open, b.high, b.low, b.close, b.volume),
        (92.69, 93.88, 91.75, 93.7, 72_875_948.0)
    );
    assert_eq!(b.ts, ts("2014-06-09T04:00:00Z")); // 00:00 EDT
    assert_eq!(aapl.bars[0].ts, ts("1998-01-02T05:00:00Z")); // 00:00 EST
}

#[test]
fn column_map_mplfinance_column_order_and_est() {
    let Some(dir) = data_dir() else { return };
    let p = csv_map::read(
        &dir.join("spx-spy-intraday/sp500_index_1min_2019-11-05_08_mplfinance.csv"),
        &column_map("mplfinance_sp500_1min.toml"),
    )
    .unwrap();
    accounted(&p);
    assert_eq!((p.rows_read, p.rows_ok), (1563, 1563));
    // Date,Open,Close,High,Low,Volume / 2019-11-05 09:30:00,3080.8,3080.49,3081.47,3080.3,2209795
    let b = p.data[0].bars[0];
    assert_eq!(b.ts, ts("2019-11-05T14:30:00Z")); // EST, two days after the change
    assert_eq!(
        (b.open, b.high, b.low, b.close, b.volume),
        (3080.8, 3081.47, 3080.3, 3080.49, 2_209_795.0)
    );
}

#[test]
fn column_map_naive_et_extended_hours_edt() {
    let Some(dir) = data_dir() else { return };
    let p = csv_map::read(
        &dir.join("spx-spy-intraday/spy_1min_2025-07_ext_hours.csv.gz"),
        &column_map("spy_1min_naive_et.toml"),
    )
    .unwrap();
    accounted(&p);
    assert_eq!((p.rows_read, p.rows_ok), (19_953, 19_953));
    let bars = &p.data[0].bars;
    // 2025-07-01 04:00:00,617.68,617.68,617.03,617.1,6873.0
    assert_eq!(bars[0].ts, ts("2025-07-01T08:00:00Z"));
    assert_eq!(
        (bars[0].open, bars[0].close, bars[0].volume),
        (617.68, 617.1, 6873.0)
    );
    let regular = bars
        .iter()
        .filter(|b| {
            b.ts.ny_date() == day(2025, 7, 1)
                && (570..960).contains(&b.ts.ny_minutes_since_midnight())
        })
        .count();
    assert_eq!(regular, 390);
}

#[test]
fn column_map_date_and_time_columns() {
    let Some(dir) = data_dir() else { return };
    let p = csv_map::read(
        &dir.join("spx-spy-intraday/spx_index_1m_yahoo.csv.gz"),
        &column_map("yahoo_spx_intraday_date_time.toml"),
    )
    .unwrap();
    accounted(&p);
    assert_eq!(p.rows_ok, 10_133);
    let b = p.data[0].bars[0];
    // 2026-07-17,09:30,7447.52,7447.71,7441.62,7447.52
    assert_eq!(b.ts, ts("2026-07-17T13:30:00Z"));
    assert_eq!((b.open, b.high, b.volume), (7447.52, 7447.71, 0.0));
}

// ---------------------------------------------------------------- Yahoo

#[test]
fn yahoo_real_files() {
    let Some(dir) = data_dir() else { return };
    let spy = dir.join("index-daily/spy_daily_2008_2017_yahoo_mplfinance.csv");
    let p = yahoo::read(&spy, &YahooOptions::default()).unwrap();
    accounted(&p);
    assert_eq!(
        (p.rows_ok, p.data.len(), p.data[0].symbol.as_str()),
        (2519, 1, "SPY")
    );
    // 2007-12-31,147.100006,147.610001,146.059998,146.210007,118.624741,108126800
    let b = p.data[0].bars[0];
    assert_eq!(
        (b.ts, b.open, b.close, b.volume),
        (
            ts("2007-12-31T05:00:00Z"),
            147.100006,
            146.210007,
            108_126_800.0
        )
    );
    let adj = yahoo::read(
        &spy,
        &YahooOptions {
            symbol: Some("SPY".into()),
            adjust: true,
        },
    )
    .unwrap();
    let a = adj.data[0].bars[0];
    assert!((a.close - 118.624741).abs() < 1e-9);
    assert!((a.open - 147.100006 * 118.624741 / 146.210007).abs() < 1e-9);
    assert_eq!(a.volume, b.volume);

    // M/D/YYYY dates.
    let p = yahoo::read(
        &dir.join("pypi-bundled/arch/sp500.csv.gz"),
        &YahooOptions {
            symbol: Some("^GSPC".into()),
            adjust: false,
        },
    )
    .unwrap();
    assert_eq!((p.rows_ok, p.rejects.len()), (5031, 0));
    assert_eq!(p.data[0].bars[0].ts, ts("1999-01-04T05:00:00Z"));
    assert_eq!(p.data[0].bars[0].open, 1229.22998);

    // A stacked file with a `root` column, and one with `Ticker`.
    let p = yahoo::read(
        &dir.join("index-daily/spx_spy_qqq_vix_eod_vilkov.csv.gz"),
        &YahooOptions::default(),
    )
    .unwrap();
    let counts: HashMap<_, _> = p
        .data
        .iter()
        .map(|s| (s.symbol.as_str(), s.bars.len()))
        .collect();
    assert_eq!(
        counts,
        HashMap::from([("SPX", 7836), ("SPY", 4056), ("QQQ", 1283), ("VIX", 7865)])
    );
    let p = yahoo::read(
        &dir.join("pypi-bundled/bokeh_sampledata/stocks.csv.gz"),
        &YahooOptions::default(),
    )
    .unwrap();
    assert_eq!(series(&p.data, "AAPL").bars.len(), 3270);
    assert_eq!(series(&p.data, "FB").bars.len(), 196);
    // pandas' unnamed date column.
    let p = yahoo::read(
        &dir.join("pypi-bundled/backtesting/GOOG.csv"),
        &YahooOptions::default(),
    )
    .unwrap();
    assert_eq!((p.rows_ok, p.data[0].symbol.as_str()), (2148, "GOOG"));
}

// ---------------------------------------------------------------- Alpaca

#[test]
fn alpaca_fixtures() {
    let p = alpaca_json::read(&fixture("alpaca/single_aapl_1day.json")).unwrap();
    assert!(p.is_clean());
    let s = &p.data.series[0];
    assert_eq!(
        (
            s.symbol.as_str(),
            s.bars.len(),
            p.data.next_page_token.as_deref()
        ),
        ("AAPL", 2, None)
    );
    assert_eq!(s.bars[0].ts, ts("2024-01-02T05:00:00Z"));
    assert_eq!(s.bars[0].ts.ny_date(), day(2024, 1, 2));
    assert_eq!(
        (s.bars[0].vwap, s.bars[0].trade_count),
        (Some(185.9465), Some(1_009_074))
    );

    let p = alpaca_json::read(&fixture("alpaca/multi_1min_page1.json")).unwrap();
    assert_eq!(
        p.data.next_page_token.as_deref(),
        Some("TVNGVHwyMDI0LTAzLTA4VDE0OjMxOjAwWg==")
    );
    assert_eq!(
        p.data
            .series
            .iter()
            .map(|s| (s.symbol.as_str(), s.bars.len()))
            .collect::<Vec<_>>(),
        [("AAPL", 2), ("MSFT", 1)]
    );
    // 09:30 New York on both sides of the 2024-03-10 change.
    assert_eq!(p.data.series[0].bars[0].ts.ny_minutes_since_midnight(), 570);
    assert_eq!(p.data.series[0].bars[1].ts.ny_minutes_since_midnight(), 570);

    let p = alpaca_json::read(&fixture("alpaca/bad_bars.json")).unwrap();
    accounted(&p);
    assert_eq!((p.rows_read, p.rows_ok), (4, 1));
    let r: Vec<_> = p
        .rejects
        .iter()
        .map(|r| (r.line, r.field.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        r,
        [
            (4, "bars.AAPL[1].t"),
            (5, "bars.AAPL[2].h"),
            (6, "bars.AAPL[3].v")
        ]
    );
    assert!(p.rejects[0].raw.contains("2024-01-03"));
}

// ---------------------------------------------------------------- Cboe

struct IndexRow {
    file: String,
    snapshot: Timestamp,
    spot: f64,
    strike_rows: u64,
    n_expiries: usize,
}

fn cboe_index(dir: &Path) -> Vec<IndexRow> {
    let mut rdr = csv::Reader::from_path(dir.join("cboe-chain-snapshots/index.csv")).unwrap();
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (f, t, off, spot, rows, exp) = (
        col("file"),
        col("snapshot_time_et"),
        col("utc_offset_h"),
        col("spot_last"),
        col("strike_rows"),
        col("n_expiries"),
    );
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            let offset: i32 = r[off].parse().unwrap();
            IndexRow {
                file: r[f].to_string(),
                snapshot: ts(&format!("{}:00{:+03}:00", &r[t], offset)),
                spot: r[spot].parse().unwrap(),
                strike_rows: r[rows].parse().unwrap(),
                n_expiries: r[exp].parse().unwrap(),
            }
        })
        .collect()
}

#[test]
fn cboe_all_59_snapshots() {
    let Some(dir) = data_dir() else { return };
    let index = cboe_index(&dir);
    assert_eq!(index.len(), 59);
    for row in &index {
        let path = dir.join("cboe-chain-snapshots").join(&row.file);
        let opts = CboeOptions {
            fallback_ts: Some(row.snapshot),
            ..Default::default()
        };
        let p = cboe::read(&path, &opts).unwrap_or_else(|e| panic!("{}: {e}", row.file));
        accounted(&p);
        assert!(p.is_clean(), "{}: {:?}", row.file, p.rejects.first());
        assert_eq!(p.rows_read, row.strike_rows, "{}", row.file);
        let quotes: usize = p.data.chains.iter().map(|c| c.rows.len()).sum();
        assert_eq!(quotes as u64, 2 * row.strike_rows, "{}", row.file);
        let spot = p.data.underlying_price.unwrap();
        assert!(
            (spot - row.spot).abs() < 1e-9,
            "{}: spot {spot} vs {}",
            row.file,
            row.spot
        );
        let mut expiries: Vec<NaiveDate> = p
            .data
            .chains
            .iter()
            .flat_map(|c| c.rows.iter().map(|q| q.expiry))
            .collect();
        expiries.sort();
        expiries.dedup();
        assert_eq!(expiries.len(), row.n_expiries, "{}", row.file);
        match row.file.as_str() {
            // "Date: 4 June 4, 3:15 PM EDT": no year, so the caller's time is used.
            "spy_2023-06-04_1515.csv.gz" => assert_eq!(p.data.ts_source, TsSource::Fallback),
            // The header says 13 May; the index corrected it to the 23rd. The adapter
            // reports what the file says.
            "ndx_2023-05-23_1950.csv.gz" => {
                assert_eq!(p.data.ts_source, TsSource::DateLine);
                assert_eq!(p.data.ts, ts("2023-05-13T19:50:00-04:00"));
            }
            _ => {
                assert_eq!(p.data.ts_source, TsSource::DateLine, "{}", row.file);
                assert_eq!(
                    p.data.ts, row.snapshot,
                    "{}: {:?}",
                    row.file, p.data.date_text
                );
            }
        }
        for c in &p.data.chains {
            assert!(
                c.rows
                    .iter()
                    .all(|q| q.ts == p.data.ts && q.underlying_price == Some(spot))
            );
        }
    }
}

#[test]
fn cboe_spot_checks() {
    let Some(dir) = data_dir() else { return };
    let p = cboe::read(
        &dir.join("cboe-chain-snapshots/spx_2022-07-12_1155.csv.gz"),
        &CboeOptions::default(),
    )
    .unwrap();
    assert_eq!(p.data.ts, ts("2022-07-12T15:55:00Z"));
    let roots: Vec<_> = p
        .data
        .chains
        .iter()
        .map(|c| (c.underlying.as_str(), c.root.as_deref().unwrap()))
        .collect();
    assert_eq!(roots, [("SPX", "SPX"), ("SPX", "SPXW")]);
    // Tue Jul 12 2022,SPXW220712C01000000,0,0,2855.8,2857.5,0,0,1,0,0,1000,SPXW220712P01000000,0,0,0,0.05,0,0,0,0,0
    let w = &p.data.chains[1].rows;
    let (c, q) = (&w[0], &w[1]);
    assert_eq!(
        (c.expiry, c.strike, c.right),
        (day(2022, 7, 12), 1000.0, OptionRight::Call)
    );
    assert_eq!(
        (c.bid, c.ask, c.last, c.iv, c.delta, c.gamma),
        (Some(2855.8), Some(2857.5), None, None, Some(1.0), Some(0.0))
    );
    assert_eq!(
        (q.right, q.bid, q.ask, q.open_interest, q.volume),
        (OptionRight::Put, Some(0.0), Some(0.05), Some(0), 0)
    );
    // A 0DTE SPXW expiry is present on an intraday snapshot.
    assert!(w.iter().any(|q| q.expiry == day(2022, 7, 12)));

    // Localised date lines: Spanish and Russian.
    let p = cboe::read(
        &dir.join("cboe-chain-snapshots/qqq_2026-07-14_1750.csv.gz"),
        &CboeOptions::default(),
    )
    .unwrap();
    assert_eq!(p.data.ts, ts("2026-07-14T21:50:00Z"));
    let p = cboe::read(
        &dir.join("cboe-chain-snapshots/spx_2023-12-09_1349.csv.gz"),
        &CboeOptions::default(),
    )
    .unwrap();
    assert_eq!(p.data.ts, ts("2023-12-09T18:49:00Z"));
    // The malformed header without a fallback is an error naming line 3 (line 1 is blank).
    let e = cboe::read(
        &dir.join("cboe-chain-snapshots/spy_2023-06-04_1515.csv.gz"),
        &CboeOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, DataError::MalformedFile { line: 3, .. }), "{e}");
    assert!(e.to_string().contains("spy_2023-06-04_1515.csv.gz"), "{e}");
    // NDX and NDXP roots, one underlying.
    let p = cboe::read(
        &dir.join("cboe-chain-snapshots/ndx_2023-05-15_1209.csv.gz"),
        &CboeOptions::default(),
    )
    .unwrap();
    assert!(p.data.chains.iter().all(|c| c.underlying == "NDX"));
    assert_eq!(p.data.chains.len(), 2);
}

// ---------------------------------------------------------------- long chain CSV

fn write_long(chains: &[ChainRows]) -> String {
    let o = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut s = String::from(
        "ts,underlying,underlying_price,expiry,strike,right,bid,ask,bid_size,ask_size,volume,open_interest,iv,delta,gamma,vega,theta,root,last\n",
    );
    for c in chains {
        for q in &c.rows {
            s.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                q.ts.as_nanos(),
                c.underlying,
                o(q.underlying_price),
                q.expiry,
                q.strike,
                q.right.letter(),
                o(q.bid),
                o(q.ask),
                q.bid_size.map(|v| v.to_string()).unwrap_or_default(),
                q.ask_size.map(|v| v.to_string()).unwrap_or_default(),
                q.volume,
                q.open_interest.map(|v| v.to_string()).unwrap_or_default(),
                o(q.iv),
                o(q.delta),
                o(q.gamma),
                o(q.vega),
                o(q.theta),
                c.root.as_deref().unwrap_or(""),
                o(q.last),
            ));
        }
    }
    s
}

#[test]
fn long_chain_round_trip_of_real_chains() {
    let Some(dir) = data_dir() else { return };
    let p = optionsdx::read(
        &dir.join("optopsy-samples/vxx_eod_2016-12.csv.gz"),
        &OptionsDxOptions::default(),
    )
    .unwrap();
    let text = write_long(&p.data.chains);
    let path = temp_file("long.csv", text.as_bytes());
    let back = chain_csv::read(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert!(back.is_clean());
    assert_eq!(back.data, p.data.chains);
    assert_eq!(
        ingest::detect(&dir.join("optopsy-samples/vxx_eod_2016-12.csv.gz")).unwrap(),
        Some(Format::OptionsDx(OptionsDxOptions::default()))
    );
}

#[test]
fn long_chain_rfc3339_and_rejects() {
    let text = "\u{feff}ts,underlying,underlying_price,expiry,strike,right,bid,ask,bid_size,ask_size,volume,open_interest\r\n\
                2024-01-19T10:30:00-05:00,SPX,4780.25,2024-01-19,4780,call,3.10,3.30,25,31,10234,5120\r\n\
                2024-01-19T10:30:00-05:00,SPX,4780.25,2024-01-19,4780,P,3.10,abc,25,31,10234,5120\r\n\
                2024-01-19T10:30:00-05:00,SPX,4780.25,2024-01-19\r\n";
    let path = temp_file("chain.csv", text.as_bytes());
    let p = chain_csv::read(&path).unwrap();
    std::fs::remove_file(&path).ok();
    accounted(&p);
    assert_eq!((p.rows_read, p.rows_ok), (3, 1));
    assert_eq!(p.data[0].rows[0].ts, ts("2024-01-19T15:30:00Z"));
    let r: Vec<_> = p
        .rejects
        .iter()
        .map(|r| (r.line, r.field.clone().unwrap_or_default()))
        .collect();
    assert_eq!(r, [(3, "ask".to_string()), (4, "strike".to_string())]);
    assert!(p.rejects[0].reason.contains("\"abc\""));
    assert_eq!(p.rejects[0].file, path);
}

// ---------------------------------------------------------------- EOD chain layouts

#[test]
fn historical_option_data_layouts() {
    let Some(dir) = data_dir() else { return };
    let p = optionsdx::read(
        &dir.join("optopsy-samples/spxw_eod_2018-01_02.csv.gz"),
        &OptionsDxOptions::default(),
    )
    .unwrap();
    accounted(&p);
    assert_eq!(
        (p.data.layout, p.rows_ok, p.rejects.len()),
        (Layout::HistoricalOptionData, 14_438, 0)
    );
    assert_eq!(p.data.chains.len(), 1);
    let c = &p.data.chains[0];
    assert_eq!(
        (c.underlying.as_str(), c.root.as_deref()),
        ("SPX", Some("SPXW"))
    );
    // SPXW,2695.79,W,SPXW180131C01200000,,call,01/31/2018,01/02/2018,1200,1395.46,1483.6,1503.2,0,6007,0.0908,1,0,-15.7555,0,…
    let q = &c.rows[0];
    assert_eq!(q.ts, ts("2018-01-02T21:00:00Z")); // 16:00 EST
    assert_eq!(
        (q.underlying_price, q.expiry, q.strike, q.right),
        (Some(2695.79), day(2018, 1, 31), 1200.0, OptionRight::Call)
    );
    assert_eq!(
        (q.bid, q.ask, q.last, q.volume, q.open_interest),
        (Some(1483.6), Some(1503.2), Some(1395.46), 0, Some(6007))
    );
    assert_eq!(
        (q.iv, q.delta, q.theta),
        (Some(0.0908), Some(1.0), Some(-15.7555))
    );
    assert_eq!(
        c.rows.iter().filter(|q| q.ts.ny_date() == q.expiry).count(),
        750
    );

    let p = optionsdx::read(
        &dir.join("optopsy-samples/vxx_eod_2016-12.csv.gz"),
        &OptionsDxOptions::default(),
    )
    .unwrap();
    assert_eq!((p.rows_ok, p.rejects.len()), (27_940, 0));
    let p = optionsdx::read(
        &dir.join("optopsy-samples/agilent_A_eod_2016-01-05.csv"),
        &OptionsDxOptions::default(),
    )
    .unwrap();
    assert_eq!(
        (
            p.rows_ok,
            p.rejects.len(),
            p.data.chains[0].underlying.as_str()
        ),
        (208, 0, "A") // the README says 207; the last line has no newline
    );
    assert_eq!(p.data.chains[0].rows[0].iv, Some(2.7379));
}

#[test]
fn datashop_layouts() {
    let Some(dir) = data_dir() else { return };
    let path = dir.join("optopsy-samples/vix_options_cboe_datashop_2016-06-01.csv.gz");
    let p = optionsdx::read(&path, &OptionsDxOptions::default()).unwrap();
    accounted(&p);
    assert_eq!(
        (p.data.layout, p.rows_ok, p.rejects.len()),
        (Layout::DataShop, 882, 0)
    );
    let roots: Vec<_> = p
        .data
        .chains
        .iter()
        .map(|c| {
            (
                c.underlying.as_str(),
                c.root.as_deref().unwrap(),
                c.rows.len(),
            )
        })
        .collect();
    assert_eq!(roots, [("VIX", "BVZ", 158), ("VIX", "VIX", 724)]);
    let c = &p.data.chains[1];
    // line 100: ^VIX,2016-06-01,VIX,2016-06-08,16.000,C,0.5000,0.5000,0.2500,0.2500,5127,1,0.2000,6074,0.3000,14.5750,14.5750,0,0.2000,0,0.2500,14.6500,14.6500,0.2509,6782,
    let q = c
        .rows
        .iter()
        .find(|q| q.expiry == day(2016, 6, 8) && q.strike == 16.0 && q.right == OptionRight::Call)
        .unwrap();
    assert_eq!(q.ts, ts("2016-06-01T19:45:00Z")); // 15:45 EDT
    assert_eq!(
        (q.bid, q.ask, q.bid_size, q.ask_size),
        (Some(0.2), Some(0.3), Some(1), Some(6074))
    );
    assert_eq!(
        (q.underlying_price, q.last, q.volume, q.open_interest),
        (Some(14.575), Some(0.25), 5127, Some(6782))
    );
    let eod = optionsdx::read(
        &path,
        &OptionsDxOptions {
            datashop_quote: DataShopQuote::Eod,
            ..Default::default()
        },
    )
    .unwrap();
    let q = eod.data.chains[1]
        .rows
        .iter()
        .find(|q| q.expiry == day(2016, 6, 8) && q.strike == 16.0 && q.right == OptionRight::Call)
        .unwrap();
    assert_eq!(
        (q.ts, q.bid, q.ask, q.underlying_price),
        (
            ts("2016-06-01T20:00:00Z"),
            Some(0.2),
            Some(0.25),
            Some(14.65)
        )
    );

    let p = optionsdx::read(
        &dir.join("optopsy-samples/cboe_datashop_format_spx_sample.csv"),
        &OptionsDxOptions::default(),
    )
    .unwrap();
    assert_eq!((p.rows_ok, p.rejects.len()), (6, 0));
    let q = &p.data.chains[0].rows[0];
    // "^SPX",1/4/2016 0:00:00,"SPXW",1/8/2016 0:00:00,700.00,"c",…,100,1299.60,100,1305.30,2003.82,2003.82,0.00,…
    assert_eq!(
        (
            p.data.chains[0].underlying.as_str(),
            p.data.chains[0].root.as_deref()
        ),
        ("SPX", Some("SPXW"))
    );
    assert_eq!(
        (q.expiry, q.bid, q.ask, q.underlying_price, q.iv),
        (
            day(2016, 1, 8),
            Some(1299.6),
            Some(1305.3),
            Some(2003.82),
            None
        )
    );
    assert_eq!(q.ts, ts("2016-01-04T20:45:00Z"));
}

#[test]
fn optionsdx_fixture() {
    let path = fixture("optionsdx/spx_eod_202312.txt");
    assert_eq!(
        ingest::detect(&path).unwrap(),
        Some(Format::OptionsDx(OptionsDxOptions::default()))
    );
    let p = optionsdx::read(&path, &OptionsDxOptions::default()).unwrap();
    accounted(&p);
    assert_eq!(
        (p.data.layout, p.rows_read, p.rows_ok),
        (Layout::OptionsDx, 5, 4)
    );
    assert_eq!(
        (p.rejects[0].line, p.rejects[0].field.as_deref()),
        (5, Some("[C_SIZE]"))
    );
    let c = &p.data.chains[0];
    assert_eq!(
        (c.underlying.as_str(), c.root.as_deref(), c.rows.len()),
        ("SPX", None, 8)
    );
    let (call, put) = (&c.rows[0], &c.rows[1]);
    assert_eq!(call.ts, ts("2023-12-01T21:00:00Z"));
    assert_eq!(
        (
            call.expiry,
            call.strike,
            call.bid,
            call.ask,
            call.bid_size,
            call.iv
        ),
        (
            day(2023, 12, 1),
            4400.0,
            Some(193.9),
            Some(195.4),
            Some(10),
            None
        )
    );
    assert_eq!(
        (
            put.right,
            put.bid,
            put.ask,
            put.bid_size,
            put.ask_size,
            put.volume
        ),
        (
            OptionRight::Put,
            Some(0.0),
            Some(0.05),
            Some(0),
            Some(1021),
            312
        )
    );
    let deep = &c.rows[4];
    assert_eq!(
        (
            deep.strike,
            deep.right,
            deep.bid,
            deep.ask,
            deep.last,
            deep.volume
        ),
        (5800.0, OptionRight::Call, None, None, None, 0)
    );
}

// ---------------------------------------------------------------- adjustment

#[test]
fn lean_factor_adjustment_removes_split_jumps() {
    let Some(dir) = data_dir() else { return };
    let table =
        FactorTable::read(&dir.join("lean-quantconnect/equity_factor_files.csv.gz")).unwrap();
    accounted(&table);
    assert_eq!((table.rows_read, table.rejects.len()), (897, 0));
    let raw = csv_map::read(
        &dir.join("lean-quantconnect/equity_daily_raw.csv.gz"),
        &column_map("lean_equity_daily.toml"),
    )
    .unwrap();
    let aapl = series(&raw.data, "AAPL");
    let adj = table
        .data
        .adjust(aapl, Adjustment::SplitsAndDividends)
        .unwrap();
    let split_only = table.data.adjust(aapl, Adjustment::Splits).unwrap();
    let at = |s: &BarSeries, d: NaiveDate| *s.bars.iter().find(|b| b.ts.ny_date() == d).unwrap();
    for (before, after, ratio) in [
        (day(2014, 6, 6), day(2014, 6, 9), 7.0),
        (day(2020, 8, 28), day(2020, 8, 31), 4.0),
    ] {
        let (r0, r1) = (at(aapl, before), at(aapl, after));
        assert!(
            r0.close / r1.close > ratio * 0.8,
            "the raw series jumps at the split"
        );
        for s in [&adj, &split_only] {
            let (a0, a1) = (at(s, before), at(s, after));
            assert!(
                (a1.close / a0.close - 1.0).abs() < 0.12,
                "{before}: {} -> {}",
                a0.close,
                a1.close
            );
        }
        // Volume is divided by the split factor only.
        let (s0, a0) = (at(&split_only, before), at(&adj, before));
        assert!((s0.volume - a0.volume).abs() < 1e-6);
    }
    // After the last split and before the next factor row, bars are (almost) unchanged.
    let last = at(&adj, day(2021, 3, 31));
    assert!((last.close / at(aapl, day(2021, 3, 31)).close - 1.0).abs() < 1e-12);

    // Daily returns agree with Yahoo's dividend-adjusted closes (stocknet, 2012-09..2017-09).
    let yahoo_like = csv_map::read(
        &dir.join("stocknet-88/stocknet_88_daily_ohlcv.csv.gz"),
        &ColumnMap::from_toml_str(
            "[columns]\ndate=\"date\"\nsymbol=\"symbol\"\nopen=\"adj_close\"\nhigh=\"adj_close\"\nlow=\"adj_close\"\nclose=\"adj_close\"\nvolume=\"volume\"\n",
            "stocknet adj_close",
        )
        .unwrap(),
    )
    .unwrap();
    let y = series(&yahoo_like.data, "AAPL");
    let factor_dates: Vec<NaiveDate> = table
        .data
        .rows("AAPL")
        .unwrap()
        .iter()
        .map(|r| r.date)
        .collect();
    let log_diffs = |s: &BarSeries| -> Vec<(NaiveDate, f64)> {
        let lean: HashMap<Timestamp, f64> = s.bars.iter().map(|b| (b.ts, b.close)).collect();
        y.bars
            .windows(2)
            .filter_map(|w| {
                let (l0, l1) = (lean.get(&w[0].ts)?, lean.get(&w[1].ts)?);
                Some((
                    w[0].ts.ny_date(),
                    ((l1 / l0).ln() - (w[1].close / w[0].close).ln()).abs(),
                ))
            })
            .collect()
    };
    let full = log_diffs(&adj);
    assert!(full.len() > 1200, "{}", full.len());
    // Close prices of the two vendors differ by up to ~0.25% on ordinary days ...
    let worst = full.iter().map(|x| x.1).fold(0.0, f64::max);
    assert!(worst < 3e-3, "{worst}");
    // ... but across each dividend (the return from a factor row's date to the next
    // session) the adjusted returns agree to 5 bp, which they do not without dividends.
    let on_events = |diffs: &[(NaiveDate, f64)]| -> Vec<f64> {
        diffs
            .iter()
            .filter(|(d, _)| factor_dates.contains(d))
            .map(|x| x.1)
            .collect()
    };
    let with = on_events(&full);
    let without = on_events(&log_diffs(&split_only));
    assert_eq!(with.len(), 21);
    assert!(with.iter().all(|d| *d < 5e-4), "{with:?}");
    assert!(
        without.iter().filter(|d| **d > 3e-3).count() >= 20,
        "{without:?}"
    );
    let rows = table.data.rows("AAPL").unwrap();
    assert_eq!(
        adjust::factors_on(rows, day(2014, 6, 9), Adjustment::Splits),
        (0.25, 0.25)
    );
}

// ---------------------------------------------------------------- dispatcher, files, malformed input

/// A file and a predicate its detected format must satisfy.
type DetectCase = (&'static str, fn(&Format) -> bool);

#[test]
fn detect_real_files() {
    let Some(dir) = data_dir() else { return };
    let cases: [DetectCase; 6] = [
        ("cboe-chain-snapshots/spx_2022-07-12_1155.csv.gz", |f| {
            matches!(f, Format::Cboe(_))
        }),
        ("optopsy-samples/spxw_eod_2018-01_02.csv.gz", |f| {
            matches!(f, Format::OptionsDx(_))
        }),
        (
            "optopsy-samples/vix_options_cboe_datashop_2016-06-01.csv.gz",
            |f| matches!(f, Format::OptionsDx(_)),
        ),
        (
            "index-daily/spy_daily_2008_2017_yahoo_mplfinance.csv",
            |f| matches!(f, Format::Yahoo(_)),
        ),
        ("pypi-bundled/arch/sp500.csv.gz", |f| {
            matches!(f, Format::Yahoo(_))
        }),
        ("lean-quantconnect/equity_daily_raw.csv.gz", |f| {
            matches!(f, Format::Yahoo(_))
        }),
    ];
    for (rel, ok) in cases {
        let f = ingest::detect(&dir.join(rel))
            .unwrap()
            .unwrap_or_else(|| panic!("{rel}: not detected"));
        assert!(ok(&f), "{rel}: {f:?}");
    }
    assert_eq!(
        ingest::detect(&fixture("alpaca/single_aapl_1day.json")).unwrap(),
        Some(Format::AlpacaJson)
    );
    assert_eq!(
        ingest::detect(&dir.join("cboe-vol-indices/VVIX_History.csv")).unwrap(),
        None
    );
    match ingest::ingest(
        &dir.join("cboe-chain-snapshots/vix_2023-05-15_1147.csv.gz"),
        &Format::Cboe(CboeOptions::default()),
    )
    .unwrap()
    {
        Ingested::Chains(p) => assert_eq!(p.rows_ok, 657),
        Ingested::Bars(_) => panic!("chains expected"),
    }
}

#[test]
fn file_level_errors_name_the_file() {
    let missing = Path::new("/nonexistent/thetalab/quotes.csv");
    let e = yahoo::read(missing, &YahooOptions::default()).unwrap_err();
    assert!(
        matches!(e, DataError::IngestIo { .. }) && e.to_string().contains("quotes.csv"),
        "{e}"
    );

    let fake_gz = temp_file("fake.csv.gz", b"Date,Open\n");
    let e = yahoo::read(&fake_gz, &YahooOptions::default()).unwrap_err();
    assert!(matches!(e, DataError::MalformedFile { .. }), "{e}");
    std::fs::remove_file(&fake_gz).ok();

    let empty = temp_file("empty.csv", b"");
    for e in [
        yahoo::read(&empty, &YahooOptions::default()).unwrap_err(),
        chain_csv::read(&empty).unwrap_err(),
        optionsdx::read(&empty, &OptionsDxOptions::default()).unwrap_err(),
        cboe::read(&empty, &CboeOptions::default()).unwrap_err(),
    ] {
        assert!(e.to_string().contains("empty.csv"), "{e}");
    }
    std::fs::remove_file(&empty).ok();

    let header_only = temp_file("header.csv", b"Date,Open,High,Low,Close,Adj Close,Volume\n");
    assert!(matches!(
        yahoo::read(&header_only, &YahooOptions::default()).unwrap_err(),
        DataError::NoRows { .. }
    ));
    std::fs::remove_file(&header_only).ok();

    let no_close = temp_file("noclose.csv", b"Date,Open,High,Low\n2024-01-02,1,2,3\n");
    let e = yahoo::read(&no_close, &YahooOptions::default()).unwrap_err();
    assert!(
        matches!(e, DataError::MissingColumn { line: 1, .. }) && e.to_string().contains("close"),
        "{e}"
    );
    std::fs::remove_file(&no_close).ok();

    // A truncated gzip stream is a file-level I/O error, not a panic or silent short read.
    let Some(dir) = data_dir() else { return };
    let bytes = std::fs::read(dir.join("lean-quantconnect/equity_factor_files.csv.gz")).unwrap();
    let cut = temp_file("cut.csv.gz", &bytes[..bytes.len() / 2]);
    let e = FactorTable::read(&cut).unwrap_err();
    assert!(matches!(e, DataError::IngestIo { .. }), "{e}");
    std::fs::remove_file(&cut).ok();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), header in 0usize..6) {
        let headers = [
            "",
            "Date,Open,High,Low,Close,Adj Close,Volume\n",
            "ts,underlying,expiry,strike,right,bid,ask\n",
            "\nX,Last: 1\nDate: July 12, 2022, 11:55 AM EDT,Bid: 1\nExpiration Date,Calls,Bid,Ask,Strike,Puts,Bid,Ask\n",
            "[QUOTE_UNIXTIME], [EXPIRE_DATE], [STRIKE], [C_BID], [C_ASK], [C_SIZE], [P_BID], [P_ASK]\n",
            "underlying_symbol,quote_date,root,expiration,strike,option_type,bid_1545,ask_1545\n",
        ];
        let mut input = headers[header].as_bytes().to_vec();
        input.extend_from_slice(&bytes);
        let name = Path::new("spx_random.csv");
        let map = ColumnMap::from_toml_str("symbol=\"X\"\n[columns]\ndate=\"Date\"\nopen=\"Open\"\nhigh=\"High\"\nlow=\"Low\"\nclose=\"Close\"\n", "t").unwrap();
        if let Ok(p) = yahoo::read_from(&input[..], name, &YahooOptions::default()) { accounted(&p) }
        if let Ok(p) = csv_map::read_from(&input[..], name, &map) { accounted(&p) }
        if let Ok(p) = chain_csv::read_from(&input[..], name) { accounted(&p) }
        if let Ok(p) = cboe::read_from(&input[..], name, &CboeOptions::default()) { accounted(&p) }
        if let Ok(p) = optionsdx::read_from(&input[..], name, &OptionsDxOptions::default()) { accounted(&p) }
        if let Ok(p) = FactorTable::read_from(&input[..], name) { accounted(&p) }
        if let Ok(text) = std::str::from_utf8(&input)
            && let Ok(p) = alpaca_json::parse_str(text, name)
        {
            accounted(&p)
        }
        let _ = cboe::parse_date_line(&String::from_utf8_lossy(&bytes));
    }
}
