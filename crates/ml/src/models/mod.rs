//! Models behind two small traits over row-major slices.
//!
//! | model | type | library | module |
//! |---|---|---|---|
//! | random forest (win probability) | [`RandomForest`] | own histogram trees, rayon across trees | [`forest`] |
//! | logistic regression (baseline) | [`Logistic`] | own L-BFGS (strong-Wolfe line search), one fused loss-and-gradient pass per evaluation, rayon over row blocks | [`logistic`] |
//! | gradient boosting (classifier, regressor) | [`GbmClassifier`], [`GbmRegressor`] | own LightGBM-style histogram GBDT, leaf-wise, rayon across features | [`gbm`] |
//! | regime (trending / ranging / volatile / calm) | [`RegimeModel`] | own EM for a Gaussian mixture | [`regime`] |
//!
//! Every model takes its input as a row-major `&[f64]` of `n_rows × n_cols` values
//! (row `r`, column `c` at `x[r * n_cols + c]`, the layout of
//! [`FeatureMatrix::data`](crate::FeatureMatrix)) and labels as `&[f64]` (0/1 for the
//! classifiers). No third-party array type crosses these traits. Fits are functions of
//! the data and a `u64` seed: the same inputs give the same model, bit for bit.
//!
//! Why the forest is our own code and not smartcore's: smartcore 0.7's
//! `DecisionTreeClassifier` scans all `n` training rows at every node (its node state is
//! an `n`-long sample-count vector), so one fully grown tree on 100 k rows costs
//! O(n × nodes) and a 100-tree forest on the 100 k × 150 benchmark would take hours
//! (an estimate from that complexity, not a bench), and its forest predicts only hard
//! votes (no probabilities). See [`forest`] for the algorithm.
//!
//! Why gradient boosting is our own code: the pure-Rust `perpetual` crate (3.0.0-rc.2,
//! the first release that builds on a stable compiler) did not finish one fit of the
//! 100 k × 150 benchmark in 7 minutes when we tried it (a one-off run, not kept as a
//! bench). [`gbm`] follows LightGBM's algorithm and defaults instead (histograms,
//! leaf-wise growth, learned missing-value directions); `cargo bench -p thetalab-ml
//! --bench models -- gbm` times our fit and prints its held-out AUC next to LightGBM's
//! (`benches/lightgbm_reference.py`).

pub mod forest;
pub mod gbm;
pub(crate) mod lbfgs;
pub mod logistic;
pub mod regime;
pub mod rng;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{MlError, Result};

pub use forest::{ForestParams, MaxFeatures, RandomForest};
pub use gbm::{GbmClassifier, GbmParams, GbmRegressor};
pub use logistic::{Logistic, LogisticFitReport, LogisticParams, LogisticStop};
pub use regime::{GaussianMixture, GmmParams, Regime, RegimeModel};

/// A binary classifier that outputs the probability of class 1.
///
/// `fit` and the byte round trip need `Self: Sized`; the rest works through
/// `&dyn Classifier` (the signal filter holds one).
pub trait Classifier: Send + Sync {
    /// Fits on `x` (row-major, `n_cols` columns) and labels `y` ∈ {0, 1} with the
    /// model's default hyper-parameters and `seed`.
    fn fit(x: &[f64], n_cols: usize, y: &[f64], seed: u64) -> Result<Self>
    where
        Self: Sized;

    /// P(y = 1) for each row of `x` (row-major, `n_cols` columns, the training width).
    fn predict_proba(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>>;

    /// The number of feature columns the model was trained on.
    fn n_features(&self) -> usize;

    /// Which model this is.
    fn kind(&self) -> ModelKind;

    /// The fitted model as bytes, for the registry.
    fn to_bytes(&self) -> Result<Vec<u8>>;

    /// The model back from [`Classifier::to_bytes`].
    fn from_bytes(bytes: &[u8]) -> Result<Self>
    where
        Self: Sized;
}

/// A regression model (exit timing, expected return, risk).
pub trait Regressor: Send + Sync {
    /// Fits on `x` (row-major, `n_cols` columns) and real targets `y` with `seed`.
    fn fit(x: &[f64], n_cols: usize, y: &[f64], seed: u64) -> Result<Self>
    where
        Self: Sized;

    /// The prediction for each row of `x`.
    fn predict(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>>;

    /// The fitted model as bytes.
    fn to_bytes(&self) -> Result<Vec<u8>>;

    /// The model back from [`Regressor::to_bytes`].
    fn from_bytes(bytes: &[u8]) -> Result<Self>
    where
        Self: Sized;
}

/// The classifiers the registry and the CLI know, by their CLI names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Random forest (`rf`).
    Rf,
    /// Gradient boosting (`gbm`).
    Gbm,
    /// Logistic regression (`logit`).
    Logit,
}

impl ModelKind {
    /// The CLI / registry name: `rf`, `gbm` or `logit`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Rf => "rf",
            ModelKind::Gbm => "gbm",
            ModelKind::Logit => "logit",
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ModelKind {
    type Err = MlError;
    fn from_str(s: &str) -> Result<ModelKind> {
        match s {
            "rf" | "random-forest" => Ok(ModelKind::Rf),
            "gbm" | "gradient-boosting" => Ok(ModelKind::Gbm),
            "logit" | "logistic" => Ok(ModelKind::Logit),
            other => Err(MlError::Invalid {
                field: "model",
                reason: format!("unknown model {other:?} (expected rf, gbm or logit)"),
            }),
        }
    }
}

/// Any of the classifiers, chosen at run time (CLI flag, registry file).
#[derive(Debug, Clone)]
pub enum AnyClassifier {
    /// A random forest.
    Rf(RandomForest),
    /// A gradient-boosting classifier.
    Gbm(Box<GbmClassifier>),
    /// A logistic regression.
    Logit(Logistic),
}

impl AnyClassifier {
    /// Fits the classifier named by `kind` with its default hyper-parameters.
    pub fn fit_kind(
        kind: ModelKind,
        x: &[f64],
        n_cols: usize,
        y: &[f64],
        seed: u64,
    ) -> Result<AnyClassifier> {
        Ok(match kind {
            ModelKind::Rf => AnyClassifier::Rf(RandomForest::fit(x, n_cols, y, seed)?),
            ModelKind::Gbm => AnyClassifier::Gbm(Box::new(GbmClassifier::fit(x, n_cols, y, seed)?)),
            ModelKind::Logit => AnyClassifier::Logit(Logistic::fit(x, n_cols, y, seed)?),
        })
    }

    /// Reads a model of the given kind from its bytes.
    pub fn from_kind_bytes(kind: ModelKind, bytes: &[u8]) -> Result<AnyClassifier> {
        Ok(match kind {
            ModelKind::Rf => AnyClassifier::Rf(RandomForest::from_bytes(bytes)?),
            ModelKind::Gbm => AnyClassifier::Gbm(Box::new(GbmClassifier::from_bytes(bytes)?)),
            ModelKind::Logit => AnyClassifier::Logit(Logistic::from_bytes(bytes)?),
        })
    }

    fn inner(&self) -> &dyn Classifier {
        match self {
            AnyClassifier::Rf(m) => m,
            AnyClassifier::Gbm(m) => m.as_ref(),
            AnyClassifier::Logit(m) => m,
        }
    }
}

impl Classifier for AnyClassifier {
    /// Fits the default model, a random forest; use [`AnyClassifier::fit_kind`] to choose.
    fn fit(x: &[f64], n_cols: usize, y: &[f64], seed: u64) -> Result<AnyClassifier> {
        AnyClassifier::fit_kind(ModelKind::Rf, x, n_cols, y, seed)
    }
    fn predict_proba(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        self.inner().predict_proba(x, n_cols)
    }
    fn n_features(&self) -> usize {
        self.inner().n_features()
    }
    fn kind(&self) -> ModelKind {
        self.inner().kind()
    }
    /// The inner model's bytes prefixed by its kind name and a newline, so the bytes
    /// alone say how to read them back.
    fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = self.kind().as_str().as_bytes().to_vec();
        out.push(b'\n');
        out.extend(self.inner().to_bytes()?);
        Ok(out)
    }
    fn from_bytes(bytes: &[u8]) -> Result<AnyClassifier> {
        let nl = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| MlError::Invalid {
                field: "model bytes",
                reason: "no kind header".to_string(),
            })?;
        let kind_str = std::str::from_utf8(&bytes[..nl]).map_err(|e| MlError::Invalid {
            field: "model bytes",
            reason: format!("kind header is not UTF-8: {e}"),
        })?;
        let kind: ModelKind = kind_str.parse()?;
        AnyClassifier::from_kind_bytes(kind, &bytes[nl + 1..])
    }
}

/// Checks a row-major matrix and its labels: `n_cols > 0`, `x.len()` a multiple of
/// `n_cols`, `y` one per row; returns the number of rows.
pub(crate) fn check_xy(model: &'static str, x: &[f64], n_cols: usize, y: &[f64]) -> Result<usize> {
    let n = check_x(model, x, n_cols)?;
    if y.len() != n {
        return Err(MlError::Invalid {
            field: "y",
            reason: format!("{model}: {} labels for {n} rows", y.len()),
        });
    }
    if n == 0 {
        return Err(MlError::Invalid {
            field: "x",
            reason: format!("{model}: no training rows"),
        });
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(MlError::Invalid {
            field: "y",
            reason: format!("{model}: label at row {i} is {}", y[i]),
        });
    }
    Ok(n)
}

/// Checks that labels are 0/1 with both classes present.
pub(crate) fn check_binary(model: &'static str, y: &[f64]) -> Result<()> {
    if let Some(i) = y.iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(MlError::Invalid {
            field: "y",
            reason: format!("{model}: label at row {i} is {}, expected 0 or 1", y[i]),
        });
    }
    let ones = y.iter().filter(|&&v| v == 1.0).count();
    if ones == 0 || ones == y.len() {
        return Err(MlError::Invalid {
            field: "y",
            reason: format!(
                "{model}: only one class in the labels ({ones} of {} are 1)",
                y.len()
            ),
        });
    }
    Ok(())
}

/// Checks `x`'s shape against `n_cols`; returns the number of rows.
pub(crate) fn check_x(model: &'static str, x: &[f64], n_cols: usize) -> Result<usize> {
    if n_cols == 0 {
        return Err(MlError::Invalid {
            field: "n_cols",
            reason: format!("{model}: zero feature columns"),
        });
    }
    if !x.len().is_multiple_of(n_cols) {
        return Err(MlError::Invalid {
            field: "x",
            reason: format!(
                "{model}: {} values is not a multiple of {n_cols} columns",
                x.len()
            ),
        });
    }
    Ok(x.len() / n_cols)
}

/// Checks that a prediction input has the training width.
pub(crate) fn check_width(model: &'static str, n_cols: usize, trained: usize) -> Result<()> {
    if n_cols != trained {
        return Err(MlError::Invalid {
            field: "n_cols",
            reason: format!("{model}: trained on {trained} columns, offered {n_cols}"),
        });
    }
    Ok(())
}

/// Checks that every value of `x` is finite, naming the first offending cell.
pub(crate) fn check_finite(model: &'static str, x: &[f64], n_cols: usize) -> Result<()> {
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(MlError::Invalid {
            field: "x",
            reason: format!(
                "{model}: value at row {}, column {} is {} (drop or impute incomplete rows)",
                i / n_cols,
                i % n_cols,
                x[i]
            ),
        });
    }
    Ok(())
}
