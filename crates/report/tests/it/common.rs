//! A deterministic synthetic report input and a minimal well-formedness checker.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use thetalab_core::Timestamp;
use thetalab_report::{Direction, Metric, ReportInput, SweepTable, TradeRow, Unit};

/// A 64-bit linear congruential generator (Knuth's MMIX constants) mapped to [0, 1).
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }
    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` weekday sessions from 2019-01-02, stamped at 00:00 New York (the data crate's
/// daily-bar convention).
pub fn sessions(n: usize) -> Vec<Timestamp> {
    let mut d = NaiveDate::from_ymd_opt(2019, 1, 2).unwrap();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            out.push(Timestamp::from_ny(d, NaiveTime::MIN).unwrap());
        }
        d = d.succ_opt().unwrap();
    }
    out
}

/// Monthly returns from an equity curve: last value of each month over the last value
/// of the previous month (the first month over the first value).
pub fn monthly(ts: &[Timestamp], equity: &[f64]) -> Vec<(i32, u32, f64)> {
    let mut out = Vec::new();
    let mut base = equity[0];
    for i in 0..ts.len() {
        let d = ts[i].ny_date();
        let last_of_month = i + 1 == ts.len() || ts[i + 1].ny_date().month() != d.month();
        if last_of_month {
            out.push((d.year(), d.month(), equity[i] / base - 1.0));
            base = equity[i];
        }
    }
    out
}

/// A synthetic run: `n` bars of a random walk, a buy-and-hold benchmark, `n_trades`
/// trades, metrics (one undefined, one infinite) and, optionally, an 8 × 6 sweep.
pub fn synthetic(n: usize, n_trades: usize, sweep: bool) -> ReportInput {
    let mut rng = Lcg::new(42);
    let ts = sessions(n);
    let mut equity = Vec::with_capacity(n);
    let mut bench = Vec::with_capacity(n);
    let mut returns = Vec::with_capacity(n);
    let (mut e, mut b) = (100_000.0, 100_000.0);
    for i in 0..n {
        let r = if i == 0 {
            0.0
        } else {
            (rng.next() - 0.48) * 0.03
        };
        let rb = if i == 0 {
            0.0
        } else {
            (rng.next() - 0.485) * 0.025
        };
        e *= 1.0 + r;
        b *= 1.0 + rb;
        equity.push(e);
        bench.push(b);
        returns.push(r);
    }
    let trades = (0..n_trades)
        .map(|k| {
            let entry = (k * (n - 2)) / n_trades.max(1);
            let exit = (entry + 3).min(n - 1);
            let entry_price = 100.0 + 10.0 * rng.next();
            let exit_price = entry_price * (1.0 + (rng.next() - 0.5) * 0.1);
            let size = 10.0 + (k % 7) as f64;
            let fees = 0.001 * (entry_price + exit_price) * size;
            let long = k % 3 != 2;
            let gross = (exit_price - entry_price) * size * if long { 1.0 } else { -1.0 };
            let pnl = gross - fees;
            let open = k + 1 == n_trades;
            TradeRow {
                symbol: if k % 2 == 0 {
                    "SPY".into()
                } else {
                    "QQQ".into()
                },
                direction: if long {
                    Direction::Long
                } else {
                    Direction::Short
                },
                entry_ts: ts[entry],
                exit_ts: (!open).then_some(ts[exit]),
                entry_price,
                exit_price: (!open).then_some(exit_price),
                size,
                fees,
                pnl,
                return_pct: pnl / (entry_price * size),
                exit_reason: if open {
                    "open".into()
                } else if k % 4 == 0 {
                    "stop_loss".into()
                } else {
                    "signal".into()
                },
            }
        })
        .collect();
    let metrics = vec![
        Metric::new("final_value", Some(e), Unit::Money),
        Metric::new("total_return", Some(e / 100_000.0 - 1.0), Unit::Percent),
        Metric::new("annual_return", Some(0.0734), Unit::Percent),
        Metric::new("annual_volatility", Some(0.1523), Unit::Percent),
        Metric::new("sharpe", Some(0.512_345_678_901_234_5), Unit::Ratio),
        Metric::new("sortino", None, Unit::Ratio),
        Metric::new("calmar", Some(0.41), Unit::Ratio),
        Metric::new("max_drawdown", Some(-0.1789), Unit::Percent),
        Metric::new("max_drawdown_duration", Some(87.0), Unit::Days),
        Metric::new("var_95", Some(-0.0141), Unit::Percent),
        Metric::new("cvar_95", Some(-0.0198), Unit::Percent),
        Metric::new("trades", Some(n_trades as f64), Unit::Count),
        Metric::new("win_rate", Some(0.53), Unit::Percent),
        Metric::new("profit_factor", Some(f64::INFINITY), Unit::Ratio),
    ];
    let sweep = sweep.then(|| {
        let x: Vec<f64> = (1..=8).map(|k| f64::from(k) * 5.0).collect();
        let y: Vec<f64> = (1..=6).map(|k| f64::from(k) * 20.0).collect();
        let mut z = Vec::new();
        for &yy in &y {
            for &xx in &x {
                z.push((xx < yy).then(|| (xx - 17.0) * (yy - 70.0) / -900.0 + 0.3));
            }
        }
        SweepTable {
            x_name: "fast".into(),
            y_name: "slow".into(),
            x,
            y,
            z,
            metric_name: "sharpe".into(),
        }
    });
    ReportInput {
        title: "SMA crossover on SPY".into(),
        run_name: "spy-sma-10-50".into(),
        strategy: "sma-cross".into(),
        params: vec![("fast".into(), "10".into()), ("slow".into(), "50".into())],
        monthly: monthly(&ts, &equity),
        ts,
        equity,
        benchmark: Some(("SPY buy & hold".into(), bench)),
        returns,
        trades,
        metrics,
        sweep,
        generated_at: None,
    }
}

/// HTML void elements (never closed).
const VOID: [&str; 6] = ["meta", "br", "hr", "img", "input", "link"];

/// Checks that every tag is closed in order, that no `<` starts something that is not
/// a tag, and that every `&` starts an entity. The contents of `<style>` are skipped.
/// Returns the number of elements seen.
pub fn check_well_formed(doc: &str) -> Result<usize, String> {
    let b = doc.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut i = 0;
    let mut elements = 0;
    let ctx = |i: usize| doc[i.saturating_sub(40)..(i + 40).min(doc.len())].to_string();
    while i < b.len() {
        match b[i] {
            b'<' => {
                if doc[i..].starts_with("<!--") {
                    i += doc[i..].find("-->").ok_or("unclosed comment")? + 3;
                    continue;
                }
                if doc[i..].starts_with("<!") {
                    i += doc[i..].find('>').ok_or("unclosed <!")? + 1;
                    continue;
                }
                let end = i + doc[i..]
                    .find('>')
                    .ok_or_else(|| format!("unclosed tag at {}", ctx(i)))?;
                let inner = &doc[i + 1..end];
                if let Some(name) = inner.strip_prefix('/') {
                    let name = name.trim();
                    match stack.pop() {
                        Some(open) if open == name => {}
                        other => {
                            return Err(format!("</{name}> closes {other:?} near {}", ctx(i)));
                        }
                    }
                } else {
                    let name: String = inner
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ':')
                        .collect();
                    if name.is_empty() || !name.chars().next().unwrap().is_ascii_alphabetic() {
                        return Err(format!("bad tag start near {}", ctx(i)));
                    }
                    if !inner.matches('"').count().is_multiple_of(2) {
                        return Err(format!("unbalanced quotes in <{name}> near {}", ctx(i)));
                    }
                    elements += 1;
                    let self_closing = inner.ends_with('/');
                    if name == "style" {
                        let close = end + doc[end..].find("</style>").ok_or("unclosed style")?;
                        i = close + "</style>".len();
                        continue;
                    }
                    if !self_closing && !VOID.contains(&name.as_str()) {
                        stack.push(name);
                    }
                }
                i = end + 1;
            }
            b'>' => return Err(format!("stray > near {}", ctx(i))),
            b'&' => {
                let rest = &doc[i + 1..];
                let semi = rest
                    .find(';')
                    .filter(|&k| k <= 10)
                    .ok_or_else(|| format!("bare & near {}", ctx(i)))?;
                let ent = &rest[..semi];
                let ok = ent.chars().all(|c| c.is_ascii_alphanumeric())
                    || (ent.starts_with('#') && ent[1..].chars().all(|c| c.is_ascii_digit()));
                if !ok || ent.is_empty() {
                    return Err(format!("bad entity &{ent}; near {}", ctx(i)));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    if stack.is_empty() {
        Ok(elements)
    } else {
        Err(format!("unclosed elements: {stack:?}"))
    }
}

/// Occurrences of `NaN`, `inf` or `Infinity` as words (not inside words such as `info`).
pub fn non_finite_words(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let words = doc.split(|c: char| !(c.is_ascii_alphanumeric()));
    for w in words {
        if matches!(w, "NaN" | "nan" | "inf" | "Inf" | "Infinity" | "infinity") {
            out.push(w.to_string());
        }
    }
    out
}
