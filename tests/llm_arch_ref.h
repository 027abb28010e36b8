/* llm_arch_ref.h — test support: a float64 forward pass of the tiny llama, qwen2, qwen2vl,
 * qwen3 and phi3 models, written from llama.cpp's graphs as the notes describe them
 * (llm_breadth.md §2), independently of llm/model/: it reads tensors by name through the GGUF
 * reader and llm_dequant_row (both tested on their own), recomputes the whole sequence
 * without a KV cache, computes θ with pow() and treats qwen2vl's M-RoPE as plain NEOX (the
 * reduction the notes state for sections summing to head_dim/2 with s3 = 0: this checks it).
 */
#ifndef SO8T_TESTS_LLM_ARCH_REF_H
#define SO8T_TESTS_LLM_ARCH_REF_H

#include "llm/llm.h"
#include "llm/quant/quant.h"
#include "tests/support/llm_ref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const llm_gguf *g;
    char arch[16];
    int E, H, HK, D, F, L, V, n_ctx, n_rot;
    int sec_e, sec_sum; /* M-RoPE: pairs i with i % sec_sum >= sec_e rotate by 0 */
    double eps, base, mscale, freq_scale;
    uint64_t orig_ctx;
} ar_model;

static double *ar_blk(const ar_model *rm, int il, const char *suffix)
{
    char name[96];
    snprintf(name, sizeof name, "blk.%d.%s", il, suffix);
    return llm_ref_tensor(rm->g, name, NULL, NULL);
}

static uint64_t ar_u(const ar_model *rm, const char *suffix)
{
    char key[96];
    uint64_t u = 0;
    snprintf(key, sizeof key, "%s.%s", rm->arch, suffix);
    llm_gguf_get_uint(rm->g, key, &u, NULL, 0);
    return u;
}

static void ar_init(ar_model *rm, const llm_gguf *g, int n_ctx)
{
    const char *s;
    uint64_t n;
    memset(rm, 0, sizeof *rm);
    rm->g = g;
    llm_gguf_get_str(g, "general.architecture", &s, &n, NULL, 0);
    snprintf(rm->arch, sizeof rm->arch, "%.*s", (int)n, s);
    rm->E = (int)ar_u(rm, "embedding_length");
    rm->H = (int)ar_u(rm, "attention.head_count");
    rm->HK = (int)ar_u(rm, "attention.head_count_kv");
    rm->D = (int)ar_u(rm, "attention.key_length");
    rm->F = (int)ar_u(rm, "feed_forward_length");
    rm->L = (int)ar_u(rm, "block_count");
    rm->orig_ctx = ar_u(rm, "rope.scaling.original_context_length");
    rm->n_ctx = n_ctx;
    char key[96];
    snprintf(key, sizeof key, "%s.attention.layer_norm_rms_epsilon", rm->arch);
    llm_gguf_get_float(g, key, &rm->eps, NULL, 0);
    snprintf(key, sizeof key, "%s.rope.freq_base", rm->arch);
    llm_gguf_get_float(g, key, &rm->base, NULL, 0);
    rm->mscale = 1;
    snprintf(key, sizeof key, "%s.rope.scaling.attn_factor", rm->arch);
    if (llm_gguf_find_key(g, key) >= 0)
        llm_gguf_get_float(g, key, &rm->mscale, NULL, 0);
    rm->freq_scale = 1;
    double factor = 0;
    snprintf(key, sizeof key, "%s.rope.scaling.factor", rm->arch);
    if (llm_gguf_find_key(g, key) >= 0 && llm_gguf_get_float(g, key, &factor, NULL, 0) == 0 && factor > 0)
        rm->freq_scale = 1 / factor;
    rm->n_rot = (int)ar_u(rm, "rope.dimension_count");
    snprintf(key, sizeof key, "%s.rope.dimension_sections", rm->arch);
    int64_t ks = llm_gguf_find_key(g, key);
    if (ks >= 0) {
        int32_t sec[4]; /* the mapping holds it unaligned */
        memcpy(sec, llm_gguf_arr_data(g, ks), sizeof sec);
        rm->sec_e = sec[0] + sec[1] + sec[2];
        rm->sec_sum = rm->sec_e + sec[3];
    }
    llm_gguf_kv_info ki;
    llm_gguf_kv(g, llm_gguf_find_key(g, "tokenizer.ggml.tokens"), &ki);
    rm->V = (int)ki.arr_n;
}

/* The first d dims of v: neox = 0: pairs (2i, 2i+1) (llama); 1: (i, i + d/2). θ_i =
 * fs · p · base^(-2i/d) / ff[i], 0 for M-RoPE pairs past the 3rd section; the rotation is
 * scaled by ms (rope.scaling.attn_factor). */
static void ar_rope(const ar_model *rm, double *v, int d, int pos, int neox, const double *ff, double ms)
{
    for (int i = 0; i < d / 2; i++) {
        double th = rm->freq_scale * pos * pow(rm->base, -2.0 * i / d) / (ff ? ff[i] : 1.0);
        if (rm->sec_sum > 0 && i % rm->sec_sum >= rm->sec_e)
            th = 0;
        int a = neox ? i : 2 * i, b = neox ? i + d / 2 : 2 * i + 1;
        double x0 = v[a], x1 = v[b];
        v[a] = ms * (x0 * cos(th) - x1 * sin(th));
        v[b] = ms * (x0 * sin(th) + x1 * cos(th));
    }
}

/* break_mode for the companion checks: 0 correct, 1 NORM/NEOX pairing swapped, 2 biases,
 * RoPE factors and attn_factor ignored. Returns n × V logits (caller frees). */
static double *ar_logits(const ar_model *rm, const int *toks, int n, int break_mode)
{
    const int E = rm->E, H = rm->H, HK = rm->HK, D = rm->D, F = rm->F, V = rm->V;
    const int QD = H * D, KD = HK * D;
    const int is_llama = !strcmp(rm->arch, "llama"), is_phi3 = !strcmp(rm->arch, "phi3");
    const int is_qwen3 = !strcmp(rm->arch, "qwen3"), is_qwen2 = !strcmp(rm->arch, "qwen2");
    int neox = !is_llama;
    if (break_mode == 1)
        neox = !neox;
    double *emb = llm_ref_tensor(rm->g, "token_embd.weight", NULL, NULL);
    double *out = llm_ref_tensor(rm->g, "output.weight", NULL, NULL);
    double *onorm = llm_ref_tensor(rm->g, "output_norm.weight", NULL, NULL);
    /* llama.cpp adds output.bias for qwen2 only (qwen2vl loads it and leaves it out) */
    double *out_b = is_qwen2 && break_mode != 2 ? llm_ref_tensor(rm->g, "output.bias", NULL, NULL) : NULL;
    double *ff = NULL;
    if (break_mode != 2) {
        ff = llm_ref_tensor(rm->g, "rope_freqs.weight", NULL, NULL);
        if (is_phi3) /* LongRoPE: the long factors when the context exceeds the original one */
            ff = llm_ref_tensor(rm->g, (uint64_t)rm->n_ctx > rm->orig_ctx ? "rope_factors_long.weight"
                                                                    : "rope_factors_short.weight",
                           NULL, NULL);
    }
    double *x = malloc((size_t)n * E * sizeof(double));
    for (int t = 0; t < n; t++)
        for (int i = 0; i < E; i++)
            x[(size_t)t * E + i] = emb[(size_t)toks[t] * E + i];
    double *h = malloc((size_t)E * sizeof(double)), *tmp = malloc((size_t)E * sizeof(double));
    double *q = malloc((size_t)n * QD * sizeof(double)), *k = malloc((size_t)n * KD * sizeof(double));
    double *v = malloc((size_t)n * KD * sizeof(double)), *att = malloc((size_t)n * sizeof(double));
    double *o = malloc((size_t)QD * sizeof(double)), *g1 = malloc((size_t)2 * F * sizeof(double));
    double *u1 = malloc((size_t)F * sizeof(double)), *qkv = malloc((size_t)(QD + 2 * KD) * sizeof(double));
    for (int il = 0; il < rm->L; il++) {
        double *wq = NULL, *wk = NULL, *wv = NULL, *wg = NULL, *bqkv = NULL;
        double *bq = NULL, *bk = NULL, *bv = NULL, *bo = NULL, *bg = NULL, *bu = NULL, *bd = NULL;
        double *wqkv = ar_blk(rm, il, "attn_qkv.weight");
        if (!wqkv) {
            wq = ar_blk(rm, il, "attn_q.weight");
            wk = ar_blk(rm, il, "attn_k.weight");
            wv = ar_blk(rm, il, "attn_v.weight");
        }
        if (!is_phi3)
            wg = ar_blk(rm, il, "ffn_gate.weight");
        if (break_mode != 2) {
            bq = ar_blk(rm, il, "attn_q.bias");
            bk = ar_blk(rm, il, "attn_k.bias");
            bv = ar_blk(rm, il, "attn_v.bias");
            bqkv = ar_blk(rm, il, "attn_qkv.bias");
            bo = ar_blk(rm, il, "attn_output.bias");
            bg = ar_blk(rm, il, "ffn_gate.bias");
            bu = ar_blk(rm, il, "ffn_up.bias");
            bd = ar_blk(rm, il, "ffn_down.bias");
        }
        double *wo = ar_blk(rm, il, "attn_output.weight"), *wu = ar_blk(rm, il, "ffn_up.weight");
        double *wd = ar_blk(rm, il, "ffn_down.weight"), *n_at = ar_blk(rm, il, "attn_norm.weight");
        double *n_f = ar_blk(rm, il, "ffn_norm.weight");
        double *n_q = is_qwen3 ? ar_blk(rm, il, "attn_q_norm.weight") : NULL;
        double *n_k = is_qwen3 ? ar_blk(rm, il, "attn_k_norm.weight") : NULL;
        for (int t = 0; t < n; t++) {
            llm_ref_rmsnorm(h, x + (size_t)t * E, n_at, E, rm->eps);
            double *qt = q + (size_t)t * QD, *kt = k + (size_t)t * KD, *vt = v + (size_t)t * KD;
            if (wqkv) { /* rows Q, K, V of one matrix */
                llm_ref_matvec(qkv, wqkv, bqkv, h, QD + 2 * KD, E);
                memcpy(qt, qkv, (size_t)QD * sizeof(double));
                memcpy(kt, qkv + QD, (size_t)KD * sizeof(double));
                memcpy(vt, qkv + QD + KD, (size_t)KD * sizeof(double));
            } else {
                llm_ref_matvec(qt, wq, bq, h, QD, E);
                llm_ref_matvec(kt, wk, bk, h, KD, E);
                llm_ref_matvec(vt, wv, bv, h, KD, E);
            }
            for (int hh = 0; hh < H; hh++) {
                if (n_q)
                    llm_ref_rmsnorm(qt + hh * D, qt + hh * D, n_q, D, rm->eps);
                ar_rope(rm, qt + hh * D, rm->n_rot, t, neox, ff, break_mode == 2 ? 1.0 : rm->mscale);
            }
            for (int hh = 0; hh < HK; hh++) {
                if (n_k)
                    llm_ref_rmsnorm(kt + hh * D, kt + hh * D, n_k, D, rm->eps);
                ar_rope(rm, kt + hh * D, rm->n_rot, t, neox, ff, break_mode == 2 ? 1.0 : rm->mscale);
            }
        }
        for (int t = 0; t < n; t++) {
            for (int hh = 0; hh < H; hh++) {
                const int kh = hh / (H / HK);
                for (int s = 0; s <= t; s++) { /* causal, no window (phi3's key is ignored) */
                    double d = 0;
                    for (int i = 0; i < D; i++)
                        d += q[(size_t)t * QD + hh * D + i] * k[(size_t)s * KD + kh * D + i];
                    att[s] = d / sqrt((double)D);
                }
                llm_ref_attend(o + hh * D, att, t + 1, v + kh * D, (size_t)KD, D);
            }
            llm_ref_matvec(tmp, wo, bo, o, E, QD);
            for (int i = 0; i < E; i++)
                x[(size_t)t * E + i] += tmp[i];
            llm_ref_rmsnorm(h, x + (size_t)t * E, n_f, E, rm->eps);
            if (wg) {
                llm_ref_matvec(g1, wg, bg, h, F, E);
                llm_ref_matvec(u1, wu, bu, h, F, E);
            } else { /* phi3: ffn_up holds gate (first F rows) and up */
                llm_ref_matvec(g1, wu, NULL, h, 2 * F, E);
                memcpy(u1, g1 + F, (size_t)F * sizeof(double));
            }
            for (int i = 0; i < F; i++)
                g1[i] = g1[i] / (1 + exp(-g1[i])) * u1[i];
            llm_ref_matvec(tmp, wd, bd, g1, E, F);
            for (int i = 0; i < E; i++)
                x[(size_t)t * E + i] += tmp[i];
        }
        free(wq); free(wk); free(wv); free(wqkv); free(wg); free(bq); free(bk); free(bv);
        free(bqkv); free(bo); free(bg); free(bu); free(bd);
        free(wo); free(wu); free(wd); free(n_at); free(n_f); free(n_q); free(n_k);
    }
    double *logits = malloc((size_t)n * V * sizeof(double));
    for (int t = 0; t < n; t++) {
        llm_ref_rmsnorm(h, x + (size_t)t * E, onorm, E, rm->eps);
        llm_ref_matvec(logits + (size_t)t * V, out ? out : emb, out_b, h, V, E);
    }
    free(emb); free(out); free(onorm); free(out_b); free(ff); free(x); free(h); free(tmp); free(q); free(k);
    free(v); free(att); free(o); free(g1); free(u1); free(qkv);
    return logits;
}

#endif /* SO8T_TESTS_LLM_ARCH_REF_H */
