//! The regime model as the options strategy selector's regime source.
//!
//! [`MixtureRegimeSource`] implements [`thetalab_strategy::options::RegimeSource`]: at
//! each snapshot it reads the underlying's daily closes up to `now` from the context,
//! computes the two inputs a [`RegimeModel`] was fitted on ([`RegimeInputs`]: the
//! trend's strength and the realised volatility), labels them and maps the label, with
//! the trend's sign `t`, to the selector's routes:
//!
//! | mixture label | trend `t` | selector regime |
//! |---|---|---|
//! | trending | `t > 0` | bullish |
//! | trending | `t < 0` | bearish |
//! | trending | `t = 0` | neutral |
//! | volatile | any | high volatility |
//! | ranging, calm | any | neutral |
//!
//! Fit the model on [`RegimeInputs::rows`] of daily closes, so that training and the
//! replay compute the inputs with the same code:
//!
//! ```
//! use thetalab_ml::models::RegimeModel;
//! use thetalab_ml::regime_source::{MixtureRegimeSource, RegimeInputs};
//! use thetalab_strategy::options::{SelectorConfig, StrategySelector};
//!
//! // Two years of daily closes: a calm year, then a volatile one.
//! let mut closes = vec![100.0_f64];
//! for i in 0..504 {
//!     let swing = if i < 252 { 0.004 } else { 0.03 };
//!     let step = if i % 2 == 0 { swing } else { -0.8 * swing };
//!     closes.push(closes[closes.len() - 1] * (1.0 + step + 0.0002 * (i % 7) as f64));
//! }
//! let inputs = RegimeInputs::default();
//! let rows = inputs.rows(&closes)?;
//! let model = RegimeModel::fit(&rows, RegimeInputs::WIDTH, 0, 1, 7)?;
//! let source = MixtureRegimeSource::new(model, inputs)?.with_closes(&closes)?;
//! let selector = StrategySelector::new(SelectorConfig::default())?
//!     .with_regime_source(Box::new(source));
//! assert_eq!(selector.regime_source(), "gaussian-mixture");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Daily closes from intraday snapshots.** The source keeps the last price of each
//! New York date it has seen in the context's underlying history; the current
//! session's latest price stands in for its close (what a trader knows at `now`), so the
//! regime can change within a session. Closes known before the replay's first snapshot
//! can be given with [`MixtureRegimeSource::with_closes`]; until the history holds
//! [`RegimeInputs::lookback`] + 1 closes, or when the inputs are not finite, the source
//! answers `None` and the selector uses the intel regime. The same source can serve
//! another replay: on a new history it forgets the sessions it read and keeps the closes
//! it was given.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thetalab_core::Timestamp;
use thetalab_indicators::{TRADING_DAYS_PER_YEAR, hv_close_to_close};
use thetalab_strategy::options::{OptionContext, Regime as RouteRegime, RegimeSource};

use crate::error::{MlError, Result};
use crate::models::{Regime, RegimeModel};

/// The two inputs of the selector's regime model, from daily closes `C`:
///
/// - column 0, **trend strength**: the absolute log return over `trend_days` sessions in
///   units of its own noise, `|ln(C_t / C_{t−h})| / (σ_d·√h)` with `σ_d` the daily
///   volatility below (`σ / √252`): a t-statistic of the drift. In units of noise, so
///   that a volatile market's wide swings are not read as trends (on the raw return the
///   mixture spends its components on the volatile stretches' spread); absolute, so that
///   rises and falls fall in one *trending* component (a 4-state mixture on the signed
///   return would spend two components on them, or name only one direction). The sign
///   picks bullish or bearish afterwards ([`route`]);
/// - column 1, **log volatility**: `ln σ`, with `σ` the annualised close-to-close
///   volatility of the last `vol_days` log returns ([`hv_close_to_close`]: sample
///   standard deviation, ddof = 1, × √252). The log, because volatility is closer to
///   log-normal than normal: on `σ` itself the calm and ordinary states sit close
///   together next to the volatile state's spread, and the mixture merges them. A window
///   with no variation gives NaN in both columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegimeInputs {
    /// Sessions in the trend's return (default 20, about a month; ≥ 1).
    pub trend_days: usize,
    /// Log returns in the volatility window (default 20; ≥ 2).
    pub vol_days: usize,
}

impl Default for RegimeInputs {
    fn default() -> Self {
        RegimeInputs {
            trend_days: 20,
            vol_days: 20,
        }
    }
}

impl RegimeInputs {
    /// Columns per row: trend, volatility.
    pub const WIDTH: usize = 2;

    /// Checks the windows.
    pub fn validate(&self) -> Result<()> {
        if self.trend_days < 1 {
            return Err(MlError::Invalid {
                field: "trend_days",
                reason: "must be ≥ 1".into(),
            });
        }
        if self.vol_days < 2 {
            return Err(MlError::Invalid {
                field: "vol_days",
                reason: "must be ≥ 2 (a sample standard deviation)".into(),
            });
        }
        Ok(())
    }

    /// Closes before the first complete row: `max(trend_days, vol_days)`.
    #[must_use]
    pub fn lookback(&self) -> usize {
        self.trend_days.max(self.vol_days)
    }

    /// One row `[trend, volatility]` per close, row-major (`2 × closes.len()` values);
    /// the first [`RegimeInputs::lookback`] rows hold NaN, as does any row whose window
    /// holds a non-positive or non-finite close ([`RegimeModel::fit`] skips such rows).
    pub fn rows(&self, closes: &[f64]) -> Result<Vec<f64>> {
        self.validate()?;
        let vol = if closes.len() > self.vol_days {
            hv_close_to_close(closes, self.vol_days, TRADING_DAYS_PER_YEAR)?
        } else {
            vec![f64::NAN; closes.len()]
        };
        let h = self.trend_days;
        let mut out = Vec::with_capacity(Self::WIDTH * closes.len());
        // σ_d·√h from the annualised σ.
        let noise = |sigma: f64| sigma * (h as f64 / TRADING_DAYS_PER_YEAR).sqrt();
        for (i, v) in vol.iter().enumerate() {
            let trend = if i >= h && *v > 0.0 {
                log_return(closes[i - h], closes[i]).abs() / noise(*v)
            } else {
                f64::NAN
            };
            out.push(trend);
            out.push(if *v > 0.0 { v.ln() } else { f64::NAN });
        }
        Ok(out)
    }

    /// The row of the last close and the signed log return `ln(C_t / C_{t−h})`, or `None`
    /// when `closes` is too short or the row is not finite. Reads only the last
    /// `lookback + 1` closes.
    #[must_use]
    pub fn last(&self, closes: &[f64]) -> Option<([f64; 2], f64)> {
        let need = self.lookback() + 1;
        let tail = closes.get(closes.len().checked_sub(need)?..)?;
        let rows = self.rows(tail).ok()?;
        let row = [rows[rows.len() - 2], rows[rows.len() - 1]];
        let signed = log_return(tail[need - 1 - self.trend_days], tail[need - 1]);
        (row.iter().all(|v| v.is_finite()) && signed.is_finite()).then_some((row, signed))
    }
}

/// `ln(b / a)`, NaN unless both prices are finite and positive.
fn log_return(a: f64, b: f64) -> f64 {
    if a.is_finite() && b.is_finite() && a > 0.0 && b > 0.0 {
        (b / a).ln()
    } else {
        f64::NAN
    }
}

/// The selector's regime for a mixture label and the trend it was read from (see the
/// module page's table).
#[must_use]
pub fn route(label: Regime, trend: f64) -> RouteRegime {
    match label {
        Regime::Trending if trend > 0.0 => RouteRegime::Bullish,
        Regime::Trending if trend < 0.0 => RouteRegime::Bearish,
        Regime::Volatile => RouteRegime::HighVolatility,
        Regime::Trending | Regime::Ranging | Regime::Calm => RouteRegime::Neutral,
    }
}

/// A fitted [`RegimeModel`] as a [`RegimeSource`] (see the module page).
#[derive(Debug, Clone)]
pub struct MixtureRegimeSource {
    model: RegimeModel,
    inputs: RegimeInputs,
    /// Closes of completed sessions (given, then seen).
    closes: Vec<f64>,
    /// How many of `closes` were given ([`MixtureRegimeSource::with_closes`]).
    given: usize,
    /// History points read so far.
    seen: usize,
    /// The first time of the history being read (another one means another replay).
    origin: Option<Timestamp>,
    /// The session being read and its latest price.
    day: Option<(NaiveDate, f64)>,
    /// The last answer and the inputs it was computed from (closes held, current price).
    last: Option<(usize, u64, Option<RouteRegime>)>,
}

impl MixtureRegimeSource {
    /// Name written into the orders' reasons.
    pub const NAME: &'static str = "gaussian-mixture";

    /// A source reading `model`, which must have been fitted on the two columns of
    /// [`RegimeInputs::rows`] (trend strength column 0, volatility column 1).
    pub fn new(model: RegimeModel, inputs: RegimeInputs) -> Result<Self> {
        inputs.validate()?;
        if model.mixture().means().first().map(Vec::len) != Some(RegimeInputs::WIDTH)
            || model.columns() != (0, 1)
        {
            return Err(MlError::Invalid {
                field: "model",
                reason: format!(
                    "the regime source needs a model fitted on [trend strength, volatility] \
                     (columns 0 and 1 of RegimeInputs::rows); this one reads {} columns \
                     with trend {} and volatility {}",
                    model.mixture().means().first().map_or(0, Vec::len),
                    model.columns().0,
                    model.columns().1
                ),
            });
        }
        Ok(MixtureRegimeSource {
            model,
            inputs,
            closes: Vec::new(),
            given: 0,
            seen: 0,
            origin: None,
            day: None,
            last: None,
        })
    }

    /// Daily closes known before the replay's first snapshot (oldest first), so that the
    /// source can answer from the start. A non-finite or non-positive close is an error
    /// naming its index.
    pub fn with_closes(mut self, closes: &[f64]) -> Result<Self> {
        if let Some(i) = closes.iter().position(|c| !(c.is_finite() && *c > 0.0)) {
            return Err(MlError::Invalid {
                field: "closes",
                reason: format!("close {i} is {}, not a positive price", closes[i]),
            });
        }
        self.closes.extend_from_slice(closes);
        self.given = self.closes.len();
        self.last = None;
        Ok(self)
    }

    /// The model.
    #[must_use]
    pub fn model(&self) -> &RegimeModel {
        &self.model
    }

    /// Daily closes held (given and completed sessions seen).
    #[must_use]
    pub fn closes(&self) -> &[f64] {
        &self.closes
    }

    /// The mixture's label and the selector regime for the daily closes `closes` (the
    /// last one the latest price), or `None` when the inputs are not available.
    pub fn classify(&self, closes: &[f64]) -> Option<(Regime, RouteRegime)> {
        let (row, trend) = self.inputs.last(closes)?;
        let label = self
            .model
            .predict(&row, RegimeInputs::WIDTH)
            .ok()?
            .first()
            .copied()
            .flatten()?;
        Some((label, route(label, trend)))
    }
}

impl RegimeSource for MixtureRegimeSource {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn regime(&mut self, ctx: &OptionContext<'_>) -> Option<RouteRegime> {
        let und = ctx.underlying;
        if und.ts.len() < self.seen || und.ts.first() != self.origin.as_ref() {
            // A new history (another replay): forget the sessions read from the old one,
            // keeping the closes given up front.
            self.closes.truncate(self.given);
            self.seen = 0;
            self.day = None;
            self.last = None;
            self.origin = und.ts.first().copied();
        }
        for (ts, p) in und.ts.iter().zip(&und.price).skip(self.seen) {
            if !(p.is_finite() && *p > 0.0) {
                continue;
            }
            let date = ts.ny_date();
            match self.day {
                Some((d, last)) if d != date => {
                    self.closes.push(last);
                    self.day = Some((date, *p));
                }
                _ => self.day = Some((date, *p)),
            }
        }
        self.seen = und.ts.len();
        let (_, price) = self.day?;
        let key = (self.closes.len(), price.to_bits());
        if let Some((n, bits, answer)) = self.last
            && (n, bits) == key
        {
            return answer;
        }
        // The held closes and today's latest price, as one series.
        self.closes.push(price);
        let answer = self.classify(&self.closes).map(|(_, r)| r);
        self.closes.pop();
        self.last = Some((key.0, key.1, answer));
        answer
    }
}
