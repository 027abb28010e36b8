/* offload.c — num_gpu / main_gpu (llm/llm.h): argument checks, how many layers fit in the
 * device's free memory, and the status `so8t run --json`, `so8t info` and /api/ps report.
 * The same in both builds; the device work is the backend's (gpu.h). */
#include "llm/gpu/gpu.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Free memory the offload leaves to the CUDA context, other processes and fragmentation
 * (llama.cpp and Ollama keep a similar reserve). */
#define GPU_RESERVE_BYTES ((uint64_t)256 << 20)

static uint64_t mat_bytes(const llm_mat *w)
{
    return w->data ? (uint64_t)w->row_bytes * (uint64_t)w->ne1 : 0;
}

uint64_t llm_gpu_layer_bytes(const llm_model *m, int il)
{
    const llm_layer *L = &m->layers[il];
    const uint64_t E = (uint64_t)m->n_embd, F = (uint64_t)m->n_ff;
    const uint64_t KD = (uint64_t)m->head_dim * (uint64_t)m->n_head_kv;
    uint64_t b = mat_bytes(&L->wq) + mat_bytes(&L->wk) + mat_bytes(&L->wv) + mat_bytes(&L->wo) +
                 mat_bytes(&L->gate) + mat_bytes(&L->up) + mat_bytes(&L->down);
    b += 2 * (uint64_t)L->kv_cap * KD * sizeof(float); /* K and V cache */
    b += (8 * E + 4 * F) * sizeof(float);              /* norms, biases (an upper bound) */
    return b;
}

uint64_t llm_gpu_output_bytes(const llm_model *m)
{
    return mat_bytes(&m->output) + ((uint64_t)m->vocab.n_vocab + 2 * (uint64_t)m->n_embd) * sizeof(float);
}

/* Work buffers shared by the offloaded layers: a batch of activations (x, q, k, v,
 * attention output, two FFN halves) and the attention scores of one batch. */
static uint64_t work_bytes(const llm_model *m)
{
    const uint64_t B = LLM_BATCH, E = (uint64_t)m->n_embd, F = (uint64_t)m->n_ff;
    const uint64_t QD = (uint64_t)m->head_dim * (uint64_t)m->n_head;
    return B * (4 * E + 3 * QD + 2 * F) * sizeof(float) +
           B * (uint64_t)m->n_head * (uint64_t)m->n_ctx * sizeof(float);
}

static void status_reset(llm_model *m)
{
    llm_gpu_status *st = &m->gpu_status;
    memset(st, 0, sizeof *st);
    st->n_layer = m->n_layer;
    st->device = -1;
}

void llm_gpu_release(llm_model *m)
{
    if (!m)
        return;
    llm_gpu_backend_free(m->gpu);
    m->gpu = NULL;
}

void llm_model_gpu_status(const llm_model *m, llm_gpu_status *out)
{
    if (!out)
        return;
    if (!m) {
        memset(out, 0, sizeof *out);
        out->device = -1;
        return;
    }
    *out = m->gpu_status;
    out->n_layer = m->n_layer;
}

int llm_gpu_probe(int main_gpu, llm_gpu_status *out)
{
    llm_gpu_status st;
    memset(&st, 0, sizeof st);
    st.device = -1;
    int ok = main_gpu >= 0 && llm_gpu_backend_probe(main_gpu, &st) == LLM_OK;
    if (main_gpu < 0)
        snprintf(st.note, sizeof st.note, "main_gpu %d is not a device index", main_gpu);
    if (out)
        *out = st;
    return ok;
}

int llm_model_offload(llm_model *m, int num_gpu, int main_gpu, char *err, size_t errlen)
{
    if (!m || num_gpu < -1 || main_gpu < 0) {
        llm_set_err(err, errlen, "offload: num_gpu must be -1 (as many as fit) or >= 0, main_gpu >= 0 "
                    "(got num_gpu %d, main_gpu %d)", num_gpu, main_gpu);
        return LLM_ERR_INVAL;
    }
    llm_gpu_release(m);
    status_reset(m);
    llm_gpu_status *st = &m->gpu_status;
    if (num_gpu == 0)
        return LLM_OK;
    llm_gpu_status probe = *st;
    if (llm_gpu_backend_probe(main_gpu, &probe) != LLM_OK) {
        snprintf(st->note, sizeof st->note, "%.200s; the model runs on the CPU", probe.note);
        return LLM_OK;
    }
    st->device = main_gpu;
    memcpy(st->device_name, probe.device_name, sizeof st->device_name);
    st->device_free = probe.device_free;
    st->device_total = probe.device_total;
    const uint64_t avail = probe.device_free > GPU_RESERVE_BYTES ? probe.device_free - GPU_RESERVE_BYTES : 0;
    /* the largest n whose layers, work buffers and (when n is every layer) output fit */
    uint64_t need = work_bytes(m);
    int fit = 0;
    for (int il = 0; il < m->n_layer; il++) {
        uint64_t with = need + llm_gpu_layer_bytes(m, il);
        if (il == m->n_layer - 1)
            with += llm_gpu_output_bytes(m);
        if (with > avail)
            break;
        need = with;
        fit = il + 1;
    }
    int want = num_gpu < 0 || num_gpu > m->n_layer ? m->n_layer : num_gpu;
    if (num_gpu > 0 && want > fit) {
        uint64_t total = work_bytes(m);
        for (int il = 0; il < want; il++)
            total += llm_gpu_layer_bytes(m, il);
        if (want == m->n_layer)
            total += llm_gpu_output_bytes(m);
        llm_set_err(err, errlen,
                    "num_gpu %d: %d layers need %.1f MiB on GPU %d (%s) but %.1f MiB is free "
                    "(%.0f MiB kept in reserve); num_gpu %d fits, or use num_gpu -1",
                    num_gpu, want, (double)total / 1048576.0, main_gpu, st->device_name,
                    (double)probe.device_free / 1048576.0, (double)GPU_RESERVE_BYTES / 1048576.0, fit);
        status_reset(m);
        return LLM_ERR_NOMEM;
    }
    if (want > fit) {
        want = fit;
        snprintf(st->note, sizeof st->note, "%d of %d layers fit in the %.0f MiB free on GPU %d",
                 fit, m->n_layer, (double)probe.device_free / 1048576.0, main_gpu);
    }
    if (want == 0)
        return LLM_OK;
    const int out_gpu = want == m->n_layer;
    uint64_t bytes = 0;
    int rc = llm_gpu_backend_upload(m, main_gpu, want, out_gpu, &m->gpu, &bytes, err, errlen);
    if (rc != LLM_OK) {
        status_reset(m);
        return rc;
    }
    st->gpu_layers = want;
    st->output_on_gpu = out_gpu;
    st->device_bytes = bytes;
    return LLM_OK;
}
