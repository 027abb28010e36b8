/* arch_table.c — the architectures the runner supports, one row each (see arch.h).
 * Facts per row: llama.cpp 0.3.36 src/models/{gemma3,llama,qwen2,qwen2vl,qwen3,phi3}.cpp and
 * llama-model.cpp (notes llm_breadth.md §2, gguf.md §3); each row is checked against
 * llama.cpp's logits by tests/test_llm_arch.c. ROT_EQ_HEAD: llama.cpp asserts (aborts) on a
 * rope.dimension_count other than the head size for these graphs (seen for qwen2); so8t
 * refuses such a file with a message instead. */
#include "llm/model/arch.h"

#include <string.h>

static const llm_arch k_arch[] = {
    /* Gemma 3: scaled embedding, QK-norm, post-norms, GELU(tanh), q pre-scaled, 5 local
     * (sliding-window, RoPE base 10 000) layers per global one. */
    {"gemma3",
     LLM_ARCH_EMBD_SCALE | LLM_ARCH_QK_NORM | LLM_ARCH_POST_NORMS | LLM_ARCH_Q_PRESCALE |
         LLM_ARCH_SOFTCAP | LLM_ARCH_HEAD_DIM_FREE,
     LLM_ROPE_NEOX, LLM_FFN_GELU_TANH, LLM_SCALE_GEMMA3, LLM_SWA_PATTERN, 6, 10000.0, 1e6, 1e-6},
    /* Llama (SmolLM2, TinyLlama, Llama 3.x): NORM RoPE (the converter permutes Q/K rows),
     * optional biases and rope_freqs (Llama 3.1+). */
    {"llama",
     LLM_ARCH_OPT_BIAS | LLM_ARCH_ROPE_FREQS | LLM_ARCH_FUSED_QKV_OPT | LLM_ARCH_ROT_EQ_HEAD,
     LLM_ROPE_NORM, LLM_FFN_SILU, LLM_SCALE_HEAD_DIM, LLM_SWA_NONE, 0, 0, 10000.0, -1},
    /* Qwen2: q/k/v biases, NEOX RoPE, optional output bias. */
    {"qwen2", LLM_ARCH_QKV_BIAS | LLM_ARCH_OUTPUT_BIAS | LLM_ARCH_FUSED_QKV_OPT | LLM_ARCH_ROT_EQ_HEAD,
     LLM_ROPE_NEOX, LLM_FFN_SILU, LLM_SCALE_HEAD_DIM, LLM_SWA_NONE, 0, 0, 10000.0, -1},
    /* Qwen2-VL, text only: qwen2 with M-RoPE sections (text positions (p, p, p, 0)); its
     * output.bias is loaded but not added by llama.cpp, so it is not read here. */
    {"qwen2vl",
     LLM_ARCH_QKV_BIAS | LLM_ARCH_MROPE_SECTIONS | LLM_ARCH_FUSED_QKV_OPT | LLM_ARCH_NO_IMAGES |
         LLM_ARCH_OUTPUT_BIAS_UNUSED | LLM_ARCH_ROT_EQ_HEAD,
     LLM_ROPE_MROPE, LLM_FFN_SILU, LLM_SCALE_HEAD_DIM, LLM_SWA_NONE, 0, 0, 10000.0, -1},
    /* Qwen3: per-head Q/K RMSNorm before RoPE, key_length may differ from n_embd/n_head. */
    {"qwen3", LLM_ARCH_QK_NORM | LLM_ARCH_HEAD_DIM_FREE | LLM_ARCH_FUSED_QKV_OPT | LLM_ARCH_ROT_EQ_HEAD,
     LLM_ROPE_NEOX, LLM_FFN_SILU, LLM_SCALE_HEAD_DIM, LLM_SWA_NONE, 0, 0, 10000.0, -1},
    /* Phi-3: fused QKV and up, Q pre-scaled, LongRoPE factors; the sliding_window key is read
     * and then not used (llama.cpp 0.3.36 disables SWA for phi3). */
    {"phi3",
     LLM_ARCH_FUSED_QKV_OPT | LLM_ARCH_FUSED_UP | LLM_ARCH_Q_PRESCALE | LLM_ARCH_LONGROPE |
         LLM_ARCH_ROT_EQ_HEAD,
     LLM_ROPE_NEOX, LLM_FFN_SILU, LLM_SCALE_HEAD_DIM, LLM_SWA_NONE, 0, 0, 10000.0, -1},
};

#define N_ARCH ((int)(sizeof k_arch / sizeof k_arch[0]))

const llm_arch *llm_arch_find(const char *name, size_t n)
{
    for (int i = 0; i < N_ARCH; i++)
        if (strlen(k_arch[i].name) == n && memcmp(k_arch[i].name, name, n) == 0)
            return &k_arch[i];
    return NULL;
}

const char *llm_arch_supported(void) { return "gemma3, llama, qwen2, qwen2vl (text), qwen3, phi3"; }
int llm_arch_count(void) { return N_ARCH; }
const llm_arch *llm_arch_at(int i) { return i >= 0 && i < N_ARCH ? &k_arch[i] : NULL; }
