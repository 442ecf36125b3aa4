//! Polars reads the store's files as they are: lazily across hive partitions, with a
//! range query, 5-minute resampling, a join and the option chains' root column. The
//! script (`tests/polars/interop.py`) runs under the Python build of Polars, whose engine
//! is the same Rust core; the test skips with a message when `python3` or `polars` is
//! absent (`pip install 'polars>=1,<2'`; `.ci/run` installs it).

use std::process::Command;

use chrono::{NaiveDate, NaiveTime};
use thetalab_core::{OptionRight, Timestamp};
use thetalab_data::schema::{Bar, BarSeries, ChainRows, OptionQuote};
use thetalab_data::{Store, TimeRange};

fn ny(d: NaiveDate, h: u32, m: u32) -> Timestamp {
    Timestamp::from_ny(d, NaiveTime::from_hms_opt(h, m, 0).unwrap()).unwrap()
}

fn minute_bars(days: &[NaiveDate], base: f64) -> Vec<Bar> {
    let mut out = Vec::new();
    for (k, &d) in days.iter().enumerate() {
        for i in 0..390u32 {
            let p = base + f64::from(k as u32) + 0.01 * f64::from(i % 97);
            out.push(Bar {
                ts: ny(d, 9, 30)
                    .checked_add_nanos(i64::from(i) * 60_000_000_000)
                    .unwrap(),
                open: p,
                high: p + 0.1,
                low: p - 0.1,
                close: p + 0.05,
                volume: f64::from(100 + i),
                vwap: None,
                trade_count: None,
            });
        }
    }
    out
}

#[test]
fn polars_reads_the_store_lazily() {
    let ok = Command::new("python3")
        .args(["-c", "import polars"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipping: python3 with polars is not installed (pip install 'polars>=1,<2')");
        return;
    }
    let root = std::env::temp_dir().join(format!("thetalab-polars-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let store = Store::open(&root);
    let days: Vec<NaiveDate> = [4, 5, 6]
        .iter()
        .map(|d| NaiveDate::from_ymd_opt(2024, 3, *d).unwrap())
        .collect();
    let spy = BarSeries {
        symbol: "SPY".into(),
        bars: minute_bars(&days, 500.0),
    };
    let qqq = BarSeries {
        symbol: "QQQ".into(),
        bars: minute_bars(&days[1..], 430.0),
    };
    store.write_bars(&spy, "1m").unwrap();
    store.write_bars(&qqq, "1m").unwrap();
    let q = |right, bid| OptionQuote {
        ts: ny(days[0], 10, 0),
        underlying_price: Some(5000.0),
        expiry: NaiveDate::from_ymd_opt(2024, 3, 15).unwrap(),
        strike: 5000.0,
        right,
        bid: Some(bid),
        ask: Some(bid + 0.5),
        bid_size: None,
        ask_size: None,
        last: None,
        volume: 0,
        open_interest: None,
        iv: None,
        delta: None,
        gamma: None,
        vega: None,
        theta: None,
    };
    store
        .write_chain(&ChainRows {
            underlying: "SPX".into(),
            root: Some("SPX".into()),
            rows: vec![q(OptionRight::Call, 50.0)],
        })
        .unwrap();
    store
        .write_chain(&ChainRows {
            underlying: "SPX".into(),
            root: Some("SPXW".into()),
            rows: vec![q(OptionRight::Call, 51.0), q(OptionRight::Put, 49.0)],
        })
        .unwrap();

    let (start, end) = (ny(days[1], 10, 0), ny(days[1], 11, 0));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/polars/interop.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&root)
        .arg(start.as_nanos().to_string())
        .arg(end.as_nanos().to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    // Hive partition keys are columns next to the stored ones.
    let cols: Vec<&str> = j["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in [
        "ts", "open", "high", "low", "close", "volume", "symbol", "date",
    ] {
        assert!(cols.contains(&c), "{c} missing from {cols:?}");
    }
    assert_eq!(j["rows"], 390 * 5);
    // The range query returns what the store's own reader returns.
    let ours = store
        .read_bars("SPY", "1m", TimeRange::new(start, end))
        .unwrap();
    assert_eq!(j["range_rows"], ours.bars.len());
    let sum: f64 = ours.bars.iter().map(|b| b.close).sum();
    assert!((j["range_close_sum"].as_f64().unwrap() - sum).abs() < 1e-9 * sum);
    // Resampling: 78 five-minute bars a session; the first one aggregates our first 5 bars.
    assert_eq!(j["five_rows"], 78 * 3);
    let first5 = &spy.bars[..5];
    let want = [
        first5[0].open,
        first5.iter().map(|b| b.high).fold(f64::MIN, f64::max),
        first5.iter().map(|b| b.low).fold(f64::MAX, f64::min),
        first5[4].close,
        first5.iter().map(|b| b.volume).sum(),
    ];
    let got: Vec<f64> = j["five_first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(got, want);
    // Join on the timestamp: the two sessions both symbols have.
    assert_eq!(j["joined_rows"], 390 * 2);
    // Option chains keep their root per row.
    assert_eq!(j["chain_roots"]["SPX"], 1);
    assert_eq!(j["chain_roots"]["SPXW"], 2);
    let _ = std::fs::remove_dir_all(&root);
}
