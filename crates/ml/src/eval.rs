//! Out-of-sample evaluation that cannot flatter: classification metrics with
//! scikit-learn's exact conventions, calibration, naive baselines and permutation
//! importance.
//!
//! Conventions (checked against scikit-learn 1.9.1 on fixed inputs, see
//! `tests/it/eval.rs` and `tests/fixtures/models_reference.json`, written by
//! `tests/fixtures/gen_models_fixtures.py`):
//! - labels are 0/1 `f64`, scores are probabilities of class 1 in `[0, 1]`;
//! - a row is predicted positive when `p >= threshold` (0.5 by default);
//! - precision and recall are 0 when undefined (scikit-learn's `zero_division` default);
//! - ROC-AUC is the trapezoid area under the ROC curve with one point per *distinct*
//!   score, so tied scores contribute half (`roc_auc_score`); it is undefined (an error)
//!   with a single class;
//! - log loss clips each class probability to `[ε, 1 − ε]`, ε = `f64::EPSILON`
//!   (`log_loss` since scikit-learn 1.5);
//! - the calibration curve uses `n_bins` uniform bins on `[0, 1]` with the edges
//!   `i · (1/n_bins)` (numpy's `linspace`) and a score equal to an inner edge falls in
//!   the lower bin (`searchsorted(..., side="left")`), as `calibration_curve` does;
//!   empty bins are dropped;
//! - expected calibration error is `Σ_b (n_b / N) · |mean(y)_b − mean(p)_b|` over the
//!   same bins (Naeini, Cooper & Hauskrecht, AAAI 2015; Guo et al., ICML 2017).

use serde::{Deserialize, Serialize};

use crate::error::{MlError, Result};
use crate::models::rng::Rng;

fn check_pair(y: &[f64], p: &[f64]) -> Result<()> {
    if y.len() != p.len() {
        return Err(MlError::Invalid {
            field: "y/p",
            reason: format!("{} labels for {} scores", y.len(), p.len()),
        });
    }
    if y.is_empty() {
        return Err(MlError::Invalid {
            field: "y",
            reason: "no rows to evaluate".to_string(),
        });
    }
    if let Some(i) = y.iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(MlError::Invalid {
            field: "y",
            reason: format!("label at row {i} is {}, expected 0 or 1", y[i]),
        });
    }
    Ok(())
}

/// Thresholded metrics compare `p >= threshold`, which is false for a NaN score or
/// threshold: the row would be counted as a negative prediction without a word.
fn check_threshold(p: &[f64], threshold: f64) -> Result<()> {
    if threshold.is_nan() {
        return Err(MlError::Invalid {
            field: "threshold",
            reason: "NaN".to_string(),
        });
    }
    if let Some(i) = p.iter().position(|v| v.is_nan()) {
        return Err(MlError::Invalid {
            field: "p",
            reason: format!("score at row {i} is NaN"),
        });
    }
    Ok(())
}

fn check_probs(p: &[f64]) -> Result<()> {
    if let Some(i) = p.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(MlError::Invalid {
            field: "p",
            reason: format!(
                "score at row {i} is {}, expected a probability in [0, 1]",
                p[i]
            ),
        });
    }
    Ok(())
}

/// Fraction of rows whose thresholded prediction (`p >= threshold`) equals the label.
/// A NaN score or threshold is an error.
pub fn accuracy(y: &[f64], p: &[f64], threshold: f64) -> Result<f64> {
    check_pair(y, p)?;
    check_threshold(p, threshold)?;
    let hits = y
        .iter()
        .zip(p)
        .filter(|&(&t, &s)| (s >= threshold) == (t == 1.0))
        .count();
    Ok(hits as f64 / y.len() as f64)
}

/// Confusion counts at `threshold`: `(tp, fp, tn, fn)`. A NaN score or threshold is an
/// error.
pub fn confusion(y: &[f64], p: &[f64], threshold: f64) -> Result<(usize, usize, usize, usize)> {
    check_pair(y, p)?;
    check_threshold(p, threshold)?;
    let mut c = (0, 0, 0, 0);
    for (&t, &s) in y.iter().zip(p) {
        match (s >= threshold, t == 1.0) {
            (true, true) => c.0 += 1,
            (true, false) => c.1 += 1,
            (false, false) => c.2 += 1,
            (false, true) => c.3 += 1,
        }
    }
    Ok(c)
}

/// Precision `tp / (tp + fp)` and recall `tp / (tp + fn)` at `threshold`; each is 0 when
/// its denominator is 0 (scikit-learn's `zero_division` default).
pub fn precision_recall(y: &[f64], p: &[f64], threshold: f64) -> Result<(f64, f64)> {
    let (tp, fp, _, fneg) = confusion(y, p, threshold)?;
    let prec = if tp + fp == 0 {
        0.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let rec = if tp + fneg == 0 {
        0.0
    } else {
        tp as f64 / (tp + fneg) as f64
    };
    Ok((prec, rec))
}

/// Area under the ROC curve: trapezoids between the curve's points at each distinct
/// score (ties count half), as `sklearn.metrics.roc_auc_score`. Scores need not be
/// probabilities (any monotone score works) but must not be NaN.
pub fn roc_auc(y: &[f64], score: &[f64]) -> Result<f64> {
    check_pair(y, score)?;
    if let Some(i) = score.iter().position(|v| v.is_nan()) {
        return Err(MlError::Invalid {
            field: "score",
            reason: format!("score at row {i} is NaN"),
        });
    }
    let pos = y.iter().filter(|&&v| v == 1.0).count() as f64;
    let neg = y.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return Err(MlError::Invalid {
            field: "y",
            reason: "ROC AUC is undefined with only one class present".to_string(),
        });
    }
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_unstable_by(|&a, &b| score[b].total_cmp(&score[a]));
    let (mut tp, mut fp) = (0.0, 0.0);
    let (mut prev_tp, mut prev_fp) = (0.0, 0.0);
    let mut area = 0.0;
    let mut i = 0;
    while i < order.len() {
        let s = score[order[i]];
        while i < order.len() && score[order[i]] == s {
            if y[order[i]] == 1.0 {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            i += 1;
        }
        area += (fp - prev_fp) * (tp + prev_tp) / 2.0;
        prev_tp = tp;
        prev_fp = fp;
    }
    Ok(area / (pos * neg))
}

/// Mean binary cross-entropy with probabilities clipped to `[ε, 1 − ε]`
/// (`sklearn.metrics.log_loss`).
pub fn log_loss(y: &[f64], p: &[f64]) -> Result<f64> {
    check_pair(y, p)?;
    check_probs(p)?;
    let eps = f64::EPSILON;
    let total: f64 = y
        .iter()
        .zip(p)
        .map(|(&t, &s)| {
            if t == 1.0 {
                -s.clamp(eps, 1.0 - eps).ln()
            } else {
                -(1.0 - s).clamp(eps, 1.0 - eps).ln()
            }
        })
        .sum();
    Ok(total / y.len() as f64)
}

/// Brier score: mean squared difference between probability and label
/// (`sklearn.metrics.brier_score_loss`).
pub fn brier(y: &[f64], p: &[f64]) -> Result<f64> {
    check_pair(y, p)?;
    check_probs(p)?;
    Ok(y.iter().zip(p).map(|(t, s)| (s - t) * (s - t)).sum::<f64>() / y.len() as f64)
}

/// One non-empty bin of a calibration curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Bin index in `0..n_bins`.
    pub bin: usize,
    /// Rows in the bin.
    pub count: usize,
    /// Mean predicted probability (scikit-learn's `prob_pred`).
    pub mean_pred: f64,
    /// Observed frequency of class 1 (scikit-learn's `prob_true`).
    pub frac_pos: f64,
}

fn uniform_bin(p: f64, n_bins: usize) -> usize {
    // numpy linspace edges i * (1/n); side="left" search over the inner edges: the
    // number of inner edges strictly below p.
    let step = 1.0 / n_bins as f64;
    (1..n_bins).filter(|&i| (i as f64) * step < p).count()
}

/// The reliability curve on `n_bins` uniform bins (`sklearn.calibration.calibration_curve`
/// with `strategy="uniform"`); empty bins are left out.
pub fn calibration_curve(y: &[f64], p: &[f64], n_bins: usize) -> Result<Vec<CalibrationBin>> {
    check_pair(y, p)?;
    check_probs(p)?;
    if n_bins == 0 {
        return Err(MlError::Invalid {
            field: "n_bins",
            reason: "need at least one bin".to_string(),
        });
    }
    let mut sum_p = vec![0.0; n_bins];
    let mut sum_y = vec![0.0; n_bins];
    let mut count = vec![0usize; n_bins];
    for (&t, &s) in y.iter().zip(p) {
        let b = uniform_bin(s, n_bins);
        sum_p[b] += s;
        sum_y[b] += t;
        count[b] += 1;
    }
    Ok((0..n_bins)
        .filter(|&b| count[b] > 0)
        .map(|b| CalibrationBin {
            bin: b,
            count: count[b],
            mean_pred: sum_p[b] / count[b] as f64,
            frac_pos: sum_y[b] / count[b] as f64,
        })
        .collect())
}

/// Expected calibration error over `n_bins` uniform bins: the count-weighted mean gap
/// between observed frequency and mean prediction.
pub fn expected_calibration_error(y: &[f64], p: &[f64], n_bins: usize) -> Result<f64> {
    let curve = calibration_curve(y, p, n_bins)?;
    let n = y.len() as f64;
    Ok(curve
        .iter()
        .map(|b| b.count as f64 / n * (b.frac_pos - b.mean_pred).abs())
        .sum())
}

/// The metrics of one set of out-of-sample predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Rows scored.
    pub n: usize,
    /// Fraction of class 1 among them.
    pub base_rate: f64,
    /// ROC-AUC (NaN when only one class is present).
    pub auc: f64,
    /// Log loss.
    pub log_loss: f64,
    /// Brier score.
    pub brier: f64,
    /// Accuracy at the threshold.
    pub accuracy: f64,
    /// Precision at the threshold.
    pub precision: f64,
    /// Recall at the threshold.
    pub recall: f64,
    /// Expected calibration error (10 uniform bins).
    pub ece: f64,
    /// The decision threshold used for accuracy, precision and recall.
    pub threshold: f64,
}

impl Metrics {
    /// Scores predictions `p` against labels `y` at `threshold` (ECE on 10 bins).
    pub fn compute(y: &[f64], p: &[f64], threshold: f64) -> Result<Metrics> {
        check_pair(y, p)?;
        check_probs(p)?;
        let (precision, recall) = precision_recall(y, p, threshold)?;
        Ok(Metrics {
            n: y.len(),
            base_rate: y.iter().sum::<f64>() / y.len() as f64,
            auc: roc_auc(y, p).unwrap_or(f64::NAN),
            log_loss: log_loss(y, p)?,
            brier: brier(y, p)?,
            accuracy: accuracy(y, p, threshold)?,
            precision,
            recall,
            ece: expected_calibration_error(y, p, 10)?,
            threshold,
        })
    }

    /// The metrics as `(name, value)` pairs, for tables and the registry.
    #[must_use]
    pub fn pairs(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("auc", self.auc),
            ("log_loss", self.log_loss),
            ("brier", self.brier),
            ("accuracy", self.accuracy),
            ("precision", self.precision),
            ("recall", self.recall),
            ("ece", self.ece),
            ("base_rate", self.base_rate),
        ]
    }
}

/// A model's out-of-sample metrics beside the naive baselines it must beat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// The model.
    pub model: Metrics,
    /// Predicting the *training* base rate for every row (the prior): AUC 0.5, and the
    /// log loss / Brier score any useful model must beat.
    pub prior: Metrics,
    /// Always predicting the training majority class: the accuracy to beat.
    pub majority_accuracy: f64,
}

impl EvalReport {
    /// Scores `p` on `y` at `threshold` beside the baselines built from the training
    /// labels' base rate `train_rate` (in `[0, 1]`).
    pub fn compute(y: &[f64], p: &[f64], threshold: f64, train_rate: f64) -> Result<EvalReport> {
        if !(0.0..=1.0).contains(&train_rate) {
            return Err(MlError::Invalid {
                field: "train_rate",
                reason: format!("{train_rate} is not a probability"),
            });
        }
        let model = Metrics::compute(y, p, threshold)?;
        let prior_p = vec![train_rate; y.len()];
        let prior = Metrics::compute(y, &prior_p, threshold)?;
        let majority = if train_rate >= 0.5 { 1.0 } else { 0.0 };
        let majority_accuracy =
            y.iter().filter(|&&t| t == majority).count() as f64 / y.len() as f64;
        Ok(EvalReport {
            model,
            prior,
            majority_accuracy,
        })
    }

    /// Whether the model beats the prior on log loss and the majority on accuracy.
    #[must_use]
    pub fn beats_baselines(&self) -> bool {
        self.model.log_loss < self.prior.log_loss && self.model.accuracy > self.majority_accuracy
    }
}

/// The score permutation importance measures (higher is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Score {
    /// ROC-AUC.
    Auc,
    /// Accuracy at 0.5.
    Accuracy,
    /// Negative log loss.
    NegLogLoss,
    /// Negative Brier score.
    NegBrier,
}

impl Score {
    /// The score of predictions `p` on labels `y`.
    pub fn eval(self, y: &[f64], p: &[f64]) -> Result<f64> {
        match self {
            Score::Auc => roc_auc(y, p),
            Score::Accuracy => accuracy(y, p, 0.5),
            Score::NegLogLoss => log_loss(y, p).map(|v| -v),
            Score::NegBrier => brier(y, p).map(|v| -v),
        }
    }
}

/// One feature's permutation importance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Importance {
    /// Feature column.
    pub feature: usize,
    /// Mean drop in score when the column is shuffled.
    pub mean: f64,
    /// Population standard deviation of the drop over repeats (numpy's `std`).
    pub std: f64,
    /// The drop of each repeat.
    pub drops: Vec<f64>,
}

/// Permutation importance (Breiman 2001; scikit-learn's `permutation_importance`): for
/// each column, shuffle it `n_repeats` times (independent seeded permutations of the
/// original column), re-predict, and record `baseline − permuted` score. Computed on
/// out-of-sample rows, it measures what the model *uses* there. `predict` maps a
/// row-major matrix to probabilities.
pub fn permutation_importance(
    predict: &dyn Fn(&[f64]) -> Result<Vec<f64>>,
    x: &[f64],
    n_cols: usize,
    y: &[f64],
    score: Score,
    n_repeats: usize,
    seed: u64,
) -> Result<Vec<Importance>> {
    if n_cols == 0 || x.len() != y.len() * n_cols {
        return Err(MlError::Invalid {
            field: "x",
            reason: format!("{} values for {} rows × {n_cols} columns", x.len(), y.len()),
        });
    }
    let n = y.len();
    let perms: Vec<Vec<Vec<usize>>> = (0..n_cols)
        .map(|c| {
            let mut rng = Rng::derive(seed, c as u64);
            (0..n_repeats)
                .map(|_| {
                    let mut idx: Vec<usize> = (0..n).collect();
                    rng.shuffle(&mut idx);
                    idx
                })
                .collect()
        })
        .collect();
    permutation_importance_with(predict, x, n_cols, y, score, &perms)
}

/// [`permutation_importance`] with given permutations: `perms[c][r]` is the row order
/// of column `c` in repeat `r` (repeat `r` sets `x[i, c] = x_orig[perms[c][r][i], c]`).
/// Exposed so tests can replay scikit-learn's own permutations.
pub fn permutation_importance_with(
    predict: &dyn Fn(&[f64]) -> Result<Vec<f64>>,
    x: &[f64],
    n_cols: usize,
    y: &[f64],
    score: Score,
    perms: &[Vec<Vec<usize>>],
) -> Result<Vec<Importance>> {
    let n = y.len();
    if n_cols == 0 || x.len() != n * n_cols || perms.len() != n_cols {
        return Err(MlError::Invalid {
            field: "x/perms",
            reason: format!(
                "{} values, {n} rows, {n_cols} columns, {} permutation sets",
                x.len(),
                perms.len()
            ),
        });
    }
    let baseline = score.eval(y, &predict(x)?)?;
    let mut work = x.to_vec();
    let mut out = Vec::with_capacity(n_cols);
    for (c, col_perms) in perms.iter().enumerate() {
        let mut drops = Vec::with_capacity(col_perms.len());
        for perm in col_perms {
            if perm.len() != n || perm.iter().any(|&i| i >= n) {
                return Err(MlError::Invalid {
                    field: "perms",
                    reason: format!("column {c}: a permutation of the wrong length or range"),
                });
            }
            for (i, &src) in perm.iter().enumerate() {
                work[i * n_cols + c] = x[src * n_cols + c];
            }
            drops.push(baseline - score.eval(y, &predict(&work)?)?);
        }
        for i in 0..n {
            work[i * n_cols + c] = x[i * n_cols + c];
        }
        let k = drops.len().max(1) as f64;
        let mean = drops.iter().sum::<f64>() / k;
        let std = (drops.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / k).sqrt();
        out.push(Importance {
            feature: c,
            mean,
            std,
            drops,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn auc_closed_forms() {
        // Perfect ranking, reversed ranking, all tied.
        let y = [0.0, 0.0, 1.0, 1.0];
        assert_eq!(roc_auc(&y, &[0.1, 0.2, 0.8, 0.9]).unwrap(), 1.0);
        assert_eq!(roc_auc(&y, &[0.9, 0.8, 0.2, 0.1]).unwrap(), 0.0);
        assert_eq!(roc_auc(&y, &[0.5; 4]).unwrap(), 0.5);
        // Mann–Whitney: one discordant pair of four gives 3/4.
        assert_eq!(roc_auc(&y, &[0.1, 0.7, 0.6, 0.9]).unwrap(), 0.75);
        assert!(roc_auc(&[1.0, 1.0], &[0.1, 0.2]).is_err());
    }

    #[test]
    fn bins_follow_numpy_searchsorted_left() {
        // numpy's edge 3·0.1 is 0.30000000000000004 > 0.3, so 0.3 falls in bin 2;
        // edge 5·0.1 is exactly 0.5, and side="left" puts 0.5 in bin 4.
        assert_eq!(uniform_bin(0.3, 10), 2);
        assert_eq!(uniform_bin(0.5, 10), 4);
        assert_eq!(uniform_bin(0.0, 10), 0);
        assert_eq!(uniform_bin(1.0, 10), 9);
    }

    #[test]
    fn nan_scores_and_thresholds_are_errors_not_negatives() {
        // A NaN score compares false with `>=`, so it used to count as a confident
        // "no": accuracy 1.0 here instead of an error.
        let y = [0.0, 1.0];
        let p = [f64::NAN, 0.9];
        assert!(accuracy(&y, &p, 0.5).is_err());
        assert!(confusion(&y, &p, 0.5).is_err());
        assert!(precision_recall(&y, &p, 0.5).is_err());
        assert!(Score::Accuracy.eval(&y, &p).is_err());
        assert!(accuracy(&y, &[0.1, 0.9], f64::NAN).is_err());
        assert_eq!(accuracy(&y, &[0.1, 0.9], 0.5).unwrap(), 1.0);
        // Every metric refuses NaN probabilities.
        assert!(roc_auc(&y, &p).is_err());
        assert!(log_loss(&y, &p).is_err());
        assert!(brier(&y, &p).is_err());
        assert!(expected_calibration_error(&y, &p, 10).is_err());
        assert!(Metrics::compute(&y, &p, 0.5).is_err());
    }

    #[test]
    fn brier_and_ece_closed_forms() {
        // Brier = mean (p − y)²: ((0.1)² + (0.2)² + (0.7)² + (0.4)²)/4 = 0.175
        // (sklearn.metrics.brier_score_loss gives the same on these four rows).
        let y = [0.0, 1.0, 0.0, 1.0];
        let p = [0.1, 0.8, 0.7, 0.6];
        assert!((brier(&y, &p).unwrap() - 0.175).abs() < 1e-15);
        // ECE on 2 bins: [0, 0.5] holds (0.1; y 0), (0.5, 1] holds 0.8, 0.7, 0.6 with
        // mean 0.7 and observed 2/3: ¼·|0 − 0.1| + ¾·|2/3 − 0.7| = 0.025 + 0.025.
        let ece = expected_calibration_error(&y, &p, 2).unwrap();
        assert!((ece - 0.05).abs() < 1e-15, "{ece}");
    }

    #[test]
    fn log_loss_clips_certain_mistakes() {
        let l = log_loss(&[1.0], &[0.0]).unwrap();
        assert!((l - -(f64::EPSILON.ln())).abs() < 1e-12);
    }
}
