/* cmd_exact.c — 'so8t exact' (placeholder until issue #4 lands). */
#include "cli/cli.h"

#include <string.h>

int cmd_exact(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: so8t exact [OPTIONS]\n\nThis command is not available in this build yet (issue #4).\n");
        return CLI_OK;
    }
    return cli_usage_error("exact", "this command is not available in this build yet (issue #4)");
}
