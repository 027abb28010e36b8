/* cmd_run_chat.h — the conversation side of 'so8t run --chat' (cmd_run_chat.c). */
#ifndef SO8T_CLI_CMD_RUN_CHAT_H
#define SO8T_CLI_CMD_RUN_CHAT_H

#include "cli/cli.h"
#include "llm/chat/chat.h"
#include "llm/llm.h"

#include <stddef.h>

/* A conversation that owns its strings. */
typedef struct {
    llm_chat_message *msgs;
    char **own;
    int n, cap;
} cli_chat;

void cli_chat_init(cli_chat *c);
void cli_chat_free(cli_chat *c);
/* Appends a copy of (role, content[0, len)); 0 or -1 when out of memory. */
int cli_chat_add(cli_chat *c, const char *role, const char *content, size_t len);
/* Appends the messages of a non-terminal stdin: a JSON array of {"role", "content"} objects,
 * or any other text as one user message. CLI_OK, or CLI_USAGE / CLI_FAIL with err set. */
int cli_chat_read_stdin(cli_chat *c, char *err, size_t errlen);
/* The interactive loop on a terminal: reads a line, renders c in format f, generates,
 * appends both turns to c; ends at end of input or "/bye". Returns CLI_OK or CLI_FAIL. */
int cli_chat_interactive(llm_model *m, const llm_params *p, const llm_chat_format *f, cli_chat *c,
                         int show_prompt, llm_text_cb on_text, int *write_errno);

#endif /* SO8T_CLI_CMD_RUN_CHAT_H */
