//! The index path of one session: the overnight gap, then every minute in sub-steps,
//! from a Heston-like variance with jumps in price and variance on a trading-time clock.
//!
//! Discretisation: full-truncation Euler for the variance (R. Lord, R. Koekkoek and
//! D. van Dijk, "A comparison of biased simulation schemes for stochastic volatility
//! models", Quantitative Finance 10(2), 2010), floored at `min_variance`; the log price
//! takes the exact log-Euler step given the variance, `dx = (μ − λk̄ − v/2)dτ + √(v dτ) Z₁`
//! with `k̄ = e^{μ_J + σ_J²/2} − 1` the jump compensator (Merton 1976); a jump happens in
//! a sub-step with probability `λ dτ` (Bernoulli thinning of the Poisson process, exact to
//! `O((λ dτ)²)` ≈ 10⁻¹¹ here), adding `N(μ_J, σ_J²)` to `x` and an exponential with mean
//! `μ_v` to `v` (Duffie, Pan & Singleton 2000's SVCJ). The variance shock is
//! `ρZ₁ + √(1 − ρ²)Z₂`.

use crate::synth::config::{Seasonality, SynthConfig};
use crate::synth::rng::{Rng, Stream};

/// Trading days per year of the model clock.
pub const TRADING_DAYS: f64 = 252.0;

/// Sub-steps of the overnight gap.
const OVERNIGHT_STEPS: u32 = 10;

/// The state of the index at a close: the level and the variance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct State {
    /// Index level.
    pub spot: f64,
    /// Instantaneous variance (annualised, trading time).
    pub var: f64,
}

/// What one session did, kept for every session by the market (a few numbers a day).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DaySummary {
    /// State at the previous close (the start of this session's simulation).
    pub prev: State,
    /// Opening level (after the overnight gap).
    pub open: f64,
    /// Session high.
    pub high: f64,
    /// Session low.
    pub low: f64,
    /// Closing level.
    pub close: f64,
    /// Variance at the open.
    pub var_open: f64,
    /// Variance at the close.
    pub var_close: f64,
    /// Smallest variance in the session.
    pub var_min: f64,
    /// Largest variance in the session.
    pub var_max: f64,
    /// Total synthetic volume of the session.
    pub volume: f64,
}

/// One simulated minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Minute {
    /// Level at the minute's start.
    pub open: f64,
    /// Highest sub-step level.
    pub high: f64,
    /// Lowest sub-step level.
    pub low: f64,
    /// Level at the minute's end.
    pub close: f64,
    /// Variance at the minute's end.
    pub var: f64,
    /// Synthetic volume.
    pub volume: f64,
}

/// Intraday weights for a session of `minutes` minutes.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// Share of the session's variance in each minute (sums to 1).
    pub var: Vec<f64>,
    /// Share of the session's volume in each minute (sums to 1).
    pub volume: Vec<f64>,
    /// Variance share of the session still to come at the **end** of each minute.
    pub var_left: Vec<f64>,
}

fn normalise(mut w: Vec<f64>) -> Vec<f64> {
    let s: f64 = w.iter().sum();
    if s > 0.0 {
        for x in &mut w {
            *x /= s;
        }
    }
    w
}

impl Weights {
    /// The U-shapes of [`Seasonality`] sampled at each minute's midpoint and normalised.
    /// A shortened session keeps the shape (open burst, close ramp) on its own length.
    #[must_use]
    pub fn new(s: &Seasonality, minutes: u32) -> Self {
        let n = minutes.max(1);
        let u = |i: u32| (f64::from(i) + 0.5) / f64::from(n);
        let var = normalise(
            (0..n)
                .map(|i| {
                    let x = u(i);
                    s.var_floor
                        + s.var_open_boost * (-x / s.var_open_decay).exp()
                        + s.var_morning_boost * (-x / s.var_morning_decay).exp()
                        + s.var_close_boost * (-(1.0 - x) / s.var_close_decay).exp()
                })
                .collect(),
        );
        let volume = normalise(
            (0..n)
                .map(|i| {
                    let x = u(i);
                    s.vol_floor
                        + s.vol_open_boost * (-x / s.vol_open_decay).exp()
                        + s.vol_close_boost * (-(1.0 - x) / s.vol_close_decay).exp()
                })
                .collect(),
        );
        let mut var_left = Vec::with_capacity(var.len());
        let mut acc = 1.0;
        for w in &var {
            acc -= w;
            var_left.push(acc.max(0.0));
        }
        Self {
            var,
            volume,
            var_left,
        }
    }
}

/// The model's constants for one run, precomputed.
struct Stepper {
    mu_log: f64,
    kappa: f64,
    theta: f64,
    xi: f64,
    rho: f64,
    rho_bar: f64,
    lambda: f64,
    jump_mean: f64,
    jump_std: f64,
    var_jump_mean: f64,
    min_var: f64,
}

impl Stepper {
    fn new(cfg: &SynthConfig) -> Self {
        let m = &cfg.model;
        let kbar = (m.jump_mean + 0.5 * m.jump_std * m.jump_std).exp() - 1.0;
        Self {
            mu_log: m.drift - m.jump_intensity * kbar,
            kappa: m.kappa,
            theta: m.theta,
            xi: m.xi,
            rho: m.rho,
            rho_bar: (1.0 - m.rho * m.rho).sqrt(),
            lambda: m.jump_intensity,
            jump_mean: m.jump_mean,
            jump_std: m.jump_std,
            var_jump_mean: m.var_jump_mean,
            min_var: m.min_variance,
        }
    }

    /// One sub-step of length `dt` (trading years) from `(x, v)`.
    #[inline]
    fn step(&self, rng: &mut Rng, x: &mut f64, v: &mut f64, dt: f64) {
        let (z1, z2) = rng.normal_pair();
        let vp = v.max(self.min_var);
        let sq = (vp * dt).sqrt();
        *x += (self.mu_log - 0.5 * vp) * dt + sq * z1;
        *v += self.kappa * (self.theta - vp) * dt
            + self.xi * sq * (self.rho * z1 + self.rho_bar * z2);
        if rng.uniform() < self.lambda * dt {
            *x += self.jump_mean + self.jump_std * rng.normal();
            *v = v.max(self.min_var) + self.var_jump_mean * rng.exponential();
        }
    }
}

/// Simulates session `day` of `minutes` minutes from the previous close `prev`, calling
/// `on_minute` for every minute in order; returns the session's summary. The draws come
/// from the `(seed, day, IndexPath)` and `(seed, day, IndexVolume)` streams only, so the
/// same inputs give the same path wherever and whenever it is run.
pub fn simulate_day(
    cfg: &SynthConfig,
    day: u64,
    minutes: u32,
    weights: &Weights,
    prev: State,
    mut on_minute: impl FnMut(u32, &Minute),
) -> DaySummary {
    let st = Stepper::new(cfg);
    let mut rng = Rng::for_stream(cfg.seed, day, Stream::IndexPath);
    let mut vrng = Rng::for_stream(cfg.seed, day, Stream::IndexVolume);
    let g = cfg.model.overnight_share;
    let day_tau = 1.0 / TRADING_DAYS;
    let mut x = prev.spot.ln();
    let mut v = prev.var;
    let dt_on = g * day_tau / f64::from(OVERNIGHT_STEPS);
    for _ in 0..OVERNIGHT_STEPS {
        st.step(&mut rng, &mut x, &mut v, dt_on);
    }
    let open = x.exp();
    let var_open = v.max(st.min_var);
    // The day's volume level: lognormal, higher when variance is high (volume and
    // volatility move together).
    let level = (0.25 * vrng.normal() - 0.03125).exp()
        * (var_open / cfg.model.long_run_variance())
            .sqrt()
            .clamp(0.5, 3.0);
    let day_volume = cfg.seasonality.index_volume_per_day * f64::from(minutes) / 390.0 * level;
    let mut sum = DaySummary {
        prev,
        open,
        high: open,
        low: open,
        close: open,
        var_open,
        var_close: var_open,
        var_min: var_open,
        var_max: var_open,
        volume: 0.0,
    };
    let sub = cfg.substeps.max(1);
    let session_tau = (1.0 - g) * day_tau;
    let mut s_now = open;
    for i in 0..minutes as usize {
        let w = weights.var.get(i).copied().unwrap_or(0.0);
        let dt = session_tau * w / f64::from(sub);
        let (mut hi, mut lo) = (s_now, s_now);
        let o = s_now;
        for _ in 0..sub {
            st.step(&mut rng, &mut x, &mut v, dt);
            let s = x.exp();
            hi = hi.max(s);
            lo = lo.min(s);
        }
        s_now = x.exp();
        let vp = v.max(st.min_var);
        let vw = weights.volume.get(i).copied().unwrap_or(0.0);
        let volume = if day_volume > 0.0 {
            (day_volume * vw * (0.3 * vrng.normal() - 0.045).exp()).round()
        } else {
            0.0
        };
        let m = Minute {
            open: o,
            high: hi,
            low: lo,
            close: s_now,
            var: vp,
            volume,
        };
        sum.high = sum.high.max(hi);
        sum.low = sum.low.min(lo);
        sum.var_min = sum.var_min.min(vp);
        sum.var_max = sum.var_max.max(vp);
        sum.volume += volume;
        on_minute(i as u32, &m);
    }
    sum.close = s_now;
    sum.var_close = v.max(st.min_var);
    sum
}

/// A VIX-style index from the variance `v`: `100·√(premium · E[∫₀^τ v]/τ)` over `days`
/// calendar days (τ = days/365; on the model clock a calendar year and a trading year
/// carry the same variance). Cboe's VIX is the 30-day expected variance under the
/// pricing measure (Cboe VIX white paper); the premium maps the model's expectation to it.
#[must_use]
pub fn vol_index(cfg: &SynthConfig, v: f64, days: f64) -> f64 {
    let tau = days / 365.0;
    let ev = cfg.model.expected_variance(v, tau);
    100.0 * (cfg.model.variance_premium * ev / tau).max(0.0).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_are_u_shaped() {
        let w = Weights::new(&Seasonality::default(), 390);
        assert!((w.var.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((w.volume.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(w.var[0] > 2.0 * w.var[200] && w.var[389] > 1.5 * w.var[200]);
        assert!(w.volume[389] > 3.0 * w.volume[200]);
        assert!(w.var_left[389].abs() < 1e-12 && (w.var_left[0] - (1.0 - w.var[0])).abs() < 1e-15);
        let short = Weights::new(&Seasonality::default(), 210);
        assert_eq!(short.var.len(), 210);
    }

    #[test]
    fn simulate_day_is_deterministic() {
        let cfg = SynthConfig::default();
        let w = Weights::new(&cfg.seasonality, 390);
        let prev = State {
            spot: 4770.0,
            var: 0.03,
        };
        let mut a = Vec::new();
        let sa = simulate_day(&cfg, 3, 390, &w, prev, |_, m| a.push(*m));
        let mut b = Vec::new();
        let sb = simulate_day(&cfg, 3, 390, &w, prev, |_, m| b.push(*m));
        assert_eq!(sa, sb);
        assert_eq!(a, b);
        assert_eq!(a.len(), 390);
        assert!(
            a.iter()
                .all(|m| m.low <= m.open.min(m.close) && m.high >= m.open.max(m.close))
        );
        assert_eq!(a[389].close, sa.close);
    }

    #[test]
    fn vol_index_term_structure_follows_the_variance() {
        let cfg = SynthConfig::default();
        let lr = cfg.model.long_run_variance();
        // Below the long-run mean: upward sloping (contango); above: inverted.
        let low = lr * 0.5;
        assert!(vol_index(&cfg, low, 9.0) < vol_index(&cfg, low, 30.0));
        assert!(vol_index(&cfg, low, 30.0) < vol_index(&cfg, low, 93.0));
        let high = lr * 3.0;
        assert!(vol_index(&cfg, high, 9.0) > vol_index(&cfg, high, 30.0));
    }
}
