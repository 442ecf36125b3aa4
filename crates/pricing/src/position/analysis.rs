//! The P&L at expiry: breakevens, extremes and the probability of profit.
//!
//! Single-expiry positions: the P&L `f(S) = Σ qty·m·max(φ(S − K), 0) + shares·S − cost`
//! is continuous and piecewise linear with kinks only at the strikes (Hull, 10th ed.,
//! ch. 12), so it is known exactly from its values at `0` and at each strike and the
//! slope of each piece: on `(Kᵢ, Kᵢ₊₁)` the slope is
//! `shares + m·(Σ_{calls, K ≤ Kᵢ} qty − Σ_{puts, K ≥ Kᵢ₊₁} qty)`, beyond the last strike
//! `shares + m·Σ_{calls} qty`. Each zero is `x − f(x)/slope` from the nearer end of its
//! piece: no iteration, error a few ulps.

use crate::normal::cdf;
use crate::position::{Position, SAME_EXPIRY_TOL};
use crate::solve::{brent_root, golden_max};
use crate::{OptionRight, PricingError, Result, VolSurface};
use std::cell::Cell;

/// A maximum profit or loss: finite, or unbounded (the P&L grows without limit as the
/// underlying rises).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// Attained somewhere in `S ∈ [0, ∞)`; in currency (contracts × multiplier).
    Finite(f64),
    /// No bound.
    Unbounded,
}

impl Bound {
    /// The finite value, `None` when unbounded.
    #[must_use]
    pub fn finite(self) -> Option<f64> {
        match self {
            Bound::Finite(x) => Some(x),
            Bound::Unbounded => None,
        }
    }
}

/// The shape of the P&L at the front expiry.
///
/// - `breakevens`: the underlying prices where the P&L crosses (or touches) zero, i.e.
///   the finite, non-zero end points of the profitable set `{S : P&L(S) > 0}`, sorted.
///   Between two consecutive breakevens the P&L is either positive throughout or `≤ 0`
///   throughout.
/// - `profit_intervals`: that set as disjoint open intervals `(lo, hi)`, sorted, `lo` may
///   be 0 and `hi` may be `+∞`.
/// - `max_profit = sup P&L`, `max_loss = −inf P&L` (a positive number when the position
///   can lose), over `S ∈ [0, ∞)`.
///
/// **Exact** (`exact = true`) for single-expiry positions (see the module notes).
/// **Numerical** for multi-expiry positions: the P&L at the front expiry (later legs by
/// BSM) is sampled at every strike and on a grid of 4000 points over `[0, 3·K_max]` plus
/// 400 geometric points up to `10·K_max` (extended by doubling while the P&L's sign
/// disagrees with its slope at infinity); every sign change between grid neighbours is
/// refined by Brent's method to `1e-10·max(S, 1)`, the extremes by golden section around
/// the best grid point. Two roots closer than the grid step (`0.00075·K_max`) can be
/// missed. Unboundedness comes from the exact slope at infinity:
/// `shares + m·Σ_{calls} qty·(1 at the front expiry, e^{−qτ} for a later leg)`. So a
/// call calendar on an underlying with `q > 0` has an **unbounded** model loss (net
/// delta `e^{−qτ} − 1 < 0` per contract far above the strike), where a broker showing
/// "max loss = debit" ignores the dividend yield; with `q = 0` it is bounded.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpiryProfile {
    /// The front expiry, in years from the valuation date: the horizon of the profile.
    pub expiry: f64,
    /// Whether the profile is exact (single expiry) or numerical.
    pub exact: bool,
    /// Breakeven underlying prices, sorted.
    pub breakevens: Vec<f64>,
    /// The profitable set as disjoint sorted open intervals (`hi` may be `+∞`).
    pub profit_intervals: Vec<(f64, f64)>,
    /// Largest P&L.
    pub max_profit: Bound,
    /// Largest loss, `−min P&L` (negative if the position cannot lose).
    pub max_loss: Bound,
}

impl ExpiryProfile {
    /// `P(P&L at expiry > 0)` when `ln S_T ~ N(ln S + (μ − σ²/2)T, σ²T)`, `T` =
    /// [`ExpiryProfile::expiry`]: the sum over the profitable intervals of
    /// `Φ(z(hi)) − Φ(z(lo))`, `z(x) = (ln(x/S) − (μ − σ²/2)T)/(σ√T)` (the lognormal law of
    /// Hull, 10th ed., eq. 15.3). `μ = r − q` is the risk-neutral measure. With `σ√T = 0`
    /// the terminal price `S·e^{μT}` is certain and the answer 0 or 1.
    pub fn probability_of_profit(&self, spot: f64, sigma: f64, drift: f64) -> Result<f64> {
        crate::inputs::positive("spot", spot)?;
        crate::inputs::finite("sigma", sigma)?;
        if sigma < 0.0 {
            return Err(PricingError::InvalidInput {
                field: "sigma",
                value: sigma,
                reason: "must be ≥ 0",
            });
        }
        crate::inputs::finite("drift", drift)?;
        let t = self.expiry;
        let sd = sigma * t.sqrt();
        let mean = spot.ln() + (drift - 0.5 * sigma * sigma) * t;
        if sd <= 0.0 {
            let st = mean.exp();
            let inside = self
                .profit_intervals
                .iter()
                .any(|&(lo, hi)| (lo < st || lo == 0.0) && st < hi);
            return Ok(if inside { 1.0 } else { 0.0 });
        }
        let z = |x: f64| {
            if x <= 0.0 {
                f64::NEG_INFINITY
            } else if x == f64::INFINITY {
                f64::INFINITY
            } else {
                (x.ln() - mean) / sd
            }
        };
        let p: f64 = self
            .profit_intervals
            .iter()
            .map(|&(lo, hi)| {
                let (za, zb) = (z(lo), z(hi));
                // In the upper half use the upper tail, Φ(−z), to keep relative accuracy.
                if za >= 0.0 {
                    phi(-za) - phi(-zb)
                } else {
                    phi(zb) - phi(za)
                }
            })
            .sum();
        Ok(p.clamp(0.0, 1.0))
    }
}

/// `Φ` extended to ±∞.
fn phi(z: f64) -> f64 {
    if z == f64::NEG_INFINITY {
        0.0
    } else if z == f64::INFINITY {
        1.0
    } else {
        cdf(z)
    }
}

/// Slopes summing to less than this fraction of `Σ|qty|·m + |shares|` are zero (integer
/// quantities cancel exactly; this absorbs rounding of fractional ones).
const SLOPE_TOL: f64 = 1e-12;

fn slope_scale(pos: &Position) -> f64 {
    pos.shares.abs() + pos.legs.iter().map(|l| l.qty.abs()).sum::<f64>() * pos.multiplier
}

fn snap(slope: f64, scale: f64) -> f64 {
    if slope.abs() <= SLOPE_TOL * scale {
        0.0
    } else {
        slope
    }
}

/// Appends `(lo, hi)` to the sorted interval list, joining it to the last interval when
/// they meet at a node where the P&L is positive.
fn push_interval(out: &mut Vec<(f64, f64)>, lo: f64, hi: f64, joins_previous: bool) {
    if hi.is_nan() || hi <= lo {
        return;
    }
    if joins_previous
        && let Some(last) = out.last_mut()
        && last.1 == lo
    {
        last.1 = hi;
        return;
    }
    out.push((lo, hi));
}

fn breakevens_of(intervals: &[(f64, f64)]) -> Vec<f64> {
    let mut b: Vec<f64> = intervals
        .iter()
        .flat_map(|&(lo, hi)| [lo, hi])
        .filter(|x| x.is_finite() && *x > 0.0)
        .collect();
    b.sort_by(f64::total_cmp);
    b.dedup();
    b
}

pub(crate) fn exact_profile(pos: &Position, t0: f64) -> ExpiryProfile {
    let m = pos.multiplier;
    let entry = pos.entry_cost();
    let mut nodes: Vec<f64> = pos.legs.iter().map(|l| l.strike).collect();
    nodes.push(0.0);
    nodes.sort_by(f64::total_cmp);
    nodes.dedup();
    let f: Vec<f64> = nodes
        .iter()
        .map(|&x| pos.intrinsic_value(x) - entry)
        .collect();
    let scale = slope_scale(pos);
    let piece_slope = |lo: f64, hi: f64| {
        let s = pos.shares
            + m * pos
                .legs
                .iter()
                .map(|l| match l.right {
                    OptionRight::Call if l.strike <= lo => l.qty,
                    OptionRight::Put if l.strike >= hi => -l.qty,
                    _ => 0.0,
                })
                .sum::<f64>();
        snap(s, scale)
    };
    let tail_slope = snap(
        pos.shares
            + m * pos
                .legs
                .iter()
                .filter(|l| l.right == OptionRight::Call)
                .map(|l| l.qty)
                .sum::<f64>(),
        scale,
    );

    let mut intervals = Vec::new();
    for i in 0..nodes.len() {
        let (xa, fa) = (nodes[i], f[i]);
        if i + 1 < nodes.len() {
            let (xb, fb) = (nodes[i + 1], f[i + 1]);
            let root = || {
                let s = piece_slope(xa, xb);
                let r = if s == 0.0 {
                    xa + (xb - xa) * fa / (fa - fb)
                } else if fa.abs() <= fb.abs() {
                    xa - fa / s
                } else {
                    xb - fb / s
                };
                r.clamp(xa, xb)
            };
            match (fa > 0.0, fb > 0.0) {
                (true, true) => push_interval(&mut intervals, xa, xb, true),
                (true, false) => push_interval(&mut intervals, xa, root(), true),
                (false, true) => push_interval(&mut intervals, root(), xb, false),
                (false, false) => {}
            }
        } else {
            let s = tail_slope;
            match (fa > 0.0, s) {
                (true, s) if s >= 0.0 => push_interval(&mut intervals, xa, f64::INFINITY, true),
                (true, s) => push_interval(&mut intervals, xa, xa - fa / s, true),
                (false, s) if s > 0.0 => {
                    push_interval(&mut intervals, xa - fa / s, f64::INFINITY, false)
                }
                _ => {}
            }
        }
    }

    let fmax = f.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let fmin = f.iter().copied().fold(f64::INFINITY, f64::min);
    ExpiryProfile {
        expiry: t0,
        exact: true,
        breakevens: breakevens_of(&intervals),
        profit_intervals: intervals,
        max_profit: if tail_slope > 0.0 {
            Bound::Unbounded
        } else {
            Bound::Finite(fmax)
        },
        max_loss: if tail_slope < 0.0 {
            Bound::Unbounded
        } else {
            Bound::Finite(-fmin)
        },
    }
}

pub(crate) fn numerical_profile(
    pos: &Position,
    t0: f64,
    r: f64,
    q: f64,
    vols: &impl VolSurface,
) -> Result<ExpiryProfile> {
    let entry = pos.entry_cost();
    let err: Cell<Option<PricingError>> = Cell::new(None);
    let pnl = |s: f64| match pos.front_value_unchecked(s, t0, r, q, vols) {
        Ok(v) => v - entry,
        Err(e) => {
            let first = err.take().unwrap_or(e);
            err.set(Some(first));
            f64::NAN
        }
    };
    let fail = |err: &Cell<Option<PricingError>>| err.take();

    // Slope at S → ∞: a call worth S e^{−qτ} − K e^{−rτ} deep in the money, a put 0.
    let scale = slope_scale(pos);
    let m = pos.multiplier;
    let inf_slope = snap(
        pos.shares
            + m * pos
                .legs
                .iter()
                .filter(|l| l.right == OptionRight::Call)
                .map(|l| {
                    let tau = l.expiry - t0;
                    l.qty
                        * if tau <= SAME_EXPIRY_TOL {
                            1.0
                        } else {
                            (-q * tau).exp()
                        }
                })
                .sum::<f64>(),
        scale,
    );

    let kmax = pos.legs.iter().map(|l| l.strike).fold(0.0, f64::max);
    let n_lin = 4000;
    let mut xs: Vec<f64> = (0..=n_lin)
        .map(|i| 3.0 * kmax * i as f64 / n_lin as f64)
        .collect();
    let n_geo = 400;
    let ratio = (10.0_f64 / 3.0).powf(1.0 / n_geo as f64);
    xs.extend((1..=n_geo).map(|i| 3.0 * kmax * ratio.powi(i)));
    xs.extend(pos.legs.iter().map(|l| l.strike));
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let mut fs: Vec<f64> = xs.iter().map(|&x| pnl(x)).collect();
    if let Some(e) = fail(&err) {
        return Err(e);
    }
    // Extend while the last sign disagrees with the slope at infinity (a root lies beyond).
    for _ in 0..64 {
        let (Some(&x_last), Some(&f_last)) = (xs.last(), fs.last()) else {
            break;
        };
        let disagree = (inf_slope > 0.0 && f_last <= 0.0) || (inf_slope < 0.0 && f_last > 0.0);
        if !disagree {
            break;
        }
        let x = 2.0 * x_last;
        xs.push(x);
        fs.push(pnl(x));
    }
    if let Some(e) = fail(&err) {
        return Err(e);
    }

    // Breakevens and profitable intervals by a sign walk.
    let mut intervals = Vec::new();
    let mut start = if fs[0] > 0.0 { Some(xs[0]) } else { None };
    for i in 1..xs.len() {
        let (fa, fb) = (fs[i - 1], fs[i]);
        if (fa > 0.0) == (fb > 0.0) {
            continue;
        }
        let (a, b) = (xs[i - 1], xs[i]);
        let x = brent_root(pnl, a, b, fa, fb, 1e-10 * b.max(1.0));
        match start.take() {
            Some(lo) => push_interval(&mut intervals, lo, x, false),
            None => start = Some(x),
        }
    }
    if let Some(lo) = start {
        push_interval(&mut intervals, lo, f64::INFINITY, false);
    }

    // Extremes: best grid point, refined by golden section between its neighbours.
    // `best(±1)` is the largest value of `±P&L`.
    let best = |sign: f64| {
        let j = (0..fs.len())
            .max_by(|&i, &k| (sign * fs[i]).total_cmp(&(sign * fs[k])))
            .unwrap_or(0);
        let lo = xs[j.saturating_sub(1)];
        let hi = xs[(j + 1).min(xs.len() - 1)];
        let (_, v) = golden_max(|x| sign * pnl(x), lo, hi, 1e-10 * hi.max(1.0));
        v.max(sign * fs[j])
    };
    let fmax = best(1.0);
    let fmin = -best(-1.0);
    if let Some(e) = fail(&err) {
        return Err(e);
    }
    Ok(ExpiryProfile {
        expiry: t0,
        exact: false,
        breakevens: breakevens_of(&intervals),
        profit_intervals: intervals,
        max_profit: if inf_slope > 0.0 {
            Bound::Unbounded
        } else {
            Bound::Finite(fmax)
        },
        max_loss: if inf_slope < 0.0 {
            Bound::Unbounded
        } else {
            Bound::Finite(-fmin)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OptionRight::{Call, Put};
    use crate::position::Leg;

    fn one(right: OptionRight, k: f64, qty: f64, premium: f64) -> Position {
        Position::new(vec![Leg::new(right, k, 0.5, qty, premium)]).unwrap()
    }

    #[test]
    fn single_options_have_the_textbook_extremes() {
        // Long call (Hull, 10th ed., Fig. 10.1): loss limited to the premium, unlimited
        // gain, breakeven K + c.
        let p = one(Call, 100.0, 1.0, 4.0).payoff_profile().unwrap();
        assert_eq!(p.max_profit, Bound::Unbounded);
        assert_eq!(p.max_loss, Bound::Finite(400.0));
        assert_eq!(p.breakevens, vec![104.0]);
        assert_eq!(p.profit_intervals, vec![(104.0, f64::INFINITY)]);
        // Short put: gain limited to the premium, loss (K − p) at S = 0.
        let p = one(Put, 95.0, -1.0, 2.0).payoff_profile().unwrap();
        assert_eq!(p.max_profit, Bound::Finite(200.0));
        assert_eq!(p.max_loss, Bound::Finite(9300.0));
        assert_eq!(p.breakevens, vec![93.0]);
        // Naked short call: unlimited loss.
        let p = one(Call, 100.0, -1.0, 4.0).payoff_profile().unwrap();
        assert_eq!(p.max_loss, Bound::Unbounded);
        assert_eq!(p.max_profit, Bound::Finite(400.0));
        assert_eq!(p.profit_intervals, vec![(0.0, 104.0)]);
        // Long put: profit at S = 0 of (K − p); the interval starts at 0, no breakeven there.
        let p = one(Put, 100.0, 1.0, 3.0).payoff_profile().unwrap();
        assert_eq!(p.max_profit, Bound::Finite(9700.0));
        assert_eq!(p.breakevens, vec![97.0]);
    }

    #[test]
    fn short_stock_has_unbounded_loss() {
        let p = one(Put, 90.0, 1.0, 1.0)
            .with_shares(-100.0, 100.0)
            .unwrap()
            .payoff_profile()
            .unwrap();
        assert_eq!(p.max_loss, Bound::Unbounded);
        // At S = 0: put 90·100 + short stock gain 100·100 − premium 100.
        assert_eq!(p.max_profit, Bound::Finite(9000.0 + 10_000.0 - 100.0));
        assert_eq!(p.breakevens, vec![99.0]);
    }

    #[test]
    fn touching_zero_is_a_breakeven_but_not_profit() {
        // Long 100 straddle bought for exactly 0: P&L = |S − 100|·100, zero only at 100.
        let p = Position::new(vec![
            Leg::new(Call, 100.0, 0.5, 1.0, 0.0),
            Leg::new(Put, 100.0, 0.5, 1.0, 0.0),
        ])
        .unwrap()
        .payoff_profile()
        .unwrap();
        assert_eq!(p.breakevens, vec![100.0]);
        assert_eq!(
            p.profit_intervals,
            vec![(0.0, 100.0), (100.0, f64::INFINITY)]
        );
        assert_eq!(p.max_loss, Bound::Finite(-0.0));
    }

    #[test]
    fn probability_of_profit_of_a_long_call_is_n_d2_at_the_breakeven() {
        // P(S_T > K + c) under the lognormal with drift μ = r is N(d₂) evaluated at the
        // strike K + c (Hull, 10th ed., §15.8 / §19.x: N(d₂) is the risk-neutral
        // probability of exercise).
        let (s, k, c, sigma, r, t) = (100.0, 100.0, 4.0, 0.2, 0.05, 0.5);
        let prof = one(Call, k, 1.0, c).payoff_profile().unwrap();
        let d2 = ((s / (k + c)).ln() + (r - 0.5 * sigma * sigma) * t) / (sigma * f64::sqrt(t));
        let got = prof.probability_of_profit(s, sigma, r).unwrap();
        assert!((got - cdf(d2)).abs() < 1e-15, "{got} vs {}", cdf(d2));
        // The short call is profitable exactly when the long one is not.
        let short = one(Call, k, -1.0, c).payoff_profile().unwrap();
        assert!(
            (short.probability_of_profit(s, sigma, r).unwrap() - (1.0 - cdf(d2))).abs() < 1e-15
        );
        // σ = 0: the terminal price 100·e^{0.05·0.5} = 102.53 < 104 is certain.
        assert_eq!(prof.probability_of_profit(s, 0.0, r).unwrap(), 0.0);
        assert_eq!(prof.probability_of_profit(s, 0.0, 0.2).unwrap(), 1.0);
        assert!(prof.probability_of_profit(0.0, 0.2, r).is_err());
        assert!(prof.probability_of_profit(s, -0.2, r).is_err());
    }
}
