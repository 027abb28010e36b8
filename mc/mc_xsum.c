/* mc_xsum.c — carries, rounding and packing of the exact accumulator (mc_xsum.h). */
#include "mc/mc_xsum.h"

#include <math.h>

void mc_xsum_normalize(mc_xsum *x)
{
    for (int i = 0; i < MC_XSUM_LIMBS - 1; i++) {
        int64_t c = x->limb[i] >> 32; /* floor division by 2^32 (arithmetic shift) */
        x->limb[i] -= c * ((int64_t)1 << 32);
        x->limb[i + 1] += c;
    }
    x->adds = 0;
}

/* the magnitude of a normalized value, its digits in [0, 2^32) except the top one */
static double round_digits(const int64_t *d, int neg)
{
    int k = MC_XSUM_LIMBS - 1;
    while (k >= 0 && d[k] == 0)
        k--;
    if (k < 0)
        return neg ? -0.0 : 0.0;
    /* the top limb's extra bits (only for sums far beyond DBL_MAX) */
    if (d[k] >= ((int64_t)1 << 32) || k * 32 - 1074 > 1024)
        return neg ? -INFINITY : INFINITY;
    /* 96 bits from the three top digits (padded with zeros below limb 0), the rest sticky */
    uint64_t d1 = k >= 1 ? (uint64_t)d[k - 1] : 0, d2 = k >= 2 ? (uint64_t)d[k - 2] : 0;
    mc_u128 v = ((mc_u128)(uint64_t)d[k] << 64) |
                          ((mc_u128)d1 << 32) | d2;
    int sticky = 0;
    for (int j = k - 3; j >= 0; j--)
        sticky |= d[j] != 0;
    int e0 = (k - 2) * 32 - 1074; /* the weight of v's bit 0 */
    int nbits = 128;
    while (nbits > 0 && !((v >> (nbits - 1)) & 1))
        nbits--;
    double r;
    if (nbits <= 53) { /* exact (only for k < 2: no sticky bits below) */
        r = ldexp((double)(uint64_t)v, e0);
    } else {
        int sh = nbits - 53;
        uint64_t q = (uint64_t)(v >> sh);
        mc_u128 rem = v & ((((mc_u128)1) << sh) - 1);
        mc_u128 half = ((mc_u128)1) << (sh - 1);
        if (rem > half || (rem == half && (sticky || (q & 1))))
            q++;
        /* nbits > 53 means the value is >= 2^-1021: a normal number, 53 bits */
        r = ldexp((double)q, e0 + sh);
    }
    return neg ? -r : r;
}

/* x += sign · v · 2^(p − 1074), v < 2^127, p < 2048 − 160 */
static void add_u128_at(mc_xsum *x, mc_u128 v, int p, int neg)
{
    int i = p >> 5, s = p & 31;
    uint64_t top = s ? (uint64_t)(v >> (128 - s)) : 0; /* the bits shifted out */
    mc_u128 lo = v << s;
    int64_t d[5] = {(int64_t)((uint64_t)lo & 0xffffffffu),
                    (int64_t)((uint64_t)(lo >> 32) & 0xffffffffu),
                    (int64_t)((uint64_t)(lo >> 64) & 0xffffffffu),
                    (int64_t)((uint64_t)(lo >> 96) & 0xffffffffu), (int64_t)top};
    for (int k = 0; k < 5; k++)
        x->limb[i + k] += neg ? -d[k] : d[k];
    if (++x->adds >= (1u << 30))
        mc_xsum_normalize(x);
}

#define XSUM_BATCH (1u << 20) /* 2^20 values of < 2^105 each stay below 2^125 */

void mc_xsum_add_array(mc_xsum *x, const double *v, size_t n, size_t stride)
{
    for (size_t b0 = 0; b0 < n; b0 += XSUM_BATCH) {
        size_t b1 = n - b0 > XSUM_BATCH ? b0 + XSUM_BATCH : n;
        /* the positions of the values' lowest bits: within 52 binades of each other,
           every value is an integer multiple of 2^(pmin − 1074) below 2^105 */
        int pmin = 4096, pmax = -1, plain = 1;
        for (size_t i = b0; i < b1; i++) {
            uint64_t bits;
            memcpy(&bits, &v[i * stride], sizeof bits);
            int be = (int)((bits >> 52) & 0x7ff);
            plain &= be != 0x7ff && be != 0; /* no inf/NaN, no subnormal (rare: slow path) */
            if (!(bits << 1))
                continue; /* ±0 */
            int p = be ? be - 1 : 0;
            pmin = p < pmin ? p : pmin;
            pmax = p > pmax ? p : pmax;
        }
        if (pmax < 0)
            continue; /* all zeros */
        if (!plain || pmax - pmin > 52 || (pmin >> 5) + 4 >= MC_XSUM_LIMBS) {
            for (size_t i = b0; i < b1; i++)
                mc_xsum_add(x, v[i * stride]);
            continue;
        }
        mc_u128 pos = 0, neg = 0;
        for (size_t i = b0; i < b1; i++) {
            uint64_t bits;
            memcpy(&bits, &v[i * stride], sizeof bits);
            if (!(bits << 1))
                continue;
            int p = (int)((bits >> 52) & 0x7ff) - 1;
            mc_u128 m = (mc_u128)((bits & 0xfffffffffffffull) | (1ull << 52)) << (p - pmin);
            if (bits >> 63)
                neg += m;
            else
                pos += m;
        }
        add_u128_at(x, pos, pmin, 0);
        add_u128_at(x, neg, pmin, 1);
    }
}

double mc_xsum_round(const mc_xsum *x)
{
    if (x->nan || (x->pinf && x->ninf))
        return NAN;
    if (x->pinf)
        return INFINITY;
    if (x->ninf)
        return -INFINITY;
    mc_xsum t = *x;
    mc_xsum_normalize(&t);
    int neg = t.limb[MC_XSUM_LIMBS - 1] < 0;
    if (neg) { /* the magnitude: negate every limb, propagate again */
        for (int i = 0; i < MC_XSUM_LIMBS; i++)
            t.limb[i] = -t.limb[i];
        mc_xsum_normalize(&t);
    }
    return round_digits(t.limb, neg);
}

void mc_xsum_merge(mc_xsum *x, const mc_xsum *y)
{
    mc_xsum t = *y;
    mc_xsum_normalize(&t);
    mc_xsum_normalize(x);
    for (int i = 0; i < MC_XSUM_LIMBS; i++)
        x->limb[i] += t.limb[i];
    x->nan += y->nan;
    x->pinf += y->pinf;
    x->ninf += y->ninf;
    mc_xsum_normalize(x);
}

void mc_xsum_pack(const mc_xsum *x, uint64_t *w)
{
    mc_xsum t = *x;
    mc_xsum_normalize(&t);
    for (int i = 0; i < MC_XSUM_LIMBS; i++)
        w[i] = (uint64_t)t.limb[i];
    w[MC_XSUM_LIMBS] = t.nan;
    w[MC_XSUM_LIMBS + 1] = t.pinf;
    w[MC_XSUM_LIMBS + 2] = t.ninf;
}

int mc_xsum_unpack(mc_xsum *x, const uint64_t *w)
{
    mc_xsum_init(x);
    for (int i = 0; i < MC_XSUM_LIMBS; i++) {
        x->limb[i] = (int64_t)w[i];
        /* a sum of up to 2^31 packed limbs is below 2^63 in magnitude; the top limb of a
           real sum (bits above 2^1038) stays far smaller */
        if (x->limb[i] > ((int64_t)1 << 62) || x->limb[i] < -((int64_t)1 << 62))
            return -1;
    }
    x->nan = w[MC_XSUM_LIMBS];
    x->pinf = w[MC_XSUM_LIMBS + 1];
    x->ninf = w[MC_XSUM_LIMBS + 2];
    mc_xsum_normalize(x);
    return 0;
}
