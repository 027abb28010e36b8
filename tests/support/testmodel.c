/* testmodel.c — writes tiny random gemma3 GGUF models for the tests (no real model needed).
 * Shape: n_embd 256, 4 heads of 64 (2 KV heads, so grouped-query attention), n_ff 256,
 * 6 layers (layer 5 is the global one), sliding window 4, context 64, a 330-token
 * SentencePiece-style vocabulary with control, user-defined and byte tokens.
 */
#include "llm/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TM_EMBD 256
#define TM_HEAD 4
#define TM_HEAD_KV 2
#define TM_HEAD_DIM 64
#define TM_FF 256
#define TM_LAYERS 6
#define TM_SWA 4
#define TM_CTX 64

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
    if (!path || !arch || strcmp(arch, "gemma3") != 0) {
        llm_set_err(err, errlen, "llm_test_model_write: only arch 'gemma3' is supported");
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
    llm_gguf_writer_add_str(w, "general.architecture", "gemma3");
    llm_gguf_writer_add_str(w, "general.name", "so8t tiny random gemma3");
    llm_gguf_writer_add_u32(w, "gemma3.context_length", TM_CTX);
    llm_gguf_writer_add_u32(w, "gemma3.embedding_length", TM_EMBD);
    llm_gguf_writer_add_u32(w, "gemma3.block_count", TM_LAYERS);
    llm_gguf_writer_add_u32(w, "gemma3.feed_forward_length", TM_FF);
    llm_gguf_writer_add_u32(w, "gemma3.attention.head_count", TM_HEAD);
    llm_gguf_writer_add_u32(w, "gemma3.attention.head_count_kv", TM_HEAD_KV);
    llm_gguf_writer_add_u32(w, "gemma3.attention.key_length", TM_HEAD_DIM);
    llm_gguf_writer_add_u32(w, "gemma3.attention.value_length", TM_HEAD_DIM);
    llm_gguf_writer_add_f32(w, "gemma3.attention.layer_norm_rms_epsilon", 1e-6f);
    llm_gguf_writer_add_f32(w, "gemma3.rope.freq_base", 1000.0f);
    llm_gguf_writer_add_u32(w, "gemma3.attention.sliding_window", TM_SWA);
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
    size_t maxn = (size_t)TM_EMBD * (size_t)n_vocab;
    buf = malloc(maxn * sizeof(float));
    qbuf = malloc(maxn * sizeof(float) + 64);
    if (!buf || !qbuf)
        goto done;
    uint64_t s = seed;
#define ADD_MAT(name, n0, n1, amp)                                                        \
    do {                                                                                  \
        int64_t ne_[2] = {(n0), (n1)};                                                    \
        for (int64_t i_ = 0; i_ < (int64_t)(n0) * (n1); i_++)                             \
            buf[i_] = (amp) * tm_unif(&s);                                                \
        llm_quantize_weights(tensor_type, buf, qbuf, (int64_t)(n0) * (n1));               \
        if ((rc = llm_gguf_writer_add_tensor(w, name, tensor_type, 2, ne_, qbuf)))        \
            goto done;                                                                    \
    } while (0)
#define ADD_NORM(name, n)                                                                 \
    do {                                                                                  \
        int64_t ne_[1] = {(n)};                                                           \
        for (int64_t i_ = 0; i_ < (n); i_++)                                              \
            buf[i_] = 1.0f + 0.25f * tm_unif(&s);                                         \
        if ((rc = llm_gguf_writer_add_tensor(w, name, LLM_TYPE_F32, 1, ne_, buf)))        \
            goto done;                                                                    \
    } while (0)
    ADD_MAT("token_embd.weight", TM_EMBD, n_vocab, 0.5f);
    ADD_NORM("output_norm.weight", TM_EMBD);
    const float ain = 1.7f / sqrtf((float)TM_EMBD), aff = 1.7f / sqrtf((float)TM_FF);
    const float aq = 1.7f / sqrtf((float)(TM_HEAD * TM_HEAD_DIM));
    for (int il = 0; il < TM_LAYERS; il++) {
        char nm[64];
        snprintf(nm, sizeof nm, "blk.%d.attn_norm.weight", il);
        ADD_NORM(nm, TM_EMBD);
        snprintf(nm, sizeof nm, "blk.%d.attn_q.weight", il);
        ADD_MAT(nm, TM_EMBD, TM_HEAD * TM_HEAD_DIM, ain);
        snprintf(nm, sizeof nm, "blk.%d.attn_k.weight", il);
        ADD_MAT(nm, TM_EMBD, TM_HEAD_KV * TM_HEAD_DIM, ain);
        snprintf(nm, sizeof nm, "blk.%d.attn_v.weight", il);
        ADD_MAT(nm, TM_EMBD, TM_HEAD_KV * TM_HEAD_DIM, ain);
        snprintf(nm, sizeof nm, "blk.%d.attn_q_norm.weight", il);
        ADD_NORM(nm, TM_HEAD_DIM);
        snprintf(nm, sizeof nm, "blk.%d.attn_k_norm.weight", il);
        ADD_NORM(nm, TM_HEAD_DIM);
        snprintf(nm, sizeof nm, "blk.%d.attn_output.weight", il);
        ADD_MAT(nm, TM_HEAD * TM_HEAD_DIM, TM_EMBD, aq);
        snprintf(nm, sizeof nm, "blk.%d.post_attention_norm.weight", il);
        ADD_NORM(nm, TM_EMBD);
        snprintf(nm, sizeof nm, "blk.%d.ffn_norm.weight", il);
        ADD_NORM(nm, TM_EMBD);
        snprintf(nm, sizeof nm, "blk.%d.ffn_gate.weight", il);
        ADD_MAT(nm, TM_EMBD, TM_FF, ain);
        snprintf(nm, sizeof nm, "blk.%d.ffn_up.weight", il);
        ADD_MAT(nm, TM_EMBD, TM_FF, ain);
        snprintf(nm, sizeof nm, "blk.%d.ffn_down.weight", il);
        ADD_MAT(nm, TM_FF, TM_EMBD, aff);
        snprintf(nm, sizeof nm, "blk.%d.post_ffw_norm.weight", il);
        ADD_NORM(nm, TM_EMBD);
    }
#undef ADD_MAT
#undef ADD_NORM
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
