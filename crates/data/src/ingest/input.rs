//! What every adapter shares: opening a file (gzip, BOM), reading a CSV header by
//! name, reading fields of a row with errors that name the field, lenient number
//! parsing, and New York / other-zone wall-clock conversion.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

use chrono::{MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike};
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
    builder(delimiter).trim(csv::Trim::All).from_reader(input)
}

/// Like [`csv_reader`], over any reader, with fields left untrimmed: [`text`],
/// [`raw_row`] and [`next_record`] trim what they look at, which costs nothing where
/// `csv`'s own trimming copies every record into a new allocation.
pub(crate) fn csv_reader_untrimmed<R: Read>(input: R, delimiter: u8) -> csv::Reader<R> {
    builder(delimiter).from_reader(input)
}

fn builder(delimiter: u8) -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        // `\n` alone ends a record and the `\r` of CRLF is trimmed with the other
        // whitespace: with the default CRLF terminator csv 1.4 reports every record
        // after the first of a CRLF file one line too early.
        .terminator(csv::Terminator::Any(b'\n'));
    b
}

/// How [`read_chunked`] cuts its input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunking {
    /// Bytes read at a time; each block is parsed by all threads. 0: one reader over
    /// the whole input, as for a file holding quotes.
    pub block: usize,
    /// The smallest piece of a block worth a thread of its own.
    pub min_piece: usize,
}

impl Chunking {
    /// 8 MiB blocks in pieces of at least 256 KiB: memory stays bounded by a block
    /// whatever the file's size.
    pub(crate) const DEFAULT: Chunking = Chunking {
        block: 8 << 20,
        min_piece: 256 << 10,
    };

    /// One reader over the whole input.
    #[cfg(test)]
    pub(crate) const SERIAL: Chunking = Chunking {
        block: 0,
        min_piece: 1,
    };
}

/// The per-record loop of an adapter, run by [`read_chunked`] on pieces of a file.
pub(crate) trait ChunkParser: Sync {
    /// What one piece yields (records, rejects, counts).
    type Out: Send;
    /// Parses every data record of `rdr`; `lines` is the number of lines of the file
    /// before the reader's first byte (the `offset` of [`line_of`]).
    fn parse<R: Read>(
        &self,
        rdr: &mut csv::Reader<R>,
        file: &Path,
        lines: u64,
    ) -> Result<Self::Out, DataError>;

    /// Adds `lines` to every line number in `out` (a piece is parsed before the lines
    /// ahead of it are counted).
    fn shift_lines(out: &mut Self::Out, lines: u64);
}

/// Reads the header of `input`, builds the adapter's parser from it with `plan`, then
/// parses the data records, returning what each piece yielded in file order.
///
/// Text with no `"` cannot hold a line break inside a field, so its records are its
/// lines: such input is read in blocks of `chunking.block` bytes, each cut at line ends into
/// pieces parsed in parallel. From the first block holding a `"` on, the rest of the
/// file is parsed serially by one reader. Either way every record, line number and
/// reject is what a single reader over the whole file gives: pieces start after a
/// non-empty line (`csv` numbers a record after blank lines from the line that
/// follows the previous record, so a piece never starts after a blank line) and carry
/// the count of lines before them.
pub(crate) fn read_chunked<P: ChunkParser>(
    mut input: Input<'_>,
    file: &Path,
    delimiter: u8,
    chunking: Chunking,
    plan: impl FnOnce(&Header) -> Result<P, DataError>,
) -> Result<Vec<P::Out>, DataError> {
    let block = chunking.block;
    let mut buf = Vec::with_capacity(block);
    let mut eof = fill(&mut input, &mut buf, block, file)?;
    // The header, from the first block when it holds it whole and no quote.
    let head = if block == 0 || buf.contains(&b'"') {
        None
    } else {
        let mut rdr = csv_reader_untrimmed(&buf[..], delimiter);
        match read_header(&mut rdr, file, 0) {
            Ok(h) => {
                let pos = rdr.position();
                let start = usize::try_from(pos.byte()).unwrap_or(usize::MAX);
                let whole = start <= buf.len() && (eof || (start > 0 && buf[start - 1] == b'\n'));
                whole.then_some((h, start, pos.line().saturating_sub(1)))
            }
            Err(e) if eof => return Err(e),
            Err(_) => None,
        }
    };
    let Some((header, start, mut lines)) = head else {
        let mut rdr = csv_reader_untrimmed(Cursor::new(buf).chain(input), delimiter);
        let header = read_header(&mut rdr, file, 0)?;
        let parser = plan(&header)?;
        return Ok(vec![parser.parse(&mut rdr, file, 0)?]);
    };
    let parser = plan(&header)?;
    let mut out = Vec::new();
    let mut begin = start;
    loop {
        if buf[begin..].contains(&b'"') {
            let rest = buf.split_off(begin);
            let mut rdr = csv_reader_untrimmed(Cursor::new(rest).chain(input), delimiter);
            out.push(parser.parse(&mut rdr, file, lines)?);
            return Ok(out);
        }
        let end = if eof {
            buf.len()
        } else {
            match last_cut(&buf[begin..]) {
                Some(i) => begin + i,
                None => {
                    // One line longer than the block (or only blank lines): read on.
                    let more = buf.len() + block;
                    eof = fill(&mut input, &mut buf, more, file)?;
                    continue;
                }
            }
        };
        let piece = chunking.min_piece.max(1);
        lines = parse_block(
            &parser,
            &buf[begin..end],
            file,
            delimiter,
            piece,
            lines,
            &mut out,
        )?;
        if eof {
            return Ok(out);
        }
        buf.drain(..end);
        begin = 0;
        eof = fill(&mut input, &mut buf, block, file)?;
    }
}

/// Appends input to `buf` until it holds `len` bytes; true at the end of the input.
fn fill(
    input: &mut Input<'_>,
    buf: &mut Vec<u8>,
    len: usize,
    file: &Path,
) -> Result<bool, DataError> {
    let want = len.saturating_sub(buf.len()) as u64;
    if want == 0 {
        return Ok(false);
    }
    let n = input
        .by_ref()
        .take(want)
        .read_to_end(buf)
        .map_err(|e| io_error(file, e))?;
    Ok((n as u64) < want)
}

/// The rows of consecutive pieces as one vector, in order, copied by all threads (a
/// serial copy of a large file's rows costs as much as parsing them on one core).
pub(crate) fn concat<T: Copy + Send + Sync>(parts: &[&[T]]) -> Vec<T> {
    use rayon::prelude::*;
    let mut starts = Vec::with_capacity(parts.len());
    let mut total = 0usize;
    for p in parts {
        starts.push(total);
        total += p.len();
    }
    if parts.len() == 1 {
        return parts[0].to_vec();
    }
    (0..total)
        .into_par_iter()
        .with_min_len(1 << 14)
        .map(|i| {
            // The last part starting at or before `i` (empty parts share its start).
            let k = starts.partition_point(|&s| s <= i) - 1;
            parts[k][i - starts[k]]
        })
        .collect()
}

/// True when a piece may start at `i`: just after a line break ending a non-empty line.
fn cut_ok(b: &[u8], i: usize) -> bool {
    i >= 2 && b[i - 1] == b'\n' && b[i - 2] != b'\n'
}

/// The last place in `b` a piece may start (see [`cut_ok`]).
fn last_cut(b: &[u8]) -> Option<usize> {
    (2..=b.len()).rev().find(|&i| cut_ok(b, i))
}

/// Parses `block` (whole lines) in pieces on all threads, appending each piece's output;
/// returns the line count after the block.
fn parse_block<P: ChunkParser>(
    parser: &P,
    block: &[u8],
    file: &Path,
    delimiter: u8,
    min_piece: usize,
    lines: u64,
    out: &mut Vec<P::Out>,
) -> Result<u64, DataError> {
    use rayon::prelude::*;
    let pieces = (rayon::current_num_threads() * 4)
        .min(block.len() / min_piece)
        .max(1);
    let mut cuts = vec![0];
    for k in 1..pieces {
        let target = block.len() * k / pieces;
        let prev = cuts.last().copied().unwrap_or(0);
        if let Some(i) = (target.max(prev + 1)..block.len()).find(|&i| cut_ok(block, i)) {
            cuts.push(i);
        }
    }
    cuts.push(block.len());
    let spans: Vec<(usize, usize)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();
    // Each piece numbers its lines from 0 and counts them (the reader's line once it
    // has read everything is one more than the piece's line breaks).
    let results: Vec<Result<(P::Out, u64), DataError>> = spans
        .par_iter()
        .map(|&(a, b)| {
            let mut rdr = csv_reader_untrimmed(&block[a..b], delimiter);
            let piece = parser.parse(&mut rdr, file, 0)?;
            Ok((piece, rdr.position().line().saturating_sub(1)))
        })
        .collect();
    let mut at = lines;
    for r in results {
        let (mut piece, n) = r?;
        P::shift_lines(&mut piece, at);
        out.push(piece);
        at += n;
    }
    Ok(at)
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
        // A blank line (or a CRLF blank line, whose `\r` is trimmed) is no row.
        if !more || rec.len() != 1 || !rec[0].trim_ascii().is_empty() {
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
        let s = String::from_utf8_lossy(f.trim_ascii());
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

/// The text of column `col` in `rec`, trimmed of ASCII whitespace (as `csv`'s
/// `Trim::All` does); an error when the row is too short or the bytes are not UTF-8.
pub(crate) fn text<'r>(rec: &'r ByteRecord, col: &Col) -> Result<&'r str, FieldError> {
    std::str::from_utf8(bytes(rec, col)?).map_err(|_| FieldError::new(&col.name, "not UTF-8"))
}

/// The bytes of column `col` in `rec`, trimmed as [`text`] trims them; an error when
/// the row is too short.
pub(crate) fn bytes<'r>(rec: &'r ByteRecord, col: &Col) -> Result<&'r [u8], FieldError> {
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
    Ok(bytes.trim_ascii())
}

/// Powers of ten exactly representable as f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A plain decimal (`-?digits[.digits]`, at most 15 digits) as `str::parse::<f64>`
/// gives it; `None` for any other text (the caller then takes the general path).
///
/// Clinger's fast path (W. D. Clinger, "How to read floating point numbers
/// accurately", PLDI 1990): an integer below 2^53 and a power of ten up to 10^22 are
/// both exact doubles, so one correctly rounded division gives the correctly rounded
/// value of the decimal, the same bits as any correct parser.
#[inline]
pub(crate) fn fast_f64(b: &[u8]) -> Option<f64> {
    let (neg, digits) = match b {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut mant: u64 = 0;
    let mut n = 0usize;
    let mut dot: Option<usize> = None;
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                mant = mant * 10 + u64::from(c - b'0');
                n += 1;
            }
            b'.' if dot.is_none() => dot = Some(i),
            _ => return None,
        }
    }
    if n == 0 || n > 15 {
        return None;
    }
    let scale = dot.map_or(0, |d| digits.len() - 1 - d);
    let v = mant as f64 / POW10[scale];
    Some(if neg { -v } else { v })
}

/// Up to 19 ASCII digits as an integer; `None` for any other text.
#[inline]
pub(crate) fn fast_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    Some(v)
}

/// Column `col` of `rec` as [`opt_num`] reads it.
#[inline]
pub(crate) fn opt_num_at(rec: &ByteRecord, col: &Col) -> Result<Option<f64>, FieldError> {
    let b = bytes(rec, col)?;
    match fast_f64(b) {
        Some(v) => Ok(Some(v)),
        None => at(col, opt_num(text(rec, col)?)),
    }
}

/// Column `col` of `rec` as [`num`] reads it.
#[inline]
pub(crate) fn num_at(rec: &ByteRecord, col: &Col) -> Result<f64, FieldError> {
    let b = bytes(rec, col)?;
    match fast_f64(b) {
        Some(v) => Ok(v),
        None => at(col, num(text(rec, col)?)),
    }
}

/// Column `col` of `rec` as [`opt_count`] reads it.
#[inline]
pub(crate) fn opt_count_at(rec: &ByteRecord, col: &Col) -> Result<Option<u64>, FieldError> {
    let b = bytes(rec, col)?;
    match fast_u64(b) {
        Some(v) => Ok(Some(v)),
        None => at(col, opt_count(text(rec, col)?)),
    }
}

/// The last date read and its text: consecutive rows usually share it.
#[derive(Default)]
pub(crate) struct DateCache {
    text: Vec<u8>,
    date: Option<NaiveDate>,
}

impl DateCache {
    /// Column `col` of `rec` as [`date`] reads it.
    #[inline]
    pub(crate) fn date_at(&mut self, rec: &ByteRecord, col: &Col) -> Result<NaiveDate, FieldError> {
        let b = bytes(rec, col)?;
        if let Some(d) = self.date
            && self.text == b
        {
            return Ok(d);
        }
        let d = at(col, date(text(rec, col)?))?;
        self.text.clear();
        self.text.extend_from_slice(b);
        self.date = Some(d);
        Ok(d)
    }
}

/// A finite number.
pub(crate) fn num(s: &str) -> Result<f64, String> {
    if s.is_empty() {
        return Err("empty".to_string());
    }
    if let Some(v) = fast_f64(s.as_bytes()) {
        return Ok(v);
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

/// [`local_ts`] remembering, for the last local hour seen, the offset every wall-clock
/// time of that hour converts with: consecutive rows of a file mostly share the hour,
/// and a time-zone lookup costs more than the rest of a row.
#[derive(Default)]
pub(crate) struct LocalCache {
    hour: Option<(NaiveDate, u32)>,
    /// Local minus UTC nanoseconds, when one offset holds for the whole hour.
    offset: Option<i64>,
}

impl LocalCache {
    /// As [`local_ts`].
    pub(crate) fn local_ts(&mut self, tz: Tz, local: NaiveDateTime) -> Result<Timestamp, String> {
        let key = (local.date(), local.hour());
        if self.hour != Some(key) {
            self.hour = Some(key);
            self.offset = hour_offset(tz, key.0, key.1);
        }
        if let Some(off) = self.offset
            && local.nanosecond() < 1_000_000_000
            && let Some(n) = naive_nanos(local).and_then(|n| n.checked_sub(off))
        {
            return Ok(Timestamp::from_nanos(n));
        }
        local_ts(tz, local)
    }
}

/// Nanoseconds since the epoch of a wall-clock time read as UTC.
fn naive_nanos(t: NaiveDateTime) -> Option<i64> {
    t.and_utc().timestamp_nanos_opt()
}

/// The offset (local minus UTC, ns) [`local_ts`] gives every time of the hour, when it
/// gives the same one to the hour's first and last nanosecond: no offset change falls
/// inside the hour then (in a repeated hour both ends take the earlier instant, the
/// pre-change offset, as every time between does). `None` for a gap or a change.
fn hour_offset(tz: Tz, date: NaiveDate, hour: u32) -> Option<i64> {
    let first = date.and_hms_opt(hour, 0, 0)?;
    let last = date.and_hms_nano_opt(hour, 59, 59, 999_999_999)?;
    let a = naive_nanos(first)?.checked_sub(local_ts(tz, first).ok()?.as_nanos())?;
    let b = naive_nanos(last)?.checked_sub(local_ts(tz, last).ok()?.as_nanos())?;
    (a == b).then_some(a)
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
