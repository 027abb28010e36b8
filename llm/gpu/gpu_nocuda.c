/* gpu_nocuda.c — the GPU backend of a build without CUDA (CUDA=0): there is no device, so
 * llm_model_offload reports 0 layers offloaded with this reason and the CPU runs the model. */
#include "llm/gpu/gpu.h"

#include <stdio.h>

int llm_gpu_backend_probe(int main_gpu, llm_gpu_status *st)
{
    (void)main_gpu;
    snprintf(st->note, sizeof st->note, "this so8t was built without CUDA (CUDA=0)");
    return LLM_ERR_UNSUPPORTED;
}

int llm_gpu_backend_upload(const llm_model *m, int main_gpu, int n_layers, int output_on_gpu,
                           llm_gpu **out, uint64_t *bytes, char *err, size_t errlen)
{
    (void)m;
    (void)main_gpu;
    (void)n_layers;
    (void)output_on_gpu;
    *out = NULL;
    *bytes = 0;
    llm_set_err(err, errlen, "this so8t was built without CUDA (CUDA=0)");
    return LLM_ERR_UNSUPPORTED;
}

void llm_gpu_backend_free(llm_gpu *g)
{
    (void)g;
}

int llm_gpu_backend_forward(llm_gpu *g, const llm_model *m, float *x, int nb, int pos0,
                            float *logits, char *err, size_t errlen)
{
    (void)g;
    (void)m;
    (void)x;
    (void)nb;
    (void)pos0;
    (void)logits;
    llm_set_err(err, errlen, "this so8t was built without CUDA (CUDA=0)");
    return LLM_ERR_UNSUPPORTED;
}

double llm_gpu_backend_bandwidth(int main_gpu)
{
    (void)main_gpu;
    return 0;
}
