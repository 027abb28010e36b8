/* haar_nocuda.c — the CUDA entry points of so8/so8.h in a build without CUDA (CUDA=0):
 * no device, so every GPU request says so and the caller falls back to the CPU. */
#include "so8/so8.h"

#include "so8/haar_fast.h"

#include <stdio.h>

int so8_cuda_compiled(void)
{
    return 0;
}

int so8_cuda_device_count(void)
{
    return 0;
}

int so8_haar_batch_cuda(int n, uint64_t seed, uint64_t first_index, uint64_t count,
                        so8_precision prec, void *out, char *err, size_t err_len)
{
    (void)n;
    (void)seed;
    (void)first_index;
    (void)count;
    (void)prec;
    (void)out;
    if (err && err_len > 0)
        snprintf(err, err_len, "this so8t was built without CUDA (CUDA=0)");
    return SO8_ERR_NODEVICE;
}

/* the internal GPU timing entry point of so8/haar_fast.h */
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
