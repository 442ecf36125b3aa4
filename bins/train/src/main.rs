//! `train`: the command-line front end of `thetalab-ml`.
//!
//! Runs with no arguments on the built-in synthetic market; `--config FILE.toml`,
//! `--csv FILE --label COL --model rf|gbm|logit`, `--incremental`, and the subcommands
//! `promote`, `rollback` and `drift`. All logic lives in `thetalab_ml::pipeline`; this
//! file parses arguments, loads the config, wires the steps, draws progress bars and
//! maps outcomes to exit codes (see docs/ml.md):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success (including "challenger not promoted" and drift warnings) |
//! | 1 | error (bad input file, registry problem, model failure) |
//! | 2 | bad usage (unknown flag, missing argument, invalid config key) |
//! | 3 | `train drift` raised an alert (a feature's PSI at or above `psi_alert`) |

mod config;
mod report;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use thetalab_ml::FeatureMatrix;
use thetalab_ml::drift::DriftLevel;
use thetalab_ml::pipeline::{
    FilterComparison, Table, cross_validate, dataset_schema, drift_check, filter_backtest,
    fit_and_register, incremental, promote_latest, read_table,
};
use thetalab_ml::registry::{FeatureSchema, Registry};

use crate::config::Config;

/// Exit code when `train drift` raises an alert.
const EXIT_DRIFT_ALERT: u8 = 3;
/// Exit code for bad usage.
const EXIT_USAGE: u8 = 2;

/// Train, validate out of sample, register and monitor ML signal filters.
#[derive(Debug, Parser)]
#[command(name = "train", version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    /// TOML config (dataset, labels, model, cv, registry, thresholds; see docs/ml.md).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Registry folder (default `models/` under the current directory).
    #[arg(long, global = true)]
    registry: Option<PathBuf>,
    /// Registry name of the model (default: `synthetic-<strategy>` or the CSV file stem).
    #[arg(long, global = true)]
    name: Option<String>,
    /// Report folder (default `reports/train-<name>/`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Retrain on the newest rows and register the result as a challenger.
    #[arg(long)]
    incremental: bool,
    /// Train on a CSV table instead of the synthetic market.
    #[arg(long, global = true)]
    csv: Option<PathBuf>,
    /// The 0/1 label column of the CSV table.
    #[arg(long, global = true)]
    label: Option<String>,
    /// Model: rf, gbm or logit.
    #[arg(long)]
    model: Option<String>,
    /// Time column of the CSV table (default: rows are in time order).
    #[arg(long, global = true)]
    time_column: Option<String>,
    /// Print one JSON object instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// Cross-validation folds.
    #[arg(long)]
    folds: Option<usize>,
    /// Trees of the random forest, or boosting rounds of `gbm`.
    #[arg(long)]
    trees: Option<usize>,
    /// Seed of every fit.
    #[arg(long)]
    seed: Option<u64>,
    /// Skip the backtest with/without the filter (synthetic market only).
    #[arg(long)]
    no_backtest: bool,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Promote the newest version if it beats the champion by the margin out of sample.
    Promote {
        /// Required improvement in AUC (default from the config, else 0.01).
        #[arg(long)]
        margin: Option<f64>,
    },
    /// Make version N the champion again.
    Rollback {
        /// The version to serve.
        #[arg(long)]
        version: u32,
    },
    /// PSI/KS per feature and calibration drift against the training window.
    Drift {
        /// CSV of the reference (training-window) rows, with `--csv` the live rows.
        #[arg(long)]
        reference: Option<PathBuf>,
        /// Synthetic market: score the last N rows as live (default: rows after the
        /// champion's training window, else the newest 20 %).
        #[arg(long)]
        last: Option<usize>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let usage = e.downcast_ref::<config::UsageError>().is_some();
            eprintln!("train: error: {e:#}");
            ExitCode::from(if usage { EXIT_USAGE } else { 1 })
        }
    }
}

fn run(cli: &Cli) -> Result<u8> {
    let mut cfg = match &cli.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    cfg.apply_cli(cli.model.as_deref(), cli.folds, cli.trees, cli.seed)?;
    let registry = Registry::new(
        cli.registry
            .clone()
            .or_else(|| cfg.registry.dir.clone())
            .unwrap_or_else(Registry::default_root),
    );
    let csv = cli.csv.clone().or_else(|| cfg.csv.path.clone());
    let name = cli
        .name
        .clone()
        .or_else(|| cfg.registry.name.clone())
        .unwrap_or_else(|| match &csv {
            Some(p) => sanitize(
                &p.file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default(),
            ),
            None => format!("synthetic-{}", cfg.dataset.strategy),
        });
    match &cli.cmd {
        Some(Cmd::Promote { margin }) => {
            let margin = margin.unwrap_or(cfg.promote.margin);
            let p = promote_latest(&registry, &name, margin)?;
            if cli.json {
                println!("{}", serde_json::to_string(&p)?);
            } else {
                println!(
                    "{name}: {} (champion now v{})",
                    p.reason,
                    registry.champion(&name)?.unwrap_or(0)
                );
            }
            Ok(0)
        }
        Some(Cmd::Rollback { version }) => {
            registry.rollback(&name, *version)?;
            if cli.json {
                println!("{}", serde_json::json!({"name": name, "champion": version}));
            } else {
                println!("{name}: champion is now v{version}");
            }
            Ok(0)
        }
        Some(Cmd::Drift { reference, last }) => drift(
            cli,
            &cfg,
            &registry,
            &name,
            csv.as_deref(),
            reference.as_deref(),
            *last,
        ),
        None if cli.incremental => incremental_cmd(cli, &cfg, &registry, &name, csv.as_deref()),
        None => train(cli, &cfg, &registry, &name, csv.as_deref()),
    }
}

/// A registry name from a file stem: letters, digits, `-`, `_`, `.`.
fn sanitize(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() { "model".into() } else { out }
}

fn bar(n: usize, msg: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(n as u64);
    if let Ok(style) = ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed}") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(msg.to_string());
    pb
}

fn spinner(msg: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

/// The rows to train on: features, labels, spans and the schema.
struct Rows {
    x: FeatureMatrix,
    y: Vec<f64>,
    t0: Vec<thetalab_core::Timestamp>,
    t1: Vec<thetalab_core::Timestamp>,
    schema: FeatureSchema,
    source: String,
}

fn csv_rows(cfg: &Config, cli: &Cli, path: &Path) -> Result<(Rows, Table)> {
    let label = cli
        .label
        .clone()
        .or_else(|| cfg.csv.label.clone())
        .ok_or_else(|| {
            config::UsageError("--csv needs --label COLUMN (or csv.label in the config)".into())
        })?;
    let time = cli
        .time_column
        .clone()
        .or_else(|| cfg.csv.time_column.clone());
    let t = read_table(path, &label, time.as_deref(), cfg.csv.horizon, true)?;
    if !t.ignored.is_empty() && !cli.json {
        eprintln!(
            "note: non-numeric columns ignored: {}",
            t.ignored.join(", ")
        );
    }
    if cfg.csv.horizon == 0 && !cli.json {
        eprintln!(
            "note: csv.horizon is 0, so each label is taken as decided within its own row and \
             nothing is purged; if a label looks ahead (a forward return, a barrier), set \
             csv.horizon to its length in time steps or the out-of-sample scores leak"
        );
    }
    let rows = Rows {
        schema: FeatureSchema::from_names(t.features.names.clone()),
        x: t.features.clone(),
        y: t.labels.clone(),
        t0: t.t0.clone(),
        t1: t.t1.clone(),
        source: path.display().to_string(),
    };
    Ok((rows, t))
}

fn synthetic_rows(cfg: &Config, quiet: bool) -> Result<(Rows, thetalab_ml::dataset::Dataset)> {
    let dc = cfg.dataset_config()?;
    let sp = spinner("building the synthetic dataset", quiet);
    let ds = thetalab_ml::dataset::dataset(&dc).context("building the dataset")?;
    sp.finish_and_clear();
    let rows = Rows {
        schema: dataset_schema(&ds)?,
        x: ds.features.clone(),
        y: ds.labels.clone(),
        t0: ds.t0.clone(),
        t1: ds.t1.clone(),
        source: format!(
            "synthetic market ({} sessions, seed {}), strategy {}",
            dc.synth.sessions, dc.synth.seed, dc.strategy
        ),
    };
    Ok((rows, ds))
}

fn train(
    cli: &Cli,
    cfg: &Config,
    registry: &Registry,
    name: &str,
    csv: Option<&Path>,
) -> Result<u8> {
    let quiet = cli.json;
    let (rows, ds) = match csv {
        Some(p) => (csv_rows(cfg, cli, p)?.0, None),
        None => {
            let (r, d) = synthetic_rows(cfg, quiet)?;
            (r, Some(d))
        }
    };
    if rows.y.len() < 2 * cfg.cv.folds {
        bail!(
            "{}: {} labelled rows are too few for {} folds",
            rows.source,
            rows.y.len(),
            cfg.cv.folds
        );
    }
    let model = cfg.model_spec()?;
    let cv_spec = cfg.cv_spec();
    let pb = bar(cv_spec.folds, "cv folds", quiet);
    let cv = cross_validate(
        &model,
        &rows.x,
        &rows.y,
        &rows.t0,
        &rows.t1,
        &cv_spec,
        &|d, _| pb.set_position(d as u64),
    )?;
    pb.finish_and_clear();
    let sp = spinner("fitting the final model", quiet);
    let (meta, champion) =
        fit_and_register(registry, name, &model, &rows.schema, &rows.x, &rows.y, &cv)?;
    sp.finish_and_clear();
    let comparison: Option<FilterComparison> = match (&ds, cli.no_backtest) {
        (Some(d), false) => Some(filter_backtest(
            &cfg.dataset_config()?,
            d,
            &cv,
            cfg.model.threshold,
        )?),
        _ => None,
    };
    let out = cli
        .out
        .clone()
        .or_else(|| cfg.report.out.clone())
        .unwrap_or_else(|| PathBuf::from(format!("reports/train-{name}")));
    let summary = report::Summary {
        name,
        version: meta.version,
        champion,
        kind: model.kind.as_str(),
        source: &rows.source,
        n_rows: rows.x.n_rows,
        n_features: rows.x.n_cols,
        cv: &cv,
        cv_spec: &cv_spec,
        comparison: comparison.as_ref(),
        registry: registry.root(),
    };
    report::write(&out, &summary)?;
    if cli.json {
        println!("{}", serde_json::to_string(&report::json(&summary))?);
    } else {
        print_metrics(&summary);
        println!("report: {}", out.display());
    }
    Ok(0)
}

fn print_metrics(s: &report::Summary<'_>) {
    let m = &s.cv.report.model;
    let p = &s.cv.report.prior;
    println!(
        "{} · {} · {} rows × {} features · {}",
        s.name, s.kind, s.n_rows, s.n_features, s.source
    );
    println!(
        "out-of-sample ({} of {} rows scored, {} {} folds, embargo {}):",
        m.n,
        s.n_rows,
        s.cv_spec.folds,
        if s.cv_spec.walk_forward {
            "walk-forward"
        } else {
            "purged k-fold"
        },
        s.cv_spec.embargo
    );
    println!(
        "{:<12} {:>10} {:>10} {:>10}",
        "metric", "model", "prior", "majority"
    );
    let na = "-".to_string();
    let f = |v: f64| {
        if v.is_finite() {
            format!("{v:.4}")
        } else {
            "n/a".into()
        }
    };
    println!(
        "{:<12} {:>10} {:>10} {:>10}",
        "accuracy",
        f(m.accuracy),
        f(p.accuracy),
        f(s.cv.report.majority_accuracy)
    );
    println!(
        "{:<12} {:>10} {:>10} {:>10}",
        "precision",
        f(m.precision),
        f(p.precision),
        na
    );
    println!(
        "{:<12} {:>10} {:>10} {:>10}",
        "recall",
        f(m.recall),
        f(p.recall),
        na
    );
    println!(
        "{:<12} {:>10} {:>10} {:>10}",
        "roc_auc",
        f(m.auc),
        f(p.auc),
        na
    );
    println!(
        "{:<12} {:>10} {:>10} {:>10}",
        "log_loss",
        f(m.log_loss),
        f(p.log_loss),
        na
    );
    println!(
        "{:<12} {:>10} {:>10} {:>10}",
        "brier",
        f(m.brier),
        f(p.brier),
        na
    );
    println!("{:<12} {:>10} {:>10} {:>10}", "ece", f(m.ece), f(p.ece), na);
    println!("{:<12} {:>10}", "base_rate", f(m.base_rate));
    if s.cv.report.beats_baselines() {
        println!("verdict: beats the prior's log loss and the majority's accuracy out of sample");
    } else {
        println!(
            "verdict: does NOT beat the naive baselines out of sample (log loss vs the prior, \
             accuracy vs the majority): do not trade on it"
        );
    }
    if let Some(c) = s.comparison {
        println!(
            "backtest on the out-of-sample period {} .. {} (fills at the {}, {} bps fees, {} bps slippage):",
            c.start,
            c.end,
            c.fill.replace('_', " "),
            c.fees_bps,
            c.slippage_bps
        );
        println!(
            "{:<14} {:>12} {:>12} {:>8} {:>9}",
            "", "total_return", "max_drawdown", "trades", "win_rate"
        );
        for (label, b) in [("all signals", &c.unfiltered), ("ML filter", &c.filtered)] {
            println!(
                "{:<14} {:>12.4} {:>12.4} {:>8} {:>9}",
                label,
                b.total_return,
                b.max_drawdown,
                b.trades,
                b.win_rate.map_or("n/a".into(), |w| format!("{w:.3}"))
            );
        }
        println!(
            "filter accepted {} and rejected {} entry signals",
            c.accepted, c.rejected
        );
    }
    println!(
        "registry: {}/{}/v{:04} ({})",
        s.registry.display(),
        s.name,
        s.version,
        if s.champion {
            "champion"
        } else {
            "challenger; run `train promote`"
        }
    );
}

fn incremental_cmd(
    cli: &Cli,
    cfg: &Config,
    registry: &Registry,
    name: &str,
    csv: Option<&Path>,
) -> Result<u8> {
    let rows = match csv {
        Some(p) => csv_rows(cfg, cli, p)?.0,
        None => synthetic_rows(cfg, cli.json)?.0,
    };
    let model = cfg.model_spec()?;
    let out = incremental(
        registry,
        name,
        &model,
        &cfg.incremental_spec(),
        &rows.schema,
        &rows.x,
        &rows.y,
    )?;
    if cli.json {
        let mut m = out.meta.metrics.clone();
        m.insert("version".into(), f64::from(out.meta.version));
        println!("{}", serde_json::to_string(&m)?);
    } else {
        println!(
            "{name}: challenger v{} trained on {} rows; holdout AUC {:.4} ({} rows){}",
            out.meta.version,
            out.meta.n_train,
            out.report.model.auc,
            out.report.model.n,
            match out.champion {
                Some((v, a)) => format!(", champion v{v} AUC {a:.4} on the same rows"),
                None => ", no champion yet".into(),
            }
        );
        println!("run `train promote --margin X` to promote it if it wins by X");
    }
    Ok(0)
}

fn drift(
    cli: &Cli,
    cfg: &Config,
    registry: &Registry,
    name: &str,
    csv: Option<&Path>,
    reference: Option<&Path>,
    last: Option<usize>,
) -> Result<u8> {
    let (model, meta) = registry.load(name, None)?;
    let label = cli
        .label
        .clone()
        .or_else(|| cfg.csv.label.clone())
        .unwrap_or_default();
    let time = cli
        .time_column
        .clone()
        .or_else(|| cfg.csv.time_column.clone());
    let (ref_x, ref_y, live_x, live_y) = match (csv, reference) {
        (Some(live), Some(r)) => {
            let a = read_table(r, &label, time.as_deref(), 0, false)?;
            let b = read_table(live, &label, time.as_deref(), 0, false)?;
            let (ay, by) = (a.labels.clone(), b.labels.clone());
            (
                a.features,
                (!ay.is_empty()).then_some(ay),
                b.features,
                (!by.is_empty()).then_some(by),
            )
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(config::UsageError(
                "drift on tables needs both --csv LIVE and --reference REF".into(),
            )
            .into());
        }
        (None, None) => {
            let (rows, _) = synthetic_rows(cfg, cli.json)?;
            let n = rows.x.n_rows;
            let after = meta.train_window.as_ref().map_or(n, |w| {
                rows.t0
                    .iter()
                    .position(|t| t.as_nanos() > w.end_ns)
                    .unwrap_or(n)
            });
            let split = match last.or(cfg.drift.last) {
                Some(k) => n.saturating_sub(k),
                None if after < n => after,
                None => n - n / 5,
            };
            if split == 0 || split >= n {
                bail!("drift: {n} rows cannot be split into reference and live at row {split}");
            }
            let r: Vec<usize> = (0..split).collect();
            let l: Vec<usize> = (split..n).collect();
            (
                rows.x.select_rows(&r)?,
                Some(rows.y[..split].to_vec()),
                rows.x.select_rows(&l)?,
                Some(rows.y[split..].to_vec()),
            )
        }
    };
    let rep = drift_check(
        &model,
        &meta,
        &ref_x,
        ref_y.as_deref(),
        &live_x,
        live_y.as_deref(),
        &cfg.drift_thresholds(),
    )?;
    if cli.json {
        println!("{}", serde_json::to_string(&rep)?);
    } else {
        println!(
            "{name} v{}: drift of {} live rows vs {} reference rows: {}",
            meta.version,
            live_x.n_rows,
            ref_x.n_rows,
            match rep.level {
                DriftLevel::Ok => "ok",
                DriftLevel::Warn => "WARN",
                DriftLevel::Alert => "ALERT",
            }
        );
        let mut worst: Vec<_> = rep.features.iter().collect();
        worst.sort_by(|a, b| b.psi.total_cmp(&a.psi));
        println!(
            "{:<32} {:>8} {:>8} {:>10}",
            "feature (worst PSI first)", "psi", "ks_d", "ks_p"
        );
        for f in worst.iter().take(15) {
            let (d, p) =
                f.ks.as_ref()
                    .map_or((f64::NAN, f64::NAN), |k| (k.statistic, k.p_value));
            println!("{:<32} {:>8.4} {:>8.4} {:>10.3e}", f.name, f.psi, d, p);
        }
        if let Some(c) = &rep.calibration {
            println!(
                "calibration: ECE reference {:.4}, live {:.4} (mean prediction {:.4}, observed rate {:.4})",
                c.ece_reference, c.ece_live, c.mean_pred_live, c.rate_live
            );
        }
        for w in &rep.warnings {
            eprintln!("{w}");
        }
    }
    Ok(if rep.level == DriftLevel::Alert {
        EXIT_DRIFT_ALERT
    } else {
        0
    })
}
