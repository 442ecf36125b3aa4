//! Writing the synthetic market into a [`Store`]: what `ingest synth` does.
//!
//! | series | store path | content |
//! |---|---|---|
//! | `SPX` 1-minute bars | `kind=bars/interval=1m/symbol=SPX/date=…` | every session's index path |
//! | `SPX` daily bars | `kind=bars/interval=1d/symbol=SPX/year=…` | |
//! | `VIX9D`, `VIX`, `VIX3M` | `kind=bars/interval=1d/symbol=…/year=…` | consistent with the model's expected variance |
//! | `SPX` chains | `kind=chains/symbol=SPX/date=…` | SPXW quotes every N minutes |
//! | the universe | `kind=bars/interval=1d/symbol=S001…` and `reference/universe.csv` (`symbol,sector,beta`) | |
//!
//! Days are generated and written in parallel (each day is a pure function of the seed
//! and its index, and each day has its own partition file), so the output is identical
//! whatever the number of threads.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::{SyntheticMarket, UniverseConfig, universe};
use crate::DataError;
use crate::store::Store;

/// The index symbol the synthetic market is stored under.
pub const INDEX_SYMBOL: &str = "SPX";

/// Progress of [`write_to_store`], reported as work completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynthStep {
    /// The daily series (index daily bars and the VIX family) are written.
    Daily,
    /// `done` of `of` sessions of minute bars and chains are written.
    Sessions {
        /// Sessions written so far.
        done: usize,
        /// Sessions in all.
        of: usize,
    },
    /// `done` of `of` stocks of the universe are written.
    Universe {
        /// Stocks written so far.
        done: usize,
        /// Stocks in all.
        of: usize,
    },
}

/// What [`write_to_store`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SynthWritten {
    /// Sessions of the index and chains.
    pub sessions: usize,
    /// 1-minute index bars.
    pub minute_bars: usize,
    /// Option quotes.
    pub chain_quotes: usize,
    /// Stocks in the universe.
    pub stocks: usize,
    /// Daily bars of the universe.
    pub stock_bars: usize,
    /// Partition files written.
    pub files: usize,
}

/// Writes `market` (and, when given, a stock universe) into `store`.
pub fn write_to_store(
    store: &Store,
    market: &SyntheticMarket,
    universe_cfg: Option<&UniverseConfig>,
    progress: &(dyn Fn(SynthStep) + Sync),
) -> Result<SynthWritten, DataError> {
    let mut out = SynthWritten {
        sessions: market.len(),
        ..SynthWritten::default()
    };

    let mut daily = market.index_daily();
    daily.symbol = INDEX_SYMBOL.to_string();
    out.files += store.write_bars(&daily, "1d")?.partitions;
    let vix = market.vol_indices();
    for s in [&vix.vix9d, &vix.vix, &vix.vix3m] {
        out.files += store.write_bars(s, "1d")?.partitions;
    }
    progress(SynthStep::Daily);

    let n = market.len();
    let done = AtomicUsize::new(0);
    let (bars, quotes, files) = (0..n)
        .into_par_iter()
        .map(|day| -> Result<(usize, usize, usize), DataError> {
            let mut minutes = market.index_day(day)?;
            minutes.symbol = INDEX_SYMBOL.to_string();
            let w1 = store.write_bars(&minutes, "1m")?;
            let chain = market.chain_day(day)?;
            let w2 = store.write_chain(&chain)?;
            let k = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(SynthStep::Sessions { done: k, of: n });
            Ok((
                minutes.bars.len(),
                chain.rows.len(),
                w1.partitions + w2.partitions,
            ))
        })
        .try_reduce(|| (0, 0, 0), |a, b| Ok((a.0 + b.0, a.1 + b.1, a.2 + b.2)))?;
    out.minute_bars = bars;
    out.chain_quotes = quotes;
    out.files += files;

    if let Some(cfg) = universe_cfg {
        let stocks = universe(cfg)?;
        let of = stocks.len();
        let done = AtomicUsize::new(0);
        let (bars, files) = stocks
            .par_iter()
            .map(|s| -> Result<(usize, usize), DataError> {
                let w = store.write_bars(&s.bars, "1d")?;
                let k = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(SynthStep::Universe { done: k, of });
                Ok((s.bars.bars.len(), w.partitions))
            })
            .try_reduce(|| (0, 0), |a, b| Ok((a.0 + b.0, a.1 + b.1)))?;
        let dir = store.root().join("reference");
        std::fs::create_dir_all(&dir).map_err(|e| DataError::Io {
            path: dir.clone(),
            source: e,
        })?;
        let path = dir.join("universe.csv");
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(&path).map_err(|e| DataError::Io {
                path: path.clone(),
                source: e,
            })?);
        let io = |e| DataError::Io {
            path: path.clone(),
            source: e,
        };
        writeln!(f, "symbol,sector,beta").map_err(io)?;
        for s in &stocks {
            writeln!(f, "{},{},{:?}", s.symbol, s.sector, s.beta).map_err(io)?;
        }
        f.flush().map_err(io)?;
        out.stocks = of;
        out.stock_bars = bars;
        out.files += files;
    }
    Ok(out)
}
