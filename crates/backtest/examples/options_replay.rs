//! Replays the 0DTE iron condor over the synthetic market and prints the figures:
//! `cargo run --release -p thetalab-backtest --example options_replay -- [store|synth] [sessions]`.
//!
//! `store` (default) reads the year written by the `replay` bench
//! (`target/bench-data/replay-store`, written here too if missing; another number of
//! sessions gets its own `replay-store-<sessions>`, so that the bench never reads a
//! shorter store as its year); `synth` generates the chains on a background thread
//! instead. Run under `/usr/bin/time -v` for the peak memory.

use std::path::PathBuf;
use std::time::Instant;

use thetalab_backtest::options::{
    DailyVolIndices, ReplayConfig, SnapshotSource, SynthSource, replay,
};
use thetalab_data::synth::{SynthConfig, SyntheticMarket};
use thetalab_data::{Store, TimeRange};
use thetalab_strategy::options::{IronCondor0Dte, IronCondorConfig, OptionStrategy};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("store", String::as_str);
    let year = SynthConfig::default().sessions;
    let sessions: usize = args.get(2).map_or(Ok(year), |s| s.parse())?;
    let market = SyntheticMarket::new(SynthConfig {
        sessions,
        ..SynthConfig::default()
    })?;
    let mut source: Box<dyn SnapshotSource> = if mode == "synth" {
        Box::new(SynthSource::new(&market, 2, 2)?)
    } else {
        let name = if sessions == year {
            "replay-store".to_string()
        } else {
            format!("replay-store-{sessions}")
        };
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/bench-data")
            .join(name);
        let store = Store::open(&dir);
        if !dir.join("COMPLETE").exists() {
            eprintln!("writing {sessions} sessions of chains to {}", dir.display());
            // From an empty folder, as the bench does (an interrupted run leaves part of it).
            if dir.exists() {
                std::fs::remove_dir_all(&dir)?;
            }
            for day in market.chain_days_parallel(2) {
                store.write_chain(&day?.1)?;
            }
            std::fs::write(dir.join("COMPLETE"), b"ok")?;
        }
        Box::new(store.chain_snapshots("SPX", TimeRange::ALL)?)
    };
    let mut cfg = IronCondorConfig::default();
    cfg.order.limit_fraction = Some(1.0);
    let mut strategies: Vec<Box<dyn OptionStrategy>> = vec![Box::new(IronCondor0Dte::new(cfg)?)];
    let mut vol = DailyVolIndices::synthetic(&market);
    let t0 = Instant::now();
    let res = replay(
        source.as_mut(),
        &mut strategies,
        &mut vol,
        &ReplayConfig::default(),
        None,
        &mut |_| {},
    )?;
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{} snapshots, {} quotes in {secs:.2} s ({:.1} M quotes/s)",
        res.snapshots_processed,
        res.quotes_processed,
        res.quotes_processed as f64 / secs / 1e6
    );
    let t = &res.totals;
    println!(
        "trades {}, wins {}, P&L {:.2}, fees {:.2}, max drawdown {:.2} %, not filled {}",
        t.trades,
        t.wins,
        t.pnl,
        t.fees,
        100.0 * t.max_drawdown,
        t.not_filled
    );
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    for n in &res.not_filled {
        *reasons.entry(format!("{:?}", n.reason)).or_default() += 1;
    }
    println!("not filled by reason: {reasons:?}");
    if let Some(n) = res.not_filled.first() {
        println!("first not filled: {} {}", n.ts, n.detail);
    }
    for n in &res.notes {
        println!("note: {n}");
    }
    Ok(())
}
