/* cmd_run_chat.c — the conversation side of 'so8t run --chat': messages read from a
 * non-terminal stdin (a JSON array of {"role", "content"} or plain text as one user message),
 * and the interactive loop on a terminal (each turn renders the whole conversation in the
 * model's chat format, llm/chat/chat.h, and generates the assistant's answer). */
#include "cli/cmd_run_chat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CHAT_STDIN_MAX (16u << 20) /* bytes of conversation read from stdin */

void cli_chat_init(cli_chat *c)
{
    memset(c, 0, sizeof *c);
}

void cli_chat_free(cli_chat *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->own[i]);
    free(c->own);
    free(c->msgs);
    memset(c, 0, sizeof *c);
}

int cli_chat_add(cli_chat *c, const char *role, const char *content, size_t len)
{
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 16;
        llm_chat_message *m = realloc(c->msgs, (size_t)cap * sizeof *m);
        if (!m)
            return -1;
        c->msgs = m;
        char **o = realloc(c->own, (size_t)cap * sizeof *o);
        if (!o)
            return -1;
        c->own = o;
        c->cap = cap;
    }
    /* the role and the content live in one allocation: "role\0content\0" */
    size_t rl = strlen(role);
    char *s = malloc(rl + 1 + len + 1);
    if (!s)
        return -1;
    memcpy(s, role, rl + 1);
    memcpy(s + rl + 1, content, len);
    s[rl + 1 + len] = 0;
    c->own[c->n] = s;
    c->msgs[c->n] = (llm_chat_message){s, s + rl + 1};
    c->n++;
    return 0;
}

static char *read_all(FILE *f, size_t *n)
{
    size_t cap = 4096, len = 0;
    char *b = malloc(cap + 1);
    while (b) {
        size_t k = fread(b + len, 1, cap - len, f);
        len += k;
        if (k == 0)
            break;
        if (len == cap) {
            if (cap >= CHAT_STDIN_MAX) {
                free(b);
                errno = EFBIG;
                return NULL;
            }
            char *q = realloc(b, 2 * cap + 1);
            if (!q) {
                free(b);
                return NULL;
            }
            b = q;
            cap *= 2;
        }
    }
    if (b && ferror(f)) {
        free(b);
        return NULL;
    }
    if (b)
        b[len] = 0;
    *n = len;
    return b;
}

int cli_chat_read_stdin(cli_chat *c, char *err, size_t errlen)
{
    size_t n;
    char *text = read_all(stdin, &n);
    if (!text) {
        snprintf(err, errlen, "cannot read the conversation from stdin (%s)",
                 errno == EFBIG ? "more than 16 MiB" : strerror(errno));
        return CLI_FAIL;
    }
    if (memchr(text, 0, n)) {
        free(text);
        snprintf(err, errlen, "the conversation on stdin holds a NUL byte");
        return CLI_USAGE;
    }
    size_t i = 0;
    while (i < n && strchr(" \t\r\n", text[i]))
        i++;
    int rc = CLI_OK;
    if (i < n && text[i] == '[') {
        cJSON *arr = cJSON_ParseWithLength(text, n);
        if (!cJSON_IsArray(arr)) {
            snprintf(err, errlen, "stdin starts with '[' but is not a JSON array of {\"role\", \"content\"} messages");
            rc = CLI_USAGE;
        }
        int k = 0;
        for (const cJSON *m = arr ? arr->child : NULL; m && rc == CLI_OK; m = m->next, k++) {
            const cJSON *r = cJSON_GetObjectItemCaseSensitive(m, "role");
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "content");
            if (!cJSON_IsString(r) || !cJSON_IsString(t)) {
                snprintf(err, errlen, "stdin message %d needs string fields \"role\" and \"content\"", k + 1);
                rc = CLI_USAGE;
            } else if (strcmp(r->valuestring, "system") && strcmp(r->valuestring, "user") &&
                       strcmp(r->valuestring, "assistant")) {
                snprintf(err, errlen, "stdin message %d has role '%.32s' (must be system, user or assistant)",
                         k + 1, r->valuestring);
                rc = CLI_USAGE;
            } else if (cli_chat_add(c, r->valuestring, t->valuestring, strlen(t->valuestring))) {
                snprintf(err, errlen, "out of memory");
                rc = CLI_FAIL;
            }
        }
        if (rc == CLI_OK && k == 0) {
            snprintf(err, errlen, "the JSON array on stdin holds no message");
            rc = CLI_USAGE;
        }
        cJSON_Delete(arr);
    } else {
        /* plain text: one user message, without its final newline */
        size_t l = n;
        while (l > 0 && (text[l - 1] == '\n' || text[l - 1] == '\r'))
            l--;
        if (l == 0) {
            snprintf(err, errlen, "no message on stdin (give -p PROMPT, text, or a JSON array of messages)");
            rc = CLI_USAGE;
        } else if (cli_chat_add(c, "user", text, l)) {
            snprintf(err, errlen, "out of memory");
            rc = CLI_FAIL;
        }
    }
    free(text);
    return rc;
}

int cli_chat_interactive(llm_model *m, const llm_params *p, const llm_chat_format *f, cli_chat *c,
                         int show_prompt, llm_text_cb on_text, int *write_errno)
{
    char *line = NULL;
    size_t cap = 0;
    int status = CLI_OK;
    fprintf(stderr, "so8t run: chat (%s format); an empty line is skipped, /bye or end of input ends it\n",
            llm_chat_kind_name(f->kind));
    for (;;) {
        fprintf(stderr, ">>> ");
        fflush(stderr);
        ssize_t k = getline(&line, &cap, stdin);
        if (k < 0)
            break;
        while (k > 0 && (line[k - 1] == '\n' || line[k - 1] == '\r'))
            line[--k] = 0;
        if (!strcmp(line, "/bye"))
            break;
        if (k == 0)
            continue;
        if (cli_chat_add(c, "user", line, (size_t)k)) {
            fprintf(stderr, "so8t run: out of memory\n");
            status = CLI_FAIL;
            break;
        }
        char *prompt = NULL, err[512];
        if (llm_chat_render(f, c->msgs, c->n, 1, &prompt, err, sizeof err)) {
            fprintf(stderr, "so8t run: %s\n", err);
            status = CLI_FAIL;
            break;
        }
        if (show_prompt)
            fprintf(stderr, "--- prompt ---\n%s\n--- end of prompt ---\n", prompt);
        llm_generation g;
        int rc = llm_generate(m, prompt, p, on_text, write_errno, &g, err, sizeof err);
        free(prompt);
        if (rc != LLM_OK) {
            fprintf(stderr, "\nso8t run: %s\n", err);
            status = CLI_FAIL;
            break;
        }
        if (*write_errno) {
            llm_generation_free(&g);
            status = CLI_FAIL;
            break;
        }
        printf("\n");
        cli_flush(stdout);
        int added = cli_chat_add(c, "assistant", g.text ? g.text : "", g.text ? strlen(g.text) : 0);
        llm_generation_free(&g);
        if (added) {
            fprintf(stderr, "so8t run: out of memory\n");
            status = CLI_FAIL;
            break;
        }
    }
    free(line);
    return status;
}
