//! Option books and their full revaluation through `thetalab_pricing::bsm` under shocks
//! of spot, volatility and time.
//!
//! A book holds European options (priced by Black-Scholes-Merton with their own `r`, `q`)
//! and shares, each tagged with the name of its underlying. A [`Shock`] moves spot
//! relatively (`S' = S(1 + spot)`), volatility relatively or by points, and time forward
//! (`T' = max(T − dt, 0)`); every option is repriced, nothing is Taylor-expanded.
//!
//! ```
//! use thetalab_core::OptionRight;
//! use thetalab_pricing::OptionInputs;
//! use thetalab_risk::measure::book::{Book, OptionPosition, Shock, VolShock};
//! let call = OptionInputs::new(OptionRight::Call, 100.0, 100.0, 0.25, 0.03, 0.0, 0.2);
//! let book = Book {
//!     options: vec![OptionPosition { underlying: "SPY".into(), inputs: call, qty: 1.0, multiplier: 100.0 }],
//!     stocks: vec![],
//! };
//! book.validate().unwrap();
//! let up = book.pnl(&|_| Shock { spot: 0.05, vol: VolShock::None, dt: 0.0 });
//! assert!(up > 0.0);
//! ```

use serde::{Deserialize, Serialize};
use thetalab_pricing::{OptionInputs, bsm};

use super::RiskError;

/// An option position: `qty` contracts (negative = short) of `multiplier` units each.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionPosition {
    /// Name of the underlying (matches simulated assets and stress shocks).
    pub underlying: String,
    /// Pricing inputs now (spot, strike, time, rates, vol).
    pub inputs: OptionInputs,
    /// Contracts held; negative when short.
    pub qty: f64,
    /// Units per contract (100 for US equity options).
    pub multiplier: f64,
}

/// A stock (or ETF, or future treated as delta-one) position.
#[derive(Debug, Clone, PartialEq)]
pub struct StockPosition {
    /// Name of the underlying.
    pub underlying: String,
    /// Current price.
    pub spot: f64,
    /// Shares held; negative when short.
    pub shares: f64,
}

/// A book of options and shares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Book {
    /// Option positions.
    pub options: Vec<OptionPosition>,
    /// Stock positions.
    pub stocks: Vec<StockPosition>,
}

/// How volatility moves in a shock.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub enum VolShock {
    /// Unchanged.
    #[default]
    None,
    /// Relative: `σ' = σ(1 + x)` (−0.5 halves, +1.0 doubles).
    Relative(f64),
    /// Absolute points in decimal: `σ' = σ + x` (+0.30 = "+30 vol points").
    Points(f64),
}

impl VolShock {
    /// The shocked volatility, floored at 0 (BSM then prices at the forward intrinsic).
    #[must_use]
    pub fn apply(self, sigma: f64) -> f64 {
        let s = match self {
            VolShock::None => sigma,
            VolShock::Relative(x) => sigma * (1.0 + x),
            VolShock::Points(x) => sigma + x,
        };
        s.max(0.0)
    }

    fn value(self) -> f64 {
        match self {
            VolShock::None => 0.0,
            VolShock::Relative(x) | VolShock::Points(x) => x,
        }
    }
}

/// A shock to one underlying.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Shock {
    /// Relative spot move: `S' = S(1 + spot)`; must be > −1.
    pub spot: f64,
    /// Volatility move.
    pub vol: VolShock,
    /// Years elapsed (time decay), ≥ 0.
    pub dt: f64,
}

impl Shock {
    /// Checks that the shock is finite, `spot > −1` and `dt ≥ 0`.
    ///
    /// # Errors
    /// [`RiskError::InvalidInput`] naming the field.
    pub fn validate(&self) -> Result<(), RiskError> {
        if !(self.spot.is_finite() && self.spot > -1.0) {
            return Err(RiskError::InvalidInput {
                name: "spot shock",
                expected: "finite and > -1",
                value: self.spot,
            });
        }
        let v = self.vol.value();
        if !v.is_finite() {
            return Err(RiskError::InvalidInput {
                name: "vol shock",
                expected: "finite",
                value: v,
            });
        }
        if !(self.dt.is_finite() && self.dt >= 0.0) {
            return Err(RiskError::InvalidInput {
                name: "dt",
                expected: "finite and >= 0",
                value: self.dt,
            });
        }
        Ok(())
    }
}

fn positive_finite(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

impl Book {
    /// Checks every position: finite quantities, positive spot/strike/multiplier,
    /// non-negative time and volatility, finite rates.
    ///
    /// # Errors
    /// [`RiskError::Position`] naming the position index and field (options first,
    /// then stocks, each indexed within its own list).
    pub fn validate(&self) -> Result<(), RiskError> {
        for (index, p) in self.options.iter().enumerate() {
            let o = &p.inputs;
            let bad = |field, value| {
                Err(RiskError::Position {
                    index,
                    field,
                    value,
                })
            };
            if !positive_finite(o.s) {
                return bad("option spot", o.s);
            }
            if !positive_finite(o.k) {
                return bad("strike", o.k);
            }
            if !(o.t.is_finite() && o.t >= 0.0) {
                return bad("time to expiry", o.t);
            }
            if !(o.sigma.is_finite() && o.sigma >= 0.0) {
                return bad("sigma", o.sigma);
            }
            if !o.r.is_finite() {
                return bad("r", o.r);
            }
            if !o.q.is_finite() {
                return bad("q", o.q);
            }
            if !p.qty.is_finite() {
                return bad("qty", p.qty);
            }
            if !positive_finite(p.multiplier) {
                return bad("multiplier", p.multiplier);
            }
        }
        for (index, p) in self.stocks.iter().enumerate() {
            if !positive_finite(p.spot) {
                return Err(RiskError::Position {
                    index,
                    field: "stock spot",
                    value: p.spot,
                });
            }
            if !p.shares.is_finite() {
                return Err(RiskError::Position {
                    index,
                    field: "shares",
                    value: p.shares,
                });
            }
        }
        Ok(())
    }

    /// Book value now: `Σ qty · multiplier · BSM price + Σ shares · spot`.
    #[must_use]
    pub fn value(&self) -> f64 {
        self.value_under(&|_| Shock::default())
    }

    /// Book value with each underlying shocked by `shock(name)` (full revaluation).
    /// Assumes a [`validate`](Self::validate)d book and valid shocks.
    #[must_use]
    pub fn value_under(&self, shock: &dyn Fn(&str) -> Shock) -> f64 {
        let opts: f64 = self
            .options
            .iter()
            .map(|p| {
                let sh = shock(&p.underlying);
                let o = &p.inputs;
                let shocked = OptionInputs {
                    s: o.s * (1.0 + sh.spot),
                    t: (o.t - sh.dt).max(0.0),
                    sigma: sh.vol.apply(o.sigma),
                    ..*o
                };
                p.qty * p.multiplier * bsm::price(&shocked)
            })
            .sum();
        let stocks: f64 = self
            .stocks
            .iter()
            .map(|p| p.shares * p.spot * (1.0 + shock(&p.underlying).spot))
            .sum();
        opts + stocks
    }

    /// P&L of the shock: `value_under(shock) − value()`.
    #[must_use]
    pub fn pnl(&self, shock: &dyn Fn(&str) -> Shock) -> f64 {
        self.value_under(shock) - self.value()
    }

    /// Names of the underlyings, in first-seen order, without duplicates.
    #[must_use]
    pub fn underlyings(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let names = self
            .options
            .iter()
            .map(|p| &p.underlying)
            .chain(self.stocks.iter().map(|p| &p.underlying));
        for n in names {
            if !out.iter().any(|o| o == n) {
                out.push(n.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use thetalab_core::OptionRight;

    fn book() -> Book {
        Book {
            options: vec![OptionPosition {
                underlying: "X".into(),
                inputs: OptionInputs::new(OptionRight::Put, 50.0, 48.0, 0.5, 0.02, 0.0, 0.3),
                qty: -2.0,
                multiplier: 100.0,
            }],
            stocks: vec![StockPosition {
                underlying: "X".into(),
                spot: 50.0,
                shares: 100.0,
            }],
        }
    }

    #[test]
    fn zero_shock_is_zero_pnl_and_stock_moves_linearly() {
        let b = book();
        b.validate().unwrap();
        assert_eq!(b.pnl(&|_| Shock::default()), 0.0);
        let only_stock = Book {
            options: vec![],
            ..b
        };
        let p = only_stock.pnl(&|_| Shock {
            spot: -0.1,
            ..Shock::default()
        });
        assert!((p + 500.0).abs() < 1e-9);
    }

    #[test]
    fn invalid_positions_are_named() {
        let mut b = book();
        b.options[0].inputs.sigma = -0.1;
        assert_eq!(
            b.validate(),
            Err(RiskError::Position {
                index: 0,
                field: "sigma",
                value: -0.1
            })
        );
        let mut b = book();
        b.stocks[0].spot = 0.0;
        assert_eq!(
            b.validate(),
            Err(RiskError::Position {
                index: 0,
                field: "stock spot",
                value: 0.0
            })
        );
        assert!(
            Shock {
                spot: -1.0,
                ..Shock::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn vol_shock_floors_at_zero() {
        assert_eq!(VolShock::Points(-0.5).apply(0.2), 0.0);
        assert!((VolShock::Relative(1.0).apply(0.2) - 0.4).abs() < 1e-15);
    }
}
