/* quant_rand.c — see quant_rand.h */
#include "tests/support/quant_rand.h"

#include "llm/llm.h"
#include "llm/quant/quant.h"

#include <math.h>
#include <string.h>

static uint64_t rs = 99;
float quant_test_frand(void)
{
    rs = rs * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(rs >> 11) * 0x1.0p-53 * 2 - 1);
}

/* random bytes, with every fp16 scale field set to a finite value in ±[2^-10, 1) (a random
 * exponent field of 31 would be inf/NaN); F16/BF16/F32 elements in ±[2^-8, 4) */
void quant_test_rand_blocks(int type, uint8_t *w, int64_t n)
{
    const llm_type_traits *t = llm_type_traits_get(type);
    const int64_t nb = n / t->blck, bytes = nb * t->size;
    for (int64_t i = 0; i < bytes; i++)
        w[i] = (uint8_t)(quant_test_frand() * 128 + 128);
    for (int64_t b = 0; b < nb; b++) {
        if (t->blck == 1) {
            float v = (quant_test_frand() < 0 ? -1.f : 1.f) * ldexpf(1.f + fabsf(quant_test_frand()), (int)(quant_test_frand() * 4) - 6);
            if (type == LLM_TYPE_F32)
                memcpy(w + 4 * b, &v, 4);
            else {
                uint16_t h = type == LLM_TYPE_F16 ? llm_fp32_to_fp16(v) : llm_fp32_to_bf16(v);
                w[2 * b] = (uint8_t)h;
                w[2 * b + 1] = (uint8_t)(h >> 8);
            }
            continue;
        }
        for (int k = 0; k < 2; k++)
            if (t->scale_off[k] >= 0) {
                float v = (quant_test_frand() < 0 ? -1.f : 1.f) * ldexpf(1.f + fabsf(quant_test_frand()), -(int)(fabsf(quant_test_frand()) * 10) - 1);
                uint16_t h = llm_fp32_to_fp16(v);
                w[b * t->size + t->scale_off[k]] = (uint8_t)h;
                w[b * t->size + t->scale_off[k] + 1] = (uint8_t)(h >> 8);
            }
    }
}
