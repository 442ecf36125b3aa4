//! Purged / embargoed splits: invariants over random spans (proptest), AFML ch. 7.

use proptest::prelude::*;
use thetalab_core::Timestamp;
use thetalab_ml::split::{WalkForward, purged_kfold, walk_forward};

/// Sorted starts with random gaps and random horizons (overlapping labels).
fn spans() -> impl Strategy<Value = (Vec<Timestamp>, Vec<Timestamp>)> {
    prop::collection::vec((0i64..5, 0i64..12), 8..120).prop_map(|v| {
        let mut t = 0;
        let mut t0 = Vec::new();
        let mut t1 = Vec::new();
        for (gap, len) in v {
            t += gap;
            t0.push(Timestamp::from_nanos(t));
            t1.push(Timestamp::from_nanos(t + len));
        }
        (t0, t1)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn kfold_purges_embargoes_and_partitions((t0, t1) in spans(), k in 2usize..6, emb in 0.0f64..0.1) {
        let n = t0.len();
        let folds = purged_kfold(&t0, &t1, k, emb).unwrap();
        prop_assert_eq!(folds.len(), k);
        // The test blocks partition the rows, in order.
        let all: Vec<usize> = folds.iter().flat_map(|f| f.test.clone()).collect();
        prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
        let h = (emb * n as f64).ceil() as usize;
        for f in &folds {
            let (first, last) = (f.test[0], *f.test.last().unwrap());
            let te = f.test.iter().map(|&i| t1[i]).max().unwrap();
            for &j in &f.train {
                prop_assert!(j < first || j > last, "train row {} inside the test block", j);
                // No training span overlaps any test span.
                for &i in &f.test {
                    prop_assert!(t1[j] < t0[i] || t0[j] > t1[i], "row {} overlaps test row {}", j, i);
                }
                // Embargo: the h rows after the block's horizon are not trained on.
                let after = t0.iter().position(|t| *t > te).unwrap_or(n);
                prop_assert!(j < first || j >= after + h, "row {} inside the embargo", j);
            }
        }
    }

    #[test]
    fn walk_forward_is_strictly_past_to_future((t0, t1) in spans(), splits in 1usize..4) {
        let n = t0.len();
        let cfg = WalkForward { n_splits: splits, test_size: Some(n / (splits + 2)), max_train: None, embargo: 0.02 };
        let Ok(folds) = walk_forward(&t0, &t1, &cfg) else { return Ok(()) };
        let mut prev_end = 0;
        for f in &folds {
            let start = f.test[0];
            prop_assert!(start >= prev_end);
            prev_end = *f.test.last().unwrap() + 1;
            for &j in &f.train {
                prop_assert!(j < start);
                prop_assert!(t1[j] < t0[start], "row {} ends at or after the test block starts", j);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The other half of AFML §7.4: purging removes only what overlaps. Every row outside
    /// the test block whose span is disjoint from the block's `[ts, te]` and which is not
    /// among the `h` embargoed rows after it is trained on.
    #[test]
    fn kfold_purges_no_more_than_it_must((t0, t1) in spans(), k in 2usize..6, emb in 0.0f64..0.1) {
        let n = t0.len();
        let folds = purged_kfold(&t0, &t1, k, emb).unwrap();
        let h = (emb * n as f64).ceil() as usize;
        for f in &folds {
            let (first, last) = (f.test[0], *f.test.last().unwrap());
            let ts = t0[first];
            let te = f.test.iter().map(|&i| t1[i]).max().unwrap();
            let after = t0.iter().position(|t| *t > te).unwrap_or(n);
            let want: Vec<usize> = (0..n)
                .filter(|&j| j < first || j > last)
                .filter(|&j| t1[j] < ts || (t0[j] > te && j >= after + h))
                .collect();
            prop_assert_eq!(&f.train, &want);
        }
    }
}
