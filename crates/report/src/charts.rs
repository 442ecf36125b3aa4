//! The report's SVG charts, each a self-contained `<svg>` element with a stable `id`:
//!
//! | id | chart |
//! |---|---|
//! | `chart-equity` | equity vs benchmark, line chart with a legend |
//! | `chart-drawdown` | underwater curve (drawdown from the running peak), area |
//! | `chart-monthly` | monthly returns heatmap, years × months plus a year column |
//! | `chart-distribution` | histogram of per-bar returns, normal overlay, VaR marker |
//! | `chart-trades` | trade P&L against exit date, wins and losses coloured |
//! | `chart-sweep` | parameter-sweep heatmap (only when a sweep is given) |
//!
//! Charts draw whatever they are given: mismatched lengths are cut to the shortest
//! series, non-finite values are skipped, an empty input gives a "no data" panel with the
//! same `id`, and long series are decimated (min/max per pixel column) so the file stays
//! small for a million bars.

use std::collections::BTreeMap;

use thetalab_core::Timestamp;

use crate::format::{fixed, grouped};
use crate::svg::{
    PathData, Scale, Svg, Ticks, decimate, diverging, nice_num, nice_ticks, sequential, time_ticks,
};
use crate::table::date_text;
use crate::{ReportInput, SweepTable};

/// The width of every chart's view box.
const WIDTH: f64 = 1000.0;

/// The plot area inside a chart: left/right x and top/bottom y, in view-box units.
#[derive(Clone, Copy)]
struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn new(width: f64, height: f64, left: f64, right: f64, top: f64, bottom: f64) -> Frame {
        Frame {
            x0: left,
            x1: width - right,
            y0: top,
            y1: height - bottom,
        }
    }

    fn w(&self) -> f64 {
        self.x1 - self.x0
    }
}

/// A panel with the chart's id and title that says there is nothing to draw.
fn placeholder(id: &str, title: &str, message: &str) -> String {
    let h = 90.0;
    let mut svg = Svg::new(id, title, message, WIDTH, h);
    svg.rect(0.5, 0.5, WIDTH - 1.0, h - 1.0, "empty-panel", None, None);
    svg.text(WIDTH / 2.0, h / 2.0 + 4.0, "middle", "note", message);
    svg.finish()
}

/// Horizontal grid lines and labels for the y ticks.
fn y_axis(svg: &mut Svg, f: Frame, ticks: &Ticks, y: &Scale, suffix: &str) {
    for &v in &ticks.values {
        let py = y.map(v);
        let class = if v == 0.0 { "zero" } else { "grid" };
        svg.line(f.x0, py, f.x1, py, class);
        let label = format!("{}{suffix}", grouped(v, ticks.decimals));
        svg.text(f.x0 - 8.0, py + 4.0, "end", "tick", &label);
    }
}

/// Vertical grid lines and date labels for a time axis from `t0` to `t1`.
fn x_time_axis(svg: &mut Svg, f: Frame, t0: i64, t1: i64, x: &Scale) {
    let max_ticks = ((f.w() / 90.0) as usize).max(2);
    for (t, label) in time_ticks(t0, t1, max_ticks) {
        let px = x.map(t as f64);
        svg.line(px, f.y0, px, f.y1, "grid-v");
        svg.line(px, f.y1, px, f.y1 + 5.0, "axis");
        svg.text(px, f.y1 + 18.0, "middle", "tick", &label);
    }
}

/// The axis lines on the left and bottom of the frame.
fn frame_axes(svg: &mut Svg, f: Frame) {
    svg.line(f.x0, f.y1, f.x1, f.y1, "axis");
    svg.line(f.x0, f.y0, f.x0, f.y1, "axis");
}

/// The time domain of the run, widened by a day either side when it is one instant.
fn time_domain(ts: &[Timestamp]) -> Option<(i64, i64)> {
    let (a, b) = (ts.first()?.as_nanos(), ts.last()?.as_nanos());
    if a == b {
        let day = 86_400_000_000_000;
        Some((a.saturating_sub(day), b.saturating_add(day)))
    } else {
        Some((a.min(b), a.max(b)))
    }
}

/// Finite min and max of several series, if any value is finite.
fn finite_range<'a>(series: impl IntoIterator<Item = &'a [f64]>) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in series {
        for &v in s.iter().filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    (lo <= hi).then_some((lo, hi))
}

/// The line path of `ys` against `ts`, decimated to about one point per pixel column.
fn line_path(ts: &[Timestamp], ys: &[f64], x: &Scale, y: &Scale, pixels: f64) -> String {
    let n = ts.len().min(ys.len());
    let mut p = PathData::default();
    for i in decimate(&ys[..n], pixels as usize) {
        p.point(x.map(ts[i].as_nanos() as f64), y.map(ys[i]));
    }
    p.into_string()
}

/// A legend entry: a short line of the series' class and its label.
fn legend_item(svg: &mut Svg, x: f64, y: f64, class: &str, label: &str) {
    svg.line(x, y - 4.0, x + 22.0, y - 4.0, class);
    svg.text(x + 28.0, y, "start", "legend", label);
}

/// Equity vs benchmark: both lines on one value axis, dates on the x axis, a legend
/// with each series' final value.
#[must_use]
pub fn equity_chart(input: &ReportInput) -> String {
    let (id, title) = ("chart-equity", "Equity vs benchmark");
    let n = input.ts.len().min(input.equity.len());
    let ts = &input.ts[..n];
    let eq = &input.equity[..n];
    let bench = input
        .benchmark
        .as_ref()
        .map(|(name, b)| (name.as_str(), &b[..b.len().min(n)]));
    let Some((t0, t1)) = time_domain(ts) else {
        return placeholder(id, title, "No equity data");
    };
    let Some((lo, hi)) = finite_range([eq].into_iter().chain(bench.map(|(_, b)| b))) else {
        return placeholder(id, title, "No finite equity values");
    };
    let h = 380.0;
    let f = Frame::new(WIDTH, h, 90.0, 20.0, 20.0, 40.0);
    let ticks = nice_ticks(lo, hi, 6);
    let x = Scale::new(t0 as f64, t1 as f64, f.x0, f.x1);
    let y = Scale::new(ticks.lo, ticks.hi, f.y1, f.y0);
    let desc = match bench {
        Some((name, _)) => format!("Portfolio value of the strategy and of {name}, per bar."),
        None => "Portfolio value of the strategy, per bar.".to_string(),
    };
    let mut svg = Svg::new(id, title, &desc, WIDTH, h);
    y_axis(&mut svg, f, &ticks, &y, "");
    x_time_axis(&mut svg, f, t0, t1, &x);
    frame_axes(&mut svg, f);
    svg.vtext(18.0, (f.y0 + f.y1) / 2.0, "axis-title", "Portfolio value");
    if let Some((_, b)) = bench {
        svg.path(&line_path(ts, b, &x, &y, f.w()), "series-bench");
    }
    svg.path(&line_path(ts, eq, &x, &y, f.w()), "series-equity");
    let last = |s: &[f64]| {
        s.iter()
            .rev()
            .find(|v| v.is_finite())
            .map(|&v| grouped(v, 2))
            .unwrap_or_else(|| "—".to_string())
    };
    let labels: Vec<(&str, String)> =
        std::iter::once(("series-equity", format!("Strategy (final {})", last(eq))))
            .chain(bench.map(|(name, b)| ("series-bench", format!("{name} (final {})", last(b)))))
            .collect();
    // About 6.5 units per character of 12 px text, plus the line sample and padding.
    let longest = labels
        .iter()
        .map(|(_, l)| l.chars().count())
        .max()
        .unwrap_or(0);
    let box_w = (48.0 + 6.5 * longest as f64).min(f.w() - 20.0);
    svg.rect(
        f.x0 + 10.0,
        f.y0 + 6.0,
        box_w,
        6.0 + 20.0 * labels.len() as f64,
        "legend-box",
        None,
        None,
    );
    for (k, (class, label)) in labels.iter().enumerate() {
        legend_item(
            &mut svg,
            f.x0 + 20.0,
            f.y0 + 24.0 + 20.0 * k as f64,
            class,
            label,
        );
    }
    svg.finish()
}

/// Drawdown from the running peak, in percent: `100 × (equity / max(equity[..=i]) − 1)`
/// (the "underwater" curve; e.g. Bacon, *Practical Portfolio Performance Measurement
/// and Attribution*, 2nd ed., §4.3). NaN where the peak is not positive.
#[must_use]
pub(crate) fn drawdown_pct(equity: &[f64]) -> Vec<f64> {
    let mut peak = f64::NEG_INFINITY;
    equity
        .iter()
        .map(|&e| {
            if e.is_finite() {
                peak = peak.max(e);
            }
            if peak > 0.0 && e.is_finite() {
                100.0 * (e / peak - 1.0)
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// Underwater chart: the strategy's drawdown as a filled area below zero, the
/// benchmark's as a line, and the maximum drawdown marked.
#[must_use]
pub fn drawdown_chart(input: &ReportInput) -> String {
    let (id, title) = ("chart-drawdown", "Underwater (drawdown from peak)");
    let n = input.ts.len().min(input.equity.len());
    let ts = &input.ts[..n];
    let dd = drawdown_pct(&input.equity[..n]);
    let bdd = input
        .benchmark
        .as_ref()
        .map(|(name, b)| (name.as_str(), drawdown_pct(&b[..b.len().min(n)])));
    let Some((t0, t1)) = time_domain(ts) else {
        return placeholder(id, title, "No equity data");
    };
    let Some((lo, _)) = finite_range(
        [dd.as_slice()]
            .into_iter()
            .chain(bdd.as_ref().map(|(_, b)| b.as_slice())),
    ) else {
        return placeholder(id, title, "No positive equity values");
    };
    let h = 240.0;
    let f = Frame::new(WIDTH, h, 90.0, 20.0, 28.0, 40.0);
    let ticks = nice_ticks(lo.min(-1.0), 0.0, 5);
    let x = Scale::new(t0 as f64, t1 as f64, f.x0, f.x1);
    let y = Scale::new(ticks.lo, 0.0_f64.max(ticks.hi), f.y1, f.y0);
    let mut svg = Svg::new(
        id,
        title,
        "Percentage below the running maximum of the portfolio value.",
        WIDTH,
        h,
    );
    y_axis(&mut svg, f, &ticks, &y, "%");
    x_time_axis(&mut svg, f, t0, t1, &x);
    frame_axes(&mut svg, f);
    svg.vtext(18.0, (f.y0 + f.y1) / 2.0, "axis-title", "Drawdown");
    // The area: down from zero along the curve and back up to zero.
    let mut area = PathData::default();
    let idx = decimate(&dd, f.w() as usize);
    let finite: Vec<usize> = idx.into_iter().filter(|&i| dd[i].is_finite()).collect();
    if let (Some(&first), Some(&last)) = (finite.first(), finite.last()) {
        area.point(x.map(ts[first].as_nanos() as f64), y.map(0.0));
        for &i in &finite {
            area.point(x.map(ts[i].as_nanos() as f64), y.map(dd[i]));
        }
        area.point(x.map(ts[last].as_nanos() as f64), y.map(0.0));
        area.close();
    }
    svg.path(&area.into_string(), "area-drawdown");
    let mut edge = PathData::default();
    for &i in &finite {
        edge.point(x.map(ts[i].as_nanos() as f64), y.map(dd[i]));
    }
    svg.path(&edge.into_string(), "line-drawdown");
    if let Some((_, b)) = &bdd {
        svg.path(&line_path(ts, b, &x, &y, f.w()), "series-bench-dd");
    }
    // The deepest point (the first one, if it repeats).
    let trough = dd.iter().enumerate().filter(|(_, v)| v.is_finite()).fold(
        None::<(usize, f64)>,
        |best, (i, &v)| match best {
            Some((_, b)) if b <= v => best,
            _ => Some((i, v)),
        },
    );
    let mut note = String::new();
    if let Some((i, v)) = trough.filter(|&(_, v)| v < 0.0) {
        let (px, py) = (x.map(ts[i].as_nanos() as f64), y.map(v));
        svg.circle(px, py, 3.5, "marker-dd", None);
        note = format!("Max drawdown {}% on {}", fixed(v, 2), date_text(ts[i]));
    }
    if let Some((name, b)) = &bdd
        && let Some(m) = b.iter().copied().filter(|v| v.is_finite()).reduce(f64::min)
    {
        if !note.is_empty() {
            note.push_str("  ·  ");
        }
        note.push_str(&format!("{name}: {}%", fixed(m, 2)));
    }
    if !note.is_empty() {
        svg.text(f.x1, 16.0, "end", "note", &note);
    }
    if bdd.is_some() {
        legend_item(&mut svg, f.x0, 16.0, "series-bench-dd", "benchmark");
    }
    svg.finish()
}

/// The month labels of the heatmap columns.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Compounded return of a year's monthly returns: `∏(1 + rₘ) − 1` over the months
/// present (geometric linking; Bacon 2008, §2.2).
#[must_use]
pub(crate) fn compound(returns: impl IntoIterator<Item = f64>) -> f64 {
    returns.into_iter().fold(1.0, |acc, r| acc * (1.0 + r)) - 1.0
}

/// Monthly returns heatmap: one row per year, one column per month and a last column
/// with the year's compounded return; cells coloured on a diverging red–green scale
/// symmetric about zero (months and years on their own scales), values in the cells.
#[must_use]
pub fn monthly_chart(input: &ReportInput) -> String {
    let (id, title) = ("chart-monthly", "Monthly returns (%)");
    let mut years: BTreeMap<i32, [Option<f64>; 12]> = BTreeMap::new();
    for &(y, m, r) in &input.monthly {
        if (1..=12).contains(&m) && r.is_finite() {
            years.entry(y).or_insert([None; 12])[(m - 1) as usize] = Some(r);
        }
    }
    if years.is_empty() {
        return placeholder(id, title, "No monthly returns");
    }
    let annual: BTreeMap<i32, f64> = years
        .iter()
        .map(|(&y, ms)| (y, compound(ms.iter().flatten().copied())))
        .collect();
    let max_m = years
        .values()
        .flat_map(|ms| ms.iter().flatten())
        .fold(0.0_f64, |a, r| a.max(r.abs()));
    let max_y = annual.values().fold(0.0_f64, |a, r| a.max(r.abs()));
    let (left, top, cw, ch, gap) = (70.0, 30.0, 64.0, 26.0, 10.0);
    let h = top + ch * years.len() as f64 + 12.0;
    let mut svg = Svg::new(
        id,
        title,
        "Return of each calendar month in percent, and each year's compounded return.",
        WIDTH,
        h,
    );
    for (k, name) in MONTHS.iter().enumerate() {
        svg.text(
            left + cw * (k as f64 + 0.5),
            top - 10.0,
            "middle",
            "tick",
            name,
        );
    }
    let year_x = left + 12.0 * cw + gap;
    svg.text(
        year_x + cw * 0.75,
        top - 10.0,
        "middle",
        "tick-bold",
        "Year",
    );
    for (row, (year, months)) in years.iter().enumerate() {
        let py = top + ch * row as f64;
        svg.text(
            left - 10.0,
            py + ch / 2.0 + 4.0,
            "end",
            "tick-bold",
            &year.to_string(),
        );
        for (k, r) in months.iter().enumerate() {
            let px = left + cw * k as f64;
            match r {
                Some(r) => {
                    let fill = diverging(if max_m > 0.0 { r / max_m } else { 0.0 });
                    let tip = format!("{year}-{:02}: {}%", k + 1, fixed(r * 100.0, 2));
                    svg.rect(
                        px,
                        py,
                        cw - 2.0,
                        ch - 2.0,
                        "cell-month",
                        Some(&fill.hex()),
                        Some(&tip),
                    );
                    cell_text(
                        &mut svg,
                        px + (cw - 2.0) / 2.0,
                        py + ch / 2.0 + 3.0,
                        fill.text_colour(),
                        &fixed(r * 100.0, 1),
                    );
                }
                None => svg.rect(px, py, cw - 2.0, ch - 2.0, "cell-none", None, None),
            }
        }
        let r = annual.get(year).copied().unwrap_or(0.0);
        let fill = diverging(if max_y > 0.0 { r / max_y } else { 0.0 });
        let tip = format!("{year}: {}%", fixed(r * 100.0, 2));
        svg.rect(
            year_x,
            py,
            cw * 1.5 - 2.0,
            ch - 2.0,
            "cell-year",
            Some(&fill.hex()),
            Some(&tip),
        );
        cell_text(
            &mut svg,
            year_x + (cw * 1.5 - 2.0) / 2.0,
            py + ch / 2.0 + 3.0,
            fill.text_colour(),
            &fixed(r * 100.0, 1),
        );
    }
    svg.finish()
}

/// A centred cell value in the given colour.
fn cell_text(svg: &mut Svg, x: f64, y: f64, colour: &str, text: &str) {
    svg.raw(&format!(
        "<text class=\"cell-text\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{colour}\">{}</text>\n",
        crate::svg::c(x),
        crate::svg::c(y),
        crate::svg::escape(text)
    ));
}

/// The `p`-quantile (0..=1) of sorted finite data by linear interpolation between
/// order statistics: Hyndman & Fan (1996) definition 7, numpy's default `percentile`,
/// which empyrical's `value_at_risk` uses.
#[must_use]
pub(crate) fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Histogram of the per-bar returns (in %, `returns[1..]`: `returns[0]` is the
/// conventional 0 of the first bar) with the normal density of the same mean and sample
/// standard deviation scaled to counts, and the historical 95 % VaR (5 % quantile)
/// marked.
#[must_use]
pub fn distribution_chart(input: &ReportInput) -> String {
    let (id, title) = ("chart-distribution", "Distribution of returns");
    let mut data: Vec<f64> = input
        .returns
        .iter()
        .skip(1)
        .filter(|v| v.is_finite())
        .map(|v| v * 100.0)
        .collect();
    if data.is_empty() {
        return placeholder(id, title, "Fewer than two returns");
    }
    data.sort_by(f64::total_cmp);
    let n = data.len();
    let (min, max) = (data[0], data[n - 1]);
    // About √n bins (between 10 and 60), of a nice width.
    let target = (n as f64).sqrt().ceil().clamp(10.0, 60.0);
    let width = if max > min {
        nice_num((max - min) / target, true)
    } else {
        nice_num(min.abs().max(0.01) / 10.0, true)
    };
    let start = (min / width).floor() * width;
    let bins = (((max - start) / width).floor() as usize + 1).clamp(1, 400);
    let mut counts = vec![0usize; bins];
    for &v in &data {
        let k = (((v - start) / width).floor().max(0.0) as usize).min(bins - 1);
        counts[k] += 1;
    }
    let end = start + width * bins as f64;
    // Sample mean and standard deviation (ddof = 1).
    let mean = data.iter().sum::<f64>() / n as f64;
    let sd = if n > 1 {
        (data.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    // Normal density N(mean, sd²) scaled to counts: n · width · φ(z) / sd.
    let density = |x: f64| {
        let z = (x - mean) / sd;
        n as f64 * width * (-0.5 * z * z).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt())
    };
    let peak_count = counts.iter().copied().max().unwrap_or(0) as f64;
    let peak_normal = if sd > 0.0 { density(mean) } else { 0.0 };
    let h = 320.0;
    let f = Frame::new(WIDTH, h, 90.0, 20.0, 30.0, 46.0);
    let xt = nice_ticks(start, end, 10);
    let yt = nice_ticks(0.0, peak_count.max(peak_normal).max(1.0), 5);
    let x = Scale::new(xt.lo, xt.hi, f.x0, f.x1);
    let y = Scale::new(0.0, yt.hi, f.y1, f.y0);
    let mut svg = Svg::new(
        id,
        title,
        &format!(
            "Histogram of {n} per-bar returns in percent, bin width {}%.",
            trim(width)
        ),
        WIDTH,
        h,
    );
    y_axis(&mut svg, f, &yt, &y, "");
    for &v in &xt.values {
        let px = x.map(v);
        svg.line(px, f.y1, px, f.y1 + 5.0, "axis");
        svg.text(
            px,
            f.y1 + 18.0,
            "middle",
            "tick",
            &format!("{}%", fixed(v, xt.decimals)),
        );
    }
    frame_axes(&mut svg, f);
    svg.vtext(18.0, (f.y0 + f.y1) / 2.0, "axis-title", "Bars");
    svg.text(
        (f.x0 + f.x1) / 2.0,
        h - 6.0,
        "middle",
        "axis-title",
        "Return per bar",
    );
    for (k, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let a = start + width * k as f64;
        let (px0, px1) = (x.map(a), x.map(a + width));
        let py = y.map(count as f64);
        let tip = format!("{}% to {}%: {count}", trim(a), trim(a + width));
        svg.rect(
            px0 + 0.5,
            py,
            (px1 - px0 - 1.0).max(0.5),
            f.y1 - py,
            "bar",
            None,
            Some(&tip),
        );
    }
    if sd > 0.0 {
        let mut p = PathData::default();
        let steps = 240;
        for s in 0..=steps {
            let v = xt.lo + (xt.hi - xt.lo) * s as f64 / steps as f64;
            p.point(x.map(v), y.map(density(v)));
        }
        svg.path(&p.into_string(), "series-normal");
    }
    let mut note = format!("mean {}%  ·  sd {}%", fixed(mean, 3), fixed(sd, 3));
    if let Some(var) = quantile_sorted(&data, 0.05) {
        let px = x.map(var);
        svg.line(px, f.y0, px, f.y1, "marker-var");
        svg.text(
            px - 4.0,
            f.y0 + 12.0,
            "end",
            "note-var",
            &format!("VaR 95%: {}%", fixed(var, 2)),
        );
        note.push_str(&format!("  ·  5% quantile {}%", fixed(var, 3)));
    }
    svg.text(f.x1, 18.0, "end", "note", &note);
    legend_item(
        &mut svg,
        f.x0,
        18.0,
        "series-normal",
        "normal, same mean and sd",
    );
    svg.finish()
}

/// A short decimal without trailing zeros.
fn trim(v: f64) -> String {
    let s = fixed(v, 6);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// At most this many trade markers are drawn (every k-th trade beyond it).
const MAX_TRADE_POINTS: usize = 5_000;

/// Trade P&L scatter: one dot per closed trade at its exit date and P&L, green for a
/// win, red for a loss, grey for zero; a zero line.
#[must_use]
pub fn trades_chart(input: &ReportInput) -> String {
    let (id, title) = ("chart-trades", "Trade P&L by exit date");
    let closed: Vec<(i64, f64, usize)> = input
        .trades
        .iter()
        .enumerate()
        .filter_map(|(k, t)| Some((t.exit_ts?.as_nanos(), t.pnl, k)))
        .filter(|(_, p, _)| p.is_finite())
        .collect();
    if closed.is_empty() {
        return placeholder(id, title, "No closed trades");
    }
    let (mut t0, mut t1) = closed
        .iter()
        .fold((i64::MAX, i64::MIN), |(a, b), &(t, _, _)| {
            (a.min(t), b.max(t))
        });
    if let Some((a, b)) = time_domain(&input.ts) {
        t0 = t0.min(a);
        t1 = t1.max(b);
    }
    if t0 == t1 {
        let day = 86_400_000_000_000;
        t0 = t0.saturating_sub(day);
        t1 = t1.saturating_add(day);
    }
    let (lo, hi) = closed
        .iter()
        .fold((0.0_f64, 0.0_f64), |(a, b), &(_, p, _)| {
            (a.min(p), b.max(p))
        });
    let h = 320.0;
    let f = Frame::new(WIDTH, h, 90.0, 20.0, 30.0, 40.0);
    let ticks = nice_ticks(lo, hi, 6);
    let x = Scale::new(t0 as f64, t1 as f64, f.x0, f.x1);
    let y = Scale::new(ticks.lo, ticks.hi, f.y1, f.y0);
    let stride = closed.len().div_ceil(MAX_TRADE_POINTS).max(1);
    let mut svg = Svg::new(
        id,
        title,
        &format!(
            "Profit and loss of {} closed trades against their exit dates.",
            closed.len()
        ),
        WIDTH,
        h,
    );
    y_axis(&mut svg, f, &ticks, &y, "");
    x_time_axis(&mut svg, f, t0, t1, &x);
    frame_axes(&mut svg, f);
    svg.vtext(18.0, (f.y0 + f.y1) / 2.0, "axis-title", "P&L");
    let tooltips = closed.len() <= 2_000;
    let (mut wins, mut losses) = (0usize, 0usize);
    for &(_, p, _) in &closed {
        if p > 0.0 {
            wins += 1;
        } else if p < 0.0 {
            losses += 1;
        }
    }
    for &(t, p, k) in closed.iter().step_by(stride) {
        let class = if p > 0.0 {
            "trade-win"
        } else if p < 0.0 {
            "trade-loss"
        } else {
            "trade-flat"
        };
        let tip = tooltips.then(|| {
            let tr = &input.trades[k];
            format!(
                "#{} {} {} exit {}: P&L {} ({}%)",
                k + 1,
                tr.symbol,
                tr.direction,
                date_text(Timestamp::from_nanos(t)),
                grouped(p, 2),
                fixed(tr.return_pct * 100.0, 2)
            )
        });
        svg.circle(x.map(t as f64), y.map(p), 3.5, class, tip.as_deref());
    }
    let mut note = format!("{wins} wins  ·  {losses} losses");
    if stride > 1 {
        note.push_str(&format!("  ·  every {stride}th trade shown"));
    }
    svg.text(f.x1, 18.0, "end", "note", &note);
    svg.circle(f.x0 + 6.0, 14.0, 4.0, "trade-win", None);
    svg.text(f.x0 + 14.0, 18.0, "start", "legend", "win");
    svg.circle(f.x0 + 56.0, 14.0, 4.0, "trade-loss", None);
    svg.text(f.x0 + 64.0, 18.0, "start", "legend", "loss");
    svg.finish()
}

/// The value of a sweep parameter as a short label.
fn param_label(v: f64) -> String {
    trim(v)
}

/// Parameter-sweep heatmap: the metric of each (x, y) combination as a coloured cell
/// (diverging about zero when the metric changes sign, viridis otherwise), the best cell
/// outlined, values printed when the cells are large enough, and a colour bar.
#[must_use]
pub fn sweep_chart(sweep: &SweepTable) -> String {
    let (id, title) = ("chart-sweep", "Parameter sweep");
    let (nx, ny) = (sweep.x.len(), sweep.y.len());
    let values: Vec<f64> = (0..ny)
        .flat_map(|j| (0..nx).map(move |i| (i, j)))
        .filter_map(|(i, j)| sweep.cell(i, j))
        .collect();
    let Some((lo, hi)) = finite_range([values.as_slice()]) else {
        return placeholder(id, title, "No defined values in the sweep");
    };
    let diverge = lo < 0.0 && hi > 0.0;
    let max_abs = lo.abs().max(hi.abs());
    let colour = |v: f64| {
        if diverge {
            diverging(v / max_abs)
        } else if hi > lo {
            sequential((v - lo) / (hi - lo))
        } else {
            sequential(0.5)
        }
    };
    let plot_h = (ny as f64 * 26.0).clamp(120.0, 520.0);
    let (left, right, top, bottom) = (90.0, 110.0, 36.0, 50.0);
    let h = top + plot_h + bottom;
    let f = Frame::new(WIDTH, h, left, right, top, bottom);
    let (cw, ch) = (f.w() / nx as f64, plot_h / ny as f64);
    let mut svg = Svg::new(
        id,
        &format!("{title}: {}", sweep.metric_name),
        &format!(
            "{} for each combination of {} (columns) and {} (rows).",
            sweep.metric_name, sweep.x_name, sweep.y_name
        ),
        WIDTH,
        h,
    );
    let show_values = cw >= 38.0 && ch >= 16.0;
    let tooltips = nx * ny <= 2_500;
    let mut best: Option<(usize, usize, f64)> = None;
    for j in 0..ny {
        for i in 0..nx {
            let (px, py) = (f.x0 + cw * i as f64, f.y0 + ch * j as f64);
            match sweep.cell(i, j) {
                Some(v) => {
                    if best.is_none_or(|(_, _, b)| v > b) {
                        best = Some((i, j, v));
                    }
                    let fill = colour(v);
                    let tip = tooltips.then(|| {
                        format!(
                            "{}={}, {}={}: {}",
                            sweep.x_name,
                            param_label(sweep.x[i]),
                            sweep.y_name,
                            param_label(sweep.y[j]),
                            fixed(v, 4)
                        )
                    });
                    svg.rect(
                        px,
                        py,
                        cw,
                        ch,
                        "cell-sweep",
                        Some(&fill.hex()),
                        tip.as_deref(),
                    );
                    if show_values {
                        cell_text(
                            &mut svg,
                            px + cw / 2.0,
                            py + ch / 2.0 + 3.5,
                            fill.text_colour(),
                            &fixed(v, 2),
                        );
                    }
                }
                None => svg.rect(px, py, cw, ch, "cell-empty", None, None),
            }
        }
    }
    if let Some((i, j, _)) = best {
        svg.rect(
            f.x0 + cw * i as f64,
            f.y0 + ch * j as f64,
            cw,
            ch,
            "cell-best",
            None,
            None,
        );
    }
    // Axis labels: at most ~20 per axis.
    let every_x = nx.div_ceil(20).max(1);
    for i in (0..nx).step_by(every_x) {
        let px = f.x0 + cw * (i as f64 + 0.5);
        svg.text(px, f.y1 + 16.0, "middle", "tick", &param_label(sweep.x[i]));
    }
    let every_y = ny.div_ceil(20).max(1);
    for j in (0..ny).step_by(every_y) {
        let py = f.y0 + ch * (j as f64 + 0.5) + 4.0;
        svg.text(f.x0 - 8.0, py, "end", "tick", &param_label(sweep.y[j]));
    }
    svg.text(
        (f.x0 + f.x1) / 2.0,
        h - 10.0,
        "middle",
        "axis-title",
        &sweep.x_name,
    );
    svg.vtext(20.0, (f.y0 + f.y1) / 2.0, "axis-title", &sweep.y_name);
    if let Some((i, j, v)) = best {
        svg.text(
            f.x1,
            20.0,
            "end",
            "note",
            &format!(
                "best {} = {} at {}={}, {}={}",
                sweep.metric_name,
                fixed(v, 3),
                sweep.x_name,
                param_label(sweep.x[i]),
                sweep.y_name,
                param_label(sweep.y[j])
            ),
        );
    }
    // Colour bar: 20 stacked swatches from the top (high) to the bottom (low).
    let bar_x = f.x1 + 30.0;
    let steps = 20;
    let sh = plot_h / steps as f64;
    for s in 0..steps {
        let v = hi - (hi - lo) * (s as f64 + 0.5) / steps as f64;
        svg.rect(
            bar_x,
            f.y0 + sh * s as f64,
            16.0,
            sh + 0.5,
            "swatch",
            Some(&colour(v).hex()),
            None,
        );
    }
    svg.text(bar_x + 22.0, f.y0 + 10.0, "start", "tick", &fixed(hi, 2));
    svg.text(bar_x + 22.0, f.y1, "start", "tick", &fixed(lo, 2));
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawdown_from_peak() {
        let dd = drawdown_pct(&[100.0, 110.0, 99.0, 121.0]);
        assert_eq!(dd[0], 0.0);
        assert_eq!(dd[1], 0.0);
        assert!((dd[2] - -10.0).abs() < 1e-12);
        assert_eq!(dd[3], 0.0);
    }

    #[test]
    fn numpy_percentile_linear() {
        // numpy.percentile([1, 2, 3, 4, 10], 5) = 1.2
        let q = quantile_sorted(&[1.0, 2.0, 3.0, 4.0, 10.0], 0.05).unwrap();
        assert!((q - 1.2).abs() < 1e-12);
        assert_eq!(quantile_sorted(&[], 0.05), None);
    }

    #[test]
    fn compounding() {
        assert!((compound([0.1, -0.1]) - -0.01).abs() < 1e-15);
        assert_eq!(compound([]), 0.0);
    }
}
