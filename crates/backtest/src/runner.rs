//! One configured run: a strategy's signals through the engine, its metrics, and a
//! buy-and-hold benchmark under the same costs. What `backtest` prints and reports.

use thetalab_strategy::{BarStrategy, BarsView, BuyAndHold};

use crate::metrics::{Metrics, MonthlyReturn, monthly_returns};
use crate::{BacktestConfig, BacktestResult, Result, run};

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
    let signals = strategy.signals(bars)?;
    let result = run(bars, &signals, cfg)?.with_symbol(symbol);
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
