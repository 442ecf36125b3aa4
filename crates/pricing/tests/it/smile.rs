//! SVI smiles, arbitrage checks and the ATM term structure: recovery of published
//! parameter sets, Gatheral–Jacquier's arbitrage examples, total-variance identities and,
//! when the shared Cboe snapshots are present, a fit to a real SPX smile.

use proptest::prelude::*;
use thetalab_pricing::smile::{
    SviParams, SviSlice, check_butterfly, check_calendar, durrleman_g, fit_svi,
};
use thetalab_pricing::term::AtmTermStructure;
use thetalab_pricing::{OptionInputs, OptionRight, PricingError, VolSurface, black76, iv};

/// Axel Vogt's raw-SVI parameters, T = 1 (Gatheral & Jacquier 2014, Example 3.1).
fn vogt() -> SviParams {
    SviParams {
        a: -0.0410,
        b: 0.1331,
        rho: 0.3060,
        m: 0.3586,
        sigma: 0.4153,
    }
}

/// SSVI (Gatheral & Jacquier 2014, eq. (4.1)) as raw SVI (natural SVI with Δ = μ = 0,
/// GJ 2014 §3): arbitrage-free by GJ Theorem 4.2 when θφ(1+|ρ|) < 4 and θφ²(1+|ρ|) ≤ 4.
fn ssvi(theta: f64, phi: f64, rho: f64) -> SviParams {
    SviParams {
        a: 0.5 * theta * (1.0 - rho * rho),
        b: 0.5 * theta * phi,
        rho,
        m: -rho / phi,
        sigma: (1.0 - rho * rho).sqrt() / phi,
    }
}

/// Strikes with log-moneyness evenly spread over `[k_lo, k_hi]`.
fn strikes(forward: f64, k_lo: f64, k_hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| forward * (k_lo + (k_hi - k_lo) * i as f64 / (n - 1) as f64).exp())
        .collect()
}

fn assert_params_close(got: &SviParams, want: &SviParams, tol: f64) {
    let pairs = [
        ("a", got.a, want.a),
        ("b", got.b, want.b),
        ("rho", got.rho, want.rho),
        ("m", got.m, want.m),
        ("sigma", got.sigma, want.sigma),
    ];
    for (name, g, w) in pairs {
        assert!(
            (g - w).abs() <= tol,
            "{name}: got {g}, want {w} (tol {tol}); all: {got:?}"
        );
    }
}

// ---------------------------------------------------------------------------------
// Fit: noise-free recovery of published parameter sets.
// ---------------------------------------------------------------------------------

#[test]
fn fit_recovers_vogt_parameters() {
    assert!(vogt().validate().is_ok());
    // Noise-free vols from GJ 2014 Example 3.1 (a < 0, so the inner problem's a ≥ 0
    // simplification of Zeliade would not reach it; the polish must).
    let (f, t) = (100.0, 1.0);
    let truth = SviSlice::new(vogt(), t, f).unwrap();
    let ks = strikes(f, -1.0, 1.5, 41);
    let ivs: Vec<f64> = ks.iter().map(|&k| truth.implied_vol(k).unwrap()).collect();
    let fit = fit_svi(&ks, &ivs, None, f, t).unwrap();
    assert_params_close(&fit.params, &vogt(), 1e-6);
    for (&k, &v) in ks.iter().zip(&ivs) {
        assert!((fit.implied_vol(k).unwrap() - v).abs() < 1e-9);
    }
    // The fitted slice carries the same butterfly arbitrage.
    assert!(!check_butterfly(&fit.params).ok);
}

#[test]
fn fit_recovers_arbitrage_free_ssvi_slices() {
    // Short-dated equity-like skews (θ = ATM total variance) at several maturities.
    for &(theta, phi, rho, t) in &[
        (0.04 * 30.0 / 365.0, 20.0, -0.7, 30.0 / 365.0),
        (0.03 * 7.0 / 365.0, 60.0, -0.5, 7.0 / 365.0),
        (0.05, 4.0, -0.6, 1.0),
        (0.02, 6.0, 0.3, 0.5),
    ] {
        let p = ssvi(theta, phi, rho);
        assert!(
            check_butterfly(&p).ok,
            "GJ Theorem 4.2 conditions hold: {p:?}"
        );
        let f = 4500.0;
        let truth = SviSlice::new(p, t, f).unwrap();
        let half_range = 4.0 * (theta.sqrt()).max(0.02);
        let ks = strikes(f, -1.5 * half_range, half_range, 31);
        let ivs: Vec<f64> = ks.iter().map(|&k| truth.implied_vol(k).unwrap()).collect();
        let weights: Vec<f64> = ivs.iter().map(|v| 1.0 / (v * v)).collect();
        let fit = fit_svi(&ks, &ivs, Some(&weights), f, t).unwrap();
        let tol = 1e-5 * (1.0 + p.sigma.max(p.m.abs()));
        assert_params_close(&fit.params, &p, tol.max(1e-6 * p.b.max(1e-3)));
        let worst = ks
            .iter()
            .zip(&ivs)
            .map(|(&k, &v)| (fit.implied_vol(k).unwrap() - v).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-8, "worst vol error {worst} for {p:?}");
    }
}

/// A deterministic uniform(−1, 1) sequence (xorshift64*, Vigna 2016) for test noise.
fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
            (r >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}

#[test]
fn fit_to_noisy_data_beats_flat_vol_and_stays_near_truth() {
    // ±0.5 vol point uniform noise around a 60-day skew.
    let (f, t) = (100.0, 60.0 / 365.0);
    let truth = SviSlice::new(ssvi(0.04 * t, 12.0, -0.65), t, f).unwrap();
    let ks = strikes(f, -0.4, 0.2, 40);
    let eps = noise(ks.len(), 0x5EED);
    let ivs: Vec<f64> = ks
        .iter()
        .zip(&eps)
        .map(|(&k, e)| truth.implied_vol(k).unwrap() + 0.005 * e)
        .collect();
    let fit = fit_svi(&ks, &ivs, None, f, t).unwrap();
    let sse = |vol: &dyn Fn(f64) -> f64| -> f64 {
        ks.iter()
            .zip(&ivs)
            .map(|(&k, &v)| (vol(k).powi(2) * t - v * v * t).powi(2))
            .sum()
    };
    let svi_sse = sse(&|k| fit.implied_vol(k).unwrap());
    // Best flat vol in total variance: the mean of σᵢ²t (least squares).
    let flat_w = ivs.iter().map(|v| v * v * t).sum::<f64>() / ivs.len() as f64;
    let flat_sse = sse(&|_| (flat_w / t).sqrt());
    assert!(
        svi_sse < 0.05 * flat_sse,
        "SVI {svi_sse} vs flat {flat_sse}"
    );
    // The fit is within the noise of the truth everywhere in the data range.
    for &k in &ks {
        let err = (fit.implied_vol(k).unwrap() - truth.implied_vol(k).unwrap()).abs();
        assert!(err < 0.005, "error {err} at strike {k}");
    }
}

#[test]
fn fit_rejects_bad_input_with_typed_errors() {
    let ks = [90.0, 95.0, 100.0, 105.0, 110.0];
    let vs = [0.25, 0.22, 0.20, 0.19, 0.19];
    assert!(fit_svi(&ks, &vs, None, 100.0, 0.5).is_ok());
    assert!(matches!(
        fit_svi(&ks[..4], &vs[..4], None, 100.0, 0.5),
        Err(PricingError::Fit(_))
    ));
    assert!(matches!(
        fit_svi(&ks, &vs[..4], None, 100.0, 0.5),
        Err(PricingError::LengthMismatch {
            what: "ivs",
            got: 4,
            expected: 5
        })
    ));
    assert!(matches!(
        fit_svi(&ks, &vs, Some(&[1.0; 3]), 100.0, 0.5),
        Err(PricingError::LengthMismatch {
            what: "weights",
            ..
        })
    ));
    let mut bad = ks;
    bad[2] = -100.0;
    assert!(matches!(
        fit_svi(&bad, &vs, None, 100.0, 0.5),
        Err(PricingError::InvalidInput {
            field: "strike",
            ..
        })
    ));
    let mut bad = vs;
    bad[1] = f64::NAN;
    assert!(matches!(
        fit_svi(&ks, &bad, None, 100.0, 0.5),
        Err(PricingError::InvalidInput { field: "iv", .. })
    ));
    bad[1] = 0.0;
    assert!(matches!(
        fit_svi(&ks, &bad, None, 100.0, 0.5),
        Err(PricingError::InvalidInput { field: "iv", .. })
    ));
    assert!(matches!(
        fit_svi(&ks, &vs, Some(&[1.0, 1.0, -1.0, 1.0, 1.0]), 100.0, 0.5),
        Err(PricingError::InvalidInput {
            field: "weight",
            ..
        })
    ));
    // Zero weights remove points: four left.
    assert!(matches!(
        fit_svi(&ks, &vs, Some(&[1.0, 1.0, 0.0, 1.0, 1.0]), 100.0, 0.5),
        Err(PricingError::Fit(_))
    ));
    assert!(matches!(
        fit_svi(&[100.0; 6], &[0.2; 6], None, 100.0, 0.5),
        Err(PricingError::Fit(_))
    ));
    assert!(matches!(
        fit_svi(&ks, &vs, None, 0.0, 0.5),
        Err(PricingError::InvalidInput {
            field: "forward",
            ..
        })
    ));
    assert!(matches!(
        fit_svi(&ks, &vs, None, 100.0, 0.0),
        Err(PricingError::InvalidInput { field: "t", .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any finite input gives a typed result, never a panic; a success is a valid slice.
    #[test]
    fn fit_never_panics(
        pts in prop::collection::vec((1e-3f64..1e4, 1e-4f64..5.0, 0.0f64..10.0), 0..25),
        forward in 1e-2f64..1e4,
        t in 1e-4f64..10.0,
        weighted in any::<bool>(),
    ) {
        let ks: Vec<f64> = pts.iter().map(|p| p.0).collect();
        let vs: Vec<f64> = pts.iter().map(|p| p.1).collect();
        let ws: Vec<f64> = pts.iter().map(|p| p.2).collect();
        match fit_svi(&ks, &vs, weighted.then_some(ws.as_slice()), forward, t) {
            Ok(s) => {
                prop_assert!(s.params.validate().is_ok());
                for &k in &ks {
                    let v = s.implied_vol(k).unwrap();
                    prop_assert!(v.is_finite() && v >= 0.0);
                }
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// The fit never does worse than the best flat vol (SVI contains it: b = 0).
    #[test]
    fn fit_beats_flat(
        vs in prop::collection::vec(0.05f64..1.0, 5..15),
        t in 0.01f64..3.0,
    ) {
        let ks = strikes(100.0, -0.5, 0.3, vs.len());
        let fit = fit_svi(&ks, &vs, None, 100.0, t).unwrap();
        let w: Vec<f64> = vs.iter().map(|v| v * v * t).collect();
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        let flat: f64 = w.iter().map(|x| (x - mean).powi(2)).sum();
        let svi: f64 = ks.iter().zip(&w).map(|(&k, x)| (fit.total_variance(fit.log_moneyness(k)) - x).powi(2)).sum();
        prop_assert!(svi <= flat * (1.0 + 1e-9) + 1e-20, "svi {svi} flat {flat}");
    }
}

// ---------------------------------------------------------------------------------
// Arbitrage checks.
// ---------------------------------------------------------------------------------

#[test]
fn vogt_butterfly_arbitrage_is_flagged_where_the_paper_plots_it() {
    // GJ 2014, Example 3.1 (its plot of g): g(k) dips below zero around k ≈ 0.7–1.2.
    let rep = check_butterfly(&vogt());
    assert!(!rep.ok && rep.min_g < 0.0);
    assert!(rep.at_k > 0.7 && rep.at_k < 1.2, "{rep:?}");
    assert!(durrleman_g(&vogt(), 0.75) < 0.0 && durrleman_g(&vogt(), 1.15) < 0.0);
    assert!(durrleman_g(&vogt(), 0.5) > 0.0 && durrleman_g(&vogt(), 1.4) > 0.0);
    // Independent check: a negative density means some butterfly has a negative price.
    // Undiscounted Black call prices from the smile at K = e^k (F = 1), a symmetric
    // butterfly of half-width h = 0.01 around K = e^0.9 costs C(K−h) − 2C(K) + C(K+h).
    let slice = SviSlice::new(vogt(), 1.0, 1.0).unwrap();
    let call = |k: f64| {
        let o = OptionInputs::new(
            OptionRight::Call,
            1.0,
            k,
            1.0,
            0.0,
            0.0,
            slice.implied_vol(k).unwrap(),
        );
        black76::price(&o)
    };
    let (kc, h) = (0.9_f64.exp(), 0.01);
    let fly = call(kc - h) - 2.0 * call(kc) + call(kc + h);
    assert!(fly < 0.0, "butterfly price {fly}");
    // …whereas at the money the butterfly is positive.
    assert!(call(1.0 - h) - 2.0 * call(1.0) + call(1.0 + h) > 0.0);
}

#[test]
fn clean_ssvi_slice_passes_and_its_butterflies_are_positive() {
    // GJ 2014 Theorem 4.2: θ = 0.04, φ = 5, ρ = −0.5 ⇒ θφ(1+|ρ|) = 0.3 < 4, θφ²(1+|ρ|) = 1.5 ≤ 4.
    let p = ssvi(0.04, 5.0, -0.5);
    let rep = check_butterfly(&p);
    assert!(rep.ok && rep.lee_ok && rep.min_g > 0.0, "{rep:?}");
    let slice = SviSlice::new(p, 1.0, 1.0).unwrap();
    let call = |k: f64| {
        black76::price(&OptionInputs::new(
            OptionRight::Call,
            1.0,
            k,
            1.0,
            0.0,
            0.0,
            slice.implied_vol(k).unwrap(),
        ))
    };
    for i in 0..60 {
        let kc = (-1.5 + 0.05 * f64::from(i)).exp();
        let h = 1e-3 * kc;
        assert!(
            call(kc - h) - 2.0 * call(kc) + call(kc + h) > -1e-15,
            "negative butterfly at K = {kc}"
        );
    }
}

#[test]
fn calendar_check_flags_crossing_slices() {
    // Two 1-year-apart slices that cross: the longer one has a steeper negative skew, so
    // for high strikes its total variance drops below the shorter one's.
    let short = SviSlice::new(ssvi(0.04, 2.0, 0.3), 0.5, 100.0).unwrap();
    let long = SviSlice::new(ssvi(0.05, 2.0, -0.8), 1.5, 100.0).unwrap();
    let rep = check_calendar(&[long, short]).unwrap();
    assert!(!rep.ok);
    let v = rep.violations[0];
    assert_eq!((v.short, v.long), (1, 0));
    // Independent check at the worst k: the total variances computed directly.
    let (ws, wl) = (
        short.total_variance(v.k_worst),
        long.total_variance(v.k_worst),
    );
    assert!((ws - wl - v.excess).abs() < 1e-15 && v.excess > 0.0);
    assert!(
        v.k_worst > 0.0 && v.k_range.0 > 0.0,
        "the crossing is on the call side: {v:?}"
    );
    // At the money the long slice is higher: no violation there.
    assert!(long.total_variance(0.0) > short.total_variance(0.0));
    // Same skew, larger θ: GJ 2014 Theorem 4.1 ⇒ no calendar arbitrage.
    let long_ok = SviSlice::new(ssvi(0.05, 2.0, 0.3), 1.5, 100.0).unwrap();
    assert!(check_calendar(&[short, long_ok]).unwrap().ok);
    // A three-slice surface reports only the pair that crosses.
    let longest = SviSlice::new(ssvi(0.08, 2.0, -0.8), 2.5, 100.0).unwrap();
    let rep = check_calendar(&[short, long, longest]).unwrap();
    assert_eq!(rep.violations.len(), 1);
}

// ---------------------------------------------------------------------------------
// ATM term structure.
// ---------------------------------------------------------------------------------

#[test]
fn term_structure_reprices_points_and_is_linear_in_total_variance() {
    let pts = [
        (9.0 / 365.0, 0.13),
        (30.0 / 365.0, 0.155),
        (93.0 / 365.0, 0.175),
    ];
    let ts = AtmTermStructure::from_vix_indices(13.0, 15.5, 17.5).unwrap();
    for &(t, v) in &pts {
        assert!((ts.vol(t).unwrap() - v).abs() < 1e-15, "reprices {t}");
    }
    // Midpoint between 30 and 93 days, by hand: w = (0.155²·30 + 0.175²·93)/2/365.
    let t_mid = 61.5 / 365.0;
    let w_mid = 0.5 * (0.155 * 0.155 * 30.0 + 0.175 * 0.175 * 93.0) / 365.0;
    assert!((ts.total_variance(t_mid).unwrap() - w_mid).abs() < 1e-16);
    assert!((ts.vol(t_mid).unwrap() - (w_mid / t_mid).sqrt()).abs() < 1e-15);
    // Linearity: w at a quarter of the way is a quarter of the increment.
    let t_q = (30.0 + 0.25 * 63.0) / 365.0;
    let w30 = 0.155 * 0.155 * 30.0 / 365.0;
    let w93 = 0.175 * 0.175 * 93.0 / 365.0;
    assert!((ts.total_variance(t_q).unwrap() - (w30 + 0.25 * (w93 - w30))).abs() < 1e-16);
    // Flat vol before 9 days, flat forward variance after 93.
    assert!((ts.vol(1.0 / 365.0).unwrap() - 0.13).abs() < 1e-15);
    let fwd_last = (w93 - w30) / (63.0 / 365.0);
    assert!(
        (ts.total_variance(1.0).unwrap() - (w93 + fwd_last * (1.0 - 93.0 / 365.0))).abs() < 1e-15
    );
    assert!(ts.is_calendar_arbitrage_free());
    // As a VolSurface it is flat across strikes.
    assert!((ts.vol(t_mid).unwrap() - VolSurface::vol(&ts, 5000.0, 4000.0, t_mid)).abs() < 1e-15);
}

#[test]
fn forward_vol_identity() {
    // σ²(t₂)t₂ − σ²(t₁)t₁ = σ_fwd²(t₂ − t₁), for pairs inside, across and outside the points.
    let ts = AtmTermStructure::new(&[(0.1, 0.3), (0.5, 0.22), (1.0, 0.24), (2.0, 0.23)]).unwrap();
    let grid = [0.01, 0.1, 0.2, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0];
    for (i, &t1) in grid.iter().enumerate() {
        for &t2 in &grid[i + 1..] {
            let lhs = ts.vol(t2).unwrap().powi(2) * t2 - ts.vol(t1).unwrap().powi(2) * t1;
            let fwd = ts.forward_vol(t1, t2).unwrap();
            assert!((lhs - fwd * fwd * (t2 - t1)).abs() < 1e-15, "{t1} {t2}");
        }
    }
    // Inside one interval the forward vol is that interval's constant.
    let f = ts.forward_vol(0.6, 0.9).unwrap();
    assert!((f * f - (0.24f64.powi(2) * 1.0 - 0.22f64.powi(2) * 0.5) / 0.5).abs() < 1e-15);
    assert!(ts.forward_vol(0.9, 0.6).is_err());
}

// ---------------------------------------------------------------------------------
// A real smile: SPXW 13 Oct 2023 from the Cboe delayed-quote snapshot of 14 Sep 2023,
// 16:31 ET (shared data; read in place, skipped when absent).
// ---------------------------------------------------------------------------------

fn shared_snapshot(name: &str) -> Option<std::path::PathBuf> {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("THETALAB_SHARED_DATA").map(std::path::PathBuf::from),
        Some(manifest.join("../../../shared/data")),
        Some(std::path::PathBuf::from("/work/shared/data")),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|d| d.join("cboe-chain-snapshots").join(name))
        .find(|p| p.is_file())
}

/// The file's text (gzip-compressed on disk; decompressed with the system's `gzip`,
/// since the crate takes no compression dependency).
fn read_gz(path: &std::path::Path) -> Option<String> {
    let out = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(path)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn field(rec: &csv::StringRecord, i: usize) -> Option<f64> {
    rec.get(i)?.trim().replace(',', "").parse().ok()
}

#[test]
fn fits_a_real_spx_smile() {
    let name = "spx_2023-09-14_1631.csv.gz";
    let Some(path) = shared_snapshot(name) else {
        println!(
            "SKIPPED fits_a_real_spx_smile: shared/data/cboe-chain-snapshots/{name} not found"
        );
        return;
    };
    let Some(text) = read_gz(&path) else {
        println!(
            "SKIPPED fits_a_real_spx_smile: could not decompress {} (no gzip?)",
            path.display()
        );
        return;
    };
    // Rows after the three header lines: expiry, call symbol, last, net, bid (4), ask (5),
    // …, strike (11), put symbol (12), last, net, bid (15), ask (16), …
    let body: String = text.lines().skip(3).flat_map(|l| [l, "\n"]).collect();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut quotes = Vec::new(); // (strike, call bid, call ask, put bid, put ask)
    for rec in rdr.records().flatten() {
        if rec.get(0) != Some("Fri Oct 13 2023")
            || !rec.get(1).is_some_and(|s| s.starts_with("SPXW"))
        {
            continue;
        }
        if let (Some(k), Some(cb), Some(ca), Some(pb), Some(pa)) = (
            field(&rec, 11),
            field(&rec, 4),
            field(&rec, 5),
            field(&rec, 15),
            field(&rec, 16),
        ) {
            quotes.push((k, cb, ca, pb, pa));
        }
    }
    assert!(quotes.len() > 100, "parsed {} rows", quotes.len());
    // 14 Sep 16:31 ET → 13 Oct 16:00 ET (PM-settled SPXW): 29 days less 31 minutes.
    let t = (29.0 - 31.0 / 1440.0) / 365.0;
    let spot = 4505.1;
    // Put–call parity C − P = D(F − K): regress the mid difference on K near the money
    // (two-sided quotes within 3% of spot) for the discount factor D and forward F.
    let near: Vec<(f64, f64)> = quotes
        .iter()
        .filter(|q| (q.0 / spot - 1.0).abs() < 0.03 && q.1 > 0.0 && q.3 > 0.0)
        .map(|q| (q.0, 0.5 * (q.1 + q.2) - 0.5 * (q.3 + q.4)))
        .collect();
    let n = near.len() as f64;
    let (mk, my) = (
        near.iter().map(|p| p.0).sum::<f64>() / n,
        near.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let slope = near.iter().map(|p| (p.0 - mk) * (p.1 - my)).sum::<f64>()
        / near.iter().map(|p| (p.0 - mk).powi(2)).sum::<f64>();
    let disc = -slope;
    let forward = (my - slope * mk) / disc;
    let r = -disc.ln() / t;
    println!(
        "SPXW 2023-10-13: {} parity strikes, D = {disc:.6} (r = {:.4}), F = {forward:.2}",
        near.len(),
        r
    );
    assert!(
        disc > 0.99 && disc <= 1.0 && (forward / spot - 1.0).abs() < 0.01,
        "D {disc} F {forward}"
    );
    // OTM mids (puts below F, calls above), two-sided, premium ≥ 0.5, |k| within the
    // liquid range; Black-76 implied vols against the implied forward.
    let (mut ks, mut vols) = (Vec::new(), Vec::new());
    for &(k, cb, ca, pb, pa) in &quotes {
        let (right, bid, ask) = if k < forward {
            (OptionRight::Put, pb, pa)
        } else {
            (OptionRight::Call, cb, ca)
        };
        let lm = (k / forward).ln();
        if !(bid > 0.0 && ask > bid) || 0.5 * (bid + ask) < 0.5 || !(-0.3..=0.1).contains(&lm) {
            continue;
        }
        let o = OptionInputs::new(right, forward, k, t, r, 0.0, 0.0);
        if let Ok(v) = iv::black76(0.5 * (bid + ask), &o) {
            ks.push(k);
            vols.push(v);
        }
    }
    assert!(ks.len() > 60, "{} OTM quotes", ks.len());
    let weights: Vec<f64> = vols.iter().map(|v| 1.0 / (v * v)).collect();
    let fit = fit_svi(&ks, &vols, Some(&weights), forward, t).unwrap();
    let errs: Vec<f64> = ks
        .iter()
        .zip(&vols)
        .map(|(&k, &v)| fit.implied_vol(k).unwrap() - v)
        .collect();
    let rmse = (errs.iter().map(|e| e * e).sum::<f64>() / errs.len() as f64).sqrt();
    let worst = errs.iter().fold(0.0_f64, |m, e| m.max(e.abs()));
    let bfly = check_butterfly(&fit.params);
    println!(
        "SPXW 2023-10-13 SVI fit on {} quotes: RMSE {:.3} vol points, worst {:.3}; params {:?}; butterfly {:?}",
        ks.len(),
        100.0 * rmse,
        100.0 * worst,
        fit.params,
        bfly
    );
    assert!(rmse < 0.01, "RMSE {rmse}");
    // Inside the quoted range the fitted density is non-negative (an unconstrained raw-SVI
    // fit may still carry butterfly arbitrage in its extrapolated wing: reported above).
    let (k_lo, k_hi) = (
        fit.log_moneyness(ks[0]),
        fit.log_moneyness(ks[ks.len() - 1]),
    );
    let g_in = (0..=1000)
        .map(|i| durrleman_g(&fit.params, k_lo + (k_hi - k_lo) * f64::from(i) / 1000.0))
        .fold(f64::INFINITY, f64::min);
    println!("min g over the quoted range [{k_lo:.3}, {k_hi:.3}]: {g_in:.4}");
    assert!(g_in > 0.0);
    // ATM vol sane for SPX in Sep 2023 (VIX closed near 13 that day).
    let atm = fit.implied_vol(forward).unwrap();
    assert!(atm > 0.08 && atm < 0.2, "ATM vol {atm}");
}
