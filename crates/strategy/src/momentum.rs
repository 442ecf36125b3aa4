//! Cross-sectional momentum (relative strength) across a universe: rank assets by their
//! total return over `lookback` bars ending `skip` bars ago, hold the top `top_n` in
//! equal weights, rebalance every `rebalance` bars.
//!
//! This is the "J-month formation, skip a month" relative-strength portfolio of
//! Jegadeesh & Titman (1993, *J. Finance* 48(1)), e.g. 12-1 momentum is
//! `lookback = 231, skip = 21` on daily bars.
//!
//! # Conventions
//!
//! * Score at bar `t`: `close[t − skip] / close[t − skip − lookback] − 1`; an asset
//!   whose two prices are not both finite and > 0 has no score and is not selected.
//! * The first rebalance is at bar `t0 = lookback + skip` (the first bar with a score),
//!   then at `t0 + rebalance`, `t0 + 2·rebalance`, …; between rebalances the weights
//!   are carried; before `t0` they are 0 (all cash).
//! * At a rebalance the assets with a score are sorted by descending score (ties: the
//!   earlier asset in the universe first) and the first `top_n` get weight `1 / top_n`
//!   each; when fewer than `top_n` assets have a score, the rest stays in cash (the
//!   weights sum to less than 1; we never concentrate because data is missing).
//! * Weights at bar `t` use closes up to `t` only: they are targets decided at bar
//!   `t`'s close, for the engine to fill at that close or the next open.

use crate::StrategyError;

/// Momentum ranking parameters (validated by [`Momentum::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Momentum {
    lookback: usize,
    skip: usize,
    top_n: usize,
    rebalance: usize,
}

/// Target weights per asset per bar, the output of [`Momentum::weights`].
#[derive(Debug, Clone, PartialEq)]
pub struct TargetWeights {
    /// Asset names, in universe order.
    pub assets: Vec<String>,
    /// `weights[a][t]`: target weight of asset `a` at bar `t` (fraction of equity).
    pub weights: Vec<Vec<f64>>,
    /// `rebalance[t]`: whether bar `t` is a rebalance bar.
    pub rebalance: Vec<bool>,
}

impl TargetWeights {
    /// Number of bars.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rebalance.len()
    }

    /// True when there are no bars.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rebalance.is_empty()
    }

    /// The weights of every asset at bar `t` (`None` past the end).
    #[must_use]
    pub fn at(&self, t: usize) -> Option<Vec<f64>> {
        self.weights.iter().map(|w| w.get(t).copied()).collect()
    }
}

fn bad(param: &str, value: f64, reason: &str) -> StrategyError {
    StrategyError::InvalidParam {
        strategy: "momentum".to_string(),
        param: param.to_string(),
        value,
        reason: reason.to_string(),
    }
}

/// Relative-strength score: total return from `p0` to `p1`, `None` unless both prices
/// are finite and > 0. (Jegadeesh & Titman 1993: cumulative return over the formation
/// period.)
fn score(p0: f64, p1: f64) -> Option<f64> {
    (p0.is_finite() && p1.is_finite() && p0 > 0.0 && p1 > 0.0).then(|| p1 / p0 - 1.0)
}

/// Writes equal weights `1/top_n` for the `top_n` best scores into `out` (zeros
/// elsewhere). `order` is scratch space of the universe's size.
fn select(scores: &[Option<f64>], top_n: usize, order: &mut Vec<usize>, out: &mut [f64]) {
    order.clear();
    order.extend((0..scores.len()).filter(|&a| scores[a].is_some()));
    // Stable sort: ties keep universe order.
    order.sort_by(|&a, &b| {
        let (sa, sb) = (
            scores[a].unwrap_or(f64::NEG_INFINITY),
            scores[b].unwrap_or(f64::NEG_INFINITY),
        );
        sb.total_cmp(&sa)
    });
    out.iter_mut().for_each(|w| *w = 0.0);
    let w = 1.0 / top_n as f64;
    for &a in order.iter().take(top_n) {
        out[a] = w;
    }
}

impl Momentum {
    /// Parameters: `lookback ≥ 1` bars of formation, `skip ≥ 0` most recent bars left
    /// out, hold the `top_n ≥ 1` best, rebalance every `rebalance ≥ 1` bars.
    pub fn new(
        lookback: usize,
        skip: usize,
        top_n: usize,
        rebalance: usize,
    ) -> Result<Self, StrategyError> {
        if lookback == 0 {
            return Err(bad("lookback", 0.0, "must be >= 1"));
        }
        if top_n == 0 {
            return Err(bad("top_n", 0.0, "must be >= 1"));
        }
        if rebalance == 0 {
            return Err(bad("rebalance", 0.0, "must be >= 1"));
        }
        if lookback
            .checked_add(skip)
            .and_then(|x| x.checked_add(1))
            .is_none()
        {
            return Err(bad("skip", skip as f64, "lookback + skip overflows"));
        }
        Ok(Momentum {
            lookback,
            skip,
            top_n,
            rebalance,
        })
    }

    /// Formation length in bars.
    #[must_use]
    pub fn lookback(&self) -> usize {
        self.lookback
    }

    /// Most recent bars skipped.
    #[must_use]
    pub fn skip(&self) -> usize {
        self.skip
    }

    /// Number of assets held.
    #[must_use]
    pub fn top_n(&self) -> usize {
        self.top_n
    }

    /// Bars between rebalances.
    #[must_use]
    pub fn rebalance(&self) -> usize {
        self.rebalance
    }

    /// The first bar with a score (the first rebalance): `lookback + skip`.
    #[must_use]
    pub fn warmup(&self) -> usize {
        self.lookback + self.skip
    }

    fn is_rebalance(&self, t: usize) -> bool {
        t >= self.warmup() && (t - self.warmup()).is_multiple_of(self.rebalance)
    }

    /// Target weights per asset per bar for a universe of `(name, closes)` with equal
    /// lengths. Fails on an empty universe or unequal lengths (naming the asset).
    pub fn weights(&self, universe: &[(&str, &[f64])]) -> Result<TargetWeights, StrategyError> {
        let Some(&(_, first)) = universe.first() else {
            return Err(StrategyError::EmptyUniverse);
        };
        let n = first.len();
        for &(name, closes) in universe {
            if closes.len() != n {
                return Err(StrategyError::LengthMismatch {
                    column: name.to_string(),
                    len: closes.len(),
                    expected: n,
                });
            }
        }
        let k = universe.len();
        let mut weights = vec![vec![0.0; n]; k];
        let mut rebalance = vec![false; n];
        let mut current = vec![0.0; k];
        let mut scores = vec![None; k];
        let mut order = Vec::with_capacity(k);
        for t in 0..n {
            if self.is_rebalance(t) {
                rebalance[t] = true;
                let end = t - self.skip;
                let start = end - self.lookback;
                for (s, &(_, c)) in scores.iter_mut().zip(universe) {
                    *s = score(c[start], c[end]);
                }
                select(&scores, self.top_n, &mut order, &mut current);
            }
            for (col, &w) in weights.iter_mut().zip(&current) {
                col[t] = w;
            }
        }
        Ok(TargetWeights {
            assets: universe.iter().map(|&(a, _)| a.to_string()).collect(),
            weights,
            rebalance,
        })
    }

    /// A streaming ranker for `n_assets` assets (same weights as [`Momentum::weights`],
    /// one bar at a time).
    pub fn streaming(&self, n_assets: usize) -> Result<MomentumStream, StrategyError> {
        if n_assets == 0 {
            return Err(StrategyError::EmptyUniverse);
        }
        let depth = self.lookback + self.skip + 1;
        Ok(MomentumStream {
            params: *self,
            n_assets,
            depth,
            ring: vec![f64::NAN; depth * n_assets],
            t: 0,
            current: vec![0.0; n_assets],
            scores: vec![None; n_assets],
            order: Vec::with_capacity(n_assets),
        })
    }
}

/// Cross-sectional momentum ranking with the [`Momentum`] conventions.
///
/// `universe` holds `(asset, closes)`; the result's `weights[a][t]` is asset `a`'s
/// target weight at bar `t`.
pub fn rank(
    universe: &[(&str, &[f64])],
    lookback: usize,
    skip: usize,
    top_n: usize,
    rebalance: usize,
) -> Result<TargetWeights, StrategyError> {
    Momentum::new(lookback, skip, top_n, rebalance)?.weights(universe)
}

/// Streaming form of [`Momentum`]: keeps the last `lookback + skip + 1` closes of each
/// asset (allocated once) and returns the current targets after every bar.
#[derive(Debug, Clone)]
pub struct MomentumStream {
    params: Momentum,
    n_assets: usize,
    depth: usize,
    /// `ring[(t % depth) * n_assets + a]` = close of asset `a` at bar `t`.
    ring: Vec<f64>,
    t: usize,
    current: Vec<f64>,
    scores: Vec<Option<f64>>,
    order: Vec<usize>,
}

impl MomentumStream {
    /// Consumes one bar's closes (one per asset, universe order) and returns the target
    /// weights after that bar. Fails when `closes` has the wrong length.
    pub fn on_bar(&mut self, closes: &[f64]) -> Result<&[f64], StrategyError> {
        if closes.len() != self.n_assets {
            return Err(StrategyError::LengthMismatch {
                column: "closes".to_string(),
                len: closes.len(),
                expected: self.n_assets,
            });
        }
        let t = self.t;
        let row = (t % self.depth) * self.n_assets;
        self.ring[row..row + self.n_assets].copy_from_slice(closes);
        if self.params.is_rebalance(t) {
            let end = ((t - self.params.skip) % self.depth) * self.n_assets;
            let start =
                ((t - self.params.skip - self.params.lookback) % self.depth) * self.n_assets;
            for a in 0..self.n_assets {
                self.scores[a] = score(self.ring[start + a], self.ring[end + a]);
            }
            select(
                &self.scores,
                self.params.top_n,
                &mut self.order,
                &mut self.current,
            );
        }
        self.t += 1;
        Ok(&self.current)
    }

    /// Whether the last bar fed was a rebalance bar.
    #[must_use]
    pub fn rebalanced_last(&self) -> bool {
        self.t > 0 && self.params.is_rebalance(self.t - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_params() {
        assert!(Momentum::new(0, 0, 1, 1).is_err());
        assert!(Momentum::new(1, 0, 0, 1).is_err());
        assert!(Momentum::new(1, 0, 1, 0).is_err());
        assert!(Momentum::new(1, usize::MAX, 1, 1).is_err());
        assert_eq!(rank(&[], 1, 0, 1, 1), Err(StrategyError::EmptyUniverse));
        let a = [1.0, 2.0];
        let b = [1.0];
        let err = rank(&[("A", &a), ("B", &b)], 1, 0, 1, 1).unwrap_err();
        assert!(err.to_string().contains("`B`"));
    }

    #[test]
    fn missing_prices_leave_cash() {
        let a = [1.0, 2.0, 3.0];
        let b = [f64::NAN, 1.0, 1.0];
        let w = rank(&[("A", &a), ("B", &b)], 1, 0, 2, 1).unwrap();
        // t = 1: A scores 1.0; B has no score; top 2 → A gets 1/2, rest cash.
        assert_eq!(w.at(1).unwrap(), vec![0.5, 0.0]);
        // t = 2: A 0.5, B 0.0 → both held.
        assert_eq!(w.at(2).unwrap(), vec![0.5, 0.5]);
        assert_eq!(w.at(0).unwrap(), vec![0.0, 0.0]);
        assert_eq!(w.at(3), None);
    }
}
