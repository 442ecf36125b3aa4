//! Runs the `indicators_csv` example binary (built by `cargo test` into
//! target/<profile>/examples/) and checks its columns against the TA-Lib fixture.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::common::{fixture, max_rel_err, read_table};

fn example_bin() -> Option<PathBuf> {
    // target/<profile>/deps/it-<hash> -> target/<profile>/examples/indicators_csv
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let bin = profile_dir
        .join("examples")
        .join(format!("indicators_csv{}", std::env::consts::EXE_SUFFIX));
    bin.exists().then_some(bin)
}

#[test]
fn example_matches_talib_fixture() {
    let Some(bin) = example_bin() else {
        println!("skipped: the indicators_csv example binary is not built");
        return;
    };
    let out = Command::new(&bin)
        .arg(fixture("aapl_ohlcv.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = std::env::temp_dir().join(format!("thetalab-ind-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out.csv");
    std::fs::write(&path, &out.stdout).unwrap();
    let ours = read_table(&path);
    let talib = read_table(&fixture("talib_aapl.csv"));
    assert_eq!(ours.keys, talib.keys, "dates");
    let required = [
        "sma_20",
        "ema_9",
        "ema_21",
        "ema_50",
        "ema_200",
        "rsi_14",
        "atr_14",
        "macd_12_26_9",
        "macd_signal_12_26_9",
        "macd_hist_12_26_9",
        "bb_upper_20_2",
        "bb_middle_20_2",
        "bb_lower_20_2",
        "stoch_slowk_14_3_3",
        "stoch_slowd_14_3_3",
        "adx_14",
        "obv",
        "roc_10",
        "mfi_14",
        "cci_20",
        "willr_14",
    ];
    assert_eq!(
        &ours.order[..required.len()],
        &required[..],
        "leading columns in the issue's order"
    );
    for name in &ours.order {
        if let Some(expected) = talib.cols.get(name) {
            let floor = if name.starts_with("stoch") { 1.0 } else { 0.0 };
            let err = max_rel_err(name, &ours.cols[name], expected, floor);
            assert!(err <= 1e-9, "{name}: {err:e}");
        }
    }
    for extra in [
        "vwap",
        "keltner_upper_20_10_2",
        "donchian_lower_20",
        "zscore_20",
        "hv_cc_20",
        "hv_parkinson_20",
        "hv_gk_20",
        "hv_yz_20",
    ] {
        assert!(ours.cols.contains_key(extra), "{extra}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn example_skips_bad_rows_and_names_them() {
    let Some(bin) = example_bin() else {
        println!("skipped: the indicators_csv example binary is not built");
        return;
    };
    let input = "Date,Open,High,Low,Close,Volume\n\
                 2024-01-02,10,11,9,10.5,1000\n\
                 2024-01-03,10.5,11,10,oops,1000\n\
                 2024-01-04,10.5,12,10,11.5,2000\n";
    let mut child = Command::new(&bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 3") && stderr.contains("`close`"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = stdout.lines().collect();
    assert_eq!(rows.len(), 3, "{stdout}");
    // OBV: 1000 then +2000; VWAP on a daily bar is its typical price (12+10+11.5)/3.
    let header: Vec<&str> = rows[0].split(',').collect();
    let last: Vec<&str> = rows[2].split(',').collect();
    let col = |k: &str| last[header.iter().position(|h| *h == k).unwrap()];
    assert_eq!(col("obv"), "3000.0");
    assert_eq!(
        col("vwap").parse::<f64>().unwrap(),
        (12.0 + 10.0 + 11.5) / 3.0
    );
    assert_eq!(col("sma_20"), "");
}
