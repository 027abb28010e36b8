/* haar_fast_nocuda.c — the internal GPU timing entry point of so8/haar_fast.h in a build
 * without CUDA (CUDA=0): no device, so it says so. (With CUDA=1 the Makefile leaves this
 * file out and so8/haar_cuda.cu provides the function.) */
#include "so8/haar_fast.h"

#include <stdio.h>

int so8_haar_cuda_time(int n, uint64_t seed, uint64_t first_index, uint64_t count,
                       so8_precision prec, int reps, double *gen_seconds,
                       double *copy_seconds, char *err, size_t err_len)
{
    (void)n;
    (void)seed;
    (void)first_index;
    (void)count;
    (void)prec;
    (void)reps;
    if (gen_seconds)
        *gen_seconds = 0.0;
    if (copy_seconds)
        *copy_seconds = 0.0;
    if (err && err_len > 0)
        snprintf(err, err_len, "this so8t was built without CUDA (CUDA=0)");
    return SO8_ERR_NODEVICE;
}
