/* dot_avx2.c — AVX2 + FMA + F16C dot kernels, compiled with a target pragma (the binary still
 * runs on older CPUs; traits.c picks them only when cpuid says so). Q8_0, Q4_0, Q5_0, Q4_K,
 * Q6_K and the repacked orders: dot_x86.inc, in ggml's AVX2 lane order (bit-identical to
 * dot_scalar.c and to llama.cpp's AVX2 build); the others: dot_int.inc compiled for AVX2. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "llm/quant/kernels.h"

#include <math.h>

#if LLM_QUANT_X86
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")

/* Integer block dots as in ggml's x86 path: |w|·sign(x, w) with maddubs (u8×s8 → s16
 * pairs), madd with ones (→ s32) */
#define DOT4_S8(w, x)                                                                            \
    _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8((w), (w)), _mm256_sign_epi8((x), (w))), \
                      _mm256_set1_epi16(1))
#define PAIR_SC(acc, u, x, sc) _mm256_add_epi32((acc), _mm256_madd_epi16(_mm256_maddubs_epi16((u), (x)), (sc)))

/* byte i = 0x10 where bit i of qh is set */
static inline __m256i hb32_avx2(uint32_t qh)
{
    const __m256i shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i mask = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)qh), shuf);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(v, mask), mask), _mm256_set1_epi8(0x10));
}
#define HB32(qh) hb32_avx2(qh)

#define KX(name) name##_avx2
#include "llm/quant/dot_x86.inc"
#undef KX

#define KS(name) name##_avx2
#define KH2F(p) _cvtsh_ss((unsigned short)((p)[0] | (p)[1] << 8))
#include "llm/quant/dot_int.inc"
#undef KS
#undef KH2F
#pragma GCC pop_options

#endif /* LLM_QUANT_X86 */
