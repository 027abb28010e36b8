/* gpu.h — the runner's GPU offload inside llm/ (not a public header; the public calls are
 * llm_model_offload / llm_model_gpu_status / llm_gpu_probe in llm/llm.h).
 *
 * Split: offload.c (both builds) checks the arguments, sizes the layers against the
 * device's free memory and keeps the status; the backend — gpu_backend.c (both builds: the
 * upload and the layer sequence) over a device table (gpu_int.h: gpu.cu and its kernels
 * with CUDA, none in gpu_nocuda.c without) — probes the device, uploads the weights and
 * runs the offloaded layers. */
#ifndef SO8T_LLM_GPU_H
#define SO8T_LLM_GPU_H

#include "llm/internal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llm_gpu llm_gpu; /* device state of an offloaded model (backend-defined) */

/* Device main_gpu: LLM_OK with name and memory in *st, or LLM_ERR_UNSUPPORTED with the
 * reason in st->note (no device, CUDA=0 build, driver error naming the call). */
int llm_gpu_backend_probe(int main_gpu, llm_gpu_status *st);

/* Uploads layers [0, n_layers) (and the output norm/table when output_on_gpu) of m to
 * device main_gpu, allocates their KV cache and work buffers there; *out owns them.
 * *bytes: device memory held. A failure names the CUDA call and frees what it made. */
int llm_gpu_backend_upload(const llm_model *m, int main_gpu, int n_layers, int output_on_gpu,
                           llm_gpu **out, uint64_t *bytes, char *err, size_t errlen);
void llm_gpu_backend_free(llm_gpu *g);

/* Runs the offloaded layers for nb tokens at positions pos0..: x (nb × n_embd floats, host)
 * is the input embedding and becomes the output of the last offloaded layer. When the
 * output is on the device and logits != NULL, also the final norm and the output table for
 * the last token (softcap and bias included) into logits (n_vocab floats, host).
 * LLM_OK or a negative status with a message naming the CUDA call. */
int llm_gpu_backend_forward(llm_gpu *g, const llm_model *m, float *x, int nb, int pos0,
                            float *logits, char *err, size_t errlen);

/* Device bytes layer il needs (weights, its KV cache at m->n_ctx / the SWA ring, its share
 * of the work buffers), and the output table's; used to decide how many layers fit. */
uint64_t llm_gpu_layer_bytes(const llm_model *m, int il);
uint64_t llm_gpu_output_bytes(const llm_model *m);

/* The device's peak memory bandwidth in bytes/s: 2 (double data rate) × the memory clock ×
 * the bus width (cudaDevAttrMemoryClockRate, cudaDevAttrGlobalMemoryBusWidth); 0 when
 * unknown or without CUDA. For the decode bound of bench/bench_llm_gpu.c. */
double llm_gpu_backend_bandwidth(int main_gpu);

/* llm_model_free: releases the device memory (NULL-safe). */
void llm_gpu_release(llm_model *m);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_LLM_GPU_H */
