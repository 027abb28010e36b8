/* gpu.cu — the CUDA device table (gpu_int.h's llm_gpu_ops) that gpu_backend.c drives: the
 * device probe and bandwidth, memory, copies, and the kernels of gpu_matmul.cu and
 * gpu_ops.cu. Every CUDA call is checked; a failure names the call and what it was for
 * ("cudaMalloc (layer 3 K cache, 12.0 MiB): out of memory"). Kernels run in order on the
 * legacy default stream; the copies back synchronize with them. */
#include "llm/gpu/gpu_int.cuh"

#include <stdio.h>

static int cu_probe(int main_gpu, llm_gpu_status *st)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        snprintf(st->note, sizeof st->note, "no CUDA device (cudaGetDeviceCount: %s)",
                 e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
        return LLM_ERR_UNSUPPORTED;
    }
    if (main_gpu >= n) {
        snprintf(st->note, sizeof st->note, "main_gpu %d: there are %d CUDA device(s)", main_gpu, n);
        return LLM_ERR_UNSUPPORTED;
    }
    cudaDeviceProp p;
    size_t fr = 0, tot = 0;
    const char *call = "cudaGetDeviceProperties";
    if ((e = cudaGetDeviceProperties(&p, main_gpu)) != cudaSuccess ||
        (call = "cudaSetDevice", e = cudaSetDevice(main_gpu)) != cudaSuccess ||
        (call = "cudaMemGetInfo", e = cudaMemGetInfo(&fr, &tot)) != cudaSuccess) {
        snprintf(st->note, sizeof st->note, "CUDA device %d: %s: %s", main_gpu, call, cudaGetErrorString(e));
        return LLM_ERR_UNSUPPORTED;
    }
    snprintf(st->device_name, sizeof st->device_name, "%.95s", p.name);
    st->device = main_gpu;
    st->device_free = fr;
    st->device_total = tot;
    return LLM_OK;
}

/* 2 (double data rate) × memory clock × bus width */
static double cu_bandwidth(int main_gpu)
{
    int khz = 0, bits = 0;
    if (cudaDeviceGetAttribute(&khz, cudaDevAttrMemoryClockRate, main_gpu) != cudaSuccess ||
        cudaDeviceGetAttribute(&bits, cudaDevAttrGlobalMemoryBusWidth, main_gpu) != cudaSuccess)
        return 0;
    return 2.0 * (double)khz * 1e3 * (double)bits / 8.0;
}

static int cu_set_device(int dev, char *err, size_t errlen)
{
    GPU_CK(cudaSetDevice(dev), "cudaSetDevice (%d)", dev);
    return LLM_OK;
}

static int cu_alloc(void **p, size_t bytes, const char *what, char *err, size_t errlen)
{
    *p = NULL;
    GPU_CK(cudaMalloc(p, bytes), "cudaMalloc (%s, %.1f MiB)", what, (double)bytes / 1048576.0);
    return LLM_OK;
}

/* nothing to act on if it fails: the memory goes with the context */
static void cu_release(void *p) { cudaFree(p); }

static int cu_upload(void *dst, const void *src, size_t bytes, const char *what, char *err, size_t errlen)
{
    GPU_CK(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy (%s, %.1f MiB to the device)", what,
           (double)bytes / 1048576.0);
    return LLM_OK;
}

/* also where an earlier kernel's failure surfaces (the copy waits for it) */
static int cu_download(void *dst, const void *src, size_t bytes, const char *what, char *err, size_t errlen)
{
    GPU_CK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy (%s to the host)", what);
    return LLM_OK;
}

static int cu_zero(void *dst, size_t bytes, const char *what, char *err, size_t errlen)
{
    GPU_CK(cudaMemset(dst, 0, bytes), "cudaMemset (%s)", what);
    return LLM_OK;
}

static int cu_sync(const char *what, char *err, size_t errlen)
{
    GPU_CK(cudaDeviceSynchronize(), "cudaDeviceSynchronize (%s)", what);
    return LLM_OK;
}

static const llm_gpu_ops k_cuda_ops = {
    cu_probe,    cu_bandwidth, cu_set_device, cu_alloc,  cu_release,     cu_upload, cu_download,
    cu_zero,     cu_sync,      gpu_matmul_supports,      gpu_matmul,     gpu_rmsnorm, gpu_add,
    gpu_qk,      gpu_kv_store, gpu_attention, gpu_gate,  gpu_softcap,
};

extern "C" const llm_gpu_ops *llm_gpu_builtin_ops(void) { return &k_cuda_ops; }
