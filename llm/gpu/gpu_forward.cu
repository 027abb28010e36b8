/* gpu_forward.cu — llm_gpu_backend_forward: the offloaded layers of one batch, step for step
 * the exact-numerics branch of llm_forward_batch (llm/model/forward.c), with the same flags
 * of the architecture's row (m->desc) and the same cache rule (slot pos % kv_cap, the window
 * start of llm_hd_attn_t0):
 *   h = RMSNorm(x)·w_attn;  q, k, v = Wq h + bq, Wk h + bk, Wv h + bv
 *   q, k per head: QK-norm, RoPE (q × scale when pre-scaled);  k, v → cache
 *   a = Wo attention(q, cache) + bo;  x += post ? RMSNorm(a)·w_post_attn : a
 *   h2 = RMSNorm(x)·w_ffn;  f = Wdown (act(Wgate h2 + bg) ⊙ (Wup h2 + bu)) + bd
 *   x += post ? RMSNorm(f)·w_post_ffw : f
 * and, when the output is on the device, the logits of the last token: Wout RMSNorm(x)·w_out
 * (+ b_out), softcapped. The last layer's FFN runs for the last token only (as the CPU,
 * after llama.cpp's inp_out_ids), and not at all when no logits are wanted.
 * Kernels run in order on the legacy default stream; the copies back synchronize. */
#include "llm/gpu/gpu_int.cuh"

#include <math.h>

static int layer_forward(llm_gpu *g, const llm_model *m, int il, int nb, int pos0, int want_logits, char *err,
                         size_t errlen)
{
    const unsigned fl = m->desc->flags;
    const int qk_norm = (fl & LLM_ARCH_QK_NORM) != 0, post = (fl & LLM_ARCH_POST_NORMS) != 0;
    const int prescale = (fl & LLM_ARCH_Q_PRESCALE) != 0, silu = m->desc->ffn == LLM_FFN_SILU;
    const float kq_scale = prescale ? 1.0f : m->attn_scale;
    const int E = m->n_embd, D = m->head_dim, H = m->n_head, HK = m->n_head_kv, F = m->n_ff;
    const int KD = D * HK;
    const gpu_layer *L = &g->L[il];
    int rc;
#define RUN(call)                                                                                \
    if ((rc = (call)) != LLM_OK)                                                                 \
    return rc
    RUN(gpu_rmsnorm(g->xb, g->x, L->attn_norm, nb, E, m->eps, 0, il, err, errlen));
    RUN(gpu_matmul(&L->wq, g->xb, g->q, nb, L->bq, il, "attn_q", err, errlen));
    RUN(gpu_matmul(&L->wk, g->xb, g->k, nb, L->bk, il, "attn_k", err, errlen));
    RUN(gpu_matmul(&L->wv, g->xb, g->v, nb, L->bv, il, "attn_v", err, errlen));
    const int mrope = m->desc->rope == LLM_ROPE_MROPE;
    const gpu_rope rope = {m->desc->rope == LLM_ROPE_NORM,
                           m->n_rot,
                           mrope ? m->mrope_sec[0] + m->mrope_sec[1] + m->mrope_sec[2] + m->mrope_sec[3] : 0,
                           mrope ? m->mrope_sec[0] + m->mrope_sec[1] + m->mrope_sec[2] : 0,
                           L->rope_base,
                           L->rope_scale,
                           m->rope_mscale,
                           L->rope_ff};
    RUN(gpu_qk(g->q, nb, H, D, qk_norm ? L->q_norm : NULL, m->eps, &rope, pos0, prescale, m->attn_scale, il, err,
               errlen));
    RUN(gpu_qk(g->k, nb, HK, D, qk_norm ? L->k_norm : NULL, m->eps, &rope, pos0, 0, 1.0f, il, err, errlen));
    RUN(gpu_kv_store(L, g->k, g->v, nb, KD, pos0, il, err, errlen));
    RUN(gpu_attention(L, g->q, g->attn, g->att, g->att_stride, nb, H, HK, D, pos0, m->n_swa, kq_scale, il, err,
                      errlen));
    RUN(gpu_matmul(&L->wo, g->attn, g->xb2, nb, L->bo, il, "attn_output", err, errlen));
    int f0 = 0;
    if (il == m->n_layer - 1) { /* only with every layer (and the output) on the device */
        if (!want_logits)
            return LLM_OK;
        f0 = nb - 1;
    }
    const int fn = nb - f0;
    float *x_f = g->x + (size_t)f0 * E, *xb_f = g->xb + (size_t)f0 * E, *xb2_f = g->xb2 + (size_t)f0 * E;
    if (post)
        RUN(gpu_rmsnorm(x_f, xb2_f, L->post_attn_norm, fn, E, m->eps, 1, il, err, errlen));
    else
        RUN(gpu_add(x_f, xb2_f, fn, E, il, err, errlen));
    RUN(gpu_rmsnorm(xb_f, x_f, L->ffn_norm, fn, E, m->eps, 0, il, err, errlen));
    RUN(gpu_matmul(&L->gate, xb_f, g->hb, fn, L->b_gate, il, "ffn_gate", err, errlen));
    RUN(gpu_matmul(&L->up, xb_f, g->hb2, fn, L->b_up, il, "ffn_up", err, errlen));
    RUN(gpu_gate(g->act, g->hb, g->hb2, (int64_t)fn * F, silu, il, err, errlen));
    RUN(gpu_matmul(&L->down, g->act, xb2_f, fn, L->b_down, il, "ffn_down", err, errlen));
    if (post)
        RUN(gpu_rmsnorm(x_f, xb2_f, L->post_ffw_norm, fn, E, m->eps, 1, il, err, errlen));
    else
        RUN(gpu_add(x_f, xb2_f, fn, E, il, err, errlen));
    return LLM_OK;
#undef RUN
}

extern "C" int llm_gpu_backend_forward(llm_gpu *g, const llm_model *m, float *x, int nb, int pos0, float *logits,
                                       char *err, size_t errlen)
{
    if (!g || nb < 1 || nb > LLM_BATCH || pos0 < 0 || pos0 + nb > m->n_ctx) {
        llm_set_err(err, errlen, "GPU forward: batch of %d at position %d (num_ctx %d)", nb, pos0, m->n_ctx);
        return LLM_ERR_INVAL;
    }
    const int E = m->n_embd;
    const size_t xbytes = (size_t)nb * E * sizeof(float);
    const int want_logits = logits != NULL && g->out_on_gpu;
    int rc;
    GPU_CK(cudaSetDevice(g->dev), "cudaSetDevice (%d)", g->dev);
    GPU_CK(cudaMemcpy(g->x, x, xbytes, cudaMemcpyHostToDevice), "cudaMemcpy (embeddings to the device)");
    for (int il = 0; il < g->n_layers; il++)
        if ((rc = layer_forward(g, m, il, nb, pos0, want_logits, err, errlen)) != LLM_OK)
            return rc;
    if (!g->out_on_gpu) { /* the CPU runs the other layers on the result */
        GPU_CK(cudaMemcpy(x, g->x, xbytes, cudaMemcpyDeviceToHost), "cudaMemcpy (layer %d output to the host)",
               g->n_layers - 1);
        return LLM_OK;
    }
    if (!want_logits) {
        GPU_CK(cudaDeviceSynchronize(), "cudaDeviceSynchronize (after %d layers)", g->n_layers);
        return LLM_OK;
    }
    const int nv = m->vocab.n_vocab;
    if ((rc = gpu_rmsnorm(g->xb, g->x + (size_t)(nb - 1) * E, g->output_norm, 1, E, m->eps, 0, -1, err,
                          errlen)) != LLM_OK ||
        (rc = gpu_matmul(&g->output, g->xb, g->logits, 1, g->output_b, -1, "output", err, errlen)) != LLM_OK)
        return rc;
    if (m->softcap > 0 && (rc = gpu_softcap(g->logits, nv, m->softcap, err, errlen)) != LLM_OK)
        return rc;
    GPU_CK(cudaMemcpy(logits, g->logits, (size_t)nv * sizeof(float), cudaMemcpyDeviceToHost),
           "cudaMemcpy (logits to the host)");
    return LLM_OK;
}
