/* cli_args.c — command-line numbers, checked: every bad value is a usage error that
 * names the option; NaN, inf, negatives where meaningless and trailing text never pass. */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
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

int cli_getopt_error(const char *cmd, int c, char **argv)
{
    /* a long option is the word itself; a short one may sit inside a bundle (-xf) */
    const char *word = argv[optind - 1];
    char shortname[3] = {'-', (char)optopt, 0};
    const char *a = strncmp(word, "--", 2) && optopt > 0 && optopt < 256 ? shortname : word;
    if (c == ':')
        return cli_usage_error(cmd, "option '%s' needs a value", a);
    return cli_usage_error(cmd, "unknown option '%s'", a);
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

/* a * b and a + b in uint64_t; 0 on overflow. */
static int mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a != 0 && b > UINT64_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

/* Plain decimal digits (at least one) into *out, exactly: 1 ok, 0 not digits, -1 too large. */
static int digits_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        if (!mul_u64(v, 10, &v) || v > UINT64_MAX - (uint64_t)(s[i] - '0'))
            return -1;
        v += (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 1;
}

/* A count, exactly (no detour through a double, which rounds above 2^53):
 *   digits            1000000
 *   digits^digits     2^30
 *   decimal[e[+]E]    1e6, 1.5e6, 2.5E3 (the whole number it names; 1.5 is not one)
 * Returns 1 and *out, 0 when s has none of these forms, -1 when it is larger than
 * UINT64_MAX, -2 when it is not a whole number. */
static int count_exact(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    const char *caret = strchr(s, '^');
    if (caret) {
        uint64_t base, ex, v = 1;
        int a = digits_u64(s, (size_t)(caret - s), &base);
        int b = digits_u64(caret + 1, strlen(caret + 1), &ex);
        if (a == 0 || b == 0)
            return 0;
        if (a < 0 || b < 0)
            return -1;
        for (uint64_t i = 0; i < ex; i++) {
            if (!mul_u64(v, base, &v))
                return -1;
            if (v <= 1)
                break; /* 0^n, 1^n */
        }
        *out = ex == 0 ? 1 : v;
        return 1;
    }
    /* mantissa digits (without the point) and the position of the point */
    char mant[64];
    size_t nm = 0, frac = 0, i = 0;
    int point = 0, any = 0;
    for (; i < n && (isdigit((unsigned char)s[i]) || (s[i] == '.' && !point)); i++) {
        if (s[i] == '.') {
            point = 1;
            continue;
        }
        any = 1;
        if (nm == 0 && s[i] == '0' && !point)
            continue; /* leading zeros */
        if (nm + 1 >= sizeof mant)
            return -1;
        mant[nm++] = s[i];
        frac += point;
    }
    if (!any)
        return 0;
    long ex = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && s[i] == '+')
            i++;
        int neg = i < n && s[i] == '-';
        i += (size_t)neg;
        if (i == n)
            return 0;
        for (; i < n; i++) {
            if (!isdigit((unsigned char)s[i]))
                return 0;
            if (ex < 100000)
                ex = ex * 10 + (s[i] - '0');
        }
        ex = neg ? -ex : ex;
    }
    if (i != n)
        return 0;
    /* value = mant × 10^(ex − frac); trailing zeros of the mantissa move into the power */
    long p = ex - (long)frac;
    while (nm > 0 && mant[nm - 1] == '0') {
        nm--;
        p++;
    }
    uint64_t v = 0;
    if (nm == 0) {
        *out = 0;
        return 1;
    }
    if (p < 0)
        return -2;
    int d = digits_u64(mant, nm, &v);
    if (d < 0)
        return -1;
    for (long k = 0; k < p; k++)
        if (!mul_u64(v, 10, &v))
            return -1;
    *out = v;
    return 1;
}

int cli_parse_count(const char *cmd, const char *opt, const char *s, uint64_t min_value,
                    uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s)
        goto bad;
    if (s[0] == '-')
        return cli_usage_error(cmd, "%s must not be negative (got '%s')", opt, s);
    int rc = count_exact(s[0] == '+' ? s + 1 : s, &v);
    if (rc == 0)
        goto bad;
    if (rc == -2)
        return cli_usage_error(cmd, "%s must be a whole number (got '%s')", opt, s);
    if (rc == -1)
        return cli_usage_error(cmd, "%s is too large: at most %llu (2^64 - 1) (got '%s')", opt,
                               (unsigned long long)UINT64_MAX, s);
    if (v < min_value)
        return cli_usage_error(cmd, "%s must be at least %llu (got '%s')", opt,
                               (unsigned long long)min_value, s);
    *out = v;
    return 0;
bad:
    return cli_usage_error(cmd, "%s needs a count like 1000000, 1e6 or 2^20 (got '%s')", opt,
                           s ? s : "");
}

int cli_parse_seed(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || s[0] == '-' || s[0] == '+' || isspace((unsigned char)*s))
        return cli_usage_error(cmd, "%s needs a non-negative integer seed (got '%s')", opt,
                               s ? s : "");
    /* decimal, or hex with 0x; never octal (strtoull's base 0 reads "010" as 8) */
    int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    errno = 0;
    unsigned long long v = strtoull(hex ? s + 2 : s, &end, hex ? 16 : 10);
    if (*end != '\0' || end == (hex ? s + 2 : s) || errno == ERANGE ||
        (hex && !isxdigit((unsigned char)s[2])))
        return cli_usage_error(cmd, "%s needs a non-negative integer seed, decimal or 0x hex, "
                                    "at most 2^64 - 1 (got '%s')",
                               opt, s);
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
