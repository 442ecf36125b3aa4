//! # thetalab-data
//!
//! Where every byte of market data enters thetalab and is kept.
//!
//! - `alpaca` (feature `alpaca`): the Alpaca historical market-data client — stock bars
//!   and option-chain snapshots over HTTPS, paginated, rate-limited to 200 requests a
//!   minute, retried with jittered backoff, behind a circuit breaker with fallback sources.
//! - [`calendar`]: NYSE sessions by rule (1990–2100), early closes, special closures,
//!   and index/equity option expiry schedules.
//! - [`pipeline`]: an ingest run: parse, validate, store the good rows, quarantine the bad
//!   ones with their reasons, count everything.
//! - [`store`]: the hive-partitioned Parquet store (arrow-rs): merge-on-append per
//!   partition, Arrow `RecordBatch` reads with row-group pruning, and a bounded-memory
//!   stream of chain snapshots.
//! - [`ingest`]: vendor files in (generic CSV with a TOML column map, Yahoo, Alpaca
//!   JSON, long chain CSV, Cboe `quotedata.csv`, OptionsDX / DataShop / HistoricalOptionData
//!   EOD chains), schema records out, every unparsable row kept as a counted reject; and
//!   split/dividend adjustment from Lean factor files.
//! - [`schema`]: bars, quotes, trades and option-chain quotes (UTC nanosecond timestamps,
//!   missing values as `None`), and [`ChainSnapshot`], every quote of one timestamp.
//! - [`synth`]: the built-in synthetic market (the default data of every CLI): a seeded
//!   SPX-like index at 1-minute resolution (stochastic volatility with jumps, intraday
//!   seasonality, overnight gaps), VIX9D/VIX/VIX3M-like indices, SPXW option chains every
//!   N minutes on an arbitrage-free smile, and a multi-stock factor-model universe.
//! - [`validate`]: checks of every row (OHLC, prices, order, duplicates, quotes, strikes,
//!   expiries, outliers, calendar gaps) and the reject / quarantine / repair policy, with
//!   per-reason counts in a [`validate::ValidationReport`].

#[cfg(feature = "alpaca")]
pub mod alpaca;
pub mod calendar;
mod error;
pub mod ingest;
pub mod pipeline;
pub mod schema;
pub mod store;
pub mod synth;
pub mod validate;

pub use error::DataError;
pub use schema::{
    Bar, BarSeries, ChainRows, ChainSnapshot, DataKind, OptionQuote, Quote, QuoteSeries,
    SCHEMA_VERSION, Trade, TradeSeries,
};
pub use store::{Store, TimeRange};
