//! One option leg of a position.

use thetalab_core::OptionRight;

use crate::inputs::{finite, positive};
use crate::{PricingError, Result};

/// One option leg: a signed number of contracts of one European option.
///
/// **Premium convention.** `premium` is the per-share (per-unit) price at which the leg
/// was opened, always `≥ 0`. The cash that changed hands when the leg was opened is
/// `−qty · premium · multiplier`: a long leg (`qty > 0`) paid, a short leg received.
/// The position's entry cost is the sum of `qty · premium · multiplier` over the legs
/// (positive = net debit, negative = net credit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Leg {
    /// Call or put.
    pub right: OptionRight,
    /// Strike, `> 0`.
    pub strike: f64,
    /// Years from the valuation date (`t = 0`) to expiry, `≥ 0`.
    pub expiry: f64,
    /// Signed number of contracts: `+` long, `−` short.
    pub qty: f64,
    /// Per-share price at which the leg was opened, `≥ 0`.
    pub premium: f64,
}

impl Leg {
    /// A leg; see the field docs for the conventions. Checked by [`Leg::validate`] (and by
    /// every [`crate::position::Position`] method).
    #[must_use]
    pub const fn new(right: OptionRight, strike: f64, expiry: f64, qty: f64, premium: f64) -> Self {
        Self {
            right,
            strike,
            expiry,
            qty,
            premium,
        }
    }

    /// A leg with no premium yet (attach one with [`Leg::with_premium`] or
    /// [`crate::position::Position::with_premiums`]).
    #[must_use]
    pub const fn unpriced(right: OptionRight, strike: f64, expiry: f64, qty: f64) -> Self {
        Self::new(right, strike, expiry, qty, 0.0)
    }

    /// The same leg opened at another per-share premium.
    #[must_use]
    pub const fn with_premium(mut self, premium: f64) -> Self {
        self.premium = premium;
        self
    }

    /// Checks `strike > 0`, `expiry ≥ 0`, `qty` finite, `premium ≥ 0`, all finite.
    pub fn validate(&self) -> Result<()> {
        positive("strike", self.strike)?;
        finite("expiry", self.expiry)?;
        if self.expiry < 0.0 {
            return Err(PricingError::InvalidInput {
                field: "expiry",
                value: self.expiry,
                reason: "must be ≥ 0",
            });
        }
        finite("qty", self.qty)?;
        finite("premium", self.premium)?;
        if self.premium < 0.0 {
            return Err(PricingError::InvalidInput {
                field: "premium",
                value: self.premium,
                reason: "must be ≥ 0 (the sign of the cash flow comes from qty)",
            });
        }
        Ok(())
    }

    /// Per-share payoff at this leg's own expiry when the underlying is at `spot`:
    /// `max(φ(S − K), 0)` (Hull, 10th ed., §10.1), not yet multiplied by `qty`.
    #[inline]
    #[must_use]
    pub fn intrinsic(&self, spot: f64) -> f64 {
        self.right.intrinsic(spot, self.strike)
    }

    /// Cash paid to open the leg (`qty · premium · multiplier`; negative when received).
    #[inline]
    #[must_use]
    pub fn entry_cost(&self, multiplier: f64) -> f64 {
        self.qty * self.premium * multiplier
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let ok = Leg::new(OptionRight::Call, 100.0, 0.5, -2.0, 3.0);
        assert!(ok.validate().is_ok());
        let bad = |l: Leg| match l.validate() {
            Err(PricingError::InvalidInput { field, .. }) => field,
            other => panic!("expected an error, got {other:?}"),
        };
        assert_eq!(bad(Leg { strike: 0.0, ..ok }), "strike");
        assert_eq!(bad(Leg { expiry: -1.0, ..ok }), "expiry");
        assert_eq!(
            bad(Leg {
                qty: f64::NAN,
                ..ok
            }),
            "qty"
        );
        assert_eq!(
            bad(Leg {
                premium: -0.1,
                ..ok
            }),
            "premium"
        );
        assert_eq!(
            bad(Leg {
                premium: f64::INFINITY,
                ..ok
            }),
            "premium"
        );
    }

    #[test]
    fn cash_flows_follow_the_sign_of_qty() {
        // Short 2 calls at 3.00 with a 100 multiplier: 600 received, entry cost −600.
        let l = Leg::new(OptionRight::Call, 100.0, 0.5, -2.0, 3.0);
        assert_eq!(l.entry_cost(100.0), -600.0);
        assert_eq!(l.intrinsic(110.0), 10.0);
        assert_eq!(
            Leg::unpriced(OptionRight::Put, 100.0, 0.5, 1.0)
                .with_premium(2.5)
                .entry_cost(100.0),
            250.0
        );
    }
}
