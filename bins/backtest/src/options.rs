//! The options replay's path (the default): resolve the run from the flags and the run
//! file's `[options]` table, stream chains from the synthetic market or the store
//! through the replay engine with a progress bar, and write the options report.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use thetalab_backtest::options::{
    DailyVolIndices, FillModel, MarkMode, NoVolIndices, Progress, ReplayConfig, ReplayResult,
    SnapshotSource, SynthSource, VolIndexSource, replay,
};
use thetalab_data::calendar::NyseCalendar;
use thetalab_data::store::{Store, TimeRange};
use thetalab_data::synth::{SynthConfig, SyntheticMarket};
use thetalab_report::options::{
    OptionsReport, OptionsRunInfo, top_not_filled, write_options_report,
};
use thetalab_strategy::options::condor::IronCondorConfig;
use thetalab_strategy::options::{
    OPTION_STRATEGY_NAMES, OptionStrategy, by_name, config_from_toml,
};

use crate::UsageError;
use crate::cli::{FillArg, RunArgs};
use crate::config::{ConfigFile, OptionsSection};
use crate::out;

/// The default options strategy.
pub(crate) const DEFAULT_STRATEGY: &str = "iron-condor-0dte";

/// Where the chains come from.
enum Chains {
    Synthetic(Box<SynthConfig>),
    Store {
        dir: PathBuf,
        underlying: String,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    },
}

/// A resolved options run.
struct OptionsPlan {
    name: Option<String>,
    out: Option<PathBuf>,
    strategy: String,
    params: toml::Table,
    chains: Chains,
    cfg: ReplayConfig,
    json: bool,
    quiet: bool,
}

/// Sets `key` (dotted for nested tables: `short.delta`) to `value` in `table`.
fn set_dotted(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<()> {
    let mut parts: Vec<&str> = key.split('.').map(str::trim).collect();
    let Some(last) = parts.pop().filter(|s| !s.is_empty()) else {
        bail!("--set {key:?}: empty name");
    };
    let mut t = table;
    for p in parts {
        if p.is_empty() {
            bail!("--set {key:?}: empty name part");
        }
        let slot = t
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(inner) = slot.as_table_mut() else {
            bail!("--set {key:?}: {p} is not a table");
        };
        t = inner;
    }
    t.insert(last.to_string(), value);
    Ok(())
}

/// `NAME=VALUE` with the value read as TOML (`0.15`, `true`, `"SPXW"`, `{ delta = 0.1 }`,
/// `["10:00", "13:00"]`), falling back to a plain string (`root=SPXW`).
fn parse_set(kv: &str) -> Result<(String, toml::Value)> {
    let (k, v) = kv
        .split_once('=')
        .with_context(|| format!("--set {kv:?}: expected NAME=VALUE"))?;
    let v = v.trim();
    let parsed: Option<toml::Value> = format!("x = {v}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("x"));
    Ok((
        k.trim().to_string(),
        parsed.unwrap_or_else(|| toml::Value::String(v.to_string())),
    ))
}

/// Sessions of the NYSE calendar in `start..=end`.
fn sessions_between(start: NaiveDate, end: NaiveDate) -> Result<usize> {
    let cal = NyseCalendar::new();
    let mut d = cal.session_on_or_after(start)?;
    let mut n = 0;
    while d <= end {
        n += 1;
        d = cal.next_session(d)?;
    }
    Ok(n)
}

fn plan(a: &RunArgs, file: ConfigFile) -> Result<OptionsPlan> {
    let o: OptionsSection = file.options.unwrap_or_default();
    let strategy = a
        .options_strategy
        .clone()
        .or(o.strategy)
        .unwrap_or_else(|| DEFAULT_STRATEGY.to_string());
    let mut params = o.params.unwrap_or_default();
    for kv in &a.set {
        let (k, v) = parse_set(kv)?;
        set_dotted(&mut params, &k, v)?;
    }
    let start = a.start.or(o.start);
    let end = a.end.or(o.end);
    let store = a.store.clone().or(o.store);
    let underlying = a.underlying.clone().or(o.underlying);
    let mut cfg = ReplayConfig::default();
    let chains = match store {
        Some(dir) => {
            if a.seed.is_some() || a.days.is_some() || o.seed.is_some() || o.days.is_some() {
                return Err(UsageError(
                    "--seed and --days shape the synthetic market; they do not apply to --store"
                        .to_string(),
                )
                .into());
            }
            Chains::Store {
                dir,
                underlying: underlying.unwrap_or_else(|| "SPX".to_string()),
                start,
                end,
            }
        }
        None => {
            if let Some(u) = underlying.filter(|u| u != "SPX") {
                bail!(
                    "--underlying {u}: the built-in synthetic market is SPX; give --store DIR for other underlyings"
                );
            }
            let mut s = o.synthetic.unwrap_or_default();
            if let Some(seed) = a.seed.or(o.seed) {
                s.seed = seed;
            }
            if let Some(d) = start {
                s.start = d;
            }
            match (a.days.or(o.days), end) {
                (Some(n), _) => s.sessions = n,
                (None, Some(e)) => s.sessions = sessions_between(s.start, e)?,
                (None, None) => {}
            }
            if s.sessions == 0 {
                bail!("the synthetic market needs at least 1 session (--days)");
            }
            // Greeks and implied vols with the rates the chains were priced with.
            cfg.rate = s.rate;
            cfg.dividend_yield = s.dividend_yield;
            Chains::Synthetic(Box::new(s))
        }
    };
    let fill = a.fill.or(o.fill).unwrap_or(FillArg::Natural);
    let fraction = a.spread_fraction.or(o.spread_fraction);
    cfg.fill = match fill {
        FillArg::Natural => {
            if fraction.is_some() {
                return Err(UsageError("--spread-fraction needs --fill mid".to_string()).into());
            }
            FillModel::Natural
        }
        FillArg::Mid => FillModel::Mid {
            spread_fraction: fraction.unwrap_or(0.0),
        },
        FillArg::Close | FillArg::Open => {
            return Err(UsageError(
                "--fill close|open is for bar strategies; the options replay fills natural or mid"
                    .to_string(),
            )
            .into());
        }
    };
    if let Some(m) = o.mark.as_deref() {
        cfg.mark = match m {
            "mid" => MarkMode::Mid,
            "natural" => MarkMode::Natural,
            other => bail!("[options] mark = {other:?}: expected \"mid\" or \"natural\""),
        };
    }
    if let Some(f) = o.fees {
        cfg.fees = f;
    }
    if let Some(c) = a.cash.or(o.cash) {
        cfg.init_cash = c;
    }
    if let Some(r) = a.risk_per_trade.or(o.risk_per_trade) {
        cfg.risk_per_trade = r;
    }
    if let Some(n) = o.max_positions {
        cfg.max_concurrent_positions = (n > 0).then_some(n);
    }
    if let Some(f) = o.daily_loss_limit {
        cfg.daily_loss_limit = (f > 0.0).then_some(f);
    }
    if let Some(n) = o.max_consecutive_losses {
        cfg.max_consecutive_losses = (n > 0).then_some(n);
    }
    if let Some(r) = o.rate {
        cfg.rate = r;
    }
    if let Some(q) = o.dividend_yield {
        cfg.dividend_yield = q;
    }
    cfg.validate().context("options replay settings")?;
    Ok(OptionsPlan {
        name: a.name.clone().or(file.name),
        out: a.out.clone().or(file.out),
        strategy,
        params,
        chains,
        cfg,
        json: a.json,
        quiet: a.quiet,
    })
}

/// The progress bar: quotes processed (of the total when known), snapshots and quotes
/// per second, sessions done.
struct Bar {
    bar: ProgressBar,
    started: Instant,
    last_draw: Instant,
    day: Option<NaiveDate>,
    days: u64,
    days_total: Option<u64>,
}

impl Bar {
    fn new(quotes_total: Option<u64>, days_total: Option<u64>, hidden: bool) -> Bar {
        let bar = match quotes_total {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::no_length(),
        };
        if hidden {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        let template = if quotes_total.is_some() {
            "{spinner} [{bar:30}] {percent:>3}% {msg} {elapsed} eta {eta}"
        } else {
            "{spinner} {msg} {elapsed}"
        };
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        let now = Instant::now();
        Bar {
            bar,
            started: now,
            last_draw: now,
            day: None,
            days: 0,
            days_total,
        }
    }

    fn update(&mut self, p: &Progress) {
        let d = p.ts.ny_date();
        if self.day != Some(d) {
            self.day = Some(d);
            self.days += 1;
        }
        let now = Instant::now();
        if now.duration_since(self.last_draw) < Duration::from_millis(100) {
            return;
        }
        self.last_draw = now;
        let secs = now.duration_since(self.started).as_secs_f64().max(1e-9);
        self.bar.set_position(p.quotes);
        let days = match self.days_total {
            Some(t) => format!("{}/{t}", self.days),
            None => self.days.to_string(),
        };
        self.bar.set_message(format!(
            "day {days} ({d}) · {:.0} snapshots/s · {:.2} M quotes/s · {} trades · equity {:.0}",
            p.snapshots as f64 / secs,
            p.quotes as f64 / secs / 1e6,
            p.trades,
            p.equity
        ));
    }
}

fn run_name(plan: &OptionsPlan) -> String {
    plan.name.clone().unwrap_or_else(|| match &plan.chains {
        Chains::Synthetic(s) => {
            format!("{}-synthetic-seed{}-{}d", plan.strategy, s.seed, s.sessions)
        }
        Chains::Store {
            underlying,
            start,
            end,
            ..
        } => {
            let u: String = underlying
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let mut n = format!("{}-{u}", plan.strategy);
            if let Some(s) = start {
                n.push_str(&format!("-from{s}"));
            }
            if let Some(e) = end {
                n.push_str(&format!("-to{e}"));
            }
            n
        }
    })
}

/// Builds the strategy from the registry, listing the valid names on error.
fn strategy(plan: &OptionsPlan) -> Result<Box<dyn OptionStrategy>> {
    by_name(&plan.strategy, &plan.params).with_context(|| {
        if OPTION_STRATEGY_NAMES.contains(&plan.strategy.as_str()) {
            format!("options strategy {:?}", plan.strategy)
        } else {
            format!(
                "options strategy {:?} (valid: {})",
                plan.strategy,
                OPTION_STRATEGY_NAMES.join(", ")
            )
        }
    })
}

/// Runs the replay with a progress bar; returns the result and a description of the data.
fn execute(plan: &OptionsPlan) -> Result<(ReplayResult, String, String)> {
    let mut strategies = vec![strategy(plan)?];
    let hidden = plan.quiet || plan.json;
    match &plan.chains {
        Chains::Synthetic(s) => {
            let market = SyntheticMarket::new((**s).clone()).context("synthetic market")?;
            let mut source = SynthSource::new(&market, 2, 4)?;
            let mut vol = DailyVolIndices::synthetic(&market);
            let mut bar = Bar::new(
                Some(source.quotes_total() as u64),
                Some(s.sessions as u64),
                hidden,
            );
            let result = replay(
                &mut source,
                &mut strategies,
                &mut vol,
                &plan.cfg,
                None,
                &mut |p| bar.update(p),
            );
            bar.bar.finish_and_clear();
            let desc = format!(
                "synthetic SPX market (seed {}, {} sessions from {}, a chain every {} min)",
                s.seed, s.sessions, s.start, s.chain_every_minutes
            );
            Ok((result?, desc, "SPX (synthetic)".to_string()))
        }
        Chains::Store {
            dir,
            underlying,
            start,
            end,
        } => {
            let store = Store::open(dir);
            let range = match (start, end) {
                (None, None) => TimeRange::ALL,
                (s, e) => TimeRange::dates(
                    s.unwrap_or(NaiveDate::MIN),
                    e.unwrap_or(NaiveDate::from_ymd_opt(2100, 12, 31).unwrap_or(NaiveDate::MAX)),
                )?,
            };
            let mut stream = store
                .chain_snapshots(underlying, range)
                .with_context(|| format!("reading {underlying} chains from {}", dir.display()))?;
            // VIX9D / VIX / VIX3M daily bars from the same store, when it has them.
            let read = |sym: &str| {
                store
                    .read_bars(sym, "1d", TimeRange::ALL)
                    .ok()
                    .filter(|s| !s.bars.is_empty())
            };
            let (v9, v, v3) = (read("VIX9D"), read("VIX"), read("VIX3M"));
            let have_vix = v.is_some();
            let mut vol: Box<dyn VolIndexSource> = if v9.is_some() || have_vix || v3.is_some() {
                Box::new(DailyVolIndices::new(v9.as_ref(), v.as_ref(), v3.as_ref()))
            } else {
                Box::new(NoVolIndices)
            };
            let mut bar = Bar::new(None, None, hidden);
            let source: &mut dyn SnapshotSource = &mut stream;
            let result = replay(
                source,
                &mut strategies,
                vol.as_mut(),
                &plan.cfg,
                None,
                &mut |p| bar.update(p),
            );
            bar.bar.finish_and_clear();
            let result = result?;
            if result.snapshots_processed == 0 {
                bail!(
                    "the store {} holds no {underlying} option chains in the chosen period (run `ingest` first)",
                    dir.display()
                );
            }
            let desc = format!(
                "store {} ({underlying} chains{})",
                dir.display(),
                if have_vix {
                    ", VIX from the store"
                } else {
                    ", no VIX in the store"
                }
            );
            Ok((result, desc, underlying.clone()))
        }
    }
}

/// The options run: replay, report files, and the summary on stdout.
pub(crate) fn run(a: &RunArgs, file: ConfigFile) -> Result<()> {
    let plan = plan(a, file)?;
    let name = run_name(&plan);
    let dir = plan
        .out
        .clone()
        .unwrap_or_else(|| Path::new("reports").join(&name));
    let started = Instant::now();
    let (result, source, underlying) = execute(&plan)?;
    let wall = started.elapsed().as_secs_f64();
    let mut params = shown_params(&plan);
    params.push((
        "fill".to_string(),
        match plan.cfg.fill {
            FillModel::Natural => "natural".to_string(),
            FillModel::Mid { spread_fraction } => format!("mid+{spread_fraction}"),
        },
    ));
    params.push((
        "risk_per_trade".to_string(),
        plan.cfg.risk_per_trade.to_string(),
    ));
    let info = OptionsRunInfo {
        title: format!("{} on {underlying}", plan.strategy),
        run_name: name.clone(),
        strategy: plan.strategy.clone(),
        params,
        source: source.clone(),
    };
    let report = OptionsReport::from_replay(&result, info)?;
    let files = write_options_report(&dir, &report)
        .with_context(|| format!("writing the report to {}", dir.display()))?;
    if plan.json {
        let text = thetalab_report::json_summary_string(&report.input)?;
        let mut j: serde_json::Value = serde_json::from_str(&text)?;
        j["report_dir"] = serde_json::Value::from(dir.display().to_string());
        out!("{j}");
        return Ok(());
    }
    out!(
        "{} on {} — {} sessions, {} snapshots, {} quotes in {:.1} s ({:.2} M quotes/s)",
        plan.strategy,
        source,
        result.daily.len(),
        result.snapshots_processed,
        result.quotes_processed,
        wall,
        result.quotes_processed as f64 / wall.max(1e-9) / 1e6
    );
    out!("{}", thetalab_report::summary_table(&report.input));
    for b in report
        .breakdowns
        .iter()
        .filter(|b| b.dimension == "exit_reason")
    {
        out!(
            "  exit {:<14} {:>5} trades  win {:>6.1}%  P&L {:>12.2}  avg {:>9.2}",
            b.key,
            b.trades,
            100.0 * b.win_rate,
            b.pnl,
            b.avg_pnl
        );
    }
    for n in &result.notes {
        out!("note: {n}");
    }
    if result.trades.is_empty() && !result.not_filled.is_empty() {
        // Say why nothing traded: the most frequent reason, with one example.
        if let Some((reason, n, detail)) = top_not_filled(&result) {
            out!(
                "note: no trade; {} of {} orders not filled: {reason} (e.g. {detail}). With natural fills a limit at the mid never fills: try --fill mid, or --set order.limit_fraction=1 for limits at the natural price.",
                n,
                result.not_filled.len()
            );
        }
    }
    out!(
        "files: {}, {}, {}, {}, {}",
        files.json.display(),
        files.trades_csv.display(),
        files.daily_csv.display(),
        files.breakdown_csv.display(),
        files.equity_parquet.display()
    );
    out!("report: {}", files.html.display());
    Ok(())
}

/// A TOML value as compact text: `0.1`, `"SPXW"`, `[a, b]`, `{ k = v }`.
fn toml_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(a) => format!(
            "[{}]",
            a.iter().map(toml_text).collect::<Vec<_>>().join(", ")
        ),
        toml::Value::Table(t) => format!(
            "{{ {} }}",
            t.iter()
                .map(|(k, v)| format!("{k} = {}", toml_text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The strategy parameters to show in the report: the condor's whole effective
/// configuration (defaults included); for other strategies the values given.
fn shown_params(plan: &OptionsPlan) -> Vec<(String, String)> {
    let effective = if plan.strategy == DEFAULT_STRATEGY {
        config_from_toml::<IronCondorConfig>(&plan.strategy, &plan.params)
            .ok()
            .and_then(|c| toml::Value::try_from(c).ok())
            .and_then(|v| v.as_table().cloned())
    } else {
        None
    };
    effective
        .as_ref()
        .unwrap_or(&plan.params)
        .iter()
        .map(|(k, v)| (k.clone(), toml_text(v)))
        .collect()
}

/// The options flags given on the command line, by name (for the choice of engine).
pub(crate) fn flags_given(a: &RunArgs) -> Vec<&'static str> {
    let mut v = Vec::new();
    if a.options_strategy.is_some() {
        v.push("--options-strategy");
    }
    if a.underlying.is_some() {
        v.push("--underlying");
    }
    if a.seed.is_some() {
        v.push("--seed");
    }
    if a.days.is_some() {
        v.push("--days");
    }
    if a.spread_fraction.is_some() {
        v.push("--spread-fraction");
    }
    if a.risk_per_trade.is_some() {
        v.push("--risk-per-trade");
    }
    if matches!(a.fill, Some(FillArg::Natural | FillArg::Mid)) {
        v.push("--fill natural|mid");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_values_are_toml() {
        let mut t = toml::Table::new();
        let (k, v) = parse_set("short.delta=0.15").unwrap();
        set_dotted(&mut t, &k, v).unwrap();
        let (k, v) = parse_set("root=SPXW").unwrap();
        set_dotted(&mut t, &k, v).unwrap();
        let (k, v) = parse_set("windows=[\"10:00\", \"13:00\"]").unwrap();
        set_dotted(&mut t, &k, v).unwrap();
        assert_eq!(t["short"]["delta"].as_float(), Some(0.15));
        assert_eq!(t["root"].as_str(), Some("SPXW"));
        assert_eq!(t["windows"].as_array().map(Vec::len), Some(2));
        assert!(parse_set("novalue").is_err());
    }

    #[test]
    fn sessions_in_january_2024() {
        // NYSE: 21 sessions in January 2024 (New Year's Day and MLK Day closed).
        let d = |m, dd| NaiveDate::from_ymd_opt(2024, m, dd).unwrap();
        assert_eq!(sessions_between(d(1, 1), d(1, 31)).unwrap(), 21);
    }
}
