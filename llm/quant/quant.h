/* quant.h — tensor kernels (internal to llm/): the type-traits table, dequantization,
 * activation quantization, dot products with run-time ISA dispatch, and OpenMP
 * matrix-vector products. 15 tensor types: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,
 * Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS. Block layouts follow ggml-common.h.
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

/* ---- type traits ----------------------------------------------------------------------
 * One row per ggml type id; everything that depends on the type (names, sizes, the
 * reader's checks, dequantization, the activation format, the dot kernels per ISA) reads
 * it, so a new type is one row plus its kernels. */
enum { LLM_ISA_SCALAR, LLM_ISA_AVX2, LLM_ISA_AVX512, LLM_ISA_COUNT };

/* Dot of nb blocks of weights with nb blocks of activations in the type's act format. */
typedef float (*llm_dot_fn)(const uint8_t *w, const uint8_t *x, int64_t nb);
/* Dequantize nb blocks. */
typedef void (*llm_dequant_fn)(const uint8_t *src, float *dst, int64_t nb);

typedef struct {
    const char *name;         /* ggml's name; NULL for an id ggml never assigned */
    int blck;                 /* elements per block (0: removed or unknown id) */
    int size;                 /* bytes per block */
    int act;                  /* activation type of the dot: LLM_TYPE_Q8_0/Q8_1/Q8_K/F32 */
    llm_dequant_fn dequant;   /* NULL: the runner does not support the type */
    int16_t scale_off[2];     /* byte offsets of the block's fp16 scales (-1: none) */
    llm_dot_fn dot[LLM_ISA_COUNT]; /* NULL entries fall back to the next lower ISA */
} llm_type_traits;

/* The row of a type id; NULL outside [0, LLM_TYPE_COUNT). */
const llm_type_traits *llm_type_traits_get(int type);
/* "F32, F16, ..." — the supported types, for error messages. */
const char *llm_type_supported_list(void);

/* ---- ISA dispatch ---------------------------------------------------------------------
 * The best ISA the CPU has (cpuid), lowered by SO8T_ISA=scalar|avx2|avx512 (or the older
 * SO8T_NO_AVX2) in the environment. Kernels are compiled with function-level target
 * attributes, so the binary runs on any x86-64 (and other CPUs with the scalar code). */
int llm_quant_isa_best(void);     /* what the CPU (and the environment) allow */
int llm_quant_isa(void);          /* what the kernels use now */
/* Tests: use `isa` (clamped to the best available); returns the ISA in effect. */
int llm_quant_set_isa(int isa);
const char *llm_quant_isa_name(int isa);

/* Bytes of a row of n elements of `type` (n a multiple of the block size). */
size_t llm_row_bytes(int type, int64_t n);
/* Dequantize n elements (a multiple of the block size). Returns 0, or LLM_ERR_UNSUPPORTED. */
int llm_dequant_row(int type, const void *src, float *dst, int64_t n);

/* First non-finite (NaN or inf) scale of n elements of `type` at src: the block's element
 * index for the block formats (the fp16 scales of the traits row), the element for
 * F32/F16/BF16; -1 when every one is finite. A corrupt scale turns its whole block into
 * NaN, and the forward pass spreads it to every logit. Reads only the scales (fp16 bit tests),
 * so it costs a pass over the memory, not a dequantization. */
int64_t llm_quant_find_nonfinite(int type, const void *src, int64_t n);

/* The activation format a weight type is dotted against (the traits' act): Q8_0 for
 * Q4_0/Q5_0/Q8_0/IQ4_NL, Q8_1 for Q4_1/Q5_1, Q8_K for the K types and IQ4_XS, F32 otherwise. */
int llm_vec_dot_partner(int type);
/* Quantize n floats into the partner format as ggml's reference quantize_row_q8_{0,1,K}_ref
 * does (F32 copies). */
void llm_quantize_row(int partner, const float *x, void *dst, int64_t n);
/* Activation quantization as llama.cpp's x86 CPU backend does it (Q8_0 and Q8_1: multiplier
 * 127/amax, round half to even; Q8_K: as llm_quantize_row). The matvec uses it. */
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
/* Tests: on = 1 makes the dot products use the portable scalar code; on = 0 the best ISA.
 * Returns 1 when a SIMD path exists to switch between (so both can be compared). */
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
 * kernel choice, hence the float order, depends on the whole batch; see matvec.c). */
void llm_matmat_part(const llm_mat *W, const float *X, float *Y, int nb, int n_total, int first,
                     int exact, void *scratch);
/* The two halves of llm_matmat_part, for a team that splits the rows among threads: prep
 * quantizes the nb activation vectors into scratch (once per product and thread), rows then
 * writes Y[b * ldy + r - r0] for rows [r0, r1) of W (any sub-range, any number of calls;
 * the kernels and float order are those of the whole product). */
void llm_matmat_prep(const llm_mat *W, const float *X, int nb, int exact, void *scratch);
void llm_matmat_rows(const llm_mat *W, const float *X, float *Y, int64_t ldy, int nb, int64_t r0,
                     int64_t r1, int n_total, int first, int exact, void *scratch);
/* Same as llm_matvec, for rows [r0, r1) only, writing y[r - r0]. */
void llm_matvec_rows(const llm_mat *W, const float *x, float *y, int64_t r0, int64_t r1,
                     int exact, void *scratch);

#endif /* SO8T_LLM_QUANT_H */
