//! Stress tests of an option [`Book`] by full revaluation: spot × vol grids, a flash
//! crash, historical windows replayed from a dated return series, and custom shocks from
//! TOML.
//!
//! Historical windows take `&[(NaiveDate, f64)]` (date, simple return of that day) so the
//! risk crate needs no data crate. The built-in windows ([`HistoricalWindow::builtin`]):
//!
//! | name      | from       | to (inclusive) | why                                    |
//! |-----------|------------|----------------|----------------------------------------|
//! | `2008`    | 2008-09-15 | 2008-11-20     | Lehman's bankruptcy to the S&P 500 low of 2008 |
//! | `2020-03` | 2020-02-20 | 2020-03-23     | the S&P 500 peak to the Covid low      |
//! | `2022`    | 2022-01-03 | 2022-10-12     | the 2022 peak to the year's low        |
//!
//! Custom scenarios (format of [`scenarios_from_toml`]):
//!
//! ```toml
//! [[scenario]]
//! name = "tech sell-off"
//! spot = -0.05            # global relative spot move (default 0)
//! vol_rel = 0.25          # global relative vol move; or vol_points = 0.05 (not both)
//! days = 1                # trading days elapsed, dt = days / 252 (default 0)
//! [scenario.underlyings.AAPL]   # per-underlying overrides of spot / vol_rel / vol_points
//! spot = -0.15
//! vol_points = 0.10
//! ```
//!
//! ```
//! use thetalab_core::OptionRight;
//! use thetalab_pricing::OptionInputs;
//! use thetalab_risk::measure::book::{Book, OptionPosition, VolShock};
//! use thetalab_risk::stress;
//! let call = OptionInputs::new(OptionRight::Call, 100.0, 100.0, 0.25, 0.03, 0.0, 0.2);
//! let book = Book {
//!     options: vec![OptionPosition { underlying: "SPY".into(), inputs: call, qty: 1.0, multiplier: 100.0 }],
//!     stocks: vec![],
//! };
//! let g = stress::grid(&book, &[-0.1, 0.0, 0.1], &[VolShock::None]).unwrap();
//! assert_eq!(g.pnl[1][0], 0.0);
//! assert!(g.pnl[2][0] > 0.0 && g.pnl[0][0] < 0.0);
//! ```

use std::collections::BTreeMap;

use crate::RiskError;
use crate::measure::book::{Book, Shock, VolShock};
use chrono::NaiveDate;
use serde::Deserialize;

/// Trading days per year used to turn elapsed days into years.
const DAYS_PER_YEAR: f64 = 252.0;

/// P&L over a grid of global shocks: `pnl[i][j]` for `spot[i]` and `vol[j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct StressGrid {
    /// Relative spot moves (rows).
    pub spot: Vec<f64>,
    /// Volatility moves (columns).
    pub vol: Vec<VolShock>,
    /// Book P&L in currency.
    pub pnl: Vec<Vec<f64>>,
}

/// The default grid: spot −20 %..+20 % by 5 %, vol relative −50 %, −25 %, 0, +25 %, +50 %,
/// +100 %.
#[must_use]
pub fn default_axes() -> (Vec<f64>, Vec<VolShock>) {
    let spot = (-4..=4).map(|i| f64::from(i) * 0.05).collect();
    let vol = [-0.5, -0.25, 0.0, 0.25, 0.5, 1.0]
        .into_iter()
        .map(VolShock::Relative)
        .collect();
    (spot, vol)
}

/// Full revaluation of the book on every (spot, vol) pair applied to all underlyings,
/// no time decay.
///
/// # Errors
/// [`RiskError`] for an invalid book or shock (named).
pub fn grid(book: &Book, spot: &[f64], vol: &[VolShock]) -> Result<StressGrid, RiskError> {
    book.validate()?;
    let base = book.value();
    let mut pnl = Vec::with_capacity(spot.len());
    for &s in spot {
        let mut row = Vec::with_capacity(vol.len());
        for &v in vol {
            let shock = Shock {
                spot: s,
                vol: v,
                dt: 0.0,
            };
            shock.validate()?;
            row.push(book.value_under(&|_| shock) - base);
        }
        pnl.push(row);
    }
    Ok(StressGrid {
        spot: spot.to_vec(),
        vol: vol.to_vec(),
        pnl,
    })
}

/// A flash crash: a gap in every underlying with a volatility spike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlashCrash {
    /// Relative gap (default −10 %).
    pub gap: f64,
    /// Vol spike (default +30 points, `VolShock::Points(0.30)`, about the VIX jump of
    /// 24 August 2015, 13 → 40 intraday).
    pub vol: VolShock,
}

impl Default for FlashCrash {
    fn default() -> Self {
        Self {
            gap: -0.10,
            vol: VolShock::Points(0.30),
        }
    }
}

/// P&L of a [`FlashCrash`] (instantaneous, no time decay).
///
/// # Errors
/// [`RiskError`] for an invalid book or shock.
pub fn flash_crash(book: &Book, crash: &FlashCrash) -> Result<f64, RiskError> {
    book.validate()?;
    let shock = Shock {
        spot: crash.gap,
        vol: crash.vol,
        dt: 0.0,
    };
    shock.validate()?;
    Ok(book.pnl(&|_| shock))
}

/// A named date range (inclusive at both ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoricalWindow {
    /// Name.
    pub name: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

impl HistoricalWindow {
    /// A built-in window by name: `2008`, `2020-03`, `2022` (see the module table).
    ///
    /// # Errors
    /// [`RiskError::UnknownWindow`].
    pub fn builtin(name: &str) -> Result<Self, RiskError> {
        let (a, b) = match name {
            "2008" => ((2008, 9, 15), (2008, 11, 20)),
            "2020-03" => ((2020, 2, 20), (2020, 3, 23)),
            "2022" => ((2022, 1, 3), (2022, 10, 12)),
            _ => return Err(RiskError::UnknownWindow(name.to_owned())),
        };
        let d = |(y, m, dd): (i32, u32, u32)| {
            NaiveDate::from_ymd_opt(y, m, dd)
                .ok_or_else(|| RiskError::UnknownWindow(name.to_owned()))
        };
        Ok(Self {
            name: name.to_owned(),
            start: d(a)?,
            end: d(b)?,
        })
    }
}

/// The outcome of replaying a window.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// Window name.
    pub name: String,
    /// Observations used.
    pub days: usize,
    /// Compounded return over the window.
    pub cumulative_return: f64,
    /// Book P&L at the end of the window.
    pub end_pnl: f64,
    /// Worst book P&L on any day of the window.
    pub worst_pnl: f64,
    /// The day of the worst P&L.
    pub worst_date: NaiveDate,
}

/// Replays a window: every underlying follows the compounded returns of `series` (one
/// market series, beta 1) inside the window, time advances one trading day
/// (1/252 year) per observation and volatility is unchanged unless `vol` says otherwise;
/// the book is revalued on each day. `series` need not be sorted.
///
/// # Errors
/// [`RiskError`] for an invalid book, an invalid return or a window without data.
pub fn replay(
    book: &Book,
    window: &HistoricalWindow,
    series: &[(NaiveDate, f64)],
    vol: VolShock,
) -> Result<Replay, RiskError> {
    book.validate()?;
    let mut days: Vec<(NaiveDate, f64)> = series
        .iter()
        .copied()
        .filter(|(d, _)| *d >= window.start && *d <= window.end)
        .collect();
    if days.is_empty() {
        return Err(RiskError::EmptyWindow(window.name.clone()));
    }
    days.sort_by_key(|(d, _)| *d);
    let base = book.value();
    let mut growth = 1.0;
    let mut worst = (f64::INFINITY, days[0].0);
    let mut last = 0.0;
    for (i, &(date, r)) in days.iter().enumerate() {
        if !(r.is_finite() && r > -1.0) {
            return Err(RiskError::DatedReturn { date, value: r });
        }
        growth *= 1.0 + r;
        let shock = Shock {
            spot: growth - 1.0,
            vol,
            dt: (i + 1) as f64 / DAYS_PER_YEAR,
        };
        shock.validate()?;
        last = book.value_under(&|_| shock) - base;
        if last < worst.0 {
            worst = (last, date);
        }
    }
    Ok(Replay {
        name: window.name.clone(),
        days: days.len(),
        cumulative_return: growth - 1.0,
        end_pnl: last,
        worst_pnl: worst.0,
        worst_date: worst.1,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    scenario: Vec<RawScenario>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    #[serde(default)]
    spot: Option<f64>,
    #[serde(default)]
    vol_rel: Option<f64>,
    #[serde(default)]
    vol_points: Option<f64>,
    #[serde(default)]
    days: Option<f64>,
    #[serde(default)]
    underlyings: BTreeMap<String, RawLeg>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLeg {
    #[serde(default)]
    spot: Option<f64>,
    #[serde(default)]
    vol_rel: Option<f64>,
    #[serde(default)]
    vol_points: Option<f64>,
}

/// A custom scenario: a global shock with per-underlying overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// Shock of underlyings not listed in `overrides` (its `dt` applies to all).
    pub global: Shock,
    /// Per-underlying shocks (their `dt` equals the global one).
    pub overrides: BTreeMap<String, Shock>,
}

impl Scenario {
    /// The shock of one underlying.
    #[must_use]
    pub fn shock_for(&self, underlying: &str) -> Shock {
        self.overrides
            .get(underlying)
            .copied()
            .unwrap_or(self.global)
    }

    /// The book's P&L under this scenario.
    ///
    /// # Errors
    /// [`RiskError`] for an invalid book.
    pub fn pnl(&self, book: &Book) -> Result<f64, RiskError> {
        book.validate()?;
        Ok(book.pnl(&|u| self.shock_for(u)))
    }
}

fn vol_of(
    scenario: &str,
    at: &str,
    rel: Option<f64>,
    pts: Option<f64>,
    fallback: VolShock,
) -> Result<VolShock, RiskError> {
    match (rel, pts) {
        (Some(_), Some(_)) => Err(RiskError::BothVol {
            scenario: scenario.to_owned(),
            key: at.to_owned(),
        }),
        (Some(x), None) => Ok(VolShock::Relative(x)),
        (None, Some(x)) => Ok(VolShock::Points(x)),
        (None, None) => Ok(fallback),
    }
}

fn check_key(scenario: &str, key: String, value: f64, ok: bool) -> Result<(), RiskError> {
    if value.is_finite() && ok {
        Ok(())
    } else {
        Err(RiskError::ScenarioKey {
            scenario: scenario.to_owned(),
            key,
            value,
        })
    }
}

/// Parses custom scenarios (format in the module page). Unknown keys are rejected by
/// serde (the message names them); invalid values name the scenario and key: `spot`
/// must be > −1, `vol_rel` > −1, `days` ≥ 0, all finite.
///
/// # Errors
/// [`RiskError::Toml`], [`RiskError::ScenarioKey`] or [`RiskError::BothVol`].
pub fn scenarios_from_toml(text: &str) -> Result<Vec<Scenario>, RiskError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| RiskError::Toml {
        document: "stress TOML",
        reason: e.to_string(),
    })?;
    let mut out = Vec::with_capacity(raw.scenario.len());
    for s in raw.scenario {
        let n = s.name.as_str();
        let spot = s.spot.unwrap_or(0.0);
        check_key(n, "spot".into(), spot, spot > -1.0)?;
        if let Some(x) = s.vol_rel {
            check_key(n, "vol_rel".into(), x, x > -1.0)?;
        }
        if let Some(x) = s.vol_points {
            check_key(n, "vol_points".into(), x, true)?;
        }
        let days = s.days.unwrap_or(0.0);
        check_key(n, "days".into(), days, days >= 0.0)?;
        let vol = vol_of(n, "scenario", s.vol_rel, s.vol_points, VolShock::None)?;
        let global = Shock {
            spot,
            vol,
            dt: days / DAYS_PER_YEAR,
        };
        let mut overrides = BTreeMap::new();
        for (u, leg) in s.underlyings {
            let at = format!("underlyings.{u}");
            let spot = leg.spot.unwrap_or(global.spot);
            check_key(n, format!("{at}.spot"), spot, spot > -1.0)?;
            if let Some(x) = leg.vol_rel {
                check_key(n, format!("{at}.vol_rel"), x, x > -1.0)?;
            }
            if let Some(x) = leg.vol_points {
                check_key(n, format!("{at}.vol_points"), x, true)?;
            }
            let vol = vol_of(n, &at, leg.vol_rel, leg.vol_points, global.vol)?;
            overrides.insert(
                u,
                Shock {
                    spot,
                    vol,
                    dt: global.dt,
                },
            );
        }
        out.push(Scenario {
            name: s.name,
            global,
            overrides,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn toml_errors_name_the_key() {
        let e = scenarios_from_toml("[[scenario]]\nname = \"a\"\nspot = -1.5\n").unwrap_err();
        assert_eq!(
            e,
            RiskError::ScenarioKey {
                scenario: "a".into(),
                key: "spot".into(),
                value: -1.5
            }
        );
        let e = scenarios_from_toml("[[scenario]]\nname = \"b\"\n[scenario.underlyings.X]\nvol_rel = 0.1\nvol_points = 0.1\n").unwrap_err();
        assert_eq!(
            e,
            RiskError::BothVol {
                scenario: "b".into(),
                key: "underlyings.X".into()
            }
        );
        let e = scenarios_from_toml("[[scenario]]\nname = \"c\"\nspott = 0.1\n").unwrap_err();
        assert!(
            matches!(e, RiskError::Toml { ref reason, .. } if reason.contains("spott")),
            "{e}"
        );
    }

    #[test]
    fn builtin_windows() {
        assert_eq!(
            HistoricalWindow::builtin("2020-03").unwrap().end,
            NaiveDate::from_ymd_opt(2020, 3, 23).unwrap()
        );
        assert_eq!(
            HistoricalWindow::builtin("1987"),
            Err(RiskError::UnknownWindow("1987".into()))
        );
    }
}
