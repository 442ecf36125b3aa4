//! The options report: what the replay engine's
//! [`ReplayResult`](thetalab_backtest::options::ReplayResult) becomes on screen and on disk.
//!
//! [`OptionsReport::from_replay`] turns a result into
//!
//! * a [`ReportInput`] with **one point per session** (the equity at the day's last
//!   snapshot, the daily returns against the previous day or the initial cash) and the
//!   metrics computed by [`thetalab_backtest::metrics`] on those daily returns (252 per
//!   year, risk-free 0: total return, CAGR, volatility, Sharpe, Sortino, Calmar, max
//!   drawdown, VaR/CVaR) and on the closed trades (win rate, profit factor, average P&L),
//!   plus the options figures (average credit, fees, settled / stopped / target counts);
//! * breakdowns per strategy, per regime at entry and per exit reason;
//! * up to five representative trades (best, worst, median, one stopped, one settled)
//!   with their payoff curves ([`payoff`]).
//!
//! [`render_options_html`] draws the page (the bar report's sections plus the options
//! sections, [`charts`]), and [`write_options_report`] writes `report.html`,
//! `summary.json`, `trades.csv` ([`trades_csv`] lists the columns), `daily.csv`,
//! `breakdown.csv` and `equity.parquet` into a folder. `docs/options-backtest.md`
//! describes every file.

pub mod charts;
mod files;
mod html;
pub mod payoff;
pub mod trades_csv;

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use thetalab_backtest::metrics::{Metrics, MetricsConfig, TradeRecord, monthly_returns};
use thetalab_backtest::options::{OptionTrade, ReplayResult};
use thetalab_core::Timestamp;
use thetalab_data::calendar::{NyseCalendar, Settlement};
use thetalab_strategy::options::{OptionExitReason, StructureKind};

use crate::{Metric, ReportError, ReportInput, Unit};

pub use files::{OptionsReportFiles, write_options_report};
pub use html::render_options_html;
pub use payoff::{PayoffCurve, PayoffInput, PayoffLeg, payoff_chart, payoff_curve};

/// Run metadata the engine does not know: names and where the chains came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OptionsRunInfo {
    /// The report's title, e.g. `"0DTE iron condor on SPX (synthetic)"`.
    pub title: String,
    /// The run's name (the folder name under `reports/`).
    pub run_name: String,
    /// The strategy's name (`iron-condor-0dte`).
    pub strategy: String,
    /// Parameters to show, `(name, value)` in order (strategy and engine settings).
    pub params: Vec<(String, String)>,
    /// Where the chains came from, e.g. `"synthetic market, seed 7"` or `"store data/store"`.
    pub source: String,
}

/// Aggregates of one group of closed trades (a strategy, a regime, an exit reason).
#[derive(Debug, Clone, PartialEq)]
pub struct BreakdownRow {
    /// `strategy`, `regime` or `exit_reason`.
    pub dimension: &'static str,
    /// The group's key, e.g. `iron-condor-0dte`, `neutral`, `profit_target`.
    pub key: String,
    /// Closed trades.
    pub trades: u32,
    /// Trades with P&L > 0.
    pub wins: u32,
    /// `wins / trades`.
    pub win_rate: f64,
    /// Σ P&L, dollars, fees included.
    pub pnl: f64,
    /// `pnl / trades`.
    pub avg_pnl: f64,
    /// Σ fees, dollars.
    pub fees: f64,
    /// Σ winners / |Σ losers| (`None` without a loser).
    pub profit_factor: Option<f64>,
}

/// Why a trade was picked as representative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Highest P&L.
    Best,
    /// Lowest P&L.
    Worst,
    /// The median P&L (lower median).
    Median,
    /// A stopped trade (the median P&L among the stopped ones).
    Stopped,
    /// A settled trade (the median P&L among the settled ones).
    Settled,
}

impl Pick {
    /// Lower-case label.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Pick::Best => "best",
            Pick::Worst => "worst",
            Pick::Median => "median",
            Pick::Stopped => "stopped",
            Pick::Settled => "settled",
        }
    }
}

/// A representative trade with its payoff input and curves.
#[derive(Debug, Clone, PartialEq)]
pub struct Representative {
    /// Why it was picked (several reasons when one trade is, e.g., the worst and the
    /// stopped one).
    pub picks: Vec<Pick>,
    /// Index into [`ReplayResult::trades`].
    pub trade: usize,
    /// The payoff input built from the trade.
    pub input: PayoffInput,
    /// The curves (`None` with the reason when they cannot be computed).
    pub curve: Result<PayoffCurve, String>,
}

/// Everything the options report shows, computed once from a [`ReplayResult`].
#[derive(Debug, Clone)]
pub struct OptionsReport<'a> {
    /// The engine's result.
    pub result: &'a ReplayResult,
    /// Daily equity, returns, metrics, monthly returns, title and parameters.
    pub input: ReportInput,
    /// Per strategy, per regime at entry, per exit reason (in that order).
    pub breakdowns: Vec<BreakdownRow>,
    /// Best, worst, median, stopped, settled (each trade once).
    pub representatives: Vec<Representative>,
    /// Where the chains came from.
    pub source: String,
}

/// `CamelCase` → `kebab-case` (`IronCondor` → `iron-condor`).
#[must_use]
pub fn kind_label(kind: StructureKind) -> String {
    let s = format!("{kind:?}");
    let mut out = String::with_capacity(s.len() + 4);
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `profit target` → `profit_target` (the trade log's and breakdowns' key).
#[must_use]
pub fn reason_label(reason: OptionExitReason) -> String {
    reason.to_string().replace(' ', "_")
}

/// The regime label at entry, `unknown` when no strategy asked for it.
#[must_use]
pub fn regime_label(t: &OptionTrade) -> &'static str {
    t.regime.map_or("unknown", |r| r.as_str())
}

/// Midnight New York of a session date (the daily-bar convention of `thetalab-data`).
fn day_ts(d: NaiveDate) -> Result<Timestamp, ReportError> {
    Timestamp::from_ny(d, NaiveTime::MIN)
        .map_err(|e| ReportError::invalid(format!("daily date {d}"), e.to_string()))
}

/// The capital a trade used, for its return: the buying power it held, else its max
/// loss, else the premium paid.
fn capital(t: &OptionTrade, multiplier: f64) -> f64 {
    if t.buying_power.is_finite() && t.buying_power > 0.0 {
        t.buying_power
    } else if t.max_loss.is_finite() && t.max_loss > 0.0 {
        t.max_loss
    } else {
        (t.entry_net.abs() * multiplier * f64::from(t.units)).max(1.0)
    }
}

/// Calendar years from `now` to the settlement of `root`'s `expiry` (PM roots at that
/// session's close, AM roots at its open; the session on or before the expiry date),
/// ACT/365 in nanoseconds as [`Timestamp::years_between`].
fn years_to_settlement(
    cal: &NyseCalendar,
    now: Timestamp,
    root: &str,
    expiry: NaiveDate,
) -> Option<f64> {
    let day = cal.session_on_or_before(expiry).ok()?;
    let s = cal.session(day).ok()??;
    let at = match Settlement::of_root(root) {
        Settlement::Am => s.open,
        Settlement::Pm => s.close,
    };
    Some(Timestamp::years_between(now, at).max(0.0))
}

/// The payoff input of a closed trade: its legs at their fill prices for all units,
/// times to settlement from the entry, the run's rate and yield, the underlying at entry
/// and exit, and the realised P&L before fees.
pub fn payoff_input(
    t: &OptionTrade,
    multiplier: f64,
    rate: f64,
    dividend_yield: f64,
    cal: &NyseCalendar,
) -> PayoffInput {
    let units = f64::from(t.units);
    let legs = t
        .legs
        .iter()
        .map(|l| PayoffLeg {
            right: l.spec.right,
            strike: l.spec.strike,
            qty: f64::from(l.spec.ratio) * units,
            premium: l.entry_price,
            years: years_to_settlement(cal, t.opened, l.spec.root.as_str(), l.spec.expiry)
                .unwrap_or(0.0),
            iv: l.entry_iv,
        })
        .collect();
    let shares = t.shares as f64 * units;
    PayoffInput {
        legs,
        shares,
        share_cost: t.share_entry_price.unwrap_or(t.underlying_entry),
        multiplier,
        rate,
        dividend_yield,
        spot_entry: t.underlying_entry,
        spot_exit: Some(t.underlying_exit),
        realised: Some(t.pnl + t.fees),
    }
}

/// The representative trades: best, worst and median P&L, the stopped trade and the
/// settled trade at the median of their groups; a trade picked twice appears once.
#[must_use]
pub fn pick_representatives(trades: &[OptionTrade]) -> Vec<(usize, Vec<Pick>)> {
    let median_of = |idx: Vec<usize>| -> Option<usize> {
        let mut idx = idx;
        idx.sort_by(|&a, &b| trades[a].pnl.total_cmp(&trades[b].pnl).then(a.cmp(&b)));
        idx.get(idx.len().saturating_sub(1) / 2).copied()
    };
    let all: Vec<usize> = (0..trades.len()).collect();
    let by = |reason: OptionExitReason| -> Vec<usize> {
        all.iter()
            .copied()
            .filter(|&i| trades[i].reason_out == reason)
            .collect()
    };
    let best = all
        .iter()
        .copied()
        .max_by(|&a, &b| trades[a].pnl.total_cmp(&trades[b].pnl).then(b.cmp(&a)));
    let worst = all
        .iter()
        .copied()
        .min_by(|&a, &b| trades[a].pnl.total_cmp(&trades[b].pnl).then(a.cmp(&b)));
    let picks = [
        (Pick::Best, best),
        (Pick::Worst, worst),
        (Pick::Median, median_of(all.clone())),
        (Pick::Stopped, median_of(by(OptionExitReason::Stop))),
        (Pick::Settled, median_of(by(OptionExitReason::Settlement))),
    ];
    let mut out: Vec<(usize, Vec<Pick>)> = Vec::new();
    for (pick, i) in picks {
        let Some(i) = i else { continue };
        match out.iter_mut().find(|(j, _)| *j == i) {
            Some((_, p)) => p.push(pick),
            None => out.push((i, vec![pick])),
        }
    }
    out
}

/// Breakdown rows of `trades` grouped by `key`, sorted by key.
#[must_use]
pub fn breakdown_rows(
    dimension: &'static str,
    trades: &[OptionTrade],
    key: impl Fn(&OptionTrade) -> String,
) -> Vec<BreakdownRow> {
    let mut groups: BTreeMap<String, Vec<&OptionTrade>> = BTreeMap::new();
    for t in trades {
        groups.entry(key(t)).or_default().push(t);
    }
    groups
        .into_iter()
        .map(|(k, ts)| {
            let n = ts.len() as u32;
            let wins = ts.iter().filter(|t| t.pnl > 0.0).count() as u32;
            let pnl: f64 = ts.iter().map(|t| t.pnl).sum();
            let fees: f64 = ts.iter().map(|t| t.fees).sum();
            let gw: f64 = ts.iter().map(|t| t.pnl.max(0.0)).sum();
            let gl: f64 = ts.iter().map(|t| (-t.pnl).max(0.0)).sum();
            BreakdownRow {
                dimension,
                key: k,
                trades: n,
                wins,
                win_rate: if n > 0 {
                    f64::from(wins) / f64::from(n)
                } else {
                    0.0
                },
                pnl,
                avg_pnl: if n > 0 { pnl / f64::from(n) } else { 0.0 },
                fees,
                profit_factor: (gl > 0.0).then(|| gw / gl),
            }
        })
        .collect()
}

/// The most frequent reason orders were not filled, with how many and one order's
/// detail: `(reason, count, detail)`, a tie going to the reason met first; `None` when
/// every order filled.
#[must_use]
pub fn top_not_filled(result: &ReplayResult) -> Option<(String, usize, &str)> {
    let mut counts: Vec<(String, usize, &str)> = Vec::new();
    for n in &result.not_filled {
        let key = format!("{:?}", n.reason);
        match counts.iter_mut().find(|c| c.0 == key) {
            Some(c) => c.1 += 1,
            None => counts.push((key, 1, n.detail.as_str())),
        }
    }
    // Stable: ties keep the order of first appearance.
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts.into_iter().next()
}

impl<'a> OptionsReport<'a> {
    /// Builds the report from a replay result.
    ///
    /// Errors when a metric cannot be computed (a non-finite equity value) or a session
    /// date cannot be stamped.
    pub fn from_replay(
        result: &'a ReplayResult,
        info: OptionsRunInfo,
    ) -> Result<OptionsReport<'a>, ReportError> {
        let cfg = &result.config;
        let init = result.totals.init_cash;
        let mut ts = Vec::with_capacity(result.daily.len());
        let mut equity = Vec::with_capacity(result.daily.len());
        for d in &result.daily {
            ts.push(day_ts(d.date)?);
            equity.push(d.equity);
        }
        // Daily returns up to the account's ruin, if any (equity ≤ 0: −1 that day, 0
        // after), never a ratio of negative equities read as a gain; the replay's notes
        // say when it happened.
        let (returns, _ruin) = thetalab_backtest::metrics::returns::equity_returns(init, &equity);
        let records: Vec<TradeRecord> = result
            .trades
            .iter()
            .map(|t| TradeRecord {
                pnl: t.pnl,
                return_pct: t.pnl / capital(t, cfg.multiplier),
                traded_value: (t.entry_net.abs() + t.exit_net.abs())
                    * cfg.multiplier
                    * f64::from(t.units),
            })
            .collect();
        let mcfg = MetricsConfig {
            initial_equity: Some(init).filter(|c| *c > 0.0),
            ..MetricsConfig::default()
        };
        let m = Metrics::compute(&returns, &records, None, &mcfg)
            .map_err(|e| ReportError::invalid("daily returns / trades", format!("metrics: {e}")))?;
        let monthly = monthly_returns(&ts, &returns)
            .map_err(|e| ReportError::invalid("daily returns", format!("monthly: {e}")))?
            .into_iter()
            .map(|r| (r.year, r.month, r.ret))
            .collect();
        let metrics = options_metrics(result, &m);
        let trades = result
            .trades
            .iter()
            .map(|t| crate::TradeRow {
                symbol: trades_csv::legs_text(t),
                direction: if t.entry_net < 0.0 {
                    crate::Direction::Short
                } else {
                    crate::Direction::Long
                },
                entry_ts: t.opened,
                exit_ts: Some(t.closed),
                entry_price: t.entry_net,
                exit_price: Some(t.exit_net),
                size: f64::from(t.units),
                fees: t.fees,
                pnl: t.pnl,
                return_pct: t.pnl / capital(t, cfg.multiplier),
                exit_reason: reason_label(t.reason_out),
            })
            .collect();
        let input = ReportInput {
            title: info.title,
            run_name: info.run_name,
            strategy: info.strategy,
            params: info.params,
            ts,
            equity,
            benchmark: None,
            returns,
            trades,
            metrics,
            monthly,
            sweep: None,
            generated_at: None,
        };
        let mut breakdowns = breakdown_rows("strategy", &result.trades, |t| t.strategy.clone());
        breakdowns.extend(breakdown_rows("regime", &result.trades, |t| {
            regime_label(t).to_string()
        }));
        breakdowns.extend(breakdown_rows("exit_reason", &result.trades, |t| {
            reason_label(t.reason_out)
        }));
        breakdowns.extend(breakdown_rows("structure", &result.trades, |t| {
            kind_label(t.kind)
        }));
        let cal = NyseCalendar::new();
        let representatives = pick_representatives(&result.trades)
            .into_iter()
            .map(|(i, picks)| {
                let input = payoff_input(
                    &result.trades[i],
                    cfg.multiplier,
                    cfg.rate,
                    cfg.dividend_yield,
                    &cal,
                );
                let curve = payoff_curve(&input, 240).map_err(|e| e.to_string());
                Representative {
                    picks,
                    trade: i,
                    input,
                    curve,
                }
            })
            .collect();
        Ok(OptionsReport {
            result,
            input,
            breakdowns,
            representatives,
            source: info.source,
        })
    }
}

/// The metrics of an options run, in display order (keys are the JSON summary's).
fn options_metrics(r: &ReplayResult, m: &Metrics) -> Vec<Metric> {
    let t = &r.totals;
    let n = r.trades.len();
    let credits: Vec<f64> = r
        .trades
        .iter()
        .filter(|t| t.entry_net < 0.0)
        .map(|t| -t.entry_net)
        .collect();
    let avg_credit =
        (!credits.is_empty()).then(|| credits.iter().sum::<f64>() / credits.len() as f64);
    let count = |reason: OptionExitReason| {
        r.trades.iter().filter(|t| t.reason_out == reason).count() as f64
    };
    let contracts: f64 = r
        .trades
        .iter()
        .map(|t| {
            t.legs
                .iter()
                .map(|l| f64::from(l.spec.ratio.unsigned_abs()))
                .sum::<f64>()
                * f64::from(t.units)
        })
        .sum();
    let attr = r.trades.iter().fold([0.0; 5], |mut a, t| {
        let x = &t.attribution;
        for (k, v) in [x.delta, x.gamma, x.theta, x.vega, x.residual]
            .into_iter()
            .enumerate()
        {
            a[k] += v;
        }
        a
    });
    let pct = Unit::Percent;
    let ratio = Unit::Ratio;
    let money = Unit::Money;
    vec![
        Metric::new("final_value", Some(t.final_equity), money),
        Metric::new("pnl", Some(t.pnl), money),
        Metric::new("total_return", Some(m.total_return), pct),
        Metric::new("cagr", m.annual_return, pct),
        Metric::new("annual_volatility", m.annual_volatility, pct),
        Metric::new("sharpe", m.sharpe, ratio),
        Metric::new("sortino", m.sortino, ratio),
        Metric::new("calmar", m.calmar, ratio),
        Metric::new("max_drawdown", Some(m.max_drawdown), pct),
        Metric::new("max_drawdown_intraday", Some(-t.max_drawdown), pct),
        Metric::new(
            "max_drawdown_duration",
            Some(m.max_drawdown_duration as f64),
            Unit::Count,
        ),
        Metric::new("var_95", m.var, pct),
        Metric::new("cvar_95", m.cvar, pct),
        Metric::new("trades", Some(n as f64), Unit::Count),
        Metric::new("win_rate", m.win_rate, pct),
        Metric::new("profit_factor", m.profit_factor, ratio),
        Metric::new("avg_pnl", m.expectancy, money),
        Metric::new("avg_win", m.avg_win, money),
        Metric::new("avg_loss", m.avg_loss, money),
        Metric::new("avg_credit", avg_credit, Unit::Number),
        Metric::new("avg_return_on_bp", m.avg_trade_return, pct),
        Metric::new("total_fees", Some(t.fees), money),
        Metric::new("commissions", Some(t.commissions), money),
        Metric::new("contracts", Some(contracts), Unit::Count),
        Metric::new(
            "profit_target_exits",
            Some(count(OptionExitReason::ProfitTarget)),
            Unit::Count,
        ),
        Metric::new(
            "stop_exits",
            Some(count(OptionExitReason::Stop)),
            Unit::Count,
        ),
        Metric::new(
            "time_exits",
            Some(count(OptionExitReason::Time)),
            Unit::Count,
        ),
        Metric::new(
            "settled",
            Some(count(OptionExitReason::Settlement)),
            Unit::Count,
        ),
        Metric::new(
            "closed_at_end",
            Some(f64::from(t.closed_at_end)),
            Unit::Count,
        ),
        Metric::new("not_filled", Some(f64::from(t.not_filled)), Unit::Count),
        Metric::new("stale_marks", Some(t.stale_marks as f64), Unit::Count),
        Metric::new("attribution_delta", Some(attr[0]), money),
        Metric::new("attribution_gamma", Some(attr[1]), money),
        Metric::new("attribution_theta", Some(attr[2]), money),
        Metric::new("attribution_vega", Some(attr[3]), money),
        Metric::new("attribution_residual", Some(attr[4]), money),
        Metric::new("sessions", Some(r.daily.len() as f64), Unit::Count),
        Metric::new("snapshots", Some(r.snapshots_processed as f64), Unit::Count),
        Metric::new("quotes", Some(r.quotes_processed as f64), Unit::Count),
    ]
}
