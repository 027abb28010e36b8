/* cli_json.c — a small streaming JSON writer for --json output (DESIGN.md field names).
 * Numbers use %.17g so they round-trip; NaN and inf are written as null. */
#include "cli/cli.h"

#include <math.h>
#include <inttypes.h>

void cli_json_init(cli_json *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->need_comma[0] = 0;
}

static void key_prefix(cli_json *j, const char *key)
{
    if (j->need_comma[j->depth])
        fputc(',', j->f);
    j->need_comma[j->depth] = 1;
    if (key) {
        cli_json_write_escaped(j->f, key);
        fputc(':', j->f);
    }
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one. */
static int utf8_valid_len(const unsigned char *p)
{
    unsigned char c = p[0];
    int n;
    unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (int k = 2; k < n; k++)
        if (p[k] < 0x80 || p[k] > 0xbf) /* also stops at the terminating NUL */
            return 0;
    return n;
}

/* JSON text must be UTF-8 (RFC 8259 §8.1): a byte that does not start a well-formed
 * sequence (a model's output cut inside a character, a Latin-1 file name) becomes
 * U+FFFD, one per byte, so the string stays readable and the document valid. */
void cli_json_write_escaped(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) {
                fprintf(f, "\\u%04x", *p);
            } else if (*p < 0x80) {
                fputc(*p, f);
            } else {
                int n = utf8_valid_len(p);
                if (n == 0) {
                    fputs("\xef\xbf\xbd", f); /* U+FFFD */
                } else {
                    fwrite(p, 1, (size_t)n, f);
                    p += n - 1;
                }
            }
        }
    }
    fputc('"', f);
}

static void open_container(cli_json *j, const char *key, char c)
{
    key_prefix(j, key);
    fputc(c, j->f);
    if (j->depth < 31)
        j->depth++;
    j->need_comma[j->depth] = 0;
}

static void close_container(cli_json *j, char c)
{
    fputc(c, j->f);
    if (j->depth > 0)
        j->depth--;
}

void cli_json_begin_object(cli_json *j, const char *key) { open_container(j, key, '{'); }
void cli_json_end_object(cli_json *j) { close_container(j, '}'); }
void cli_json_begin_array(cli_json *j, const char *key) { open_container(j, key, '['); }
void cli_json_end_array(cli_json *j) { close_container(j, ']'); }

static void write_double(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);
}

void cli_json_double(cli_json *j, const char *key, double v)
{
    key_prefix(j, key);
    write_double(j->f, v);
}

void cli_json_u64(cli_json *j, const char *key, uint64_t v)
{
    key_prefix(j, key);
    fprintf(j->f, "%" PRIu64, v);
}

void cli_json_i64(cli_json *j, const char *key, int64_t v)
{
    key_prefix(j, key);
    fprintf(j->f, "%" PRId64, v);
}

void cli_json_bool(cli_json *j, const char *key, int v)
{
    key_prefix(j, key);
    fputs(v ? "true" : "false", j->f);
}

void cli_json_string(cli_json *j, const char *key, const char *v)
{
    key_prefix(j, key);
    if (v)
        cli_json_write_escaped(j->f, v);
    else
        fputs("null", j->f);
}

void cli_json_null(cli_json *j, const char *key)
{
    key_prefix(j, key);
    fputs("null", j->f);
}

void cli_json_double_array(cli_json *j, const char *key, const double *v, int n)
{
    cli_json_begin_array(j, key);
    for (int i = 0; i < n; i++)
        cli_json_double(j, NULL, v[i]);
    cli_json_end_array(j);
}

void cli_json_finish(cli_json *j)
{
    fputc('\n', j->f);
    cli_flush(j->f);
}

void cli_json_open(cli_json *j, FILE *f)
{
    cli_json_init(j, f);
    cli_json_begin_object(j, NULL);
}

void cli_json_close(cli_json *j)
{
    cli_json_end_object(j);
    cli_json_finish(j);
}
