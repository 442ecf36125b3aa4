//! Drift: KS against `scipy.stats.ks_2samp` (scipy 1.17.1) and PSI against an
//! independent numpy computation, on sequences both sides generate bit for bit
//! (`tests/fixtures/gen_models_fixtures.py`), plus the report's thresholds.

use thetalab_ml::drift::{
    CalibrationDrift, DriftLevel, DriftReport, DriftThresholds, KsMethod, ks_2samp, psi,
};

use crate::models::reference;

/// `frac(i · mult + offset)` for `i` in `0..n` — the generator's `golden_seq`.
fn golden_seq(n: usize, mult: f64, offset: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let v = i as f64 * mult + offset;
            v - v.floor()
        })
        .collect()
}

#[test]
fn ks_matches_scipy() {
    let r = reference();
    for case in r["drift"]["ks"].as_array().unwrap() {
        let g = |k: &str| case[k].as_f64().unwrap();
        let (n1, n2) = (g("n1") as usize, g("n2") as usize);
        let mut a = golden_seq(n1, g("m1"), 0.0);
        let mut b: Vec<f64> = golden_seq(n2, g("m2"), g("o2"))
            .iter()
            .map(|v| v * g("scale2"))
            .collect();
        if case["ties"].as_bool().unwrap() {
            a = a.iter().map(|v| (v * 10.0).floor() / 10.0).collect();
            b = b.iter().map(|v| (v * 10.0).floor() / 10.0).collect();
        }
        let res = ks_2samp(&a, &b).unwrap();
        assert!((res.statistic - g("d")).abs() < 1e-14, "{n1}/{n2}: D");
        match res.method {
            KsMethod::Exact => {
                // Same exact distribution, computed by different recursions.
                let rel = (res.p_value - g("p")).abs() / g("p");
                assert!(
                    rel < 1e-9,
                    "{n1}/{n2}: p {} vs scipy {}",
                    res.p_value,
                    g("p")
                );
            }
            KsMethod::Asymptotic => {
                // scipy uses kstwo.sf(D, round(en)); we use Stephens' corrected limit.
                let rel = (res.p_value - g("p")).abs() / g("p");
                assert!(
                    rel < 0.01,
                    "{n1}/{n2}: p {} vs scipy {}",
                    res.p_value,
                    g("p")
                );
            }
        }
    }
}

#[test]
fn psi_matches_numpy() {
    let r = reference();
    let phi = r["drift"]["phi"].as_f64().unwrap();
    for case in r["drift"]["psi"].as_array().unwrap() {
        let g = |k: &str| case[k].as_f64().unwrap();
        let e: Vec<f64> = golden_seq(g("n1") as usize, phi, 0.0)
            .iter()
            .map(|v| v * v)
            .collect();
        let a: Vec<f64> = golden_seq(g("n2") as usize, g("m2"), g("o2"))
            .iter()
            .map(|v| {
                let s = v * g("scale2");
                s * s
            })
            .collect();
        let got = psi(&e, &a, g("bins") as usize).unwrap();
        assert!(
            (got - g("psi")).abs() < 1e-12,
            "psi {got} vs numpy {}",
            g("psi")
        );
    }
}

#[test]
fn psi_closed_form_with_an_empty_bin() {
    // Training 0..100: quartile edges 24.75, 49.5, 74.25, fractions 1/4 each. Live: all
    // 60 values in the third bin ⇒ live fractions (0, 0, 1, 0) floored to 1e-4:
    // PSI = 3·(1e-4 − 0.25)·ln(1e-4/0.25) + (1 − 0.25)·ln(1/0.25).
    let train: Vec<f64> = (0..100).map(f64::from).collect();
    let live = vec![60.0; 60];
    let want = 3.0 * (1e-4 - 0.25) * (1e-4f64 / 0.25).ln() + 0.75 * 4f64.ln();
    assert!((psi(&train, &live, 4).unwrap() - want).abs() < 1e-12);
}

#[test]
fn report_raises_warnings_at_the_thresholds() {
    // Column 0 unchanged, column 1 shifted by half its range: OK vs ALERT.
    let n = 2000;
    let base = golden_seq(n, 0.618_033_988_749_895, 0.0);
    let other = golden_seq(n, 0.414_213_562_373_095, 0.0);
    let mut train = Vec::new();
    let mut live = Vec::new();
    for i in 0..n {
        train.push(base[i]);
        train.push(other[i]);
        live.push(base[(i * 7) % n]);
        live.push(other[i] + 0.5);
    }
    let names = vec!["same".to_string(), "shifted".to_string()];
    let t = DriftThresholds::default();
    let rep = DriftReport::compute(&train, &live, &names, &t).unwrap();
    assert_eq!(rep.features[0].level, DriftLevel::Ok);
    assert!(rep.features[0].psi < 0.01);
    assert_eq!(rep.features[1].level, DriftLevel::Alert);
    assert!(rep.features[1].ks.unwrap().p_value < 1e-10);
    assert_eq!(rep.level, DriftLevel::Alert);
    assert!(rep.warnings.iter().any(|w| w.contains("ALERT shifted")));
    // Calibration: a model well calibrated on the reference, off by +0.3 live.
    let y_ref: Vec<f64> = (0..1000).map(|i| f64::from(i % 2)).collect();
    let p_ref = vec![0.5; 1000];
    let p_live = vec![0.8; 1000];
    let cal = CalibrationDrift::compute(&y_ref, &p_ref, &y_ref, &p_live).unwrap();
    assert!((cal.ece_reference - 0.0).abs() < 1e-15);
    assert!((cal.ece_live - 0.3).abs() < 1e-12);
    let rep = DriftReport::compute(&train, &train, &names, &t)
        .unwrap()
        .with_calibration(cal, &t);
    assert_eq!(rep.level, DriftLevel::Warn);
    assert!(rep.warnings[0].contains("calibration"));
    // A NaN calibration threshold would make the comparison false for ever: it is an
    // alert naming the field, not a pass.
    let nan = DriftThresholds {
        ece_increase: f64::NAN,
        ..t
    };
    let rep = DriftReport::compute(&train, &train, &names, &t)
        .unwrap()
        .with_calibration(cal, &nan);
    assert_eq!(rep.level, DriftLevel::Alert);
    assert!(
        rep.warnings.iter().any(|w| w.contains("ece_increase")),
        "{:?}",
        rep.warnings
    );
}

#[test]
fn a_dark_feed_alerts_and_bad_thresholds_are_errors() {
    // Column 1 is entirely NaN live (its source stopped): it used to get PSI NaN, no KS
    // and level Ok, with no warning at all.
    let n = 500;
    let base = golden_seq(n, 0.618_033_988_749_895, 0.0);
    let mut train = Vec::new();
    let mut live = Vec::new();
    for (i, &v) in base.iter().enumerate() {
        train.push(v);
        train.push(if i % 10 == 0 { f64::NAN } else { v });
        live.push(v);
        live.push(f64::NAN);
    }
    let names = vec!["ok".to_string(), "dark".to_string()];
    let t = DriftThresholds::default();
    let rep = DriftReport::compute(&train, &live, &names, &t).unwrap();
    assert_eq!(rep.features[0].level, DriftLevel::Ok);
    assert_eq!(
        (
            rep.features[0].nonfinite_train,
            rep.features[0].nonfinite_live
        ),
        (0, 0)
    );
    let dark = &rep.features[1];
    assert_eq!(dark.level, DriftLevel::Alert);
    assert_eq!((dark.nonfinite_train, dark.nonfinite_live), (50, 500));
    assert!(dark.psi.is_nan() && dark.ks.is_none());
    assert_eq!(rep.level, DriftLevel::Alert);
    assert!(rep.warnings.iter().any(|w| w.starts_with("ALERT dark")));
    // One PSI bin used to turn every PSI into a silent NaN.
    for bad in [
        DriftThresholds { psi_bins: 1, ..t },
        DriftThresholds {
            psi_warn: 0.3,
            psi_alert: 0.2,
            ..t
        },
        DriftThresholds {
            ks_alpha: f64::NAN,
            ..t
        },
    ] {
        assert!(DriftReport::compute(&train, &live, &names, &bad).is_err());
    }
}

#[test]
fn psi_edges_are_numpy_quantiles_bit_for_bit() {
    // np.quantile([0, 0.1, 0.7, 1.0], [0.25, 0.5, 0.75]) = [0.07500000000000001,
    // 0.39999999999999997, 0.7749999999999999] (numpy 2.4.6): the 0.5 edge comes from
    // numpy's `_lerp` with weight ≥ ½, b − (b − a)(1 − γ) = 0.39999999999999997, where
    // a + (b − a)γ gives 0.4, so a value of 0.4 would change bins.
    let e = [0.0, 0.1, 0.7, 1.0];
    let d = thetalab_ml::drift::psi_detail(&e, &e, 4).unwrap();
    assert_eq!(
        d.edges,
        vec![
            0.075_000_000_000_000_01,
            0.399_999_999_999_999_97,
            0.774_999_999_999_999_9
        ]
    );
}
