//! The bar backtester's path (`--strategy`, `--csv`, `--symbol`, `sweep`): load bars from
//! a CSV, the store or the synthetic index, run the vectorized engine (or a sweep) and
//! write the report.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use thetalab_backtest::gate::{OrderTemplate, RiskGate};
use thetalab_backtest::metrics::Metrics;
use thetalab_backtest::runner::{RunOutput, run_strategy, run_strategy_gated};
use thetalab_backtest::sweep::{self, MaKind, ParamRange};
use thetalab_backtest::{BacktestConfig, BacktestResult, DirectionMode, ExitKind, Fill, SizeRule};
use thetalab_core::Timestamp;
use thetalab_data::ingest::{self, Format, Ingested, yahoo};
use thetalab_data::schema::BarSeries;
use thetalab_data::store::{DEFAULT_STORE, Store, TimeRange};
use thetalab_data::synth::{SynthConfig, SyntheticMarket};
use thetalab_data::validate::{self, Policy, ValidationConfig};
use thetalab_report::{Metric, ReportInput, TradeRow, Unit};
use thetalab_strategy::{AtrTrailing, BarColumns, BarInput, ExitRules, by_name, default_params};

use crate::UsageError;
use crate::cli::{DirectionArg, FillArg, RunArgs, SweepArgs};
use crate::config::ConfigFile;
use crate::out;

/// A fully resolved bar run.
pub(crate) struct Plan {
    name: Option<String>,
    out: Option<PathBuf>,
    source: Source,
    interval: String,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    strategy: String,
    params: Vec<(String, f64)>,
    cfg: BacktestConfig,
    /// Pre-trade limits (`--limits FILE`, else `[limits]`); `None`: ungated.
    limits: Option<thetalab_risk::limits::LimitsConfig>,
    json: bool,
}

enum Source {
    Csv(PathBuf, Option<String>),
    Store(PathBuf, String),
    Synthetic,
}

pub(crate) fn plan(a: &RunArgs, file: ConfigFile) -> Result<Plan> {
    let csv = a.csv.clone().or(file.data.csv);
    let store = a.store.clone().or(file.data.store);
    let symbol = a.symbol.clone().or(file.data.symbol);
    let source = match (csv, store, symbol.clone()) {
        (Some(c), None, sym) => Source::Csv(c, sym),
        (None, Some(s), Some(sym)) => Source::Store(s, sym),
        (None, Some(_), None) => bail!("--store needs --symbol"),
        (None, None, Some(sym)) => Source::Store(PathBuf::from(DEFAULT_STORE), sym),
        (Some(_), Some(_), _) => bail!("give either --csv or --store, not both"),
        (None, None, None) => Source::Synthetic,
    };
    let strategy = a
        .strategy
        .clone()
        .or(file.strategy.name)
        .unwrap_or_else(|| "sma-cross".to_string());
    let mut params = default_params(&strategy).with_context(|| format!("strategy {strategy:?}"))?;
    let mut set = |k: &str, v: f64| match params.iter_mut().find(|(n, _)| n == k) {
        Some(slot) => slot.1 = v,
        None => params.push((k.to_string(), v)),
    };
    for (k, v) in &file.strategy.params {
        set(k, *v);
    }
    for kv in &a.set {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--set {kv:?}: expected NAME=VALUE"))?;
        let v: f64 = v
            .trim()
            .parse()
            .with_context(|| format!("--set {kv:?}: {v:?} is not a number"))?;
        set(k.trim(), v);
    }
    let fees = a.fees.or(file.costs.fees).unwrap_or(0.0005);
    let fill = a.fill.or(file.engine.fill).unwrap_or(FillArg::Open);
    let direction = a
        .direction
        .or(file.engine.direction)
        .unwrap_or(DirectionArg::Long);
    let cfg = BacktestConfig {
        init_cash: a.cash.or(file.engine.cash).unwrap_or(100_000.0),
        fees_bps: fees * 1e4,
        fee_per_share: a.fee_per_share.or(file.costs.fee_per_share).unwrap_or(0.0),
        slippage_bps: a.slippage_bps.or(file.costs.slippage_bps).unwrap_or(1.0),
        fill: match fill {
            FillArg::Close => Fill::Close,
            FillArg::Open => Fill::NextOpen,
            FillArg::Natural | FillArg::Mid => {
                return Err(UsageError(
                    "--fill natural|mid is for the options replay; bars fill at close or open"
                        .to_string(),
                )
                .into());
            }
        },
        fractional: !a.whole_shares && file.engine.fractional.unwrap_or(true),
        direction: match direction {
            DirectionArg::Long => DirectionMode::LongOnly,
            DirectionArg::Short => DirectionMode::ShortOnly,
            DirectionArg::Both => DirectionMode::Both,
        },
        size: SizeRule::AllCash,
        exits: ExitRules {
            stop_loss: a.stop_loss.or(file.exits.stop_loss),
            take_profit: a.take_profit.or(file.exits.take_profit),
            atr_trailing: a
                .atr_trail
                .or(file.exits.atr_trail)
                .map(|k| AtrTrailing { period: 14, k }),
            max_bars: a.time_stop.or(file.exits.time_stop),
            flat_at_session_end: false,
        },
        ..BacktestConfig::default()
    };
    cfg.validate().context("backtest settings")?;
    let limits = match &a.limits {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Some(
                thetalab_risk::limits::LimitsConfig::from_toml(&text)
                    .with_context(|| format!("{}: invalid limits", p.display()))?,
            )
        }
        None => match file.limits {
            Some(l) => {
                l.validate().context("[limits]")?;
                Some(l)
            }
            None => None,
        },
    };
    Ok(Plan {
        name: a.name.clone().or(file.name),
        out: a.out.clone().or(file.out),
        source,
        interval: a
            .interval
            .clone()
            .or(file.data.interval)
            .unwrap_or_else(|| "1d".to_string()),
        start: a.start.or(file.data.start),
        end: a.end.or(file.data.end),
        strategy,
        params,
        cfg,
        limits,
        json: a.json,
    })
}

/// Loads the bars of the plan, validated; the quarantined count is reported.
fn load(plan: &Plan) -> Result<(String, BarSeries)> {
    let (symbol, series) = match &plan.source {
        Source::Synthetic => {
            // Five years of the built-in SPX-like index (daily bars), seeded.
            let cfg = SynthConfig {
                sessions: 1260,
                start: NaiveDate::from_ymd_opt(2020, 1, 2).unwrap_or_default(),
                ..SynthConfig::default()
            };
            let market = SyntheticMarket::new(cfg).context("synthetic market")?;
            let mut s = market.index_daily();
            s.symbol = "SPX".to_string();
            ("SPX (synthetic)".to_string(), s)
        }
        Source::Store(dir, sym) => {
            let store = Store::open(dir);
            let s = store
                .read_bars(sym, &plan.interval, TimeRange::ALL)
                .with_context(|| format!("reading {sym} from {}", dir.display()))?;
            if s.bars.is_empty() {
                bail!(
                    "the store {} holds no {} bars of {sym} (run `ingest` first)",
                    dir.display(),
                    plan.interval
                );
            }
            (sym.clone(), s)
        }
        Source::Csv(path, sym) => {
            let Ingested::Bars(parsed) = ingest::ingest(
                path,
                &Format::Yahoo(yahoo::YahooOptions {
                    symbol: sym.clone(),
                    adjust: false,
                }),
            )?
            else {
                bail!("{}: not a bar file", path.display());
            };
            let rejects = parsed.rejects.into_iter().map(Into::into).collect();
            let mut series = parsed.data.into_iter();
            let first = series
                .next()
                .with_context(|| format!("{}: no bars", path.display()))?;
            if series.next().is_some() {
                bail!(
                    "{}: holds several symbols; give a single-symbol file",
                    path.display()
                );
            }
            let name = path.display().to_string();
            let v = validate::validate_bars(
                first,
                None,
                rejects,
                &name,
                &ValidationConfig::default(),
                Policy::Quarantine,
            )?;
            if v.report.quarantined > 0 {
                eprintln!(
                    "backtest: {} row(s) of {name} set aside by validation:\n{}",
                    v.report.quarantined, v.report
                );
            }
            (v.data.symbol.clone(), v.data)
        }
    };
    let mut series = series;
    let from = plan
        .start
        .map(|d| Timestamp::from_ny(d, chrono::NaiveTime::MIN))
        .transpose()?;
    let to = plan
        .end
        .and_then(|d| d.succ_opt())
        .map(|d| Timestamp::from_ny(d, chrono::NaiveTime::MIN))
        .transpose()?;
    series
        .bars
        .retain(|b| from.is_none_or(|f| b.ts >= f) && to.is_none_or(|t| b.ts < t));
    if series.bars.len() < 2 {
        bail!("fewer than 2 bars of {symbol} in the chosen period");
    }
    Ok((symbol, series))
}

fn columns(series: &BarSeries) -> BarColumns {
    BarColumns::from_bars(series.bars.iter().map(|b| BarInput {
        ts: b.ts,
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        volume: b.volume,
    }))
}

fn run_name(plan: &Plan, symbol: &str) -> String {
    plan.name.clone().unwrap_or_else(|| {
        let params: String = plan
            .params
            .iter()
            .map(|(k, v)| format!("-{k}{v}"))
            .collect();
        let sym: String = symbol
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        format!("{}-{}{}", plan.strategy, sym, params)
    })
}

pub(crate) fn single(plan: &Plan) -> Result<()> {
    let (symbol, series) = load(plan)?;
    let cols = columns(&series);
    let view = cols.view()?;
    let strategy = by_name(&plan.strategy, &plan.params)?;
    let out = match &plan.limits {
        None => run_strategy(&symbol, &view, strategy.as_ref(), &plan.cfg)?,
        Some(l) => {
            // The orders' ticker: the symbol's first word, upper-cased ("SPX (synthetic)"
            // → SPX); a label that is no ticker becomes ASSET (one asset: only a key).
            let word = symbol
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            let ticker = if thetalab_core::Ticker::new(&word).is_ok() {
                word
            } else {
                "ASSET".to_string()
            };
            let mut gate = RiskGate::new(l.clone(), OrderTemplate::new(&ticker))?;
            run_strategy_gated(&symbol, &view, strategy.as_ref(), &plan.cfg, &mut gate)?
        }
    };
    let name = run_name(plan, &symbol);
    let dir = plan
        .out
        .clone()
        .unwrap_or_else(|| Path::new("reports").join(&name));
    let input = report_input(plan, &name, &symbol, &cols.ts, &out, None);
    let files = thetalab_report::write_all(&dir, &input)
        .with_context(|| format!("writing the report to {}", dir.display()))?;
    if let Some(i) = out.result.ruin
        && let (Some(e), Some(t)) = (out.result.equity.get(i), cols.ts.get(i))
    {
        eprintln!(
            "backtest: the account was ruined: equity reached {:.2} on {}; returns are -100 % \
             that bar and 0 after it, so return-based metrics describe the run up to then",
            e,
            date(*t)
        );
    }
    if plan.json {
        out!("{}", json_summary(&out, &dir));
    } else {
        out!(
            "{} on {} ({} bars, {} .. {})",
            plan.strategy,
            symbol,
            cols.ts.len(),
            date(cols.ts[0]),
            date(cols.ts[cols.ts.len() - 1])
        );
        out!("{}", thetalab_report::summary_table(&input));
        if plan.limits.is_some() {
            let d = &out.result.decisions;
            let rejected = out.result.risk_rejections();
            out!(
                "risk limits: {rejected} entries rejected, {} resized",
                d.len() - rejected
            );
        }
        out!(
            "benchmark (buy and hold): total return {:.2}%, max drawdown {:.2}%",
            100.0 * out.benchmark_metrics.total_return,
            100.0 * out.benchmark_metrics.max_drawdown
        );
        out!("report: {}", files.html.display());
    }
    Ok(())
}

fn date(t: Timestamp) -> String {
    t.ny_date().to_string()
}

fn opt(x: Option<f64>) -> serde_json::Value {
    x.filter(|v| v.is_finite())
        .map_or(serde_json::Value::Null, serde_json::Value::from)
}

/// The `--json` object: the keys (final_value, total_return, annual_return,
/// annual_volatility, sharpe, sortino, calmar, max_drawdown, trades, closed_trades,
/// win_rate, profit_factor, var_95, cvar_95) and a few more.
fn json_summary(out: &RunOutput, dir: &Path) -> serde_json::Value {
    let m: &Metrics = &out.metrics;
    let r: &BacktestResult = &out.result;
    serde_json::json!({
        "final_value": r.final_value,
        "total_return": m.total_return,
        "annual_return": opt(m.annual_return),
        "annual_volatility": opt(m.annual_volatility),
        "sharpe": opt(m.sharpe),
        "sortino": opt(m.sortino),
        "calmar": opt(m.calmar),
        "omega": opt(m.omega),
        "max_drawdown": m.max_drawdown,
        "max_drawdown_duration": m.max_drawdown_duration,
        "trades": r.trade_count(),
        "closed_trades": r.closed_trades(),
        "win_rate": opt(m.win_rate),
        "profit_factor": opt(m.profit_factor),
        "expectancy": opt(m.expectancy),
        "var_95": opt(m.var),
        "cvar_95": opt(m.cvar),
        "exposure": opt(m.exposure),
        "total_fees": r.total_fees,
        "risk_rejections": r.risk_rejections(),
        "benchmark_total_return": out.benchmark_metrics.total_return,
        "report_dir": dir.display().to_string(),
    })
}

fn report_input(
    plan: &Plan,
    name: &str,
    symbol: &str,
    ts: &[Timestamp],
    out: &RunOutput,
    sweep: Option<thetalab_report::SweepTable>,
) -> ReportInput {
    let m = &out.metrics;
    let pct = Unit::Percent;
    let ratio = Unit::Ratio;
    let metrics = vec![
        Metric::new("final_value", Some(out.result.final_value), Unit::Money),
        Metric::new("total_return", Some(m.total_return), pct),
        Metric::new("annual_return", m.annual_return, pct),
        Metric::new("annual_volatility", m.annual_volatility, pct),
        Metric::new("sharpe", m.sharpe, ratio),
        Metric::new("sortino", m.sortino, ratio),
        Metric::new("calmar", m.calmar, ratio),
        Metric::new("omega", m.omega, ratio),
        Metric::new("tail_ratio", m.tail_ratio, ratio),
        Metric::new("max_drawdown", Some(m.max_drawdown), pct),
        Metric::new(
            "max_drawdown_duration",
            Some(m.max_drawdown_duration as f64),
            Unit::Count,
        ),
        Metric::new("ulcer_index", Some(m.ulcer_index), pct),
        Metric::new("var_95", m.var, pct),
        Metric::new("cvar_95", m.cvar, pct),
        Metric::new("skew", m.skew, ratio),
        Metric::new("kurtosis", m.kurtosis, ratio),
        Metric::new("trades", Some(out.result.trade_count() as f64), Unit::Count),
        Metric::new(
            "closed_trades",
            Some(out.result.closed_trades() as f64),
            Unit::Count,
        ),
        Metric::new("win_rate", m.win_rate, pct),
        Metric::new("profit_factor", m.profit_factor, ratio),
        Metric::new("expectancy", m.expectancy, Unit::Money),
        Metric::new("avg_win", m.avg_win, Unit::Money),
        Metric::new("avg_loss", m.avg_loss, Unit::Money),
        Metric::new("exposure", m.exposure, pct),
        Metric::new("turnover", m.turnover, ratio),
        Metric::new("total_fees", Some(out.result.total_fees), Unit::Money),
    ];
    let trades = out
        .result
        .trades
        .iter()
        .map(|t| TradeRow {
            symbol: t.symbol.clone(),
            direction: match t.direction {
                thetalab_strategy::Direction::Long => thetalab_report::Direction::Long,
                thetalab_strategy::Direction::Short => thetalab_report::Direction::Short,
            },
            entry_ts: t.entry_ts,
            exit_ts: t.exit_ts,
            entry_price: t.entry_price,
            exit_price: if t.is_open() {
                None
            } else {
                Some(t.exit_price)
            },
            size: t.size,
            fees: t.fees,
            pnl: t.pnl,
            return_pct: t.return_pct,
            exit_reason: t.exit_reason.map_or("open", ExitKind::as_str).to_string(),
        })
        .collect();
    ReportInput {
        title: format!("{} on {symbol}", plan.strategy),
        run_name: name.to_string(),
        strategy: plan.strategy.clone(),
        params: plan
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect(),
        ts: ts.to_vec(),
        equity: out.result.equity.clone(),
        benchmark: Some(("buy and hold".to_string(), out.benchmark.equity.clone())),
        returns: out.result.returns.clone(),
        trades,
        metrics,
        monthly: out
            .monthly
            .iter()
            .map(|m| (m.year, m.month, m.ret))
            .collect(),
        sweep,
        generated_at: None,
    }
}

fn parse_axis(spec: &str) -> Result<(String, f64, f64, f64)> {
    let (name, range) = spec
        .split_once('=')
        .with_context(|| format!("--grid {spec:?}: expected NAME=LO:HI[:STEP]"))?;
    let parts: Vec<&str> = range.split(':').collect();
    let num = |s: &str| {
        s.trim()
            .parse::<f64>()
            .with_context(|| format!("--grid {spec:?}: {s:?} is not a number"))
    };
    let (lo, hi, step) = match parts.as_slice() {
        [lo, hi] => (num(lo)?, num(hi)?, 1.0),
        [lo, hi, st] => (num(lo)?, num(hi)?, num(st)?),
        _ => bail!("--grid {spec:?}: expected NAME=LO:HI[:STEP]"),
    };
    if !(lo.is_finite() && hi.is_finite() && step.is_finite()) || step <= 0.0 || hi < lo {
        bail!("--grid {spec:?}: needs finite LO ≤ HI and STEP > 0");
    }
    let count = (hi - lo) / step;
    if count >= MAX_AXIS_VALUES as f64 {
        bail!(
            "--grid {spec:?}: {count:.0} steps from LO to HI; at most {MAX_AXIS_VALUES} values per axis"
        );
    }
    Ok((name.trim().to_string(), lo, hi, step))
}

/// The most parameter sets a `--grid` sweep may run.
const MAX_COMBINATIONS: usize = 10_000_000;

/// The most values one `--grid` axis may take (a larger grid is a typo, not a sweep).
const MAX_AXIS_VALUES: usize = 100_000;

pub(crate) fn sweep_cmd(plan: &Plan, s: &SweepArgs) -> Result<()> {
    if s.grid.is_empty() {
        bail!("sweep needs at least one --grid NAME=LO:HI[:STEP]");
    }
    if plan.limits.is_some() {
        eprintln!("note: sweeps are not gated by the risk limits (--limits, [limits])");
    }
    let (symbol, series) = load(plan)?;
    let cols = columns(&series);
    let view = cols.view()?;
    let axes: Vec<(String, f64, f64, f64)> = s
        .grid
        .iter()
        .map(|g| parse_axis(g))
        .collect::<Result<_>>()?;
    // parse_axis keeps (hi − lo)/step below MAX_AXIS_VALUES, so the cast is in range.
    let values = |lo: f64, hi: f64, step: f64| -> Vec<f64> {
        let n = ((hi - lo) / step + 1e-9).floor() as usize + 1;
        (0..n).map(|i| lo + step * i as f64).collect()
    };
    if s.random.is_none() {
        let combinations = axes.iter().try_fold(1usize, |acc, a| {
            acc.checked_mul(values(a.1, a.2, a.3).len())
                .filter(|&n| n <= MAX_COMBINATIONS)
        });
        if combinations.is_none() {
            bail!(
                "the --grid axes give more than {MAX_COMBINATIONS} combinations; use fewer values or --random N"
            );
        }
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{bar:30}] {pos}/{len} combinations {elapsed} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let names: Vec<&str> = axes.iter().map(|a| a.0.as_str()).collect();
    let cfg = &plan.cfg;
    // The fused kernel: MA crosses over (fast, slow) with close fills, all-cash sizing and
    // no exit rules, metrics streamed (no equity curve per combination).
    let fused = matches!(plan.strategy.as_str(), "sma-cross" | "ema-cross")
        && names == ["fast", "slow"]
        && s.random.is_none()
        && cfg.fill == Fill::Close
        && cfg.size == SizeRule::AllCash
        && cfg.exits.is_empty()
        // Whole windows only: the fused kernel takes `usize` windows, the general path
        // passes other values to the strategy, which checks them.
        && axes.iter().all(|a| a.1.fract() == 0.0 && a.3.fract() == 0.0);
    let mut table = if fused {
        let ints = |v: Vec<f64>| v.into_iter().map(|x| x as usize).collect::<Vec<usize>>();
        let fast = ints(values(axes[0].1, axes[0].2, axes[0].3));
        let slow = ints(values(axes[1].1, axes[1].2, axes[1].3));
        let kind = if plan.strategy == "sma-cross" {
            MaKind::Sma
        } else {
            MaKind::Ema
        };
        let short = plan
            .params
            .iter()
            .any(|(k, v)| k == "allow_short" && *v != 0.0);
        sweep::ma_cross_grid(&cols.close, kind, &fast, &slow, short, cfg, Some(&progress))?
    } else {
        let sets = match s.random {
            Some(n) => {
                let ranges: Vec<ParamRange> = axes
                    .iter()
                    .map(|(name, lo, hi, step)| ParamRange {
                        name: name.clone(),
                        lo: *lo,
                        hi: *hi,
                        integer: step.fract() == 0.0 && lo.fract() == 0.0,
                    })
                    .collect();
                sweep::random_search(&ranges, n, s.seed)?
            }
            None => sweep::grid(
                &axes
                    .iter()
                    .map(|(n, lo, hi, st)| (n.clone(), values(*lo, *hi, *st)))
                    .collect::<Vec<_>>(),
            ),
        };
        // Parameters not swept keep the run's values (--set, the run file, the defaults).
        let sets: Vec<Vec<(String, f64)>> = sets
            .into_iter()
            .map(|set| {
                let mut full = plan.params.clone();
                for (k, v) in set {
                    match full.iter_mut().find(|(n, _)| *n == k) {
                        Some(slot) => slot.1 = v,
                        None => full.push((k, v)),
                    }
                }
                full
            })
            .collect();
        sweep::run_sweep(&view, &plan.strategy, &sets, cfg, Some(&progress))?
    };
    bar.finish_and_clear();
    table.rank_by(&s.rank_by, !s.ascending)?;
    let name = run_name(plan, &symbol);
    let dir = plan.out.clone().unwrap_or_else(|| {
        Path::new("reports").join(format!(
            "{}-sweep",
            plan.name.clone().unwrap_or_else(|| format!(
                "{}-{}",
                plan.strategy,
                symbol
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            ))
        ))
    });
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let csv = dir.join("sweep.csv");
    table.save_csv(&csv)?;
    let Some(best) = table.rows.first() else {
        bail!(
            "no parameter set produced a result ({} skipped as invalid)",
            table.skipped
        )
    };
    // Report the best combination, with the sweep heatmap when there are two axes.
    let mut best_params = plan.params.clone();
    for (k, v) in table.param_names.iter().zip(&best.params) {
        match best_params.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = *v,
            None => best_params.push((k.clone(), *v)),
        }
    }
    let strategy = by_name(&plan.strategy, &best_params)?;
    let out = run_strategy(&symbol, &view, strategy.as_ref(), cfg)?;
    let heat = thetalab_report::sweep::heatmap(&table, &s.rank_by);
    let best_plan = Plan {
        params: best_params,
        name: Some(format!("{name}-sweep")),
        out: None,
        source: Source::Synthetic,
        interval: plan.interval.clone(),
        start: None,
        end: None,
        strategy: plan.strategy.clone(),
        cfg: cfg.clone(),
        limits: None,
        json: plan.json,
    };
    let input = report_input(
        &best_plan,
        &format!("{name}-sweep"),
        &symbol,
        &cols.ts,
        &out,
        heat,
    );
    let files = thetalab_report::write_all(&dir, &input)?;
    if plan.json {
        let mut j = json_summary(&out, &dir);
        j["combinations"] = serde_json::Value::from(table.rows.len());
        j["skipped"] = serde_json::Value::from(table.skipped);
        j["best_params"] = serde_json::Value::from(
            input
                .params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>(),
        );
        out!("{j}");
        return Ok(());
    }
    out!(
        "{} combinations of {} on {} ({} bars){}, ranked by {}:",
        table.rows.len(),
        plan.strategy,
        symbol,
        cols.ts.len(),
        if fused { ", fused kernel" } else { "" },
        s.rank_by
    );
    out!("{}", top_table(&table, s.top));
    out!(
        "sweep table: {}\nbest combination's report: {}",
        csv.display(),
        files.html.display()
    );
    Ok(())
}

/// The first `n` rows of a ranked sweep, with the headline metrics.
fn top_table(t: &sweep::SweepTable, n: usize) -> String {
    let shown = [
        "sharpe",
        "total_return",
        "annual_return",
        "max_drawdown",
        "trades",
    ];
    let mut rows: Vec<Vec<String>> = vec![
        t.param_names
            .iter()
            .cloned()
            .chain(shown.iter().map(|s| (*s).to_string()))
            .collect(),
    ];
    for r in t.rows.iter().take(n) {
        let mut line: Vec<String> = r.params.iter().map(|p| format!("{p}")).collect();
        for m in shown {
            line.push(r.metric(m).map_or_else(
                || "-".to_string(),
                |v| {
                    if m == "trades" {
                        format!("{v:.0}")
                    } else {
                        format!("{v:.4}")
                    }
                },
            ));
        }
        rows.push(line);
    }
    let width: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            r.iter()
                .zip(&width)
                .map(|(s, w)| format!("{s:>w$}"))
                .collect::<Vec<_>>()
                .join("  ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_axes_are_checked() {
        assert_eq!(
            parse_axis("fast=5:20:5").unwrap(),
            ("fast".to_string(), 5.0, 20.0, 5.0)
        );
        assert_eq!(parse_axis(" slow = 30:60").unwrap().3, 1.0);
        // Before: 1e12 values were allocated (or the count overflowed) instead of an error.
        for bad in [
            "fast=1:1e12",
            "fast=1:inf",
            "fast=nan:5",
            "fast=1:5:0",
            "fast=5:1",
            "fast=1:5:-1",
            "fast",
            "fast=1",
        ] {
            assert!(parse_axis(bad).is_err(), "{bad}");
        }
    }
}
