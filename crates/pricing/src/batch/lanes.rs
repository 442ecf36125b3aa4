//! Column kernels: one loop per block over the input columns, every option through the
//! same branch-free scalar kernel as the scalar API ([`crate::black_scholes`]), so the
//! compiler vectorises the loop and the numbers are those of the scalar calls.
//!
//! Each loop is compiled three times: for the baseline target (SSE2 on x86-64, two
//! lanes) and, on x86-64, with AVX2 (four lanes) and AVX-512F (eight lanes) enabled; the
//! widest copy the CPU supports is picked at run time. The kernels never call `mul_add`
//! (and Rust never fuses `a·b + c` by itself), so every copy rounds every operation
//! identically and gives the same bits (tested on this machine's copies).
//!
//! Validity is a branch-free mask equal to [`OptionInputs::validate`] (tested): invalid
//! options get NaN and are counted; the caller looks up the first one's error.

use super::{Columns, FirstOrderColumns};
use crate::Greeks;
#[cfg(doc)]
use crate::OptionInputs;
use crate::black_scholes::{self, Carry, Setup};
use crate::fastmath::cdf_pdf;

/// Options per chunk: each stage is a loop over this many options (two stages of
/// `Φ`, one loop of `2·CHUNK`), short enough to stay in L1 and long enough that the
/// out-of-order core overlaps the long division and polynomial chains of successive
/// vectors.
const CHUNK: usize = 64;

/// A loop over one block: returns the number of invalid options.
pub(super) trait Kernel {
    /// The loop; `#[inline(always)]` in every implementation so that each
    /// instruction-set copy in [`isa`] compiles it with its own features.
    fn run(&mut self) -> usize;
}

/// [`OptionInputs::validate`] as a mask: `S, K > 0`, `T, σ ≥ 0`, all finite.
#[inline(always)]
pub(super) fn valid(s: f64, k: f64, t: f64, r: f64, q: f64, sigma: f64) -> bool {
    let inf = f64::INFINITY;
    (s > 0.0)
        & (s < inf)
        & (k > 0.0)
        & (k < inf)
        & (t >= 0.0)
        & (t < inf)
        & (r.abs() < inf)
        & (q.abs() < inf)
        & (sigma >= 0.0)
        & (sigma < inf)
}

/// One chunk's [`Setup`]s as columns, and the `Φ` (and `φ`) of their arguments.
pub(super) struct Staged {
    n: usize,
    phi: [f64; CHUNK],
    b: [f64; CHUNK],
    sqrt_t: [f64; CHUNK],
    vst: [f64; CHUNK],
    df: [f64; CHUNK],
    cf: [f64; CHUNK],
    d1: [f64; CHUNK],
    d2: [f64; CHUNK],
    /// `φd₁` of the chunk, then `φd₂`; after [`Staged::normal`], `Φ` of them.
    arg: [f64; 2 * CHUNK],
    /// `φ(d₁)` (`φ` is even).
    pdf: [f64; CHUNK],
}

impl Staged {
    fn new() -> Staged {
        Staged {
            n: 0,
            phi: [0.0; CHUNK],
            b: [0.0; CHUNK],
            sqrt_t: [0.0; CHUNK],
            vst: [0.0; CHUNK],
            df: [0.0; CHUNK],
            cf: [0.0; CHUNK],
            d1: [0.0; CHUNK],
            d2: [0.0; CHUNK],
            arg: [0.0; 2 * CHUNK],
            pdf: [0.0; CHUNK],
        }
    }

    /// Stage 1: [`black_scholes::setup`] of the (at most [`CHUNK`]) options of `c`, with
    /// the cost of carry the scalar API passes (`r − q` for BSM, `0` for Black-76).
    #[inline(always)]
    fn setup(&mut self, carry: Carry, c: &Columns<'_>) {
        let n = c.len().min(CHUNK);
        self.n = n;
        let (right, s, k, t) = (&c.right[..n], &c.s[..n], &c.k[..n], &c.t[..n]);
        let (r, q, sigma) = (&c.r[..n], &c.q[..n], &c.sigma[..n]);
        let b76 = carry == Carry::Black76;
        for j in 0..n {
            let b = if b76 { 0.0 } else { r[j] - q[j] };
            let st = black_scholes::setup(right[j], s[j], k[j], t[j], r[j], b, sigma[j]);
            let (a1, a2) = st.args();
            self.phi[j] = st.phi;
            self.b[j] = b;
            self.sqrt_t[j] = st.sqrt_t;
            self.vst[j] = st.vst;
            self.df[j] = st.df;
            self.cf[j] = st.cf;
            self.d1[j] = st.d1;
            self.d2[j] = st.d2;
            self.arg[j] = a1;
            self.arg[CHUNK + j] = a2;
        }
    }

    /// Stage 2: `Φ` of every argument in place, and `φ(d₁)` when `pdf` (a constant
    /// once inlined).
    #[inline(always)]
    fn normal(&mut self, pdf: bool) {
        let n = self.n;
        if pdf {
            for j in 0..n {
                (self.arg[j], self.pdf[j]) = cdf_pdf(self.arg[j]);
            }
        } else {
            for x in &mut self.arg[..n] {
                *x = cdf_pdf(*x).0;
            }
        }
        for x in &mut self.arg[CHUNK..CHUNK + n] {
            *x = cdf_pdf(*x).0;
        }
    }

    /// Option `j`'s [`Setup`] back from the columns (bit for bit what stage 1 computed).
    #[inline(always)]
    fn get(&self, c: &Columns<'_>, j: usize) -> Setup {
        Setup {
            phi: self.phi[j],
            s: c.s[j],
            k: c.k[j],
            t: c.t[j],
            r: c.r[j],
            b: self.b[j],
            sigma: c.sigma[j],
            sqrt_t: self.sqrt_t[j],
            vst: self.vst[j],
            df: self.df[j],
            cf: self.cf[j],
            d1: self.d1[j],
            d2: self.d2[j],
        }
    }

    /// Whether option `j` of the chunk is valid.
    #[inline(always)]
    fn valid(c: &Columns<'_>, j: usize) -> bool {
        valid(c.s[j], c.k[j], c.t[j], c.r[j], c.q[j], c.sigma[j])
    }
}

/// A column kernel in three stages over chunks of [`CHUNK`] options: stage 1
/// ([`black_scholes::setup`]) and stage 2 (`Φ`) are shared; the outputs' [`Finish`] is
/// the third.
pub(super) struct Job<'c, O> {
    /// Cost of carry (and which rho).
    pub carry: Carry,
    /// The block's inputs.
    pub cols: Columns<'c>,
    /// The block's outputs.
    pub out: O,
}

/// Stage 3, by output columns.
pub(super) trait Finish {
    /// Whether stage 3 needs `φ(d₁)`.
    const PDF: bool;
    /// Stage 3 for the chunk `c` (options `off..off + c.len()` of the block): writes the
    /// outputs, returns the number of invalid options.
    fn finish(&mut self, carry: Carry, st: &Staged, c: &Columns<'_>, off: usize) -> usize;
}

impl<O: Finish> Kernel for Job<'_, O> {
    #[inline(always)]
    fn run(&mut self) -> usize {
        let (carry, cols) = (self.carry, self.cols);
        let mut st = Staged::new();
        let mut bad = 0;
        let mut start = 0;
        while start < cols.len() {
            let c = cols.range(start, CHUNK.min(cols.len() - start));
            st.setup(carry, &c);
            st.normal(O::PDF);
            bad += self.out.finish(carry, &st, &c, start);
            start += CHUNK;
        }
        bad
    }
}

/// Price and delta.
impl Finish for (&mut [f64], &mut [f64]) {
    const PDF: bool = false;

    #[inline(always)]
    fn finish(&mut self, _: Carry, st: &Staged, c: &Columns<'_>, off: usize) -> usize {
        let n = c.len();
        let (price, delta) = (&mut self.0[off..off + n], &mut self.1[off..off + n]);
        let mut bad = 0usize;
        for j in 0..n {
            let ok = Staged::valid(c, j);
            let (p, d) =
                black_scholes::finish_price_delta(&st.get(c, j), st.arg[j], st.arg[CHUNK + j]);
            price[j] = if ok { p } else { f64::NAN };
            delta[j] = if ok { d } else { f64::NAN };
            bad += usize::from(!ok);
        }
        bad
    }
}

/// Price and first-order Greeks.
impl Finish for FirstOrderColumns<'_> {
    const PDF: bool = true;

    #[inline(always)]
    fn finish(&mut self, carry: Carry, st: &Staged, c: &Columns<'_>, off: usize) -> usize {
        let n = c.len();
        let price = &mut self.price[off..off + n];
        let delta = &mut self.delta[off..off + n];
        let gamma = &mut self.gamma[off..off + n];
        let vega = &mut self.vega[off..off + n];
        let theta = &mut self.theta[off..off + n];
        let rho = &mut self.rho[off..off + n];
        let rho_q = &mut self.rho_q[off..off + n];
        let mut bad = 0usize;
        for j in 0..n {
            let ok = Staged::valid(c, j);
            let g = black_scholes::finish_first_order(
                &st.get(c, j),
                carry,
                st.arg[j],
                st.pdf[j],
                st.arg[CHUNK + j],
            );
            let nan = f64::NAN;
            price[j] = if ok { g.price } else { nan };
            delta[j] = if ok { g.delta } else { nan };
            gamma[j] = if ok { g.gamma } else { nan };
            vega[j] = if ok { g.vega } else { nan };
            theta[j] = if ok { g.theta } else { nan };
            rho[j] = if ok { g.rho } else { nan };
            rho_q[j] = if ok { g.rho_q } else { nan };
            bad += usize::from(!ok);
        }
        bad
    }
}

/// Every Greek.
impl Finish for &mut [Greeks] {
    const PDF: bool = true;

    #[inline(always)]
    #[allow(clippy::needless_range_loop)] // one index for the stage arrays and the columns
    fn finish(&mut self, carry: Carry, st: &Staged, c: &Columns<'_>, off: usize) -> usize {
        let n = c.len();
        let out = &mut self[off..off + n];
        let mut bad = 0usize;
        for j in 0..n {
            let ok = Staged::valid(c, j);
            let g = black_scholes::finish_greeks(
                &st.get(c, j),
                carry,
                st.arg[j],
                st.pdf[j],
                st.arg[CHUNK + j],
            );
            out[j] = if ok { g } else { NAN_GREEKS };
            bad += usize::from(!ok);
        }
        bad
    }
}

/// What an invalid option gets.
pub(super) const NAN_GREEKS: Greeks = Greeks {
    price: f64::NAN,
    delta: f64::NAN,
    gamma: f64::NAN,
    vega: f64::NAN,
    theta: f64::NAN,
    rho: f64::NAN,
    rho_q: f64::NAN,
    vanna: f64::NAN,
    volga: f64::NAN,
    charm: f64::NAN,
    veta: f64::NAN,
    speed: f64::NAN,
    color: f64::NAN,
    zomma: f64::NAN,
    ultima: f64::NAN,
};

/// Run-time instruction-set selection: the only `unsafe` code of the crate.
#[allow(unsafe_code)]
pub(super) mod isa {
    use super::Kernel;

    /// A vector extension the kernels are compiled for.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(in crate::batch) enum Isa {
        /// The build target's own (SSE2 on x86-64).
        Baseline,
        /// AVX2, four f64 lanes.
        Avx2,
        /// AVX-512F, eight f64 lanes.
        Avx512,
    }

    /// Whether this CPU can run the copy for `isa` (`is_x86_feature_detected!` caches its
    /// answer in an atomic: cheap once per block).
    #[inline]
    pub(in crate::batch) fn has(isa: Isa) -> bool {
        match isa {
            Isa::Baseline => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Runs `k` with the widest copy this CPU supports.
    #[inline]
    pub(in crate::batch) fn run<K: Kernel>(k: &mut K) -> usize {
        let isa = [Isa::Avx512, Isa::Avx2]
            .into_iter()
            .find(|&isa| has(isa))
            .unwrap_or(Isa::Baseline);
        run_with(isa, k).unwrap_or_else(|| k.run())
    }

    /// Runs `k` with the copy for `isa`, or `None` when this CPU lacks it.
    #[inline]
    pub(in crate::batch) fn run_with<K: Kernel>(isa: Isa, k: &mut K) -> Option<usize> {
        if !has(isa) {
            return None;
        }
        match isa {
            Isa::Baseline => Some(k.run()),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `has(isa)` above checked that this CPU has AVX2, the one
            // precondition of calling a `#[target_feature(enable = "avx2")]` function.
            Isa::Avx2 => Some(unsafe { avx2(k) }),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `has(isa)` above checked that this CPU has AVX-512F, the one
            // precondition of calling a `#[target_feature(enable = "avx512f")]` function.
            Isa::Avx512 => Some(unsafe { avx512(k) }),
            #[cfg(not(target_arch = "x86_64"))]
            _ => None,
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn avx2<K: Kernel>(k: &mut K) -> usize {
        k.run()
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn avx512<K: Kernel>(k: &mut K) -> usize {
        k.run()
    }
}
