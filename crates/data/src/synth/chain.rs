//! Option chains of the synthetic market: listed expiries and strikes, the SSVI smile of
//! each expiry at each snapshot, model prices and Greeks, tick-rounded bid/ask, sizes,
//! cumulative volume and open interest.
//!
//! At each snapshot the ATM total implied variance of an expiry is
//! `θ = premium · E[∫ v]` over the trading time left to its PM settlement (the session close): the rest
//! of today's session (by the variance seasonality, less the overnight share) plus one
//! trading day per session after today (see [`crate::synth::ModelParams::expected_variance`]).
//! The smile is SSVI on that `θ` (Gatheral & Jacquier 2014, eq. 4.1) with the power-law
//! `φ(θ) = ηθ^{−γ}`, capped so that `θφ(1+|ρ|) < 4` and `θφ²(1+|ρ|) ≤ 4` (GJ 2014,
//! Theorem 4.2: no butterfly arbitrage). Contracts are priced by Black-Scholes-Merton on
//! the spot with the config's rate and dividend yield, with the calendar time to
//! settlement `T` and `σ = √(w(k)/T)`, `k = ln(K/F)`.

use chrono::NaiveDate;
use rayon::prelude::*;
use thetalab_core::{OptionRight, Timestamp};
use thetalab_pricing::smile::{SviParams, SviSlice};
use thetalab_pricing::{OptionInputs, TimeUnit, VolUnit, bsm};

use crate::synth::config::{ExpiryRule, QuoteParams, SmileParams};
use crate::synth::path::{TRADING_DAYS, Weights};
use crate::synth::rng::{Rng, Stream};
use crate::synth::{MINUTE_NS, ROOT, SyntheticMarket, UNDERLYING};
use crate::{ChainRows, DataError, OptionQuote};

/// Nanoseconds in a 365-day year (the calendar year of option time to expiry).
const YEAR_NS: f64 = 365.0 * 86_400.0 * 1e9;

/// One expiry listed on a session.
#[derive(Debug, Clone)]
struct Listed {
    date: NaiveDate,
    /// Settlement instant (the close of its session: 16:00 ET, 13:00 on early closes).
    settle: Timestamp,
    /// Sessions after today up to and including the expiry.
    sessions_after: u32,
    strikes: Vec<f64>,
}

/// The raw-SVI form of the (extended) SSVI slice with ATM total variance `theta` (Gatheral &
/// Jacquier 2014: eq. 4.1 and Lemma 3.1's map `a = θ(1−ρ²)/2`, `b = θφ/2`, `m = −ρ/φ`,
/// `σ = √(1−ρ²)/φ`), with `φ` capped 2% inside Theorem 4.2's no-butterfly bounds.
pub(crate) fn ssvi_slice(sm: &SmileParams, theta: f64) -> SviParams {
    let theta = theta.max(1e-12);
    let rho = sm.rho_at(theta);
    let r1 = 1.0 + rho.abs();
    let cap = (0.98 * 4.0 / (theta * r1)).min(0.98 * (4.0 / (theta * r1)).sqrt());
    let phi = (sm.eta * theta.powf(-sm.gamma)).min(cap);
    let rb = (1.0 - rho * rho).sqrt();
    SviParams {
        a: 0.5 * theta * (1.0 - rho * rho),
        b: 0.5 * theta * phi,
        rho,
        m: -rho / phi,
        sigma: rb / phi,
    }
}

/// Floor (`up = false`) or ceiling of `p` on the tick grid that applies at the result's
/// price, in whole cents.
fn to_tick(p: f64, up: bool, q: &QuoteParams) -> f64 {
    let cents = |t: f64| (t * 100.0).round().max(1.0);
    let round = |tc: f64| {
        let n = p * 100.0 / tc;
        let n = if up {
            (n - 1e-9).ceil()
        } else {
            (n + 1e-9).floor()
        };
        n * tc / 100.0
    };
    if p >= q.tick_break {
        round(cents(q.tick_large))
    } else {
        let r = round(cents(q.tick_small));
        // A ceiling that crosses the break lands on 3.00, on both grids.
        if up && r > q.tick_break {
            round(cents(q.tick_large))
        } else {
            r
        }
    }
}

/// Bid and ask around the model mid (see [`QuoteParams`]): `None` bid when it rounds to 0.
pub(crate) fn bid_ask(mid: f64, x: f64, q: &QuoteParams) -> (Option<f64>, f64) {
    let tick = if mid >= q.tick_break {
        q.tick_large
    } else {
        q.tick_small
    };
    let raw = (q.spread_base + q.spread_slope * mid.max(0.0).powf(q.spread_exponent))
        * (1.0 + q.spread_otm_widen * x);
    let half = 0.5 * raw.max(tick);
    let mut ask = to_tick(mid + half, true, q);
    let bid = to_tick(mid - half, false, q);
    if ask <= 0.0 {
        ask = to_tick(q.tick_small, true, q);
    }
    if bid > 0.0 {
        (Some(bid), ask)
    } else {
        (None, ask)
    }
}

impl SyntheticMarket {
    fn listed(&self, day: usize) -> Result<Vec<Listed>, DataError> {
        self.check(day)?;
        let today = self.days[day].date;
        let open = self.summaries[day].open;
        let mut out: Vec<Listed> = Vec::with_capacity(self.cfg.expiries.len());
        for spec in &self.cfg.expiries {
            let date = match spec.rule {
                ExpiryRule::SameDay => self.cal.is_spxw_expiry(today).then_some(today),
                ExpiryRule::Next(n) => self
                    .cal
                    .spxw_expiries_after(today)
                    .nth(n.saturating_sub(1) as usize),
                ExpiryRule::AtLeastDays(d) => self
                    .cal
                    .spxw_expiries_after(today)
                    .find(|x| (*x - today).num_days() >= i64::from(d)),
            };
            let Some(date) = date else { continue };
            if out.iter().any(|l| l.date == date) {
                continue;
            }
            let step = spec.strike_step;
            let center = (open / step).round() * step;
            let n = (spec.half_width * open / step).floor() as i64;
            let strikes: Vec<f64> = (-n..=n)
                .map(|j| center + j as f64 * step)
                .filter(|&k| k > 0.0)
                .collect();
            out.push(Listed {
                date,
                settle: self.cal.settlement(date)?,
                sessions_after: self.cal.sessions_between(today, date)?,
                strikes,
            });
        }
        out.sort_by_key(|l| l.date);
        Ok(out)
    }

    /// The expiries listed on session `day`, in date order.
    pub fn expiries(&self, day: usize) -> Result<Vec<NaiveDate>, DataError> {
        Ok(self.listed(day)?.into_iter().map(|l| l.date).collect())
    }

    /// Snapshot times of session `day` as minutes after the open: every
    /// `chain_every_minutes` from the first, and always the close.
    pub fn snapshot_minutes(&self, day: usize) -> Result<Vec<u32>, DataError> {
        self.check(day)?;
        let n = self.cfg.chain_every_minutes.max(1);
        let len = self.days[day].minutes;
        let mut v: Vec<u32> = (1..=len / n).map(|i| i * n).collect();
        if v.last() != Some(&len) {
            v.push(len);
        }
        Ok(v)
    }

    /// Quotes session `day` will produce, from its structure alone (listed strikes ×
    /// rights × snapshots, less the 0DTE expiry at the closing snapshot).
    pub fn quotes_in_session(&self, day: usize) -> Result<usize, DataError> {
        let listed = self.listed(day)?;
        let snaps = self.snapshot_minutes(day)?.len();
        let today = self.days[day].date;
        Ok(listed
            .iter()
            .map(|l| 2 * l.strikes.len() * if l.date == today { snaps - 1 } else { snaps })
            .sum())
    }

    /// Quotes of every session (no chain is generated).
    pub fn quotes_total(&self) -> Result<usize, DataError> {
        (0..self.len()).map(|d| self.quotes_in_session(d)).sum()
    }

    /// The ATM total implied variance of expiry `l` at `minute` (after the open) of a
    /// session with these weights, from variance `v` at that instant.
    fn atm_total_variance(&self, minute: u32, weights: &Weights, v: f64, l: &Listed) -> f64 {
        let g = self.cfg.model.overnight_share;
        let left = if minute == 0 {
            1.0
        } else {
            weights
                .var_left
                .get(minute as usize - 1)
                .copied()
                .unwrap_or(0.0)
        };
        let tau = (left * (1.0 - g) + f64::from(l.sessions_after)) / TRADING_DAYS;
        self.cfg.model.variance_premium * self.cfg.model.expected_variance(v, tau)
    }

    /// The smile of `expiry` at `minute` minutes after the open of session `day`, as a
    /// raw-SVI slice (forward, calendar time to the 16:00 settlement). Errors when the
    /// day is out of range, the expiry is not listed that day, or it has expired.
    pub fn smile(&self, day: usize, minute: u32, expiry: NaiveDate) -> Result<SviSlice, DataError> {
        let listed = self.listed(day)?;
        let l = listed
            .iter()
            .find(|l| l.date == expiry)
            .ok_or(DataError::SynthNotListed { day, expiry })?;
        let mut spot = self.summaries[day].open;
        let mut var = self.summaries[day].var_open;
        let minutes = self.days[day].minutes.min(minute);
        self.replay(day, |i, m| {
            if i < minutes {
                spot = m.close;
                var = m.var;
            }
        });
        let ts =
            Timestamp::from_nanos(self.days[day].open.as_nanos() + i64::from(minutes) * MINUTE_NS);
        let t = (l.settle.as_nanos() - ts.as_nanos()) as f64 / YEAR_NS;
        if t <= 0.0 {
            return Err(DataError::SynthNotListed { day, expiry });
        }
        let weights = Weights::new(&self.cfg.seasonality, self.days[day].minutes);
        let theta = self.atm_total_variance(minutes, &weights, var, l);
        let fwd = spot * ((self.cfg.rate - self.cfg.dividend_yield) * t).exp();
        SviSlice::new(ssvi_slice(&self.cfg.smile, theta), t, fwd).map_err(|e| {
            DataError::SynthSmile {
                expiry,
                reason: e.to_string(),
            }
        })
    }

    /// Every quote of session `day`: snapshots in time order, then expiry, strike, and
    /// call before put (the order of [`crate::ChainSnapshot`]).
    pub fn chain_day(&self, day: usize) -> Result<ChainRows, DataError> {
        let listed = self.listed(day)?;
        let snaps = self.snapshot_minutes(day)?;
        let d = self.days[day];
        let weights = Weights::new(&self.cfg.seasonality, d.minutes);
        // The path at each minute's end.
        let mut spot = Vec::with_capacity(d.minutes as usize);
        let mut var = Vec::with_capacity(d.minutes as usize);
        self.replay(day, |_, m| {
            spot.push(m.close);
            var.push(m.var);
        });
        let cfg = &self.cfg;
        let q = &cfg.quotes;
        let (r, div) = (cfg.rate, cfg.dividend_yield);
        let open = self.summaries[day].open;
        let var_open = self.summaries[day].var_open;
        let day_key = day as u64;

        // Per-contract state of the day: open interest, target volume, volume so far.
        let mut oi_rng = Rng::for_stream(cfg.seed, day_key, Stream::OpenInterest);
        let n_contracts: usize = listed.iter().map(|l| 2 * l.strikes.len()).sum();
        let mut oi = Vec::with_capacity(n_contracts);
        let mut target = Vec::with_capacity(n_contracts);
        for l in &listed {
            let theta0 = self.atm_total_variance(0, &weights, var_open, l).max(1e-12);
            let sd = theta0.sqrt();
            let tenor_days = (l.date - d.date).num_days() as f64;
            let same_day = l.date == d.date;
            for &k in &l.strikes {
                let x = (k / open).ln().abs() / sd;
                let roundness = if k % 100.0 == 0.0 {
                    2.0
                } else if k % 25.0 == 0.0 {
                    1.4
                } else {
                    1.0
                };
                for _ in 0..2 {
                    let o = q.oi_median
                        * roundness
                        * (1.0 + tenor_days / 7.0)
                        * (-x * x / 8.0).exp()
                        * (0.8 * oi_rng.normal() - 0.32).exp();
                    oi.push(o.round() as u64);
                    let v = q.volume_median
                        * (if same_day { 1.0 } else { 0.25 })
                        * (-x * x / 4.0).exp()
                        * (0.7 * oi_rng.normal() - 0.245).exp();
                    target.push(v);
                }
            }
        }
        let mut volume = vec![0u64; n_contracts];
        let mut size_rng = Rng::for_stream(cfg.seed, day_key, Stream::ChainSizes);
        let mut vol_rng = Rng::for_stream(cfg.seed, day_key, Stream::ChainVolume);

        let mut rows = Vec::with_capacity(self.quotes_in_session(day)?);
        let open_ns = self.days[day].open.as_nanos();
        let mut prev_minute = 0u32;
        for &m in &snaps {
            let ts = Timestamp::from_nanos(open_ns + i64::from(m) * MINUTE_NS);
            let idx = m as usize - 1;
            let (s, v) = (spot[idx], var[idx]);
            // Volume traded since the previous snapshot, as a share of the day's.
            let vshare: f64 = weights.volume[prev_minute as usize..m as usize]
                .iter()
                .sum();
            prev_minute = m;
            let mut c = 0usize;
            for l in &listed {
                let n = 2 * l.strikes.len();
                let t = (l.settle.as_nanos() - ts.as_nanos()) as f64 / YEAR_NS;
                if t <= 0.0 {
                    c += n;
                    continue;
                }
                let theta = self.atm_total_variance(m, &weights, v, l);
                let p = ssvi_slice(&cfg.smile, theta);
                let fwd = s * ((r - div) * t).exp();
                for &k in &l.strikes {
                    let lk = (k / fwd).ln();
                    let w = p.total_variance(lk).max(1e-14);
                    let sigma = (w / t).sqrt();
                    let x = lk.abs() / theta.max(1e-14).sqrt();
                    for right in [OptionRight::Call, OptionRight::Put] {
                        let g = bsm::first_order(&OptionInputs::new(right, s, k, t, r, div, sigma))
                            .scaled(TimeUnit::CalendarDay, VolUnit::Point);
                        let (bid, ask) = bid_ask(g.price, x, q);
                        let cheap = 1.0 + 0.5 * x.min(4.0);
                        let mut size = || {
                            ((q.size_median * cheap * (0.6 * size_rng.normal() - 0.18).exp())
                                .round()
                                .max(1.0)) as u32
                        };
                        let bid_size = bid.map(|_| size());
                        let ask_size = Some(size());
                        let inc = target[c] * vshare * vol_rng.exponential() + vol_rng.uniform();
                        volume[c] += inc.floor() as u64;
                        rows.push(OptionQuote {
                            ts,
                            underlying_price: Some(s),
                            expiry: l.date,
                            strike: k,
                            right,
                            bid,
                            ask: Some(ask),
                            bid_size,
                            ask_size,
                            last: None,
                            volume: volume[c],
                            open_interest: Some(oi[c]),
                            iv: Some(sigma),
                            delta: Some(g.delta),
                            gamma: Some(g.gamma),
                            vega: Some(g.vega),
                            theta: Some(g.theta),
                        });
                        c += 1;
                    }
                }
            }
        }
        Ok(ChainRows {
            underlying: UNDERLYING.to_string(),
            root: Some(ROOT.to_string()),
            rows,
        })
    }

    /// Chains of every session, one day at a time, in order: the whole history is never
    /// in memory at once.
    #[must_use]
    pub fn chain_days(&self) -> ChainDays<'_> {
        ChainDays {
            market: self,
            next: 0,
        }
    }

    /// Chains of every session in order, generated `batch` days at a time in parallel
    /// (rayon): at most `batch` days are in memory at once. Identical output to
    /// [`SyntheticMarket::chain_days`].
    pub fn chain_days_parallel(
        &self,
        batch: usize,
    ) -> impl Iterator<Item = Result<(NaiveDate, ChainRows), DataError>> + '_ {
        let batch = batch.max(1);
        let n = self.len();
        (0..n.div_ceil(batch)).flat_map(move |b| {
            let lo = b * batch;
            let hi = (lo + batch).min(n);
            let days: Vec<Result<(NaiveDate, ChainRows), DataError>> = (lo..hi)
                .into_par_iter()
                .map(|d| self.chain_day(d).map(|c| (self.days[d].date, c)))
                .collect();
            days.into_iter()
        })
    }
}

/// The iterator of [`SyntheticMarket::chain_days`].
#[derive(Debug)]
pub struct ChainDays<'a> {
    market: &'a SyntheticMarket,
    next: usize,
}

impl Iterator for ChainDays<'_> {
    type Item = Result<(NaiveDate, ChainRows), DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.market.len() {
            return None;
        }
        let d = self.next;
        self.next += 1;
        Some(
            self.market
                .chain_day(d)
                .map(|c| (self.market.days[d].date, c)),
        )
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.market.len() - self.next;
        (left, Some(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use thetalab_pricing::smile::check_butterfly;

    #[test]
    fn ticks_and_spreads() {
        let q = QuoteParams::default();
        assert_eq!(to_tick(2.97, true, &q), 3.0);
        assert_eq!(to_tick(3.01, true, &q), 3.1);
        assert_eq!(to_tick(3.09, false, &q), 3.0);
        assert_eq!(to_tick(2.99, false, &q), 2.95);
        assert_eq!(to_tick(0.049, false, &q), 0.0);
        let (b, a) = bid_ask(0.01, 5.0, &q);
        assert_eq!((b, a), (None, 0.05));
        let (b, a) = bid_ask(15.0, 0.0, &q);
        let b = b.unwrap();
        assert!(b < 15.0 && a > 15.0 && a - b <= 0.5 + 1e-9, "{b} {a}");
        assert!(
            ((b * 10.0) - (b * 10.0).round()).abs() < 1e-9
                && ((a * 10.0) - (a * 10.0).round()).abs() < 1e-9
        );
        // Relative spread wider for cheap, absolute wider far from the money.
        let (b1, a1) = bid_ask(1.0, 0.0, &q);
        assert!((a1 - b1.unwrap()) / 1.0 > (a - b) / 15.0);
        let (b2, a2) = bid_ask(1.0, 4.0, &q);
        assert!(a2 - b2.unwrap_or(0.0) >= a1 - b1.unwrap());
    }

    #[test]
    fn ssvi_slices_are_butterfly_free_from_0dte_to_months() {
        let sm = SmileParams::default();
        for theta in [1e-8, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.05, 0.2] {
            let p = ssvi_slice(&sm, theta);
            assert!(
                (p.total_variance(0.0) - theta).abs() < 1e-12 * theta.max(1.0) + 1e-15,
                "θ {theta}"
            );
            let rep = check_butterfly(&p);
            assert!(rep.ok, "θ {theta}: {rep:?}");
        }
    }
}
