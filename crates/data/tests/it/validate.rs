//! Validation against real data and random corruption.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use thetalab_core::{OptionRight, Timestamp};
use thetalab_data::calendar::NyseCalendar;
use thetalab_data::validate::{
    Outcome, ParseReject, Policy, Reason, ValidationConfig, validate_bars, validate_chain,
};
use thetalab_data::{Bar, BarSeries, ChainRows, DataError, OptionQuote};

fn shared_data() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if p.is_dir() {
        Some(p)
    } else {
        println!("skipping: {} not found", p.display());
        None
    }
}

/// Reads a Yahoo daily CSV (`Date,Open,High,Low,Close,Adj Close,Volume`) minimally:
/// bars stamped at 00:00 New York of their date, line numbers kept, unparsable lines
/// handed over as parse rejects.
fn read_yahoo_daily(text: &str) -> (BarSeries, Vec<u64>, Vec<ParseReject>) {
    let mut bars = Vec::new();
    let mut lines = Vec::new();
    let mut rejects = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let line_no = i as u64 + 1;
        let f: Vec<&str> = line.split(',').collect();
        let parsed = (|| {
            let d = NaiveDate::parse_from_str(f.first()?, "%Y-%m-%d").ok()?;
            let num = |k: usize| f.get(k)?.parse::<f64>().ok();
            Some(Bar {
                ts: Timestamp::from_ny_hms(d, "00:00").ok()?,
                open: num(1)?,
                high: num(2)?,
                low: num(3)?,
                close: num(4)?,
                volume: num(6)?,
                vwap: None,
                trade_count: None,
            })
        })();
        match parsed {
            Some(b) => {
                bars.push(b);
                lines.push(line_no);
            }
            None => rejects.push(ParseReject {
                line: line_no,
                field: String::new(),
                message: "unparsable line".into(),
                raw: line.to_string(),
            }),
        }
    }
    (
        BarSeries {
            symbol: "SPY".into(),
            bars,
        },
        lines,
        rejects,
    )
}

/// Yahoo's SPY file has two bars whose low is above the open (lines 1808 and 1825,
/// 2015-03-05 and 2015-03-30): genuine vendor errors, which validation must find.
/// Otherwise the file is clean: no gap, no bar on a non-session, no outlier (the largest
/// daily move of SPY in 2008, +13.6 % on 2008-10-13, log 0.128, stays below 0.25).
#[test]
fn real_spy_daily_2008_2017_against_the_nyse_calendar() {
    let Some(dir) = shared_data() else { return };
    let path = dir.join("index-daily/spy_daily_2008_2017_yahoo_mplfinance.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let (series, lines, rejects) = read_yahoo_daily(&text);
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(series.bars.len(), 2519);
    let cfg = ValidationConfig::default().with_calendar(Arc::new(NyseCalendar::new()));

    let err = validate_bars(
        series.clone(),
        Some(lines.clone()),
        Vec::new(),
        "spy.csv",
        &cfg,
        Policy::Reject,
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "spy.csv:1808 field \"low\": ohlc_inconsistent: low 209.850006 > min(open 209.419998"
        ),
        "{err}"
    );

    let out = validate_bars(
        series,
        Some(lines),
        rejects,
        "spy.csv",
        &cfg,
        Policy::Quarantine,
    )
    .unwrap();
    println!("{}", out.report);
    assert!(out.report.is_balanced());
    let bad: Vec<(u64, Reason, &str)> = out
        .quarantine
        .iter()
        .map(|q| (q.line, q.reason, q.field.as_str()))
        .collect();
    assert_eq!(
        bad,
        vec![
            (1808, Reason::OhlcInconsistent, "low"),
            (1825, Reason::OhlcInconsistent, "low")
        ]
    );
    assert_eq!(
        out.quarantine[0].raw,
        "2015-03-05T05:00:00Z,209.419998,210.800003,209.850006,210.460007,76873000,,"
    );
    assert_eq!(out.report.rows_kept, 2517);
    // The two quarantined days are the only bars of their sessions: they become gaps.
    let d = |m, day| NaiveDate::from_ymd_opt(2015, m, day).unwrap();
    assert_eq!(out.report.gaps, vec![d(3, 5), d(3, 30)]);
    assert_eq!(
        out.report.warnings.keys().copied().collect::<Vec<_>>(),
        vec![Reason::MissingSession]
    );
}

#[test]
fn real_spy_daily_with_injected_faults() {
    let Some(dir) = shared_data() else { return };
    let path = dir.join("index-daily/spy_daily_2008_2017_yahoo_mplfinance.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let (mut series, mut lines, rejects) = read_yahoo_daily(&text);
    // Keep 2008-2014 only (before the two real faults). Line 101 loses its high; line
    // 201 is repeated; line 301 (2009-03-10) is deleted, which makes a gap.
    let cut = series
        .bars
        .iter()
        .position(|b| b.ts.ny_date().year() == 2015)
        .unwrap();
    series.bars.truncate(cut);
    lines.truncate(cut);
    series.bars[99].high = series.bars[99].low * 0.5;
    let dup = series.bars[199];
    series.bars.insert(200, dup);
    lines.insert(200, 201);
    let gap_day = series.bars[300].ts.ny_date();
    series.bars.remove(300);
    lines.remove(300);
    let cfg = ValidationConfig::default().with_calendar(Arc::new(NyseCalendar::new()));
    let out = validate_bars(
        series,
        Some(lines),
        rejects,
        "spy.csv",
        &cfg,
        Policy::Repair,
    )
    .unwrap();
    println!("{}", out.report);
    assert_eq!(out.report.counts.len(), 1);
    assert_eq!(out.report.counts[&Reason::OhlcInconsistent], 1);
    assert_eq!(out.quarantine[0].line, 101);
    assert_eq!(out.quarantine[0].field, "high");
    assert_eq!(out.report.repaired[&Reason::ExactDuplicate], 1);
    // 2008-05-22 (quarantined, its session's only bar) and the deleted day.
    assert_eq!(
        out.report.gaps,
        vec![NaiveDate::from_ymd_opt(2008, 5, 22).unwrap(), gap_day]
    );
    assert_eq!(out.report.rows_kept, cut - 2);
    assert!(out.report.is_balanced());
    assert_eq!(out.report.outcome.exit_code(), 3);
}

fn cboe_row(
    ts: Timestamp,
    expiry: NaiveDate,
    strike: f64,
    right: OptionRight,
    bid: f64,
    ask: f64,
    iv: f64,
) -> OptionQuote {
    OptionQuote {
        ts,
        underlying_price: Some(5_432.1),
        expiry,
        strike,
        right,
        bid: Some(bid),
        ask: Some(ask),
        bid_size: Some(0),
        ask_size: Some(0),
        last: Some(1.25),
        volume: 120,
        open_interest: Some(3_400),
        iv: Some(iv),
        delta: Some(0.0),
        gamma: Some(0.0),
        vega: None,
        theta: None,
    }
}

/// Cboe's delayed-quote download taken after the close: the day's expiring SPXW
/// contracts show bid = ask = 0 and iv = 0; later expiries still carry quotes.
#[test]
fn cboe_after_close_quirk_is_warned_not_quarantined() {
    let session = NaiveDate::from_ymd_opt(2024, 7, 12).unwrap(); // a Friday
    let next = NaiveDate::from_ymd_opt(2024, 7, 15).unwrap();
    let ts = Timestamp::from_ny_hms(session, "16:45").unwrap();
    let rows = vec![
        cboe_row(ts, session, 5430.0, OptionRight::Call, 0.0, 0.0, 0.0),
        cboe_row(ts, session, 5430.0, OptionRight::Put, 0.0, 0.0, 0.0),
        cboe_row(ts, next, 5430.0, OptionRight::Call, 21.3, 21.9, 0.118),
        cboe_row(ts, next, 5430.0, OptionRight::Put, 17.6, 18.1, 0.124),
        // a genuinely bad row: crossed
        cboe_row(ts, next, 5435.0, OptionRight::Call, 19.5, 18.9, 0.117),
    ];
    let chain = ChainRows {
        underlying: "SPX".into(),
        root: Some("SPXW".into()),
        rows,
    };
    let cfg = ValidationConfig::default();
    let out = validate_chain(
        chain.clone(),
        Some(vec![5, 6, 7, 8, 9]),
        Vec::new(),
        "quotedata.csv",
        &cfg,
        Policy::Quarantine,
    )
    .unwrap();
    println!("{}", out.report);
    assert_eq!(out.report.warnings[&Reason::NoMarket], 2);
    assert_eq!(out.report.warnings[&Reason::BadIv], 2);
    assert!(
        !out.report.warnings.contains_key(&Reason::LockedQuote),
        "0 = 0 is not a locked market"
    );
    assert_eq!(out.report.counts.len(), 1);
    assert_eq!(out.report.counts[&Reason::CrossedQuote], 1);
    assert_eq!(out.quarantine[0].line, 9);
    assert_eq!(out.data.rows.len(), 4);

    let err = validate_chain(
        chain,
        None,
        Vec::new(),
        "quotedata.csv",
        &cfg,
        Policy::Reject,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            DataError::Rejected {
                line: 5,
                reason: Reason::CrossedQuote,
                ..
            }
        ),
        "{err}"
    );
}

// ---- random corruption ----

#[derive(Debug, Clone)]
enum Corruption {
    Duplicate,
    SameTsOtherValue,
    SwapWithNext,
    HighBelowClose,
    NegativeOpen,
    NanClose,
    Spike,
}

fn corruption() -> impl Strategy<Value = Corruption> {
    prop_oneof![
        Just(Corruption::Duplicate),
        Just(Corruption::SameTsOtherValue),
        Just(Corruption::SwapWithNext),
        Just(Corruption::HighBelowClose),
        Just(Corruption::NegativeOpen),
        Just(Corruption::NanClose),
        Just(Corruption::Spike),
    ]
}

fn clean_series(steps: &[f64]) -> Vec<Bar> {
    let mut c = 100.0;
    steps
        .iter()
        .enumerate()
        .map(|(i, r)| {
            c *= r.exp();
            Bar {
                ts: Timestamp::from_nanos(i as i64 * 60_000_000_000),
                open: c,
                high: c * 1.01,
                low: c * 0.99,
                close: c,
                volume: 1000.0 + i as f64,
                vwap: None,
                trade_count: None,
            }
        })
        .collect()
}

fn corrupt(bars: &mut Vec<Bar>, edits: &[(usize, Corruption)]) {
    for (at, kind) in edits {
        if bars.is_empty() {
            return;
        }
        let i = at % bars.len();
        match kind {
            Corruption::Duplicate => {
                let b = bars[i];
                bars.insert(i + 1, b);
            }
            Corruption::SameTsOtherValue => {
                let mut b = bars[i];
                b.volume += 1.0;
                bars.insert(i + 1, b);
            }
            Corruption::SwapWithNext if i + 1 < bars.len() => bars.swap(i, i + 1),
            Corruption::SwapWithNext => {}
            Corruption::HighBelowClose => bars[i].high = bars[i].close * 0.5,
            Corruption::NegativeOpen => bars[i].open = -bars[i].open,
            Corruption::NanClose => bars[i].close = f64::NAN,
            Corruption::Spike => {
                bars[i].close *= 3.0;
                bars[i].high = bars[i].close;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_row_is_accounted_for(
        steps in prop::collection::vec(-0.02f64..0.02, 1..80),
        edits in prop::collection::vec((0usize..1000, corruption()), 0..12),
        n_rejects in 0usize..3,
        repair in any::<bool>(),
    ) {
        let mut bars = clean_series(&steps);
        corrupt(&mut bars, &edits);
        let n = bars.len();
        let rejects: Vec<ParseReject> = (0..n_rejects)
            .map(|k| ParseReject { line: 10_000 + k as u64, field: "close".into(), message: "bad".into(), raw: "x".into() })
            .collect();
        let policy = if repair { Policy::Repair } else { Policy::Quarantine };
        let series = BarSeries { symbol: "T".into(), bars };
        let cfg = ValidationConfig::default();
        let out = validate_bars(series, None, rejects, "p", &cfg, policy).unwrap();
        let r = &out.report;
        prop_assert_eq!(r.rows_in, n + n_rejects);
        prop_assert!(r.is_balanced(), "{}", r);
        prop_assert_eq!(r.rows_kept, out.data.bars.len());
        prop_assert_eq!(r.quarantined, out.quarantine.len());
        prop_assert_eq!(r.error_count(), r.quarantined);
        prop_assert_eq!(r.dropped, r.repaired.get(&Reason::ExactDuplicate).copied().unwrap_or(0));
        if !repair {
            prop_assert_eq!(r.dropped, 0);
        }
        // No kept row violates an error check: validating the kept data again under
        // Reject passes, and finds nothing to repair.
        let again = validate_bars(out.data.clone(), None, Vec::new(), "p", &cfg, Policy::Reject);
        prop_assert!(again.is_ok(), "{:?}", again.err().map(|e| e.to_string()));
        if let Ok(again) = again {
            prop_assert_eq!(again.data.bars.len(), out.data.bars.len());
            prop_assert!(again.report.repaired.is_empty());
        }
        // Kept rows are strictly increasing in time.
        prop_assert!(out.data.bars.windows(2).all(|w| w[0].ts < w[1].ts));
    }
}

#[test]
fn many_bars_are_validated_quickly() {
    let steps: Vec<f64> = (0..200_000)
        .map(|i| ((i % 7) as f64 - 3.0) * 1e-3)
        .collect();
    let series = BarSeries {
        symbol: "T".into(),
        bars: clean_series(&steps),
    };
    let t0 = std::time::Instant::now();
    let out = validate_bars(
        series,
        None,
        Vec::new(),
        "p",
        &ValidationConfig::default(),
        Policy::Quarantine,
    )
    .unwrap();
    let took = t0.elapsed();
    println!("validated 200k bars in {took:?} (test profile, opt-level 1)");
    assert_eq!(out.report.outcome, Outcome::Clean);
}

/// mplfinance's S&P 500 minute file: 09:30–15:59 ET plus a 16:00 closing row on three of
/// its four days. Under the regular-hours window those three are `outside_session`.
#[test]
fn real_sp500_minutes_against_regular_hours() {
    let Some(dir) = shared_data() else { return };
    let path = dir.join("spx-spy-intraday/sp500_index_1min_2019-11-05_08_mplfinance.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut bars = Vec::new();
    let mut lines = Vec::new();
    // Columns `Date,Open,Close,High,Low,Volume` (note the order), naive ET times.
    for (i, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (d, t) = f[0].split_once(' ').unwrap();
        let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let num = |k: usize| f[k].parse::<f64>().unwrap();
        bars.push(Bar {
            ts: Timestamp::from_ny_hms(d, t).unwrap(),
            open: num(1),
            close: num(2),
            high: num(3),
            low: num(4),
            volume: num(5),
            vwap: None,
            trade_count: None,
        });
        lines.push(i as u64 + 1);
    }
    assert_eq!(bars.len(), 1563);
    let series = BarSeries {
        symbol: "SPX".into(),
        bars,
    };
    let mut cfg = ValidationConfig::default().with_calendar(Arc::new(NyseCalendar::new()));
    cfg.max_jump = 0.01; // one minute
    cfg.session_window = Some(thetalab_data::validate::SessionWindow::Regular);
    let out = validate_bars(
        series.clone(),
        Some(lines.clone()),
        Vec::new(),
        "sp500.csv",
        &cfg,
        Policy::Quarantine,
    )
    .unwrap();
    println!("{}", out.report);
    assert_eq!(out.report.counts.len(), 1);
    assert_eq!(out.report.counts[&Reason::OutsideSession], 3);
    assert!(
        out.quarantine
            .iter()
            .all(|q| q.detail.contains("(16:00 ET)"))
    );
    assert!(out.report.warnings.is_empty(), "{}", out.report);
    assert_eq!(out.report.rows_kept, 1560);

    cfg.session_window = Some(thetalab_data::validate::SessionWindow::Extended);
    let out = validate_bars(
        series,
        Some(lines),
        Vec::new(),
        "sp500.csv",
        &cfg,
        Policy::Reject,
    )
    .unwrap();
    assert_eq!(out.report.outcome, Outcome::Clean, "{}", out.report);
}
