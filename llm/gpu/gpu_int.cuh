/* gpu_int.cuh — what the CUDA files of llm/gpu/ share (C++, nvcc only): the error helpers
 * that name the failing CUDA call and the kernel launchers, which the CUDA device table
 * (gpu.cu, gpu_int.h's llm_gpu_ops) points at. One job per file:
 *   gpu.cu          probe, bandwidth, memory, copies: the table itself
 *   gpu_matmul.cu   the quantized matrix–vector / matrix–matrix product (one kernel
 *                   templated on the type, dequant_hd.h inside, f32 accumulation)
 *   gpu_ops.cu      RMSNorm, QK-norm + RoPE, KV store, attention, gates, residuals, softcap
 * (the upload and the layer sequence above them: gpu_backend.c, plain C). Every launcher
 * returns LLM_OK or a negative status with err naming the call. */
#ifndef SO8T_LLM_GPU_INT_CUH
#define SO8T_LLM_GPU_INT_CUH

#include "llm/gpu/gpu_int.h"

#include <cuda_runtime.h>
#include <stdarg.h>
#include <stdint.h>

/* err = "<what>: <CUDA's message>"; LLM_ERR_NOMEM for an allocation failure, else
 * LLM_ERR_IO (a device error is an I/O failure of the runner, not a bad input). */
static inline int gpu_err(cudaError_t e, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int gpu_err(cudaError_t e, char *err, size_t errlen, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    llm_set_err(err, errlen, "%s: %s", what, cudaGetErrorString(e));
    return e == cudaErrorMemoryAllocation ? LLM_ERR_NOMEM : LLM_ERR_IO;
}

/* a CUDA call in a function with err/errlen: on failure, returns the status naming it */
#define GPU_CK(call, ...)                                                                       \
    do {                                                                                        \
        cudaError_t gpu_e_ = (call);                                                            \
        if (gpu_e_ != cudaSuccess)                                                              \
            return gpu_err(gpu_e_, err, errlen, __VA_ARGS__);                                   \
    } while (0)

/* after a kernel launch: the launch error, named by the kernel and layer */
#define GPU_LAUNCHED(kernel, il) GPU_CK(cudaGetLastError(), "kernel %s (layer %d)", kernel, il)

/* ---- gpu_matmul.cu ---- */
/* Y[b·ne1 + r] = W[r,:] · X[b·ne0 ..] (+ bias[r]) for b < nb (<= LLM_BATCH); dequantized
 * with dequant_hd.h, summed in f32. il / name: for the error message. */
int gpu_matmul(const gpu_mat *W, const float *X, float *Y, int nb, const float *bias, int il,
               const char *name, char *err, size_t errlen);
/* 1 when the kernel has an instantiation for the type */
int gpu_matmul_supports(int type);

/* ---- gpu_ops.cu ---- */
/* rows of n: o = RMSNorm(x)·w (add = 0) or o += RMSNorm(x)·w (add = 1) */
int gpu_rmsnorm(float *o, const float *x, const float *w, int rows, int n, float eps, int add, int il,
                char *err, size_t errlen);
/* o[i] += y[i], rows × n */
int gpu_add(float *o, const float *y, int rows, int n, int il, char *err, size_t errlen);
/* per head row of D (nb tokens × nh heads at v): RMSNorm·w when w, RoPE at pos0 + token,
 * then × scale when prescale */
int gpu_qk(float *v, int nb, int nh, int D, const float *w, float eps, const gpu_rope *r, int pos0,
           int prescale, float scale, int il, char *err, size_t errlen);
/* k / v rows of KD of nb tokens into the cache slots (pos0 + b) % kv_cap */
int gpu_kv_store(const gpu_layer *L, const float *k, const float *v, int nb, int KD, int pos0, int il,
                 char *err, size_t errlen);
/* attention of nb tokens × H heads over the layer's cache (causal, sliding window) */
int gpu_attention(const gpu_layer *L, const float *q, float *o, float *att, int att_stride, int nb, int H,
                  int HK, int D, int pos0, int n_swa, float kq_scale, int il, char *err, size_t errlen);
/* act[i] = act(g[i]) · u[i], n elements */
int gpu_gate(float *act, const float *g, const float *u, int64_t n, int silu, int il, char *err,
             size_t errlen);
/* l[i] = c·tanh(l[i]/c) */
int gpu_softcap(float *l, int n, float c, char *err, size_t errlen);

#endif /* SO8T_LLM_GPU_INT_CUH */
