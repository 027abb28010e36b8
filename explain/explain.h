/* explain.h — turns a so8t result (the documented JSON of `volume`, `exact`,
 * `rotations --stats` or `verify`) into 3–6 plain sentences.
 *
 * Pipeline: parse the JSON (hostile input: cJSON, every field type-checked) → facts (short
 * "label: value" lines, including derived ones: cube volume, fraction of the cube, corner
 * distance, |z|) → a grounded prompt (completion-style few-shot with one worked example for
 * a base model; the model's chat format when the GGUF carries a chat template; a Modelfile
 * TEMPLATE when one is given) → generate → check every number and every agree/pass claim
 * against the facts (explain/numcheck.h) → accept, or retry with the next seed, and after
 * `max_attempts` rejected texts fall back to the deterministic template and say why.
 * Without a model (none given, missing or broken file) the template is used directly, with
 * one line saying that no model was used.
 */
#ifndef SO8T_LLM_EXPLAIN_H
#define SO8T_LLM_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "llm/modelfile/modelfile.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LLM_RESULT_VOLUME = 0,  /* so8t volume --json (quantity volume | surface | orient_avg |
                               complement) */
    LLM_RESULT_EXACT = 1,   /* so8t exact --json */
    LLM_RESULT_ROTATIONS = 2, /* so8t rotations --stats --json */
    LLM_RESULT_VERIFY = 3   /* so8t verify --json */
} llm_result_kind;

/* A text generator, for callers (and tests) that bring their own: writes a malloc'd text
 * into *text and returns 0, or returns non-zero with a message. */
typedef int (*llm_explain_generate_fn)(void *user, const char *prompt, uint64_t seed,
                                       char **text, char *err, size_t errlen);

typedef struct {
    const char *model_path;  /* GGUF to use; NULL or "none": the template. Overridden by
                                modelfile->model_path when a Modelfile is given. */
    const llm_modelfile *modelfile; /* optional: FROM, PARAMETERs, SYSTEM, TEMPLATE */
    uint64_t seed;           /* first seed; attempt k uses seed + k */
    int max_attempts;        /* texts tried before falling back; <= 0: 3 */
    int num_predict;         /* token limit per attempt; <= 0: 160 */
    int num_thread;          /* <= 0: OpenMP default */
    int num_gpu;             /* layers on the GPU (llm_model_offload); LLM_EXPLAIN_GPU_UNSET
                                (the default): the Modelfile's num_gpu, else 0 (the CPU) */
    int main_gpu;            /* CUDA device; < 0 (the default): the Modelfile's, else 0 */
    llm_explain_generate_fn generate; /* when set, used instead of loading model_path */
    void *generate_user;
    const char *generator_name; /* reported as the model when `generate` is set */
} llm_explain_options;

#define LLM_EXPLAIN_GPU_UNSET (-1000)

/* Fills the defaults (no model, seed 1, 3 attempts, 160 tokens, num_gpu/main_gpu unset). */
void llm_explain_options_default(llm_explain_options *o);

typedef struct {
    uint64_t seed;
    char *text;              /* the model's text as checked */
    char **unverified;       /* numbers not in the result */
    int n_unverified;
    char **contradictions;   /* sentences contradicting a yes/no fact */
    int n_contradictions;
    char *problem;           /* other reason for rejection ("too short", an error), or NULL */
} llm_explain_attempt;

typedef struct {
    char *text;              /* the explanation (model text or template); ends without '\n' */
    char *model;             /* model path (or generator name) whose text was used; NULL when
                                the template was used */
    int fallback;            /* 1 when `text` is the template */
    char *reason;            /* why the template was used, or NULL */
    char **unverified;       /* numbers in `text` that match nothing in the result */
    int n_unverified;
    llm_explain_attempt *attempts; /* every model text tried, in order */
    int n_attempts;
    llm_result_kind kind;
    char *facts;             /* the fact lines given to the model */
    char *prompt;            /* the last prompt sent, or NULL */
    llm_gpu_status gpu;      /* where the model's layers ran (0 layers when none was loaded) */
    int num_gpu;             /* the num_gpu asked for (option, else Modelfile, else 0) */
} llm_explanation;

/* Explains one result. json_text: NUL-terminated JSON (any bytes; at most 16 MiB). On
 * success (LLM_OK) *out is filled (free with llm_explanation_free): a model problem (no
 * model, missing file, broken file, every text rejected) is not an error, it gives the
 * template with `reason` set. Errors: LLM_ERR_FORMAT for JSON that is not a so8t result
 * (the message says what is missing), LLM_ERR_INVAL for bad arguments, LLM_ERR_NOMEM. */
int llm_explain_result_json(const char *json_text, const llm_explain_options *opt,
                            llm_explanation *out, char *err, size_t errlen);
void llm_explanation_free(llm_explanation *e);

/* Only the deterministic template (no model): *text is malloc'd; the fact lines into
 * *facts when facts != NULL. Same errors as above. */
int llm_explain_template(const char *json_text, char **text, char **facts, char *err,
                         size_t errlen);

/* The default model path: $SO8T_MODEL when set and non-empty, else
 * models/gemma-3-270m-q4_k_m.gguf when that file exists (relative to the current folder,
 * then to the folder above the executable's). Writes it into buf and returns 1, or
 * returns 0 when there is none. */
int llm_explain_default_model(char *buf, size_t len);

/* Derives the numbers the text may use (the JSON's numbers and the derived facts) — exposed
 * for tests. *vals is malloc'd; returns the count or a negative status. */
int llm_explain_allowed_numbers(const char *json_text, double **vals, char *err,
                                size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_LLM_EXPLAIN_H */
