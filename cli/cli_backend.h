/* cli_backend.h — choosing the compute backend on the command line. */
#ifndef SO8T_CLI_BACKEND_H
#define SO8T_CLI_BACKEND_H

#include "cli/cli.h"
#include "mc/mc.h"

/* "auto" | "cuda" (or "gpu") | "cpu"; usage error naming `opt` otherwise. */
int cli_parse_backend(const char *cmd, const char *opt, const char *s, mc_backend *out);

/* auto → cuda when a device is present, else cpu (saying once on stderr, in a CUDA build,
 * that the CPU is used); cuda without a device → usage error (exit 2). */
int cli_backend_resolve(const char *cmd, mc_backend requested, mc_backend *out);

#endif /* SO8T_CLI_BACKEND_H */
