/* cmd_explain.c — 'so8t explain' (placeholder until issue #7 lands). */
#include "cli/cli.h"

#include <string.h>

int cmd_explain(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: so8t explain [OPTIONS]\n\nThis command is not available in this build yet (issue #7).\n");
        return CLI_OK;
    }
    return cli_usage_error("explain", "this command is not available in this build yet (issue #7)");
}
