//! Hand-computed signals on tiny series, one test per strategy.

use thetalab_strategy::{
    Action, BarStrategy, Breakout, BuyAndHold, EmaCross, MeanReversion, SmaCross,
};

use crate::common::{assert_parity, flat_bars, hlcv_bars, idx};

const CLOSES: [f64; 8] = [10.0, 9.0, 8.0, 9.0, 11.0, 12.0, 10.0, 8.0];

#[test]
fn sma_cross_2_3() {
    // SMA2: -, 9.5, 8.5, 8.5, 10, 11.5, 11, 9
    // SMA3: -, -, 9, 8.667, 9.333, 10.667, 11, 10
    // bar 4: 10 > 9.333 after 8.5 <= 8.667 → cross above;
    // bar 6: 11 == 11 is neither; bar 7: 9 < 10 after 11 >= 11 → cross below.
    let bars = flat_bars(&CLOSES);
    let s = SmaCross::new(2, 3).unwrap();
    let sig = assert_parity(&s, &bars);
    assert_eq!(idx(&sig.entries), [4]);
    assert_eq!(idx(&sig.exits), [7]);
    assert!(!sig.has_shorts());
    assert_eq!(s.warmup(), 3);

    let sig = assert_parity(&s.with_short(true), &bars);
    assert_eq!(sig.action_at(4), Some(Action::ReverseToLong));
    assert_eq!(sig.action_at(7), Some(Action::ReverseToShort));
    assert_eq!(idx(&sig.short_entries), [7]);
    assert_eq!(idx(&sig.short_exits), [4]);
}

#[test]
fn ema_cross_2_3() {
    // EMA2 (k = 2/3, seeded with SMA2 = 9.5 at bar 1): 9.5, 8.5, 8.8333, 10.2778,
    //   11.4259, 10.4753, 8.8251
    // EMA3 (k = 1/2, seeded with SMA3 = 9 at bar 2): 9, 9, 10, 11, 10.5, 9.25
    // bar 4: 10.2778 > 10 after 8.8333 <= 9 → above; bar 6: 10.4753 < 10.5 → below.
    let bars = flat_bars(&CLOSES);
    let sig = assert_parity(&EmaCross::new(2, 3).unwrap(), &bars);
    assert_eq!(idx(&sig.entries), [4]);
    assert_eq!(idx(&sig.exits), [6]);
}

#[test]
fn mean_reversion_rsi2_bb3() {
    // closes 10 11 12 11 9 10 12 13
    // RSI(2), Wilder: bar 2: 100; 3: 50; 4: 16.67; 5: 50; 6: 80.77; 7: 88.10
    // BB(3, 1σ) middle: 11, 11.333, 10.667, 10, 10.333, 11.667
    //           lower: 10.18, 10.86, 9.42, 9.18, 9.09, 10.42
    //           upper: 11.82, 11.80, 11.91, 10.82, 11.58, 12.91
    let bars = flat_bars(&[10.0, 11.0, 12.0, 11.0, 9.0, 10.0, 12.0, 13.0]);
    let m = MeanReversion {
        rsi_period: 2,
        bb_period: 3,
        bb_dev: 1.0,
        ..MeanReversion::default()
    };
    assert_eq!(m.warmup(), 2);
    let sig = assert_parity(&m, &bars);
    // bar 4: RSI 16.67 < 30 (and 9 < lower) → long; bar 5: close 10 == middle → exit;
    // bars 2, 6, 7: close above the middle → exit (a no-op when flat).
    assert_eq!(idx(&sig.entries), [4]);
    assert_eq!(idx(&sig.exits), [2, 5, 6, 7]);

    let sig = assert_parity(
        &MeanReversion {
            allow_short: true,
            ..m
        },
        &bars,
    );
    let acts: Vec<_> = (0..8).map(|i| sig.action_at(i).unwrap()).collect();
    use Action::*;
    // bar 2: RSI 100 > 70; bar 3: close 11 <= middle 11.333 → short exit; bar 4: long
    // (and cover); bar 5: at the mean → flat; bars 6-7: RSI > 70 → short (and exit long).
    assert_eq!(
        acts,
        [
            Hold,
            Hold,
            ReverseToShort,
            ExitShort,
            ReverseToLong,
            Flatten,
            ReverseToShort,
            ReverseToShort
        ]
    );
}

#[test]
fn breakout_3_bars_volume_1_5x_of_2() {
    // (high, low, close, volume)
    let rows = [
        (10.0, 9.0, 9.5, 100.0),
        (10.5, 9.5, 10.0, 100.0),
        (10.2, 9.6, 10.0, 100.0),
        // 10.8 > max(10, 10.5, 10.2) = 10.5 and 200 >= 1.5 × mean(100, 100) → entry
        (11.0, 10.0, 10.8, 200.0),
        // 11.2 > 11 but 120 < 1.5 × mean(100, 200) = 225 → no entry
        (11.5, 10.5, 11.2, 120.0),
        // exit channel max(1, 3/2) = 1 bar: 10.4 < low[4] = 10.5 → exit
        (11.6, 10.2, 10.4, 100.0),
        // 12.4 > 11.6 and 400 >= 1.5 × mean(120, 100) = 165 → entry
        (12.5, 10.4, 12.4, 400.0),
    ];
    let bars = hlcv_bars(&rows);
    let b = Breakout::new(3, 1.5, 2).unwrap();
    assert_eq!(b.warmup(), 3);
    let sig = assert_parity(&b, &bars);
    assert_eq!(idx(&sig.entries), [3, 6]);
    assert_eq!(idx(&sig.exits), [5]);
    // Without the volume filter bar 4 also breaks out.
    let sig = assert_parity(&Breakout::new(3, 0.0, 2).unwrap(), &bars);
    assert_eq!(idx(&sig.entries), [3, 4, 6]);
}

#[test]
fn buy_and_hold_enters_at_first_usable_close() {
    let bars = flat_bars(&[f64::NAN, 0.0, 5.0, 6.0, 7.0]);
    let sig = assert_parity(&BuyAndHold, &bars);
    assert_eq!(idx(&sig.entries), [2]);
    assert!(idx(&sig.exits).is_empty());
    let sig = assert_parity(&BuyAndHold, &flat_bars(&[]));
    assert!(sig.is_empty());
}

#[test]
fn short_series_give_no_signals() {
    let bars = flat_bars(&[1.0, 2.0]);
    for s in [
        Box::new(SmaCross::new(10, 50).unwrap()) as Box<dyn BarStrategy>,
        Box::new(EmaCross::new(10, 50).unwrap()),
        Box::new(MeanReversion::default()),
        Box::new(Breakout::default()),
    ] {
        let sig = assert_parity(s.as_ref(), &bars);
        assert_eq!(sig, thetalab_strategy::Signals::new(2));
    }
}
