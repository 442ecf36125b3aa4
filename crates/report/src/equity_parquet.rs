//! The equity curve and per-bar returns as Parquet.
//!
//! One row per bar, columns:
//!
//! | column | Arrow type | nullable |
//! |---|---|---|
//! | `ts` | `Timestamp(Nanosecond, "UTC")` | no |
//! | `equity` | `Float64` | no |
//! | `returns` | `Float64` (fraction) | no |
//! | `benchmark` | `Float64` | yes: all null when the input has no benchmark |
//!
//! The file's key-value metadata holds `thetalab.run_name`, `thetalab.strategy`,
//! `thetalab.benchmark` (when there is one) and `thetalab.generator`. Snappy compression.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, TimestampNanosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use crate::{GENERATOR, ReportError, ReportInput};

/// The Arrow schema of the equity Parquet file.
#[must_use]
pub fn equity_schema() -> Schema {
    Schema::new(vec![
        Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            false,
        ),
        Field::new("equity", DataType::Float64, false),
        Field::new("returns", DataType::Float64, false),
        Field::new("benchmark", DataType::Float64, true),
    ])
}

/// Writes `ts`, `equity`, `returns` and `benchmark` of `input` to the Parquet file
/// `path` (created or truncated). Checks the input first ([`ReportInput::validate`]).
pub fn write_equity_parquet(
    path: impl AsRef<Path>,
    input: &ReportInput,
) -> Result<(), ReportError> {
    let path = path.as_ref();
    input.validate()?;
    let schema = Arc::new(equity_schema());
    let ts = TimestampNanosecondArray::from_iter_values(input.ts.iter().map(|t| t.as_nanos()))
        .with_timezone("UTC");
    let benchmark = match &input.benchmark {
        Some((_, b)) => Float64Array::from_iter(b.iter().map(|&v| Some(v))),
        None => Float64Array::new_null(input.ts.len()),
    };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ts),
        Arc::new(Float64Array::from(input.equity.clone())),
        Arc::new(Float64Array::from(input.returns.clone())),
        Arc::new(benchmark),
    ];
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns).map_err(|source| {
        ReportError::Arrow {
            path: path.to_path_buf(),
            source,
        }
    })?;
    let mut kv = vec![
        KeyValue::new("thetalab.run_name".to_string(), input.run_name.clone()),
        KeyValue::new("thetalab.strategy".to_string(), input.strategy.clone()),
        KeyValue::new("thetalab.generator".to_string(), GENERATOR.to_string()),
    ];
    if let Some((name, _)) = &input.benchmark {
        kv.push(KeyValue::new(
            "thetalab.benchmark".to_string(),
            name.clone(),
        ));
    }
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_key_value_metadata(Some(kv))
        .build();
    let pq = |source| ReportError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(|e| ReportError::io(path, e))?;
    let mut w = ArrowWriter::try_new(file, schema, Some(props)).map_err(pq)?;
    w.write(&batch).map_err(pq)?;
    w.close().map_err(pq)?;
    Ok(())
}
