//! Options strategies: what an options strategy sees, what it may ask for, and the
//! strategies themselves.
//!
//! An [`OptionStrategy`] is shown one chain snapshot at a time through an
//! [`OptionContext`] — the snapshot ([`ChainView`]), the underlying's history up to now,
//! market-intelligence readings ([`MarketIntel`], computed lazily), and its own slice of
//! the portfolio ([`PortfolioView`]) — and answers with [`OptionAction`]s: open a
//! multi-leg [`OrderIntent`] (with an optional limit price) or close a position.
//! Nothing in the context lies after the snapshot's timestamp, so the same object runs
//! unchanged in the replay backtester (`thetalab-backtest`) and in the paper trader.
//!
//! ## Prices and signs
//! A structure's *net price* per unit is `Σ ratio_i × price_i` over its legs, in option
//! points (× the contract multiplier, 100 for SPX, for dollars), plus `shares × price` of
//! the stock leg divided by the multiplier. Positive means a debit (you pay), negative a
//! credit (you receive): a short iron condor opened for 1.20 of credit has an entry
//! price of −1.20. A position's mark uses the same sign, so its P&L per unit is
//! `(mark − entry) × multiplier`. A limit on an opening order is the worst acceptable
//! net price: the order fills only when `net_fill ≤ limit` (for a credit of at least
//! 1.00, `limit = −1.00`).

pub mod chain;
pub mod common;
pub mod condor;
pub mod exits;
pub mod intel;
mod registry;
pub mod select;
pub mod spreads;
pub mod stock;
pub mod time_spreads;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thetalab_core::{OptionRight, OptionRoot, Timestamp};

pub use chain::ChainView;
pub use exits::{ExitPlan, OptionExitReason, StopRule};
pub use intel::{IntelCache, MarketIntel, Regime, VolIndexReadings};

pub use common::{EntryRule, OrderRules, Scheduled, Side, StrikeRule, WingRule};
pub use condor::{IronCondor0Dte, IronCondorConfig};
pub use intel::IntelConfig;
pub use registry::{OPTION_STRATEGY_NAMES, by_name, config_from_toml};
pub use select::{IntelRegime, RegimeSource, SelectorConfig, StrategySelector};
pub use spreads::{
    Butterfly, ButterflyConfig, IronButterfly, IronButterflyConfig, Straddle, StraddleConfig,
    Strangle, StrangleConfig, Vertical, VerticalConfig, VerticalKind,
};
pub use stock::{
    Collar, CollarConfig, CoveredCall, CoveredCallConfig, ProtectivePut, ProtectivePutConfig,
    Wheel, WheelConfig, WheelPhase,
};
pub use time_spreads::{
    Calendar, CalendarConfig, Diagonal, DiagonalConfig, Flyagonal, FlyagonalConfig,
};

/// The engine's id of an open position.
pub type PositionId = u64;

/// One option leg of a structure, per unit of the structure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LegSpec {
    /// Option root (`SPXW` PM-settled dailies, `SPX` AM monthlies, `SPY`, …).
    pub root: OptionRoot,
    /// Expiry date.
    pub expiry: NaiveDate,
    /// Strike.
    pub strike: f64,
    /// Call or put.
    pub right: OptionRight,
    /// Signed contracts per unit: +1 bought, −1 sold, −2 for the body of a butterfly.
    pub ratio: i32,
}

/// The shape of a structure, for breakdowns and buying-power rules (closed set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum StructureKind {
    /// Short put + long lower put + short call + long higher call.
    IronCondor,
    /// Short straddle with long wings.
    IronButterfly,
    /// A vertical sold for a credit (bull put or bear call).
    CreditVertical,
    /// A vertical bought for a debit (bull call or bear put).
    DebitVertical,
    /// Long butterfly (one right), including broken-wing.
    LongButterfly,
    /// Short butterfly (one right).
    ShortButterfly,
    /// Long straddle.
    LongStraddle,
    /// Short straddle (naked).
    ShortStraddle,
    /// Long strangle.
    LongStrangle,
    /// Short strangle (naked).
    ShortStrangle,
    /// Calendar spread (same strike, two expiries).
    Calendar,
    /// Diagonal spread (two strikes, two expiries).
    Diagonal,
    /// Flyagonal: call broken-wing butterfly above plus a put diagonal below (6 legs).
    Flyagonal,
    /// Long stock plus a short call.
    CoveredCall,
    /// Long stock plus a long put.
    ProtectivePut,
    /// Long stock, long put, short call.
    Collar,
    /// A cash-secured short put (the wheel's first phase).
    CashSecuredPut,
    /// A single long option.
    LongOption,
    /// A single short option (naked).
    ShortOption,
    /// Shares only (e.g. after assignment).
    Stock,
}

/// An order to open a structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderIntent {
    /// The strategy that sends it (its [`OptionStrategy::name`]).
    pub strategy: String,
    /// The structure's shape.
    pub kind: StructureKind,
    /// Option legs per unit (may be empty for a stock-only order).
    pub legs: Vec<LegSpec>,
    /// Signed shares of the underlying per unit (100 for a covered call's stock leg).
    pub shares: i64,
    /// Units to trade; `None` lets the engine size it (risk per trade of equity on the
    /// structure's max loss, then the pre-trade check).
    pub units: Option<u32>,
    /// Worst acceptable net price per unit (see the module docs); `None` = market.
    pub limit: Option<f64>,
    /// How the position is to be managed once open.
    pub exits: ExitPlan,
    /// Why (shown in the trade log), e.g. `"10:00 window, 10Δ shorts, credit 1.25"`.
    pub reason: String,
}

/// What a strategy asks the engine to do at this snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OptionAction {
    /// Open a structure.
    Open(OrderIntent),
    /// Close an open position (all legs, at market or better than `limit`).
    Close {
        /// The position.
        position: PositionId,
        /// Why.
        reason: OptionExitReason,
        /// Worst acceptable net price per unit to close (same sign convention as
        /// entries: closing a short condor is a debit, so a positive number).
        limit: Option<f64>,
    },
}

/// One open position as a strategy sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionView {
    /// Engine id.
    pub id: PositionId,
    /// Owning strategy.
    pub strategy: String,
    /// Shape.
    pub kind: StructureKind,
    /// Option legs per unit.
    pub legs: Vec<LegSpec>,
    /// Shares per unit.
    pub shares: i64,
    /// Units held.
    pub units: u32,
    /// When it was opened.
    pub opened: Timestamp,
    /// Net entry price per unit (debit positive, credit negative), fees excluded.
    pub entry_price: f64,
    /// Net mark per unit at this snapshot (mid by default), `None` when a leg has no
    /// usable quote now (the previous mark is kept by the engine for equity).
    pub mark: Option<f64>,
    /// Max loss per unit in dollars (`f64::INFINITY` when unbounded).
    pub max_loss: f64,
    /// The exit plan given at entry.
    pub exits: ExitPlan,
}

impl PositionView {
    /// Unrealised P&L per unit in option points at the current mark (fees excluded).
    #[must_use]
    pub fn pnl_points(&self) -> Option<f64> {
        self.mark.map(|m| m - self.entry_price)
    }

    /// True when the structure was opened for a credit.
    #[must_use]
    pub fn is_credit(&self) -> bool {
        self.entry_price < 0.0
    }
}

/// The account and the positions of the strategy being called.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PortfolioView {
    /// This strategy's open positions.
    pub positions: Vec<PositionView>,
    /// Account equity at the current marks.
    pub equity: f64,
    /// Cash.
    pub cash: f64,
    /// Buying power held by open positions.
    pub buying_power_used: f64,
    /// Realised plus unrealised P&L since the session's first snapshot.
    pub day_pnl: f64,
    /// Open positions of all strategies.
    pub open_positions_total: usize,
}

/// The underlying's path up to and including the current snapshot: one point per
/// snapshot (time, price, cumulative session volume when known).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnderlyingHistory {
    /// Times.
    pub ts: Vec<Timestamp>,
    /// Prices.
    pub price: Vec<f64>,
    /// Volume of the interval ending at each point (0 when unknown).
    pub volume: Vec<f64>,
    /// Index in the vectors of the current session's first point.
    pub session_start: usize,
}

impl UnderlyingHistory {
    /// The last price.
    #[must_use]
    pub fn last(&self) -> Option<f64> {
        self.price.last().copied()
    }
    /// Appends a point; `new_session` marks the first point of a session.
    pub fn push(&mut self, ts: Timestamp, price: f64, volume: f64, new_session: bool) {
        if new_session {
            self.session_start = self.ts.len();
        }
        self.ts.push(ts);
        self.price.push(price);
        self.volume.push(volume);
    }
    /// The current session's prices.
    #[must_use]
    pub fn session_prices(&self) -> &[f64] {
        self.price.get(self.session_start..).unwrap_or(&[])
    }
}

/// Everything an options strategy may look at, at one snapshot.
pub struct OptionContext<'a> {
    /// The snapshot's time.
    pub now: Timestamp,
    /// The chain at `now`.
    pub chain: ChainView<'a>,
    /// The underlying up to `now`.
    pub underlying: &'a UnderlyingHistory,
    /// Market intelligence at `now`, computed on first use.
    pub intel: &'a IntelCache,
    /// The account and this strategy's positions.
    pub portfolio: &'a PortfolioView,
    /// The NYSE calendar (sessions, closes, expiries).
    pub calendar: &'a thetalab_data::calendar::NyseCalendar,
}

impl OptionContext<'_> {
    /// The market-intelligence readings at `now` (computed once per snapshot).
    pub fn intel(&self) -> &MarketIntel {
        self.intel.get(&self.chain, self.underlying, self.now)
    }
}

/// An options strategy: shown each snapshot in time order, it returns the actions to
/// take now. It keeps whatever state it needs (e.g. which entry windows it used today)
/// and must not look anywhere but its context.
pub trait OptionStrategy: Send {
    /// A short stable name (`iron-condor-0dte`, …), used in logs and breakdowns.
    fn name(&self) -> &str;
    /// The actions at this snapshot, appended to `out`.
    fn on_snapshot(&mut self, ctx: &OptionContext<'_>, out: &mut Vec<OptionAction>);
    /// Told by the engine after each fill or rejection of this strategy's orders, so
    /// it can track state (e.g. the wheel's phase). Default: ignore.
    fn on_event(&mut self, _event: &StrategyEvent) {}
    /// Whether a position whose `strategy` field is `strategy` belongs to this object
    /// (default: the name matches). A wrapper that sends its children's orders under
    /// their own names ([`StrategySelector`]) claims those names too; an engine that
    /// attributes positions by name should use this rather than comparing with
    /// [`OptionStrategy::name`].
    fn owns(&self, strategy: &str) -> bool {
        strategy == self.name()
    }
}

/// What happened to a strategy's order or position (for [`OptionStrategy::on_event`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StrategyEvent {
    /// An opening order filled as position `position` with `units` at `price` per unit.
    Opened {
        /// The new position.
        position: PositionId,
        /// Units filled.
        units: u32,
        /// Net fill price per unit.
        price: f64,
    },
    /// An opening order did not fill (no quote, not marketable, or refused by risk).
    NotFilled {
        /// Why.
        reason: String,
    },
    /// A position was closed (by the strategy, or at settlement/assignment).
    Closed {
        /// The position.
        position: PositionId,
        /// Realised P&L in dollars, fees included.
        pnl: f64,
        /// Why.
        reason: OptionExitReason,
    },
    /// Shares were delivered by assignment or exercise (signed, + received).
    SharesDelivered {
        /// Shares.
        shares: i64,
        /// Price per share of the delivery (the strike).
        price: f64,
    },
}
