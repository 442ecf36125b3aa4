//! Indicators TA-Lib lacks (VWAP, Keltner, Donchian, z-score, historical volatility):
//! hand-computed small cases and closed forms. Also a few TA-Lib ones on series whose
//! answer is known exactly.

use thetalab_indicators as ind;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn vwap_hand_computed_and_resets_each_session() {
    // TP = (H+L+C)/3: bar0 (12+8+10)/3 = 10, bar1 (22+18+20)/3 = 20, bar2 (31+29+30)/3 = 30.
    let h = [12.0, 22.0, 31.0, 31.0];
    let l = [8.0, 18.0, 29.0, 29.0];
    let c = [10.0, 20.0, 30.0, 30.0];
    let v = [100.0, 300.0, 50.0, 0.0];
    let s = [true, false, true, false];
    let out = ind::vwap(&h, &l, &c, &v, &s).unwrap();
    assert_eq!(out[0], 10.0);
    // (10·100 + 20·300) / 400 = 17.5
    assert_eq!(out[1], 17.5);
    // new session: only bar 2
    assert_eq!(out[2], 30.0);
    // zero volume keeps the session's VWAP
    assert_eq!(out[3], 30.0);
    // A session that starts with no volume has no VWAP yet.
    let out = ind::vwap(
        &h,
        &l,
        &c,
        &[0.0, 10.0, 0.0, 0.0],
        &[true, false, true, false],
    )
    .unwrap();
    assert!(out[0].is_nan());
    assert_eq!(out[1], 20.0);
    assert!(out[2].is_nan() && out[3].is_nan());
}

#[test]
fn session_starts_follow_the_new_york_date() {
    use thetalab_core::Timestamp;
    // 2024-03-04 14:30Z = 09:30 New York; 20:59Z = 15:59; next day 14:30Z.
    let t = |s: &str| Timestamp::parse_rfc3339(s).unwrap();
    let ts = [
        t("2024-03-04T14:30:00Z"),
        t("2024-03-04T20:59:00Z"),
        t("2024-03-05T03:00:00Z"),
        t("2024-03-05T14:30:00Z"),
    ];
    // 03:00Z on the 5th is still the 4th in New York (22:00 EST).
    assert_eq!(ind::session_starts(&ts), vec![true, false, false, true]);
}

#[test]
fn donchian_hand_computed() {
    let h = [3.0, 5.0, 4.0, 2.0, 6.0];
    let l = [1.0, 2.0, 0.5, 1.5, 3.0];
    let d = ind::donchian(&h, &l, 3).unwrap();
    assert!(d.upper[1].is_nan());
    assert_eq!((d.upper[2], d.lower[2], d.middle[2]), (5.0, 0.5, 2.75));
    assert_eq!((d.upper[3], d.lower[3]), (5.0, 0.5));
    assert_eq!((d.upper[4], d.lower[4], d.middle[4]), (6.0, 0.5, 3.25));
}

#[test]
fn keltner_is_ema_plus_minus_multiple_of_atr() {
    // Constant bars with range 2 and no gaps: TR = 2 every bar, ATR = 2, EMA = close.
    let n = 40;
    let c = vec![50.0; n];
    let h = vec![51.0; n];
    let l = vec![49.0; n];
    let k = ind::keltner(&h, &l, &c, 20, 10, 2.0).unwrap();
    assert!(k.middle[18].is_nan());
    for i in 19..n {
        assert_eq!((k.upper[i], k.middle[i], k.lower[i]), (54.0, 50.0, 46.0));
    }
    // And on real bars it is exactly EMA ± m·ATR of this crate.
    let d = crate::common::aapl();
    let k = ind::keltner(&d.high, &d.low, &d.close, 20, 10, 1.5).unwrap();
    let e = ind::ema(&d.close, 20).unwrap();
    let a = ind::atr(&d.high, &d.low, &d.close, 10).unwrap();
    for i in 19..d.close.len() {
        assert_eq!(k.upper[i], e[i] + 1.5 * a[i]);
        assert_eq!(k.lower[i], e[i] - 1.5 * a[i]);
    }
}

#[test]
fn zscore_hand_computed_and_matches_bollinger() {
    // Window [1, 2, 3, 4]: mean 2.5, population variance 1.25.
    let z = ind::zscore(&[1.0, 2.0, 3.0, 4.0], 4).unwrap();
    assert!(z[2].is_nan());
    assert!(close(z[3], 1.5 / 1.25f64.sqrt(), 1e-15));
    // Constant window: z = 0.
    assert_eq!(ind::zscore(&[7.0; 5], 3).unwrap()[4], 0.0);
    // z = (x − middle) / ((upper − middle)/k) with Bollinger's population σ.
    let d = crate::common::aapl();
    let z = ind::zscore(&d.close, 20).unwrap();
    let b = ind::bbands(&d.close, 20, 2.0, 2.0).unwrap();
    for i in 19..d.close.len() {
        let sd = (b.upper[i] - b.middle[i]) / 2.0;
        assert!(close(z[i], (d.close[i] - b.middle[i]) / sd, 1e-8), "{i}");
    }
}

#[test]
fn linreg_slope_of_a_line_is_its_slope() {
    let x: Vec<f64> = (0..30).map(|i| 3.0 + 0.25 * f64::from(i)).collect();
    let s = ind::linreg_slope(&x, 14).unwrap();
    for v in &s[13..] {
        assert!(close(*v, 0.25, 1e-13));
    }
}

#[test]
fn hv_close_to_close_closed_form() {
    // Alternating log returns ±r: sample variance over n returns (n even) has
    // mean 0, Σr² = n·r², so var = n·r²/(n − 1).
    let r = 0.01f64;
    let mut c = vec![100.0f64];
    for i in 0..40 {
        let last = c[c.len() - 1];
        c.push(last * if i % 2 == 0 { r.exp() } else { (-r).exp() });
    }
    let hv = ind::hv_close_to_close(&c, 20, 252.0).unwrap();
    assert!(hv[19].is_nan());
    let expected = (20.0 * r * r / 19.0 * 252.0).sqrt();
    assert!(close(hv[20], expected, 1e-10), "{} vs {expected}", hv[20]);
    // A constant growth rate has zero volatility.
    let g: Vec<f64> = (0..30)
        .map(|i| 100.0 * (0.001 * f64::from(i)).exp())
        .collect();
    assert!(ind::hv_close_to_close(&g, 10, 252.0).unwrap()[29] < 1e-10);
}

#[test]
fn hv_range_estimators_closed_forms() {
    // Every bar: H/L = e^u, open = close = geometric middle, previous close = open.
    let u = 0.02f64;
    let n = 30;
    let mid = 100.0f64;
    let h = vec![mid * (u / 2.0).exp(); n];
    let l = vec![mid * (-u / 2.0).exp(); n];
    let o = vec![mid; n];
    let c = vec![mid; n];
    let ln2 = std::f64::consts::LN_2;
    // Parkinson (1980): σ² = u² / (4 ln 2).
    let pk = ind::hv_parkinson(&h, &l, 10, 252.0).unwrap();
    assert!(pk[8].is_nan());
    assert!(close(pk[9], (u * u / (4.0 * ln2) * 252.0).sqrt(), 1e-12));
    // Garman-Klass (1980) with C = O: σ² = ½u².
    let gk = ind::hv_garman_klass(&o, &h, &l, &c, 10, 252.0).unwrap();
    assert!(close(gk[9], (0.5 * u * u * 252.0).sqrt(), 1e-12));
    // With C = O = the range's geometric middle, ln(H/C) = ln(H/O) = u/2 and
    // ln(L/C) = ln(L/O) = −u/2: RS term = u²/2; no overnight or open-to-close
    // variance, so Yang-Zhang (2000): σ² = (1 − k)·u²/2.
    let yz = ind::hv_yang_zhang(&o, &h, &l, &c, 10, 252.0).unwrap();
    assert!(yz[9].is_nan());
    let k = 0.34 / (1.34 + 11.0 / 9.0);
    assert!(close(
        yz[10],
        ((1.0 - k) * u * u / 2.0 * 252.0).sqrt(),
        1e-12
    ));
    // Annualisation is a parameter: 52 weeks.
    let pkw = ind::hv_parkinson(&h, &l, 10, 52.0).unwrap();
    assert!(close(pkw[9], pk[9] * (52.0f64 / 252.0).sqrt(), 1e-12));
}

#[test]
fn yang_zhang_hand_computed_window() {
    // Two-bar window (n = 2) computed by hand from the definitions.
    let o = [100.0, 101.0, 99.0];
    let h = [102.0, 103.0, 100.5];
    let l = [99.0, 100.0, 97.0];
    let c = [101.0, 102.0, 98.0];
    let ov = [(101.0f64 / 101.0).ln(), (99.0f64 / 102.0).ln()];
    let oc = [(102.0f64 / 101.0).ln(), (98.0f64 / 99.0).ln()];
    let rs =
        |h: f64, l: f64, o: f64, c: f64| (h / c).ln() * (h / o).ln() + (l / c).ln() * (l / o).ln();
    let var2 = |a: [f64; 2]| {
        let m = (a[0] + a[1]) / 2.0;
        (a[0] - m).powi(2) + (a[1] - m).powi(2)
    };
    let k = 0.34 / (1.34 + 3.0);
    let v = var2(ov)
        + k * var2(oc)
        + (1.0 - k) * (rs(103.0, 100.0, 101.0, 102.0) + rs(100.5, 97.0, 99.0, 98.0)) / 2.0;
    let yz = ind::hv_yang_zhang(&o, &h, &l, &c, 2, 252.0).unwrap();
    assert!(
        close(yz[2], (v * 252.0).sqrt(), 1e-12),
        "{} vs {}",
        yz[2],
        (v * 252.0).sqrt()
    );
}

#[test]
fn errors_name_the_input_at_fault() {
    let e = ind::sma(&[1.0], 0).unwrap_err();
    assert_eq!(
        e,
        ind::IndicatorError::InvalidPeriod {
            indicator: "SMA",
            name: "period",
            value: 0,
            min: 1
        }
    );
    let e = ind::atr(&[1.0, 2.0], &[1.0], &[1.0, 2.0], 3).unwrap_err();
    assert!(e.to_string().contains("`low`"), "{e}");
    let e = ind::bbands(&[1.0], 2, f64::NAN, 2.0).unwrap_err();
    assert!(e.to_string().contains("nbdev_up"), "{e}");
    let mut out = [0.0; 2];
    assert!(matches!(
        ind::ema_into(&[1.0, 2.0, 3.0], 2, &mut out),
        Err(ind::IndicatorError::OutputLength { .. })
    ));
    assert!(ind::HistVol::new(ind::HvEstimator::YangZhang, 1, 252.0).is_err());
    assert!(ind::HistVol::new(ind::HvEstimator::Parkinson, 5, 0.0).is_err());
    assert!(ind::Sar::new(-0.1, 0.2).is_err());
}

#[test]
fn short_and_empty_inputs_are_all_nan() {
    assert!(ind::sma(&[], 5).unwrap().is_empty());
    assert!(ind::ema(&[1.0, 2.0], 5).unwrap().iter().all(|x| x.is_nan()));
    assert!(
        ind::rsi(&[1.0, 2.0, 3.0], 3)
            .unwrap()
            .iter()
            .all(|x| x.is_nan())
    );
    assert!(ind::atr(&[1.0], &[1.0], &[1.0], 1).unwrap()[0].is_nan());
    assert!(
        ind::macd(&[1.0; 10], 12, 26, 9)
            .unwrap()
            .macd
            .iter()
            .all(|x| x.is_nan())
    );
    assert_eq!(ind::obv(&[1.0], &[5.0]).unwrap(), vec![5.0]);
}
