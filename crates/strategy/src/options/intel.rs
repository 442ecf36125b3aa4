//! Market intelligence at one snapshot: volatility-index levels and term structure,
//! the underlying's deviation from its session VWAP, the put/call volume ratio, dealer
//! gamma exposure and its flip level, the expected move — and the [`Regime`] label
//! derived from them by a documented, configurable rule ([`IntelConfig`]).
//!
//! Everything is computed from what is knowable at the snapshot: the chain, the
//! underlying's history up to now, and the volatility-index readings the engine supplies
//! ([`VolIndexReadings`], e.g. the previous session's closes of the daily indices).
//! [`IntelCache`] computes the readings on first use per snapshot, so strategies that
//! never ask pay nothing.
//!
//! ## The regime rule (defaults in brackets)
//! 1. **HighVolatility** when VIX ≥ `high_vix` [25], or VIX9D/VIX > `max_term_9d` [1.05]
//!    (the short end inverted: stress now), or VIX/VIX3M > `max_term_3m` [1.00] (the
//!    curve in backwardation). A missing index skips its test.
//! 2. Otherwise, with `d` = (last − VWAP)/VWAP of the current session:
//!    **Bullish** when `d ≥ trend_threshold` [0.001 = 0.1 %] and, if `trend_needs_gex`
//!    [true] and GEX is known, GEX ≥ 0 (dealers long gamma damp the move: a grind up);
//!    **Bearish** when `d ≤ −trend_threshold` and (same proviso) GEX ≤ 0 (dealers short
//!    gamma amplify the sell-off).
//! 3. **Neutral** otherwise (no trend, a trend the gamma positioning contradicts, or no
//!    VWAP yet).

use std::cell::OnceCell;

use serde::{Deserialize, Serialize};
use thetalab_core::{OptionRight, OptionRoot, Timestamp};
use thetalab_pricing::gex;

use super::common::{check, parse_root};
use super::{ChainView, UnderlyingHistory};
use crate::StrategyError;

/// Volatility-index values knowable at the snapshot, supplied by the engine (e.g. the
/// previous session's closes of the daily VIX9D, VIX and VIX3M), in index points
/// (VIX 18.5, not 0.185).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct VolIndexReadings {
    /// Cboe VIX (30-day).
    pub vix: Option<f64>,
    /// Cboe VIX9D (9-day).
    pub vix9d: Option<f64>,
    /// Cboe VIX3M (3-month).
    pub vix3m: Option<f64>,
}

/// The market regime label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Regime {
    /// Above VWAP with non-negative dealer gamma.
    Bullish,
    /// Below VWAP with non-positive dealer gamma.
    Bearish,
    /// Neither trend nor stress.
    Neutral,
    /// High or inverted volatility term structure.
    HighVolatility,
}

impl Regime {
    /// Every regime.
    pub const ALL: [Regime; 4] = [
        Regime::Bullish,
        Regime::Bearish,
        Regime::Neutral,
        Regime::HighVolatility,
    ];

    /// Lower-case label: `bullish`, `bearish`, `neutral`, `high-volatility`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Regime::Bullish => "bullish",
            Regime::Bearish => "bearish",
            Regime::Neutral => "neutral",
            Regime::HighVolatility => "high-volatility",
        }
    }
}

impl std::fmt::Display for Regime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Thresholds and settings of the readings and the regime rule (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntelConfig {
    /// VIX level at or above which the regime is HighVolatility (default 25).
    pub high_vix: f64,
    /// VIX9D/VIX above which the regime is HighVolatility (default 1.05).
    pub max_term_9d: f64,
    /// VIX/VIX3M above which the regime is HighVolatility (default 1.00).
    pub max_term_3m: f64,
    /// Relative VWAP deviation that counts as a trend (default 0.001 = 0.1 %).
    pub trend_threshold: f64,
    /// Whether a trend needs the GEX sign to agree (default true).
    pub trend_needs_gex: bool,
    /// Contract multiplier for GEX (default 100, SPX).
    pub multiplier: f64,
    /// Only expiries at most this many calendar days away enter GEX and the flip level
    /// (default 45; near-dated gamma dominates).
    pub gex_max_dte: i64,
    /// Compute the zero-gamma level (default true; it costs ~400 GEX evaluations).
    pub zero_gamma: bool,
    /// Half-width of the flip-level search as a fraction of spot (default 0.10).
    pub zero_gamma_range: f64,
    /// The option root whose nearest expiry gives the expected move; `None` (default)
    /// uses the first root of the chain.
    pub root: Option<String>,
}

impl Default for IntelConfig {
    fn default() -> Self {
        IntelConfig {
            high_vix: 25.0,
            max_term_9d: 1.05,
            max_term_3m: 1.0,
            trend_threshold: 0.001,
            trend_needs_gex: true,
            multiplier: 100.0,
            gex_max_dte: 45,
            zero_gamma: true,
            zero_gamma_range: 0.10,
            root: None,
        }
    }
}

impl IntelConfig {
    /// Checks every field's domain, so that a bad value is reported here rather than
    /// silently turning a reading into `None` (a non-positive `multiplier` or a
    /// `zero_gamma_range` outside (0, 1) makes [`thetalab_pricing::gex`] refuse the
    /// chain; an unparsable `root` would fall back to the chain's first root).
    pub fn validate(&self) -> Result<(), StrategyError> {
        let n = "intel";
        check(
            n,
            "high_vix",
            self.high_vix,
            self.high_vix > 0.0,
            "must be > 0",
        )?;
        check(
            n,
            "max_term_9d",
            self.max_term_9d,
            self.max_term_9d > 0.0,
            "must be > 0",
        )?;
        check(
            n,
            "max_term_3m",
            self.max_term_3m,
            self.max_term_3m > 0.0,
            "must be > 0",
        )?;
        let t = self.trend_threshold;
        check(n, "trend_threshold", t, t >= 0.0, "must be ≥ 0")?;
        let m = self.multiplier;
        check(n, "multiplier", m, m > 0.0, "must be > 0")?;
        let d = self.gex_max_dte;
        check(n, "gex_max_dte", d as f64, d >= 0, "must be ≥ 0")?;
        let z = self.zero_gamma_range;
        check(
            n,
            "zero_gamma_range",
            z,
            z > 0.0 && z < 1.0,
            "must be in (0, 1)",
        )?;
        if let Some(r) = &self.root {
            parse_root(n, r)?;
        }
        Ok(())
    }

    /// The regime for the given readings under this rule (see the module docs).
    #[must_use]
    pub fn regime(
        &self,
        vix: Option<f64>,
        term_9d_ratio: Option<f64>,
        term_3m_ratio: Option<f64>,
        vwap_deviation: Option<f64>,
        gex: Option<f64>,
    ) -> Regime {
        if vix.is_some_and(|v| v >= self.high_vix)
            || term_9d_ratio.is_some_and(|r| r > self.max_term_9d)
            || term_3m_ratio.is_some_and(|r| r > self.max_term_3m)
        {
            return Regime::HighVolatility;
        }
        let Some(d) = vwap_deviation else {
            return Regime::Neutral;
        };
        let gex_allows = |up: bool| {
            !self.trend_needs_gex || gex.is_none_or(|g| if up { g >= 0.0 } else { g <= 0.0 })
        };
        if d >= self.trend_threshold && gex_allows(true) {
            Regime::Bullish
        } else if d <= -self.trend_threshold && gex_allows(false) {
            Regime::Bearish
        } else {
            Regime::Neutral
        }
    }
}

/// The readings at one snapshot. `None` where an input is missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketIntel {
    /// VIX.
    pub vix: Option<f64>,
    /// VIX9D.
    pub vix9d: Option<f64>,
    /// VIX3M.
    pub vix3m: Option<f64>,
    /// VIX9D / VIX (> 1: short end inverted).
    pub term_9d_ratio: Option<f64>,
    /// VIX / VIX3M (> 1: backwardation).
    pub term_3m_ratio: Option<f64>,
    /// The current session's VWAP of the underlying (see [`session_vwap`]).
    pub vwap: Option<f64>,
    /// (last − VWAP) / VWAP.
    pub vwap_deviation: Option<f64>,
    /// Σ put volume / Σ call volume over the snapshot's rows (session volumes).
    pub put_call_volume_ratio: Option<f64>,
    /// Total dealer GEX per 1 % move in dollars ([`thetalab_pricing::gex`]
    /// convention: dealers long calls, short puts).
    pub gex: Option<f64>,
    /// The spot at which total GEX changes sign, nearest the current spot.
    pub zero_gamma: Option<f64>,
    /// ATM straddle mid ([`ChainView::straddle_mid`]) of the nearest expiry that has
    /// not settled ([`ChainView::expiry_nearest_dte`] with 0 days), in points.
    pub expected_move: Option<f64>,
    /// The regime label.
    pub regime: Regime,
}

/// Computes [`MarketIntel`] once per snapshot, on first use.
#[derive(Debug, Clone, Default)]
pub struct IntelCache {
    cfg: IntelConfig,
    readings: VolIndexReadings,
    cell: OnceCell<MarketIntel>,
}

impl IntelCache {
    /// A cache with the given thresholds.
    #[must_use]
    pub fn new(cfg: IntelConfig) -> Self {
        IntelCache {
            cfg,
            readings: VolIndexReadings::default(),
            cell: OnceCell::new(),
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &IntelConfig {
        &self.cfg
    }

    /// Forgets the previous snapshot's readings; the engine calls it before each
    /// snapshot with the volatility-index values knowable then.
    pub fn reset(&mut self, readings: VolIndexReadings) {
        self.readings = readings;
        self.cell = OnceCell::new();
    }

    /// The readings at this snapshot (computed on the first call after
    /// [`IntelCache::reset`]).
    pub fn get(
        &self,
        chain: &ChainView<'_>,
        und: &UnderlyingHistory,
        now: Timestamp,
    ) -> &MarketIntel {
        self.cell
            .get_or_init(|| compute(&self.cfg, self.readings, chain, und, now))
    }
}

/// Computes every reading and the regime (what [`IntelCache::get`] caches).
#[must_use]
pub fn compute(
    cfg: &IntelConfig,
    readings: VolIndexReadings,
    chain: &ChainView<'_>,
    und: &UnderlyingHistory,
    now: Timestamp,
) -> MarketIntel {
    let pos = |x: Option<f64>| x.filter(|v| v.is_finite() && *v > 0.0);
    let (vix, vix9d, vix3m) = (pos(readings.vix), pos(readings.vix9d), pos(readings.vix3m));
    let ratio = |a: Option<f64>, b: Option<f64>| Some(a? / b?);
    let term_9d_ratio = ratio(vix9d, vix);
    let term_3m_ratio = ratio(vix, vix3m);
    let vwap = session_vwap(und, now);
    let last = und
        .ts
        .iter()
        .zip(&und.price)
        .rev()
        .find(|(t, _)| **t <= now)
        .map(|(_, p)| *p)
        .filter(|p| p.is_finite() && *p > 0.0)
        .or(chain.spot());
    let vwap_deviation = match (vwap, last) {
        (Some(v), Some(p)) if v > 0.0 => Some((p - v) / v),
        _ => None,
    };
    let put_call_volume_ratio = put_call_volume_ratio(chain);
    let (gex, zero_gamma) = dealer_gex(cfg, chain);
    let root = cfg
        .root
        .as_deref()
        .and_then(|r| OptionRoot::new(r).ok())
        .or_else(|| chain.root(0));
    let expected_move = root.and_then(|r| {
        let e = chain.expiry_nearest_dte(r, 0)?;
        chain.straddle_mid(r, e)
    });
    let regime = cfg.regime(vix, term_9d_ratio, term_3m_ratio, vwap_deviation, gex);
    MarketIntel {
        vix,
        vix9d,
        vix3m,
        term_9d_ratio,
        term_3m_ratio,
        vwap,
        vwap_deviation,
        put_call_volume_ratio,
        gex,
        zero_gamma,
        expected_move,
        regime,
    }
}

/// The current session's VWAP of the underlying up to `now`:
/// `Σ pᵢ·vᵢ / Σ vᵢ` over the session's points with `tᵢ ≤ now` (each point's price
/// weighted by the volume of the interval ending there). When the session has no
/// volume (an index such as SPX), the **time-weighted** average of the price path
/// instead: each price held until the next point, `Σ pᵢ·(tᵢ₊₁ − tᵢ) / (t_last − t_first)`;
/// the price itself when the session has a single point. `None` before the first point.
#[must_use]
pub fn session_vwap(und: &UnderlyingHistory, now: Timestamp) -> Option<f64> {
    let start = und.session_start.min(und.ts.len());
    let end = start + und.ts[start..].partition_point(|t| *t <= now);
    let end = end.min(und.price.len()).min(und.volume.len());
    if end <= start {
        return None;
    }
    let (p, v, t) = (
        &und.price[start..end],
        &und.volume[start..end],
        &und.ts[start..end],
    );
    let (mut pv, mut vol) = (0.0, 0.0);
    for (pi, vi) in p.iter().zip(v) {
        if vi.is_finite() && *vi > 0.0 && pi.is_finite() {
            pv += pi * vi;
            vol += vi;
        }
    }
    if vol > 0.0 {
        return Some(pv / vol);
    }
    if p.len() == 1 {
        return p[0].is_finite().then_some(p[0]);
    }
    let (mut area, mut span) = (0.0, 0.0);
    for j in 0..p.len() - 1 {
        let dt = t[j + 1].nanos_since(t[j]).unwrap_or(0) as f64;
        if dt > 0.0 && p[j].is_finite() {
            area += p[j] * dt;
            span += dt;
        }
    }
    (span > 0.0).then(|| area / span)
}

/// Σ put session volume / Σ call session volume over the chain's rows; `None` when no
/// call traded.
#[must_use]
pub fn put_call_volume_ratio(chain: &ChainView<'_>) -> Option<f64> {
    let (mut puts, mut calls) = (0u64, 0u64);
    for i in 0..chain.len() {
        let (Some(r), Some(v)) = (chain.right(i), chain.volume(i)) else {
            continue;
        };
        match r {
            OptionRight::Call => calls = calls.saturating_add(v),
            OptionRight::Put => puts = puts.saturating_add(v),
        }
    }
    (calls > 0).then(|| puts as f64 / calls as f64)
}

/// Total dealer GEX and the zero-gamma level over the rows with known open interest,
/// an implied vol ([`ChainView::iv`]) and at most `gex_max_dte` days to expiry.
fn dealer_gex(cfg: &IntelConfig, chain: &ChainView<'_>) -> (Option<f64>, Option<f64>) {
    let Some(spot) = chain.spot() else {
        return (None, None);
    };
    let today = chain.now().ny_date();
    let s = chain.snapshot();
    let n = chain.len();
    let (mut strike, mut right, mut oi, mut vol, mut t) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for i in 0..n {
        let (root, expiry) = (s.root[i], s.expiry[i]);
        if (expiry - today).num_days() > cfg.gex_max_dte {
            continue;
        }
        let Some(o) = chain.open_interest(i) else {
            continue;
        };
        let Some(years) = chain.years_to_settlement(root, expiry).filter(|y| *y > 0.0) else {
            continue;
        };
        let Some(sigma) = chain.iv(i) else {
            continue;
        };
        strike.push(s.strike[i]);
        right.push(s.right[i]);
        oi.push(o as f64);
        vol.push(sigma);
        t.push(years);
    }
    if strike.is_empty() {
        return (None, None);
    }
    let c = gex::Chain {
        strike: &strike,
        right: &right,
        open_interest: &oi,
        iv: &vol,
        t: &t,
    };
    let (r, q) = (chain.rate(), chain.dividend_yield());
    let total = gex::total_gex(&c, spot, r, q, cfg.multiplier).ok();
    let flip = if cfg.zero_gamma {
        gex::zero_gamma_level(&c, spot, r, q, cfg.multiplier, cfg.zero_gamma_range)
            .ok()
            .flatten()
    } else {
        None
    };
    (total, flip)
}
