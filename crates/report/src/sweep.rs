//! The report's heatmap of a parameter sweep ([`thetalab_backtest::sweep::SweepTable`]):
//! the ranked metric over the two parameters that vary.

use thetalab_backtest::sweep;

use crate::SweepTable;

/// The most cells a heatmap is drawn with (a 256 × 256 grid). A random search over two
/// continuous parameters gives as many distinct values per axis as it has rows, so its
/// grid would have rows² cells, almost all empty: no heatmap is drawn for it.
pub const MAX_HEATMAP_CELLS: usize = 256 * 256;

/// The heatmap of `metric` when exactly two parameters take more than one value across
/// the sweep's rows: the first of them on the horizontal axis, each axis the sorted
/// distinct values, a cell per combination (`None` where no row has it or the metric is
/// undefined). `None` when not exactly two parameters vary, when a row lacks a parameter,
/// or when the grid would exceed [`MAX_HEATMAP_CELLS`].
#[must_use]
pub fn heatmap(t: &sweep::SweepTable, metric: &str) -> Option<SweepTable> {
    let distinct = |k: usize| -> Option<Vec<f64>> {
        let mut v = t
            .rows
            .iter()
            .map(|r| r.params.get(k).copied())
            .collect::<Option<Vec<f64>>>()?;
        v.sort_by(f64::total_cmp);
        v.dedup();
        Some(v)
    };
    let mut varying = Vec::new();
    for k in 0..t.param_names.len() {
        if distinct(k)?.len() > 1 {
            varying.push(k);
        }
    }
    let [a, b] = varying[..] else { return None };
    let (xs, ys) = (distinct(a)?, distinct(b)?);
    let cells = xs.len().checked_mul(ys.len())?;
    if cells > MAX_HEATMAP_CELLS {
        return None;
    }
    let mut z = vec![None; cells];
    for r in &t.rows {
        let i = xs.binary_search_by(|x| x.total_cmp(&r.params[a])).ok()?;
        let j = ys.binary_search_by(|y| y.total_cmp(&r.params[b])).ok()?;
        z[j * xs.len() + i] = r.metric(metric);
    }
    Some(SweepTable {
        x_name: t.param_names[a].clone(),
        y_name: t.param_names[b].clone(),
        x: xs,
        y: ys,
        z,
        metric_name: metric.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use thetalab_backtest::sweep::{METRIC_COLUMNS, SweepRow};

    use super::*;

    fn row(params: Vec<f64>, sharpe: f64) -> SweepRow {
        let k = METRIC_COLUMNS.iter().position(|c| *c == "sharpe").unwrap();
        let mut metrics = vec![None; METRIC_COLUMNS.len()];
        metrics[k] = Some(sharpe);
        SweepRow { params, metrics }
    }

    fn table(rows: Vec<SweepRow>) -> sweep::SweepTable {
        sweep::SweepTable {
            param_names: vec!["fast".into(), "slow".into(), "allow_short".into()],
            rows,
            skipped: 0,
        }
    }

    #[test]
    fn two_varying_parameters_make_a_row_major_grid() {
        // Ranked (unsorted) rows of a 2 × 3 grid, the third parameter constant, one cell
        // missing (a set the strategy skipped).
        let t = table(vec![
            row(vec![10.0, 50.0, 0.0], 1.5),
            row(vec![5.0, 20.0, 0.0], 0.7),
            row(vec![5.0, 50.0, 0.0], 0.9),
            row(vec![10.0, 20.0, 0.0], -0.2),
            row(vec![5.0, 30.0, 0.0], 0.1),
        ]);
        let h = heatmap(&t, "sharpe").unwrap();
        assert_eq!((h.x_name.as_str(), h.y_name.as_str()), ("fast", "slow"));
        assert_eq!(h.x, vec![5.0, 10.0]);
        assert_eq!(h.y, vec![20.0, 30.0, 50.0]);
        // Row j = slow, column i = fast.
        assert_eq!(
            h.z,
            vec![Some(0.7), Some(-0.2), Some(0.1), None, Some(0.9), Some(1.5)]
        );
        assert_eq!(h.cell(1, 2), Some(1.5));
        assert_eq!(h.metric_name, "sharpe");
    }

    #[test]
    fn no_heatmap_unless_exactly_two_vary_and_the_grid_is_small() {
        // One varying parameter.
        let t = table(vec![
            row(vec![5.0, 20.0, 0.0], 0.1),
            row(vec![6.0, 20.0, 0.0], 0.2),
        ]);
        assert!(heatmap(&t, "sharpe").is_none());
        // Three varying.
        let t = table(vec![
            row(vec![5.0, 20.0, 0.0], 0.1),
            row(vec![6.0, 21.0, 1.0], 0.2),
        ]);
        assert!(heatmap(&t, "sharpe").is_none());
        // A row missing a parameter: no heatmap, no panic.
        let t = table(vec![row(vec![5.0, 20.0, 0.0], 0.1), row(vec![6.0], 0.2)]);
        assert!(heatmap(&t, "sharpe").is_none());
        // A random search over two continuous parameters: 300 distinct values each,
        // 90,000 cells > the cap.
        let rows = (0..300)
            .map(|i| {
                row(
                    vec![1.0 + f64::from(i) * 0.01, 2.0 + f64::from(i) * 0.37, 0.0],
                    0.0,
                )
            })
            .collect();
        assert!(heatmap(&table(rows), "sharpe").is_none());
    }
}
