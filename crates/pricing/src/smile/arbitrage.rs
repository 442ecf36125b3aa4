//! Static-arbitrage checks of SVI smiles: butterflies within a slice, calendar spreads
//! across slices (J. Gatheral and A. Jacquier, "Arbitrage-free SVI volatility surfaces",
//! Quantitative Finance 14(1), 2014).
//!
//! * **Butterfly** (GJ 2014, §2.2 and Lemma 2.2, after Durrleman): a slice is free of
//!   butterfly arbitrage iff the risk-neutral density is non-negative, i.e.
//!   `g(k) = (1 − k w'/(2w))² − (w'²/4)(1/w + 1/4) + w''/2 ≥ 0` for every `k`, and
//!   `d₊(k) = −k/√w + √w/2 → −∞` as `k → ∞` (which raw SVI meets when `b(1+ρ) < 2`).
//!   [`check_butterfly`] evaluates `g` on a dense grid, refines the minimum, and adds the
//!   wing condition of Roger Lee's moment formula (Lee 2004): both asymptotic slopes
//!   `b(1 ± ρ)` at most 2. (Letting `k → ±∞` in `g` with `w ≈ βk` gives
//!   `g → (4 − β²)/16`, so a slope above 2 is a butterfly arbitrage in the far wing.
//!   The slope bound 4 that is also quoted for SVI, e.g. Rogers & Tehranchi's
//!   `|∂ₖw| ≤ 4` (2010), is weaker: a slope in `(2, 4]` already makes `g` negative far
//!   in the wing, so this check uses 2.)
//! * **Calendar** (GJ 2014, Lemma 2.1): no calendar-spread arbitrage iff the total
//!   variance `w(k, t)` is non-decreasing in `t` at every fixed log-forward moneyness `k`.
//!   [`check_calendar`] compares each pair of consecutive expiries on a dense `k` grid.
//!
//! ```
//! use thetalab_pricing::smile::{check_butterfly, SviParams};
//! // Axel Vogt's parameters (GJ 2014, Example 3.1): butterfly arbitrage near k ≈ 0.9.
//! let vogt = SviParams::new(-0.0410, 0.1331, 0.3060, 0.3586, 0.4153).unwrap();
//! let rep = check_butterfly(&vogt);
//! assert!(!rep.ok && rep.min_g < 0.0 && rep.at_k > 0.6 && rep.at_k < 1.3);
//! ```

use crate::inputs::positive;
use crate::smile::svi::{SviParams, SviSlice};
use crate::{PricingError, Result};

/// The checks sample `k = ln(K/F)` on `[−CHECK_K_RANGE, CHECK_K_RANGE]` (strikes from
/// 0.25% to about 403 times the forward: every listed strike), plus a finer grid around
/// each smile's vertex `m ± 20σ`.
pub const CHECK_K_RANGE: f64 = 6.0;

/// Points of the uniform grid over `[−CHECK_K_RANGE, CHECK_K_RANGE]` (step 0.005).
const WIDE_POINTS: usize = 2401;
/// Points of the grid over `[m − 20σ, m + 20σ]`.
const VERTEX_POINTS: usize = 801;
/// Half-width of the vertex grid in units of the SVI `σ`.
const VERTEX_HALF_WIDTH: f64 = 20.0;

/// Durrleman's function `g(k)` for a raw-SVI slice (GJ 2014, §2.2): the risk-neutral
/// density is `p(k) = g(k)/√(2πw) · exp(−d₋²/2)`, so `g ≥ 0` ⇔ no butterfly arbitrage.
///
/// Where `w(k) ≤ 0` the density is not defined (a zero implied vol puts the call on its
/// intrinsic value); this returns `−∞` there, which every check reports as a violation.
#[must_use]
pub fn durrleman_g(p: &SviParams, k: f64) -> f64 {
    let w = p.total_variance(k);
    if w <= 0.0 || w.is_nan() {
        return f64::NEG_INFINITY;
    }
    let w1 = p.dw_dk(k);
    let w2 = p.d2w_dk2(k);
    let first = 1.0 - k * w1 / (2.0 * w);
    first * first - 0.25 * w1 * w1 * (1.0 / w + 0.25) + 0.5 * w2
}

/// The result of [`check_butterfly`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ButterflyReport {
    /// No butterfly arbitrage found: `min_g ≥ 0`, both wing slopes ≤ 2 and `w > 0`.
    pub ok: bool,
    /// The smallest `g(k)` found (refined around the worst grid point).
    pub min_g: f64,
    /// Where it is, in log-forward moneyness `k = ln(K/F)`.
    pub at_k: f64,
    /// Asymptotic slopes of `w` in the left and right wings, `b(1 − ρ)` and `b(1 + ρ)`.
    pub wing_slopes: (f64, f64),
    /// Both wing slopes within Roger Lee's bound of 2.
    pub lee_ok: bool,
}

/// Gatheral–Jacquier butterfly check of one raw-SVI slice: `g(k)` on a dense grid over
/// `k ∈ [−6, 6]` and around the vertex, the minimum refined by golden-section search,
/// plus Lee's wing-slope bound. Exact for `g` up to the grid's resolution (step 0.005 in
/// `k`, `σ/20` near the vertex), which resolves every dip of a raw-SVI `g`.
#[must_use]
pub fn check_butterfly(p: &SviParams) -> ButterflyReport {
    let mut best = (f64::INFINITY, 0.0, 0.0); // (g, k, grid step)
    for (lo, hi, n) in grids(std::slice::from_ref(p)) {
        let step = (hi - lo) / (n - 1) as f64;
        for i in 0..n {
            let k = lo + step * i as f64;
            let g = durrleman_g(p, k);
            if g < best.0 || best.0.is_nan() {
                best = (g, k, step);
            }
        }
    }
    let (mut min_g, mut at_k, step) = best;
    if min_g.is_finite() {
        let (k, g) = golden_min(|k| durrleman_g(p, k), at_k - step, at_k + step);
        if g < min_g {
            min_g = g;
            at_k = k;
        }
    }
    let wing_slopes = p.wing_slopes();
    let lee_ok = wing_slopes.0 <= 2.0 && wing_slopes.1 <= 2.0;
    ButterflyReport {
        ok: min_g >= 0.0 && lee_ok,
        min_g,
        at_k,
        wing_slopes,
        lee_ok,
    }
}

/// One pair of consecutive expiries whose total variances cross.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalendarViolation {
    /// Index (in the slice given) of the shorter expiry.
    pub short: usize,
    /// Index of the longer expiry.
    pub long: usize,
    /// Where the shorter expiry's total variance exceeds the longer's the most.
    pub k_worst: f64,
    /// By how much there: `w_short(k) − w_long(k) > 0`.
    pub excess: f64,
    /// The smallest and largest grid `k` where `w_short > w_long` (the violation may
    /// consist of several intervals in between).
    pub k_range: (f64, f64),
}

/// The result of [`check_calendar`].
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarReport {
    /// No crossing found.
    pub ok: bool,
    /// One entry per pair of consecutive expiries that cross, shortest first.
    pub violations: Vec<CalendarViolation>,
}

/// Gatheral–Jacquier calendar check: sorts the slices by `t` and, for each pair of
/// consecutive expiries, compares the total variances at the same log-forward moneyness
/// (each slice against its own forward, GJ 2014 Lemma 2.1) on the grid of
/// [`check_butterfly`]. Non-consecutive pairs need no check (`≤` is transitive).
///
/// Errors: a slice outside its domain, or two slices with the same `t`.
pub fn check_calendar(slices: &[SviSlice]) -> Result<CalendarReport> {
    for s in slices {
        s.params.validate()?;
        positive("t", s.t)?;
        positive("forward", s.forward)?;
    }
    let mut order: Vec<usize> = (0..slices.len()).collect();
    order.sort_by(|&i, &j| slices[i].t.total_cmp(&slices[j].t));
    let mut violations = Vec::new();
    for pair in order.windows(2) {
        let (short, long) = (pair[0], pair[1]);
        let (s, l) = (&slices[short], &slices[long]);
        if s.t == l.t {
            return Err(PricingError::InvalidInput {
                field: "t",
                value: s.t,
                reason: "two slices share this expiry; give one smile per expiry",
            });
        }
        let mut worst: Option<CalendarViolation> = None;
        for (lo, hi, n) in grids(&[s.params, l.params]) {
            let step = (hi - lo) / (n - 1) as f64;
            for i in 0..n {
                let k = lo + step * i as f64;
                let excess = s.total_variance(k) - l.total_variance(k);
                if excess > 0.0 {
                    let v = worst.get_or_insert(CalendarViolation {
                        short,
                        long,
                        k_worst: k,
                        excess,
                        k_range: (k, k),
                    });
                    if excess > v.excess {
                        v.excess = excess;
                        v.k_worst = k;
                    }
                    v.k_range = (v.k_range.0.min(k), v.k_range.1.max(k));
                }
            }
        }
        violations.extend(worst);
    }
    Ok(CalendarReport {
        ok: violations.is_empty(),
        violations,
    })
}

/// The sampling grids `(lo, hi, points)`: the wide one, then one around each vertex.
fn grids(params: &[SviParams]) -> Vec<(f64, f64, usize)> {
    let mut out = vec![(-CHECK_K_RANGE, CHECK_K_RANGE, WIDE_POINTS)];
    for p in params {
        let half = VERTEX_HALF_WIDTH * p.sigma;
        if half.is_finite() && p.m.is_finite() && half > 0.0 {
            out.push((p.m - half, p.m + half, VERTEX_POINTS));
        }
    }
    out
}

/// Golden-section minimisation of `f` on `[lo, hi]` (Press et al., "Numerical Recipes",
/// 3rd ed., §10.2); returns `(argmin, min)`, 60 iterations (interval shrinks by 0.618⁶⁰).
fn golden_min(f: impl Fn(f64) -> f64, lo: f64, hi: f64) -> (f64, f64) {
    const INV_PHI: f64 = 0.618_033_988_749_894_8;
    let (mut a, mut b) = (lo, hi);
    let mut c = b - INV_PHI * (b - a);
    let mut d = a + INV_PHI * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..60 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - INV_PHI * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + INV_PHI * (b - a);
            fd = f(d);
        }
    }
    if fc < fd { (c, fc) } else { (d, fd) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SSVI slice (GJ 2014, eq. (4.1)) written as raw SVI: SSVI is natural SVI (GJ 2014,
    /// eq. (3.2)) with Δ = μ = 0, ω = θ, ζ = φ, and the natural-to-raw mapping of GJ 2014
    /// §3 gives a = θ(1−ρ²)/2, b = θφ/2, m = −ρ/φ, σ = √(1−ρ²)/φ. (Checked against the
    /// SSVI formula itself below.)
    fn ssvi(theta: f64, phi: f64, rho: f64) -> SviParams {
        SviParams::new(
            0.5 * theta * (1.0 - rho * rho),
            0.5 * theta * phi,
            rho,
            -rho / phi,
            (1.0 - rho * rho).sqrt() / phi,
        )
        .unwrap()
    }

    #[test]
    fn ssvi_mapping_matches_the_ssvi_formula() {
        // w = θ/2 (1 + ρφk + √((φk + ρ)² + 1 − ρ²)) (GJ 2014, eq. (4.1)).
        let (theta, phi, rho) = (0.04, 5.0, -0.5);
        let p = ssvi(theta, phi, rho);
        for i in 0..=40 {
            let k = -1.0 + 0.05 * f64::from(i);
            let direct = 0.5
                * theta
                * (1.0 + rho * phi * k + ((phi * k + rho).powi(2) + 1.0 - rho * rho).sqrt());
            assert!((p.total_variance(k) - direct).abs() < 1e-15);
        }
    }

    #[test]
    fn vogt_has_butterfly_arbitrage_where_the_paper_shows_it() {
        // GJ 2014, Example 3.1 and its plot of g: g < 0 roughly on k ∈ (0.6, 1.3).
        let p = SviParams::new(-0.0410, 0.1331, 0.3060, 0.3586, 0.4153).unwrap();
        let rep = check_butterfly(&p);
        assert!(!rep.ok);
        assert!(
            rep.lee_ok,
            "the wings are fine; the arbitrage is in the body"
        );
        assert!(
            rep.min_g < -0.01 && rep.min_g > -0.1,
            "min g = {}",
            rep.min_g
        );
        assert!(rep.at_k > 0.7 && rep.at_k < 1.2, "at k = {}", rep.at_k);
        // A brute-force scan (step 1e-4) agrees with the refined minimum.
        let brute = (0..40_001)
            .map(|i| durrleman_g(&p, -1.5 + 1e-4 * f64::from(i)))
            .fold(f64::INFINITY, f64::min);
        assert!(rep.min_g <= brute + 1e-12 && rep.min_g > brute - 1e-6);
        // Outside the dip g is positive, e.g. at the money.
        assert!(durrleman_g(&p, 0.0) > 0.0 && durrleman_g(&p, 2.0) > 0.0);
    }

    #[test]
    fn ssvi_within_theorem_4_2_is_butterfly_free() {
        // GJ 2014, Theorem 4.2: θφ(1+|ρ|) < 4 and θφ²(1+|ρ|) ≤ 4 ⇒ no butterfly arbitrage.
        for &(theta, phi, rho) in &[
            (0.04, 5.0, -0.5),
            (0.1, 3.0, -0.7),
            (0.01, 15.0, -0.3),
            (0.5, 2.0, 0.2),
        ] {
            assert!(
                theta * phi * (1.0 + f64::abs(rho)) < 4.0
                    && theta * phi * phi * (1.0 + f64::abs(rho)) <= 4.0
            );
            let rep = check_butterfly(&ssvi(theta, phi, rho));
            assert!(rep.ok, "{theta} {phi} {rho}: {rep:?}");
            assert!(rep.min_g > 0.0);
        }
    }

    #[test]
    fn steep_wing_breaks_lee() {
        // b(1+ρ) = 2.4 > 2: Lee's moment formula is violated, g → (4 − 2.4²)/16 < 0.
        let p = SviParams::new(0.04, 1.5, 0.6, 0.0, 0.1).unwrap();
        let rep = check_butterfly(&p);
        assert!(!rep.lee_ok && !rep.ok);
        let far = durrleman_g(&p, 1e6);
        assert!((far - (4.0 - 2.4 * 2.4) / 16.0).abs() < 1e-4, "{far}");
    }

    #[test]
    fn calendar_ssvi_with_increasing_theta_is_clean_and_reversed_is_not() {
        // GJ 2014, Theorem 4.1: SSVI with constant φ and increasing θ is calendar-free
        // (w is linear in θ at every k).
        let s1 = SviSlice::new(ssvi(0.02, 5.0, -0.5), 0.25, 100.0).unwrap();
        let s2 = SviSlice::new(ssvi(0.04, 5.0, -0.5), 0.5, 101.0).unwrap();
        assert!(check_calendar(&[s2, s1]).unwrap().ok);
        // Swap the expiries: the short one now has the larger variance everywhere.
        let bad = SviSlice { t: 0.75, ..s1 };
        let rep = check_calendar(&[s2, bad]).unwrap();
        assert!(!rep.ok);
        let v = rep.violations[0];
        assert_eq!((v.short, v.long), (0, 1));
        // w_short − w_long = (0.04 − 0.02)·(w_ssvi(k)/θ) > 0 at every k: the whole grid.
        assert!(
            v.excess > 0.0
                && v.k_range.0 <= -CHECK_K_RANGE + 1e-9
                && v.k_range.1 >= CHECK_K_RANGE - 1e-9
        );
    }

    #[test]
    fn calendar_duplicate_expiry_is_an_error() {
        let s1 = SviSlice::new(ssvi(0.02, 5.0, -0.5), 0.25, 100.0).unwrap();
        assert!(matches!(
            check_calendar(&[s1, s1]),
            Err(PricingError::InvalidInput { field: "t", .. })
        ));
        assert!(check_calendar(&[s1]).unwrap().ok);
        assert!(check_calendar(&[]).unwrap().ok);
    }
}
