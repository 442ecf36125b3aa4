//! The synthetic market's configuration. `Default` is the calibrated SPX-like market;
//! `docs/synthetic-market.md` lists every default beside the real statistic it matches.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DataError;

/// Everything that shapes a [`crate::synth::SyntheticMarket`]. Serde-friendly (TOML in
/// the CLIs); missing fields take their defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SynthConfig {
    /// Master seed: the same seed gives the same market, byte for byte.
    pub seed: u64,
    /// First session (or the first session after it, when it is not one).
    pub start: NaiveDate,
    /// Number of sessions to generate (252 ≈ one year).
    pub sessions: usize,
    /// Index level at the close before the first session.
    pub spot0: f64,
    /// Interval of the index bars in minutes (1 by default; must divide the session).
    pub bar_minutes: u32,
    /// Simulation sub-steps per minute (the bars' high and low come from them).
    pub substeps: u32,
    /// Minutes between chain snapshots (1 = every minute from 09:31 to the close).
    pub chain_every_minutes: u32,
    /// Continuously compounded risk-free rate used to price the options.
    pub rate: f64,
    /// Continuous dividend yield of the index.
    pub dividend_yield: f64,
    /// The index dynamics.
    pub model: ModelParams,
    /// Intraday seasonality of variance and volume.
    pub seasonality: Seasonality,
    /// The implied-volatility smile.
    pub smile: SmileParams,
    /// Which expiries and strikes are listed.
    pub expiries: Vec<ExpirySpec>,
    /// Bid/ask spread, sizes, volume and open interest.
    pub quotes: QuoteParams,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            seed: 20_240_102,
            start: NaiveDate::from_ymd_opt(2024, 1, 2).unwrap_or_default(),
            sessions: 252,
            spot0: 4770.0,
            bar_minutes: 1,
            substeps: 10,
            chain_every_minutes: 1,
            rate: 0.045,
            dividend_yield: 0.014,
            model: ModelParams::default(),
            seasonality: Seasonality::default(),
            smile: SmileParams::default(),
            expiries: ExpirySpec::default_set(),
            quotes: QuoteParams::default(),
        }
    }
}

/// The index dynamics: a Heston-like variance with jumps in price and variance (the
/// SVCJ model of Duffie, Pan & Singleton, Econometrica 68(6), 2000, §4) on a
/// **trading-time** clock: one session plus the night before it is 1/252 of a year,
/// spread over the night (`overnight_share`) and the session's minutes (by the
/// seasonality weights). All rates and variances are annualised on that clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelParams {
    /// Expected arithmetic return per year (before the jump compensator).
    pub drift: f64,
    /// Initial variance; `None` starts at the long-run mean `theta + jump_intensity ·
    /// var_jump_mean / kappa`.
    pub v0: Option<f64>,
    /// Mean-reversion speed κ of the variance, per year.
    pub kappa: f64,
    /// Long-run variance θ of the diffusion (without the variance jumps' contribution).
    pub theta: f64,
    /// Volatility of variance ξ.
    pub xi: f64,
    /// Correlation ρ of the price and variance shocks (leverage: strongly negative).
    pub rho: f64,
    /// Jump intensity λ, jumps per year.
    pub jump_intensity: f64,
    /// Mean μ_J of the log-price jump.
    pub jump_mean: f64,
    /// Standard deviation σ_J of the log-price jump.
    pub jump_std: f64,
    /// Mean of the exponential jump in variance that accompanies each price jump.
    pub var_jump_mean: f64,
    /// Share of a day's variance spent overnight (the close-to-open gap).
    pub overnight_share: f64,
    /// Implied over expected variance: a variance risk premium, applied to every implied
    /// variance (VIX-like indices and the option smiles).
    pub variance_premium: f64,
    /// Floor on the variance (annualised), keeping the simulated path sane.
    pub min_variance: f64,
}

impl Default for ModelParams {
    fn default() -> Self {
        Self {
            drift: 0.07,
            v0: None,
            kappa: 5.0,
            theta: 0.0215,
            xi: 0.5,
            rho: -0.72,
            jump_intensity: 5.0,
            jump_mean: -0.015,
            jump_std: 0.02,
            var_jump_mean: 0.01,
            overnight_share: 0.19,
            variance_premium: 1.29,
            min_variance: 0.0016,
        }
    }
}

impl ModelParams {
    /// Long-run mean of the variance including the variance jumps: `θ + λ·μ_v/κ`
    /// (Duffie, Pan & Singleton 2000, the affine mean of the SVCJ variance).
    #[must_use]
    pub fn long_run_variance(&self) -> f64 {
        self.theta + self.jump_intensity * self.var_jump_mean / self.kappa
    }

    /// Variance per year contributed by the price jumps: `λ(μ_J² + σ_J²)`.
    #[must_use]
    pub fn jump_variance_rate(&self) -> f64 {
        self.jump_intensity * (self.jump_mean * self.jump_mean + self.jump_std * self.jump_std)
    }

    /// Expected integrated variance `E[∫₀^τ v_s ds] + λ E[J²] τ` over `tau` years of
    /// trading time from variance `v` (the Heston/SVCJ first moment:
    /// `θ'τ + (v − θ')(1 − e^{−κτ})/κ`, e.g. Gatheral, "The Volatility Surface", 2006,
    /// eq. 3.4, with θ' the long-run mean including variance jumps).
    #[must_use]
    pub fn expected_variance(&self, v: f64, tau: f64) -> f64 {
        if tau <= 0.0 {
            return 0.0;
        }
        let th = self.long_run_variance();
        let k = self.kappa;
        let decay = if k * tau < 1e-8 {
            tau
        } else {
            (1.0 - (-k * tau).exp()) / k
        };
        th * tau + (v - th) * decay + self.jump_variance_rate() * tau
    }
}

/// Intraday U-shapes: a minute at session fraction `u ∈ [0, 1]` gets weight
/// `floor + open_boost·e^{−u/open_decay} + morning_boost·e^{−u/morning_decay} +
/// close_boost·e^{−(1−u)/close_decay}`, normalised over the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Seasonality {
    /// Variance: constant part.
    pub var_floor: f64,
    /// Variance: opening burst size.
    pub var_open_boost: f64,
    /// Variance: opening burst decay (fraction of the session).
    pub var_open_decay: f64,
    /// Variance: slow morning component size.
    pub var_morning_boost: f64,
    /// Variance: slow morning component decay.
    pub var_morning_decay: f64,
    /// Variance: closing ramp size.
    pub var_close_boost: f64,
    /// Variance: closing ramp decay.
    pub var_close_decay: f64,
    /// Volume: constant part.
    pub vol_floor: f64,
    /// Volume: opening burst size.
    pub vol_open_boost: f64,
    /// Volume: opening burst decay.
    pub vol_open_decay: f64,
    /// Volume: closing ramp size (the closing auction).
    pub vol_close_boost: f64,
    /// Volume: closing ramp decay.
    pub vol_close_decay: f64,
    /// SPY-like shares traded per full session, given to the index bars (the index itself
    /// has no volume; 0 leaves the bars' volume at 0).
    pub index_volume_per_day: f64,
}

impl Default for Seasonality {
    fn default() -> Self {
        // Least-squares fit to the half-hourly variance and volume shares of SPY 1-minute
        // bars, July 2025 (shared/data/spx-spy-intraday), plus the first/last 5 minutes.
        Self {
            var_floor: 0.5,
            var_open_boost: 3.0,
            var_open_decay: 0.01,
            var_morning_boost: 2.0,
            var_morning_decay: 0.5,
            var_close_boost: 2.0,
            var_close_decay: 0.04,
            vol_floor: 0.5,
            vol_open_boost: 2.0,
            vol_open_decay: 0.005,
            vol_close_boost: 3.0,
            vol_close_decay: 0.02,
            index_volume_per_day: 60_000_000.0,
        }
    }
}

/// The smile of every expiry: Gatheral & Jacquier's SSVI (Quantitative Finance 14(1),
/// 2014, eq. 4.1) `w(k) = θ/2 (1 + ρφk + √((φk + ρ)² + 1 − ρ²))` with the power-law
/// `φ(θ) = η θ^{−γ}`, where `θ` is the ATM total implied variance from the model, and a
/// skew that deepens with `θ` as in the extended SSVI of S. Hendriks and C. Martini ("The
/// extended SSVI volatility surface", J. Computational Finance 22(5), 2019):
/// `ρ(θ) = clamp(rho + rho_slope · ln(θ / 0.01), −0.95, 0)`. Each slice is handed out as
/// the equivalent raw SVI (GJ 2014, Lemma 3.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmileParams {
    /// Skew ρ at `θ = 0.01` (about 8 months at a 14% ATM vol; negative: puts richer).
    pub rho: f64,
    /// Change of ρ per unit of `ln θ` (negative: longer expiries are more skewed).
    pub rho_slope: f64,
    /// Curvature level η of `φ(θ) = η θ^{−γ}`.
    pub eta: f64,
    /// Decay γ of `φ(θ)` with the ATM total variance.
    pub gamma: f64,
}

impl Default for SmileParams {
    fn default() -> Self {
        // Fitted to 105 SPXW expiries of the Cboe snapshots spx_2022-07-12_1155,
        // spx_2023-09-14_1631 and spx_2023-06-09_1340 (shared/data/cboe-chain-snapshots):
        // raw SVI per expiry (`fit_svi`), then (θ, φ, ρ) from its ATM level, slope and
        // curvature, then least squares in ln θ. The test
        // `synth::smile_defaults_match_the_cboe_spx_snapshots` redoes the fit.
        Self {
            rho: -0.74,
            rho_slope: -0.10,
            eta: 0.94,
            gamma: 0.45,
        }
    }
}

impl SmileParams {
    /// The skew `ρ(θ)` of a slice with ATM total variance `theta`.
    #[must_use]
    pub fn rho_at(&self, theta: f64) -> f64 {
        (self.rho + self.rho_slope * (theta.max(1e-300) / 0.01).ln()).clamp(-0.95, 0.0)
    }
}

/// Which expiry of the day a row of the chain comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryRule {
    /// The session's own SPXW expiry (0DTE), when the session is one.
    SameDay,
    /// The n-th SPXW expiry after the session (1 = the next one).
    Next(u32),
    /// The first SPXW expiry at least this many calendar days after the session.
    AtLeastDays(u32),
}

/// One listed expiry: its rule and strike grid. Strikes are fixed for the session at the
/// open: every multiple of `strike_step` within `half_width` (a fraction of the opening
/// level) of the opening level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpirySpec {
    /// Which expiry.
    pub rule: ExpiryRule,
    /// Half-width of the strike range as a fraction of the opening level.
    pub half_width: f64,
    /// Strike spacing in index points.
    pub strike_step: f64,
}

impl ExpirySpec {
    /// The defaults: 0DTE at ±3.5% by 5 points, the next SPXW expiry at ±3.5% by 10
    /// points, and the first expiry ≥ 30 days out at ±7% by 25 points: about 254 quotes
    /// per snapshot at SPX 4770, so 390 snapshots × 252 sessions ≈ 25 M quotes a year.
    #[must_use]
    pub fn default_set() -> Vec<ExpirySpec> {
        vec![
            ExpirySpec {
                rule: ExpiryRule::SameDay,
                half_width: 0.035,
                strike_step: 5.0,
            },
            ExpirySpec {
                rule: ExpiryRule::Next(1),
                half_width: 0.035,
                strike_step: 10.0,
            },
            ExpirySpec {
                rule: ExpiryRule::AtLeastDays(30),
                half_width: 0.07,
                strike_step: 25.0,
            },
        ]
    }
}

/// Bid/ask, sizes, volume and open interest.
///
/// The spread is `max(tick, (base + slope·mid^exponent)·(1 + otm_widen·x))` with
/// `x = |ln(K/F)|/√w` the distance from the money in standard deviations; the bid is
/// rounded down and the ask up to the tick of their price, which on Cboe's SPX is 0.05
/// below 3.00 and 0.10 from 3.00 up (Cboe SPX product specification, "Premium Quote").
/// A bid that rounds to 0 is an empty side (`None`), as a 0 bid is on OPRA. With
/// `exponent` 1 the rule is linear in the mid; the default 0.5 keeps expensive
/// at-the-money quotes as tight as SPX's are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuoteParams {
    /// Tick below `tick_break` (Cboe SPX: 0.05).
    pub tick_small: f64,
    /// Tick from `tick_break` up (Cboe SPX: 0.10).
    pub tick_large: f64,
    /// Premium where the tick changes (Cboe SPX: 3.00).
    pub tick_break: f64,
    /// Fixed part of the spread, index points.
    pub spread_base: f64,
    /// Scale of the mid-dependent part of the spread.
    pub spread_slope: f64,
    /// Power of the mid in the spread (1 = proportional).
    pub spread_exponent: f64,
    /// Widening per standard deviation out of the money.
    pub spread_otm_widen: f64,
    /// Median displayed size (contracts) of an at-the-money quote.
    pub size_median: f64,
    /// Median open interest of an at-the-money contract.
    pub oi_median: f64,
    /// Median contracts traded per session in an at-the-money 0DTE contract.
    pub volume_median: f64,
}

impl Default for QuoteParams {
    fn default() -> Self {
        Self {
            tick_small: 0.05,
            tick_large: 0.10,
            tick_break: 3.0,
            spread_base: 0.05,
            spread_slope: 0.06,
            spread_exponent: 0.5,
            spread_otm_widen: 0.08,
            size_median: 40.0,
            oi_median: 2500.0,
            volume_median: 6000.0,
        }
    }
}

fn bad(field: &'static str, value: impl ToString, reason: &'static str) -> DataError {
    DataError::InvalidSynthConfig {
        field,
        value: value.to_string(),
        reason,
    }
}

fn finite_pos(field: &'static str, x: f64) -> Result<(), DataError> {
    if x.is_finite() && x > 0.0 {
        Ok(())
    } else {
        Err(bad(field, x, "must be finite and > 0"))
    }
}

fn finite_nonneg(field: &'static str, x: f64) -> Result<(), DataError> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(bad(field, x, "must be finite and ≥ 0"))
    }
}

impl SynthConfig {
    /// Checks every field's domain; the error names the field and its value.
    pub fn validate(&self) -> Result<(), DataError> {
        if self.sessions == 0 {
            return Err(bad("sessions", self.sessions, "must be ≥ 1"));
        }
        finite_pos("spot0", self.spot0)?;
        if self.bar_minutes == 0 || self.bar_minutes > 390 {
            return Err(bad("bar_minutes", self.bar_minutes, "must be in 1..=390"));
        }
        if self.substeps == 0 || self.substeps > 1000 {
            return Err(bad("substeps", self.substeps, "must be in 1..=1000"));
        }
        if self.chain_every_minutes == 0 || self.chain_every_minutes > 390 {
            return Err(bad(
                "chain_every_minutes",
                self.chain_every_minutes,
                "must be in 1..=390",
            ));
        }
        if !self.rate.is_finite() || self.rate.abs() > 1.0 {
            return Err(bad("rate", self.rate, "must be finite, |rate| ≤ 1"));
        }
        if !self.dividend_yield.is_finite() || self.dividend_yield.abs() > 1.0 {
            return Err(bad(
                "dividend_yield",
                self.dividend_yield,
                "must be finite, |q| ≤ 1",
            ));
        }
        let m = &self.model;
        if !m.drift.is_finite() {
            return Err(bad("model.drift", m.drift, "must be finite"));
        }
        if let Some(v0) = m.v0 {
            finite_pos("model.v0", v0)?;
        }
        finite_pos("model.kappa", m.kappa)?;
        finite_pos("model.theta", m.theta)?;
        finite_nonneg("model.xi", m.xi)?;
        if !(m.rho.is_finite() && m.rho.abs() < 1.0) {
            return Err(bad("model.rho", m.rho, "must satisfy |rho| < 1"));
        }
        finite_nonneg("model.jump_intensity", m.jump_intensity)?;
        if !m.jump_mean.is_finite() || m.jump_mean.abs() > 0.5 {
            return Err(bad(
                "model.jump_mean",
                m.jump_mean,
                "must be finite, |mean| ≤ 0.5",
            ));
        }
        finite_nonneg("model.jump_std", m.jump_std)?;
        finite_nonneg("model.var_jump_mean", m.var_jump_mean)?;
        if !(m.overnight_share.is_finite() && (0.0..1.0).contains(&m.overnight_share)) {
            return Err(bad(
                "model.overnight_share",
                m.overnight_share,
                "must be in [0, 1)",
            ));
        }
        finite_pos("model.variance_premium", m.variance_premium)?;
        finite_pos("model.min_variance", m.min_variance)?;
        let s = &self.seasonality;
        for (f, x) in [
            ("seasonality.var_floor", s.var_floor),
            ("seasonality.var_open_boost", s.var_open_boost),
            ("seasonality.var_morning_boost", s.var_morning_boost),
            ("seasonality.var_close_boost", s.var_close_boost),
            ("seasonality.vol_floor", s.vol_floor),
            ("seasonality.vol_open_boost", s.vol_open_boost),
            ("seasonality.vol_close_boost", s.vol_close_boost),
            ("seasonality.index_volume_per_day", s.index_volume_per_day),
        ] {
            finite_nonneg(f, x)?;
        }
        for (f, x) in [
            ("seasonality.var_open_decay", s.var_open_decay),
            ("seasonality.var_morning_decay", s.var_morning_decay),
            ("seasonality.var_close_decay", s.var_close_decay),
            ("seasonality.vol_open_decay", s.vol_open_decay),
            ("seasonality.vol_close_decay", s.vol_close_decay),
        ] {
            finite_pos(f, x)?;
        }
        if s.var_floor + s.var_open_boost + s.var_morning_boost + s.var_close_boost <= 0.0 {
            return Err(bad(
                "seasonality.var_floor",
                s.var_floor,
                "the variance weights must not all be 0",
            ));
        }
        if s.vol_floor + s.vol_open_boost + s.vol_close_boost <= 0.0 {
            return Err(bad(
                "seasonality.vol_floor",
                s.vol_floor,
                "the volume weights must not all be 0",
            ));
        }
        let sm = &self.smile;
        if !(sm.rho.is_finite() && sm.rho.abs() < 1.0) {
            return Err(bad("smile.rho", sm.rho, "must satisfy |rho| < 1"));
        }
        if !(sm.rho_slope.is_finite() && sm.rho_slope.abs() <= 1.0) {
            return Err(bad(
                "smile.rho_slope",
                sm.rho_slope,
                "must be finite, |rho_slope| ≤ 1",
            ));
        }
        finite_pos("smile.eta", sm.eta)?;
        if !(sm.gamma.is_finite() && (0.0..=1.0).contains(&sm.gamma)) {
            return Err(bad("smile.gamma", sm.gamma, "must be in [0, 1]"));
        }
        for e in &self.expiries {
            if !(e.half_width.is_finite() && e.half_width > 0.0 && e.half_width < 0.9) {
                return Err(bad(
                    "expiries.half_width",
                    e.half_width,
                    "must be in (0, 0.9)",
                ));
            }
            finite_pos("expiries.strike_step", e.strike_step)?;
            if e.half_width * self.spot0 / e.strike_step > 5000.0 {
                return Err(bad(
                    "expiries.strike_step",
                    e.strike_step,
                    "more than 10 000 strikes per expiry",
                ));
            }
            if matches!(e.rule, ExpiryRule::Next(0)) {
                return Err(bad(
                    "expiries.rule",
                    "next(0)",
                    "Next counts from 1 (use same_day for 0DTE)",
                ));
            }
        }
        let q = &self.quotes;
        finite_pos("quotes.tick_small", q.tick_small)?;
        finite_pos("quotes.tick_large", q.tick_large)?;
        finite_nonneg("quotes.tick_break", q.tick_break)?;
        finite_nonneg("quotes.spread_base", q.spread_base)?;
        finite_nonneg("quotes.spread_slope", q.spread_slope)?;
        if !(q.spread_exponent.is_finite() && (0.0..=2.0).contains(&q.spread_exponent)) {
            return Err(bad(
                "quotes.spread_exponent",
                q.spread_exponent,
                "must be in [0, 2]",
            ));
        }
        finite_nonneg("quotes.spread_otm_widen", q.spread_otm_widen)?;
        finite_pos("quotes.size_median", q.size_median)?;
        finite_pos("quotes.oi_median", q.oi_median)?;
        finite_nonneg("quotes.volume_median", q.volume_median)?;
        Ok(())
    }
}
