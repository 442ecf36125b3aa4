//! The ML [`SignalFilter`]: gate entry signals by a classifier's predicted win
//! probability, optionally sizing by it; and the [`Retrainer`] that refits on a rolling
//! window every N new trades or bars and offers the result as a challenger.
//!
//! Gating: accept when `p ≥ threshold`. Sizing ([`Sizing`]):
//! - [`Sizing::Full`]: every accepted entry at `size_mult = 1`;
//! - [`Sizing::Linear`]: `size_mult = min + (max − min) · (p − threshold) / (1 − threshold)`,
//!   a straight line from `min` at the threshold to `max` at certainty (clamped to
//!   `[min, max]`; with `threshold = 1` the size is `max`). E.g. threshold 0.55,
//!   min 0.5, max 1.0: p = 0.55 → 0.5, p = 0.775 → 0.75, p = 1 → 1.
//!
//! A row whose probability is NaN (missing features the model cannot handle), whose
//! prediction failed, or that has no precomputed probability is rejected: no trade
//! without an opinion. Such rejections are counted ([`MlFilter::no_opinion`]), so a
//! filter fed the wrong rows does not pass for a selective one.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use thetalab_strategy::{FilterDecision, SignalFilter};

use crate::error::{MlError, Result};
use crate::eval::{EvalReport, Score};
use crate::models::{AnyClassifier, Classifier, ModelKind};
use crate::registry::{FeatureSchema, ModelMeta, Promotion, Registry, TrainWindow};

/// How accepted entries are sized; see the module page for the mapping.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sizing {
    /// Full size for every accepted entry.
    Full,
    /// Linear in the probability from `min` at the threshold to `max` at p = 1.
    Linear {
        /// Multiplier at `p = threshold`.
        min: f64,
        /// Multiplier at `p = 1`.
        max: f64,
    },
}

impl Sizing {
    /// The size multiplier for probability `p` at `threshold` (`p ≥ threshold`).
    #[must_use]
    pub fn size_mult(self, p: f64, threshold: f64) -> f64 {
        match self {
            Sizing::Full => 1.0,
            Sizing::Linear { min, max } => {
                if threshold >= 1.0 {
                    return max;
                }
                let t = ((p - threshold) / (1.0 - threshold)).clamp(0.0, 1.0);
                min + (max - min) * t
            }
        }
    }
}

/// A classifier turned into a [`SignalFilter`].
///
/// `accept(i, features)` predicts on `features` when it holds a full row (the model's
/// width); with an empty slice it uses the probability precomputed for row `i` of the
/// matrix given to [`MlFilter::with_rows`] — the vectorized backtest computes all rows
/// once. A slice of another width has no opinion.
pub struct MlFilter {
    model: Arc<dyn Classifier>,
    threshold: f64,
    sizing: Sizing,
    precomputed: Vec<f64>,
    no_opinion: AtomicUsize,
}

impl std::fmt::Debug for MlFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MlFilter")
            .field("kind", &self.model.kind())
            .field("threshold", &self.threshold)
            .field("sizing", &self.sizing)
            .field("precomputed_rows", &self.precomputed.len())
            .field("no_opinion", &self.no_opinion())
            .finish()
    }
}

impl MlFilter {
    /// A filter accepting when the model's probability is at least `threshold` (in
    /// `[0, 1]`).
    pub fn new(model: Arc<dyn Classifier>, threshold: f64, sizing: Sizing) -> Result<MlFilter> {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(MlError::Invalid {
                field: "threshold",
                reason: format!("{threshold} is not a probability"),
            });
        }
        if let Sizing::Linear { min, max } = sizing
            && !(min.is_finite() && max.is_finite() && min >= 0.0 && max >= min)
        {
            return Err(MlError::Invalid {
                field: "sizing",
                reason: format!("linear sizing needs 0 <= min <= max, got {min}..{max}"),
            });
        }
        Ok(MlFilter {
            model,
            threshold,
            sizing,
            precomputed: Vec::new(),
            no_opinion: AtomicUsize::new(0),
        })
    }

    /// How many [`SignalFilter::accept`] calls were rejected for want of a probability
    /// (NaN, a failed prediction, a row beyond the precomputed ones, a features slice of
    /// the wrong width) rather than for a probability below the threshold.
    #[must_use]
    pub fn no_opinion(&self) -> usize {
        self.no_opinion.load(Ordering::Relaxed)
    }

    /// Precomputes the probability of every row of `x` (row-major, the model's width) so
    /// `accept(i, &[])` is a lookup.
    pub fn with_rows(mut self, x: &[f64], n_cols: usize) -> Result<MlFilter> {
        self.precomputed = self.model.predict_proba(x, n_cols)?;
        Ok(self)
    }

    /// The decision for probability `p`.
    #[must_use]
    pub fn decide(&self, p: f64) -> FilterDecision {
        if p.is_nan() || p < self.threshold {
            FilterDecision::Reject
        } else {
            FilterDecision::Accept {
                size_mult: self.sizing.size_mult(p, self.threshold),
            }
        }
    }

    /// The probability the filter uses for row `i` with `features` (NaN: no opinion).
    #[must_use]
    pub fn probability(&self, i: usize, features: &[f64]) -> f64 {
        let width = self.model.n_features();
        if features.is_empty() {
            self.precomputed.get(i).copied().unwrap_or(f64::NAN)
        } else if features.len() == width {
            self.model
                .predict_proba(features, width)
                .ok()
                .and_then(|v| v.first().copied())
                .unwrap_or(f64::NAN)
        } else {
            f64::NAN
        }
    }
}

impl SignalFilter for MlFilter {
    fn accept(&self, i: usize, features: &[f64]) -> FilterDecision {
        let p = self.probability(i, features);
        if p.is_nan() {
            self.no_opinion.fetch_add(1, Ordering::Relaxed);
        }
        self.decide(p)
    }
}

/// Settings of the [`Retrainer`].
#[derive(Debug, Clone, PartialEq)]
pub struct RetrainConfig {
    /// Registry name of the model.
    pub name: String,
    /// Which classifier to fit.
    pub kind: ModelKind,
    /// Refit after this many new observations (trades or bars).
    pub every: usize,
    /// Rows in the rolling window (most recent).
    pub window: usize,
    /// Fraction of the window's most recent rows held out for scoring (e.g. 0.25).
    pub holdout: f64,
    /// Rows dropped between the training part and the holdout, so labels whose horizon
    /// reaches into the holdout are not trained on (purge/embargo, López de Prado 2018
    /// ch. 7); at least the label horizon in rows.
    pub embargo: usize,
    /// The challenger must beat the champion's AUC on the holdout by this much.
    pub margin: f64,
    /// Seed of every refit.
    pub seed: u64,
}

/// What a retraining round did.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrainOutcome {
    /// The challenger's metadata as saved.
    pub meta: ModelMeta,
    /// The challenger's holdout evaluation.
    pub report: EvalReport,
    /// The champion's AUC on the same holdout, if there was a champion.
    pub champion_auc: Option<f64>,
    /// The promotion decision.
    pub promotion: Promotion,
}

/// Incremental retraining: counts new observations and, every `every` of them, refits
/// on the most recent `window` rows, scores the new model and the current champion on
/// the same held-out tail, saves the new model and promotes it only if it wins by
/// `margin` ([`Registry::decide_and_record`]).
#[derive(Debug, Clone)]
pub struct Retrainer {
    config: RetrainConfig,
    pending: usize,
}

impl Retrainer {
    /// A retrainer with no observations pending.
    pub fn new(config: RetrainConfig) -> Result<Retrainer> {
        if config.every == 0 || config.window < 10 || !(0.05..=0.5).contains(&config.holdout) {
            return Err(MlError::Invalid {
                field: "retrain",
                reason: format!(
                    "need every >= 1, window >= 10, holdout in [0.05, 0.5]; got {}, {}, {}",
                    config.every, config.window, config.holdout
                ),
            });
        }
        if !config.margin.is_finite() {
            return Err(MlError::Invalid {
                field: "retrain",
                reason: format!("margin {} is not a finite number", config.margin),
            });
        }
        Ok(Retrainer { config, pending: 0 })
    }

    /// Records `n` new observations; returns whether a refit is due.
    pub fn observe(&mut self, n: usize) -> bool {
        self.pending += n;
        self.pending >= self.config.every
    }

    /// Observations since the last refit.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Refits on the last `window` rows of `x`/`y` (row-major, in time order; `ts` one
    /// timestamp per row for the training window), registers the challenger and runs
    /// champion/challenger. Resets the pending count.
    pub fn retrain(
        &mut self,
        registry: &Registry,
        schema: &FeatureSchema,
        x: &[f64],
        y: &[f64],
        ts: &[thetalab_core::Timestamp],
    ) -> Result<RetrainOutcome> {
        let c = &self.config;
        let k = schema.names.len();
        if k == 0 || x.len() != y.len() * k || ts.len() != y.len() {
            return Err(MlError::Invalid {
                field: "retrain",
                reason: format!(
                    "{} values, {} labels, {} timestamps for {k} features",
                    x.len(),
                    y.len(),
                    ts.len()
                ),
            });
        }
        let n = y.len();
        let start = n.saturating_sub(c.window);
        let w = n - start;
        let n_test = ((w as f64) * c.holdout).round() as usize;
        let test_start = n - n_test;
        let train_end = test_start.saturating_sub(c.embargo);
        if train_end <= start + 1 || n_test < 2 {
            return Err(MlError::Invalid {
                field: "retrain",
                reason: format!(
                    "window of {w} rows leaves {} training and {n_test} holdout rows",
                    train_end.saturating_sub(start)
                ),
            });
        }
        let (x_tr, y_tr) = (&x[start * k..train_end * k], &y[start..train_end]);
        let (x_te, y_te) = (&x[test_start * k..], &y[test_start..]);
        let model = AnyClassifier::fit_kind(c.kind, x_tr, k, y_tr, c.seed)?;
        let p = model.predict_proba(x_te, k)?;
        let rate = y_tr.iter().sum::<f64>() / y_tr.len() as f64;
        let report = EvalReport::compute(y_te, &p, 0.5, rate)?;
        let previous = registry.champion(&c.name)?;
        let champion_auc = match previous {
            Some(v) => {
                let (champ, _) = registry.load_checked(&c.name, Some(v), schema)?;
                let cp = champ.predict_proba(x_te, k)?;
                // NaN probabilities (incomplete rows) are scored as the prior.
                let cp: Vec<f64> = cp
                    .iter()
                    .map(|v| if v.is_nan() { rate } else { *v })
                    .collect();
                Some(Score::Auc.eval(y_te, &cp)?)
            }
            None => None,
        };
        let metrics = report
            .model
            .pairs()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let meta = ModelMeta {
            name: c.name.clone(),
            version: 0,
            kind: c.kind,
            features: schema.clone(),
            train_window: Some(TrainWindow::new(ts[start], ts[train_end - 1])),
            n_train: train_end - start,
            metrics,
            score_metric: "auc".to_string(),
            seed: c.seed,
            code_version: crate::registry::code_version_from_env(),
        };
        let meta = registry.save(&model, meta)?;
        let promotion = registry.decide_and_record(
            &c.name,
            meta.version,
            previous,
            champion_auc,
            report.model.auc,
            c.margin,
            "auc",
        )?;
        self.pending = 0;
        Ok(RetrainOutcome {
            meta,
            report,
            champion_auc,
            promotion,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_sizing_mapping() {
        let s = Sizing::Linear { min: 0.5, max: 1.0 };
        assert!((s.size_mult(0.55, 0.55) - 0.5).abs() < 1e-15);
        assert!((s.size_mult(0.775, 0.55) - 0.75).abs() < 1e-12);
        assert!((s.size_mult(1.0, 0.55) - 1.0).abs() < 1e-15);
        assert_eq!(Sizing::Full.size_mult(0.9, 0.5), 1.0);
    }
}
