//! Momentum ranking: a 3-asset toy example by hand, and streaming == batch.

use proptest::prelude::*;
use thetalab_strategy::{Momentum, rank};

const A: [f64; 6] = [10.0, 11.0, 12.0, 13.0, 12.0, 11.0];
const B: [f64; 6] = [10.0, 10.0, 10.0, 12.0, 14.0, 16.0];
const C: [f64; 6] = [10.0, 9.0, 12.0, 12.0, 12.0, 15.0];

#[test]
fn three_assets_by_hand() {
    // lookback 2, skip 1 → first rebalance at bar 3, then every 2 bars (3, 5).
    // bar 3 scores close[2]/close[0] − 1: A 0.2, B 0, C 0.2 → top 2 = A, C (tie: A first)
    // bar 5 scores close[4]/close[2] − 1: A 0, B 0.4, C 0 → top 2 = B, A (tie: A before C)
    let w = rank(&[("A", &A), ("B", &B), ("C", &C)], 2, 1, 2, 2).unwrap();
    assert_eq!(w.assets, ["A", "B", "C"]);
    assert_eq!(w.rebalance, [false, false, false, true, false, true]);
    assert_eq!(w.weights[0], [0.0, 0.0, 0.0, 0.5, 0.5, 0.5]);
    assert_eq!(w.weights[1], [0.0, 0.0, 0.0, 0.0, 0.0, 0.5]);
    assert_eq!(w.weights[2], [0.0, 0.0, 0.0, 0.5, 0.5, 0.0]);

    // top 1, rebalance every bar, no skip: bar 2 scores close[2]/close[0] − 1:
    // A .2, B 0, C .2 → A; bar 3: 13/11, 12/10, 12/9 → C (.333); bar 4: 12/12, 14/10,
    // 12/12 → B; bar 5: 11/13, 16/12, 15/12 → B.
    let w = rank(&[("A", &A), ("B", &B), ("C", &C)], 2, 0, 1, 1).unwrap();
    assert_eq!(w.at(2).unwrap(), [1.0, 0.0, 0.0]);
    assert_eq!(w.at(3).unwrap(), [0.0, 0.0, 1.0]);
    assert_eq!(w.at(4).unwrap(), [0.0, 1.0, 0.0]);
    assert_eq!(w.at(5).unwrap(), [0.0, 1.0, 0.0]);
}

#[test]
fn streaming_needs_matching_width() {
    let m = Momentum::new(2, 0, 1, 1).unwrap();
    let mut s = m.streaming(3).unwrap();
    assert!(s.on_bar(&[1.0, 2.0]).is_err());
    assert!(m.streaming(0).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn streaming_equals_batch(
        rets in prop::collection::vec(prop::collection::vec(-0.05f64..0.05, 4), 0..80),
        lookback in 1usize..10, skip in 0usize..4, top_n in 1usize..5, rebalance in 1usize..6,
    ) {
        let k = 4;
        let mut cols = vec![Vec::new(); k];
        let mut px = [100.0; 4];
        for r in &rets {
            for a in 0..k {
                px[a] *= r[a].exp();
                cols[a].push(px[a]);
            }
        }
        let names = ["w", "x", "y", "z"];
        let universe: Vec<(&str, &[f64])> = (0..k).map(|a| (names[a], cols[a].as_slice())).collect();
        let m = Momentum::new(lookback, skip, top_n, rebalance).unwrap();
        let batch = m.weights(&universe).unwrap();
        let mut live = m.streaming(k).unwrap();
        for t in 0..rets.len() {
            let row: Vec<f64> = cols.iter().map(|c| c[t]).collect();
            let w = live.on_bar(&row).unwrap().to_vec();
            prop_assert_eq!(Some(w.clone()), batch.at(t));
            prop_assert_eq!(live.rebalanced_last(), batch.rebalance[t]);
            let total: f64 = w.iter().sum();
            prop_assert!(total <= 1.0 + 1e-12);
            if t < m.warmup() { prop_assert_eq!(total, 0.0); }
        }
    }
}
