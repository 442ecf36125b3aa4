//! Drift between the training window and live data: population stability index and
//! the two-sample Kolmogorov–Smirnov test per feature, calibration drift of the model,
//! and thresholds that turn them into warnings.
//!
//! - **PSI** (Siddiqi, *Credit Risk Scorecards*, 2006; Yurdakul, 2018):
//!   `Σ_b (a_b − e_b) · ln(a_b / e_b)` over bins cut at the *training* deciles (numpy's
//!   linear-interpolation quantiles, duplicates merged; bins are right-closed:
//!   `(q_{i−1}, q_i]`), `e_b` and `a_b` the training and live fractions. An empty bin
//!   would make the logarithm infinite, so each fraction is floored at
//!   [`PSI_EPSILON`] = 1e-4 (a common choice; it caps one empty bin's contribution at
//!   about `e_b · ln(e_b / 1e-4)`). Rules of thumb: < 0.1 stable, 0.1–0.25 watch,
//!   > 0.25 shifted ([`DriftThresholds`]).
//! - **KS**: `D = sup |F₁ − F₂|` of the two empirical CDFs, with scipy's
//!   `ks_2samp(method="auto")` p-value: exact when both samples have at most 10 000
//!   values (the probability that a uniformly random lattice path from (0,0) to
//!   (n₁,n₂) leaves the band `|i/n₁ − j/n₂| < D`, Hodges 1957, computed as a
//!   probability recursion that cannot overflow), else asymptotic. The asymptotic
//!   p-value is Kolmogorov's limit `Q_KS` at `(√N + 0.12 + 0.11/√N) · D` with
//!   `N = round(n₁n₂/(n₁+n₂))` (Stephens 1970, as in *Numerical Recipes* §14.3), which
//!   approximates scipy's `kstwo.sf(D, N)` to about 1% relative.
//! - **Calibration drift**: expected calibration error and mean prediction vs observed
//!   rate on the live window against the same on the training (or validation) window.
//!
//! Non-finite values are dropped before both tests and counted in [`FeatureDrift`]; a
//! column with no finite value on one side is an alert.

use serde::{Deserialize, Serialize};

use crate::error::{MlError, Result};
use crate::eval::expected_calibration_error;

/// Floor applied to bin fractions in [`psi`], so empty bins stay finite.
pub const PSI_EPSILON: f64 = 1e-4;

/// scipy's `MAX_AUTO_N`: the exact KS p-value is used up to this sample size.
pub const KS_EXACT_MAX_N: usize = 10_000;

fn finite_sorted(v: &[f64]) -> Vec<f64> {
    let mut out: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    out.sort_unstable_by(f64::total_cmp);
    out
}

/// The `q`-quantile of sorted, non-empty, finite data by numpy's default linear
/// interpolation (Hyndman & Fan type 7), bit for bit as numpy (its `_lerp`): the one
/// implementation in `thetalab_backtest::metrics::quantile`. `q` is in `[0, 1]` here, so
/// the `None` case (empty data or `q` outside) does not arise; NaN says so if it did.
fn quantile_sorted(s: &[f64], q: f64) -> f64 {
    thetalab_backtest::metrics::quantile::quantile_sorted(s, q).unwrap_or(f64::NAN)
}

/// A PSI computation with its bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsiDetail {
    /// The index.
    pub psi: f64,
    /// Inner bin edges (training quantiles, deduplicated).
    pub edges: Vec<f64>,
    /// Training fraction per bin (before flooring).
    pub expected: Vec<f64>,
    /// Live fraction per bin (before flooring).
    pub actual: Vec<f64>,
}

/// Population stability index of `actual` (live) against `expected` (training) over
/// `n_bins` training-quantile bins; see the module page.
pub fn psi(expected: &[f64], actual: &[f64], n_bins: usize) -> Result<f64> {
    psi_detail(expected, actual, n_bins).map(|d| d.psi)
}

/// [`psi`] with its bins and fractions.
pub fn psi_detail(expected: &[f64], actual: &[f64], n_bins: usize) -> Result<PsiDetail> {
    let e = finite_sorted(expected);
    let a = finite_sorted(actual);
    if e.is_empty() || a.is_empty() {
        return Err(MlError::Invalid {
            field: "psi",
            reason: format!(
                "need finite values on both sides ({} training, {} live)",
                e.len(),
                a.len()
            ),
        });
    }
    if n_bins < 2 {
        return Err(MlError::Invalid {
            field: "n_bins",
            reason: format!("{n_bins} bins; PSI needs at least 2"),
        });
    }
    let mut edges: Vec<f64> = (1..n_bins)
        .map(|i| quantile_sorted(&e, i as f64 / n_bins as f64))
        .collect();
    edges.dedup();
    let k = edges.len() + 1;
    let frac = |s: &[f64]| -> Vec<f64> {
        let mut c = vec![0usize; k];
        for &v in s {
            c[edges.partition_point(|&q| q < v)] += 1;
        }
        c.iter().map(|&x| x as f64 / s.len() as f64).collect()
    };
    let ef = frac(&e);
    let af = frac(&a);
    let psi = ef
        .iter()
        .zip(&af)
        .map(|(&x, &y)| {
            let (x, y) = (x.max(PSI_EPSILON), y.max(PSI_EPSILON));
            (y - x) * (y / x).ln()
        })
        .sum();
    Ok(PsiDetail {
        psi,
        edges,
        expected: ef,
        actual: af,
    })
}

/// How a KS p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KsMethod {
    /// Exact lattice-path probability.
    Exact,
    /// Kolmogorov's limiting distribution with Stephens' correction.
    Asymptotic,
}

/// A two-sample KS test result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KsResult {
    /// `D = sup |F₁ − F₂|`.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// How the p-value was computed.
    pub method: KsMethod,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Two-sample two-sided Kolmogorov–Smirnov test (`scipy.stats.ks_2samp`, `method="auto"`).
pub fn ks_2samp(a: &[f64], b: &[f64]) -> Result<KsResult> {
    let x = finite_sorted(a);
    let y = finite_sorted(b);
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return Err(MlError::Invalid {
            field: "ks_2samp",
            reason: "both samples need finite values".to_string(),
        });
    }
    // D over the pooled values: right-continuous CDFs (searchsorted side="right").
    let (mut i, mut j) = (0usize, 0usize);
    let mut d = 0.0f64;
    while i < n1 || j < n2 {
        let v = match (x.get(i), y.get(j)) {
            (Some(&p), Some(&q)) => p.min(q),
            (Some(&p), None) => p,
            (None, Some(&q)) => q,
            (None, None) => break,
        };
        while i < n1 && x[i] <= v {
            i += 1;
        }
        while j < n2 && y[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / n1 as f64 - j as f64 / n2 as f64).abs());
    }
    if n1.max(n2) <= KS_EXACT_MAX_N {
        let p = ks_exact_p(n1 as u64, n2 as u64, d);
        Ok(KsResult {
            statistic: d,
            p_value: p.clamp(0.0, 1.0),
            method: KsMethod::Exact,
        })
    } else {
        let en = (n1 as f64 * n2 as f64 / (n1 + n2) as f64).round();
        let s = en.sqrt();
        let p = kolmogorov_q((s + 0.12 + 0.11 / s) * d);
        Ok(KsResult {
            statistic: d,
            p_value: p.clamp(0.0, 1.0),
            method: KsMethod::Asymptotic,
        })
    }
}

/// P(D ≥ d) for samples of sizes `m`, `n` under the null, by the lattice-path
/// recursion: `w(i,j)` = probability that a uniformly random monotone path from (0,0)
/// to (i,j) has touched a point with `|i/m − j/n| ≥ d`. A path reaches (i,j) from
/// (i−1,j) with probability `i/(i+j)`, so `w(i,j) = 1` outside the band and
/// `i/(i+j)·w(i−1,j) + j/(i+j)·w(i,j−1)` inside; the p-value is `w(m,n)`. Distances are
/// compared in integer units of `1/lcm(m,n)` (`h = round(d·lcm)`), as scipy does.
fn ks_exact_p(m: u64, n: u64, d: f64) -> f64 {
    let g = gcd(m, n);
    let (a, b) = (n / g, m / g); // lcm/m and lcm/n
    let lcm = m / g * n;
    let h = (d * lcm as f64).round() as i128;
    if h <= 0 {
        return 1.0;
    }
    // Row i of w over j = 0..=n. Cell (i, j) is inside the band when |i·a − j·b| < h,
    // i.e. for j in lo..=hi: found once per row instead of tested per cell (the
    // arithmetic inside the band is unchanged, so the p-value is the same bit for bit).
    let (a, b) = (i128::from(a), i128::from(b));
    let band = |i: u64| -> Option<(usize, usize)> {
        let ia = i128::from(i) * a;
        let lo = if ia - h < 0 { 0 } else { (ia - h) / b + 1 };
        let hi = ((ia + h - 1) / b).min(i128::from(n));
        if lo > hi {
            return None;
        }
        Some((usize::try_from(lo).ok()?, usize::try_from(hi).ok()?))
    };
    let n_us = n as usize;
    // Row 0: w = 0 inside the band (which holds (0, 0) as h > 0), 1 beyond it.
    let mut row = vec![1.0f64; n_us + 1];
    if let Some((_, hi)) = band(0) {
        row[..=hi].fill(0.0);
    }
    for i in 1..=m {
        let Some((lo, hi)) = band(i) else {
            row.fill(1.0);
            continue;
        };
        row[..lo].fill(1.0);
        // w(i, 0) = w(i − 1, 0) when (i, 0) is inside: row[0] stays.
        for j in lo.max(1)..=hi {
            let t = (i as usize + j) as f64;
            row[j] = (i as f64 / t) * row[j] + (j as f64 / t) * row[j - 1];
        }
        row[hi + 1..].fill(1.0);
    }
    row[n_us]
}

/// Kolmogorov's survival function `Q_KS(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}`, with the
/// Jacobi-theta form `1 − (√(2π)/λ) Σ_{k≥1} e^{−(2k−1)²π²/(8λ²)}` for small λ, where the
/// alternating series converges slowly (*Numerical Recipes*, 3rd ed., §6.14).
#[must_use]
pub fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return 1.0;
    }
    if lambda < 1.18 {
        let pi2 = std::f64::consts::PI * std::f64::consts::PI;
        let mut s = 0.0;
        for k in 1..=20 {
            let t = f64::from(2 * k - 1);
            s += (-t * t * pi2 / (8.0 * lambda * lambda)).exp();
        }
        1.0 - (2.0 * std::f64::consts::PI).sqrt() / lambda * s
    } else {
        let mut s = 0.0;
        for k in 1..=100 {
            let kf = f64::from(k);
            let term = (-2.0 * kf * kf * lambda * lambda).exp();
            s += if k % 2 == 1 { term } else { -term };
            if term < 1e-18 {
                break;
            }
        }
        2.0 * s
    }
}

/// Calibration of the model on the training window vs the live window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationDrift {
    /// ECE on the reference (training / validation) window.
    pub ece_reference: f64,
    /// ECE on the live window.
    pub ece_live: f64,
    /// Mean predicted probability on the live window.
    pub mean_pred_live: f64,
    /// Observed class-1 rate on the live window.
    pub rate_live: f64,
}

impl CalibrationDrift {
    /// Compares calibration (10 uniform bins) on reference and live windows.
    pub fn compute(
        ref_y: &[f64],
        ref_p: &[f64],
        live_y: &[f64],
        live_p: &[f64],
    ) -> Result<CalibrationDrift> {
        let ece_reference = expected_calibration_error(ref_y, ref_p, 10)?;
        let ece_live = expected_calibration_error(live_y, live_p, 10)?;
        let n = live_y.len() as f64;
        Ok(CalibrationDrift {
            ece_reference,
            ece_live,
            mean_pred_live: live_p.iter().sum::<f64>() / n,
            rate_live: live_y.iter().sum::<f64>() / n,
        })
    }
}

/// Thresholds that turn drift statistics into warnings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DriftThresholds {
    /// PSI at or above this warns (default 0.1).
    pub psi_warn: f64,
    /// PSI at or above this alerts (default 0.25).
    pub psi_alert: f64,
    /// A KS p-value below this warns (default 0.01).
    pub ks_alpha: f64,
    /// Live ECE exceeding the reference by more than this warns (default 0.05).
    pub ece_increase: f64,
    /// Bins for PSI (default 10).
    pub psi_bins: usize,
}

impl Default for DriftThresholds {
    fn default() -> Self {
        DriftThresholds {
            psi_warn: 0.1,
            psi_alert: 0.25,
            ks_alpha: 0.01,
            ece_increase: 0.05,
            psi_bins: 10,
        }
    }
}

/// Severity of a drift finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftLevel {
    /// Within thresholds.
    Ok,
    /// Worth a look.
    Warn,
    /// Shifted: retrain or stop trusting the model.
    Alert,
}

impl DriftThresholds {
    /// Checks the domains, so a bad setting is an error rather than a column of NaN
    /// PSIs that raise no warning.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &'static str, reason: String| Err(MlError::Invalid { field, reason });
        if !(self.psi_warn.is_finite() && self.psi_alert.is_finite())
            || self.psi_warn < 0.0
            || self.psi_warn > self.psi_alert
        {
            return bad(
                "psi_warn/psi_alert",
                format!(
                    "need 0 <= warn <= alert, got {} and {}",
                    self.psi_warn, self.psi_alert
                ),
            );
        }
        if !(0.0..=1.0).contains(&self.ks_alpha) {
            return bad("ks_alpha", format!("{} is not in [0, 1]", self.ks_alpha));
        }
        if !(self.ece_increase.is_finite() && self.ece_increase >= 0.0) {
            return bad(
                "ece_increase",
                format!("{} is not a finite value >= 0", self.ece_increase),
            );
        }
        if self.psi_bins < 2 {
            return bad(
                "psi_bins",
                format!("{} bins; PSI needs at least 2", self.psi_bins),
            );
        }
        Ok(())
    }
}

/// Drift of one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDrift {
    /// Feature name.
    pub name: String,
    /// PSI (NaN when a side has no finite values).
    pub psi: f64,
    /// KS statistic and p-value (`None` when a side has no finite values).
    pub ks: Option<KsResult>,
    /// Severity: no finite values on a side → alert; PSI ≥ alert → alert; PSI ≥ warn
    /// or KS p < alpha → warn.
    pub level: DriftLevel,
    /// Training values that were not finite (left out of PSI and KS).
    #[serde(default)]
    pub nonfinite_train: usize,
    /// Live values that were not finite (left out of PSI and KS).
    #[serde(default)]
    pub nonfinite_live: usize,
}

/// Drift of every feature and of the model's calibration, with the warnings raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// Per feature, in column order.
    pub features: Vec<FeatureDrift>,
    /// Calibration drift, when labels and predictions were supplied.
    pub calibration: Option<CalibrationDrift>,
    /// The worst level found.
    pub level: DriftLevel,
    /// One human-readable line per finding above `Ok`.
    pub warnings: Vec<String>,
}

impl DriftReport {
    /// Compares each column of `live` against the same column of `train` (both
    /// row-major with `names.len()` columns) under `thresholds`. A column with no
    /// finite value on one side (a feed that went dark) raises an alert.
    pub fn compute(
        train: &[f64],
        live: &[f64],
        names: &[String],
        thresholds: &DriftThresholds,
    ) -> Result<DriftReport> {
        thresholds.validate()?;
        let k = names.len();
        if k == 0 || !train.len().is_multiple_of(k) || !live.len().is_multiple_of(k) {
            return Err(MlError::Invalid {
                field: "drift",
                reason: format!(
                    "{} training and {} live values for {k} columns",
                    train.len(),
                    live.len()
                ),
            });
        }
        let col =
            |m: &[f64], c: usize| -> Vec<f64> { m.iter().skip(c).step_by(k).copied().collect() };
        let mut features = Vec::with_capacity(k);
        let mut warnings = Vec::new();
        for (c, name) in names.iter().enumerate() {
            let (t, l) = (col(train, c), col(live, c));
            let nonfinite = |v: &[f64]| v.iter().filter(|x| !x.is_finite()).count();
            let (nonfinite_train, nonfinite_live) = (nonfinite(&t), nonfinite(&l));
            // With the thresholds checked above, PSI and KS fail only when a side has
            // no finite value.
            let psi_v = psi(&t, &l, thresholds.psi_bins).unwrap_or(f64::NAN);
            let ks = ks_2samp(&t, &l).ok();
            let mut level = DriftLevel::Ok;
            if nonfinite_train == t.len() || nonfinite_live == l.len() {
                level = DriftLevel::Alert;
                warnings.push(format!(
                    "ALERT {name}: no finite values ({nonfinite_train} of {} training, \
                     {nonfinite_live} of {} live are missing or infinite)",
                    t.len(),
                    l.len()
                ));
            } else if psi_v >= thresholds.psi_alert {
                level = DriftLevel::Alert;
                warnings.push(format!(
                    "ALERT {name}: PSI {psi_v:.3} >= {}",
                    thresholds.psi_alert
                ));
            } else if psi_v >= thresholds.psi_warn {
                level = DriftLevel::Warn;
                warnings.push(format!(
                    "WARN {name}: PSI {psi_v:.3} >= {}",
                    thresholds.psi_warn
                ));
            }
            if let Some(r) = ks
                && r.p_value < thresholds.ks_alpha
            {
                level = level.max(DriftLevel::Warn);
                warnings.push(format!(
                    "WARN {name}: KS D = {:.3}, p = {:.2e} < {}",
                    r.statistic, r.p_value, thresholds.ks_alpha
                ));
            }
            features.push(FeatureDrift {
                name: name.clone(),
                psi: psi_v,
                ks,
                level,
                nonfinite_train,
                nonfinite_live,
            });
        }
        let level = features
            .iter()
            .map(|f| f.level)
            .max()
            .unwrap_or(DriftLevel::Ok);
        Ok(DriftReport {
            features,
            calibration: None,
            level,
            warnings,
        })
    }

    /// Adds calibration drift (reference and live labels with the model's
    /// probabilities) and its warning. Thresholds that fail
    /// [`DriftThresholds::validate`] (a NaN `ece_increase` would never warn) raise an
    /// alert saying so rather than a silent pass.
    pub fn with_calibration(
        mut self,
        cal: CalibrationDrift,
        thresholds: &DriftThresholds,
    ) -> DriftReport {
        if let Err(e) = thresholds.validate() {
            self.level = DriftLevel::Alert;
            self.warnings.push(format!(
                "ALERT calibration: not judged, the thresholds are invalid: {e}"
            ));
        } else if cal.ece_live - cal.ece_reference > thresholds.ece_increase {
            self.level = self.level.max(DriftLevel::Warn);
            self.warnings.push(format!(
                "WARN calibration: live ECE {:.3} vs reference {:.3} (mean prediction {:.3}, observed rate {:.3})",
                cal.ece_live, cal.ece_reference, cal.mean_pred_live, cal.rate_live
            ));
        }
        self.calibration = Some(cal);
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        // np.quantile([1, 2, 3, 4], [0.25, 0.5, 0.9]) = [1.75, 2.5, 3.7]
        let s = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile_sorted(&s, 0.25) - 1.75).abs() < 1e-15);
        assert!((quantile_sorted(&s, 0.5) - 2.5).abs() < 1e-15);
        assert!((quantile_sorted(&s, 0.9) - 3.7).abs() < 1e-12);
    }

    #[test]
    fn identical_samples_have_zero_psi_and_ks() {
        let v: Vec<f64> = (0..500).map(|i| f64::from(i) * 0.37 % 11.0).collect();
        assert_eq!(psi(&v, &v, 10).unwrap(), 0.0);
        let r = ks_2samp(&v, &v).unwrap();
        assert_eq!(r.statistic, 0.0);
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn ks_exact_small_closed_form() {
        // m = n = 1: D = 1 always, P(D >= 1) = 1. m = n = 2, fully separated samples:
        // D = 1 and the only paths reaching |i/2 − j/2| = 1 are the two extreme ones of
        // C(4,2) = 6, so p = 2/6.
        assert!((ks_exact_p(2, 2, 1.0) - 1.0 / 3.0).abs() < 1e-15);
        let r = ks_2samp(&[1.0, 2.0], &[3.0, 4.0]).unwrap();
        assert_eq!(r.statistic, 1.0);
        assert!((r.p_value - 1.0 / 3.0).abs() < 1e-15);
    }

    /// The lattice recursion tested cell by cell, as the module page states it.
    fn ks_exact_p_per_cell(m: u64, n: u64, d: f64) -> f64 {
        let g = gcd(m, n);
        let (a, b) = (i128::from(n / g), i128::from(m / g));
        let h = (d * (m / g * n) as f64).round() as i128;
        if h <= 0 {
            return 1.0;
        }
        let outside = |i: u64, j: u64| (i128::from(i) * a - i128::from(j) * b).abs() >= h;
        let mut w = vec![vec![0.0f64; n as usize + 1]; m as usize + 1];
        for i in 0..=m {
            for j in 0..=n {
                let (iu, ju) = (i as usize, j as usize);
                w[iu][ju] = if outside(i, j) {
                    1.0
                } else if i == 0 && j == 0 {
                    0.0
                } else if i == 0 {
                    w[0][ju - 1]
                } else if j == 0 {
                    w[iu - 1][0]
                } else {
                    let t = (i + j) as f64;
                    (i as f64 / t) * w[iu - 1][ju] + (j as f64 / t) * w[iu][ju - 1]
                };
            }
        }
        w[m as usize][n as usize]
    }

    #[test]
    fn ks_band_rows_equal_the_cell_by_cell_recursion() {
        for (m, n) in [
            (1, 1),
            (2, 3),
            (7, 7),
            (12, 5),
            (30, 45),
            (64, 17),
            (100, 99),
        ] {
            for k in 0..=20 {
                let d = f64::from(k) / 20.0;
                assert_eq!(
                    ks_exact_p(m, n, d).to_bits(),
                    ks_exact_p_per_cell(m, n, d).to_bits(),
                    "m {m} n {n} d {d}"
                );
            }
        }
    }

    #[test]
    fn kolmogorov_q_branches_agree() {
        // Both series at the switch point, and the known median Q_KS(0.8276) ≈ 0.5.
        let lo = {
            let pi2 = std::f64::consts::PI.powi(2);
            let l: f64 = 1.18;
            1.0 - (2.0 * std::f64::consts::PI).sqrt() / l
                * (1..=20)
                    .map(|k| {
                        let t = f64::from(2 * k - 1);
                        (-t * t * pi2 / (8.0 * l * l)).exp()
                    })
                    .sum::<f64>()
        };
        assert!((lo - kolmogorov_q(1.18)).abs() < 1e-12);
        assert!((kolmogorov_q(0.8276) - 0.5).abs() < 1e-3);
    }
}
