/* testmodel.h — the test support library's GGUF writer (tests/support/testmodel.c; not in
 * libso8t.a: only the tests need it). */
#ifndef SO8T_TESTS_TESTMODEL_H
#define SO8T_TESTS_TESTMODEL_H

#include <stddef.h>
#include <stdint.h>

/* Builds a tiny random gemma3 model file of a given tensor type (the matrices; norms stay
 * F32). arch must be "gemma3". The vocabulary is a small SentencePiece-style one: <pad>
 * <eos> <bos> <unk>, control tokens, 256 byte tokens and a few merges. 0 or -1 with a
 * message in err. */
int llm_test_model_write(const char *path, const char *arch, int tensor_type, uint64_t seed,
                         char *err, size_t errlen);

#endif
