//! Helpers: bars from tiny hand-made series, random bar series for proptests.

use proptest::prelude::*;
use thetalab_core::Timestamp;
use thetalab_strategy::{Action, BarColumns, BarInput, BarStrategy, Signals};

/// Bars with open = high = low = close and unit volume.
pub fn flat_bars(closes: &[f64]) -> BarColumns {
    BarColumns::from_bars(closes.iter().enumerate().map(|(i, &c)| BarInput {
        ts: Timestamp::from_nanos(i as i64),
        open: c,
        high: c,
        low: c,
        close: c,
        volume: 1.0,
    }))
}

/// Bars from `(high, low, close, volume)` rows, open = close.
pub fn hlcv_bars(rows: &[(f64, f64, f64, f64)]) -> BarColumns {
    BarColumns::from_bars(rows.iter().enumerate().map(|(i, &(h, l, c, v))| BarInput {
        ts: Timestamp::from_nanos(i as i64),
        open: c,
        high: h,
        low: l,
        close: c,
        volume: v,
    }))
}

/// Indices where a column is true.
pub fn idx(col: &[bool]) -> Vec<usize> {
    col.iter()
        .enumerate()
        .filter_map(|(i, &b)| b.then_some(i))
        .collect()
}

/// Runs the streaming form over the bars.
pub fn stream(s: &dyn BarStrategy, bars: &BarColumns) -> Vec<Action> {
    let mut live = s.streaming().unwrap();
    bars.view()
        .unwrap()
        .iter()
        .map(|b| live.on_bar(&b))
        .collect()
}

/// Checks the two forms agree bar by bar and that no bar is a conflict or before the
/// warm-up.
pub fn assert_parity(s: &dyn BarStrategy, bars: &BarColumns) -> Signals {
    let sig = s.signals(&bars.view().unwrap()).unwrap();
    assert_eq!(sig.len(), bars.close.len());
    let acts = stream(s, bars);
    for (i, a) in acts.iter().enumerate() {
        assert_eq!(
            sig.action_at(i),
            Some(*a),
            "{} {:?} bar {i}",
            s.name(),
            s.params()
        );
        if i < s.warmup() {
            assert_eq!(
                *a,
                Action::Hold,
                "{} signal before warm-up at {i}",
                s.name()
            );
        }
    }
    sig
}

/// A random geometric walk of OHLCV bars (consistent high/low), 0..`max_len` bars.
pub fn arb_bars(max_len: usize) -> impl Strategy<Value = BarColumns> {
    prop::collection::vec(
        (
            -0.04f64..0.04,
            -0.02f64..0.02,
            0.0f64..0.02,
            0.0f64..0.02,
            50.0f64..500.0,
        ),
        0..max_len,
    )
    .prop_map(|steps| {
        let mut c = 100.0;
        let rows = steps.into_iter().enumerate().map(|(i, (r, g, up, dn, v))| {
            let open = c * (1.0 + g);
            c *= r.exp();
            BarInput {
                ts: Timestamp::from_nanos(i as i64),
                open,
                high: open.max(c) * (1.0 + up),
                low: open.min(c) * (1.0 - dn),
                close: c,
                volume: v,
            }
        });
        BarColumns::from_bars(rows)
    })
}
