//! Cboe delayed-quote chain downloads (`quotedata.csv`): calls and puts side by side.
//!
//! Layout (Cboe's "Delayed Quotes" page, *Download CSV*):
//!
//! ```text
//! (optional blank line)
//! Standard & Poors 500 Index,Last: 3856.28,Change:  1.85
//! "Date: July 12, 2022, 11:55 AM EDT",Bid: 3855.3701,Ask: 3857.1599,Size: 1*1,Volume: 0
//! Expiration Date,Calls,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest,Strike,Puts,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest
//! Tue Jul 12 2022,SPXW220712C03850000,0,0,2855.8,2857.5,0,0,1,0,0,3850,SPXW220712P03850000,0,0,0,0.05,0,0,0,0,0
//! ```
//!
//! **What each row gives.** Two [`OptionQuote`]s, the call and the put of one strike.
//! Strike, right and expiry come from the OCC symbols (checked against the `Strike` and
//! `Expiration Date` columns: a disagreement rejects the row). The option root is kept:
//! quotes are grouped into one [`ChainRows`] per root (`SPX` and `SPXW`, `NDX` and
//! `NDXP`), all with the same underlying. A rejected row is counted once, for both
//! quotes.
//!
//! **Zeros.** Cboe writes 0 for "nothing":
//! - bid 0 and ask 0 → no quote: `bid` and `ask` are `None` (typical after the close);
//! - bid 0 with a positive ask → a real one-sided market with no buyers: `bid = Some(0.0)`;
//! - ask 0 with a positive bid → no offer: `ask = None`;
//! - `Last Sale` 0 → `last = None`; `IV` 0 → `iv = None` (not computed); `Delta` and
//!   `Gamma` are kept as given (Cboe prints the limits 1/0 for deep contracts).
//! - Volume and open interest are whole numbers (thousands separators accepted).
//!
//! **Snapshot time.** From the `Date:` line, which Cboe localises to the viewer's
//! browser. Forms read: `February 5 2022, 8:26 PM EST`, `July 12, 2022, 11:55 AM EDT`,
//! `February 3, 2023 at 11:24 PM EST`, `14 April 2023, 18:31 UTC−4` (Unicode minus),
//! `10 May 2023, at 3:10 PM EDT`, `23 de marzo de 2022, 10:11 GMT-4`,
//! `9 декабря 2023 г. в 13:49 GMT-5`; zones EST/EDT/CST/CDT/MST/MDT/PST/PDT, `UTC±h`,
//! `GMT±h`, or none (then New York). The stated offset is honoured, so the instant is
//! exact. When the line cannot be read (one real file says `Date: 4 June 4, 3:15 PM
//! EDT`), [`CboeOptions::fallback_ts`] is used, or the read fails naming the line.
//! [`CboeOptions::override_ts`] replaces the file's time in every case (for a header
//! known to be wrong).
//!
//! **Underlying price.** `Last:` on the name line; when it is missing or 0, the mid of
//! the `Bid:`/`Ask:` of the date line when both are positive.

use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use csv::ByteRecord;
use thetalab_core::{OccSymbol, OptionRight, Timestamp};

use super::input::{self, Col, FieldError, at, malformed, text};
use super::{ChainGrouper, Parsed};
use crate::DataError;
use crate::schema::{ChainRows, OptionQuote};

/// Options of the Cboe adapter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CboeOptions {
    /// Underlying symbol of every quote (default: from the option root: `SPXW` → `SPX`,
    /// `NDXP` → `NDX`, `VIXW` → `VIX`, `RUTW` → `RUT`, otherwise the root itself).
    pub underlying: Option<String>,
    /// Snapshot time to use when the `Date:` line cannot be read (e.g. from a download
    /// log's timestamp).
    pub fallback_ts: Option<Timestamp>,
    /// Snapshot time to use whatever the file says.
    pub override_ts: Option<Timestamp>,
}

/// Where the snapshot time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsSource {
    /// The file's `Date:` line.
    DateLine,
    /// [`CboeOptions::fallback_ts`] (the line could not be read).
    Fallback,
    /// [`CboeOptions::override_ts`].
    Override,
}

/// One Cboe download.
#[derive(Debug, Clone, PartialEq)]
pub struct CboeSnapshot {
    /// Snapshot time (the `ts` of every quote).
    pub ts: Timestamp,
    /// Where `ts` came from.
    pub ts_source: TsSource,
    /// The `Date:` text as written, when present.
    pub date_text: Option<String>,
    /// The underlying's name on the first line (`Standard & Poors 500 Index`).
    pub underlying_name: Option<String>,
    /// Underlying price (the `underlying_price` of every quote).
    pub underlying_price: Option<f64>,
    /// Quotes, one group per option root, sorted by root.
    pub chains: Vec<ChainRows>,
}

/// Reads a `quotedata.csv` (or `.csv.gz`).
pub fn read(path: &Path, opts: &CboeOptions) -> Result<Parsed<CboeSnapshot>, DataError> {
    read_from(input::open(path)?, path, opts)
}

struct Preamble {
    name: Option<String>,
    spot: Option<f64>,
    date_text: Option<String>,
    date_line: u64,
    header: Vec<u8>,
    header_line: u64,
}

const MAX_PREAMBLE: u64 = 8;

fn after<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let at = line.find(key)? + key.len();
    let rest = &line[at..];
    let end = rest.find(',').unwrap_or(rest.len());
    Some(rest[..end].trim().trim_matches('"').trim())
}

fn preamble<R: BufRead>(input: &mut R, name: &Path) -> Result<Preamble, DataError> {
    let mut p = Preamble {
        name: None,
        spot: None,
        date_text: None,
        date_line: 2,
        header: Vec::new(),
        header_line: 0,
    };
    let (mut bid, mut ask) = (None, None);
    let mut buf = Vec::new();
    for line_no in 1..=MAX_PREAMBLE {
        buf.clear();
        if input
            .read_until(b'\n', &mut buf)
            .map_err(|e| input::io_error(name, e))?
            == 0
        {
            break;
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim();
        if line.starts_with("Expiration Date") || line.starts_with("\"Expiration Date") {
            p.header = buf.clone();
            p.header_line = line_no;
            break;
        }
        if let Some(i) = line.find("Last:") {
            p.name = Some(
                line[..i]
                    .trim()
                    .trim_end_matches(',')
                    .trim_matches('"')
                    .to_string(),
            )
            .filter(|s| !s.is_empty());
            p.spot = after(line, "Last:")
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v > 0.0);
        }
        if let Some(i) = line.find("Date:") {
            let rest = &line[i + "Date:".len()..];
            let end = rest.find(",Bid:").unwrap_or(rest.len());
            p.date_text = Some(rest[..end].trim().trim_matches('"').trim().to_string());
            p.date_line = line_no;
            bid = after(line, "Bid:").and_then(|s| s.parse::<f64>().ok());
            ask = after(line, "Ask:").and_then(|s| s.parse::<f64>().ok());
        }
    }
    if p.header_line == 0 {
        return Err(malformed(
            name,
            1,
            None,
            format!(
                "no `Expiration Date,Calls,…` header in the first {MAX_PREAMBLE} lines: not a Cboe quotedata file"
            ),
        ));
    }
    if p.spot.is_none()
        && let (Some(b), Some(a)) = (bid, ask)
        && b > 0.0
        && a > 0.0
        && b.is_finite()
        && a.is_finite()
    {
        p.spot = Some(0.5 * (b + a));
    }
    Ok(p)
}

/// Columns of one side (calls or puts).
struct Side {
    symbol: Col,
    last: Option<Col>,
    bid: Col,
    ask: Col,
    volume: Option<Col>,
    iv: Option<Col>,
    delta: Option<Col>,
    gamma: Option<Col>,
    open_interest: Option<Col>,
}

struct Cols {
    expiry: Col,
    strike: Col,
    call: Side,
    put: Side,
}

fn columns(rec: &ByteRecord, line: u64, name: &Path) -> Result<Cols, DataError> {
    let h = input::Header::new(rec, line);
    let expiry = h.require(name, &["expirationdate"])?;
    let strike = h.require(name, &["strike"])?;
    let calls = h.require(name, &["calls"])?;
    let puts = h.require(name, &["puts"])?;
    let names: Vec<String> = rec
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_string())
        .collect();
    let side = |sym: Col, from: usize, to: usize| -> Result<Side, DataError> {
        let find = |key: &str| {
            (from..to.min(names.len()))
                .find(|&i| input::norm(&names[i]) == key)
                .map(|idx| Col {
                    idx,
                    name: format!("{} {}", sym.name, names[idx]),
                })
        };
        let need = |key: &str| {
            find(key).ok_or_else(|| DataError::MissingColumn {
                file: name.to_path_buf(),
                line,
                column: format!("{} {key}", sym.name),
                header: names.join(","),
            })
        };
        Ok(Side {
            bid: need("bid")?,
            ask: need("ask")?,
            last: find("lastsale"),
            volume: find("volume"),
            iv: find("iv"),
            delta: find("delta"),
            gamma: find("gamma"),
            open_interest: find("openinterest"),
            symbol: sym.clone(),
        })
    };
    if !(calls.idx < strike.idx && strike.idx < puts.idx) {
        return Err(malformed(
            name,
            line,
            Some("Strike"),
            "expected calls, then Strike, then puts",
        ));
    }
    let (c_from, s_idx, p_from) = (calls.idx + 1, strike.idx, puts.idx + 1);
    Ok(Cols {
        expiry,
        strike: strike.clone(),
        call: side(calls, c_from, s_idx)?,
        put: side(puts, p_from, names.len())?,
    })
}

/// Like [`read`], from any reader (`name` stands for the file in errors).
pub fn read_from<R: Read>(
    reader: R,
    name: &Path,
    opts: &CboeOptions,
) -> Result<Parsed<CboeSnapshot>, DataError> {
    let mut input = input::wrap(reader, name)?;
    let pre = preamble(&mut input, name)?;
    let parsed_ts = pre.date_text.as_deref().and_then(parse_date_line);
    let (ts, ts_source) = match (opts.override_ts, parsed_ts, opts.fallback_ts) {
        (Some(t), _, _) => (t, TsSource::Override),
        (None, Some(t), _) => (t, TsSource::DateLine),
        (None, None, Some(t)) => (t, TsSource::Fallback),
        (None, None, None) => {
            return Err(malformed(
                name,
                pre.date_line,
                Some("Date"),
                match &pre.date_text {
                    Some(t) => format!(
                        "cannot read the snapshot time from {t:?}; give CboeOptions::fallback_ts"
                    ),
                    None => "no `Date:` line; give CboeOptions::fallback_ts".to_string(),
                },
            ));
        }
    };
    let offset = pre.header_line - 1;
    let rest: input::Input<'_> =
        Box::new(BufReader::new(Cursor::new(pre.header.clone()).chain(input)));
    let mut rdr = input::csv_reader(rest, b',');
    let mut rec = ByteRecord::new();
    input::next_record(&mut rdr, &mut rec, name)?;
    let cols = columns(&rec, pre.header_line, name)?;

    let mut ctx = RowCtx {
        ts,
        spot: pre.spot,
        last_expiry: (Vec::new(), None),
        underlying: opts.underlying.as_deref(),
    };
    let mut groups = ChainGrouper::default();
    let mut out = Parsed {
        data: CboeSnapshot {
            ts,
            ts_source,
            date_text: pre.date_text.clone(),
            underlying_name: pre.name.clone(),
            underlying_price: pre.spot,
            chains: Vec::new(),
        },
        rejects: Vec::new(),
        rows_read: 0,
        rows_ok: 0,
    };
    while input::next_record(&mut rdr, &mut rec, name)? {
        if rec.iter().all(<[u8]>::is_empty) {
            continue; // a line of commas only (files re-saved by a spreadsheet)
        }
        out.rows_read += 1;
        match ctx.row(&rec, &cols) {
            Ok((underlying, [call, put])) => {
                groups.push(underlying.0, Some(underlying.1), call);
                groups.push(underlying.0, Some(underlying.1), put);
                out.rows_ok += 1;
            }
            Err(e) => out
                .rejects
                .push(e.into_reject(name, input::line_of(&rec, offset), &rec)),
        }
    }
    if out.rows_read == 0 {
        return Err(DataError::NoRows {
            file: name.to_path_buf(),
        });
    }
    out.data.chains = groups.finish();
    Ok(out)
}

struct RowCtx<'o> {
    ts: Timestamp,
    spot: Option<f64>,
    last_expiry: (Vec<u8>, Option<NaiveDate>),
    underlying: Option<&'o str>,
}

impl<'o> RowCtx<'o> {
    fn expiry(&mut self, rec: &ByteRecord, col: &Col) -> Result<NaiveDate, FieldError> {
        let s = text(rec, col)?;
        if let (prev, Some(d)) = &self.last_expiry
            && prev.as_slice() == s.as_bytes()
        {
            return Ok(*d);
        }
        let d = NaiveDate::parse_from_str(s, "%a %b %d %Y")
            .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
            .map_err(|_| {
                FieldError::new(
                    &col.name,
                    format!("{s:?} is not a date like \"Tue Jul 12 2022\""),
                )
            })?;
        self.last_expiry = (s.as_bytes().to_vec(), Some(d));
        Ok(d)
    }

    #[allow(clippy::type_complexity)]
    fn row<'r>(
        &mut self,
        rec: &'r ByteRecord,
        c: &Cols,
    ) -> Result<((&'r str, &'r str), [OptionQuote; 2]), FieldError>
    where
        'o: 'r,
    {
        let expiry = self.expiry(rec, &c.expiry)?;
        let strike = at(&c.strike, input::num(text(rec, &c.strike)?))?;
        let call = self.side(rec, &c.call, OptionRight::Call, expiry, strike)?;
        let put = self.side(rec, &c.put, OptionRight::Put, expiry, strike)?;
        let root_text = text(rec, &c.call.symbol)?;
        let root = root_text[..root_text
            .find(|ch: char| ch.is_ascii_digit())
            .unwrap_or(root_text.len())]
            .trim();
        let underlying = self
            .underlying
            .unwrap_or_else(|| input::underlying_of(root));
        Ok(((underlying, root), [call, put]))
    }

    fn side(
        &self,
        rec: &ByteRecord,
        s: &Side,
        right: OptionRight,
        expiry: NaiveDate,
        strike: f64,
    ) -> Result<OptionQuote, FieldError> {
        let sym_text = text(rec, &s.symbol)?;
        let sym: OccSymbol = sym_text.parse().map_err(|e: thetalab_core::CoreError| {
            FieldError::new(&s.symbol.name, e.to_string())
        })?;
        if sym.right() != right
            || sym.expiry() != expiry
            || (sym.strike() - strike).abs() > 1e-6 * strike.abs().max(1.0)
        {
            return Err(FieldError::new(
                &s.symbol.name,
                format!(
                    "{sym_text:?} disagrees with the row (expiry {expiry}, strike {strike}, {right})"
                ),
            ));
        }
        let f = |col: &Option<Col>| -> Result<Option<f64>, FieldError> {
            match col {
                Some(col) => at(col, input::opt_num(text(rec, col)?)),
                None => Ok(None),
            }
        };
        let n = |col: &Option<Col>| -> Result<Option<u64>, FieldError> {
            match col {
                Some(col) => at(col, input::opt_count(text(rec, col)?)),
                None => Ok(None),
            }
        };
        let bid = at(&s.bid, input::opt_num(text(rec, &s.bid)?))?;
        let ask = at(&s.ask, input::opt_num(text(rec, &s.ask)?))?;
        let (bid, ask) =
            input::zero_quote(bid, ask).map_err(|r| FieldError::new(&s.bid.name, r))?;
        Ok(OptionQuote {
            ts: self.ts,
            underlying_price: self.spot,
            expiry,
            strike: sym.strike(),
            right,
            bid,
            ask,
            bid_size: None,
            ask_size: None,
            last: input::nonzero(f(&s.last)?),
            volume: n(&s.volume)?.unwrap_or(0),
            open_interest: n(&s.open_interest)?,
            iv: input::nonzero(f(&s.iv)?),
            delta: f(&s.delta)?,
            gamma: f(&s.gamma)?,
            vega: None,
            theta: None,
        })
    }
}

fn month(token: &str) -> Option<u32> {
    const NAMES: [(&str, u32); 48] = [
        ("january", 1),
        ("february", 2),
        ("march", 3),
        ("april", 4),
        ("may", 5),
        ("june", 6),
        ("july", 7),
        ("august", 8),
        ("september", 9),
        ("october", 10),
        ("november", 11),
        ("december", 12),
        ("enero", 1),
        ("febrero", 2),
        ("marzo", 3),
        ("abril", 4),
        ("mayo", 5),
        ("junio", 6),
        ("julio", 7),
        ("agosto", 8),
        ("septiembre", 9),
        ("octubre", 10),
        ("noviembre", 11),
        ("diciembre", 12),
        ("января", 1),
        ("февраля", 2),
        ("марта", 3),
        ("апреля", 4),
        ("мая", 5),
        ("июня", 6),
        ("июля", 7),
        ("августа", 8),
        ("сентября", 9),
        ("октября", 10),
        ("ноября", 11),
        ("декабря", 12),
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("sept", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ];
    let t = token.trim_end_matches('.').to_lowercase();
    NAMES
        .iter()
        .find(|(n, _)| *n == t)
        .map(|&(_, m)| m)
        .or(if t == "setiembre" { Some(9) } else { None })
}

/// Offset in seconds east of UTC of a zone token; `Some(None)` for "New York".
fn zone(token: &str) -> Option<Option<i32>> {
    let t = token.to_ascii_uppercase();
    let named = match t.as_str() {
        "EST" => Some(-5),
        "EDT" => Some(-4),
        "CST" => Some(-6),
        "CDT" => Some(-5),
        "MST" => Some(-7),
        "MDT" => Some(-6),
        "PST" => Some(-8),
        "PDT" => Some(-7),
        "UTC" | "GMT" | "Z" => Some(0),
        "ET" => return Some(None),
        _ => None,
    };
    if let Some(h) = named {
        return Some(Some(h * 3600));
    }
    let rest = token
        .strip_prefix("UTC")
        .or_else(|| token.strip_prefix("GMT"))?;
    let (sign, body) = if let Some(b) = rest.strip_prefix('+') {
        (1, b)
    } else if let Some(b) = rest
        .strip_prefix('-')
        .or_else(|| rest.strip_prefix('\u{2212}'))
    {
        (-1, b)
    } else {
        return None;
    };
    let (h, m) = body.split_once(':').unwrap_or((body, "0"));
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(Some(sign * (h * 3600 + m * 60)))
}

/// Reads the localised snapshot time of a Cboe `Date:` line (the text after `Date:`).
pub fn parse_date_line(text: &str) -> Option<Timestamp> {
    const FILLERS: [&str; 9] = ["at", "de", "a", "las", "г.", "г", "в", "um", "à"];
    let (mut day, mut mon, mut year, mut time, mut pm, mut off) =
        (None, None, None, None, None, None);
    for raw in text.split([' ', ',', '\t']) {
        let tok = raw.trim().trim_matches('"');
        if tok.is_empty() || FILLERS.contains(&tok) {
            continue;
        }
        if let Some(m) = month(tok) {
            if mon.replace(m).is_some() {
                return None;
            }
        } else if let Some(z) = zone(tok) {
            off = Some(z);
        } else if tok.contains(':') {
            let t = NaiveTime::parse_from_str(tok, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(tok, "%H:%M:%S"))
                .ok()?;
            if time.replace(t).is_some() {
                return None;
            }
        } else if matches!(
            tok.to_ascii_lowercase().as_str(),
            "am" | "a.m." | "pm" | "p.m."
        ) {
            pm = Some(tok.to_ascii_lowercase().starts_with('p'));
        } else if tok.bytes().all(|b| b.is_ascii_digit()) {
            match tok.len() {
                4 if year.is_none() => year = Some(tok.parse::<i32>().ok()?),
                1 | 2 if day.is_none() => day = Some(tok.parse::<u32>().ok()?),
                _ => return None,
            }
        } else {
            return None;
        }
    }
    let date = NaiveDate::from_ymd_opt(year?, mon?, day?)?;
    let mut t = time?;
    if let Some(pm) = pm {
        use chrono::Timelike;
        let h = t.hour();
        if !(1..=12).contains(&h) {
            return None;
        }
        let h24 = match (pm, h) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
        t = t.with_hour(h24)?;
    }
    let local = NaiveDateTime::new(date, t);
    match off.flatten() {
        Some(secs) => {
            let dt = FixedOffset::east_opt(secs)?
                .from_local_datetime(&local)
                .single()?;
            Timestamp::from_datetime(&dt).ok()
        }
        None => Timestamp::from_ny_local(local).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_lines() {
        let t = |s: &str| parse_date_line(s).map(|t| t.to_string());
        assert_eq!(
            t("February 5 2022, 8:26 PM EST").as_deref(),
            Some("2022-02-06T01:26:00Z")
        );
        assert_eq!(
            t("July 12, 2022, 11:55 AM EDT").as_deref(),
            Some("2022-07-12T15:55:00Z")
        );
        assert_eq!(
            t("February 3, 2023 at 11:24 PM EST").as_deref(),
            Some("2023-02-04T04:24:00Z")
        );
        assert_eq!(
            t("14 April 2023, 18:31 UTC\u{2212}4").as_deref(),
            Some("2023-04-14T22:31:00Z")
        );
        assert_eq!(
            t("10 May 2023, at 3:10 PM EDT").as_deref(),
            Some("2023-05-10T19:10:00Z")
        );
        assert_eq!(
            t("13 May 2023, 4:33 AM EDT\"").as_deref(),
            Some("2023-05-13T08:33:00Z")
        );
        assert_eq!(
            t("14 de julio de 2026 a las 17:50 GMT-4").as_deref(),
            Some("2026-07-14T21:50:00Z")
        );
        assert_eq!(
            t("23 de marzo de 2022, 10:11 GMT-4").as_deref(),
            Some("2022-03-23T14:11:00Z")
        );
        assert_eq!(
            t("9 декабря 2023 г. в 13:49 GMT-5").as_deref(),
            Some("2023-12-09T18:49:00Z")
        );
        assert_eq!(
            t("January 7, 2024 at 12:05 AM EST").as_deref(),
            Some("2024-01-07T05:05:00Z")
        );
        assert_eq!(
            t("8 June 2023 7:56 PM"),
            Some("2023-06-08T23:56:00Z".to_string())
        );
        assert_eq!(t("4 June 4, 3:15 PM EDT"), None);
        assert_eq!(t(""), None);
        assert_eq!(t("13:00 PM June 4 2023"), None);
    }

    const FILE: &str = "\nSPX Index,Last: 4000.5,Change: 1\n\"Date: July 12, 2022, 11:55 AM EDT\",Bid: 3999,Ask: 4001,Size: 1*1,\"Volume: 1,234\"\n\
Expiration Date,Calls,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest,Strike,Puts,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest\n\
Tue Jul 12 2022,SPXW220712C04000000,5.5,0,5,6,\"1,200\",0.2,0.5,0.01,10,4000.00,SPXW220712P04000000,0,0,0,0.05,0,0,0,0,7\n\
Fri Jul 15 2022,SPX220715C04000000,0,0,0,0,0,0,1,0,0,4000,SPX220715P04000000,0,0,0,0,0,0,0,0,0\n\
Fri Jul 15 2022,SPX220715C04100000,0,0,0,0,0,0,1,0,0,4000,SPX220715P04100000,0,0,0,0,0,0,0,0,0\n";

    #[test]
    fn small_file() {
        let p = read_from(FILE.as_bytes(), Path::new("q.csv"), &CboeOptions::default()).unwrap();
        assert_eq!((p.rows_read, p.rows_ok), (3, 2));
        assert_eq!(p.rejects[0].line, 7);
        assert_eq!(p.rejects[0].field.as_deref(), Some("Calls"));
        let s = &p.data;
        assert_eq!(s.ts.to_string(), "2022-07-12T15:55:00Z");
        assert_eq!(s.underlying_price, Some(4000.5));
        assert_eq!(s.underlying_name.as_deref(), Some("SPX Index"));
        assert_eq!(s.chains.len(), 2);
        assert_eq!(
            (s.chains[0].root.as_deref(), s.chains[0].underlying.as_str()),
            (Some("SPX"), "SPX")
        );
        assert_eq!(
            (s.chains[1].root.as_deref(), s.chains[1].underlying.as_str()),
            (Some("SPXW"), "SPX")
        );
        let w = &s.chains[1].rows;
        assert_eq!(
            (w[0].bid, w[0].ask, w[0].volume, w[0].iv, w[0].last),
            (Some(5.0), Some(6.0), 1200, Some(0.2), Some(5.5))
        );
        assert_eq!(
            (w[1].bid, w[1].ask, w[1].open_interest, w[1].right),
            (Some(0.0), Some(0.05), Some(7), OptionRight::Put)
        );
        let m = &s.chains[0].rows;
        assert_eq!((m[0].bid, m[0].ask, m[0].iv), (None, None, None));
    }

    #[test]
    fn unreadable_date_needs_fallback() {
        let f = FILE.replace("July 12, 2022, 11:55 AM EDT", "4 June 4, 3:15 PM EDT");
        let e = read_from(f.as_bytes(), Path::new("q.csv"), &CboeOptions::default()).unwrap_err();
        assert!(matches!(e, DataError::MalformedFile { line: 3, .. }), "{e}");
        let fb = Timestamp::from_nanos(1);
        let o = CboeOptions {
            fallback_ts: Some(fb),
            ..Default::default()
        };
        let p = read_from(f.as_bytes(), Path::new("q.csv"), &o).unwrap();
        assert_eq!((p.data.ts, p.data.ts_source), (fb, TsSource::Fallback));
    }

    #[test]
    fn not_cboe() {
        assert!(
            read_from(
                "a,b\n1,2\n".as_bytes(),
                Path::new("q.csv"),
                &CboeOptions::default()
            )
            .is_err()
        );
        assert!(read_from("".as_bytes(), Path::new("q.csv"), &CboeOptions::default()).is_err());
    }
}
