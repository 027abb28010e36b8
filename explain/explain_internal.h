/* explain_internal.h — what the files of explain/ share (not a public header: callers use
 * explain/explain.h). The pipeline, one file a step:
 *   result_read.c  the result JSON → explain_result (read, checked, geometry derived)
 *   facts.c        explain_result → the fact lines, the template text, the allowed numbers
 *   prompt.c       facts → the model prompt (worked examples, chat styles); fact citations
 *                  in the model's text → values
 *   explain.c      the attempts loop: llm/'s decode loop, tidy, check, fall back
 *   format.c       number formatting every step shares (each shown number must survive
 *                  the checker's rounding rule) */
#ifndef SO8T_EXPLAIN_INTERNAL_H
#define SO8T_EXPLAIN_INTERNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "base/strbuf.h"
#include "explain/explain.h"
#include "llm/chat/chat.h"
#include "explain/numcheck.h"

#define EXPLAIN_MAX_JSON_BYTES (16u << 20)
#define EXPLAIN_Z_AGREE 5.0 /* the project's rule: agreement within 5 standard errors */

/* A growable list of finite doubles; an allocation failure sets oom (checked once). */
typedef struct {
    double *v;
    int n, cap;
    int oom;
} explain_dvec;

void explain_dvec_add(explain_dvec *d, double x);

/* format.c */
void explain_fmt_sig(char *b, size_t n, double v, int sig);
void explain_fmt_g(char *b, size_t n, double v, int sig);
void explain_fmt_count(char *b, size_t n, double v);
void explain_fmt_pm(char *b, size_t n, double est, double se);
void explain_fmt_at(char *b, size_t n, double v, double se);
void explain_clean_word(char *b, size_t n, const char *s);

/* result_read.c */
/* Everything the explanation of one result needs, read and derived once. */
typedef struct {
    llm_result_kind kind;
    char quantity[32];
    double dim, a, r;
    int have_geom;     /* dim, half_side, radius known */
    int centred;       /* centre known to be 0 (or absent) and no rotation */
    char method[32], backend[32];
    double samples, est, se, lo, hi, rel;
    int have_ci, have_rel;
    int have_exact, agrees; /* agrees: within 5 se, or (se = 0) equal up to rounding */
    double exact, z;
    int have_cpu, have_gpu, have_identical, identical;
    char gpu_why[128]; /* why the GPU did not run (from "gpu_unavailable"), or "" */
    double cpu_hits, gpu_hits, cpu_est, gpu_est;
    /* derived */
    double cube_vol, ball_vol, sphere_area, frac_cube, frac_ball, corner, n_corners, n_faces;
    int have_cube, have_ball;
    /* exact result */
    double value, error_bound, fraction_cube_json, fraction_ball_json;
    int have_error_bound, have_fc, have_fb;
    /* rotations */
    double max_orth, min_det, max_det, seed;
    int have_orth, have_det, have_seed;
    int n_tests, n_pass, pass, have_pass;
    double worst_z;
    char worst_name[48], failed_name[48];
    /* verify */
    int n_cases, n_cases_exact_ok, n_cases_exact, n_cases_ident, n_cases_ident_known;
    double verify_worst_z;
    llm_yesno_facts yn;
} explain_result;

/* Parses and checks json_text (at most EXPLAIN_MAX_JSON_BYTES); *root is the cJSON tree
 * (caller deletes) on success. LLM_OK, or an error with a message naming the field. */
int explain_result_read(const char *json_text, cJSON **root, explain_result *ri, char *err,
                        size_t errlen);
/* Every finite number anywhere in the JSON. */
void explain_collect_numbers(const cJSON *x, explain_dvec *d, int depth);

/* facts.c */
void explain_facts_build(so8t_strbuf *f, const explain_result *ri);
void explain_template_build(so8t_strbuf *t, const explain_result *ri);
void explain_allowed_build(explain_dvec *d, const cJSON *root, const explain_result *ri,
                           const char *facts);

/* prompt.c */
/* COMPLETION: plain text for base models; CHAT: the model's own chat format (llm/chat/,
 * recognised from its tokenizer.chat_template: a model with one is an instruct model);
 * MODELFILE: the Modelfile's TEMPLATE. */
typedef enum { EXPLAIN_STYLE_COMPLETION, EXPLAIN_STYLE_CHAT, EXPLAIN_STYLE_MODELFILE } explain_prompt_style;
/* The prompt for one result: the instruction (or the Modelfile's SYSTEM), a worked example
 * with the same fact names, the facts. malloc'd, NULL when out of memory. */
char *explain_prompt_build(explain_prompt_style style, const llm_chat_format *chat, const llm_modelfile *mf,
                           llm_result_kind kind, const char *facts);
/* The model's text with each cited [fact name] replaced by its value; names that are no
 * fact are listed in bad. malloc'd, NULL when out of memory. */
char *explain_facts_substitute(const char *text, const char *facts, char *bad, size_t badlen);

#endif /* SO8T_EXPLAIN_INTERNAL_H */
