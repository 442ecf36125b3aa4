//! Moving-average crossover: [`SmaCross`] and [`EmaCross`].
//!
//! # Rule
//!
//! With `f` the fast and `s` the slow moving average of the close (TA-Lib `SMA` /
//! `EMA`, SMA-seeded):
//!
//! * **crosses above** at bar `i`: `f[i] > s[i]` and `f[i−1] <= s[i−1]`;
//! * **crosses below** at bar `i`: `f[i] < s[i]` and `f[i−1] >= s[i−1]`.
//!
//! Long only (default): enter long on a cross above, exit on a cross below. With
//! `allow_short`, a cross below also enters short and a cross above also covers it
//! (the position reverses at every cross: [`Action::ReverseToLong`] /
//! [`Action::ReverseToShort`]).
//!
//! **Warm-up.** Any comparison with a NaN is false, so no cross is signalled until both
//! averages are defined at `i − 1` and `i`: the first possible signal is at bar `slow`
//! (the slow average's first value is at `slow − 1`), which is [`BarStrategy::warmup`].
//! A NaN close poisons the running averages from then on (TA-Lib's behaviour), which
//! silences the strategy; validate data upstream.

use thetalab_indicators::{Ema, Sma, ema, sma};

use crate::params::{flag, ind, invalid, or_nan, period};
use crate::{Action, BarInput, BarStrategy, BarsView, Signals, StrategyError, StreamingStrategy};

/// True when `a` crosses above `b` at this bar: `a > b` now and `a <= b` at the
/// previous bar (false whenever a value is NaN).
#[inline]
#[must_use]
pub fn crossed_above(a_prev: f64, b_prev: f64, a: f64, b: f64) -> bool {
    a > b && a_prev <= b_prev
}

/// True when `a` crosses below `b` at this bar: `a < b` now and `a >= b` at the
/// previous bar (false whenever a value is NaN).
#[inline]
#[must_use]
pub fn crossed_below(a_prev: f64, b_prev: f64, a: f64, b: f64) -> bool {
    a < b && a_prev >= b_prev
}

/// The crossover decision at one bar from the two averages at the previous and the
/// current bar (the one rule both forms use).
#[inline]
#[must_use]
pub fn cross_action(f_prev: f64, s_prev: f64, f: f64, s: f64, allow_short: bool) -> Action {
    if crossed_above(f_prev, s_prev, f, s) {
        if allow_short {
            Action::ReverseToLong
        } else {
            Action::EnterLong
        }
    } else if crossed_below(f_prev, s_prev, f, s) {
        if allow_short {
            Action::ReverseToShort
        } else {
            Action::ExitLong
        }
    } else {
        Action::Hold
    }
}

/// Crossover signals from precomputed fast and slow averages of equal length (what a
/// parameter sweep calls after computing each distinct window once).
pub fn cross_signals(
    fast: &[f64],
    slow: &[f64],
    allow_short: bool,
) -> Result<Signals, StrategyError> {
    if fast.len() != slow.len() {
        return Err(StrategyError::LengthMismatch {
            column: "slow".to_string(),
            len: slow.len(),
            expected: fast.len(),
        });
    }
    let mut sig = Signals::new(fast.len());
    for i in 1..fast.len() {
        let a = cross_action(fast[i - 1], slow[i - 1], fast[i], slow[i], allow_short);
        if a != Action::Hold {
            sig.set(i, a);
        }
    }
    Ok(sig)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sma,
    Ema,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cross {
    kind: Kind,
    fast: usize,
    slow: usize,
    allow_short: bool,
}

impl Cross {
    fn new(kind: Kind, fast: usize, slow: usize) -> Result<Self, StrategyError> {
        let name = kind.name();
        period(name, "fast", fast)?;
        period(name, "slow", slow)?;
        if fast >= slow {
            return Err(invalid(
                name,
                "fast",
                fast as f64,
                &format!("must be < slow ({slow})"),
            ));
        }
        Ok(Cross {
            kind,
            fast,
            slow,
            allow_short: false,
        })
    }

    fn params(&self) -> Vec<(String, f64)> {
        vec![
            ("fast".to_string(), self.fast as f64),
            ("slow".to_string(), self.slow as f64),
            ("allow_short".to_string(), flag(self.allow_short)),
        ]
    }

    fn signals(&self, bars: &BarsView) -> Result<Signals, StrategyError> {
        let name = self.kind.name();
        let (f, s) = match self.kind {
            Kind::Sma => (
                sma(bars.close, self.fast).map_err(ind(name, "sma"))?,
                sma(bars.close, self.slow).map_err(ind(name, "sma"))?,
            ),
            Kind::Ema => (
                ema(bars.close, self.fast).map_err(ind(name, "ema"))?,
                ema(bars.close, self.slow).map_err(ind(name, "ema"))?,
            ),
        };
        cross_signals(&f, &s, self.allow_short)
    }

    fn streaming(&self) -> Result<Box<dyn StreamingStrategy>, StrategyError> {
        let name = self.kind.name();
        let (fast, slow) = match self.kind {
            Kind::Sma => (
                Ma::Sma(Sma::new(self.fast).map_err(ind(name, "sma"))?),
                Ma::Sma(Sma::new(self.slow).map_err(ind(name, "sma"))?),
            ),
            Kind::Ema => (
                Ma::Ema(Ema::new(self.fast).map_err(ind(name, "ema"))?),
                Ma::Ema(Ema::new(self.slow).map_err(ind(name, "ema"))?),
            ),
        };
        Ok(Box::new(CrossStream {
            fast,
            slow,
            prev: (f64::NAN, f64::NAN),
            allow_short: self.allow_short,
        }))
    }
}

impl Kind {
    const fn name(self) -> &'static str {
        match self {
            Kind::Sma => "sma-cross",
            Kind::Ema => "ema-cross",
        }
    }
}

#[derive(Debug, Clone)]
enum Ma {
    Sma(Sma),
    Ema(Ema),
}

impl Ma {
    fn update(&mut self, x: f64) -> f64 {
        or_nan(match self {
            Ma::Sma(m) => m.update(x),
            Ma::Ema(m) => m.update(x),
        })
    }
}

/// Streaming crossover (both [`SmaCross`] and [`EmaCross`]).
#[derive(Debug, Clone)]
struct CrossStream {
    fast: Ma,
    slow: Ma,
    prev: (f64, f64),
    allow_short: bool,
}

impl StreamingStrategy for CrossStream {
    fn on_bar(&mut self, bar: &BarInput) -> Action {
        let f = self.fast.update(bar.close);
        let s = self.slow.update(bar.close);
        let a = cross_action(self.prev.0, self.prev.1, f, s, self.allow_short);
        self.prev = (f, s);
        a
    }
}

macro_rules! cross_strategy {
    ($(#[$doc:meta])* $ty:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $ty(Cross);

        impl $ty {
            /// Default fast window (registry default).
            pub const DEFAULT_FAST: usize = 10;
            /// Default slow window (registry default).
            pub const DEFAULT_SLOW: usize = 50;

            /// Long-only crossover of a `fast`- and a `slow`-bar average;
            /// fails unless `1 <= fast < slow`.
            pub fn new(fast: usize, slow: usize) -> Result<Self, StrategyError> {
                Cross::new($kind, fast, slow).map($ty)
            }

            /// Also trade the short side (reverse at every cross).
            #[must_use]
            pub fn with_short(mut self, allow_short: bool) -> Self {
                self.0.allow_short = allow_short;
                self
            }

            /// Fast window.
            #[must_use]
            pub fn fast(&self) -> usize {
                self.0.fast
            }

            /// Slow window.
            #[must_use]
            pub fn slow(&self) -> usize {
                self.0.slow
            }

            /// Whether shorts are taken.
            #[must_use]
            pub fn allow_short(&self) -> bool {
                self.0.allow_short
            }
        }

        impl BarStrategy for $ty {
            fn name(&self) -> &str {
                $kind.name()
            }
            fn params(&self) -> Vec<(String, f64)> {
                self.0.params()
            }
            fn signals(&self, bars: &BarsView) -> Result<Signals, StrategyError> {
                self.0.signals(bars)
            }
            fn warmup(&self) -> usize {
                self.0.slow
            }
            fn streaming(&self) -> Result<Box<dyn StreamingStrategy>, StrategyError> {
                self.0.streaming()
            }
        }
    };
}

cross_strategy!(
    /// Simple-moving-average crossover (registry name `sma-cross`; defaults fast 10,
    /// slow 50). See the [module page](self) for the exact rule.
    SmaCross,
    Kind::Sma
);

cross_strategy!(
    /// Exponential-moving-average crossover (registry name `ema-cross`; defaults fast
    /// 10, slow 50; TA-Lib's SMA-seeded EMA). See the [module page](self).
    EmaCross,
    Kind::Ema
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_definitions() {
        assert!(crossed_above(1.0, 1.0, 2.0, 1.0));
        assert!(!crossed_above(1.0, 1.0, 1.0, 1.0));
        assert!(!crossed_above(f64::NAN, 1.0, 2.0, 1.0));
        assert!(crossed_below(1.0, 1.0, 0.5, 1.0));
        assert!(!crossed_below(0.9, 1.0, 0.5, 1.0));
        assert_eq!(
            cross_action(1.0, 2.0, 3.0, 2.0, true),
            Action::ReverseToLong
        );
        assert_eq!(
            cross_action(3.0, 2.0, 1.0, 2.0, true),
            Action::ReverseToShort
        );
        assert_eq!(cross_action(3.0, 2.0, 1.0, 2.0, false), Action::ExitLong);
    }

    #[test]
    fn bad_windows() {
        assert!(SmaCross::new(0, 5).is_err());
        assert!(SmaCross::new(5, 5).is_err());
        assert!(EmaCross::new(6, 5).is_err());
        let e = SmaCross::new(50, 10).unwrap_err().to_string();
        assert!(
            e.contains("sma-cross") && e.contains("fast") && e.contains("slow"),
            "{e}"
        );
    }

    #[test]
    fn lengths_checked() {
        assert!(cross_signals(&[1.0], &[1.0, 2.0], false).is_err());
    }
}
