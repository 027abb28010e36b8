/* internal.h — structures shared by the llm/ implementation files (not a public header). */
#ifndef SO8T_LLM_INTERNAL_H
#define SO8T_LLM_INTERNAL_H

#include "llm/llm.h"
#include "llm/model/arch.h"
#include "llm/quant/quant.h"

#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LLM_MAX_LAYERS 512
#define LLM_BATCH 64 /* prompt tokens run together (weights read once per batch) */
/* Tests: run prompts in pieces of n (1..LLM_BATCH) tokens; 0 restores LLM_BATCH. Results do
 * not depend on it (forward.c passes every piece its place in the whole batch). */
void llm_set_batch_tokens(int n);

typedef struct llm_team_ws llm_team_ws;

/* llm_vocab, token types and the tokenizer interface */
#include "llm/tok/tok.h"

typedef struct {
    llm_mat wq, wk, wv, wo, gate, up, down; /* fused tensors become row views of one matrix */
    float *attn_norm, *q_norm, *k_norm, *post_attn_norm, *ffn_norm, *post_ffw_norm;
    float *bq, *bk, *bv, *bo, *b_gate, *b_up, *b_down; /* biases, NULL when absent */
    int swa;           /* 1: sliding-window (local) layer */
    float rope_base;
    float rope_scale;  /* multiplies positions (1/factor of linear scaling) */
    const float *rope_ff; /* n_rot/2 frequency factors (θ / f), NULL for none */
    int kv_cap;        /* slots in this layer's cache (ring buffer for SWA layers) */
    float *kc, *vc;    /* kv_cap × n_head_kv × head_dim */
} llm_layer;

struct llm_model {
    llm_gguf *g;
    char arch[32];
    const llm_arch *desc; /* the architecture's row (arch_table.c) */
    int n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_ctx_train, n_ctx, n_swa;
    int n_rot;            /* rotated dims per head (rope.dimension_count), even, <= head_dim */
    int mrope_sec[4];     /* M-RoPE sections (LLM_ROPE_MROPE) */
    float eps, attn_scale, softcap;
    float rope_mscale;    /* rope.scaling.attn_factor: multiplies cos and sin */
    float rope_base_global, rope_scale_global; /* rope.freq_base, 1/rope.scaling.factor */
    int rope_long;        /* LongRoPE: n_ctx > rope.scaling.original_context_length */
    llm_mat tok_embd, output;
    float *output_norm, *output_b;
    int img_tok[8];       /* NO_IMAGES: ids of the image/video placeholder tokens */
    int n_img_tok;
    float **owned;        /* every dequantized vector (norms, biases, factors) */
    int n_owned, cap_owned;
    uint8_t *tensor_used; /* per file tensor: bound by the loader (all must be) */
    llm_layer *layers;
    llm_vocab vocab;
    char *chat_template;
    int numerics;
    double load_seconds;
    float *kv_mem;
    /* debugging: called with named intermediate tensors (names as in llama.cpp's graph) */
    void (*dump)(const char *name, int il, const float *data, size_t n, void *user);
    void *dump_user;
    /* work buffers */
    float *x, *xb, *xb2, *q, *k, *v, *attn, *att, *hb, *hb2, *logits;
    void *scratch;
    struct llm_team_ws *team; /* per-thread buffers of the evaluation's team (model/team.c) */
    uint8_t *weights_copy;    /* use_mmap false: the tensor data, copied (model/memory.c) */
    size_t weights_bytes;
    int weights_locked;       /* use_mlock succeeded */
    struct llm_gpu *gpu;      /* offloaded layers on the device (llm/gpu/), NULL when none */
    llm_gpu_status gpu_status; /* what llm_model_offload did (llm/gpu/offload.c) */
    int gpu_rc;               /* the device's status during one llm_model_eval */
    char gpu_err[256];
};

/* the caller's error buffer: base/err.h's helper under llm/'s old name */
#define llm_set_err so8t_err_set

/* hparams.c: reads and checks every hyperparameter of m->desc from the file (m->g). */
int llm_hparams_load(llm_model *m, int num_ctx, char *err, size_t errlen);
/* forward.c: runs nb (<= LLM_BATCH) tokens (see llm_model_eval); called by every thread of
 * the evaluation's parallel region (model/team.c). */
void llm_forward_batch(llm_model *m, const int *toks, int nb, int pos0, int want_logits,
                       int n_total, int first);
/* load.c: the first non-finite scale of a matrix as an error naming it, or LLM_OK. */
int llm_mat_check_finite(const llm_mat *w, char *err, size_t errlen);

/* memory.c: frees the weight copy (llm_model_free). */
void llm_model_memory_free(llm_model *m);

/* load.c: install a dump callback for intermediate values (NULL to remove) */
void llm_model_set_dump(llm_model *m, void (*dump)(const char *, int, const float *, size_t, void *),
                        void *user);

/* llm/tok/tok.c: the model's vocabulary from its GGUF (llm_vocab_load_gguf on m->g) */
int llm_vocab_load(llm_model *m, char *err, size_t errlen);

/* sampler.c */
typedef struct llm_sampler llm_sampler;
llm_sampler *llm_sampler_new(const llm_params *p, int n_vocab, int n_ctx);
void llm_sampler_free(llm_sampler *s);
void llm_sampler_accept(llm_sampler *s, int token);
/* Picks the next token from logits (modified in place). */
int llm_sampler_sample(llm_sampler *s, float *logits);
/* Tests: 1 = full sorts instead of the partial selections (same results expected). */
void llm_sampler_set_full_sort(int on);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_LLM_INTERNAL_H */
