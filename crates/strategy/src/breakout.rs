//! Channel breakout with a volume filter: [`Breakout`].
//!
//! # Rule
//!
//! At bar `i`, with `N = lookback`, `M = volume_window`, `X = max(1, N / 2)` (integer
//! division) and the channels taken over the bars *before* `i` (TA-Lib `MAX`, `MIN`,
//! `SMA` evaluated at `i − 1`, so the bar never competes with itself):
//!
//! * **entry (long):** `close[i] > max(high[i−N..i−1])` and
//!   `volume[i] >= volume_mult × mean(volume[i−M..i−1])` — the Donchian-channel
//!   breakout of the Turtle rules (R. Donchian; Faith, *Way of the Turtle*, 2007) with
//!   a relative-volume confirmation;
//! * **exit:** `close[i] < min(low[i−X..i−1])` (the shorter exit channel of the same
//!   rules); the engine's exits ([`crate::exits`]) apply on top.
//!
//! An entry and the exit cannot coincide (the exit channel's low is below the entry
//! channel's high). Long only. **Warm-up:** no signal (entry or exit) before bar
//! `max(N, M)`, the first bar at which an entry is possible. Defaults: `N = 20`, `volume_mult = 1.5`, `M = 20`.

use thetalab_indicators::{Max, Min, Sma, max, min, sma};

use crate::params::{ind, invalid, or_nan, period};
use crate::{Action, BarInput, BarStrategy, BarsView, Signals, StrategyError, StreamingStrategy};

const NAME: &str = "breakout";

/// N-bar high breakout confirmed by volume (registry name `breakout`); see the
/// [module page](self).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breakout {
    lookback: usize,
    volume_mult: f64,
    volume_window: usize,
}

impl Default for Breakout {
    fn default() -> Self {
        Breakout {
            lookback: 20,
            volume_mult: 1.5,
            volume_window: 20,
        }
    }
}

/// The decision at one bar from the previous bar's channels (both forms call this).
#[inline]
fn decide(
    close: f64,
    volume: f64,
    hh_prev: f64,
    ll_prev: f64,
    avg_vol_prev: f64,
    k: f64,
) -> Action {
    if close > hh_prev && volume >= k * avg_vol_prev {
        Action::EnterLong
    } else if close < ll_prev {
        Action::ExitLong
    } else {
        Action::Hold
    }
}

impl Breakout {
    /// Breakout above the `lookback`-bar high with volume ≥ `volume_mult` × the
    /// `volume_window`-bar average volume. Fails unless both windows are ≥ 1 and
    /// `volume_mult` is finite and ≥ 0 (0 disables the volume filter).
    pub fn new(
        lookback: usize,
        volume_mult: f64,
        volume_window: usize,
    ) -> Result<Self, StrategyError> {
        period(NAME, "lookback", lookback)?;
        period(NAME, "volume_window", volume_window)?;
        if !(volume_mult.is_finite() && volume_mult >= 0.0) {
            return Err(invalid(
                NAME,
                "volume_mult",
                volume_mult,
                "must be finite and >= 0",
            ));
        }
        Ok(Breakout {
            lookback,
            volume_mult,
            volume_window,
        })
    }

    /// Entry channel length `N`.
    #[must_use]
    pub fn lookback(&self) -> usize {
        self.lookback
    }

    /// Exit channel length `max(1, N / 2)`.
    #[must_use]
    pub fn exit_lookback(&self) -> usize {
        (self.lookback / 2).max(1)
    }

    /// Volume multiple `k`.
    #[must_use]
    pub fn volume_mult(&self) -> f64 {
        self.volume_mult
    }

    /// Volume averaging window `M`.
    #[must_use]
    pub fn volume_window(&self) -> usize {
        self.volume_window
    }
}

impl BarStrategy for Breakout {
    fn name(&self) -> &str {
        NAME
    }

    fn params(&self) -> Vec<(String, f64)> {
        vec![
            ("lookback".to_string(), self.lookback as f64),
            ("volume_mult".to_string(), self.volume_mult),
            ("volume_window".to_string(), self.volume_window as f64),
        ]
    }

    fn signals(&self, bars: &BarsView) -> Result<Signals, StrategyError> {
        let hh = max(bars.high, self.lookback).map_err(ind(NAME, "max"))?;
        let ll = min(bars.low, self.exit_lookback()).map_err(ind(NAME, "min"))?;
        let av = sma(bars.volume, self.volume_window).map_err(ind(NAME, "sma"))?;
        let n = bars.len();
        let mut sig = Signals::new(n);
        for i in self.warmup().max(1)..n {
            let a = decide(
                bars.close[i],
                bars.volume[i],
                hh[i - 1],
                ll[i - 1],
                av[i - 1],
                self.volume_mult,
            );
            if a != Action::Hold {
                sig.set(i, a);
            }
        }
        Ok(sig)
    }

    fn warmup(&self) -> usize {
        self.lookback.max(self.volume_window)
    }

    fn streaming(&self) -> Result<Box<dyn StreamingStrategy>, StrategyError> {
        Ok(Box::new(BreakoutStream {
            k: self.volume_mult,
            warmup: self.warmup(),
            seen: 0,
            hh: Max::new(self.lookback).map_err(ind(NAME, "max"))?,
            ll: Min::new(self.exit_lookback()).map_err(ind(NAME, "min"))?,
            av: Sma::new(self.volume_window).map_err(ind(NAME, "sma"))?,
            prev: [f64::NAN; 3],
        }))
    }
}

/// Streaming [`Breakout`]: decides on the channels of the previous bar, then folds the
/// bar in.
#[derive(Debug, Clone)]
struct BreakoutStream {
    k: f64,
    warmup: usize,
    /// Bars seen before this one.
    seen: usize,
    hh: Max,
    ll: Min,
    av: Sma,
    /// Highest high, lowest low and average volume as of the previous bar.
    prev: [f64; 3],
}

impl StreamingStrategy for BreakoutStream {
    fn on_bar(&mut self, bar: &BarInput) -> Action {
        let [hh, ll, av] = self.prev;
        let a = if self.seen >= self.warmup {
            decide(bar.close, bar.volume, hh, ll, av, self.k)
        } else {
            Action::Hold
        };
        self.seen = self.seen.saturating_add(1);
        self.prev = [
            or_nan(self.hh.update(bar.high)),
            or_nan(self.ll.update(bar.low)),
            or_nan(self.av.update(bar.volume)),
        ];
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decide_rule() {
        assert_eq!(
            decide(11.0, 300.0, 10.0, 8.0, 200.0, 1.5),
            Action::EnterLong
        );
        assert_eq!(decide(11.0, 299.0, 10.0, 8.0, 200.0, 1.5), Action::Hold);
        assert_eq!(decide(10.0, 900.0, 10.0, 8.0, 200.0, 1.5), Action::Hold);
        assert_eq!(decide(7.9, 0.0, 10.0, 8.0, 200.0, 1.5), Action::ExitLong);
        assert_eq!(decide(11.0, 300.0, f64::NAN, 8.0, 200.0, 1.5), Action::Hold);
    }

    #[test]
    fn bad_params() {
        assert!(Breakout::new(0, 1.0, 5).is_err());
        assert!(Breakout::new(5, 1.0, 0).is_err());
        assert!(Breakout::new(5, -1.0, 5).is_err());
        assert!(Breakout::new(5, f64::INFINITY, 5).is_err());
        assert_eq!(Breakout::new(3, 0.0, 5).unwrap().exit_lookback(), 1);
    }
}
