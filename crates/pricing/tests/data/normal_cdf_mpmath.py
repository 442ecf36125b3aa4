"""Reference values of the standard normal distribution for thetalab-pricing's tests.

Writes normal_cdf_mpmath.csv: `d, Phi(d), phi(d)` for doubles d in [-38.6, 9.5]
(a uniform grid, random points, Cody's interval ends, the subnormal tail).
Each value is computed with mpmath (ncdf / npdf) at 60 significant digits of the
exact binary value of d, printed with 40 digits, and parsed by Python's float(),
which rounds correctly (also into the subnormal range): the reference is the
correctly rounded f64.

    python3 normal_cdf_mpmath.py   # mpmath 1.3.0
"""

import random

import mpmath

mpmath.mp.dps = 60


def row(d: float) -> str:
    x = mpmath.mpf(d)  # exact: an f64 is a dyadic rational
    cdf = float(mpmath.nstr(mpmath.ncdf(x), 40, min_fixed=1, max_fixed=0))
    pdf = float(mpmath.nstr(mpmath.npdf(x), 40, min_fixed=1, max_fixed=0))
    return f"{d!r},{cdf!r},{pdf!r}"


def main() -> None:
    rng = random.Random(20240607)
    points = [-38.6 + i * 0.025 for i in range(int((9.5 + 38.6) / 0.025) + 1)]
    points += [rng.uniform(-38.6, 9.5) for _ in range(1500)]
    points += [rng.uniform(-8.0, 8.0) for _ in range(500)]
    points += [rng.uniform(-38.6, -36.5) for _ in range(200)]
    sqrt2 = 2.0 ** 0.5
    for edge in (0.46875, 4.0):
        for sign in (-1.0, 1.0):
            d0 = sign * edge * sqrt2
            points += [d0 + k * 2.0 ** -50 for k in range(-5, 6)]
    with open("normal_cdf_mpmath.csv", "w") as out:
        out.write(f"# Phi(d), phi(d) by mpmath {mpmath.__version__} at 60 digits; see normal_cdf_mpmath.py\n")
        out.write("d,cdf,pdf\n")
        for d in points:
            out.write(row(d) + "\n")


if __name__ == "__main__":
    main()
