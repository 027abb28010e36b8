/* arch.h — the architecture descriptor (internal to llm/).
 *
 * Every architecture the runner knows is one row of a table (arch_table.c), found by the
 * file's `general.architecture`. The loader (load.c, hparams.c) and the one forward pass
 * (forward.c) read only the row's flags and fields, never the name, so a new architecture
 * that is a combination of known pieces is one new row.
 *
 * The computation shared by all rows (llama.cpp src/models/<arch>.cpp; notes llm_breadth.md §2):
 *   x = E[tok] (· √n_embd with EMBD_SCALE)
 *   per layer: h = RMSNorm(x)·w_attn_norm;  q, k, v = Wq h (+bq), Wk h (+bk), Wv h (+bv)
 *              (QK_NORM: per-head RMSNorm·w of q and k);  RoPE on q, k (NORM or NEOX pairs)
 *              a = Wo softmax(scale · q kᵀ + mask) v (+bo)        (Q_PRESCALE: q *= scale first)
 *              x += a (POST_NORMS: x += RMSNorm(a)·w_post_attn)
 *              h2 = RMSNorm(x)·w_ffn_norm;  f = Wdown (act(Wgate h2) ⊙ Wup h2)
 *              x += f (POST_NORMS: x += RMSNorm(f)·w_post_ffw)
 *   logits = Wout RMSNorm(x)·w_out_norm (+b_out), Wout = E when output.weight is absent;
 *   SOFTCAP: logits = c·tanh(logits / c).
 * RMSNorm(x) = x / √(mean(x²) + eps) · w for every row: Gemma's (1 + w) is already folded into
 * the stored weight by the GGUF converter, so no row needs a different norm formula.
 */
#ifndef SO8T_LLM_ARCH_H
#define SO8T_LLM_ARCH_H

#include <stddef.h>

/* RoPE pairing (llama.cpp llama_model_rope_type) */
enum {
    LLM_ROPE_NORM = 0,  /* adjacent pairs (2i, 2i + 1) */
    LLM_ROPE_NEOX = 1,  /* pairs (i, i + n_rot/2) */
    LLM_ROPE_MROPE = 2  /* NEOX pairing, θ per section (text positions: (p, p, p, 0)) */
};

/* FFN activation of the gate */
enum { LLM_FFN_GELU_TANH = 0, LLM_FFN_SILU = 1 };

/* attention scale */
enum {
    LLM_SCALE_HEAD_DIM = 0,    /* 1/√head_dim */
    LLM_SCALE_GEMMA3 = 1       /* 1/√head_dim, except 62 layers (27B): 1/√(n_embd/n_head) */
};

/* sliding-window rule */
enum {
    LLM_SWA_NONE = 0,          /* every layer global (a sliding_window key is read, then ignored) */
    LLM_SWA_PATTERN = 1        /* layer il is global iff il % swa_pattern == swa_pattern - 1 */
};

/* flags */
enum {
    LLM_ARCH_EMBD_SCALE = 1u << 0,   /* x = E[tok] · √n_embd */
    LLM_ARCH_QK_NORM = 1u << 1,      /* attn_q_norm / attn_k_norm [head_dim], required */
    LLM_ARCH_POST_NORMS = 1u << 2,   /* post_attention_norm / post_ffw_norm, required */
    LLM_ARCH_QKV_BIAS = 1u << 3,     /* attn_{q,k,v}.bias required */
    LLM_ARCH_OPT_BIAS = 1u << 4,     /* attn_{q,k,v,output}.bias, ffn_{gate,up,down}.bias optional */
    LLM_ARCH_FUSED_QKV_OPT = 1u << 5,/* attn_qkv [n_embd, q + 2 kv] accepted in place of q/k/v */
    LLM_ARCH_FUSED_UP = 1u << 6,     /* ffn_up [n_embd, 2 n_ff] = (gate, up), no ffn_gate */
    LLM_ARCH_Q_PRESCALE = 1u << 7,   /* q *= scale before q kᵀ (softmax scale 1) */
    LLM_ARCH_SOFTCAP = 1u << 8,      /* final_logit_softcapping read and applied */
    LLM_ARCH_HEAD_DIM_FREE = 1u << 9,/* key_length may differ from n_embd/n_head */
    LLM_ARCH_ROPE_FREQS = 1u << 10,  /* optional rope_freqs.weight [n_rot/2]: θ / f */
    LLM_ARCH_LONGROPE = 1u << 11,    /* rope_factors_long/short [n_rot/2] (optional pair) */
    LLM_ARCH_OUTPUT_BIAS = 1u << 12, /* optional output.bias added to the logits */
    LLM_ARCH_MROPE_SECTIONS = 1u << 13, /* rope.dimension_sections (4 × i32) required */
    LLM_ARCH_ROT_EQ_HEAD = 1u << 14,    /* rope.dimension_count must equal head_dim */
    LLM_ARCH_NO_IMAGES = 1u << 15,      /* a vision model's text part: image tokens refused */
    LLM_ARCH_OUTPUT_BIAS_UNUSED = 1u << 16 /* output.bias accepted but not added (as llama.cpp) */
};

typedef struct {
    const char *name;         /* general.architecture */
    unsigned flags;           /* LLM_ARCH_* */
    int rope;                 /* LLM_ROPE_* */
    int ffn;                  /* LLM_FFN_* */
    int scale;                /* LLM_SCALE_* */
    int swa;                  /* LLM_SWA_* */
    int swa_pattern;          /* LLM_SWA_PATTERN: period of the global layer */
    double swa_rope_base;     /* RoPE base of the sliding-window layers (no rope scaling) */
    double rope_base_default; /* when rope.freq_base is absent */
    double eps_default;       /* when the rms epsilon key is absent; < 0: the key is required */
} llm_arch;

/* The row for `name` (n bytes, not NUL-terminated), or NULL. */
const llm_arch *llm_arch_find(const char *name, size_t n);
/* "gemma3, llama, ..." for messages. */
const char *llm_arch_supported(void);
/* Number of rows and row i (tests, `so8t info`). */
int llm_arch_count(void);
const llm_arch *llm_arch_at(int i);

#endif /* SO8T_LLM_ARCH_H */
