/* store.h — the local model store (prefix llm_store_): named models, Ollama style.
 *
 * A store is a folder ($SO8T_MODELS, default ~/.so8t/models):
 *   manifests/MODEL:TAG.json   one manifest per name, the file name in lower case
 *   blobs/sha256-HEX           GGUF files copied into the store (create with copy = 1)
 * Names are Ollama's: MODEL[:TAG], the tag "latest" when absent; MODEL and TAG are 1 to 80
 * bytes of [A-Za-z0-9_.-] starting with a letter, digit or '_' (Ollama types/model/name.go).
 * Names compare without case (as Ollama's EqualFold), and are shown as written at create.
 * Ollama's host/namespace prefixes ("library/x") are refused: there is no registry.
 *
 * Manifest (JSON object, written by llm_store_create/llm_store_copy):
 *   "version": 1 (a reader refuses a newer version), "name": "MODEL:TAG",
 *   "gguf": {"path": absolute path | "blob": "sha256-HEX", "sha256": 64 hex, "size": bytes},
 *   "from": the FROM text, "details": {"format", "family", "parameter_size",
 *   "quantization_level", "parameter_count", "context_length", "embedding_length"},
 *   "parameters": {NAME: number | bool | string | [strings] for "stop"},
 *   "template", "system": strings (optional), "license": [strings], "messages":
 *   [{"role","content"}], "created_at": RFC 3339 UTC.
 * A manifest that is not valid JSON, lacks a field, has a field of the wrong type, an
 * over-long string, or a name that does not match its file is "corrupt": every function that
 * meets it says so with the file's path; none skips or overwrites it (llm_store_delete
 * removes it, so it can be replaced).
 *
 * Writes are atomic: a temporary file ".NAME.XXXXXX" in the same folder, written whole,
 * fsync()ed and renamed over the target, then the folder fsync()ed; on any failure the
 * temporary file is removed and the old manifest is left byte for byte. (A process killed
 * half way can leave a hidden temporary file, never a partial manifest; listing ignores
 * names that start with '.'.)
 *
 * Threads: one llm_store may be used from several threads at once (a mutex serialises the
 * writes; reads see either the old or the new file). Errors go into the caller's buffer.
 * Outputs belong to the caller and are freed with the matching *_free (NULL is fine).
 */
#ifndef SO8T_LLM_STORE_H
#define SO8T_LLM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "llm/modelfile/modelfile.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    LLM_STORE_OK = 0,
    LLM_STORE_ERR_INVAL = -1,    /* a bad name or argument (a usage error) */
    LLM_STORE_ERR_NOTFOUND = -2, /* "model 'NAME' not found" */
    LLM_STORE_ERR_CORRUPT = -3,  /* a manifest that cannot be read as one (names the file) */
    LLM_STORE_ERR_IO = -4,       /* the store folder or a file cannot be read or written */
    LLM_STORE_ERR_MODEL = -5,    /* FROM is missing, a folder, or not a loadable GGUF */
    LLM_STORE_ERR_NOMEM = -6
};
const char *llm_store_strerror(int status);

#define LLM_STORE_PART_MAX 80       /* bytes in MODEL and in TAG */
#define LLM_STORE_MANIFEST_MAX (8u << 20) /* a larger manifest file is corrupt */

/* ---- names ---- */
typedef struct {
    char model[LLM_STORE_PART_MAX + 1];
    char tag[LLM_STORE_PART_MAX + 1];
} llm_store_name;

/* Parses "MODEL[:TAG]" (tag "latest" when absent). LLM_STORE_ERR_INVAL with a message that
 * quotes a printable excerpt of `text` and says which rule it breaks. */
int llm_store_name_parse(const char *text, llm_store_name *out, char *err, size_t errlen);
/* "MODEL:TAG" into buf (at least 2 * LLM_STORE_PART_MAX + 2 bytes). */
void llm_store_name_format(const llm_store_name *n, char *buf, size_t len);

/* ---- the store ---- */
typedef struct llm_store llm_store;

/* The default folder: $SO8T_MODELS when set and non-empty, else $HOME/.so8t/models.
 * Returns 0, or -1 (no HOME, or too long for buf). */
int llm_store_default_dir(char *buf, size_t len);

/* Opens the store at `dir` (NULL: the default). Nothing is created until the first write;
 * a `dir` that exists and is not a folder is LLM_STORE_ERR_IO. */
int llm_store_open(const char *dir, llm_store **out, char *err, size_t errlen);
void llm_store_close(llm_store *s);
const char *llm_store_dir(const llm_store *s);

/* ---- entries ---- */
typedef struct {
    char *name;     /* as written in the manifest ("MODEL:TAG") */
    char *value;    /* as Modelfile text ("0.7", "true", "<end_of_turn>") */
} llm_store_param;

typedef struct {
    char *name;           /* "MODEL:TAG" as created */
    char *manifest_path;  /* the file it was read from */
    char *gguf_path;      /* absolute path of the GGUF (the blob for a copied one) */
    int copied;           /* 1: the GGUF is a blob inside the store */
    char sha256[65];      /* of the GGUF */
    char digest[65];      /* of what makes the model (GGUF digest, parameters, texts); the
                             ID column is its first 12 digits */
    uint64_t size;        /* GGUF bytes */
    char *from;           /* the Modelfile's FROM text */
    char *created_at;     /* RFC 3339 */
    int64_t created_unix; /* seconds since the epoch (0 when unparseable) */
    /* details */
    char *family;         /* general.architecture */
    char *parameter_size; /* "268.10M" */
    char *quantization;   /* "Q4_K_M" */
    uint64_t parameter_count, context_length, embedding_length;
    char *system, *template_text; /* NULL when absent */
    llm_store_param *params;
    int n_params;
    char **licenses;
    int n_licenses;
    llm_modelfile_message *messages;
    int n_messages;
} llm_store_entry;

void llm_store_entry_free(llm_store_entry *e); /* frees what e owns and zeroes it */

/* Resolves NAME[:TAG] to its manifest. LLM_STORE_ERR_INVAL (bad name),
 * LLM_STORE_ERR_NOTFOUND ("model 'NAME' not found"), LLM_STORE_ERR_CORRUPT (the message
 * names the manifest file and the field). */
int llm_store_get(llm_store *s, const char *name, llm_store_entry *out, char *err,
                  size_t errlen);

typedef struct {
    char *file;    /* the path of a manifest that could not be read */
    char *message; /* why (the full message, file name included) */
} llm_store_problem;

typedef struct {
    llm_store_entry *entries; /* newest first, then by name */
    int n;
    llm_store_problem *problems; /* corrupt manifests and stray files, in name order */
    int n_problems;
} llm_store_listing;

/* Lists every manifest. A missing store folder is an empty list. The return value is
 * LLM_STORE_OK even when some manifests are corrupt: they are in `problems`; an error
 * return means the folder itself could not be read. */
int llm_store_list(llm_store *s, llm_store_listing *out, char *err, size_t errlen);
void llm_store_listing_free(llm_store_listing *l);

/* Creates (or replaces) NAME from a parsed Modelfile. FROM is a GGUF file (checked now by
 * loading it: architecture, hyperparameters, every tensor's type and shape, tokenizer) or,
 * when no such file exists, the name of a model in the store, whose GGUF, parameters,
 * template and system the Modelfile's own lines override. copy = 1 copies the GGUF into
 * blobs/ (hashing it on the way); else the manifest points at the file by absolute path.
 * A corrupt manifest under NAME is not replaced (LLM_STORE_ERR_CORRUPT). On success `out`
 * (may be NULL) gets the new entry. */
int llm_store_create(llm_store *s, const char *name, const llm_modelfile *mf, int copy,
                     llm_store_entry *out, char *err, size_t errlen);

/* Removes NAME's manifest (a corrupt one too) and its blob when no other manifest uses it. */
int llm_store_delete(llm_store *s, const char *name, char *err, size_t errlen);

/* Copies SRC to DST (replacing a valid DST; a corrupt DST is refused). */
int llm_store_copy(llm_store *s, const char *src, const char *dst, char *err, size_t errlen);

/* ---- views (for `so8t show` and a server's /api/show) ---- */

/* The Modelfile text of an entry (FROM the GGUF path; parameters, template, system,
 * messages, licenses). malloc'd; NULL when out of memory. */
char *llm_store_entry_modelfile_text(const llm_store_entry *e);
/* Ollama's /api/show "parameters": one line per value, the name left-aligned in 30
 * columns, strings quoted ("stop                           \"<end_of_turn>\""). malloc'd. */
char *llm_store_entry_parameters_text(const llm_store_entry *e);
/* Fills *mf as llm_modelfile_load would for the entry's Modelfile: model_path, system,
 * template_text, params (validated again: a manifest edited by hand gets the same checks as
 * a Modelfile), messages, licenses; no warnings. Free with llm_modelfile_free. */
int llm_store_entry_to_modelfile(const llm_store_entry *e, llm_modelfile *mf, char *err,
                                 size_t errlen);

/* Ollama's human size ("241 MB", "1.2 GB"; decimal units) into buf. */
void llm_store_human_size(uint64_t bytes, char *buf, size_t len);

/* ---- SHA-256 (FIPS 180-4), llm/store/sha256.c ---- */
typedef struct {
    uint32_t h[8];
    uint64_t len;
    uint8_t buf[64];
    size_t n;
} llm_sha256;
void llm_sha256_init(llm_sha256 *s);
void llm_sha256_update(llm_sha256 *s, const void *data, size_t n);
void llm_sha256_final(llm_sha256 *s, uint8_t out[32]);
void llm_sha256_hex(const uint8_t d[32], char hex[65]); /* lower-case hex */
void llm_sha256_string(const void *data, size_t n, char hex[65]);
/* The sha256 of a file (hex) and its size. LLM_STORE_ERR_IO with a message on failure. */
int llm_sha256_file(const char *path, char hex[65], uint64_t *size, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_LLM_STORE_H */
