/* hash.h — FNV-1a over a byte string (Fowler, Noll, Vo; the offset bases and primes of
 * the reference at www.isthe.com/chongo/tech/comp/fnv): h = basis; for each byte
 * h = (h XOR byte) * prime. Used for the hash tables of names (GGUF keys, vocabularies):
 * cheap, good enough spread for short strings, not for hostile collision resistance (the
 * tables probe linearly and stay correct whatever the collisions). Host-only, no state. */
#ifndef SO8T_BASE_HASH_H
#define SO8T_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The one loop, stamped out for the two widths (the 64-bit table of GGUF keys, the 32-bit
 * ones of the tokenizers); basis and prime are the reference's for each width. */
#define SO8T_FNV1A_DEFINE(name, type, basis, prime)                                     \
    static inline type name(const void *data, size_t n)                                 \
    {                                                                                   \
        const unsigned char *p = (const unsigned char *)data;                           \
        type h = (basis);                                                               \
        for (size_t i = 0; i < n; i++) {                                                \
            h ^= p[i];                                                                  \
            h *= (prime);                                                               \
        }                                                                               \
        return h;                                                                       \
    }

SO8T_FNV1A_DEFINE(so8t_fnv1a64, uint64_t, 14695981039346656037ull, 1099511628211ull)
SO8T_FNV1A_DEFINE(so8t_fnv1a32, uint32_t, 2166136261u, 16777619u)

#endif /* SO8T_BASE_HASH_H */
