//! Where the time comes from.
//!
//! Strategy, backtest, risk and ML code never read the system clock: they are handed a
//! [`Clock`]. Live trading gives them a [`SystemClock`]; backtests and tests give them a
//! [`SimulatedClock`] that the driver moves, so a run replays identically.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::Utc;

use crate::{CoreError, Timestamp};

/// A source of the current time, shareable across threads.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

/// The operating system's real-time clock (UTC). For live trading only.
///
/// It follows the system clock, so it can step backwards if NTP corrects it; code that
/// needs elapsed time should use `std::time::Instant` instead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        // The system clock lies between 1677 and 2262 on any machine this runs on; were
        // it not, saturate rather than panic.
        let now = Utc::now();
        match Timestamp::from_utc(now) {
            Ok(t) => t,
            Err(_) if now.timestamp() < 0 => Timestamp::MIN,
            Err(_) => Timestamp::MAX,
        }
    }
}

/// A clock that reads whatever time its driver set, for backtests and tests.
///
/// It holds the time in an [`AtomicI64`], so one clock can be shared by `&` or [`Arc`]
/// between the thread that drives it and those that read it. Like real time it never
/// moves backwards: [`set`](Self::set) to an earlier time is refused with
/// [`CoreError::ClockWentBackwards`] and leaves the clock unchanged; setting the current
/// time again is allowed. Each update is a single atomic operation, so concurrent
/// callers cannot interleave into a backwards step.
///
/// ```
/// use std::time::Duration;
/// use thetalab_core::{Clock, SimulatedClock, Timestamp};
///
/// let clock = SimulatedClock::new("2024-01-19T14:30:00Z".parse()?);
/// clock.advance(Duration::from_secs(60))?;
/// assert_eq!(clock.now().to_string(), "2024-01-19T14:31:00Z");
/// assert!(clock.set("2024-01-19T14:00:00Z".parse()?).is_err());
/// # Ok::<(), thetalab_core::CoreError>(())
/// ```
#[derive(Debug)]
pub struct SimulatedClock {
    nanos: AtomicI64,
}

impl SimulatedClock {
    /// A clock reading `start`.
    #[must_use]
    pub const fn new(start: Timestamp) -> SimulatedClock {
        SimulatedClock {
            nanos: AtomicI64::new(start.as_nanos()),
        }
    }

    /// Moves the clock to `t`, which must not be before the current reading; returns
    /// the previous reading.
    pub fn set(&self, t: Timestamp) -> Result<Timestamp, CoreError> {
        let target = t.as_nanos();
        self.nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
                (target >= current).then_some(target)
            })
            .map(Timestamp::from_nanos)
            .map_err(|current| CoreError::ClockWentBackwards {
                current: Timestamp::from_nanos(current),
                requested: t,
            })
    }

    /// Moves the clock forward by `nanos` nanoseconds and returns the new reading;
    /// errors, leaving the clock unchanged, if that would pass [`Timestamp::MAX`].
    pub fn advance_by(&self, nanos: u64) -> Result<Timestamp, CoreError> {
        let step = i64::try_from(nanos).ok();
        self.nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
                step.and_then(|s| current.checked_add(s))
            })
            // The update succeeded, so previous + nanos fits in i64 and does not wrap.
            .map(|previous| Timestamp::from_nanos(previous.wrapping_add_unsigned(nanos)))
            .map_err(|current| CoreError::TimestampOutOfRange {
                input: format!("{} + {nanos} ns", Timestamp::from_nanos(current)),
            })
    }

    /// Moves the clock forward by `d` and returns the new reading; errors as
    /// [`advance_by`](Self::advance_by).
    pub fn advance(&self, d: Duration) -> Result<Timestamp, CoreError> {
        let nanos = u64::try_from(d.as_nanos()).map_err(|_| CoreError::TimestampOutOfRange {
            input: format!("{} + {d:?}", self.now()),
        })?;
        self.advance_by(nanos)
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_nanos(self.nanos.load(Ordering::Acquire))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use std::thread;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn system_clock_is_recent() {
        let now = SystemClock.now();
        assert!(now > ts("2024-01-01T00:00:00Z"));
        assert!(now < ts("2200-01-01T00:00:00Z"));
    }

    #[test]
    fn simulated_clock_moves_forward_only() {
        let clock = SimulatedClock::new(ts("2024-01-19T14:30:00Z"));
        assert_eq!(clock.now(), ts("2024-01-19T14:30:00Z"));
        assert_eq!(
            clock.advance_by(1_000_000_000).unwrap(),
            ts("2024-01-19T14:30:01Z")
        );
        assert_eq!(
            clock.advance(Duration::from_millis(500)).unwrap(),
            ts("2024-01-19T14:30:01.5Z")
        );
        let prev = clock.set(ts("2024-01-19T16:00:00Z")).unwrap();
        assert_eq!(prev, ts("2024-01-19T14:30:01.5Z"));
        assert!(
            clock.set(ts("2024-01-19T16:00:00Z")).is_ok(),
            "same time is not backwards"
        );
        assert_eq!(
            clock.set(ts("2024-01-19T15:00:00Z")),
            Err(CoreError::ClockWentBackwards {
                current: ts("2024-01-19T16:00:00Z"),
                requested: ts("2024-01-19T15:00:00Z"),
            })
        );
        assert_eq!(clock.now(), ts("2024-01-19T16:00:00Z"));
        assert_eq!(clock.advance_by(0).unwrap(), ts("2024-01-19T16:00:00Z"));
    }

    #[test]
    fn simulated_clock_overflow_is_an_error() {
        let clock = SimulatedClock::new(Timestamp::MAX.checked_add_nanos(-10).unwrap());
        assert!(matches!(
            clock.advance_by(11),
            Err(CoreError::TimestampOutOfRange { .. })
        ));
        assert!(clock.advance_by(u64::MAX).is_err());
        assert!(clock.advance(Duration::MAX).is_err());
        assert_eq!(clock.advance_by(10).unwrap(), Timestamp::MAX);
        let low = SimulatedClock::new(Timestamp::MIN);
        assert_eq!(
            low.advance_by(i64::MAX as u64).unwrap(),
            Timestamp::from_nanos(-1)
        );
    }

    #[test]
    fn shared_across_threads_and_behind_pointers() {
        let clock = Arc::new(SimulatedClock::new(Timestamp::UNIX_EPOCH));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let c = Arc::clone(&clock);
                thread::spawn(move || {
                    let mut last = c.now();
                    for _ in 0..1000 {
                        c.advance_by(1).unwrap();
                        let now = c.now();
                        assert!(now >= last);
                        last = now;
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(clock.now().as_nanos(), 4000);
        let as_dyn: Arc<dyn Clock> = clock.clone();
        assert_eq!(as_dyn.now().as_nanos(), 4000);
        let boxed: Box<dyn Clock> = Box::new(SystemClock);
        assert!(boxed.now() > Timestamp::UNIX_EPOCH);
        fn takes_clock(c: impl Clock) -> Timestamp {
            c.now()
        }
        assert_eq!(takes_clock(&*clock).as_nanos(), 4000);
    }
}
