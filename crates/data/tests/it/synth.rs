//! The synthetic market: determinism, statistics against the real data in
//! `../shared/data` (VIX history, SPX daily returns, Cboe chain smiles, SPY intraday
//! bars, stocknet-88), chain sanity (quotes, parity, arbitrage, expiry), and the size of
//! a year of chains. Tests that need the real data print a message and pass without it.
//! The calibration tests print real and synthetic statistics side by side
//! (`cargo test -p thetalab-data synth -- --nocapture`); `docs/synthetic-market.md`
//! records their output.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime};
use thetalab_core::{OptionRight, Timestamp};
use thetalab_data::synth::{ExpiryRule, SynthConfig, SyntheticMarket, UniverseConfig, universe};
use thetalab_data::{ChainRows, DataError};
use thetalab_pricing::smile::{check_butterfly, fit_svi};

fn data_dir() -> Option<PathBuf> {
    let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).to_path_buf();
    if p.is_dir() {
        Some(p)
    } else {
        println!("skipped: real sample data not found at {}", p.display());
        None
    }
}

fn read_text(p: &Path) -> String {
    let raw = std::fs::read(p).unwrap();
    if p.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(raw).unwrap()
    }
}

fn small(sessions: usize, every: u32) -> SynthConfig {
    SynthConfig {
        sessions,
        chain_every_minutes: every,
        ..SynthConfig::default()
    }
}

/// Mean, standard deviation, skewness and kurtosis (population moments).
fn moments(x: &[f64]) -> (f64, f64, f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|a| (a - m).powi(2)).sum::<f64>() / n;
    let s = x.iter().map(|a| (a - m).powi(3)).sum::<f64>() / n / v.powf(1.5);
    let k = x.iter().map(|a| (a - m).powi(4)).sum::<f64>() / n / (v * v);
    (m, v.sqrt(), s, k)
}

fn median(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn corr(a: &[f64], b: &[f64]) -> f64 {
    let (ma, sa, _, _) = moments(a);
    let (mb, sb, _, _) = moments(b);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / a.len() as f64
        / (sa * sb)
}

fn bytes(c: &ChainRows) -> Vec<u8> {
    serde_json::to_vec(c).unwrap()
}

// ---------------------------------------------------------------- determinism

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let a = SyntheticMarket::new(small(3, 30)).unwrap();
    let b = SyntheticMarket::new(small(3, 30)).unwrap();
    let c = SyntheticMarket::new(SynthConfig {
        seed: 99,
        ..small(3, 30)
    })
    .unwrap();
    for d in 0..3 {
        assert_eq!(
            bytes(&a.chain_day(d).unwrap()),
            bytes(&b.chain_day(d).unwrap())
        );
        assert_eq!(
            serde_json::to_vec(&a.index_day(d).unwrap()).unwrap(),
            serde_json::to_vec(&b.index_day(d).unwrap()).unwrap()
        );
        assert_ne!(
            bytes(&a.chain_day(d).unwrap()),
            bytes(&c.chain_day(d).unwrap())
        );
    }
    assert_eq!(a.vol_indices(), b.vol_indices());
    assert_ne!(a.index_daily(), c.index_daily());
}

#[test]
fn a_day_alone_equals_the_same_day_of_a_full_run() {
    let m = SyntheticMarket::new(small(6, 15)).unwrap();
    let serial: Vec<(NaiveDate, ChainRows)> = m.chain_days().map(Result::unwrap).collect();
    let parallel: Vec<(NaiveDate, ChainRows)> =
        m.chain_days_parallel(4).map(Result::unwrap).collect();
    assert_eq!(serial.len(), 6);
    assert_eq!(serial, parallel);
    // Regenerated alone, in any order, from a fresh market.
    let fresh = SyntheticMarket::new(small(6, 15)).unwrap();
    for d in [4, 1, 5] {
        assert_eq!(bytes(&fresh.chain_day(d).unwrap()), bytes(&serial[d].1));
    }
    // A longer run starts with the same sessions.
    let longer = SyntheticMarket::new(small(9, 15)).unwrap();
    assert_eq!(bytes(&longer.chain_day(5).unwrap()), bytes(&serial[5].1));
    assert_eq!(longer.index_daily().bars[..6], m.index_daily().bars[..]);
    assert!(matches!(
        m.chain_day(6),
        Err(DataError::SynthDayOutOfRange {
            day: 6,
            sessions: 6
        })
    ));
}

#[test]
fn bad_config_names_the_field() {
    let mut cfg = SynthConfig::default();
    cfg.model.rho = -1.2;
    let e = SyntheticMarket::new(cfg).unwrap_err();
    assert!(e.to_string().contains("model.rho"), "{e}");
    let cfg = SynthConfig {
        bar_minutes: 7,
        ..SynthConfig::default()
    };
    let e = SyntheticMarket::new(cfg).unwrap_err();
    assert!(e.to_string().contains("bar_minutes"), "{e}");
    let e = universe(&UniverseConfig {
        tail_dof: 2.0,
        ..UniverseConfig::default()
    })
    .unwrap_err();
    assert!(e.to_string().contains("tail_dof"), "{e}");
    // Serde: defaults fill missing fields, unknown fields are refused.
    let cfg: SynthConfig = serde_json::from_str(r#"{"seed": 5, "model": {"kappa": 3.0}}"#).unwrap();
    assert_eq!(cfg.seed, 5);
    assert_eq!(cfg.model.kappa, 3.0);
    assert_eq!(cfg.model.theta, SynthConfig::default().model.theta);
    assert!(serde_json::from_str::<SynthConfig>(r#"{"sede": 5}"#).is_err());
}

// ---------------------------------------------------------------- index and vol indices

#[test]
fn index_bars_follow_the_calendar() {
    // 2024-07-03 is an early close (13:00 ET), 2024-07-04 a holiday.
    let cfg = SynthConfig {
        start: NaiveDate::from_ymd_opt(2024, 7, 2).unwrap(),
        ..small(3, 30)
    };
    let m = SyntheticMarket::new(cfg).unwrap();
    let days = m.sessions();
    assert_eq!(days[1], NaiveDate::from_ymd_opt(2024, 7, 3).unwrap());
    assert_eq!(days[2], NaiveDate::from_ymd_opt(2024, 7, 5).unwrap());
    let full = m.index_day(0).unwrap();
    let short = m.index_day(1).unwrap();
    assert_eq!(full.bars.len(), 390);
    assert_eq!(short.bars.len(), 210);
    assert_eq!(
        full.bars[0].ts,
        Timestamp::from_ny(days[0], NaiveTime::from_hms_opt(9, 30, 0).unwrap()).unwrap()
    );
    assert_eq!(
        full.bars[389].ts,
        Timestamp::from_ny(days[0], NaiveTime::from_hms_opt(15, 59, 0).unwrap()).unwrap()
    );
    for w in full.bars.windows(2) {
        assert_eq!(w[0].close, w[1].open);
    }
    for b in &full.bars {
        assert!(b.low <= b.open.min(b.close) && b.high >= b.open.max(b.close) && b.volume >= 0.0);
    }
    let daily = m.index_daily();
    assert_eq!(daily.bars[0].close, full.bars[389].close);
    assert_eq!(daily.bars[0].open, full.bars[0].open);
    // 5-minute bars aggregate the same path.
    let m5 = SyntheticMarket::new(SynthConfig {
        bar_minutes: 5,
        ..m.config().clone()
    })
    .unwrap();
    let b5 = m5.index_day(0).unwrap();
    assert_eq!(b5.bars.len(), 78);
    assert_eq!(b5.bars[0].close, full.bars[4].close);
    assert_eq!(
        b5.bars[0].high,
        full.bars[..5]
            .iter()
            .map(|b| b.high)
            .fold(f64::MIN, f64::max)
    );
    // The early-close day's 0DTE settles at 13:00. (Snapshots every 30 minutes here:
    // the last 0DTE quote is at 12:30; the 13:00 snapshot has the later expiries only.)
    let chain = m.chain_day(1).unwrap();
    let at =
        |h, mi| Timestamp::from_ny(days[1], NaiveTime::from_hms_opt(h, mi, 0).unwrap()).unwrap();
    let last0 = chain
        .rows
        .iter()
        .filter(|q| q.expiry == days[1])
        .map(|q| q.ts)
        .max()
        .unwrap();
    assert_eq!(last0, at(12, 30));
    assert_eq!(chain.rows.last().unwrap().ts, at(13, 0));
}

/// Statistics of a long synthetic history: daily returns, VIX-like indices.
struct SynthStats {
    ann_vol: f64,
    skew: f64,
    kurt: f64,
    vix_mean: f64,
    vix_median: f64,
    vix_min: f64,
    vix_max: f64,
    r9: (f64, f64),
    r3m: (f64, f64),
    vix2_over_rv: f64,
    overnight_share: f64,
}

fn synth_stats(seed: u64, sessions: usize) -> SynthStats {
    let cfg = SynthConfig {
        seed,
        sessions,
        substeps: 2,
        start: NaiveDate::from_ymd_opt(1995, 1, 3).unwrap(),
        ..SynthConfig::default()
    };
    let m = SyntheticMarket::new(cfg).unwrap();
    let daily = m.index_daily();
    let c: Vec<f64> = daily.bars.iter().map(|b| b.close).collect();
    let ret: Vec<f64> = c.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let (_, sd, skew, kurt) = moments(&ret);
    let on: f64 = daily
        .bars
        .windows(2)
        .map(|w| (w[1].open / w[0].close).ln().powi(2))
        .sum();
    let oc: f64 = daily
        .bars
        .iter()
        .skip(1)
        .map(|b| (b.close / b.open).ln().powi(2))
        .sum();
    let vi = m.vol_indices();
    let vix: Vec<f64> = vi.vix.bars.iter().map(|b| b.close).collect();
    let r9: Vec<f64> = vi
        .vix9d
        .bars
        .iter()
        .zip(&vix)
        .map(|(a, b)| a.close / b)
        .collect();
    let r3: Vec<f64> = vi
        .vix3m
        .bars
        .iter()
        .zip(&vix)
        .map(|(a, b)| b / a.close)
        .collect();
    // VIX² against the next 21 sessions' realised variance.
    let mut v2 = 0.0;
    let mut rv = 0.0;
    let n = ret.len() - 21;
    for (i, v) in vix.iter().take(n).enumerate() {
        v2 += v * v;
        rv += ret[i..i + 21].iter().map(|r| r * r).sum::<f64>() * 252.0 / 21.0 * 1e4;
    }
    let (m9, s9, _, _) = moments(&r9);
    let (m3, s3, _, _) = moments(&r3);
    SynthStats {
        ann_vol: sd * 252f64.sqrt(),
        skew,
        kurt,
        vix_mean: moments(&vix).0,
        vix_median: median(&vix),
        vix_min: vix.iter().copied().fold(f64::MAX, f64::min),
        vix_max: vix.iter().copied().fold(f64::MIN, f64::max),
        r9: (m9, s9),
        r3m: (m3, s3),
        vix2_over_rv: v2 / rv,
        overnight_share: on / (on + oc),
    }
}

/// Real statistics: SPX 1995–2026 daily closes and VIX/VIX9D/VIX3M (Cboe).
struct RealStats {
    ann_vol: f64,
    skew: f64,
    kurt: f64,
    vix_mean: f64,
    vix_median: f64,
    r9: (f64, f64),
    r3m: (f64, f64),
    vix2_over_rv: f64,
    overnight_share: f64,
}

fn cboe_closes(dir: &Path, file: &str) -> BTreeMap<NaiveDate, f64> {
    let text = read_text(&dir.join("cboe-vol-indices").join(file));
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let d = NaiveDate::parse_from_str(f[0], "%m/%d/%Y").ok()?;
            Some((d, f.last()?.trim().parse().ok()?))
        })
        .collect()
}

fn real_stats(dir: &Path) -> RealStats {
    let text = read_text(&dir.join("index-daily/spx_spy_qqq_vix_eod_vilkov.csv.gz"));
    let mut spx: Vec<(NaiveDate, f64, f64)> = Vec::new(); // date, open, close
    for l in text.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        if f.len() >= 8 && f[7] == "SPX" {
            spx.push((
                NaiveDate::parse_from_str(f[0], "%Y-%m-%d").unwrap(),
                f[1].parse().unwrap(),
                f[4].parse().unwrap(),
            ));
        }
    }
    let ret: Vec<f64> = spx.windows(2).map(|w| (w[1].2 / w[0].2).ln()).collect();
    let (_, sd, skew, kurt) = moments(&ret);
    // Overnight share since 2010, on days whose open is not a stale copy of the close.
    let (mut on, mut oc) = (0.0, 0.0);
    for w in spx.windows(2) {
        if w[1].0.format("%Y").to_string().as_str() >= "2010"
            && w[1].1 > 0.0
            && (w[1].1 - w[0].2).abs() > 1e-9
        {
            on += (w[1].1 / w[0].2).ln().powi(2);
            oc += (w[1].2 / w[1].1).ln().powi(2);
        }
    }
    let vix = cboe_closes(dir, "VIX_History.csv");
    let v9 = cboe_closes(dir, "VIX9D_History.csv");
    let v3 = cboe_closes(dir, "VIX3M_History.csv");
    let start = NaiveDate::from_ymd_opt(1995, 1, 1).unwrap();
    let vals: Vec<f64> = vix.range(start..).map(|(_, v)| *v).collect();
    let r9: Vec<f64> = v9
        .iter()
        .filter_map(|(d, a)| vix.get(d).map(|b| a / b))
        .collect();
    let r3: Vec<f64> = v3
        .iter()
        .filter_map(|(d, a)| vix.get(d).map(|b| b / a))
        .collect();
    let by_date: HashMap<NaiveDate, usize> =
        spx.iter().enumerate().map(|(i, x)| (x.0, i)).collect();
    let (mut v2, mut rv) = (0.0, 0.0);
    for (d, v) in vix.range(start..) {
        if let Some(&i) = by_date.get(d)
            && i + 21 < spx.len()
        {
            v2 += v * v;
            rv += ret[i..i + 21].iter().map(|r| r * r).sum::<f64>() * 252.0 / 21.0 * 1e4;
        }
    }
    let (m9, s9, _, _) = moments(&r9);
    let (m3, s3, _, _) = moments(&r3);
    RealStats {
        ann_vol: sd * 252f64.sqrt(),
        skew,
        kurt,
        vix_mean: moments(&vals).0,
        vix_median: median(&vals),
        r9: (m9, s9),
        r3m: (m3, s3),
        vix2_over_rv: v2 / rv,
        overnight_share: on / (on + oc),
    }
}

#[test]
fn statistics_look_like_spx_and_vix() {
    let s = synth_stats(SynthConfig::default().seed, 252 * 30);
    if let Some(dir) = data_dir() {
        let r = real_stats(&dir);
        println!("statistic                 real (SPX 1995-2026, Cboe)   synthetic (30 years)");
        println!(
            "annualised vol            {:>10.4}                   {:>10.4}",
            r.ann_vol, s.ann_vol
        );
        println!(
            "daily skew                {:>10.3}                   {:>10.3}",
            r.skew, s.skew
        );
        println!(
            "daily kurtosis            {:>10.2}                   {:>10.2}",
            r.kurt, s.kurt
        );
        println!(
            "VIX mean                  {:>10.2}                   {:>10.2}",
            r.vix_mean, s.vix_mean
        );
        println!(
            "VIX median                {:>10.2}                   {:>10.2}",
            r.vix_median, s.vix_median
        );
        println!(
            "VIX9D/VIX mean, sd        {:>6.3} {:>6.3}                {:>6.3} {:>6.3}",
            r.r9.0, r.r9.1, s.r9.0, s.r9.1
        );
        println!(
            "VIX/VIX3M mean, sd        {:>6.3} {:>6.3}                {:>6.3} {:>6.3}",
            r.r3m.0, r.r3m.1, s.r3m.0, s.r3m.1
        );
        println!(
            "E[VIX²]/E[fwd 21d RV²]    {:>10.3}                   {:>10.3}",
            r.vix2_over_rv, s.vix2_over_rv
        );
        println!(
            "overnight variance share  {:>10.3}                   {:>10.3}",
            r.overnight_share, s.overnight_share
        );
        println!(
            "synthetic VIX range       {:.1} .. {:.1}",
            s.vix_min, s.vix_max
        );
        // The defaults are calibrated to these: hold them to it.
        assert!(
            (s.ann_vol - r.ann_vol).abs() < 0.03,
            "vol {} vs {}",
            s.ann_vol,
            r.ann_vol
        );
        assert!((s.vix_mean - r.vix_mean).abs() < 3.0);
        assert!((s.overnight_share - r.overnight_share).abs() < 0.06);
    }
    assert!(
        s.ann_vol > 0.14 && s.ann_vol < 0.24,
        "annualised vol {}",
        s.ann_vol
    );
    assert!(s.skew < 0.0, "skew {}", s.skew);
    assert!(s.kurt > 4.0, "kurtosis {}", s.kurt);
    assert!(s.vix_min > 7.0 && s.vix_max < 150.0 && s.vix_median < s.vix_mean);
    assert!(s.vix_mean > 14.0 && s.vix_mean < 26.0);
    assert!(
        s.r9.0 < 1.0 && s.r9.0 > 0.85 && s.r9.1 > 0.02,
        "VIX9D/VIX {:?}",
        s.r9
    );
    assert!(s.r3m.0 < 1.0 && s.r3m.0 > 0.8, "VIX/VIX3M {:?}", s.r3m);
    assert!(
        s.vix2_over_rv > 1.1,
        "VIX above realised on average: {}",
        s.vix2_over_rv
    );
}

#[test]
fn one_year_statistics_for_other_seeds() {
    for seed in [1, 2, 3] {
        let s = synth_stats(seed, 252);
        println!(
            "seed {seed}: vol {:.3} skew {:.2} kurt {:.1} VIX mean {:.1} VIX9D/VIX sd {:.3}",
            s.ann_vol, s.skew, s.kurt, s.vix_mean, s.r9.1
        );
        assert!(s.ann_vol > 0.08 && s.ann_vol < 0.40);
        assert!(s.kurt > 3.0);
        assert!(s.vix_min > 7.0 && s.vix_max < 150.0);
    }
}

#[test]
fn intraday_variance_and_volume_are_u_shaped_like_spy() {
    let m = SyntheticMarket::new(small(20, 390)).unwrap();
    let mut var = [0.0; 13];
    let mut vol = [0.0; 13];
    for d in 0..20 {
        let bars = m.index_day(d).unwrap();
        for (i, b) in bars.bars.iter().enumerate() {
            var[i / 30] += (b.close / b.open).ln().powi(2);
            vol[i / 30] += b.volume;
        }
    }
    let norm = |x: &mut [f64; 13]| {
        let t: f64 = x.iter().sum();
        x.iter_mut().for_each(|v| *v *= 13.0 / t);
    };
    norm(&mut var);
    norm(&mut vol);
    if let Some(dir) = data_dir() {
        let text = read_text(&dir.join("spx-spy-intraday/spy_1min_2025-07_ext_hours.csv.gz"));
        let mut days: BTreeMap<&str, Vec<(f64, f64, f64)>> = BTreeMap::new();
        for l in text.lines().skip(1) {
            let f: Vec<&str> = l.split(',').collect();
            let (date, time) = f[0].split_once(' ').unwrap();
            if ("09:30:00".."16:00:00").contains(&time) {
                days.entry(date).or_default().push((
                    f[1].parse().unwrap(),
                    f[4].parse().unwrap(),
                    f[5].parse().unwrap(),
                ));
            }
        }
        let mut rv = [0.0; 13];
        let mut rvol = [0.0; 13];
        for b in days.values().filter(|b| b.len() == 390) {
            for (i, x) in b.iter().enumerate() {
                let prev = if i == 0 { x.0 } else { b[i - 1].1 };
                rv[i / 30] += (x.1 / prev).ln().powi(2);
                rvol[i / 30] += x.2;
            }
        }
        norm(&mut rv);
        norm(&mut rvol);
        println!("half-hour share x13   variance real / synthetic       volume real / synthetic");
        for (i, (((a, b), c), d)) in rv.iter().zip(&var).zip(&rvol).zip(&vol).enumerate() {
            println!(
                "  {i:>2}                   {a:>5.2} / {b:>5.2}                   {c:>5.2} / {d:>5.2}"
            );
        }
    }
    let mid = var[6..9].iter().sum::<f64>() / 3.0;
    assert!(var[0] > 1.5 * mid && var[12] > 1.2 * mid, "{var:?}");
    let vmid = vol[6..9].iter().sum::<f64>() / 3.0;
    assert!(vol[0] > 1.2 * vmid && vol[12] > 2.0 * vmid, "{vol:?}");
}

// ---------------------------------------------------------------- chains

#[test]
fn a_full_day_of_chains_is_sane() {
    let m = SyntheticMarket::new(small(2, 1)).unwrap();
    let today = m.sessions()[0];
    let chain = m.chain_day(0).unwrap();
    assert_eq!(chain.underlying, "SPX");
    assert_eq!(chain.root.as_deref(), Some("SPXW"));
    assert_eq!(chain.rows.len(), m.quotes_in_session(0).unwrap());
    let cfg = m.config();
    let close = Timestamp::from_ny(today, NaiveTime::from_hms_opt(16, 0, 0).unwrap()).unwrap();
    let first = Timestamp::from_ny(today, NaiveTime::from_hms_opt(9, 31, 0).unwrap()).unwrap();
    assert_eq!(chain.rows[0].ts, first);
    assert_eq!(chain.rows.last().unwrap().ts, close);
    let mut by_ts: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    let mut prev_key = None;
    for (i, q) in chain.rows.iter().enumerate() {
        let key = (
            q.ts,
            q.expiry,
            q.strike.to_bits(),
            q.right == OptionRight::Put,
        );
        if let Some(p) = prev_key {
            assert!(key > p, "rows out of order at {i}");
        }
        prev_key = Some(key);
        by_ts.entry(q.ts.as_nanos()).or_default().push(i);
        let ask = q.ask.unwrap();
        assert!(ask > 0.0);
        if let Some(bid) = q.bid {
            assert!(bid > 0.0 && bid < ask, "{q:?}");
            assert!(q.bid_size.is_some());
        } else {
            assert!(q.bid_size.is_none());
        }
        // Tick grid: 0.05 below 3.00, 0.10 from 3.00.
        for p in [Some(ask), q.bid].into_iter().flatten() {
            let tick = if p >= 3.0 { 0.10 } else { 0.05 };
            assert!(
                ((p / tick) - (p / tick).round()).abs() < 1e-6,
                "{p} off the tick grid"
            );
        }
        // 0DTE: no quote at or after the 16:00 settlement.
        if q.expiry == today {
            assert!(q.ts < close);
        }
        let iv = q.iv.unwrap();
        assert!(iv > 0.01 && iv < 3.0, "{q:?}");
        assert!(q.open_interest.is_some());
    }
    assert_eq!(by_ts.len(), 390);
    // Cumulative volume never falls.
    let mut last_vol: HashMap<(NaiveDate, u64, bool), u64> = HashMap::new();
    for q in &chain.rows {
        let k = (q.expiry, q.strike.to_bits(), q.right == OptionRight::Call);
        let v = last_vol.entry(k).or_insert(0);
        assert!(q.volume >= *v);
        *v = q.volume;
    }
    assert!(last_vol.values().sum::<u64>() > 10_000);

    // Put-call parity on mids within the spreads, and no price below its European bound.
    let (r, qd) = (cfg.rate, cfg.dividend_yield);
    let mut checked = 0;
    for idx in by_ts.values() {
        let rows: Vec<_> = idx.iter().map(|&i| &chain.rows[i]).collect();
        for pair in rows.chunks(2) {
            let (c, p) = (pair[0], pair[1]);
            assert_eq!(
                (c.right, p.right, c.strike),
                (OptionRight::Call, OptionRight::Put, p.strike)
            );
            let settle =
                Timestamp::from_ny(c.expiry, NaiveTime::from_hms_opt(16, 0, 0).unwrap()).unwrap();
            let t = Timestamp::years_between(c.ts, settle);
            let s = c.underlying_price.unwrap();
            let fwd_value = s * (-qd * t).exp() - c.strike * (-r * t).exp();
            for (q, bound) in [(c, fwd_value.max(0.0)), (p, (-fwd_value).max(0.0))] {
                assert!(
                    q.ask.unwrap() >= bound - 1e-9,
                    "ask below the European bound: {q:?}"
                );
            }
            if let (Some(cm), Some(pm)) = (c.mid(), p.mid()) {
                let tol = 0.5 * (c.ask.unwrap() - c.bid.unwrap() + p.ask.unwrap() - p.bid.unwrap());
                assert!(
                    (cm - pm - fwd_value).abs() <= tol + 1e-9,
                    "parity {c:?} {p:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000, "{checked}");

    // Spreads widen away from the money and in relative terms for cheap contracts
    // (0DTE at 12:00).
    let noon = Timestamp::from_ny(today, NaiveTime::from_hms_opt(12, 0, 0).unwrap()).unwrap();
    let s = chain
        .rows
        .iter()
        .find(|q| q.ts == noon)
        .unwrap()
        .underlying_price
        .unwrap();
    let otm_puts: Vec<_> = chain
        .rows
        .iter()
        .filter(|q| {
            q.ts == noon && q.expiry == today && q.right == OptionRight::Put && q.strike < s
        })
        .collect();
    let near = otm_puts.last().unwrap();
    let far = otm_puts.iter().find(|q| q.bid.is_some()).unwrap();
    let spread = |q: &thetalab_data::OptionQuote| q.ask.unwrap() - q.bid.unwrap_or(0.0);
    assert!(spread(far) / far.mid().unwrap() > spread(near) / near.mid().unwrap());
    let later = m.expiries(0).unwrap()[2];
    let far30: Vec<_> = chain
        .rows
        .iter()
        .filter(|q| {
            q.ts == noon
                && q.expiry == later
                && q.right == OptionRight::Put
                && q.strike < s
                && q.bid.is_some()
        })
        .collect();
    assert!(spread(far30[0]) >= spread(far30.last().unwrap()) * 0.5);
    // Put skew: implied vol falls with the strike below the money.
    assert!(otm_puts[0].iv.unwrap() > near.iv.unwrap());
}

#[test]
fn zero_dte_smiles_are_free_of_butterfly_arbitrage() {
    let m = SyntheticMarket::new(small(3, 60)).unwrap();
    for d in 0..3 {
        let today = m.sessions()[d];
        for minute in [1, 60, 200, 330, 389] {
            let sl = m.smile(d, minute, today).unwrap();
            let rep = check_butterfly(&sl.params);
            assert!(rep.ok, "day {d} minute {minute}: {rep:?}");
        }
        for e in m.expiries(d).unwrap() {
            assert!(check_butterfly(&m.smile(d, 100, e).unwrap().params).ok);
        }
        assert!(matches!(
            m.smile(d, 390, today),
            Err(DataError::SynthNotListed { .. })
        ));
    }
}

#[test]
fn expiries_are_0dte_next_and_a_month_out() {
    let m = SyntheticMarket::new(small(5, 390)).unwrap();
    for d in 0..5 {
        let e = m.expiries(d).unwrap();
        let today = m.sessions()[d];
        assert_eq!(e[0], today);
        assert!(e[1] > today && (e[1] - today).num_days() <= 4);
        assert!((e[2] - today).num_days() >= 30 && (e[2] - today).num_days() <= 35);
    }
    // Before 2022 SPXW expired Mon/Wed/Fri: no 0DTE on a Tuesday.
    let cfg = SynthConfig {
        start: NaiveDate::from_ymd_opt(2021, 1, 5).unwrap(),
        ..small(1, 390)
    };
    let m = SyntheticMarket::new(cfg).unwrap();
    assert_eq!(
        m.expiries(0).unwrap()[0],
        NaiveDate::from_ymd_opt(2021, 1, 6).unwrap()
    );
    assert!(matches!(
        SynthConfig::default().expiries[0].rule,
        ExpiryRule::SameDay
    ));
}

#[test]
fn a_year_of_chains_is_about_25_million_quotes() {
    let m = SyntheticMarket::new(SynthConfig::default()).unwrap();
    let total = m.quotes_total().unwrap();
    let per_day = m.quotes_in_session(0).unwrap();
    println!(
        "default year: {} sessions, {} quotes (day 0: {per_day})",
        m.len(),
        total
    );
    assert!((20_000_000..30_000_000).contains(&total), "{total}");
}

/// Times the generation of one full day of 1-minute chains and of a month in parallel.
/// Run in release: `cargo test --release -p thetalab-data synth_timing -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run in release"]
fn synth_timing() {
    let t0 = std::time::Instant::now();
    let m = SyntheticMarket::new(SynthConfig::default()).unwrap();
    let t_new = t0.elapsed();
    let t1 = std::time::Instant::now();
    let day = m.chain_day(0).unwrap();
    let t_day = t1.elapsed();
    let t2 = std::time::Instant::now();
    let mut n = 0usize;
    for d in m.chain_days_parallel(8).take(42) {
        n += d.unwrap().1.rows.len();
    }
    let t_month = t2.elapsed();
    println!(
        "new (252 sessions of index path): {t_new:?}; one day of chains ({} quotes): {t_day:?}; 42 days in parallel ({n} quotes): {t_month:?} => year ≈ {:.1} s",
        day.rows.len(),
        t_month.as_secs_f64() * 252.0 / 42.0
    );
}

// ---------------------------------------------------------------- smile calibration

/// A Cboe strike row: strike, call bid, ask, iv, delta, put bid, ask, iv, delta.
type CboeRow = (f64, f64, f64, f64, f64, f64, f64, f64, f64);

/// One expiry of a Cboe snapshot: forward, time, OTM strikes and vols.
struct Slice {
    t: f64,
    fwd: f64,
    strikes: Vec<f64>,
    ivs: Vec<f64>,
}

fn cboe_slices(path: &Path, snap: Timestamp) -> Vec<Slice> {
    let text = read_text(path);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let num = |s: &str| s.replace(',', "").trim().parse::<f64>().ok();
    let mut by_exp: BTreeMap<NaiveDate, Vec<CboeRow>> = BTreeMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let Ok(rec) = rec else { continue };
        if i < 3 || rec.len() < 22 || !rec[1].starts_with("SPXW") {
            continue;
        }
        let Ok(exp) = NaiveDate::parse_from_str(rec[0].trim(), "%a %b %d %Y") else {
            continue;
        };
        let f = |j: usize| num(&rec[j]).unwrap_or(0.0);
        // strike, call bid, ask, iv, delta, put bid, ask, iv, delta
        by_exp.entry(exp).or_default().push((
            f(11),
            f(4),
            f(5),
            f(7),
            f(8),
            f(15),
            f(16),
            f(18),
            f(19),
        ));
    }
    let mut out = Vec::new();
    for (exp, rows) in by_exp {
        let settle = Timestamp::from_ny(exp, NaiveTime::from_hms_opt(16, 0, 0).unwrap()).unwrap();
        let t = Timestamp::years_between(snap, settle);
        if !(1.0 / 365.0 / 24.0..=0.6).contains(&t) {
            continue;
        }
        // Forward from parity at the strike where call and put mids are closest.
        let Some(atm) = rows
            .iter()
            .filter(|r| r.1 > 0.0 && r.2 > 0.0 && r.5 > 0.0 && r.6 > 0.0)
            .min_by(|a, b| {
                ((a.1 + a.2) - (a.5 + a.6))
                    .abs()
                    .total_cmp(&((b.1 + b.2) - (b.5 + b.6)).abs())
            })
        else {
            continue;
        };
        let fwd = atm.0 + 0.5 * ((atm.1 + atm.2) - (atm.5 + atm.6));
        let (mut strikes, mut ivs) = (Vec::new(), Vec::new());
        for r in &rows {
            let (bid, iv, delta) = if r.0 < fwd {
                (r.5, r.7, r.8.abs())
            } else {
                (r.1, r.3, r.4.abs())
            };
            if bid > 0.0 && iv > 0.0 && (0.03..=0.5).contains(&delta) {
                strikes.push(r.0);
                ivs.push(iv);
            }
        }
        if strikes.len() >= 8 {
            out.push(Slice {
                t,
                fwd,
                strikes,
                ivs,
            });
        }
    }
    out
}

/// SSVI parameters `(θ, φ, ρ)` of a raw-SVI slice from its ATM level, slope and
/// curvature: `w(0) = θ`, `w'(0) = θρφ`, `w''(0) = θφ²(1−ρ²)/2` (GJ 2014, eq. 4.1).
fn ssvi_of(p: &thetalab_pricing::SviParams) -> (f64, f64, f64) {
    let theta = p.total_variance(0.0);
    let a = p.dw_dk(0.0) / theta;
    let b = 2.0 * p.d2w_dk2(0.0) / theta;
    let phi = (a * a + b).sqrt();
    (theta, phi, a / phi)
}

#[test]
fn smile_defaults_match_the_cboe_spx_snapshots() {
    let Some(dir) = data_dir() else { return };
    let snaps = [
        ("spx_2022-07-12_1155.csv.gz", "2022-07-12T11:55:00-04:00"),
        ("spx_2023-09-14_1631.csv.gz", "2023-09-14T16:00:00-04:00"),
        ("spx_2023-06-09_1340.csv.gz", "2023-06-09T13:40:00-04:00"),
    ];
    let mut pts: Vec<(f64, f64, f64)> = Vec::new();
    println!(
        "file                         T(days)     θ          φ        ρ     fit rmse(vol pts)"
    );
    for (file, at) in snaps {
        let snap = Timestamp::parse_rfc3339(at).unwrap();
        for s in cboe_slices(&dir.join("cboe-chain-snapshots").join(file), snap) {
            let Ok(fit) = fit_svi(&s.strikes, &s.ivs, None, s.fwd, s.t) else {
                continue;
            };
            let rmse = (s
                .strikes
                .iter()
                .zip(&s.ivs)
                .map(|(k, v)| (fit.implied_vol(*k).unwrap_or(0.0) - v).powi(2))
                .sum::<f64>()
                / s.ivs.len() as f64)
                .sqrt();
            let (theta, phi, rho) = ssvi_of(&fit.params);
            if !(theta > 0.0 && phi.is_finite() && rmse < 0.03) {
                continue;
            }
            println!(
                "{file:<28} {:>7.2} {theta:>10.6} {phi:>9.2} {rho:>7.3} {:>8.2}",
                s.t * 365.0,
                rmse * 100.0
            );
            pts.push((theta, phi, rho));
        }
    }
    assert!(pts.len() >= 20, "{} slices fitted", pts.len());
    // ln φ = ln η − γ ln θ and ρ = ρ₀ + ρ₁ ln(θ/0.01), by least squares.
    let ols = |x: &[f64], y: &[f64]| {
        let (mx, sx, _, _) = moments(x);
        let my = moments(y).0;
        let slope = x
            .iter()
            .zip(y)
            .map(|(a, b)| (a - mx) * (b - my))
            .sum::<f64>()
            / x.len() as f64
            / (sx * sx);
        (my - slope * mx, slope)
    };
    let x: Vec<f64> = pts.iter().map(|p| p.0.ln()).collect();
    let y: Vec<f64> = pts.iter().map(|p| p.1.ln()).collect();
    let (c, slope) = ols(&x, &y);
    let (gamma, eta) = (-slope, c.exp());
    let xr: Vec<f64> = pts.iter().map(|p| (p.0 / 0.01).ln()).collect();
    let yr: Vec<f64> = pts.iter().map(|p| p.2).collect();
    let (rho0, rho1) = ols(&xr, &yr);
    let d = SynthConfig::default().smile;
    println!("{} slices", pts.len());
    println!(
        "fitted: eta {eta:.3} gamma {gamma:.3} rho {rho0:.3} rho_slope {rho1:.4}   defaults: eta {} gamma {} rho {} rho_slope {}",
        d.eta, d.gamma, d.rho, d.rho_slope
    );
    assert!((d.rho - rho0).abs() < 0.1, "rho {rho0}");
    assert!((d.rho_slope - rho1).abs() < 0.03, "rho_slope {rho1}");
    assert!((d.gamma - gamma).abs() < 0.1, "gamma {gamma}");
    assert!((d.eta / eta).ln().abs() < 0.35, "eta {eta}");
    // The synthetic 30-day smile has the real one's shape: 25-delta-ish put wing
    // (k = −0.05) richer than the money by a similar margin.
    let m = SyntheticMarket::new(small(1, 390)).unwrap();
    let e30 = m.expiries(0).unwrap()[2];
    let sl = m.smile(0, 120, e30).unwrap();
    let atm = sl.implied_vol_at_k(0.0);
    let put = sl.implied_vol_at_k(-0.05);
    println!(
        "synthetic {:.0}-day smile: ATM {:.3}, k=-0.05 {:.3} (+{:.1} vol pts)",
        sl.t * 365.0,
        atm,
        put,
        (put - atm) * 100.0
    );
    assert!(put > atm + 0.01);
}

// ---------------------------------------------------------------- universe

fn universe_stats(closes: &[Vec<f64>]) -> (f64, f64, f64) {
    let rets: Vec<Vec<f64>> = closes
        .iter()
        .map(|c| c.windows(2).map(|w| (w[1] / w[0]).ln()).collect())
        .collect();
    let vols: Vec<f64> = rets.iter().map(|r| moments(r).1).collect();
    let kurts: Vec<f64> = rets.iter().map(|r| moments(r).3).collect();
    let mut cs = Vec::new();
    for (i, a) in rets.iter().enumerate() {
        for b in &rets[i + 1..] {
            cs.push(corr(a, b));
        }
    }
    (
        median(&vols),
        cs.iter().sum::<f64>() / cs.len() as f64,
        median(&kurts),
    )
}

#[test]
fn universe_matches_stocknet_88() {
    // Three seeds, because a 5-year window of a persistent GARCH market varies a lot.
    let mut stats = Vec::new();
    for seed in [7, 8, 9] {
        let cfg = UniverseConfig {
            seed,
            n_symbols: 88,
            sessions: 1256,
            ..UniverseConfig::default()
        };
        let u = universe(&cfg).unwrap();
        assert_eq!(
            u.iter()
                .map(|s| &s.sector)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            11
        );
        let closes: Vec<Vec<f64>> = u
            .iter()
            .map(|s| s.bars.bars.iter().map(|b| b.close).collect())
            .collect();
        let st = universe_stats(&closes);
        println!(
            "synthetic seed {seed} (88 names, 1256 days): median daily vol {:.4}, avg pairwise corr {:.3}, median kurtosis {:.2}",
            st.0, st.1, st.2
        );
        stats.push(st);
    }
    let n = stats.len() as f64;
    let vol = stats.iter().map(|s| s.0).sum::<f64>() / n;
    let rho = stats.iter().map(|s| s.1).sum::<f64>() / n;
    let kurt = stats.iter().map(|s| s.2).sum::<f64>() / n;
    if let Some(dir) = data_dir() {
        let text = read_text(&dir.join("stocknet-88/stocknet_88_daily_ohlcv.csv.gz"));
        let mut px: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
        for l in text.lines().skip(1) {
            let f: Vec<&str> = l.split(',').collect();
            if let Ok(v) = f[6].parse::<f64>() {
                px.entry(f[1]).or_default().insert(f[0], v);
            }
        }
        let full: Vec<&BTreeMap<&str, f64>> = px.values().filter(|m| m.len() >= 1250).collect();
        let common: Vec<&str> = full[0]
            .keys()
            .filter(|d| full.iter().all(|m| m.contains_key(*d)))
            .copied()
            .collect();
        let real: Vec<Vec<f64>> = full
            .iter()
            .map(|m| common.iter().map(|d| m[d]).collect())
            .collect();
        let (rv, rr, rk) = universe_stats(&real);
        println!(
            "stocknet-88 ({} names, {} days): median daily vol {rv:.4}, avg pairwise corr {rr:.3}, median kurtosis {rk:.2}",
            real.len(),
            common.len()
        );
        println!(
            "synthetic, mean of 3 seeds:    median daily vol {vol:.4}, avg pairwise corr {rho:.3}, median kurtosis {kurt:.2}"
        );
        assert!((vol - rv).abs() < 0.0025, "vol {vol} vs {rv}");
        assert!((rho - rr).abs() < 0.08, "corr {rho} vs {rr}");
    }
    assert!(vol > 0.008 && vol < 0.025, "{vol}");
    assert!(rho > 0.15 && rho < 0.5, "{rho}");
    assert!(kurt > 3.5, "{kurt}");
}
