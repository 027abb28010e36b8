/* mc_ref.h — test references for mc/ that do not belong in libso8t.a (the test support
 * library, tests/support/). */
#ifndef SO8T_TESTS_MC_REF_H
#define SO8T_TESTS_MC_REF_H

#include "mc/mc_internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mc_options_default with the fields every MC test sets: method, backend, samples, seed
 * (threads, rel_err and the rest keep their defaults). */
mc_options mc_test_options(mc_method m, mc_backend be, uint64_t samples, uint64_t seed);

/* One block with the plain mc/philox.h state (test reference for the fast CPU path). */
void mc_cpu_block_reference(const mc_plan *pl, uint64_t block, mc_block_acc *out);

/* GPU probe (tests/gpu_philox.c): cuRAND's device stream for (seed, sub, off), n values
 * of each kind (n even); caller-owned host buffers. MC_ERR_NODEVICE without CUDA. */
typedef struct {
    uint32_t *words;          /* curand() x n */
    float *uniform;           /* curand_uniform() x n */
    double *uniform2_double;  /* curand_uniform2_double() x n/2 pairs */
    float *normal;            /* curand_normal() x n */
    double *normal_double;    /* curand_normal_double() x n */
    double *exact_normal;     /* mc_normal2_exact() on the device x n/2 pairs */
} mc_philox_probe;
int mc_philox_probe_cuda(uint64_t seed, uint64_t sub, uint64_t off, int n,
                         mc_philox_probe *host, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
