//! Gauss-Legendre quadrature nodes and weights, computed (not tabulated) by Newton's
//! method on the Legendre polynomial `P_n`, evaluated with its three-term recurrence
//! `(j+1)P_{j+1}(x) = (2j+1)x P_j(x) − j P_{j−1}(x)` (Abramowitz & Stegun 22.7.10),
//! weights `w_i = 2/((1 − x_i²) P_n'(x_i)²)` (A&S 25.4.29). Starting guesses
//! `cos(π(i − ¼)/(n + ½))` (Tricomi's asymptotic, as in Press et al., "Numerical
//! Recipes", 3rd ed., §4.6). Accurate to a few ulps for the sizes used here (n ≤ 256).

/// An `n`-point Gauss-Legendre rule on `[−1, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GaussLegendre {
    /// Nodes in increasing order.
    pub(crate) nodes: Vec<f64>,
    /// Weights, summing to 2.
    pub(crate) weights: Vec<f64>,
}

impl GaussLegendre {
    /// The `n`-point rule (`n ≥ 1`; `n = 0` gives an empty rule that integrates to 0).
    pub(crate) fn new(n: usize) -> Self {
        let mut nodes = vec![0.0; n];
        let mut weights = vec![0.0; n];
        let nf = n as f64;
        for i in 0..n.div_ceil(2) {
            // i-th largest root.
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (nf + 0.5)).cos();
            let mut dp = 1.0;
            for _ in 0..100 {
                let (p, d) = legendre(n, x);
                dp = d;
                let dx = p / d;
                x -= dx;
                if dx.abs() <= 1e-16 * x.abs().max(1e-300) {
                    break;
                }
            }
            let (_, d) = legendre(n, x);
            if d.is_finite() && d != 0.0 {
                dp = d;
            }
            let w = 2.0 / ((1.0 - x * x) * dp * dp);
            nodes[n - 1 - i] = x;
            nodes[i] = -x;
            weights[n - 1 - i] = w;
            weights[i] = w;
        }
        if n % 2 == 1 {
            // The middle node is exactly 0.
            nodes[n / 2] = 0.0;
        }
        Self { nodes, weights }
    }

    /// `∫_a^b f(x) dx`.
    #[cfg(test)]
    pub(crate) fn integrate(&self, a: f64, b: f64, mut f: impl FnMut(f64) -> f64) -> f64 {
        let half = 0.5 * (b - a);
        let mid = 0.5 * (a + b);
        self.nodes
            .iter()
            .zip(&self.weights)
            .map(|(&x, &w)| w * f(mid + half * x))
            .sum::<f64>()
            * half
    }
}

/// `(P_n(x), P_n'(x))`.
fn legendre(n: usize, x: f64) -> (f64, f64) {
    let (mut p0, mut p1) = (1.0, x);
    if n == 0 {
        return (1.0, 0.0);
    }
    for j in 1..n {
        let jf = j as f64;
        let p2 = ((2.0 * jf + 1.0) * x * p1 - jf * p0) / (jf + 1.0);
        p0 = p1;
        p1 = p2;
    }
    // P_n'(x) = n (x P_n − P_{n−1}) / (x² − 1)  (A&S 22.8.5)
    let d = n as f64 * (x * p1 - p0) / (x * x - 1.0);
    (p1, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abramowitz_stegun_table_25_4() {
        // A&S Table 25.4, n = 2: ±0.577350269189626, w = 1; n = 5: 0, ±0.538469310105683,
        // ±0.906179845938664; w = 0.568888888888889, 0.478628670499366, 0.236926885056189.
        let g2 = GaussLegendre::new(2);
        assert!((g2.nodes[1] - 0.577_350_269_189_626).abs() < 1e-15);
        assert!((g2.weights[0] - 1.0).abs() < 1e-15);
        let g5 = GaussLegendre::new(5);
        assert_eq!(g5.nodes[2], 0.0);
        assert!((g5.nodes[3] - 0.538_469_310_105_683).abs() < 1e-15);
        assert!((g5.nodes[4] - 0.906_179_845_938_664).abs() < 1e-15);
        assert!((g5.weights[2] - 0.568_888_888_888_889).abs() < 1e-15);
        assert!((g5.weights[3] - 0.478_628_670_499_366).abs() < 1e-15);
        assert!((g5.weights[4] - 0.236_926_885_056_189).abs() < 1e-15);
    }

    #[test]
    fn exact_for_polynomials_and_smooth_functions() {
        for n in [1usize, 3, 7, 8, 20, 64, 200] {
            let g = GaussLegendre::new(n);
            let s: f64 = g.weights.iter().sum();
            assert!((s - 2.0).abs() < 1e-13, "n={n} weight sum {s}");
            // Exact for degree 2n − 1: ∫_0^1 x^{2n−1} = 1/(2n).
            let d = 2 * n - 1;
            let v = g.integrate(0.0, 1.0, |x| x.powi(d as i32));
            assert!((v - 1.0 / (2 * n) as f64).abs() < 1e-13, "n={n}: {v}");
        }
        // ∫_0^π sin = 2.
        let v = GaussLegendre::new(20).integrate(0.0, std::f64::consts::PI, f64::sin);
        assert!((v - 2.0).abs() < 1e-14);
    }
}
