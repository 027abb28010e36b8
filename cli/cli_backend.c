/* cli_backend.c — --backend parsing and the one-time note that a CUDA-enabled so8t runs on
 * the CPU because this machine has no usable GPU. */
#include "cli/cli_backend.h"

#include <stdio.h>
#include <string.h>

#include "mc/mc.h"

int cli_parse_backend(const char *cmd, const char *opt, const char *s, mc_backend *out)
{
    if (!strcmp(s, "auto"))
        *out = MC_BACKEND_AUTO;
    else if (!strcmp(s, "cpu"))
        *out = MC_BACKEND_CPU;
    else if (!strcmp(s, "cuda") || !strcmp(s, "gpu"))
        *out = MC_BACKEND_CUDA;
    else
        return cli_usage_error(cmd, "%s must be auto, cuda or cpu (got '%s')", opt, s);
    return 0;
}

int cli_backend_resolve(const char *cmd, mc_backend requested, mc_backend *out)
{
    static int noted;
    int ndev = mc_cuda_device_count();
    if (requested == MC_BACKEND_CUDA && ndev == 0) {
        char why[256];
        mc_cuda_device_describe(0, why, sizeof why);
        return cli_usage_error(cmd, "--backend cuda: no usable CUDA device (%s)", why);
    }
    if (requested == MC_BACKEND_AUTO) {
        if (ndev > 0) {
            *out = MC_BACKEND_CUDA;
            return 0;
        }
        if (mc_cuda_compiled() && !noted) {
            fprintf(stderr, "so8t: no CUDA device found; using the CPU (OpenMP) backend\n");
            noted = 1;
        }
        *out = MC_BACKEND_CPU;
        return 0;
    }
    *out = requested;
    return 0;
}
