//! The Parquet store.
//!
//! ## Layout (hive-style, readable as is by Polars, DuckDB, Spark and DataFusion)
//!
//! ```text
//! <root>/kind=bars/interval=1m/symbol=SPY/date=2024-01-19/part-0.parquet   intraday bars, one file per session date
//! <root>/kind=bars/interval=1d/symbol=SPY/year=2024/part-0.parquet          daily bars, one file per year
//! <root>/kind=quotes/symbol=SPY/date=2024-01-19/part-0.parquet
//! <root>/kind=trades/symbol=SPY/date=2024-01-19/part-0.parquet
//! <root>/kind=chains/symbol=SPX/date=2024-01-19/part-0.parquet              every option quote of that session
//! <root>/quarantine/...                                                     rows validation set aside, with reasons
//! ```
//!
//! The partition date is the America/New_York date of the row's timestamp (the session
//! date). Files are sorted by time (chains by time, expiry, strike, then call before put),
//! written with Snappy compression, column statistics and row groups of
//! [`Store::row_group_rows`] rows (64 Ki by default) so that time-range reads skip
//! whole row groups. Every file carries `thetalab.schema_version`
//! ([`crate::SCHEMA_VERSION`]), `thetalab.kind` and `thetalab.symbol` in its key-value
//! metadata; a reader refuses a file from a newer schema version.
//!
//! ## Writing never loses or rewrites other days
//!
//! A write touches only the partitions its rows fall in. When a partition already
//! exists, its rows are merged with the new ones and the file is replaced atomically
//! (written beside it, then renamed): bars merge on `ts` and chains on
//! `(ts, expiry, strike, right)` with the new row winning on an equal key; quotes and
//! trades from the new data replace the existing rows inside the new data's own time
//! span only. [`WriteReport`] counts rows added and replaced.
//!
//! ## Reading
//!
//! As rows ([`Store::read_bars`], [`Store::read_chain`]), as Arrow `RecordBatch`es
//! ([`Store::batches`]), or as a time-ordered stream of [`ChainSnapshot`]s
//! ([`Store::chain_snapshots`]) whose memory is bounded by one row group, whatever the
//! history's length.

mod columns;
mod snapshots;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use chrono::{Datelike, NaiveDate};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::Compression;
use parquet::file::metadata::{KeyValue, ParquetMetaData};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::statistics::Statistics;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use thetalab_core::{OptionRoot, Timestamp};

pub use columns::{
    bars_to_batch, batch_to_bars, batch_to_chain, batch_to_quotes, batch_to_trades, chain_to_batch,
    quotes_to_batch, schema, trades_to_batch,
};
pub use snapshots::SnapshotStream;

use crate::schema::{BarSeries, ChainRows, OptionQuote, Quote, QuoteSeries, Trade, TradeSeries};
use crate::{DataError, DataKind, SCHEMA_VERSION};

/// The default store folder, relative to the current directory.
pub const DEFAULT_STORE: &str = "data/store";

/// A half-open time range `[start, end)`; `None` is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    /// Inclusive start.
    pub start: Option<Timestamp>,
    /// Exclusive end.
    pub end: Option<Timestamp>,
}

impl TimeRange {
    /// Everything.
    pub const ALL: TimeRange = TimeRange {
        start: None,
        end: None,
    };

    /// `[start, end)`.
    #[must_use]
    pub const fn new(start: Timestamp, end: Timestamp) -> Self {
        TimeRange {
            start: Some(start),
            end: Some(end),
        }
    }

    /// Every timestamp of the New York dates `first..=last`.
    pub fn dates(first: NaiveDate, last: NaiveDate) -> Result<Self, DataError> {
        let midnight = chrono::NaiveTime::MIN;
        let start =
            Timestamp::from_ny(first, midnight).map_err(|e| DataError::Invalid(e.to_string()))?;
        let next = last
            .succ_opt()
            .ok_or_else(|| DataError::Invalid(format!("date {last} has no successor")))?;
        let end =
            Timestamp::from_ny(next, midnight).map_err(|e| DataError::Invalid(e.to_string()))?;
        Ok(TimeRange::new(start, end))
    }

    /// True when `ts` is inside.
    #[inline]
    #[must_use]
    pub fn contains(&self, ts: i64) -> bool {
        self.start.is_none_or(|s| ts >= s.as_nanos()) && self.end.is_none_or(|e| ts < e.as_nanos())
    }

    /// True when `[lo, hi]` overlaps the range.
    #[must_use]
    pub fn overlaps(&self, lo: i64, hi: i64) -> bool {
        self.start.is_none_or(|s| hi >= s.as_nanos()) && self.end.is_none_or(|e| lo < e.as_nanos())
    }

    fn overlaps_dates(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.start.is_none_or(|s| last >= s.ny_date())
            && self.end.is_none_or(|e| first <= e.ny_date())
    }
}

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Partition files written (created or replaced).
    pub partitions: usize,
    /// Rows in the files after the write.
    pub rows_total: usize,
    /// Rows the write brought in.
    pub rows_written: usize,
    /// Existing rows superseded by new ones (equal key, or inside the new time span).
    pub rows_replaced: usize,
    /// The files written.
    pub files: Vec<PathBuf>,
}

impl WriteReport {
    fn add(&mut self, o: WriteReport) {
        self.partitions += o.partitions;
        self.rows_total += o.rows_total;
        self.rows_written += o.rows_written;
        self.rows_replaced += o.rows_replaced;
        self.files.extend(o.files);
    }
}

/// One dataset in the store, as `ingest ls` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Holding {
    /// Kind.
    pub kind: DataKind,
    /// Bar interval (`1m`, `1d`, …) for bars.
    pub interval: Option<String>,
    /// Symbol.
    pub symbol: String,
    /// Partition files.
    pub files: usize,
    /// Rows in all files.
    pub rows: u64,
    /// Bytes on disk.
    pub bytes: u64,
    /// First timestamp.
    pub first: Option<Timestamp>,
    /// Last timestamp.
    pub last: Option<Timestamp>,
}

/// A store rooted at a folder.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    row_group_rows: usize,
}

fn io(path: &Path, e: std::io::Error) -> DataError {
    DataError::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

fn pq(path: &Path, e: impl std::fmt::Display) -> DataError {
    DataError::Parquet {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

/// Checks a symbol or interval is safe as a path component.
fn component(what: &'static str, s: &str) -> Result<(), DataError> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s != "."
        && s != ".."
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '^' | '$' | '+' | '=')
        });
    if ok {
        Ok(())
    } else {
        Err(DataError::Invalid(format!(
            "{what} {s:?} cannot be used in a store path"
        )))
    }
}

/// Checks an interval like `1m`, `5m`, `1h`, `1d`.
fn check_interval(interval: &str) -> Result<(), DataError> {
    let (n, unit) = interval.split_at(interval.len().saturating_sub(1));
    if !n.is_empty()
        && n.chars().all(|c| c.is_ascii_digit())
        && matches!(unit, "s" | "m" | "h" | "d")
    {
        Ok(())
    } else {
        Err(DataError::Invalid(format!(
            "bar interval {interval:?}: expected a number and s, m, h or d (1m, 5m, 1h, 1d)"
        )))
    }
}

impl Store {
    /// A store at `root` (created on first write).
    pub fn open(root: impl Into<PathBuf>) -> Self {
        Store {
            root: root.into(),
            row_group_rows: 64 * 1024,
        }
    }

    /// The root folder.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Rows per Parquet row group.
    #[must_use]
    pub fn row_group_rows(&self) -> usize {
        self.row_group_rows
    }

    /// Sets the rows per row group (for tests and tuning).
    #[must_use]
    pub fn with_row_group_rows(mut self, n: usize) -> Self {
        self.row_group_rows = n.max(1);
        self
    }

    fn kind_dir(&self, kind: DataKind) -> PathBuf {
        self.root.join(format!("kind={kind}"))
    }

    fn series_dir(&self, kind: DataKind, interval: Option<&str>, symbol: &str) -> PathBuf {
        let mut d = self.kind_dir(kind);
        if let Some(i) = interval {
            d.push(format!("interval={i}"));
        }
        d.push(format!("symbol={symbol}"));
        d
    }

    fn partition_path(
        &self,
        kind: DataKind,
        interval: Option<&str>,
        symbol: &str,
        key: PartKey,
    ) -> PathBuf {
        let mut d = self.series_dir(kind, interval, symbol);
        d.push(match key {
            PartKey::Date(date) => format!("date={date}"),
            PartKey::Year(y) => format!("year={y}"),
        });
        d.push("part-0.parquet");
        d
    }

    fn props(&self, kind: DataKind, symbol: &str) -> WriterProperties {
        let mut b = WriterProperties::builder();
        if kind == DataKind::Chains {
            // Implied volatility and Greeks are near-unique per row in real chains: a
            // dictionary there only costs hashing every value (and, past its size limit,
            // a fall back to plain). Time, root, spot, expiry, strike, right, prices and
            // sizes repeat and keep theirs (smaller files, same speed).
            for col in ["iv", "delta", "gamma", "vega", "theta"] {
                b = b.set_column_dictionary_enabled(ColumnPath::from(col), false);
            }
        }
        b.set_compression(Compression::SNAPPY)
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_max_row_group_row_count(Some(self.row_group_rows))
            .set_key_value_metadata(Some(vec![
                KeyValue::new(
                    "thetalab.schema_version".to_string(),
                    SCHEMA_VERSION.to_string(),
                ),
                KeyValue::new("thetalab.kind".to_string(), kind.to_string()),
                KeyValue::new("thetalab.symbol".to_string(), symbol.to_string()),
            ]))
            .build()
    }

    /// Writes one batch to `path` atomically (temp file, then rename).
    fn write_file(
        &self,
        path: &Path,
        kind: DataKind,
        symbol: &str,
        batch: &RecordBatch,
    ) -> Result<(), DataError> {
        let dir = path
            .parent()
            .ok_or_else(|| DataError::Invalid(format!("{} has no parent", path.display())))?;
        fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let tmp = dir.join(format!(".part-0.parquet.tmp-{}", std::process::id()));
        let file = File::create(&tmp).map_err(|e| io(&tmp, e))?;
        let mut w = ArrowWriter::try_new(file, schema(kind), Some(self.props(kind, symbol)))
            .map_err(|e| pq(&tmp, e))?;
        w.write(batch).map_err(|e| pq(&tmp, e))?;
        w.close().map_err(|e| pq(&tmp, e))?;
        fs::rename(&tmp, path).map_err(|e| io(path, e))?;
        Ok(())
    }

    /// Writes bars of `interval` (`1m`, `5m`, `1h`, `1d`, …). Daily (`*d`) bars are kept in
    /// one file per year, intraday bars in one file per session date.
    ///
    /// Partitions are written in parallel; on an error the partitions of the other
    /// dates may have been written (each file is replaced atomically, as always) and
    /// the error of the earliest failing partition is returned.
    pub fn write_bars(&self, series: &BarSeries, interval: &str) -> Result<WriteReport, DataError> {
        component("symbol", &series.symbol)?;
        check_interval(interval)?;
        let daily = interval.ends_with('d');
        let parts = partitions(&series.bars, |b, days| {
            let d = days.date(b.ts);
            if daily {
                PartKey::Year(d.year())
            } else {
                PartKey::Date(d)
            }
        });
        let reports: Vec<Result<WriteReport, DataError>> = parts
            .par_iter()
            .map(|(key, new)| {
                let path =
                    self.partition_path(DataKind::Bars, Some(interval), &series.symbol, *key);
                let (batch, rows_total, replaced) =
                    if !path.exists() && new.windows(2).all(|w| w[0].ts < w[1].ts) {
                        // A new file of rows already in key order, without repeats: what
                        // the merge would produce.
                        (bars_to_batch(new)?, new.len(), 0)
                    } else {
                        let mut old = Vec::new();
                        if path.exists() {
                            for b in read_file_batches(&path, &TimeRange::ALL)? {
                                batch_to_bars(&b?, &path.display().to_string(), &mut old)?;
                            }
                        }
                        let (rows, replaced) = merge_by_key(old, new.to_vec(), |b| b.ts.as_nanos());
                        (bars_to_batch(&rows)?, rows.len(), replaced)
                    };
                self.write_file(&path, DataKind::Bars, &series.symbol, &batch)?;
                Ok(WriteReport {
                    partitions: 1,
                    rows_total,
                    rows_written: new.len(),
                    rows_replaced: replaced,
                    files: vec![path],
                })
            })
            .collect();
        let mut report = WriteReport::default();
        for r in reports {
            report.add(r?);
        }
        Ok(report)
    }

    /// Writes option-chain quotes (one file per underlying and session date; every row
    /// keeps its option root). Partitions are written in parallel, with the error rule
    /// of [`write_bars`](Self::write_bars).
    pub fn write_chain(&self, chain: &ChainRows) -> Result<WriteReport, DataError> {
        component("symbol", &chain.underlying)?;
        let root_text = chain.root.as_deref().unwrap_or(&chain.underlying);
        let root = OptionRoot::new(root_text)
            .map_err(|e| DataError::Invalid(format!("chain of {}: {e}", chain.underlying)))?;
        let parts = partitions(&chain.rows, |q, days| PartKey::Date(days.date(q.ts)));
        let reports: Vec<Result<WriteReport, DataError>> = parts
            .par_iter()
            .map(|(key, new)| {
                let path = self.partition_path(DataKind::Chains, None, &chain.underlying, *key);
                let sorted = || {
                    new.windows(2)
                        .all(|w| chain_key(&(root, w[0])) < chain_key(&(root, w[1])))
                };
                let (batch, rows_total, replaced) = if !path.exists() && sorted() {
                    // A new file of rows already in key order, without repeats: what the
                    // merge would produce, without copying the rows.
                    let batch = columns::chain_rows_to_batch(new.iter().map(|q| (root, q)))?;
                    (batch, new.len(), 0)
                } else {
                    let mut old = Vec::new();
                    if path.exists() {
                        for b in read_file_batches(&path, &TimeRange::ALL)? {
                            batch_to_chain(&b?, &path.display().to_string(), &mut old)?;
                        }
                    }
                    let new_rows: Vec<(OptionRoot, OptionQuote)> =
                        new.iter().map(|q| (root, *q)).collect();
                    let (rows, replaced) = merge_by_key(old, new_rows, chain_key);
                    (chain_to_batch(&rows)?, rows.len(), replaced)
                };
                self.write_file(&path, DataKind::Chains, &chain.underlying, &batch)?;
                Ok(WriteReport {
                    partitions: 1,
                    rows_total,
                    rows_written: new.len(),
                    rows_replaced: replaced,
                    files: vec![path],
                })
            })
            .collect();
        let mut report = WriteReport::default();
        for r in reports {
            report.add(r?);
        }
        Ok(report)
    }

    /// Writes quotes (one file per symbol and date). New quotes replace the existing ones
    /// inside their own time span.
    pub fn write_quotes(&self, series: &QuoteSeries) -> Result<WriteReport, DataError> {
        component("symbol", &series.symbol)?;
        self.write_spans(
            DataKind::Quotes,
            &series.symbol,
            &series.quotes,
            |q| q.ts,
            quotes_to_batch,
            batch_to_quotes,
        )
    }

    /// Writes trades (one file per symbol and date). New trades replace the existing ones
    /// inside their own time span.
    pub fn write_trades(&self, series: &TradeSeries) -> Result<WriteReport, DataError> {
        component("symbol", &series.symbol)?;
        self.write_spans(
            DataKind::Trades,
            &series.symbol,
            &series.trades,
            |t| t.ts,
            trades_to_batch,
            batch_to_trades,
        )
    }

    fn write_spans<T: Copy>(
        &self,
        kind: DataKind,
        symbol: &str,
        rows: &[T],
        ts: fn(&T) -> Timestamp,
        to_batch: fn(&[T]) -> Result<RecordBatch, DataError>,
        from_batch: fn(&RecordBatch, &str, &mut Vec<T>) -> Result<(), DataError>,
    ) -> Result<WriteReport, DataError> {
        let mut parts: BTreeMap<PartKey, Vec<T>> = BTreeMap::new();
        for r in rows {
            parts
                .entry(PartKey::Date(ts(r).ny_date()))
                .or_default()
                .push(*r);
        }
        let mut report = WriteReport::default();
        for (key, mut new) in parts {
            new.sort_by_key(ts);
            let (lo, hi) = (ts(&new[0]).as_nanos(), ts(&new[new.len() - 1]).as_nanos());
            let path = self.partition_path(kind, None, symbol, key);
            let mut old = Vec::new();
            if path.exists() {
                for b in read_file_batches(&path, &TimeRange::ALL)? {
                    from_batch(&b?, &path.display().to_string(), &mut old)?;
                }
            }
            let before = old.len();
            old.retain(|r| {
                let t = ts(r).as_nanos();
                t < lo || t > hi
            });
            let replaced = before - old.len();
            let n_new = new.len();
            old.extend(new);
            old.sort_by_key(ts);
            self.write_file(&path, kind, symbol, &to_batch(&old)?)?;
            report.add(WriteReport {
                partitions: 1,
                rows_total: old.len(),
                rows_written: n_new,
                rows_replaced: replaced,
                files: vec![path],
            });
        }
        Ok(report)
    }

    /// The partition files of one series overlapping `range`, in time order.
    pub fn files(
        &self,
        kind: DataKind,
        interval: Option<&str>,
        symbol: &str,
        range: &TimeRange,
    ) -> Result<Vec<PathBuf>, DataError> {
        component("symbol", symbol)?;
        if let Some(i) = interval {
            check_interval(i)?;
        }
        let dir = self.series_dir(kind, interval, symbol);
        if !dir.exists() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for e in fs::read_dir(&dir).map_err(|e| io(&dir, e))? {
            let e = e.map_err(|e| io(&dir, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(key) = PartKey::parse(&name) else {
                continue;
            };
            let (first, last) = key.dates();
            if !range.overlaps_dates(first, last) {
                continue;
            }
            let f = e.path().join("part-0.parquet");
            if f.exists() {
                out.push((key, f));
            }
        }
        out.sort_by_key(|(k, _)| *k);
        Ok(out.into_iter().map(|(_, f)| f).collect())
    }

    /// Record batches of one series inside `range` (row groups outside it are skipped
    /// using the `ts` statistics; rows outside it are filtered out).
    pub fn batches(
        &self,
        kind: DataKind,
        interval: Option<&str>,
        symbol: &str,
        range: TimeRange,
    ) -> Result<impl Iterator<Item = Result<RecordBatch, DataError>> + use<>, DataError> {
        let files = self.files(kind, interval, symbol, &range)?;
        let mut files = files.into_iter();
        let mut current: Option<Box<dyn Iterator<Item = Result<RecordBatch, DataError>>>> = None;
        Ok(std::iter::from_fn(move || {
            loop {
                if let Some(it) = current.as_mut() {
                    if let Some(b) = it.next() {
                        return Some(b);
                    }
                    current = None;
                }
                let f = files.next()?;
                match read_file_batches(&f, &range) {
                    Ok(it) => current = Some(Box::new(it)),
                    Err(e) => return Some(Err(e)),
                }
            }
        }))
    }

    /// Bars of one symbol and interval inside `range`.
    pub fn read_bars(
        &self,
        symbol: &str,
        interval: &str,
        range: TimeRange,
    ) -> Result<BarSeries, DataError> {
        let mut bars = Vec::new();
        for b in self.batches(DataKind::Bars, Some(interval), symbol, range)? {
            batch_to_bars(&b?, symbol, &mut bars)?;
        }
        Ok(BarSeries {
            symbol: symbol.to_string(),
            bars,
        })
    }

    /// Every option quote of one underlying inside `range`, materialised, one
    /// [`ChainRows`] per option root in root order (use [`Store::chain_snapshots`] for
    /// long histories).
    pub fn read_chain(
        &self,
        underlying: &str,
        range: TimeRange,
    ) -> Result<Vec<ChainRows>, DataError> {
        let mut rows = Vec::new();
        for b in self.batches(DataKind::Chains, None, underlying, range)? {
            batch_to_chain(&b?, underlying, &mut rows)?;
        }
        let mut by_root: BTreeMap<OptionRoot, Vec<OptionQuote>> = BTreeMap::new();
        for (root, q) in rows {
            by_root.entry(root).or_default().push(q);
        }
        Ok(by_root
            .into_iter()
            .map(|(root, rows)| ChainRows {
                underlying: underlying.to_string(),
                root: Some(root.to_string()),
                rows,
            })
            .collect())
    }

    /// Quotes of one symbol inside `range`.
    pub fn read_quotes(&self, symbol: &str, range: TimeRange) -> Result<QuoteSeries, DataError> {
        let mut quotes: Vec<Quote> = Vec::new();
        for b in self.batches(DataKind::Quotes, None, symbol, range)? {
            batch_to_quotes(&b?, symbol, &mut quotes)?;
        }
        Ok(QuoteSeries {
            symbol: symbol.to_string(),
            quotes,
        })
    }

    /// Trades of one symbol inside `range`.
    pub fn read_trades(&self, symbol: &str, range: TimeRange) -> Result<TradeSeries, DataError> {
        let mut trades: Vec<Trade> = Vec::new();
        for b in self.batches(DataKind::Trades, None, symbol, range)? {
            batch_to_trades(&b?, symbol, &mut trades)?;
        }
        Ok(TradeSeries {
            symbol: symbol.to_string(),
            trades,
        })
    }

    /// A time-ordered stream of chain snapshots (all quotes of one timestamp together),
    /// reading one row group at a time: memory stays flat in the history's length.
    pub fn chain_snapshots(
        &self,
        underlying: &str,
        range: TimeRange,
    ) -> Result<SnapshotStream, DataError> {
        let files = self.files(DataKind::Chains, None, underlying, &range)?;
        Ok(SnapshotStream::new(underlying.to_string(), files, range))
    }

    /// Writes quarantined rows to `<root>/quarantine/date=<today UTC>/<run>.parquet`
    /// (columns `source, line, kind, symbol, reason, field, detail, raw`), so that every
    /// row validation set aside is kept, with its reason, next to the data. `run` names
    /// the file (e.g. a timestamp and the command); an existing file of that name is
    /// replaced. Returns the path, or `None` when there was nothing to write.
    pub fn write_quarantine(
        &self,
        run: &str,
        rows: &[crate::validate::QuarantineRow],
        today: NaiveDate,
    ) -> Result<Option<PathBuf>, DataError> {
        if rows.is_empty() {
            return Ok(None);
        }
        component("quarantine run name", run)?;
        let dir = self.root.join("quarantine").join(format!("date={today}"));
        fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let path = dir.join(format!("{run}.parquet"));
        let batch = columns::quarantine_to_batch(rows)?;
        let tmp = dir.join(format!(".{run}.parquet.tmp-{}", std::process::id()));
        let file = File::create(&tmp).map_err(|e| io(&tmp, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata(Some(vec![
                KeyValue::new(
                    "thetalab.schema_version".to_string(),
                    SCHEMA_VERSION.to_string(),
                ),
                KeyValue::new("thetalab.kind".to_string(), "quarantine".to_string()),
            ]))
            .build();
        let mut w =
            ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(|e| pq(&tmp, e))?;
        w.write(&batch).map_err(|e| pq(&tmp, e))?;
        w.close().map_err(|e| pq(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| io(&path, e))?;
        Ok(Some(path))
    }

    /// Reads a quarantine file back (for inspection and tests).
    pub fn read_quarantine(path: &Path) -> Result<Vec<crate::validate::QuarantineRow>, DataError> {
        let mut out = Vec::new();
        for b in read_file_batches(path, &TimeRange::ALL)? {
            columns::batch_to_quarantine(&b?, &path.display().to_string(), &mut out)?;
        }
        Ok(out)
    }

    /// Everything the store holds, one line per series.
    pub fn list(&self) -> Result<Vec<Holding>, DataError> {
        let mut out = Vec::new();
        if !self.root.exists() {
            return Ok(out);
        }
        for kind in DataKind::ALL {
            let kd = self.kind_dir(kind);
            if !kd.exists() {
                continue;
            }
            let mut series_dirs: Vec<(Option<String>, PathBuf)> = Vec::new();
            for e in sorted_dir(&kd)? {
                let name = file_name(&e);
                if let Some(i) = name.strip_prefix("interval=") {
                    for s in sorted_dir(&e)? {
                        series_dirs.push((Some(i.to_string()), s));
                    }
                } else {
                    series_dirs.push((None, e));
                }
            }
            for (interval, sd) in series_dirs {
                let name = file_name(&sd);
                let Some(symbol) = name.strip_prefix("symbol=") else {
                    continue;
                };
                let mut h = Holding {
                    kind,
                    interval: interval.clone(),
                    symbol: symbol.to_string(),
                    files: 0,
                    rows: 0,
                    bytes: 0,
                    first: None,
                    last: None,
                };
                for p in sorted_dir(&sd)? {
                    let f = p.join("part-0.parquet");
                    if !f.exists() {
                        continue;
                    }
                    let meta = footer(&f)?;
                    h.files += 1;
                    h.bytes += fs::metadata(&f).map_err(|e| io(&f, e))?.len();
                    h.rows += meta.file_metadata().num_rows().max(0) as u64;
                    if let Some((lo, hi)) = ts_span(&meta) {
                        let (lo, hi) = (Timestamp::from_nanos(lo), Timestamp::from_nanos(hi));
                        h.first = Some(h.first.map_or(lo, |x| x.min(lo)));
                        h.last = Some(h.last.map_or(hi, |x| x.max(hi)));
                    }
                }
                if h.files > 0 {
                    out.push(h);
                }
            }
        }
        Ok(out)
    }
}

/// A partition key: a session date, or a year for daily bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PartKey {
    Year(i32),
    Date(NaiveDate),
}

impl PartKey {
    fn parse(dir: &str) -> Option<PartKey> {
        if let Some(d) = dir.strip_prefix("date=") {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .ok()
                .map(PartKey::Date)
        } else {
            dir.strip_prefix("year=")
                .and_then(|y| y.parse().ok())
                .map(PartKey::Year)
        }
    }

    fn dates(self) -> (NaiveDate, NaiveDate) {
        match self {
            PartKey::Date(d) => (d, d),
            PartKey::Year(y) => (
                NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(NaiveDate::MIN),
                NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(NaiveDate::MAX),
            ),
        }
    }
}

/// The New York date of instants, converting time zones only when an instant leaves
/// the day of the previous call (time-ordered rows convert once per day).
#[derive(Debug, Default)]
pub(crate) struct NyDays {
    /// `[start, end)` in ns of the last day, and the day.
    day: Option<(i64, i64, NaiveDate)>,
}

impl NyDays {
    /// The New York date of `ts` (as [`Timestamp::ny_date`]).
    #[inline]
    pub(crate) fn date(&mut self, ts: Timestamp) -> NaiveDate {
        let n = ts.as_nanos();
        if let Some((start, end, d)) = self.day
            && n >= start
            && n < end
        {
            return d;
        }
        let d = ts.ny_date();
        let start = Timestamp::from_ny(d, chrono::NaiveTime::MIN);
        let end = d
            .succ_opt()
            .map(|next| Timestamp::from_ny(next, chrono::NaiveTime::MIN));
        self.day = match (start, end) {
            (Ok(s), Some(Ok(e))) => Some((s.as_nanos(), e.as_nanos(), d)),
            _ => None,
        };
        d
    }
}

/// Rows split by partition, in key order, each partition's rows in input order: slices
/// of `rows` when every partition is one run of consecutive rows (time-ordered input),
/// copies otherwise.
fn partitions<T: Copy>(
    rows: &[T],
    key: impl Fn(&T, &mut NyDays) -> PartKey,
) -> Vec<(PartKey, Cow<'_, [T]>)> {
    let mut days = NyDays::default();
    let mut runs: Vec<(PartKey, usize, usize)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let k = key(r, &mut days);
        match runs.last_mut() {
            Some((last, _, end)) if *last == k => *end = i + 1,
            _ => runs.push((k, i, i + 1)),
        }
    }
    if runs.windows(2).all(|w| w[0].0 < w[1].0) {
        return runs
            .into_iter()
            .map(|(k, a, b)| (k, Cow::Borrowed(&rows[a..b])))
            .collect();
    }
    let mut parts: BTreeMap<PartKey, Vec<T>> = BTreeMap::new();
    for (k, a, b) in runs {
        parts.entry(k).or_default().extend_from_slice(&rows[a..b]);
    }
    parts.into_iter().map(|(k, v)| (k, Cow::Owned(v))).collect()
}

/// Sort and merge key of stored chains: time, expiry, strike, call before put, root.
fn chain_key(r: &(OptionRoot, OptionQuote)) -> (i64, NaiveDate, u64, u8, OptionRoot) {
    let q = &r.1;
    // f64 strikes compare by their bits after normalising -0.0; strikes are positive.
    (
        q.ts.as_nanos(),
        q.expiry,
        (q.strike + 0.0).to_bits(),
        u8::from(q.right == thetalab_core::OptionRight::Put),
        r.0,
    )
}

/// Merges `new` into `old` by key (new wins on equal keys), sorted by key. Returns the
/// merged rows and how many old rows were superseded.
fn merge_by_key<T, K: Ord>(old: Vec<T>, new: Vec<T>, key: impl Fn(&T) -> K) -> (Vec<T>, usize) {
    let n_old = old.len();
    let mut all: Vec<(bool, T)> = old
        .into_iter()
        .map(|r| (false, r))
        .chain(new.into_iter().map(|r| (true, r)))
        .collect();
    // Stable sort: for equal keys old rows precede new ones, so keeping the last of each
    // run keeps the new row.
    all.sort_by_key(|a| key(&a.1));
    let mut out: Vec<T> = Vec::with_capacity(all.len());
    let mut from_new: Vec<bool> = Vec::with_capacity(all.len());
    let mut replaced = 0;
    for (is_new, r) in all {
        if let Some(last) = out.last()
            && key(last) == key(&r)
        {
            // Equal keys: an old row is superseded; two new rows with one key keep the later.
            if !from_new[from_new.len() - 1] {
                replaced += 1;
            }
            let n = out.len() - 1;
            out[n] = r;
            from_new[n] = is_new;
            continue;
        }
        out.push(r);
        from_new.push(is_new);
    }
    debug_assert!(replaced <= n_old);
    (out, replaced)
}

fn sorted_dir(d: &Path) -> Result<Vec<PathBuf>, DataError> {
    let mut v: Vec<PathBuf> = fs::read_dir(d)
        .map_err(|e| io(d, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    Ok(v)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn footer(path: &Path) -> Result<Arc<ParquetMetaData>, DataError> {
    let f = File::open(path).map_err(|e| io(path, e))?;
    let b = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| pq(path, e))?;
    check_version(path, b.metadata())?;
    Ok(b.metadata().clone())
}

fn check_version(path: &Path, meta: &ParquetMetaData) -> Result<(), DataError> {
    let v = meta
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|k| k.key == "thetalab.schema_version"))
        .and_then(|k| k.value.as_deref())
        .and_then(|v| v.parse::<u32>().ok());
    match v {
        Some(v) if v > SCHEMA_VERSION => Err(DataError::Schema {
            file: path.display().to_string(),
            detail: format!(
                "written with schema version {v}; this build reads up to {SCHEMA_VERSION}"
            ),
        }),
        _ => Ok(()),
    }
}

/// Min and max of the `ts` column (column 0) over the row groups, from the statistics.
fn ts_span(meta: &ParquetMetaData) -> Option<(i64, i64)> {
    let mut span: Option<(i64, i64)> = None;
    for rg in meta.row_groups() {
        if let Some((lo, hi)) = rg_ts(rg) {
            span = Some(span.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
        }
    }
    span
}

fn rg_ts(rg: &parquet::file::metadata::RowGroupMetaData) -> Option<(i64, i64)> {
    match rg.column(0).statistics()? {
        Statistics::Int64(s) => Some((*s.min_opt()?, *s.max_opt()?)),
        _ => None,
    }
}

/// Reads one file's batches inside `range`, skipping row groups by statistics and
/// filtering rows at the edges.
fn read_file_batches(
    path: &Path,
    range: &TimeRange,
) -> Result<impl Iterator<Item = Result<RecordBatch, DataError>> + use<>, DataError> {
    let f = File::open(path).map_err(|e| io(path, e))?;
    let b = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| pq(path, e))?;
    check_version(path, b.metadata())?;
    let groups: Vec<usize> = b
        .metadata()
        .row_groups()
        .iter()
        .enumerate()
        .filter(|(_, rg)| rg_ts(rg).is_none_or(|(lo, hi)| range.overlaps(lo, hi)))
        .map(|(i, _)| i)
        .collect();
    let reader: ParquetRecordBatchReader = b
        .with_row_groups(groups)
        .with_batch_size(64 * 1024)
        .build()
        .map_err(|e| pq(path, e))?;
    let range = *range;
    let p = path.to_path_buf();
    Ok(reader.map(move |r| {
        let batch = r.map_err(|e| pq(&p, e))?;
        filter_range(batch, &range, &p)
    }))
}

fn filter_range(
    batch: RecordBatch,
    range: &TimeRange,
    path: &Path,
) -> Result<RecordBatch, DataError> {
    if range.start.is_none() && range.end.is_none() {
        return Ok(batch);
    }
    let file = path.display().to_string();
    let ts = columns::Cols::new(&batch, &file).ts()?;
    let n = ts.len();
    if n == 0 || (range.contains(ts.value(0)) && range.contains(ts.value(n - 1))) {
        return Ok(batch);
    }
    // Files are sorted by ts: the rows inside form one contiguous run.
    let lo = (0..n).find(|&i| range.contains(ts.value(i))).unwrap_or(n);
    let hi = (lo..n).find(|&i| !range.contains(ts.value(i))).unwrap_or(n);
    Ok(batch.slice(lo, hi - lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_new_rows_and_counts_replacements() {
        let (rows, replaced) = merge_by_key(
            vec![(1, 'a'), (2, 'a'), (4, 'a')],
            vec![(2, 'b'), (3, 'b')],
            |r| r.0,
        );
        assert_eq!(rows, vec![(1, 'a'), (2, 'b'), (3, 'b'), (4, 'a')]);
        assert_eq!(replaced, 1);
    }

    #[test]
    fn path_components_are_checked() {
        assert!(component("symbol", "BRK.B").is_ok());
        assert!(component("symbol", "^VIX").is_ok());
        assert!(component("symbol", "../etc").is_err());
        assert!(component("symbol", "a/b").is_err());
        assert!(
            check_interval("1m").is_ok()
                && check_interval("15m").is_ok()
                && check_interval("1d").is_ok()
        );
        assert!(
            check_interval("m").is_err()
                && check_interval("1w").is_err()
                && check_interval("").is_err()
        );
    }
}
