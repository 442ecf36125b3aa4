//! The trades CSV: one row per trade, RFC 4180 quoting, exact numbers.
//!
//! Columns: `symbol, direction, entry_ts, exit_ts, entry_price, exit_price, size, fees,
//! pnl, return_pct, exit_reason`. Timestamps are RFC 3339 in UTC (exact to the
//! nanosecond); numbers are written in Rust's shortest round-trip form, so parsing them
//! gives back the same `f64`; `return_pct` is a fraction (`0.05` = 5 %), as in the
//! [input](crate::TradeRow::return_pct); an open trade has empty `exit_ts` and
//! `exit_price`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::{ReportError, TradeRow};

/// The header row of the trades CSV.
pub const TRADES_CSV_HEADER: [&str; 11] = [
    "symbol",
    "direction",
    "entry_ts",
    "exit_ts",
    "entry_price",
    "exit_price",
    "size",
    "fees",
    "pnl",
    "return_pct",
    "exit_reason",
];

/// Writes the trades as CSV to any writer; `path` only names the destination in errors.
pub fn write_trades_csv_to<W: Write>(
    writer: W,
    trades: &[TradeRow],
    path: &Path,
) -> Result<(), ReportError> {
    let err = |source: csv::Error| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut w = csv::Writer::from_writer(writer);
    w.write_record(TRADES_CSV_HEADER).map_err(err)?;
    for t in trades {
        w.write_record([
            t.symbol.clone(),
            t.direction.to_string(),
            t.entry_ts.to_rfc3339(),
            t.exit_ts.map(|e| e.to_rfc3339()).unwrap_or_default(),
            num(t.entry_price),
            t.exit_price.map(num).unwrap_or_default(),
            num(t.size),
            num(t.fees),
            num(t.pnl),
            num(t.return_pct),
            t.exit_reason.clone(),
        ])
        .map_err(err)?;
    }
    w.flush().map_err(|e| ReportError::io(path, e))?;
    Ok(())
}

/// Writes the trades CSV to `path` (created or truncated). Non-finite numbers are
/// refused with [`ReportError::InvalidInput`] naming the trade and field.
pub fn write_trades_csv(path: impl AsRef<Path>, trades: &[TradeRow]) -> Result<(), ReportError> {
    let path = path.as_ref();
    crate::input::validate_trades(trades)?;
    let file = File::create(path).map_err(|e| ReportError::io(path, e))?;
    let mut buf = BufWriter::new(file);
    write_trades_csv_to(&mut buf, trades, path)?;
    buf.flush().map_err(|e| ReportError::io(path, e))
}

/// Shortest text that parses back to the same `f64` (Rust's `Display`, no exponent).
fn num(v: f64) -> String {
    v.to_string()
}
