//! Single-expiry structures entered once a day ([`Scheduled`] templates): verticals
//! (credit and debit), the iron butterfly, long and short butterflies (broken-wing when
//! the wings differ), straddles and strangles (long or short).
//!
//! Every strategy here enters at its [`EntryRule`] (default 10:00 ET, first snapshot
//! within 15 minutes, on the expiry nearest its DTE target), prices the structure with
//! its [`OrderRules`] (limit at the net mid by default) and manages open positions with
//! its [`ExitPlan`].

use serde::{Deserialize, Serialize};
use thetalab_core::OptionRight::{self, Call, Put};
use thetalab_core::OptionRoot;

use super::common::{
    EntryRule, OrderRules, Scheduled, Side, StrikeRule, StructureTemplate, WingRule, check,
    check_strike_rule, check_wing_rule, intent, leg, pick_expiry, pick_put_call, pick_strike,
    pick_wing, short_iron,
};
use super::{ExitPlan, OptionContext, OrderIntent, StructureKind};
use crate::StrategyError;

/// Credit or debit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerticalKind {
    /// Sell the nearer-the-money strike, buy the further one (bull put, bear call).
    Credit,
    /// Buy the nearer-the-money strike, sell the further one (bull call, bear put).
    Debit,
}

/// A vertical spread (`vertical`): one right, one expiry, two strikes.
///
/// The *first* strike is chosen by `first` (the short leg of a credit spread, the long
/// leg of a debit spread); the second lies `width` further out of the money (below for
/// puts, above for calls). So `right = put, kind = credit` is a bull put spread,
/// `call/credit` a bear call, `call/debit` a bull call, `put/debit` a bear put.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerticalConfig {
    /// Entry (default SPXW, 0 DTE, 10:00).
    pub entry: EntryRule,
    /// Put or call (default put).
    pub right: OptionRight,
    /// Credit or debit (default credit).
    pub kind: VerticalKind,
    /// The first strike (default `{ delta = 0.20 }`).
    pub first: StrikeRule,
    /// The second strike beyond the first (default `{ points = 10.0 }`).
    pub width: WingRule,
    /// Minimum credit / width for credit spreads (default 0.05).
    pub min_credit_to_width: f64,
    /// Maximum debit / width for debit spreads (default 0.75).
    pub max_debit_to_width: f64,
    /// Pricing and liquidity.
    pub order: OrderRules,
    /// Exits (default: the 0DTE plan, 25 % target, stop at 2× loss).
    pub exits: ExitPlan,
}

impl Default for VerticalConfig {
    fn default() -> Self {
        VerticalConfig {
            entry: EntryRule::default(),
            right: Put,
            kind: VerticalKind::Credit,
            first: StrikeRule::Delta(0.20),
            width: WingRule::Points(10.0),
            min_credit_to_width: 0.05,
            max_debit_to_width: 0.75,
            order: OrderRules::default(),
            exits: ExitPlan::default(),
        }
    }
}

impl StructureTemplate for VerticalConfig {
    const NAME: &'static str = "vertical";
    fn entry(&self) -> &EntryRule {
        &self.entry
    }
    fn validate(&self) -> Result<(), StrategyError> {
        check_strike_rule(Self::NAME, "first", self.first)?;
        check_wing_rule(Self::NAME, "width", self.width)?;
        let (c, d) = (self.min_credit_to_width, self.max_debit_to_width);
        check(
            Self::NAME,
            "min_credit_to_width",
            c,
            (0.0..1.0).contains(&c),
            "must be in [0, 1)",
        )?;
        check(
            Self::NAME,
            "max_debit_to_width",
            d,
            d > 0.0 && d <= 1.0,
            "must be in (0, 1]",
        )?;
        self.exits.validate(Self::NAME)?;
        self.order.validate(Self::NAME)
    }
    fn build(&self, ctx: &OptionContext<'_>, root: OptionRoot) -> Result<OrderIntent, String> {
        let chain = &ctx.chain;
        let expiry = pick_expiry(chain, root, self.entry.dte).ok_or("no live expiry")?;
        let k1 =
            pick_strike(chain, root, expiry, self.right, self.first).ok_or("no first strike")?;
        let k2 =
            pick_wing(chain, root, expiry, self.right, k1, self.width).ok_or("no second strike")?;
        let (s1, kind) = match self.kind {
            VerticalKind::Credit => (-1, StructureKind::CreditVertical),
            VerticalKind::Debit => (1, StructureKind::DebitVertical),
        };
        let legs = vec![
            leg(root, expiry, self.right, k1, s1),
            leg(root, expiry, self.right, k2, -s1),
        ];
        let width = (k2 - k1).abs();
        let o = intent(
            Self::NAME,
            kind,
            legs,
            0,
            &self.order,
            chain,
            self.exits,
            "vertical",
        )?;
        let net = o
            .limit
            .or_else(|| chain.net_quote(&o.legs).map(|q| q.1))
            .unwrap_or(0.0);
        match self.kind {
            VerticalKind::Credit if -net < self.min_credit_to_width * width => Err(format!(
                "credit {:.2} below {} of width {width}",
                -net, self.min_credit_to_width
            )),
            VerticalKind::Debit if net > self.max_debit_to_width * width => Err(format!(
                "debit {net:.2} above {} of width {width}",
                self.max_debit_to_width
            )),
            _ => Ok(o),
        }
    }
}

/// Vertical spread strategy (`vertical`).
pub type Vertical = Scheduled<VerticalConfig>;

/// The iron butterfly (`iron-butterfly`): short the ATM straddle, long a put `wing`
/// below and a call `wing` above.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IronButterflyConfig {
    /// Entry (default SPXW, 0 DTE, 10:00).
    pub entry: EntryRule,
    /// Wings beyond the body (default `{ points = 50.0 }`).
    pub wing: WingRule,
    /// Pricing and liquidity.
    pub order: OrderRules,
    /// Exits (default 25 % target, 2× stop).
    pub exits: ExitPlan,
}

impl Default for IronButterflyConfig {
    fn default() -> Self {
        IronButterflyConfig {
            entry: EntryRule::default(),
            wing: WingRule::Points(50.0),
            order: OrderRules::default(),
            exits: ExitPlan::default(),
        }
    }
}

impl StructureTemplate for IronButterflyConfig {
    const NAME: &'static str = "iron-butterfly";
    fn entry(&self) -> &EntryRule {
        &self.entry
    }
    fn validate(&self) -> Result<(), StrategyError> {
        check_wing_rule(Self::NAME, "wing", self.wing)?;
        self.exits.validate(Self::NAME)?;
        self.order.validate(Self::NAME)
    }
    fn build(&self, ctx: &OptionContext<'_>, root: OptionRoot) -> Result<OrderIntent, String> {
        let chain = &ctx.chain;
        let expiry = pick_expiry(chain, root, self.entry.dte).ok_or("no live expiry")?;
        let body = chain.atm(root, expiry).ok_or("no ATM strike")?;
        let legs = short_iron(chain, root, expiry, body, body, self.wing)?;
        intent(
            Self::NAME,
            StructureKind::IronButterfly,
            legs.to_vec(),
            0,
            &self.order,
            chain,
            self.exits,
            "iron butterfly",
        )
    }
}

/// Iron butterfly strategy (`iron-butterfly`).
pub type IronButterfly = Scheduled<IronButterflyConfig>;

/// A butterfly of one right (`butterfly`): wings `lower_wing` points below and
/// `upper_wing` points above the body (nearest quoted strikes), `+1/−2/+1` when long,
/// `−1/+2/−1` when short. Unequal wings make it a broken-wing butterfly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ButterflyConfig {
    /// Entry (default SPXW, 7 DTE, 10:00).
    pub entry: EntryRule,
    /// Right (default call).
    pub right: OptionRight,
    /// Long or short (default long).
    pub side: Side,
    /// The body (default `"atm"`).
    pub body: StrikeRule,
    /// Points from the body down to the lower wing (default 25).
    pub lower_wing: f64,
    /// Points from the body up to the upper wing (default 25).
    pub upper_wing: f64,
    /// Pricing and liquidity.
    pub order: OrderRules,
    /// Exits (default: target 25 % of the debit or credit, 2× stop).
    pub exits: ExitPlan,
}

impl Default for ButterflyConfig {
    fn default() -> Self {
        ButterflyConfig {
            entry: EntryRule::with("SPXW", 7),
            right: Call,
            side: Side::Long,
            body: StrikeRule::Atm,
            lower_wing: 25.0,
            upper_wing: 25.0,
            order: OrderRules::default(),
            exits: ExitPlan::default(),
        }
    }
}

impl StructureTemplate for ButterflyConfig {
    const NAME: &'static str = "butterfly";
    fn entry(&self) -> &EntryRule {
        &self.entry
    }
    fn validate(&self) -> Result<(), StrategyError> {
        check_strike_rule(Self::NAME, "body", self.body)?;
        check(
            Self::NAME,
            "lower_wing",
            self.lower_wing,
            self.lower_wing > 0.0,
            "must be > 0",
        )?;
        check(
            Self::NAME,
            "upper_wing",
            self.upper_wing,
            self.upper_wing > 0.0,
            "must be > 0",
        )?;
        self.exits.validate(Self::NAME)?;
        self.order.validate(Self::NAME)
    }
    fn build(&self, ctx: &OptionContext<'_>, root: OptionRoot) -> Result<OrderIntent, String> {
        let chain = &ctx.chain;
        let expiry = pick_expiry(chain, root, self.entry.dte).ok_or("no live expiry")?;
        let body =
            pick_strike(chain, root, expiry, self.right, self.body).ok_or("no body strike")?;
        let lo = chain
            .nearest_strike(root, expiry, self.right, body - self.lower_wing)
            .ok_or("no lower wing")?;
        let hi = chain
            .nearest_strike(root, expiry, self.right, body + self.upper_wing)
            .ok_or("no upper wing")?;
        if !(lo < body && body < hi) {
            return Err(format!("strikes {lo}/{body}/{hi} not increasing"));
        }
        let s = self.side.sign();
        let legs = vec![
            leg(root, expiry, self.right, lo, s),
            leg(root, expiry, self.right, body, -2 * s),
            leg(root, expiry, self.right, hi, s),
        ];
        let kind = self
            .side
            .kind(StructureKind::LongButterfly, StructureKind::ShortButterfly);
        let what = if (body - lo - (hi - body)).abs() > 1e-9 {
            "broken-wing butterfly"
        } else {
            "butterfly"
        };
        intent(
            Self::NAME,
            kind,
            legs,
            0,
            &self.order,
            chain,
            self.exits,
            what,
        )
    }
}

/// Butterfly strategy (`butterfly`).
pub type Butterfly = Scheduled<ButterflyConfig>;

/// A straddle (`straddle`): call and put at the ATM strike, long or short.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StraddleConfig {
    /// Entry (default SPXW, 0 DTE, 10:00).
    pub entry: EntryRule,
    /// Long or short (default short).
    pub side: Side,
    /// Pricing and liquidity.
    pub order: OrderRules,
    /// Exits (default 25 % target, 2× stop).
    pub exits: ExitPlan,
}

impl Default for StraddleConfig {
    fn default() -> Self {
        StraddleConfig {
            entry: EntryRule::default(),
            side: Side::Short,
            order: OrderRules::default(),
            exits: ExitPlan::default(),
        }
    }
}

impl StructureTemplate for StraddleConfig {
    const NAME: &'static str = "straddle";
    fn entry(&self) -> &EntryRule {
        &self.entry
    }
    fn validate(&self) -> Result<(), StrategyError> {
        self.exits.validate(Self::NAME)?;
        self.order.validate(Self::NAME)
    }
    fn build(&self, ctx: &OptionContext<'_>, root: OptionRoot) -> Result<OrderIntent, String> {
        let chain = &ctx.chain;
        let expiry = pick_expiry(chain, root, self.entry.dte).ok_or("no live expiry")?;
        let k = chain.atm(root, expiry).ok_or("no ATM strike")?;
        let s = self.side.sign();
        let legs = vec![leg(root, expiry, Call, k, s), leg(root, expiry, Put, k, s)];
        let kind = self
            .side
            .kind(StructureKind::LongStraddle, StructureKind::ShortStraddle);
        intent(
            Self::NAME,
            kind,
            legs,
            0,
            &self.order,
            chain,
            self.exits,
            "straddle",
        )
    }
}

/// Straddle strategy (`straddle`).
pub type Straddle = Scheduled<StraddleConfig>;

/// A strangle (`strangle`): an OTM put and an OTM call chosen by `strikes`, long or
/// short.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StrangleConfig {
    /// Entry (default SPXW, 0 DTE, 10:00).
    pub entry: EntryRule,
    /// Long or short (default short).
    pub side: Side,
    /// Both strikes (default `{ delta = 0.16 }`, about one standard deviation).
    pub strikes: StrikeRule,
    /// Pricing and liquidity.
    pub order: OrderRules,
    /// Exits (default 25 % target, 2× stop).
    pub exits: ExitPlan,
}

impl Default for StrangleConfig {
    fn default() -> Self {
        StrangleConfig {
            entry: EntryRule::default(),
            side: Side::Short,
            strikes: StrikeRule::Delta(0.16),
            order: OrderRules::default(),
            exits: ExitPlan::default(),
        }
    }
}

impl StructureTemplate for StrangleConfig {
    const NAME: &'static str = "strangle";
    fn entry(&self) -> &EntryRule {
        &self.entry
    }
    fn validate(&self) -> Result<(), StrategyError> {
        check_strike_rule(Self::NAME, "strikes", self.strikes)?;
        self.exits.validate(Self::NAME)?;
        self.order.validate(Self::NAME)
    }
    fn build(&self, ctx: &OptionContext<'_>, root: OptionRoot) -> Result<OrderIntent, String> {
        let chain = &ctx.chain;
        let expiry = pick_expiry(chain, root, self.entry.dte).ok_or("no live expiry")?;
        let (kp, kc) = pick_put_call(chain, root, expiry, self.strikes, self.strikes)?;
        let s = self.side.sign();
        let legs = vec![
            leg(root, expiry, Put, kp, s),
            leg(root, expiry, Call, kc, s),
        ];
        let kind = self
            .side
            .kind(StructureKind::LongStrangle, StructureKind::ShortStrangle);
        intent(
            Self::NAME,
            kind,
            legs,
            0,
            &self.order,
            chain,
            self.exits,
            "strangle",
        )
    }
}

/// Strangle strategy (`strangle`).
pub type Strangle = Scheduled<StrangleConfig>;
