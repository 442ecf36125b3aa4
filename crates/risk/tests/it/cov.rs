//! Covariance estimators against scikit-learn / numpy goldens on real returns and a hand
//! loop for EWMA.

use nalgebra::DMatrix;
use thetalab_risk::cov::{self, EwmaOptions, SampleOptions};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The 505 × 20 S&P 500 returns slice (gen_ledoit_wolf.py).
fn sp500_returns() -> DMatrix<f64> {
    let mut rdr =
        csv::Reader::from_path(format!("{FIXTURES}/sp500_returns_2019_2020.csv")).unwrap();
    let mut data = Vec::new();
    let mut rows = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        data.extend(rec.iter().skip(1).map(|v| v.parse::<f64>().unwrap()));
        rows += 1;
    }
    cov::returns_matrix(&data, rows, data.len() / rows).unwrap()
}

fn golden() -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/ledoit_wolf_sp500.json")).unwrap(),
    )
    .unwrap()
}

fn matrix(v: &serde_json::Value) -> DMatrix<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    DMatrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

#[test]
fn ledoit_wolf_matches_sklearn_on_sp500() {
    let r = sp500_returns();
    let g = golden();
    assert_eq!(r.shape(), (505, 20));
    let lw = cov::ledoit_wolf(&r).unwrap();
    let want = g["ledoit_wolf_shrinkage"].as_f64().unwrap();
    assert!(
        (lw.shrinkage - want).abs() < 1e-10,
        "{} vs {want}",
        lw.shrinkage
    );
    let want = matrix(&g["ledoit_wolf_covariance"]);
    let err = (&lw.covariance - &want).abs().max();
    assert!(err < 1e-10, "max abs error {err:e}");
    // Relative to the entries' size (~1e-4) the agreement is ~1e-12 or better.
    assert!(err / want.abs().max() < 1e-10);
}

#[test]
fn sample_matches_numpy_ddof1_and_annualises() {
    let r = sp500_returns();
    let want = matrix(&golden()["sample_covariance_ddof1"]);
    let s = cov::sample(
        &r,
        &SampleOptions {
            ddof: 1,
            annualisation: 1.0,
        },
    )
    .unwrap();
    assert!((&s - &want).abs().max() < 1e-15);
    let a = cov::sample(&r, &SampleOptions::default()).unwrap();
    assert!((&a - want * 252.0).abs().max() < 1e-13);
}

#[test]
fn ewma_matches_the_recursion_by_hand() {
    let r = sp500_returns();
    let lambda = 0.94;
    let (t, n) = r.shape();
    // RiskMetrics recursion Σₜ = λΣₜ₋₁ + (1 − λ) rₜrₜᵀ from Σ = 0, then ÷ (1 − λ^T).
    let mut s = DMatrix::<f64>::zeros(n, n);
    for row in 0..t {
        let x = r.row(row).transpose();
        s = s * lambda + (&x * x.transpose()) * (1.0 - lambda);
    }
    s /= 1.0 - lambda.powi(t as i32);
    let e = cov::ewma(&r, &EwmaOptions::default()).unwrap();
    assert!((&e - &s).abs().max() < 1e-16, "{}", (&e - &s).abs().max());
    // Symmetric, positive diagonal.
    assert_eq!(e, e.transpose());
    assert!(e.diagonal().iter().all(|v| *v > 0.0));
}
