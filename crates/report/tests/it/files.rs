//! The file writers: JSON, CSV and Parquet round trips, and the report folder.

use std::fs::File;
use std::path::PathBuf;

use arrow_array::{Array, Float64Array, TimestampNanosecondArray};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use thetalab_core::Timestamp;
use thetalab_report::{
    GENERATOR, ReportError, ReportInput, write_all, write_equity_parquet, write_json_summary,
    write_trades_csv,
};

use crate::common::synthetic;

/// A fresh, empty directory under the system temp dir, unique per test and process.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("thetalab-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn write_all_creates_every_file() {
    let dir = temp_dir("all").join("reports").join("spy-sma-10-50");
    let input = synthetic(250, 20, true);
    let files = write_all(&dir, &input).unwrap();
    for p in [
        &files.html,
        &files.json,
        &files.trades_csv,
        &files.equity_parquet,
    ] {
        assert!(p.is_file(), "{}", p.display());
        assert!(p.starts_with(&dir));
    }
    assert_eq!(files.html.file_name().unwrap(), "report.html");
    let html = std::fs::read_to_string(&files.html).unwrap();
    assert_eq!(html, thetalab_report::render_html(&input));
    std::fs::remove_dir_all(dir.parent().unwrap().parent().unwrap()).unwrap();
}

#[test]
fn write_all_refuses_bad_input_before_writing() {
    let dir = temp_dir("bad");
    let mut input = synthetic(50, 2, false);
    input.equity[7] = f64::NAN;
    let err = write_all(&dir, &input).unwrap_err();
    assert!(
        matches!(err, ReportError::InvalidInput { ref field, .. } if field == "equity[7]"),
        "{err}"
    );
    assert!(!dir.exists());
}

#[test]
fn json_round_trip() {
    let dir = temp_dir("json");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("summary.json");
    let input = synthetic(250, 20, false);
    write_json_summary(&path, &input).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let obj = v.as_object().unwrap();
    // Run metadata.
    let run = obj["run"].as_object().unwrap();
    assert_eq!(run["title"], "SMA crossover on SPY");
    assert_eq!(run["run_name"], "spy-sma-10-50");
    assert_eq!(run["strategy"], "sma-cross");
    assert_eq!(run["params"]["fast"], "10");
    assert_eq!(run["params"]["slow"], "50");
    assert_eq!(run["bars"], 250);
    assert_eq!(run["trades"], 20);
    assert_eq!(run["benchmark"], "SPY buy & hold");
    assert_eq!(run["generator"], GENERATOR);
    assert!(run["generated_at"].is_null());
    assert_eq!(run["start"], input.ts[0].to_rfc3339());
    assert_eq!(run["end"], input.ts[249].to_rfc3339());
    assert_eq!(
        run["start"].as_str().unwrap().parse::<Timestamp>().unwrap(),
        input.ts[0]
    );
    // Every metric, exactly, in order; undefined ones are null.
    assert_eq!(obj.len(), 1 + input.metrics.len());
    for m in &input.metrics {
        match m.finite_value() {
            Some(x) => assert_eq!(
                obj[&m.name].as_f64().unwrap().to_bits(),
                x.to_bits(),
                "{}",
                m.name
            ),
            None => assert!(obj[&m.name].is_null(), "{}", m.name),
        }
    }
    let positions: Vec<usize> = input
        .metrics
        .iter()
        .map(|m| text.find(&format!("\n  \"{}\":", m.name)).unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "metrics keep their order"
    );
    for key in [
        "final_value",
        "total_return",
        "annual_return",
        "annual_volatility",
        "sharpe",
        "sortino",
        "calmar",
        "max_drawdown",
        "win_rate",
        "var_95",
        "cvar_95",
        "trades",
    ] {
        assert!(obj.contains_key(key), "{key}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn trades_csv_round_trip() {
    let dir = temp_dir("csv");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("trades.csv");
    let mut input = synthetic(250, 20, false);
    input.trades[1].exit_reason = "stop, then \"gap\"".into();
    write_trades_csv(&path, &input.trades).unwrap();
    let mut r = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header, thetalab_report::trades_csv::TRADES_CSV_HEADER);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), input.trades.len());
    for (row, t) in rows.iter().zip(&input.trades) {
        assert_eq!(&row[0], t.symbol);
        assert_eq!(&row[1], t.direction.to_string());
        assert_eq!(row[2].parse::<Timestamp>().unwrap(), t.entry_ts);
        assert_eq!(row[3].parse::<Timestamp>().ok(), t.exit_ts);
        assert_eq!(
            row[4].parse::<f64>().unwrap().to_bits(),
            t.entry_price.to_bits()
        );
        assert_eq!(row[5].parse::<f64>().ok(), t.exit_price);
        assert_eq!(row[6].parse::<f64>().unwrap(), t.size);
        assert_eq!(row[7].parse::<f64>().unwrap().to_bits(), t.fees.to_bits());
        assert_eq!(row[8].parse::<f64>().unwrap().to_bits(), t.pnl.to_bits());
        assert_eq!(
            row[9].parse::<f64>().unwrap().to_bits(),
            t.return_pct.to_bits()
        );
        assert_eq!(&row[10], t.exit_reason);
    }
    // The open trade has empty exit fields.
    let last = rows.last().unwrap();
    assert_eq!((&last[3], &last[5]), ("", ""));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parquet_round_trip() {
    let dir = temp_dir("parquet");
    std::fs::create_dir_all(&dir).unwrap();
    for with_bench in [true, false] {
        let path = dir.join(format!("equity-{with_bench}.parquet"));
        let mut input = synthetic(1_000, 5, false);
        if !with_bench {
            input.benchmark = None;
        }
        write_equity_parquet(&path, &input).unwrap();
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap();
        let kv = builder
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .cloned()
            .unwrap_or_default();
        let get = |k: &str| kv.iter().find(|e| e.key == k).and_then(|e| e.value.clone());
        assert_eq!(get("thetalab.run_name").as_deref(), Some("spy-sma-10-50"));
        assert_eq!(get("thetalab.benchmark").is_some(), with_bench);
        let schema = builder.schema().clone();
        assert_eq!(
            schema.field_with_name("ts").unwrap().data_type(),
            &DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
        );
        assert!(schema.field_with_name("benchmark").unwrap().is_nullable());
        let batches: Vec<_> = builder.build().unwrap().map(Result::unwrap).collect();
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, 1_000);
        let mut k = 0;
        for b in &batches {
            let ts = b
                .column_by_name("ts")
                .unwrap()
                .as_any()
                .downcast_ref::<TimestampNanosecondArray>()
                .unwrap();
            let eq = b
                .column_by_name("equity")
                .unwrap()
                .as_any()
                .downcast_ref::<Float64Array>()
                .unwrap();
            let rt = b
                .column_by_name("returns")
                .unwrap()
                .as_any()
                .downcast_ref::<Float64Array>()
                .unwrap();
            let bm = b
                .column_by_name("benchmark")
                .unwrap()
                .as_any()
                .downcast_ref::<Float64Array>()
                .unwrap();
            for i in 0..b.num_rows() {
                assert_eq!(ts.value(i), input.ts[k].as_nanos());
                assert_eq!(eq.value(i).to_bits(), input.equity[k].to_bits());
                assert_eq!(rt.value(i).to_bits(), input.returns[k].to_bits());
                match &input.benchmark {
                    Some((_, s)) => assert_eq!(bm.value(i).to_bits(), s[k].to_bits()),
                    None => assert!(bm.is_null(i)),
                }
                k += 1;
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn validation_errors_name_the_input() {
    let mut input = synthetic(30, 2, false);
    input.benchmark.as_mut().unwrap().1.pop();
    let e = write_equity_parquet(std::env::temp_dir().join("never.parquet"), &input).unwrap_err();
    assert!(e.to_string().contains("benchmark (SPY buy & hold)"), "{e}");
    let mut input = synthetic(30, 2, false);
    input.trades[1].pnl = f64::NAN;
    let e = write_trades_csv(std::env::temp_dir().join("never.csv"), &input.trades).unwrap_err();
    assert!(e.to_string().contains("trades[1].pnl"), "{e}");
    let e =
        write_json_summary("/nonexistent-dir/x/summary.json", &ReportInput::default()).unwrap_err();
    assert!(matches!(e, ReportError::Io { .. }), "{e}");
    assert!(e.to_string().contains("/nonexistent-dir/x/summary.json"));
}
