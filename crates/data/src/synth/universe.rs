//! A synthetic multi-stock daily universe for the screener and portfolio work: a few
//! hundred names in sectors, with returns from a factor model
//!
//! `rᵢₜ = μᵢ + βᵢ·Mₜ + Sₛ₍ᵢ₎ₜ + εᵢₜ`,
//!
//! where the market factor `M` has GARCH(1,1) variance (Bollerslev 1986) and
//! unit-variance Student-t shocks, each sector factor `S` and each idiosyncratic `ε` are
//! Student-t, and the names' betas, idiosyncratic vols and prices are drawn once. The
//! defaults match the 84 full-history names of `shared/data/stocknet-88` (2012-09..2017-09):
//! median daily vol ≈ 1.23%, average pairwise correlation ≈ 0.32, median kurtosis ≈ 6
//! (see `docs/synthetic-market.md`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thetalab_core::Timestamp;

use crate::synth::rng::{Rng, Stream};
use crate::synth::sessions;
use crate::{Bar, BarSeries, DataError};

/// First raw stream number of the per-name daily draws (name `i` uses `NAME_STREAM + i`).
const NAME_STREAM: u64 = 1000;

/// The universe's shape and statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UniverseConfig {
    /// Seed of every draw.
    pub seed: u64,
    /// First session.
    pub start: NaiveDate,
    /// Number of sessions.
    pub sessions: usize,
    /// Number of names.
    pub n_symbols: usize,
    /// Sector names; names are dealt to sectors in turn (`i mod n_sectors`).
    pub sectors: Vec<String>,
    /// Daily volatility of the market factor (unconditional).
    pub market_vol: f64,
    /// Annual drift of the market factor.
    pub market_drift: f64,
    /// GARCH(1,1) `α` of the market factor.
    pub garch_alpha: f64,
    /// GARCH(1,1) `β` of the market factor (`α + β < 1`).
    pub garch_beta: f64,
    /// Daily volatility of each sector factor.
    pub sector_vol: f64,
    /// Median daily idiosyncratic volatility.
    pub idio_vol_median: f64,
    /// Log-dispersion of the names' idiosyncratic vols.
    pub idio_vol_dispersion: f64,
    /// Lowest beta (betas are uniform on `[beta_min, beta_max]`).
    pub beta_min: f64,
    /// Highest beta.
    pub beta_max: f64,
    /// Degrees of freedom of the Student-t shocks (> 2; lower = fatter tails).
    pub tail_dof: f64,
}

impl Default for UniverseConfig {
    fn default() -> Self {
        Self {
            seed: 7,
            start: NaiveDate::from_ymd_opt(2019, 1, 2).unwrap_or_default(),
            sessions: 1260,
            n_symbols: 300,
            sectors: [
                "Information Technology",
                "Health Care",
                "Financials",
                "Consumer Discretionary",
                "Communication Services",
                "Industrials",
                "Consumer Staples",
                "Energy",
                "Utilities",
                "Real Estate",
                "Materials",
            ]
            .iter()
            .map(|s| (*s).to_string())
            .collect(),
            market_vol: 0.0075,
            market_drift: 0.08,
            garch_alpha: 0.08,
            garch_beta: 0.90,
            sector_vol: 0.005,
            idio_vol_median: 0.0082,
            idio_vol_dispersion: 0.45,
            beta_min: 0.5,
            beta_max: 1.5,
            tail_dof: 4.5,
        }
    }
}

/// One synthetic name.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthStock {
    /// Ticker: the sector's two-letter code and a number (`IT001`), plainly synthetic.
    pub symbol: String,
    /// Sector name.
    pub sector: String,
    /// Beta to the market factor.
    pub beta: f64,
    /// Daily bars (stamped 00:00 ET of the session date).
    pub bars: BarSeries,
}

fn bad(field: &'static str, value: impl ToString, reason: &'static str) -> DataError {
    DataError::InvalidSynthConfig {
        field,
        value: value.to_string(),
        reason,
    }
}

impl UniverseConfig {
    /// Checks every field's domain.
    pub fn validate(&self) -> Result<(), DataError> {
        if self.sessions == 0 {
            return Err(bad("universe.sessions", self.sessions, "must be ≥ 1"));
        }
        if self.n_symbols == 0 || self.n_symbols > 100_000 {
            return Err(bad(
                "universe.n_symbols",
                self.n_symbols,
                "must be in 1..=100000",
            ));
        }
        if self.sectors.is_empty() {
            return Err(bad("universe.sectors", "[]", "needs at least one sector"));
        }
        for (f, x) in [
            ("universe.market_vol", self.market_vol),
            ("universe.sector_vol", self.sector_vol),
            ("universe.idio_vol_median", self.idio_vol_median),
            ("universe.idio_vol_dispersion", self.idio_vol_dispersion),
            ("universe.garch_alpha", self.garch_alpha),
            ("universe.garch_beta", self.garch_beta),
        ] {
            if !(x.is_finite() && x >= 0.0) {
                return Err(bad(f, x, "must be finite and ≥ 0"));
            }
        }
        if self.garch_alpha + self.garch_beta >= 1.0 {
            return Err(bad(
                "universe.garch_beta",
                self.garch_beta,
                "garch_alpha + garch_beta must be < 1",
            ));
        }
        if !self.market_drift.is_finite() {
            return Err(bad(
                "universe.market_drift",
                self.market_drift,
                "must be finite",
            ));
        }
        if !(self.beta_min.is_finite()
            && self.beta_max.is_finite()
            && self.beta_min <= self.beta_max)
        {
            return Err(bad(
                "universe.beta_max",
                self.beta_max,
                "betas must be finite with beta_min ≤ beta_max",
            ));
        }
        if !(self.tail_dof.is_finite() && self.tail_dof > 2.0) {
            return Err(bad("universe.tail_dof", self.tail_dof, "must be > 2"));
        }
        Ok(())
    }
}

/// A two-letter code for a sector name: its initials (or first two letters); when that
/// is taken, its first letter and a later letter of the name, or a digit.
fn sector_code(name: &str, taken: &[String]) -> String {
    let letters: Vec<char> = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect();
    let first = letters.first().copied().unwrap_or('X');
    let mut candidates: Vec<String> = Vec::new();
    if initials.chars().count() >= 2 {
        candidates.push(initials.chars().take(2).collect());
    }
    candidates.extend(letters.iter().skip(1).map(|c| format!("{first}{c}")));
    candidates.extend((0..10).map(|d| format!("{first}{d}")));
    candidates
        .into_iter()
        .find(|c| !taken.contains(c))
        .unwrap_or_else(|| format!("{first}X"))
}

/// Per-name constants, drawn once.
struct Name {
    symbol: String,
    sector: usize,
    beta: f64,
    idio: f64,
    alpha: f64,
    price0: f64,
    volume: f64,
}

/// Generates the universe of `cfg`: every name's daily OHLCV, deterministic from the
/// seed (the factors of day `t` from stream `(seed, t, Universe)`, name `i`'s shocks from
/// `(seed, t, 1000 + i)`).
pub fn universe(cfg: &UniverseConfig) -> Result<Vec<SynthStock>, DataError> {
    cfg.validate()?;
    let days = sessions::Calendar::new().sessions_from(cfg.start, cfg.sessions)?;
    let stamps: Vec<Timestamp> = days
        .iter()
        .map(|d| {
            Timestamp::from_ny(d.date, chrono::NaiveTime::MIN)
                .map_err(|_| bad("universe.start", d.date, "date outside the timestamp range"))
        })
        .collect::<Result<_, _>>()?;
    let n_sec = cfg.sectors.len();
    let mut codes: Vec<String> = Vec::with_capacity(n_sec);
    for s in &cfg.sectors {
        let c = sector_code(s, &codes);
        codes.push(c);
    }
    let mut prng = Rng::for_stream(cfg.seed, u64::MAX, Stream::UniverseNames);
    let mut counters = vec![0usize; n_sec];
    let names: Vec<Name> = (0..cfg.n_symbols)
        .map(|i| {
            let sector = i % n_sec;
            counters[sector] += 1;
            let idio = cfg.idio_vol_median * (cfg.idio_vol_dispersion * prng.normal()).exp();
            Name {
                symbol: format!("{}{:03}", codes[sector], counters[sector]),
                sector,
                beta: cfg.beta_min + (cfg.beta_max - cfg.beta_min) * prng.uniform(),
                idio,
                alpha: 0.03 / 252.0 * prng.normal(),
                price0: (3.9 + 0.8 * prng.normal()).exp(),
                volume: (14.5 + 1.0 * prng.normal()).exp(),
            }
        })
        .collect();
    let nu = cfg.tail_dof;
    let omega = cfg.market_vol * cfg.market_vol * (1.0 - cfg.garch_alpha - cfg.garch_beta);
    let mut h = cfg.market_vol * cfg.market_vol;
    let mut last_shock = 0.0;
    let mut closes: Vec<f64> = names.iter().map(|n| n.price0).collect();
    let mut bars: Vec<Vec<Bar>> = names
        .iter()
        .map(|_| Vec::with_capacity(days.len()))
        .collect();
    let mu_m = cfg.market_drift / 252.0;
    for (t, ts) in stamps.iter().enumerate() {
        let mut frng = Rng::for_stream(cfg.seed, t as u64, Stream::Universe);
        if t > 0 {
            h = omega + cfg.garch_alpha * last_shock * last_shock + cfg.garch_beta * h;
        }
        let mkt_shock = h.sqrt() * frng.student_t_unit(nu);
        last_shock = mkt_shock;
        let mkt = mu_m - 0.5 * h + mkt_shock;
        let sec: Vec<f64> = (0..n_sec)
            .map(|_| cfg.sector_vol * frng.student_t_unit(nu))
            .collect();
        for (i, n) in names.iter().enumerate() {
            let mut r = Rng::for_key(cfg.seed, t as u64, NAME_STREAM + i as u64);
            let eps = n.idio * r.student_t_unit(nu);
            let ret = n.alpha + n.beta * mkt + sec[n.sector] + eps - 0.5 * n.idio * n.idio;
            let vol_d =
                (n.beta * n.beta * h + cfg.sector_vol * cfg.sector_vol + n.idio * n.idio).sqrt();
            let prev = closes[i];
            let close = prev * ret.exp();
            let open = prev * (0.35 * ret + 0.25 * vol_d * r.normal()).exp();
            let high = open.max(close) * (0.5 * vol_d * r.normal().abs()).exp();
            let low = open.min(close) * (-0.5 * vol_d * r.normal().abs()).exp();
            let volume =
                (n.volume * (0.35 * r.normal()).exp() * (1.0 + 1.5 * ret.abs() / vol_d.max(1e-9)))
                    .round();
            bars[i].push(Bar {
                ts: *ts,
                open,
                high,
                low,
                close,
                volume,
                vwap: None,
                trade_count: None,
            });
            closes[i] = close;
        }
    }
    Ok(names
        .into_iter()
        .zip(bars)
        .map(|(n, b)| SynthStock {
            bars: BarSeries {
                symbol: n.symbol.clone(),
                bars: b,
            },
            symbol: n.symbol,
            sector: cfg.sectors[n.sector].clone(),
            beta: n.beta,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_symbols() {
        assert_eq!(sector_code("Information Technology", &[]), "IT");
        assert_eq!(sector_code("Energy", &[]), "EN");
        assert_eq!(sector_code("Consumer Staples", &["CS".to_string()]), "CO");
        assert_eq!(sector_code("x", &[]), "X0");
        let cfg = UniverseConfig {
            n_symbols: 23,
            sessions: 5,
            ..UniverseConfig::default()
        };
        let u = universe(&cfg).unwrap();
        assert_eq!(u.len(), 23);
        assert_eq!(u[0].symbol, "IT001");
        assert_eq!(u[11].symbol, "IT002");
        let mut syms: Vec<&str> = u.iter().map(|s| s.symbol.as_str()).collect();
        syms.sort_unstable();
        syms.dedup();
        assert_eq!(syms.len(), 23);
        for s in &u {
            assert_eq!(s.bars.bars.len(), 5);
            for b in &s.bars.bars {
                assert!(
                    b.low <= b.open.min(b.close) && b.high >= b.open.max(b.close) && b.low > 0.0
                );
            }
        }
        assert_eq!(universe(&cfg).unwrap(), u);
    }
}
