//! Ingest runs: parse files, validate them, write the good rows to the store and the bad
//! ones to the quarantine, and account for every row.
//!
//! This is what `ingest csv|yahoo|alpaca|chains|cboe|optionsdx FILE...` does; the CLI
//! only parses arguments and prints. Each file is handled on its own: a file rejected
//! under [`Policy::Reject`] writes nothing and the run goes on with the next one; the
//! summary's outcome is the worst of the files'.

use std::path::{Path, PathBuf};

use thetalab_core::Timestamp;

use crate::ingest::{self, Format, Ingested, Reject};
use crate::schema::BarSeries;
use crate::store::{Store, WriteReport};
use crate::validate::{
    Outcome, ParseReject, Policy, QuarantineRow, ValidationConfig, ValidationReport,
};
use crate::{DataError, validate};

/// How a run treats its input.
#[derive(Clone)]
pub struct IngestOptions {
    /// What to do with bad rows.
    pub policy: Policy,
    /// Checks and thresholds.
    pub validation: ValidationConfig,
    /// Bar interval for the store (`1m`, `1d`, …); `None` infers it from the median
    /// spacing of each series' bars.
    pub interval: Option<String>,
    /// Parse and validate only; write nothing.
    pub dry_run: bool,
    /// The run's time (names the quarantine file; injected so runs are reproducible).
    pub now: Timestamp,
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The file.
    pub file: PathBuf,
    /// Validation counts (every row accounted for).
    pub report: ValidationReport,
    /// What was written to the store.
    pub written: WriteReport,
    /// The reason the file was rejected, when it was.
    pub rejected: Option<String>,
}

/// What a whole run did.
#[derive(Debug, Clone)]
pub struct IngestSummary {
    /// Per file, in the order given.
    pub files: Vec<FileResult>,
    /// All files' reports merged.
    pub total: ValidationReport,
    /// All files' writes.
    pub written: WriteReport,
    /// The quarantine file, when rows were quarantined.
    pub quarantine_file: Option<PathBuf>,
}

impl IngestSummary {
    /// The worst outcome of the run.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        self.files
            .iter()
            .map(|f| f.report.outcome)
            .max()
            .unwrap_or(Outcome::Clean)
    }
}

impl From<Reject> for ParseReject {
    fn from(r: Reject) -> Self {
        ParseReject {
            line: r.line,
            field: r.field.unwrap_or_default(),
            message: r.reason,
            raw: r.raw,
        }
    }
}

/// Infers a bar interval from the median spacing of the bars: `1d` at 20 hours or more,
/// else whole minutes (`1m`, `5m`, …), else seconds.
#[must_use]
pub fn infer_interval(series: &BarSeries) -> String {
    let mut gaps: Vec<i64> = series
        .bars
        .windows(2)
        .map(|w| w[1].ts.as_nanos() - w[0].ts.as_nanos())
        .filter(|g| *g > 0)
        .collect();
    if gaps.is_empty() {
        return "1d".to_string();
    }
    let mid = gaps.len() / 2;
    let (_, median, _) = gaps.select_nth_unstable(mid);
    let secs = *median / 1_000_000_000;
    if secs >= 20 * 3600 {
        "1d".to_string()
    } else if secs >= 3600 && secs % 3600 == 0 {
        format!("{}h", secs / 3600)
    } else if secs >= 60 {
        format!("{}m", (secs + 30) / 60)
    } else {
        format!("{}s", secs.max(1))
    }
}

/// Runs one ingest over `files` in `format` into `store`. `progress(i, file)` is called
/// before each file.
pub fn ingest_files(
    store: &Store,
    files: &[PathBuf],
    format: &Format,
    opts: &IngestOptions,
    progress: &mut dyn FnMut(usize, &Path),
) -> Result<IngestSummary, DataError> {
    let mut results = Vec::with_capacity(files.len());
    let mut quarantine: Vec<QuarantineRow> = Vec::new();
    let mut written = WriteReport::default();
    for (i, file) in files.iter().enumerate() {
        progress(i, file);
        let name = file.display().to_string();
        let res = match ingest_one(store, file, &name, format, opts, &mut quarantine) {
            Ok(r) => r,
            Err(DataError::Rejected { .. }) if opts.policy == Policy::Reject => {
                // Count the file as rejected with the reasons validation found, then go on.
                let cfg = opts.validation.clone();
                let mut scratch = Vec::new();
                let dry = IngestOptions {
                    policy: Policy::Quarantine,
                    dry_run: true,
                    validation: cfg,
                    ..opts.clone()
                };
                let mut r = ingest_one(store, file, &name, format, &dry, &mut scratch)?;
                let first = scratch
                    .first()
                    .map(|q| {
                        format!(
                            "line {} field {}: {} ({})",
                            q.line, q.field, q.reason, q.detail
                        )
                    })
                    .unwrap_or_default();
                r.report.rejected = r.report.rows_in;
                r.report.rows_kept = 0;
                r.report.quarantined = 0;
                r.report.dropped = 0;
                r.report.outcome = Outcome::Rejected;
                r.written = WriteReport::default();
                r.rejected = Some(first);
                r
            }
            Err(e) => return Err(e),
        };
        written.partitions += res.written.partitions;
        written.rows_total += res.written.rows_total;
        written.rows_written += res.written.rows_written;
        written.rows_replaced += res.written.rows_replaced;
        written.files.extend(res.written.files.iter().cloned());
        results.push(res);
    }
    let mut total = match results.first() {
        Some(r) => r.report.clone(),
        None => ValidationReport::new("no files"),
    };
    for r in results.iter().skip(1) {
        total.merge(&r.report);
    }
    let quarantine_file = if opts.dry_run {
        None
    } else {
        let run = format!("ingest-{}", opts.now.as_nanos());
        store.write_quarantine(&run, &quarantine, opts.now.to_utc().date_naive())?
    };
    Ok(IngestSummary {
        files: results,
        total,
        written,
        quarantine_file,
    })
}

fn ingest_one(
    store: &Store,
    file: &Path,
    name: &str,
    format: &Format,
    opts: &IngestOptions,
    quarantine: &mut Vec<QuarantineRow>,
) -> Result<FileResult, DataError> {
    let mut report = ValidationReport::new(name);
    let mut written = WriteReport::default();
    let mut first = true;
    match ingest::ingest(file, format)? {
        Ingested::Bars(parsed) => {
            let mut rejects: Vec<ParseReject> =
                parsed.rejects.into_iter().map(ParseReject::from).collect();
            if parsed.data.is_empty() && !rejects.is_empty() {
                let v = validate::validate_bars(
                    BarSeries::default(),
                    None,
                    std::mem::take(&mut rejects),
                    name,
                    &opts.validation,
                    opts.policy,
                )?;
                report = v.report;
                quarantine.extend(v.quarantine);
            }
            for series in parsed.data {
                let v = validate::validate_bars(
                    series,
                    None,
                    std::mem::take(&mut rejects),
                    name,
                    &opts.validation,
                    opts.policy,
                )?;
                merge_into(&mut report, &v.report, &mut first);
                quarantine.extend(v.quarantine);
                if !opts.dry_run && !v.data.bars.is_empty() {
                    let interval = opts
                        .interval
                        .clone()
                        .unwrap_or_else(|| infer_interval(&v.data));
                    add(&mut written, store.write_bars(&v.data, &interval)?);
                }
            }
        }
        Ingested::Chains(parsed) => {
            let mut rejects: Vec<ParseReject> =
                parsed.rejects.into_iter().map(ParseReject::from).collect();
            if parsed.data.is_empty() && !rejects.is_empty() {
                let v = validate::validate_chain(
                    Default::default(),
                    None,
                    std::mem::take(&mut rejects),
                    name,
                    &opts.validation,
                    opts.policy,
                )?;
                report = v.report;
                quarantine.extend(v.quarantine);
            }
            for mut chain in parsed.data {
                // Validation wants time order; adapters give file order.
                chain.rows.sort_by_key(|q| q.ts);
                let v = validate::validate_chain(
                    chain,
                    None,
                    std::mem::take(&mut rejects),
                    name,
                    &opts.validation,
                    opts.policy,
                )?;
                merge_into(&mut report, &v.report, &mut first);
                quarantine.extend(v.quarantine);
                if !opts.dry_run && !v.data.rows.is_empty() {
                    add(&mut written, store.write_chain(&v.data)?);
                }
            }
        }
    }
    report.source = name.to_string();
    report.files = 1;
    Ok(FileResult {
        file: file.to_path_buf(),
        report,
        written,
        rejected: None,
    })
}

fn merge_into(total: &mut ValidationReport, r: &ValidationReport, first: &mut bool) {
    if *first {
        *total = r.clone();
        *first = false;
    } else {
        total.merge(r);
    }
}

fn add(total: &mut WriteReport, w: WriteReport) {
    total.partitions += w.partitions;
    total.rows_total += w.rows_total;
    total.rows_written += w.rows_written;
    total.rows_replaced += w.rows_replaced;
    total.files.extend(w.files);
}
