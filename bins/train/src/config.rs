//! The TOML config of `train` (every key is documented in docs/ml.md). Unknown keys
//! are rejected so a typo cannot silently fall back to a default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;
use thetalab_ml::dataset::{DatasetConfig, LabelMethod};
use thetalab_ml::drift::DriftThresholds;
use thetalab_ml::labels::TripleBarrier;
use thetalab_ml::models::ModelKind;
use thetalab_ml::pipeline::{CvSpec, IncrementalSpec, ModelSpec};

/// A usage error (bad flag value or config key): exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The whole config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[dataset]`.
    pub dataset: DatasetSection,
    /// `[labels]`.
    pub labels: LabelsSection,
    /// `[model]`.
    pub model: ModelSection,
    /// `[cv]`.
    pub cv: CvSection,
    /// `[registry]`.
    pub registry: RegistrySection,
    /// `[report]`.
    pub report: ReportSection,
    /// `[incremental]`.
    pub incremental: IncrementalSection,
    /// `[promote]`.
    pub promote: PromoteSection,
    /// `[drift]`.
    pub drift: DriftSection,
    /// `[csv]`.
    pub csv: CsvSection,
}

/// `[dataset]`: the synthetic market and the strategy whose entries are the events.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatasetSection {
    /// Sessions of daily bars.
    pub sessions: usize,
    /// Seed of the synthetic market.
    pub seed: Option<u64>,
    /// First session, `YYYY-MM-DD`.
    pub start: String,
    /// Strategy registry name.
    pub strategy: String,
    /// Strategy parameters.
    pub params: BTreeMap<String, f64>,
    /// Compute the options feature group from the synthetic chains.
    pub options: bool,
    /// Optional event calendar CSV (`date,event[,symbol]`).
    pub events_file: Option<PathBuf>,
}

impl Default for DatasetSection {
    fn default() -> Self {
        let d = DatasetConfig::default();
        DatasetSection {
            sessions: d.synth.sessions,
            seed: None,
            start: d.synth.start.format("%Y-%m-%d").to_string(),
            strategy: d.strategy,
            params: d.params.into_iter().collect(),
            options: d.options,
            events_file: None,
        }
    }
}

/// `[labels]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LabelsSection {
    /// `triple-barrier` or `trade-outcome`.
    pub method: String,
    /// Profit barrier in multiples of the 20-bar volatility.
    pub profit_mult: f64,
    /// Stop barrier in multiples of the 20-bar volatility.
    pub stop_mult: f64,
    /// Vertical barrier in bars.
    pub horizon: usize,
}

impl Default for LabelsSection {
    fn default() -> Self {
        let tb = TripleBarrier::default();
        LabelsSection {
            method: "triple-barrier".into(),
            profit_mult: tb.profit_mult,
            stop_mult: tb.stop_mult,
            horizon: tb.horizon,
        }
    }
}

/// `[model]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelSection {
    /// `rf`, `gbm` or `logit`.
    pub kind: String,
    /// Random-forest trees, or gradient-boosting rounds.
    pub n_trees: usize,
    /// Depth limit of the forest's or the boosted trees.
    pub max_depth: Option<usize>,
    /// Gradient-boosting learning rate.
    pub gbm_learning_rate: f64,
    /// Gradient-boosting leaves per tree.
    pub gbm_num_leaves: usize,
    /// Logistic ridge penalty.
    pub logit_alpha: f64,
    /// Seed of every fit.
    pub seed: u64,
    /// Probability threshold of the metrics and of the signal filter.
    pub threshold: f64,
}

impl Default for ModelSection {
    fn default() -> Self {
        let m = ModelSpec::default();
        ModelSection {
            kind: m.kind.as_str().into(),
            n_trees: m.n_trees,
            max_depth: m.max_depth,
            gbm_learning_rate: m.gbm_learning_rate,
            gbm_num_leaves: m.gbm_num_leaves,
            logit_alpha: m.logit_alpha,
            seed: m.seed,
            threshold: 0.5,
        }
    }
}

/// `[cv]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CvSection {
    /// Folds or walk-forward blocks.
    pub folds: usize,
    /// Embargo, fraction of the rows.
    pub embargo: f64,
    /// Walk-forward instead of purged k-fold.
    pub walk_forward: bool,
    /// Permutation-importance repeats (0 = skip).
    pub importance_repeats: usize,
}

impl Default for CvSection {
    fn default() -> Self {
        let c = CvSpec::default();
        CvSection {
            folds: c.folds,
            embargo: c.embargo,
            walk_forward: c.walk_forward,
            importance_repeats: c.importance_repeats,
        }
    }
}

/// `[registry]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrySection {
    /// Registry folder.
    pub dir: Option<PathBuf>,
    /// Model name.
    pub name: Option<String>,
}

/// `[report]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportSection {
    /// Report folder.
    pub out: Option<PathBuf>,
}

/// `[incremental]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IncrementalSection {
    /// Newest rows refitted on.
    pub window: usize,
    /// Fraction of the window held out.
    pub holdout: f64,
    /// Rows dropped before the holdout.
    pub embargo: usize,
}

impl Default for IncrementalSection {
    fn default() -> Self {
        let i = IncrementalSpec::default();
        IncrementalSection {
            window: i.window,
            holdout: i.holdout,
            embargo: i.embargo,
        }
    }
}

/// `[promote]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PromoteSection {
    /// Required AUC improvement.
    pub margin: f64,
}

impl Default for PromoteSection {
    fn default() -> Self {
        PromoteSection { margin: 0.01 }
    }
}

/// `[drift]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DriftSection {
    /// PSI warning level.
    pub psi_warn: f64,
    /// PSI alert level (exit code 3).
    pub psi_alert: f64,
    /// KS p-value warning level.
    pub ks_alpha: f64,
    /// ECE increase warning level.
    pub ece_increase: f64,
    /// PSI bins.
    pub psi_bins: usize,
    /// Synthetic market: the last N rows are live.
    pub last: Option<usize>,
}

impl Default for DriftSection {
    fn default() -> Self {
        let d = DriftThresholds::default();
        DriftSection {
            psi_warn: d.psi_warn,
            psi_alert: d.psi_alert,
            ks_alpha: d.ks_alpha,
            ece_increase: d.ece_increase,
            psi_bins: d.psi_bins,
            last: None,
        }
    }
}

/// `[csv]`: a researcher's table instead of the synthetic market.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsvSection {
    /// The CSV file.
    pub path: Option<PathBuf>,
    /// Its 0/1 label column.
    pub label: Option<String>,
    /// Its time column.
    pub time_column: Option<String>,
    /// Label horizon in time steps (for purging; 0 = labels decided within the row): a
    /// row's label span ends at the `horizon`-th distinct time after its own, which is
    /// `horizon` rows later in a single series.
    pub horizon: usize,
}

impl Config {
    /// Reads and validates a TOML file (unknown keys are usage errors).
    pub fn load(path: &Path) -> Result<Config> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())).into())
    }

    /// Command-line flags override the file.
    pub fn apply_cli(
        &mut self,
        model: Option<&str>,
        folds: Option<usize>,
        trees: Option<usize>,
        seed: Option<u64>,
    ) -> Result<()> {
        if let Some(m) = model {
            m.parse::<ModelKind>()
                .map_err(|e| UsageError(e.to_string()))?;
            self.model.kind = m.to_string();
        }
        if let Some(f) = folds {
            self.cv.folds = f;
        }
        if let Some(t) = trees {
            self.model.n_trees = t;
        }
        if let Some(s) = seed {
            self.model.seed = s;
        }
        Ok(())
    }

    /// The model to fit.
    pub fn model_spec(&self) -> Result<ModelSpec> {
        let kind: ModelKind = self
            .model
            .kind
            .parse()
            .map_err(|e: thetalab_ml::MlError| UsageError(e.to_string()))?;
        Ok(ModelSpec {
            kind,
            n_trees: self.model.n_trees,
            max_depth: self.model.max_depth,
            gbm_learning_rate: self.model.gbm_learning_rate,
            gbm_num_leaves: self.model.gbm_num_leaves,
            logit_alpha: self.model.logit_alpha,
            seed: self.model.seed,
        })
    }

    /// The cross-validation.
    pub fn cv_spec(&self) -> CvSpec {
        CvSpec {
            folds: self.cv.folds,
            embargo: self.cv.embargo,
            walk_forward: self.cv.walk_forward,
            threshold: self.model.threshold,
            importance_repeats: self.cv.importance_repeats,
        }
    }

    /// Incremental retraining.
    pub fn incremental_spec(&self) -> IncrementalSpec {
        IncrementalSpec {
            window: self.incremental.window,
            holdout: self.incremental.holdout,
            embargo: self.incremental.embargo,
        }
    }

    /// Drift thresholds.
    pub fn drift_thresholds(&self) -> DriftThresholds {
        DriftThresholds {
            psi_warn: self.drift.psi_warn,
            psi_alert: self.drift.psi_alert,
            ks_alpha: self.drift.ks_alpha,
            ece_increase: self.drift.ece_increase,
            psi_bins: self.drift.psi_bins,
        }
    }

    /// The ml crate's dataset config.
    pub fn dataset_config(&self) -> Result<DatasetConfig> {
        let mut d = DatasetConfig::default();
        let s = &self.dataset;
        d.synth.sessions = s.sessions;
        if let Some(seed) = s.seed {
            d.synth.seed = seed;
        }
        d.synth.start = chrono::NaiveDate::parse_from_str(&s.start, "%Y-%m-%d")
            .map_err(|e| UsageError(format!("dataset.start {:?}: {e}", s.start)))?;
        d.strategy = s.strategy.clone();
        d.params = s.params.iter().map(|(k, v)| (k.clone(), *v)).collect();
        d.options = s.options;
        d.events_file = s.events_file.clone();
        d.labels = match self.labels.method.as_str() {
            "triple-barrier" => LabelMethod::TripleBarrier(TripleBarrier {
                profit_mult: self.labels.profit_mult,
                stop_mult: self.labels.stop_mult,
                horizon: self.labels.horizon,
                ..TripleBarrier::default()
            }),
            "trade-outcome" => LabelMethod::TradeOutcome,
            other => {
                return Err(UsageError(format!(
                    "labels.method {other:?}: expected triple-barrier or trade-outcome"
                ))
                .into());
            }
        };
        Ok(d)
    }
}
