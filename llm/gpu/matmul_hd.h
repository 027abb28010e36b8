/* matmul_hd.h — one lane's share of the GPU's quantized matrix product (gpu_matmul.cu), as
 * an SO8T_HD function so that tests/test_llm_gpu_math.c runs the kernel's indexing on the
 * CPU: for lane l of a 32-lane warp that owns weight row `row` (ne0 elements of `type`),
 * acc[b] = Σ over the lane's elements of w_i · X[b·ne0 + i], for the nb (<= LLM_HD_MM_MAXB)
 * activation vectors. Block types: the lane takes the 32-element groups g = l, l + 32, ...
 * (dequant_hd.h's llm_hd_deq32), each group's 32 products summed in order and then added to
 * acc[b]; F32/F16/BF16: elements i = l, l + 32, ... The kernel then adds the 32 lanes by the
 * butterfly s += shfl_xor(s, o) for o = 16, 8, 4, 2, 1. All in f32. */
#ifndef SO8T_LLM_GPU_MATMUL_HD_H
#define SO8T_LLM_GPU_MATMUL_HD_H

#include "llm/quant/dequant_hd.h"

#define LLM_HD_MM_MAXB 16 /* vectors per kernel launch (gpu_matmul.cu splits a batch) */

SO8T_HD void llm_hd_mm_lane(int type, const uint8_t *row, int ne0, const float *X, int nb, int lane,
                            float *acc)
{
    SO8T_UNROLL
    for (int b = 0; b < LLM_HD_MM_MAXB; b++)
        acc[b] = 0.0f;
    if (llm_hd_block_elems(type) == 1) {
        for (int i = lane; i < ne0; i += 32) {
            const float w = llm_hd_deq_scalar(type, row, i);
            SO8T_UNROLL
            for (int b = 0; b < LLM_HD_MM_MAXB; b++)
                if (b < nb)
                    acc[b] += w * X[(size_t)b * ne0 + i];
        }
        return;
    }
    const int gpb = llm_hd_block_elems(type) / 32, bytes = llm_hd_block_bytes(type), ng = ne0 / 32;
    float y[32];
    for (int g = lane; g < ng; g += 32) {
        llm_hd_deq32(type, row + (size_t)(g / gpb) * bytes, g % gpb, y);
        SO8T_UNROLL
        for (int b = 0; b < LLM_HD_MM_MAXB; b++) {
            if (b < nb) {
                const float *x = X + (size_t)b * ne0 + (size_t)g * 32;
                float s = 0.0f;
                SO8T_UNROLL
                for (int i = 0; i < 32; i++)
                    s += y[i] * x[i];
                acc[b] += s;
            }
        }
    }
}

#endif /* SO8T_LLM_GPU_MATMUL_HD_H */
