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
fn no_arguments_runs_the_default_on_the_synthetic_market() {
    let d = tmp("default");
    let o = backtest(&d, &[]);
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
    assert!(backtest(&d, &[]).status.success());
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
