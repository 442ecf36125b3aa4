//! On-balance volume (TA-Lib `OBV`).
//!
//! Granville (1963): add the bar's volume when the close rises, subtract it when it
//! falls. TA-Lib starts at `OBV[0] = volume[0]` (ta_OBV.c). Lookback 0.

use crate::error::{Result, check_lengths};

/// On-balance volume (TA-Lib `OBV`): `OBV[0] = volume[0]`, no warm-up.
///
/// # Errors
/// `LengthMismatch` if the inputs differ in length.
pub fn obv(close: &[f64], volume: &[f64]) -> Result<Vec<f64>> {
    check_lengths("OBV", "close", close.len(), &[("volume", volume.len())])?;
    let mut s = Obv::new();
    Ok(close
        .iter()
        .zip(volume)
        .map(|(&c, &v)| s.update(c, v))
        .collect())
}

/// Streaming [`obv`].
#[derive(Debug, Clone, Default)]
pub struct Obv {
    prev: Option<(f64, f64)>,
}

impl Obv {
    /// A new OBV stream.
    pub fn new() -> Self {
        Obv { prev: None }
    }

    /// Feeds one bar; OBV has no warm-up.
    pub fn update(&mut self, close: f64, volume: f64) -> f64 {
        let obv = match self.prev {
            None => volume,
            Some((pc, o)) if close > pc => o + volume,
            Some((pc, o)) if close < pc => o - volume,
            Some((_, o)) => o,
        };
        self.prev = Some((close, obv));
        obv
    }
}
