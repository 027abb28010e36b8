/* cmd_rotations.c — 'so8t rotations' (placeholder until issue #5 lands). */
#include "cli/cli.h"

#include <string.h>

int cmd_rotations(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: so8t rotations [OPTIONS]\n\nThis command is not available in this build yet (issue #5).\n");
        return CLI_OK;
    }
    return cli_usage_error("rotations", "this command is not available in this build yet (issue #5)");
}
