/* cmd_info.c — 'so8t info' (placeholder until issue #6 lands). */
#include "cli/cli.h"

#include <string.h>

int cmd_info(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: so8t info [OPTIONS]\n\nThis command is not available in this build yet (issue #6).\n");
        return CLI_OK;
    }
    return cli_usage_error("info", "this command is not available in this build yet (issue #6)");
}
