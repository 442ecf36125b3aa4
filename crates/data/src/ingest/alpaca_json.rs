//! Alpaca Market Data API v2 bar responses (JSON), as saved from the REST API.
//!
//! Two shapes (Alpaca's documentation, "Historical bars"):
//!
//! - single symbol, `GET /v2/stocks/{symbol}/bars`:
//!   `{"bars":[{"t":"2024-01-02T05:00:00Z","o":..,"h":..,"l":..,"c":..,"v":..,"n":..,"vw":..}],"symbol":"AAPL","next_page_token":null}`
//! - several symbols, `GET /v2/stocks/bars?symbols=…`:
//!   `{"bars":{"AAPL":[…],"MSFT":[…]},"next_page_token":"…"}`
//!
//! `t` is the bar's start (RFC 3339, UTC); `o h l c v` are required, `n` (trade count)
//! and `vw` (VWAP) optional. `bars` may be `null` or empty on an empty page. The
//! `next_page_token` is returned so that a client can ask for the next page. A bar that
//! cannot be read is a [`Reject`](super::Reject) whose `line` is the line where that
//! bar's object starts and whose `raw` is the object's text.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use thetalab_core::Timestamp;

use super::input::{self, FieldError, malformed};
use super::{Parsed, Reject, sort_series};
use crate::DataError;
use crate::schema::{Bar, BarSeries};

/// One page of bars.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlpacaBars {
    /// One series per symbol, sorted by symbol.
    pub series: Vec<BarSeries>,
    /// The token for the next page (`None` on the last page).
    pub next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    bars: Option<&'a RawValue>,
    #[serde(default)]
    symbol: Option<String>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// Reads a saved response file.
pub fn read(path: &Path) -> Result<Parsed<AlpacaBars>, DataError> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut input::open(path)?, &mut text)
        .map_err(|e| input::io_error(path, e))?;
    parse_str(&text, path)
}

/// Parses a response body; `name` stands for the file (or the request) in errors.
pub fn parse_str(text: &str, name: &Path) -> Result<Parsed<AlpacaBars>, DataError> {
    let text = text.trim_start_matches('\u{feff}');
    let page: Page<'_> = serde_json::from_str(text).map_err(|e| {
        malformed(
            name,
            e.line() as u64,
            None,
            format!("not an Alpaca bars response: {e}"),
        )
    })?;
    let mut groups: BTreeMap<String, Vec<&RawValue>> = BTreeMap::new();
    if let Some(raw) = page.bars {
        let body = raw.get().trim_start();
        let line = line_at(text, raw.get());
        if body.starts_with('[') {
            let Some(symbol) = page.symbol.clone() else {
                return Err(malformed(
                    name,
                    1,
                    Some("symbol"),
                    "a single-symbol response needs \"symbol\"",
                ));
            };
            let list: Vec<&RawValue> = serde_json::from_str(raw.get())
                .map_err(|e| malformed(name, line, Some("bars"), e.to_string()))?;
            groups.insert(symbol, list);
        } else if body.starts_with('{') {
            groups = serde_json::from_str(raw.get())
                .map_err(|e| malformed(name, line, Some("bars"), e.to_string()))?;
        } else if body != "null" {
            return Err(malformed(
                name,
                line,
                Some("bars"),
                "expected an array, an object of arrays, or null",
            ));
        }
    }
    let mut out = Parsed {
        data: AlpacaBars::default(),
        rejects: Vec::new(),
        rows_read: 0,
        rows_ok: 0,
    };
    for (symbol, list) in groups {
        let mut bars = Vec::with_capacity(list.len());
        for (i, raw) in list.into_iter().enumerate() {
            out.rows_read += 1;
            match bar(raw.get()) {
                Ok(b) => {
                    bars.push(b);
                    out.rows_ok += 1;
                }
                Err(e) => out.rejects.push(Reject {
                    file: name.to_path_buf(),
                    line: line_at(text, raw.get()),
                    field: e.field.map(|f| format!("bars.{symbol}[{i}].{f}")),
                    reason: e.reason,
                    raw: raw.get().to_string(),
                }),
            }
        }
        out.data.series.push(BarSeries { symbol, bars });
    }
    sort_series(&mut out.data.series);
    out.data.next_page_token = page.next_page_token.filter(|t| !t.is_empty());
    Ok(out)
}

/// 1-based line of `part` (a slice of `text`) within `text`.
fn line_at(text: &str, part: &str) -> u64 {
    let offset = (part.as_ptr() as usize)
        .saturating_sub(text.as_ptr() as usize)
        .min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

fn bar(raw: &str) -> Result<Bar, FieldError> {
    let obj: Map<String, Value> =
        serde_json::from_str(raw).map_err(|e| FieldError::row(format!("not a bar object: {e}")))?;
    let num = |k: &str| -> Result<f64, FieldError> {
        match obj.get(k) {
            None => Err(FieldError::new(k, "missing")),
            Some(Value::Number(n)) => n
                .as_f64()
                .filter(|v| v.is_finite())
                .ok_or_else(|| FieldError::new(k, format!("{n} is not finite"))),
            Some(v) => Err(FieldError::new(k, format!("{v} is not a number"))),
        }
    };
    let ts = match obj.get("t") {
        Some(Value::String(s)) => {
            Timestamp::parse_rfc3339(s).map_err(|e| FieldError::new("t", e.to_string()))?
        }
        Some(v) => {
            return Err(FieldError::new(
                "t",
                format!("{v} is not an RFC 3339 string"),
            ));
        }
        None => return Err(FieldError::new("t", "missing")),
    };
    let volume = num("v")?;
    if volume < 0.0 {
        return Err(FieldError::new("v", format!("negative volume {volume}")));
    }
    let vwap = match obj.get("vw") {
        None | Some(Value::Null) => None,
        Some(_) => Some(num("vw")?),
    };
    let trade_count = match obj.get("n") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
        Some(v) => {
            return Err(FieldError::new(
                "n",
                format!("{v} is not a whole non-negative number"),
            ));
        }
    };
    Ok(Bar {
        ts,
        open: num("o")?,
        high: num("h")?,
        low: num("l")?,
        close: num("c")?,
        volume,
        vwap,
        trade_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_multi() {
        let single = r#"{"bars":[{"t":"2024-01-02T05:00:00Z","o":187.15,"h":188.44,"l":183.885,"c":185.64,"v":82488674,"n":1009074,"vw":185.9465}],"symbol":"AAPL","next_page_token":null}"#;
        let p = parse_str(single, Path::new("a.json")).unwrap();
        assert_eq!(p.data.series[0].symbol, "AAPL");
        assert_eq!(p.data.series[0].bars[0].trade_count, Some(1_009_074));
        assert_eq!(p.data.next_page_token, None);
        let multi = "{\"bars\":{\"B\":[{\"t\":\"2024-01-02T05:00:00Z\",\"o\":1,\"h\":2,\"l\":0.5,\"c\":1,\"v\":3}],\n\"A\":[\n{\"t\":\"x\",\"o\":1,\"h\":2,\"l\":0.5,\"c\":1,\"v\":3}]},\"next_page_token\":\"QUFQTHxN\"}";
        let p = parse_str(multi, Path::new("m.json")).unwrap();
        assert_eq!(p.data.next_page_token.as_deref(), Some("QUFQTHxN"));
        assert_eq!((p.rows_read, p.rows_ok), (2, 1));
        assert_eq!(p.rejects[0].line, 3);
        assert_eq!(p.rejects[0].field.as_deref(), Some("bars.A[0].t"));
        let empty = r#"{"bars":null,"symbol":"AAPL","next_page_token":null}"#;
        assert_eq!(parse_str(empty, Path::new("e.json")).unwrap().rows_read, 0);
    }

    #[test]
    fn bad_shapes_are_errors() {
        for text in [
            "",
            "[]",
            "{\"bars\":3}",
            "{\"bars\":[{}]}",
            "{\"bars\":{\"A\":3}}",
        ] {
            assert!(parse_str(text, Path::new("x.json")).is_err(), "{text}");
        }
    }
}
