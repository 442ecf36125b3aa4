//! What every adapter shares: opening a file (gzip, BOM), reading a CSV header by
//! name, reading fields of a row with errors that name the field, lenient number
//! parsing, and New York / other-zone wall-clock conversion.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

use chrono::{MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use csv::ByteRecord;
use flate2::read::MultiGzDecoder;
use thetalab_core::{OptionRight, Timestamp};

use super::Reject;
use crate::DataError;

/// Buffered, decompressed, BOM-stripped input.
pub(crate) type Input<'a> = Box<dyn BufRead + 'a>;

const BUF: usize = 1 << 16;
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

pub(crate) fn io_error(file: &Path, source: std::io::Error) -> DataError {
    DataError::IngestIo {
        file: file.to_path_buf(),
        source,
    }
}

pub(crate) fn malformed(
    file: &Path,
    line: u64,
    field: Option<&str>,
    reason: impl Into<String>,
) -> DataError {
    DataError::MalformedFile {
        file: file.to_path_buf(),
        line,
        field: field.map(str::to_string),
        reason: reason.into(),
    }
}

/// Opens `path`: gzip (recognised by its magic bytes, whatever the name) is
/// decompressed, including multi-member files; a UTF-8 BOM is dropped.
pub(crate) fn open(path: &Path) -> Result<Input<'static>, DataError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let mut raw = BufReader::with_capacity(BUF, file);
    let gz = raw
        .fill_buf()
        .map_err(|e| io_error(path, e))?
        .starts_with(&[0x1f, 0x8b]);
    let is_gz_name = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    if is_gz_name && !gz {
        return Err(malformed(
            path,
            1,
            None,
            "the name ends in .gz but the file is not gzip",
        ));
    }
    if gz {
        wrap(MultiGzDecoder::new(raw), path)
    } else {
        wrap(raw, path)
    }
}

/// Buffers any reader and drops a leading UTF-8 BOM.
pub(crate) fn wrap<'a, R: Read + 'a>(mut inner: R, name: &Path) -> Result<Input<'a>, DataError> {
    let mut prefix = [0u8; 3];
    let mut n = 0;
    while n < prefix.len() {
        let k = inner
            .read(&mut prefix[n..])
            .map_err(|e| io_error(name, e))?;
        if k == 0 {
            break;
        }
        n += k;
    }
    let skip = if n == 3 && prefix == BOM { 3 } else { 0 };
    let head = Cursor::new(prefix[skip..n].to_vec());
    Ok(Box::new(BufReader::with_capacity(BUF, head.chain(inner))))
}

/// A CSV reader over decoded input: no header handling (adapters read it by name),
/// rows of any length (a short row becomes a reject naming the missing field), fields
/// trimmed of surrounding spaces (OptionsDX writes `, ` between fields).
pub(crate) fn csv_reader<'a>(input: Input<'a>, delimiter: u8) -> csv::Reader<Input<'a>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        // `\n` alone ends a record and the `\r` of CRLF is trimmed with the other
        // whitespace: with the default CRLF terminator csv 1.4 reports every record
        // after the first of a CRLF file one line too early.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(input)
}

/// Reads the next non-blank record; `Ok(false)` at the end. A CSV-level failure
/// (I/O, decompression) is a file-level error.
pub(crate) fn next_record<R: Read>(
    rdr: &mut csv::Reader<R>,
    rec: &mut ByteRecord,
    file: &Path,
) -> Result<bool, DataError> {
    loop {
        let more = rdr.read_byte_record(rec).map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            match e.into_kind() {
                csv::ErrorKind::Io(source) => io_error(file, source),
                other => malformed(file, line, None, format!("{other:?}")),
            }
        })?;
        // A blank line (or a CRLF blank line, whose `\r` was trimmed) is no row.
        if !more || rec.len() != 1 || !rec[0].is_empty() {
            return Ok(more);
        }
    }
}

/// 1-based line where `rec` starts (plus `offset` lines consumed before the CSV
/// reader started).
pub(crate) fn line_of(rec: &ByteRecord, offset: u64) -> u64 {
    rec.position().map_or(0, csv::Position::line) + offset
}

/// Normalises a column name for matching: surrounding spaces, quotes, brackets and a
/// BOM removed, ASCII lower case, spaces, `_` and `-` dropped. `" Adj Close"`,
/// `adj_close` and `[ADJ_CLOSE]` all become `adjclose`.
pub(crate) fn norm(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .trim_matches(|c| c == '[' || c == ']' || c == '"')
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A column located in the header: its index and its name as the file spells it.
#[derive(Debug, Clone)]
pub(crate) struct Col {
    pub idx: usize,
    pub name: String,
}

/// The header row, normalised for lookup by name.
pub(crate) struct Header {
    raw: Vec<String>,
    norm: Vec<String>,
    pub line: u64,
}

impl Header {
    pub(crate) fn new(rec: &ByteRecord, line: u64) -> Header {
        let raw: Vec<String> = rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect();
        let norm = raw.iter().map(|r| norm(r)).collect();
        Header { raw, norm, line }
    }

    /// The normalised column names.
    pub(crate) fn norm_names(&self) -> &[String] {
        &self.norm
    }

    /// The first column whose normalised name is one of `aliases` (already
    /// normalised), trying aliases in order.
    pub(crate) fn find(&self, aliases: &[&str]) -> Option<Col> {
        aliases.iter().find_map(|a| {
            self.norm.iter().position(|n| n == a).map(|idx| Col {
                idx,
                name: self.raw[idx].clone(),
            })
        })
    }

    /// Like [`find`](Self::find), an error naming the column when it is absent.
    pub(crate) fn require(&self, file: &Path, aliases: &[&str]) -> Result<Col, DataError> {
        self.find(aliases).ok_or_else(|| DataError::MissingColumn {
            file: file.to_path_buf(),
            line: self.line,
            column: aliases.join(" | "),
            header: self.raw.join(","),
        })
    }

    /// A column named by the user (exact name after normalisation).
    pub(crate) fn require_named(&self, file: &Path, name: &str) -> Result<Col, DataError> {
        self.require(file, &[norm(name).as_str()])
    }
}

/// Why one field of one row could not be read.
#[derive(Debug, Clone)]
pub(crate) struct FieldError {
    pub field: Option<String>,
    pub reason: String,
}

impl FieldError {
    pub(crate) fn new(field: &str, reason: impl Into<String>) -> FieldError {
        FieldError {
            field: Some(field.to_string()),
            reason: reason.into(),
        }
    }

    /// An error about the row as a whole.
    pub(crate) fn row(reason: impl Into<String>) -> FieldError {
        FieldError {
            field: None,
            reason: reason.into(),
        }
    }

    pub(crate) fn into_reject(self, file: &Path, line: u64, rec: &ByteRecord) -> Reject {
        Reject {
            file: file.to_path_buf(),
            line,
            field: self.field,
            reason: self.reason,
            raw: raw_row(rec),
        }
    }
}

/// The record written back as one CSV line (fields quoted where needed), so that a
/// reject keeps every byte of every field the user gave.
pub(crate) fn raw_row(rec: &ByteRecord) -> String {
    let mut out = String::new();
    for (i, f) in rec.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let s = String::from_utf8_lossy(f);
        if s.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&s.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&s);
        }
    }
    out
}

/// The text of column `col` in `rec` (trimmed by the reader); an error when the row
/// is too short or the bytes are not UTF-8.
pub(crate) fn text<'r>(rec: &'r ByteRecord, col: &Col) -> Result<&'r str, FieldError> {
    let bytes = rec.get(col.idx).ok_or_else(|| {
        FieldError::new(
            &col.name,
            format!(
                "row has {} fields, this column is number {}",
                rec.len(),
                col.idx + 1
            ),
        )
    })?;
    std::str::from_utf8(bytes).map_err(|_| FieldError::new(&col.name, "not UTF-8"))
}

/// A finite number.
pub(crate) fn num(s: &str) -> Result<f64, String> {
    if s.is_empty() {
        return Err("empty".to_string());
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!("{s:?} is not finite")),
        Err(_) if s.eq_ignore_ascii_case("null") => {
            Err("\"null\" (the vendor's missing-value marker)".to_string())
        }
        Err(_) => Err(format!("{s:?} is not a number")),
    }
}

/// A finite number, `None` when empty.
pub(crate) fn opt_num(s: &str) -> Result<Option<f64>, String> {
    if s.is_empty() {
        Ok(None)
    } else {
        num(s).map(Some)
    }
}

/// A non-negative whole count. Thousands separators (`,`, space, no-break and thin
/// spaces, `_`) are allowed, and so is a decimal form of a whole number (`6873.0`).
pub(crate) fn count(s: &str) -> Result<u64, String> {
    if s.is_empty() {
        return Err("empty".to_string());
    }
    if let Ok(v) = s.parse::<u64>() {
        return Ok(v);
    }
    let cleaned: String;
    let t = if s.contains([',', ' ', '\u{a0}', '\u{202f}', '_']) {
        cleaned = s
            .chars()
            .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '\u{202f}' | '_'))
            .collect();
        if let Ok(v) = cleaned.parse::<u64>() {
            return Ok(v);
        }
        cleaned.as_str()
    } else {
        s
    };
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 1.8e19 => Ok(v as u64),
        Ok(v) if v < 0.0 => Err(format!("{s:?} is negative")),
        _ => Err(format!("{s:?} is not a whole non-negative number")),
    }
}

/// A count, `None` when empty.
pub(crate) fn opt_count(s: &str) -> Result<Option<u64>, String> {
    if s.is_empty() {
        Ok(None)
    } else {
        count(s).map(Some)
    }
}

/// Attaches the column name to a value error.
pub(crate) fn at<T>(col: &Col, r: Result<T, String>) -> Result<T, FieldError> {
    r.map_err(|reason| FieldError::new(&col.name, reason))
}

/// `C`, `P`, `call`, `put` in any case.
pub(crate) fn right(s: &str) -> Result<OptionRight, String> {
    match s.as_bytes() {
        [b'c' | b'C'] => Ok(OptionRight::Call),
        [b'p' | b'P'] => Ok(OptionRight::Put),
        _ if s.eq_ignore_ascii_case("call") => Ok(OptionRight::Call),
        _ if s.eq_ignore_ascii_case("put") => Ok(OptionRight::Put),
        _ => Err(format!("{s:?} is not an option right (C, P, call, put)")),
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

/// `YYYY-MM-DD`, or `M/D/YYYY` / `MM/DD/YYYY` (US order), optionally followed by a
/// time-of-day that is ignored when it is midnight (`1/4/2016 0:00:00`, as Cboe
/// DataShop writes dates); any other time is an error.
pub(crate) fn date(s: &str) -> Result<NaiveDate, String> {
    let bad = || format!("{s:?} is not a date (YYYY-MM-DD or M/D/YYYY)");
    let (d, rest) = match s.split_once([' ', 'T']) {
        Some((d, rest)) => (d, Some(rest.trim())),
        None => (s, None),
    };
    if let Some(rest) = rest
        && !rest.is_empty()
        && !matches!(rest, "0:00:00" | "00:00:00" | "0:00" | "00:00")
    {
        return Err(format!(
            "{s:?}: a date was expected, found a time of day other than midnight"
        ));
    }
    let b = d.as_bytes();
    let (y, m, dd) = if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
    } else {
        let mut it = d.split('/');
        let (m, dd, y) = (it.next(), it.next(), it.next());
        if it.next().is_some() {
            return Err(bad());
        }
        match (m, dd, y) {
            (Some(m), Some(dd), Some(y)) if y.len() == 4 && m.len() <= 2 && dd.len() <= 2 => (
                digits(y.as_bytes()),
                digits(m.as_bytes()),
                digits(dd.as_bytes()),
            ),
            _ => return Err(bad()),
        }
    };
    match (y, m, dd) {
        (Some(y), Some(m), Some(dd)) => NaiveDate::from_ymd_opt(y as i32, m, dd).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// `HH:MM` or `HH:MM:SS` (one-digit hour allowed).
pub(crate) fn time_of_day(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .map_err(|_| format!("{s:?} is not a time of day (HH:MM or HH:MM:SS)"))
}

/// A wall-clock time in `tz` as an instant. In a daylight-saving gap it is an error;
/// in the repeated hour the earlier instant is taken (as [`Timestamp::from_ny_local`]).
pub(crate) fn local_ts(tz: Tz, local: NaiveDateTime) -> Result<Timestamp, String> {
    if tz == thetalab_core::NEW_YORK {
        return Timestamp::from_ny_local(local).map_err(|e| e.to_string());
    }
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(dt) | MappedLocalTime::Ambiguous(dt, _) => {
            Timestamp::from_datetime(&dt).map_err(|e| e.to_string())
        }
        MappedLocalTime::None => Err(format!(
            "{local} does not exist in {tz} (daylight-saving gap)"
        )),
    }
}

/// 00:00 New York of `d`: the stamp of a daily bar or an EOD record's date.
pub(crate) fn ny_midnight(d: NaiveDate) -> Result<Timestamp, String> {
    Timestamp::from_ny(d, NaiveTime::MIN).map_err(|e| e.to_string())
}

/// `h:mm` New York on `d`.
pub(crate) fn ny_at(d: NaiveDate, h: u32, m: u32) -> Result<Timestamp, String> {
    let t = NaiveTime::from_hms_opt(h, m, 0).ok_or_else(|| format!("{h}:{m:02} is not a time"))?;
    Timestamp::from_ny(d, t).map_err(|e| e.to_string())
}

/// Reads the header record; no record at all is [`DataError::NoRows`].
pub(crate) fn read_header<R: Read>(
    rdr: &mut csv::Reader<R>,
    file: &Path,
    offset: u64,
) -> Result<Header, DataError> {
    let mut rec = ByteRecord::new();
    if !next_record(rdr, &mut rec, file)? {
        return Err(DataError::NoRows {
            file: file.to_path_buf(),
        });
    }
    Ok(Header::new(&rec, line_of(&rec, offset)))
}

/// The symbol a file name suggests: the stem up to the first `_`, `-`, `.` or space,
/// upper-cased (`spy_daily_2008.csv.gz` → `SPY`).
pub(crate) fn symbol_from_path(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = name.split(['_', '-', '.', ' ']).next()?;
    (!stem.is_empty()).then(|| stem.to_ascii_uppercase())
}

/// Bid and ask as the schema wants them, from a vendor that writes 0 for "nothing":
/// both 0 → no quote at all (`None`, `None`); ask 0 with a positive bid → no offer
/// (`ask: None`); bid 0 with a positive ask → a real quote with no buyers (`bid:
/// Some(0.0)`), the normal state of a far out-of-the-money option. Negative values are
/// an error.
pub(crate) fn zero_quote(
    bid: Option<f64>,
    ask: Option<f64>,
) -> Result<(Option<f64>, Option<f64>), String> {
    if bid.is_some_and(|b| b < 0.0) || ask.is_some_and(|a| a < 0.0) {
        return Err(format!("negative price (bid {bid:?}, ask {ask:?})"));
    }
    Ok(match (bid, ask) {
        (Some(0.0), Some(0.0)) => (None, None),
        (b, Some(0.0)) => (b, None),
        (b, a) => (b, a),
    })
}

/// The underlying of an option root: Cboe's weekly and PM-settled index roots map to
/// the index (`SPXW` → `SPX`, `NDXP` → `NDX`, `VIXW` → `VIX`, `RUTW` → `RUT`); any
/// other root is its own underlying.
pub(crate) fn underlying_of(root: &str) -> &str {
    match root {
        "SPXW" | "SPXPM" => "SPX",
        "NDXP" => "NDX",
        "VIXW" => "VIX",
        "RUTW" => "RUT",
        "XSPW" => "XSP",
        _ => root,
    }
}

/// Vendor analytics where 0 means "not computed" (implied volatility): `None` for 0.
pub(crate) fn nonzero(v: Option<f64>) -> Option<f64> {
    v.filter(|x| *x != 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(date("2024-01-02").unwrap(), d(2024, 1, 2));
        assert_eq!(date("1/4/1999").unwrap(), d(1999, 1, 4));
        assert_eq!(date("01/31/2018").unwrap(), d(2018, 1, 31));
        assert_eq!(date("1/4/2016 0:00:00").unwrap(), d(2016, 1, 4));
        assert!(date("1/4/2016 9:30:00").is_err());
        assert!(date("2024-13-02").is_err());
        assert!(date("").is_err());
        assert!(date("1/2/3/2024").is_err());
        assert!(date("null").is_err());
    }

    #[test]
    fn counts_and_numbers() {
        assert_eq!(count("1,234").unwrap(), 1234);
        assert_eq!(count("56 213 405").unwrap(), 56_213_405);
        assert_eq!(count("6873.0").unwrap(), 6873);
        assert!(count("-1").is_err());
        assert!(count("1.5").is_err());
        assert!(count("x").is_err());
        assert!(num("NaN").is_err());
        assert!(num("inf").is_err());
        assert!(num("null").unwrap_err().contains("missing-value"));
        assert_eq!(opt_num("").unwrap(), None);
    }

    #[test]
    fn zero_quotes() {
        assert_eq!(zero_quote(Some(0.0), Some(0.0)).unwrap(), (None, None));
        assert_eq!(
            zero_quote(Some(0.0), Some(0.05)).unwrap(),
            (Some(0.0), Some(0.05))
        );
        assert_eq!(zero_quote(Some(1.0), Some(0.0)).unwrap(), (Some(1.0), None));
        assert!(zero_quote(Some(-1.0), Some(1.0)).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(norm(" Adj Close"), "adjclose");
        assert_eq!(norm("[QUOTE_UNIXTIME]"), "quoteunixtime");
        assert_eq!(norm("\u{feff}underlying"), "underlying");
        assert_eq!(
            symbol_from_path(Path::new("/x/spy_daily.csv.gz")).as_deref(),
            Some("SPY")
        );
    }

    #[test]
    fn bom_stripped() {
        let mut input = wrap(&b"\xEF\xBB\xBFa,b\n"[..], Path::new("x")).unwrap();
        let mut s = String::new();
        input.read_to_string(&mut s).unwrap();
        assert_eq!(s, "a,b\n");
        let mut input = wrap(&b"ab"[..], Path::new("x")).unwrap();
        let mut s = String::new();
        input.read_to_string(&mut s).unwrap();
        assert_eq!(s, "ab");
    }
}
