/* ops.h — element-wise and per-head operations of the forward pass (internal to llm/model/).
 * Each has an exact form and a form that reproduces llama.cpp's x86 CPU backend (ops.c). */
#ifndef SO8T_LLM_MODEL_OPS_H
#define SO8T_LLM_MODEL_OPS_H

#include "llm/internal.h"

/* ggml rms_norm: o = x / sqrt(mean(x²) + eps) · w (sum of squares in double). o may be x. */
void llm_rmsnorm(float *o, const float *x, const float *w, int n, float eps);
/* The same for `rows` consecutive rows of n (same bits, several rows' sums side by side). */
void llm_rmsnorm_rows(float *o, const float *x, const float *w, int n, float eps, int rows);

/* GELU(tanh): exact, and llama.cpp's GeGLU (fp16 table; llm_gelu_table_init first). */
float llm_gelu_f32(float x);
void llm_gelu_table_init(void); /* once, single-threaded (the loader calls it) */
float llm_geglu_ggml(float x, float g);
/* o[i] = llm_geglu_ggml(g[i], u[i]) for n elements (F16C where the ISA allows; same bits) */
void llm_geglu_ggml_n(float *o, const float *g, const float *u, size_t n);
/* v[i] = llm_round_fp16(v[i]) for n elements (F16C where the ISA allows; same bits) */
void llm_round_fp16_n(float *v, size_t n);
/* SiLU: exact, and ggml_v_silu (x / (1 + ggml_v_expf(-x))). */
float llm_silu_f32(float x);
float llm_silu_ggml(float x);
/* ggml_v_expf, one lane. */
float llm_expf_ggml(float x);

/* RoPE of one head vector. */
typedef struct {
    int mode;         /* LLM_ROPE_* */
    int n_rot;        /* rotated dims (even) */
    float base;       /* rope.freq_base */
    float freq_scale; /* 1/factor of linear scaling, else 1 */
    float mscale;     /* rope.scaling.attn_factor, else 1 */
    const float *ff;  /* n_rot/2 frequency factors or NULL */
    const int *sec;   /* 4 M-RoPE sections (mode MROPE) */
} llm_rope;
void llm_rope_apply(float *v, const llm_rope *r, int pos, int exact);
/* The llama.cpp-order rotation (exact = 0) in two steps, for the heads of one token:
 * llm_rope_cs fills cs[2 * (n_rot / 2)] (cos, sin per pair) for a position, apply_cs rotates
 * one head with it; the same bits as llm_rope_apply. n_rot / 2 <= LLM_ROPE_CS_MAX. */
#define LLM_ROPE_CS_MAX 2048 /* n_rot <= key_length <= 4096 (hparams.c) */
void llm_rope_cs(const llm_rope *r, int pos, float *cs);
void llm_rope_apply_cs(float *v, const llm_rope *r, const float *cs);

/* One head of attention in llama.cpp's order over cache cells [t0, t0 + nt) of layer L
 * (kv head kh): kq = f16 dots · kq_scale, softmax with ggml_v_expf, weights rounded to f16,
 * output dims as f16 dots over the cells. lanes: 8 (tinyBLAS, batches) or 32 (one token).
 * att: nt floats of scratch; o: D outputs. */
void llm_attn_head_ggml(const llm_layer *L, const float *qh, float *att, float *o, int t0, int nt,
                        int KD, int kh, int D, int lanes, float kq_scale);
/* The same on a given ISA path (LLM_ISA_*, no higher than llm_quant_isa_best()): every path
 * gives the scalar one's bits (tests compare them). */
void llm_attn_head_ggml_isa(int isa, const llm_layer *L, const float *qh, float *att, float *o, int t0,
                            int nt, int KD, int kh, int D, int lanes, float kq_scale);
/* The g (<= LLM_ATTN_GROUP_MAX) query heads kh·grp + [0, g) that share kv head kh, as g
 * calls of llm_attn_head_ggml: q and o hold the g heads D apart, att g·nt floats of
 * scratch. Same bits as one head at a time; faster where the kernel shares the K/V reads
 * (AVX-512, lanes 8). */
#define LLM_ATTN_GROUP_MAX 4
void llm_attn_group_ggml_isa(int isa, const llm_layer *L, const float *q, float *att, float *o, int t0, int nt,
                             int KD, int kh, int D, int g, int lanes, float kq_scale);
void llm_attn_group_ggml(const llm_layer *L, const float *q, float *att, float *o, int t0, int nt, int KD, int kh,
                         int D, int g, int lanes, float kq_scale);
#if defined(__x86_64__) && defined(__GNUC__)
void llm_attn_group_ggml_avx512(const llm_layer *L, const float *q, float *att, float *o, int t0, int nt, int KD,
                                int kh, int D, int g, float kq_scale);
void llm_round_fp16_n_avx2(float *v, size_t n);
void llm_rope_apply_cs_avx2(float *v, const llm_rope *r, const float *cs);
void llm_geglu_ggml_n_avx2(float *o, const float *g, const float *u, size_t n, const uint16_t *table);
void llm_attn_head_ggml_avx2(const llm_layer *L, const float *qh, float *att, float *o, int t0, int nt,
                             int KD, int kh, int D, int lanes, float kq_scale);
#endif

#endif /* SO8T_LLM_MODEL_OPS_H */
