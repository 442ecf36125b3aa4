//! A dense primal active-set solver for the strictly convex quadratic programmes of the
//! mean-variance family:
//!
//! min ½ xᵀHx + cᵀx  s.t.  aⱼᵀx = bⱼ (j ∈ E),  aⱼᵀx ≤ bⱼ (j ∈ I),  l ≤ x ≤ u,
//!
//! with H symmetric positive definite (a covariance matrix), box bounds (±∞ allowed) and a
//! few general rows (the budget, a return target, group limits, the homogenised bounds of
//! max Sharpe).
//!
//! # Method
//! The primal active-set method of Nocedal & Wright, *Numerical Optimization* (2nd ed.
//! 2006), Algorithm 16.3, specialised for bounds:
//! - a bound in the working set fixes its variable, so every equality-constrained
//!   subproblem is a problem in the free variables F only: min ½ x_Fᵀ H_FF x_F + d_Fᵀ x_F
//!   s.t. A_{W,F} x_F = r_W, with d_F = c_F + H_FB x_B and r_W = b_W − A_{W,B} x_B;
//! - it is solved in range-space form (N&W §16.2, eq. 16.16–16.17) with the Cholesky factor
//!   L of H_FF: with V = L⁻¹A_Fᵀ and u = L⁻¹d_F, the multipliers solve (VᵀV) ν = −(r + Vᵀu)
//!   and x_F = −L⁻ᵀ(u + Vν). Only the small m × m matrix VᵀV is factored per iteration;
//! - L is kept across iterations: freeing a variable appends a row (a bordered Cholesky
//!   step, O(k²)); fixing one deletes a row and column and restores the trailing block by a
//!   rank-one Cholesky update (Golub & Van Loan, *Matrix Computations*, 4th ed., §6.5.4);
//! - the start puts every variable inside its box (free) with general rows made feasible
//!   by elastic artificial variables a ≥ 0 (one per equality row and per violated
//!   inequality) charged M·a + ½a² in the objective: an exact penalty (Fletcher,
//!   *Practical Methods of Optimization*, 1987, §12.3 and §14.3) whose optimum has a = 0
//!   whenever the constraints are consistent and M exceeds their multipliers. Artificials
//!   left positive at the optimum (after raising M once, ×1000) name the infeasible rows.
//!   (M is 10⁶ × the scale of H and c: while an artificial is free the subproblem loses
//!   about six digits to cancellation, but once the artificials are fixed at zero M no
//!   longer enters any computed quantity.)
//!
//! The final point solves the KKT system of its working set directly (not accumulated
//! steps), so it is exact to rounding; optimality is certified by the signs of the
//! multipliers (N&W Theorem 16.5).

use nalgebra::DMatrix;

/// Equality or `≤` inequality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowKind {
    /// aᵀx = b.
    Eq,
    /// aᵀx ≤ b.
    Le,
}

/// One general linear row `Σ coef_j x_j (= or ≤) rhs`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LinRow {
    /// Sparse coefficients `(variable, value)`, each variable at most once.
    pub coefs: Vec<(usize, f64)>,
    /// Equality or inequality.
    pub kind: RowKind,
    /// Right-hand side.
    pub rhs: f64,
}

/// A QP in the form of the module docs.
pub(crate) struct QpProblem<'a> {
    /// H, n × n, symmetric positive definite.
    pub h: &'a DMatrix<f64>,
    /// Linear term, length n.
    pub c: Vec<f64>,
    /// Lower bounds (−∞ allowed).
    pub lower: Vec<f64>,
    /// Upper bounds (+∞ allowed).
    pub upper: Vec<f64>,
    /// General rows.
    pub rows: Vec<LinRow>,
}

/// Why the active-set solver stopped without a solution.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum QpError {
    /// The general rows (indices, with how far each stays from holding) cannot hold together
    /// with the bounds.
    Infeasible(Vec<(usize, f64)>),
    /// Numerical trouble (a singular H_FF, dependent rows, the iteration cap); the caller
    /// falls back to the interior-point solver.
    Numerical(&'static str),
}

/// Where a variable stands in the working set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Free,
    AtLower,
    AtUpper,
}

/// Cholesky factor of H_FF, lower triangular, row-major with a fixed row stride.
struct Chol {
    cap: usize,
    k: usize,
    l: Vec<f64>,
}

/// Dot product with four accumulators (lets the compiler vectorise).
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = [0.0; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        s[0] += x[0] * y[0];
        s[1] += x[1] * y[1];
        s[2] += x[2] * y[2];
        s[3] += x[3] * y[3];
    }
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    (s[0] + s[1]) + (s[2] + s[3]) + tail
}

impl Chol {
    fn new(cap: usize) -> Self {
        Self {
            cap,
            k: 0,
            l: vec![0.0; cap * cap],
        }
    }

    #[inline]
    fn row(&self, i: usize) -> &[f64] {
        &self.l[i * self.cap..i * self.cap + i + 1]
    }

    /// Solves L y = b in place (b has length k).
    fn forward(&self, b: &mut [f64]) {
        for i in 0..self.k {
            let r = self.row(i);
            b[i] = (b[i] - dot(&r[..i], &b[..i])) / r[i];
        }
    }

    /// Solves Lᵀ x = y in place (column-oriented on the rows of L).
    fn backward(&self, y: &mut [f64]) {
        for i in (0..self.k).rev() {
            let r = self.row(i);
            let xi = y[i] / r[i];
            y[i] = xi;
            for (yj, lij) in y[..i].iter_mut().zip(&r[..i]) {
                *yj -= lij * xi;
            }
        }
    }

    /// Borders L with a new last row for the column `col` = H[F, new] (length k) and the
    /// diagonal `diag` = H[new, new]. Returns false when the result is not positive
    /// definite to working precision.
    fn append(&mut self, col: &mut [f64], diag: f64) -> bool {
        self.forward(col);
        let d2 = diag - dot(col, col);
        let ok = d2.is_finite() && d2 > 1e-13 * diag.abs();
        if !ok {
            return false;
        }
        let k = self.k;
        let start = k * self.cap;
        self.l[start..start + k].copy_from_slice(col);
        self.l[start + k] = d2.sqrt();
        self.k += 1;
        true
    }

    /// Deletes row and column `q` and restores L Lᵀ = H_FF without them.
    fn remove(&mut self, q: usize, v: &mut Vec<f64>, cs: &mut Vec<(f64, f64, f64)>) {
        let (k, cap) = (self.k, self.cap);
        // v = old column q below the diagonal; shift rows q+1.. up and columns q+1.. left.
        v.clear();
        for r in q + 1..k {
            let src = r * cap;
            v.push(self.l[src + q]);
            let dst = (r - 1) * cap;
            self.l.copy_within(src..src + q, dst);
            self.l.copy_within(src + q + 1..src + r + 1, dst + q);
        }
        self.k = k - 1;
        // Rank-one update of the trailing block (rows q..k−1): L̃L̃ᵀ = L₂₂L₂₂ᵀ + vvᵀ, by Givens
        // rotations (Golub & Van Loan §6.5.4), applied row by row for contiguous access.
        cs.clear();
        for (jj, j) in (q..self.k).enumerate() {
            // rotations (c, 1/c, s) of the columns q..j, applied in order
            let base = j * cap;
            let mut vj = v[jj];
            let row = &mut self.l[base + q..base + j];
            for (lji, &(c, cinv, s)) in row.iter_mut().zip(cs.iter()) {
                let new = (*lji + s * vj) * cinv;
                *lji = new;
                vj = c * vj - s * new;
            }
            let ljj = self.l[base + j];
            let r = ljj.hypot(vj);
            cs.push((r / ljj, ljj / r, vj / ljj));
            self.l[base + j] = r;
        }
    }
}

/// Solves the QP; see the module docs.
pub(crate) fn solve(p: &QpProblem<'_>) -> Result<Vec<f64>, QpError> {
    let n = p.c.len();
    // Start: every variable inside its box, free; the nearest point of the box to 1/n.
    let x0 = 1.0 / n.max(1) as f64;
    let mut x: Vec<f64> = (0..n)
        .map(|i| x0.clamp(p.lower[i], p.upper[i]))
        .map(|v| if v.is_finite() { v } else { 0.0 })
        .collect();
    for (i, xi) in x.iter_mut().enumerate() {
        if !(p.lower[i] <= *xi && *xi <= p.upper[i]) {
            *xi = if p.lower[i].is_finite() {
                p.lower[i]
            } else {
                p.upper[i]
            };
        }
    }
    // Artificials (elastic mode): variable n + t belongs to row arts[t] with sign s.
    let mut rows: Vec<LinRow> = p.rows.clone();
    let mut arts: Vec<usize> = Vec::new();
    let mut in_w = vec![false; rows.len()];
    for (j, row) in rows.iter_mut().enumerate() {
        let ax: f64 = row.coefs.iter().map(|&(i, a)| a * x[i]).sum();
        let resid = row.rhs - ax;
        match row.kind {
            RowKind::Eq => {
                let s = if resid >= 0.0 { 1.0 } else { -1.0 };
                row.coefs.push((n + arts.len(), s));
                x.push(resid.abs());
                arts.push(j);
                in_w[j] = true;
            }
            RowKind::Le if resid < 0.0 => {
                row.coefs.push((n + arts.len(), -1.0));
                x.push(-resid);
                arts.push(j);
                in_w[j] = true;
            }
            RowKind::Le => {}
        }
    }
    let na = arts.len();
    let nt = n + na;
    let hdiag_max = (0..n).map(|i| p.h[(i, i)].abs()).fold(0.0, f64::max);
    let cmax = p.c.iter().map(|v| v.abs()).fold(0.0, f64::max);
    let scale = 1.0f64.max(hdiag_max).max(cmax);
    let mut big_m = 1e6 * scale;
    // Extended H = H ⊕ I·δ (δ = 1), c = c ⊕ M.
    let h_at = |i: usize, j: usize| -> f64 {
        if i < n && j < n {
            p.h[(i, j)]
        } else if i == j {
            1.0
        } else {
            0.0
        }
    };
    let hs = p.h.as_slice(); // column-major
    let mut c: Vec<f64> = p.c.clone();
    c.extend(std::iter::repeat_n(big_m, na));
    let lower: Vec<f64> = p
        .lower
        .iter()
        .copied()
        .chain(std::iter::repeat_n(0.0, na))
        .collect();
    let upper: Vec<f64> = p
        .upper
        .iter()
        .copied()
        .chain(std::iter::repeat_n(f64::INFINITY, na))
        .collect();

    let mut state = vec![State::Free; nt];
    let mut free: Vec<usize> = Vec::with_capacity(nt);
    let mut chol = Chol::new(nt);
    let mut col = Vec::with_capacity(nt);
    for i in 0..nt {
        col.clear();
        col.extend(free.iter().map(|&f| h_at(f, i)));
        if !chol.append(&mut col, h_at(i, i)) {
            return Err(QpError::Numerical("covariance not positive definite"));
        }
        free.push(i);
    }

    let mut pos = vec![usize::MAX; nt]; // position of a free variable in `free`
    for (q, &i) in free.iter().enumerate() {
        pos[i] = q;
    }
    let mut wv: Vec<usize> = (0..rows.len()).filter(|&j| in_w[j]).collect();
    let max_iter = 100 + 10 * (nt + rows.len());
    let mut raises = 0;
    // scratch
    let (mut d, mut u) = (Vec::new(), Vec::new());
    let mut vmat: Vec<Vec<f64>> = Vec::new();
    let mut xstar = Vec::new();
    let (mut rv, mut cs) = (Vec::new(), Vec::new());
    let mut nu: Vec<f64> = Vec::new();
    for _ in 0..max_iter {
        let k = free.len();
        // d_F = c_F + H_FB x_B
        d.clear();
        d.extend(free.iter().map(|&i| c[i]));
        for (b, &xb) in x.iter().enumerate() {
            if state[b] != State::Free && xb != 0.0 {
                for (q, &f) in free.iter().enumerate() {
                    d[q] += h_at(f, b) * xb;
                }
            }
        }
        u.clear();
        u.extend_from_slice(&d);
        if u.iter().any(|v| *v != 0.0) {
            chol.forward(&mut u);
        }
        // V columns and r for the working rows
        let m = wv.len();
        vmat.resize_with(m, Vec::new);
        let mut r = vec![0.0; m];
        for (t, &j) in wv.iter().enumerate() {
            let v = &mut vmat[t];
            v.clear();
            v.resize(k, 0.0);
            let mut rhs = rows[j].rhs;
            for &(i, a) in &rows[j].coefs {
                if state[i] == State::Free {
                    v[pos[i]] = a;
                } else {
                    rhs -= a * x[i];
                }
            }
            chol.forward(v);
            r[t] = rhs;
        }
        // S ν = −(r + Vᵀu), S = VᵀV (m × m, SPD when the working rows are independent)
        nu.clear();
        nu.resize(m, 0.0);
        if m > 0 {
            let mut s = DMatrix::<f64>::zeros(m, m);
            let mut rhs = nalgebra::DVector::<f64>::zeros(m);
            for a in 0..m {
                for b in 0..=a {
                    let v = dot(&vmat[a], &vmat[b]);
                    s[(a, b)] = v;
                    s[(b, a)] = v;
                }
                rhs[a] = -(r[a] + dot(&vmat[a], &u));
            }
            let ch = nalgebra::Cholesky::new(s)
                .ok_or(QpError::Numerical("working rows are linearly dependent"))?;
            let sol = ch.solve(&rhs);
            nu.copy_from_slice(sol.as_slice());
        }
        // x_F* = −L⁻ᵀ(u + Vν)
        xstar.clear();
        xstar.extend(u.iter().map(|v| -v));
        for (t, v) in vmat.iter().enumerate().take(m) {
            for (xs, vi) in xstar.iter_mut().zip(v) {
                *xs -= vi * nu[t];
            }
        }
        chol.backward(&mut xstar);
        if xstar.iter().any(|v| !v.is_finite()) {
            return Err(QpError::Numerical("non-finite subproblem solution"));
        }
        // Ratio test along p = x* − x_F.
        let mut alpha = 1.0;
        let mut block: Option<Block> = None;
        for (q, &i) in free.iter().enumerate() {
            let pi = xstar[q] - x[i];
            if pi < 0.0 && lower[i].is_finite() {
                let a = ((lower[i] - x[i]) / pi).max(0.0);
                if a < alpha {
                    alpha = a;
                    block = Some(Block::Var(q, State::AtLower));
                }
            } else if pi > 0.0 && upper[i].is_finite() {
                let a = ((upper[i] - x[i]) / pi).max(0.0);
                if a < alpha {
                    alpha = a;
                    block = Some(Block::Var(q, State::AtUpper));
                }
            }
        }
        for (j, row) in rows.iter().enumerate() {
            if in_w[j] || row.kind == RowKind::Eq {
                continue;
            }
            let (mut ax, mut ap, mut an) = (0.0, 0.0, 0.0);
            for &(i, a) in &row.coefs {
                ax += a * x[i];
                an += a.abs();
                if state[i] == State::Free {
                    ap += a * (xstar[pos[i]] - x[i]);
                }
            }
            if ap > 1e-14 * an.max(1.0) {
                let a = ((row.rhs - ax) / ap).max(0.0);
                if a < alpha {
                    alpha = a;
                    block = Some(Block::Row(j));
                }
            }
        }
        match block {
            Some(b) => {
                for (q, &i) in free.iter().enumerate() {
                    let v = x[i] + alpha * (xstar[q] - x[i]);
                    x[i] = v.clamp(lower[i], upper[i]);
                }
                match b {
                    Block::Var(q, st) => {
                        let i = free[q];
                        x[i] = if st == State::AtLower {
                            lower[i]
                        } else {
                            upper[i]
                        };
                        state[i] = st;
                        chol.remove(q, &mut rv, &mut cs);
                        free.remove(q);
                        pos[i] = usize::MAX;
                        for (qq, &f) in free.iter().enumerate().skip(q) {
                            pos[f] = qq;
                        }
                    }
                    Block::Row(j) => {
                        in_w[j] = true;
                        wv.push(j);
                    }
                }
                continue;
            }
            None => {
                for (q, &i) in free.iter().enumerate() {
                    x[i] = xstar[q].clamp(lower[i], upper[i]);
                }
            }
        }
        // At the subproblem's optimum: multipliers. Fixed variable i: λ_i = g_i + (Aᵀν)_i,
        // ≥ 0 at a lower bound, ≤ 0 at an upper bound; a working inequality row needs ν ≥ 0.
        let mut worst = 0.0;
        let mut release: Option<Release> = None;
        let tol = 1e-13 * scale;
        let mut atnu = vec![0.0; nt];
        for (t, &j) in wv.iter().enumerate() {
            for &(i, a) in &rows[j].coefs {
                atnu[i] += a * nu[t];
            }
            if rows[j].kind == RowKind::Le && nu[t] < -tol && nu[t] < worst {
                worst = nu[t];
                release = Some(Release::Row(t));
            }
        }
        for i in 0..nt {
            if state[i] == State::Free {
                continue;
            }
            // g_i = c_i + (Hx)_i; H is symmetric, so (Hx)_i is column i of H dotted with x.
            let g = if i < n {
                c[i] + dot(&hs[i * n..(i + 1) * n], &x[..n])
            } else {
                c[i] + x[i]
            };
            let lam = g + atnu[i];
            let signed = if state[i] == State::AtLower {
                lam
            } else {
                -lam
            };
            if signed < -tol && signed < worst {
                worst = signed;
                release = Some(Release::Var(i));
            }
        }
        match release {
            Some(Release::Row(t)) => {
                let j = wv.remove(t);
                in_w[j] = false;
            }
            Some(Release::Var(i)) => {
                col.clear();
                col.extend(free.iter().map(|&f| h_at(f, i)));
                if !chol.append(&mut col, h_at(i, i)) {
                    return Err(QpError::Numerical("covariance not positive definite"));
                }
                state[i] = State::Free;
                pos[i] = free.len();
                free.push(i);
            }
            None => {
                // Optimal for the elastic problem: are the artificials zero?
                let art_tol = 1e-11;
                // How far each such row stays from holding, from x itself.
                let positive: Vec<(usize, f64)> = (0..na)
                    .filter(|&t| x[n + t] > art_tol * (1.0 + rows[arts[t]].rhs.abs()))
                    .map(|t| {
                        let j = arts[t];
                        let ax: f64 = p.rows[j].coefs.iter().map(|&(i, a)| a * x[i]).sum();
                        (j, (p.rows[j].rhs - ax).abs())
                    })
                    .collect();
                if positive.is_empty() {
                    x.truncate(n);
                    return Ok(x);
                }
                if raises == 1 {
                    return Err(QpError::Infeasible(positive));
                }
                raises += 1;
                big_m *= 1e3;
                for ci in c.iter_mut().skip(n) {
                    *ci = big_m;
                }
            }
        }
    }
    Err(QpError::Numerical("iteration limit"))
}

#[derive(Debug, Clone, Copy)]
enum Block {
    Var(usize, State),
    Row(usize),
}

#[derive(Debug, Clone, Copy)]
enum Release {
    Var(usize),
    Row(usize),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cholesky_append_remove_matches_refactorisation() {
        let a = DMatrix::from_fn(6, 6, |i, j| ((i * 7 + j * 3) % 5) as f64 - 2.0);
        let h = &a * a.transpose() + DMatrix::identity(6, 6);
        let mut ch = Chol::new(6);
        let mut col = Vec::new();
        for i in 0..6 {
            col.clear();
            col.extend((0..i).map(|j| h[(j, i)]));
            assert!(ch.append(&mut col, h[(i, i)]));
        }
        let (mut v, mut cs) = (Vec::new(), Vec::new());
        // remove original indices 2, then 0, then the last, checking each time
        let mut keep: Vec<usize> = (0..6).collect();
        for q in [2, 0, 3] {
            ch.remove(q, &mut v, &mut cs);
            keep.remove(q);
            let m = keep.len();
            let sub = DMatrix::from_fn(m, m, |i, j| h[(keep[i], keep[j])]);
            let want = nalgebra::Cholesky::new(sub).unwrap().l();
            for i in 0..m {
                for j in 0..=i {
                    assert!(
                        (ch.row(i)[j] - want[(i, j)]).abs() < 1e-12,
                        "q {q} ({i},{j})"
                    );
                }
            }
        }
    }

    #[test]
    fn box_and_budget_closed_form() {
        // min ½ Σ x_i² s.t. Σx = 1, 0 ≤ x ≤ 0.3 on 4 variables: 0.25 each.
        let h = DMatrix::identity(4, 4);
        let p = QpProblem {
            h: &h,
            c: vec![0.0; 4],
            lower: vec![0.0; 4],
            upper: vec![0.3; 4],
            rows: vec![LinRow {
                coefs: (0..4).map(|i| (i, 1.0)).collect(),
                kind: RowKind::Eq,
                rhs: 1.0,
            }],
        };
        let x = solve(&p).unwrap();
        for v in &x {
            assert!((v - 0.25).abs() < 1e-15);
        }
        // with c pulling x0 down: x = (0, 1/3, 1/3, 1/3) (KKT: x_i = ν for i ≥ 1, λ_0 ≥ 0)
        let p = QpProblem {
            c: vec![1.0, 0.0, 0.0, 0.0],
            upper: vec![1.0; 4],
            ..p
        };
        let x = solve(&p).unwrap();
        assert!(
            x[0].abs() < 1e-15 && (x[1] - 1.0 / 3.0).abs() < 1e-15,
            "{x:?}"
        );
    }

    #[test]
    fn infeasible_rows_are_named() {
        let h = DMatrix::identity(3, 3);
        let p = QpProblem {
            h: &h,
            c: vec![0.0; 3],
            lower: vec![0.0; 3],
            upper: vec![0.2; 3],
            rows: vec![LinRow {
                coefs: (0..3).map(|i| (i, 1.0)).collect(),
                kind: RowKind::Eq,
                rhs: 1.0,
            }],
        };
        match solve(&p) {
            Err(QpError::Infeasible(rows)) => {
                assert_eq!(rows.len(), 1);
                assert_eq!(rows[0].0, 0);
                assert!((rows[0].1 - 0.4).abs() < 1e-12, "{rows:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}
