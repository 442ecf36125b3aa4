//! Parabolic SAR (TA-Lib `SAR`).
//!
//! Wilder (1978), with TA-Lib's specifics (ta_SAR.c): the initial direction is short
//! when bar 1's −DM (period 1) is positive, long otherwise; the first SAR is bar 0's
//! low (long) or high (short) and the first extreme point bar 1's high (long) or low
//! (short); the SAR is never placed inside the current or previous bar's range; on a
//! reversal the SAR becomes the prior extreme point and the acceleration factor
//! resets. Lookback 1; TA-Lib defaults `acceleration = 0.02, maximum = 0.2`.

use crate::error::{IndicatorError, Result, check_lengths};

/// Parabolic SAR (TA-Lib `SAR`, defaults 0.02 and 0.2); NaN at index 0.
///
/// # Errors
/// `InvalidParameter` if a factor is negative or not finite; `LengthMismatch` if the
/// inputs differ in length.
pub fn sar(high: &[f64], low: &[f64], acceleration: f64, maximum: f64) -> Result<Vec<f64>> {
    check_lengths("SAR", "high", high.len(), &[("low", low.len())])?;
    let mut s = Sar::new(acceleration, maximum)?;
    Ok((0..high.len())
        .map(|i| s.update(high[i], low[i]).unwrap_or(f64::NAN))
        .collect())
}

/// Streaming [`sar`].
#[derive(Debug, Clone)]
pub struct Sar {
    accel: f64,
    max: f64,
    count: usize,
    is_long: bool,
    af: f64,
    ep: f64,
    sar: f64,
    prev_high: f64,
    prev_low: f64,
}

impl Sar {
    /// Parabolic SAR with the acceleration step and its cap (both finite, `>= 0`).
    /// As in TA-Lib, a step above the cap is lowered to the cap.
    ///
    /// # Errors
    /// `InvalidParameter` if a factor is negative or not finite.
    pub fn new(acceleration: f64, maximum: f64) -> Result<Self> {
        for (name, v) in [("acceleration", acceleration), ("maximum", maximum)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(IndicatorError::InvalidParameter {
                    indicator: "SAR",
                    name,
                    value: v,
                    requirement: "must be finite and >= 0",
                });
            }
        }
        let accel = acceleration.min(maximum);
        Ok(Sar {
            accel,
            max: maximum,
            count: 0,
            is_long: true,
            af: accel,
            ep: f64::NAN,
            sar: f64::NAN,
            prev_high: f64::NAN,
            prev_low: f64::NAN,
        })
    }

    /// Number of leading `None`s (1).
    pub fn lookback(&self) -> usize {
        1
    }

    /// Feeds one bar; `None` on the first.
    pub fn update(&mut self, high: f64, low: f64) -> Option<f64> {
        self.count = self.count.saturating_add(1);
        if self.count == 1 {
            self.prev_high = high;
            self.prev_low = low;
            return None;
        }
        let (prev_high, prev_low) = if self.count == 2 {
            // Initial direction from −DM(1) (ta_SAR.c), then TA-Lib's "cheat": the
            // previous bar's range is taken as this bar's for the first step.
            let diff_p = high - self.prev_high;
            let diff_m = self.prev_low - low;
            let minus_dm = if diff_m > 0.0 && diff_p < diff_m {
                diff_m
            } else {
                0.0
            };
            self.is_long = minus_dm <= 0.0;
            if self.is_long {
                self.ep = high;
                self.sar = self.prev_low;
            } else {
                self.ep = low;
                self.sar = self.prev_high;
            }
            (high, low)
        } else {
            (self.prev_high, self.prev_low)
        };
        self.prev_high = high;
        self.prev_low = low;
        let out;
        if self.is_long {
            if low <= self.sar {
                // Reverse to short.
                self.is_long = false;
                self.sar = self.ep.max(prev_high).max(high);
                out = self.sar;
                self.af = self.accel;
                self.ep = low;
                self.sar += self.af * (self.ep - self.sar);
                self.sar = self.sar.max(prev_high).max(high);
            } else {
                out = self.sar;
                if high > self.ep {
                    self.ep = high;
                    self.af = (self.af + self.accel).min(self.max);
                }
                self.sar += self.af * (self.ep - self.sar);
                self.sar = self.sar.min(prev_low).min(low);
            }
        } else if high >= self.sar {
            // Reverse to long.
            self.is_long = true;
            self.sar = self.ep.min(prev_low).min(low);
            out = self.sar;
            self.af = self.accel;
            self.ep = high;
            self.sar += self.af * (self.ep - self.sar);
            self.sar = self.sar.min(prev_low).min(low);
        } else {
            out = self.sar;
            if low < self.ep {
                self.ep = low;
                self.af = (self.af + self.accel).min(self.max);
            }
            self.sar += self.af * (self.ep - self.sar);
            self.sar = self.sar.max(prev_high).max(high);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_long_on_a_rising_bar_and_reverses() {
        let h = [10.0, 11.0, 12.0, 13.0, 9.0];
        let l = [9.0, 10.0, 11.0, 12.0, 8.0];
        let s = sar(&h, &l, 0.02, 0.2).unwrap_or_default();
        assert!(s[0].is_nan());
        // Long: the first SAR is bar 0's low.
        assert_eq!(s[1], 9.0);
        assert!(s[2] > 9.0 && s[2] <= 10.0);
        // Bar 4's low 8 pierces the SAR: reverse to short at the extreme point 13.
        assert_eq!(s[4], 13.0);
    }
}
