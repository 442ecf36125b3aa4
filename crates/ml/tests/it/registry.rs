//! Registry: versions, metadata, schema checks, champion/challenger, rollback, atomic
//! layout — in unique folders under the system temp dir.

use std::collections::BTreeMap;
use std::path::PathBuf;

use thetalab_core::Timestamp;
use thetalab_ml::MlError;
use thetalab_ml::models::{AnyClassifier, Classifier, ModelKind};
use thetalab_ml::registry::{FeatureSchema, ModelMeta, Registry, TrainWindow, code_version};

use crate::models::synthetic;

/// A fresh folder under the temp dir, unique per test and process.
pub fn temp_root(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("thetalab-ml-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    p
}

fn meta(name: &str, names: &[&str], auc: f64) -> ModelMeta {
    let names: Vec<String> = names.iter().map(|s| (*s).to_string()).collect();
    let defs: Vec<String> = names
        .iter()
        .map(|n| format!("{n}: test feature, lookback 5"))
        .collect();
    let mut metrics = BTreeMap::new();
    metrics.insert("auc".to_string(), auc);
    ModelMeta {
        name: name.to_string(),
        version: 0,
        kind: ModelKind::Logit,
        features: FeatureSchema::new(names, &defs).unwrap(),
        train_window: Some(TrainWindow::new(
            Timestamp::from_secs(1_600_000_000).unwrap(),
            Timestamp::from_secs(1_650_000_000).unwrap(),
        )),
        n_train: 300,
        metrics,
        score_metric: "auc".to_string(),
        seed: 42,
        code_version: code_version(Some("deadbeef")),
    }
}

#[test]
fn save_load_versions_and_schema_check() {
    let root = temp_root("reg1");
    let reg = Registry::new(&root);
    let (x, y) = synthetic(300, 3, 2, 1.0, 1);
    let model = AnyClassifier::fit_kind(ModelKind::Logit, &x, 3, &y, 0).unwrap();
    let m1 = reg
        .save(&model, meta("filter", &["a", "b", "c"], 0.6))
        .unwrap();
    let m2 = reg
        .save(&model, meta("filter", &["a", "b", "c"], 0.61))
        .unwrap();
    assert_eq!((m1.version, m2.version), (1, 2));
    assert_eq!(reg.versions("filter").unwrap(), vec![1, 2]);
    assert_eq!(reg.names().unwrap(), vec!["filter".to_string()]);
    assert!(root.join("filter/v0001/model.bin").exists());
    assert!(root.join("filter/v0002/meta.json").exists());
    // No staging or temporary leftovers.
    let leftovers: Vec<_> = std::fs::read_dir(root.join("filter"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());

    let (back, bm) = reg.load("filter", Some(1)).unwrap();
    assert_eq!(bm, m1);
    assert_eq!(
        bm.code_version,
        format!("{}+deadbeef", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        back.predict_proba(&x, 3).unwrap(),
        model.predict_proba(&x, 3).unwrap()
    );

    // Schema: same names and definitions pass; a renamed and a reordered set fail with
    // the mismatch listed.
    let ok = m1.features.clone();
    assert!(reg.load_checked("filter", Some(1), &ok).is_ok());
    let renamed = FeatureSchema::from_names(vec!["a".into(), "b".into(), "z".into()]);
    match reg.load_checked("filter", Some(1), &renamed) {
        Err(MlError::SchemaMismatch(d)) => {
            assert_eq!(d.missing, vec!["c".to_string()]);
            assert_eq!(d.unexpected, vec!["z".to_string()]);
            assert!(!d.reordered);
            assert_eq!(d.model, "filter v1");
        }
        other => panic!("expected a schema mismatch, got {other:?}"),
    }
    let defs: Vec<String> = ["b", "a", "c"]
        .iter()
        .map(|n| format!("{n}: test feature, lookback 5"))
        .collect();
    let swapped = FeatureSchema::new(vec!["b".into(), "a".into(), "c".into()], &defs).unwrap();
    assert!(matches!(
        reg.load_checked("filter", Some(1), &swapped),
        Err(MlError::SchemaMismatch(d)) if d.reordered
    ));
    // Same names, a changed definition (look-back 5 → 10): the hash catches it.
    let changed_defs: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|n| format!("{n}: test feature, lookback 10"))
        .collect();
    let changed =
        FeatureSchema::new(vec!["a".into(), "b".into(), "c".into()], &changed_defs).unwrap();
    assert!(matches!(
        reg.load_checked("filter", Some(1), &changed),
        Err(MlError::SchemaMismatch(_))
    ));
    // Missing things are typed errors.
    assert!(matches!(
        reg.load("filter", Some(9)),
        Err(MlError::NotFound { .. })
    ));
    assert!(matches!(
        reg.load("filter", None),
        Err(MlError::NotFound { .. })
    ));
    assert!(
        reg.save(&model, meta("../evil", &["a", "b", "c"], 0.5))
            .is_err()
    );
    assert!(reg.save(&model, meta("filter", &["a", "b"], 0.5)).is_err());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn champion_challenger_and_rollback() {
    let root = temp_root("reg2");
    let reg = Registry::new(&root);
    let (x, y) = synthetic(200, 2, 1, 1.0, 2);
    let model = AnyClassifier::fit_kind(ModelKind::Logit, &x, 2, &y, 0).unwrap();
    let names = ["a", "b"];
    let v1 = reg.save(&model, meta("m", &names, 0.60)).unwrap().version;
    let v2 = reg.save(&model, meta("m", &names, 0.605)).unwrap().version;
    let v3 = reg.save(&model, meta("m", &names, 0.63)).unwrap().version;
    let margin = 0.01;
    // No champion: the first challenger is promoted.
    assert!(reg.promote_if_better("m", v1, margin).unwrap().promoted);
    assert_eq!(reg.champion("m").unwrap(), Some(v1));
    // +0.005 is inside the margin: kept.
    let p2 = reg.promote_if_better("m", v2, margin).unwrap();
    assert!(!p2.promoted);
    assert_eq!(p2.previous, Some(v1));
    assert_eq!(reg.champion("m").unwrap(), Some(v1));
    // +0.03 beats it.
    assert!(reg.promote_if_better("m", v3, margin).unwrap().promoted);
    assert_eq!(reg.champion("m").unwrap(), Some(v3));
    let (_, served) = reg.load("m", None).unwrap();
    assert_eq!(served.version, v3);
    // Rollback to any version, recorded in the history.
    reg.rollback("m", v2).unwrap();
    assert_eq!(reg.champion("m").unwrap(), Some(v2));
    let h = reg.history("m").unwrap();
    let actions: Vec<(u32, &str)> = h.iter().map(|e| (e.version, e.action.as_str())).collect();
    assert_eq!(
        actions,
        vec![(v1, "promote"), (v3, "promote"), (v2, "rollback")]
    );
    assert!(reg.rollback("m", 99).is_err());
    assert!(!root.join("m/champion.json.tmp").exists());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn concurrent_saves_get_distinct_versions() {
    let root = temp_root("reg3");
    let reg = Registry::new(&root);
    let (x, y) = synthetic(100, 2, 1, 1.0, 3);
    let model = AnyClassifier::fit_kind(ModelKind::Logit, &x, 2, &y, 0).unwrap();
    let versions: Vec<u32> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    reg.save(&model, meta("c", &["a", "b"], 0.5))
                        .unwrap()
                        .version
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = versions.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![1, 2, 3, 4]);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn undefined_metrics_round_trip_and_corrupt_files_are_typed_errors() {
    let root = temp_root("reg4");
    let reg = Registry::new(&root);
    let (x, y) = synthetic(200, 2, 1, 1.0, 4);
    let model = AnyClassifier::fit_kind(ModelKind::Rf, &x, 2, &y, 0).unwrap();
    // AUC is undefined on a one-class holdout (`Metrics::compute` gives NaN), which
    // serde_json writes as `null`; the version must still load, with the NaN back.
    let saved = reg.save(&model, meta("m", &["a", "b"], f64::NAN)).unwrap();
    let text = std::fs::read_to_string(root.join("m/v0001/meta.json")).unwrap();
    assert!(text.contains("\"auc\": null"), "{text}");
    let (_, back) = reg.load("m", Some(saved.version)).unwrap();
    assert!(back.metrics["auc"].is_nan());
    assert_eq!(back.score(), None);
    assert!(reg.promote_if_better("m", 1, 0.0).is_err());

    // A second version to corrupt, file by file.
    reg.save(&model, meta("m", &["a", "b"], 0.6)).unwrap();
    let v2 = root.join("m/v0002");
    let bin = std::fs::read(v2.join("model.bin")).unwrap();
    let json = std::fs::read(v2.join("meta.json")).unwrap();
    // Truncated model bytes.
    std::fs::write(v2.join("model.bin"), &bin[..bin.len() / 2]).unwrap();
    assert!(matches!(reg.load("m", Some(2)), Err(MlError::Model { .. })));
    // A forest whose first split points back at its root (would loop forever at
    // prediction): header "rf\n" (3 bytes), then magic, n_features, n_trees, n_nodes
    // (32 bytes), then the root's feature (4 bytes) and left child (4 bytes).
    let mut cyclic = bin.clone();
    cyclic[3 + 32 + 4..3 + 32 + 8].copy_from_slice(&0u32.to_le_bytes());
    std::fs::write(v2.join("model.bin"), &cyclic).unwrap();
    assert!(matches!(reg.load("m", Some(2)), Err(MlError::Model { .. })));
    // An unknown kind header.
    std::fs::write(v2.join("model.bin"), b"svm\n{}").unwrap();
    assert!(reg.load("m", Some(2)).is_err());
    std::fs::write(v2.join("model.bin"), &bin).unwrap();
    assert!(reg.load("m", Some(2)).is_ok());
    // Garbage metadata names its file.
    std::fs::write(v2.join("meta.json"), b"{\"name\": ").unwrap();
    match reg.load("m", Some(2)) {
        Err(MlError::Io { path, .. }) => assert!(path.ends_with("v0002/meta.json")),
        other => panic!("expected an I/O error naming meta.json, got {other:?}"),
    }
    // v1's metadata copied into v2's folder describes another version.
    std::fs::write(
        v2.join("meta.json"),
        std::fs::read(root.join("m/v0001/meta.json")).unwrap(),
    )
    .unwrap();
    assert!(matches!(reg.load("m", Some(2)), Err(MlError::Io { .. })));
    std::fs::write(v2.join("meta.json"), &json).unwrap();
    assert!(reg.load("m", Some(2)).is_ok());
    // A corrupt champion file.
    reg.set("m", 2, "test").unwrap();
    std::fs::write(root.join("m/champion.json"), b"[1, 2").unwrap();
    assert!(matches!(reg.champion("m"), Err(MlError::Io { .. })));
    assert!(reg.load("m", None).is_err());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_champion_without_a_score_is_named_and_a_nan_margin_is_an_error() {
    let root = temp_root("reg5");
    let reg = Registry::new(&root);
    let (x, y) = synthetic(200, 2, 1, 1.0, 5);
    let model = AnyClassifier::fit_kind(ModelKind::Logit, &x, 2, &y, 0).unwrap();
    let names = ["a", "b"];
    // v1's AUC is undefined (a one-class holdout), and v1 is made champion by hand.
    let v1 = reg
        .save(&model, meta("m", &names, f64::NAN))
        .unwrap()
        .version;
    reg.set("m", v1, "first deployment").unwrap();
    let v2 = reg.save(&model, meta("m", &names, 0.61)).unwrap().version;
    // A NaN margin used to make every comparison false: "kept champion", silently.
    assert!(matches!(
        reg.promote_if_better("m", v2, f64::NAN),
        Err(MlError::Invalid {
            field: "margin",
            ..
        })
    ));
    assert_eq!(reg.champion("m").unwrap(), Some(v1));
    // The champion has no finite score to defend: the challenger is promoted, and the
    // reason says there was a champion (it used to read "no champion").
    let p = reg.promote_if_better("m", v2, 0.01).unwrap();
    assert!(p.promoted);
    assert_eq!(p.previous, Some(v1));
    assert!(
        p.reason.starts_with("champion v1 has no finite auc"),
        "{}",
        p.reason
    );
    assert_eq!(reg.champion("m").unwrap(), Some(v2));
    std::fs::remove_dir_all(&root).unwrap();
}
