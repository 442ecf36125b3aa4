//! Split and dividend adjustment from a factor table (QuantConnect Lean factor files).
//!
//! A factor file row `symbol,date,price_factor,split_factor,reference_price` says: bars
//! dated **on or before** `date` (and after the previous row's date) are adjusted by
//! multiplying prices by `price_factor × split_factor`. So for a bar of date `d` the
//! factors are those of the first row dated on or after `d`; bars after the last row
//! are left as they are (Lean ends each file with a far-future row of 1s). `price_factor`
//! folds in cash dividends, `split_factor` splits: AAPL's row `2014-06-06 …,0.0357143`
//! (1/28) covers the bars before the 7:1 split of 2014-06-09 and the 4:1 split of
//! 2020-08-31.
//!
//! [`adjust`] multiplies open, high, low, close and VWAP by the factor and divides
//! volume by the split factor only (dividends do not change share counts).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use csv::ByteRecord;

use super::Parsed;
use super::input::{self, FieldError, at, text};
use crate::DataError;
use crate::schema::BarSeries;

/// One row of a factor file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FactorRow {
    /// Last date the factors apply to.
    pub date: NaiveDate,
    /// Cumulative dividend factor.
    pub price_factor: f64,
    /// Cumulative split factor.
    pub split_factor: f64,
    /// The raw close the factors were computed from (informational).
    pub reference_price: f64,
}

/// Factor rows by symbol, each in date order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactorTable {
    by_symbol: BTreeMap<String, Vec<FactorRow>>,
}

/// What to adjust for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Adjustment {
    /// Splits only (`split_factor`).
    Splits,
    /// Splits and dividends (`price_factor × split_factor`), Lean's "adjusted" mode.
    #[default]
    SplitsAndDividends,
}

impl FactorTable {
    /// Reads a factor CSV with a `symbol,date,price_factor,split_factor,
    /// reference_price` header (dates `YYYY-MM-DD` or `YYYYMMDD`).
    pub fn read(path: &Path) -> Result<Parsed<FactorTable>, DataError> {
        Self::read_from(input::open(path)?, path)
    }

    /// Like [`read`](Self::read), from any reader.
    pub fn read_from<R: std::io::Read>(
        reader: R,
        name: &Path,
    ) -> Result<Parsed<FactorTable>, DataError> {
        let mut rdr = input::csv_reader(input::wrap(reader, name)?, b',');
        let h = input::read_header(&mut rdr, name, 0)?;
        let (sym, date, pf, sf, rp) = (
            h.require(name, &["symbol"])?,
            h.require(name, &["date"])?,
            h.require(name, &["pricefactor"])?,
            h.require(name, &["splitfactor"])?,
            h.find(&["referenceprice"]),
        );
        let mut out = Parsed {
            data: FactorTable::default(),
            rejects: Vec::new(),
            rows_read: 0,
            rows_ok: 0,
        };
        let mut rec = ByteRecord::new();
        while input::next_record(&mut rdr, &mut rec, name)? {
            out.rows_read += 1;
            let row = (|| -> Result<(&str, FactorRow), FieldError> {
                let s = text(&rec, &sym)?;
                if s.is_empty() {
                    return Err(FieldError::new(&sym.name, "empty"));
                }
                let d = text(&rec, &date)?;
                let d = if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) {
                    NaiveDate::parse_from_str(d, "%Y%m%d")
                        .map_err(|_| format!("{d:?} is not a date"))
                } else {
                    input::date(d)
                };
                let positive = |c: &input::Col| -> Result<f64, FieldError> {
                    let v = at(c, input::num(text(&rec, c)?))?;
                    if v > 0.0 {
                        Ok(v)
                    } else {
                        Err(FieldError::new(
                            &c.name,
                            format!("factor {v} is not positive"),
                        ))
                    }
                };
                Ok((
                    s,
                    FactorRow {
                        date: at(&date, d)?,
                        price_factor: positive(&pf)?,
                        split_factor: positive(&sf)?,
                        reference_price: match &rp {
                            Some(c) => at(c, input::opt_num(text(&rec, c)?))?.unwrap_or(0.0),
                            None => 0.0,
                        },
                    },
                ))
            })();
            match row {
                Ok((s, r)) => {
                    match out.data.by_symbol.get_mut(s) {
                        Some(v) => v.push(r),
                        None => {
                            out.data.by_symbol.insert(s.to_string(), vec![r]);
                        }
                    }
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
        for v in out.data.by_symbol.values_mut() {
            v.sort_by_key(|r| r.date);
        }
        Ok(out)
    }

    /// The symbols with factors.
    pub fn symbols(&self) -> impl Iterator<Item = &str> {
        self.by_symbol.keys().map(String::as_str)
    }

    /// The factor rows of `symbol`, in date order.
    #[must_use]
    pub fn rows(&self, symbol: &str) -> Option<&[FactorRow]> {
        self.by_symbol.get(symbol).map(Vec::as_slice)
    }

    /// Adjusts `series` with its symbol's factors (`None` when the table has none).
    #[must_use]
    pub fn adjust(&self, series: &BarSeries, how: Adjustment) -> Option<BarSeries> {
        self.rows(&series.symbol)
            .map(|rows| adjust(series, rows, how))
    }
}

/// `(price multiplier, split factor)` for a bar of date `d`: the first row dated on or
/// after `d`, or (1, 1) after the last row.
#[must_use]
pub fn factors_on(rows: &[FactorRow], d: NaiveDate, how: Adjustment) -> (f64, f64) {
    let i = rows.partition_point(|r| r.date < d);
    match rows.get(i) {
        Some(r) => match how {
            Adjustment::Splits => (r.split_factor, r.split_factor),
            Adjustment::SplitsAndDividends => (r.price_factor * r.split_factor, r.split_factor),
        },
        None => (1.0, 1.0),
    }
}

/// An adjusted copy of `series` (`rows` in date order, as [`FactorTable`] keeps them).
/// A bar's date is its New York date.
#[must_use]
pub fn adjust(series: &BarSeries, rows: &[FactorRow], how: Adjustment) -> BarSeries {
    let mut out = series.clone();
    for b in &mut out.bars {
        let (m, split) = factors_on(rows, b.ts.ny_date(), how);
        b.open *= m;
        b.high *= m;
        b.low *= m;
        b.close *= m;
        b.vwap = b.vwap.map(|v| v * m);
        b.volume /= split;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_row_on_or_after() {
        let csv = "symbol,date,price_factor,split_factor,reference_price\n\
                   X,2020-01-10,0.9,0.5,10\nX,2050-12-31,1,1,0\nX,2020-01-20,1,1,5\nY,bad,1,1,1\n";
        let p = FactorTable::read_from(csv.as_bytes(), Path::new("f.csv")).unwrap();
        assert_eq!((p.rows_read, p.rows_ok), (4, 3));
        assert_eq!(p.rejects[0].field.as_deref(), Some("date"));
        let rows = p.data.rows("X").unwrap();
        let d = |m, dd| NaiveDate::from_ymd_opt(2020, m, dd).unwrap();
        assert_eq!(
            factors_on(rows, d(1, 10), Adjustment::SplitsAndDividends),
            (0.45, 0.5)
        );
        assert_eq!(
            factors_on(rows, d(1, 11), Adjustment::SplitsAndDividends),
            (1.0, 1.0)
        );
        assert_eq!(factors_on(rows, d(1, 1), Adjustment::Splits), (0.5, 0.5));
    }
}
