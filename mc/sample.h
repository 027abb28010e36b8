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
 * The complement C = vol(Q \ B) (quantity MC_COMPLEMENT) reuses three of them:
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
#include "mc/mc_codes.h"
#include "base/config.h"

#ifndef MC_RNG_STATE
#define MC_RNG_STATE mc_philox_state
#define MC_RNG_INIT(seed, sub, st) mc_philox_init((seed), (sub), 0, (st))
#define MC_RNG_NEXT4(st, w) mc_philox_next4((st), (w))
#endif

#define MC_KMAX_DIM SO8T_MAX_DIM

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

/* One coordinate of the ray c + s·g (s >= 0) against the cube's slab |x_i| <= a: narrows
 * [lo, hi] (start: [0, ∞)); sets *miss when g = 0 and c lies outside the slab. The ray is
 * inside the cube for s in [lo, hi] unless *miss or hi < lo. One division per coordinate.
 * The per-sample code and the streaming evaluators of sample_fast.h both call it as each
 * coordinate of g arrives. */
SO8T_HD void mc_slab_step(double c, double g, double a, double *lo, double *hi, int *miss)
{
    if (g == 0.0) {
        if (c < -a || c > a)
            *miss = 1;
        return;
    }
    double inv = 1.0 / g;
    double t1 = (-a - c) * inv, t2 = (a - c) * inv;
    if (t1 > t2) {
        double t = t1;
        t1 = t2;
        t2 = t;
    }
    if (t1 > *lo)
        *lo = t1;
    if (t2 < *hi)
        *hi = t2;
}

/* x / (2a), or x·(1/(2a)) when inv_two_a = 1/(2a) ≠ 0 is exact (a power of two): the same
 * bits, a multiplication instead of a division. */
SO8T_HD double mc_over_two_a(double x, double a, double inv_two_a)
{
    return inv_two_a != 0.0 ? x * inv_two_a : x / (2.0 * a);
}

/* cond's value once the d − 1 drawn coordinates gave S = s: the chord of the last
 * coordinate's line inside the ball (volume; clast its centre coordinate) or the two pieces
 * outside it (complement), over 2a. inv_two_a: see mc_over_two_a (0: divide). */
SO8T_HD double mc_cond_value(const mc_kparams *kp, double clast, double s, double inv_two_a)
{
    if (kp->quantity == MC_COMPLEMENT)
        return s >= kp->r2 ? 1.0
                           : mc_over_two_a(mc_chord_out(clast, sqrt(kp->r2 - s), kp->a), kp->a,
                                           inv_two_a);
    if (s >= kp->r2)
        return 0.0;
    return mc_over_two_a(mc_chord(clast, sqrt(kp->r2 - s), kp->a), kp->a, inv_two_a);
}

/* ball's test once the ray's slab interval [lo, hi] (no miss) and n = |g| are known: the
 * sphere point c + r·g/|g| lies in the cube iff lo·n <= r <= hi·n (surface); the volume
 * sample's radius ρ = r·u^{1/d} does iff (lo|g|/r)^d <= u <= (hi|g|/r)^d — integer powers,
 * no pow(). */
SO8T_HD int mc_ball_accept(const mc_kparams *kp, int d, int surface, double lo, double hi,
                           double n, double u)
{
    if (surface)
        return lo * n <= kp->r && kp->r <= hi * n;
    double l = lo * n / kp->r, h = hi * n / kp->r;
    double plo = mc_ipow(l, d);
    double phi = h >= 1.0 ? 1.0 : mc_ipow(h, d);
    return plo <= u && u <= phi;
}

/* One coordinate of radial's direction g (component g of coordinate with interior point p
 * and centre c): the cube's exit along g, s = min (±a − p)/g (start: ∞), and
 * bg += g·(p − c). */
SO8T_HD void mc_radial_step(double a, double p, double c, double g, double *s, double *bg)
{
    if (g > 0.0) {
        double t = (a - p) / g;
        if (t < *s)
            *s = t;
    } else if (g < 0.0) {
        double t = (-a - p) / g;
        if (t < *s)
            *s = t;
    }
    *bg += g * (p - c);
}

/* The orientation average's centre |c|·g/|g| from the d normals g, n = |g| (cc may be g). */
SO8T_HD void mc_orient_center(const mc_kparams *kp, int d, const double *g, double n,
                              double *cc)
{
    for (int i = 0; i < d; i++)
        cc[i] = kp->center_norm * (g[i] / n);
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
    return mc_cond_value(kp, c[d - 1], s, 0.0);
}

/* ball, given the sample's d normals g, n = |g| and (volume only) the next word uw: the CPU
 * backend draws the normals in vector lanes and calls this with them. */
SO8T_HD int mc_ball_test(const mc_kparams *kp, const double *g, double n, uint32_t uw)
{
    const int d = kp->dim, surface = kp->quantity == MC_SURFACE;
    double u = surface ? 0.0 : mc_uniform_double_from_u32(uw);
    double lo = 0.0, hi = INFINITY;
    int miss = 0;
    for (int i = 0; i < d; i++)
        mc_slab_step(kp->center[i], g[i], kp->a, &lo, &hi, &miss);
    if (miss || !(hi >= lo))
        return 0;
    return mc_ball_accept(kp, d, surface, lo, hi, n, u);
}

SO8T_HD int mc_sample_ball(const mc_kparams *kp, mc_words *w, double *g)
{
    double n = sqrt(mc_words_gaussian_vector(w, kp->dim, g));
    uint32_t uw = kp->quantity == MC_SURFACE ? 0u : mc_words_next(w);
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
    for (int i = 0; i < d; i++)
        mc_radial_step(kp->a, kp->point[i], kp->center[i], g[i], &s, &bg);
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

/* The offset u − c of coordinate i, u ~ q(u) ∝ e^{−θ(u−c)²} on [−a, a], by rejection — written
 * once for both word readers (mc_words here, the register reader of sample_fast.h): NEXT is
 * an expression giving the next word, NORMAL2 a statement storing the next normal pair in
 * the array zz_; z0, z1, zh (lvalues) keep a pair's unused normal (zh: how many are left);
 * the offset goes to the lvalue `out`. Proposals by tilt_normal[i]: 3 the corner proposal
 * (mc_tilt_corner_try, three words a try); 1 a normal N(c, σ²) accepted inside [−a, a];
 * 2 the same with the offset σz tested against the interval's own ends tilt_dlo/tilt_dhi =
 * −a − c, a − c (a centre far out on a huge cube, |c_i| > 2^20 σ, where c + σz would round
 * away the digits of σz); 0 uniform, accepted with e^{−θ((u−c)² − min)}. */
#define MC_TILT_DX(kp, i, NEXT, NORMAL2, z0, z1, zh, out)                                  \
    do {                                                                                    \
        const double c_ = (kp)->center[i];                                                  \
        for (;;) {                                                                          \
            if ((kp)->tilt_normal[i] == 3) {                                                \
                uint32_t w0_ = NEXT, w1_ = NEXT, w2_ = NEXT;                                \
                if (mc_tilt_corner_try((kp), (i), w0_, w1_, w2_, &(out)))                   \
                    break;                                                                  \
            } else if ((kp)->tilt_normal[i]) {                                              \
                if (!(zh)) {                                                                \
                    double zz_[2];                                                          \
                    NORMAL2;                                                                \
                    (z0) = zz_[0];                                                          \
                    (z1) = zz_[1];                                                          \
                    (zh) = 2;                                                               \
                }                                                                           \
                double z_ = (zh) == 2 ? (z0) : (z1);                                        \
                (zh)--;                                                                     \
                if ((kp)->tilt_normal[i] == 2) {                                            \
                    double dz_ = (kp)->tilt_sigma * z_;                                     \
                    if (dz_ >= (kp)->tilt_dlo[i] && dz_ <= (kp)->tilt_dhi[i]) {             \
                        (out) = dz_;                                                        \
                        break;                                                              \
                    }                                                                       \
                    continue;                                                               \
                }                                                                           \
                double u_ = c_ + (kp)->tilt_sigma * z_;                                     \
                if (u_ >= -(kp)->a && u_ <= (kp)->a) {                                      \
                    (out) = u_ - c_;                                                        \
                    break;                                                                  \
                }                                                                           \
            } else {                                                                        \
                double u_ = mc_coord(NEXT, (kp)->a);                                        \
                double v_ = mc_uniform_double_from_u32(NEXT);                               \
                double dx_ = u_ - c_;                                                       \
                if (mc_tilt_accept(v_, (kp)->tilt_theta, dx_ * dx_, (kp)->tilt_min_sq[i])) { \
                    (out) = dx_;                                                            \
                    break;                                                                  \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
    } while (0)

SO8T_HD double mc_tilt_dx(const mc_kparams *kp, int i, mc_words *w, double *z0, double *z1,
                          int *zh)
{
    double dx = 0.0;
    MC_TILT_DX(kp, i, mc_words_next(w), mc_words_normal2(w, zz_), *z0, *z1, *zh, dx);
    return dx;
}

/* The tilt's weight for a sample with S = s: the volume keeps S ≤ r², the complement
 * S > r² (θ < 0 there, so the weight is ≤ 1 in both). */
SO8T_HD double mc_tilt_weight(const mc_kparams *kp, double s)
{
    if (kp->quantity == MC_COMPLEMENT ? s <= kp->r2 : s > kp->r2)
        return 0.0;
    return kp->tilt_theta == 0.0 ? 1.0 : mc_exact_exp(kp->tilt_theta * (s - kp->r2));
}

SO8T_HD double mc_sample_tilt(const mc_kparams *kp, mc_words *w)
{
    double s = 0.0, z0 = 0.0, z1 = 0.0;
    int zh = 0;
    for (int i = 0; i < kp->dim; i++) {
        double dx = mc_tilt_dx(kp, i, w, &z0, &z1, &zh);
        s += dx * dx;
    }
    return mc_tilt_weight(kp, s);
}

/* Orientation average: the centre seen from a Haar-rotated cube, Rᵀc, is uniform on the
 * sphere of radius |c|; draw it, then one hit / cond sample against it. */
SO8T_HD void mc_random_center(const mc_kparams *kp, mc_words *w, double *c)
{
    double n = sqrt(mc_words_gaussian_vector(w, kp->dim, c));
    mc_orient_center(kp, kp->dim, c, n, c);
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

/* qmc's value at the point whose nd = max(d − 2, 0) drawn coordinates are the (shifted)
 * words x: the disc of the last two coordinates inside the square over 4a² (d >= 2), or the
 * chord over 2a (d = 1). */
SO8T_HD double mc_qmc_value(const mc_kparams *kp, const uint32_t *x, int nd, int d)
{
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
    return y;
}

/* From point k to k + 1 (Gray-code order): one XOR per coordinate, the direction vector of
 * k's lowest zero bit. */
SO8T_HD void mc_qmc_advance(uint32_t *x, int nd, const uint32_t (*sobol_v)[32], uint64_t k)
{
    int j = mc_lowest_zero_bit(k);
    for (int i = 0; i < nd; i++)
        x[i] ^= sobol_v[i][j];
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

    if (kp->method == MC_METHOD_QMC) {
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
            double y = mc_qmc_value(kp, x, nd, d);
            acc->sum += y;
            acc->sum_sq += y * y;
            mc_qmc_advance(x, nd, sobol_v, k);
        }
        return;
    }

    uint64_t n = mc_block_samples(kp, block);
    mc_words w;
    mc_words_init(&w, kp->seed, block);

    if (kp->quantity == MC_ORIENT_AVG) {
        for (uint64_t j = 0; j < n; j++) {
            mc_random_center(kp, &w, work);
            if (kp->method == MC_METHOD_HIT) {
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
    case MC_METHOD_HIT:
        for (uint64_t j = 0; j < n; j++)
            acc->hits += (uint64_t)mc_sample_hit(kp, kp->center, &w);
        break;
    case MC_METHOD_BALL:
        for (uint64_t j = 0; j < n; j++)
            acc->hits += (uint64_t)mc_sample_ball(kp, &w, work);
        break;
    case MC_METHOD_COND:
        for (uint64_t j = 0; j < n; j++) {
            double y = mc_sample_cond(kp, kp->center, &w);
            acc->sum += y;
            acc->sum_sq += y * y;
        }
        break;
    case MC_METHOD_RADIAL:
        for (uint64_t j = 0; j < n; j++) {
            double y = mc_sample_radial(kp, &w, work);
            acc->sum += y;
            acc->sum_sq += y * y;
        }
        break;
    case MC_METHOD_TILT:
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
    if (kp->method == MC_METHOD_QMC)
        return ((kp->qmc_points + MC_BLOCK_SAMPLES - 1) / MC_BLOCK_SAMPLES) *
               (uint64_t)kp->qmc_replicates;
    return (kp->samples + MC_BLOCK_SAMPLES - 1) / MC_BLOCK_SAMPLES;
}

SO8T_HD int mc_method_counts(int method, int quantity)
{
    (void)quantity;
    return method == MC_METHOD_HIT || method == MC_METHOD_BALL;
}

#endif /* SO8T_MC_SAMPLE_H */
