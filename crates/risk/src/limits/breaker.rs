//! The circuit breaker: halts new orders after N consecutive errors or losing trades,
//! until [`reset`](CircuitBreaker::reset).

/// Counts consecutive errors and losses; trips when either reaches its threshold and
/// stays tripped until reset by hand (a success or a win does not un-trip it).
///
/// ```
/// use thetalab_risk::limits::CircuitBreaker;
///
/// let mut b = CircuitBreaker::new(Some(2), None);
/// b.record_error();
/// assert!(!b.is_tripped());
/// b.record_error();
/// assert!(b.is_tripped());
/// b.reset();
/// assert!(!b.is_tripped());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircuitBreaker {
    max_errors: Option<u32>,
    max_losses: Option<u32>,
    errors: u32,
    losses: u32,
    tripped: bool,
}

impl CircuitBreaker {
    /// A breaker tripping after `max_errors` consecutive errors or `max_losses`
    /// consecutive losses (`None`: never on that count; `Some(0)`: tripped from the
    /// start).
    #[must_use]
    pub fn new(max_errors: Option<u32>, max_losses: Option<u32>) -> CircuitBreaker {
        let mut b = CircuitBreaker {
            max_errors,
            max_losses,
            errors: 0,
            losses: 0,
            tripped: false,
        };
        b.update();
        b
    }

    fn update(&mut self) {
        let hit = |n: u32, max: Option<u32>| max.is_some_and(|m| n >= m);
        self.tripped |= hit(self.errors, self.max_errors) || hit(self.losses, self.max_losses);
    }

    /// An order error (rejected by the broker, failed to send…).
    pub fn record_error(&mut self) {
        self.errors = self.errors.saturating_add(1);
        self.update();
    }

    /// An order that went through: ends the run of errors.
    pub fn record_success(&mut self) {
        self.errors = 0;
    }

    /// A closed trade's P&L: a loss (< 0) extends the run of losses, a win (> 0) ends it,
    /// a scratch or a non-finite value leaves it.
    pub fn record_trade(&mut self, pnl: f64) {
        if pnl < 0.0 {
            self.losses = self.losses.saturating_add(1);
        } else if pnl > 0.0 {
            self.losses = 0;
        }
        self.update();
    }

    /// Whether new orders are halted.
    #[must_use]
    pub const fn is_tripped(&self) -> bool {
        self.tripped
    }

    /// Current consecutive errors.
    #[must_use]
    pub const fn consecutive_errors(&self) -> u32 {
        self.errors
    }

    /// Current consecutive losses.
    #[must_use]
    pub const fn consecutive_losses(&self) -> u32 {
        self.losses
    }

    /// Clears the counts and the trip.
    pub fn reset(&mut self) {
        self.errors = 0;
        self.losses = 0;
        self.tripped = false;
        self.update();
    }

    /// (count, threshold) of whichever count tripped, for the decision's numbers.
    pub(crate) fn numbers(&self) -> (f64, f64) {
        match (self.max_errors, self.max_losses) {
            (Some(m), _) if self.errors >= m => (f64::from(self.errors), f64::from(m)),
            (_, Some(m)) => (f64::from(self.losses), f64::from(m)),
            (Some(m), None) => (f64::from(self.errors), f64::from(m)),
            (None, None) => (0.0, 0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_trip_and_reset() {
        let mut b = CircuitBreaker::new(None, Some(3));
        for pnl in [-1.0, -1.0, 0.0, f64::NAN] {
            b.record_trade(pnl);
        }
        assert_eq!(b.consecutive_losses(), 2);
        assert!(!b.is_tripped());
        b.record_trade(-1.0);
        assert!(b.is_tripped());
        assert_eq!(b.numbers(), (3.0, 3.0));
        b.record_trade(5.0);
        assert!(b.is_tripped(), "a win does not re-arm it");
        b.reset();
        assert!(!b.is_tripped() && b.consecutive_losses() == 0);
        assert!(CircuitBreaker::new(Some(0), None).is_tripped());
        let mut never = CircuitBreaker::new(None, None);
        for _ in 0..100 {
            never.record_error();
        }
        assert!(!never.is_tripped());
    }
}
