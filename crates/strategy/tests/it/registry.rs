//! The registry: names, defaults, round trips and typed errors for bad parameters.

use thetalab_strategy::{STRATEGY_NAMES, StrategyError, by_name, default_params};

fn p(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
    pairs.iter().map(|&(k, v)| (k.to_string(), v)).collect()
}

#[test]
fn defaults_and_round_trip() {
    let s = by_name("sma-cross", &[]).unwrap();
    assert_eq!(
        s.params(),
        p(&[("fast", 10.0), ("slow", 50.0), ("allow_short", 0.0)])
    );
    assert_eq!(s.warmup(), 50);
    for name in STRATEGY_NAMES {
        let s = by_name(name, &[]).unwrap();
        assert_eq!(s.name(), name);
        assert_eq!(s.params(), default_params(name).unwrap());
        let again = by_name(name, &s.params()).unwrap();
        assert_eq!(again.params(), s.params());
    }
    let m = by_name(
        "mean-reversion",
        &p(&[("rsi_low", 25.0), ("bb_dev", 2.5), ("allow_short", 1.0)]),
    )
    .unwrap();
    let got = m.params();
    assert!(got.contains(&("rsi_low".to_string(), 25.0)));
    assert!(got.contains(&("bb_dev".to_string(), 2.5)));
    assert!(got.contains(&("allow_short".to_string(), 1.0)));
    // Last value wins.
    let s = by_name(
        "ema-cross",
        &p(&[("fast", 3.0), ("fast", 4.0), ("slow", 9.0)]),
    )
    .unwrap();
    assert_eq!(s.params()[0].1, 4.0);
}

#[test]
fn unknown_names_and_params_list_the_valid_ones() {
    let e = by_name("sma_cros", &[]).err().unwrap();
    assert!(matches!(e, StrategyError::UnknownStrategy { .. }));
    let msg = e.to_string();
    for name in STRATEGY_NAMES {
        assert!(msg.contains(name), "{msg}");
    }
    let e = by_name("breakout", &p(&[("window", 5.0)])).err().unwrap();
    assert_eq!(
        e,
        StrategyError::UnknownParam {
            strategy: "breakout".into(),
            param: "window".into(),
            valid: "lookback, volume_mult, volume_window".into(),
        }
    );
    let e = by_name("buy-hold", &p(&[("x", 1.0)])).err().unwrap();
    assert!(e.to_string().contains("(none)"));
}

#[test]
fn bad_values_are_typed_errors() {
    type Case<'a> = (&'a str, &'a [(&'a str, f64)], &'a str);
    let cases: &[Case] = &[
        ("sma-cross", &[("fast", 50.0), ("slow", 10.0)], "fast"),
        ("sma-cross", &[("fast", 20.0), ("slow", 20.0)], "fast"),
        ("ema-cross", &[("fast", 0.0)], "fast"),
        ("sma-cross", &[("fast", 2.5)], "fast"),
        ("sma-cross", &[("slow", -5.0)], "slow"),
        ("sma-cross", &[("slow", f64::NAN)], "slow"),
        ("sma-cross", &[("allow_short", 0.5)], "allow_short"),
        ("mean-reversion", &[("rsi_period", 0.0)], "rsi_period"),
        ("mean-reversion", &[("bb_period", 0.0)], "bb_period"),
        ("mean-reversion", &[("rsi_low", 80.0)], "rsi_low"),
        ("mean-reversion", &[("bb_dev", -1.0)], "bb_dev"),
        ("breakout", &[("lookback", 0.0)], "lookback"),
        ("breakout", &[("volume_window", 0.0)], "volume_window"),
        ("breakout", &[("volume_mult", f64::INFINITY)], "volume_mult"),
    ];
    for &(name, params, bad) in cases {
        match by_name(name, &p(params)) {
            Err(StrategyError::InvalidParam {
                strategy, param, ..
            }) => {
                assert_eq!(strategy, name);
                assert_eq!(param, bad, "{name} {params:?}");
            }
            other => panic!("{name} {params:?}: {:?}", other.map(|s| s.params())),
        }
    }
}
