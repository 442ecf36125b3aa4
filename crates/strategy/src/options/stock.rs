//! Structures with shares: covered call, protective put, collar (each opened with
//! 100 shares per unit, [`Scheduled`] templates) and the wheel.
//!
//! These need an optionable stock or ETF with physically settled options (default root
//! `SPY`). The share leg is valued at the snapshot's underlying price in the order's
//! net price and limit (see the sign conventions of [`super`]). Default exits hold to
//! expiry ([`ExitPlan::hold`]); the engine settles or assigns the option at expiry.

use serde::{Deserialize, Serialize};
use thetalab_core::OptionRight::{Call, Put};
use thetalab_core::OptionRoot;

use super::common::{
    EntryRule, EntryWindows, OrderRules, Scheduled, StrikeRule, StructureTemplate,
    check_strike_rule, intent, leg, manage_exits, pick_expiry, pick_put_call, pick_strike,
};
use super::{
    ExitPlan, OptionAction, OptionContext, OptionStrategy, OrderIntent, StrategyEvent,
    StructureKind,
};
use crate::StrategyError;

/// Shares per unit of the stock structures.
pub const SHARES_PER_UNIT: i64 = 100;

/// A covered call (`covered-call`): 100 shares bought and one call sold per unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoveredCallConfig {
    /// Entry (default SPY, 30 DTE, 10:00).
    pub entry: EntryRule,
    /// The call (default `{ delta = 0.30 }`).
    pub call: StrikeRule,
    /// Pricing and liquidity.
    pub order: OrderRules,
    /// Exits (default hold to expiry).
    pub exits: ExitPlan,
}

impl Default for CoveredCallConfig {
    fn default() -> Self {
        CoveredCallConfig {
            entry: EntryRule::with("SPY", 30),
            call: StrikeRule::Delta(0.30),
            order: OrderRules::default(),
            exits: ExitPlan::hold(),
        }
    }
}

impl StructureTemplate for CoveredCallConfig {
    const NAME: &'static str = "covered-call";
    fn entry(&self) -> &EntryRule {
        &self.entry
    }
    fn validate(&self) -> Result<(), StrategyError> {
        check_strike_rule(Self::NAME, "call", self.call)?;
        self.exits.validate(Self::NAME)?;
        self.order.validate(Self::NAME)
    }
    fn build(&self, ctx: &OptionContext<'_>, root: OptionRoot) -> Result<OrderIntent, String> {
        let chain = &ctx.chain;
        let expiry = pick_expiry(chain, root, self.entry.dte).ok_or("no live expiry")?;
        let k = pick_strike(chain, root, expiry, Call, self.call).ok_or("no call strike")?;
        let legs = vec![leg(root, expiry, Call, k, -1)];
        intent(
            Self::NAME,
            StructureKind::CoveredCall,
            legs,
            SHARES_PER_UNIT,
            &self.order,
            chain,
            self.exits,
            "covered call",
        )
    }
}

/// Covered-call strategy (`covered-call`).
pub type CoveredCall = Scheduled<CoveredCallConfig>;

/// A protective (married) put (`protective-put`): 100 shares and one put bought per
/// unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProtectivePutConfig {
    /// Entry (default SPY, 30 DTE, 10:00).
    pub entry: EntryRule,
    /// The put (default `{ delta = 0.25 }`).
    pub put: StrikeRule,
    /// Pricing and liquidity.
    pub order: OrderRules,
    /// Exits (default hold to expiry).
    pub exits: ExitPlan,
}

impl Default for ProtectivePutConfig {
    fn default() -> Self {
        ProtectivePutConfig {
            entry: EntryRule::with("SPY", 30),
            put: StrikeRule::Delta(0.25),
            order: OrderRules::default(),
            exits: ExitPlan::hold(),
        }
    }
}

impl StructureTemplate for ProtectivePutConfig {
    const NAME: &'static str = "protective-put";
    fn entry(&self) -> &EntryRule {
        &self.entry
    }
    fn validate(&self) -> Result<(), StrategyError> {
        check_strike_rule(Self::NAME, "put", self.put)?;
        self.exits.validate(Self::NAME)?;
        self.order.validate(Self::NAME)
    }
    fn build(&self, ctx: &OptionContext<'_>, root: OptionRoot) -> Result<OrderIntent, String> {
        let chain = &ctx.chain;
        let expiry = pick_expiry(chain, root, self.entry.dte).ok_or("no live expiry")?;
        let k = pick_strike(chain, root, expiry, Put, self.put).ok_or("no put strike")?;
        let legs = vec![leg(root, expiry, Put, k, 1)];
        intent(
            Self::NAME,
            StructureKind::ProtectivePut,
            legs,
            SHARES_PER_UNIT,
            &self.order,
            chain,
            self.exits,
            "protective put",
        )
    }
}

/// Protective-put strategy (`protective-put`).
pub type ProtectivePut = Scheduled<ProtectivePutConfig>;

/// A collar (`collar`): 100 shares, a put bought and a call sold per unit, same expiry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CollarConfig {
    /// Entry (default SPY, 30 DTE, 10:00).
    pub entry: EntryRule,
    /// The put (default `{ delta = 0.25 }`).
    pub put: StrikeRule,
    /// The call (default `{ delta = 0.25 }`).
    pub call: StrikeRule,
    /// Pricing and liquidity.
    pub order: OrderRules,
    /// Exits (default hold to expiry).
    pub exits: ExitPlan,
}

impl Default for CollarConfig {
    fn default() -> Self {
        CollarConfig {
            entry: EntryRule::with("SPY", 30),
            put: StrikeRule::Delta(0.25),
            call: StrikeRule::Delta(0.25),
            order: OrderRules::default(),
            exits: ExitPlan::hold(),
        }
    }
}

impl StructureTemplate for CollarConfig {
    const NAME: &'static str = "collar";
    fn entry(&self) -> &EntryRule {
        &self.entry
    }
    fn validate(&self) -> Result<(), StrategyError> {
        check_strike_rule(Self::NAME, "put", self.put)?;
        check_strike_rule(Self::NAME, "call", self.call)?;
        self.exits.validate(Self::NAME)?;
        self.order.validate(Self::NAME)
    }
    fn build(&self, ctx: &OptionContext<'_>, root: OptionRoot) -> Result<OrderIntent, String> {
        let chain = &ctx.chain;
        let expiry = pick_expiry(chain, root, self.entry.dte).ok_or("no live expiry")?;
        let (kp, kc) = pick_put_call(chain, root, expiry, self.put, self.call)?;
        let legs = vec![
            leg(root, expiry, Put, kp, 1),
            leg(root, expiry, Call, kc, -1),
        ];
        intent(
            Self::NAME,
            StructureKind::Collar,
            legs,
            SHARES_PER_UNIT,
            &self.order,
            chain,
            self.exits,
            "collar",
        )
    }
}

/// Collar strategy (`collar`).
pub type Collar = Scheduled<CollarConfig>;

/// The wheel's configuration (`wheel`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WheelConfig {
    /// Entry of each short option (default SPY, 30 DTE, 10:00; `max_open` is ignored:
    /// one short option at a time).
    pub entry: EntryRule,
    /// Units of cash-secured puts (default 1: 100 shares if assigned).
    pub units: u32,
    /// The cash-secured put (default `{ delta = 0.30 }`).
    pub put: StrikeRule,
    /// The covered call (default `{ delta = 0.30 }`).
    pub call: StrikeRule,
    /// Only sell calls struck at or above the assignment price (default true).
    pub call_at_or_above_basis: bool,
    /// Pricing and liquidity.
    pub order: OrderRules,
    /// Exits of each short option (default hold to expiry: assignment drives the
    /// wheel).
    pub exits: ExitPlan,
}

impl Default for WheelConfig {
    fn default() -> Self {
        WheelConfig {
            entry: EntryRule::with("SPY", 30),
            units: 1,
            put: StrikeRule::Delta(0.30),
            call: StrikeRule::Delta(0.30),
            call_at_or_above_basis: true,
            order: OrderRules::default(),
            exits: ExitPlan::hold(),
        }
    }
}

/// Which leg the wheel sells next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WheelPhase {
    /// No shares: sell cash-secured puts.
    Puts,
    /// Shares held: sell covered calls against them.
    Calls,
}

/// The wheel (`wheel`): sell cash-secured puts; when assigned
/// ([`StrategyEvent::SharesDelivered`] with shares received) sell covered calls against
/// the shares (struck at or above the assignment price by default); when the shares are
/// called away (shares delivered out) go back to puts. One short option at a time, a
/// new one at the entry time of the first day none is open.
///
/// The covered-call orders carry `shares = 0`, kind [`StructureKind::CoveredCall`] and
/// `units` = the shares held / 100: the shares are the position the assignment created.
#[derive(Debug, Clone)]
pub struct Wheel {
    cfg: WheelConfig,
    root: OptionRoot,
    windows: EntryWindows,
    phase: WheelPhase,
    shares: i64,
    basis: Option<f64>,
    last_skip: Option<String>,
}

impl Wheel {
    /// Registry name.
    pub const NAME: &'static str = "wheel";

    /// Checks the configuration.
    pub fn new(cfg: WheelConfig) -> Result<Self, StrategyError> {
        let root = cfg.entry.validate(Self::NAME)?;
        check_strike_rule(Self::NAME, "put", cfg.put)?;
        check_strike_rule(Self::NAME, "call", cfg.call)?;
        super::common::check(
            Self::NAME,
            "units",
            f64::from(cfg.units),
            cfg.units >= 1,
            "must be ≥ 1",
        )?;
        cfg.exits.validate(Self::NAME)?;
        cfg.order.validate(Self::NAME)?;
        Ok(Wheel {
            cfg,
            root,
            windows: EntryWindows::new(),
            phase: WheelPhase::Puts,
            shares: 0,
            basis: None,
            last_skip: None,
        })
    }

    /// The current phase.
    #[must_use]
    pub fn phase(&self) -> WheelPhase {
        self.phase
    }

    /// Shares held (as told by the engine's deliveries).
    #[must_use]
    pub fn shares(&self) -> i64 {
        self.shares
    }

    /// Why the last entry attempt produced no order, if it did not.
    #[must_use]
    pub fn last_skip(&self) -> Option<&str> {
        self.last_skip.as_deref()
    }

    fn build(&self, ctx: &OptionContext<'_>) -> Result<OrderIntent, String> {
        let (chain, root) = (&ctx.chain, self.root);
        let expiry = pick_expiry(chain, root, self.cfg.entry.dte).ok_or("no live expiry")?;
        match self.phase {
            WheelPhase::Puts => {
                let k =
                    pick_strike(chain, root, expiry, Put, self.cfg.put).ok_or("no put strike")?;
                let legs = vec![leg(root, expiry, Put, k, -1)];
                let mut o = intent(
                    Self::NAME,
                    StructureKind::CashSecuredPut,
                    legs,
                    0,
                    &self.cfg.order,
                    chain,
                    self.cfg.exits,
                    "wheel: cash-secured put",
                )?;
                o.units = Some(self.cfg.units);
                Ok(o)
            }
            WheelPhase::Calls => {
                let units = u32::try_from(self.shares / SHARES_PER_UNIT).unwrap_or(0);
                if units == 0 {
                    return Err(format!(
                        "{} shares: less than one contract's worth",
                        self.shares
                    ));
                }
                let mut k = pick_strike(chain, root, expiry, Call, self.cfg.call)
                    .ok_or("no call strike")?;
                if self.cfg.call_at_or_above_basis
                    && let Some(b) = self.basis
                    && k < b
                {
                    k = chain
                        .strikes(root, expiry, Call)
                        .filter(|x| *x >= b)
                        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))))
                        .ok_or("no call strike at or above the basis")?;
                }
                let legs = vec![leg(root, expiry, Call, k, -1)];
                let mut o = intent(
                    Self::NAME,
                    StructureKind::CoveredCall,
                    legs,
                    0,
                    &self.cfg.order,
                    chain,
                    self.cfg.exits,
                    "wheel: covered call",
                )?;
                o.units = Some(units);
                Ok(o)
            }
        }
    }
}

impl OptionStrategy for Wheel {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn on_snapshot(&mut self, ctx: &OptionContext<'_>, out: &mut Vec<OptionAction>) {
        manage_exits(ctx, out);
        let e = &self.cfg.entry;
        if self
            .windows
            .due(&[e.time], e.grace_minutes, ctx.now)
            .is_none()
        {
            return;
        }
        if ctx.portfolio.positions.iter().any(|p| !p.legs.is_empty()) {
            self.last_skip = Some("a short option is open".to_string());
            return;
        }
        match self.build(ctx) {
            Ok(o) => {
                self.last_skip = None;
                out.push(OptionAction::Open(o));
            }
            Err(why) => self.last_skip = Some(why),
        }
    }

    fn on_event(&mut self, event: &StrategyEvent) {
        if let StrategyEvent::SharesDelivered { shares, price } = *event {
            let before = self.shares;
            self.shares = self.shares.saturating_add(shares);
            if shares > 0 && self.shares > 0 {
                // Average cost of the shares now held.
                let held_before = before.max(0) as f64;
                let b = self.basis.unwrap_or(price);
                self.basis = Some((b * held_before + price * shares as f64) / self.shares as f64);
            }
            if self.shares >= SHARES_PER_UNIT {
                self.phase = WheelPhase::Calls;
            } else if self.shares <= 0 {
                self.shares = 0;
                self.basis = None;
                self.phase = WheelPhase::Puts;
            }
        }
    }
}
