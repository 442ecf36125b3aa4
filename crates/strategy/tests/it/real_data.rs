//! Every strategy on real daily bars (SPY 2008–2017 from /work/shared/data, read by
//! path; skipped with a message when absent): the two forms agree, and the signal
//! counts are sane.

use std::path::Path;

use thetalab_core::Timestamp;
use thetalab_strategy::{BarColumns, BarInput, STRATEGY_NAMES, by_name};

use crate::common::{assert_parity, idx};

pub const SPY: &str = "/work/shared/data/index-daily/spy_daily_2008_2017_yahoo_mplfinance.csv";

pub fn load(path: &Path) -> Option<BarColumns> {
    let mut rd = csv::Reader::from_path(path).ok()?;
    let headers: Vec<String> = rd
        .headers()
        .ok()?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (o, h, l, c, v) = (
        col("open")?,
        col("high")?,
        col("low")?,
        col("close")?,
        col("volume")?,
    );
    let mut bars = BarColumns::default();
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.ok()?;
        let f = |k: usize| {
            rec.get(k)
                .and_then(|s| s.trim().parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        bars.push(BarInput {
            ts: Timestamp::from_nanos(i as i64),
            open: f(o),
            high: f(h),
            low: f(l),
            close: f(c),
            volume: f(v),
        });
    }
    Some(bars)
}

#[test]
fn spy_daily_all_strategies() {
    let Some(bars) = load(Path::new(SPY)) else {
        println!("skipped: {SPY} not found");
        return;
    };
    assert_eq!(bars.close.len(), 2519);
    for name in STRATEGY_NAMES {
        let s = by_name(name, &[]).unwrap();
        let sig = assert_parity(s.as_ref(), &bars);
        let (e, x) = (idx(&sig.entries).len(), idx(&sig.exits).len());
        println!("{name}: {e} entries, {x} exits");
        assert!(e >= 1, "{name} never enters");
        let short = by_name(name, &[("allow_short".into(), 1.0)]);
        if let Ok(short) = short {
            assert_parity(short.as_ref(), &bars);
        }
    }
}
