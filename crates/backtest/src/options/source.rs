//! Where the replay's snapshots and volatility-index readings come from.
//!
//! A [`SnapshotSource`] refills a caller-owned [`ChainSnapshot`] with the next snapshot
//! in time order, so reading a snapshot allocates nothing once the buffers have grown
//! (the engine still allocates for what it keeps: orders, trades, the equity curve).
//! Implementations:
//! the store's [`SnapshotStream`] (Parquet row groups, memory flat in history length),
//! [`VecSource`] (snapshots in memory, for tests and small samples), and
//! [`SynthSource`] (the built-in synthetic market, generated on a background thread a
//! few days ahead through a bounded channel, with snapshot buffers recycled).
//!
//! A [`VolIndexSource`] answers "what VIX9D/VIX/VIX3M values were knowable at `t`":
//! [`DailyVolIndices`] takes the closes of daily bars and, at `t`, gives the close of
//! the latest session strictly before `t`'s New York date (a daily close is published
//! after the session, so the current session's is never used).

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use chrono::NaiveDate;
use thetalab_core::Timestamp;
use thetalab_data::synth::SyntheticMarket;
use thetalab_data::{BarSeries, ChainRows, ChainSnapshot, DataError, store::SnapshotStream};
use thetalab_strategy::options::VolIndexReadings;

use crate::{BacktestError, Result};

/// A time-ordered source of chain snapshots.
pub trait SnapshotSource {
    /// Refills `snap` with the next snapshot; `Ok(false)` at the end of the data.
    fn next_into(&mut self, snap: &mut ChainSnapshot) -> Result<bool>;
}

fn data_err(e: DataError) -> BacktestError {
    BacktestError::Data(e.to_string())
}

impl SnapshotSource for SnapshotStream {
    fn next_into(&mut self, snap: &mut ChainSnapshot) -> Result<bool> {
        SnapshotStream::next_into(self, snap).map_err(data_err)
    }
}

/// Snapshots held in memory, handed out in order (tests, small samples).
#[derive(Debug, Clone, Default)]
pub struct VecSource {
    snaps: std::vec::IntoIter<ChainSnapshot>,
}

impl VecSource {
    /// A source over `snaps` (in the order given; the engine checks time order).
    #[must_use]
    pub fn new(snaps: Vec<ChainSnapshot>) -> Self {
        VecSource {
            snaps: snaps.into_iter(),
        }
    }
}

impl SnapshotSource for VecSource {
    fn next_into(&mut self, snap: &mut ChainSnapshot) -> Result<bool> {
        match self.snaps.next() {
            Some(s) => {
                *snap = s;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// Splits one day's chain rows (ordered by time, then expiry, strike, call before put,
/// as [`SyntheticMarket::chain_day`] produces them) into snapshots, reusing the
/// buffers in `spare` when there are any.
pub fn rows_to_snapshots(
    rows: &ChainRows,
    spare: &mut Vec<ChainSnapshot>,
    out: &mut Vec<ChainSnapshot>,
) -> Result<()> {
    let root_text = rows.root.as_deref().unwrap_or(&rows.underlying);
    let root = thetalab_core::OptionRoot::new(root_text)
        .map_err(|e| BacktestError::Data(format!("chain of {}: {e}", rows.underlying)))?;
    let mut current: Option<ChainSnapshot> = None;
    for q in &rows.rows {
        let start_new = current.as_ref().is_none_or(|s| s.ts != q.ts);
        if start_new {
            if let Some(s) = current.take() {
                out.push(s);
            }
            let mut s = spare.pop().unwrap_or_default();
            s.clear();
            s.ts = q.ts;
            s.underlying.clone_from(&rows.underlying);
            current = Some(s);
        }
        if let Some(s) = current.as_mut() {
            s.push(root, q);
        }
    }
    if let Some(s) = current.take() {
        out.push(s);
    }
    Ok(())
}

/// The synthetic market's chains as a snapshot source: a background thread generates
/// `batch` days at a time in parallel ([`SyntheticMarket::chain_days_parallel`]), splits
/// them into snapshots and sends each day through a channel bounded to `ahead` days;
/// used snapshot buffers go back to the generator, so memory stays flat (a few days of
/// chains) and the steady state allocates little. Deterministic: the output equals
/// [`SyntheticMarket::chain_day`] of each day in order.
pub struct SynthSource {
    rx: Receiver<std::result::Result<Vec<ChainSnapshot>, String>>,
    recycle: SyncSender<ChainSnapshot>,
    day: std::vec::IntoIter<ChainSnapshot>,
    handle: Option<JoinHandle<()>>,
    quotes_total: usize,
}

impl std::fmt::Debug for SynthSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SynthSource")
            .field("quotes_total", &self.quotes_total)
            .finish_non_exhaustive()
    }
}

impl SynthSource {
    /// Starts generating `market`'s chains (a clone is moved to the thread), `batch`
    /// days in parallel, at most `ahead` days queued (both at least 1).
    pub fn new(market: &SyntheticMarket, batch: usize, ahead: usize) -> Result<Self> {
        let quotes_total = market.quotes_total().map_err(data_err)?;
        let market = market.clone();
        let (tx, rx) = sync_channel(ahead.max(1));
        let (recycle, spares) = sync_channel::<ChainSnapshot>(4096);
        let handle = std::thread::Builder::new()
            .name("thetalab-synth-chains".to_string())
            .spawn(move || {
                let mut spare: Vec<ChainSnapshot> = Vec::new();
                for day in market.chain_days_parallel(batch.max(1)) {
                    spare.extend(spares.try_iter());
                    let msg = day.map_err(|e| e.to_string()).and_then(|(_, rows)| {
                        let mut out = Vec::with_capacity(400);
                        rows_to_snapshots(&rows, &mut spare, &mut out)
                            .map(|()| out)
                            .map_err(|e| e.to_string())
                    });
                    let failed = msg.is_err();
                    if tx.send(msg).is_err() || failed {
                        return;
                    }
                }
            })
            .map_err(|e| {
                BacktestError::Data(format!("spawning the synthetic-chain thread: {e}"))
            })?;
        Ok(SynthSource {
            rx,
            recycle,
            day: Vec::new().into_iter(),
            handle: Some(handle),
            quotes_total,
        })
    }

    /// Option quotes the whole market will produce.
    #[must_use]
    pub fn quotes_total(&self) -> usize {
        self.quotes_total
    }
}

impl SnapshotSource for SynthSource {
    fn next_into(&mut self, snap: &mut ChainSnapshot) -> Result<bool> {
        loop {
            if let Some(mut s) = self.day.next() {
                std::mem::swap(snap, &mut s);
                // A full recycle queue only means the generator has enough buffers.
                let _ = self.recycle.try_send(s);
                return Ok(true);
            }
            match self.rx.recv() {
                Ok(Ok(day)) => self.day = day.into_iter(),
                Ok(Err(e)) => return Err(BacktestError::Data(e)),
                Err(_) => {
                    if let Some(h) = self.handle.take()
                        && h.join().is_err()
                    {
                        return Err(BacktestError::Data(
                            "the synthetic-chain thread panicked".to_string(),
                        ));
                    }
                    return Ok(false);
                }
            }
        }
    }
}

/// Volatility-index values knowable at a time.
pub trait VolIndexSource {
    /// VIX9D, VIX and VIX3M as known at `ts` (no look-ahead).
    fn readings(&mut self, ts: Timestamp) -> VolIndexReadings;
}

/// No volatility indices: every reading `None`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVolIndices;

impl VolIndexSource for NoVolIndices {
    fn readings(&mut self, _ts: Timestamp) -> VolIndexReadings {
        VolIndexReadings::default()
    }
}

/// Daily closes of one index, by session date, with a cursor for in-order lookups.
#[derive(Debug, Clone, Default)]
struct DailyCloses {
    dates: Vec<NaiveDate>,
    closes: Vec<f64>,
}

impl DailyCloses {
    fn from_bars(series: Option<&BarSeries>) -> Self {
        let mut pairs: Vec<(NaiveDate, f64)> = series
            .map(|s| {
                s.bars
                    .iter()
                    .filter(|b| b.close.is_finite() && b.close > 0.0)
                    .map(|b| (b.ts.ny_date(), b.close))
                    .collect()
            })
            .unwrap_or_default();
        pairs.sort_by_key(|p| p.0);
        pairs.dedup_by_key(|p| p.0);
        DailyCloses {
            dates: pairs.iter().map(|p| p.0).collect(),
            closes: pairs.iter().map(|p| p.1).collect(),
        }
    }

    /// Close of the latest date strictly before `date`.
    fn before(&self, date: NaiveDate) -> Option<f64> {
        let i = self.dates.partition_point(|d| *d < date);
        i.checked_sub(1).map(|j| self.closes[j])
    }
}

/// VIX9D/VIX/VIX3M from daily bars (stamped with their session date, as the store, the
/// Cboe CSVs and [`SyntheticMarket::vol_indices`] give them): at `t` the closes of the
/// latest session before `t`'s New York date.
#[derive(Debug, Clone, Default)]
pub struct DailyVolIndices {
    vix9d: DailyCloses,
    vix: DailyCloses,
    vix3m: DailyCloses,
    cache: Option<(NaiveDate, VolIndexReadings)>,
}

impl DailyVolIndices {
    /// From daily bars of each index (any may be missing).
    #[must_use]
    pub fn new(
        vix9d: Option<&BarSeries>,
        vix: Option<&BarSeries>,
        vix3m: Option<&BarSeries>,
    ) -> Self {
        DailyVolIndices {
            vix9d: DailyCloses::from_bars(vix9d),
            vix: DailyCloses::from_bars(vix),
            vix3m: DailyCloses::from_bars(vix3m),
            cache: None,
        }
    }

    /// The synthetic market's indices.
    #[must_use]
    pub fn synthetic(market: &SyntheticMarket) -> Self {
        let v = market.vol_indices();
        Self::new(Some(&v.vix9d), Some(&v.vix), Some(&v.vix3m))
    }
}

impl VolIndexSource for DailyVolIndices {
    fn readings(&mut self, ts: Timestamp) -> VolIndexReadings {
        let date = ts.ny_date();
        if let Some((d, r)) = self.cache
            && d == date
        {
            return r;
        }
        let r = VolIndexReadings {
            vix: self.vix.before(date),
            vix9d: self.vix9d.before(date),
            vix3m: self.vix3m.before(date),
        };
        self.cache = Some((date, r));
        r
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use thetalab_data::Bar;

    fn bar(date: &str, close: f64) -> Bar {
        let d: NaiveDate = date.parse().unwrap();
        Bar {
            ts: Timestamp::from_ny(d, chrono::NaiveTime::MIN).unwrap(),
            open: close,
            high: close,
            low: close,
            close,
            volume: 0.0,
            vwap: None,
            trade_count: None,
        }
    }

    #[test]
    fn vol_indices_use_the_previous_session_close() {
        let vix = BarSeries {
            symbol: "VIX".into(),
            bars: vec![
                bar("2024-01-02", 13.2),
                bar("2024-01-03", 14.0),
                bar("2024-01-04", 14.5),
            ],
        };
        let mut src = DailyVolIndices::new(None, Some(&vix), None);
        let d: NaiveDate = "2024-01-03".parse().unwrap();
        let noon =
            Timestamp::from_ny(d, chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap()).unwrap();
        // On Jan 3 the knowable close is Jan 2's, not Jan 3's.
        assert_eq!(src.readings(noon).vix, Some(13.2));
        assert_eq!(src.readings(noon).vix9d, None);
        let d0: NaiveDate = "2024-01-02".parse().unwrap();
        let t0 =
            Timestamp::from_ny(d0, chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap()).unwrap();
        assert_eq!(src.readings(t0).vix, None);
    }

    #[test]
    fn synth_source_equals_chain_day() {
        use thetalab_data::synth::SynthConfig;
        let cfg = SynthConfig {
            sessions: 2,
            chain_every_minutes: 60,
            ..SynthConfig::default()
        };
        let m = SyntheticMarket::new(cfg).unwrap();
        let mut src = SynthSource::new(&m, 2, 1).unwrap();
        let mut expected = Vec::new();
        for d in 0..2 {
            rows_to_snapshots(&m.chain_day(d).unwrap(), &mut Vec::new(), &mut expected).unwrap();
        }
        let mut snap = ChainSnapshot::default();
        let mut got = Vec::new();
        while src.next_into(&mut snap).unwrap() {
            got.push(snap.clone());
        }
        assert_eq!(got.len(), expected.len());
        assert!(got == expected);
        let quotes: usize = got.iter().map(ChainSnapshot::len).sum();
        assert_eq!(quotes, src.quotes_total());
    }
}
