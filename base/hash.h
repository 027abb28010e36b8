/* hash.h — FNV-1a over a byte string (Fowler, Noll, Vo; the offset bases and primes of
 * the reference at www.isthe.com/chongo/tech/comp/fnv): h = basis; for each byte
 * h = (h XOR byte) * prime. Used for the hash tables of names (GGUF keys, vocabularies):
 * cheap, good enough spread for short strings, not for hostile collision resistance (the
 * tables probe linearly and stay correct whatever the collisions). Host-only, no state. */
#ifndef SO8T_BASE_HASH_H
#define SO8T_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t so8t_fnv1a64(const void *data, size_t n)
{
    const unsigned char *p = (const unsigned char *)data;
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static inline uint32_t so8t_fnv1a32(const void *data, size_t n)
{
    const unsigned char *p = (const unsigned char *)data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

#endif /* SO8T_BASE_HASH_H */
