//! Mean reversion on RSI and Bollinger Bands: [`MeanReversion`].
//!
//! # Rule
//!
//! With `rsi` = TA-Lib `RSI(rsi_period)` of the close and `lower`, `middle`, `upper` =
//! TA-Lib `BBANDS(bb_period, bb_dev, bb_dev)` of the close (SMA middle band, population
//! standard deviation), at bar `i`:
//!
//! * **long exit** `LX`: `close >= middle` (the price is back at the mean) or RSI
//!   crosses above `rsi_exit` (`rsi[i] > rsi_exit >= rsi[i−1]`);
//! * **long entry**: (`rsi < rsi_low` or `close < lower`) and not `LX` (an entry never
//!   coincides with its own exit);
//! * with `allow_short`, symmetrically: **short exit** `SX`: `close <= middle` or RSI
//!   crosses below `rsi_exit` (`rsi[i] < rsi_exit <= rsi[i−1]`); **short entry**:
//!   (`rsi > rsi_high` or `close > upper`) and not `SX`.
//!
//! A long entry with shorts allowed always comes with `SX` (the close is below the
//! mean), i.e. [`Action::ReverseToLong`]; likewise short entries are
//! [`Action::ReverseToShort`]; `LX` and `SX` together are [`Action::Flatten`].
//!
//! **Warm-up.** No signal until the RSI and the bands are all defined (TA-Lib lookbacks
//! `rsi_period` and `bb_period − 1`): [`BarStrategy::warmup`] =
//! `max(rsi_period, bb_period − 1)`. Defaults: RSI 14 with 30/70, bands 20 × 2,
//! exit level 50.

use thetalab_indicators::{BBands, Rsi, bbands, rsi};

use crate::params::{flag, ind, invalid, or_nan, period, real_in};
use crate::{Action, BarInput, BarStrategy, BarsView, Signals, StrategyError, StreamingStrategy};

const NAME: &str = "mean-reversion";

/// RSI / Bollinger mean reversion (registry name `mean-reversion`); see the
/// [module page](self) for the rule. Fields are public; [`MeanReversion::validate`]
/// runs before any use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanReversion {
    /// RSI window (default 14).
    pub rsi_period: usize,
    /// Oversold level: RSI below it is a long entry (default 30).
    pub rsi_low: f64,
    /// Overbought level: RSI above it is a short entry (default 70).
    pub rsi_high: f64,
    /// RSI level whose crossing exits (default 50).
    pub rsi_exit: f64,
    /// Bollinger window (default 20).
    pub bb_period: usize,
    /// Bollinger width in standard deviations, both bands (default 2).
    pub bb_dev: f64,
    /// Also trade the symmetric short side (default false).
    pub allow_short: bool,
}

impl Default for MeanReversion {
    fn default() -> Self {
        MeanReversion {
            rsi_period: 14,
            rsi_low: 30.0,
            rsi_high: 70.0,
            rsi_exit: 50.0,
            bb_period: 20,
            bb_dev: 2.0,
            allow_short: false,
        }
    }
}

/// The bar's inputs to the decision (the previous RSI for the crosses).
#[derive(Debug, Clone, Copy)]
struct Inputs {
    close: f64,
    rsi_prev: f64,
    rsi: f64,
    lower: f64,
    middle: f64,
    upper: f64,
}

impl MeanReversion {
    /// Checks the parameters: windows ≥ 1, `0 <= rsi_low < rsi_high <= 100`,
    /// `rsi_exit` in [0, 100], `bb_dev` finite and > 0.
    pub fn validate(&self) -> Result<(), StrategyError> {
        period(NAME, "rsi_period", self.rsi_period)?;
        period(NAME, "bb_period", self.bb_period)?;
        real_in(NAME, "rsi_low", self.rsi_low, 0.0, 100.0)?;
        real_in(NAME, "rsi_high", self.rsi_high, 0.0, 100.0)?;
        real_in(NAME, "rsi_exit", self.rsi_exit, 0.0, 100.0)?;
        if self.rsi_low >= self.rsi_high {
            return Err(invalid(
                NAME,
                "rsi_low",
                self.rsi_low,
                &format!("must be < rsi_high ({})", self.rsi_high),
            ));
        }
        if !(self.bb_dev.is_finite() && self.bb_dev > 0.0) {
            return Err(invalid(
                NAME,
                "bb_dev",
                self.bb_dev,
                "must be finite and > 0",
            ));
        }
        Ok(())
    }

    /// The decision at one bar (both forms call this).
    fn decide(&self, x: Inputs) -> Action {
        let defined = [x.close, x.rsi, x.lower, x.middle, x.upper]
            .iter()
            .all(|v| v.is_finite());
        if !defined {
            return Action::Hold;
        }
        let lx = x.close >= x.middle || (x.rsi > self.rsi_exit && x.rsi_prev <= self.rsi_exit);
        let le = (x.rsi < self.rsi_low || x.close < x.lower) && !lx;
        if !self.allow_short {
            return if le {
                Action::EnterLong
            } else if lx {
                Action::ExitLong
            } else {
                Action::Hold
            };
        }
        let sx = x.close <= x.middle || (x.rsi < self.rsi_exit && x.rsi_prev >= self.rsi_exit);
        let se = (x.rsi > self.rsi_high || x.close > x.upper) && !sx;
        // le ⇒ close < middle ⇒ sx, and se ⇒ close > middle ⇒ lx: every combination
        // is an Action.
        Action::from_flags([le, lx, se, sx]).unwrap_or(Action::Hold)
    }
}

impl BarStrategy for MeanReversion {
    fn name(&self) -> &str {
        NAME
    }

    fn params(&self) -> Vec<(String, f64)> {
        vec![
            ("rsi_period".to_string(), self.rsi_period as f64),
            ("rsi_low".to_string(), self.rsi_low),
            ("rsi_high".to_string(), self.rsi_high),
            ("rsi_exit".to_string(), self.rsi_exit),
            ("bb_period".to_string(), self.bb_period as f64),
            ("bb_dev".to_string(), self.bb_dev),
            ("allow_short".to_string(), flag(self.allow_short)),
        ]
    }

    fn signals(&self, bars: &BarsView) -> Result<Signals, StrategyError> {
        self.validate()?;
        let r = rsi(bars.close, self.rsi_period).map_err(ind(NAME, "rsi"))?;
        let b = bbands(bars.close, self.bb_period, self.bb_dev, self.bb_dev)
            .map_err(ind(NAME, "bbands"))?;
        let n = bars.len();
        let mut sig = Signals::new(n);
        for i in 0..n {
            let a = self.decide(Inputs {
                close: bars.close[i],
                rsi_prev: if i > 0 { r[i - 1] } else { f64::NAN },
                rsi: r[i],
                lower: b.lower[i],
                middle: b.middle[i],
                upper: b.upper[i],
            });
            if a != Action::Hold {
                sig.set(i, a);
            }
        }
        Ok(sig)
    }

    fn warmup(&self) -> usize {
        self.rsi_period.max(self.bb_period.saturating_sub(1))
    }

    fn streaming(&self) -> Result<Box<dyn StreamingStrategy>, StrategyError> {
        self.validate()?;
        Ok(Box::new(MeanReversionStream {
            params: *self,
            rsi: Rsi::new(self.rsi_period).map_err(ind(NAME, "rsi"))?,
            bands: BBands::new(self.bb_period, self.bb_dev, self.bb_dev)
                .map_err(ind(NAME, "bbands"))?,
            rsi_prev: f64::NAN,
        }))
    }
}

/// Streaming [`MeanReversion`].
#[derive(Debug, Clone)]
struct MeanReversionStream {
    params: MeanReversion,
    rsi: Rsi,
    bands: BBands,
    rsi_prev: f64,
}

impl StreamingStrategy for MeanReversionStream {
    fn on_bar(&mut self, bar: &BarInput) -> Action {
        let rsi = or_nan(self.rsi.update(bar.close));
        let b = self.bands.update(bar.close);
        let a = self.params.decide(Inputs {
            close: bar.close,
            rsi_prev: self.rsi_prev,
            rsi,
            lower: or_nan(b.map(|v| v.lower)),
            middle: or_nan(b.map(|v| v.middle)),
            upper: or_nan(b.map(|v| v.upper)),
        });
        self.rsi_prev = rsi;
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(close: f64, rsi_prev: f64, rsi: f64) -> Inputs {
        Inputs {
            close,
            rsi_prev,
            rsi,
            lower: 90.0,
            middle: 100.0,
            upper: 110.0,
        }
    }

    #[test]
    fn decisions_long_only() {
        let m = MeanReversion::default();
        assert_eq!(m.decide(inputs(95.0, 35.0, 25.0)), Action::EnterLong); // RSI < 30
        assert_eq!(m.decide(inputs(89.0, 45.0, 40.0)), Action::EnterLong); // below lower band
        assert_eq!(m.decide(inputs(100.0, 45.0, 40.0)), Action::ExitLong); // at the mean
        assert_eq!(m.decide(inputs(95.0, 49.0, 51.0)), Action::ExitLong); // RSI crosses 50
        assert_eq!(m.decide(inputs(89.0, 49.0, 51.0)), Action::ExitLong); // exit beats entry
        assert_eq!(m.decide(inputs(95.0, 52.0, 51.0)), Action::Hold);
        assert_eq!(m.decide(inputs(f64::NAN, 52.0, 20.0)), Action::Hold);
        assert_eq!(m.decide(inputs(120.0, 60.0, 80.0)), Action::ExitLong); // no shorts
    }

    #[test]
    fn decisions_with_shorts() {
        let m = MeanReversion {
            allow_short: true,
            ..MeanReversion::default()
        };
        assert_eq!(m.decide(inputs(95.0, 35.0, 25.0)), Action::ReverseToLong);
        assert_eq!(m.decide(inputs(105.0, 60.0, 75.0)), Action::ReverseToShort); // RSI > 70
        assert_eq!(m.decide(inputs(111.0, 60.0, 65.0)), Action::ReverseToShort); // above upper
        assert_eq!(m.decide(inputs(100.0, 45.0, 40.0)), Action::Flatten); // at the mean
        // Above the mean (LX) while RSI crosses below 50 (SX): both exits.
        assert_eq!(m.decide(inputs(105.0, 51.0, 49.0)), Action::Flatten);
        assert_eq!(m.decide(inputs(95.0, 45.0, 40.0)), Action::ExitShort);
    }

    #[test]
    fn bad_params() {
        let d = MeanReversion::default();
        for m in [
            MeanReversion { rsi_period: 0, ..d },
            MeanReversion { bb_period: 0, ..d },
            MeanReversion {
                rsi_low: 70.0,
                rsi_high: 30.0,
                ..d
            },
            MeanReversion { bb_dev: 0.0, ..d },
            MeanReversion {
                rsi_exit: f64::NAN,
                ..d
            },
        ] {
            assert!(
                matches!(m.validate(), Err(StrategyError::InvalidParam { .. })),
                "{m:?}"
            );
        }
    }
}
