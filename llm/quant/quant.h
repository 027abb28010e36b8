/* quant.h — tensor kernels (internal to llm/): dequantization, activation quantization,
 * dot products and OpenMP matrix-vector products for F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K,
 * Q6_K. Block layouts follow ggml-common.h (see /work/shared/notes/gguf.md §2).
 */
#ifndef SO8T_LLM_QUANT_H
#define SO8T_LLM_QUANT_H

#include <stddef.h>
#include <stdint.h>

float llm_fp16_to_fp32(uint16_t h);
uint16_t llm_fp32_to_fp16(float f); /* round to nearest even */
float llm_bf16_to_fp32(uint16_t h);
uint16_t llm_fp32_to_bf16(float f);
/* Round a float to the nearest fp16 value (as float). */
static inline float llm_round_fp16(float f) { return llm_fp16_to_fp32(llm_fp32_to_fp16(f)); }

/* Bytes of a row of n elements of `type` (n a multiple of the block size). */
size_t llm_row_bytes(int type, int64_t n);
/* Dequantize n elements (a multiple of the block size). Returns 0, or LLM_ERR_UNSUPPORTED. */
int llm_dequant_row(int type, const void *src, float *dst, int64_t n);

/* First non-finite (NaN or inf) scale of n elements of `type` at src: the block's element
 * index for the block formats (Q8_0, Q4_0, Q5_0: d; Q4_K: d, dmin; Q6_K: d), the element
 * for F32/F16/BF16; -1 when every one is finite. A corrupt scale turns its whole block into
 * NaN, and the forward pass spreads it to every logit. Reads only the scales (fp16 bit tests),
 * so it costs a pass over the memory, not a dequantization. */
int64_t llm_quant_find_nonfinite(int type, const void *src, int64_t n);

/* The activation format a weight type is dotted against in the llama.cpp-compatible path:
 * LLM_TYPE_Q8_0 for Q4_0/Q5_0/Q8_0, LLM_TYPE_Q8_K for Q4_K/Q6_K, LLM_TYPE_F32 otherwise. */
int llm_vec_dot_partner(int type);
/* Quantize n floats into the partner format (Q8_0 or Q8_K; F32 copies). */
void llm_quantize_row(int partner, const float *x, void *dst, int64_t n);
/* Activation quantization as llama.cpp's x86 CPU backend does it (Q8_0: multiplier 127/amax,
 * round half to even; Q8_K: as llm_quantize_row). The llama.cpp-compatible matvec uses it. */
void llm_quantize_act(int partner, const float *x, void *dst, int64_t n);
/* Reference quantizers for the weight types (tests build model files with them). */
int llm_quantize_weights(int type, const float *x, void *dst, int64_t n);
/* Dot of one weight row with activations already in the partner format. */
float llm_vec_dot(int type, const void *w, const void *xq, int64_t n);

/* Q4_K / Q6_K dot order: 1 (default) = what llama.cpp computes on x86 for the default model
 * (repacked gemv/gemm: one float accumulator per row, exact integer block sums; llm_matmat
 * uses the Q4_K gemm order for the rows of a batch in groups of 4), 0 = ggml's
 * ggml_vec_dot_q{4,6}_K_q8_K (8 float lanes). Process-wide. */
void llm_quant_set_kquant_repack(int on);
/* Tests: on = 1 makes the dot products use the portable scalar code even on AVX2 machines.
 * Returns 1 when an AVX2 path exists to switch between (so both can be compared). */
int llm_quant_force_scalar(int on);

/* A weight matrix: ne1 rows of ne0 elements, row-major in its own type. */
typedef struct {
    const char *name;
    int type;
    int64_t ne0, ne1;
    size_t row_bytes;
    const uint8_t *data;
} llm_mat;

/* Scratch bytes llm_matvec needs for a row length ne0. */
size_t llm_matvec_scratch_bytes(int64_t ne0);
/* y[r] = W[r,:] · x for r in [0, ne1). exact = 1: dequantize each row and dot in float
 * (no activation quantization); exact = 0: the llama.cpp-like path. OpenMP over rows. */
void llm_matvec(const llm_mat *W, const float *x, float *y, int exact, void *scratch);
/* Batched: Y[b * ne1 + r] = W[r,:] · X[b * ne0 ..] for nb vectors; bit-identical to nb
 * llm_matvec calls, but reads the weights once. Scratch: llm_matmat_scratch_bytes. */
size_t llm_matmat_scratch_bytes(int64_t ne0, int nb);
void llm_matmat(const llm_mat *W, const float *X, float *Y, int nb, int exact, void *scratch);
/* Same, for vectors first .. first + nb - 1 of an evaluation of n_total tokens (llama.cpp's
 * kernel choice, hence the float order, depends on the whole batch; see quant.c). */
void llm_matmat_part(const llm_mat *W, const float *X, float *Y, int nb, int n_total, int first,
                     int exact, void *scratch);
/* Same as llm_matvec, for rows [r0, r1) only, writing y[r - r0]. */
void llm_matvec_rows(const llm_mat *W, const float *x, float *y, int64_t r0, int64_t r1,
                     int exact, void *scratch);

#endif /* SO8T_LLM_QUANT_H */
