//! Yahoo Finance daily CSV: `Date,Open,High,Low,Close,Adj Close,Volume`.
//!
//! - Dates are `YYYY-MM-DD` or US `M/D/YYYY` (as in arch's `sp500.csv`); each bar is
//!   stamped 00:00 New York of its date (the schema's daily convention).
//! - Yahoo writes `null` in every field of a day it has no data for: such rows are
//!   rejects (field and value named), never zeros.
//! - `Adj Close` and `Volume` are optional columns (an unnamed first column is taken as
//!   the date, as in files written by pandas). A `Symbol`, `Ticker` or `root` column,
//!   when present, splits the file into one series per symbol (stacked downloads such
//!   as bokeh's `stocks.csv`); otherwise the symbol is [`YahooOptions::symbol`] or
//!   comes from the file name (`spy_daily.csv` → `SPY`).
//! - [`YahooOptions::adjust`]: back-adjust open, high, low and close by the ratio
//!   `Adj Close / Close` of each day, which is how Yahoo folds dividends (and splits)
//!   into `Adj Close`. Volume is left as given: Yahoo's volume is already split-adjusted
//!   and dividends do not change share counts.

use std::collections::HashMap;
use std::path::Path;

use csv::ByteRecord;

use super::input::{self, Col, FieldError, at, text};
use super::{Parsed, sort_series};
use crate::DataError;
use crate::schema::{Bar, BarSeries};

/// Options of the Yahoo adapter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YahooOptions {
    /// Symbol of the series when the file has no symbol column (default: from the
    /// file name).
    pub symbol: Option<String>,
    /// Back-adjust OHLC with `Adj Close / Close` (needs the `Adj Close` column).
    pub adjust: bool,
}

struct Cols {
    date: Col,
    open: Col,
    high: Col,
    low: Col,
    close: Col,
    adj: Option<Col>,
    volume: Option<Col>,
    symbol: Option<Col>,
}

/// Reads a Yahoo daily CSV.
pub fn read(path: &Path, opts: &YahooOptions) -> Result<Parsed<Vec<BarSeries>>, DataError> {
    read_from(input::open(path)?, path, opts)
}

/// Like [`read`], from any reader (`name` stands for the file in errors and, without
/// [`YahooOptions::symbol`], gives the symbol).
pub fn read_from<R: std::io::Read>(
    reader: R,
    name: &Path,
    opts: &YahooOptions,
) -> Result<Parsed<Vec<BarSeries>>, DataError> {
    let mut rdr = input::csv_reader(input::wrap(reader, name)?, b',');
    let h = input::read_header(&mut rdr, name, 0)?;
    let adj = h.find(&["adjclose", "adjustedclose"]);
    if opts.adjust && adj.is_none() {
        h.require(name, &["adjclose", "adjustedclose"])?;
    }
    let cols = Cols {
        date: h.require(name, &["date", "datetime", ""])?,
        open: h.require(name, &["open"])?,
        high: h.require(name, &["high"])?,
        low: h.require(name, &["low"])?,
        close: h.require(name, &["close"])?,
        adj: adj.filter(|_| opts.adjust),
        volume: h.find(&["volume"]),
        symbol: h.find(&["symbol", "ticker", "root"]),
    };
    let fixed = opts
        .symbol
        .clone()
        .or_else(|| input::symbol_from_path(name))
        .unwrap_or_default();
    let mut series: Vec<BarSeries> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out = Parsed {
        data: Vec::new(),
        rejects: Vec::new(),
        rows_read: 0,
        rows_ok: 0,
    };
    let mut rec = ByteRecord::new();
    while input::next_record(&mut rdr, &mut rec, name)? {
        out.rows_read += 1;
        match row(&rec, &cols) {
            Ok((sym, bar)) => {
                let sym = sym.unwrap_or(&fixed);
                let i = match index.get(sym) {
                    Some(&i) => i,
                    None => {
                        series.push(BarSeries {
                            symbol: sym.to_string(),
                            bars: Vec::new(),
                        });
                        index.insert(sym.to_string(), series.len() - 1);
                        series.len() - 1
                    }
                };
                series[i].bars.push(bar);
                out.rows_ok += 1;
            }
            Err(e) => out
                .rejects
                .push(e.into_reject(name, input::line_of(&rec, 0), &rec)),
        }
    }
    if out.rows_read == 0 {
        return Err(DataError::NoRows {
            file: name.to_path_buf(),
        });
    }
    sort_series(&mut series);
    series.sort_by(|a, b| a.symbol.cmp(&b.symbol));
    out.data = series;
    Ok(out)
}

fn row<'r>(rec: &'r ByteRecord, c: &Cols) -> Result<(Option<&'r str>, Bar), FieldError> {
    let d = at(&c.date, input::date(text(rec, &c.date)?))?;
    let ts = at(&c.date, input::ny_midnight(d))?;
    let f = |col: &Col| -> Result<f64, FieldError> { at(col, input::num(text(rec, col)?)) };
    let (mut open, mut high, mut low, mut close) =
        (f(&c.open)?, f(&c.high)?, f(&c.low)?, f(&c.close)?);
    let volume = match &c.volume {
        Some(col) => at(col, input::count(text(rec, col)?).map(|v| v as f64))?,
        None => 0.0,
    };
    if let Some(col) = &c.adj {
        let adj = f(col)?;
        if close <= 0.0 {
            return Err(FieldError::new(
                &c.close.name,
                format!("close {close} cannot carry an adjustment ratio"),
            ));
        }
        let ratio = adj / close;
        open *= ratio;
        high *= ratio;
        low *= ratio;
        close = adj;
    }
    let sym = match &c.symbol {
        Some(col) => Some(text(rec, col)?).filter(|s| !s.is_empty()),
        None => None,
    };
    if c.symbol.is_some() && sym.is_none() {
        return Err(FieldError::row("empty symbol"));
    }
    Ok((
        sym,
        Bar {
            ts,
            open,
            high,
            low,
            close,
            volume,
            vwap: None,
            trade_count: None,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_are_rejects_and_dates_both_ways() {
        let csv = "Date,Open,High,Low,Close,Adj Close,Volume\r\n\
                   1/4/1999,10,11,9,10.5,5.25,100\r\n\
                   2020-04-01,null,null,null,null,null,null\r\n\
                   2020-04-02,10,11,9,10,9,1000\r\n";
        let p = read_from(
            csv.as_bytes(),
            Path::new("x/spy.csv"),
            &YahooOptions::default(),
        )
        .unwrap();
        assert_eq!((p.rows_read, p.rows_ok), (3, 2));
        assert_eq!(p.rejects[0].line, 3);
        assert_eq!(p.rejects[0].field.as_deref(), Some("Open"));
        assert!(p.rejects[0].reason.contains("null"));
        assert_eq!(p.data[0].symbol, "SPY");
        assert_eq!(p.data[0].bars[0].ts.to_string(), "1999-01-04T05:00:00Z");
        assert_eq!(p.data[0].bars[1].ts.to_string(), "2020-04-02T04:00:00Z");

        let o = YahooOptions {
            symbol: Some("X".into()),
            adjust: true,
        };
        let p = read_from(csv.as_bytes(), Path::new("y.csv"), &o).unwrap();
        let b = p.data[0].bars[0];
        assert_eq!((b.open, b.high, b.low, b.close), (5.0, 5.5, 4.5, 5.25));
        assert_eq!(b.volume, 100.0);
    }

    #[test]
    fn adjust_needs_adj_close() {
        let csv = "Date,Open,High,Low,Close,Volume\n2020-04-02,10,11,9,10,1000\n";
        let o = YahooOptions {
            symbol: None,
            adjust: true,
        };
        let e = read_from(csv.as_bytes(), Path::new("y.csv"), &o).unwrap_err();
        assert!(matches!(e, DataError::MissingColumn { .. }), "{e}");
    }
}
