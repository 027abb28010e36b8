/* cli_team.h — how a front end that runs so8t's commands in a team of processes
 * (bin/so8t-mpi, mpi/) hands the team to them. cli/ never sees MPI: the team is mc's
 * mc_team (a sum of 64-bit words and a failure hook) plus what the commands report.
 * bin/so8t leaves cli_team NULL: one process. */
#ifndef SO8T_CLI_TEAM_H
#define SO8T_CLI_TEAM_H

#include "mc/mc.h"

typedef struct {
    mc_team team;    /* rank, size, sum, fail */
    int device;      /* the CUDA device of this rank (from its local rank), -1: --device */
    int threads;     /* OpenMP threads of this rank when --threads is not given (0: all) */
} cli_team_info;

extern const cli_team_info *cli_team;

/* The team's agreement that every rank is ready for the collective work: each rank calls it
 * exactly once — the command at the point where its own checks are done (ok = 1), or the
 * front end for a command that ended before that point (ok = 0). Returns the number of
 * ranks that were not ready (0: go on) and, in *first_bad, the lowest such rank; -1 when
 * the sum itself failed. Without it, a rank that failed alone (a missing device, a file it
 * cannot open) would leave the others waiting for it for ever. */
int cli_team_ready(int ok, int *first_bad, char *err, size_t errlen);
/* 1 once this rank has called cli_team_ready. */
extern int cli_team_ready_done;

#endif /* SO8T_CLI_TEAM_H */
