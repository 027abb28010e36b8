/* llm_ref.h — test support shared by the LLM reference tests (test_gemma3, test_llm_arch,
 * test_llm_refuse, llm_arch_ref.h): a tensor as doubles, logits against a reference, and
 * a GGUF copied with changes. Not in libso8t.a. */
#ifndef SO8T_TESTS_LLM_REF_H
#define SO8T_TESTS_LLM_REF_H

#include "llm/llm.h"

#include <stddef.h>
#include <stdint.h>

/* Tensor `name` of g dequantized to doubles (ne1 rows of ne0), malloc'd; NULL if absent.
 * ne0 / ne1 may be NULL. */
double *llm_ref_tensor(const llm_gguf *g, const char *name, int64_t *ne0, int64_t *ne1);

/* The float64 reference passes' pieces: o = x / sqrt(mean(x²) + eps) · w (n values), and
 * y[r] = Σ_c W[r][c] x[c] (+ b[r]; b may be NULL), W row-major rows × cols. */
void llm_ref_rmsnorm(double *o, const double *x, const double *w, int n, double eps);
void llm_ref_matvec(double *y, const double *W, const double *b, const double *x, int rows,
                    int cols);

/* One head's attention at one position: att[0..n) (scores, -inf for masked) softmaxed in
 * place, then o[i] = Σ_s att[s] · v[s·vstride + i] for i < D. */
void llm_ref_attend(double *o, double *att, int n, const double *v, size_t vstride, int D);

/* Evaluates toks[0..n) one position at a time and returns the worst over positions of
 * max_i |logit_i − ref[t·V + i]| / max_i |ref[t·V + i]|; INFINITY (the error on stderr) when
 * an evaluation fails. */
double llm_ref_compare(llm_model *m, const double *ref, const int *toks, int n, int V);

/* A model file a test needs (the shared default model, SmolLM2): NULL with *absent = 1 after
 * printing "SKIP: PATH not found (WHY)" when it cannot be read; else loaded with n_ctx, NULL
 * with *absent = 0 and the reason in err when that fails (the caller's CHECK). */
llm_model *llm_ref_model_open(const char *path, int n_ctx, const char *why, int *absent,
                              char *err, size_t errlen);

/* Adds entries to a GGUF being rewritten (see llm_ref_rewrite). */
typedef void (*llm_ref_edit_fn)(llm_gguf_writer *w);

/* Copies src to dst without the keys named in drop_key (comma-separated; NULL: none) and the
 * tensor drop_tensor ("*": every tensor; NULL: none), then lets edit (may be NULL) add entries
 * (an edited key replaces a dropped one). 0, or nonzero with the reason in err. */
int llm_ref_rewrite(const char *src, const char *dst, const char *drop_key,
                    const char *drop_tensor, llm_ref_edit_fn edit, char *err, size_t errlen);

#endif
