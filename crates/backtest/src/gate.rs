//! The pre-trade gate of the vectorized engine: the risk crate's
//! [`RiskPolicy`](thetalab_risk::limits::RiskPolicy) (the same check the options replay
//! engine and the paper trader use) deciding on every order of
//! [`run_gated`](crate::engine::run_gated) and
//! [`run_portfolio_gated`](crate::engine::run_portfolio_gated), so that a limit that
//! holds in research holds live.
//!
//! # What the engine does with it
//!
//! * **Book.** At the start of a run the gate's [`BookState`] is reset to the run's
//!   `init_cash`. Equity is marked at every bar's close (which raises the peak for the
//!   drawdown stop) and again, with every open position's exposure, at the prices of the
//!   fill just before an order is checked. A new New York session date of the first
//!   asset's timestamps starts a new day (`start_day`: the day-start equity for the daily
//!   loss limit is the previous close's equity); bars without timestamps are one session.
//!   Every fill upserts the asset's position (signed shares, exposure per share = the fill
//!   price, Greeks of a share: delta 1) or removes it when flat.
//! * **Orders.** Every fill the engine is about to make becomes an
//!   [`Order`](thetalab_risk::limits::Order) (exposure per share = the fill price,
//!   slippage included; Greeks of a share): the part that
//!   reduces the position is an `OrderIntent::Close` (always executed, even if a policy
//!   objects: a stop must be able to fire); the part that opens or adds is an
//!   `OrderIntent::Open` for the engine's own size (its [`crate::SizeRule`], cash cap and
//!   whole-share rounding already applied) at the fill price (slippage included) per
//!   share. `Approved` trades as sized — the fill is bit-for-bit the ungated one;
//!   `Resized { new_qty }` trades `new_qty` (costs recomputed on it); `Rejected` skips the
//!   entry (a reversal still closes the old side). Resized and rejected orders are
//!   returned in [`crate::BacktestResult::decisions`] with the bar, the limit and its
//!   numbers.
//! * **Trades.** Every closed trade's P&L (fees included) is reported to the policy
//!   ([`RiskPolicy::record_trade`]) for the circuit breaker's losing streak.
//! * **Correlation.** When the policy checks correlation (a window is set, see
//!   [`RiskGate::with_correlation_window`]) and a run has several assets, the simple
//!   close-to-close returns of the last `window` bars known at the decision (up to this
//!   bar's close for close fills, the previous close for next-open fills) of the
//!   candidate and of every open asset are registered before the check. A window whose
//!   closes are all equal has no correlation and is not registered.
//!
//! Sweeps ([`crate::sweep`]) are not gated: they rank parameter sets on the strategy's
//! own signals; gate the chosen set with [`crate::engine::run_gated`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use thetalab_core::{InstrumentId, Side, SimulatedClock, Ticker, Timestamp};
use thetalab_risk::limits::{
    BookGreeks, BookState, Decision, Limit, LimitNumbers, LimitsConfig, Order, OrderIntent,
    Position, PreTradeCheck, RiskPolicy, SectorId, StrategyId,
};

use crate::error::{BacktestError, Result};

/// What the gate fills into every [`Order`] besides side, quantity and price: the ticker
/// of an unnamed asset, sectors and the strategy id.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTemplate {
    /// The ticker of a single-asset run's asset when the engine gives it no name
    /// ([`crate::engine::run_gated`]); named assets use their own name.
    pub symbol: String,
    /// The sector of assets not listed in `sectors`.
    pub sector: SectorId,
    /// Sector per asset name.
    pub sectors: BTreeMap<String, SectorId>,
    /// The strategy sending the orders.
    pub strategy: StrategyId,
}

impl Default for OrderTemplate {
    fn default() -> Self {
        OrderTemplate {
            symbol: String::new(),
            sector: SectorId(0),
            sectors: BTreeMap::new(),
            strategy: StrategyId(0),
        }
    }
}

impl OrderTemplate {
    /// A template for `symbol`, sector 0 and strategy 0.
    #[must_use]
    pub fn new(symbol: &str) -> OrderTemplate {
        OrderTemplate {
            symbol: symbol.to_string(),
            ..OrderTemplate::default()
        }
    }

    /// Puts asset `symbol` in `sector`.
    #[must_use]
    pub fn with_sector(mut self, symbol: &str, sector: SectorId) -> OrderTemplate {
        self.sectors.insert(symbol.to_string(), sector);
        self
    }
}

/// A pre-trade decision that changed an order (resized or rejected), as the engine
/// reports it in [`crate::BacktestResult::decisions`].
#[derive(Debug, Clone, PartialEq)]
pub struct RiskDecision {
    /// The bar of the fill the order was for.
    pub index: usize,
    /// That bar's time.
    pub ts: Timestamp,
    /// The asset.
    pub symbol: String,
    /// Buy (long entry, cover) or sell (short entry).
    pub side: Side,
    /// Shares the engine asked to open or add.
    pub requested_qty: f64,
    /// Shares allowed: the resized quantity, or 0 when rejected.
    pub allowed_qty: f64,
    /// The limit that decided.
    pub limit: Limit,
    /// Its numbers (current, with the order, limit) in the limit's unit.
    pub numbers: LimitNumbers,
    /// The book's equity at the check.
    pub equity: f64,
}

impl RiskDecision {
    /// True when the order was rejected (nothing traded), false when resized.
    #[must_use]
    pub fn is_rejection(&self) -> bool {
        self.allowed_qty == 0.0
    }
}

impl fmt::Display for RiskDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.is_rejection() {
            "rejected".to_string()
        } else {
            format!("resized to {}", self.allowed_qty)
        };
        write!(
            f,
            "bar {} ({}) {} {:?} {}: {what} by {} ({})",
            self.index,
            self.ts,
            self.symbol,
            self.side,
            self.requested_qty,
            self.limit,
            self.numbers
        )
    }
}

/// One asset as the gate's orders name it.
#[derive(Debug, Clone)]
struct GateAsset {
    name: String,
    ticker: Ticker,
    instrument: InstrumentId,
    sector: SectorId,
}

/// The pre-trade gate: a policy, the book the engine keeps up to date for it, and the
/// order template. Build one per backtest (see the module page for what the engine
/// feeds it); the policy's state (the circuit breaker, its own log) carries over if the
/// gate is reused, the book does not.
///
/// ```
/// use thetalab_backtest::gate::{OrderTemplate, RiskGate};
/// use thetalab_backtest::{BacktestConfig, run, run_gated};
/// use thetalab_core::Timestamp;
/// use thetalab_risk::limits::{Limit, LimitsConfig};
/// use thetalab_strategy::{BarColumns, BarInput, Signals};
///
/// let bars = BarColumns::from_bars((0..3).map(|i| BarInput {
///     ts: Timestamp::from_nanos(i * 86_400_000_000_000),
///     open: 100.0, high: 100.0, low: 100.0, close: 100.0, volume: 1.0,
/// }));
/// let mut signals = Signals::new(3);
/// signals.entries[0] = true;
/// let cfg = BacktestConfig::default(); // all cash: 1 000 shares at 100
/// let limits = LimitsConfig { symbol_exposure: Some(0.2), ..LimitsConfig::none() };
/// let mut gate = RiskGate::new(limits, OrderTemplate::new("SPY"))?;
/// let res = run_gated(&bars.view()?, &signals, &cfg, &mut gate)?;
/// // 20 % of 100 000 at 100 a share: resized to 200 shares.
/// assert_eq!(res.position()[0], 200.0);
/// assert_eq!(res.decisions[0].limit, Limit::SymbolExposure);
/// assert!(run(&bars.view()?, &signals, &cfg)?.decisions.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RiskGate {
    policy: Box<dyn RiskPolicy>,
    clock: Option<Arc<SimulatedClock>>,
    template: OrderTemplate,
    correlation_window: Option<usize>,
    book: BookState,
    assets: Vec<GateAsset>,
    decisions: Vec<RiskDecision>,
    next_id: u64,
    error: Option<BacktestError>,
    scratch: Vec<f64>,
}

impl fmt::Debug for RiskGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RiskGate")
            .field("template", &self.template)
            .field("correlation_window", &self.correlation_window)
            .field("book", &self.book)
            .field("decisions", &self.decisions.len())
            .finish_non_exhaustive()
    }
}

impl RiskGate {
    /// A gate running the risk crate's [`PreTradeCheck`] with `limits`; its decision log
    /// is timed by a simulated clock that the engine sets to each order's bar. Returns
    /// of the last `limits.correlation_window` bars are registered when
    /// `limits.max_correlation` is set.
    ///
    /// # Errors
    /// [`BacktestError::Risk`] for an invalid `limits`.
    pub fn new(limits: LimitsConfig, template: OrderTemplate) -> Result<RiskGate> {
        let clock = Arc::new(SimulatedClock::new(Timestamp::UNIX_EPOCH));
        let window = limits.max_correlation.map(|_| limits.correlation_window);
        let check = PreTradeCheck::new(limits, Arc::clone(&clock))?;
        Ok(RiskGate::with_policy(Box::new(check), template)
            .with_clock(clock)
            .with_correlation_window(window))
    }

    /// A gate running any policy (no clock driven, no correlation returns registered;
    /// see [`with_clock`](Self::with_clock) and
    /// [`with_correlation_window`](Self::with_correlation_window)).
    #[must_use]
    pub fn with_policy(policy: Box<dyn RiskPolicy>, template: OrderTemplate) -> RiskGate {
        RiskGate {
            policy,
            clock: None,
            template,
            correlation_window: None,
            book: BookState::default(),
            assets: Vec::new(),
            decisions: Vec::new(),
            next_id: 0,
            error: None,
            scratch: Vec::new(),
        }
    }

    /// The clock the policy reads, which the engine moves to each order's bar (never
    /// backwards: a gate reused on an earlier period keeps the later time).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<SimulatedClock>) -> RiskGate {
        self.clock = Some(clock);
        self
    }

    /// Registers the last `window` returns of the candidate and the open assets before
    /// each entry check (`None`: never). Must equal the policy's correlation window.
    #[must_use]
    pub fn with_correlation_window(mut self, window: Option<usize>) -> RiskGate {
        self.correlation_window = window;
        self
    }

    /// The book as the last run left it.
    #[must_use]
    pub fn book(&self) -> &BookState {
        &self.book
    }

    /// The order template.
    #[must_use]
    pub fn template(&self) -> &OrderTemplate {
        &self.template
    }

    pub(crate) fn correlation_window(&self) -> Option<usize> {
        self.correlation_window
    }

    /// Starts a run on the named assets with `init_cash`: resolves the tickers and
    /// resets the book and the run's decisions.
    pub(crate) fn begin(&mut self, names: &[&str], init_cash: f64) -> Result<()> {
        let mut assets = Vec::with_capacity(names.len());
        for &n in names {
            let name = if n.is_empty() {
                self.template.symbol.as_str()
            } else {
                n
            };
            let ticker = Ticker::new(name).map_err(|e| BacktestError::InvalidSymbol {
                symbol: name.to_string(),
                reason: e.to_string(),
            })?;
            let sector = self
                .template
                .sectors
                .get(name)
                .copied()
                .unwrap_or(self.template.sector);
            assets.push(GateAsset {
                name: name.to_string(),
                ticker,
                instrument: InstrumentId::Ticker(ticker),
                sector,
            });
        }
        self.assets = assets;
        self.book = BookState::new(init_cash)?;
        self.decisions.clear();
        self.error = None;
        Ok(())
    }

    /// Ends a run: its decisions, or the first book error met.
    pub(crate) fn finish(&mut self) -> Result<Vec<RiskDecision>> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(std::mem::take(&mut self.decisions)),
        }
    }

    fn keep_error(&mut self, r: std::result::Result<(), thetalab_risk::RiskError>) {
        if let Err(e) = r
            && self.error.is_none()
        {
            self.error = Some(e.into());
        }
    }

    /// A new session: the day's loss is measured from the current equity.
    pub(crate) fn new_session(&mut self) {
        self.book.start_day();
    }

    /// Marks equity. The book needs it > 0: an equity at or below 0 (a blown-up short)
    /// is held at the smallest positive number, where every loss, drawdown and exposure
    /// limit binds.
    pub(crate) fn mark_equity(&mut self, equity: f64) {
        let r = self.book.set_equity(equity.max(f64::MIN_POSITIVE));
        self.keep_error(r);
    }

    /// Sets asset `a`'s position to `qty` shares worth `price` each (0 removes it).
    pub(crate) fn set_position(&mut self, a: usize, qty: f64, price: f64) {
        let Some(asset) = self.assets.get(a) else {
            return;
        };
        let r = self.book.upsert(Position {
            instrument: asset.instrument,
            symbol: asset.ticker,
            sector: asset.sector,
            strategy: self.template.strategy,
            qty,
            unit_exposure: price,
            unit_greeks: BookGreeks::SHARE,
        });
        self.keep_error(r);
    }

    /// Reports a closed trade's P&L to the policy.
    pub(crate) fn record_trade(&mut self, pnl: f64) {
        self.policy.record_trade(pnl);
    }

    /// Registers asset `a`'s last `window` simple returns ending at bar `k` (needs
    /// `k ≥ window`). A constant window has no correlation and is skipped.
    pub(crate) fn register_returns(&mut self, a: usize, closes: &[f64], k: usize, window: usize) {
        let Some(asset) = self.assets.get(a) else {
            return;
        };
        if k < window || k >= closes.len() {
            return;
        }
        self.scratch.clear();
        self.scratch
            .extend((k + 1 - window..=k).map(|j| closes[j] / closes[j - 1] - 1.0));
        // The only error left after the checks above is a series without variance.
        let _ = self.book.set_returns(asset.ticker, &self.scratch, window);
    }

    fn tick(&self, ts: Timestamp) {
        if let Some(c) = &self.clock {
            // Never backwards: a reused gate keeps its later time (documented).
            let _ = c.set(ts);
        }
    }

    fn order(
        &mut self,
        a: usize,
        side: Side,
        qty: f64,
        price: f64,
        intent: OrderIntent,
    ) -> Option<Order> {
        let asset = self.assets.get(a)?;
        self.next_id += 1;
        Some(Order {
            id: self.next_id,
            instrument: asset.instrument,
            symbol: asset.ticker,
            sector: asset.sector,
            strategy: self.template.strategy,
            side,
            qty,
            unit_exposure: price,
            unit_greeks: BookGreeks::SHARE,
            intent,
        })
    }

    /// Shows the policy a closing order (for its log); it executes whatever the answer.
    pub(crate) fn close_order(
        &mut self,
        a: usize,
        side: Side,
        qty: f64,
        price: f64,
        ts: Timestamp,
    ) {
        self.tick(ts);
        if let Some(order) = self.order(a, side, qty, price, OrderIntent::Close) {
            let _ = self.policy.check(&order, &self.book);
        }
    }

    /// Checks an opening order of `qty` shares at `price`: `None` when approved as
    /// asked, else the shares allowed (< `qty`, 0 when rejected), the decision recorded.
    pub(crate) fn open_order(
        &mut self,
        a: usize,
        side: Side,
        qty: f64,
        price: f64,
        index: usize,
        ts: Timestamp,
    ) -> Option<f64> {
        self.tick(ts);
        let order = self.order(a, side, qty, price, OrderIntent::Open)?;
        let (allowed, limit, numbers) = match self.policy.check(&order, &self.book) {
            Decision::Approved => return None,
            // A resize to NaN (a custom policy's bug) trades nothing: NaN would pass
            // `clamp` and reach the fill as a size, where a non-finite size means "all
            // the cash".
            Decision::Resized {
                new_qty,
                limit,
                numbers,
            } => (
                if new_qty.is_nan() {
                    0.0
                } else {
                    new_qty.clamp(0.0, qty)
                },
                limit,
                numbers,
            ),
            Decision::Rejected { limit, detail } => (0.0, limit, detail),
        };
        self.decisions.push(RiskDecision {
            index,
            ts,
            symbol: self
                .assets
                .get(a)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            side,
            requested_qty: qty,
            allowed_qty: allowed,
            limit,
            numbers,
            equity: self.book.equity(),
        });
        Some(allowed)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn begin_resolves_names_sectors_and_rejects_bad_tickers() {
        let t = OrderTemplate::new("SPY").with_sector("XOM", SectorId(10));
        let mut g = RiskGate::new(LimitsConfig::none(), t).unwrap();
        assert!(g.begin(&["", "XOM"], 1_000.0).is_ok());
        assert_eq!(g.assets[0].name, "SPY");
        assert_eq!(g.assets[0].sector, SectorId(0));
        assert_eq!(g.assets[1].sector, SectorId(10));
        assert_eq!(g.book().equity(), 1_000.0);
        let e = g.begin(&["spy"], 1_000.0).unwrap_err();
        assert!(matches!(e, BacktestError::InvalidSymbol { ref symbol, .. } if symbol == "spy"));
        let mut g = RiskGate::new(LimitsConfig::none(), OrderTemplate::default()).unwrap();
        assert!(
            g.begin(&[""], 1_000.0).is_err(),
            "no name and no template symbol"
        );
        let bad = LimitsConfig {
            lot: 0.0,
            ..LimitsConfig::none()
        };
        assert!(matches!(
            RiskGate::new(bad, OrderTemplate::new("SPY")),
            Err(BacktestError::Risk(_))
        ));
    }

    #[test]
    fn returns_window_and_equity_floor() {
        let mut g = RiskGate::new(LimitsConfig::none(), OrderTemplate::new("A")).unwrap();
        assert!(g.begin(&["A", "B"], 100.0).is_ok());
        // r = 1.1/1 − 1, 0.99/1.1 − 1, 1.089/0.99 − 1 over closes 1, 1.1, 0.99, 1.089.
        g.register_returns(0, &[1.0, 1.1, 0.99, 1.089], 3, 3);
        g.register_returns(1, &[2.0, 2.2, 1.98, 2.178], 3, 3);
        let (a, b) = (g.assets[0].ticker, g.assets[1].ticker);
        let rho = g.book().correlation(a, b).unwrap();
        assert!((rho - 1.0).abs() < 1e-12, "{rho}");
        g.mark_equity(-5.0);
        assert_eq!(g.book().equity(), f64::MIN_POSITIVE);
        assert!(g.finish().is_ok());
    }
}
