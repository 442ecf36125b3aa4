//! The default training set: what `train` builds when run with no arguments.
//!
//! [`dataset`] assembles `(features, labels, spans)` from the built-in synthetic market:
//!
//! 1. the SPX-like index's **daily bars** ([`SyntheticMarket::index_daily`]) and its
//!    VIX9D/VIX/VIX3M indices ([`SyntheticMarket::vol_indices`]), and, when
//!    `options` is on, one **SPXW chain snapshot per session at the close**
//!    ([`SyntheticMarket::chain_day`] with `chain_every_minutes = 390`), summarised by
//!    [`crate::features::summarize_chain`];
//! 2. every feature of [`FeatureSpec`] (daily; regime; options when on; events when an
//!    event-calendar file is given);
//! 3. the **events**: the entry signals of a registry strategy
//!    ([`thetalab_strategy::by_name`], default `sma-cross` with `fast = 3`, `slow = 10`,
//!    `allow_short = 1`: a fast crossover, so 20 years give several hundred events), long entries with side +1 and short entries with side −1;
//! 4. the **labels**: either triple barrier ([`crate::labels::triple_barrier`], default
//!    2×/2× a 20-day vol, 10 days; label 1 when the profit barrier or a positive
//!    vertical return came first: meta-labelling, "was acting on this signal right?"),
//!    or the trade outcomes of a vectorized backtest of the same signals
//!    ([`crate::labels::trade_outcomes`]; long-only, fills at the close);
//! 5. the rows: one per event whose feature row is complete (warm-up rows and events
//!    with undefined option features are dropped and counted) and whose label is
//!    decided, in time order, with spans `[t0, t1]` for [`crate::split`].
//!
//! Everything is deterministic from the config's seed.

use std::path::PathBuf;

use thetalab_core::Timestamp;
use thetalab_data::synth::{SynthConfig, SyntheticMarket};
use thetalab_strategy::{BarColumns, BarInput};

use crate::error::{MlError, Result};
use crate::features::{
    BarData, ChainFeatureConfig, ChainSummary, EventCalendar, FeatureInputs, FeatureSet,
    FeatureSpec, Interval, VolInputs, snapshots_from_rows, summarize_chain,
};
use crate::labels::{Prices, TripleBarrier, trade_outcomes, triple_barrier};
use crate::matrix::FeatureMatrix;

/// How events are labelled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LabelMethod {
    /// Triple-barrier meta-labels of every entry signal.
    TripleBarrier(TripleBarrier),
    /// Win/loss of each closed trade of a long-only backtest of the signals.
    TradeOutcome,
}

/// Everything [`dataset`] needs; `Default` is the `train` CLI's no-argument job.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetConfig {
    /// The synthetic market (default: the calibrated market from its default start,
    /// 2024-01-02, for 5 040 sessions = 20 synthetic years, closing chain snapshots only;
    /// the synthetic listing follows today's SPXW schedule, so earlier starts list too few
    /// expiries for the 30-day and 25-delta option features).
    pub synth: SynthConfig,
    /// Registry name of the strategy whose entries are the events.
    pub strategy: String,
    /// Its parameters (overriding the registry's defaults).
    pub params: Vec<(String, f64)>,
    /// The labelling.
    pub labels: LabelMethod,
    /// Compute the options feature group from the synthetic chains.
    pub options: bool,
    /// Chain-summary conventions (rates from the synthetic market by default).
    pub chain: ChainFeatureConfig,
    /// Optional event calendar (`date,event[,symbol]`), adding the events group.
    pub events_file: Option<PathBuf>,
}

impl Default for DatasetConfig {
    fn default() -> Self {
        let synth = SynthConfig {
            sessions: 5040,
            chain_every_minutes: 390,
            ..SynthConfig::default()
        };
        let chain = ChainFeatureConfig {
            rate: synth.rate,
            dividend_yield: synth.dividend_yield,
            ..ChainFeatureConfig::default()
        };
        DatasetConfig {
            synth,
            strategy: "sma-cross".into(),
            params: vec![
                ("fast".into(), 3.0),
                ("slow".into(), 10.0),
                ("allow_short".into(), 1.0),
            ],
            labels: LabelMethod::TripleBarrier(TripleBarrier::default()),
            options: true,
            chain,
            events_file: None,
        }
    }
}

/// A labelled, time-ordered training set.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// One row per labelled event (timestamps = event bars).
    pub features: FeatureMatrix,
    /// Binary labels (1.0 = the signal paid off), one per row.
    pub labels: Vec<f64>,
    /// The realised side-adjusted return of each row's outcome.
    pub returns: Vec<f64>,
    /// Event start of each row.
    pub t0: Vec<Timestamp>,
    /// End of each row's label horizon.
    pub t1: Vec<Timestamp>,
    /// Side of each event (+1 long, −1 short).
    pub sides: Vec<i8>,
    /// Bar index of each event in the daily series.
    pub bar_index: Vec<usize>,
    /// The feature definitions (names and hash for the registry).
    pub feature_set: FeatureSet,
    /// Events dropped for an incomplete feature row.
    pub dropped_incomplete: usize,
    /// Events dropped because their outcome was not decided by the end of the data.
    pub dropped_undecided: usize,
}

fn upstream(stage: &'static str, e: impl std::fmt::Display) -> MlError {
    MlError::Upstream {
        stage,
        reason: e.to_string(),
    }
}

/// Builds the dataset of `cfg` (see the module docs).
pub fn dataset(cfg: &DatasetConfig) -> Result<Dataset> {
    let market = SyntheticMarket::new(cfg.synth.clone())?;
    let daily = market.index_daily();
    let bars = BarData::from_series(&daily);
    let vi = market.vol_indices();
    let vol = VolInputs::from_daily(&vi.vix9d, &vi.vix, &vi.vix3m)?;
    let chain: Option<Vec<ChainSummary>> = if cfg.options {
        Some(close_chain_summaries(&market, &cfg.chain)?)
    } else {
        None
    };
    let events = match &cfg.events_file {
        Some(p) => Some(EventCalendar::from_file(p)?),
        None => None,
    };
    let spec = FeatureSpec {
        interval: Interval::Daily,
        regime: true,
        options: cfg.options,
        events: events.is_some(),
    };
    let set = FeatureSet::new(spec);
    let feats = set.compute(&FeatureInputs {
        bars: &bars,
        interval: Interval::Daily,
        vol: Some(&vol),
        chain: chain.as_deref(),
        events: events.as_ref(),
    })?;

    let cols = BarColumns::from_bars((0..bars.len()).map(|i| BarInput {
        ts: bars.ts[i],
        open: bars.open[i],
        high: bars.high[i],
        low: bars.low[i],
        close: bars.close[i],
        volume: bars.volume[i],
    }));
    let view = cols.view().map_err(|e| upstream("strategy", e))?;
    let strategy = thetalab_strategy::by_name(&cfg.strategy, &cfg.params)
        .map_err(|e| upstream("strategy", e))?;
    let signals = strategy
        .signals(&view)
        .map_err(|e| upstream("strategy", e))?;
    let prices = Prices {
        ts: &bars.ts,
        open: &bars.open,
        high: &bars.high,
        low: &bars.low,
        close: &bars.close,
    };

    // (bar, side, t0, t1, label, return) per decided event, in time order.
    let mut rows: Vec<(usize, i8, Timestamp, Timestamp, f64, f64)> = Vec::new();
    let n_events;
    match cfg.labels {
        LabelMethod::TripleBarrier(tb) => {
            let mut ev: Vec<(usize, i8)> = Vec::new();
            for i in 0..bars.len() {
                if signals.entries[i] {
                    ev.push((i, 1));
                }
                if signals.short_entries[i] {
                    ev.push((i, -1));
                }
            }
            n_events = ev.len();
            let idx: Vec<usize> = ev.iter().map(|e| e.0).collect();
            let sides: Vec<i8> = ev.iter().map(|e| e.1).collect();
            let labels = triple_barrier(&prices, &idx, Some(&sides), &tb)?;
            // Each label names its event, so a long and a short entry on one bar keep
            // their own sides even when only one of them is decided.
            for l in labels {
                let side = sides
                    .get(l.event)
                    .copied()
                    .ok_or_else(|| MlError::Invalid {
                        field: "labels",
                        reason: format!("label of event {} out of {} events", l.event, ev.len()),
                    })?;
                rows.push((l.index, side, l.t0, l.t1, l.win(), l.ret));
            }
        }
        LabelMethod::TradeOutcome => {
            let bt = thetalab_backtest::BacktestConfig::default();
            let res = thetalab_backtest::run(&view, &signals, &bt)
                .map_err(|e| upstream("backtest", e))?;
            n_events = res.trades.len();
            for o in trade_outcomes(&res.trades, &prices)? {
                rows.push((o.entry_index, 1, o.t0, o.t1, o.win, o.ret));
            }
        }
    }
    let dropped_undecided = n_events - rows.len();
    let keep: Vec<usize> = (0..rows.len())
        .filter(|&k| feats.row_is_complete(rows[k].0))
        .collect();
    let dropped_incomplete = rows.len() - keep.len();
    let bar_index: Vec<usize> = keep.iter().map(|&k| rows[k].0).collect();
    Ok(Dataset {
        features: feats.select_rows(&bar_index)?,
        labels: keep.iter().map(|&k| rows[k].4).collect(),
        returns: keep.iter().map(|&k| rows[k].5).collect(),
        t0: keep.iter().map(|&k| rows[k].2).collect(),
        t1: keep.iter().map(|&k| rows[k].3).collect(),
        sides: keep.iter().map(|&k| rows[k].1).collect(),
        bar_index,
        feature_set: set,
        dropped_incomplete,
        dropped_undecided,
    })
}

/// One chain summary per session, from the snapshot at the close (in parallel).
fn close_chain_summaries(
    market: &SyntheticMarket,
    cfg: &ChainFeatureConfig,
) -> Result<Vec<ChainSummary>> {
    use rayon::prelude::*;
    (0..market.len())
        .into_par_iter()
        .map(|d| -> Result<Option<ChainSummary>> {
            let rows = market.chain_day(d)?;
            let snaps = snapshots_from_rows(&rows)?;
            match snaps.last() {
                Some(s) => Ok(Some(summarize_chain(s, cfg)?)),
                None => Ok(None),
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(|v| v.into_iter().flatten().collect())
}
