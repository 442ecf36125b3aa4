//! Leg fills against a snapshot's quotes.
//!
//! A leg *bought* fills at the ask and a leg *sold* at the bid ([`FillModel::Natural`]),
//! or at `mid ± f × (ask − bid)` clamped to `[bid, ask]` ([`FillModel::Mid`]). A leg does
//! not fill when its contract is not quoted, when the side hit is missing, when the side
//! hit is 0 (a zero bid cannot be sold into; a zero ask is not a real offer), or when the
//! quote is crossed (`bid > ask`). The mid model needs both sides.

use super::config::FillModel;
use super::result::NotFilledReason;

/// Bid and ask of one contract (each `None` when missing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LegQuote {
    /// Bid.
    pub bid: Option<f64>,
    /// Ask.
    pub ask: Option<f64>,
}

/// A side is usable when finite and ≥ 0.
fn side(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite() && *v >= 0.0)
}

/// The per-contract fill price of buying (`buy = true`) or selling one contract at
/// `q` under `model`, or why it cannot fill (with a short description).
pub fn fill_price(
    q: LegQuote,
    buy: bool,
    model: FillModel,
) -> Result<f64, (NotFilledReason, &'static str)> {
    let (bid, ask) = (side(q.bid), side(q.ask));
    let hit = if buy { ask } else { bid };
    let Some(h) = hit else {
        return Err((
            NotFilledReason::MissingQuote,
            if buy { "no ask" } else { "no bid" },
        ));
    };
    if h == 0.0 {
        return Err((
            NotFilledReason::ZeroQuote,
            if buy { "zero ask" } else { "zero bid" },
        ));
    }
    if let (Some(b), Some(a)) = (bid, ask)
        && b > a
    {
        return Err((NotFilledReason::MissingQuote, "crossed quote"));
    }
    match model {
        FillModel::Natural => Ok(h),
        FillModel::Mid { spread_fraction } => {
            let (Some(b), Some(a)) = (bid, ask) else {
                return Err((NotFilledReason::MissingQuote, "one-sided quote (mid fill)"));
            };
            let mid = 0.5 * (b + a);
            let f = spread_fraction.clamp(0.0, 0.5);
            let p = if buy {
                mid + f * (a - b)
            } else {
                mid - f * (a - b)
            };
            Ok(p.clamp(b, a))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn natural_and_mid_fills() {
        let q = LegQuote {
            bid: Some(1.00),
            ask: Some(1.20),
        };
        assert_eq!(fill_price(q, true, FillModel::Natural).unwrap(), 1.20);
        assert_eq!(fill_price(q, false, FillModel::Natural).unwrap(), 1.00);
        let m = FillModel::Mid {
            spread_fraction: 0.25,
        };
        // mid 1.10 ± 0.25 × 0.20
        assert!((fill_price(q, true, m).unwrap() - 1.15).abs() < 1e-12);
        assert!((fill_price(q, false, m).unwrap() - 1.05).abs() < 1e-12);
        let zero_bid = LegQuote {
            bid: Some(0.0),
            ask: Some(0.05),
        };
        assert_eq!(
            fill_price(zero_bid, false, FillModel::Natural)
                .unwrap_err()
                .0,
            NotFilledReason::ZeroQuote
        );
        assert_eq!(
            fill_price(zero_bid, true, FillModel::Natural).unwrap(),
            0.05
        );
        let none = LegQuote {
            bid: None,
            ask: Some(0.05),
        };
        assert_eq!(
            fill_price(none, false, FillModel::Natural).unwrap_err().0,
            NotFilledReason::MissingQuote
        );
    }
}
