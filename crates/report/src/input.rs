//! The plain input types of a report: what any engine (the vectorized backtester, the
//! options replay engine, the paper trader) fills in, with no dependency on its internals.
//!
//! Conventions, shared by every writer in this crate:
//!
//! * Returns are **fractions** everywhere (`0.0123` = 1.23 %): the per-bar `returns`,
//!   the `monthly` returns, [`TradeRow::return_pct`] and metrics whose unit is
//!   [`Unit::Percent`]. Formatting multiplies by 100 where a `%` is shown.
//! * `ts`, `equity`, `returns` and the benchmark series are aligned row by row and have
//!   the same length; `returns[i]` is the return from bar `i − 1` to bar `i`
//!   (`returns[0]` is conventionally 0).
//! * A metric value of `None`, NaN or ±∞ is "not defined" (e.g. a Sortino ratio with no
//!   losing day): `null` in JSON, `n/a` in the terminal, `—` in HTML.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use thetalab_core::Timestamp;

use crate::ReportError;

/// How a metric value is formatted in the terminal table and the HTML report. The JSON
/// summary always holds the raw number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A fraction shown as a percentage with 2 decimals: `0.1234` → `12.34%`.
    Percent,
    /// A ratio (Sharpe, Sortino, Calmar, profit factor …) with 3 decimals.
    Ratio,
    /// An amount of money with 2 decimals and thousands separators: `1,234,567.89`.
    Money,
    /// A whole count (trades, bars), rounded to the nearest integer.
    Count,
    /// A duration in calendar days, rounded: `123 days`.
    Days,
    /// A duration in bars (periods), rounded: `45 bars`.
    Bars,
    /// Any other number, with up to 4 decimals.
    Number,
}

/// One named metric of the summary table and the JSON summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// The snake_case key, e.g. `"sharpe"`, `"max_drawdown"`, `"var_95"`: the JSON key as
    /// given; the tables show a readable label derived from it ([`metric_label`](crate::metric_label)).
    pub name: String,
    /// The value; `None` (or a non-finite value) when it is not defined.
    pub value: Option<f64>,
    /// How to format it.
    pub unit: Unit,
}

impl Metric {
    /// A metric from its key, value and unit.
    #[must_use]
    pub fn new(name: impl Into<String>, value: Option<f64>, unit: Unit) -> Metric {
        Metric {
            name: name.into(),
            value,
            unit,
        }
    }

    /// The value when it is defined and finite.
    #[must_use]
    pub fn finite_value(&self) -> Option<f64> {
        self.value.filter(|v| v.is_finite())
    }
}

impl From<(&str, Option<f64>, Unit)> for Metric {
    fn from((name, value, unit): (&str, Option<f64>, Unit)) -> Metric {
        Metric::new(name, value, unit)
    }
}

/// Long or short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Bought first, sold to close.
    Long,
    /// Sold first, bought to close.
    Short,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Long => "long",
            Direction::Short => "short",
        })
    }
}

/// One trade (a round trip, or an open position when `exit_ts` is `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TradeRow {
    /// The instrument, e.g. `"SPY"` or an OCC option symbol.
    pub symbol: String,
    /// Long or short.
    pub direction: Direction,
    /// When the position was opened.
    pub entry_ts: Timestamp,
    /// When it was closed; `None` while open at the end of the run.
    pub exit_ts: Option<Timestamp>,
    /// Average entry price (fill price after slippage).
    pub entry_price: f64,
    /// Average exit price; `None` while open.
    pub exit_price: Option<f64>,
    /// Size in shares or contracts (positive for both directions).
    pub size: f64,
    /// Fees paid on entry and exit together.
    pub fees: f64,
    /// Profit and loss after fees, in money (for an open trade: marked at the last bar).
    pub pnl: f64,
    /// Return of the trade **as a fraction** of the entry value (`0.05` = 5 %), after
    /// fees: vectorbt's `Return` column.
    pub return_pct: f64,
    /// Why the trade was closed (`"signal"`, `"stop_loss"`, `"take_profit"`,
    /// `"trailing_stop"`, `"time_stop"`, `"session_end"`, `"open"` …): free text from
    /// the engine.
    pub exit_reason: String,
}

/// A parameter sweep to draw as a heatmap: one metric on a grid of two parameters.
///
/// `z` is row-major with `y` as rows: the cell at `x[i]`, `y[j]` is
/// `z[j * x.len() + i]`; `None` marks a combination that was not run (e.g. fast ≥ slow)
/// or whose metric is not defined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepTable {
    /// Name of the parameter on the horizontal axis, e.g. `"fast"`.
    pub x_name: String,
    /// Name of the parameter on the vertical axis, e.g. `"slow"`.
    pub y_name: String,
    /// The parameter values of the columns, in display order.
    pub x: Vec<f64>,
    /// The parameter values of the rows, in display order (top row first).
    pub y: Vec<f64>,
    /// The metric of each cell, `y.len() × x.len()` values, row-major.
    pub z: Vec<Option<f64>>,
    /// Name of the metric, e.g. `"sharpe"`.
    pub metric_name: String,
}

impl SweepTable {
    /// The metric at column `i` (of `x`) and row `j` (of `y`), when defined and finite.
    #[must_use]
    pub fn cell(&self, i: usize, j: usize) -> Option<f64> {
        if i >= self.x.len() {
            return None;
        }
        self.z
            .get(j * self.x.len() + i)
            .copied()
            .flatten()
            .filter(|v| v.is_finite())
    }
}

/// Everything a report shows. Fill it from any engine; see the [module
/// docs](crate::input) for the conventions (returns as fractions, aligned series).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReportInput {
    /// The report's title, e.g. `"SMA crossover on SPY"`.
    pub title: String,
    /// The run's name (the CLI writes the report to `reports/<run_name>/`).
    pub run_name: String,
    /// The strategy's name, e.g. `"sma-cross"`.
    pub strategy: String,
    /// The strategy's parameters as ordered `(name, value)` text pairs.
    pub params: Vec<(String, String)>,
    /// The bar timestamps, strictly increasing.
    pub ts: Vec<Timestamp>,
    /// Portfolio value at each bar's close (cash + positions), same length as `ts`.
    pub equity: Vec<f64>,
    /// Optional benchmark `(name, value series)`, same length as `ts`, in the same
    /// currency as `equity` (e.g. buy-and-hold of the same starting cash).
    pub benchmark: Option<(String, Vec<f64>)>,
    /// Per-bar returns as fractions, same length as `ts`.
    pub returns: Vec<f64>,
    /// The trades, in the order to show them (usually by entry time).
    pub trades: Vec<TradeRow>,
    /// The metrics, in display order.
    pub metrics: Vec<Metric>,
    /// Monthly returns as `(year, month 1..=12, return as a fraction)`.
    pub monthly: Vec<(i32, u32, f64)>,
    /// An optional parameter sweep heatmap.
    pub sweep: Option<SweepTable>,
    /// When the report was generated; `None` keeps the output free of wall-clock time
    /// (so golden files are stable). Pass it from an injected `Clock`.
    pub generated_at: Option<Timestamp>,
}

/// The one top-level key of the JSON summary that is not a metric.
pub(crate) const RESERVED_JSON_KEY: &str = "run";

impl ReportInput {
    /// Checks that the input is consistent and can be written to every file format:
    ///
    /// * `equity`, `returns` and the benchmark series have the length of `ts`, and hold
    ///   finite numbers; `ts` is strictly increasing;
    /// * metric names are non-empty snake_case (`[a-z][a-z0-9_]*`), unique, and not
    ///   `"run"` (the JSON summary's metadata key); parameter names are unique;
    /// * monthly entries have a month in 1..=12, a finite return, and no duplicate;
    /// * trades hold finite numbers, and no exit before its entry;
    /// * the sweep's `z` has `x.len() × y.len()` cells, finite axes and finite values.
    ///
    /// The error names the first field (and index) at fault.
    pub fn validate(&self) -> Result<(), ReportError> {
        let n = self.ts.len();
        let same_len = |field: &str, len: usize| {
            if len == n {
                Ok(())
            } else {
                Err(ReportError::invalid(
                    field,
                    format!("has {len} values but ts has {n}"),
                ))
            }
        };
        same_len("equity", self.equity.len())?;
        same_len("returns", self.returns.len())?;
        for w in 1..n {
            if self.ts[w] <= self.ts[w - 1] {
                return Err(ReportError::invalid(
                    format!("ts[{w}]"),
                    format!(
                        "{} is not after ts[{}] = {}: timestamps must be strictly increasing",
                        self.ts[w],
                        w - 1,
                        self.ts[w - 1]
                    ),
                ));
            }
        }
        check_finite("equity", &self.equity)?;
        check_finite("returns", &self.returns)?;
        if let Some((name, series)) = &self.benchmark {
            let field = format!("benchmark ({name})");
            same_len(&field, series.len())?;
            check_finite(&field, series)?;
        }
        let mut seen = BTreeSet::new();
        for (i, m) in self.metrics.iter().enumerate() {
            let field = format!("metrics[{i}] ({:?})", m.name);
            if !is_snake_case(&m.name) {
                return Err(ReportError::invalid(
                    field,
                    "a metric name must be snake_case: [a-z][a-z0-9_]*",
                ));
            }
            if m.name == RESERVED_JSON_KEY {
                return Err(ReportError::invalid(
                    field,
                    "\"run\" is reserved for the JSON summary's run metadata",
                ));
            }
            if !seen.insert(m.name.as_str()) {
                return Err(ReportError::invalid(field, "duplicate metric name"));
            }
        }
        let mut seen = BTreeSet::new();
        for (i, (k, _)) in self.params.iter().enumerate() {
            if !seen.insert(k.as_str()) {
                return Err(ReportError::invalid(
                    format!("params[{i}] ({k:?})"),
                    "duplicate parameter name",
                ));
            }
        }
        let mut seen = BTreeSet::new();
        for (i, &(y, m, r)) in self.monthly.iter().enumerate() {
            let field = format!("monthly[{i}] ({y}-{m:02})");
            if !(1..=12).contains(&m) {
                return Err(ReportError::invalid(field, "month must be in 1..=12"));
            }
            if !r.is_finite() {
                return Err(ReportError::invalid(
                    field,
                    format!("return {r} is not finite"),
                ));
            }
            if !seen.insert((y, m)) {
                return Err(ReportError::invalid(field, "duplicate month"));
            }
        }
        validate_trades(&self.trades)?;
        if let Some(s) = &self.sweep {
            validate_sweep(s)?;
        }
        Ok(())
    }

    /// The first and last timestamps, when there is at least one bar.
    #[must_use]
    pub fn period(&self) -> Option<(Timestamp, Timestamp)> {
        Some((*self.ts.first()?, *self.ts.last()?))
    }
}

/// Checks every trade: finite numbers, no exit before its entry.
pub(crate) fn validate_trades(trades: &[TradeRow]) -> Result<(), ReportError> {
    for (i, t) in trades.iter().enumerate() {
        validate_trade(i, t)?;
    }
    Ok(())
}

fn validate_trade(i: usize, t: &TradeRow) -> Result<(), ReportError> {
    let field = |name: &str| format!("trades[{i}].{name} ({})", t.symbol);
    for (name, v) in [
        ("entry_price", t.entry_price),
        ("size", t.size),
        ("fees", t.fees),
        ("pnl", t.pnl),
        ("return_pct", t.return_pct),
    ] {
        if !v.is_finite() {
            return Err(ReportError::invalid(
                field(name),
                format!("{v} is not finite"),
            ));
        }
    }
    if let Some(p) = t.exit_price.filter(|p| !p.is_finite()) {
        return Err(ReportError::invalid(
            field("exit_price"),
            format!("{p} is not finite"),
        ));
    }
    if let Some(exit) = t.exit_ts.filter(|&e| e < t.entry_ts) {
        return Err(ReportError::invalid(
            field("exit_ts"),
            format!("{exit} is before the entry {}", t.entry_ts),
        ));
    }
    Ok(())
}

fn validate_sweep(s: &SweepTable) -> Result<(), ReportError> {
    let cells = s.x.len().checked_mul(s.y.len());
    if cells != Some(s.z.len()) {
        return Err(ReportError::invalid(
            "sweep.z",
            format!(
                "has {} cells but x × y is {} × {}",
                s.z.len(),
                s.x.len(),
                s.y.len()
            ),
        ));
    }
    check_finite("sweep.x", &s.x)?;
    check_finite("sweep.y", &s.y)?;
    if let Some(k) = s.z.iter().position(|v| v.is_some_and(|v| !v.is_finite())) {
        return Err(ReportError::invalid(
            format!("sweep.z[{k}]"),
            "not finite (use None for an undefined cell)",
        ));
    }
    Ok(())
}

fn check_finite(field: &str, values: &[f64]) -> Result<(), ReportError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(k) => Err(ReportError::invalid(
            format!("{field}[{k}]"),
            format!("{} is not finite", values[k]),
        )),
        None => Ok(()),
    }
}

/// `[a-z][a-z0-9_]*`.
fn is_snake_case(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> ReportInput {
        ReportInput {
            ts: vec![Timestamp::from_nanos(0), Timestamp::from_nanos(1)],
            equity: vec![100.0, 101.0],
            returns: vec![0.0, 0.01],
            metrics: vec![Metric::new("sharpe", Some(1.0), Unit::Ratio)],
            ..ReportInput::default()
        }
    }

    #[test]
    fn valid_input_passes() {
        assert!(small().validate().is_ok());
        assert!(ReportInput::default().validate().is_ok());
    }

    #[test]
    fn errors_name_the_field() {
        let mut a = small();
        a.equity[1] = f64::NAN;
        let e = a.validate().unwrap_err().to_string();
        assert!(e.contains("equity[1]"), "{e}");

        let mut b = small();
        b.returns.pop();
        assert!(b.validate().unwrap_err().to_string().contains("returns"));

        let mut c = small();
        c.metrics
            .push(Metric::new("Sharpe Ratio", None, Unit::Ratio));
        assert!(c.validate().unwrap_err().to_string().contains("metrics[1]"));

        let mut d = small();
        d.metrics.push(Metric::new("run", None, Unit::Ratio));
        assert!(d.validate().is_err());

        let mut e = small();
        e.monthly.push((2024, 13, 0.0));
        assert!(e.validate().unwrap_err().to_string().contains("monthly[0]"));

        let mut f = small();
        f.ts[1] = f.ts[0];
        assert!(f.validate().unwrap_err().to_string().contains("ts[1]"));

        let mut g = small();
        g.sweep = Some(SweepTable {
            x_name: "fast".into(),
            y_name: "slow".into(),
            x: vec![1.0, 2.0],
            y: vec![3.0],
            z: vec![Some(1.0)],
            metric_name: "sharpe".into(),
        });
        assert!(g.validate().unwrap_err().to_string().contains("sweep.z"));
    }

    #[test]
    fn sweep_cell_is_row_major() {
        let s = SweepTable {
            x_name: "a".into(),
            y_name: "b".into(),
            x: vec![1.0, 2.0, 3.0],
            y: vec![10.0, 20.0],
            z: (0..6).map(|k| Some(f64::from(k))).collect(),
            metric_name: "m".into(),
        };
        assert_eq!(s.cell(2, 1), Some(5.0));
        assert_eq!(s.cell(3, 0), None);
    }
}
