//! The long chain CSV documented on [`OptionQuote`]: one row per contract per time,
//! columns found by name in any order.
//!
//! Required: `ts`, `underlying`, `expiry` (or `expiration`), `strike`, `right`.
//! Optional: `underlying_price`, `bid`, `ask`, `bid_size`, `ask_size`, `last`,
//! `volume`, `open_interest`, `iv`, `delta`, `gamma`, `vega`, `theta`, and `root`
//! (the option root, e.g. `SPXW`). An empty cell is `None` (volume: 0); an absent
//! column is the same as an empty one. `ts` is RFC 3339 or integer nanoseconds since
//! the epoch. Bid and ask are taken exactly as written (an explicit `0` stays 0).
//! Output: one [`ChainRows`] per underlying (and root, when a `root` column exists).

use std::path::Path;

use csv::ByteRecord;
use thetalab_core::Timestamp;

use super::input::{self, Col, FieldError, at, text};
use super::{ChainGrouper, Parsed};
use crate::DataError;
use crate::schema::{ChainRows, OptionQuote};

struct Cols {
    ts: Col,
    underlying: Col,
    expiry: Col,
    strike: Col,
    right: Col,
    underlying_price: Option<Col>,
    bid: Option<Col>,
    ask: Option<Col>,
    bid_size: Option<Col>,
    ask_size: Option<Col>,
    last: Option<Col>,
    volume: Option<Col>,
    open_interest: Option<Col>,
    iv: Option<Col>,
    delta: Option<Col>,
    gamma: Option<Col>,
    vega: Option<Col>,
    theta: Option<Col>,
    root: Option<Col>,
}

/// Reads a long chain CSV.
pub fn read(path: &Path) -> Result<Parsed<Vec<ChainRows>>, DataError> {
    read_from(input::open(path)?, path)
}

/// Like [`read`], from any reader (`name` stands for the file in errors).
pub fn read_from<R: std::io::Read>(
    reader: R,
    name: &Path,
) -> Result<Parsed<Vec<ChainRows>>, DataError> {
    let mut rdr = input::csv_reader(input::wrap(reader, name)?, b',');
    let h = input::read_header(&mut rdr, name, 0)?;
    let cols = Cols {
        ts: h.require(name, &["ts", "timestamp"])?,
        underlying: h.require(name, &["underlying"])?,
        expiry: h.require(name, &["expiry", "expiration"])?,
        strike: h.require(name, &["strike"])?,
        right: h.require(name, &["right", "optiontype", "type"])?,
        underlying_price: h.find(&["underlyingprice"]),
        bid: h.find(&["bid"]),
        ask: h.find(&["ask"]),
        bid_size: h.find(&["bidsize"]),
        ask_size: h.find(&["asksize"]),
        last: h.find(&["last"]),
        volume: h.find(&["volume"]),
        open_interest: h.find(&["openinterest"]),
        iv: h.find(&["iv", "impliedvolatility"]),
        delta: h.find(&["delta"]),
        gamma: h.find(&["gamma"]),
        vega: h.find(&["vega"]),
        theta: h.find(&["theta"]),
        root: h.find(&["root", "optionroot"]),
    };
    let mut groups = ChainGrouper::default();
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
            Ok((und, root, q)) => {
                groups.push(und, root, q);
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
    out.data = groups.finish();
    Ok(out)
}

/// RFC 3339, or integer nanoseconds since the epoch.
fn ts(s: &str) -> Result<Timestamp, String> {
    let b = s.as_bytes();
    if !b.is_empty()
        && b.iter()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || (i == 0 && *c == b'-'))
    {
        return s
            .parse::<i64>()
            .map(Timestamp::from_nanos)
            .map_err(|_| format!("{s:?} is out of the i64 nanosecond range"));
    }
    Timestamp::parse_rfc3339(s).map_err(|e| e.to_string())
}

fn row<'r>(
    rec: &'r ByteRecord,
    c: &Cols,
) -> Result<(&'r str, Option<&'r str>, OptionQuote), FieldError> {
    let opt_f = |col: &Option<Col>| -> Result<Option<f64>, FieldError> {
        match col {
            Some(col) => at(col, input::opt_num(text(rec, col)?)),
            None => Ok(None),
        }
    };
    let opt_n = |col: &Option<Col>| -> Result<Option<u64>, FieldError> {
        match col {
            Some(col) => at(col, input::opt_count(text(rec, col)?)),
            None => Ok(None),
        }
    };
    let size = |col: &Option<Col>| -> Result<Option<u32>, FieldError> {
        match (opt_n(col)?, col) {
            (Some(v), Some(col)) => u32::try_from(v)
                .map(Some)
                .map_err(|_| FieldError::new(&col.name, format!("size {v} is too large"))),
            _ => Ok(None),
        }
    };
    let underlying = text(rec, &c.underlying)?;
    if underlying.is_empty() {
        return Err(FieldError::new(&c.underlying.name, "empty"));
    }
    let strike = at(&c.strike, input::num(text(rec, &c.strike)?))?;
    if strike <= 0.0 {
        return Err(FieldError::new(
            &c.strike.name,
            format!("strike {strike} is not positive"),
        ));
    }
    let root = match &c.root {
        Some(col) => Some(text(rec, col)?).filter(|s| !s.is_empty()),
        None => None,
    };
    let q = OptionQuote {
        ts: at(&c.ts, ts(text(rec, &c.ts)?))?,
        underlying_price: opt_f(&c.underlying_price)?,
        expiry: at(&c.expiry, input::date(text(rec, &c.expiry)?))?,
        strike,
        right: at(&c.right, input::right(text(rec, &c.right)?))?,
        bid: opt_f(&c.bid)?,
        ask: opt_f(&c.ask)?,
        bid_size: size(&c.bid_size)?,
        ask_size: size(&c.ask_size)?,
        last: opt_f(&c.last)?,
        volume: opt_n(&c.volume)?.unwrap_or(0),
        open_interest: opt_n(&c.open_interest)?,
        iv: opt_f(&c.iv)?,
        delta: opt_f(&c.delta)?,
        gamma: opt_f(&c.gamma)?,
        vega: opt_f(&c.vega)?,
        theta: opt_f(&c.theta)?,
    };
    Ok((underlying, root, q))
}

#[cfg(test)]
mod tests {
    use super::*;
    use thetalab_core::OptionRight;

    #[test]
    fn documented_example_and_variants() {
        let csv = "ts,underlying,underlying_price,expiry,strike,right,bid,ask,bid_size,ask_size,volume,open_interest,iv,delta,gamma,vega,theta\n\
                   2024-01-19T15:30:00Z,SPX,4780.25,2024-01-19,4780,C,3.10,3.30,25,31,10234,5120,0.112,0.51,0.0123,0.61,-45.2\n\
                   1705678200000000000,SPX,,2024-01-19,4780,put,,0.05,,,,,,,,,\n\
                   2024-01-19T15:30:00Z,SPX,4780.25,2024-01-19,4780,X,3.10,3.30,25,31,10234,5120,,,,,\n";
        let p = read_from(csv.as_bytes(), Path::new("c.csv")).unwrap();
        assert_eq!((p.rows_read, p.rows_ok), (3, 2));
        assert_eq!(p.rejects[0].field.as_deref(), Some("right"));
        assert_eq!(p.rejects[0].line, 4);
        let rows = &p.data[0].rows;
        assert_eq!(rows[0].ts, rows[1].ts);
        assert_eq!(rows[0].iv, Some(0.112));
        assert_eq!(rows[0].bid_size, Some(25));
        assert_eq!(rows[1].right, OptionRight::Put);
        assert_eq!(
            (
                rows[1].bid,
                rows[1].ask,
                rows[1].volume,
                rows[1].open_interest
            ),
            (None, Some(0.05), 0, None)
        );
    }

    #[test]
    fn any_column_order_and_missing_required() {
        let csv = "right,strike,expiry,underlying,ts,root\nC,100,2024-02-16,AAPL,2024-01-02T21:00:00Z,AAPL\n";
        let p = read_from(csv.as_bytes(), Path::new("c.csv")).unwrap();
        assert_eq!(p.data[0].root.as_deref(), Some("AAPL"));
        let e = read_from(
            "ts,underlying,expiry,strike\n".as_bytes(),
            Path::new("c.csv"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("right"), "{e}");
    }
}
