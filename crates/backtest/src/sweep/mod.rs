//! Parameter sweeps: a grid or a seeded random search over a strategy's parameters,
//! run in parallel with rayon, collected in a [`SweepTable`] that can be ranked by any
//! metric and written as CSV.
//!
//! Two paths:
//!
//! * [`run_sweep`] — the general path: any registry strategy
//!   ([`thetalab_strategy::by_name`]), the full engine and every metric of
//!   [`crate::metrics::Metrics`] per parameter set. Each worker holds one run's
//!   vectors at a time: memory O(bars × threads).
//! * [`ma_cross_grid`] — the fused fast path for `sma-cross` / `ema-cross`: every
//!   distinct window's average is computed once (streamed in time blocks), and each
//!   (fast, slow) pair runs a tight loop that simulates the position and streams the
//!   metrics ([`crate::metrics::RunningStats`], [`crate::metrics::DrawdownTracker`]) without
//!   storing an equity curve: memory O(block × windows + pairs), independent of the
//!   number of bars beyond the input itself. It gives the same numbers as the general
//!   path (tested); the quantile-based metrics (tail ratio, VaR, CVaR, skew, kurtosis)
//!   need the whole return series and are left empty there.
//!
//! Neither path is gated by the pre-trade limits ([`crate::gate`]): a sweep ranks the
//! strategy's own signals; gate the chosen parameters with [`crate::run_gated`].

mod fused;
pub mod rng;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use thetalab_strategy::{BarsView, StrategyError, by_name};

use crate::config::BacktestConfig;
use crate::engine::run;
use crate::error::{BacktestError, Result};

pub use fused::{MaKind, ma_cross_grid};
pub use rng::SplitMix64;

/// A progress callback: `(done, total)`, called from worker threads.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// One parameter set: `(name, value)` pairs, as [`thetalab_strategy::by_name`] takes them.
pub type ParamSet = Vec<(String, f64)>;

/// The cartesian product of the axes, the last axis varying fastest.
#[must_use]
pub fn grid(axes: &[(String, Vec<f64>)]) -> Vec<ParamSet> {
    let mut out: Vec<ParamSet> = vec![Vec::new()];
    for (name, values) in axes {
        let mut next = Vec::with_capacity(out.len() * values.len());
        for p in &out {
            for &v in values {
                let mut q = p.clone();
                q.push((name.clone(), v));
                next.push(q);
            }
        }
        out = next;
    }
    if axes.is_empty() { Vec::new() } else { out }
}

/// One axis of a random search: uniform on `[lo, hi]`, rounded to an integer when
/// `integer` (then uniform over the integers `lo..=hi`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamRange {
    /// Parameter name.
    pub name: String,
    /// Lower bound.
    pub lo: f64,
    /// Upper bound (≥ `lo`).
    pub hi: f64,
    /// Draw integers.
    pub integer: bool,
}

/// `n` parameter sets drawn uniformly from the ranges with a seeded [`SplitMix64`]
/// (the same seed gives the same sets).
///
/// # Errors
/// A range with non-finite bounds or `hi < lo`.
pub fn random_search(ranges: &[ParamRange], n: usize, seed: u64) -> Result<Vec<ParamSet>> {
    for r in ranges {
        if !(r.lo.is_finite() && r.hi.is_finite() && r.hi >= r.lo) {
            return Err(BacktestError::InvalidParam {
                param: r.name.clone(),
                reason: format!("range [{}, {}] must be finite with hi >= lo", r.lo, r.hi),
            });
        }
    }
    let mut rng = SplitMix64::new(seed);
    Ok((0..n)
        .map(|_| {
            ranges
                .iter()
                .map(|r| {
                    let u = rng.next_f64();
                    let v = if r.integer {
                        let (lo, hi) = (r.lo.ceil(), r.hi.floor());
                        (lo + (u * (hi - lo + 1.0)).floor()).min(hi)
                    } else {
                        r.lo + u * (r.hi - r.lo)
                    };
                    (r.name.clone(), v)
                })
                .collect()
        })
        .collect())
}

/// The metric columns of a [`SweepTable`], in order (names as the CLI's `--json`).
pub const METRIC_COLUMNS: [&str; 27] = [
    "final_value",
    "total_return",
    "annual_return",
    "annual_volatility",
    "sharpe",
    "sortino",
    "calmar",
    "omega",
    "tail_ratio",
    "max_drawdown",
    "max_drawdown_duration",
    "ulcer_index",
    "var_95",
    "cvar_95",
    "skew",
    "kurtosis",
    "trades",
    "closed_trades",
    "win_rate",
    "profit_factor",
    "expectancy",
    "avg_win",
    "avg_loss",
    "avg_trade_return",
    "exposure",
    "turnover",
    "downside_risk",
];

/// One parameter set's results.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// Parameter values, in [`SweepTable::param_names`]' order.
    pub params: Vec<f64>,
    /// Metric values in [`METRIC_COLUMNS`]' order; `None` where undefined or not computed.
    pub metrics: Vec<Option<f64>>,
}

impl SweepRow {
    /// The value of metric `name`, if defined.
    #[must_use]
    pub fn metric(&self, name: &str) -> Option<f64> {
        let k = METRIC_COLUMNS.iter().position(|c| *c == name)?;
        self.metrics.get(k).copied().flatten()
    }
}

/// A sweep's results table.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepTable {
    /// The parameter columns.
    pub param_names: Vec<String>,
    /// One row per parameter set that ran (sets the strategy rejects, e.g. fast ≥ slow,
    /// are skipped and counted in `skipped`).
    pub rows: Vec<SweepRow>,
    /// Parameter sets the strategy rejected.
    pub skipped: usize,
}

impl SweepTable {
    /// Sorts the rows by `metric`, best first (`descending` for "higher is better";
    /// undefined values last). Ties keep the input order.
    ///
    /// # Errors
    /// An unknown metric name.
    pub fn rank_by(&mut self, metric: &str, descending: bool) -> Result<()> {
        let Some(k) = METRIC_COLUMNS.iter().position(|c| *c == metric) else {
            return Err(BacktestError::InvalidParam {
                param: metric.to_string(),
                reason: format!("unknown metric; valid: {}", METRIC_COLUMNS.join(", ")),
            });
        };
        self.rows.sort_by(|a, b| {
            let (x, y) = (a.metrics[k], b.metrics[k]);
            match (x, y) {
                (Some(x), Some(y)) => {
                    let o = x.total_cmp(&y);
                    if descending { o.reverse() } else { o }
                }
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
        });
        Ok(())
    }

    /// Writes the table as CSV (header: parameters, then [`METRIC_COLUMNS`]; undefined
    /// values empty; numbers in Rust's shortest round-trip form).
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn write_csv<W: Write>(&self, mut w: W) -> std::io::Result<()> {
        let header: Vec<&str> = self
            .param_names
            .iter()
            .map(String::as_str)
            .chain(METRIC_COLUMNS)
            .collect();
        writeln!(w, "{}", header.join(","))?;
        let mut line = String::new();
        for r in &self.rows {
            line.clear();
            for (k, p) in r.params.iter().enumerate() {
                if k > 0 {
                    line.push(',');
                }
                line.push_str(&p.to_string());
            }
            for m in &r.metrics {
                line.push(',');
                if let Some(v) = m {
                    line.push_str(&v.to_string());
                }
            }
            writeln!(w, "{line}")?;
        }
        Ok(())
    }

    /// [`write_csv`](Self::write_csv) to a file.
    ///
    /// # Errors
    /// [`BacktestError::Io`] naming the path.
    pub fn save_csv(&self, path: &std::path::Path) -> Result<()> {
        let io = |e: std::io::Error| BacktestError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let f = std::fs::File::create(path).map_err(io)?;
        let mut w = std::io::BufWriter::new(f);
        self.write_csv(&mut w).map_err(io)?;
        w.flush().map_err(io)
    }
}

/// Every metric of one engine run, in [`METRIC_COLUMNS`]' order.
///
/// # Errors
/// The metrics' errors (non-finite returns cannot come from a valid run).
pub fn result_row(res: &crate::BacktestResult, cfg: &BacktestConfig) -> Result<Vec<Option<f64>>> {
    let m = res.metrics(cfg)?;
    Ok(vec![
        Some(res.final_value),
        Some(m.total_return),
        m.annual_return,
        m.annual_volatility,
        m.sharpe,
        m.sortino,
        m.calmar,
        m.omega,
        m.tail_ratio,
        Some(m.max_drawdown),
        Some(m.max_drawdown_duration as f64),
        Some(m.ulcer_index),
        m.var,
        m.cvar,
        m.skew,
        m.kurtosis,
        Some(res.trade_count() as f64),
        Some(res.closed_trades() as f64),
        m.win_rate,
        m.profit_factor,
        m.expectancy,
        m.avg_win,
        m.avg_loss,
        m.avg_trade_return,
        m.exposure,
        m.turnover,
        m.downside_risk,
    ])
}

/// Runs strategy `name` (a [`thetalab_strategy::by_name`] registry name) on `bars` for
/// every parameter set, in parallel. Sets the strategy rejects as invalid (e.g.
/// `fast >= slow`) are skipped and counted. `progress` is called after each set.
///
/// # Errors
/// An unknown strategy or parameter name, no parameter sets, engine errors.
pub fn run_sweep(
    bars: &BarsView,
    name: &str,
    sets: &[ParamSet],
    cfg: &BacktestConfig,
    progress: Option<Progress>,
) -> Result<SweepTable> {
    cfg.validate()?;
    let Some(first) = sets.first() else {
        return Err(BacktestError::Empty("no parameter sets"));
    };
    let param_names: Vec<String> = first.iter().map(|(k, _)| k.clone()).collect();
    let total = sets.len();
    let done = AtomicUsize::new(0);
    let rows: Vec<Option<SweepRow>> = sets
        .par_iter()
        .map(|set| -> Result<Option<SweepRow>> {
            let out = match by_name(name, set) {
                Err(StrategyError::InvalidParam { .. }) => Ok(None),
                Err(e) => Err(e.into()),
                Ok(strategy) => {
                    let signals = strategy.signals(bars)?;
                    let res = run(bars, &signals, cfg)?;
                    let params = param_names
                        .iter()
                        .map(|k| set.iter().find(|(n, _)| n == k).map_or(f64::NAN, |p| p.1))
                        .collect();
                    Ok(Some(SweepRow {
                        params,
                        metrics: result_row(&res, cfg)?,
                    }))
                }
            };
            let d = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(p) = progress {
                p(d, total);
            }
            out
        })
        .collect::<Result<Vec<_>>>()?;
    let skipped = rows.iter().filter(|r| r.is_none()).count();
    Ok(SweepTable {
        param_names,
        rows: rows.into_iter().flatten().collect(),
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_cartesian_and_random_search_is_seeded() {
        let g = grid(&[
            ("a".into(), vec![1.0, 2.0]),
            ("b".into(), vec![10.0, 20.0, 30.0]),
        ]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[1], vec![("a".to_string(), 1.0), ("b".to_string(), 20.0)]);
        let r = [ParamRange {
            name: "w".into(),
            lo: 2.0,
            hi: 5.0,
            integer: true,
        }];
        let a = random_search(&r, 200, 7).unwrap();
        assert_eq!(a, random_search(&r, 200, 7).unwrap());
        assert!(a.iter().all(|s| [2.0, 3.0, 4.0, 5.0].contains(&s[0].1)));
        for v in [2.0, 3.0, 4.0, 5.0] {
            assert!(a.iter().any(|s| s[0].1 == v));
        }
        let bad = [ParamRange {
            name: "x".into(),
            lo: 1.0,
            hi: 0.0,
            integer: false,
        }];
        assert!(random_search(&bad, 1, 0).is_err());
    }

    #[test]
    fn ranking_puts_undefined_last() {
        let row = |v: Option<f64>| SweepRow {
            params: vec![0.0],
            metrics: {
                let mut m = vec![None; METRIC_COLUMNS.len()];
                m[4] = v;
                m
            },
        };
        let mut t = SweepTable {
            param_names: vec!["p".into()],
            rows: vec![row(None), row(Some(1.0)), row(Some(2.0))],
            skipped: 0,
        };
        t.rank_by("sharpe", true).unwrap();
        assert_eq!(t.rows[0].metric("sharpe"), Some(2.0));
        assert_eq!(t.rows[2].metric("sharpe"), None);
        assert!(t.rank_by("nope", true).is_err());
        let mut buf = Vec::new();
        t.write_csv(&mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.starts_with("p,final_value,total_return"));
        assert_eq!(s.lines().count(), 4);
    }
}
