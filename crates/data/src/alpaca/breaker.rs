//! The per-source circuit breaker.

use std::time::Duration;

use thetalab_core::Timestamp;

/// Where a circuit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Requests flow; `failures` consecutive failures so far.
    Closed {
        /// Consecutive failures since the last success.
        failures: u32,
    },
    /// Failing fast until `until`.
    Open {
        /// When one trial request will be let through.
        until: Timestamp,
    },
    /// The cooldown is over and one trial request is out: its success closes the
    /// circuit, its failure opens it again for another cooldown.
    HalfOpen,
}

/// What [`CircuitBreaker::admit`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Send the request.
    Allowed,
    /// Send it as the half-open trial.
    Trial,
    /// Do not send: the circuit is open until the given time.
    Rejected {
        /// When the circuit will half-open.
        until: Timestamp,
    },
}

/// A circuit breaker (M. Nygard, *Release It!*, 2007, ch. 5): after `threshold`
/// consecutive failures the circuit opens and requests fail fast for `cooldown`; then one
/// trial request is let through (half-open) and its outcome closes or re-opens the
/// circuit.
///
/// ```
/// use std::time::Duration;
/// use thetalab_core::Timestamp;
/// use thetalab_data::alpaca::{Admission, CircuitBreaker};
///
/// let mut b = CircuitBreaker::new(2, Duration::from_secs(30));
/// let t0 = Timestamp::from_nanos(0);
/// b.record_failure(t0);
/// assert_eq!(b.admit(t0), Admission::Allowed);
/// assert!(b.record_failure(t0)); // the second failure opens it
/// assert!(matches!(b.admit(t0), Admission::Rejected { .. }));
/// let later = Timestamp::from_secs(30)?;
/// assert_eq!(b.admit(later), Admission::Trial);
/// b.record_success();
/// assert_eq!(b.admit(later), Admission::Allowed);
/// # Ok::<(), thetalab_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircuitBreaker {
    threshold: u32,
    cooldown: Duration,
    state: BreakerState,
}

impl CircuitBreaker {
    /// A closed breaker opening after `threshold` (at least 1) consecutive failures.
    #[must_use]
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        CircuitBreaker {
            threshold: threshold.max(1),
            cooldown,
            state: BreakerState::Closed { failures: 0 },
        }
    }

    /// The current state.
    #[must_use]
    pub const fn state(&self) -> BreakerState {
        self.state
    }

    /// Whether a request may go out at `now`; moves an open circuit whose cooldown is
    /// over to half-open (the caller's request is the trial).
    pub fn admit(&mut self, now: Timestamp) -> Admission {
        match self.state {
            BreakerState::Closed { .. } => Admission::Allowed,
            BreakerState::Open { until } if now < until => Admission::Rejected { until },
            BreakerState::Open { .. } => {
                self.state = BreakerState::HalfOpen;
                Admission::Trial
            }
            // A trial is already out (another thread); fail fast until it reports.
            BreakerState::HalfOpen => Admission::Rejected { until: now },
        }
    }

    /// Records a success: the circuit closes and the failure count resets.
    pub fn record_success(&mut self) {
        self.state = BreakerState::Closed { failures: 0 };
    }

    /// Records a failure at `now`; returns true when it opened the circuit.
    pub fn record_failure(&mut self, now: Timestamp) -> bool {
        let open = match self.state {
            BreakerState::Closed { failures } => {
                let failures = failures.saturating_add(1);
                self.state = BreakerState::Closed { failures };
                failures >= self.threshold
            }
            BreakerState::HalfOpen => true,
            // Already open (a late report): keep the current cooldown.
            BreakerState::Open { .. } => false,
        };
        if open {
            // Saturate at the end of representable time rather than fail.
            let until = now.checked_add(self.cooldown).unwrap_or(Timestamp::MAX);
            self.state = BreakerState::Open { until };
        }
        open
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_secs(s).unwrap()
    }

    #[test]
    fn opens_after_threshold_and_success_resets_the_count() {
        let mut b = CircuitBreaker::new(3, Duration::from_secs(10));
        assert!(!b.record_failure(t(0)));
        assert!(!b.record_failure(t(0)));
        b.record_success();
        assert!(!b.record_failure(t(1)));
        assert!(!b.record_failure(t(1)));
        assert!(b.record_failure(t(2)));
        assert_eq!(b.state(), BreakerState::Open { until: t(12) });
        assert_eq!(b.admit(t(11)), Admission::Rejected { until: t(12) });
    }

    #[test]
    fn half_open_trial_failure_reopens() {
        let mut b = CircuitBreaker::new(1, Duration::from_secs(10));
        assert!(b.record_failure(t(0)));
        assert_eq!(b.admit(t(10)), Admission::Trial);
        // A second caller while the trial is out is turned away.
        assert!(matches!(b.admit(t(10)), Admission::Rejected { .. }));
        assert!(b.record_failure(t(11)));
        assert_eq!(b.admit(t(20)), Admission::Rejected { until: t(21) });
        assert_eq!(b.admit(t(21)), Admission::Trial);
        b.record_success();
        assert_eq!(b.state(), BreakerState::Closed { failures: 0 });
    }

    #[test]
    fn cooldown_saturates() {
        let mut b = CircuitBreaker::new(1, Duration::MAX);
        assert!(b.record_failure(t(0)));
        assert_eq!(
            b.state(),
            BreakerState::Open {
                until: Timestamp::MAX
            }
        );
    }
}
