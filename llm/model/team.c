/* team.c — the thread team of one evaluation: llm_model_eval opens ONE OpenMP parallel
 * region per call (not one per matrix product, as before), and every step of the forward
 * pass is split among its threads. The matrix products are split by rows: the threads take
 * chunks of rows of the quant layer's product (llm_matmat_rows), so every output value is
 * computed by exactly the code and order of the unsplit product, and the results do not
 * depend on the thread count or on which thread ran a chunk.
 *
 * Why: a decode step of the default model is ~130 products of 0.2–1.3 M multiply-adds each.
 * Opening a parallel region per product cost more than it saved, so those ran on one
 * thread and only the output matrix used the team; in one region the split costs a barrier.
 */
#include "llm/model/team.h"
#include "llm/model/ops.h"

#include <limits.h>
#include <linux/futex.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Row views are whole multiples of this many rows: the quant layer picks kernels by the
 * matrix's row count (repacked K-quant paths need a multiple of 8), and a view of a multiple
 * of 32 rows of a matrix whose row count is a multiple of 32 makes the same choice. */
#define TEAM_ROW_ALIGN 32

/* A step whose layer products are all below this many multiply-adds (times its tokens) runs
 * its layers on one thread (the others sleep in the barrier before the output product,
 * which the team splits): there a barrier costs about as much as the product. Real models
 * are far above it; the tiny test models below. Measured for the default model's decode
 * (largest layer product 1.3 M) on the 2-core machine, 2 threads, tokens/s: layers split
 * 43.1 / 50.9 / 45.1 against 25.5 / 30.4 / 27.7 with solo layers (load ~2.5); at load ~3.5
 * the split was slower (18.6 against 22.0), the default thread count then picks 1 thread. */
#define TEAM_SOLO_MACS 262144

typedef struct {
    void *scratch; /* activation quantization of up to LLM_BATCH vectors */
    float *att;    /* n_ctx attention weights per head of a group */
    llm_team_priv priv;
    int solo;      /* 1: this thread runs alone (llm_team_set_solo) */
    int64_t base;  /* the first ticket of this thread's next split product */
    int64_t held;  /* a ticket taken beyond the last product (-1: none): a later product's */
} team_slot;

struct llm_team_ws {
    int n;
    int64_t max_layer_macs; /* the largest layer product, multiply-adds per token */
    atomic_int arrived; /* threads at the current barrier */
    atomic_int gen;     /* barrier generation (the futex word) */
    atomic_int sleepers;
    atomic_llong ticket; /* chunks of split products handed out in this evaluation */
    team_slot slot[];
};

static void ws_free(llm_team_ws *w)
{
    if (!w)
        return;
    for (int t = 0; t < w->n; t++) {
        free(w->slot[t].scratch);
        free(w->slot[t].att);
        free(w->slot[t].priv.x);
    }
    free(w);
}

void llm_team_free(llm_model *m)
{
    ws_free(m->team);
    m->team = NULL;
}

int llm_team_prepare(llm_model *m, int n_threads)
{
    if (m->team && m->team->n >= n_threads)
        return LLM_OK;
    llm_team_free(m);
    const llm_mat *mats[7 * LLM_MAX_LAYERS + 1];
    int nm = 0;
    for (int il = 0; il < m->n_layer; il++) {
        const llm_layer *L = &m->layers[il];
        const llm_mat *w[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->gate, &L->up, &L->down};
        for (int k = 0; k < 7; k++)
            mats[nm++] = w[k];
    }
    mats[nm++] = &m->output;
    int64_t max_ne0 = 1;
    for (int i = 0; i < nm; i++)
        if (mats[i]->ne0 > max_ne0)
            max_ne0 = mats[i]->ne0;
    llm_team_ws *w = calloc(1, sizeof *w + (size_t)n_threads * sizeof(team_slot));
    if (!w)
        return LLM_ERR_NOMEM;
    w->n = n_threads;
    for (int i = 0; i < nm; i++)
        if (mats[i] != &m->output && mats[i]->ne0 * mats[i]->ne1 > w->max_layer_macs)
            w->max_layer_macs = mats[i]->ne0 * mats[i]->ne1;
    atomic_init(&w->arrived, 0);
    atomic_init(&w->gen, 0);
    atomic_init(&w->sleepers, 0);
    for (int t = 0; t < n_threads; t++) {
        team_slot *s = &w->slot[t];
        s->scratch = malloc(llm_matmat_scratch_bytes(max_ne0, LLM_BATCH));
        /* attention weights of up to LLM_ATTN_GROUP_MAX heads (llm_attn_group_ggml) */
        const int grp = m->n_head / m->n_head_kv < LLM_ATTN_GROUP_MAX ? m->n_head / m->n_head_kv : LLM_ATTN_GROUP_MAX;
        s->att = malloc((size_t)m->n_ctx * (size_t)grp * sizeof(float));
        const size_t E = (size_t)m->n_embd, F = (size_t)m->n_ff, B = LLM_BATCH;
        s->priv.x = malloc(B * (3 * E + F) * sizeof(float));
        if (s->priv.x) {
            s->priv.xb = s->priv.x + B * E;
            s->priv.t = s->priv.xb + B * E;
            s->priv.hb = s->priv.t + B * E;
        }
        if (!s->scratch || !s->att || !s->priv.x) {
            ws_free(w);
            return LLM_ERR_NOMEM;
        }
    }
    m->team = w;
    return LLM_OK;
}

void llm_team_begin(llm_model *m)
{
    llm_team_ws *w = m->team;
    atomic_store(&w->ticket, 0);
    for (int t = 0; t < w->n; t++) {
        w->slot[t].base = 0;
        w->slot[t].held = -1;
    }
}

void llm_team_set_solo(llm_model *m, int on)
{
    m->team->slot[omp_get_thread_num()].solo = on;
}

static int64_t g_solo_macs = TEAM_SOLO_MACS;
void llm_team_set_solo_threshold(int64_t macs) { g_solo_macs = macs < 0 ? TEAM_SOLO_MACS : macs; }

int llm_team_solo_for(const llm_model *m, int n_tokens)
{
    return n_tokens * m->team->max_layer_macs < g_solo_macs;
}

static int team_width(const llm_model *m)
{
    return m->team->slot[omp_get_thread_num()].solo ? 1 : omp_get_num_threads();
}

void llm_team_range(const llm_model *m, int64_t n, int64_t *lo, int64_t *hi)
{
    const int nt = team_width(m), t = nt == 1 ? 0 : omp_get_thread_num();
    *lo = n * t / nt;
    *hi = n * (t + 1) / nt;
}

float *llm_team_att(llm_model *m)
{
    return m->team->slot[omp_get_thread_num()].att;
}

llm_team_priv *llm_team_private(llm_model *m)
{
    return &m->team->slot[omp_get_thread_num()].priv;
}

/* The team's barrier. libgomp's own barrier spins for up to ~300 000 pause instructions
 * before it sleeps; on a loaded machine (the project's has 2 cores and several jobs) the
 * spinning thread takes the core from the one it waits for, and a test of the tiny models
 * took 35 s instead of 4 (OMP_WAIT_POLICY=passive gave the 4). This one spins briefly (the
 * threads of a balanced split arrive within microseconds), then sleeps on a futex. */
#define TEAM_SPIN 4000

static void team_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

void llm_team_barrier(llm_model *m)
{
    const int nt = team_width(m);
    if (nt == 1)
        return;
    llm_team_ws *w = m->team;
    const int g = atomic_load(&w->gen);
    if (atomic_fetch_add(&w->arrived, 1) == nt - 1) {
        atomic_store(&w->arrived, 0);
        atomic_fetch_add(&w->gen, 1);
        if (atomic_load(&w->sleepers) > 0)
            syscall(SYS_futex, (int *)&w->gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
        return;
    }
    for (int i = 0; i < TEAM_SPIN; i++) {
        if (atomic_load_explicit(&w->gen, memory_order_acquire) != g)
            return;
        team_pause();
    }
    /* either the last thread sees sleepers > 0 and wakes us, or FUTEX_WAIT sees that gen has
     * moved on and returns at once (all seq_cst): no wake-up is lost */
    atomic_fetch_add(&w->sleepers, 1);
    while (atomic_load(&w->gen) == g)
        syscall(SYS_futex, (int *)&w->gen, FUTEX_WAIT_PRIVATE, g, NULL, NULL, 0);
    atomic_fetch_sub(&w->sleepers, 1);
}

/* Split products hand out their rows in chunks (multiples of TEAM_ROW_ALIGN rows) from one
 * ticket counter, first come first served, as ggml's threads take chunks: on the shared
 * 2-core machine a thread that loses its core for a time slice no longer holds its fixed
 * half of every product while the other waits at the barrier; the other takes the chunks.
 * Every thread meets the split products in the same order, so product p owns tickets
 * [base_p, base_p + chunks_p) for all; a thread that draws a ticket past its product's end
 * keeps it for the product it belongs to (tickets are drawn in increasing order, so every
 * ticket of every product is drawn by someone). Results do not depend on who runs a chunk:
 * llm_matmat_rows computes each row as in the whole product. */
#define TEAM_CHUNKS_PER_THREAD 4

void llm_team_matmat(llm_model *m, const llm_mat *W, const float *X, float *Y, int nb, int n_total,
                     int first, int exact, int wait)
{
    team_slot *s = &m->team->slot[omp_get_thread_num()];
    const int nt = team_width(m);
    const int64_t rows = W->ne1;
    if (nt == 1 || rows % TEAM_ROW_ALIGN != 0) {
        /* one thread owns the whole matrix (solo; tiny test shapes: the default model's rows
         * are all multiples of 32) */
        if (nt == 1 || omp_get_thread_num() == 0) {
            llm_matmat_prep(W, X, nb, exact, s->scratch);
            llm_matmat_rows(W, X, Y, rows, nb, 0, rows, n_total, first, exact, s->scratch);
        }
    } else {
        const int64_t units = rows / TEAM_ROW_ALIGN;
        const int64_t nch = units < (int64_t)nt * TEAM_CHUNKS_PER_THREAD ? units : (int64_t)nt * TEAM_CHUNKS_PER_THREAD;
        const int64_t base = s->base, end = base + nch;
        s->base = end;
        int prepped = 0;
        for (;;) {
            int64_t tk = s->held;
            s->held = -1;
            if (tk < 0)
                tk = atomic_fetch_add(&m->team->ticket, 1);
            if (tk >= end) {
                s->held = tk;
                break;
            }
            const int64_t c = tk - base;
            const int64_t r0 = c * units / nch * TEAM_ROW_ALIGN, r1 = (c + 1) * units / nch * TEAM_ROW_ALIGN;
            if (!prepped) {
                llm_matmat_prep(W, X, nb, exact, s->scratch);
                prepped = 1;
            }
            llm_matmat_rows(W, X, Y + r0, rows, nb, r0, r1, n_total, first, exact, s->scratch);
        }
    }
    if (wait)
        llm_team_barrier(m);
}
