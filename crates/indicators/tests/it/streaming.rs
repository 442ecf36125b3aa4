//! Proptest: streaming == batch for every indicator, NaN exactly in the warm-up,
//! finite afterwards, bounded oscillators within their bounds.
//!
//! Equality is **bitwise**: every streaming struct performs the same floating-point
//! operations in the same order as its batch form (the hand-written slice kernels of
//! SMA/EMA/RSI/ATR/BBANDS/MAX/MIN mirror the structs' arithmetic step by step, and the
//! other batch functions drive the structs), so no tolerance is needed.

use proptest::prelude::*;
use thetalab_indicators as ind;

#[derive(Debug, Clone)]
struct Bars {
    o: Vec<f64>,
    h: Vec<f64>,
    l: Vec<f64>,
    c: Vec<f64>,
    v: Vec<f64>,
}

/// Random but valid OHLCV bars: a multiplicative random walk, high/low around the
/// body, some flat stretches (repeated closes) to hit the zero-range branches.
fn bars() -> impl Strategy<Value = Bars> {
    prop::collection::vec(
        (
            -0.05f64..0.05,
            0.0f64..0.03,
            0.0f64..0.03,
            -0.02f64..0.02,
            0u32..1_000_000,
            0u8..8,
        ),
        0..160,
    )
    .prop_map(|steps| {
        let mut b = Bars {
            o: vec![],
            h: vec![],
            l: vec![],
            c: vec![],
            v: vec![],
        };
        let mut prev = 100.0f64;
        for (r, up, dn, gap, vol, flat) in steps {
            let (o, c) = if flat == 0 {
                (prev, prev)
            } else {
                (prev * (1.0 + gap), prev * (1.0 + r))
            };
            let (h, l) = if flat == 0 {
                (prev, prev)
            } else {
                (o.max(c) * (1.0 + up), o.min(c) * (1.0 - dn))
            };
            b.o.push(o);
            b.h.push(h);
            b.l.push(l);
            b.c.push(c);
            b.v.push(f64::from(vol));
            prev = c;
        }
        b
    })
}

fn same(name: &str, batch: &[f64], stream: &[Option<f64>], lookback: usize) {
    assert_eq!(batch.len(), stream.len(), "{name}");
    for (i, (b, s)) in batch.iter().zip(stream).enumerate() {
        match s {
            None => assert!(b.is_nan(), "{name}[{i}]: batch {b}, stream None"),
            Some(s) => {
                assert_eq!(
                    b.to_bits(),
                    s.to_bits(),
                    "{name}[{i}]: batch {b} != stream {s}"
                );
                assert!(s.is_finite(), "{name}[{i}] = {s}");
            }
        }
        assert_eq!(
            i < lookback,
            s.is_none(),
            "{name}[{i}]: warm-up of {lookback}"
        );
    }
}

fn within(name: &str, x: &[f64], lo: f64, hi: f64) {
    for (i, v) in x.iter().enumerate() {
        assert!(
            v.is_nan() || (lo - 1e-9 <= *v && *v <= hi + 1e-9),
            "{name}[{i}] = {v} outside [{lo}, {hi}]"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn streaming_equals_batch(b in bars(), p in 1usize..12, q in 1usize..6, r in 1usize..6) {
        let (o, h, l, c, v) = (&b.o[..], &b.h[..], &b.l[..], &b.c[..], &b.v[..]);
        let n = c.len();
        macro_rules! one {
            ($name:expr, $batch:expr, $s:expr, |$st:ident, $i:ident| $upd:expr) => {{
                let mut $st = $s;
                let lb = $st.lookback();
                let stream: Vec<Option<f64>> = (0..n).map(|$i| $upd).collect();
                same($name, &$batch, &stream, lb);
            }};
        }
        one!("sma", ind::sma(c, p).unwrap(), ind::Sma::new(p).unwrap(), |s, i| s.update(c[i]));
        one!("ema", ind::ema(c, p).unwrap(), ind::Ema::new(p).unwrap(), |s, i| s.update(c[i]));
        one!("wma", ind::wma(c, p).unwrap(), ind::Wma::new(p).unwrap(), |s, i| s.update(c[i]));
        one!("dema", ind::dema(c, p).unwrap(), ind::Dema::new(p).unwrap(), |s, i| s.update(c[i]));
        one!("tema", ind::tema(c, p).unwrap(), ind::Tema::new(p).unwrap(), |s, i| s.update(c[i]));
        one!("rsi", ind::rsi(c, p).unwrap(), ind::Rsi::new(p).unwrap(), |s, i| s.update(c[i]));
        one!("atr", ind::atr(h, l, c, p).unwrap(), ind::Atr::new(p).unwrap(), |s, i| s.update(h[i], l[i], c[i]));
        one!("natr", ind::natr(h, l, c, p).unwrap(), ind::Natr::new(p).unwrap(), |s, i| s.update(h[i], l[i], c[i]));
        {
            let mut s = ind::TrueRange::new();
            let stream: Vec<Option<f64>> = (0..n).map(|i| s.update(h[i], l[i], c[i])).collect();
            same("trange", &ind::trange(h, l, c).unwrap(), &stream, 1);
        }
        one!("max", ind::max(c, p).unwrap(), ind::Max::new(p).unwrap(), |s, i| s.update(c[i]));
        one!("min", ind::min(c, p).unwrap(), ind::Min::new(p).unwrap(), |s, i| s.update(c[i]));
        let bb = ind::bbands(c, p, 2.0, 1.5).unwrap();
        one!("bb_upper", bb.upper, ind::BBands::new(p, 2.0, 1.5).unwrap(), |s, i| s.update(c[i]).map(|x| x.upper));
        one!("bb_middle", bb.middle, ind::BBands::new(p, 2.0, 1.5).unwrap(), |s, i| s.update(c[i]).map(|x| x.middle));
        one!("bb_lower", bb.lower, ind::BBands::new(p, 2.0, 1.5).unwrap(), |s, i| s.update(c[i]).map(|x| x.lower));
        let m = ind::macd(c, q, p + q, r).unwrap();
        one!("macd", m.macd, ind::Macd::new(q, p + q, r).unwrap(), |s, i| s.update(c[i]).map(|x| x.macd));
        one!("macd_signal", m.signal, ind::Macd::new(q, p + q, r).unwrap(), |s, i| s.update(c[i]).map(|x| x.signal));
        one!("macd_hist", m.hist, ind::Macd::new(q, p + q, r).unwrap(), |s, i| s.update(c[i]).map(|x| x.hist));
        let st = ind::stoch(h, l, c, p, q, r).unwrap();
        within("stoch_k", &st.k, 0.0, 100.0);
        within("stoch_d", &st.d, 0.0, 100.0);
        one!("stoch_k", st.k, ind::Stoch::new(p, q, r).unwrap(), |s, i| s.update(h[i], l[i], c[i]).map(|x| x.k));
        one!("stoch_d", st.d, ind::Stoch::new(p, q, r).unwrap(), |s, i| s.update(h[i], l[i], c[i]).map(|x| x.d));
        let sf = ind::stochf(h, l, c, p, q).unwrap();
        within("stochf_k", &sf.k, 0.0, 100.0);
        one!("stochf_k", sf.k, ind::StochF::new(p, q).unwrap(), |s, i| s.update(h[i], l[i], c[i]).map(|x| x.k));
        one!("stochf_d", sf.d, ind::StochF::new(p, q).unwrap(), |s, i| s.update(h[i], l[i], c[i]).map(|x| x.d));
        let sr = ind::stochrsi(c, p, q, r).unwrap();
        within("stochrsi_k", &sr.k, 0.0, 100.0);
        one!("stochrsi_k", sr.k, ind::StochRsi::new(p, q, r).unwrap(), |s, i| s.update(c[i]).map(|x| x.k));
        one!("stochrsi_d", sr.d, ind::StochRsi::new(p, q, r).unwrap(), |s, i| s.update(c[i]).map(|x| x.d));
        let rs = ind::rsi(c, p).unwrap();
        within("rsi", &rs, 0.0, 100.0);
        let a = ind::adx(h, l, c, p).unwrap();
        within("adx", &a, 0.0, 100.0);
        {
            let mut s = ind::Directional::new(p).unwrap();
            let lb = s.adx_lookback();
            let stream: Vec<Option<f64>> = (0..n).map(|i| s.update(h[i], l[i], c[i]).and_then(|x| x.adx)).collect();
            same("adx", &a, &stream, lb);
        }
        let pdi = ind::plus_di(h, l, c, p).unwrap();
        within("plus_di", &pdi, 0.0, 100.0);
        one!("plus_di", pdi, ind::Directional::new(p).unwrap(), |s, i| s.update(h[i], l[i], c[i]).map(|x| x.plus_di));
        one!("minus_di", ind::minus_di(h, l, c, p).unwrap(), ind::Directional::new(p).unwrap(), |s, i| s.update(h[i], l[i], c[i]).map(|x| x.minus_di));
        let ar = ind::aroon(h, l, p).unwrap();
        within("aroon_up", &ar.up, 0.0, 100.0);
        within("aroon_down", &ar.down, 0.0, 100.0);
        one!("aroon_up", ar.up, ind::Aroon::new(p).unwrap(), |s, i| s.update(h[i], l[i]).map(|x| x.up));
        one!("aroon_down", ar.down, ind::Aroon::new(p).unwrap(), |s, i| s.update(h[i], l[i]).map(|x| x.down));
        one!("cci", ind::cci(h, l, c, p).unwrap(), ind::Cci::new(p).unwrap(), |s, i| s.update(h[i], l[i], c[i]));
        let mf = ind::mfi(h, l, c, v, p).unwrap();
        within("mfi", &mf, 0.0, 100.0);
        one!("mfi", mf, ind::Mfi::new(p).unwrap(), |s, i| s.update(h[i], l[i], c[i], v[i]));
        {
            let mut s = ind::Obv::new();
            let stream: Vec<Option<f64>> = (0..n).map(|i| Some(s.update(c[i], v[i]))).collect();
            same("obv", &ind::obv(c, v).unwrap(), &stream, 0);
        }
        one!("roc", ind::roc(c, p).unwrap(), ind::Roc::new(p).unwrap(), |s, i| s.update(c[i]));
        one!("mom", ind::mom(c, p).unwrap(), ind::Mom::new(p).unwrap(), |s, i| s.update(c[i]));
        let w = ind::willr(h, l, c, p).unwrap();
        within("willr", &w, -100.0, 0.0);
        one!("willr", w, ind::WillR::new(p).unwrap(), |s, i| s.update(h[i], l[i], c[i]));
        one!("sar", ind::sar(h, l, 0.02, 0.2).unwrap(), ind::Sar::new(0.02, 0.2).unwrap(), |s, i| s.update(h[i], l[i]));
        one!("linreg_slope", ind::linreg_slope(c, p + 1).unwrap(), ind::LinRegSlope::new(p + 1).unwrap(), |s, i| s.update(c[i]));
        one!("zscore", ind::zscore(c, p + 1).unwrap(), ind::ZScore::new(p + 1).unwrap(), |s, i| s.update(c[i]));
        let kc = ind::keltner(h, l, c, p, q, 2.0).unwrap();
        one!("keltner_upper", kc.upper, ind::Keltner::new(p, q, 2.0).unwrap(), |s, i| s.update(h[i], l[i], c[i]).map(|x| x.upper));
        one!("keltner_lower", kc.lower, ind::Keltner::new(p, q, 2.0).unwrap(), |s, i| s.update(h[i], l[i], c[i]).map(|x| x.lower));
        let dc = ind::donchian(h, l, p).unwrap();
        one!("donchian_upper", dc.upper, ind::Donchian::new(p).unwrap(), |s, i| s.update(h[i], l[i]).map(|x| x.upper));
        one!("donchian_middle", dc.middle, ind::Donchian::new(p).unwrap(), |s, i| s.update(h[i], l[i]).map(|x| x.middle));
        // VWAP: a session every 5 bars; bars with positive volume from the start keep it defined.
        let sess: Vec<bool> = (0..n).map(|i| i % 5 == 0).collect();
        let vv: Vec<f64> = v.iter().map(|x| x + 1.0).collect();
        {
            let mut s = ind::Vwap::new();
            let stream: Vec<Option<f64>> = (0..n).map(|i| s.update(h[i], l[i], c[i], vv[i], sess[i])).collect();
            let batch = ind::vwap(h, l, c, &vv, &sess).unwrap();
            same("vwap", &batch, &stream, 0);
            for i in 0..n {
                prop_assert!(batch[i] >= (i / 5 * 5..=i).map(|j| l[j]).fold(f64::INFINITY, f64::min) - 1e-9);
                prop_assert!(batch[i] <= (i / 5 * 5..=i).map(|j| h[j]).fold(f64::NEG_INFINITY, f64::max) + 1e-9);
            }
        }
        let pp = p + 1;
        for (name, est, lb) in [
            ("hv_cc", ind::HvEstimator::CloseToClose, pp),
            ("hv_parkinson", ind::HvEstimator::Parkinson, pp - 1),
            ("hv_gk", ind::HvEstimator::GarmanKlass, pp - 1),
            ("hv_yz", ind::HvEstimator::YangZhang, pp),
        ] {
            let batch = match est {
                ind::HvEstimator::CloseToClose => ind::hv_close_to_close(c, pp, 252.0),
                ind::HvEstimator::Parkinson => ind::hv_parkinson(h, l, pp, 252.0),
                ind::HvEstimator::GarmanKlass => ind::hv_garman_klass(o, h, l, c, pp, 252.0),
                ind::HvEstimator::YangZhang => ind::hv_yang_zhang(o, h, l, c, pp, 252.0),
            }
            .unwrap();
            let mut s = ind::HistVol::new(est, pp, 252.0).unwrap();
            prop_assert_eq!(s.lookback(), lb);
            let stream: Vec<Option<f64>> = (0..n).map(|i| s.update(o[i], h[i], l[i], c[i])).collect();
            same(name, &batch, &stream, lb);
            within(name, &batch, 0.0, f64::INFINITY);
        }
    }
}
