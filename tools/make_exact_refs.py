#!/usr/bin/env python3
"""make_exact_refs.py — 50-digit reference values for `so8t exact` (geom/), independent of it.

Writes tests/fixtures/exact_refs.csv, read by tests/test_geom_bounds.c, which checks that
|value - ref| <= error_bound for every row.  Only a developer runs this (python3-mpmath);
`make test` reads the committed CSV.

    python3 tools/make_exact_refs.py > tests/fixtures/exact_refs.csv

Problem (units a = 1; the C code is called with a, r and centre a*c): Q = [-1,1]^d,
B = B(c, r), S = sum (U_i - c_i)^2 with U_i ~ U[-1,1].
  volume     = 2^d P(S <= r^2)          complement = 2^d P(S > r^2)
  surface    = 2^d 2r f_S(r^2)
and a problem at scale a is a^d (a^(d-1) for the surface) times the problem at a = 1, r / a.

Three methods, none of them the C code's (orthant caps, trapezoid/taper/aliasing on a
Laplace contour, closed forms):

 0. "cap": one cap of the ball beyond a face, from a centre outside the cube, every other face
    out of reach: the classical segment / cap formulas for d = 2, 3; for d > 3
    V_{d-1}(1) int_h^r (r^2 - y^2)^((d-1)/2) dy by mpmath's quad after y = r - (r - h) w
    (unscaled, quad's absolute tolerance gave 1e-7 wrong answers for thin caps).

 1. "ball": the ball inside the cube: the volume pi^(d/2) r^d / Gamma(d/2 + 1) (surface:
    2 pi^(d/2) r^(d-1) / Gamma(d/2)) -- exact, evaluated at 60 digits.

 2. "series" (near the far corner, the complement regime): W_i = A_i - (U_i - c_i)^2,
    A_i = (1 + c_i)^2, so S > t  <=>  sum W_i < s = sum A_i - t.  Near w = 0 the density of
    W_i is g_i(w) = m_i / (4 sqrt(A_i - w)) (m_i = 2 when c_i = 0: both ends of the edge
    reach the far value; 1 when c_i > 0), exactly, for w < L_i (L_i = 1 for c_i = 0, 4 c_i
    else: beyond it the other end of the edge starts to contribute).  For s <= min L_i every
    W_i in {sum W < s} is below L_i, so with g_i(w) = sum_k g_ik w^k (binomial series of
    (A - w)^(-1/2), radius A_i > s) and the Dirichlet integral
        int_{w >= 0, sum w < s} prod w_i^k_i dw = s^(d + n) prod k_i! / (d + n)!,  n = sum k_i,
    P(S > t) = sum_n C_n s^(d+n) / (d+n)!,  C_n = [x^n] prod_i (sum_k g_ik k! x^k),
    and f_S(t) = sum_n C_n s^(d+n-1) / (d+n-1)!.  All terms are positive (no cancellation);
    they fall like (s / min L_i)^n, and the cases keep s <= 0.6 min L_i, summing until a
    term is below 1e-70 of the sum.  The volume near the corner is then 2^d (1 - P(S > t))
    at 60 digits.

 3. "bromwich": P(S <= t) - [sigma < 0] = (1/pi) int_0^inf Re[L(s) e^(s t) / s] dtau on the
    line s = sigma + i tau (f_S: the same without 1/s), L(s) = prod_i p_i(s),
    p_i(s) = sqrt(pi) / (4 sqrt(s)) (erf(sqrt(s)(1 - c_i)) + erf(sqrt(s)(1 + c_i))), with sigma
    the saddle point of log L(sigma) + sigma t - log|sigma| on the side of the smaller tail
    (sigma < 0 gives -P(S > t) directly), integrated by mpmath's adaptive tanh-sinh quad at
    60 digits on [0, w, 2w, 4w, ..., inf] (w the saddle's width).  Used for d >= 16 only,
    where the integrand falls like tau^(-d/2-1) (fast enough for a 50-digit quadrature).
    Checked against the series on every case where both apply (cross-check rows below,
    agreement to 22 digits asserted; seen: 25 (d = 16, against the ball) to 52) and against the ball formula.

Every reference is for the doubles nearest to the decimal a, r and centre strings (what the C
code reads), converted exactly.

Columns: quantity,d,a,r,center,method,value,log_value.  center is "v:n;v:n" (value v for n
coordinates, in the order given; the C side expands it); value and log_value have 25
significant digits (value may be far outside double range: the C test then uses log_value).
"""
import sys

import mpmath as mp

mp.mp.dps = 60
TERM_STOP = mp.mpf(10) ** -70


def expand(center):
    out = []
    for v, n in center:
        out += [mp.mpf(v)] * n
    return out


def fmt_center(center):
    return ";".join("%s:%d" % (v, n) for v, n in center)


# ------------------------------------------------------------------ method 1: the ball
def ball(d, r, surface):
    r = mp.mpf(r)
    if surface:
        return 2 * mp.pi ** (mp.mpf(d) / 2) * r ** (d - 1) / mp.gamma(mp.mpf(d) / 2)
    return mp.pi ** (mp.mpf(d) / 2) * r ** d / mp.gamma(mp.mpf(d) / 2 + 1)


# ---------------------------------------------------------------- method 2: the series
def poly_mul(p, q, n):
    out = [mp.mpf(0)] * n
    for i, pi_ in enumerate(p):
        if pi_ == 0:
            continue
        for j in range(0, n - i):
            out[i + j] += pi_ * q[j]
    return out


def poly_pow(p, e, n):
    result = [mp.mpf(1)] + [mp.mpf(0)] * (n - 1)
    base = p[:n]
    while e:
        if e & 1:
            result = poly_mul(result, base, n)
        e >>= 1
        if e:
            base = poly_mul(base, base, n)
    return result


def series_tail(d, c, t, surface):
    """P(S > t) (surface: f_S(t)) by the corner series; c: list of d values >= 0."""
    A = [(1 + ci) ** 2 for ci in c]
    s = sum(A) - t
    lim = min((mp.mpf(1) if ci == 0 else 4 * ci) for ci in c)
    assert 0 < s <= mp.mpf("0.6") * lim, "series outside its range"
    # terms fall like (s / lim)^n: enough of them for 1e-75
    nterms = min(400, int(75 / mp.log10(lim / s)) + 30)
    groups = {}
    for ci in c:
        groups[ci] = groups.get(ci, 0) + 1
    total = [mp.mpf(1)] + [mp.mpf(0)] * (nterms - 1)
    for ci, n in groups.items():
        Ai = (1 + ci) ** 2
        m = 2 if ci == 0 else 1
        # g_k k! = m / (4 sqrt(A)) binom(2k, k) / (4 A)^k k!
        g = []
        for k in range(nterms):
            g.append(m / (4 * mp.sqrt(Ai)) * mp.binomial(2 * k, k) / (4 * Ai) ** k * mp.factorial(k))
        total = poly_mul(total, poly_pow(g, n, nterms), nterms)
    acc = mp.mpf(0)
    off = d - 1 if surface else d
    for n in range(nterms):
        term = total[n] * s ** (off + n) / mp.factorial(off + n)
        acc += term
        if n > 10 and term < TERM_STOP * acc:
            return acc
    raise RuntimeError("series did not converge")


# -------------------------------------------------------------- method 3: the Bromwich line
def logL(c, s):
    z = mp.sqrt(s)
    acc = mp.mpc(0) if isinstance(s, mp.mpc) else mp.mpf(0)
    groups = {}
    for ci in c:
        groups[ci] = groups.get(ci, 0) + 1
    for ci, n in groups.items():
        p = mp.sqrt(mp.pi) / (4 * z) * (mp.erf(z * (1 - ci)) + mp.erf(z * (1 + ci)))
        acc += n * mp.log(p)
    return acc


def bromwich(d, c, t, quantity):
    """volume: P(S <= t); complement: P(S > t); surface: f_S(t)."""
    mean = sum((1 + 3 * ci * ci) / 3 for ci in c)  # E (U - c)^2 = 1/3 + c^2
    k = 0 if quantity == "surface" else 1
    sign = -1 if t > mean else 1
    if quantity == "surface":
        sign = -1 if t > mean else 1

    def phi(x):  # x = log |sigma|
        sg = sign * mp.exp(x)
        return mp.re(logL(c, sg)) + sg * t - k * x

    # any sigma on the chosen side gives the same integral; the saddle (phi is convex in
    # sigma, so unimodal in x) only keeps the integrand free of cancellation
    lo = mp.log(1 / abs(t - mean)) - 30
    hi = lo + 60
    for _ in range(80):
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        if phi(m1) < phi(m2):
            hi = m2
        else:
            lo = m1
    x0 = (lo + hi) / 2
    sig = sign * mp.exp(x0)
    # width of the saddle in tau: 1 / sqrt(phi''), phi'' in sigma = d2/dsigma2
    d2 = mp.diff(lambda sg: mp.re(logL(c, sg)) + sg * t - k * mp.log(abs(sg)), sig, 2)
    w = 1 / mp.sqrt(abs(d2))
    base = mp.re(logL(c, sig)) + sig * t

    def f(tau):
        s = sig + 1j * tau
        v = mp.exp(logL(c, s) + s * t - base)
        if quantity != "surface":
            v /= s
        return mp.re(v)

    pts = [mp.mpf(0)] + [w * 2 ** j for j in range(0, 40)] + [mp.inf]
    integral = mp.quad(f, pts) / mp.pi
    val = integral * mp.exp(base)
    if quantity == "surface":
        return val
    # sigma < 0: the integral is P(S <= t) - 1
    if quantity == "volume":
        return val if sign > 0 else 1 + val
    return 1 - val if sign > 0 else -val


# ------------------------------------------------------------------------- the cases
def reference(quantity, d, a, r, center, method):
    # the problem the C code gets is the one of the doubles nearest to the decimal strings
    # (strtod and float() both round correctly): near the corner at d = 8, r = sqrt(8)(1 - 1e-8),
    # one ulp of r moves the tail by 1e-7 relative, so the reference must be for those doubles
    a = mp.mpf(float(a))
    r = mp.mpf(float(r))
    c = [mp.mpf(float(v)) for v in expand(center)]
    assert len(c) == d
    rs = r / a
    t = rs * rs
    scale = a ** (d - 1) if quantity == "surface" else a ** d
    cube = mp.mpf(2) ** d
    if method == "ball":
        assert quantity != "complement" or True
        v = ball(d, rs, quantity == "surface")
        if quantity == "complement":
            v = cube - v
    elif method == "cap":
        # one thin cap from outside (d = 2, 3): the centre at distance h beyond one face,
        # every other face out of reach: segment area r^2 acos(h/r) - h sqrt(r^2 - h^2),
        # arc 2 r acos(h/r); cap volume pi (r - h)^2 (2r + h) / 3, area 2 pi r (r - h)
        h = max(c) - 1
        assert h >= 0
        if d > 3:
            # V_{d-1}(1) int_h^r (r^2 - y^2)^k dy, k = (d - 1)/2, with y = r - e w (e = r - h),
            # so that the integrand is O(1) on [0, 1] (quad's tolerance is absolute)
            k = mp.mpf(d - 1) / 2
            e = rs - h
            vol = lambda rr, ee: mp.pi ** k / mp.gamma(k + 1) * ee ** (k + 1) * \
                mp.quad(lambda w: (w * (2 * rr - ee * w)) ** k, [0, 1])
            if quantity == "surface":  # d/dr, by the same rule (Leibniz: the end term is 0)
                v = mp.pi ** k / mp.gamma(k + 1) * 2 * rs * k * e ** k * \
                    mp.quad(lambda w: (w * (2 * rs - e * w)) ** (k - 1), [0, 1])
            else:
                v = vol(rs, e)
        elif d == 2:
            v = 2 * rs * mp.acos(h / rs) if quantity == "surface" else \
                rs ** 2 * mp.acos(h / rs) - h * mp.sqrt(rs ** 2 - h ** 2)
        else:
            v = 2 * mp.pi * rs * (rs - h) if quantity == "surface" else \
                mp.pi * (rs - h) ** 2 * (2 * rs + h) / 3
        if quantity == "complement":
            v = cube - v
    elif method == "series":
        if quantity == "surface":
            v = cube * 2 * rs * series_tail(d, c, t, True)
        elif quantity == "complement":
            v = cube * series_tail(d, c, t, False)
        else:
            v = cube * (1 - series_tail(d, c, t, False))
    elif method == "bromwich":
        p = bromwich(d, c, t, quantity)
        v = cube * (2 * rs * p if quantity == "surface" else p)
    else:
        raise ValueError(method)
    return v * scale


CASES = []


def case(quantity, d, a, r, center, method):
    CASES.append((quantity, d, a, r, center, method))


def near_corner(d, eps):
    """r = sqrt(d) (1 - eps) as a decimal string with 30 digits (the C side parses it)."""
    return mp.nstr(mp.sqrt(d) * (1 - mp.mpf(eps)), 30, strip_zeros=False)


# near the corner, centre 0: volume, complement, surface
for d, eps in [(4, "1e-3"), (5, "1e-6"), (8, "1e-2"), (8, "1e-8"), (10, "1e-4"), (16, "1e-3"),
               (20, "1e-5"), (32, "1e-3"), (50, "1e-3"), (64, "1e-4"), (100, "1e-3"),
               (110, "1e-3"), (128, "1e-3"), (128, "1e-6")]:
    r = near_corner(d, eps)
    for q in ("volume", "complement", "surface"):
        case(q, d, "1", r, [("0", d)], "series")
# the examples of the issue: d = 8, r = 2.8 (s = 0.16), d = 100, r = 9.99, d = 110, r = 10.48
for q in ("volume", "complement"):
    case(q, 8, "1", "2.8", [("0", 8)], "series")
    case(q, 100, "1", "9.99", [("0", 100)], "series")
    case(q, 110, "1", "10.47", [("0", 110)], "series")
# off-centre near the far corner (s <= 0.6 min 4c)
for q in ("volume", "complement", "surface"):
    case(q, 6, "1", "3.87", [("0.5", 3), ("0.75", 3)], "series")
    case(q, 12, "1", "4.62", [("0.3", 6), ("0.4", 6)], "series")
# huge and tiny scales (by scaling: the same problems at a = 1e200, a = 1e-200)
for q in ("volume", "complement", "surface"):
    case(q, 8, "1e200", "2.8e200", [("0", 8)], "series")
    case(q, 8, "1e-200", "2.8e-200", [("0", 8)], "series")
    case(q, 20, "1e150", near_corner(20, "1e-5") + "e150", [("0", 20)], "series")
# d = 2, 3 near the corner (the closed forms' angle differences cancel there) and one thin cap
# from outside (likewise), also at a huge scale
for d, eps in [(2, "1e-4"), (2, "1e-10"), (3, "1e-4"), (3, "1e-10")]:
    for q in ("volume", "complement", "surface"):
        case(q, d, "1", near_corner(d, eps), [("0", d)], "series")
for q in ("volume", "complement", "surface"):
    case(q, 2, "1", "1.00000001", [("2", 1), ("0", 1)], "cap")
    case(q, 2, "1", "1.1", [("2", 1), ("0.3", 1)], "cap")
    case(q, 3, "1", "1.0001", [("2", 1), ("0", 2)], "cap")
    case(q, 3, "1e100", "1.00000001e100", [("2", 1), ("0.5", 2)], "cap")
    case(q, 8, "1", "1.00000001", [("2", 1), ("0", 7)], "cap")
    case(q, 20, "1", "0.5001", [("1.5", 1), ("0.2", 19)], "cap")
# the ball inside the cube: tiny radii, huge cubes
for q in ("volume", "surface", "complement"):
    case(q, 8, "1", "1e-170", [("0", 8)], "ball")
    case(q, 8, "1e200", "1.5", [("0", 8)], "ball")
    case(q, 8, "1e-200", "1e-200", [("0", 8)], "ball")
    case(q, 64, "1", "0.5", [("0", 64)], "ball")
    case(q, 3, "1e300", "1e-300", [("0", 3)], "ball")
case("volume", 128, "1", "1e-300", [("0", 128)], "ball")
# middle of the range, d >= 16: the Bromwich line
for q in ("volume", "complement", "surface"):
    case(q, 128, "1", "6", [("0", 128)], "bromwich")
for q in ("volume", "complement"):
    case(q, 64, "1", "6", [("0", 64)], "bromwich")
    case(q, 32, "1", "3.2", [("0.5", 16), ("0.25", 16)], "bromwich")
case("volume", 128, "1", "6.6", [("0", 128)], "bromwich")
case("volume", 16, "1", "2.5", [("0", 16)], "bromwich")
case("volume", 100, "1", "7", [("0.2", 50), ("0.6", 50)], "bromwich")
case("complement", 64, "1", "7", [("0", 64)], "bromwich")
case("complement", 128, "1", "10", [("0", 128)], "bromwich")
case("complement", 128, "1e100", "10.5e100", [("0", 128)], "bromwich")

# cross-checks of the methods against each other (not written; asserted)
CROSS = [
    ("complement", 16, "1", near_corner(16, "1e-2"), [("0", 16)]),
    ("surface", 16, "1", near_corner(16, "1e-2"), [("0", 16)]),
    ("volume", 20, "1", near_corner(20, "1e-2"), [("0", 20)]),
    ("complement", 24, "1", "6.58", [("0.3", 12), ("0.4", 12)]),
]


def main():
    for q, d, a, r, center in CROSS:
        v1 = reference(q, d, a, r, center, "series")
        v2 = reference(q, d, a, r, center, "bromwich")
        rel = abs(v1 - v2) / abs(v1)
        print("# cross-check %s d=%d r=%s: series %s bromwich %s rel %s" %
              (q, d, r, mp.nstr(v1, 20), mp.nstr(v2, 20), mp.nstr(rel, 3)), file=sys.stderr)
        assert rel < mp.mpf(10) ** -22, "methods disagree"
    vb = reference("volume", 16, "1", "0.9", [("0", 16)], "ball")
    vt = reference("volume", 16, "1", "0.9", [("0", 16)], "bromwich")
    assert abs(vb - vt) / vb < mp.mpf(10) ** -22, "bromwich disagrees with the ball"
    print("# made by tools/make_exact_refs.py (mpmath %s, %d digits); see its docstring"
          % (mp.__version__, mp.mp.dps))
    print("quantity,d,a,r,center,method,value,log_value")
    for q, d, a, r, center, method in CASES:
        v = reference(q, d, a, r, center, method)
        print("%s,%d,%s,%s,%s,%s,%s,%s" % (q, d, a, r, fmt_center(center), method,
                                           mp.nstr(v, 25, min_fixed=1, max_fixed=0),
                                           mp.nstr(mp.log(v), 25)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
