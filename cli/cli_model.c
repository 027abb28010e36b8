/* cli_model.c — a model argument and its Modelfile, as 'run', 'explain' and 'create' take
 * them: a store name looked up, a Modelfile read with its warnings, its settings applied. */
#include "cli/cli.h"
#include "llm/store/store.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int cli_modelfile_load(const char *cmd, const char *path, llm_modelfile *mf)
{
    char err[1024] = "";
    int rc = llm_modelfile_load(path, mf, err, sizeof err);
    if (rc) {
        /* a bad Modelfile is a usage error; an unreadable one or no memory a failure */
        fprintf(stderr, "so8t %s: %s\n", cmd, err[0] ? err : "out of memory");
        return rc == LLM_MF_ERR_IO || rc == LLM_MF_ERR_NOMEM ? CLI_FAIL : CLI_USAGE;
    }
    for (int i = 0; i < mf->n_warnings; i++)
        fprintf(stderr, "so8t %s: %s\n", cmd, mf->warnings[i]);
    return CLI_OK;
}

int cli_modelfile_apply(const char *cmd, llm_modelfile *mf, llm_params *p,
                        const char *what)
{
    char note[256] = "";
    if (llm_modelfile_apply(mf, p, note, sizeof note) != 0) {
        fprintf(stderr, "so8t %s: out of memory applying %s\n", cmd, what);
        return CLI_FAIL;
    }
    if (note[0])
        fprintf(stderr, "so8t %s: %s\n", cmd, note);
    return CLI_OK;
}

int cli_store_lookup(const char *cmd, const char *arg, llm_modelfile *mf)
{
    memset(mf, 0, sizeof *mf);
    struct stat st;
    llm_store_name nm;
    if (!arg || stat(arg, &st) == 0 || llm_store_name_parse(arg, &nm, NULL, 0))
        return 0; /* a file (or not a name): the loader opens it and says what is wrong */
    llm_store *s = NULL;
    char err[1024];
    if (llm_store_open(NULL, &s, err, sizeof err)) {
        fprintf(stderr, "so8t %s: %s: no such file, and %s\n", cmd, arg, err);
        return -CLI_FAIL;
    }
    llm_store_entry e;
    int rc = llm_store_get(s, arg, &e, err, sizeof err);
    llm_store_close(s);
    if (rc == LLM_STORE_ERR_NOTFOUND) {
        fprintf(stderr, "so8t %s: %s (no such file either; 'so8t list' shows the store)\n", cmd,
                err);
        return -CLI_FAIL;
    }
    if (rc) {
        fprintf(stderr, "so8t %s: %s\n", cmd, err);
        return -CLI_FAIL;
    }
    rc = llm_store_entry_to_modelfile(&e, mf, err, sizeof err);
    llm_store_entry_free(&e);
    if (rc) {
        fprintf(stderr, "so8t %s: %s\n", cmd, err);
        return -CLI_FAIL;
    }
    return 1;
}
