//! Arrow schemas of the stored kinds and the conversions between rows and
//! `RecordBatch`es.
//!
//! | kind | columns (Parquet / Arrow type, nullable?) |
//! |---|---|
//! | bars | `ts` timestamp[ns, UTC], `open` `high` `low` `close` `volume` f64, `vwap` f64?, `trade_count` u64? |
//! | quotes | `ts`, `bid` f64?, `ask` f64?, `bid_size` `ask_size` f64 |
//! | trades | `ts`, `price` f64, `size` f64 |
//! | chains | `ts`, `root` utf8, `underlying_price` f64?, `expiry` date32, `strike` f64, `right` utf8 (`C`/`P`), `bid` `ask` f64?, `bid_size` `ask_size` u32?, `last` f64?, `volume` u64, `open_interest` u64?, `iv` `delta` `gamma` `vega` `theta` f64? |
//!
//! The symbol (and the date) live in the hive path, as Spark, DuckDB and Polars expect.

use std::sync::{Arc, LazyLock};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float64Type, TimestampNanosecondType, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, Float64Array, PrimitiveArray, RecordBatch, StringArray,
    TimestampNanosecondArray, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::NaiveDate;
use thetalab_core::{OptionRight, OptionRoot, Timestamp};

use crate::schema::{Bar, OptionQuote, Quote, Trade};
use crate::{DataError, DataKind};

fn ts_field() -> Field {
    Field::new(
        "ts",
        DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
        false,
    )
}

fn f64f(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Float64, nullable)
}

static BARS: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        ts_field(),
        f64f("open", false),
        f64f("high", false),
        f64f("low", false),
        f64f("close", false),
        f64f("volume", false),
        f64f("vwap", true),
        Field::new("trade_count", DataType::UInt64, true),
    ]))
});

static QUOTES: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        ts_field(),
        f64f("bid", true),
        f64f("ask", true),
        f64f("bid_size", false),
        f64f("ask_size", false),
    ]))
});

static TRADES: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        ts_field(),
        f64f("price", false),
        f64f("size", false),
    ]))
});

static CHAINS: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        ts_field(),
        Field::new("root", DataType::Utf8, false),
        f64f("underlying_price", true),
        Field::new("expiry", DataType::Date32, false),
        f64f("strike", false),
        Field::new("right", DataType::Utf8, false),
        f64f("bid", true),
        f64f("ask", true),
        Field::new("bid_size", DataType::UInt32, true),
        Field::new("ask_size", DataType::UInt32, true),
        f64f("last", true),
        Field::new("volume", DataType::UInt64, false),
        Field::new("open_interest", DataType::UInt64, true),
        f64f("iv", true),
        f64f("delta", true),
        f64f("gamma", true),
        f64f("vega", true),
        f64f("theta", true),
    ]))
});

/// The Arrow schema of a kind.
#[must_use]
pub fn schema(kind: DataKind) -> SchemaRef {
    match kind {
        DataKind::Bars => BARS.clone(),
        DataKind::Quotes => QUOTES.clone(),
        DataKind::Trades => TRADES.clone(),
        DataKind::Chains => CHAINS.clone(),
    }
}

const EPOCH_DAYS_CE: i32 = 719_163; // NaiveDate::from_ymd(1970,1,1).num_days_from_ce()

pub(crate) fn date_to_days(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.num_days_from_ce() - EPOCH_DAYS_CE
}

pub(crate) fn days_to_date(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_DAYS_CE)?)
}

fn ts_array(ts: impl Iterator<Item = i64>) -> ArrayRef {
    Arc::new(TimestampNanosecondArray::from_iter_values(ts).with_timezone("UTC"))
}

fn batch(kind: DataKind, cols: Vec<ArrayRef>) -> Result<RecordBatch, DataError> {
    RecordBatch::try_new(schema(kind), cols).map_err(|e| DataError::Arrow(e.to_string()))
}

/// Bars → batch.
pub fn bars_to_batch(bars: &[Bar]) -> Result<RecordBatch, DataError> {
    let f = |g: fn(&Bar) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter_values(bars.iter().map(g)))
    };
    batch(
        DataKind::Bars,
        vec![
            ts_array(bars.iter().map(|b| b.ts.as_nanos())),
            f(|b| b.open),
            f(|b| b.high),
            f(|b| b.low),
            f(|b| b.close),
            f(|b| b.volume),
            Arc::new(bars.iter().map(|b| b.vwap).collect::<Float64Array>()),
            Arc::new(bars.iter().map(|b| b.trade_count).collect::<UInt64Array>()),
        ],
    )
}

/// Quotes → batch.
pub fn quotes_to_batch(q: &[Quote]) -> Result<RecordBatch, DataError> {
    batch(
        DataKind::Quotes,
        vec![
            ts_array(q.iter().map(|x| x.ts.as_nanos())),
            Arc::new(q.iter().map(|x| x.bid).collect::<Float64Array>()),
            Arc::new(q.iter().map(|x| x.ask).collect::<Float64Array>()),
            Arc::new(Float64Array::from_iter_values(q.iter().map(|x| x.bid_size))),
            Arc::new(Float64Array::from_iter_values(q.iter().map(|x| x.ask_size))),
        ],
    )
}

/// Trades → batch.
pub fn trades_to_batch(t: &[Trade]) -> Result<RecordBatch, DataError> {
    batch(
        DataKind::Trades,
        vec![
            ts_array(t.iter().map(|x| x.ts.as_nanos())),
            Arc::new(Float64Array::from_iter_values(t.iter().map(|x| x.price))),
            Arc::new(Float64Array::from_iter_values(t.iter().map(|x| x.size))),
        ],
    )
}

/// Option quotes (each with its root) → batch.
pub fn chain_to_batch(rows: &[(OptionRoot, OptionQuote)]) -> Result<RecordBatch, DataError> {
    chain_rows_to_batch(rows.iter().map(|(root, q)| (*root, q)))
}

/// Option quotes with their roots → batch, in one pass over the rows (the rows are
/// large: a pass per column would read them 18 times).
pub(crate) fn chain_rows_to_batch<'a>(
    rows: impl ExactSizeIterator<Item = (OptionRoot, &'a OptionQuote)>,
) -> Result<RecordBatch, DataError> {
    use arrow_array::builder::{
        Date32Builder, Float64Builder, StringBuilder, TimestampNanosecondBuilder, UInt32Builder,
        UInt64Builder,
    };
    let n = rows.len();
    let f = || Float64Builder::with_capacity(n);
    let (mut ts, mut root, mut und, mut expiry, mut strike, mut right) = (
        TimestampNanosecondBuilder::with_capacity(n).with_timezone("UTC"),
        StringBuilder::with_capacity(n, n * 4),
        f(),
        Date32Builder::with_capacity(n),
        f(),
        StringBuilder::with_capacity(n, n),
    );
    let (mut bid, mut ask, mut bid_size, mut ask_size, mut last) = (
        f(),
        f(),
        UInt32Builder::with_capacity(n),
        UInt32Builder::with_capacity(n),
        f(),
    );
    let (mut volume, mut oi) = (
        UInt64Builder::with_capacity(n),
        UInt64Builder::with_capacity(n),
    );
    let (mut iv, mut delta, mut gamma, mut vega, mut theta) = (f(), f(), f(), f(), f());
    for (r, q) in rows {
        ts.append_value(q.ts.as_nanos());
        root.append_value(r.as_str());
        und.append_option(q.underlying_price);
        expiry.append_value(date_to_days(q.expiry));
        strike.append_value(q.strike);
        right.append_value(match q.right {
            OptionRight::Call => "C",
            OptionRight::Put => "P",
        });
        bid.append_option(q.bid);
        ask.append_option(q.ask);
        bid_size.append_option(q.bid_size);
        ask_size.append_option(q.ask_size);
        last.append_option(q.last);
        volume.append_value(q.volume);
        oi.append_option(q.open_interest);
        iv.append_option(q.iv);
        delta.append_option(q.delta);
        gamma.append_option(q.gamma);
        vega.append_option(q.vega);
        theta.append_option(q.theta);
    }
    batch(
        DataKind::Chains,
        vec![
            Arc::new(ts.finish()),
            Arc::new(root.finish()),
            Arc::new(und.finish()),
            Arc::new(expiry.finish()),
            Arc::new(strike.finish()),
            Arc::new(right.finish()),
            Arc::new(bid.finish()),
            Arc::new(ask.finish()),
            Arc::new(bid_size.finish()),
            Arc::new(ask_size.finish()),
            Arc::new(last.finish()),
            Arc::new(volume.finish()),
            Arc::new(oi.finish()),
            Arc::new(iv.finish()),
            Arc::new(delta.finish()),
            Arc::new(gamma.finish()),
            Arc::new(vega.finish()),
            Arc::new(theta.finish()),
        ],
    )
}

/// Typed, checked access to a batch's columns by name.
pub(crate) struct Cols<'a> {
    batch: &'a RecordBatch,
    file: &'a str,
}

impl<'a> Cols<'a> {
    pub(crate) fn new(batch: &'a RecordBatch, file: &'a str) -> Self {
        Cols { batch, file }
    }

    fn col(&self, name: &'static str) -> Result<&'a ArrayRef, DataError> {
        self.batch
            .column_by_name(name)
            .ok_or_else(|| DataError::Schema {
                file: self.file.to_string(),
                detail: format!("missing column {name}"),
            })
    }

    fn prim<T: arrow_array::ArrowPrimitiveType>(
        &self,
        name: &'static str,
    ) -> Result<&'a PrimitiveArray<T>, DataError> {
        self.col(name)?
            .as_primitive_opt::<T>()
            .ok_or_else(|| DataError::Schema {
                file: self.file.to_string(),
                detail: format!(
                    "column {name} has type {}, expected {}",
                    self.col(name)
                        .map(|c| c.data_type().to_string())
                        .unwrap_or_default(),
                    T::DATA_TYPE
                ),
            })
    }

    pub(crate) fn ts(&self) -> Result<&'a PrimitiveArray<TimestampNanosecondType>, DataError> {
        self.prim::<TimestampNanosecondType>("ts")
    }
    pub(crate) fn f64(
        &self,
        name: &'static str,
    ) -> Result<&'a PrimitiveArray<Float64Type>, DataError> {
        self.prim::<Float64Type>(name)
    }
    pub(crate) fn u64(
        &self,
        name: &'static str,
    ) -> Result<&'a PrimitiveArray<UInt64Type>, DataError> {
        self.prim::<UInt64Type>(name)
    }
    pub(crate) fn u32(
        &self,
        name: &'static str,
    ) -> Result<&'a PrimitiveArray<UInt32Type>, DataError> {
        self.prim::<UInt32Type>(name)
    }
    pub(crate) fn date(
        &self,
        name: &'static str,
    ) -> Result<&'a PrimitiveArray<Date32Type>, DataError> {
        self.prim::<Date32Type>(name)
    }
    pub(crate) fn str(&self, name: &'static str) -> Result<&'a StringArray, DataError> {
        self.col(name)?
            .as_string_opt::<i32>()
            .ok_or_else(|| DataError::Schema {
                file: self.file.to_string(),
                detail: format!("column {name} is not utf8"),
            })
    }
}

#[inline]
pub(crate) fn opt_f64(a: &PrimitiveArray<Float64Type>, i: usize) -> Option<f64> {
    if a.is_null(i) { None } else { Some(a.value(i)) }
}

#[inline]
pub(crate) fn opt_u64(a: &PrimitiveArray<UInt64Type>, i: usize) -> Option<u64> {
    if a.is_null(i) { None } else { Some(a.value(i)) }
}

#[inline]
pub(crate) fn opt_u32(a: &PrimitiveArray<UInt32Type>, i: usize) -> Option<u32> {
    if a.is_null(i) { None } else { Some(a.value(i)) }
}

/// Batch → bars.
pub fn batch_to_bars(b: &RecordBatch, file: &str, out: &mut Vec<Bar>) -> Result<(), DataError> {
    let c = Cols::new(b, file);
    let (ts, o, h, l, cl, v, vw, n) = (
        c.ts()?,
        c.f64("open")?,
        c.f64("high")?,
        c.f64("low")?,
        c.f64("close")?,
        c.f64("volume")?,
        c.f64("vwap")?,
        c.u64("trade_count")?,
    );
    out.reserve(b.num_rows());
    for i in 0..b.num_rows() {
        out.push(Bar {
            ts: Timestamp::from_nanos(ts.value(i)),
            open: o.value(i),
            high: h.value(i),
            low: l.value(i),
            close: cl.value(i),
            volume: v.value(i),
            vwap: opt_f64(vw, i),
            trade_count: opt_u64(n, i),
        });
    }
    Ok(())
}

/// Batch → quotes.
pub fn batch_to_quotes(b: &RecordBatch, file: &str, out: &mut Vec<Quote>) -> Result<(), DataError> {
    let c = Cols::new(b, file);
    let (ts, bid, ask, bs, as_) = (
        c.ts()?,
        c.f64("bid")?,
        c.f64("ask")?,
        c.f64("bid_size")?,
        c.f64("ask_size")?,
    );
    for i in 0..b.num_rows() {
        out.push(Quote {
            ts: Timestamp::from_nanos(ts.value(i)),
            bid: opt_f64(bid, i),
            ask: opt_f64(ask, i),
            bid_size: bs.value(i),
            ask_size: as_.value(i),
        });
    }
    Ok(())
}

/// Batch → trades.
pub fn batch_to_trades(b: &RecordBatch, file: &str, out: &mut Vec<Trade>) -> Result<(), DataError> {
    let c = Cols::new(b, file);
    let (ts, p, s) = (c.ts()?, c.f64("price")?, c.f64("size")?);
    for i in 0..b.num_rows() {
        out.push(Trade {
            ts: Timestamp::from_nanos(ts.value(i)),
            price: p.value(i),
            size: s.value(i),
        });
    }
    Ok(())
}

/// The chain columns of one batch, typed once so rows can be read cheaply.
pub(crate) struct ChainCols {
    pub ts: PrimitiveArray<TimestampNanosecondType>,
    pub root: StringArray,
    pub und: PrimitiveArray<Float64Type>,
    pub expiry: PrimitiveArray<Date32Type>,
    pub strike: PrimitiveArray<Float64Type>,
    pub right: StringArray,
    pub bid: PrimitiveArray<Float64Type>,
    pub ask: PrimitiveArray<Float64Type>,
    pub bid_size: PrimitiveArray<UInt32Type>,
    pub ask_size: PrimitiveArray<UInt32Type>,
    pub last: PrimitiveArray<Float64Type>,
    pub volume: PrimitiveArray<UInt64Type>,
    pub oi: PrimitiveArray<UInt64Type>,
    pub iv: PrimitiveArray<Float64Type>,
    pub delta: PrimitiveArray<Float64Type>,
    pub gamma: PrimitiveArray<Float64Type>,
    pub vega: PrimitiveArray<Float64Type>,
    pub theta: PrimitiveArray<Float64Type>,
    file: String,
}

impl ChainCols {
    /// Types the columns of `b` once (the clones share the batch's buffers).
    pub(crate) fn new(b: &RecordBatch, file: &str) -> Result<Self, DataError> {
        let c = Cols::new(b, file);
        Ok(ChainCols {
            ts: c.ts()?.clone(),
            root: c.str("root")?.clone(),
            und: c.f64("underlying_price")?.clone(),
            expiry: c.date("expiry")?.clone(),
            strike: c.f64("strike")?.clone(),
            right: c.str("right")?.clone(),
            bid: c.f64("bid")?.clone(),
            ask: c.f64("ask")?.clone(),
            bid_size: c.u32("bid_size")?.clone(),
            ask_size: c.u32("ask_size")?.clone(),
            last: c.f64("last")?.clone(),
            volume: c.u64("volume")?.clone(),
            oi: c.u64("open_interest")?.clone(),
            iv: c.f64("iv")?.clone(),
            delta: c.f64("delta")?.clone(),
            gamma: c.f64("gamma")?.clone(),
            vega: c.f64("vega")?.clone(),
            theta: c.f64("theta")?.clone(),
            file: file.to_string(),
        })
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.ts.len()
    }

    pub(crate) fn right(&self, i: usize) -> Result<OptionRight, DataError> {
        match self.right.value(i) {
            "C" => Ok(OptionRight::Call),
            "P" => Ok(OptionRight::Put),
            other => Err(DataError::Schema {
                file: self.file.clone(),
                detail: format!("row {i}: right {other:?} is not C or P"),
            }),
        }
    }

    pub(crate) fn root(&self, i: usize) -> Result<OptionRoot, DataError> {
        let r = self.root.value(i);
        OptionRoot::new(r).map_err(|e| DataError::Schema {
            file: self.file.clone(),
            detail: format!("row {i}: {e}"),
        })
    }

    pub(crate) fn expiry(&self, i: usize) -> Result<NaiveDate, DataError> {
        let d = self.expiry.value(i);
        days_to_date(d).ok_or_else(|| DataError::Schema {
            file: self.file.clone(),
            detail: format!("row {i}: expiry {d} days is out of range"),
        })
    }

    pub(crate) fn row(&self, i: usize) -> Result<OptionQuote, DataError> {
        Ok(OptionQuote {
            ts: Timestamp::from_nanos(self.ts.value(i)),
            underlying_price: opt_f64(&self.und, i),
            expiry: self.expiry(i)?,
            strike: self.strike.value(i),
            right: self.right(i)?,
            bid: opt_f64(&self.bid, i),
            ask: opt_f64(&self.ask, i),
            bid_size: opt_u32(&self.bid_size, i),
            ask_size: opt_u32(&self.ask_size, i),
            last: opt_f64(&self.last, i),
            volume: self.volume.value(i),
            open_interest: opt_u64(&self.oi, i),
            iv: opt_f64(&self.iv, i),
            delta: opt_f64(&self.delta, i),
            gamma: opt_f64(&self.gamma, i),
            vega: opt_f64(&self.vega, i),
            theta: opt_f64(&self.theta, i),
        })
    }
}

/// Batch → option quotes with their roots.
pub fn batch_to_chain(
    b: &RecordBatch,
    file: &str,
    out: &mut Vec<(OptionRoot, OptionQuote)>,
) -> Result<(), DataError> {
    let c = ChainCols::new(b, file)?;
    out.reserve(b.num_rows());
    for i in 0..b.num_rows() {
        out.push((c.root(i)?, c.row(i)?));
    }
    Ok(())
}

/// Quarantine rows → batch (all columns utf8 but `line`).
pub(crate) fn quarantine_to_batch(
    rows: &[crate::validate::QuarantineRow],
) -> Result<RecordBatch, DataError> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("line", DataType::UInt64, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("symbol", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("field", DataType::Utf8, false),
        Field::new("detail", DataType::Utf8, false),
        Field::new("raw", DataType::Utf8, false),
    ]));
    let s = |g: fn(&crate::validate::QuarantineRow) -> &str| -> ArrayRef {
        Arc::new(rows.iter().map(|r| Some(g(r))).collect::<StringArray>())
    };
    RecordBatch::try_new(
        schema,
        vec![
            s(|r| &r.source),
            Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.line))),
            s(|r| r.kind.as_str()),
            s(|r| &r.symbol),
            s(|r| r.reason.as_str()),
            s(|r| &r.field),
            s(|r| &r.detail),
            s(|r| &r.raw),
        ],
    )
    .map_err(|e| DataError::Arrow(e.to_string()))
}

/// Batch → quarantine rows.
pub(crate) fn batch_to_quarantine(
    b: &RecordBatch,
    file: &str,
    out: &mut Vec<crate::validate::QuarantineRow>,
) -> Result<(), DataError> {
    let c = Cols::new(b, file);
    let (source, line, kind, symbol, reason, field, detail, raw) = (
        c.str("source")?,
        c.u64("line")?,
        c.str("kind")?,
        c.str("symbol")?,
        c.str("reason")?,
        c.str("field")?,
        c.str("detail")?,
        c.str("raw")?,
    );
    for i in 0..b.num_rows() {
        let bad = |what: &str, v: &str| DataError::Schema {
            file: file.to_string(),
            detail: format!("row {i}: unknown {what} {v:?}"),
        };
        out.push(crate::validate::QuarantineRow {
            source: source.value(i).to_string(),
            line: line.value(i),
            kind: kind
                .value(i)
                .parse()
                .map_err(|_| bad("kind", kind.value(i)))?,
            symbol: symbol.value(i).to_string(),
            reason: reason
                .value(i)
                .parse()
                .map_err(|_| bad("reason", reason.value(i)))?,
            field: field.value(i).to_string(),
            detail: detail.value(i).to_string(),
            raw: raw.value(i).to_string(),
        });
    }
    Ok(())
}
