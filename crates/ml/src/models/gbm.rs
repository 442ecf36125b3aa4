//! Gradient-boosted decision trees in the style of LightGBM (Ke et al., "LightGBM: A
//! Highly Efficient Gradient Boosting Decision Tree", NeurIPS 2017), our own code: a
//! classifier on the binary log loss (win probability) and a regressor on the squared
//! loss (exit and risk targets).
//!
//! # Algorithm
//!
//! 1. **Binning, once per fit.** Each feature is cut into at most `max_bin` (default 255)
//!    bins at quantiles of its finite training values (of a seeded sample of
//!    `bin_sample` = 200 000 rows when there are more, LightGBM's
//!    `bin_construct_sample_cnt`); a cut sits midway between two consecutive distinct
//!    values (the same binner as the random forest, [`super::forest`]); walking up the
//!    bins, a cut is kept only once at least `min_data_in_bin` (3) sampled rows lie
//!    below it since the previous cut (LightGBM's rule). NaN (missing) gets a bin of
//!    its own after the value bins. Codes are `u8`, stored feature-major, so a
//!    histogram is one pass over one column.
//! 2. **Boosting.** The raw score starts at the log-odds of the base rate (classifier)
//!    or the mean label (regressor), LightGBM's `boost_from_average`. Each round computes
//!    per row the gradient `g` and hessian `h` of the loss at the current raw score
//!    (log loss: `g = p − y`, `h = p(1 − p)`, `p = σ(score)`; squared loss: `g = score − y`,
//!    `h = 1`), grows one tree on them and adds its leaf values to the scores.
//! 3. **Trees, leaf-wise (best-first).** Starting from one leaf, the leaf whose best split
//!    has the largest gain is split, until `num_leaves` (31) leaves or no split with
//!    positive gain remains; `max_depth` optionally bounds the depth. For a leaf with
//!    sums `G`, `H` the split gain is `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)` (Chen &
//!    Guestrin, "XGBoost", KDD 2016, eq. 7, without the ½ and γ; LightGBM's gain with
//!    `lambda_l1 = 0`); a split must leave `min_data_in_leaf` (20) rows and
//!    `min_sum_hessian_in_leaf` (1e-3) hessian on each side and gain more than
//!    `min_gain_to_split` (0). A leaf's value is `−G/(H+λ)` times the learning rate
//!    (one Newton step on the leaf).
//! 4. **Histograms.** A leaf's split search scans, per feature, a histogram of
//!    `(ΣG, ΣH, count)` per bin: for each cut, once with the missing rows on the left and
//!    once on the right, so the default direction of NaN is learned per split. After a
//!    split only the smaller child's histogram is built from its rows; the larger one's
//!    is the parent's minus it (the subtraction trick). Histograms are built and searched
//!    in parallel over groups of 6 features with rayon (one pass over a leaf's row
//!    indices and gradients fills the group's 6 histograms); each feature's sums run in
//!    row order on one thread, so a fit does not depend on the thread count.
//! 5. **Prediction** walks each tree on the raw `f64` row: `x ≤ threshold` goes left,
//!    the threshold being the upper edge of the split's last left bin, and NaN follows
//!    the split's learned default side; rows are predicted in parallel with rayon.
//!    Infinite values are compared as `±f64::MAX` (the binner put them in the outermost
//!    bins; a split that separates "all values" from "missing" stores `f64::MAX`).
//!
//! No bagging or feature subsampling (both off by default in LightGBM too), so the only
//! random step is the binning sample, seeded; the same data, parameters and seed give
//! the same model, bit for bit.
//!
//! # Differences from LightGBM
//!
//! With at most `max_bin` distinct values per feature our bins hold the same rows as
//! LightGBM's and the trees agree with LightGBM 4.7.0's up to its `float32` gradients
//! (tested). With more distinct values, LightGBM's `GreedyFindBin` places the cuts
//! differently from our quantiles and keeps a cut at zero, so trees differ while
//! out-of-sample quality agrees (tested, and the bench). LightGBM also estimates
//! per-bin row counts from hessians for `min_data_in_leaf` (we count exactly), and ties
//! between equal gains may break another way. Where a node saw no missing values,
//! NaN at prediction goes to the side that got more training rows (LightGBM, for a
//! feature never missing in training, reads NaN as 0). Both comparisons with LightGBM
//! 4.7.0 are in `tests/it/gbm.rs`; the `models` bench compares held-out AUC on the
//! 100 k × 150 problem.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::forest::{bin_columns, bin_thresholds, value_bin};
use super::logistic::sigmoid;
use super::rng::Rng;
use super::{Classifier, ModelKind, Regressor, check_binary, check_width, check_x, check_xy};
use crate::error::{MlError, Result};

const MODEL: &str = "gbm";
/// Written into every serialised model and checked on load.
const FORMAT: &str = "thetalab-gbm/1";
/// Histogram entries per feature: up to 255 value bins plus the missing bin.
const STRIDE: usize = 256;
/// LightGBM's upper limit on `num_leaves`.
const MAX_LEAVES: usize = 131_072;

/// Hyper-parameters of [`GbmClassifier`] and [`GbmRegressor`]; names and defaults are
/// LightGBM's (4.x), so a researcher's LightGBM settings carry over one to one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GbmParams {
    /// Boosting rounds, one tree each (LightGBM `num_iterations`, default 100). Fewer
    /// trees result when a round finds no split with positive gain (LightGBM stops too).
    pub n_rounds: usize,
    /// Shrinkage applied to every leaf value (default 0.1).
    pub learning_rate: f64,
    /// Maximum leaves per tree, ≥ 2 (default 31).
    pub num_leaves: usize,
    /// Maximum depth of a tree; `None` is unlimited (default, LightGBM's `-1`).
    pub max_depth: Option<usize>,
    /// Minimum training rows in each leaf, ≥ 1 (default 20).
    pub min_data_in_leaf: usize,
    /// Minimum sum of hessians in each leaf (default 1e-3).
    pub min_sum_hessian_in_leaf: f64,
    /// A split must gain more than this (default 0).
    pub min_gain_to_split: f64,
    /// L2 penalty λ on leaf values (default 0).
    pub lambda_l2: f64,
    /// Maximum value bins per feature, 2..=255 (default 255); NaN has a bin of its own.
    pub max_bin: usize,
    /// A bin edge is kept only once the bins below it (back to the previous edge) hold
    /// this many sampled rows, so rare values are merged with their neighbours
    /// (LightGBM's `min_data_in_bin`, default 3).
    pub min_data_in_bin: usize,
    /// Rows sampled to place the bin cuts when there are more (default 200 000,
    /// LightGBM's `bin_construct_sample_cnt`); the sample is drawn from the fit's seed.
    pub bin_sample: usize,
    /// Worker threads; `None` uses rayon's global pool (all cores, default). The fitted
    /// model does not depend on it.
    pub num_threads: Option<usize>,
}

impl Default for GbmParams {
    fn default() -> Self {
        GbmParams {
            n_rounds: 100,
            learning_rate: 0.1,
            num_leaves: 31,
            max_depth: None,
            min_data_in_leaf: 20,
            min_sum_hessian_in_leaf: 1e-3,
            min_gain_to_split: 0.0,
            lambda_l2: 0.0,
            max_bin: 255,
            min_data_in_bin: 3,
            bin_sample: 200_000,
            num_threads: None,
        }
    }
}

fn invalid(field: &'static str, reason: String) -> MlError {
    MlError::Invalid { field, reason }
}

impl GbmParams {
    /// Checks every field's domain.
    fn validate(&self) -> Result<()> {
        if self.n_rounds == 0 {
            return Err(invalid("n_rounds", "at least one round is needed".into()));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(invalid(
                "learning_rate",
                format!("{} is not a positive finite rate", self.learning_rate),
            ));
        }
        if !(2..=MAX_LEAVES).contains(&self.num_leaves) {
            return Err(invalid(
                "num_leaves",
                format!("{} is outside 2..={MAX_LEAVES}", self.num_leaves),
            ));
        }
        if self.max_depth == Some(0) {
            return Err(invalid("max_depth", "0 allows no split; use None".into()));
        }
        if self.min_data_in_leaf == 0 {
            return Err(invalid("min_data_in_leaf", "must be at least 1".into()));
        }
        for (field, v) in [
            ("min_sum_hessian_in_leaf", self.min_sum_hessian_in_leaf),
            ("min_gain_to_split", self.min_gain_to_split),
            ("lambda_l2", self.lambda_l2),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(field, format!("{v} is not a finite value ≥ 0")));
            }
        }
        if !(2..=255).contains(&self.max_bin) {
            return Err(invalid(
                "max_bin",
                format!("{} is outside 2..=255", self.max_bin),
            ));
        }
        if self.min_data_in_bin == 0 {
            return Err(invalid("min_data_in_bin", "must be at least 1".into()));
        }
        if self.bin_sample == 0 {
            return Err(invalid("bin_sample", "must be at least 1".into()));
        }
        if self.num_threads == Some(0) {
            return Err(invalid("num_threads", "0 threads; use None for all".into()));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- binning

/// Features discretised into bins, feature-major.
struct Binned {
    n_rows: usize,
    /// `codes[f * n_rows + r]`: the value bin of row `r`, feature `f`, or
    /// `upper[f].len() + 1` for NaN.
    codes: Vec<u8>,
    /// Per feature, the upper edges of the value bins but the last: value bin `b` holds
    /// `(upper[b - 1], upper[b]]`.
    upper: Vec<Vec<f64>>,
}

impl Binned {
    fn new(x: &[f64], n_rows: usize, n_cols: usize, params: &GbmParams, seed: u64) -> Binned {
        let sample =
            (n_rows > params.bin_sample).then(|| sample_rows(n_rows, params.bin_sample, seed));
        let (codes, upper) = bin_columns(x, n_rows, n_cols, |col| {
            bin_column(col, sample.as_deref(), params)
        });
        Binned {
            n_rows,
            codes,
            upper,
        }
    }

    /// Value bins of feature `f`; its missing bin is this index.
    fn n_bins(&self, f: usize) -> usize {
        self.upper[f].len() + 1
    }

    fn column(&self, f: usize) -> &[u8] {
        &self.codes[f * self.n_rows..(f + 1) * self.n_rows]
    }

    /// The prediction threshold of a split after value bin `bin` of feature `f`.
    fn threshold(&self, f: usize, bin: usize) -> f64 {
        self.upper[f].get(bin).copied().unwrap_or(f64::MAX)
    }
}

/// One feature's codes and bin edges from its values `col` (all rows), the edges placed
/// on the finite values of the `sample` rows (all rows when `None`).
fn bin_column(col: &[f64], sample: Option<&[usize]>, params: &GbmParams) -> (Vec<u8>, Vec<f64>) {
    let finite: Vec<f64> = match sample {
        Some(rows) => rows
            .iter()
            .map(|&r| col[r])
            .filter(|v| v.is_finite())
            .collect(),
        None => col.iter().copied().filter(|v| v.is_finite()).collect(),
    };
    let upper = if finite.is_empty() {
        Vec::new()
    } else {
        bin_thresholds(&finite, params.max_bin)
    };
    let codes: Vec<u8> = col.iter().map(|&v| code(v, &upper)).collect();
    let mut counts = vec![0u64; upper.len() + 2];
    match sample {
        Some(rows) => rows
            .iter()
            .for_each(|&r| counts[usize::from(codes[r])] += 1),
        None => codes.iter().for_each(|&c| counts[usize::from(c)] += 1),
    }
    counts.pop(); // the missing bin
    merge_sparse_bins(codes, &upper, &counts, params.min_data_in_bin as u64)
}

/// LightGBM's `min_data_in_bin` rule (`GreedyFindBin`): walking up the value bins, an
/// edge is kept only once the bins since the previous kept edge hold at least `min`
/// sampled rows, so rare values share a bin with their upper neighbours (the last bin
/// keeps whatever remains). Returns the codes renumbered and the kept edges.
fn merge_sparse_bins(
    mut codes: Vec<u8>,
    upper: &[f64],
    counts: &[u64],
    min: u64,
) -> (Vec<u8>, Vec<f64>) {
    let mut kept = Vec::with_capacity(upper.len());
    // new_bin[old value bin], then the missing code.
    let mut new_bin = Vec::with_capacity(upper.len() + 2);
    let mut run = 0u64;
    for (b, &edge) in upper.iter().enumerate() {
        new_bin.push(kept.len() as u8);
        run += counts[b];
        if run >= min {
            kept.push(edge);
            run = 0;
        }
    }
    new_bin.push(kept.len() as u8);
    new_bin.push((kept.len() + 1) as u8);
    if kept.len() < upper.len() {
        for c in &mut codes {
            *c = new_bin[usize::from(*c)];
        }
    }
    (codes, kept)
}

/// The bin code of `v`: its value bin ([`value_bin`], the forest's), or one past the
/// value bins for NaN. At most 255 because `bin_thresholds` returns at most
/// `max_bin − 1 ≤ 254` edges.
fn code(v: f64, upper: &[f64]) -> u8 {
    if v.is_nan() {
        (upper.len() + 1) as u8
    } else {
        value_bin(v, upper)
    }
}

/// `k` distinct row indices out of `n`, by a partial Fisher–Yates shuffle.
fn sample_rows(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut rng = Rng::new(seed);
    let mut all: Vec<usize> = (0..n).collect();
    for i in 0..k.min(n) {
        let j = i + rng.below(n - i);
        all.swap(i, j);
    }
    all.truncate(k);
    all.sort_unstable();
    all
}

// ------------------------------------------------------------- histograms

/// Gradient sum, hessian sum and row count of a set of rows.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Sums {
    g: f64,
    h: f64,
    n: u64,
}

impl Sums {
    fn plus(self, o: Sums) -> Sums {
        Sums {
            g: self.g + o.g,
            h: self.h + o.h,
            n: self.n + o.n,
        }
    }

    fn minus(self, o: Sums) -> Sums {
        Sums {
            g: self.g - o.g,
            h: self.h - o.h,
            n: self.n.saturating_sub(o.n),
        }
    }
}

/// The split constraints and the leaf formulas.
struct Rules {
    lambda: f64,
    min_data: u64,
    min_hess: f64,
    min_gain: f64,
}

impl Rules {
    fn new(p: &GbmParams) -> Rules {
        Rules {
            lambda: p.lambda_l2,
            min_data: p.min_data_in_leaf as u64,
            min_hess: p.min_sum_hessian_in_leaf,
            min_gain: p.min_gain_to_split,
        }
    }

    /// `G²/(H+λ)`: twice the loss reduction of a leaf's Newton step.
    fn leaf_gain(&self, s: Sums) -> f64 {
        s.g * s.g / (s.h + self.lambda)
    }

    /// `−G/(H+λ)`, the leaf's Newton step (0 where `H + λ` is not positive).
    fn leaf_value(&self, s: Sums) -> f64 {
        let d = s.h + self.lambda;
        if d > 0.0 { -s.g / d } else { 0.0 }
    }

    fn admissible(&self, s: Sums) -> bool {
        s.n >= self.min_data && s.h >= self.min_hess && s.h + self.lambda > 0.0
    }
}

/// A candidate split: value bins `0..=bin` of `feature` go left, NaN goes left when
/// `default_left`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cand {
    feature: usize,
    bin: usize,
    default_left: bool,
    gain: f64,
    left: Sums,
    right: Sums,
}

fn better(best: Option<Cand>, c: Option<Cand>) -> Option<Cand> {
    match (best, c) {
        (Some(b), Some(c)) if c.gain > b.gain => Some(c),
        (None, c) => c,
        (b, _) => b,
    }
}

/// The best split of one feature from its histogram `hist` (value bins `0..n_bins`,
/// missing bin `n_bins`) for a node with sums `parent`. Every cut between two non-empty
/// value bins is tried with the missing rows on the right, then (when there are any)
/// on the left; the first of equal gains wins.
fn best_in_feature(rules: &Rules, feature: usize, hist: &[Sums], parent: Sums) -> Option<Cand> {
    let (values, miss) = hist.split_at(hist.len() - 1);
    let miss = miss[0];
    let parent_gain = rules.leaf_gain(parent);
    let mut best: Option<Cand> = None;
    let mut consider = |left: Sums, bin: usize, default_left: bool| {
        let right = parent.minus(left);
        if !(rules.admissible(left) && rules.admissible(right)) {
            return;
        }
        let gain = rules.leaf_gain(left) + rules.leaf_gain(right) - parent_gain;
        if gain.is_finite() && gain > rules.min_gain && best.is_none_or(|b| gain > b.gain) {
            best = Some(Cand {
                feature,
                bin,
                default_left,
                gain,
                left,
                right,
            });
        }
    };
    let mut acc = Sums::default();
    for (bin, s) in values.iter().enumerate() {
        if s.n == 0 {
            continue;
        }
        acc = acc.plus(*s);
        if miss.n == 0 {
            // No missing rows here: NaN at prediction follows the larger side.
            let right_n = parent.n.saturating_sub(acc.n);
            consider(acc, bin, acc.n >= right_n);
        } else {
            consider(acc, bin, false);
            consider(acc.plus(miss), bin, true);
        }
    }
    best
}

/// Histograms of up to `num_leaves` leaves, `n_cols × STRIDE` entries each, reused
/// across trees; a leaf that cannot split gives its slot back.
struct Pool {
    slots: Vec<Vec<Sums>>,
    free: Vec<usize>,
    len: usize,
}

impl Pool {
    fn take(&mut self) -> usize {
        if let Some(s) = self.free.pop() {
            return s;
        }
        self.slots.push(vec![Sums::default(); self.len]);
        self.slots.len() - 1
    }

    fn give(&mut self, slot: usize) {
        self.free.push(slot);
    }
}

/// Features whose histograms one task builds together, reading each row's index and
/// gradients once for all of them.
const GROUP: usize = 6;

#[inline(always)]
fn add(h: &mut [Sums; STRIDE], code: u8, g: &[f64; 2]) {
    // A u8 code always indexes a 256-entry array: no bounds check.
    let s = &mut h[usize::from(code)];
    s.g += g[0];
    s.h += g[1];
    s.n += 1;
}

/// Builds the histograms of `rows` (all rows in order when `None`; `ogh` holds the
/// rows' gradients in the order of `rows`) into `hist` and returns the best split over
/// all features. Each task takes [`GROUP`] features.
fn build_and_find(
    data: &Binned,
    rules: &Rules,
    hist: &mut [Sums],
    rows: Option<(&[u32], &[[f64; 2]])>,
    gh: &[[f64; 2]],
    parent: Sums,
) -> Option<Cand> {
    let per_group: Vec<Option<Cand>> = hist
        .par_chunks_mut(STRIDE * GROUP)
        .enumerate()
        .map(|(gi, hg)| {
            let f0 = gi * GROUP;
            let mut hs: Vec<&mut [Sums; STRIDE]> = Vec::with_capacity(GROUP);
            for (j, h) in hg.chunks_exact_mut(STRIDE).enumerate() {
                h[..=data.n_bins(f0 + j)].fill(Sums::default());
                // Chunks are exactly STRIDE long.
                if let Ok(h) = <&mut [Sums; STRIDE]>::try_from(h) {
                    hs.push(h);
                }
            }
            let cols: Vec<&[u8]> = (f0..f0 + hs.len()).map(|f| data.column(f)).collect();
            match (hs.as_mut_slice(), cols.as_slice()) {
                ([h0, h1, h2, h3, h4, h5], [c0, c1, c2, c3, c4, c5]) => match rows {
                    None => {
                        for (i, g) in gh.iter().enumerate() {
                            add(h0, c0[i], g);
                            add(h1, c1[i], g);
                            add(h2, c2[i], g);
                            add(h3, c3[i], g);
                            add(h4, c4[i], g);
                            add(h5, c5[i], g);
                        }
                    }
                    Some((rows, ogh)) => {
                        for (&r, g) in rows.iter().zip(ogh) {
                            let r = r as usize;
                            add(h0, c0[r], g);
                            add(h1, c1[r], g);
                            add(h2, c2[r], g);
                            add(h3, c3[r], g);
                            add(h4, c4[r], g);
                            add(h5, c5[r], g);
                        }
                    }
                },
                (hs, cols) => {
                    for (h, col) in hs.iter_mut().zip(cols) {
                        match rows {
                            None => {
                                for (&c, g) in col.iter().zip(gh) {
                                    add(h, c, g);
                                }
                            }
                            Some((rows, ogh)) => {
                                for (&r, g) in rows.iter().zip(ogh) {
                                    add(h, col[r as usize], g);
                                }
                            }
                        }
                    }
                }
            }
            hs.iter()
                .enumerate()
                .map(|(j, h)| {
                    let f = f0 + j;
                    best_in_feature(rules, f, &h[..=data.n_bins(f)], parent)
                })
                .fold(None, better)
        })
        .collect();
    per_group.into_iter().fold(None, better)
}

/// `big −= small` feature by feature (the subtraction trick) and the best split of the
/// node `big` now describes.
fn subtract_and_find(
    data: &Binned,
    rules: &Rules,
    big: &mut [Sums],
    small: &[Sums],
    parent: Sums,
) -> Option<Cand> {
    let per_feature: Vec<Option<Cand>> = big
        .par_chunks_mut(STRIDE)
        .zip(small.par_chunks(STRIDE))
        .enumerate()
        .map(|(f, (b, s))| {
            let nb = data.n_bins(f);
            let b = &mut b[..=nb];
            for (bv, sv) in b.iter_mut().zip(&s[..=nb]) {
                *bv = bv.minus(*sv);
            }
            best_in_feature(rules, f, b, parent)
        })
        .collect();
    per_feature.into_iter().fold(None, better)
}

// ------------------------------------------------------------------ trees

/// One node of a fitted tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Node {
    /// `x[feature] ≤ threshold` goes to `left`, NaN to `left` when `default_left`.
    Split {
        feature: u32,
        threshold: f64,
        default_left: bool,
        left: u32,
        right: u32,
    },
    /// A leaf's contribution to the raw score (learning rate included).
    Leaf { value: f64 },
}

/// A fitted tree; node 0 is the root and children follow their parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    fn predict_row(&self, row: &[f64]) -> f64 {
        let mut i = 0usize;
        loop {
            match self.nodes.get(i) {
                Some(Node::Leaf { value }) => return *value,
                Some(Node::Split {
                    feature,
                    threshold,
                    default_left,
                    left,
                    right,
                }) => {
                    let v = row.get(*feature as usize).copied().unwrap_or(f64::NAN);
                    let go_left = if v.is_nan() {
                        *default_left
                    } else {
                        v.clamp(f64::MIN, f64::MAX) <= *threshold
                    };
                    i = if go_left { *left } else { *right } as usize;
                }
                None => return f64::NAN,
            }
        }
    }

    fn n_leaves(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n, Node::Leaf { .. }))
            .count()
    }
}

/// A leaf while the tree grows: its rows are `idx[start..end]`.
#[derive(Debug, Clone, Copy)]
struct GrowLeaf {
    start: usize,
    end: usize,
    depth: usize,
    sums: Sums,
    node: usize,
    slot: Option<usize>,
    best: Option<Cand>,
}

/// A grown tree's leaf: its training rows are `idx[start..end]`, `value` the learning
/// rate times its Newton step.
struct FinalLeaf {
    start: usize,
    end: usize,
    value: f64,
}

/// State reused across the rounds of one fit.
struct Grower<'a> {
    data: &'a Binned,
    params: &'a GbmParams,
    rules: Rules,
    /// Row indices, grouped by leaf; each leaf's rows stay in increasing order.
    idx: Vec<u32>,
    tmp: Vec<u32>,
    ogh: Vec<[f64; 2]>,
    pool: Pool,
}

impl<'a> Grower<'a> {
    fn new(data: &'a Binned, params: &'a GbmParams, n_cols: usize) -> Grower<'a> {
        Grower {
            data,
            params,
            rules: Rules::new(params),
            idx: Vec::with_capacity(data.n_rows),
            tmp: Vec::new(),
            ogh: Vec::new(),
            pool: Pool {
                slots: Vec::new(),
                free: Vec::new(),
                len: n_cols * STRIDE,
            },
        }
    }

    fn splittable(&self, leaf: &GrowLeaf) -> bool {
        leaf.sums.n >= 2 * self.rules.min_data
            && self.params.max_depth.is_none_or(|d| leaf.depth < d)
    }

    /// Histogram of the leaf's rows into `slot` and its best split.
    fn build(&mut self, slot: usize, leaf: &GrowLeaf, gh: &[[f64; 2]]) -> Option<Cand> {
        let rows = &self.idx[leaf.start..leaf.end];
        let all = rows.len() == self.data.n_rows;
        if !all {
            self.ogh.clear();
            self.ogh.extend(rows.iter().map(|&r| gh[r as usize]));
        }
        let hist = &mut self.pool.slots[slot];
        let rows = if all {
            None
        } else {
            Some((rows, &self.ogh[..]))
        };
        build_and_find(self.data, &self.rules, hist, rows, gh, leaf.sums)
    }

    /// Grows one tree on the gradients `gh`; `None` when the root cannot be split.
    /// On success `self.idx` holds each leaf's rows and the leaves are returned as
    /// [`FinalLeaf`]s.
    fn grow(&mut self, gh: &[[f64; 2]]) -> Option<(Tree, Vec<FinalLeaf>)> {
        let n = self.data.n_rows;
        self.idx.clear();
        self.idx.extend(0..n as u32);
        let root_sums = gh.iter().fold(Sums::default(), |s, g| Sums {
            g: s.g + g[0],
            h: s.h + g[1],
            n: s.n + 1,
        });
        let mut nodes = vec![Node::Leaf { value: 0.0 }];
        let mut leaves = vec![GrowLeaf {
            start: 0,
            end: n,
            depth: 0,
            sums: root_sums,
            node: 0,
            slot: None,
            best: None,
        }];
        if self.splittable(&leaves[0]) {
            let slot = self.pool.take();
            let best = self.build(slot, &leaves[0], gh);
            self.keep_or_free(&mut leaves[0], slot, best);
        }
        while leaves.len() < self.params.num_leaves {
            // The leaf with the largest gain; the first of equal gains.
            let mut pick: Option<(usize, f64)> = None;
            for (k, l) in leaves.iter().enumerate() {
                if let Some(c) = l.best
                    && pick.is_none_or(|(_, g)| c.gain > g)
                {
                    pick = Some((k, c.gain));
                }
            }
            let Some((k, _)) = pick else { break };
            let (left, right) = self.split(&mut nodes, leaves[k], gh);
            leaves[k] = left;
            leaves.push(right);
        }
        for l in &leaves {
            if let Some(s) = l.slot {
                self.pool.give(s);
            }
        }
        if leaves.len() == 1 {
            return None;
        }
        let lr = self.params.learning_rate;
        let mut out = Vec::with_capacity(leaves.len());
        for l in &leaves {
            let value = lr * self.rules.leaf_value(l.sums);
            nodes[l.node] = Node::Leaf { value };
            out.push(FinalLeaf {
                start: l.start,
                end: l.end,
                value,
            });
        }
        Some((Tree { nodes }, out))
    }

    fn keep_or_free(&mut self, leaf: &mut GrowLeaf, slot: usize, best: Option<Cand>) {
        if best.is_some() {
            leaf.best = best;
            leaf.slot = Some(slot);
        } else {
            self.pool.give(slot);
        }
    }

    /// Splits `leaf` by its best candidate: partitions its rows, records the node and
    /// finds the children's best splits (smaller child built, larger by subtraction).
    fn split(
        &mut self,
        nodes: &mut Vec<Node>,
        leaf: GrowLeaf,
        gh: &[[f64; 2]],
    ) -> (GrowLeaf, GrowLeaf) {
        let (Some(c), Some(parent_slot)) = (leaf.best, leaf.slot) else {
            // Only leaves with a candidate (which always hold a slot) are split.
            return (leaf, leaf);
        };
        // Stable partition: left rows compacted in place, right rows through `tmp`.
        let col = self.data.column(c.feature);
        let miss = self.data.n_bins(c.feature);
        self.tmp.clear();
        let mut w = leaf.start;
        for i in leaf.start..leaf.end {
            let r = self.idx[i];
            let b = usize::from(col[r as usize]);
            let go_left = if b == miss {
                c.default_left
            } else {
                b <= c.bin
            };
            if go_left {
                self.idx[w] = r;
                w += 1;
            } else {
                self.tmp.push(r);
            }
        }
        self.idx[w..leaf.end].copy_from_slice(&self.tmp);
        debug_assert_eq!((w - leaf.start) as u64, c.left.n);

        let l_node = nodes.len();
        nodes.push(Node::Leaf { value: 0.0 });
        nodes.push(Node::Leaf { value: 0.0 });
        nodes[leaf.node] = Node::Split {
            feature: c.feature as u32,
            threshold: self.data.threshold(c.feature, c.bin),
            default_left: c.default_left,
            left: l_node as u32,
            right: (l_node + 1) as u32,
        };
        let child = |start, end, sums, node| GrowLeaf {
            start,
            end,
            depth: leaf.depth + 1,
            sums,
            node,
            slot: None,
            best: None,
        };
        let mut left = child(leaf.start, w, c.left, l_node);
        let mut right = child(w, leaf.end, c.right, l_node + 1);

        let left_smaller = left.sums.n <= right.sums.n;
        let (small, big) = if left_smaller {
            (&mut left, &mut right)
        } else {
            (&mut right, &mut left)
        };
        let small_ok = self.splittable(small);
        let big_ok = self.splittable(big);
        if big_ok {
            let s_slot = self.pool.take();
            let s_best = self.build(s_slot, small, gh);
            let s_hist = std::mem::take(&mut self.pool.slots[s_slot]);
            let b_best = subtract_and_find(
                self.data,
                &self.rules,
                &mut self.pool.slots[parent_slot],
                &s_hist,
                big.sums,
            );
            self.pool.slots[s_slot] = s_hist;
            self.keep_or_free(big, parent_slot, b_best);
            if small_ok {
                self.keep_or_free(small, s_slot, s_best);
            } else {
                self.pool.give(s_slot);
            }
        } else if small_ok {
            let s_best = self.build(parent_slot, small, gh);
            self.keep_or_free(small, parent_slot, s_best);
        } else {
            self.pool.give(parent_slot);
        }
        (left, right)
    }
}

// ---------------------------------------------------------------- boosting

/// The loss being boosted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Objective {
    /// Binary log loss on a logit raw score.
    Binary,
    /// Squared error.
    L2,
}

/// A fitted ensemble: the raw score is `init_score` plus each tree's leaf value, in
/// round order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Booster {
    format: String,
    objective: Objective,
    n_features: usize,
    init_score: f64,
    trees: Vec<Tree>,
}

fn model_err(e: impl std::fmt::Display) -> MlError {
    MlError::Model {
        model: MODEL,
        reason: e.to_string(),
    }
}

impl Booster {
    fn fit(
        params: &GbmParams,
        objective: Objective,
        x: &[f64],
        n_cols: usize,
        y: &[f64],
        seed: u64,
    ) -> Result<Booster> {
        params.validate()?;
        let n = check_xy(MODEL, x, n_cols, y)?;
        if u32::try_from(n).is_err() {
            return Err(invalid("x", format!("{MODEL}: {n} rows exceed 2^32 - 1")));
        }
        let run = || Booster::train(params, objective, x, n, n_cols, y, seed);
        let booster = match params.num_threads {
            None => run()?,
            Some(k) => rayon::ThreadPoolBuilder::new()
                .num_threads(k)
                .build()
                .map_err(model_err)?
                .install(run)?,
        };
        // The checks a loaded model passes hold for a fitted one too (a leaf overflowing
        // to ±inf would otherwise serialise as JSON `null` and never load back).
        booster.check()?;
        Ok(booster)
    }

    fn train(
        params: &GbmParams,
        objective: Objective,
        x: &[f64],
        n: usize,
        n_cols: usize,
        y: &[f64],
        seed: u64,
    ) -> Result<Booster> {
        let mean = y.iter().sum::<f64>() / n as f64;
        // boost_from_average: the constant that minimises the loss.
        let init_score = match objective {
            Objective::Binary => (mean / (1.0 - mean)).ln(),
            Objective::L2 => mean,
        };
        if !init_score.is_finite() {
            // Finite targets whose sum overflows (|y| near f64::MAX); 0/1 labels with
            // both classes always give a finite log-odds.
            return Err(invalid(
                "y",
                format!("{MODEL}: the mean of the targets is {mean} (too large to sum)"),
            ));
        }
        let data = Binned::new(x, n, n_cols, params, seed);
        let mut score = vec![init_score; n];
        let mut gh = vec![[0.0f64; 2]; n];
        let mut grower = Grower::new(&data, params, n_cols);
        let mut trees = Vec::with_capacity(params.n_rounds);
        for _ in 0..params.n_rounds {
            gh.par_iter_mut()
                .zip(score.par_iter().zip(y.par_iter()))
                .for_each(|(g, (&s, &t))| {
                    *g = match objective {
                        Objective::Binary => {
                            let p = sigmoid(s);
                            [p - t, p * (1.0 - p)]
                        }
                        Objective::L2 => [s - t, 1.0],
                    };
                });
            let Some((tree, leaves)) = grower.grow(&gh) else {
                break;
            };
            if let Some(l) = leaves.iter().find(|l| !l.value.is_finite()) {
                return Err(model_err(format!(
                    "round {}: a leaf value is {} (learning rate {} or targets too large)",
                    trees.len(),
                    l.value,
                    params.learning_rate
                )));
            }
            for FinalLeaf { start, end, value } in leaves {
                for &r in &grower.idx[start..end] {
                    score[r as usize] += value;
                }
            }
            trees.push(tree);
        }
        Ok(Booster {
            format: FORMAT.to_string(),
            objective,
            n_features: n_cols,
            init_score,
            trees,
        })
    }

    fn raw(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        check_x(MODEL, x, n_cols)?;
        check_width(MODEL, n_cols, self.n_features)?;
        Ok(x.par_chunks_exact(n_cols)
            .map(|row| {
                self.trees
                    .iter()
                    .fold(self.init_score, |s, t| s + t.predict_row(row))
            })
            .collect())
    }

    fn n_leaves(&self) -> usize {
        self.trees.iter().map(Tree::n_leaves).sum()
    }

    fn to_bytes(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(model_err)
    }

    /// Reads a model and checks that it is one of ours and of the expected objective,
    /// then [`Booster::check`]s it.
    fn from_bytes(bytes: &[u8], objective: Objective) -> Result<Booster> {
        let b: Booster = serde_json::from_slice(bytes).map_err(model_err)?;
        if b.format != FORMAT {
            return Err(model_err(format!(
                "format {:?}, expected {FORMAT:?}",
                b.format
            )));
        }
        if b.objective != objective {
            return Err(model_err(format!(
                "a {:?} model, expected {objective:?}",
                b.objective
            )));
        }
        b.check()?;
        Ok(b)
    }

    /// Checks that the initial score and every leaf are finite and every tree is well
    /// formed (children after their parent, features in range), so prediction always
    /// terminates and never returns NaN for a finite row.
    fn check(&self) -> Result<()> {
        let b = self;
        if !b.init_score.is_finite() {
            return Err(model_err("non-finite initial score"));
        }
        for (t, tree) in b.trees.iter().enumerate() {
            if tree.nodes.is_empty() {
                return Err(model_err(format!("tree {t} has no nodes")));
            }
            for (i, node) in tree.nodes.iter().enumerate() {
                let ok = match node {
                    Node::Leaf { value } => value.is_finite(),
                    Node::Split {
                        feature,
                        threshold,
                        left,
                        right,
                        ..
                    } => {
                        (*feature as usize) < b.n_features
                            && !threshold.is_nan()
                            && [*left, *right]
                                .iter()
                                .all(|&c| (c as usize) > i && (c as usize) < tree.nodes.len())
                    }
                };
                if !ok {
                    return Err(model_err(format!("tree {t}, node {i} is malformed")));
                }
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- public

/// A gradient-boosting classifier on the binary log loss (win probability); see the
/// module page for the algorithm.
#[derive(Debug, Clone, PartialEq)]
pub struct GbmClassifier {
    booster: Booster,
}

impl GbmClassifier {
    /// Fits with explicit hyper-parameters; labels must be 0/1 with both classes.
    /// `x` is row-major with `n_cols` columns; NaN marks a missing value.
    pub fn fit_with(
        params: &GbmParams,
        x: &[f64],
        n_cols: usize,
        y: &[f64],
        seed: u64,
    ) -> Result<GbmClassifier> {
        check_xy(MODEL, x, n_cols, y)?;
        check_binary(MODEL, y)?;
        Ok(GbmClassifier {
            booster: Booster::fit(params, Objective::Binary, x, n_cols, y, seed)?,
        })
    }

    /// The number of boosted trees (fewer than `n_rounds` when boosting stopped early).
    #[must_use]
    pub fn n_trees(&self) -> usize {
        self.booster.trees.len()
    }

    /// The number of leaves summed over all trees.
    #[must_use]
    pub fn n_leaves(&self) -> usize {
        self.booster.n_leaves()
    }

    /// The raw score every prediction starts from: the log-odds of the training base rate.
    #[must_use]
    pub fn init_score(&self) -> f64 {
        self.booster.init_score
    }

    /// The raw scores (log-odds) of each row, before the sigmoid; LightGBM's
    /// `predict(raw_score=True)`.
    pub fn predict_raw(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        self.booster.raw(x, n_cols)
    }
}

impl Classifier for GbmClassifier {
    fn fit(x: &[f64], n_cols: usize, y: &[f64], seed: u64) -> Result<GbmClassifier> {
        GbmClassifier::fit_with(&GbmParams::default(), x, n_cols, y, seed)
    }

    fn predict_proba(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        let mut raw = self.booster.raw(x, n_cols)?;
        for v in &mut raw {
            *v = sigmoid(*v);
        }
        Ok(raw)
    }

    fn n_features(&self) -> usize {
        self.booster.n_features
    }

    fn kind(&self) -> ModelKind {
        ModelKind::Gbm
    }

    /// The model as JSON (format `thetalab-gbm/1`); floats round-trip exactly.
    fn to_bytes(&self) -> Result<Vec<u8>> {
        self.booster.to_bytes()
    }

    fn from_bytes(bytes: &[u8]) -> Result<GbmClassifier> {
        Ok(GbmClassifier {
            booster: Booster::from_bytes(bytes, Objective::Binary)?,
        })
    }
}

/// A gradient-boosting regressor on the squared loss, for exit and risk targets.
#[derive(Debug, Clone, PartialEq)]
pub struct GbmRegressor {
    booster: Booster,
}

impl GbmRegressor {
    /// Fits with explicit hyper-parameters; targets must be finite. `x` is row-major
    /// with `n_cols` columns; NaN marks a missing value.
    pub fn fit_with(
        params: &GbmParams,
        x: &[f64],
        n_cols: usize,
        y: &[f64],
        seed: u64,
    ) -> Result<GbmRegressor> {
        Ok(GbmRegressor {
            booster: Booster::fit(params, Objective::L2, x, n_cols, y, seed)?,
        })
    }

    /// The number of boosted trees (fewer than `n_rounds` when boosting stopped early).
    #[must_use]
    pub fn n_trees(&self) -> usize {
        self.booster.trees.len()
    }

    /// The number of leaves summed over all trees.
    #[must_use]
    pub fn n_leaves(&self) -> usize {
        self.booster.n_leaves()
    }

    /// The constant every prediction starts from: the training mean.
    #[must_use]
    pub fn init_score(&self) -> f64 {
        self.booster.init_score
    }

    /// The number of feature columns the model was trained on.
    #[must_use]
    pub fn n_features(&self) -> usize {
        self.booster.n_features
    }
}

impl Regressor for GbmRegressor {
    fn fit(x: &[f64], n_cols: usize, y: &[f64], seed: u64) -> Result<GbmRegressor> {
        GbmRegressor::fit_with(&GbmParams::default(), x, n_cols, y, seed)
    }

    fn predict(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        self.booster.raw(x, n_cols)
    }

    /// The model as JSON (format `thetalab-gbm/1`); floats round-trip exactly.
    fn to_bytes(&self) -> Result<Vec<u8>> {
        self.booster.to_bytes()
    }

    fn from_bytes(bytes: &[u8]) -> Result<GbmRegressor> {
        Ok(GbmRegressor {
            booster: Booster::from_bytes(bytes, Objective::L2)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> GbmParams {
        GbmParams::default()
    }

    #[test]
    fn binning_puts_nan_in_its_own_bin_and_cuts_at_midpoints() {
        let x = [1.0, 3.0, f64::NAN, 2.0, 3.0];
        let one = GbmParams {
            min_data_in_bin: 1,
            ..params()
        };
        let b = Binned::new(&x, 5, 1, &one, 0);
        assert_eq!(b.upper[0], vec![1.5, 2.5]);
        assert_eq!(b.column(0), &[0, 2, 3, 1, 2]);
        assert_eq!(b.n_bins(0), 3);
        assert_eq!(b.threshold(0, 1), 2.5);
        assert_eq!(b.threshold(0, 2), f64::MAX);
        // Infinities fall in the outermost value bins, like ±f64::MAX at prediction.
        assert_eq!(code(f64::INFINITY, &b.upper[0]), 2);
        assert_eq!(code(f64::NEG_INFINITY, &b.upper[0]), 0);
        // An all-missing column has one (empty) value bin and the missing bin.
        let b = Binned::new(&[f64::NAN, f64::NAN], 2, 1, &params(), 0);
        assert_eq!(b.column(0), &[1, 1]);
    }

    #[test]
    fn rare_values_share_a_bin_with_their_upper_neighbours() {
        // Counts per distinct value 1..=6: 4, 2, 1, 5, 2, 1. With min_data_in_bin = 3
        // (LightGBM's GreedyFindBin rule) the cuts are after 1 (4 rows), after 3 (2 + 1
        // rows), after 4 (5 rows), and the last bin keeps 5 and 6 (3 rows).
        let mut x = Vec::new();
        for (v, k) in [(1.0, 4), (2.0, 2), (3.0, 1), (4.0, 5), (5.0, 2), (6.0, 1)] {
            x.extend(std::iter::repeat_n(v, k));
        }
        x.push(f64::NAN);
        let b = Binned::new(&x, x.len(), 1, &params(), 0);
        assert_eq!(b.upper[0], vec![1.5, 3.5, 4.5]);
        assert_eq!(
            b.column(0),
            &[0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 4]
        );
    }

    #[test]
    fn binning_sample_is_seeded_and_bounded() {
        let s = sample_rows(1000, 10, 3);
        assert_eq!(s.len(), 10);
        assert!(s.windows(2).all(|w| w[0] < w[1]) && s[9] < 1000);
        assert_eq!(s, sample_rows(1000, 10, 3));
        assert_ne!(s, sample_rows(1000, 10, 4));
    }

    /// Brute force: every threshold between distinct values, NaN left or right, sums
    /// taken directly over the rows.
    fn brute_force(x: &[f64], g: &[f64], h: &[f64], rules: &Rules) -> f64 {
        let total = |sel: &dyn Fn(usize) -> bool| {
            let mut s = Sums::default();
            for i in 0..x.len() {
                if sel(i) {
                    s = s.plus(Sums {
                        g: g[i],
                        h: h[i],
                        n: 1,
                    });
                }
            }
            s
        };
        let parent = total(&|_| true);
        let mut vals: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
        vals.sort_by(f64::total_cmp);
        vals.dedup();
        let mut best = f64::NEG_INFINITY;
        for &t in &vals {
            for nan_left in [false, true] {
                let l = total(&|i| if x[i].is_nan() { nan_left } else { x[i] <= t });
                let r = total(&|i| !(if x[i].is_nan() { nan_left } else { x[i] <= t }));
                if rules.admissible(l) && rules.admissible(r) {
                    let gain = rules.leaf_gain(l) + rules.leaf_gain(r) - rules.leaf_gain(parent);
                    best = best.max(gain);
                }
            }
        }
        best
    }

    #[test]
    fn histogram_search_finds_the_brute_force_best_split() {
        let mut rng = Rng::new(5);
        for case in 0..20 {
            let n = 60;
            let x: Vec<f64> = (0..n)
                .map(|_| {
                    if rng.next_f64() < 0.2 {
                        f64::NAN
                    } else {
                        (rng.next_f64() * 12.0).floor()
                    }
                })
                .collect();
            let g: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            let h: Vec<f64> = (0..n).map(|_| 0.05 + rng.next_f64()).collect();
            let p = GbmParams {
                min_data_in_leaf: 1 + case % 7,
                // Every distinct value its own bin, as the brute force assumes.
                min_data_in_bin: 1,
                lambda_l2: (case % 3) as f64,
                ..params()
            };
            let rules = Rules::new(&p);
            let data = Binned::new(&x, n, 1, &p, 0);
            let gh: Vec<[f64; 2]> = g.iter().zip(&h).map(|(a, b)| [*a, *b]).collect();
            let parent = gh.iter().fold(Sums::default(), |s, v| {
                s.plus(Sums {
                    g: v[0],
                    h: v[1],
                    n: 1,
                })
            });
            let mut hist = vec![Sums::default(); STRIDE];
            let c = build_and_find(&data, &rules, &mut hist, None, &gh, parent);
            let want = brute_force(&x, &g, &h, &rules);
            match c {
                Some(c) => assert!((c.gain - want).abs() < 1e-9 * want.abs().max(1.0), "{case}"),
                None => assert!(want <= 0.0, "{case}: missed gain {want}"),
            }
        }
    }

    #[test]
    fn subtraction_equals_building_the_sibling() {
        let mut rng = Rng::new(8);
        let n = 500;
        let x: Vec<f64> = (0..n * 2).map(|_| rng.normal()).collect();
        let gh: Vec<[f64; 2]> = (0..n).map(|_| [rng.normal(), rng.next_f64()]).collect();
        let p = params();
        let data = Binned::new(&x, n, 2, &p, 0);
        let rules = Rules::new(&p);
        let rows: Vec<u32> = (0..n as u32).collect();
        let (a, b) = rows.split_at(200);
        let sum = |rs: &[u32]| {
            rs.iter().fold(Sums::default(), |s, &r| {
                s.plus(Sums {
                    g: gh[r as usize][0],
                    h: gh[r as usize][1],
                    n: 1,
                })
            })
        };
        let og = |rs: &[u32]| rs.iter().map(|&r| gh[r as usize]).collect::<Vec<_>>();
        let mut parent = vec![Sums::default(); 2 * STRIDE];
        build_and_find(&data, &rules, &mut parent, None, &gh, sum(&rows));
        let mut ha = vec![Sums::default(); 2 * STRIDE];
        build_and_find(&data, &rules, &mut ha, Some((a, &og(a))), &gh, sum(a));
        let mut hb = vec![Sums::default(); 2 * STRIDE];
        let direct = build_and_find(&data, &rules, &mut hb, Some((b, &og(b))), &gh, sum(b));
        let via = subtract_and_find(&data, &rules, &mut parent, &ha, sum(b));
        for (u, v) in parent.iter().zip(&hb) {
            assert_eq!(u.n, v.n);
            assert!((u.g - v.g).abs() < 1e-9 && (u.h - v.h).abs() < 1e-9);
        }
        let (direct, via) = (direct.unwrap(), via.unwrap());
        assert_eq!((direct.feature, direct.bin), (via.feature, via.bin));
    }

    #[test]
    fn invalid_params_are_errors() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let y = [0.0, 1.0, 0.0, 1.0];
        for p in [
            GbmParams {
                n_rounds: 0,
                ..params()
            },
            GbmParams {
                learning_rate: f64::NAN,
                ..params()
            },
            GbmParams {
                num_leaves: 1,
                ..params()
            },
            GbmParams {
                max_depth: Some(0),
                ..params()
            },
            GbmParams {
                min_data_in_leaf: 0,
                ..params()
            },
            GbmParams {
                lambda_l2: -1.0,
                ..params()
            },
            GbmParams {
                max_bin: 256,
                ..params()
            },
            GbmParams {
                num_threads: Some(0),
                ..params()
            },
        ] {
            assert!(GbmClassifier::fit_with(&p, &x, 1, &y, 0).is_err(), "{p:?}");
        }
    }

    #[test]
    fn malformed_models_are_rejected_on_load() {
        let p = GbmParams {
            min_data_in_leaf: 1,
            ..params()
        };
        let x = [0.0, 1.0, 2.0, 3.0];
        let m = GbmRegressor::fit_with(&p, &x, 1, &[0.0, 0.0, 1.0, 1.0], 0).unwrap();
        let mut b = m.booster.clone();
        b.trees[0].nodes[0] = Node::Split {
            feature: 0,
            threshold: 0.5,
            default_left: true,
            left: 0, // a cycle
            right: 1,
        };
        let bytes = serde_json::to_vec(&b).unwrap();
        assert!(GbmRegressor::from_bytes(&bytes).is_err());
        // A regressor is not a classifier.
        assert!(GbmClassifier::from_bytes(&m.to_bytes().unwrap()).is_err());
        assert!(GbmRegressor::from_bytes(b"{}").is_err());
    }

    #[test]
    fn overflowing_targets_or_leaves_are_errors_not_nan_models() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let p = GbmParams {
            min_data_in_leaf: 1,
            ..params()
        };
        // Finite targets whose sum overflows: the mean (the initial score) is +inf.
        let err = GbmRegressor::fit_with(&p, &x, 1, &[1e308; 4], 0).unwrap_err();
        assert!(err.to_string().contains("mean of the targets"), "{err}");
        // A leaf's Newton step is −G/H = ±500 here; times a learning rate of 1e306 it
        // overflows f64 and the model would predict ±inf (and serialise as `null`).
        let huge = GbmParams {
            learning_rate: 1e306,
            ..p
        };
        let y = [0.0, 0.0, 1000.0, 1000.0];
        let err = GbmRegressor::fit_with(&huge, &x, 1, &y, 0).unwrap_err();
        assert!(err.to_string().contains("leaf value is"), "{err}");
        // The same data at a sane rate fits, and its model passes the load checks.
        let m = GbmRegressor::fit_with(&p, &x, 1, &y, 0).unwrap();
        assert!(m.booster.check().is_ok());
    }

    #[test]
    fn nan_unseen_in_training_goes_to_the_side_with_more_rows() {
        // x = 0..100 with no missing value; the classes split at 70 (or 30), so the one
        // split of a one-round, two-leaf model is at 69.5 (29.5). NaN at prediction has
        // no learned direction and must land in the larger child (documented in the
        // module page; LightGBM would read it as 0 instead).
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let p = GbmParams {
            n_rounds: 1,
            num_leaves: 2,
            ..params()
        };
        for (cut, larger_side) in [(70, 0.0), (30, 99.0)] {
            let y: Vec<f64> = (0..100).map(|i| f64::from(u8::from(i >= cut))).collect();
            let m = GbmClassifier::fit_with(&p, &x, 1, &y, 0).unwrap();
            let raw = m
                .predict_raw(&[f64::NAN, larger_side, 99.0 - larger_side], 1)
                .unwrap();
            assert_eq!(raw[0].to_bits(), raw[1].to_bits(), "cut {cut}: {raw:?}");
            assert_ne!(raw[0], raw[2], "cut {cut}: {raw:?}");
        }
    }

    #[test]
    fn partition_keeps_rows_in_order_and_the_thread_count_does_not_matter() {
        let mut rng = Rng::new(2);
        let n = 400;
        let x: Vec<f64> = (0..n * 3)
            .map(|i| if i % 17 == 0 { f64::NAN } else { rng.normal() })
            .collect();
        let y: Vec<f64> = (0..n)
            .map(|i| f64::from(u8::from(x[i * 3] > 0.0)))
            .collect();
        let p = GbmParams {
            n_rounds: 5,
            ..params()
        };
        let data = Binned::new(&x, n, 3, &p, 0);
        let mut g = Grower::new(&data, &p, 3);
        let gh: Vec<[f64; 2]> = y.iter().map(|t| [0.5 - t, 0.25]).collect();
        let (_, leaves) = g.grow(&gh).unwrap();
        for FinalLeaf {
            start: s, end: e, ..
        } in leaves
        {
            assert!(g.idx[s..e].windows(2).all(|w| w[0] < w[1]));
        }
        let one = GbmClassifier::fit_with(
            &GbmParams {
                num_threads: Some(1),
                ..p
            },
            &x,
            3,
            &y,
            0,
        )
        .unwrap();
        let two = GbmClassifier::fit_with(
            &GbmParams {
                num_threads: Some(2),
                ..p
            },
            &x,
            3,
            &y,
            0,
        )
        .unwrap();
        assert_eq!(one, two);
    }
}
