/* sampler.c — token sampling, following llama.cpp's common sampler chain
 * (notes/gguf.md §5): penalties → top-k → typical → top-p → min-p → temperature → draw;
 * mirostat v1/v2 replace the chain (temperature, then mirostat). Temperature <= 0 is greedy.
 * No full sort of the vocabulary: top-k uses quickselect + a sort of k entries; top-p grows a
 * sorted prefix (64, 128, ...) until it holds the requested mass.
 * Randomness: xoshiro256** seeded by splitmix64(seed); the same seed and parameters give the
 * same tokens (the logits do not depend on the thread count).
 */
#include "llm/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int id;
    float logit;
    float p;
} cand;

struct llm_sampler {
    llm_params p;
    int n_vocab;
    int *ring;
    int ring_cap, ring_n, ring_pos;
    int *counts;
    uint8_t *seen;
    uint64_t s[4];
    float mu;
    cand *c;
    int cn;
    int sorted_prefix; /* c[0..sorted_prefix) are the top entries in descending order */
};

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static double rng_uniform(llm_sampler *s)
{
    uint64_t *q = s->s;
    uint64_t r = rotl(q[1] * 5, 7) * 9, t = q[1] << 17;
    q[2] ^= q[0];
    q[3] ^= q[1];
    q[1] ^= q[2];
    q[0] ^= q[3];
    q[2] ^= t;
    q[3] = rotl(q[3], 45);
    return (double)(r >> 11) * 0x1.0p-53;
}

llm_sampler *llm_sampler_new(const llm_params *p, int n_vocab, int n_ctx)
{
    llm_sampler *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->p = *p;
    s->n_vocab = n_vocab;
    int last_n = p->repeat_last_n < 0 ? n_ctx : p->repeat_last_n;
    s->ring_cap = last_n;
    s->ring = malloc((size_t)(last_n > 0 ? last_n : 1) * sizeof(int));
    s->counts = calloc((size_t)n_vocab, sizeof(int));
    s->seen = calloc((size_t)n_vocab, 1);
    s->c = malloc((size_t)n_vocab * sizeof(cand));
    if (!s->ring || !s->counts || !s->seen || !s->c) {
        llm_sampler_free(s);
        return NULL;
    }
    uint64_t x = p->seed;
    for (int i = 0; i < 4; i++)
        s->s[i] = splitmix(&x);
    s->mu = 2.0f * p->mirostat_tau;
    return s;
}

void llm_sampler_free(llm_sampler *s)
{
    if (!s)
        return;
    free(s->ring);
    free(s->counts);
    free(s->seen);
    free(s->c);
    free(s);
}

void llm_sampler_accept(llm_sampler *s, int token)
{
    if (s->ring_cap <= 0 || token < 0 || token >= s->n_vocab)
        return;
    if (s->ring_n == s->ring_cap) {
        int old = s->ring[s->ring_pos];
        s->counts[old]--;
    } else {
        s->ring_n++;
    }
    s->ring[s->ring_pos] = token;
    s->counts[token]++;
    s->ring_pos = (s->ring_pos + 1) % s->ring_cap;
}

static void apply_penalties(llm_sampler *s, float *logits)
{
    const llm_params *p = &s->p;
    if (s->ring_n == 0 ||
        (p->repeat_penalty == 1.0f && p->frequency_penalty == 0.0f && p->presence_penalty == 0.0f))
        return;
    for (int i = 0; i < s->ring_n; i++) {
        int id = s->ring[i];
        if (s->seen[id])
            continue;
        s->seen[id] = 1;
        int c = s->counts[id];
        if (c <= 0)
            continue;
        float l = logits[id];
        if (p->repeat_penalty > 0 && p->repeat_penalty != 1.0f)
            l = l <= 0 ? l * p->repeat_penalty : l / p->repeat_penalty;
        l -= (float)c * p->frequency_penalty + p->presence_penalty;
        logits[id] = l;
    }
    for (int i = 0; i < s->ring_n; i++)
        s->seen[s->ring[i]] = 0;
}

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->logit != y->logit)
        return x->logit > y->logit ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int cand_gt(const cand *x, const cand *y) { return cand_cmp(x, y) < 0; }

/* Tests: 1 = sort the whole candidate array wherever a sorted prefix is needed (the plain
 * method the partial selections below must agree with). */
static int g_full_sort;
void llm_sampler_set_full_sort(int on) { g_full_sort = on; }

/* Moves the k best candidates (by logit, then id) to c[0..k) in descending order. */
static void cand_top(llm_sampler *s, int k)
{
    if (k > s->cn)
        k = s->cn;
    if (k <= s->sorted_prefix)
        return;
    if (g_full_sort) {
        qsort(s->c, (size_t)s->cn, sizeof *s->c, cand_cmp);
        s->sorted_prefix = s->cn;
        return;
    }
    cand *c = s->c;
    int lo = 0, hi = s->cn - 1;
    if (k < s->cn) {
        /* quickselect so that c[0..k) hold the k best */
        while (lo < hi) {
            cand piv = c[lo + (hi - lo) / 2];
            int i = lo, j = hi;
            while (i <= j) {
                while (cand_gt(&c[i], &piv))
                    i++;
                while (cand_gt(&piv, &c[j]))
                    j--;
                if (i <= j) {
                    cand t = c[i];
                    c[i] = c[j];
                    c[j] = t;
                    i++;
                    j--;
                }
            }
            if (k - 1 <= j)
                hi = j;
            else if (k - 1 >= i)
                lo = i;
            else
                break;
        }
    }
    qsort(c, (size_t)k, sizeof *c, cand_cmp);
    s->sorted_prefix = k;
}

static float cand_max(const llm_sampler *s)
{
    if (s->sorted_prefix > 0)
        return s->c[0].logit;
    float m = -INFINITY;
    for (int i = 0; i < s->cn; i++)
        m = s->c[i].logit > m ? s->c[i].logit : m;
    return m;
}

static void softmax(llm_sampler *s)
{
    float mx = cand_max(s);
    double sum = 0;
    for (int i = 0; i < s->cn; i++) {
        float e = expf(s->c[i].logit - mx);
        s->c[i].p = e;
        sum += e;
    }
    for (int i = 0; i < s->cn; i++)
        s->c[i].p = (float)(s->c[i].p / sum);
}

/* One pass over the logits keeping the k best in a min-heap (most logits fail the first
 * comparison), then a sort of those k: the common top-k path never touches the whole
 * candidate array. Ties keep the lower id, as cand_cmp does. */
static void select_top_k(llm_sampler *s, const float *logits, int k)
{
    cand *h = s->c; /* heap of size k, root = worst of the kept */
    int n = 0;
    if (g_full_sort) {
        for (int i = 0; i < s->n_vocab; i++)
            h[i] = (cand){i, logits[i], 0};
        qsort(h, (size_t)s->n_vocab, sizeof *h, cand_cmp);
        s->cn = k;
        s->sorted_prefix = k;
        return;
    }
    for (int i = 0; i < s->n_vocab; i++) {
        cand x = {i, logits[i], 0};
        if (n < k) {
            int j = n++;
            h[j] = x;
            while (j > 0) {
                int par = (j - 1) / 2;
                if (!cand_gt(&h[par], &h[j]))
                    break;
                cand t = h[par];
                h[par] = h[j];
                h[j] = t;
                j = par;
            }
        } else if (cand_gt(&x, &h[0])) {
            h[0] = x;
            int j = 0;
            for (;;) {
                int l = 2 * j + 1, r = l + 1, m = j;
                if (l < n && cand_gt(&h[m], &h[l]))
                    m = l;
                if (r < n && cand_gt(&h[m], &h[r]))
                    m = r;
                if (m == j)
                    break;
                cand t = h[m];
                h[m] = h[j];
                h[j] = t;
                j = m;
            }
        }
    }
    qsort(h, (size_t)n, sizeof *h, cand_cmp);
    s->cn = n;
    s->sorted_prefix = n;
}

static void top_k(llm_sampler *s, int k)
{
    if (k <= 0 || k >= s->cn)
        return;
    cand_top(s, k);
    s->cn = k;
}

static void top_p(llm_sampler *s, float p)
{
    if (p >= 1.0f || s->cn <= 1)
        return;
    softmax(s);
    int m = s->cn < 64 ? s->cn : 64;
    for (;;) {
        cand_top(s, m);
        double cum = 0;
        for (int i = 0; i < m; i++) {
            cum += s->c[i].p;
            if (cum >= p) {
                s->cn = i + 1;
                return;
            }
        }
        if (m == s->cn)
            return;
        m = m * 2 < s->cn ? m * 2 : s->cn;
    }
}

static void min_p(llm_sampler *s, float p)
{
    if (p <= 0.0f || s->cn <= 1)
        return;
    float thr = cand_max(s) + logf(p);
    int k = 0, keep_sorted = s->sorted_prefix;
    int new_sorted = 0;
    for (int i = 0; i < s->cn; i++) {
        if (s->c[i].logit >= thr) {
            if (i < keep_sorted && k == i)
                new_sorted = k + 1;
            s->c[k++] = s->c[i];
        }
    }
    if (k == 0)
        k = 1;
    s->cn = k;
    s->sorted_prefix = new_sorted < k ? new_sorted : k;
}

static int typ_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b; /* the typicality score is stashed in logit's place below */
    return x->p < y->p ? -1 : x->p > y->p;
}

static void typical(llm_sampler *s, float p)
{
    if (p >= 1.0f || s->cn <= 1)
        return;
    softmax(s);
    double H = 0;
    for (int i = 0; i < s->cn; i++)
        if (s->c[i].p > 0)
            H -= s->c[i].p * log(s->c[i].p);
    /* sort by |−ln p − H| ascending; keep p in a side array */
    float *prob = malloc((size_t)s->cn * sizeof *prob);
    if (!prob)
        return;
    for (int i = 0; i < s->cn; i++) {
        prob[i] = s->c[i].p;
        s->c[i].p = (float)fabs(-log(s->c[i].p > 0 ? s->c[i].p : 1e-30) - H);
        s->c[i].id = s->c[i].id; /* keep */
    }
    /* carry the probabilities along: pack index into a parallel sort */
    typedef struct {
        cand c;
        float prob;
    } pair;
    pair *pp = malloc((size_t)s->cn * sizeof *pp);
    if (!pp) {
        free(prob);
        return;
    }
    for (int i = 0; i < s->cn; i++) {
        pp[i].c = s->c[i];
        pp[i].prob = prob[i];
    }
    qsort(pp, (size_t)s->cn, sizeof *pp, typ_cmp);
    double cum = 0;
    int keep = s->cn;
    for (int i = 0; i < s->cn; i++) {
        cum += pp[i].prob;
        if (cum > p) {
            keep = i + 1;
            break;
        }
    }
    for (int i = 0; i < keep; i++) {
        s->c[i] = pp[i].c;
        s->c[i].p = pp[i].prob;
    }
    s->cn = keep;
    s->sorted_prefix = 0;
    free(pp);
    free(prob);
}

static int draw(llm_sampler *s)
{
    softmax(s);
    double u = rng_uniform(s), cum = 0;
    for (int i = 0; i < s->cn; i++) {
        cum += s->c[i].p;
        if (u < cum)
            return i;
    }
    return s->cn - 1;
}

int llm_sampler_sample(llm_sampler *s, float *logits)
{
    const llm_params *p = &s->p;
    apply_penalties(s, logits);
    if (p->temperature <= 0.0f) {
        int best = 0;
        for (int i = 1; i < s->n_vocab; i++)
            if (logits[i] > logits[best])
                best = i;
        return best;
    }
    if (p->mirostat == 0 && p->top_k > 0 && p->top_k < s->n_vocab) {
        select_top_k(s, logits, p->top_k);
    } else {
        s->cn = s->n_vocab;
        s->sorted_prefix = 0;
        for (int i = 0; i < s->n_vocab; i++) {
            s->c[i].id = i;
            s->c[i].logit = logits[i];
        }
    }
    if (p->mirostat == 1 || p->mirostat == 2) {
        for (int i = 0; i < s->cn; i++)
            s->c[i].logit /= p->temperature;
        softmax(s);
        int idx;
        if (p->mirostat == 2) {
            /* keep the candidates whose surprise -log2 p is at most mu (at least the best) */
            float thr = exp2f(-s->mu);
            int k = 0;
            for (int i = 0; i < s->cn; i++)
                if (s->c[i].p >= thr)
                    s->c[k++] = s->c[i];
            if (k == 0) {
                cand_top(s, 1);
                k = 1;
            }
            s->cn = k;
            s->sorted_prefix = 0;
            cand_top(s, k);
            idx = draw(s);
        } else {
            const int mm = 100;
            cand_top(s, mm);
            double sum_ti_bi = 0, sum_ti_sq = 0;
            for (int i = 0; i < mm - 1 && i < s->cn - 1; i++) {
                if (s->c[i + 1].p <= 0)
                    break;
                double t = log((i + 2.0) / (i + 1.0));
                double b = log((double)s->c[i].p / s->c[i + 1].p);
                sum_ti_bi += t * b;
                sum_ti_sq += t * t;
            }
            double s_hat = sum_ti_sq > 0 ? sum_ti_bi / sum_ti_sq : 1.0;
            double eps = s_hat - 1;
            double k = eps != 0 ? pow(eps * pow(2.0, s->mu) / (1 - pow((double)s->n_vocab, -eps)), 1 / s_hat)
                                : (double)s->n_vocab;
            int ki = !(k >= 1) ? 1 : k > s->cn ? s->cn : (int)k;
            top_k(s, ki);
            idx = draw(s);
        }
        float surprise = -log2f(s->c[idx].p > 0 ? s->c[idx].p : 1e-30f);
        s->mu -= p->mirostat_eta * (surprise - p->mirostat_tau);
        return s->c[idx].id;
    }
    top_k(s, p->top_k);
    typical(s, p->typical_p);
    top_p(s, p->top_p);
    min_p(s, p->min_p);
    for (int i = 0; i < s->cn; i++)
        s->c[i].logit /= p->temperature;
    return s->c[draw(s)].id;
}
