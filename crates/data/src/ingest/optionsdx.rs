//! End-of-day option chain files of three vendors' layouts, detected from the header.
//!
//! - [`Layout::HistoricalOptionData`] (optopsy samples, HistoricalOptionData.com): one
//!   contract per row, `underlying,underlying_last, exchange,optionroot,optionext,type,
//!   expiration,quotedate,strike,last,bid,ask,volume,openinterest,impliedvol,delta,gamma,
//!   theta,vega,optionalias`, dates `MM/DD/YYYY`; also the older
//!   `UnderlyingSymbol,UnderlyingPrice,…,OptionSymbol,Type,Expiration,DataDate,…,IVMean`
//!   form. Quotes are end of day: stamped **16:00 New York** of the quote date (the
//!   close of the underlying, whose price `underlying_last` is).
//! - [`Layout::DataShop`] (Cboe DataShop "Option EOD Summary", with or without
//!   calcs): `underlying_symbol,quote_date,root,expiration,strike,option_type,…,
//!   bid_size_1545,bid_1545,ask_size_1545,ask_1545,underlying_bid_1545,
//!   underlying_ask_1545,[implied_volatility_1545,delta_1545,…],[bid_eod,ask_eod,…],
//!   open_interest`. By default ([`DataShopQuote::At1545`]) the 15:45 snapshot is taken:
//!   stamped **15:45 New York**, underlying price `active_underlying_price_1545` when
//!   positive, else the mid of `underlying_bid/ask_1545`, with the 15:45 IV and Greeks.
//!   [`DataShopQuote::Eod`] takes `bid_eod/ask_eod` instead, stamped **16:00 New
//!   York**, with the mid of `underlying_bid/ask_eod` and no analytics (DataShop computes
//!   them at 15:45 only). `close` is the last trade (`None` when 0 or no volume);
//!   `^SPX` becomes `SPX`.
//! - [`Layout::OptionsDx`] (OptionsDX `spx_eod_YYYYMM.txt`): calls and puts side by
//!   side, bracketed headers `[QUOTE_UNIXTIME], [QUOTE_READTIME], [QUOTE_DATE],
//!   [QUOTE_TIME_HOURS], [UNDERLYING_LAST], [EXPIRE_DATE], [EXPIRE_UNIX], [DTE],
//!   [C_DELTA], …, [C_SIZE], [C_BID], [C_ASK], [STRIKE], [P_BID], …`, fields separated
//!   by `, `. Two quotes per row, stamped at `QUOTE_UNIXTIME` (epoch seconds; else
//!   `QUOTE_READTIME` read as New York time); `[C_SIZE]` is `bid x ask` sizes. The file
//!   has no symbol: it comes from [`OptionsDxOptions::underlying`] or the file name
//!   (`spx_eod_202301.txt` → `SPX`).
//!
//! Zeros are treated as in [`cboe`](super::cboe): bid 0 and ask 0 → no quote; IV 0 →
//! `None`; empty cells → `None`.

use std::path::Path;

use chrono::NaiveDateTime;
use csv::ByteRecord;
use thetalab_core::{OptionRight, Timestamp};

use super::input::{self, Col, FieldError, Header, at, text};
use super::{ChainGrouper, Parsed};
use crate::DataError;
use crate::schema::{ChainRows, OptionQuote};

/// Which DataShop quote to take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DataShopQuote {
    /// `bid_1545/ask_1545`, with the 15:45 analytics, at 15:45 New York.
    #[default]
    At1545,
    /// `bid_eod/ask_eod` at 16:00 New York, no analytics.
    Eod,
}

/// Options of the EOD chain adapter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionsDxOptions {
    /// Underlying symbol (needed for OptionsDX files, which carry none; default from the
    /// file name). Overrides the file's own symbol in the other layouts.
    pub underlying: Option<String>,
    /// DataShop: which quote to take.
    pub datashop_quote: DataShopQuote,
}

/// The layouts this adapter reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// HistoricalOptionData.com / optopsy: one contract per row.
    HistoricalOptionData,
    /// Cboe DataShop EOD summary: one contract per row.
    DataShop,
    /// OptionsDX: a call and a put per row.
    OptionsDx,
}

impl Layout {
    /// The layout of a header, given its normalised column names.
    pub(crate) fn detect_names(names: &[String]) -> Option<Layout> {
        let has = |n: &str| names.iter().any(|x| x == n);
        if has("quoteunixtime") || (has("quotereadtime") && has("cbid")) {
            Some(Layout::OptionsDx)
        } else if has("quotedate") && has("optiontype") && has("root") {
            Some(Layout::DataShop)
        } else if (has("quotedate") || has("datadate"))
            && (has("optionroot") || has("optionsymbol"))
        {
            Some(Layout::HistoricalOptionData)
        } else {
            None
        }
    }
}

/// A chain file's quotes and the layout found.
#[derive(Debug, Clone, PartialEq)]
pub struct EodChains {
    /// The layout detected from the header.
    pub layout: Layout,
    /// Quotes, one group per underlying and root.
    pub chains: Vec<ChainRows>,
}

/// Reads an EOD chain file of any of the three layouts.
pub fn read(path: &Path, opts: &OptionsDxOptions) -> Result<Parsed<EodChains>, DataError> {
    read_from(input::open(path)?, path, opts)
}

fn opt_f(rec: &ByteRecord, col: &Option<Col>) -> Result<Option<f64>, FieldError> {
    match col {
        Some(col) => at(col, input::opt_num(text(rec, col)?)),
        None => Ok(None),
    }
}

fn opt_n(rec: &ByteRecord, col: &Option<Col>) -> Result<Option<u64>, FieldError> {
    match col {
        Some(col) => at(col, input::opt_count(text(rec, col)?)),
        None => Ok(None),
    }
}

fn opt_size(rec: &ByteRecord, col: &Option<Col>) -> Result<Option<u32>, FieldError> {
    match (opt_n(rec, col)?, col) {
        (Some(v), Some(col)) => u32::try_from(v)
            .map(Some)
            .map_err(|_| FieldError::new(&col.name, format!("size {v} too large"))),
        _ => Ok(None),
    }
}

fn positive_strike(rec: &ByteRecord, col: &Col) -> Result<f64, FieldError> {
    let k = at(col, input::num(text(rec, col)?))?;
    if k > 0.0 {
        Ok(k)
    } else {
        Err(FieldError::new(
            &col.name,
            format!("strike {k} is not positive"),
        ))
    }
}

fn sides(rec: &ByteRecord, bid: &Col, ask: &Col) -> Result<(Option<f64>, Option<f64>), FieldError> {
    let b = at(bid, input::opt_num(text(rec, bid)?))?;
    let a = at(ask, input::opt_num(text(rec, ask)?))?;
    input::zero_quote(b, a).map_err(|r| FieldError::new(&bid.name, r))
}

struct HodCols {
    underlying: Col,
    underlying_last: Option<Col>,
    root: Option<Col>,
    right: Col,
    expiry: Col,
    date: Col,
    strike: Col,
    last: Option<Col>,
    bid: Col,
    ask: Col,
    volume: Option<Col>,
    open_interest: Option<Col>,
    iv: Option<Col>,
    delta: Option<Col>,
    gamma: Option<Col>,
    theta: Option<Col>,
    vega: Option<Col>,
}

struct ShopCols {
    underlying: Col,
    date: Col,
    root: Col,
    expiry: Col,
    strike: Col,
    right: Col,
    close: Option<Col>,
    volume: Option<Col>,
    bid_size: Option<Col>,
    bid: Col,
    ask_size: Option<Col>,
    ask: Col,
    und_bid: Option<Col>,
    und_ask: Option<Col>,
    active_und: Option<Col>,
    iv: Option<Col>,
    delta: Option<Col>,
    gamma: Option<Col>,
    theta: Option<Col>,
    vega: Option<Col>,
    open_interest: Option<Col>,
}

struct DxSide {
    bid: Col,
    ask: Col,
    size: Option<Col>,
    last: Option<Col>,
    volume: Option<Col>,
    iv: Option<Col>,
    delta: Option<Col>,
    gamma: Option<Col>,
    vega: Option<Col>,
    theta: Option<Col>,
}

struct DxCols {
    unix: Option<Col>,
    read_time: Option<Col>,
    underlying_last: Option<Col>,
    expiry: Col,
    strike: Col,
    call: DxSide,
    put: DxSide,
}

enum Plan {
    Hod(HodCols),
    Shop(ShopCols, DataShopQuote),
    Dx(DxCols, String),
}

fn plan(
    h: &Header,
    layout: Layout,
    name: &Path,
    opts: &OptionsDxOptions,
) -> Result<Plan, DataError> {
    Ok(match layout {
        Layout::HistoricalOptionData => Plan::Hod(HodCols {
            underlying: h.require(name, &["underlying", "underlyingsymbol"])?,
            underlying_last: h.find(&["underlyinglast", "underlyingprice"]),
            root: h.find(&["optionroot", "optionsymbol"]),
            right: h.require(name, &["type", "optiontype"])?,
            expiry: h.require(name, &["expiration", "expiry"])?,
            date: h.require(name, &["quotedate", "datadate"])?,
            strike: h.require(name, &["strike"])?,
            last: h.find(&["last"]),
            bid: h.require(name, &["bid"])?,
            ask: h.require(name, &["ask"])?,
            volume: h.find(&["volume"]),
            open_interest: h.find(&["openinterest"]),
            iv: h.find(&["impliedvol", "ivmean", "iv"]),
            delta: h.find(&["delta"]),
            gamma: h.find(&["gamma"]),
            theta: h.find(&["theta"]),
            vega: h.find(&["vega"]),
        }),
        Layout::DataShop => {
            let q = opts.datashop_quote;
            let (bs, b, a_s, a, ub, ua) = match q {
                DataShopQuote::At1545 => (
                    "bidsize1545",
                    "bid1545",
                    "asksize1545",
                    "ask1545",
                    "underlyingbid1545",
                    "underlyingask1545",
                ),
                DataShopQuote::Eod => (
                    "bidsizeeod",
                    "bideod",
                    "asksizeeod",
                    "askeod",
                    "underlyingbideod",
                    "underlyingaskeod",
                ),
            };
            let calc = |n: &str| {
                if q == DataShopQuote::At1545 {
                    h.find(&[n])
                } else {
                    None
                }
            };
            Plan::Shop(
                ShopCols {
                    underlying: h.require(name, &["underlyingsymbol"])?,
                    date: h.require(name, &["quotedate"])?,
                    root: h.require(name, &["root"])?,
                    expiry: h.require(name, &["expiration"])?,
                    strike: h.require(name, &["strike"])?,
                    right: h.require(name, &["optiontype"])?,
                    close: h.find(&["close"]),
                    volume: h.find(&["tradevolume"]),
                    bid_size: h.find(&[bs]),
                    bid: h.require(name, &[b])?,
                    ask_size: h.find(&[a_s]),
                    ask: h.require(name, &[a])?,
                    und_bid: h.find(&[ub]),
                    und_ask: h.find(&[ua]),
                    active_und: calc("activeunderlyingprice1545"),
                    iv: calc("impliedvolatility1545"),
                    delta: calc("delta1545"),
                    gamma: calc("gamma1545"),
                    theta: calc("theta1545"),
                    vega: calc("vega1545"),
                    open_interest: h.find(&["openinterest"]),
                },
                q,
            )
        }
        Layout::OptionsDx => {
            let side = |p: &str| -> Result<DxSide, DataError> {
                let n = |s: &str| format!("{p}{s}");
                Ok(DxSide {
                    bid: h.require(name, &[n("bid").as_str()])?,
                    ask: h.require(name, &[n("ask").as_str()])?,
                    size: h.find(&[n("size").as_str()]),
                    last: h.find(&[n("last").as_str()]),
                    volume: h.find(&[n("volume").as_str()]),
                    iv: h.find(&[n("iv").as_str()]),
                    delta: h.find(&[n("delta").as_str()]),
                    gamma: h.find(&[n("gamma").as_str()]),
                    vega: h.find(&[n("vega").as_str()]),
                    theta: h.find(&[n("theta").as_str()]),
                })
            };
            let unix = h.find(&["quoteunixtime"]);
            let read_time = h.find(&["quotereadtime"]);
            if unix.is_none() && read_time.is_none() {
                h.require(name, &["quoteunixtime", "quotereadtime"])?;
            }
            let underlying = opts
                .underlying
                .clone()
                .or_else(|| input::symbol_from_path(name))
                .ok_or_else(|| DataError::IngestConfig {
                    source_name: name.display().to_string(),
                    reason: "OptionsDX files carry no symbol: give OptionsDxOptions::underlying"
                        .to_string(),
                })?;
            Plan::Dx(
                DxCols {
                    unix,
                    read_time,
                    underlying_last: h.find(&["underlyinglast"]),
                    expiry: h.require(name, &["expiredate"])?,
                    strike: h.require(name, &["strike"])?,
                    call: side("c")?,
                    put: side("p")?,
                },
                underlying,
            )
        }
    })
}

/// Like [`read`], from any reader (`name` stands for the file in errors).
pub fn read_from<R: std::io::Read>(
    reader: R,
    name: &Path,
    opts: &OptionsDxOptions,
) -> Result<Parsed<EodChains>, DataError> {
    let mut rdr = input::csv_reader(input::wrap(reader, name)?, b',');
    let h = input::read_header(&mut rdr, name, 0)?;
    let layout = Layout::detect_names(h.norm_names()).ok_or_else(|| {
        input::malformed(
            name,
            h.line,
            None,
            "header is none of the OptionsDX, Cboe DataShop or HistoricalOptionData layouts",
        )
    })?;
    let plan = plan(&h, layout, name, opts)?;
    let mut groups = ChainGrouper::default();
    let mut out = Parsed {
        data: EodChains {
            layout,
            chains: Vec::new(),
        },
        rejects: Vec::new(),
        rows_read: 0,
        rows_ok: 0,
    };
    let mut rec = ByteRecord::new();
    let fixed = opts.underlying.as_deref();
    while input::next_record(&mut rdr, &mut rec, name)? {
        out.rows_read += 1;
        let res = match &plan {
            Plan::Hod(c) => hod_row(&rec, c, fixed).map(|(u, r, q)| groups.push(u, r, q)),
            Plan::Shop(c, which) => {
                shop_row(&rec, c, *which, fixed).map(|(u, r, q)| groups.push(u, Some(r), q))
            }
            Plan::Dx(c, und) => dx_row(&rec, c).map(|[call, put]| {
                groups.push(und, None, call);
                groups.push(und, None, put);
            }),
        };
        match res {
            Ok(()) => out.rows_ok += 1,
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
    out.data.chains = groups.finish();
    Ok(out)
}

fn root_of(symbol: &str) -> Option<&str> {
    let end = symbol.find(|c: char| c.is_ascii_digit())?;
    let r = symbol[..end].trim();
    (!r.is_empty()).then_some(r)
}

fn hod_row<'r>(
    rec: &'r ByteRecord,
    c: &HodCols,
    fixed: Option<&'r str>,
) -> Result<(&'r str, Option<&'r str>, OptionQuote), FieldError> {
    let und_text = text(rec, &c.underlying)?;
    if und_text.is_empty() {
        return Err(FieldError::new(&c.underlying.name, "empty"));
    }
    let root = match &c.root {
        Some(col) => root_of(text(rec, col)?),
        None => None,
    };
    let date = at(&c.date, input::date(text(rec, &c.date)?))?;
    let (bid, ask) = sides(rec, &c.bid, &c.ask)?;
    let q = OptionQuote {
        ts: at(&c.date, input::ny_at(date, 16, 0))?,
        underlying_price: opt_f(rec, &c.underlying_last)?.filter(|v| *v > 0.0),
        expiry: at(&c.expiry, input::date(text(rec, &c.expiry)?))?,
        strike: positive_strike(rec, &c.strike)?,
        right: at(&c.right, input::right(text(rec, &c.right)?))?,
        bid,
        ask,
        bid_size: None,
        ask_size: None,
        last: input::nonzero(opt_f(rec, &c.last)?),
        volume: opt_n(rec, &c.volume)?.unwrap_or(0),
        open_interest: opt_n(rec, &c.open_interest)?,
        iv: input::nonzero(opt_f(rec, &c.iv)?),
        delta: opt_f(rec, &c.delta)?,
        gamma: opt_f(rec, &c.gamma)?,
        vega: opt_f(rec, &c.vega)?,
        theta: opt_f(rec, &c.theta)?,
    };
    Ok((
        fixed.unwrap_or_else(|| input::underlying_of(und_text)),
        root,
        q,
    ))
}

fn shop_row<'r>(
    rec: &'r ByteRecord,
    c: &ShopCols,
    which: DataShopQuote,
    fixed: Option<&'r str>,
) -> Result<(&'r str, &'r str, OptionQuote), FieldError> {
    let und_text = text(rec, &c.underlying)?.trim_start_matches('^');
    let root = text(rec, &c.root)?;
    if und_text.is_empty() || root.is_empty() {
        return Err(FieldError::row("empty underlying_symbol or root"));
    }
    let date = at(&c.date, input::date(text(rec, &c.date)?))?;
    let ts = match which {
        DataShopQuote::At1545 => input::ny_at(date, 15, 45),
        DataShopQuote::Eod => input::ny_at(date, 16, 0),
    };
    let (bid, ask) = sides(rec, &c.bid, &c.ask)?;
    let und_mid = match (opt_f(rec, &c.und_bid)?, opt_f(rec, &c.und_ask)?) {
        (Some(b), Some(a)) if b > 0.0 && a > 0.0 => Some(0.5 * (b + a)),
        _ => None,
    };
    let volume = opt_n(rec, &c.volume)?.unwrap_or(0);
    let q = OptionQuote {
        ts: at(&c.date, ts)?,
        underlying_price: opt_f(rec, &c.active_und)?.filter(|v| *v > 0.0).or(und_mid),
        expiry: at(&c.expiry, input::date(text(rec, &c.expiry)?))?,
        strike: positive_strike(rec, &c.strike)?,
        right: at(&c.right, input::right(text(rec, &c.right)?))?,
        bid,
        ask,
        bid_size: opt_size(rec, &c.bid_size)?,
        ask_size: opt_size(rec, &c.ask_size)?,
        last: input::nonzero(opt_f(rec, &c.close)?).filter(|_| volume > 0),
        volume,
        open_interest: opt_n(rec, &c.open_interest)?,
        iv: input::nonzero(opt_f(rec, &c.iv)?),
        delta: opt_f(rec, &c.delta)?,
        gamma: opt_f(rec, &c.gamma)?,
        vega: opt_f(rec, &c.vega)?,
        theta: opt_f(rec, &c.theta)?,
    };
    Ok((
        fixed.unwrap_or_else(|| input::underlying_of(und_text)),
        root,
        q,
    ))
}

/// `"300 x 300"` → (300, 300).
fn size_pair(
    rec: &ByteRecord,
    col: &Option<Col>,
) -> Result<(Option<u32>, Option<u32>), FieldError> {
    let Some(col) = col else {
        return Ok((None, None));
    };
    let s = text(rec, col)?;
    if s.is_empty() {
        return Ok((None, None));
    }
    let bad = || FieldError::new(&col.name, format!("{s:?} is not `bid x ask` sizes"));
    let (b, a) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let p = |v: &str| {
        input::count(v.trim())
            .ok()
            .and_then(|v| u32::try_from(v).ok())
    };
    match (p(b), p(a)) {
        (Some(b), Some(a)) => Ok((Some(b), Some(a))),
        _ => Err(bad()),
    }
}

fn dx_row(rec: &ByteRecord, c: &DxCols) -> Result<[OptionQuote; 2], FieldError> {
    let ts = match (&c.unix, &c.read_time) {
        (Some(col), _) if !text(rec, col)?.is_empty() => {
            let s = text(rec, col)?;
            let secs = s
                .parse::<i64>()
                .or_else(|_| s.parse::<f64>().map(|v| v as i64))
                .map_err(|_| FieldError::new(&col.name, format!("{s:?} is not epoch seconds")))?;
            at(col, Timestamp::from_secs(secs).map_err(|e| e.to_string()))?
        }
        (_, Some(col)) => {
            let s = text(rec, col)?;
            let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
                .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S"))
                .map_err(|_| {
                    FieldError::new(&col.name, format!("{s:?} is not YYYY-MM-DD HH:MM"))
                })?;
            at(
                col,
                Timestamp::from_ny_local(local).map_err(|e| e.to_string()),
            )?
        }
        (Some(col), None) => return Err(FieldError::new(&col.name, "empty")),
        (None, None) => return Err(FieldError::row("no quote time column")),
    };
    let underlying_price = opt_f(rec, &c.underlying_last)?.filter(|v| *v > 0.0);
    let expiry = at(&c.expiry, input::date(text(rec, &c.expiry)?))?;
    let strike = positive_strike(rec, &c.strike)?;
    let side = |s: &DxSide, right: OptionRight| -> Result<OptionQuote, FieldError> {
        let (bid, ask) = sides(rec, &s.bid, &s.ask)?;
        let (bid_size, ask_size) = size_pair(rec, &s.size)?;
        Ok(OptionQuote {
            ts,
            underlying_price,
            expiry,
            strike,
            right,
            bid,
            ask,
            bid_size,
            ask_size,
            last: input::nonzero(opt_f(rec, &s.last)?),
            volume: opt_n(rec, &s.volume)?.unwrap_or(0),
            open_interest: None,
            iv: input::nonzero(opt_f(rec, &s.iv)?),
            delta: opt_f(rec, &s.delta)?,
            gamma: opt_f(rec, &s.gamma)?,
            vega: opt_f(rec, &s.vega)?,
            theta: opt_f(rec, &s.theta)?,
        })
    };
    Ok([
        side(&c.call, OptionRight::Call)?,
        side(&c.put, OptionRight::Put)?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    const DX: &str = "[QUOTE_UNIXTIME], [QUOTE_READTIME], [QUOTE_DATE], [QUOTE_TIME_HOURS], [UNDERLYING_LAST], [EXPIRE_DATE], [EXPIRE_UNIX], [DTE], [C_DELTA], [C_GAMMA], [C_VEGA], [C_THETA], [C_RHO], [C_IV], [C_VOLUME], [C_LAST], [C_SIZE], [C_BID], [C_ASK], [STRIKE], [P_BID], [P_ASK], [P_SIZE], [P_LAST], [P_DELTA], [P_GAMMA], [P_VEGA], [P_THETA], [P_RHO], [P_IV], [P_VOLUME], [STRIKE_DISTANCE], [STRIKE_DISTANCE_PCT]\n\
1700000000, 2023-11-14 17:13, 2023-11-14, 17.22, 100.0, 2023-11-17, 1700254800, 3.0, 0.5, 0.01, 0.1, -0.2, 0.01, 0.25, 10, 2.5, 1 x 2, 2.4, 2.6, 100.0, 2.3, 2.5, 3 x 4, 2.45, -0.5, 0.01, 0.1, -0.2, -0.01, 0.26, 5, 0.0, 0.0\n";

    #[test]
    fn optionsdx_row_gives_two_quotes() {
        let p = read_from(
            DX.as_bytes(),
            Path::new("spx_eod_202311.txt"),
            &OptionsDxOptions::default(),
        )
        .unwrap();
        assert_eq!(p.data.layout, Layout::OptionsDx);
        assert_eq!((p.rows_read, p.rows_ok), (1, 1));
        let rows = &p.data.chains[0].rows;
        assert_eq!(p.data.chains[0].underlying, "SPX");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].ts, Timestamp::from_nanos(1_700_000_000_000_000_000));
        assert_eq!(
            (rows[0].bid_size, rows[0].ask_size, rows[1].bid_size),
            (Some(1), Some(2), Some(3))
        );
        assert_eq!(
            (rows[1].right, rows[1].delta, rows[1].iv),
            (OptionRight::Put, Some(-0.5), Some(0.26))
        );
    }

    #[test]
    fn unknown_header_is_an_error() {
        let e = read_from(
            "a,b\n1,2\n".as_bytes(),
            Path::new("x.csv"),
            &OptionsDxOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(e, DataError::MalformedFile { line: 1, .. }), "{e}");
    }
}
