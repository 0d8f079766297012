/*
 * check.h - a tiny assertion kit shared by the C tests. Each CHECK counts a pass or a failure
 * and prints failing expressions with file:line; check_finish() prints "N passed, N failed" and
 * gives the exit code. One test program is one translation unit, so the counters are static.
 */
#ifndef PLEXUS_CTESTS_CHECK_H
#define PLEXUS_CTESTS_CHECK_H

#include <stdio.h>
#include <string.h>
#include <plexus/plexus.h>

static int check_passed_ = 0;
static int check_failed_ = 0;

static inline int check_report_(int ok, const char *expr, const char *file, int line) {
    if (ok) {
        check_passed_++;
    } else {
        check_failed_++;
        fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, expr);
    }
    return ok;
}

/** Checks a condition; evaluates to its truth so callers can skip dependent checks. */
#define CHECK(expr) check_report_((expr) ? 1 : 0, #expr, __FILE__, __LINE__)

/** Checks two integers are equal and prints both values when they are not. */
#define CHECK_EQ(actual, expected)                                                              \
    do {                                                                                        \
        long long a_ = (long long)(actual), e_ = (long long)(expected);                         \
        if (!check_report_(a_ == e_, #actual " == " #expected, __FILE__, __LINE__))             \
            fprintf(stderr, "    actual %lld, expected %lld\n", a_, e_);                        \
    } while (0)

/** Checks two floats are within 1e-5 of each other. */
#define CHECK_NEAR(actual, expected)                                                            \
    do {                                                                                        \
        double a_ = (double)(actual), e_ = (double)(expected);                                  \
        double d_ = a_ > e_ ? a_ - e_ : e_ - a_;                                                \
        if (!check_report_(d_ < 1e-5, #actual " ~= " #expected, __FILE__, __LINE__))           \
            fprintf(stderr, "    actual %.9g, expected %.9g\n", a_, e_);                        \
    } while (0)

/**
 * Checks that a plexus call returns `expected`; on an expected failure also checks that
 * plx_last_error() is non-empty. Prints the last error when the status is wrong.
 */
#define CHECK_STATUS(call, expected)                                                            \
    do {                                                                                        \
        plx_status s_ = (call);                                                                 \
        plx_status x_ = (expected);                                                             \
        if (!check_report_(s_ == x_, #call " returns " #expected, __FILE__, __LINE__))          \
            fprintf(stderr, "    actual status %d, expected %d; last error: %s\n", (int)s_,      \
                    (int)x_, plx_last_error());                                                 \
        if (x_ != PLX_OK) {                                                                     \
            const char *m_ = plx_last_error();                                                  \
            check_report_(m_ != NULL && m_[0] != '\0',                                         \
                          "plx_last_error() is non-empty after " #call, __FILE__, __LINE__);    \
        }                                                                                       \
    } while (0)

/** Checks that `haystack` (may be NULL) contains `needle`. */
#define CHECK_CONTAINS(haystack, needle)                                                        \
    do {                                                                                        \
        const char *h_ = (haystack);                                                            \
        if (!check_report_(h_ != NULL && strstr(h_, (needle)) != NULL,                          \
                           #haystack " contains " #needle, __FILE__, __LINE__))                  \
            fprintf(stderr, "    actual: %s\n    wanted: %s\n", h_ ? h_ : "(null)",         \
                    (needle));                                                                  \
    } while (0)

/** Prints the one summary line and returns the process exit code. */
static inline int check_finish(void) {
    printf("%d passed, %d failed\n", check_passed_, check_failed_);
    fflush(stdout);
    return check_failed_ == 0 ? 0 : 1;
}

#endif /* PLEXUS_CTESTS_CHECK_H */
