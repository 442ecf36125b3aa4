//! The record types every adapter produces and the store keeps.
//!
//! All timestamps are UTC nanoseconds ([`Timestamp`]); session logic is in
//! America/New_York (see [`crate::calendar`]). Prices are in the instrument's quote
//! currency (dollars or index points). Missing values are `None`, never NaN and never 0:
//! a vendor that leaves a bid empty produces `bid: None`, and a consumer decides what a
//! missing quote means (the replay engine, for one, refuses to fill on it).
//!
//! The long CSV format for option chains, which any vendor's data can be converted into,
//! is documented on [`OptionQuote`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thetalab_core::{OptionRight, OptionRoot, Timestamp};

/// Version of the on-disk schemas, written into every Parquet file's key-value metadata
/// (`thetalab.schema_version`). Readers refuse files from a newer version.
pub const SCHEMA_VERSION: u32 = 1;

/// The kinds of data the store keeps, one hive partition each (`kind=bars`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DataKind {
    /// OHLCV bars of any interval.
    Bars,
    /// Top-of-book quotes of an underlying.
    Quotes,
    /// Trades (time and sales).
    Trades,
    /// Option-chain quotes.
    Chains,
}

impl DataKind {
    /// The partition value: `bars`, `quotes`, `trades`, `chains`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            DataKind::Bars => "bars",
            DataKind::Quotes => "quotes",
            DataKind::Trades => "trades",
            DataKind::Chains => "chains",
        }
    }

    /// Every kind, in partition order.
    pub const ALL: [DataKind; 4] = [
        DataKind::Bars,
        DataKind::Quotes,
        DataKind::Trades,
        DataKind::Chains,
    ];
}

impl std::fmt::Display for DataKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DataKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DataKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown data kind {s:?}"))
    }
}

/// One OHLCV bar. `ts` is the bar's **start** time (the convention of Yahoo, Alpaca,
/// Polygon and Lean); a daily bar is stamped at 00:00 America/New_York of its session
/// date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// Bar start.
    pub ts: Timestamp,
    /// First trade price.
    pub open: f64,
    /// Highest trade price.
    pub high: f64,
    /// Lowest trade price.
    pub low: f64,
    /// Last trade price.
    pub close: f64,
    /// Volume in shares (or contracts); f64 because split adjustment makes it fractional.
    pub volume: f64,
    /// Volume-weighted average price, when the vendor gives it.
    pub vwap: Option<f64>,
    /// Number of trades, when the vendor gives it.
    pub trade_count: Option<u64>,
}

/// Bars of one symbol, in time order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BarSeries {
    /// Ticker.
    pub symbol: String,
    /// The bars.
    pub bars: Vec<Bar>,
}

/// One top-of-book quote of an underlying.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// Quote time.
    pub ts: Timestamp,
    /// Best bid (None when the side is empty).
    pub bid: Option<f64>,
    /// Best ask.
    pub ask: Option<f64>,
    /// Size at the bid.
    pub bid_size: f64,
    /// Size at the ask.
    pub ask_size: f64,
}

/// One trade.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trade {
    /// Trade time.
    pub ts: Timestamp,
    /// Price.
    pub price: f64,
    /// Size.
    pub size: f64,
}

/// One quote of one option contract at one time: a row of a chain snapshot.
///
/// **The long chain CSV format** (`ingest chains`), one row per contract per time:
///
/// ```text
/// ts,underlying,underlying_price,expiry,strike,right,bid,ask,bid_size,ask_size,volume,open_interest[,iv,delta,gamma,vega,theta]
/// 2024-01-19T15:30:00Z,SPX,4780.25,2024-01-19,4780,C,3.10,3.30,25,31,10234,5120,0.112,0.51,0.0123,0.61,-45.2
/// ```
///
/// - `ts`: RFC 3339 (any offset; `Z` for UTC), or integer nanoseconds since the epoch.
/// - `underlying`: the root's underlying symbol (`SPX` for SPX and SPXW contracts).
/// - `underlying_price`: the underlying's price at `ts`; may be empty (validation flags it).
/// - `expiry`: `YYYY-MM-DD`; `strike`: in price units; `right`: `C`/`P` (or `call`/`put`).
/// - `bid`, `ask`: empty when the side is empty; `bid_size`, `ask_size`, `volume`,
///   `open_interest`: non-negative integers (empty = 0 for volume, unknown for the others).
/// - optional vendor analytics `iv` (decimal, 0.15 = 15%), `delta`, `gamma`, `vega`,
///   `theta` in the vendor's units (kept as given, documented per adapter).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OptionQuote {
    /// Quote time.
    pub ts: Timestamp,
    /// Underlying price at `ts`, when known.
    pub underlying_price: Option<f64>,
    /// Expiration date (the contract's last trading / settlement date).
    pub expiry: NaiveDate,
    /// Strike.
    pub strike: f64,
    /// Call or put.
    pub right: OptionRight,
    /// Best bid (None when empty).
    pub bid: Option<f64>,
    /// Best ask (None when empty).
    pub ask: Option<f64>,
    /// Size at the bid (contracts).
    pub bid_size: Option<u32>,
    /// Size at the ask (contracts).
    pub ask_size: Option<u32>,
    /// Last trade price.
    pub last: Option<f64>,
    /// Volume so far in the session (contracts).
    pub volume: u64,
    /// Open interest (contracts), when known.
    pub open_interest: Option<u64>,
    /// Vendor implied volatility (decimal).
    pub iv: Option<f64>,
    /// Vendor delta.
    pub delta: Option<f64>,
    /// Vendor gamma.
    pub gamma: Option<f64>,
    /// Vendor vega.
    pub vega: Option<f64>,
    /// Vendor theta.
    pub theta: Option<f64>,
}

impl OptionQuote {
    /// Mid price when both sides are present.
    #[must_use]
    pub fn mid(&self) -> Option<f64> {
        match (self.bid, self.ask) {
            (Some(b), Some(a)) => Some(0.5 * (b + a)),
            _ => None,
        }
    }
}

/// Option-chain quotes of one underlying and one option root (any number of times and
/// expiries).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChainRows {
    /// Underlying symbol (`SPX`).
    pub underlying: String,
    /// Option root of every row (`SPXW`); `None` means the underlying's own symbol
    /// (`SPY` options on `SPY`). The store keeps it per row: SPX AM monthlies and SPXW PM
    /// contracts share expiries and strikes but are different contracts.
    pub root: Option<String>,
    /// The quotes.
    pub rows: Vec<OptionQuote>,
}

/// Quotes of one underlying, in time order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuoteSeries {
    /// Ticker.
    pub symbol: String,
    /// The quotes.
    pub quotes: Vec<Quote>,
}

/// Trades of one instrument, in time order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TradeSeries {
    /// Ticker.
    pub symbol: String,
    /// The trades.
    pub trades: Vec<Trade>,
}

/// Every quote of one underlying at one timestamp, as columns: what the options replay
/// engine and the strategies see at each step. Rows are sorted by expiry, then strike,
/// then right (call before put).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChainSnapshot {
    /// Snapshot time.
    pub ts: Timestamp,
    /// Underlying symbol.
    pub underlying: String,
    /// Underlying price (the first non-missing value among the rows), when known.
    pub underlying_price: Option<f64>,
    /// Option root of each row (`SPX` AM monthlies and `SPXW` PM dailies share expiries
    /// and strikes but are different contracts).
    pub root: Vec<OptionRoot>,
    /// Expiry of each row.
    pub expiry: Vec<NaiveDate>,
    /// Strike of each row.
    pub strike: Vec<f64>,
    /// Right of each row.
    pub right: Vec<OptionRight>,
    /// Bid (NaN-free: `None` when empty).
    pub bid: Vec<Option<f64>>,
    /// Ask.
    pub ask: Vec<Option<f64>>,
    /// Bid size.
    pub bid_size: Vec<Option<u32>>,
    /// Ask size.
    pub ask_size: Vec<Option<u32>>,
    /// Session volume.
    pub volume: Vec<u64>,
    /// Open interest.
    pub open_interest: Vec<Option<u64>>,
    /// Vendor implied vol.
    pub iv: Vec<Option<f64>>,
}

impl ChainSnapshot {
    /// Number of contracts quoted.
    #[must_use]
    pub fn len(&self) -> usize {
        self.strike.len()
    }

    /// True when no contract is quoted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.strike.is_empty()
    }

    /// Appends one quote of `root` (its `ts` must equal the snapshot's; not checked).
    pub fn push(&mut self, root: OptionRoot, q: &OptionQuote) {
        if self.underlying_price.is_none() {
            self.underlying_price = q.underlying_price;
        }
        self.root.push(root);
        self.expiry.push(q.expiry);
        self.strike.push(q.strike);
        self.right.push(q.right);
        self.bid.push(q.bid);
        self.ask.push(q.ask);
        self.bid_size.push(q.bid_size);
        self.ask_size.push(q.ask_size);
        self.volume.push(q.volume);
        self.open_interest.push(q.open_interest);
        self.iv.push(q.iv);
    }

    /// Empties the snapshot, keeping its allocations (for streaming readers).
    pub fn clear(&mut self) {
        self.underlying_price = None;
        self.root.clear();
        self.expiry.clear();
        self.strike.clear();
        self.right.clear();
        self.bid.clear();
        self.ask.clear();
        self.bid_size.clear();
        self.ask_size.clear();
        self.volume.clear();
        self.open_interest.clear();
        self.iv.clear();
    }

    /// Index of the contract, if quoted.
    #[must_use]
    pub fn find(
        &self,
        root: OptionRoot,
        expiry: NaiveDate,
        strike: f64,
        right: OptionRight,
    ) -> Option<usize> {
        (0..self.len()).find(|&i| {
            self.root[i] == root
                && self.expiry[i] == expiry
                && self.strike[i] == strike
                && self.right[i] == right
        })
    }
}
