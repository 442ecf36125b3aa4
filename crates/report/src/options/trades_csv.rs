//! The options trade log and the daily and breakdown tables as CSV (RFC 4180 quoting,
//! numbers in Rust's shortest round-trip form, timestamps RFC 3339 UTC plus a New York
//! wall-clock copy).
//!
//! `trades.csv`, one row per closed position, columns [`TRADES_HEADER`] then
//! [`LEG_COLUMNS`] for each of [`MAX_LEGS`] legs (`leg1_…` to `leg6_…`, empty for
//! structures with fewer legs; a structure with more legs is complete in `legs` only):
//!
//! | column | meaning |
//! |---|---|
//! | `id` | engine position id |
//! | `strategy`, `structure` | strategy name; shape (`iron-condor`, `credit-vertical`, …) |
//! | `legs` | readable legs, e.g. `SPXW 2024-01-02 +1 4900P -1 4925P -1 5075C +1 5100C` |
//! | `units`, `shares` | units held; shares per unit |
//! | `opened`, `closed` | RFC 3339 UTC |
//! | `opened_et`, `closed_et` | the same in New York time, `YYYY-MM-DD HH:MM:SS` |
//! | `underlying_entry`, `underlying_exit`, `settlement_price` | the underlying then (settlement price when settled) |
//! | `entry_net`, `exit_net` | net price per unit in points, debit > 0, credit < 0 |
//! | `fees`, `commissions` | all charges; the broker part (dollars) |
//! | `pnl` | dollars, fees included: `(exit_net − entry_net) × multiplier × units − fees` |
//! | `return_on_bp` | `pnl / buying_power` (fraction) |
//! | `max_loss`, `buying_power` | dollars at entry (`inf` when unbounded) |
//! | `reason_in`, `reason_out` | the strategy's entry reason; `profit_target`, `stop`, `time_exit`, `settlement`, `assignment`, `strategy`, `end_of_data` |
//! | `vix`, `regime`, `gex` | at entry (VIX as known then; `unknown` / empty when not computed) |
//! | `attr_delta` … `attr_residual` | P&L attribution in dollars (sum = pnl + fees) |
//! | `stale_marks` | snapshots where a leg had no quote and the last mark was kept |
//!
//! Per leg: `root, expiry, strike, right (C/P), ratio (signed per unit), entry_price,
//! exit_price, entry_bid, entry_ask, exit_bid, exit_ask, entry_iv`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use thetalab_backtest::options::{DailyRow, OptionTrade};

use super::{BreakdownRow, kind_label, reason_label, regime_label};
use crate::ReportError;

/// The trade columns before the per-leg columns.
pub const TRADES_HEADER: [&str; 32] = [
    "id",
    "strategy",
    "structure",
    "legs",
    "units",
    "shares",
    "opened",
    "closed",
    "opened_et",
    "closed_et",
    "underlying_entry",
    "underlying_exit",
    "settlement_price",
    "entry_net",
    "exit_net",
    "fees",
    "commissions",
    "pnl",
    "return_on_bp",
    "max_loss",
    "buying_power",
    "reason_in",
    "reason_out",
    "vix",
    "regime",
    "gex",
    "attr_delta",
    "attr_gamma",
    "attr_theta",
    "attr_vega",
    "attr_residual",
    "stale_marks",
];

/// The columns of each leg, prefixed `leg{k}_`.
pub const LEG_COLUMNS: [&str; 12] = [
    "root",
    "expiry",
    "strike",
    "right",
    "ratio",
    "entry_price",
    "exit_price",
    "entry_bid",
    "entry_ask",
    "exit_bid",
    "exit_ask",
    "entry_iv",
];

/// Legs given their own columns (the Flyagonal's six).
pub const MAX_LEGS: usize = 6;

/// The `daily.csv` columns.
pub const DAILY_HEADER: [&str; 7] = [
    "date", "pnl", "fees", "closed", "opened", "equity", "return",
];

/// The `breakdown.csv` columns.
pub const BREAKDOWN_HEADER: [&str; 9] = [
    "dimension",
    "key",
    "trades",
    "wins",
    "win_rate",
    "pnl",
    "avg_pnl",
    "fees",
    "profit_factor",
];

fn num(v: f64) -> String {
    v.to_string()
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

/// A strike without trailing zeros: `4925`, `4927.5`.
fn strike(k: f64) -> String {
    let s = format!("{k:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The legs as one readable string: root and expiry once when all legs share them,
/// then `+1 4900P -1 4925P …`; shares appended as `+100 sh`.
#[must_use]
pub fn legs_text(t: &OptionTrade) -> String {
    let first = t.legs.first().map(|l| (l.spec.root, l.spec.expiry));
    let common = first.filter(|f| t.legs.iter().all(|l| (l.spec.root, l.spec.expiry) == *f));
    let mut parts: Vec<String> = Vec::with_capacity(t.legs.len() + 2);
    if let Some((root, expiry)) = common {
        parts.push(format!("{} {expiry}", root.as_str()));
    }
    for l in &t.legs {
        let leg = format!(
            "{:+} {}{}",
            l.spec.ratio,
            strike(l.spec.strike),
            l.spec.right.letter()
        );
        if common.is_some() {
            parts.push(leg);
        } else {
            parts.push(format!("{leg} {} {}", l.spec.root.as_str(), l.spec.expiry));
        }
    }
    if t.shares != 0 {
        parts.push(format!("{:+} sh", t.shares));
    }
    parts.join(" ")
}

fn et(ts: thetalab_core::Timestamp) -> String {
    ts.to_ny().format("%Y-%m-%d %H:%M:%S").to_string()
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> ReportError + '_ {
    move |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    }
}

/// The full header of `trades.csv`.
#[must_use]
pub fn trades_header() -> Vec<String> {
    let mut h: Vec<String> = TRADES_HEADER.iter().map(|s| (*s).to_string()).collect();
    for k in 1..=MAX_LEGS {
        h.extend(LEG_COLUMNS.iter().map(|c| format!("leg{k}_{c}")));
    }
    h
}

/// Writes the options trade log to any writer; `path` names the destination in errors.
pub fn write_option_trades_to<W: Write>(
    writer: W,
    trades: &[OptionTrade],
    path: &Path,
) -> Result<(), ReportError> {
    let err = csv_err(path);
    let mut w = csv::Writer::from_writer(writer);
    w.write_record(trades_header()).map_err(&err)?;
    for t in trades {
        let a = &t.attribution;
        let bp = t.buying_power;
        let mut row: Vec<String> = vec![
            t.id.to_string(),
            t.strategy.clone(),
            kind_label(t.kind),
            legs_text(t),
            t.units.to_string(),
            t.shares.to_string(),
            t.opened.to_rfc3339(),
            t.closed.to_rfc3339(),
            et(t.opened),
            et(t.closed),
            num(t.underlying_entry),
            num(t.underlying_exit),
            opt(t.settlement_price),
            num(t.entry_net),
            num(t.exit_net),
            num(t.fees),
            num(t.commissions),
            num(t.pnl),
            if bp.is_finite() && bp > 0.0 {
                num(t.pnl / bp)
            } else {
                String::new()
            },
            num(t.max_loss),
            num(bp),
            t.reason_in.clone(),
            reason_label(t.reason_out),
            opt(t.vix),
            regime_label(t).to_string(),
            opt(t.gex),
            num(a.delta),
            num(a.gamma),
            num(a.theta),
            num(a.vega),
            num(a.residual),
            t.stale_marks.to_string(),
        ];
        for k in 0..MAX_LEGS {
            match t.legs.get(k) {
                Some(l) => row.extend([
                    l.spec.root.as_str().to_string(),
                    l.spec.expiry.to_string(),
                    num(l.spec.strike),
                    l.spec.right.letter().to_string(),
                    l.spec.ratio.to_string(),
                    num(l.entry_price),
                    num(l.exit_price),
                    opt(l.entry_bid),
                    opt(l.entry_ask),
                    opt(l.exit_bid),
                    opt(l.exit_ask),
                    opt(l.entry_iv),
                ]),
                None => row.extend(std::iter::repeat_n(String::new(), LEG_COLUMNS.len())),
            }
        }
        w.write_record(&row).map_err(&err)?;
    }
    w.flush().map_err(|e| ReportError::io(path, e))
}

/// Writes `daily.csv`: one row per session with the P&L, fees, positions closed and
/// opened, equity and the day's return (against the previous day's equity, the first
/// day against `init_cash`).
pub fn write_daily_to<W: Write>(
    writer: W,
    daily: &[DailyRow],
    init_cash: f64,
    path: &Path,
) -> Result<(), ReportError> {
    let err = csv_err(path);
    let mut w = csv::Writer::from_writer(writer);
    w.write_record(DAILY_HEADER).map_err(&err)?;
    let mut prev = init_cash;
    for d in daily {
        let r = if prev != 0.0 {
            d.equity / prev - 1.0
        } else {
            0.0
        };
        prev = d.equity;
        w.write_record([
            d.date.to_string(),
            num(d.pnl),
            num(d.fees),
            d.trades.to_string(),
            d.opened.to_string(),
            num(d.equity),
            num(r),
        ])
        .map_err(&err)?;
    }
    w.flush().map_err(|e| ReportError::io(path, e))
}

/// Writes `breakdown.csv`: the breakdown rows (per strategy, regime, exit reason and
/// structure); `profit_factor` is empty without a losing trade.
pub fn write_breakdown_to<W: Write>(
    writer: W,
    rows: &[BreakdownRow],
    path: &Path,
) -> Result<(), ReportError> {
    let err = csv_err(path);
    let mut w = csv::Writer::from_writer(writer);
    w.write_record(BREAKDOWN_HEADER).map_err(&err)?;
    for r in rows {
        w.write_record([
            r.dimension.to_string(),
            r.key.clone(),
            r.trades.to_string(),
            r.wins.to_string(),
            num(r.win_rate),
            num(r.pnl),
            num(r.avg_pnl),
            num(r.fees),
            opt(r.profit_factor),
        ])
        .map_err(&err)?;
    }
    w.flush().map_err(|e| ReportError::io(path, e))
}

/// Opens `path` for writing and runs `f` on a buffered writer.
pub(crate) fn to_file(
    path: &Path,
    f: impl FnOnce(&mut BufWriter<File>) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let file = File::create(path).map_err(|e| ReportError::io(path, e))?;
    let mut buf = BufWriter::new(file);
    f(&mut buf)?;
    buf.flush().map_err(|e| ReportError::io(path, e))
}
