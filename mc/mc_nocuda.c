/* mc_nocuda.c — the CUDA entry points of a CPU-only build: no device, say so. */
#include "mc/mc_internal.h"

#include <stdio.h>

int mc_cuda_compiled(void) { return 0; }

int mc_cuda_device_count(void) { return 0; }

void mc_cuda_device_describe(int dev, char *buf, size_t buflen)
{
    (void)dev;
    snprintf(buf, buflen, "this so8t was built without CUDA (CUDA=0 or no nvcc)");
}

int mc_cuda_run(const mc_plan *pl, uint64_t b0, uint64_t b1, int device, mc_accum *acc,
                char *err, size_t errlen)
{
    (void)pl, (void)b0, (void)b1, (void)device, (void)acc;
    snprintf(err, errlen, "this so8t was built without CUDA (rebuild with nvcc present)");
    return MC_ERR_NODEVICE;
}
