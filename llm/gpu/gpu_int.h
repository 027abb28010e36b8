/* gpu_int.h — inside llm/gpu/: the device copy of an offloaded model and the device
 * operations table (C, for gcc and nvcc alike).
 *
 * The backend is split in two. gpu_backend.c (plain C, both builds) holds everything that is
 * not a kernel: which tensors are uploaded and how big each buffer is, the layer sequence of
 * a batch (forward.c's exact branch, step for step) and the output. It drives the device
 * through an llm_gpu_ops table: the CUDA one (gpu.cu: memory and probe; gpu_matmul.cu,
 * gpu_ops.cu: the kernels), or — in tests only — a host emulation
 * (tests/support/gpu_emu.c, installed with llm_gpu_set_ops), so that the upload, the
 * sequence and forward.c's hook run in `make test` on machines without a GPU. */
#ifndef SO8T_LLM_GPU_INT_H
#define SO8T_LLM_GPU_INT_H

#include "llm/gpu/gpu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* a weight matrix on the device: ne1 rows of row_bytes (ne0 elements of `type`) */
typedef struct {
    int type;
    int64_t ne0, ne1;
    size_t row_bytes;
    const uint8_t *d;
} gpu_mat;

/* one offloaded layer: device pointers (NULL where the host's are) */
typedef struct {
    gpu_mat wq, wk, wv, wo, gate, up, down;
    float *attn_norm, *q_norm, *k_norm, *post_attn_norm, *ffn_norm, *post_ffw_norm;
    float *bq, *bk, *bv, *bo, *b_gate, *b_up, *b_down;
    float *rope_ff;   /* n_rot/2 frequency factors or NULL */
    float *kc, *vc;   /* kv_cap × n_head_kv × head_dim each (f32: the exact form) */
    int kv_cap, swa;
    float rope_base, rope_scale;
} gpu_layer;

/* RoPE of one layer, by value into the kernel */
typedef struct {
    int norm_pairs, n_rot, sec_sum, sec_e;
    float base, freq_scale, mscale;
    const float *ff;
} gpu_rope;

typedef struct llm_gpu_ops llm_gpu_ops;

struct llm_gpu {
    const llm_gpu_ops *ops;
    int dev, n_layers, out_on_gpu;
    gpu_layer *L;                       /* host array of n_layers */
    gpu_mat output;                     /* when out_on_gpu */
    float *output_norm, *output_b;
    /* work buffers, LLM_BATCH rows each: activations, q/k/v, attention output, FFN halves */
    float *x, *xb, *xb2, *q, *k, *v, *attn, *hb, *hb2, *act;
    float *att;                         /* LLM_BATCH × n_head × n_ctx attention weights */
    float *logits;                      /* n_vocab, when out_on_gpu */
    int att_stride;                     /* n_ctx */
    void **allocs;                      /* everything allocated, for llm_gpu_backend_free */
    int n_allocs, cap_allocs;
    uint64_t bytes;
};

/* The device operations. Each returns LLM_OK or a negative status with err naming the
 * failed call and `what` it was for; pointers are device pointers. The kernels run in
 * order (one stream); download waits for them. */
struct llm_gpu_ops {
    int (*probe)(int dev, llm_gpu_status *st);
    double (*bandwidth)(int dev);
    int (*set_device)(int dev, char *err, size_t errlen);
    int (*alloc)(void **p, size_t bytes, const char *what, char *err, size_t errlen);
    void (*release)(void *p);
    int (*upload)(void *dst, const void *src, size_t bytes, const char *what, char *err, size_t errlen);
    int (*download)(void *dst, const void *src, size_t bytes, const char *what, char *err, size_t errlen);
    int (*zero)(void *dst, size_t bytes, const char *what, char *err, size_t errlen);
    int (*sync)(const char *what, char *err, size_t errlen);
    /* 1 when the product kernel runs the type */
    int (*matmul_supports)(int type);
    /* Y[b·ne1 + r] = W[r,:] · X[b·ne0 ..] (+ bias[r]) for b < nb (<= LLM_BATCH): dequantized
     * with dequant_hd.h, summed in f32 (matmul_hd.h's lanes) */
    int (*matmul)(const gpu_mat *W, const float *X, float *Y, int nb, const float *bias, int il, const char *name,
                  char *err, size_t errlen);
    /* rows of n: o = RMSNorm(x)·w (add = 0) or o += RMSNorm(x)·w (add = 1) */
    int (*rmsnorm)(float *o, const float *x, const float *w, int rows, int n, float eps, int add, int il, char *err,
                   size_t errlen);
    /* o[i] += y[i], rows × n */
    int (*add)(float *o, const float *y, int rows, int n, int il, char *err, size_t errlen);
    /* per head row of D (nb tokens × nh heads at v): RMSNorm·w when w, RoPE at pos0 + token,
     * then × scale when prescale */
    int (*qk)(float *v, int nb, int nh, int D, const float *w, float eps, const gpu_rope *r, int pos0, int prescale,
              float scale, int il, char *err, size_t errlen);
    /* k / v rows of KD of nb tokens into the cache slots (pos0 + b) % kv_cap */
    int (*kv_store)(const gpu_layer *L, const float *k, const float *v, int nb, int KD, int pos0, int il, char *err,
                    size_t errlen);
    /* nb tokens × H heads over the layer's cache (causal, sliding window: llm_hd_attn_t0) */
    int (*attention)(const gpu_layer *L, const float *q, float *o, float *att, int att_stride, int nb, int H, int HK,
                     int D, int pos0, int n_swa, float kq_scale, int il, char *err, size_t errlen);
    /* act[i] = act(g[i]) · u[i] */
    int (*gate)(float *act, const float *g, const float *u, int64_t n, int silu, int il, char *err, size_t errlen);
    /* l[i] = c·tanh(l[i]/c) */
    int (*softcap)(float *l, int n, float c, char *err, size_t errlen);
};

/* The build's own table (gpu.cu: CUDA; gpu_nocuda.c: NULL, no device). */
const llm_gpu_ops *llm_gpu_builtin_ops(void);
/* Tests: drive the backend with `ops` (a host emulation) instead; NULL restores the build's
 * own. Not thread-safe: set it before loading models, from one thread. */
void llm_gpu_set_ops(const llm_gpu_ops *ops);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_LLM_GPU_INT_H */
