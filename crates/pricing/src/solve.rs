//! The crate's one-dimensional solvers: a bracketed root (Brent), used by American
//! implied vol, position breakevens and the GEX flip level, and a bracketed extremum
//! (golden section).

/// A root of `f` in `[a, b]` given `f(a)` and `f(b)` of opposite signs (or one zero),
/// to `xtol` absolute plus a few ulps.
///
/// Brent's method: R. P. Brent, "Algorithms for Minimization without Derivatives"
/// (1973), ch. 4 (`zero`): inverse quadratic interpolation or secant steps, falling back
/// to bisection whenever they would not shrink the bracket fast enough, so it never
/// needs more than about (log₂ of the bracket / xtol)² evaluations and usually ~10.
pub(crate) fn brent_root(
    mut f: impl FnMut(f64) -> f64,
    a: f64,
    b: f64,
    fa: f64,
    fb: f64,
    xtol: f64,
) -> f64 {
    if fa == 0.0 {
        return a;
    }
    if fb == 0.0 {
        return b;
    }
    let (mut a, mut b, mut fa, mut fb) = (a, b, fa, fb);
    // `c` is the other end of the bracket [b, c]; `b` is the best estimate.
    let (mut c, mut fc) = (a, fa);
    let mut d = b - a;
    let mut e = d;
    for _ in 0..300 {
        if (fb > 0.0) == (fc > 0.0) {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol = 2.0 * f64::EPSILON * b.abs() + 0.5 * xtol;
        let m = 0.5 * (c - b);
        if m.abs() <= tol || fb == 0.0 {
            return b;
        }
        if e.abs() >= tol && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q) = if a == c {
                // Secant step.
                (2.0 * m * s, 1.0 - s)
            } else {
                // Inverse quadratic interpolation through (a, fa), (b, fb), (c, fc).
                let qa = fa / fc;
                let rb = fb / fc;
                (
                    s * (2.0 * m * qa * (qa - rb) - (b - a) * (rb - 1.0)),
                    (qa - 1.0) * (rb - 1.0) * (s - 1.0),
                )
            };
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            // Accept the interpolation only if it falls well inside the bracket and
            // shrinks faster than the step before last; otherwise bisect.
            if 2.0 * p < (3.0 * m * q - (tol * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = m;
                e = m;
            }
        } else {
            d = m;
            e = m;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol { d } else { tol.copysign(m) };
        fb = f(b);
    }
    b
}

/// The maximiser of `f` on `[a, b]` (assumed unimodal there) by golden-section search
/// (Kiefer 1953; Press et al., "Numerical Recipes", 3rd ed., §10.2), to `xtol`.
/// Returns `(x, f(x))`, never worse than the better end point.
pub(crate) fn golden_max(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, xtol: f64) -> (f64, f64) {
    // 1/φ = (√5 − 1)/2.
    const INV_PHI: f64 = 0.618_033_988_749_894_8;
    let (fa, fb) = (f(a), f(b));
    let (mut lo, mut hi) = (a, b);
    let mut x1 = hi - INV_PHI * (hi - lo);
    let mut x2 = lo + INV_PHI * (hi - lo);
    let (mut f1, mut f2) = (f(x1), f(x2));
    for _ in 0..200 {
        if (hi - lo).abs() <= xtol {
            break;
        }
        if f1 >= f2 {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - INV_PHI * (hi - lo);
            f1 = f(x1);
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + INV_PHI * (hi - lo);
            f2 = f(x2);
        }
    }
    let mut best = if f1 >= f2 { (x1, f1) } else { (x2, f2) };
    if fa > best.1 {
        best = (a, fa);
    }
    if fb > best.1 {
        best = (b, fb);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brent_finds_known_roots() {
        // x³ − 2x − 5 = 0: Wallis's example, root 2.0945514815423265 (Brent 1973, ch. 4).
        let f = |x: f64| x * x * x - 2.0 * x - 5.0;
        let x = brent_root(f, 2.0, 3.0, f(2.0), f(3.0), 1e-14);
        assert!((x - 2.094_551_481_542_326_5).abs() < 1e-13, "{x}");
        // cos x = x: the Dottie number 0.7390851332151607.
        let g = |x: f64| x.cos() - x;
        let y = brent_root(g, 0.0, 1.0, g(0.0), g(1.0), 1e-15);
        assert!((y - 0.739_085_133_215_160_7).abs() < 1e-14, "{y}");
    }

    #[test]
    fn golden_finds_a_maximum() {
        // −(x − 1.3)² + 2 peaks at 1.3; |x − 0.4| kink maximum of −|x − 0.4| at 0.4.
        let (x, fx) = golden_max(|x| 2.0 - (x - 1.3) * (x - 1.3), 0.0, 5.0, 1e-12);
        assert!((x - 1.3).abs() < 1e-6 && (fx - 2.0).abs() < 1e-12);
        let (x, _) = golden_max(|x: f64| -(x - 0.4).abs(), 0.0, 1.0, 1e-12);
        assert!((x - 0.4).abs() < 1e-10);
    }
}
