/* dot_repack.c — the float orders of llama.cpp's repacked Q4_K/Q6_K products on x86
 * (exact integer block sums, one float accumulator per row), which the gemma3 parity
 * fixtures were made with. Plain C compiled for AVX-512, AVX2 and baseline (target_clones,
 * picked at load time); the integer sums are exact, so every clone gives the same floats. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "llm/quant/kernels.h"
#include "llm/llm.h"

#include <math.h>

#if LLM_QUANT_X86 && !defined(__clang__) && !defined(SO8T_NO_CLONES)
#define HOT __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define HOT
#endif

static int g_kq_repack = 1;
void llm_quant_set_kquant_repack(int on) { g_kq_repack = on; }
int llm_quant_kquant_repack(void) { return g_kq_repack; }

/* llama.cpp on x86 (AVX2) repacks Q4_K matrices whose row count is a multiple of 8
 * (ggml-cpu "repack" buffers, block_q4_Kx8) and multiplies them with its gemv/gemm kernels,
 * which sum each 256-block (gemv) or 64-element pair of sub-blocks (gemm) exactly in
 * integers and accumulate one float per row: acc = fma(isum, d_w·d_x, acc), the mins in a
 * second accumulator subtracted at the end. Checked bit for bit against llama.cpp's
 * ffn_down / attn_output results on the default model (gemm rows and gemv rows). */
/* gemm = 1: the 4-row gemm kernel (rows of a batch in groups of 4), which accumulates
 * every 64 elements (two sub-blocks) instead of every 256 */
HOT static float q4_k_rp_c(const uint8_t *w, const uint8_t *x, int64_t nb, int gemm)
{
    float acc = 0, accm = 0;
    uint8_t q[QKK];
    int sc[8], mn[8];
    for (int64_t b = 0; b < nb; b++, w += 144, x += 292) {
        float dx;
        memcpy(&dx, x, 4);
        const int8_t *qx = (const int8_t *)(x + 4);
        int16_t bs[16];
        memcpy(bs, x + 260, sizeof bs);
        q4_k_ints(w, q, sc, mn);
        int is[8], ms[8];
        for (int j = 0; j < 8; j++) {
            int sj = 0;
            for (int i = 0; i < 32; i++)
                sj += q[32 * j + i] * qx[32 * j + i];
            is[j] = sc[j] * sj;
            ms[j] = mn[j] * (bs[2 * j] + bs[2 * j + 1]);
        }
        const float d = h2f(w) * dx, dmin = h2f(w + 2) * dx;
        if (gemm) {
            for (int p = 0; p < 4; p++) {
                acc = fmaf((float)(is[2 * p] + is[2 * p + 1]), d, acc);
                accm = fmaf((float)(ms[2 * p] + ms[2 * p + 1]), dmin, accm);
            }
        } else {
            int isum = 0, msum = 0;
            for (int j = 0; j < 8; j++) {
                isum += is[j];
                msum += ms[j];
            }
            acc = fmaf((float)isum, d, acc);
            accm = fmaf((float)msum, dmin, accm);
        }
    }
    return acc - accm;
}

/* The AVX2/AVX-512 versions do the same exact integer sums with SIMD and the same float
 * steps, so they give the same bits (test_quant checks every ISA against this one). */
float llm_dot_q4_k_rp(const uint8_t *w, const uint8_t *x, int64_t nb, int gemm)
{
#if LLM_QUANT_X86
    const int isa = llm_quant_isa();
    if (isa == LLM_ISA_AVX512)
        return llm_dot_q4_k_rp_avx512(w, x, nb, gemm);
    if (isa == LLM_ISA_AVX2)
        return llm_dot_q4_k_rp_avx2(w, x, nb, gemm);
#endif
    return q4_k_rp_c(w, x, nb, gemm);
}

/* Q6_K as llama.cpp computes it for a batch of several vectors (all rows alike): the block's
 * exact integer sum, times the weight scale, then a fused multiply-add with the activation
 * scale: acc = fma(isum·d_w, d_x, acc). Found by testing candidate orders against
 * llama.cpp's ffn_down outputs (bit for bit on all rows of the default model's prompts). */
HOT static float q6_k_rp_c(const uint8_t *w, const uint8_t *x, int64_t nb)
{
    float acc = 0;
    int8_t q[QKK];
    for (int64_t b = 0; b < nb; b++, w += 210, x += 292) {
        float dx;
        memcpy(&dx, x, 4);
        const int8_t *qx = (const int8_t *)(x + 4);
        const int8_t *sc = (const int8_t *)(w + 192);
        q6_k_ints(w, q);
        int isum = 0;
        for (int j = 0; j < 16; j++) {
            int sj = 0;
            for (int i = 0; i < 16; i++)
                sj += q[16 * j + i] * qx[16 * j + i];
            isum += sc[j] * sj;
        }
        acc = fmaf((float)isum * h2f(w + 208), dx, acc);
    }
    return acc;
}

float llm_dot_q6_k_rp(const uint8_t *w, const uint8_t *x, int64_t nb)
{
#if LLM_QUANT_X86
    const int isa = llm_quant_isa();
    if (isa == LLM_ISA_AVX512)
        return llm_dot_q6_k_rp_avx512(w, x, nb);
    if (isa == LLM_ISA_AVX2)
        return llm_dot_q6_k_rp_avx2(w, x, nb);
#endif
    return q6_k_rp_c(w, x, nb);
}
