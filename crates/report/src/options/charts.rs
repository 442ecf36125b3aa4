//! The options report's SVG charts, from plain numbers:
//!
//! | id | chart |
//! |---|---|
//! | `chart-attribution-total` | the run's P&L split into delta, gamma, theta, vega and residual (diverging bars) |
//! | `chart-attribution` | the same split per trade (or per day for long runs), stacked above and below zero |
//! | `chart-daily-pnl` | daily P&L bars, gains green and losses red |
//!
//! Same rules as [`crate::charts`]: deterministic, non-finite values skipped, an empty
//! input gives a "no data" panel with the same id.

use chrono::NaiveDate;
use thetalab_core::Timestamp;

use crate::format::grouped;
use crate::svg::{Scale, Svg, nice_ticks, time_ticks};

/// Names of the five attribution parts, in drawing order.
pub const ATTRIBUTION_PARTS: [&str; 5] = ["delta", "gamma", "theta", "vega", "residual"];

/// One bar of the attribution chart: a label (trade number or date) and the five parts
/// in dollars, in the order of [`ATTRIBUTION_PARTS`].
#[derive(Debug, Clone, PartialEq)]
pub struct AttributionBar {
    /// Shown in the tooltip, e.g. `"#12 2024-03-05"`.
    pub label: String,
    /// Delta, gamma, theta, vega, residual (dollars).
    pub parts: [f64; 5],
}

const WIDTH: f64 = 1000.0;

fn empty(id: &str, title: &str, message: &str) -> String {
    let h = 90.0;
    let mut svg = Svg::new(id, title, message, WIDTH, h);
    svg.rect(0.5, 0.5, WIDTH - 1.0, h - 1.0, "empty-panel", None, None);
    svg.text(WIDTH / 2.0, h / 2.0 + 4.0, "middle", "note", message);
    svg.finish()
}

fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// Totals of the attribution: one horizontal bar per part plus the total (their sum),
/// right of zero for a gain, left for a loss, values printed.
#[must_use]
pub fn attribution_total_chart(totals: [f64; 5]) -> String {
    let (id, title) = ("chart-attribution-total", "P&L attribution, whole run");
    let totals = totals.map(finite_or_zero);
    let sum: f64 = totals.iter().sum();
    let rows: Vec<(&str, f64, String)> = ATTRIBUTION_PARTS
        .iter()
        .zip(totals)
        .map(|(n, v)| (*n, v, format!("attr-{n}")))
        .chain(std::iter::once(("total", sum, "attr-total".to_string())))
        .collect();
    let lo = rows.iter().fold(0.0_f64, |a, r| a.min(r.1));
    let hi = rows.iter().fold(0.0_f64, |a, r| a.max(r.1));
    let (row_h, top, left, right) = (30.0, 16.0, 110.0, 120.0);
    let h = top + row_h * rows.len() as f64 + 30.0;
    let ticks = nice_ticks(lo, hi, 7);
    let x = Scale::new(ticks.lo, ticks.hi, left, WIDTH - right);
    let mut svg = Svg::new(
        id,
        title,
        "Dollars of P&L (before fees) explained by each Greek, snapshot to snapshot, and the residual.",
        WIDTH,
        h,
    );
    let y_end = top + row_h * rows.len() as f64;
    for &v in &ticks.values {
        let px = x.map(v);
        svg.line(px, top, px, y_end, if v == 0.0 { "zero" } else { "grid-v" });
        svg.text(
            px,
            y_end + 16.0,
            "middle",
            "tick",
            &grouped(v, ticks.decimals),
        );
    }
    for (k, (name, v, class)) in rows.iter().enumerate() {
        let py = top + row_h * k as f64;
        let (a, b) = (x.map(0.0), x.map(*v));
        svg.rect(
            a.min(b),
            py + 5.0,
            (b - a).abs(),
            row_h - 10.0,
            class,
            None,
            Some(&format!("{name}: {}", grouped(*v, 2))),
        );
        svg.text(
            left - 10.0,
            py + row_h / 2.0 + 4.0,
            "end",
            "tick-bold",
            name,
        );
        // Gains: the value right of the bar's end; losses: right of zero, so that a long
        // bar to the left never runs into the row names.
        let (tx, anchor) = if *v >= 0.0 {
            (b + 6.0, "start")
        } else {
            (a + 6.0, "start")
        };
        svg.text(tx, py + row_h / 2.0 + 4.0, anchor, "tick", &grouped(*v, 2));
    }
    svg.finish()
}

/// Per-trade (or per-day) attribution as diverging stacked bars: each bar's positive
/// parts stacked up from zero, its negative parts down, in the order of
/// [`ATTRIBUTION_PARTS`], and a dark tick at the bar's net (the P&L before fees).
#[must_use]
pub fn attribution_chart(bars: &[AttributionBar], unit: &str) -> String {
    let (id, title) = ("chart-attribution", "P&L attribution");
    if bars.is_empty() {
        return empty(id, title, "No closed trades");
    }
    let (mut lo, mut hi) = (0.0_f64, 0.0_f64);
    for b in bars {
        let (up, down) =
            b.parts
                .iter()
                .map(|v| finite_or_zero(*v))
                .fold(
                    (0.0, 0.0),
                    |(u, d), v| if v > 0.0 { (u + v, d) } else { (u, d + v) },
                );
        hi = hi.max(up);
        lo = lo.min(down);
    }
    let h = 320.0;
    let (x0, x1, y0, y1) = (90.0, WIDTH - 20.0, 36.0, h - 30.0);
    let ticks = nice_ticks(lo, hi, 6);
    let y = Scale::new(ticks.lo, ticks.hi, y1, y0);
    let n = bars.len();
    let slot = (x1 - x0) / n as f64;
    let bar_w = (slot * 0.8).max(0.6);
    let mut svg = Svg::new(
        id,
        &format!("{title} per {unit}"),
        &format!(
            "Delta, gamma, theta, vega and residual P&L of {n} {unit}s, stacked above and below zero; the dark tick is the net."
        ),
        WIDTH,
        h,
    );
    for &v in &ticks.values {
        let py = y.map(v);
        svg.line(x0, py, x1, py, if v == 0.0 { "zero" } else { "grid" });
        svg.text(
            x0 - 8.0,
            py + 4.0,
            "end",
            "tick",
            &grouped(v, ticks.decimals),
        );
    }
    svg.line(x0, y0, x0, y1, "axis");
    let tooltips = n <= 2_000;
    for (i, b) in bars.iter().enumerate() {
        let px = x0 + slot * i as f64 + (slot - bar_w) / 2.0;
        let (mut up, mut down) = (0.0, 0.0);
        for (k, v) in b.parts.iter().map(|v| finite_or_zero(*v)).enumerate() {
            if v == 0.0 {
                continue;
            }
            let (a, c) = if v > 0.0 {
                let a = up;
                up += v;
                (a, up)
            } else {
                let a = down;
                down += v;
                (a, down)
            };
            let (ya, yc) = (y.map(a), y.map(c));
            let tip = tooltips
                .then(|| format!("{}: {} {}", b.label, ATTRIBUTION_PARTS[k], grouped(v, 2)));
            svg.rect(
                px,
                ya.min(yc),
                bar_w,
                (ya - yc).abs(),
                &format!("attr-{}", ATTRIBUTION_PARTS[k]),
                None,
                tip.as_deref(),
            );
        }
        let net = up + down;
        let py = y.map(net);
        svg.line(px, py, px + bar_w, py, "attr-net");
    }
    // Legend.
    let mut lx = x0;
    for name in ATTRIBUTION_PARTS {
        svg.rect(lx, 8.0, 12.0, 12.0, &format!("attr-{name}"), None, None);
        svg.text(lx + 16.0, 18.0, "start", "legend", name);
        lx += 90.0;
    }
    svg.line(lx, 14.0, lx + 14.0, 14.0, "attr-net");
    svg.text(lx + 18.0, 18.0, "start", "legend", "net");
    svg.finish()
}

/// Daily P&L bars against the session dates, gains green and losses red, with the
/// best and worst day noted.
#[must_use]
pub fn daily_pnl_chart(days: &[(NaiveDate, f64)]) -> String {
    let (id, title) = ("chart-daily-pnl", "Daily P&L");
    let pts: Vec<(i64, f64, NaiveDate)> = days
        .iter()
        .filter(|(_, v)| v.is_finite())
        .filter_map(|(d, v)| {
            Timestamp::from_ny(*d, chrono::NaiveTime::MIN)
                .ok()
                .map(|t| (t.as_nanos(), *v, *d))
        })
        .collect();
    if pts.is_empty() {
        return empty(id, title, "No daily P&L");
    }
    let day = 86_400_000_000_000_i64;
    let t0 = pts.iter().map(|p| p.0).min().unwrap_or(0) - day / 2;
    let t1 = pts.iter().map(|p| p.0).max().unwrap_or(0) + day / 2;
    let (lo, hi) = pts
        .iter()
        .fold((0.0_f64, 0.0_f64), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let h = 280.0;
    let (x0, x1, y0, y1) = (90.0, WIDTH - 20.0, 30.0, h - 40.0);
    let ticks = nice_ticks(lo, hi, 6);
    let x = Scale::new(t0 as f64, t1 as f64, x0, x1);
    let y = Scale::new(ticks.lo, ticks.hi, y1, y0);
    let mut svg = Svg::new(
        id,
        title,
        &format!(
            "Equity change of each of {} sessions in dollars, fees included.",
            pts.len()
        ),
        WIDTH,
        h,
    );
    for &v in &ticks.values {
        let py = y.map(v);
        svg.line(x0, py, x1, py, if v == 0.0 { "zero" } else { "grid" });
        svg.text(
            x0 - 8.0,
            py + 4.0,
            "end",
            "tick",
            &grouped(v, ticks.decimals),
        );
    }
    let max_ticks = (((x1 - x0) / 90.0) as usize).max(2);
    // A few sessions: one date label per bar; longer runs: calendar ticks.
    let ticks: Vec<(i64, String)> = if pts.len() <= max_ticks {
        pts.iter().map(|p| (p.0, p.2.to_string())).collect()
    } else {
        time_ticks(t0 + day / 2, t1 - day / 2, max_ticks)
    };
    for (t, label) in ticks {
        let px = x.map(t as f64);
        svg.line(px, y1, px, y1 + 5.0, "axis");
        svg.text(px, y1 + 18.0, "middle", "tick", &label);
    }
    svg.line(x0, y1, x1, y1, "axis");
    svg.line(x0, y0, x0, y1, "axis");
    let slot = x.map((t0 + day) as f64) - x.map(t0 as f64);
    let bar_w = (slot * 0.8).clamp(0.6, 40.0);
    let zero = y.map(0.0);
    let tooltips = pts.len() <= 3_000;
    for &(t, v, d) in &pts {
        if v == 0.0 {
            continue;
        }
        let px = x.map(t as f64) - bar_w / 2.0;
        let py = y.map(v);
        let tip = tooltips.then(|| format!("{d}: {}", grouped(v, 2)));
        svg.rect(
            px,
            py.min(zero),
            bar_w,
            (py - zero).abs(),
            if v > 0.0 { "day-gain" } else { "day-loss" },
            None,
            tip.as_deref(),
        );
    }
    let best = pts.iter().max_by(|a, b| a.1.total_cmp(&b.1));
    let worst = pts.iter().min_by(|a, b| a.1.total_cmp(&b.1));
    if let (Some(b), Some(w)) = (best, worst) {
        let up = pts.iter().filter(|p| p.1 > 0.0).count();
        let down = pts.iter().filter(|p| p.1 < 0.0).count();
        svg.text(
            x1,
            18.0,
            "end",
            "note",
            &format!(
                "{up} up days  ·  {down} down days  ·  best {} on {}  ·  worst {} on {}",
                grouped(b.1, 2),
                b.2,
                grouped(w.1, 2),
                w.2
            ),
        );
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_bars_net_to_the_sum() {
        let bars = vec![
            AttributionBar {
                label: "#1".into(),
                parts: [100.0, -40.0, 60.0, -20.0, 5.0],
            },
            AttributionBar {
                label: "#2".into(),
                parts: [-10.0, 0.0, 0.0, 0.0, f64::NAN],
            },
        ];
        let svg = attribution_chart(&bars, "trade");
        // Net of #1 = 100 − 40 + 60 − 20 + 5 = 105, in the tooltips' parts.
        assert!(svg.contains("#1: delta 100.00"));
        assert!(svg.contains("#1: residual 5.00"));
        assert!(!svg.contains("NaN"));
        assert_eq!(svg.matches("class=\"attr-net\"").count(), 2 + 1);
        let total = attribution_total_chart([90.0, -40.0, 60.0, -20.0, 5.0]);
        assert!(total.contains("total: 95.00"));
        assert!(attribution_chart(&[], "trade").contains("No closed trades"));
    }

    #[test]
    fn daily_bars_and_note() {
        let d = |k: u32| NaiveDate::from_ymd_opt(2024, 1, 2 + k).unwrap();
        let svg = daily_pnl_chart(&[(d(0), 120.0), (d(1), -300.5), (d(2), 0.0)]);
        assert!(svg.contains("1 up days  ·  1 down days"));
        assert!(svg.contains("worst -300.50 on 2024-01-03"));
        assert_eq!(svg.matches("class=\"day-").count(), 2);
        assert!(daily_pnl_chart(&[]).contains("No daily P&amp;L"));
    }
}
