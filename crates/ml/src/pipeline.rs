//! The training pipeline behind the `train` CLI: cross-validated out-of-sample
//! predictions, the metrics table with its baselines, permutation importance, the
//! backtest with and without the ML filter, researcher tables read from CSV,
//! incremental retraining as a challenger, promotion and drift checks.
//!
//! **Out of sample** here means: every probability that is scored was produced by a
//! model fitted on rows that do not include the scored row *and* whose label horizons
//! do not overlap the scored block (purged), with an embargo after it
//! ([`crate::split::purged_kfold`], López de Prado 2018, ch. 7). With walk-forward
//! ([`CvSpec::walk_forward`]) the fitting rows are moreover strictly earlier. Metrics
//! are computed on the pooled out-of-fold predictions; the prior baseline predicts, for
//! each scored row, the base rate of the rows its model was trained on, and the
//! majority baseline predicts that training set's majority class.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use thetalab_core::Timestamp;
use thetalab_strategy::{BarColumns, BarInput, SignalFilter, Signals};

use crate::dataset::{Dataset, DatasetConfig};
use crate::drift::{CalibrationDrift, DriftReport, DriftThresholds};
use crate::error::{MlError, Result};
use crate::eval::{
    CalibrationBin, EvalReport, Metrics, Score, calibration_curve, permutation_importance,
};
use crate::filter::{MlFilter, Sizing};
use crate::matrix::FeatureMatrix;
use crate::models::{
    AnyClassifier, Classifier, ForestParams, GbmClassifier, GbmParams, Logistic, LogisticParams,
    ModelKind, RandomForest,
};
use crate::registry::{
    FeatureSchema, ModelMeta, Promotion, Registry, TrainWindow, code_version_from_env,
};
use crate::split::{Fold, WalkForward, purged_kfold, walk_forward};

/// Which classifier to fit and its main hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelSpec {
    /// The classifier.
    pub kind: ModelKind,
    /// Trees of the random forest, or boosting rounds of gradient boosting (both
    /// default to 100, scikit-learn's and LightGBM's defaults).
    pub n_trees: usize,
    /// Depth limit of the trees of either model (`None`: the forest grows until pure,
    /// boosting is bounded by `gbm_num_leaves` only).
    pub max_depth: Option<usize>,
    /// Gradient boosting's learning rate (LightGBM's default 0.1).
    pub gbm_learning_rate: f64,
    /// Gradient boosting's leaves per tree (LightGBM's default 31).
    pub gbm_num_leaves: usize,
    /// Ridge penalty of the logistic regression.
    pub logit_alpha: f64,
    /// The seed of every fit.
    pub seed: u64,
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec {
            kind: ModelKind::Rf,
            n_trees: ForestParams::default().n_trees,
            max_depth: None,
            gbm_learning_rate: GbmParams::default().learning_rate,
            gbm_num_leaves: GbmParams::default().num_leaves,
            logit_alpha: LogisticParams::default().alpha,
            seed: 42,
        }
    }
}

impl ModelSpec {
    /// Fits the classifier on `x` (row-major, `n_cols` columns) and 0/1 labels `y`.
    pub fn fit(&self, x: &[f64], n_cols: usize, y: &[f64]) -> Result<AnyClassifier> {
        Ok(match self.kind {
            ModelKind::Rf => {
                let p = ForestParams {
                    n_trees: self.n_trees,
                    max_depth: self.max_depth,
                    ..ForestParams::default()
                };
                AnyClassifier::Rf(RandomForest::fit_with(&p, x, n_cols, y, self.seed)?)
            }
            ModelKind::Gbm => {
                let p = GbmParams {
                    n_rounds: self.n_trees,
                    max_depth: self.max_depth,
                    learning_rate: self.gbm_learning_rate,
                    num_leaves: self.gbm_num_leaves,
                    ..GbmParams::default()
                };
                AnyClassifier::Gbm(Box::new(GbmClassifier::fit_with(
                    &p, x, n_cols, y, self.seed,
                )?))
            }
            ModelKind::Logit => {
                let p = LogisticParams {
                    alpha: self.logit_alpha,
                    ..LogisticParams::default()
                };
                AnyClassifier::Logit(Logistic::fit_with(&p, x, n_cols, y, self.seed)?)
            }
        })
    }
}

/// How the rows are split for cross-validation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CvSpec {
    /// Folds (k-fold) or test blocks (walk-forward).
    pub folds: usize,
    /// Embargo as a fraction of the rows.
    pub embargo: f64,
    /// Walk-forward (train strictly on the past) instead of purged k-fold.
    pub walk_forward: bool,
    /// Decision threshold for accuracy, precision and recall.
    pub threshold: f64,
    /// Permutation-importance repeats per feature and fold (0: skip importance).
    pub importance_repeats: usize,
}

impl Default for CvSpec {
    fn default() -> Self {
        CvSpec {
            folds: 5,
            embargo: 0.01,
            walk_forward: false,
            threshold: 0.5,
            importance_repeats: 3,
        }
    }
}

/// One feature's permutation importance, averaged over the folds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureImportance {
    /// Feature name.
    pub name: String,
    /// Mean AUC drop when the feature is shuffled (test-size-weighted over folds).
    pub mean: f64,
    /// Weighted mean over folds of the per-fold standard deviation of the drop.
    pub std: f64,
}

/// What [`cross_validate`] produced.
#[derive(Debug, Clone)]
pub struct CvRun {
    /// Out-of-fold probability of each row (NaN for rows in no test block).
    pub p: Vec<f64>,
    /// The test fold of each row (`None`: never scored, walk-forward's first block).
    pub fold_of: Vec<Option<usize>>,
    /// The splits.
    pub folds: Vec<Fold>,
    /// The model fitted on each fold's training rows.
    pub models: Vec<AnyClassifier>,
    /// Model metrics beside the prior and majority baselines, on scored rows only.
    pub report: EvalReport,
    /// ROC-AUC of the pooled out-of-fold scores (beside the per-fold mean in
    /// `report.model.auc`; biased low on small samples, see [`cross_validate`]).
    pub auc_pooled: f64,
    /// The reliability curve of the scored rows (10 uniform bins).
    pub calibration: Vec<CalibrationBin>,
    /// Permutation importance by feature, largest first.
    pub importance: Vec<FeatureImportance>,
}

impl CvRun {
    /// The scored rows' metrics as `name → value` (for the registry and JSON): the
    /// model's metrics plus `prior_log_loss`, `prior_brier`, `prior_accuracy` and
    /// `majority_accuracy`.
    #[must_use]
    pub fn metric_map(&self) -> BTreeMap<String, f64> {
        let mut m: BTreeMap<String, f64> = self
            .report
            .model
            .pairs()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        m.insert("n_oos".into(), self.report.model.n as f64);
        m.insert("auc_pooled".into(), self.auc_pooled);
        m.insert("prior_log_loss".into(), self.report.prior.log_loss);
        m.insert("prior_brier".into(), self.report.prior.brier);
        m.insert("prior_accuracy".into(), self.report.prior.accuracy);
        m.insert("majority_accuracy".into(), self.report.majority_accuracy);
        m
    }
}

/// Runs purged cross-validation (or walk-forward) of `model` on `x` with labels `y` and
/// label spans `[t0, t1]` (rows sorted by `t0`), scoring only out-of-fold predictions.
/// ROC-AUC is the test-size-weighted mean of the per-fold AUCs; the other metrics pool
/// the out-of-fold predictions.
/// `progress` is called after each fold with `(done, total)`.
pub fn cross_validate(
    model: &ModelSpec,
    x: &FeatureMatrix,
    y: &[f64],
    t0: &[Timestamp],
    t1: &[Timestamp],
    cv: &CvSpec,
    progress: &dyn Fn(usize, usize),
) -> Result<CvRun> {
    let n = x.n_rows;
    if y.len() != n || t0.len() != n || t1.len() != n {
        return Err(MlError::Invalid {
            field: "rows",
            reason: format!(
                "{n} feature rows, {} labels, {} starts, {} ends",
                y.len(),
                t0.len(),
                t1.len()
            ),
        });
    }
    let folds = if cv.walk_forward {
        walk_forward(
            t0,
            t1,
            &WalkForward {
                n_splits: cv.folds,
                test_size: None,
                max_train: None,
                embargo: cv.embargo,
            },
        )?
    } else {
        purged_kfold(t0, t1, cv.folds, cv.embargo)?
    };
    let k = x.n_cols;
    let mut p = vec![f64::NAN; n];
    let mut prior = vec![f64::NAN; n];
    let mut majority = vec![f64::NAN; n];
    let mut fold_of = vec![None; n];
    let mut models = Vec::with_capacity(folds.len());
    let mut imp_sum = vec![(0.0, 0.0); k];
    let mut imp_weight = 0.0;
    let (mut auc_sum, mut auc_weight) = (0.0, 0.0);
    for (f, fold) in folds.iter().enumerate() {
        let tr = x.select_rows(&fold.train)?;
        let y_tr: Vec<f64> = fold.train.iter().map(|&i| y[i]).collect();
        if y_tr.is_empty() {
            return Err(MlError::Invalid {
                field: "folds",
                reason: format!(
                    "fold {f} has no training rows after purging; use fewer folds or a smaller embargo"
                ),
            });
        }
        let fitted = model.fit(&tr.data, k, &y_tr)?;
        let rate = y_tr.iter().sum::<f64>() / y_tr.len() as f64;
        let te = x.select_rows(&fold.test)?;
        let y_te: Vec<f64> = fold.test.iter().map(|&i| y[i]).collect();
        let pt = fitted.predict_proba(&te.data, k)?;
        for (j, &i) in fold.test.iter().enumerate() {
            p[i] = pt[j];
            prior[i] = rate;
            majority[i] = if rate >= 0.5 { 1.0 } else { 0.0 };
            fold_of[i] = Some(f);
        }
        let both = y_te.contains(&1.0) && y_te.contains(&0.0);
        if both {
            let w = y_te.len() as f64;
            auc_sum += w * crate::eval::roc_auc(&y_te, &pt)?;
            auc_weight += w;
        }
        if cv.importance_repeats > 0 && both {
            let predict = |m: &[f64]| fitted.predict_proba(m, k);
            let imp = permutation_importance(
                &predict,
                &te.data,
                k,
                &y_te,
                Score::Auc,
                cv.importance_repeats,
                model.seed ^ f as u64,
            )?;
            let w = y_te.len() as f64;
            for (s, i) in imp_sum.iter_mut().zip(&imp) {
                s.0 += w * i.mean;
                s.1 += w * i.std;
            }
            imp_weight += w;
        }
        models.push(fitted);
        progress(f + 1, folds.len());
    }
    let scored: Vec<usize> = (0..n).filter(|&i| fold_of[i].is_some()).collect();
    let ys: Vec<f64> = scored.iter().map(|&i| y[i]).collect();
    let ps: Vec<f64> = scored.iter().map(|&i| p[i]).collect();
    let pr: Vec<f64> = scored.iter().map(|&i| prior[i]).collect();
    let mut model_m = Metrics::compute(&ys, &ps, cv.threshold)?;
    let auc_pooled = model_m.auc;
    // ROC-AUC is averaged over folds (weighted by test size), as scikit-learn's
    // `cross_val_score` does: pooling out-of-fold scores mixes models whose intercepts
    // track their training base rates, which anti-correlate with the test folds' rates
    // and bias a pooled AUC below 0.5 on pure noise (Airola et al., 2011,
    // "An experimental comparison of cross-validation techniques for estimating the
    // area under the ROC curve").
    model_m.auc = if auc_weight > 0.0 {
        auc_sum / auc_weight
    } else {
        f64::NAN
    };
    let mut prior_m = Metrics::compute(&ys, &pr, cv.threshold)?;
    // Per fold the prior is one constant score, whose AUC is exactly 0.5 (every pair
    // tied); the per-fold mean is therefore 0.5, comparable with the model's.
    prior_m.auc = if auc_weight > 0.0 { 0.5 } else { f64::NAN };
    let majority_accuracy =
        scored.iter().filter(|&&i| y[i] == majority[i]).count() as f64 / scored.len().max(1) as f64;
    let calibration = calibration_curve(&ys, &ps, 10)?;
    let mut importance: Vec<FeatureImportance> = if imp_weight > 0.0 {
        x.names
            .iter()
            .zip(&imp_sum)
            .map(|(name, s)| FeatureImportance {
                name: name.clone(),
                mean: s.0 / imp_weight,
                std: s.1 / imp_weight,
            })
            .collect()
    } else {
        Vec::new()
    };
    importance.sort_by(|a, b| b.mean.total_cmp(&a.mean));
    Ok(CvRun {
        p,
        fold_of,
        folds,
        models,
        auc_pooled,
        report: EvalReport {
            model: model_m,
            prior: prior_m,
            majority_accuracy,
        },
        calibration,
        importance,
    })
}

/// The feature schema of a dataset: names and a definition (description and
/// look-back) per feature, hashed for the registry.
pub fn dataset_schema(ds: &Dataset) -> Result<FeatureSchema> {
    let defs: Vec<String> = ds
        .feature_set
        .defs()
        .iter()
        .map(|d| format!("{} | lookback {}", d.description, d.lookback))
        .collect();
    FeatureSchema::new(ds.feature_set.names(), &defs)
}

/// Fits `model` on every row and saves it as the next version of `name`, with the
/// out-of-sample metrics of `cv`. The first version of a name becomes champion; later
/// ones are challengers (see [`promote_latest`]).
#[allow(clippy::too_many_arguments)]
pub fn fit_and_register(
    registry: &Registry,
    name: &str,
    model: &ModelSpec,
    schema: &FeatureSchema,
    x: &FeatureMatrix,
    y: &[f64],
    cv: &CvRun,
) -> Result<(ModelMeta, bool)> {
    let fitted = model.fit(&x.data, x.n_cols, y)?;
    let window = match (x.ts.first(), x.ts.last()) {
        (Some(a), Some(b)) => Some(TrainWindow::new(*a, *b)),
        _ => None,
    };
    let meta = ModelMeta {
        name: name.to_string(),
        version: 0,
        kind: model.kind,
        features: schema.clone(),
        train_window: window,
        n_train: x.n_rows,
        metrics: cv.metric_map(),
        score_metric: "auc".into(),
        seed: model.seed,
        code_version: code_version_from_env(),
    };
    let first = registry.champion(name)?.is_none();
    let meta = registry.save(&fitted, meta)?;
    if first {
        registry.set(name, meta.version, "first version")?;
    }
    Ok((meta, first))
}

/// Summary of one backtest run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BacktestSummary {
    /// Total return over the period.
    pub total_return: f64,
    /// Annualised Sharpe ratio (empyrical's convention), when defined.
    pub sharpe: Option<f64>,
    /// Maximum drawdown (a negative fraction).
    pub max_drawdown: f64,
    /// Closed trades.
    pub trades: usize,
    /// Fraction of winning trades, when there are trades.
    pub win_rate: Option<f64>,
}

/// The backtest with and without the ML filter on the out-of-sample period.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FilterComparison {
    /// First bar of the period (the first scored event).
    pub start: String,
    /// Last bar of the period.
    pub end: String,
    /// Every entry signal taken.
    pub unfiltered: BacktestSummary,
    /// Entries the filter accepted.
    pub filtered: BacktestSummary,
    /// Entry signals the filter accepted.
    pub accepted: usize,
    /// Entry signals the filter rejected (including events with no out-of-sample
    /// probability: no trade without an opinion).
    pub rejected: usize,
    /// Proportional fees charged on every fill, in basis points of the traded value.
    pub fees_bps: f64,
    /// Adverse slippage on every fill, in basis points of the fill price.
    pub slippage_bps: f64,
    /// When orders fill: `next_open` (the bar after the signal).
    pub fill: String,
}

/// Costs of the filter comparison: those of `backtest`'s bar strategies by default
/// (5 bps fees, 1 bp slippage, fills at the next bar's open), so neither leg of the
/// comparison trades for free or at the price that produced its signal.
pub const COMPARISON_FEES_BPS: f64 = 5.0;
/// See [`COMPARISON_FEES_BPS`].
pub const COMPARISON_SLIPPAGE_BPS: f64 = 1.0;

fn summary(
    res: &thetalab_backtest::BacktestResult,
    cfg: &thetalab_backtest::BacktestConfig,
) -> Result<BacktestSummary> {
    let m = res.metrics(cfg).map_err(|e| MlError::Upstream {
        stage: "backtest",
        reason: e.to_string(),
    })?;
    Ok(BacktestSummary {
        total_return: m.total_return,
        sharpe: m.sharpe,
        max_drawdown: m.max_drawdown,
        trades: m.trade_count,
        win_rate: m.win_rate,
    })
}

/// Re-runs the dataset's strategy on the synthetic market from the first scored event
/// to the end, once with every entry and once with entries gated by the ML filter: each
/// event's out-of-fold model ([`MlFilter`] over that fold's rows) decides.
pub fn filter_backtest(
    cfg: &DatasetConfig,
    ds: &Dataset,
    cv: &CvRun,
    threshold: f64,
) -> Result<FilterComparison> {
    let up = |e: &dyn std::fmt::Display| MlError::Upstream {
        stage: "backtest",
        reason: e.to_string(),
    };
    let market = thetalab_data::synth::SyntheticMarket::new(cfg.synth.clone())?;
    let daily = market.index_daily();
    let bars = crate::features::BarData::from_series(&daily);
    let first = (0..ds.bar_index.len())
        .find(|&r| cv.fold_of.get(r).is_some_and(Option::is_some))
        .and_then(|r| ds.bar_index.get(r).copied())
        .ok_or_else(|| MlError::Invalid {
            field: "cv",
            reason: "no scored rows".into(),
        })?;
    let cols = |from: usize| {
        BarColumns::from_bars((from..bars.len()).map(|i| BarInput {
            ts: bars.ts[i],
            open: bars.open[i],
            high: bars.high[i],
            low: bars.low[i],
            close: bars.close[i],
            volume: bars.volume[i],
        }))
    };
    let full = cols(0);
    let strategy = thetalab_strategy::by_name(&cfg.strategy, &cfg.params).map_err(|e| up(&e))?;
    let signals = strategy
        .signals(&full.view().map_err(|e| up(&e))?)
        .map_err(|e| up(&e))?;
    // One filter per fold, each holding its out-of-fold probabilities.
    let mut filters = Vec::with_capacity(cv.folds.len());
    for (f, fold) in cv.folds.iter().enumerate() {
        let te = ds.features.select_rows(&fold.test)?;
        let model: Arc<dyn Classifier> =
            Arc::new(cv.models.get(f).cloned().ok_or_else(|| MlError::Invalid {
                field: "cv",
                reason: format!("no model for fold {f}"),
            })?);
        filters
            .push(MlFilter::new(model, threshold, Sizing::Full)?.with_rows(&te.data, te.n_cols)?);
    }
    // (bar, side) → (fold, position in the fold's test rows).
    let mut lookup: BTreeMap<(usize, i8), (usize, usize)> = BTreeMap::new();
    for (f, fold) in cv.folds.iter().enumerate() {
        for (j, &r) in fold.test.iter().enumerate() {
            lookup.insert((ds.bar_index[r], ds.sides[r]), (f, j));
        }
    }
    let slice = |v: &[bool]| v[first..].to_vec();
    let base = Signals {
        entries: slice(&signals.entries),
        exits: slice(&signals.exits),
        short_entries: slice(&signals.short_entries),
        short_exits: slice(&signals.short_exits),
    };
    let mut gated = base.clone();
    let (mut accepted, mut rejected) = (0, 0);
    for i in 0..gated.entries.len() {
        for (side, flag) in [
            (1i8, &mut gated.entries[i]),
            (-1i8, &mut gated.short_entries[i]),
        ] {
            if !*flag {
                continue;
            }
            let ok = lookup
                .get(&(first + i, side))
                .and_then(|&(f, j)| {
                    filters
                        .get(f)
                        .map(|flt| flt.accept(j, &[]).size_mult() > 0.0)
                })
                .unwrap_or(false);
            if ok {
                accepted += 1;
            } else {
                rejected += 1;
                *flag = false;
            }
        }
    }
    let oos = cols(first);
    let view = oos.view().map_err(|e| up(&e))?;
    let direction = if cfg
        .params
        .iter()
        .any(|(k, v)| k == "allow_short" && *v != 0.0)
    {
        thetalab_backtest::DirectionMode::Both
    } else {
        thetalab_backtest::DirectionMode::LongOnly
    };
    let bt = thetalab_backtest::BacktestConfig {
        direction,
        fees_bps: COMPARISON_FEES_BPS,
        slippage_bps: COMPARISON_SLIPPAGE_BPS,
        fill: thetalab_backtest::Fill::NextOpen,
        ..thetalab_backtest::BacktestConfig::default()
    };
    let r0 = thetalab_backtest::run(&view, &base, &bt).map_err(|e| up(&e))?;
    let r1 = thetalab_backtest::run(&view, &gated, &bt).map_err(|e| up(&e))?;
    Ok(FilterComparison {
        start: bars.ts[first].to_rfc3339(),
        end: bars.ts.last().map(|t| t.to_rfc3339()).unwrap_or_default(),
        unfiltered: summary(&r0, &bt)?,
        filtered: summary(&r1, &bt)?,
        accepted,
        rejected,
        fees_bps: COMPARISON_FEES_BPS,
        slippage_bps: COMPARISON_SLIPPAGE_BPS,
        fill: "next_open".into(),
    })
}

/// A researcher's table read from CSV: features, binary labels and time spans.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The file read.
    pub path: PathBuf,
    /// Every numeric column other than the label and time columns, rows in time order.
    pub features: FeatureMatrix,
    /// The labels (empty when the label column is absent and not required).
    pub labels: Vec<f64>,
    /// Row times (from the time column, else the row number as seconds since the epoch).
    pub t0: Vec<Timestamp>,
    /// End of each row's label horizon: the `horizon`-th distinct time after the row's
    /// (the row `horizon` rows later in a single series; in a panel with several rows per
    /// time, `horizon` time steps later, not rows), capped at the last time.
    pub t1: Vec<Timestamp>,
    /// Columns skipped because their first value is not a number.
    pub ignored: Vec<String>,
}

fn table_err(path: &Path, row: usize, column: &str, value: &str, reason: &str) -> MlError {
    MlError::Table {
        file: path.to_path_buf(),
        row,
        column: column.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

fn parse_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = Timestamp::parse_rfc3339(s) {
        return Some(t);
    }
    if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        return Timestamp::from_utc(dt.and_utc()).ok();
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Timestamp::from_utc(d.and_hms_opt(0, 0, 0)?.and_utc()).ok();
    }
    s.parse::<i64>()
        .ok()
        .and_then(|v| Timestamp::from_secs(v).ok())
}

/// Reads a CSV table with a header. The label column must hold 0 or 1 on every row
/// (when `require_label`); the time column (optional) holds RFC 3339 times,
/// `YYYY-MM-DD[ HH:MM:SS]` (UTC) or Unix seconds; every other column whose first value
/// is a number is a feature and must be a finite number on every row. Rows are sorted
/// by time (stable). `horizon` is the label horizon in time steps: a row's span ends at
/// the `horizon`-th distinct time after its own (see [`Table::t1`]). Errors name the
/// file, the 1-based line and the column.
pub fn read_table(
    path: &Path,
    label: &str,
    time_column: Option<&str>,
    horizon: usize,
    require_label: bool,
) -> Result<Table> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| csv_err(path, e))?;
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_err(path, e))?
        .iter()
        .map(|s| s.trim().to_string())
        .collect();
    let label_col = header.iter().position(|h| h == label);
    if label_col.is_none() && require_label {
        return Err(table_err(
            path,
            1,
            label,
            "",
            &format!("no label column {label:?} in the header {header:?}"),
        ));
    }
    let time_col = match time_column {
        Some(t) => Some(header.iter().position(|h| h == t).ok_or_else(|| {
            table_err(
                path,
                1,
                t,
                "",
                &format!("no time column {t:?} in the header {header:?}"),
            )
        })?),
        None => None,
    };
    let records: Vec<csv::StringRecord> = rdr
        .records()
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| csv_err(path, e))?;
    if records.is_empty() {
        return Err(table_err(path, 2, label, "", "the table has no data rows"));
    }
    // Feature columns: the others whose first value parses as a number.
    let mut feat_cols = Vec::new();
    let mut ignored = Vec::new();
    for (c, h) in header.iter().enumerate() {
        if Some(c) == label_col || Some(c) == time_col {
            continue;
        }
        let first = records[0].get(c).unwrap_or("").trim();
        if first.parse::<f64>().is_ok() {
            feat_cols.push(c);
        } else {
            ignored.push(h.clone());
        }
    }
    if feat_cols.is_empty() {
        return Err(table_err(
            path,
            2,
            label,
            "",
            "no numeric feature column besides the label and time columns",
        ));
    }
    let k = feat_cols.len();
    let mut rows: Vec<(Timestamp, f64, Vec<f64>)> = Vec::with_capacity(records.len());
    for (r, rec) in records.iter().enumerate() {
        let line = r + 2;
        let cell = |c: usize| rec.get(c).unwrap_or("").trim();
        let mut vals = Vec::with_capacity(k);
        for &c in &feat_cols {
            let s = cell(c);
            let v = s
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    let why = if s.is_empty() {
                        "missing value in a feature column"
                    } else {
                        "not a finite number in a feature column"
                    };
                    table_err(path, line, &header[c], s, why)
                })?;
            vals.push(v);
        }
        let y = match label_col {
            Some(c) => {
                let s = cell(c);
                match s.parse::<f64>() {
                    Ok(v) if v == 0.0 || v == 1.0 => v,
                    _ if s.is_empty() => {
                        return Err(table_err(path, line, label, s, "missing label"));
                    }
                    _ => {
                        return Err(table_err(
                            path,
                            line,
                            label,
                            s,
                            "the label must be 0 or 1 for a classifier",
                        ));
                    }
                }
            }
            None => f64::NAN,
        };
        let t = match time_col {
            Some(c) => {
                let s = cell(c);
                parse_time(s).ok_or_else(|| {
                    table_err(
                        path,
                        line,
                        &header[c],
                        s,
                        "not a time (RFC 3339, YYYY-MM-DD[ HH:MM:SS] or Unix seconds)",
                    )
                })?
            }
            None => Timestamp::from_secs(r as i64)
                .map_err(|e| table_err(path, line, "row", "", &e.to_string()))?,
        };
        rows.push((t, y, vals));
    }
    rows.sort_by_key(|r| r.0);
    let t0: Vec<Timestamp> = rows.iter().map(|r| r.0).collect();
    // Counted in distinct times, not rows: in a panel (several symbols per time) the row
    // `horizon` rows later is often the same instant, which would leave overlapping
    // labels unpurged.
    let mut times = t0.clone();
    times.dedup();
    let last = times.len().saturating_sub(1);
    let t1: Vec<Timestamp> = t0
        .iter()
        .map(|t| {
            times[times
                .partition_point(|u| u < t)
                .saturating_add(horizon)
                .min(last)]
        })
        .collect();
    let labels = if label_col.is_some() {
        rows.iter().map(|r| r.1).collect()
    } else {
        Vec::new()
    };
    let data: Vec<f64> = rows.into_iter().flat_map(|r| r.2).collect();
    let names = feat_cols.iter().map(|&c| header[c].clone()).collect();
    Ok(Table {
        path: path.to_path_buf(),
        features: FeatureMatrix::new(names, t0.clone(), data)?,
        labels,
        t0,
        t1,
        ignored,
    })
}

fn csv_err(path: &Path, e: csv::Error) -> MlError {
    let row = e.position().map_or(0, |p| p.line() as usize);
    table_err(path, row, "-", "", &e.to_string())
}

/// Settings of [`incremental`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IncrementalSpec {
    /// Rows in the rolling window (most recent).
    pub window: usize,
    /// Fraction of the window's newest rows held out for scoring.
    pub holdout: f64,
    /// Rows dropped between training part and holdout (≥ the label horizon in rows).
    pub embargo: usize,
}

impl Default for IncrementalSpec {
    fn default() -> Self {
        IncrementalSpec {
            window: 1000,
            holdout: 0.25,
            embargo: 10,
        }
    }
}

/// What [`incremental`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct IncrementalOutcome {
    /// The challenger as saved.
    pub meta: ModelMeta,
    /// The challenger's holdout metrics.
    pub report: EvalReport,
    /// The champion's version and AUC on the same holdout.
    pub champion: Option<(u32, f64)>,
}

/// Refits on the newest `window` rows (minus a purged holdout at the end), scores the
/// new model and the current champion on the same holdout, and saves the new model as
/// a **challenger** (the champion is unchanged). The challenger's metrics record
/// `champion_version` and `champion_auc` on that holdout for [`promote_latest`].
pub fn incremental(
    registry: &Registry,
    name: &str,
    model: &ModelSpec,
    inc: &IncrementalSpec,
    schema: &FeatureSchema,
    x: &FeatureMatrix,
    y: &[f64],
) -> Result<IncrementalOutcome> {
    let n = x.n_rows;
    let k = x.n_cols;
    if y.len() != n || k != schema.names.len() || !(0.05..=0.5).contains(&inc.holdout) {
        return Err(MlError::Invalid {
            field: "incremental",
            reason: format!(
                "{n} rows, {} labels, {k} columns for {} features, holdout {}",
                y.len(),
                schema.names.len(),
                inc.holdout
            ),
        });
    }
    let start = n.saturating_sub(inc.window);
    let n_test = (((n - start) as f64) * inc.holdout).round() as usize;
    let test_start = n - n_test;
    let train_end = test_start.saturating_sub(inc.embargo);
    if train_end <= start + 1 || n_test < 2 {
        return Err(MlError::Invalid {
            field: "incremental",
            reason: format!(
                "a window of {} rows leaves {} training and {n_test} holdout rows",
                n - start,
                train_end.saturating_sub(start)
            ),
        });
    }
    let (x_tr, y_tr) = (&x.data[start * k..train_end * k], &y[start..train_end]);
    let (x_te, y_te) = (&x.data[test_start * k..], &y[test_start..]);
    let fitted = model.fit(x_tr, k, y_tr)?;
    let p = fitted.predict_proba(x_te, k)?;
    let rate = y_tr.iter().sum::<f64>() / y_tr.len() as f64;
    let report = EvalReport::compute(y_te, &p, 0.5, rate)?;
    let champion = match registry.champion(name)? {
        Some(v) => {
            let (champ, _) = registry.load_checked(name, Some(v), schema)?;
            let cp = champ.predict_proba(x_te, k)?;
            Some((v, Score::Auc.eval(y_te, &cp)?))
        }
        None => None,
    };
    let mut metrics: BTreeMap<String, f64> = report
        .model
        .pairs()
        .into_iter()
        .map(|(a, b)| (a.to_string(), b))
        .collect();
    metrics.insert("n_oos".into(), y_te.len() as f64);
    metrics.insert("prior_log_loss".into(), report.prior.log_loss);
    metrics.insert("majority_accuracy".into(), report.majority_accuracy);
    if let Some((v, auc)) = champion {
        metrics.insert("champion_version".into(), f64::from(v));
        metrics.insert("champion_auc".into(), auc);
    }
    let meta = ModelMeta {
        name: name.to_string(),
        version: 0,
        kind: model.kind,
        features: schema.clone(),
        train_window: Some(TrainWindow::new(x.ts[start], x.ts[train_end - 1])),
        n_train: train_end - start,
        metrics,
        score_metric: "auc".into(),
        seed: model.seed,
        code_version: code_version_from_env(),
    };
    let meta = registry.save(&fitted, meta)?;
    Ok(IncrementalOutcome {
        meta,
        report,
        champion,
    })
}

/// Champion/challenger on the newest version of `name`: when it recorded the current
/// champion's AUC on its own holdout ([`incremental`]), the two are compared on those
/// same rows; otherwise on their stored out-of-sample scores. Promoted only when the
/// challenger beats the champion by more than `margin`.
pub fn promote_latest(registry: &Registry, name: &str, margin: f64) -> Result<Promotion> {
    let latest = registry
        .versions(name)?
        .last()
        .copied()
        .ok_or_else(|| MlError::NotFound {
            root: registry.root().to_path_buf(),
            what: name.to_string(),
        })?;
    let champion = registry.champion(name)?;
    if champion == Some(latest) {
        return Ok(Promotion {
            promoted: false,
            challenger: latest,
            previous: champion,
            reason: format!("v{latest} is already the champion; no challenger"),
        });
    }
    let meta = registry.meta(name, latest)?;
    let same_rows = champion.and_then(|c| {
        let v = meta.metrics.get("champion_version").copied()?;
        (v == f64::from(c))
            .then(|| meta.metrics.get("champion_auc").copied())
            .flatten()
    });
    match (same_rows, meta.metrics.get("auc").copied()) {
        (Some(champ_auc), Some(ch)) => {
            registry.decide_and_record(name, latest, champion, Some(champ_auc), ch, margin, "auc")
        }
        _ => registry.promote_if_better(name, latest, margin),
    }
}

/// Drift of the live rows against the reference (training-window) rows, in the
/// model's feature order, with calibration drift when both sides have labels.
pub fn drift_check(
    model: &AnyClassifier,
    meta: &ModelMeta,
    reference: &FeatureMatrix,
    reference_y: Option<&[f64]>,
    live: &FeatureMatrix,
    live_y: Option<&[f64]>,
    thresholds: &DriftThresholds,
) -> Result<DriftReport> {
    let names: Vec<&str> = meta.features.names.iter().map(String::as_str).collect();
    let r = reference.select_columns(&names)?;
    let l = live.select_columns(&names)?;
    if r.n_rows == 0 || l.n_rows == 0 {
        return Err(MlError::Invalid {
            field: "drift",
            reason: format!("{} reference and {} live rows", r.n_rows, l.n_rows),
        });
    }
    let report = DriftReport::compute(&r.data, &l.data, &meta.features.names, thresholds)?;
    match (reference_y, live_y) {
        (Some(ry), Some(ly)) if ry.len() == r.n_rows && ly.len() == l.n_rows => {
            let rp = model.predict_proba(&r.data, r.n_cols)?;
            let lp = model.predict_proba(&l.data, l.n_cols)?;
            Ok(report.with_calibration(CalibrationDrift::compute(ry, &rp, ly, &lp)?, thresholds))
        }
        _ => Ok(report),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::models::rng::Rng;

    fn synthetic(n: usize, signal: bool, seed: u64) -> (FeatureMatrix, Vec<f64>, Vec<Timestamp>) {
        let mut rng = Rng::new(seed);
        let mut data = Vec::with_capacity(n * 3);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let a = rng.next_f64() * 2.0 - 1.0;
            let b = rng.next_f64() * 2.0 - 1.0;
            let c = rng.next_f64();
            data.extend([a, b, c]);
            let lab = if signal {
                f64::from(u8::from(a + 0.3 * (rng.next_f64() - 0.5) > 0.0))
            } else {
                f64::from(u8::from(rng.next_f64() < 0.5))
            };
            y.push(lab);
        }
        let ts: Vec<Timestamp> = (0..n as i64)
            .map(|i| Timestamp::from_secs(i * 86_400).unwrap())
            .collect();
        (
            FeatureMatrix::new(vec!["a".into(), "b".into(), "c".into()], ts.clone(), data).unwrap(),
            y,
            ts,
        )
    }

    #[test]
    fn cv_finds_a_signal_and_not_noise() {
        let spec = ModelSpec {
            kind: ModelKind::Logit,
            ..ModelSpec::default()
        };
        let (x, y, ts) = synthetic(400, true, 1);
        let run = cross_validate(&spec, &x, &y, &ts, &ts, &CvSpec::default(), &|_, _| {}).unwrap();
        assert!(run.report.model.auc > 0.9, "{}", run.report.model.auc);
        assert_eq!(run.importance[0].name, "a");
        // The prior baseline has AUC 0.5 only when every fold's rate is equal; its
        // Brier score is at least the model's on a clean signal.
        assert!(run.report.prior.brier > run.report.model.brier);
        let (x, y, ts) = synthetic(400, false, 2);
        let run = cross_validate(&spec, &x, &y, &ts, &ts, &CvSpec::default(), &|_, _| {}).unwrap();
        assert!(
            (run.report.model.auc - 0.5).abs() < 0.1,
            "{}",
            run.report.model.auc
        );
    }
}
