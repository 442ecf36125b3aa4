//! One configured run: a strategy's signals through the engine, its metrics, and a
//! buy-and-hold benchmark under the same costs. What `backtest` prints and reports.

use thetalab_strategy::{BarStrategy, BarsView, BuyAndHold};

use crate::gate::RiskGate;
use crate::metrics::{Metrics, MonthlyReturn, monthly_returns};
use crate::{BacktestConfig, BacktestResult, Result, run, run_gated};

/// The outcome of [`run_strategy`].
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The strategy's run.
    pub result: BacktestResult,
    /// Its metrics.
    pub metrics: Metrics,
    /// Buy-and-hold of the same asset with the same costs and cash: the benchmark.
    pub benchmark: BacktestResult,
    /// The benchmark's metrics.
    pub benchmark_metrics: Metrics,
    /// Calendar-month returns of the strategy (New York months).
    pub monthly: Vec<MonthlyReturn>,
}

/// Runs `strategy` on `bars` (of `symbol`) under `cfg`, with its buy-and-hold benchmark.
pub fn run_strategy(
    symbol: &str,
    bars: &BarsView<'_>,
    strategy: &dyn BarStrategy,
    cfg: &BacktestConfig,
) -> Result<RunOutput> {
    run_with(symbol, bars, strategy, cfg, None)
}

/// [`run_strategy`] with the strategy's orders through the pre-trade `gate` (see
/// [`crate::gate`]). The orders carry the gate template's symbol as their ticker
/// (`symbol` only names the result, so it may be any label); the buy-and-hold
/// benchmark is not gated: it is the market the strategy is compared with.
pub fn run_strategy_gated(
    symbol: &str,
    bars: &BarsView<'_>,
    strategy: &dyn BarStrategy,
    cfg: &BacktestConfig,
    gate: &mut RiskGate,
) -> Result<RunOutput> {
    run_with(symbol, bars, strategy, cfg, Some(gate))
}

fn run_with(
    symbol: &str,
    bars: &BarsView<'_>,
    strategy: &dyn BarStrategy,
    cfg: &BacktestConfig,
    gate: Option<&mut RiskGate>,
) -> Result<RunOutput> {
    let signals = strategy.signals(bars)?;
    let result = match gate {
        None => run(bars, &signals, cfg)?.with_symbol(symbol),
        Some(g) => run_gated(bars, &signals, cfg, g)?.with_symbol(symbol),
    };
    let metrics = result.metrics(cfg)?;
    let hold = BuyAndHold.signals(bars)?;
    // The benchmark holds through; exits and stops are the strategy's, not the index's.
    let bench_cfg = BacktestConfig {
        exits: Default::default(),
        ..cfg.clone()
    };
    let benchmark = run(bars, &hold, &bench_cfg)?.with_symbol(symbol);
    let benchmark_metrics = benchmark.metrics(&bench_cfg)?;
    let monthly = monthly_returns(bars.ts, &result.returns)?;
    Ok(RunOutput {
        result,
        metrics,
        benchmark,
        benchmark_metrics,
        monthly,
    })
}
