//! The `backtest` command as users and scripts run it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn backtest(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_backtest"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "thetalab-backtest-cli-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// 600 daily bars of a seeded random walk with trends, in the Yahoo-like layout.
fn write_csv(path: &Path) {
    let mut s = String::from("date,open,high,low,close,volume\n");
    let mut x: u64 = 42;
    let mut p = 100.0f64;
    let mut d = chrono::NaiveDate::from_ymd_opt(2020, 1, 2).unwrap();
    for i in 0..600 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let u = (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        let drift = if (i / 120) % 2 == 0 { 0.002 } else { -0.0015 };
        let o = p;
        p *= 1.0 + drift + 0.02 * u;
        let (h, l) = (o.max(p) * 1.004, o.min(p) * 0.996);
        s.push_str(&format!("{d},{o},{h},{l},{p},{}\n", 1000 + i));
        d = d.succ_opt().unwrap();
        while matches!(
            chrono::Datelike::weekday(&d),
            chrono::Weekday::Sat | chrono::Weekday::Sun
        ) {
            d = d.succ_opt().unwrap();
        }
    }
    std::fs::write(path, s).unwrap();
}

#[test]
fn bar_default_on_the_synthetic_market() {
    // `--strategy` selects the bar backtester: SMA 10/50 on the synthetic index.
    let d = tmp("default");
    let o = backtest(&d, &["--strategy", "sma-cross"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("Sharpe ratio") && text.contains("report:"),
        "{text}"
    );
    let dir = std::fs::read_dir(d.join("reports"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    for f in [
        "report.html",
        "summary.json",
        "trades.csv",
        "equity.parquet",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    // Same seed, same numbers: a second run writes an identical summary.
    let first = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    assert!(backtest(&d, &["--strategy", "sma-cross"]).status.success());
    assert_eq!(
        std::fs::read_to_string(dir.join("summary.json")).unwrap(),
        first
    );
}

#[test]
fn quick_flags_and_json() {
    let d = tmp("json");
    write_csv(&d.join("px.csv"));
    let o = backtest(
        &d,
        &[
            "--csv",
            "px.csv",
            "--strategy",
            "sma-cross",
            "--set",
            "fast=10",
            "--set",
            "slow=50",
            "--fees",
            "0.001",
            "--fill",
            "close",
            "--cash",
            "100000",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for k in [
        "final_value",
        "total_return",
        "annual_return",
        "annual_volatility",
        "sharpe",
        "sortino",
        "calmar",
        "max_drawdown",
        "trades",
        "closed_trades",
        "win_rate",
        "profit_factor",
        "var_95",
        "cvar_95",
    ] {
        assert!(j.get(k).is_some(), "missing {k}: {j}");
    }
    let fv = j["final_value"].as_f64().unwrap();
    let tr = j["total_return"].as_f64().unwrap();
    assert!(
        (fv / 100_000.0 - 1.0 - tr).abs() < 1e-12,
        "final value and total return disagree"
    );
    assert!(j["trades"].as_u64().unwrap() >= 1);
    assert!(Path::new(j["report_dir"].as_str().unwrap()).is_relative());
    assert!(
        d.join(j["report_dir"].as_str().unwrap())
            .join("report.html")
            .exists()
    );
}

#[test]
fn config_file_and_out_dir() {
    let d = tmp("config");
    write_csv(&d.join("px.csv"));
    std::fs::write(
        d.join("run.toml"),
        "name = \"mr\"\n[data]\ncsv = \"px.csv\"\n[strategy]\nname = \"mean-reversion\"\n[costs]\nfees = 0.0005\nslippage_bps = 2\n[engine]\ncash = 50000\nfill = \"open\"\n[exits]\nstop_loss = 0.05\n",
    )
    .unwrap();
    let o = backtest(&d, &["--config", "run.toml", "--out", "out/mr", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(d.join("out/mr/report.html").exists());
    // Unknown keys are errors, not silently ignored.
    std::fs::write(d.join("bad.toml"), "[engine]\ncahs = 1\n").unwrap();
    let o = backtest(&d, &["--config", "bad.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8(o.stderr).unwrap().contains("bad.toml"));
}

#[test]
fn sweep_ranks_a_grid_and_reports_the_best() {
    let d = tmp("sweep");
    write_csv(&d.join("px.csv"));
    let o = backtest(
        &d,
        &[
            "sweep",
            "--csv",
            "px.csv",
            "--strategy",
            "sma-cross",
            "--grid",
            "fast=5:20:5",
            "--grid",
            "slow=30:60:10",
            "--fill",
            "close",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["combinations"], 16);
    let dir = d.join(j["report_dir"].as_str().unwrap());
    let table = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    assert_eq!(table.lines().count(), 17);
    assert!(
        std::fs::read_to_string(dir.join("report.html"))
            .unwrap()
            .contains("chart-sweep")
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let d = tmp("bad");
    let o = backtest(&d, &["--csv", "missing.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8(o.stderr).unwrap().contains("missing.csv"));
    let o = backtest(&d, &["--strategy", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8(o.stderr).unwrap().contains("sma-cross"),
        "lists the valid names"
    );
    write_csv(&d.join("px.csv"));
    let o = backtest(
        &d,
        &["--csv", "px.csv", "--set", "fast=60", "--set", "slow=50"],
    );
    assert_eq!(o.status.code(), Some(1));
}

/// The options replay (no `--strategy`) on a few sessions of the synthetic market: the
/// six files, the summary's keys, the trade log summing to the equity change, and the
/// same numbers on a second run.
#[test]
fn options_default_on_a_short_synthetic_run() {
    let d = tmp("options");
    // Limits at the natural price, so that orders fill under the default natural fills.
    let args = [
        "--days",
        "3",
        "--quiet",
        "--cash",
        "250000",
        "--set",
        "order.limit_fraction=1",
    ];
    let o = backtest(&d, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("iron-condor-0dte")
            && text.contains("Sharpe ratio")
            && text.contains("report:"),
        "{text}"
    );
    let dir = d.join("reports/iron-condor-0dte-synthetic-seed20240102-3d");
    for f in [
        "report.html",
        "summary.json",
        "trades.csv",
        "daily.csv",
        "breakdown.csv",
        "equity.parquet",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let summary = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let j: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(j["run"]["strategy"], "iron-condor-0dte");
    assert_eq!(j["run"]["bars"], 3, "one point per session");
    for k in [
        "final_value",
        "total_return",
        "cagr",
        "sharpe",
        "sortino",
        "max_drawdown",
        "win_rate",
        "profit_factor",
        "avg_credit",
        "avg_pnl",
        "total_fees",
        "trades",
    ] {
        assert!(j.get(k).is_some(), "missing {k}: {j}");
    }
    // The trade log sums to the equity change (every position is closed by the end).
    let trades = std::fs::read_to_string(dir.join("trades.csv")).unwrap();
    let mut lines = trades.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let pnl_col = header.iter().position(|h| *h == "pnl").unwrap();
    let n = j["trades"].as_f64().unwrap() as usize;
    assert!(n >= 1, "the default condor trades on 3 sessions");
    let mut rd = csv::Reader::from_reader(trades.as_bytes());
    let total: f64 = rd
        .records()
        .map(|r| r.unwrap()[pnl_col].parse::<f64>().unwrap())
        .sum();
    assert!(
        (total - (j["final_value"].as_f64().unwrap() - 250_000.0)).abs() < 1e-6,
        "trade log {total} vs equity change"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("id=\"payoffs\"") && html.contains("chart-attribution"));
    assert!(backtest(&d, &args).status.success());
    assert_eq!(
        std::fs::read_to_string(dir.join("summary.json")).unwrap(),
        summary
    );
}

#[test]
fn options_flags_json_and_run_file() {
    let d = tmp("options-json");
    let o = backtest(
        &d,
        &[
            "--days",
            "2",
            "--seed",
            "7",
            "--fill",
            "mid",
            "--spread-fraction",
            "0.25",
            "--set",
            "short.delta=0.15",
            "--set",
            "wing.points=50",
            "--out",
            "out/condor",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["report_dir"], "out/condor");
    assert!(d.join("out/condor/daily.csv").exists());
    assert_eq!(j["run"]["params"]["fill"], "mid+0.25");
    assert_eq!(j["run"]["params"]["short"], "{ delta = 0.15 }");
    std::fs::write(
        d.join("run.toml"),
        "name = \"cfg\"\n[options]\ndays = 2\nfill = \"natural\"\nrisk_per_trade = 0.01\n[options.params]\nshort = { delta = 0.12 }\n[options.fees]\nper_contract = 1.0\n",
    )
    .unwrap();
    let o = backtest(&d, &["--config", "run.toml", "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(d.join("reports/cfg/trades.csv").exists());
    // Unknown keys in [options] are errors naming the file.
    std::fs::write(d.join("bad.toml"), "[options]\ndayz = 2\n").unwrap();
    let o = backtest(&d, &["--config", "bad.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8(o.stderr).unwrap().contains("bad.toml"));
}

#[test]
fn options_usage_errors() {
    let d = tmp("options-usage");
    // Bar and options flags together: usage error, exit 2, naming both.
    let o = backtest(&d, &["--strategy", "sma-cross", "--days", "5"]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8(o.stderr).unwrap();
    assert!(e.contains("--strategy") && e.contains("--days"), "{e}");
    let o = backtest(&d, &["--spread-fraction", "0.2"]);
    assert_eq!(o.status.code(), Some(2));
    // An unknown options strategy lists the valid names.
    let o = backtest(&d, &["--options-strategy", "nope", "--days", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8(o.stderr)
            .unwrap()
            .contains("iron-condor-0dte")
    );
    // A bad parameter value is an error, not a silent default.
    let o = backtest(&d, &["--days", "1", "--set", "short.delta=-3"]);
    assert_eq!(o.status.code(), Some(1));
}
