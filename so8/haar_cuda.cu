/* haar_cuda.cu — Haar SO(n) rotations on the GPU, one thread per rotation.
 *
 * Thread i computes rotation first + i from its own Philox subsequence
 * (curand_init(seed, first + i, 0) ≡ mc_philox_init) with so8_haar_from_state, the same
 * header code the CPU runs. Gaussians come from mc/normal.h-compatible polynomials (only
 * + − × / sqrt, no contraction: nvcc --fmad=false), so the matrices equal the CPU's bit for
 * bit. Output is copied back to host memory in chunks of at most 256 MiB.
 */
#include <cuda_runtime.h>

#include <stdio.h>
#include <string.h>

#include "so8/so8.h"

#define SO8_CUDA_CHUNK_BYTES ((size_t)256 << 20)

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

extern "C" int so8_haar_batch_cuda(int n, uint64_t seed, uint64_t first_index, uint64_t count,
                                   so8_precision prec, void *out, char *err, size_t err_len)
{
    int status = SO8_OK;
    void *dev = NULL;
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
    {
        uint64_t chunk = SO8_CUDA_CHUNK_BYTES / per;
        if (chunk > count)
            chunk = count;
        CUDA_TRY(cudaMalloc(&dev, (size_t)chunk * per));
        for (uint64_t done = 0; done < count; done += chunk) {
            uint64_t len = count - done < chunk ? count - done : chunk;
            const unsigned threads = 128;
            unsigned blocks = (unsigned)((len + threads - 1) / threads);
            if (prec == SO8_DOUBLE)
                so8_haar_kernel<double><<<blocks, threads>>>(n, seed, first_index + done, len,
                                                             (double *)dev);
            else
                so8_haar_kernel<float><<<blocks, threads>>>(n, seed, first_index + done, len,
                                                            (float *)dev);
            CUDA_TRY(cudaGetLastError());
            CUDA_TRY(cudaMemcpy((char *)out + (size_t)done * per, dev, (size_t)len * per,
                                cudaMemcpyDeviceToHost));
        }
    }
cleanup:
    if (dev)
        cudaFree(dev);
    return status;
}
