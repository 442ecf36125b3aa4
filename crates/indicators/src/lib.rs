//! # thetalab-indicators
//!
//! Technical indicators with TA-Lib 0.8's conventions (default compatibility mode):
//! the same warm-up lengths, SMA-seeded EMAs, Wilder smoothing, population standard
//! deviation in Bollinger Bands, TA-Lib's MACD seeding and `OBV[0] = volume[0]`.
//!
//! Every indicator comes twice:
//! - a **batch** function over slices returning a `Vec` the length of the input, NaN
//!   in the warm-up positions (`out[i]` is NaN for `i < lookback`), plus `_into`
//!   variants for the hot ones that write into a caller's buffer without allocating;
//! - a **streaming** struct (`Sma::new(period)?`, `update(x) -> Option<f64>`, `None`
//!   during the warm-up) that gives the same numbers one bar at a time.
//!
//! | indicator | batch / streaming | lookback | TA-Lib defaults |
//! |---|---|---|---|
//! | SMA, EMA, WMA | [`sma`] [`Sma`], [`ema`] [`Ema`], [`wma`] [`Wma`] | `p−1` | 30 |
//! | DEMA, TEMA | [`dema`] [`Dema`], [`tema`] [`Tema`] | `2(p−1)`, `3(p−1)` | 30 |
//! | RSI | [`rsi`] [`Rsi`] | `p` | 14 |
//! | TRANGE, ATR, NATR | [`trange`] [`TrueRange`], [`atr`] [`Atr`], [`natr`] [`Natr`] | 1, `p`, `p` | 14 |
//! | MACD | [`macd`] [`Macd`] | `(slow−1)+(signal−1)` | 12, 26, 9 |
//! | BBANDS (SMA) | [`bbands`] [`BBands`] | `p−1` | 5, 2, 2 |
//! | MAX, MIN | [`max`] [`Max`], [`min`] [`Min`] | `p−1` | 30 |
//! | STOCH, STOCHF, STOCHRSI (SMA) | [`stoch`] [`Stoch`], [`stochf`] [`StochF`], [`stochrsi`] [`StochRsi`] | see module docs | 5,3,3 / 5,3 / 14,5,3 |
//! | ADX, +DI, −DI | [`adx`], [`plus_di`], [`minus_di`], [`Directional`] | `2p−1`, `p`, `p` | 14 |
//! | AROON | [`aroon`] [`Aroon`] | `p` | 14 |
//! | CCI | [`cci`] [`Cci`] | `p−1` | 14 |
//! | MFI | [`mfi`] [`Mfi`] | `p` | 14 |
//! | OBV | [`obv`] [`Obv`] | 0 | — |
//! | ROC, MOM | [`roc`] [`Roc`], [`mom`] [`Mom`] | `p` | 10 |
//! | WILLR | [`willr`] [`WillR`] | `p−1` | 14 |
//! | SAR | [`sar`] [`Sar`] | 1 | 0.02, 0.2 |
//! | LINEARREG_SLOPE | [`linreg_slope`] [`LinRegSlope`] | `p−1` | 14 |
//! | VWAP (session-anchored) | [`vwap`] [`Vwap`], [`session_starts`] | 0 | not in TA-Lib |
//! | Keltner, Donchian | [`keltner`] [`Keltner`], [`donchian`] [`Donchian`] | `max(e−1, a)`, `p−1` | not in TA-Lib (20, 10, 2 / 20) |
//! | rolling z-score | [`zscore`] [`ZScore`] | `p−1` | not in TA-Lib |
//! | historical volatility | [`hv_close_to_close`], [`hv_parkinson`], [`hv_garman_klass`], [`hv_yang_zhang`], [`HistVol`] | `n` or `n−1` | not in TA-Lib; 252/year |
//!
//! Inputs are never rejected for their values: a NaN input propagates into the
//! windows that contain it. Shapes and parameters are checked and reported as
//! [`IndicatorError`]s naming the input at fault. Unlike TA-Lib, periods of 1 are
//! accepted where the formula makes sense.
//!
//! ```
//! use thetalab_indicators::{Sma, sma};
//!
//! let close = [1.0, 2.0, 3.0, 4.0, 5.0];
//! let batch = sma(&close, 3)?;
//! assert!(batch[1].is_nan());
//! assert_eq!(batch[2], 2.0);
//!
//! let mut s = Sma::new(3)?;
//! let streamed: Vec<Option<f64>> = close.iter().map(|&c| s.update(c)).collect();
//! assert_eq!(streamed[4], Some(batch[4]));
//! # Ok::<(), thetalab_indicators::IndicatorError>(())
//! ```

mod aroon;
mod atr;
mod bbands;
mod cci;
mod channels;
mod dema;
mod directional;
mod ema;
mod error;
mod hv;
mod linreg;
mod macd;
mod mfi;
mod minmax;
mod momentum;
mod obv;
mod rsi;
mod sar;
mod sma;
mod stoch;
mod vwap;
mod willr;
mod window;
mod wma;
mod zscore;

pub use aroon::{Aroon, AroonOutput, AroonValue, aroon};
pub use atr::{Atr, Natr, TrueRange, atr, atr_into, atr_lookback, natr, trange};
pub use bbands::{BBands, Bands, BandsValue, bbands, bbands_into};
pub use cci::{Cci, cci};
pub use channels::{Donchian, Keltner, donchian, keltner};
pub use dema::{Dema, Tema, dema, tema};
pub use directional::{Directional, DirectionalValue, adx, minus_di, plus_di};
pub use ema::{Ema, ema, ema_into, ema_lookback};
pub use error::{IndicatorError, Result};
pub use hv::{
    HistVol, HvEstimator, TRADING_DAYS_PER_YEAR, hv_close_to_close, hv_garman_klass, hv_parkinson,
    hv_yang_zhang,
};
pub use linreg::{LinRegSlope, linreg_slope};
pub use macd::{Macd, MacdOutput, MacdValue, macd};
pub use mfi::{Mfi, mfi};
pub use minmax::{Max, Min, max, max_into, min, min_into, minmax_lookback};
pub use momentum::{Mom, Roc, mom, roc};
pub use obv::{Obv, obv};
pub use rsi::{Rsi, rsi, rsi_into, rsi_lookback};
pub use sar::{Sar, sar};
pub use sma::{Sma, sma, sma_into, sma_lookback};
pub use stoch::{Stoch, StochF, StochOutput, StochRsi, StochValue, stoch, stochf, stochrsi};
pub use vwap::{Vwap, session_starts, vwap};
pub use willr::{WillR, willr};
pub use wma::{Wma, wma};
pub use zscore::{ZScore, zscore};
