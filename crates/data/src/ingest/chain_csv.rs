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

use std::collections::BTreeMap;
use std::path::Path;

use csv::ByteRecord;
use thetalab_core::Timestamp;

use super::input::{self, ChunkParser, Chunking, Col, DateCache, FieldError, at, text};
use super::{ChainGrouper, Parsed, Reject};
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
    read_chunked(reader, name, Chunking::DEFAULT)
}

/// [`read_from`] with the input cut as `chunking` says (tests use tiny pieces).
fn read_chunked<R: std::io::Read>(
    reader: R,
    name: &Path,
    chunking: Chunking,
) -> Result<Parsed<Vec<ChainRows>>, DataError> {
    let pieces = input::read_chunked(input::wrap(reader, name)?, name, b',', chunking, |h| {
        Ok(Cols {
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
        })
    })?;
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
    // The pieces' groups, joined in file order; the map orders them by (underlying,
    // root) as `ChainGrouper::finish` does.
    let mut groups: BTreeMap<(&str, Option<&str>), Vec<&[OptionQuote]>> = BTreeMap::new();
    for p in &pieces {
        for g in &p.groups {
            groups
                .entry((&g.underlying, g.root.as_deref()))
                .or_default()
                .push(&g.rows);
        }
    }
    out.data = groups
        .into_iter()
        .map(|((underlying, root), parts)| ChainRows {
            underlying: underlying.to_string(),
            root: root.map(str::to_string),
            rows: input::concat(&parts),
        })
        .collect();
    for p in pieces {
        out.rejects.extend(p.rejects);
    }
    Ok(out)
}

/// What one piece of the file yields.
struct Piece {
    groups: Vec<ChainRows>,
    rejects: Vec<Reject>,
    rows_read: u64,
    rows_ok: u64,
}

impl ChunkParser for Cols {
    type Out = Piece;

    fn parse<R: std::io::Read>(
        &self,
        rdr: &mut csv::Reader<R>,
        name: &Path,
        lines: u64,
    ) -> Result<Piece, DataError> {
        let mut groups = ChainGrouper::default();
        let mut out = Piece {
            groups: Vec::new(),
            rejects: Vec::new(),
            rows_read: 0,
            rows_ok: 0,
        };
        let mut expiries = DateCache::default();
        let mut rec = ByteRecord::new();
        while input::next_record(rdr, &mut rec, name)? {
            out.rows_read += 1;
            match row(&rec, self, &mut expiries) {
                Ok((und, root, q)) => {
                    groups.push(und, root, q);
                    out.rows_ok += 1;
                }
                Err(e) => out
                    .rejects
                    .push(e.into_reject(name, input::line_of(&rec, lines), &rec)),
            }
        }
        out.groups = groups.finish();
        Ok(out)
    }

    fn shift_lines(out: &mut Piece, lines: u64) {
        for r in &mut out.rejects {
            r.line += lines;
        }
    }
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

/// Column `col` of `rec` as [`ts`] reads it; integer nanoseconds without UTF-8 checks.
#[inline]
fn ts_at(rec: &ByteRecord, col: &Col) -> Result<Timestamp, FieldError> {
    // 18 digits always fit in an i64.
    let b = input::bytes(rec, col)?;
    if b.len() <= 18
        && let Some(v) = input::fast_u64(b)
    {
        return Ok(Timestamp::from_nanos(v as i64));
    }
    at(col, ts(text(rec, col)?))
}

fn row<'r>(
    rec: &'r ByteRecord,
    c: &Cols,
    expiries: &mut DateCache,
) -> Result<(&'r str, Option<&'r str>, OptionQuote), FieldError> {
    let opt_f = |col: &Option<Col>| -> Result<Option<f64>, FieldError> {
        match col {
            Some(col) => input::opt_num_at(rec, col),
            None => Ok(None),
        }
    };
    let opt_n = |col: &Option<Col>| -> Result<Option<u64>, FieldError> {
        match col {
            Some(col) => input::opt_count_at(rec, col),
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
    let strike = input::num_at(rec, &c.strike)?;
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
        ts: ts_at(rec, &c.ts)?,
        underlying_price: opt_f(&c.underlying_price)?,
        expiry: expiries.date_at(rec, &c.expiry)?,
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

    /// Awkward text: blank lines (also where pieces start), CRLF and whitespace-only
    /// lines, padded fields, short and bad rows, two underlyings interleaved, no final
    /// line break.
    const AWKWARD: &str = "\n\nts,underlying,underlying_price,expiry,strike,right,bid,ask,bid_size,ask_size,volume,open_interest,iv\n\
        1705678200000000000,SPX,4780.25,2024-01-19,4780,C,3.10,3.30,25,31,10234,5120,0.112\n\
        \n\n\
        1705678200000000000, SPX ,4780.25, 2024-01-19 ,4785,P,3.1,3.3,25,31,1,2,0.1\r\n\
        \r\n\
        1705678200000000000,NDX,17000,2024-01-19,17000,C,1,2,,,,,\n\
        \t \n\
        1705678260000000000,SPX,4780.5,2024-01-19,-5,C,1,2,,,,,\n\
        1705678260000000000,SPX,4780.5,2024-01-19,4790\n\
        ,,,,,,,,,,,,\n\
        1705678260000000000,SPX,4780.5,2024-13-19,4790,C,1,2,,,,,\n\
        \n\
        1705678260000000000,NDX,17001,2024-01-19,17000,P,1e0,2.50000000000000001,7,8,9,10,0.2\n\
        2024-01-19T15:31:00Z,SPX,4780.5,2024-01-19,4790,put,0.05,0.10,1,2,3,4,\n\
        \n\
        1705678260000000000,SPX,4780.5,2024-01-19,4795,c,x,0.10,1,2,3,4,\n\
        1705678320000000000,SPX,4781,2024-01-22,4800,C,1.5,1.6,99999999999,2,3,4,0.3";

    #[test]
    fn pieces_read_exactly_as_one_reader() {
        let serial =
            read_chunked(AWKWARD.as_bytes(), Path::new("c.csv"), Chunking::SERIAL).unwrap();
        assert_eq!((serial.rows_read, serial.rows_ok), (11, 5), "{serial:#?}");
        assert_eq!(serial.data.len(), 2);
        assert_eq!(serial.rejects[0].line, 11);
        assert_eq!(serial.rejects[0].field.as_deref(), Some("strike"));
        for block in [1, 2, 3, 5, 8, 13, 40, 97, 200, 1 << 20] {
            for min_piece in [1, 7, 64, 1 << 20] {
                let p = read_chunked(
                    AWKWARD.as_bytes(),
                    Path::new("c.csv"),
                    Chunking { block, min_piece },
                )
                .unwrap();
                assert_eq!(p, serial, "block {block}, min_piece {min_piece}");
            }
        }
        // A quote anywhere sends the rest to one reader, with the same line numbers.
        let quoted = AWKWARD.replace(
            ",SPX,4780.5,2024-01-19,4790,put",
            ",\"SPX\",4780.5,2024-01-19,4790,put",
        );
        let q = read_chunked(
            quoted.as_bytes(),
            Path::new("c.csv"),
            Chunking {
                block: 64,
                min_piece: 1,
            },
        )
        .unwrap();
        let s = read_chunked(quoted.as_bytes(), Path::new("c.csv"), Chunking::SERIAL).unwrap();
        assert_eq!(q, s);
        assert_eq!(q.rejects, serial.rejects);
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
