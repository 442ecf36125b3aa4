//! The accurate American price: the Andersen-Lake-Offengenden fixed-point method.
//!
//! L. Andersen, M. Lake and D. Offengenden, "High-performance American option pricing",
//! Journal of Computational Finance 20(1) (2016) 39–87 ("ALO"). For a put with rate `r`
//! and dividend yield `q` (calls by the symmetry `C(S, K, r, q) = P(K, S, q, r)`,
//! McDonald & Schroder 1998):
//!
//! 1. **Exercise boundary** `B(τ)`, `τ` the time to expiry, solves ALO's value-matching
//!    system "FP-B" (ALO eq. (27)–(29)): `B(τ) = K e^{−(r−q)τ} N(τ,B)/D(τ,B)` with
//!    `N = Φ(d₋(τ, B(τ)/K)) + r ∫₀^τ e^{ru} Φ(d₋(τ−u, B(τ)/B(u))) du`,
//!    `D = Φ(d₊(τ, B(τ)/K)) + q ∫₀^τ e^{qu} Φ(d₊(τ−u, B(τ)/B(u))) du`,
//!    `d±(τ, z) = (ln z + (r − q)τ ± σ²τ/2)/(σ√τ)`.
//! 2. **Discretisation** (ALO §4): `H(√τ) = ln(B(τ)/X)²`, `X = K·min(1, r/q)` the limit
//!    `B(0⁺)`, is interpolated by a Chebyshev polynomial in `√τ` on `n + 1`
//!    Chebyshev-Lobatto nodes. The integrals over `u ∈ [0, τ]` are split at `τ/2`, with
//!    `u = v²` on the first half (where `B(u) − X ~ √u`) and `τ − u = z²` on the second
//!    (where `d± ~ √(τ − u)`), `l`-point Gauss-Legendre on each.
//! 3. **Start and iteration.** Li's QD+ critical price at each node ([`super::qd_plus`],
//!    as ALO §5.1), then `m` **Newton** sweeps on the discretised system
//!    `F_i(x) = ln f_i(x) − x_i = 0`, `x_i = ln B(τ_i)`, with the full `n × n` Jacobian:
//!    the dependence of `f_i` on `B(τ_i)` and, through the interpolant, on every `B(u)`
//!    (`∂ln B(u)/∂x_k = ℓ_k(y)√H_k/√H(u)`, `ℓ_k` the Lagrange basis, evaluated as
//!    `Σ_j M_jk T_j(y)` from the Chebyshev moments of the integrands). ALO's
//!    Jacobi-Newton step (§4.3) keeps only the explicit part of the diagonal; it (and
//!    the plain fixed point) contracts by only ~0.3 per sweep at long maturities and
//!    high `r` (7e-3 price error after 2 sweeps at T = 3, r = 10%, σ = 35%), while the
//!    full Newton step has converged to 1e-9 after 2 sweeps from QD+ everywhere on the
//!    test grids. The first of several sweeps uses a coarser rule (`⌈l/2⌉` points),
//!    since its result only has to be good enough for the last sweep's quadratic
//!    convergence.
//! 4. **Price** (Kim 1990; ALO eq. (8)): `V = p_E(S) + ∫₀^T [rK e^{−r(T−u)}
//!    Φ(−d₋(T−u, S/B(u))) − qS e^{−q(T−u)} Φ(−d₊(T−u, S/B(u)))] du` for `S > B(T)`,
//!    `K − S` otherwise; the integral is split at `T/2` in the same way, `p`-point
//!    Gauss-Legendre on each half.
//!
//! Cost: every quadrature point needs two `exp` (the densities, which also give `Φ`
//! through `erfcx`, see [`cdf_with_density`]); the boundary-independent parts (discounts,
//! `σ√s`, Chebyshev polynomials at each point) are computed once per option in a
//! per-thread buffer, so there is no allocation per option.
//!
//! Schemes (`(n, m, l, p)`), errors against the high-precision scheme at S ≈ K ≈ 100
//! (S/K ∈ [0.7, 1.3], σ ∈ [0.05, 0.8], r, q ∈ [0, 0.1]):
//! The default schemes do two sweeps, and a third when the second Newton step exceeds
//! 1e-3 in `ln B` or `σ < 10%` (where the price is most sensitive to the boundary).
//! - [`FixedPointScheme::fast`] `(7, 3, 4, 14)`: the default for `T ≤ 2`; worst 3.5e-5
//!   on the realistic test chain, typically 1e-6; about 10 µs per option single-threaded
//!   in release on the development machine.
//! - [`FixedPointScheme::fast_long_dated`] `(9, 3, 4, 14)`: the default for `T > 2`;
//!   worst 4e-5 at T = 3; about 13 µs.
//! - [`FixedPointScheme::high_precision`] `(32, 8, 32, 64)`: agrees with a
//!   `(48, 24, 48, 96)` scheme to 1.3e-7 and with ALO's published high-precision
//!   example to 1e-10; the truth of the tests (and checked against Leisen-Reimer
//!   trees, including σ = 3%, T = 3, r = 10%). About 2–4 ms.
//!
//! **Domain.** The method is used for the standard single-boundary case (the put's
//! `r > 0`, any `q`, i.e. calls with `q > 0`) at every `σ√T > 1e-10` (validated down
//! to `σ√T = 5e-6`). Without early exercise the price is the European one; the
//! negative-rate double-boundary regimes (put: `q < r ≤ 0`; call: `r < q ≤ 0`) go to
//! the extrapolated Leisen-Reimer tree ([`super::binomial`]), as documented in
//! [`super::price`].

use std::cell::RefCell;
use std::f64::consts::FRAC_1_SQRT_2;
use std::sync::OnceLock;

use implied_vol::{DefaultSpecialFn, SpecialFn};
use thetalab_core::OptionRight;

use super::gauss::GaussLegendre;
use super::qd_plus;
use crate::black_scholes;
use crate::normal::FRAC_1_SQRT_2PI;
use crate::{OptionInputs, PricingError, Result};

/// The largest Chebyshev degree a scheme may use (stack-allocated node arrays).
pub const MAX_CHEBYSHEV_DEGREE: usize = 64;
const NODES: usize = MAX_CHEBYSHEV_DEGREE + 1;

/// Boundary-independent data of one quadrature point of the FP integrals.
#[derive(Debug, Clone, Copy)]
struct Point {
    /// Chebyshev coordinate `2√u/√T − 1` of the point's `u`.
    y: f64,
    /// `1/(σ√s)`, `s = τ − u`.
    inv_vs: f64,
    /// `(r − q)s/(σ√s) − σ√s/2`.
    drift: f64,
    /// `σ√s`.
    vs: f64,
    /// Quadrature weight (in `du`) times `e^{−rs}`.
    wr: f64,
    /// Quadrature weight (in `du`) times `e^{−qs}`.
    wq: f64,
}

/// The default schemes stop after two Newton sweeps when the second step is below this
/// in `ln B` (the remaining error is then about its square) and `σ ≥ 10%`; otherwise they
/// do a third (which converges to 1e-10 in every case of the tests).
const DEFAULT_STEP_TOL: f64 = 1e-3;

/// Per-thread buffers (no allocation per option once warm).
#[derive(Debug, Default)]
struct Scratch {
    /// Quadrature points, `2l` per node.
    points: Vec<Point>,
    /// `T_j(y_p)`, `j = 0..=n`, of every point, row-major.
    cheb: Vec<f64>,
    /// Newton's `n × n` Jacobian, row-major.
    jac: Vec<f64>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Solves `A·x = b` in place (`b` becomes `x`) by Gaussian elimination with partial
/// pivoting; `false` if `A` is singular or not finite.
fn solve_linear(a: &mut [f64], b: &mut [f64], n: usize) -> bool {
    for c in 0..n {
        let mut piv = c;
        for rr in c + 1..n {
            if a[rr * n + c].abs() > a[piv * n + c].abs() {
                piv = rr;
            }
        }
        let pv = a[piv * n + c];
        if !(pv.abs() > 1e-300 && pv.is_finite()) {
            return false;
        }
        if piv != c {
            for k in 0..n {
                a.swap(c * n + k, piv * n + k);
            }
            b.swap(c, piv);
        }
        for rr in c + 1..n {
            let f = a[rr * n + c] / pv;
            if f != 0.0 {
                for k in c..n {
                    a[rr * n + k] -= f * a[c * n + k];
                }
                b[rr] -= f * b[c];
            }
        }
    }
    for c in (0..n).rev() {
        let mut v = b[c];
        for k in c + 1..n {
            v -= a[c * n + k] * b[k];
        }
        b[c] = v / a[c * n + c];
    }
    b[..n].iter().all(|v| v.is_finite())
}

/// A discretisation of the fixed-point method: Chebyshev degree `n`, Newton sweeps
/// `m`, Gauss-Legendre points `l` for the boundary integrals and `p` for each half of the
/// price integral.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedPointScheme {
    degree: usize,
    sweeps: usize,
    /// Stop after two or more sweeps once the largest Newton step in `ln B` is below this
    /// (0: always `m` sweeps).
    step_tol: f64,
    boundary_rule: GaussLegendre,
    /// The first sweep's rule, `max(2, ⌈l/2⌉)` points.
    coarse_rule: GaussLegendre,
    price_rule: GaussLegendre,
    /// `cos(jπ/n)`, `j = 0..2n`.
    cos_table: Vec<f64>,
    /// `M` with Chebyshev coefficients `c_j = Σ_k M_jk H_k` of the interpolant through
    /// the node values `H_k`, row-major `(n + 1) × (n + 1)`.
    fit_matrix: Vec<f64>,
}

impl FixedPointScheme {
    /// A custom scheme: Chebyshev degree `n ∈ [2, 64]`, `m ≥ 1` sweeps, `l ≥ 2` and
    /// `p ≥ 2` quadrature points (each at most 512).
    pub fn new(
        degree: usize,
        sweeps: usize,
        boundary_points: usize,
        price_points: usize,
    ) -> Result<Self> {
        let check = |field: &'static str, v: usize, lo: usize, hi: usize| {
            if v < lo || v > hi {
                Err(PricingError::InvalidInput {
                    field,
                    value: v as f64,
                    reason: "outside the allowed range",
                })
            } else {
                Ok(())
            }
        };
        check("chebyshev degree", degree, 2, MAX_CHEBYSHEV_DEGREE)?;
        check("sweeps", sweeps, 1, 1000)?;
        check("boundary points", boundary_points, 2, 512)?;
        check("price points", price_points, 2, 512)?;
        let cos_table: Vec<f64> = (0..2 * degree)
            .map(|j| (std::f64::consts::PI * j as f64 / degree as f64).cos())
            .collect();
        let m1 = degree + 1;
        let mut fit_matrix = vec![0.0; m1 * m1];
        for j in 0..m1 {
            for k in 0..m1 {
                let ends = |i: usize| if i == 0 || i == degree { 0.5 } else { 1.0 };
                fit_matrix[j * m1 + k] =
                    2.0 / degree as f64 * ends(j) * ends(k) * cos_table[(j * k) % (2 * degree)];
            }
        }
        Ok(Self {
            degree,
            sweeps,
            step_tol: 0.0,
            fit_matrix,
            boundary_rule: GaussLegendre::new(boundary_points),
            coarse_rule: GaussLegendre::new(boundary_points.div_ceil(2).max(2)),
            price_rule: GaussLegendre::new(price_points),
            cos_table,
        })
    }

    /// The default scheme `(n, m, l, p) = (7, 3, 4, 14)`, stopping after two sweeps when
    /// converged (ALO's and QuantLib's "fast" scheme is `(7, 2, 7–8)`): 1e-4 absolute accuracy at S ≈ K ≈ 100 for
    /// `T ≤ 2`, `σ ≥ 5%` (worst 3.5e-5 on the realistic test chain, typically 1e-6), about
    /// 10 µs per option.
    #[must_use]
    pub fn fast() -> &'static Self {
        static S: OnceLock<FixedPointScheme> = OnceLock::new();
        S.get_or_init(|| Self::build(7, 3, 4, 14).with_step_tol(DEFAULT_STEP_TOL))
    }

    /// The default scheme for `T > 2` years, `(9, 3, 4, 14)` (same early stop): the boundary over a long
    /// life needs two more nodes for 1e-4 (7 nodes: up to 1.5e-4 at T = 3, r = 10%;
    /// 9 nodes: 4e-5), about 13 µs per option.
    #[must_use]
    pub fn fast_long_dated() -> &'static Self {
        static S: OnceLock<FixedPointScheme> = OnceLock::new();
        S.get_or_init(|| Self::build(9, 3, 4, 14).with_step_tol(DEFAULT_STEP_TOL))
    }

    /// Chebyshev degree `n` (the boundary is interpolated on `n + 1` nodes).
    #[must_use]
    pub fn degree(&self) -> usize {
        self.degree
    }

    /// Newton sweeps `m` over the nodes (at most `m` for the default schemes, which stop
    /// after two when the second Newton step is below 1e-3 in `ln B` and `σ ≥ 10%`).
    #[must_use]
    pub fn sweeps(&self) -> usize {
        self.sweeps
    }

    /// Gauss-Legendre points `l` on each half of the boundary integrals.
    #[must_use]
    pub fn boundary_points(&self) -> usize {
        self.boundary_rule.nodes.len()
    }

    /// Gauss-Legendre points `p` on each half of the price integral.
    #[must_use]
    pub fn price_points(&self) -> usize {
        self.price_rule.nodes.len()
    }

    /// The high-precision scheme `(32, 8, 32, 64)` (about 1e-10 relative), for reference
    /// values.
    #[must_use]
    pub fn high_precision() -> &'static Self {
        static S: OnceLock<FixedPointScheme> = OnceLock::new();
        S.get_or_init(|| Self::build(32, 8, 32, 64))
    }

    fn with_step_tol(self, step_tol: f64) -> Self {
        Self { step_tol, ..self }
    }

    fn build(n: usize, m: usize, l: usize, p: usize) -> Self {
        match Self::new(n, m, l, p) {
            Ok(s) => s,
            // Invariant: the built-in parameters are inside the checked ranges.
            Err(_) => unreachable!("built-in fixed-point scheme parameters are valid"),
        }
    }
}

/// American price with the default scheme choice of [`super::AmericanMethod::FixedPoint`]
/// ([`FixedPointScheme::fast`], [`FixedPointScheme::fast_long_dated`] for `T > 2`, the
/// high-precision scheme for `σ < 5%`). Expiry, zero volatility, the cases without early
/// exercise and the double-boundary regime are handled as in [`super::price`].
#[must_use]
pub fn price(o: &OptionInputs) -> f64 {
    price_with(o, super::scheme_of(o, super::AmericanMethod::FixedPoint))
}

/// American price with a given scheme (special cases as in [`price`]).
#[must_use]
pub fn price_with(o: &OptionInputs, scheme: &FixedPointScheme) -> f64 {
    if let Some(v) = super::trivial(o) {
        return v;
    }
    let eq = PutEquivalent::of(o);
    let b = UnitBoundary::solve(o.t, eq.r, eq.q, o.sigma, scheme);
    eq.value(o.s, &b, scheme)
}

/// The early-exercise boundary at times to expiry `tau` (each in `[0, T]`), from the
/// default scheme: the spot at or below which a put (at or above which a call) is
/// exercised. NaN-free: where early exercise is never optimal the boundary is `0` for a
/// put and `+∞` for a call. (In the double-boundary regime this reports NaN; see the
/// module docs.)
pub fn exercise_boundary(o: &OptionInputs, tau: &[f64], out: &mut [f64]) -> Result<()> {
    o.validate()?;
    if tau.len() != out.len() {
        return Err(PricingError::LengthMismatch {
            what: "out",
            got: out.len(),
            expected: tau.len(),
        });
    }
    let none = match o.right {
        OptionRight::Put => 0.0,
        OptionRight::Call => f64::INFINITY,
    };
    let regime = super::regime(o);
    if o.t.is_nan() || o.t <= 0.0 || regime == super::Regime::European {
        out.fill(none);
        return Ok(());
    }
    if regime == super::Regime::DoubleBoundary {
        out.fill(f64::NAN);
        return Ok(());
    }
    if o.sigma * o.t.sqrt() < super::TINY_VOL {
        // Deterministic path (valued without a boundary, see `super::price`).
        out.fill(f64::NAN);
        return Ok(());
    }
    let eq = PutEquivalent::of(o);
    let scheme = super::scheme_of(o, super::AmericanMethod::FixedPoint);
    let b = UnitBoundary::solve(o.t, eq.r, eq.q, o.sigma, scheme);
    for (x, &tu) in out.iter_mut().zip(tau) {
        let unit = b.at(tu.clamp(0.0, o.t));
        *x = match o.right {
            // Put strike K: boundary K·b(τ).
            OptionRight::Put => o.k * unit,
            // Call = put on the strike with spot K and strike S: exercise when
            // K/S ≤ b(τ), i.e. S ≥ K/b(τ).
            OptionRight::Call => o.k / unit,
        };
    }
    Ok(())
}

/// The put that a given option is, by McDonald-Schroder symmetry: a call
/// `C(S, K, r, q)` is the put `P(K, S, q, r)`. Prices are computed for strike 1 and
/// scaled (the boundary is homogeneous of degree one in `(S, K)`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PutEquivalent {
    right: OptionRight,
    k: f64,
    t: f64,
    pub(crate) r: f64,
    pub(crate) q: f64,
    sigma: f64,
}

impl PutEquivalent {
    pub(crate) fn of(o: &OptionInputs) -> Self {
        let (r, q) = match o.right {
            OptionRight::Put => (o.r, o.q),
            OptionRight::Call => (o.q, o.r),
        };
        Self {
            right: o.right,
            k: o.k,
            t: o.t,
            r,
            q,
            sigma: o.sigma,
        }
    }

    /// The option's value at spot `s` given the unit-strike boundary.
    pub(crate) fn value(&self, s: f64, b: &UnitBoundary, scheme: &FixedPointScheme) -> f64 {
        match self.right {
            OptionRight::Put => {
                self.k * unit_put(s / self.k, self.t, self.r, self.q, self.sigma, b, scheme)
            }
            OptionRight::Call => {
                s * unit_put(self.k / s, self.t, self.r, self.q, self.sigma, b, scheme)
            }
        }
    }
}

/// The exercise boundary of a unit-strike put, as Chebyshev coefficients of
/// `H(ξ) = ln(B/X)²` in `ξ = √τ ∈ [0, √T]`.
#[derive(Debug, Clone)]
pub(crate) struct UnitBoundary {
    degree: usize,
    sqrt_t: f64,
    x_max: f64,
    ln_x_max: f64,
    coef: [f64; NODES],
}

impl UnitBoundary {
    /// `B(τ)` for a unit strike.
    #[inline]
    pub(crate) fn at(&self, tau: f64) -> f64 {
        let xi = tau.max(0.0).sqrt();
        let y = 2.0 * xi / self.sqrt_t - 1.0;
        let h = clenshaw(&self.coef[..=self.degree], y).max(0.0);
        self.x_max * (-h.sqrt()).exp()
    }

    /// `ln B(τ)` at `√τ = xi` for a unit strike.
    #[inline]
    fn ln_at_sqrt(&self, xi: f64) -> f64 {
        let y = 2.0 * xi / self.sqrt_t - 1.0;
        self.ln_x_max - clenshaw(&self.coef[..=self.degree], y).max(0.0).sqrt()
    }

    /// The boundary (ALO §3–4) for `K = 1`: QD+ start, then `m` Newton sweeps on the
    /// discretised FP-B system (see the module docs).
    pub(crate) fn solve(t: f64, r: f64, q: f64, sigma: f64, scheme: &FixedPointScheme) -> Self {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => Self::solve_in(t, r, q, sigma, scheme, &mut scratch),
            // Invariant: `solve_in` does not call `solve`, so the buffer is never borrowed
            // twice; should that change, a fresh buffer keeps this correct.
            Err(_) => Self::solve_in(t, r, q, sigma, scheme, &mut Scratch::default()),
        })
    }

    fn solve_in(
        t: f64,
        r: f64,
        q: f64,
        sigma: f64,
        scheme: &FixedPointScheme,
        scratch: &mut Scratch,
    ) -> Self {
        let n = scheme.degree;
        // B(0⁺) = K·min(1, r/q) (ALO eq. (5)).
        let x_max = if q > r { r / q } else { 1.0 };
        let ln_x_max = x_max.ln();
        let sqrt_t = t.sqrt();
        let mut me = Self {
            degree: n,
            sqrt_t,
            x_max,
            ln_x_max,
            coef: [0.0; NODES],
        };
        // Nodes ξ_i = √T(1 + cos(iπ/n))/2, i = 0..n (i = n is τ = 0, where B = X).
        let mut tau = [0.0; NODES];
        let mut bnd = [0.0; NODES];
        let mut h = [0.0; NODES];
        for (ti, &c) in tau.iter_mut().zip(&scheme.cos_table).take(n + 1) {
            let xi = 0.5 * sqrt_t * (1.0 + c);
            *ti = xi * xi;
        }
        // Start: Li's QD+ critical price at each node (ALO §5.1), from the shortest
        // maturity to the longest, each Halley solve warm-started from its neighbour.
        let mut start = x_max;
        for i in (0..n).rev() {
            let b = qd_plus::critical_put(tau[i], r, q, sigma, x_max, start);
            bnd[i] = b;
            start = b;
        }
        bnd[n] = x_max;
        let log_sq = |b: f64| {
            let l = b.ln() - ln_x_max;
            l * l
        };
        for i in 0..=n {
            h[i] = log_sq(bnd[i]);
        }
        me.fit(&h, scheme);
        // ALO's "Auto" choice as in QuantLib: FP-A (smooth pasting) when r ≈ q, FP-B
        // (value matching) otherwise.
        // Per node and quadrature point, everything that does not depend on the
        // boundary (computed once, reused by every sweep).
        // Two sets: the scheme's rule, and (for the first of several sweeps, which only
        // has to bring QD+'s 1e-3 error down to about the quadrature error before the
        // last sweeps converge quadratically on the full rule) a coarser one.
        scratch.points.clear();
        let coarse =
            scheme.sweeps > 1 && scheme.coarse_rule.nodes.len() < scheme.boundary_rule.nodes.len();
        let rules: [&GaussLegendre; 2] = [
            &scheme.boundary_rule,
            if coarse {
                &scheme.coarse_rule
            } else {
                &scheme.boundary_rule
            },
        ];
        for g in rules {
            for &tau_i in tau.iter().take(n) {
                // The integrals over u ∈ [0, τ] are split at τ/2: u = a² on the first half
                // (B(u) − X ~ √u near 0), τ − u = a² on the second (where d± ~ √(τ − u));
                // both integrands are then smooth in a, du = 2a da.
                let half = (0.5 * tau_i).sqrt();
                let (er, eq) = ((-r * tau_i).exp(), (-q * tau_i).exp());
                for (&y, &w) in g.nodes.iter().zip(&g.weights) {
                    let a = 0.5 * half * (1.0 + y);
                    let omega = a * half * w;
                    let a2 = a * a;
                    let c = (tau_i - a2).max(0.0).sqrt();
                    // Second half: s = τ − u = a², √u = c. First half: √u = a, √s = c, and
                    // e^{−r(τ−a²)} = e^{−rτ}/e^{−ra²}.
                    let (ra, qa) = ((-r * a2).exp(), (-q * a2).exp());
                    for (sqrt_s, sqrt_u, dr, dq) in [(a, c, ra, qa), (c, a, er / ra, eq / qa)] {
                        let s = sqrt_s * sqrt_s;
                        let vs = sigma * sqrt_s;
                        scratch.points.push(Point {
                            y: 2.0 * sqrt_u / sqrt_t - 1.0,
                            inv_vs: 1.0 / vs,
                            drift: (r - q) * s / vs - 0.5 * vs,
                            vs,
                            wr: omega * dr,
                            wq: omega * dq,
                        });
                    }
                }
            }
        }
        let fine_len = 2 * scheme.boundary_rule.nodes.len() * n;
        let m1 = n + 1;
        // T_j(y) by the three-term recurrence (Trefethen, ch. 3).
        scratch.cheb.clear();
        for p in &scratch.points {
            let (mut t0, mut t1) = (1.0, p.y);
            scratch.cheb.push(t0);
            scratch.cheb.push(t1);
            for _ in 2..m1 {
                let t2 = 2.0 * p.y * t1 - t0;
                scratch.cheb.push(t2);
                (t0, t1) = (t1, t2);
            }
        }
        scratch.jac.clear();
        scratch.jac.resize(n * n, 0.0);
        let mut x = [0.0; NODES];
        let mut resid = [0.0; NODES];
        let mut naive = [0.0; NODES];
        let mut sqrt_h = [0.0; NODES];
        for i in 0..n {
            x[i] = bnd[i].ln();
        }
        for sweep in 0..scheme.sweeps {
            let (base, per_node) = if sweep == 0 && coarse {
                (fine_len, 2 * scheme.coarse_rule.nodes.len())
            } else {
                (0, 2 * scheme.boundary_rule.nodes.len())
            };
            for i in 0..n {
                sqrt_h[i] = (ln_x_max - x[i]).max(0.0);
            }
            for i in 0..n {
                let tau_i = tau[i];
                let x_i = x[i];
                let vst = sigma * tau_i.sqrt();
                let dm = (x_i + (r - q) * tau_i) / vst - 0.5 * vst;
                let dp = dm + vst;
                let (er, eq) = ((-r * tau_i).exp(), (-q * tau_i).exp());
                // FP-B (ALO eq. (27)–(29)) times e^{−rτ}, e^{−qτ}:
                // N = e^{−rτ}Φ(d₋(τ, B/K)) + r ∫ e^{−r(τ−u)} Φ(d₋(τ−u, B(τ)/B(u))) du,
                // D = e^{−qτ}Φ(d₊(τ, B/K)) + q ∫ e^{−q(τ−u)} Φ(d₊(τ−u, B(τ)/B(u))) du.
                // Alongside: the derivatives in ln B(τ) (g_n, g_d) and, as Chebyshev
                // moments t_j = Σ_p c_p T_j(y_p), in ln B(u_p) (Newton's Jacobian).
                let (mut s_n, mut s_d, mut g_n, mut g_d) = (0.0, 0.0, 0.0, 0.0);
                let mut t_n = [0.0; NODES];
                let mut t_d = [0.0; NODES];
                let lo = base + i * per_node;
                let pts = &scratch.points[lo..lo + per_node];
                let chebs = scratch.cheb[lo * m1..(lo + per_node) * m1].chunks_exact(m1);
                for (p, cheb) in pts.iter().zip(chebs) {
                    // H(y) = Σ_j c_j T_j(y).
                    let hu: f64 = me.coef[..m1].iter().zip(cheb).map(|(c, t)| c * t).sum();
                    let root = hu.max(0.0).sqrt();
                    let dmz = (x_i - ln_x_max + root) * p.inv_vs + p.drift;
                    let dpz = dmz + p.vs;
                    let (em, ep) = ((-0.5 * dmz * dmz).exp(), (-0.5 * dpz * dpz).exp());
                    s_n += p.wr * cdf_with_density(dmz, em);
                    s_d += p.wq * cdf_with_density(dpz, ep);
                    let gn = p.wr * p.inv_vs * em;
                    let gd = p.wq * p.inv_vs * ep;
                    g_n += gn;
                    g_d += gd;
                    // ∂ln B(u)/∂H(u) = −1/(2√H(u)); zero where H(u) is clamped at 0.
                    if root > 0.0 {
                        let inv = 1.0 / root;
                        let (cn, cd) = (gn * inv, gd * inv);
                        for ((tn, td), &c) in t_n.iter_mut().zip(t_d.iter_mut()).zip(cheb) {
                            *tn += cn * c;
                            *td += cd * c;
                        }
                    }
                }
                let (em, ep) = ((-0.5 * dm * dm).exp(), (-0.5 * dp * dp).exp());
                let num = er * cdf_with_density(dm, em) + r * s_n;
                let den = eq * cdf_with_density(dp, ep) + q * s_d;
                // ln f − ln B(τ), f = K e^{−(r−q)τ} N/D with K = 1.
                let ln_f = (num / den).ln();
                naive[i] = ln_f;
                resid[i] = ln_f - x_i;
                // ∂N/∂ln B(τ) (explicit term and integrands), likewise D.
                let phi = FRAC_1_SQRT_2PI;
                let an = er * phi * em / vst + r * phi * g_n;
                let ad = eq * phi * ep / vst + q * phi * g_d;
                // Through B(u): ∂ln B(u)/∂x_k = ℓ_k(y)·√H_k/√H(u), ℓ_k the Lagrange
                // basis of the Chebyshev-Lobatto interpolant, ℓ_k(y) = Σ_j M_jk T_j(y).
                let row = &mut scratch.jac[i * n..(i + 1) * n];
                for (k, jk) in row.iter_mut().enumerate() {
                    let (mut mn, mut md) = (0.0, 0.0);
                    for j in 0..m1 {
                        let mjk = scheme.fit_matrix[j * m1 + k];
                        mn += mjk * t_n[j];
                        md += mjk * t_d[j];
                    }
                    // ∂d/∂ln B(u) = −1/(σ√s).
                    *jk = phi * sqrt_h[k] * (-r * mn / num + q * md / den);
                }
                row[i] += an / num - ad / den - 1.0;
            }
            // Newton step J·Δ = −F; the plain fixed-point value where it fails.
            let newton = solve_linear(&mut scratch.jac, &mut resid, n);
            let mut max_step: f64 = 0.0;
            for i in 0..n {
                let step = if newton { -resid[i] } else { f64::NAN };
                let xi = if step.is_finite() {
                    x[i] + step.clamp(-0.5, 0.5)
                } else {
                    naive[i]
                };
                let xi = if xi.is_finite() {
                    xi.min(ln_x_max)
                } else {
                    x[i]
                };
                max_step = max_step.max((xi - x[i]).abs());
                x[i] = xi;
                h[i] = (x[i] - ln_x_max) * (x[i] - ln_x_max);
            }
            me.fit(&h, scheme);
            // Newton converges quadratically: after a step of δ the error is about δ². Below
            // σ = 10% the price is more sensitive to the boundary (3.9e-5 left after two
            // sweeps at σ = 5%, r = 10%, T = 3), so the default schemes do all their sweeps.
            if sweep >= 1 && sigma >= 0.1 && max_step < scheme.step_tol {
                break;
            }
        }
        me
    }

    /// Chebyshev-Lobatto interpolation coefficients (halved at both ends so that
    /// `H(y) = Σ_k c_k T_k(y)`): `a_k = (2/n) Σ''_i H_i cos(ikπ/n)` (Trefethen,
    /// "Approximation Theory and Approximation Practice", ch. 3).
    fn fit(&mut self, h: &[f64; NODES], scheme: &FixedPointScheme) {
        let n = self.degree;
        let period = 2 * n;
        for k in 0..=n {
            let mut s = 0.5 * (h[0] + h[n] * scheme.cos_table[(n * k) % period]);
            for (i, &hi) in h.iter().enumerate().take(n).skip(1) {
                s += hi * scheme.cos_table[(i * k) % period];
            }
            let mut a = 2.0 * s / n as f64;
            if k == 0 || k == n {
                a *= 0.5;
            }
            self.coef[k] = a;
        }
    }
}

/// `Φ(d)` given `e = exp(−d²/2)` (which the callers need anyway for densities): Cody's
/// rational approximations ("Rational Chebyshev approximations for the error function",
/// Math. Comp. 23, 1969, as in [`crate::normal::cdf`]) through
/// `Φ(−y) = ½ erfcx(y/√2) e^{−y²/2}` for `y ≥ 0.46875√2` and `Φ(d) = ½ + ½ erf(d/√2)`
/// below, so that no further `exp` is evaluated. Same accuracy as [`crate::normal::cdf`] (a few ulps
/// relative in the lower tail).
#[inline(always)]
pub(crate) fn cdf_with_density(d: f64, e: f64) -> f64 {
    // Cody's small-argument branch of erf/erfc ends at |x| = 0.46875, x = d/√2.
    const SMALL: f64 = 0.662_912_607_362_388_3;
    if d.abs() < SMALL {
        0.5 + 0.5 * DefaultSpecialFn::erf(d * FRAC_1_SQRT_2)
    } else {
        let tail = 0.5 * DefaultSpecialFn::erfcx(d.abs() * FRAC_1_SQRT_2) * e;
        if d < 0.0 { tail } else { 1.0 - tail }
    }
}

/// `Σ_k c_k T_k(y)` by Clenshaw's recurrence.
#[inline]
fn clenshaw(c: &[f64], y: f64) -> f64 {
    let (mut b1, mut b2) = (0.0, 0.0);
    let y2 = 2.0 * y;
    for &ck in c.iter().skip(1).rev() {
        let b0 = ck + y2 * b1 - b2;
        b2 = b1;
        b1 = b0;
    }
    c[0] + y * b1 - b2
}

/// Unit-strike put at spot `x`: European value plus the early-exercise premium (Kim
/// 1990; ALO eq. (8)), or `1 − x` at or below the boundary.
fn unit_put(
    x: f64,
    t: f64,
    r: f64,
    q: f64,
    sigma: f64,
    b: &UnitBoundary,
    scheme: &FixedPointScheme,
) -> f64 {
    let bt = b.at(t);
    if x <= bt {
        return 1.0 - x;
    }
    let euro = black_scholes::price(OptionRight::Put, x, 1.0, t, r, r - q, sigma);
    let g = &scheme.price_rule;
    let half = (0.5 * t).sqrt();
    let ln_x = x.ln();
    let (er, eq) = ((-r * t).exp(), (-q * t).exp());
    // Integrand at time to expiry s = T − u of the exercise date u (√s, √u given),
    // discounts e^{−rs}, e^{−qs}: r e^{−rs}Φ(−d₋) − q x e^{−qs}Φ(−d₊), d± at x/B(u).
    let f = |sqrt_s: f64, sqrt_u: f64, dr: f64, dq: f64| {
        let vs = sigma * sqrt_s;
        let dm = (ln_x - b.ln_at_sqrt(sqrt_u) + (r - q) * sqrt_s * sqrt_s) / vs - 0.5 * vs;
        let dp = dm + vs;
        let (em, ep) = ((-0.5 * dm * dm).exp(), (-0.5 * dp * dp).exp());
        r * dr * cdf_with_density(-dm, em) - q * x * dq * cdf_with_density(-dp, ep)
    };
    let mut prem = 0.0;
    for (&y, &w) in g.nodes.iter().zip(&g.weights) {
        let v = 0.5 * half * (1.0 + y);
        let v2 = v * v;
        let c = (t - v2).max(0.0).sqrt();
        let (rv, qv) = ((-r * v2).exp(), (-q * v2).exp());
        // First half: u = v², du = 2v dv (s = T − v², e^{−rs} = e^{−rT}/e^{−rv²}).
        // Second half: T − u = v², du = 2v dv.
        prem += w * 2.0 * v * (f(c, v, er / rv, eq / qv) + f(v, c, rv, qv));
    }
    prem *= 0.5 * half;
    (euro + prem.max(0.0)).max(1.0 - x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clenshaw_matches_chebyshev_polynomials() {
        // T_3(y) = 4y³ − 3y.
        let c = [0.0, 0.0, 0.0, 1.0];
        for y in [-1.0, -0.3, 0.0, 0.5, 1.0] {
            assert!((clenshaw(&c, y) - (4.0 * y * y * y - 3.0 * y)).abs() < 1e-15);
        }
    }

    #[test]
    fn cdf_with_density_matches_cdf() {
        let mut d = -38.0;
        while d < 9.0 {
            let (got, want) = (
                cdf_with_density(d, (-0.5 * d * d).exp()),
                crate::normal::cdf(d),
            );
            assert!(
                ((got - want) / want).abs() < 1e-13,
                "Φ({d}): {got} vs {want}"
            );
            d += 0.0137;
        }
    }

    #[test]
    fn scheme_ranges_are_checked() {
        assert!(FixedPointScheme::new(1, 2, 8, 8).is_err());
        assert!(FixedPointScheme::new(65, 2, 8, 8).is_err());
        assert!(FixedPointScheme::new(8, 0, 8, 8).is_err());
        assert!(FixedPointScheme::new(8, 2, 8, 8).is_ok());
    }

    #[test]
    fn interpolation_reproduces_nodes() {
        let s = FixedPointScheme::new(8, 1, 8, 8).unwrap();
        let mut b = UnitBoundary {
            degree: 8,
            sqrt_t: 1.0,
            x_max: 1.0,
            ln_x_max: 0.0,
            coef: [0.0; NODES],
        };
        let mut h = [0.0; NODES];
        for (i, hi) in h.iter_mut().enumerate().take(9) {
            *hi = (i as f64 * 0.37).sin().abs();
        }
        b.fit(&h, &s);
        for (i, &hi) in h.iter().enumerate().take(9) {
            let y = s.cos_table[i];
            assert!((clenshaw(&b.coef[..9], y) - hi).abs() < 1e-14);
        }
    }
}
