//! The row-level checks of each record type, and how each is rendered for quarantine.

use std::fmt::Write as _;

use chrono::{Datelike, Weekday};
use thetalab_core::Timestamp;

use super::engine::{Ctx, Flagger, Record, push_opt};
use super::reason::Reason;
use crate::schema::{Bar, OptionQuote, Quote, Trade};

/// Days per year for the expiry horizon (Julian year).
const DAYS_PER_YEAR: f64 = 365.25;

/// A price that must be finite and > 0.
fn positive(f: &mut Flagger<'_>, field: &'static str, v: f64) {
    if !v.is_finite() {
        f.flag(Reason::NonFiniteValue, field, || format!("{field} = {v}"));
    } else if v <= 0.0 {
        f.flag(Reason::NonPositivePrice, field, || {
            format!("{field} = {v} is not > 0")
        });
    }
}

/// A quote-side price that must be finite and ≥ 0 when present.
fn non_negative_price(f: &mut Flagger<'_>, field: &'static str, v: Option<f64>) {
    if let Some(v) = v {
        if !v.is_finite() {
            f.flag(Reason::NonFiniteValue, field, || format!("{field} = {v}"));
        } else if v < 0.0 {
            f.flag(Reason::NegativePrice, field, || {
                format!("{field} = {v} is negative")
            });
        }
    }
}

/// A size or volume that must be finite and ≥ 0.
fn non_negative_size(f: &mut Flagger<'_>, field: &'static str, v: f64) {
    if !v.is_finite() {
        f.flag(Reason::NonFiniteValue, field, || format!("{field} = {v}"));
    } else if v < 0.0 {
        f.flag(Reason::NegativeSize, field, || {
            format!("{field} = {v} is negative")
        });
    }
}

/// An optional analytic that must be finite when present.
fn finite_opt(f: &mut Flagger<'_>, field: &'static str, v: Option<f64>) {
    if let Some(v) = v
        && !v.is_finite()
    {
        f.flag(Reason::NonFiniteValue, field, || format!("{field} = {v}"));
    }
}

/// Crossed (error), locked and no-market (warnings) checks of a two-sided quote whose
/// sides passed [`non_negative_price`].
fn sides(f: &mut Flagger<'_>, bid: Option<f64>, ask: Option<f64>) {
    let usable = |v: Option<f64>| v.filter(|x| x.is_finite() && *x >= 0.0);
    let (b, a) = (usable(bid), usable(ask));
    if let (Some(b), Some(a)) = (b, a) {
        if b > a {
            f.flag(Reason::CrossedQuote, "bid", || format!("bid {b} > ask {a}"));
        } else if b == a && b > 0.0 {
            f.flag(Reason::LockedQuote, "bid", || format!("bid {b} == ask {a}"));
        }
    }
    if !b.is_some_and(|x| x > 0.0) && !a.is_some_and(|x| x > 0.0) {
        f.flag(Reason::NoMarket, "bid", || {
            "neither side has a positive price".to_string()
        });
    }
}

impl Record for Bar {
    type Key = ();
    const CALENDAR_CHECKS: bool = true;

    fn ts(&self) -> Timestamp {
        self.ts
    }

    fn key(&self) {}

    fn jump_price(&self) -> Option<f64> {
        (self.close.is_finite() && self.close > 0.0).then_some(self.close)
    }

    fn check(&self, cx: &mut Ctx<'_>, f: &mut Flagger<'_>) {
        positive(f, "open", self.open);
        positive(f, "high", self.high);
        positive(f, "low", self.low);
        positive(f, "close", self.close);
        non_negative_size(f, "volume", self.volume);
        if let Some(v) = self.vwap {
            positive(f, "vwap", v);
        }
        if !f.has_error() {
            let tol = cx.cfg.ohlc_tolerance;
            let top = self.open.max(self.close).max(self.low);
            let bottom = self.open.min(self.close);
            if self.high < top * (1.0 - tol) {
                f.flag(Reason::OhlcInconsistent, "high", || {
                    format!(
                        "high {} < max(open {}, close {}, low {})",
                        self.high, self.open, self.close, self.low
                    )
                });
            } else if self.low > bottom * (1.0 + tol) {
                f.flag(Reason::OhlcInconsistent, "low", || {
                    format!(
                        "low {} > min(open {}, close {})",
                        self.low, self.open, self.close
                    )
                });
            }
        }
        if let Some(w) = cx.cfg.session_window {
            let (open, close) = w.minutes();
            let m = self.ts.ny_minutes_since_midnight();
            if m < open || m >= close {
                f.flag(Reason::OutsideSession, "ts", || {
                    format!(
                        "bar at {} ({:02}:{:02} ET) outside {:02}:{:02}–{:02}:{:02} ET",
                        self.ts,
                        m / 60,
                        m % 60,
                        open / 60,
                        open % 60,
                        close / 60,
                        close % 60
                    )
                });
            }
        }
    }

    /// `ts,open,high,low,close,volume,vwap,trade_count`.
    fn render(&self, _symbol: &str, out: &mut String) {
        let _ = write!(
            out,
            "{},{},{},{},{},{},",
            self.ts, self.open, self.high, self.low, self.close, self.volume
        );
        push_opt(out, self.vwap);
        out.push(',');
        push_opt(out, self.trade_count);
    }
}

impl Record for Quote {
    type Key = ();
    const CALENDAR_CHECKS: bool = false;

    fn ts(&self) -> Timestamp {
        self.ts
    }

    fn key(&self) {}

    fn jump_price(&self) -> Option<f64> {
        match (self.bid, self.ask) {
            (Some(b), Some(a)) if b > 0.0 && a >= b && a.is_finite() => Some(0.5 * (b + a)),
            _ => None,
        }
    }

    fn check(&self, _cx: &mut Ctx<'_>, f: &mut Flagger<'_>) {
        non_negative_price(f, "bid", self.bid);
        non_negative_price(f, "ask", self.ask);
        non_negative_size(f, "bid_size", self.bid_size);
        non_negative_size(f, "ask_size", self.ask_size);
        sides(f, self.bid, self.ask);
    }

    /// `ts,bid,ask,bid_size,ask_size`.
    fn render(&self, _symbol: &str, out: &mut String) {
        let _ = write!(out, "{},", self.ts);
        push_opt(out, self.bid);
        out.push(',');
        push_opt(out, self.ask);
        let _ = write!(out, ",{},{}", self.bid_size, self.ask_size);
    }
}

impl Record for Trade {
    type Key = ();
    const CALENDAR_CHECKS: bool = false;

    fn ts(&self) -> Timestamp {
        self.ts
    }

    fn key(&self) {}

    fn jump_price(&self) -> Option<f64> {
        (self.price.is_finite() && self.price > 0.0).then_some(self.price)
    }

    fn check(&self, _cx: &mut Ctx<'_>, f: &mut Flagger<'_>) {
        positive(f, "price", self.price);
        non_negative_size(f, "size", self.size);
    }

    /// `ts,price,size`.
    fn render(&self, _symbol: &str, out: &mut String) {
        let _ = write!(out, "{},{},{}", self.ts, self.price, self.size);
    }
}

impl Record for OptionQuote {
    type Key = (chrono::NaiveDate, u64, thetalab_core::OptionRight);
    const CALENDAR_CHECKS: bool = false;

    fn ts(&self) -> Timestamp {
        self.ts
    }

    fn key(&self) -> Self::Key {
        (self.expiry, self.strike.to_bits(), self.right)
    }

    fn jump_price(&self) -> Option<f64> {
        None
    }

    fn check(&self, cx: &mut Ctx<'_>, f: &mut Flagger<'_>) {
        let spot = match self.underlying_price {
            None => {
                f.flag(
                    Reason::MissingUnderlyingPrice,
                    "underlying_price",
                    String::new,
                );
                None
            }
            Some(s) => {
                positive(f, "underlying_price", s);
                (s.is_finite() && s > 0.0).then_some(s)
            }
        };
        let k = self.strike;
        if !k.is_finite() {
            f.flag(Reason::NonFiniteValue, "strike", || format!("strike = {k}"));
        } else if k <= 0.0 {
            f.flag(Reason::BadStrike, "strike", || {
                format!("strike {k} is not > 0")
            });
        } else if let (Some(s), Some(r)) = (spot, cx.cfg.max_strike_ratio)
            && (k > s * r || k < s / r)
        {
            f.flag(Reason::BadStrike, "strike", || {
                format!("strike {k} is more than {r}x away from the underlying price {s}")
            });
        }
        non_negative_price(f, "bid", self.bid);
        non_negative_price(f, "ask", self.ask);
        non_negative_price(f, "last", self.last);
        sides(f, self.bid, self.ask);

        let date = cx.ny_date(self.ts);
        let e = self.expiry;
        let days = (e - date).num_days();
        if e < date {
            f.flag(Reason::BadExpiry, "expiry", || {
                format!("expiry {e} is before the quote date {date}")
            });
        } else if days as f64 > cx.cfg.max_expiry_years * DAYS_PER_YEAR {
            f.flag(Reason::BadExpiry, "expiry", || {
                format!(
                    "expiry {e} is more than {} years after {date}",
                    cx.cfg.max_expiry_years
                )
            });
        } else if matches!(e.weekday(), Weekday::Sat | Weekday::Sun) {
            f.flag(Reason::BadExpiry, "expiry", || {
                format!("expiry {e} is a {}", e.weekday())
            });
        }

        if let Some(iv) = self.iv {
            if iv.is_nan() || iv.is_infinite() {
                f.flag(Reason::NonFiniteValue, "iv", || format!("iv = {iv}"));
            } else if iv <= 0.0 {
                f.flag(Reason::BadIv, "iv", || format!("iv = {iv} is not > 0"));
            }
        }
        finite_opt(f, "delta", self.delta);
        finite_opt(f, "gamma", self.gamma);
        finite_opt(f, "vega", self.vega);
        finite_opt(f, "theta", self.theta);
    }

    /// The long chain CSV columns of [`OptionQuote`], then `last`:
    /// `ts,underlying,underlying_price,expiry,strike,right,bid,ask,bid_size,ask_size,volume,open_interest,iv,delta,gamma,vega,theta,last`.
    fn render(&self, symbol: &str, out: &mut String) {
        let _ = write!(out, "{},{},", self.ts, symbol);
        push_opt(out, self.underlying_price);
        let _ = write!(
            out,
            ",{},{},{},",
            self.expiry,
            self.strike,
            self.right.letter()
        );
        push_opt(out, self.bid);
        out.push(',');
        push_opt(out, self.ask);
        out.push(',');
        push_opt(out, self.bid_size);
        out.push(',');
        push_opt(out, self.ask_size);
        let _ = write!(out, ",{},", self.volume);
        push_opt(out, self.open_interest);
        for v in [
            self.iv, self.delta, self.gamma, self.vega, self.theta, self.last,
        ] {
            out.push(',');
            push_opt(out, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use thetalab_core::{OptionRight, Timestamp};

    use super::super::{
        Policy, Reason, SessionWindow, Severity, ValidationConfig, validate_bars, validate_chain,
        validate_quotes, validate_trades,
    };
    use crate::schema::{
        Bar, BarSeries, ChainRows, OptionQuote, Quote, QuoteSeries, Trade, TradeSeries,
    };

    /// A change that breaks one field of a record.
    type Corrupt<T> = fn(&mut T);

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(d: NaiveDate, hms: &str) -> Timestamp {
        Timestamp::from_ny_hms(d, hms).unwrap()
    }

    fn bar(ts: Timestamp, c: f64) -> Bar {
        Bar {
            ts,
            open: c,
            high: c + 1.0,
            low: c - 1.0,
            close: c,
            volume: 100.0,
            vwap: Some(c),
            trade_count: Some(3),
        }
    }

    /// The single reason (errors and warnings together) a one-bar series gets.
    fn bar_reasons(b: Bar, cfg: &ValidationConfig) -> Vec<Reason> {
        let s = BarSeries {
            symbol: "X".into(),
            bars: vec![b],
        };
        let out = validate_bars(s, None, Vec::new(), "t", cfg, Policy::Quarantine).unwrap();
        let mut r: Vec<Reason> = out
            .report
            .counts
            .keys()
            .chain(out.report.warnings.keys())
            .copied()
            .collect();
        r.sort();
        r
    }

    #[test]
    fn bar_checks_trigger_and_clean_bar_passes() {
        let cfg = ValidationConfig::default();
        let d = date(2024, 1, 2);
        let ok = bar(at(d, "00:00"), 100.0);
        assert!(bar_reasons(ok, &cfg).is_empty());

        let cases: Vec<(Corrupt<Bar>, Reason)> = vec![
            (|b| b.high = 99.5, Reason::OhlcInconsistent),
            (|b| b.low = 100.5, Reason::OhlcInconsistent),
            (|b| b.high = b.low - 0.1, Reason::OhlcInconsistent),
            (|b| b.open = 0.0, Reason::NonPositivePrice),
            (|b| b.low = -1.0, Reason::NonPositivePrice),
            (|b| b.vwap = Some(0.0), Reason::NonPositivePrice),
            (|b| b.close = f64::NAN, Reason::NonFiniteValue),
            (|b| b.volume = f64::INFINITY, Reason::NonFiniteValue),
            (|b| b.volume = -5.0, Reason::NegativeSize),
        ];
        for (i, (corrupt, want)) in cases.iter().enumerate() {
            let mut b = ok;
            corrupt(&mut b);
            assert_eq!(bar_reasons(b, &cfg), vec![*want], "case {i}");
        }
    }

    #[test]
    fn ohlc_tolerance_is_relative() {
        let mut cfg = ValidationConfig::default();
        let mut b = bar(at(date(2024, 1, 2), "00:00"), 100.0);
        b.high = 100.0 - 1e-7; // below the close by 1e-9 relative
        assert_eq!(bar_reasons(b, &cfg), vec![Reason::OhlcInconsistent]);
        cfg.ohlc_tolerance = 1e-8;
        assert!(bar_reasons(b, &cfg).is_empty());
    }

    #[test]
    fn session_window_flags_intraday_bars_outside_hours() {
        let mut cfg = ValidationConfig {
            session_window: Some(SessionWindow::Regular),
            ..ValidationConfig::default()
        };
        let d = date(2024, 7, 3);
        assert!(bar_reasons(bar(at(d, "09:30"), 100.0), &cfg).is_empty());
        assert!(bar_reasons(bar(at(d, "15:59"), 100.0), &cfg).is_empty());
        assert_eq!(
            bar_reasons(bar(at(d, "09:29"), 100.0), &cfg),
            vec![Reason::OutsideSession]
        );
        assert_eq!(
            bar_reasons(bar(at(d, "16:00"), 100.0), &cfg),
            vec![Reason::OutsideSession]
        );
        cfg.session_window = Some(SessionWindow::Extended);
        assert!(bar_reasons(bar(at(d, "04:00"), 100.0), &cfg).is_empty());
        assert!(bar_reasons(bar(at(d, "19:59"), 100.0), &cfg).is_empty());
        assert_eq!(
            bar_reasons(bar(at(d, "20:00"), 100.0), &cfg),
            vec![Reason::OutsideSession]
        );
        assert_eq!(
            bar_reasons(bar(at(d, "03:59"), 100.0), &cfg),
            vec![Reason::OutsideSession]
        );
    }

    fn quote(bid: Option<f64>, ask: Option<f64>) -> Quote {
        Quote {
            ts: at(date(2024, 1, 2), "10:00"),
            bid,
            ask,
            bid_size: 1.0,
            ask_size: 2.0,
        }
    }

    fn quote_reasons(q: Quote) -> Vec<Reason> {
        let s = QuoteSeries {
            symbol: "X".into(),
            quotes: vec![q],
        };
        let out = validate_quotes(
            s,
            None,
            Vec::new(),
            "t",
            &ValidationConfig::default(),
            Policy::Quarantine,
        )
        .unwrap();
        out.report
            .counts
            .keys()
            .chain(out.report.warnings.keys())
            .copied()
            .collect()
    }

    #[test]
    fn quote_checks() {
        assert!(quote_reasons(quote(Some(1.0), Some(1.1))).is_empty());
        assert!(quote_reasons(quote(None, Some(1.1))).is_empty());
        assert!(quote_reasons(quote(Some(0.0), Some(0.05))).is_empty());
        assert_eq!(
            quote_reasons(quote(Some(1.2), Some(1.1))),
            vec![Reason::CrossedQuote]
        );
        assert_eq!(
            quote_reasons(quote(Some(1.1), Some(1.1))),
            vec![Reason::LockedQuote]
        );
        assert_eq!(
            quote_reasons(quote(Some(0.0), Some(0.0))),
            vec![Reason::NoMarket]
        );
        assert_eq!(quote_reasons(quote(None, None)), vec![Reason::NoMarket]);
        assert_eq!(
            quote_reasons(quote(Some(-0.1), Some(1.0))),
            vec![Reason::NegativePrice]
        );
        assert_eq!(
            quote_reasons(quote(Some(f64::NAN), Some(1.0))),
            vec![Reason::NonFiniteValue]
        );
        let mut q = quote(Some(1.0), Some(1.1));
        q.ask_size = -1.0;
        assert_eq!(quote_reasons(q), vec![Reason::NegativeSize]);
    }

    #[test]
    fn trade_checks() {
        let reasons = |price: f64, size: f64| {
            let t = Trade {
                ts: at(date(2024, 1, 2), "10:00"),
                price,
                size,
            };
            let s = TradeSeries {
                symbol: "X".into(),
                trades: vec![t],
            };
            let out = validate_trades(
                s,
                None,
                Vec::new(),
                "t",
                &ValidationConfig::default(),
                Policy::Quarantine,
            )
            .unwrap();
            out.report.counts.keys().copied().collect::<Vec<_>>()
        };
        assert!(reasons(10.0, 100.0).is_empty());
        assert!(reasons(10.0, 0.0).is_empty());
        assert_eq!(reasons(0.0, 100.0), vec![Reason::NonPositivePrice]);
        assert_eq!(reasons(10.0, -1.0), vec![Reason::NegativeSize]);
        assert_eq!(reasons(f64::INFINITY, 1.0), vec![Reason::NonFiniteValue]);
    }

    pub(crate) fn oq(
        ts: Timestamp,
        expiry: NaiveDate,
        strike: f64,
        right: OptionRight,
    ) -> OptionQuote {
        OptionQuote {
            ts,
            underlying_price: Some(4780.25),
            expiry,
            strike,
            right,
            bid: Some(3.1),
            ask: Some(3.3),
            bid_size: Some(25),
            ask_size: Some(31),
            last: Some(3.2),
            volume: 10234,
            open_interest: Some(5120),
            iv: Some(0.112),
            delta: Some(0.51),
            gamma: Some(0.0123),
            vega: Some(0.61),
            theta: Some(-45.2),
        }
    }

    fn chain_reasons(q: OptionQuote, cfg: &ValidationConfig) -> Vec<Reason> {
        let c = ChainRows {
            underlying: "SPX".into(),
            root: Some("SPXW".into()),
            rows: vec![q],
        };
        let out = validate_chain(c, None, Vec::new(), "t", cfg, Policy::Quarantine).unwrap();
        out.report
            .counts
            .keys()
            .chain(out.report.warnings.keys())
            .copied()
            .collect()
    }

    #[test]
    fn option_quote_checks() {
        let cfg = ValidationConfig::default();
        let d = date(2024, 1, 19); // a Friday
        let ok = oq(at(d, "10:30"), d, 4780.0, OptionRight::Call);
        assert!(chain_reasons(ok, &cfg).is_empty(), "0DTE is fine");
        let cases: Vec<(Corrupt<OptionQuote>, Reason)> = vec![
            (|q| q.bid = Some(3.4), Reason::CrossedQuote),
            (|q| q.bid = Some(3.3), Reason::LockedQuote),
            (
                |q| q.underlying_price = None,
                Reason::MissingUnderlyingPrice,
            ),
            (|q| q.underlying_price = Some(0.0), Reason::NonPositivePrice),
            (|q| q.strike = 0.0, Reason::BadStrike),
            (|q| q.strike = 4.78, Reason::BadStrike),
            (|q| q.strike = f64::NAN, Reason::NonFiniteValue),
            (|q| q.expiry = date(2024, 1, 18), Reason::BadExpiry),
            (|q| q.expiry = date(2024, 1, 20), Reason::BadExpiry),
            (|q| q.expiry = date(2034, 1, 20), Reason::BadExpiry),
            (|q| q.ask = Some(-0.05), Reason::NegativePrice),
            (|q| q.last = Some(-1.0), Reason::NegativePrice),
            (|q| q.iv = Some(0.0), Reason::BadIv),
            (|q| q.delta = Some(f64::NAN), Reason::NonFiniteValue),
        ];
        for (i, (corrupt, want)) in cases.iter().enumerate() {
            let mut q = ok;
            corrupt(&mut q);
            assert_eq!(chain_reasons(q, &cfg), vec![*want], "case {i}");
        }
        // A far but real strike (SPX LEAPS list strikes 20x below spot) passes.
        let mut far = ok;
        far.strike = 200.0;
        assert!(chain_reasons(far, &cfg).is_empty());
        // A 9-year LEAP passes, and the horizon is configurable.
        let mut leap = ok;
        leap.expiry = date(2032, 12, 17);
        assert!(chain_reasons(leap, &cfg).is_empty());
        let short = ValidationConfig {
            max_expiry_years: 3.0,
            ..ValidationConfig::default()
        };
        assert_eq!(chain_reasons(leap, &short), vec![Reason::BadExpiry]);
    }

    #[test]
    fn expiry_uses_the_new_york_date() {
        // 2024-01-19 22:00 ET is 2024-01-20 03:00 UTC: an expiry of 01-19 is still today.
        let d = date(2024, 1, 19);
        let q = oq(at(d, "22:00"), d, 4780.0, OptionRight::Put);
        assert!(chain_reasons(q, &ValidationConfig::default()).is_empty());
    }

    #[test]
    fn severity_override_turns_a_warning_into_a_quarantine() {
        let mut cfg = ValidationConfig::default();
        let d = date(2024, 1, 19);
        let mut q = oq(at(d, "10:30"), d, 4780.0, OptionRight::Call);
        q.bid = q.ask;
        cfg.set_severity(Reason::LockedQuote, Severity::Error);
        let c = ChainRows {
            underlying: "SPX".into(),
            root: None,
            rows: vec![q],
        };
        let out = validate_chain(c, None, Vec::new(), "t", &cfg, Policy::Quarantine).unwrap();
        assert!(out.data.rows.is_empty());
        assert_eq!(out.quarantine[0].reason, Reason::LockedQuote);
        assert_eq!(out.quarantine[0].field, "bid");
    }

    #[test]
    fn render_is_the_long_chain_format_plus_last() {
        let d = date(2024, 1, 19);
        let mut q = oq(
            Timestamp::parse_rfc3339("2024-01-19T15:30:00Z").unwrap(),
            d,
            4780.0,
            OptionRight::Call,
        );
        q.bid = Some(3.4);
        let c = ChainRows {
            underlying: "SPX".into(),
            root: None,
            rows: vec![q],
        };
        let out = validate_chain(
            c,
            None,
            Vec::new(),
            "t",
            &ValidationConfig::default(),
            Policy::Quarantine,
        )
        .unwrap();
        assert_eq!(
            out.quarantine[0].raw,
            "2024-01-19T15:30:00Z,SPX,4780.25,2024-01-19,4780,C,3.4,3.3,25,31,10234,5120,0.112,0.51,0.0123,0.61,-45.2,3.2"
        );
        let mut b = bar(
            Timestamp::parse_rfc3339("2024-01-02T05:00:00Z").unwrap(),
            100.0,
        );
        b.open = -1.0;
        b.vwap = None;
        let s = BarSeries {
            symbol: "X".into(),
            bars: vec![b],
        };
        let out = validate_bars(
            s,
            None,
            Vec::new(),
            "t",
            &ValidationConfig::default(),
            Policy::Quarantine,
        )
        .unwrap();
        assert_eq!(
            out.quarantine[0].raw,
            "2024-01-02T05:00:00Z,-1,101,99,100,100,,3"
        );
    }
}
