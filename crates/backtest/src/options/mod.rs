//! The options replay engine: option strategies run over time-ordered chain snapshots,
//! filled at prices a trader could get, with fees, buying power, the risk policy,
//! settlement and assignment, and a P&L attribution per trade.
//!
//! ```no_run
//! use thetalab_backtest::options::{replay, DailyVolIndices, ReplayConfig, SynthSource};
//! use thetalab_data::synth::{SynthConfig, SyntheticMarket};
//! use thetalab_strategy::options::OptionStrategy;
//!
//! let market = SyntheticMarket::new(SynthConfig { sessions: 5, ..SynthConfig::default() })?;
//! let mut source = SynthSource::new(&market, 2, 2)?;
//! let mut vol = DailyVolIndices::synthetic(&market);
//! let mut strategies: Vec<Box<dyn OptionStrategy>> = Vec::new(); // e.g. the 0DTE condor
//! let cfg = ReplayConfig::default();
//! let res = replay(&mut source, &mut strategies, &mut vol, &cfg, None, &mut |_| {})?;
//! println!("{} trades, P&L {:.2}", res.totals.trades, res.totals.pnl);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Whose position.** Each position is recorded under the name its opening order
//! carried in `strategy` when the strategy that sent it
//! [owns](thetalab_strategy::options::OptionStrategy::owns) that name (a
//! [`StrategySelector`](thetalab_strategy::options::StrategySelector)'s child alias),
//! else under the strategy's own name. That name is what the strategy's portfolio view,
//! the trade log, the unfilled orders, the risk decisions and the per-strategy breakdown
//! show, so a selector's children see and manage their own positions; events still go to
//! the strategy object that sent the order.
//!
//! # What happens at each snapshot (in order)
//! 1. **Time order.** A snapshot older than the previous one is an error
//!    ([`crate::BacktestError::TimeWentBackwards`], naming both timestamps).
//! 2. **Settlement** of every leg whose settlement instant ([`settlement_time`]: the
//!    session close, 13:00 on early closes, for PM roots such as `SPXW` and equities; the
//!    session open for AM roots `SPX`, `NDX`, `RUT`) is at or before the snapshot:
//!    - *price*: a snapshot stamped exactly at the settlement instant (the synthetic
//!      market's 16:00 snapshot, a minute bar's close) gives its underlying price — the
//!      closing print for PM, the opening print for AM; an AM settlement also takes the
//!      first snapshot of the settlement day (the opening print, the SPX SOQ proxy).
//!      Otherwise the last underlying price seen at or before the settlement instant (the
//!      day's last snapshot, i.e. its close as the chain saw it) is used;
//!    - *cash-settled* roots ([`CASH_SETTLED_ROOTS`] and
//!      [`ReplayConfig::index_roots`]) pay `ratio × intrinsic` in cash, with no
//!      commission (no order is sent);
//!    - *physically settled* (equity) roots are exercised/assigned when in the money by
//!      at least [`EXERCISE_THRESHOLD`] (OCC exercise by exception): the leg closes at its
//!      intrinsic value and `±100` shares per contract change hands at the settlement
//!      price (so that cash moves by the strike, as delivery at the strike does),
//!      charging [`Fees::assignment_per_contract`]; the shares stay in the position,
//!      marked at the underlying's price (their gain is part of its mark and of its
//!      trade's P&L), until it closes, then move into the stock position of the
//!      strategy object and the name the position was recorded under (one per pair: two
//!      selectors' children of the same alias keep their shares apart) at the price of
//!      that moment; shares delivered away against the position's own (a covered call
//!      assigned) leave no stock position; the strategy
//!      gets [`StrategyEvent::SharesDelivered`](thetalab_strategy::options::StrategyEvent)
//!      with the strike as price. A position whose legs are all settled is closed with
//!      reason `Settlement` (or `Assignment`).
//! 3. **Marks**: every live leg of every open position is looked up by binary search
//!    ([`ChainView::find_leg`](thetalab_strategy::options::ChainView::find_leg)) and
//!    marked at the mid ([`MarkMode::Mid`], default) or natural ([`MarkMode::Natural`]:
//!    long legs at the bid, short at the ask); an ask without a bid marks as a 0 bid
//!    ("no bid"). A leg without a usable quote (no ask, or crossed) keeps its
//!    previous mark (counted in `stale_marks`, noted in the result) and the position's
//!    [`PositionView::mark`](thetalab_strategy::options::PositionView) is `None` for that
//!    snapshot. The attribution step is added ([`attribution`]).
//! 4. **Early assignment** of American short calls on equity roots: at every snapshot of
//!    the last session before an ex-dividend date of [`ReplayConfig::ex_dividends`], an
//!    in-the-money short call whose extrinsic value (mid − intrinsic) is below the
//!    dividend is assigned (a holder of the long call exercises to capture the dividend).
//! 5. **Strategies**, in order, each with its own
//!    [`PortfolioView`](thetalab_strategy::options::PortfolioView) (account-wide equity,
//!    cash, buying power used and day P&L; its own positions), the chain, the
//!    underlying's history and the lazily computed market intelligence.
//! 6. **Orders**: every close of every strategy first, then the opens.
//!    - *Fills* ([`fill`]): all legs or none; a leg bought at the ask (or mid + f ×
//!      spread), sold at the bid (or mid − f × spread), never outside `[bid, ask]`; no
//!      fill on a missing, zero or crossed quote on the side hit — except that on a
//!      *close* a long leg with no bid (0 or empty) is given up for 0. Stock legs trade at the
//!      underlying price. A limit is the worst net price per unit (entry: `net ≤ limit`;
//!      close: cost to close `≤ limit`).
//!    - *Sizing* (opens with `units: None`): `units = floor(risk_per_trade × equity /
//!      (max loss per unit + round-trip charges per unit))`, the max loss replaced by the
//!      buying power when unbounded; 0 units is a `ZeroSize` non-fill.
//!    - *Buying power* ([`margin`]): defined-risk structures hold their exact max loss,
//!      naked shorts the Reg-T requirement; the order is refused when
//!      `buying power × units + opening charges` exceeds `equity − buying power held`.
//!    - *Risk policy*: the order (one instrument per structure, exposure = max loss per
//!      unit, BSM Greeks × multiplier) goes to the [`RiskPolicy`](thetalab_risk::limits::RiskPolicy); by default a
//!      [`PreTradeCheck`](thetalab_risk::limits::PreTradeCheck) with [`ReplayConfig::limits`] (max concurrent positions and
//!      the daily loss limit). Resized orders trade the allowed units; every decision is
//!      kept in [`ReplayResult::decisions`]. Every closed trade's P&L (fees included)
//!      goes to [`RiskPolicy::record_trade`](thetalab_risk::limits::RiskPolicy::record_trade),
//!      so the circuit breaker ([`ReplayConfig::max_consecutive_losses`]) sees losing
//!      streaks.
//!    - *Charges* ([`Fees`]) on every fill: entries, exits, end-of-data closes, and
//!      assignments; none on cash settlement.
//! 7. **Equity** is recorded (cash + marks).
//!
//! At the end of the data, open positions are closed at their last marks with reason
//! `EndOfData` (paying closing charges), and [`ReplayResult::notes`] says so.
//!
//! # Accounting identity
//! Cash moves only by fills, settlements and charges, and a trade's P&L is
//! `(exit_net − entry_net) × multiplier × units − fees`, so the sum of the trade log's
//! P&L equals the final equity minus the initial cash (to rounding; tested).

pub mod attribution;
pub mod config;
mod engine;
pub mod fill;
pub mod margin;
pub mod result;
pub mod source;

pub use config::{ExDividend, Fees, FillModel, MarginParams, MarkMode, ReplayConfig};
pub use engine::{CASH_SETTLED_ROOTS, EXERCISE_THRESHOLD, Progress, replay, settlement_time};
pub use result::{
    Attribution, Breakdown, DailyRow, EquityPoint, NotFilledReason, NotFilledRow, OptionTrade,
    ReplayResult, RiskDecisionRow, Totals, TradeLeg,
};
pub use source::{
    DailyVolIndices, NoVolIndices, SnapshotSource, SynthSource, VecSource, VolIndexSource,
    rows_to_snapshots,
};
