/* cli_team.c — the team the commands run in: none in bin/so8t (see cli_team.h). */
#include "cli/cli_team.h"

#include <stddef.h>

const cli_team_info *cli_team = NULL;
