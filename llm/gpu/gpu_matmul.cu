/* gpu_matmul.cu — Y = W·X (+ bias) for a batch of nb <= LLM_BATCH vectors (launched in
 * pieces of LLM_HD_MM_MAXB: one register accumulator per vector), every supported
 * weight type: one kernel templated on the ggml type id, the weights dequantized on the fly
 * by the SO8T_HD decoders of llm/quant/dequant_hd.h (the CPU's dequant.c runs the same
 * code), products and sums in f32, no activation quantization: the exact numerics of the
 * CPU path (llm_matmat with exact = 1), in another summation order.
 *
 * Layout: one warp per output row. Each lane's share is llm_hd_mm_lane (matmul_hd.h, also
 * run by the CPU test): 32-element groups g = lane, lane + 32, ... of the row (one 32-block,
 * or an eighth of a 256-block), dequantized into registers and dotted with the nb
 * activation vectors (the weights are read once per batch); for F32/F16/BF16 the elements
 * i = lane, lane + 32, ... (coalesced). The 32 lane sums are then reduced by a fixed butterfly (__shfl_xor_sync):
 * the order is the same on every run, so the GPU is deterministic. */
#include "llm/gpu/gpu_int.cuh"
#include "llm/gpu/matmul_hd.h"

#define MM_WARPS 4 /* rows per block of 128 threads */

template <int T>
__global__ void k_matmul(const uint8_t *__restrict__ W, size_t row_bytes, int ne0, int ne1,
                         const float *__restrict__ X, float *__restrict__ Y, int nb,
                         const float *__restrict__ bias)
{
    const int lane = threadIdx.x & 31;
    const int r = blockIdx.x * MM_WARPS + (threadIdx.x >> 5);
    if (r >= ne1)
        return; /* a whole warp leaves together: the shuffles below see full warps */
    float acc[LLM_HD_MM_MAXB];
    llm_hd_mm_lane(T, W + (size_t)r * row_bytes, ne0, X, nb, lane, acc);
#pragma unroll
    for (int b = 0; b < LLM_BATCH; b++) {
        if (b < nb) {
            float s = acc[b];
            for (int o = 16; o > 0; o >>= 1)
                s += __shfl_xor_sync(0xffffffffu, s, o);
            if (lane == 0)
                Y[(size_t)b * ne1 + r] = bias ? s + bias[r] : s;
        }
    }
}

typedef void (*mm_kernel)(const uint8_t *, size_t, int, int, const float *, float *, int, const float *);

/* the type → instantiation table (15 rows: the types of llm/quant/traits.c) */
static const struct {
    int type;
    mm_kernel fn;
} k_mm_table[] = {
    {LLM_HD_F32, k_matmul<LLM_HD_F32>},       {LLM_HD_F16, k_matmul<LLM_HD_F16>},
    {LLM_HD_BF16, k_matmul<LLM_HD_BF16>},     {LLM_HD_Q8_0, k_matmul<LLM_HD_Q8_0>},
    {LLM_HD_Q4_0, k_matmul<LLM_HD_Q4_0>},     {LLM_HD_Q4_1, k_matmul<LLM_HD_Q4_1>},
    {LLM_HD_Q5_0, k_matmul<LLM_HD_Q5_0>},     {LLM_HD_Q5_1, k_matmul<LLM_HD_Q5_1>},
    {LLM_HD_Q2_K, k_matmul<LLM_HD_Q2_K>},     {LLM_HD_Q3_K, k_matmul<LLM_HD_Q3_K>},
    {LLM_HD_Q4_K, k_matmul<LLM_HD_Q4_K>},     {LLM_HD_Q5_K, k_matmul<LLM_HD_Q5_K>},
    {LLM_HD_Q6_K, k_matmul<LLM_HD_Q6_K>},     {LLM_HD_IQ4_NL, k_matmul<LLM_HD_IQ4_NL>},
    {LLM_HD_IQ4_XS, k_matmul<LLM_HD_IQ4_XS>},
};

static mm_kernel mm_find(int type)
{
    for (size_t i = 0; i < sizeof k_mm_table / sizeof k_mm_table[0]; i++)
        if (k_mm_table[i].type == type)
            return k_mm_table[i].fn;
    return NULL;
}

int gpu_matmul_supports(int type) { return mm_find(type) != NULL; }

int gpu_matmul(const gpu_mat *W, const float *X, float *Y, int nb, const float *bias, int il,
               const char *name, char *err, size_t errlen)
{
    mm_kernel fn = mm_find(W->type);
    if (!fn || nb < 1 || nb > LLM_BATCH || (W->ne0 % 32 != 0 && llm_hd_block_elems(W->type) != 1) ||
        W->ne0 > INT32_MAX || W->ne1 > INT32_MAX) {
        llm_set_err(err, errlen, "%s (layer %d): type %d, %lld × %lld, batch %d: not a product the GPU kernel "
                    "runs", name, il, W->type, (long long)W->ne0, (long long)W->ne1, nb);
        return LLM_ERR_UNSUPPORTED;
    }
    if (W->ne1 == 0)
        return LLM_OK;
    const unsigned blocks = (unsigned)((W->ne1 + MM_WARPS - 1) / MM_WARPS);
    /* each vector's sums do not depend on the others in its piece: same bits for any split */
    for (int b0 = 0; b0 < nb; b0 += LLM_HD_MM_MAXB) {
        const int n = nb - b0 < LLM_HD_MM_MAXB ? nb - b0 : LLM_HD_MM_MAXB;
        fn<<<blocks, 32 * MM_WARPS>>>(W->d, W->row_bytes, (int)W->ne0, (int)W->ne1, X + (size_t)b0 * W->ne0,
                                      Y + (size_t)b0 * W->ne1, n, bias);
        GPU_CK(cudaGetLastError(), "kernel matmul %s (layer %d)", name, il);
    }
    return LLM_OK;
}
