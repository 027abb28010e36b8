/* forward.c — the one forward pass, for every architecture (arch.h gives the computation;
 * every difference between architectures is a flag of the model's row or a tensor that is
 * present or not), and llm_model_eval around it.
 */
#include "llm/model/ops.h"
#include "llm/model/ops_hd.h"
#include "llm/model/team.h"
#include "llm/gpu/gpu.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* The dump (debugging) runs on one thread while the others wait, so that it sees the whole
 * tensor and nobody changes it meanwhile. m->dump is the same for every thread. */
#define DUMP(nm, il, p, n)                                                                  \
    do {                                                                                    \
        if (m->dump) {                                                                      \
            llm_team_barrier(m);                                                            \
            if (omp_get_thread_num() == 0)                                                  \
                m->dump(nm, il, p, (size_t)(n), m->dump_user);                              \
            llm_team_barrier(m);                                                            \
        }                                                                                   \
    } while (0)

/* y[t][i] += b[i] for nb rows of n of a shared product output (rows split among the
 * threads, then a barrier). */
static void add_bias(llm_model *m, float *y, const float *b, int nb, int n)
{
    if (!b)
        return;
    int64_t lo, hi;
    llm_team_range(m, nb, &lo, &hi);
    for (int64_t t = lo; t < hi; t++)
        for (int i = 0; i < n; i++)
            y[(size_t)t * n + i] += b[i];
    llm_team_barrier(m);
}

/* The post-norm and residual add after a product: x += post ? RMSNorm(y)·w : y, for the
 * tokens [f0, nb); y (shared) is read, the sums go to this thread's copy of x. */
static void residual_add(const llm_model *m, float *x, float *t, const float *y, const float *w,
                         int f0, int nb)
{
    const int E = m->n_embd;
    if (w)
        llm_rmsnorm_rows(t + (size_t)f0 * E, y + (size_t)f0 * E, w, E, m->eps, nb - f0);
    for (int b = f0; b < nb; b++) {
        const float *yb = (w ? t : y) + (size_t)b * E;
        float *xr = x + (size_t)b * E;
        for (int i = 0; i < E; i++)
            xr[i] += yb[i];
    }
}

static int g_batch_tokens = LLM_BATCH;
void llm_set_batch_tokens(int n) { g_batch_tokens = n >= 1 && n <= LLM_BATCH ? n : LLM_BATCH; }

/* Runs nb (<= LLM_BATCH) tokens at positions pos0 .. pos0 + nb - 1; every thread of the
 * evaluation's team calls it (model/team.c). The products are split by rows and the
 * attention by (token, head); the element-wise steps (embedding, norms, residual, gate
 * activation) are cheap next to them and each thread does them itself on its own copy, so
 * a layer costs 6 barriers (llm_team_barrier). Every per-token result is computed exactly
 * as for a single token of the same evaluation (batching only shares the weight reads),
 * whatever the thread count. */
void llm_forward_batch(llm_model *m, const int *toks, int nb, int pos0, int want_logits, int n_total,
                       int first)
{
    const unsigned fl = m->desc->flags;
    const int qk_norm = (fl & LLM_ARCH_QK_NORM) != 0, post = (fl & LLM_ARCH_POST_NORMS) != 0;
    const int prescale = (fl & LLM_ARCH_Q_PRESCALE) != 0, silu = m->desc->ffn == LLM_FFN_SILU;
    /* q pre-scaled (gemma3, phi3): softmax scale 1; otherwise the scale is applied to q·k */
    const float kq_scale = prescale ? 1.0f : m->attn_scale;
    const int lanes = n_total == 1 ? 32 : 8; /* llama.cpp: vec_dot_f16 for 1-token batches, else tinyBLAS */
    const int E = m->n_embd, D = m->head_dim, H = m->n_head, HK = m->n_head_kv, F = m->n_ff;
    /* an offloaded model runs the exact numerics on both sides (the device has no llama.cpp
     * order), so partial and full offload are one computation (llm_model_offload) */
    const int KD = D * HK, QD = D * H, exact = m->numerics == LLM_NUMERICS_EXACT || m->gpu != NULL;
    const float es = sqrtf((float)E);
    llm_team_priv *P = llm_team_private(m);
    float *X = P->x, *XB = P->xb;
    /* small products (a decode step of a small model): the layers on thread 0 alone */
    const int solo = llm_team_solo_for(m, nb);
    /* every layer and the output on the device: it returns the logits. Known to every thread:
     * in a solo batch the others wait at done_layers and must not start the output product */
    const int dev_logits = m->gpu && want_logits && m->gpu_status.output_on_gpu;
    if (solo) {
        llm_team_set_solo(m, 1);
        if (omp_get_thread_num() != 0)
            goto done_layers;
    }
    for (int b = 0; b < nb; b++) {
        float *x = X + (size_t)b * E;
        llm_dequant_row(m->tok_embd.type, m->tok_embd.data + (size_t)toks[b] * m->tok_embd.row_bytes, x, E);
        if (fl & LLM_ARCH_EMBD_SCALE)
            for (int i = 0; i < E; i++)
                x[i] *= es;
    }
    DUMP("inp_scaled", -1, X, nb * E);
    int il0 = 0;
    if (m->gpu) {
        /* the first gpu_layers layers run on the device (llm/gpu/), driven by thread 0; the
         * other threads take its result from the shared buffer m->x (sized LLM_BATCH rows) */
        il0 = m->gpu_status.gpu_layers;
        if (omp_get_thread_num() == 0) {
            if (m->gpu_rc == LLM_OK)
                m->gpu_rc = llm_gpu_backend_forward(m->gpu, m, X, nb, pos0, dev_logits ? m->logits : NULL,
                                                    m->gpu_err, sizeof m->gpu_err);
            memcpy(m->x, X, (size_t)nb * E * sizeof(float));
        }
        llm_team_barrier(m);
        if (omp_get_thread_num() != 0)
            memcpy(X, m->x, (size_t)nb * E * sizeof(float));
        if (dev_logits)
            goto done_layers;
    }
    for (int il = il0; il < m->n_layer; il++) {
        llm_layer *L = &m->layers[il];
        llm_rmsnorm_rows(XB, X, L->attn_norm, E, m->eps, nb);
        llm_team_matmat(m, &L->wq, XB, m->q, nb, n_total, first, exact, 0);
        llm_team_matmat(m, &L->wk, XB, m->k, nb, n_total, first, exact, 0);
        llm_team_matmat(m, &L->wv, XB, m->v, nb, n_total, first, exact, 1);
        add_bias(m, m->q, L->bq, nb, QD);
        add_bias(m, m->k, L->bk, nb, KD);
        add_bias(m, m->v, L->bv, nb, KD);
        const llm_rope rope = {m->desc->rope, m->n_rot, L->rope_base, L->rope_scale,
                               m->rope_mscale, L->rope_ff, m->mrope_sec};
        DUMP("attn_norm", il, XB, nb * E);
        DUMP("Qcur", il, m->q, nb * QD);
        DUMP("Kcur", il, m->k, nb * KD);
        DUMP("Vcur", il, m->v, nb * KD);
        /* per token: QK-norm, RoPE, f16 rounding, K/V into the cache (distinct slots: the
         * ring of a sliding-window layer holds the window plus a whole batch) */
        int64_t lo, hi;
        llm_team_range(m, nb, &lo, &hi);
        /* the (cos, sin) table once per token for all its heads (llama.cpp-order rotation) */
        const int cs_ok = !exact;
        float cs[2 * LLM_ROPE_CS_MAX];
        for (int b = (int)lo; b < (int)hi; b++) {
            const int pos = pos0 + b;
            if (cs_ok)
                llm_rope_cs(&rope, pos, cs);
            if (qk_norm)
                llm_rmsnorm_rows(m->q + (size_t)b * QD, m->q + (size_t)b * QD, L->q_norm, D, m->eps, H);
            for (int h = 0; h < H; h++) {
                float *qh = m->q + (size_t)b * QD + h * D;
                if (cs_ok)
                    llm_rope_apply_cs(qh, &rope, cs);
                else
                    llm_rope_apply(qh, &rope, pos, exact);
                if (prescale)
                    for (int i = 0; i < D; i++)
                        qh[i] *= m->attn_scale;
                if (!exact) /* llama.cpp's K·q product is in f16 */
                    llm_round_fp16_n(qh, (size_t)D);
            }
            const float *kb = m->k + (size_t)b * KD, *vb = m->v + (size_t)b * KD;
            for (int h = 0; h < HK; h++) {
                float *kh = m->k + (size_t)b * KD + h * D;
                if (qk_norm)
                    llm_rmsnorm(kh, kh, L->k_norm, D, m->eps);
                if (cs_ok)
                    llm_rope_apply_cs(kh, &rope, cs);
                else
                    llm_rope_apply(kh, &rope, pos, exact);
            }
            const int slot = pos % L->kv_cap;
            float *kd = L->kc + (size_t)slot * KD, *vd = L->vc + (size_t)slot * KD;
            memcpy(kd, kb, (size_t)KD * sizeof(float));
            memcpy(vd, vb, (size_t)KD * sizeof(float));
            if (!exact) {
                llm_round_fp16_n(kd, (size_t)KD);
                llm_round_fp16_n(vd, (size_t)KD);
            }
        }
        llm_team_barrier(m);
        /* attention: one (token, head) pair per iteration, causal (token b sees the cache up
         * to its own position), each pair computed alone in a fixed order */
        const int grp = H / HK;
        if (!exact && lanes == 8) {
            /* batches: the query heads of a kv head together (they share its K/V reads), in
             * pieces of up to LLM_ATTN_GROUP_MAX heads; each head as computed alone */
            const int nsub = (grp + LLM_ATTN_GROUP_MAX - 1) / LLM_ATTN_GROUP_MAX;
            llm_team_range(m, (int64_t)nb * HK * nsub, &lo, &hi);
            for (int u = (int)lo; u < (int)hi; u++) {
                const int b = u / (HK * nsub), kh = u / nsub % HK, sub = u % nsub, pos = pos0 + b;
                const int h0 = kh * grp + sub * LLM_ATTN_GROUP_MAX;
                const int g = grp - sub * LLM_ATTN_GROUP_MAX < LLM_ATTN_GROUP_MAX ? grp - sub * LLM_ATTN_GROUP_MAX
                                                                                  : LLM_ATTN_GROUP_MAX;
                const int t0 = llm_hd_attn_t0(pos, L->swa, m->n_swa, L->kv_cap), nt = pos - t0 + 1;
                llm_attn_group_ggml(L, m->q + (size_t)b * QD + h0 * D, llm_team_att(m), m->attn + (size_t)b * QD + h0 * D,
                                    t0, nt, KD, kh, D, g, lanes, kq_scale);
            }
            lo = hi = 0; /* the per-head loop below has nothing left */
        } else
            llm_team_range(m, (int64_t)nb * H, &lo, &hi);
        for (int bh = (int)lo; bh < (int)hi; bh++) {
            const int b = bh / H, h = bh % H, pos = pos0 + b;
            const int t0 = llm_hd_attn_t0(pos, L->swa, m->n_swa, L->kv_cap), nt = pos - t0 + 1;
            const float *qh = m->q + (size_t)b * QD + h * D;
            float *o = m->attn + (size_t)b * QD + h * D;
            float *att = llm_team_att(m);
            const int kh = h / grp;
            if (exact) /* ops_hd.h: the GPU's attention kernel computes the same head */
                llm_hd_attn_head(qh, L->kc, L->vc, L->kv_cap, KD, kh, D, t0, nt, kq_scale, att, o);
            else
                llm_attn_head_ggml(L, qh, att, o, t0, nt, KD, kh, D, lanes, kq_scale);
        }
        llm_team_barrier(m);
        DUMP("Qscaled", il, m->q, nb * QD);
        DUMP("Kroped", il, m->k, nb * KD);
        DUMP("kqv_out", il, m->attn, nb * QD);
        llm_team_matmat(m, &L->wo, m->attn, m->xb2, nb, n_total, first, exact, 1);
        add_bias(m, m->xb2, L->bo, nb, E);
        DUMP("attn_out", il, m->xb2, nb * E);
        /* llama.cpp keeps only the output rows after the last layer's attention (inp_out_ids):
         * the rest of that layer runs for the last token alone, as a 1-vector product (which
         * selects llama.cpp's single-vector kernels); without logits it is not needed at all */
        int f0 = 0, fn = nb, ftot = n_total, ffirst = first;
        if (il == m->n_layer - 1) {
            if (!want_logits)
                break;
            f0 = nb - 1;
            fn = 1;
            ftot = 1;
            ffirst = 0;
        }
        float *xb_f = XB + (size_t)f0 * E, *xb2_f = m->xb2 + (size_t)f0 * E;
        float *hb_f = m->hb + (size_t)f0 * F, *hb2_f = m->hb2 + (size_t)f0 * F;
        float *act = P->hb + (size_t)f0 * F;
        residual_add(m, X, P->t, m->xb2, post ? L->post_attn_norm : NULL, f0, nb);
        llm_rmsnorm_rows(XB + (size_t)f0 * E, X + (size_t)f0 * E, L->ffn_norm, E, m->eps, nb - f0);
        DUMP("attn_post_norm", il, post ? P->t + (size_t)f0 * E : xb2_f, fn * E);
        DUMP("sa_out", il, X + (size_t)f0 * E, fn * E);
        DUMP("ffn_norm", il, xb_f, fn * E);
        llm_team_matmat(m, &L->gate, xb_f, hb_f, fn, ftot, ffirst, exact, 0);
        llm_team_matmat(m, &L->up, xb_f, hb2_f, fn, ftot, ffirst, exact, 1);
        add_bias(m, hb_f, L->b_gate, fn, F);
        add_bias(m, hb2_f, L->b_up, fn, F);
        DUMP("ffn_gate", il, hb_f, fn * F);
        DUMP("ffn_up", il, hb2_f, fn * F);
        const size_t nf = (size_t)fn * F;
        if (!silu && !exact)
            llm_geglu_ggml_n(act, hb_f, hb2_f, nf);
        else
            for (size_t i = 0; i < nf; i++)
                act[i] = silu && exact ? llm_silu_f32(hb_f[i]) * hb2_f[i]
                         : silu        ? llm_silu_ggml(hb_f[i]) * hb2_f[i]
                                       : llm_gelu_f32(hb_f[i]) * hb2_f[i];
        DUMP(silu ? "ffn_swiglu" : "ffn_geglu", il, act, fn * F);
        llm_team_matmat(m, &L->down, act, xb2_f, fn, ftot, ffirst, exact, 1);
        add_bias(m, xb2_f, L->b_down, fn, E);
        DUMP("ffn_out", il, xb2_f, fn * E);
        residual_add(m, X, P->t, m->xb2, post ? L->post_ffw_norm : NULL, f0, nb);
        DUMP("ffn_post_norm", il, post ? P->t + (size_t)f0 * E : xb2_f, fn * E);
        DUMP("l_out", il, X + (size_t)f0 * E, fn * E);
    }
    /* logits only for the last token (its norm in the shared buffer: the team's input) */
    if (want_logits && omp_get_thread_num() == 0)
        llm_rmsnorm(m->xb, X + (size_t)(nb - 1) * E, m->output_norm, E, m->eps);
done_layers:
    if (solo)
        llm_team_set_solo(m, 0);
    llm_team_barrier(m);
    if (!want_logits || dev_logits)
        return;
    DUMP("result_norm", -1, m->xb, E);
    llm_team_matmat(m, &m->output, m->xb, m->logits, 1, 1, 0, exact, 1);
    add_bias(m, m->logits, m->output_b, 1, m->vocab.n_vocab);
    if (m->softcap > 0) {
        int64_t lo, hi;
        llm_team_range(m, m->vocab.n_vocab, &lo, &hi);
        for (int64_t i = lo; i < hi; i++)
            m->logits[i] = m->softcap * tanhf(m->logits[i] / m->softcap);
        llm_team_barrier(m);
    }
}

int llm_model_eval(llm_model *m, const int *tokens, int n, int pos, float *logits, char *err,
                   size_t errlen)
{
    if (!m || (!tokens && n) || n < 0 || pos < 0) {
        llm_set_err(err, errlen, "llm_model_eval: invalid argument");
        return LLM_ERR_INVAL;
    }
    if ((int64_t)pos + n > m->n_ctx) {
        llm_set_err(err, errlen, "context full: %d + %d tokens exceed num_ctx %d", pos, n, m->n_ctx);
        return LLM_ERR_CTX;
    }
    for (int i = 0; i < n; i++) {
        if (tokens[i] < 0 || tokens[i] >= m->vocab.n_vocab) {
            llm_set_err(err, errlen, "token id %d out of range [0, %d)", tokens[i], m->vocab.n_vocab);
            return LLM_ERR_INVAL;
        }
        /* a vision model's image placeholder would need image embeddings this runner lacks */
        for (int j = 0; j < m->n_img_tok; j++)
            if (tokens[i] == m->img_tok[j]) {
                llm_set_err(err, errlen,
                            "token %d '%s' is an image/video placeholder: image input is not "
                            "supported (%s runs as a text-only model)",
                            tokens[i], llm_token_text(m, tokens[i]), m->arch);
                return LLM_ERR_UNSUPPORTED;
            }
    }
    /* one parallel region for the whole evaluation (model/team.c); an inner product's own
     * parallel region, if the quant layer opens one, runs inactive (one thread) inside it */
    const int nth = omp_get_max_threads();
    if (llm_team_prepare(m, nth)) {
        llm_set_err(err, errlen, "out of memory (per-thread buffers for %d threads)", nth);
        return LLM_ERR_NOMEM;
    }
    llm_team_begin(m);
    m->gpu_rc = LLM_OK;
    #pragma omp parallel num_threads(nth)
    for (int i = 0; i < n;) {
        /* the kernels (and so the float order) follow llama.cpp's choice for one batch of
         * all n tokens, whatever the split into LLM_BATCH pieces here */
        const int piece = g_batch_tokens;
        int nb = n - i < piece ? n - i : piece;
        llm_forward_batch(m, tokens + i, nb, pos + i, logits != NULL && i + nb == n, n, i);
        i += nb;
    }
    if (m->gpu_rc != LLM_OK) {
        llm_set_err(err, errlen, "GPU layers: %s", m->gpu_err);
        return m->gpu_rc;
    }
    if (logits && n > 0) {
        /* the load refuses non-finite weights, but an overflow can still make inf/NaN: such
         * logits must never become tokens (262k compares, ~0.1 ms, per evaluation) */
        for (int i = 0; i < m->vocab.n_vocab; i++)
            if (!isfinite(m->logits[i])) {
                /* the output matrix is not scanned at load: name it if it is the cause */
                if (llm_mat_check_finite(&m->output, err, errlen) == LLM_OK)
                    llm_set_err(err, errlen,
                                "the model computed a non-finite logit (token %d at position "
                                "%d): its weights overflow or are corrupt",
                                i, pos + n - 1);
                return LLM_ERR_FORMAT;
            }
        memcpy(logits, m->logits, (size_t)m->vocab.n_vocab * sizeof(float));
    }
    return LLM_OK;
}
