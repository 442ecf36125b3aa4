//! Branch-free `exp`, `ln` and `Φ` for the Black-Scholes kernels.
//!
//! The Black-Scholes kernel calls these functions, scalar and batch alike, so the two
//! paths give the same bits. They contain no branches, calls or tables (only selects),
//! so a loop over a column vectorises them: SSE2 lanes in the baseline build, AVX2 or
//! AVX-512 lanes in the copies [`crate::batch`] dispatches to. They never call
//! `f64::mul_add`, and Rust never fuses `a·b + c` on its own, so every instruction set
//! rounds each operation the same way and gives the same bits.
//!
//! - `exp`: Cody-Waite reduction `x = n ln 2 + r`, `|r| ≤ ln 2 / 2`, with `ln 2` split in
//!   two so that `n·ln2_hi` is exact (Cody & Waite, "Software Manual for the Elementary
//!   Functions", 1980, ch. 6), then the Taylor series of `e^r` to degree 13 (truncation
//!   below 0.04 ulp), and a scale by `2^n` in two exact steps so that results in the
//!   subnormal range round once. Measured: ≤ 1 ulp from `f64::exp` over the whole range
//!   (tested).
//! - `ln`: `x = 2^e m`, `m ∈ [√½, √2)`, `ln m = 2 atanh(s)`, `s = (m − 1)/(m + 1)`, the
//!   atanh series to `s²¹` (truncation below 0.3 ulp for `|s| ≤ 0.1716`), written as
//!   `f − s(f − 2R)` with `f = m − 1` exact (the form of fdlibm's `__ieee754_log`).
//!   Measured: ≤ 1 ulp from `f64::ln` (tested).
//! - `Φ` and `φ` together: W. J. Cody's rational Chebyshev approximations ("Rational
//!   Chebyshev approximations for the error function", Math. Comp. 23, 1969; the
//!   coefficients of his CALERF) on his three intervals of `y = |d|/√2`: `erf` for
//!   `y ≤ 0.46875`, `erfcx(y) = e^{y²} erfc(y)` for `0.46875 < y ≤ 4` and for `y > 4`;
//!   all three are evaluated and the right numerator and denominator selected, one
//!   division. The tail `½ erfcx(y) e^{−d²/2}` takes `d²` exactly as a double-double
//!   (Dekker's product, "A floating-point technique for extending the available
//!   precision", Numer. Math. 18, 1971) into one `exp`, which also gives `φ(d)`: no
//!   `x²` rounding error is amplified in the deep tail (Cody's own code needs two `exp`
//!   for that). Measured against mpmath (60 digits): `Φ` ≤ 4 ulp relative and `φ`
//!   ≤ 2 ulp over `d ∈ [−37.5, 9.5]`, and right to the last subnormal bit below
//!   (tested). (Cody's `erfc(−d/√2)` as usually called is up to ~500 ulp off at
//!   `d = −38`: the rounding of `d/√2` is amplified by `e^{−x²}`.)

use crate::normal::FRAC_1_SQRT_2PI;

/// `1.5·2⁵²`: adding it rounds a double of magnitude below 2⁵¹ to an integer, held in
/// the low bits of the sum.
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// `ln 2` to 32 significant bits (`n·LN2_HI` is exact for `|n| < 2²¹`).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// `ln 2 − LN2_HI`.
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// `1/√π`.
const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;

/// `e^{x + tail}` as `p·s1·s2` with `p ∈ [0.7, 1.42)` and `s1`, `s2` powers of two, so
/// that a factor can be applied to `p` before the scale and the result rounds once.
/// `tail` is a small correction to `x` (the low part of a double-double).
#[inline(always)]
fn exp_parts(x: f64, tail: f64) -> (f64, f64, f64) {
    // Beyond these e^x is 0 or ∞ in f64; the clamp keeps n in range. NaN passes.
    let x = x.clamp(-746.0, 710.0);
    let shifted = x * std::f64::consts::LOG2_E + SHIFT;
    let nf = shifted - SHIFT;
    let r = ((x - nf * LN2_HI) - nf * LN2_LO) + tail;
    // e^r = 1 + r + r²·Σ_{k=2}^{13} r^{k−2}/k! (Estrin's scheme).
    let r2 = r * r;
    let r4 = r2 * r2;
    let a0 = 1.0 / 2.0 + r * (1.0 / 6.0);
    let a1 = 1.0 / 24.0 + r * (1.0 / 120.0);
    let a2 = 1.0 / 720.0 + r * (1.0 / 5_040.0);
    let a3 = 1.0 / 40_320.0 + r * (1.0 / 362_880.0);
    let a4 = 1.0 / 3_628_800.0 + r * (1.0 / 39_916_800.0);
    let a5 = 1.0 / 479_001_600.0 + r * (1.0 / 6_227_020_800.0);
    let b0 = a0 + r2 * a1;
    let b1 = a2 + r2 * a3;
    let b2 = a4 + r2 * a5;
    let poly = b0 + r4 * (b1 + r4 * b2);
    let p = 1.0 + (r + r2 * poly);
    // n from the low bits of `shifted` (|n| ≤ 1077), split n = n1 + n2 with both halves
    // in the normal exponent range. Wrapping arithmetic: a NaN input gives garbage
    // scales, but p is NaN and so is the product.
    let n = (shifted.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    let n1 = ((n.wrapping_add(2048) as u64) >> 1) as i64 - 1024;
    let n2 = n.wrapping_sub(n1);
    let s1 = f64::from_bits((n1.wrapping_add(1023) as u64) << 52);
    let s2 = f64::from_bits((n2.wrapping_add(1023) as u64) << 52);
    (p, s1, s2)
}

/// `e^x`, within 1 ulp of `f64::exp`; 0 below −745.2, `∞` above 709.8, NaN for NaN.
#[inline(always)]
#[must_use]
pub(crate) fn exp(x: f64) -> f64 {
    let (p, s1, s2) = exp_parts(x, 0.0);
    p * s1 * s2
}

/// `ln x`, within 1 ulp of `f64::ln`; `−∞` at 0, NaN below 0 or for NaN, `∞` at `∞`.
#[inline(always)]
#[must_use]
pub(crate) fn ln(x: f64) -> f64 {
    // Subnormals: scale into the normal range first.
    let tiny = x < f64::MIN_POSITIVE;
    let xs = if tiny {
        x * 18_014_398_509_481_984.0
    } else {
        x
    }; // 2⁵⁴
    let bits = xs.to_bits();
    // The biased exponent as a double, exactly (2⁵² + e − 2⁵² − 1023).
    let e_biased = f64::from_bits((bits >> 52) | 0x4330_0000_0000_0000);
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let big = m > std::f64::consts::SQRT_2;
    let m = if big { 0.5 * m } else { m };
    let e = e_biased - (4_503_599_627_370_496.0 + 1023.0) + if big { 1.0 } else { 0.0 }
        - if tiny { 54.0 } else { 0.0 };
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    // R = Σ_{k=1}^{10} s^{2k}/(2k+1); ln m = 2s(1 + R) = f − s(f − 2R).
    let z2 = z * z;
    let z4 = z2 * z2;
    let c0 = 1.0 / 3.0 + z * (1.0 / 5.0);
    let c1 = 1.0 / 7.0 + z * (1.0 / 9.0);
    let c2 = 1.0 / 11.0 + z * (1.0 / 13.0);
    let c3 = 1.0 / 15.0 + z * (1.0 / 17.0);
    let c4 = 1.0 / 19.0 + z * (1.0 / 21.0);
    let big_r = z * ((c0 + z2 * c1) + z4 * ((c2 + z2 * c3) + z4 * c4));
    let res = e * LN2_HI + (f - (s * (f - 2.0 * big_r) - e * LN2_LO));
    let res = if x == f64::INFINITY { x } else { res };
    let res = if x == 0.0 { f64::NEG_INFINITY } else { res };
    // `!(x >= 0)`: negative or NaN.
    if x >= 0.0 { res } else { f64::NAN }
}

// Cody (1969), Tables I–III, as in his CALERF; all the published digits are kept.
/// Cody's `erf` on `|x| ≤ 0.46875`: `erf(x) = x·A(x²)/B(x²)`.
#[allow(clippy::excessive_precision)]
const ERF_A: [f64; 5] = [
    3.161_123_743_870_565_60,
    113.864_154_151_050_156,
    377.485_237_685_302_021,
    3_209.377_589_138_469_47,
    0.185_777_706_184_603_153,
];
#[allow(clippy::excessive_precision)]
const ERF_B: [f64; 4] = [
    23.601_290_952_344_120_9,
    244.024_637_934_444_173,
    1_282.616_526_077_372_28,
    2_844.236_833_439_170_62,
];
/// Cody's `erfcx` on `0.46875 < y ≤ 4`: `C(y)/D(y)`.
#[allow(clippy::excessive_precision)]
const ERFCX_C: [f64; 9] = [
    0.564_188_496_988_670_089,
    8.883_149_794_388_375_94,
    66.119_190_637_141_629_5,
    298.635_138_197_400_131,
    881.952_221_241_769_090,
    1_712.047_612_634_070_58,
    2_051.078_377_826_071_47,
    1_230.339_354_797_997_25,
    2.153_115_354_744_038_46e-8,
];
#[allow(clippy::excessive_precision)]
const ERFCX_D: [f64; 8] = [
    15.744_926_110_709_834_7,
    117.693_950_891_312_499,
    537.181_101_862_009_858,
    1_621.389_574_566_690_19,
    3_290.799_235_733_459_63,
    4_362.619_090_143_247_16,
    3_439.367_674_143_721_64,
    1_230.339_354_803_749_42,
];
/// Cody's `erfcx` on `y > 4`: `(1/√π − w·P(w)/Q(w))/y`, `w = 1/y²`.
#[allow(clippy::excessive_precision)]
const ERFCX_P: [f64; 6] = [
    0.305_326_634_961_232_344,
    0.360_344_899_949_804_439,
    0.125_781_726_111_229_246,
    0.016_083_785_148_742_276_6,
    6.587_491_615_298_378_03e-4,
    0.016_315_387_137_302_097_8,
];
#[allow(clippy::excessive_precision)]
const ERFCX_Q: [f64; 5] = [
    2.568_520_192_289_822_42,
    1.872_952_849_923_460_47,
    0.527_905_102_951_428_412,
    0.060_518_341_312_441_319_1,
    0.002_335_204_976_268_691_85,
];

/// `d²` exactly as `hi + lo` (Dekker 1971: Veltkamp's split into 26-bit halves, then the
/// exact product); `|d| ≤ 2⁹⁹⁵`.
#[inline(always)]
fn two_square(d: f64) -> (f64, f64) {
    let c = 134_217_729.0 * d; // 2²⁷ + 1
    let dh = c - (c - d);
    let dl = d - dh;
    let hi = d * d;
    let lo = ((dh * dh - hi) + 2.0 * dh * dl) + dl * dl;
    (hi, lo)
}

/// `(Φ(d), φ(d))`: the standard normal distribution function, to a few ulp relative in
/// both tails, and the density, from one `exp`.
#[inline(always)]
#[must_use]
pub(crate) fn cdf_pdf(d: f64) -> (f64, f64) {
    // Φ(−40) and φ(40) are below the least subnormal: clamping changes nothing and keeps
    // d² finite. NaN passes.
    let d = d.clamp(-40.0, 40.0);
    let x = d * std::f64::consts::FRAC_1_SQRT_2;
    let y = x.abs();
    let z = y * y;
    // erf(x) = x·na/da.
    let na = (((ERF_A[4] * z + ERF_A[0]) * z + ERF_A[1]) * z + ERF_A[2]) * z + ERF_A[3];
    let da = (((z + ERF_B[0]) * z + ERF_B[1]) * z + ERF_B[2]) * z + ERF_B[3];
    // erfcx(y) = nb/db.
    let c = &ERFCX_C;
    let nb = (((((((c[8] * y + c[0]) * y + c[1]) * y + c[2]) * y + c[3]) * y + c[4]) * y + c[5])
        * y
        + c[6])
        * y
        + c[7];
    let dd = &ERFCX_D;
    let db = ((((((((y + dd[0]) * y + dd[1]) * y + dd[2]) * y + dd[3]) * y + dd[4]) * y) + dd[5])
        * y
        + dd[6])
        * y
        + dd[7];
    // erfcx(y) = nc/dc: Cody's w·P(w)/Q(w), w = 1/y², multiplied through by z⁶ = y¹²
    // (P reversed: z⁵P(1/z); Q: z⁶Q(1/z)) so that no further division is needed.
    let (p, q) = (&ERFCX_P, &ERFCX_Q);
    let pr = ((((p[4] * z + p[3]) * z + p[2]) * z + p[1]) * z + p[0]) * z + p[5];
    let qr = (((((q[4] * z + q[3]) * z + q[2]) * z + q[1]) * z + q[0]) * z + 1.0) * z;
    let nc = qr * FRAC_1_SQRT_PI - pr;
    let dc = y * qr;

    let small = y <= 0.46875;
    let mid = y <= 4.0;
    let num = if small {
        na
    } else if mid {
        nb
    } else {
        nc
    };
    let den = if small {
        da
    } else if mid {
        db
    } else {
        dc
    };
    let ratio = num / den;

    let (hi, lo) = two_square(d);
    let (e, s1, s2) = exp_parts(-0.5 * hi, -0.5 * lo);
    let pdf = e * FRAC_1_SQRT_2PI * s1 * s2;
    let tail = e * (0.5 * ratio) * s1 * s2;
    let cdf = if small {
        0.5 + 0.5 * (x * ratio)
    } else if d < 0.0 {
        tail
    } else {
        1.0 - tail
    };
    (cdf, pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place (of the reference).
    fn ulps(got: f64, want: f64) -> f64 {
        if got == want {
            return 0.0;
        }
        let ulp = if want == 0.0 {
            f64::from_bits(1)
        } else {
            let b = want.abs().to_bits();
            f64::from_bits(b + 1) - want.abs()
        };
        (got - want).abs() / ulp
    }

    /// A deterministic stream of uniforms in [0, 1) (xorshift64*).
    fn uniforms(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn exp_within_one_ulp_of_std() {
        // glibc's exp is correctly rounded in practice (< 0.502 ulp), so ≤ 1 ulp from it
        // means ≤ 1.5 ulp from the true value.
        let mut u = uniforms(7);
        let mut worst: f64 = 0.0;
        for i in 0..200_000 {
            let x = match i % 4 {
                0 => -746.0 + 1456.0 * u(),
                1 => -2.0 + 4.0 * u(),
                2 => (-1e-3 + 2e-3 * u()) * u(),
                _ => -745.2 + 40.0 * u(), // down into the subnormal range
            };
            let (got, want) = (exp(x), x.exp());
            let e = ulps(got, want);
            worst = worst.max(e);
            assert!(e <= 1.0, "exp({x:e}) = {got:e}, std {want:e}: {e} ulp");
        }
        println!("exp: max {worst} ulp from f64::exp");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-800.0), 0.0);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(709.782_712_893_383_9), 709.782_712_893_383_9f64.exp());
    }

    #[test]
    fn ln_within_one_ulp_of_std() {
        let mut u = uniforms(11);
        let mut worst: f64 = 0.0;
        for i in 0..200_000 {
            let x = match i % 4 {
                0 => (1400.0 * u() - 700.0).exp(),
                1 => 0.5 + u(),
                2 => 1.0 + (2e-6 * u() - 1e-6),
                _ => f64::from_bits(1 + (u() * 4.5e15) as u64), // subnormals
            };
            let (got, want) = (ln(x), x.ln());
            let e = ulps(got, want);
            worst = worst.max(e);
            assert!(e <= 1.0, "ln({x:e}) = {got:e}, std {want:e}: {e} ulp");
        }
        println!("ln: max {worst} ulp from f64::ln");
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
        assert!(ln(-1.0).is_nan() && ln(f64::NAN).is_nan() && ln(f64::NEG_INFINITY).is_nan());
        assert_eq!(ln(f64::MAX), f64::MAX.ln());
        assert_eq!(ln(f64::MIN_POSITIVE), f64::MIN_POSITIVE.ln());
    }

    /// Φ against high-precision values from mpmath (`tests/data/normal_cdf_mpmath.csv`, made
    /// by `normal_cdf_mpmath.py` next to it: mpmath 1.3.0, `ncdf` at 60 digits of the
    /// exact double `d`, rounded once to f64), and φ against `exp` in high precision
    /// (same file).
    #[test]
    fn cdf_matches_mpmath_to_a_few_ulp() {
        let text = include_str!("../tests/data/normal_cdf_mpmath.csv");
        let (mut worst, mut worst_pdf, mut n) = (0.0f64, 0.0f64, 0);
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with('d'))
        {
            let f: Vec<f64> = line.split(',').map(|x| x.trim().parse().unwrap()).collect();
            let (d, want, want_pdf) = (f[0], f[1], f[2]);
            let (got, got_pdf) = cdf_pdf(d);
            let (e, ep) = (ulps(got, want), ulps(got_pdf, want_pdf));
            // Subnormal results (d < −37.5) are right to their last bit: ≤ 1 unit of
            // the least subnormal.
            let tol = if want < f64::MIN_POSITIVE { 1.0 } else { 4.0 };
            assert!(e <= tol, "Φ({d}) = {got:e}, want {want:e}: {e} ulp");
            assert!(
                ep <= tol,
                "φ({d}) = {got_pdf:e}, want {want_pdf:e}: {ep} ulp"
            );
            worst = worst.max(e);
            worst_pdf = worst_pdf.max(ep);
            n += 1;
        }
        assert!(n > 2000, "{n} reference points");
        println!("Φ: max {worst} ulp, φ: max {worst_pdf} ulp over {n} mpmath points");
    }

    #[test]
    fn cdf_agrees_with_cody_and_handles_the_edges() {
        // Against the Cody erfc of the implied-vol crate (crate::normal::cdf) on a fine
        // grid. That one evaluates erfc(−d/√2): the rounding of d/√2 moves x² by an ulp,
        // which e^{−x²} turns into a relative error of about x²·ε (≈ 500 ulp at d = −38,
        // measured against mpmath); here d² enters exactly, so the tolerance is Cody's.
        let mut d = -37.0;
        while d < 9.0 {
            let (got, want) = (cdf_pdf(d).0, crate::normal::cdf(d));
            assert!(
                ((got - want) / want).abs() < (8.0 + d * d) * f64::EPSILON,
                "Φ({d}): {got:e} vs Cody {want:e}"
            );
            d += 0.001_37;
        }
        assert_eq!(cdf_pdf(0.0), (0.5, FRAC_1_SQRT_2PI));
        assert_eq!(cdf_pdf(-40.0).0, 0.0);
        assert_eq!(cdf_pdf(f64::NEG_INFINITY), (0.0, 0.0));
        assert_eq!(cdf_pdf(f64::INFINITY), (1.0, 0.0));
        assert_eq!(cdf_pdf(-1e300), (0.0, 0.0));
        assert_eq!(cdf_pdf(1e300), (1.0, 0.0));
        let (c, p) = cdf_pdf(f64::NAN);
        assert!(c.is_nan() && p.is_nan());
        // No step at Cody's interval ends (the approximations switch there): the change
        // across each end follows the slope φ to within the accuracy.
        for edge in [0.46875, 4.0] {
            for sign in [-1.0, 1.0] {
                let d0 = sign * edge * std::f64::consts::SQRT_2;
                let h = 64.0 * f64::EPSILON * d0.abs();
                let (a, b) = (d0 - h, d0 + h);
                let (lo, hi) = (cdf_pdf(a), cdf_pdf(b));
                let jump = hi.0 - lo.0 - (b - a) * cdf_pdf(d0).1;
                assert!(
                    jump.abs() <= 8.0 * f64::EPSILON * hi.0,
                    "Φ jumps by {jump:e} at {d0}"
                );
            }
        }
    }
}
