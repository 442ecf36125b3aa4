//! Streaming actions == vectorized signals, bar by bar, on random series for random
//! parameters (every strategy of the crate).

use proptest::prelude::*;
use thetalab_strategy::{BarStrategy, Breakout, BuyAndHold, EmaCross, MeanReversion, SmaCross};

use crate::common::{arb_bars, assert_parity};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn ma_crosses(bars in arb_bars(250), fast in 1usize..20, gap in 1usize..30, short in any::<bool>()) {
        assert_parity(&SmaCross::new(fast, fast + gap).unwrap().with_short(short), &bars);
        assert_parity(&EmaCross::new(fast, fast + gap).unwrap().with_short(short), &bars);
    }

    #[test]
    fn mean_reversion(
        bars in arb_bars(250), rsi_period in 1usize..20, bb_period in 1usize..25,
        rsi_low in 10.0f64..45.0, width in 5.0f64..40.0, bb_dev in 0.5f64..3.0, short in any::<bool>(),
    ) {
        let m = MeanReversion {
            rsi_period, bb_period, rsi_low, rsi_high: rsi_low + width, bb_dev,
            allow_short: short, ..MeanReversion::default()
        };
        assert_parity(&m, &bars);
    }

    #[test]
    fn breakout(bars in arb_bars(250), lookback in 1usize..30, k in 0.0f64..2.5, m in 1usize..30) {
        assert_parity(&Breakout::new(lookback, k, m).unwrap(), &bars);
    }

    #[test]
    fn buy_and_hold(bars in arb_bars(50)) {
        let sig = assert_parity(&BuyAndHold, &bars);
        prop_assert_eq!(sig.entries.iter().filter(|&&b| b).count(), usize::from(!bars.close.is_empty()));
    }
}

#[test]
fn registry_strategies_share_the_trait_object_path() {
    // The boxed strategies from the registry run the same parity check.
    let bars = {
        let closes: Vec<f64> = (0..300)
            .map(|i| 100.0 + 10.0 * (i as f64 / 9.0).sin() + i as f64 * 0.05)
            .collect();
        crate::common::flat_bars(&closes)
    };
    for name in thetalab_strategy::STRATEGY_NAMES {
        let s: Box<dyn BarStrategy> = thetalab_strategy::by_name(name, &[]).unwrap();
        assert_parity(s.as_ref(), &bars);
    }
}
