/* mc_plan.c — everything host-side around the per-sample math: checking the problem,
 * choosing the constants each estimator needs (interior point, tilt, Sobol' vectors), the
 * names and defaults. Folding: mc_accum.c; the estimate and its error: mc_finalize.c. */
#include "mc/mc_internal.h"
#include "geom/geom.h"
#include "so8/rotation.h"

#include <cerf.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const method_names[MC_METHOD_COUNT_] = {"auto", "hit",  "ball", "cond",
                                                             "radial", "qmc", "tilt"};

const char *mc_method_name(mc_method m)
{
    return (m >= 0 && m < MC_METHOD_COUNT_) ? method_names[m] : "?";
}

int mc_method_parse(const char *name, mc_method *out)
{
    for (int i = 0; i < MC_METHOD_COUNT_; i++)
        if (name && !strcmp(name, method_names[i])) {
            *out = (mc_method)i;
            return MC_OK;
        }
    return MC_ERR_INVAL;
}

const char *mc_backend_name(mc_backend b)
{
    return b == MC_BACKEND_CUDA ? "cuda" : b == MC_BACKEND_CPU ? "cpu" : "auto";
}

const char *mc_strerror(int status)
{
    switch (status) {
    case MC_OK: return "ok";
    case MC_ERR_INVAL: return "invalid argument";
    case MC_ERR_NODEVICE: return "no CUDA device";
    case MC_ERR_CUDA: return "CUDA error";
    case MC_ERR_NOMEM: return "out of memory";
    case MC_ERR_UNSUPPORTED: return "method does not apply";
    case MC_ERR_STOPPED: return "stopped (state saved)";
    case MC_ERR_STATE: return "checkpoint error";
    case MC_ERR_TEAM: return "a member of the team failed";
    default: return "unknown error";
    }
}

void mc_options_default(mc_options *o)
{
    memset(o, 0, sizeof *o);
    o->method = MC_METHOD_AUTO;
    o->backend = MC_BACKEND_AUTO;
    o->samples = 1u << 24;
    o->seed = 1;
    o->qmc_replicates = 32;
    o->save_every = 60;
}

int mc_problem_check(const mc_problem *p, char *err, size_t errlen)
{
    if (p->dim < 1 || p->dim > MC_MAX_DIM) {
        snprintf(err, errlen, "dimension must be between 1 and %d (got %d)", MC_MAX_DIM, p->dim);
        return MC_ERR_INVAL;
    }
    if (!isfinite(p->half_side) || p->half_side <= 0) {
        snprintf(err, errlen, "half-side a must be a finite number > 0 (got %g)", p->half_side);
        return MC_ERR_INVAL;
    }
    if (!isfinite(p->radius) || p->radius < 0) {
        snprintf(err, errlen, "radius r must be a finite number >= 0 (got %g)", p->radius);
        return MC_ERR_INVAL;
    }
    if (p->quantity != MC_VOLUME && p->quantity != MC_SURFACE && p->quantity != MC_ORIENT_AVG &&
        p->quantity != MC_COMPLEMENT) {
        snprintf(err, errlen, "unknown quantity %d", (int)p->quantity);
        return MC_ERR_INVAL;
    }
    int d = p->dim;
    if (p->center)
        for (int i = 0; i < d; i++)
            if (!isfinite(p->center[i])) {
                snprintf(err, errlen, "centre coordinate %d is not finite", i + 1);
                return MC_ERR_INVAL;
            }
    if (p->rotation) {
        int rc = so8_rotation_check(d, p->rotation, SO8_ROTATION_TOL, err, errlen);
        if (rc)
            return rc == -2 ? MC_ERR_NOMEM : MC_ERR_INVAL;
    }
    return MC_OK;
}


/* ---- tilt: moments of t ~ e^{−θt²} on [l, h] ---- */

/* The corner tilt (the complement): t ~ e^{+λt²} on [l, h], λ > 0. With M = max t² on
 * [l, h] and w(t) = e^{λ(t² − M)} <= 1: log Z = λM + log ∫ w, and integrating t·(2λt w)
 * by parts, E[t²] = (h w(h) − l w(l)) / (2λ ∫w) − 1/(2λ). ∫_0^x e^{λt²} dt =
 * e^{λx²} D(√λ x)/√λ with Dawson's D. Where w varies by less than a factor e on [l, h]
 * both integrals come from a 24-point Gauss–Legendre rule instead (the Dawson form
 * cancels there, for small λ or a thin interval away from 0). */
static void tilt_moments_corner(double lam, double l, double h, double *log_z, double *m2)
{
    if (h <= 0) { /* mirror to [−h, −l] */
        double t = l;
        l = -h;
        h = -t;
    }
    double big = fmax(l * l, h * h), small = (l < 0 && h > 0) ? 0.0 : fmin(l * l, h * h);
    if (lam * (big - small) < 1.0) {
        static _Thread_local double x[24], w[24];
        static _Thread_local int have_rule;
        double z = 0, z2 = 0;
        if (!have_rule) { /* once per thread: the bisection calls this d·200 times */
            double xd[24], wd[24]; /* largest node first: summed from the smallest */
            geom_gauss_legendre(24, xd, wd);
            for (int i = 0; i < 24; i++) {
                x[i] = xd[23 - i];
                w[i] = wd[23 - i];
            }
            have_rule = 1;
        }
        double mid = 0.5 * (h + l), half = 0.5 * (h - l);
        for (int i = 0; i < 24; i++) {
            double t = mid + half * x[i], f = w[i] * exp(lam * (t * t - big));
            z += f;
            z2 += f * t * t;
        }
        *log_z = lam * big + log(half * z);
        *m2 = z2 / z;
        return;
    }
    double s = sqrt(lam), z;
    double wh = exp(lam * (h * h - big)), wl = exp(lam * (l * l - big));
    if (l < 0) /* two pieces from 0 */
        z = (dawson(s * h) * wh + dawson(-s * l) * wl) / s;
    else
        z = (dawson(s * h) * wh - dawson(s * l) * wl) / s;
    *log_z = lam * big + log(z);
    *m2 = (h * wh - l * wl) / (2.0 * lam * z) - 1.0 / (2.0 * lam);
}

/* log ∫_l^h e^{−θt²} dt and E[t²] under the normalised weight. */
static void tilt_moments(double theta, double l, double h, double *log_z, double *m2)
{
    if (theta == 0) {
        *log_z = log(h - l);
        *m2 = (h * h + h * l + l * l) / 3.0;
        if (!isfinite(*m2)) /* h² overflowed (a huge cube): the mean is beyond any r² */
            *m2 = INFINITY;
        return;
    }
    if (theta < 0) {
        tilt_moments_corner(-theta, l, h, log_z, m2);
        return;
    }
    if (h <= 0) { /* mirror to [−h, −l] */
        double t = l;
        l = -h;
        h = -t;
    }
    double s = sqrt(theta);
    double pre = log(sqrt(M_PI) / (2.0 * s));
    if (l >= 0) {
        /* one-sided: Z = pre · e^{−θl²} · (erfcx(sl) − erfcx(sh) e^{−θ(h²−l²)}) */
        double e = exp(-theta * (h * h - l * l));
        double zs = erfcx(s * l) - erfcx(s * h) * e;
        *log_z = pre - theta * l * l + log(zs);
        /* ∫ t² e^{−θt²} = [−t e^{−θt²}/(2θ)] + Z/(2θ) */
        double zs_full = exp(pre) * zs; /* Z · e^{θl²} */
        *m2 = (l - h * e) / (2.0 * theta * zs_full) + 1.0 / (2.0 * theta);
    } else {
        double z = exp(pre) * (erf(s * h) + erf(-s * l));
        *log_z = log(z);
        *m2 = (l * exp(-theta * l * l) - h * exp(-theta * h * h)) / (2.0 * theta * z) +
              1.0 / (2.0 * theta);
    }
}

static double tilt_mean_s(const mc_plan *pl, double theta, double *log_z_sum)
{
    const mc_kparams *kp = &pl->kp;
    double m = 0, lz = 0;
    for (int i = 0; i < kp->dim; i++) {
        double lzi, m2;
        tilt_moments(theta, -kp->a - kp->center[i], kp->a - kp->center[i], &lzi, &m2);
        m += m2;
        lz += lzi;
    }
    if (log_z_sum)
        *log_z_sum = lz;
    return m;
}

/* The tilt's parameter by the saddle-point rule E_θ[S] = r². The volume (θ > 0, towards
 * the centre) needs it when the uniform mean of S exceeds r²; the complement (θ < 0,
 * towards the corners: E_θ[S] increases as θ falls) when the uniform mean is below r².
 * E_θ[S] is monotone in θ, so bisect on log |θ|. Returns 0, or MC_ERR_UNSUPPORTED with a
 * message when the corner tilt's rejection step would accept under 1 in 1000 proposals. */
static int tilt_setup(mc_plan *pl, char *err, size_t errlen)
{
    mc_kparams *kp = &pl->kp;
    const int comp = kp->quantity == MC_COMPLEMENT;
    double theta = 0;
    if (!comp && tilt_mean_s(pl, 0, NULL) > kp->r2) {
        /* the saddle point: E_θ[S] = r², E decreasing in θ — bisect on log θ */
        double lo = log(1e-8), hi = log(1e8);
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (lo + hi);
            if (tilt_mean_s(pl, exp(mid), NULL) > kp->r2)
                lo = mid;
            else
                hi = mid;
        }
        theta = exp(0.5 * (lo + hi));
    } else if (comp && tilt_mean_s(pl, 0, NULL) < kp->r2) {
        /* λ = −θ in units of the widest coordinate range's square, 1e-8 .. 1e8 */
        double m = 0;
        for (int i = 0; i < kp->dim; i++)
            m = fmax(m, fabs(kp->center[i]) + kp->a);
        double lo = log(1e-8 / (m * m)), hi = log(1e8 / (m * m));
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (lo + hi);
            if (tilt_mean_s(pl, -exp(mid), NULL) < kp->r2)
                lo = mid;
            else
                hi = mid;
        }
        theta = -exp(0.5 * (lo + hi));
    }
    double log_z;
    tilt_mean_s(pl, theta, &log_z);
    kp->tilt_theta = theta;
    kp->tilt_sigma = theta > 0 ? 1.0 / sqrt(2.0 * theta) : 0.0;
    for (int i = 0; i < kp->dim; i++) {
        double l = -kp->a - kp->center[i], h = kp->a - kp->center[i];
        double lzi, m2;
        tilt_moments(theta, l, h, &lzi, &m2);
        if (theta < 0) {
            /* a weak tilt (λ max t² < 1/2): uniform proposals accepted with
               e^{λ(t² − max t²)}, rate Z / ((h − l) e^{λ max}) >= e^{-1/2}; a strong one:
               the chord envelope of each side (mc_tilt_corner_try), rate about 1/2 or more */
            double mx = fmax(l * l, h * h), lam = -theta, acc;
            kp->tilt_min_sq[i] = mx;
            kp->tilt_normal[i] = 0;
            kp->tilt_dlo[i] = l;
            kp->tilt_dhi[i] = h;
            if (lam * mx < 0.5) {
                acc = exp(lzi + theta * mx) / (h - l);
            } else {
                /* the two sides [p, q] (mirrored for t <= 0) and their envelopes'
                   masses: a side is drawn in proportion to its envelope (not its own
                   mass: a rejected try draws the side again), so what is accepted
                   follows e^{λt²} on both sides together */
                double env[2] = {0, 0}, e[2] = {1, 1};
                for (int sd = 0; sd < 2; sd++) {
                    double pp = sd == 0 ? fmax(l, 0.0) : fmax(-h, 0.0);
                    double qq = sd == 0 ? h : -l;
                    if (!(qq > pp))
                        continue;
                    double kappa = lam * (pp + qq);
                    e[sd] = exp(-kappa * (qq - pp));
                    /* ∫_p^q e^{κt − λpq} dt = e^{λq²}(1 − e^{−κ(q−p)})/κ, relative to Z */
                    env[sd] = exp(lam * qq * qq - lzi) * (-expm1(-kappa * (qq - pp))) / kappa;
                }
                kp->tilt_normal[i] = 3;
                kp->tilt_pplus[i] = env[0] / (env[0] + env[1]);
                kp->tilt_eplus[i] = e[0];
                kp->tilt_eminus[i] = e[1];
                acc = 1.0 / (env[0] + env[1]);
            }
            if (!(acc >= 1e-3)) {
                snprintf(err, errlen,
                         "the corner tilt would accept under 1 in 1000 proposals here (the "
                         "outside of the ball is only the tips of the corners); use hit or cond");
                return MC_ERR_UNSUPPORTED;
            }
            continue;
        }
        double mn = (l <= 0 && h >= 0) ? 0.0 : fmin(l * l, h * h);
        kp->tilt_min_sq[i] = mn;
        double acc_uniform = exp(lzi + theta * mn) / (h - l);
        double acc_normal = theta > 0 ? exp(lzi) * sqrt(theta / M_PI) : 0.0;
        kp->tilt_normal[i] = acc_normal > acc_uniform;
        if (kp->tilt_normal[i] && fabs(kp->center[i]) > 0x1p20 * kp->tilt_sigma) {
            kp->tilt_normal[i] = 2; /* offsets, not c + σz (sample.h, mc_tilt_dx) */
            kp->tilt_dlo[i] = l;
            kp->tilt_dhi[i] = h;
        }
    }
    /* V = (2a)^d · P = Π Z_i · e^{θr²} · E[y] */
    pl->log_scale = log_z + theta * kp->r2;
    return MC_OK;
}

/* ---- the plan ---- */

/* log(DBL_MAX): a scale or value at or above it has no double. */
#define MC_LOG_DBL_MAX 709.782712893384

static const char *quantity_noun(mc_quantity q)
{
    return q == MC_SURFACE ? "surface measure" : q == MC_ORIENT_AVG ? "orientation average"
                                           : q == MC_COMPLEMENT ? "complement" : "volume";
}

/* Cases whose value is known without sampling, from the cube-frame (scaled) lengths:
 * sets pl->trivial_log and the reason, returns 1. `contain`: also the containments
 * (ball inside the cube, cube inside the ball), used where sampling cannot work (extreme
 * scales, a scale beyond the double range). log_cube and log_ball are unscaled. */
static int plan_trivial(mc_plan *pl, double dist2, int contain)
{
    const mc_kparams *kp = &pl->kp;
    const int d = kp->dim, comp = pl->quantity == MC_COMPLEMENT;
    if (pl->quantity == MC_ORIENT_AVG)
        return 0;
    /* r <= a − |c_i| for every i, and Σ (|c_i| + a)² <= r² (inf when it overflows: no) */
    int ball_in = 1;
    double far2 = 0;
    for (int i = 0; i < d; i++) {
        ball_in &= kp->r <= kp->a - fabs(kp->center[i]); /* not |c_i| + r: it may round down */
        double e = fabs(kp->center[i]) + kp->a;
        far2 += e * e;
    }
    int cube_in = far2 <= kp->r2;
    if (kp->r == 0 || dist2 >= kp->r2) {
        pl->trivial_log = comp ? pl->log_cube : -INFINITY;
        pl->trivial_reason = kp->r == 0 ? "the ball has radius 0"
                                        : "the bodies do not overlap";
    } else if (contain && cube_in) {
        pl->trivial_log = pl->quantity == MC_VOLUME ? pl->log_cube : -INFINITY;
        pl->trivial_reason = pl->quantity == MC_SURFACE ? "the cube lies inside the sphere"
                                                        : "the cube lies inside the ball";
    } else if (contain && ball_in) {
        /* the complement (2a)^d − |B| with its digits: the ball fills at most π/4 of it */
        pl->trivial_log = comp ? pl->log_cube + log1p(-exp(pl->log_ball - pl->log_cube))
                               : pl->log_ball;
        pl->trivial_reason = pl->quantity == MC_SURFACE ? "the sphere lies inside the cube"
                                                        : "the ball lies inside the cube";
    } else {
        return 0;
    }
    pl->trivial = 1;
    pl->trivial_value = exp(pl->trivial_log);
    return 1;
}

int mc_plan_build(const mc_problem *p, mc_method method, uint64_t seed, int qmc_replicates,
                  mc_plan *pl, char *err, size_t errlen)
{
    int st = mc_problem_check(p, err, errlen);
    if (st)
        return st;
    memset(pl, 0, sizeof *pl);
    int d = p->dim;
    mc_kparams *kp = &pl->kp;
    pl->method = method;
    pl->quantity = p->quantity;
    kp->method = (int)method;
    kp->quantity = (int)p->quantity;
    kp->dim = d;
    kp->seed = seed;
    /* Units: a radius outside [2^-200, 2^200] would make r² underflow or overflow, so
       the kernels then see every length divided by 2^e, e = ilogb(r): r in [1, 2). A power
       of two scales every sample's arithmetic exactly, and ordinary radii keep e = 0 —
       the same numbers as before, bit for bit. Volumes are scaled back in log space. */
    int e = (p->radius > 0 && (p->radius < 0x1p-200 || p->radius > 0x1p200)) ? ilogb(p->radius)
                                                                             : 0;
    kp->a = ldexp(p->half_side, -e);
    kp->r = ldexp(p->radius, -e);
    kp->r2 = kp->r * kp->r;
    /* c' = Rᵀc: the cube's frame (the ball is rotation invariant) */
    for (int i = 0; i < d; i++) {
        double s = 0;
        if (p->center) {
            if (p->rotation)
                for (int k = 0; k < d; k++)
                    s += p->rotation[k * d + i] * ldexp(p->center[k], -e);
            else
                s = ldexp(p->center[i], -e);
        }
        kp->center[i] = s;
    }
    double cn = 0;
    for (int i = 0; i < d; i++)
        cn += kp->center[i] * kp->center[i];
    kp->center_norm = sqrt(cn);
    if (!isfinite(kp->center_norm)) { /* Σ c_i² overflowed (scaled units): by the largest */
        double m = 0, q = 0;
        for (int i = 0; i < d; i++)
            m = fmax(m, fabs(kp->center[i]));
        for (int i = 0; i < d; i++)
            q += (kp->center[i] / m) * (kp->center[i] / m);
        kp->center_norm = m * sqrt(q);
    }

    /* (2a)^d in logs, with 2a formed only where it is finite */
    pl->log_cube = isfinite(2.0 * p->half_side) ? d * log(2.0 * p->half_side)
                                                : d * (M_LN2 + log(p->half_side));
    pl->log_ball = p->quantity == MC_SURFACE ? geom_sphere_log_area(d, p->radius)
                                             : geom_ball_log_volume(d, p->radius);

    static const int ok_volume[MC_METHOD_COUNT_] = {0, 1, 1, 1, 1, 1, 1};
    static const int ok_surface[MC_METHOD_COUNT_] = {0, 0, 1, 0, 0, 0, 0};
    static const int ok_orient[MC_METHOD_COUNT_] = {0, 1, 0, 1, 0, 0, 0};
    static const int ok_complement[MC_METHOD_COUNT_] = {0, 1, 0, 1, 0, 0, 1};
    const int *ok = p->quantity == MC_SURFACE      ? ok_surface
                    : p->quantity == MC_ORIENT_AVG ? ok_orient
                    : p->quantity == MC_COMPLEMENT ? ok_complement
                                                   : ok_volume;
    if (method <= MC_METHOD_AUTO || method >= MC_METHOD_COUNT_ || !ok[method]) {
        snprintf(err, errlen, "method '%s' does not apply to the %s; use %s", mc_method_name(method),
                 quantity_noun(p->quantity),
                 p->quantity == MC_SURFACE      ? "ball"
                 : p->quantity == MC_ORIENT_AVG ? "hit or cond"
                 : p->quantity == MC_COMPLEMENT ? "hit, cond or tilt (the corner tilt)"
                                                : "hit, ball, cond, radial, qmc or tilt");
        return MC_ERR_UNSUPPORTED;
    }
    pl->count_based = mc_method_counts(kp->method, kp->quantity);
    int finite = isfinite(kp->a) && (p->quantity != MC_ORIENT_AVG || isfinite(kp->center_norm));
    for (int i = 0; i < d; i++)
        finite &= isfinite(kp->center[i]) != 0;
    if (!finite) {
        /* a/r or |c|/r beyond the double range: only the containments can answer */
        if (plan_trivial(pl, 0.0, 1) && pl->trivial_log < MC_LOG_DBL_MAX)
            return MC_OK;
        snprintf(err, errlen, "the cube (a = %g) and the ball (r = %g) differ in size by more "
                              "than the double range; no estimator applies", p->half_side, p->radius);
        return MC_ERR_UNSUPPORTED;
    }

    /* distance from the centre to the cube: zero or disjoint cases need no sampling for
       the estimators that would divide by it */
    double dist2 = 0;
    for (int i = 0; i < d; i++) {
        double ex = fabs(kp->center[i]) - kp->a;
        if (ex > 0)
            dist2 += ex * ex;
    }
    int disjoint = p->quantity != MC_ORIENT_AVG && (kp->r == 0 || dist2 >= kp->r2);
    if (p->quantity == MC_ORIENT_AVG && kp->r == 0)
        disjoint = 1;

    switch (method) {
    case MC_METHOD_HIT:
    case MC_METHOD_COND:
        pl->log_scale = pl->log_cube;
        break;
    case MC_METHOD_QMC:
        pl->log_scale = pl->log_cube;
        if (qmc_replicates < 2 || qmc_replicates > MC_QMC_MAX_REPLICATES) {
            snprintf(err, errlen, "qmc needs 2..%d replicates (got %d)", MC_QMC_MAX_REPLICATES,
                     qmc_replicates);
            return MC_ERR_INVAL;
        }
        kp->qmc_replicates = qmc_replicates;
        /* shifts from their own stream: the seed mixed with a constant */
        kp->qmc_shift_seed = seed ^ 0x5bd1e9955bd1e995ull;
        mc_sobol_direction_vectors(d, pl->sobol);
        break;
    case MC_METHOD_BALL:
        pl->log_scale = pl->log_ball;
        break;
    case MC_METHOD_RADIAL: {
        pl->log_scale = pl->log_ball;
        if (disjoint)
            break;
        /* interior point: the centre if it is in the cube, else a point of the cube near
           it, pulled towards the cube's centre while it stays well inside the ball */
        double q[MC_MAX_DIM];
        int inside = 1;
        for (int i = 0; i < d; i++) {
            q[i] = fmin(fmax(kp->center[i], -kp->a), kp->a);
            inside &= q[i] == kp->center[i];
        }
        double lambda = 0;
        if (!inside) {
            for (double lam = 0.5; lam > 1e-6; lam *= 0.5) {
                double s = 0;
                for (int i = 0; i < d; i++) {
                    double ex = q[i] * (1 - lam) - kp->center[i];
                    s += ex * ex;
                }
                if (s < 0.81 * kp->r2) {
                    lambda = lam;
                    break;
                }
            }
        }
        double s = 0;
        for (int i = 0; i < d; i++) {
            kp->point[i] = q[i] * (1 - lambda);
            double ex = kp->point[i] - kp->center[i];
            s += ex * ex;
        }
        kp->pc2_minus_r2 = s - kp->r2;
        if (!(kp->pc2_minus_r2 < 0))
            disjoint = 1; /* only touching: measure zero */
        break;
    }
    case MC_METHOD_TILT:
        pl->log_scale = pl->log_cube;
        if (!disjoint && !(pl->quantity == MC_COMPLEMENT && plan_trivial(pl, dist2, 1))) {
            st = tilt_setup(pl, err, errlen);
            if (st)
                return st;
            pl->log_scale += d * e * M_LN2; /* Z_i were in units of 2^e */
        }
        break;
    default:
        break;
    }
    /* extreme scales (or a method's scale beyond the double range): the containments
       are the answer where they hold, and nothing else is sampled that cannot be */
    int extreme = e != 0 || !(p->half_side >= 0x1p-200 && p->half_side <= 0x1p200);
    int overflow = !(pl->log_scale < MC_LOG_DBL_MAX);
    if (pl->trivial) {
        /* set by the complement's tilt above */
    } else if (disjoint && (method == MC_METHOD_RADIAL || method == MC_METHOD_TILT || kp->r == 0)) {
        plan_trivial(pl, dist2, 0);
    } else if (extreme || overflow) {
        plan_trivial(pl, dist2, 1);
    }
    if (pl->trivial && !(pl->trivial_log < MC_LOG_DBL_MAX)) {
        snprintf(err, errlen, "the %s is e^%.6g, beyond the largest double (about e^709.78)",
                 quantity_noun(p->quantity), pl->trivial_log);
        return MC_ERR_UNSUPPORTED;
    }
    if (!pl->trivial && overflow) {
        snprintf(err, errlen,
                 "%s gives the %s as a multiple of %s = e^%.6g, beyond the largest double "
                 "(about e^709.78); %s",
                 mc_method_name(method), quantity_noun(p->quantity),
                 pl->log_scale == pl->log_cube ? "the cube's volume (2a)^d"
                 : pl->log_scale == pl->log_ball ? "the ball's measure"
                                                 : "the tilt's normaliser",
                 pl->log_scale,
                 p->quantity == MC_VOLUME && pl->log_ball < MC_LOG_DBL_MAX
                     ? "try --method ball or radial"
                     : "the value itself may be beyond the double range");
        return MC_ERR_UNSUPPORTED;
    }
    return MC_OK;
}

uint64_t mc_plan_set_samples(mc_plan *pl, uint64_t samples)
{
    if (samples < 1)
        samples = 1;
    if (pl->kp.method == MC_METHOD_QMC) {
        uint64_t r = (uint64_t)pl->kp.qmc_replicates;
        uint64_t per = (samples + r - 1) / r;
        per = (per + MC_BLOCK_SAMPLES - 1) / MC_BLOCK_SAMPLES * MC_BLOCK_SAMPLES;
        pl->kp.qmc_points = per;
        pl->kp.samples = per * r;
    } else {
        pl->kp.samples = samples;
    }
    return mc_block_count(&pl->kp);
}

uint64_t mc_plan_samples_in(const mc_plan *pl, uint64_t b0, uint64_t b1)
{
    if (pl->kp.method == MC_METHOD_QMC)
        return (b1 - b0) * MC_BLOCK_SAMPLES;
    uint64_t s0 = b0 * MC_BLOCK_SAMPLES, s1 = b1 * MC_BLOCK_SAMPLES;
    if (s1 > pl->kp.samples)
        s1 = pl->kp.samples;
    if (s0 > s1)
        s0 = s1;
    return s1 - s0;
}

/* folding: mc/mc_accum.c; mc_finalize: mc/mc_finalize.c */
