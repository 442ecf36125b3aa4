//! Statistics of a series of simple per-period returns, with empyrical's conventions.
//!
//! Source throughout: empyrical-reloaded 0.7.1 (`empyrical/stats.py`), the fork of
//! Quantopian's empyrical maintained by Stefan Jansen, checked by running it (see
//! `tests/fixtures/metrics/gen_metrics.py`). Conventions:
//!
//! * a return `r` is simple: equity grows by the factor `1 + r` over the period;
//! * means are arithmetic over all periods, standard deviations use `ddof = 1`
//!   (two-pass: mean first, then the sum of squared deviations, as bottleneck does);
//! * annualisation multiplies means by `periods_per_year` (252 for daily bars) and
//!   standard deviations by `√periods_per_year`;
//! * a risk-free rate or required return is a **per-period** rate subtracted
//!   arithmetically from every return (empyrical's `_adjust_returns`).
//!
//! Every function returns `None` where empyrical returns NaN or ±∞ (too few periods, a
//! zero denominator) and also when an input is NaN: no NaN leaves this module.

use super::quantile::{finite, percentile};

/// Plain left-to-right sum (the order bottleneck's `nanmean` uses).
fn sum(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |acc, x| acc + x)
}

/// Arithmetic mean; `NaN` for an empty slice (callers check the length first).
fn mean(values: &[f64]) -> f64 {
    sum(values.iter().copied()) / values.len() as f64
}

/// Sample standard deviation of `r − shift` (ddof = 1), two-pass.
/// Returns exactly 0 when every value is equal: empyrical's `_zero_dispersion_std`
/// guards against the ~1e-18 residue the floating-point mean would otherwise leave.
fn std_ddof1(returns: &[f64], shift: f64) -> f64 {
    let (lo, hi) = returns
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
            (lo.min(r - shift), hi.max(r - shift))
        });
    if lo == hi {
        return 0.0;
    }
    let m = sum(returns.iter().map(|&r| r - shift)) / returns.len() as f64;
    let ss = sum(returns.iter().map(|&r| {
        let d = (r - shift) - m;
        d * d
    }));
    (ss / (returns.len() - 1) as f64).sqrt()
}

/// Simple returns of an equity curve that starts from `init`: `rᵢ = eᵢ / eᵢ₋₁ − 1`
/// (`e₋₁ = init`; vectorbt's `pf.returns()`), with the account's **ruin** made explicit
/// rather than left to the arithmetic.
///
/// Once equity reaches zero or below, the ratio stops meaning a return: a loss beyond
/// the capital gives `r < −1` (and `∏(1 + r)` changes sign), and from a negative equity
/// a further loss divided by a negative number reads as a gain. So the first period
/// ending at or below zero returns exactly `−1` (all the capital is lost) and every
/// later period returns `0` (there is no capital left to earn on), keeping the series
/// aligned with the curve. The second value is the index of that period, `None` when
/// equity stayed positive. With `init ≤ 0` there is no capital from the start: every
/// return is 0 and the ruin is at index 0 (when the curve is not empty).
#[must_use]
pub fn equity_returns(init: f64, equity: &[f64]) -> (Vec<f64>, Option<usize>) {
    let mut out = Vec::with_capacity(equity.len());
    let mut ruin = ((init <= 0.0 || init.is_nan()) && !equity.is_empty()).then_some(0);
    let mut prev = init;
    for (i, &e) in equity.iter().enumerate() {
        if ruin.is_some() {
            out.push(0.0);
            continue;
        }
        if e <= 0.0 {
            out.push(-1.0);
            ruin = Some(i);
            continue;
        }
        out.push(e / prev - 1.0);
        prev = e;
    }
    (out, ruin)
}

/// Cumulative (total) return over the whole series: `∏(1 + rᵢ) − 1`.
///
/// Source: empyrical `cum_returns_final`. `None` when `returns` is empty.
pub fn total_return(returns: &[f64]) -> Option<f64> {
    if returns.is_empty() {
        return None;
    }
    finite(returns.iter().fold(1.0, |acc, &r| acc * (1.0 + r)) - 1.0)
}

/// Annualised return, the compound annual growth rate:
/// `(1 + total)^(1 / years) − 1` with `years = n / periods_per_year`.
///
/// Source: empyrical `annual_return` (alias `cagr`), period `'daily'` ↔ 252.
/// `None` when `returns` is empty or the final equity is negative (no real root).
pub fn annual_return(returns: &[f64], periods_per_year: f64) -> Option<f64> {
    let growth = 1.0 + total_return(returns)?;
    cagr(growth, returns.len() as u64, periods_per_year)
}

/// `growth^(1 / years) − 1`, `years = periods / periods_per_year`: the CAGR of a final
/// equity multiple `growth` reached over `periods` periods (empyrical `annual_return`).
pub(crate) fn cagr(growth: f64, periods: u64, periods_per_year: f64) -> Option<f64> {
    let years = periods as f64 / periods_per_year;
    finite(growth.powf(1.0 / years) - 1.0)
}

/// Annualised volatility: `std(r, ddof = 1) · periods_per_year^(1/2)`.
///
/// Source: empyrical `annual_volatility` (Lévy exponent `alpha = 2`). `None` for fewer
/// than two returns.
pub fn annual_volatility(returns: &[f64], periods_per_year: f64) -> Option<f64> {
    if returns.len() < 2 {
        return None;
    }
    finite(std_ddof1(returns, 0.0) * periods_per_year.powf(1.0 / 2.0))
}

/// Annualised Sharpe ratio: `mean(r − rf) / std(r − rf, ddof = 1) · √periods_per_year`,
/// with `risk_free` the **per-period** risk-free rate.
///
/// Source: empyrical `sharpe_ratio` (Sharpe, "The Sharpe Ratio", J. Portfolio Management
/// 1994, ex-post form). `None` for fewer than two returns or when every excess return is
/// the same (zero dispersion: empyrical gives ±∞ or NaN).
pub fn sharpe_ratio(returns: &[f64], risk_free: f64, periods_per_year: f64) -> Option<f64> {
    if returns.len() < 2 {
        return None;
    }
    let sd = std_ddof1(returns, risk_free);
    if sd == 0.0 {
        return None;
    }
    let m = sum(returns.iter().map(|&r| r - risk_free)) / returns.len() as f64;
    finite(m / sd * periods_per_year.sqrt())
}

/// Annualised downside deviation below `required` (a per-period rate):
/// `√(mean(min(r − required, 0)²)) · √periods_per_year`.
///
/// Source: empyrical `downside_risk`, after Sortino & Price (1994) as cited there: the
/// mean runs over **all** periods (the non-negative ones contribute 0), not only the
/// losing ones, and nothing is subtracted from the clipped values. `None` when `returns`
/// is empty.
pub fn downside_risk(returns: &[f64], required: f64, periods_per_year: f64) -> Option<f64> {
    if returns.is_empty() {
        return None;
    }
    let ss = sum(returns.iter().map(|&r| {
        let d = (r - required).min(0.0);
        d * d
    }));
    finite((ss / returns.len() as f64).sqrt() * periods_per_year.sqrt())
}

/// Annualised Sortino ratio: `mean(r − required) · periods_per_year / downside_risk`,
/// with `required` the per-period minimum acceptable return (thetalab passes the
/// per-period risk-free rate).
///
/// Source: empyrical `sortino_ratio`. `None` for fewer than two returns or a zero
/// downside deviation (no period below `required`: empyrical gives +∞ or NaN).
pub fn sortino_ratio(returns: &[f64], required: f64, periods_per_year: f64) -> Option<f64> {
    if returns.len() < 2 {
        return None;
    }
    let dr = downside_risk(returns, required, periods_per_year)?;
    if dr == 0.0 {
        return None;
    }
    let m = sum(returns.iter().map(|&r| r - required)) / returns.len() as f64;
    finite(m * periods_per_year / dr)
}

/// Omega ratio at a per-period `threshold`: `Σ max(r − threshold, 0) / Σ max(threshold − r, 0)`.
///
/// Source: empyrical `omega_ratio` with `required_return = 0` (Keating & Shadwick, "A
/// Universal Performance Measure", 2002); empyrical's `risk_free` argument is this
/// `threshold`. `None` for fewer than two returns or no period below the threshold.
pub fn omega_ratio(returns: &[f64], threshold: f64) -> Option<f64> {
    if returns.len() < 2 {
        return None;
    }
    let (mut gains, mut losses) = (0.0, 0.0);
    for &r in returns {
        let x = r - threshold;
        if x > 0.0 {
            gains += x;
        } else if x < 0.0 {
            losses -= x;
        }
    }
    if losses > 0.0 {
        finite(gains / losses)
    } else {
        None
    }
}

/// Tail ratio: `|95th percentile| / |5th percentile|` of the returns, numpy's linear
/// interpolation (see [`super::quantile::quantile_sorted`]).
///
/// Source: empyrical `tail_ratio`. `None` when `returns` is empty or the 5th percentile is 0.
pub fn tail_ratio(returns: &[f64]) -> Option<f64> {
    let hi = percentile(returns, 95.0)?;
    let lo = percentile(returns, 5.0)?;
    finite(hi.abs() / lo.abs())
}

/// Historical value at risk: the `cutoff` quantile of the returns (e.g. `cutoff = 0.05`
/// for 95 % VaR), numpy's linear interpolation.
///
/// **Sign:** as in empyrical, the VaR is the return itself, normally **negative** (−0.02
/// means "on the worst 5 % of days you lose 2 % or more"), not a positive loss.
///
/// Source: empyrical `value_at_risk` (`np.percentile(returns, 100 · cutoff)`). `None`
/// when `returns` is empty or `cutoff` is outside `[0, 1]`.
pub fn value_at_risk(returns: &[f64], cutoff: f64) -> Option<f64> {
    percentile(returns, 100.0 * cutoff)
}

/// Historical conditional value at risk (expected shortfall): the mean of the
/// `k + 1` smallest returns, `k = ⌊(n − 1) · cutoff⌋`.
///
/// Source: empyrical `conditional_value_at_risk`, exactly: it averages a fixed count of
/// order statistics, which is *not* always "the returns ≤ VaR" (with interpolation the
/// VaR lies between two order statistics; ties at the cut are counted once each). Same
/// sign as [`value_at_risk`]: normally negative. `None` when `returns` is empty or
/// `cutoff` is outside `[0, 1]`.
pub fn conditional_value_at_risk(returns: &[f64], cutoff: f64) -> Option<f64> {
    if returns.is_empty() || !(0.0..=1.0).contains(&cutoff) || returns.iter().any(|x| x.is_nan()) {
        return None;
    }
    let k = ((returns.len() - 1) as f64 * cutoff).floor() as usize;
    let mut sorted = returns.to_vec();
    sorted.sort_by(f64::total_cmp);
    // k ≤ n − 1 because cutoff ≤ 1, so the slice is in range.
    finite(mean(&sorted[..=k]))
}

/// Central moments (m2, m3, m4) and the mean, biased (divided by n).
fn moments(returns: &[f64]) -> (f64, f64, f64, f64) {
    let m = mean(returns);
    let n = returns.len() as f64;
    let (mut s2, mut s3, mut s4) = (0.0, 0.0, 0.0);
    for &r in returns {
        let d = r - m;
        let d2 = d * d;
        s2 += d2;
        s3 += d2 * d;
        s4 += d2 * d2;
    }
    (m, s2 / n, s3 / n, s4 / n)
}

/// True when the variance is zero: every value equal (exactly), or scipy's test
/// `m2 ≤ (ε · mean)²` (which the floating-point residue of a constant series can miss with
/// naive summation, where scipy's pairwise mean happens to catch it).
fn zero_variance(returns: &[f64], m2: f64, m: f64) -> bool {
    let first = returns.first().copied().unwrap_or(0.0);
    returns.iter().all(|&r| r == first) || m2 <= (f64::EPSILON * m) * (f64::EPSILON * m)
}

/// Sample skewness, **biased** (Fisher–Pearson coefficient `g₁ = m₃ / m₂^{3/2}` with
/// moments divided by `n`).
///
/// Source: `scipy.stats.skew` defaults (`bias=True`), as empyrical's `SIMPLE_STAT_FUNCS`
/// uses it; Zwillinger & Kokoska, CRC Standard Probability and Statistics Tables, 2.2.24.1.
/// `None` when `returns` is empty or the variance is zero (scipy gives NaN).
pub fn skew(returns: &[f64]) -> Option<f64> {
    if returns.is_empty() {
        return None;
    }
    let (m, m2, m3, _) = moments(returns);
    if zero_variance(returns, m2, m) {
        return None;
    }
    finite(m3 / m2.powf(1.5))
}

/// Sample **excess** kurtosis, biased: `m₄ / m₂² − 3` (Fisher's definition, 0 for a normal
/// distribution).
///
/// Source: `scipy.stats.kurtosis` defaults (`fisher=True`, `bias=True`). `None` when
/// `returns` is empty or the variance is zero.
pub fn kurtosis(returns: &[f64]) -> Option<f64> {
    if returns.is_empty() {
        return None;
    }
    let (m, m2, _, m4) = moments(returns);
    if zero_variance(returns, m2, m) {
        return None;
    }
    finite(m4 / (m2 * m2) - 3.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_short_inputs_are_none() {
        assert_eq!(total_return(&[]), None);
        assert_eq!(annual_return(&[], 252.0), None);
        assert_eq!(annual_volatility(&[0.01], 252.0), None);
        assert_eq!(sharpe_ratio(&[0.01], 0.0, 252.0), None);
        assert_eq!(sortino_ratio(&[0.01], 0.0, 252.0), None);
        assert_eq!(omega_ratio(&[0.01], 0.0), None);
        assert_eq!(value_at_risk(&[], 0.05), None);
        assert_eq!(conditional_value_at_risk(&[], 0.05), None);
        assert_eq!(skew(&[0.01]), None);
    }

    #[test]
    fn constant_returns_have_no_ratio() {
        let r = [0.001; 30];
        assert_eq!(sharpe_ratio(&r, 0.0, 252.0), None);
        assert_eq!(sortino_ratio(&r, 0.0, 252.0), None);
        assert_eq!(omega_ratio(&r, 0.0), None);
        assert_eq!(skew(&r), None);
        assert_eq!(kurtosis(&r), None);
        assert_eq!(annual_volatility(&r, 252.0), Some(0.0));
        assert!((total_return(&r).unwrap() - (1.001f64.powi(30) - 1.0)).abs() < 1e-15);
    }

    #[test]
    fn hand_computed() {
        // r = [0.1, -0.1]: total = 1.1 · 0.9 − 1 = −0.01.
        let r = [0.1, -0.1];
        assert!((total_return(&r).unwrap() + 0.01).abs() < 1e-15);
        // Omega at 0: 0.1 / 0.1 = 1. Downside: √(0.01 / 2) · √252.
        assert!((omega_ratio(&r, 0.0).unwrap() - 1.0).abs() < 1e-15);
        let dr = downside_risk(&r, 0.0, 252.0).unwrap();
        assert!((dr - (0.005f64).sqrt() * 252f64.sqrt()).abs() < 1e-14);
        // CVaR at 5 % of 21 values: k = ⌊20 · 0.05⌋ = 1, mean of the two smallest.
        let x: Vec<f64> = (0..21).map(|i| i as f64).collect();
        assert_eq!(conditional_value_at_risk(&x, 0.05), Some(0.5));
        // A NaN anywhere gives None, never NaN.
        assert_eq!(sharpe_ratio(&[0.1, f64::NAN, 0.2], 0.0, 252.0), None);
    }

    #[test]
    fn equity_returns_stop_at_ruin() {
        // By hand: 100 → 110 (+10 %) → 99 (−10 %) → −5 (ruin: −100 %, not −105.05 %)
        // → −20 (0, not the +300 % that −20 / −5 − 1 would read) → 50 (0).
        let (r, ruin) = equity_returns(100.0, &[110.0, 99.0, -5.0, -20.0, 50.0]);
        assert_eq!(ruin, Some(2));
        assert!((r[0] - 0.1).abs() < 1e-15 && (r[1] + 0.1).abs() < 1e-15);
        assert_eq!(&r[2..], &[-1.0, 0.0, 0.0]);
        assert_eq!(total_return(&r), Some(-1.0));
        // Exactly zero equity is ruin too; a positive curve has none and matches the
        // plain ratio (vectorbt's pf.returns()).
        assert_eq!(equity_returns(100.0, &[50.0, 0.0, 10.0]).1, Some(1));
        let (r, ruin) = equity_returns(100.0, &[101.0, 99.0]);
        assert_eq!(ruin, None);
        assert_eq!(r, vec![101.0 / 100.0 - 1.0, 99.0 / 101.0 - 1.0]);
        // No capital at the start.
        assert_eq!(equity_returns(0.0, &[1.0, 2.0]), (vec![0.0, 0.0], Some(0)));
        assert_eq!(equity_returns(0.0, &[]), (vec![], None));
    }
}
