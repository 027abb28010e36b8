/* cli_args.c — command-line numbers, checked: every bad value is a usage error that
 * names the option; NaN, inf, negatives where meaningless and trailing text never pass. */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "so8t%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'so8t%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
    return CLI_USAGE;
}

/* strtod that accepts only a complete, finite number. */
static int parse_finite(const char *s, double *out)
{
    char *end;
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int cli_parse_count(const char *cmd, const char *opt, const char *s, uint64_t min_value,
                    uint64_t *out)
{
    const char *caret = s ? strchr(s, '^') : NULL;
    double v;
    if (caret) {
        /* base^exponent, both plain non-negative integers, e.g. 2^30 */
        char base_txt[32];
        size_t n = (size_t)(caret - s);
        double base, ex;
        if (n == 0 || n >= sizeof base_txt)
            goto bad;
        memcpy(base_txt, s, n);
        base_txt[n] = '\0';
        if (parse_finite(base_txt, &base) || parse_finite(caret + 1, &ex))
            goto bad;
        if (base < 0 || ex < 0 || base != floor(base) || ex != floor(ex) || ex > 64)
            goto bad;
        v = pow(base, ex);
    } else if (parse_finite(s, &v)) {
        goto bad;
    }
    if (s[0] == '-' || v < 0)
        return cli_usage_error(cmd, "%s must not be negative (got '%s')", opt, s);
    if (v != floor(v))
        return cli_usage_error(cmd, "%s must be a whole number (got '%s')", opt, s);
    if (v >= 18446744073709551616.0)
        return cli_usage_error(cmd, "%s is too large (got '%s')", opt, s);
    if ((uint64_t)v < min_value)
        return cli_usage_error(cmd, "%s must be at least %llu (got '%s')", opt,
                               (unsigned long long)min_value, s);
    *out = (uint64_t)v;
    return 0;
bad:
    return cli_usage_error(cmd, "%s needs a count like 1000000, 1e6 or 2^20 (got '%s')", opt,
                           s ? s : "");
}

int cli_parse_seed(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || s[0] == '-' || isspace((unsigned char)*s))
        return cli_usage_error(cmd, "%s needs a non-negative integer seed (got '%s')", opt,
                               s ? s : "");
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end != '\0' || errno == ERANGE)
        return cli_usage_error(cmd, "%s needs a non-negative integer seed (got '%s')", opt, s);
    *out = (uint64_t)v;
    return 0;
}

int cli_parse_double(const char *cmd, const char *opt, const char *s, double lo, int lo_open,
                     double hi, int hi_open, double *out)
{
    double v;
    if (parse_finite(s, &v))
        return cli_usage_error(cmd, "%s needs a finite number (got '%s')", opt, s ? s : "");
    if (v < lo || (lo_open && v == lo) || v > hi || (hi_open && v == hi)) {
        if (lo == 0 && v <= 0)
            return cli_usage_error(cmd, "%s must be %s 0 (got '%s')", opt,
                                   lo_open ? "greater than" : "at least", s);
        return cli_usage_error(cmd, "%s must be in %s%g, %g%s (got '%s')", opt,
                               lo_open ? "(" : "[", lo, hi, hi_open ? ")" : "]", s);
    }
    *out = v;
    return 0;
}

int cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, int *out)
{
    char *end;
    if (!s || !*s || isspace((unsigned char)*s))
        return cli_usage_error(cmd, "%s needs an integer (got '%s')", opt, s ? s : "");
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return cli_usage_error(cmd, "%s needs an integer (got '%s')", opt, s);
    if (v < lo || v > hi)
        return cli_usage_error(cmd, "%s must be between %ld and %ld (got '%s')", opt, lo, hi, s);
    *out = (int)v;
    return 0;
}

int cli_parse_list(const char *cmd, const char *opt, const char *s, double *out, int max,
                   int *n)
{
    char buf[64];
    int count = 0;
    const char *p = s;
    if (!s || !*s)
        return cli_usage_error(cmd, "%s needs comma-separated numbers (got '')", opt);
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        double v;
        if (len == 0 || len >= sizeof buf)
            return cli_usage_error(cmd, "%s: bad element %d in '%s'", opt, count + 1, s);
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (parse_finite(buf, &v))
            return cli_usage_error(cmd, "%s: element %d ('%s') is not a finite number", opt,
                                   count + 1, buf);
        if (count >= max)
            return cli_usage_error(cmd, "%s has more than %d elements", opt, max);
        out[count++] = v;
        if (!comma)
            break;
        p = comma + 1;
    }
    *n = count;
    return 0;
}
