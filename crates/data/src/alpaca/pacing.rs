//! Waiting: the [`Sleeper`] seam, and the request-rate limiter.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use thetalab_core::{Clock, SimulatedClock, Timestamp};

use crate::DataError;

/// Something that can wait. The client never calls `std::thread::sleep` itself, so tests
/// can record the waits (and move a simulated clock) instead of waiting.
pub trait Sleeper: Send + Sync {
    /// Blocks for `d` (or pretends to).
    fn sleep(&self, d: Duration);
}

/// Really sleeps (`std::thread::sleep`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, d: Duration) {
        if !d.is_zero() {
            std::thread::sleep(d);
        }
    }
}

/// Records every wait instead of waiting, and, when built with
/// [`advancing`](Self::advancing), moves a [`SimulatedClock`] forward by it, so that
/// code paced by that clock sees the time pass.
#[derive(Debug, Default)]
pub struct RecordingSleeper {
    clock: Option<Arc<SimulatedClock>>,
    slept: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    /// A sleeper that only records.
    #[must_use]
    pub fn new() -> Self {
        RecordingSleeper::default()
    }

    /// A sleeper that records and advances `clock` by each wait.
    #[must_use]
    pub fn advancing(clock: Arc<SimulatedClock>) -> Self {
        RecordingSleeper {
            clock: Some(clock),
            slept: Mutex::new(Vec::new()),
        }
    }

    /// Every wait asked for so far, in order (zero waits are not recorded).
    #[must_use]
    pub fn slept(&self) -> Vec<Duration> {
        self.slept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The sum of the waits.
    #[must_use]
    pub fn total(&self) -> Duration {
        self.slept().iter().sum()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, d: Duration) {
        if d.is_zero() {
            return;
        }
        self.slept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(d);
        if let Some(clock) = &self.clock {
            // A simulated clock near Timestamp::MAX cannot move; the wait is still recorded.
            let _ = clock.advance(d);
        }
    }
}

/// A request-rate limiter that keeps every rolling 60-second window within
/// `requests_per_minute` requests.
///
/// It is a token bucket of `burst` tokens refilled at `requests_per_minute − burst` a
/// minute, kept in the equivalent "generic cell rate algorithm" form (ITU-T I.371): one
/// theoretical arrival time, exact integer nanoseconds. A window of 60 s can hold at most
/// the burst plus one minute's refill, hence the refill rate: the server's limit is
/// never exceeded, whatever the alignment of its window. With the defaults (200, burst
/// 10) the first 10 requests go at once and then one every 60/190 s ≈ 316 ms.
///
/// ```
/// use std::time::Duration;
/// use thetalab_core::Timestamp;
/// use thetalab_data::alpaca::RateLimiter;
///
/// let mut limiter = RateLimiter::new(200, 10)?;
/// let t0 = Timestamp::from_nanos(0);
/// for _ in 0..10 {
///     assert_eq!(limiter.reserve(t0), Duration::ZERO);
/// }
/// assert_eq!(limiter.reserve(t0), Duration::from_nanos(315_789_474));
/// # Ok::<(), thetalab_data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimiter {
    /// Nanoseconds between requests at the sustained rate (rounded up).
    interval: i64,
    /// How far ahead of the schedule a request may go: `(burst − 1) · interval`.
    tolerance: i64,
    /// Theoretical arrival time of the next request (ns since the epoch), once started.
    tat: Option<i64>,
}

impl RateLimiter {
    /// A limiter for `requests_per_minute`, letting `burst` requests out back to back.
    ///
    /// Errors with [`DataError::AlpacaParameter`] unless `1 ≤ burst < requests_per_minute`.
    pub fn new(requests_per_minute: u32, burst: u32) -> Result<RateLimiter, DataError> {
        if burst == 0 || burst >= requests_per_minute {
            return Err(DataError::AlpacaParameter {
                field: "burst",
                value: burst.to_string(),
                reason: format!(
                    "must be between 1 and requests_per_minute − 1 (requests_per_minute = {requests_per_minute})"
                ),
            });
        }
        let per_minute = i64::from(requests_per_minute - burst);
        let minute: i64 = 60 * Timestamp::NANOS_PER_SECOND;
        // Rounded up, so the sustained rate never exceeds the budget.
        let interval = (minute + per_minute - 1) / per_minute;
        Ok(RateLimiter {
            interval,
            tolerance: interval.saturating_mul(i64::from(burst - 1)),
            tat: None,
        })
    }

    /// The spacing of requests at the sustained rate.
    #[must_use]
    pub fn interval(&self) -> Duration {
        Duration::from_nanos(self.interval.unsigned_abs())
    }

    /// Books the next request slot for a caller asking at `now`, and returns how long
    /// it must wait before sending. Slots are handed out in call order.
    pub fn reserve(&mut self, now: Timestamp) -> Duration {
        let now = now.as_nanos();
        let tat = self.tat.map_or(now, |t| t.max(now));
        let allowed_at = tat.saturating_sub(self.tolerance);
        self.tat = Some(tat.saturating_add(self.interval));
        Duration::from_nanos(allowed_at.saturating_sub(now).max(0).unsigned_abs())
    }

    /// Books a slot at `clock`'s time and waits for it with `sleeper`; returns the wait.
    pub fn acquire(&mut self, clock: &dyn Clock, sleeper: &dyn Sleeper) -> Duration {
        let wait = self.reserve(clock.now());
        sleeper.sleep(wait);
        wait
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_steady_spacing() {
        let clock = Arc::new(SimulatedClock::new(Timestamp::from_nanos(1_000)));
        let sleeper = RecordingSleeper::advancing(clock.clone());
        let mut l = RateLimiter::new(200, 10).unwrap();
        let mut sent = Vec::new();
        for _ in 0..250 {
            l.acquire(&*clock, &sleeper);
            sent.push(clock.now().as_nanos());
        }
        assert!(sent[..10].iter().all(|&t| t == 1_000));
        for w in sent[10..].windows(2) {
            assert_eq!(w[1] - w[0], l.interval);
        }
        // No 60-second window holds more than 200.
        let minute = 60_000_000_000;
        for (i, &t) in sent.iter().enumerate() {
            let n = sent[i..].iter().take_while(|&&u| u < t + minute).count();
            assert!(n <= 200, "window from request {i} holds {n}");
        }
        assert_eq!(sleeper.slept().len(), 240);
    }

    #[test]
    fn idle_time_refills_the_burst_but_no_more() {
        let mut l = RateLimiter::new(200, 10).unwrap();
        let t = |s: i64| Timestamp::from_nanos(s * 1_000_000_000);
        for _ in 0..10 {
            assert_eq!(l.reserve(t(0)), Duration::ZERO);
        }
        assert!(l.reserve(t(0)) > Duration::ZERO);
        // An hour later the bucket is full again: 10 at once, the 11th waits.
        for _ in 0..10 {
            assert_eq!(l.reserve(t(3600)), Duration::ZERO);
        }
        assert_eq!(l.reserve(t(3600)), l.interval());
    }

    #[test]
    fn clock_going_backwards_does_not_release_extra_requests() {
        let mut l = RateLimiter::new(3, 1).unwrap();
        assert_eq!(
            l.reserve(Timestamp::from_nanos(100_000_000_000)),
            Duration::ZERO
        );
        let w = l.reserve(Timestamp::from_nanos(50_000_000_000));
        assert_eq!(w, Duration::from_secs(80));
    }

    #[test]
    fn rejects_bad_settings() {
        assert!(RateLimiter::new(200, 0).is_err());
        assert!(RateLimiter::new(200, 200).is_err());
        assert!(RateLimiter::new(0, 0).is_err());
        assert_eq!(
            RateLimiter::new(61, 1).unwrap().interval(),
            Duration::from_secs(1)
        );
    }
}
