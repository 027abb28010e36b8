/* test_llm_gpu_math.c — the math of the runner's CUDA kernels, run on the CPU through the
 * SO8T_HD headers the kernels include (no GPU needed):
 *   - llm/quant/dequant_hd.h: fp16 for all 65 536 values against half.c; block sizes against
 *     the traits table; every group of random blocks of the 12 block types bit for bit
 *     against an independent decoder (kernels.h's integer unpackers, in ggml's float order);
 *     the scalar types against llm_dequant_row;
 *   - llm/gpu/matmul_hd.h: the kernel's 32 lanes and its butterfly, emulated, against a
 *     float64 dot within a float-rounding bound, for every type, and batch-independent bits;
 *   - llm/model/ops_hd.h: RMSNorm, RoPE (NORM, NEOX, M-RoPE sections, frequency factors,
 *     scaling), GELU, SiLU, softcap, one head of attention with the ring / window start,
 *     each against float64 (long double for RoPE) written here from the formulas.
 */
#include "llm/gpu/matmul_hd.h"
#include "llm/llm.h"
#include "llm/model/ops_hd.h"
#include "llm/quant/kernels.h"
#include "tests/support/gpu_emu.h"
#include "tests/test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}
static float rndf(void) { return (float)((rnd() & 0xFFFFFF) / 16777216.0 * 2.0 - 1.0); } /* [-1, 1) */

static const int k_block_types[] = {LLM_TYPE_Q8_0, LLM_TYPE_Q4_0, LLM_TYPE_Q4_1, LLM_TYPE_Q5_0,
                                    LLM_TYPE_Q5_1, LLM_TYPE_Q2_K, LLM_TYPE_Q3_K, LLM_TYPE_Q4_K,
                                    LLM_TYPE_Q5_K, LLM_TYPE_Q6_K, LLM_TYPE_IQ4_NL, LLM_TYPE_IQ4_XS};
static const int k_scalar_types[] = {LLM_TYPE_F32, LLM_TYPE_F16, LLM_TYPE_BF16};

static void test_half(void)
{
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float a = llm_hd_half((uint16_t)h), b = llm_fp16_to_fp32((uint16_t)h);
        bad += memcmp(&a, &b, 4) != 0;
    }
    CHECK_MSG(bad == 0, "llm_hd_half differs from llm_fp16_to_fp32 on %d of 65536 values", bad);
}

static void test_sizes(void)
{
    int bad = 0;
    for (int t = 0; t < LLM_TYPE_COUNT; t++) {
        const int sup = llm_type_supported(t);
        if (llm_hd_block_elems(t) != (sup ? llm_type_block_size(t) : 0) ||
            llm_hd_block_bytes(t) != (sup ? llm_type_size(t) : 0)) {
            fprintf(stderr, "type %d (%s): hd %d/%d, traits %d/%d\n", t, llm_type_name(t), llm_hd_block_elems(t),
                    llm_hd_block_bytes(t), llm_type_block_size(t), llm_type_size(t));
            bad++;
        }
    }
    CHECK_MSG(bad == 0, "dequant_hd.h block sizes differ from the traits table for %d types", bad);
}

/* A random block with finite, moderate fp16 scales at the traits' scale offsets. */
static void random_block(int type, uint8_t *p)
{
    const llm_type_traits *tr = llm_type_traits_get(type);
    for (int i = 0; i < tr->size; i++)
        p[i] = (uint8_t)rnd();
    for (int k = 0; k < 2; k++)
        if (tr->scale_off[k] >= 0)
            f2h(p + tr->scale_off[k], (0.01f + 0.1f * (float)(rnd() % 1000) / 1000.0f) * (rnd() & 1 ? 1 : -1));
}

/* The independent decoder: kernels.h's integer unpackers (used by the CPU dot products),
 * with ggml's dequantize_row_* float order. */
static void ref_block(int type, const uint8_t *p, float *y)
{
    int8_t s8[QKK];
    uint8_t u8[QKK];
    int sc[16], mn[8];
    switch (type) {
    case LLM_TYPE_Q8_0:
        for (int i = 0; i < QK; i++)
            y[i] = h2f(p) * (float)(int8_t)p[2 + i];
        break;
    case LLM_TYPE_Q4_0:
        q4_0_ints(p, s8);
        for (int i = 0; i < QK; i++)
            y[i] = h2f(p) * (float)s8[i];
        break;
    case LLM_TYPE_Q5_0:
        q5_0_ints(p, s8);
        for (int i = 0; i < QK; i++)
            y[i] = h2f(p) * (float)s8[i];
        break;
    case LLM_TYPE_Q4_1:
        nib32(p + 4, u8);
        for (int i = 0; i < QK; i++)
            y[i] = (float)u8[i] * h2f(p) + h2f(p + 2);
        break;
    case LLM_TYPE_Q5_1:
        q5_1_ints(p, u8);
        for (int i = 0; i < QK; i++)
            y[i] = (float)u8[i] * h2f(p) + h2f(p + 2);
        break;
    case LLM_TYPE_IQ4_NL:
        nib32(p + 2, u8);
        for (int i = 0; i < QK; i++)
            y[i] = h2f(p) * (float)llm_kvalues_iq4nl[u8[i]];
        break;
    case LLM_TYPE_Q2_K:
        q2_k_ints(p, u8);
        for (int i = 0; i < QKK; i++)
            y[i] = h2f(p + 80) * (float)(p[i / 16] & 0xF) * (float)u8[i] - h2f(p + 82) * (float)(p[i / 16] >> 4);
        break;
    case LLM_TYPE_Q3_K:
        q3_k_ints(p, s8, sc);
        for (int i = 0; i < QKK; i++)
            y[i] = h2f(p + 108) * (float)sc[i / 16] * (float)s8[i];
        break;
    case LLM_TYPE_Q4_K:
    case LLM_TYPE_Q5_K:
        if (type == LLM_TYPE_Q4_K)
            q4_k_ints(p, u8, sc, mn);
        else
            q5_k_ints(p, u8, sc, mn);
        for (int i = 0; i < QKK; i++)
            y[i] = h2f(p) * (float)sc[i / 32] * (float)u8[i] - h2f(p + 2) * (float)mn[i / 32];
        break;
    case LLM_TYPE_Q6_K:
        q6_k_ints(p, s8);
        for (int i = 0; i < QKK; i++)
            y[i] = h2f(p + 208) * (float)((const int8_t *)(p + 192))[i / 16] * (float)s8[i];
        break;
    case LLM_TYPE_IQ4_XS:
        iq4_xs_scales(p, sc);
        for (int i = 0; i < QKK; i++) {
            const int ib = i / 32, j = i % 32;
            const uint8_t q = p[8 + 16 * ib + j % 16];
            y[i] = h2f(p) * (float)sc[ib] * (float)llm_kvalues_iq4nl[j < 16 ? q & 0xF : q >> 4];
        }
        break;
    }
}

static void test_dequant_blocks(void)
{
    uint8_t blk[512];
    float want[QKK], got[QKK], row[4 * QKK];
    for (size_t k = 0; k < sizeof k_block_types / sizeof k_block_types[0]; k++) {
        const int t = k_block_types[k], n = llm_type_block_size(t);
        int bad = 0, first = -1;
        for (int rep = 0; rep < 64; rep++) {
            random_block(t, blk);
            ref_block(t, blk, want);
            for (int g = 0; g < n / 32; g++)
                CHECK(llm_hd_deq32(t, blk, g, got + 32 * g) == 1);
            for (int i = 0; i < n; i++)
                if (memcmp(&got[i], &want[i], 4) != 0) {
                    bad++;
                    first = first < 0 ? i : first;
                }
            llm_dequant_row(t, blk, row, n); /* dequant.c: the same header, block loop around it */
            bad += memcmp(row, got, (size_t)n * 4) != 0;
        }
        CHECK_MSG(bad == 0, "%s: %d elements differ from the reference decoder (first at %d)", llm_type_name(t),
                  bad, first);
    }
    CHECK(llm_hd_deq32(LLM_TYPE_F32, blk, 0, got) == 0);
    CHECK(llm_hd_deq32(LLM_TYPE_Q8_K, blk, 0, got) == 0);
    /* scalar types: element i against llm_dequant_row */
    for (size_t k = 0; k < 3; k++) {
        const int t = k_scalar_types[k];
        for (int i = 0; i < (int)sizeof blk; i++)
            blk[i] = (uint8_t)rnd();
        const int n = (int)sizeof blk / llm_type_size(t);
        llm_dequant_row(t, blk, row, n);
        int bad = 0;
        for (int i = 0; i < n; i++) {
            const float v = llm_hd_deq_scalar(t, blk, i);
            bad += memcmp(&v, &row[i], 4) != 0;
        }
        CHECK_MSG(bad == 0, "%s: %d elements differ from llm_dequant_row", llm_type_name(t), bad);
    }
}

static double g_mm_worst;

static void test_matmul_lanes(void)
{
    const int nb = LLM_HD_MM_MAXB;
    const int all[] = {LLM_TYPE_F32, LLM_TYPE_F16, LLM_TYPE_BF16, LLM_TYPE_Q8_0, LLM_TYPE_Q4_0, LLM_TYPE_Q4_1,
                       LLM_TYPE_Q5_0, LLM_TYPE_Q5_1, LLM_TYPE_Q2_K, LLM_TYPE_Q3_K, LLM_TYPE_Q4_K, LLM_TYPE_Q5_K,
                       LLM_TYPE_Q6_K, LLM_TYPE_IQ4_NL, LLM_TYPE_IQ4_XS};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        const int t = all[k], be = llm_type_block_size(t);
        /* scalar types: a length that is no multiple of 32 (the lanes' tail); blocks: 9 of
         * them, so some lanes get one group more than others */
        const int ne0 = be == 1 ? 1000 : be == 32 ? 45 * 32 : 9 * 256;
        const size_t rb = llm_row_bytes(t, ne0);
        uint8_t *row = malloc(rb);
        float *X = malloc((size_t)nb * ne0 * sizeof(float)), *w = malloc((size_t)ne0 * sizeof(float));
        float out[LLM_HD_MM_MAXB], one[LLM_HD_MM_MAXB];
        if (!row || !X || !w) {
            CHECK(0);
            return;
        }
        for (size_t i = 0; i < rb; i += (size_t)llm_type_size(t)) {
            if (be > 1)
                random_block(t, row + i);
            else /* finite values: random halves / bf16 / floats in [-1, 1) */
                for (int j = 0; j < llm_type_size(t); j += 2) {
                    float f = rndf();
                    if (t == LLM_TYPE_F32) {
                        memcpy(row + i, &f, 4);
                        break;
                    }
                    const uint16_t h = t == LLM_TYPE_F16 ? llm_fp32_to_fp16(f) : llm_fp32_to_bf16(f);
                    row[i] = (uint8_t)h;
                    row[i + 1] = (uint8_t)(h >> 8);
                }
        }
        for (int i = 0; i < nb * ne0; i++)
            X[i] = rndf();
        llm_dequant_row(t, row, w, ne0);
        gpu_emu_mm_row(t, row, ne0, X, nb, out);
        /* rounding bound: the longest chain of f32 additions is 32 (a group) + the lane's
         * groups + 5 (butterfly); each product rounds once: |err| <= (chain + 1) u Σ|w x| */
        const int chain = 32 + (ne0 / 32 + 31) / 32 + 5;
        double worst = 0;
        int bad = 0;
        for (int b = 0; b < nb; b++) {
            double ref = 0, mag = 0;
            for (int i = 0; i < ne0; i++) {
                ref += (double)w[i] * (double)X[(size_t)b * ne0 + i];
                mag += fabs((double)w[i] * (double)X[(size_t)b * ne0 + i]);
            }
            const double e = fabs((double)out[b] - ref), bound = (chain + 1) * 0x1p-24 * mag;
            worst = e / mag > worst ? e / mag : worst;
            bad += !(e <= bound);
            /* the same vector alone: the same bits (a batch shares only the weight reads) */
            gpu_emu_mm_row(t, row, ne0, X + (size_t)b * ne0, 1, one);
            bad += memcmp(&one[0], &out[b], 4) != 0;
        }
        g_mm_worst = worst > g_mm_worst ? worst : g_mm_worst;
        CHECK_MSG(bad == 0, "%s: %d of %d lane-emulated products off (worst |err|/Σ|wx| %.2e)", llm_type_name(t), bad,
                  nb, worst);
        free(row);
        free(X);
        free(w);
    }
}

static void test_rmsnorm(void)
{
    float x[300], w[300], o[300];
    for (int i = 0; i < 300; i++) {
        x[i] = 3 * rndf();
        w[i] = 1 + rndf();
    }
    llm_hd_rmsnorm(o, x, w, 300, 1e-6f);
    double ss = 0;
    for (int i = 0; i < 300; i++)
        ss += (double)x[i] * x[i];
    const double sc = 1 / sqrt(ss / 300 + 1e-6);
    double worst = 0;
    for (int i = 0; i < 300; i++) {
        const double e = fabs(o[i] - x[i] * sc * w[i]) / (fabs(x[i] * sc * w[i]) + 1e-30);
        worst = e > worst ? e : worst;
    }
    CHECK_MSG(worst < 4e-7, "RMSNorm: worst relative error %.2e against float64", worst);
}

/* RoPE against long double: θ_i = pos · freq_scale · base^(−2i/n) / ff_i, 0 for M-RoPE's
 * 4th section; pairs by mode. */
static void rope_ref(long double *v, int norm_pairs, int n_rot, float base, float fs, float ms, const float *ff,
                     const int *sec, int pos)
{
    for (int i = 0; i < n_rot / 2; i++) {
        long double th = pos * (long double)fs * expl(-2.0L * i / n_rot * logl(base));
        if (sec && i % (sec[0] + sec[1] + sec[2] + sec[3]) >= sec[0] + sec[1] + sec[2])
            th = 0;
        if (ff)
            th /= ff[i];
        const int a = norm_pairs ? 2 * i : i, b = norm_pairs ? 2 * i + 1 : i + n_rot / 2;
        const long double x0 = v[a], x1 = v[b], c = cosl(th) * ms, s = sinl(th) * ms;
        v[a] = x0 * c - x1 * s;
        v[b] = x0 * s + x1 * c;
    }
}

static void test_rope(void)
{
    static const int sec[4] = {3, 2, 2, 1};
    float ff[32];
    for (int i = 0; i < 32; i++)
        ff[i] = 1.0f + (float)i / 8;
    struct {
        int norm_pairs, n_rot;
        float fs, ms;
        const float *ff;
        const int *sec;
    } cases[] = {
        {1, 64, 1.0f, 1.0f, NULL, NULL}, {0, 64, 1.0f, 1.0f, NULL, NULL}, {0, 48, 0.25f, 1.1f, ff, NULL},
        {0, 64, 1.0f, 1.0f, NULL, sec},  {1, 32, 0.5f, 1.0f, ff, NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int pos = 0; pos < 5000; pos += 1237) {
            float v[64];
            long double r[64];
            for (int i = 0; i < 64; i++)
                r[i] = v[i] = rndf();
            llm_hd_rope(v, cases[c].norm_pairs, cases[c].n_rot, 10000.0f, cases[c].fs, cases[c].ms, cases[c].ff,
                        cases[c].sec, pos);
            rope_ref(r, cases[c].norm_pairs, cases[c].n_rot, 10000.0f, cases[c].fs, cases[c].ms, cases[c].ff,
                     cases[c].sec, pos);
            double worst = 0;
            for (int i = 0; i < 64; i++) {
                const double e = fabs((double)(v[i] - r[i]));
                worst = e > worst ? e : worst;
            }
            /* the float output rounds once (|v| <= 1.5); pow/cos/sin in double add ~1e-12 */
            CHECK_MSG(worst < 2e-7, "RoPE case %zu pos %d: worst |err| %.2e against long double", c, pos, worst);
        }
    }
}

static void test_activations(void)
{
    double wg = 0, ws = 0, wc = 0;
    for (int k = 0; k < 20000; k++) {
        const float x = 12 * rndf();
        const double gref = 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * (double)x * x * x)));
        const double sref = x / (1 + exp(-(double)x));
        const double cref = 30 * tanh(x * 10 / 30.0);
        wg = fmax(wg, fabs(llm_hd_gelu(x) - gref) / (fabs(gref) + fabs(x)));
        ws = fmax(ws, fabs(llm_hd_silu(x) - sref) / (fabs(sref) + fabs(x)));
        wc = fmax(wc, fabs(llm_hd_softcap(x * 10, 30) - cref) / (fabs(cref) + 1e-6));
        CHECK(llm_hd_gate(x, 2.0f, 1) == llm_hd_silu(x) * 2.0f && llm_hd_gate(x, 2.0f, 0) == llm_hd_gelu(x) * 2.0f);
    }
    /* float formulas: a few ulps of the terms' size |x| (GELU's 1 + tanh cancels for x << 0,
     * so the error is measured against |f(x)| + |x|, not |f(x)| alone) */
    CHECK_MSG(wg < 1e-6, "GELU: worst |err| / (|gelu| + |x|) %.2e", wg);
    CHECK_MSG(ws < 1e-6, "SiLU: worst |err| / (|silu| + |x|) %.2e", ws);
    CHECK_MSG(wc < 1e-6, "softcap: worst relative error %.2e", wc);
    printf("worst errors: GPU matmul lanes %.2e (of Σ|wx|), GELU %.2e, SiLU %.2e, softcap %.2e\n", g_mm_worst, wg,
           ws, wc);
}

static void test_attention(void)
{
    /* the window start: sliding window, then the ring's capacity */
    CHECK(llm_hd_attn_t0(11, 1, 5, 8) == 7);
    CHECK(llm_hd_attn_t0(11, 0, 5, 8) == 4);
    CHECK(llm_hd_attn_t0(3, 1, 5, 8) == 0);
    CHECK(llm_hd_attn_t0(4, 1, 5, 21) == 0 && llm_hd_attn_t0(5, 1, 5, 21) == 1);
    enum { D = 40, HK = 2, KD = D * HK, CAP = 8 };
    float kc[CAP * KD], vc[CAP * KD], q[D], att[CAP], o[D];
    for (int i = 0; i < CAP * KD; i++) {
        kc[i] = 2 * rndf();
        vc[i] = rndf();
    }
    for (int i = 0; i < D; i++)
        q[i] = rndf();
    const int pos = 11, kh = 1;
    const int t0 = llm_hd_attn_t0(pos, 1, 6, CAP), nt = pos - t0 + 1;
    CHECK(nt == 6);
    llm_hd_attn_head(q, kc, vc, CAP, KD, kh, D, t0, nt, 0.3f, att, o);
    double s[CAP], mx = -1e300, sum = 0, worst = 0;
    for (int t = 0; t < nt; t++) {
        const int slot = (t0 + t) % CAP;
        s[t] = 0;
        for (int i = 0; i < D; i++)
            s[t] += (double)q[i] * kc[slot * KD + kh * D + i];
        s[t] *= 0.3;
        mx = fmax(mx, s[t]);
    }
    for (int t = 0; t < nt; t++)
        sum += exp(s[t] - mx);
    for (int i = 0; i < D; i++) {
        double r = 0, mag = 0;
        for (int t = 0; t < nt; t++) {
            const double v = vc[((t0 + t) % CAP) * KD + kh * D + i];
            r += exp(s[t] - mx) / sum * v;
            mag += exp(s[t] - mx) / sum * fabs(v);
        }
        worst = fmax(worst, fabs(o[i] - r) / mag);
    }
    CHECK_MSG(worst < 2e-6, "attention: worst |err| / Σ w|v| %.2e against float64", worst);
}

int main(void)
{
    test_half();
    test_sizes();
    test_dequant_blocks();
    test_matmul_lanes();
    test_rmsnorm();
    test_rope();
    test_activations();
    test_attention();
    return test_summary();
}
