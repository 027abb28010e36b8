/* test_quant_rows.c — the whole-product batch kernels of the quant layer (rows as SIMD
 * lanes: rows_avx512.c, rows_avx2.c, rows_kq_avx512.c, rows_kq_avx2.c) on every ISA path the
 * CPU has, against the scalar path bit for bit, at the edges of their row groups, token tiles,
 * block chunks and float orders. (test_quant checks the dot kernels and the scalar path
 * itself against ggml's fixtures and float64.) */
#include "llm/llm.h"
#include "llm/quant/quant.h"
#include "tests/support/quant_rand.h"
#include "tests/test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One product of the Q8_0-activation batch kernels (Q8_0, Q4_0, Q5_0 weights): W (ne1 rows
 * of ne0) times nb tokens on every ISA path the CPU has against the scalar path, bit for
 * bit. extreme: every quant at its bounds and x = ±1 (the activation ±127), so that every
 * 16-bit pair product of the AVX2 kernel is at its largest (Q8_0: 127·127 and −128·±127
 * pairs; a kernel that saturates them fails). Returns the number of outputs that differ,
 * over all ISAs, or -1 when out of memory. */
static int q8act_rows_case(int type, int64_t ne0, int64_t ne1, int nb, int extreme)
{
    const size_t rb = llm_row_bytes(type, ne0);
    const int bsz = llm_type_size(type);
    uint8_t *d = malloc(rb * (size_t)ne1);
    float *x = malloc((size_t)nb * ne0 * sizeof(float));
    float *y = malloc((size_t)nb * ne1 * sizeof(float)), *y0 = malloc((size_t)nb * ne1 * sizeof(float));
    void *scr = malloc(llm_matmat_scratch_bytes(ne0, nb));
    if (!d || !x || !y || !y0 || !scr) {
        free(d), free(x), free(y), free(y0), free(scr);
        return -1;
    }
    if (extreme) {
        /* Q8_0: elements 4m, 4m + 1 are 127, 4m + 2, 4m + 3 are -128; Q4_0: nibbles 15 and 0
         * (q = 7, -8); Q5_0 the same with the fifth bits all set or all clear, block by block
         * (q = 15, 0 or -1, -16) */
        for (size_t b = 0; b < rb * (size_t)ne1 / (size_t)bsz; b++) {
            uint8_t *blk = d + b * (size_t)bsz;
            blk[0] = 0x00, blk[1] = 0x3C; /* d = 1 */
            if (type == LLM_TYPE_Q8_0)
                for (int e = 0; e < 32; e++)
                    blk[2 + e] = (e / 2) % 2 ? 0x80 : 0x7F;
            else {
                uint8_t *qs = blk + (type == LLM_TYPE_Q5_0 ? 6 : 2);
                if (type == LLM_TYPE_Q5_0)
                    memset(blk + 2, (int)(b % 2 ? 0xFF : 0x00), 4);
                for (int e = 0; e < 16; e++)
                    qs[e] = e % 2 ? 0x0F : 0xF0;
            }
        }
        for (int64_t i = 0; i < nb * ne0; i++)
            x[i] = (i / ne0 + i / 2) % 2 ? -1.f : 1.f;
    } else {
        for (int64_t r = 0; r < ne1; r++)
            quant_test_rand_blocks(type, d + (size_t)r * rb, ne0);
        for (int64_t i = 0; i < nb * ne0; i++)
            x[i] = quant_test_frand();
    }
    llm_mat W = {"w", type, ne0, ne1, rb, d};
    const int best = llm_quant_isa_best();
    llm_quant_set_isa(LLM_ISA_SCALAR);
    llm_matmat(&W, x, y0, nb, 0, scr);
    int bad = 0;
    for (int isa = LLM_ISA_SCALAR + 1; isa <= best; isa++) {
        llm_quant_set_isa(isa);
        memset(y, 0xA5, (size_t)nb * ne1 * sizeof(float));
        llm_matmat(&W, x, y, nb, 0, scr);
        for (int64_t i = 0; i < nb * ne1; i++)
            bad += memcmp(&y[i], &y0[i], 4) != 0;
    }
    llm_quant_set_isa(best);
    free(d), free(x), free(y), free(y0), free(scr);
    return bad;
}

/* The batch kernels of the Q8_0-activation types (rows_avx512.c: 16 rows to a register, 2
 * tokens at a time; rows_avx2.c: 8 rows to a register; both with blocks in chunks of 64 and
 * tokens in tiles of 64) on every ISA the CPU has against
 * the scalar path, bit for bit, over shapes that reach every edge: a last group of 1..15 rows
 * (of 16) and 1..7 (of 8), fewer rows than a group, odd token counts, 2 tokens (the AVX2
 * kernel's smallest batch), 1 block, 64 blocks and past them (1, 2 and 3 chunks, a last chunk
 * of 1), batches up to 64 and past them (2 tiles), the larger ones split over the OpenMP
 * threads, and extreme quants. */
static void test_rows_q8act_shapes(void)
{
    const struct {
        int64_t ne0, ne1;
        int nb;
    } sh[] = {{32, 1, 2},     {32, 17, 3},   {512, 40, 13}, {640, 31, 64},  {2048, 16, 5},  {2080, 24, 9},
              {96, 15, 33},   {64, 9, 2},    {160, 7, 4},   {128, 10, 3},   {320, 11, 7},   {96, 12, 64},
              {224, 13, 5},   {32, 14, 17},  {256, 3, 2},   {2048, 45, 64}, {640, 1030, 9}, {2048, 23, 1},
              {4096, 19, 3},  {6176, 9, 2},  {2080, 8, 65},  {4128, 17, 70}};
    const int types[] = {LLM_TYPE_Q8_0, LLM_TYPE_Q4_0, LLM_TYPE_Q5_0};
    printf("Q8_0-activation batch kernels: ISA paths scalar .. %s\n", llm_quant_isa_name(llm_quant_isa_best()));
    for (size_t c = 0; c < sizeof sh / sizeof sh[0]; c++)
        for (int k = 0; k < 3; k++) {
            const int t = types[k];
            const int bad = q8act_rows_case(t, sh[c].ne0, sh[c].ne1, sh[c].nb, 0);
            CHECK_MSG(bad == 0, "%s %lld x %lld, %d tokens: %d values differ from the scalar path",
                      llm_type_name(t), (long long)sh[c].ne1, (long long)sh[c].ne0, sh[c].nb, bad);
        }
    for (int k = 0; k < 3; k++) {
        const int bad = q8act_rows_case(types[k], 2048, 21, 6, 1);
        CHECK_MSG(bad == 0, "%s extreme quants, 21 x 2048, 6 tokens: %d values differ from the scalar path",
                  llm_type_name(types[k]), bad);
    }
}

/* One product of the K-quant batch kernels' edge cases: W (ne1 rows of nblk blocks of 256)
 * times nb tokens, tokens first .. first + nb - 1 of a batch of n_total (so the Q4_K
 * gemm/gemv split moves), on every ISA against the scalar path, bit for bit. extreme: every
 * scale and quant at its largest magnitude and x = -1 (the integer sums at their bounds).
 * Returns the number of outputs that differ. */
static int kq_rows_range(int type, int64_t nblk, int64_t ne1, int64_t r0, int64_t r1, int nb, int n_total, int first,
                         int extreme);

static int kq_rows_case(int type, int64_t nblk, int64_t ne1, int nb, int n_total, int first, int extreme)
{
    return kq_rows_range(type, nblk, ne1, 0, ne1, nb, n_total, first, extreme);
}

/* The same for rows [r0, r1) of W only (as a team splits a product: the kernels see
 * r1 - r0 rows, so a Q6_K product, taken by its kernel only for ne1 % 8 == 0, still ends
 * in a partial row group) */
static int kq_rows_range(int type, int64_t nblk, int64_t ne1, int64_t r0, int64_t r1, int nb, int n_total, int first,
                         int extreme)
{
    const int64_t ne0 = 256 * nblk;
    const size_t rb = llm_row_bytes(type, ne0);
    uint8_t *d = malloc(rb * (size_t)ne1);
    float *x = malloc(sizeof(float) * (size_t)(nb * ne0));
    /* y: 16 guard floats past the outputs (a missing row mask writes there) */
    float *y0 = malloc(sizeof(float) * (size_t)(nb * ne1)), *y = malloc(sizeof(float) * (size_t)(nb * ne1 + 16));
    void *scr = malloc(llm_matmat_scratch_bytes(ne0, nb));
    if (!d || !x || !y0 || !y || !scr) {
        free(d), free(x), free(y0), free(y), free(scr);
        return -1;
    }
    const size_t bsz = type == LLM_TYPE_Q4_K ? 144 : 210;
    if (extreme) {
        memset(d, 0xFF, rb * (size_t)ne1); /* Q4_K: scales, mins 63, quants 15; Q6_K: quants 31 */
        for (size_t b = 0; b < rb * (size_t)ne1 / bsz; b++) {
            uint8_t *blk = d + b * bsz;
            if (type == LLM_TYPE_Q4_K) {
                blk[0] = blk[2] = 0x00; /* d = dmin = 1 */
                blk[1] = blk[3] = 0x3C;
            } else {
                memset(blk + 192, 0x80, 16); /* scales -128 */
                blk[208] = 0x00;
                blk[209] = 0x3C;
            }
        }
        for (int64_t i = 0; i < nb * ne0; i++)
            x[i] = -1.f;
    } else {
        for (int64_t r = 0; r < ne1; r++)
            quant_test_rand_blocks(type, d + (size_t)r * rb, ne0);
        for (int64_t i = 0; i < nb * ne0; i++)
            x[i] = quant_test_frand();
    }
    llm_mat W = {"w", type, ne0, ne1, rb, d};
    const int best = llm_quant_isa_best();
    const int64_t m = r1 - r0;
    llm_quant_set_isa(LLM_ISA_SCALAR);
    llm_matmat_prep(&W, x, nb, 0, scr);
    llm_matmat_rows(&W, x, y0, m, nb, r0, r1, n_total, first, 0, scr);
    int bad = 0;
    for (int isa = LLM_ISA_SCALAR + 1; isa <= best; isa++) {
        llm_quant_set_isa(isa);
        memset(y, 0xA5, sizeof(float) * (size_t)(nb * ne1 + 16));
        llm_matmat_prep(&W, x, nb, 0, scr);
        llm_matmat_rows(&W, x, y, m, nb, r0, r1, n_total, first, 0, scr);
        for (int64_t i = 0; i < nb * m; i++)
            bad += memcmp(&y[i], &y0[i], sizeof(float)) != 0;
        /* nothing written past the range's nb·m outputs (rows past r1 are lanes never stored) */
        for (int64_t i = nb * m; i < nb * ne1 + 16; i++)
            bad += ((const uint8_t *)y)[4 * i] != 0xA5;
    }
    llm_quant_set_isa(best);
    free(d), free(x), free(y0), free(y), free(scr);
    return bad;
}

/* The Q4_K/Q6_K batch kernels (rows_kq_avx512.c: 16 rows per register; rows_kq_avx2.c: 8;
 * both tiles of up to 4 tokens) against the scalar orders at their edges: row counts that
 * are not a multiple of 16 or 8 (1..7 rows in the last group; whole products whose ne1 is
 * not a multiple of 8 take the other orders), row ranges, token counts around the tile
 * size, 1..8 and 32 blocks per row, moved gemm/gemv splits, extreme blocks. Every ISA the
 * CPU has is compared, so an AVX-512 machine checks the AVX2 kernels too. */
static void test_kq_rows(void)
{
    if (llm_quant_isa_best() < LLM_ISA_AVX512)
        printf("SKIP: AVX-512 VNNI not available (CPU or SO8T_ISA): the K-quant batch kernels %s\n",
               llm_quant_isa_best() == LLM_ISA_AVX2 ? "are compared on AVX2 only" : "are not compared");
    const int types[] = {LLM_TYPE_Q4_K, LLM_TYPE_Q6_K};
    const int64_t rows[] = {8, 24, 40, 72, 20, 36};
    const int nbs[] = {2, 3, 4, 5, 13, 16, 17, 64};
    int i = 0;
    for (int k = 0; k < 2; k++) {
        const int t = types[k];
        const char *tn = llm_type_name(t);
        for (int a = 0; a < 6; a++) /* every row count × token count; nblk cycles through 1..8 */
            for (int b = 0; b < 8; b++, i++) {
                const int64_t nblk = 1 + i % 8;
                const int bad = kq_rows_case(t, nblk, rows[a], nbs[b], nbs[b], 0, 0);
                CHECK_MSG(bad == 0, "%s %lld rows x %d tokens, %lld blocks: %d outputs differ from the scalar path", tn,
                          (long long)rows[a], nbs[b], (long long)nblk, bad);
            }
        /* tokens first .. first + nb - 1 of a batch of n_total: ngemm = n_total - n_total % 4 - first
         * (and Q6_K's batched order needs n_total > 4: the last three put tiles of 2 and 3
         * tokens through its kernel) */
        const int parts[][3] = {{5, 7, 0},   {5, 8, 3},   {13, 15, 0}, {13, 18, 5}, {13, 16, 3},
                                {17, 22, 5}, {17, 19, 2}, {3, 6, 3},   {2, 6, 4},   {6, 9, 3}};
        for (int p = 0; p < 10; p++) {
            const int bad = kq_rows_case(t, 3, 40, parts[p][0], parts[p][1], parts[p][2], 0);
            CHECK_MSG(bad == 0, "%s tokens %d..%d of %d: %d outputs differ from the scalar path", tn, parts[p][2],
                      parts[p][2] + parts[p][0] - 1, parts[p][1], bad);
        }
        const int big[][3] = {{32, 24, 17}, {32, 72, 64}, {32, 8, 5}};
        for (int b = 0; b < 3; b++) {
            const int bad = kq_rows_case(t, big[b][0], big[b][1], big[b][2], big[b][2], 0, 0);
            CHECK_MSG(bad == 0, "%s %d rows x %d tokens, %d blocks: %d outputs differ", tn, big[b][1], big[b][2],
                      big[b][0], bad);
        }
        /* 1..7 rows past the last full group of 8 (AVX2) and of 16 (AVX-512), whole products
         * (Q4_K) and row ranges of a product of 64 rows (both types), token tails 1..3 */
        for (int left = 1; left <= 7; left++) {
            const int nbl = 2 + left % 4 + 4 * (left % 2);
            int bad = kq_rows_case(t, 1 + left % 3, 16 + left, nbl, nbl, 0, 0);
            CHECK_MSG(bad == 0, "%s %d rows x %d tokens: %d outputs differ from the scalar path", tn, 16 + left, nbl, bad);
            bad = kq_rows_range(t, 2, 64, 8 + left, 32 + 2 * left, nbl + 3, nbl + 3, 0, 0);
            CHECK_MSG(bad == 0, "%s rows %d..%d of 64 x %d tokens: %d outputs differ from the scalar path", tn, 8 + left,
                      31 + 2 * left, nbl + 3, bad);
        }
        const int bad = kq_rows_case(t, 2, 24, 5, 5, 0, 1);
        CHECK_MSG(bad == 0, "%s extreme blocks: %d outputs differ from the scalar path", tn, bad);
        const int bad6 = kq_rows_range(t, 3, 32, 3, 30, 7, 7, 0, 1);
        CHECK_MSG(bad6 == 0, "%s extreme blocks, rows 3..29: %d outputs differ from the scalar path", tn, bad6);
    }
}

int main(void)
{
    test_rows_q8act_shapes();
    test_kq_rows();
    return test_summary();
}
