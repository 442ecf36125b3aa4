//! The `ingest` command as cron runs it: exit codes, files written, nothing lost.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ingest(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ingest"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("thetalab-ingest-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const YAHOO: &str = "Date,Open,High,Low,Close,Adj Close,Volume
2024-01-02,10,11,9,10.5,10.5,100
2024-01-03,10.5,11.5,10,11,11,120
2024-01-04,11,12,10.5,11.5,11.5,90
2024-01-05,11.5,12.5,11,12,12,80
";

#[test]
fn clean_file_exits_zero_and_lands_in_the_default_store() {
    let d = tmp("clean");
    std::fs::write(d.join("SPY.csv"), YAHOO).unwrap();
    let o = ingest(&d, &["yahoo", "SPY.csv"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        d.join("data/store/kind=bars/interval=1d/symbol=SPY/year=2024/part-0.parquet")
            .exists()
    );
    let ls = ingest(&d, &["ls", "--json"]);
    let line = String::from_utf8(ls.stdout).unwrap();
    assert!(
        line.contains("\"symbol\":\"SPY\"") && line.contains("\"rows\":4"),
        "{line}"
    );
}

#[test]
fn bad_rows_are_quarantined_with_exit_3_or_reject_the_file_with_exit_4() {
    let d = tmp("bad");
    let bad = format!("{YAHOO}2024-01-08,12,11,13,12,12,100\n2024-01-09,abc,13,12,12.5,12.5,100\n");
    std::fs::write(d.join("BAD.csv"), bad).unwrap();
    let o = ingest(&d, &["yahoo", "BAD.csv", "--store", "s1"]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("ohlc_inconsistent") && text.contains("parse_error"),
        "{text}"
    );
    // The two bad rows are in the quarantine file, with their reasons.
    let q: Vec<_> = walk(&d.join("s1/quarantine"));
    assert_eq!(q.len(), 1);
    let rows = thetalab_data::Store::read_quarantine(&q[0]).unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .any(|r| r.reason.as_str() == "parse_error" && r.raw.contains("abc"))
    );
    // The good rows landed.
    let store = thetalab_data::Store::open(d.join("s1"));
    assert_eq!(
        store
            .read_bars("BAD", "1d", thetalab_data::TimeRange::ALL)
            .unwrap()
            .bars
            .len(),
        4
    );

    let o = ingest(
        &d,
        &["yahoo", "BAD.csv", "--store", "s2", "--policy", "reject"],
    );
    assert_eq!(o.status.code(), Some(4));
    assert!(
        !d.join("s2/kind=bars").exists(),
        "a rejected file writes nothing"
    );
}

#[test]
fn validate_is_a_dry_run() {
    let d = tmp("dry");
    std::fs::write(d.join("X.csv"), YAHOO).unwrap();
    let o = ingest(&d, &["validate", "X.csv", "--format", "yahoo"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("dry run: nothing written")
    );
    assert!(!d.join("data/store").exists());
}

#[test]
fn synth_writes_the_built_in_market() {
    let d = tmp("synth");
    let o = ingest(&d, &["synth", "--sessions", "2", "--universe", "3"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let store = thetalab_data::Store::open(d.join("data/store"));
    let chains = store
        .read_chain("SPX", thetalab_data::TimeRange::ALL)
        .unwrap();
    assert_eq!(chains.len(), 1);
    assert_eq!(chains[0].root.as_deref(), Some("SPXW"));
    assert!(chains[0].rows.len() > 100_000);
    for s in ["SPX", "VIX", "VIX9D", "VIX3M"] {
        assert_eq!(
            store
                .read_bars(s, "1d", thetalab_data::TimeRange::ALL)
                .unwrap()
                .bars
                .len(),
            2,
            "{s}"
        );
    }
    assert!(d.join("data/store/reference/universe.csv").exists());
}

#[test]
fn missing_file_is_an_error_naming_it() {
    let d = tmp("missing");
    let o = ingest(&d, &["chains", "nope.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8(o.stderr).unwrap().contains("nope.csv"));
}

fn walk(d: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(d) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    out
}
