/* logits.h — the greedy choice over a row of logits, as the LLM tests and bench/bench_llm
 * pick the next token. Header-only, so a benchmark can use it without libso8t_test.a. */
#ifndef SO8T_TESTS_LOGITS_H
#define SO8T_TESTS_LOGITS_H

/* The index of the largest of l[0..n) (the first one on a tie), as llama.cpp's greedy
 * sampler picks. */
static inline int llm_ref_argmax(const float *l, int n)
{
    int b = 0;
    for (int i = 1; i < n; i++)
        if (l[i] > l[b])
            b = i;
    return b;
}

#endif /* SO8T_TESTS_LOGITS_H */
