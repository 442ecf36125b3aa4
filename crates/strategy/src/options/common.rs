//! Building blocks the options strategies share: entry timing ([`EntryWindows`]),
//! strike selection ([`StrikeRule`], [`WingRule`]), expiry selection, order pricing and
//! liquidity filters ([`OrderRules`]), and exit management.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use thetalab_core::{OptionRight, OptionRoot, Timestamp};

use super::chain::nearest;
use super::{ChainView, LegSpec, OptionAction, OptionContext, StructureKind};
use crate::StrategyError;

/// The wall-clock time `h:m:00` (for defaults; midnight if out of range).
pub(crate) fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

/// Once-per-day entry windows: a window `w` is *due* at the first snapshot of a session
/// whose New York time is at or after `w` and at most `grace_minutes` later (so a data
/// gap does not turn a 10:00 entry into a 15:50 one). Each window fires at most once
/// per day, whether or not an order follows (filters may reject it; a non-marketable
/// limit is not retried). When several windows became due since the previous snapshot,
/// one entry is made, for the latest; the earlier ones are spent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntryWindows {
    day: Option<NaiveDate>,
    used: Vec<bool>,
}

impl EntryWindows {
    /// A tracker with no window used.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of the window due at `now` (and marks it, and every earlier window of
    /// the day, used); `None` when none is due.
    pub fn due(
        &mut self,
        windows: &[NaiveTime],
        grace_minutes: u32,
        now: Timestamp,
    ) -> Option<usize> {
        let (date, time) = (now.ny_date(), now.ny_time());
        if self.day != Some(date) || self.used.len() != windows.len() {
            self.day = Some(date);
            self.used = vec![false; windows.len()];
        }
        let grace = chrono::Duration::minutes(i64::from(grace_minutes));
        let mut fired = None;
        for (i, w) in windows.iter().enumerate() {
            if *w <= time && !self.used[i] {
                self.used[i] = true;
                if time - *w <= grace {
                    fired = Some(i);
                }
            }
        }
        fired
    }
}

/// How a short (or body) strike is chosen, on the out-of-the-money side of its right
/// (below the spot for puts, above for calls). Serialized as a one-key table:
/// `{ delta = 0.10 }`, `{ points = 50.0 }`, `{ expected_move = 1.0 }`, or `"atm"`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrikeRule {
    /// The strike whose |BSM delta| is nearest this target (0.10 = a 10Δ option).
    Delta(f64),
    /// The quoted strike nearest `spot ∓ points` (negative: in the money).
    Points(f64),
    /// The quoted strike nearest `spot ∓ k × ATM straddle mid` (the expected move).
    ExpectedMove(f64),
    /// The at-the-money strike ([`ChainView::atm`]).
    Atm,
}

/// How a long wing is placed beyond its short strike (further out of the money).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WingRule {
    /// The quoted strike nearest `short ∓ points`, strictly beyond the short.
    Points(f64),
    /// The strike with |delta| nearest this target, strictly beyond the short.
    Delta(f64),
}

/// Picks the strike of `right` in `root`'s `expiry` under `rule`.
#[must_use]
pub fn pick_strike(
    chain: &ChainView<'_>,
    root: OptionRoot,
    expiry: NaiveDate,
    right: OptionRight,
    rule: StrikeRule,
) -> Option<f64> {
    let dir = right.sign(); // + for calls (OTM above), − for puts
    match rule {
        StrikeRule::Delta(d) => chain
            .by_delta(root, expiry, right, d)
            .and_then(|i| chain.strike(i)),
        StrikeRule::Points(p) => {
            let s = chain.spot()?;
            chain.nearest_strike(root, expiry, right, s + dir * p)
        }
        StrikeRule::ExpectedMove(k) => {
            let s = chain.spot()?;
            let em = chain.straddle_mid(root, expiry)?;
            chain.nearest_strike(root, expiry, right, s + dir * k * em)
        }
        StrikeRule::Atm => {
            let k = chain.atm(root, expiry)?;
            chain.find(root, expiry, right, k).map(|_| k)
        }
    }
}

/// Picks the long wing of `right` beyond `short` (above for calls, below for puts):
/// [`WingRule::Points`] is the quoted strike nearest `short ∓ points` (ties to the one
/// nearer the short), [`WingRule::Delta`] is [`ChainView::by_delta`] restricted to the
/// strikes beyond the short.
#[must_use]
pub fn pick_wing(
    chain: &ChainView<'_>,
    root: OptionRoot,
    expiry: NaiveDate,
    right: OptionRight,
    short: f64,
    rule: WingRule,
) -> Option<f64> {
    let dir = right.sign();
    let beyond = |k: f64| dir * (k - short) > 0.0;
    match rule {
        WingRule::Points(p) => nearest(
            chain.strikes(root, expiry, right).filter(|k| beyond(*k)),
            short + dir * p,
            right == OptionRight::Call,
        ),
        WingRule::Delta(d) => chain
            .by_delta_where(root, expiry, right, d, beyond)
            .and_then(|i| chain.strike(i)),
    }
}

/// A put strike by `put` and a call strike by `call` in one expiry, the put strictly
/// below the call (a strangle's, a collar's, a condor's short strikes).
pub fn pick_put_call(
    chain: &ChainView<'_>,
    root: OptionRoot,
    expiry: NaiveDate,
    put: StrikeRule,
    call: StrikeRule,
) -> Result<(f64, f64), String> {
    let kp = pick_strike(chain, root, expiry, OptionRight::Put, put).ok_or("no put strike")?;
    let kc = pick_strike(chain, root, expiry, OptionRight::Call, call).ok_or("no call strike")?;
    if kp >= kc {
        return Err(format!("put {kp} not below call {kc}"));
    }
    Ok((kp, kc))
}

/// The four legs of a short iron structure on `expiry`: short put `sp` and short call
/// `sc` (equal for an iron butterfly), each with a long wing beyond it by `wing`.
/// Returns the legs `[+lp, −sp, −sc, +lc]`.
pub fn short_iron(
    chain: &ChainView<'_>,
    root: OptionRoot,
    expiry: NaiveDate,
    sp: f64,
    sc: f64,
    wing: WingRule,
) -> Result<[LegSpec; 4], String> {
    let (put, call) = (OptionRight::Put, OptionRight::Call);
    let lp = pick_wing(chain, root, expiry, put, sp, wing).ok_or("no put wing")?;
    let lc = pick_wing(chain, root, expiry, call, sc, wing).ok_or("no call wing")?;
    Ok([
        leg(root, expiry, put, lp, 1),
        leg(root, expiry, put, sp, -1),
        leg(root, expiry, call, sc, -1),
        leg(root, expiry, call, lc, 1),
    ])
}

/// The quoted expiry of `root` closest to `dte` calendar days from the snapshot's date
/// (0 = today's, for 0DTE), among expiries that have not settled
/// ([`ChainView::expiry_nearest_dte`]).
#[must_use]
pub fn pick_expiry(chain: &ChainView<'_>, root: OptionRoot, dte: i64) -> Option<NaiveDate> {
    chain.expiry_nearest_dte(root, dte)
}

/// How an opening order is priced and which quotes are good enough to trade.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderRules {
    /// Limit at `mid + f × (natural − mid)` of the whole structure: 0 = the net mid,
    /// 1 = the natural price (every leg at the touch; the default, so that the order is
    /// marketable under the replay engine's default natural fills — a mid limit there
    /// would never fill, and assuming mid fills would flatter the strategy); `None` = a
    /// market order. The engine decides fills.
    pub limit_fraction: Option<f64>,
    /// Maximum bid-ask width of any leg in points (default `None`: no limit).
    pub max_leg_spread: Option<f64>,
    /// Maximum bid-ask width of any leg relative to its mid (default `None`).
    pub max_leg_rel_spread: Option<f64>,
    /// Minimum bid of every leg (default 0: any bid above zero). A leg bid at zero is
    /// always refused: the replay engine does not fill on a zero quote, and it marks
    /// badly.
    pub min_bid: f64,
}

impl Default for OrderRules {
    fn default() -> Self {
        OrderRules {
            limit_fraction: Some(1.0),
            max_leg_spread: None,
            max_leg_rel_spread: None,
            min_bid: 0.0,
        }
    }
}

/// A priced structure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Priced {
    /// Net mid per unit (debit positive, credit negative).
    pub mid: f64,
    /// Net natural price to open (longs at the ask, shorts at the bid).
    pub natural: f64,
    /// The order's limit (`None` = market).
    pub limit: Option<f64>,
}

impl OrderRules {
    /// Checks the parameters.
    pub fn validate(&self, strategy: &str) -> Result<(), StrategyError> {
        if let Some(f) = self.limit_fraction {
            check(
                strategy,
                "limit_fraction",
                f,
                (0.0..=1.0).contains(&f),
                "must be in [0, 1]",
            )?;
        }
        if let Some(w) = self.max_leg_spread {
            check(strategy, "max_leg_spread", w, w > 0.0, "must be > 0")?;
        }
        if let Some(w) = self.max_leg_rel_spread {
            check(strategy, "max_leg_rel_spread", w, w > 0.0, "must be > 0")?;
        }
        check(
            strategy,
            "min_bid",
            self.min_bid,
            self.min_bid >= 0.0,
            "must be ≥ 0",
        )
    }

    /// Prices `legs` on `chain` (option legs only) and applies the liquidity filters;
    /// `Err` says which filter failed.
    pub fn price(&self, chain: &ChainView<'_>, legs: &[LegSpec]) -> Result<Priced, String> {
        for leg in legs {
            let Some((b, a)) = chain.leg_quote(leg) else {
                return Err(format!("no two-sided quote for {}", leg_label(leg)));
            };
            if b <= 0.0 || b < self.min_bid {
                return Err(format!(
                    "bid {b} not above zero or below {} on {}",
                    self.min_bid,
                    leg_label(leg)
                ));
            }
            if self.max_leg_spread.is_some_and(|w| a - b > w) {
                return Err(format!(
                    "spread {:.2} too wide on {}",
                    a - b,
                    leg_label(leg)
                ));
            }
            let m = 0.5 * (a + b);
            if self
                .max_leg_rel_spread
                .is_some_and(|w| m <= 0.0 || (a - b) / m > w)
            {
                return Err(format!("relative spread too wide on {}", leg_label(leg)));
            }
        }
        let (_, mid, natural) = chain
            .net_quote(legs)
            .ok_or_else(|| "a leg has no quote".to_string())?;
        let limit = self.limit_fraction.map(|f| mid + f * (natural - mid));
        Ok(Priced {
            mid,
            natural,
            limit,
        })
    }
}

/// `SPXW 2024-01-02 4700P`.
#[must_use]
pub fn leg_label(leg: &LegSpec) -> String {
    format!(
        "{} {} {}{}",
        leg.root,
        leg.expiry,
        leg.strike,
        match leg.right {
            OptionRight::Call => 'C',
            OptionRight::Put => 'P',
        }
    )
}

/// A leg.
#[must_use]
pub fn leg(
    root: OptionRoot,
    expiry: NaiveDate,
    right: OptionRight,
    strike: f64,
    ratio: i32,
) -> LegSpec {
    LegSpec {
        root,
        expiry,
        strike,
        right,
        ratio,
    }
}

/// Appends a `Close` for every position whose exit plan fires at `now`.
pub fn manage_exits(ctx: &OptionContext<'_>, out: &mut Vec<OptionAction>) {
    for p in &ctx.portfolio.positions {
        if let Some(reason) = p.exits.check(p, ctx.now) {
            out.push(OptionAction::Close {
                position: p.id,
                reason,
                limit: None,
            });
        }
    }
}

/// Parses an option root from a config value.
pub fn parse_root(strategy: &str, root: &str) -> Result<OptionRoot, StrategyError> {
    OptionRoot::new(root).map_err(|e| StrategyError::InvalidConfig {
        strategy: strategy.to_string(),
        message: format!("root {root:?}: {e}"),
    })
}

/// `Ok` when `ok`, else an [`StrategyError::InvalidParam`].
pub fn check(
    strategy: &str,
    param: &str,
    value: f64,
    ok: bool,
    reason: &str,
) -> Result<(), StrategyError> {
    if ok && value.is_finite() {
        Ok(())
    } else {
        Err(StrategyError::InvalidParam {
            strategy: strategy.to_string(),
            param: param.to_string(),
            value,
            reason: reason.to_string(),
        })
    }
}

/// Checks a strike rule's number.
pub fn check_strike_rule(strategy: &str, param: &str, r: StrikeRule) -> Result<(), StrategyError> {
    match r {
        StrikeRule::Delta(d) => check(
            strategy,
            param,
            d,
            d > 0.0 && d < 1.0,
            "delta must be in (0, 1)",
        ),
        StrikeRule::Points(p) => check(strategy, param, p, true, "must be finite"),
        StrikeRule::ExpectedMove(k) => check(strategy, param, k, k >= 0.0, "must be ≥ 0"),
        StrikeRule::Atm => Ok(()),
    }
}

/// Checks a wing rule's number.
pub fn check_wing_rule(strategy: &str, param: &str, r: WingRule) -> Result<(), StrategyError> {
    match r {
        WingRule::Delta(d) => check(
            strategy,
            param,
            d,
            d > 0.0 && d < 1.0,
            "delta must be in (0, 1)",
        ),
        WingRule::Points(p) => check(strategy, param, p, p > 0.0, "must be > 0"),
    }
}

/// When a once-a-day structure is entered: at the first snapshot at or after `time`
/// (within `grace_minutes`), on `root`'s expiry nearest `dte` calendar days, while
/// fewer than `max_open` positions are open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EntryRule {
    /// Option root (default `SPXW`).
    pub root: String,
    /// Target calendar days to expiry (default 0).
    pub dte: i64,
    /// Entry time, New York (default 10:00).
    pub time: NaiveTime,
    /// How late after `time` the entry may still happen (default 15 minutes).
    pub grace_minutes: u32,
    /// Maximum open positions of the strategy (default 1).
    pub max_open: usize,
}

impl Default for EntryRule {
    fn default() -> Self {
        EntryRule {
            root: "SPXW".to_string(),
            dte: 0,
            time: hm(10, 0),
            grace_minutes: 15,
            max_open: 1,
        }
    }
}

impl EntryRule {
    /// The default rule with another root and DTE.
    #[must_use]
    pub fn with(root: &str, dte: i64) -> Self {
        EntryRule {
            root: root.to_string(),
            dte,
            ..EntryRule::default()
        }
    }

    /// Checks the rule.
    pub fn validate(&self, strategy: &str) -> Result<OptionRoot, StrategyError> {
        check(
            strategy,
            "dte",
            self.dte as f64,
            self.dte >= 0,
            "must be ≥ 0",
        )?;
        let m = self.max_open as f64;
        check(strategy, "max_open", m, self.max_open >= 1, "must be ≥ 1")?;
        parse_root(strategy, &self.root)
    }
}

/// A structure opened once a day by an [`EntryRule`]: the configuration types of the
/// simple strategies implement it and [`Scheduled`] runs them.
pub trait StructureTemplate: Clone + Send + 'static {
    /// Registry name.
    const NAME: &'static str;
    /// The entry rule.
    fn entry(&self) -> &EntryRule;
    /// Checks the parameters beyond the entry rule.
    fn validate(&self) -> Result<(), StrategyError>;
    /// The order at this snapshot, or why none.
    fn build(
        &self,
        ctx: &OptionContext<'_>,
        root: OptionRoot,
    ) -> Result<super::OrderIntent, String>;
}

/// Runs a [`StructureTemplate`]: exits every snapshot, one entry attempt a day.
#[derive(Debug, Clone)]
pub struct Scheduled<T: StructureTemplate> {
    cfg: T,
    root: OptionRoot,
    windows: EntryWindows,
    last_skip: Option<String>,
}

impl<T: StructureTemplate> Scheduled<T> {
    /// Checks the configuration.
    pub fn new(cfg: T) -> Result<Self, StrategyError> {
        let root = cfg.entry().validate(T::NAME)?;
        cfg.validate()?;
        Ok(Scheduled {
            cfg,
            root,
            windows: EntryWindows::new(),
            last_skip: None,
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &T {
        &self.cfg
    }

    /// Why the last entry attempt produced no order, if it did not.
    #[must_use]
    pub fn last_skip(&self) -> Option<&str> {
        self.last_skip.as_deref()
    }
}

impl<T: StructureTemplate> super::OptionStrategy for Scheduled<T> {
    fn name(&self) -> &str {
        T::NAME
    }

    fn on_snapshot(&mut self, ctx: &OptionContext<'_>, out: &mut Vec<OptionAction>) {
        manage_exits(ctx, out);
        let e = self.cfg.entry();
        if self
            .windows
            .due(&[e.time], e.grace_minutes, ctx.now)
            .is_none()
        {
            return;
        }
        let open = ctx
            .portfolio
            .positions
            .iter()
            .filter(|p| !p.legs.is_empty())
            .count();
        if open >= e.max_open {
            self.last_skip = Some(format!("{open} positions open"));
            return;
        }
        match self.cfg.build(ctx, self.root) {
            Ok(intent) => {
                self.last_skip = None;
                out.push(OptionAction::Open(intent));
            }
            Err(why) => self.last_skip = Some(why),
        }
    }
}

/// Long or short a structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Bought.
    Long,
    /// Sold.
    Short,
}

impl Side {
    /// +1 long, −1 short.
    #[must_use]
    pub const fn sign(self) -> i32 {
        match self {
            Side::Long => 1,
            Side::Short => -1,
        }
    }

    /// `long` or `short`, by side.
    #[must_use]
    pub const fn kind(self, long: StructureKind, short: StructureKind) -> StructureKind {
        match self {
            Side::Long => long,
            Side::Short => short,
        }
    }
}

/// Shares per standard equity option contract: the divisor that turns a stock leg's
/// `shares × price` into option points (see the sign conventions of [`super`]).
pub const SHARES_PER_CONTRACT: f64 = 100.0;

/// An [`super::OrderIntent`] for `legs` (plus `shares` of the underlying per unit,
/// valued at the snapshot's spot in the net price and the limit) priced by `rules`.
#[allow(clippy::too_many_arguments)]
pub fn intent(
    name: &str,
    kind: super::StructureKind,
    legs: Vec<LegSpec>,
    shares: i64,
    rules: &OrderRules,
    chain: &ChainView<'_>,
    exits: super::ExitPlan,
    what: &str,
) -> Result<super::OrderIntent, String> {
    let mut priced = rules.price(chain, &legs)?;
    if shares != 0 {
        let spot = chain
            .spot()
            .ok_or("no underlying price for the stock leg")?;
        let stock = shares as f64 * spot / SHARES_PER_CONTRACT;
        priced.mid += stock;
        priced.natural += stock;
        priced.limit = priced.limit.map(|l| l + stock);
    }
    let labels: Vec<String> = legs
        .iter()
        .map(|l| format!("{:+} {}", l.ratio, leg_label(l)))
        .collect();
    Ok(super::OrderIntent {
        strategy: name.to_string(),
        kind,
        legs,
        shares,
        units: None,
        limit: priced.limit,
        exits,
        reason: format!(
            "{what}: {}{} at mid {:.2}",
            labels.join(", "),
            if shares != 0 {
                format!(", {shares:+} shares")
            } else {
                String::new()
            },
            priced.mid
        ),
    })
}
