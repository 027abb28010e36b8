/* mc_cuda.cu — the CUDA backend: one thread per RNG block, cuRAND device states, the
 * per-sample math of mc/sample.h, counts reduced with CUB.
 *
 * Each thread takes block b, calls curand_init(seed, b, 0) on a curandStatePhilox4_32_10_t
 * and draws its words with curand4 — the same stream mc/philox.h reproduces on the CPU —
 * then runs exactly the CPU's per-sample code (compiled with --fmad=false, like gcc's
 * -ffp-contract=off). Count estimators: per-block hit counts are summed on the device with
 * cub::DeviceReduce::Sum (64-bit, exact). Continuous estimators: the per-block sums come
 * back and are folded on the host in block order by the same code as the CPU backend, so
 * the final sum has the same bits on both sides (a tree reduction on the device would not).
 * The problem lives in constant memory; the launch shape comes from the occupancy API.
 * Every CUDA call and launch is checked; errors go to the caller's buffer.
 */
#include <cub/device/device_reduce.cuh>
#include <cuda_runtime.h>
#include <curand_kernel.h>

#include <stdio.h>
#include <stdlib.h>

/* device-only: the word source (curand_init / curand4) is device-only */
#define SO8T_HD __device__ static inline

__device__ static inline void mc_curand4_words(curandStatePhilox4_32_10_t *st, uint32_t w[4])
{
    uint4 t = curand4(st);
    w[0] = t.x;
    w[1] = t.y;
    w[2] = t.z;
    w[3] = t.w;
}

#define MC_RNG_STATE curandStatePhilox4_32_10_t
#define MC_RNG_INIT(seed, sub, st) curand_init((seed), (sub), 0ull, (st))
#define MC_RNG_NEXT4(st, w) mc_curand4_words((st), (w))

#include "mc/mc_internal.h"

__constant__ mc_kparams c_kp;
__constant__ uint32_t c_sobol[MC_KMAX_DIM][32];

__global__ void mc_blocks_kernel(uint64_t b0, uint64_t nblocks, unsigned long long *hits,
                                 double *sum, double *sum_sq)
{
    uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < nblocks;
         i += stride) {
        mc_block_acc acc;
        mc_block_eval(&c_kp, c_sobol, b0 + i, &acc);
        hits[i] = acc.hits;
        if (sum) {
            sum[i] = acc.sum;
            sum_sq[i] = acc.sum_sq;
        }
    }
}

#define CU_CHECK(call)                                                                   \
    do {                                                                                 \
        cudaError_t e_ = (call);                                                         \
        if (e_ != cudaSuccess) {                                                         \
            snprintf(err, errlen, "%s failed: %s (%s:%d)", #call, cudaGetErrorString(e_),   \
                     __FILE__, __LINE__);                                                \
            status = MC_ERR_CUDA;                                                        \
            goto cleanup;                                                                \
        }                                                                                \
    } while (0)

extern "C" int mc_cuda_compiled(void) { return 1; }

extern "C" int mc_cuda_device_count(void)
{
    static int cached = -1;
    if (cached < 0) {
        int n = 0;
        cached = cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
        cudaGetLastError(); /* clear the "no device" error */
    }
    return cached;
}

extern "C" void mc_cuda_device_describe(int dev, char *buf, size_t buflen)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        /* without a GPU the runtime reports a missing or old driver: say it plainly */
        snprintf(buf, buflen, "no usable CUDA GPU or driver on this machine (%s)",
                 cudaGetErrorString(e));
        cudaGetLastError();
        return;
    }
    if (n == 0) {
        snprintf(buf, buflen, "no CUDA GPU on this machine");
        return;
    }
    if (dev < 0 || dev >= n) {
        snprintf(buf, buflen, "device %d does not exist (%d found)", dev, n);
        return;
    }
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, dev) != cudaSuccess) {
        snprintf(buf, buflen, "cannot query device %d", dev);
        return;
    }
    snprintf(buf, buflen, "%s, %d SMs, compute capability %d.%d, %.1f GiB", p.name,
             p.multiProcessorCount, p.major, p.minor, (double)p.totalGlobalMem / (1 << 30));
}

/* blocks per launch: 2^18 RNG blocks = 268M samples; 24 bytes each of scratch */
#define MC_CUDA_CHUNK (1ull << 18)

extern "C" int mc_cuda_run(const mc_plan *pl, uint64_t b0, uint64_t b1, int device,
                           mc_accum *acc, char *err, size_t errlen)
{
    int status = MC_OK;
    unsigned long long *d_hits = NULL, *d_total = NULL;
    double *d_sum = NULL, *d_sum_sq = NULL;
    double *h_sum = NULL, *h_sum_sq = NULL;
    void *d_temp = NULL;
    size_t temp_bytes = 0;
    int min_grid = 0, block_size = 0;
    const int counts = pl->count_based;
    uint64_t chunk = b1 - b0 < MC_CUDA_CHUNK ? b1 - b0 : MC_CUDA_CHUNK;

    CU_CHECK(cudaSetDevice(device));
    CU_CHECK(cudaMemcpyToSymbol(c_kp, &pl->kp, sizeof(mc_kparams)));
    if (pl->kp.method == MC_K_QMC)
        CU_CHECK(cudaMemcpyToSymbol(c_sobol, pl->sobol, sizeof(pl->sobol)));
    CU_CHECK(cudaOccupancyMaxPotentialBlockSize(&min_grid, &block_size, mc_blocks_kernel, 0, 0));
    CU_CHECK(cudaMalloc(&d_hits, chunk * sizeof *d_hits));
    CU_CHECK(cudaMalloc(&d_total, sizeof *d_total));
    if (!counts) {
        CU_CHECK(cudaMalloc(&d_sum, chunk * sizeof *d_sum));
        CU_CHECK(cudaMalloc(&d_sum_sq, chunk * sizeof *d_sum_sq));
        h_sum = (double *)malloc(chunk * sizeof *h_sum);
        h_sum_sq = (double *)malloc(chunk * sizeof *h_sum_sq);
        if (!h_sum || !h_sum_sq) {
            snprintf(err, errlen, "out of host memory");
            status = MC_ERR_NOMEM;
            goto cleanup;
        }
    } else {
        CU_CHECK(cub::DeviceReduce::Sum(NULL, temp_bytes, d_hits, d_total, (int)chunk));
        CU_CHECK(cudaMalloc(&d_temp, temp_bytes));
    }

    for (uint64_t c0 = b0; c0 < b1; c0 += chunk) {
        uint64_t n = b1 - c0 < chunk ? b1 - c0 : chunk;
        uint64_t want = (n + (uint64_t)block_size - 1) / (uint64_t)block_size;
        int grid = (int)(want < (uint64_t)min_grid * 8 ? want : (uint64_t)min_grid * 8);
        if (grid < 1)
            grid = 1;
        mc_blocks_kernel<<<grid, block_size>>>(c0, n, d_hits, d_sum, d_sum_sq);
        CU_CHECK(cudaGetLastError());
        if (counts) {
            unsigned long long total = 0;
            CU_CHECK(cub::DeviceReduce::Sum(d_temp, temp_bytes, d_hits, d_total, (int)n));
            CU_CHECK(cudaMemcpy(&total, d_total, sizeof total, cudaMemcpyDeviceToHost));
            mc_accum_add_hits(acc, pl, c0, c0 + n, (uint64_t)total);
        } else {
            CU_CHECK(cudaMemcpy(h_sum, d_sum, n * sizeof *h_sum, cudaMemcpyDeviceToHost));
            CU_CHECK(cudaMemcpy(h_sum_sq, d_sum_sq, n * sizeof *h_sum_sq, cudaMemcpyDeviceToHost));
            for (uint64_t i = 0; i < n; i++) {
                mc_block_acc b;
                b.hits = 0;
                b.sum = h_sum[i];
                b.sum_sq = h_sum_sq[i];
                mc_accum_add(acc, pl, c0 + i, &b);
            }
        }
    }
    CU_CHECK(cudaDeviceSynchronize());

cleanup:
    cudaFree(d_hits);
    cudaFree(d_total);
    cudaFree(d_sum);
    cudaFree(d_sum_sq);
    cudaFree(d_temp);
    free(h_sum);
    free(h_sum_sq);
    return status;
}
