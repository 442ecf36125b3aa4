//! American exercise under Black-Scholes-Merton dynamics (continuous dividend yield).
//!
//! | method | what | accuracy (S ≈ K ≈ 100) | cost |
//! |---|---|---|---|
//! | [`AmericanMethod::FixedPoint`] (default) | Andersen-Lake-Offengenden fixed point from Li's QD+ ([`fixed_point`]) | ≤ 1e-4 abs (4e-5 worst on the test grids, typically 1e-6) | ~10 µs (T ≤ 2), ~13 µs (T > 2) |
//! | [`AmericanMethod::FixedPointHighPrecision`] | same, fine scheme | ~1e-8 | 2–4 ms |
//! | [`AmericanMethod::Baw`] | Barone-Adesi & Whaley 1987 ([`baw`]) | 1e-3 – 1e-1 | < 1 µs |
//! | [`AmericanMethod::BjerksundStensland`] | Bjerksund & Stensland 2002 ([`bjerksund_stensland`]) | 1e-3 – 1e-2, lower bound | ~1 µs |
//! | [`AmericanMethod::Binomial`] | Leisen-Reimer tree ([`binomial`]) | `O(1/n)` | `O(n²)` |
//!
//! Every method shares the same treatment of the special cases, in this order:
//!
//! 1. `T = 0`: the intrinsic value `max(φ(S − K), 0)`.
//! 2. `σ√T < 1e-10`: the deterministic value `max_{t ≤ T} max(φ(S e^{−qt} − K e^{−rt}), 0)`
//!    (exercise at the best date of a known path).
//! 3. No early exercise: the European (BSM) value. By the put-call symmetry
//!    `C(S, K, r, q) = P(K, S, q, r)` (McDonald & Schroder, "A parity result for
//!    American options", J. Comp. Finance 1998) it suffices to classify puts: a put with
//!    rate `r` and yield `q` is never exercised early when `r ≤ 0` and `q ≥ r`; so a call
//!    is European when `q ≤ 0` and `r ≥ q` (in particular every call without dividends).
//! 4. The double-boundary regime of negative rates (put: `q < r ≤ 0`; call: `r < q ≤ 0`;
//!    Battauz, De Donno & Sbuelz, "Real options and American derivatives: the double
//!    continuation region", Management Science 2015) is outside the single-boundary
//!    theory of BAW, Bjerksund-Stensland and ALO: every method then uses the
//!    Richardson-extrapolated Leisen-Reimer tree (501 and 1003 steps).
//! 5. The default fixed-point method picks its scheme by `T` and `σ`: the fast scheme
//!    for `T ≤ 2`, a 9-node variant for `T > 2`, and the high-precision scheme (2–4 ms)
//!    below `σ = 5%`, where 8–10 nodes cannot follow the boundary when `r/σ²` is large
//!    (4e-4 at put r = 10%, σ = 3%, T = 3). There is no low-`σ√T` fallback: the
//!    fixed-point method is used down to `σ√T = 1e-10` (validated at 5e-6, i.e. one day
//!    at 5% vol is an ordinary case). Validated domain of the 1e-4 accuracy (S ≈ K ≈
//!    100): σ ∈ [0.05, 0.8], T ∈ [1e-6, 3], r, q ∈ [0, 0.1], against the high-precision
//!    scheme, which itself agrees with Leisen-Reimer trees (8001–20001 steps) to the
//!    trees' own error (1e-5 – 1e-4), including at σ = 3–5%, r = 10%, T = 3.
//!
//! Greeks ([`greeks`]): price, delta and gamma from the method itself (fixed point:
//! central differences in `S` of the price with the *same* exercise boundary, bump
//! `10⁻⁴S`; BAW and Bjerksund-Stensland: central differences of the closed form, bump
//! `10⁻⁴S`; binomial: from the tree's first two steps); theta, vega, rho and rho_q by
//! central differences of the full price (bumps 1e-4 in `σ`, `r`, `q` and `T`, `T`'s
//! bump capped at `T/2`). Higher-order fields are zero. Without early exercise all
//! Greeks are the analytic BSM ones. Units as in [`crate::greeks`].
//!
//! ```
//! use thetalab_core::OptionRight;
//! use thetalab_pricing::american::{self, AmericanMethod};
//! use thetalab_pricing::{bsm, OptionInputs};
//!
//! // ALO's example: put, S = K = 100, r = q = 5%, σ = 25%, T = 1. The early-exercise
//! // premium over the European price is 0.1069527 (Andersen, Lake & Offengenden 2016).
//! let o = OptionInputs::new(OptionRight::Put, 100.0, 100.0, 1.0, 0.05, 0.05, 0.25);
//! let premium = american::price(&o, AmericanMethod::FixedPoint) - bsm::price(&o);
//! assert!((premium - 0.1069527).abs() < 1e-5);
//! let vol = american::implied_vol(american::price(&o, AmericanMethod::FixedPoint), &o, AmericanMethod::FixedPoint).unwrap();
//! assert!((vol - 0.25).abs() < 1e-10);
//! ```

pub mod baw;
pub mod binomial;
mod bivariate;
pub mod bjerksund_stensland;
pub mod fixed_point;
mod gauss;
mod qd_plus;

pub use bivariate::{bivariate_normal_cdf, try_bivariate_normal_cdf};
pub use fixed_point::FixedPointScheme;

use rayon::prelude::*;
use thetalab_core::OptionRight;

use crate::inputs::positive;
use crate::{Greeks, OptionInputs, PriceBound, PricingError, Result, bsm, iv};

/// Which American pricer to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AmericanMethod {
    /// Barone-Adesi & Whaley (1987) quadratic approximation.
    Baw,
    /// Bjerksund & Stensland (2002) two-step flat-boundary approximation.
    BjerksundStensland,
    /// Andersen-Lake-Offengenden fixed point, default scheme: the accurate default.
    #[default]
    FixedPoint,
    /// Andersen-Lake-Offengenden fixed point, high-precision scheme (reference values).
    FixedPointHighPrecision,
    /// Leisen-Reimer binomial tree with this many steps (odd; even counts are rounded up).
    Binomial {
        /// Number of time steps.
        steps: u32,
    },
}

/// `σ√T` below which the option is valued on its deterministic path.
pub(crate) const TINY_VOL: f64 = 1e-10;
/// `σ` below which the default fixed-point method uses its high-precision scheme.
const LOW_VOL_SCHEME: f64 = 0.05;
/// `T` (years) above which the default fixed-point method uses its long-dated scheme.
const LONG_DATED: f64 = 2.0;
/// Steps of the fallback tree (extrapolated from `n` and `2n + 1`).
const FALLBACK_STEPS: u32 = 501;

/// Early-exercise regime of an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Regime {
    /// Never exercised early.
    European,
    /// One exercise boundary (the textbook case).
    Standard,
    /// Negative rates with two boundaries.
    DoubleBoundary,
}

pub(crate) fn regime(o: &OptionInputs) -> Regime {
    // Classify the put P(r_p, q_p) equivalent by symmetry.
    let (rp, qp) = match o.right {
        OptionRight::Put => (o.r, o.q),
        OptionRight::Call => (o.q, o.r),
    };
    if rp > 0.0 {
        Regime::Standard
    } else if qp >= rp {
        Regime::European
    } else {
        Regime::DoubleBoundary
    }
}

/// The value on the deterministic path (`σ = 0`): the best of exercising at `t = 0`,
/// `t = T` or at the stationary point of `φ(S e^{−qt} − K e^{−rt})`.
pub(crate) fn zero_vol_value(o: &OptionInputs) -> f64 {
    let phi = o.right.sign();
    let g = |t: f64| (phi * (o.s * (-o.q * t).exp() - o.k * (-o.r * t).exp())).max(0.0);
    let mut best = g(0.0).max(g(o.t));
    if o.r != o.q && o.q != 0.0 {
        // d/dt: −qS e^{−qt} + rK e^{−rt} = 0 ⇔ e^{(r−q)t} = rK/(qS).
        let ratio = o.r * o.k / (o.q * o.s);
        if ratio > 0.0 {
            let ts = ratio.ln() / (o.r - o.q);
            if ts > 0.0 && ts < o.t {
                best = best.max(g(ts));
            }
        }
    }
    best
}

/// Expiry and (near-)zero volatility.
pub(crate) fn degenerate(o: &OptionInputs) -> Option<f64> {
    if o.t.is_nan() || o.t <= 0.0 {
        return Some(o.right.intrinsic(o.s, o.k));
    }
    let vst = o.sigma * o.t.sqrt();
    if vst.is_nan() || vst < TINY_VOL {
        return Some(zero_vol_value(o));
    }
    None
}

/// Special cases 1–4 of the module docs; `None` for the standard regime.
pub(crate) fn trivial(o: &OptionInputs) -> Option<f64> {
    if let Some(v) = degenerate(o) {
        return Some(v);
    }
    match regime(o) {
        Regime::European => Some(bsm::price(o)),
        Regime::DoubleBoundary => Some(binomial::extrapolated(o, FALLBACK_STEPS, &mut Vec::new())),
        Regime::Standard => None,
    }
}

/// American price. Assumes valid inputs (see [`try_price`]); never panics, and returns
/// at least the intrinsic value.
#[must_use]
pub fn price(o: &OptionInputs, method: AmericanMethod) -> f64 {
    price_scratch(o, method, &mut Vec::new())
}

/// [`price`] after [`OptionInputs::validate`].
pub fn try_price(o: &OptionInputs, method: AmericanMethod) -> Result<f64> {
    o.validate()?;
    Ok(price(o, method))
}

fn price_scratch(o: &OptionInputs, method: AmericanMethod, scratch: &mut Vec<f64>) -> f64 {
    if let Some(v) = trivial(o) {
        return v;
    }
    let v = match method {
        AmericanMethod::Baw => baw::raw(o),
        AmericanMethod::BjerksundStensland => bjerksund_stensland::raw(o),
        AmericanMethod::FixedPoint | AmericanMethod::FixedPointHighPrecision => {
            fixed_point::price_with(o, scheme_of(o, method))
        }
        AmericanMethod::Binomial { steps } => binomial::run_lr(o, steps, scratch).price,
    };
    finish(o, v, scratch)
}

/// The scheme of a fixed-point method for `o` (see the module docs): the default method
/// uses [`FixedPointScheme::fast`] up to `T = 2`, [`FixedPointScheme::fast_long_dated`]
/// beyond, and the high-precision scheme below `σ = 5%` (where 8–10 Chebyshev nodes
/// cannot follow the boundary when `r/σ²` is large: 4e-4 at r = 10%, σ = 3%, T = 3).
pub(crate) fn scheme_of(o: &OptionInputs, method: AmericanMethod) -> &'static FixedPointScheme {
    match method {
        AmericanMethod::FixedPointHighPrecision => FixedPointScheme::high_precision(),
        _ if o.sigma < LOW_VOL_SCHEME => FixedPointScheme::high_precision(),
        _ if o.t > LONG_DATED => FixedPointScheme::fast_long_dated(),
        _ => FixedPointScheme::fast(),
    }
}

/// Floors at intrinsic; a non-finite value (an approximation overflowing at extreme
/// inputs) is replaced by the tree's.
fn finish(o: &OptionInputs, v: f64, scratch: &mut Vec<f64>) -> f64 {
    let intrinsic = o.right.intrinsic(o.s, o.k);
    if v.is_finite() {
        v.max(intrinsic)
    } else {
        binomial::extrapolated(o, FALLBACK_STEPS, scratch).max(intrinsic)
    }
}

/// Price, delta and gamma from the method (see the module docs).
fn spot_greeks(o: &OptionInputs, method: AmericanMethod) -> (f64, f64, f64) {
    let tree = |steps| {
        let tv = binomial::run_lr(o, steps, &mut Vec::new());
        (price(o, method), tv.delta, tv.gamma)
    };
    if regime(o) == Regime::DoubleBoundary {
        return tree(match method {
            AmericanMethod::Binomial { steps } => steps,
            _ => 2 * FALLBACK_STEPS + 1,
        });
    }
    let h = 1e-4 * o.s;
    let fd = |f: &dyn Fn(f64) -> f64| {
        let (v0, up, dn) = (f(o.s), f(o.s + h), f(o.s - h));
        (v0, (up - dn) / (2.0 * h), (up - 2.0 * v0 + dn) / (h * h))
    };
    let floor = |s: f64, v: f64| {
        if v.is_finite() {
            v.max(o.right.intrinsic(s, o.k))
        } else {
            v
        }
    };
    match method {
        AmericanMethod::Binomial { steps } => tree(steps),
        AmericanMethod::Baw => fd(&|s| floor(s, baw::raw(&o.with_s(s)))),
        AmericanMethod::BjerksundStensland => {
            fd(&|s| floor(s, bjerksund_stensland::raw(&o.with_s(s))))
        }
        AmericanMethod::FixedPoint | AmericanMethod::FixedPointHighPrecision => {
            let scheme = scheme_of(o, method);
            let eq = fixed_point::PutEquivalent::of(o);
            let b = fixed_point::UnitBoundary::solve(o.t, eq.r, eq.q, o.sigma, scheme);
            fd(&|s| eq.value(s, &b, scheme))
        }
    }
}

/// Price and Greeks (see the module docs for how each is computed). Assumes valid
/// inputs (see [`try_greeks`]).
#[must_use]
pub fn greeks(o: &OptionInputs, method: AmericanMethod) -> Greeks {
    if let Some(v) = degenerate(o) {
        let h = 1e-6 * o.s;
        let up = degenerate(&o.with_s(o.s + h)).unwrap_or(v);
        let dn = degenerate(&o.with_s(o.s - h)).unwrap_or(v);
        return Greeks {
            price: v,
            delta: (up - dn) / (2.0 * h),
            ..Greeks::default()
        };
    }
    if regime(o) == Regime::European {
        return bsm::greeks(o);
    }
    let (price0, delta, gamma) = spot_greeks(o, method);
    let p = |x: OptionInputs| price(&x, method);
    let hv = 1e-4_f64.min(0.5 * o.sigma);
    let vega = (p(o.with_sigma(o.sigma + hv)) - p(o.with_sigma(o.sigma - hv))) / (2.0 * hv);
    let ht = 1e-4_f64.min(0.5 * o.t);
    let theta = -(p(o.with_t(o.t + ht)) - p(o.with_t(o.t - ht))) / (2.0 * ht);
    let hr = 1e-4;
    let rho = (p(OptionInputs { r: o.r + hr, ..*o }) - p(OptionInputs { r: o.r - hr, ..*o }))
        / (2.0 * hr);
    let rho_q = (p(OptionInputs { q: o.q + hr, ..*o }) - p(OptionInputs { q: o.q - hr, ..*o }))
        / (2.0 * hr);
    Greeks {
        price: price0,
        delta,
        gamma,
        vega,
        theta,
        rho,
        rho_q,
        ..Greeks::default()
    }
}

/// [`greeks`] after [`OptionInputs::validate`].
pub fn try_greeks(o: &OptionInputs, method: AmericanMethod) -> Result<Greeks> {
    o.validate()?;
    Ok(greeks(o, method))
}

/// American implied volatility of `price` under `method` (`o.sigma` is ignored).
///
/// Bounds (typed errors, [`PricingError::PriceOutOfBounds`]):
/// - lower: the zero-volatility value, which is the undiscounted intrinsic value
///   `max(φ(S − K), 0)` except when the carry makes a later exercise worth more (see the
///   module docs); below it `BelowIntrinsic`, on it (to 1e-12 relative) `AtIntrinsic`;
/// - upper: `S` for a call, `K` for a put; above it `AboveUpperBound`, on it
///   `AtUpperBound`.
///
/// Without early exercise the price is European and the BSM implied volatility is
/// returned ([`crate::iv::bsm`], with its bounds). Otherwise Brent's method (Brent,
/// "Algorithms for Minimization without Derivatives", 1973, ch. 4) on `σ ↦ price(σ)`,
/// bracketed by `[0, σ_E]` where `σ_E` is the European implied volatility of the same
/// price (the American price is at least the European one, so the American implied vol
/// is at most `σ_E`), to 1e-12 in volatility.
pub fn implied_vol(price: f64, o: &OptionInputs, method: AmericanMethod) -> Result<f64> {
    o.with_sigma(0.0).validate()?;
    positive("T", o.t)?;
    if !price.is_finite() || price < 0.0 {
        return Err(PricingError::InvalidInput {
            field: "price",
            value: price,
            reason: "must be finite and ≥ 0",
        });
    }
    let o = o.with_sigma(0.0);
    let scale = o.s.max(o.k);
    let tol = 1e-12 * scale;
    let lower = zero_vol_value(&o);
    if price < lower - tol {
        return Err(PricingError::PriceOutOfBounds {
            price,
            bound: lower,
            which: PriceBound::BelowIntrinsic,
        });
    }
    if price <= lower + tol {
        return Err(PricingError::PriceOutOfBounds {
            price,
            bound: lower,
            which: PriceBound::AtIntrinsic,
        });
    }
    let upper = match o.right {
        OptionRight::Call => o.s,
        OptionRight::Put => o.k,
    };
    if price > upper + tol {
        return Err(PricingError::PriceOutOfBounds {
            price,
            bound: upper,
            which: PriceBound::AboveUpperBound,
        });
    }
    if price >= upper - tol {
        return Err(PricingError::PriceOutOfBounds {
            price,
            bound: upper,
            which: PriceBound::AtUpperBound,
        });
    }
    if regime(&o) == Regime::European {
        return iv::bsm(price, &o);
    }
    let mut scratch = Vec::new();
    let mut f = |sigma: f64| price_scratch(&o.with_sigma(sigma), method, &mut scratch) - price;
    let (lo, flo) = (0.0, lower - price);
    let mut hi = match iv::bsm(price, &o) {
        Ok(v) if v.is_finite() && v > 0.0 => v,
        _ => 0.5,
    };
    let mut fhi = f(hi);
    let mut expansions = 0;
    while fhi.is_nan() || fhi < 0.0 {
        hi *= 2.0;
        fhi = f(hi);
        expansions += 1;
        if expansions > 12 {
            return Err(PricingError::NoConvergence { price });
        }
    }
    if fhi == 0.0 {
        return Ok(hi);
    }
    // One Brent implementation serves the crate (`crate::solve`); a non-finite price
    // anywhere in the search is a failure, never a root.
    let mut finite = true;
    let x = crate::solve::brent_root(
        |v| {
            let y = f(v);
            finite &= y.is_finite();
            y
        },
        lo,
        hi,
        flo,
        fhi,
        1e-13,
    );
    if finite && x.is_finite() {
        Ok(x)
    } else {
        Err(PricingError::NoConvergence { price })
    }
}

/// Prices a batch of American options into `out`, in parallel (rayon), columns of equal
/// length. Each element is checked with [`OptionInputs::validate`]; an invalid element
/// leaves NaN in its slot, every other slot is priced, and the call returns
/// [`PricingError::Batch`] naming the first invalid element and how many there were.
/// No allocation per option (the tree reuses one buffer per worker).
#[allow(clippy::too_many_arguments)]
pub fn price_batch(
    method: AmericanMethod,
    rights: &[OptionRight],
    s: &[f64],
    k: &[f64],
    t: &[f64],
    r: &[f64],
    q: &[f64],
    sigma: &[f64],
    out: &mut [f64],
) -> Result<()> {
    let n = rights.len();
    for (what, len) in [
        ("s", s.len()),
        ("k", k.len()),
        ("t", t.len()),
        ("r", r.len()),
        ("q", q.len()),
        ("sigma", sigma.len()),
        ("out", out.len()),
    ] {
        if len != n {
            return Err(PricingError::LengthMismatch {
                what,
                got: len,
                expected: n,
            });
        }
    }
    const CHUNK: usize = 64;
    type Acc = (Option<(usize, PricingError)>, usize);
    let (first, count): Acc = out
        .par_chunks_mut(CHUNK)
        .enumerate()
        .map_init(Vec::new, |scratch, (ci, chunk)| {
            let mut acc: Acc = (None, 0);
            for (j, slot) in chunk.iter_mut().enumerate() {
                let i = ci * CHUNK + j;
                let o = OptionInputs::new(rights[i], s[i], k[i], t[i], r[i], q[i], sigma[i]);
                match o.validate() {
                    Ok(()) => *slot = price_scratch(&o, method, scratch),
                    Err(e) => {
                        *slot = f64::NAN;
                        acc.1 += 1;
                        if acc.0.is_none() {
                            acc.0 = Some((i, e));
                        }
                    }
                }
            }
            acc
        })
        .reduce(
            || (None, 0),
            |a, b| {
                let first = match (a.0, b.0) {
                    (Some(x), Some(y)) => Some(if x.0 <= y.0 { x } else { y }),
                    (x, None) => x,
                    (None, y) => y,
                };
                (first, a.1 + b.1)
            },
        );
    match first {
        None => Ok(()),
        Some((index, source)) => Err(PricingError::Batch {
            index,
            count,
            source: Box::new(source),
        }),
    }
}
