/* test_quant.c — tensor kernels against an independent implementation: the fixtures in
 * tests/fixtures/llm/ were made by gguf-py (`gguf.quants`, tools/llm_fixtures.py) from random
 * blocks; we must dequantize them to the same floats, quantize activations to the same
 * Q8_0 bytes, and agree on every block size. Then: fp16/bf16 conversions, the dot products
 * (AVX2 and scalar) against a float64 dot of the dequantized operands, and matvec thread
 * invariance. */
#include "llm/llm.h"
#include "llm/quant/quant.h"
#include "tests/support/quant_rand.h"
#include "tests/test.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define FIX "tests/fixtures/llm/"

static void *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open fixture %s (run from the repository root)\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *p = malloc((size_t)sz + 1);
    if (p && fread(p, 1, (size_t)sz, f) != (size_t)sz) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *n = (size_t)sz;
    return p;
}

static void test_dequant_fixture(const char *prefix, const char *name, int type)
{
    char p1[128], p2[128];
    snprintf(p1, sizeof p1, FIX "%s_%s.raw", prefix, name);
    snprintf(p2, sizeof p2, FIX "%s_%s.f32", prefix, name);
    size_t nr, nf;
    uint8_t *raw = slurp(p1, &nr);
    float *want = slurp(p2, &nf);
    CHECK_MSG(raw && want, "fixtures for %s", name);
    if (!raw || !want) {
        free(raw);
        free(want);
        return;
    }
    int64_t n = (int64_t)(nf / 4);
    CHECK_MSG(llm_row_bytes(type, n) == nr, "%s: %lld values need %zu bytes, fixture has %zu", name,
              (long long)n, llm_row_bytes(type, n), nr);
    float *got = malloc((size_t)n * sizeof(float));
    CHECK(llm_dequant_row(type, raw, got, n) == 0);
    /* bit for bit (NaN payloads included: the fixtures' scales are finite, so none occur) */
    int64_t at = -1;
    for (int64_t i = 0; i < n && at < 0; i++)
        if (memcmp(&got[i], &want[i], 4) != 0)
            at = i;
    CHECK_MSG(at < 0, "%s: element %lld: %.9g vs gguf-py %.9g", name, (long long)at,
              at >= 0 ? got[at] : 0, at >= 0 ? want[at] : 0);
    /* companion: a corrupted block must not match */
    raw[nr / 3] ^= 0x5A;
    raw[nr - 1] ^= 0x5A;
    llm_dequant_row(type, raw, got, n);
    int differs = 0;
    for (int64_t i = 0; i < n; i++)
        differs |= got[i] != want[i];
    CHECK_MSG(differs, "%s: corrupting a byte changed nothing", name);
    free(got);
    free(raw);
    free(want);
}

static void test_quantize_fixture(void)
{
    size_t nx, nq;
    float *x = slurp(FIX "q8_0_in.f32", &nx);
    uint8_t *q8 = slurp(FIX "q8_0_out.raw", &nq);
    CHECK(x && q8);
    if (!x || !q8)
        goto out;
    int64_t n = (int64_t)(nx / 4);
    uint8_t buf[2048];
    llm_quantize_row(LLM_TYPE_Q8_0, x, buf, n);
    CHECK(nq == llm_row_bytes(LLM_TYPE_Q8_0, n) && memcmp(buf, q8, nq) == 0);
    /* weight quantizers for Q4_0 / Q5_0 follow ggml's reference rounding */
    const char *names[2] = {FIX "q4_0_out.raw", FIX "q5_0_out.raw"};
    int types[2] = {LLM_TYPE_Q4_0, LLM_TYPE_Q5_0};
    for (int k = 0; k < 2; k++) {
        size_t nw;
        uint8_t *want = slurp(names[k], &nw);
        CHECK(want != NULL);
        if (!want)
            continue;
        llm_quantize_weights(types[k], x, buf, n);
        CHECK_MSG(nw == llm_row_bytes(types[k], n) && memcmp(buf, want, nw) == 0,
                  "%s quantization differs from gguf-py", llm_type_name(types[k]));
        free(want);
    }
out:
    free(x);
    free(q8);
}

static void test_type_sizes(void)
{
    size_t n;
    char *txt = slurp(FIX "types.txt", &n);
    CHECK(txt != NULL);
    if (!txt)
        return;
    txt[n] = 0;
    int lines = 0, bad = 0;
    char *save = NULL;
    for (char *ln = strtok_r(txt, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        int id, blck, size;
        char name[32];
        if (sscanf(ln, "%d %31s %d %d", &id, name, &blck, &size) != 4)
            continue;
        lines++;
        if (id >= LLM_TYPE_COUNT)
            continue; /* newer than this reader: rejected as unknown */
        if (id == LLM_TYPE_Q8_1)
            continue; /* gguf-py 0.19 lists 40 bytes; ggml-common.h asserts 36 (2 halves + 32) */
        if (llm_type_block_size(id) != blck || llm_type_size(id) != size || strcmp(llm_type_name(id), name)) {
            bad++;
            fprintf(stderr, "     type %d %s: ours %s %d/%d, gguf-py %d/%d\n", id, name,
                    llm_type_name(id), llm_type_block_size(id), llm_type_size(id), blck, size);
        }
    }
    CHECK(lines >= 30);
    CHECK(bad == 0);
    free(txt);
}

static void test_half(void)
{
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF))
            continue; /* NaN */
        if (llm_fp32_to_fp16(llm_fp16_to_fp32((uint16_t)h)) != h)
            bad++;
    }
    CHECK(bad == 0);
    CHECK(llm_fp16_to_fp32(0x3C00) == 1.0f);
    CHECK(llm_fp16_to_fp32(0x0001) == ldexpf(1, -24));
    CHECK(llm_fp32_to_fp16(65520.f) == 0x7C00); /* rounds to inf */
    CHECK(llm_fp32_to_fp16(1.0f + ldexpf(1, -11)) == 0x3C00);     /* tie → even */
    CHECK(llm_fp32_to_fp16(1.0f + 3 * ldexpf(1, -11)) == 0x3C02); /* tie → even (up) */
    CHECK(llm_fp32_to_fp16(ldexpf(1, -25)) == 0);                  /* tie → even (zero) */
    CHECK(llm_fp32_to_fp16(ldexpf(3, -26)) == 1);
    CHECK(llm_fp32_to_bf16(1.0f) == 0x3F80 && llm_bf16_to_fp32(0x3F80) == 1.0f);
    CHECK(llm_fp32_to_bf16(1.0f + ldexpf(1, -8)) == 0x3F80); /* tie → even */
}


/* float64 dot of the dequantized weight row and the dequantized activation */
static double ref_dot(int type, const uint8_t *w, const uint8_t *xq, int partner, const float *x, int n)
{
    float *wd = malloc((size_t)n * sizeof(float));
    llm_dequant_row(type, w, wd, n);
    double s = 0;
    for (int i = 0; i < n; i++) {
        double xv;
        if (partner == LLM_TYPE_Q8_0) {
            const uint8_t *b = xq + (i / 32) * 34;
            xv = (double)llm_fp16_to_fp32((uint16_t)(b[0] | b[1] << 8)) * (int8_t)b[2 + i % 32];
        } else if (partner == LLM_TYPE_Q8_K) {
            const uint8_t *b = xq + (i / 256) * 292;
            float d;
            memcpy(&d, b, 4);
            xv = (double)d * (int8_t)b[4 + i % 256];
        } else {
            xv = x[i];
        }
        s += (double)wd[i] * xv;
    }
    free(wd);
    return s;
}

static void test_dots(void)
{
    const int n = 512;
    const int types[] = {LLM_TYPE_F32, LLM_TYPE_F16, LLM_TYPE_BF16, LLM_TYPE_Q8_0,
                         LLM_TYPE_Q4_0, LLM_TYPE_Q5_0, LLM_TYPE_Q4_K, LLM_TYPE_Q6_K};
    float *w = malloc(n * sizeof(float)), *x = malloc(n * sizeof(float));
    uint8_t *wq = malloc(n * 4 + 64), *xq = malloc(n * 4 + 64);
    int avx = llm_quant_force_scalar(0);
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        int t = types[k];
        for (int i = 0; i < n; i++) {
            w[i] = quant_test_frand() * (i % 37 == 0 ? 4.0f : 1.0f);
            x[i] = quant_test_frand() * 3;
        }
        CHECK(llm_quantize_weights(t, w, wq, n) == 0);
        int partner = llm_vec_dot_partner(t);
        llm_quantize_row(partner, x, xq, n);
        double ref = ref_dot(t, wq, xq, partner, x, n);
        double scale = 0;
        for (int i = 0; i < n; i++)
            scale += fabs(w[i] * x[i]);
        for (int pass = 0; pass < 1 + avx; pass++) {
            llm_quant_force_scalar(pass == 1);
            double got = llm_vec_dot(t, wq, xq, n);
            CHECK_MSG(fabs(got - ref) <= 1e-5 * scale, "%s %s: dot %.9g vs %.9g", llm_type_name(t),
                      pass ? "scalar" : "default", got, ref);
        }
        llm_quant_force_scalar(0);
        /* the 8-bit activation is close to the float one (what the gemma3 bounds rely on) */
        double exact = ref_dot(t, wq, NULL, LLM_TYPE_F32, x, n);
        CHECK_MSG(fabs(exact - ref) <= 2e-2 * scale, "%s: q8 activation error too large", llm_type_name(t));
    }
    free(w);
    free(x);
    free(wq);
    free(xq);
}

static void test_matvec_threads(void)
{
    const int64_t ne0 = 512, ne1 = 4096; /* large enough to take the OpenMP path */
    int type = LLM_TYPE_Q4_K;
    size_t rb = llm_row_bytes(type, ne0);
    uint8_t *d = malloc(rb * ne1);
    float *row = malloc(ne0 * sizeof(float)), *x = malloc(ne0 * sizeof(float));
    float *y1 = malloc(ne1 * sizeof(float)), *y2 = malloc(ne1 * sizeof(float)), *y3 = malloc(ne1 * sizeof(float));
    for (int64_t r = 0; r < ne1; r++) {
        for (int64_t i = 0; i < ne0; i++)
            row[i] = quant_test_frand();
        llm_quantize_weights(type, row, d + r * rb, ne0);
    }
    for (int64_t i = 0; i < ne0; i++)
        x[i] = quant_test_frand();
    llm_mat W = {"w", type, ne0, ne1, rb, d};
    void *scr = malloc(llm_matvec_scratch_bytes(ne0));
    omp_set_num_threads(1);
    llm_matvec(&W, x, y1, 0, scr);
    omp_set_num_threads(2);
    llm_matvec(&W, x, y2, 0, scr);
    CHECK(memcmp(y1, y2, ne1 * sizeof(float)) == 0);
    llm_matvec(&W, x, y3, 1, scr); /* exact path: float activations */
    double md = 0, mx = 0;
    for (int64_t r = 0; r < ne1; r++) {
        md = fmax(md, fabs(y3[r] - y1[r]));
        mx = fmax(mx, fabs(y3[r]));
    }
    CHECK(md <= 2e-2 * mx && md > 0);
    llm_matvec_rows(&W, x, y3, 100, 110, 0, scr);
    CHECK(memcmp(y3, y1 + 100, 10 * sizeof(float)) == 0);
    CHECK(llm_dequant_row(LLM_TYPE_IQ2_XXS, d, row, 256) == LLM_ERR_UNSUPPORTED);
    free(d);
    free(row);
    free(x);
    free(y1);
    free(y2);
    free(y3);
    free(scr);
}

/* llama.cpp's x86 activation quantizer (llm_quantize_act, Q8_0): multiplier 127/amax and
 * rounding half to even, unlike the reference (1/d, half away from zero). A block whose
 * amax is 127 has multiplier exactly 1, so x.5 values show the rounding rule directly. */
static void test_quantize_act(void)
{
    float x[32];
    for (int i = 0; i < 32; i++)
        x[i] = (float)(i - 16) + 0.5f; /* -15.5 .. 15.5 */
    x[31] = 127.0f;
    uint8_t a[34], r[34];
    llm_quantize_act(LLM_TYPE_Q8_0, x, a, 32);
    llm_quantize_row(LLM_TYPE_Q8_0, x, r, 32);
    int ok = 1, differs = 0;
    for (int i = 0; i < 31; i++) {
        double v = x[i];
        double fl = floor(v);
        int even = ((long)fl % 2 == 0) ? (int)fl : (int)fl + 1; /* the even neighbour of x.5 */
        ok &= (int8_t)a[2 + i] == even;
        differs |= a[2 + i] != r[2 + i];
    }
    CHECK_MSG(ok, "Q8_0 activation: halves must round to even");
    CHECK_MSG(differs, "companion: the reference quantizer rounds halves away from zero");
    CHECK((int8_t)a[2 + 31] == 127 && a[0] == r[0] && a[1] == r[1]);
    /* away from ties both agree */
    for (int i = 0; i < 32; i++)
        x[i] = quant_test_frand() * 5;
    llm_quantize_act(LLM_TYPE_Q8_0, x, a, 32);
    llm_quantize_row(LLM_TYPE_Q8_0, x, r, 32);
    int same = 0;
    for (int i = 2; i < 34; i++)
        same += a[i] == r[i];
    CHECK_MSG(same >= 30, "Q8_0 activation vs reference: only %d/32 equal", same);
}

/* The AVX2 and the portable dots emulate the same ggml lane order, so they agree bit for bit
 * (the repacked-order Q4_K has one implementation, compiled for both). */
static void test_dot_bitwise(void)
{
    const int n = 1024;
    const int types[] = {LLM_TYPE_Q8_0, LLM_TYPE_Q4_0, LLM_TYPE_Q5_0, LLM_TYPE_Q4_K, LLM_TYPE_Q6_K};
    float *w = malloc(n * sizeof(float)), *x = malloc(n * sizeof(float));
    uint8_t *wq = malloc(n * 4 + 64), *xq = malloc(n * 4 + 64);
    if (!llm_quant_force_scalar(0)) {
        printf("no AVX2 path: bitwise AVX2/scalar comparison skipped\n");
        goto out;
    }
    for (int rp = 0; rp <= 1; rp++) {
        llm_quant_set_kquant_repack(rp);
        for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
            int t = types[k], equal = 1;
            for (int trial = 0; trial < 20; trial++) {
                for (int i = 0; i < n; i++) {
                    w[i] = quant_test_frand();
                    x[i] = quant_test_frand() * 4;
                }
                llm_quantize_weights(t, w, wq, n);
                llm_quantize_act(llm_vec_dot_partner(t), x, xq, n);
                llm_quant_force_scalar(0);
                float v = llm_vec_dot(t, wq, xq, n);
                llm_quant_force_scalar(1);
                float u = llm_vec_dot(t, wq, xq, n);
                llm_quant_force_scalar(0);
                equal &= memcmp(&u, &v, sizeof u) == 0;
            }
            CHECK_MSG(equal, "%s (repack order %d): AVX2 and scalar dots differ", llm_type_name(t), rp);
        }
    }
    llm_quant_set_kquant_repack(1);
out:
    free(w);
    free(x);
    free(wq);
    free(xq);
}

/* Activation quantization against ggml itself (fixtures from libggml through ctypes): the
 * reference quantize_row_q8_{0,1,K}_ref for llm_quantize_row, the x86 CPU backend's
 * from_float for llm_quantize_act. */
static void test_act_fixture(void)
{
    size_t nx;
    float *x = slurp(FIX "act_in.f32", &nx);
    CHECK(x != NULL);
    if (!x)
        return;
    const int64_t n = (int64_t)(nx / 4);
    const struct {
        int type;
        const char *name;
    } acts[] = {{LLM_TYPE_Q8_0, "Q8_0"}, {LLM_TYPE_Q8_1, "Q8_1"}, {LLM_TYPE_Q8_K, "Q8_K"}};
    uint8_t *buf = malloc((size_t)n * 2);
    for (size_t k = 0; k < sizeof acts / sizeof acts[0]; k++)
        for (int cpu = 0; cpu <= 1; cpu++) {
            char path[128];
            snprintf(path, sizeof path, FIX "act_%s_%s.raw", acts[k].name, cpu ? "cpu" : "ref");
            size_t nw;
            uint8_t *want = slurp(path, &nw);
            CHECK(want != NULL && nw == llm_row_bytes(acts[k].type, n));
            if (!want || nw != llm_row_bytes(acts[k].type, n)) {
                free(want);
                continue;
            }
            /* the x86 backend's form on every ISA path (Q8_0 has an AVX2 one) */
            for (int isa = 0; isa <= (cpu ? llm_quant_isa_best() : 0); isa++) {
                llm_quant_set_isa(isa);
                memset(buf, 0xEE, nw);
                if (cpu)
                    llm_quantize_act(acts[k].type, x, buf, n);
                else
                    llm_quantize_row(acts[k].type, x, buf, n);
                size_t at = 0;
                while (at < nw && buf[at] == want[at])
                    at++;
                CHECK_MSG(at == nw, "%s (%s, %s): byte %zu is %u, ggml wrote %u", acts[k].name,
                          cpu ? "x86 CPU backend" : "reference", llm_quant_isa_name(isa), at,
                          at < nw ? buf[at] : 0, at < nw ? want[at] : 0);
            }
            llm_quant_set_isa(llm_quant_isa_best());
            free(want);
        }
    free(buf);
    free(x);
}

/* Each type's activation format is the vec_dot_type ggml's CPU backend reports
 * (vecdot.txt). F16/BF16 are the deliberate exception: ggml converts the activation to
 * F16/BF16, we keep it in float (more precise, and the exact path's behaviour). */
static void test_vecdot_types(void)
{
    size_t n;
    char *txt = slurp(FIX "vecdot.txt", &n);
    CHECK(txt != NULL);
    if (!txt)
        return;
    txt[n] = 0;
    int lines = 0;
    char *save = NULL;
    for (char *ln = strtok_r(txt, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        int id, vt;
        char name[32], vname[32];
        if (sscanf(ln, "%d %31s %d %31s", &id, name, &vt, vname) != 4)
            continue;
        lines++;
        CHECK_MSG(llm_type_supported(id), "%s is not supported", name);
        if (id == LLM_TYPE_F16 || id == LLM_TYPE_BF16)
            vt = LLM_TYPE_F32;
        CHECK_MSG(llm_vec_dot_partner(id) == vt, "%s: activation %s, ggml uses %s", name,
                  llm_type_name(llm_vec_dot_partner(id)), vname);
    }
    CHECK(lines == 15);
    free(txt);
}

static const int k_all_types[] = {LLM_TYPE_F32,  LLM_TYPE_F16,    LLM_TYPE_BF16, LLM_TYPE_Q8_0,
                                  LLM_TYPE_Q4_0, LLM_TYPE_Q4_1,   LLM_TYPE_Q5_0, LLM_TYPE_Q5_1,
                                  LLM_TYPE_Q2_K, LLM_TYPE_Q3_K,   LLM_TYPE_Q4_K, LLM_TYPE_Q5_K,
                                  LLM_TYPE_Q6_K, LLM_TYPE_IQ4_NL, LLM_TYPE_IQ4_XS};
#define N_ALL_TYPES (int)(sizeof k_all_types / sizeof k_all_types[0])


/* byte ranges holding the quant bits of the types with a min/offset term: zeroing them
 * leaves each element's min term (−dmin·m, or m for Q4_1/Q5_1) */
static int quant_bits(int type, int *lo, int *hi)
{
    switch (type) {
    case LLM_TYPE_Q4_1: *lo = 4, *hi = 20; return 1;
    case LLM_TYPE_Q5_1: *lo = 4, *hi = 24; return 1;
    case LLM_TYPE_Q2_K: *lo = 16, *hi = 80; return 1;
    case LLM_TYPE_Q4_K: *lo = 16, *hi = 144; return 1;
    case LLM_TYPE_Q5_K: *lo = 16, *hi = 176; return 1;
    default: return 0;
    }
}

/* Every ISA path against the scalar reference (bit for bit: the integer sums are exact and
 * the float steps identical by construction) and against a float64 dot of the dequantized
 * operands, on random-byte weight blocks and random activations quantized the x86 way.
 * Bound: |dot − ref| ≤ 1e-5 · Σ(|w_i| + 2|min_i|)·|x_i| — each float op's operand is at most
 * that sum, and a row of 1024 elements takes at most ~40 rounding steps of 2^-24 in
 * sequence (32 blocks + the 8-lane sum), i.e. the bound is ~4× the worst case. For Q8_1 the
 * reference uses the block's stored s = fp16(d·Σq) as ggml defines the format. */
static void test_dots_isa(void)
{
    const int n = 1024;
    float *x = malloc(n * sizeof(float)), *wd = malloc(n * sizeof(float)), *md = malloc(n * sizeof(float));
    uint8_t *w = malloc(n * 4), *wz = malloc(n * 4), *xq = malloc(n * 4 + 64);
    const int best = llm_quant_isa_best();
    printf("ISA paths: scalar .. %s\n", llm_quant_isa_name(best));
    for (int rp = 0; rp <= 1; rp++) {
        llm_quant_set_kquant_repack(rp);
        for (int k = 0; k < N_ALL_TYPES; k++) {
            const int t = k_all_types[k];
            const llm_type_traits *tr = llm_type_traits_get(t);
            const int act = llm_vec_dot_partner(t);
            int mismatch = 0, over = 0;
            double worst = 0;
            for (int trial = 0; trial < 12; trial++) {
                quant_test_rand_blocks(t, w, n);
                for (int i = 0; i < n; i++)
                    x[i] = quant_test_frand() * (i % 97 == 0 ? 8.f : 1.f);
                llm_quantize_act(act, x, xq, n);
                llm_dequant_row(t, w, wd, n);
                int lo, hi;
                memset(md, 0, n * sizeof(float));
                if (quant_bits(t, &lo, &hi)) {
                    memcpy(wz, w, llm_row_bytes(t, n));
                    for (int b = 0; b < n / tr->blck; b++)
                        memset(wz + b * tr->size + lo, 0, (size_t)(hi - lo));
                    llm_dequant_row(t, wz, md, n);
                }
                double ref = 0, scale = 0;
                for (int i = 0; i < n; i++) {
                    double xv = x[i];
                    if (act == LLM_TYPE_Q8_0 || act == LLM_TYPE_Q8_1) {
                        const uint8_t *b = xq + (i / 32) * (act == LLM_TYPE_Q8_0 ? 34 : 36);
                        xv = (double)llm_fp16_to_fp32((uint16_t)(b[0] | b[1] << 8)) *
                             (int8_t)b[(act == LLM_TYPE_Q8_0 ? 2 : 4) + i % 32];
                    } else if (act == LLM_TYPE_Q8_K) {
                        const uint8_t *b = xq + (i / 256) * 292;
                        float d;
                        memcpy(&d, b, 4);
                        xv = (double)d * (int8_t)b[4 + i % 256];
                    }
                    if (act == LLM_TYPE_Q8_1) {
                        ref += ((double)wd[i] - md[i]) * xv;
                        if (i % 32 == 0) { /* m · s */
                            const uint8_t *b = xq + (i / 32) * 36;
                            ref += (double)md[i] * llm_fp16_to_fp32((uint16_t)(b[2] | b[3] << 8));
                        }
                    } else {
                        ref += (double)wd[i] * xv;
                    }
                    scale += (fabs(wd[i]) + 2 * fabs(md[i])) * fabs(xv);
                }
                float r0 = 0;
                for (int isa = 0; isa <= best; isa++) {
                    llm_quant_set_isa(isa);
                    float v = llm_vec_dot(t, w, xq, n);
                    if (isa == 0)
                        r0 = v;
                    mismatch |= memcmp(&v, &r0, 4) != 0;
                    double e = fabs(v - ref) / scale;
                    worst = fmax(worst, e);
                    over |= !(e <= 1e-5);
                }
                llm_quant_set_isa(best);
            }
            CHECK_MSG(!mismatch, "%s (repack %d): an ISA path differs from the scalar one", llm_type_name(t), rp);
            CHECK_MSG(!over, "%s (repack %d): |dot - float64| / scale = %.3g > 1e-5", llm_type_name(t), rp, worst);
            if (rp)
                printf("  %-6s act %-4s worst |dot - float64| / scale %.2e\n", llm_type_name(t),
                       llm_type_name(act), worst);
        }
    }
    llm_quant_set_kquant_repack(1);
    free(x);
    free(wd);
    free(md);
    free(w);
    free(wz);
    free(xq);
}

/* llm_matvec gives exactly llm_vec_dot per row, on every ISA (the product picks its
 * kernel once, the row dot per call: both must agree); and a batch of 13 (llama.cpp's batch
 * orders: Q4_K rows 0..11 in the gemm order, Q6_K in the batched order; the Q8_0-activation
 * types 16 rows to a register on AVX-512, 8 on AVX2) gives the same bits on every ISA. 40
 * rows: a multiple of 8, as llama.cpp's repacking requires. */
static void test_matvec_groups(void)
{
    const int64_t ne0 = 512, ne1 = 40;
    const int nb = 13;
    uint8_t *d = malloc((size_t)(ne0 * 4 * ne1)), *xq = malloc((size_t)ne0 * 4 + 64);
    float *x = malloc(nb * ne0 * sizeof(float)), *y = malloc(nb * ne1 * sizeof(float));
    float *y0 = malloc(nb * ne1 * sizeof(float));
    void *scr = malloc(llm_matmat_scratch_bytes(ne0, nb));
    const int best = llm_quant_isa_best();
    for (int k = 0; k < N_ALL_TYPES; k++) {
        const int t = k_all_types[k];
        const size_t rb = llm_row_bytes(t, ne0);
        for (int64_t r = 0; r < ne1; r++)
            quant_test_rand_blocks(t, d + r * rb, ne0);
        for (int64_t i = 0; i < nb * ne0; i++)
            x[i] = quant_test_frand();
        llm_mat W = {"w", t, ne0, ne1, rb, d};
        int bad = 0, bad_batch = 0;
        for (int isa = 0; isa <= best; isa++) {
            llm_quant_set_isa(isa);
            llm_matvec(&W, x, y, 0, scr);
            llm_quantize_act(llm_vec_dot_partner(t), x, xq, ne0);
            for (int64_t r = 0; r < ne1; r++) {
                float v = llm_vec_dot(t, d + r * rb, xq, ne0);
                bad += memcmp(&v, &y[r], 4) != 0;
            }
            llm_matmat(&W, x, isa ? y : y0, nb, 0, scr);
            if (isa)
                bad_batch += memcmp(y, y0, nb * ne1 * sizeof(float)) != 0;
        }
        llm_quant_set_isa(best);
        CHECK_MSG(bad == 0, "%s: %d matvec rows differ from llm_vec_dot", llm_type_name(t), bad);
        CHECK_MSG(bad_batch == 0, "%s: a batch of %d differs between ISAs", llm_type_name(t), nb);
    }
    free(d);
    free(xq);
    free(x);
    free(y);
    free(y0);
    free(scr);
}

/* The weight quantizers (tests build tiny models with them): Q8_0, Q4_0, Q4_1, Q5_0, Q5_1
 * bit-equal to ggml's reference quantizers (ggml_quantize_chunk's bytes in the fixtures);
 * every type round-trips a Gaussian row within its stated relative RMS error (measured
 * errors are printed; a wrong bit layout gives errors near 1). */
static void test_weight_quantizers(void)
{
    size_t nx;
    float *xin = slurp(FIX "qggml_in.f32", &nx);
    CHECK(xin != NULL);
    const int64_t n = xin ? (int64_t)(nx / 4) : 0;
    uint8_t *buf = malloc(4096 * 4);
    const int leg[] = {LLM_TYPE_Q8_0, LLM_TYPE_Q4_0, LLM_TYPE_Q4_1, LLM_TYPE_Q5_0, LLM_TYPE_Q5_1};
    for (int k = 0; k < 5 && xin; k++) {
        char path[128];
        snprintf(path, sizeof path, FIX "qggml_%s.raw", llm_type_name(leg[k]));
        size_t nw;
        uint8_t *want = slurp(path, &nw);
        CHECK(want && nw == llm_row_bytes(leg[k], n));
        if (want && nw == llm_row_bytes(leg[k], n)) {
            llm_quantize_weights(leg[k], xin, buf, n);
            CHECK_MSG(memcmp(buf, want, nw) == 0, "%s: weight quantizer differs from ggml's", llm_type_name(leg[k]));
        }
        free(want);
    }
    /* bound per type: relative RMS error of dequant(quant(x)) for x ~ N(0, 1), 4096 values */
    const struct {
        int type;
        double bound;
    } rt[] = {{LLM_TYPE_F32, 0},       {LLM_TYPE_F16, 4e-4},   {LLM_TYPE_BF16, 3e-3},
              {LLM_TYPE_Q8_0, 8e-3},   {LLM_TYPE_Q4_0, 0.12},  {LLM_TYPE_Q4_1, 0.12},
              {LLM_TYPE_Q5_0, 0.06},   {LLM_TYPE_Q5_1, 0.06},  {LLM_TYPE_Q2_K, 0.45},
              {LLM_TYPE_Q3_K, 0.22},   {LLM_TYPE_Q4_K, 0.12},  {LLM_TYPE_Q5_K, 0.06},
              {LLM_TYPE_Q6_K, 0.03},   {LLM_TYPE_IQ4_NL, 0.12}, {LLM_TYPE_IQ4_XS, 0.12}};
    const int m = 4096;
    float *x = malloc(m * sizeof(float)), *y = malloc(m * sizeof(float));
    for (int i = 0; i < m; i += 2) { /* Box-Muller */
        double u1 = 0.5 * (quant_test_frand() + 1) + 1e-12, u2 = 0.5 * (quant_test_frand() + 1);
        x[i] = (float)(sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
        x[i + 1] = (float)(sqrt(-2 * log(u1)) * sin(6.283185307179586 * u2));
    }
    printf("weight quantizer round trip (relative RMS error):");
    for (size_t k = 0; k < sizeof rt / sizeof rt[0]; k++) {
        CHECK(llm_quantize_weights(rt[k].type, x, buf, m) == 0);
        llm_dequant_row(rt[k].type, buf, y, m);
        double e2 = 0, x2 = 0;
        for (int i = 0; i < m; i++) {
            e2 += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
            x2 += (double)x[i] * x[i];
        }
        double rel = sqrt(e2 / x2);
        printf(" %s %.3g", llm_type_name(rt[k].type), rel);
        CHECK_MSG(rel <= rt[k].bound, "%s: round trip error %.3g > %.3g", llm_type_name(rt[k].type), rel, rt[k].bound);
    }
    printf("\n");
    free(x);
    free(y);
    free(buf);
    free(xin);
}

int main(void)
{
    test_type_sizes();
    test_dequant_fixture("quant", "F16", LLM_TYPE_F16);
    test_dequant_fixture("quant", "BF16", LLM_TYPE_BF16);
    /* random-byte blocks (valid scales) and blocks ggml's own quantizer made */
    const char *names[] = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K",
                           "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"};
    const int types[] = {LLM_TYPE_Q8_0, LLM_TYPE_Q4_0, LLM_TYPE_Q4_1, LLM_TYPE_Q5_0,
                         LLM_TYPE_Q5_1, LLM_TYPE_Q2_K, LLM_TYPE_Q3_K, LLM_TYPE_Q4_K,
                         LLM_TYPE_Q5_K, LLM_TYPE_Q6_K, LLM_TYPE_IQ4_NL, LLM_TYPE_IQ4_XS};
    for (int k = 0; k < 12; k++) {
        test_dequant_fixture("quant", names[k], types[k]);
        test_dequant_fixture("qggml", names[k], types[k]);
    }
    test_quantize_fixture();
    test_act_fixture();
    test_vecdot_types();
    test_half();
    test_dots();
    test_dots_isa();
    test_quantize_act();
    test_dot_bitwise();
    test_matvec_threads();
    test_matvec_groups();
    test_weight_quantizers();
    return test_summary();
}
