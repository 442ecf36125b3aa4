//! The options report folder.

use std::fs;
use std::path::{Path, PathBuf};

use super::trades_csv::{to_file, write_breakdown_to, write_daily_to, write_option_trades_to};
use super::{OptionsReport, render_options_html};
use crate::{ReportError, write_equity_parquet, write_json_summary};

/// The paths [`write_options_report`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionsReportFiles {
    /// `report.html`.
    pub html: PathBuf,
    /// `summary.json`: run metadata under `"run"`, every metric a top-level key.
    pub json: PathBuf,
    /// `trades.csv`: the options trade log.
    pub trades_csv: PathBuf,
    /// `daily.csv`: one row per session.
    pub daily_csv: PathBuf,
    /// `breakdown.csv`: per strategy, regime, exit reason and structure.
    pub breakdown_csv: PathBuf,
    /// `equity.parquet`: `ts`, `equity`, `returns` per session.
    pub equity_parquet: PathBuf,
}

/// Checks the report's input, creates `dir` and writes the six files into it, replacing
/// files of those names.
pub fn write_options_report(
    dir: &Path,
    rep: &OptionsReport<'_>,
) -> Result<OptionsReportFiles, ReportError> {
    rep.input.validate()?;
    fs::create_dir_all(dir).map_err(|e| ReportError::io(dir, e))?;
    let files = OptionsReportFiles {
        html: dir.join("report.html"),
        json: dir.join("summary.json"),
        trades_csv: dir.join("trades.csv"),
        daily_csv: dir.join("daily.csv"),
        breakdown_csv: dir.join("breakdown.csv"),
        equity_parquet: dir.join("equity.parquet"),
    };
    fs::write(&files.html, render_options_html(rep))
        .map_err(|e| ReportError::io(&files.html, e))?;
    write_json_summary(&files.json, &rep.input)?;
    let r = rep.result;
    to_file(&files.trades_csv, |w| {
        write_option_trades_to(w, &r.trades, &files.trades_csv)
    })?;
    to_file(&files.daily_csv, |w| {
        write_daily_to(w, &r.daily, r.totals.init_cash, &files.daily_csv)
    })?;
    to_file(&files.breakdown_csv, |w| {
        write_breakdown_to(w, &rep.breakdowns, &files.breakdown_csv)
    })?;
    write_equity_parquet(&files.equity_parquet, &rep.input)?;
    Ok(files)
}
