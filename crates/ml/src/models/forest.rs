//! Random forest classifier (Breiman, "Random Forests", Machine Learning 45, 2001):
//! bootstrap samples, one fully grown CART tree per sample with a fresh random subset of
//! `max_features` candidate features at every split, Gini impurity, and class-1 leaf
//! fractions averaged over the trees — the estimator scikit-learn's
//! `RandomForestClassifier` implements, with the same defaults (100 trees,
//! `max_features = sqrt(p)`, unlimited depth, `min_samples_leaf = 1`,
//! `min_samples_split = 2`).
//!
//! Speed: each feature is discretised once into at most 256 quantile bins (as LightGBM
//! and scikit-learn's `HistGradientBoosting` do), so a split search is one pass over the
//! node's rows into a 256-bin histogram instead of a sort; nodes with few rows are
//! searched by sorting their bins instead. Trees are grown in parallel with rayon, each
//! from its own seeded stream (`seed`, tree index), so the forest does not depend on the
//! thread count. Split thresholds are stored as real values (the midpoint between the
//! largest training value of the left bins and the smallest of the right ones, as
//! scikit-learn does), so prediction needs no binning.
//!
//! Differences from scikit-learn worth knowing: candidate split points are the bin edges
//! (≤ 255 per feature) rather than every distinct value, and with more than 256 distinct
//! values per feature results differ slightly; training rows must be complete (no NaN);
//! a row with a non-finite value predicts NaN (no guess for incomplete rows).

use rayon::prelude::*;

use super::rng::Rng;
use super::{Classifier, ModelKind, check_binary, check_finite, check_width, check_x, check_xy};
use crate::error::{MlError, Result};

const MODEL: &str = "random-forest";
const MAGIC: &[u8; 8] = b"TLRF0001";
const LEAF: u32 = u32::MAX;
/// Nodes with at most this many distinct in-bag rows are searched by sorting, not by
/// a 256-bin histogram (clearing and scanning the histogram would dominate).
const SMALL_NODE: usize = 192;

/// How many features each split may consider.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxFeatures {
    /// `floor(sqrt(p))`, at least 1 (scikit-learn's classifier default, `"sqrt"`).
    Sqrt,
    /// `floor(log2(p))`, at least 1.
    Log2,
    /// A fixed count (clamped to `1..=p`).
    Count(usize),
    /// All features (bagged trees).
    All,
}

impl MaxFeatures {
    fn resolve(self, p: usize) -> usize {
        let m = match self {
            MaxFeatures::Sqrt => (p as f64).sqrt().floor() as usize,
            MaxFeatures::Log2 => (p as f64).log2().floor() as usize,
            MaxFeatures::Count(k) => k,
            MaxFeatures::All => p,
        };
        m.clamp(1, p.max(1))
    }
}

/// Hyper-parameters of [`RandomForest`]; the defaults are scikit-learn's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForestParams {
    /// Number of trees (default 100).
    pub n_trees: usize,
    /// Features tried per split (default `sqrt`).
    pub max_features: MaxFeatures,
    /// Maximum depth; `None` grows until leaves are pure or too small (default).
    pub max_depth: Option<usize>,
    /// A node with fewer (bootstrap-weighted) samples is not split (default 2).
    pub min_samples_split: usize,
    /// Each child must keep at least this many (bootstrap-weighted) samples (default 1).
    pub min_samples_leaf: usize,
    /// Draw a bootstrap sample per tree (default true); `false` trains every tree on all
    /// rows (randomness then comes from the feature subsets only).
    pub bootstrap: bool,
    /// Bins per feature, 2..=256 (default 256).
    pub max_bins: usize,
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_trees: 100,
            max_features: MaxFeatures::Sqrt,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            bootstrap: true,
            max_bins: 256,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    /// Split feature, or [`LEAF`].
    feature: u32,
    left: u32,
    right: u32,
    /// Rows with `x[feature] <= threshold` go left.
    threshold: f64,
    /// Leaf: the bootstrap-weighted fraction of class 1.
    value: f64,
}

#[derive(Debug, Clone, PartialEq)]
struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    fn predict_row(&self, row: &[f64]) -> f64 {
        let mut i = 0usize;
        loop {
            let Some(node) = self.nodes.get(i) else {
                return f64::NAN;
            };
            if node.feature == LEAF {
                return node.value;
            }
            let v = row.get(node.feature as usize).copied().unwrap_or(f64::NAN);
            i = if v <= node.threshold {
                node.left as usize
            } else {
                node.right as usize
            };
        }
    }
}

/// A fitted random forest; see the module page for the algorithm.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomForest {
    n_features: usize,
    trees: Vec<Tree>,
}

/// Features discretised into quantile bins, stored column-major.
struct Binned {
    n_rows: usize,
    /// `bins[f * n_rows + r]`.
    bins: Vec<u8>,
    /// Per feature, the real thresholds between consecutive bins: bin `b` holds values
    /// in `(thresholds[b - 1], thresholds[b]]`.
    thresholds: Vec<Vec<f64>>,
}

impl Binned {
    fn new(x: &[f64], n_rows: usize, n_cols: usize, max_bins: usize) -> Binned {
        let (bins, thresholds) = bin_columns(x, n_rows, n_cols, |col| {
            let thresholds = bin_thresholds(col, max_bins);
            let bins = col.iter().map(|&v| value_bin(v, &thresholds)).collect();
            (bins, thresholds)
        });
        Binned {
            n_rows,
            bins,
            thresholds,
        }
    }
}

/// Bins every column of the row-major `x` (`n_rows × n_cols`) with `bin_col`, which maps
/// one column's values (all rows, in row order) to its per-row codes and its bin edges.
/// Returns the codes feature-major (`codes[f * n_rows + r]`) and the edges per feature.
/// Shared by the forest and the gradient-boosting binner. Columns are copied out of the
/// row-major input 8 at a time, row by row (one 64-byte line per row) rather than with
/// a 1-value stride; rayon runs over the groups, and each column's result depends on
/// that column alone, so the output does not depend on the thread count.
pub(crate) fn bin_columns<F>(
    x: &[f64],
    n_rows: usize,
    n_cols: usize,
    bin_col: F,
) -> (Vec<u8>, Vec<Vec<f64>>)
where
    F: Fn(&[f64]) -> (Vec<u8>, Vec<f64>) + Sync,
{
    const CHUNK: usize = 8;
    let per_feature: Vec<(Vec<u8>, Vec<f64>)> = (0..n_cols.div_ceil(CHUNK))
        .into_par_iter()
        .flat_map_iter(|c| {
            let f0 = c * CHUNK;
            let w = CHUNK.min(n_cols - f0);
            // Not `vec![Vec::with_capacity(n_rows); w]`: cloning an empty Vec drops its
            // capacity, so all but one column would grow by reallocation.
            let mut cols: Vec<Vec<f64>> = (0..w).map(|_| Vec::with_capacity(n_rows)).collect();
            for row in x.chunks_exact(n_cols).take(n_rows) {
                for (col, &v) in cols.iter_mut().zip(&row[f0..f0 + w]) {
                    col.push(v);
                }
            }
            cols.into_iter().map(|col| bin_col(&col))
        })
        .collect();
    let mut codes = Vec::with_capacity(n_rows * n_cols);
    let mut edges = Vec::with_capacity(n_cols);
    for (c, e) in per_feature {
        codes.extend_from_slice(&c);
        edges.push(e);
    }
    (codes, edges)
}

/// The value bin of a non-NaN `v` given the sorted upper bin edges `edges`: the number
/// of edges below it, so `v ≤ edges[b]` ⟺ bin ≤ `b`. Fits a `u8` because
/// [`bin_thresholds`] returns at most `max_bins − 1 ≤ 255` edges.
pub(crate) fn value_bin(v: f64, edges: &[f64]) -> u8 {
    edges.partition_point(|&t| t < v) as u8
}

/// At most `max_bins - 1` thresholds splitting the sorted values into bins of roughly
/// equal counts; each threshold is the midpoint between two consecutive distinct values.
/// `col` must hold finite values only. Shared with the gradient-boosting binner
/// ([`super::gbm`]), so both learners cut features the same way.
pub(crate) fn bin_thresholds(col: &[f64], max_bins: usize) -> Vec<f64> {
    // Sorted as integers: the bit pattern with the magnitude bits flipped for negative
    // values orders like `f64::total_cmp` (an involution, so it also maps back); an
    // integer sort avoids the comparator call (a one-off timing, not a criterion bench;
    // the forest and gbm fits that include it are timed by `--bench models`).
    let key = |v: f64| {
        let b = v.to_bits() as i64;
        b ^ (((b >> 63) as u64) >> 1) as i64
    };
    let mut keys: Vec<i64> = col.iter().map(|&v| key(v)).collect();
    keys.sort_unstable();
    let sorted: Vec<f64> = keys
        .into_iter()
        .map(|k| f64::from_bits(key(f64::from_bits(k as u64)) as u64))
        .collect();
    let mut distinct = sorted.clone();
    distinct.dedup();
    let n = sorted.len();
    let candidates: Vec<f64> = if distinct.len() <= max_bins {
        distinct.clone()
    } else {
        let mut c: Vec<f64> = (1..max_bins).map(|b| sorted[b * n / max_bins]).collect();
        c.dedup();
        c
    };
    let mut out = Vec::with_capacity(candidates.len());
    for v in candidates {
        // The smallest distinct value above v; none for the maximum.
        let j = distinct.partition_point(|&d| d <= v);
        if let Some(&next) = distinct.get(j) {
            let mut t = v + (next - v) / 2.0;
            if !t.is_finite() {
                // `next - v` overflowed (values near ±f64::MAX): halve first.
                t = v / 2.0 + next / 2.0;
            }
            if out.last().is_none_or(|&last| t > last) {
                out.push(t);
            }
        }
    }
    out
}

/// Per-tree scratch buffers, reused across nodes.
struct Scratch {
    hist: Vec<[u32; 2]>,
    small: Vec<(u8, u32, u32)>,
    feats: Vec<usize>,
}

struct Split {
    feature: usize,
    bin: usize,
    score: f64,
}

struct Grower<'a> {
    data: &'a Binned,
    /// Per row: bootstrap weight of class 0 and class 1 (one of them is zero).
    w: &'a [[u32; 2]],
    params: &'a ForestParams,
    mtry: usize,
    n_cols: usize,
}

impl Grower<'_> {
    fn grow(&self, mut idx: Vec<u32>, rng: &mut Rng) -> Tree {
        let mut nodes: Vec<Node> = Vec::new();
        let mut scratch = Scratch {
            hist: vec![[0u32; 2]; 256],
            small: Vec::new(),
            feats: (0..self.n_cols).collect(),
        };
        // (node index, start, end, depth)
        let mut stack: Vec<(usize, usize, usize, usize)> = Vec::new();
        nodes.push(leaf(0.0));
        let len = idx.len();
        stack.push((0, 0, len, 0));
        while let Some((id, start, end, depth)) = stack.pop() {
            let rows = &idx[start..end];
            let (mut n0, mut n1) = (0u64, 0u64);
            for &r in rows {
                let wr = self.w[r as usize];
                n0 += u64::from(wr[0]);
                n1 += u64::from(wr[1]);
            }
            let total = n0 + n1;
            let value = if total > 0 {
                n1 as f64 / total as f64
            } else {
                0.0
            };
            nodes[id] = leaf(value);
            let can_split = n0 > 0
                && n1 > 0
                && total >= self.params.min_samples_split as u64
                && total >= 2 * self.params.min_samples_leaf as u64
                && self.params.max_depth.is_none_or(|d| depth < d);
            if !can_split {
                continue;
            }
            let Some(split) = self.best_split(rows, n0, n1, rng, &mut scratch) else {
                continue;
            };
            // Partition rows: bin <= split.bin to the left.
            let col = &self.data.bins[split.feature * self.data.n_rows..];
            let slice = &mut idx[start..end];
            let mut i = 0usize;
            let mut j = slice.len();
            while i < j {
                if usize::from(col[slice[i] as usize]) <= split.bin {
                    i += 1;
                } else {
                    j -= 1;
                    slice.swap(i, j);
                }
            }
            let mid = start + i;
            let left = nodes.len();
            nodes.push(leaf(0.0));
            let right = nodes.len();
            nodes.push(leaf(0.0));
            nodes[id] = Node {
                feature: split.feature as u32,
                left: left as u32,
                right: right as u32,
                threshold: self.data.thresholds[split.feature][split.bin],
                value,
            };
            stack.push((right, mid, end, depth + 1));
            stack.push((left, start, mid, depth + 1));
        }
        Tree { nodes }
    }

    /// The best Gini split over a random subset of `mtry` features, continuing past
    /// `mtry` only while no feature so far could split the node (as scikit-learn does).
    fn best_split(
        &self,
        rows: &[u32],
        n0: u64,
        n1: u64,
        rng: &mut Rng,
        scratch: &mut Scratch,
    ) -> Option<Split> {
        let p = self.n_cols;
        let mut best: Option<Split> = None;
        for k in 0..p {
            // k features tried so far.
            if k >= self.mtry && best.is_some() {
                break;
            }
            let j = k + rng.below(p - k);
            scratch.feats.swap(k, j);
            let f = scratch.feats[k];
            let col = &self.data.bins[f * self.data.n_rows..(f + 1) * self.data.n_rows];
            let cand = if rows.len() <= SMALL_NODE {
                self.scan_small(rows, col, n0, n1, &mut scratch.small)
            } else {
                self.scan_hist(rows, col, n0, n1, &mut scratch.hist)
            };
            if let Some((bin, score)) = cand
                && best.as_ref().is_none_or(|b| score > b.score)
            {
                best = Some(Split {
                    feature: f,
                    bin,
                    score,
                });
            }
        }
        best
    }

    /// Gini criterion to maximise: `(l0² + l1²)/l + (r0² + r1²)/r`, equivalent to
    /// minimising the children's weighted Gini impurity (Breiman et al., CART, 1984).
    fn score(&self, l0: u64, l1: u64, n0: u64, n1: u64) -> Option<f64> {
        let l = l0 + l1;
        let r = (n0 + n1) - l;
        let min_leaf = self.params.min_samples_leaf.max(1) as u64;
        if l < min_leaf || r < min_leaf {
            return None;
        }
        let (r0, r1) = (n0 - l0, n1 - l1);
        let (l0, l1, r0, r1) = (l0 as f64, l1 as f64, r0 as f64, r1 as f64);
        Some((l0 * l0 + l1 * l1) / (l0 + l1) + (r0 * r0 + r1 * r1) / (r0 + r1))
    }

    fn scan_hist(
        &self,
        rows: &[u32],
        col: &[u8],
        n0: u64,
        n1: u64,
        hist: &mut [[u32; 2]],
    ) -> Option<(usize, f64)> {
        hist.fill([0, 0]);
        let (mut lo, mut hi) = (255usize, 0usize);
        for &r in rows {
            let b = usize::from(col[r as usize]);
            let wr = self.w[r as usize];
            hist[b][0] += wr[0];
            hist[b][1] += wr[1];
            lo = lo.min(b);
            hi = hi.max(b);
        }
        let (mut l0, mut l1) = (0u64, 0u64);
        let mut best: Option<(usize, f64)> = None;
        for (b, h) in hist.iter().enumerate().take(hi).skip(lo) {
            l0 += u64::from(h[0]);
            l1 += u64::from(h[1]);
            if h[0] == 0 && h[1] == 0 {
                continue;
            }
            if let Some(s) = self.score(l0, l1, n0, n1)
                && best.is_none_or(|(_, bs)| s > bs)
            {
                best = Some((b, s));
            }
        }
        best
    }

    fn scan_small(
        &self,
        rows: &[u32],
        col: &[u8],
        n0: u64,
        n1: u64,
        small: &mut Vec<(u8, u32, u32)>,
    ) -> Option<(usize, f64)> {
        small.clear();
        small.extend(rows.iter().map(|&r| {
            let wr = self.w[r as usize];
            (col[r as usize], wr[0], wr[1])
        }));
        small.sort_unstable_by_key(|e| e.0);
        let (mut l0, mut l1) = (0u64, 0u64);
        let mut best: Option<(usize, f64)> = None;
        for k in 0..small.len() {
            let (b, w0, w1) = small[k];
            l0 += u64::from(w0);
            l1 += u64::from(w1);
            // Split only between two different bins.
            if k + 1 < small.len()
                && small[k + 1].0 != b
                && let Some(s) = self.score(l0, l1, n0, n1)
                && best.is_none_or(|(_, bs)| s > bs)
            {
                best = Some((usize::from(b), s));
            }
        }
        best
    }
}

fn leaf(value: f64) -> Node {
    Node {
        feature: LEAF,
        left: 0,
        right: 0,
        threshold: 0.0,
        value,
    }
}

impl RandomForest {
    /// Fits a forest with explicit hyper-parameters. Labels must be 0/1 with both
    /// classes present; `x` must be finite.
    pub fn fit_with(
        params: &ForestParams,
        x: &[f64],
        n_cols: usize,
        y: &[f64],
        seed: u64,
    ) -> Result<RandomForest> {
        let n = check_xy(MODEL, x, n_cols, y)?;
        check_binary(MODEL, y)?;
        check_finite(MODEL, x, n_cols)?;
        if params.n_trees == 0 {
            return Err(MlError::Invalid {
                field: "n_trees",
                reason: "a forest needs at least one tree".to_string(),
            });
        }
        if !(2..=256).contains(&params.max_bins) {
            return Err(MlError::Invalid {
                field: "max_bins",
                reason: format!("{} is outside 2..=256", params.max_bins),
            });
        }
        if n > u32::MAX as usize {
            return Err(MlError::Invalid {
                field: "x",
                reason: format!("{n} rows exceed the forest's u32 row index"),
            });
        }
        let binned = Binned::new(x, n, n_cols, params.max_bins);
        let labels: Vec<usize> = y.iter().map(|&v| usize::from(v == 1.0)).collect();
        let mtry = params.max_features.resolve(n_cols);
        let trees: Vec<Tree> = (0..params.n_trees)
            .into_par_iter()
            .map(|t| {
                let mut rng = Rng::derive(seed, t as u64);
                let mut w = vec![[0u32; 2]; n];
                if params.bootstrap {
                    for _ in 0..n {
                        let r = rng.below(n);
                        w[r][labels[r]] += 1;
                    }
                } else {
                    for (r, &c) in labels.iter().enumerate() {
                        w[r][c] = 1;
                    }
                }
                let idx: Vec<u32> = (0..n)
                    .filter(|&r| w[r][0] + w[r][1] > 0)
                    .map(|r| r as u32)
                    .collect();
                let grower = Grower {
                    data: &binned,
                    w: &w,
                    params,
                    mtry,
                    n_cols,
                };
                grower.grow(idx, &mut rng)
            })
            .collect();
        Ok(RandomForest {
            n_features: n_cols,
            trees,
        })
    }

    /// The number of trees.
    #[must_use]
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// The total number of nodes over all trees (a size measure).
    #[must_use]
    pub fn n_nodes(&self) -> usize {
        self.trees.iter().map(|t| t.nodes.len()).sum()
    }
}

impl Classifier for RandomForest {
    fn fit(x: &[f64], n_cols: usize, y: &[f64], seed: u64) -> Result<RandomForest> {
        RandomForest::fit_with(&ForestParams::default(), x, n_cols, y, seed)
    }

    /// The mean over trees of the class-1 fraction in the leaf each row falls in; NaN
    /// for a row with a non-finite value.
    fn predict_proba(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        check_x(MODEL, x, n_cols)?;
        check_width(MODEL, n_cols, self.n_features)?;
        let k = self.trees.len() as f64;
        Ok(x.par_chunks(n_cols)
            .map(|row| {
                if row.iter().any(|v| !v.is_finite()) {
                    return f64::NAN;
                }
                self.trees.iter().map(|t| t.predict_row(row)).sum::<f64>() / k
            })
            .collect())
    }

    fn n_features(&self) -> usize {
        self.n_features
    }

    fn kind(&self) -> ModelKind {
        ModelKind::Rf
    }

    /// A compact little-endian layout: magic `TLRF0001`, `n_features` and `n_trees` as
    /// u64, then per tree its node count (u64) and per node `feature, left, right` (u32)
    /// and `threshold, value` (f64). A 100-tree forest on 100 k rows has millions of
    /// nodes, which JSON would make several times larger.
    fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(24 + self.n_nodes() * 28);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.n_features as u64).to_le_bytes());
        out.extend_from_slice(&(self.trees.len() as u64).to_le_bytes());
        for t in &self.trees {
            out.extend_from_slice(&(t.nodes.len() as u64).to_le_bytes());
            for n in &t.nodes {
                out.extend_from_slice(&n.feature.to_le_bytes());
                out.extend_from_slice(&n.left.to_le_bytes());
                out.extend_from_slice(&n.right.to_le_bytes());
                out.extend_from_slice(&n.threshold.to_le_bytes());
                out.extend_from_slice(&n.value.to_le_bytes());
            }
        }
        Ok(out)
    }

    fn from_bytes(bytes: &[u8]) -> Result<RandomForest> {
        let mut rd = Reader { bytes, pos: 0 };
        if rd.take(8)? != MAGIC {
            return Err(bad("not a thetalab random forest (bad magic)"));
        }
        let n_features = rd.u64()? as usize;
        let n_trees = rd.u64()? as usize;
        if n_features == 0 || n_trees == 0 {
            // Zero trees would make every probability 0/0 = NaN.
            return Err(bad("a forest needs at least one feature and one tree"));
        }
        let mut trees = Vec::with_capacity(n_trees.min(1 << 16));
        for t in 0..n_trees {
            let n_nodes = rd.u64()? as usize;
            if n_nodes == 0 {
                return Err(bad(&format!("tree {t} has no nodes")));
            }
            if n_nodes.saturating_mul(28) > bytes.len() {
                return Err(bad("node count larger than the data"));
            }
            let mut nodes = Vec::with_capacity(n_nodes);
            for i in 0..n_nodes {
                let node = Node {
                    feature: rd.u32()?,
                    left: rd.u32()?,
                    right: rd.u32()?,
                    threshold: rd.f64()?,
                    value: rd.f64()?,
                };
                // `grow` pushes children after their parent, so a well-formed tree has
                // `left, right > i`; checking it makes every walk in `predict_row` end
                // (a child pointing back to its node would loop forever).
                let ok = if node.feature == LEAF {
                    (0.0..=1.0).contains(&node.value)
                } else {
                    (node.feature as usize) < n_features
                        && !node.threshold.is_nan()
                        && [node.left, node.right]
                            .iter()
                            .all(|&c| (c as usize) > i && (c as usize) < n_nodes)
                };
                if !ok {
                    return Err(bad(&format!("tree {t}, node {i} is malformed")));
                }
                nodes.push(node);
            }
            trees.push(Tree { nodes });
        }
        if rd.pos != bytes.len() {
            return Err(bad("trailing bytes"));
        }
        Ok(RandomForest { n_features, trees })
    }
}

fn bad(reason: &str) -> MlError {
    MlError::Model {
        model: MODEL,
        reason: reason.to_string(),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, k: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(k).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| bad("truncated model bytes"))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u64(&mut self) -> Result<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
    fn u32(&mut self) -> Result<u32> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(a))
    }
    fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn thresholds_are_midpoints_and_bins_are_balanced() {
        let col = [1.0, 2.0, 2.0, 3.0, 5.0];
        assert_eq!(bin_thresholds(&col, 256), vec![1.5, 2.5, 4.0]);
        let many: Vec<f64> = (0..1000).map(f64::from).collect();
        let t = bin_thresholds(&many, 4);
        assert_eq!(t, vec![250.5, 500.5, 750.5]);
    }

    #[test]
    fn integer_key_sort_gives_the_total_cmp_thresholds() {
        // Reference: the comparator sort `bin_thresholds` replaced (`f64::total_cmp`,
        // IEEE 754 totalOrder), then the same midpoints. Mixed signs, ±0, subnormals,
        // repeats and values near ±f64::MAX (whose midpoint would overflow).
        let reference = |col: &[f64], max_bins: usize| {
            let mut sorted = col.to_vec();
            sorted.sort_unstable_by(f64::total_cmp);
            let mut distinct = sorted.clone();
            distinct.dedup();
            let n = sorted.len();
            let candidates: Vec<f64> = if distinct.len() <= max_bins {
                distinct.clone()
            } else {
                let mut c: Vec<f64> = (1..max_bins).map(|b| sorted[b * n / max_bins]).collect();
                c.dedup();
                c
            };
            let mut out: Vec<f64> = Vec::new();
            for v in candidates {
                let j = distinct.partition_point(|&d| d <= v);
                if let Some(&next) = distinct.get(j) {
                    let t = v / 2.0 + next / 2.0;
                    let t = if (v + (next - v) / 2.0).is_finite() {
                        v + (next - v) / 2.0
                    } else {
                        t
                    };
                    if out.last().is_none_or(|&last| t > last) {
                        out.push(t);
                    }
                }
            }
            out
        };
        let mut rng = Rng::new(11);
        let special = [
            0.0,
            -0.0,
            f64::MIN_POSITIVE / 4.0,
            -f64::MIN_POSITIVE / 4.0,
            f64::MAX,
            -f64::MAX,
            1.0,
            -1.0,
        ];
        for case in 0..30 {
            let n = 50 + case * 37;
            let col: Vec<f64> = (0..n)
                .map(|i| {
                    if i % 9 == 0 {
                        special[i / 9 % special.len()]
                    } else {
                        (rng.normal() * 4.0).round() * if case % 2 == 0 { 1.0 } else { 0.37 }
                    }
                })
                .collect();
            for max_bins in [2, 7, 256] {
                let got = bin_thresholds(&col, max_bins);
                let want = reference(&col, max_bins);
                let bits = |v: &[f64]| v.iter().map(|t| t.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "case {case}, max_bins {max_bins}");
                assert!(got.iter().all(|t| t.is_finite()));
            }
        }
    }

    #[test]
    fn bin_columns_equals_binning_each_strided_column() {
        // 11 columns: one full group of 8 and a ragged group of 3.
        let (n, p) = (97, 11);
        let mut rng = Rng::new(6);
        let x: Vec<f64> = (0..n * p).map(|_| (rng.normal() * 3.0).round()).collect();
        let bin = |col: &[f64]| {
            let t = bin_thresholds(col, 5);
            let b: Vec<u8> = col.iter().map(|&v| value_bin(v, &t)).collect();
            (b, t)
        };
        let (codes, edges) = bin_columns(&x, n, p, bin);
        assert_eq!((codes.len(), edges.len()), (n * p, p));
        for f in 0..p {
            let col: Vec<f64> = (0..n).map(|r| x[r * p + f]).collect();
            let (b, t) = bin(&col);
            assert_eq!(&codes[f * n..(f + 1) * n], &b[..], "feature {f}");
            assert_eq!(edges[f], t, "feature {f}");
        }
    }

    #[test]
    fn one_split_separates_a_threshold_rule_exactly() {
        // y = 1 iff x0 > 0.5; x1 is noise. A single unbootstrapped tree with all
        // features must find the rule and predict 0/1 exactly.
        let mut rng = Rng::new(3);
        let n = 400;
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..n {
            let a = rng.next_f64();
            x.push(a);
            x.push(rng.next_f64());
            y.push(if a > 0.5 { 1.0 } else { 0.0 });
        }
        let p = ForestParams {
            n_trees: 1,
            max_features: MaxFeatures::All,
            bootstrap: false,
            ..ForestParams::default()
        };
        let f = RandomForest::fit_with(&p, &x, 2, &y, 1).unwrap();
        assert_eq!(f.trees[0].nodes[0].feature, 0);
        assert!((f.trees[0].nodes[0].threshold - 0.5).abs() < 0.01);
        let pr = f.predict_proba(&x, 2).unwrap();
        assert_eq!(pr, y);
        let nan = f.predict_proba(&[f64::NAN, 0.3], 2).unwrap();
        assert!(nan[0].is_nan());
    }

    #[test]
    fn corrupt_bytes_are_errors_not_hangs() {
        // A tree of 3 nodes: a split at the root and two leaves.
        let x = [0.0, 1.0, 2.0, 3.0];
        let y = [0.0, 0.0, 1.0, 1.0];
        let p = ForestParams {
            n_trees: 1,
            max_features: MaxFeatures::All,
            bootstrap: false,
            ..ForestParams::default()
        };
        let f = RandomForest::fit_with(&p, &x, 1, &y, 0).unwrap();
        assert_eq!(f.n_nodes(), 3);
        let good = f.to_bytes().unwrap();
        assert_eq!(RandomForest::from_bytes(&good).unwrap(), f);
        // Layout: magic 8, n_features 8, n_trees 8, n_nodes 8, then 28 bytes per node
        // (feature, left, right as u32; threshold, value as f64).
        let root = 32;
        // The root's left child pointing back at the root: predict would loop forever.
        let mut cyclic = good.clone();
        cyclic[root + 4..root + 8].copy_from_slice(&0u32.to_le_bytes());
        assert!(RandomForest::from_bytes(&cyclic).is_err());
        // A leaf probability outside [0, 1].
        let mut bad_leaf = good.clone();
        let leaf = root + 28;
        bad_leaf[leaf + 20..leaf + 28].copy_from_slice(&f64::NAN.to_le_bytes());
        assert!(RandomForest::from_bytes(&bad_leaf).is_err());
        // Zero trees would predict 0/0.
        let mut empty = good[..24].to_vec();
        empty[16..24].copy_from_slice(&0u64.to_le_bytes());
        assert!(RandomForest::from_bytes(&empty).is_err());
        // Truncated and trailing bytes.
        assert!(RandomForest::from_bytes(&good[..good.len() - 1]).is_err());
        let mut long = good.clone();
        long.push(0);
        assert!(RandomForest::from_bytes(&long).is_err());
    }
}
