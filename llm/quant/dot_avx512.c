/* dot_avx512.c — AVX-512 (F, BW, VL, VNNI) dot kernels, compiled with a target pragma and
 * picked by traits.c only on CPUs that have all four. dot_x86.inc's kernels with the integer
 * work on VNNI (vpdpbusd, vpdpwssd) in 256-bit registers, in the same 8 lanes as the AVX2
 * kernels: the integer lane sums are exact and the float steps are the same, so the results
 * are bit-identical to the AVX2 and scalar paths (the gemma3 parity fixtures hold on every
 * ISA). The other types: dot_int.inc compiled for AVX-512. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "llm/quant/kernels.h"

#include <math.h>

#if LLM_QUANT_X86
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")

/* VNNI takes u8 × s8: |w| times x with w's sign */
#define DOT4_S8(w, x) _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_sign_epi8((w), (w)), _mm256_sign_epi8((x), (w)))
/* u8×s8 pairs (exact in int16), then VNNI's int16 dot with the scale */
#define PAIR_SC(acc, u, x, sc) _mm256_dpwssd_epi32((acc), _mm256_maddubs_epi16((u), (x)), (sc))
/* bit i of qh → 0x10 in byte i (a mask register makes this one instruction) */
#define HB32(qh) _mm256_maskz_mov_epi8((__mmask32)(qh), _mm256_set1_epi8(0x10))

#define KX(name) name##_avx512
#include "llm/quant/dot_x86.inc"
#undef KX

#define KS(name) name##_avx512
#define KH2F(p) _cvtsh_ss((unsigned short)((p)[0] | (p)[1] << 8))
#include "llm/quant/dot_int.inc"
#undef KS
#undef KH2F

#pragma GCC pop_options
#endif /* LLM_QUANT_X86 */
