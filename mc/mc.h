/* mc.h — Monte Carlo estimators for vol(R·[-a,a]^d ∩ B(c, r)), the surface measure of
 * ∂B(c, r) inside the cube, and the orientation average E_R[vol(RQ ∩ B)] over Haar R.
 *
 * Contract (docs/design.md, "The RNG contract"): N samples are cut into fixed blocks of
 * MC_BLOCK_SAMPLES; block b draws its bits from Philox subsequence b of the seed
 * (curand_init(seed, b, 0) on the GPU, mc_philox_init on the CPU), and every sample's math
 * is the one SO8T_HD header mc/sample.h. Threads, CUDA blocks and batches only decide who
 * computes which block; block results are combined in block order. So for a given
 * (problem, method, seed, N) the hit count — or, for the continuous estimators, the exact
 * bits of the sum — are identical on every backend, thread count and batch size.
 *
 * Every estimator is unbiased and returns its standard error. Ownership: the caller owns
 * every struct; nothing here allocates memory that outlives a call. Errors: a negative
 * mc_status and a message in the caller's buffer.
 */
#ifndef SO8T_MC_H
#define SO8T_MC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "mc/mc_codes.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MC_MAX_DIM SO8T_MAX_DIM
#define MC_QMC_MAX_REPLICATES 256

typedef enum {
    MC_OK = 0,
    MC_ERR_INVAL = -1,      /* bad problem or options (message says which) */
    MC_ERR_NODEVICE = -2,   /* CUDA requested but not compiled in or no device */
    MC_ERR_CUDA = -3,       /* a CUDA call failed (message has the call and the error) */
    MC_ERR_NOMEM = -4,
    MC_ERR_UNSUPPORTED = -5, /* method does not apply to this quantity */
    MC_ERR_STOPPED = -6,    /* *stop was set (a signal): the state was saved, run unfinished */
    MC_ERR_STATE = -7,      /* a checkpoint could not be written, read or was refused */
    MC_ERR_TEAM = -8        /* the team's sum failed (message says which member / why) */
} mc_status;



typedef enum { MC_BACKEND_AUTO = 0, MC_BACKEND_CPU, MC_BACKEND_CUDA } mc_backend;

struct mc_result_s; /* mc_result, below */

/* A team of processes that share one run (bin/so8t-mpi; mc itself knows nothing of MPI).
 * Every member calls mc_estimate with the same problem and options. Work goes in rounds:
 * a round's blocks are cut into `size` contiguous slices, member `rank` evaluates its own
 * into a fresh state, and `sum` adds the members' states — vectors of 64-bit words,
 * element-wise, as unsigned integers (an MPI_Allreduce with MPI_SUM on MPI_UINT64_T) —
 * so every member holds the same total and takes the same decisions (--rel-err, saves).
 * Counts are integers and sums exact (mc/mc_xsum.h): the result has the same bits for any
 * team size. `fail` is called when this member cannot go on (its backend failed): it must
 * not return to a team that waits in `sum` (bin/so8t-mpi prints the rank and the cause and
 * aborts the job); NULL: mc_estimate returns the error. */
typedef struct {
    int rank, size;
    int (*sum)(void *user, uint64_t *words, size_t n, char *err, size_t errlen);
    void (*fail)(void *user, int status, const char *message);
    void *user;
} mc_team;

/* The problem: cube R·[-a,a]^d (R row-major d×d, NULL = identity), ball B(c, r). */
typedef struct {
    mc_quantity quantity;
    int dim;                 /* 1..MC_MAX_DIM */
    double half_side;        /* a > 0 */
    double radius;           /* r >= 0 */
    const double *center;    /* dim entries, NULL = origin */
    const double *rotation;  /* dim*dim, NULL = identity; must be in SO(d) */
} mc_problem;

typedef struct {
    mc_method method;
    mc_backend backend;
    uint64_t samples;        /* N (a cap when rel_err > 0); rounded up to whole blocks for qmc */
    double rel_err;          /* > 0: run batches until the 95% half-width / estimate <= rel_err */
    uint64_t seed;
    int threads;             /* OpenMP threads, 0 = OpenMP default */
    int device;              /* CUDA device ordinal */
    int qmc_replicates;      /* independent digital shifts (default 32) */
    /* progress callback (fraction done in [0,1]); may be NULL */
    void (*progress)(void *user, double fraction);
    void *progress_user;
    /* checkpoints (for convergence plots): when set, a fixed-N run proceeds in batches of
       1, 2, 4, ... blocks and calls this with the running result after each (the final
       result is unchanged: batches never change the numbers); a rel_err run calls it after
       each of its batches. May be NULL. */
    void (*checkpoint)(void *user, const struct mc_result_s *partial);
    void *checkpoint_user;
    /* NULL: this process alone; else the team this process belongs to (above) */
    const mc_team *team;
    /* --checkpoint FILE: the folded state (problem, options, seed, blocks done, counts and
       exact sums, format version, checksum) is written atomically (temporary file, fsync,
       rename) every save_every seconds, when *stop is set, and at the end; by member 0
       of a team. NULL: no saves. */
    const char *save_path;
    double save_every;       /* seconds between saves (> 0) */
    /* --resume FILE: continue from that state; refused (MC_ERR_STATE, the field named)
       when the problem, method, seed, sample count, target or replicates differ, or the file
       is corrupt or truncated. The result is bit-identical to an uninterrupted run. */
    const char *resume_path;
    /* set asynchronously (a SIGTERM/SIGINT handler stores the signal number): the run
       stops after its current round (well under a second) with the state saved, and returns
       MC_ERR_STOPPED. NULL: never. */
    volatile sig_atomic_t *stop;
} mc_options;

typedef struct mc_result_s {
    mc_method method;        /* the method that ran (auto resolved) */
    mc_backend backend;      /* the backend that ran */
    uint64_t samples;        /* samples used */
    uint64_t hits;           /* count methods: samples inside; otherwise 0 */
    int count_based;         /* 1 if `hits` is the statistic */
    double sum, sum_sq;      /* the raw statistic (block-ordered sums of per-sample values) */
    double estimate, std_error;
    double ci95[2];
    double rel_error;        /* std_error / |estimate| (inf when the estimate is 0) */
    double log_estimate;     /* natural log of the estimate (for tiny values) */
    double fraction_of_cube, fraction_of_ball;
    double seconds, samples_per_second;
    char auto_reason[256];   /* why auto chose this method ("" otherwise) */
    /* the statistics behind ci95 (docs/math.md, "Intervals and z-scores") */
    double rounding_bound;   /* bound on the floating-point error of estimate (absolute);
                                ci95 includes it */
    double log_scale;        /* estimate = exp(log_scale) · mean per-sample value */
    double value_max;        /* the largest possible per-sample value (count methods 1) */
    double dof;              /* degrees of freedom of std_error: INFINITY (normal) or, for
                                qmc, replicates − 1 (Student t) */
    int se_floored;          /* 1: the observed spread was below one unseen outcome's worth,
                                so std_error is the rule-of-three bound (see docs/math.md) */
    int ci_one_sided;        /* 1: no sample contributed (or, counts, all did): the interval
                                is the one-sided 95 % bound of the rule of three */
    int target_met;          /* with rel_err > 0: 1 when rel_half_width <= rel_err, else 0;
                                -1 without a target */
    double rel_half_width;   /* the larger side of ci95 around estimate / |estimate| (what
                                rel_err targets; inf when the estimate is 0) */
    const char *ci_method;   /* how ci95 was made: "clopper-pearson" (counts),
                                "effective-count", "student-t" (qmc), "rule-of-three"
                                (nothing or no spread seen), "rounding-only" (no random
                                input), "exact" (known without sampling) */
} mc_result;

void mc_options_default(mc_options *o);
const char *mc_method_name(mc_method m);
int mc_method_parse(const char *name, mc_method *out); /* 0 ok, MC_ERR_INVAL */
const char *mc_backend_name(mc_backend b);
const char *mc_strerror(int status);

/* Checks the problem (dim range, a > 0, r >= 0, finite centre, R orthogonal with det +1);
 * returns MC_OK or MC_ERR_INVAL with a message naming the field. */
int mc_problem_check(const mc_problem *p, char *err, size_t errlen);

/* Runs the estimator. Backend AUTO = CUDA when compiled in and a device is present,
 * else CPU. Returns MC_OK or a negative status with a message in err. */
int mc_estimate(const mc_problem *p, const mc_options *o, mc_result *out, char *err,
                size_t errlen);

/* The z-score of a result against a reference value `exact` known to within exact_err
 * (absolute, >= 0), on the scale of a standard normal: the deviation first shrinks by
 * rounding_bound + exact_err (rounding is not noise); counts use the exact binomial tail
 * (consistent with the Clopper–Pearson ci95), qmc the Student t with `dof`, the others
 * the normal. A run where no sample contributed is tested like a count of 0. Then
 * |z| <= 1.96 exactly when exact lies in ci95 (up to exact_err), and |z| > 5 has the
 * probability 5.7e-7 of a normal. Returns 0 inside the rounding bound, +-INFINITY when
 * std_error is 0 (no sampling error) and the deviation exceeds the bound, NAN when exact
 * is not finite. */
double mc_result_z(const mc_result *r, double exact, double exact_err);

/* Benchmark baseline (not an estimator): n hit-or-miss samples of [-1,1]^d ∩ B(0, r) with
 * drand48_r, scalar, one thread — the loop a user writes first. Returns the hits. */
uint64_t mc_baseline_drand48_hits(int d, double r, uint64_t n, long seed);

/* 1 if this build has the CUDA backend compiled in. */
int mc_cuda_compiled(void);
/* Number of usable CUDA devices (0 when built without CUDA or none present). */
int mc_cuda_device_count(void);
/* One line describing device `dev` (name, SMs), or an explanation why none. */
void mc_cuda_device_describe(int dev, char *buf, size_t buflen);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_MC_H */
