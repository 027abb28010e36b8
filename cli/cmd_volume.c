/* cmd_volume.c — 'so8t volume' (placeholder until issue #3 lands). */
#include "cli/cli.h"

#include <string.h>

int cmd_volume(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: so8t volume [OPTIONS]\n\nThis command is not available in this build yet (issue #3).\n");
        return CLI_OK;
    }
    return cli_usage_error("volume", "this command is not available in this build yet (issue #3)");
}
