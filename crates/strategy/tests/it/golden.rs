//! Signals on real SPY daily bars equal those computed with TA-Lib 0.8.2's own
//! indicators and the documented rules (fixture `tests/fixtures/signals_spy_talib.csv`,
//! produced by `tests/fixtures/gen_signals_talib.py`; it stores only actions keyed by
//! row, the bars are read by path and the test skips when they are absent).

use std::collections::BTreeMap;
use std::path::Path;

use thetalab_strategy::{BarStrategy, Breakout, EmaCross, MeanReversion, SmaCross};

use crate::common::assert_parity;
use crate::real_data::{SPY, load};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/signals_spy_talib.csv"
);

fn golden() -> BTreeMap<String, BTreeMap<usize, String>> {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let mut out: BTreeMap<String, BTreeMap<usize, String>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        out.entry(f[0].to_string())
            .or_default()
            .insert(f[1].parse().unwrap(), f[2].to_string());
    }
    out
}

#[test]
fn spy_signals_match_talib() {
    let Some(bars) = load(Path::new(SPY)) else {
        println!("skipped: {SPY} not found");
        return;
    };
    let gold = golden();
    let runs: Vec<(&str, Box<dyn BarStrategy>)> = vec![
        ("sma-cross", Box::new(SmaCross::new(10, 50).unwrap())),
        (
            "sma-cross-short",
            Box::new(SmaCross::new(10, 50).unwrap().with_short(true)),
        ),
        ("ema-cross", Box::new(EmaCross::new(10, 50).unwrap())),
        ("mean-reversion", Box::new(MeanReversion::default())),
        (
            "mean-reversion-short",
            Box::new(MeanReversion {
                allow_short: true,
                ..MeanReversion::default()
            }),
        ),
        ("breakout", Box::new(Breakout::default())),
    ];
    for (key, s) in runs {
        let sig = assert_parity(s.as_ref(), &bars);
        let ours: BTreeMap<usize, String> = (0..sig.len())
            .filter_map(|i| {
                let a = sig.action_at(i).unwrap();
                (a != thetalab_strategy::Action::Hold).then(|| (i, format!("{a:?}")))
            })
            .collect();
        let want = &gold[key];
        assert!(!want.is_empty(), "{key}: empty fixture");
        assert_eq!(&ours, want, "{key}");
    }
}
