/* lanes16.h — the one transpose of the AVX-512 row-lane batch kernels (rows_avx512.c,
 * rows_kq_avx512.c): 16 rows' 32 bytes, row k in the low half of z[k] and row k + 8 in the
 * high half, become 8 registers with lane r of out[g] = dword g of row r. An 8×8 dword
 * transpose runs in both 256-bit halves at once (unpack 32, unpack 64), then the 128-bit
 * quarters of rows 0-3/4-7 and 8-11/12-15 are joined. Include it after the includer's
 * AVX-512 target pragma (it is compiled with the includer's target). */
#ifndef SO8T_LLM_QUANT_LANES16_H
#define SO8T_LLM_QUANT_LANES16_H

#include <immintrin.h>

static inline __attribute__((always_inline)) void lanes16_transpose(const __m512i *z, __m512i *out)
{
    __m512i t[8], u[8];
    for (int k = 0; k < 8; k += 2) { /* per quarter: [r d0, r' d0, r d1, r' d1], [.. d2, .. d3] */
        t[k] = _mm512_unpacklo_epi32(z[k], z[k + 1]);
        t[k + 1] = _mm512_unpackhi_epi32(z[k], z[k + 1]);
    }
    for (int k = 0; k < 8; k += 4) { /* u[k + i]: dword i (quarters 0, 2) and i + 4 (1, 3) of 4 rows */
        u[k] = _mm512_unpacklo_epi64(t[k], t[k + 2]);
        u[k + 1] = _mm512_unpackhi_epi64(t[k], t[k + 2]);
        u[k + 2] = _mm512_unpacklo_epi64(t[k + 1], t[k + 3]);
        u[k + 3] = _mm512_unpackhi_epi64(t[k + 1], t[k + 3]);
    }
    const __m512i ilo = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    const __m512i ihi = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    for (int i = 0; i < 4; i++) {
        out[i] = _mm512_permutex2var_epi64(u[i], ilo, u[4 + i]);
        out[i + 4] = _mm512_permutex2var_epi64(u[i], ihi, u[4 + i]);
    }
}

#endif /* SO8T_LLM_QUANT_LANES16_H */
