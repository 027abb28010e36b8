/* cmd_verify.c — 'so8t verify' (placeholder until issue #3 lands). */
#include "cli/cli.h"

#include <string.h>

int cmd_verify(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: so8t verify [OPTIONS]\n\nThis command is not available in this build yet (issue #3).\n");
        return CLI_OK;
    }
    return cli_usage_error("verify", "this command is not available in this build yet (issue #3)");
}
