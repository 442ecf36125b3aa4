//! Market regimes from a Gaussian mixture on return and volatility features.
//!
//! [`GaussianMixture`] is a full-covariance mixture fitted by expectation–maximisation
//! (Dempster, Laird & Rubin 1977; Bishop, *Pattern Recognition and Machine Learning*,
//! §9.2), initialised like scikit-learn's `GaussianMixture(init_params="kmeans")`:
//! responsibilities from a seeded k-means++ (Arthur & Vassilvitskii 2007) + Lloyd
//! clustering, then alternating E and M steps until the mean log-likelihood per row
//! changes by less than `tol`. `reg_covar` is added to every covariance diagonal, and
//! `10·ε` to every component mass, exactly as scikit-learn does.
//!
//! [`RegimeModel`] standardises its input columns (training mean and population standard
//! deviation, a near-constant column keeping scale 1: the logistic regression's
//! standardiser), fits a 4-component mixture and names the components by this rule on their
//! means, in standardised units, of the *volatility* column `v` and the *trend* column `t`:
//!
//! 1. **volatile**: the component with the highest mean `v`;
//! 2. **calm**: of the other three, the one with the lowest mean `v`;
//! 3. **trending**: of the remaining two, the one with the larger mean `|t|` (a strong
//!    drift either way);
//! 4. **ranging**: the last one (middling volatility, little drift).
//!
//! Typical inputs: `t` = a signed return over a horizon (or its ratio to volatility), `v`
//! = realised volatility or VIX; further columns may be passed and shape the clusters but
//! not the names. [`RegimeModel::predict`] gives one [`Regime`] per row.
//! [`crate::regime_source::MixtureRegimeSource`] makes a model fitted on
//! [`crate::regime_source::RegimeInputs`] the regime source of
//! `thetalab_strategy::options::StrategySelector` (trending up / down → bullish /
//! bearish, volatile → high volatility, ranging and calm → neutral).

use serde::{Deserialize, Serialize};

use super::check_x;
use super::rng::Rng;
use crate::error::{MlError, Result};

const MODEL: &str = "gaussian-mixture";
const LN_2PI: f64 = 1.837_877_066_409_345_5; // ln(2π)

/// Hyper-parameters of [`GaussianMixture`]; defaults are scikit-learn's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GmmParams {
    /// Number of components (default 4).
    pub n_components: usize,
    /// Maximum EM iterations (default 100).
    pub max_iter: usize,
    /// Convergence threshold on the change of the mean log-likelihood (default 1e-3).
    pub tol: f64,
    /// Added to covariance diagonals for numerical stability (default 1e-6).
    pub reg_covar: f64,
    /// Lloyd iterations of the k-means initialisation (default 300, stopping early when
    /// assignments settle).
    pub kmeans_iter: usize,
}

impl Default for GmmParams {
    fn default() -> Self {
        GmmParams {
            n_components: 4,
            max_iter: 100,
            tol: 1e-3,
            reg_covar: 1e-6,
            kmeans_iter: 300,
        }
    }
}

/// A fitted full-covariance Gaussian mixture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianMixture {
    dim: usize,
    /// Mixing weights, summing to 1.
    weights: Vec<f64>,
    /// Component means, `k × dim`.
    means: Vec<Vec<f64>>,
    /// Component covariances, each `dim × dim` row-major.
    covariances: Vec<Vec<f64>>,
    /// Lower-triangular Cholesky factors of the covariances, row-major.
    chol: Vec<Vec<f64>>,
    /// Mean log-likelihood per row at the last iteration.
    lower_bound: f64,
    /// EM iterations run.
    n_iter: usize,
    /// Whether the change fell below `tol` before `max_iter`.
    converged: bool,
}

/// Cholesky factor `L` (row-major, lower) of a symmetric positive-definite `a` (d × d).
fn cholesky(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = a[i * d + j];
            for k in 0..j {
                s -= l[i * d + k] * l[j * d + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    Some(l)
}

impl GaussianMixture {
    /// Fits a mixture to the rows of `x` (row-major, `n_cols` columns, finite values).
    pub fn fit(params: &GmmParams, x: &[f64], n_cols: usize, seed: u64) -> Result<GaussianMixture> {
        let n = check_x(MODEL, x, n_cols)?;
        let k = params.n_components;
        if k == 0 || n < k {
            return Err(MlError::Invalid {
                field: "n_components",
                reason: format!("{k} components for {n} rows"),
            });
        }
        super::check_finite(MODEL, x, n_cols)?;
        let d = n_cols;
        let labels = kmeans(x, n, d, k, params.kmeans_iter, seed);
        let mut resp = vec![0.0; n * k];
        for (i, &c) in labels.iter().enumerate() {
            resp[i * k + c] = 1.0;
        }
        let mut gm = GaussianMixture {
            dim: d,
            weights: vec![0.0; k],
            means: vec![vec![0.0; d]; k],
            covariances: vec![vec![0.0; d * d]; k],
            chol: vec![vec![0.0; d * d]; k],
            lower_bound: f64::NEG_INFINITY,
            n_iter: 0,
            converged: false,
        };
        gm.m_step(x, n, &resp, params.reg_covar)?;
        for it in 1..=params.max_iter {
            let prev = gm.lower_bound;
            let lb = gm.e_step(x, n, &mut resp);
            gm.m_step(x, n, &resp, params.reg_covar)?;
            gm.lower_bound = lb;
            gm.n_iter = it;
            if (lb - prev).abs() < params.tol {
                gm.converged = true;
                break;
            }
        }
        Ok(gm)
    }

    /// E step: responsibilities into `resp` (n × k); returns the mean log-likelihood.
    fn e_step(&self, x: &[f64], n: usize, resp: &mut [f64]) -> f64 {
        let k = self.weights.len();
        let mut total = 0.0;
        let mut lp = vec![0.0; k];
        for i in 0..n {
            let row = &x[i * self.dim..(i + 1) * self.dim];
            for (c, l) in lp.iter_mut().enumerate() {
                *l = self.weights[c].ln() + self.log_gauss(c, row);
            }
            let m = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = lp.iter().map(|l| (l - m).exp()).sum();
            let norm = m + s.ln();
            total += norm;
            for c in 0..k {
                resp[i * k + c] = (lp[c] - norm).exp();
            }
        }
        total / n as f64
    }

    /// M step: weights, means and covariances from responsibilities.
    fn m_step(&mut self, x: &[f64], n: usize, resp: &[f64], reg: f64) -> Result<()> {
        let k = self.weights.len();
        let d = self.dim;
        for c in 0..k {
            let nk: f64 = (0..n).map(|i| resp[i * k + c]).sum::<f64>() + 10.0 * f64::EPSILON;
            let mut mean = vec![0.0; d];
            for i in 0..n {
                let r = resp[i * k + c];
                for (m, v) in mean.iter_mut().zip(&x[i * d..(i + 1) * d]) {
                    *m += r * v;
                }
            }
            for m in &mut mean {
                *m /= nk;
            }
            let mut cov = vec![0.0; d * d];
            let mut diff = vec![0.0; d];
            for i in 0..n {
                let r = resp[i * k + c];
                for ((df, v), m) in diff.iter_mut().zip(&x[i * d..(i + 1) * d]).zip(&mean) {
                    *df = v - m;
                }
                for a in 0..d {
                    for b in 0..=a {
                        cov[a * d + b] += r * diff[a] * diff[b];
                    }
                }
            }
            for a in 0..d {
                for b in 0..=a {
                    let v = cov[a * d + b] / nk;
                    cov[a * d + b] = v;
                    cov[b * d + a] = v;
                }
                cov[a * d + a] += reg;
            }
            let chol = cholesky(&cov, d).ok_or_else(|| MlError::Model {
                model: MODEL,
                reason: format!(
                    "component {c} has a singular covariance; raise reg_covar or drop collinear columns"
                ),
            })?;
            self.weights[c] = nk / n as f64;
            self.means[c] = mean;
            self.covariances[c] = cov;
            self.chol[c] = chol;
        }
        Ok(())
    }

    /// `log N(row; μ_c, Σ_c)` through the Cholesky factor.
    fn log_gauss(&self, c: usize, row: &[f64]) -> f64 {
        let d = self.dim;
        let l = &self.chol[c];
        let mu = &self.means[c];
        // Solve L z = (x − μ) by forward substitution; the Mahalanobis term is ‖z‖².
        let mut z = vec![0.0; d];
        let mut maha = 0.0;
        let mut log_det = 0.0;
        for i in 0..d {
            let mut s = row[i] - mu[i];
            for j in 0..i {
                s -= l[i * d + j] * z[j];
            }
            z[i] = s / l[i * d + i];
            maha += z[i] * z[i];
            log_det += l[i * d + i].ln();
        }
        -0.5 * (d as f64 * LN_2PI + maha) - log_det
    }

    /// Posterior component probabilities per row (`n × k`, row-major); NaN rows for
    /// rows with non-finite values.
    pub fn predict_proba(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        let n = check_x(MODEL, x, n_cols)?;
        super::check_width(MODEL, n_cols, self.dim)?;
        let k = self.weights.len();
        let mut out = vec![f64::NAN; n * k];
        let mut lp = vec![0.0; k];
        for i in 0..n {
            let row = &x[i * n_cols..(i + 1) * n_cols];
            if row.iter().any(|v| !v.is_finite()) {
                continue;
            }
            for (c, l) in lp.iter_mut().enumerate() {
                *l = self.weights[c].ln() + self.log_gauss(c, row);
            }
            let m = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = lp.iter().map(|l| (l - m).exp()).sum();
            for c in 0..k {
                out[i * k + c] = (lp[c] - m).exp() / s;
            }
        }
        Ok(out)
    }

    /// The most probable component per row (`None` for rows with non-finite values).
    pub fn predict(&self, x: &[f64], n_cols: usize) -> Result<Vec<Option<usize>>> {
        let k = self.weights.len();
        let p = self.predict_proba(x, n_cols)?;
        Ok(p.chunks_exact(k)
            .map(|r| {
                if r[0].is_nan() {
                    None
                } else {
                    r.iter()
                        .enumerate()
                        .fold(
                            (0, f64::NEG_INFINITY),
                            |b, (c, &v)| if v > b.1 { (c, v) } else { b },
                        )
                        .0
                        .into()
                }
            })
            .collect())
    }

    /// Mean log-likelihood per row of `x` under the mixture (scikit-learn's `score`).
    pub fn score(&self, x: &[f64], n_cols: usize) -> Result<f64> {
        let n = check_x(MODEL, x, n_cols)?;
        super::check_width(MODEL, n_cols, self.dim)?;
        super::check_finite(MODEL, x, n_cols)?;
        let mut resp = vec![0.0; n * self.weights.len()];
        Ok(self.e_step(x, n, &mut resp))
    }

    /// Checks the shapes and values a fitted mixture always has (`k ≥ 1` components
    /// of dimension `d ≥ 1`, positive finite weights, finite `d`-vectors and `d × d`
    /// matrices, Cholesky factors with a positive diagonal), so that a deserialised one
    /// cannot index out of range or divide by zero at prediction.
    fn validate(&self) -> Result<()> {
        let (d, k) = (self.dim, self.weights.len());
        let bad = |what: String| {
            Err(MlError::Model {
                model: MODEL,
                reason: format!("malformed mixture: {what}"),
            })
        };
        if d == 0 || k == 0 {
            return bad(format!("{k} components of dimension {d}"));
        }
        if self.means.len() != k || self.covariances.len() != k || self.chol.len() != k {
            return bad(format!(
                "{k} weights, {} means, {} covariances, {} Cholesky factors",
                self.means.len(),
                self.covariances.len(),
                self.chol.len()
            ));
        }
        if self.weights.iter().any(|w| !(w.is_finite() && *w > 0.0)) {
            return bad("weights must be finite and positive".to_string());
        }
        for c in 0..k {
            let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
            if self.means[c].len() != d
                || self.covariances[c].len() != d * d
                || self.chol[c].len() != d * d
                || !finite(&self.means[c])
                || !finite(&self.covariances[c])
                || !finite(&self.chol[c])
                || (0..d).any(|i| self.chol[c][i * d + i] <= 0.0)
            {
                return bad(format!("component {c} has the wrong shape or values"));
            }
        }
        Ok(())
    }

    /// Mixing weights.
    #[must_use]
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
    /// Component means (`k` vectors of `dim`).
    #[must_use]
    pub fn means(&self) -> &[Vec<f64>] {
        &self.means
    }
    /// Component covariances (`k` row-major `dim × dim` matrices).
    #[must_use]
    pub fn covariances(&self) -> &[Vec<f64>] {
        &self.covariances
    }
    /// Mean log-likelihood per row at the last EM iteration.
    #[must_use]
    pub fn lower_bound(&self) -> f64 {
        self.lower_bound
    }
    /// Whether EM converged within `max_iter`.
    #[must_use]
    pub fn converged(&self) -> bool {
        self.converged
    }
    /// EM iterations run.
    #[must_use]
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }
}

/// Seeded k-means++ seeding then Lloyd iterations; returns one cluster per row.
fn kmeans(x: &[f64], n: usize, d: usize, k: usize, iters: usize, seed: u64) -> Vec<usize> {
    let mut rng = Rng::new(seed);
    let dist2 = |i: usize, c: &[f64]| -> f64 {
        x[i * d..(i + 1) * d]
            .iter()
            .zip(c)
            .map(|(a, b)| (a - b) * (a - b))
            .sum()
    };
    let mut centers: Vec<Vec<f64>> = Vec::with_capacity(k);
    let first = rng.below(n);
    centers.push(x[first * d..(first + 1) * d].to_vec());
    let mut best: Vec<f64> = (0..n).map(|i| dist2(i, &centers[0])).collect();
    while centers.len() < k {
        let total: f64 = best.iter().sum();
        let pick = if total > 0.0 {
            let target = rng.next_f64() * total;
            let mut acc = 0.0;
            let mut chosen = n - 1;
            for (i, b) in best.iter().enumerate() {
                acc += b;
                if acc > target {
                    chosen = i;
                    break;
                }
            }
            chosen
        } else {
            rng.below(n)
        };
        let c = x[pick * d..(pick + 1) * d].to_vec();
        for (i, b) in best.iter_mut().enumerate() {
            *b = b.min(dist2(i, &c));
        }
        centers.push(c);
    }
    let mut labels = vec![0usize; n];
    for it in 0..iters.max(1) {
        let mut changed = false;
        for (i, l) in labels.iter_mut().enumerate() {
            let mut bc = 0;
            let mut bd = f64::INFINITY;
            for (c, center) in centers.iter().enumerate() {
                let dd = dist2(i, center);
                if dd < bd {
                    bd = dd;
                    bc = c;
                }
            }
            if *l != bc || it == 0 {
                changed |= *l != bc;
                *l = bc;
            }
        }
        if !changed && it > 0 {
            break;
        }
        let mut sums = vec![vec![0.0; d]; k];
        let mut counts = vec![0usize; k];
        for (i, &l) in labels.iter().enumerate() {
            counts[l] += 1;
            for (s, v) in sums[l].iter_mut().zip(&x[i * d..(i + 1) * d]) {
                *s += v;
            }
        }
        for c in 0..k {
            if counts[c] > 0 {
                for s in &mut sums[c] {
                    *s /= counts[c] as f64;
                }
                centers[c] = std::mem::take(&mut sums[c]);
            }
        }
    }
    labels
}

/// A market regime label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Regime {
    /// Strong drift either way, ordinary volatility.
    Trending,
    /// Little drift, middling volatility.
    Ranging,
    /// The highest-volatility state.
    Volatile,
    /// The lowest-volatility state.
    Calm,
}

impl Regime {
    /// Lower-case name: `trending`, `ranging`, `volatile`, `calm`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::Trending => "trending",
            Regime::Ranging => "ranging",
            Regime::Volatile => "volatile",
            Regime::Calm => "calm",
        }
    }
}

/// A 4-state regime model; see the module page for the labelling rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegimeModel {
    gmm: GaussianMixture,
    center: Vec<f64>,
    scale: Vec<f64>,
    trend_col: usize,
    vol_col: usize,
    /// Component `c` is `labels[c]`.
    labels: Vec<Regime>,
}

impl RegimeModel {
    /// Fits on the complete rows of `x` (row-major, `n_cols` columns); `trend_col` and
    /// `vol_col` name the columns the labelling rule reads. Rows with a non-finite value
    /// are skipped.
    pub fn fit(
        x: &[f64],
        n_cols: usize,
        trend_col: usize,
        vol_col: usize,
        seed: u64,
    ) -> Result<RegimeModel> {
        RegimeModel::fit_with(&GmmParams::default(), x, n_cols, trend_col, vol_col, seed)
    }

    /// [`RegimeModel::fit`] with explicit mixture parameters (`n_components` must be 4).
    pub fn fit_with(
        params: &GmmParams,
        x: &[f64],
        n_cols: usize,
        trend_col: usize,
        vol_col: usize,
        seed: u64,
    ) -> Result<RegimeModel> {
        check_x(MODEL, x, n_cols)?;
        if params.n_components != 4 {
            return Err(MlError::Invalid {
                field: "n_components",
                reason: format!(
                    "the regime model names 4 states, got {}",
                    params.n_components
                ),
            });
        }
        if trend_col >= n_cols || vol_col >= n_cols || trend_col == vol_col {
            return Err(MlError::Invalid {
                field: "trend_col/vol_col",
                reason: format!("columns {trend_col} and {vol_col} for {n_cols} columns"),
            });
        }
        let complete: Vec<&[f64]> = x
            .chunks_exact(n_cols)
            .filter(|r| r.iter().all(|v| v.is_finite()))
            .collect();
        let n = complete.len();
        if n < 4 {
            return Err(MlError::Invalid {
                field: "x",
                reason: format!("{n} complete rows, need at least 4"),
            });
        }
        let mut z: Vec<f64> = complete.concat();
        // The logistic regression's standardiser (StandardScaler's mean, population
        // standard deviation and near-constant rule), so the two cannot drift apart.
        let (center, scale) = super::logistic::scaler(&z, n_cols, n);
        for row in z.chunks_exact_mut(n_cols) {
            for ((v, c), s) in row.iter_mut().zip(&center).zip(&scale) {
                *v = (*v - c) / s;
            }
        }
        let gmm = GaussianMixture::fit(params, &z, n_cols, seed)?;
        let labels = name_components(gmm.means(), trend_col, vol_col);
        Ok(RegimeModel {
            gmm,
            center,
            scale,
            trend_col,
            vol_col,
            labels,
        })
    }

    /// The regime of each row (`None` where a value is missing).
    pub fn predict(&self, x: &[f64], n_cols: usize) -> Result<Vec<Option<Regime>>> {
        check_x(MODEL, x, n_cols)?;
        super::check_width(MODEL, n_cols, self.center.len())?;
        // One allocation, not one per row.
        let mut z = x.to_vec();
        for row in z.chunks_exact_mut(n_cols) {
            for ((v, c), s) in row.iter_mut().zip(&self.center).zip(&self.scale) {
                *v = (*v - c) / s;
            }
        }
        Ok(self
            .gmm
            .predict(&z, n_cols)?
            .into_iter()
            .map(|c| c.and_then(|c| self.labels.get(c).copied()))
            .collect())
    }

    /// The label of each mixture component.
    #[must_use]
    pub fn component_labels(&self) -> &[Regime] {
        &self.labels
    }

    /// The fitted mixture (on standardised columns).
    #[must_use]
    pub fn mixture(&self) -> &GaussianMixture {
        &self.gmm
    }

    /// The column indices the labelling rule read: `(trend, vol)`.
    #[must_use]
    pub fn columns(&self) -> (usize, usize) {
        (self.trend_col, self.vol_col)
    }

    /// The model as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| MlError::Model {
            model: MODEL,
            reason: e.to_string(),
        })
    }

    /// The model back from [`RegimeModel::to_json`], checked for consistent shapes and
    /// finite parameters, so a corrupt or hand-edited file is an error rather than a
    /// panic (index out of range) or silent `None` regimes at prediction.
    pub fn from_json(s: &str) -> Result<RegimeModel> {
        let m: RegimeModel = serde_json::from_str(s).map_err(|e| MlError::Model {
            model: MODEL,
            reason: e.to_string(),
        })?;
        m.gmm.validate()?;
        let d = m.gmm.dim;
        let malformed = |what: String| MlError::Model {
            model: MODEL,
            reason: format!("malformed regime model: {what}"),
        };
        if m.center.len() != d || m.scale.len() != d {
            return Err(malformed(format!(
                "{} centres and {} scales for {d} columns",
                m.center.len(),
                m.scale.len()
            )));
        }
        if m.center.iter().any(|v| !v.is_finite())
            || m.scale.iter().any(|v| !(v.is_finite() && *v > 0.0))
        {
            return Err(malformed(
                "centres must be finite and scales finite and positive".to_string(),
            ));
        }
        if m.trend_col >= d || m.vol_col >= d || m.trend_col == m.vol_col {
            return Err(malformed(format!(
                "trend column {} and volatility column {} for {d} columns",
                m.trend_col, m.vol_col
            )));
        }
        if m.labels.len() != m.gmm.weights.len() {
            return Err(malformed(format!(
                "{} labels for {} components",
                m.labels.len(),
                m.gmm.weights.len()
            )));
        }
        Ok(m)
    }
}

/// The documented naming rule (module page) applied to 4 component means.
fn name_components(means: &[Vec<f64>], trend_col: usize, vol_col: usize) -> Vec<Regime> {
    let k = means.len();
    let mut labels = vec![Regime::Ranging; k];
    let mut rest: Vec<usize> = (0..k).collect();
    let take = |rest: &mut Vec<usize>, key: &dyn Fn(usize) -> f64, max: bool| -> Option<usize> {
        let pos = (0..rest.len()).reduce(|a, b| {
            let (ka, kb) = (key(rest[a]), key(rest[b]));
            if (max && kb > ka) || (!max && kb < ka) {
                b
            } else {
                a
            }
        })?;
        Some(rest.remove(pos))
    };
    let vol = |c: usize| means[c][vol_col];
    let trend = |c: usize| means[c][trend_col].abs();
    if let Some(c) = take(&mut rest, &vol, true) {
        labels[c] = Regime::Volatile;
    }
    if let Some(c) = take(&mut rest, &vol, false) {
        labels[c] = Regime::Calm;
    }
    if let Some(c) = take(&mut rest, &trend, true) {
        labels[c] = Regime::Trending;
    }
    for c in rest {
        labels[c] = Regime::Ranging;
    }
    labels
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn cholesky_of_a_known_matrix() {
        // [[4, 2], [2, 3]] = L Lᵀ with L = [[2, 0], [1, √2]].
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        assert!((l[0] - 2.0).abs() < 1e-15 && l[1] == 0.0);
        assert!((l[2] - 1.0).abs() < 1e-15 && (l[3] - 2f64.sqrt()).abs() < 1e-15);
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }

    #[test]
    fn log_density_matches_the_closed_form() {
        // One standard bivariate normal: log N(0; 0, I) = −ln(2π).
        let gm = GaussianMixture {
            dim: 2,
            weights: vec![1.0],
            means: vec![vec![0.0, 0.0]],
            covariances: vec![vec![1.0, 0.0, 0.0, 1.0]],
            chol: vec![vec![1.0, 0.0, 0.0, 1.0]],
            lower_bound: 0.0,
            n_iter: 0,
            converged: true,
        };
        assert!((gm.log_gauss(0, &[0.0, 0.0]) + LN_2PI).abs() < 1e-14);
        assert!((gm.log_gauss(0, &[1.0, 1.0]) + LN_2PI + 1.0).abs() < 1e-14);
    }

    #[test]
    fn corrupt_json_is_an_error_not_a_panic() {
        let mut rng = Rng::new(4);
        let x: Vec<f64> = (0..400)
            .flat_map(|i| {
                let c = f64::from(i % 4);
                [c + 0.1 * rng.normal(), (c - 1.5).abs() + 0.1 * rng.normal()]
            })
            .collect();
        let m = RegimeModel::fit(&x, 2, 0, 1, 1).unwrap();
        let good: serde_json::Value = serde_json::from_str(&m.to_json().unwrap()).unwrap();
        assert_eq!(RegimeModel::from_json(&good.to_string()).unwrap(), m);
        let corrupt = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            edit(&mut v);
            RegimeModel::from_json(&v.to_string())
        };
        // Each of these used to load and then panic (index out of range, chunks of
        // zero) or answer `None` for whole components at prediction.
        let cases: [&dyn Fn(&mut serde_json::Value); 7] = [
            &|v| v["gmm"]["chol"][1] = serde_json::json!([1.0]),
            &|v| v["gmm"]["weights"] = serde_json::json!([]),
            &|v| v["gmm"]["dim"] = serde_json::json!(3),
            &|v| v["gmm"]["chol"][0][0] = serde_json::json!(0.0),
            &|v| v["labels"] = serde_json::json!(["calm", "volatile"]),
            &|v| v["scale"][0] = serde_json::json!(0.0),
            &|v| v["vol_col"] = serde_json::json!(7),
        ];
        for (i, edit) in cases.iter().enumerate() {
            assert!(corrupt(*edit).is_err(), "case {i}");
        }
    }

    #[test]
    fn naming_rule() {
        // (trend, vol) means: c0 high vol, c1 low vol, c2 strong drift, c3 flat.
        let means = vec![
            vec![0.1, 2.0],
            vec![0.0, -1.5],
            vec![-1.2, 0.1],
            vec![0.2, 0.0],
        ];
        assert_eq!(
            name_components(&means, 0, 1),
            vec![
                Regime::Volatile,
                Regime::Calm,
                Regime::Trending,
                Regime::Ranging
            ]
        );
    }
}
