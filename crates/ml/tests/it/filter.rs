//! The ML signal filter (gating and sizing by probability) and the incremental
//! retrainer (rolling refit, challenger registration, promotion by margin).

use std::sync::Arc;

use thetalab_core::Timestamp;
use thetalab_ml::filter::{MlFilter, RetrainConfig, Retrainer, Sizing};
use thetalab_ml::models::{Classifier, Logistic, ModelKind};
use thetalab_ml::registry::{FeatureSchema, Registry};
use thetalab_strategy::{FilterDecision, SignalFilter};

use crate::models::synthetic;
use crate::registry::temp_root;

#[test]
fn gates_and_sizes_by_probability() {
    let (x, y) = synthetic(800, 3, 2, 1.5, 5);
    let model = Logistic::fit(&x, 3, &y, 0).unwrap();
    let probs = model.predict_proba(&x, 3).unwrap();
    let sizing = Sizing::Linear { min: 0.5, max: 1.0 };
    let f = MlFilter::new(Arc::new(model), 0.6, sizing)
        .unwrap()
        .with_rows(&x, 3)
        .unwrap();
    let dynf: &dyn SignalFilter = &f;
    for (i, &p) in probs.iter().enumerate().take(200) {
        let row = &x[i * 3..(i + 1) * 3];
        // Row given and row looked up agree.
        let d = dynf.accept(i, row);
        assert_eq!(d, dynf.accept(i, &[]));
        if p >= 0.6 {
            let want = 0.5 + 0.5 * (p - 0.6) / 0.4;
            match d {
                FilterDecision::Accept { size_mult } => assert!((size_mult - want).abs() < 1e-12),
                FilterDecision::Reject => panic!("row {i} p {p} rejected"),
            }
        } else {
            assert_eq!(d, FilterDecision::Reject);
        }
    }
    // Unknown row, NaN features: no opinion, no trade.
    assert_eq!(f.no_opinion(), 0);
    assert_eq!(dynf.accept(10_000, &[]), FilterDecision::Reject);
    assert_eq!(
        dynf.accept(0, &[f64::NAN, 0.0, 0.0]),
        FilterDecision::Reject
    );
    // A row of the wrong width is no opinion too (it used to fall back silently to
    // the precomputed row 0); each of these three is counted, unlike a low score.
    assert_eq!(dynf.accept(0, &[0.0, 0.0]), FilterDecision::Reject);
    assert_eq!(f.no_opinion(), 3);
    assert!(
        MlFilter::new(
            Arc::new(Logistic::fit(&x, 3, &y, 0).unwrap()),
            1.5,
            Sizing::Full
        )
        .is_err()
    );
}

#[test]
fn filter_raises_the_win_rate_of_accepted_signals() {
    // Out of sample, the accepted rows must win more often than all rows: the point of
    // the filter. Train on the first 1500, filter the last 1000.
    let p = 4;
    let (x, y) = synthetic(2500, p, 2, 1.2, 8);
    let model = Logistic::fit(&x[..1500 * p], p, &y[..1500], 0).unwrap();
    let f = MlFilter::new(Arc::new(model), 0.5, Sizing::Full)
        .unwrap()
        .with_rows(&x[1500 * p..], p)
        .unwrap();
    let yte = &y[1500..];
    let accepted: Vec<f64> = (0..1000)
        .filter(|&i| f.accept(i, &[]) != FilterDecision::Reject)
        .map(|i| yte[i])
        .collect();
    let all_rate = yte.iter().sum::<f64>() / 1000.0;
    let acc_rate = accepted.iter().sum::<f64>() / accepted.len() as f64;
    assert!(acc_rate > all_rate + 0.1, "{acc_rate} vs {all_rate}");
}

#[test]
fn retrainer_refits_every_n_and_promotes_by_margin() {
    let root = temp_root("retrain");
    let reg = Registry::new(&root);
    let p = 3;
    let (x, y) = synthetic(3000, p, 2, 1.2, 21);
    let ts: Vec<Timestamp> = (0..3000)
        .map(|i| Timestamp::from_secs(1_700_000_000 + 86_400 * i).unwrap())
        .collect();
    let schema = FeatureSchema::from_names(vec!["f0".into(), "f1".into(), "f2".into()]);
    let mut rt = Retrainer::new(RetrainConfig {
        name: "rt".into(),
        kind: ModelKind::Logit,
        every: 500,
        window: 1500,
        holdout: 0.25,
        embargo: 5,
        margin: 0.02,
        seed: 1,
    })
    .unwrap();
    assert!(!rt.observe(499));
    assert!(rt.observe(1));
    let first = rt
        .retrain(&reg, &schema, &x[..2000 * p], &y[..2000], &ts[..2000])
        .unwrap();
    assert!(first.promotion.promoted, "{}", first.promotion.reason);
    assert_eq!(first.champion_auc, None);
    assert_eq!(first.meta.version, 1);
    // Window 1500 with a 25% holdout and a 5-row embargo: 1125 − 5 training rows.
    assert_eq!(first.meta.n_train, 1120);
    assert_eq!(
        first.meta.train_window.as_ref().unwrap().start_ns,
        ts[500].as_nanos()
    );
    assert_eq!(rt.pending(), 0);
    // Same process, more data: the challenger is scored with the champion on the same
    // holdout; the relation is stationary so it cannot beat it by 0.02 AUC.
    rt.observe(500);
    let second = rt
        .retrain(&reg, &schema, &x[..2500 * p], &y[..2500], &ts[..2500])
        .unwrap();
    let champ = second.champion_auc.unwrap();
    assert!(
        (second.report.model.auc - champ).abs() < 0.02,
        "{} vs {champ}",
        second.report.model.auc
    );
    assert!(!second.promotion.promoted);
    assert_eq!(reg.champion("rt").unwrap(), Some(1));
    assert_eq!(reg.versions("rt").unwrap(), vec![1, 2]);
    // A schema that does not match the champion is refused.
    let other = FeatureSchema::from_names(vec!["g0".into(), "g1".into(), "g2".into()]);
    assert!(
        rt.retrain(&reg, &other, &x[..2500 * p], &y[..2500], &ts[..2500])
            .is_err()
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_retrainer_refuses_a_margin_that_is_not_a_number() {
    // NaN would compare false with every AUC: the champion kept forever.
    let cfg = RetrainConfig {
        name: "rt".into(),
        kind: ModelKind::Logit,
        every: 500,
        window: 1500,
        holdout: 0.25,
        embargo: 5,
        margin: f64::NAN,
        seed: 1,
    };
    assert!(Retrainer::new(cfg.clone()).is_err());
    assert!(Retrainer::new(RetrainConfig { margin: 0.0, ..cfg }).is_ok());
}
