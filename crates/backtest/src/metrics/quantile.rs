//! Sample percentiles with numpy's default (`method="linear"`) interpolation.

/// Keeps `x` only if it is a finite number: the single gate through which every metric
/// leaves this module, so no NaN or infinity reaches a report.
pub(crate) fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The `q`-quantile (`0 ≤ q ≤ 1`) of an ascending-sorted, non-empty, NaN-free slice.
///
/// Source: numpy 2.x `np.quantile(..., method="linear")`, method 7 of Hyndman & Fan,
/// "Sample Quantiles in Statistical Packages", The American Statistician 50(4), 1996:
/// virtual index `h = (n − 1)·q`, `lo = ⌊h⌋`, weight `γ = h − lo`; when `h ≥ n − 1` the
/// largest value. The interpolation between `a = x[lo]` and `b = x[lo + 1]` is numpy's
/// `_lerp`: `a + (b − a)·γ` for `γ < 0.5`, `b − (b − a)·(1 − γ)` otherwise, which keeps
/// the result bit-for-bit equal to numpy's.
///
/// Returns `None` for an empty slice or `q` outside `[0, 1]`.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let h = (n - 1) as f64 * q;
    if h >= (n - 1) as f64 {
        return sorted.last().copied();
    }
    let lo_f = h.floor();
    // lo_f is in [0, n − 2] here, so the cast and both indices are in range.
    let lo = lo_f as usize;
    let (a, b) = (sorted[lo], sorted[lo + 1]);
    let gamma = h - lo_f;
    let diff = b - a;
    Some(if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    })
}

/// The `p`-th percentile (`0 ≤ p ≤ 100`) of unsorted values, as `np.percentile(values, p)`
/// (which divides `p` by 100 and calls [`quantile_sorted`] on a sorted copy).
///
/// Returns `None` for an empty slice, `p` outside `[0, 100]` or a NaN among the values.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.iter().any(|x| x.is_nan()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile_sorted(&sorted, p / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_numpy_small_cases() {
        // np.percentile([1, 2, 3, 4], 50) = 2.5; [.., 5] = 1.15; [.., 95] = 3.85.
        let x = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentile(&x, 50.0), Some(2.5));
        assert!((percentile(&x, 5.0).unwrap() - 1.15).abs() < 1e-15);
        assert!((percentile(&x, 95.0).unwrap() - 3.85).abs() < 1e-15);
        assert_eq!(percentile(&x, 100.0), Some(4.0));
        assert_eq!(percentile(&x, 0.0), Some(1.0));
        assert_eq!(percentile(&[7.0], 5.0), Some(7.0));
        assert_eq!(percentile(&[], 5.0), None);
        assert_eq!(percentile(&[1.0, f64::NAN], 5.0), None);
        assert_eq!(percentile(&x, 101.0), None);
    }
}
