//! The self-contained HTML report: one file with inline CSS and inline SVG, no
//! JavaScript, no external fonts, images or CDNs, so it opens offline and can be mailed
//! or archived as is.
//!
//! Sections, each with a stable `id`: `report-header` (title, strategy, parameters,
//! period, benchmark, run name), `kpis` (headline cards), `metrics` (the metrics
//! tables, one `<tr data-metric="key">` per metric), `equity`, `drawdown`, `monthly`,
//! `distribution`, `trade-pnl`, `sweep` (only with a sweep) holding the charts of
//! [`charts`](crate::charts), `trades` (the trades table: all trades, or the first and
//! last [`TRADE_ROWS_EACH`] with a count) and the footer with the generator line.
//!
//! The body holds no wall-clock time unless [`ReportInput::generated_at`] is set, so
//! the same input always renders the same bytes (golden-file tests rely on it).

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use thetalab_core::Timestamp;

use crate::charts::{
    distribution_chart, drawdown_chart, equity_chart, monthly_chart, sweep_chart, trades_chart,
};
use crate::format::{format_metric, grouped, metric_label};
use crate::svg::escape;
use crate::table::{date_text, params_text, period_text};
use crate::{GENERATOR, Metric, ReportError, ReportInput, TradeRow, Unit};

/// The trades table shows every trade up to `2 × TRADE_ROWS_EACH`, else the first and
/// the last `TRADE_ROWS_EACH`.
pub const TRADE_ROWS_EACH: usize = 15;

/// The stylesheet, inlined in `<head>`; system fonts only.
const CSS: &str = r#"
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --card: #ffffff;
  --blue: #0969da; --red: #cf222e; --green: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", "Helvetica Neue", Helvetica, Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 40px; }
header { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 18px 22px; }
h1 { margin: 0 0 10px; font-size: 22px; font-weight: 600; }
h2 { margin: 0 0 12px; font-size: 16px; font-weight: 600; }
dl.meta { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 0; }
dl.meta div { display: flex; gap: 8px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-weight: 500; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 16px 20px; margin-top: 16px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px;
  background: transparent; border: 0; padding: 0; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.kpi .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.kpi .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.metric-tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 0 28px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.metrics th { text-align: left; font-weight: 400; color: var(--muted); padding: 5px 0; border-bottom: 1px solid #eaeef2; }
table.metrics td { text-align: right; padding: 5px 0; border-bottom: 1px solid #eaeef2; font-weight: 500; }
table.trades { font-size: 12.5px; }
table.trades th { text-align: right; color: var(--muted); font-weight: 500; padding: 6px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
table.trades td { text-align: right; padding: 4px 8px; border-bottom: 1px solid #eaeef2; white-space: nowrap; }
table.trades th.l, table.trades td.l { text-align: left; }
table.trades tr.gap td { text-align: center; color: var(--muted); font-style: italic; }
.neg { color: var(--red); }
.pos { color: var(--green); }
.na { color: var(--muted); }
p.note { color: var(--muted); margin: 0 0 10px; font-size: 12.5px; }
footer { color: var(--muted); font-size: 12px; margin-top: 18px; text-align: center; }
svg.chart { width: 100%; height: auto; display: block; font-family: inherit; }
svg .grid { stroke: #eaeef2; stroke-width: 1; }
svg .grid-v { stroke: #f3f5f7; stroke-width: 1; }
svg .zero { stroke: #8c959f; stroke-width: 1; }
svg .axis { stroke: #59636e; stroke-width: 1; }
svg .tick { font-size: 11px; fill: #59636e; }
svg .tick-bold { font-size: 11px; fill: #1f2328; font-weight: 600; }
svg .axis-title { font-size: 12px; fill: #59636e; }
svg .legend { font-size: 12px; fill: #1f2328; }
svg .note { font-size: 12px; fill: #59636e; }
svg .note-var { font-size: 11px; fill: #cf222e; }
svg .legend-box { fill: #ffffff; fill-opacity: .85; stroke: #d1d9e0; }
svg .empty-panel { fill: #f6f8fa; stroke: #d1d9e0; }
svg .series-equity { fill: none; stroke: #0969da; stroke-width: 2; stroke-linejoin: round; }
svg .series-bench { fill: none; stroke: #8c959f; stroke-width: 1.5; stroke-linejoin: round; }
svg .series-bench-dd { fill: none; stroke: #8c959f; stroke-width: 1.2; stroke-dasharray: 4 3; }
svg .area-drawdown { fill: #cf222e; fill-opacity: .22; stroke: none; }
svg .line-drawdown { fill: none; stroke: #b42318; stroke-width: 1.2; stroke-linejoin: round; }
svg .marker-dd { fill: #b42318; }
svg .bar { fill: #54aeff; }
svg .series-normal { fill: none; stroke: #1f2328; stroke-width: 1.5; stroke-dasharray: 5 3; }
svg .marker-var { stroke: #cf222e; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .trade-win { fill: #1a7f37; fill-opacity: .75; }
svg .trade-loss { fill: #cf222e; fill-opacity: .75; }
svg .trade-flat { fill: #8c959f; }
svg .cell-none { fill: #f6f8fa; }
svg .cell-empty { fill: #eef1f4; }
svg .cell-best { fill: none; stroke: #1f2328; stroke-width: 2; }
svg .cell-text { font-size: 11px; }
svg .swatch { stroke: none; }
"#;

/// Preferred headline metrics, in card order (the first six present are shown).
const KPI_KEYS: [&str; 8] = [
    "final_value",
    "total_return",
    "annual_return",
    "cagr",
    "sharpe",
    "max_drawdown",
    "win_rate",
    "trades",
];

/// A metric value for HTML, with its CSS class (`neg`, `na` or none).
pub(crate) fn metric_cell(m: &Metric) -> (String, &'static str) {
    match format_metric(m.value, m.unit) {
        Some(s) => {
            let signed = matches!(m.unit, Unit::Percent | Unit::Money | Unit::Ratio);
            let class = if signed && m.finite_value().is_some_and(|v| v < 0.0) {
                "neg"
            } else {
                ""
            };
            (s, class)
        }
        None => ("—".to_string(), "na"),
    }
}

/// A timestamp as its New York date, plus `HH:MM` when it is not midnight.
pub(crate) fn when(ts: Timestamp) -> String {
    let t = ts.ny_time();
    if t == chrono::NaiveTime::MIN {
        date_text(ts)
    } else {
        format!("{} {}", date_text(ts), t.format("%H:%M"))
    }
}

/// A number with up to 6 decimals and no trailing zeros (sizes, fractional shares).
fn short(v: f64) -> String {
    let s = grouped(v, 6);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn trade_row(out: &mut String, k: usize, t: &TradeRow) {
    let sign = |v: f64| {
        if v > 0.0 {
            " pos"
        } else if v < 0.0 {
            " neg"
        } else {
            ""
        }
    };
    let _ = writeln!(
        out,
        "<tr class=\"trade-row\" data-index=\"{k}\"><td>{}</td><td class=\"l\">{}</td>\
         <td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td>\
         <td>{}</td><td>{}</td><td>{}</td><td class=\"num{}\">{}</td>\
         <td class=\"num{}\">{}%</td><td class=\"l\">{}</td></tr>",
        k + 1,
        escape(&t.symbol),
        t.direction,
        escape(&when(t.entry_ts)),
        t.exit_ts
            .map(|e| escape(&when(e)))
            .unwrap_or_else(|| "open".to_string()),
        grouped(t.entry_price, 2),
        t.exit_price
            .map(|p| grouped(p, 2))
            .unwrap_or_else(|| "—".to_string()),
        short(t.size),
        grouped(t.fees, 2),
        sign(t.pnl),
        grouped(t.pnl, 2),
        sign(t.return_pct),
        grouped(t.return_pct * 100.0, 2),
        escape(&t.exit_reason),
    );
}

/// The trades section's table.
fn trades_table(out: &mut String, trades: &[TradeRow]) {
    let n = trades.len();
    if n == 0 {
        out.push_str("<p class=\"note\">No trades.</p>\n");
        return;
    }
    let all = n <= 2 * TRADE_ROWS_EACH;
    let _ = writeln!(
        out,
        "<p class=\"note\" id=\"trades-count\">{}</p>",
        if all {
            format!(
                "{} {}.",
                grouped(n as f64, 0),
                if n == 1 { "trade" } else { "trades" }
            )
        } else {
            format!(
                "Showing the first {TRADE_ROWS_EACH} and last {TRADE_ROWS_EACH} of {} trades; \
                 the trades CSV holds them all.",
                grouped(n as f64, 0)
            )
        }
    );
    out.push_str(
        "<table class=\"trades\">\n<thead><tr><th>#</th><th class=\"l\">Symbol</th>\
         <th class=\"l\">Side</th><th class=\"l\">Entry</th><th class=\"l\">Exit</th>\
         <th>Entry price</th><th>Exit price</th><th>Size</th><th>Fees</th><th>P&amp;L</th>\
         <th>Return</th><th class=\"l\">Exit reason</th></tr></thead>\n<tbody>\n",
    );
    if all {
        for (k, t) in trades.iter().enumerate() {
            trade_row(out, k, t);
        }
    } else {
        for (k, t) in trades.iter().enumerate().take(TRADE_ROWS_EACH) {
            trade_row(out, k, t);
        }
        let _ = writeln!(
            out,
            "<tr class=\"gap\"><td colspan=\"12\">… {} trades not shown …</td></tr>",
            grouped((n - 2 * TRADE_ROWS_EACH) as f64, 0)
        );
        for (k, t) in trades.iter().enumerate().skip(n - TRADE_ROWS_EACH) {
            trade_row(out, k, t);
        }
    }
    out.push_str("</tbody>\n</table>\n");
}

/// One chart section.
pub(crate) fn section(out: &mut String, id: &str, heading: &str, note: Option<&str>, svg: &str) {
    let _ = writeln!(out, "<section id=\"{id}\">\n<h2>{}</h2>", escape(heading));
    if let Some(n) = note {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(n));
    }
    out.push_str(svg);
    out.push_str("</section>\n");
}

/// Renders the whole report as one HTML document.
///
/// Never fails and never panics: mismatched series are cut to the shortest, undefined
/// values show as `—`, empty inputs give "no data" panels. Call
/// [`ReportInput::validate`] first to be told about such problems ([`write_all`]
/// does).
///
/// [`write_all`]: crate::write_all
#[must_use]
pub fn render_html(input: &ReportInput) -> String {
    render_document(input, &Extra::default())
}

/// What another report (the options report) adds to the bar report's page.
#[derive(Default)]
pub(crate) struct Extra<'a> {
    /// More CSS, appended to [`CSS`].
    pub css: &'a str,
    /// Sections inserted after the metrics and before the equity chart.
    pub after_metrics: &'a str,
    /// Sections inserted after the charts and before the trades.
    pub before_trades: &'a str,
    /// Replaces the trades section's table when set.
    pub trades: Option<&'a str>,
    /// Replaces the footer's "Returns are per bar" sentence when set.
    pub footer_note: Option<&'a str>,
}

/// The page: header, headline cards, metrics, `extra.after_metrics`, the charts,
/// `extra.before_trades`, the trades and the footer.
pub(crate) fn render_document(input: &ReportInput, extra: &Extra<'_>) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = if input.title.is_empty() {
        "Backtest report"
    } else {
        input.title.as_str()
    };
    let page_title = if input.run_name.is_empty() {
        title.to_string()
    } else {
        format!("{title} — {}", input.run_name)
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{GENERATOR}\">\n<title>{}</title>\n\
         <style>{CSS}{}</style>\n</head>\n<body>\n<main>\n",
        escape(&page_title),
        extra.css
    );
    // Header.
    let _ = writeln!(
        out,
        "<header id=\"report-header\">\n<h1>{}</h1>\n<dl class=\"meta\">",
        escape(title)
    );
    let mut meta: Vec<(&str, String)> = vec![
        ("Strategy", input.strategy.clone()),
        ("Parameters", params_text(input)),
        ("Period", period_text(input)),
    ];
    if let Some((name, _)) = &input.benchmark {
        meta.push(("Benchmark", name.clone()));
    }
    meta.push(("Run", input.run_name.clone()));
    for (k, v) in meta.into_iter().filter(|(_, v)| !v.is_empty()) {
        let _ = writeln!(out, "<div><dt>{k}</dt><dd>{}</dd></div>", escape(&v));
    }
    out.push_str("</dl>\n</header>\n");
    // Headline cards.
    let kpis: Vec<&Metric> = KPI_KEYS
        .iter()
        .filter_map(|k| input.metrics.iter().find(|m| m.name == *k))
        .take(6)
        .collect();
    if !kpis.is_empty() {
        out.push_str("<section id=\"kpis\" class=\"kpis\">\n");
        for m in kpis {
            let (v, class) = metric_cell(m);
            let _ = writeln!(
                out,
                "<div class=\"kpi\"><div class=\"label\">{}</div><div class=\"value {class}\">{}</div></div>",
                escape(&metric_label(&m.name)),
                escape(&v)
            );
        }
        out.push_str("</section>\n");
    }
    // Metrics tables, in three columns.
    out.push_str("<section id=\"metrics\">\n<h2>Performance metrics</h2>\n");
    if input.metrics.is_empty() {
        out.push_str("<p class=\"note\">No metrics.</p>\n");
    } else {
        out.push_str("<div class=\"metric-tables\">\n");
        let per = input.metrics.len().div_ceil(3).max(1);
        for chunk in input.metrics.chunks(per) {
            out.push_str("<table class=\"metrics\">\n<tbody>\n");
            for m in chunk {
                let (v, class) = metric_cell(m);
                let _ = writeln!(
                    out,
                    "<tr data-metric=\"{}\"><th>{}</th><td class=\"{class}\">{}</td></tr>",
                    escape(&m.name),
                    escape(&metric_label(&m.name)),
                    escape(&v)
                );
            }
            out.push_str("</tbody>\n</table>\n");
        }
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
    out.push_str(extra.after_metrics);
    // Charts.
    section(&mut out, "equity", "Equity", None, &equity_chart(input));
    section(
        &mut out,
        "drawdown",
        "Drawdown",
        None,
        &drawdown_chart(input),
    );
    section(
        &mut out,
        "monthly",
        "Monthly returns",
        Some("Calendar-month returns in percent; the Year column compounds the months shown."),
        &monthly_chart(input),
    );
    section(
        &mut out,
        "distribution",
        "Return distribution",
        Some(
            "Per-bar returns; dashed line: normal density with the sample mean and standard deviation; red: historical VaR 95% (5% quantile).",
        ),
        &distribution_chart(input),
    );
    section(
        &mut out,
        "trade-pnl",
        "Trade P&L",
        None,
        &trades_chart(input),
    );
    if let Some(s) = &input.sweep {
        section(
            &mut out,
            "sweep",
            "Parameter sweep",
            Some(&format!(
                "{} by {} (columns) and {} (rows); the best cell is outlined.",
                s.metric_name, s.x_name, s.y_name
            )),
            &sweep_chart(s),
        );
    }
    out.push_str(extra.before_trades);
    // Trades.
    out.push_str("<section id=\"trades\">\n<h2>Trades</h2>\n");
    match extra.trades {
        Some(t) => out.push_str(t),
        None => trades_table(&mut out, &input.trades),
    }
    out.push_str("</section>\n");
    // Footer.
    let generated = input
        .generated_at
        .map(|t| format!(" on {}", escape(&t.to_rfc3339())))
        .unwrap_or_default();
    let note = extra
        .footer_note
        .unwrap_or("Returns are per bar; dates are New York trading dates.");
    let _ = write!(
        out,
        "<footer>Generated by {GENERATOR}{generated}. {}</footer>\n\
         </main>\n</body>\n</html>\n",
        escape(note)
    );
    out
}

/// Writes [`render_html`]'s output to `path` (created or truncated).
pub fn write_html(path: impl AsRef<Path>, input: &ReportInput) -> Result<(), ReportError> {
    let path = path.as_ref();
    fs::write(path, render_html(input)).map_err(|e| ReportError::io(path, e))
}
