//! The Alpaca historical market-data client (feature `alpaca`).
//!
//! [`AlpacaClient`] fetches, over blocking HTTPS (ureq with rustls):
//!
//! - stock bars, `GET {base}/v2/stocks/{symbol}/bars?timeframe=…&start=…&end=…&limit=…&adjustment=…&feed=…`,
//!   as a [`BarSeries`](crate::BarSeries) ([`AlpacaClient::stock_bars`]);
//! - option-chain snapshots, `GET {base}/v1beta1/options/snapshots/{underlying}?feed=…&limit=…`,
//!   as [`ChainRows`](crate::ChainRows) ([`AlpacaClient::option_chain`]),
//!
//! following `next_page_token` until the last page (a token seen twice is an error, not
//! an endless loop). Keys come from `APCA_API_KEY_ID` / `APCA_API_SECRET_KEY` or are given
//! explicitly ([`Credentials`]); they travel in the `APCA-API-KEY-ID` /
//! `APCA-API-SECRET-KEY` headers and nowhere else: not in URLs, errors, events or
//! `Debug` output, and server messages are scrubbed of them.
//!
//! Every request is paced by a [`RateLimiter`] (Alpaca's documented 200 requests a
//! minute per account by default), retried on 429 (honouring `Retry-After`), 5xx,
//! timeouts and connection failures with exponential backoff and full jitter
//! ([`FullJitter`]), guarded by a per-source [`CircuitBreaker`], and moved to the next
//! of the configured fallback sources when a source gives out. See [`AlpacaClient`] for
//! the exact policy and [`ClientConfig`] for the knobs.
//!
//! Progress is reported through an optional hook ([`AlpacaClient::on_event`]) receiving
//! [`Event`]s; the client itself prints nothing.

mod backoff;
mod breaker;
mod client;
mod config;
mod credentials;
mod event;
mod pacing;
mod query;
mod wire;

pub use backoff::{FullJitter, XorShift64, parse_retry_after};
pub use breaker::{Admission, BreakerState, CircuitBreaker};
pub use client::{AlpacaClient, OptionChain};
pub use config::{
    Adjustment, BarsRequest, ChainRequest, ClientConfig, DEFAULT_BASE_URL, OptionFeed, StockFeed,
    Timeframe,
};
pub use credentials::{Credentials, KEY_ID_VAR, REDACTED, SECRET_KEY_VAR};
pub use event::{Event, FailureKind, SourceFailure, describe_failures};
pub use pacing::{RateLimiter, RecordingSleeper, Sleeper, ThreadSleeper};
