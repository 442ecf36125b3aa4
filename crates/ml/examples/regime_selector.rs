//! The options regime selector routed by a fitted Gaussian mixture against the same
//! selector routed by the market-intelligence rule, on the built-in synthetic market:
//!
//! ```text
//! cargo run --release -p thetalab-ml --example regime_selector -- [train_sessions] [test_sessions]
//! ```
//!
//! The mixture is fitted on the daily closes of the first `train_sessions` (default 252);
//! both selectors then replay the next `test_sessions` (default 63) with the default
//! children (`bull-put`, `bear-call`, `iron-condor-0dte`, none in high volatility) and the
//! default costs, so the model is judged only on sessions it never saw. Prints the
//! regimes the model gave and a table of trades and P&L per child for each run.

use std::collections::BTreeMap;

use thetalab_backtest::options::{
    DailyVolIndices, ReplayConfig, SnapshotSource, SynthSource, replay,
};
use thetalab_core::Timestamp;
use thetalab_data::ChainSnapshot;
use thetalab_data::synth::{SynthConfig, SyntheticMarket};
use thetalab_ml::models::RegimeModel;
use thetalab_ml::regime_source::{MixtureRegimeSource, RegimeInputs};
use thetalab_strategy::options::{OptionStrategy, SelectorConfig, StrategySelector};

/// The snapshots of `inner` from `start` on (the earlier ones are generated and dropped).
struct Skip<S> {
    inner: S,
    start: Timestamp,
}

impl<S: SnapshotSource> SnapshotSource for Skip<S> {
    fn next_into(&mut self, snap: &mut ChainSnapshot) -> thetalab_backtest::Result<bool> {
        loop {
            if !self.inner.next_into(snap)? {
                return Ok(false);
            }
            if snap.ts >= self.start {
                return Ok(true);
            }
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let train: usize = args.get(1).map_or(Ok(252), |s| s.parse())?;
    let test: usize = args.get(2).map_or(Ok(63), |s| s.parse())?;
    let inputs = RegimeInputs::default();
    if train <= inputs.lookback() + 4 || test == 0 {
        return Err(format!(
            "need more than {} training sessions and at least 1 test session, got {train} and {test}",
            inputs.lookback() + 4
        )
        .into());
    }
    let market = SyntheticMarket::new(SynthConfig {
        sessions: train + test,
        ..SynthConfig::default()
    })?;
    let closes: Vec<f64> = market.index_daily().bars.iter().map(|b| b.close).collect();
    let history = closes
        .get(..train)
        .ok_or("the market has fewer daily closes than training sessions")?;
    let model = RegimeModel::fit(&inputs.rows(history)?, 2, 0, 1, 42)?;
    let first_test = *market
        .sessions()
        .get(train)
        .ok_or("the market has fewer sessions than asked for")?;
    let start = Timestamp::from_ny_hms(first_test, "00:00:00")?;
    println!(
        "mixture fitted on {train} sessions' closes; components {:?}",
        model.component_labels()
    );

    // The model's answers over the test sessions (close by close), for the record.
    let source = MixtureRegimeSource::new(model, inputs)?.with_closes(history)?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for end in train + 1..=closes.len() {
        if let Some((label, route)) = source.classify(&closes[..end]) {
            *counts
                .entry(format!("{} → {route}", label.as_str()))
                .or_default() += 1;
        }
    }
    println!("test sessions by regime (at the close): {counts:?}");

    let runs = [("intel rule", None), ("gaussian mixture", Some(source))];
    for (title, source) in runs {
        let mut sel = StrategySelector::new(SelectorConfig::default())?;
        if let Some(s) = source {
            sel = sel.with_regime_source(Box::new(s));
        }
        let mut strategies: Vec<Box<dyn OptionStrategy>> = vec![Box::new(sel)];
        let mut snaps = Skip {
            inner: SynthSource::new(&market, 2, 2)?,
            start,
        };
        let res = replay(
            &mut snaps,
            &mut strategies,
            &mut DailyVolIndices::synthetic(&market),
            &ReplayConfig::default(),
            None,
            &mut |_| {},
        )?;
        println!("\n{title}: {} sessions out of sample", test);
        println!(
            "{:<20} {:>7} {:>7} {:>12}",
            "child", "trades", "wins", "P&L $"
        );
        // Per child: the trades' `strategy` is the alias the selector wrote.
        let mut per: BTreeMap<&str, (u32, u32, f64)> = BTreeMap::new();
        for t in &res.trades {
            let e = per.entry(t.strategy.as_str()).or_default();
            e.0 += 1;
            e.1 += u32::from(t.pnl > 0.0);
            e.2 += t.pnl;
        }
        for (child, (n, wins, pnl)) in &per {
            println!("{child:<20} {n:>7} {wins:>7} {pnl:>12.2}");
        }
        let t = &res.totals;
        println!(
            "{:<20} {:>7} {:>7} {:>12.2}   (fees {:.2}, max drawdown {:.2} %)",
            "total",
            t.trades,
            t.wins,
            t.pnl,
            t.fees,
            100.0 * t.max_drawdown
        );
    }
    Ok(())
}
