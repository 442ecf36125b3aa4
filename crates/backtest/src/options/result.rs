//! What a replay produces: the trade log, the equity curve, daily rows, every risk
//! decision and unfilled order, breakdowns per strategy and per regime, and totals.
//!
//! Money conventions (the same everywhere in this module):
//! - prices are in option points per contract share (× [`ReplayConfig::multiplier`] for
//!   dollars); a structure's *net* price per unit is `Σ ratio × price` plus
//!   `shares × stock price / multiplier` — positive a debit, negative a credit (the sign
//!   convention of [`thetalab_strategy::options`]);
//! - every dollar figure (`pnl`, `fees`, `max_loss`, `buying_power`, the attribution) is
//!   for the whole position (all its units), in account currency;
//! - `fees` are all charges (broker commissions + exchange + regulatory);
//!   `commissions` is the broker part alone ([`crate::options::Fees`]).

use chrono::NaiveDate;
use serde::Serialize;
use thetalab_core::Timestamp;
use thetalab_strategy::options::{LegSpec, OptionExitReason, PositionId, Regime, StructureKind};

use super::config::ReplayConfig;
use crate::metrics::DrawdownTracker;

/// One leg of a closed trade with the prices it traded at and the quotes it saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TradeLeg {
    /// The contract and its signed ratio per unit.
    pub spec: LegSpec,
    /// Per-contract fill price at entry (points, ≥ 0).
    pub entry_price: f64,
    /// Per-contract price at exit (points, ≥ 0): the fill, or the settlement value
    /// (intrinsic at the settlement price), or the last mark at the end of the data.
    pub exit_price: f64,
    /// Bid at entry (`None` when that side was empty; a bought leg needs only the ask).
    pub entry_bid: Option<f64>,
    /// Ask at entry (`None` when that side was empty; a sold leg needs only the bid).
    pub entry_ask: Option<f64>,
    /// Bid at exit (`None` when settled or closed on a stale mark).
    pub exit_bid: Option<f64>,
    /// Ask at exit (`None` when settled or closed on a stale mark).
    pub exit_ask: Option<f64>,
    /// Implied vol at entry (vendor or implied from the mid; `None` when not solvable).
    pub entry_iv: Option<f64>,
}

/// P&L of one trade explained snapshot to snapshot by the Greeks of the previous
/// snapshot (see [`crate::options::attribution`]); dollars, the five summing to the
/// trade's P&L before fees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Attribution {
    /// Σ delta × ΔS.
    pub delta: f64,
    /// Σ ½ gamma × ΔS².
    pub gamma: f64,
    /// Σ theta × Δt.
    pub theta: f64,
    /// Σ vega × Δσ.
    pub vega: f64,
    /// What the four do not explain (actual − explained): higher orders, fills against
    /// marks (the spread paid), settlement jumps.
    pub residual: f64,
}

impl Attribution {
    /// Sum of the five parts (the P&L before fees).
    #[must_use]
    pub fn total(&self) -> f64 {
        self.delta + self.gamma + self.theta + self.vega + self.residual
    }
}

/// One closed position: the options trade log's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionTrade {
    /// Engine id of the position.
    pub id: PositionId,
    /// The strategy that opened it.
    pub strategy: String,
    /// Its shape.
    pub kind: StructureKind,
    /// The legs (per unit) with their prices.
    pub legs: Vec<TradeLeg>,
    /// Shares per unit (covered calls, collars, assigned stock).
    pub shares: i64,
    /// Stock price per share at entry (the underlying's price) when `shares != 0`.
    pub share_entry_price: Option<f64>,
    /// Stock price per share at exit when `shares != 0`.
    pub share_exit_price: Option<f64>,
    /// Units held.
    pub units: u32,
    /// Entry time.
    pub opened: Timestamp,
    /// Exit time (the settlement snapshot for settled positions).
    pub closed: Timestamp,
    /// Underlying price at entry.
    pub underlying_entry: f64,
    /// Underlying price at exit (the settlement price when settled).
    pub underlying_exit: f64,
    /// Net entry price per unit (points; debit > 0, credit < 0).
    pub entry_net: f64,
    /// Net exit value per unit (points, same sign convention: what the structure was
    /// worth when it was closed or settled).
    pub exit_net: f64,
    /// All charges, entry and exit, dollars (≥ 0).
    pub fees: f64,
    /// The broker-commission part of `fees`.
    pub commissions: f64,
    /// Realised P&L in dollars, fees included:
    /// `(exit_net − entry_net) × multiplier × units − fees`.
    pub pnl: f64,
    /// The intent's reason.
    pub reason_in: String,
    /// Why it was closed.
    pub reason_out: OptionExitReason,
    /// VIX at entry (as known then: the previous session's close).
    pub vix: Option<f64>,
    /// The regime label at entry (computed at every entry; `None` only for the stock
    /// positions that deliveries open).
    pub regime: Option<Regime>,
    /// Total dealer GEX at entry (`None` when not computed).
    pub gex: Option<f64>,
    /// Max loss of the whole position in dollars at entry, fees excluded
    /// (`f64::INFINITY` when unbounded).
    pub max_loss: f64,
    /// Buying power held while open, dollars.
    pub buying_power: f64,
    /// The P&L attribution (dollars, before fees).
    pub attribution: Attribution,
    /// The settlement price of the underlying when the position was settled or
    /// assigned at expiry.
    pub settlement_price: Option<f64>,
    /// Snapshots at which a leg had no usable quote and the previous mark was kept.
    pub stale_marks: u32,
}

/// The account at one snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EquityPoint {
    /// Snapshot time.
    pub ts: Timestamp,
    /// Cash plus the marks of open positions.
    pub equity: f64,
    /// Cash.
    pub cash: f64,
    /// Open positions.
    pub open_positions: u32,
}

/// One New York session date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DailyRow {
    /// Session date.
    pub date: NaiveDate,
    /// Equity change over the day (fees included): last equity of the day minus the
    /// last equity of the previous day (or the initial cash).
    pub pnl: f64,
    /// Charges paid that day.
    pub fees: f64,
    /// Positions closed that day.
    pub trades: u32,
    /// Positions opened that day.
    pub opened: u32,
    /// Equity at the day's last snapshot.
    pub equity: f64,
}

/// One decision of the risk policy on an opening order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskDecisionRow {
    /// Snapshot time.
    pub ts: Timestamp,
    /// The strategy.
    pub strategy: String,
    /// The structure.
    pub kind: StructureKind,
    /// Units asked for (after sizing and buying power).
    pub units_requested: u32,
    /// Units the policy allowed (0 when rejected).
    pub units_allowed: u32,
    /// `approved`, `resized` or `rejected`.
    pub decision: String,
    /// The limit that decided (for `resized` and `rejected`).
    pub limit: Option<String>,
    /// The limit's numbers, as text.
    pub detail: Option<String>,
}

/// Why an order did not fill (closed set, for counting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum NotFilledReason {
    /// A leg's contract is not in the snapshot, or the side hit has no quote.
    MissingQuote,
    /// The side hit quotes 0 (a zero bid cannot be sold into, a zero ask is not real).
    ZeroQuote,
    /// The net fill is worse than the limit.
    NotMarketable,
    /// Sizing gave 0 units (risk per trade too small for one unit's max loss + fees).
    ZeroSize,
    /// Cash or buying power is insufficient.
    BuyingPower,
    /// The risk policy rejected it.
    Risk,
    /// The order is malformed (no legs, a zero ratio, an unknown position to close, a
    /// max loss that cannot be computed).
    Invalid,
}

/// An order that did not fill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotFilledRow {
    /// Snapshot time.
    pub ts: Timestamp,
    /// The strategy.
    pub strategy: String,
    /// The structure (of the order, or of the position a close was for).
    pub kind: StructureKind,
    /// `Some(id)` for a close that could not fill (the position stays open).
    pub position: Option<PositionId>,
    /// The category.
    pub reason: NotFilledReason,
    /// The details (which leg, which numbers).
    pub detail: String,
}

/// Aggregates of a group of closed trades (a strategy, a regime, a kind).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// The group's key (strategy name, regime label, `unknown` for no regime).
    pub key: String,
    /// Closed trades.
    pub trades: u32,
    /// Trades with pnl > 0.
    pub wins: u32,
    /// Trades with pnl < 0.
    pub losses: u32,
    /// Σ pnl, dollars, fees included.
    pub pnl: f64,
    /// Σ fees.
    pub fees: f64,
    /// wins / trades (0 when no trade).
    pub win_rate: f64,
    /// pnl / trades (0 when no trade).
    pub avg_pnl: f64,
    /// Σ pnl of winners / |Σ pnl of losers| (`f64::INFINITY` with no loser and a winner,
    /// 0 with no trade).
    pub profit_factor: f64,
    /// Best trade's pnl.
    pub best: f64,
    /// Worst trade's pnl.
    pub worst: f64,
}

/// Totals of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    /// Initial cash.
    pub init_cash: f64,
    /// Equity after the last snapshot (every position closed).
    pub final_equity: f64,
    /// Σ trade pnl (= final − initial equity).
    pub pnl: f64,
    /// Σ charges (commissions + exchange + regulatory).
    pub fees: f64,
    /// Σ broker commissions.
    pub commissions: f64,
    /// Closed trades.
    pub trades: u32,
    /// Winning trades (pnl > 0).
    pub wins: u32,
    /// Losing trades (pnl < 0).
    pub losses: u32,
    /// wins / trades.
    pub win_rate: f64,
    /// Σ winners / |Σ losers|.
    pub profit_factor: f64,
    /// Largest peak-to-trough fall of the equity curve (from `init_cash` on), as a
    /// fraction of the peak (≥ 0).
    pub max_drawdown: f64,
    /// Orders not filled.
    pub not_filled: u32,
    /// Positions closed by the engine at the end of the data (reason `EndOfData`).
    pub closed_at_end: u32,
    /// Positions settled (cash) or assigned at expiry.
    pub settled: u32,
    /// Marks where a leg had no quote and the previous mark was kept.
    pub stale_marks: u64,
}

/// Everything a replay produces.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayResult {
    /// The configuration the run used (echo).
    pub config: ReplayConfig,
    /// Names of the strategies run, in order.
    pub strategies: Vec<String>,
    /// First snapshot time.
    pub start: Option<Timestamp>,
    /// Last snapshot time.
    pub end: Option<Timestamp>,
    /// Closed positions in closing order.
    pub trades: Vec<OptionTrade>,
    /// The account at every snapshot.
    pub equity: Vec<EquityPoint>,
    /// One row per session date.
    pub daily: Vec<DailyRow>,
    /// Every decision of the risk policy.
    pub decisions: Vec<RiskDecisionRow>,
    /// Every order that did not fill.
    pub not_filled: Vec<NotFilledRow>,
    /// Per strategy, sorted by name.
    pub by_strategy: Vec<Breakdown>,
    /// Per regime at entry, sorted by label.
    pub by_regime: Vec<Breakdown>,
    /// Totals.
    pub totals: Totals,
    /// Option quotes read.
    pub quotes_processed: u64,
    /// Snapshots read.
    pub snapshots_processed: u64,
    /// Plain-language notes: positions closed at the end of the data, stale marks,
    /// settlement prices taken from a fallback.
    pub notes: Vec<String>,
}

/// Aggregates `trades` (any iterator of references) into one [`Breakdown`].
#[must_use]
pub fn breakdown<'a>(key: &str, trades: impl IntoIterator<Item = &'a OptionTrade>) -> Breakdown {
    let mut b = Breakdown {
        key: key.to_string(),
        trades: 0,
        wins: 0,
        losses: 0,
        pnl: 0.0,
        fees: 0.0,
        win_rate: 0.0,
        avg_pnl: 0.0,
        profit_factor: 0.0,
        best: f64::NEG_INFINITY,
        worst: f64::INFINITY,
    };
    let (mut gross_win, mut gross_loss) = (0.0, 0.0);
    for t in trades {
        b.trades += 1;
        b.pnl += t.pnl;
        b.fees += t.fees;
        if t.pnl > 0.0 {
            b.wins += 1;
            gross_win += t.pnl;
        } else if t.pnl < 0.0 {
            b.losses += 1;
            gross_loss -= t.pnl;
        }
        b.best = b.best.max(t.pnl);
        b.worst = b.worst.min(t.pnl);
    }
    if b.trades == 0 {
        b.best = 0.0;
        b.worst = 0.0;
        return b;
    }
    b.win_rate = f64::from(b.wins) / f64::from(b.trades);
    b.avg_pnl = b.pnl / f64::from(b.trades);
    b.profit_factor = profit_factor(gross_win, gross_loss);
    b
}

/// Σ winners / Σ |losers|: ∞ with winners and no loser, 0 with neither.
pub(crate) fn profit_factor(gross_win: f64, gross_loss: f64) -> f64 {
    if gross_loss > 0.0 {
        gross_win / gross_loss
    } else if gross_win > 0.0 {
        f64::INFINITY
    } else {
        0.0
    }
}

/// Largest peak-to-trough fall of `equity` as a fraction of the running peak (≥ 0),
/// the running peak starting at `init_cash` (the equity before the first snapshot, as
/// empyrical anchors its curve at the starting value): the crate's one drawdown formula,
/// [`DrawdownTracker`], with the sign flipped.
#[must_use]
pub fn max_drawdown(init_cash: f64, equity: &[EquityPoint]) -> f64 {
    let mut dd = DrawdownTracker::with_equity(init_cash);
    for p in equity {
        dd.push_equity(p.equity);
    }
    -dd.max_drawdown()
}
