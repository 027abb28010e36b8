/* matvec.c — llm_vec_dot (one row, dispatched through the traits table by ISA) and the
 * OpenMP matrix-vector / matrix-matrix products, including which of llama.cpp's float
 * orders a Q4_K/Q6_K row takes in a batch (the repacked gemv/gemm kernels). */
#include "llm/quant/kernels.h"
#include "llm/llm.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>

static llm_dot_fn dot_for(const llm_type_traits *t)
{
    for (int isa = llm_quant_isa(); isa >= 0; isa--)
        if (t->dot[isa])
            return t->dot[isa];
    return NULL;
}

float llm_vec_dot(int type, const void *w, const void *xq, int64_t n)
{
    const llm_type_traits *t = llm_type_traits_get(type);
    if (!t || !t->dequant)
        return 0.f;
    if (type == LLM_TYPE_Q4_K && llm_quant_kquant_repack())
        return llm_dot_q4_k_rp(w, xq, n / QKK, 0);
    return dot_for(t)(w, xq, n / t->blck);
}

/* ---- matvec --------------------------------------------------------------------------- */

/* The largest partner rows (Q8_K: 292 bytes per 256, F32: 4 per element), and after the
 * Q8_0 rows (34 per 32) room for the AVX-512 products' per-product tables. */
size_t llm_matvec_scratch_bytes(int64_t ne0)
{
    return llm_matmat_scratch_bytes(ne0, 1);
}

size_t llm_matmat_scratch_bytes(int64_t ne0, int nb)
{
    const size_t q8 = (size_t)nb * llm_row_bytes(LLM_TYPE_Q8_0, ne0 / QK * QK) + llm_rows_q8act_aux_bytes(ne0, nb);
    const size_t f = (size_t)nb * ((size_t)ne0 * sizeof(float) + 64);
    return q8 > f ? q8 : f;
}

/* Y[b][r - r0] = W[r,:] · X[b,:] for r in [r0, r1), b in [0, nb). Each (row, b) dot is the
 * same computation as in the one-vector case, so batching never changes a result; the
 * weights are read once per batch instead of once per vector. */
/* The activations' part of a product: nb vectors quantized to W's partner type into scratch
 * (and, for the x86 Q8_0-activation kernels, their per-product table after them). Only X, nb
 * and W's type count, so a team prepares once and then runs any rows (llm_matmat_rows). */
/* Which whole-product kernel the Q8_0-activation types take: LLM_ISA_AVX512 (rows_avx512.c,
 * any batch), LLM_ISA_AVX2 (rows_avx2.c, batches of 2 or more; one token keeps the fused
 * row dot), or 0 (the per-row dots below) */
static int q8act_whole(const llm_mat *W, int partner, int nb)
{
#if LLM_QUANT_X86
    const int64_t n = W->ne0;
    if (partner != LLM_TYPE_Q8_0 || W->type == LLM_TYPE_IQ4_NL || n % QK != 0)
        return 0;
    if (llm_quant_isa() == LLM_ISA_AVX512)
        return LLM_ISA_AVX512;
    if (llm_quant_isa() == LLM_ISA_AVX2 && nb >= 2)
        return LLM_ISA_AVX2;
#else
    (void)W;
    (void)partner;
    (void)nb;
#endif
    return 0;
}

void llm_matmat_prep(const llm_mat *W, const float *X, int nb, int exact, void *scratch)
{
    if (exact)
        return;
    const int64_t n = W->ne0;
    const int partner = llm_vec_dot_partner(W->type);
    if (partner == LLM_TYPE_F32)
        return;
    const size_t xs = llm_row_bytes(partner, n);
    for (int b = 0; b < nb; b++)
        llm_quantize_act(partner, X + (size_t)b * n, (uint8_t *)scratch + (size_t)b * xs, n);
#if LLM_QUANT_X86
    const int whole = q8act_whole(W, partner, nb);
    if (whole == LLM_ISA_AVX512)
        llm_rows_q8act_prep_avx512(W->type, n / QK, scratch, xs, nb, (uint8_t *)scratch + (size_t)nb * xs);
    else if (whole == LLM_ISA_AVX2)
        llm_rows_q8act_prep_avx2(W->type, n / QK, scratch, xs, nb, (uint8_t *)scratch + (size_t)nb * xs);
#endif
}

#if LLM_QUANT_X86
/* This thread's share [*a, *z) of rows [r0, r1), cut at multiples of q rows from r0 (the
 * kernel's row group, so only the last group of the product can be partial) */
static void thread_rows(int64_t r0, int64_t r1, int q, int64_t *a, int64_t *z)
{
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t ng = (r1 - r0 + q - 1) / q;
    *a = r0 + ng * t / nt * q;
    *z = r0 + ng * (t + 1) / nt * q;
    if (*z > r1)
        *z = r1;
}
#endif

/* Y[b][r - r0] = W[r,:] · X[b,:] for r in [r0, r1), b in [0, nb), the activations already
 * prepared in scratch (llm_matmat_prep; X itself is read only for exact = 1 or f32 partners).
 * Each (row, b) dot is the same computation as in the one-vector case, so batching never
 * changes a result; the weights are read once per batch instead of once per vector. The
 * kernel choice depends on W's whole row count, never on [r0, r1). */
void llm_matmat_rows(const llm_mat *W, const float *X, float *Y, int64_t ldy, int nb, int64_t r0,
                     int64_t r1, int n_total, int first, int exact, void *scratch)
{
    const int64_t n = W->ne0;
    const int type = W->type;
    const uint8_t *data = W->data;
    const size_t rb = W->row_bytes;
    const int par = (double)(r1 - r0) * (double)n * nb >= 4.0e6;
    if (exact) {
        const llm_dot_fn f32dot = dot_for(llm_type_traits_get(LLM_TYPE_F32));
        #pragma omp parallel if (par)
        {
            float *row = malloc((size_t)n * sizeof(float));
            #pragma omp for schedule(static)
            for (int64_t r = r0; r < r1; r++) {
                if (row)
                    llm_dequant_row(type, data + (size_t)r * rb, row, n);
                for (int b = 0; b < nb; b++)
                    Y[b * ldy + (r - r0)] = row ? f32dot((const uint8_t *)row, (const uint8_t *)(X + (size_t)b * n), n) : NAN;
            }
            free(row);
        }
        return;
    }
    int partner = llm_vec_dot_partner(type);
    size_t xs = partner == LLM_TYPE_F32 ? (size_t)n * sizeof(float) : llm_row_bytes(partner, n);
    const uint8_t *xq = partner == LLM_TYPE_F32 ? (const uint8_t *)X : (const uint8_t *)scratch;
#if LLM_QUANT_X86
    /* Q8_0-activation types on AVX-512: the whole-product kernel (rows_avx512.c), same bits */
    const int whole = q8act_whole(W, partner, nb);
    if (whole == LLM_ISA_AVX512) {
        void *aux = (uint8_t *)scratch + (size_t)nb * xs;
        #pragma omp parallel if (par)
        {
            const int nt = omp_get_num_threads(), t = omp_get_thread_num();
            const int64_t a = r0 + (r1 - r0) * t / nt, z = r0 + (r1 - r0) * (t + 1) / nt;
            llm_rows_q8act_avx512(type, data + (size_t)a * rb, rb, z - a, n / QK, xq, xs, nb, Y + (a - r0), ldy, aux);
        }
        return;
    }
    /* the same on AVX2 (rows_avx2.c), batches: rows cut at multiples of its 8-row group */
    if (whole == LLM_ISA_AVX2) {
        void *aux = (uint8_t *)scratch + (size_t)nb * xs;
        #pragma omp parallel if (par)
        {
            int64_t a, z;
            thread_rows(r0, r1, 8, &a, &z);
            if (z > a)
                llm_rows_q8act_avx2(type, data + (size_t)a * rb, rb, z - a, n / QK, xq, xs, nb, Y + (a - r0), ldy, aux);
        }
        return;
    }
    /* Q4_K in llama.cpp's repacked orders, batches: a whole-product kernel with rows as SIMD
     * lanes, same bits: 16 rows per register on AVX-512 (rows_kq_avx512.c), 8 on AVX2
     * (rows_kq_avx2.c); one token keeps the fused block dot */
    const int avx512 = llm_quant_isa() == LLM_ISA_AVX512, grp = avx512 ? 16 : 8;
    if (type == LLM_TYPE_Q4_K && nb > 1 && llm_quant_kquant_repack() && llm_quant_isa() >= LLM_ISA_AVX2 &&
        n % QKK == 0 && n / QKK <= LLM_ROWS_MAX_KBLK) {
        const int ng = W->ne1 % 8 == 0 ? n_total - n_total % 4 - first : 0;
        #pragma omp parallel if (par)
        {
            int64_t a, z;
            thread_rows(r0, r1, grp, &a, &z);
            if (z > a)
                (avx512 ? llm_rows16_q4_k_rp_avx512 : llm_rows8_q4_k_rp_avx2)(data + (size_t)a * rb, rb, z - a, n / QKK,
                                                                              xq, xs, nb, ng, Y + (a - r0), ldy);
        }
        return;
    }
    /* Q6_K in llama.cpp's batched order (batches of more than 4 tokens): likewise */
    if (type == LLM_TYPE_Q6_K && nb > 1 && n_total > 4 && llm_quant_kquant_repack() && W->ne1 % 8 == 0 &&
        llm_quant_isa() >= LLM_ISA_AVX2 && n % QKK == 0 && n / QKK <= LLM_ROWS_MAX_KBLK) {
        #pragma omp parallel if (par)
        {
            int64_t a, z;
            thread_rows(r0, r1, grp, &a, &z);
            if (z > a)
                (avx512 ? llm_rows16_q6_k_rp_avx512 : llm_rows8_q6_k_rp_avx2)(data + (size_t)a * rb, rb, z - a, n / QKK,
                                                                              xq, xs, nb, Y + (a - r0), ldy);
        }
        return;
    }
#endif
    /* Small matrices run on one thread: an OpenMP fork/join costs more than it saves there,
     * and far more on a loaded machine, where a preempted thread stalls the barrier. */
    /* llama.cpp's repacked Q4_K product runs the rows of a batch in groups of 4 through its
     * gemm kernel and the remaining nb % 4 through its gemv kernel (different float order) */
    /* The vectors are tokens first .. first + nb - 1 of a llama.cpp batch of n_total. Its
     * repacked Q4_K product takes rows [0, n_total - n_total % 4) through the gemm kernel,
     * the rest through gemv; Q6_K goes through the repacked order (dot_q6_k_rp) for batches
     * of more than 4 tokens, else ggml_vec_dot_q6_K_q8_K (both checked on the model). */
    const int rp = llm_quant_kquant_repack() && W->ne1 % 8 == 0;
    const int ngemm = type == LLM_TYPE_Q4_K && rp ? n_total - n_total % 4 - first : 0;
    const int q6rp = type == LLM_TYPE_Q6_K && rp && n_total > 4;
    /* the kernel is looked up once per product, not once per row */
    const llm_type_traits *tr = llm_type_traits_get(type);
    const llm_dot_fn dot1 = dot_for(tr);
    const int use_rp1 = type == LLM_TYPE_Q4_K && llm_quant_kquant_repack();
    #pragma omp parallel for schedule(static) if (par)
    for (int64_t r = r0; r < r1; r++)
        for (int b = 0; b < nb; b++) {
            const uint8_t *wr = data + (size_t)r * rb, *xb = xq + (size_t)b * xs;
            Y[b * ldy + (r - r0)] = b < ngemm ? llm_dot_q4_k_rp(wr, xb, n / QKK, 1)
                                    : q6rp    ? llm_dot_q6_k_rp(wr, xb, n / QKK)
                                    : use_rp1 ? llm_dot_q4_k_rp(wr, xb, n / QKK, 0)
                                              : dot1(wr, xb, n / tr->blck);
        }
}

static void matmat_rows(const llm_mat *W, const float *X, float *Y, int64_t ldy, int nb, int64_t r0,
                        int64_t r1, int exact, void *scratch, int n_total, int first)
{
    llm_matmat_prep(W, X, nb, exact, scratch);
    llm_matmat_rows(W, X, Y, ldy, nb, r0, r1, n_total, first, exact, scratch);
}

void llm_matmat(const llm_mat *W, const float *X, float *Y, int nb, int exact, void *scratch)
{
    matmat_rows(W, X, Y, W->ne1, nb, 0, W->ne1, exact, scratch, nb, 0);
}

void llm_matmat_part(const llm_mat *W, const float *X, float *Y, int nb, int n_total, int first,
                     int exact, void *scratch)
{
    matmat_rows(W, X, Y, W->ne1, nb, 0, W->ne1, exact, scratch, n_total, first);
}

void llm_matvec_rows(const llm_mat *W, const float *x, float *y, int64_t r0, int64_t r1,
                     int exact, void *scratch)
{
    matmat_rows(W, x, y, r1 - r0, 1, r0, r1, exact, scratch, 1, 0);
}

void llm_matvec(const llm_mat *W, const float *x, float *y, int exact, void *scratch)
{
    matmat_rows(W, x, y, W->ne1, 1, 0, W->ne1, exact, scratch, 1, 0);
}
