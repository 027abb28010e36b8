/* unicode.c — see unicode.h. The decoder reproduces llama.cpp's unicode_cpt_from_utf8 on
 * malformed input (lead byte checked, continuation bytes checked, no overlong or surrogate
 * check): the pre-tokenizers must see the same code points it does. */
#include "llm/tok/unicode.h"

unsigned llm_ucd_flags(uint32_t cp)
{
    if (cp >= 0x110000)
        return LLM_UCD_UNDEFINED;
    int lo = 0, hi = llm_ucd_n_ranges - 1; /* invariant: ranges[lo].start <= cp */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (llm_ucd_ranges[mid].start <= cp)
            lo = mid;
        else
            hi = mid - 1;
    }
    return llm_ucd_ranges[lo].flags;
}

static int cont(const unsigned char *s, int i, int n) { return i < n && (s[i] & 0xC0) == 0x80; }

int llm_utf8_decode(const char *text, int n, uint32_t *cps)
{
    const unsigned char *s = (const unsigned char *)text;
    int k = 0;
    for (int i = 0; i < n;) {
        unsigned c = s[i];
        if (c < 0x80) {
            cps[k++] = c;
            i += 1;
        } else if ((c & 0xE0) == 0xC0 && cont(s, i + 1, n)) {
            cps[k++] = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
            i += 2;
        } else if ((c & 0xF0) == 0xE0 && cont(s, i + 1, n) && cont(s, i + 2, n)) {
            cps[k++] = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
            i += 3;
        } else if ((c & 0xF8) == 0xF0 && cont(s, i + 1, n) && cont(s, i + 2, n) && cont(s, i + 3, n)) {
            cps[k++] = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
                       (s[i + 3] & 0x3Fu);
            i += 4;
        } else {
            cps[k++] = 0xFFFD; /* one invalid byte */
            i += 1;
        }
    }
    return k;
}

int llm_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF) /* not produced by the decoder (21 bits at most); keep it bounded */
        cp = 0xFFFD;
    if (cp < 0x10000)
        return llm_utf8_encode(cp, out);
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}
