/* philox_probe.cu — a one-thread kernel that prints cuRAND's own device stream into
 * buffers, so tests/gpu_philox.c can compare it with mc/philox.h on the host: words,
 * uniforms and normals from curandStatePhilox4_32_10_t, and mc/normal.h's exact normals
 * computed on the device. */
#include <cuda_runtime.h>
#include <curand_kernel.h>

#include <stdio.h>

#include "tests/support/mc_ref.h"
#include "mc/normal.h"

__global__ void mc_philox_probe_kernel(unsigned long long seed, unsigned long long sub,
                                       unsigned long long off, int n, mc_philox_probe out)
{
    if (blockIdx.x != 0 || threadIdx.x != 0)
        return;
    curandStatePhilox4_32_10_t s;
    curand_init(seed, sub, off, &s);
    for (int i = 0; i < n; i++)
        out.words[i] = curand(&s);
    curand_init(seed, sub, off, &s);
    for (int i = 0; i < n; i++)
        out.uniform[i] = curand_uniform(&s);
    curand_init(seed, sub, off, &s);
    for (int i = 0; i < n; i += 2) {
        double2 u = curand_uniform2_double(&s);
        out.uniform2_double[i] = u.x;
        out.uniform2_double[i + 1] = u.y;
    }
    curand_init(seed, sub, off, &s);
    for (int i = 0; i < n; i++)
        out.normal[i] = curand_normal(&s);
    curand_init(seed, sub, off, &s);
    for (int i = 0; i < n; i++)
        out.normal_double[i] = curand_normal_double(&s);
    mc_philox_state m;
    mc_philox_init(seed, sub, off, &m);
    for (int i = 0; i < n; i += 2)
        mc_normal2_exact(&m, out.exact_normal + i);
}

#define PROBE_CHECK(call)                                                                \
    do {                                                                                 \
        cudaError_t e_ = (call);                                                         \
        if (e_ != cudaSuccess) {                                                         \
            snprintf(err, errlen, "%s: %s", #call, cudaGetErrorString(e_));              \
            status = MC_ERR_CUDA;                                                        \
            goto cleanup;                                                                \
        }                                                                                \
    } while (0)

extern "C" int mc_philox_probe_cuda(uint64_t seed, uint64_t sub, uint64_t off, int n,
                                    mc_philox_probe *host, char *err, size_t errlen)
{
    int status = MC_OK;
    mc_philox_probe dev = {0, 0, 0, 0, 0, 0};
    size_t n4 = (size_t)n * 4, n8 = (size_t)n * 8;
    PROBE_CHECK(cudaMalloc(&dev.words, n4));
    PROBE_CHECK(cudaMalloc(&dev.uniform, n4));
    PROBE_CHECK(cudaMalloc(&dev.uniform2_double, n8));
    PROBE_CHECK(cudaMalloc(&dev.normal, n4));
    PROBE_CHECK(cudaMalloc(&dev.normal_double, n8));
    PROBE_CHECK(cudaMalloc(&dev.exact_normal, n8));
    mc_philox_probe_kernel<<<1, 1>>>(seed, sub, off, n, dev);
    PROBE_CHECK(cudaGetLastError());
    PROBE_CHECK(cudaMemcpy(host->words, dev.words, n4, cudaMemcpyDeviceToHost));
    PROBE_CHECK(cudaMemcpy(host->uniform, dev.uniform, n4, cudaMemcpyDeviceToHost));
    PROBE_CHECK(cudaMemcpy(host->uniform2_double, dev.uniform2_double, n8, cudaMemcpyDeviceToHost));
    PROBE_CHECK(cudaMemcpy(host->normal, dev.normal, n4, cudaMemcpyDeviceToHost));
    PROBE_CHECK(cudaMemcpy(host->normal_double, dev.normal_double, n8, cudaMemcpyDeviceToHost));
    PROBE_CHECK(cudaMemcpy(host->exact_normal, dev.exact_normal, n8, cudaMemcpyDeviceToHost));
cleanup:
    cudaFree(dev.words);
    cudaFree(dev.uniform);
    cudaFree(dev.uniform2_double);
    cudaFree(dev.normal);
    cudaFree(dev.normal_double);
    cudaFree(dev.exact_normal);
    return status;
}
