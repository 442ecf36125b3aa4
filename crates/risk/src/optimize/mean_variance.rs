//! Markowitz mean-variance optimisation solved as a quadratic programme.
//!
//! Two solvers ([`QpSolver`]): the default is the crate's dense primal active-set method
//! (`optimize/qp.rs`, exact to rounding, fast when Σ is dense and the problem has few
//! general rows); `clarabel`'s interior-point method is the reference and the fallback
//! when the active-set method meets numerical trouble (a singular Σ on the free assets,
//! dependent rows, its iteration cap). A property test on random problems checks that the
//! objectives agree to 1e-9 relative (the active set's never worse by more than 1e-10)
//! and the weights to 1e-6, the latter limited by clarabel's own accuracy.
//!
//! Problems (Markowitz 1952; formulations as in PyPortfolioOpt 1.6.0 `EfficientFrontier`):
//! - min variance: min ½ wᵀΣw s.t. 1ᵀw = 1, l ≤ w ≤ u, lo_g ≤ Σ_{i∈g} w_i ≤ hi_g;
//! - target return: the same plus μᵀw = r*;
//! - max Sharpe: the homogenised problem (Cornuejols & Tütüncü 2007, §8.2; PyPortfolioOpt
//!   `max_sharpe`): min yᵀΣy s.t. (μ − r_f)ᵀy = 1, 1ᵀy = κ, lκ ≤ y ≤ uκ,
//!   lo_g κ ≤ Σ_{i∈g} y_i ≤ hi_g κ, κ ≥ 0; then w = y / κ;
//! - efficient frontier: target-return portfolios at `n` returns evenly spaced from the
//!   min-variance portfolio's return to the largest attainable return (an LP).
//!
//! Clarabel solves min ½xᵀPx + qᵀx s.t. Ax + s = b, s ∈ K; equalities use the zero cone
//! and inequalities `aᵀx ≤ b` the nonnegative cone. The active-set method solves max
//! Sharpe with κ = 1ᵀy eliminated (so the Hessian Σ stays positive definite): the bounds
//! become rows l_i 1ᵀy ≤ y_i ≤ u_i 1ᵀy, except those that hold anyway.
//!
//! Constraints that cannot all hold give [`RiskError::Infeasible`] naming them (the budget
//! against the bounds' sum, a group against its assets' bounds, or the rows the solver's
//! elastic phase could not satisfy).

use super::qp::{self, LinRow, QpError, QpProblem, RowKind};
use super::{check_cov, check_vec};
use crate::RiskError;
use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettings, DefaultSolver, IPSolver, NonnegativeConeT, SolverStatus, SupportedConeT,
    ZeroConeT,
};
use nalgebra::{DMatrix, DVector};

/// A group (sector) constraint: `lower ≤ Σ_{i ∈ assets} w_i ≤ upper`.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Indices of the assets in the group.
    pub assets: Vec<usize>,
    /// Lower bound on the group's total weight.
    pub lower: f64,
    /// Upper bound on the group's total weight.
    pub upper: f64,
}

/// Linear constraints on the weights besides the budget `Σ w = 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraints {
    /// Per-asset `(lower, upper)` bounds; ±∞ means unbounded on that side.
    pub bounds: Vec<(f64, f64)>,
    /// Group (sector) constraints.
    pub groups: Vec<Group>,
}

impl Constraints {
    /// Long-only, fully invested: `0 ≤ w_i ≤ 1` (the default convention).
    pub fn long_only(n: usize) -> Self {
        Self::uniform(n, 0.0, 1.0)
    }

    /// The same bounds `lower ≤ w_i ≤ upper` for every asset.
    pub fn uniform(n: usize, lower: f64, upper: f64) -> Self {
        Self {
            bounds: vec![(lower, upper); n],
            groups: Vec::new(),
        }
    }

    /// Adds a group constraint `lower ≤ Σ_{i ∈ assets} w_i ≤ upper`.
    pub fn with_group(mut self, assets: Vec<usize>, lower: f64, upper: f64) -> Self {
        self.groups.push(Group {
            assets,
            lower,
            upper,
        });
        self
    }

    fn validate(&self, n: usize) -> Result<(), RiskError> {
        if self.bounds.len() != n {
            return Err(RiskError::DimensionMismatch {
                what: "constraints.bounds",
                expected: n,
                found: self.bounds.len(),
            });
        }
        for (asset, &(lower, upper)) in self.bounds.iter().enumerate() {
            if lower.is_nan() || upper.is_nan() || lower > upper || lower == f64::INFINITY {
                return Err(RiskError::InvalidBounds {
                    asset,
                    lower,
                    upper,
                });
            }
        }
        for (group, g) in self.groups.iter().enumerate() {
            let bad = |reason: String| Err(RiskError::InvalidGroup { group, reason });
            if g.assets.is_empty() {
                return bad("no assets".into());
            }
            if let Some(&i) = g.assets.iter().find(|&&i| i >= n) {
                return bad(format!("asset index {i} >= {n}"));
            }
            if g.lower.is_nan() || g.upper.is_nan() || g.lower > g.upper {
                return bad(format!("lower {} > upper {}", g.lower, g.upper));
            }
        }
        Ok(())
    }
}

/// An optimal portfolio and its annualised moments.
#[derive(Debug, Clone, PartialEq)]
pub struct Portfolio {
    /// Weights, summing to 1.
    pub weights: DVector<f64>,
    /// Expected return μᵀw.
    pub expected_return: f64,
    /// Variance wᵀΣw.
    pub variance: f64,
}

impl Portfolio {
    /// Volatility √(wᵀΣw).
    pub fn volatility(&self) -> f64 {
        self.variance.max(0.0).sqrt()
    }

    /// Sharpe ratio (μᵀw − r_f) / σ; `None` when σ = 0.
    pub fn sharpe(&self, risk_free: f64) -> Option<f64> {
        let v = self.volatility();
        (v > 0.0).then(|| (self.expected_return - risk_free) / v)
    }
}

/// Which QP solver a [`MeanVariance`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QpSolver {
    /// The dense primal active-set method (`optimize::qp`), falling back to clarabel on
    /// numerical trouble. The default.
    #[default]
    ActiveSet,
    /// Clarabel's interior-point method only (the reference).
    Clarabel,
}

/// A mean-variance problem: expected returns, covariance and constraints.
#[derive(Debug, Clone)]
pub struct MeanVariance {
    mu: DVector<f64>,
    cov: DMatrix<f64>,
    constraints: Constraints,
    solver: QpSolver,
}

/// One linear row `Σ coef_j x_j (≤ or =) rhs`.
type Row = (Vec<(usize, f64)>, f64);

impl MeanVariance {
    /// A long-only problem from annualised expected returns `mu` and covariance `cov`.
    pub fn new(mu: DVector<f64>, cov: DMatrix<f64>) -> Result<Self, RiskError> {
        if mu.is_empty() {
            return Err(RiskError::Empty { what: "mu" });
        }
        let n = mu.len();
        check_vec("mu", &mu, n)?;
        check_cov(&cov, Some(n))?;
        Ok(Self {
            mu,
            cov,
            constraints: Constraints::long_only(n),
            solver: QpSolver::default(),
        })
    }

    /// Chooses the QP solver (default [`QpSolver::ActiveSet`]).
    #[must_use]
    pub fn with_solver(mut self, solver: QpSolver) -> Self {
        self.solver = solver;
        self
    }

    /// Replaces the constraints (validated against the number of assets).
    pub fn with_constraints(mut self, constraints: Constraints) -> Result<Self, RiskError> {
        constraints.validate(self.mu.len())?;
        self.constraints = constraints;
        Ok(self)
    }

    /// Number of assets.
    pub fn n_assets(&self) -> usize {
        self.mu.len()
    }

    /// Minimum-variance portfolio under the constraints.
    pub fn min_variance(&self) -> Result<Portfolio, RiskError> {
        const PROBLEM: &str = "min variance";
        self.check_weight_feasibility(PROBLEM)?;
        if self.solver == QpSolver::ActiveSet {
            let (rows, labels) = self.active_set_rows(None);
            if let Some(w) = self.active_set(PROBLEM, rows, &labels)? {
                return Ok(self.portfolio(w));
            }
        }
        let (eq, ineq) = self.weight_rows(None);
        let x = solve(
            "min variance",
            &self.p_upper(0),
            &vec![0.0; self.n_assets()],
            &eq,
            &ineq,
        )?;
        Ok(self.portfolio(x))
    }

    /// Minimum-variance portfolio with expected return exactly `target` (μᵀw = r*).
    ///
    /// For targets above the min-variance return this is PyPortfolioOpt's
    /// `efficient_return` (which imposes μᵀw ≥ r*).
    pub fn target_return(&self, target: f64) -> Result<Portfolio, RiskError> {
        if !target.is_finite() {
            return Err(RiskError::InvalidInput {
                name: "target",
                value: target,
                expected: "finite",
            });
        }
        const PROBLEM: &str = "target return";
        self.check_weight_feasibility(PROBLEM)?;
        if self.solver == QpSolver::ActiveSet {
            let (rows, labels) = self.active_set_rows(Some(target));
            if let Some(w) = self.active_set(PROBLEM, rows, &labels)? {
                return Ok(self.portfolio(w));
            }
        }
        let (eq, ineq) = self.weight_rows(Some(target));
        let x = solve(
            "target return",
            &self.p_upper(0),
            &vec![0.0; self.n_assets()],
            &eq,
            &ineq,
        )?;
        Ok(self.portfolio(x))
    }

    /// Maximum-Sharpe (tangency) portfolio for the annual risk-free rate `risk_free`.
    ///
    /// Needs some attainable portfolio with expected return above `risk_free`; otherwise
    /// the homogenised problem is infeasible and [`RiskError::Infeasible`] is returned.
    pub fn max_sharpe(&self, risk_free: f64) -> Result<Portfolio, RiskError> {
        if !risk_free.is_finite() {
            return Err(RiskError::InvalidInput {
                name: "risk_free",
                value: risk_free,
                expected: "finite",
            });
        }
        let n = self.n_assets();
        if self.solver == QpSolver::ActiveSet
            && let Some(w) = self.max_sharpe_active_set(risk_free)?
        {
            return Ok(self.portfolio(w));
        }
        let k = n; // index of κ
        let all = |c: f64| (0..n).map(move |i| (i, c));
        // Homogenisation (Cornuejols & Tütüncü 2007 §8.2): y = κ w.
        let mut eq: Vec<Row> = vec![((0..n).map(|i| (i, self.mu[i] - risk_free)).collect(), 1.0)];
        eq.push((all(1.0).chain([(k, -1.0)]).collect(), 0.0));
        let mut ineq: Vec<Row> = vec![(vec![(k, -1.0)], 0.0)];
        for (i, &(lo, hi)) in self.constraints.bounds.iter().enumerate() {
            if hi.is_finite() {
                ineq.push((vec![(i, 1.0), (k, -hi)], 0.0));
            }
            if lo.is_finite() {
                ineq.push((vec![(i, -1.0), (k, lo)], 0.0));
            }
        }
        for g in &self.constraints.groups {
            if g.upper.is_finite() {
                ineq.push((
                    g.assets
                        .iter()
                        .map(|&i| (i, 1.0))
                        .chain([(k, -g.upper)])
                        .collect(),
                    0.0,
                ));
            }
            if g.lower.is_finite() {
                ineq.push((
                    g.assets
                        .iter()
                        .map(|&i| (i, -1.0))
                        .chain([(k, g.lower)])
                        .collect(),
                    0.0,
                ));
            }
        }
        let x = solve(
            "max Sharpe",
            &self.p_upper(1),
            &vec![0.0; n + 1],
            &eq,
            &ineq,
        )?;
        let kappa = x[k];
        if !(kappa > 0.0 && kappa.is_finite()) {
            return Err(RiskError::SolverFailed {
                problem: "max Sharpe",
                status: format!("scale κ = {kappa} is not positive"),
            });
        }
        Ok(self.portfolio(x[..n].iter().map(|y| y / kappa).collect()))
    }

    /// Largest attainable expected return under the constraints (an LP).
    pub fn max_return(&self) -> Result<Portfolio, RiskError> {
        let n = self.n_assets();
        let (eq, ineq) = self.weight_rows(None);
        let q: Vec<f64> = self.mu.iter().map(|m| -m).collect();
        let x = solve("max return", &CscMatrix::zeros((n, n)), &q, &eq, &ineq)?;
        Ok(self.portfolio(x))
    }

    /// `points` target-return portfolios evenly spaced in expected return from the
    /// min-variance portfolio to the max-return portfolio (both included).
    pub fn frontier(&self, points: usize) -> Result<Vec<Portfolio>, RiskError> {
        if points < 2 {
            return Err(RiskError::InvalidInput {
                name: "points",
                value: points as f64,
                expected: ">= 2",
            });
        }
        let lo = self.min_variance()?;
        let hi = self.max_return()?;
        let (r0, r1) = (lo.expected_return, hi.expected_return);
        let mut out = Vec::with_capacity(points);
        out.push(lo);
        for k in 1..points - 1 {
            let r = r0 + (r1 - r0) * k as f64 / (points - 1) as f64;
            out.push(self.target_return(r)?);
        }
        // the top point is the max-return corner itself: pick the least-variance one there
        out.push(self.target_return(r1).unwrap_or(hi));
        Ok(out)
    }

    /// Closed-form feasibility checks that name the constraints at fault: the budget
    /// against the sums of the bounds, each group against its assets' bounds.
    fn check_weight_feasibility(&self, problem: &'static str) -> Result<(), RiskError> {
        let b = &self.constraints.bounds;
        let lo: f64 = b.iter().map(|x| x.0).sum();
        let hi: f64 = b.iter().map(|x| x.1).sum();
        let slack = 1e-12;
        if lo > 1.0 + slack {
            return Err(RiskError::Infeasible {
                problem,
                constraints: format!("budget Σw = 1 vs lower bounds (Σ lower = {lo})"),
            });
        }
        if hi < 1.0 - slack {
            return Err(RiskError::Infeasible {
                problem,
                constraints: format!("budget Σw = 1 vs upper bounds (Σ upper = {hi})"),
            });
        }
        for (gi, g) in self.constraints.groups.iter().enumerate() {
            let glo: f64 = g.assets.iter().map(|&i| b[i].0).sum();
            let ghi: f64 = g.assets.iter().map(|&i| b[i].1).sum();
            if g.upper < glo - slack {
                return Err(RiskError::Infeasible {
                    problem,
                    constraints: format!(
                        "group {gi} upper {} vs its assets' lower bounds (Σ = {glo})",
                        g.upper
                    ),
                });
            }
            if g.lower > ghi + slack {
                return Err(RiskError::Infeasible {
                    problem,
                    constraints: format!(
                        "group {gi} lower {} vs its assets' upper bounds (Σ = {ghi})",
                        g.lower
                    ),
                });
            }
        }
        Ok(())
    }

    /// Budget, optional return target and groups as rows for the active-set solver, with
    /// a label for each (used to name infeasible rows).
    fn active_set_rows(&self, target: Option<f64>) -> (Vec<LinRow>, Vec<String>) {
        let n = self.n_assets();
        let mut rows = vec![LinRow {
            coefs: (0..n).map(|i| (i, 1.0)).collect(),
            kind: RowKind::Eq,
            rhs: 1.0,
        }];
        let mut labels = vec!["budget Σw = 1".to_string()];
        if let Some(r) = target {
            rows.push(LinRow {
                coefs: (0..n).map(|i| (i, self.mu[i])).collect(),
                kind: RowKind::Eq,
                rhs: r,
            });
            labels.push(format!("target return μᵀw = {r}"));
        }
        for (gi, g) in self.constraints.groups.iter().enumerate() {
            if g.upper.is_finite() {
                rows.push(LinRow {
                    coefs: g.assets.iter().map(|&i| (i, 1.0)).collect(),
                    kind: RowKind::Le,
                    rhs: g.upper,
                });
                labels.push(format!("group {gi} Σw ≤ {}", g.upper));
            }
            if g.lower.is_finite() {
                rows.push(LinRow {
                    coefs: g.assets.iter().map(|&i| (i, -1.0)).collect(),
                    kind: RowKind::Le,
                    rhs: -g.lower,
                });
                labels.push(format!("group {gi} Σw ≥ {}", g.lower));
            }
        }
        (rows, labels)
    }

    /// Runs the active-set solver on min ½wᵀΣw under `rows` and the bounds. `Ok(None)`
    /// asks the caller to fall back to clarabel.
    fn active_set(
        &self,
        problem: &'static str,
        rows: Vec<LinRow>,
        labels: &[String],
    ) -> Result<Option<Vec<f64>>, RiskError> {
        let n = self.n_assets();
        let qp = QpProblem {
            h: &self.cov,
            c: vec![0.0; n],
            lower: self.constraints.bounds.iter().map(|b| b.0).collect(),
            upper: self.constraints.bounds.iter().map(|b| b.1).collect(),
            rows,
        };
        finish(problem, qp::solve(&qp), labels)
    }

    /// Max Sharpe by the active-set solver on the homogenised problem with κ = 1ᵀy
    /// eliminated (see the module docs). `Ok(None)` asks for the clarabel fallback.
    fn max_sharpe_active_set(&self, risk_free: f64) -> Result<Option<Vec<f64>>, RiskError> {
        let n = self.n_assets();
        let b = &self.constraints.bounds;
        let long_only = b.iter().all(|x| x.0 >= 0.0);
        let all = |c: f64| (0..n).map(move |i| (i, c));
        let mut rows = vec![
            LinRow {
                coefs: (0..n).map(|i| (i, self.mu[i] - risk_free)).collect(),
                kind: RowKind::Eq,
                rhs: 1.0,
            },
            LinRow {
                coefs: all(-1.0).collect(),
                kind: RowKind::Le,
                rhs: 0.0,
            },
        ];
        let mut labels = vec![
            format!("expected return above the risk-free rate {risk_free} (μᵀw > r_f)"),
            "scale κ = Σy ≥ 0".to_string(),
        ];
        let mut lower = vec![f64::NEG_INFINITY; n];
        // y_i ≥ l_i κ  ⇔  l_i Σ_j y_j − y_i ≤ 0; a zero bound is a plain bound on y_i.
        // y_i ≤ u_i κ  ⇔  y_i − u_i Σ_j y_j ≤ 0; implied when y ≥ 0 and u_i ≥ 1.
        // The same for groups (lower ≤ 0 and upper ≥ 1 are implied when y ≥ 0).
        let mut push = |coefs: Vec<(usize, f64)>, label: String| {
            rows.push(LinRow {
                coefs,
                kind: RowKind::Le,
                rhs: 0.0,
            });
            labels.push(label);
        };
        let hom = |members: &[usize], sign: f64, bound: f64| -> Vec<(usize, f64)> {
            let mut v = vec![0.0; n];
            for x in v.iter_mut() {
                *x = -sign * bound;
            }
            for &i in members {
                v[i] += sign;
            }
            v.into_iter().enumerate().filter(|x| x.1 != 0.0).collect()
        };
        for (i, &(lo, hi)) in b.iter().enumerate() {
            if lo == 0.0 {
                lower[i] = 0.0;
            } else if lo.is_finite() {
                push(
                    hom(&[i], -1.0, lo),
                    format!("lower bound {lo} of asset {i}"),
                );
            }
            if hi.is_finite() && !(long_only && hi >= 1.0) {
                push(hom(&[i], 1.0, hi), format!("upper bound {hi} of asset {i}"));
            }
        }
        for (gi, g) in self.constraints.groups.iter().enumerate() {
            if g.upper.is_finite() && !(long_only && g.upper >= 1.0) {
                push(
                    hom(&g.assets, 1.0, g.upper),
                    format!("group {gi} Σw ≤ {}", g.upper),
                );
            }
            if g.lower.is_finite() && !(long_only && g.lower <= 0.0) {
                push(
                    hom(&g.assets, -1.0, g.lower),
                    format!("group {gi} Σw ≥ {}", g.lower),
                );
            }
        }
        let qp = QpProblem {
            h: &self.cov,
            c: vec![0.0; n],
            lower,
            upper: vec![f64::INFINITY; n],
            rows,
        };
        let Some(y) = finish("max Sharpe", qp::solve(&qp), &labels)? else {
            return Ok(None);
        };
        let kappa: f64 = y.iter().sum();
        if !(kappa > 0.0 && kappa.is_finite()) {
            return Ok(None);
        }
        Ok(Some(y.iter().map(|v| v / kappa).collect()))
    }

    /// Upper triangle of Σ in CSC, padded with `extra` zero rows/columns.
    fn p_upper(&self, extra: usize) -> CscMatrix<f64> {
        let n = self.n_assets();
        let mut colptr = Vec::with_capacity(n + extra + 1);
        let mut rowval = Vec::with_capacity(n * (n + 1) / 2);
        let mut nzval = Vec::with_capacity(n * (n + 1) / 2);
        colptr.push(0);
        for j in 0..n {
            for i in 0..=j {
                rowval.push(i);
                nzval.push(self.cov[(i, j)]);
            }
            colptr.push(rowval.len());
        }
        for _ in 0..extra {
            colptr.push(rowval.len());
        }
        CscMatrix::new(n + extra, n + extra, colptr, rowval, nzval)
    }

    /// Budget, optional return target, bounds and groups as rows on w.
    fn weight_rows(&self, target: Option<f64>) -> (Vec<Row>, Vec<Row>) {
        let n = self.n_assets();
        let mut eq: Vec<Row> = vec![((0..n).map(|i| (i, 1.0)).collect(), 1.0)];
        if let Some(r) = target {
            eq.push(((0..n).map(|i| (i, self.mu[i])).collect(), r));
        }
        let mut ineq: Vec<Row> = Vec::new();
        for (i, &(lo, hi)) in self.constraints.bounds.iter().enumerate() {
            if hi.is_finite() {
                ineq.push((vec![(i, 1.0)], hi));
            }
            if lo.is_finite() {
                ineq.push((vec![(i, -1.0)], -lo));
            }
        }
        for g in &self.constraints.groups {
            if g.upper.is_finite() {
                ineq.push((g.assets.iter().map(|&i| (i, 1.0)).collect(), g.upper));
            }
            if g.lower.is_finite() {
                ineq.push((g.assets.iter().map(|&i| (i, -1.0)).collect(), -g.lower));
            }
        }
        (eq, ineq)
    }

    fn portfolio(&self, w: Vec<f64>) -> Portfolio {
        let weights = DVector::from_vec(w);
        let expected_return = self.mu.dot(&weights);
        let variance = weights.dot(&(&self.cov * &weights));
        Portfolio {
            weights,
            expected_return,
            variance,
        }
    }
}

/// Maps the active-set outcome: weights, an infeasibility naming its rows, or `None` for
/// the clarabel fallback.
fn finish(
    problem: &'static str,
    out: Result<Vec<f64>, QpError>,
    labels: &[String],
) -> Result<Option<Vec<f64>>, RiskError> {
    match out {
        Ok(w) => Ok(Some(w)),
        Err(QpError::Infeasible(rows)) => Err(RiskError::Infeasible {
            problem,
            constraints: rows
                .iter()
                .map(|&(j, miss)| {
                    let label = labels.get(j).map_or("a constraint", String::as_str);
                    format!("{label} (misses by {miss:.3e})")
                })
                .collect::<Vec<_>>()
                .join("; "),
        }),
        Err(QpError::Numerical(_)) => Ok(None),
    }
}

/// Solves min ½xᵀPx + qᵀx s.t. equality rows and `≤` rows with clarabel.
fn solve(
    problem: &'static str,
    p: &CscMatrix<f64>,
    q: &[f64],
    eq: &[Row],
    ineq: &[Row],
) -> Result<Vec<f64>, RiskError> {
    let nv = q.len();
    let (mut ri, mut ci, mut vals, mut b) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (r, (coefs, rhs)) in eq.iter().chain(ineq).enumerate() {
        for &(j, v) in coefs {
            ri.push(r);
            ci.push(j);
            vals.push(v);
        }
        b.push(*rhs);
    }
    let a = CscMatrix::new_from_triplets(b.len(), nv, ri, ci, vals);
    let cones: Vec<SupportedConeT<f64>> = [
        (!eq.is_empty()).then_some(ZeroConeT(eq.len())),
        (!ineq.is_empty()).then_some(NonnegativeConeT(ineq.len())),
    ]
    .into_iter()
    .flatten()
    .collect();
    let settings = DefaultSettings {
        verbose: false,
        tol_gap_abs: 1e-13,
        tol_gap_rel: 1e-13,
        tol_feas: 1e-13,
        max_iter: 300,
        ..DefaultSettings::default()
    };
    let mut solver = DefaultSolver::new(p, q, &a, &b, &cones, settings).map_err(|e| {
        RiskError::SolverFailed {
            problem,
            status: e.to_string(),
        }
    })?;
    solver.solve();
    let status = solver.solution.status;
    match status {
        SolverStatus::Solved | SolverStatus::AlmostSolved => {}
        s @ (SolverStatus::PrimalInfeasible
        | SolverStatus::DualInfeasible
        | SolverStatus::AlmostPrimalInfeasible
        | SolverStatus::AlmostDualInfeasible) => {
            return Err(RiskError::Infeasible {
                problem,
                constraints: format!("the constraints as a whole (clarabel status {s})"),
            });
        }
        s => {
            return Err(RiskError::SolverFailed {
                problem,
                status: s.to_string(),
            });
        }
    }
    if solver.solution.x.iter().any(|x| !x.is_finite()) {
        return Err(RiskError::SolverFailed {
            problem,
            status: "non-finite solution".into(),
        });
    }
    Ok(solver.solution.x.clone())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn toy() -> MeanVariance {
        // three assets, correlated; hand-checkable
        let cov = DMatrix::from_row_slice(
            3,
            3,
            &[0.04, 0.006, 0.002, 0.006, 0.09, 0.009, 0.002, 0.009, 0.0225],
        );
        MeanVariance::new(DVector::from_vec(vec![0.08, 0.12, 0.05]), cov).unwrap()
    }

    #[test]
    fn two_asset_min_variance_has_closed_form() {
        // w1 = (σ2² − σ12) / (σ1² + σ2² − 2σ12) (Markowitz 1952, two-asset case)
        let cov = DMatrix::from_row_slice(2, 2, &[0.04, 0.01, 0.01, 0.09]);
        let mv = MeanVariance::new(DVector::from_vec(vec![0.1, 0.2]), cov).unwrap();
        let p = mv.min_variance().unwrap();
        let w1 = (0.09 - 0.01) / (0.04 + 0.09 - 0.02);
        assert!((p.weights[0] - w1).abs() < 1e-9, "{}", p.weights);
    }

    #[test]
    fn max_sharpe_beats_frontier_points() {
        let mv = toy();
        let ms = mv.max_sharpe(0.02).unwrap();
        assert!((ms.weights.sum() - 1.0).abs() < 1e-9);
        let s = ms.sharpe(0.02).unwrap();
        for p in mv.frontier(8).unwrap() {
            assert!(p.sharpe(0.02).unwrap() <= s + 1e-9);
        }
    }

    #[test]
    fn infeasible_bounds_name_the_status() {
        let mv = toy()
            .with_constraints(Constraints::uniform(3, 0.0, 0.2))
            .unwrap();
        let e = mv.min_variance().unwrap_err();
        assert!(
            matches!(
                e,
                RiskError::Infeasible {
                    problem: "min variance",
                    ..
                }
            ),
            "{e}"
        );
        // no asset beats the risk-free rate: max Sharpe infeasible
        assert!(matches!(
            toy().max_sharpe(0.5),
            Err(RiskError::Infeasible { .. })
        ));
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        assert!(matches!(
            toy().with_constraints(Constraints::uniform(3, 0.5, 0.1)),
            Err(RiskError::InvalidBounds { asset: 0, .. })
        ));
        assert!(matches!(
            toy().with_constraints(Constraints::long_only(3).with_group(vec![7], 0.0, 1.0)),
            Err(RiskError::InvalidGroup { group: 0, .. })
        ));
        let cov = DMatrix::from_row_slice(2, 2, &[0.04, f64::NAN, 0.01, 0.09]);
        assert!(MeanVariance::new(DVector::from_vec(vec![0.1, 0.2]), cov).is_err());
        assert!(toy().target_return(f64::NAN).is_err());
        assert!(toy().frontier(1).is_err());
    }
}
