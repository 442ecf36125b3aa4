//! The command line: flags shared by the bar backtester and the options replay, and the
//! flags of each.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Deserialize;

#[derive(Parser)]
#[command(
    name = "backtest",
    version,
    about = "Backtest an options strategy on option chains (the default: the 0DTE SPX iron condor on the built-in synthetic market) or a strategy on bars (--strategy), and write the report.",
    after_help = "Which engine runs: --strategy, --csv, --symbol (or a run file with [data] or [strategy]) select the bar backtester; otherwise the options replay runs (flags --options-strategy, --underlying, --seed, --days, --fill natural|mid, [options] in the run file). See docs/options-backtest.md and docs/backtest.md."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) cmd: Option<Cmd>,
    #[command(flatten)]
    pub(crate) run: RunArgs,
}

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// A parameter sweep (grid or random search), ranked by a metric.
    Sweep(SweepArgs),
}

#[derive(Args, Clone, Default)]
pub(crate) struct RunArgs {
    /// A TOML file with the whole run (flags given too override it).
    #[arg(long, global = true)]
    pub(crate) config: Option<PathBuf>,
    /// Bars from a CSV file: date,open,high,low,close[,volume] (Yahoo layout accepted).
    #[arg(long, global = true)]
    pub(crate) csv: Option<PathBuf>,
    /// The store: bars (with --symbol) or option chains (options replay, with --underlying).
    #[arg(long, global = true)]
    pub(crate) store: Option<PathBuf>,
    /// Symbol (store) or name of the CSV's series.
    #[arg(long, global = true)]
    pub(crate) symbol: Option<String>,
    /// Bar interval in the store (default 1d).
    #[arg(long, global = true)]
    pub(crate) interval: Option<String>,
    /// First date (YYYY-MM-DD, inclusive).
    #[arg(long, global = true)]
    pub(crate) start: Option<NaiveDate>,
    /// Last date (YYYY-MM-DD, inclusive).
    #[arg(long, global = true)]
    pub(crate) end: Option<NaiveDate>,
    /// Bar strategy (selects the bar backtester): sma-cross, ema-cross, mean-reversion,
    /// breakout, buy-hold.
    #[arg(long, global = true)]
    pub(crate) strategy: Option<String>,
    /// A strategy parameter, NAME=VALUE (repeatable; options: a TOML value, dotted names
    /// for nested keys, e.g. short.delta=0.15).
    #[arg(long = "set", value_name = "NAME=VALUE", global = true)]
    pub(crate) set: Vec<String>,
    /// Proportional fee as a fraction of traded value (0.001 = 0.1 %, vectorbt's `fees`).
    #[arg(long, global = true)]
    pub(crate) fees: Option<f64>,
    /// Fee per share traded.
    #[arg(long, global = true)]
    pub(crate) fee_per_share: Option<f64>,
    /// Slippage in basis points, always against you.
    #[arg(long, global = true)]
    pub(crate) slippage_bps: Option<f64>,
    /// Bars: close or open (the signal bar's close, the next bar's open); options:
    /// natural or mid.
    #[arg(long, value_enum, global = true)]
    pub(crate) fill: Option<FillArg>,
    /// Starting cash.
    #[arg(long, global = true)]
    pub(crate) cash: Option<f64>,
    /// Whole shares only (default fractional).
    #[arg(long, global = true)]
    pub(crate) whole_shares: bool,
    /// Which signals to trade.
    #[arg(long, value_enum, global = true)]
    pub(crate) direction: Option<DirectionArg>,
    /// Stop loss as a fraction of the entry price (0.05 = 5 %).
    #[arg(long, global = true)]
    pub(crate) stop_loss: Option<f64>,
    /// Take profit as a fraction of the entry price.
    #[arg(long, global = true)]
    pub(crate) take_profit: Option<f64>,
    /// ATR trailing stop multiple (k × ATR(14)).
    #[arg(long, global = true)]
    pub(crate) atr_trail: Option<f64>,
    /// Exit after this many bars.
    #[arg(long, global = true)]
    pub(crate) time_stop: Option<usize>,
    /// Output folder (default reports/<run name>).
    #[arg(long, global = true)]
    pub(crate) out: Option<PathBuf>,
    /// Run name (default from the strategy, symbol and parameters).
    #[arg(long, global = true)]
    pub(crate) name: Option<String>,
    /// Bars: gate every order with the pre-trade limits of this TOML file (a
    /// `thetalab_risk::limits::LimitsConfig`; overrides the run file's `[limits]`).
    #[arg(long, value_name = "FILE.toml", global = true)]
    pub(crate) limits: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Options replay: the strategy (default iron-condor-0dte; see docs/options-backtest.md).
    #[arg(long, value_name = "NAME")]
    pub(crate) options_strategy: Option<String>,
    /// Options replay: the underlying whose chains are read from --store (default SPX).
    #[arg(long, value_name = "SYMBOL")]
    pub(crate) underlying: Option<String>,
    /// Options replay on the synthetic market: its seed.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Options replay on the synthetic market: sessions to generate (default 252).
    #[arg(long)]
    pub(crate) days: Option<usize>,
    /// Options replay with --fill mid: fraction of the spread paid beyond the mid
    /// (0 = mid, 0.5 = natural; default 0).
    #[arg(long, value_name = "F")]
    pub(crate) spread_fraction: Option<f64>,
    /// Options replay: fraction of equity at risk per trade (default 0.02).
    #[arg(long, value_name = "F")]
    pub(crate) risk_per_trade: Option<f64>,
    /// Options replay: no progress bar on stderr.
    #[arg(long)]
    pub(crate) quiet: bool,
}

#[derive(Args)]
pub(crate) struct SweepArgs {
    /// A grid axis NAME=LO:HI[:STEP] (integers step 1 by default; repeatable).
    #[arg(long, value_name = "NAME=LO:HI[:STEP]")]
    pub(crate) grid: Vec<String>,
    /// Random search with this many draws over the --grid ranges instead of the full grid.
    #[arg(long)]
    pub(crate) random: Option<usize>,
    /// Seed of the random search.
    #[arg(long, default_value_t = 7)]
    pub(crate) seed: u64,
    /// Metric to rank by (sharpe, total_return, calmar, sortino, max_drawdown, …).
    #[arg(long, default_value = "sharpe")]
    pub(crate) rank_by: String,
    /// Rows of the ranking to print.
    #[arg(long, default_value_t = 10)]
    pub(crate) top: usize,
    /// Rank ascending (for metrics where lower is better, e.g. annual_volatility).
    #[arg(long)]
    pub(crate) ascending: bool,
}

#[derive(Clone, Copy, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum FillArg {
    /// Bars: at the signal bar's close.
    Close,
    /// Bars: at the next bar's open.
    #[value(alias = "next-open")]
    Open,
    /// Options: buy at the ask, sell at the bid.
    Natural,
    /// Options: at the mid ± --spread-fraction of the spread.
    Mid,
}

#[derive(Clone, Copy, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum DirectionArg {
    Long,
    Short,
    Both,
}
