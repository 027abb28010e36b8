/* store_internal.h — what the llm/store/ files share and nothing outside them uses. */
#ifndef SO8T_LLM_STORE_INTERNAL_H
#define SO8T_LLM_STORE_INTERNAL_H

#include "base/strbuf.h" /* so8t_strdup */
#include "llm/store/store.h"
#include "llm/llm.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_VERSION 1
#define TEXT_MAX (1u << 20)   /* template, system, license, message texts */
#define PATH_MAX_LEN 4095

struct llm_store {
    char *dir;
    pthread_mutex_t lock; /* serialises create / delete / copy within the process */
};

/* store_name.c */
char *store_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A printable excerpt of hostile text for messages: control bytes become '?', at most 40
 * bytes, then "...". */
void store_excerpt(const char *s, char *buf, size_t cap);
/* The manifest file of a name: lower case, so names compare without case. malloc'd. */
char *store_manifest_path(const llm_store *s, const llm_store_name *n);

/* store_fs.c */
int store_make_dirs(const char *path, char *err, size_t errlen); /* mkdir -p */
void store_fsync_dir(const char *dir);
int store_write_all(int fd, const void *data, size_t n);
/* `data` to `target` (in folder `dir`) whole or not at all: temp file, fsync, rename. */
int store_write_atomic(const char *dir, const char *target, const char *data, size_t n,
                       char *err, size_t errlen);
/* Copies `src` into blobs/sha256-HEX, hashing on the way. */
int store_copy_blob(llm_store *s, const char *src, char hex[65], uint64_t *size, char *err,
                    size_t errlen);

/* store_manifest.c */
char *store_now_rfc3339(void);
/* Reads and checks the manifest at `path` (expect: the name its file name says, or NULL).
 * LLM_STORE_ERR_NOTFOUND when there is no file (the message is left to the caller); the
 * parsed JSON into *json_out when not NULL (caller deletes). */
int store_manifest_read(const llm_store *s, const char *path, const llm_store_name *expect,
                        llm_store_entry *e, cJSON **json_out, char *err, size_t errlen);
/* llm_store_get for callers that hold the lock; "model 'NAME' not found" on NOTFOUND. */
int store_get_locked(llm_store *s, const char *name, llm_store_entry *out, cJSON **json,
                     char *err, size_t errlen);

#endif /* SO8T_LLM_STORE_INTERNAL_H */
