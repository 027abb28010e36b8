/* haar_cuda.cu — Haar SO(n) rotations on the GPU, one thread per rotation.
 *
 * Thread i computes rotation first + i from its own Philox subsequence
 * (curand_init(seed, first + i, 0) ≡ mc_philox_init). Gaussians come from mc/normal.h-
 * compatible polynomials (only + − × / sqrt, no contraction: nvcc --fmad=false), so the
 * matrices equal the CPU's bit for bit.
 *
 * Two kernels:
 *   - n ≤ SO8_FAST_MAX_N (so8_haar_fast_n): so8_haar_fixed (so8/haar_fast.h) with n a
 *     template constant, fully unrolled, so the matrix, the Householder vectors and the
 *     Gaussians stay in registers (no local memory; `-Xptxas -v` shows a 0-byte stack
 *     frame). Each block stages its matrices in shared memory (rows padded by one entry
 *     against bank conflicts) and writes them back as one contiguous, coalesced run.
 *   - other n: the generic so8_haar_from_state (run-time n, arrays in local memory).
 *
 * Copy to the host (the API writes into caller memory, which is normally pageable): small
 * requests are one kernel + cudaMemcpy. Larger ones are cut into chunks that go through a
 * pipeline of two CUDA streams, two device buffers and two pinned staging buffers: the GPU
 * generates chunk k+1 and DMAs it while the host copies chunk k from pinned memory into the
 * caller's buffer (OpenMP threads), so generation, PCIe transfer and the host copy overlap.
 */
#include <cuda_runtime.h>

#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "so8/haar_fast.h"
#include "base/threads.h"
#include "so8/so8.h"

/* Generic path: device buffer limit per launch. */
#define SO8_CUDA_CHUNK_BYTES ((size_t)256 << 20)
/* Pipelined path: bytes per chunk (small, because the two pinned buffers are allocated per
 * call, ~1 ms for 2 × 4 MiB, while a chunk's transfer takes ~0.1 ms), and the smallest
 * request that uses it (below it the pinned allocations cost more than they save). */
#define SO8_PIPE_CHUNK_BYTES ((size_t)4 << 20)
#define SO8_PIPE_MIN_BYTES ((size_t)8 << 20)
/* Threads per block of the register kernel: 64 × 65 doubles of staging = 33 KB shared. */
#define SO8_FAST_THREADS 64

/* One macro for every CUDA call: record the failure, jump to the single cleanup path. */
#define CUDA_TRY(call)                                                                     \
    do {                                                                                   \
        cudaError_t e_ = (call);                                                           \
        if (e_ != cudaSuccess) {                                                           \
            if (err && err_len > 0)                                                        \
                snprintf(err, err_len, "%s failed: %s (%s:%d)", #call, cudaGetErrorString(e_), \
                         __FILE__, __LINE__);                                              \
            status = e_ == cudaErrorMemoryAllocation ? SO8_ERR_NOMEM : SO8_ERR_CUDA;       \
            goto cleanup;                                                                  \
        }                                                                                  \
    } while (0)

template <typename T>
__global__ void so8_haar_kernel(int n, uint64_t seed, uint64_t first, uint64_t count, T *out)
{
    uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count)
        return;
    mc_philox_state st;
    double R[SO8_MAX_NN];
    double work[SO8_HAAR_WORK(SO8_MAX_N)];
    mc_philox_init(seed, first + i, 0, &st);
    so8_haar_from_state(n, &st, R, work);
    const int nn = n * n;
    T *o = out + i * (uint64_t)nn;
    for (int k = 0; k < nn; k++)
        o[k] = (T)R[k];
}

/* Register-resident kernel for a compile-time N (blockDim.x == SO8_FAST_THREADS). */
template <int N, typename T>
__global__ void __launch_bounds__(SO8_FAST_THREADS)
    so8_haar_fast_kernel(uint64_t seed, uint64_t first, uint64_t count, T *out)
{
    constexpr int NN = N * N;
    constexpr int PITCH = NN + 1; /* odd pitch: thread t's entry k lands in bank (t + k) */
    __shared__ T stage[SO8_FAST_THREADS * PITCH];
    const uint64_t base = (uint64_t)blockIdx.x * SO8_FAST_THREADS;
    const uint64_t i = base + threadIdx.x;
    if (i < count) {
        double R[NN];
        so8_haar_fixed(N, seed, first + i, R, 1);
#pragma unroll
        for (int k = 0; k < NN; k++)
            stage[threadIdx.x * PITCH + k] = (T)R[k];
    }
    __syncthreads();
    const uint64_t left = count - base;
    const unsigned mats = left < SO8_FAST_THREADS ? (unsigned)left : SO8_FAST_THREADS;
    const unsigned total = mats * NN;
    T *dst = out + base * NN;
    for (unsigned e = threadIdx.x; e < total; e += SO8_FAST_THREADS)
        dst[e] = stage[(e / NN) * PITCH + e % NN];
}

/* Launches rotations [first, first + len) of SO(n) into dev on stream s. */
template <typename T>
static cudaError_t launch_t(int n, uint64_t seed, uint64_t first, uint64_t len, T *dev,
                            cudaStream_t s)
{
    if (len == 0)
        return cudaSuccess;
    const unsigned fb = (unsigned)((len + SO8_FAST_THREADS - 1) / SO8_FAST_THREADS);
    switch (n) {
#define SO8_FAST_CASE(N)                                                                   \
    case N:                                                                                \
        so8_haar_fast_kernel<N, T><<<fb, SO8_FAST_THREADS, 0, s>>>(seed, first, len, dev); \
        break;
        SO8_FAST_CASE(1)
        SO8_FAST_CASE(2)
        SO8_FAST_CASE(3)
        SO8_FAST_CASE(4)
        SO8_FAST_CASE(5)
        SO8_FAST_CASE(6)
        SO8_FAST_CASE(7)
        SO8_FAST_CASE(8)
#undef SO8_FAST_CASE
    default: {
        const unsigned threads = 128;
        const unsigned blocks = (unsigned)((len + threads - 1) / threads);
        so8_haar_kernel<T><<<blocks, threads, 0, s>>>(n, seed, first, len, dev);
    }
    }
    return cudaGetLastError();
}

static cudaError_t launch(int n, uint64_t seed, uint64_t first, uint64_t len,
                          so8_precision prec, void *dev, cudaStream_t s)
{
    return prec == SO8_DOUBLE ? launch_t<double>(n, seed, first, len, (double *)dev, s)
                              : launch_t<float>(n, seed, first, len, (float *)dev, s);
}

/* Largest chunk (in rotations) a grid can cover: the grid's x dimension is < 2^31. */
static uint64_t grid_limit(void)
{
    return (uint64_t)0x7fffffff * SO8_FAST_THREADS;
}

extern "C" int so8_cuda_compiled(void)
{
    return 1;
}

extern "C" int so8_cuda_device_count(void)
{
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        (void)cudaGetLastError(); /* clear the sticky-free error state */
        return 0;
    }
    return count;
}

/* The caller's buffer ← pinned staging, on all host threads (one thread cannot keep up
 * with the PCIe transfer). */
static void host_copy(char *dst, const char *src, size_t bytes)
{
    const size_t piece = (size_t)256 << 10;
    const long long pieces = (long long)((bytes + piece - 1) / piece);
    const int nt = so8t_threads_default(); /* OMP_NUM_THREADS capped, as everywhere */
#pragma omp parallel for schedule(static) if (pieces > 1) num_threads(nt)
    for (long long p = 0; p < pieces; p++) {
        size_t off = (size_t)p * piece;
        size_t len = bytes - off < piece ? bytes - off : piece;
        memcpy(dst + off, src + off, len);
    }
}

extern "C" int so8_haar_batch_cuda(int n, uint64_t seed, uint64_t first_index, uint64_t count,
                                   so8_precision prec, void *out, char *err, size_t err_len)
{
    int status = SO8_OK;
    void *dev[2] = {NULL, NULL};
    void *pin[2] = {NULL, NULL};
    cudaStream_t stream[2] = {NULL, NULL};
    cudaEvent_t done_ev[2] = {NULL, NULL};
    size_t esz = so8_precision_size(prec);
    if (err && err_len > 0)
        err[0] = '\0';
    if (n < 1 || n > SO8_MAX_N || esz == 0)
        return SO8_ERR_INVAL;
    if (count == 0)
        return SO8_OK;
    const size_t per = (size_t)n * (size_t)n * esz;
    if (!out || count > SIZE_MAX / per)
        return SO8_ERR_INVAL;
    if (so8_cuda_device_count() == 0) {
        if (err && err_len > 0)
            snprintf(err, err_len, "no CUDA device found");
        return SO8_ERR_NODEVICE;
    }
    if (count * per < SO8_PIPE_MIN_BYTES) {
        /* small: one launch, one copy */
        CUDA_TRY(cudaMalloc(&dev[0], (size_t)count * per));
        CUDA_TRY(launch(n, seed, first_index, count, prec, dev[0], 0));
        CUDA_TRY(cudaMemcpy(out, dev[0], (size_t)count * per, cudaMemcpyDeviceToHost));
    } else if (!so8_haar_fast_n(n)) {
        /* generic kernel (local memory bound): launch, then copy, in large chunks */
        uint64_t chunk = SO8_CUDA_CHUNK_BYTES / per;
        if (chunk > count)
            chunk = count;
        CUDA_TRY(cudaMalloc(&dev[0], (size_t)chunk * per));
        for (uint64_t done = 0; done < count; done += chunk) {
            uint64_t len = count - done < chunk ? count - done : chunk;
            CUDA_TRY(launch(n, seed, first_index + done, len, prec, dev[0], 0));
            CUDA_TRY(cudaMemcpy((char *)out + (size_t)done * per, dev[0], (size_t)len * per,
                                cudaMemcpyDeviceToHost));
        }
    } else {
        /* pipeline: chunk c on stream c%2 (kernel, then DMA into pinned[c%2]); the host
         * drains chunk c−1 while chunk c runs */
        uint64_t chunk = SO8_PIPE_CHUNK_BYTES / per;
        if (chunk > count)
            chunk = count;
        if (chunk > grid_limit())
            chunk = grid_limit();
        const uint64_t nchunks = (count + chunk - 1) / chunk;
        const size_t cbytes = (size_t)chunk * per;
        for (int b = 0; b < 2 && (uint64_t)b < nchunks; b++) {
            CUDA_TRY(cudaMalloc(&dev[b], cbytes));
            CUDA_TRY(cudaHostAlloc(&pin[b], cbytes, cudaHostAllocDefault));
            CUDA_TRY(cudaStreamCreateWithFlags(&stream[b], cudaStreamNonBlocking));
            CUDA_TRY(cudaEventCreateWithFlags(&done_ev[b], cudaEventDisableTiming));
        }
        for (uint64_t c = 0; c <= nchunks; c++) {
            if (c < nchunks) {
                const int b = (int)(c & 1);
                const uint64_t off = c * chunk;
                const uint64_t len = count - off < chunk ? count - off : chunk;
                CUDA_TRY(launch(n, seed, first_index + off, len, prec, dev[b], stream[b]));
                CUDA_TRY(cudaMemcpyAsync(pin[b], dev[b], (size_t)len * per,
                                         cudaMemcpyDeviceToHost, stream[b]));
                CUDA_TRY(cudaEventRecord(done_ev[b], stream[b]));
            }
            if (c >= 1) { /* drain chunk c − 1 */
                const int b = (int)((c - 1) & 1);
                const uint64_t off = (c - 1) * chunk;
                const uint64_t len = count - off < chunk ? count - off : chunk;
                CUDA_TRY(cudaEventSynchronize(done_ev[b]));
                host_copy((char *)out + (size_t)off * per, (const char *)pin[b],
                          (size_t)len * per);
            }
        }
    }
cleanup:
    for (int b = 0; b < 2; b++) {
        if (stream[b])
            cudaStreamSynchronize(stream[b]); /* nothing may still write into the buffers */
        if (done_ev[b])
            cudaEventDestroy(done_ev[b]);
        if (stream[b])
            cudaStreamDestroy(stream[b]);
        if (pin[b])
            cudaFreeHost(pin[b]);
        if (dev[b])
            cudaFree(dev[b]);
    }
    return status;
}

extern "C" int so8_haar_cuda_time(int n, uint64_t seed, uint64_t first_index, uint64_t count,
                                  so8_precision prec, int reps, double *gen_seconds,
                                  double *copy_seconds, char *err, size_t err_len)
{
    int status = SO8_OK;
    void *dev = NULL, *pin = NULL;
    cudaEvent_t ev[2] = {NULL, NULL};
    size_t esz = so8_precision_size(prec);
    float best = -1.0f, ms = 0.0f;
    if (err && err_len > 0)
        err[0] = '\0';
    if (gen_seconds)
        *gen_seconds = 0.0;
    if (copy_seconds)
        *copy_seconds = 0.0;
    if (n < 1 || n > SO8_MAX_N || esz == 0 || reps < 1 || count == 0 || !gen_seconds)
        return SO8_ERR_INVAL;
    const size_t per = (size_t)n * (size_t)n * esz;
    if (count > SIZE_MAX / per || count > grid_limit())
        return SO8_ERR_INVAL;
    if (so8_cuda_device_count() == 0) {
        if (err && err_len > 0)
            snprintf(err, err_len, "no CUDA device found");
        return SO8_ERR_NODEVICE;
    }
    CUDA_TRY(cudaMalloc(&dev, (size_t)count * per));
    CUDA_TRY(cudaEventCreate(&ev[0]));
    CUDA_TRY(cudaEventCreate(&ev[1]));
    CUDA_TRY(launch(n, seed, first_index, count, prec, dev, 0)); /* warm-up */
    CUDA_TRY(cudaDeviceSynchronize());
    for (int r = 0; r < reps; r++) {
        CUDA_TRY(cudaEventRecord(ev[0], 0));
        CUDA_TRY(launch(n, seed, first_index, count, prec, dev, 0));
        CUDA_TRY(cudaEventRecord(ev[1], 0));
        CUDA_TRY(cudaEventSynchronize(ev[1]));
        CUDA_TRY(cudaEventElapsedTime(&ms, ev[0], ev[1]));
        if (best < 0 || ms < best)
            best = ms;
    }
    *gen_seconds = 1e-3 * (double)best;
    if (copy_seconds) {
        CUDA_TRY(cudaHostAlloc(&pin, (size_t)count * per, cudaHostAllocDefault));
        CUDA_TRY(cudaMemcpy(pin, dev, (size_t)count * per, cudaMemcpyDeviceToHost)); /* warm */
        CUDA_TRY(cudaEventRecord(ev[0], 0));
        CUDA_TRY(cudaMemcpyAsync(pin, dev, (size_t)count * per, cudaMemcpyDeviceToHost, 0));
        CUDA_TRY(cudaEventRecord(ev[1], 0));
        CUDA_TRY(cudaEventSynchronize(ev[1]));
        CUDA_TRY(cudaEventElapsedTime(&ms, ev[0], ev[1]));
        *copy_seconds = 1e-3 * (double)ms;
    }
cleanup:
    if (ev[0])
        cudaEventDestroy(ev[0]);
    if (ev[1])
        cudaEventDestroy(ev[1]);
    if (pin)
        cudaFreeHost(pin);
    if (dev)
        cudaFree(dev);
    return status;
}
