//! The standard normal distribution.
//!
//! `Φ` and `Φ⁻¹` come from the `implied-vol` crate's special functions: W. J. Cody's
//! rational Chebyshev approximation of `erfc` ("Rational Chebyshev approximations for
//! the error function", Math. Comp. 23, 1969) as Jäckel uses it in "Let's Be Rational",
//! relative accuracy in both tails (no `1 − Φ(−x)` cancellation): a few ulp near the
//! centre, growing to ~500 ulp at `x = −38` because `x/√2` is rounded before `e^{−x²/2}`
//! (measured against mpmath in `fastmath`, whose `Φ` the Black-Scholes kernels use and
//! which stays within 4 ulp); and Wichura's AS241 for the inverse.
//!
//! Which `Φ` to call:
//! - the Black-Scholes/Black-76 kernels (scalar and batch) call `fastmath::cdf_pdf`: it is
//!   branch-free (vectorises, same bits on every instruction set) and returns `φ` from the
//!   same `exp`;
//! - the American fixed-point and QD+ solvers call `american::fixed_point::cdf_with_density`,
//!   the `erf`/`erfcx` of this same Cody approximation given the `e^{−d²/2}` they need
//!   for densities anyway;
//! - everything else (Bachelier, BAW, Bjerksund-Stensland, the bivariate normal, position
//!   probabilities, the risk crate) calls [`cdf`].
//!
//! They agree to `(8 + d²)·ε` relative over `d ∈ [−37, 9]` (tested in
//! `fastmath`). [`cdf`] is not routed through `fastmath`: in the subnormal range
//! (`d < −37.5`) the two differ by more than the 1e-13 relative that the fixed-point
//! solver's test pins `cdf_with_density` to [`cdf`] at.

use implied_vol::{DefaultSpecialFn, SpecialFn};

/// `1/√(2π)`.
pub const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// Standard normal density `φ(x) = e^{−x²/2}/√(2π)`.
#[inline(always)]
#[must_use]
pub fn pdf(x: f64) -> f64 {
    FRAC_1_SQRT_2PI * (-0.5 * x * x).exp()
}

/// Standard normal distribution function `Φ(x)`, relative accuracy ~1e-16 in both tails.
#[inline(always)]
#[must_use]
pub fn cdf(x: f64) -> f64 {
    DefaultSpecialFn::norm_cdf(x)
}

/// Inverse of [`cdf`]: `Φ⁻¹(p)` for `p ∈ (0, 1)`; `±∞` at 1 and 0, NaN outside.
#[inline]
#[must_use]
pub fn inv_cdf(p: f64) -> f64 {
    DefaultSpecialFn::inverse_norm_cdf(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values: Abramowitz & Stegun, Table 26.1, and (tails) high-precision
    // values of Φ(x) = erfc(−x/√2)/2 as tabulated by NIST DLMF §7.
    #[test]
    fn cdf_matches_tables() {
        let cases = [
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_542_9),
            (-1.0, 0.158_655_253_931_457_05),
            (1.96, 0.975_002_104_851_780),
            (-3.0, 0.001_349_898_031_630_094_6),
            (-10.0, 7.619_853_024_160_527e-24),
            (-20.0, 2.753_624_118_606_233_6e-89),
        ];
        for (x, want) in cases {
            let got = cdf(x);
            assert!(
                ((got - want) / want).abs() < 1e-14,
                "Φ({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn inverse_round_trips() {
        for &p in &[1e-300, 1e-12, 0.001, 0.025, 0.3, 0.5, 0.7, 0.975, 0.999_999] {
            let x = inv_cdf(p);
            // dΦ/Φ ≈ |x|·dx in the tail: an ulp-accurate x gives a relative error in p
            // of about ε·x².
            let rel = ((cdf(x) - p) / p).abs();
            assert!(
                rel < 4.0 * f64::EPSILON * (1.0 + x * x),
                "p = {p:e}: relative error {rel:e}"
            );
        }
    }

    #[test]
    fn pdf_at_zero() {
        assert!((pdf(0.0) - 0.398_942_280_401_432_7).abs() < 1e-16);
    }
}
