//! The book as the limits see it, with aggregates kept up to date incrementally so that a
//! check reads them in O(1) (correlation: O(open symbols × window)).

use std::collections::HashMap;

use thetalab_core::{InstrumentId, Ticker};

use super::{BookGreeks, RiskError, SectorId, StrategyId};

/// One open position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// The instrument held.
    pub instrument: InstrumentId,
    /// Its underlying symbol.
    pub symbol: Ticker,
    /// Its sector.
    pub sector: SectorId,
    /// The strategy that holds it.
    pub strategy: StrategyId,
    /// Signed units (> 0 long, < 0 short).
    pub qty: f64,
    /// Gross dollars of exposure per unit (≥ 0), as in [`super::Order::unit_exposure`].
    pub unit_exposure: f64,
    /// Greeks of one unit held long.
    pub unit_greeks: BookGreeks,
}

impl Position {
    fn exposure(&self) -> f64 {
        self.qty.abs() * self.unit_exposure
    }

    fn greeks(&self) -> BookGreeks {
        self.unit_greeks.scaled(self.qty)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct SymbolAgg {
    pub(crate) count: u32,
    pub(crate) exposure: f64,
    pub(crate) delta: f64,
}

/// Equity, positions and their aggregates (per symbol, sector and strategy exposure, net
/// Greeks, open count), plus the return windows used for correlation.
///
/// ```
/// use thetalab_core::{InstrumentId, Ticker};
/// use thetalab_risk::limits::{BookGreeks, BookState, Position, SectorId, StrategyId};
///
/// let mut book = BookState::new(100_000.0)?;
/// book.upsert(Position {
///     instrument: InstrumentId::ticker("AAPL")?,
///     symbol: Ticker::new("AAPL")?,
///     sector: SectorId(45),
///     strategy: StrategyId(1),
///     qty: 100.0,
///     unit_exposure: 190.0,
///     unit_greeks: BookGreeks::SHARE,
/// })?;
/// assert_eq!(book.sector_exposure(SectorId(45)), 19_000.0);
/// assert_eq!(book.net_greeks().delta, 100.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct BookState {
    equity: f64,
    peak_equity: f64,
    day_start_equity: f64,
    positions: HashMap<InstrumentId, Position>,
    pub(crate) symbols: HashMap<Ticker, SymbolAgg>,
    sectors: HashMap<SectorId, (u32, f64)>,
    strategies: HashMap<StrategyId, (u32, f64)>,
    greeks: BookGreeks,
    /// Demeaned returns scaled to unit norm, so that a correlation is one dot product.
    pub(crate) returns: HashMap<Ticker, Box<[f64]>>,
}

fn check_equity(name: &'static str, value: f64) -> Result<f64, RiskError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(RiskError::InvalidInput {
            name,
            value,
            expected: "finite and > 0",
        })
    }
}

impl BookState {
    /// An empty book with `equity` (> 0), which is also the peak and the day start.
    pub fn new(equity: f64) -> Result<BookState, RiskError> {
        let equity = check_equity("equity", equity)?;
        Ok(BookState {
            equity,
            peak_equity: equity,
            day_start_equity: equity,
            ..BookState::default()
        })
    }

    /// Marks equity (> 0); raises the peak when exceeded.
    pub fn set_equity(&mut self, equity: f64) -> Result<(), RiskError> {
        self.equity = check_equity("equity", equity)?;
        self.peak_equity = self.peak_equity.max(equity);
        Ok(())
    }

    /// Starts a new trading day at the current equity.
    pub fn start_day(&mut self) {
        self.day_start_equity = self.equity;
    }

    /// Current equity.
    #[must_use]
    pub const fn equity(&self) -> f64 {
        self.equity
    }

    /// Highest equity seen.
    #[must_use]
    pub const fn peak_equity(&self) -> f64 {
        self.peak_equity
    }

    /// Equity at the start of the day.
    #[must_use]
    pub const fn day_start_equity(&self) -> f64 {
        self.day_start_equity
    }

    /// The day's loss as a fraction of day-start equity (negative on a winning day).
    #[must_use]
    pub fn day_loss_fraction(&self) -> f64 {
        (self.day_start_equity - self.equity) / self.day_start_equity
    }

    /// Drawdown from peak: 1 − equity / peak.
    #[must_use]
    pub fn drawdown(&self) -> f64 {
        1.0 - self.equity / self.peak_equity
    }

    /// Adds or replaces the position in `p.instrument`; a zero quantity removes it.
    pub fn upsert(&mut self, p: Position) -> Result<(), RiskError> {
        if !p.qty.is_finite() {
            return Err(RiskError::InvalidInput {
                name: "position.qty",
                value: p.qty,
                expected: "finite",
            });
        }
        if !(p.unit_exposure.is_finite() && p.unit_exposure >= 0.0) {
            return Err(RiskError::InvalidInput {
                name: "position.unit_exposure",
                value: p.unit_exposure,
                expected: "finite and >= 0",
            });
        }
        if !p.unit_greeks.is_finite() {
            return Err(RiskError::InvalidInput {
                name: "position.unit_greeks",
                value: f64::NAN,
                expected: "finite",
            });
        }
        self.remove(&p.instrument);
        if p.qty == 0.0 {
            return Ok(());
        }
        let e = p.exposure();
        let s = self.symbols.entry(p.symbol).or_default();
        s.count += 1;
        s.exposure += e;
        s.delta += p.greeks().delta;
        let sec = self.sectors.entry(p.sector).or_default();
        sec.0 += 1;
        sec.1 += e;
        let st = self.strategies.entry(p.strategy).or_default();
        st.0 += 1;
        st.1 += e;
        self.greeks = self.greeks.plus(&p.greeks());
        self.positions.insert(p.instrument, p);
        Ok(())
    }

    /// Removes the position in `instrument`, returning it.
    pub fn remove(&mut self, instrument: &InstrumentId) -> Option<Position> {
        let p = self.positions.remove(instrument)?;
        let e = p.exposure();
        // Each aggregate is dropped with its last position, so rounding drift from
        // repeated add/subtract never outlives the positions it came from.
        if let Some(s) = self.symbols.get_mut(&p.symbol) {
            s.count -= 1;
            s.exposure -= e;
            s.delta -= p.greeks().delta;
            if s.count == 0 {
                self.symbols.remove(&p.symbol);
            }
        }
        if let Some(v) = self.sectors.get_mut(&p.sector) {
            v.0 -= 1;
            v.1 -= e;
            if v.0 == 0 {
                self.sectors.remove(&p.sector);
            }
        }
        if let Some(v) = self.strategies.get_mut(&p.strategy) {
            v.0 -= 1;
            v.1 -= e;
            if v.0 == 0 {
                self.strategies.remove(&p.strategy);
            }
        }
        self.greeks = self.greeks.plus(&p.greeks().scaled(-1.0));
        if self.positions.is_empty() {
            self.greeks = BookGreeks::default();
        }
        Some(p)
    }

    /// The position in `instrument`, if open.
    #[must_use]
    pub fn position(&self, instrument: &InstrumentId) -> Option<&Position> {
        self.positions.get(instrument)
    }

    /// Number of open positions.
    #[must_use]
    pub fn open_positions(&self) -> usize {
        self.positions.len()
    }

    /// Gross exposure to `symbol` (all its instruments).
    #[must_use]
    pub fn symbol_exposure(&self, symbol: Ticker) -> f64 {
        self.symbols.get(&symbol).map_or(0.0, |s| s.exposure)
    }

    /// Gross exposure to `sector`.
    #[must_use]
    pub fn sector_exposure(&self, sector: SectorId) -> f64 {
        self.sectors.get(&sector).map_or(0.0, |s| s.1)
    }

    /// Gross exposure of `strategy`.
    #[must_use]
    pub fn strategy_exposure(&self, strategy: StrategyId) -> f64 {
        self.strategies.get(&strategy).map_or(0.0, |s| s.1)
    }

    /// Net Greeks of the book.
    #[must_use]
    pub const fn net_greeks(&self) -> BookGreeks {
        self.greeks
    }

    /// Registers the last `window` simple returns of `symbol` (the candidate's and the
    /// open positions'), aligned on the same dates for every symbol. `window` must be the
    /// configuration's `correlation_window`; the series must vary. Symbols without a
    /// series are not checked for correlation.
    pub fn set_returns(
        &mut self,
        symbol: Ticker,
        returns: &[f64],
        window: usize,
    ) -> Result<(), RiskError> {
        let bad = |reason: String| RiskError::BadReturns {
            symbol: symbol.as_str().to_string(),
            reason,
        };
        if returns.len() != window {
            return Err(bad(format!(
                "{} returns, expected the window of {window}",
                returns.len()
            )));
        }
        if let Some(i) = returns.iter().position(|r| !r.is_finite()) {
            return Err(bad(format!("return {i} is {}", returns[i])));
        }
        let mean = returns.iter().sum::<f64>() / window as f64;
        let ss = returns.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>();
        let norm = ss.sqrt();
        // A constant series leaves only rounding noise (relative ~1e-16) after demeaning.
        let scale = returns.iter().fold(0.0_f64, |m, r| m.max(r.abs()));
        if !(norm.is_finite() && norm > 1e-12 * scale * (window as f64).sqrt()) {
            return Err(bad("no variance".to_string()));
        }
        // Pearson ρ(a, b) = Σ(aᵢ−ā)(bᵢ−b̄) / √(Σ(aᵢ−ā)² Σ(bᵢ−b̄)²): store (aᵢ−ā)/√Σ(aᵢ−ā)².
        let z: Box<[f64]> = returns.iter().map(|r| (r - mean) / norm).collect();
        self.returns.insert(symbol, z);
        Ok(())
    }

    /// Pearson correlation of two registered symbols' returns.
    #[must_use]
    pub fn correlation(&self, a: Ticker, b: Ticker) -> Option<f64> {
        let (za, zb) = (self.returns.get(&a)?, self.returns.get(&b)?);
        (za.len() == zb.len()).then(|| dot(za, zb).clamp(-1.0, 1.0))
    }
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pos(sym: &str, sector: u16, qty: f64) -> Position {
        Position {
            instrument: InstrumentId::ticker(sym).unwrap(),
            symbol: Ticker::new(sym).unwrap(),
            sector: SectorId(sector),
            strategy: StrategyId(0),
            qty,
            unit_exposure: 10.0,
            unit_greeks: BookGreeks::SHARE,
        }
    }

    #[test]
    fn aggregates_follow_upserts_and_removals() {
        let mut b = BookState::new(1_000.0).unwrap();
        b.upsert(pos("AAA", 1, 5.0)).unwrap();
        b.upsert(pos("BBB", 1, -3.0)).unwrap();
        assert_eq!(b.sector_exposure(SectorId(1)), 80.0);
        assert_eq!(b.net_greeks().delta, 2.0);
        b.upsert(pos("AAA", 1, 1.0)).unwrap();
        assert_eq!(b.symbol_exposure(Ticker::new("AAA").unwrap()), 10.0);
        assert_eq!(b.strategy_exposure(StrategyId(0)), 40.0);
        assert!(b.remove(&InstrumentId::ticker("BBB").unwrap()).is_some());
        assert!(b.remove(&InstrumentId::ticker("BBB").unwrap()).is_none());
        b.upsert(pos("AAA", 1, 0.0)).unwrap();
        assert_eq!(b.open_positions(), 0);
        assert_eq!(b.sector_exposure(SectorId(1)), 0.0);
        assert_eq!(b.net_greeks(), BookGreeks::default());
        assert!(b.upsert(pos("AAA", 1, f64::NAN)).is_err());
    }

    #[test]
    fn equity_peak_day_and_correlation() {
        let mut b = BookState::new(100.0).unwrap();
        b.set_equity(120.0).unwrap();
        b.start_day();
        b.set_equity(90.0).unwrap();
        assert!((b.drawdown() - 0.25).abs() < 1e-15);
        assert!((b.day_loss_fraction() - 0.25).abs() < 1e-15);
        assert!(b.set_equity(-1.0).is_err());
        let (a, c) = (Ticker::new("A").unwrap(), Ticker::new("C").unwrap());
        b.set_returns(a, &[0.01, -0.02, 0.03, 0.0], 4).unwrap();
        b.set_returns(c, &[-0.02, 0.04, -0.06, 0.0], 4).unwrap();
        assert!((b.correlation(a, c).unwrap() + 1.0).abs() < 1e-12);
        assert!((b.correlation(a, a).unwrap() - 1.0).abs() < 1e-12);
    }
}
