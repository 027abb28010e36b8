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

#endif /* SO8T_CLI_TEAM_H */
