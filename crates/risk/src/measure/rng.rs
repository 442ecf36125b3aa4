//! A small seeded PRNG for Monte Carlo risk: xoshiro256++ seeded through SplitMix64, and
//! standard normals by Marsaglia's polar method.
//!
//! Streams are reproducible across platforms and thread counts: a simulation splits its
//! paths into fixed chunks and seeds chunk `c` with [`Xoshiro256pp::for_stream`]`(seed, c)`.
//!
//! ```
//! use thetalab_risk::measure::rng::Xoshiro256pp;
//! let mut a = Xoshiro256pp::for_stream(42, 0);
//! let mut b = Xoshiro256pp::for_stream(42, 0);
//! assert_eq!(a.next_u64(), b.next_u64());
//! let u = a.next_f64();
//! assert!((0.0..1.0).contains(&u));
//! ```

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014; constants from Vigna's reference `splitmix64.c`).
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

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// xoshiro256++ (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
/// ACM TOMS 47 (2021); the `xoshiro256plusplus.c` reference algorithm).
#[derive(Debug, Clone)]
pub struct Xoshiro256pp {
    s: [u64; 4],
    /// The second normal of the last polar pair, if unused.
    spare: Option<f64>,
}

impl Xoshiro256pp {
    /// Seeds the four words from SplitMix64(`seed`), as the authors recommend (never all
    /// zero: SplitMix64 outputs are a bijection of distinct states).
    #[must_use]
    pub fn new(seed: u64) -> Self {
        let mut sm = SplitMix64::new(seed);
        Self {
            s: [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()],
            spare: None,
        }
    }

    /// The generator of stream `stream` under `seed`: seeded from
    /// SplitMix64(`seed` ⊕ SplitMix64-mixed `stream`), so neighbouring streams are unrelated.
    #[must_use]
    pub fn for_stream(seed: u64, stream: u64) -> Self {
        let mixed = SplitMix64::new(stream.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64();
        Self::new(seed ^ mixed)
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform in [0, 1) with 53 random bits (`(x >> 11) · 2⁻⁵³`, Vigna's recipe).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal by Marsaglia's polar method (Marsaglia & Bray, SIAM Review 6
    /// (1964)): draw `u, v` uniform on (−1, 1) until `s = u² + v² ∈ (0, 1)`, then
    /// `u·√(−2 ln s / s)` and `v·√(−2 ln s / s)` are independent N(0, 1). The second is
    /// kept for the next call.
    pub fn next_normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        loop {
            let u = 2.0 * self.next_f64() - 1.0;
            let v = 2.0 * self.next_f64() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let f = (-2.0 * s.ln() / s).sqrt();
                self.spare = Some(v * f);
                return u * f;
            }
        }
    }

    /// Fills `out` with standard normals.
    pub fn fill_normal(&mut self, out: &mut [f64]) {
        for x in out {
            *x = self.next_normal();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // Vigna's splitmix64.c with seed 1234567: first outputs.
        let mut g = SplitMix64::new(1_234_567);
        assert_eq!(g.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(g.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn normals_have_unit_moments() {
        let mut g = Xoshiro256pp::new(7);
        let n = 200_000;
        let mut v = vec![0.0; n];
        g.fill_normal(&mut v);
        let mean = v.iter().sum::<f64>() / n as f64;
        let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        // 5 standard errors: 5/√n ≈ 0.011 for the mean, 5·√(2/n) ≈ 0.016 for the variance.
        assert!(mean.abs() < 0.011, "{mean}");
        assert!((var - 1.0).abs() < 0.016, "{var}");
    }
}
