/* strbuf.h — forwarding header: the string builder is base/strbuf.h (so8t_strbuf); these
 * names keep llm/ code that still says llm_strbuf compiling. */
#ifndef SO8T_LLM_STRBUF_H
#define SO8T_LLM_STRBUF_H
#include "base/strbuf.h"
typedef so8t_strbuf llm_strbuf;
#define llm_strbuf_add so8t_strbuf_add
#define llm_strbuf_vadd so8t_strbuf_vadd
#define llm_strbuf_put so8t_strbuf_put
#define llm_strbuf_take so8t_strbuf_take
#endif
