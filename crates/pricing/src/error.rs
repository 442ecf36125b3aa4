//! The pricing crate's error type: every variant names the input at fault.

use thiserror::Error;

/// Which no-arbitrage bound an option price violated (or sits on) when inverting for
/// implied volatility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceBound {
    /// Price below the lower bound (discounted intrinsic value of the forward).
    BelowIntrinsic,
    /// Price equal to the lower bound: no time value, volatility is not identified.
    AtIntrinsic,
    /// Price equal to the upper bound (discounted forward for a call, discounted strike
    /// for a put): volatility would be infinite.
    AtUpperBound,
    /// Price above the upper bound.
    AboveUpperBound,
}

impl std::fmt::Display for PriceBound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PriceBound::BelowIntrinsic => "below the lower bound (intrinsic value)",
            PriceBound::AtIntrinsic => {
                "at the lower bound (no time value; volatility not identified)"
            }
            PriceBound::AtUpperBound => "at the upper bound (volatility would be infinite)",
            PriceBound::AboveUpperBound => "above the upper bound",
        })
    }
}

/// Everything that can go wrong in `thetalab-pricing`.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PricingError {
    /// An input is out of its domain (non-finite, negative time, non-positive strike, …).
    #[error("invalid input {field} = {value}: {reason}")]
    InvalidInput {
        /// The parameter's name (`S`, `K`, `T`, `r`, `q`, `sigma`, `price`, …).
        field: &'static str,
        /// The value given.
        value: f64,
        /// What the domain is.
        reason: &'static str,
    },
    /// An option price outside the arbitrage bounds, so no implied volatility exists.
    #[error("price {price} is {which} {bound}")]
    PriceOutOfBounds {
        /// The price given.
        price: f64,
        /// The bound, in the same (discounted) units as the price.
        bound: f64,
        /// Which bound.
        which: PriceBound,
    },
    /// The solver did not converge (should not happen inside the bounds; reported, never
    /// turned into NaN).
    #[error("implied volatility did not converge for price {price}")]
    NoConvergence {
        /// The price given.
        price: f64,
    },
    /// A batch call with columns of different lengths.
    #[error("batch columns have different lengths: {what} has {got}, expected {expected}")]
    LengthMismatch {
        /// Which column.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The expected length.
        expected: usize,
    },
    /// An element of a batch was invalid; its output slot holds NaN, every other slot
    /// was computed.
    #[error("batch element {index}: {source} ({count} invalid element(s) in all)")]
    Batch {
        /// Index of the first invalid element.
        index: usize,
        /// How many elements were invalid.
        count: usize,
        /// What was wrong with the first.
        #[source]
        source: Box<PricingError>,
    },
    /// A fit (smile, term structure) could not be made from the data given.
    #[error("fit failed: {0}")]
    Fit(String),
}

/// Shorthand result type.
pub type Result<T> = std::result::Result<T, PricingError>;
