//! The JSON summary: one object, the run metadata under `"run"` and then every metric
//! as a top-level key, in the order given.
//!
//! ```json
//! {
//!   "run": {
//!     "title": "SMA crossover on SPY", "run_name": "spy-sma", "strategy": "sma-cross",
//!     "params": {"fast": "10", "slow": "50"},
//!     "start": "2008-01-02T05:00:00Z", "end": "2017-12-29T05:00:00Z", "bars": 2519,
//!     "benchmark": "SPY buy & hold", "trades": 41,
//!     "generator": "thetalab-report 0.1.0", "generated_at": null
//!   },
//!   "final_value": 123456.78, "total_return": 0.2345, "sharpe": 0.81, "sortino": null
//! }
//! ```
//!
//! Metric values are written exactly (serde_json prints the shortest decimal that reads
//! back as the same `f64`); `None`, NaN and ±∞ become `null`. Timestamps are RFC 3339
//! in UTC. Keys keep the order of [`ReportInput::metrics`](crate::ReportInput) and
//! [`ReportInput::params`](crate::ReportInput) (written in that order, without
//! sorting).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::input::RESERVED_JSON_KEY;
use crate::{GENERATOR, ReportError, ReportInput};

/// The run metadata object.
#[derive(Serialize)]
struct RunMeta<'a> {
    title: &'a str,
    run_name: &'a str,
    strategy: &'a str,
    params: Params<'a>,
    start: Option<String>,
    end: Option<String>,
    bars: usize,
    benchmark: Option<&'a str>,
    trades: usize,
    generator: &'a str,
    generated_at: Option<String>,
}

/// The parameters as an object, in their given order.
struct Params<'a>(&'a [(String, String)]);

impl Serialize for Params<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The whole summary object.
struct Summary<'a>(&'a ReportInput);

impl Serialize for Summary<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let input = self.0;
        let period = input.period();
        let meta = RunMeta {
            title: &input.title,
            run_name: &input.run_name,
            strategy: &input.strategy,
            params: Params(&input.params),
            start: period.map(|(a, _)| a.to_rfc3339()),
            end: period.map(|(_, b)| b.to_rfc3339()),
            bars: input.ts.len(),
            benchmark: input.benchmark.as_ref().map(|(n, _)| n.as_str()),
            trades: input.trades.len(),
            generator: GENERATOR,
            generated_at: input.generated_at.map(|t| t.to_rfc3339()),
        };
        let mut m = s.serialize_map(Some(1 + input.metrics.len()))?;
        m.serialize_entry(RESERVED_JSON_KEY, &meta)?;
        for metric in &input.metrics {
            m.serialize_entry(&metric.name, &metric.finite_value())?;
        }
        m.end()
    }
}

/// The JSON summary as pretty-printed text (what [`write_json_summary`] writes; the
/// CLI's `--json` can print it). Checks the input first ([`ReportInput::validate`]), so
/// keys are unique.
pub fn json_summary_string(input: &ReportInput) -> Result<String, ReportError> {
    input.validate()?;
    serde_json::to_string_pretty(&Summary(input)).map_err(|source| ReportError::Json {
        path: "<string>".into(),
        source,
    })
}

/// Writes the JSON summary to `path` (created or truncated), with a final newline.
pub fn write_json_summary(path: impl AsRef<Path>, input: &ReportInput) -> Result<(), ReportError> {
    let path = path.as_ref();
    input.validate()?;
    let file = File::create(path).map_err(|e| ReportError::io(path, e))?;
    let mut w = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut w, &Summary(input)).map_err(|source| ReportError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    w.write_all(b"\n").map_err(|e| ReportError::io(path, e))?;
    w.flush().map_err(|e| ReportError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Metric, Unit};

    #[test]
    fn metrics_keep_their_order_and_null() {
        let input = ReportInput {
            params: vec![("slow".into(), "50".into()), ("fast".into(), "10".into())],
            metrics: vec![
                Metric::new("zeta", Some(0.1), Unit::Ratio),
                Metric::new("alpha", Some(f64::INFINITY), Unit::Ratio),
                Metric::new("mid", None, Unit::Ratio),
            ],
            ..ReportInput::default()
        };
        let s = json_summary_string(&input).unwrap();
        let z = s.find("\"zeta\"").unwrap();
        let a = s.find("\"alpha\"").unwrap();
        assert!(z < a);
        assert!(s.find("\"slow\"").unwrap() < s.find("\"fast\"").unwrap());
        assert!(s.contains("\"alpha\": null"));
        assert!(s.contains("\"zeta\": 0.1"));
    }
}
