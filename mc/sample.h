/* sample.h — the per-sample math of every estimator, shared by the CPU and the GPU.
 *
 * One SO8T_HD function evaluates one RNG block (MC_BLOCK_SAMPLES consecutive samples, all
 * drawn from Philox subsequence `block` of the seed). The random words come through three
 * macros, defined before this header is included:
 *     MC_RNG_STATE            the state type
 *     MC_RNG_INIT(seed, sub, st)   curand_init(seed, sub, 0, st)
 *     MC_RNG_NEXT4(st, w)     the next four 32-bit words of the stream into uint32_t w[4]
 * The CUDA backend maps them to curandStatePhilox4_32_10_t / curand_init / curand4; the
 * CPU backend to mc/philox.h (by default, below). Words are consumed strictly in stream
 * order, so both sides see the same numbers; all arithmetic is IEEE basic operations
 * (or mc/detmath.h), compiled without FMA contraction on both sides, so every sample and
 * every block sum is bit-identical.
 *
 * The problem arrives in the cube's own frame (c' = Rᵀc, computed once on the host: the
 * ball is rotation invariant, so vol(RQ ∩ B(c,r)) = vol(Q ∩ B(Rᵀc, r))).
 *
 * Estimators (V = volume, A = surface; scale factors are applied on the host):
 *   hit     y = 1{|x − c| ≤ r}, x uniform in [−a,a]^d            V = (2a)^d · E[y]
 *   ball    y = 1{c + ρθ ∈ cube}, θ uniform on S^{d−1}, ρ = r·U^{1/d} — tested as
 *           (t_in/r)^d ≤ U ≤ (t_out/r)^d with t_in/t_out where the ray meets the cube;
 *           surface: ρ = r                                        V = |B_r| · E[y]
 *   cond    x_1..x_{d−1} uniform, y = |[c_d − h, c_d + h] ∩ [−a,a]| / 2a, h² = r² − Σ(x_i−c_i)²
 *                                                                  V = (2a)^d · E[y]
 *   radial  y = (ρ(θ)/r)^d, ρ(θ) = distance from an interior point p to the boundary of
 *           Q ∩ B along θ (nearer exit of cube and ball)           V = |B_r| · E[y]
 *   qmc     double conditioning on a Sobol' point with a random digital shift per
 *           replicate: x_1..x_{d−2} from the point, the last two coordinates integrated
 *           exactly (area of a disc of radius h inside the square [−a,a]², centre offset):
 *           y = area / (2a)²                                        V = (2a)^d · E[y]
 *   tilt    U_i ∝ e^{−θ(u−c_i)²} on [−a,a]; y = 1{S ≤ r²} e^{θ(S − r²)}
 *                                              V = Π Z_i · e^{θ r²} · E[y]
 *   orient  c' = |c|·θ, θ uniform on the sphere (= Rᵀc for Haar R), then hit or cond.
 *
 * The complement C = vol(Q \ B) (quantity MC_K_COMPLEMENT) reuses three of them:
 *   hit     the same test; the host counts the samples outside (block size − hits)
 *   cond    y = |[−a, a] \ [c_d − h, c_d + h]| / 2a, the two outside pieces added
 *           directly (not 2a − chord, which loses the digits of a tiny remainder); y = 1
 *           when the ball misses the line (s ≥ r²)                  C = (2a)^d · E[y]
 *   tilt    θ < 0: U_i ∝ e^{|θ|(u−c_i)²}, towards the corners; tilt_min_sq holds the
 *           maximum of (u − c_i)² so the same rejection step accepts with e^{−θ((u−c)² − max)}
 *           ≤ 1; y = 1{S > r²} e^{θ(S − r²)} ≤ 1     C = Π Z_i · e^{θ r²} · E[y]
 */
#ifndef SO8T_MC_SAMPLE_H
#define SO8T_MC_SAMPLE_H

#include <math.h>
#include <stdint.h>

#include "mc/detmath.h"
#include "mc/normal.h"
#include "mc/philox.h"
#include "base/limits.h"
#include "so8t_hd.h"

#ifndef MC_RNG_STATE
#define MC_RNG_STATE mc_philox_state
#define MC_RNG_INIT(seed, sub, st) mc_philox_init((seed), (sub), 0, (st))
#define MC_RNG_NEXT4(st, w) mc_philox_next4((st), (w))
#endif

#define MC_KMAX_DIM SO8T_MAX_DIM
#ifndef MC_BLOCK_SAMPLES
#define MC_BLOCK_SAMPLES 1024u /* samples per RNG block (also in mc.h) */
#endif

/* Method codes as in mc.h (kept as ints so this header needs nothing from it). */
enum {
    MC_K_HIT = 1,
    MC_K_BALL = 2,
    MC_K_COND = 3,
    MC_K_RADIAL = 4,
    MC_K_QMC = 5,
    MC_K_TILT = 6
};
enum { MC_K_VOLUME = 0, MC_K_SURFACE = 1, MC_K_ORIENT = 2, MC_K_COMPLEMENT = 3 };

/* Everything a block needs: plain data, copied to the GPU's constant memory as is. */
typedef struct {
    int method, quantity, dim;
    int qmc_replicates;
    uint64_t seed;
    uint64_t samples;          /* N: the last block may be partial */
    uint64_t qmc_points;       /* points per replicate (qmc) */
    uint64_t qmc_shift_seed;   /* seed of the digital shifts */
    double a, r, r2;
    double center_norm;        /* |c| (orientation average) */
    double center[MC_KMAX_DIM];/* c' in the cube frame */
    double point[MC_KMAX_DIM]; /* radial: interior point p */
    double pc2_minus_r2;       /* radial: |p − c|² − r² (< 0) */
    double tilt_theta;
    double tilt_sigma;         /* 1/sqrt(2θ) */
    double tilt_min_sq[MC_KMAX_DIM]; /* min over [−a,a] of (u − c_i)² */
    int tilt_normal[MC_KMAX_DIM];    /* 1: truncated normal by normal proposals; 2: the
                                        same, offsets tested against tilt_dlo/dhi; 3: the
                                        corner proposal (mc_tilt_corner_try) */
    double tilt_dlo[MC_KMAX_DIM], tilt_dhi[MC_KMAX_DIM]; /* −a − c_i, a − c_i (modes 2, 3) */
    /* mode 3 (θ < 0, the corner proposal): P(the side t ≥ 0), and per side e^{−κ(q − p)} */
    double tilt_pplus[MC_KMAX_DIM], tilt_eplus[MC_KMAX_DIM], tilt_eminus[MC_KMAX_DIM];
} mc_kparams;

/* One block's contribution: counts for the count estimators, ordered sums otherwise. */
typedef struct {
    uint64_t hits;
    double sum, sum_sq;
} mc_block_acc;

/* A stream of words with a 4-word buffer, over MC_RNG_NEXT4. */
typedef struct {
    MC_RNG_STATE st;
    uint32_t buf[4];
    int pos; /* next unread word of buf; 4 = empty */
} mc_words;

SO8T_HD void mc_words_init(mc_words *w, uint64_t seed, uint64_t sub)
{
    MC_RNG_INIT(seed, sub, &w->st);
    w->pos = 4;
}

SO8T_HD uint32_t mc_words_next(mc_words *w)
{
    if (w->pos == 4) {
        MC_RNG_NEXT4(&w->st, w->buf);
        w->pos = 0;
    }
    return w->buf[w->pos++];
}

/* A uniform coordinate in (−a, a]: a·(2u − 1), u = (x + 1)·2^-32 (both steps exact but
 * the last multiplication). */
SO8T_HD double mc_coord(uint32_t x, double a)
{
    return a * (2.0 * mc_uniform_double_from_u32(x) - 1.0);
}

/* Two normals from the next 4 words, bit-identical on both sides (mc/normal.h). */
SO8T_HD void mc_words_normal2(mc_words *w, double z[2])
{
    uint32_t r0 = mc_words_next(w), r1 = mc_words_next(w);
    uint32_t r2 = mc_words_next(w), r3 = mc_words_next(w);
    mc_normal2_from_bits(r0, r1, r2, r3, z);
}

/* d normals into g (d words in pairs); returns |g|². */
SO8T_HD double mc_words_gaussian_vector(mc_words *w, int d, double *g)
{
    double n2 = 0;
    for (int i = 0; i < d; i += 2) {
        double z[2];
        mc_words_normal2(w, z);
        g[i] = z[0];
        if (i + 1 < d)
            g[i + 1] = z[1];
    }
    for (int i = 0; i < d; i++)
        n2 += g[i] * g[i];
    return n2;
}

/* Length of [−a, a] outside [c − h, c + h]: the piece left of c − h plus the piece right
 * of c + h, each computed from its own end (no cancellation against 2a). */
SO8T_HD double mc_chord_out(double c, double h, double a)
{
    double left = c - h, right = c + h;
    if (left > a)
        left = a;
    if (right < -a)
        right = -a;
    double out = 0.0;
    if (left > -a)
        out += left + a;
    if (right < a)
        out += a - right;
    return out;
}

/* Length of [c − h, c + h] ∩ [−a, a]. */
SO8T_HD double mc_chord(double c, double h, double a)
{
    double lo = c - h, hi = c + h;
    if (lo < -a)
        lo = -a;
    if (hi > a)
        hi = a;
    return hi > lo ? hi - lo : 0.0;
}

/* ∫_0^t √(h² − s²) ds = ½(t√(h² − t²) + h² asin(t/h)), 0 ≤ t ≤ h. */
SO8T_HD double mc_disc_strip(double t, double h)
{
    if (t >= h)
        return h * h * 0.78539816339744831; /* the quarter disc, π/4·h² */
    return 0.5 * (t * sqrt((h - t) * (h + t)) + h * h * mc_exact_asin(t / h));
}

/* Area of the disc x² + y² ≤ h² inside [0, X] × [0, Y], X, Y ≥ 0. */
SO8T_HD double mc_disc_quadrant(double X, double Y, double h)
{
    if (X >= h && Y >= h)
        return h * h * 0.78539816339744831; /* the quarter disc, π/4·h² */
    if (X > h)
        X = h;
    if (Y > h)
        Y = h;
    if (X * X + Y * Y <= h * h)
        return X * Y;
    /* for x < x0 = √(h² − Y²) the disc is taller than Y */
    double x0 = sqrt((h - Y) * (h + Y));
    if (x0 > X)
        x0 = X;
    return Y * x0 + (mc_disc_strip(X, h) - mc_disc_strip(x0, h));
}

/* Signed version: the area of the disc inside the rectangle between the origin and
 * (X, Y), with the sign of X·Y — additive over the four corners of any rectangle. */
SO8T_HD double mc_disc_corner(double X, double Y, double h)
{
    double q = mc_disc_quadrant(X < 0 ? -X : X, Y < 0 ? -Y : Y, h);
    return ((X < 0) != (Y < 0)) ? -q : q;
}

/* Area of {(x, y) ∈ [−a, a]²: (x − cx)² + (y − cy)² ≤ h²}. */
SO8T_HD double mc_disc_square(double cx, double cy, double h, double a)
{
    double x1 = -a - cx, x2 = a - cx, y1 = -a - cy, y2 = a - cy;
    double area = mc_disc_corner(x2, y2, h) - mc_disc_corner(x1, y2, h) -
                  mc_disc_corner(x2, y1, h) + mc_disc_corner(x1, y1, h);
    return area > 0 ? area : 0.0;
}

/* The ray c + s·g (s >= 0) inside the cube: [s_in, s_out]; returns 0 if it misses. */
SO8T_HD int mc_ray_cube(const double *c, const double *g, int d, double a, double *s_in,
                        double *s_out)
{
    double lo = 0.0, hi = INFINITY;
    for (int i = 0; i < d; i++) {
        if (g[i] == 0.0) {
            if (c[i] < -a || c[i] > a)
                return 0;
            continue;
        }
        double inv = 1.0 / g[i]; /* one division per coordinate */
        double t1 = (-a - c[i]) * inv, t2 = (a - c[i]) * inv;
        if (t1 > t2) {
            double t = t1;
            t1 = t2;
            t2 = t;
        }
        if (t1 > lo)
            lo = t1;
        if (t2 < hi)
            hi = t2;
    }
    *s_in = lo;
    *s_out = hi;
    return hi >= lo;
}

/* ---- one sample of each estimator ---- */

SO8T_HD int mc_sample_hit(const mc_kparams *kp, const double *c, mc_words *w)
{
    double s = 0.0;
    for (int i = 0; i < kp->dim; i++) {
        double dx = mc_coord(mc_words_next(w), kp->a) - c[i];
        s += dx * dx;
    }
    return s <= kp->r2;
}

SO8T_HD double mc_sample_cond(const mc_kparams *kp, const double *c, mc_words *w)
{
    int d = kp->dim;
    double s = 0.0;
    for (int i = 0; i < d - 1; i++) {
        double dx = mc_coord(mc_words_next(w), kp->a) - c[i];
        s += dx * dx;
    }
    if (kp->quantity == MC_K_COMPLEMENT)
        return s >= kp->r2 ? 1.0 : mc_chord_out(c[d - 1], sqrt(kp->r2 - s), kp->a) / (2.0 * kp->a);
    if (s >= kp->r2)
        return 0.0;
    return mc_chord(c[d - 1], sqrt(kp->r2 - s), kp->a) / (2.0 * kp->a);
}

/* ball, given the sample's d normals g, n = |g| and (volume only) the next word uw: the CPU
 * backend draws the normals in vector lanes and calls this with them. */
SO8T_HD int mc_ball_test(const mc_kparams *kp, const double *g, double n, uint32_t uw)
{
    int d = kp->dim;
    double s_in, s_out;
    if (kp->quantity == MC_K_SURFACE) {
        /* the point c + r·g/|g| is in the cube iff s_in ≤ r/|g| ≤ s_out */
        if (!mc_ray_cube(kp->center, g, d, kp->a, &s_in, &s_out))
            return 0;
        return s_in * n <= kp->r && kp->r <= s_out * n;
    }
    double u = mc_uniform_double_from_u32(uw);
    if (!mc_ray_cube(kp->center, g, d, kp->a, &s_in, &s_out))
        return 0;
    /* ρ = r·u^{1/d} along the unit direction; s = ρ/|g| ∈ [s_in, s_out]
       ⟺ (s_in|g|/r)^d ≤ u ≤ (s_out|g|/r)^d — integer powers, no pow(). */
    double lo = s_in * n / kp->r, hi = s_out * n / kp->r;
    double plo = mc_ipow(lo, d);
    double phi = hi >= 1.0 ? 1.0 : mc_ipow(hi, d);
    return plo <= u && u <= phi;
}

SO8T_HD int mc_sample_ball(const mc_kparams *kp, mc_words *w, double *g)
{
    double n = sqrt(mc_words_gaussian_vector(w, kp->dim, g));
    uint32_t uw = kp->quantity == MC_K_SURFACE ? 0u : mc_words_next(w);
    return mc_ball_test(kp, g, n, uw);
}

/* radial's value from the cube exit s·|g| along g, n = |g| and bg = g·(p − c): the exit from
 * the ball, t² + 2bt + (|p−c|² − r²) = 0 with b = θ·(p − c), the positive root; then
 * (ρ/r)^d (d = kp->dim; a constant in the templated kernels).  Shared by the per-sample code and the streaming evaluator of sample_fast.h. */
SO8T_HD double mc_radial_finish(const mc_kparams *kp, double s, double n, double bg, int d)
{
    double rho = s * n;
    double b = bg / n;
    double disc = b * b - kp->pc2_minus_r2;
    double tb = -b + sqrt(disc);
    if (tb < rho)
        rho = tb;
    if (rho < 0.0)
        rho = 0.0;
    return mc_ipow(rho / kp->r, d);
}

/* radial, given the sample's d normals g and n = |g| (see mc_ball_test). */
SO8T_HD double mc_radial_value(const mc_kparams *kp, const double *g, double n)
{
    int d = kp->dim;
    /* along θ = g/|g| the cube's exit is |g|·min_i (±a − p_i)/g_i: one division per
       coordinate, none for θ itself */
    double s = INFINITY, bg = 0.0;
    for (int i = 0; i < d; i++) {
        if (g[i] > 0.0) {
            double t = (kp->a - kp->point[i]) / g[i];
            if (t < s)
                s = t;
        } else if (g[i] < 0.0) {
            double t = (-kp->a - kp->point[i]) / g[i];
            if (t < s)
                s = t;
        }
        bg += g[i] * (kp->point[i] - kp->center[i]);
    }
    return mc_radial_finish(kp, s, n, bg, d);
}

SO8T_HD double mc_sample_radial(const mc_kparams *kp, mc_words *w, double *g)
{
    double n = sqrt(mc_words_gaussian_vector(w, kp->dim, g));
    return mc_radial_value(kp, g, n);
}

/* The tilt's rejection step: accept with probability e^{−θ(dx² − m)} (m the minimum of
 * dx² for θ > 0, the maximum for θ < 0, so the exponent is ≤ 0). θ = 0 accepts all: the
 * product 0·dx² is not formed, as it is NaN when dx² overflows (huge cubes). */
SO8T_HD int mc_tilt_accept(double v, double theta, double dx2, double m)
{
    return theta == 0.0 || v <= mc_exact_exp(-theta * (dx2 - m));
}

/* One proposal of the corner tilt (θ = −λ < 0, tilt_normal = 3) from three words: t = u − c
 * lies in [l, h] (tilt_dlo/dhi) with density ∝ e^{λt²}. A side (t ≥ 0 with probability
 * tilt_pplus, the share of its envelope's mass, else t ≤ 0, mirrored), on it t ∈ [p, q]
 * (0 <= p < q); the chord bounds
 * t² <= (p + q)t − pq, so e^{κt}, κ = λ(p + q), is an envelope: t by its inverse CDF
 * t = q + log(v + (1 − v)e^{−κ(q−p)})/κ, accepted with e^{λ(t − p)(t − q)} <= 1 (at least
 * about half the proposals). Returns 1 and the offset in *dx when accepted. */
SO8T_HD int mc_tilt_corner_try(const mc_kparams *kp, int i, uint32_t w_side, uint32_t w_v,
                               uint32_t w_acc, double *dx)
{
    const double l = kp->tilt_dlo[i], h = kp->tilt_dhi[i], lam = -kp->tilt_theta;
    const int plus = mc_uniform_double_from_u32(w_side) <= kp->tilt_pplus[i];
    const double p = plus ? (l > 0.0 ? l : 0.0) : (h < 0.0 ? -h : 0.0);
    const double q = plus ? h : -l;
    const double e = plus ? kp->tilt_eplus[i] : kp->tilt_eminus[i];
    const double v = mc_uniform_double_from_u32(w_v);
    double t = q + mc_exact_log(v + (1.0 - v) * e) / (lam * (p + q));
    if (t < p)
        t = p; /* rounding */
    if (!(mc_uniform_double_from_u32(w_acc) <= mc_exact_exp(lam * ((t - p) * (t - q)))))
        return 0;
    *dx = plus ? t : -t;
    return 1;
}

/* The offset u − c of one coordinate u ~ q(u) ∝ e^{−θ(u−c)²} on [−a, a], by rejection.
 * tilt_normal[i] = 2 (a centre far out on a huge cube, |c_i| > 2^20 σ, where c + σz would
 * round away the digits of σz): the normal proposal's offset σz is tested against the
 * interval's own ends tilt_dlo/tilt_dhi = −a − c, a − c instead. */
SO8T_HD double mc_tilt_dx(const mc_kparams *kp, int i, mc_words *w, double *z_cache,
                          int *z_have)
{
    double c = kp->center[i];
    for (;;) {
        if (kp->tilt_normal[i] == 3) {
            uint32_t w0 = mc_words_next(w), w1 = mc_words_next(w), w2 = mc_words_next(w);
            double dx;
            if (mc_tilt_corner_try(kp, i, w0, w1, w2, &dx))
                return dx;
        } else if (kp->tilt_normal[i]) {
            /* normal proposal N(c, σ²), accepted when inside [−a, a] */
            if (!*z_have) {
                mc_words_normal2(w, z_cache);
                *z_have = 2;
            }
            double z = z_cache[2 - *z_have];
            (*z_have)--;
            if (kp->tilt_normal[i] == 2) {
                double dz = kp->tilt_sigma * z;
                if (dz >= kp->tilt_dlo[i] && dz <= kp->tilt_dhi[i])
                    return dz;
                continue;
            }
            double u = c + kp->tilt_sigma * z;
            if (u >= -kp->a && u <= kp->a)
                return u - c;
        } else {
            /* uniform proposal, accepted with probability e^{−θ((u−c)² − min)} */
            double u = mc_coord(mc_words_next(w), kp->a);
            double v = mc_uniform_double_from_u32(mc_words_next(w));
            double dx = u - c;
            if (mc_tilt_accept(v, kp->tilt_theta, dx * dx, kp->tilt_min_sq[i]))
                return dx;
        }
    }
}

/* The tilt's weight for a sample with S = s: the volume keeps S ≤ r², the complement
 * S > r² (θ < 0 there, so the weight is ≤ 1 in both). */
SO8T_HD double mc_tilt_weight(const mc_kparams *kp, double s)
{
    if (kp->quantity == MC_K_COMPLEMENT ? s <= kp->r2 : s > kp->r2)
        return 0.0;
    return kp->tilt_theta == 0.0 ? 1.0 : mc_exact_exp(kp->tilt_theta * (s - kp->r2));
}

SO8T_HD double mc_sample_tilt(const mc_kparams *kp, mc_words *w)
{
    double s = 0.0, zc[2] = {0.0, 0.0};
    int zh = 0;
    for (int i = 0; i < kp->dim; i++) {
        double dx = mc_tilt_dx(kp, i, w, zc, &zh);
        s += dx * dx;
    }
    return mc_tilt_weight(kp, s);
}

/* Orientation average: the centre seen from a Haar-rotated cube, Rᵀc, is uniform on the
 * sphere of radius |c|; draw it, then one hit / cond sample against it. */
SO8T_HD void mc_random_center(const mc_kparams *kp, mc_words *w, double *c)
{
    double n = sqrt(mc_words_gaussian_vector(w, kp->dim, c));
    for (int i = 0; i < kp->dim; i++)
        c[i] = kp->center_norm * (c[i] / n);
}

/* ---- qmc: Sobol' points (Gray-code order, as cuRAND) with a digital shift ---- */

SO8T_HD uint32_t mc_sobol_point(const uint32_t *v, uint64_t k)
{
    uint64_t gray = k ^ (k >> 1);
    uint32_t x = 0;
    for (int j = 0; j < 32 && gray; j++, gray >>= 1)
        if (gray & 1u)
            x ^= v[j];
    return x;
}

/* Lowest zero bit of k: the direction vector that takes point k to point k+1. */
SO8T_HD int mc_lowest_zero_bit(uint64_t k)
{
    int j = 0;
    while (k & 1u) {
        k >>= 1;
        j++;
    }
    return j;
}

/* ---- one block ---- */

/* Samples in RNG block `block` (the last one may be partial; 0 past the end). */
SO8T_HD uint32_t mc_block_samples(const mc_kparams *kp, uint64_t block)
{
    uint64_t first = block * (uint64_t)MC_BLOCK_SAMPLES;
    uint64_t n = kp->samples > first ? kp->samples - first : 0;
    return n > MC_BLOCK_SAMPLES ? MC_BLOCK_SAMPLES : (uint32_t)n;
}

SO8T_HD void mc_block_eval(const mc_kparams *kp, const uint32_t (*sobol_v)[32],
                           uint64_t block, mc_block_acc *acc)
{
    double work[MC_KMAX_DIM];
    acc->hits = 0;
    acc->sum = 0.0;
    acc->sum_sq = 0.0;
    int d = kp->dim;

    if (kp->method == MC_K_QMC) {
        /* block b holds points [j·K, (j+1)·K) of replicate b mod R, j = b / R */
        uint64_t rep = block % (uint64_t)kp->qmc_replicates;
        uint64_t k0 = (block / (uint64_t)kp->qmc_replicates) * MC_BLOCK_SAMPLES;
        uint64_t k1 = k0 + MC_BLOCK_SAMPLES;
        if (k1 > kp->qmc_points)
            k1 = kp->qmc_points;
        uint32_t x[MC_KMAX_DIM];
        mc_words sw;
        mc_words_init(&sw, kp->qmc_shift_seed, rep);
        for (int i = 0; i < d - 2; i++) {
            uint32_t shift = mc_words_next(&sw);
            x[i] = mc_sobol_point(sobol_v[i], k0) ^ shift;
        }
        int nd = d >= 2 ? d - 2 : 0; /* coordinates drawn; the rest integrated */
        for (uint64_t k = k0; k < k1; k++) {
            double s = 0.0;
            for (int i = 0; i < nd; i++) {
                double dx = mc_coord(x[i], kp->a) - kp->center[i];
                s += dx * dx;
            }
            double y = 0.0;
            if (s < kp->r2) {
                double h = sqrt(kp->r2 - s);
                if (d >= 2)
                    y = mc_disc_square(kp->center[d - 2], kp->center[d - 1], h, kp->a) /
                        (4.0 * kp->a * kp->a);
                else
                    y = mc_chord(kp->center[0], h, kp->a) / (2.0 * kp->a);
            }
            acc->sum += y;
            acc->sum_sq += y * y;
            int j = mc_lowest_zero_bit(k);
            for (int i = 0; i < nd; i++)
                x[i] ^= sobol_v[i][j];
        }
        return;
    }

    uint64_t n = mc_block_samples(kp, block);
    mc_words w;
    mc_words_init(&w, kp->seed, block);

    if (kp->quantity == MC_K_ORIENT) {
        for (uint64_t j = 0; j < n; j++) {
            mc_random_center(kp, &w, work);
            if (kp->method == MC_K_HIT) {
                acc->hits += (uint64_t)mc_sample_hit(kp, work, &w);
            } else {
                double y = mc_sample_cond(kp, work, &w);
                acc->sum += y;
                acc->sum_sq += y * y;
            }
        }
        return;
    }

    switch (kp->method) {
    case MC_K_HIT:
        for (uint64_t j = 0; j < n; j++)
            acc->hits += (uint64_t)mc_sample_hit(kp, kp->center, &w);
        break;
    case MC_K_BALL:
        for (uint64_t j = 0; j < n; j++)
            acc->hits += (uint64_t)mc_sample_ball(kp, &w, work);
        break;
    case MC_K_COND:
        for (uint64_t j = 0; j < n; j++) {
            double y = mc_sample_cond(kp, kp->center, &w);
            acc->sum += y;
            acc->sum_sq += y * y;
        }
        break;
    case MC_K_RADIAL:
        for (uint64_t j = 0; j < n; j++) {
            double y = mc_sample_radial(kp, &w, work);
            acc->sum += y;
            acc->sum_sq += y * y;
        }
        break;
    case MC_K_TILT:
        for (uint64_t j = 0; j < n; j++) {
            double y = mc_sample_tilt(kp, &w);
            acc->sum += y;
            acc->sum_sq += y * y;
        }
        break;
    default:
        break;
    }
}

/* Number of RNG blocks a run of N samples uses (qmc: per replicate, interleaved). */
SO8T_HD uint64_t mc_block_count(const mc_kparams *kp)
{
    if (kp->method == MC_K_QMC)
        return ((kp->qmc_points + MC_BLOCK_SAMPLES - 1) / MC_BLOCK_SAMPLES) *
               (uint64_t)kp->qmc_replicates;
    return (kp->samples + MC_BLOCK_SAMPLES - 1) / MC_BLOCK_SAMPLES;
}

SO8T_HD int mc_method_counts(int method, int quantity)
{
    (void)quantity;
    return method == MC_K_HIT || method == MC_K_BALL;
}

#endif /* SO8T_MC_SAMPLE_H */
