//! `optimize` and `allocate` against PyPortfolioOpt 1.6.0 golden fixtures
//! (`tests/fixtures/gen_pypfopt.py`, on the last 500 days of skfolio's sp500 dataset,
//! 20 large caps) and against identities.

use nalgebra::{DMatrix, DVector};
use serde_json::Value;
use thetalab_risk::allocate::risk_budgeted;
use thetalab_risk::optimize::{
    Constraints, MeanVariance, Omega, black_litterman_posterior, equal_risk_contribution,
    hrp_weights, idzorek_omega, market_implied_prior, moments, risk_contributions,
};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn prices() -> DMatrix<f64> {
    let mut rd = csv::Reader::from_path(format!("{DIR}/sp500_last500.csv")).unwrap();
    let mut data = Vec::new();
    let mut rows = 0;
    for rec in rd.records() {
        let rec = rec.unwrap();
        data.extend(rec.iter().skip(1).map(|x| x.parse::<f64>().unwrap()));
        rows += 1;
    }
    DMatrix::from_row_slice(rows, data.len() / rows, &data)
}

fn golden() -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/pypfopt_golden.json")).unwrap())
        .unwrap()
}

fn vec_of(v: &Value) -> DVector<f64> {
    DVector::from_vec(
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect(),
    )
}

fn mat_of(v: &Value) -> DMatrix<f64> {
    let rows: Vec<DVector<f64>> = v.as_array().unwrap().iter().map(vec_of).collect();
    DMatrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

fn problem() -> (MeanVariance, DVector<f64>, DMatrix<f64>) {
    let r = moments::simple_returns(&prices()).unwrap();
    let mu = moments::annualised_mean(&r).unwrap();
    let cov = moments::annualised_covariance(&r).unwrap();
    (MeanVariance::new(mu.clone(), cov.clone()).unwrap(), mu, cov)
}

fn assert_close(what: &str, got: &DVector<f64>, want: &DVector<f64>, tol: f64) {
    let err = (got - want).amax();
    assert!(
        err <= tol,
        "{what}: max |Δw| = {err:e} > {tol:e}\n got {got}\nwant {want}"
    );
}

#[test]
fn moments_match_pypfopt_inputs() {
    let g = golden();
    let (_, mu, cov) = problem();
    assert_close("mu", &mu, &vec_of(&g["mu"]), 1e-12);
    assert!((cov - mat_of(&g["cov"])).amax() < 1e-12);
}

#[test]
fn min_volatility_matches_pypfopt() {
    // PyPortfolioOpt 1.6.0 EfficientFrontier(weight_bounds=(0, 1)).min_volatility()
    let g = golden();
    let (mv, _, _) = problem();
    let p = mv.min_variance().unwrap();
    assert_close(
        "min vol",
        &p.weights,
        &vec_of(&g["min_vol_long_only"]),
        1e-6,
    );
    assert!((p.weights.sum() - 1.0).abs() < 1e-9);
}

#[test]
fn min_volatility_with_bounds_matches_pypfopt() {
    // weight_bounds=(0.02, 0.15)
    let g = golden();
    let (mv, _, _) = problem();
    let p = mv
        .with_constraints(Constraints::uniform(20, 0.02, 0.15))
        .unwrap()
        .min_variance()
        .unwrap();
    assert_close(
        "min vol bounds",
        &p.weights,
        &vec_of(&g["min_vol_bounds_002_015"]),
        1e-6,
    );
    assert!(
        p.weights
            .iter()
            .all(|w| (0.02 - 1e-9..=0.15 + 1e-9).contains(w))
    );
}

#[test]
fn min_volatility_with_groups_matches_pypfopt() {
    // add_sector_constraints: assets 0..5 in [0.1, 0.3], assets 15..20 in [0, 0.2]
    let g = golden();
    let (mv, _, _) = problem();
    let c = Constraints::long_only(20)
        .with_group((0..5).collect(), 0.1, 0.3)
        .with_group((15..20).collect(), 0.0, 0.2);
    let p = mv.with_constraints(c).unwrap().min_variance().unwrap();
    assert_close(
        "min vol groups",
        &p.weights,
        &vec_of(&g["min_vol_groups"]),
        1e-6,
    );
    let s: f64 = p.weights.rows(0, 5).sum();
    assert!((0.1 - 1e-9..=0.3 + 1e-9).contains(&s));
    assert!(p.weights.rows(15, 5).sum() <= 0.2 + 1e-9);
}

#[test]
fn max_sharpe_matches_pypfopt() {
    // max_sharpe(risk_free_rate=0.02), long-only
    let g = golden();
    let (mv, _, _) = problem();
    let p = mv.max_sharpe(0.02).unwrap();
    assert_close(
        "max sharpe",
        &p.weights,
        &vec_of(&g["max_sharpe_rf_002"]),
        1e-6,
    );
}

#[test]
fn efficient_return_matches_pypfopt() {
    // efficient_return(0.20): μᵀw ≥ 0.20 binds above the min-variance return
    let g = golden();
    let (mv, _, _) = problem();
    let p = mv.target_return(0.20).unwrap();
    assert_close(
        "efficient return",
        &p.weights,
        &vec_of(&g["efficient_return_020"]),
        1e-6,
    );
    assert!((p.expected_return - 0.20).abs() < 1e-9);
}

#[test]
fn frontier_variance_increases_with_return() {
    let (mv, _, _) = problem();
    let f = mv.frontier(12).unwrap();
    for w in f.windows(2) {
        assert!(w[1].expected_return > w[0].expected_return);
        assert!(w[1].variance >= w[0].variance - 1e-12);
    }
    for p in &f {
        assert!((p.weights.sum() - 1.0).abs() < 1e-9);
        assert!(p.weights.iter().all(|w| *w >= -1e-9));
    }
}

#[test]
fn hrp_matches_pypfopt_single_linkage() {
    // HRPOpt(returns).optimize(linkage_method="single")
    let g = golden();
    let (_, _, cov) = problem();
    let w = hrp_weights(&cov).unwrap();
    assert_close("hrp", &w, &vec_of(&g["hrp_single"]), 1e-10);
}

#[test]
fn black_litterman_matches_pypfopt() {
    // BlackLittermanModel(S, pi=market_implied_prior_returns(.., 2.5, S, 0), P, Q, tau=0.05,
    // omega="default").bl_returns()
    let g = golden();
    let bl = &g["bl"];
    let (_, _, cov) = problem();
    let prior = market_implied_prior(&cov, &vec_of(&bl["w_mkt"]), 2.5, 0.0).unwrap();
    assert_close("prior", &prior, &vec_of(&bl["prior"]), 1e-10);
    let post = black_litterman_posterior(
        &prior,
        &cov,
        &mat_of(&bl["P"]),
        &vec_of(&bl["Q"]),
        &Omega::Proportional,
        0.05,
    )
    .unwrap();
    assert_close("posterior", &post, &vec_of(&bl["posterior"]), 1e-10);
}

#[test]
fn erc_contributions_are_equal_on_real_data() {
    let (_, _, cov) = problem();
    let w = equal_risk_contribution(&cov).unwrap();
    let rc = risk_contributions(&cov, &w).unwrap();
    assert!((w.sum() - 1.0).abs() < 1e-12);
    assert!(rc.iter().all(|c| (c - 0.05).abs() < 1e-8), "{rc}");
}

#[test]
fn risk_budgeted_allocation_on_real_streams() {
    // four "strategies": the first four stocks' daily returns; budgets 40/30/20/10
    let r = moments::simple_returns(&prices())
        .unwrap()
        .columns(0, 4)
        .into_owned();
    let b = DVector::from_vec(vec![0.4, 0.3, 0.2, 0.1]);
    let a = risk_budgeted(&r, &b, 120, 21).unwrap();
    assert_eq!(a.start, 120);
    assert_eq!(a.returns.len(), r.nrows() - 120);
    for (i, &p) in a.rebalances.iter().enumerate() {
        assert_eq!(p, 120 + 21 * i);
        // at each rebalance, risk contributions on the trailing window equal the budgets
        let win = r.rows(p - 120, 120).into_owned();
        let cov = moments::sample_covariance(&win).unwrap();
        let w = a.weights.row(p - 120).transpose();
        assert!((risk_contributions(&cov, &w).unwrap() - &b).amax() < 1e-8);
    }
}

fn fixture(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()).unwrap()
}

#[test]
fn black_litterman_idzorek_matches_pypfopt() {
    // PyPortfolioOpt 1.6.0 BlackLittermanModel(S, pi, P, Q, tau=0.05, omega="idzorek",
    // view_confidences=[0.6, 0.25, 1.0]) (tests/fixtures/gen_pypfopt_idzorek.py)
    let g = fixture("pypfopt_idzorek.json");
    let (_, _, cov) = problem();
    let prior = market_implied_prior(&cov, &vec_of(&g["w_mkt"]), 2.5, 0.0).unwrap();
    let p = mat_of(&g["P"]);
    let conf = vec_of(&g["confidences"]);
    let om = idzorek_omega(&cov, &p, &conf, 0.05).unwrap();
    assert_close("omega", &om, &vec_of(&g["omega"]), 1e-15);
    let post = black_litterman_posterior(
        &prior,
        &cov,
        &p,
        &vec_of(&g["Q"]),
        &Omega::Idzorek(conf),
        0.05,
    )
    .unwrap();
    assert_close("posterior", &post, &vec_of(&g["posterior"]), 1e-10);
}

#[test]
fn erc_matches_riskfolio() {
    // Riskfolio-Lib 7.4.0 Portfolio.rp_optimization(model="Classic", rm="MV", b=None)
    // through cvxpy 1.9.3 + Clarabel (tests/fixtures/gen_riskfolio.py). Its covariance is
    // not annualised; ERC weights do not depend on the scale.
    let g = fixture("riskfolio_golden.json");
    let (_, _, cov) = problem();
    let w = equal_risk_contribution(&cov).unwrap();
    assert_close("erc", &w, &vec_of(&g["erc"]), 1e-6);
}

#[test]
fn hrp_matches_riskfolio_single_linkage() {
    // Riskfolio-Lib 7.4.0 HCPortfolio.optimization(model="HRP", codependence="pearson",
    // rm="MV", linkage="single", leaf_order=False): "pearson" is the distance
    // √((1 − ρ)/2), as ours; its default leaf_order=True (optimal leaf ordering) is not in
    // López de Prado's quasi-diagonalisation, so the script turns it off.
    let g = fixture("riskfolio_golden.json");
    let (_, _, cov) = problem();
    let w = hrp_weights(&cov).unwrap();
    assert_close("hrp", &w, &vec_of(&g["hrp_single"]), 1e-10);
}
