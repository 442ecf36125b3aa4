//! Dealer gamma exposure (GEX) of an option chain, per strike and in total, and the
//! zero-gamma ("flip") level.
//!
//! # Convention (the market's: SqueezeMetrics, "Gamma Exposure" white paper, 2017;
//! SpotGamma)
//!
//! Customers are assumed to **buy calls and sell puts**, so dealers are **long the calls
//! and short the puts** in the open interest: a contract contributes
//!
//! `GEX = sign · Γ · OI · multiplier · S² · 0.01`, `sign = +1` for a call, `−1` for a put,
//!
//! in currency per 1% move of the underlying: `Γ·(0.01·S)` is the change of one share's
//! delta for a 1% move, times `S` its value, times the number of shares
//! (`OI · multiplier`). Positive total GEX: dealers are long gamma and hedge against the
//! move (sell rallies, buy dips); negative: they hedge with it. The assumption is a
//! convention, not an observation: open interest does not say who is long.
//!
//! `Γ` is the Black-Scholes-Merton gamma ([`crate::bsm`]) at each contract's implied vol
//! and time to expiry, or a gamma the caller supplies ([`gex_from_gamma`]).
//!
//! ```
//! use thetalab_core::OptionRight::{Call, Put};
//! use thetalab_pricing::gex::{self, Chain};
//! let chain = Chain {
//!     strike: &[95.0, 105.0],
//!     right: &[Put, Call],
//!     open_interest: &[1000.0, 1000.0],
//!     iv: &[0.25, 0.25],
//!     t: &[30.0 / 365.0, 30.0 / 365.0],
//! };
//! let g = gex::gex(&chain, 100.0, 0.0, 0.0, 100.0).unwrap();
//! assert!(g.put[0] < 0.0 && g.call[1] > 0.0);
//! // Symmetric chain around the flip: the put gamma dominates below, the call above.
//! let flip = gex::zero_gamma_level(&chain, 100.0, 0.0, 0.0, 100.0, 0.2).unwrap().unwrap();
//! assert!((flip - 100.0).abs() < 1.0);
//! ```

use thetalab_core::OptionRight;

use crate::solve::brent_root;
use crate::{OptionInputs, PricingError, Result, bsm};

/// An option chain as columns, one entry per contract (any expiries mixed).
#[derive(Debug, Clone, Copy)]
pub struct Chain<'a> {
    /// Strikes, `> 0`.
    pub strike: &'a [f64],
    /// Call or put.
    pub right: &'a [OptionRight],
    /// Open interest in contracts, `≥ 0`.
    pub open_interest: &'a [f64],
    /// Black-Scholes implied vols, `≥ 0`.
    pub iv: &'a [f64],
    /// Years to expiry, `≥ 0` (expired contracts have zero gamma).
    pub t: &'a [f64],
}

/// GEX aggregated by strike.
#[derive(Debug, Clone, PartialEq)]
pub struct GexProfile {
    /// The spot the exposure was computed at.
    pub spot: f64,
    /// Distinct strikes, ascending.
    pub strikes: Vec<f64>,
    /// Call GEX at each strike (`≥ 0`).
    pub call: Vec<f64>,
    /// Put GEX at each strike (`≤ 0`).
    pub put: Vec<f64>,
    /// `call + put` at each strike.
    pub net: Vec<f64>,
    /// Sum of `net`: the total dealer GEX per 1% move.
    pub total: f64,
}

/// The dealer's sign for a contract under the convention above: `+1` call, `−1` put.
#[inline]
#[must_use]
pub const fn dealer_sign(right: OptionRight) -> f64 {
    match right {
        OptionRight::Call => 1.0,
        OptionRight::Put => -1.0,
    }
}

/// One contract's GEX per 1% move: `sign · Γ · OI · multiplier · S² · 0.01`.
#[inline]
#[must_use]
pub fn contract_gex(
    right: OptionRight,
    gamma: f64,
    open_interest: f64,
    spot: f64,
    multiplier: f64,
) -> f64 {
    dealer_sign(right) * gamma * open_interest * multiplier * spot * spot * 0.01
}

/// GEX by strike from gammas the caller supplies (e.g. from a vendor), per contract
/// `gamma[i]` per share per 1.00² of the underlying.
pub fn gex_from_gamma(
    strike: &[f64],
    right: &[OptionRight],
    open_interest: &[f64],
    gamma: &[f64],
    spot: f64,
    multiplier: f64,
) -> Result<GexProfile> {
    let n = strike.len();
    check_len("right", right.len(), n)?;
    check_len("open_interest", open_interest.len(), n)?;
    check_len("gamma", gamma.len(), n)?;
    check_scalars(spot, multiplier)?;
    check_elements(n, |i| {
        check_common(strike[i], open_interest[i])?;
        non_negative("gamma", gamma[i])
    })?;
    Ok(aggregate(strike, right, spot, |i| {
        contract_gex(right[i], gamma[i], open_interest[i], spot, multiplier)
    }))
}

/// GEX by strike with each contract's gamma from BSM at `spot`, its implied vol and time
/// to expiry, rates `r` and `q`.
pub fn gex(chain: &Chain<'_>, spot: f64, r: f64, q: f64, multiplier: f64) -> Result<GexProfile> {
    check_chain(chain, spot, r, q, multiplier)?;
    Ok(aggregate(chain.strike, chain.right, spot, |i| {
        contract_gex_bsm(chain, i, spot, r, q, multiplier)
    }))
}

/// Total GEX of the chain if the underlying were at `spot` (same implied vols, same times
/// to expiry): the function whose zero is [`zero_gamma_level`].
pub fn total_gex(chain: &Chain<'_>, spot: f64, r: f64, q: f64, multiplier: f64) -> Result<f64> {
    check_chain(chain, spot, r, q, multiplier)?;
    Ok(total_unchecked(chain, spot, r, q, multiplier))
}

/// The zero-gamma (flip) level: the spot at which the chain's [`total_gex`], recomputed
/// with each contract's gamma at that hypothetical spot (same implied vols, same times to
/// expiry), changes sign.
///
/// Scans 401 spots evenly over `spot·[1 − range, 1 + range]` (`0 < range < 1`; 0.2 is
/// usual), refines each sign change by Brent's method to `1e-10·spot`, and returns the
/// crossing nearest to `spot`; `None` when the total keeps one sign over the range.
pub fn zero_gamma_level(
    chain: &Chain<'_>,
    spot: f64,
    r: f64,
    q: f64,
    multiplier: f64,
    range: f64,
) -> Result<Option<f64>> {
    check_chain(chain, spot, r, q, multiplier)?;
    if !(range > 0.0 && range < 1.0) {
        return Err(PricingError::InvalidInput {
            field: "range",
            value: range,
            reason: "must be in (0, 1)",
        });
    }
    let g = |x: f64| total_unchecked(chain, x, r, q, multiplier);
    let n = 400;
    let (lo, hi) = (spot * (1.0 - range), spot * (1.0 + range));
    let xs: Vec<f64> = (0..=n)
        .map(|i| lo + (hi - lo) * i as f64 / n as f64)
        .collect();
    let gs: Vec<f64> = xs.iter().map(|&x| g(x)).collect();
    let opposite = |a: f64, b: f64| (a < 0.0 && b > 0.0) || (a > 0.0 && b < 0.0);
    let mut best: Option<f64> = None;
    let mut consider = |x: f64| {
        if best.is_none_or(|b| (x - spot).abs() < (b - spot).abs()) {
            best = Some(x);
        }
    };
    for i in 0..xs.len() {
        // A grid point exactly at zero between opposite signs is itself the crossing.
        if gs[i] == 0.0 && i > 0 && i + 1 < xs.len() && opposite(gs[i - 1], gs[i + 1]) {
            consider(xs[i]);
        }
        if i + 1 < xs.len() && opposite(gs[i], gs[i + 1]) {
            consider(brent_root(
                g,
                xs[i],
                xs[i + 1],
                gs[i],
                gs[i + 1],
                1e-10 * spot,
            ));
        }
    }
    Ok(best)
}

fn contract_gex_bsm(
    chain: &Chain<'_>,
    i: usize,
    spot: f64,
    r: f64,
    q: f64,
    multiplier: f64,
) -> f64 {
    let o = OptionInputs::new(
        chain.right[i],
        spot,
        chain.strike[i],
        chain.t[i],
        r,
        q,
        chain.iv[i],
    );
    contract_gex(
        chain.right[i],
        bsm::first_order(&o).gamma,
        chain.open_interest[i],
        spot,
        multiplier,
    )
}

fn total_unchecked(chain: &Chain<'_>, spot: f64, r: f64, q: f64, multiplier: f64) -> f64 {
    (0..chain.strike.len())
        .map(|i| contract_gex_bsm(chain, i, spot, r, q, multiplier))
        .sum()
}

fn aggregate(
    strike: &[f64],
    right: &[OptionRight],
    spot: f64,
    gex_of: impl Fn(usize) -> f64,
) -> GexProfile {
    let mut order: Vec<usize> = (0..strike.len()).collect();
    order.sort_by(|&a, &b| strike[a].total_cmp(&strike[b]));
    let mut p = GexProfile {
        spot,
        strikes: Vec::new(),
        call: Vec::new(),
        put: Vec::new(),
        net: Vec::new(),
        total: 0.0,
    };
    for i in order {
        if p.strikes.last() != Some(&strike[i]) {
            p.strikes.push(strike[i]);
            p.call.push(0.0);
            p.put.push(0.0);
        }
        let x = gex_of(i);
        let j = p.strikes.len() - 1;
        if right[i] == OptionRight::Call {
            p.call[j] += x;
        } else {
            p.put[j] += x;
        }
    }
    p.net = p.call.iter().zip(&p.put).map(|(c, u)| c + u).collect();
    p.total = p.net.iter().sum();
    p
}

fn check_chain(chain: &Chain<'_>, spot: f64, r: f64, q: f64, multiplier: f64) -> Result<()> {
    let n = chain.strike.len();
    check_len("right", chain.right.len(), n)?;
    check_len("open_interest", chain.open_interest.len(), n)?;
    check_len("iv", chain.iv.len(), n)?;
    check_len("t", chain.t.len(), n)?;
    check_scalars(spot, multiplier)?;
    crate::inputs::finite("r", r)?;
    crate::inputs::finite("q", q)?;
    check_elements(n, |i| {
        check_common(chain.strike[i], chain.open_interest[i])?;
        non_negative("iv", chain.iv[i])?;
        non_negative("t", chain.t[i])
    })
}

fn check_len(what: &'static str, got: usize, expected: usize) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(PricingError::LengthMismatch {
            what,
            got,
            expected,
        })
    }
}

fn check_scalars(spot: f64, multiplier: f64) -> Result<()> {
    crate::inputs::positive("spot", spot)?;
    crate::inputs::positive("multiplier", multiplier)
}

fn check_common(strike: f64, open_interest: f64) -> Result<()> {
    crate::inputs::positive("strike", strike)?;
    non_negative("open_interest", open_interest)
}

fn non_negative(field: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(PricingError::InvalidInput {
            field,
            value,
            reason: "must be finite and ≥ 0",
        })
    }
}

/// Checks every element; reports the first invalid one and how many there were, as the
/// batch kernels do.
fn check_elements(n: usize, check: impl Fn(usize) -> Result<()>) -> Result<()> {
    let mut first = None;
    let mut count = 0;
    for i in 0..n {
        if let Err(e) = check(i) {
            count += 1;
            first.get_or_insert((i, e));
        }
    }
    match first {
        None => Ok(()),
        Some((index, e)) => Err(PricingError::Batch {
            index,
            count,
            source: Box::new(e),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OptionRight::{Call, Put};

    #[test]
    fn errors_name_the_column() {
        let chain = Chain {
            strike: &[100.0, 100.0],
            right: &[Call, Put],
            open_interest: &[1.0],
            iv: &[0.2, 0.2],
            t: &[0.1, 0.1],
        };
        assert!(matches!(
            gex(&chain, 100.0, 0.0, 0.0, 100.0),
            Err(PricingError::LengthMismatch {
                what: "open_interest",
                ..
            })
        ));
        let chain = Chain {
            open_interest: &[1.0, -1.0],
            ..chain
        };
        match gex(&chain, 100.0, 0.0, 0.0, 100.0) {
            Err(PricingError::Batch {
                index: 1,
                count: 1,
                source,
            }) => {
                assert!(matches!(
                    *source,
                    PricingError::InvalidInput {
                        field: "open_interest",
                        ..
                    }
                ))
            }
            other => panic!("{other:?}"),
        }
        let chain = Chain {
            open_interest: &[1.0, 1.0],
            iv: &[f64::NAN, 0.2],
            ..chain
        };
        assert!(matches!(
            gex(&chain, 100.0, 0.0, 0.0, 100.0),
            Err(PricingError::Batch { index: 0, .. })
        ));
        let chain = Chain {
            iv: &[0.2, 0.2],
            ..chain
        };
        assert!(gex(&chain, 0.0, 0.0, 0.0, 100.0).is_err());
        assert!(zero_gamma_level(&chain, 100.0, 0.0, 0.0, 100.0, 1.5).is_err());
        assert!(gex_from_gamma(&[100.0], &[Call], &[1.0], &[-0.1], 100.0, 100.0).is_err());
    }

    #[test]
    fn per_strike_aggregation_sorts_and_sums() {
        // Gammas given: 0.01 per share; GEX = ±0.01·OI·100·100²·0.01 = ±100·OI.
        let p = gex_from_gamma(
            &[110.0, 90.0, 110.0, 90.0],
            &[Call, Put, Put, Call],
            &[3.0, 2.0, 1.0, 5.0],
            &[0.01; 4],
            100.0,
            100.0,
        )
        .unwrap();
        assert_eq!(p.strikes, vec![90.0, 110.0]);
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9);
        assert!(
            close(&p.call, &[500.0, 300.0])
                && close(&p.put, &[-200.0, -100.0])
                && close(&p.net, &[300.0, 200.0])
        );
        assert!((p.total - 500.0).abs() < 1e-9);
    }
}
