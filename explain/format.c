/* format.c — numbers in words: significant digits, thousands separators, estimate ± se
 * rounded where the standard error ends; and the small helpers every explain/ file uses. */
#include "base/grow.h"
#include "explain/explain_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void explain_dvec_add(explain_dvec *d, double x)
{
    if (d->oom || !isfinite(x))
        return;
    double *q = so8t_grow(d->v, &d->cap, d->n, sizeof *q, 64);
    if (!q) {
        d->oom = 1;
        return;
    }
    d->v = q;
    d->v[d->n++] = x;
}

/* ---- number formatting (every shown number must survive the checker's rounding rule) ---- */

/* `sig` significant digits, plain notation for 1e-4 <= |v| < 1e9, else 1.2e-15 style. */
void explain_fmt_sig(char *b, size_t n, double v, int sig)
{
    if (!isfinite(v)) {
        snprintf(b, n, "n/a");
        return;
    }
    if (v == 0) {
        snprintf(b, n, "0");
        return;
    }
    double av = fabs(v);
    int e = (int)floor(log10(av));
    if (e < -4 || e >= 9) {
        snprintf(b, n, "%.*e", sig - 1, v);
        /* "1.20e-15" → keep; strip a '+' and leading zeros of the exponent for reading */
        char *p = strchr(b, 'e');
        if (p) {
            char mant[48];
            int ex = atoi(p + 1);
            size_t ml = (size_t)(p - b) < sizeof mant - 1 ? (size_t)(p - b) : sizeof mant - 1;
            memcpy(mant, b, ml);
            mant[ml] = '\0';
            snprintf(b, n, "%se%d", mant, ex);
        }
        return;
    }
    int dec = sig - 1 - e;
    if (dec < 0)
        dec = 0;
    snprintf(b, n, "%.*f", dec, v);
}

/* Like explain_fmt_sig, but without trailing zeros ("1", "1.5", "83.16398"). */
void explain_fmt_g(char *b, size_t n, double v, int sig)
{
    snprintf(b, n, "%.*g", sig, v);
    if (strchr(b, 'e') || !isfinite(v))
        explain_fmt_sig(b, n, v, sig);
}

/* A whole count with thousands separators: 1000000 → "1,000,000". */
void explain_fmt_count(char *b, size_t n, double v)
{
    if (!isfinite(v) || v < 0 || v > 1e18) {
        explain_fmt_sig(b, n, v, 6);
        return;
    }
    char raw[32];
    snprintf(raw, sizeof raw, "%.0f", floor(v + 0.5));
    size_t len = strlen(raw), j = 0;
    for (size_t i = 0; i < len && j + 2 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            b[j++] = ',';
        b[j++] = raw[i];
    }
    b[j] = '\0';
}

/* estimate ± se with the estimate rounded where the 2-digit standard error ends. */
void explain_fmt_pm(char *b, size_t n, double est, double se)
{
    if (!(se > 0) || !isfinite(se)) {
        char e[48];
        explain_fmt_sig(e, sizeof e, est, 6);
        snprintf(b, n, "%s", e);
        return;
    }
    int dec = 1 - (int)floor(log10(se));
    if (dec >= 0 && dec <= 12 && fabs(est) < 1e9 && fabs(est) >= 1e-4) {
        snprintf(b, n, "%.*f ± %.*f", dec, est, dec, se);
    } else {
        char e[48], s[48];
        int sig = 2 + (int)floor(log10(fabs(est) > 0 ? fabs(est) : se)) - (int)floor(log10(se));
        if (sig < 2)
            sig = 2;
        if (sig > 15)
            sig = 15;
        explain_fmt_sig(e, sizeof e, est, sig);
        explain_fmt_sig(s, sizeof s, se, 2);
        snprintf(b, n, "%s ± %s", e, s);
    }
}

/* v alone, rounded as explain_fmt_pm would round it next to the standard error se (any se: 0,
 * inf and NaN included). */
void explain_fmt_at(char *b, size_t n, double v, double se)
{
    explain_fmt_pm(b, n, v, se);
    char *pm = strstr(b, " ± ");
    if (pm)
        *pm = '\0';
}

/* Keeps only [A-Za-z0-9_.-], at most 31 bytes: JSON strings are hostile. */
void explain_clean_word(char *b, size_t n, const char *s)
{
    size_t j = 0;
    for (size_t i = 0; s && s[i] && j + 1 < n && j < 31; i++) {
        char c = s[i];
        if (isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.')
            b[j++] = c;
    }
    b[j] = '\0';
    if (j == 0)
        snprintf(b, n, "?");
}
