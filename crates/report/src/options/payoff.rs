//! Payoff diagrams of a multi-leg option position: the P&L at expiry and the "T+0"
//! curve (the position revalued right after entry), with breakevens, max profit / loss
//! and the underlying at entry and at exit marked.
//!
//! Both curves come from [`thetalab_pricing::position::Position`] built from the trade's
//! legs and **fill prices** (so the curves are the P&L of what was really paid, before
//! fees):
//!
//! * at expiry: `Σ qty·m·max(φ(S − K), 0) + shares·S − entry cost`, piecewise linear with
//!   kinks at the strikes, drawn exactly (every strike and breakeven is a vertex);
//!   breakevens and extremes are [`Position::payoff_profile`]'s exact values. A position
//!   whose legs expire on different dates uses the front expiry and values the later
//!   legs by BSM at their entry IVs ([`Position::expiry_profile`], numerical);
//! * T+0: `Σ qty·m·V_BSM(S, K, τᵢ, r, q, σᵢ) + shares·S − entry cost` with each leg's
//!   time to settlement `τᵢ` and implied vol `σᵢ` at entry (from the mid). At the
//!   entry spot it sits below zero by the half spreads paid (mid value − fill cost).
//!
//! The realised P&L before fees is marked at the underlying's exit price: for a
//! position settled at expiry the marker lies on the expiry curve, which the tests check.

use std::fmt::Write as _;

use thetalab_core::OptionRight;
use thetalab_pricing::position::{Bound, Leg, Position};
use thetalab_pricing::{PricingError, VolSurface};

use crate::ReportError;
use crate::format::grouped;
use crate::svg::{PathData, Scale, Svg, nice_ticks};

/// One option leg of a payoff input, for the whole position (all units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PayoffLeg {
    /// Call or put.
    pub right: OptionRight,
    /// Strike.
    pub strike: f64,
    /// Signed contracts for the whole position (`ratio × units`; `+` long).
    pub qty: f64,
    /// Fill price per share at entry (points, ≥ 0).
    pub premium: f64,
    /// Calendar years from the entry to the leg's settlement (≥ 0).
    pub years: f64,
    /// Implied vol at entry; `None` when unknown (then no T+0 curve is drawn).
    pub iv: Option<f64>,
}

/// A position to draw: legs, shares, market and the underlying's prices.
#[derive(Debug, Clone, PartialEq)]
pub struct PayoffInput {
    /// The option legs.
    pub legs: Vec<PayoffLeg>,
    /// Signed shares for the whole position (not multiplied).
    pub shares: f64,
    /// Price per share paid for the shares.
    pub share_cost: f64,
    /// Contract multiplier (100 for SPX).
    pub multiplier: f64,
    /// Risk-free rate (continuous, per year) for the T+0 curve.
    pub rate: f64,
    /// Dividend yield (continuous, per year) for the T+0 curve.
    pub dividend_yield: f64,
    /// The underlying at entry.
    pub spot_entry: f64,
    /// The underlying at exit or settlement.
    pub spot_exit: Option<f64>,
    /// Realised P&L before fees, dollars, marked at `spot_exit`.
    pub realised: Option<f64>,
}

/// The computed curves of a [`PayoffInput`], in dollars for the whole position.
#[derive(Debug, Clone, PartialEq)]
pub struct PayoffCurve {
    /// Underlying prices, increasing (a uniform grid plus every strike and breakeven).
    pub spots: Vec<f64>,
    /// P&L at the (front) expiry at each spot, before fees.
    pub at_expiry: Vec<f64>,
    /// P&L right after entry at each spot (`None` when a leg has no IV).
    pub t0: Option<Vec<f64>>,
    /// Breakeven underlying prices at expiry, sorted.
    pub breakevens: Vec<f64>,
    /// Largest P&L at expiry (`None` when unbounded).
    pub max_profit: Option<f64>,
    /// Largest loss at expiry as a positive number (`None` when unbounded).
    pub max_loss: Option<f64>,
    /// True when every leg expires together (the curve and figures are exact).
    pub exact: bool,
}

/// Each leg's entry IV looked up by strike and time to expiry (nearest match), for
/// [`Position`]'s valuation. Only used with legs that all have an IV.
struct LegVols(Vec<(f64, f64, f64)>);

impl VolSurface for LegVols {
    fn vol(&self, _forward: f64, strike: f64, t: f64) -> f64 {
        self.0
            .iter()
            .min_by(|a, b| {
                let da = (a.0 - strike).abs() + (a.1 - t).abs();
                let db = (b.0 - strike).abs() + (b.1 - t).abs();
                da.total_cmp(&db)
            })
            .map_or(f64::NAN, |v| v.2)
    }
}

fn pricing(what: &str) -> impl FnOnce(PricingError) -> ReportError + '_ {
    move |source| ReportError::Pricing {
        what: what.to_string(),
        source,
    }
}

impl PayoffInput {
    /// The [`Position`] of the legs at their fill prices (expiries in years from entry).
    pub fn position(&self) -> Result<Position, ReportError> {
        let legs = self
            .legs
            .iter()
            .map(|l| Leg::new(l.right, l.strike, l.years.max(0.0), l.qty, l.premium))
            .collect();
        let mut p = Position::new(legs).map_err(pricing("payoff legs"))?;
        p = p
            .with_multiplier(self.multiplier)
            .map_err(pricing("payoff multiplier"))?;
        if self.shares != 0.0 {
            p = p
                .with_shares(self.shares, self.share_cost)
                .map_err(pricing("payoff shares"))?;
        }
        Ok(p)
    }

    /// The legs' vols when every leg has a finite positive IV.
    fn vols(&self) -> Option<LegVols> {
        self.legs
            .iter()
            .map(|l| {
                l.iv.filter(|v| v.is_finite() && *v > 0.0)
                    .map(|v| (l.strike, l.years.max(0.0), v))
            })
            .collect::<Option<Vec<_>>>()
            .map(LegVols)
    }
}

/// Computes the payoff curves on `points` uniform spots (at least 20) spanning the
/// strikes and both underlying prices with a margin of half their range (at least 2 %
/// of the entry spot) on each side, plus every strike, breakeven and the underlying at
/// entry and exit.
///
/// Errors when the legs are invalid for [`Position`] (a non-positive strike, a negative
/// premium, …) or the entry spot is not positive.
pub fn payoff_curve(input: &PayoffInput, points: usize) -> Result<PayoffCurve, ReportError> {
    if !(input.spot_entry.is_finite() && input.spot_entry > 0.0) {
        return Err(ReportError::invalid(
            "payoff.spot_entry",
            format!("{} is not a positive price", input.spot_entry),
        ));
    }
    let pos = input.position()?;
    let vols = input.vols();
    let (r, q) = (input.rate, input.dividend_yield);
    // Breakevens and extremes: exact for one expiry, numerical (needs vols) otherwise.
    let profile = if pos.is_single_expiry() {
        if pos.legs.is_empty() {
            None
        } else {
            Some(pos.payoff_profile().map_err(pricing("payoff profile"))?)
        }
    } else {
        match &vols {
            Some(v) => Some(
                pos.expiry_profile(r, q, v)
                    .map_err(pricing("payoff profile"))?,
            ),
            None => None,
        }
    };
    let exact = pos.is_single_expiry();
    let mut lo = input.spot_entry;
    let mut hi = input.spot_entry;
    for x in input
        .legs
        .iter()
        .map(|l| l.strike)
        .chain(input.spot_exit.filter(|s| s.is_finite() && *s > 0.0))
    {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    let pad = (0.5 * (hi - lo)).max(0.02 * input.spot_entry);
    let (lo, hi) = ((lo - pad).max(0.0), hi + pad);
    let n = points.max(20);
    let mut spots: Vec<f64> = (0..n)
        .map(|k| lo + (hi - lo) * k as f64 / (n - 1) as f64)
        .collect();
    spots.extend(input.legs.iter().map(|l| l.strike));
    spots.push(input.spot_entry);
    spots.extend(input.spot_exit);
    if let Some(p) = &profile {
        spots.extend(
            p.breakevens
                .iter()
                .copied()
                .filter(|b| *b >= lo && *b <= hi),
        );
    }
    spots.retain(|s| s.is_finite() && *s >= lo && *s <= hi);
    spots.sort_by(f64::total_cmp);
    spots.dedup_by(|a, b| (*a - *b).abs() <= 1e-9 * b.abs().max(1.0));
    let at_expiry = spots
        .iter()
        .map(|&s| {
            if exact {
                pos.pnl_at_expiry(s)
            } else {
                match &vols {
                    Some(v) => pos.front_expiry_pnl(s, r, q, v),
                    None => Ok(f64::NAN),
                }
            }
        })
        .collect::<Result<Vec<f64>, _>>()
        .map_err(pricing("payoff at expiry"))?;
    let t0 = match &vols {
        Some(v) => Some(
            spots
                .iter()
                .map(|&s| {
                    if s > 0.0 {
                        pos.pnl_at(s, 0.0, r, q, v)
                    } else {
                        Ok(f64::NAN)
                    }
                })
                .collect::<Result<Vec<f64>, _>>()
                .map_err(pricing("T+0 curve"))?,
        ),
        None => None,
    };
    let (breakevens, max_profit, max_loss) = match profile {
        Some(p) => (p.breakevens, p.max_profit.finite(), p.max_loss.finite()),
        None => (Vec::new(), None, None),
    };
    Ok(PayoffCurve {
        spots,
        at_expiry,
        t0,
        breakevens,
        max_profit,
        max_loss,
        exact,
    })
}

/// The SVG chart of one payoff: the expiry P&L (solid), the T+0 curve (dashed), zero
/// line, profit and loss areas, breakevens (dotted, labelled), the underlying at entry
/// and at exit (vertical lines) and the realised P&L before fees (a dot).
#[must_use]
pub fn payoff_chart(id: &str, title: &str, input: &PayoffInput, curve: &PayoffCurve) -> String {
    let (w, h) = (1000.0, 300.0);
    let (x0, x1, y0, y1) = (80.0, w - 20.0, 34.0, h - 40.0);
    let (Some(&lo), Some(&hi)) = (curve.spots.first(), curve.spots.last()) else {
        let mut svg = Svg::new(id, title, "No payoff to draw.", w, 90.0);
        svg.text(w / 2.0, 50.0, "middle", "note", "No payoff to draw");
        return svg.finish();
    };
    let finite = |v: &&f64| v.is_finite();
    let ys = curve
        .at_expiry
        .iter()
        .chain(curve.t0.iter().flatten())
        .chain(input.realised.iter())
        .filter(finite);
    let (mut ymin, mut ymax) = (0.0_f64, 0.0_f64);
    for &v in ys {
        ymin = ymin.min(v);
        ymax = ymax.max(v);
    }
    let ticks = nice_ticks(ymin, ymax, 6);
    let x = Scale::new(lo, hi, x0, x1);
    let y = Scale::new(ticks.lo, ticks.hi, y1, y0);
    let desc = format!(
        "P&L in dollars before fees against the underlying at expiry{}; breakevens {}.",
        if curve.t0.is_some() {
            " and right after entry (T+0)"
        } else {
            ""
        },
        if curve.breakevens.is_empty() {
            "none".to_string()
        } else {
            curve
                .breakevens
                .iter()
                .map(|b| grouped(*b, 2))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let mut svg = Svg::new(id, title, &desc, w, h);
    for &v in &ticks.values {
        let py = y.map(v);
        svg.line(x0, py, x1, py, if v == 0.0 { "zero" } else { "grid" });
        svg.text(
            x0 - 8.0,
            py + 4.0,
            "end",
            "tick",
            &grouped(v, ticks.decimals),
        );
    }
    let xt = nice_ticks(lo, hi, 8);
    for &v in xt.values.iter().filter(|v| **v >= lo && **v <= hi) {
        let px = x.map(v);
        svg.line(px, y1, px, y1 + 5.0, "axis");
        svg.text(px, y1 + 18.0, "middle", "tick", &grouped(v, xt.decimals));
    }
    svg.line(x0, y1, x1, y1, "axis");
    svg.line(x0, y0, x0, y1, "axis");
    // Profit (green) and loss (red) areas between the expiry curve and zero.
    let zero = y.map(0.0);
    for (class, keep) in [("area-profit", true), ("area-loss", false)] {
        let mut p = PathData::default();
        p.point(x.map(lo), zero);
        for (&s, &v) in curve.spots.iter().zip(&curve.at_expiry) {
            let v = if !v.is_finite() {
                0.0
            } else if (v > 0.0) == keep {
                v
            } else {
                0.0
            };
            p.point(x.map(s), y.map(v));
        }
        p.point(x.map(hi), zero);
        p.close();
        svg.path(&p.into_string(), class);
    }
    let mut p = PathData::default();
    for (&s, &v) in curve.spots.iter().zip(&curve.at_expiry) {
        p.point(x.map(s), if v.is_finite() { y.map(v) } else { f64::NAN });
    }
    svg.path(&p.into_string(), "series-expiry");
    if let Some(t0) = &curve.t0 {
        let mut p = PathData::default();
        for (&s, &v) in curve.spots.iter().zip(t0) {
            p.point(x.map(s), if v.is_finite() { y.map(v) } else { f64::NAN });
        }
        svg.path(&p.into_string(), "series-t0");
    }
    for b in curve.breakevens.iter().filter(|b| **b >= lo && **b <= hi) {
        let px = x.map(*b);
        svg.line(px, y0, px, y1, "marker-be");
        svg.text(px, y1 - 6.0, "middle", "note", &grouped(*b, 2));
    }
    let px = x.map(input.spot_entry);
    svg.line(px, y0, px, y1, "marker-entry");
    svg.text(px + 4.0, y0 + 10.0, "start", "note", "entry");
    if let Some(s) = input.spot_exit.filter(|s| *s >= lo && *s <= hi) {
        let px = x.map(s);
        svg.line(px, y0, px, y1, "marker-exit");
        svg.text(px + 4.0, y0 + 24.0, "start", "note", "exit");
        if let Some(r) = input.realised.filter(|r| r.is_finite()) {
            svg.circle(
                px,
                y.map(r),
                4.5,
                "marker-realised",
                Some(&format!(
                    "realised {} before fees at {}",
                    grouped(r, 2),
                    grouped(s, 2)
                )),
            );
        }
    }
    let mut legend = String::new();
    let _ = write!(
        legend,
        "max profit {}  ·  max loss {}",
        curve
            .max_profit
            .map_or_else(|| "unbounded".to_string(), |v| grouped(v, 2)),
        curve
            .max_loss
            .map_or_else(|| "unbounded".to_string(), |v| grouped(v, 2)),
    );
    if !curve.exact {
        legend.push_str("  ·  front expiry, later legs by BSM");
    }
    svg.text(x1, 16.0, "end", "note", &legend);
    svg.line(x0, 12.0, x0 + 22.0, 12.0, "series-expiry");
    svg.text(x0 + 28.0, 16.0, "start", "legend", "at expiry");
    if curve.t0.is_some() {
        svg.line(x0 + 110.0, 12.0, x0 + 132.0, 12.0, "series-t0");
        svg.text(x0 + 138.0, 16.0, "start", "legend", "T+0 (entry IVs)");
    }
    svg.finish()
}

/// Exact max profit / max loss of a single-expiry position as [`Bound`]s (exposed for
/// the trade log's checks).
pub fn expiry_bounds(input: &PayoffInput) -> Result<(Bound, Bound), ReportError> {
    let pos = input.position()?;
    let p = pos.payoff_profile().map_err(pricing("payoff profile"))?;
    Ok((p.max_profit, p.max_loss))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short 1 lot of the 4900/4925 put spread and 5075/5100 call spread (SPX, ×100),
    /// filled at long put 0.80, short put 1.60, short call 1.50, long call 0.70:
    /// credit = 1.60 + 1.50 − 0.80 − 0.70 = 1.60 points = $160.
    fn condor(units: f64) -> PayoffInput {
        let leg = |right, strike, qty: f64, premium, iv| PayoffLeg {
            right,
            strike,
            qty: qty * units,
            premium,
            years: 5.0 / (365.0 * 24.0),
            iv: Some(iv),
        };
        PayoffInput {
            legs: vec![
                leg(OptionRight::Put, 4900.0, 1.0, 0.80, 0.20),
                leg(OptionRight::Put, 4925.0, -1.0, 1.60, 0.18),
                leg(OptionRight::Call, 5075.0, -1.0, 1.50, 0.13),
                leg(OptionRight::Call, 5100.0, 1.0, 0.70, 0.14),
            ],
            shares: 0.0,
            share_cost: 0.0,
            multiplier: 100.0,
            rate: 0.05,
            dividend_yield: 0.0,
            spot_entry: 5000.0,
            spot_exit: Some(4930.0),
            realised: Some(160.0 * units),
        }
    }

    #[test]
    fn iron_condor_by_hand() {
        // By hand: max profit = credit = $160 per lot; max loss = (width 25 − 1.60) × 100
        // = $2,340; breakevens = short strikes ∓ credit = 4923.40 and 5076.60.
        let c = payoff_curve(&condor(2.0), 200).unwrap();
        assert!(c.exact);
        assert!((c.max_profit.unwrap() - 320.0).abs() < 1e-9);
        assert!((c.max_loss.unwrap() - 4_680.0).abs() < 1e-9);
        assert_eq!(c.breakevens.len(), 2);
        assert!((c.breakevens[0] - 4_923.40).abs() < 1e-9);
        assert!((c.breakevens[1] - 5_076.60).abs() < 1e-9);
        // The curve at a few spots: inside the shorts +320; below the long put −4,680;
        // at 4910 the short put is 15 ITM and the long put 10 ITM: −(15 − 10)·200 + 320.
        let at = |s: f64| {
            let k = c.spots.iter().position(|x| (*x - s).abs() < 1e-9).unwrap();
            c.at_expiry[k]
        };
        assert!((at(5000.0) - 320.0).abs() < 1e-9);
        assert!((at(4900.0) + 4_680.0).abs() < 1e-9);
        assert!((at(4925.0) - 320.0).abs() < 1e-9);
        assert!((at(5100.0) + 4_680.0).abs() < 1e-9);
        let k = c.spots.iter().position(|x| *x > 4_910.0).unwrap();
        let (s, v) = (c.spots[k], c.at_expiry[k]);
        let by_hand = 320.0 - 200.0 * ((4_925.0 - s) - (4_900.0 - s).max(0.0));
        assert!((v - by_hand).abs() < 1e-9, "{s}: {v} vs {by_hand}");
        // Strikes and breakevens are vertices of the drawn curve.
        for k in [4_900.0, 4_925.0, 5_075.0, 5_100.0, 4_923.4, 5_076.6] {
            assert!(c.spots.iter().any(|x| (*x - k).abs() < 1e-9), "{k}");
        }
        assert!(c.spots.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn t0_curve_matches_bsm_by_hand() {
        // T+0 at the entry spot = Σ qty·100·BSM(leg) − entry cost, leg by leg.
        let input = condor(1.0);
        let c = payoff_curve(&input, 50).unwrap();
        let t0 = c.t0.as_ref().unwrap();
        let k = c
            .spots
            .iter()
            .position(|s| (*s - 5000.0).abs() < 1e-9)
            .unwrap_or_else(|| {
                c.spots
                    .iter()
                    .enumerate()
                    .min_by(|a, b| (a.1 - 5000.0).abs().total_cmp(&(b.1 - 5000.0).abs()))
                    .unwrap()
                    .0
            });
        let s = c.spots[k];
        let mut value = 0.0;
        for l in &input.legs {
            let o = thetalab_pricing::OptionInputs::new(
                l.right,
                s,
                l.strike,
                l.years,
                0.05,
                0.0,
                l.iv.unwrap(),
            );
            value += l.qty * 100.0 * thetalab_pricing::bsm::price(&o);
        }
        let cost = -160.0;
        assert!((t0[k] - (value - cost)).abs() < 1e-9);
        // T+0 converges to the expiry payoff far from the strikes.
        let far = 0;
        assert!((t0[far] - c.at_expiry[far]).abs() < 1.0);
    }

    #[test]
    fn settled_marker_lies_on_the_expiry_curve_and_svg_is_clean() {
        let mut input = condor(1.0);
        // Settled at 4930: the put spread is OTM (short 4925), P&L = credit = $160.
        let c = payoff_curve(&input, 100).unwrap();
        let pnl = thetalab_pricing::position::Position::pnl_at_expiry(
            &input.position().unwrap(),
            4_930.0,
        )
        .unwrap();
        assert!((pnl - input.realised.unwrap()).abs() < 1e-9);
        input.legs[0].iv = None;
        let c2 = payoff_curve(&input, 100).unwrap();
        assert!(c2.t0.is_none());
        let svg = payoff_chart("payoff-x", "t", &input, &c);
        assert!(svg.contains("series-expiry") && svg.contains("marker-realised"));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn bad_legs_are_errors_not_panics() {
        let mut input = condor(1.0);
        input.legs[0].strike = -1.0;
        assert!(payoff_curve(&input, 10).is_err());
        let mut input = condor(1.0);
        input.spot_entry = f64::NAN;
        assert!(payoff_curve(&input, 10).is_err());
    }
}
