/* so8t_mpi.c — bin/so8t-mpi: so8t's commands run by a team of MPI ranks.
 *
 *   mpirun -np N so8t-mpi volume ...      every option of 'so8t volume'
 *   mpirun -np N so8t-mpi rotations ...   run by rank 0 (the others wait): the same bytes
 *
 * The commands are cli/'s own (cmd_volume): this file only builds the team (cli_team.h)
 * — a sum of 64-bit words (MPI_Allreduce, MPI_SUM on MPI_UINT64_T: exact, so results do
 * not depend on the rank count), the device from the local rank, a share of the cores —
 * and makes rank 0 the only one that prints. A rank that fails prints its rank, host and
 * the cause on its own stderr and aborts the job (MPI_Abort): never a hang, never a
 * partial result; a rank that dies is reported by the launcher, which ends the job. */
#include "cli/cli.h"
#include "cli/cli_team.h"
#include "mc/mc.h"
#include "base/threads.h"

#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    MPI_Comm comm;
    int rank, size;
    char host[MPI_MAX_PROCESSOR_NAME];
    FILE *err; /* this rank's real stderr (ranks other than 0 write stderr to `log`) */
    FILE *log; /* ranks other than 0: their stderr, shown only when they alone failed */
} mpi_team;

static mpi_team g_team;

/* Fault injection for tests/test_mpi.sh only (documented there): SO8T_MPI_TEST_MUTATE=skip
 * or double makes rank 1 drop or double its share of every sum (the test must see that);
 * SO8T_MPI_TEST_FAIL_RANK=R makes rank R's first sum fail (the failure path). */
static int test_mutation(const mpi_team *t, uint64_t *words, size_t n, char *err, size_t errlen)
{
    const char *mut = getenv("SO8T_MPI_TEST_MUTATE"), *fail = getenv("SO8T_MPI_TEST_FAIL_RANK");
    if (fail && atoi(fail) == t->rank && n > 4) { /* a sum of the run, not the agreement */
        snprintf(err, errlen, "injected failure (SO8T_MPI_TEST_FAIL_RANK=%d)", t->rank);
        return -1;
    }
    if (mut && t->rank == 1 && n > 4) { /* past the ready agreement's one or two words */
        for (size_t i = 0; i < n; i++)
            words[i] = !strcmp(mut, "skip") ? 0 : !strcmp(mut, "double") ? 2 * words[i] : words[i];
    }
    return 0;
}

static int team_sum(void *user, uint64_t *words, size_t n, char *err, size_t errlen)
{
    mpi_team *t = user;
    if (test_mutation(t, words, n, err, errlen))
        return -1;
    if (n > (size_t)0x7fffffff) {
        snprintf(err, errlen, "a state of %zu words is too large for one reduction", n);
        return -1;
    }
    int rc = MPI_Allreduce(MPI_IN_PLACE, words, (int)n, MPI_UINT64_T, MPI_SUM, t->comm);
    if (rc != MPI_SUCCESS) {
        char msg[MPI_MAX_ERROR_STRING];
        int len = 0;
        MPI_Error_string(rc, msg, &len);
        snprintf(err, errlen, "rank %d: MPI_Allreduce failed: %s", t->rank, msg);
        return -1;
    }
    return 0;
}

static void team_fail(void *user, int status, const char *message)
{
    mpi_team *t = user;
    fprintf(t->err, "so8t-mpi: rank %d of %d on %s failed: %s (%s); ending the job\n", t->rank,
            t->size, t->host, message, mc_strerror(status));
    fflush(t->err);
    MPI_Abort(t->comm, 1);
    _exit(1); /* MPI_Abort does not return; never go back to a team that waits */
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: mpirun -np N so8t-mpi COMMAND [OPTIONS]\n"
            "\n"
            "so8t's Monte Carlo in a team of MPI ranks (one GPU per rank when there are GPUs,\n"
            "device = the rank's local rank modulo the visible devices; else OpenMP threads,\n"
            "the node's cores shared among its ranks). Results have the same bits for any\n"
            "number of ranks and as 'so8t' itself; only rank 0 prints.\n"
            "\n"
            "Commands:\n"
            "  volume      every option of 'so8t volume' (not --verify); the JSON gains\n"
            "              \"ranks\" and \"devices\"; --checkpoint/--resume work as in so8t\n"
            "              (rank 0 writes and reads the file)\n"
            "  rotations   'so8t rotations', run by rank 0 (the same bytes as one process)\n"
            "\n"
            "A rank that fails or dies ends the job with a message naming it; exit status != 0.\n"
            "See docs/cluster.md for mpirun and Slurm lines.\n");
}

/* Ranks other than 0 print nothing: stdout to /dev/null, stderr to an unlinked temporary
 * file (replayed, prefixed with the rank, when this rank failed and rank 0 did not), with
 * their own stderr kept for team_fail's message. */
static int quiet_rank(mpi_team *t)
{
    int keep = dup(2);
    t->err = keep >= 0 ? fdopen(keep, "w") : NULL;
    if (!t->err)
        t->err = stderr;
    t->log = tmpfile();
    int nul = open("/dev/null", O_WRONLY);
    if (nul < 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    int bad = dup2(nul, 1) < 0 || dup2(t->log ? fileno(t->log) : nul, 2) < 0;
    close(nul);
    return bad ? -1 : 0;
}

static void replay_log(mpi_team *t)
{
    if (!t->log)
        return;
    fflush(stderr);
    rewind(t->log);
    char line[1024];
    while (fgets(line, sizeof line, t->log))
        fprintf(t->err, "[rank %d] %s", t->rank, line);
    fflush(t->err);
}

int main(int argc, char **argv)
{
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "so8t-mpi: MPI_Init failed\n");
        return 1;
    }
    mpi_team *t = &g_team;
    t->comm = MPI_COMM_WORLD;
    t->err = stderr;
    MPI_Comm_set_errhandler(t->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(t->comm, &t->rank);
    MPI_Comm_size(t->comm, &t->size);
    int hl = 0;
    MPI_Get_processor_name(t->host, &hl);
    /* the ranks on this node: the local rank picks the GPU, the local count shares the cores */
    MPI_Comm node;
    int local_rank = 0, local_size = 1;
    if (MPI_Comm_split_type(t->comm, MPI_COMM_TYPE_SHARED, t->rank, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_rank(node, &local_rank);
        MPI_Comm_size(node, &local_size);
        MPI_Comm_free(&node);
    }
    so8t_threads_cap_default();
    if (t->rank != 0 && quiet_rank(t) != 0) {
        fprintf(t->err, "so8t-mpi: rank %d: cannot silence its output\n", t->rank);
        MPI_Abort(t->comm, 1);
    }
    int ndev = mc_cuda_device_count();
    int cores = so8t_threads_default();
    cli_team_info info;
    memset(&info, 0, sizeof info);
    info.team.rank = t->rank;
    info.team.size = t->size;
    info.team.sum = team_sum;
    info.team.fail = team_fail;
    info.team.user = t;
    info.device = ndev > 0 ? local_rank % ndev : -1;
    info.threads = cores / local_size > 0 ? cores / local_size : 1;

    cli_team = &info; /* also for the ready agreement of commands that end early */
    int rc;
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (!cmd) {
        if (t->rank == 0)
            usage(stderr);
        rc = CLI_USAGE;
    } else if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        if (t->rank == 0)
            usage(stdout);
        rc = CLI_OK;
    } else if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        if (t->rank == 0)
            printf("so8t-mpi %s\n", SO8T_VERSION);
        rc = CLI_OK;
    } else if (!strcmp(cmd, "volume")) {
        rc = cmd_volume(argc - 1, argv + 1);
    } else if (!strcmp(cmd, "rotations")) {
        /* the Haar statistics are not split across ranks: rank 0 runs the command */
        rc = t->rank == 0 ? cmd_rotations(argc - 1, argv + 1) : CLI_OK;
    } else {
        if (t->rank == 0)
            fprintf(stderr, "so8t-mpi: unknown or unsupported command '%s' (volume, rotations)\n"
                            "Try 'so8t-mpi --help'.\n", cmd);
        rc = CLI_USAGE;
    }
    if (!cli_team_ready_done) {
        /* the command ended before its collective part (a usage error, a failure of this
           rank alone, or rotations): tell the others, who may be waiting for this rank */
        int first_bad;
        char err[256];
        int nbad = cli_team_ready(rc == CLI_OK && strcmp(cmd ? cmd : "", "volume") != 0, &first_bad,
                                  err, sizeof err);
        if (rc != CLI_OK && t->rank != 0 && first_bad == t->rank && nbad < t->size)
            replay_log(t); /* this rank failed, rank 0 ... (some did not): say why */
    }
    if (t->rank == 0)
        rc = cli_stdout_close(cmd, rc);
    /* every rank's exit status reaches the launcher; wait so rank 0's files are complete
       before any rank's exit can make the launcher end the job */
    MPI_Barrier(t->comm);
    MPI_Finalize();
    return rc;
}
