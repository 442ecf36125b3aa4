//! Golden tests against TA-Lib 0.8.2 (TA-Lib C 0.8.1) outputs made by
//! tests/fixtures/gen_talib.py: stocknet-88 AAPL (MIT, slice committed) and SPY
//! 2008-2017 (read by path; only TA-Lib's outputs are committed).

use thetalab_indicators as ind;

use crate::common::{Ohlcv, aapl, fixture, max_rel_err, read_table};

/// Every fixture column computed by this crate, by the fixture's column name.
pub fn compute(d: &Ohlcv) -> Vec<(String, Vec<f64>)> {
    let (o, h, l, c, v) = (
        &d.open[..],
        &d.high[..],
        &d.low[..],
        &d.close[..],
        &d.volume[..],
    );
    let _ = o;
    let mut out: Vec<(String, Vec<f64>)> = Vec::new();
    let mut put = |k: &str, x: Vec<f64>| out.push((k.to_owned(), x));
    for p in [5, 20, 30] {
        put(&format!("sma_{p}"), ind::sma(c, p).unwrap());
    }
    for p in [2, 9, 21, 30, 50, 200] {
        put(&format!("ema_{p}"), ind::ema(c, p).unwrap());
    }
    for p in [2, 14] {
        put(&format!("rsi_{p}"), ind::rsi(c, p).unwrap());
    }
    for p in [5, 14] {
        put(&format!("atr_{p}"), ind::atr(h, l, c, p).unwrap());
    }
    for p in [7, 14] {
        put(&format!("natr_{p}"), ind::natr(h, l, c, p).unwrap());
    }
    put("trange", ind::trange(h, l, c).unwrap());
    for (f, s, g) in [(12, 26, 9), (5, 35, 5)] {
        let m = ind::macd(c, f, s, g).unwrap();
        put(&format!("macd_{f}_{s}_{g}"), m.macd);
        put(&format!("macd_signal_{f}_{s}_{g}"), m.signal);
        put(&format!("macd_hist_{f}_{s}_{g}"), m.hist);
    }
    for (p, up, dn, tag) in [
        (20, 2.0, 2.0, "20_2"),
        (5, 2.0, 2.0, "5_2"),
        (10, 1.5, 2.5, "10_1.5_2.5"),
    ] {
        let b = ind::bbands(c, p, up, dn).unwrap();
        put(&format!("bb_upper_{tag}"), b.upper);
        put(&format!("bb_middle_{tag}"), b.middle);
        put(&format!("bb_lower_{tag}"), b.lower);
    }
    for fk in [5, 14] {
        let s = ind::stoch(h, l, c, fk, 3, 3).unwrap();
        put(&format!("stoch_slowk_{fk}_3_3"), s.k);
        put(&format!("stoch_slowd_{fk}_3_3"), s.d);
        let s = ind::stochf(h, l, c, fk, 3).unwrap();
        put(&format!("stochf_fastk_{fk}_3"), s.k);
        put(&format!("stochf_fastd_{fk}_3"), s.d);
    }
    for (p, k, dd) in [(14, 5, 3), (7, 9, 4)] {
        let s = ind::stochrsi(c, p, k, dd).unwrap();
        put(&format!("stochrsi_fastk_{p}_{k}_{dd}"), s.k);
        put(&format!("stochrsi_fastd_{p}_{k}_{dd}"), s.d);
    }
    for p in [7, 14] {
        put(&format!("adx_{p}"), ind::adx(h, l, c, p).unwrap());
        put(&format!("plus_di_{p}"), ind::plus_di(h, l, c, p).unwrap());
        put(&format!("minus_di_{p}"), ind::minus_di(h, l, c, p).unwrap());
        put(&format!("willr_{p}"), ind::willr(h, l, c, p).unwrap());
        put(&format!("mfi_{p}"), ind::mfi(h, l, c, v, p).unwrap());
    }
    for p in [14, 25] {
        let a = ind::aroon(h, l, p).unwrap();
        put(&format!("aroon_down_{p}"), a.down);
        put(&format!("aroon_up_{p}"), a.up);
    }
    put("obv", ind::obv(c, v).unwrap());
    for p in [5, 10] {
        put(&format!("roc_{p}"), ind::roc(c, p).unwrap());
    }
    for p in [1, 10] {
        put(&format!("mom_{p}"), ind::mom(c, p).unwrap());
    }
    for p in [14, 20] {
        put(&format!("cci_{p}"), ind::cci(h, l, c, p).unwrap());
    }
    put("sar_0.02_0.2", ind::sar(h, l, 0.02, 0.2).unwrap());
    put("sar_0.01_0.1", ind::sar(h, l, 0.01, 0.1).unwrap());
    for p in [10, 30] {
        put(&format!("wma_{p}"), ind::wma(c, p).unwrap());
        put(&format!("dema_{p}"), ind::dema(c, p).unwrap());
        put(&format!("tema_{p}"), ind::tema(c, p).unwrap());
    }
    for p in [14, 30] {
        put(
            &format!("linreg_slope_{p}"),
            ind::linreg_slope(c, p).unwrap(),
        );
    }
    put("max_30", ind::max(c, 30).unwrap());
    put("min_30", ind::min(c, 30).unwrap());
    put("max_7", ind::max(h, 7).unwrap());
    put("min_7", ind::min(l, 7).unwrap());
    out
}

/// Columns whose TA-Lib arithmetic is short (a few operations per output, no long
/// recursion or cancellation): held to 1e-12 relative; the rest to 1e-9.
fn tolerance(name: &str) -> f64 {
    const SIMPLE: [&str; 8] = [
        "sma_", "max_", "min_", "trange", "obv", "mom_", "roc_", "aroon_",
    ];
    if SIMPLE.iter().any(|s| name.starts_with(s)) {
        1e-12
    } else {
        1e-9
    }
}

/// Oscillators on a 0..100 scale (or −100..0) are compared relative to
/// `max(|TA-Lib|, 1)`: near zero their running sums leave residues like −4.7e-15 where
/// the exact value is 0, and a pure relative error of two such residues means nothing.
/// Everything else is compared purely relatively (floor 0).
fn floor(name: &str) -> f64 {
    const BOUNDED: [&str; 8] = [
        "stoch",
        "rsi_",
        "willr_",
        "mfi_",
        "adx_",
        "plus_di_",
        "minus_di_",
        "aroon_",
    ];
    if BOUNDED.iter().any(|s| name.starts_with(s)) {
        1.0
    } else {
        0.0
    }
}

fn check_table(table: &crate::common::Table, ours: &[(String, Vec<f64>)], require_all: bool) {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for name in &table.order {
        let Some((_, got)) = ours.iter().find(|(k, _)| k == name) else {
            assert!(
                !require_all,
                "fixture column {name} is not computed by the test"
            );
            continue;
        };
        let err = max_rel_err(name, got, &table.cols[name], floor(name));
        report.push(format!("{name}: {err:.2e}"));
        if err > tolerance(name) {
            failures.push(format!(
                "{name}: max rel err {err:.3e} > {:.0e}",
                tolerance(name)
            ));
        }
    }
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_talib_indicator_matches_on_aapl() {
    let d = aapl();
    let table = read_table(&fixture("talib_aapl.csv"));
    assert_eq!(table.keys.len(), d.close.len());
    check_table(&table, &compute(&d), true);
}

#[test]
fn main_indicators_match_on_spy_2008_2017() {
    let path = std::path::Path::new(
        "/work/shared/data/index-daily/spy_daily_2008_2017_yahoo_mplfinance.csv",
    );
    if !path.exists() {
        println!(
            "skipped: {} is absent (the SPY file is not redistributed)",
            path.display()
        );
        return;
    }
    let text = std::fs::read_to_string(path).unwrap();
    let mut d = Ohlcv {
        open: vec![],
        high: vec![],
        low: vec![],
        close: vec![],
        volume: vec![],
    };
    for line in text.lines().skip(1) {
        let f: Vec<f64> = line
            .split(',')
            .skip(1)
            .map(|s| s.parse().unwrap())
            .collect();
        // Date,Open,High,Low,Close,Adj Close,Volume
        d.open.push(f[0]);
        d.high.push(f[1]);
        d.low.push(f[2]);
        d.close.push(f[3]);
        d.volume.push(f[5]);
    }
    let table = read_table(&fixture("talib_spy.csv"));
    assert_eq!(table.keys.len(), d.close.len());
    check_table(&table, &compute(&d), false);
}
