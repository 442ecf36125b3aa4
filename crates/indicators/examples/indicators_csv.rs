//! Every indicator at its default parameters, as CSV.
//!
//! ```text
//! cargo run -p thetalab-indicators --example indicators_csv -- bars.csv > indicators.csv
//! cat bars.csv | cargo run -p thetalab-indicators --example indicators_csv > indicators.csv
//! ```
//!
//! Input: a CSV with a header containing `date,open,high,low,close,volume` (any order,
//! case-insensitive, other columns ignored), oldest row first. Output: `date` then one
//! column per indicator, named `<indicator>_<params>` (`sma_20`, `macd_signal_12_26_9`,
//! `bb_upper_20_2`, …); the cell is empty where the indicator is in its warm-up (where
//! TA-Lib gives NaN); floats in shortest round-trip form.
//!
//! A row that cannot be read (wrong field count, a field that is not a number) is
//! reported on stderr with its line number and field and **skipped**: the indicators
//! run over the remaining rows as if it were absent (a series can't have holes), and
//! the summary line on stderr says how many rows were skipped. VWAP is anchored on the
//! calendar date (the first 10 characters of `date`): a new session starts whenever it
//! changes, so on daily bars VWAP is the bar's typical price.

use std::error::Error;
use std::io::{BufRead, BufReader, Read, Write};

use thetalab_indicators as ind;

#[derive(Default)]
struct Bars {
    date: Vec<String>,
    open: Vec<f64>,
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
    volume: Vec<f64>,
}

const FIELDS: [&str; 6] = ["date", "open", "high", "low", "close", "volume"];

fn read_bars(input: impl Read) -> Result<(Bars, usize), Box<dyn Error>> {
    let mut lines = BufReader::new(input).lines();
    let header = lines
        .next()
        .ok_or("input is empty: expected a header with date,open,high,low,close,volume")??;
    let names: Vec<String> = header
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    let mut idx = [0usize; 6];
    for (slot, field) in idx.iter_mut().zip(FIELDS) {
        *slot = names
            .iter()
            .position(|n| n == field)
            .ok_or_else(|| format!("line 1: header has no `{field}` column (found: {header})"))?;
    }
    let mut bars = Bars::default();
    let mut skipped = 0;
    for (k, line) in lines.enumerate() {
        let line_no = k + 2;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let mut vals = [0.0f64; 5];
        let mut bad = None;
        for (j, field) in FIELDS.iter().enumerate().skip(1) {
            match cells.get(idx[j]).map(|s| s.parse::<f64>()) {
                Some(Ok(v)) if v.is_finite() => vals[j - 1] = v,
                Some(_) => {
                    bad = Some(format!(
                        "field `{field}` = {:?} is not a finite number",
                        cells[idx[j]]
                    ));
                    break;
                }
                None => {
                    bad = Some(format!(
                        "field `{field}` is missing ({} fields)",
                        cells.len()
                    ));
                    break;
                }
            }
        }
        let date = cells.get(idx[0]).copied().unwrap_or("");
        if bad.is_none() && date.is_empty() {
            bad = Some("field `date` is empty".to_owned());
        }
        if let Some(msg) = bad {
            eprintln!("line {line_no}: {msg}; row skipped");
            skipped += 1;
            continue;
        }
        bars.date.push(date.to_owned());
        bars.open.push(vals[0]);
        bars.high.push(vals[1]);
        bars.low.push(vals[2]);
        bars.close.push(vals[3]);
        bars.volume.push(vals[4]);
    }
    Ok((bars, skipped))
}

fn columns(b: &Bars) -> Result<Vec<(String, Vec<f64>)>, ind::IndicatorError> {
    let (o, h, l, c, v) = (
        &b.open[..],
        &b.high[..],
        &b.low[..],
        &b.close[..],
        &b.volume[..],
    );
    let mut out: Vec<(String, Vec<f64>)> = Vec::new();
    let mut put = |name: &str, x: Vec<f64>| out.push((name.to_owned(), x));
    put("sma_20", ind::sma(c, 20)?);
    for p in [9, 21, 50, 200] {
        put(&format!("ema_{p}"), ind::ema(c, p)?);
    }
    put("rsi_14", ind::rsi(c, 14)?);
    put("atr_14", ind::atr(h, l, c, 14)?);
    let m = ind::macd(c, 12, 26, 9)?;
    put("macd_12_26_9", m.macd);
    put("macd_signal_12_26_9", m.signal);
    put("macd_hist_12_26_9", m.hist);
    let bb = ind::bbands(c, 20, 2.0, 2.0)?;
    put("bb_upper_20_2", bb.upper);
    put("bb_middle_20_2", bb.middle);
    put("bb_lower_20_2", bb.lower);
    let st = ind::stoch(h, l, c, 14, 3, 3)?;
    put("stoch_slowk_14_3_3", st.k);
    put("stoch_slowd_14_3_3", st.d);
    put("adx_14", ind::adx(h, l, c, 14)?);
    put("obv", ind::obv(c, v)?);
    put("roc_10", ind::roc(c, 10)?);
    put("mfi_14", ind::mfi(h, l, c, v, 14)?);
    put("cci_20", ind::cci(h, l, c, 20)?);
    put("willr_14", ind::willr(h, l, c, 14)?);
    // The rest, in the same style.
    put("sma_30", ind::sma(c, 30)?);
    put("ema_30", ind::ema(c, 30)?);
    put("wma_30", ind::wma(c, 30)?);
    put("dema_30", ind::dema(c, 30)?);
    put("tema_30", ind::tema(c, 30)?);
    put("natr_14", ind::natr(h, l, c, 14)?);
    put("trange", ind::trange(h, l, c)?);
    let sf = ind::stochf(h, l, c, 5, 3)?;
    put("stochf_fastk_5_3", sf.k);
    put("stochf_fastd_5_3", sf.d);
    let sr = ind::stochrsi(c, 14, 5, 3)?;
    put("stochrsi_fastk_14_5_3", sr.k);
    put("stochrsi_fastd_14_5_3", sr.d);
    put("plus_di_14", ind::plus_di(h, l, c, 14)?);
    put("minus_di_14", ind::minus_di(h, l, c, 14)?);
    let ar = ind::aroon(h, l, 14)?;
    put("aroon_down_14", ar.down);
    put("aroon_up_14", ar.up);
    put("mom_10", ind::mom(c, 10)?);
    put("sar_0.02_0.2", ind::sar(h, l, 0.02, 0.2)?);
    put("max_30", ind::max(c, 30)?);
    put("min_30", ind::min(c, 30)?);
    put("linreg_slope_14", ind::linreg_slope(c, 14)?);
    let mut prev: Option<&str> = None;
    let sessions: Vec<bool> = b
        .date
        .iter()
        .map(|d| {
            let day = d.get(..10).unwrap_or(d);
            let new = prev != Some(day);
            prev = Some(day);
            new
        })
        .collect();
    put("vwap", ind::vwap(h, l, c, v, &sessions)?);
    let kc = ind::keltner(h, l, c, 20, 10, 2.0)?;
    put("keltner_upper_20_10_2", kc.upper);
    put("keltner_middle_20_10_2", kc.middle);
    put("keltner_lower_20_10_2", kc.lower);
    let dc = ind::donchian(h, l, 20)?;
    put("donchian_upper_20", dc.upper);
    put("donchian_middle_20", dc.middle);
    put("donchian_lower_20", dc.lower);
    put("zscore_20", ind::zscore(c, 20)?);
    let y = ind::TRADING_DAYS_PER_YEAR;
    put("hv_cc_20", ind::hv_close_to_close(c, 20, y)?);
    put("hv_parkinson_20", ind::hv_parkinson(h, l, 20, y)?);
    put("hv_gk_20", ind::hv_garman_klass(o, h, l, c, 20, y)?);
    put("hv_yz_20", ind::hv_yang_zhang(o, h, l, c, 20, y)?);
    Ok(out)
}

fn main() -> Result<(), Box<dyn Error>> {
    let (bars, skipped) = match std::env::args_os().nth(1) {
        Some(path) => {
            let f = std::fs::File::open(&path)
                .map_err(|e| format!("{}: {e}", path.to_string_lossy()))?;
            read_bars(f)?
        }
        None => read_bars(std::io::stdin().lock())?,
    };
    let cols = columns(&bars)?;
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    write!(w, "date")?;
    for (name, _) in &cols {
        write!(w, ",{name}")?;
    }
    writeln!(w)?;
    for (i, d) in bars.date.iter().enumerate() {
        write!(w, "{d}")?;
        for (_, x) in &cols {
            if x[i].is_nan() {
                write!(w, ",")?;
            } else {
                write!(w, ",{:?}", x[i])?;
            }
        }
        writeln!(w)?;
    }
    w.flush()?;
    eprintln!(
        "{} rows written, {} skipped, {} indicator columns",
        bars.date.len(),
        skipped,
        cols.len()
    );
    Ok(())
}
