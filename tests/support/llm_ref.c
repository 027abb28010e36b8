/* llm_ref.c — see llm_ref.h. */
#include "tests/support/llm_ref.h"

#include "llm/quant/quant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

double *llm_ref_tensor(const llm_gguf *g, const char *name, int64_t *ne0, int64_t *ne1)
{
    int64_t i = llm_gguf_find_tensor(g, name);
    if (i < 0)
        return NULL;
    llm_gguf_tensor_info t;
    llm_gguf_tensor(g, i, &t);
    int64_t n0 = t.ne[0], n1 = t.ne[1];
    double *m = malloc((size_t)(n0 * n1) * sizeof(double));
    float *row = malloc((size_t)n0 * sizeof(float));
    size_t rb = llm_row_bytes(t.type, n0);
    for (int64_t r = 0; r < n1; r++) {
        llm_dequant_row(t.type, (const uint8_t *)t.data + r * rb, row, n0);
        for (int64_t c = 0; c < n0; c++)
            m[r * n0 + c] = row[c];
    }
    free(row);
    if (ne0)
        *ne0 = n0;
    if (ne1)
        *ne1 = n1;
    return m;
}

void llm_ref_rmsnorm(double *o, const double *x, const double *w, int n, double eps)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += x[i] * x[i];
    double sc = 1.0 / sqrt(s / n + eps);
    for (int i = 0; i < n; i++)
        o[i] = x[i] * sc * w[i];
}

void llm_ref_matvec(double *y, const double *W, const double *b, const double *x, int rows,
                    int cols)
{
    for (int r = 0; r < rows; r++) {
        double s = b ? b[r] : 0;
        for (int c = 0; c < cols; c++)
            s += W[(size_t)r * cols + c] * x[c];
        y[r] = s;
    }
}

void llm_ref_attend(double *o, double *att, int n, const double *v, size_t vstride, int D)
{
    double mx = -INFINITY;
    for (int s = 0; s < n; s++)
        mx = fmax(mx, att[s]);
    double sum = 0;
    for (int s = 0; s < n; s++) {
        att[s] = exp(att[s] - mx);
        sum += att[s];
    }
    for (int i = 0; i < D; i++) {
        double acc = 0;
        for (int s = 0; s < n; s++)
            acc += att[s] / sum * v[(size_t)s * vstride + i];
        o[i] = acc;
    }
}

double llm_ref_compare(llm_model *m, const double *ref, const int *toks, int n, int V)
{
    char err[1024];
    float *lg = malloc((size_t)V * sizeof(float));
    double worst = 0;
    for (int t = 0; t < n; t++) {
        if (llm_model_eval(m, toks + t, 1, t, lg, err, sizeof err) != 0) {
            fprintf(stderr, "eval failed: %s\n", err);
            free(lg);
            return INFINITY;
        }
        double md = 0, mr = 0;
        for (int i = 0; i < V; i++) {
            md = fmax(md, fabs(lg[i] - ref[(size_t)t * V + i]));
            mr = fmax(mr, fabs(ref[(size_t)t * V + i]));
        }
        worst = fmax(worst, md / mr);
    }
    free(lg);
    return worst;
}

/* 1 when `key` is one of the comma-separated names in `list` */
static int in_list(const char *list, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (!strncmp(p, key, n) && (p[n] == ',' || p[n] == 0))
            return 1;
    return 0;
}

int llm_ref_rewrite(const char *src, const char *dst, const char *drop_key,
                    const char *drop_tensor, llm_ref_edit_fn edit, char *err, size_t errlen)
{
    llm_gguf *g = NULL;
    if (llm_gguf_open(src, &g, err, errlen))
        return -1;
    llm_gguf_writer *w = llm_gguf_writer_new(3, 32);
    for (int64_t i = 0; i < llm_gguf_n_kv(g); i++) {
        llm_gguf_kv_info ki;
        const void *raw;
        uint64_t rs;
        llm_gguf_kv(g, i, &ki);
        if (drop_key && in_list(drop_key, ki.key))
            continue;
        llm_gguf_kv_raw(g, i, &raw, &rs);
        llm_gguf_writer_add_encoded(w, ki.key, ki.type, raw, rs);
    }
    for (int64_t i = 0; i < llm_gguf_n_tensors(g); i++) {
        llm_gguf_tensor_info t;
        llm_gguf_tensor(g, i, &t);
        if (drop_tensor && !strcmp(drop_tensor, "*"))
            break;
        if (drop_tensor && !strcmp(t.name, drop_tensor))
            continue;
        llm_gguf_writer_add_tensor(w, t.name, t.type, t.n_dims, t.ne, t.data);
    }
    if (edit)
        edit(w);
    int rc = llm_gguf_writer_save(w, dst, err, errlen);
    llm_gguf_writer_free(w);
    llm_gguf_close(g);
    return rc;
}

llm_model *llm_ref_model_open(const char *path, int n_ctx, const char *why, int *absent,
                              char *err, size_t errlen)
{
    *absent = access(path, R_OK) != 0;
    if (*absent) {
        printf("SKIP: %s not found (%s)\n", path, why);
        return NULL;
    }
    llm_model *m = NULL;
    if (llm_model_load(path, n_ctx, &m, err, errlen) != LLM_OK)
        return NULL;
    return m;
}
