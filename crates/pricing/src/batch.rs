//! Column batches: the kernels over `&[f64]` inputs into `&mut [f64]` outputs.
//!
//! Work is split recursively with `rayon::join` down to blocks of [`BLOCK`] options, so
//! both cores stay busy and nothing is allocated per option. Every element goes through
//! the same inline scalar kernel as the scalar API, so batch and scalar results are
//! bit-for-bit identical (tested).
//!
//! Invalid elements (see [`OptionInputs::validate`]) get NaN in every output slot and the
//! call returns [`PricingError::Batch`] naming the first bad index, the count and the
//! reason; all valid elements are still computed. A NaN in an output therefore always
//! comes with an error.
//!
//! ```
//! use thetalab_core::OptionRight;
//! use thetalab_pricing::batch::{self, Columns, EuropeanModel};
//!
//! let n = 4;
//! let right = vec![OptionRight::Call; n];
//! let s = vec![100.0; n];
//! let k = vec![90.0, 100.0, 110.0, 120.0];
//! let (t, r, q, sigma) = (vec![0.5; n], vec![0.03; n], vec![0.0; n], vec![0.25; n]);
//! let cols = Columns { right: &right, s: &s, k: &k, t: &t, r: &r, q: &q, sigma: &sigma };
//! let (mut price, mut delta) = (vec![0.0; n], vec![0.0; n]);
//! batch::price_delta(EuropeanModel::Bsm, &cols, &mut price, &mut delta).unwrap();
//! assert!(delta.windows(2).all(|w| w[0] > w[1]));
//! ```

use thetalab_core::OptionRight;

use crate::{Greeks, OptionInputs, PricingError, Result, bachelier, black76, bsm, iv};

/// Options per leaf task.
pub const BLOCK: usize = 4096;

/// The European models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EuropeanModel {
    /// Black-Scholes-Merton with dividend yield.
    Bsm,
    /// Black-76 on a forward (`s` is the forward, `q` ignored).
    Black76,
    /// Bachelier normal model (`s` forward, `sigma` normal vol, `q` ignored).
    Bachelier,
}

impl EuropeanModel {
    /// Validates the inputs for this model's domain.
    pub fn validate(self, o: &OptionInputs) -> Result<()> {
        match self {
            EuropeanModel::Bachelier => o.validate_normal(),
            _ => o.validate(),
        }
    }

    /// Price and delta.
    #[inline(always)]
    #[must_use]
    pub fn price_delta(self, o: &OptionInputs) -> (f64, f64) {
        match self {
            EuropeanModel::Bsm => bsm::price_delta(o),
            EuropeanModel::Black76 => black76::price_delta(o),
            EuropeanModel::Bachelier => bachelier::price_delta(o),
        }
    }

    /// Price and first-order Greeks.
    #[inline(always)]
    #[must_use]
    pub fn first_order(self, o: &OptionInputs) -> Greeks {
        match self {
            EuropeanModel::Bsm => bsm::first_order(o),
            EuropeanModel::Black76 => black76::first_order(o),
            EuropeanModel::Bachelier => bachelier::greeks(o),
        }
    }

    /// Price and all Greeks.
    #[inline]
    #[must_use]
    pub fn greeks(self, o: &OptionInputs) -> Greeks {
        match self {
            EuropeanModel::Bsm => bsm::greeks(o),
            EuropeanModel::Black76 => black76::greeks(o),
            EuropeanModel::Bachelier => bachelier::greeks(o),
        }
    }

    /// Implied volatility of `price` (lognormal for BSM and Black-76, normal for
    /// Bachelier).
    pub fn implied_vol(self, price: f64, o: &OptionInputs) -> Result<f64> {
        match self {
            EuropeanModel::Bsm => iv::bsm(price, o),
            EuropeanModel::Black76 => iv::black76(price, o),
            EuropeanModel::Bachelier => iv::bachelier(price, o),
        }
    }
}

/// Input columns, one entry per option; all of the same length.
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    /// Call or put.
    pub right: &'a [OptionRight],
    /// Spot (BSM) or forward (Black-76, Bachelier).
    pub s: &'a [f64],
    /// Strike.
    pub k: &'a [f64],
    /// Years to expiry.
    pub t: &'a [f64],
    /// Rate.
    pub r: &'a [f64],
    /// Dividend yield (BSM).
    pub q: &'a [f64],
    /// Volatility (ignored by the implied-vol batch).
    pub sigma: &'a [f64],
}

impl Columns<'_> {
    /// Number of options.
    #[must_use]
    pub fn len(&self) -> usize {
        self.s.len()
    }

    /// True when there are no options.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.s.is_empty()
    }

    /// Checks that every column has the same length.
    pub fn check(&self) -> Result<()> {
        let n = self.s.len();
        for (what, got) in [
            ("right", self.right.len()),
            ("k", self.k.len()),
            ("t", self.t.len()),
            ("r", self.r.len()),
            ("q", self.q.len()),
            ("sigma", self.sigma.len()),
        ] {
            if got != n {
                return Err(PricingError::LengthMismatch {
                    what,
                    got,
                    expected: n,
                });
            }
        }
        Ok(())
    }

    /// The `i`-th option.
    #[inline(always)]
    #[must_use]
    pub fn get(&self, i: usize) -> OptionInputs {
        OptionInputs {
            right: self.right[i],
            s: self.s[i],
            k: self.k[i],
            t: self.t[i],
            r: self.r[i],
            q: self.q[i],
            sigma: self.sigma[i],
        }
    }
}

/// Output columns for [`first_order`].
#[derive(Debug)]
pub struct FirstOrderColumns<'a> {
    /// Price.
    pub price: &'a mut [f64],
    /// Delta.
    pub delta: &'a mut [f64],
    /// Gamma.
    pub gamma: &'a mut [f64],
    /// Vega (per 1.00 vol).
    pub vega: &'a mut [f64],
    /// Theta (per year).
    pub theta: &'a mut [f64],
    /// Rho.
    pub rho: &'a mut [f64],
    /// Dividend rho.
    pub rho_q: &'a mut [f64],
}

/// Output columns that can be split in two for parallel work.
trait Out: Send + Sized {
    fn len(&self) -> usize;
    fn split(self, mid: usize) -> (Self, Self);
}

impl Out for &mut [f64] {
    fn len(&self) -> usize {
        <[f64]>::len(self)
    }
    fn split(self, mid: usize) -> (Self, Self) {
        self.split_at_mut(mid)
    }
}

impl Out for &mut [Greeks] {
    fn len(&self) -> usize {
        <[Greeks]>::len(self)
    }
    fn split(self, mid: usize) -> (Self, Self) {
        self.split_at_mut(mid)
    }
}

impl<A: Out, B: Out> Out for (A, B) {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn split(self, mid: usize) -> (Self, Self) {
        let (a0, a1) = self.0.split(mid);
        let (b0, b1) = self.1.split(mid);
        ((a0, b0), (a1, b1))
    }
}

impl Out for FirstOrderColumns<'_> {
    fn len(&self) -> usize {
        self.price.len()
    }
    fn split(self, mid: usize) -> (Self, Self) {
        let (p0, p1) = self.price.split_at_mut(mid);
        let (d0, d1) = self.delta.split_at_mut(mid);
        let (g0, g1) = self.gamma.split_at_mut(mid);
        let (v0, v1) = self.vega.split_at_mut(mid);
        let (t0, t1) = self.theta.split_at_mut(mid);
        let (r0, r1) = self.rho.split_at_mut(mid);
        let (q0, q1) = self.rho_q.split_at_mut(mid);
        (
            FirstOrderColumns {
                price: p0,
                delta: d0,
                gamma: g0,
                vega: v0,
                theta: t0,
                rho: r0,
                rho_q: q0,
            },
            FirstOrderColumns {
                price: p1,
                delta: d1,
                gamma: g1,
                vega: v1,
                theta: t1,
                rho: r1,
                rho_q: q1,
            },
        )
    }
}

/// Invalid elements found in one block: how many, and the first.
#[derive(Default)]
struct Bad {
    count: usize,
    first: Option<(usize, PricingError)>,
}

impl Bad {
    fn note(&mut self, index: usize, e: PricingError) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some((index, e));
        }
    }

    fn merge(mut self, other: Bad) -> Bad {
        self.count += other.count;
        // `self` covers lower indices than `other`.
        if self.first.is_none() {
            self.first = other.first;
        }
        self
    }

    fn into_result(self) -> Result<()> {
        match self.first {
            None => Ok(()),
            Some((index, e)) => Err(PricingError::Batch {
                index,
                count: self.count,
                source: Box::new(e),
            }),
        }
    }
}

/// Runs `f(out, local_index, global_index)` over every element, splitting in parallel.
fn drive<O, F>(out: O, base: usize, f: &F) -> Bad
where
    O: Out,
    F: Fn(&mut O, usize, usize) -> Result<()> + Sync,
{
    let n = out.len();
    if n > BLOCK {
        let mid = n / 2;
        let (lo, hi) = out.split(mid);
        let (a, b) = rayon::join(|| drive(lo, base, f), || drive(hi, base + mid, f));
        a.merge(b)
    } else {
        let mut out = out;
        let mut bad = Bad::default();
        for j in 0..n {
            if let Err(e) = f(&mut out, j, base + j) {
                bad.note(base + j, e);
            }
        }
        bad
    }
}

fn check_out(what: &'static str, got: usize, expected: usize) -> Result<()> {
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

/// Price and delta of every option.
pub fn price_delta(
    model: EuropeanModel,
    cols: &Columns<'_>,
    price: &mut [f64],
    delta: &mut [f64],
) -> Result<()> {
    cols.check()?;
    check_out("price", price.len(), cols.len())?;
    check_out("delta", delta.len(), cols.len())?;
    drive((price, delta), 0, &|(p, d): &mut (
        &mut [f64],
        &mut [f64],
    ),
                               j,
                               i| {
        let o = cols.get(i);
        match model.validate(&o) {
            Ok(()) => {
                (p[j], d[j]) = model.price_delta(&o);
                Ok(())
            }
            Err(e) => {
                (p[j], d[j]) = (f64::NAN, f64::NAN);
                Err(e)
            }
        }
    })
    .into_result()
}

/// Price and the first-order Greeks of every option.
pub fn first_order(
    model: EuropeanModel,
    cols: &Columns<'_>,
    out: FirstOrderColumns<'_>,
) -> Result<()> {
    cols.check()?;
    let n = cols.len();
    for (what, got) in [
        ("price", out.price.len()),
        ("delta", out.delta.len()),
        ("gamma", out.gamma.len()),
        ("vega", out.vega.len()),
        ("theta", out.theta.len()),
        ("rho", out.rho.len()),
        ("rho_q", out.rho_q.len()),
    ] {
        check_out(what, got, n)?;
    }
    drive(out, 0, &|o: &mut FirstOrderColumns<'_>, j, i| {
        let x = cols.get(i);
        let (g, res) = match model.validate(&x) {
            Ok(()) => (model.first_order(&x), Ok(())),
            Err(e) => {
                let nan = f64::NAN;
                (
                    Greeks {
                        price: nan,
                        delta: nan,
                        gamma: nan,
                        vega: nan,
                        theta: nan,
                        rho: nan,
                        rho_q: nan,
                        ..Greeks::default()
                    },
                    Err(e),
                )
            }
        };
        o.price[j] = g.price;
        o.delta[j] = g.delta;
        o.gamma[j] = g.gamma;
        o.vega[j] = g.vega;
        o.theta[j] = g.theta;
        o.rho[j] = g.rho;
        o.rho_q[j] = g.rho_q;
        res
    })
    .into_result()
}

/// Every Greek to third order of every option.
pub fn greeks(model: EuropeanModel, cols: &Columns<'_>, out: &mut [Greeks]) -> Result<()> {
    cols.check()?;
    check_out("greeks", out.len(), cols.len())?;
    drive(out, 0, &|o: &mut &mut [Greeks], j, i| {
        let x = cols.get(i);
        match model.validate(&x) {
            Ok(()) => {
                o[j] = model.greeks(&x);
                Ok(())
            }
            Err(e) => {
                let nan = f64::NAN;
                o[j] = Greeks {
                    price: nan,
                    delta: nan,
                    gamma: nan,
                    vega: nan,
                    theta: nan,
                    rho: nan,
                    rho_q: nan,
                    vanna: nan,
                    volga: nan,
                    charm: nan,
                    veta: nan,
                    speed: nan,
                    color: nan,
                    zomma: nan,
                    ultima: nan,
                };
                Err(e)
            }
        }
    })
    .into_result()
}

/// Implied volatility of every `prices[i]` (the `sigma` column is ignored). Elements
/// whose price is outside the bounds get NaN and are counted in the returned
/// [`PricingError::Batch`]; call [`EuropeanModel::implied_vol`] on an element for the
/// full reason.
pub fn implied_vol(
    model: EuropeanModel,
    cols: &Columns<'_>,
    prices: &[f64],
    out: &mut [f64],
) -> Result<()> {
    cols.check()?;
    check_out("prices", prices.len(), cols.len())?;
    check_out("iv", out.len(), cols.len())?;
    drive(
        out,
        0,
        &|o: &mut &mut [f64], j, i| match model.implied_vol(prices[i], &cols.get(i)) {
            Ok(v) => {
                o[j] = v;
                Ok(())
            }
            Err(e) => {
                o[j] = f64::NAN;
                Err(e)
            }
        },
    )
    .into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// right, s, k, t, r, q, sigma.
    type Chain = (
        Vec<OptionRight>,
        Vec<f64>,
        Vec<f64>,
        Vec<f64>,
        Vec<f64>,
        Vec<f64>,
        Vec<f64>,
    );

    fn chain(n: usize) -> Chain {
        let right = (0..n)
            .map(|i| {
                if i % 2 == 0 {
                    OptionRight::Call
                } else {
                    OptionRight::Put
                }
            })
            .collect();
        let s = vec![100.0; n];
        let k = (0..n).map(|i| 50.0 + (i % 101) as f64).collect();
        let t = (0..n).map(|i| 0.01 + (i % 37) as f64 * 0.05).collect();
        let r = vec![0.04; n];
        let q = vec![0.01; n];
        let sigma = (0..n).map(|i| 0.1 + (i % 13) as f64 * 0.05).collect();
        (right, s, k, t, r, q, sigma)
    }

    #[test]
    fn batch_equals_scalar_bit_for_bit() {
        let n = 3 * BLOCK + 17;
        let (right, s, k, t, r, q, sigma) = chain(n);
        let cols = Columns {
            right: &right,
            s: &s,
            k: &k,
            t: &t,
            r: &r,
            q: &q,
            sigma: &sigma,
        };
        for model in [
            EuropeanModel::Bsm,
            EuropeanModel::Black76,
            EuropeanModel::Bachelier,
        ] {
            let (mut p, mut d) = (vec![0.0; n], vec![0.0; n]);
            price_delta(model, &cols, &mut p, &mut d).unwrap();
            let mut g = vec![Greeks::default(); n];
            greeks(model, &cols, &mut g).unwrap();
            let mut cols1: Vec<Vec<f64>> = vec![vec![0.0; n]; 7];
            let [c0, c1, c2, c3, c4, c5, c6] =
                cols1.get_disjoint_mut([0, 1, 2, 3, 4, 5, 6]).unwrap();
            first_order(
                model,
                &cols,
                FirstOrderColumns {
                    price: c0,
                    delta: c1,
                    gamma: c2,
                    vega: c3,
                    theta: c4,
                    rho: c5,
                    rho_q: c6,
                },
            )
            .unwrap();
            for i in 0..n {
                let o = cols.get(i);
                let (sp, sd) = model.price_delta(&o);
                assert_eq!(p[i].to_bits(), sp.to_bits());
                assert_eq!(d[i].to_bits(), sd.to_bits());
                assert_eq!(g[i], model.greeks(&o));
                let f = model.first_order(&o);
                assert_eq!(cols1[3][i].to_bits(), f.vega.to_bits());
                assert_eq!(cols1[4][i].to_bits(), f.theta.to_bits());
            }
        }
    }

    #[test]
    fn bad_elements_are_reported_not_silent() {
        let n = 2 * BLOCK + 5;
        let (right, s, mut k, t, r, q, sigma) = chain(n);
        k[BLOCK + 3] = -1.0;
        k[7] = f64::NAN;
        let cols = Columns {
            right: &right,
            s: &s,
            k: &k,
            t: &t,
            r: &r,
            q: &q,
            sigma: &sigma,
        };
        let (mut p, mut d) = (vec![0.0; n], vec![0.0; n]);
        let err = price_delta(EuropeanModel::Bsm, &cols, &mut p, &mut d).unwrap_err();
        match err {
            PricingError::Batch {
                index,
                count,
                source,
            } => {
                assert_eq!(index, 7);
                assert_eq!(count, 2);
                assert!(matches!(
                    *source,
                    PricingError::InvalidInput { field: "K", .. }
                ));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(p[7].is_nan() && p[BLOCK + 3].is_nan());
        assert_eq!(p.iter().filter(|x| x.is_nan()).count(), 2);
    }

    #[test]
    fn iv_batch_round_trips() {
        let n = BLOCK + 9;
        let (right, s, k, t, r, q, sigma) = chain(n);
        let cols = Columns {
            right: &right,
            s: &s,
            k: &k,
            t: &t,
            r: &r,
            q: &q,
            sigma: &sigma,
        };
        let (mut p, mut d) = (vec![0.0; n], vec![0.0; n]);
        price_delta(EuropeanModel::Bsm, &cols, &mut p, &mut d).unwrap();
        let mut vol = vec![0.0; n];
        // Deep-OTM short-dated prices can underflow to 0 (no information): those are
        // reported as AtIntrinsic, the rest must round-trip.
        let res = implied_vol(EuropeanModel::Bsm, &cols, &p, &mut vol);
        for i in 0..n {
            if vol[i].is_nan() {
                assert!(res.is_err());
                assert!(matches!(
                    EuropeanModel::Bsm.implied_vol(p[i], &cols.get(i)),
                    Err(PricingError::PriceOutOfBounds { .. })
                ));
            } else {
                // Within the conditioning limit ε·price/vega (deep ITM options carry
                // little information about σ).
                let g = EuropeanModel::Bsm.greeks(&cols.get(i));
                let cond = f64::EPSILON * g.price / g.vega.max(f64::MIN_POSITIVE);
                assert!(
                    (vol[i] - sigma[i]).abs() <= 1e-13 + 64.0 * cond,
                    "i={i} {} vs {}",
                    vol[i],
                    sigma[i]
                );
            }
        }
    }

    #[test]
    fn length_mismatch_is_an_error() {
        let (right, s, k, t, r, q, sigma) = chain(10);
        let cols = Columns {
            right: &right,
            s: &s,
            k: &k[..9],
            t: &t,
            r: &r,
            q: &q,
            sigma: &sigma,
        };
        let (mut p, mut d) = (vec![0.0; 10], vec![0.0; 10]);
        assert!(matches!(
            price_delta(EuropeanModel::Bsm, &cols, &mut p, &mut d),
            Err(PricingError::LengthMismatch { what: "k", .. })
        ));
    }
}
