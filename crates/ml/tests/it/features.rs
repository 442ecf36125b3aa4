//! Features: no look-ahead (perturb the future, compare the past bit for bit), declared
//! look-backs, and a handful of features against independent references.

use chrono::{Datelike, NaiveDate, NaiveTime};
use thetalab_core::Timestamp;
use thetalab_data::calendar::NyseCalendar;
use thetalab_ml::features::{
    BarData, ChainSummary, Event, EventCalendar, EventKind, FeatureGroup, FeatureInputs,
    FeatureSet, FeatureSpec, Interval, VolInputs,
};

/// SplitMix64: a tiny seeded generator for test paths.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-300), self.next());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

fn sessions(n: usize) -> Vec<NaiveDate> {
    let cal = NyseCalendar::new();
    let mut d = NaiveDate::from_ymd_opt(2020, 1, 2).unwrap();
    let mut out = Vec::new();
    while out.len() < n {
        if cal.is_session(d) {
            out.push(d);
        }
        d = d.succ_opt().unwrap();
    }
    out
}

/// A random-walk OHLCV path stamped on `ts`.
fn walk(ts: Vec<Timestamp>, seed: u64, vol: f64) -> BarData {
    let mut r = Rng(seed);
    let mut c = 100.0;
    let mut b = BarData {
        symbol: "TST".into(),
        ts,
        ..BarData::default()
    };
    for _ in 0..b.ts.len() {
        let o = c * (1.0 + 0.3 * vol * r.normal());
        c = o * (1.0 + vol * r.normal());
        b.open.push(o);
        b.close.push(c);
        b.high.push(o.max(c) * (1.0 + vol * r.next()));
        b.low.push(o.min(c) * (1.0 - vol * r.next()));
        b.volume.push(1e6 * (0.5 + r.next()));
    }
    b
}

fn daily_ts(days: &[NaiveDate]) -> Vec<Timestamp> {
    days.iter()
        .map(|d| Timestamp::from_ny(*d, NaiveTime::MIN).unwrap())
        .collect()
}

fn vol_inputs(days: &[NaiveDate], seed: u64) -> VolInputs {
    let cal = NyseCalendar::new();
    let mut r = Rng(seed);
    let mut v = VolInputs::default();
    let mut x: f64 = 16.0;
    for d in days {
        x = (x * (1.0 + 0.05 * r.normal())).clamp(9.0, 80.0);
        v.known_at.push(cal.session(*d).unwrap().unwrap().close);
        v.vix9d.push(x * (0.9 + 0.2 * r.next()));
        v.vix.push(x);
        v.vix3m.push(x * (1.0 + 0.1 * r.next()));
    }
    v
}

fn chain_summaries(days: &[NaiveDate], seed: u64) -> Vec<ChainSummary> {
    let mut r = Rng(seed);
    days.iter()
        .map(|d| {
            let atm = 0.12 + 0.1 * r.next();
            ChainSummary {
                ts: Timestamp::from_ny(*d, NaiveTime::from_hms_opt(15, 45, 0).unwrap()).unwrap(),
                spot: 4000.0 + 100.0 * r.next(),
                atm_iv_front: atm * (0.9 + 0.2 * r.next()),
                atm_iv_30d: atm,
                put25_iv: atm + 0.03 * r.next(),
                call25_iv: atm - 0.02 * r.next(),
                gex_bn: r.normal(),
                pc_volume_ratio: 0.5 + r.next(),
                pc_oi_ratio: 0.8 + r.next(),
            }
        })
        .collect()
}

fn events(days: &[NaiveDate]) -> EventCalendar {
    let ev = days
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match i % 23 {
            0 => Some(Event {
                date: *d,
                kind: EventKind::Fomc,
                symbol: None,
            }),
            7 => Some(Event {
                date: *d,
                kind: EventKind::Cpi,
                symbol: None,
            }),
            11 => Some(Event {
                date: *d,
                kind: EventKind::Earnings,
                symbol: Some("TST".into()),
            }),
            _ => None,
        })
        .collect();
    EventCalendar::new(ev)
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Perturbs every bar after `t` and every side observation known after bar `t` is final.
fn perturbed(
    bars: &BarData,
    vol: &VolInputs,
    chain: &[ChainSummary],
    t: usize,
    interval: Interval,
    seed: u64,
) -> (BarData, VolInputs, Vec<ChainSummary>) {
    let mut r = Rng(seed);
    let cut = bars.known_at(interval).unwrap()[t];
    let mut b = bars.clone();
    for i in (t + 1)..b.len() {
        let k = 1.0 + 0.2 * r.normal();
        b.open[i] *= k;
        b.close[i] *= 1.0 + 0.2 * r.normal();
        b.high[i] = b.high[i].max(b.open[i]).max(b.close[i]) * 1.05;
        b.low[i] = b.low[i].min(b.open[i]).min(b.close[i]) * 0.95;
        b.volume[i] *= 3.0 * r.next();
    }
    let mut v = vol.clone();
    for j in 0..v.len() {
        if v.known_at[j] > cut {
            v.vix[j] *= 1.5;
            v.vix9d[j] *= 0.5;
            v.vix3m[j] += 7.0;
        }
    }
    let mut c = chain.to_vec();
    for s in &mut c {
        if s.ts > cut {
            s.atm_iv_30d *= 2.0;
            s.atm_iv_front += 0.1;
            s.put25_iv += 0.2;
            s.call25_iv *= 0.3;
            s.gex_bn = -s.gex_bn - 1.0;
            s.pc_volume_ratio += 1.0;
            s.pc_oi_ratio *= 4.0;
        }
    }
    (b, v, c)
}

fn check_no_lookahead(
    interval: Interval,
    bars: &BarData,
    vol: &VolInputs,
    chain: &[ChainSummary],
    cal: &EventCalendar,
) {
    let set = FeatureSet::new(FeatureSpec::all(interval));
    let base_in = FeatureInputs {
        bars,
        interval,
        vol: Some(vol),
        chain: Some(chain),
        events: Some(cal),
    };
    let base = set.compute(&base_in).unwrap();
    let mut r = Rng(99);
    let n = bars.len();
    for k in 0..8 {
        let t = 1 + (r.next() * (n - 2) as f64) as usize;
        let (b, v, c) = perturbed(bars, vol, chain, t, interval, 1000 + k);
        let inp = FeatureInputs {
            bars: &b,
            interval,
            vol: Some(&v),
            chain: Some(&c),
            events: Some(cal),
        };
        let m = set.compute(&inp).unwrap();
        for row in 0..=t {
            for col in 0..set.len() {
                let (x, y) = (base.get(row, col).unwrap(), m.get(row, col).unwrap());
                assert!(
                    same(x, y),
                    "{} at row {row} (t = {t}) changed: {x} vs {y}",
                    set.names()[col]
                );
            }
        }
        // The perturbation is real: some later value moved.
        let moved = (t + 1..n).any(|row| {
            (0..set.len()).any(|col| !same(base.get(row, col).unwrap(), m.get(row, col).unwrap()))
        });
        assert!(moved || t + 1 == n);
    }
}

#[test]
fn no_lookahead_daily() {
    let days = sessions(400);
    let bars = walk(daily_ts(&days), 7, 0.012);
    check_no_lookahead(
        Interval::Daily,
        &bars,
        &vol_inputs(&days, 8),
        &chain_summaries(&days, 9),
        &events(&days),
    );
}

#[test]
fn no_lookahead_intraday() {
    // Three sessions of 5-minute bars: every value also depends on side series by time.
    let days = sessions(4);
    let mut ts = Vec::new();
    for d in &days {
        let open = Timestamp::from_ny(*d, NaiveTime::from_hms_opt(9, 30, 0).unwrap()).unwrap();
        for k in 0..78 {
            ts.push(open.checked_add_nanos(k * 300 * 1_000_000_000).unwrap());
        }
    }
    let bars = walk(ts, 17, 0.002);
    // Summaries every 30 minutes.
    let mut r = Rng(5);
    let chain: Vec<ChainSummary> = bars
        .ts
        .iter()
        .step_by(6)
        .map(|t| ChainSummary {
            ts: *t,
            spot: 4000.0,
            atm_iv_front: 0.1 + 0.1 * r.next(),
            atm_iv_30d: 0.15 + 0.05 * r.next(),
            put25_iv: 0.2,
            call25_iv: 0.1 + 0.05 * r.next(),
            gex_bn: r.normal(),
            pc_volume_ratio: r.next(),
            pc_oi_ratio: r.next(),
        })
        .collect();
    check_no_lookahead(
        Interval::Minutes(5),
        &bars,
        &vol_inputs(&days, 3),
        &chain,
        &events(&days),
    );
}

#[test]
fn first_defined_value_is_at_the_declared_lookback() {
    let days = sessions(600);
    let bars = walk(daily_ts(&days), 21, 0.015);
    let set = FeatureSet::new(FeatureSpec::bars_only(Interval::Daily));
    let m = set
        .compute(&FeatureInputs::bars(&bars, Interval::Daily))
        .unwrap();
    let mut wrong = Vec::new();
    for (c, d) in set.defs().iter().enumerate() {
        let col = m.column(c).unwrap();
        let first = col.iter().position(|v| v.is_finite()).unwrap();
        if first != d.lookback {
            wrong.push(format!(
                "{}: first value at {first}, declared {}",
                d.name, d.lookback
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!(set.max_lookback(), 250);
    // Every row past the longest look-back is complete.
    assert!((set.max_lookback()..m.n_rows).all(|r| m.row_is_complete(r)));
}

#[test]
fn features_match_independent_references() {
    use thetalab_indicators as ind;
    let days = sessions(300);
    let bars = walk(daily_ts(&days), 31, 0.01);
    let vol = vol_inputs(&days, 32);
    let cal = events(&days);
    let set = FeatureSet::new(FeatureSpec {
        interval: Interval::Daily,
        regime: true,
        options: false,
        events: true,
    });
    let m = set
        .compute(&FeatureInputs {
            bars: &bars,
            interval: Interval::Daily,
            vol: Some(&vol),
            chain: None,
            events: Some(&cal),
        })
        .unwrap();
    let col = |name: &str| m.column_by_name(name).unwrap();
    let (c, h, l, o, v) = (&bars.close, &bars.high, &bars.low, &bars.open, &bars.volume);
    let t = 280;
    // Closed forms by hand.
    assert_eq!(col("ret_log_5")[t], (c[t] / c[t - 5]).ln());
    let sma20: f64 = c[t - 19..=t].iter().sum::<f64>() / 20.0;
    assert!((col("sma_dist_20")[t] - (c[t] / sma20 - 1.0)).abs() < 1e-12);
    assert_eq!(col("close_location")[t], (c[t] - l[t]) / (h[t] - l[t]));
    assert_eq!(col("gap_log")[t], (o[t] / c[t - 1]).ln());
    let (pv, vv) = (t - 4..=t).fold((0.0, 0.0), |(a, b), i| {
        (a + (h[i] + l[i] + c[i]) / 3.0 * v[i], b + v[i])
    });
    assert!((col("vwap_dist_5")[t] - (c[t] / (pv / vv) - 1.0)).abs() < 1e-12);
    let hi250 = h[t - 249..=t].iter().cloned().fold(f64::MIN, f64::max);
    assert_eq!(col("dist_high_250")[t], c[t] / hi250 - 1.0);
    let r: Vec<f64> = (t - 19..=t).map(|i| (c[i] / c[i - 1]).ln()).collect();
    let mean = r.iter().sum::<f64>() / 20.0;
    let m2 = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 20.0;
    let m3 = r.iter().map(|x| (x - mean).powi(3)).sum::<f64>() / 20.0;
    assert!((col("ret_skew_20")[t] - m3 / m2.powf(1.5)).abs() < 1e-9);
    // TA-Lib-exact indicators (tested against TA-Lib in thetalab-indicators) via the indicator.
    assert_eq!(col("rsi_14")[t], ind::rsi(c, 14).unwrap()[t]);
    assert_eq!(col("adx_14")[t], ind::adx(h, l, c, 14).unwrap()[t]);
    assert_eq!(
        col("rv_cc_20")[t],
        ind::hv_close_to_close(c, 20, 252.0).unwrap()[t]
    );
    // Calendar.
    let d = days[t];
    assert_eq!(
        col(&format!(
            "dow_{}",
            ["mon", "tue", "wed", "thu", "fri"][d.weekday().num_days_from_monday() as usize]
        ))[t],
        1.0
    );
    let next_fomc = days
        .iter()
        .enumerate()
        .filter(|(i, x)| i % 23 == 0 && **x >= d)
        .map(|(_, x)| *x)
        .next()
        .unwrap();
    assert_eq!(col("days_to_fomc")[t], (next_fomc - d).num_days() as f64);
    // Regime: the VIX row is the close of the same session (known at the close).
    assert_eq!(col("vix")[t], vol.vix[t]);
    assert_eq!(col("vix_vix3m")[t], vol.vix[t] / vol.vix3m[t]);
    assert_eq!(col("vix_chg_5")[t], (vol.vix[t] / vol.vix[t - 5]).ln());
    let rv = ind::hv_close_to_close(c, 20, 252.0).unwrap()[t];
    assert!((col("vrp_20")[t] - ((vol.vix[t] / 100.0).powi(2) - rv * rv)).abs() < 1e-15);
    let below = vol.vix[t - 251..=t]
        .iter()
        .filter(|x| **x < vol.vix[t])
        .count();
    assert!((col("vix_pctrank_252")[t] - below as f64 / 251.0).abs() < 1e-12);
}

#[test]
fn own_formulas_match_hand_computations_and_identities() {
    // The features the crate defines itself (not a thetalab_indicators call), each
    // recomputed from its description over the window ending at one bar.
    let days = sessions(300);
    let bars = walk(daily_ts(&days), 41, 0.012);
    let set = FeatureSet::new(FeatureSpec::bars_only(Interval::Daily));
    let m = set
        .compute(&FeatureInputs::bars(&bars, Interval::Daily))
        .unwrap();
    let col = |name: &str| m.column_by_name(name).unwrap();
    let (c, o, v) = (&bars.close, &bars.open, &bars.volume);
    let t = 270;
    let close_enough = |got: f64, want: f64, name: &str| {
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{name}: {got} vs {want}"
        );
    };
    let w = 20;
    let r: Vec<f64> = (t + 1 - w..=t).map(|i| (c[i] / c[i - 1]).ln()).collect();
    let mean = r.iter().sum::<f64>() / w as f64;
    let pm = |k: i32| r.iter().map(|x| (x - mean).powi(k)).sum::<f64>() / w as f64;
    // Downside semi-deviation, annualised with 252 (Sortino's downside deviation, target 0).
    let down = r.iter().map(|x| x.min(0.0).powi(2)).sum::<f64>() / w as f64;
    close_enough(col("rv_down_20")[t], (down * 252.0).sqrt(), "rv_down_20");
    // Population excess kurtosis m4 / m2² − 3 (scipy.stats.kurtosis, fisher, bias=True).
    close_enough(
        col("ret_kurt_20")[t],
        pm(4) / pm(2).powi(2) - 3.0,
        "ret_kurt_20",
    );
    // Gap share of the squared close-to-close returns.
    let g2: f64 = (t + 1 - w..=t)
        .map(|i| (o[i] / c[i - 1]).ln().powi(2))
        .sum();
    let r2: f64 = r.iter().map(|x| x * x).sum();
    close_enough(col("gap_var_share_20")[t], g2 / r2, "gap_var_share_20");
    // Volume traded on up bars over all volume.
    let (up, all) = (t + 1 - w..=t).fold((0.0, 0.0), |(a, b), i| {
        (a + if c[i] > c[i - 1] { v[i] } else { 0.0 }, b + v[i])
    });
    close_enough(col("up_volume_share_20")[t], up / all, "up_volume_share_20");
    // z-score of ln(1 + volume), population standard deviation.
    let lv: Vec<f64> = (t + 1 - w..=t).map(|i| v[i].ln_1p()).collect();
    let lm = lv.iter().sum::<f64>() / w as f64;
    let ls = (lv.iter().map(|x| (x - lm).powi(2)).sum::<f64>() / w as f64).sqrt();
    close_enough(
        col("log_volume_z_20")[t],
        (lv[w - 1] - lm) / ls,
        "log_volume_z_20",
    );
    close_enough(
        col("dollar_volume_log")[t],
        (c[t] * v[t]).ln_1p(),
        "dollar_volume_log",
    );
    // Bollinger with the population sd (TA-Lib): %B = 1/2 + z/4 and width = 4σ / SMA, with
    // z the 20-bar z-score of the close — an identity between two separate code paths.
    // TA-Lib's BBANDS takes σ from running sums, E[x²] − x̄², which cancels about
    // x̄² / σ² ≈ 1e4 of the digits here, hence 1e-9 rather than 1e-12.
    let bb_close = |got: f64, want: f64, name: &str| {
        assert!(
            (got - want).abs() <= 1e-9 * want.abs(),
            "{name}: {got} vs {want}"
        );
    };
    let z = col("zscore_20")[t];
    bb_close(
        col("bb_pctb_20")[t],
        0.5 + z / 4.0,
        "bb_pctb_20 = 1/2 + z/4",
    );
    let cm = c[t + 1 - w..=t].iter().sum::<f64>() / w as f64;
    let cs = (c[t + 1 - w..=t]
        .iter()
        .map(|x| (x - cm).powi(2))
        .sum::<f64>()
        / w as f64)
        .sqrt();
    bb_close(col("bb_width_20")[t], 4.0 * cs / cm, "bb_width_20");
    // Ratio of realised vols is the ratio of the two columns.
    close_enough(
        col("rv_ratio_5_20")[t],
        col("rv_cc_5")[t] / col("rv_cc_20")[t],
        "rv_ratio_5_20",
    );
    // Calendar: position in the month.
    let d = days[t];
    let next_month = if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    }
    .unwrap();
    let month_len =
        (next_month - NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap()).num_days() as f64;
    assert_eq!(col("days_to_month_end")[t], month_len - f64::from(d.day()));
    assert_eq!(
        col("day_of_month_frac")[t],
        f64::from(d.day() - 1) / (month_len - 1.0)
    );
}

#[test]
fn missing_inputs_are_typed_errors_and_many_equals_one() {
    let days = sessions(60);
    let bars = walk(daily_ts(&days), 41, 0.01);
    let set = FeatureSet::new(FeatureSpec {
        regime: true,
        ..FeatureSpec::bars_only(Interval::Daily)
    });
    let e = set
        .compute(&FeatureInputs::bars(&bars, Interval::Daily))
        .unwrap_err();
    assert!(
        matches!(
            e,
            thetalab_ml::MlError::MissingInput {
                group: "regime",
                ..
            }
        ),
        "{e}"
    );
    let plain = FeatureSet::new(FeatureSpec::bars_only(Interval::Daily));
    let other = walk(daily_ts(&days), 42, 0.02);
    let many = plain
        .compute_many(&[
            FeatureInputs::bars(&bars, Interval::Daily),
            FeatureInputs::bars(&other, Interval::Daily),
        ])
        .unwrap();
    let one = plain
        .compute(&FeatureInputs::bars(&other, Interval::Daily))
        .unwrap();
    assert_eq!(
        (many[1].names.clone(), many[1].ts.clone()),
        (one.names.clone(), one.ts.clone())
    );
    assert!(
        many[1]
            .data
            .iter()
            .zip(&one.data)
            .all(|(a, b)| same(*a, *b))
    );
    assert!(
        plain
            .compute(&FeatureInputs::bars(&bars, Interval::Minutes(5)))
            .is_err()
    );
    assert!(
        plain
            .defs()
            .iter()
            .any(|d| d.group == FeatureGroup::Technical)
    );
}

/// A chain priced by Black-Scholes-Merton on a known smile `σ(K) = a − b·ln(K/S)`, quoted
/// at bid = ask = model price: the summary must give back the smile.
fn bsm_chain(a: f64, b: f64) -> (thetalab_data::ChainSnapshot, f64) {
    use thetalab_core::{OptionRight, OptionRoot};
    use thetalab_data::{ChainSnapshot, OptionQuote};
    use thetalab_pricing::{OptionInputs, bsm};
    let day = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    let ts = Timestamp::from_ny(day, NaiveTime::from_hms_opt(16, 0, 0).unwrap()).unwrap();
    let spot: f64 = 5000.0;
    let mut snap = ChainSnapshot {
        ts,
        underlying: "SPX".into(),
        ..ChainSnapshot::default()
    };
    let root = OptionRoot::new("SPXW").unwrap();
    for days in [7i64, 21, 45] {
        let expiry = day + chrono::Duration::days(days);
        let t = Timestamp::years_between(
            ts,
            Timestamp::from_ny(expiry, NaiveTime::from_hms_opt(16, 0, 0).unwrap()).unwrap(),
        );
        let mut k = 4000.0;
        while k <= 6000.0 {
            for right in [OptionRight::Call, OptionRight::Put] {
                let sigma = a - b * (k / spot).ln();
                let p = bsm::price(&OptionInputs::new(right, spot, k, t, 0.04, 0.01, sigma));
                snap.push(
                    root,
                    &OptionQuote {
                        ts,
                        underlying_price: Some(spot),
                        expiry,
                        strike: k,
                        right,
                        bid: Some(p),
                        ask: Some(p),
                        bid_size: None,
                        ask_size: None,
                        last: None,
                        volume: if right == OptionRight::Put { 30 } else { 20 },
                        open_interest: Some(100),
                        iv: None,
                        delta: None,
                        gamma: None,
                        vega: None,
                        theta: None,
                    },
                );
            }
            k += 25.0;
        }
    }
    (snap, spot)
}

#[test]
fn chain_summary_recovers_a_known_smile() {
    use thetalab_ml::features::{ChainFeatureConfig, summarize_chain};
    let cfg = ChainFeatureConfig {
        rate: 0.04,
        dividend_yield: 0.01,
        ..ChainFeatureConfig::default()
    };
    // Flat 20% vol: every vol is 0.2 (IV inversion to ~1e-10 at these prices).
    let (snap, _) = bsm_chain(0.2, 0.0);
    let s = summarize_chain(&snap, &cfg).unwrap();
    for v in [s.atm_iv_front, s.atm_iv_30d, s.put25_iv, s.call25_iv] {
        assert!((v - 0.2).abs() < 1e-8, "{s:?}");
    }
    assert!((s.pc_volume_ratio - 1.5).abs() < 1e-15);
    assert!((s.pc_oi_ratio - 1.0).abs() < 1e-15);
    // A skewed smile: the 25-delta put sits below spot (higher vol), the call above.
    let (snap, spot) = bsm_chain(0.2, 0.5);
    let s = summarize_chain(&snap, &cfg).unwrap();
    assert!(s.put25_iv > 0.2 && s.call25_iv < 0.2, "{s:?}");
    // ATM: the smile at K = S is exactly a (to the strike grid's linear interpolation).
    assert!((s.atm_iv_30d - 0.2).abs() < 2e-4, "{}", s.atm_iv_30d);
    // GEX equals the pricing crate's total on the same (true) vols.
    use thetalab_pricing::gex;
    let t: Vec<f64> = (0..snap.len())
        .map(|i| {
            Timestamp::years_between(
                snap.ts,
                Timestamp::from_ny(snap.expiry[i], NaiveTime::from_hms_opt(16, 0, 0).unwrap())
                    .unwrap(),
            )
        })
        .collect();
    let iv: Vec<f64> = (0..snap.len())
        .map(|i| 0.2 - 0.5 * (snap.strike[i] / spot).ln())
        .collect();
    let oi = vec![100.0; snap.len()];
    let chain = gex::Chain {
        strike: &snap.strike,
        right: &snap.right,
        open_interest: &oi,
        iv: &iv,
        t: &t,
    };
    let want = gex::total_gex(&chain, spot, 0.04, 0.01, 100.0).unwrap() / 1e9;
    assert!(
        (s.gex_bn - want).abs() < 1e-6 * want.abs().max(1e-3),
        "{} vs {want}",
        s.gex_bn
    );
}

#[test]
fn synthetic_chain_summary_agrees_with_the_synthetic_vix() {
    use thetalab_data::synth::{SynthConfig, SyntheticMarket};
    use thetalab_ml::features::{ChainFeatureConfig, snapshots_from_rows, summarize_chain};
    let cfg = SynthConfig {
        sessions: 3,
        chain_every_minutes: 390,
        ..SynthConfig::default()
    };
    let m = SyntheticMarket::new(cfg.clone()).unwrap();
    let vix = m.vol_indices().vix;
    let snaps = snapshots_from_rows(&m.chain_day(2).unwrap()).unwrap();
    let c = ChainFeatureConfig {
        rate: cfg.rate,
        dividend_yield: cfg.dividend_yield,
        ..ChainFeatureConfig::default()
    };
    let s = summarize_chain(snaps.last().unwrap(), &c).unwrap();
    // Both come from the generator's expected variance over ~30 days (its VIX uses the
    // variance-swap formula, the smile's ATM point the same variance): within 2 points.
    let v = vix.bars[2].close / 100.0;
    assert!(
        (s.atm_iv_30d - v).abs() < 0.02,
        "ATM 30d {} vs VIX {v}",
        s.atm_iv_30d
    );
    assert!(s.put25_iv > s.call25_iv, "index skew: {s:?}");
    assert!(s.gex_bn.is_finite() && s.pc_oi_ratio > 0.0);
}

#[test]
fn features_served_from_the_shared_cache_equal_their_indicator_outputs() {
    // Several features read one indicator computed once per symbol (`Ctx::shared`),
    // picking an output by position: MACD [line, signal, hist], Bollinger [upper, middle,
    // lower], STOCH / STOCHRSI [k, d], AROON [up, down]. A swapped index would still give
    // plausible numbers, so every row is checked against the indicator's own named
    // output (those indicators are tested against TA-Lib in thetalab-indicators).
    use thetalab_indicators as ind;
    let days = sessions(400);
    let bars = walk(daily_ts(&days), 51, 0.013);
    let set = FeatureSet::new(FeatureSpec::bars_only(Interval::Daily));
    let m = set
        .compute(&FeatureInputs::bars(&bars, Interval::Daily))
        .unwrap();
    let (c, h, l, o) = (&bars.close, &bars.high, &bars.low, &bars.open);
    let n = c.len();
    let check = |name: &str, want: &[f64]| {
        let got = m.column_by_name(name).unwrap();
        assert_eq!(got.len(), want.len(), "{name}");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(same(*g, *w), "{name} row {i}: {g} vs {w}");
        }
        assert!(got.iter().any(|v| v.is_finite()), "{name} is all NaN");
    };
    let over_close = |x: &[f64]| -> Vec<f64> { (0..n).map(|i| x[i] / c[i]).collect() };
    let mc = ind::macd(c, 12, 26, 9).unwrap();
    check("macd_12_26_9", &over_close(&mc.macd));
    check("macd_signal_12_26_9", &over_close(&mc.signal));
    check("macd_hist_12_26_9", &over_close(&mc.hist));
    check(
        "macd_hist_5_35_5",
        &over_close(&ind::macd(c, 5, 35, 5).unwrap().hist),
    );
    for p in [10, 20, 50] {
        let bb = ind::bbands(c, p, 2.0, 2.0).unwrap();
        let pctb: Vec<f64> = (0..n)
            .map(|i| {
                if bb.upper[i] > bb.lower[i] {
                    (c[i] - bb.lower[i]) / (bb.upper[i] - bb.lower[i])
                } else {
                    f64::NAN
                }
            })
            .collect();
        check(&format!("bb_pctb_{p}"), &pctb);
        let width: Vec<f64> = (0..n)
            .map(|i| (bb.upper[i] - bb.lower[i]) / bb.middle[i])
            .collect();
        check(&format!("bb_width_{p}"), &width);
    }
    for a in [14, 5] {
        let st = ind::stoch(h, l, c, a, 3, 3).unwrap();
        check(&format!("stoch_k_{a}_3_3"), &st.k);
        check(&format!("stoch_d_{a}_3_3"), &st.d);
    }
    let sr = ind::stochrsi(c, 14, 5, 3).unwrap();
    check("stochrsi_k_14_5_3", &sr.k);
    check("stochrsi_d_14_5_3", &sr.d);
    for p in [14, 25] {
        let ar = ind::aroon(h, l, p).unwrap();
        check(&format!("aroon_up_{p}"), &ar.up);
        check(&format!("aroon_down_{p}"), &ar.down);
    }
    let ar = ind::aroon(h, l, 25).unwrap();
    let osc: Vec<f64> = (0..n).map(|i| ar.up[i] - ar.down[i]).collect();
    check("aroon_osc_25", &osc);
    let atr = ind::atr(h, l, c, 14).unwrap();
    let range_atr: Vec<f64> = (0..n)
        .map(|i| {
            if atr[i] > 0.0 {
                (h[i] - l[i]) / atr[i]
            } else {
                f64::NAN
            }
        })
        .collect();
    check("range_atr_14", &range_atr);
    let gap_atr: Vec<f64> = (0..n)
        .map(|i| {
            if i >= 1 && atr[i - 1] > 0.0 {
                (o[i] - c[i - 1]) / atr[i - 1]
            } else {
                f64::NAN
            }
        })
        .collect();
    check("gap_atr_14", &gap_atr);
    for (a, b) in [(5, 20), (20, 50), (50, 200)] {
        let (x, y) = (ind::sma(c, a).unwrap(), ind::sma(c, b).unwrap());
        let ratio: Vec<f64> = (0..n).map(|i| x[i] / y[i] - 1.0).collect();
        check(&format!("sma_ratio_{a}_{b}"), &ratio);
    }
    let s20 = ind::sma(c, 20).unwrap();
    let slope: Vec<f64> = (0..n)
        .map(|i| {
            if i >= 5 {
                s20[i] / s20[i - 5] - 1.0
            } else {
                f64::NAN
            }
        })
        .collect();
    check("sma_slope_20_5", &slope);
    check(
        "sma_dist_20",
        &(0..n).map(|i| c[i] / s20[i] - 1.0).collect::<Vec<_>>(),
    );
}
