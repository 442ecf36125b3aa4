//! Small numerical kernels for the smile fit: dense least squares by Householder QR and a
//! Nelder–Mead simplex minimiser. Private to the crate.

/// Solves the linear least-squares problem `min ‖A x − rhs‖₂` for a row-major `rows × cols`
/// matrix `a` by Householder QR (Golub & Van Loan, "Matrix Computations", 4th ed., §5.2
/// and §5.3.3), without forming the normal equations (which would square the condition
/// number). Overwrites `a` and `rhs`. Returns `None` when `A` is numerically rank
/// deficient (a diagonal entry of `R` below `1e-12` times the largest) or `rows < cols`.
pub(crate) fn lstsq(a: &mut [f64], rows: usize, cols: usize, rhs: &mut [f64]) -> Option<Vec<f64>> {
    if rows < cols || cols == 0 || a.len() != rows * cols || rhs.len() != rows {
        return None;
    }
    let mut diag = vec![0.0; cols];
    for j in 0..cols {
        // Householder vector for column j, rows j..
        let norm = (j..rows)
            .map(|i| a[i * cols + j] * a[i * cols + j])
            .sum::<f64>()
            .sqrt();
        if !norm.is_finite() {
            return None;
        }
        if norm == 0.0 {
            diag[j] = 0.0;
            continue;
        }
        let alpha = if a[j * cols + j] > 0.0 { -norm } else { norm };
        a[j * cols + j] -= alpha; // v = x − αe₁ stored in place
        let vtv = (j..rows)
            .map(|i| a[i * cols + j] * a[i * cols + j])
            .sum::<f64>();
        if vtv > 0.0 {
            for c in (j + 1)..cols {
                let dot = (j..rows)
                    .map(|i| a[i * cols + j] * a[i * cols + c])
                    .sum::<f64>();
                let f = 2.0 * dot / vtv;
                for i in j..rows {
                    a[i * cols + c] -= f * a[i * cols + j];
                }
            }
            let dot = (j..rows).map(|i| a[i * cols + j] * rhs[i]).sum::<f64>();
            let f = 2.0 * dot / vtv;
            for i in j..rows {
                rhs[i] -= f * a[i * cols + j];
            }
        }
        diag[j] = alpha;
    }
    let scale = diag.iter().fold(0.0_f64, |m, d| m.max(d.abs()));
    if scale == 0.0 || diag.iter().any(|d| d.abs() <= 1e-12 * scale) {
        return None;
    }
    // Back substitution R x = Qᵀ rhs (R's off-diagonal entries are in `a` above the diagonal).
    let mut x = vec![0.0; cols];
    for j in (0..cols).rev() {
        let mut s = rhs[j];
        for c in (j + 1)..cols {
            s -= a[j * cols + c] * x[c];
        }
        x[j] = s / diag[j];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Nelder–Mead downhill simplex (Nelder & Mead, "A simplex method for function
/// minimization", Computer Journal 7, 1965), with the standard coefficients (reflection 1,
/// expansion 2, contraction ½, shrink ½) and the ordering rules of Lagarias, Reeds, Wright
/// & Wright, "Convergence properties of the Nelder–Mead simplex method in low dimensions",
/// SIAM J. Optim. 9(1), 1998. Starts from `x0` and `x0 + step_i e_i`; stops when the
/// function values of the simplex agree to `f_tol` (absolute) and its vertices to `x_tol`,
/// or after `max_iter` iterations. Returns `(best x, best f)`. Non-finite values count as
/// +∞ (so a bounded region can be imposed by returning +∞ outside it).
pub(crate) fn nelder_mead<const N: usize>(
    f: impl Fn(&[f64; N]) -> f64,
    x0: [f64; N],
    step: [f64; N],
    f_tol: f64,
    x_tol: f64,
    max_iter: usize,
) -> ([f64; N], f64) {
    let eval = |x: &[f64; N]| {
        let v = f(x);
        if v.is_nan() { f64::INFINITY } else { v }
    };
    let mut simplex: Vec<([f64; N], f64)> = Vec::with_capacity(N + 1);
    simplex.push((x0, eval(&x0)));
    for i in 0..N {
        let mut x = x0;
        x[i] += step[i];
        simplex.push((x, eval(&x)));
    }
    for _ in 0..max_iter {
        simplex.sort_by(|p, q| p.1.total_cmp(&q.1));
        let (best, worst) = (simplex[0].1, simplex[N].1);
        let spread = (worst - best).abs();
        let size = simplex[1..]
            .iter()
            .flat_map(|(x, _)| {
                x.iter()
                    .zip(simplex[0].0.iter())
                    .map(|(a, b)| (a - b).abs())
            })
            .fold(0.0_f64, f64::max);
        if (spread <= f_tol || (best.is_infinite() && worst.is_infinite())) && size <= x_tol {
            break;
        }
        // Centroid of all but the worst vertex.
        let mut centroid = [0.0; N];
        for (x, _) in &simplex[..N] {
            for (c, xi) in centroid.iter_mut().zip(x) {
                *c += xi / N as f64;
            }
        }
        let along = |t: f64| -> [f64; N] {
            let mut y = [0.0; N];
            for i in 0..N {
                y[i] = centroid[i] + t * (simplex[N].0[i] - centroid[i]);
            }
            y
        };
        let xr = along(-1.0);
        let fr = eval(&xr);
        if fr < simplex[0].1 {
            let xe = along(-2.0);
            let fe = eval(&xe);
            simplex[N] = if fe < fr { (xe, fe) } else { (xr, fr) };
            continue;
        }
        if fr < simplex[N - 1].1 {
            simplex[N] = (xr, fr);
            continue;
        }
        // Contraction: outside if the reflected point beats the worst, else inside.
        let (xc, fc) = if fr < simplex[N].1 {
            let xc = along(-0.5);
            (xc, eval(&xc))
        } else {
            let xc = along(0.5);
            (xc, eval(&xc))
        };
        if fc < fr.min(simplex[N].1) {
            simplex[N] = (xc, fc);
            continue;
        }
        // Shrink towards the best vertex.
        let x_best = simplex[0].0;
        for v in simplex.iter_mut().skip(1) {
            for (xi, bi) in v.0.iter_mut().zip(&x_best) {
                *xi = bi + 0.5 * (*xi - bi);
            }
            v.1 = eval(&v.0);
        }
    }
    simplex.sort_by(|p, q| p.1.total_cmp(&q.1));
    simplex[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lstsq_solves_an_exact_system_and_a_regression() {
        // Exact: x = (1, −2, 3) for a well-conditioned 3×3 system.
        let mut a = vec![2.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 4.0];
        let mut b = vec![2.0 * 1.0 - 2.0, 1.0 - 6.0 + 3.0, -2.0 + 12.0];
        let x = lstsq(&mut a, 3, 3, &mut b).unwrap();
        for (xi, e) in x.iter().zip([1.0, -2.0, 3.0]) {
            assert!((xi - e).abs() < 1e-14);
        }
        // Regression y = 1 + 2t through (0,1.1), (1,2.9), (2,5.1), (3,6.9): the normal
        // equations give intercept 1.06, slope 1.96 (hand computation: Σt = 6, Σt² = 14,
        // Σy = 16, Σty = 2.9 + 10.2 + 20.7 = 33.8; slope = (4·33.8 − 6·16)/(4·14 − 36)).
        let mut a = vec![1.0, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0, 3.0];
        let mut b = vec![1.1, 2.9, 5.1, 6.9];
        let x = lstsq(&mut a, 4, 2, &mut b).unwrap();
        assert!((x[1] - (4.0 * 33.8 - 96.0) / 20.0).abs() < 1e-13);
        assert!((x[0] - (16.0 - 6.0 * x[1]) / 4.0).abs() < 1e-13);
        // Rank deficient: two equal columns.
        let mut a = vec![1.0, 1.0, 2.0, 2.0, 3.0, 3.0];
        let mut b = vec![1.0, 2.0, 3.0];
        assert!(lstsq(&mut a, 3, 2, &mut b).is_none());
    }

    #[test]
    fn nelder_mead_finds_the_rosenbrock_minimum() {
        // Rosenbrock's function, minimum 0 at (1, 1).
        let rosen = |x: &[f64; 2]| 100.0 * (x[1] - x[0] * x[0]).powi(2) + (1.0 - x[0]).powi(2);
        let (x, f) = nelder_mead(rosen, [-1.2, 1.0], [0.5, 0.5], 1e-20, 1e-10, 5000);
        assert!(
            f < 1e-14 && (x[0] - 1.0).abs() < 1e-6 && (x[1] - 1.0).abs() < 1e-6,
            "{x:?} {f}"
        );
    }
}
