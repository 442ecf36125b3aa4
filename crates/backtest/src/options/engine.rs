//! The replay loop: see the [module docs](super) for the semantics, step by step.

use std::sync::Arc;

use chrono::NaiveDate;
use thetalab_core::{InstrumentId, OptionRight, OptionRoot, SimulatedClock, Ticker, Timestamp};
use thetalab_data::ChainSnapshot;
use thetalab_data::calendar::{NyseCalendar, Settlement};
use thetalab_pricing::{OptionInputs, bsm};
use thetalab_risk::limits::{
    BookGreeks, BookState, Decision, Order, OrderIntent as RiskIntent, Position as RiskPosition,
    PreTradeCheck, RiskPolicy, SectorId, StrategyId,
};
use thetalab_strategy::options::{
    ChainView, ExitPlan, IntelCache, LegSpec, OptionAction, OptionContext, OptionExitReason,
    OptionStrategy, OrderIntent, PortfolioView, PositionId, PositionView, Regime, StrategyEvent,
    StructureKind, UnderlyingHistory,
};

use super::attribution::leg_step;
use super::config::{MarkMode, ReplayConfig};
use super::fill::{LegQuote, fill_price};
use super::margin::{PricedLeg, RiskInputs, structure_risk};
use super::result::{
    Attribution, Breakdown, DailyRow, EquityPoint, NotFilledReason, NotFilledRow, OptionTrade,
    ReplayResult, RiskDecisionRow, Totals, TradeLeg, breakdown, max_drawdown, profit_factor,
};
use super::source::{SnapshotSource, VolIndexSource};
use crate::{BacktestError, Result};

/// Option roots that are cash-settled broad-based indexes (index margin rates, no
/// delivery), besides [`ReplayConfig::index_roots`].
pub const CASH_SETTLED_ROOTS: &[&str] = &[
    "SPX", "SPXW", "SPXPM", "SPXQ", "XSP", "NDX", "NDXP", "RUT", "RUTW", "MRUT", "VIX", "VIXW",
    "DJX", "OEX", "XEO",
];

/// OCC exercise by exception: a contract in the money by at least this much at expiry
/// is exercised (and the short side assigned) unless instructed otherwise.
pub const EXERCISE_THRESHOLD: f64 = 0.01;

/// Where the replay is, reported to the caller's progress callback at the start of each
/// session and at the end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Snapshots processed so far.
    pub snapshots: u64,
    /// Option quotes processed so far.
    pub quotes: u64,
    /// The current snapshot's time.
    pub ts: Timestamp,
    /// Equity at the last marks.
    pub equity: f64,
    /// Open positions.
    pub open_positions: usize,
    /// Closed trades so far.
    pub trades: usize,
}

/// One leg of an open position.
#[derive(Debug, Clone)]
struct LegState {
    spec: LegSpec,
    settle_at: Timestamp,
    cash_settled: bool,
    entry_price: f64,
    entry_bid: Option<f64>,
    entry_ask: Option<f64>,
    entry_iv: Option<f64>,
    /// Last per-contract mark.
    mark: f64,
    /// Last implied vol.
    iv: Option<f64>,
    live: bool,
    exit_price: f64,
    exit_bid: Option<f64>,
    exit_ask: Option<f64>,
}

/// An open position.
#[derive(Debug, Clone)]
struct Open {
    id: PositionId,
    /// The strategy object that opened it (its events go there).
    strat: usize,
    /// Index in `Engine::labels` of the name the position is recorded under: the
    /// strategy's own name, or the name its order carried when the strategy
    /// [owns](OptionStrategy::owns) it (a selector's child).
    label: usize,
    kind: StructureKind,
    legs: Vec<LegState>,
    shares: i64,
    share_entry: Option<f64>,
    units: u32,
    opened: Timestamp,
    und_entry: f64,
    entry_net: f64,
    fees: f64,
    commissions: f64,
    reason_in: String,
    exits: ExitPlan,
    max_loss_unit: f64,
    bp: f64,
    vix: Option<f64>,
    regime: Option<Regime>,
    gex: Option<f64>,
    /// Per-unit points already settled into cash (settled legs).
    settled_points: f64,
    /// Explained parts so far (dollars).
    attr: [f64; 4],
    prev_ts: Timestamp,
    prev_spot: f64,
    stale: u32,
    /// Every live leg had a usable quote at the current snapshot.
    fresh: bool,
    settlement_price: Option<f64>,
    assigned: bool,
    /// Shares delivered by assignment/exercise of this position's legs (total over the
    /// units, signed). They are held inside the position from the delivery until it
    /// closes (marked at the underlying's price, so that a position with legs still live
    /// moves with them), then moved into the strategy's stock position.
    delivered: i64,
    /// What the delivered shares cost at the settlement price (dollars, signed:
    /// `Σ shares × price`).
    delivered_cost: f64,
    instrument: Option<InstrumentId>,
}

impl Open {
    fn live_legs(&self) -> usize {
        self.legs.iter().filter(|l| l.live).count()
    }

    /// Σ over live legs of ratio × mark (per unit, points).
    fn live_value(&self) -> f64 {
        self.legs
            .iter()
            .filter(|l| l.live)
            .map(|l| f64::from(l.spec.ratio) * l.mark)
            .sum()
    }

    /// Gain of the delivered shares since their delivery, per unit (points).
    fn delivered_points(&self, spot: f64, mult: f64) -> f64 {
        if self.delivered == 0 {
            return 0.0;
        }
        (self.delivered as f64 * spot - self.delivered_cost) / (mult * f64::from(self.units.max(1)))
    }

    /// Net mark per unit (points): live legs + settled legs + stock + the delivered
    /// shares' gain since delivery.
    fn net_mark(&self, spot: f64, mult: f64) -> f64 {
        self.live_value()
            + self.settled_points
            + self.shares as f64 * spot / mult
            + self.delivered_points(spot, mult)
    }

    /// Market value of the position's open parts in dollars (what is not yet cash).
    fn value(&self, spot: f64, mult: f64) -> f64 {
        f64::from(self.units) * (mult * self.live_value() + self.shares as f64 * spot)
            + self.delivered as f64 * spot
    }

    fn view(&self, strategy: &str, spot: f64, mult: f64) -> PositionView {
        PositionView {
            id: self.id,
            strategy: strategy.to_string(),
            kind: self.kind,
            legs: self.legs.iter().map(|l| l.spec).collect(),
            shares: self.shares,
            units: self.units,
            opened: self.opened,
            entry_price: self.entry_net,
            mark: self.fresh.then(|| self.net_mark(spot, mult)),
            max_loss: self.max_loss_unit,
            exits: self.exits,
        }
    }
}

/// The snapshot an order is executed at.
struct At<'v, 'a> {
    view: &'v ChainView<'a>,
    now: Timestamp,
    spot: Option<f64>,
    und: &'v UnderlyingHistory,
    intel: &'v IntelCache,
}

/// Mutable state of a replay.
struct Engine<'c> {
    cfg: &'c ReplayConfig,
    cal: &'c NyseCalendar,
    names: Vec<String>,
    /// The names positions are recorded under: `names`, then the names claimed by
    /// orders (see [`Engine::label`]).
    labels: Vec<String>,
    /// The strategy object of each claimed label (`labels[names.len() + k]`).
    label_owner: Vec<usize>,
    cash: f64,
    open: Vec<Open>,
    views: Vec<PortfolioView>,
    next_id: PositionId,
    trades: Vec<OptionTrade>,
    equity: Vec<EquityPoint>,
    decisions: Vec<RiskDecisionRow>,
    not_filled: Vec<NotFilledRow>,
    fee_days: Vec<(NaiveDate, f64)>,
    notes: Vec<String>,
    events: Vec<(usize, StrategyEvent)>,
    book: BookState,
    policy: Box<dyn RiskPolicy>,
    clock: Arc<SimulatedClock>,
    symbol: Option<Ticker>,
    last_ts: Option<Timestamp>,
    last_spot: Option<f64>,
    last_date: Option<NaiveDate>,
    day_start_equity: f64,
    stale_marks: u64,
    settle_fallbacks: u32,
    closed_now: Vec<PositionId>,
}

fn finite_pos(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite() && *v > 0.0)
}

/// The instant `root`'s `expiry` settles: the session close (early closes included) for
/// PM roots, the open for AM roots; the session before `expiry` when it is not one.
pub fn settlement_time(
    cal: &NyseCalendar,
    root: OptionRoot,
    expiry: NaiveDate,
) -> Option<Timestamp> {
    let day = cal.session_on_or_before(expiry).ok()?;
    let session = cal.session(day).ok()??;
    Some(match Settlement::of_root(root.as_str()) {
        Settlement::Am => session.open,
        Settlement::Pm => session.close,
    })
}

/// Mark of one contract (per share) under `mode` for a leg of signed `ratio`. A quote
/// with an ask but no bid is "no bid": the bid is taken as 0 (mid = ask / 2; a long
/// leg's natural mark is 0), as brokers mark it; no ask, or a crossed quote, gives no
/// mark.
fn mark_price(bid: Option<f64>, ask: Option<f64>, ratio: i32, mode: MarkMode) -> Option<f64> {
    let side = |x: Option<f64>| x.filter(|v| v.is_finite() && *v >= 0.0);
    let a = side(ask)?;
    let b = side(bid).unwrap_or(0.0);
    if b > a {
        return None;
    }
    Some(match mode {
        MarkMode::Mid => 0.5 * (b + a),
        MarkMode::Natural => {
            if ratio > 0 {
                b
            } else {
                a
            }
        }
    })
}

impl<'c> Engine<'c> {
    fn is_index(&self, root: OptionRoot) -> bool {
        let r = root.as_str();
        CASH_SETTLED_ROOTS.contains(&r) || self.cfg.index_roots.iter().any(|x| x == r)
    }

    fn spot(&self) -> f64 {
        self.last_spot.unwrap_or(0.0)
    }

    fn account_equity(&self, spot: f64) -> f64 {
        let mult = self.cfg.multiplier;
        self.cash + self.open.iter().map(|p| p.value(spot, mult)).sum::<f64>()
    }

    fn bp_used(&self) -> f64 {
        self.open.iter().map(|p| p.bp).sum()
    }

    fn charge(&mut self, ts: Timestamp, amount: f64) {
        if amount == 0.0 {
            return;
        }
        let d = ts.ny_date();
        match self.fee_days.last_mut() {
            Some((day, f)) if *day == d => *f += amount,
            _ => self.fee_days.push((d, amount)),
        }
    }

    fn push_equity(&mut self, ts: Timestamp, spot: f64) {
        let pt = EquityPoint {
            ts,
            equity: self.account_equity(spot),
            cash: self.cash,
            open_positions: self.open.len() as u32,
        };
        if !self.cfg.equity_every_snapshot
            && let Some(last) = self.equity.last_mut()
            && last.ts.ny_date() == ts.ny_date()
        {
            *last = pt;
            return;
        }
        self.equity.push(pt);
    }

    /// The name index an order of strategy `strat` is recorded under: `claimed` (the
    /// order's `strategy` field) when the strategy `owns` it and it is not the
    /// strategy's own name (a selector's child), else the strategy's name.
    fn label(&mut self, strat: usize, claimed: &str, owns: bool) -> usize {
        if !owns || claimed.is_empty() || self.names.get(strat).is_some_and(|n| n == claimed) {
            return strat;
        }
        // Claimed names live after the strategies' own, one entry per (strategy object,
        // name): one claimed that is another strategy's own name, or that two selectors
        // both claim (children of the same alias), gets an entry of its own, so that the
        // stock positions deliveries open (keyed by label) stay apart.
        let top = self.names.len();
        if let Some(k) = self.labels[top..]
            .iter()
            .zip(&self.label_owner)
            .position(|(l, &o)| o == strat && l == claimed)
        {
            return top + k;
        }
        self.labels.push(claimed.to_string());
        self.label_owner.push(strat);
        self.labels.len() - 1
    }

    /// The name index of strategy `strat`'s open position `id` (the strategy's own
    /// when there is no such position).
    fn label_of_position(&self, strat: usize, id: PositionId) -> usize {
        self.open
            .iter()
            .find(|p| p.id == id && p.strat == strat)
            .map_or(strat, |p| p.label)
    }

    /// Records an order not filled; `(strat, label)`: the strategy told, the name
    /// recorded.
    fn not_filled(
        &mut self,
        ts: Timestamp,
        (strat, label): (usize, usize),
        kind: StructureKind,
        position: Option<PositionId>,
        reason: NotFilledReason,
        detail: String,
    ) {
        self.events.push((
            strat,
            StrategyEvent::NotFilled {
                reason: format!("{reason:?}: {detail}"),
            },
        ));
        self.not_filled.push(NotFilledRow {
            ts,
            strategy: self.labels[label].clone(),
            kind,
            position,
            reason,
            detail,
        });
    }

    // ---------------------------------------------------------------- settlement

    /// Settles every live leg whose settlement instant is at or before `now`
    /// (see the module docs for the settlement price).
    fn settle_due(&mut self, now: Timestamp, now_spot: Option<f64>) {
        let mut i = 0;
        while i < self.open.len() {
            let mut settled_any = false;
            let mut settle_ts = now;
            for j in 0..self.open[i].legs.len() {
                let leg = &self.open[i].legs[j];
                if !leg.live || leg.settle_at > now {
                    continue;
                }
                let at = leg.settle_at;
                let am = Settlement::of_root(leg.spec.root.as_str()) == Settlement::Am;
                let price = if at == now || (am && now.ny_date() == at.ny_date()) {
                    now_spot.or(self.last_spot)
                } else {
                    if am {
                        self.settle_fallbacks += 1;
                    }
                    self.last_spot.or(now_spot)
                };
                let Some(s) = price else {
                    continue;
                };
                self.settle_leg(i, j, s, at);
                settled_any = true;
                settle_ts = at;
            }
            if settled_any && self.open[i].live_legs() == 0 {
                let s = self.open[i].settlement_price.unwrap_or(self.spot());
                let reason = if self.open[i].assigned {
                    OptionExitReason::Assignment
                } else {
                    OptionExitReason::Settlement
                };
                let p = self.open.remove(i);
                self.finish(p, settle_ts, s, reason);
                if settle_ts < now {
                    self.push_equity(settle_ts, s);
                }
                // `finish` may have moved shares into the strategy's stock position,
                // removing it from anywhere in `open`: scan again from the start (what
                // was settled is no longer due, so this ends).
                i = 0;
                continue;
            }
            i += 1;
        }
    }

    /// Settles leg `j` of position `i` at underlying price `s` at `at`: cash for index
    /// roots, delivery for equity roots (exercise by exception at 0.01 in the money).
    fn settle_leg(&mut self, i: usize, j: usize, s: f64, at: Timestamp) {
        let mult = self.cfg.multiplier;
        let (rate, div) = (self.cfg.rate, self.cfg.dividend_yield);
        let p = &mut self.open[i];
        let units = f64::from(p.units);
        let leg = &mut p.legs[j];
        let intrinsic = leg.spec.right.intrinsic(s, leg.spec.strike);
        let exercised = !leg.cash_settled && intrinsic >= EXERCISE_THRESHOLD;
        let value = if leg.cash_settled || exercised {
            intrinsic
        } else {
            0.0
        };
        // Attribution of the last step, previous snapshot → settlement.
        let years_prev = Timestamp::years_between(p.prev_ts, leg.settle_at);
        let parts = leg_step(
            leg.spec.right,
            leg.spec.strike,
            p.prev_spot,
            years_prev,
            leg.iv,
            rate,
            div,
            s - p.prev_spot,
            Timestamp::years_between(p.prev_ts, at),
            0.0,
        );
        let n = f64::from(leg.spec.ratio) * units * mult;
        for (a, x) in p.attr.iter_mut().zip(parts) {
            *a += n * x;
        }
        let ratio = f64::from(leg.spec.ratio);
        leg.live = false;
        leg.exit_price = value;
        leg.exit_bid = None;
        leg.exit_ask = None;
        leg.mark = value;
        p.settled_points += ratio * value;
        p.settlement_price = Some(s);
        self.cash += ratio * units * mult * value;
        if exercised {
            let contracts = i64::from(leg.spec.ratio.unsigned_abs()) * i64::from(p.units);
            let per_contract = mult.round() as i64;
            // Long call / short put receive shares; short call / long put deliver them.
            let sign = match (leg.spec.right, leg.spec.ratio > 0) {
                (OptionRight::Call, true) | (OptionRight::Put, false) => 1,
                _ => -1,
            };
            let shares = sign * contracts * per_contract;
            let fee = self.cfg.fees.assignment_per_contract * contracts as f64;
            p.fees += fee;
            p.commissions += fee;
            // The shares change hands at the settlement price (with the leg closed at
            // its intrinsic value, delivery at the strike) and stay in the position
            // until it closes; their attribution starts at `s`.
            let moved = shares as f64 * s;
            p.delivered += shares;
            p.delivered_cost += moved;
            p.attr[0] -= shares as f64 * (s - p.prev_spot);
            p.assigned = true;
            let strike = leg.spec.strike;
            let strat = p.strat;
            self.cash -= fee + moved;
            self.charge(at, fee);
            self.events.push((
                strat,
                StrategyEvent::SharesDelivered {
                    shares,
                    price: strike,
                },
            ));
        }
    }

    /// Records a closed position as a trade (exit values already in the legs, cash for
    /// settled legs already booked); books the stock leg's, the delivered shares' and
    /// the live legs' exit cash, moves delivered shares into a stock position.
    fn finish(&mut self, mut p: Open, ts: Timestamp, spot: f64, reason: OptionExitReason) {
        let mult = self.cfg.multiplier;
        let units = f64::from(p.units);
        // Stock leg's final step and exit.
        if p.shares != 0 {
            p.attr[0] += p.shares as f64 * units * (spot - p.prev_spot);
            self.cash += p.shares as f64 * units * spot;
        }
        // Delivered shares: their last step, and out of the position at `spot` (they
        // go on into the strategy's stock position below).
        let delivered_points = p.delivered_points(spot, mult);
        if p.delivered != 0 {
            p.attr[0] += p.delivered as f64 * (spot - p.prev_spot);
            self.cash += p.delivered as f64 * spot;
        }
        let live: f64 = p
            .legs
            .iter()
            .filter(|l| l.live)
            .map(|l| f64::from(l.spec.ratio) * l.exit_price)
            .sum();
        self.cash += units * mult * live;
        let exit_net: f64 = p
            .legs
            .iter()
            .map(|l| f64::from(l.spec.ratio) * l.exit_price)
            .sum::<f64>()
            + p.shares as f64 * spot / mult
            + delivered_points;
        let gross = (exit_net - p.entry_net) * mult * units;
        let pnl = gross - p.fees;
        let explained: f64 = p.attr.iter().sum();
        let attribution = Attribution {
            delta: p.attr[0],
            gamma: p.attr[1],
            theta: p.attr[2],
            vega: p.attr[3],
            residual: gross - explained,
        };
        let legs = p
            .legs
            .iter()
            .map(|l| TradeLeg {
                spec: l.spec,
                entry_price: l.entry_price,
                exit_price: l.exit_price,
                entry_bid: l.entry_bid,
                entry_ask: l.entry_ask,
                exit_bid: l.exit_bid,
                exit_ask: l.exit_ask,
                entry_iv: l.entry_iv,
            })
            .collect();
        let strategy = self.labels[p.label].clone();
        self.trades.push(OptionTrade {
            id: p.id,
            strategy,
            kind: p.kind,
            legs,
            shares: p.shares,
            share_entry_price: p.share_entry,
            share_exit_price: (p.shares != 0).then_some(spot),
            units: p.units,
            opened: p.opened,
            closed: ts,
            underlying_entry: p.und_entry,
            underlying_exit: spot,
            entry_net: p.entry_net,
            exit_net,
            fees: p.fees,
            commissions: p.commissions,
            pnl,
            reason_in: std::mem::take(&mut p.reason_in),
            reason_out: reason,
            vix: p.vix,
            regime: p.regime,
            gex: p.gex,
            max_loss: p.max_loss_unit * units,
            buying_power: p.bp,
            attribution,
            settlement_price: if matches!(
                reason,
                OptionExitReason::Settlement | OptionExitReason::Assignment
            ) {
                p.settlement_price
            } else {
                None
            },
            stale_marks: p.stale,
        });
        // The circuit breaker's losing streak counts closed trades, fees included.
        self.policy.record_trade(pnl);
        if let Some(inst) = &p.instrument {
            self.book.remove(inst);
        }
        if let Some(v) = self.views.get_mut(p.strat) {
            v.positions.retain(|x| x.id != p.id);
        }
        self.closed_now.push(p.id);
        self.events.push((
            p.strat,
            StrategyEvent::Closed {
                position: p.id,
                pnl,
                reason,
            },
        ));
        let total_shares = p.delivered + p.shares * i64::from(p.units);
        // Shares delivered and delivered away within the position (a covered call
        // assigned) leave nothing to move: the stock position is left alone.
        if p.delivered != 0 && total_shares != 0 {
            self.deliver((p.strat, p.label), total_shares, spot, ts, p.id);
        }
    }

    /// Puts `shares` (signed, bought or sold at `price`) into the stock position of
    /// `label` (owned by strategy `strat`): an existing one is closed at `price` and
    /// reopened with the new total.
    fn deliver(
        &mut self,
        (strat, label): (usize, usize),
        shares: i64,
        price: f64,
        ts: Timestamp,
        from: PositionId,
    ) {
        let mut total = shares;
        if let Some(k) = self
            .open
            .iter()
            .position(|q| q.label == label && q.kind == StructureKind::Stock)
        {
            let q = self.open.remove(k);
            total += q.shares * i64::from(q.units);
            self.finish(q, ts, price, OptionExitReason::Assignment);
        }
        if total == 0 {
            return;
        }
        let mult = self.cfg.multiplier;
        self.cash -= total as f64 * price;
        let id = self.next_id;
        self.next_id += 1;
        let max_loss = if total > 0 {
            total as f64 * price
        } else {
            f64::INFINITY
        };
        let p = Open {
            id,
            strat,
            label,
            kind: StructureKind::Stock,
            legs: Vec::new(),
            shares: total,
            share_entry: Some(price),
            units: 1,
            opened: ts,
            und_entry: price,
            entry_net: total as f64 * price / mult,
            fees: 0.0,
            commissions: 0.0,
            reason_in: format!("shares delivered by position {from}"),
            exits: ExitPlan::hold(),
            max_loss_unit: max_loss,
            bp: total.unsigned_abs() as f64 * price,
            vix: None,
            regime: None,
            gex: None,
            settled_points: 0.0,
            attr: [0.0; 4],
            prev_ts: ts,
            prev_spot: price,
            stale: 0,
            fresh: true,
            settlement_price: None,
            assigned: false,
            delivered: 0,
            delivered_cost: 0.0,
            instrument: Self::instrument(id),
        };
        self.book_upsert(
            &p,
            BookGreeks {
                delta: 1.0,
                gamma: 0.0,
                vega: 0.0,
                theta: 0.0,
            },
        );
        let name = self.labels[label].clone();
        if let Some(v) = self.views.get_mut(strat) {
            v.positions.push(p.view(&name, price, mult));
        }
        self.open.push(p);
    }

    /// The risk book's id of a position: the ticker `OPTPOS<id>` (one instrument per
    /// structure, so that the open-position limit counts structures).
    fn instrument(id: PositionId) -> Option<InstrumentId> {
        InstrumentId::ticker(&format!("OPTPOS{id}")).ok()
    }

    fn book_upsert(&mut self, p: &Open, unit_greeks: BookGreeks) {
        let (Some(symbol), Some(instrument)) = (self.symbol, p.instrument) else {
            return;
        };
        let pos = RiskPosition {
            instrument,
            symbol,
            sector: SectorId(0),
            strategy: StrategyId(p.strat as u16),
            qty: f64::from(p.units),
            unit_exposure: if p.max_loss_unit.is_finite() {
                p.max_loss_unit
            } else {
                p.bp / f64::from(p.units.max(1))
            },
            unit_greeks,
        };
        if self.book.upsert(pos).is_err() {
            self.notes
                .push(format!("position {}: the risk book refused it", p.id));
        }
    }

    // ---------------------------------------------------------------- marks

    /// Marks every open position at this snapshot and adds the attribution step.
    fn mark_all(&mut self, view: &ChainView<'_>, now: Timestamp, spot: f64) {
        let mult = self.cfg.multiplier;
        let (rate, div, mode) = (self.cfg.rate, self.cfg.dividend_yield, self.cfg.mark);
        for p in &mut self.open {
            let units = f64::from(p.units);
            let d_spot = spot - p.prev_spot;
            let d_years = Timestamp::years_between(p.prev_ts, now);
            let mut fresh = true;
            for leg in p.legs.iter_mut().filter(|l| l.live) {
                let row = view.find_leg(&leg.spec);
                let (bid, ask) = match row {
                    Some(i) => (view.bid(i), view.ask(i)),
                    None => (None, None),
                };
                let new_mark = mark_price(bid, ask, leg.spec.ratio, mode);
                let new_iv = if new_mark.is_some() {
                    row.and_then(|i| view.iv(i))
                } else {
                    None
                };
                let d_vol = match (leg.iv, new_iv) {
                    (Some(a), Some(b)) => b - a,
                    _ => 0.0,
                };
                let parts = leg_step(
                    leg.spec.right,
                    leg.spec.strike,
                    p.prev_spot,
                    Timestamp::years_between(p.prev_ts, leg.settle_at),
                    leg.iv,
                    rate,
                    div,
                    d_spot,
                    d_years,
                    d_vol,
                );
                let n = f64::from(leg.spec.ratio) * units * mult;
                for (a, x) in p.attr.iter_mut().zip(parts) {
                    *a += n * x;
                }
                match new_mark {
                    Some(m) => {
                        leg.mark = m;
                        if new_iv.is_some() {
                            leg.iv = new_iv;
                        }
                    }
                    None => fresh = false,
                }
            }
            if p.shares != 0 {
                p.attr[0] += p.shares as f64 * units * d_spot;
            }
            if p.delivered != 0 {
                p.attr[0] += p.delivered as f64 * d_spot;
            }
            if !fresh {
                p.stale += 1;
                self.stale_marks += 1;
            }
            p.fresh = fresh;
            p.prev_ts = now;
            p.prev_spot = spot;
        }
    }

    /// Refreshes each strategy's portfolio view (marks, account figures) in place.
    fn sync_views(&mut self, spot: f64) {
        let mult = self.cfg.multiplier;
        let equity = self.account_equity(spot);
        let bp = self.bp_used();
        let total = self.open.len();
        let day_pnl = equity - self.day_start_equity;
        for v in &mut self.views {
            v.equity = equity;
            v.cash = self.cash;
            v.buying_power_used = bp;
            v.day_pnl = day_pnl;
            v.open_positions_total = total;
            for pv in &mut v.positions {
                if let Some(p) = self.open.iter().find(|p| p.id == pv.id) {
                    pv.units = p.units;
                    pv.mark = p.fresh.then(|| p.net_mark(spot, mult));
                }
            }
        }
    }

    /// Early assignment of American short calls on equity roots before an ex-dividend
    /// date (see the module docs).
    fn early_assignment(&mut self, view: &ChainView<'_>, now: Timestamp, spot: f64) {
        if !self.cfg.early_assignment || self.cfg.ex_dividends.is_empty() {
            return;
        }
        let today = now.ny_date();
        let Ok(next) = self.cal.next_session(today) else {
            return;
        };
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for (i, p) in self.open.iter().enumerate() {
            for (j, l) in p.legs.iter().enumerate() {
                if !l.live
                    || l.cash_settled
                    || l.spec.ratio >= 0
                    || l.spec.right != OptionRight::Call
                    || l.settle_at.ny_date() < next
                {
                    continue;
                }
                let Some(div) = self
                    .cfg
                    .ex_dividends
                    .iter()
                    .find(|d| d.root == l.spec.root.as_str() && d.ex_date == next)
                else {
                    continue;
                };
                let intrinsic = spot - l.spec.strike;
                let Some(mid) = view.find_leg(&l.spec).and_then(|r| view.mid(r)) else {
                    continue;
                };
                if intrinsic >= EXERCISE_THRESHOLD && mid - intrinsic < div.amount {
                    hits.push((i, j));
                }
            }
        }
        for &(i, j) in &hits {
            self.settle_leg(i, j, spot, now);
        }
        let mut i = 0;
        while i < self.open.len() {
            let p = &self.open[i];
            if !p.legs.is_empty() && p.live_legs() == 0 {
                let p = self.open.remove(i);
                self.finish(p, now, spot, OptionExitReason::Assignment);
                // As in `settle_due`: `finish` may have removed an earlier position.
                i = 0;
                continue;
            }
            i += 1;
        }
        if !hits.is_empty() {
            self.notes.push(format!(
                "{now}: {} short call leg(s) assigned early before the ex-dividend date {next}",
                hits.len()
            ));
        }
    }

    // ---------------------------------------------------------------- orders

    fn close(
        &mut self,
        strat: usize,
        (id, reason, limit): (PositionId, OptionExitReason, Option<f64>),
        at: &At<'_, '_>,
        spot: f64,
    ) {
        let (view, now) = (at.view, at.now);
        if self.closed_now.contains(&id) {
            return;
        }
        let who = (strat, self.label_of_position(strat, id));
        if let Some(lim) = limit
            && !lim.is_finite()
        {
            let kind = self
                .open
                .iter()
                .find(|p| p.id == id)
                .map_or(StructureKind::Stock, |p| p.kind);
            let detail = format!("close limit {lim} is not a finite net price");
            self.not_filled(now, who, kind, Some(id), NotFilledReason::Invalid, detail);
            return;
        }
        let Some(k) = self
            .open
            .iter()
            .position(|p| p.id == id && p.strat == strat)
        else {
            self.not_filled(
                now,
                who,
                StructureKind::Stock,
                Some(id),
                NotFilledReason::Invalid,
                format!("no open position {id} of this strategy"),
            );
            return;
        };
        let mult = self.cfg.multiplier;
        let kind = self.open[k].kind;
        let mut fills: Vec<(f64, Option<f64>, Option<f64>)> = Vec::with_capacity(8);
        for l in &self.open[k].legs {
            if !l.live {
                fills.push((l.exit_price, None, None));
                continue;
            }
            let Some(row) = view.find_leg(&l.spec) else {
                let detail = format!(
                    "leg {} {} {} not quoted",
                    l.spec.expiry, l.spec.strike, l.spec.right
                );
                self.not_filled(
                    now,
                    who,
                    kind,
                    Some(id),
                    NotFilledReason::MissingQuote,
                    detail,
                );
                return;
            };
            let q = LegQuote {
                bid: view.bid(row),
                ask: view.ask(row),
            };
            let buy = l.spec.ratio < 0;
            // Closing: a long leg with no bid (0 or empty) but an ask is given up for 0
            // (worthless), as a combo order leaving a dead wing does.
            let no_bid = q.bid.is_none_or(|b| b == 0.0);
            let price = if !buy && no_bid && q.ask.is_some_and(|a| a.is_finite() && a >= 0.0) {
                Ok(0.0)
            } else {
                fill_price(q, buy, self.cfg.fill)
            };
            match price {
                Ok(p) => fills.push((p, q.bid, q.ask)),
                Err((r, what)) => {
                    let detail = format!(
                        "leg {} {} {}: {what}",
                        l.spec.expiry, l.spec.strike, l.spec.right
                    );
                    self.not_filled(now, who, kind, Some(id), r, detail);
                    return;
                }
            }
        }
        let p = &self.open[k];
        let live_value: f64 = p
            .legs
            .iter()
            .zip(&fills)
            .filter(|(l, _)| l.live)
            .map(|(l, f)| f64::from(l.spec.ratio) * f.0)
            .sum::<f64>()
            + p.shares as f64 * spot / mult;
        // Cost to close per unit (debit positive).
        let cost = -live_value;
        if let Some(lim) = limit
            && cost > lim + 1e-9
        {
            let detail = format!("close costs {cost:.4} per unit, limit {lim:.4}");
            self.not_filled(
                now,
                who,
                kind,
                Some(id),
                NotFilledReason::NotMarketable,
                detail,
            );
            return;
        }
        let mut p = self.open.remove(k);
        let contracts: u64 = p
            .legs
            .iter()
            .filter(|l| l.live)
            .map(|l| u64::from(l.spec.ratio.unsigned_abs()))
            .sum::<u64>()
            * u64::from(p.units);
        let shares = p.shares.unsigned_abs() * u64::from(p.units);
        let (fee, comm) = self.cfg.fees.order(contracts, shares);
        p.fees += fee;
        p.commissions += comm;
        self.cash -= fee;
        self.charge(now, fee);
        for (l, f) in p.legs.iter_mut().zip(&fills) {
            if l.live {
                l.exit_price = f.0;
                l.exit_bid = f.1;
                l.exit_ask = f.2;
            }
        }
        self.finish(p, now, spot, reason);
    }

    #[allow(clippy::too_many_lines)]
    fn open_order(&mut self, (strat, label): (usize, usize), intent: OrderIntent, at: &At<'_, '_>) {
        let who = (strat, label);
        let (view, now, spot, und, intel) = (at.view, at.now, at.spot, at.und, at.intel);
        let kind = intent.kind;
        let mult = self.cfg.multiplier;
        let invalid = |detail: &str| (NotFilledReason::Invalid, detail.to_string());
        let check = || -> std::result::Result<(), (NotFilledReason, String)> {
            if intent.legs.is_empty() && intent.shares == 0 {
                return Err(invalid("no legs and no shares"));
            }
            if let Some(l) = intent
                .legs
                .iter()
                .find(|l| l.ratio == 0 || !(l.strike.is_finite() && l.strike > 0.0))
            {
                return Err((
                    NotFilledReason::Invalid,
                    format!(
                        "leg {} {} {} ratio {}: the ratio must be non-zero and the strike finite and > 0",
                        l.expiry, l.strike, l.right, l.ratio
                    ),
                ));
            }
            if let Some(lim) = intent.limit
                && !lim.is_finite()
            {
                return Err((
                    NotFilledReason::Invalid,
                    format!("limit {lim} is not a finite net price"),
                ));
            }
            if intent.units == Some(0) {
                return Err(invalid("units = 0"));
            }
            Ok(())
        };
        if let Err((r, d)) = check() {
            self.not_filled(now, who, kind, None, r, d);
            return;
        }
        let Some(spot) = spot else {
            let d = "the snapshot has no underlying price".to_string();
            self.not_filled(now, who, kind, None, NotFilledReason::MissingQuote, d);
            return;
        };
        // Fills, leg by leg, all or none.
        let mut legs: Vec<LegState> = Vec::with_capacity(intent.legs.len());
        let mut priced: Vec<PricedLeg> = Vec::with_capacity(intent.legs.len());
        for spec in &intent.legs {
            let Some(settle_at) = settlement_time(self.cal, spec.root, spec.expiry) else {
                let d = format!("no settlement session for {} {}", spec.root, spec.expiry);
                self.not_filled(now, who, kind, None, NotFilledReason::Invalid, d);
                return;
            };
            if settle_at <= now {
                let d = format!(
                    "leg {} {} {} has settled",
                    spec.expiry, spec.strike, spec.right
                );
                self.not_filled(now, who, kind, None, NotFilledReason::Invalid, d);
                return;
            }
            let Some(row) = view.find_leg(spec) else {
                let d = format!(
                    "leg {} {} {} not quoted",
                    spec.expiry, spec.strike, spec.right
                );
                self.not_filled(now, who, kind, None, NotFilledReason::MissingQuote, d);
                return;
            };
            let q = LegQuote {
                bid: view.bid(row),
                ask: view.ask(row),
            };
            let price = match fill_price(q, spec.ratio > 0, self.cfg.fill) {
                Ok(p) => p,
                Err((r, what)) => {
                    let d = format!("leg {} {} {}: {what}", spec.expiry, spec.strike, spec.right);
                    self.not_filled(now, who, kind, None, r, d);
                    return;
                }
            };
            let iv = view.iv(row);
            let mark = mark_price(q.bid, q.ask, spec.ratio, self.cfg.mark).unwrap_or(price);
            legs.push(LegState {
                spec: *spec,
                settle_at,
                cash_settled: self.is_index(spec.root),
                entry_price: price,
                entry_bid: q.bid,
                entry_ask: q.ask,
                entry_iv: iv,
                mark,
                iv,
                live: true,
                exit_price: mark,
                exit_bid: None,
                exit_ask: None,
            });
            priced.push(PricedLeg {
                spec: *spec,
                price,
                years: Timestamp::years_between(now, settle_at),
                iv,
            });
        }
        let entry_net: f64 = legs
            .iter()
            .map(|l| f64::from(l.spec.ratio) * l.entry_price)
            .sum::<f64>()
            + intent.shares as f64 * spot / mult;
        if let Some(lim) = intent.limit
            && entry_net > lim + 1e-9
        {
            let d = format!("net fill {entry_net:.4} per unit is worse than the limit {lim:.4}");
            self.not_filled(now, who, kind, None, NotFilledReason::NotMarketable, d);
            return;
        }
        // Max loss and buying power per unit.
        let index = intent.legs.first().is_none_or(|l| self.is_index(l.root));
        let held: i64 = self
            .open
            .iter()
            .filter(|p| p.label == label && p.kind == StructureKind::Stock)
            .map(|p| p.shares * i64::from(p.units))
            .sum();
        let inputs = RiskInputs {
            spot,
            shares: intent.shares,
            multiplier: mult,
            rate: self.cfg.rate,
            dividend_yield: self.cfg.dividend_yield,
            index,
            held_shares: held,
        };
        let risk = match structure_risk(kind, &priced, &inputs, &self.cfg.margin) {
            Ok(r) if r.buying_power.is_finite() && !r.max_loss.is_nan() => r,
            Ok(r) => {
                let d = format!(
                    "max loss {} / buying power {} not usable",
                    r.max_loss, r.buying_power
                );
                self.not_filled(now, who, kind, None, NotFilledReason::Invalid, d);
                return;
            }
            Err(e) => {
                self.not_filled(now, who, kind, None, NotFilledReason::Invalid, e);
                return;
            }
        };
        // Sizing.
        let contracts_unit: u64 = intent
            .legs
            .iter()
            .map(|l| u64::from(l.ratio.unsigned_abs()))
            .sum();
        let shares_unit = intent.shares.unsigned_abs();
        let f = &self.cfg.fees;
        let fee_unit_rt = 2.0
            * ((f.per_contract + f.exchange_per_contract + f.regulatory_per_contract)
                * contracts_unit as f64
                + f.per_share * shares_unit as f64);
        let equity = self.account_equity(spot);
        let units = match intent.units {
            Some(u) => u,
            None => {
                let per_unit = if risk.max_loss.is_finite() {
                    risk.max_loss
                } else {
                    risk.buying_power
                } + fee_unit_rt;
                let budget = self.cfg.risk_per_trade * equity;
                let u = if per_unit > 0.0 {
                    (budget / per_unit).floor()
                } else {
                    0.0
                };
                if u.is_nan() || u < 1.0 {
                    let d = format!(
                        "risk budget {budget:.2} < max loss + round-trip fees of one unit {per_unit:.2}"
                    );
                    self.not_filled(now, who, kind, None, NotFilledReason::ZeroSize, d);
                    return;
                }
                u.min(f64::from(u32::MAX)) as u32
            }
        };
        // Buying power.
        let (fee_open, _) = self.cfg.fees.order(
            contracts_unit.saturating_mul(u64::from(units)),
            shares_unit.saturating_mul(u64::from(units)),
        );
        let available = equity - self.bp_used();
        let need = risk.buying_power * f64::from(units) + fee_open;
        if need > available + 1e-9 {
            let d = format!("needs {need:.2} of buying power, {available:.2} available");
            self.not_filled(now, who, kind, None, NotFilledReason::BuyingPower, d);
            return;
        }
        // The risk policy.
        let mut g = BookGreeks {
            delta: intent.shares as f64,
            gamma: 0.0,
            vega: 0.0,
            theta: 0.0,
        };
        for pl in &priced {
            if let Some(sigma) = pl.iv.filter(|v| *v > 0.0)
                && pl.years > 0.0
            {
                let gk = bsm::greeks(&OptionInputs::new(
                    pl.spec.right,
                    spot,
                    pl.spec.strike,
                    pl.years,
                    self.cfg.rate,
                    self.cfg.dividend_yield,
                    sigma,
                ));
                let bg = BookGreeks::from_pricing(&gk, mult).scaled(f64::from(pl.spec.ratio));
                if bg.delta.is_finite()
                    && bg.gamma.is_finite()
                    && bg.vega.is_finite()
                    && bg.theta.is_finite()
                {
                    g = g.plus(&bg);
                }
            }
        }
        let id = self.next_id;
        let instrument = Self::instrument(id);
        let mut units = units;
        if let (Some(symbol), Some(inst)) = (self.symbol, instrument) {
            let order = Order {
                id,
                instrument: inst,
                symbol,
                sector: SectorId(0),
                strategy: StrategyId(strat as u16),
                side: thetalab_core::Side::Buy,
                qty: f64::from(units),
                unit_exposure: if risk.max_loss.is_finite() {
                    risk.max_loss
                } else {
                    risk.buying_power
                },
                unit_greeks: g,
                intent: RiskIntent::Open,
            };
            let decision = self.policy.check(&order, &self.book);
            let allowed = decision.allowed_qty(&order).floor().max(0.0);
            let allowed_units = allowed.min(f64::from(units)) as u32;
            let (verdict, limit, detail) = match decision {
                Decision::Approved => ("approved", None, None),
                Decision::Resized { limit, numbers, .. } => (
                    "resized",
                    Some(limit.to_string()),
                    Some(numbers.to_string()),
                ),
                Decision::Rejected { limit, detail } => (
                    "rejected",
                    Some(limit.to_string()),
                    Some(detail.to_string()),
                ),
            };
            self.decisions.push(RiskDecisionRow {
                ts: now,
                strategy: self.labels[label].clone(),
                kind,
                units_requested: units,
                units_allowed: allowed_units,
                decision: verdict.to_string(),
                limit: limit.clone(),
                detail: detail.clone(),
            });
            if allowed_units == 0 {
                let d = format!(
                    "{}: {}",
                    limit.unwrap_or_else(|| verdict.to_string()),
                    detail.unwrap_or_default()
                );
                self.not_filled(now, who, kind, None, NotFilledReason::Risk, d);
                return;
            }
            units = allowed_units;
        }
        // Execute.
        let (fee, comm) = self.cfg.fees.order(
            contracts_unit.saturating_mul(u64::from(units)),
            shares_unit.saturating_mul(u64::from(units)),
        );
        self.cash -= f64::from(units) * mult * entry_net + fee;
        self.charge(now, fee);
        let intel_now = intel.get(view, und, now);
        let (vix, regime, gex) = (intel_now.vix, Some(intel_now.regime), intel_now.gex);
        self.next_id += 1;
        let p = Open {
            id,
            strat,
            label,
            kind,
            legs,
            shares: intent.shares,
            share_entry: (intent.shares != 0).then_some(spot),
            units,
            opened: now,
            und_entry: spot,
            entry_net,
            fees: fee,
            commissions: comm,
            reason_in: intent.reason,
            exits: intent.exits,
            max_loss_unit: risk.max_loss,
            bp: risk.buying_power * f64::from(units),
            vix,
            regime,
            gex,
            settled_points: 0.0,
            attr: [0.0; 4],
            prev_ts: now,
            prev_spot: spot,
            stale: 0,
            fresh: true,
            settlement_price: None,
            assigned: false,
            delivered: 0,
            delivered_cost: 0.0,
            instrument,
        };
        self.book_upsert(&p, g);
        let name = self.labels[label].clone();
        if let Some(v) = self.views.get_mut(strat) {
            v.positions.push(p.view(&name, spot, mult));
        }
        self.events.push((
            strat,
            StrategyEvent::Opened {
                position: id,
                units,
                price: entry_net,
            },
        ));
        self.open.push(p);
    }
}

/// Replays `source` through `strategies` (see the [module docs](super)).
///
/// `vol` supplies the volatility-index readings knowable at each snapshot; `policy`
/// is the pre-trade gate (`None`: a [`PreTradeCheck`] with
/// [`ReplayConfig::limits`]); `progress` is called at the start of each session and at
/// the end.
#[allow(clippy::too_many_lines)]
pub fn replay(
    source: &mut dyn SnapshotSource,
    strategies: &mut [Box<dyn OptionStrategy>],
    vol: &mut dyn VolIndexSource,
    cfg: &ReplayConfig,
    policy: Option<Box<dyn RiskPolicy>>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ReplayResult> {
    cfg.validate()?;
    let cal = NyseCalendar::new();
    let clock = Arc::new(SimulatedClock::new(Timestamp::from_nanos(i64::MIN)));
    let policy: Box<dyn RiskPolicy> = match policy {
        Some(p) => p,
        None => Box::new(PreTradeCheck::new(cfg.limits(), Arc::clone(&clock))?),
    };
    let names: Vec<String> = strategies.iter().map(|s| s.name().to_string()).collect();
    let mut eng = Engine {
        cfg,
        cal: &cal,
        views: vec![PortfolioView::default(); names.len()],
        labels: names.clone(),
        label_owner: Vec::new(),
        names,
        cash: cfg.init_cash,
        open: Vec::with_capacity(64),
        next_id: 1,
        trades: Vec::new(),
        equity: Vec::new(),
        decisions: Vec::new(),
        not_filled: Vec::new(),
        fee_days: Vec::new(),
        notes: Vec::new(),
        events: Vec::with_capacity(16),
        book: BookState::new(cfg.init_cash)?,
        policy,
        clock: Arc::clone(&clock),
        symbol: None,
        last_ts: None,
        last_spot: None,
        last_date: None,
        day_start_equity: cfg.init_cash,
        stale_marks: 0,
        settle_fallbacks: 0,
        closed_now: Vec::with_capacity(16),
    };
    let mut snap = ChainSnapshot::default();
    let mut und = UnderlyingHistory::default();
    let mut intel = IntelCache::new(cfg.intel.clone());
    let mut actions: Vec<OptionAction> = Vec::with_capacity(16);
    let mut pending: Vec<(usize, OptionAction)> = Vec::with_capacity(16);
    let (mut snapshots, mut quotes) = (0u64, 0u64);
    let mut first_ts = None;
    let mut missing_spot = 0u64;
    while source.next_into(&mut snap)? {
        let now = snap.ts;
        if let Some(prev) = eng.last_ts
            && now < prev
        {
            return Err(BacktestError::TimeWentBackwards {
                previous: prev,
                current: now,
            });
        }
        snapshots += 1;
        quotes += snap.len() as u64;
        first_ts.get_or_insert(now);
        if eng.symbol.is_none() {
            // The risk book's symbol; an underlying name that is not a valid ticker is
            // booked as `UNDERLYING`.
            eng.symbol = Ticker::new(&snap.underlying)
                .ok()
                .or_else(|| Ticker::new("UNDERLYING").ok());
        }
        let _ = eng.clock.set(now);
        let snap_spot = finite_pos(snap.underlying_price);
        if snap_spot.is_none() {
            missing_spot += 1;
        }
        // 1. Settlements due at or before now.
        eng.settle_due(now, snap_spot);
        let spot_now = snap_spot.or(eng.last_spot);
        // 2. A new session: day-start equity for the daily loss limit.
        let date = now.ny_date();
        let new_session = eng.last_date != Some(date);
        if new_session {
            let eq = eng.account_equity(eng.spot());
            if eng.book.set_equity(eq).is_ok() {
                eng.book.start_day();
            }
            eng.day_start_equity = eq;
            eng.last_date = Some(date);
            progress(&Progress {
                snapshots,
                quotes,
                ts: now,
                equity: eq,
                open_positions: eng.open.len(),
                trades: eng.trades.len(),
            });
        }
        if let Some(s) = spot_now {
            und.push(now, s, 0.0, new_session);
        }
        intel.reset(vol.readings(now));
        let view = ChainView::new(&snap, cfg.rate, cfg.dividend_yield, &cal);
        // A hand-built snapshot's public columns can disagree in length; the view would
        // use only the rows every column has and drop the rest without a word.
        if view.ragged_rows() > 0 {
            return Err(BacktestError::LengthMismatch {
                what: format!(
                    "chain snapshot at {}: its columns (strike {}, bid {}, ask {}, …)",
                    now.to_rfc3339(),
                    snap.strike.len(),
                    snap.bid.len(),
                    snap.ask.len()
                ),
                len: view.len(),
                expected: view.len() + view.ragged_rows(),
            });
        }
        // 3. Marks, attribution, early assignment.
        let s = spot_now.unwrap_or(0.0);
        if spot_now.is_some() {
            eng.mark_all(&view, now, s);
            eng.early_assignment(&view, now, s);
        }
        eng.last_spot = spot_now;
        let eq = eng.account_equity(s);
        let _ = eng.book.set_equity(eq);
        eng.sync_views(s);
        // `drain` keeps the buffer's capacity (no allocation per snapshot).
        for (strat, ev) in eng.events.drain(..) {
            if let Some(st) = strategies.get_mut(strat) {
                st.on_event(&ev);
            }
        }
        // 4. The strategies.
        pending.clear();
        for (i, st) in strategies.iter_mut().enumerate() {
            actions.clear();
            let ctx = OptionContext {
                now,
                chain: view,
                underlying: &und,
                intel: &intel,
                portfolio: &eng.views[i],
                calendar: &cal,
            };
            st.on_snapshot(&ctx, &mut actions);
            pending.extend(actions.drain(..).map(|a| (i, a)));
        }
        // 5. Closes first, then opens.
        let at = At {
            view: &view,
            now,
            spot: spot_now,
            und: &und,
            intel: &intel,
        };
        eng.closed_now.clear();
        for (i, a) in &pending {
            if let OptionAction::Close {
                position,
                reason,
                limit,
            } = a
            {
                if spot_now.is_none() {
                    let d = "the snapshot has no underlying price".to_string();
                    let kind = eng
                        .open
                        .iter()
                        .find(|p| p.id == *position)
                        .map_or(StructureKind::Stock, |p| p.kind);
                    let who = (*i, eng.label_of_position(*i, *position));
                    eng.not_filled(
                        now,
                        who,
                        kind,
                        Some(*position),
                        NotFilledReason::MissingQuote,
                        d,
                    );
                    continue;
                }
                eng.close(*i, (*position, *reason, *limit), &at, s);
            }
        }
        for (i, a) in pending.drain(..) {
            if let OptionAction::Open(intent) = a {
                let owns = strategies
                    .get(i)
                    .is_some_and(|st| st.owns(&intent.strategy));
                let label = eng.label(i, &intent.strategy, owns);
                eng.open_order((i, label), intent, &at);
                let eq = eng.account_equity(s);
                let _ = eng.book.set_equity(eq);
            }
        }
        if !eng.events.is_empty() {
            eng.sync_views(s);
            for (strat, ev) in eng.events.drain(..) {
                if let Some(st) = strategies.get_mut(strat) {
                    st.on_event(&ev);
                }
            }
        }
        eng.push_equity(now, s);
        eng.last_ts = Some(now);
    }
    // End of data: close what is left at the last marks.
    let end_ts = eng.last_ts;
    let mut closed_at_end = 0u32;
    if let Some(ts) = end_ts {
        let s = eng.spot();
        while let Some(mut p) = eng.open.pop() {
            let contracts: u64 = p
                .legs
                .iter()
                .filter(|l| l.live)
                .map(|l| u64::from(l.spec.ratio.unsigned_abs()))
                .sum::<u64>()
                * u64::from(p.units);
            let (fee, comm) = cfg
                .fees
                .order(contracts, p.shares.unsigned_abs() * u64::from(p.units));
            p.fees += fee;
            p.commissions += comm;
            eng.cash -= fee;
            eng.charge(ts, fee);
            for l in p.legs.iter_mut().filter(|l| l.live) {
                l.exit_price = l.mark;
            }
            eng.finish(p, ts, s, OptionExitReason::EndOfData);
            closed_at_end += 1;
        }
        if closed_at_end > 0 {
            eng.notes.push(format!(
                "{closed_at_end} position(s) still open at the end of the data ({ts}) were closed at their last marks (reason EndOfData), paying closing fees"
            ));
            eng.push_equity(ts, s);
        }
        for (strat, ev) in eng.events.drain(..) {
            if let Some(st) = strategies.get_mut(strat) {
                st.on_event(&ev);
            }
        }
        progress(&Progress {
            snapshots,
            quotes,
            ts,
            equity: eng.cash,
            open_positions: 0,
            trades: eng.trades.len(),
        });
    }
    if eng.stale_marks > 0 {
        eng.notes.push(format!(
            "{} position-snapshot(s) had a leg without a usable quote; the leg's previous mark was kept",
            eng.stale_marks
        ));
    }
    if missing_spot > 0 {
        eng.notes.push(format!(
            "{missing_spot} snapshot(s) had no underlying price; the previous price was used"
        ));
    }
    if eng.settle_fallbacks > 0 {
        eng.notes.push(format!(
            "{} AM settlement(s) had no snapshot on the settlement day; the last price before it was used",
            eng.settle_fallbacks
        ));
    }
    // Losses beyond the capital (short options can do that): say when, since the
    // returns-based metrics stop there (`metrics::returns::equity_returns`).
    if let Some(p) = eng.equity.iter().find(|p| p.equity <= 0.0) {
        eng.notes.push(format!(
            "the account was ruined: equity reached {:.2} at {}; daily returns are -100 % that day and 0 after it, so return-based metrics (Sharpe, CAGR, ...) describe the run up to then",
            p.equity,
            p.ts.to_rfc3339()
        ));
    }
    Ok(assemble(
        eng,
        first_ts,
        end_ts,
        snapshots,
        quotes,
        closed_at_end,
    ))
}

fn assemble(
    eng: Engine<'_>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    snapshots: u64,
    quotes: u64,
    closed_at_end: u32,
) -> ReplayResult {
    let cfg = eng.cfg;
    // Daily rows from the equity curve, fees and trades.
    let mut daily: Vec<DailyRow> = Vec::new();
    let mut prev_equity = cfg.init_cash;
    for p in &eng.equity {
        let d = p.ts.ny_date();
        match daily.last_mut() {
            Some(r) if r.date == d => r.equity = p.equity,
            _ => {
                if let Some(r) = daily.last() {
                    prev_equity = r.equity;
                }
                daily.push(DailyRow {
                    date: d,
                    pnl: 0.0,
                    fees: 0.0,
                    trades: 0,
                    opened: 0,
                    equity: p.equity,
                });
            }
        }
        if let Some(r) = daily.last_mut() {
            r.pnl = r.equity - prev_equity;
        }
    }
    for (d, f) in &eng.fee_days {
        if let Some(r) = daily.iter_mut().find(|r| r.date == *d) {
            r.fees += f;
        }
    }
    for t in &eng.trades {
        if let Some(r) = daily.iter_mut().find(|r| r.date == t.closed.ny_date()) {
            r.trades += 1;
        }
        if let Some(r) = daily.iter_mut().find(|r| r.date == t.opened.ny_date()) {
            r.opened += 1;
        }
    }
    let mut names: Vec<&str> = eng.trades.iter().map(|t| t.strategy.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let by_strategy: Vec<Breakdown> = names
        .iter()
        .map(|n| breakdown(n, eng.trades.iter().filter(|t| t.strategy == *n)))
        .collect();
    let regime_key =
        |r: Option<Regime>| r.map_or_else(|| "unknown".to_string(), |r| format!("{r:?}"));
    let mut regimes: Vec<String> = eng.trades.iter().map(|t| regime_key(t.regime)).collect();
    regimes.sort_unstable();
    regimes.dedup();
    let by_regime: Vec<Breakdown> = regimes
        .iter()
        .map(|k| breakdown(k, eng.trades.iter().filter(|t| regime_key(t.regime) == *k)))
        .collect();
    let (mut gw, mut gl) = (0.0, 0.0);
    let mut totals = Totals {
        init_cash: cfg.init_cash,
        final_equity: eng.cash,
        pnl: 0.0,
        fees: 0.0,
        commissions: 0.0,
        trades: eng.trades.len() as u32,
        wins: 0,
        losses: 0,
        win_rate: 0.0,
        profit_factor: 0.0,
        max_drawdown: max_drawdown(cfg.init_cash, &eng.equity),
        not_filled: eng.not_filled.len() as u32,
        closed_at_end,
        settled: 0,
        stale_marks: eng.stale_marks,
    };
    for t in &eng.trades {
        totals.pnl += t.pnl;
        totals.fees += t.fees;
        totals.commissions += t.commissions;
        if t.pnl > 0.0 {
            totals.wins += 1;
            gw += t.pnl;
        } else if t.pnl < 0.0 {
            totals.losses += 1;
            gl -= t.pnl;
        }
        if matches!(
            t.reason_out,
            OptionExitReason::Settlement | OptionExitReason::Assignment
        ) {
            totals.settled += 1;
        }
    }
    if totals.trades > 0 {
        totals.win_rate = f64::from(totals.wins) / f64::from(totals.trades);
    }
    totals.profit_factor = profit_factor(gw, gl);
    ReplayResult {
        config: cfg.clone(),
        strategies: eng.names,
        start,
        end,
        trades: eng.trades,
        equity: eng.equity,
        daily,
        decisions: eng.decisions,
        not_filled: eng.not_filled,
        by_strategy,
        by_regime,
        totals,
        quotes_processed: quotes,
        snapshots_processed: snapshots,
        notes: eng.notes,
    }
}
