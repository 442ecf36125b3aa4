//! Client settings and the two request types.

use std::time::Duration;

use chrono::NaiveDate;
use thetalab_core::{OptionRight, Timestamp};

use crate::DataError;

/// Alpaca's market-data host.
pub const DEFAULT_BASE_URL: &str = "https://data.alpaca.markets";

/// How the client talks to Alpaca: where, how fast, how persistently.
///
/// The defaults follow Alpaca's documentation: 200 requests a minute per account (the
/// Basic plan; "Algo Trader Plus" allows more — raise `requests_per_minute` to match),
/// and retrying 429 and 5xx responses later.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    /// Base URLs, primary first, then fallbacks tried in order when a source's circuit
    /// is open or its retries are exhausted. Scheme and host (and optional port or
    /// path prefix), no trailing slash needed: `https://data.alpaca.markets`.
    pub sources: Vec<String>,
    /// The account's request budget per rolling minute; every HTTP attempt (retries
    /// included) spends one. Default 200.
    pub requests_per_minute: u32,
    /// Requests that may go out back to back before pacing starts. The sustained rate is
    /// `(requests_per_minute − burst)` a minute, so that no 60-second window ever holds
    /// more than `requests_per_minute` requests. Default 10.
    pub burst: u32,
    /// Retries per source after the first attempt (so `max_retries + 1` attempts).
    /// Default 5.
    pub max_retries: u32,
    /// Backoff scale: the n-th retry (n = 0, 1, …) waits a uniformly random time in
    /// `[0, min(max_backoff, base_backoff · 2ⁿ)]` ("full jitter"). Default 500 ms.
    pub base_backoff: Duration,
    /// Backoff cap. Default 30 s.
    pub max_backoff: Duration,
    /// Longest `Retry-After` the client will wait out; a 429 asking for more ends the
    /// attempts on that source. Default 120 s.
    pub max_retry_after: Duration,
    /// Seed of the jitter generator, so a run's waits can be replayed. Default 1.
    pub jitter_seed: u64,
    /// Whole-request timeout (connect, send, receive headers and body). Default 30 s.
    pub timeout: Duration,
    /// Consecutive failures (5xx, timeouts, connection errors) that open a source's
    /// circuit. Default 5.
    pub breaker_threshold: u32,
    /// How long an open circuit fails fast before letting one trial request through
    /// (half-open). Default 60 s.
    pub breaker_cooldown: Duration,
    /// Pages after which a paginated request is abandoned with an error. Default 100 000
    /// (a billion bars at 10 000 a page).
    pub max_pages: usize,
    /// Largest response body accepted, in bytes. Default 256 MiB.
    pub max_body_bytes: u64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            sources: vec![DEFAULT_BASE_URL.to_string()],
            requests_per_minute: 200,
            burst: 10,
            max_retries: 5,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            jitter_seed: 1,
            timeout: Duration::from_secs(30),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(60),
            max_pages: 100_000,
            max_body_bytes: 256 * 1024 * 1024,
        }
    }
}

impl ClientConfig {
    /// The default settings with `sources` as the source list.
    #[must_use]
    pub fn with_sources<S: Into<String>>(sources: impl IntoIterator<Item = S>) -> Self {
        ClientConfig {
            sources: sources.into_iter().map(Into::into).collect(),
            ..ClientConfig::default()
        }
    }

    /// Checks every setting; returns the source URLs without trailing slashes.
    pub(crate) fn validated_sources(&self) -> Result<Vec<String>, DataError> {
        let bad = |field: &'static str, value: String, reason: &str| DataError::AlpacaParameter {
            field,
            value,
            reason: reason.to_string(),
        };
        if self.sources.is_empty() {
            return Err(bad(
                "sources",
                "[]".into(),
                "at least one base URL is needed",
            ));
        }
        if self.requests_per_minute == 0 {
            return Err(bad("requests_per_minute", "0".into(), "must be positive"));
        }
        if self.burst == 0 || self.burst >= self.requests_per_minute {
            return Err(bad(
                "burst",
                self.burst.to_string(),
                &format!(
                    "must be between 1 and requests_per_minute − 1 = {}",
                    self.requests_per_minute.saturating_sub(1)
                ),
            ));
        }
        if self.breaker_threshold == 0 {
            return Err(bad("breaker_threshold", "0".into(), "must be positive"));
        }
        if self.timeout.is_zero() {
            return Err(bad("timeout", "0s".into(), "must be positive"));
        }
        if self.max_pages == 0 {
            return Err(bad("max_pages", "0".into(), "must be positive"));
        }
        let mut out = Vec::with_capacity(self.sources.len());
        for s in &self.sources {
            let t = s.trim().trim_end_matches('/');
            let rest = t
                .strip_prefix("https://")
                .or_else(|| t.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains(['?', '#', ' ']) => {
                    out.push(t.to_string())
                }
                _ => {
                    return Err(bad(
                        "sources",
                        s.clone(),
                        "expected an http:// or https:// base URL without query or fragment",
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// A request's path and its query parameters (name, unencoded value), in order.
pub(crate) type PathAndParams = (String, Vec<(&'static str, String)>);

/// A bar interval as Alpaca writes it (`1Min`, `15Min`, `1Hour`, `1Day`, `1Week`,
/// `3Month`). Alpaca accepts 1–59 minutes, 1–23 hours, 1 day, 1 week and 1, 2, 3, 4, 6
/// or 12 months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timeframe {
    /// `n` minutes (1–59).
    Minutes(u8),
    /// `n` hours (1–23).
    Hours(u8),
    /// One trading day.
    Day,
    /// One week.
    Week,
    /// `n` months (1, 2, 3, 4, 6 or 12).
    Months(u8),
}

impl Timeframe {
    /// One-minute bars.
    pub const MINUTE: Timeframe = Timeframe::Minutes(1);

    /// The query value, or an error for a count Alpaca does not accept.
    pub fn to_query(self) -> Result<String, DataError> {
        let (ok, text) = match self {
            Timeframe::Minutes(n) => ((1..=59).contains(&n), format!("{n}Min")),
            Timeframe::Hours(n) => ((1..=23).contains(&n), format!("{n}Hour")),
            Timeframe::Day => (true, "1Day".to_string()),
            Timeframe::Week => (true, "1Week".to_string()),
            Timeframe::Months(n) => ([1, 2, 3, 4, 6, 12].contains(&n), format!("{n}Month")),
        };
        if ok {
            Ok(text)
        } else {
            Err(DataError::AlpacaParameter {
                field: "timeframe",
                value: text,
                reason:
                    "Alpaca accepts 1-59Min, 1-23Hour, 1Day, 1Week and 1, 2, 3, 4, 6 or 12Month"
                        .to_string(),
            })
        }
    }
}

/// Corporate-action adjustment of bar prices (`adjustment=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Adjustment {
    /// As traded (the store keeps raw bars and adjusts on read).
    #[default]
    Raw,
    /// Split-adjusted.
    Split,
    /// Dividend-adjusted.
    Dividend,
    /// Split- and dividend-adjusted.
    All,
}

impl Adjustment {
    /// The query value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Adjustment::Raw => "raw",
            Adjustment::Split => "split",
            Adjustment::Dividend => "dividend",
            Adjustment::All => "all",
        }
    }
}

/// Stock data feed (`feed=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StockFeed {
    /// All US exchanges (the consolidated tape); needs a paid plan for recent data.
    #[default]
    Sip,
    /// IEX only (free plan): a few percent of volume.
    Iex,
}

impl StockFeed {
    /// The query value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            StockFeed::Sip => "sip",
            StockFeed::Iex => "iex",
        }
    }
}

/// Option data feed (`feed=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OptionFeed {
    /// Alpaca's free indicative feed: trades delayed 15 minutes, quotes modified.
    #[default]
    Indicative,
    /// The official OPRA feed (subscription).
    Opra,
}

impl OptionFeed {
    /// The query value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            OptionFeed::Indicative => "indicative",
            OptionFeed::Opra => "opra",
        }
    }
}

/// Historical bars of one stock: `GET /v2/stocks/{symbol}/bars`.
#[derive(Debug, Clone, PartialEq)]
pub struct BarsRequest {
    /// Ticker (`AAPL`, `BRK.B`).
    pub symbol: String,
    /// Bar interval.
    pub timeframe: Timeframe,
    /// First bar start included.
    pub start: Timestamp,
    /// Last bar start included; `None` for "up to now" (Alpaca's default; with the free
    /// plan the last 15 minutes are not served).
    pub end: Option<Timestamp>,
    /// Price adjustment.
    pub adjustment: Adjustment,
    /// Feed.
    pub feed: StockFeed,
    /// Bars per page, 1–10 000. Default 10 000 (the fewest requests).
    pub limit: u32,
}

impl BarsRequest {
    /// Raw SIP bars of `symbol` from `start` to `end`, 10 000 per page.
    #[must_use]
    pub fn new(
        symbol: &str,
        timeframe: Timeframe,
        start: Timestamp,
        end: Option<Timestamp>,
    ) -> Self {
        BarsRequest {
            symbol: symbol.to_string(),
            timeframe,
            start,
            end,
            adjustment: Adjustment::Raw,
            feed: StockFeed::Sip,
            limit: 10_000,
        }
    }

    /// Path and query parameters (without `page_token`).
    pub(crate) fn to_query(&self) -> Result<PathAndParams, DataError> {
        check_symbol("symbol", &self.symbol)?;
        check_limit(self.limit, 10_000)?;
        if let Some(end) = self.end
            && end < self.start
        {
            return Err(DataError::AlpacaParameter {
                field: "end",
                value: end.to_string(),
                reason: format!("before start {}", self.start),
            });
        }
        let mut q = vec![
            ("timeframe", self.timeframe.to_query()?),
            ("start", self.start.to_rfc3339()),
        ];
        if let Some(end) = self.end {
            q.push(("end", end.to_rfc3339()));
        }
        q.push(("limit", self.limit.to_string()));
        q.push(("adjustment", self.adjustment.as_str().to_string()));
        q.push(("feed", self.feed.as_str().to_string()));
        Ok((
            format!("/v2/stocks/{}/bars", super::query::encode(&self.symbol)),
            q,
        ))
    }
}

/// The option chain of one underlying, latest quote and trade and Greeks per contract:
/// `GET /v1beta1/options/snapshots/{underlying}`. The filters are Alpaca's own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChainRequest {
    /// Underlying symbol (`SPY`, `SPX`).
    pub underlying: String,
    /// Feed.
    pub feed: OptionFeed,
    /// Snapshots per page, 1–1000. Default 1000.
    pub limit: u32,
    /// Only contracts of this option root (`SPXW`).
    pub root_symbol: Option<String>,
    /// Only calls or only puts.
    pub right: Option<OptionRight>,
    /// Only this expiry.
    pub expiration_date: Option<NaiveDate>,
    /// Only expiries on or after this date.
    pub expiration_date_gte: Option<NaiveDate>,
    /// Only expiries on or before this date.
    pub expiration_date_lte: Option<NaiveDate>,
    /// Only strikes at or above this.
    pub strike_price_gte: Option<f64>,
    /// Only strikes at or below this.
    pub strike_price_lte: Option<f64>,
}

impl ChainRequest {
    /// The whole chain of `underlying` on the indicative feed, 1000 contracts a page.
    #[must_use]
    pub fn new(underlying: &str) -> Self {
        ChainRequest {
            underlying: underlying.to_string(),
            limit: 1000,
            ..ChainRequest::default()
        }
    }

    /// Path and query parameters (without `page_token`).
    pub(crate) fn to_query(&self) -> Result<PathAndParams, DataError> {
        check_symbol("underlying", &self.underlying)?;
        check_limit(self.limit, 1000)?;
        let mut q = vec![
            ("feed", self.feed.as_str().to_string()),
            ("limit", self.limit.to_string()),
        ];
        if let Some(root) = &self.root_symbol {
            check_symbol("root_symbol", root)?;
            q.push(("root_symbol", root.clone()));
        }
        if let Some(r) = self.right {
            q.push((
                "type",
                match r {
                    OptionRight::Call => "call",
                    OptionRight::Put => "put",
                }
                .to_string(),
            ));
        }
        for (name, d) in [
            ("expiration_date", self.expiration_date),
            ("expiration_date_gte", self.expiration_date_gte),
            ("expiration_date_lte", self.expiration_date_lte),
        ] {
            if let Some(d) = d {
                q.push((name, d.format("%Y-%m-%d").to_string()));
            }
        }
        for (name, k) in [
            ("strike_price_gte", self.strike_price_gte),
            ("strike_price_lte", self.strike_price_lte),
        ] {
            if let Some(k) = k {
                if !k.is_finite() || k < 0.0 {
                    return Err(DataError::AlpacaParameter {
                        field: name,
                        value: format!("{k:?}"),
                        reason: "must be a finite, non-negative price".to_string(),
                    });
                }
                q.push((name, format!("{k}")));
            }
        }
        Ok((
            format!(
                "/v1beta1/options/snapshots/{}",
                super::query::encode(&self.underlying)
            ),
            q,
        ))
    }
}

fn check_symbol(field: &'static str, s: &str) -> Result<(), DataError> {
    if s.is_empty()
        || s.len() > 32
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"./-^".contains(&b))
    {
        return Err(DataError::AlpacaParameter {
            field,
            value: format!("{s:?}"),
            reason: "expected 1-32 ASCII letters, digits, '.', '/', '-' or '^'".to_string(),
        });
    }
    Ok(())
}

fn check_limit(limit: u32, max: u32) -> Result<(), DataError> {
    if limit == 0 || limit > max {
        return Err(DataError::AlpacaParameter {
            field: "limit",
            value: limit.to_string(),
            reason: format!("Alpaca accepts 1 to {max}"),
        });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn timeframes() {
        assert_eq!(Timeframe::MINUTE.to_query().unwrap(), "1Min");
        assert_eq!(Timeframe::Minutes(15).to_query().unwrap(), "15Min");
        assert_eq!(Timeframe::Hours(4).to_query().unwrap(), "4Hour");
        assert_eq!(Timeframe::Day.to_query().unwrap(), "1Day");
        assert_eq!(Timeframe::Months(12).to_query().unwrap(), "12Month");
        for bad in [
            Timeframe::Minutes(0),
            Timeframe::Minutes(60),
            Timeframe::Hours(24),
            Timeframe::Months(5),
        ] {
            assert!(bad.to_query().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn config_validation() {
        let ok = ClientConfig::with_sources(["https://a.example/", "http://127.0.0.1:9"]);
        assert_eq!(
            ok.validated_sources().unwrap(),
            ["https://a.example", "http://127.0.0.1:9"]
        );
        for bad in [
            ClientConfig::with_sources(Vec::<String>::new()),
            ClientConfig::with_sources(["ftp://x"]),
            ClientConfig::with_sources(["https://"]),
            ClientConfig::with_sources(["https://x/?a=b"]),
            ClientConfig {
                burst: 200,
                ..ClientConfig::default()
            },
            ClientConfig {
                burst: 0,
                ..ClientConfig::default()
            },
            ClientConfig {
                breaker_threshold: 0,
                ..ClientConfig::default()
            },
            ClientConfig {
                timeout: Duration::ZERO,
                ..ClientConfig::default()
            },
        ] {
            assert!(bad.validated_sources().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bars_query() {
        let start = Timestamp::parse_rfc3339("2024-01-19T14:30:00Z").unwrap();
        let end = Timestamp::parse_rfc3339("2024-01-19T21:00:00Z").unwrap();
        let (path, q) = BarsRequest::new("BRK.B", Timeframe::MINUTE, start, Some(end))
            .to_query()
            .unwrap();
        assert_eq!(path, "/v2/stocks/BRK.B/bars");
        let q: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            q,
            [
                "timeframe=1Min",
                "start=2024-01-19T14:30:00Z",
                "end=2024-01-19T21:00:00Z",
                "limit=10000",
                "adjustment=raw",
                "feed=sip"
            ]
        );
        let mut r = BarsRequest::new("SPY", Timeframe::MINUTE, end, Some(start));
        assert!(
            r.to_query()
                .unwrap_err()
                .to_string()
                .contains("before start")
        );
        r.end = None;
        r.limit = 10_001;
        assert!(r.to_query().unwrap_err().to_string().contains("limit"));
        r.limit = 1;
        r.symbol = "SP Y".into();
        assert!(r.to_query().unwrap_err().to_string().contains("symbol"));
    }

    #[test]
    fn chain_query() {
        let mut r = ChainRequest::new("SPX");
        r.feed = OptionFeed::Opra;
        r.root_symbol = Some("SPXW".into());
        r.right = Some(OptionRight::Put);
        r.expiration_date = NaiveDate::from_ymd_opt(2024, 1, 19);
        r.strike_price_gte = Some(4500.0);
        let (path, q) = r.to_query().unwrap();
        assert_eq!(path, "/v1beta1/options/snapshots/SPX");
        let q: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            q,
            [
                "feed=opra",
                "limit=1000",
                "root_symbol=SPXW",
                "type=put",
                "expiration_date=2024-01-19",
                "strike_price_gte=4500"
            ]
        );
        r.strike_price_lte = Some(f64::NAN);
        assert!(
            r.to_query()
                .unwrap_err()
                .to_string()
                .contains("strike_price_lte")
        );
    }
}
