/* test_llm_attn.c — the llama.cpp-order attention head (llm/model/ops.c, attn_x86.c): every
 * ISA path the CPU has gives the scalar path's bits, over head sizes (multiples of 32, of 8,
 * and neither), both lane layouts (8: tinyBLAS, 32: vec_dot_f16), window starts that are not
 * multiples of 8, ring-buffer wrap-around, 1 to 700 cells, and score spreads that send the
 * exp to its slow path (|n| > 126). Also checks the scalar path against a float64 softmax
 * attention (so that a path which is wrong the same way everywhere still fails).
 * The element-wise helpers of the same file (f16 rounding, GeGLU through the f16 table) are
 * compared with their scalar forms too, over magnitudes from subnormal halves to overflow
 * and the ±10 edges of the table.
 * SO8T_ATTN_PLANT=1 flips one bit of the AVX path's output to show the comparison bites. */
#include "llm/model/ops.h"
#include "tests/test.h"

#include <stdint.h>
#include <stdlib.h>

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static float urand(void) /* [-1, 1) */
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (float)((double)(g_rng >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

/* float64 attention over the same f16-rounded inputs */
static void attn_ref(const llm_layer *L, const float *q, double *o, int t0, int nt, int KD, int kh, int D,
                     float scale)
{
    double *s = malloc((size_t)nt * sizeof *s), mx = -1e300, sum = 0;
    for (int t = 0; t < nt; t++) {
        const float *k = L->kc + (size_t)((t0 + t) % L->kv_cap) * KD + kh * D;
        double d = 0;
        for (int i = 0; i < D; i++)
            d += (double)q[i] * k[i];
        s[t] = d * scale;
        mx = s[t] > mx ? s[t] : mx;
    }
    for (int t = 0; t < nt; t++)
        sum += s[t] = exp(s[t] - mx);
    for (int i = 0; i < D; i++) {
        double a = 0;
        for (int t = 0; t < nt; t++)
            a += s[t] / sum * L->vc[(size_t)((t0 + t) % L->kv_cap) * KD + kh * D + i];
        o[i] = a;
    }
    free(s);
}

/* f16 rounding and GeGLU: every ISA path against the scalar one, bit for bit */
static void test_elementwise(int best)
{
    enum { N = 40000 };
    float *g = malloc(N * sizeof *g), *u = malloc(N * sizeof *u), *o0 = malloc(N * sizeof *o0),
          *o1 = malloc(N * sizeof *o1), *r0 = malloc(N * sizeof *r0), *r1 = malloc(N * sizeof *r1);
    llm_gelu_table_init();
    for (int i = 0; i < N; i++) {
        /* magnitudes 2^-30 .. 2^20, the table's edges, and exact ±10 */
        const float mag = ldexpf(1.0f, (int)(i % 51) - 30);
        g[i] = i % 97 == 0 ? (i % 2 ? 10.0f : -10.0f) : urand() * (i % 3 ? 12.0f : mag);
        u[i] = urand() * 3.0f;
        r0[i] = r1[i] = urand() * mag;
    }
    int bad_g = 0, bad_r = 0;
    llm_quant_set_isa(0);
    llm_geglu_ggml_n(o0, g, u, N);
    for (int isa = 1; isa <= best; isa++) {
        llm_quant_set_isa(0);
        llm_geglu_ggml_n(o0, g, u, N - isa); /* odd lengths: the scalar tail too */
        llm_round_fp16_n(r0, N - isa);
        llm_quant_set_isa(isa);
        llm_geglu_ggml_n(o1, g, u, N - isa);
        llm_round_fp16_n(r1, N - isa);
        bad_g += memcmp(o0, o1, (size_t)(N - isa) * sizeof(float)) != 0;
        bad_r += memcmp(r0, r1, (size_t)(N - isa) * sizeof(float)) != 0;
    }
    llm_quant_set_isa(best);
    int bad_ref = 0; /* the scalar GeGLU is the table's value times the up value */
    for (int i = 0; i < N; i++) {
        const float e = g[i] <= -10.0f ? 0.0f : g[i] >= 10.0f ? g[i] * u[i] : llm_geglu_ggml(g[i], 1.0f) * u[i];
        bad_ref += memcmp(&e, &o0[i], 4) != 0;
    }
    CHECK_MSG(bad_g == 0, "GeGLU: %d ISA paths differ from the scalar one", bad_g);
    CHECK_MSG(bad_r == 0, "f16 rounding: %d ISA paths differ from the scalar one", bad_r);
    CHECK(bad_ref == 0);
    free(g);
    free(u);
    free(o0);
    free(o1);
    free(r0);
    free(r1);
}

/* RoPE's rotation with a (cos, sin) table (llm_rope_apply_cs): every ISA path gives the
 * scalar path's bits, both pair layouts, n_rot with and without a multiple-of-16 part, and
 * the rotation is checked against float64 (so a path wrong the same way everywhere fails). */
static void test_rope(int best)
{
    static const int rots[] = {2, 6, 16, 24, 40, 64, 128, 256};
    const int modes[] = {LLM_ROPE_NORM, LLM_ROPE_NEOX};
    int bad = 0, bad_ref = 0;
    for (size_t ri = 0; ri < sizeof rots / sizeof *rots; ri++)
        for (int mi = 0; mi < 2; mi++) {
            const int n = rots[ri];
            llm_rope r = {0};
            r.mode = modes[mi];
            r.n_rot = n;
            float cs[2 * 128], v0[256], v1[256], in[256];
            for (int i = 0; i < n / 2; i++) {
                const float th = urand() * 3.0f;
                cs[2 * i] = cosf(th);
                cs[2 * i + 1] = sinf(th);
            }
            for (int i = 0; i < n; i++)
                in[i] = urand() * (i % 7 ? 1.0f : 1e4f);
            memcpy(v0, in, sizeof in);
            llm_quant_set_isa(LLM_ISA_SCALAR);
            llm_rope_apply_cs(v0, &r, cs);
            for (int isa = 1; isa <= best; isa++) {
                memcpy(v1, in, sizeof in);
                llm_quant_set_isa(isa);
                llm_rope_apply_cs(v1, &r, cs);
                bad += memcmp(v0, v1, (size_t)n * sizeof(float)) != 0;
            }
            const int off = r.mode == LLM_ROPE_NORM ? 1 : n / 2, step = r.mode == LLM_ROPE_NORM ? 2 : 1;
            for (int i = 0; i < n / 2; i++) {
                const int a = i * step, b = a + off;
                const double e0 = (double)in[a] * cs[2 * i] - (double)in[b] * cs[2 * i + 1];
                const double e1 = (double)in[a] * cs[2 * i + 1] + (double)in[b] * cs[2 * i];
                const double sc = fabs((double)in[a]) + fabs((double)in[b]) + 1e-30;
                bad_ref += !(fabs(v0[a] - e0) <= 2e-7 * sc && fabs(v0[b] - e1) <= 2e-7 * sc);
            }
        }
    llm_quant_set_isa(best);
    CHECK_MSG(bad == 0, "RoPE: %d cases where an ISA path differs from the scalar one", bad);
    CHECK_MSG(bad_ref == 0, "RoPE: %d pairs off the float64 rotation", bad_ref);
}

/* The heads of a kv group together (llm_attn_group_ggml: K/V rows read once for g heads)
 * give each head's bits as computed alone by the scalar path, for g = 1..4, both lane
 * layouts, ring wrap-around and window starts off a multiple of 8. */
static int test_group(int best)
{
    static const int dims[] = {256, 72, 40, 12};
    static const int cells[] = {1, 2, 3, 9, 64, 177};
    int n_diff = 0, n_cases = 0;
    for (size_t di = 0; di < sizeof dims / sizeof *dims; di++)
        for (size_t ci = 0; ci < sizeof cells / sizeof *cells; ci++)
            for (int g = 1; g <= LLM_ATTN_GROUP_MAX; g++)
                for (int lanes = 8; lanes <= 32; lanes *= 4) {
                    const int D = dims[di], nt = cells[ci], t0 = (int)(ci * 5 + (size_t)g) % 13, HK = 2, KD = D * HK;
                    const int kh = g % HK;
                    llm_layer L = {0};
                    L.kv_cap = nt + 3 + g; /* t0 > 0: the cells wrap */
                    L.kc = malloc((size_t)L.kv_cap * KD * sizeof(float));
                    L.vc = malloc((size_t)L.kv_cap * KD * sizeof(float));
                    float *q = malloc((size_t)g * D * sizeof *q), *att = malloc((size_t)g * nt * sizeof *att);
                    float *o0 = malloc((size_t)g * D * sizeof(float)), *o1 = malloc((size_t)g * D * sizeof(float));
                    for (int i = 0; i < L.kv_cap * KD; i++) {
                        L.kc[i] = llm_round_fp16(urand());
                        L.vc[i] = llm_round_fp16(urand());
                    }
                    for (int i = 0; i < g * D; i++)
                        q[i] = llm_round_fp16(urand());
                    for (int h = 0; h < g; h++)
                        llm_attn_head_ggml_isa(LLM_ISA_SCALAR, &L, q + h * D, att, o0 + h * D, t0, nt, KD, kh, D,
                                               lanes, 0.125f);
                    for (int isa = 0; isa <= best; isa++) {
                        llm_attn_group_ggml_isa(isa, &L, q, att, o1, t0, nt, KD, kh, D, g, lanes, 0.125f);
                        if (memcmp(o0, o1, (size_t)g * D * sizeof(float)) != 0 && n_diff++ < 5)
                            fprintf(stderr, "  group of %d on %s differs: D %d nt %d t0 %d lanes %d\n", g,
                                    llm_quant_isa_name(isa), D, nt, t0, lanes);
                        n_cases++;
                    }
                    free(q);
                    free(att);
                    free(o0);
                    free(o1);
                    free(L.kc);
                    free(L.vc);
                }
    printf("kv groups: %d cases, %d differ from the scalar heads\n", n_cases, n_diff);
    CHECK(n_cases > 0);
    CHECK_MSG(n_diff == 0, "%d grouped cases differ from the heads computed alone", n_diff);
    return n_diff;
}

int main(void)
{
    const int plant = getenv("SO8T_ATTN_PLANT") != NULL;
    const int best = llm_quant_isa_best();
    printf("best ISA here: %s\n", llm_quant_isa_name(best));
    if (best == LLM_ISA_SCALAR)
        printf("SKIP: no AVX2 on this CPU: only the scalar path and the float64 check run\n");
    static const int dims[] = {256, 128, 64, 40, 24, 12, 6};
    static const int cells[] = {1, 2, 7, 8, 9, 31, 33, 64, 177, 305, 700};
    static const int starts[] = {0, 3, 8, 501};
    int n_cases = 0, n_diff = 0, n_ref_bad = 0;
    double worst_ref = 0;
    for (size_t di = 0; di < sizeof dims / sizeof *dims; di++)
        for (size_t ci = 0; ci < sizeof cells / sizeof *cells; ci++)
            for (size_t si = 0; si < sizeof starts / sizeof *starts; si++)
                for (int lanes = 8; lanes <= 32; lanes *= 4)
                    for (int spread = 0; spread < 2; spread++) {
                        const int D = dims[di], nt = cells[ci], t0 = starts[si], HK = 2, KD = D * HK;
                        const int kh = (int)(ci + si) % HK;
                        llm_layer L = {0};
                        L.kv_cap = nt + 5 + (int)si * 3; /* ring: cells wrap when t0 > 0 */
                        L.kc = malloc((size_t)L.kv_cap * KD * sizeof(float));
                        L.vc = malloc((size_t)L.kv_cap * KD * sizeof(float));
                        float *q = malloc((size_t)D * sizeof *q), *att = malloc((size_t)nt * sizeof *att);
                        float *o[LLM_ISA_COUNT];
                        for (int i = 0; i < (int)L.kv_cap * KD; i++) {
                            L.kc[i] = llm_round_fp16(urand());
                            L.vc[i] = llm_round_fp16(urand());
                        }
                        /* spread 1: scores of ±~400, so exp(s - max) underflows (slow path) */
                        const float qs = spread ? 200.0f : 1.0f;
                        for (int i = 0; i < D; i++)
                            q[i] = llm_round_fp16(qs * urand());
                        const float scale = 1.0f / sqrtf((float)D);
                        for (int isa = 0; isa <= best; isa++) {
                            o[isa] = malloc((size_t)D * sizeof(float));
                            llm_attn_head_ggml_isa(isa, &L, q, att, o[isa], t0, nt, KD, kh, D, lanes, scale);
                        }
                        if (plant && best > 0)
                            o[best][D / 2] = nextafterf(o[best][D / 2], 2.0f);
                        for (int isa = 1; isa <= best; isa++) {
                            if (memcmp(o[0], o[isa], (size_t)D * sizeof(float)) != 0) {
                                if (n_diff++ < 5)
                                    fprintf(stderr, "  %s differs from scalar: D %d nt %d t0 %d lanes %d spread %d\n",
                                            llm_quant_isa_name(isa), D, nt, t0, lanes, spread);
                            }
                        }
                        double *r = malloc((size_t)D * sizeof *r);
                        attn_ref(&L, q, r, t0, nt, KD, kh, D, scale);
                        for (int i = 0; i < D; i++) {
                            /* weights rounded to f16 (rel 2^-11 each) and f32 sums: |o| <= 1 */
                            const double e = fabs(o[0][i] - r[i]);
                            worst_ref = e > worst_ref ? e : worst_ref;
                            n_ref_bad += !(e <= 2e-3);
                        }
                        n_cases++;
                        for (int isa = 0; isa <= best; isa++)
                            free(o[isa]);
                        free(r);
                        free(q);
                        free(att);
                        free(L.kc);
                        free(L.vc);
                    }
    test_elementwise(best);
    test_rope(best);
    test_group(best);
    printf("%d cases; ISA paths differing from scalar: %d; scalar vs float64: worst %.3g\n", n_cases, n_diff,
           worst_ref);
    CHECK(n_cases > 0);
    CHECK_MSG(n_diff == 0, "%d case/path pairs differ from the scalar path", n_diff);
    CHECK_MSG(n_ref_bad == 0, "%d outputs off the float64 attention by more than 2e-3", n_ref_bad);
    return test_summary();
}
