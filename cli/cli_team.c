/* cli_team.c — the team the commands run in: none in bin/so8t (see cli_team.h). */
#include "cli/cli_team.h"

#include <stdio.h>
#include <stdlib.h>

const cli_team_info *cli_team = NULL;
int cli_team_ready_done = 0;

int cli_team_ready(int ok, int *first_bad, char *err, size_t errlen)
{
    *first_bad = -1;
    cli_team_ready_done = 1;
    if (!cli_team)
        return ok ? 0 : 1;
    const mc_team *t = &cli_team->team;
    /* word 0: ranks not ready; then one bit per rank (a sum of distinct bits is their OR) */
    size_t n = 1 + ((size_t)t->size + 63) / 64;
    uint64_t *w = calloc(n, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!ok) {
        w[0] = 1;
        w[1 + t->rank / 64] = 1ull << (t->rank % 64);
    }
    if (t->sum(t->user, w, n, err, errlen)) {
        free(w);
        if (t->fail) /* the others may wait in this sum: end the job */
            t->fail(t->user, MC_ERR_TEAM, err);
        return -1;
    }
    int bad = (int)w[0];
    for (int r = 0; r < t->size && *first_bad < 0; r++)
        if (w[1 + r / 64] >> (r % 64) & 1)
            *first_bad = r;
    free(w);
    return bad;
}
