//! Column batches: the kernels over `&[f64]` inputs into `&mut [f64]` outputs.
//!
//! Work is split recursively with `rayon::join` down to blocks of [`BLOCK`] options, so
//! both cores stay busy and nothing is allocated per option. BSM and Black-76 blocks run
//! column kernels (setup, `Φ`, Greeks as three loops over chunks of 64 options, compiled
//! for SSE2, AVX2 and AVX-512F and picked at run time); Bachelier and the implied-vol
//! solver go option by option. Every option goes through the same branch-free scalar
//! functions as the scalar API, so batch and scalar results are bit-for-bit identical on
//! every instruction set (tested).
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

mod lanes;

use crate::black_scholes::Carry;

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
    /// The lognormal models' cost of carry (they have column kernels); `None` for
    /// Bachelier.
    fn carry(self) -> Option<Carry> {
        match self {
            EuropeanModel::Bsm => Some(Carry::Bsm),
            EuropeanModel::Black76 => Some(Carry::Black76),
            EuropeanModel::Bachelier => None,
        }
    }

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

    /// The options `start..start + len` (in range: the callers split checked columns).
    fn range(&self, start: usize, len: usize) -> Columns<'_> {
        let end = start + len;
        Columns {
            right: &self.right[start..end],
            s: &self.s[start..end],
            k: &self.k[start..end],
            t: &self.t[start..end],
            r: &self.r[start..end],
            q: &self.q[start..end],
            sigma: &self.sigma[start..end],
        }
    }

    /// The invalid options of a block that a column kernel found `count` of: the first
    /// one's error and the count, indices offset by `base`.
    fn scan_invalid(&self, model: EuropeanModel, base: usize, count: usize) -> Bad {
        let mut bad = Bad { count, first: None };
        for i in 0..self.len() {
            if let Err(e) = model.validate(&self.get(i)) {
                bad.first = Some((base + i, e));
                break;
            }
        }
        bad
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

/// Runs `f(block, global_index_of_its_start)` over blocks of at most [`BLOCK`] options,
/// splitting in parallel: for the column kernels of [`lanes`].
fn drive_blocks<O, F>(out: O, base: usize, f: &F) -> Bad
where
    O: Out,
    F: Fn(O, usize) -> Bad + Sync,
{
    let n = out.len();
    if n > BLOCK {
        let mid = n / 2;
        let (lo, hi) = out.split(mid);
        let (a, b) = rayon::join(
            || drive_blocks(lo, base, f),
            || drive_blocks(hi, base + mid, f),
        );
        a.merge(b)
    } else {
        f(out, base)
    }
}

/// The lognormal models' batch: the column kernel of [`lanes`] whose stage 3 writes `out`,
/// over parallel blocks. A block whose kernel counted invalid options is scanned again
/// for the first one's error.
fn columns<O>(model: EuropeanModel, carry: Carry, cols: &Columns<'_>, out: O) -> Result<()>
where
    O: Out + lanes::Finish,
{
    drive_blocks(out, 0, &|o: O, base| {
        let block = cols.range(base, o.len());
        let bad = lanes::isa::run(&mut lanes::Job {
            carry,
            cols: block,
            out: o,
        });
        if bad == 0 {
            Bad::default()
        } else {
            block.scan_invalid(model, base, bad)
        }
    })
    .into_result()
}

/// The option-by-option batch (Bachelier, and implied vol of every model but its solver
/// loop): `eval(global_index, option)` for every option, its value stored by
/// `write(out, local_index, value)`, or `nan` stored and the error counted.
fn each<O, T, E, W>(cols: &Columns<'_>, out: O, nan: T, eval: &E, write: &W) -> Result<()>
where
    O: Out,
    T: Copy + Sync,
    E: Fn(usize, &OptionInputs) -> Result<T> + Sync,
    W: Fn(&mut O, usize, T) + Sync,
{
    drive(out, 0, &|o: &mut O, j, i| {
        let (value, res) = match eval(i, &cols.get(i)) {
            Ok(v) => (v, Ok(())),
            Err(e) => (nan, Err(e)),
        };
        write(o, j, value);
        res
    })
    .into_result()
}

/// `model`'s `f` of a valid option, or the validation error.
fn validated<T>(
    model: EuropeanModel,
    f: impl Fn(EuropeanModel, &OptionInputs) -> T,
) -> impl Fn(usize, &OptionInputs) -> Result<T> {
    move |_, o| model.validate(o).map(|()| f(model, o))
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
    let out = (price, delta);
    match model.carry() {
        Some(carry) => columns(model, carry, cols, out),
        None => each(
            cols,
            out,
            (f64::NAN, f64::NAN),
            &validated(model, EuropeanModel::price_delta),
            &|(p, d): &mut (&mut [f64], &mut [f64]), j, v: (f64, f64)| (p[j], d[j]) = v,
        ),
    }
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
    match model.carry() {
        Some(carry) => columns(model, carry, cols, out),
        None => each(
            cols,
            out,
            lanes::NAN_GREEKS,
            &validated(model, EuropeanModel::first_order),
            &|o: &mut FirstOrderColumns<'_>, j, g: Greeks| {
                o.price[j] = g.price;
                o.delta[j] = g.delta;
                o.gamma[j] = g.gamma;
                o.vega[j] = g.vega;
                o.theta[j] = g.theta;
                o.rho[j] = g.rho;
                o.rho_q[j] = g.rho_q;
            },
        ),
    }
}

/// Every Greek to third order of every option.
pub fn greeks(model: EuropeanModel, cols: &Columns<'_>, out: &mut [Greeks]) -> Result<()> {
    cols.check()?;
    check_out("greeks", out.len(), cols.len())?;
    match model.carry() {
        Some(carry) => columns(model, carry, cols, out),
        None => each(
            cols,
            out,
            lanes::NAN_GREEKS,
            &validated(model, EuropeanModel::greeks),
            &|o: &mut &mut [Greeks], j, g| o[j] = g,
        ),
    }
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
    let Some(carry) = model.carry() else {
        return each(
            cols,
            out,
            f64::NAN,
            &|i, o| model.implied_vol(prices[i], o),
            &|o: &mut &mut [f64], j, v| o[j] = v,
        );
    };
    let b76 = carry == Carry::Black76;
    drive_blocks(out, 0, &|o: &mut [f64], base| {
        let block = cols.range(base, o.len());
        let prices = &prices[base..base + o.len()];
        let mut bad = Bad::default();
        // Forwards and discount factors of a chunk in one (vectorised) loop, then the
        // solver option by option.
        let (mut fwd, mut df) = ([0.0; IV_CHUNK], [0.0; IV_CHUNK]);
        let mut start = 0;
        while start < block.len() {
            let c = block.range(start, IV_CHUNK.min(block.len() - start));
            let n = c.len();
            for j in 0..n {
                (fwd[j], df[j]) = iv::forward_discount(b76, c.s[j], c.t[j], c.r[j], c.q[j]);
            }
            for j in 0..n {
                let i = start + j;
                match iv::lognormal_given(b76, prices[i], &c.get(j), fwd[j], df[j]) {
                    Ok(v) => o[i] = v,
                    Err(e) => {
                        o[i] = f64::NAN;
                        bad.note(base + i, e);
                    }
                }
            }
            start += IV_CHUNK;
        }
        bad
    })
    .into_result()
}

/// Options per chunk of the implied-vol batch's vectorised first loop.
const IV_CHUNK: usize = 64;

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

    /// A random chain over the whole domain the kernels see: 1 minute to 5 years, vols
    /// 0.5% to 500%, strikes 0.1× to 10× spot, negative rates, and a sprinkling of
    /// degenerate (T = 0, σ = 0) and invalid options.
    fn random_chain(n: usize, seed: u64) -> Chain {
        let mut state = seed;
        let mut u = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut c: Chain = Default::default();
        for i in 0..n {
            c.0.push(if u() < 0.5 {
                OptionRight::Call
            } else {
                OptionRight::Put
            });
            c.1.push(100.0 * (1.0 + u()));
            c.2.push(c.1[i] * (10f64).powf(2.0 * u() - 1.0));
            c.3.push(match i % 97 {
                0 => 0.0,
                1 => f64::NAN,
                _ => (1.0 / 525_600.0) * (5.0 * 525_600.0f64).powf(u()),
            });
            c.4.push(0.1 * u() - 0.02);
            c.5.push(0.05 * u());
            c.6.push(match i % 89 {
                0 => 0.0,
                1 => -0.1,
                _ => 0.005 * 1000f64.powf(u()),
            });
        }
        c
    }

    /// Runs a kernel's job with every instruction-set copy this CPU has and checks that
    /// they agree bit for bit with the baseline copy (the same code as the scalar API).
    /// `out` makes a fresh output, `bits` flattens it.
    fn same_bits_on_every_isa<O: lanes::Finish>(
        carry: Carry,
        cols: &Columns<'_>,
        mut out: impl FnMut() -> (Vec<Vec<f64>>, Vec<Greeks>),
        run: impl Fn(
            Carry,
            &Columns<'_>,
            &mut (Vec<Vec<f64>>, Vec<Greeks>),
            lanes::isa::Isa,
        ) -> Option<usize>,
    ) -> usize {
        let mut want = out();
        let bad = run(carry, cols, &mut want, lanes::isa::Isa::Baseline).unwrap();
        for isa in [lanes::isa::Isa::Avx2, lanes::isa::Isa::Avx512] {
            let mut got = out();
            let Some(got_bad) = run(carry, cols, &mut got, isa) else {
                println!("{isa:?}: not on this CPU, skipped");
                continue;
            };
            assert_eq!(got_bad, bad);
            for (a, b) in got.0.iter().zip(&want.0) {
                for i in 0..a.len() {
                    assert_eq!(a[i].to_bits(), b[i].to_bits(), "{isa:?} column value {i}");
                }
            }
            for i in 0..got.1.len() {
                let (a, b) = (got.1[i], want.1[i]);
                let bits = |g: Greeks| {
                    [
                        g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.rho_q, g.vanna,
                        g.volga, g.charm, g.veta, g.speed, g.color, g.zomma, g.ultima,
                    ]
                    .map(f64::to_bits)
                };
                assert_eq!(bits(a), bits(b), "{isa:?} greeks {i}");
            }
        }
        bad
    }

    #[test]
    fn every_instruction_set_gives_the_same_bits() {
        // (Under the test profile the loops are not vectorised; the release check is
        // the assertion at the start of benches/pricing.rs.)
        let n = BLOCK + 123;
        let (right, s, k, t, r, q, sigma) = random_chain(n, 42);
        let cols = Columns {
            right: &right,
            s: &s,
            k: &k,
            t: &t,
            r: &r,
            q: &q,
            sigma: &sigma,
        };
        for carry in [Carry::Bsm, Carry::Black76] {
            let bad = same_bits_on_every_isa::<(&mut [f64], &mut [f64])>(
                carry,
                &cols,
                || (vec![vec![0.0; n]; 2], Vec::new()),
                |carry, cols, o, isa| {
                    let [p, d] = o.0.get_disjoint_mut([0, 1]).unwrap();
                    let out: (&mut [f64], &mut [f64]) = (p, d);
                    lanes::isa::run_with(
                        isa,
                        &mut lanes::Job {
                            carry,
                            cols: *cols,
                            out,
                        },
                    )
                },
            );
            assert!(bad > 0 && bad < n / 20, "{bad} invalid");
            let bad1 = same_bits_on_every_isa::<FirstOrderColumns<'_>>(
                carry,
                &cols,
                || (vec![vec![0.0; n]; 7], Vec::new()),
                |carry, cols, o, isa| {
                    let [p, d, g, v, th, rh, rq] =
                        o.0.get_disjoint_mut([0, 1, 2, 3, 4, 5, 6]).unwrap();
                    let out = FirstOrderColumns {
                        price: p,
                        delta: d,
                        gamma: g,
                        vega: v,
                        theta: th,
                        rho: rh,
                        rho_q: rq,
                    };
                    lanes::isa::run_with(
                        isa,
                        &mut lanes::Job {
                            carry,
                            cols: *cols,
                            out,
                        },
                    )
                },
            );
            let bad2 = same_bits_on_every_isa::<&mut [Greeks]>(
                carry,
                &cols,
                || (Vec::new(), vec![Greeks::default(); n]),
                |carry, cols, o, isa| {
                    let out: &mut [Greeks] = &mut o.1;
                    lanes::isa::run_with(
                        isa,
                        &mut lanes::Job {
                            carry,
                            cols: *cols,
                            out,
                        },
                    )
                },
            );
            assert_eq!((bad1, bad2), (bad, bad));

            // And the dispatched batches equal the scalar calls, invalid ones NaN.
            let model = match carry {
                Carry::Bsm => EuropeanModel::Bsm,
                Carry::Black76 => EuropeanModel::Black76,
            };
            let (mut p, mut d) = (vec![0.0; n], vec![0.0; n]);
            let err = price_delta(model, &cols, &mut p, &mut d).unwrap_err();
            assert!(matches!(err, PricingError::Batch { count, .. } if count == bad));
            let mut g = vec![Greeks::default(); n];
            let err = greeks(model, &cols, &mut g).unwrap_err();
            assert!(matches!(err, PricingError::Batch { count, .. } if count == bad));
            for i in 0..n {
                let o = cols.get(i);
                if model.validate(&o).is_ok() {
                    let (sp, sd) = model.price_delta(&o);
                    assert_eq!(p[i].to_bits(), sp.to_bits(), "{o:?}");
                    assert_eq!(d[i].to_bits(), sd.to_bits(), "{o:?}");
                    assert_eq!(g[i], model.greeks(&o), "{o:?}");
                    assert!(p[i] >= 0.0, "{o:?}: price {}", p[i]);
                    assert!(!p[i].is_nan() && !g[i].price.is_nan(), "{o:?}");
                } else {
                    assert!(p[i].is_nan() && d[i].is_nan() && g[i].price.is_nan());
                }
            }
        }
    }

    #[test]
    fn validity_mask_is_validate() {
        let special = [
            f64::NAN,
            f64::NEG_INFINITY,
            -1.0,
            -0.0,
            0.0,
            f64::from_bits(1),
            1.0,
            f64::MAX,
            f64::INFINITY,
        ];
        for &s in &special {
            for &k in &special {
                for &t in &special {
                    for &x in &special {
                        let o = OptionInputs::new(OptionRight::Call, s, k, t, x, 0.01, 0.2);
                        let o2 = OptionInputs::new(OptionRight::Put, 1.0, k, t, 0.01, x, s);
                        for o in [o, o2] {
                            assert_eq!(
                                lanes::valid(o.s, o.k, o.t, o.r, o.q, o.sigma),
                                o.validate().is_ok(),
                                "{o:?}"
                            );
                        }
                    }
                }
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

    /// The option-by-option path (Bachelier): a bad element gets NaN in every output
    /// column and is reported by its global index, in each of the four batch functions,
    /// exactly as the column kernels' `bad_elements_are_reported_not_silent` above.
    #[test]
    fn bachelier_bad_elements_are_reported_not_silent() {
        let n = 2 * BLOCK + 5;
        let (right, s, _, mut t, r, q, sigma) = chain(n);
        // At the money, normal vols in price units: every good price has time value,
        // so that its implied vol exists.
        let k = vec![100.0; n];
        let sigma: Vec<f64> = sigma.iter().map(|v| 100.0 * v).collect();
        t[BLOCK + 3] = -1.0;
        t[7] = f64::NAN;
        let cols = Columns {
            right: &right,
            s: &s,
            k: &k,
            t: &t,
            r: &r,
            q: &q,
            sigma: &sigma,
        };
        let model = EuropeanModel::Bachelier;
        let first_bad = |e: PricingError| match e {
            PricingError::Batch {
                index,
                count,
                source,
            } => {
                assert_eq!((index, count), (7, 2));
                assert!(matches!(
                    *source,
                    PricingError::InvalidInput { field: "T", .. }
                ));
            }
            other => panic!("unexpected {other:?}"),
        };
        let nan_at_bad = |x: &[f64]| {
            assert!(x[7].is_nan() && x[BLOCK + 3].is_nan());
            assert_eq!(x.iter().filter(|v| v.is_nan()).count(), 2);
        };
        let (mut p, mut d) = (vec![0.0; n], vec![0.0; n]);
        first_bad(price_delta(model, &cols, &mut p, &mut d).unwrap_err());
        nan_at_bad(&p);
        nan_at_bad(&d);
        let mut g = vec![Greeks::default(); n];
        first_bad(greeks(model, &cols, &mut g).unwrap_err());
        nan_at_bad(&g.iter().map(|x| x.price).collect::<Vec<_>>());
        nan_at_bad(&g.iter().map(|x| x.vanna).collect::<Vec<_>>());
        let mut c: Vec<Vec<f64>> = vec![vec![0.0; n]; 7];
        let [c0, c1, c2, c3, c4, c5, c6] = c.get_disjoint_mut([0, 1, 2, 3, 4, 5, 6]).unwrap();
        let out = FirstOrderColumns {
            price: c0,
            delta: c1,
            gamma: c2,
            vega: c3,
            theta: c4,
            rho: c5,
            rho_q: c6,
        };
        first_bad(first_order(model, &cols, out).unwrap_err());
        for col in &c {
            nan_at_bad(col);
        }
        // Implied vol of the good elements' own prices: the bad ones are reported.
        let mut vol = vec![0.0; n];
        let prices: Vec<f64> = p
            .iter()
            .map(|x| if x.is_nan() { 1.0 } else { *x })
            .collect();
        first_bad(implied_vol(model, &cols, &prices, &mut vol).unwrap_err());
        nan_at_bad(&vol);
        // The round trip σ → price → σ on the good ones.
        for (i, (v, s)) in vol.iter().zip(&sigma).enumerate() {
            if i != 7 && i != BLOCK + 3 {
                assert!((v - s).abs() <= 1e-9 * s, "{i}: {v} vs {s}");
            }
        }
    }
}
