/* generate.c — prompt → tokens → forward → sample loop, with stop strings matched on the
 * decoded text. While streaming, any tail of the text that could still become a stop string
 * (and any incomplete UTF-8 sequence) is held back; it is flushed at the end, and a stop
 * string itself is never emitted.
 */
#include "llm/internal.h"

#include <omp.h>

#include "base/threads.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int llm_default_threads(void)
{
    /* One thread per idle core: on a busy machine an OpenMP team whose threads get preempted
     * stalls at every barrier (measured on the 2-core project machine at load ~4: prompt 47
     * tokens/s with 1 thread, 13 with 2). The results do not depend on the thread count. */
    int n = omp_get_num_procs();
    double la;
    if (n > 1 && getloadavg(&la, 1) == 1) {
        int idle = n - (int)(la + 0.5);
        n = idle < 1 ? 1 : idle;
    }
    return n;
}

void llm_generation_free(llm_generation *g)
{
    if (!g)
        return;
    free(g->text);
    free(g->tokens);
    g->text = NULL;
    g->tokens = NULL;
}

typedef struct {
    char *s;
    size_t n, cap;
} str_t;

static int str_add(str_t *b, const char *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->n + n + 1)
            c *= 2;
        char *q = realloc(b->s, c);
        if (!q)
            return LLM_ERR_NOMEM;
        b->s = q;
        b->cap = c;
    }
    memcpy(b->s + b->n, p, n);
    b->n += n;
    b->s[b->n] = 0;
    return LLM_OK;
}

/* Length of the incomplete UTF-8 sequence at the end of s[0..n) (0 if it ends cleanly). */
static size_t utf8_partial_tail(const char *s, size_t n)
{
    for (size_t k = 1; k <= 3 && k <= n; k++) {
        unsigned char c = (unsigned char)s[n - k];
        if ((c & 0xC0) == 0x80)
            continue; /* continuation byte: look further back */
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return need > k ? k : 0;
    }
    return 0;
}

/* Emits text[from, to) through the callback (NUL-terminated copy). */
static int emit_span(const char *text, size_t from, size_t to, llm_text_cb cb, void *user)
{
    if (!cb || to <= from)
        return 0;
    char stackbuf[256];
    size_t n = to - from;
    char *b = n < sizeof stackbuf ? stackbuf : malloc(n + 1);
    if (!b)
        return 0;
    memcpy(b, text + from, n);
    b[n] = 0;
    int r = cb(b, user);
    if (b != stackbuf)
        free(b);
    return r;
}

int llm_generate(llm_model *m, const char *prompt, const llm_params *pin, llm_text_cb on_text,
                 void *user, llm_generation *out, char *err, size_t errlen)
{
    if (!m || !prompt || !out) {
        llm_set_err(err, errlen, "llm_generate: invalid argument");
        return LLM_ERR_INVAL;
    }
    memset(out, 0, sizeof *out);
    llm_params p;
    if (pin)
        p = *pin;
    else
        llm_params_default(&p);
    for (int i = 0; i < p.n_stop; i++)
        if (!p.stop || !p.stop[i] || !p.stop[i][0]) {
            llm_set_err(err, errlen, "llm_generate: stop string %d is empty", i);
            return LLM_ERR_INVAL;
        }
    omp_set_num_threads(so8t_threads_resolve(p.num_thread > 0 ? p.num_thread : llm_default_threads()));
    out->load_seconds = m->load_seconds;
    const int n_ctx = m->n_ctx;
    int n = llm_tokenize(m, prompt, -1, 1, NULL, 0);
    if (n < 0) {
        llm_set_err(err, errlen, "tokenizer failed: %s", llm_strerror(n));
        return n;
    }
    if (n == 0) {
        llm_set_err(err, errlen, "the prompt is empty and the model adds no BOS token");
        return LLM_ERR_INVAL;
    }
    if (n >= n_ctx) {
        llm_set_err(err, errlen, "the prompt has %d tokens; the context holds %d (raise --ctx)", n, n_ctx);
        return LLM_ERR_CTX;
    }
    int *toks = malloc((size_t)n * sizeof(int));
    int max_gen = p.num_predict < 0 ? n_ctx - n : p.num_predict;
    if (max_gen > n_ctx - n)
        max_gen = n_ctx - n;
    out->tokens = malloc((size_t)(max_gen > 0 ? max_gen : 1) * sizeof(int));
    float *logits = malloc((size_t)m->vocab.n_vocab * sizeof(float));
    llm_sampler *smp = llm_sampler_new(&p, m->vocab.n_vocab, n_ctx);
    str_t text = {0};
    int rc = LLM_OK;
    if (!toks || !out->tokens || !logits || !smp || str_add(&text, "", 0)) {
        rc = LLM_ERR_NOMEM;
        llm_set_err(err, errlen, "out of memory");
        goto done;
    }
    llm_tokenize(m, prompt, -1, 1, toks, n);
    out->prompt_tokens = n;
    double t0 = now_s();
    if ((rc = llm_model_eval(m, toks, n, 0, logits, err, errlen)))
        goto done;
    double t1 = now_s();
    out->prompt_tokens_per_second = t1 > t0 ? n / (t1 - t0) : 0;
    for (int i = 0; i < n; i++)
        llm_sampler_accept(smp, toks[i]);
    size_t emitted = 0, max_stop = 0;
    for (int i = 0; i < p.n_stop; i++)
        if (strlen(p.stop[i]) > max_stop)
            max_stop = strlen(p.stop[i]);
    out->stop_reason = "length";
    int pos = n, stopped = 0;
    while (out->n_tokens < max_gen) {
        int tok = llm_sampler_sample(smp, logits);
        if (llm_token_is_eog(m, tok)) {
            out->stop_reason = "stop";
            break;
        }
        llm_sampler_accept(smp, tok);
        out->tokens[out->n_tokens++] = tok;
        char piece[512];
        int pl = llm_token_to_piece(m, tok, 0, piece, sizeof piece);
        if (pl < 0)
            pl = 0;
        if (pl > (int)sizeof piece - 1)
            pl = (int)sizeof piece - 1;
        if (str_add(&text, piece, (size_t)pl)) {
            rc = LLM_ERR_NOMEM;
            llm_set_err(err, errlen, "out of memory");
            goto done;
        }
        /* a complete stop string → cut there and finish */
        size_t cut = text.n;
        for (int i = 0; i < p.n_stop; i++) {
            const char *hit = strstr(text.s + emitted, p.stop[i]);
            if (hit && (size_t)(hit - text.s) < cut)
                cut = (size_t)(hit - text.s);
        }
        if (cut < text.n) {
            text.n = cut;
            text.s[cut] = 0;
            emit_span(text.s, emitted, cut, on_text, user);
            emitted = cut;
            out->stop_reason = "stop";
            stopped = 1;
            break;
        }
        /* hold back the longest tail that is a prefix of some stop string */
        size_t hold = 0;
        for (int i = 0; i < p.n_stop; i++) {
            size_t sl = strlen(p.stop[i]);
            for (size_t k = sl - 1; k > hold; k--)
                if (k <= text.n - emitted && memcmp(text.s + text.n - k, p.stop[i], k) == 0) {
                    hold = k;
                    break;
                }
        }
        size_t upto = text.n - hold;
        upto -= utf8_partial_tail(text.s, upto);
        if (upto > emitted) {
            if (emit_span(text.s, emitted, upto, on_text, user)) {
                emitted = upto;
                out->stop_reason = "stop";
                stopped = 1;
                break;
            }
            emitted = upto;
        }
        if (out->n_tokens >= max_gen || pos >= n_ctx)
            break;
        if ((rc = llm_model_eval(m, &tok, 1, pos, logits, err, errlen)))
            goto done;
        pos++;
    }
    (void)max_stop;
    if (!stopped && emitted < text.n)
        emit_span(text.s, emitted, text.n, on_text, user);
    double t2 = now_s();
    out->generated_tokens_per_second = (t2 > t1 && out->n_tokens > 0) ? out->n_tokens / (t2 - t1) : 0;
    out->text = text.s;
    text.s = NULL;
done:
    free(text.s);
    free(toks);
    free(logits);
    llm_sampler_free(smp);
    if (rc) {
        free(out->tokens);
        out->tokens = NULL;
        out->n_tokens = 0;
    }
    return rc;
}
