//! The Parquet store: round trips, merge-on-append, pruning, snapshot streaming.

use chrono::{NaiveDate, NaiveTime};
use thetalab_core::{OptionRight, Timestamp};
use thetalab_data::schema::{Bar, BarSeries, ChainRows, ChainSnapshot, OptionQuote};
use thetalab_data::{DataKind, Store, TimeRange};

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("thetalab-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn ny(d: NaiveDate, h: u32, m: u32) -> Timestamp {
    Timestamp::from_ny(d, NaiveTime::from_hms_opt(h, m, 0).unwrap()).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn minute_bars(d: NaiveDate, n: u32, px: f64) -> Vec<Bar> {
    (0..n)
        .map(|i| {
            let p = px + f64::from(i) * 0.01;
            Bar {
                ts: ny(d, 9, 30)
                    .checked_add_nanos(i64::from(i) * 60_000_000_000)
                    .unwrap(),
                open: p,
                high: p + 0.05,
                low: p - 0.05,
                close: p + 0.01,
                volume: 1000.0 + f64::from(i),
                vwap: if i % 3 == 0 { None } else { Some(p) },
                trade_count: if i % 2 == 0 { Some(u64::from(i)) } else { None },
            }
        })
        .collect()
}

fn quote(
    ts: Timestamp,
    expiry: NaiveDate,
    strike: f64,
    right: OptionRight,
    bid: Option<f64>,
) -> OptionQuote {
    OptionQuote {
        ts,
        underlying_price: Some(4780.0),
        expiry,
        strike,
        right,
        bid,
        ask: bid.map(|b| b + 0.2),
        bid_size: Some(10),
        ask_size: None,
        last: None,
        volume: 7,
        open_interest: Some(100),
        iv: Some(0.12),
        delta: None,
        gamma: None,
        vega: None,
        theta: None,
    }
}

fn chain_day(d: NaiveDate, minutes: u32, strikes: u32) -> Vec<OptionQuote> {
    let mut rows = Vec::new();
    for m in 0..minutes {
        let ts = ny(d, 9, 31)
            .checked_add_nanos(i64::from(m) * 60_000_000_000)
            .unwrap();
        for k in 0..strikes {
            for right in [OptionRight::Call, OptionRight::Put] {
                rows.push(quote(
                    ts,
                    d,
                    4700.0 + 5.0 * f64::from(k),
                    right,
                    if k % 7 == 0 {
                        None
                    } else {
                        Some(1.0 + f64::from(k))
                    },
                ));
            }
        }
    }
    rows
}

#[test]
fn bars_round_trip_exactly_with_nulls() {
    let store = Store::open(tmp("bars"));
    let mut bars = minute_bars(day(2024, 1, 18), 50, 470.0);
    bars.extend(minute_bars(day(2024, 1, 19), 50, 475.0));
    let s = BarSeries {
        symbol: "SPY".into(),
        bars: bars.clone(),
    };
    let r = store.write_bars(&s, "1m").unwrap();
    assert_eq!((r.partitions, r.rows_written, r.rows_replaced), (2, 100, 0));
    let back = store.read_bars("SPY", "1m", TimeRange::ALL).unwrap();
    assert_eq!(back.bars, bars);
    // A time range reads just its rows.
    let range = TimeRange::new(ny(day(2024, 1, 19), 9, 35), ny(day(2024, 1, 19), 9, 45));
    let part = store.read_bars("SPY", "1m", range).unwrap();
    assert_eq!(part.bars.len(), 10);
    assert_eq!(part.bars[0].ts, ny(day(2024, 1, 19), 9, 35));
}

#[test]
fn daily_bars_go_one_file_per_year() {
    let store = Store::open(tmp("daily"));
    let d0 = day(2023, 12, 28);
    let bars: Vec<Bar> = (0..10)
        .map(|i| {
            let d = d0 + chrono::Days::new(i);
            Bar {
                ts: ny(d, 0, 0),
                open: 1.0,
                high: 2.0,
                low: 0.5,
                close: 1.5,
                volume: 10.0,
                vwap: None,
                trade_count: None,
            }
        })
        .collect();
    let r = store
        .write_bars(
            &BarSeries {
                symbol: "SPX".into(),
                bars: bars.clone(),
            },
            "1d",
        )
        .unwrap();
    assert_eq!(r.partitions, 2);
    assert!(r.files.iter().any(|f| {
        f.to_string_lossy()
            .contains("interval=1d/symbol=SPX/year=2024")
    }));
    assert_eq!(
        store.read_bars("SPX", "1d", TimeRange::ALL).unwrap().bars,
        bars
    );
}

#[test]
fn appending_a_day_never_rewrites_others_and_merges_its_own() {
    let store = Store::open(tmp("append"));
    let d1 = day(2024, 3, 4);
    let d2 = day(2024, 3, 5);
    store
        .write_chain(&ChainRows {
            underlying: "SPX".into(),
            root: None,
            rows: chain_day(d1, 5, 4),
        })
        .unwrap();
    let f1 = store
        .files(DataKind::Chains, None, "SPX", &TimeRange::ALL)
        .unwrap()[0]
        .clone();
    let before = (
        std::fs::read(&f1).unwrap(),
        std::fs::metadata(&f1).unwrap().modified().unwrap(),
    );
    // A new day: the old file is untouched, byte for byte.
    let r = store
        .write_chain(&ChainRows {
            underlying: "SPX".into(),
            root: None,
            rows: chain_day(d2, 5, 4),
        })
        .unwrap();
    assert_eq!(r.partitions, 1);
    assert_eq!(std::fs::read(&f1).unwrap(), before.0);
    assert_eq!(
        std::fs::metadata(&f1).unwrap().modified().unwrap(),
        before.1
    );
    // Re-ingesting part of day 2 with new bids replaces those keys only.
    let mut again = chain_day(d2, 2, 4);
    for q in &mut again {
        q.bid = Some(99.0);
    }
    let r = store
        .write_chain(&ChainRows {
            underlying: "SPX".into(),
            root: None,
            rows: again.clone(),
        })
        .unwrap();
    assert_eq!(r.rows_replaced, again.len());
    assert_eq!(r.rows_total, 5 * 4 * 2);
    let all = store
        .read_chain("SPX", TimeRange::dates(d2, d2).unwrap())
        .unwrap();
    assert_eq!(all.len(), 1);
    let all = &all[0];
    assert_eq!(all.rows.len(), 40);
    assert_eq!(
        all.rows.iter().filter(|q| q.bid == Some(99.0)).count(),
        again.len()
    );
}

#[test]
fn snapshots_stream_in_time_order_across_row_groups_and_files() {
    // Tiny row groups so snapshots straddle them.
    let store = Store::open(tmp("snap")).with_row_group_rows(7);
    let days = [day(2024, 1, 18), day(2024, 1, 19)];
    let mut expected = Vec::new();
    for d in days {
        let rows = chain_day(d, 6, 5);
        expected.extend(rows.clone());
        store
            .write_chain(&ChainRows {
                underlying: "SPX".into(),
                root: Some("SPXW".into()),
                rows,
            })
            .unwrap();
    }
    let snaps: Vec<ChainSnapshot> = store
        .chain_snapshots("SPX", TimeRange::ALL)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(snaps.len(), 12);
    assert!(snaps.windows(2).all(|w| w[0].ts < w[1].ts));
    assert!(
        snaps
            .iter()
            .all(|s| s.len() == 10 && s.underlying == "SPX" && s.underlying_price == Some(4780.0))
    );
    // Same quotes, same order as written (sorted by ts, expiry, strike, call first).
    let mut i = 0;
    for s in &snaps {
        for j in 0..s.len() {
            let q = &expected[i];
            assert_eq!(
                (s.ts, s.strike[j], s.right[j], s.bid[j]),
                (q.ts, q.strike, q.right, q.bid)
            );
            i += 1;
        }
    }
    // next_into reuses one snapshot.
    let mut st = store
        .chain_snapshots("SPX", TimeRange::dates(days[1], days[1]).unwrap())
        .unwrap();
    let mut s = ChainSnapshot::default();
    let mut n = 0;
    while st.next_into(&mut s).unwrap() {
        n += 1;
        assert_eq!(s.len(), 10);
    }
    assert_eq!(n, 6);
}

#[test]
fn list_reports_what_is_held() {
    let store = Store::open(tmp("list"));
    store
        .write_bars(
            &BarSeries {
                symbol: "QQQ".into(),
                bars: minute_bars(day(2024, 2, 1), 30, 400.0),
            },
            "1m",
        )
        .unwrap();
    store
        .write_chain(&ChainRows {
            underlying: "SPX".into(),
            root: None,
            rows: chain_day(day(2024, 2, 1), 3, 3),
        })
        .unwrap();
    let h = store.list().unwrap();
    assert_eq!(h.len(), 2);
    let bars = h.iter().find(|x| x.kind == DataKind::Bars).unwrap();
    assert_eq!(
        (
            bars.symbol.as_str(),
            bars.interval.as_deref(),
            bars.rows,
            bars.files
        ),
        ("QQQ", Some("1m"), 30, 1)
    );
    assert_eq!(bars.first, Some(ny(day(2024, 2, 1), 9, 30)));
    let ch = h.iter().find(|x| x.kind == DataKind::Chains).unwrap();
    assert_eq!(ch.rows, 18);
}

#[test]
fn bad_symbols_and_intervals_are_errors() {
    let store = Store::open(tmp("bad"));
    assert!(
        store
            .write_bars(
                &BarSeries {
                    symbol: "../x".into(),
                    bars: vec![]
                },
                "1m"
            )
            .is_err()
    );
    assert!(
        store
            .write_bars(
                &BarSeries {
                    symbol: "SPY".into(),
                    bars: vec![]
                },
                "1w"
            )
            .is_err()
    );
    assert!(
        store
            .read_bars("SPY", "1m", TimeRange::ALL)
            .unwrap()
            .bars
            .is_empty()
    );
}

#[test]
fn spx_and_spxw_with_the_same_expiry_and_strike_are_different_contracts() {
    // A third-Friday SPX monthly (AM-settled) and the SPXW (PM) of the same date share
    // expiry, strike and right: the store must keep both, told apart by the root.
    let store = Store::open(tmp("roots"));
    let d = day(2023, 9, 14);
    let ts = ny(d, 16, 0);
    let exp = day(2023, 10, 20);
    let mk = |bid| quote(ts, exp, 4500.0, OptionRight::Put, Some(bid));
    store
        .write_chain(&ChainRows {
            underlying: "SPX".into(),
            root: Some("SPX".into()),
            rows: vec![mk(60.0)],
        })
        .unwrap();
    let r = store
        .write_chain(&ChainRows {
            underlying: "SPX".into(),
            root: Some("SPXW".into()),
            rows: vec![mk(61.0)],
        })
        .unwrap();
    assert_eq!((r.rows_replaced, r.rows_total), (0, 2));
    let chains = store.read_chain("SPX", TimeRange::ALL).unwrap();
    assert_eq!(chains.len(), 2);
    assert_eq!(
        (chains[0].root.as_deref(), chains[0].rows[0].bid),
        (Some("SPX"), Some(60.0))
    );
    assert_eq!(
        (chains[1].root.as_deref(), chains[1].rows[0].bid),
        (Some("SPXW"), Some(61.0))
    );
    let snap = store
        .chain_snapshots("SPX", TimeRange::ALL)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(snap.len(), 2);
    let spxw = thetalab_core::OptionRoot::new("SPXW").unwrap();
    let i = snap.find(spxw, exp, 4500.0, OptionRight::Put).unwrap();
    assert_eq!(snap.bid[i], Some(61.0));
}
