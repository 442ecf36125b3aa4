//! # thetalab-report
//!
//! Reports for any thetalab engine, from plain input types ([`ReportInput`]) that carry
//! no engine internals:
//!
//! * [`summary_table`]: a plain-text, aligned metrics table for the terminal;
//! * [`write_trades_csv`]: one row per trade ([`trades_csv`] documents the columns);
//! * [`write_json_summary`] / [`json_summary_string`]: one JSON object, run metadata
//!   under `"run"` and every metric as a top-level key ([`json`] shows the layout);
//! * [`write_equity_parquet`]: `ts`, `equity`, `returns`, `benchmark` per bar;
//! * [`render_html`] / [`write_html`]: one self-contained HTML file (inline CSS and
//!   SVG, no JavaScript, no network) with the metrics, equity vs benchmark, underwater
//!   drawdown, monthly heatmap, return distribution, trade P&L scatter, parameter-sweep
//!   heatmap and a trades table ([`html`], [`charts`]);
//! * [`write_all`]: all four files into a report folder;
//! * [`options`]: the options replay report — trade log with legs, fees, reasons and
//!   attribution, daily and breakdown tables, payoff diagrams of representative trades
//!   and the P&L attribution ([`options::OptionsReport`],
//!   [`options::write_options_report`]).
//!
//! Conventions (see [`input`]): returns are fractions everywhere; `ts`, `equity`,
//! `returns` and the benchmark are aligned; an undefined metric is `None` (or
//! non-finite) and shows as `null` / `n/a` / `—`. Output is deterministic: no wall-clock
//! time unless [`ReportInput::generated_at`] is set.
//!
//! The tests keep golden copies of a small report in `tests/golden/`
//! (`report_small.html`, `summary_small.txt`); after an intended change of the output,
//! regenerate them with `UPDATE_GOLDEN=1 cargo test -p thetalab-report --test it golden`
//! and review the diff. `cargo run -p thetalab-report --example report_demo -- DIR`
//! writes a full synthetic report to look at.
//!
//! ```
//! use thetalab_core::Timestamp;
//! use thetalab_report::{Metric, ReportInput, Unit, render_html, summary_table};
//!
//! let day = 86_400_000_000_000_i64;
//! let ts: Vec<Timestamp> = (0..5).map(|i| Timestamp::from_nanos(i * day)).collect();
//! let equity = vec![100.0, 101.0, 99.5, 102.0, 103.0];
//! let mut returns = vec![0.0];
//! returns.extend(equity.windows(2).map(|w| w[1] / w[0] - 1.0));
//! let input = ReportInput {
//!     title: "Demo <run>".into(),
//!     strategy: "buy-and-hold".into(),
//!     ts,
//!     equity,
//!     returns,
//!     metrics: vec![Metric::new("total_return", Some(0.03), Unit::Percent)],
//!     ..ReportInput::default()
//! };
//! input.validate()?;
//! assert!(summary_table(&input).contains("3.00%"));
//! let html = render_html(&input);
//! assert!(html.contains("<h1>Demo &lt;run&gt;</h1>"));
//! assert!(html.contains("id=\"chart-equity\""));
//! # Ok::<(), thetalab_report::ReportError>(())
//! ```

pub mod charts;
mod equity_parquet;
mod error;
mod files;
mod format;
pub mod html;
pub mod input;
pub mod json;
pub mod options;
mod svg;
pub mod sweep;
mod table;
pub mod trades_csv;

pub use equity_parquet::{equity_schema, write_equity_parquet};
pub use error::ReportError;
pub use files::{ReportFiles, write_all};
pub use format::{format_metric, metric_label};
pub use html::{render_html, write_html};
pub use input::{Direction, Metric, ReportInput, SweepTable, TradeRow, Unit};
pub use json::{json_summary_string, write_json_summary};
pub use svg::escape;
pub use table::summary_table;
pub use trades_csv::{write_trades_csv, write_trades_csv_to};

/// The generator line written into every output: `thetalab-report <crate version>`.
pub const GENERATOR: &str = concat!("thetalab-report ", env!("CARGO_PKG_VERSION"));
