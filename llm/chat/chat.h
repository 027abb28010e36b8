/* chat.h — chat formats: a conversation (system / user / assistant messages) rendered as the
 * prompt text a model was trained on. The format is recognised from the model's
 * tokenizer.chat_template by safe substring markers (the Jinja code is never executed):
 *
 *   chatml  "<|im_start|>"                           Qwen, SmolLM2 (and others)
 *           <|im_start|>ROLE\nCONTENT<|im_end|>\n ... <|im_start|>assistant\n
 *           plus the template's own default system message when the conversation has none
 *           (SmolLM2, Qwen: a literal '<|im_start|>system\n...<|im_end|>' in the template)
 *   llama3  "<|start_header_id|>" and "<|end_header_id|>"   Llama 3.x
 *           <|start_header_id|>ROLE<|end_header_id|>\n\nTRIMMED<|eot_id|> ... assistant header;
 *           Llama 3.1+ templates ("Cutting Knowledge Date:") always open with the system header
 *           "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" + system
 *   gemma   "<start_of_turn>"                         Gemma 2 / 3
 *           <start_of_turn>user\nTRIMMED<end_of_turn>\n, assistant → "model"; a system message
 *           goes before the first user message's text, followed by "\n\n"
 *   phi3    "<|assistant|>" and "<|end|>"             Phi-3 / 3.5
 *           <|ROLE|>\nCONTENT<|end|>\n ... <|assistant|>\n (an empty system message is left out)
 *   plain   anything else, or no template (a one-line warning says so):
 *           SYSTEM\n\n then "User: CONTENT\n" / "Assistant: CONTENT\n" ... "Assistant:"
 *
 * BOS is not written: the tokenizer adds it per the file's flags (llm_tokenize add_bos -1).
 * The rendered text holds the control tokens as text; tokenize it with parse_special = 1.
 * Rules checked against llama.cpp's llama_chat_apply_template and the real templates
 * rendered by jinja2 (tools/chat_fixtures.py, tests/test_chat.c).
 */
#ifndef SO8T_LLM_CHAT_H
#define SO8T_LLM_CHAT_H

#include <stddef.h>

#include "llm/llm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { LLM_CHAT_PLAIN = 0, LLM_CHAT_CHATML, LLM_CHAT_LLAMA3, LLM_CHAT_GEMMA, LLM_CHAT_PHI3 } llm_chat_kind;

typedef struct {
    const char *role; /* "system", "user" or "assistant" */
    const char *content;
} llm_chat_message;

typedef struct {
    llm_chat_kind kind;
    int knowledge_date;        /* llama3: the Llama 3.1+ system header */
    char default_system[1024]; /* chatml: the template's default system message ("" none) */
} llm_chat_format;

/* "chatml", "llama3", "gemma", "phi3", "plain" */
const char *llm_chat_kind_name(llm_chat_kind k);

/* Recognises the format of a template (NULL or "" = none). Returns 1 when recognised; 0 for
 * the plain fallback, with a one-line reason in warn (may be NULL). */
int llm_chat_format_detect(const char *tmpl, llm_chat_format *f, char *warn, size_t warnlen);

/* Renders n messages (and, with add_generation_prompt, the opening of the assistant's turn)
 * into *out (malloc'd, caller frees). A role other than system/user/assistant or a NULL
 * content is LLM_ERR_INVAL with a message naming it. */
int llm_chat_render(const llm_chat_format *f, const llm_chat_message *msgs, int n,
                    int add_generation_prompt, char **out, char *err, size_t errlen);

/* Stop strings a format needs beyond the end-of-generation tokens (NULL-terminated list;
 * plain: "\nUser:"). */
const char *const *llm_chat_stop_strings(const llm_chat_format *f);

/* For `so8t explain` and other single-question callers: the prompt for an optional system
 * message and one user message in m's own format, ready for llm_generate. *out is malloc'd;
 * warn gets the plain-format note when the model's template is not recognised ("" else). */
int llm_chat_prompt(const llm_model *m, const char *system, const char *user, char **out,
                    char *warn, size_t warnlen);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_LLM_CHAT_H */
