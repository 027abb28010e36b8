/* mc_cuda.cu — the CUDA backend: one thread per RNG block, the per-sample math of
 * mc/sample.h (generic) or mc/sample_fast.h (every estimator), results bit-identical to
 * the OpenMP backend.
 *
 * Fast path (mc_fast_kind: hit, cond, ball volume/surface, radial, tilt, qmc,
 * orientation-average hit/cond; hit, cond and the orientation average only when a·2^-31
 * is exact): kernels templated on the estimator and the dimension (hit d ∈ {2,3,4,5,8,16,
 * 32,64}, cond {3,4,8,16}, ball and radial {2,3,4,5,8,16,32,64}, orientation average
 * {2,3,4,5,8,16}, qmc {3,4,5,8,16}, tilt run-time d only — its rejection loop is
 * data-dependent anyway; any other d through the same code with d read at run time) run
 * the mc/sample_fast.h block evaluators: the Philox groups of block b are computed from
 * the counter (g, 0, lo b, hi b) with the round keys in constant memory (the stream of
 * curand_init(seed, b, 0) + curand4, checked against cuRAND by tests/gpu_philox.c), four
 * words at a time into registers: no curand state, no local memory (except the
 * orientation average and qmc at a run-time d, which keep a d-vector — the centre, the
 * shifted point — in a local array).
 * Count estimators (hit, ball, orientation hit): per-thread totals, a warp shuffle
 * reduction and one 64-bit atomicAdd per warp (integer: exact in any order). Sum
 * estimators (cond, radial, tilt, qmc, orientation cond): per-block sums come back and are
 * folded on the host in block order (what makes the sums bit-identical to the CPU); chunk
 * k+1 runs on the GPU while the host folds chunk k.
 *
 * Generic path (hit, cond and the orientation average when a·2^-31 is inexact):
 * each thread calls curand_init(seed, b, 0) on a curandStatePhilox4_32_10_t and draws with
 * curand4, then runs exactly the CPU's mc_block_eval. Count estimators: per-block counts
 * summed with cub::DeviceReduce::Sum; the others: per-block sums folded on the host in
 * block order.
 *
 * Everything is compiled with --fmad=false, like gcc's -ffp-contract=off on the CPU side.
 * The problem lives in constant memory. Every CUDA call and launch is checked; errors go
 * to the caller's buffer.
 */
#include <cub/device/device_reduce.cuh>
#include <cuda_runtime.h>
#include <curand_kernel.h>

#include <stdio.h>
#include <stdlib.h>

/* SO8T_HD is device-only here: the word source (curand_init / curand4) is device-only;
 * the Makefile compiles this file with -DSO8T_DEVICE_ONLY (base/config.h). */

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
#include "mc/sample_fast.h"

__constant__ mc_kparams c_kp;
__constant__ uint32_t c_sobol[MC_KMAX_DIM][32];
__constant__ mc_fast_consts c_fc;

/* Threads per CUDA block of the fast kernels. */
#define MC_FAST_THREADS 256

/* One RNG block of a count estimator (hit, ball, orientation-average hit). D > 0: the
 * dimension as a compile-time constant (unrolled, centre/words at constant indices);
 * D = 0: c_kp.dim at run time. */
template <int K, int D>
__device__ __forceinline__ uint32_t mc_fast_count_one(uint64_t b)
{
    const int d = D > 0 ? D : c_kp.dim;
    if constexpr (K == MC_FAST_HIT)
        return mc_fast_hit_block(&c_kp, &c_fc, d, b);
    else if constexpr (K == MC_FAST_BALL)
        return mc_fast_ball_block(&c_kp, &c_fc, d, b);
    else
        return mc_fast_orient_hit_block(&c_kp, &c_fc, d, b);
}

/* (sum, sum_sq) of one RNG block of a sum estimator (cond, radial, tilt, qmc,
 * orientation-average cond). */
template <int K, int D>
__device__ __forceinline__ double2 mc_fast_sum_one(uint64_t b)
{
    const int d = D > 0 ? D : c_kp.dim;
    double s, s2;
    if constexpr (K == MC_FAST_COND)
        mc_fast_cond_block(&c_kp, &c_fc, d, b, &s, &s2);
    else if constexpr (K == MC_FAST_RADIAL)
        mc_fast_radial_block(&c_kp, &c_fc, d, b, &s, &s2);
    else if constexpr (K == MC_FAST_TILT)
        mc_fast_tilt_block(&c_kp, &c_fc, d, b, &s, &s2);
    else if constexpr (K == MC_FAST_QMC)
        mc_fast_qmc_block(&c_kp, c_sobol, d, b, &s, &s2);
    else
        mc_fast_orient_cond_block(&c_kp, &c_fc, d, b, &s, &s2);
    return make_double2(s, s2);
}

/* Count estimators: adds the hits of RNG blocks [b0, b0 + nblocks) to *total. */
template <int K, int D>
__global__ void __launch_bounds__(MC_FAST_THREADS)
    mc_fast_count_kernel(uint64_t b0, uint64_t nblocks, unsigned long long *total)
{
    const uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
    unsigned long long h = 0;
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < nblocks; i += stride)
        h += mc_fast_count_one<K, D>(b0 + i);
    /* every lane reaches this point: reduce the warp, one atomic per warp */
    for (int off = 16; off > 0; off >>= 1)
        h += __shfl_down_sync(0xffffffffu, h, off);
    if ((threadIdx.x & 31u) == 0 && h)
        atomicAdd(total, h);
}

/* Sum estimators: (sum, sum_sq) of each RNG block of [b0, b0 + nblocks), in block order. */
template <int K, int D>
__global__ void __launch_bounds__(MC_FAST_THREADS)
    mc_fast_sum_kernel(uint64_t b0, uint64_t nblocks, double2 *out)
{
    const uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < nblocks;
         i += stride)
        out[i] = mc_fast_sum_one<K, D>(b0 + i);
}

typedef void (*mc_hit_kernel_fn)(uint64_t, uint64_t, unsigned long long *);
typedef void (*mc_cond_kernel_fn)(uint64_t, uint64_t, double2 *);

/* The dimensions each estimator is instantiated for (others: D = 0). hit and cond as
 * measured before; ball and radial stream their Gaussians (no vector kept), so large d
 * costs no registers; the orientation average keeps the random centre (d doubles) in
 * registers, so d <= 16; tilt is rejection sampling, a run-time loop whatever d. */
template <int K>
static mc_hit_kernel_fn mc_fast_count_pick_k(int d)
{
    switch (d) {
    case 2: return mc_fast_count_kernel<K, 2>;
    case 3: return mc_fast_count_kernel<K, 3>;
    case 4: return mc_fast_count_kernel<K, 4>;
    case 5: return mc_fast_count_kernel<K, 5>;
    case 8: return mc_fast_count_kernel<K, 8>;
    case 16: return mc_fast_count_kernel<K, 16>;
    /* the orientation average keeps d doubles: beyond 16, the run-time-d kernel */
    case 32: return mc_fast_count_kernel<K, K == MC_FAST_ORIENT_HIT ? 0 : 32>;
    case 64: return mc_fast_count_kernel<K, K == MC_FAST_ORIENT_HIT ? 0 : 64>;
    default: return mc_fast_count_kernel<K, 0>;
    }
}

static mc_hit_kernel_fn mc_fast_count_pick(int kind, int d)
{
    switch (kind) {
    case MC_FAST_HIT: return mc_fast_count_pick_k<MC_FAST_HIT>(d);
    case MC_FAST_BALL: return mc_fast_count_pick_k<MC_FAST_BALL>(d);
    default: return mc_fast_count_pick_k<MC_FAST_ORIENT_HIT>(d);
    }
}

static mc_cond_kernel_fn mc_fast_sum_pick(int kind, int d)
{
    switch (kind) {
    case MC_FAST_COND:
        switch (d) {
        case 3: return mc_fast_sum_kernel<MC_FAST_COND, 3>;
        case 4: return mc_fast_sum_kernel<MC_FAST_COND, 4>;
        case 8: return mc_fast_sum_kernel<MC_FAST_COND, 8>;
        case 16: return mc_fast_sum_kernel<MC_FAST_COND, 16>;
        default: return mc_fast_sum_kernel<MC_FAST_COND, 0>;
        }
    case MC_FAST_RADIAL:
        switch (d) {
        case 2: return mc_fast_sum_kernel<MC_FAST_RADIAL, 2>;
        case 3: return mc_fast_sum_kernel<MC_FAST_RADIAL, 3>;
        case 4: return mc_fast_sum_kernel<MC_FAST_RADIAL, 4>;
        case 5: return mc_fast_sum_kernel<MC_FAST_RADIAL, 5>;
        case 8: return mc_fast_sum_kernel<MC_FAST_RADIAL, 8>;
        case 16: return mc_fast_sum_kernel<MC_FAST_RADIAL, 16>;
        case 32: return mc_fast_sum_kernel<MC_FAST_RADIAL, 32>;
        case 64: return mc_fast_sum_kernel<MC_FAST_RADIAL, 64>;
        default: return mc_fast_sum_kernel<MC_FAST_RADIAL, 0>;
        }
    case MC_FAST_TILT:
        return mc_fast_sum_kernel<MC_FAST_TILT, 0>;
    case MC_FAST_QMC:
        switch (d) {
        case 3: return mc_fast_sum_kernel<MC_FAST_QMC, 3>;
        case 4: return mc_fast_sum_kernel<MC_FAST_QMC, 4>;
        case 5: return mc_fast_sum_kernel<MC_FAST_QMC, 5>;
        case 8: return mc_fast_sum_kernel<MC_FAST_QMC, 8>;
        case 16: return mc_fast_sum_kernel<MC_FAST_QMC, 16>;
        default: return mc_fast_sum_kernel<MC_FAST_QMC, 0>;
        }
    default:
        switch (d) {
        case 2: return mc_fast_sum_kernel<MC_FAST_ORIENT_COND, 2>;
        case 3: return mc_fast_sum_kernel<MC_FAST_ORIENT_COND, 3>;
        case 4: return mc_fast_sum_kernel<MC_FAST_ORIENT_COND, 4>;
        case 5: return mc_fast_sum_kernel<MC_FAST_ORIENT_COND, 5>;
        case 8: return mc_fast_sum_kernel<MC_FAST_ORIENT_COND, 8>;
        case 16: return mc_fast_sum_kernel<MC_FAST_ORIENT_COND, 16>;
        default: return mc_fast_sum_kernel<MC_FAST_ORIENT_COND, 0>;
        }
    }
}

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
/* fast hit: no per-block scratch, so big launches (2^22 blocks = 4.3e9 samples) */
#define MC_FAST_HIT_CHUNK (1ull << 22)
/* the other count estimators cost 3-10x more a sample: 2^20 blocks a launch */
#define MC_FAST_COUNT_CHUNK (1ull << 20)
/* fast cond: 2^17 blocks (16 bytes each) per launch, about one wave of an H100 */
#define MC_FAST_COND_CHUNK (1ull << 17)

/* Grid for `nblocks` RNG blocks (one per thread): at most what is resident at once, the
 * rest by the kernels' grid-stride loops. */
static int mc_fast_grid(const void *kernel, uint64_t nblocks, int sms)
{
    int per_sm = 0;
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, MC_FAST_THREADS, 0) !=
            cudaSuccess ||
        per_sm < 1)
        per_sm = 1;
    uint64_t want = (nblocks + MC_FAST_THREADS - 1) / MC_FAST_THREADS;
    uint64_t cap = (uint64_t)per_sm * (uint64_t)(sms > 0 ? sms : 1);
    return (int)(want < cap ? (want > 0 ? want : 1) : cap);
}

/* The fast path (caller got kind != MC_FAST_NONE from mc_fast_kind). */
static int mc_cuda_run_fast(const mc_plan *pl, int kind, const mc_fast_consts *fc, uint64_t b0,
                            uint64_t b1, mc_accum *acc, char *err, size_t errlen)
{
    int status = MC_OK;
    unsigned long long *d_total = NULL;
    double2 *d_out[2] = {NULL, NULL};
    double2 *h_out = NULL;
    cudaStream_t sk = NULL, sc = NULL;
    cudaEvent_t done[2] = {NULL, NULL};
    int sms = 0, dev = 0;
    const int d = pl->kp.dim;

    CU_CHECK(cudaGetDevice(&dev));
    CU_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
    CU_CHECK(cudaMemcpyToSymbol(c_fc, fc, sizeof *fc));

    if (kind == MC_FAST_HIT || kind == MC_FAST_BALL || kind == MC_FAST_ORIENT_HIT) {
        mc_hit_kernel_fn k = mc_fast_count_pick(kind, d);
        const uint64_t cmax = kind == MC_FAST_HIT ? MC_FAST_HIT_CHUNK : MC_FAST_COUNT_CHUNK;
        CU_CHECK(cudaMalloc(&d_total, sizeof *d_total));
        for (uint64_t c0 = b0; c0 < b1; c0 += cmax) {
            uint64_t n = b1 - c0 < cmax ? b1 - c0 : cmax;
            unsigned long long total = 0;
            CU_CHECK(cudaMemset(d_total, 0, sizeof *d_total));
            k<<<mc_fast_grid((const void *)k, n, sms), MC_FAST_THREADS>>>(c0, n, d_total);
            CU_CHECK(cudaGetLastError());
            CU_CHECK(cudaMemcpy(&total, d_total, sizeof total, cudaMemcpyDeviceToHost));
            mc_accum_add_hits(acc, pl, c0, c0 + n, (uint64_t)total);
        }
    } else {
        /* sum estimators: chunk j runs on stream sk while the host copies (stream sc) and
           folds chunk j − 1; two device buffers, the fold strictly in block order */
        mc_cond_kernel_fn k = mc_fast_sum_pick(kind, d);
        uint64_t chunk = b1 - b0 < MC_FAST_COND_CHUNK ? b1 - b0 : MC_FAST_COND_CHUNK;
        int grid = mc_fast_grid((const void *)k, chunk, sms);
        /* the constant-memory copies above went through the legacy stream; the
           non-blocking streams below do not wait for it */
        CU_CHECK(cudaStreamSynchronize(0));
        CU_CHECK(cudaStreamCreateWithFlags(&sk, cudaStreamNonBlocking));
        CU_CHECK(cudaStreamCreateWithFlags(&sc, cudaStreamNonBlocking));
        CU_CHECK(cudaEventCreateWithFlags(&done[0], cudaEventDisableTiming));
        CU_CHECK(cudaEventCreateWithFlags(&done[1], cudaEventDisableTiming));
        CU_CHECK(cudaMalloc(&d_out[0], chunk * sizeof(double2)));
        CU_CHECK(cudaMalloc(&d_out[1], chunk * sizeof(double2)));
        h_out = (double2 *)malloc(chunk * sizeof(double2));
        if (!h_out) {
            snprintf(err, errlen, "out of host memory");
            status = MC_ERR_NOMEM;
            goto cleanup;
        }
        uint64_t nchunks = (b1 - b0 + chunk - 1) / chunk;
        for (uint64_t j = 0; j <= nchunks; j++) {
            if (j < nchunks) {
                uint64_t c0 = b0 + j * chunk;
                uint64_t n = b1 - c0 < chunk ? b1 - c0 : chunk;
                k<<<grid, MC_FAST_THREADS, 0, sk>>>(c0, n, d_out[j & 1]);
                CU_CHECK(cudaGetLastError());
                CU_CHECK(cudaEventRecord(done[j & 1], sk));
            }
            if (j > 0) {
                uint64_t p0 = b0 + (j - 1) * chunk;
                uint64_t n = b1 - p0 < chunk ? b1 - p0 : chunk;
                CU_CHECK(cudaStreamWaitEvent(sc, done[(j - 1) & 1], 0));
                CU_CHECK(cudaMemcpyAsync(h_out, d_out[(j - 1) & 1], n * sizeof(double2),
                                         cudaMemcpyDeviceToHost, sc));
                CU_CHECK(cudaStreamSynchronize(sc));
                mc_accum_add_sums(acc, pl, p0, n, &h_out[0].x, &h_out[0].y, 2);
            }
        }
    }
    CU_CHECK(cudaDeviceSynchronize());

cleanup:
    if (sk)
        cudaStreamSynchronize(sk);
    cudaFree(d_total);
    cudaFree(d_out[0]);
    cudaFree(d_out[1]);
    free(h_out);
    if (done[0])
        cudaEventDestroy(done[0]);
    if (done[1])
        cudaEventDestroy(done[1]);
    if (sk)
        cudaStreamDestroy(sk);
    if (sc)
        cudaStreamDestroy(sc);
    return status;
}

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
    if (pl->kp.method == MC_METHOD_QMC)
        CU_CHECK(cudaMemcpyToSymbol(c_sobol, pl->sobol, sizeof(pl->sobol)));
    {
        mc_fast_consts fc;
        int kind = mc_fast_kind(&pl->kp, &fc);
        if (kind != MC_FAST_NONE && b1 > b0)
            return mc_cuda_run_fast(pl, kind, &fc, b0, b1, acc, err, errlen);
    }
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
            mc_accum_add_sums(acc, pl, c0, n, h_sum, h_sum_sq, 1);
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
