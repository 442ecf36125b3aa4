//! Generic bar CSV, described by a column map (TOML).
//!
//! The map says which column holds what, how time is written and in which zone, and
//! whether a stamp is the bar's start or end. Column names are matched ignoring case,
//! spaces, `_` and `-`.
//!
//! ```toml
//! # Which symbol: a fixed one ...
//! symbol = "SPY"
//! # ... or, instead, `symbol` under [columns] (several symbols → several series).
//!
//! # How the `ts` column is written: "rfc3339", "epoch_s", "epoch_ms", "epoch_us",
//! # "epoch_ns", or a chrono format such as "%Y-%m-%d %H:%M:%S". Default "rfc3339".
//! ts_format = "%Y-%m-%d %H:%M:%S"
//! # Format of a `date` column (default "%Y-%m-%d").
//! date_format = "%Y-%m-%d"
//! # Zone of naive wall-clock stamps: any IANA name; default "America/New_York".
//! timezone = "America/New_York"
//! # "start" (default) or "end": what a stamp marks. "end" needs `interval`.
//! stamp = "start"
//! # Bar length: a number and s, m (or min), h, d: "1m", "5m", "1h", "1d".
//! interval = "1m"
//! # Field separator (default ",").
//! delimiter = ","
//!
//! [columns]
//! ts = "Date"          # one column with date and time; or `date` (+ optional `time`)
//! open = "Open"
//! high = "High"
//! low = "Low"
//! close = "Close"
//! volume = "Volume"    # optional: without it volume is 0 (index bars have none)
//! # vwap = "vwap"      # optional
//! # trade_count = "n"  # optional
//! # symbol = "ticker"  # optional
//! ```
//!
//! Time rules:
//! - A stamp with a date and no time of day (a `date` column alone, or a `ts_format`
//!   without hours) is a daily bar: 00:00 New York of that date, the schema's
//!   convention, whatever `timezone` says.
//! - Naive wall-clock stamps are read in `timezone`. In the spring-forward gap a stamp
//!   does not exist and the row is rejected; in the repeated autumn hour the earlier
//!   instant is taken. RFC 3339 and epoch stamps are instants and ignore `timezone`.
//! - `stamp = "end"`: the start is `end − interval`; for daily (or longer) intervals it
//!   is 00:00 New York of the date the bar ended on (the date of `end − 1 ns`), so
//!   both `2024-01-02 16:00` and `2024-01-03 00:00` end stamps give the bar of
//!   2024-01-02.
//!
//! Example maps for real layouts are in `data/column_maps/` at the repository root.

use std::collections::HashMap;
use std::path::Path;

use chrono::format::{Item, Parsed as ChronoParsed, StrftimeItems};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;
use csv::ByteRecord;
use serde::Deserialize;
use thetalab_core::Timestamp;

use super::input::{self, ChunkParser, Chunking, Col, FieldError, LocalCache, text};
use super::{Parsed, Reject, sort_series};
use crate::DataError;
use crate::schema::{Bar, BarSeries};

/// Which column holds what (see the [module docs](self)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// One column with date and time (read with `ts_format`).
    pub ts: Option<String>,
    /// A date column (read with `date_format`), alone or with `time`.
    pub date: Option<String>,
    /// A time-of-day column (`HH:MM` or `HH:MM:SS`) going with `date`.
    pub time: Option<String>,
    /// Open.
    pub open: String,
    /// High.
    pub high: String,
    /// Low.
    pub low: String,
    /// Close.
    pub close: String,
    /// Volume (optional; 0 without it).
    pub volume: Option<String>,
    /// Volume-weighted average price (optional).
    pub vwap: Option<String>,
    /// Number of trades (optional).
    pub trade_count: Option<String>,
    /// Symbol (optional; else the map's fixed `symbol`).
    pub symbol: Option<String>,
}

/// Whether a bar's stamp marks its start or its end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stamp {
    /// The stamp is the bar's start (Yahoo, Alpaca, Polygon, Lean).
    #[default]
    Start,
    /// The stamp is the bar's end (many platform exports).
    End,
}

/// A column map: how to read one bar CSV layout (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMap {
    /// Which column holds what.
    pub columns: Columns,
    /// The symbol of every row, when the file has no symbol column.
    #[serde(default)]
    pub symbol: Option<String>,
    /// How `ts` is written.
    #[serde(default = "default_ts_format")]
    pub ts_format: String,
    /// How `date` is written.
    #[serde(default = "default_date_format")]
    pub date_format: String,
    /// The zone of naive stamps (IANA name).
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Start or end stamps.
    #[serde(default)]
    pub stamp: Stamp,
    /// Bar length (`1m`, `5m`, `1h`, `1d`, …); needed when `stamp = "end"`.
    #[serde(default)]
    pub interval: Option<String>,
    /// Field separator (one ASCII character).
    #[serde(default)]
    pub delimiter: Option<char>,
}

fn default_ts_format() -> String {
    "rfc3339".to_string()
}
fn default_date_format() -> String {
    "%Y-%m-%d".to_string()
}
fn default_timezone() -> String {
    "America/New_York".to_string()
}

impl ColumnMap {
    /// Parses a map from TOML text; `source_name` names it in errors.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<ColumnMap, DataError> {
        let map: ColumnMap = toml::from_str(text).map_err(|e| DataError::IngestConfig {
            source_name: source_name.to_string(),
            reason: e.to_string(),
        })?;
        map.compile(source_name)?;
        Ok(map)
    }

    /// Loads a map from a TOML file.
    pub fn load(path: &Path) -> Result<ColumnMap, DataError> {
        let text = std::fs::read_to_string(path).map_err(|e| input::io_error(path, e))?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    fn compile(&self, source_name: &str) -> Result<Plan, DataError> {
        let cfg = |reason: String| DataError::IngestConfig {
            source_name: source_name.to_string(),
            reason,
        };
        let tz: Tz = self
            .timezone
            .parse()
            .map_err(|_| cfg(format!("unknown time zone {:?}", self.timezone)))?;
        let time = match (&self.columns.ts, &self.columns.date, &self.columns.time) {
            (Some(_), None, None) => TimeSpec::Ts(TsFormat::parse(&self.ts_format).map_err(cfg)?),
            (None, Some(_), None) => {
                TimeSpec::Date(TsFormat::parse_chrono(&self.date_format).map_err(cfg)?)
            }
            (None, Some(_), Some(_)) => {
                TimeSpec::DateTime(TsFormat::parse_chrono(&self.date_format).map_err(cfg)?)
            }
            _ => {
                return Err(cfg(
                    "columns: give exactly one of `ts`, `date`, or `date` with `time`".to_string(),
                ));
            }
        };
        let interval = match &self.interval {
            Some(s) => Some(Interval::parse(s).map_err(cfg)?),
            None => None,
        };
        if self.stamp == Stamp::End && interval.is_none() {
            return Err(cfg(
                "stamp = \"end\" needs an `interval` to find each bar's start".to_string(),
            ));
        }
        if self.symbol.is_none() && self.columns.symbol.is_none() {
            return Err(cfg("give a fixed `symbol` or a `symbol` column".to_string()));
        }
        let delimiter = match self.delimiter {
            None => b',',
            Some(c) if c.is_ascii() => c as u8,
            Some(c) => return Err(cfg(format!("delimiter {c:?} is not ASCII"))),
        };
        Ok(Plan {
            tz,
            time,
            interval,
            delimiter,
        })
    }
}

/// How the `ts` column is written.
#[derive(Debug, Clone)]
enum TsFormat {
    Rfc3339,
    /// Integer count since the epoch; nanoseconds per unit.
    Epoch(i64),
    /// A chrono format; `has_time` false means a date only.
    Chrono {
        items: Vec<Item<'static>>,
        has_time: bool,
        /// For `%Y-%m-%d %H:%M:%S` (or with `T`): the separator, read by hand when
        /// the text has exactly that shape.
        ymd_hms: Option<u8>,
    },
}

impl TsFormat {
    fn parse(s: &str) -> Result<TsFormat, String> {
        Ok(match s {
            "rfc3339" => TsFormat::Rfc3339,
            "epoch_s" => TsFormat::Epoch(1_000_000_000),
            "epoch_ms" => TsFormat::Epoch(1_000_000),
            "epoch_us" => TsFormat::Epoch(1_000),
            "epoch_ns" => TsFormat::Epoch(1),
            _ => Self::parse_chrono(s)?,
        })
    }

    fn parse_chrono(s: &str) -> Result<TsFormat, String> {
        if !s.contains('%') {
            return Err(format!(
                "time format {s:?} is none of rfc3339, epoch_s, epoch_ms, epoch_us, epoch_ns, and has no % directive"
            ));
        }
        let items = StrftimeItems::new(s)
            .parse_to_owned()
            .map_err(|e| format!("time format {s:?}: {e}"))?;
        let has_time = ["%H", "%I", "%k", "%l", "%T", "%R", "%X", "%c", "%+", "%s"]
            .iter()
            .any(|d| s.contains(d));
        let ymd_hms = match s {
            "%Y-%m-%d %H:%M:%S" => Some(b' '),
            "%Y-%m-%dT%H:%M:%S" => Some(b'T'),
            _ => None,
        };
        Ok(TsFormat::Chrono {
            items,
            has_time,
            ymd_hms,
        })
    }
}

#[derive(Debug, Clone)]
enum TimeSpec {
    Ts(TsFormat),
    Date(TsFormat),
    DateTime(TsFormat),
}

/// A bar length.
#[derive(Debug, Clone, Copy)]
struct Interval {
    nanos: i64,
    daily: bool,
}

impl Interval {
    fn parse(s: &str) -> Result<Interval, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (n, unit) = t.split_at(split);
        let n: i64 = n
            .parse()
            .map_err(|_| format!("interval {s:?}: expected a number then s, m, h or d"))?;
        let per = match unit.to_ascii_lowercase().as_str() {
            "s" | "sec" => 1_000_000_000,
            "m" | "min" => 60_000_000_000,
            "h" | "hour" => 3_600_000_000_000,
            "d" | "day" => 86_400_000_000_000,
            _ => return Err(format!("interval {s:?}: unit must be s, m (min), h or d")),
        };
        if n <= 0 {
            return Err(format!("interval {s:?} must be positive"));
        }
        Ok(Interval {
            nanos: n.saturating_mul(per),
            daily: per == 86_400_000_000_000,
        })
    }
}

struct Plan {
    tz: Tz,
    time: TimeSpec,
    interval: Option<Interval>,
    delimiter: u8,
}

fn chrono_parse(items: &[Item<'static>], s: &str) -> Result<ChronoParsed, String> {
    let mut p = ChronoParsed::new();
    chrono::format::parse(&mut p, s, items.iter())
        .map_err(|e| format!("{s:?} does not match the format ({e})"))?;
    Ok(p)
}

/// `YYYY-MM-DD?HH:MM:SS` (`?` = `sep`) read by hand; `None` for any other shape or
/// an invalid value (chrono then reads it, and words the error).
fn ymd_hms(b: &[u8], sep: u8) -> Option<NaiveDateTime> {
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != sep
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(n(0..4)?).ok()?, n(5..7)?, n(8..10)?)?;
    date.and_hms_opt(n(11..13)?, n(14..16)?, n(17..19)?)
}

fn parse_date(f: &TsFormat, s: &str) -> Result<NaiveDate, String> {
    match f {
        TsFormat::Chrono { items, .. } => chrono_parse(items, s)?
            .to_naive_date()
            .map_err(|e| format!("{s:?}: {e}")),
        _ => input::date(s),
    }
}

impl Plan {
    /// The stamp as written (before the start/end conversion), and whether it is a
    /// date only.
    fn stamp(
        &self,
        ts: Option<&str>,
        date: Option<&str>,
        time: Option<&str>,
        clock: &mut LocalCache,
    ) -> Result<(Timestamp, bool), String> {
        match &self.time {
            TimeSpec::Ts(TsFormat::Rfc3339) => Timestamp::parse_rfc3339(ts.unwrap_or_default())
                .map(|t| (t, false))
                .map_err(|e| e.to_string()),
            TimeSpec::Ts(TsFormat::Epoch(per)) => {
                let s = ts.unwrap_or_default();
                let v: i64 = s
                    .parse()
                    .map_err(|_| format!("{s:?} is not an integer epoch count"))?;
                v.checked_mul(*per)
                    .map(|n| (Timestamp::from_nanos(n), false))
                    .ok_or_else(|| format!("{s:?} is out of the timestamp range"))
            }
            TimeSpec::Ts(TsFormat::Chrono {
                items,
                has_time,
                ymd_hms: fixed,
            }) => {
                let s = ts.unwrap_or_default();
                if let Some(local) = fixed.and_then(|sep| ymd_hms(s.as_bytes(), sep)) {
                    return clock.local_ts(self.tz, local).map(|t| (t, false));
                }
                let p = chrono_parse(items, s)?;
                if *has_time {
                    let local = p
                        .to_naive_datetime_with_offset(0)
                        .map_err(|e| format!("{s:?}: {e}"))?;
                    clock.local_ts(self.tz, local).map(|t| (t, false))
                } else {
                    let d = p.to_naive_date().map_err(|e| format!("{s:?}: {e}"))?;
                    input::ny_midnight(d).map(|t| (t, true))
                }
            }
            TimeSpec::Date(f) => {
                let d = parse_date(f, date.unwrap_or_default())?;
                input::ny_midnight(d).map(|t| (t, true))
            }
            TimeSpec::DateTime(f) => {
                let d = parse_date(f, date.unwrap_or_default())?;
                let t: NaiveTime = input::time_of_day(time.unwrap_or_default())?;
                clock
                    .local_ts(self.tz, NaiveDateTime::new(d, t))
                    .map(|t| (t, false))
            }
        }
    }

    /// Converts an end stamp to the bar's start.
    fn start(&self, stamp: Timestamp, date_only: bool, kind: Stamp) -> Result<Timestamp, String> {
        let Some(iv) = self.interval.filter(|_| kind == Stamp::End && !date_only) else {
            return Ok(stamp);
        };
        if iv.daily {
            let before = stamp.checked_add_nanos(-1).map_err(|e| e.to_string())?;
            input::ny_midnight(before.ny_date())
        } else {
            stamp
                .checked_add_nanos(-iv.nanos)
                .map_err(|e| e.to_string())
        }
    }
}

struct Cols {
    ts: Option<Col>,
    date: Option<Col>,
    time: Option<Col>,
    open: Col,
    high: Col,
    low: Col,
    close: Col,
    volume: Option<Col>,
    vwap: Option<Col>,
    trade_count: Option<Col>,
    symbol: Option<Col>,
}

/// Reads a bar CSV with `map`; one series per symbol, sorted by symbol, bars in time
/// order.
pub fn read(path: &Path, map: &ColumnMap) -> Result<Parsed<Vec<BarSeries>>, DataError> {
    read_from(input::open(path)?, path, map)
}

/// Like [`read`], from any reader (`name` stands for the file in errors).
pub fn read_from<R: std::io::Read>(
    reader: R,
    name: &Path,
    map: &ColumnMap,
) -> Result<Parsed<Vec<BarSeries>>, DataError> {
    read_chunked(reader, name, map, Chunking::DEFAULT)
}

/// [`read_from`] with the input cut as `chunking` says (tests use tiny pieces).
fn read_chunked<R: std::io::Read>(
    reader: R,
    name: &Path,
    map: &ColumnMap,
    chunking: Chunking,
) -> Result<Parsed<Vec<BarSeries>>, DataError> {
    let plan = map.compile(&name.display().to_string())?;
    let delimiter = plan.delimiter;
    let fixed = map.symbol.clone().unwrap_or_default();
    let pieces = input::read_chunked(
        input::wrap(reader, name)?,
        name,
        delimiter,
        chunking,
        |header| {
            let c = &map.columns;
            let opt = |n: &Option<String>| -> Result<Option<Col>, DataError> {
                n.as_deref()
                    .map(|n| header.require_named(name, n))
                    .transpose()
            };
            let cols = Cols {
                ts: opt(&c.ts)?,
                date: opt(&c.date)?,
                time: opt(&c.time)?,
                open: header.require_named(name, &c.open)?,
                high: header.require_named(name, &c.high)?,
                low: header.require_named(name, &c.low)?,
                close: header.require_named(name, &c.close)?,
                volume: opt(&c.volume)?,
                vwap: opt(&c.vwap)?,
                trade_count: opt(&c.trade_count)?,
                symbol: opt(&c.symbol)?,
            };
            Ok(BarParser {
                cols,
                plan,
                stamp: map.stamp,
                fixed,
            })
        },
    )?;
    let mut out = Parsed {
        data: Vec::new(),
        rejects: Vec::new(),
        rows_read: 0,
        rows_ok: 0,
    };
    for p in &pieces {
        out.rows_read += p.rows_read;
        out.rows_ok += p.rows_ok;
    }
    if out.rows_read == 0 {
        return Err(DataError::NoRows {
            file: name.to_path_buf(),
        });
    }
    let mut series = join_series(pieces.iter().map(|p| &p.series));
    for p in pieces {
        out.rejects.extend(p.rejects);
    }
    sort_series(&mut series);
    series.sort_by(|a, b| a.symbol.cmp(&b.symbol));
    out.data = series;
    Ok(out)
}

/// The series of consecutive pieces of one file joined per symbol (bars in file
/// order), in order of first appearance.
pub(crate) fn join_series<'a>(pieces: impl Iterator<Item = &'a Vec<BarSeries>>) -> Vec<BarSeries> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut parts: Vec<(&str, Vec<&[Bar]>)> = Vec::new();
    for s in pieces.flatten() {
        match index.get(s.symbol.as_str()) {
            Some(&i) => parts[i].1.push(&s.bars),
            None => {
                index.insert(&s.symbol, parts.len());
                parts.push((&s.symbol, vec![&s.bars]));
            }
        }
    }
    parts
        .into_iter()
        .map(|(sym, p)| BarSeries {
            symbol: sym.to_string(),
            bars: input::concat(&p),
        })
        .collect()
}

/// What one piece of a bar file yields.
pub(crate) struct BarPiece {
    pub(crate) series: Vec<BarSeries>,
    pub(crate) rejects: Vec<Reject>,
    pub(crate) rows_read: u64,
    pub(crate) rows_ok: u64,
}

/// Groups a piece's bars by symbol without allocating per row when consecutive rows
/// share it (the usual case).
#[derive(Default)]
pub(crate) struct SeriesGrouper {
    series: Vec<BarSeries>,
    index: HashMap<String, usize>,
    last: Option<usize>,
}

impl SeriesGrouper {
    pub(crate) fn push(&mut self, sym: &str, bar: Bar) {
        let i = match self.last {
            Some(i) if self.series[i].symbol == sym => i,
            _ => match self.index.get(sym) {
                Some(&i) => i,
                None => {
                    self.series.push(BarSeries {
                        symbol: sym.to_string(),
                        bars: Vec::new(),
                    });
                    self.index.insert(sym.to_string(), self.series.len() - 1);
                    self.series.len() - 1
                }
            },
        };
        self.last = Some(i);
        self.series[i].bars.push(bar);
    }

    pub(crate) fn finish(self) -> Vec<BarSeries> {
        self.series
    }
}

struct BarParser {
    cols: Cols,
    plan: Plan,
    stamp: Stamp,
    fixed: String,
}

impl ChunkParser for BarParser {
    type Out = BarPiece;

    fn parse<R: std::io::Read>(
        &self,
        rdr: &mut csv::Reader<R>,
        name: &Path,
        lines: u64,
    ) -> Result<BarPiece, DataError> {
        let mut groups = SeriesGrouper::default();
        let mut out = BarPiece {
            series: Vec::new(),
            rejects: Vec::new(),
            rows_read: 0,
            rows_ok: 0,
        };
        let mut clock = LocalCache::default();
        let mut rec = ByteRecord::new();
        while input::next_record(rdr, &mut rec, name)? {
            out.rows_read += 1;
            match row(&rec, &self.cols, &self.plan, self.stamp, &mut clock) {
                Ok((sym, bar)) => {
                    groups.push(sym.unwrap_or(&self.fixed), bar);
                    out.rows_ok += 1;
                }
                Err(e) => out
                    .rejects
                    .push(e.into_reject(name, input::line_of(&rec, lines), &rec)),
            }
        }
        out.series = groups.finish();
        Ok(out)
    }

    fn shift_lines(out: &mut BarPiece, lines: u64) {
        for r in &mut out.rejects {
            r.line += lines;
        }
    }
}

fn row<'r>(
    rec: &'r ByteRecord,
    c: &Cols,
    plan: &Plan,
    kind: Stamp,
    clock: &mut LocalCache,
) -> Result<(Option<&'r str>, Bar), FieldError> {
    let get = |col: &Option<Col>| col.as_ref().map(|col| text(rec, col)).transpose();
    let (ts_text, date_text, time_text) = (get(&c.ts)?, get(&c.date)?, get(&c.time)?);
    let time_col =
        c.ts.as_ref()
            .or(c.date.as_ref())
            .map_or("ts", |col| col.name.as_str());
    let (stamp, date_only) = plan
        .stamp(ts_text, date_text, time_text, clock)
        .map_err(|r| FieldError::new(time_col, r))?;
    let ts = plan
        .start(stamp, date_only, kind)
        .map_err(|r| FieldError::new(time_col, r))?;
    let f = |col: &Col| input::num_at(rec, col);
    let bar = Bar {
        ts,
        open: f(&c.open)?,
        high: f(&c.high)?,
        low: f(&c.low)?,
        close: f(&c.close)?,
        volume: match &c.volume {
            Some(col) => {
                let v = f(col)?;
                if v < 0.0 {
                    return Err(FieldError::new(&col.name, format!("negative volume {v}")));
                }
                v
            }
            None => 0.0,
        },
        vwap: match &c.vwap {
            Some(col) => input::opt_num_at(rec, col)?,
            None => None,
        },
        trade_count: match &c.trade_count {
            Some(col) => input::opt_count_at(rec, col)?,
            None => None,
        },
    };
    let sym = match &c.symbol {
        Some(col) => {
            let s = text(rec, col)?;
            if s.is_empty() {
                return Err(FieldError::new(&col.name, "empty symbol"));
            }
            Some(s)
        }
        None => None,
    };
    Ok((sym, bar))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(toml: &str) -> ColumnMap {
        ColumnMap::from_toml_str(toml, "test").unwrap()
    }

    const BASIC: &str = r#"
symbol = "SPY"
ts_format = "%Y-%m-%d %H:%M:%S"
[columns]
ts = "Date"
open = "Open"
high = "High"
low = "Low"
close = "Close"
volume = "Volume"
"#;

    #[test]
    fn pieces_read_exactly_as_one_reader() {
        let m = map(r#"
ts_format = "%Y-%m-%d %H:%M:%S"
[columns]
ts = "Date"
symbol = "sym"
open = "Open"
high = "High"
low = "Low"
close = "Close"
volume = "Volume"
"#);
        // DST gap and repeated hour, odd shapes the hand reader leaves to chrono, two
        // symbols interleaved, blank and CRLF lines, rejects.
        let csv = "sym,Date,Open,High,Low,Close,Volume\n\
                   SPY,2024-03-10 01:59:00,1,2,0.5,1.5,10\n\
                   SPY,2024-03-10 02:30:00,1,2,0.5,1.5,10\n\
                   \n\
                   QQQ,2024-03-10 03:00:00,1,2,0.5,1.5,10\r\n\
                   SPY,2024-11-03 01:30:00,1,2,0.5,1.5,10\n\
                   SPY,2024-11-03 1:45:00,1,2,0.5,1.5,10\n\
                   QQQ,2024-11-03 02:00:00,1,2,0.5,1.5,x\n\
                   \r\n\
                   QQQ,2024-02-30 10:00:00,1,2,0.5,1.5,10\n\
                   SPY,2024-06-03 09:30:60,1,2,0.5,1.5,10\n\
                   SPY,2024-06-03 09:31:00,1,2,0.5,1.5,-1\n\
                   ,2024-06-03 09:32:00,1,2,0.5,1.5,1\n\
                   QQQ,2024-06-03 09:33:00,1.25,2.5,0.75,1.5,12\n";
        let serial =
            read_chunked(csv.as_bytes(), Path::new("t.csv"), &m, Chunking::SERIAL).unwrap();
        assert_eq!((serial.rows_read, serial.rows_ok), (11, 6), "{serial:#?}");
        for block in [1, 3, 17, 64, 1 << 20] {
            for min_piece in [1, 10, 1 << 20] {
                let p = read_chunked(
                    csv.as_bytes(),
                    Path::new("t.csv"),
                    &m,
                    Chunking { block, min_piece },
                )
                .unwrap();
                assert_eq!(p, serial, "block {block}, min_piece {min_piece}");
            }
        }
        // The hand reader and the hourly offset cache agree with chrono and the zone.
        let spy: Vec<String> = serial.data[1]
            .bars
            .iter()
            .map(|b| b.ts.to_string())
            .collect();
        assert_eq!(
            spy,
            [
                "2024-03-10T06:59:00Z",
                "2024-06-03T13:31:00Z",
                "2024-11-03T05:30:00Z",
                "2024-11-03T05:45:00Z"
            ]
        );
    }

    #[test]
    fn naive_new_york_stamps_across_dst() {
        let csv = "Date,Open,High,Low,Close,Volume\n\
                   2024-03-08 09:30:00,1,2,0.5,1.5,10\n\
                   2024-03-11 09:30:00,1,2,0.5,1.5,10\n";
        let p = read_from(csv.as_bytes(), Path::new("t.csv"), &map(BASIC)).unwrap();
        let bars = &p.data[0].bars;
        assert_eq!(bars[0].ts.to_string(), "2024-03-08T14:30:00Z");
        assert_eq!(bars[1].ts.to_string(), "2024-03-11T13:30:00Z");
        assert_eq!(p.data[0].symbol, "SPY");
    }

    #[test]
    fn end_stamps_become_starts() {
        let m = map(&BASIC.replace(
            "symbol = \"SPY\"",
            "symbol = \"SPY\"\nstamp = \"end\"\ninterval = \"1m\"",
        ));
        let csv = "Date,Open,High,Low,Close,Volume\n2024-01-02 09:31:00,1,2,0.5,1.5,10\n";
        let p = read_from(csv.as_bytes(), Path::new("t.csv"), &m).unwrap();
        assert_eq!(p.data[0].bars[0].ts.to_string(), "2024-01-02T14:30:00Z");

        let m = map(&BASIC.replace(
            "symbol = \"SPY\"",
            "symbol = \"SPY\"\nstamp = \"end\"\ninterval = \"1d\"",
        ));
        let csv = "Date,Open,High,Low,Close,Volume\n2024-01-02 16:00:00,1,2,0.5,1.5,10\n2024-01-04 00:00:00,1,2,0.5,1.5,10\n";
        let p = read_from(csv.as_bytes(), Path::new("t.csv"), &m).unwrap();
        assert_eq!(
            p.data[0].bars[0].ts,
            input::ny_midnight(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()).unwrap()
        );
        assert_eq!(
            p.data[0].bars[1].ts,
            input::ny_midnight(NaiveDate::from_ymd_opt(2024, 1, 3).unwrap()).unwrap()
        );
    }

    #[test]
    fn epoch_and_utc_and_symbols() {
        let m = map(
            "ts_format = \"epoch_ms\"\n[columns]\nts = \"t\"\nopen = \"o\"\nhigh = \"h\"\nlow = \"l\"\nclose = \"c\"\nsymbol = \"sym\"\nvwap = \"vw\"\ntrade_count = \"n\"\n",
        );
        let csv = "t,sym,o,h,l,c,vw,n\n1704205800000,B,1,2,0.5,1.5,,3\n1704205800000,A,1,2,0.5,1.5,1.2,\n";
        let p = read_from(csv.as_bytes(), Path::new("t.csv"), &m).unwrap();
        assert_eq!(p.data.len(), 2);
        assert_eq!(p.data[0].symbol, "A");
        assert_eq!(p.data[0].bars[0].vwap, Some(1.2));
        assert_eq!(p.data[1].bars[0].trade_count, Some(3));
        assert_eq!(p.data[1].bars[0].ts.to_string(), "2024-01-02T14:30:00Z");
        assert_eq!(p.data[1].bars[0].volume, 0.0);
    }

    #[test]
    fn gap_time_and_bad_values_are_rejects() {
        let csv = "Date,Open,High,Low,Close,Volume\n\
                   2024-03-10 02:30:00,1,2,0.5,1.5,10\n\
                   2024-03-11 09:30:00,1,x,0.5,1.5,10\n\
                   2024-03-11 09:31:00,1,2\n\
                   2024-03-11 09:32:00,1,2,0.5,1.5,10\n";
        let p = read_from(csv.as_bytes(), Path::new("t.csv"), &map(BASIC)).unwrap();
        assert_eq!((p.rows_read, p.rows_ok, p.rejects.len()), (4, 1, 3));
        assert_eq!(p.rejects[0].line, 2);
        assert_eq!(p.rejects[0].field.as_deref(), Some("Date"));
        assert_eq!(p.rejects[1].field.as_deref(), Some("High"));
        assert!(p.rejects[1].reason.contains("\"x\""));
        assert_eq!(p.rejects[2].field.as_deref(), Some("Low"));
        assert_eq!(p.rejects[2].raw, "2024-03-11 09:31:00,1,2");
    }

    #[test]
    fn config_errors() {
        let bad = |t: &str| {
            ColumnMap::from_toml_str(t, "m.toml")
                .unwrap_err()
                .to_string()
        };
        assert!(bad("[columns]\nopen=\"o\"").contains("m.toml"));
        assert!(bad(&BASIC.replace("symbol = \"SPY\"", "stamp = \"end\"")).contains("interval"));
        assert!(
            bad(&BASIC.replace("symbol = \"SPY\"", "timezone = \"Mars/Base\"\nsymbol=\"X\""))
                .contains("Mars")
        );
        assert!(bad(&BASIC.replace("%Y-%m-%d %H:%M:%S", "yyyy")).contains("yyyy"));
    }

    #[test]
    fn missing_column_and_empty_file() {
        let e = read_from(
            "Date,Open,High,Low\n".as_bytes(),
            Path::new("t.csv"),
            &map(BASIC),
        )
        .unwrap_err();
        assert!(
            matches!(e, DataError::MissingColumn { ref column, .. } if column == "close"),
            "{e}"
        );
        let e = read_from("".as_bytes(), Path::new("t.csv"), &map(BASIC)).unwrap_err();
        assert!(matches!(e, DataError::NoRows { .. }));
        let e = read_from(
            "Date,Open,High,Low,Close,Volume\n".as_bytes(),
            Path::new("t.csv"),
            &map(BASIC),
        )
        .unwrap_err();
        assert!(matches!(e, DataError::NoRows { .. }));
    }
}
