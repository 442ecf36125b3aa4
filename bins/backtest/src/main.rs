//! `backtest`: run an options strategy on option chains, or a strategy on bars, and write
//! the report.
//!
//! ```text
//! backtest                                              default: the 0DTE SPX iron condor on the built-in synthetic market, one year
//! backtest --days 20 --seed 7 --fill mid --spread-fraction 0.25 --set short.delta=0.15
//! backtest --options-strategy credit-vertical --set right=\"put\"
//! backtest --store data/store --underlying SPX --start 2024-01-02 --end 2024-03-28
//! backtest --config run.toml                            everything from a TOML file ([options] or the bar sections)
//! backtest --csv SPY.csv --strategy sma-cross --set fast=10 --set slow=50 --fees 0.001 --fill close --cash 100000 [--json]
//! backtest --strategy sma-cross                         the bar backtester on the synthetic SPX index, 5 years
//! backtest --store data/store --symbol SPY --strategy mean-reversion
//! backtest sweep --csv SPY.csv --strategy sma-cross --grid fast=2:100 --grid slow=10:250 [--rank-by sharpe]
//! ```
//!
//! **Which engine runs.** A bar flag (`--strategy`, `--csv`, `--symbol`, `--interval`,
//! `--fees`, `--fee-per-share`, `--slippage-bps`, `--whole-shares`, `--direction`,
//! `--stop-loss`, `--take-profit`, `--atr-trail`, `--time-stop`, `--fill close|open`,
//! `--limits`), a run file with a bar section (`[data]`, `[strategy]`, `[costs]`,
//! `[engine]`, `[exits]`, `[limits]`) or the `sweep` subcommand selects the bar
//! backtester, exactly as before.
//! Otherwise the options replay runs (`--options-strategy`, `--underlying`, `--seed`,
//! `--days`, `--fill natural|mid`, `--spread-fraction`, `--risk-per-trade`, `[options]`).
//! Mixing the two is a usage error.
//!
//! Files go to `reports/<run name>/` under the current directory unless `--out DIR`:
//! bars write `report.html`, `summary.json`, `trades.csv`, `equity.parquet` (a sweep
//! writes `sweep.csv` and a report of its best combination); options runs add
//! `daily.csv` and `breakdown.csv` (docs/options-backtest.md). `--json` prints one JSON
//! object instead of the table. Exit codes: 0 done, 1 error (the message names the
//! file, row or field), 2 bad usage.

mod bars;
mod cli;
mod config;
mod options;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use crate::cli::{Cli, Cmd, FillArg, RunArgs};
use crate::config::ConfigFile;

/// `println!` that ends quietly when stdout is closed (`backtest | head`).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut o = std::io::stdout().lock();
        if writeln!(o, $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// A usage error (conflicting or misplaced flags): exit code 2, like clap's own.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("backtest: error: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// The bar flags given on the command line, by name.
fn bar_flags(a: &RunArgs) -> Vec<&'static str> {
    let mut v = Vec::new();
    let mut flag = |on: bool, name| {
        if on {
            v.push(name);
        }
    };
    flag(a.strategy.is_some(), "--strategy");
    flag(a.csv.is_some(), "--csv");
    flag(a.symbol.is_some(), "--symbol");
    flag(a.interval.is_some(), "--interval");
    flag(a.fees.is_some(), "--fees");
    flag(a.fee_per_share.is_some(), "--fee-per-share");
    flag(a.slippage_bps.is_some(), "--slippage-bps");
    flag(a.whole_shares, "--whole-shares");
    flag(a.direction.is_some(), "--direction");
    flag(a.stop_loss.is_some(), "--stop-loss");
    flag(a.take_profit.is_some(), "--take-profit");
    flag(a.atr_trail.is_some(), "--atr-trail");
    flag(a.time_stop.is_some(), "--time-stop");
    flag(a.limits.is_some(), "--limits");
    flag(
        matches!(a.fill, Some(FillArg::Close | FillArg::Open)),
        "--fill close|open",
    );
    v
}

fn run(cli: Cli) -> Result<()> {
    let file = ConfigFile::load(cli.run.config.as_deref())?;
    let mut bars = bar_flags(&cli.run);
    bars.extend(file.bar_sections());
    let mut opts = options::flags_given(&cli.run);
    if file.options.is_some() {
        opts.push("[options]");
    }
    let sweep = matches!(cli.cmd, Some(Cmd::Sweep(_)));
    if !opts.is_empty() && (!bars.is_empty() || sweep) {
        let b = if sweep {
            "sweep".to_string()
        } else {
            bars.join(", ")
        };
        return Err(UsageError(format!(
            "{} select the bar backtester but {} belong to the options replay; give one or the other",
            b,
            opts.join(", ")
        ))
        .into());
    }
    if bars.is_empty() && !sweep {
        return options::run(&cli.run, file);
    }
    let plan = bars::plan(&cli.run, file)?;
    match cli.cmd {
        None => bars::single(&plan),
        Some(Cmd::Sweep(s)) => bars::sweep_cmd(&plan, &s),
    }
}
