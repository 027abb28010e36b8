/* numcheck.c — reads the numbers and yes/no claims of a generated explanation and checks
 * them against the result (rules in numcheck.h). Pure text processing, no allocation
 * beyond the report; every read is bounded by the NUL terminator. */
#include "base/grow.h"
#include "explain/numcheck.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- numbers ---- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha_ascii(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* A superscript digit or minus at s: returns its byte length and sets *d (0-9, or -1 for
 * minus), else 0. ¹²³ are U+00B9/B2/B3, ⁰⁴-⁹ U+2070/2074-2079, ⁻ U+207B. */
static int superscript(const char *s, int *d)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == 0xC2 && (u[1] == 0xB9 || u[1] == 0xB2 || u[1] == 0xB3)) {
        *d = u[1] == 0xB9 ? 1 : u[1] == 0xB2 ? 2 : 3;
        return 2;
    }
    if (u[0] == 0xE2 && u[1] == 0x81) {
        if (u[2] == 0xB0) {
            *d = 0;
            return 3;
        }
        if (u[2] >= 0xB4 && u[2] <= 0xB9) {
            *d = u[2] - 0xB0;
            return 3;
        }
        if (u[2] == 0xBB) {
            *d = -1;
            return 3;
        }
    }
    return 0;
}

/* Reads a superscript integer ("⁻³", "¹⁵"); returns bytes consumed (0 if none). */
static size_t read_superscript_int(const char *s, int *out)
{
    size_t i = 0;
    int neg = 0, any = 0, d;
    long v = 0;
    int k = superscript(s, &d);
    if (k && d == -1) {
        neg = 1;
        i += (size_t)k;
    }
    while ((k = superscript(s + i, &d)) && d >= 0) {
        if (v < 100000)
            v = v * 10 + d;
        any = 1;
        i += (size_t)k;
    }
    if (!any)
        return 0;
    *out = (int)(neg ? -v : v);
    return i;
}

/* Reads "^" [+-−]? digits; returns bytes consumed (0 if none). */
static size_t read_caret_int(const char *s, int *out)
{
    size_t i = 0;
    int neg = 0;
    if (s[i] != '^')
        return 0;
    i++;
    if (s[i] == '(')
        i++; /* 10^(-3) */
    if (s[i] == '-' || s[i] == '+') {
        neg = s[i] == '-';
        i++;
    } else if (!strncmp(s + i, "\xE2\x88\x92", 3)) { /* U+2212 minus */
        neg = 1;
        i += 3;
    }
    if (!is_digit(s[i]))
        return 0;
    long v = 0;
    while (is_digit(s[i])) {
        if (v < 100000)
            v = v * 10 + (s[i] - '0');
        i++;
    }
    if (s[i] == ')')
        i++;
    *out = (int)(neg ? -v : v);
    return i;
}

static size_t skip_spaces(const char *s)
{
    size_t i = 0;
    for (;;) {
        if (s[i] == ' ' || s[i] == '\t')
            i++;
        else if (!strncmp(s + i, "\xE2\x80\x89", 3) || !strncmp(s + i, "\xC2\xA0", 2))
            i += s[i] == '\xC2' ? 2 : 3; /* thin space, no-break space */
        else
            return i;
    }
}

/* A multiplication sign at s: × (U+00D7), ⋅ (U+22C5), · (U+00B7), x, X, *. */
static size_t times_sign(const char *s)
{
    if (!strncmp(s, "\xC3\x97", 2) || !strncmp(s, "\xC2\xB7", 2))
        return 2;
    if (!strncmp(s, "\xE2\x8B\x85", 3))
        return 3;
    if (*s == 'x' || *s == 'X' || *s == '*')
        return 1;
    return 0;
}

static int word_at(const char *s, const char *w)
{
    size_t n = strlen(w);
    if (strncasecmp(s, w, n))
        return 0;
    return !is_alpha_ascii(s[n]);
}

/* Parses one number starting at text[i] (a digit or '.'); fills *x and returns the
 * index after it. */
static size_t parse_number(const char *text, size_t i0, llm_number *x)
{
    size_t i = i0;
    double mant = 0;
    int decimals = 0, int_digits = 0;
    /* integer part, with 3-digit comma groups */
    while (is_digit(text[i])) {
        mant = mant * 10 + (text[i] - '0');
        int_digits++;
        i++;
        if (text[i] == ',' && int_digits <= 3 && is_digit(text[i + 1]) && is_digit(text[i + 2]) &&
            is_digit(text[i + 3]) && !is_digit(text[i + 4])) {
            /* "1,000" or "1,000,000": consume the groups */
            while (text[i] == ',' && is_digit(text[i + 1]) && is_digit(text[i + 2]) &&
                   is_digit(text[i + 3]) && !is_digit(text[i + 4])) {
                mant = mant * 1000 + (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 +
                       (text[i + 3] - '0');
                i += 4;
            }
            break;
        }
    }
    if (text[i] == '.' && is_digit(text[i + 1])) {
        i++;
        double scale = 0.1;
        while (is_digit(text[i])) {
            mant += (text[i] - '0') * scale;
            scale /= 10;
            decimals++;
            i++;
        }
    }
    double value = mant;
    double tol = 0.5 * pow(10.0, -decimals);
    int e;
    size_t k;
    if ((text[i] == 'e' || text[i] == 'E') &&
        (is_digit(text[i + 1]) ||
         ((text[i + 1] == '-' || text[i + 1] == '+') && is_digit(text[i + 2])))) {
        size_t j = i + 1;
        int neg = 0;
        if (text[j] == '-' || text[j] == '+')
            neg = text[j++] == '-';
        long v = 0;
        while (is_digit(text[j])) {
            if (v < 100000)
                v = v * 10 + (text[j] - '0');
            j++;
        }
        double p = pow(10.0, (double)(neg ? -v : v));
        value *= p;
        tol *= p;
        i = j;
    } else if (decimals == 0 && mant == 10 && (k = read_superscript_int(text + i, &e))) {
        value = pow(10.0, e); /* 10⁶ */
        tol = 0.5 * value;
        i += k;
    } else if (decimals == 0 && (k = read_caret_int(text + i, &e))) {
        if (mant == 10) { /* 10^6 */
            value = pow(10.0, e);
            tol = 0.5 * value;
        } else { /* 2^30: exact */
            value = pow(mant, e);
            tol = 0.5;
        }
        i += k;
    } else {
        /* "1.2 × 10^-3", "1.2×10⁻³" */
        size_t j = i + skip_spaces(text + i);
        size_t t = times_sign(text + j);
        if (t) {
            j += t;
            j += skip_spaces(text + j);
            if (text[j] == '1' && text[j + 1] == '0') {
                j += 2;
                if ((k = read_caret_int(text + j, &e)) || (k = read_superscript_int(text + j, &e))) {
                    double p = pow(10.0, e);
                    value *= p;
                    tol *= p;
                    i = j + k;
                }
            }
        }
    }
    /* "3 million" */
    size_t j = i + skip_spaces(text + i);
    if (j > i || !is_alpha_ascii(text[i])) {
        static const struct {
            const char *w;
            double m;
        } mult[] = {{"thousand", 1e3}, {"million", 1e6}, {"billion", 1e9}};
        for (size_t q = 0; q < 3; q++)
            if (word_at(text + j, mult[q].w)) {
                value *= mult[q].m;
                tol *= mult[q].m;
                i = j + strlen(mult[q].w);
                j = i + skip_spaces(text + i);
                break;
            }
    }
    x->percent = 0;
    if (text[j] == '%') {
        x->percent = 1;
        i = j + 1;
    } else if (word_at(text + j, "percent")) {
        x->percent = 1;
        i = j + 7;
    }
    x->value = value;
    x->tol = tol;
    x->offset = i0;
    x->len = i - i0;
    size_t n = x->len < sizeof x->text - 1 ? x->len : sizeof x->text - 1;
    memcpy(x->text, text + i0, n);
    x->text[n] = '\0';
    return i;
}

int llm_numbers_find(const char *text, llm_number **out)
{
    *out = NULL;
    if (!text)
        return 0;
    int n = 0, cap = 0;
    llm_number *a = NULL;
    size_t i = 0;
    while (text[i]) {
        char c = text[i];
        int starts = is_digit(c) || (c == '.' && is_digit(text[i + 1]));
        if (!starts) {
            i++;
            continue;
        }
        /* A number glued to a word ("SO8", "gemma3", "ci95") is part of the word. */
        if (i > 0 && (is_alpha_ascii(text[i - 1]) || text[i - 1] == '_')) {
            while (is_digit(text[i]) || is_alpha_ascii(text[i]) || text[i] == '_' ||
                   (text[i] == '.' && is_digit(text[i + 1])))
                i++;
            continue;
        }
        llm_number x;
        size_t next = parse_number(text, i, &x);
        llm_number *b = so8t_grow(a, &cap, n, sizeof *b, 16);
        if (!b) {
            free(a);
            return -1;
        }
        a = b;
        a[n++] = x;
        i = next > i ? next : i + 1;
    }
    *out = a;
    return n;
}

static int close_to(double x, double tol, double v)
{
    double av = fabs(v);
    return fabs(x - av) <= tol * (1 + 1e-9) + 1e-12 * av;
}

int llm_number_matches(const llm_number *x, const double *allowed, int n)
{
    /* "1e400" or "10^999" reads as inf with an infinite tolerance, which would match
     * anything; a number too large for a double matches nothing. */
    if (!isfinite(x->value) || !isfinite(x->tol))
        return 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(allowed[i]))
            continue;
        if (close_to(x->value, x->tol, allowed[i]))
            return 1;
        if (x->percent && close_to(x->value / 100, x->tol / 100, allowed[i]))
            return 1;
    }
    return 0;
}

/* ---- yes/no claims ---- */

static int has_word(const char *low, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = strstr(low, w); p; p = strstr(p + 1, w)) {
        int left = p == low || !is_alpha_ascii(p[-1]);
        int right = !is_alpha_ascii(p[n]);
        if (left && right)
            return 1;
    }
    return 0;
}

static int has_prefix_word(const char *low, const char *w)
{
    for (const char *p = strstr(low, w); p; p = strstr(p + 1, w))
        if (p == low || !is_alpha_ascii(p[-1]))
            return 1;
    return 0;
}

static int count_negations(const char *low)
{
    static const char *words[] = {"not", "no", "never", "none", "neither", "nor", "cannot",
                                  "unlike", "without"};
    static const char *prefixes[] = {"disagree", "inconsistent", "mismatch", "differ",
                                     "fail", "incompatib"};
    int n = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        n += has_word(low, words[i]);
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        n += has_prefix_word(low, prefixes[i]);
    for (const char *p = strstr(low, "n't"); p; p = strstr(p + 1, "n't"))
        n++;
    /* "only 3 of 4 passed" is a negative claim; "only 1.9 standard errors away" is not */
    if (has_word(low, "only"))
        for (const char *p = strstr(low, " of "); p; p = strstr(p + 1, " of "))
            if (p > low && is_digit(p[-1]) && is_digit(p[4])) {
                n++;
                break;
            }
    return n;
}

static int push_str(char ***arr, int *n, const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (!c)
        return -1;
    memcpy(c, s, len);
    c[len] = '\0';
    char **a = realloc(*arr, ((size_t)*n + 1) * sizeof *a);
    if (!a) {
        free(c);
        return -1;
    }
    a[*n] = c;
    *arr = a;
    (*n)++;
    return 0;
}

/* Returns 1 when the sentence low (lower-case) contradicts the facts. */
static int sentence_contradicts(const char *low, const llm_yesno_facts *f)
{
    static const char *agree_words[] = {"agree", "agrees", "agreed", "agreement", "consistent",
                                        "match", "matches", "matched", "matching", "identical",
                                        "coincide", "coincides", "same", "disagree",
                                        "disagrees", "inconsistent", "mismatch", "differ",
                                        "differs", "different"};
    static const char *pass_words[] = {"pass", "passes", "passed", "fail", "fails", "failed"};
    int about_agree = 0, about_pass = 0;
    for (size_t i = 0; i < sizeof agree_words / sizeof agree_words[0]; i++)
        about_agree |= has_word(low, agree_words[i]);
    for (size_t i = 0; i < sizeof pass_words / sizeof pass_words[0]; i++)
        about_pass |= has_word(low, pass_words[i]);
    if (!about_agree && !about_pass)
        return 0;
    int positive = count_negations(low) % 2 == 0;
    /* Which facts the sentence is about. */
    int rel_exact = has_word(low, "exact") || has_word(low, "analytic") ||
                    has_word(low, "deterministic") || has_word(low, "reference");
    int rel_backend = has_word(low, "gpu") || has_word(low, "cpu") || has_word(low, "gpus") ||
                      has_word(low, "cpus") || has_prefix_word(low, "count") ||
                      has_prefix_word(low, "backend") || has_word(low, "openmp") ||
                      has_word(low, "cuda") || has_word(low, "hits");
    int rel_tests = about_pass || has_prefix_word(low, "test");
    int vals[3] = {f->exact_agrees, f->backends_identical, f->tests_pass};
    int rel[3] = {rel_exact, rel_backend, rel_tests};
    if (!rel_exact && !rel_backend && !rel_tests)
        rel[0] = rel[1] = rel[2] = 1;
    int known = 0, all_true = 1, any_false = 0;
    for (int k = 0; k < 3; k++) {
        if (!rel[k] || vals[k] < 0)
            continue;
        known++;
        if (vals[k] == 0) {
            any_false = 1;
            all_true = 0;
        }
    }
    if (!known)
        return 0;
    return positive ? any_false : all_true;
}

/* A sentence is judged clause by clause: "A agrees; B does not" is two claims. Clauses end
 * at ; : and before but / so / although / though / whereas / while / yet. Modifies low. */
static int clauses_contradict(char *low, const llm_yesno_facts *f)
{
    static const char *joins[] = {" but ", " so ", " although ", " though ", " whereas ",
                                  " while ", " yet "};
    char *p = low;
    while (*p) {
        char *end = NULL;
        for (char *q = p; *q && !end; q++) {
            if (*q == ';' || *q == ':')
                end = q;
            for (size_t k = 0; k < sizeof joins / sizeof joins[0] && !end; k++)
                if (q > p && !strncmp(q, joins[k], strlen(joins[k])))
                    end = q;
        }
        char save = 0;
        if (end) {
            save = *end;
            *end = '\0';
        }
        int bad = sentence_contradicts(p, f);
        if (end)
            *end = save;
        if (bad)
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

void llm_check_report_free(llm_check_report *rep)
{
    if (!rep)
        return;
    for (int i = 0; i < rep->n_unverified; i++)
        free(rep->unverified[i]);
    free(rep->unverified);
    for (int i = 0; i < rep->n_contradictions; i++)
        free(rep->contradictions[i]);
    free(rep->contradictions);
    memset(rep, 0, sizeof *rep);
}

int llm_text_check(const char *text, const double *allowed, int n_allowed,
                   const llm_yesno_facts *facts, llm_check_report *rep)
{
    memset(rep, 0, sizeof *rep);
    if (!text)
        return 0;
    llm_number *nums = NULL;
    int n = llm_numbers_find(text, &nums);
    if (n < 0)
        return -1;
    rep->n_numbers = n;
    for (int i = 0; i < n; i++) {
        if (llm_number_matches(&nums[i], allowed, n_allowed))
            continue;
        /* The same wrong number twice is reported once. */
        int dup = 0;
        for (int k = 0; k < rep->n_unverified; k++)
            if (!strcmp(rep->unverified[k], nums[i].text))
                dup = 1;
        if (!dup && push_str(&rep->unverified, &rep->n_unverified, nums[i].text,
                             strlen(nums[i].text))) {
            free(nums);
            llm_check_report_free(rep);
            return -1;
        }
    }
    free(nums);
    if (!facts)
        return 0;
    /* Sentences: end at . ! ? followed by a blank or the end (not a decimal point), or at a
     * newline. */
    size_t b = 0, i = 0;
    for (;;) {
        char c = text[i];
        int end = c == '\0' || c == '\n' ||
                  ((c == '.' || c == '!' || c == '?') &&
                   (text[i + 1] == '\0' || isspace((unsigned char)text[i + 1])));
        if (end) {
            size_t e = c == '\0' || c == '\n' ? i : i + 1;
            while (b < e && isspace((unsigned char)text[b]))
                b++;
            if (e > b) {
                size_t len = e - b;
                char *low = malloc(len + 1);
                if (!low) {
                    llm_check_report_free(rep);
                    return -1;
                }
                for (size_t q = 0; q < len; q++)
                    low[q] = (char)tolower((unsigned char)text[b + q]);
                low[len] = '\0';
                int bad = clauses_contradict(low, facts);
                free(low);
                if (bad && push_str(&rep->contradictions, &rep->n_contradictions, text + b,
                                    len > 200 ? 200 : len)) {
                    llm_check_report_free(rep);
                    return -1;
                }
            }
            if (c == '\0')
                break;
            b = i + 1;
        }
        i++;
    }
    return 0;
}
