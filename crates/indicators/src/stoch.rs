//! Stochastic oscillators (TA-Lib `STOCH`, `STOCHF`, `STOCHRSI`; SMA smoothing only).
//!
//! Lane (1984): raw `%K = 100 · (C − LL_n) / (HH_n − LL_n)` over `fastk` bars, computed
//! as TA-Lib does, `(C − LL) / ((HH − LL) / 100)`, and 0 when `HH = LL` (ta_STOCH.c).
//! `STOCH`: slow %K = SMA(raw %K, slowk), slow %D = SMA(slow %K, slowd); lookback
//! `(fastk−1)+(slowk−1)+(slowd−1)`; TA-Lib defaults `5, 3, 3` (charts often use 14, 3, 3).
//! `STOCHF`: %K = raw %K, %D = SMA(%K, fastd); lookback `(fastk−1)+(fastd−1)`,
//! defaults `5, 3`. `STOCHRSI` (Chande & Kroll, 1994): `STOCHF` applied to RSI(p)
//! as high, low and close; lookback `p + (fastk−1)+(fastd−1)`; defaults `14, 5, 3`.
//! Both lines are output only from the lookback on, as in TA-Lib. Bounded in [0, 100].

use crate::error::{Result, check_lengths, check_period};
use crate::rsi::Rsi;
use crate::sma::Sma;
use crate::window::Extreme;

/// %K and %D lines, each the input's length (NaN in the warm-up).
#[derive(Debug, Clone, PartialEq)]
pub struct StochOutput {
    /// %K (slow %K for `STOCH`, fast %K for `STOCHF`/`STOCHRSI`).
    pub k: Vec<f64>,
    /// %D.
    pub d: Vec<f64>,
}

/// One bar of a stochastic: `(k, d)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StochValue {
    /// %K.
    pub k: f64,
    /// %D.
    pub d: f64,
}

/// Raw %K over a window of `fastk` bars.
#[derive(Debug, Clone)]
struct RawK {
    hh: Extreme,
    ll: Extreme,
}

impl RawK {
    fn new(fastk: usize) -> Self {
        RawK {
            hh: Extreme::new(fastk, true),
            ll: Extreme::new(fastk, false),
        }
    }

    fn update(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let (hh, _) = self.hh.push(high);
        let (ll, _) = self.ll.push(low);
        if !self.hh.is_full() {
            return None;
        }
        // ta_STOCH.c: diff = (HH − LL) / 100; K = (C − LL) / diff, 0 if diff == 0.
        let diff = (hh - ll) / 100.0;
        Some(if diff != 0.0 {
            (close - ll) / diff
        } else {
            0.0
        })
    }
}

fn collect(n: usize, mut f: impl FnMut(usize) -> Option<StochValue>) -> StochOutput {
    let mut out = StochOutput {
        k: vec![f64::NAN; n],
        d: vec![f64::NAN; n],
    };
    for i in 0..n {
        if let Some(v) = f(i) {
            out.k[i] = v.k;
            out.d[i] = v.d;
        }
    }
    out
}

/// Slow stochastic (TA-Lib `STOCH` with SMA smoothing; defaults `5, 3, 3`).
///
/// # Errors
/// `InvalidPeriod` if a period is 0; `LengthMismatch` if the inputs differ in length.
pub fn stoch(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    fastk: usize,
    slowk: usize,
    slowd: usize,
) -> Result<StochOutput> {
    check_lengths(
        "STOCH",
        "high",
        high.len(),
        &[("low", low.len()), ("close", close.len())],
    )?;
    let mut s = Stoch::new(fastk, slowk, slowd)?;
    Ok(collect(high.len(), |i| s.update(high[i], low[i], close[i])))
}

/// Fast stochastic (TA-Lib `STOCHF` with SMA smoothing; defaults `5, 3`).
///
/// # Errors
/// `InvalidPeriod` if a period is 0; `LengthMismatch` if the inputs differ in length.
pub fn stochf(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    fastk: usize,
    fastd: usize,
) -> Result<StochOutput> {
    check_lengths(
        "STOCHF",
        "high",
        high.len(),
        &[("low", low.len()), ("close", close.len())],
    )?;
    let mut s = StochF::new(fastk, fastd)?;
    Ok(collect(high.len(), |i| s.update(high[i], low[i], close[i])))
}

/// Stochastic RSI (TA-Lib `STOCHRSI` with SMA smoothing; defaults `14, 5, 3`).
///
/// # Errors
/// `InvalidPeriod` if a period is 0.
pub fn stochrsi(x: &[f64], period: usize, fastk: usize, fastd: usize) -> Result<StochOutput> {
    let mut s = StochRsi::new(period, fastk, fastd)?;
    Ok(collect(x.len(), |i| s.update(x[i])))
}

/// Streaming [`stoch`].
#[derive(Debug, Clone)]
pub struct Stoch {
    lookback: usize,
    raw: RawK,
    k: Sma,
    d: Sma,
}

impl Stoch {
    /// Slow stochastic with periods `fastk, slowk, slowd >= 1`.
    ///
    /// # Errors
    /// `InvalidPeriod` if a period is 0.
    pub fn new(fastk: usize, slowk: usize, slowd: usize) -> Result<Self> {
        check_period("STOCH", "fastk", fastk, 1)?;
        check_period("STOCH", "slowk", slowk, 1)?;
        check_period("STOCH", "slowd", slowd, 1)?;
        Ok(Stoch {
            lookback: (fastk - 1) + (slowk - 1) + (slowd - 1),
            raw: RawK::new(fastk),
            k: Sma::new(slowk)?,
            d: Sma::new(slowd)?,
        })
    }

    /// Number of leading `None`s.
    pub fn lookback(&self) -> usize {
        self.lookback
    }

    /// Feeds one bar; `None` during the warm-up.
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Option<StochValue> {
        let raw = self.raw.update(high, low, close)?;
        let k = self.k.update(raw)?;
        let d = self.d.update(k)?;
        Some(StochValue { k, d })
    }
}

/// Streaming [`stochf`].
#[derive(Debug, Clone)]
pub struct StochF {
    lookback: usize,
    raw: RawK,
    d: Sma,
}

impl StochF {
    /// Fast stochastic with periods `fastk, fastd >= 1`.
    ///
    /// # Errors
    /// `InvalidPeriod` if a period is 0.
    pub fn new(fastk: usize, fastd: usize) -> Result<Self> {
        check_period("STOCHF", "fastk", fastk, 1)?;
        check_period("STOCHF", "fastd", fastd, 1)?;
        Ok(StochF {
            lookback: (fastk - 1) + (fastd - 1),
            raw: RawK::new(fastk),
            d: Sma::new(fastd)?,
        })
    }

    /// Number of leading `None`s.
    pub fn lookback(&self) -> usize {
        self.lookback
    }

    /// Feeds one bar; `None` during the warm-up.
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Option<StochValue> {
        let k = self.raw.update(high, low, close)?;
        let d = self.d.update(k)?;
        Some(StochValue { k, d })
    }
}

/// Streaming [`stochrsi`].
#[derive(Debug, Clone)]
pub struct StochRsi {
    rsi: Rsi,
    f: StochF,
}

impl StochRsi {
    /// Stochastic RSI with RSI period `period` and %K/%D periods `fastk`, `fastd` (all `>= 1`).
    ///
    /// # Errors
    /// `InvalidPeriod` if a period is 0.
    pub fn new(period: usize, fastk: usize, fastd: usize) -> Result<Self> {
        check_period("STOCHRSI", "period", period, 1)?;
        check_period("STOCHRSI", "fastk", fastk, 1)?;
        check_period("STOCHRSI", "fastd", fastd, 1)?;
        Ok(StochRsi {
            rsi: Rsi::new(period)?,
            f: StochF::new(fastk, fastd)?,
        })
    }

    /// Number of leading `None`s.
    pub fn lookback(&self) -> usize {
        self.rsi.lookback() + self.f.lookback()
    }

    /// Feeds one value; `None` during the warm-up.
    pub fn update(&mut self, x: f64) -> Option<StochValue> {
        let r = self.rsi.update(x)?;
        self.f.update(r, r, r)
    }
}
