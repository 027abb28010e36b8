/* unicode.h — code points for the byte-level BPE pre-tokenizers: UTF-8 decoding as llama.cpp
 * does it (an invalid byte becomes U+FFFD and is skipped alone), encoding, and the category
 * flags of a code point from the generated table unicode_data.c (Unicode 15.1, from
 * llama.cpp's unicode-data.cpp; tools/gen_unicode_table.py says why and how). */
#ifndef SO8T_LLM_TOK_UNICODE_H
#define SO8T_LLM_TOK_UNICODE_H

#include <stddef.h>
#include <stdint.h>

enum {
    LLM_UCD_UNDEFINED = 0x01, LLM_UCD_NUMBER = 0x02, LLM_UCD_LETTER = 0x04,
    LLM_UCD_SEPARATOR = 0x08, LLM_UCD_MARK = 0x10, LLM_UCD_PUNCT = 0x20, LLM_UCD_SYMBOL = 0x40,
    LLM_UCD_CONTROL = 0x80, LLM_UCD_WHITESPACE = 0x100
};

typedef struct {
    uint32_t start; /* the range runs to the next entry's start */
    uint16_t flags;
} llm_ucd_range;

extern const llm_ucd_range llm_ucd_ranges[];
extern const int llm_ucd_n_ranges;

/* flags of a code point (binary search); above U+10FFFF: LLM_UCD_UNDEFINED */
unsigned llm_ucd_flags(uint32_t cp);

/* Decodes text[0, n) into cps (room for n entries); returns the count. */
int llm_utf8_decode(const char *text, int n, uint32_t *cps);
/* Encodes cp into out (4 bytes of room); returns the byte count. */
int llm_utf8_encode(uint32_t cp, char *out);

#endif /* SO8T_LLM_TOK_UNICODE_H */
