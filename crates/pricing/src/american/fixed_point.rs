//! The accurate American price: the Andersen-Lake-Offengenden fixed-point method.
//!
//! L. Andersen, M. Lake and D. Offengenden, "High-performance American option pricing",
//! Journal of Computational Finance 20(1) (2016) 39–87 ("ALO"). For a put with rate `r`
//! and dividend yield `q` (calls by the symmetry `C(S, K, r, q) = P(K, S, q, r)`,
//! McDonald & Schroder 1998):
//!
//! 1. **Exercise boundary** `B(τ)`, `τ` the time to expiry, is the fixed point of
//!    ALO's system "FP-B" (eq. (24)–(26)):
//!    `B(τ) = K e^{−(r−q)τ} N(τ,B)/D(τ,B)` with
//!    `N = φ(d₋(τ, B(τ)/K))/(σ√τ) + r ∫₀^τ e^{ru} φ(d₋(τ−u, B(τ)/B(u)))/(σ√(τ−u)) du`,
//!    `D = φ(d₊(τ, B(τ)/K))/(σ√τ) + Φ(d₊(τ, B(τ)/K))
//!         + q ∫₀^τ e^{qu} [Φ(d₊(τ−u, ·)) + φ(d₊(τ−u, ·))/(σ√(τ−u))] du`,
//!    `d±(τ, z) = (ln z + (r − q)τ ± σ²τ/2)/(σ√τ)`. (FP-B follows from the smooth-pasting
//!    condition; see the derivation in ALO §3.)
//! 2. **Discretisation** (ALO §4): `H(√τ) = ln(B(τ)/X)²`, `X = K·min(1, r/q)` the limit
//!    `B(0⁺)`, is interpolated by a Chebyshev polynomial in `√τ` on `n + 1`
//!    Chebyshev-Lobatto nodes. The integrals over `u ∈ [0, τ]` are split at `τ/2`, with
//!    `u = v²` on the first half (where `B(u) − X ~ √u`) and `τ − u = z²` on the second
//!    (which removes the `1/√(τ−u)` singularity), `l`-point Gauss-Legendre on each.
//!    Start: the Barone-Adesi-Whaley critical price at each node (ALO start from QD+).
//!    Then `m` Jacobi-Newton sweeps (ALO §4.3) on `f(B) − B = 0` at every node, with the
//!    derivative of `f` in `B(τ)` taken from the explicit terms plus half of the
//!    integrals' diagonal terms (see `JACOBI_WEIGHT` in the source: the plain fixed
//!    point and ALO's full diagonal derivative both failed to converge in parts of the
//!    test grid; this choice converged everywhere).
//! 3. **Price** (Kim 1990; ALO eq. (8)): `V = p_E(S) + ∫₀^T [rK e^{−r(T−u)}
//!    Φ(−d₋(T−u, S/B(u))) − qS e^{−q(T−u)} Φ(−d₊(T−u, S/B(u)))] du` for `S > B(T)`,
//!    `K − S` otherwise; the integral is split at `T/2` in the same way, `p`-point
//!    Gauss-Legendre on each half.
//!
//! Schemes (`(n, m, l, p)`):
//! - [`FixedPointScheme::fast`] `(8, 5, 6, 20)`: the default. Max abs error 7e-5 against
//!   the high-precision scheme on S ≈ K ≈ 100 across S/K ∈ [0.7, 1.3], T ∈ [1 week, 3y],
//!   σ ∈ [0.1, 0.8], r, q ∈ [0, 0.1] (the worst cases are 3-year, σ = 80% deep
//!   in-the-money; typical errors are 1e-6), i.e. about 1e-6 relative to the strike.
//!   About 20–30 µs per option single-threaded in release on the development machine.
//! - [`FixedPointScheme::high_precision`] `(32, 16, 32, 64)`: agrees with a `(24, 16, 24,
//!   48)` scheme to 4e-8 and with ALO's published high-precision example to 1e-9; the
//!   truth of the tests.
//!
//! **Domain.** The method is used for the standard single-boundary case (the put's
//! `r > 0`, any `q`, i.e. calls with `q > 0`). Without early exercise (puts with
//! `r ≤ 0 ≤ q`-type carry, calls with `q ≤ 0 ≤ r`-type carry, see [`super::price`]) the
//! price is the European one. Negative-rate regimes with a double boundary
//! (put: `q < r ≤ 0`; call: `r < q ≤ 0`) and near-zero volatility (`σ√T < 0.01`) go to the
//! extrapolated Leisen-Reimer tree instead ([`super::binomial`]), as documented in
//! [`super::price`].

use std::sync::OnceLock;

use thetalab_core::OptionRight;

use super::baw;
use super::gauss::GaussLegendre;
use crate::black_scholes;
use crate::normal::{FRAC_1_SQRT_2PI, cdf};
use crate::{OptionInputs, PricingError, Result};

/// The largest Chebyshev degree a scheme may use (stack-allocated node arrays).
pub const MAX_CHEBYSHEV_DEGREE: usize = 64;
const NODES: usize = MAX_CHEBYSHEV_DEGREE + 1;

/// Weight of the integrals' own dependence on `B(τ)` in the Jacobi-Newton derivative.
/// With 1 (ALO's Jacobi-Newton step, §4.3) the sweeps converge everywhere but slowly
/// and with oscillation at high `σ√T`, where the boundary moves as a whole and those
/// terms largely cancel against `B(u)` for `u` near `τ`; with 0 (derivative of the
/// explicit terms only) they diverge at low `σ` and high `r`. One half converged in every
/// regime of the test grid (σ 0.1–0.8, T up to 3y, r, q up to 10%).
const JACOBI_WEIGHT: f64 = 0.5;

/// A discretisation of the fixed-point method: Chebyshev degree `n`, fixed-point sweeps
/// `m`, Gauss-Legendre points `l` for the boundary integrals and `p` for each half of the
/// price integral.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedPointScheme {
    degree: usize,
    sweeps: usize,
    boundary_rule: GaussLegendre,
    price_rule: GaussLegendre,
    /// `cos(jπ/n)`, `j = 0..2n`.
    cos_table: Vec<f64>,
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
        let cos_table = (0..2 * degree)
            .map(|j| (std::f64::consts::PI * j as f64 / degree as f64).cos())
            .collect();
        Ok(Self {
            degree,
            sweeps,
            boundary_rule: GaussLegendre::new(boundary_points),
            price_rule: GaussLegendre::new(price_points),
            cos_table,
        })
    }

    /// The default scheme, tuned for 1e-4 absolute accuracy (typically 1e-6) at a few µs
    /// per option.
    #[must_use]
    pub fn fast() -> &'static Self {
        static S: OnceLock<FixedPointScheme> = OnceLock::new();
        S.get_or_init(|| Self::build(8, 5, 6, 20))
    }

    /// The high-precision scheme (about 1e-10 relative), for reference values.
    #[must_use]
    pub fn high_precision() -> &'static Self {
        static S: OnceLock<FixedPointScheme> = OnceLock::new();
        S.get_or_init(|| Self::build(32, 16, 32, 64))
    }

    fn build(n: usize, m: usize, l: usize, p: usize) -> Self {
        match Self::new(n, m, l, p) {
            Ok(s) => s,
            // Invariant: the built-in parameters are inside the checked ranges.
            Err(_) => unreachable!("built-in fixed-point scheme parameters are valid"),
        }
    }
}

/// American price with the default (fast) scheme. Expiry, zero volatility, the cases
/// without early exercise and the double-boundary regime are handled as in
/// [`super::price`]; unlike [`super::price`] it applies the scheme at every volatility
/// (no switch to the high-precision scheme below σ = 10% or to the tree below
/// `σ√T = 0.01`).
#[must_use]
pub fn price(o: &OptionInputs) -> f64 {
    price_with(o, FixedPointScheme::fast())
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
    if regime == super::Regime::DoubleBoundary || o.sigma * o.t.sqrt() < super::LOW_VOL {
        out.fill(f64::NAN);
        return Ok(());
    }
    let eq = PutEquivalent::of(o);
    let b = UnitBoundary::solve(o.t, eq.r, eq.q, o.sigma, FixedPointScheme::fast());
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

    /// `ln B(τ)` for a unit strike (`ln X − √H`, no `exp`/`ln` round trip).
    #[inline]
    pub(crate) fn ln_at(&self, tau: f64) -> f64 {
        let xi = tau.max(0.0).sqrt();
        let y = 2.0 * xi / self.sqrt_t - 1.0;
        self.x_max.ln() - clenshaw(&self.coef[..=self.degree], y).max(0.0).sqrt()
    }

    /// Fixed-point iteration FP-B (ALO §3–4) for `K = 1`.
    pub(crate) fn solve(t: f64, r: f64, q: f64, sigma: f64, scheme: &FixedPointScheme) -> Self {
        let n = scheme.degree;
        // B(0⁺) = K·min(1, r/q) (ALO eq. (5)).
        let x_max = if q > r { r / q } else { 1.0 };
        let sqrt_t = t.sqrt();
        let mut me = Self {
            degree: n,
            sqrt_t,
            x_max,
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
        // Start: the Barone-Adesi-Whaley critical price at each node (ALO use QD+).
        for i in 0..n {
            let guess = baw::critical_put(1.0, tau[i], r, r - q, sigma);
            bnd[i] = if guess.is_finite() && guess > 0.0 {
                guess.min(x_max)
            } else {
                x_max
            };
        }
        bnd[n] = x_max;
        let log_sq = |b: f64| {
            let l = (b / x_max).ln();
            l * l
        };
        for i in 0..=n {
            h[i] = log_sq(bnd[i]);
        }
        me.fit(&h, scheme);
        let g = &scheme.boundary_rule;
        let mut next = [0.0; NODES];
        for _ in 0..scheme.sweeps {
            for i in 0..n {
                let tau_i = tau[i];
                let b_tau = bnd[i];
                let st = tau_i.sqrt();
                let vst = sigma * st;
                let ln_b_tau = b_tau.ln();
                let dm = (ln_b_tau + (r - q) * tau_i) / vst - 0.5 * vst;
                let dp = dm + vst;
                let pdm = FRAC_1_SQRT_2PI * (-0.5 * dm * dm).exp();
                let pdp = FRAC_1_SQRT_2PI * (-0.5 * dp * dp).exp();
                let (er, eq) = ((-r * tau_i).exp(), (-q * tau_i).exp());
                // Sums over z = √(τ − u) ∈ (0, √τ) of the FP-B integrands and of their
                // B(τ)-derivatives times B(τ) (∂d±/∂B(τ) = 1/(B σ z)).
                let (mut s_pm, mut s_pmd, mut s_cp, mut s_pp, mut s_ppd) =
                    (0.0, 0.0, 0.0, 0.0, 0.0);
                // The integrals over u ∈ [0, τ] are split at τ/2: u = v² on the first half
                // (B(u) ~ √u near 0), τ − u = z² on the second (1/√(τ−u) near τ); both
                // integrands are then smooth. Each point has a du-weight ω.
                let half = (0.5 * tau_i).sqrt();
                for (&y, &w) in g.nodes.iter().zip(&g.weights) {
                    let a = 0.5 * half * (1.0 + y);
                    let dw = 0.5 * half * w;
                    for (z2, ln_b_u, omega) in [
                        // Second half: τ − u = a², du = 2a da.
                        (a * a, me.ln_at(tau_i - a * a), 2.0 * a * dw),
                        // First half: u = a², du = 2a da.
                        (tau_i - a * a, me.ln_at(a * a), 2.0 * a * dw),
                    ] {
                        let z = z2.sqrt();
                        let vz = sigma * z;
                        let dmz = (ln_b_tau - ln_b_u + (r - q) * z2) / vz - 0.5 * vz;
                        let dpz = dmz + vz;
                        // ω φ(d₋)/(σ z) e^{−r z²} and ω e^{−q z²}[Φ(d₊) + φ(d₊)/(σ z)].
                        let pm = omega / vz * FRAC_1_SQRT_2PI * (-r * z2 - 0.5 * dmz * dmz).exp();
                        let wq = omega * (-q * z2).exp();
                        let pp = wq / vz * FRAC_1_SQRT_2PI * (-0.5 * dpz * dpz).exp();
                        s_pm += pm;
                        s_pmd -= pm * dmz / vz;
                        s_cp += wq * cdf(dpz);
                        s_pp += pp;
                        s_ppd += pp * (1.0 - dpz / vz);
                    }
                }
                // N and D of FP-B multiplied by e^{−rτ} and e^{−qτ}.
                let num = er * pdm / vst + r * s_pm;
                let den = eq * (pdp / vst + cdf(dp)) + q * (s_cp + s_pp);
                // B·∂N/∂B(τ), B·∂D/∂B(τ): explicit terms plus half of the integrals'
                // diagonal terms (see `JACOBI_WEIGHT`).
                let num_d = -er * dm * pdm / (vst * vst) + JACOBI_WEIGHT * r * s_pmd;
                let den_d = eq * pdp / vst * (1.0 - dp / vst) + JACOBI_WEIGHT * q * s_ppd;
                // f = K e^{−(r−q)τ} N/D with K = 1; Newton on f(B) − B = 0.
                let f = num / den;
                let f_d = (num_d - f * den_d) / (den * b_tau);
                let newton = b_tau - (f - b_tau) / (f_d - 1.0);
                let b_new = if newton.is_finite() && newton > 0.0 {
                    newton
                } else {
                    f
                };
                next[i] = if b_new.is_finite() && b_new > 0.0 {
                    b_new.min(x_max)
                } else {
                    b_tau
                };
            }
            bnd[..n].copy_from_slice(&next[..n]);
            for i in 0..n {
                h[i] = log_sq(bnd[i]);
            }
            me.fit(&h, scheme);
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
    // f(u) at elapsed-time-to-expiry s = T − u, boundary B(u).
    let f = |s: f64, ln_b_u: f64| {
        let vs = sigma * s.sqrt();
        let dm = (ln_x - ln_b_u + (r - q) * s) / vs - 0.5 * vs;
        let dp = dm + vs;
        r * (-r * s).exp() * cdf(-dm) - q * x * (-q * s).exp() * cdf(-dp)
    };
    let mut prem = 0.0;
    for (&y, &w) in g.nodes.iter().zip(&g.weights) {
        let v = 0.5 * half * (1.0 + y);
        let v2 = v * v;
        // First half: u = v², du = 2v dv.
        prem += w * 2.0 * v * f(t - v2, b.ln_at(v2));
        // Second half: T − u = v², du = 2v dv.
        prem += w * 2.0 * v * f(v2, b.ln_at(t - v2));
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
