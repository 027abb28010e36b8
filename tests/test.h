/* test.h — a tiny test runner (one executable per component).
 *
 * Use:   CHECK(cond); CHECK_NEAR(a, b, tol); CHECK_REL(a, b, rel);
 *        CHECK_SIGMA(est, exact, se, k);  then `return test_summary();` from main.
 * Every check counts; a failure prints file:line and the values. test_summary()
 * prints "N passed, M failed" and returns non-zero when anything failed or when
 * no check ran at all (a test that asserts nothing is itself a failure).
 */
#ifndef SO8T_TEST_H
#define SO8T_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int test_passed_count;
static int test_failed_count;

static inline void test_record(int ok, const char *file, int line, const char *what)
{
    if (ok) {
        test_passed_count++;
    } else {
        test_failed_count++;
        fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
    }
}

#define CHECK(cond) test_record(!!(cond), __FILE__, __LINE__, #cond)

#define CHECK_MSG(cond, ...)                                                     \
    do {                                                                         \
        int ok_ = !!(cond);                                                      \
        test_record(ok_, __FILE__, __LINE__, #cond);                             \
        if (!ok_) {                                                              \
            fprintf(stderr, "     ");                                            \
            fprintf(stderr, __VA_ARGS__);                                        \
            fprintf(stderr, "\n");                                               \
        }                                                                        \
    } while (0)

/* |a - b| <= tol (NaN never passes). */
#define CHECK_NEAR(a, b, tol)                                                    \
    do {                                                                         \
        double a_ = (double)(a), b_ = (double)(b), t_ = (double)(tol);           \
        int ok_ = fabs(a_ - b_) <= t_;                                           \
        test_record(ok_, __FILE__, __LINE__, #a " ~ " #b);                       \
        if (!ok_)                                                                \
            fprintf(stderr, "     %.17g vs %.17g (diff %.3g > tol %.3g)\n", a_,  \
                    b_, fabs(a_ - b_), t_);                                      \
    } while (0)

/* |a - b| <= rel * |b| (b is the reference). */
#define CHECK_REL(a, b, rel)                                                     \
    do {                                                                         \
        double a_ = (double)(a), b_ = (double)(b), r_ = (double)(rel);           \
        int ok_ = fabs(a_ - b_) <= r_ * fabs(b_);                                \
        test_record(ok_, __FILE__, __LINE__, #a " ~rel " #b);                    \
        if (!ok_)                                                                \
            fprintf(stderr, "     %.17g vs %.17g (rel diff %.3g > %.3g)\n", a_,  \
                    b_, b_ != 0 ? fabs(a_ - b_) / fabs(b_) : fabs(a_ - b_), r_); \
    } while (0)

/* A Monte Carlo estimate within k standard errors of the exact value. */
#define CHECK_SIGMA(est, exact, se, k)                                           \
    do {                                                                         \
        double e_ = (double)(est), x_ = (double)(exact), s_ = (double)(se);      \
        double z_ = s_ > 0 ? (e_ - x_) / s_ : (e_ == x_ ? 0.0 : INFINITY);       \
        int ok_ = fabs(z_) <= (double)(k);                                       \
        test_record(ok_, __FILE__, __LINE__, #est " within " #k " se of " #exact); \
        if (!ok_)                                                                \
            fprintf(stderr, "     est %.10g exact %.10g se %.3g z %.2f\n", e_,   \
                    x_, s_, z_);                                                 \
    } while (0)

static inline int test_summary(void)
{
    printf("%d passed, %d failed\n", test_passed_count, test_failed_count);
    return (test_failed_count > 0 || test_passed_count == 0) ? 1 : 0;
}

#endif /* SO8T_TEST_H */
