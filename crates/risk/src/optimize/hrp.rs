//! Hierarchical risk parity (López de Prado 2016, "Building diversified portfolios that
//! outperform out of sample", J. Portfolio Management 42(4)).
//!
//! 1. Distance d_ij = √((1 − ρ_ij)/2) (López de Prado 2016, §3.1; clipped to [0, 1]).
//! 2. Single-linkage clustering on d, as PyPortfolioOpt's `HRPOpt(linkage_method="single")`
//!    (it clusters d directly), built in O(n²) from a minimum spanning tree (Prim) whose
//!    edges, sorted by length, are the merges (Gower & Ross 1969). Merged clusters are
//!    labelled as SciPy's `linkage` does (left child = smaller cluster id).
//! 3. Quasi-diagonalisation: leaves in dendrogram pre-order (left first).
//! 4. Recursive bisection of the ordered list into halves; each half's variance is that of
//!    its inverse-variance portfolio, V = w̃ᵀΣw̃ with w̃ ∝ 1/diag(Σ), and the halves split
//!    the weight as α = 1 − V₁/(V₁+V₂) (López de Prado 2016, §3.3).

use super::check_cov;
use crate::RiskError;
use nalgebra::{DMatrix, DVector};

/// HRP weights from a covariance matrix (any scaling; the weights are scale-free).
pub fn hrp_weights(cov: &DMatrix<f64>) -> Result<DVector<f64>, RiskError> {
    check_cov(cov, None)?;
    let order = quasi_diag_order(cov);
    let mut w = DVector::from_element(cov.nrows(), 1.0);
    bisect(cov, &order, &mut w);
    Ok(w)
}

/// Leaf order of the single-linkage dendrogram on d = √((1−ρ)/2).
pub fn quasi_diag_order(cov: &DMatrix<f64>) -> Vec<usize> {
    let n = cov.nrows();
    if n == 1 {
        return vec![0];
    }
    let sd: Vec<f64> = (0..n).map(|i| cov[(i, i)].sqrt()).collect();
    // López de Prado (2016) §3.1: d = √((1 − ρ)/2)
    let dist = |i: usize, j: usize| {
        let rho = cov[(i, j)] / (sd[i] * sd[j]);
        ((1.0 - rho) / 2.0).clamp(0.0, 1.0).sqrt()
    };
    // Prim's MST, O(n²)
    let mut in_tree = vec![false; n];
    let mut best = vec![f64::INFINITY; n];
    let mut parent = vec![0usize; n];
    let mut edges: Vec<(usize, usize, f64)> = Vec::with_capacity(n - 1);
    let mut last = 0usize;
    in_tree[0] = true;
    for _ in 1..n {
        let mut next = usize::MAX;
        let mut next_d = f64::INFINITY;
        for i in 0..n {
            if in_tree[i] {
                continue;
            }
            let d = dist(last, i);
            if d < best[i] {
                best[i] = d;
                parent[i] = last;
            }
            if next == usize::MAX || best[i] < next_d {
                next = i;
                next_d = best[i];
            }
        }
        in_tree[next] = true;
        edges.push((parent[next], next, next_d));
        last = next;
    }
    // single-linkage merges = MST edges by increasing length (stable, like SciPy's mergesort)
    edges.sort_by(|a, b| a.2.total_cmp(&b.2));
    // union-find over leaves; cluster ids n, n+1, ... as in SciPy's `linkage`
    let mut uf: Vec<usize> = (0..2 * n - 1).collect();
    fn find(uf: &mut [usize], mut x: usize) -> usize {
        while uf[x] != x {
            uf[x] = uf[uf[x]];
            x = uf[x];
        }
        x
    }
    let mut children = vec![(0usize, 0usize); n - 1];
    for (k, &(a, b, _)) in edges.iter().enumerate() {
        let (ra, rb) = (find(&mut uf, a), find(&mut uf, b));
        let id = n + k;
        children[k] = (ra.min(rb), ra.max(rb));
        uf[ra] = id;
        uf[rb] = id;
    }
    // pre-order traversal of the root (id 2n − 2), left child first
    let mut order = Vec::with_capacity(n);
    let mut stack = vec![2 * n - 2];
    while let Some(c) = stack.pop() {
        if c < n {
            order.push(c);
        } else {
            let (l, r) = children[c - n];
            stack.push(r);
            stack.push(l);
        }
    }
    order
}

/// Variance of the inverse-variance portfolio of `items` (López de Prado 2016, §3.3).
fn cluster_variance(cov: &DMatrix<f64>, items: &[usize]) -> f64 {
    let ivp: Vec<f64> = items.iter().map(|&i| 1.0 / cov[(i, i)]).collect();
    let s: f64 = ivp.iter().sum();
    let mut v = 0.0;
    for (a, &i) in items.iter().enumerate() {
        for (b, &j) in items.iter().enumerate() {
            v += ivp[a] * ivp[b] * cov[(i, j)];
        }
    }
    v / (s * s)
}

/// Recursive bisection of the ordered list into halves (López de Prado 2016, §3.3).
fn bisect(cov: &DMatrix<f64>, items: &[usize], w: &mut DVector<f64>) {
    if items.len() < 2 {
        return;
    }
    let (first, second) = items.split_at(items.len() / 2);
    let (v1, v2) = (cluster_variance(cov, first), cluster_variance(cov, second));
    // α = 1 − V₁/(V₁ + V₂)
    let alpha = 1.0 - v1 / (v1 + v2);
    for &i in first {
        w[i] *= alpha;
    }
    for &i in second {
        w[i] *= 1.0 - alpha;
    }
    bisect(cov, first, w);
    bisect(cov, second, w);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn two_assets_get_inverse_variance() {
        let cov = DMatrix::from_row_slice(2, 2, &[0.04, 0.01, 0.01, 0.01]);
        let w = hrp_weights(&cov).unwrap();
        // α = 1 − 0.04/0.05 = 0.2
        assert!((w[0] - 0.2).abs() < 1e-15 && (w[1] - 0.8).abs() < 1e-15);
    }

    #[test]
    fn clusters_are_contiguous() {
        // assets 0 and 2 highly correlated, 1 and 3 highly correlated
        let c = [
            1.0, 0.0, 0.9, 0.1, 0.0, 1.0, 0.05, 0.8, 0.9, 0.05, 1.0, 0.0, 0.1, 0.8, 0.0, 1.0,
        ];
        let cov = DMatrix::from_row_slice(4, 4, &c);
        let o = quasi_diag_order(&cov);
        let pos = |a: usize| o.iter().position(|&x| x == a).unwrap();
        assert_eq!((pos(0) as i64 - pos(2) as i64).abs(), 1, "{o:?}");
        assert_eq!((pos(1) as i64 - pos(3) as i64).abs(), 1, "{o:?}");
        let w = hrp_weights(&cov).unwrap();
        assert!((w.sum() - 1.0).abs() < 1e-14);
        assert!(hrp_weights(&DMatrix::zeros(2, 2)).is_err());
    }
}
