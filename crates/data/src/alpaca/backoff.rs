//! Retry waits: exponential backoff with full jitter, and `Retry-After`.

use std::time::Duration;

use chrono::DateTime;
use thetalab_core::Timestamp;

/// A small seeded generator (Marsaglia's xorshift64, *Xorshift RNGs*, J. Stat. Softw. 8(14),
/// 2003, shifts 13, 7, 17): enough to spread retries, reproducible from its seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XorShift64 {
    state: u64,
}

impl XorShift64 {
    /// A generator from `seed`. The seed is first mixed with SplitMix64's finaliser
    /// (Steele, Lea & Flood, *Fast Splittable Pseudorandom Number Generators*, OOPSLA
    /// 2014), so that small seeds such as 1 do not start with tiny outputs; a mixed state
    /// of 0, which xorshift cannot leave, is replaced by a fixed odd constant.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        XorShift64 {
            state: if z == 0 { 0x9E37_79B9_7F4A_7C15 } else { z },
        }
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        x
    }

    /// A value in `[0, 1)` from the top 53 bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Exponential backoff with "full jitter" (M. Brooker, *Exponential Backoff And Jitter*,
/// AWS Architecture Blog, 2015): the n-th retry (n = 0, 1, …) waits
/// `uniform(0, min(cap, base · 2ⁿ))`, which spreads competing clients best for the
/// least total work.
///
/// ```
/// use std::time::Duration;
/// use thetalab_data::alpaca::FullJitter;
///
/// let mut b = FullJitter::new(Duration::from_millis(100), Duration::from_secs(2), 7);
/// for n in 0..10 {
///     let ceiling = Duration::from_millis(100 * 2u64.pow(n)).min(Duration::from_secs(2));
///     assert!(b.delay(n) <= ceiling);
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullJitter {
    base: Duration,
    cap: Duration,
    rng: XorShift64,
}

impl FullJitter {
    /// Backoff from `base`, capped at `cap`, with jitter from `seed`.
    #[must_use]
    pub const fn new(base: Duration, cap: Duration, seed: u64) -> Self {
        FullJitter {
            base,
            cap,
            rng: XorShift64::new(seed),
        }
    }

    /// The ceiling of the n-th retry's wait: `min(cap, base · 2ⁿ)`.
    #[must_use]
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base
            .checked_mul(factor)
            .map_or(self.cap, |d| d.min(self.cap))
    }

    /// The n-th retry's wait, drawn uniformly from `[0, ceiling(n)]`.
    pub fn delay(&mut self, retry: u32) -> Duration {
        self.ceiling(retry).mul_f64(self.rng.next_f64())
    }
}

/// Reads a `Retry-After` header (RFC 9110 §10.2.3): delay-seconds (`120`) or an
/// HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, measured from `now`; a date in the past
/// means no wait). `None` when it is neither.
#[must_use]
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than u64 holds is a wait of centuries: saturate.
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?;
    let at = Timestamp::from_datetime(&at).ok()?;
    let nanos = at.nanos_since(now).ok()?;
    Some(Duration::from_nanos(nanos.max(0).unsigned_abs()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn xorshift_is_reproducible_and_spread() {
        let mut a = XorShift64::new(42);
        let mut b = XorShift64::new(42);
        let xs: Vec<f64> = (0..10_000).map(|_| a.next_f64()).collect();
        assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
        assert_eq!(xs[17], {
            for _ in 0..17 {
                b.next_f64();
            }
            b.next_f64()
        });
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        assert_ne!(XorShift64::new(0).next_u64(), 0);
        // Small seeds do not start near zero.
        for seed in 0..50 {
            assert!(XorShift64::new(seed).next_f64() > 1e-6, "seed {seed}");
        }
    }

    #[test]
    fn full_jitter_ceilings() {
        let mut b = FullJitter::new(Duration::from_millis(100), Duration::from_secs(3), 1);
        assert_eq!(b.ceiling(0), Duration::from_millis(100));
        assert_eq!(b.ceiling(3), Duration::from_millis(800));
        assert_eq!(b.ceiling(5), Duration::from_secs(3));
        assert_eq!(b.ceiling(400), Duration::from_secs(3));
        let draws: Vec<Duration> = (0..200).map(|_| b.delay(4)).collect();
        assert!(draws.iter().all(|d| *d <= Duration::from_millis(1600)));
        // Full jitter uses the whole range, not just its top.
        assert!(draws.iter().any(|d| *d < Duration::from_millis(400)));
        assert!(draws.iter().any(|d| *d > Duration::from_millis(1200)));
    }

    #[test]
    fn retry_after_forms() {
        let now = Timestamp::parse_rfc3339("2015-10-21T07:27:00Z").unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }
}
