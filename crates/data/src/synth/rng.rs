//! The synthetic market's random numbers: a small seeded generator, keyed streams, and
//! the few distributions the models draw from.
//!
//! - [`Rng`] is **xoshiro256++** (D. Blackman and S. Vigna, "Scrambled linear
//!   pseudorandom number generators", ACM TOMS 47(4), 2021; reference code at
//!   prng.di.unimi.it), a 256-bit state with a 2²⁵⁶ − 1 period that passes BigCrush.
//! - Its state is filled by **SplitMix64** (G. Steele, D. Lea and C. Flood, "Fast
//!   splittable pseudorandom number generators", OOPSLA 2014), as Vigna recommends, from
//!   a key that mixes `(seed, day, stream)` with the SplitMix64 finaliser. Every draw of
//!   the synthetic market comes from the stream of one `(seed, day index, stream)`
//!   triple, so any day can be regenerated alone and days can be generated in parallel
//!   with identical results.
//! - Uniforms use the top 53 bits (`(x >> 11) · 2⁻⁵³`, Vigna's recommended conversion).
//! - Normals use **Marsaglia's polar method** (G. Marsaglia and T. Bray, "A convenient
//!   method for generating normal variables", SIAM Review 6(3), 1964), which yields an
//!   independent pair per accepted point; [`Rng::normal_pair`] hands out both.
//! - Gamma variates use **Marsaglia–Tsang** (ACM TOMS 26(3), 2000), for chi-square and so
//!   Student-t draws (`t = Z / √(χ²_ν / ν)`).

/// The SplitMix64 increment (the 64-bit golden ratio, Steele, Lea & Flood 2014).
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function (Steele, Lea & Flood 2014; Stafford's "Mix13" constants).
#[inline]
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64: a 64-bit state advanced by the golden gamma, output through [`mix64`].
/// Used only to seed [`Rng`].
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting at `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }
}

/// Named random streams of one day; each `(seed, day, stream)` triple is an independent
/// generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// The index path of a session (overnight gap, sub-minute steps, jumps).
    IndexPath = 1,
    /// The index's synthetic volume.
    IndexVolume = 2,
    /// Quote sizes of the option chains.
    ChainSizes = 3,
    /// Option volume increments.
    ChainVolume = 4,
    /// Open interest of the option chains.
    OpenInterest = 5,
    /// The stock universe's factor and name returns.
    Universe = 6,
    /// The stock universe's per-name parameters (drawn once, under day index `u64::MAX`).
    UniverseNames = 7,
}

/// xoshiro256++ (Blackman & Vigna 2021): the generator behind every synthetic draw.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
    /// The second normal of the last polar pair, not yet handed out.
    spare: Option<f64>,
}

impl Rng {
    /// A generator whose state is four SplitMix64 outputs from `seed` (Vigna's
    /// recommended seeding; the state can never be all zeros because SplitMix64's output
    /// function is a bijection and four consecutive outputs are distinct).
    #[must_use]
    pub fn from_seed(seed: u64) -> Self {
        let mut sm = SplitMix64::new(seed);
        let s = [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()];
        Self { s, spare: None }
    }

    /// The generator of one `(seed, day, stream)` triple: the key is the SplitMix64
    /// finaliser applied in turn to the seed, the day and the stream, so nearby triples
    /// give unrelated states.
    #[must_use]
    pub fn for_stream(seed: u64, day: u64, stream: Stream) -> Self {
        Self::for_key(seed, day, stream as u64)
    }

    /// Like [`Rng::for_stream`] with a raw stream number (the universe uses one stream
    /// per name).
    #[must_use]
    pub fn for_key(seed: u64, day: u64, stream: u64) -> Self {
        let mut k = mix64(seed ^ GOLDEN_GAMMA);
        k = mix64(
            k ^ day
                .wrapping_mul(GOLDEN_GAMMA)
                .wrapping_add(0x632B_E59B_D9B4_E019),
        );
        k = mix64(
            k ^ stream
                .wrapping_mul(0xD1B5_4A32_D192_ED03)
                .wrapping_add(0x8CB9_2BA7_2F3D_8DD7),
        );
        Self::from_seed(k)
    }

    /// The next 64 random bits (xoshiro256++, Blackman & Vigna 2021, reference `next()`).
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[0]
            .wrapping_add(self.s[3])
            .rotate_left(23)
            .wrapping_add(self.s[0]);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform in `(0, 1]`: safe to take the logarithm of.
    #[inline]
    pub fn uniform_open0(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Two independent standard normals (Marsaglia & Bray 1964, the polar method).
    #[inline]
    pub fn normal_pair(&mut self) -> (f64, f64) {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let f = (-2.0 * s.ln() / s).sqrt();
                return (u * f, v * f);
            }
        }
    }

    /// One standard normal (the polar method's second value is kept for the next call).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let (a, b) = self.normal_pair();
        self.spare = Some(b);
        a
    }

    /// An exponential with mean 1 (inversion).
    #[inline]
    pub fn exponential(&mut self) -> f64 {
        -self.uniform_open0().ln()
    }

    /// A gamma variate with shape `k > 0` and scale 1 (Marsaglia & Tsang 2000; for
    /// `k < 1` the boost `G(k) = G(k + 1) · U^{1/k}` of the same paper).
    pub fn gamma(&mut self, k: f64) -> f64 {
        if k < 1.0 {
            let u = self.uniform_open0();
            return self.gamma(k + 1.0) * u.powf(1.0 / k);
        }
        let d = k - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform_open0();
            if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// A Student-t variate with `nu > 2` degrees of freedom scaled to unit variance:
    /// `Z / √(χ²_ν / ν) · √((ν − 2)/ν)`, with `χ²_ν = 2 · Gamma(ν/2)`.
    pub fn student_t_unit(&mut self, nu: f64) -> f64 {
        let z = self.normal();
        let chi2 = 2.0 * self.gamma(0.5 * nu);
        z / (chi2 / nu).sqrt() * ((nu - 2.0) / nu).sqrt()
    }

    /// A Poisson count with mean `lambda` (Knuth's product of uniforms; the callers' means
    /// are small, below ~30).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        let limit = (-lambda).exp();
        let mut k = 0u64;
        let mut p = self.uniform_open0();
        while p > limit {
            k += 1;
            p *= self.uniform_open0();
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_reference_values() {
        // First outputs of the reference splitmix64.c seeded with 1234567 (values
        // published with the algorithm's test vectors, e.g. in the Java SplittableRandom
        // conformance tests).
        let mut sm = SplitMix64::new(1_234_567);
        let got: Vec<u64> = (0..5).map(|_| sm.next_u64()).collect();
        assert_eq!(
            got,
            vec![
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423,
                4_593_380_528_125_082_431,
                16_408_922_859_458_223_821
            ]
        );
    }

    #[test]
    fn xoshiro_matches_reference_step() {
        // The reference next() from state {1, 2, 3, 4}: rotl(1 + 4, 23) + 1.
        let mut r = Rng {
            s: [1, 2, 3, 4],
            spare: None,
        };
        assert_eq!(r.next_u64(), (5u64 << 23) + 1);
        // Second output from the updated state, computed by hand from the reference code:
        // s = {7, 0, 262146, 211106232532992}.
        assert_eq!(r.s, [7, 0, 262_146, 211_106_232_532_992]);
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = {
            let mut r = Rng::for_stream(42, 7, Stream::IndexPath);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::for_stream(42, 7, Stream::IndexPath);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut r = Rng::for_stream(42, 8, Stream::IndexPath);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let d: Vec<u64> = {
            let mut r = Rng::for_stream(42, 7, Stream::ChainSizes);
            (0..4).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn distributions_have_the_right_moments() {
        let mut r = Rng::from_seed(9);
        let n = 200_000;
        let (mut s1, mut s2, mut s4) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            let z = r.normal();
            s1 += z;
            s2 += z * z;
            s4 += z * z * z * z;
        }
        let nf = f64::from(n);
        assert!((s1 / nf).abs() < 0.01);
        assert!((s2 / nf - 1.0).abs() < 0.015);
        assert!((s4 / nf - 3.0).abs() < 0.08);
        let g: f64 = (0..50_000).map(|_| r.gamma(2.5)).sum::<f64>() / 50_000.0;
        assert!((g - 2.5).abs() < 0.04, "gamma mean {g}");
        let g: f64 = (0..50_000).map(|_| r.gamma(0.5)).sum::<f64>() / 50_000.0;
        assert!((g - 0.5).abs() < 0.02, "gamma(0.5) mean {g}");
        let t2: f64 = (0..100_000)
            .map(|_| r.student_t_unit(5.0).powi(2))
            .sum::<f64>()
            / 100_000.0;
        assert!((t2 - 1.0).abs() < 0.06, "t variance {t2}");
        let p: f64 = (0..50_000).map(|_| r.poisson(3.0) as f64).sum::<f64>() / 50_000.0;
        assert!((p - 3.0).abs() < 0.05, "poisson mean {p}");
        let u: f64 = (0..50_000).map(|_| r.uniform()).sum::<f64>() / 50_000.0;
        assert!((u - 0.5).abs() < 0.01);
    }
}
