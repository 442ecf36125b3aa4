//! The regime selector (`regime-selector`): a wrapper [`OptionStrategy`] that maps each
//! [`Regime`] to the child strategies allowed to open positions in it.
//!
//! At each snapshot the selector reads the regime from its [`RegimeSource`] (by default
//! [`IntelRegime`], the market-intelligence rule of [`OptionContext::intel`]; a fitted
//! model such as `thetalab_ml::regime_source::MixtureRegimeSource` can take its place
//! through [`StrategySelector::with_regime_source`]) and shows the snapshot to (a) every child selected for that regime, whose actions pass
//! through, and (b) every other child that still has open positions, whose `Close`
//! actions pass through and whose `Open` actions are dropped — so a condor opened in a
//! neutral market is still managed after the market turns. Children see only their own
//! positions (those whose `strategy` field is the child's alias).
//!
//! ## Names and events
//! Each child has an *alias* (the key of its table in `strategies`, or the registry
//! name), written into its orders' `strategy` field; the selector claims those names
//! ([`OptionStrategy::owns`]). Events are routed back by order: the engine reports one
//! `Opened` or `NotFilled` per `Open` action, in the order the actions were returned,
//! before the next snapshot; `Closed` events go to the child that opened the position;
//! `SharesDelivered` goes to the child whose position was last closed (by assignment),
//! or to every child when none is known.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::{
    OptionAction, OptionContext, OptionStrategy, PortfolioView, PositionId, Regime, StrategyEvent,
};
use crate::StrategyError;

/// Where a [`StrategySelector`] reads the market's regime at each snapshot.
///
/// A source sees only the snapshot's context (the chain, the underlying up to `now`,
/// the intel readings), so it cannot look ahead. It may keep state between snapshots
/// (e.g. the daily closes it has seen); snapshots come in time order.
pub trait RegimeSource: Send {
    /// A short name, written into the orders' reasons when it is not the intel rule
    /// (`gaussian-mixture`, …).
    fn name(&self) -> &str;
    /// The regime at `ctx.now`, or `None` when the source cannot tell yet (too little
    /// history, a missing price): the selector then uses the intel regime for this
    /// snapshot.
    fn regime(&mut self, ctx: &OptionContext<'_>) -> Option<Regime>;
}

/// The default [`RegimeSource`]: the market-intelligence rule
/// ([`super::intel::IntelConfig::regime`]) on the snapshot's readings.
#[derive(Debug, Clone, Copy, Default)]
pub struct IntelRegime;

impl IntelRegime {
    /// Its name.
    pub const NAME: &'static str = "intel";
}

impl RegimeSource for IntelRegime {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn regime(&mut self, ctx: &OptionContext<'_>) -> Option<Regime> {
        Some(ctx.intel().regime)
    }
}

/// Configuration of [`StrategySelector`]: which children may open positions in each
/// regime, and the children's parameters.
///
/// ```toml
/// neutral = ["iron-condor-0dte"]
/// bullish = ["bull-put"]
/// bearish = ["bear-call"]
/// high_volatility = []
/// [strategies.bull-put]
/// strategy = "vertical"      # registry name; defaults to the key
/// right = "Put"
/// [strategies.iron-condor-0dte]
/// short = { delta = 0.08 }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelectorConfig {
    /// Children allowed to open in a bullish regime (default `["bull-put"]`).
    pub bullish: Vec<String>,
    /// In a bearish regime (default `["bear-call"]`).
    pub bearish: Vec<String>,
    /// In a neutral regime (default `["iron-condor-0dte"]`).
    pub neutral: Vec<String>,
    /// In high volatility (default none: stand aside).
    pub high_volatility: Vec<String>,
    /// Parameters per child alias; a table's `strategy` key names the registry entry
    /// (default: the alias). Defaults: `bull-put` = a credit put vertical, `bear-call` =
    /// a credit call vertical.
    pub strategies: BTreeMap<String, toml::Table>,
}

impl Default for SelectorConfig {
    fn default() -> Self {
        let vertical = |right: &str| {
            let mut t = toml::Table::new();
            t.insert("strategy".into(), toml::Value::String("vertical".into()));
            t.insert("right".into(), toml::Value::String(right.into()));
            t.insert("kind".into(), toml::Value::String("credit".into()));
            t
        };
        SelectorConfig {
            bullish: vec!["bull-put".into()],
            bearish: vec!["bear-call".into()],
            neutral: vec!["iron-condor-0dte".into()],
            high_volatility: Vec::new(),
            strategies: BTreeMap::from([
                ("bull-put".to_string(), vertical("Put")),
                ("bear-call".to_string(), vertical("Call")),
            ]),
        }
    }
}

impl SelectorConfig {
    /// The aliases allowed in `regime`.
    #[must_use]
    pub fn selected(&self, regime: Regime) -> &[String] {
        match regime {
            Regime::Bullish => &self.bullish,
            Regime::Bearish => &self.bearish,
            Regime::Neutral => &self.neutral,
            Regime::HighVolatility => &self.high_volatility,
        }
    }
}

struct Child {
    alias: String,
    inner: Box<dyn OptionStrategy>,
}

/// Routes snapshots to the children selected for the current regime (see the module
/// docs).
pub struct StrategySelector {
    children: Vec<Child>,
    /// Child indices allowed per regime, in [`Regime::ALL`] order.
    routes: [Vec<usize>; 4],
    pending: VecDeque<usize>,
    owner: HashMap<PositionId, usize>,
    last_closed: Option<usize>,
    sub: PortfolioView,
    buf: Vec<OptionAction>,
    source: Box<dyn RegimeSource>,
}

impl std::fmt::Debug for StrategySelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StrategySelector")
            .field(
                "children",
                &self
                    .children
                    .iter()
                    .map(|c| c.alias.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("routes", &self.routes)
            .field("regime_source", &self.source.name())
            .finish_non_exhaustive()
    }
}

impl StrategySelector {
    /// Registry name.
    pub const NAME: &'static str = "regime-selector";

    /// Builds every child named in the regime lists through [`super::by_name`].
    pub fn new(cfg: SelectorConfig) -> Result<Self, StrategyError> {
        let mut aliases: Vec<&String> = Regime::ALL.iter().flat_map(|r| cfg.selected(*r)).collect();
        aliases.sort();
        aliases.dedup();
        let mut children = Vec::with_capacity(aliases.len());
        for alias in aliases {
            let mut params = cfg.strategies.get(alias).cloned().unwrap_or_default();
            let registry = match params.remove("strategy") {
                Some(toml::Value::String(s)) => s,
                Some(other) => {
                    return Err(StrategyError::InvalidConfig {
                        strategy: Self::NAME.to_string(),
                        message: format!(
                            "strategies.{alias}.strategy must be a string, got {other:?}"
                        ),
                    });
                }
                None => alias.clone(),
            };
            if registry == Self::NAME {
                return Err(StrategyError::InvalidConfig {
                    strategy: Self::NAME.to_string(),
                    message: format!("child {alias:?} cannot be a selector"),
                });
            }
            let inner = super::by_name(&registry, &params)?;
            children.push(Child {
                alias: alias.clone(),
                inner,
            });
        }
        for alias in cfg.strategies.keys() {
            if !children.iter().any(|c| &c.alias == alias) {
                return Err(StrategyError::InvalidConfig {
                    strategy: Self::NAME.to_string(),
                    message: format!("strategies.{alias} is not selected in any regime"),
                });
            }
        }
        Ok(Self::from_children(
            children.into_iter().map(|c| (c.alias, c.inner)).collect(),
            &cfg,
        ))
    }

    /// A selector over already-built children `(alias, strategy)`, routed by `cfg`'s
    /// regime lists (its `strategies` tables are ignored). Aliases not in the list
    /// never open; names in the lists with no child are ignored.
    #[must_use]
    pub fn from_children(
        children: Vec<(String, Box<dyn OptionStrategy>)>,
        cfg: &SelectorConfig,
    ) -> Self {
        let children: Vec<Child> = children
            .into_iter()
            .map(|(alias, inner)| Child { alias, inner })
            .collect();
        let routes = Regime::ALL.map(|r| {
            children
                .iter()
                .enumerate()
                .filter(|(_, c)| cfg.selected(r).contains(&c.alias))
                .map(|(i, _)| i)
                .collect()
        });
        StrategySelector {
            children,
            routes,
            pending: VecDeque::new(),
            owner: HashMap::new(),
            last_closed: None,
            sub: PortfolioView::default(),
            buf: Vec::new(),
            source: Box::new(IntelRegime),
        }
    }

    /// Reads the regime from `source` instead of the intel rule (snapshots where it
    /// answers `None` fall back to the intel regime). Orders opened on its answer carry
    /// its name in their reason: `bullish (gaussian-mixture): …`.
    #[must_use]
    pub fn with_regime_source(mut self, source: Box<dyn RegimeSource>) -> Self {
        self.source = source;
        self
    }

    /// The name of the regime source in use.
    #[must_use]
    pub fn regime_source(&self) -> &str {
        self.source.name()
    }

    /// The children's aliases.
    pub fn aliases(&self) -> impl Iterator<Item = &str> {
        self.children.iter().map(|c| c.alias.as_str())
    }
}

impl OptionStrategy for StrategySelector {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn owns(&self, strategy: &str) -> bool {
        strategy == Self::NAME || self.children.iter().any(|c| c.alias == strategy)
    }

    fn on_snapshot(&mut self, ctx: &OptionContext<'_>, out: &mut Vec<OptionAction>) {
        self.pending.clear();
        // The source's answer, or the intel rule's when it has none.
        let (regime, from_source) = match self.source.regime(ctx) {
            Some(r) => (r, self.source.name() != IntelRegime::NAME),
            None => (ctx.intel().regime, false),
        };
        let slot = Regime::ALL.iter().position(|r| *r == regime).unwrap_or(0);
        for i in 0..self.children.len() {
            let selected = self.routes[slot].contains(&i);
            let alias = &self.children[i].alias;
            self.sub.positions.clear();
            self.sub.positions.extend(
                ctx.portfolio
                    .positions
                    .iter()
                    .filter(|p| &p.strategy == alias)
                    .cloned(),
            );
            if !selected && self.sub.positions.is_empty() {
                continue;
            }
            let p = ctx.portfolio;
            self.sub.equity = p.equity;
            self.sub.cash = p.cash;
            self.sub.buying_power_used = p.buying_power_used;
            self.sub.day_pnl = p.day_pnl;
            self.sub.open_positions_total = p.open_positions_total;
            let sub_ctx = OptionContext {
                now: ctx.now,
                chain: ctx.chain,
                underlying: ctx.underlying,
                intel: ctx.intel,
                portfolio: &self.sub,
                calendar: ctx.calendar,
            };
            self.buf.clear();
            self.children[i].inner.on_snapshot(&sub_ctx, &mut self.buf);
            for a in self.buf.drain(..) {
                match a {
                    OptionAction::Open(mut o) => {
                        if selected {
                            o.strategy.clone_from(&self.children[i].alias);
                            o.reason = if from_source {
                                format!("{regime} ({}): {}", self.source.name(), o.reason)
                            } else {
                                format!("{regime}: {}", o.reason)
                            };
                            self.pending.push_back(i);
                            out.push(OptionAction::Open(o));
                        }
                    }
                    close @ OptionAction::Close { .. } => out.push(close),
                }
            }
        }
    }

    fn on_event(&mut self, event: &StrategyEvent) {
        match event {
            StrategyEvent::Opened { position, .. } => {
                if let Some(i) = self.pending.pop_front() {
                    self.owner.insert(*position, i);
                    self.children[i].inner.on_event(event);
                }
            }
            StrategyEvent::NotFilled { .. } => {
                if let Some(i) = self.pending.pop_front() {
                    self.children[i].inner.on_event(event);
                }
            }
            StrategyEvent::Closed { position, .. } => {
                if let Some(i) = self.owner.remove(position) {
                    self.last_closed = Some(i);
                    self.children[i].inner.on_event(event);
                }
            }
            StrategyEvent::SharesDelivered { .. } => match self.last_closed {
                Some(i) => self.children[i].inner.on_event(event),
                None => {
                    for c in &mut self.children {
                        c.inner.on_event(event);
                    }
                }
            },
        }
    }
}
