//! Alpaca's option-chain JSON, read field by field so that an error names the field (bar
//! pages are read by [`crate::ingest::alpaca_json`]).
//!
//! Shape (Alpaca Market Data API reference, "Option chain"):
//!
//! ```text
//! GET /v1beta1/options/snapshots/{underlying}
//! {"snapshots": {"SPXW240119P04700000": {
//!      "latestQuote": {"t": "…", "ap": 1.1, "as": 10, "ax": "C", "bp": 1.0, "bs": 5, "bx": "C", "c": "A"},
//!      "latestTrade": {"t": "…", "p": 1.05, "s": 1, "x": "C", "c": "I"},
//!      "greeks": {"delta": -0.4, "gamma": 0.01, "rho": -0.1, "theta": -2.0, "vega": 1.5},
//!      "impliedVolatility": 0.14,
//!      "dailyBar": {"t": "…", "o": …, "h": …, "l": …, "c": …, "v": 1234, "n": 56, "vw": …}}, …},
//!  "next_page_token": "…" | null}
//! ```
//!
//! Older documentation spells the snapshot keys in snake case (`latest_quote`,
//! `latest_trade`, `implied_volatility`, `daily_bar`); both spellings are read.

use serde_json::{Map, Value};
use thetalab_core::{OccSymbol, Timestamp};

use crate::OptionQuote;

/// A field that is not what the documented shape says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireError {
    /// JSON path of the field (`bars[3].t`).
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> WireError {
    WireError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// The top-level object of a page, or an error for a body that is not JSON.
pub(crate) fn parse_object(body: &str) -> Result<Map<String, Value>, WireError> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(err(
            "(body)",
            format!("expected a JSON object, found {}", kind(&other)),
        )),
        Err(e) => Err(err("(body)", format!("not JSON: {e}"))),
    }
}

/// `next_page_token`: a non-empty string, or `None` when absent, null or empty.
pub(crate) fn next_page_token(page: &Map<String, Value>) -> Result<Option<String>, WireError> {
    match page.get("next_page_token") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(err(
            "next_page_token",
            format!("expected a string or null, found {}", kind(other)),
        )),
    }
}

/// One contract of a chain page: its symbol and quote, or `None` for the quote when the
/// snapshot has neither a quote nor a trade (nothing to stamp a time on).
pub(crate) type ContractRow = (OccSymbol, Option<OptionQuote>);

/// The contracts of one chain page, in the order of the JSON object.
pub(crate) fn snapshots_page(page: &Map<String, Value>) -> Result<Vec<ContractRow>, WireError> {
    let snaps = match page.get("snapshots") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(err(
                "snapshots",
                format!("expected an object, found {}", kind(other)),
            ));
        }
    };
    snaps
        .iter()
        .map(|(symbol, v)| {
            let path = format!("snapshots.{symbol}");
            let occ: OccSymbol = symbol.parse().map_err(|e| {
                err(
                    path.clone(),
                    format!("key is not an OCC option symbol: {e}"),
                )
            })?;
            Ok((occ, snapshot(&occ, v, &path)?))
        })
        .collect()
}

fn snapshot(occ: &OccSymbol, v: &Value, path: &str) -> Result<Option<OptionQuote>, WireError> {
    let o = object(v, path)?;
    let quote = member(o, &["latestQuote", "latest_quote"], path)?;
    let trade = member(o, &["latestTrade", "latest_trade"], path)?;
    let greeks = member(o, &["greeks"], path)?;
    let daily = member(o, &["dailyBar", "daily_bar"], path)?;

    let quote_ts = quote
        .as_ref()
        .map(|(q, p)| required_ts(q, "t", p))
        .transpose()?;
    let trade_ts = trade
        .as_ref()
        .map(|(t, p)| required_ts(t, "t", p))
        .transpose()?;
    let Some(ts) = quote_ts.or(trade_ts) else {
        return Ok(None);
    };

    let (mut bid, mut ask, mut bid_size, mut ask_size) = (None, None, None, None);
    if let Some((q, p)) = &quote {
        // OPRA and Alpaca write an empty side as price 0; the schema says None.
        bid = optional_f64(q, "bp", p)?.filter(|&x| x > 0.0);
        ask = optional_f64(q, "ap", p)?.filter(|&x| x > 0.0);
        bid_size = optional_u32(q, "bs", p)?;
        ask_size = optional_u32(q, "as", p)?;
    }
    let last = match &trade {
        Some((t, p)) => optional_f64(t, "p", p)?,
        None => None,
    };
    let volume = match &daily {
        Some((d, p)) => optional_u64(d, "v", p)?.unwrap_or(0),
        None => 0,
    };
    let (mut delta, mut gamma, mut vega, mut theta) = (None, None, None, None);
    if let Some((g, p)) = &greeks {
        delta = optional_f64(g, "delta", p)?;
        gamma = optional_f64(g, "gamma", p)?;
        vega = optional_f64(g, "vega", p)?;
        theta = optional_f64(g, "theta", p)?;
    }
    let iv = match o
        .get("impliedVolatility")
        .or_else(|| o.get("implied_volatility"))
    {
        None | Some(Value::Null) => None,
        Some(v) => Some(finite(v, &format!("{path}.impliedVolatility"))?),
    };
    Ok(Some(OptionQuote {
        ts,
        underlying_price: None,
        expiry: occ.expiry(),
        strike: occ.strike(),
        right: occ.right(),
        bid,
        ask,
        bid_size,
        ask_size,
        last,
        volume,
        open_interest: None,
        iv,
        delta,
        gamma,
        vega,
        theta,
    }))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, WireError> {
    v.as_object()
        .ok_or_else(|| err(path, format!("expected an object, found {}", kind(v))))
}

/// A JSON object and its path.
type Located<'a> = (&'a Map<String, Value>, String);

/// The first of `names` present and not null, as an object, with its path.
fn member<'a>(
    o: &'a Map<String, Value>,
    names: &[&str],
    path: &str,
) -> Result<Option<Located<'a>>, WireError> {
    for name in names {
        match o.get(*name) {
            None | Some(Value::Null) => {}
            Some(v) => {
                let p = format!("{path}.{name}");
                return Ok(Some((object(v, &p)?, p)));
            }
        }
    }
    Ok(None)
}

fn finite(v: &Value, path: &str) -> Result<f64, WireError> {
    match v.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err(err(path, format!("expected a finite number, found {v}"))),
    }
}

fn optional_f64(o: &Map<String, Value>, name: &str, path: &str) -> Result<Option<f64>, WireError> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => finite(v, &format!("{path}.{name}")).map(Some),
    }
}

fn optional_u64(o: &Map<String, Value>, name: &str, path: &str) -> Result<Option<u64>, WireError> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            err(
                format!("{path}.{name}"),
                format!("expected a non-negative integer, found {v}"),
            )
        }),
    }
}

fn optional_u32(o: &Map<String, Value>, name: &str, path: &str) -> Result<Option<u32>, WireError> {
    optional_u64(o, name, path)?
        .map(|n| {
            u32::try_from(n).map_err(|_| {
                err(
                    format!("{path}.{name}"),
                    format!("{n} is more than a u32 holds"),
                )
            })
        })
        .transpose()
}

fn required_ts(o: &Map<String, Value>, name: &str, path: &str) -> Result<Timestamp, WireError> {
    let field = format!("{path}.{name}");
    match o.get(name) {
        Some(Value::String(s)) => {
            Timestamp::parse_rfc3339(s).map_err(|e| err(field, e.to_string()))
        }
        None | Some(Value::Null) => Err(err(field, "missing")),
        Some(other) => Err(err(
            field,
            format!("expected an RFC 3339 string, found {}", kind(other)),
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use thetalab_core::OptionRight;

    #[test]
    fn tokens_and_bodies() {
        for (body, token) in [
            (r#"{"snapshots":{},"next_page_token":"abc"}"#, Some("abc")),
            (r#"{"snapshots":null,"next_page_token":null}"#, None),
            (r#"{"next_page_token":""}"#, None),
            ("{}", None),
        ] {
            let page = parse_object(body).unwrap();
            assert_eq!(next_page_token(&page).unwrap().as_deref(), token, "{body}");
        }
        assert!(
            snapshots_page(&parse_object("{}").unwrap())
                .unwrap()
                .is_empty()
        );
        assert_eq!(parse_object("[1]").unwrap_err().field, "(body)");
        assert!(parse_object("{").unwrap_err().reason.contains("not JSON"));
        let p = parse_object(r#"{"next_page_token":5}"#).unwrap();
        assert_eq!(next_page_token(&p).unwrap_err().field, "next_page_token");
        let p = parse_object(r#"{"snapshots":[]}"#).unwrap();
        assert_eq!(snapshots_page(&p).unwrap_err().field, "snapshots");
    }

    #[test]
    fn snapshot_maps_quote_trade_greeks() {
        let page = parse_object(
            r#"{"snapshots":{
                "SPXW240119P04700000":{"latestQuote":{"t":"2024-01-19T15:30:00Z","ap":1.2,"as":31,"bp":0,"bs":0},
                                        "latestTrade":{"t":"2024-01-19T15:29:00Z","p":1.1,"s":2},
                                        "greeks":{"delta":-0.31,"gamma":0.012,"rho":-0.01,"theta":-45.2,"vega":0.61},
                                        "impliedVolatility":0.112,
                                        "dailyBar":{"t":"2024-01-19T05:00:00Z","o":1,"h":1,"l":1,"c":1,"v":10234}},
                "SPXW240119C04800000":{"latest_trade":{"t":"2024-01-19T15:00:00Z","p":0.05,"s":1}},
                "SPXW240119C04900000":{}}}"#,
        )
        .unwrap();
        let rows = snapshots_page(&page).unwrap();
        assert_eq!(rows.len(), 3);
        let get = |s: &str| {
            rows.iter()
                .find(|(sym, _)| sym.to_compact() == s)
                .unwrap()
                .1
        };
        let q = get("SPXW240119P04700000").unwrap();
        assert_eq!(q.ts.to_string(), "2024-01-19T15:30:00Z");
        assert_eq!((q.strike, q.right), (4700.0, OptionRight::Put));
        assert_eq!(
            q.expiry,
            chrono::NaiveDate::from_ymd_opt(2024, 1, 19).unwrap()
        );
        assert_eq!(
            (q.bid, q.ask, q.bid_size, q.ask_size),
            (None, Some(1.2), Some(0), Some(31))
        );
        assert_eq!(
            (q.last, q.volume, q.open_interest),
            (Some(1.1), 10234, None)
        );
        assert_eq!(
            (q.iv, q.delta, q.gamma, q.vega, q.theta),
            (
                Some(0.112),
                Some(-0.31),
                Some(0.012),
                Some(0.61),
                Some(-45.2)
            )
        );
        // Trade only, keys in snake case: stamped with the trade time.
        let q = get("SPXW240119C04800000").unwrap();
        assert_eq!(q.ts.to_string(), "2024-01-19T15:00:00Z");
        assert_eq!((q.bid, q.ask, q.last, q.iv), (None, None, Some(0.05), None));
        assert!(get("SPXW240119C04900000").is_none());
    }

    #[test]
    fn snapshot_errors_name_the_field() {
        let e = snapshots_page(&parse_object(r#"{"snapshots":{"NOTASYMBOL":{}}}"#).unwrap())
            .unwrap_err();
        assert_eq!(e.field, "snapshots.NOTASYMBOL");
        let e = snapshots_page(
            &parse_object(r#"{"snapshots":{"SPY240119C00400000":{"latestQuote":{"t":"2024-01-19T15:30:00Z","bs":5000000000}}}}"#)
                .unwrap(),
        )
        .unwrap_err();
        assert_eq!(e.field, "snapshots.SPY240119C00400000.latestQuote.bs");
        let e = snapshots_page(
            &parse_object(r#"{"snapshots":{"SPY240119C00400000":{"latestQuote":{"ap":1}}}}"#)
                .unwrap(),
        )
        .unwrap_err();
        assert_eq!(e.field, "snapshots.SPY240119C00400000.latestQuote.t");
    }
}
