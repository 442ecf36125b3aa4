//! The 0DTE iron condor program (`iron-condor-0dte`): at each entry window, sell an iron
//! condor on the expiry settling today — short strikes by target delta or by the
//! expected move, long wings by points or delta — if the credit and the quotes pass the
//! filters; manage open condors with their [`ExitPlan`].

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use super::common::{
    EntryWindows, OrderRules, StrikeRule, WingRule, check, check_strike_rule, check_wing_rule, hm,
    manage_exits, parse_root, pick_expiry, pick_put_call, short_iron,
};
use super::{ExitPlan, OptionAction, OptionContext, OptionStrategy, OrderIntent, StructureKind};
use crate::StrategyError;

/// Configuration of [`IronCondor0Dte`]; every field has a default (TOML keys as named).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IronCondorConfig {
    /// Option root (default `SPXW`: PM-settled dailies).
    pub root: String,
    /// Days to expiry of the expiry traded (default 0: the one settling today; the
    /// nearest quoted expiry to this many calendar days otherwise).
    pub dte: i64,
    /// Short strikes (default `{ delta = 0.10 }`, the 10Δ shorts typical of 0DTE
    /// condor programs; `{ expected_move = 1.0 }` places them one ATM straddle away).
    pub short: StrikeRule,
    /// Long wings beyond the shorts (default `{ points = 25.0 }`, 25 SPX points).
    pub wing: WingRule,
    /// Entry windows, New York time (default 10:00, 11:30, 13:00, 14:30).
    pub windows: Vec<NaiveTime>,
    /// A window is taken at the first snapshot at most this many minutes after it
    /// (default 15).
    pub window_grace_minutes: u32,
    /// Minimum credit in points at the limit price (default 0.30).
    pub min_credit: f64,
    /// Minimum credit / wider wing width (default 0: off; 0.05 asks 1.25 of credit
    /// on 25-point wings).
    pub min_credit_to_width: f64,
    /// Maximum condors open at once (default 4, one per window).
    pub max_open: usize,
    /// Pricing and liquidity filters.
    pub order: OrderRules,
    /// Exit plan (default: target 25 % of credit, stop at a loss of 2× credit, no time
    /// exit; set `hold_to_settlement = true` to hold).
    pub exits: ExitPlan,
}

impl Default for IronCondorConfig {
    fn default() -> Self {
        IronCondorConfig {
            root: "SPXW".to_string(),
            dte: 0,
            short: StrikeRule::Delta(0.10),
            wing: WingRule::Points(25.0),
            windows: vec![hm(10, 0), hm(11, 30), hm(13, 0), hm(14, 30)],
            window_grace_minutes: 15,
            min_credit: 0.30,
            min_credit_to_width: 0.0,
            max_open: 4,
            order: OrderRules::default(),
            exits: ExitPlan::default(),
        }
    }
}

/// The 0DTE iron condor (see the module docs and [`IronCondorConfig`]).
#[derive(Debug, Clone)]
pub struct IronCondor0Dte {
    cfg: IronCondorConfig,
    root: thetalab_core::OptionRoot,
    windows: EntryWindows,
    last_skip: Option<String>,
}

impl IronCondor0Dte {
    /// Registry name.
    pub const NAME: &'static str = "iron-condor-0dte";

    /// Checks the configuration.
    pub fn new(cfg: IronCondorConfig) -> Result<Self, StrategyError> {
        let n = Self::NAME;
        let root = parse_root(n, &cfg.root)?;
        check_strike_rule(n, "short", cfg.short)?;
        check_wing_rule(n, "wing", cfg.wing)?;
        check(n, "dte", cfg.dte as f64, cfg.dte >= 0, "must be ≥ 0")?;
        check(
            n,
            "min_credit",
            cfg.min_credit,
            cfg.min_credit >= 0.0,
            "must be ≥ 0",
        )?;
        check(
            n,
            "min_credit_to_width",
            cfg.min_credit_to_width,
            (0.0..1.0).contains(&cfg.min_credit_to_width),
            "must be in [0, 1)",
        )?;
        cfg.exits.validate(n)?;
        cfg.order.validate(n)?;
        Ok(IronCondor0Dte {
            cfg,
            root,
            windows: EntryWindows::new(),
            last_skip: None,
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &IronCondorConfig {
        &self.cfg
    }

    /// Why the last due window produced no order (a filter, a missing quote), if it
    /// did not.
    #[must_use]
    pub fn last_skip(&self) -> Option<&str> {
        self.last_skip.as_deref()
    }

    /// The condor order at this snapshot for window `w`, or why not.
    fn build(&self, ctx: &OptionContext<'_>, w: usize) -> Result<OrderIntent, String> {
        let (chain, root, c) = (&ctx.chain, self.root, &self.cfg);
        let expiry = pick_expiry(chain, root, c.dte).ok_or("no live expiry")?;
        if c.dte == 0 && expiry != ctx.now.ny_date() {
            return Err(format!("no expiry today (nearest {expiry})"));
        }
        let (sp, sc) = pick_put_call(chain, root, expiry, c.short, c.short)
            .map_err(|e| format!("short strikes: {e}"))?;
        let legs = short_iron(chain, root, expiry, sp, sc, c.wing)?;
        let (lp, lc) = (legs[0].strike, legs[3].strike);
        let legs = legs.to_vec();
        let priced = c.order.price(chain, &legs)?;
        let credit = -priced.limit.unwrap_or(priced.mid);
        let width = (sp - lp).max(lc - sc);
        if credit < c.min_credit {
            return Err(format!("credit {credit:.2} below {:.2}", c.min_credit));
        }
        if credit < c.min_credit_to_width * width {
            return Err(format!(
                "credit/width {:.3} below {:.3}",
                credit / width,
                c.min_credit_to_width
            ));
        }
        let window = c
            .windows
            .get(w)
            .map(|t| t.format("%H:%M").to_string())
            .unwrap_or_default();
        Ok(OrderIntent {
            strategy: Self::NAME.to_string(),
            kind: StructureKind::IronCondor,
            legs,
            shares: 0,
            units: None,
            limit: priced.limit,
            exits: c.exits,
            reason: format!(
                "{window} window, {lp}/{sp}p {sc}/{lc}c, credit {credit:.2} (mid {:.2})",
                -priced.mid
            ),
        })
    }
}

impl OptionStrategy for IronCondor0Dte {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn on_snapshot(&mut self, ctx: &OptionContext<'_>, out: &mut Vec<OptionAction>) {
        manage_exits(ctx, out);
        let Some(w) = self
            .windows
            .due(&self.cfg.windows, self.cfg.window_grace_minutes, ctx.now)
        else {
            return;
        };
        if ctx.portfolio.positions.len() >= self.cfg.max_open {
            self.last_skip = Some(format!("{} condors open", ctx.portfolio.positions.len()));
            return;
        }
        match self.build(ctx, w) {
            Ok(intent) => {
                self.last_skip = None;
                out.push(OptionAction::Open(intent));
            }
            Err(why) => self.last_skip = Some(why),
        }
    }
}
