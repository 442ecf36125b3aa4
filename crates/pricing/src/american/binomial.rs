//! Binomial trees for American options: Leisen-Reimer (the reference and fallback) and
//! Cox-Ross-Rubinstein (for cross-checks).
//!
//! - Leisen & Reimer, "Binomial models for option valuation — examining and improving
//!   convergence", Applied Mathematical Finance 3 (1996) 319–346: the tree is centred on
//!   the strike; up-probabilities from the Peizer-Pratt inversion, method 2
//!   (`h(z) = ½ + sign(z)·½·√(1 − exp(−(z/(n + ⅓ + 0.1/(n+1)))²·(n + ⅙)))`), `p = h(d₂)`,
//!   `p* = h(d₁)`, `u = e^{bΔt} p*/p`, `d = (e^{bΔt} − p u)/(1 − p)`, odd `n` only.
//!   Smooth, near second-order convergence for European options, close to first order
//!   (and monotone) for American ones, which makes Richardson extrapolation effective
//!   ([`leisen_reimer_extrapolated`]).
//! - Cox, Ross & Rubinstein, "Option pricing: a simplified approach", J. Financial
//!   Economics 7 (1979): `u = e^{σ√Δt}`, `d = 1/u`, `p = (e^{bΔt} − d)/(u − d)`.
//!
//! Where a tree's probabilities leave `(0, 1)` (extreme drift against tiny volatility)
//! the equal-probability Jarrow-Rudd tree is used instead (`p = ½`,
//! `u, d = e^{(b − σ²/2)Δt ± σ√Δt}`; Jarrow & Rudd, "Option Pricing", 1983), which is
//! valid for every input.
//!
//! Delta and gamma come from the tree's first two steps (Hull, "Options, Futures, and
//! Other Derivatives", 10th ed., §21.1): `Δ = (V_u − V_d)/(S_u − S_d)`,
//! `Γ = [(V_uu − V_ud)/(S_uu − S_ud) − (V_ud − V_dd)/(S_ud − S_dd)] / ((S_uu − S_dd)/2)`.
//!
//! Cost `O(n²)`; `n` is clamped to `[3, MAX_STEPS]`.

use crate::OptionInputs;

/// The largest number of steps used (a 1 000 001-step tree takes minutes).
pub const MAX_STEPS: u32 = 1_000_001;

/// Price and tree Greeks of one binomial valuation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreeValue {
    /// Price.
    pub price: f64,
    /// Delta from the first step.
    pub delta: f64,
    /// Gamma from the second step.
    pub gamma: f64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    LeisenReimer,
    Crr,
}

/// Leisen-Reimer American price with `steps` steps (made odd by adding one if even).
/// Expiry and zero volatility are valued exactly; there is no shortcut for cases
/// without early exercise (the tree is always run).
#[must_use]
pub fn leisen_reimer(o: &OptionInputs, steps: u32) -> f64 {
    leisen_reimer_greeks(o, steps).price
}

/// Leisen-Reimer price, delta and gamma.
#[must_use]
pub fn leisen_reimer_greeks(o: &OptionInputs, steps: u32) -> TreeValue {
    run(o, steps, Kind::LeisenReimer, &mut Vec::new())
}

/// Richardson-extrapolated Leisen-Reimer price `2·V(2n+1) − V(n)` (`n` odd), which
/// removes the leading `1/n` term of the American error.
#[must_use]
pub fn leisen_reimer_extrapolated(o: &OptionInputs, steps: u32) -> f64 {
    extrapolated(o, steps, &mut Vec::new())
}

/// Cox-Ross-Rubinstein American price.
#[must_use]
pub fn crr(o: &OptionInputs, steps: u32) -> f64 {
    run(o, steps, Kind::Crr, &mut Vec::new()).price
}

pub(crate) fn extrapolated(o: &OptionInputs, steps: u32, scratch: &mut Vec<f64>) -> f64 {
    let n = odd(steps).min(MAX_STEPS / 2);
    let coarse = run(o, n, Kind::LeisenReimer, scratch).price;
    let fine = run(o, 2 * n + 1, Kind::LeisenReimer, scratch).price;
    // Error ≈ c/n: V ≈ (n₂V₂ − n₁V₁)/(n₂ − n₁) with n₂ = 2n + 1.
    let (n1, n2) = (f64::from(n), f64::from(2 * n + 1));
    let v = (n2 * fine - n1 * coarse) / (n2 - n1);
    v.max(o.right.intrinsic(o.s, o.k))
}

fn odd(steps: u32) -> u32 {
    let n = steps.clamp(3, MAX_STEPS);
    if n.is_multiple_of(2) { n + 1 } else { n }
}

/// Peizer-Pratt inversion, method 2 (Leisen & Reimer 1996, eq. (7)).
fn peizer_pratt(z: f64, n: f64) -> f64 {
    let x = z / (n + 1.0 / 3.0 + 0.1 / (n + 1.0));
    let root = (1.0 - (-(x * x) * (n + 1.0 / 6.0)).exp()).sqrt();
    if z >= 0.0 {
        0.5 + 0.5 * root
    } else {
        0.5 - 0.5 * root
    }
}

pub(crate) fn run_lr(o: &OptionInputs, steps: u32, scratch: &mut Vec<f64>) -> TreeValue {
    run(o, steps, Kind::LeisenReimer, scratch)
}

fn run(o: &OptionInputs, steps: u32, kind: Kind, scratch: &mut Vec<f64>) -> TreeValue {
    if let Some(v) = super::degenerate(o) {
        let h = 1e-6 * o.s;
        let up = super::degenerate(&o.with_s(o.s + h)).unwrap_or(v);
        let dn = super::degenerate(&o.with_s(o.s - h)).unwrap_or(v);
        return TreeValue {
            price: v,
            delta: (up - dn) / (2.0 * h),
            gamma: 0.0,
        };
    }
    let n = match kind {
        Kind::LeisenReimer => odd(steps),
        Kind::Crr => steps.clamp(3, MAX_STEPS),
    };
    let nf = f64::from(n);
    let (s, k, t, r, sigma) = (o.s, o.k, o.t, o.r, o.sigma);
    let b = r - o.q;
    let dt = t / nf;
    let growth = (b * dt).exp();
    let (mut u, mut d, mut p) = match kind {
        Kind::LeisenReimer => {
            let vst = sigma * t.sqrt();
            let d1 = ((s / k).ln() + (b + 0.5 * sigma * sigma) * t) / vst;
            let d2 = d1 - vst;
            let p = peizer_pratt(d2, nf);
            let u = growth * peizer_pratt(d1, nf) / p;
            let d = (growth - p * u) / (1.0 - p);
            (u, d, p)
        }
        Kind::Crr => {
            let u = (sigma * dt.sqrt()).exp();
            let d = 1.0 / u;
            (u, d, (growth - d) / (u - d))
        }
    };
    if !(p > 0.0 && p < 1.0 && d > 0.0 && u > d && u.is_finite()) {
        // Jarrow-Rudd equal-probability tree: valid for every input.
        let m = (b - 0.5 * sigma * sigma) * dt;
        let v = sigma * dt.sqrt();
        u = (m + v).exp();
        d = (m - v).exp();
        p = 0.5;
    }
    let disc = (-r * dt).exp();
    let (pu, pd) = (disc * p, disc * (1.0 - p));
    let phi = o.right.sign();
    let ratio = u / d;
    let len = n as usize + 1;
    scratch.clear();
    scratch.resize(len, 0.0);
    let v = scratch.as_mut_slice();
    // Terminal payoffs, S_j = S u^j d^{n−j}.
    let mut sj = s * d.powi(n as i32);
    for x in v.iter_mut() {
        *x = (phi * (sj - k)).max(0.0);
        sj *= ratio;
    }
    let mut level2 = [0.0; 3];
    let mut level1 = [0.0; 2];
    for i in (0..n as usize).rev() {
        let mut sij = s * d.powi(i as i32);
        for j in 0..=i {
            let cont = pu * v[j + 1] + pd * v[j];
            v[j] = cont.max(phi * (sij - k));
            sij *= ratio;
        }
        if i == 2 {
            level2.copy_from_slice(&v[..3]);
        } else if i == 1 {
            level1.copy_from_slice(&v[..2]);
        }
    }
    let price = v[0];
    let (su, sd) = (s * u, s * d);
    let delta = (level1[1] - level1[0]) / (su - sd);
    let (suu, sud, sdd) = (s * u * u, s * u * d, s * d * d);
    let gamma = ((level2[2] - level2[1]) / (suu - sud) - (level2[1] - level2[0]) / (sud - sdd))
        / (0.5 * (suu - sdd));
    TreeValue {
        price,
        delta,
        gamma,
    }
}
