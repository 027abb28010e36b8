/* testmodel.c — writes tiny random GGUF models of every supported architecture for the
 * tests and for the llama.cpp reference fixtures (tools/llm_arch_ref.py runs llama.cpp on
 * exactly these files; the output is deterministic for a given seed and type).
 * Common shape: n_embd 256, 4 heads (2 KV heads, so grouped-query attention), n_ff 256,
 * context 64, a 335-token SentencePiece-style vocabulary with control, user-defined and byte
 * tokens. Per architecture (k_shapes): gemma3 6 layers (layer 5 global, window 4); llama
 * 2 layers, untied output and rope_freqs; qwen2 q/k/v biases, tied output; qwen2vl the same
 * with M-RoPE sections and rms epsilon 0 (llama.cpp 0.3.36 ignores the key: 0 is what it
 * computes with); qwen3 head size 128 != 256/4 with Q/K norms; phi3 fused QKV and up,
 * LongRoPE factors (original context 32 < 64: the long set is used) with attn_factor 1.19
 * (it scales cos and sin) and a sliding_window key that phi3 ignores. Variants
 * ("llama-bias", "qwen2-fused", "qwen2vl-sec4" in k_shapes) exercise the optional pieces.
 * general.name never names the architecture: llama.cpp sets token attributes by name
 * ("phi3" in it makes llama.cpp look up "</s>", "<s>", ... and fail).
 */
#include "llm/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TM_EMBD 256
#define TM_HEAD 4
#define TM_HEAD_KV 2
#define TM_FF 256
#define TM_CTX 64

enum {
    TM_POST = 1, TM_QKNORM = 2, TM_QKV_BIAS = 4, TM_UNTIED = 8, TM_ROPE_FREQS = 16,
    TM_SECTIONS = 32, TM_FUSED_QKV = 64, TM_LONGROPE = 128, TM_EPS0 = 256, TM_FUSED_UP = 512,
    TM_OPT_BIAS = 1024, TM_LINEAR = 2048, TM_OUT_BIAS = 4096, TM_SEC4 = 8192
};

typedef struct {
    const char *name;          /* what llm_test_model_write's arch argument selects */
    const char *arch;          /* general.architecture written */
    int layers, head_dim, swa; /* swa: sliding_window key (0: none) */
    double base;
    unsigned what;             /* TM_* */
} tm_shape;

static const tm_shape k_shapes[] = {
    {"gemma3", "gemma3", 6, 64, 4, 1000.0, TM_POST | TM_QKNORM},
    {"llama", "llama", 2, 64, 0, 10000.0, TM_UNTIED | TM_ROPE_FREQS},
    {"qwen2", "qwen2", 2, 64, 0, 10000.0, TM_QKV_BIAS},
    {"qwen2vl", "qwen2vl", 2, 64, 0, 10000.0, TM_QKV_BIAS | TM_SECTIONS | TM_EPS0},
    {"qwen3", "qwen3", 2, 128, 0, 10000.0, TM_QKNORM},
    {"phi3", "phi3", 2, 64, 4, 10000.0, TM_FUSED_QKV | TM_FUSED_UP | TM_LONGROPE},
    /* variants exercising the optional pieces: llama with every optional bias and linear
     * RoPE scaling (factor 2); qwen2 with a fused attn_qkv (+ bias) and an output bias; qwen2vl with a 4th M-RoPE section (its pairs rotate by θ = 0) */
    {"llama-bias", "llama", 2, 64, 0, 10000.0, TM_OPT_BIAS | TM_LINEAR},
    {"qwen2-fused", "qwen2", 2, 64, 0, 10000.0, TM_QKV_BIAS | TM_FUSED_QKV | TM_OUT_BIAS},
    {"qwen2vl-sec4", "qwen2vl", 2, 64, 0, 10000.0, TM_QKV_BIAS | TM_SECTIONS | TM_SEC4 | TM_EPS0},
};

static uint64_t tm_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static float tm_unif(uint64_t *s) /* in (-1, 1) */
{
    return (float)((double)(tm_next(s) >> 11) * 0x1.0p-52 - 1.0);
}

/* Normal (non-special) pieces in priority order: earlier = higher score. */
#define SP "\xE2\x96\x81" /* U+2581, SentencePiece's space */
static const char *k_pieces[] = {
    SP "the", SP "of", SP "a", SP "ball", SP "volume",
    SP "The", "th", "he", "in", "er", "an", "on", SP "t", SP "b",
    SP "v", SP "o", "ll", "al", "ba", "all", "vo", "lu", "me", "ume", "Th",
    SP SP, SP, "\n",
    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s",
    "t", "u", "v", "w", "x", "y", "z", "T", "A", "I", "0", "1", "2", "3", "4", "5", "6", "7", "8",
    "9", ".", ",", "!", "?", "\xC3\xA9" /* é */,
};

int llm_test_model_write(const char *path, const char *arch, int tensor_type, uint64_t seed,
                         char *err, size_t errlen)
{
    const tm_shape *sh = NULL;
    for (size_t i = 0; arch && i < sizeof k_shapes / sizeof k_shapes[0]; i++)
        if (!strcmp(arch, k_shapes[i].name))
            sh = &k_shapes[i];
    if (!path || !sh) {
        llm_set_err(err, errlen, "llm_test_model_write: unknown arch '%s' (supported: %s)",
                    arch ? arch : "(null)", llm_arch_supported());
        return LLM_ERR_UNSUPPORTED;
    }
    if (!llm_type_supported(tensor_type)) {
        llm_set_err(err, errlen, "llm_test_model_write: unsupported tensor type %s",
                    llm_type_name(tensor_type));
        return LLM_ERR_UNSUPPORTED;
    }
    llm_gguf_writer *w = llm_gguf_writer_new(3, 32);
    if (!w)
        return LLM_ERR_NOMEM;
    /* vocabulary */
    const int n_pieces = (int)(sizeof k_pieces / sizeof k_pieces[0]);
    const int n_vocab = 7 + 256 + n_pieces;
    const char **tok = malloc((size_t)n_vocab * sizeof *tok);
    char(*bytes)[8] = malloc(256 * sizeof *bytes);
    float *scores = malloc((size_t)n_vocab * sizeof(float));
    int32_t *types = malloc((size_t)n_vocab * sizeof(int32_t));
    int rc = LLM_ERR_NOMEM;
    float *buf = NULL;
    uint8_t *qbuf = NULL;
    if (!tok || !bytes || !scores || !types)
        goto done;
    static const char *specials[7] = {"<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>",
                                      "<end_of_turn>", "<mask>"};
    static const int special_types[7] = {LLM_TOK_CONTROL, LLM_TOK_CONTROL, LLM_TOK_CONTROL,
                                         LLM_TOK_UNKNOWN, LLM_TOK_CONTROL, LLM_TOK_CONTROL,
                                         LLM_TOK_USER_DEFINED};
    for (int i = 0; i < 7; i++) {
        tok[i] = specials[i];
        types[i] = special_types[i];
        scores[i] = 0;
    }
    for (int b = 0; b < 256; b++) {
        snprintf(bytes[b], 8, "<0x%02X>", b);
        tok[7 + b] = bytes[b];
        types[7 + b] = LLM_TOK_BYTE;
        scores[7 + b] = 0;
    }
    for (int i = 0; i < n_pieces; i++) {
        tok[263 + i] = k_pieces[i];
        types[263 + i] = LLM_TOK_NORMAL;
        scores[263 + i] = -1.0f - 0.01f * (float)i;
    }
    const int D = sh->head_dim, QD = TM_HEAD * D, KD = TM_HEAD_KV * D, L = sh->layers;
    char key[96], name[96];
#define KEY(suffix) (snprintf(key, sizeof key, "%s.%s", sh->arch, suffix), key)
    llm_gguf_writer_add_str(w, "general.architecture", sh->arch);
    llm_gguf_writer_add_str(w, "general.name", "so8t tiny random model");
    llm_gguf_writer_add_u32(w, KEY("context_length"), TM_CTX);
    llm_gguf_writer_add_u32(w, KEY("embedding_length"), TM_EMBD);
    llm_gguf_writer_add_u32(w, KEY("block_count"), (uint32_t)L);
    llm_gguf_writer_add_u32(w, KEY("feed_forward_length"), TM_FF);
    llm_gguf_writer_add_u32(w, KEY("attention.head_count"), TM_HEAD);
    llm_gguf_writer_add_u32(w, KEY("attention.head_count_kv"), TM_HEAD_KV);
    llm_gguf_writer_add_u32(w, KEY("attention.key_length"), (uint32_t)D);
    llm_gguf_writer_add_u32(w, KEY("attention.value_length"), (uint32_t)D);
    llm_gguf_writer_add_u32(w, KEY("rope.dimension_count"), (uint32_t)D);
    llm_gguf_writer_add_f32(w, KEY("attention.layer_norm_rms_epsilon"), (sh->what & TM_EPS0) ? 0.0f : 1e-6f);
    llm_gguf_writer_add_f32(w, KEY("rope.freq_base"), (float)sh->base);
    if (sh->swa)
        llm_gguf_writer_add_u32(w, KEY("attention.sliding_window"), (uint32_t)sh->swa);
    if (sh->what & TM_SECTIONS) {
        const int32_t sec[4] = {D / 8, 3 * D / 16, 3 * D / 16, 0}; /* sum D/2, as Qwen2-VL */
        const int32_t sec4[4] = {D / 8, D / 8, D / 8, D / 8};
        llm_gguf_writer_add_arr(w, KEY("rope.dimension_sections"), LLM_GGUF_INT32,
                                (sh->what & TM_SEC4) ? sec4 : sec, 4);
    }
    if (sh->what & TM_LINEAR) {
        llm_gguf_writer_add_str(w, KEY("rope.scaling.type"), "linear");
        llm_gguf_writer_add_f32(w, KEY("rope.scaling.factor"), 2.0f);
    }
    if (sh->what & TM_LONGROPE) {
        llm_gguf_writer_add_u32(w, KEY("rope.scaling.original_context_length"), TM_CTX / 2);
        llm_gguf_writer_add_f32(w, KEY("rope.scaling.attn_factor"), 1.19f); /* as Phi-4-mini */
    }
#undef KEY
    llm_gguf_writer_add_str(w, "tokenizer.ggml.model", "llama");
    llm_gguf_writer_add_arr_str(w, "tokenizer.ggml.tokens", tok, (uint64_t)n_vocab);
    llm_gguf_writer_add_arr(w, "tokenizer.ggml.scores", LLM_GGUF_FLOAT32, scores, (uint64_t)n_vocab);
    llm_gguf_writer_add_arr(w, "tokenizer.ggml.token_type", LLM_GGUF_INT32, types, (uint64_t)n_vocab);
    llm_gguf_writer_add_u32(w, "tokenizer.ggml.bos_token_id", 2);
    llm_gguf_writer_add_u32(w, "tokenizer.ggml.eos_token_id", 1);
    llm_gguf_writer_add_u32(w, "tokenizer.ggml.unknown_token_id", 3);
    llm_gguf_writer_add_u32(w, "tokenizer.ggml.padding_token_id", 0);
    llm_gguf_writer_add_bool(w, "tokenizer.ggml.add_bos_token", 1);
    llm_gguf_writer_add_bool(w, "tokenizer.ggml.add_eos_token", 0);
    llm_gguf_writer_add_bool(w, "tokenizer.ggml.add_space_prefix", 0);
    llm_gguf_writer_add_str(w, "tokenizer.chat_template",
                            "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ m.role }}\n"
                            "{{ m.content }}<end_of_turn>\n{% endfor %}<start_of_turn>model\n");
    /* tensors */
    size_t maxn = (size_t)TM_EMBD * (size_t)n_vocab; /* the largest tensor */
    if ((size_t)TM_EMBD * (size_t)(QD + 2 * KD) > maxn)
        maxn = (size_t)TM_EMBD * (size_t)(QD + 2 * KD);
    buf = malloc(maxn * sizeof(float));
    qbuf = malloc(maxn * sizeof(float) + 64);
    if (!buf || !qbuf)
        goto done;
    uint64_t s = seed;
#define ADD_MAT(nm_, n0, n1, amp)                                                         \
    do {                                                                                  \
        int64_t ne_[2] = {(n0), (n1)};                                                    \
        for (int64_t i_ = 0; i_ < (int64_t)(n0) * (n1); i_++)                             \
            buf[i_] = (amp) * tm_unif(&s);                                                \
        llm_quantize_weights(tensor_type, buf, qbuf, (int64_t)(n0) * (n1));               \
        if ((rc = llm_gguf_writer_add_tensor(w, nm_, tensor_type, 2, ne_, qbuf)))         \
            goto done;                                                                    \
    } while (0)
    /* a 1-D F32 tensor of values c + amp·u */
#define ADD_VEC(nm_, n, c, amp)                                                           \
    do {                                                                                  \
        int64_t ne_[1] = {(n)};                                                           \
        for (int64_t i_ = 0; i_ < (n); i_++)                                              \
            buf[i_] = (c) + (amp) * tm_unif(&s);                                          \
        if ((rc = llm_gguf_writer_add_tensor(w, nm_, LLM_TYPE_F32, 1, ne_, buf)))         \
            goto done;                                                                    \
    } while (0)
#define ADD_NORM(nm_, n) ADD_VEC(nm_, n, 1.0f, 0.25f)
#define BLK(suffix) (snprintf(name, sizeof name, "blk.%d.%s", il, suffix), name)
    ADD_MAT("token_embd.weight", TM_EMBD, n_vocab, 0.5f);
    ADD_NORM("output_norm.weight", TM_EMBD);
    if (sh->what & TM_UNTIED)
        ADD_MAT("output.weight", TM_EMBD, n_vocab, 0.1f);
    if (sh->what & TM_OUT_BIAS)
        ADD_VEC("output.bias", n_vocab, 0.0f, 1.0f);
    if (sh->what & TM_ROPE_FREQS)
        ADD_VEC("rope_freqs.weight", D / 2, 2.0f, 1.0f); /* factors in (1, 3) */
    if (sh->what & TM_LONGROPE) {
        ADD_VEC("rope_factors_long.weight", D / 2, 3.0f, 2.0f);
        ADD_VEC("rope_factors_short.weight", D / 2, 1.2f, 0.1f);
    }
    const float ain = 1.7f / sqrtf((float)TM_EMBD), aff = 1.7f / sqrtf((float)TM_FF);
    const float aq = 1.7f / sqrtf((float)QD);
    for (int il = 0; il < L; il++) {
        ADD_NORM(BLK("attn_norm.weight"), TM_EMBD);
        if (sh->what & TM_FUSED_QKV) {
            ADD_MAT(BLK("attn_qkv.weight"), TM_EMBD, QD + 2 * KD, ain);
            if (sh->what & TM_QKV_BIAS)
                ADD_VEC(BLK("attn_qkv.bias"), QD + 2 * KD, 0.0f, 0.2f);
        } else {
            ADD_MAT(BLK("attn_q.weight"), TM_EMBD, QD, ain);
            ADD_MAT(BLK("attn_k.weight"), TM_EMBD, KD, ain);
            ADD_MAT(BLK("attn_v.weight"), TM_EMBD, KD, ain);
        }
        if ((sh->what & (TM_QKV_BIAS | TM_OPT_BIAS)) && !(sh->what & TM_FUSED_QKV)) {
            ADD_VEC(BLK("attn_q.bias"), QD, 0.0f, 0.2f);
            ADD_VEC(BLK("attn_k.bias"), KD, 0.0f, 0.2f);
            ADD_VEC(BLK("attn_v.bias"), KD, 0.0f, 0.2f);
        }
        if (sh->what & TM_QKNORM) {
            ADD_NORM(BLK("attn_q_norm.weight"), D);
            ADD_NORM(BLK("attn_k_norm.weight"), D);
        }
        ADD_MAT(BLK("attn_output.weight"), QD, TM_EMBD, aq);
        if (sh->what & TM_OPT_BIAS)
            ADD_VEC(BLK("attn_output.bias"), TM_EMBD, 0.0f, 0.2f);
        if (sh->what & TM_POST)
            ADD_NORM(BLK("post_attention_norm.weight"), TM_EMBD);
        ADD_NORM(BLK("ffn_norm.weight"), TM_EMBD);
        if (sh->what & TM_FUSED_UP) {
            ADD_MAT(BLK("ffn_up.weight"), TM_EMBD, 2 * TM_FF, ain);
        } else {
            ADD_MAT(BLK("ffn_gate.weight"), TM_EMBD, TM_FF, ain);
            ADD_MAT(BLK("ffn_up.weight"), TM_EMBD, TM_FF, ain);
        }
        ADD_MAT(BLK("ffn_down.weight"), TM_FF, TM_EMBD, aff);
        if (sh->what & TM_OPT_BIAS) {
            ADD_VEC(BLK("ffn_gate.bias"), TM_FF, 0.0f, 0.2f);
            ADD_VEC(BLK("ffn_up.bias"), TM_FF, 0.0f, 0.2f);
            ADD_VEC(BLK("ffn_down.bias"), TM_EMBD, 0.0f, 0.2f);
        }
        if (sh->what & TM_POST)
            ADD_NORM(BLK("post_ffw_norm.weight"), TM_EMBD);
    }
#undef ADD_MAT
#undef ADD_VEC
#undef ADD_NORM
#undef BLK
    rc = llm_gguf_writer_save(w, path, err, errlen);
done:
    if (rc == LLM_ERR_NOMEM)
        llm_set_err(err, errlen, "llm_test_model_write: out of memory");
    free(tok);
    free(bytes);
    free(scores);
    free(types);
    free(buf);
    free(qbuf);
    llm_gguf_writer_free(w);
    return rc;
}
