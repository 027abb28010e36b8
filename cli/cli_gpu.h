/* cli_gpu.h — where a model's layers run, said the same way by 'so8t run', 'so8t info' and
 * 'so8t explain' (llm_model_offload / llm_gpu_probe in llm/llm.h; cli/cli_gpu.c). */
#ifndef SO8T_CLI_GPU_H
#define SO8T_CLI_GPU_H

#include "cli/cli.h"
#include "llm/llm.h"
#include "llm/modelfile/modelfile.h"

/* num_gpu / main_gpu as the command line and the Modelfile give them: the option when it
 * was given (set_* != 0), else the Modelfile's PARAMETER (mf may be NULL), else 0 (num_gpu:
 * the CPU; see docs/llm.md "GPU offload" for why that is the default) and 0 (main_gpu). */
void cli_gpu_settings(const llm_modelfile *mf, int set_num_gpu, int num_gpu, int set_main_gpu,
                      int main_gpu, int *num_gpu_out, int *main_gpu_out);

/* Offloads m as asked (llm_model_offload). Without a GPU that is 0 layers and a note, never
 * an error; a positive num_gpu that does not fit, or a CUDA failure, prints "so8t CMD: ..."
 * and returns CLI_FAIL. When num_gpu != 0 or verbose, prints the cli_gpu_line on stderr. */
int cli_gpu_offload(const char *cmd, llm_model *m, int num_gpu, int main_gpu, int verbose);

/* One line: "gpu: 0 of 18 layers offloaded (this so8t was built without CUDA (CUDA=0); the
 * model runs on the CPU)" or "gpu: 18 of 18 layers offloaded to GPU 0 (NAME), 300.0 MiB of
 * device memory, output on the GPU". num_gpu is what was asked. */
void cli_gpu_line(FILE *f, const llm_gpu_status *st, int num_gpu);

/* The run's JSON members: num_gpu, gpu_layers, gpu_device (name or null), gpu_memory_bytes,
 * gpu_note (null when there is nothing to say). docs/json.md. */
void cli_gpu_json_run(cli_json *j, const llm_gpu_status *st, int num_gpu);

/* 'so8t info': what device main_gpu offers (llm_gpu_probe), as text lines or as a JSON
 * object member "gpu": {available, device, name, free_bytes, total_bytes, note}. */
void cli_gpu_probe_print(FILE *f, int main_gpu);
void cli_gpu_probe_json(cli_json *j, int main_gpu);

#endif /* SO8T_CLI_GPU_H */
