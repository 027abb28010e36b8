/* result_check.h — refuses a so8t result (parsed JSON) whose numbers contradict each other
 * or the geometry, before anything explains it (not a public header).
 *
 * A result is hostile input: hand-written or edited JSON can say an estimate of −5 "agrees"
 * with an exact value of 83, or that 10 samples gave 20 hits. The explainer states only
 * what the result says, so the result must at least be possible:
 *   - geometry: dim an integer in [1, 100000], half_side > 0, radius >= 0, center numbers;
 *   - Monte Carlo: estimate >= 0 and at most the cube's volume (the ball's volume, the
 *     sphere's area) plus 5 standard errors; std_error >= 0; samples a whole number, >= 1
 *     unless the value needed no sampling (std_error 0); 0 <= hits <= samples; ci95 = [lo, hi]
 *     with lo <= estimate <= hi; rel_error = std_error / estimate; z = (estimate − exact) /
 *     std_error as docs/json.md defines it, or a z from ci95's own statistics (|z| <= 1.96
 *     exactly when ci95 holds the exact value), with the right sign, and |z| <= 5 only when
 *     the exact value is within 5 se or 6 half-widths; fractions in [0, 1] (plus the 5-se allowance)
 *     and equal to estimate / cube volume; "identical": true only with equal hit counts;
 *   - exact: value >= 0 and at most min(cube, ball) plus its error_bound; error_bound >= 0;
 *     fractions in [0, 1];
 *   - rotations / verify: "pass": true only when no test / case says "pass": false.
 * Absent or null optional fields are fine (hand-written results are short); present ones
 * must have the right type. Relative tolerances (1e-6) cover the 17-digit JSON printing. */
#ifndef SO8T_LLM_RESULT_CHECK_H
#define SO8T_LLM_RESULT_CHECK_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* 0 when the result is self-consistent, else LLM_ERR_FORMAT with a message naming the
 * field (and the case or test it is in). */
int llm_result_check(const cJSON *root, char *err, size_t errlen);

#endif /* SO8T_LLM_RESULT_CHECK_H */
