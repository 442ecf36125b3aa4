//! Ingest adapters: vendor files in, [schema](crate::schema) records out.
//!
//! | adapter | input | output |
//! |---|---|---|
//! | [`csv_map`] | any bar CSV, described by a TOML [`ColumnMap`] | [`BarSeries`] per symbol |
//! | [`yahoo`] | Yahoo Finance daily CSV (`Date,Open,High,Low,Close,Adj Close,Volume`) | [`BarSeries`] |
//! | [`alpaca_json`] | Alpaca `GET /v2/stocks/{symbol}/bars` and `/v2/stocks/bars` responses | [`BarSeries`] + `next_page_token` |
//! | [`chain_csv`] | the long chain CSV documented on [`OptionQuote`](crate::OptionQuote) | [`ChainRows`] |
//! | [`cboe`] | Cboe delayed-quote `quotedata.csv` (calls and puts side by side) | [`ChainRows`] per root |
//! | [`optionsdx`] | HistoricalOptionData / optopsy EOD, Cboe DataShop EOD, OptionsDX `*_eod_*.txt` | [`ChainRows`] |
//! | [`adjust`] | Lean split/dividend factor files, applied to [`BarSeries`] | [`BarSeries`] |
//!
//! **Input.** Every file-reading adapter takes a path: gzip is decompressed (recognised
//! by its magic bytes; a `.gz` name that is not gzip is an error), a UTF-8 BOM is
//! dropped, CRLF and LF both work, and columns are found by name (case, spaces, `_`,
//! `-` and `[`brackets`]` ignored), in any order.
//!
//! **Nothing is dropped silently.** Every adapter returns a [`Parsed`]: the data, and a
//! [`Reject`] for every row that could not be turned into a record, naming the file,
//! the line, the field and the bad value, and keeping the row itself. The counts
//! satisfy `rows_read == rows_ok + rejects.len()`. What makes a *file* unusable (it
//! cannot be opened, a required column is missing, the header or preamble is
//! unreadable, there are no rows) is an `Err(DataError)` naming the file, line and
//! column. No input makes an adapter panic.
//!
//! ```no_run
//! use thetalab_data::ingest::{self, Format};
//!
//! let path = std::path::Path::new("quotedata.csv");
//! let format = ingest::detect(path)?.unwrap_or(Format::Cboe(Default::default()));
//! match ingest::ingest(path, &format)? {
//!     ingest::Ingested::Chains(p) => println!("{} quotes, {} rejects", p.rows_ok, p.rejects.len()),
//!     ingest::Ingested::Bars(p) => println!("{} series", p.data.len()),
//! }
//! # Ok::<(), thetalab_data::DataError>(())
//! ```

pub mod adjust;
pub mod alpaca_json;
pub mod cboe;
pub mod chain_csv;
pub mod csv_map;
mod input;
pub mod optionsdx;
pub mod yahoo;

use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;
use std::path::{Path, PathBuf};

pub use csv_map::ColumnMap;

use crate::DataError;
use crate::schema::{BarSeries, ChainRows, OptionQuote};

/// What an adapter read: the records, and every row it could not use.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    /// The records.
    pub data: T,
    /// Rows that could not be parsed, verbatim, with the reason.
    pub rejects: Vec<Reject>,
    /// Data rows read (header and preamble lines excluded; blank lines skipped).
    pub rows_read: u64,
    /// Rows turned into records (`rows_read - rejects.len()`).
    pub rows_ok: u64,
}

impl<T> Parsed<T> {
    /// The same counts and rejects around other data.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Parsed<U> {
        Parsed {
            data: f(self.data),
            rejects: self.rejects,
            rows_read: self.rows_read,
            rows_ok: self.rows_ok,
        }
    }

    /// True when every row read became a record.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.rejects.is_empty()
    }
}

/// One input row that could not be turned into a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// The file it came from.
    pub file: PathBuf,
    /// 1-based line where the row starts (for JSON, the line where the record starts).
    pub line: u64,
    /// The field at fault, as the file names it (`None` when the row as a whole is).
    pub field: Option<String>,
    /// What is wrong, with the offending value.
    pub reason: String,
    /// The row as read: for CSV its fields re-joined with `,` (quoted where needed),
    /// for JSON the record's text.
    pub raw: String,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)?;
        if let Some(field) = &self.field {
            write!(f, " field {field:?}")?;
        }
        write!(f, ": {} [{}]", self.reason, self.raw)
    }
}

/// Collects quotes into one [`ChainRows`] per (underlying, root) without allocating
/// per row when consecutive rows share the key (the usual case).
#[derive(Default)]
pub(crate) struct ChainGrouper {
    groups: Vec<ChainRows>,
    index: HashMap<(String, Option<String>), usize>,
    last: Option<usize>,
}

impl ChainGrouper {
    pub(crate) fn push(&mut self, underlying: &str, root: Option<&str>, q: OptionQuote) {
        if let Some(i) = self.last
            && self.groups[i].underlying == underlying
            && self.groups[i].root.as_deref() == root
        {
            self.groups[i].rows.push(q);
            return;
        }
        let key = (underlying.to_string(), root.map(str::to_string));
        let i = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                self.groups.push(ChainRows {
                    underlying: key.0.clone(),
                    root: key.1.clone(),
                    rows: Vec::new(),
                });
                self.index.insert(key, self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        self.last = Some(i);
        self.groups[i].rows.push(q);
    }

    pub(crate) fn finish(self) -> Vec<ChainRows> {
        let mut g = self.groups;
        g.sort_by(|a, b| (&a.underlying, &a.root).cmp(&(&b.underlying, &b.root)));
        g
    }
}

/// Puts bars in time order (stable; only when a file was not already in order).
pub(crate) fn sort_series(series: &mut [BarSeries]) {
    for s in series {
        if !s.bars.is_sorted_by_key(|b| b.ts) {
            s.bars.sort_by_key(|b| b.ts);
        }
    }
}

/// The formats [`ingest`] reads, with each adapter's options.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Format {
    /// Any bar CSV described by a column map.
    GenericCsv(Box<ColumnMap>),
    /// Yahoo Finance daily CSV.
    Yahoo(yahoo::YahooOptions),
    /// Alpaca bars REST response saved as JSON.
    AlpacaJson,
    /// The long chain CSV of [`OptionQuote`](crate::OptionQuote).
    Chains,
    /// Cboe delayed-quote `quotedata.csv`.
    Cboe(cboe::CboeOptions),
    /// HistoricalOptionData / Cboe DataShop / OptionsDX EOD chains.
    OptionsDx(optionsdx::OptionsDxOptions),
}

/// What [`ingest`] produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Ingested {
    /// Bars, one series per symbol.
    Bars(Parsed<Vec<BarSeries>>),
    /// Option quotes, one group per underlying and root.
    Chains(Parsed<Vec<ChainRows>>),
}

/// Reads `path` in `format`.
pub fn ingest(path: &Path, format: &Format) -> Result<Ingested, DataError> {
    Ok(match format {
        Format::GenericCsv(map) => Ingested::Bars(csv_map::read(path, map)?),
        Format::Yahoo(o) => Ingested::Bars(yahoo::read(path, o)?),
        Format::AlpacaJson => Ingested::Bars(alpaca_json::read(path)?.map(|b| b.series)),
        Format::Chains => Ingested::Chains(chain_csv::read(path)?),
        Format::Cboe(o) => Ingested::Chains(cboe::read(path, o)?.map(|s| s.chains)),
        Format::OptionsDx(o) => Ingested::Chains(optionsdx::read(path, o)?.map(|c| c.chains)),
    })
}

/// Guesses the format of `path` from its first lines, with default options; `None`
/// when no heuristic is sure (use [`Format::GenericCsv`] with a column map then).
///
/// Rules, in order: JSON object → Alpaca; an `Expiration Date,Calls,…` header within
/// the first six lines → Cboe; a header with OptionsDX / DataShop / HistoricalOptionData
/// columns → OptionsDx; `ts, underlying, expiry, strike, right` → Chains;
/// `date, open, high, low, close` (with `Adj Close` or not) → Yahoo.
pub fn detect(path: &Path) -> Result<Option<Format>, DataError> {
    let mut input = input::open(path)?;
    let mut lines = Vec::new();
    let mut buf = Vec::new();
    for _ in 0..6 {
        buf.clear();
        let n = input
            .read_until(b'\n', &mut buf)
            .map_err(|e| input::io_error(path, e))?;
        if n == 0 {
            break;
        }
        lines.push(String::from_utf8_lossy(&buf).trim_end().to_string());
    }
    let first = lines
        .iter()
        .find(|l| !l.trim().is_empty())
        .cloned()
        .unwrap_or_default();
    if first.trim_start().starts_with('{') {
        return Ok(Some(Format::AlpacaJson));
    }
    if lines.iter().any(|l| l.starts_with("Expiration Date,Calls")) {
        return Ok(Some(Format::Cboe(cboe::CboeOptions::default())));
    }
    let names: Vec<String> = first.split(',').map(input::norm).collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    if optionsdx::Layout::detect_names(&names).is_some() {
        return Ok(Some(Format::OptionsDx(
            optionsdx::OptionsDxOptions::default(),
        )));
    }
    if has("ts")
        && has("underlying")
        && (has("expiry") || has("expiration"))
        && has("strike")
        && has("right")
    {
        return Ok(Some(Format::Chains));
    }
    if has("date") && has("open") && has("high") && has("low") && has("close") {
        return Ok(Some(Format::Yahoo(yahoo::YahooOptions::default())));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_display_names_everything() {
        let r = Reject {
            file: PathBuf::from("a.csv"),
            line: 7,
            field: Some("Close".into()),
            reason: "\"x\" is not a number".into(),
            raw: "2024-01-02,x".into(),
        };
        assert_eq!(
            r.to_string(),
            "a.csv:7 field \"Close\": \"x\" is not a number [2024-01-02,x]"
        );
    }
}
