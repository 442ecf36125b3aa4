//! Validation and the quarantine policy: every row an adapter produced (or failed to
//! parse) is checked, and ends up kept, quarantined with its reason, dropped as an exact
//! duplicate under [`Policy::Repair`], or part of a rejected file — and counted in the
//! [`ValidationReport`]. A row is never dropped without being counted:
//! `rows_in == rows_kept + quarantined + dropped + rejected`.
//!
//! What is checked ([`Reason`] names the check, its severity says what follows):
//!
//! | data | checks |
//! |---|---|
//! | all | time order (`out_of_order`), `exact_duplicate`, `duplicate_timestamp` (same key, different values: every such row is quarantined, none is guessed), `non_finite_value`, adapters' `parse_error`s |
//! | bars | `non_positive_price`, `negative_size`, `ohlc_inconsistent`, `outlier_jump` (close, log change), `outside_session` (when a [`SessionWindow`] is set), `non_session_day` and `missing_session` gaps (when a [`SessionCalendar`] is set) |
//! | quotes | `negative_price`, `negative_size`, `crossed_quote` (bid > ask), `locked_quote` (bid == ask > 0), `no_market`, `outlier_jump` (mid) |
//! | trades | `non_positive_price`, `negative_size`, `outlier_jump` (price) |
//! | option chains | duplicates per (ts, expiry, strike, right), `missing_underlying_price`, `non_positive_price` (underlying), `bad_strike`, `negative_price`, `crossed_quote`, `locked_quote`, `no_market`, `bad_expiry` (before the quote date, too far out, weekend), `bad_iv` |
//!
//! Performance: one pass over the rows, allocation only for quarantined rows (and one
//! status byte per row).
//!
//! ```
//! use chrono::NaiveDate;
//! use thetalab_core::Timestamp;
//! use thetalab_data::schema::{Bar, BarSeries};
//! use thetalab_data::validate::{Outcome, Policy, Reason, ValidationConfig, validate_bars};
//!
//! let day = |d: u32| Timestamp::from_ny_hms(NaiveDate::from_ymd_opt(2024, 1, d).unwrap(), "00:00").unwrap();
//! let bar = |d: u32, c: f64| Bar { ts: day(d), open: c, high: c + 1.0, low: c - 1.0, close: c,
//!                                  volume: 1e6, vwap: None, trade_count: None };
//! let mut bad = bar(4, 101.0);
//! bad.high = 50.0; // below the close
//! let series = BarSeries { symbol: "SPY".into(), bars: vec![bar(2, 100.0), bar(3, 100.5), bad] };
//! let out = validate_bars(series, None, Vec::new(), "spy.csv", &ValidationConfig::default(), Policy::Quarantine)?;
//! assert_eq!(out.data.bars.len(), 2);
//! assert_eq!(out.quarantine[0].reason, Reason::OhlcInconsistent);
//! assert_eq!(out.quarantine[0].field, "high");
//! assert_eq!(out.report.outcome, Outcome::Quarantined);
//! assert_eq!(out.report.outcome.exit_code(), 3);
//! println!("{}", out.report);
//! # Ok::<(), thetalab_data::DataError>(())
//! ```

mod checks;
mod config;
mod engine;
mod reason;
mod report;

pub use config::{Policy, SessionCalendar, SessionWindow, ValidationConfig};
pub use reason::{Reason, Severity};
pub(crate) use report::fmt_counts;
pub use report::{Outcome, ParseReject, QuarantineRow, Validated, ValidationReport};

use engine::{Source, run};

use crate::error::DataError;
use crate::schema::{BarSeries, ChainRows, DataKind, QuoteSeries, TradeSeries};

/// Validates a bar series.
///
/// `lines` gives the source line of each bar (same length as `series.bars`), when the
/// adapter knows it; without it quarantine rows carry the 1-based record number.
/// `rejects` are the lines the adapter could not parse. `source` names the input in the
/// report, the quarantine rows and errors.
///
/// # Errors
/// [`DataError::Rejected`] under [`Policy::Reject`] when any row (or parse reject) has an
/// error-severity finding; [`DataError::LineCountMismatch`] when `lines` has the wrong
/// length.
pub fn validate_bars(
    series: BarSeries,
    lines: Option<Vec<u64>>,
    rejects: Vec<ParseReject>,
    source: &str,
    cfg: &ValidationConfig,
    policy: Policy,
) -> Result<Validated<BarSeries>, DataError> {
    let BarSeries { symbol, bars } = series;
    let src = Source {
        name: source,
        kind: DataKind::Bars,
        symbol: &symbol,
    };
    let out = run(bars, lines, rejects, &src, cfg, policy)?;
    Ok(Validated {
        data: BarSeries {
            symbol,
            bars: out.kept,
        },
        quarantine: out.quarantine,
        report: out.report,
    })
}

/// Validates the quotes of one underlying; see [`validate_bars`] for the arguments.
///
/// # Errors
/// As [`validate_bars`].
pub fn validate_quotes(
    series: QuoteSeries,
    lines: Option<Vec<u64>>,
    rejects: Vec<ParseReject>,
    source: &str,
    cfg: &ValidationConfig,
    policy: Policy,
) -> Result<Validated<QuoteSeries>, DataError> {
    let QuoteSeries { symbol, quotes } = series;
    let src = Source {
        name: source,
        kind: DataKind::Quotes,
        symbol: &symbol,
    };
    let out = run(quotes, lines, rejects, &src, cfg, policy)?;
    Ok(Validated {
        data: QuoteSeries {
            symbol,
            quotes: out.kept,
        },
        quarantine: out.quarantine,
        report: out.report,
    })
}

/// Validates the trades of one instrument; see [`validate_bars`] for the arguments.
///
/// # Errors
/// As [`validate_bars`].
pub fn validate_trades(
    series: TradeSeries,
    lines: Option<Vec<u64>>,
    rejects: Vec<ParseReject>,
    source: &str,
    cfg: &ValidationConfig,
    policy: Policy,
) -> Result<Validated<TradeSeries>, DataError> {
    let TradeSeries { symbol, trades } = series;
    let src = Source {
        name: source,
        kind: DataKind::Trades,
        symbol: &symbol,
    };
    let out = run(trades, lines, rejects, &src, cfg, policy)?;
    Ok(Validated {
        data: TradeSeries {
            symbol,
            trades: out.kept,
        },
        quarantine: out.quarantine,
        report: out.report,
    })
}

/// Validates option-chain rows of one underlying. Rows must be in time order (any order
/// within one timestamp); duplicates are per (ts, expiry, strike, right). See
/// [`validate_bars`] for the arguments.
///
/// # Errors
/// As [`validate_bars`].
pub fn validate_chain(
    chain: ChainRows,
    lines: Option<Vec<u64>>,
    rejects: Vec<ParseReject>,
    source: &str,
    cfg: &ValidationConfig,
    policy: Policy,
) -> Result<Validated<ChainRows>, DataError> {
    let ChainRows {
        underlying,
        root,
        rows,
    } = chain;
    let src = Source {
        name: source,
        kind: DataKind::Chains,
        symbol: &underlying,
    };
    let out = run(rows, lines, rejects, &src, cfg, policy)?;
    Ok(Validated {
        data: ChainRows {
            underlying,
            root,
            rows: out.kept,
        },
        quarantine: out.quarantine,
        report: out.report,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{Datelike, NaiveDate, Weekday};
    use thetalab_core::{OptionRight, Timestamp};

    use super::*;
    use crate::schema::{Bar, OptionQuote, Quote, QuoteSeries};

    fn day(d: u32) -> Timestamp {
        Timestamp::from_ny_hms(NaiveDate::from_ymd_opt(2024, 1, d).unwrap(), "00:00").unwrap()
    }

    fn bar(d: u32, c: f64) -> Bar {
        Bar {
            ts: day(d),
            open: c,
            high: c + 1.0,
            low: c - 1.0,
            close: c,
            volume: 1000.0,
            vwap: None,
            trade_count: None,
        }
    }

    fn series(bars: Vec<Bar>) -> BarSeries {
        BarSeries {
            symbol: "SPY".into(),
            bars,
        }
    }

    fn cfg() -> ValidationConfig {
        ValidationConfig::default()
    }

    #[test]
    fn clean_series_is_clean_under_every_policy() {
        let bars = vec![bar(2, 100.0), bar(3, 101.0), bar(4, 100.5)];
        for policy in [Policy::Reject, Policy::Quarantine, Policy::Repair] {
            let out =
                validate_bars(series(bars.clone()), None, Vec::new(), "f", &cfg(), policy).unwrap();
            assert_eq!(out.data.bars, bars);
            assert!(out.quarantine.is_empty());
            assert_eq!(out.report.outcome, Outcome::Clean);
            assert!(out.report.is_balanced());
            assert_eq!(out.report.rows_kept, 3);
        }
    }

    #[test]
    fn reject_names_file_line_field_reason() {
        let mut bad = bar(4, 100.5);
        bad.high = 99.0;
        let s = series(vec![bar(2, 100.0), bar(3, 101.0), bad]);
        let err = validate_bars(
            s,
            Some(vec![2, 3, 7]),
            Vec::new(),
            "spy.csv",
            &cfg(),
            Policy::Reject,
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("spy.csv:7 field \"high\": ohlc_inconsistent: high 99 < max("),
            "{msg}"
        );
        assert!(
            msg.ends_with("file rejected (ohlc_inconsistent=1)"),
            "{msg}"
        );
        let DataError::Rejected {
            line,
            reason,
            report,
            ..
        } = err
        else {
            panic!("{err:?}")
        };
        assert_eq!((line, reason), (7, Reason::OhlcInconsistent));
        assert_eq!(report.outcome, Outcome::Rejected);
        assert_eq!(report.rejected, 3);
        assert!(report.is_balanced());
    }

    #[test]
    fn reject_keeps_warnings_only_files() {
        // A 40 % jump is a warning by default: the file is kept.
        let s = series(vec![bar(2, 100.0), bar(3, 140.0)]);
        let out = validate_bars(s, None, Vec::new(), "f", &cfg(), Policy::Reject).unwrap();
        assert_eq!(out.data.bars.len(), 2);
        assert_eq!(out.report.warnings[&Reason::OutlierJump], 1);
        assert_eq!(out.report.outcome, Outcome::Warnings);
        assert_eq!(out.report.outcome.exit_code(), 0);
    }

    #[test]
    fn outlier_as_error_quarantines_the_spike_only() {
        let mut c = cfg();
        c.set_severity(Reason::OutlierJump, Severity::Error);
        let s = series(vec![
            bar(2, 100.0),
            bar(3, 200.0),
            bar(4, 101.0),
            bar(5, 102.0),
        ]);
        let out = validate_bars(s, None, Vec::new(), "f", &c, Policy::Quarantine).unwrap();
        // The return after the spike is measured from the last kept close (100), not 200.
        assert_eq!(out.quarantine.len(), 1);
        assert_eq!(out.quarantine[0].line, 2);
        assert_eq!(out.quarantine[0].reason, Reason::OutlierJump);
        assert_eq!(out.data.bars.len(), 3);
    }

    #[test]
    fn duplicates_exact_and_ambiguous() {
        let mut other = bar(3, 101.0);
        other.volume = 999.0;
        let rows = vec![
            bar(2, 100.0),
            bar(2, 100.0),
            bar(3, 101.0),
            other,
            bar(4, 100.0),
        ];

        let q = validate_bars(
            series(rows.clone()),
            None,
            Vec::new(),
            "f",
            &cfg(),
            Policy::Quarantine,
        )
        .unwrap();
        let got: Vec<(u64, Reason)> = q.quarantine.iter().map(|r| (r.line, r.reason)).collect();
        assert_eq!(
            got,
            vec![
                (2, Reason::ExactDuplicate),
                (3, Reason::DuplicateTimestamp),
                (4, Reason::DuplicateTimestamp)
            ]
        );
        assert_eq!(q.data.bars, vec![bar(2, 100.0), bar(4, 100.0)]);
        assert!(q.report.is_balanced());
        assert_eq!(q.report.outcome.exit_code(), 3);

        let r = validate_bars(series(rows), None, Vec::new(), "f", &cfg(), Policy::Repair).unwrap();
        assert_eq!(r.report.repaired[&Reason::ExactDuplicate], 1);
        assert_eq!(r.report.dropped, 1);
        assert_eq!(
            r.report.counts[&Reason::DuplicateTimestamp],
            2,
            "ambiguity is never repaired"
        );
        assert_eq!(r.data.bars, vec![bar(2, 100.0), bar(4, 100.0)]);
        assert!(r.report.is_balanced());
    }

    #[test]
    fn out_of_order_quarantined_or_sorted() {
        let rows = vec![bar(2, 100.0), bar(4, 101.0), bar(3, 100.5), bar(5, 101.5)];
        let q = validate_bars(
            series(rows.clone()),
            Some(vec![10, 11, 12, 13]),
            Vec::new(),
            "f",
            &cfg(),
            Policy::Quarantine,
        )
        .unwrap();
        assert_eq!(q.quarantine.len(), 1);
        assert_eq!(
            (q.quarantine[0].line, q.quarantine[0].reason),
            (12, Reason::OutOfOrder)
        );
        assert_eq!(q.quarantine[0].field, "ts");

        let r = validate_bars(series(rows), None, Vec::new(), "f", &cfg(), Policy::Repair).unwrap();
        assert!(r.quarantine.is_empty());
        assert_eq!(r.report.repaired[&Reason::OutOfOrder], 1);
        assert_eq!(
            r.data.bars.iter().map(|b| b.close).collect::<Vec<_>>(),
            vec![100.0, 100.5, 101.0, 101.5]
        );
        assert_eq!(r.report.outcome, Outcome::Warnings);
    }

    #[test]
    fn repair_keeps_line_numbers_through_the_sort() {
        let mut bad = bar(3, 100.5);
        bad.open = -1.0;
        let rows = vec![bar(4, 101.0), bad, bar(2, 100.0)];
        let r = validate_bars(series(rows), None, Vec::new(), "f", &cfg(), Policy::Repair).unwrap();
        assert_eq!(r.quarantine.len(), 1);
        assert_eq!(
            r.quarantine[0].line, 2,
            "record number in the input, not after sorting"
        );
        assert_eq!(r.quarantine[0].reason, Reason::NonPositivePrice);
    }

    #[test]
    fn parse_rejects_are_counted_and_quarantined_in_line_order() {
        let mut bad = bar(3, 101.0);
        bad.low = 0.0;
        let rejects = vec![ParseReject {
            line: 3,
            field: "close".into(),
            message: "invalid float".into(),
            raw: "2024-01-03,1,2,x".into(),
        }];
        let out = validate_bars(
            series(vec![bar(2, 100.0), bad]),
            Some(vec![2, 4]),
            rejects.clone(),
            "f",
            &cfg(),
            Policy::Quarantine,
        )
        .unwrap();
        assert_eq!(out.report.rows_in, 3);
        assert_eq!(out.report.counts[&Reason::ParseError], 1);
        let got: Vec<(u64, Reason)> = out.quarantine.iter().map(|r| (r.line, r.reason)).collect();
        assert_eq!(
            got,
            vec![(3, Reason::ParseError), (4, Reason::NonPositivePrice)]
        );
        assert_eq!(out.quarantine[0].raw, "2024-01-03,1,2,x");
        assert!(out.report.is_balanced());

        let err = validate_bars(
            series(vec![bar(2, 100.0)]),
            Some(vec![2]),
            rejects,
            "f.csv",
            &cfg(),
            Policy::Reject,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("f.csv:3 field \"close\": parse_error: invalid float"),
            "{err}"
        );
    }

    #[test]
    fn line_count_mismatch_is_an_error() {
        let err = validate_bars(
            series(vec![bar(2, 100.0)]),
            Some(vec![]),
            Vec::new(),
            "f",
            &cfg(),
            Policy::Quarantine,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            DataError::LineCountMismatch {
                rows: 1,
                lines: 0,
                ..
            }
        ));
    }

    struct Weekdays;
    impl SessionCalendar for Weekdays {
        fn is_session(&self, d: NaiveDate) -> bool {
            !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
        }
    }

    #[test]
    fn gaps_and_non_session_days() {
        let c = cfg().with_calendar(Arc::new(Weekdays));
        // 2024-01-02 Tue .. 01-09 Tue, missing Thu 4th and Mon 8th; one bar on Sat 6th.
        let s = series(vec![
            bar(2, 100.0),
            bar(3, 100.0),
            bar(5, 100.0),
            bar(6, 100.0),
            bar(9, 100.0),
        ]);
        let out = validate_bars(s, None, Vec::new(), "f", &c, Policy::Quarantine).unwrap();
        let d = |n| NaiveDate::from_ymd_opt(2024, 1, n).unwrap();
        assert_eq!(out.report.gaps, vec![d(4), d(8)]);
        assert_eq!(out.report.warnings[&Reason::MissingSession], 2);
        assert_eq!(out.report.warnings[&Reason::NonSessionDay], 1);
        assert_eq!(
            out.data.bars.len(),
            5,
            "gaps and non-session days are warnings"
        );
        let text = out.report.to_string();
        assert!(
            text.contains("missing sessions: 2 (2024-01-04, 2024-01-08)"),
            "{text}"
        );
    }

    #[test]
    fn gap_check_with_the_nyse_calendar() {
        let c = cfg().with_calendar(Arc::new(crate::calendar::NyseCalendar::new()));
        // 2024-01-12 (Fri) then 2024-01-16 (Tue): Monday the 15th is MLK day, no gap.
        let s = series(vec![bar(12, 100.0), bar(16, 100.0), bar(18, 100.0)]);
        let out = validate_bars(s, None, Vec::new(), "f", &c, Policy::Quarantine).unwrap();
        assert_eq!(
            out.report.gaps,
            vec![NaiveDate::from_ymd_opt(2024, 1, 17).unwrap()]
        );
    }

    #[test]
    fn chain_duplicates_are_per_contract() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 19).unwrap();
        let ts = Timestamp::from_ny_hms(d, "10:30").unwrap();
        let q = |strike: f64, right: OptionRight| OptionQuote {
            ts,
            underlying_price: Some(4780.0),
            expiry: d,
            strike,
            right,
            bid: Some(1.0),
            ask: Some(1.2),
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
        let mut changed = q(4780.0, OptionRight::Put);
        changed.bid = Some(1.1);
        let rows = vec![
            q(4780.0, OptionRight::Call),
            q(4780.0, OptionRight::Put),
            q(4785.0, OptionRight::Call),
            q(4780.0, OptionRight::Call), // exact copy
            changed,                      // same contract, different bid
        ];
        let c = ChainRows {
            underlying: "SPX".into(),
            root: Some("SPXW".into()),
            rows,
        };
        let out = validate_chain(c, None, Vec::new(), "chain.csv", &cfg(), Policy::Repair).unwrap();
        assert_eq!(out.data.rows.len(), 2);
        assert_eq!(out.report.repaired[&Reason::ExactDuplicate], 1);
        assert_eq!(out.report.counts[&Reason::DuplicateTimestamp], 2);
        assert_eq!(
            out.quarantine.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 5]
        );
        assert!(out.report.is_balanced());
        assert_eq!(out.data.root.as_deref(), Some("SPXW"));
    }

    #[test]
    fn quote_mid_jumps() {
        let t = |m: u32| Timestamp::from_nanos(i64::from(m) * 60_000_000_000);
        let q = |m: u32, b: f64| Quote {
            ts: t(m),
            bid: Some(b),
            ask: Some(b + 0.02),
            bid_size: 1.0,
            ask_size: 1.0,
        };
        let s = QuoteSeries {
            symbol: "SPY".into(),
            quotes: vec![q(0, 470.0), q(1, 470.1), q(2, 47.0), q(3, 470.2)],
        };
        let out = validate_quotes(s, None, Vec::new(), "f", &cfg(), Policy::Quarantine).unwrap();
        assert_eq!(
            out.report.warnings[&Reason::OutlierJump],
            2,
            "into and out of the bad print"
        );
    }
}
