/* mc_plan.c — everything host-side around the per-sample math: checking the problem,
 * choosing the constants each estimator needs (interior point, tilt, Sobol' vectors),
 * folding block results in order and turning them into an estimate with its error. */
#include "mc/mc_internal.h"

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
    if (p->quantity != MC_VOLUME && p->quantity != MC_SURFACE && p->quantity != MC_ORIENT_AVG) {
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
        double worst = 0;
        for (int i = 0; i < d * d; i++)
            if (!isfinite(p->rotation[i])) {
                snprintf(err, errlen, "rotation entry %d is not finite", i);
                return MC_ERR_INVAL;
            }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int k = 0; k < d; k++)
                    s += p->rotation[k * d + i] * p->rotation[k * d + j];
                worst = fmax(worst, fabs(s - (i == j)));
            }
        if (worst > 1e-9) {
            snprintf(err, errlen, "rotation is not orthogonal (max |RᵀR − I| = %.3g)", worst);
            return MC_ERR_INVAL;
        }
        /* det sign by LU with partial pivoting on a copy */
        double det_sign = 1;
        double *a = malloc(sizeof(double) * (size_t)d * (size_t)d);
        if (!a) {
            snprintf(err, errlen, "out of memory");
            return MC_ERR_NOMEM;
        }
        memcpy(a, p->rotation, sizeof(double) * (size_t)d * (size_t)d);
        for (int c = 0; c < d; c++) {
            int piv = c;
            for (int r = c + 1; r < d; r++)
                if (fabs(a[r * d + c]) > fabs(a[piv * d + c]))
                    piv = r;
            if (a[piv * d + c] == 0) {
                det_sign = 0;
                break;
            }
            if (piv != c) {
                for (int k = 0; k < d; k++) {
                    double t = a[c * d + k];
                    a[c * d + k] = a[piv * d + k];
                    a[piv * d + k] = t;
                }
                det_sign = -det_sign;
            }
            if (a[c * d + c] < 0)
                det_sign = -det_sign;
            for (int r = c + 1; r < d; r++) {
                double f = a[r * d + c] / a[c * d + c];
                for (int k = c; k < d; k++)
                    a[r * d + k] -= f * a[c * d + k];
            }
        }
        free(a);
        if (det_sign <= 0) {
            snprintf(err, errlen, "rotation has determinant -1 (a reflection, not in SO(d))");
            return MC_ERR_INVAL;
        }
    }
    return MC_OK;
}

/* log of the volume of the d-ball of radius r, and of the (d−1)-sphere's area */
static double log_ball_volume(int d, double r)
{
    return 0.5 * d * log(M_PI) - lgamma(0.5 * d + 1.0) + d * log(r);
}

static double log_sphere_area(int d, double r)
{
    return log(2.0) + 0.5 * d * log(M_PI) - lgamma(0.5 * d) + (d - 1) * log(r);
}

/* ---- tilt: moments of t ~ e^{−θt²} on [l, h] ---- */

/* log ∫_l^h e^{−θt²} dt and E[t²] under the normalised weight. */
static void tilt_moments(double theta, double l, double h, double *log_z, double *m2)
{
    if (theta <= 0) {
        *log_z = log(h - l);
        *m2 = (h * h + h * l + l * l) / 3.0;
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

static void tilt_setup(mc_plan *pl)
{
    mc_kparams *kp = &pl->kp;
    double theta = 0;
    if (tilt_mean_s(pl, 0, NULL) > kp->r2) {
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
    }
    double log_z;
    tilt_mean_s(pl, theta, &log_z);
    kp->tilt_theta = theta;
    kp->tilt_sigma = theta > 0 ? 1.0 / sqrt(2.0 * theta) : 0.0;
    for (int i = 0; i < kp->dim; i++) {
        double l = -kp->a - kp->center[i], h = kp->a - kp->center[i];
        double mn = (l <= 0 && h >= 0) ? 0.0 : fmin(l * l, h * h);
        kp->tilt_min_sq[i] = mn;
        double lzi, m2;
        tilt_moments(theta, l, h, &lzi, &m2);
        double acc_uniform = exp(lzi + theta * mn) / (h - l);
        double acc_normal = theta > 0 ? exp(lzi) * sqrt(theta / M_PI) : 0.0;
        kp->tilt_normal[i] = acc_normal > acc_uniform;
    }
    /* V = (2a)^d · P = Π Z_i · e^{θr²} · E[y] */
    pl->log_scale = log_z + theta * kp->r2;
}

/* ---- the plan ---- */

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
    kp->quantity = p->quantity == MC_SURFACE ? MC_K_SURFACE
                   : p->quantity == MC_ORIENT_AVG ? MC_K_ORIENT : MC_K_VOLUME;
    kp->dim = d;
    kp->seed = seed;
    kp->a = p->half_side;
    kp->r = p->radius;
    kp->r2 = p->radius * p->radius;
    /* c' = Rᵀc: the cube's frame (the ball is rotation invariant) */
    for (int i = 0; i < d; i++) {
        double s = 0;
        if (p->center) {
            if (p->rotation)
                for (int k = 0; k < d; k++)
                    s += p->rotation[k * d + i] * p->center[k];
            else
                s = p->center[i];
        }
        kp->center[i] = s;
    }
    double cn = 0;
    for (int i = 0; i < d; i++)
        cn += kp->center[i] * kp->center[i];
    kp->center_norm = sqrt(cn);

    pl->log_cube = d * log(2.0 * kp->a);
    pl->log_ball = p->quantity == MC_SURFACE ? log_sphere_area(d, kp->r) : log_ball_volume(d, kp->r);

    static const int ok_volume[MC_METHOD_COUNT_] = {0, 1, 1, 1, 1, 1, 1};
    static const int ok_surface[MC_METHOD_COUNT_] = {0, 0, 1, 0, 0, 0, 0};
    static const int ok_orient[MC_METHOD_COUNT_] = {0, 1, 0, 1, 0, 0, 0};
    const int *ok = p->quantity == MC_SURFACE ? ok_surface
                    : p->quantity == MC_ORIENT_AVG ? ok_orient : ok_volume;
    if (method <= MC_METHOD_AUTO || method >= MC_METHOD_COUNT_ || !ok[method]) {
        snprintf(err, errlen, "method '%s' does not apply to the %s; use %s", mc_method_name(method),
                 p->quantity == MC_SURFACE ? "surface measure" : p->quantity == MC_ORIENT_AVG
                                                                    ? "orientation average"
                                                                    : "volume",
                 p->quantity == MC_SURFACE ? "ball" : p->quantity == MC_ORIENT_AVG
                                                          ? "hit or cond"
                                                          : "hit, ball, cond, radial, qmc or tilt");
        return MC_ERR_UNSUPPORTED;
    }
    pl->count_based = mc_method_counts(kp->method, kp->quantity);

    /* distance from the centre to the cube: zero or disjoint cases need no sampling for
       the estimators that would divide by it */
    double dist2 = 0;
    for (int i = 0; i < d; i++) {
        double e = fabs(kp->center[i]) - kp->a;
        if (e > 0)
            dist2 += e * e;
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
                    double e = q[i] * (1 - lam) - kp->center[i];
                    s += e * e;
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
            double e = kp->point[i] - kp->center[i];
            s += e * e;
        }
        kp->pc2_minus_r2 = s - kp->r2;
        if (!(kp->pc2_minus_r2 < 0))
            disjoint = 1; /* only touching: measure zero */
        break;
    }
    case MC_METHOD_TILT:
        if (!disjoint)
            tilt_setup(pl);
        else
            pl->log_scale = pl->log_cube;
        break;
    default:
        break;
    }
    if (disjoint && (method == MC_METHOD_RADIAL || method == MC_METHOD_TILT || kp->r == 0)) {
        pl->trivial = 1;
        pl->trivial_value = 0.0;
    }
    return MC_OK;
}

uint64_t mc_plan_set_samples(mc_plan *pl, uint64_t samples)
{
    if (samples < 1)
        samples = 1;
    if (pl->kp.method == MC_K_QMC) {
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
    if (pl->kp.method == MC_K_QMC)
        return (b1 - b0) * MC_BLOCK_SAMPLES;
    uint64_t s0 = b0 * MC_BLOCK_SAMPLES, s1 = b1 * MC_BLOCK_SAMPLES;
    if (s1 > pl->kp.samples)
        s1 = pl->kp.samples;
    if (s0 > s1)
        s0 = s1;
    return s1 - s0;
}

/* ---- in-order folding ---- */

void mc_accum_init(mc_accum *acc, int nrep)
{
    memset(acc, 0, sizeof *acc);
    acc->nrep = nrep;
}

/* Neumaier's compensated addition: deterministic, and accurate over millions of blocks. */
static void neumaier_add(double *sum, double *comp, double x)
{
    double t = *sum + x;
    if (fabs(*sum) >= fabs(x))
        *comp += (*sum - t) + x;
    else
        *comp += (x - t) + *sum;
    *sum = t;
}

void mc_accum_add(mc_accum *acc, const mc_plan *pl, uint64_t block, const mc_block_acc *b)
{
    acc->blocks++;
    acc->hits += b->hits;
    acc->samples += mc_plan_samples_in(pl, block, block + 1);
    neumaier_add(&acc->sum, &acc->sum_c, b->sum);
    neumaier_add(&acc->sum_sq, &acc->sum_sq_c, b->sum_sq);
    if (pl->kp.method == MC_K_QMC && acc->nrep > 0) {
        int rep = (int)(block % (uint64_t)acc->nrep);
        neumaier_add(&acc->rep_sum[rep], &acc->rep_sum_c[rep], b->sum);
        acc->rep_n[rep] += MC_BLOCK_SAMPLES;
    }
}

void mc_accum_add_sums(mc_accum *acc, const mc_plan *pl, uint64_t b0, uint64_t n,
                       const double *sum, const double *sum_sq, size_t stride)
{
    if (pl->kp.method == MC_K_QMC && acc->nrep > 0) {
        for (uint64_t i = 0; i < n; i++) {
            mc_block_acc b = {0, sum[i * stride], sum_sq[i * stride]};
            mc_accum_add(acc, pl, b0 + i, &b);
        }
        return;
    }
    /* the same additions in the same order as n calls of mc_accum_add, without the per-block
     * bookkeeping: the GPU backend folds 2^18 blocks per chunk this way */
    double s = acc->sum, sc = acc->sum_c, q = acc->sum_sq, qc = acc->sum_sq_c;
    for (uint64_t i = 0; i < n; i++) {
        neumaier_add(&s, &sc, sum[i * stride]);
        neumaier_add(&q, &qc, sum_sq[i * stride]);
    }
    acc->sum = s;
    acc->sum_c = sc;
    acc->sum_sq = q;
    acc->sum_sq_c = qc;
    acc->blocks += n;
    acc->samples += mc_plan_samples_in(pl, b0, b0 + n);
}

void mc_accum_add_hits(mc_accum *acc, const mc_plan *pl, uint64_t b0, uint64_t b1,
                       uint64_t hits)
{
    acc->blocks += b1 - b0;
    acc->hits += hits;
    acc->samples += mc_plan_samples_in(pl, b0, b1);
}

/* mc_finalize: mc/mc_finalize.c */
