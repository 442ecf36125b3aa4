//! Two-expiry structures entered once a day ([`Scheduled`] templates): calendars,
//! diagonals and the Flyagonal.
//!
//! Expiries are chosen among those quoted: the front expiry nearest `front_dte`
//! calendar days (the [`EntryRule`]'s `dte`), the back expiry nearest `back_dte` among
//! those strictly after the front one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thetalab_core::OptionRight::{self, Call, Put};
use thetalab_core::OptionRoot;

use super::common::{
    EntryRule, OrderRules, Scheduled, Side, StrikeRule, StructureTemplate, check,
    check_strike_rule, intent, leg, pick_expiry, pick_strike,
};
use super::{ChainView, ExitPlan, OptionContext, OrderIntent, StructureKind};
use crate::StrategyError;

/// The quoted expiry of `root` after `front` nearest `dte` days from the snapshot.
fn pick_back(
    chain: &ChainView<'_>,
    root: OptionRoot,
    front: NaiveDate,
    dte: i64,
) -> Option<NaiveDate> {
    let today = chain.now().ny_date();
    chain
        .expiries(Some(root))
        .into_iter()
        .filter(|e| *e > front)
        .min_by_key(|e| ((*e - today).num_days() - dte).abs())
}

/// Front and back expiries.
fn expiries(
    chain: &ChainView<'_>,
    root: OptionRoot,
    front_dte: i64,
    back_dte: i64,
) -> Result<(NaiveDate, NaiveDate), String> {
    let front = pick_expiry(chain, root, front_dte).ok_or("no live front expiry")?;
    let back = pick_back(chain, root, front, back_dte).ok_or("no back expiry")?;
    Ok((front, back))
}

fn check_dtes(name: &str, entry: &EntryRule, back_dte: i64) -> Result<(), StrategyError> {
    check(
        name,
        "back_dte",
        back_dte as f64,
        back_dte > entry.dte,
        "must exceed the front dte",
    )
}

/// A calendar spread (`calendar`): one right and strike, short the front expiry and
/// long the back (a long calendar; `side = "short"` reverses it). The strike is chosen
/// in the front expiry and must be quoted in the back one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarConfig {
    /// Entry; its `dte` is the front expiry's target (default SPXW, 7 DTE, 10:00).
    pub entry: EntryRule,
    /// Back expiry target in calendar days (default 30).
    pub back_dte: i64,
    /// Right (default call).
    pub right: OptionRight,
    /// Strike (default `"atm"`).
    pub strike: StrikeRule,
    /// Long (short front, long back; default) or short.
    pub side: Side,
    /// Pricing and liquidity.
    pub order: OrderRules,
    /// Exits (default: target 25 % of the debit, no useful stop for a debit; time exit
    /// advisable before the front expiry).
    pub exits: ExitPlan,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        CalendarConfig {
            entry: EntryRule::with("SPXW", 7),
            back_dte: 30,
            right: Call,
            strike: StrikeRule::Atm,
            side: Side::Long,
            order: OrderRules::default(),
            exits: ExitPlan::default(),
        }
    }
}

impl StructureTemplate for CalendarConfig {
    const NAME: &'static str = "calendar";
    fn entry(&self) -> &EntryRule {
        &self.entry
    }
    fn validate(&self) -> Result<(), StrategyError> {
        check_dtes(Self::NAME, &self.entry, self.back_dte)?;
        check_strike_rule(Self::NAME, "strike", self.strike)?;
        self.exits.validate(Self::NAME)?;
        self.order.validate(Self::NAME)
    }
    fn build(&self, ctx: &OptionContext<'_>, root: OptionRoot) -> Result<OrderIntent, String> {
        let chain = &ctx.chain;
        let (front, back) = expiries(chain, root, self.entry.dte, self.back_dte)?;
        let k = pick_strike(chain, root, front, self.right, self.strike).ok_or("no strike")?;
        chain
            .find(root, back, self.right, k)
            .ok_or_else(|| format!("{k} not quoted in {back}"))?;
        let s = self.side.sign();
        let legs = vec![
            leg(root, front, self.right, k, -s),
            leg(root, back, self.right, k, s),
        ];
        intent(
            Self::NAME,
            StructureKind::Calendar,
            legs,
            0,
            &self.order,
            chain,
            self.exits,
            "calendar",
        )
    }
}

/// Calendar strategy (`calendar`).
pub type Calendar = Scheduled<CalendarConfig>;

/// A diagonal spread (`diagonal`): short `front` in the front expiry, long `back` in
/// the back expiry, one right. The default is the "poor man's covered call": short a
/// 30Δ call at 7 DTE against a long 70Δ call at 45 DTE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiagonalConfig {
    /// Entry; its `dte` is the front expiry's target (default SPXW, 7 DTE, 10:00).
    pub entry: EntryRule,
    /// Back expiry target in calendar days (default 45).
    pub back_dte: i64,
    /// Right (default call).
    pub right: OptionRight,
    /// The short front strike (default `{ delta = 0.30 }`).
    pub front: StrikeRule,
    /// The long back strike (default `{ delta = 0.70 }`; delta targets above 0.5 pick
    /// in-the-money strikes).
    pub back: StrikeRule,
    /// Pricing and liquidity.
    pub order: OrderRules,
    /// Exits (default 25 % target, 2× stop).
    pub exits: ExitPlan,
}

impl Default for DiagonalConfig {
    fn default() -> Self {
        DiagonalConfig {
            entry: EntryRule::with("SPXW", 7),
            back_dte: 45,
            right: Call,
            front: StrikeRule::Delta(0.30),
            back: StrikeRule::Delta(0.70),
            order: OrderRules::default(),
            exits: ExitPlan::default(),
        }
    }
}

impl StructureTemplate for DiagonalConfig {
    const NAME: &'static str = "diagonal";
    fn entry(&self) -> &EntryRule {
        &self.entry
    }
    fn validate(&self) -> Result<(), StrategyError> {
        check_dtes(Self::NAME, &self.entry, self.back_dte)?;
        check_strike_rule(Self::NAME, "front", self.front)?;
        check_strike_rule(Self::NAME, "back", self.back)?;
        self.exits.validate(Self::NAME)?;
        self.order.validate(Self::NAME)
    }
    fn build(&self, ctx: &OptionContext<'_>, root: OptionRoot) -> Result<OrderIntent, String> {
        let chain = &ctx.chain;
        let (front, back) = expiries(chain, root, self.entry.dte, self.back_dte)?;
        let kf =
            pick_strike(chain, root, front, self.right, self.front).ok_or("no front strike")?;
        let kb = pick_strike(chain, root, back, self.right, self.back).ok_or("no back strike")?;
        let legs = vec![
            leg(root, front, self.right, kf, -1),
            leg(root, back, self.right, kb, 1),
        ];
        intent(
            Self::NAME,
            StructureKind::Diagonal,
            legs,
            0,
            &self.order,
            chain,
            self.exits,
            "diagonal",
        )
    }
}

/// Diagonal strategy (`diagonal`).
pub type Diagonal = Scheduled<DiagonalConfig>;

/// The Flyagonal (`flyagonal`, Steve Guns): a call broken-wing butterfly above the
/// market in the front expiry (`+1/−2/+1` at spot + `call_lower`/`call_middle`/
/// `call_upper` points) plus a put diagonal below it (short put at spot − `put_short`
/// in the front expiry, long put at spot − `put_long` in the back expiry): six
/// contracts in five legs, as [`thetalab_pricing::position::strategies::flyagonal`].
/// Defaults follow the typical SPX entry: front 8 DTE, back 16 DTE, calls at
/// +10/+50/+60, short put −55, long put −70.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlyagonalConfig {
    /// Entry; its `dte` is the front expiry's target (default SPXW, 8 DTE, 10:00).
    pub entry: EntryRule,
    /// Back expiry target in calendar days (default 16).
    pub back_dte: i64,
    /// Lower long call, points above spot (default 10).
    pub call_lower: f64,
    /// The two short calls, points above spot (default 50).
    pub call_middle: f64,
    /// Upper long call, points above spot (default 60).
    pub call_upper: f64,
    /// Short front put, points below spot (default 55).
    pub put_short: f64,
    /// Long back put, points below spot (default 70).
    pub put_long: f64,
    /// Pricing and liquidity.
    pub order: OrderRules,
    /// Exits (default: 25 % target, 2× stop).
    pub exits: ExitPlan,
}

impl Default for FlyagonalConfig {
    fn default() -> Self {
        FlyagonalConfig {
            entry: EntryRule::with("SPXW", 8),
            back_dte: 16,
            call_lower: 10.0,
            call_middle: 50.0,
            call_upper: 60.0,
            put_short: 55.0,
            put_long: 70.0,
            order: OrderRules::default(),
            exits: ExitPlan::default(),
        }
    }
}

impl StructureTemplate for FlyagonalConfig {
    const NAME: &'static str = "flyagonal";
    fn entry(&self) -> &EntryRule {
        &self.entry
    }
    fn validate(&self) -> Result<(), StrategyError> {
        let n = Self::NAME;
        check_dtes(n, &self.entry, self.back_dte)?;
        let ordered = self.call_lower < self.call_middle && self.call_middle < self.call_upper;
        check(
            n,
            "call_middle",
            self.call_middle,
            ordered,
            "need call_lower < call_middle < call_upper",
        )?;
        check(
            n,
            "call_lower",
            self.call_lower,
            self.call_lower > -self.put_short,
            "the butterfly must lie above the short put",
        )?;
        check(
            n,
            "put_long",
            self.put_long,
            self.put_long.is_finite(),
            "must be finite",
        )?;
        self.exits.validate(n)?;
        self.order.validate(n)
    }
    fn build(&self, ctx: &OptionContext<'_>, root: OptionRoot) -> Result<OrderIntent, String> {
        let chain = &ctx.chain;
        let spot = chain.spot().ok_or("no spot")?;
        let (front, back) = expiries(chain, root, self.entry.dte, self.back_dte)?;
        let near = |e: NaiveDate, r: OptionRight, x: f64| {
            chain
                .nearest_strike(root, e, r, x)
                .ok_or_else(|| format!("no strike near {x:.2} in {e}"))
        };
        let c1 = near(front, Call, spot + self.call_lower)?;
        let c2 = near(front, Call, spot + self.call_middle)?;
        let c3 = near(front, Call, spot + self.call_upper)?;
        let ps = near(front, Put, spot - self.put_short)?;
        let pl = near(back, Put, spot - self.put_long)?;
        if !(ps < c1 && c1 < c2 && c2 < c3) {
            return Err(format!("strikes {ps}p {c1}/{c2}/{c3}c not increasing"));
        }
        let legs = vec![
            leg(root, front, Call, c1, 1),
            leg(root, front, Call, c2, -2),
            leg(root, front, Call, c3, 1),
            leg(root, front, Put, ps, -1),
            leg(root, back, Put, pl, 1),
        ];
        intent(
            Self::NAME,
            StructureKind::Flyagonal,
            legs,
            0,
            &self.order,
            chain,
            self.exits,
            "flyagonal",
        )
    }
}

/// Flyagonal strategy (`flyagonal`).
pub type Flyagonal = Scheduled<FlyagonalConfig>;
