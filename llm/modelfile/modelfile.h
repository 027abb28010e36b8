/* modelfile.h — Ollama-compatible Modelfiles and their Go-template subset.
 *
 * Format (Ollama docs/modelfile.mdx, parser/parser.go), as so8t reads it:
 *   - one instruction per line: NAME value; NAME is case-insensitive;
 *   - '#' at the start of an instruction starts a comment that runs to the end of the line;
 *   - a value is the rest of the line, trimmed, or a "quoted" value, or a """triple-quoted"""
 *     value that may span lines (no escapes inside, as in Ollama);
 *   - FROM path.gguf   (required; relative paths are relative to the Modelfile's folder)
 *   - PARAMETER name value   (names and types below; `stop` may repeat)
 *   - SYSTEM text, TEMPLATE text (Go text/template subset), LICENSE text (may repeat),
 *     MESSAGE role text (role: system, user or assistant)
 *   - ADAPTER and DRAFT are refused ("not supported"); REQUIRES, RENDERER and PARSER are
 *     accepted and ignored with a warning.
 *
 * Parameters (Ollama api.Options + api.Runner; plus names Ollama dropped, which so8t still
 * accepts so an old Modelfile keeps loading):
 *   int:    num_ctx num_batch num_gpu main_gpu num_thread num_keep seed num_predict top_k
 *           repeat_last_n mirostat
 *   float:  top_p min_p typical_p temperature repeat_penalty presence_penalty
 *           frequency_penalty mirostat_eta mirostat_tau tfs_z
 *   bool:   use_mmap use_mlock penalize_newline numa low_vram f16_kv logits_all vocab_only
 *           (true/false, 1/0, t/f, TRUE/FALSE, True/False as Go's strconv.ParseBool)
 *   string: stop
 * An unknown name is an error "unknown parameter 'NAME'" with its line number. A parameter
 * that has no effect in so8t is accepted with one warning.
 *
 * Errors go into a caller-owned buffer as "SOURCE:LINE: message"; nothing is printed.
 */
#ifndef SO8T_LLM_MODELFILE_H
#define SO8T_LLM_MODELFILE_H

#include <stddef.h>
#include <stdint.h>

#include "llm/llm.h"
#include "llm/chat/chat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes (0 = ok, negative = error). */
enum {
    LLM_MF_OK = 0,
    LLM_MF_ERR_SYNTAX = -1,      /* malformed Modelfile: bad directive, quotes, missing FROM */
    LLM_MF_ERR_PARAM = -2,       /* unknown parameter or a value of the wrong type/range */
    LLM_MF_ERR_UNSUPPORTED = -3, /* ADAPTER, DRAFT, a TEMPLATE outside the supported subset */
    LLM_MF_ERR_IO = -4,          /* the file cannot be read */
    LLM_MF_ERR_NOMEM = -5
};

/* A human-readable name for a status code. */
const char *llm_modelfile_strerror(int status);

typedef enum { LLM_MF_INT, LLM_MF_FLOAT, LLM_MF_BOOL, LLM_MF_STRING } llm_mf_type;

typedef struct {
    const char *name; /* canonical name (static storage) */
    llm_mf_type type;
    int64_t i;        /* LLM_MF_INT */
    double f;         /* LLM_MF_FLOAT */
    int b;            /* LLM_MF_BOOL: 0 or 1 */
    char *s;          /* LLM_MF_STRING (owned) */
    int line;         /* line of the PARAMETER instruction */
} llm_modelfile_param;

typedef struct {
    char *role;    /* "system", "user" or "assistant" */
    char *content;
    int line;
} llm_modelfile_message;

typedef struct {
    char *from;          /* the FROM value as written */
    char *model_path;    /* FROM resolved against the Modelfile's folder ("~/" → $HOME) */
    int from_line;
    char *system;        /* last SYSTEM, or NULL */
    char *template_text; /* last TEMPLATE, or NULL; already checked by llm_template_check */
    int template_line;
    char **licenses;
    int n_licenses;
    llm_modelfile_message *messages;
    int n_messages;
    llm_modelfile_param *params; /* in file order; `stop` may appear several times */
    int n_params;
    char **warnings;             /* "SOURCE:LINE: ..." lines for the caller to print */
    int n_warnings;
    const char **stop_list;      /* built by llm_modelfile_apply: the `stop` values */
    int n_stop_list;
} llm_modelfile;

/* Parses `len` bytes of Modelfile text. `source` names it in messages (e.g. the path);
 * `base_dir` is the folder relative FROM paths are resolved against (NULL = "."). On
 * success *mf owns everything (free with llm_modelfile_free). On failure *mf is left empty
 * and err holds "SOURCE:LINE: message". The text may contain anything; NUL bytes and files
 * over 1 MiB are refused. */
int llm_modelfile_parse(const char *text, size_t len, const char *source, const char *base_dir,
                        llm_modelfile *mf, char *err, size_t errlen);

/* Reads and parses the file at `path` (relative FROM paths resolve against its folder). */
int llm_modelfile_load(const char *path, llm_modelfile *mf, char *err, size_t errlen);

/* Frees what *mf owns and zeroes it; NULL and a zeroed struct are fine. */
void llm_modelfile_free(llm_modelfile *mf);

/* The last occurrence of parameter `name`, or NULL. */
const llm_modelfile_param *llm_modelfile_param_find(const llm_modelfile *mf, const char *name);

/* 1 when so8t's runner has nothing to do with parameter `name` (it is only accepted for
 * compatibility), 0 when it is known and used, -1 when unknown. */
int llm_modelfile_param_is_ignored(const char *name);

/* Adds one PARAMETER as the parser does (name checked against the table, value parsed
 * and range-checked, a note in mf->warnings for a parameter without effect); errors read
 * "SOURCE:LINE: ...". Used to rebuild a Modelfile from a store manifest. */
int llm_modelfile_param_add(llm_modelfile *mf, const char *source, int line, const char *name,
                            const char *value, char *err, size_t errlen);

/* Applies the PARAMETERs to *p (start from llm_params_default): num_ctx, num_thread, seed,
 * num_predict, top_k, top_p, min_p, typical_p, repeat_last_n, temperature, repeat_penalty,
 * presence_penalty, frequency_penalty, mirostat, mirostat_tau, mirostat_eta and stop take
 * effect (p->stop then points into *mf: keep mf alive while p is used; the `stop` lines
 * replace any stop strings p had). num_ctx must also be passed to llm_model_load. The model
 * path, system prompt and template are mf->model_path, mf->system, mf->template_text.
 * num_gpu and main_gpu are not llm_params: callers read them with llm_modelfile_param_find
 * and pass them to llm_model_offload after loading. `note` is kept for callers (empty
 * today; may be NULL). Returns LLM_MF_OK or LLM_MF_ERR_NOMEM.
 *
 * Use in `so8t run --modelfile F`:
 *   llm_modelfile mf; llm_modelfile_load(F, &mf, err, n);   print mf.warnings[i]
 *   llm_params p; llm_params_default(&p); llm_modelfile_apply(&mf, &p, note, sizeof note);
 *   llm_model_load(mf.model_path, p.num_ctx, &m, ...); then render mf.template_text (if any)
 *   with llm_template_render(mf.template_text, mf.system, prompt, NULL, 1, &text, ...). */
int llm_modelfile_apply(llm_modelfile *mf, llm_params *p, char *note, size_t notelen);

/* The conversation of a Modelfile for one prompt, to render in the model's chat format
 * (llm/chat/chat.h; `so8t run --chat`): SYSTEM first (when set), then the MESSAGE lines in
 * file order, then {"user", prompt} (when prompt != NULL). *msgs is malloc'd and points into
 * mf and prompt (free(*msgs) only; keep both alive). mf may be NULL. */
int llm_modelfile_conversation(const llm_modelfile *mf, const char *prompt, llm_chat_message **msgs,
                               int *n);

/* ---- TEMPLATE: the Go text/template subset so8t runs ----
 * Supported: literal text, {{ .System }} {{ .Prompt }} {{ .Response }} (also $.System …),
 * {{ if .X }} … {{ else if .Y }} … {{ else }} … {{ end }} (true = non-empty), comments
 * (the Go comment action: slash-star … star-slash inside braces), and the {{- / -}} trim markers. Anything else ({{ range }},
 * .Messages, functions, pipelines) is refused with a message naming the action. */

/* 0 when `tmpl` is inside the subset; else LLM_MF_ERR_UNSUPPORTED or LLM_MF_ERR_SYNTAX with
 * a message "TEMPLATE line N: ..." (N counts from the template's first line). */
int llm_template_check(const char *tmpl, char *err, size_t errlen);

/* Renders `tmpl` with the given values (NULL = empty). With stop_at_response set, output
 * stops where {{ .Response }} would be printed: that is the prompt the model continues.
 * *out is malloc'd (caller frees). */
int llm_template_render(const char *tmpl, const char *system, const char *prompt,
                        const char *response, int stop_at_response, char **out, char *err,
                        size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_LLM_MODELFILE_H */
