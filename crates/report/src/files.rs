//! The report folder: every output of one run side by side.

use std::fs;
use std::path::{Path, PathBuf};

use crate::{
    ReportError, ReportInput, write_equity_parquet, write_html, write_json_summary,
    write_trades_csv,
};

/// The paths [`write_all`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// `report.html`: the self-contained HTML report.
    pub html: PathBuf,
    /// `summary.json`: metrics and run metadata.
    pub json: PathBuf,
    /// `trades.csv`: every trade.
    pub trades_csv: PathBuf,
    /// `equity.parquet`: `ts`, `equity`, `returns`, `benchmark` per bar.
    pub equity_parquet: PathBuf,
}

/// Checks the input ([`ReportInput::validate`]), creates `dir` (and its parents) and
/// writes `report.html`, `summary.json`, `trades.csv` and `equity.parquet` into it,
/// replacing files of those names. The CLI passes `reports/<run name>/`.
pub fn write_all(dir: &Path, input: &ReportInput) -> Result<ReportFiles, ReportError> {
    input.validate()?;
    fs::create_dir_all(dir).map_err(|e| ReportError::io(dir, e))?;
    let files = ReportFiles {
        html: dir.join("report.html"),
        json: dir.join("summary.json"),
        trades_csv: dir.join("trades.csv"),
        equity_parquet: dir.join("equity.parquet"),
    };
    write_html(&files.html, input)?;
    write_json_summary(&files.json, input)?;
    write_trades_csv(&files.trades_csv, &input.trades)?;
    write_equity_parquet(&files.equity_parquet, input)?;
    Ok(files)
}
