/* test_rng.h — seeded, reproducible uniforms in [0, 1) for the random problems of tests and
 * benchmarks (not the Monte Carlo stream, which is mc/philox.h). Header-only, so bench/ uses
 * it without the test support library. Two generators, because the committed tests' problem
 * sets were drawn with both; each caller keeps its own state (its seed). */
#ifndef SO8T_TESTS_TEST_RNG_H
#define SO8T_TESTS_TEST_RNG_H

#include <stdint.h>

/* Marsaglia's xorshift64 (shifts 13, 7, 17); the top 53 bits. */
static inline double test_xorshift64(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) * 0x1.0p-53;
}

/* Vigna's xorshift64* (shifts 12, 25, 27, multiplier 2685821657736338717); the top 53 bits. */
static inline double test_xorshift64star(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

#endif
