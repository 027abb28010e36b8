/* traits.c — the type-traits table (one row per ggml type id) and the run-time ISA choice.
 * Names, block sizes and bytes per block as in ggml-common.h / ggml.c; ids ggml removed
 * (4, 5: Q4_2, Q4_3; 31-33, 36-38: removed Q4_0_4_4 .. IQ4_NL_8_8) have blck 0, so the GGUF
 * reader rejects them as unknown. */
#include "llm/quant/kernels.h"
#include "llm/llm.h"

#include <stdlib.h>
#include <string.h>

#if LLM_QUANT_X86
#define K(t) {llm_dot_##t##_scalar, llm_dot_##t##_avx2, llm_dot_##t##_avx512}
#else
#define K(t) {llm_dot_##t##_scalar, NULL, NULL}
#endif
#define NOSC {-1, -1}

/* name, elements/bytes per block, activation type, dequantizer, fp16 scale offsets, dots */
static const llm_type_traits k_traits[LLM_TYPE_COUNT] = {
    [0] = {"F32", 1, 4, LLM_TYPE_F32, llm_deq_f32, NOSC, K(f32)},
    [1] = {"F16", 1, 2, LLM_TYPE_F32, llm_deq_f16, NOSC, K(f16)},
    [2] = {"Q4_0", 32, 18, LLM_TYPE_Q8_0, llm_deq_q4_0, {0, -1}, K(q4_0)},
    [3] = {"Q4_1", 32, 20, LLM_TYPE_Q8_1, llm_deq_q4_1, {0, 2}, K(q4_1)},
    [6] = {"Q5_0", 32, 22, LLM_TYPE_Q8_0, llm_deq_q5_0, {0, -1}, K(q5_0)},
    [7] = {"Q5_1", 32, 24, LLM_TYPE_Q8_1, llm_deq_q5_1, {0, 2}, K(q5_1)},
    [8] = {"Q8_0", 32, 34, LLM_TYPE_Q8_0, llm_deq_q8_0, {0, -1}, K(q8_0)},
    [9] = {"Q8_1", 32, 36, 0, NULL, NOSC, {0}},
    [10] = {"Q2_K", 256, 84, LLM_TYPE_Q8_K, llm_deq_q2_k, {80, 82}, K(q2_k)},
    [11] = {"Q3_K", 256, 110, LLM_TYPE_Q8_K, llm_deq_q3_k, {108, -1}, K(q3_k)},
    [12] = {"Q4_K", 256, 144, LLM_TYPE_Q8_K, llm_deq_q4_k, {0, 2}, K(q4_k)},
    [13] = {"Q5_K", 256, 176, LLM_TYPE_Q8_K, llm_deq_q5_k, {0, 2}, K(q5_k)},
    [14] = {"Q6_K", 256, 210, LLM_TYPE_Q8_K, llm_deq_q6_k, {208, -1}, K(q6_k)},
    [15] = {"Q8_K", 256, 292, 0, NULL, NOSC, {0}},
    [16] = {"IQ2_XXS", 256, 66, 0, NULL, NOSC, {0}},
    [17] = {"IQ2_XS", 256, 74, 0, NULL, NOSC, {0}},
    [18] = {"IQ3_XXS", 256, 98, 0, NULL, NOSC, {0}},
    [19] = {"IQ1_S", 256, 50, 0, NULL, NOSC, {0}},
    [20] = {"IQ4_NL", 32, 18, LLM_TYPE_Q8_0, llm_deq_iq4_nl, {0, -1}, K(iq4_nl)},
    [21] = {"IQ3_S", 256, 110, 0, NULL, NOSC, {0}},
    [22] = {"IQ2_S", 256, 82, 0, NULL, NOSC, {0}},
    [23] = {"IQ4_XS", 256, 136, LLM_TYPE_Q8_K, llm_deq_iq4_xs, {0, -1}, K(iq4_xs)},
    [24] = {"I8", 1, 1, 0, NULL, NOSC, {0}},
    [25] = {"I16", 1, 2, 0, NULL, NOSC, {0}},
    [26] = {"I32", 1, 4, 0, NULL, NOSC, {0}},
    [27] = {"I64", 1, 8, 0, NULL, NOSC, {0}},
    [28] = {"F64", 1, 8, 0, NULL, NOSC, {0}},
    [29] = {"IQ1_M", 256, 56, 0, NULL, NOSC, {0}},
    [30] = {"BF16", 1, 2, LLM_TYPE_F32, llm_deq_bf16, NOSC, K(bf16)},
    [34] = {"TQ1_0", 256, 54, 0, NULL, NOSC, {0}},
    [35] = {"TQ2_0", 256, 66, 0, NULL, NOSC, {0}},
    [39] = {"MXFP4", 32, 17, 0, NULL, NOSC, {0}},
};

const int8_t llm_kvalues_iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                      1,    13,   25,  38,  53,  69,  89,  113};

const llm_type_traits *llm_type_traits_get(int type)
{
    return type >= 0 && type < LLM_TYPE_COUNT ? &k_traits[type] : NULL;
}

const char *llm_type_name(int type)
{
    static const char *removed[] = {[4] = "Q4_2(removed)", [5] = "Q4_3(removed)"};
    const llm_type_traits *t = llm_type_traits_get(type);
    if (t && t->name)
        return t->name;
    if (type == 4 || type == 5)
        return removed[type];
    return "unknown";
}

int llm_type_block_size(int type)
{
    const llm_type_traits *t = llm_type_traits_get(type);
    return t ? t->blck : 0;
}

int llm_type_size(int type)
{
    const llm_type_traits *t = llm_type_traits_get(type);
    return t ? t->size : 0;
}

int llm_type_supported(int type)
{
    const llm_type_traits *t = llm_type_traits_get(type);
    return t && t->dequant != NULL;
}

const char *llm_type_supported_list(void)
{
    static char buf[256];
    if (!buf[0]) {
        size_t n = 0;
        for (int t = 0; t < LLM_TYPE_COUNT; t++)
            if (k_traits[t].dequant && n + strlen(k_traits[t].name) + 3 < sizeof buf) {
                memcpy(buf + n, n ? ", " : "", n ? 2 : 0);
                n += n ? 2 : 0;
                memcpy(buf + n, k_traits[t].name, strlen(k_traits[t].name) + 1);
                n += strlen(k_traits[t].name);
            }
    }
    return buf;
}

size_t llm_row_bytes(int type, int64_t n)
{
    int b = llm_type_block_size(type);
    return b ? (size_t)(n / b) * (size_t)llm_type_size(type) : 0;
}

int llm_vec_dot_partner(int type)
{
    const llm_type_traits *t = llm_type_traits_get(type);
    return t && t->dequant ? t->act : LLM_TYPE_F32;
}

/* ---- ISA choice ----------------------------------------------------------------------- */

static int g_isa = -1, g_best = -1;

#if LLM_QUANT_X86
#include <cpuid.h>
static int cpu_has_f16c(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
}

static int isa_detect(void)
{
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c()))
        return LLM_ISA_SCALAR;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
        return LLM_ISA_AVX512;
    return LLM_ISA_AVX2;
}
#else
static int isa_detect(void) { return LLM_ISA_SCALAR; }
#endif

static const char *k_isa_names[LLM_ISA_COUNT] = {"scalar", "avx2", "avx512"};

const char *llm_quant_isa_name(int isa)
{
    return isa >= 0 && isa < LLM_ISA_COUNT ? k_isa_names[isa] : "unknown";
}

int llm_quant_isa_best(void)
{
    if (g_best < 0) {
        int best = isa_detect();
        const char *env = getenv("SO8T_ISA");
        for (int i = 0; env && i < LLM_ISA_COUNT; i++)
            if (!strcmp(env, k_isa_names[i]) && i < best)
                best = i;
        if (getenv("SO8T_NO_AVX2"))
            best = LLM_ISA_SCALAR;
        g_best = best;
    }
    return g_best;
}

int llm_quant_isa(void)
{
    if (g_isa < 0)
        g_isa = llm_quant_isa_best();
    return g_isa;
}

int llm_quant_set_isa(int isa)
{
    int best = llm_quant_isa_best();
    g_isa = isa < 0 ? 0 : isa > best ? best : isa;
    return g_isa;
}

int llm_quant_force_scalar(int on)
{
    llm_quant_set_isa(on ? LLM_ISA_SCALAR : LLM_ISA_COUNT);
    return llm_quant_isa_best() > LLM_ISA_SCALAR;
}
