/* cli_gpu.c — where a model's layers run (cli/cli_gpu.h): the settings from the options and
 * the Modelfile, the offload call, and how run / info / explain report it. */
#include "cli/cli_gpu.h"

#include <string.h>

void cli_gpu_settings(const llm_modelfile *mf, int set_num_gpu, int num_gpu, int set_main_gpu,
                      int main_gpu, int *num_gpu_out, int *main_gpu_out)
{
    /* the Modelfile's values were range-checked by its parser: num_gpu in [-1, 2^31 - 1],
       main_gpu in [0, 1024] */
    const llm_modelfile_param *pn = mf ? llm_modelfile_param_find(mf, "num_gpu") : NULL;
    const llm_modelfile_param *pm = mf ? llm_modelfile_param_find(mf, "main_gpu") : NULL;
    *num_gpu_out = set_num_gpu ? num_gpu : pn ? (int)pn->i : 0;
    *main_gpu_out = set_main_gpu ? main_gpu : pm ? (int)pm->i : 0;
}

static double mib(uint64_t b)
{
    return (double)b / 1048576.0;
}

void cli_gpu_line(FILE *f, const llm_gpu_status *st, int num_gpu)
{
    fprintf(f, "gpu: %d of %d layers offloaded", st->gpu_layers, st->n_layer);
    if (st->gpu_layers > 0)
        fprintf(f, " to GPU %d (%s), %.1f MiB of device memory, output on the %s", st->device,
                st->device_name, mib(st->device_bytes), st->output_on_gpu ? "GPU" : "CPU");
    if (st->note[0])
        fprintf(f, " (%s)", st->note);
    else if (num_gpu == 0)
        fprintf(f, " (num_gpu 0: the model runs on the CPU)");
    fputc('\n', f);
}

int cli_gpu_offload(const char *cmd, llm_model *m, int num_gpu, int main_gpu, int verbose)
{
    char err[512];
    if (num_gpu != 0 && llm_model_offload(m, num_gpu, main_gpu, err, sizeof err) != LLM_OK) {
        fprintf(stderr, "so8t %s: %s\n", cmd, err);
        return CLI_FAIL;
    }
    if (num_gpu != 0 || verbose) {
        llm_gpu_status st;
        llm_model_gpu_status(m, &st);
        cli_gpu_line(stderr, &st, num_gpu);
    }
    return CLI_OK;
}

void cli_gpu_json_run(cli_json *j, const llm_gpu_status *st, int num_gpu)
{
    cli_json_i64(j, "num_gpu", num_gpu);
    cli_json_i64(j, "gpu_layers", st->gpu_layers);
    cli_json_string(j, "gpu_device", st->gpu_layers > 0 ? st->device_name : NULL);
    cli_json_u64(j, "gpu_memory_bytes", st->device_bytes);
    cli_json_string(j, "gpu_note", st->note[0] ? st->note : NULL);
}

void cli_gpu_probe_print(FILE *f, int main_gpu)
{
    llm_gpu_status st;
    if (llm_gpu_probe(main_gpu, &st))
        fprintf(f, "GPU:            %d: %s, %.0f MiB free of %.0f MiB (--num-gpu N puts N layers "
                   "there, -1 as many as fit)\n",
                main_gpu, st.device_name, mib(st.device_free), mib(st.device_total));
    else
        fprintf(f, "GPU:            none (%s): the layers run on the CPU\n", st.note);
}

void cli_gpu_probe_json(cli_json *j, int main_gpu)
{
    llm_gpu_status st;
    int ok = llm_gpu_probe(main_gpu, &st);
    cli_json_begin_object(j, "gpu");
    cli_json_bool(j, "available", ok);
    cli_json_i64(j, "device", main_gpu);
    cli_json_string(j, "name", ok ? st.device_name : NULL);
    cli_json_u64(j, "free_bytes", ok ? st.device_free : 0);
    cli_json_u64(j, "total_bytes", ok ? st.device_total : 0);
    cli_json_string(j, "note", st.note[0] ? st.note : NULL);
    cli_json_end_object(j);
}
