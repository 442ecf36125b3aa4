//! A small, deterministic SVG plotting kit: text escaping, coordinate formatting, linear
//! scales, "nice" axis ticks (Heckbert 1990), calendar ticks for time axes, min/max
//! decimation of long series, colour ramps, and an element writer.
//!
//! Everything here is a pure function of its inputs (no clock, no randomness, no hash
//! iteration), so the same report input always renders the same bytes.

use std::fmt::Write as _;

use chrono::{Datelike, Months, NaiveDate, NaiveTime};
use thetalab_core::Timestamp;

use crate::format::fixed;

/// Escapes text for XML/HTML element content and attribute values: `&`, `<`, `>`, `"`
/// and `'` become entities (XML 1.0 §2.4 and HTML's attribute rules).
#[must_use]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab/newline are not allowed in XML 1.0.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with 2 decimals (1/100 of a user unit is below any screen's pixel);
/// non-finite input gives `0` so no `NaN` can reach the SVG.
#[must_use]
pub(crate) fn c(v: f64) -> String {
    if v.is_finite() {
        fixed(v, 2)
    } else {
        "0".to_string()
    }
}

/// Heckbert's "nice number": a number of the form {1, 2, 5, 10} × 10ⁿ close to `x`
/// (`round`) or not less than `x` (`!round`).
///
/// Source: P. S. Heckbert, "Nice numbers for graph labels", *Graphics Gems* I (1990),
/// pp. 61–63, 657–659.
#[must_use]
pub(crate) fn nice_num(x: f64, round: bool) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let exp = x.log10().floor();
    let p = 10f64.powf(exp);
    // Rounded to 9 decimals so that 0.7 / 0.1 = 6.999… counts as 7.
    let f = (x / p * 1e9).round() / 1e9;
    let nf = if round {
        if f < 1.5 {
            1.0
        } else if f < 3.0 {
            2.0
        } else if f < 7.0 {
            5.0
        } else {
            10.0
        }
    } else if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nf * p
}

/// Axis ticks: the graph range `lo..=hi`, the tick `step`, the tick values and the
/// number of decimals that shows them exactly.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticks {
    /// Lower end of the axis (a multiple of `step`, ≤ the data minimum).
    pub lo: f64,
    /// Upper end of the axis (a multiple of `step`, ≥ the data maximum).
    pub hi: f64,
    /// Distance between ticks.
    pub step: f64,
    /// The tick values from `lo` to `hi`.
    pub values: Vec<f64>,
    /// Decimals needed to print the ticks.
    pub decimals: usize,
}

/// Heckbert's "loose labelling": about `n` ticks at nice numbers, the first at or below
/// `min` and the last at or above `max` (Graphics Gems I, 1990, "Nice numbers for graph
/// labels"). A degenerate range (`min == max`) is widened around the value; non-finite
/// input gives the axis 0..1.
#[must_use]
pub(crate) fn nice_ticks(min: f64, max: f64, n: usize) -> Ticks {
    let (mut lo, mut hi) = if min.is_finite() && max.is_finite() {
        (min.min(max), min.max(max))
    } else {
        (0.0, 1.0)
    };
    if hi - lo <= f64::EPSILON * hi.abs().max(lo.abs()).max(1e-300) {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo -= pad;
        hi += pad;
    }
    let n = n.max(2);
    let range = nice_num(hi - lo, false);
    let step = nice_num(range / (n - 1) as f64, true);
    // Index the ticks by integers so that accumulated rounding cannot add or drop one.
    let k0 = (lo / step).floor();
    let k1 = (hi / step).ceil();
    let count = ((k1 - k0).max(1.0) as usize).min(1000);
    let values: Vec<f64> = (0..=count).map(|k| (k0 + k as f64) * step).collect();
    let decimals = (-(step.log10().floor())).max(0.0) as usize;
    Ticks {
        lo: k0 * step,
        hi: (k0 + count as f64) * step,
        step,
        values,
        decimals: decimals.min(12),
    }
}

/// A linear map from a data domain `d0..d1` to a pixel range `r0..r1` (`r0 > r1` for a
/// y axis that grows upwards).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
}

impl Scale {
    /// The map; a degenerate domain maps everything to the middle of the range.
    pub(crate) fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Scale {
        Scale { d0, d1, r0, r1 }
    }

    /// Pixel position of `v`.
    pub(crate) fn map(&self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span == 0.0 || !span.is_finite() {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / span * (self.r1 - self.r0)
    }
}

/// Midnight New York of `date` in nanoseconds, if representable.
fn date_nanos(date: NaiveDate) -> Option<i64> {
    Timestamp::from_ny(date, NaiveTime::MIN)
        .ok()
        .map(Timestamp::as_nanos)
}

/// Calendar ticks for a time axis from `t0` to `t1` (nanoseconds): the smallest of
/// 1/2/7/14 days, 1/2/3/6 months or 1/2/5/10/20/50/100 years that gives at most
/// `max_ticks` ticks, each labelled `YYYY-MM-DD`, `Mon YYYY` or `YYYY`. Spans under three
/// days get evenly spaced `MM-DD HH:MM` labels (New York time).
#[must_use]
pub(crate) fn time_ticks(t0: i64, t1: i64, max_ticks: usize) -> Vec<(i64, String)> {
    let max_ticks = max_ticks.max(2);
    if t1 <= t0 {
        let ts = Timestamp::from_nanos(t0);
        return vec![(t0, ts.ny_date().format("%Y-%m-%d").to_string())];
    }
    let (a, b) = (Timestamp::from_nanos(t0), Timestamp::from_nanos(t1));
    let span_days = (t1 - t0) as f64 / 86_400e9;
    if span_days < 3.0 {
        let n = max_ticks.min(6);
        return (0..n)
            .map(|k| {
                let t = t0 + ((t1 - t0) as f64 * k as f64 / (n - 1) as f64) as i64;
                let ts = Timestamp::from_nanos(t);
                (t, ts.to_ny().format("%m-%d %H:%M").to_string())
            })
            .collect();
    }
    let (d0, d1) = (a.ny_date(), b.ny_date());
    let in_range = |t: i64| t >= t0 && t <= t1;
    for days in [1u64, 2, 7, 14] {
        if span_days / days as f64 <= max_ticks as f64 {
            let mut out = Vec::new();
            let mut d = d0;
            while d <= d1 && out.len() <= max_ticks {
                if let Some(t) = date_nanos(d).filter(|&t| in_range(t)) {
                    out.push((t, d.format("%Y-%m-%d").to_string()));
                }
                match d.checked_add_days(chrono::Days::new(days)) {
                    Some(n) => d = n,
                    None => break,
                }
            }
            return out;
        }
    }
    let span_months = span_days / 30.44;
    for months in [1u32, 2, 3, 6] {
        if span_months / f64::from(months) <= max_ticks as f64 {
            let mut out = Vec::new();
            // First month start at or after d0 whose month index is a multiple of `months`.
            let Some(mut d) = NaiveDate::from_ymd_opt(d0.year(), d0.month(), 1) else {
                return out;
            };
            while d <= d1 && out.len() <= max_ticks + 1 {
                let aligned = (d.month() - 1) % months == 0;
                if aligned && let Some(t) = date_nanos(d).filter(|&t| in_range(t)) {
                    out.push((t, d.format("%b %Y").to_string()));
                }
                match d.checked_add_months(Months::new(1)) {
                    Some(n) => d = n,
                    None => break,
                }
            }
            return out;
        }
    }
    let span_years = span_days / 365.25;
    let step = [1i32, 2, 5, 10, 20, 50, 100]
        .into_iter()
        .find(|&y| span_years / f64::from(y) <= max_ticks as f64)
        .unwrap_or(1000);
    let mut out = Vec::new();
    let mut y = d0.year().div_euclid(step) * step;
    while y <= d1.year() {
        if let Some(t) = NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(date_nanos)
            .filter(|&t| in_range(t))
        {
            out.push((t, y.to_string()));
        }
        y += step;
    }
    out
}

/// Indices of the points to draw so that a series of `n` points keeps its shape on
/// about `buckets` pixels: all points when `n ≤ 4 × buckets`, otherwise the first,
/// last, lowest and highest point of each of `buckets` equal runs of indices (the
/// min/max decimation of M4, Jugel et al., "M4: a visualization-oriented time series
/// data aggregation", PVLDB 7(10), 2014). `y` must have `n` values; ascending output.
#[must_use]
pub(crate) fn decimate(y: &[f64], buckets: usize) -> Vec<usize> {
    let n = y.len();
    let buckets = buckets.max(1);
    if n <= 4 * buckets {
        return (0..n).collect();
    }
    let mut out = Vec::with_capacity(4 * buckets);
    for b in 0..buckets {
        let start = b * n / buckets;
        let end = ((b + 1) * n / buckets).min(n);
        if start >= end {
            continue;
        }
        let (mut lo, mut hi) = (start, start);
        for i in start..end {
            if y[i] < y[lo] {
                lo = i;
            }
            if y[i] > y[hi] {
                hi = i;
            }
        }
        let mut four = [start, lo, hi, end - 1];
        four.sort_unstable();
        for i in four {
            if out.last() != Some(&i) {
                out.push(i);
            }
        }
    }
    out
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`.
    pub(crate) fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Linear interpolation towards `other` by `t` in 0..=1.
    fn lerp(self, other: Rgb, t: f64) -> Rgb {
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }

    /// Dark or white text, whichever reads better on this background: WCAG 2.x relative
    /// luminance (sRGB linearised, weights 0.2126/0.7152/0.0722) against 0.4.
    pub(crate) fn text_colour(self) -> &'static str {
        let lin = |c: u8| {
            let s = f64::from(c) / 255.0;
            if s <= 0.040_45 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        let l = 0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2);
        if l > 0.4 { "#1b1f24" } else { "#ffffff" }
    }
}

/// Diverging ramp for signed values, `t` in −1..=1: red (ColorBrewer RdYlGn end
/// `#d73027`) through a light neutral at 0 to green (`#1a9850`). Brewer, C. A.,
/// ColorBrewer 2.0, colorbrewer2.org.
#[must_use]
pub(crate) fn diverging(t: f64) -> Rgb {
    let neutral = Rgb(0xf7, 0xf7, 0xf7);
    if t < 0.0 {
        neutral.lerp(Rgb(0xd7, 0x30, 0x27), -t)
    } else {
        neutral.lerp(Rgb(0x1a, 0x98, 0x50), t)
    }
}

/// Sequential ramp, `t` in 0..=1: matplotlib's viridis sampled at five stops
/// (`#440154 #3b528b #21918c #5ec962 #fde725`; van der Walt & Smith, 2015) and
/// interpolated linearly between them.
#[must_use]
pub(crate) fn sequential(t: f64) -> Rgb {
    const STOPS: [Rgb; 5] = [
        Rgb(0x44, 0x01, 0x54),
        Rgb(0x3b, 0x52, 0x8b),
        Rgb(0x21, 0x91, 0x8c),
        Rgb(0x5e, 0xc9, 0x62),
        Rgb(0xfd, 0xe7, 0x25),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * 4.0;
    let k = (x.floor() as usize).min(3);
    STOPS[k].lerp(STOPS[k + 1], x - k as f64)
}

/// Writes SVG elements into a string: every element is written whole (self-closed or
/// with its closing tag), so the markup is balanced by construction.
pub(crate) struct Svg {
    buf: String,
}

impl Svg {
    /// Starts `<svg id=… viewBox="0 0 w h">` with an accessible `<title>` (id
    /// `{id}-title`) and `<desc>`.
    pub(crate) fn new(id: &str, title: &str, desc: &str, w: f64, h: f64) -> Svg {
        let mut buf = String::with_capacity(4096);
        let _ = write!(
            buf,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\" class=\"chart\" \
             viewBox=\"0 0 {} {}\" role=\"img\" aria-labelledby=\"{id}-title\">\n\
             <title id=\"{id}-title\">{}</title>\n<desc>{}</desc>\n",
            c(w),
            c(h),
            escape(title),
            escape(desc)
        );
        Svg { buf }
    }

    /// Appends raw, already well-formed markup.
    pub(crate) fn raw(&mut self, s: &str) {
        self.buf.push_str(s);
    }

    /// A straight line.
    pub(crate) fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, class: &str) {
        let _ = writeln!(
            self.buf,
            "<line class=\"{class}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
            c(x1),
            c(y1),
            c(x2),
            c(y2)
        );
    }

    /// A rectangle, with an optional fill and tooltip.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn rect(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        class: &str,
        fill: Option<&str>,
        tooltip: Option<&str>,
    ) {
        let fill = fill.map(|f| format!(" fill=\"{f}\"")).unwrap_or_default();
        let _ = write!(
            self.buf,
            "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{fill}",
            c(x),
            c(y),
            c(w.max(0.0)),
            c(h.max(0.0))
        );
        match tooltip {
            Some(t) => {
                let _ = writeln!(self.buf, "><title>{}</title></rect>", escape(t));
            }
            None => self.buf.push_str("/>\n"),
        }
    }

    /// A circle with an optional tooltip.
    pub(crate) fn circle(&mut self, x: f64, y: f64, r: f64, class: &str, tooltip: Option<&str>) {
        let _ = write!(
            self.buf,
            "<circle class=\"{class}\" cx=\"{}\" cy=\"{}\" r=\"{}\"",
            c(x),
            c(y),
            c(r)
        );
        match tooltip {
            Some(t) => {
                let _ = writeln!(self.buf, "><title>{}</title></circle>", escape(t));
            }
            None => self.buf.push_str("/>\n"),
        }
    }

    /// A path with data `d` (built with [`PathData`]).
    pub(crate) fn path(&mut self, d: &str, class: &str) {
        if !d.is_empty() {
            let _ = writeln!(self.buf, "<path class=\"{class}\" d=\"{d}\"/>");
        }
    }

    /// Text at (`x`, `y`); `anchor` is `start`, `middle` or `end`; the text is escaped.
    pub(crate) fn text(&mut self, x: f64, y: f64, anchor: &str, class: &str, text: &str) {
        let _ = writeln!(
            self.buf,
            "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            c(x),
            c(y),
            escape(text)
        );
    }

    /// Text rotated by −90° about its anchor (a vertical axis title).
    pub(crate) fn vtext(&mut self, x: f64, y: f64, class: &str, text: &str) {
        let _ = writeln!(
            self.buf,
            "<text class=\"{class}\" x=\"{0}\" y=\"{1}\" text-anchor=\"middle\" \
             transform=\"rotate(-90 {0} {1})\">{2}</text>",
            c(x),
            c(y),
            escape(text)
        );
    }

    /// Closes the `<svg>` element and returns the markup.
    pub(crate) fn finish(mut self) -> String {
        self.buf.push_str("</svg>\n");
        self.buf
    }
}

/// Builds SVG path data (`M`/`L` commands), starting a new sub-path after a gap.
#[derive(Default)]
pub(crate) struct PathData {
    d: String,
    pen_down: bool,
}

impl PathData {
    /// Adds a point: a line to it, or a move to it at the start or after a gap.
    /// Non-finite coordinates lift the pen instead.
    pub(crate) fn point(&mut self, x: f64, y: f64) {
        if !(x.is_finite() && y.is_finite()) {
            self.pen_down = false;
            return;
        }
        let cmd = if self.pen_down { 'L' } else { 'M' };
        let _ = write!(self.d, "{cmd}{},{}", c(x), c(y));
        self.pen_down = true;
    }

    /// Closes the current sub-path (`Z`).
    pub(crate) fn close(&mut self) {
        if !self.d.is_empty() {
            self.d.push('Z');
        }
        self.pen_down = false;
    }

    /// The path data.
    pub(crate) fn into_string(self) -> String {
        self.d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heckbert_examples() {
        // Graphics Gems I: data 105..543 with 5 ticks labels 100..600 by 100.
        let t = nice_ticks(105.0, 543.0, 5);
        assert_eq!(t.step, 100.0);
        assert_eq!(t.values, vec![100.0, 200.0, 300.0, 400.0, 500.0, 600.0]);
        assert_eq!(t.decimals, 0);
        let t = nice_ticks(-0.034, 0.021, 6);
        assert_eq!(t.step, 0.02);
        assert!(t.lo <= -0.034 && t.hi >= 0.021);
        assert_eq!(t.decimals, 2);
        assert_eq!(nice_num(0.7, true), 1.0);
        assert_eq!(nice_num(2.9, false), 5.0);
    }

    #[test]
    fn degenerate_ranges_are_widened() {
        let t = nice_ticks(5.0, 5.0, 5);
        assert!(t.lo < 5.0 && t.hi > 5.0);
        let t = nice_ticks(0.0, 0.0, 5);
        assert!(t.lo < 0.0 && t.hi > 0.0);
        let t = nice_ticks(f64::NAN, 1.0, 5);
        assert!(t.values.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a & 'b' \"c\">"),
            "&lt;a &amp; &#39;b&#39; &quot;c&quot;&gt;"
        );
    }

    #[test]
    fn decimation_keeps_extremes() {
        let y: Vec<f64> = (0..10_000).map(|i| ((i * 7919) % 1000) as f64).collect();
        let idx = decimate(&y, 100);
        assert!(idx.len() <= 400);
        assert!(idx.windows(2).all(|w| w[0] < w[1]));
        let kept_max = idx.iter().map(|&i| y[i]).fold(f64::MIN, f64::max);
        assert_eq!(kept_max, 999.0);
        assert_eq!(idx[0], 0);
        assert_eq!(*idx.last().unwrap(), 9_999);
    }

    #[test]
    fn yearly_and_monthly_ticks() {
        let d = |y, m, dd| date_nanos(NaiveDate::from_ymd_opt(y, m, dd).unwrap()).unwrap();
        let t = time_ticks(d(2008, 1, 2), d(2017, 12, 29), 10);
        let labels: Vec<&str> = t.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            labels,
            [
                "2009", "2010", "2011", "2012", "2013", "2014", "2015", "2016", "2017"
            ]
        );
        let t = time_ticks(d(2020, 1, 15), d(2020, 7, 1), 10);
        assert_eq!(t[0].1, "Feb 2020");
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn colours() {
        assert_eq!(diverging(0.0).hex(), "#f7f7f7");
        assert_eq!(diverging(-1.0).hex(), "#d73027");
        assert_eq!(sequential(1.0).hex(), "#fde725");
        assert_eq!(Rgb(0, 0, 0).text_colour(), "#ffffff");
    }
}
