/* philox.h — Philox4x32-10 in plain C (host and device), reproducing cuRAND's device API.
 *
 * The bijection (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3",
 * SC'11; Random123 philox4x32 with R = 10): per round
 *     (x, y, z, w) <- (hi(M1*z) ^ y ^ k0, lo(M1*z), hi(M0*x) ^ w ^ k1, lo(M0*x)),
 * keys bumped by the Weyl constants (W0, W1) between rounds.
 *
 * The stream model is cuRAND's curandStatePhilox4_32_10_t (curand_philox4x32_x.h,
 * curand_kernel.h, curand_uniform.h, curand_normal.h of the CUDA toolkit; our wording of
 * it is in docs/design.md, "The RNG contract"):
 *   curand_init(seed, subsequence, offset): key = (lo32 seed, hi32 seed); counter =
 *   (0, 0, lo32 sub, hi32 sub), then skipahead(offset) moves offset/4 blocks in the low
 *   64 bits and offset%4 words within the block. curand() returns the block's words in
 *   order x, y, z, w; curand4() returns the next four words whatever the alignment.
 *
 * Bit-exactness: words and every uniform are integer or exactly-rounded arithmetic and
 * match cuRAND bit for bit. The normals (mc_philox_normal*, Box–Muller as cuRAND does it)
 * use the host libm here where cuRAND's device code uses __sincosf/logf/sincospi, so they
 * agree only to a few ulp (bound measured in tests/test_philox.c and docs/design.md).
 * Code that must be bit-identical on CPU and GPU uses mc/normal.h instead.
 *
 * No I/O, no allocation, no CUDA types: the same functions run in kernels and on the CPU.
 */
#ifndef SO8T_MC_PHILOX_H
#define SO8T_MC_PHILOX_H

#include <math.h>
#include <stdint.h>

#include "base/config.h"

#define MC_PHILOX_M0 0xD2511F53u
#define MC_PHILOX_M1 0xCD9E8D57u
#define MC_PHILOX_W0 0x9E3779B9u
#define MC_PHILOX_W1 0xBB67AE85u

/* cuRAND's constants (curand_globals.h): 2^-32 as float and double, 2^-53, fl32(2*pi). */
#define MC_2POW32_INV 2.3283064e-10f
#define MC_2POW32_INV_DOUBLE 2.3283064365386963e-10
#define MC_2POW53_INV_DOUBLE 1.1102230246251565e-16
#define MC_2PI 6.2831855f
#define MC_2POW32_INV_2PI (2.3283064e-10f * 6.2831855f)
#define MC_PI_DOUBLE 3.1415926535897932

/* Mirrors curandStatePhilox4_32_10_t field for field. */
typedef struct {
    uint32_t ctr[4];    /* x, y, z, w */
    uint32_t output[4]; /* Philox(ctr, key): the current block */
    uint32_t key[2];
    unsigned state;     /* index of the next word of output to return (0..3) */
    int boxmuller_flag;
    int boxmuller_flag_double;
    float boxmuller_extra;
    double boxmuller_extra_double;
} mc_philox_state;

/* One round; hi/lo of the 32x32 -> 64 products. */
SO8T_HD void mc_philox_round(uint32_t c[4], uint32_t k0, uint32_t k1)
{
    uint64_t p0 = (uint64_t)MC_PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)MC_PHILOX_M1 * c[2];
    uint32_t x = (uint32_t)(p1 >> 32) ^ c[1] ^ k0;
    uint32_t y = (uint32_t)p1;
    uint32_t z = (uint32_t)(p0 >> 32) ^ c[3] ^ k1;
    uint32_t w = (uint32_t)p0;
    c[0] = x;
    c[1] = y;
    c[2] = z;
    c[3] = w;
}

/* The Philox4x32-10 bijection: out = Philox(ctr, key). */
SO8T_HD void mc_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += MC_PHILOX_W0;
            k1 += MC_PHILOX_W1;
        }
        mc_philox_round(c, k0, k1);
    }
    out[0] = c[0];
    out[1] = c[1];
    out[2] = c[2];
    out[3] = c[3];
}

SO8T_HD void mc_philox_refill(mc_philox_state *s)
{
    mc_philox4x32_10(s->ctr, s->key, s->output);
}

/* Counter + 1 (128-bit carry), as Philox_State_Incr(s). */
SO8T_HD void mc_philox_ctr_incr(mc_philox_state *s)
{
    if (++s->ctr[0])
        return;
    if (++s->ctr[1])
        return;
    if (++s->ctr[2])
        return;
    ++s->ctr[3];
}

/* Counter + n in the low 64 bits, as Philox_State_Incr(s, n) — including its carry rule
 * (the carry out of ctr.y is tested as nhi <= ctr.y after the add, which loses a carry
 * when nhi wrapped to 0; modelled faithfully). */
SO8T_HD void mc_philox_ctr_add(mc_philox_state *s, uint64_t n)
{
    uint32_t nlo = (uint32_t)n;
    uint32_t nhi = (uint32_t)(n >> 32);
    s->ctr[0] += nlo;
    if (s->ctr[0] < nlo)
        nhi++;
    s->ctr[1] += nhi;
    if (nhi <= s->ctr[1])
        return;
    if (++s->ctr[2])
        return;
    ++s->ctr[3];
}

/* skipahead(n): move n words along the stream. */
SO8T_HD void mc_philox_skipahead(mc_philox_state *s, uint64_t n)
{
    s->state += (unsigned)(n & 3u);
    n /= 4;
    if (s->state > 3) {
        n += 1;
        s->state -= 4;
    }
    mc_philox_ctr_add(s, n);
    mc_philox_refill(s);
}

/* skipahead_sequence(n): move n subsequences (2^66 words each) — the high 64 bits. */
SO8T_HD void mc_philox_skipahead_sequence(mc_philox_state *s, uint64_t n)
{
    uint32_t nlo = (uint32_t)n;
    uint32_t nhi = (uint32_t)(n >> 32);
    s->ctr[2] += nlo;
    if (s->ctr[2] < nlo)
        nhi++;
    s->ctr[3] += nhi;
    mc_philox_refill(s);
}

/* curand_init(seed, subsequence, offset, &state). */
SO8T_HD void mc_philox_init(uint64_t seed, uint64_t subsequence, uint64_t offset,
                            mc_philox_state *s)
{
    s->ctr[0] = s->ctr[1] = s->ctr[2] = s->ctr[3] = 0;
    s->key[0] = (uint32_t)seed;
    s->key[1] = (uint32_t)(seed >> 32);
    s->state = 0;
    s->boxmuller_flag = 0;
    s->boxmuller_flag_double = 0;
    s->boxmuller_extra = 0.0f;
    s->boxmuller_extra_double = 0.0;
    mc_philox_skipahead_sequence(s, subsequence);
    mc_philox_skipahead(s, offset);
}

/* curand(&state): the next 32-bit word. */
SO8T_HD uint32_t mc_philox_next(mc_philox_state *s)
{
    uint32_t ret = s->output[s->state & 3u];
    if (++s->state == 4) {
        mc_philox_ctr_incr(s);
        mc_philox_refill(s);
        s->state = 0;
    }
    return ret;
}

/* curand4(&state): the next four words, any alignment; advances one block. */
SO8T_HD void mc_philox_next4(mc_philox_state *s, uint32_t r[4])
{
    uint32_t tmp[4] = {s->output[0], s->output[1], s->output[2], s->output[3]};
    unsigned t = s->state & 3u;
    mc_philox_ctr_incr(s);
    mc_philox_refill(s);
    for (unsigned i = 0; i < 4; i++)
        r[i] = (t + i < 4) ? tmp[t + i] : s->output[t + i - 4];
}

/* ---- uniforms (bit-exact with cuRAND) ---- */

/* _curand_uniform: fl32(x)·2^-32 + 2^-33, in (0, 1]. The product is exact, so fused or
 * not, it is one rounding. */
SO8T_HD float mc_uniform_from_u32(uint32_t x)
{
    return (float)x * MC_2POW32_INV + (MC_2POW32_INV / 2.0f);
}

/* _curand_uniform_double(unsigned): (x + 1)·2^-32 exactly, in [2^-32, 1]. */
SO8T_HD double mc_uniform_double_from_u32(uint32_t x)
{
    return (double)x * MC_2POW32_INV_DOUBLE + MC_2POW32_INV_DOUBLE;
}

/* _curand_uniform_double_hq: 53 bits from two words, z·2^-53 + 2^-54, in (0, 1]. */
SO8T_HD double mc_uniform_double_hq(uint32_t x, uint32_t y)
{
    uint64_t z = (uint64_t)x ^ ((uint64_t)y << (53 - 32));
    return (double)z * MC_2POW53_INV_DOUBLE + (MC_2POW53_INV_DOUBLE / 2.0);
}

SO8T_HD float mc_philox_uniform(mc_philox_state *s) /* curand_uniform */
{
    return mc_uniform_from_u32(mc_philox_next(s));
}

SO8T_HD void mc_philox_uniform4(mc_philox_state *s, float u[4]) /* curand_uniform4 */
{
    uint32_t r[4];
    mc_philox_next4(s, r);
    for (int i = 0; i < 4; i++)
        u[i] = mc_uniform_from_u32(r[i]);
}

SO8T_HD double mc_philox_uniform_double(mc_philox_state *s) /* curand_uniform_double */
{
    return mc_uniform_double_from_u32(mc_philox_next(s));
}

SO8T_HD void mc_philox_uniform2_double(mc_philox_state *s, double u[2]) /* curand_uniform2_double */
{
    uint32_t r[4];
    mc_philox_next4(s, r);
    u[0] = mc_uniform_double_hq(r[0], r[1]);
    u[1] = mc_uniform_double_hq(r[2], r[3]);
}

/* ---- normals: cuRAND's Box–Muller with host libm (few-ulp agreement, not bit-exact) ---- */

/* _curand_box_muller(x, y): (s·sin v, s·cos v), u = uniform(x), v in (0, 2π]. */
SO8T_HD void mc_box_muller_float(uint32_t x, uint32_t y, float out[2])
{
    float u = (float)x * MC_2POW32_INV + (MC_2POW32_INV / 2.0f);
    float v = (float)y * MC_2POW32_INV_2PI + (MC_2POW32_INV_2PI / 2.0f);
    float s = sqrtf(-2.0f * logf(u));
    out[0] = sinf(v) * s;
    out[1] = cosf(v) * s;
}

/* _curand_box_muller_double(x0, x1, y0, y1): 53-bit u and v in (0, 2], sin/cos of π·v. */
SO8T_HD void mc_box_muller_double(uint32_t x0, uint32_t x1, uint32_t y0, uint32_t y1,
                                  double out[2])
{
    uint64_t zx = (uint64_t)x0 ^ ((uint64_t)x1 << (53 - 32));
    double u = (double)zx * MC_2POW53_INV_DOUBLE + (MC_2POW53_INV_DOUBLE / 2.0);
    uint64_t zy = (uint64_t)y0 ^ ((uint64_t)y1 << (53 - 32));
    double v = (double)zy * (MC_2POW53_INV_DOUBLE * 2.0) + MC_2POW53_INV_DOUBLE;
    double s = sqrt(-2.0 * log(u));
    out[0] = sin(v * MC_PI_DOUBLE) * s;
    out[1] = cos(v * MC_PI_DOUBLE) * s;
}

/* curand_normal: two words per pair; the second value is cached in the state. */
SO8T_HD float mc_philox_normal(mc_philox_state *s)
{
    if (s->boxmuller_flag != 1) {
        uint32_t x = mc_philox_next(s);
        uint32_t y = mc_philox_next(s);
        float v[2];
        mc_box_muller_float(x, y, v);
        s->boxmuller_extra = v[1];
        s->boxmuller_flag = 1;
        return v[0];
    }
    s->boxmuller_flag = 0;
    return s->boxmuller_extra;
}

/* curand_normal4: one curand4, Box–Muller on (a, b) and (c, d); no cache. */
SO8T_HD void mc_philox_normal4(mc_philox_state *s, float out[4])
{
    uint32_t r[4];
    mc_philox_next4(s, r);
    mc_box_muller_float(r[0], r[1], out);
    mc_box_muller_float(r[2], r[3], out + 2);
}

/* curand_normal_double: one curand4 per pair; the second value is cached. */
SO8T_HD double mc_philox_normal_double(mc_philox_state *s)
{
    if (s->boxmuller_flag_double != 1) {
        uint32_t r[4];
        double v[2];
        mc_philox_next4(s, r);
        mc_box_muller_double(r[0], r[1], r[2], r[3], v);
        s->boxmuller_extra_double = v[1];
        s->boxmuller_flag_double = 1;
        return v[0];
    }
    s->boxmuller_flag_double = 0;
    return s->boxmuller_extra_double;
}

/* curand_normal2_double: one curand4, both values, no cache. */
SO8T_HD void mc_philox_normal2_double(mc_philox_state *s, double out[2])
{
    uint32_t r[4];
    mc_philox_next4(s, r);
    mc_box_muller_double(r[0], r[1], r[2], r[3], out);
}

#endif /* SO8T_MC_PHILOX_H */
