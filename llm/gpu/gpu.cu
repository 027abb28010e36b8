/* gpu.cu — the runner's CUDA backend (gpu.h): device probe, weight upload, the offloaded
 * layers. (Probe only so far: the upload reports that the kernels are not there yet.) */
#include "llm/gpu/gpu.h"

#include <cuda_runtime.h>
#include <stdio.h>

extern "C" int llm_gpu_backend_probe(int main_gpu, llm_gpu_status *st)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        snprintf(st->note, sizeof st->note, "no CUDA device (cudaGetDeviceCount: %s)",
                 e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
        return LLM_ERR_UNSUPPORTED;
    }
    if (main_gpu >= n) {
        snprintf(st->note, sizeof st->note, "main_gpu %d: there are %d CUDA device(s)", main_gpu, n);
        return LLM_ERR_UNSUPPORTED;
    }
    cudaDeviceProp p;
    size_t fr = 0, tot = 0;
    if ((e = cudaGetDeviceProperties(&p, main_gpu)) != cudaSuccess ||
        (e = cudaSetDevice(main_gpu)) != cudaSuccess || (e = cudaMemGetInfo(&fr, &tot)) != cudaSuccess) {
        snprintf(st->note, sizeof st->note, "CUDA device %d: %s", main_gpu, cudaGetErrorString(e));
        return LLM_ERR_UNSUPPORTED;
    }
    snprintf(st->device_name, sizeof st->device_name, "%.95s", p.name);
    st->device = main_gpu;
    st->device_free = fr;
    st->device_total = tot;
    return LLM_OK;
}

extern "C" int llm_gpu_backend_upload(const llm_model *m, int main_gpu, int n_layers, int output_on_gpu,
                                      llm_gpu **out, uint64_t *bytes, char *err, size_t errlen)
{
    (void)m;
    (void)main_gpu;
    (void)n_layers;
    (void)output_on_gpu;
    *out = NULL;
    *bytes = 0;
    llm_set_err(err, errlen, "GPU layers are not implemented yet");
    return LLM_ERR_UNSUPPORTED;
}

extern "C" void llm_gpu_backend_free(llm_gpu *g)
{
    (void)g;
}

extern "C" int llm_gpu_backend_forward(llm_gpu *g, const llm_model *m, float *x, int nb, int pos0,
                                       float *logits, char *err, size_t errlen)
{
    (void)g;
    (void)m;
    (void)x;
    (void)nb;
    (void)pos0;
    (void)logits;
    llm_set_err(err, errlen, "GPU layers are not implemented yet");
    return LLM_ERR_UNSUPPORTED;
}
