//! The built-in synthetic market: the default data of every thetalab CLI.
//!
//! Deterministic from a seed, calibrated to real SPX, VIX and Cboe chain data (see
//! `docs/synthetic-market.md` for every parameter, its default and the real statistic it
//! matches):
//!
//! - an SPX-like index at 1-minute resolution from a Heston-like variance with jumps in
//!   price and variance, intraday U-shaped variance and volume, and overnight gaps
//!   ([`SyntheticMarket::index_day`], [`SyntheticMarket::index_daily`]);
//! - VIX9D, VIX and VIX3M-like indices from the model's expected variance, with a variance
//!   risk premium ([`SyntheticMarket::vol_indices`]);
//! - full SPXW option chains every N minutes for 0DTE and the next expiries, priced on an
//!   arbitrage-free SSVI smile that moves with the variance, with tick-rounded bid/ask,
//!   sizes, cumulative volume and open interest ([`SyntheticMarket::chain_day`], streamed
//!   a day at a time by [`SyntheticMarket::chain_days`] and
//!   [`SyntheticMarket::chain_days_parallel`]);
//! - a multi-stock daily universe with sectors and a factor structure ([`universe`]).
//!
//! Every random draw comes from a generator keyed by `(seed, day index, stream)` ([`rng`]),
//! so a day regenerated alone equals the same day of a full run, and days can be
//! generated in parallel with identical results. [`SyntheticMarket::new`] simulates the
//! index path of every session once (about 4 000 sub-steps a session) and keeps a few
//! numbers per session; chains are rebuilt from them on demand.
//!
//! ```
//! use thetalab_data::synth::{SynthConfig, SyntheticMarket};
//! let cfg = SynthConfig { sessions: 2, chain_every_minutes: 30, ..SynthConfig::default() };
//! let market = SyntheticMarket::new(cfg).unwrap();
//! let bars = market.index_day(0).unwrap();
//! assert_eq!(bars.bars.len(), 390);
//! let chain = market.chain_day(0).unwrap();
//! assert!(chain.rows.iter().all(|q| q.bid.unwrap_or(0.0) <= q.ask.unwrap_or(f64::MAX)));
//! ```

mod chain;
pub mod config;
pub mod path;
pub mod rng;
pub mod sessions;
pub mod universe;
mod write;

use chrono::{NaiveDate, NaiveTime};
use thetalab_core::Timestamp;

pub use chain::ChainDays;
pub use config::{
    ExpiryRule, ExpirySpec, ModelParams, QuoteParams, Seasonality, SmileParams, SynthConfig,
};
pub use universe::{SynthStock, UniverseConfig, universe};
pub use write::{INDEX_SYMBOL, SynthStep, SynthWritten, write_to_store};

use crate::synth::path::{DaySummary, State, Weights, simulate_day, vol_index};
use crate::synth::sessions::{Calendar, SessionDay};
use crate::{Bar, BarSeries, DataError};

/// Nanoseconds in a minute.
const MINUTE_NS: i64 = 60 * 1_000_000_000;

/// The SPX-like underlying's symbol.
pub const UNDERLYING: &str = "SPX";
/// The option root of every synthetic expiry (PM-settled weeklies/dailies).
pub const ROOT: &str = "SPXW";

/// The synthetic market of one [`SynthConfig`].
#[derive(Debug, Clone)]
pub struct SyntheticMarket {
    cfg: SynthConfig,
    cal: Calendar,
    days: Vec<SessionDay>,
    summaries: Vec<DaySummary>,
}

/// VIX-like indices, one daily bar per session (stamped 00:00 ET of the session date,
/// volume 0): open from the variance at the open, close from the variance at the close,
/// high and low from the session's extreme variance.
#[derive(Debug, Clone, PartialEq)]
pub struct VolIndices {
    /// 9-day index (`VIX9D`).
    pub vix9d: BarSeries,
    /// 30-day index (`VIX`).
    pub vix: BarSeries,
    /// 93-day index (`VIX3M`).
    pub vix3m: BarSeries,
}

impl SyntheticMarket {
    /// Validates the config, lays out the sessions and simulates the index path of every
    /// session (keeping only a summary per session).
    pub fn new(cfg: SynthConfig) -> Result<Self, DataError> {
        cfg.validate()?;
        let cal = Calendar::new();
        let days = cal.sessions_from(cfg.start, cfg.sessions)?;
        let mut summaries = Vec::with_capacity(days.len());
        let mut state = State {
            spot: cfg.spot0,
            var: cfg
                .model
                .v0
                .unwrap_or_else(|| cfg.model.long_run_variance()),
        };
        let mut weights: Option<Weights> = None;
        for (i, d) in days.iter().enumerate() {
            let w = match weights.take() {
                Some(w) if w.var.len() == d.minutes as usize => w,
                _ => Weights::new(&cfg.seasonality, d.minutes),
            };
            let s = simulate_day(&cfg, i as u64, d.minutes, &w, state, |_, _| {});
            state = State {
                spot: s.close,
                var: s.var_close,
            };
            summaries.push(s);
            weights = Some(w);
        }
        if cfg.bar_minutes > 1 && days.iter().any(|d| d.minutes % cfg.bar_minutes != 0) {
            return Err(DataError::InvalidSynthConfig {
                field: "bar_minutes",
                value: cfg.bar_minutes.to_string(),
                reason: "must divide every session's length in minutes (390, and 210 on early closes)",
            });
        }
        Ok(Self {
            cfg,
            cal,
            days,
            summaries,
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &SynthConfig {
        &self.cfg
    }

    /// The session dates, in order.
    #[must_use]
    pub fn sessions(&self) -> Vec<NaiveDate> {
        self.days.iter().map(|d| d.date).collect()
    }

    /// Number of sessions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.days.len()
    }

    /// True when there is no session (never, for a validated config).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    fn check(&self, day: usize) -> Result<(), DataError> {
        if day < self.days.len() {
            Ok(())
        } else {
            Err(DataError::SynthDayOutOfRange {
                day,
                sessions: self.days.len(),
            })
        }
    }

    /// Re-simulates session `day`, calling `f` for each minute.
    fn replay(&self, day: usize, f: impl FnMut(u32, &path::Minute)) -> DaySummary {
        let d = self.days[day];
        let w = Weights::new(&self.cfg.seasonality, d.minutes);
        simulate_day(
            &self.cfg,
            day as u64,
            d.minutes,
            &w,
            self.summaries[day].prev,
            f,
        )
    }

    /// The index's bars of session `day` (0-based), `bar_minutes` wide, stamped at their
    /// start: OHLC from the sub-minute path, volume SPY-like (the index itself has none;
    /// see [`Seasonality::index_volume_per_day`]).
    pub fn index_day(&self, day: usize) -> Result<BarSeries, DataError> {
        self.check(day)?;
        let open_ns = self.days[day].open.as_nanos();
        let width = self.cfg.bar_minutes.max(1);
        let mut bars: Vec<Bar> = Vec::with_capacity((self.days[day].minutes / width) as usize);
        self.replay(day, |i, m| {
            if i % width == 0 {
                bars.push(Bar {
                    ts: Timestamp::from_nanos(open_ns + i64::from(i) * MINUTE_NS),
                    open: m.open,
                    high: m.high,
                    low: m.low,
                    close: m.close,
                    volume: m.volume,
                    vwap: None,
                    trade_count: None,
                });
            } else if let Some(b) = bars.last_mut() {
                b.high = b.high.max(m.high);
                b.low = b.low.min(m.low);
                b.close = m.close;
                b.volume += m.volume;
            }
        });
        Ok(BarSeries {
            symbol: UNDERLYING.to_string(),
            bars,
        })
    }

    /// Daily bars of the index, one per session, stamped 00:00 ET of the session date.
    #[must_use]
    pub fn index_daily(&self) -> BarSeries {
        let bars = self
            .days
            .iter()
            .zip(&self.summaries)
            .map(|(d, s)| Bar {
                ts: daily_stamp(d.date),
                open: s.open,
                high: s.high,
                low: s.low,
                close: s.close,
                volume: s.volume,
                vwap: None,
                trade_count: None,
            })
            .collect();
        BarSeries {
            symbol: UNDERLYING.to_string(),
            bars,
        }
    }

    /// Closing level of session `day` (the PM settlement value of its SPXW expiry).
    pub fn close(&self, day: usize) -> Result<f64, DataError> {
        self.check(day)?;
        Ok(self.summaries[day].close)
    }

    /// Instantaneous variance of the model at the close of session `day`.
    pub fn variance_at_close(&self, day: usize) -> Result<f64, DataError> {
        self.check(day)?;
        Ok(self.summaries[day].var_close)
    }

    /// VIX9D-, VIX- and VIX3M-like daily bars: `100·√(premium · E[∫v]/τ)` over 9, 30 and
    /// 93 calendar days, from the model's analytic expected variance (see
    /// [`ModelParams::expected_variance`]).
    #[must_use]
    pub fn vol_indices(&self) -> VolIndices {
        let series = |symbol: &str, days: f64| BarSeries {
            symbol: symbol.to_string(),
            bars: self
                .days
                .iter()
                .zip(&self.summaries)
                .map(|(d, s)| {
                    let open = vol_index(&self.cfg, s.var_open, days);
                    let close = vol_index(&self.cfg, s.var_close, days);
                    Bar {
                        ts: daily_stamp(d.date),
                        open,
                        high: vol_index(&self.cfg, s.var_max, days).max(open).max(close),
                        low: vol_index(&self.cfg, s.var_min, days).min(open).min(close),
                        close,
                        volume: 0.0,
                        vwap: None,
                        trade_count: None,
                    }
                })
                .collect(),
        };
        VolIndices {
            vix9d: series("VIX9D", 9.0),
            vix: series("VIX", 30.0),
            vix3m: series("VIX3M", 93.0),
        }
    }
}

/// 00:00 America/New_York of `date` (the daily-bar convention of [`Bar`]).
fn daily_stamp(date: NaiveDate) -> Timestamp {
    Timestamp::from_ny(date, NaiveTime::MIN).unwrap_or_default()
}
