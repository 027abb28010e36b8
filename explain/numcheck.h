/* numcheck.h — checks a generated explanation against the result it explains.
 *
 * Numbers: every number written in the text is read (plain "0.4731", "1,000,000", "1e6",
 * "1.2e-3", "1.2 × 10^-3", "1.2×10⁻³", "10^6", "10⁶", "2^30", "3 million", "47.3 %") and
 * compared with the allowed values (the numbers of the result and the derived facts shown
 * to the model). A text number matches a value when the value, rounded to the precision
 * the text shows, gives the text number: |text − value| ≤ half a unit in the last written
 * digit (1e-9 relative slack). A percentage matches the value or value/100. Signs are not
 * compared (a hyphen in "3-sphere" or "[-1, 1]" is not a minus), so a value v also allows
 * "−v". A number glued to letters ("SO8", "gemma3") is part of a word and is not read.
 *
 * Yes/no claims: each sentence that talks about agreement (agree, consistent, match,
 * identical, same, pass …) is read as a positive or a negative claim (not, no, n't, never,
 * disagree, inconsistent, mismatch, differ, fail …) and compared with the matching fact:
 * a sentence naming the exact value → `exact_agrees`; one naming the GPU, the CPU, counts
 * or backends → `backends_identical`; "pass"/"fail" words → `tests_pass`; otherwise all
 * known facts must hold. A fact set to -1 is unknown and never contradicted.
 */
#ifndef SO8T_LLM_NUMCHECK_H
#define SO8T_LLM_NUMCHECK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One number as written in a text. */
typedef struct {
    char text[64];  /* as written (superscripts and separators kept), truncated to fit */
    double value;   /* its value (unsigned; percentages not divided) */
    double tol;     /* half a unit in the last written digit */
    int percent;    /* followed by % or "percent" */
    size_t offset;  /* byte offset in the text */
    size_t len;     /* bytes it spans */
} llm_number;

/* Finds every number in `text` (NUL-terminated). *out is malloc'd (caller frees; NULL when
 * none); returns the count (>= 0) or -1 when out of memory. */
int llm_numbers_find(const char *text, llm_number **out);

/* 1 when number `x` matches one of the n allowed values (see the rule above), else 0. */
int llm_number_matches(const llm_number *x, const double *allowed, int n);

typedef struct {
    int exact_agrees;       /* MC estimate agrees with the exact value: 1, 0, or -1 unknown */
    int backends_identical; /* GPU and CPU hit counts identical: 1, 0, -1 */
    int tests_pass;         /* the statistical tests passed: 1, 0, -1 */
} llm_yesno_facts;

typedef struct {
    char **unverified;     /* numbers (as written) that match no allowed value */
    int n_unverified;
    char **contradictions; /* sentences (trimmed, at most 200 bytes) that contradict a fact */
    int n_contradictions;
    int n_numbers;         /* numbers read in total */
} llm_check_report;

/* Checks `text`. Fills *rep (free with llm_check_report_free). Returns 0, or -1 when out of
 * memory. The text passes when rep->n_unverified == 0 && rep->n_contradictions == 0. */
int llm_text_check(const char *text, const double *allowed, int n_allowed,
                   const llm_yesno_facts *facts, llm_check_report *rep);
void llm_check_report_free(llm_check_report *rep);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_LLM_NUMCHECK_H */
