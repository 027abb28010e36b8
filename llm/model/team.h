/* team.h — the thread team of one evaluation (internal to llm/model/; team.c). */
#ifndef SO8T_LLM_MODEL_TEAM_H
#define SO8T_LLM_MODEL_TEAM_H

#include "llm/internal.h"

/* Per-thread buffers for up to n_threads threads (kept between calls; freed with the
 * model). Call outside the parallel region. LLM_OK or LLM_ERR_NOMEM. */
int llm_team_prepare(llm_model *m, int n_threads);
void llm_team_free(llm_model *m);

/* Before each evaluation's parallel region (after llm_team_prepare): restarts the chunk
 * tickets of the split products. */
void llm_team_begin(llm_model *m);

/* Called by EVERY thread of the open region: Y = W·X for nb vectors, as llm_matmat_part,
 * the threads taking chunks of rows. wait = 1: ends with a barrier (Y complete on
 * return); 0: no barrier (several products in a row, then one barrier). */
void llm_team_matmat(llm_model *m, const llm_mat *W, const float *X, float *Y, int nb, int n_total,
                     int first, int exact, int wait);

/* Per-thread copies of the element-wise state (LLM_BATCH tokens): every thread computes the
 * residual stream, the norms and the gate activation itself, identically, so that only the
 * matrix products and the attention need the team (and a barrier) — on a loaded machine a
 * barrier costs a time slice whenever a thread of the team has been preempted. */
typedef struct {
    float *x;  /* residual stream [LLM_BATCH][n_embd] */
    float *xb; /* normed input of the next product [LLM_BATCH][n_embd] */
    float *t;  /* a product's output after its post-norm [LLM_BATCH][n_embd] */
    float *hb; /* gate activation ⊙ up [LLM_BATCH][n_ff] */
} llm_team_priv;
llm_team_priv *llm_team_private(llm_model *m);

/* Every thread of the region waits here until all have arrived (team.c: brief spin, then a
 * futex sleep). Use it instead of `omp barrier` and after `omp for ... nowait`. */
void llm_team_barrier(llm_model *m);

/* Solo mode: the calling thread works alone (products unsplit, barriers no-ops) until it
 * is switched off again; each thread sets its own. llm_team_solo_for: whether an evaluation
 * of n_tokens should run its layers solo (small products; team.c says why). */
void llm_team_set_solo(llm_model *m, int on);
int llm_team_solo_for(const llm_model *m, int n_tokens);
/* Tests: the solo threshold in multiply-adds (0: always split; < 0: the default). */
void llm_team_set_solo_threshold(int64_t macs);
/* This thread's share [lo, hi) of n loop iterations (all of them when solo). */
void llm_team_range(const llm_model *m, int64_t n, int64_t *lo, int64_t *hi);

/* This thread's attention scratch: n_ctx floats per head of a group (min(n_head / n_head_kv,
 * LLM_ATTN_GROUP_MAX) heads). */
float *llm_team_att(llm_model *m);

#endif /* SO8T_LLM_MODEL_TEAM_H */
