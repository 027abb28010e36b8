/* philox_probe_nocuda.c — the probe's twin in a build without CUDA (tests/gpu_philox.c then
 * checks that it reports "no device" cleanly). */
#include "tests/support/mc_ref.h"

#include <stdio.h>

int mc_philox_probe_cuda(uint64_t seed, uint64_t sub, uint64_t off, int n,
                         mc_philox_probe *host, char *err, size_t errlen)
{
    (void)seed, (void)sub, (void)off, (void)n, (void)host;
    snprintf(err, errlen, "this so8t was built without CUDA");
    return MC_ERR_NODEVICE;
}
