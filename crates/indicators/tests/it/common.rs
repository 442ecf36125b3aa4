//! Shared helpers: fixture reading and comparisons.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Path of a file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A CSV table: the header and each column parsed as f64 (empty cell = NaN); the
/// first column is kept as text. Lines starting with '#' are skipped.
pub struct Table {
    pub keys: Vec<String>,
    pub cols: BTreeMap<String, Vec<f64>>,
    pub order: Vec<String>,
}

pub fn read_table(path: &std::path::Path) -> Table {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let mut keys = Vec::new();
    let mut cols: BTreeMap<String, Vec<f64>> = header[1..]
        .iter()
        .map(|h| (h.clone(), Vec::new()))
        .collect();
    for line in lines {
        let mut f = line.split(',');
        keys.push(f.next().unwrap().to_owned());
        for (h, cell) in header[1..].iter().zip(f) {
            let v = if cell.is_empty() {
                f64::NAN
            } else {
                cell.parse().unwrap()
            };
            cols.get_mut(h).unwrap().push(v);
        }
    }
    Table {
        keys,
        cols,
        order: header[1..].to_vec(),
    }
}

/// OHLCV columns.
pub struct Ohlcv {
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub volume: Vec<f64>,
}

pub fn aapl() -> Ohlcv {
    let t = read_table(&fixture("aapl_ohlcv.csv"));
    let c = |k: &str| t.cols[k].clone();
    Ohlcv {
        open: c("open"),
        high: c("high"),
        low: c("low"),
        close: c("close"),
        volume: c("volume"),
    }
}

/// Largest relative error `|a − b| / max(|b|, floor)` over the entries, after checking
/// that NaN sits exactly where `expected` has NaN.
pub fn max_rel_err(name: &str, got: &[f64], expected: &[f64], floor: f64) -> f64 {
    assert_eq!(got.len(), expected.len(), "{name}: length");
    let mut worst = 0.0f64;
    for (i, (&g, &e)) in got.iter().zip(expected).enumerate() {
        assert_eq!(
            g.is_nan(),
            e.is_nan(),
            "{name}[{i}]: got {g}, TA-Lib {e} (NaN placement)"
        );
        if e.is_nan() {
            continue;
        }
        let den = e.abs().max(floor);
        let err = if den == 0.0 {
            (g - e).abs()
        } else {
            (g - e).abs() / den
        };
        worst = worst.max(err);
    }
    worst
}
