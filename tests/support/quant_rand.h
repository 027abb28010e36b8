/* quant_rand.h — random quantized blocks and activations for the quant-layer tests
 * (test_quant, test_quant_rows): a seeded LCG (each test program starts from the same seed,
 * so its cases are reproducible) and blocks of random bytes with finite fp16 scales. */
#ifndef SO8T_TESTS_SUPPORT_QUANT_RAND_H
#define SO8T_TESTS_SUPPORT_QUANT_RAND_H

#include <stdint.h>

/* uniform in [-1, 1) */
float quant_test_frand(void);

/* n elements of `type` as random blocks (see quant_rand.c) */
void quant_test_rand_blocks(int type, uint8_t *w, int64_t n);

#endif
