//! Writes a full report for a synthetic two-year run into a folder (default
//! `target/report-demo/`): `report.html`, `summary.json`, `trades.csv`,
//! `equity.parquet`, and prints the terminal summary.
//!
//! ```sh
//! cargo run -p thetalab-report --example report_demo -- /tmp/demo
//! ```

use std::path::PathBuf;

use chrono::{Datelike, Days, NaiveDate, NaiveTime, Weekday};
use thetalab_core::Timestamp;
use thetalab_report::{
    Direction, Metric, ReportError, ReportInput, SweepTable, TradeRow, Unit, summary_table,
    write_all,
};

/// Knuth's MMIX linear congruential generator, mapped to [0, 1): deterministic noise.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/report-demo"), PathBuf::from);
    let input = demo_input()?;
    let files = write_all(&dir, &input)?;
    println!("{}", summary_table(&input));
    println!("wrote {}", files.html.display());
    Ok(())
}

fn demo_input() -> Result<ReportInput, ReportError> {
    let mut rng = Lcg(7);
    let mut ts = Vec::new();
    let mut d = NaiveDate::from_ymd_opt(2021, 1, 4).unwrap_or_default();
    while ts.len() < 504 {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
            && let Ok(t) = Timestamp::from_ny(d, NaiveTime::MIN)
        {
            ts.push(t);
        }
        d = d.checked_add_days(Days::new(1)).unwrap_or(d);
    }
    let n = ts.len();
    let (mut e, mut b) = (100_000.0, 100_000.0);
    let (mut equity, mut bench, mut returns) = (vec![], vec![], vec![]);
    for i in 0..n {
        let common = rng.next() - 0.47;
        let r = if i == 0 {
            0.0
        } else {
            0.018 * common + 0.006 * (rng.next() - 0.5)
        };
        let rb = if i == 0 { 0.0 } else { 0.022 * common };
        e *= 1.0 + r;
        b *= 1.0 + rb;
        equity.push(e);
        bench.push(b);
        returns.push(r);
    }
    // Monthly returns from month-end equity.
    let mut monthly = Vec::new();
    let mut base = equity[0];
    for i in 0..n {
        let day = ts[i].ny_date();
        if i + 1 == n || ts[i + 1].ny_date().month() != day.month() {
            monthly.push((day.year(), day.month(), equity[i] / base - 1.0));
            base = equity[i];
        }
    }
    let trades: Vec<TradeRow> = (0..60)
        .map(|k| {
            let entry = k * 8;
            let exit = entry + 5;
            let px = 400.0 + 50.0 * rng.next();
            let out = px * (1.0 + (rng.next() - 0.47) * 0.06);
            let size = 200.0;
            let fees = 0.0005 * (px + out) * size;
            let pnl = (out - px) * size - fees;
            TradeRow {
                symbol: "SPY".into(),
                direction: Direction::Long,
                entry_ts: ts[entry],
                exit_ts: Some(ts[exit]),
                entry_price: px,
                exit_price: Some(out),
                size,
                fees,
                pnl,
                return_pct: pnl / (px * size),
                exit_reason: if pnl < -1_000.0 {
                    "stop_loss"
                } else {
                    "signal"
                }
                .into(),
            }
        })
        .collect();
    let x: Vec<f64> = (1..=12).map(|k| f64::from(k) * 5.0).collect();
    let y: Vec<f64> = (1..=10).map(|k| f64::from(k) * 20.0).collect();
    let z = y
        .iter()
        .flat_map(|&s| x.iter().map(move |&f| (f < s).then_some((f, s))))
        .map(|c| c.map(|(f, s)| 1.2 - ((f - 20.0) / 30.0).powi(2) - ((s - 100.0) / 90.0).powi(2)))
        .collect();
    let input = ReportInput {
        title: "SMA crossover on SPY (synthetic)".into(),
        run_name: "demo".into(),
        strategy: "sma-cross".into(),
        params: vec![("fast".into(), "20".into()), ("slow".into(), "100".into())],
        ts,
        equity,
        benchmark: Some(("SPY buy & hold".into(), bench)),
        returns,
        metrics: vec![
            Metric::new("final_value", Some(e), Unit::Money),
            Metric::new("total_return", Some(e / 100_000.0 - 1.0), Unit::Percent),
            Metric::new("annual_return", Some(0.061), Unit::Percent),
            Metric::new("annual_volatility", Some(0.148), Unit::Percent),
            Metric::new("sharpe", Some(0.47), Unit::Ratio),
            Metric::new("sortino", Some(0.69), Unit::Ratio),
            Metric::new("calmar", Some(0.38), Unit::Ratio),
            Metric::new("max_drawdown", Some(-0.161), Unit::Percent),
            Metric::new("max_drawdown_duration", Some(143.0), Unit::Bars),
            Metric::new("var_95", Some(-0.0152), Unit::Percent),
            Metric::new("cvar_95", Some(-0.0197), Unit::Percent),
            Metric::new("trades", Some(60.0), Unit::Count),
            Metric::new("win_rate", Some(0.55), Unit::Percent),
            Metric::new("profit_factor", Some(1.31), Unit::Ratio),
            Metric::new("exposure", Some(0.62), Unit::Percent),
        ],
        trades,
        monthly,
        sweep: Some(SweepTable {
            x_name: "fast".into(),
            y_name: "slow".into(),
            x,
            y,
            z,
            metric_name: "sharpe".into(),
        }),
        generated_at: None,
    };
    input.validate()?;
    Ok(input)
}
