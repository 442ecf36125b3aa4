//! The terminal summary: a plain-text, aligned table of the metrics under a short header.
//! No colour codes, so it reads the same in a terminal, a log file or a CI artefact.

use crate::ReportInput;
use crate::format::{format_metric, grouped, metric_label};

/// The trading date of a timestamp (its New York calendar date), `YYYY-MM-DD`.
pub(crate) fn date_text(ts: thetalab_core::Timestamp) -> String {
    ts.ny_date().format("%Y-%m-%d").to_string()
}

/// `fast=10, slow=50`, or `-` when there are no parameters.
pub(crate) fn params_text(input: &ReportInput) -> String {
    if input.params.is_empty() {
        return "-".to_string();
    }
    input
        .params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `2008-01-02 .. 2017-12-29 (2,519 bars)`, or `no bars`.
pub(crate) fn period_text(input: &ReportInput) -> String {
    match input.period() {
        Some((a, b)) => format!(
            "{} .. {} ({} {})",
            date_text(a),
            date_text(b),
            grouped(input.ts.len() as f64, 0),
            if input.ts.len() == 1 { "bar" } else { "bars" }
        ),
        None => "no bars".to_string(),
    }
}

/// The terminal summary table: title, run metadata, then one row per metric with the
/// label left-aligned and the value right-aligned in its unit (`%` for returns, ratios
/// with 3 decimals, `n/a` where undefined).
///
/// ```
/// use thetalab_report::{Metric, ReportInput, Unit, summary_table};
///
/// let input = ReportInput {
///     title: "Demo".into(),
///     metrics: vec![
///         Metric::new("total_return", Some(0.1234), Unit::Percent),
///         Metric::new("sharpe", Some(1.5), Unit::Ratio),
///     ],
///     ..ReportInput::default()
/// };
/// let t = summary_table(&input);
/// assert!(t.contains("| Total return | 12.34% |"));
/// assert!(t.contains("| Sharpe ratio |  1.500 |"));
/// ```
#[must_use]
pub fn summary_table(input: &ReportInput) -> String {
    let rows: Vec<(String, String)> = input
        .metrics
        .iter()
        .map(|m| {
            (
                metric_label(&m.name),
                format_metric(m.value, m.unit).unwrap_or_else(|| "n/a".to_string()),
            )
        })
        .collect();
    let width = |s: &str| s.chars().count();
    let w_label = rows
        .iter()
        .map(|(l, _)| width(l))
        .chain([width("Metric")])
        .max()
        .unwrap_or(6);
    let w_value = rows
        .iter()
        .map(|(_, v)| width(v))
        .chain([width("Value")])
        .max()
        .unwrap_or(5);
    let rule = format!("+-{}-+-{}-+\n", "-".repeat(w_label), "-".repeat(w_value));
    let mut out = String::new();
    let title = if input.title.is_empty() {
        "Backtest report"
    } else {
        input.title.as_str()
    };
    out.push_str(title);
    out.push('\n');
    let mut meta = vec![
        ("run", input.run_name.clone()),
        ("strategy", input.strategy.clone()),
        ("params", params_text(input)),
        ("period", period_text(input)),
    ];
    if let Some((name, _)) = &input.benchmark {
        meta.push(("benchmark", name.clone()));
    }
    let w_key = meta.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in meta {
        if !v.is_empty() {
            out.push_str(&format!("{k:<w_key$}  {v}\n"));
        }
    }
    out.push_str(&rule);
    out.push_str(&format!(
        "| {} | {} |\n",
        pad_right("Metric", w_label),
        pad_left("Value", w_value)
    ));
    out.push_str(&rule);
    for (l, v) in &rows {
        out.push_str(&format!(
            "| {} | {} |\n",
            pad_right(l, w_label),
            pad_left(v, w_value)
        ));
    }
    out.push_str(&rule);
    out
}

/// Pads with spaces to `width` characters (not bytes), text on the left.
fn pad_right(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

/// Pads with spaces to `width` characters (not bytes), text on the right.
fn pad_left(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{}{s}", " ".repeat(width.saturating_sub(n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Metric, Unit};

    #[test]
    fn rows_are_aligned() {
        let input = ReportInput {
            title: "T".into(),
            metrics: vec![
                Metric::new("total_return", Some(-0.05), Unit::Percent),
                Metric::new("sortino", None, Unit::Ratio),
                Metric::new("trades", Some(1234.0), Unit::Count),
            ],
            ..ReportInput::default()
        };
        let t = summary_table(&input);
        let table: Vec<&str> = t.lines().filter(|l| l.starts_with(['|', '+'])).collect();
        assert_eq!(table.len(), 3 + 1 + 3);
        let w = table[0].chars().count();
        assert!(table.iter().all(|l| l.chars().count() == w), "{t}");
        assert!(t.contains("-5.00%"));
        assert!(t.contains("n/a"));
        assert!(t.contains("1,234"));
        assert!(!t.contains('\u{1b}'));
    }
}
