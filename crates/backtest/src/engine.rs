//! The vectorized engine: single asset ([`run`]) and multi-asset with shared cash
//! ([`run_portfolio`]).
//!
//! # Conventions
//!
//! **Signals** have vectorbt's `Portfolio.from_signals` meaning (default settings):
//! an entry while already in that direction is ignored (no pyramiding); an exit while
//! not in that position is ignored; an entry and an exit of one direction on one bar
//! cancel (`upon_long_conflict='ignore'`), so do a long and a short entry
//! (`upon_dir_conflict='ignore'`); an opposite entry reverses the position
//! (`upon_opposite_entry='reversereduce'`). [`DirectionMode`] drops the short or the
//! long flags first.
//!
//! **Fills.** [`Fill::Close`]: at the signal bar's close. [`Fill::NextOpen`]: at the
//! next bar's open, resolved against the position held then; a signal on the last bar
//! never fills. Costs and sizes: see [`crate::config`] and `orders.rs` (vectorbt's
//! arithmetic). A reversal is booked as two orders (close, then open): with
//! proportional fees the numbers equal vectorbt's single reversing order; a fixed fee
//! per order is charged twice.
//!
//! **Order of events in a bar `i`:**
//! 1. (`NextOpen`) orders decided at bar `i − 1`'s close fill at bar `i`'s open —
//!    all reductions and exits of every asset first, then entries, so freed cash is
//!    available to the buys;
//! 2. the exit rules ([`thetalab_strategy::exits::ExitTracker`]) check the bar: gap
//!    through the stop or target at the open fills at the open, then the stop inside
//!    the range (the stop wins when both stop and target are inside the range), then
//!    the target, then time stop and session end at the close. With close fills a
//!    position entered at bar `e`'s close is checked from bar `e + 1` (bar `e`'s
//!    range happened before the fill); with next-open fills from bar `e` itself. An
//!    exit rule's fill pays slippage (as vectorbt's `stop_exit_price='stopmarket'`).
//!    The stop reference price is the entry's quoted price before slippage (the
//!    close, vectorbt's `stop_entry_price='close'`, or the open);
//! 3. (`Close`) the bar's signals fill at its close, exits before entries across
//!    assets. An asset stopped out on this bar ignores its signals of this bar
//!    (vectorbt: the stop signal replaces the user's). With `flat_at_session_end`,
//!    no position is opened at a session's last close;
//! 4. equity is marked at the close: `cash + Σ position·close`.
//!
//! **Returns** are simple returns of equity per bar, the first against `init_cash`
//! (vectorbt `pf.returns()`), until the account is ruined (equity ≤ 0): that bar
//! returns −1 and later ones 0, and [`BacktestResult::ruin`] names it
//! ([`crate::metrics::returns::equity_returns`]). **Exposure** is the fraction of bars ending with a
//! position; **turnover** is total traded notional divided by mean equity.
//!
//! **Pre-trade gate.** [`run_gated`] and [`run_portfolio_gated`] pass every order
//! through a [`RiskGate`] (the risk crate's pre-trade check): entries may be resized or
//! rejected, exits always execute; see [`crate::gate`]. [`run`] and [`run_portfolio`]
//! are ungated, and a gate that approves everything gives the very same result.
//!
//! **Input checks.** Closes must be finite and > 0; opens too with next-open fills;
//! highs and lows when a stop, target or trailing stop is set. Errors name the asset,
//! column and row.

use thetalab_core::{Side, Timestamp};
use thetalab_strategy::exits::{Direction, ExitTracker};
use thetalab_strategy::{BarInput, BarsView, Signals};

use crate::config::{BacktestConfig, Costs, DirectionMode, Fill, SizeRule};
use crate::error::{BacktestError, Result};
use crate::gate::{RiskDecision, RiskGate};
use crate::metrics::{Metrics, TradeRecord};
use crate::orders::{self, OrderFill, is_close};
use crate::trade::{Book, BookFill, ExitKind, Trade};

/// What drives a multi-asset run.
#[derive(Debug, Clone, Copy)]
pub enum Allocation<'a> {
    /// One [`Signals`] per asset (same order as the assets); entries are sized by
    /// [`BacktestConfig::size`] from the shared cash, in asset order.
    Signals(&'a [Signals]),
    /// One target-weight column per asset: a finite value at bar `i` rebalances the
    /// asset to that fraction of equity (negative = short; needs shorts allowed), NaN
    /// leaves it alone. Sells fill before buys; buys are capped by cash.
    Weights(&'a [Vec<f64>]),
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestResult {
    /// The assets' symbols, in input order.
    pub symbols: Vec<String>,
    /// Equity per bar, marked at the close.
    pub equity: Vec<f64>,
    /// Cash per bar (after the bar's fills).
    pub cash: Vec<f64>,
    /// Shares held per bar, one column per asset (negative = short).
    pub positions: Vec<Vec<f64>>,
    /// Simple returns per bar; `returns[0] = equity[0] / init_cash − 1`, up to the ruin
    /// (see [`crate::metrics::returns::equity_returns`]: −1 at the first bar whose
    /// equity is ≤ 0, 0 after it).
    pub returns: Vec<f64>,
    /// The first bar whose equity is ≤ 0 (the account is ruined: returns-based metrics
    /// stop meaning anything there), `None` when equity stayed positive.
    pub ruin: Option<usize>,
    /// All trades, closed and open (open ones last per asset, `exit_index = None`).
    pub trades: Vec<Trade>,
    /// Number of orders filled.
    pub orders: usize,
    /// Sum of every fee paid.
    pub total_fees: f64,
    /// Total traded notional (Σ |size·fill price|).
    pub traded_notional: f64,
    /// Fraction of bars ending with any open position.
    pub exposure: f64,
    /// `traded_notional / mean(equity)`.
    pub turnover: f64,
    /// Starting cash.
    pub init_cash: f64,
    /// Equity after the last bar.
    pub final_value: f64,
    /// The pre-trade decisions that changed an order (resized or rejected), oldest
    /// first; empty for an ungated run ([`run`], [`run_portfolio`]).
    pub decisions: Vec<RiskDecision>,
}

impl BacktestResult {
    /// Shares held per bar of the first asset (the single-asset case).
    #[must_use]
    pub fn position(&self) -> &[f64] {
        self.positions.first().map_or(&[], |p| p.as_slice())
    }

    /// Number of trades, open ones included (vectorbt `trades.count()`).
    #[must_use]
    pub fn trade_count(&self) -> usize {
        self.trades.len()
    }

    /// Number of closed trades.
    #[must_use]
    pub fn closed_trades(&self) -> usize {
        self.trades.iter().filter(|t| !t.is_open()).count()
    }

    /// Number of entries the pre-trade gate rejected.
    #[must_use]
    pub fn risk_rejections(&self) -> usize {
        self.decisions.iter().filter(|d| d.is_rejection()).count()
    }

    /// Total return `final_value / init_cash − 1`.
    #[must_use]
    pub fn total_return(&self) -> f64 {
        self.final_value / self.init_cash - 1.0
    }

    /// The closed trades as [`crate::metrics::TradeRecord`]s (`traded_value` = entry
    /// plus exit notional).
    #[must_use]
    pub fn trade_records(&self) -> Vec<TradeRecord> {
        self.trades
            .iter()
            .filter(|t| !t.is_open())
            .map(|t| TradeRecord {
                pnl: t.pnl,
                return_pct: t.return_pct,
                traded_value: t.size * t.entry_price + t.size * t.exit_price,
            })
            .collect()
    }

    /// Every metric of [`crate::metrics::Metrics`] for this run: its returns, its
    /// closed trades, its exposure mask (any position at the close), with `cfg`'s
    /// annualization, risk-free rate and starting cash.
    ///
    /// # Errors
    /// [`BacktestError::Metrics`] (cannot happen for a result of this engine, whose
    /// returns are finite).
    pub fn metrics(&self, cfg: &BacktestConfig) -> Result<Metrics> {
        let n = self.returns.len();
        let mask: Vec<bool> = (0..n)
            .map(|i| {
                self.positions
                    .iter()
                    .any(|p| p.get(i).is_some_and(|&x| x != 0.0))
            })
            .collect();
        Ok(Metrics::compute(
            &self.returns,
            &self.trade_records(),
            Some(&mask),
            &cfg.metrics_config(),
        )?)
    }

    /// Names the (single) asset in the result and its trades.
    #[must_use]
    pub fn with_symbol(mut self, symbol: &str) -> Self {
        for s in &mut self.symbols {
            *s = symbol.to_string();
        }
        for t in &mut self.trades {
            t.symbol = symbol.to_string();
        }
        for d in &mut self.decisions {
            d.symbol = symbol.to_string();
        }
        self
    }
}

/// Runs one asset on its signals.
///
/// # Errors
/// Invalid config, mismatched lengths, non-positive or non-finite prices (see the
/// module page), invalid exit rules.
pub fn run(bars: &BarsView, signals: &Signals, cfg: &BacktestConfig) -> Result<BacktestResult> {
    simulate(
        &[("", *bars)],
        Allocation::Signals(std::slice::from_ref(signals)),
        cfg,
        None,
    )
}

/// [`run`] with every order through the pre-trade `gate` (see [`crate::gate`]); the
/// asset's orders carry the gate template's symbol.
///
/// # Errors
/// As [`run`], plus an invalid ticker in the template ([`BacktestError::InvalidSymbol`])
/// and a book update the risk crate rejects ([`BacktestError::Risk`]).
pub fn run_gated(
    bars: &BarsView,
    signals: &Signals,
    cfg: &BacktestConfig,
    gate: &mut RiskGate,
) -> Result<BacktestResult> {
    simulate(
        &[("", *bars)],
        Allocation::Signals(std::slice::from_ref(signals)),
        cfg,
        Some(gate),
    )
}

/// An order intent for one asset at one fill time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Intent {
    None,
    Close,
    OpenLong,
    OpenShort,
    ReverseToLong,
    ReverseToShort,
    Target(f64),
}

/// vectorbt's signal resolution (default conflict modes) against the current position.
pub(crate) fn resolve(pos: f64, flags: [bool; 4], mode: DirectionMode) -> Intent {
    let [mut e, mut x, mut se, mut sx] = flags;
    match mode {
        DirectionMode::LongOnly => {
            se = false;
            sx = false;
        }
        DirectionMode::ShortOnly => {
            e = false;
            x = false;
        }
        DirectionMode::Both => {}
    }
    if e && x {
        e = false;
        x = false;
    }
    if se && sx {
        se = false;
        sx = false;
    }
    if e && se {
        e = false;
        se = false;
    }
    if pos > 0.0 {
        if se {
            Intent::ReverseToShort
        } else if x {
            Intent::Close
        } else {
            Intent::None
        }
    } else if pos < 0.0 {
        if e {
            Intent::ReverseToLong
        } else if sx {
            Intent::Close
        } else {
            Intent::None
        }
    } else if e {
        Intent::OpenLong
    } else if se {
        Intent::OpenShort
    } else {
        Intent::None
    }
}

struct AssetState {
    pos: f64,
    /// Short debt at entry prices (vectorbt `debt`); free cash = cash − 2·Σ debt.
    debt: f64,
    book: Book,
    tracker: Option<ExitTracker>,
}

struct Sim<'a, 'g> {
    assets: &'a [(&'a str, BarsView<'a>)],
    cfg: &'a BacktestConfig,
    costs: Costs,
    cash: f64,
    st: Vec<AssetState>,
    trades: Vec<Trade>,
    orders: usize,
    total_fees: f64,
    traded: f64,
    atr: Vec<Option<Vec<f64>>>,
    gate: Option<&'g mut RiskGate>,
}

impl Sim<'_, '_> {
    fn free_cash(&self) -> f64 {
        self.cash - 2.0 * self.st.iter().map(|s| s.debt).sum::<f64>()
    }

    fn ts(&self, a: usize, i: usize) -> Timestamp {
        self.assets[a]
            .1
            .ts
            .get(i)
            .copied()
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Applies a fill to asset `a` and books it.
    fn apply(
        &mut self,
        a: usize,
        buy: bool,
        f: OrderFill,
        i: usize,
        reason: ExitKind,
        quoted: f64,
    ) {
        let ts = self.ts(a, i);
        let symbol = self.assets[a].0;
        let closed_before = self.trades.len();
        let s = &mut self.st[a];
        let before = s.pos;
        orders::book_fill(&mut self.cash, &mut s.pos, &mut s.debt, buy, &f);
        s.book.fill(
            symbol,
            BookFill {
                buy,
                size: f.size,
                price: f.price,
                fees: f.fees,
                index: i,
                ts,
                reason,
            },
            &mut self.trades,
        );
        self.orders += 1;
        self.total_fees += f.fees;
        self.traded += f.size * f.price;
        let after = s.pos;
        if let Some(g) = self.gate.as_deref_mut() {
            g.set_position(a, after, f.price);
            // Book::fill pushes only the trades this order closed.
            for t in &self.trades[closed_before..] {
                g.record_trade(t.pnl);
            }
        }
        // Exit-rule state: new on open or flip, dropped on close.
        if after == 0.0 {
            s.tracker = None;
        } else if before == 0.0 || before.signum() != after.signum() {
            let dir = if after > 0.0 {
                Direction::Long
            } else {
                Direction::Short
            };
            s.tracker = if self.cfg.exits.is_empty() {
                None
            } else {
                // The ATR known at the fill: this bar's for a close fill, the previous
                // bar's for an open fill.
                let atr_known = match self.cfg.fill {
                    Fill::Close => Some(i),
                    Fill::NextOpen => i.checked_sub(1),
                };
                let atr = atr_known
                    .and_then(|k| self.atr[a].as_ref().and_then(|v| v.get(k).copied()))
                    .unwrap_or(f64::NAN);
                ExitTracker::new(&self.cfg.exits, dir, quoted, i)
                    .ok()
                    .map(|t| t.with_entry_atr(atr))
            };
        }
    }

    /// Closes asset `a`'s whole position at quoted price `p`.
    fn close_all(&mut self, a: usize, p: f64, i: usize, reason: ExitKind) {
        let pos = self.st[a].pos;
        let fill = if pos > 0.0 {
            orders::sell(pos, p, &self.costs).map(|f| (false, f))
        } else if pos < 0.0 {
            orders::buy(self.cash, -pos, p, &self.costs).map(|f| (true, f))
        } else {
            None
        };
        if let Some((buy, f)) = fill {
            if let Some(g) = self.gate.as_deref_mut() {
                let side = if buy { Side::Buy } else { Side::Sell };
                let ts = self.assets[a]
                    .1
                    .ts
                    .get(i)
                    .copied()
                    .unwrap_or(Timestamp::UNIX_EPOCH);
                g.close_order(a, side, f.size, f.price, ts);
            }
            self.apply(a, buy, f, i, reason, p);
        }
    }

    /// Passes fill `f` of asset `a` (at quoted `prices[a]`, bar `i`) through the gate:
    /// the part reducing the position is a closing order, always executed; the part
    /// opening or adding is checked and kept, cut, or dropped. Ungated: `f` as is.
    fn gate_fill(
        &mut self,
        a: usize,
        buy: bool,
        f: OrderFill,
        prices: &[f64],
        i: usize,
    ) -> Option<OrderFill> {
        if self.gate.is_none() {
            return Some(f);
        }
        let pos = self.st[a].pos;
        let reduce = if buy { (-pos).max(0.0) } else { pos.max(0.0) }.min(f.size);
        let increase = f.size - reduce;
        let side = if buy { Side::Buy } else { Side::Sell };
        let ts = self.ts(a, i);
        let equity = self.equity_at(prices);
        // The last close known when the order was decided.
        let known = match self.cfg.fill {
            Fill::Close => Some(i),
            Fill::NextOpen => i.checked_sub(1),
        };
        let g = self.gate.as_deref_mut()?;
        if reduce > 0.0 {
            g.close_order(a, side, reduce, f.price, ts);
        }
        if increase <= 0.0 {
            return Some(f);
        }
        for (b, s) in self.st.iter().enumerate() {
            if s.pos != 0.0 {
                g.set_position(b, s.pos, prices[b]);
            }
        }
        g.mark_equity(equity);
        if let (Some(w), Some(k), true) = (g.correlation_window(), known, self.assets.len() > 1) {
            for (b, s) in self.st.iter().enumerate() {
                if b == a || s.pos != 0.0 {
                    g.register_returns(b, self.assets[b].1.close, k, w);
                }
            }
        }
        match g.open_order(a, side, increase, f.price, i, ts) {
            None => Some(f),
            Some(allowed) => {
                let size = reduce + allowed;
                if buy {
                    orders::buy(self.cash, size, prices[a], &self.costs)
                } else {
                    orders::sell(size, prices[a], &self.costs)
                }
            }
        }
    }

    fn equity_at(&self, prices: &[f64]) -> f64 {
        self.cash
            + self
                .st
                .iter()
                .zip(prices)
                .map(|(s, p)| s.pos * p)
                .sum::<f64>()
    }

    /// Opens a position in asset `a` at quoted price `prices[a]` per the size rule.
    fn open(&mut self, a: usize, long: bool, prices: &[f64], i: usize, equity: f64) {
        let p = prices[a];
        let want = match self.cfg.size {
            SizeRule::AllCash => f64::INFINITY,
            SizeRule::FractionOfEquity(f) => f * equity / p,
        };
        if long {
            if let Some(f) = orders::buy(self.cash, want, p, &self.costs)
                && let Some(f) = self.gate_fill(a, true, f, prices, i)
            {
                self.apply(a, true, f, i, ExitKind::Signal, p);
            }
        } else {
            let cap = orders::max_short(self.free_cash(), p, &self.costs);
            let size = if self.costs.fractional {
                want.min(cap)
            } else {
                want.min(cap).floor()
            };
            if let Some(f) = orders::sell(size, p, &self.costs)
                && let Some(f) = self.gate_fill(a, false, f, prices, i)
            {
                self.apply(a, false, f, i, ExitKind::Signal, p);
            }
        }
    }

    /// Executes one set of intents at quoted prices `prices` (bar `i`): reductions
    /// first, then entries.
    fn execute(&mut self, intents: &[Intent], prices: &[f64], i: usize) {
        let equity = self.equity_at(prices);
        let mut targets = vec![f64::NAN; intents.len()];
        for (a, &intent) in intents.iter().enumerate() {
            let p = prices[a];
            match intent {
                Intent::Close => self.close_all(a, p, i, ExitKind::Signal),
                Intent::ReverseToLong | Intent::ReverseToShort => {
                    self.close_all(a, p, i, ExitKind::Reversal);
                }
                Intent::Target(w) => {
                    let raw = w * equity / p;
                    let t = if self.costs.fractional {
                        raw
                    } else {
                        raw.trunc()
                    };
                    targets[a] = t;
                    let pos = self.st[a].pos;
                    if t < pos
                        && !is_close(t, pos)
                        && let Some(f) = orders::sell(pos - t, p, &self.costs)
                        && let Some(f) = self.gate_fill(a, false, f, prices, i)
                    {
                        self.apply(a, false, f, i, ExitKind::Rebalance, p);
                    }
                }
                Intent::None | Intent::OpenLong | Intent::OpenShort => {}
            }
        }
        for (a, &intent) in intents.iter().enumerate() {
            let p = prices[a];
            match intent {
                Intent::OpenLong | Intent::ReverseToLong => self.open(a, true, prices, i, equity),
                Intent::OpenShort | Intent::ReverseToShort => {
                    self.open(a, false, prices, i, equity);
                }
                Intent::Target(_) => {
                    let t = targets[a];
                    let pos = self.st[a].pos;
                    if t > pos
                        && !is_close(t, pos)
                        && let Some(f) = orders::buy(self.cash, t - pos, p, &self.costs)
                        && let Some(f) = self.gate_fill(a, true, f, prices, i)
                    {
                        self.apply(a, true, f, i, ExitKind::Rebalance, p);
                    }
                }
                Intent::None | Intent::Close => {}
            }
        }
    }
}

fn check_prices(sym: &str, column: &'static str, xs: &[f64]) -> Result<()> {
    match xs.iter().position(|&v| !(v.is_finite() && v > 0.0)) {
        None => Ok(()),
        Some(row) => Err(BacktestError::InvalidPrice {
            asset: sym.to_string(),
            column,
            row,
            value: xs[row],
        }),
    }
}

fn check_len(what: impl FnOnce() -> String, len: usize, expected: usize) -> Result<()> {
    if len == expected {
        Ok(())
    } else {
        Err(BacktestError::LengthMismatch {
            what: what(),
            len,
            expected,
        })
    }
}

/// Runs several assets with shared cash. All assets must be on one bar grid (same
/// length; session ends are taken from the first asset's timestamps).
///
/// # Errors
/// As [`run`], plus: no assets, a signals/weights count or length that differs from
/// the assets', an infinite target weight or a negative one in a long-only run.
pub fn run_portfolio(
    assets: &[(&str, BarsView)],
    alloc: Allocation,
    cfg: &BacktestConfig,
) -> Result<BacktestResult> {
    simulate(assets, alloc, cfg, None)
}

/// [`run_portfolio`] with every order through the pre-trade `gate` (see
/// [`crate::gate`]); each asset's orders carry its name as the ticker (an unnamed asset
/// takes the template's symbol) and the template's sector for it.
///
/// # Errors
/// As [`run_portfolio`], plus an asset name that is not a valid ticker
/// ([`BacktestError::InvalidSymbol`]) and a book update the risk crate rejects
/// ([`BacktestError::Risk`]).
pub fn run_portfolio_gated(
    assets: &[(&str, BarsView)],
    alloc: Allocation,
    cfg: &BacktestConfig,
    gate: &mut RiskGate,
) -> Result<BacktestResult> {
    simulate(assets, alloc, cfg, Some(gate))
}

fn simulate(
    assets: &[(&str, BarsView)],
    alloc: Allocation,
    cfg: &BacktestConfig,
    mut gate: Option<&mut RiskGate>,
) -> Result<BacktestResult> {
    cfg.validate()?;
    let Some((_, first)) = assets.first() else {
        return Err(BacktestError::Empty("no assets"));
    };
    let n = first.len();
    if n == 0 {
        return Err(BacktestError::Empty("no bars"));
    }
    let rules = &cfg.exits;
    let needs_range =
        rules.stop_loss.is_some() || rules.take_profit.is_some() || rules.atr_trailing.is_some();
    for (sym, b) in assets {
        check_len(|| format!("bars of asset `{sym}`"), b.len(), n)?;
        check_len(|| format!("close of asset `{sym}`"), b.close.len(), n)?;
        check_len(|| format!("open of asset `{sym}`"), b.open.len(), n)?;
        check_len(|| format!("high of asset `{sym}`"), b.high.len(), n)?;
        check_len(|| format!("low of asset `{sym}`"), b.low.len(), n)?;
        check_prices(sym, "close", b.close)?;
        if cfg.fill == Fill::NextOpen || needs_range {
            check_prices(sym, "open", b.open)?;
        }
        if needs_range {
            check_prices(sym, "high", b.high)?;
            check_prices(sym, "low", b.low)?;
        }
    }
    match alloc {
        Allocation::Signals(sigs) => {
            check_len(
                || "signals (one per asset)".to_string(),
                sigs.len(),
                assets.len(),
            )?;
            for ((sym, _), s) in assets.iter().zip(sigs) {
                for (name, col) in [
                    ("entries", &s.entries),
                    ("exits", &s.exits),
                    ("short_entries", &s.short_entries),
                    ("short_exits", &s.short_exits),
                ] {
                    check_len(|| format!("signals.{name} of asset `{sym}`"), col.len(), n)?;
                }
            }
        }
        Allocation::Weights(ws) => {
            check_len(
                || "weights (one column per asset)".to_string(),
                ws.len(),
                assets.len(),
            )?;
            for ((sym, _), w) in assets.iter().zip(ws) {
                check_len(|| format!("weights of asset `{sym}`"), w.len(), n)?;
                for (row, &v) in w.iter().enumerate() {
                    let reason = if v.is_infinite() {
                        Some("must be finite (NaN = no rebalance)")
                    } else if v < 0.0 && cfg.direction == DirectionMode::LongOnly {
                        Some("negative weight in a long-only run")
                    } else if v > 0.0 && cfg.direction == DirectionMode::ShortOnly {
                        Some("positive weight in a short-only run")
                    } else {
                        None
                    };
                    if let Some(reason) = reason {
                        return Err(BacktestError::InvalidTarget {
                            asset: sym.to_string(),
                            row,
                            value: v,
                            reason,
                        });
                    }
                }
            }
        }
    }
    let mut atr = Vec::with_capacity(assets.len());
    for (_, b) in assets {
        atr.push(rules.atr(b.high, b.low, b.close)?);
    }
    let session_end: Vec<bool> = if rules.flat_at_session_end {
        let ts = first.ts;
        (0..n)
            .map(|i| match (ts.get(i), ts.get(i + 1)) {
                (Some(a), Some(b)) => a.ny_date() != b.ny_date(),
                _ => true,
            })
            .collect()
    } else {
        vec![false; n]
    };

    let m = assets.len();
    if let Some(g) = gate.as_deref_mut() {
        let names: Vec<&str> = assets.iter().map(|(s, _)| *s).collect();
        g.begin(&names, cfg.init_cash)?;
    }
    let mut sim = Sim {
        assets,
        cfg,
        costs: cfg.costs(),
        cash: cfg.init_cash,
        st: (0..m)
            .map(|_| AssetState {
                pos: 0.0,
                debt: 0.0,
                book: Book::default(),
                tracker: None,
            })
            .collect(),
        trades: Vec::new(),
        orders: 0,
        total_fees: 0.0,
        traded: 0.0,
        atr,
        gate,
    };
    let mut equity = Vec::with_capacity(n);
    let mut cash = Vec::with_capacity(n);
    let mut positions = vec![Vec::with_capacity(n); m];
    let mut exposed = 0usize;
    let mut pending: Vec<Intent> = vec![Intent::None; m];
    let mut intents: Vec<Intent> = vec![Intent::None; m];
    let mut prices = vec![0.0; m];
    let mut stopped = vec![false; m];

    let intent_at = |sim: &Sim, a: usize, i: usize, block_open: bool| -> Intent {
        match alloc {
            Allocation::Signals(sigs) => {
                let s = &sigs[a];
                let flags = [
                    s.entries[i],
                    s.exits[i],
                    s.short_entries[i],
                    s.short_exits[i],
                ];
                let it = resolve(sim.st[a].pos, flags, cfg.direction);
                let opens = matches!(
                    it,
                    Intent::OpenLong
                        | Intent::OpenShort
                        | Intent::ReverseToLong
                        | Intent::ReverseToShort
                );
                match (opens && block_open, it) {
                    (false, it) => it,
                    (true, Intent::ReverseToLong | Intent::ReverseToShort) => Intent::Close,
                    (true, _) => Intent::None,
                }
            }
            Allocation::Weights(ws) => {
                let w = ws[a][i];
                if w.is_nan() {
                    Intent::None
                } else {
                    Intent::Target(w)
                }
            }
        }
    };

    for i in 0..n {
        // 0. A new session for the gate's daily loss (first asset's New York dates).
        if let Some(g) = sim.gate.as_deref_mut()
            && i > 0
            && let (Some(prev), Some(now)) = (first.ts.get(i - 1), first.ts.get(i))
            && prev.ny_date() != now.ny_date()
        {
            g.new_session();
        }
        // 1. Next-open fills of the orders decided at the previous close.
        if cfg.fill == Fill::NextOpen && i > 0 {
            for a in 0..m {
                prices[a] = assets[a].1.open[i];
                intents[a] = match pending[a] {
                    // Resolve against the position held now (vectorbt resolves at fill time).
                    Intent::Target(w) => Intent::Target(w),
                    _ => Intent::None,
                };
            }
            if let Allocation::Signals(_) = alloc {
                for (a, it) in intents.iter_mut().enumerate() {
                    *it = intent_at(&sim, a, i - 1, false);
                }
            }
            sim.execute(&intents, &prices, i);
        }
        // 2. Exit rules.
        for a in 0..m {
            stopped[a] = false;
            let Some(tr) = sim.st[a].tracker.as_mut() else {
                continue;
            };
            let b = &assets[a].1;
            let bar = BarInput {
                ts: b.ts.get(i).copied().unwrap_or(Timestamp::UNIX_EPOCH),
                open: b.open[i],
                high: b.high[i],
                low: b.low[i],
                close: b.close[i],
                volume: b.volume.get(i).copied().unwrap_or(0.0),
            };
            let atr_i = sim.atr[a].as_ref().and_then(|v| v.get(i).copied());
            if let Some(exit) = tr.check(i, &bar, atr_i, session_end[i]) {
                sim.close_all(a, exit.price, i, exit.reason.into());
                stopped[a] = true;
            }
        }
        // 3. Close fills.
        if cfg.fill == Fill::Close {
            let block_open = rules.flat_at_session_end && session_end[i];
            for a in 0..m {
                prices[a] = assets[a].1.close[i];
                intents[a] = if stopped[a] {
                    Intent::None
                } else {
                    intent_at(&sim, a, i, block_open)
                };
            }
            sim.execute(&intents, &prices, i);
        } else if let Allocation::Weights(ws) = alloc {
            for a in 0..m {
                let w = ws[a][i];
                pending[a] = if w.is_nan() {
                    Intent::None
                } else {
                    Intent::Target(w)
                };
            }
        }
        // 4. Mark to market.
        let mut value = sim.cash;
        let mut any = false;
        for a in 0..m {
            let pos = sim.st[a].pos;
            if pos != 0.0 {
                value += pos * assets[a].1.close[i];
                any = true;
            }
            positions[a].push(pos);
        }
        exposed += usize::from(any);
        if let Some(g) = sim.gate.as_deref_mut() {
            g.mark_equity(value);
        }
        equity.push(value);
        cash.push(sim.cash);
    }
    for (st, (sym, b)) in sim.st.iter().zip(assets) {
        st.book.finish(sym, b.close[n - 1], &mut sim.trades);
    }
    // Order: by exit bar (open trades last), then entry bar; stable, so simultaneous
    // exits keep the order they were filled in (asset order).
    sim.trades
        .sort_by_key(|t| (t.exit_index.unwrap_or(usize::MAX), t.entry_index));
    let decisions = match sim.gate {
        Some(g) => g.finish()?,
        None => Vec::new(),
    };
    let final_value = equity.last().copied().unwrap_or(cfg.init_cash);
    let (returns, ruin) = crate::metrics::returns::equity_returns(cfg.init_cash, &equity);
    let mean_equity = equity.iter().sum::<f64>() / n as f64;
    Ok(BacktestResult {
        symbols: assets.iter().map(|(s, _)| s.to_string()).collect(),
        equity,
        cash,
        positions,
        returns,
        ruin,
        trades: sim.trades,
        orders: sim.orders,
        total_fees: sim.total_fees,
        traded_notional: sim.traded,
        exposure: exposed as f64 / n as f64,
        turnover: if mean_equity > 0.0 {
            sim.traded / mean_equity
        } else {
            f64::NAN
        },
        init_cash: cfg.init_cash,
        final_value,
        decisions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_follows_vectorbt_defaults() {
        let b = DirectionMode::Both;
        assert_eq!(
            resolve(0.0, [true, false, false, false], b),
            Intent::OpenLong
        );
        assert_eq!(resolve(0.0, [true, true, false, false], b), Intent::None);
        assert_eq!(resolve(0.0, [true, false, true, false], b), Intent::None);
        assert_eq!(resolve(1.0, [true, false, false, false], b), Intent::None);
        assert_eq!(
            resolve(1.0, [false, true, true, false], b),
            Intent::ReverseToShort
        );
        assert_eq!(
            resolve(-1.0, [true, false, false, true], b),
            Intent::ReverseToLong
        );
        assert_eq!(resolve(-1.0, [false, false, false, true], b), Intent::Close);
        assert_eq!(
            resolve(1.0, [false, true, true, false], DirectionMode::LongOnly),
            Intent::Close
        );
        assert_eq!(
            resolve(0.0, [true, false, false, false], DirectionMode::ShortOnly),
            Intent::None
        );
    }
}
