/* sobol.c — Sobol' direction vectors from the Joe–Kuo initial numbers (Bratley & Fox,
 * ACM TOMS 14 (1988), algorithm 659; Joe & Kuo 2008). The 32-bit vectors are the ones
 * cuRAND returns for CURAND_DIRECTION_VECTORS_32_JOEKUO6 (checked in tests/test_mc.c
 * against the real library), so CPU and GPU walk the same points. */
#include "mc/mc_internal.h"
#include "mc/sobol_joekuo.h"

void mc_sobol_direction_vectors(int ndim, uint32_t v[][32])
{
    for (int d = 0; d < ndim && d < MC_SOBOL_TABLE_DIMS; d++) {
        uint32_t m[32];
        unsigned poly = mc_sobol_poly[d];
        int s = 0;
        while ((poly >> (s + 1)) != 0)
            s++; /* degree = bit length - 1 */
        if (d == 0 || s == 0) {
            for (int j = 0; j < 32; j++)
                v[d][j] = 1u << (31 - j);
            continue;
        }
        unsigned a = (poly >> 1) & ((1u << (s - 1)) - 1u); /* interior coefficients */
        for (int j = 0; j < s && j < 32; j++)
            m[j] = mc_sobol_minit[d][j];
        for (int j = s; j < 32; j++) {
            uint32_t x = m[j - s] ^ (m[j - s] << s);
            for (int k = 1; k < s; k++)
                if ((a >> (s - 1 - k)) & 1u)
                    x ^= m[j - k] << k;
            m[j] = x;
        }
        for (int j = 0; j < 32; j++)
            v[d][j] = m[j] << (31 - j);
    }
}
