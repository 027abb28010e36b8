/* cli_explain_glue.c — 'so8t volume --explain': hand the command's own JSON to the
 * explainer and print its text, or, with --json, add the explanation to the command's one
 * JSON object as a member (docs/json.md). */
#include "cli/cli.h"
#include "cli/cli_volume.h"
#include "explain/explain.h"

#include <stdio.h>
#include <string.h>

int cli_explain_json_text(const char *json_text, const char *model, cli_json *member)
{
    llm_explain_options eo;
    llm_explain_options_default(&eo);
    char path[4096];
    if (model)
        eo.model_path = model; /* a path, or "none" for the template */
    else if (llm_explain_default_model(path, sizeof path))
        eo.model_path = path;
    llm_explanation ex;
    char err[512];
    if (llm_explain_result_json(json_text, &eo, &ex, err, sizeof err) != 0) {
        fprintf(stderr, "so8t: --explain: %s\n", err);
        if (member)
            cli_json_null(member, "explanation");
        return CLI_FAIL;
    }
    if (member) {
        cli_json_begin_object(member, "explanation");
        cli_json_string(member, "text", ex.text);
        cli_json_string(member, "model", ex.model);
        cli_json_bool(member, "fallback", ex.fallback);
        cli_json_begin_array(member, "unverified_numbers");
        for (int i = 0; i < ex.n_unverified; i++)
            cli_json_string(member, NULL, ex.unverified[i]);
        cli_json_end_array(member);
        if (ex.reason)
            cli_json_string(member, "reason", ex.reason);
        cli_json_end_object(member);
    } else {
        /* the template says itself that no model was used */
        printf("\n%s\n", ex.text);
        if (!ex.fallback)
            printf("(explained by %s; every number checked against the result)\n",
                   ex.model ? ex.model : "a model");
    }
    llm_explanation_free(&ex);
    return CLI_OK;
}
