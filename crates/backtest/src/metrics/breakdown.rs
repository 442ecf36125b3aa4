//! Metrics broken down by a label per bar (market regime, strategy, month, …).

use std::collections::BTreeMap;

use super::{Metrics, MetricsConfig, error::MetricsError};

/// [`Metrics`] of the periods carrying each label: for every distinct label, the returns
/// (and exposure flags) of its bars, taken in time order and joined as if consecutive,
/// go through [`Metrics::compute`] with no trades (trade statistics are empty).
///
/// The label can be any ordered type: a regime enum, a strategy name, or `(year, month)`.
/// Annualised figures of a label use only its own bars (n bars ↔ n / periods_per_year
/// years), and drawdowns are those of the label's own compounded curve.
///
/// Errors if `labels` (or the mask) is not as long as `returns`, or on invalid input as
/// [`Metrics::compute`].
///
/// ```
/// use thetalab_backtest::metrics::{breakdown, MetricsConfig};
///
/// let labels = ["calm", "storm", "calm", "storm"];
/// let by = breakdown(&labels, &[0.01, -0.03, 0.02, 0.01], None, &MetricsConfig::default())?;
/// assert!((by["calm"].total_return - (1.01 * 1.02 - 1.0)).abs() < 1e-15);
/// assert_eq!(by["storm"].bars, 2);
/// # Ok::<(), thetalab_backtest::metrics::MetricsError>(())
/// ```
pub fn breakdown<L: Ord + Clone>(
    labels: &[L],
    returns: &[f64],
    exposure_mask: Option<&[bool]>,
    cfg: &MetricsConfig,
) -> Result<BTreeMap<L, Metrics>, MetricsError> {
    if labels.len() != returns.len() {
        return Err(MetricsError::LengthMismatch {
            what: "labels",
            expected: returns.len(),
            got: labels.len(),
        });
    }
    if let Some(mask) = exposure_mask
        && mask.len() != returns.len()
    {
        return Err(MetricsError::LengthMismatch {
            what: "exposure_mask",
            expected: returns.len(),
            got: mask.len(),
        });
    }
    let mut groups: BTreeMap<L, (Vec<f64>, Vec<bool>)> = BTreeMap::new();
    for (i, (label, &r)) in labels.iter().zip(returns).enumerate() {
        let g = groups.entry(label.clone()).or_default();
        g.0.push(r);
        if let Some(mask) = exposure_mask {
            g.1.push(mask[i]);
        }
    }
    groups
        .into_iter()
        .map(|(label, (r, m))| {
            let mask = exposure_mask.map(|_| m.as_slice());
            Metrics::compute(&r, &[], mask, cfg).map(|metrics| (label, metrics))
        })
        .collect()
}
