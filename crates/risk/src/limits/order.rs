//! The order as the limits see it.

use serde::{Deserialize, Serialize};
use thetalab_core::{InstrumentId, Side, Ticker};

/// A sector, as a small id the caller assigns (e.g. GICS sector code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SectorId(pub u16);

/// A strategy, as a small id the caller assigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StrategyId(pub u16);

/// The four Greeks that are capped, in the pricing crate's units (theta per year, vega
/// per 1.00 of vol), for one unit held long and already × the contract multiplier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BookGreeks {
    /// ∂V/∂S (a share: 1).
    pub delta: f64,
    /// ∂²V/∂S².
    pub gamma: f64,
    /// ∂V/∂σ.
    pub vega: f64,
    /// ∂V/∂t.
    pub theta: f64,
}

impl BookGreeks {
    /// The Greeks of one share (delta 1).
    pub const SHARE: BookGreeks = BookGreeks {
        delta: 1.0,
        gamma: 0.0,
        vega: 0.0,
        theta: 0.0,
    };

    /// One option's Greeks from the pricing crate, × `multiplier` (100 for US equity
    /// options).
    #[must_use]
    pub fn from_pricing(g: &thetalab_pricing::Greeks, multiplier: f64) -> BookGreeks {
        BookGreeks {
            delta: g.delta * multiplier,
            gamma: g.gamma * multiplier,
            vega: g.vega * multiplier,
            theta: g.theta * multiplier,
        }
    }

    /// self × k.
    #[must_use]
    pub fn scaled(&self, k: f64) -> BookGreeks {
        BookGreeks {
            delta: self.delta * k,
            gamma: self.gamma * k,
            vega: self.vega * k,
            theta: self.theta * k,
        }
    }

    /// self + other.
    #[must_use]
    pub fn plus(&self, other: &BookGreeks) -> BookGreeks {
        BookGreeks {
            delta: self.delta + other.delta,
            gamma: self.gamma + other.gamma,
            vega: self.vega + other.vega,
            theta: self.theta + other.theta,
        }
    }

    pub(crate) fn as_array(&self) -> [f64; 4] {
        [self.delta, self.gamma, self.vega, self.theta]
    }

    pub(crate) fn is_finite(&self) -> bool {
        self.as_array().iter().all(|x| x.is_finite())
    }
}

/// Whether an order opens (adds) risk or closes (reduces) an existing position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderIntent {
    /// Opens or adds to a position: every limit applies.
    #[default]
    Open,
    /// Reduces or closes a position: always approved.
    Close,
}

/// An order proposed to the pre-trade check. `Copy`, so logging it allocates nothing
/// beyond the log entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Order {
    /// The caller's id for the order.
    pub id: u64,
    /// The instrument traded.
    pub instrument: InstrumentId,
    /// The underlying symbol (the stock itself, or the option's underlying).
    pub symbol: Ticker,
    /// Its sector.
    pub sector: SectorId,
    /// The strategy sending it.
    pub strategy: StrategyId,
    /// Buy or sell.
    pub side: Side,
    /// Units (> 0).
    pub qty: f64,
    /// Gross dollars of exposure per unit (≥ 0): price for a share; for an option the
    /// caller's choice (premium × multiplier, or |delta| × spot × multiplier).
    pub unit_exposure: f64,
    /// Greeks of one unit held long.
    pub unit_greeks: BookGreeks,
    /// Open or close.
    pub intent: OrderIntent,
}

impl Order {
    /// The Greeks the order adds to the book at quantity `qty`.
    #[must_use]
    pub fn greeks_at(&self, qty: f64) -> BookGreeks {
        self.unit_greeks.scaled(self.side.sign() * qty)
    }
}
