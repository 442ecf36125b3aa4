//! VaR/CVaR against hand-computed samples, closed forms and Monte Carlo convergence.

use nalgebra::{DMatrix, DVector};
use thetalab_core::OptionRight;
use thetalab_pricing::OptionInputs;
use thetalab_pricing::normal;
use thetalab_risk::RiskError;
use thetalab_risk::measure;
use thetalab_risk::measure::book::{Book, OptionPosition, StockPosition};
use thetalab_risk::measure::mc::{McSpec, book_var, linear_var};

/// 20 returns, sorted ascending for the reader: −0.08, −0.05, −0.04, −0.03, −0.02, ….
const R: [f64; 20] = [
    0.01, -0.05, 0.02, -0.08, 0.03, -0.01, 0.00, 0.04, -0.03, 0.02, 0.01, -0.02, 0.05, -0.04, 0.01,
    0.00, 0.02, -0.01, 0.03, 0.01,
];

#[test]
fn historical_is_the_ceil_alpha_n_order_statistic() {
    // α = 0.05: k = ⌈1⌉ = 1 → VaR = CVaR = 0.08.
    let h = measure::historical(&R, 0.05).unwrap();
    assert_eq!((h.var, h.cvar), (0.08, 0.08));
    // α = 0.10: k = 2 → VaR 0.05, CVaR (0.08 + 0.05)/2.
    let h = measure::historical(&R, 0.10).unwrap();
    assert_eq!(h.var, 0.05);
    assert!((h.cvar - 0.065).abs() < 1e-15);
    // α = 0.12: k = ⌈2.4⌉ = 3 → VaR 0.04, CVaR 0.17/3. (numpy's interpolated 12th
    // percentile would be −0.0476 instead: the conventions differ.)
    let h = measure::historical(&R, 0.12).unwrap();
    assert_eq!(h.var, 0.04);
    assert!((h.cvar - 0.17 / 3.0).abs() < 1e-15);
    assert!(h.cvar >= h.var);
}

#[test]
fn normal_closed_form() {
    // VaR = −(μ + zσ): z_0.01 = −2.326347874, μ = 0.0005, σ = 0.02.
    let v = measure::normal_var(0.0005, 0.02, 0.01).unwrap();
    assert!((v.var - (2.326_347_874_040_841 * 0.02 - 0.0005)).abs() < 1e-9);
    // CVaR = −μ + σ φ(z)/α, φ(2.3263) = 0.026652142.
    assert!((v.cvar - (0.02 * 0.026_652_142_17 / 0.01 - 0.0005)).abs() < 1e-9);
    // parametric() uses the sample mean and ddof = 1 sd.
    let n = R.len() as f64;
    let m = R.iter().sum::<f64>() / n;
    let sd = (R.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)).sqrt();
    let p = measure::parametric(&R, 0.05).unwrap();
    assert!((p.var - -(m + normal::inv_cdf(0.05) * sd)).abs() < 1e-15);
}

#[test]
fn cornish_fisher_formula_and_normal_limit() {
    // Known moments: s = −0.5, k = 3 at α = 0.05, z = −1.6448536.
    let z: f64 = -1.644_853_626_951_472_2;
    let (s, k) = (-0.5, 3.0);
    let want = z + (z * z - 1.0) * s / 6.0 + (z.powi(3) - 3.0 * z) * k / 24.0
        - (2.0 * z.powi(3) - 5.0 * z) * s * s / 36.0;
    let got = measure::cornish_fisher_z(0.05, s, k).unwrap();
    assert!((got - want).abs() < 1e-12);
    // Negative skew and fat tails push the 5 % quantile further out: −1.9787…
    assert!(got < z);
    assert!((got - -1.721_744).abs() < 1e-6, "{got}");
    // Zero skew and excess kurtosis give the normal quantile.
    assert!((measure::cornish_fisher_z(0.05, 0.0, 0.0).unwrap() - z).abs() < 1e-12);
    // On a sample: −(μ + z_cf σ) with the sample moments.
    let m = measure::moments(&R).unwrap();
    let zc = measure::cornish_fisher_z(0.05, m.skew, m.excess_kurtosis).unwrap();
    assert!((measure::cornish_fisher(&R, 0.05).unwrap() - -(m.mean + zc * m.sd)).abs() < 1e-15);
}

#[test]
fn moments_by_hand() {
    // x = [1, 2, 3, 10]: mean 4, deviations −3, −2, −1, 6; m2 = 12.5, m3 = 45, m4 = 348.5.
    let m = measure::moments(&[1.0, 2.0, 3.0, 10.0]).unwrap();
    assert!((m.skew - 45.0 / 12.5f64.powf(1.5)).abs() < 1e-14);
    assert!((m.excess_kurtosis - (348.5 / 156.25 - 3.0)).abs() < 1e-14);
    assert!((m.sd - (50.0f64 / 3.0).sqrt()).abs() < 1e-14);
}

#[test]
fn monte_carlo_converges_to_parametric() {
    let mu = DVector::<f64>::from_vec(vec![0.0004, 0.0002, 0.0006]);
    let cov = DMatrix::from_row_slice(
        3,
        3,
        &[
            4.0e-4, 1.2e-4, 0.6e-4, 1.2e-4, 2.25e-4, 0.3e-4, 0.6e-4, 0.3e-4, 6.4e-4,
        ],
    );
    let w = DVector::from_vec(vec![0.5, 0.3, 0.2]);
    let (alpha, paths) = (0.05, 200_000);
    let sd: f64 = (w.transpose() * &cov * &w)[(0, 0)];
    let sd = sd.sqrt();
    let exact = measure::normal_var(w.dot(&mu), sd, alpha).unwrap();
    let mc = linear_var(
        &mu,
        &cov,
        &w,
        &McSpec {
            paths,
            seed: 2024,
            alpha,
        },
    )
    .unwrap();
    // Standard error of a quantile: √(α(1−α)/n) / f(q), f = φ(z)/σ (Kendall & Stuart).
    let z = normal::inv_cdf(alpha);
    let se = (alpha * (1.0 - alpha) / paths as f64).sqrt() / (normal::pdf(z) / sd);
    assert!(
        (mc.var - exact.var).abs() < 4.0 * se,
        "{} vs {} (se {se:e})",
        mc.var,
        exact.var
    );
    assert!(
        (mc.cvar - exact.cvar).abs() < 6.0 * se,
        "{} vs {}",
        mc.cvar,
        exact.cvar
    );
    assert!((mc.sd - sd).abs() < 4.0 * sd / (2.0 * paths as f64).sqrt());
}

#[test]
fn book_var_of_shares_matches_linear_and_options_are_revalued() {
    let mu = DVector::from_vec(vec![0.0, 0.0]);
    let cov = DMatrix::from_row_slice(2, 2, &[4.0e-4, 1.0e-4, 1.0e-4, 9.0e-4]);
    let spec = McSpec {
        paths: 5000,
        seed: 9,
        alpha: 0.01,
    };
    let stocks = Book {
        options: vec![],
        stocks: vec![
            StockPosition {
                underlying: "A".into(),
                spot: 100.0,
                shares: 30.0,
            },
            StockPosition {
                underlying: "B".into(),
                spot: 50.0,
                shares: 40.0,
            },
        ],
    };
    let b = book_var(&stocks, &["A", "B"], &mu, &cov, 0.0, &spec).unwrap();
    let l = linear_var(&mu, &cov, &DVector::from_vec(vec![3000.0, 2000.0]), &spec).unwrap();
    assert!((b.var - l.var).abs() < 1e-9 && (b.cvar - l.cvar).abs() < 1e-9);
    // A long put hedge lowers the tail loss of the long stock.
    let put = OptionInputs::new(OptionRight::Put, 100.0, 97.0, 0.1, 0.02, 0.0, 0.25);
    let hedged = Book {
        options: vec![OptionPosition {
            underlying: "A".into(),
            inputs: put,
            qty: 0.3,
            multiplier: 100.0,
        }],
        ..stocks.clone()
    };
    let h = book_var(&hedged, &["A", "B"], &mu, &cov, 1.0 / 252.0, &spec).unwrap();
    assert!(h.var < b.var, "{} vs {}", h.var, b.var);
    assert_eq!(
        book_var(
            &hedged,
            &["B"],
            &DVector::from_vec(vec![0.0]),
            &DMatrix::from_element(1, 1, 1e-4),
            0.0,
            &spec
        ),
        Err(RiskError::UnknownUnderlying("A".into()))
    );
}
