//! The `SignalFilter` hook through which a model (the `ml` crate) vets entries.

/// A filter's verdict on one entry signal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FilterDecision {
    /// Take the trade, scaling its size by `size_mult` (1.0 = the size the sizing rule
    /// gives; 0.5 = half of it). Engines treat a non-finite or negative multiplier as
    /// a rejection.
    Accept {
        /// Size multiplier, ≥ 0.
        size_mult: f64,
    },
    /// Skip the trade.
    Reject,
}

impl FilterDecision {
    /// The size multiplier this decision implies: `size_mult` when accepted with a
    /// finite non-negative multiplier, otherwise 0.
    #[must_use]
    pub fn size_mult(self) -> f64 {
        match self {
            FilterDecision::Accept { size_mult } if size_mult.is_finite() && size_mult >= 0.0 => {
                size_mult
            }
            _ => 0.0,
        }
    }
}

/// Vets an entry signal at bar `i` given that bar's feature row (the features the
/// caller computed with data up to bar `i`'s close; the filter must not look further).
///
/// The backtest engine and the paper trader call it only on bars with an entry signal;
/// exits are never filtered. The `ml` crate implements it with a trained classifier.
pub trait SignalFilter: Send + Sync {
    /// The decision for the entry at bar `i`.
    fn accept(&self, i: usize, features: &[f64]) -> FilterDecision;
}

/// The filter that accepts every signal at full size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassThrough;

impl SignalFilter for PassThrough {
    fn accept(&self, _i: usize, _features: &[f64]) -> FilterDecision {
        FilterDecision::Accept { size_mult: 1.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_through_accepts_at_full_size() {
        let f: &dyn SignalFilter = &PassThrough;
        assert_eq!(
            f.accept(3, &[1.0, 2.0]),
            FilterDecision::Accept { size_mult: 1.0 }
        );
        assert_eq!(f.accept(0, &[]).size_mult(), 1.0);
        assert_eq!(FilterDecision::Reject.size_mult(), 0.0);
        assert_eq!(
            FilterDecision::Accept {
                size_mult: f64::NAN
            }
            .size_mult(),
            0.0
        );
        assert_eq!(FilterDecision::Accept { size_mult: -1.0 }.size_mult(), 0.0);
    }
}
